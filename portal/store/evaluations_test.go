package store_test

import (
	"collect"
	"context"
	"errors"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// A decision to suspend changes the contract; with no contract to change it
// is refused and the evaluation is not kept (it said nothing had changed).
func TestRecordEvaluationDecisions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		a := actorFor(t, s, "supervisor@agency-a.test").OrgID
		b := actorFor(t, s, "agent@agency-b.test").OrgID
		e := store.Evaluation{Kind: "annual", Period: "2026", ConductScore: 40, QualityScore: 50, EfficiencyScore: 60, InfosecScore: 70, Decision: "suspend"}
		if _, err := s.RecordEvaluation(ctx, vm, a, e); err != nil {
			t.Fatal(err)
		}
		var status string
		if err := s.DB().QueryRow(`SELECT status FROM contracts WHERE agency_id = $1`, a).Scan(&status); err != nil || status != "suspended" {
			t.Fatalf("contract after suspend: %q %v", status, err)
		}
		if _, err := s.DB().Exec(`DELETE FROM contracts WHERE agency_id = $1`, b); err != nil {
			t.Fatal(err)
		}
		_, err := s.RecordEvaluation(ctx, vm, b, e)
		var ae *collect.Error
		if collect.ErrorCode(err) != collect.EINVALID || !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "decision" {
			t.Fatalf("suspend without a contract: %v, want %s on decision", err, collect.EINVALID)
		}
		if list, err := s.Evaluations(ctx, vm, b); err != nil || len(list) != 0 {
			t.Fatalf("evaluations of B: %d %v, want none kept", len(list), err)
		}
		e.Decision = "renew"
		if _, err := s.RecordEvaluation(ctx, vm, b, e); err != nil {
			t.Fatalf("renew without a contract: %v", err)
		}
	})
}

// Terminating ends the contract today, but a contract that has already run
// out keeps its own end: the evaluation does not lengthen it.
func TestTerminateNeverLengthensContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		a := actorFor(t, s, "supervisor@agency-a.test").OrgID
		b := actorFor(t, s, "agent@agency-b.test").OrgID
		today := time.Now().UTC().Format(time.DateOnly)
		if _, err := s.DB().Exec(`UPDATE contracts SET starts_on = '2020-01-01', ends_on = '2099-12-31' WHERE agency_id = $1`, a); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE contracts SET starts_on = '2020-01-01', ends_on = '2021-06-30' WHERE agency_id = $1`, b); err != nil {
			t.Fatal(err)
		}
		e := store.Evaluation{Kind: "pre_expiry", Period: "2026", ConductScore: 10, QualityScore: 10, EfficiencyScore: 10, InfosecScore: 10, Decision: "terminate"}
		for agency, want := range map[string]string{a: today, b: "2021-06-30"} {
			if _, err := s.RecordEvaluation(ctx, vm, agency, e); err != nil {
				t.Fatal(err)
			}
			var status, ends string
			if err := s.DB().QueryRow(`SELECT status, ends_on FROM contracts WHERE agency_id = $1`, agency).Scan(&status, &ends); err != nil {
				t.Fatal(err)
			}
			if status != "suspended" || ends != want {
				t.Errorf("after terminating: %s, ends %s; want suspended, ends %s", status, ends, want)
			}
		}
	})
}

// The evaluation answered is the one stored: its period without the blanks
// it was typed with.
func TestRecordEvaluationAnswersWhatItStores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		a := actorFor(t, s, "supervisor@agency-a.test").OrgID
		out, err := s.RecordEvaluation(ctx, vm, a, store.Evaluation{Kind: "annual", Period: " 2026-H2 ", ConductScore: 90, QualityScore: 90,
			EfficiencyScore: 90, InfosecScore: 90, Decision: "renew"})
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.Evaluations(ctx, vm, a)
		if err != nil || len(list) == 0 || list[0].ID != out.ID {
			t.Fatalf("evaluations: %+v %v", list, err)
		}
		if out.Period != "2026-H2" || list[0].Period != out.Period {
			t.Errorf("answered period %q, stored %q; want both 2026-H2", out.Period, list[0].Period)
		}
	})
}
