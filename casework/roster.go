package casework

import (
	"collect"
	"time"
)

// The collector roster (GB/T 45251-2025, NIFA): every agency user who
// contacts debtors is registered (staff number, real-name verification),
// bound by a confidentiality agreement, and has passed the yearly training
// course and its exam. CheckRoster is the conduct rule that holds this; the
// profile's roster_required switches it on.
//
// Boundary, decided once here: a course taken on date D (a civil date, read
// in China time, Asia/Shanghai, where the agencies work) is valid through the
// same calendar date one year later, inclusive, and lapsed from the day after.
// Trained 2025-12-03: a contact on 2026-12-03 (Beijing date) is allowed, one
// on 2026-12-04 is refused. A course taken on 29 February is valid through 28
// February of the next year (the year has no 29th; it stays within 365 days).
// "Today" is the Beijing date of the moment the contact is checked (recorded
// or started): the roster says whether the collector may work now.

// Roster rule ids, reported by CheckRoster in this order.
const (
	RuleRosterNotRegistered  = "roster.not_registered"
	RuleRosterNoAgreement    = "roster.no_agreement"
	RuleRosterTrainingLapsed = "roster.training_lapsed"
)

// RosterDateLayout is how roster dates are written ("2006-01-02").
const RosterDateLayout = time.DateOnly

// RosterStatusCompliant is the status of a record that breaks no roster rule;
// any other status is the first rule it breaks.
const RosterStatusCompliant = "compliant"

// RosterRecord is one collector's entry on the agency's roster. Dates are
// civil dates "YYYY-MM-DD"; "" = not done.
type RosterRecord struct {
	UserID       string
	AgencyID     string
	StaffNo      string
	VerifiedOn   string // real-name verification
	NDASignedOn  string // confidentiality agreement signed
	TrainedOn    string // yearly training course completed
	ExamPassedOn string // yearly exam passed
}

// RosterDay is the civil date of t in China time, the roster's calendar.
func RosterDay(t time.Time) time.Time {
	d := t.In(collect.China)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// ParseRosterDate reads a roster date; ok is false for "" or a malformed one.
func ParseRosterDate(s string) (time.Time, bool) {
	d, err := time.Parse(RosterDateLayout, s)
	return d, err == nil
}

// RosterValidThrough is the last day a course taken on `on` counts: the same
// calendar date one year later, or 28 February for a course on 29 February.
func RosterValidThrough(on time.Time) time.Time {
	y, m, d := on.Date()
	if m == time.February && d == 29 {
		d = 28
	}
	return time.Date(y+1, m, d, 0, 0, 0, 0, time.UTC)
}

// RosterCourseValidThrough is the last day the record's yearly training
// counts: the earlier of the two courses' ends; ok is false when either
// course has no (valid) date.
func RosterCourseValidThrough(r RosterRecord) (time.Time, bool) {
	t, okT := ParseRosterDate(r.TrainedOn)
	e, okE := ParseRosterDate(r.ExamPassedOn)
	if !okT || !okE {
		return time.Time{}, false
	}
	until := RosterValidThrough(t)
	if exam := RosterValidThrough(e); exam.Before(until) {
		until = exam
	}
	return until, true
}

// CheckRoster returns the roster rules a contact by the collector of rec
// (nil: no record) would break at now, in the order of the rule ids; none
// when the profile does not require the roster. A date later than today
// does not count yet.
func CheckRoster(rec *RosterRecord, now time.Time, p ConductProfile) []collect.Violation {
	if !p.RosterRequired {
		return nil
	}
	today := RosterDay(now)
	done := func(s string) (time.Time, bool) {
		d, ok := ParseRosterDate(s)
		return d, ok && !d.After(today)
	}
	if rec == nil || rec.StaffNo == "" {
		return []collect.Violation{collect.Broken(RuleRosterNotRegistered, "err.roster.rule.not_registered")}
	}
	if _, ok := done(rec.VerifiedOn); !ok {
		return []collect.Violation{collect.Broken(RuleRosterNotRegistered, "err.roster.rule.not_verified", "staff_no", rec.StaffNo)}
	}
	var vs []collect.Violation
	if _, ok := done(rec.NDASignedOn); !ok {
		vs = append(vs, collect.Broken(RuleRosterNoAgreement, "err.roster.rule.no_agreement", "staff_no", rec.StaffNo))
	}
	// A missing course is named before a lapsed one; of two lapsed, the one
	// that lapsed first.
	var lapsed *collect.Violation
	var first time.Time
	courses := []struct {
		on   string
		name collect.Phrase
	}{{rec.TrainedOn, collect.Say("err.roster.word.training")}, {rec.ExamPassedOn, collect.Say("err.roster.word.exam")}}
	for _, c := range courses {
		d, ok := done(c.on)
		if !ok {
			v := collect.Broken(RuleRosterTrainingLapsed, "err.roster.rule.course_missing", "staff_no", rec.StaffNo, "course", c.name)
			lapsed = &v
			break
		}
		if until := RosterValidThrough(d); today.After(until) && (lapsed == nil || until.Before(first)) {
			v := collect.Broken(RuleRosterTrainingLapsed, "err.roster.rule.training_lapsed", "staff_no", rec.StaffNo,
				"course", c.name, "on", d.Format(RosterDateLayout), "until", until.Format(RosterDateLayout))
			lapsed, first = &v, until
		}
	}
	if lapsed != nil {
		vs = append(vs, *lapsed)
	}
	return vs
}

// RosterStatus is the record's status at now under a profile that requires
// the roster: "compliant" or the first rule it breaks.
func RosterStatus(rec *RosterRecord, now time.Time) string {
	vs := CheckRoster(rec, now, ConductProfile{RosterRequired: true})
	if len(vs) == 0 {
		return RosterStatusCompliant
	}
	return vs[0].Rule
}

// RosterStatuses lists every status RosterStatus gives.
var RosterStatuses = []string{RosterStatusCompliant, RuleRosterNotRegistered, RuleRosterNoAgreement, RuleRosterTrainingLapsed}
