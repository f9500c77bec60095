package oversight_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"collect/casework"
	"collect/oversight"
)

// chinaProfile is the real China profile, read from its file (the policies
// package would pull the Casbin enforcer into this package's tests).
func chinaProfile(t *testing.T) casework.ConductProfile {
	t.Helper()
	b, err := os.ReadFile("../policies/conduct/china.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := casework.ParseConductProfile(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mar is a time in March 2026 in Shanghai, the debtor's zone.
func mar(d, h, m int) time.Time { return time.Date(2026, time.March, d, h, m, 0, 0, lenderZone) }

func contact(channel, party string, at time.Time, outcome string) casework.Contact {
	return casework.Contact{Channel: channel, Party: party, Direction: casework.DirectionOutbound, At: at, Outcome: outcome}
}

func debtorCall(at time.Time, outcome string) casework.Contact {
	return contact(casework.ChannelCall, casework.PartyDebtor, at, outcome)
}

func emergencyCall(at time.Time, phone, outcome, note string) casework.Contact {
	c := contact(casework.ChannelCall, casework.PartyEmergencyContact, at, outcome)
	c.PartyPhone, c.Note = phone, note
	return c
}

// summary is "index rule severity [evidence]" for each breach.
func summary(bs []oversight.Breach) []string {
	var out []string
	for _, b := range bs {
		out = append(out, fmt.Sprintf("%d %s %s %v", b.ContactIndex, b.Rule, b.Severity, b.Evidence))
	}
	return out
}

func TestDetectBreaches(t *testing.T) {
	p := chinaProfile(t)
	at := func(t time.Time) *time.Time { return &t }
	tests := []struct {
		name     string
		contacts []casework.Contact
		facts    oversight.AccountFacts
		want     []string
		message  string // a part of the first breach's message
	}{
		{
			name: "CleanLog",
			contacts: []casework.Contact{
				debtorCall(mar(10, 8, 0), casework.OutcomeNoAnswer), // 08:00 is the end of quiet hours
				debtorCall(mar(10, 10, 0), casework.OutcomeRightPartyContact),
				{Channel: casework.ChannelSMS, Party: casework.PartyDebtor, Direction: casework.DirectionOutbound, At: mar(10, 12, 0),
					Outcome: casework.OutcomeOther, Message: "请于3月15日前还款，谢谢。"},
				{Channel: casework.ChannelCall, Party: casework.PartyDebtor, Direction: casework.DirectionInbound, At: mar(10, 23, 0),
					Outcome: casework.OutcomePromise}, // the debtor calls in at night: fine
				debtorCall(mar(10, 21, 59), casework.OutcomeBusy),
			},
			want: nil,
		},
		{
			// 23:00 and 07:59 are within 22:00-08:00; 21:59 is not.
			name: "NightCalls",
			contacts: []casework.Contact{
				debtorCall(mar(10, 23, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(10, 21, 59), casework.OutcomeNoAnswer),
				debtorCall(mar(11, 7, 59), casework.OutcomeNoAnswer),
			},
			want:    []string{"0 cn.quiet_hours medium []", "2 cn.quiet_hours medium []"},
			message: "23:00",
		},
		{
			name:     "NightCallWithConsent",
			contacts: []casework.Contact{debtorCall(mar(10, 23, 0), casework.OutcomeRightPartyContact)},
			facts:    oversight.AccountFacts{ConsentOutOfHours: true},
			want:     nil,
		},
		{
			// Input out of order; in time order: 5 (the day before), 1 09:00,
			// 4 10:00, 2 10:30 no answer (not effective), 3 11:00, 0 12:00.
			// At 12:00 three effective calls (1, 4, 3) were already made that
			// day: the 4th is a breach, with those three as evidence.
			name: "FourthEffectiveCallOfTheDay",
			contacts: []casework.Contact{
				debtorCall(mar(10, 12, 0), casework.OutcomeRightPartyContact),
				debtorCall(mar(10, 9, 0), casework.OutcomeRightPartyContact),
				debtorCall(mar(10, 10, 30), casework.OutcomeNoAnswer),
				debtorCall(mar(10, 11, 0), casework.OutcomePromise),
				debtorCall(mar(10, 10, 0), casework.OutcomeRightPartyContact),
				debtorCall(mar(9, 20, 0), casework.OutcomeRightPartyContact),
			},
			want:    []string{"0 cn.max_effective_calls_per_day medium [1 4 3]"},
			message: "3 effective calls already today",
		},
		{
			// The check refuses any attempt once the cap is reached, since it
			// could become effective, so a recorded one is a breach too.
			name: "AttemptAfterTheCap",
			contacts: []casework.Contact{
				debtorCall(mar(10, 9, 0), casework.OutcomeRightPartyContact),
				debtorCall(mar(10, 10, 0), casework.OutcomeRightPartyContact),
				debtorCall(mar(10, 11, 0), casework.OutcomeRightPartyContact),
				debtorCall(mar(10, 12, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(11, 9, 0), casework.OutcomeRightPartyContact), // a new day
			},
			want: []string{"3 cn.max_effective_calls_per_day medium [0 1 2]"},
		},
		{
			// Cease requested in the inbound call at 12:00 (T): the call at
			// 11:00 and the request itself are fine, the call and the SMS
			// after T are not.
			name: "CeaseSince",
			contacts: []casework.Contact{
				debtorCall(mar(10, 11, 0), casework.OutcomeRightPartyContact),
				{Channel: casework.ChannelCall, Party: casework.PartyDebtor, Direction: casework.DirectionInbound, At: mar(10, 12, 0),
					Outcome: casework.OutcomeRightPartyContact, Note: "asked us to stop calling"},
				debtorCall(mar(10, 14, 0), casework.OutcomeNoAnswer),
				{Channel: casework.ChannelSMS, Party: casework.PartyDebtor, Direction: casework.DirectionOutbound, At: mar(11, 9, 0),
					Outcome: casework.OutcomeOther, Message: "请回电"},
			},
			facts:   oversight.AccountFacts{CeaseCommunication: true, CeaseSince: at(mar(10, 12, 0))},
			want:    []string{"2 cease_communication high []", "3 cease_communication high []"},
			message: "cease communication",
		},
		{
			// A dispute opened at 12:00; a night call after it breaks two
			// rules, listed by rule id (cn.quiet_hours before dispute_open,
			// though the check reports them the other way round).
			name: "DisputeAndNightSortedByRule",
			contacts: []casework.Contact{
				debtorCall(mar(10, 11, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(10, 23, 0), casework.OutcomeNoAnswer),
			},
			facts: oversight.AccountFacts{DisputeSince: at(mar(10, 12, 0))},
			want:  []string{"1 cn.quiet_hours medium []", "1 dispute_open medium []"},
		},
		{
			name: "ForbiddenWords",
			contacts: []casework.Contact{
				debtorCall(mar(10, 10, 0), casework.OutcomeRightPartyContact),
				func() casework.Contact {
					c := debtorCall(mar(10, 15, 0), casework.OutcomeRightPartyContact)
					c.Note = "告诉他再不还钱就让警察抓你"
					return c
				}(),
			},
			want:    []string{"1 forbidden_language high []"},
			message: "警察",
		},
		{
			// The debtor was reached on 8 March; an emergency contact called
			// on 10 March is a breach, the conversation its evidence.
			name: "ThirdPartyWhileDebtorReachable",
			contacts: []casework.Contact{
				debtorCall(mar(8, 10, 0), casework.OutcomeRightPartyContact),
				emergencyCall(mar(10, 10, 0), "139 0000 0001", casework.OutcomeOther, "请转告他回电"),
			},
			want:    []string{"1 third_party.only_when_unreachable medium [0]"},
			message: "the debtor was reached 1 time in the 7 days before",
		},
		{
			name: "ThirdPartyAfterTooFewFailedAttempts",
			contacts: []casework.Contact{
				debtorCall(mar(9, 10, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(9, 15, 0), casework.OutcomeBusy),
				emergencyCall(mar(10, 10, 0), "139 0000 0001", casework.OutcomeOther, ""),
			},
			want:    []string{"2 third_party.only_when_unreachable medium [0 1]"},
			message: "only 2 failed attempts",
		},
		{
			// Three failed attempts and no conversation in 7 days: the
			// debtor is unreachable and the emergency contact may be called.
			// A conversation 8 days before does not count.
			name: "ThirdPartyWhenUnreachable",
			contacts: []casework.Contact{
				debtorCall(mar(2, 9, 0), casework.OutcomeRightPartyContact),
				debtorCall(mar(8, 10, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(9, 10, 0), casework.OutcomeWrongNumber),
				debtorCall(mar(9, 15, 0), casework.OutcomeBusy),
				emergencyCall(mar(10, 10, 0), "139 0000 0001", casework.OutcomeOther, "请转告他回电"),
			},
			want: nil,
		},
		{
			name: "ThirdPartyToldOfTheDebt",
			contacts: []casework.Contact{
				debtorCall(mar(8, 10, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(9, 10, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(9, 15, 0), casework.OutcomeNoAnswer),
				emergencyCall(mar(10, 10, 0), "139 0000 0001", casework.OutcomeOther, "告诉她他的贷款逾期了"),
			},
			want:    []string{"3 third_party.no_disclosure high []"},
			message: "贷款", // the text the guard matched, quoted
		},
		{
			// The emergency contact refused on 1 March, well outside any
			// window; calling them again on 20 March is a breach, the refusal
			// its evidence.
			name: "ThirdPartyCalledAgainAfterRefusal",
			contacts: []casework.Contact{
				debtorCall(mar(1, 9, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(1, 10, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(1, 11, 0), casework.OutcomeNoAnswer),
				emergencyCall(mar(1, 12, 0), "13900000001", casework.OutcomeThirdPartyRefused, ""),
				debtorCall(mar(18, 9, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(19, 10, 0), casework.OutcomeNoAnswer),
				debtorCall(mar(19, 11, 0), casework.OutcomeNoAnswer),
				emergencyCall(mar(20, 12, 0), "139-0000-0001", casework.OutcomeNoAnswer, ""),
			},
			want: []string{"7 third_party.refused medium [3]"},
		},
		{
			// A contact the rules cannot judge is not a conduct breach.
			name:     "UnjudgeableContactSkipped",
			contacts: []casework.Contact{contact("fax", casework.PartyDebtor, mar(10, 23, 0), casework.OutcomeOther)},
			want:     nil,
		},
		{name: "EmptyLog", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := oversight.DetectBreaches(p, tt.contacts, tt.facts)
			if s := summary(got); !slices.Equal(s, tt.want) {
				t.Fatalf("breaches = %q, want %q\n%+v", s, tt.want, got)
			}
			for _, b := range got {
				if b.Message == "" {
					t.Errorf("breach %s has no message", b.Rule)
				}
			}
			if tt.message != "" && !strings.Contains(got[0].Message, tt.message) {
				t.Errorf("message = %q, want it to contain %q", got[0].Message, tt.message)
			}
		})
	}

	t.Run("InvalidProfileFindsNothing", func(t *testing.T) {
		bad := p
		bad.DefaultTimeZone = ""
		if got := oversight.DetectBreaches(bad, []casework.Contact{debtorCall(mar(10, 23, 0), "")}, oversight.AccountFacts{}); got != nil {
			t.Errorf("got %q, want nil", summary(got))
		}
	})
	t.Run("DebtorTimeZone", func(t *testing.T) {
		// 10:00 in Shanghai is 22:00 the day before in New York: quiet
		// hours for a debtor whose zone is New York.
		got := oversight.DetectBreaches(p, []casework.Contact{debtorCall(mar(10, 10, 0), casework.OutcomeNoAnswer)},
			oversight.AccountFacts{TimeZone: "America/New_York"})
		if s := summary(got); !slices.Equal(s, []string{"0 cn.quiet_hours medium []"}) {
			t.Errorf("breaches = %q, want a quiet-hours breach", s)
		}
	})
}

func TestDebtorUnreachable(t *testing.T) {
	failed := []casework.Contact{
		debtorCall(mar(3, 10, 0), casework.OutcomeNoAnswer), // exactly 7 days before: still in
		debtorCall(mar(8, 10, 0), casework.OutcomeBusy),
		debtorCall(mar(9, 10, 0), casework.OutcomeWrongNumber),
	}
	tests := []struct {
		name    string
		history []casework.Contact
		want    bool
	}{
		{"ThreeFailedAttempts", failed, true},
		{"TwoFailedAttempts", failed[1:], false},
		{"ReachedInTheWeek", append(slices.Clone(failed), debtorCall(mar(9, 12, 0), casework.OutcomePromise)), false},
		{"ReachedLater", append(slices.Clone(failed), debtorCall(mar(10, 11, 0), casework.OutcomeRightPartyContact)), true},
		{"OlderThanAWeek", append(failed[1:], debtorCall(mar(3, 9, 59), casework.OutcomeNoAnswer)), false},
		{"ThirdPartyAttemptsDoNotCount", append(failed[1:], emergencyCall(mar(9, 11, 0), "1", casework.OutcomeNoAnswer, "")), false},
		{"NoHistory", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := casework.DebtorUnreachable(tt.history, mar(10, 10, 0)); got != tt.want {
				t.Errorf("DebtorUnreachable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSeverity(t *testing.T) {
	want := map[string]string{
		casework.RuleConductProfileInvalid:         "low",
		casework.RuleConductContactInvalid:         "low",
		casework.RuleConductCeaseCommunication:     "high",
		casework.RuleConductDisputeOpen:            "medium",
		casework.RuleConductCNQuietHours:           "medium",
		casework.RuleConductUSQuietHours:           "medium",
		casework.RuleConductCNMaxEffectiveCallsDay: "medium",
		casework.RuleConductUSSevenInSeven:         "medium",
		casework.RuleConductUSAfterConversation:    "medium",
		casework.RuleConductGuarantorNotAllowed:    "low",
		casework.RuleConductThirdPartyUnreachable:  "medium",
		casework.RuleConductThirdPartyNoDisclosure: "high",
		casework.RuleConductThirdPartyRefused:      "medium",
		casework.RuleConductUSOptOut:               "low",
		casework.RuleConductForbiddenLanguage:      "high",
		casework.RuleRosterNotRegistered:           "medium",
		casework.RuleRosterNoAgreement:             "medium",
		casework.RuleRosterTrainingLapsed:          "medium",
		casework.RuleCareHold:                      "high",
		casework.RuleRequestAttorney:               "high",
		casework.RuleRequestWorkplace:              "medium",
		casework.RuleRequestChannelOptOut:          "medium",
		casework.RuleRequestInconvenientTime:       "medium",
		"third_party.some_future_rule":             "medium",
		"unknown":                                  "low",
	}
	for _, rule := range casework.RuleIDs() {
		if _, ok := want[rule]; !ok {
			t.Errorf("rule %q has no expected severity in this test", rule)
		}
	}
	for rule, w := range want {
		t.Run(rule, func(t *testing.T) {
			if got := oversight.Severity(rule); got != w {
				t.Errorf("Severity(%q) = %q, want %q", rule, got, w)
			}
		})
	}
}
