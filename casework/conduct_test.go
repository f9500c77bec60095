package casework_test

import (
	"collect"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"collect/casework"
	"collect/policies"
)

var (
	shanghai = mustZone("Asia/Shanghai")
	newYork  = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func mustProfile(t *testing.T, name string) casework.ConductProfile {
	t.Helper()
	b, err := policies.ConductProfile(name)
	if err != nil {
		t.Fatalf("ConductProfile(%q): %v", name, err)
	}
	p, err := casework.ParseConductProfile(b)
	if err != nil {
		t.Fatalf("ParseConductProfile(%s): %v", name, err)
	}
	return p
}

// cn is a time on 2026-03-10 in Shanghai; us one on a June 2026 day in New
// York (daylight time, UTC-4).
func cn(h, m int) time.Time      { return time.Date(2026, time.March, 10, h, m, 0, 0, shanghai) }
func us(d, h, m int) time.Time   { return time.Date(2026, time.June, d, h, m, 0, 0, newYork) }
func utc(d, h, m int) time.Time  { return time.Date(2026, time.March, d, h, m, 0, 0, time.UTC) }
func utcJune(d, h int) time.Time { return time.Date(2026, time.June, d, h, 0, 0, 0, time.UTC) }

func call(party string, at time.Time, outcome string) casework.Contact {
	return casework.Contact{Channel: casework.ChannelCall, Party: party, Direction: casework.DirectionOutbound, At: at, Outcome: outcome}
}

func debtorCall(at time.Time) casework.Contact { return call(casework.PartyDebtor, at, "") }

func inbound(c casework.Contact) casework.Contact {
	c.Direction = casework.DirectionInbound
	return c
}

func withChannel(c casework.Contact, channel, message string) casework.Contact {
	c.Channel, c.Message = channel, message
	return c
}

func withNote(c casework.Contact, note string) casework.Contact {
	c.Note = note
	return c
}

func withPhone(c casework.Contact, phone string) casework.Contact {
	c.PartyPhone = phone
	return c
}

func ai(c casework.Contact) casework.Contact {
	c.AI = true
	return c
}

// calls returns outbound calls to the debtor, one at each time.
func calls(outcome string, ats ...time.Time) []casework.Contact {
	var cs []casework.Contact
	for _, at := range ats {
		cs = append(cs, call(casework.PartyDebtor, at, outcome))
	}
	return cs
}

func mapContacts(cs []casework.Contact, f func(casework.Contact) casework.Contact) []casework.Contact {
	out := make([]casework.Contact, len(cs))
	for i, c := range cs {
		out[i] = f(c)
	}
	return out
}

type conductCase struct {
	name    string
	check   casework.ContactCheck
	want    []string // rule ids, in order
	message string   // when set, the first violation's exact message
}

func runConductCases(t *testing.T, p casework.ConductProfile, tests []conductCase) {
	t.Helper()
	ids := casework.RuleIDs()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := casework.CheckContact(p, tt.check)
			var got []string
			for _, v := range vs {
				got = append(got, v.Rule)
				if !slices.Contains(ids, v.Rule) {
					t.Errorf("rule %q is not in RuleIDs", v.Rule)
				}
				if v.Message == "" {
					t.Errorf("rule %q has no message", v.Rule)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("rules = %q, want %q\nviolations: %+v", got, tt.want, vs)
			}
			if tt.message != "" && vs[0].Message != tt.message {
				t.Errorf("message = %q, want %q", vs[0].Message, tt.message)
			}
		})
	}
}

func TestCheckContactChinaQuietHours(t *testing.T) {
	p := mustProfile(t, "china")
	q := []string{"cn.quiet_hours"}
	runConductCases(t, p, []conductCase{
		{name: "21:59 allowed", check: casework.ContactCheck{Proposed: debtorCall(cn(21, 59))}},
		{name: "22:00 refused", check: casework.ContactCheck{Proposed: debtorCall(cn(22, 0))}, want: q,
			message: "a call at 22:00 (Asia/Shanghai) on 2026-03-10 is within the quiet hours 22:00-08:00 and the debtor has not agreed to contact then"},
		{name: "07:59 refused", check: casework.ContactCheck{Proposed: debtorCall(cn(7, 59))}, want: q},
		{name: "08:00 allowed", check: casework.ContactCheck{Proposed: debtorCall(cn(8, 0))}},
		{name: "00:00 refused", check: casework.ContactCheck{Proposed: debtorCall(cn(0, 0))}, want: q},
		{name: "23:30 with the debtor's consent", check: casework.ContactCheck{Proposed: debtorCall(cn(23, 30)), ConsentOutOfHours: true}},
		{name: "23:30 inbound", check: casework.ContactCheck{Proposed: inbound(debtorCall(cn(23, 30)))}},
		{name: "23:30 sms refused", check: casework.ContactCheck{Proposed: withChannel(debtorCall(cn(23, 30)), casework.ChannelSMS, "请回电")}, want: q},
		{name: "23:30 letter allowed", check: casework.ContactCheck{Proposed: withChannel(debtorCall(cn(23, 30)), casework.ChannelLetter, "")}},
		{name: "23:30 visit refused", check: casework.ContactCheck{Proposed: withChannel(debtorCall(cn(23, 30)), casework.ChannelVisit, "")}, want: q},
		{name: "22:00 AI call refused", check: casework.ContactCheck{Proposed: ai(debtorCall(cn(22, 0)))}, want: q},
		{name: "22:00 to the emergency contact refused", check: casework.ContactCheck{Proposed: call(casework.PartyEmergencyContact, cn(22, 0), ""), DebtorUnreachable: true}, want: q},
		{name: "14:30 UTC is 22:30 in Shanghai", check: casework.ContactCheck{Proposed: debtorCall(utc(10, 14, 30))}, want: q},
		{name: "13:59 UTC is 21:59 in Shanghai", check: casework.ContactCheck{Proposed: debtorCall(utc(10, 13, 59))}},
		{name: "23:59 UTC is 07:59 next day in Shanghai", check: casework.ContactCheck{Proposed: debtorCall(utc(10, 23, 59))}, want: q},
		{name: "00:00 UTC is 08:00 in Shanghai", check: casework.ContactCheck{Proposed: debtorCall(utc(11, 0, 0))}},
		{name: "14:30 UTC is 14:30 for a debtor in London", check: casework.ContactCheck{Proposed: debtorCall(utc(10, 14, 30)), TimeZone: "Europe/London"}},
		{name: "22:30 UTC is 22:30 for a debtor in London", check: casework.ContactCheck{Proposed: debtorCall(utc(10, 22, 30)), TimeZone: "Europe/London"}, want: q},
		{name: "invalid zone falls back to Shanghai", check: casework.ContactCheck{Proposed: debtorCall(utc(10, 14, 30)), TimeZone: "Mars/Olympus"}, want: q},
		{name: "Local falls back to Shanghai", check: casework.ContactCheck{Proposed: debtorCall(utc(10, 14, 30)), TimeZone: "Local"}, want: q},
	})
}

