package store

import (
	"collect"
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/casework/earlywarning"
)

// SetAuditCSVChunk sets how many audit events WriteAuditCSV reads per query,
// for tests of the chunking, and returns the function that restores it.
func SetAuditCSVChunk(n int) (restore func()) {
	old := auditCSVChunk
	auditCSVChunk = n
	return func() { auditCSVChunk = old }
}

// InstallModel stores m as the lender's model in use of its kind, for
// benchmarks that need one without training on the data they load.
func (s *Store) InstallModel(lenderID string, m earlywarning.Model) error {
	params, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := s.db.Exec("UPDATE models SET in_use = FALSE WHERE lender_id = ? AND kind = ?", lenderID, m.Kind).Error; err != nil {
		return err
	}
	return s.db.Table("models").Create(&modelRow{ID: uuid.Must(uuid.NewV7()).String(), LenderID: lenderID, Kind: m.Kind, Version: m.Version,
		TrainedAt: s.now(), Verdict: earlywarning.VerdictInUse, InUse: true, Evaluation: "{}", Params: string(params)}).Error
}

// FeaturesBothWays computes every open account's features at now from its
// full history and from what scoring reads (nowHistories), for the test
// that holds the two equal.
func (s *Store) FeaturesBothWays(ctx context.Context, lenderID string) (full, scored map[string]earlywarning.Features, err error) {
	full, scored = map[string]earlywarning.Features{}, map[string]earlywarning.Features{}
	now := s.now()
	err = s.accountPages(ctx, lenderID, true, func(lo, hi string, accs []ewAccount) error {
		fh, err := s.fullHistories(ctx, s.db, accs, time.Time{})
		if err != nil {
			return err
		}
		nh, err := s.nowHistories(ctx, lo, hi, accs, now)
		if err != nil {
			return err
		}
		for i := range accs {
			full[accs[i].ID] = earlywarning.FeaturesAt(fh[i], now)
			scored[accs[i].ID] = earlywarning.FeaturesAt(nh[i], now)
		}
		return nil
	})
	return full, scored, err
}

// ReasonsJSON is reasonsJSON, for its test.
var ReasonsJSON = reasonsJSON

// SetStage is setStage in a transaction of its own, for the test that the
// store writes no stage the machine refuses.
func (s *Store) SetStage(ctx context.Context, a collect.Actor, accountID, to string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		acc, _, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		return s.setStage(tx, a, acc, to)
	})
}

// SetListCountCap makes the account list count up to n instead of CountCap,
// so tests reach its paths past the cap with a small book.
func (s *Store) SetListCountCap(n int) { s.listCap = n }

// Gorm is the store's GORM handle, for benchmarks' baselines (a one-row
// primary-key read through the same connection pool).
func (s *Store) Gorm() *gorm.DB { return s.db }
