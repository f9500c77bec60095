package store_test

import (
	"collect"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"collect/casework"
	"collect/casework/earlywarning"
	"collect/portal/store"
)

// queueCase is one open account of a queue as the reference reads it.
type queueCase struct {
	id       string
	item     casework.QueueItem
	priority float64
	reason   string
	stage    string
	bucket   string
}

// referenceQueue is the queue by definition: every open account in the
// actor's scope, scored with casework.Priority and sorted (ties by id): the
// order the store must reach through its indexes.
func referenceQueue(t *testing.T, s *store.Store, a collect.Actor, f store.QueueFilter, now time.Time) []queueCase {
	t.Helper()
	q := `SELECT a.id, a.dpd, a.balance_cents, a.stage, a.bucket, a.next_action_at, sc.score,
		EXISTS (SELECT 1 FROM arrangements ar JOIN arrangement_instalments ai ON ai.arrangement_id = ar.id
			WHERE ar.account_id = a.id AND ar.agency_id = $1 AND ar.status = 'active' AND ai.status = 'pending' AND ai.due_date <= $2)
		FROM accounts a LEFT JOIN account_scores sc ON sc.account_id = a.id AND sc.kind = 'propensity'
		WHERE a.status = 'open' AND EXISTS (SELECT 1 FROM placements p WHERE p.account_id = a.id AND p.status = 'active' AND p.agency_id = $1)`
	args := []any{a.OrgID, casework.PromiseSoonUntil(now)}
	if !a.Has(collect.RoleAgencySupervisor) {
		q += ` AND a.assigned_to = $3`
		args = append(args, a.UserID)
	}
	rows, err := s.DB().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queueCase
	for rows.Next() {
		var c queueCase
		var next sql.NullTime
		var score sql.NullFloat64
		if err := rows.Scan(&c.id, &c.item.DPD, &c.item.BalanceCents, &c.stage, &c.bucket, &next, &score, &c.item.PromiseDueSoon); err != nil {
			t.Fatal(err)
		}
		c.item.Stage = c.stage
		if next.Valid {
			c.item.NextActionDue = &next.Time
		}
		if score.Valid {
			c.item.Score = &score.Float64
		}
		if f.Stage != "" && c.stage != f.Stage || f.Bucket != "" && c.bucket != f.Bucket {
			continue
		}
		switch {
		case f.Due == "overdue" && !casework.ActionOverdue(c.item.NextActionDue, now):
			continue
		case f.Due == "today" && (c.item.NextActionDue == nil || !c.item.NextActionDue.Before(now.Truncate(24*time.Hour).Add(24*time.Hour))):
			continue
		}
		c.priority, c.reason = casework.Priority(c.item, now)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(x, y queueCase) int {
		switch {
		case x.priority > y.priority:
			return -1
		case x.priority < y.priority:
			return 1
		case x.id < y.id:
			return -1
		}
		return 1
	})
	return out
}

