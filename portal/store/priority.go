package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"collect/casework"
	"collect/casework/earlywarning"
)

// accounts.priority_value keeps casework.Value of each account (its DPD,
// balance, stage and propensity score), so a work queue is an index walk in
// that order instead of a scan and sort of the whole scope. Whatever
// changes an input refreshes it in the same transaction: a single write
// through refreshPriorities on its ids, a bulk SQL write by marking rows
// stale (priority_value < 0, the column's default, on a small partial
// index) and refreshStale. Migrate refreshes what a migration left stale.

// stalePriority marks a row whose priority_value must be computed again.
const stalePriority = -1

// priorityChunk is how many rows one refresh reads and writes at a time.
const priorityChunk = 500

// priorityInputs are the columns casework.Value reads, with the stored value.
type priorityInputs struct {
	ID            string
	DPD           int
	BalanceCents  int64
	Stage         string
	PriorityValue float64
	Score         *float64
}

// item is the account as casework.Value sees it.
func (p priorityInputs) item() casework.QueueItem {
	return casework.QueueItem{DPD: p.DPD, BalanceCents: p.BalanceCents, Stage: p.Stage, Score: p.Score}
}

// priorityValue is the value an account with these inputs keeps.
func priorityValue(it casework.QueueItem) float64 {
	v, _ := casework.Value(it)
	return v
}

// refreshPriorities recomputes priority_value of the accounts matching
// where (on table alias "accounts") and writes those that changed. It
// returns how many it read.
func refreshPriorities(tx *gorm.DB, where string, args ...any) (int, error) {
	var rows []priorityInputs
	err := tx.Table("accounts").
		Select("accounts.id, accounts.dpd, accounts.balance_cents, accounts.stage, accounts.priority_value, sc.score").
		Joins("LEFT JOIN account_scores sc ON sc.account_id = accounts.id AND sc.kind = ?", earlywarning.KindPropensity).
		Where(where, args...).Scan(&rows).Error
	if err != nil {
		return 0, err
	}
	var ids []string
	var values []float64
	for _, r := range rows {
		if v := priorityValue(r.item()); v != r.PriorityValue {
			ids, values = append(ids, r.ID), append(values, v)
		}
	}
	return len(rows), writePriorities(tx, ids, values)
}

// refreshPriorityIDs refreshes the given accounts.
func refreshPriorityIDs(tx *gorm.DB, ids ...string) error {
	for lo := 0; lo < len(ids); lo += priorityChunk {
		if _, err := refreshPriorities(tx, "accounts.id IN ?", ids[lo:min(lo+priorityChunk, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

// refreshStale refreshes every stale row, a chunk at a time (each chunk
// leaves the stale index as it is written).
func refreshStale(tx *gorm.DB) error {
	for {
		var ids []string
		if err := tx.Table("accounts").Where("priority_value < 0").Limit(priorityChunk).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := refreshPriorityIDs(tx, ids...); err != nil {
			return err
		}
	}
}

// writePriorities sets priority_value of ids[i] to values[i], a chunk per
// statement (UPDATE ... FROM (VALUES ...), the same SQL on both databases).
func writePriorities(tx *gorm.DB, ids []string, values []float64) error {
	for lo := 0; lo < len(ids); lo += priorityChunk {
		hi := min(lo+priorityChunk, len(ids))
		var b strings.Builder
		args := make([]any, 0, 2*(hi-lo))
		for i := lo; i < hi; i++ {
			if i > lo {
				b.WriteString(", ")
			}
			b.WriteString("(CAST(? AS TEXT), CAST(? AS DOUBLE PRECISION))")
			args = append(args, ids[i], values[i])
		}
		if err := tx.Exec(`UPDATE accounts SET priority_value = v.column2 FROM (VALUES `+b.String()+`) AS v
			WHERE accounts.id = v.column1`, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// RefreshStalePriorities computes priority_value wherever it is stale
// (after a migration added or reset it), in transactions of a few thousand
// rows so that other writers get their turn.
func (s *Store) RefreshStalePriorities(ctx context.Context) error {
	for {
		var n int64
		err := s.inTx(ctx, func(tx *gorm.DB) error {
			var ids []string
			if err := tx.Table("accounts").Where("priority_value < 0").Limit(10*priorityChunk).Pluck("id", &ids).Error; err != nil {
				return err
			}
			n = int64(len(ids))
			return refreshPriorityIDs(tx, ids...)
		})
		if err != nil || n == 0 {
			return err
		}
	}
}
