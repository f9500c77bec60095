package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"collect/casework/earlywarning"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// modelOf finds the latest model of kind among ms.
func modelOf(t *testing.T, ms []store.ModelInfo, kind string) store.ModelInfo {
	t.Helper()
	for _, m := range ms {
		if m.Kind == kind {
			return m
		}
	}
	t.Fatalf("no %s model among %d", kind, len(ms))
	return store.ModelInfo{}
}

// The demo history carries signal: the propensity model trained on the
// earlier period reaches an AUC of at least 0.70 on the later one, beats
// the priority function, is used, and every open account gets a score with
// reasons that the work queue reads.
func TestDemoModelsLearnAndScore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := demoSeeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		latest, _, err := s.Models(ctx, vm)
		if err != nil {
			t.Fatal(err)
		}
		p := modelOf(t, latest, earlywarning.KindPropensity)
		t.Logf("propensity %s: auc %.3f baseline %.3f train %d test %d (%d paid) window %s..%s test %s..%s",
			p.Verdict, deref(p.AUC), deref(p.BaselineAUC), p.TrainExamples, p.TestExamples, p.Positives,
			p.TrainFrom.Format("2006-01-02"), p.TrainTo.Format("2006-01-02"), p.TestFrom.Format("2006-01-02"), p.TestTo.Format("2006-01-02"))
		if p.AUC == nil || *p.AUC < 0.70 {
			t.Fatalf("propensity AUC on the later period %v, want ≥ 0.70", p.AUC)
		}
		if p.BaselineAUC == nil || *p.AUC <= *p.BaselineAUC || p.Verdict != earlywarning.VerdictInUse || !p.InUse {
			t.Fatalf("propensity model: verdict %s in_use %v auc %v baseline %v", p.Verdict, p.InUse, deref(p.AUC), deref(p.BaselineAUC))
		}
		// The verdict's sentence: in English as before, its key for a page.
		if p.Why != "better than the priority function on the later period" || p.WhyKey != "err.model.why.in_use" {
			t.Errorf("propensity model: why %q (key %q)", p.Why, p.WhyKey)
		}
		if p.TrainTo.After(p.TestFrom) {
			t.Errorf("training outcomes end %s after the test period starts %s", p.TrainTo, p.TestFrom)
		}
		if len(p.Deciles) != 10 || p.Deciles[9].ObservedRate <= p.Deciles[0].ObservedRate {
			t.Errorf("calibration deciles %+v: the top decile should pay more often than the bottom", p.Deciles)
		}
		b := modelOf(t, latest, earlywarning.KindArrangementBreak)
		t.Logf("arrangement_break %s: auc %.3f baseline %.3f train %d test %d", b.Verdict, deref(b.AUC), deref(b.BaselineAUC), b.TrainExamples, b.TestExamples)
		if b.TrainExamples == 0 || b.TestExamples == 0 {
			t.Errorf("break model had no examples: %+v", b)
		}

		open := count(t, s, "SELECT COUNT(*) FROM accounts WHERE status = 'open'")
		scored := count(t, s, "SELECT COUNT(*) FROM account_scores WHERE kind = 'propensity'")
		if scored != open || int64(scored) != p.Scores {
			t.Errorf("%d propensity scores (model says %d) for %d open accounts", scored, p.Scores, open)
		}
		if b.InUse {
			live := count(t, s, "SELECT COUNT(DISTINCT account_id) FROM arrangements WHERE status = 'active' AND account_id IN (SELECT id FROM accounts WHERE status = 'open')")
			if got := count(t, s, "SELECT COUNT(*) FROM account_scores WHERE kind = 'arrangement_break'"); got != live || live == 0 {
				t.Errorf("%d break scores for %d accounts with a live arrangement", got, live)
			}
		}

		agent := actorFor(t, s, "agent@agency-a.test")
		rows, total, err := s.Queue(ctx, agent, store.QueueFilter{Page: store.Page{PerPage: 500}})
		if err != nil || total == 0 {
			t.Fatalf("queue: %d rows, %v", total, err)
		}
		for i, r := range rows {
			if r.Propensity == nil || len(r.Propensity.Reasons) == 0 || r.Propensity.Band == "" {
				t.Fatalf("queue row %d (%s) has no score with reasons: %+v", i, r.ExternalRef, r.Propensity)
			}
			if i > 0 && rows[i-1].Priority < r.Priority {
				t.Fatalf("queue not in priority order at %d", i)
			}
		}

		// An event rescoring the account: a payment changes what the
		// model sees (paid in the last 30 days), so its score moves.
		acc := rows[len(rows)-1]
		before := acc.Propensity.Score
		report(t, s, agent, acc.ID, store.PaymentInput{AmountCents: 1000, PaidAt: time.Now().Add(-time.Minute), Reference: "EW-1"})
		after, err := s.AccountScores(ctx, agent, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sc, ok := after[earlywarning.KindPropensity]; !ok || sc.Score == before || !sc.ScoredAt.After(acc.Propensity.ScoredAt) {
			t.Errorf("after a payment: score %+v (present %v), before %.4f at %s", sc, ok, before, acc.Propensity.ScoredAt)
		}

		// Paying a promise in full settles it: its break score goes, the
		// propensity score stays.
		if b.InUse {
			var risky store.QueueRow
			for _, r := range rows {
				if r.BreakRisk != nil {
					risky = r
					break
				}
			}
			if risky.ID == "" {
				t.Fatal("no queue row with a break score")
			}
			owed := count(t, s, `SELECT CAST(SUM(ai.amount_cents - ai.paid_cents) AS INTEGER) FROM arrangement_instalments ai JOIN arrangements ar ON ar.id = ai.arrangement_id
				WHERE ar.account_id = $1 AND ar.status = 'active' AND ai.status = 'pending'`, risky.ID)
			report(t, s, agent, risky.ID, store.PaymentInput{AmountCents: int64(owed), PaidAt: time.Now().Add(-time.Minute), Reference: "EW-2"})
			after, err := s.AccountScores(ctx, agent, risky.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := after[earlywarning.KindArrangementBreak]; ok {
				t.Errorf("a settled arrangement still has a break score: %+v", after)
			}
			if _, ok := after[earlywarning.KindPropensity]; !ok {
				t.Errorf("the propensity score went with the break score: %+v", after)
			}
		}
	})
}

