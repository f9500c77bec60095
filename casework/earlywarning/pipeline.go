package earlywarning

import (
	"cmp"
	"collect"
	"errors"
	"slices"
	"time"

	"collect/casework"
)

// Examples are model inputs with their outcomes and the baseline's score
// of each (for the comparison with the work queue's priority).
type Examples struct {
	X        [][]float64
	Y        []bool
	Baseline []float64
}

func (e *Examples) add(f Features, y bool, baseline float64) {
	e.X = append(e.X, Vector(f))
	e.Y = append(e.Y, y)
	e.Baseline = append(e.Baseline, baseline)
}

// Len is the number of examples.
func (e *Examples) Len() int { return len(e.Y) }

// Window is a model's time-based split: trained on examples whose outcomes
// were known in [TrainFrom, TrainTo], tested on [TestFrom, TestTo].
type Window struct {
	TrainFrom time.Time `json:"train_from"`
	TrainTo   time.Time `json:"train_to"`
	TestFrom  time.Time `json:"test_from"`
	TestTo    time.Time `json:"test_to"`
}

// priorityValue is the baseline: casework.Priority's value for the account
// at t without a score (DPD curve × balance; no tiers).
func priorityValue(f Features, t time.Time) float64 {
	p, _ := casework.Priority(casework.QueueItem{DPD: f.DPD, BalanceCents: f.BalanceCents}, t)
	return p
}

// PropensitySplit builds the propensity model's examples from histories:
// at each of Cutoffs(earliest import, now), every eligible account that is
// overdue (DPD ≥ 1) with its features then and whether it paid within
// Horizon. The train cutoffs make the training set, the test cutoff the
// test set; no training outcome is observed after the test cutoff.
func PropensitySplit(hs []*History, now time.Time) (train, test Examples, w Window) {
	earliest := now
	for _, h := range hs {
		if h.CreatedAt.Before(earliest) {
			earliest = h.CreatedAt
		}
	}
	cuts, testCut := Cutoffs(earliest, now)
	w.TestFrom, w.TestTo = testCut, testCut.Add(Horizon)
	if len(cuts) > 0 {
		w.TrainFrom, w.TrainTo = cuts[len(cuts)-1], cuts[0].Add(Horizon)
	}
	example := func(e *Examples, h *History, t time.Time) {
		if !h.Eligible(t) {
			return
		}
		f := FeaturesAt(h, t)
		if f.DPD < 1 {
			return
		}
		e.add(f, h.PaysWithin(t, Horizon), priorityValue(f, t))
	}
	for _, h := range hs {
		for _, t := range cuts {
			example(&train, h, t)
		}
		example(&test, h, testCut)
	}
	return train, test, w
}

// BreakSplit builds the arrangement-break model's examples: every settled
// arrangement (BreakExamples), split in time at the 70th percentile of the
// dates they were made. Training takes those settled by then, the test
// those made after. The baseline is the negated priority value (the queue
// puts accounts it expects to pay first, so it expects breaks last).
func BreakSplit(hs []*History) (train, test Examples, w Window) {
	var all []BreakExample
	for _, h := range hs {
		all = append(all, BreakExamples(h)...)
	}
	if len(all) == 0 {
		return train, test, w
	}
	slices.SortFunc(all, func(a, b BreakExample) int { return a.CreatedAt.Compare(b.CreatedAt) })
	split := all[len(all)*7/10].CreatedAt
	w.TrainFrom, w.TrainTo, w.TestFrom = all[0].CreatedAt, split, split
	for _, ex := range all {
		base := -priorityValue(ex.Features, ex.CreatedAt)
		switch {
		case !ex.Resolved.After(split):
			train.add(ex.Features, ex.Broke, base)
		case ex.CreatedAt.After(split):
			test.add(ex.Features, ex.Broke, base)
			w.TestTo = maxTime(w.TestTo, ex.Resolved)
		}
	}
	return train, test, w
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Verdicts on a trained model.
const (
	VerdictInUse        = "in_use"       // better than the priority function on the later period
	VerdictNotBetter    = "not_better"   // not better: the queue keeps the priority function
	VerdictInsufficient = "insufficient" // too little history to train or to test honestly
	VerdictNoSignal     = "no_signal"    // better than the baseline but hardly better than chance
)

// MinUsefulAUC is the AUC a model needs on the later period to be used at
// all: below it, ranking by the model is close to ranking at random.
const MinUsefulAUC = 0.6

// MinTestClass is the fewest positives and negatives the test period needs
// for its AUC to mean something.
const MinTestClass = 20

// Lambda is the L2 penalty the models are trained with.
const Lambda = 1e-3

// Fitted is the outcome of Fit.
type Fitted struct {
	Model      Model
	Evaluation Evaluation
	Verdict    string
	Why        string         // the verdict in a sentence, in English (WhyKey rendered, or the training error)
	WhyKey     string         // Why as a catalogue key, "" when training failed for an internal reason
	WhyArgs    map[string]any // its arguments
}

// because sets the verdict and its sentence.
func (f *Fitted) because(verdict, key string) {
	f.Verdict, f.WhyKey, f.Why = verdict, key, collect.Say(key).String()
}

// Fit trains a model of kind on train and evaluates it on test against the
// baseline. The model is used only when the test period has at least
// MinTestClass examples of each outcome, its AUC beats the baseline's and
// is at least MinUsefulAUC.
func Fit(kind string, train, test Examples) Fitted {
	var out Fitted
	m, err := Train(kind, train.X, train.Y, Lambda)
	if err != nil {
		out.Verdict, out.Why = VerdictInsufficient, err.Error()
		var e *collect.Error
		if errors.As(err, &e) && e.Key != "" {
			out.WhyKey, out.WhyArgs, out.Why = e.Key, e.Args, e.Text()
		}
		return out
	}
	out.Model = m
	out.Evaluation = Evaluate(m, test.X, test.Y, test.Baseline)
	ev := out.Evaluation
	switch {
	case ev.Positives < MinTestClass || ev.Negatives < MinTestClass:
		out.because(VerdictInsufficient, "err.model.why.too_few_outcomes")
	case !ev.Better:
		out.because(VerdictNotBetter, "err.model.why.not_better")
	case ev.AUC < MinUsefulAUC:
		out.because(VerdictNoSignal, "err.model.why.no_signal")
	default:
		out.because(VerdictInUse, "err.model.why.in_use")
	}
	return out
}

// TopCoefficients are a model's inputs by the size of their (standardised)
// coefficient, largest first, at most n.
func TopCoefficients(m Model, n int) []Reason {
	out := make([]Reason, len(m.Coef))
	for j, c := range m.Coef {
		out[j] = Reason{Name: m.name(j), Contribution: c}
	}
	slices.SortStableFunc(out, func(a, b Reason) int { return cmp.Compare(abs(b.Contribution), abs(a.Contribution)) })
	return out[:min(n, len(out))]
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