func TestCheckContactChinaEffectiveCalls(t *testing.T) {
	p := mustProfile(t, "china")
	capped := []string{"cn.max_effective_calls_per_day"}
	const rpc, promise = casework.OutcomeRightPartyContact, casework.OutcomePromise
	three := calls(rpc, cn(9, 0), cn(11, 0), cn(13, 0))
	runConductCases(t, p, []conductCase{
		{name: "no calls yet", check: casework.ContactCheck{Proposed: debtorCall(cn(15, 0))}},
		{name: "2 effective calls today: the 3rd is allowed", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History:  calls(rpc, cn(9, 0), cn(11, 0)),
		}},
		{name: "3 effective calls today: the 4th is refused", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History:  append(calls(rpc, cn(9, 0), cn(13, 0)), call(casework.PartyDebtor, cn(11, 0), promise)),
		}, want: capped, message: "3 effective calls already today (cap 3 per day)"},
		{name: "history in any order", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History:  calls(rpc, cn(13, 0), cn(9, 0), cn(11, 0)),
		}, want: capped},
		{name: "unanswered attempts do not count", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History: append(calls(rpc, cn(9, 0), cn(10, 0)),
				calls(casework.OutcomeNoAnswer, cn(11, 0), cn(12, 0), cn(13, 0), cn(14, 0))...),
		}},
		{name: "AI voice calls count", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History:  append(calls(rpc, cn(9, 0), cn(11, 0)), ai(call(casework.PartyDebtor, cn(13, 0), rpc))),
		}, want: capped},
		{name: "a proposed AI call is refused at the cap", check: casework.ContactCheck{
			Proposed: ai(debtorCall(cn(15, 0))),
			History:  three,
		}, want: capped},
		{name: "effective calls to the emergency contact do not count", check: casework.ContactCheck{
			Proposed:          debtorCall(cn(15, 0)),
			History:           mapContacts(three, func(c casework.Contact) casework.Contact { c.Party = casework.PartyEmergencyContact; return c }),
			DebtorUnreachable: true,
		}},
		{name: "inbound conversations do not count", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History:  mapContacts(three, inbound),
		}},
		{name: "23:59 yesterday in Shanghai (15:59 UTC) does not count", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History:  calls(rpc, utc(9, 15, 59), utc(9, 15, 59), utc(9, 15, 59)),
		}},
		{name: "00:00 today in Shanghai (16:00 UTC yesterday) counts", check: casework.ContactCheck{
			Proposed: debtorCall(cn(15, 0)),
			History:  calls(rpc, utc(9, 16, 0), utc(9, 16, 0), utc(9, 16, 0)),
		}, want: capped},
		{name: "an sms at the cap is allowed", check: casework.ContactCheck{
			Proposed: withChannel(debtorCall(cn(15, 0)), casework.ChannelSMS, "请回电"),
			History:  three,
		}},
		{name: "an inbound call at the cap is allowed", check: casework.ContactCheck{
			Proposed: inbound(debtorCall(cn(15, 0))),
			History:  three,
		}},
	})
}

