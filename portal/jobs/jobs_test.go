package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"collect/portal/demo"
	"collect/portal/jobs"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

func waitJob(t *testing.T, r *jobs.Runner, id int64) *rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		j, err := r.Client().JobGet(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.FinalizedAt != nil {
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %d not finished", id)
	return nil
}

// Each periodic kind runs on a real database and completes.
func TestEveryKindRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		st := storetest.Open(t, dialect, store.Options{})
		if err := demo.Seed(t.Context(), st, demo.Size{Portfolios: []int{30}}); err != nil {
			t.Fatal(err)
		}
		recovered := atomic.Int32{}
		r, err := jobs.New(t.Context(), st, jobs.Options{PollInterval: 20 * time.Millisecond,
			RecoverImports: func(context.Context) error { recovered.Add(1); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(t.Context(), false); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Stop(10 * time.Second) })
		for _, args := range []river.JobArgs{jobs.ExpirePlacementsArgs{}, jobs.EvaluatePromisesArgs{}, jobs.DetectBreachesArgs{},
			jobs.SnapshotBucketsArgs{}, jobs.RecoverImportsArgs{}, jobs.EarlyWarningArgs{},
			jobs.RetainEvidenceArgs{}, jobs.MissingRecordingsArgs{}, jobs.DrawQualitySamplesArgs{}} {
			res, err := r.Client().Insert(t.Context(), args, nil)
			if err != nil {
				t.Fatal(err)
			}
			if j := waitJob(t, r, res.Job.ID); j.State != rivertype.JobStateCompleted {
				t.Errorf("%s: %s %v", args.Kind(), j.State, j.Errors)
			}
		}
		if recovered.Load() != 1 {
			t.Errorf("recover_imports ran %d times", recovered.Load())
		}
		var models int64
		if err := st.DB().QueryRow("SELECT COUNT(*) FROM models").Scan(&models); err != nil || models == 0 {
			t.Errorf("early_warning trained no model: %d %v", models, err)
		}
		var snaps int64
		if err := st.DB().QueryRow("SELECT COUNT(*) FROM bucket_snapshots").Scan(&snaps); err != nil {
			t.Logf("bucket snapshots: %v", err)
		}
	})
}

// A failing job is retried until it succeeds.
func TestFailingJobRetries(t *testing.T) {
	st := storetest.Open(t, "sqlite", store.Options{})
	calls := atomic.Int32{}
	r, err := jobs.New(t.Context(), st, jobs.Options{PollInterval: 20 * time.Millisecond, RetryDelay: 50 * time.Millisecond,
		RecoverImports: func(context.Context) error {
			if calls.Add(1) < 3 {
				return errors.New("boom")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop(10 * time.Second) })
	res, err := r.Client().Insert(t.Context(), jobs.RecoverImportsArgs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := waitJob(t, r, res.Job.ID)
	if j.State != rivertype.JobStateCompleted || j.Attempt != 3 || len(j.Errors) != 2 || j.Errors[0].Error != "boom" {
		t.Fatalf("state %s attempt %d errors %v", j.State, j.Attempt, j.Errors)
	}
}

// Two instances on one database run a periodic job once per interval, never at once.
func TestTwoInstancesRunPeriodicOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		st := storetest.Open(t, dialect, store.Options{})
		st2 := storetest.Reopen(t, st, store.Options{})
		var running, maxPar, runs atomic.Int32
		rec := func(context.Context) error {
			n := running.Add(1)
			defer running.Add(-1)
			if n > maxPar.Load() {
				maxPar.Store(n)
			}
			runs.Add(1)
			time.Sleep(300 * time.Millisecond)
			return nil
		}
		var rs []*jobs.Runner
		for _, s := range []*store.Store{st, st2} {
			r, err := jobs.New(t.Context(), s, jobs.Options{PollInterval: 20 * time.Millisecond, Interval: time.Hour, RecoverImports: rec})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Start(t.Context(), true); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Stop(10 * time.Second) })
			rs = append(rs, r)
		}
		time.Sleep(6 * time.Second)
		if runs.Load() != 1 || maxPar.Load() != 1 {
			t.Fatalf("recover_imports ran %d times (%d at once) with an hour's interval on two instances", runs.Load(), maxPar.Load())
		}
	})
}

// Rescoring after an event leaves the request: the payment returns with the
// account's score as it was and a rescore_accounts job queued; the job then
// scores the account again.
func TestRescoreAfterAnEventIsAJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := t.Context()
		st := storetest.Open(t, dialect, store.Options{})
		if err := demo.Seed(ctx, st, demo.DefaultSize); err != nil { // trains and scores
			t.Fatal(err)
		}
		r, err := jobs.New(ctx, st, jobs.Options{PollInterval: 20 * time.Millisecond, RescoreDelay: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		st.SetRescoreQueue(r.EnqueueRescore)
		u, err := st.UserByEmail(ctx, "agent@agency-a.test")
		if err != nil {
			t.Fatal(err)
		}
		agent, _, err := st.Actor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		rows, _, err := st.Queue(ctx, agent, store.QueueFilter{Page: store.Page{PerPage: 50}})
		if err != nil || len(rows) == 0 || rows[0].Propensity == nil {
			t.Fatalf("queue: %d rows, %v", len(rows), err)
		}
		acc := rows[0]
		before := acc.Propensity.ScoredAt

		// The runner is not started: the request cannot have waited for it.
		if _, err := st.RecordPayment(ctx, agent, acc.ID, store.PaymentInput{AmountCents: 1000, PaidAt: time.Now().Add(-time.Minute), Reference: "RS-1"}); err != nil {
			t.Fatal(err)
		}
		now, err := st.AccountScores(ctx, agent, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sc := now["propensity"]; !sc.ScoredAt.Equal(before) {
			t.Errorf("the payment rescored the account before it answered: scored at %s, was %s", sc.ScoredAt, before)
		}
		queued, err := r.Client().JobList(ctx, river.NewJobListParams().Kinds(jobs.RescoreAccountsArgs{}.Kind()))
		if err != nil {
			t.Fatal(err)
		}
		if len(queued.Jobs) != 1 {
			t.Fatalf("%d rescore_accounts jobs queued, want 1", len(queued.Jobs))
		}

		if err := r.Start(ctx, false); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Stop(10 * time.Second) })
		if j := waitJob(t, r, queued.Jobs[0].ID); j.State != rivertype.JobStateCompleted {
			t.Fatalf("rescore_accounts: %s %v", j.State, j.Errors)
		}
		after, err := st.AccountScores(ctx, agent, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sc := after["propensity"]; !sc.ScoredAt.After(before) {
			t.Errorf("the job did not rescore the account: scored at %s, was %s", sc.ScoredAt, before)
		}
	})
}
