package casework_test

import (
	"collect"
	"errors"
	"slices"
	"testing"
	"time"

	"collect/casework"
)

// limDay parses a calendar date as midnight UTC (LimitationDate's dates).
func limDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLimitationDate(t *testing.T) {
	type ev struct{ kind, at string }
	far := casework.SuitPendingExpires.Format(time.DateOnly)
	tests := []struct {
		name        string
		events      []ev
		asOf        string
		start       string
		expires     string
		absCap      string
		interrupted *ev // nil = no interruption
		barred      bool
		late        []ev
		waived      bool
	}{
		{name: "SingleDebtLastDay",
			events: []ev{{"due", "2020-03-01"}}, asOf: "2023-03-01",
			start: "2020-03-01", expires: "2023-03-01", absCap: "2040-03-01"},
		{name: "SingleDebtDayAfter",
			events: []ev{{"due", "2020-03-01"}}, asOf: "2023-03-02",
			start: "2020-03-01", expires: "2023-03-01", absCap: "2040-03-01", barred: true},
		{name: "InstalmentsRunFromTheLast",
			events: []ev{{"due", "2020-12-15"}, {"due", "2020-01-15"}, {"due", "2020-06-15"}}, asOf: "2023-06-01",
			start: "2020-12-15", expires: "2023-12-15", absCap: "2040-01-15"},
		{name: "LeapDayDueLastDay",
			events: []ev{{"due", "2024-02-29"}}, asOf: "2027-02-28",
			start: "2024-02-29", expires: "2027-02-28", absCap: "2044-02-29"},
		{name: "LeapDayDueBarredOnFirstOfMarch",
			events: []ev{{"due", "2024-02-29"}}, asOf: "2027-03-01",
			start: "2024-02-29", expires: "2027-02-28", absCap: "2044-02-29", barred: true},
		{name: "LeapDayFirstDueCapOnLeapDay",
			events: []ev{{"due", "2028-02-29"}, {"due", "2029-01-31"}}, asOf: "2030-01-01",
			start: "2029-01-31", expires: "2032-01-31", absCap: "2048-02-29"},
		{name: "LeapDayCapInCenturyCommonYear",
			events: []ev{{"due", "2080-02-29"}}, asOf: "2080-03-01",
			start: "2080-02-29", expires: "2083-02-28", absCap: "2100-02-28"},
		{name: "LeapDayDemand",
			events: []ev{{"due", "2025-06-10"}, {"demand", "2028-02-29"}}, asOf: "2031-02-28",
			start: "2028-02-29", expires: "2031-02-28", absCap: "2045-06-10", interrupted: &ev{"demand", "2028-02-29"}},
		{name: "DemandBeforeExpiryRestarts",
			events: []ev{{"due", "2020-03-01"}, {"demand", "2022-06-10"}}, asOf: "2024-01-01",
			start: "2022-06-10", expires: "2025-06-10", absCap: "2040-03-01", interrupted: &ev{"demand", "2022-06-10"}},
		{name: "DemandOnTheLastDayRestarts",
			events: []ev{{"due", "2020-03-01"}, {"demand", "2023-03-01"}}, asOf: "2025-01-01",
			start: "2023-03-01", expires: "2026-03-01", absCap: "2040-03-01", interrupted: &ev{"demand", "2023-03-01"}},
		{name: "DemandDayAfterExpiryDoesNotRevive",
			events: []ev{{"due", "2020-03-01"}, {"demand", "2023-03-02"}}, asOf: "2024-01-01",
			start: "2020-03-01", expires: "2023-03-01", absCap: "2040-03-01", barred: true,
			late: []ev{{"demand", "2023-03-02"}}},
		{name: "AcknowledgementAfterExpiryWaivesDefence",
			events: []ev{{"due", "2020-03-01"}, {"acknowledgement", "2024-05-01"}}, asOf: "2024-06-01",
			start: "2020-03-01", expires: "2023-03-01", absCap: "2040-03-01", barred: true,
			late: []ev{{"acknowledgement", "2024-05-01"}}, waived: true},
		{name: "ChainOfInterruptionsThenLate",
			events: []ev{{"due", "2015-05-20"}, {"acknowledgement", "2017-05-01"}, {"demand", "2020-04-30"}, {"demand", "2023-05-01"}, {"suit", "2023-06-01"}},
			asOf:   "2023-07-01",
			start:  "2020-04-30", expires: "2023-04-30", absCap: "2035-05-20", barred: true,
			interrupted: &ev{"demand", "2020-04-30"}, late: []ev{{"demand", "2023-05-01"}, {"suit", "2023-06-01"}}},
		{name: "DemandBeforeLastInstalmentIgnored",
			events: []ev{{"due", "2020-01-01"}, {"demand", "2020-03-01"}, {"due", "2020-06-01"}}, asOf: "2021-01-01",
			start: "2020-06-01", expires: "2023-06-01", absCap: "2040-01-01"},
		{name: "DemandOnDueDateIsNoInterruption",
			events: []ev{{"due", "2020-06-01"}, {"demand", "2020-06-01"}}, asOf: "2021-01-01",
			start: "2020-06-01", expires: "2023-06-01", absCap: "2040-06-01"},
		{name: "SuitPending",
			events: []ev{{"due", "2020-03-01"}, {"suit", "2022-01-10"}}, asOf: "2030-01-01",
			start: "2022-01-10", expires: far, absCap: "2040-03-01", interrupted: &ev{"suit", "2022-01-10"}},
		{name: "SuitEndedRestartsFromTheEnd",
			events: []ev{{"due", "2020-03-01"}, {"suit", "2022-01-10"}, {"suit_ended", "2023-07-20"}}, asOf: "2026-07-21",
			start: "2023-07-20", expires: "2026-07-20", absCap: "2040-03-01", interrupted: &ev{"suit", "2022-01-10"}, barred: true},
		{name: "EventsDuringSuitIgnoredThenDemandAfterEnd",
			events: []ev{{"due", "2020-03-01"}, {"suit", "2022-01-10"}, {"demand", "2022-05-01"}, {"suit_ended", "2023-07-20"}, {"demand", "2024-01-05"}},
			asOf:   "2026-08-01",
			start:  "2024-01-05", expires: "2027-01-05", absCap: "2040-03-01", interrupted: &ev{"demand", "2024-01-05"}},
		{name: "SuitAndEndOnTheSameDay",
			events: []ev{{"suit_ended", "2022-01-10"}, {"due", "2020-03-01"}, {"suit", "2022-01-10"}}, asOf: "2024-01-01",
			start: "2022-01-10", expires: "2025-01-10", absCap: "2040-03-01", interrupted: &ev{"suit", "2022-01-10"}},
		{name: "SuitBeforeLastInstalmentStopsTheClock",
			events: []ev{{"due", "2020-01-01"}, {"suit", "2020-03-01"}, {"due", "2020-12-01"}}, asOf: "2030-01-01",
			start: "2020-12-01", expires: far, absCap: "2040-01-01", interrupted: &ev{"suit", "2020-03-01"}},
		{name: "SuitEndedBeforeLastInstalment",
			events: []ev{{"due", "2020-01-01"}, {"suit", "2020-03-01"}, {"suit_ended", "2020-05-01"}, {"due", "2020-12-01"}}, asOf: "2022-01-01",
			start: "2020-12-01", expires: "2023-12-01", absCap: "2040-01-01", interrupted: &ev{"suit", "2020-03-01"}},
		{name: "SuitAfterExpiryIsLate",
			events: []ev{{"due", "2020-03-01"}, {"suit", "2023-04-01"}}, asOf: "2023-05-01",
			start: "2020-03-01", expires: "2023-03-01", absCap: "2040-03-01", barred: true, late: []ev{{"suit", "2023-04-01"}}},
		{name: "SuitEndedWithoutSuitIgnored",
			events: []ev{{"due", "2020-03-01"}, {"suit_ended", "2022-01-10"}}, asOf: "2022-02-01",
			start: "2020-03-01", expires: "2023-03-01", absCap: "2040-03-01"},
		{name: "AbsoluteCapStopsRestarts",
			events: []ev{{"due", "2000-01-10"}, {"acknowledgement", "2002-12-01"}, {"acknowledgement", "2005-11-01"}, {"acknowledgement", "2008-10-01"},
				{"acknowledgement", "2011-09-01"}, {"acknowledgement", "2014-08-01"}, {"acknowledgement", "2017-07-01"}},
			asOf:  "2020-01-10",
			start: "2017-07-01", expires: "2020-01-10", absCap: "2020-01-10", interrupted: &ev{"acknowledgement", "2017-07-01"}},
		{name: "AbsoluteCapPassed",
			events: []ev{{"due", "2000-01-10"}, {"acknowledgement", "2002-12-01"}, {"acknowledgement", "2005-11-01"}, {"acknowledgement", "2008-10-01"},
				{"acknowledgement", "2011-09-01"}, {"acknowledgement", "2014-08-01"}, {"acknowledgement", "2017-07-01"}, {"acknowledgement", "2020-03-01"}},
			asOf:  "2020-03-02",
			start: "2017-07-01", expires: "2020-01-10", absCap: "2020-01-10", interrupted: &ev{"acknowledgement", "2017-07-01"}, barred: true,
			late: []ev{{"acknowledgement", "2020-03-01"}}, waived: true},
		{name: "AbsoluteCapFromFirstInstalment",
			events: []ev{{"due", "2001-01-01"}, {"due", "2019-06-01"}}, asOf: "2021-01-02",
			start: "2019-06-01", expires: "2021-01-01", absCap: "2021-01-01", barred: true},
		{name: "SuitFiledBeforeCapStaysInTime",
			events: []ev{{"due", "2000-01-10"}, {"acknowledgement", "2002-12-01"}, {"acknowledgement", "2005-11-01"}, {"acknowledgement", "2008-10-01"},
				{"acknowledgement", "2011-09-01"}, {"acknowledgement", "2014-08-01"}, {"acknowledgement", "2017-07-01"}, {"suit", "2019-12-01"}}, asOf: "2021-05-01",
			start: "2019-12-01", expires: far, absCap: "2020-01-10", interrupted: &ev{"suit", "2019-12-01"}},
		{name: "SuitEndedAfterCapIsBarred",
			events: []ev{{"due", "2000-01-10"}, {"acknowledgement", "2002-12-01"}, {"acknowledgement", "2005-11-01"}, {"acknowledgement", "2008-10-01"},
				{"acknowledgement", "2011-09-01"}, {"acknowledgement", "2014-08-01"}, {"acknowledgement", "2017-07-01"}, {"suit", "2019-12-01"}, {"suit_ended", "2020-06-01"}}, asOf: "2020-06-02",
			start: "2020-06-01", expires: "2020-01-10", absCap: "2020-01-10", interrupted: &ev{"suit", "2019-12-01"}, barred: true},
		{name: "FutureEventsNotYetFacts",
			events: []ev{{"due", "2020-03-01"}, {"demand", "2022-01-01"}}, asOf: "2021-01-01",
			start: "2020-03-01", expires: "2023-03-01", absCap: "2040-03-01"},
		{name: "AsOfBeforeTheDueDate",
			events: []ev{{"due", "2030-03-01"}}, asOf: "2025-01-01",
			start: "2030-03-01", expires: "2033-03-01", absCap: "2050-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var events []casework.LimitationEvent
			for _, e := range tt.events {
				events = append(events, casework.LimitationEvent{Kind: e.kind, At: limDay(t, e.at).Add(10 * time.Hour)})
			}
			before := slices.Clone(events)
			got, err := casework.LimitationDate(events, limDay(t, tt.asOf).Add(15*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(events, before) {
				t.Error("LimitationDate reordered its input")
			}
			for _, c := range []struct {
				what string
				got  time.Time
				want string
			}{{"Start", got.Start, tt.start}, {"Expires", got.Expires, tt.expires}, {"AbsoluteCap", got.AbsoluteCap, tt.absCap}} {
				if !c.got.Equal(limDay(t, c.want)) {
					t.Errorf("%s = %s, want %s", c.what, c.got.Format(time.DateOnly), c.want)
				}
			}
			if got.TimeBarred != tt.barred {
				t.Errorf("TimeBarred = %v, want %v", got.TimeBarred, tt.barred)
			}
			if got.DefenceWaived != tt.waived {
				t.Errorf("DefenceWaived = %v, want %v", got.DefenceWaived, tt.waived)
			}
			switch {
			case tt.interrupted == nil && got.InterruptedBy != nil:
				t.Errorf("InterruptedBy = %+v, want nil", *got.InterruptedBy)
			case tt.interrupted != nil && got.InterruptedBy == nil:
				t.Errorf("InterruptedBy = nil, want %+v", *tt.interrupted)
			case tt.interrupted != nil && (got.InterruptedBy.Kind != tt.interrupted.kind ||
				got.InterruptedBy.At.Format(time.DateOnly) != tt.interrupted.at):
				t.Errorf("InterruptedBy = %s %s, want %+v", got.InterruptedBy.Kind, got.InterruptedBy.At.Format(time.DateOnly), *tt.interrupted)
			}
			var late []ev
			for _, e := range got.LateEvents {
				late = append(late, ev{e.Kind, e.At.Format(time.DateOnly)})
			}
			if !slices.Equal(late, tt.late) {
				t.Errorf("LateEvents = %v, want %v", late, tt.late)
			}
		})
	}
}

// The calendar date is read in each time's own location: 00:30 in Shanghai
// on 1 March is still 29 February in UTC.
func TestLimitationDateUsesLocalCalendarDate(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	due := time.Date(2020, time.March, 1, 0, 30, 0, 0, sh)
	asOf := time.Date(2023, time.March, 1, 23, 59, 0, 0, sh)
	tests := []struct {
		name    string
		asOf    time.Time
		expires string
		barred  bool
	}{
		{"LastMinuteOfTheLastDay", asOf, "2023-03-01", false},
		{"NextMorningInShanghai", time.Date(2023, time.March, 2, 0, 1, 0, 0, sh), "2023-03-01", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := casework.LimitationDate([]casework.LimitationEvent{{Kind: casework.LimitationDue, At: due}}, tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if got.Expires.Format(time.DateOnly) != tt.expires || got.TimeBarred != tt.barred {
				t.Errorf("Expires %s barred %v, want %s %v", got.Expires.Format(time.DateOnly), got.TimeBarred, tt.expires, tt.barred)
			}
		})
	}
}

func TestLimitationDateErrors(t *testing.T) {
	at := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	asOf := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		events []casework.LimitationEvent
		asOf   time.Time
		fields []string
	}{
		{"NoEvents", nil, asOf, []string{"events"}},
		{"NoDueEvent", []casework.LimitationEvent{{Kind: "demand", At: at}}, asOf, []string{"events"}},
		{"UnknownKind", []casework.LimitationEvent{{Kind: "due", At: at}, {Kind: "phone_call", At: at}}, asOf, []string{"events[1].kind"}},
		{"ZeroTime", []casework.LimitationEvent{{Kind: "due", At: at}, {Kind: "demand"}}, asOf, []string{"events[1].at"}},
		{"ZeroDueOnly", []casework.LimitationEvent{{Kind: "due"}}, asOf, []string{"events[0].at", "events"}},
		{"ZeroAsOf", []casework.LimitationEvent{{Kind: "due", At: at}}, time.Time{}, []string{"as_of"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := casework.LimitationDate(tt.events, tt.asOf)
			var e *collect.Error
			if !errors.As(err, &e) || e.Code != collect.EINVALID {
				t.Fatalf("err = %v, want an EINVALID *allocation.Error", err)
			}
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields = %q, want %q", fields, tt.fields)
			}
		})
	}
}

