package oversight

import (
	"cmp"
	"collect"
	"fmt"
	"math"
	"slices"
)

// Weights say how much each figure counts in an agency's score. Only their
// proportions matter.
type Weights struct {
	Liquidation   float64 `json:"liquidation"`
	RPC           float64 `json:"rpc"`
	PTPKept       float64 `json:"ptp_kept"`
	Complaints    float64 `json:"complaints"`
	Breaches      float64 `json:"breaches"`
	CostToCollect float64 `json:"cost_to_collect"`
	// Quality weighs the mean score of the lender's quality reviews
	// (issue 16); it drops out while no agency has been reviewed.
	Quality float64 `json:"quality"`
}

// DefaultWeights put recoveries first but give conduct (complaints and
// breaches) as much weight as all the rest: collectors are not judged on
// amount recovered alone (NIFA 2018).
var DefaultWeights = Weights{Liquidation: 0.40, RPC: 0.10, PTPKept: 0.15, Complaints: 0.15, Breaches: 0.15, CostToCollect: 0.05, Quality: 0.10}

// Component names, as in Weights' JSON and ScoreRow.Components.
const (
	ComponentLiquidation   = "liquidation"
	ComponentRPC           = "rpc"
	ComponentPTPKept       = "ptp_kept"
	ComponentComplaints    = "complaints"
	ComponentBreaches      = "breaches"
	ComponentCostToCollect = "cost_to_collect"
	ComponentQuality       = "quality"
)

// scoreComponent ties a weight to the figure it weighs.
type scoreComponent struct {
	name     string
	weight   float64
	figure   func(Figures) *float64
	inverted bool // lower is better
}

func (w Weights) components() []scoreComponent {
	return []scoreComponent{
		{ComponentLiquidation, w.Liquidation, func(f Figures) *float64 { return f.LiquidationRate }, false},
		{ComponentRPC, w.RPC, func(f Figures) *float64 { return f.RPCRate }, false},
		{ComponentPTPKept, w.PTPKept, func(f Figures) *float64 { return f.PTPKeptRate }, false},
		{ComponentComplaints, w.Complaints, func(f Figures) *float64 { return f.ComplaintRatePer1000 }, true},
		{ComponentBreaches, w.Breaches, func(f Figures) *float64 { return f.BreachRate }, true},
		{ComponentCostToCollect, w.CostToCollect, func(f Figures) *float64 { return f.CostToCollect }, true},
		{ComponentQuality, w.Quality, func(f Figures) *float64 { return f.QualityScore }, false},
	}
}

// Validate reports weights that cannot make a score: negative, NaN or
// infinite ones, or all of them zero.
func (w Weights) Validate() error {
	var fields []collect.FieldError
	var words []collect.Phrase // each field's name in the message
	total := 0.0
	for _, c := range w.components() {
		switch {
		case math.IsNaN(c.weight) || math.IsInf(c.weight, 0):
			fields = append(fields, collect.Field(c.name, "err.scorecard.weight_not_finite"))
			words = append(words, componentWord(c.name))
		case c.weight < 0:
			fields = append(fields, collect.Field(c.name, "err.scorecard.weight_negative", "weight", fmt.Sprintf("%g", c.weight)))
			words = append(words, componentWord(c.name))
		default:
			total += c.weight
		}
	}
	if len(fields) == 0 && total == 0 {
		fields = append(fields, collect.Field("weights", "err.scorecard.weights_zero"))
		words = append(words, collect.Say("err.scorecard.field.weights"))
	}
	if len(fields) == 0 {
		return nil
	}
	// "liquidation: must be a finite number; rpc: must not be negative, got -1"
	var list collect.Phrase
	for i := len(fields) - 1; i >= 0; i-- {
		one := collect.Say("err.scorecard.weight_field", "field", words[i], "problem", collect.Phrase{Key: fields[i].Key, Args: fields[i].Args})
		if i == len(fields)-1 {
			list = one
		} else {
			list = collect.Say("err.scorecard.weights_and", "first", one, "rest", list)
		}
	}
	return collect.E(collect.EINVALID, "err.scorecard.weights_invalid", "problems", list).WithFields(fields...)
}

// ScoreRow is one agency's place on the scorecard. Components holds the
// 0..100 score of each weighted figure the peers have (100 = best of them).
type ScoreRow struct {
	Agency     string             `json:"agency"`
	Figures    Figures            `json:"figures"`
	Components map[string]float64 `json:"components"`
	Score      float64            `json:"score"`
	Rank       int                `json:"rank"`
	Reason     string             `json:"reason"` // in English (the API's words): Why rendered
	// Why is the reason as a catalogue key with its arguments, for a page
	// in the reader's language.
	Why collect.Phrase `json:"-"`
}

