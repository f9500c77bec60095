package casework_test

import (
	"collect"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"collect/allocation"
	"collect/casework"
	"collect/views"
)

// The views package is linked into these tests, so collect.Render is the
// English catalogue: every Violation's Message is the English the API sends,
// and the exact messages the table tests compare are the words the rules
// said before they had keys.
var english = views.English()

// chineseViolations are broken rules of each kind: conduct, stage guard,
// arrangement limit and legal referral.
func chineseViolations(t *testing.T) []collect.Violation {
	t.Helper()
	china, regf := mustProfile(t, "china"), mustProfile(t, "us_regf")
	var vs []collect.Violation
	vs = append(vs, casework.CheckContact(china, casework.ContactCheck{Proposed: debtorCall(cn(22, 0))})...)
	vs = append(vs, casework.CheckContact(china, casework.ContactCheck{
		Proposed: debtorCall(cn(15, 0)),
		History:  calls(casework.OutcomeRightPartyContact, cn(9, 0), cn(11, 0), cn(13, 0)),
	})...)
	vs = append(vs, casework.CheckContact(china, casework.ContactCheck{
		Proposed:           withNote(call(casework.PartyEmergencyContact, cn(10, 0), ""), "他欠款逾期，我们会报警察"),
		CeaseCommunication: true, DisputeOpen: true,
	})...)
	vs = append(vs, casework.CheckContact(regf, casework.ContactCheck{Proposed: withChannel(call(casework.PartyDebtor, us(2, 10, 0), ""), casework.ChannelSMS, "call us")})...)
	vs = append(vs, casework.CheckContact(regf, casework.ContactCheck{
		Proposed: call(casework.PartyDebtor, us(3, 10, 0), ""),
		History:  calls(casework.OutcomeRightPartyContact, us(1, 15, 0)),
	})...)
	vs = append(vs, casework.CheckContact(china, casework.ContactCheck{Proposed: casework.Contact{Channel: "fax", Party: "boss", Direction: "sideways"}})...)
	vs = append(vs, casework.CanTransition(casework.CaseState{Stage: casework.StageVerification}, casework.StageLegal)...)
	vs = append(vs, casework.CanTransition(casework.CaseState{Stage: casework.StageVerification}, casework.StageNegotiation)...)
	vs = append(vs, casework.CanTransition(casework.CaseState{Stage: casework.StageNegotiation}, casework.StageNegotiation)...)
	d, err := casework.DecideArrangement(casework.ArrangementInput{Kind: casework.KindInstalmentPlan, Now: arrNow, FirstDue: arrNow.AddDate(0, 0, 10),
		BalanceCents: 100_000, AmountCents: 50_000, Instalments: 24}, allocation.Contract{MaxSettlementDiscountBP: 3000, MaxInstalments: 12, MinDownPaymentBP: 1000})
	if err != nil {
		t.Fatal(err)
	}
	vs = append(vs, d.Reasons...)
	var e *collect.Error
	if err := casework.CheckReferral(casework.LegalReferral{VerificationComplete: true, TimeBarred: true,
		LimitationExpires: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}); !errors.As(err, &e) {
		t.Fatalf("CheckReferral = %v, want a rule violation", err)
	}
	return append(vs, e.Violations...)
}

var latinWord = regexp.MustCompile(`\b(the|a|is|and|of|for|no|not|must|has|in|than|more|less|already|cap|per|contact|call|days?)\b`)

// Every broken rule carries a key; in Chinese it reads as Chinese (no
// English sentence, no key), and in English it is its Message.
func TestViolationsSpeakTheReadersLanguage(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Localizer("zh", "")
	vs := chineseViolations(t)
	rules := map[string]bool{}
	for _, v := range vs {
		rules[v.Rule] = true
		if v.Key == "" {
			t.Errorf("%s: no key (message %q)", v.Rule, v.Message)
			continue
		}
		if got := english.ViolationText(v); got != v.Message {
			t.Errorf("%s: English %q, Message %q", v.Rule, got, v.Message)
		}
		text := zh.ViolationText(v)
		if strings.Contains(text, "err.") || !regexp.MustCompile(`\p{Han}`).MatchString(text) {
			t.Errorf("%s: Chinese text %q is not Chinese", v.Rule, text)
		}
		// Codes and quoted input may stay Latin ("fax", "Asia/Shanghai"); words may not.
		unquoted := regexp.MustCompile(`"[^"]*"|[A-Za-z_]+/[A-Za-z_]+|outbound|inbound|call, sms[a-z_, ]*|debtor, guarantor[a-z_, ]*`).ReplaceAllString(text, "")
		if w := latinWord.FindString(unquoted); w != "" {
			t.Errorf("%s: Chinese text %q has the English word %q", v.Rule, text, w)
		}
	}
	for _, rule := range []string{casework.RuleConductCNQuietHours, casework.RuleConductCNMaxEffectiveCallsDay, casework.RuleConductForbiddenLanguage,
		casework.RuleConductThirdPartyNoDisclosure, casework.RuleConductThirdPartyUnreachable, casework.RuleConductCeaseCommunication,
		casework.RuleConductUSOptOut, casework.RuleConductUSAfterConversation, casework.RuleConductContactInvalid,
		casework.RuleStageLegalBeforeVerification, casework.RuleStageNotAllowed, casework.RuleStageSame,
		casework.RuleLimitInstalments, casework.RuleLimitDownPayment, casework.RuleLimitSettlementDiscount, casework.RuleLegalTimeBarred} {
		if !rules[rule] {
			t.Errorf("no %s among the violations: %v", rule, vs)
		}
	}
}

