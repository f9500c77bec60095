package billing

import (
	"testing"
	"time"

	"collect"
)

func TestParseDate(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"2026-03-01", true}, {"2024-02-29", true}, {"2026-02-29", false}, {"2026-02-30", false},
		{"2026-3-01", false}, {"20260301", false}, {"", false}, {"2026-03-01T00:00:00Z", false},
	} {
		t.Run(c.in, func(t *testing.T) {
			d, err := ParseDate(c.in)
			if c.ok {
				wantErr(t, err, "", "")
				if string(d) != c.in {
					t.Fatalf("got %q", d)
				}
			} else {
				wantErr(t, err, collect.EINVALID, "err.billing.date")
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	for _, c := range []struct {
		d    Date
		n    int
		want Date
	}{
		{"2026-01-31", 1, "2026-02-01"}, {"2024-02-28", 1, "2024-02-29"}, {"2026-02-28", 1, "2026-03-01"},
		{"2026-12-31", 1, "2027-01-01"}, {"2026-03-01", -1, "2026-02-28"}, {"2026-03-01", 0, "2026-03-01"},
		{"bad", 3, "bad"},
	} {
		if got := c.d.AddDays(c.n); got != c.want {
			t.Errorf("%s + %d = %s, want %s", c.d, c.n, got, c.want)
		}
	}
	if n := DaysBetween("2026-02-27", "2026-03-02"); n != 3 {
		t.Errorf("DaysBetween = %d, want 3", n)
	}
	if n := DaysBetween("2026-03-02", "2026-02-27"); n != -3 {
		t.Errorf("DaysBetween backwards = %d, want -3", n)
	}
	if n := DaysBetween("x", "2026-02-27"); n != 0 {
		t.Errorf("DaysBetween of a bad date = %d, want 0", n)
	}
	if m := Date("2026-03-09").Month(); m != "2026-03" {
		t.Errorf("Month = %s", m)
	}
}

func TestDateIn(t *testing.T) {
	// 16:30 UTC is 00:30 the next day in China: the payer's day is the 2nd.
	at := time.Date(2026, 3, 1, 16, 30, 0, 0, time.UTC)
	if d := DateIn(at, nil); d != "2026-03-02" {
		t.Errorf("nil zone (China) = %s", d)
	}
	if d := DateIn(at, time.UTC); d != "2026-03-01" {
		t.Errorf("UTC = %s", d)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	if d := DateIn(time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), ny); d != "2026-03-01" {
		t.Errorf("New York = %s", d)
	}
}

func TestMonths(t *testing.T) {
	for m, want := range map[string]string{"2026-01": "2026-02", "2026-12": "2027-01", "2026-13": "", "2026-1": ""} {
		if got := NextMonth(m); got != want {
			t.Errorf("NextMonth(%s) = %q, want %q", m, got, want)
		}
		if ValidMonth(m) != (want != "") {
			t.Errorf("ValidMonth(%s) = %v", m, ValidMonth(m))
		}
	}
}
