package demo_test

import (
	"context"
	"testing"

	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// TestSeedMoney: the demo's month of money shows on every money page: a
// confirmed report, a lender payment of the feed's own, an amount that
// differs and a report the feed never saw in the queue, a reported payment
// still waiting, money Agency A collected and owes, Agency A's contract
// with its deduction, and last month's invoice approved with a number.
// Seeding again adds nothing.
func TestSeedMoney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := storetest.Open(t, dialect, store.Options{})
		if err := demo.Seed(ctx, s, demo.Size{Portfolios: []int{150, 100}}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := demo.SeedMoney(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			what, q string
			want    int
		}{
			{"open exceptions", `SELECT COUNT(*) FROM payment_exceptions WHERE status = 'open'`, 2},
			{"amount differs", `SELECT COUNT(*) FROM payment_exceptions WHERE reason = 'amount_differs'`, 1},
			{"no feed record", `SELECT COUNT(*) FROM payment_exceptions WHERE reason = 'no_feed_record'`, 1},
			{"reports confirmed by the feed", `SELECT COUNT(*) FROM payments WHERE reference = 'ICBC-DEMO-0001' AND status = 'confirmed' AND confirmed_by_feed`, 1},
			{"the feed's own payment", `SELECT COUNT(*) FROM payments WHERE reference = 'ICBC-DEMO-0003' AND source = 'lender'`, 1},
			{"waiting reports", `SELECT COUNT(*) FROM payments WHERE status = 'reported'`, 3},
			{"collected money confirmed", `SELECT COUNT(*) FROM payments WHERE channel = 'agency_collected' AND status = 'confirmed'`, 1},
			{"contract terms", `SELECT COUNT(*) FROM contracts WHERE commission_terms LIKE '%conduct_breach%' AND grace_days = 3`, 1},
			{"approved invoices", `SELECT COUNT(*) FROM invoices WHERE status = 'approved' AND number LIKE 'INV-%'`, 1},
		} {
			var n int
			if err := s.DB().QueryRow(c.q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != c.want {
				t.Errorf("%s: %d, want %d", c.what, n, c.want)
			}
		}
	})
}
