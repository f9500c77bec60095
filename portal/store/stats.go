package store

import (
	"collect"
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"collect/casework"
	"collect/evidence"
)

// statDelta adds to one lender-agency-month row of agency_month_stats,
// inside the transaction of the event it counts. Counter names are fixed by
// the callers (never user input).
func statDelta(tx *gorm.DB, lenderID, agencyID string, at time.Time, deltas map[string]int64) error {
	if lenderID == "" || agencyID == "" || len(deltas) == 0 {
		return nil
	}
	month := at.UTC().Format("2006-01")
	cols := make([]string, 0, len(deltas))
	vals := make([]any, 0, len(deltas)+3)
	vals = append(vals, lenderID, agencyID, month)
	var set []string
	for c, v := range deltas {
		cols = append(cols, c)
		vals = append(vals, v)
		set = append(set, fmt.Sprintf("%s = agency_month_stats.%s + excluded.%s", c, c, c))
	}
	q := "INSERT INTO agency_month_stats (lender_id, agency_id, month, " + strings.Join(cols, ", ") + ") VALUES (?, ?, ?" +
		strings.Repeat(", ?", len(cols)) + ") ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET " + strings.Join(set, ", ")
	return tx.Exec(q, vals...).Error
}

// statsRebuild recomputes every counter from the events, for data that did
// not come through the application (the demo seed, a restore, a migration):
// the same definitions as the incremental updates, so the two agree.
var statsRebuild = []string{
	`DELETE FROM agency_month_stats`,
	`DELETE FROM account_month_worked`,
	// Placed balance by vintage: placements that became active (ended ones included).
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, placed_accounts, placed_balance_cents)
	 SELECT lender_id, agency_id, %s, COUNT(*), SUM(balance_cents) FROM placements
	 WHERE accepted_at IS NOT NULL
	 GROUP BY lender_id, agency_id, %s`,
	// Recoveries and commission: by payment month; and by the placement's vintage.
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, recovered_cents, commission_cents)
	 SELECT lender_id, agency_id, month, SUM(payment_cents), SUM(amount_cents) FROM commissions GROUP BY lender_id, agency_id, month
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET recovered_cents = excluded.recovered_cents, commission_cents = excluded.commission_cents`,
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, vintage_recovered_cents)
	 SELECT c.lender_id, c.agency_id, %s, SUM(c.payment_cents) FROM commissions c JOIN placements p ON p.id = c.placement_id
	 GROUP BY c.lender_id, c.agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET vintage_recovered_cents = excluded.vintage_recovered_cents`,
	// Contacts.
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, contact_attempts, right_party_contacts)
	 SELECT lender_id, agency_id, %s, SUM(CASE WHEN ` + casework.ContactAttemptSQL("") + ` THEN 1 ELSE 0 END),
	        SUM(CASE WHEN ` + casework.RightPartyContactSQL("") + ` THEN 1 ELSE 0 END)
	 FROM contacts GROUP BY lender_id, agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET contact_attempts = excluded.contact_attempts, right_party_contacts = excluded.right_party_contacts`,
	`INSERT INTO account_month_worked (account_id, agency_id, month) SELECT DISTINCT account_id, agency_id, %s FROM contacts`,
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, accounts_worked)
	 SELECT lender_id, agency_id, m, COUNT(*) FROM (SELECT DISTINCT lender_id, agency_id, account_id, %s AS m FROM contacts) w GROUP BY lender_id, agency_id, m
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET accounts_worked = excluded.accounts_worked`,
	// Days from placement to the first contact, in the first contact's month.
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, first_contact_days_sum, first_contact_count)
	 SELECT lender_id, agency_id, m, SUM(d), COUNT(*) FROM (
	   SELECT p.lender_id, p.agency_id, %s AS m, %s AS d
	   FROM (SELECT placement_id, MIN(at) AS first_at FROM contacts GROUP BY placement_id) f JOIN placements p ON p.id = f.placement_id) x
	 GROUP BY lender_id, agency_id, m
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET first_contact_days_sum = excluded.first_contact_days_sum, first_contact_count = excluded.first_contact_count`,
	// Promises made; and falling due (counted once evaluated).
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, promises)
	 SELECT lender_id, agency_id, %s, COUNT(*) FROM arrangements WHERE kind IN ('promise', 'instalment_plan') AND status <> 'rejected'
	 GROUP BY lender_id, agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET promises = excluded.promises`,
	`UPDATE arrangement_instalments SET counted = (status IN ('kept', 'broken'))`,
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, promises_due, promises_kept)
	 SELECT a.lender_id, a.agency_id, substr(ai.due_date, 1, 7), COUNT(*), SUM(CASE WHEN ai.status = 'kept' THEN 1 ELSE 0 END)
	 FROM arrangement_instalments ai JOIN arrangements a ON a.id = ai.arrangement_id WHERE ai.counted
	 GROUP BY a.lender_id, a.agency_id, substr(ai.due_date, 1, 7)
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET promises_due = excluded.promises_due, promises_kept = excluded.promises_kept`,
	// Legal costs, in the month incurred (a date: its first 7 characters).
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, legal_costs_cents)
	 SELECT lender_id, agency_id, substr(incurred_on, 1, 7), SUM(amount_cents) FROM legal_costs GROUP BY lender_id, agency_id, substr(incurred_on, 1, 7)
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET legal_costs_cents = excluded.legal_costs_cents`,
	// Complaints and breaches.
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, complaints)
	 SELECT lender_id, agency_id, %s, COUNT(*) FROM complaints WHERE agency_id <> '' GROUP BY lender_id, agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET complaints = excluded.complaints`,
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, breaches)
	 SELECT lender_id, agency_id, %s, COUNT(*) FROM breaches WHERE status <> 'dismissed' AND rule <> 'evidence.recording_missing' GROUP BY lender_id, agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET breaches = excluded.breaches`,
	// Evidence and quality (issue 16): calls that need a recording, those
	// found without one, and the lenders' primary reviews.
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, recordings_missing)
	 SELECT lender_id, agency_id, %s, COUNT(*) FROM breaches WHERE status <> 'dismissed' AND rule = 'evidence.recording_missing' GROUP BY lender_id, agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET recordings_missing = excluded.recordings_missing`,
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, calls_to_record)
	 SELECT lender_id, agency_id, %s, COUNT(*) FROM contacts WHERE channel = 'call' AND outcome NOT IN (` + sqlStrings(casework.NotConnectedOutcomes) + `) GROUP BY lender_id, agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET calls_to_record = excluded.calls_to_record`,
	`INSERT INTO agency_month_stats (lender_id, agency_id, month, qa_reviews, qa_score_tenths, qa_critical_failures)
	 SELECT r.lender_id, r.agency_id, %s, COUNT(r.score), COALESCE(SUM(CAST(ROUND(r.score * 10) AS BIGINT)), 0), SUM(CASE WHEN r.critical_failed THEN 1 ELSE 0 END)
	 FROM qa_reviews r JOIN qa_samples qs ON qs.id = r.sample_id WHERE r.is_primary AND qs.owner_id = r.lender_id GROUP BY r.lender_id, r.agency_id, %s
	 ON CONFLICT (lender_id, agency_id, month) DO UPDATE SET qa_reviews = excluded.qa_reviews, qa_score_tenths = excluded.qa_score_tenths, qa_critical_failures = excluded.qa_critical_failures`,
}

// sqlStrings is a list of fixed words as SQL string literals ('a', 'b').
func sqlStrings(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// monthSQL is the UTC month (YYYY-MM) of a timestamp column, as SQL: the
// drivers store SQLite timestamps as UTC text, PostgreSQL's are timestamps.
func (s *Store) monthSQL(col string) string {
	if s.dialect == "postgres" {
		return "to_char(" + col + ", 'YYYY-MM')"
	}
	return "substr(" + col + ", 1, 7)"
}

// RebuildStats recomputes agency_month_stats from the events.
func (s *Store) RebuildStats(ctx context.Context) error {
	// It runs after bulk loads: the planner's view of the tables first.
	s.analyze(ctx, "accounts", "placements", "contacts", "payments", "commissions", "arrangements", "complaints", "breaches")
	month := s.monthSQL
	days := "CAST(julianday(f.first_at) - julianday(p.starts_at) AS INTEGER)"
	if s.dialect == "postgres" {
		days = "CAST(FLOOR(EXTRACT(EPOCH FROM (f.first_at - p.starts_at)) / 86400) AS BIGINT)"
	}
	cols := []struct{ col, groupCol string }{
		{}, {},
		{"starts_at", "starts_at"},
		{},
		{"p.starts_at", "p.starts_at"},
		{"at", "at"},
		{"at", ""},
		{"at", ""},
		{"f.first_at", ""},
		{"created_at", "created_at"},
		{}, {},
		{}, // legal costs: incurred_on is a date
		{"received_at", "received_at"},
		{"occurred_at", "occurred_at"},
		{"occurred_at", "occurred_at"},
		{"at", "at"},
		{"r.contact_at", "r.contact_at"},
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		for i, q := range statsRebuild {
			c := cols[i]
			switch {
			case strings.Contains(q, "first_contact_days_sum"):
				q = fmt.Sprintf(q, month(c.col), days)
			case c.groupCol != "":
				q = fmt.Sprintf(q, month(c.col), month(c.groupCol))
			case c.col != "":
				q = fmt.Sprintf(q, month(c.col))
			}
			if err := tx.Exec(q).Error; err != nil {
				return fmt.Errorf("stats rebuild step %d: %w", i, err)
			}
		}
		return s.appendAudit(tx, collect.Actor{}, auditRecord{Action: "stats.rebuild", ObjectType: "stats", ObjectID: "agency_month_stats"})
	})
}

// countContact keeps the counters of a recorded contact: a contact attempt,
// a right-party contact, the account worked this month (the casework
// predicates; the rebuild's SQL uses their fragments), and the days to the
// placement's first contact.
func countContact(tx *gorm.DB, lenderID, agencyID, accountID, placementID string, placedAt time.Time, c Contact) error {
	d := map[string]int64{}
	if casework.ContactAttempt(c.casework()) {
		d["contact_attempts"] = 1
	}
	if casework.RightPartyContact(c.casework()) {
		d["right_party_contacts"] = 1
	}
	if evidence.RequiresRecording(c.Channel, casework.CallConnected(c.Outcome)) {
		d["calls_to_record"] = 1
	}
	res := tx.Exec(`INSERT INTO account_month_worked (account_id, agency_id, month) VALUES (?, ?, ?) ON CONFLICT (account_id, agency_id, month) DO NOTHING`,
		accountID, agencyID, casework.WorkedMonth(c.At))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		d["accounts_worked"] = 1
	}
	// The placement's first contact is its earliest by time, as the rebuild
	// has it: a contact recorded late but dated before the one counted so
	// far takes its place (RecordContact refuses dates before the placement
	// began, so days are never negative and truncation is the floor).
	var prev []Contact
	// By account first: the (account_id, at) index serves it in order; there
	// is no index on placement_id, and the contact log is the largest table.
	if err := tx.Table("contacts").Where("account_id = ? AND placement_id = ? AND id <> ?", accountID, placementID, c.ID).Order("at").Limit(1).Find(&prev).Error; err != nil {
		return err
	}
	switch {
	case len(prev) == 0:
	case c.At.Before(prev[0].At):
		if err := statDelta(tx, lenderID, agencyID, prev[0].At, map[string]int64{
			"first_contact_days_sum": -daysBetween(placedAt, prev[0].At), "first_contact_count": -1}); err != nil {
			return err
		}
	default:
		return statDelta(tx, lenderID, agencyID, c.At, d)
	}
	d["first_contact_days_sum"] = daysBetween(placedAt, c.At)
	d["first_contact_count"] = 1
	return statDelta(tx, lenderID, agencyID, c.At, d)
}

// daysBetween is the whole days from a to b, as the rebuild's SQL counts them.
func daysBetween(a, b time.Time) int64 { return int64(b.Sub(a).Hours() / 24) }