func TestCheckContactChinaParties(t *testing.T) {
	p := mustProfile(t, "china")
	ec := func(at time.Time) casework.Contact { return call(casework.PartyEmergencyContact, at, "") }
	tp := func(at time.Time) casework.Contact { return call(casework.PartyThirdParty, at, "") }
	refusedBefore := []casework.Contact{withPhone(call(casework.PartyEmergencyContact, cn(10, 0).AddDate(0, 0, -5), casework.OutcomeThirdPartyRefused), "138-0013 8000")}
	runConductCases(t, p, []conductCase{
		{name: "emergency contact while the debtor is reachable", check: casework.ContactCheck{Proposed: ec(cn(10, 0))},
			want: []string{"third_party.only_when_unreachable"}},
		{name: "emergency contact while the debtor is unreachable", check: casework.ContactCheck{Proposed: ec(cn(10, 0)), DebtorUnreachable: true}},
		{name: "third party while the debtor is reachable", check: casework.ContactCheck{Proposed: tp(cn(10, 0))},
			want: []string{"third_party.only_when_unreachable"}},
		{name: "third party note mentions the debt", check: casework.ContactCheck{
			Proposed: withNote(tp(cn(10, 0)), "告知其本人已逾期"), DebtorUnreachable: true,
		}, want: []string{"third_party.no_disclosure"}},
		{name: "third party message mentions the loan in capitals", check: casework.ContactCheck{
			Proposed:          withChannel(ec(cn(10, 0)), casework.ChannelSMS, "Please ask Li Wei to call us about his LOAN."),
			DebtorUnreachable: true,
		}, want: []string{"third_party.no_disclosure"}},
		{name: "third party told only to ask the debtor to call back", check: casework.ContactCheck{
			Proposed: withNote(ec(cn(10, 0)), "请其转告本人回电"), DebtorUnreachable: true,
		}},
		{name: "the debtor may hear about the debt", check: casework.ContactCheck{Proposed: withNote(debtorCall(cn(10, 0)), "提醒本人逾期还款")}},
		{name: "inbound third party still must not hear about the debt", check: casework.ContactCheck{
			Proposed: inbound(withNote(ec(cn(10, 0)), "对方询问欠款金额，已告知")),
		}, want: []string{"third_party.no_disclosure"}},
		{name: "third party who refused, same phone written differently", check: casework.ContactCheck{
			Proposed: withPhone(ec(cn(10, 0)), "13800138000"), History: refusedBefore, DebtorUnreachable: true,
		}, want: []string{"third_party.refused"}},
		{name: "third party who refused with outcome refused", check: casework.ContactCheck{
			Proposed:          withPhone(tp(cn(10, 0)), "13900000001"),
			History:           []casework.Contact{withPhone(call(casework.PartyThirdParty, cn(9, 0), casework.OutcomeRefused), "13900000001")},
			DebtorUnreachable: true,
		}, want: []string{"third_party.refused"}},
		{name: "a different third party may be contacted", check: casework.ContactCheck{
			Proposed: withPhone(ec(cn(10, 0)), "13800138001"), History: refusedBefore, DebtorUnreachable: true,
		}},
		{name: "the debtor refusing does not stop a third party", check: casework.ContactCheck{
			Proposed:          withPhone(ec(cn(10, 0)), "13800138000"),
			History:           []casework.Contact{withPhone(call(casework.PartyDebtor, cn(9, 0), casework.OutcomeRefused), "13800138000")},
			DebtorUnreachable: true,
		}},
		{name: "a refused third party may call in", check: casework.ContactCheck{
			Proposed: inbound(withPhone(ec(cn(10, 0)), "13800138000")), History: refusedBefore,
		}},
		{name: "guarantor not allowed", check: casework.ContactCheck{Proposed: call(casework.PartyGuarantor, cn(10, 0), "")},
			want: []string{"guarantor.not_allowed"}},
		{name: "guarantor allowed", check: casework.ContactCheck{Proposed: call(casework.PartyGuarantor, cn(10, 0), ""), GuarantorAllowed: true}},
		{name: "guarantor calls in", check: casework.ContactCheck{Proposed: inbound(call(casework.PartyGuarantor, cn(10, 0), ""))}},
	})
}

