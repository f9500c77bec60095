package earlywarning

import (
	"cmp"
	"math"
	"slices"
)

// Decile is one tenth of the examples by score (Decile 1 = lowest scores):
// how many, their mean predicted probability and the observed rate of
// positives.
type Decile struct {
	Decile        int     `json:"decile"`
	Count         int     `json:"count"`
	MeanPredicted float64 `json:"mean_predicted"`
	ObservedRate  float64 `json:"observed_rate"`
}

// Evaluation of a model on a later period than it was trained on
// (time-based split).
type Evaluation struct {
	AUC         float64  `json:"auc"`
	BaselineAUC float64  `json:"baseline_auc"` // of the baseline score on the same examples
	Deciles     []Decile `json:"deciles"`
	Positives   int      `json:"positives"`
	Negatives   int      `json:"negatives"`
	Better      bool     `json:"better"` // AUC > BaselineAUC
}

// AUC is the area under the ROC curve of scores for outcomes y: the chance
// that a random positive scores above a random negative, ties counted half
// (the Mann-Whitney U statistic over positives × negatives), computed from
// mid-ranks in O(n log n). It is NaN without both classes or when the
// lengths differ. A NaN score ranks below every number (and ties with other
// NaNs).
func AUC(scores []float64, y []bool) float64 {
	if len(scores) != len(y) {
		return math.NaN()
	}
	n := len(scores)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	var pos, neg int
	var rankSum float64 // sum of the positives' mid-ranks (1-based)
	for i := 0; i < n; {
		j := i + 1
		for j < n && cmp.Compare(scores[idx[j]], scores[idx[i]]) == 0 {
			j++
		}
		mid := float64(i+1+j) / 2 // mean of ranks i+1 … j
		for _, k := range idx[i:j] {
			if y[k] {
				pos++
				rankSum += mid
			} else {
				neg++
			}
		}
		i = j
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	u := rankSum - float64(pos)*float64(pos+1)/2
	return u / (float64(pos) * float64(neg))
}

// Calibration groups the examples into ten groups of (nearly) equal size by
// ascending score, ties kept in input order, and returns each group's mean
// score and observed rate. With fewer than ten examples there are as many
// groups as examples; with none, or lengths that differ, nil.
func Calibration(scores []float64, y []bool) []Decile {
	n := len(scores)
	if n == 0 || n != len(y) {
		return nil
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[a], scores[b]) })
	groups := min(10, n)
	out := make([]Decile, 0, groups)
	for g := 0; g < groups; g++ {
		lo, hi := g*n/groups, (g+1)*n/groups
		dc := Decile{Decile: g + 1, Count: hi - lo}
		var sum float64
		var hits int
		for _, k := range idx[lo:hi] {
			sum += scores[k]
			if y[k] {
				hits++
			}
		}
		dc.MeanPredicted = sum / float64(dc.Count)
		dc.ObservedRate = float64(hits) / float64(dc.Count)
		out = append(out, dc)
	}
	return out
}

// Evaluate scores rows X with m and compares the result with outcomes y
// and with baseline, another score of the same rows (higher = more likely
// positive; e.g. casework.Priority). A baseline of another length gives a
// NaN BaselineAUC, and Better is then false.
func Evaluate(m Model, X [][]float64, y []bool, baseline []float64) Evaluation {
	scores := make([]float64, len(X))
	for i, x := range X {
		scores[i], _ = m.Score(x, 0)
	}
	ev := Evaluation{
		AUC:         AUC(scores, y),
		BaselineAUC: AUC(baseline, y),
		Deciles:     Calibration(scores, y),
	}
	if len(X) == len(y) {
		for _, v := range y {
			if v {
				ev.Positives++
			} else {
				ev.Negatives++
			}
		}
	}
	ev.Better = ev.AUC > ev.BaselineAUC // false when either is NaN
	return ev
}
