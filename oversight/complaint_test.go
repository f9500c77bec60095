package oversight

import (
	"collect"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func keyOf(err error) string {
	var e *collect.Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

func fieldsOf(err error) []string {
	var e *collect.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestComplaintSLADue(t *testing.T) {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name             string
		sla              ComplaintSLA
		received         time.Time
		ack, resolve     time.Time
		ackHours, resHrs float64
	}{
		{"default, UTC", DefaultComplaintSLA, time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
			time.Date(2026, 3, 3, 9, 30, 0, 0, time.UTC), time.Date(2026, 3, 16, 9, 30, 0, 0, time.UTC), 48, 360},
		// 23:30 in Shanghai is 15:30 UTC the same day: the due instants are
		// the same instants whichever zone the time came in.
		{"default, Shanghai late evening", DefaultComplaintSLA, time.Date(2026, 3, 1, 23, 30, 0, 0, shanghai),
			time.Date(2026, 3, 3, 15, 30, 0, 0, time.UTC), time.Date(2026, 3, 16, 15, 30, 0, 0, time.UTC), 48, 360},
		// Days are counted in UTC: across New York's spring-forward night a
		// day is still 24 hours.
		{"default, across a DST change", DefaultComplaintSLA, time.Date(2026, 3, 7, 12, 0, 0, 0, newYork),
			time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC), time.Date(2026, 3, 22, 17, 0, 0, 0, time.UTC), 48, 360},
		{"month end", DefaultComplaintSLA, time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 14, 0, 0, 0, 0, time.UTC), 48, 360},
		{"leap day", ComplaintSLA{AckDays: 1, ResolveDays: 30}, time.Date(2028, 2, 28, 8, 0, 0, 0, time.UTC),
			time.Date(2028, 2, 29, 8, 0, 0, 0, time.UTC), time.Date(2028, 3, 29, 8, 0, 0, 0, time.UTC), 24, 720},
		{"lender's own levels at their limits", ComplaintSLA{AckDays: 30, ResolveDays: 90}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 720, 2160},
	} {
		ack, resolve := c.sla.Due(c.received)
		if !ack.Equal(c.ack) || !resolve.Equal(c.resolve) || ack.Location() != time.UTC || resolve.Location() != time.UTC {
			t.Errorf("%s: due %v, %v; want %v, %v in UTC", c.name, ack, resolve, c.ack, c.resolve)
		}
		if h := ack.Sub(c.received).Hours(); h != c.ackHours {
			t.Errorf("%s: acknowledgement due after %v hours, want %v", c.name, h, c.ackHours)
		}
		if h := resolve.Sub(c.received).Hours(); h != c.resHrs {
			t.Errorf("%s: resolution due after %v hours, want %v", c.name, h, c.resHrs)
		}
	}
	if DefaultComplaintSLA.AckDays != 2 || DefaultComplaintSLA.ResolveDays != 15 {
		t.Errorf("default levels %+v, want 2 and 15 days", DefaultComplaintSLA)
	}
}

