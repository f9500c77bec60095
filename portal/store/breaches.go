package store

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/oversight"
)

// recordBreaches writes one breach per broken rule (a refused attempt, or a
// contact a detector found in breach) and counts them, inside tx. The unique
// key (source, source id, rule) makes a second detection of the same breach a
// no-op, so detectors can run again and in several processes.
func recordBreaches(tx *gorm.DB, lenderID, agencyID, accountID, source, sourceID string, occurred, now time.Time, vs []allocation.Violation, evidence []string) error {
	added := int64(0)
	for _, v := range vs {
		res := tx.Exec(`INSERT INTO breaches (id, lender_id, agency_id, account_id, rule, severity, source, source_id, evidence, message, occurred_at, detected_at, status, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?) ON CONFLICT (source, source_id, rule) DO NOTHING`,
			uuid.Must(uuid.NewV7()).String(), lenderID, agencyID, accountID, v.Rule, oversight.Severity(v.Rule), source, sourceID,
			jsonString(nonNilStrings(evidence)), v.Message, occurred, now, now)
		if res.Error != nil {
			return res.Error
		}
		added += res.RowsAffected
	}
	if added == 0 {
		return nil
	}
	return statDelta(tx, lenderID, agencyID, occurred, map[string]int64{"breaches": added})
}