func TestCheckContactCeaseDisputeLanguage(t *testing.T) {
	for _, name := range []string{"china", "us_regf"} {
		t.Run(name, func(t *testing.T) {
			p := mustProfile(t, name)
			at := cn(10, 0) // 22:00 the day before in New York, so the US cases use a daytime hour there
			if name == "us_regf" {
				at = us(10, 10, 0)
			}
			runConductCases(t, p, []conductCase{
				{name: "cease communication stops a call", check: casework.ContactCheck{Proposed: debtorCall(at), CeaseCommunication: true},
					want: []string{"cease_communication"}},
				{name: "cease communication stops a letter", check: casework.ContactCheck{Proposed: withChannel(debtorCall(at), casework.ChannelLetter, ""), CeaseCommunication: true},
					want: []string{"cease_communication"}},
				{name: "cease communication: the debtor may call in", check: casework.ContactCheck{Proposed: inbound(debtorCall(at)), CeaseCommunication: true}},
				{name: "open dispute pauses a call", check: casework.ContactCheck{Proposed: debtorCall(at), DisputeOpen: true},
					want: []string{"dispute_open"}},
				{name: "open dispute: the debtor may call in", check: casework.ContactCheck{Proposed: inbound(debtorCall(at)), DisputeOpen: true}},
				{name: "police in capitals", check: casework.ContactCheck{Proposed: withNote(debtorCall(at), "Told him we will call the POLICE")},
					want: []string{"forbidden_language"}},
				{name: "full-width police", check: casework.ContactCheck{Proposed: withNote(debtorCall(at), "ｔｈｉｓ ｉｓ ｔｈｅ ｐｏｌｉｃｅ")},
					want: []string{"forbidden_language"}},
				{name: "curly apostrophe impersonation", check: casework.ContactCheck{Proposed: withNote(debtorCall(at), "I’m a   lawyer")},
					want: []string{"forbidden_language"}},
				{name: "killing starts with kill", check: casework.ContactCheck{Proposed: withNote(debtorCall(at), "Killing you")},
					want: []string{"forbidden_language"}},
				{name: "skill does not contain the word kill", check: casework.ContactCheck{Proposed: withNote(debtorCall(at), "good negotiation skill shown")}},
				{name: "forbidden language applies inbound", check: casework.ContactCheck{Proposed: inbound(withNote(debtorCall(at), "said we would have him arrested"))},
					want: []string{"forbidden_language"}},
				{name: "clean note", check: casework.ContactCheck{Proposed: withNote(debtorCall(at), "Debtor agreed to call back on Friday")}},
			})
		})
	}
	t.Run("chinese terms", func(t *testing.T) {
		p := mustProfile(t, "china")
		runConductCases(t, p, []conductCase{
			{name: "坐牢 in the note", check: casework.ContactCheck{Proposed: withNote(debtorCall(cn(10, 0)), "再不还钱就让你坐牢")},
				want:    []string{"forbidden_language"},
				message: `threats, insults, violence and impersonation are forbidden, but the note contains "坐牢"`},
			{name: "法院传票 in an sms", check: casework.ContactCheck{Proposed: withChannel(debtorCall(cn(10, 0)), casework.ChannelSMS, "您的法院传票已发出")},
				want: []string{"forbidden_language"}},
			{name: "note and message both", check: casework.ContactCheck{Proposed: withNote(withChannel(debtorCall(cn(10, 0)), casework.ChannelSMS, "曝光你"), "我是警察")},
				want:    []string{"forbidden_language"},
				message: `threats, insults, violence and impersonation are forbidden, but the note contains "我是警察" and the message contains "曝光"`},
			{name: "inbound 弄死", check: casework.ContactCheck{Proposed: inbound(withNote(debtorCall(cn(10, 0)), "弄死"))},
				want: []string{"forbidden_language"}},
		})
	})
}

func TestCheckContactUSQuietHours(t *testing.T) {
	p := mustProfile(t, "us_regf")
	q := []string{"us.quiet_hours"}
	runConductCases(t, p, []conductCase{
		{name: "20:59 allowed", check: casework.ContactCheck{Proposed: debtorCall(us(10, 20, 59))}},
		{name: "21:00 refused", check: casework.ContactCheck{Proposed: debtorCall(us(10, 21, 0))}, want: q},
		{name: "07:59 refused", check: casework.ContactCheck{Proposed: debtorCall(us(10, 7, 59))}, want: q},
		{name: "08:00 allowed", check: casework.ContactCheck{Proposed: debtorCall(us(10, 8, 0))}},
		{name: "01:30 UTC is 21:30 in New York", check: casework.ContactCheck{Proposed: debtorCall(utcJune(11, 1).Add(30 * time.Minute))}, want: q},
		{name: "00:59 UTC is 20:59 in New York", check: casework.ContactCheck{Proposed: debtorCall(utcJune(11, 0).Add(59 * time.Minute))}},
		{name: "01:30 UTC is 18:30 for a debtor in Los Angeles", check: casework.ContactCheck{Proposed: debtorCall(utcJune(11, 1).Add(30 * time.Minute)), TimeZone: "America/Los_Angeles"}},
		{name: "21:30 with consent", check: casework.ContactCheck{Proposed: debtorCall(us(10, 21, 30)), ConsentOutOfHours: true}},
		{name: "21:30 inbound", check: casework.ContactCheck{Proposed: inbound(debtorCall(us(10, 21, 30)))}},
		{name: "21:30 email refused", check: casework.ContactCheck{Proposed: withChannel(debtorCall(us(10, 21, 30)), casework.ChannelEmail, "Reply STOP to opt out")}, want: q},
	})
}

