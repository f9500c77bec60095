package store_test

import (
	"collect"
	"context"
	"testing"
	"time"

	"collect/allocation"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

func eachDialect(t *testing.T, fn func(t *testing.T, dialect string)) { storetest.Each(t, fn) }

// seeded opens a store on dialect with a small demo data set.
func seeded(t *testing.T, dialect string) *store.Store {
	t.Helper()
	return storetest.Seeded(t, dialect, "demo 120+80", func(s *store.Store) error {
		return demo.Seed(context.Background(), s, demo.Size{Portfolios: []int{120, 80}})
	}, store.Options{})
}

// demoSeeded is a store with the full demo book, its models trained and its
// accounts scored.
func demoSeeded(t *testing.T, dialect string) *store.Store {
	t.Helper()
	return storetest.Seeded(t, dialect, "demo default", func(s *store.Store) error {
		return demo.Seed(context.Background(), s, demo.DefaultSize)
	}, store.Options{})
}

func actorFor(t *testing.T, s *store.Store, email string) collect.Actor {
	t.Helper()
	u, err := s.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	a, _, err := s.Actor(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMigrateAndSeed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		v, err := s.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("schema version %d, %v", v, err)
		}
		// Migrating again is a no-op.
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		if err := demo.Seed(ctx, s, demo.DefaultSize); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("seeding a non-empty database: got %v, want conflict", err)
		}
		for _, l := range demo.Logins {
			a := actorFor(t, s, l.Email)
			if a.OrgName != l.Organisation || len(a.Roles) != 1 || a.Roles[0] != l.Role {
				t.Errorf("%s: got %s %v, want %s %s", l.Email, a.OrgName, a.Roles, l.Organisation, l.Role)
			}
		}
	})
}

func TestOneActivePlacementPerAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := seeded(t, dialect)
		db := s.DB()
		var accountID, agencyID, lenderID string
		err := db.QueryRow(`SELECT p.account_id, p.agency_id, p.lender_id FROM placements p WHERE p.status = 'active' LIMIT 1`).Scan(&accountID, &agencyID, &lenderID)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		_, err = db.Exec(`INSERT INTO placements (id, account_id, agency_id, lender_id, status, fee_rate_bp, created_at, starts_at, ends_at)
			VALUES ('dup-1', $1, $2, $3, 'active', 100, $4, $4, $4)`, accountID, agencyID, lenderID, now)
		if err == nil {
			t.Fatal("a second active placement for one account was accepted; the partial unique index is missing")
		}
		// A closed one beside it is fine.
		_, err = db.Exec(`INSERT INTO placements (id, account_id, agency_id, lender_id, status, fee_rate_bp, created_at, starts_at, ends_at)
			VALUES ('old-1', $1, $2, $3, 'recalled', 100, $4, $4, $4)`, accountID, agencyID, lenderID, now)
		if err != nil {
			t.Fatalf("a recalled placement beside the active one: %v", err)
		}
	})
}

func TestAccountScopes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		db := s.DB()
		count := func(q string, args ...any) int64 {
			var n int64
			if err := db.QueryRow(q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		vm := actorFor(t, s, "vm@demo-bank.test")
		auditor := actorFor(t, s, "auditor@demo-bank.test")
		agentA := actorFor(t, s, "agent@agency-a.test")
		agentB := actorFor(t, s, "agent@agency-b.test")
		admin := actorFor(t, s, "admin@platform.test")
		cases := []struct {
			name  string
			actor collect.Actor
			want  int64
		}{
			{"vendor manager sees the lender's accounts", vm, count(`SELECT COUNT(*) FROM accounts WHERE lender_id = $1`, vm.OrgID)},
			{"auditor sees the lender's accounts", auditor, count(`SELECT COUNT(*) FROM accounts WHERE lender_id = $1`, auditor.OrgID)},
			{"agency A sees its active placements", agentA, count(`SELECT COUNT(*) FROM placements WHERE status = 'active' AND agency_id = $1`, agentA.OrgID)},
			{"agency B sees its active placements", agentB, count(`SELECT COUNT(*) FROM placements WHERE status = 'active' AND agency_id = $1`, agentB.OrgID)},
			{"the platform sees no debtor", admin, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				rows, total, err := s.ListAccounts(ctx, c.actor, store.AccountFilter{Page: store.Page{PerPage: 500}})
				if err != nil {
					t.Fatal(err)
				}
				if total != c.want || int64(len(rows)) != min(c.want, 500) {
					t.Fatalf("total %d, rows %d, want %d", total, len(rows), c.want)
				}
				for _, r := range rows {
					if c.actor.OrgKind == collect.KindAgency && (r.Placement == nil || r.Placement.AgencyID != c.actor.OrgID) {
						t.Fatalf("row %s is not placed with %s", r.ID, c.actor.OrgName)
					}
				}
			})
		}
		if cases[2].want == 0 || cases[3].want == 0 {
			t.Fatal("demo data placed nothing with the agencies")
		}

		t.Run("ErrNotPlacedWithAgency", func(t *testing.T) {
			var bID string
			if err := db.QueryRow(`SELECT account_id FROM placements WHERE status = 'active' AND agency_id = $1 LIMIT 1`, agentB.OrgID).Scan(&bID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Account(ctx, agentA, bID, true); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("agency A reading B's account: %v, want not found", err)
			}
			if _, err := s.Account(ctx, agentB, bID, true); err != nil {
				t.Fatalf("agency B reading its own account: %v", err)
			}
		})
		t.Run("RecalledPlacementHidesAccount", func(t *testing.T) {
			var id string
			if err := db.QueryRow(`SELECT account_id FROM placements WHERE status = 'active' AND agency_id = $1 LIMIT 1`, agentA.OrgID).Scan(&id); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`UPDATE placements SET status = 'recalled' WHERE account_id = $1 AND status = 'active'`, id); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Account(ctx, agentA, id, true); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("agency A reading a recalled account: %v, want not found", err)
			}
			if _, err := s.Account(ctx, vm, id, true); err != nil {
				t.Fatalf("the lender still sees it: %v", err)
			}
		})
	})
}

func TestPersonalDataMaskingAndAudit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		auditor := actorFor(t, s, "auditor@demo-bank.test")
		rows, _, err := s.ListAccounts(ctx, vm, store.AccountFilter{Page: store.Page{PerPage: 1}})
		if err != nil || len(rows) != 1 {
			t.Fatal(err)
		}
		id := rows[0].ID
		if !masked(rows[0].NationalID) || !masked(rows[0].Phone) {
			t.Fatalf("list rows must be masked: %s %s", rows[0].NationalID, rows[0].Phone)
		}
		countViews := func() int64 {
			var n int64
			s.DB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'account.view_personal_data' AND object_id = $1`, id).Scan(&n)
			return n
		}
		d, err := s.Account(ctx, auditor, id, false)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Masked || !masked(d.NationalID) || !masked(d.Phone) || countViews() != 0 {
			t.Fatalf("auditor view: masked=%v id=%s phone=%s views=%d", d.Masked, d.NationalID, d.Phone, countViews())
		}
		d, err = s.Account(ctx, vm, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if d.Masked || !allocation.ValidNationalID(d.NationalID) || !allocation.ValidMobile(d.Phone) {
			t.Fatalf("vendor manager view: masked=%v id=%s phone=%s", d.Masked, d.NationalID, d.Phone)
		}
		if countViews() != 1 {
			t.Fatalf("unmasked view wrote %d audit events, want 1", countViews())
		}
	})
}

func masked(s string) bool {
	for _, r := range s {
		if r == '*' {
			return true
		}
	}
	return false
}
