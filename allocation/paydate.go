package allocation

import (
	"collect"
	"time"
)

// ParsePaymentDate reads a payment date as a lender's feed or a collector
// writes it: RFC 3339 as is, or a bare YYYY-MM-DD. A bare date is taken as the
// end of that day in China time (15:59:59 UTC, still the same UTC date), so the
// payment's month, its commission statement and the account's last payment
// date are the day written, not the evening before; and a payment made on the
// day a placement began falls inside it. Today's date is capped at now (so
// before 08:00 China time it falls on the UTC day before, as every event of
// that hour does: months are UTC); a later date is refused. A full time is
// returned as given (a future one is the caller's to refuse).
func ParsePaymentDate(v string, now time.Time) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, collect.China)
	if err != nil {
		return time.Time{}, err
	}
	if today := now.In(collect.China).Format(time.DateOnly); v > today {
		return time.Time{}, collect.E(collect.EINVALID, "err.payment.date_after_today", "date", v, "today", today)
	}
	if t = d.Add(24*time.Hour - time.Second); t.After(now) {
		t = now
	}
	return t, nil
}