func TestCheckContactUSFrequency(t *testing.T) {
	p := mustProfile(t, "us_regf")
	const na = casework.OutcomeNoAnswer
	seven := calls(na, us(4, 10, 0), us(5, 10, 0), us(6, 10, 0), us(7, 10, 0), us(8, 10, 0), us(9, 10, 0), us(10, 9, 0))
	capped := []string{"us.seven_in_seven"}
	after := []string{"us.after_conversation"}
	conversation := call(casework.PartyDebtor, us(1, 15, 0), casework.OutcomeRightPartyContact)
	runConductCases(t, p, []conductCase{
		{name: "6 attempts: the 7th is allowed", check: casework.ContactCheck{Proposed: debtorCall(us(10, 15, 0)), History: seven[1:]}},
		{name: "7 attempts: the 8th is refused", check: casework.ContactCheck{Proposed: debtorCall(us(10, 15, 0)), History: seven},
			want: capped, message: "7 call attempts already in the last 7 calendar days (cap 7 per 7 days)"},
		{name: "an attempt 7 days back (day 8) does not count", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 15, 0)),
			History:  append(calls(na, us(3, 10, 0)), seven[1:]...),
		}},
		{name: "23:00 New York on June 3 is June 4 in UTC but does not count", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 15, 0)),
			History:  append(calls(na, utcJune(4, 3)), seven[1:]...),
		}},
		{name: "00:00 New York on June 4 counts", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 15, 0)),
			History:  append(calls(na, us(4, 0, 0)), seven[1:]...),
		}, want: capped},
		{name: "AI calls count", check: casework.ContactCheck{Proposed: debtorCall(us(10, 15, 0)), History: mapContacts(seven, ai)}, want: capped},
		{name: "calls to the emergency contact do not count", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 15, 0)),
			History:  mapContacts(seven, func(c casework.Contact) casework.Contact { c.Party = casework.PartyEmergencyContact; return c }),
		}},
		{name: "sms do not count", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 15, 0)),
			History:  mapContacts(seven, func(c casework.Contact) casework.Contact { c.Channel = casework.ChannelSMS; return c }),
		}},
		{name: "inbound calls do not count", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 15, 0)),
			History: mapContacts(seven, func(c casework.Contact) casework.Contact {
				c.Direction, c.Outcome = casework.DirectionInbound, casework.OutcomeOther
				return c
			}),
		}},
		{name: "an inbound call at the cap is allowed", check: casework.ContactCheck{Proposed: inbound(debtorCall(us(10, 15, 0))), History: seven}},
		{name: "an sms at the cap is allowed", check: casework.ContactCheck{Proposed: withChannel(debtorCall(us(10, 15, 0)), casework.ChannelSMS, "Reply STOP to opt out"), History: seven}},

		{name: "day 7 after a conversation is refused", check: casework.ContactCheck{Proposed: debtorCall(us(7, 20, 0)), History: []casework.Contact{conversation}},
			want: after, message: "a telephone conversation about the debt took place at 15:00 (America/New_York) on 2026-06-01; no call for 7 days after it, until 00:00 on 2026-06-08"},
		{name: "day 8 after a conversation is allowed", check: casework.ContactCheck{Proposed: debtorCall(us(8, 8, 0)), History: []casework.Contact{conversation}}},
		{name: "the day of the conversation is refused", check: casework.ContactCheck{Proposed: debtorCall(us(1, 17, 0)), History: []casework.Contact{conversation}}, want: after},
		{name: "a conversation the debtor started counts", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 10, 0)),
			History:  []casework.Contact{inbound(call(casework.PartyDebtor, us(5, 12, 0), casework.OutcomeRightPartyContact))},
		}, want: after},
		{name: "a promise is a conversation", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 10, 0)),
			History:  []casework.Contact{call(casework.PartyDebtor, us(9, 12, 0), casework.OutcomePromise)},
		}, want: after},
		{name: "an unanswered call is not a conversation", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 10, 0)),
			History:  calls(casework.OutcomeLeftMessage, us(9, 12, 0)),
		}},
		{name: "a conversation with the emergency contact does not count", check: casework.ContactCheck{
			Proposed: debtorCall(us(10, 10, 0)),
			History:  []casework.Contact{call(casework.PartyEmergencyContact, us(9, 12, 0), casework.OutcomeRightPartyContact)},
		}},
		{name: "an email after a conversation is allowed", check: casework.ContactCheck{
			Proposed: withChannel(debtorCall(us(3, 10, 0)), casework.ChannelEmail, "To opt out of emails, click unsubscribe."),
			History:  []casework.Contact{conversation},
		}},
		{name: "the debtor may call in after a conversation", check: casework.ContactCheck{Proposed: inbound(debtorCall(us(3, 10, 0))), History: []casework.Contact{conversation}}},
	})
}

func TestCheckContactUSOptOutAndParties(t *testing.T) {
	p := mustProfile(t, "us_regf")
	at := us(10, 10, 0)
	optOut := []string{"us.opt_out"}
	runConductCases(t, p, []conductCase{
		{name: "sms without an opt-out", check: casework.ContactCheck{Proposed: withChannel(debtorCall(at), casework.ChannelSMS, "Please call us back at 555-0100.")},
			want: optOut, message: `the sms must tell the recipient how to opt out (for example "reply stop")`},
		{name: "sms with an opt-out", check: casework.ContactCheck{Proposed: withChannel(debtorCall(at), casework.ChannelSMS, "Please call us back. Reply STOP to opt out.")}},
		{name: "empty email", check: casework.ContactCheck{Proposed: withChannel(debtorCall(at), casework.ChannelEmail, "")}, want: optOut},
		{name: "email with unsubscribe", check: casework.ContactCheck{Proposed: withChannel(debtorCall(at), casework.ChannelEmail, "Questions? Call us. Unsubscribe: example.com/u")}},
		{name: "letter needs no opt-out", check: casework.ContactCheck{Proposed: withChannel(debtorCall(at), casework.ChannelLetter, "Please call us.")}},
		{name: "inbound sms needs no opt-out", check: casework.ContactCheck{Proposed: inbound(withChannel(debtorCall(at), casework.ChannelSMS, "call me"))}},
		{name: "guarantor needs no allowance in the US profile", check: casework.ContactCheck{Proposed: call(casework.PartyGuarantor, at, "")}},
		{name: "third party only when the debtor is unreachable", check: casework.ContactCheck{Proposed: call(casework.PartyThirdParty, at, "")},
			want: []string{"third_party.only_when_unreachable"}},
		{name: "third party must not hear of the debt", check: casework.ContactCheck{Proposed: withNote(call(casework.PartyThirdParty, at, ""), "asked about his debts"), DebtorUnreachable: true},
			want: []string{"third_party.no_disclosure"}},
	})
	t.Run("china needs no opt-out", func(t *testing.T) {
		cnp := mustProfile(t, "china")
		if vs := casework.CheckContact(cnp, casework.ContactCheck{Proposed: withChannel(debtorCall(cn(10, 0)), casework.ChannelSMS, "请回电")}); len(vs) != 0 {
			t.Errorf("violations = %+v, want none", vs)
		}
	})
}

