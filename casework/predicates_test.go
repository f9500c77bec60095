package casework_test

import (
	"collect"
	"slices"
	"testing"
	"time"

	"collect/casework"
)

func TestContactPredicates(t *testing.T) {
	out := func(party, outcome string) casework.Contact {
		return casework.Contact{Channel: casework.ChannelCall, Party: party, Direction: casework.DirectionOutbound, Outcome: outcome}
	}
	in := func(c casework.Contact) casework.Contact { c.Direction = casework.DirectionInbound; return c }
	tests := []struct {
		name                           string
		c                              casework.Contact
		attempt, reached, rpc, refusal bool
	}{
		{"a call that reached the debtor", out(casework.PartyDebtor, casework.OutcomeRightPartyContact), true, true, true, false},
		{"a promise", out(casework.PartyDebtor, casework.OutcomePromise), true, true, true, false},
		{"no answer", out(casework.PartyDebtor, casework.OutcomeNoAnswer), true, false, false, false},
		{"the debtor calling in", in(out(casework.PartyDebtor, casework.OutcomeRightPartyContact)), false, true, false, false},
		{"the guarantor reached", out(casework.PartyGuarantor, casework.OutcomeRightPartyContact), true, false, false, false},
		// A connected call in which the debtor refuses to pay reached the debtor.
		{"the debtor refusing", out(casework.PartyDebtor, casework.OutcomeRefused), true, true, true, false},
		{"a call that did not connect", out(casework.PartyDebtor, casework.OutcomeNotConnected), true, false, false, false},
		{"an emergency contact refusing", out(casework.PartyEmergencyContact, casework.OutcomeRefused), true, false, false, true},
		{"a third party refusing when calling in", in(out(casework.PartyThirdParty, casework.OutcomeThirdPartyRefused)), false, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := [4]bool{casework.ContactAttempt(tt.c), casework.DebtorReached(tt.c), casework.RightPartyContact(tt.c), casework.ThirdPartyRefusal(tt.c)}
			if want := [4]bool{tt.attempt, tt.reached, tt.rpc, tt.refusal}; got != want {
				t.Errorf("attempt, reached, right-party contact, refusal = %v, want %v", got, want)
			}
		})
	}
}

// TestEffectiveCallIsWhatTheDailyCapCounts: the China cap counts a contact
// towards "3 effective calls a day" exactly when EffectiveCall says it is
// one, for every channel, party, direction, outcome and AI flag.
func TestEffectiveCallIsWhatTheDailyCapCounts(t *testing.T) {
	p := mustProfile(t, "china")
	i := slices.IndexFunc(p.Caps, func(c casework.FrequencyCap) bool { return c.Rule == casework.RuleConductCNMaxEffectiveCallsDay })
	if i < 0 || !p.Caps[i].Effective {
		t.Fatalf("the China profile has no effective-call cap: %+v", p.Caps)
	}
	probe := p
	probe.Caps = []casework.FrequencyCap{p.Caps[i]}
	probe.Caps[0].Max = 1
	proposed := casework.Contact{Channel: casework.ChannelCall, Party: casework.PartyDebtor, Direction: casework.DirectionOutbound,
		At: cn(11, 0), Outcome: casework.OutcomeNoAnswer}
	n := 0
	for _, ch := range casework.ContactChannels {
		for _, party := range casework.ContactParties {
			for _, d := range casework.ContactDirections {
				for _, o := range casework.ContactOutcomes {
					for _, ai := range []bool{false, true} {
						h := casework.Contact{Channel: ch, Party: party, Direction: d, Outcome: o, AI: ai, At: cn(10, 0)}
						capped := slices.ContainsFunc(casework.CheckContact(probe, casework.ContactCheck{Proposed: proposed, History: []casework.Contact{h}}),
							func(v collect.Violation) bool { return v.Rule == casework.RuleConductCNMaxEffectiveCallsDay })
						if eff := p.EffectiveCall(h); eff != capped {
							t.Errorf("%+v: EffectiveCall %v, counted by the cap %v", h, eff, capped)
						}
						if capped {
							n++
						}
					}
				}
			}
		}
	}
	// Outbound calls and AI voice contacts on any channel, to the debtor,
	// outcome right_party_contact, promise or refused: 1 + 5 AI channels, × 3.
	if n != 18 {
		t.Errorf("%d kinds of contact are effective calls, want 18", n)
	}
}

