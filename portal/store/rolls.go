package store

import (
	"collect"
	"context"
	"fmt"
	"strings"

	"collect/allocation"
	"collect/oversight"
)

// SnapshotBuckets records every account's bucket on the first day of the
// month (closed accounts as "paid") with the agency holding it. The bucket
// comes from the days past the due date on that day, not the bucket stored at
// import, which only a re-import changes: an unpaid account rolls on. Once per
// month: when the month has a snapshot it returns at once (the background job
// calls it every minute); running it in several processes changes nothing.
func (s *Store) SnapshotBuckets(ctx context.Context, month string) (int64, error) {
	if err := ValidMonth(month); err != nil {
		return 0, err
	}
	db := s.db.WithContext(ctx)
	var taken []int
	if err := db.Table("bucket_snapshots").Select("1").Where("month = ?", month).Limit(1).Scan(&taken).Error; err != nil || len(taken) > 0 {
		return 0, err
	}
	day := month + "-01"
	dpd := "CAST(julianday(?) - julianday(a.due_date) AS INTEGER)"
	if s.dialect == "postgres" {
		dpd = "(CAST(? AS date) - CAST(a.due_date AS date))"
	}
	res := db.Exec(`INSERT INTO bucket_snapshots (month, account_id, lender_id, agency_id, bucket)
		SELECT ?, a.id, a.lender_id, COALESCE((SELECT p.agency_id FROM placements p WHERE p.account_id = a.id AND p.status = 'active'), ''),
		       CASE WHEN a.status = 'closed' THEN 'paid' ELSE `+bucketCase(dpd)+` END
		FROM accounts a WHERE TRUE
		ON CONFLICT (month, account_id) DO NOTHING`, month, day) // WHERE TRUE: SQLite's parser needs it before ON CONFLICT
	return res.RowsAffected, res.Error
}

// bucketCase is allocation.Bucket over allocation.DefaultBands as SQL, for
// the days past due given by dpd (an expression with one parameter).
func bucketCase(dpd string) string {
	var b strings.Builder
	b.WriteString("(SELECT CASE")
	for _, band := range allocation.DefaultBands {
		if band.Max == 0 {
			fmt.Fprintf(&b, " WHEN d >= %d THEN '%s'", band.Min, band.Name)
		} else {
			fmt.Fprintf(&b, " WHEN d BETWEEN %d AND %d THEN '%s'", band.Min, band.Max, band.Name)
		}
	}
	b.WriteString(" ELSE 'M0' END FROM (SELECT " + dpd + " AS d) x)")
	return b.String()
}

// RollRates compares the buckets of the actor's accounts between the
// snapshots of two months (oversight.RollRates): for a lender all its
// accounts, optionally those an agency held at the start; for an agency the
// accounts it held at the start.
func (s *Store) RollRates(ctx context.Context, a collect.Actor, from, to, agency string) ([]oversight.RollRow, error) {
	if ValidMonth(from) != nil || ValidMonth(to) != nil || from >= to {
		return nil, collect.E(collect.EINVALID, "err.period.months_ordered")
	}
	read := func(month string, scoped bool) (map[string]string, error) {
		q := s.db.WithContext(ctx).Table("bucket_snapshots").Select("account_id, bucket").Where("month = ?", month)
		switch a.OrgKind {
		case collect.KindLender:
			q = q.Where("lender_id = ?", a.OrgID)
			if scoped && agency != "" {
				q = q.Where("agency_id = ?", agency)
			}
		case collect.KindAgency:
			if scoped {
				q = q.Where("agency_id = ?", a.OrgID)
			} else {
				q = q.Where("account_id IN (SELECT account_id FROM bucket_snapshots WHERE month = ? AND agency_id = ?)", from, a.OrgID)
			}
		default:
			q = q.Where("1 = 0")
		}
		var rows []struct{ AccountID, Bucket string }
		if err := q.Scan(&rows).Error; err != nil {
			return nil, err
		}
		m := make(map[string]string, len(rows))
		for _, r := range rows {
			m[r.AccountID] = r.Bucket
		}
		return m, nil
	}
	start, err := read(from, true)
	if err != nil {
		return nil, err
	}
	end, err := read(to, false)
	if err != nil {
		return nil, err
	}
	return oversight.RollRates(start, end), nil
}