func TestCheckContactSeveralAtOnce(t *testing.T) {
	t.Run("china", func(t *testing.T) {
		p := mustProfile(t, "china")
		runConductCases(t, p, []conductCase{{
			name: "every third-party rule and more",
			check: casework.ContactCheck{
				Proposed:           withPhone(withNote(call(casework.PartyEmergencyContact, cn(23, 0), ""), "告诉他逾期不还就坐牢"), "13800138000"),
				History:            []casework.Contact{withPhone(call(casework.PartyEmergencyContact, cn(9, 0), casework.OutcomeThirdPartyRefused), "13800138000")},
				CeaseCommunication: true,
				DisputeOpen:        true,
			},
			want: []string{"cease_communication", "dispute_open", "cn.quiet_hours", "third_party.only_when_unreachable",
				"third_party.no_disclosure", "third_party.refused", "forbidden_language"},
		}, {
			name: "a 4th effective call at night to a guarantor-free debtor with threats",
			check: casework.ContactCheck{
				Proposed: withNote(debtorCall(cn(22, 30)), "there is a warrant for your arrest"),
				History:  calls(casework.OutcomeRightPartyContact, cn(9, 0), cn(10, 0), cn(11, 0)),
			},
			want: []string{"cn.quiet_hours", "cn.max_effective_calls_per_day", "forbidden_language"},
		}})
	})
	t.Run("us", func(t *testing.T) {
		p := mustProfile(t, "us_regf")
		history := calls(casework.OutcomeNoAnswer, us(4, 10, 0), us(5, 10, 0), us(6, 10, 0), us(7, 10, 0), us(8, 10, 0), us(9, 10, 0))
		history = append(history, call(casework.PartyDebtor, us(10, 9, 0), casework.OutcomeRightPartyContact))
		runConductCases(t, p, []conductCase{{
			name: "8th call at night after a conversation with a threat",
			check: casework.ContactCheck{
				Proposed:    withNote(debtorCall(us(10, 21, 30)), "you'll go to jail"),
				History:     history,
				DisputeOpen: true,
			},
			want: []string{"dispute_open", "us.quiet_hours", "us.seven_in_seven", "us.after_conversation", "forbidden_language"},
		}})
	})
}

func TestCheckContactInvalidInput(t *testing.T) {
	p := mustProfile(t, "china")
	fax := debtorCall(cn(10, 0))
	fax.Channel = "fax"
	noDirection := debtorCall(cn(10, 0))
	noDirection.Direction = ""
	runConductCases(t, p, []conductCase{
		{name: "unknown channel", check: casework.ContactCheck{Proposed: fax}, want: []string{"contact.invalid"}},
		{name: "no direction", check: casework.ContactCheck{Proposed: noDirection}, want: []string{"contact.invalid"}},
		{name: "unknown party and no time", check: casework.ContactCheck{Proposed: casework.Contact{Channel: "call", Party: "neighbour", Direction: "outbound"}},
			want: []string{"contact.invalid", "contact.invalid"}},
	})
	t.Run("zero profile", func(t *testing.T) {
		vs := casework.CheckContact(casework.ConductProfile{}, casework.ContactCheck{Proposed: debtorCall(cn(10, 0))})
		if len(vs) != 1 || vs[0].Rule != "profile.invalid" {
			t.Fatalf("violations = %+v, want one profile.invalid", vs)
		}
	})
}

