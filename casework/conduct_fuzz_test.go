package casework_test

import (
	"collect"
	"reflect"
	"strings"
	"testing"
	"time"

	"collect/casework"
	"collect/policies"
)

// FuzzConductText runs the text checks of CheckContact (forbidden language,
// disclosure to a third party, the opt-out phrase) on an arbitrary note and
// message under every shipped profile: it never panics, is deterministic,
// every message is storable text, the verdict does not change with case or
// surrounding white space, and a profile term placed between spaces is
// always found.
//
//	go test ./casework -run '^$' -fuzz FuzzConductText -fuzztime 20s
func FuzzConductText(f *testing.F) {
	f.Add("called, debtor promised to pay Friday", "", uint8(0))
	f.Add("我们会上门找你家人", "不还钱就起诉你，后果自负", uint8(1))
	f.Add("I'm from the POLICE", "We will ＫＩＬＬ you", uint8(2))
	f.Add("skill", "killed", uint8(3))
	f.Add("\x00\xff\xfe", "\u3000\u2019\ufeff", uint8(4))
	f.Add(strings.Repeat("a ", 1000), strings.Repeat("傻", 500), uint8(5))
	f.Add("", "reply STOP to opt out", uint8(6))
	var profiles []casework.ConductProfile
	for _, name := range policies.ConductProfileNames() {
		b, err := policies.ConductProfile(name)
		if err != nil {
			f.Fatal(err)
		}
		p, err := casework.ParseConductProfile(b)
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		profiles = append(profiles, p)
	}
	at := time.Date(2026, time.March, 10, 14, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, note, message string, pick uint8) {
		for _, p := range profiles {
			for _, party := range []string{casework.PartyDebtor, casework.PartyThirdParty} {
				check := func(note, message string) []collect.Violation {
					return casework.CheckContact(p, casework.ContactCheck{
						Proposed: casework.Contact{Channel: "sms", Party: party, Direction: casework.DirectionInbound, At: at,
							Note: note, Message: message, PartyPhone: "13800138000"},
						TimeZone: "Asia/Shanghai",
					})
				}
				got := check(note, message)
				if again := check(note, message); !reflect.DeepEqual(got, again) {
					t.Fatalf("%s: not deterministic: %v then %v", p.Name, got, again)
				}
				for _, v := range got {
					if v.Rule == "" || collect.ValidText(v.Message) != nil && collect.ValidText(note+message) == nil {
						t.Fatalf("%s: violation %+v", p.Name, v)
					}
				}
				if spaced := check(" "+asciiUpper(note)+"\t", "\n"+asciiUpper(message)+" "); !reflect.DeepEqual(rules(got), rules(spaced)) {
					t.Fatalf("%s: %v, but %v once upper-cased and spaced", p.Name, rules(got), rules(spaced))
				}
				// A threat added to any note is still found.
				threats := []string{"We will have you arrested today.", "I am calling from the sheriff's office."}
				if p.Name == "china" {
					threats = append(threats, "我是公安局的，再不还钱就抓你。", "再不还钱就上门打断你的腿。")
				}
				term := threats[int(pick)%len(threats)]
				if !hasRule(check(note+"\n"+term+"\n", message), casework.RuleConductForbiddenLanguage) {
					t.Fatalf("%s: the threat %q in the note was not found", p.Name, term)
				}
			}
		}
	})
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func rules(vs []collect.Violation) []string {
	out := []string{}
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

func hasRule(vs []collect.Violation, rule string) bool {
	for _, v := range vs {
		if v.Rule == rule {
			return true
		}
	}
	return false
}
