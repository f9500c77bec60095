package casework_test

import (
	"strings"
	"testing"

	"collect/casework"
	"collect/policies"
)

func TestMessageTemplatesCarryDisclosures(t *testing.T) {
	ts, err := casework.ParseMessageTemplates(policies.MessageTemplates())
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range policies.ConductProfileNames() {
		if len(ts[profile]) == 0 {
			t.Errorf("profile %s has no message templates", profile)
		}
	}
	// Every US electronic message carries the opt-out the conduct rules ask for.
	for _, tpl := range ts["us_regf"] {
		if (tpl.Channel == "sms" || tpl.Channel == "email") && !strings.Contains(strings.ToLower(tpl.Text), "stop") {
			t.Errorf("%s has no opt-out", tpl.ID)
		}
	}
	msg := ts["china"][0].Render(casework.MessageData{Agency: "甲信催收", Lender: "演示银行", Debtor: "王伟", RefTail: "1234", DPD: "45", Balance: "1,200.00"})
	if strings.Contains(msg, "{{") || !strings.Contains(msg, "受演示银行委托") {
		t.Fatalf("rendered: %s", msg)
	}
	// A template without its disclosure is refused.
	if _, err := casework.ParseMessageTemplates([]byte(`{"china":[{"id":"x","channel":"sms","text":"还钱","disclosures":["委托"]}]}`)); err == nil {
		t.Fatal("a template lacking its disclosure was accepted")
	}
	if _, err := casework.ParseMessageTemplates([]byte(`{"china":[{"id":"x","channel":"sms","text":"{{nope}}","disclosures":[]}]}`)); err == nil {
		t.Fatal("an unknown placeholder was accepted")
	}
}
