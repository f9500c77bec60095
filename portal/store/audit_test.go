package store_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"collect/oversight"
	"collect/portal/store"
)

func TestAuditChainCatchesTampering(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// The audit CSV read in small chunks is the same file as read at once, in
// sequence order, each row's hash its own fields' hash, and a range holds
// only its events.
func TestWriteAuditCSVInChunks(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		for i := 0; i < 12; i++ {
			if err := s.RecordLogin(ctx, vm, "test"); err != nil {
				t.Fatal(err)
			}
		}
		write := func(chunk int, from, to int64) [][]string {
			t.Helper()
			defer store.SetAuditCSVChunk(chunk)()
			var b bytes.Buffer
			if err := s.WriteAuditCSV(ctx, vm, from, to, &b); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return recs
		}
		whole, chunked := write(1<<30, 0, 0), write(5, 0, 0)
		if len(whole) < 14 || !reflect.DeepEqual(whole, chunked) {
			t.Fatalf("whole %d rows, chunked %d rows (or different)", len(whole), len(chunked))
		}
		prev := int64(0)
		for _, r := range whole[1:] {
			seq, _ := strconv.ParseInt(r[0], 10, 64)
			at, err := time.Parse(time.RFC3339Nano, r[2])
			if err != nil || seq <= prev {
				t.Fatalf("row %v: seq after %d, at %v", r, prev, err)
			}
			prev = seq
			e := oversight.AuditEvent{Seq: seq, ID: r[1], At: at, ActorID: r[3], OrganisationID: r[4], LenderID: r[5], Action: r[6],
				ObjectType: r[7], ObjectID: r[8], Summary: r[9], PrevHash: r[10]}
			if oversight.HashAuditEvent(e) != r[11] {
				t.Fatalf("seq %d: the hash is not its fields' hash", seq)
			}
		}
		lo, _ := strconv.ParseInt(whole[3][0], 10, 64)
		hi, _ := strconv.ParseInt(whole[10][0], 10, 64)
		part := write(3, lo, hi)
		if !reflect.DeepEqual(part[1:], whole[3:11]) {
			t.Fatalf("range %d..%d: %d rows, want the 8 in it", lo, hi, len(part)-1)
		}
	})
}
