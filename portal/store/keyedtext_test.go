package store

import (
	"collect"
	"errors"
	"testing"

	"collect/allocation"
	"collect/views"
)

// A keyed message stored in a row says the same, in each language, when
// read back: numbers as written, a nested message as a message, any other
// error as an internal one.
func TestStoredArgsRoundTrip(t *testing.T) {
	args := map[string]any{
		"line":   12,
		"max":    int64(1 << 30),
		"value":  `"-5"`,
		"at":     collect.E(collect.EINVALID, "err.file.at_row", "n", 3),
		"detail": errors.New("zip: not a valid zip file"),
	}
	back := decodeArgs(encodeArgs(args))
	en := views.English()
	for _, key := range []string{"err.file.part_cap", "err.import.unreadable_past"} {
		if got, want := en.Message(key, back), en.Message(key, args); got != want {
			t.Errorf("%s: stored and read back %q, want %q", key, got, want)
		}
	}
	if e, ok := back["at"].(*collect.Error); !ok || e.Key != "err.file.at_row" {
		t.Errorf("a nested message came back as %#v", back["at"])
	}
	if e, ok := back["detail"].(*collect.Error); !ok || e.Code != collect.EINTERNAL {
		t.Errorf("a plain error came back as %#v, want an internal error", back["detail"])
	}
	if got := en.Message("err.file.total_cap", back); got != "the XLSX file is larger than 1073741824 bytes once unpacked (unpacked size cap)" {
		t.Errorf("a large number read back: %q", got)
	}
	if encodeArgs(nil) != "" || decodeArgs("") != nil {
		t.Error("no arguments are stored as the empty text")
	}

	line := []allocation.RowError{
		allocation.NewRowError(7, "phone", "err.row.mobile"),
		allocation.NewRowError(7, "principal", "err.amount.negative", "value", `"-5"`),
	}
	got := decodeProblems(encodeProblems(line), 7)
	if len(got) != 2 {
		t.Fatalf("problems read back: %+v", got)
	}
	for i := range line {
		if got[i].Field != line[i].Field || got[i].Key != line[i].Key || got[i].Message != line[i].Message || got[i].Line != 7 {
			t.Errorf("problem %d read back as %+v, want %+v", i, got[i], line[i])
		}
	}
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	if msg := cat.Localizer("zh", "").Message(got[1].Key, got[1].Args); msg != `"-5" 为负数：金额应为 0 或以上` {
		t.Errorf("the stored problem in Chinese: %q", msg)
	}
	if encodeProblems([]allocation.RowError{{Line: 1, Field: "x", Message: "unkeyed"}}) != "" {
		t.Error("a line with an unkeyed problem keeps only its English message")
	}
}

// A plan's reasons, with the words nested in them, read back as they were
// written, in English and in Chinese.
func TestStoredPhrasesRoundTrip(t *testing.T) {
	cands := []allocation.Candidate{{AccountID: "a1", Bucket: "M3", Province: "广东省", BalanceCents: 200000, ScoreBand: allocation.ScoreBandHigh}}
	ags := []allocation.AgencyTarget{{AgencyID: "ag-a", Name: "甲公司", Active: true, LicensedProvinces: []string{"*"}, Capacity: 5}}
	plan, err := allocation.BuildPlan(cands, ags, allocation.PlanParams{Strategy: allocation.StrategyRules, Rules: []allocation.Rule{
		{Bucket: "M3", ScoreBand: allocation.ScoreBandHigh, MinBalanceCents: 100050, AgencyID: "ag-a"}}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	back := decodePhrases(encodePhrases(plan.Reasons))
	if len(back) != 1 || back[0].Key != "err.plan.reason.rule" {
		t.Fatalf("read back %+v", back)
	}
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := views.English().Message(back[0].Key, back[0].Args), "rule 1 (bucket M3, score band high, balance ≥ 1000.50) → 甲公司"; got != want || got != plan.Assignments[0].Reason {
		t.Errorf("in English %q, want %q", got, want)
	}
	if got, want := cat.Localizer("zh", "").Message(back[0].Key, back[0].Args), "规则 1（账龄 M3，评分段 高，余额 ≥ 1000.50 元）→ 甲公司"; got != want {
		t.Errorf("in Chinese %q, want %q", got, want)
	}
	if decodePhrases(nil) != nil {
		t.Error("no reasons kept read back as some")
	}
}
