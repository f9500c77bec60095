package oversight_test

import (
	"collect"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"collect/oversight"
)

func figure(v float64) *float64 { return &v }

type wantRow struct {
	agency     string
	score      float64
	rank       int
	components map[string]float64
	reason     string // a part of the reason
}

func checkScore(t *testing.T, got []oversight.ScoreRow, want []wantRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Score returned %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Agency != w.agency || g.Score != w.score || g.Rank != w.rank {
			t.Errorf("row %d = %s score %v rank %d, want %s score %v rank %d", i, g.Agency, g.Score, g.Rank, w.agency, w.score, w.rank)
		}
		if w.components != nil {
			if len(g.Components) != len(w.components) {
				t.Errorf("%s components = %v, want %v", g.Agency, g.Components, w.components)
			}
			for name, wc := range w.components {
				if gc, ok := g.Components[name]; !ok || math.Abs(gc-wc) > 1e-9 {
					t.Errorf("%s component %s = %v (present %v), want %v", g.Agency, name, gc, ok, wc)
				}
			}
		}
		if !strings.Contains(g.Reason, w.reason) {
			t.Errorf("%s reason = %q, want it to contain %q", g.Agency, g.Reason, w.reason)
		}
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name string
		figs map[string]oversight.Figures
		w    oversight.Weights
		want []wantRow
	}{
		{
			// Two agencies, every figure, the default weights.
			// A: liquidation, PTP kept, complaints and breaches best (100);
			//    RPC and cost to collect worst (0, cost inverted: 0.25 > 0.20).
			//    0.40×100 + 0.10×0 + 0.15×100 + 0.15×100 + 0.15×100 + 0.05×0 = 85.0
			// B: the reverse: 0.10×100 + 0.05×100 = 15.0
			name: "DefaultWeightsInverted",
			figs: map[string]oversight.Figures{
				"A": {LiquidationRate: figure(0.20), RPCRate: figure(0.30), PTPKeptRate: figure(0.60), ComplaintRatePer1000: figure(1.0), BreachRate: figure(0.001), CostToCollect: figure(0.25)},
				"B": {LiquidationRate: figure(0.10), RPCRate: figure(0.40), PTPKeptRate: figure(0.50), ComplaintRatePer1000: figure(3.0), BreachRate: figure(0.003), CostToCollect: figure(0.20)},
			},
			w: oversight.DefaultWeights,
			want: []wantRow{
				{"A", 85.0, 1, map[string]float64{"liquidation": 100, "rpc": 0, "ptp_kept": 100, "complaints": 100, "breaches": 100, "cost_to_collect": 0},
					"strongest liquidation (100.0), weakest rpc (0.0)"},
				{"B", 15.0, 2, map[string]float64{"liquidation": 0, "rpc": 100, "ptp_kept": 0, "complaints": 0, "breaches": 0, "cost_to_collect": 100},
					"strongest rpc (100.0), weakest liquidation (0.0)"},
			},
		},
		{
			// Liquidation A 0.30 → 100, B 0.20 → 50, C 0.10 → 0.
			// Complaints (inverted) A 4 → 0, B 2 → (4−2)÷(4−1)×100 = 66.67, C 1 → 100.
			// Equal weights: A (100+0)/2 = 50.0, B (50+66.67)/2 = 58.33 → 58.3,
			// C (0+100)/2 = 50.0: A and C tie at rank 2, A first by id.
			name: "NormalisedRoundedAndTied",
			figs: map[string]oversight.Figures{
				"C": {LiquidationRate: figure(0.10), ComplaintRatePer1000: figure(1)},
				"A": {LiquidationRate: figure(0.30), ComplaintRatePer1000: figure(4)},
				"B": {LiquidationRate: figure(0.20), ComplaintRatePer1000: figure(2)},
			},
			w: oversight.Weights{Liquidation: 1, Complaints: 1},
			want: []wantRow{
				{"B", 58.3, 1, map[string]float64{"liquidation": 50, "complaints": 200.0 / 3}, "strongest complaints (66.7), weakest liquidation (50.0)"},
				{"A", 50.0, 2, map[string]float64{"liquidation": 100, "complaints": 0}, "strongest liquidation"},
				{"C", 50.0, 2, map[string]float64{"liquidation": 0, "complaints": 100}, "weakest liquidation"},
			},
		},
		{
			// D has no liquidation rate: it gets the median of 0.1, 0.2, 0.6
			// = 0.2 → (0.2−0.1)÷(0.6−0.1)×100 = 20. Its Figures stay as given.
			name: "MissingFigureGetsPeerMedian",
			figs: map[string]oversight.Figures{
				"A": {LiquidationRate: figure(0.1)}, "B": {LiquidationRate: figure(0.2)}, "C": {LiquidationRate: figure(0.6)}, "D": {},
			},
			w: oversight.Weights{Liquidation: 1},
			want: []wantRow{
				{"C", 100, 1, map[string]float64{"liquidation": 100}, "only liquidation scored"},
				{"B", 20, 2, map[string]float64{"liquidation": 20}, ""},
				{"D", 20, 2, map[string]float64{"liquidation": 20}, "no data for liquidation, peer median used"},
				{"A", 0, 4, map[string]float64{"liquidation": 0}, ""},
			},
		},
		{
			// An even number of peers: the median of 0.1, 0.2, 0.3, 0.6 is
			// (0.2+0.3)/2 = 0.25 → (0.25−0.1)÷0.5×100 = 30.
			name: "EvenMedian",
			figs: map[string]oversight.Figures{
				"A": {LiquidationRate: figure(0.1)}, "B": {LiquidationRate: figure(0.2)}, "C": {LiquidationRate: figure(0.3)}, "D": {LiquidationRate: figure(0.6)}, "E": {},
			},
			w: oversight.Weights{Liquidation: 1},
			want: []wantRow{
				{"D", 100, 1, nil, ""}, {"C", 40, 2, nil, ""}, {"E", 30, 3, nil, "peer median"}, {"B", 20, 4, nil, ""}, {"A", 0, 5, nil, ""},
			},
		},
		{
			// Only liquidation is known, so the default weights are
			// re-normalised over it alone: A 100, B 0.
			name: "FigureNoAgencyHasDropsOut",
			figs: map[string]oversight.Figures{"A": {LiquidationRate: figure(0.3)}, "B": {LiquidationRate: figure(0.1)}},
			w:    oversight.DefaultWeights,
			want: []wantRow{
				{"A", 100, 1, map[string]float64{"liquidation": 100}, "only liquidation"},
				{"B", 0, 2, map[string]float64{"liquidation": 0}, "only liquidation"},
			},
		},
		{
			// A zero weight leaves its figure out of the components.
			name: "ZeroWeightLeftOut",
			figs: map[string]oversight.Figures{"A": {LiquidationRate: figure(0.3), RPCRate: figure(0.1)}, "B": {LiquidationRate: figure(0.1), RPCRate: figure(0.9)}},
			w:    oversight.Weights{Liquidation: 1},
			want: []wantRow{
				{"A", 100, 1, map[string]float64{"liquidation": 100}, ""},
				{"B", 0, 2, map[string]float64{"liquidation": 0}, ""},
			},
		},
		{
			name: "SingleAgency",
			figs: map[string]oversight.Figures{
				"solo": {LiquidationRate: figure(0.2), RPCRate: figure(0.3), PTPKeptRate: figure(0.6), ComplaintRatePer1000: figure(1), BreachRate: figure(0.01), CostToCollect: figure(0.2)},
			},
			w: oversight.DefaultWeights,
			want: []wantRow{{"solo", 50, 1,
				map[string]float64{"liquidation": 50, "rpc": 50, "ptp_kept": 50, "complaints": 50, "breaches": 50, "cost_to_collect": 50},
				"no component stands out (all 50.0)"}},
		},
		{
			// All agencies equal on the only figure: no one is better, 50 each.
			name: "AllEqual",
			figs: map[string]oversight.Figures{"A": {BreachRate: figure(0.01)}, "B": {BreachRate: figure(0.01)}},
			w:    oversight.DefaultWeights,
			want: []wantRow{{"A", 50, 1, nil, ""}, {"B", 50, 1, nil, ""}},
		},
		{
			name: "NoFigures",
			figs: map[string]oversight.Figures{"A": {}, "B": {}},
			w:    oversight.DefaultWeights,
			want: []wantRow{{"A", 50, 1, map[string]float64{}, "no figures to score"}, {"B", 50, 1, map[string]float64{}, "no figures to score"}},
		},
		{
			// A NaN that slipped in is no data, not a value.
			name: "NaNIsNoData",
			figs: map[string]oversight.Figures{"A": {LiquidationRate: figure(0.3)}, "B": {LiquidationRate: figure(0.1)}, "C": {LiquidationRate: figure(math.NaN())}},
			w:    oversight.Weights{Liquidation: 1},
			want: []wantRow{{"A", 100, 1, nil, ""}, {"C", 50, 2, nil, "peer median"}, {"B", 0, 3, nil, ""}},
		},
		{
			name: "NoAgencies",
			figs: nil,
			w:    oversight.DefaultWeights,
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkScore(t, oversight.Score(tt.figs, tt.w), tt.want)
		})
	}
}