// Score ranks agencies against their peers. Each figure is normalised across
// the agencies, min-max to 0..100 with higher better (complaint rate, breach
// rate and cost to collect are inverted); an agency missing a figure gets the
// peers' median for it; where the agencies do not differ (a single agency, or
// all equal) the component is 50. A figure no agency has drops out, and the
// composite is the weighted mean of the components left (weights
// re-normalised over them), rounded to 0.1; with none left it is 50. Ranks
// run 1..n by score, ties sharing a rank (1, 1, 3), rows in rank order then
// by agency id. Reason names the strongest and weakest component.
//
// Score expects weights that pass Validate; a weight that does not counts as
// zero.
func Score(figs map[string]Figures, w Weights) []ScoreRow {
	agencies := make([]string, 0, len(figs))
	for a := range figs {
		agencies = append(agencies, a)
	}
	slices.Sort(agencies)
	rows := make([]ScoreRow, len(agencies))
	for i, a := range agencies {
		rows[i] = ScoreRow{Agency: a, Figures: figs[a], Components: map[string]float64{}}
	}
	imputed := make([][]string, len(rows))

	var used []scoreComponent
	for _, c := range w.components() {
		if !(c.weight > 0) || math.IsInf(c.weight, 0) {
			continue
		}
		values := make([]*float64, len(rows))
		var present []float64
		for i, r := range rows {
			if v := c.figure(r.Figures); v != nil && !math.IsNaN(*v) && !math.IsInf(*v, 0) {
				values[i] = v
				present = append(present, *v)
			}
		}
		if len(present) == 0 {
			continue
		}
		used = append(used, c)
		median := scoreMedian(present)
		lo, hi := slices.Min(present), slices.Max(present)
		for i := range rows {
			v := median
			if values[i] != nil {
				v = *values[i]
			} else {
				imputed[i] = append(imputed[i], c.name)
			}
			score := 50.0
			if hi > lo {
				score = (v - lo) / (hi - lo) * 100
				if c.inverted {
					score = 100 - score
				}
			}
			rows[i].Components[c.name] = score
		}
	}

	for i := range rows {
		r := &rows[i]
		sum, weight := 0.0, 0.0
		for _, c := range used {
			sum += r.Components[c.name] * c.weight
			weight += c.weight
		}
		r.Score = 50
		if weight > 0 {
			r.Score = math.Round(sum/weight*10) / 10
		}
		r.Why = scoreReason(r.Components, used, imputed[i])
		r.Reason = r.Why.String()
	}

	slices.SortStableFunc(rows, func(a, b ScoreRow) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Agency, b.Agency))
	})
	for i := range rows {
		rows[i].Rank = i + 1
		if i > 0 && rows[i].Score == rows[i-1].Score {
			rows[i].Rank = rows[i-1].Rank
		}
	}
	return rows
}

// scoreMedian is the median of xs (the mean of the middle two when even).
func scoreMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// scoreReason names the strongest and weakest component (the first in
// Weights' order when several tie) and the figures filled with the peers'
// median.
func scoreReason(components map[string]float64, used []scoreComponent, imputed []string) collect.Phrase {
	if len(used) == 0 {
		return collect.Say("err.scorecard.reason.no_figures")
	}
	best, worst := used[0].name, used[0].name
	for _, c := range used[1:] {
		if components[c.name] > components[best] {
			best = c.name
		}
		if components[c.name] < components[worst] {
			worst = c.name
		}
	}
	one := func(x float64) string { return fmt.Sprintf("%.1f", x) }
	var reason collect.Phrase
	switch {
	case len(used) == 1:
		reason = collect.Say("err.scorecard.reason.only", "component", componentWord(best), "score", one(components[best]))
	case components[best] == components[worst]:
		reason = collect.Say("err.scorecard.reason.even", "score", one(components[best]))
	default:
		reason = collect.Say("err.scorecard.reason.spread", "best", componentWord(best), "best_score", one(components[best]),
			"worst", componentWord(worst), "worst_score", one(components[worst]))
	}
	if len(imputed) > 0 {
		list := componentWord(imputed[len(imputed)-1])
		for i := len(imputed) - 2; i >= 0; i-- {
			list = collect.Say("err.scorecard.and", "first", componentWord(imputed[i]), "rest", list)
		}
		reason = collect.Say("err.scorecard.reason.imputed", "reason", reason, "components", list)
	}
	return reason
}

// componentWord names a component in a reason ("liquidation" in English,
// as in Weights' JSON).
func componentWord(name string) collect.Phrase {
	switch name {
	case ComponentLiquidation:
		return collect.Say("err.scorecard.component.liquidation")
	case ComponentRPC:
		return collect.Say("err.scorecard.component.rpc")
	case ComponentPTPKept:
		return collect.Say("err.scorecard.component.ptp_kept")
	case ComponentComplaints:
		return collect.Say("err.scorecard.component.complaints")
	case ComponentBreaches:
		return collect.Say("err.scorecard.component.breaches")
	case ComponentQuality:
		return collect.Say("err.scorecard.component.quality")
	default:
		return collect.Say("err.scorecard.component.cost_to_collect")
	}
}
