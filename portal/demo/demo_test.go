package demo_test

import (
	"collect"
	"context"
	"errors"
	"testing"

	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// The demo holds what API.md promises and the same made-up data each time.
func TestSeed(t *testing.T) {
	var first string
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := storetest.Open(t, dialect, store.Options{})
		size := demo.Size{Portfolios: []int{30, 20}}
		if err := demo.Seed(ctx, s, size); err != nil {
			t.Fatal(err)
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := s.DB().QueryRow(q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM organisations`:                                             5,
			`SELECT COUNT(*) FROM users`:                                                     len(demo.Logins),
			`SELECT COUNT(*) FROM portfolios`:                                                2,
			`SELECT COUNT(*) FROM accounts`:                                                  50,
			`SELECT COUNT(*) FROM agency_profiles`:                                           3,
			`SELECT COUNT(*) FROM contracts`:                                                 3,
			`SELECT COUNT(*) FROM audit_events WHERE action = 'demo.seed'`:                   1,
			`SELECT COUNT(*) FROM tenders`:                                                   1,
			`SELECT COUNT(*) FROM bids`:                                                      1,
			`SELECT COUNT(DISTINCT month) FROM bucket_snapshots`:                             2,
			`SELECT COUNT(*) FROM placements WHERE status = 'offered' AND accept_by IS NULL`: 0,
		} {
			if got := count(q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		for _, l := range demo.Logins {
			u, err := s.UserByEmail(ctx, l.Email)
			if err != nil {
				t.Fatalf("login %s: %v", l.Email, err)
			}
			a, _, err := s.Actor(ctx, u.ID)
			if err != nil || a.OrgName != l.Organisation || len(a.Roles) != 1 || a.Roles[0] != l.Role {
				t.Errorf("%s: got %s %v (%v), want %s %s", l.Email, a.OrgName, a.Roles, err, l.Organisation, l.Role)
			}
		}
		// The same seed draws the same debtors, on either database.
		var debtors string
		rows, err := s.DB().Query(`SELECT debtor_name, national_id FROM accounts ORDER BY external_ref`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, nid string
			if err := rows.Scan(&name, &nid); err != nil {
				t.Fatal(err)
			}
			debtors += name + nid + ";"
		}
		rows.Close()
		if first == "" {
			first = debtors
		} else if debtors != first {
			t.Errorf("the demo's debtors differ between runs:\n%s\n%s", debtors, first)
		}
		if err := demo.Seed(ctx, s, size); !errors.Is(err, demo.ErrNotEmpty) || collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("seeding a non-empty database: got %v, want ErrNotEmpty", err)
		}
	})
}