// A full scoring replaces every score of the lender: when a kind's model
// is no longer in use, that kind's scores go with the rest of the old ones.
func TestScoringDropsTheScoresOfAModelNoLongerInUse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := demoSeeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		breaks := func() int {
			return count(t, s, "SELECT COUNT(*) FROM account_scores WHERE kind = 'arrangement_break'")
		}
		if breaks() == 0 {
			t.Fatal("the demo has no break scores to drop")
		}
		if err := s.DB().QueryRow("UPDATE models SET in_use = FALSE WHERE lender_id = $1 AND kind = 'arrangement_break' RETURNING id", vm.OrgID).Scan(new(string)); err != nil {
			t.Fatal(err)
		}
		n, err := s.ScoreLender(ctx, vm.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		open := count(t, s, "SELECT COUNT(*) FROM accounts WHERE status = 'open' AND lender_id = $1", vm.OrgID)
		if got := breaks(); got != 0 {
			t.Errorf("%d break scores left after the break model went out of use", got)
		}
		if got := count(t, s, "SELECT COUNT(*) FROM account_scores WHERE kind = 'propensity'"); got != open || n != open {
			t.Errorf("%d propensity scores (%d written) for %d open accounts", got, n, open)
		}
	})
}

// A lender with too little history gets no model in use, says why, and
// its queue falls back to the priority function.
func TestModelsWithLittleHistoryAreNotUsed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := storetest.Open(t, dialect, store.Options{})
		if err := demo.Seed(ctx, s, demo.Size{Portfolios: []int{30, 20}}); err != nil {
			t.Fatal(err)
		}
		vm := actorFor(t, s, "vm@demo-bank.test")
		latest, _, err := s.Models(ctx, vm)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range latest {
			if m.InUse || m.Verdict == earlywarning.VerdictInUse || m.Why == "" {
				t.Errorf("%s model on 50 accounts: verdict %s in use %v why %q", m.Kind, m.Verdict, m.InUse, m.Why)
			}
		}
		if n := count(t, s, "SELECT COUNT(*) FROM account_scores"); n != 0 {
			t.Errorf("%d scores without a model in use", n)
		}
		rows, _, err := s.Queue(ctx, actorFor(t, s, "agent@agency-a.test"), store.QueueFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Propensity != nil {
				t.Fatalf("queue row with a score and no model: %+v", r)
			}
		}
	})
}

func deref(p *float64) float64 {
	if p == nil {
		return -1
	}
	return *p
}

