package store_test

import (
	"context"
	"sync"
	"testing"

	"collect/portal/store"
)

func TestAuditChainCatchesTampering(t *testing.T) {
	tamperCase := func(name string, tamper func(t *testing.T, s *store.Store, last int64) int64) {
		t.Run(name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, dialect string) {
				ctx := context.Background()
				s := seeded(t, dialect)
				a := actorFor(t, s, "agent@agency-a.test")
				for i := 0; i < 5; i++ {
					if err := s.RecordLogin(ctx, a, "test"); err != nil {
						t.Fatal(err)
					}
				}
				r, err := s.VerifyAudit(ctx)
				if err != nil || !r.OK || r.Events < 6 {
					t.Fatalf("before tampering: %+v, %v", r, err)
				}
				wantBad := tamper(t, s, r.Events)
				r, err = s.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if r.OK || r.FirstBad == nil || *r.FirstBad != wantBad {
					t.Fatalf("after tampering: %+v (break %+v), want first bad %d", r, r.Break, wantBad)
				}
			})
		})
	}
	exec := func(t *testing.T, s *store.Store, q string, args ...any) {
		t.Helper()
		if _, err := s.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	tamperCase("EditedSummary", func(t *testing.T, s *store.Store, last int64) int64 {
		exec(t, s, `UPDATE audit_events SET summary = '{"after":"forged"}' WHERE seq = $1`, last-2)
		return last - 2
	})
	tamperCase("EditedActor", func(t *testing.T, s *store.Store, last int64) int64 {
		exec(t, s, `UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2`)
		return 2
	})
	tamperCase("RehashedEditIsStillCaughtByTheNextLink", func(t *testing.T, s *store.Store, last int64) int64 {
		// Forging an event's own hash moves the break to the next event.
		exec(t, s, `UPDATE audit_events SET hash = 'ffff' WHERE seq = $1`, last-1)
		return last - 1
	})
	tamperCase("DeletedMiddle", func(t *testing.T, s *store.Store, last int64) int64 {
		exec(t, s, `DELETE FROM audit_events WHERE seq = $1`, last-1)
		return last - 1
	})
	tamperCase("ForgedEventAfterTheHead", func(t *testing.T, s *store.Store, last int64) int64 {
		exec(t, s, `INSERT INTO audit_events (seq, id, at, actor_id, organisation_id, lender_id, action, object_type, object_id, summary, prev_hash, hash)
			SELECT seq + 1, 'forged', at, actor_id, organisation_id, lender_id, 'auth.login', object_type, object_id, summary, hash, 'x' FROM audit_events WHERE seq = $1`, last)
		return last + 1
	})
	tamperCase("DeletedTail", func(t *testing.T, s *store.Store, last int64) int64 {
		exec(t, s, `DELETE FROM audit_events WHERE seq = $1`, last)
		return last
	})
}

func TestAuditChainConcurrentAppends(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		a := actorFor(t, s, "vm@demo-bank.test")
		before, err := s.VerifyAudit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.RecordLogin(ctx, a, "concurrent")
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent append: %v", err)
			}
		}
		r, err := s.VerifyAudit(ctx)
		if err != nil || !r.OK || r.Events != before.Events+40 {
			t.Fatalf("after 40 concurrent appends: %+v %v", r, err)
		}
	})
}

func TestAuditScope(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agentA := actorFor(t, s, "agent@agency-a.test")
		agentB := actorFor(t, s, "agent@agency-b.test")
		auditor := actorFor(t, s, "auditor@demo-bank.test")
		rows, _, err := s.ListAccounts(ctx, agentA, store.AccountFilter{Page: store.Page{PerPage: 1}})
		if err != nil || len(rows) == 0 {
			t.Fatal(err)
		}
		if _, err := s.Account(ctx, agentA, rows[0].ID, true); err != nil {
			t.Fatal(err)
		}
		action := "account.view_personal_data"
		_, nB, err := s.ListAudit(ctx, agentB, store.AuditFilter{Action: &action})
		if err != nil || nB != 0 {
			t.Fatalf("agency B sees %d of agency A's events (%v)", nB, err)
		}
		_, nL, err := s.ListAudit(ctx, auditor, store.AuditFilter{Action: &action})
		if err != nil || nL != 1 {
			t.Fatalf("the lender's auditor sees %d events about its accounts, want 1 (%v)", nL, err)
		}
	})
}
