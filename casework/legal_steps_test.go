package casework

import (
	"collect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckLegalStep(t *testing.T) {
	long := strings.Repeat("号", LegalCourtRefMaxRunes+1)
	exact := strings.Repeat("号", LegalCourtRefMaxRunes)
	for _, c := range []struct {
		name string
		st   LegalStep
		code string // "" = allowed
	}{
		{"lender approves a referral", LegalStep{From: LegalReferred, To: LegalApproved, ByLender: true}, ""},
		{"lender rejects a referral", LegalStep{From: LegalReferred, To: LegalRejected, ByLender: true}, ""},
		{"agency cannot approve", LegalStep{From: LegalReferred, To: LegalApproved}, collect.EFORBIDDEN},
		{"agency cannot reject", LegalStep{From: LegalReferred, To: LegalRejected}, collect.EFORBIDDEN},
		{"agency files an approved case", LegalStep{From: LegalApproved, To: LegalFiled, CourtRef: exact}, ""},
		{"court ref one too long", LegalStep{From: LegalApproved, To: LegalFiled, CourtRef: long}, collect.EINVALID},
		{"referred cannot be filed", LegalStep{From: LegalReferred, To: LegalFiled, ByLender: true}, collect.ECONFLICT},
		{"approved cannot be approved again", LegalStep{From: LegalApproved, To: LegalApproved, ByLender: true}, collect.ECONFLICT},
		{"filed to judgment", LegalStep{From: LegalFiled, To: LegalJudgment}, ""},
		{"hearing back to filed", LegalStep{From: LegalHearing, To: LegalFiled}, collect.ECONFLICT},
		{"judgment to enforcement", LegalStep{From: LegalJudgment, To: LegalEnforcement}, ""},
		{"enforcement to closed", LegalStep{From: LegalEnforcement, To: LegalClosed}, ""},
		{"closed is final", LegalStep{From: LegalClosed, To: LegalFiled, ByLender: true}, collect.ECONFLICT},
		{"rejected is final", LegalStep{From: LegalRejected, To: LegalApproved, ByLender: true}, collect.ECONFLICT},
		{"unknown status", LegalStep{From: "lost", To: LegalClosed}, collect.ECONFLICT},
	} {
		err := CheckLegalStep(c.st)
		if got := codeOf(err); got != c.code {
			t.Errorf("%s: %v, want code %q", c.name, err, c.code)
		}
		if c.code == collect.EINVALID {
			var e *collect.Error
			if !errorAs(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "court_ref" || e.Fields[0].Args["max"] != LegalCourtRefMaxRunes {
				t.Errorf("%s: the field is not named: %+v", c.name, err)
			}
		}
	}
	e := CheckLegalStep(LegalStep{From: LegalReferred, To: LegalFiled}).(*collect.Error)
	if e.Key != "err.legal.step_not_allowed" || e.Args["from"] != LegalReferred || e.Args["to"] != LegalFiled {
		t.Errorf("step refusal: %+v", e)
	}
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return collect.ErrorCode(err)
}

func errorAs(err error, e **collect.Error) bool {
	x, ok := err.(*collect.Error)
	*e = x
	return ok
}

func TestLegalNext(t *testing.T) {
	for _, c := range []struct {
		status   string
		byLender bool
		want     []string
	}{
		{LegalReferred, true, []string{LegalApproved, LegalRejected}},
		{LegalReferred, false, []string{}},
		{LegalApproved, false, []string{LegalFiled, LegalClosed}},
		{LegalFiled, true, []string{LegalHearing, LegalJudgment, LegalClosed}},
		{LegalHearing, false, []string{LegalJudgment, LegalClosed}},
		{LegalJudgment, false, []string{LegalEnforcement, LegalClosed}},
		{LegalEnforcement, false, []string{LegalClosed}},
		{LegalClosed, true, []string{}},
		{LegalRejected, true, []string{}},
	} {
		if got := LegalNext(c.status, c.byLender); !slices.Equal(got, c.want) || got == nil {
			t.Errorf("LegalNext(%s, lender=%v) = %v, want %v", c.status, c.byLender, got, c.want)
		}
	}
}

func TestLegalStatusSets(t *testing.T) {
	for _, c := range []struct {
		status                       string
		open, underWay, lenderDecide bool
	}{
		{LegalReferred, true, false, false},
		{LegalApproved, true, true, true},
		{LegalRejected, false, false, true},
		{LegalFiled, true, true, false},
		{LegalHearing, true, true, false},
		{LegalJudgment, true, true, false},
		{LegalEnforcement, true, true, false},
		{LegalClosed, false, false, false},
	} {
		if LegalOpen(c.status) != c.open || LegalUnderWay(c.status) != c.underWay || LegalDecidedByLender(c.status) != c.lenderDecide {
			t.Errorf("%s: open %v under way %v lender %v", c.status, LegalOpen(c.status), LegalUnderWay(c.status), LegalDecidedByLender(c.status))
		}
		if slices.Contains(LegalOpenStatuses(), c.status) != c.open || slices.Contains(LegalUnderWayStatuses(), c.status) != c.underWay {
			t.Errorf("%s: the IN lists disagree with the predicates", c.status)
		}
	}
}

func TestLegalSuitEvent(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{LegalApproved, LegalFiled, "suit"},
		{LegalFiled, LegalHearing, ""},
		{LegalFiled, LegalJudgment, "suit_ended"},
		{LegalHearing, LegalJudgment, "suit_ended"},
		{LegalFiled, LegalClosed, "suit_ended"},
		{LegalHearing, LegalClosed, "suit_ended"},
		{LegalApproved, LegalClosed, ""},
		{LegalJudgment, LegalClosed, ""},
		{LegalEnforcement, LegalClosed, ""},
		{LegalReferred, LegalApproved, ""},
	} {
		if got := LegalSuitEvent(c.from, c.to); got != c.want {
			t.Errorf("%s → %s: %q, want %q", c.from, c.to, got, c.want)
		}
	}
}