func TestWeightsValidate(t *testing.T) {
	tests := []struct {
		name  string
		w     oversight.Weights
		field string // "" = valid
		en    string // the English message
	}{
		{"Default", oversight.DefaultWeights, "", ""},
		{"OneWeight", oversight.Weights{Breaches: 2}, "", ""},
		{"Negative", oversight.Weights{Liquidation: 1, RPC: -0.1}, "rpc", "scorecard weights: rpc: must not be negative, got -0.1"},
		{"NaN", oversight.Weights{Liquidation: 1, Complaints: math.NaN()}, "complaints", "scorecard weights: complaints: must be a finite number"},
		{"Infinite", oversight.Weights{Liquidation: 1, CostToCollect: math.Inf(1)}, "cost_to_collect", "scorecard weights: cost_to_collect: must be a finite number"},
		{"NegativePTPKept", oversight.Weights{Liquidation: 1, PTPKept: -1}, "ptp_kept", "scorecard weights: ptp_kept: must not be negative, got -1"},
		{"AllZero", oversight.Weights{}, "weights", "scorecard weights: weights: at least one weight must be above zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *collect.Error
			if !errors.As(err, &e) || e.Code != collect.EINVALID {
				t.Fatalf("Validate() = %v, want an *allocation.Error with code invalid", err)
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != tt.field || e.Text() != tt.en {
				t.Errorf("Validate() fields %+v, message %q; want the field %q, message %q", e.Fields, e.Text(), tt.field, tt.en)
			}
		})
	}
}

func TestWeightsJSON(t *testing.T) {
	b, err := json.Marshal(oversight.DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"liquidation":0.4,"rpc":0.1,"ptp_kept":0.15,"complaints":0.15,"breaches":0.15,"cost_to_collect":0.05,"quality":0.1}`
	if string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
}
