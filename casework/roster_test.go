package casework_test

import (
	"slices"
	"testing"
	"time"

	"collect"
	"collect/casework"
)

// bj is a moment on a Beijing calendar date.
func bj(date string, h, m int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, date, collect.China)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func compliant() *casework.RosterRecord {
	return &casework.RosterRecord{UserID: "u1", AgencyID: "a1", StaffNo: "A-001", VerifiedOn: "2025-01-10",
		NDASignedOn: "2025-01-10", TrainedOn: "2025-12-03", ExamPassedOn: "2025-12-05"}
}

func TestCheckRoster(t *testing.T) {
	on := casework.ConductProfile{RosterRequired: true}
	with := func(f func(r *casework.RosterRecord)) *casework.RosterRecord { r := compliant(); f(r); return r }
	tests := []struct {
		name    string
		rec     *casework.RosterRecord
		now     time.Time
		profile casework.ConductProfile
		want    []string
		key     string // the first violation's key, when set
	}{
		{"compliant", compliant(), bj("2026-06-01", 10, 0), on, nil, ""},
		{"profile does not require the roster", nil, bj("2026-06-01", 10, 0), casework.ConductProfile{}, nil, ""},
		{"no record", nil, bj("2026-06-01", 10, 0), on, []string{"roster.not_registered"}, "err.roster.rule.not_registered"},
		{"no staff number", with(func(r *casework.RosterRecord) { r.StaffNo = "" }), bj("2026-06-01", 10, 0), on, []string{"roster.not_registered"}, "err.roster.rule.not_registered"},
		{"not verified", with(func(r *casework.RosterRecord) { r.VerifiedOn = "" }), bj("2026-06-01", 10, 0), on, []string{"roster.not_registered"}, "err.roster.rule.not_verified"},
		{"verified tomorrow does not count yet", with(func(r *casework.RosterRecord) { r.VerifiedOn = "2026-06-02" }), bj("2026-06-01", 23, 59), on, []string{"roster.not_registered"}, ""},
		{"verified today counts", with(func(r *casework.RosterRecord) { r.VerifiedOn = "2026-06-01" }), bj("2026-06-01", 0, 0), on, nil, ""},
		{"no agreement", with(func(r *casework.RosterRecord) { r.NDASignedOn = "" }), bj("2026-06-01", 10, 0), on, []string{"roster.no_agreement"}, "err.roster.rule.no_agreement"},
		{"malformed agreement date", with(func(r *casework.RosterRecord) { r.NDASignedOn = "2025-13-01" }), bj("2026-06-01", 10, 0), on, []string{"roster.no_agreement"}, ""},
		{"no training", with(func(r *casework.RosterRecord) { r.TrainedOn = "" }), bj("2026-06-01", 10, 0), on, []string{"roster.training_lapsed"}, "err.roster.rule.course_missing"},
		{"no exam", with(func(r *casework.RosterRecord) { r.ExamPassedOn = "" }), bj("2026-06-01", 10, 0), on, []string{"roster.training_lapsed"}, "err.roster.rule.course_missing"},
		{"no agreement and no training", with(func(r *casework.RosterRecord) { r.NDASignedOn, r.TrainedOn = "", "" }), bj("2026-06-01", 10, 0), on,
			[]string{"roster.no_agreement", "roster.training_lapsed"}, ""},
		// Trained 2025-12-03: valid through 2026-12-03 (Beijing date), lapsed from 2026-12-04.
		{"training last valid day, start", compliant(), bj("2026-12-03", 0, 0), on, nil, ""},
		{"training last valid day, end", compliant(), bj("2026-12-03", 23, 59), on, nil, ""},
		{"training lapsed the next day", compliant(), bj("2026-12-04", 0, 0), on, []string{"roster.training_lapsed"}, "err.roster.rule.training_lapsed"},
		// 2026-12-03 16:30 UTC is already 2026-12-04 00:30 in Beijing.
		{"day is the Beijing date, not UTC", compliant(), time.Date(2026, 12, 3, 16, 30, 0, 0, time.UTC), on, []string{"roster.training_lapsed"}, ""},
		{"UTC evening still the Beijing last day", compliant(), time.Date(2026, 12, 3, 15, 59, 0, 0, time.UTC), on, nil, ""},
		{"exam lapses on its own date", with(func(r *casework.RosterRecord) { r.TrainedOn = "2026-06-01" }), bj("2026-12-06", 9, 0), on, []string{"roster.training_lapsed"}, ""},
		{"exam last valid day", with(func(r *casework.RosterRecord) { r.TrainedOn = "2026-06-01" }), bj("2026-12-05", 9, 0), on, nil, ""},
		{"leap day course valid through 28 February", with(func(r *casework.RosterRecord) { r.TrainedOn, r.ExamPassedOn = "2024-02-29", "2024-02-29" }), bj("2025-02-28", 12, 0), on, nil, ""},
		{"leap day course lapsed on 1 March", with(func(r *casework.RosterRecord) { r.TrainedOn, r.ExamPassedOn = "2024-02-29", "2024-02-29" }), bj("2025-03-01", 0, 0), on, []string{"roster.training_lapsed"}, ""},
		{"training in the future does not count", with(func(r *casework.RosterRecord) { r.TrainedOn = "2026-06-02" }), bj("2026-06-01", 10, 0), on, []string{"roster.training_lapsed"}, "err.roster.rule.course_missing"},
	}
	ids := casework.RuleIDs()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := casework.CheckRoster(tt.rec, tt.now, tt.profile)
			var got []string
			for _, v := range vs {
				got = append(got, v.Rule)
				if !slices.Contains(ids, v.Rule) {
					t.Errorf("rule %q is not in RuleIDs", v.Rule)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("rules = %q, want %q (%+v)", got, tt.want, vs)
			}
			if tt.key != "" && vs[0].Key != tt.key {
				t.Errorf("key = %q, want %q", vs[0].Key, tt.key)
			}
		})
	}
}

