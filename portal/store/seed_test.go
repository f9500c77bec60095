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

// Seed writes only into an empty database, all or nothing, audited as one
// event on the chain.
func TestSeedOnlyIntoAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := storetest.Open(t, dialect, store.Options{})
		org := collect.Organisation{ID: "org-1", Kind: collect.KindPlatform, Name: "P", NameZH: "P", Status: "active", CreatedAt: time.Now().UTC()}
		audit := store.SeedAudit{Actor: collect.Actor{OrgID: org.ID}, Action: "seed.test", ObjectType: "database", ObjectID: "t"}

		// A failing seeding leaves nothing behind.
		boom := errors.New("boom")
		err := s.Seed(ctx, audit, func(w *store.Seeder) error {
			if err := w.Organisations([]collect.Organisation{org}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("failing seed: got %v, want boom", err)
		}
		if empty, err := s.IsEmpty(ctx); err != nil || !empty {
			t.Fatalf("after a failed seed: empty %v, %v; want empty", empty, err)
		}
		// An unknown account flag is refused.
		err = s.Seed(ctx, audit, func(w *store.Seeder) error { return w.FlagAccounts(map[string]string{"x": "admin"}) })
		if collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("unknown flag: got %v, want invalid", err)
		}

		if err := s.Seed(ctx, audit, func(w *store.Seeder) error { return w.Organisations([]collect.Organisation{org}) }); err != nil {
			t.Fatal(err)
		}
		if empty, err := s.IsEmpty(ctx); err != nil || empty {
			t.Fatalf("after a seed: empty %v, %v; want not empty", empty, err)
		}
		var n int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'seed.test'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("seed audit events: %d, %v; want 1", n, err)
		}
		if r, err := s.VerifyAudit(ctx); err != nil || !r.OK {
			t.Fatalf("audit chain after seeding: %+v, %v", r, err)
		}
		err = s.Seed(ctx, audit, func(w *store.Seeder) error { return nil })
		if !errors.Is(err, store.ErrNotEmpty) || collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("seeding a non-empty database: got %v, want ErrNotEmpty", err)
		}
	})
}
