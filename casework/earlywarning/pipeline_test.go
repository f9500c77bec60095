package earlywarning_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"collect/casework/earlywarning"
)

// demoLike makes n accounts shaped like the demo portfolios and simulates
// their history.
func demoLike(n int, seed uint64, now time.Time) []*earlywarning.History {
	rng := rand.New(rand.NewPCG(seed, 7))
	provs := []string{"广东省", "江苏省", "山东省", "浙江省", "河南省", "四川省", "湖北省", "北京市"}
	hs := make([]*earlywarning.History, n)
	for i := range hs {
		principal := int64(3000+rng.ExpFloat64()*25000) * 100
		created := now.AddDate(0, 0, -90)
		if i%5 >= 3 {
			created = now.AddDate(0, 0, -60)
		}
		h := &earlywarning.History{
			CreatedAt: created, DueDate: now.AddDate(0, 0, -1-int(rng.ExpFloat64()*110)),
			PrincipalCents: principal, BalanceCents: principal * int64(40+rng.IntN(75)) / 100,
			Province: provs[rng.IntN(len(provs))],
		}
		if r := rng.Float64(); r < 0.7 {
			if r < 0.06 {
				h.Placements = append(h.Placements, earlywarning.Placement{Start: now.AddDate(0, 0, -150), End: now.AddDate(0, 0, -60), Recalled: true})
			}
			h.Placements = append(h.Placements, earlywarning.Placement{Start: now.AddDate(0, 0, -5-rng.IntN(80))})
		}
		earlywarning.Simulate(rng, h, now)
		hs[i] = h
	}
	return hs
}

func TestDemoLikeHistoryIsLearnable(t *testing.T) {
	now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	hs := demoLike(3000, 20261127, now)
	train, test, w := earlywarning.PropensitySplit(hs, now)
	pos := 0
	for _, y := range train.Y {
		if y {
			pos++
		}
	}
	t.Logf("window %+v train %d (%.1f%% pay) test %d", w, train.Len(), 100*float64(pos)/float64(train.Len()), test.Len())
	fit := earlywarning.Fit(earlywarning.KindPropensity, train, test)
	t.Logf("propensity: %s auc %.3f baseline %.3f pos %d neg %d", fit.Verdict, fit.Evaluation.AUC, fit.Evaluation.BaselineAUC, fit.Evaluation.Positives, fit.Evaluation.Negatives)
	if fit.Evaluation.AUC < 0.70 {
		t.Errorf("AUC %.3f on the later period, want ≥ 0.70", fit.Evaluation.AUC)
	}
	btr, bte, bw := earlywarning.BreakSplit(hs)
	bf := earlywarning.Fit(earlywarning.KindArrangementBreak, btr, bte)
	t.Logf("break: window %+v train %d test %d %s auc %.3f baseline %.3f", bw, btr.Len(), bte.Len(), bf.Verdict, bf.Evaluation.AUC, bf.Evaluation.BaselineAUC)
}

// Grouped reasons add up: the groups' contributions plus the intercept are
// the logit, each name is a group, and the largest comes first.
func TestGroupedReasonsSumToTheLogit(t *testing.T) {
	now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	hs := demoLike(1500, 3, now)
	train, test, _ := earlywarning.PropensitySplit(hs, now)
	fit := earlywarning.Fit(earlywarning.KindPropensity, train, test)
	if fit.Model.Coef == nil {
		t.Fatalf("no model: %s", fit.Why)
	}
	groups := map[string]bool{}
	for _, g := range earlywarning.ReasonGroups() {
		groups[g] = true
	}
	for i, x := range test.X[:200] {
		p, all := fit.Model.GroupedReasons(x, 100)
		if len(all) != len(groups) {
			t.Fatalf("%d groups, want %d", len(all), len(groups))
		}
		sum := fit.Model.Intercept
		for k, r := range all {
			if !groups[r.Name] {
				t.Fatalf("reason %q is not a group", r.Name)
			}
			if k > 0 && abs(r.Contribution) > abs(all[k-1].Contribution) {
				t.Fatalf("row %d: reasons not by size: %+v", i, all)
			}
			sum += r.Contribution
		}
		if got := 1 / (1 + math.Exp(-sum)); math.Abs(got-p) > 1e-9 {
			t.Fatalf("row %d: groups give %.6f, score %.6f", i, got, p)
		}
		if _, top := fit.Model.GroupedReasons(x, 3); len(top) != 3 || top[0] != all[0] {
			t.Fatalf("top 3 %+v vs all %+v", top, all[:3])
		}
	}
}

func abs(x float64) float64 { return math.Abs(x) }