func TestCheckRosterNamesTheCourseThatLapsedFirst(t *testing.T) {
	r := compliant() // training through 2026-12-03, exam through 2026-12-05
	vs := casework.CheckRoster(r, bj("2027-01-01", 10, 0), casework.ConductProfile{RosterRequired: true})
	if len(vs) != 1 || vs[0].Args["until"] != "2026-12-03" || vs[0].Args["on"] != "2025-12-03" {
		t.Fatalf("violations = %+v, want the training's end 2026-12-03", vs)
	}
	if c, ok := vs[0].Args["course"].(collect.Phrase); !ok || c.Key != "err.roster.word.training" {
		t.Errorf("course = %#v, want the training", vs[0].Args["course"])
	}
}

func TestRosterValidThrough(t *testing.T) {
	for on, want := range map[string]string{
		"2025-12-03": "2026-12-03", "2024-02-29": "2025-02-28", "2023-02-28": "2024-02-28", "2025-12-31": "2026-12-31",
	} {
		d, _ := casework.ParseRosterDate(on)
		if got := casework.RosterValidThrough(d).Format(time.DateOnly); got != want {
			t.Errorf("RosterValidThrough(%s) = %s, want %s", on, got, want)
		}
	}
	r := compliant()
	if until, ok := casework.RosterCourseValidThrough(*r); !ok || until.Format(time.DateOnly) != "2026-12-03" {
		t.Errorf("RosterCourseValidThrough = %v %v, want 2026-12-03", until, ok)
	}
	r.ExamPassedOn = ""
	if _, ok := casework.RosterCourseValidThrough(*r); ok {
		t.Error("RosterCourseValidThrough without an exam is ok")
	}
}

func TestRosterStatus(t *testing.T) {
	now := bj("2026-06-01", 10, 0)
	if got := casework.RosterStatus(compliant(), now); got != casework.RosterStatusCompliant {
		t.Errorf("status = %q", got)
	}
	if got := casework.RosterStatus(nil, now); got != casework.RuleRosterNotRegistered {
		t.Errorf("status = %q", got)
	}
}