// Scoring reads counts where training reads every event; the features at
// now must come out the same either way, for every open account.
func TestScoringReadsTheFeaturesTrainingWould(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		full, scored, err := s.FeaturesBothWays(ctx, vm.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		if len(full) == 0 || len(full) != len(scored) {
			t.Fatalf("%d accounts read in full, %d for scoring", len(full), len(scored))
		}
		contacts, paid := 0, 0
		for id, f := range full {
			if scored[id] != f {
				t.Fatalf("account %s:\nfull   %+v\nscored %+v", id, f, scored[id])
			}
			contacts += f.ContactAttempts
			if f.PaidSoFarCents > 0 {
				paid++
			}
		}
		if contacts == 0 || paid == 0 {
			t.Fatalf("the comparison saw no contacts (%d) or payments (%d)", contacts, paid)
		}
	})
}

// The hand-written reasons JSON reads back as encoding/json's would.
func TestReasonsJSON(t *testing.T) {
	t.Parallel()
	in := []earlywarning.Reason{{Name: "payment_recency", Contribution: 0.83251}, {Name: "dpd", Contribution: -1.5}, {Name: "contact", Contribution: 0}}
	var out []earlywarning.Reason
	if err := json.Unmarshal([]byte(store.ReasonsJSON(in)), &out); err != nil {
		t.Fatal(err)
	}
	want := []earlywarning.Reason{{Name: "payment_recency", Contribution: 0.833}, {Name: "dpd", Contribution: -1.5}, {Name: "contact", Contribution: 0}}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Fatalf("%v, want %v", out, want)
	}
	if store.ReasonsJSON(nil) != "[]" {
		t.Fatalf("no reasons: %s", store.ReasonsJSON(nil))
	}
}

// A book large enough for both scoring readers and several pages each, with
// a second lender's accounts between the first's: the scoring reader sees
// the features the full history gives on every page, every open account of
// the lender gets one propensity score, no old score of it survives (not
// even one without an account row, beyond the last page), and the other
// lender's scores are left alone.
func TestScoringAcrossPagesReadersAndLenders(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		db := s.DB()
		other := "00000000-0000-7000-8000-00000000beef"
		if _, err := db.Exec(`INSERT INTO organisations (id, kind, name, created_at) VALUES ($1, 'lender', 'Other Bank', $2)`, other, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		var agencies []string
		rows, err := db.Query(`SELECT id FROM organisations WHERE kind = 'agency'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			agencies = append(agencies, id)
		}
		rows.Close()
		rng := rand.New(rand.NewPCG(3, 3))
		for range 3 {
			if err := s.BulkLoadBook(ctx, vm.OrgID, agencies, 2500, 3, rng); err != nil {
				t.Fatal(err)
			}
			if err := s.BulkLoadBook(ctx, other, agencies, 1500, 3, rng); err != nil {
				t.Fatal(err)
			}
		}

		full, scored, err := s.FeaturesBothWays(ctx, vm.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		open := count(t, s, "SELECT COUNT(*) FROM accounts WHERE status = 'open' AND lender_id = $1", vm.OrgID)
		if len(full) != open || len(scored) != open || open < 7500 {
			t.Fatalf("%d accounts read in full, %d for scoring, %d open", len(full), len(scored), open)
		}
		for id, f := range full {
			if scored[id] != f {
				t.Fatalf("account %s:\nfull   %+v\nscored %+v", id, f, scored[id])
			}
		}

		model, _ := syntheticModel(t, 2000)
		if err := s.InstallModel(vm.OrgID, model); err != nil {
			t.Fatal(err)
		}
		for _, r := range [][]string{{"zzzz-orphan", vm.OrgID}, {"zzzz-other", other}} {
			if _, err := db.Exec(`INSERT INTO account_scores (account_id, kind, lender_id, score, model_id, scored_at) VALUES ($1, 'propensity', $2, 0.5, 'm', $3)`,
				r[0], r[1], time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.ScoreLender(ctx, vm.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		if got := count(t, s, "SELECT COUNT(*) FROM account_scores WHERE kind = 'propensity' AND lender_id = $1", vm.OrgID); got != open {
			t.Errorf("%d propensity scores for %d open accounts", got, open)
		}
		if got := count(t, s, "SELECT COUNT(*) FROM account_scores WHERE lender_id = $1", vm.OrgID); got != n {
			t.Errorf("%d scores of the lender after a scoring that wrote %d", got, n)
		}
		if got := count(t, s, "SELECT COUNT(*) FROM account_scores WHERE account_id = 'zzzz-orphan'"); got != 0 {
			t.Error("a score without an account survived the scoring")
		}
		if got := count(t, s, "SELECT COUNT(*) FROM account_scores WHERE account_id = 'zzzz-other'"); got != 1 {
			t.Error("scoring one lender removed another's score")
		}
	})
}