// A few rules said in Chinese, word for word.
func TestViolationsInChinese(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Localizer("zh", "")
	china, regf := mustProfile(t, "china"), mustProfile(t, "us_regf")
	tests := []struct {
		name string
		vs   []collect.Violation
		want string
	}{
		{"quiet hours", casework.CheckContact(china, casework.ContactCheck{Proposed: debtorCall(cn(22, 0))}),
			"2026-03-10 22:00（Asia/Shanghai）的通话处于免打扰时段 22:00-08:00 内，且债务人未同意在此时段被联系"},
		{"daily cap", casework.CheckContact(china, casework.ContactCheck{Proposed: debtorCall(cn(15, 0)),
			History: calls(casework.OutcomeRightPartyContact, cn(9, 0), cn(11, 0), cn(13, 0))}),
			"今天已有 3 次有效通话，上限为每 1 天 3 次"},
		{"seven in seven", casework.CheckContact(regf, casework.ContactCheck{Proposed: call(casework.PartyDebtor, us(8, 10, 0), ""),
			History: calls(casework.OutcomeNoAnswer, us(2, 9, 0), us(3, 9, 0), us(4, 9, 0), us(5, 9, 0), us(6, 9, 0), us(7, 9, 0), us(8, 9, 0))}),
			"过去 7 个自然日内已有 7 次通话（含未接通），上限为每 7 天 7 次"},
		{"forbidden language", casework.CheckContact(china, casework.ContactCheck{Proposed: withNote(debtorCall(cn(10, 0)), "再不还钱就坐牢")}),
			`禁止威胁、辱骂、暴力和冒充他人身份，但备注中含有 "坐牢"`},
		{"stage", casework.CanTransition(casework.CaseState{Stage: casework.StageVerification}, casework.StageNegotiation),
			"案件不能从债务核实阶段转到协商还款阶段"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.vs) != 1 {
				t.Fatalf("violations = %+v, want one", tt.vs)
			}
			if got := zh.ViolationText(tt.vs[0]); got != tt.want {
				t.Errorf("Chinese = %q, want %q", got, tt.want)
			}
		})
	}
}

// A bad profile's error lists each field with its problem, in either language.
func TestConductProfileErrorInBothLanguages(t *testing.T) {
	p := mustProfile(t, "china")
	p.Name, p.QuietEnd = "China!", p.QuietStart
	err := p.Validate()
	if err == nil {
		t.Fatal("Validate succeeded")
	}
	want := `conduct profile: name: must be lower-case letters, digits and underscores, got "China!"; quiet_end: must differ from quiet_start`
	if got := collect.ErrorMessage(err); got != want {
		t.Errorf("English = %q, want %q", got, want)
	}
	cat, _ := views.LoadCatalogue()
	wantZh := `催收行为规则配置无效：name：只能包含小写字母、数字和下划线，实际为 "China!"；quiet_end：不得与 quiet_start 相同`
	if got := cat.Localizer("zh", "").ErrorText(err); got != wantZh {
		t.Errorf("Chinese = %q, want %q", got, wantZh)
	}
	vs := casework.CheckContact(p, casework.ContactCheck{Proposed: debtorCall(cn(10, 0))})
	if len(vs) != 1 || vs[0].Message != "the conduct profile is invalid: "+want {
		t.Errorf("violations = %+v, want profile.invalid with the English problems", vs)
	}
}

// A rolling window is said with its length in both languages ("hours" alone
// was what it said before the messages had keys).
func TestRollingCapWindowNamesItsLength(t *testing.T) {
	p := mustProfile(t, "china")
	p.Caps[0].Window = "24h"
	vs := casework.CheckContact(p, casework.ContactCheck{Proposed: debtorCall(cn(15, 0)),
		History: calls(casework.OutcomeRightPartyContact, cn(9, 0), cn(11, 0), cn(13, 0))})
	if len(vs) != 1 {
		t.Fatalf("violations = %+v, want the cap", vs)
	}
	if want := "3 effective calls already in the last 24 hours (cap 3 per 24 hours)"; vs[0].Message != want {
		t.Errorf("English = %q, want %q", vs[0].Message, want)
	}
	cat, _ := views.LoadCatalogue()
	if got, want := cat.Localizer("zh", "").ViolationText(vs[0]), "过去 24 小时内已有 3 次有效通话，上限为每 24 小时 3 次"; got != want {
		t.Errorf("Chinese = %q, want %q", got, want)
	}
	p.Caps[0].Window = "1h"
	vs = casework.CheckContact(p, casework.ContactCheck{Proposed: debtorCall(cn(13, 30)),
		History: calls(casework.OutcomeRightPartyContact, cn(13, 0), cn(13, 10), cn(13, 20))})
	if want := "3 effective calls already in the last hour (cap 3 per hour)"; len(vs) != 1 || vs[0].Message != want {
		t.Errorf("violations = %+v, want %q", vs, want)
	}
}