func TestDebtorUnreachableIsJudgedAtTheContact(t *testing.T) {
	call := func(at time.Time, outcome string) casework.Contact {
		return casework.Contact{Channel: casework.ChannelCall, Party: casework.PartyDebtor, Direction: casework.DirectionOutbound, At: at, Outcome: outcome}
	}
	failedBefore := []casework.Contact{call(cn(8, 0), casework.OutcomeNoAnswer), call(cn(9, 0), casework.OutcomeBusy), call(cn(9, 30), casework.OutcomeWrongNumber)}
	failedAfter := []casework.Contact{call(cn(10, 1), casework.OutcomeNoAnswer), call(cn(11, 0), casework.OutcomeBusy), call(cn(12, 0), casework.OutcomeWrongNumber)}
	if !casework.DebtorUnreachable(failedBefore, cn(10, 0)) {
		t.Error("three failed attempts before: not unreachable")
	}
	if casework.DebtorUnreachable(failedAfter, cn(10, 0)) {
		t.Error("three failed attempts after the contact make the debtor unreachable at it")
	}
	if !casework.DebtorUnreachable(append(slices.Clone(failedBefore), call(cn(10, 30), casework.OutcomeRightPartyContact)), cn(10, 0)) {
		t.Error("a conversation after the contact makes the debtor reachable at it")
	}
	inbound := call(cn(9, 45), casework.OutcomeRightPartyContact)
	inbound.Direction = casework.DirectionInbound
	if casework.DebtorUnreachable(append(slices.Clone(failedBefore), inbound), cn(10, 0)) {
		t.Error("the debtor called in, yet is unreachable")
	}
}

// The cutoff says broken exactly when PromiseOutcome does for a short
// payment, at every hour around the last grace day, in two zones.
func TestPromiseBreakCutoffIsPromiseOutcome(t *testing.T) {
	for _, loc := range []*time.Location{time.FixedZone("CST", 8*3600), time.FixedZone("EST", -5*3600)} {
		due := time.Date(2026, 3, 10, 0, 0, 0, 0, loc)
		for h := 0; h < 24*8; h++ {
			at := due.Add(time.Duration(h) * time.Hour)
			cut := casework.PromiseBreakCutoff(at)
			broken := due.Format(time.DateOnly) < cut
			want := casework.PromiseOutcome(100, 99, due, casework.PromiseGraceDays, at) == casework.PromiseBroken
			if broken != want {
				t.Fatalf("%s due %s at %s: cutoff %s says broken=%v, PromiseOutcome %v", loc, due.Format(time.DateOnly), at.Format(time.DateTime), cut, broken, want)
			}
		}
	}
	// The last grace day is still in time; the day after is not.
	loc := time.FixedZone("CST", 8*3600)
	due := time.Date(2026, 3, 10, 0, 0, 0, 0, loc)
	for _, c := range []struct {
		at     time.Time
		broken bool
	}{
		{time.Date(2026, 3, 13, 23, 59, 0, 0, loc), false},
		{time.Date(2026, 3, 14, 0, 0, 0, 0, loc), true},
		{time.Date(2026, 3, 13, 16, 30, 0, 0, time.UTC), true}, // 00:30 on the 14th in Beijing
	} {
		if got := due.Format(time.DateOnly) < casework.PromiseBreakCutoff(c.at.In(loc)); got != c.broken {
			t.Errorf("at %s: broken %v, want %v", c.at, got, c.broken)
		}
	}
}