func TestEmbeddedConductProfiles(t *testing.T) {
	if got, want := policies.ConductProfileNames(), []string{"china", "us_regf"}; !slices.Equal(got, want) {
		t.Fatalf("ConductProfileNames() = %q, want %q", got, want)
	}
	for _, name := range []string{"", "russia", "../policy", "conduct/china", "china.json"} {
		t.Run("unknown "+name, func(t *testing.T) {
			if _, err := policies.ConductProfile(name); !errors.Is(err, policies.ErrUnknownConductProfile) {
				t.Errorf("ConductProfile(%q) error = %v, want ErrUnknownConductProfile", name, err)
			}
		})
	}
	tests := []struct {
		name, quietRule, quietStart, quietEnd, zone string
		cap                                         casework.FrequencyCap
		afterConversation                           string
		optOutChannels                              []string
		guarantorNeedsAllowance                     bool
	}{
		{"china", "cn.quiet_hours", "22:00", "08:00", "Asia/Shanghai",
			casework.FrequencyCap{Rule: "cn.max_effective_calls_per_day", Channels: []string{"call"}, Parties: []string{"debtor"}, Effective: true, Window: "calendar_day", Max: 3},
			"", nil, true},
		{"us_regf", "us.quiet_hours", "21:00", "08:00", "America/New_York",
			casework.FrequencyCap{Rule: "us.seven_in_seven", Channels: []string{"call"}, Parties: []string{"debtor"}, Effective: false, Window: "calendar_days:7", Max: 7},
			"calendar_days:7", []string{"sms", "email"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustProfile(t, tt.name)
			if p.Name != tt.name || p.QuietRule != tt.quietRule || p.QuietStart != tt.quietStart || p.QuietEnd != tt.quietEnd || p.DefaultTimeZone != tt.zone {
				t.Errorf("name %q, quiet %s %s-%s, zone %s; want %q, %s %s-%s, %s",
					p.Name, p.QuietRule, p.QuietStart, p.QuietEnd, p.DefaultTimeZone, tt.name, tt.quietRule, tt.quietStart, tt.quietEnd, tt.zone)
			}
			if len(p.Caps) != 1 {
				t.Fatalf("caps = %+v, want one", p.Caps)
			}
			c := p.Caps[0]
			if c.Rule != tt.cap.Rule || !slices.Equal(c.Channels, tt.cap.Channels) || !slices.Equal(c.Parties, tt.cap.Parties) ||
				c.Effective != tt.cap.Effective || c.Window != tt.cap.Window || c.Max != tt.cap.Max {
				t.Errorf("cap = %+v, want %+v", c, tt.cap)
			}
			if p.AfterConversation != tt.afterConversation {
				t.Errorf("after_conversation = %q, want %q", p.AfterConversation, tt.afterConversation)
			}
			if !slices.Equal(p.OptOutChannels, tt.optOutChannels) && (len(p.OptOutChannels) != 0 || len(tt.optOutChannels) != 0) {
				t.Errorf("opt_out_channels = %q, want %q", p.OptOutChannels, tt.optOutChannels)
			}
			if p.GuarantorNeedsAllowance != tt.guarantorNeedsAllowance {
				t.Errorf("guarantor_needs_allowance = %v, want %v", p.GuarantorNeedsAllowance, tt.guarantorNeedsAllowance)
			}
			if !p.AICountsAsCall || !slices.Equal(p.EffectiveOutcomes, []string{"right_party_contact", "promise", "refused"}) {
				t.Errorf("ai_counts_as_call %v, effective_outcomes %q", p.AICountsAsCall, p.EffectiveOutcomes)
			}
			// One definition: every shipped profile gives the lists the
			// profile-free predicates and their SQL use.
			if d := p.Definitions(); !slices.Equal(d.Reached, casework.Definitions.Reached) || !slices.Equal(d.Failed, casework.Definitions.Failed) ||
				!slices.Equal(d.Effective, casework.Definitions.Effective) || !slices.Equal(d.Uncounted, casework.Definitions.Uncounted) {
				t.Errorf("definitions %+v differ from the shared %+v", d, casework.Definitions)
			}
			if !p.CeaseCommunication || !p.DisputePausesCollection || !p.ThirdPartyOnlyWhenUnreachable || !p.ThirdPartyNoDisclosure || !p.ThirdPartyStopOnRefusal {
				t.Errorf("a standing rule is off: %+v", p)
			}
			if p.Language == "" {
				t.Errorf("no language set")
			}
		})
	}
	t.Run("china language", func(t *testing.T) {
		p := mustProfile(t, "china")
		for _, note := range []string{"我是公安局的", "再不还钱就抓你坐牢", "弄死你", "we will have you arrested"} {
			vs := casework.CheckContact(p, casework.ContactCheck{Proposed: withNote(debtorCall(cn(10, 0)), note)})
			if !slices.ContainsFunc(vs, func(v collect.Violation) bool { return v.Rule == casework.RuleConductForbiddenLanguage }) {
				t.Errorf("%q is not found forbidden", note)
			}
		}
	})
}

func TestRuleIDs(t *testing.T) {
	ids := casework.RuleIDs()
	want := []string{
		"cn.quiet_hours", "cn.max_effective_calls_per_day", "third_party.only_when_unreachable", "third_party.no_disclosure",
		"third_party.refused", "cease_communication", "dispute_open", "forbidden_language", "us.seven_in_seven",
		"us.after_conversation", "us.opt_out", "guarantor.not_allowed", "us.quiet_hours", "contact.invalid", "profile.invalid",
		"roster.not_registered", "roster.no_agreement", "roster.training_lapsed",
		"request.channel_opt_out", "request.inconvenient_time", "request.workplace_prohibited", "request.attorney", "care_hold",
	}
	if len(ids) != len(want) {
		t.Errorf("RuleIDs() = %q, want %d ids", ids, len(want))
	}
	for _, w := range want {
		if !slices.Contains(ids, w) {
			t.Errorf("RuleIDs() lacks %q", w)
		}
	}
	ids[0] = "changed"
	if casework.RuleIDs()[0] == "changed" {
		t.Error("RuleIDs returns a shared slice")
	}
}