func TestComplaintOverdue(t *testing.T) {
	received := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ackDue, resolveDue := DefaultComplaintSLA.Due(received)
	acked := ackDue.Add(-time.Hour)
	resolved := resolveDue.Add(-time.Hour)
	for _, c := range []struct {
		name                 string
		acknowledged, closed *time.Time
		now                  time.Time
		ack, resolve         bool
	}{
		{"just received", nil, nil, received, false, false},
		{"at the acknowledgement instant", nil, nil, ackDue, false, false},
		{"a nanosecond after it", nil, nil, ackDue.Add(time.Nanosecond), true, false},
		{"acknowledged in time, later", &acked, nil, ackDue.Add(time.Hour), false, false},
		{"acknowledged late still counts as acknowledged", ptr(ackDue.Add(time.Hour)), nil, ackDue.Add(2 * time.Hour), false, false},
		{"at the resolution instant", &acked, nil, resolveDue, false, false},
		{"a nanosecond after it", &acked, nil, resolveDue.Add(time.Nanosecond), false, true},
		{"never acknowledged, past both", nil, nil, resolveDue.Add(time.Second), true, true},
		{"resolved", &acked, &resolved, resolveDue.Add(24 * time.Hour), false, false},
	} {
		cm := Complaint{Status: ComplaintReceived, AckDue: ackDue, ResolveDue: resolveDue, AcknowledgedAt: c.acknowledged, ResolvedAt: c.closed}
		if got := cm.AckOverdue(c.now); got != c.ack {
			t.Errorf("%s: acknowledgement overdue %v, want %v", c.name, got, c.ack)
		}
		if got := cm.ResolveOverdue(c.now); got != c.resolve {
			t.Errorf("%s: resolution overdue %v, want %v", c.name, got, c.resolve)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// Every pair of statuses: allowed exactly where the state machine says.
func TestComplaintTransitions(t *testing.T) {
	allowed := map[[2]string]bool{
		{ComplaintReceived, ComplaintAcknowledged}:      true,
		{ComplaintReceived, ComplaintInvestigating}:     true,
		{ComplaintReceived, ComplaintResolved}:          true,
		{ComplaintAcknowledged, ComplaintInvestigating}: true,
		{ComplaintAcknowledged, ComplaintResolved}:      true,
		{ComplaintInvestigating, ComplaintResolved}:     true,
	}
	all := append(slices.Clone(ComplaintStatuses), "gossip", "")
	for _, from := range all {
		var next []string
		for _, to := range all {
			want := allowed[[2]string{from, to}]
			if got := ComplaintMoveAllowed(from, to); got != want {
				t.Errorf("%q → %q: allowed %v, want %v", from, to, got, want)
			}
			if want {
				next = append(next, to)
			}
		}
		if got := ComplaintNextStatuses(from); !slices.Equal(got, next) {
			t.Errorf("next of %q: %v, want %v", from, got, next)
		}
	}
	// The list handed out is a copy: a caller cannot rewrite the machine.
	ComplaintNextStatuses(ComplaintReceived)[0] = ComplaintResolved
	if !ComplaintMoveAllowed(ComplaintReceived, ComplaintAcknowledged) {
		t.Error("changing the returned list changed the machine")
	}
}

func TestCheckNewComplaint(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	good := NewComplaint{ExternalRef: "LN-1", Category: "frequent_calls", Description: "一天内接到五次电话", Source: "phone", ReceivedAt: now.Add(-time.Hour)}
	for _, c := range []struct {
		name   string
		edit   func(*NewComplaint)
		fields []string
	}{
		{"valid", func(*NewComplaint) {}, nil},
		{"by account id", func(n *NewComplaint) { n.ExternalRef, n.AccountID = "", "acc-1" }, nil},
		{"no account", func(n *NewComplaint) { n.ExternalRef = "" }, []string{"account_id"}},
		{"unknown category", func(n *NewComplaint) { n.Category = "gossip" }, []string{"category"}},
		{"every category", func(n *NewComplaint) {}, nil},
		{"blank description", func(n *NewComplaint) { n.Description = "  \n " }, []string{"description"}},
		{"description 4000", func(n *NewComplaint) { n.Description = strings.Repeat("诉", ComplaintDescriptionMax) }, nil},
		{"description 4000 and blanks", func(n *NewComplaint) { n.Description = " " + strings.Repeat("诉", ComplaintDescriptionMax) + " " }, nil},
		{"description 4001", func(n *NewComplaint) { n.Description = strings.Repeat("诉", ComplaintDescriptionMax+1) }, []string{"description"}},
		{"source 40", func(n *NewComplaint) { n.Source = strings.Repeat("源", ComplaintSourceMax) }, nil},
		{"source 41", func(n *NewComplaint) { n.Source = strings.Repeat("源", ComplaintSourceMax+1) }, []string{"source"}},
		{"100 contacts", func(n *NewComplaint) { n.ContactIDs = make([]string, ComplaintContactsMax) }, nil},
		{"101 contacts", func(n *NewComplaint) { n.ContactIDs = make([]string, ComplaintContactsMax+1) }, []string{"contact_ids"}},
		{"received no time given", func(n *NewComplaint) { n.ReceivedAt = time.Time{} }, nil},
		{"received 5 minutes ahead", func(n *NewComplaint) { n.ReceivedAt = now.Add(ComplaintClockSkew) }, nil},
		{"received a nanosecond beyond", func(n *NewComplaint) { n.ReceivedAt = now.Add(ComplaintClockSkew + time.Nanosecond) }, []string{"received_at"}},
		{"everything wrong", func(n *NewComplaint) {
			*n = NewComplaint{Category: "x", Source: strings.Repeat("s", 41), ContactIDs: make([]string, 101), ReceivedAt: now.Add(time.Hour)}
		}, []string{"category", "description", "account_id", "source", "contact_ids", "received_at"}},
	} {
		n := good
		c.edit(&n)
		var got []string
		for _, f := range CheckNewComplaint(n, now) {
			if f.Key == "" {
				t.Errorf("%s: field %s has no key", c.name, f.Field)
			}
			got = append(got, f.Field)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
	for _, cat := range ComplaintCategories {
		n := good
		n.Category = cat
		if fs := CheckNewComplaint(n, now); len(fs) != 0 {
			t.Errorf("category %s: %+v", cat, fs)
		}
	}
}

func TestNewComplaintNormal(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	n := NewComplaint{Description: "  太频繁 \n"}.Normal(now)
	if !n.ReceivedAt.Equal(now) || n.Source != "lender" || n.Description != "太频繁" {
		t.Errorf("defaults: %+v", n)
	}
	at := now.Add(-time.Hour)
	n = NewComplaint{Source: "regulator", ReceivedAt: at, Description: "x"}.Normal(now)
	if !n.ReceivedAt.Equal(at) || n.Source != "regulator" {
		t.Errorf("given values kept: %+v", n)
	}
}

func TestCheckComplaintContacts(t *testing.T) {
	for _, c := range []struct {
		name         string
		named, found []string
		ok           bool
	}{
		{"none", nil, nil, true},
		{"all found", []string{"a", "b"}, []string{"b", "a"}, true},
		{"named twice", []string{"a", "a"}, []string{"a"}, true},
		{"one not the account's", []string{"a", "z"}, []string{"a"}, false},
	} {
		err := CheckComplaintContacts(c.named, c.found)
		if c.ok != (err == nil) || !c.ok && (collect.ErrorCode(err) != collect.EINVALID || !slices.Equal(fieldsOf(err), []string{"contact_ids"})) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestCheckComplaintChangeLengths(t *testing.T) {
	for _, c := range []struct {
		name   string
		u      ComplaintChange
		fields []string
	}{
		{"nothing", ComplaintChange{}, nil},
		{"root cause 2000", ComplaintChange{RootCause: ptr(strings.Repeat("因", ComplaintRootCauseMax))}, nil},
		{"root cause 2001", ComplaintChange{RootCause: ptr(strings.Repeat("因", ComplaintRootCauseMax+1))}, []string{"root_cause"}},
		{"answer 4000", ComplaintChange{AgencyResponse: ptr(strings.Repeat("答", ComplaintAgencyResponseMax))}, nil},
		{"answer 4001", ComplaintChange{AgencyResponse: ptr(strings.Repeat("答", ComplaintAgencyResponseMax+1))}, []string{"agency_response"}},
		{"assignee 64", ComplaintChange{AssignedTo: ptr(strings.Repeat("张", ComplaintAssigneeMax))}, nil},
		{"assignee 65", ComplaintChange{AssignedTo: ptr(strings.Repeat("张", ComplaintAssigneeMax+1))}, []string{"assigned_to"}},
		{"all three", ComplaintChange{RootCause: ptr(strings.Repeat("x", 2001)), AgencyResponse: ptr(strings.Repeat("x", 4001)), AssignedTo: ptr(strings.Repeat("x", 65))},
			[]string{"root_cause", "agency_response", "assigned_to"}},
	} {
		var got []string
		for _, f := range CheckComplaintChangeLengths(c.u) {
			got = append(got, f.Field)
		}
		if !slices.Equal(got, c.fields) {
			t.Errorf("%s: %v, want %v", c.name, got, c.fields)
		}
	}
}

func TestComplaintPermissions(t *testing.T) {
	for _, c := range []struct {
		kind, status   string
		handle, answer bool
	}{
		{collect.KindLender, ComplaintReceived, true, false},
		{collect.KindLender, ComplaintAcknowledged, true, false},
		{collect.KindLender, ComplaintInvestigating, true, false},
		{collect.KindLender, ComplaintResolved, false, false},
		{collect.KindAgency, ComplaintReceived, false, true},
		{collect.KindAgency, ComplaintInvestigating, false, true},
		{collect.KindAgency, ComplaintResolved, false, false},
		{collect.KindPlatform, ComplaintReceived, false, false},
	} {
		if got := CanHandleComplaint(c.kind, c.status); got != c.handle {
			t.Errorf("%s handles a %s complaint: %v, want %v", c.kind, c.status, got, c.handle)
		}
		if got := CanAnswerComplaint(c.kind, c.status); got != c.answer {
			t.Errorf("%s answers a %s complaint: %v, want %v", c.kind, c.status, got, c.answer)
		}
	}
}

func TestChangeComplaint(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	earlier := now.Add(-24 * time.Hour)
	received := Complaint{Status: ComplaintReceived}
	acknowledged := Complaint{Status: ComplaintAcknowledged, AcknowledgedAt: &earlier}
	investigating := Complaint{Status: ComplaintInvestigating, AcknowledgedAt: &earlier}
	ready := Complaint{Status: ComplaintInvestigating, AcknowledgedAt: &earlier, RootCause: "外呼系统重拨", Outcome: "upheld"}
	resolved := Complaint{Status: ComplaintResolved, AcknowledgedAt: &earlier, ResolvedAt: &earlier, RootCause: "x", Outcome: "upheld"}
	type want struct {
		code, key      string
		fields         []string
		status         string // "" = unchanged
		ack, res       bool   // stamped now
		assigned, root string
		outcome, reply string
	}
	for _, c := range []struct {
		name string
		c    Complaint
		kind string
		u    ComplaintChange
		want want
	}{
		// Closed.
		{"lender changes a resolved one", resolved, collect.KindLender, ComplaintChange{Outcome: ptr("not_upheld")}, want{code: collect.ECONFLICT, key: "err.complaint.resolved_closed"}},
		{"lender reopens", resolved, collect.KindLender, ComplaintChange{Status: ptr(ComplaintInvestigating)}, want{code: collect.ECONFLICT, key: "err.complaint.resolved_closed"}},
		{"agency answers a resolved one", resolved, collect.KindAgency, ComplaintChange{AgencyResponse: ptr("补充说明")}, want{code: collect.ECONFLICT, key: "err.complaint.resolved_closed"}},

		// The agency only answers.
		{"agency answers", received, collect.KindAgency, ComplaintChange{AgencyResponse: ptr("  已核查通话记录。 ")}, want{reply: "已核查通话记录。"}},
		{"agency answers, status unchanged", investigating, collect.KindAgency, ComplaintChange{AgencyResponse: ptr("再次核查")}, want{reply: "再次核查"}},
		{"agency resolves", received, collect.KindAgency, ComplaintChange{Status: ptr(ComplaintResolved)}, want{code: collect.EFORBIDDEN, key: "err.complaint.agency_answers"}},
		{"agency assigns", received, collect.KindAgency, ComplaintChange{AssignedTo: ptr("张三"), AgencyResponse: ptr("x")}, want{code: collect.EFORBIDDEN, key: "err.complaint.agency_answers"}},
		{"agency writes the root cause", received, collect.KindAgency, ComplaintChange{RootCause: ptr("x")}, want{code: collect.EFORBIDDEN, key: "err.complaint.agency_answers"}},
		{"agency writes the outcome", received, collect.KindAgency, ComplaintChange{Outcome: ptr("not_upheld")}, want{code: collect.EFORBIDDEN, key: "err.complaint.agency_answers"}},
		{"agency sends nothing", received, collect.KindAgency, ComplaintChange{}, want{code: collect.EINVALID, key: "err.complaint.answer_required", fields: []string{"agency_response"}}},
		{"agency sends a blank answer", received, collect.KindAgency, ComplaintChange{AgencyResponse: ptr(" \n ")}, want{code: collect.EINVALID, key: "err.complaint.answer_required", fields: []string{"agency_response"}}},

		// Nobody else.
		{"platform operator", received, collect.KindPlatform, ComplaintChange{Status: ptr(ComplaintAcknowledged)}, want{code: collect.EFORBIDDEN, key: "err.complaint.agency_answers"}},

		// The lender handles.
		{"lender writes the answer", received, collect.KindLender, ComplaintChange{AgencyResponse: ptr("x")}, want{code: collect.EFORBIDDEN, key: "err.complaint.agency_writes_answer"}},
		{"lender acknowledges", received, collect.KindLender, ComplaintChange{Status: ptr(ComplaintAcknowledged)}, want{status: ComplaintAcknowledged, ack: true}},
		{"lender investigates straight away", received, collect.KindLender, ComplaintChange{Status: ptr(ComplaintInvestigating)}, want{status: ComplaintInvestigating, ack: true}},
		{"lender investigates an acknowledged one", acknowledged, collect.KindLender, ComplaintChange{Status: ptr(ComplaintInvestigating)}, want{status: ComplaintInvestigating}},
		{"lender goes back to acknowledged", investigating, collect.KindLender, ComplaintChange{Status: ptr(ComplaintAcknowledged)},
			want{code: collect.ECONFLICT, key: "err.complaint.move_not_allowed"}},
		{"lender goes back to received", acknowledged, collect.KindLender, ComplaintChange{Status: ptr(ComplaintReceived)},
			want{code: collect.ECONFLICT, key: "err.complaint.move_not_allowed"}},
		{"lender names an unknown status", received, collect.KindLender, ComplaintChange{Status: ptr("closed")}, want{code: collect.ECONFLICT, key: "err.complaint.move_not_allowed"}},
		{"lender asks for the status it has", acknowledged, collect.KindLender, ComplaintChange{Status: ptr(ComplaintAcknowledged)}, want{}},
		{"lender resolves without cause or outcome", investigating, collect.KindLender, ComplaintChange{Status: ptr(ComplaintResolved)},
			want{code: collect.EINVALID, key: "err.complaint.resolve_needs_cause", fields: []string{"root_cause", "outcome"}}},
		{"lender resolves with an outcome only", investigating, collect.KindLender, ComplaintChange{Status: ptr(ComplaintResolved), Outcome: ptr("upheld")},
			want{code: collect.EINVALID, key: "err.complaint.resolve_needs_cause", fields: []string{"root_cause", "outcome"}}},
		{"lender resolves with a blank root cause", investigating, collect.KindLender, ComplaintChange{Status: ptr(ComplaintResolved), Outcome: ptr("upheld"), RootCause: ptr("  ")},
			want{code: collect.EINVALID, key: "err.complaint.resolve_needs_cause", fields: []string{"root_cause", "outcome"}}},
		{"lender resolves, giving both", received, collect.KindLender, ComplaintChange{Status: ptr(ComplaintResolved), Outcome: ptr("partially_upheld"), RootCause: ptr(" 外呼系统重拨 ")},
			want{status: ComplaintResolved, ack: true, res: true, root: "外呼系统重拨", outcome: "partially_upheld"}},
		{"lender resolves, both given before", ready, collect.KindLender, ComplaintChange{Status: ptr(ComplaintResolved)}, want{status: ComplaintResolved, res: true}},
		{"lender clears the root cause before resolving", ready, collect.KindLender, ComplaintChange{Status: ptr(ComplaintResolved), RootCause: ptr("")},
			want{code: collect.EINVALID, key: "err.complaint.resolve_needs_cause", fields: []string{"root_cause", "outcome"}}},
		{"lender names an unknown outcome", investigating, collect.KindLender, ComplaintChange{Outcome: ptr("maybe")},
			want{code: collect.EINVALID, key: "err.complaint.unknown_outcome", fields: []string{"outcome"}}},
		{"lender names an empty outcome", investigating, collect.KindLender, ComplaintChange{Outcome: ptr("")},
			want{code: collect.EINVALID, key: "err.complaint.unknown_outcome", fields: []string{"outcome"}}},
		{"unknown outcome is refused before the move", investigating, collect.KindLender, ComplaintChange{Outcome: ptr("maybe"), Status: ptr(ComplaintReceived)},
			want{code: collect.EINVALID, key: "err.complaint.unknown_outcome", fields: []string{"outcome"}}},
		{"lender assigns", received, collect.KindLender, ComplaintChange{AssignedTo: ptr("李四")}, want{assigned: "李四"}},
		{"lender writes cause and outcome without moving", acknowledged, collect.KindLender, ComplaintChange{RootCause: ptr("x"), Outcome: ptr("not_upheld")},
			want{root: "x", outcome: "not_upheld"}},
	} {
		e, err := ChangeComplaint(c.c, c.kind, c.u, now)
		if c.want.code != "" {
			if collect.ErrorCode(err) != c.want.code || keyOf(err) != c.want.key || !slices.Equal(fieldsOf(err), c.want.fields) {
				t.Errorf("%s: %v (key %q, fields %v), want %s %s %v", c.name, err, keyOf(err), fieldsOf(err), c.want.code, c.want.key, c.want.fields)
			}
			if e != (ComplaintEdit{}) {
				t.Errorf("%s: refused, yet writes %+v", c.name, e)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		str := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		stamped := func(p *time.Time) bool { return p != nil && p.Equal(now) }
		if str(e.Status) != c.want.status || stamped(e.AcknowledgedAt) != c.want.ack || stamped(e.ResolvedAt) != c.want.res ||
			(e.AcknowledgedAt != nil) != c.want.ack || (e.ResolvedAt != nil) != c.want.res ||
			str(e.AssignedTo) != c.want.assigned || str(e.Outcome) != c.want.outcome || str(e.AgencyResponse) != c.want.reply {
			t.Errorf("%s: writes status %q ack %v res %v assigned %q outcome %q reply %q, want %+v", c.name, str(e.Status), e.AcknowledgedAt, e.ResolvedAt,
				str(e.AssignedTo), str(e.Outcome), str(e.AgencyResponse), c.want)
		}
		if c.want.root != "" && str(e.RootCause) != c.want.root {
			t.Errorf("%s: root cause %q, want %q", c.name, str(e.RootCause), c.want.root)
		}
	}
}

// The catalogue of codes is the schema's: the migrations' CHECK constraints
// list the same categories, statuses and decisions as this package.
func TestCodesMatchSchema(t *testing.T) {
	b, err := os.ReadFile("../migrations/00004_oversight.sql")
	if err != nil {
		t.Fatal(err)
	}
	check := func(table, column string) []string {
		t.Helper()
		tbl := regexp.MustCompile(`(?s)CREATE TABLE ` + table + ` \((.*?)\n\);`).FindSubmatch(b)
		if tbl == nil {
			t.Fatalf("no table %s", table)
		}
		m := regexp.MustCompile(column + `\s+TEXT[^\n]*CHECK \(` + column + ` IN \(([^)]*)\)\)`).FindSubmatch(tbl[1])
		if m == nil {
			t.Fatalf("no CHECK on %s.%s", table, column)
		}
		var out []string
		for _, q := range regexp.MustCompile(`'([^']*)'`).FindAllSubmatch(m[1], -1) {
			out = append(out, string(q[1]))
		}
		return out
	}
	for _, c := range []struct {
		table, column string
		codes         []string
	}{
		{"complaints", "category", ComplaintCategories},
		{"complaints", "status", ComplaintStatuses},
		{"breaches", "status", BreachStatuses},
		{"agency_evaluations", "kind", EvaluationKinds},
		{"agency_evaluations", "decision", EvaluationDecisions},
	} {
		if got := check(c.table, c.column); !slices.Equal(got, c.codes) {
			t.Errorf("%s.%s: schema %v, oversight %v", c.table, c.column, got, c.codes)
		}
	}
}
