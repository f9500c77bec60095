package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"collect/portal/store/storetest"
)

// TestArrangementSchedulesInOneRead: the account page's arrangements carry
// each its own schedule, read for all of them at once.
func TestArrangementSchedulesInOneRead(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		rows, err := s.DB().Query(`SELECT a.account_id FROM arrangements a JOIN placements p ON p.account_id = a.account_id AND p.status = 'active'
			WHERE p.agency_id = $1 GROUP BY a.account_id ORDER BY COUNT(*) DESC, a.account_id LIMIT 5`, agent.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			t.Fatal("no account of agency A with arrangements in the demo")
		}
		for _, id := range ids {
			arrs, err := s.Arrangements(ctx, agent, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, ar := range arrs {
				var got []string
				for _, in := range ar.Schedule {
					got = append(got, fmt.Sprintf("%d %s %d %d %s", in.N, in.DueDate, in.AmountCents, in.PaidCents, in.Status))
				}
				want := scheduleOf(t, s.DB(), ar.ID)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Fatalf("arrangement %s: schedule\n%s\nwant\n%s", ar.ID, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		}
	})
}

func scheduleOf(t *testing.T, db *sql.DB, arrangementID string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT n, due_date, amount_cents, paid_cents, status FROM arrangement_instalments WHERE arrangement_id = $1 ORDER BY n`, arrangementID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n int
		var due, status string
		var amount, paid int64
		if err := rows.Scan(&n, &due, &amount, &paid, &status); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %d %d %s", n, due, amount, paid, status))
	}
	return out
}
