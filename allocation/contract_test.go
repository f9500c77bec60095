package allocation

import (
	"collect"
	"errors"
	"testing"
)

func TestContractValidateDates(t *testing.T) {
	base := Contract{FeeSchedule: map[string]int{"M1": 1500}, TermDays: 90, AcceptDays: 3, MaxInstalments: 12, Status: "active"}
	cases := []struct {
		name, starts, ends, field string // field "" = valid
	}{
		{"OneYear", "2026-01-01", "2026-12-31", ""},
		{"TenYearsExactly", "2026-01-01", "2036-01-01", ""},
		{"TenYearsAndADay", "2026-01-01", "2036-01-02", "ends_on"},
		{"EarliestStart", "2000-01-01", "2001-01-01", ""},
		{"BeforeEarliest", "1999-12-31", "2001-01-01", "starts_on"},
		{"LatestStart", "2099-12-31", "2100-06-30", ""},
		{"AfterLatest", "2100-01-01", "2101-01-01", "starts_on"},
		{"YearOneToNineThousand", "0001-01-01", "9999-12-31", "starts_on"},
		{"FarEnd", "2026-01-01", "9999-12-31", "ends_on"},
		{"SameDay", "2026-01-01", "2026-01-01", "ends_on"},
		{"EndBeforeStart", "2026-02-01", "2026-01-01", "ends_on"},
		{"NotADate", "2026-02-30", "2027-01-01", "starts_on"},
		{"NoEnd", "2026-01-01", "", "ends_on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := base
			k.StartsOn, k.EndsOn = c.starts, c.ends
			err := k.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *collect.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != c.field {
				t.Fatalf("got %v, want one field error on %s", err, c.field)
			}
		})
	}
}