// shapeQueueBook gives a small book every case the queue orders: next
// actions overdue and later, promises falling due and not, legal cases
// (value halved) and propensity scores, then lets the store compute the
// priorities as it would after a migration.
func shapeQueueBook(t *testing.T, s *store.Store, agencyID string, now time.Time) {
	t.Helper()
	rows, err := s.DB().Query(`SELECT a.id FROM accounts a JOIN placements p ON p.account_id = a.id AND p.status = 'active'
		WHERE p.agency_id = $1 AND a.status = 'open' ORDER BY a.id`, agencyID)
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
	if len(ids) < 30 {
		t.Fatalf("only %d accounts placed with the agency", len(ids))
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.DB().Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE accounts SET next_action_at = NULL`)
	for i, id := range ids {
		switch {
		case i%7 == 0:
			exec(`UPDATE accounts SET next_action_at = $1 WHERE id = $2`, now.Add(-time.Duration(i+1)*time.Minute), id)
		case i%11 == 0:
			exec(`UPDATE accounts SET next_action_at = $1 WHERE id = $2`, now.Add(time.Duration(i+1)*time.Minute), id)
		}
		if i%5 == 0 {
			exec(`UPDATE accounts SET stage = 'legal' WHERE id = $1`, id)
		}
		if i%3 == 0 {
			exec(`INSERT INTO account_scores (account_id, kind, lender_id, score, model_id, scored_at)
				SELECT id, 'propensity', lender_id, $1, 'm', $2 FROM accounts WHERE id = $3
				ON CONFLICT (account_id, kind) DO UPDATE SET score = excluded.score`, float64(i%10)/10, now, id)
		}
		if i%13 == 0 {
			// A live promise falling due tomorrow.
			arr := fmt.Sprintf("qa-%d", i)
			exec(`INSERT INTO arrangements (id, account_id, lender_id, agency_id, kind, status, amount_cents, maker_id, created_at)
				SELECT $1, id, lender_id, $2, 'promise', 'active', 1000, 'test', $3 FROM accounts WHERE id = $4`, arr, agencyID, now, id)
			exec(`INSERT INTO arrangement_instalments (arrangement_id, n, due_date, amount_cents) VALUES ($1, 1, $2, 1000)`,
				arr, now.AddDate(0, 0, 1).Format(time.DateOnly))
		}
	}
	// Two accounts with the same value, so that the order by id shows.
	exec(`UPDATE accounts SET balance_cents = 123400, dpd = 45, stage = 'negotiation' WHERE id IN ($1, $2)`, ids[1], ids[2])
	exec(`DELETE FROM account_scores WHERE account_id IN ($1, $2)`, ids[1], ids[2])
	exec(`UPDATE accounts SET priority_value = -1`)
	if err := s.RefreshStalePriorities(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The queue the store reads from its indexes, page by page at several
// page sizes, is the reference order of casework.Priority, with the same
// priority and reason on each row, for a collector and a supervisor and
// under every filter the queue offers.
func TestQueueOrderIsPriorityOrder(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		sup := actorFor(t, s, "supervisor@agency-a.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		now := time.Now().UTC()
		shapeQueueBook(t, s, sup.OrgID, now)
		// Half the agency's accounts go to the collector.
		if _, err := s.DB().Exec(`UPDATE accounts SET assigned_to = $1 WHERE id IN (SELECT account_id FROM placements
			WHERE status = 'active' AND agency_id = $2) AND (CAST(SUBSTR(id, 36, 1) AS TEXT) < '8')`, agent.UserID, sup.OrgID); err != nil {
			t.Fatal(err)
		}
		filters := []store.QueueFilter{{}, {Stage: casework.StageLegal}, {Stage: casework.StageNegotiation}, {Bucket: "M1"},
			{Bucket: "M2", Stage: casework.StageLegal}, {Due: "overdue"}, {Due: "today"}, {Due: "overdue", Stage: casework.StageLegal}}
		for _, who := range []collect.Actor{agent, sup} {
			for _, f := range filters {
				want := referenceQueue(t, s, who, f, now)
				name := fmt.Sprintf("%s stage=%s bucket=%s due=%s", who.Email, f.Stage, f.Bucket, f.Due)
				if f == (store.QueueFilter{}) && len(want) < 20 {
					t.Fatalf("%s: only %d accounts in the reference queue", name, len(want))
				}
				for _, paging := range []struct {
					per    int
					cursor bool // each page from the cursor of the one before, else by its number
				}{{1, false}, {4, false}, {7, false}, {50, false}, {1, true}, {3, true}, {7, true}} {
					per := paging.per
					var got []store.QueueRow
					cursor := ""
					for page := 1; page <= len(want)/per+2; page++ {
						qf := store.QueueFilter{Stage: f.Stage, Bucket: f.Bucket, Due: f.Due, Page: store.Page{Page: page, PerPage: per}}
						if paging.cursor {
							if page > 1 && cursor == "" {
								break
							}
							qf.Cursor = cursor
						}
						l, err := s.QueuePage(ctx, who, qf)
						if err != nil {
							t.Fatalf("%s page %d/%d: %v", name, page, per, err)
						}
						if !l.TotalExact || l.Total != int64(len(want)) {
							t.Fatalf("%s: total %d (exact %v), want %d", name, l.Total, l.TotalExact, len(want))
						}
						if (l.Next != "") != (len(l.Rows) == per) {
							t.Fatalf("%s page %d/%d: %d rows, next cursor %q", name, page, per, len(l.Rows), l.Next)
						}
						got = append(got, l.Rows...)
						cursor = l.Next
					}
					if len(got) != len(want) {
						t.Fatalf("%s per page %d (cursor %v): %d rows, want %d", name, per, paging.cursor, len(got), len(want))
					}
					for i := range want {
						g, w := got[i], want[i]
						if g.ID != w.id || math.Abs(g.Priority-w.priority) > 1e-9 || g.PriorityReason != w.reason {
							t.Fatalf("%s per page %d (cursor %v), row %d: %s %v %q, want %s %v %q", name, per, paging.cursor, i, g.ID, g.Priority, g.PriorityReason, w.id, w.priority, w.reason)
						}
					}
				}
			}
		}
	})
}

// staleValues lists the accounts whose stored queue priority is not
// casework.Value of their row and score now.
func staleValues(t *testing.T, s *store.Store) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT a.id, a.dpd, a.balance_cents, a.stage, a.priority_value, sc.score
		FROM accounts a LEFT JOIN account_scores sc ON sc.account_id = a.id AND sc.kind = 'propensity'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var it casework.QueueItem
		var id string
		var stored float64
		var score sql.NullFloat64
		if err := rows.Scan(&id, &it.DPD, &it.BalanceCents, &it.Stage, &stored, &score); err != nil {
			t.Fatal(err)
		}
		if score.Valid {
			it.Score = &score.Float64
		}
		if v, _ := casework.Value(it); v != stored {
			out = append(out, fmt.Sprintf("%s: stored %v, casework.Value %v", id, stored, v))
		}
	}
	return out
}

// Each write of an input of casework.Value refreshes the stored value in
// its transaction: the seed, a stage move, a payment, a rescoring, a
// lender's scoring without a model.
func TestQueuePriorityKeptFresh(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		if st := staleValues(t, s); len(st) > 0 {
			t.Fatalf("after the seed: %d stale, first %s", len(st), st[0])
		}
		agent := actorFor(t, s, "agent@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		acc := agencyAccount(t, s, agent)
		// Out of legal: the value doubles back.
		if _, err := s.DB().Exec(`UPDATE accounts SET stage = 'legal', dispute_open = FALSE WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE accounts SET priority_value = -1 WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RefreshStalePriorities(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MoveStage(ctx, agent, acc.ID, casework.StageNegotiation); err != nil {
			t.Fatal(err)
		}
		if st := staleValues(t, s); len(st) > 0 {
			t.Fatalf("after a stage move: %v", st)
		}
		report(t, s, agent, acc.ID, store.PaymentInput{AmountCents: acc.BalanceCents / 2, PaidAt: time.Now().UTC().Add(-time.Minute), Reference: "Q-1"})
		if st := staleValues(t, s); len(st) > 0 {
			t.Fatalf("after a payment: %v", st)
		}
		// A score written behind the store's back shows; the lender's
		// scoring (with its models, or without any: every score goes)
		// sets all right.
		if _, err := s.DB().Exec(`INSERT INTO account_scores (account_id, kind, lender_id, score, model_id, scored_at)
			VALUES ($1, 'propensity', $2, 0.25, 'm', $3) ON CONFLICT (account_id, kind) DO UPDATE SET score = 0.25`, acc.ID, vm.OrgID, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		if st := staleValues(t, s); len(st) != 1 {
			t.Fatalf("a score written behind the store's back should show as 1 stale value: %v", st)
		}
		if _, err := s.ScoreLender(ctx, vm.OrgID); err != nil {
			t.Fatal(err)
		}
		if st := staleValues(t, s); len(st) > 0 {
			t.Fatalf("after scoring without a model: %v", st)
		}
	})
}

func TestQueueCursorRefused(t *testing.T) {
	t.Parallel()
	s := seeded(t, "sqlite")
	agent := actorFor(t, s, "agent@agency-a.test")
	for _, c := range []string{"x", "0:1", "a:1:id", "0:NaN:id", "0:1:"} {
		if _, err := s.QueuePage(context.Background(), agent, store.QueueFilter{Cursor: c}); collect.ErrorCode(err) != collect.EINVALID {
			t.Errorf("cursor %q: %v, want invalid", c, err)
		}
	}
}

// The follow-up list read through its indexes holds what its definition
// says, in its order: the instalments falling due (by date), the actions
// due by tomorrow (soonest first) and the arrangements most at risk (by
// score), of the collector's accounts or the supervisor's agency.
func TestFollowUpList(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		sup := actorFor(t, s, "supervisor@agency-a.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		now := time.Now().UTC()
		shapeQueueBook(t, s, sup.OrgID, now)
		if _, err := s.DB().Exec(`UPDATE accounts SET assigned_to = $1 WHERE id IN (SELECT account_id FROM placements
			WHERE status = 'active' AND agency_id = $2) AND (CAST(SUBSTR(id, 36, 1) AS TEXT) < '8')`, agent.UserID, sup.OrgID); err != nil {
			t.Fatal(err)
		}
		// Break scores on the live arrangements, some above the line.
		if _, err := s.DB().Exec(`DELETE FROM account_scores WHERE kind = 'arrangement_break'`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`INSERT INTO account_scores (account_id, kind, lender_id, arrangement_id, score, model_id, scored_at)
			SELECT ar.account_id, 'arrangement_break', ar.lender_id, ar.id, (LENGTH(ar.id) % 7) / 7.0 + 0.01, 'm', $1
			FROM arrangements ar WHERE ar.status = 'active' AND ar.id = (SELECT MIN(x.id) FROM arrangements x WHERE x.account_id = ar.account_id AND x.status = 'active')`, now); err != nil {
			t.Fatal(err)
		}
		lines := func(q string, args ...any) []string {
			t.Helper()
			rows, err := s.DB().Query(q, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var a, b string
				if err := rows.Scan(&a, &b); err != nil {
					t.Fatal(err)
				}
				out = append(out, a+" "+b)
			}
			return out
		}
		for _, who := range []collect.Actor{agent, sup} {
			scope, args := `a.status = 'open' AND a.agency_id = $1`, []any{sup.OrgID}
			if who.UserID == agent.UserID {
				scope += ` AND a.assigned_to = $2`
				args = append(args, agent.UserID)
			}
			n := len(args)
			wantDue := lines(`SELECT ar.account_id, ai.due_date FROM arrangement_instalments ai JOIN arrangements ar ON ar.id = ai.arrangement_id
				JOIN accounts a ON a.id = ar.account_id WHERE `+scope+fmt.Sprintf(` AND ar.status = 'active' AND ai.status = 'pending' AND ai.due_date <= $%d
				ORDER BY ai.due_date, ar.account_id`, n+1), append(args, now.AddDate(0, 0, 3).Format(time.DateOnly))...)
			wantActions := lines(`SELECT a.id, a.external_ref FROM accounts a WHERE `+scope+fmt.Sprintf(` AND a.next_action_at <= $%d ORDER BY a.next_action_at, a.id`, n+1),
				append(args, now.Add(24*time.Hour))...)
			wantRisk := lines(`SELECT ar.account_id, ai.due_date FROM account_scores sc JOIN arrangements ar ON ar.id = sc.arrangement_id
				JOIN accounts a ON a.id = ar.account_id JOIN arrangement_instalments ai ON ai.arrangement_id = ar.id AND ai.status = 'pending'
				WHERE `+scope+fmt.Sprintf(` AND sc.kind = 'arrangement_break' AND sc.score >= $%d AND ar.status = 'active'
				AND ai.n = (SELECT MIN(p.n) FROM arrangement_instalments p WHERE p.arrangement_id = ar.id AND p.status = 'pending')
				ORDER BY sc.score DESC, sc.account_id`, n+1), append(args, earlywarning.AtRisk)...)
			if len(wantActions) == 0 || len(wantRisk) == 0 || len(wantDue) == 0 {
				t.Fatalf("%s: the book holds %d actions, %d at risk, %d due: too few to test", who.Email, len(wantActions), len(wantRisk), len(wantDue))
			}
			f, err := s.FollowUpList(ctx, who)
			if err != nil {
				t.Fatal(err)
			}
			var gotDue, gotActions, gotRisk []string
			for _, it := range f.DueSoon {
				gotDue = append(gotDue, it.AccountID+" "+it.DueDate)
			}
			for _, it := range f.Actions {
				gotActions = append(gotActions, it.AccountID+" "+it.ExternalRef)
			}
			for _, it := range f.AtRisk {
				gotRisk = append(gotRisk, it.AccountID+" "+it.DueDate)
			}
			// Instalments due the same day come in no set order.
			slices.Sort(gotDue)
			slices.Sort(wantDue)
			for _, c := range []struct {
				name      string
				got, want []string
			}{{"due soon", gotDue, wantDue}, {"actions", gotActions, wantActions}, {"at risk", gotRisk, wantRisk}} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s %s: %v, want %v", who.Email, c.name, c.got, c.want)
				}
			}
		}
	})
}
