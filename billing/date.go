package billing

import (
	"time"

	"collect"
)

// Date is a civil date, "YYYY-MM-DD", in the payer's zone (the zone of the
// debtor's account). Valid dates compare as strings in calendar order.
type Date string

// DateIn is the civil date of t in loc; nil loc is the portal's zone
// (collect.China).
func DateIn(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = collect.China
	}
	return Date(t.In(loc).Format(time.DateOnly))
}

// ParseDate reads a civil date written YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	d := Date(s)
	if !d.Valid() {
		return "", collect.E(collect.EINVALID, "err.billing.date", "value", s)
	}
	return d, nil
}

// Valid reports whether d is a real calendar date written YYYY-MM-DD.
func (d Date) Valid() bool {
	t, err := time.Parse(time.DateOnly, string(d))
	return err == nil && t.Format(time.DateOnly) == string(d)
}

// AddDays is d moved n calendar days; an invalid d stays as it is.
func (d Date) AddDays(n int) Date {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return d
	}
	return Date(t.AddDate(0, 0, n).Format(time.DateOnly))
}

// Month is d's month, "YYYY-MM".
func (d Date) Month() string {
	if len(d) < 7 {
		return ""
	}
	return string(d[:7])
}

// DaysBetween is the number of calendar days from a to b (negative when b
// is before a); 0 when either is not a valid date.
func DaysBetween(a, b Date) int {
	ta, err1 := time.Parse(time.DateOnly, string(a))
	tb, err2 := time.Parse(time.DateOnly, string(b))
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// ValidMonth reports whether m is a month written YYYY-MM.
func ValidMonth(m string) bool {
	t, err := time.Parse("2006-01", m)
	return err == nil && t.Format("2006-01") == m
}

// NextMonth is the month after m (YYYY-MM); "" when m is not a month.
func NextMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 1, 0).Format("2006-01")
}

func absDays(a, b Date) int {
	n := DaysBetween(a, b)
	if n < 0 {
		return -n
	}
	return n
}