func TestCheckReferral(t *testing.T) {
	exp := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		r    LegalReferral
		code string
		rule string
	}{
		{"verified, in time, none open", LegalReferral{VerificationComplete: true}, "", ""},
		{"not verified", LegalReferral{TimeBarred: true, OpenCase: true}, collect.ERULEVIOLATION, RuleStageLegalBeforeVerification},
		{"time-barred", LegalReferral{VerificationComplete: true, TimeBarred: true, LimitationExpires: exp, OpenCase: true}, collect.ERULEVIOLATION, RuleLegalTimeBarred},
		{"already open", LegalReferral{VerificationComplete: true, OpenCase: true}, collect.ECONFLICT, ""},
	} {
		err := CheckReferral(c.r)
		if codeOf(err) != c.code {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.rule != "" {
			e := err.(*collect.Error)
			if len(e.Violations) != 1 || e.Violations[0].Rule != c.rule {
				t.Errorf("%s: %+v", c.name, e.Violations)
			}
			if c.rule == RuleLegalTimeBarred && !strings.Contains(e.Violations[0].Message, "2025-03-01") {
				t.Errorf("time-barred without the date: %q", e.Violations[0].Message)
			}
		}
	}
}

func TestStageAfterContactAndArrangement(t *testing.T) {
	reached := Contact{Party: PartyDebtor, Outcome: "right_party_contact", Channel: "call", Direction: DirectionOutbound}
	missed := Contact{Party: PartyDebtor, Outcome: "no_answer", Channel: "call", Direction: DirectionOutbound}
	fc := CaseState{Stage: StageFirstContact, VerificationComplete: true}
	disputed := fc
	disputed.DisputeOpen = true
	neg := CaseState{Stage: StageNegotiation, VerificationComplete: true}
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"first contact, debtor reached", StageAfterContact(fc, reached), StageNegotiation},
		{"first contact, not reached", StageAfterContact(fc, missed), ""},
		{"first contact, reached, dispute open: the machine refuses", StageAfterContact(disputed, reached), ""},
		{"negotiation, reached: no move", StageAfterContact(neg, reached), ""},
		{"negotiation, active arrangement", StageAfterArrangement(CaseState{Stage: StageNegotiation, HasActiveArrangement: true}), StageFollowUp},
		{"negotiation, no active arrangement", StageAfterArrangement(neg), ""},
		{"negotiation, active, dispute open", StageAfterArrangement(CaseState{Stage: StageNegotiation, HasActiveArrangement: true, DisputeOpen: true}), ""},
		{"first contact, active arrangement: no move", StageAfterArrangement(CaseState{Stage: StageFirstContact, HasActiveArrangement: true}), ""},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}
