package store

import (
	"collect"
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
)

// LegalCostKinds are the kinds of legal cost recorded.
var LegalCostKinds = []string{"court_fee", "lawyer_fee", "other"}

// LegalCostInput is one cost of a legal case as incurred.
type LegalCostInput struct {
	Kind        string `json:"kind"`
	AmountCents int64  `json:"amount_cents"`
	IncurredOn  string `json:"incurred_on"` // YYYY-MM-DD
	Note        string `json:"note"`
}

// LegalCost is a recorded legal cost.
type LegalCost struct {
	ID          string    `json:"id"`
	LegalCaseID string    `json:"legal_case_id"`
	Kind        string    `json:"kind"`
	AmountCents int64     `json:"amount_cents"`
	IncurredOn  string    `json:"incurred_on"`
	Note        string    `json:"note"`
	CreatedAt   time.Time `json:"created_at"`
}

// Validate checks the input against today (China time).
func (in LegalCostInput) Validate(now time.Time) error {
	var f []collect.FieldError
	if !contains(LegalCostKinds, in.Kind) {
		f = append(f, collect.Field("kind", "err.legal.cost_kind", "kinds", strings.Join(LegalCostKinds, ", ")))
	}
	if in.AmountCents <= 0 || in.AmountCents > 100_000_000_000 {
		f = append(f, collect.Field("amount", "err.legal.cost_amount"))
	}
	if d, err := time.ParseInLocation(time.DateOnly, in.IncurredOn, collect.China); err != nil {
		f = append(f, collect.Field("incurred_on", "err.legal.cost_date_format"))
	} else if d.After(now) {
		f = append(f, collect.Field("incurred_on", "err.legal.cost_date_future"))
	}
	if utf8.RuneCountInString(in.Note) > 500 {
		f = append(f, collect.Field("note", "err.legal.cost_note_long", "max", 500))
	}
	return allocation.FieldErrors(f)
}

// RecordLegalCost records a cost of a legal case in the actor's scope, while
// the case is open (approved to enforcement), and counts it in the agency's
// legal costs for the month it was incurred (cost to collect).
func (s *Store) RecordLegalCost(ctx context.Context, a collect.Actor, caseID string, in LegalCostInput) (LegalCost, error) {
	now := s.now()
	in.Note = strings.TrimSpace(in.Note)
	if err := in.Validate(now); err != nil {
		return LegalCost{}, err
	}
	var out LegalCost
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var lc struct {
			ID, LenderID, AgencyID, Status string
			CreatedAt                      time.Time
		}
		if err := tx.Table("legal_cases").Scopes(legalScope(a)).Where("legal_cases.id = ?", caseID).Take(&lc).Error; err != nil {
			return notFound(err, "legal case")
		}
		if !casework.LegalUnderWay(lc.Status) {
			return collect.E(collect.ECONFLICT, "err.legal.no_costs", "status", lc.Status)
		}
		if in.IncurredOn < lc.CreatedAt.In(collect.China).Format(time.DateOnly) {
			return allocation.FieldErrors([]collect.FieldError{collect.Field("incurred_on", "err.legal.cost_before_referral")})
		}
		out = LegalCost{ID: uuid.Must(uuid.NewV7()).String(), LegalCaseID: lc.ID, Kind: in.Kind, AmountCents: in.AmountCents,
			IncurredOn: in.IncurredOn, Note: in.Note, CreatedAt: now}
		if err := tx.Table("legal_costs").Create(map[string]any{"id": out.ID, "legal_case_id": lc.ID, "lender_id": lc.LenderID, "agency_id": lc.AgencyID,
			"kind": in.Kind, "amount_cents": in.AmountCents, "incurred_on": in.IncurredOn, "note": in.Note, "recorded_by": a.UserID, "created_at": now}).Error; err != nil {
			return err
		}
		// The month is the date's own (as the rebuild reads incurred_on).
		month, _ := time.Parse(time.DateOnly, in.IncurredOn)
		if err := statDelta(tx, lc.LenderID, lc.AgencyID, month, map[string]int64{"legal_costs_cents": in.AmountCents}); err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "legal.cost", ObjectType: "legal_case", ObjectID: lc.ID, LenderID: lc.LenderID,
			After: map[string]any{"cost": out.ID, "kind": out.Kind, "amount_cents": out.AmountCents, "incurred_on": out.IncurredOn, "note_sha256": textDigest(out.Note)}})
	})
	return out, err
}

// LegalCase returns a legal case in the actor's scope.
func (s *Store) LegalCase(ctx context.Context, a collect.Actor, id string) (LegalCase, error) {
	cases, err := legalCases(s.db.WithContext(ctx).Scopes(legalScope(a)).Where("legal_cases.id = ?", id))
	if err != nil {
		return LegalCase{}, err
	}
	if len(cases) == 0 {
		return LegalCase{}, collect.E(collect.ENOTFOUND, "err.legal.case_not_found")
	}
	return cases[0], nil
}

// LegalCaseOpen reports whether a case in this status runs up costs.
func LegalCaseOpen(status string) bool { return casework.LegalUnderWay(status) }
