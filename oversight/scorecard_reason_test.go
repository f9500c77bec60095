package oversight_test

import (
	"collect"
	"errors"
	"math"
	"testing"

	"collect/oversight"
	"collect/views"
)

// A scorecard row's reason says in English the words it said before it was
// a catalogue key, and in Chinese on a page, the components named in
// Chinese too.
func TestScoreReasonTexts(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Localizer("zh", "")
	tests := []struct {
		name   string
		figs   map[string]oversight.Figures
		w      oversight.Weights
		agency string
		en, zh string
	}{
		{"strongest and weakest", map[string]oversight.Figures{
			"A": {LiquidationRate: figure(0.2), RPCRate: figure(0.3)}, "B": {LiquidationRate: figure(0.1), RPCRate: figure(0.4)}},
			oversight.Weights{Liquidation: 1, RPC: 1}, "A",
			"strongest liquidation (100.0), weakest rpc (0.0)", "最强项回款率（100.0），最弱项有效联络率（0.0）"},
		{"one component", map[string]oversight.Figures{"A": {LiquidationRate: figure(0.3)}, "B": {LiquidationRate: figure(0.1)}},
			oversight.DefaultWeights, "B", "only liquidation scored (0.0)", "仅回款率参与评分（0.0）"},
		{"none stands out", map[string]oversight.Figures{"solo": {LiquidationRate: figure(0.2), ComplaintRatePer1000: figure(1)}},
			oversight.DefaultWeights, "solo", "no component stands out (all 50.0)", "各项得分相同（均为 50.0）"},
		{"two figures from the peers", map[string]oversight.Figures{
			"A": {PTPKeptRate: figure(0.1), CostToCollect: figure(0.2)}, "B": {PTPKeptRate: figure(0.3), CostToCollect: figure(0.6)}, "C": {}},
			oversight.Weights{PTPKept: 1, CostToCollect: 1}, "C",
			"strongest ptp_kept (50.0), weakest cost_to_collect (50.0); no data for ptp_kept, cost_to_collect, peer median used",
			"最强项承诺兑现率（50.0），最弱项催收成本率（50.0）；承诺兑现率、催收成本率无数据，按同业中位数计"},
		{"no figures", map[string]oversight.Figures{"A": {}}, oversight.DefaultWeights, "A", "no figures to score", "没有可评分的指标"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range oversight.Score(tt.figs, tt.w) {
				if r.Agency != tt.agency {
					continue
				}
				if r.Reason != tt.en || views.English().Message(r.Why.Key, r.Why.Args) != tt.en {
					t.Errorf("English %q, want %q", r.Reason, tt.en)
				}
				if got := zh.Message(r.Why.Key, r.Why.Args); got != tt.zh {
					t.Errorf("Chinese %q, want %q", got, tt.zh)
				}
				return
			}
			t.Fatalf("no row for %s", tt.agency)
		})
	}
}

// Bad weights are refused with every problem named, in English as before
// and in Chinese, each field's own message in both.
func TestWeightsValidateTexts(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	zh := cat.Localizer("zh", "")
	err = oversight.Weights{Liquidation: -1, RPC: math.NaN()}.Validate()
	if got, want := collect.ErrorMessage(err), "scorecard weights: liquidation: must not be negative, got -1; rpc: must be a finite number"; got != want {
		t.Errorf("English %q, want %q", got, want)
	}
	if got, want := zh.ErrorText(err), "评分卡权重：回款率：不能为负数，当前为 -1；有效联络率：须为有限数值"; got != want {
		t.Errorf("Chinese %q, want %q", got, want)
	}
	var e *collect.Error
	if !errors.As(err, &e) || len(e.Fields) != 2 || zh.FieldText(e.Fields[1]) != "须为有限数值" || views.English().FieldText(e.Fields[0]) != "must not be negative, got -1" {
		t.Errorf("fields %+v", e)
	}
	if got, want := zh.ErrorText(oversight.Weights{}.Validate()), "评分卡权重：权重：至少一项权重须大于零"; got != want {
		t.Errorf("Chinese %q, want %q", got, want)
	}
}