func TestParseConductProfileErrors(t *testing.T) {
	base, err := policies.ConductProfile("china")
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(doc map[string]any)) string {
		var doc map[string]any
		if err := json.Unmarshal(base, &doc); err != nil {
			t.Fatal(err)
		}
		f(doc)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	capOf := func(doc map[string]any) map[string]any { return doc["caps"].([]any)[0].(map[string]any) }
	tests := []struct {
		name  string
		doc   string
		field string
	}{
		{"unknown field", mutate(func(d map[string]any) { d["quiet_begin"] = "22:00" }), "quiet_begin"},
		{"unknown cap field", mutate(func(d map[string]any) { capOf(d)["maximum"] = 3 }), "maximum"},
		{"missing field", mutate(func(d map[string]any) { delete(d, "language") }), "language"},
		{"missing definitions", mutate(func(d map[string]any) { delete(d, "reached_outcomes") }), "reached_outcomes"},
		{"missing cap per", mutate(func(d map[string]any) { delete(capOf(d), "per") }), "caps[0].per"},
		{"bad cap per", mutate(func(d map[string]any) { capOf(d)["per"] = "household" }), "caps[0].per"},
		{"missing cap field", mutate(func(d map[string]any) { delete(capOf(d), "effective") }), "caps[0].effective"},
		{"quiet start out of range", mutate(func(d map[string]any) { d["quiet_start"] = "25:00" }), "quiet_start"},
		{"quiet start without leading zero", mutate(func(d map[string]any) { d["quiet_start"] = "8:00" }), "quiet_start"},
		{"quiet end equals start", mutate(func(d map[string]any) { d["quiet_end"] = "22:00" }), "quiet_end"},
		{"quiet rule missing", mutate(func(d map[string]any) { d["quiet_rule"] = "" }), "quiet_rule"},
		{"bad time zone", mutate(func(d map[string]any) { d["default_time_zone"] = "Mars/Olympus" }), "default_time_zone"},
		{"bad name", mutate(func(d map[string]any) { d["name"] = "China!" }), "name"},
		{"bad window", mutate(func(d map[string]any) { capOf(d)["window"] = "3d" }), "caps[0].window"},
		{"window beyond the history", mutate(func(d map[string]any) { capOf(d)["window"] = "calendar_days:9" }), "caps[0].window"},
		{"rolling window beyond the history", mutate(func(d map[string]any) { capOf(d)["window"] = "193h" }), "caps[0].window"},
		{"max zero", mutate(func(d map[string]any) { capOf(d)["max"] = 0 }), "caps[0].max"},
		{"max a string", mutate(func(d map[string]any) { capOf(d)["max"] = "3" }), "max"},
		{"unknown cap channel", mutate(func(d map[string]any) { capOf(d)["channels"] = []string{"fax"} }), "caps[0].channels[0]"},
		{"unknown cap rule", mutate(func(d map[string]any) { capOf(d)["rule"] = "cn.calls" }), "caps[0].rule"},
		{"unknown outcome", mutate(func(d map[string]any) { d["effective_outcomes"] = []string{"answered"} }), "effective_outcomes[0]"},
		{"bad after_conversation", mutate(func(d map[string]any) { d["after_conversation"] = "forever" }), "after_conversation"},
		{"opt-out channels without phrases", mutate(func(d map[string]any) { d["opt_out_channels"] = []string{"sms"} }), "opt_out_phrases"},
		{"unknown language set", mutate(func(d map[string]any) { d["language"] = "klingon" }), "language"},
		{"blank opt-out phrase", mutate(func(d map[string]any) {
			d["opt_out_channels"] = []string{"sms"}
			d["opt_out_phrases"] = []string{"reply stop", " "}
		}), "opt_out_phrases[1]"},
		{"boolean as string", mutate(func(d map[string]any) { d["cease_communication"] = "yes" }), "cease_communication"},
		{"truncated", string(base[:40]), "(document)"},
		{"trailing data", string(base) + "{}", "(document)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := casework.ParseConductProfile([]byte(tt.doc))
			if err == nil {
				t.Fatal("ParseConductProfile succeeded, want an error")
			}
			var e *collect.Error
			if !errors.As(err, &e) || e.Code != collect.EINVALID {
				t.Fatalf("error = %#v, want *allocation.Error with code invalid", err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %q", err, tt.field)
			}
			named := false
			for _, f := range e.Fields {
				named = named || strings.Contains(f.Field, tt.field)
			}
			if !named {
				t.Errorf("fields %+v do not name %q", e.Fields, tt.field)
			}
		})
	}
}

// The refusal message is stored on the breach and in the audit summary, which
// auditors read: it must not carry the third party's full number.
func TestCheckContactRefusalMessageMasksPhone(t *testing.T) {
	p := mustProfile(t, "china")
	vs := casework.CheckContact(p, casework.ContactCheck{
		Proposed:          withPhone(call(casework.PartyEmergencyContact, cn(10, 0), ""), "13912345678"),
		History:           []casework.Contact{withPhone(call(casework.PartyEmergencyContact, cn(9, 0), casework.OutcomeThirdPartyRefused), "13912345678")},
		DebtorUnreachable: true,
	})
	if len(vs) != 1 || vs[0].Rule != casework.RuleConductThirdPartyRefused {
		t.Fatalf("violations = %+v, want one %s", vs, casework.RuleConductThirdPartyRefused)
	}
	if strings.Contains(vs[0].Message, "13912345678") || !strings.Contains(vs[0].Message, "139****5678") {
		t.Errorf("message %q: want the number masked as 139****5678", vs[0].Message)
	}
}
