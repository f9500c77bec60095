package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// BulkLoadContacts gives every account the lender has placed (an active
// placement) perAccount contact records, written through the bulk path
// (COPY on PostgreSQL, batched statements on SQLite), for benchmarks and load
// tests: contacts have no import path. Each contact is inside its placement,
// between its start and now, by the collector the account is assigned to (or
// "bulk"). The counters are not touched: call RebuildStats after. It returns
// how many contacts it wrote.
func (s *Store) BulkLoadContacts(ctx context.Context, lenderID string, perAccount int, rng *rand.Rand) (int, error) {
	if perAccount <= 0 {
		return 0, nil
	}
	now := s.now()
	cols := []string{"id", "account_id", "lender_id", "agency_id", "placement_id", "collector_id", "channel", "party", "direction", "at", "outcome", "created_at"}
	outcomes := []string{"no_answer", "no_answer", "busy", "right_party_contact", "promise", "left_message", "wrong_number", "right_party_contact"}
	batch := max(1, 50000/perAccount) // placements a transaction
	type held struct {
		ID, AccountID, AgencyID, AssignedTo string
		StartsAt                            time.Time
	}
	written, after := 0, ""
	for {
		var pls []held
		if err := s.db.WithContext(ctx).Table("placements p").Joins("JOIN accounts a ON a.id = p.account_id").
			Select("p.id, p.account_id, p.agency_id, p.starts_at, COALESCE(a.assigned_to, '') AS assigned_to").
			Where("p.lender_id = ? AND p.status = ? AND p.id > ?", lenderID, "active", after).
			Order("p.id").Limit(batch).Scan(&pls).Error; err != nil {
			return written, err
		}
		if len(pls) == 0 {
			break
		}
		after = pls[len(pls)-1].ID
		rows := make([][]any, 0, len(pls)*perAccount)
		for _, p := range pls {
			collector := p.AssignedTo
			if collector == "" {
				collector = "bulk"
			}
			span := max(now.Sub(p.StartsAt), time.Second)
			for k := 0; k < perAccount; k++ {
				at := p.StartsAt.Add(time.Duration(rng.Int64N(int64(span)))).UTC()
				rows = append(rows, []any{uuid.Must(uuid.NewV7()).String(), p.AccountID, lenderID, p.AgencyID, p.ID, collector,
					"call", "debtor", "outbound", at, outcomes[rng.IntN(len(outcomes))], at})
			}
		}
		if err := s.inBulkTx(ctx, func(b *bulkTx) error { return b.copyRows(ctx, "contacts", cols, rows, "") }); err != nil {
			return written, fmt.Errorf("contacts: %w", err)
		}
		written += len(rows)
	}
	s.analyze(ctx, "contacts")
	return written, nil
}

// HeldAccountIDs lists up to limit accounts an agency holds (an active
// placement), in id order: what a load test assigns to a collector and reads.
func (s *Store) HeldAccountIDs(ctx context.Context, agencyID string, limit int) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Table("placements").Where("agency_id = ? AND status = ?", agencyID, "active").
		Order("account_id").Limit(limit).Pluck("account_id", &ids).Error
	return ids, err
}

// CountIDs is how many of ids are rows of table (contacts or payments): a
// load test's check that every write it was told succeeded was kept.
func (s *Store) CountIDs(ctx context.Context, table string, ids []string) (int, error) {
	if table != "contacts" && table != "payments" {
		return 0, fmt.Errorf("count ids: table %q is not counted", table)
	}
	total := 0
	for lo := 0; lo < len(ids); lo += 5000 {
		var n int64
		if err := s.db.WithContext(ctx).Table(table).Where("id IN ?", ids[lo:min(lo+5000, len(ids))]).Count(&n).Error; err != nil {
			return total, err
		}
		total += int(n)
	}
	return total, nil
}

// BaselineDB is the store's GORM handle, for a load test's baseline (a one-row
// primary-key read through the same pool); the portal itself never uses it.
func (s *Store) BaselineDB() *gorm.DB { return s.db }
