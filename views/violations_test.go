package views

import (
	"encoding/json"
	"testing"

	"collect"
)

// A violation read back from its stored JSON (numbers come back as
// float64) reads as it did; one stored before violations had keys shows
// its message; a phrase argument is said in the message's language.
func TestViolationTextFromStoredJSON(t *testing.T) {
	c, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh, en := c.Localizer("zh", ""), c.Localizer("en", "")
	stored, _ := json.Marshal([]collect.Violation{
		collect.Broken("limit.instalments", "err.limit.instalments", "n", 24, "max", 12),
		{Rule: "limit.instalments", Message: "24 instalments is more than the contract's 12"},
		collect.Broken("stage.same", "err.stage.rule.same", "stage", collect.Say("err.stage.word.legal")),
	})
	var vs []collect.Violation
	if err := json.Unmarshal(stored, &vs); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		l    *Localizer
		v    collect.Violation
		want string
	}{
		{zh, vs[0], "分期 24 期，超过合同允许的 12 期"},
		{en, vs[0], "24 instalments is more than the contract's 12"},
		{zh, vs[1], "24 instalments is more than the contract's 12"},
		{zh, vs[2], "案件已处于法律行动阶段"}, // a phrase argument read back from JSON
		{zh, collect.Broken("stage.same", "err.stage.rule.same", "stage", collect.Say("err.stage.word.legal")), "案件已处于法律行动阶段"},
	} {
		if got := tt.l.ViolationText(tt.v); got != tt.want {
			t.Errorf("%s %+v = %q, want %q", tt.l.Lang, tt.v, got, tt.want)
		}
	}
	if vs[0].Message != "24 instalments is more than the contract's 12" {
		t.Errorf("stored message = %q, want the English", vs[0].Message)
	}
	api := EnglishViolations(vs)
	if api[0].Args != nil || api[0].Key != "err.limit.instalments" || api[0].Message != vs[0].Message {
		t.Errorf("API violation = %+v, want the key and the English message without args", api[0])
	}
}