// TestUSLimitation: a US state's period runs from the default, a demand
// does not restart it, a payment (acknowledgement) does, and there is no
// 20-year cap; New York's consumer credit period is 3 years, California's 4.
func TestUSLimitation(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name, state string
		events      []casework.LimitationEvent
		asOf        string
		expires     string
		barred      bool
	}{
		{"NY three years", "NY", []casework.LimitationEvent{{Kind: casework.LimitationDue, At: day("2022-03-01")}}, "2025-03-01", "2025-03-01", false},
		{"NY the day after", "NY", []casework.LimitationEvent{{Kind: casework.LimitationDue, At: day("2022-03-01")}}, "2025-03-02", "2025-03-01", true},
		{"CA four years", "CA", []casework.LimitationEvent{{Kind: casework.LimitationDue, At: day("2022-03-01")}}, "2025-03-02", "2026-03-01", false},
		{"a demand does not restart it", "NY", []casework.LimitationEvent{{Kind: casework.LimitationDue, At: day("2022-03-01")},
			{Kind: casework.LimitationDemand, At: day("2024-06-01")}}, "2025-03-02", "2025-03-01", true},
		{"a payment restarts it", "NY", []casework.LimitationEvent{{Kind: casework.LimitationDue, At: day("2022-03-01")},
			{Kind: casework.LimitationAcknowledgement, At: day("2024-06-01")}}, "2025-03-02", "2027-06-01", false},
		{"an unknown state: the default", "ZZ", []casework.LimitationEvent{{Kind: casework.LimitationDue, At: day("2020-03-01")}}, "2025-03-02", "2026-03-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim, err := casework.LimitationDateUnder(casework.USLimitation(tt.state), tt.events, day(tt.asOf))
			if err != nil {
				t.Fatal(err)
			}
			if got := lim.Expires.Format(time.DateOnly); got != tt.expires || lim.TimeBarred != tt.barred {
				t.Errorf("expires %s barred %v, want %s %v", got, lim.TimeBarred, tt.expires, tt.barred)
			}
		})
	}
}
