package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework/earlywarning"
)

// CoolingOff is how long after a recall the same agency may not receive the
// account again.
const CoolingOff = 30 * 24 * time.Hour

// PlanRequest asks for a dry run of a strategy over a portfolio.
type PlanRequest struct {
	PortfolioID string                `json:"portfolio_id"`
	Strategy    string                `json:"strategy"`
	Params      allocation.PlanParams `json:"params"`
	Seed        int64                 `json:"seed"`
}

// Allocation is a stored plan: draft until committed or discarded.
type Allocation struct {
	ID               string                `json:"id"`
	LenderID         string                `json:"lender_id"`
	PortfolioID      string                `json:"portfolio_id"`
	Strategy         string                `json:"strategy"`
	Params           allocation.PlanParams `json:"params"`
	Seed             int64                 `json:"seed"`
	Status           string                `json:"status"`
	AssignmentsTotal int                   `json:"assignments_total"`
	UnassignedTotal  int                   `json:"unassigned_total"`
	ByAgency         []allocation.Mix      `json:"by_agency"`
	Groups           []allocation.Mix      `json:"groups,omitempty"`
	Unassigned       map[string]int        `json:"unassigned_by_reason"`
	CreatedBy        string                `json:"created_by"`
	CreatedAt        time.Time             `json:"created_at"`
	CommittedAt      *time.Time            `json:"committed_at"`

	reasons []collect.Phrase // the assignments' reasons (AssignmentRow.ReasonNo), none for a plan stored before they were kept
}

type allocationRow struct {
	ID, LenderID, PortfolioID, Strategy, Params string
	Seed                                        int64
	Status                                      string
	AssignmentsTotal, UnassignedTotal           int
	Summary, CreatedBy                          string
	CreatedAt                                   time.Time
	CommittedAt                                 *time.Time
}

// planSummary is allocations.summary. Reasons are the plan's distinct
// assignment reasons as catalogue keys with their arguments
// ([{"key","args"}]); allocation_assignments.reason_no names one (1-based,
// 0 for a row written before the keys were kept, which shows its English
// reason as stored).
type planSummary struct {
	ByAgency   []allocation.Mix `json:"by_agency"`
	Groups     []allocation.Mix `json:"groups"`
	Unassigned map[string]int   `json:"unassigned"`
	Reasons    json.RawMessage  `json:"reasons,omitempty"`
}

func (r allocationRow) allocation() Allocation {
	out := Allocation{ID: r.ID, LenderID: r.LenderID, PortfolioID: r.PortfolioID, Strategy: r.Strategy, Seed: r.Seed,
		Status: r.Status, AssignmentsTotal: r.AssignmentsTotal, UnassignedTotal: r.UnassignedTotal, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, CommittedAt: r.CommittedAt}
	_ = json.Unmarshal([]byte(r.Params), &out.Params)
	var sum planSummary
	_ = json.Unmarshal([]byte(r.Summary), &sum)
	out.ByAgency, out.Groups, out.Unassigned = sum.ByAgency, sum.Groups, sum.Unassigned
	out.reasons = decodePhrases(sum.Reasons)
	return out
}

// candidates loads the portfolio's accounts that can be placed now: open,
// with no offered or active placement, with the agencies that recalled each
// within the cooling-off period and the band of each one's propensity score
// ("" when it has none: the lender has no propensity model in use).
func (s *Store) candidates(ctx context.Context, db *gorm.DB, lenderID, portfolioID string) ([]allocation.Candidate, error) {
	recalled := map[string][]string{}
	rows, err := db.WithContext(ctx).Table("placements p").Select("p.account_id, p.agency_id").
		Joins("JOIN accounts a ON a.id = p.account_id").
		Where("a.portfolio_id = ? AND p.lender_id = ? AND p.status = ? AND p.ended_at > ?", portfolioID, lenderID, allocation.PlacementRecalled, s.now().Add(-CoolingOff)).Rows()
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var acc, ag string
		if err := rows.Scan(&acc, &ag); err != nil {
			rows.Close()
			return nil, err
		}
		recalled[acc] = append(recalled[acc], ag)
	}
	rows.Close()
	var n int64
	if err := db.WithContext(ctx).Table("accounts").Where("portfolio_id = ? AND lender_id = ?", portfolioID, lenderID).Count(&n).Error; err != nil {
		return nil, err
	}
	out := make([]allocation.Candidate, 0, n)
	rows, err = db.WithContext(ctx).Table("accounts a").
		Select("a.id, a.bucket, a.province, a.balance_cents, COALESCE(sc.band, ''), a.dispute_open, a.legal_hold, a.cease_communication, a.deceased, a.bankrupt").
		Joins("LEFT JOIN account_scores sc ON sc.account_id = a.id AND sc.kind = ? AND sc.lender_id = a.lender_id", earlywarning.KindPropensity).
		Where("a.portfolio_id = ? AND a.lender_id = ? AND a.status = 'open'", portfolioID, lenderID).
		Where("NOT EXISTS (SELECT 1 FROM placements p WHERE p.account_id = a.id AND p.status IN ('offered', 'active'))").
		Order("a.id").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c allocation.Candidate
		if err := rows.Scan(&c.AccountID, &c.Bucket, &c.Province, &c.BalanceCents, &c.ScoreBand, &c.DisputeOpen, &c.LegalHold, &c.CeaseCommunication, &c.Deceased, &c.Bankrupt); err != nil {
			return nil, err
		}
		c.RecalledBy = recalled[c.AccountID]
		out = append(out, c)
	}
	return out, rows.Err()
}

// agencyTargets loads every agency with a contract with the lender, as the
// strategies see them: active only when the agency and the contract are, with
// the capacity it has left now.
func (s *Store) agencyTargets(ctx context.Context, db *gorm.DB, lenderID string) ([]allocation.AgencyTarget, error) {
	var rows []struct {
		C                                                   contractRow `gorm:"embedded"`
		Name, OrgStatus, LicensedProvinces, AcceptedBuckets string
		Capacity                                            *int
		Open                                                int
	}
	err := db.WithContext(ctx).Table("contracts c").
		Select("c.*, o.name, o.status AS org_status, pr.licensed_provinces, pr.accepted_buckets, pr.capacity, "+
			"(SELECT COUNT(*) FROM placements p WHERE p.agency_id = c.agency_id AND p.status IN ('offered', 'active')) AS open").
		Joins("JOIN organisations o ON o.id = c.agency_id").
		Joins("LEFT JOIN agency_profiles pr ON pr.agency_id = c.agency_id").
		Where("c.lender_id = ?", lenderID).Order("o.name").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]allocation.AgencyTarget, 0, len(rows))
	for _, r := range rows {
		c := r.C.contract()
		capacity := 0
		if r.Capacity != nil {
			capacity = max(*r.Capacity-r.Open, 0)
		}
		out = append(out, allocation.AgencyTarget{
			AgencyID: r.C.AgencyID, Name: r.Name, Active: r.OrgStatus == "active" && c.InForce(now),
			LicensedProvinces: splitList(r.LicensedProvinces), AcceptedBuckets: splitList(r.AcceptedBuckets),
			Capacity: capacity, FeeBPByBucket: c.FeeSchedule,
		})
	}
	return out, nil
}

// Validate checks the request's shape; the strategy checks its own params.
func (r PlanRequest) Validate() error {
	if strings.TrimSpace(r.PortfolioID) == "" {
		return collect.E(collect.EINVALID, "err.plan.portfolio_required").WithFields(collect.Field("portfolio_id", "err.form.required"))
	}
	if r.Strategy == "" {
		return collect.E(collect.EINVALID, "err.plan.strategy_required").WithFields(collect.Field("strategy", "err.form.required"))
	}
	return nil
}

// CreatePlan runs a strategy over the portfolio's placeable accounts and
// stores the plan as a draft: every assignment with its reason, every account
// left out with why. Nothing is placed until Commit.
func (s *Store) CreatePlan(ctx context.Context, a collect.Actor, req PlanRequest) (Allocation, error) {
	if err := req.Validate(); err != nil {
		return Allocation{}, err
	}
	if _, err := s.Portfolio(ctx, a, req.PortfolioID); err != nil {
		return Allocation{}, err
	}
	cands, err := s.candidates(ctx, s.db, a.OrgID, req.PortfolioID)
	if err != nil {
		return Allocation{}, err
	}
	targets, err := s.agencyTargets(ctx, s.db, a.OrgID)
	if err != nil {
		return Allocation{}, err
	}
	if req.Strategy == allocation.StrategyPerformanceWeighted {
		// Oversight feeds allocation: the scorecard's scores weight the shares.
		scores := s.agencyScores(ctx, a.OrgID)
		for i := range targets {
			targets[i].Score = scores[targets[i].AgencyID]
		}
	}
	req.Params.Strategy = req.Strategy
	plan, err := allocation.BuildPlan(cands, targets, req.Params, req.Seed)
	if err != nil {
		return Allocation{}, err
	}
	return s.savePlan(ctx, a, req, plan)
}

func (s *Store) savePlan(ctx context.Context, a collect.Actor, req PlanRequest, plan allocation.Plan) (Allocation, error) {
	reasons := map[string]int{}
	for _, u := range plan.Unassigned {
		reasons[u.Reason]++
	}
	params, _ := json.Marshal(req.Params)
	summary, _ := json.Marshal(planSummary{ByAgency: plan.ByAgency, Groups: plan.Groups, Unassigned: reasons, Reasons: encodePhrases(plan.Reasons)})
	row := allocationRow{ID: uuid.Must(uuid.NewV7()).String(), LenderID: a.OrgID, PortfolioID: req.PortfolioID, Strategy: req.Strategy,
		Params: string(params), Seed: req.Seed, Status: "draft", AssignmentsTotal: len(plan.Assignments),
		UnassignedTotal: len(plan.Unassigned), Summary: string(summary), CreatedBy: a.UserID, CreatedAt: s.now()}
	err := s.inBulkTx(ctx, func(b *bulkTx) error {
		if err := b.Table("allocations").Create(&row).Error; err != nil {
			return err
		}
		cols := []string{"allocation_id", "account_id", "agency_id", "grp", "reason_code", "reason", "reason_no", "bucket", "balance_cents", "fee_rate_bp"}
		batch := make([][]any, 0, 5000)
		for _, as := range plan.Assignments {
			batch = append(batch, []any{row.ID, as.AccountID, as.AgencyID, as.Group, as.ReasonCode, as.Reason, as.ReasonNo + 1, as.Bucket, as.BalanceCents, as.FeeRateBP})
			if len(batch) == cap(batch) {
				if err := b.copyRows(ctx, "allocation_assignments", cols, batch, ""); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		if err := b.copyRows(ctx, "allocation_assignments", cols, batch, ""); err != nil {
			return err
		}
		batch = batch[:0]
		for _, u := range plan.Unassigned {
			batch = append(batch, []any{row.ID, u.AccountID, u.Reason})
		}
		if err := b.copyRows(ctx, "allocation_unassigned", []string{"allocation_id", "account_id", "reason"}, batch, ""); err != nil {
			return err
		}
		return s.appendAudit(b.DB, a, auditRecord{Action: "allocation.plan", ObjectType: "allocation", ObjectID: row.ID, LenderID: a.OrgID,
			After: map[string]any{"strategy": req.Strategy, "seed": req.Seed, "assignments": len(plan.Assignments), "unassigned": len(plan.Unassigned)}})
	})
	if err != nil {
		return Allocation{}, err
	}
	return row.allocation(), nil
}

// Allocation returns a plan of the actor's lender.
func (s *Store) Allocation(ctx context.Context, a collect.Actor, id string) (Allocation, error) {
	var row allocationRow
	err := s.db.WithContext(ctx).Table("allocations").Where("id = ? AND lender_id = ?", id, a.OrgID).Take(&row).Error
	if err != nil {
		return Allocation{}, notFound(err, "allocation")
	}
	return row.allocation(), nil
}

// ListAllocations returns the lender's plans, newest first.
func (s *Store) ListAllocations(ctx context.Context, a collect.Actor, p Page) ([]Allocation, int64, error) {
	q := s.db.WithContext(ctx).Table("allocations").Where("lender_id = ?", a.OrgID)
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p = p.Normal()
	var rows []allocationRow
	if err := q.Order("created_at DESC, id").Offset(p.offset()).Limit(p.PerPage).Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]Allocation, len(rows))
	for i, r := range rows {
		out[i] = r.allocation()
	}
	return out, total, nil
}

// AssignmentRow is one account's line in a plan.
type AssignmentRow struct {
	AccountID   string `json:"account_id"`
	ExternalRef string `json:"external_ref"`
	AgencyID    string `json:"agency_id"`
	AgencyName  string `json:"agency_name"`
	Group       string `json:"group,omitempty" gorm:"column:grp"`
	ReasonCode  string `json:"reason_code"`
	Reason      string `json:"reason"` // in English, as stored
	// ReasonKey and ReasonArgs are Reason as a catalogue key with its
	// arguments, for a page in the reader's language; empty for a plan
	// stored before they were kept.
	ReasonKey    string         `json:"reason_key,omitempty" gorm:"-"`
	ReasonArgs   map[string]any `json:"-" gorm:"-"`
	ReasonNo     int            `json:"-" gorm:"column:reason_no"`
	Bucket       string         `json:"bucket"`
	BalanceCents int64          `json:"balance_cents"`
	FeeRateBP    int            `json:"fee_rate_bp"`
}

// Assignments pages through a plan's assignments, optionally for one agency.
func (s *Store) Assignments(ctx context.Context, a collect.Actor, id, agencyID string, p Page) ([]AssignmentRow, int64, error) {
	pl, err := s.Allocation(ctx, a, id)
	if err != nil {
		return nil, 0, err
	}
	q := s.db.WithContext(ctx).Table("allocation_assignments aa").Where("aa.allocation_id = ?", id)
	if agencyID != "" {
		q = q.Where("aa.agency_id = ?", agencyID)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p = p.Normal()
	var out []AssignmentRow
	err = q.Select("aa.*, ac.external_ref, o.name AS agency_name").
		Joins("JOIN accounts ac ON ac.id = aa.account_id").Joins("JOIN organisations o ON o.id = aa.agency_id").
		Order("aa.account_id").Offset(p.offset()).Limit(p.PerPage).Scan(&out).Error
	for i := range out {
		if n := out[i].ReasonNo; n > 0 && n <= len(pl.reasons) {
			out[i].ReasonKey, out[i].ReasonArgs = pl.reasons[n-1].Key, pl.reasons[n-1].Args
		}
	}
	return out, total, err
}

// CommitPlan turns a draft into offers, atomically: every assignment becomes
// an offered placement with the contract's acceptance deadline and term, or
// nothing does. An account placed meanwhile, or an agency suspended
// meanwhile, is a conflict; the database's one-open-placement index stops a
// racing commit even if the check passed.
func (s *Store) CommitPlan(ctx context.Context, a collect.Actor, id string) (Allocation, error) {
	var out Allocation
	now := s.now()
	err := s.inBulkTx(ctx, func(b *bulkTx) error {
		var row allocationRow
		if err := b.Table("allocations").Where("id = ? AND lender_id = ?", id, a.OrgID).Take(&row).Error; err != nil {
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("commit: read plan: %w", err)
			}
			return notFound(err, "allocation")
		}
		if row.Status != "draft" {
			return collect.E(collect.ECONFLICT, "err.plan.not_draft", "status", row.Status)
		}
		var taken []string
		if err := b.Table("allocation_assignments aa").Select("aa.account_id").
			Joins("JOIN placements p ON p.account_id = aa.account_id AND p.status IN ('offered', 'active')").
			Where("aa.allocation_id = ?", id).Limit(5).Pluck("aa.account_id", &taken).Error; err != nil {
			return fmt.Errorf("commit: check placed: %w", err)
		}
		if len(taken) > 0 {
			return collect.E(collect.ECONFLICT, "err.plan.accounts_placed", "accounts", strings.Join(taken, ", "))
		}
		var agencies []string
		if err := b.Table("allocation_assignments").Where("allocation_id = ?", id).Distinct("agency_id").Pluck("agency_id", &agencies).Error; err != nil {
			return err
		}
		for _, ag := range agencies {
			c, err := contractFor(b.DB, a.OrgID, ag)
			if err != nil {
				return collect.E(collect.ECONFLICT, "err.plan.no_contract", "agency", ag)
			}
			var orgStatus string
			b.Table("organisations").Where("id = ?", ag).Pluck("status", &orgStatus)
			if !c.InForce(now) || orgStatus != "active" {
				return collect.E(collect.ECONFLICT, "err.plan.agency_suspended", "agency", ag)
			}
			acceptBy := now.Add(time.Duration(c.AcceptDays) * 24 * time.Hour)
			endsAt := now.Add(time.Duration(c.TermDays) * 24 * time.Hour)
			if err := b.insertPlacementsFromPlan(id, a.OrgID, ag, now, acceptBy, endsAt); err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return collect.E(collect.ECONFLICT, "err.plan.concurrent_commit")
				}
				return fmt.Errorf("commit: insert offers: %w", err)
			}
		}
		res := b.Table("allocations").Where("id = ? AND status = 'draft'", id).Updates(map[string]any{"status": "committed", "committed_at": now})
		if res.Error != nil {
			return fmt.Errorf("commit: mark committed: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.plan.discarded_meanwhile")
		}
		row.Status, row.CommittedAt = "committed", &now
		out = row.allocation()
		return s.appendAudit(b.DB, a, auditRecord{Action: "allocation.commit", ObjectType: "allocation", ObjectID: id, LenderID: a.OrgID,
			After: map[string]any{"placements_offered": row.AssignmentsTotal}})
	})
	if err == nil && out.AssignmentsTotal >= bulkAnalyzeRows {
		s.analyze(ctx, "placements")
	}
	return out, err
}

// insertPlacementsFromPlan makes one agency's offers in a single
// INSERT ... SELECT. A placement id is a fresh UUIDv7 prefix for this commit
// and agency (time-ordered, random) joined to the account id's random tail,
// so ids stay unguessable without a per-row round trip.
func (b *bulkTx) insertPlacementsFromPlan(allocationID, lenderID, agencyID string, now, acceptBy, endsAt time.Time) error {
	prefix := uuid.Must(uuid.NewV7()).String()[:24] // time-ordered and random per commit
	idExpr := "? || substr(aa.account_id, length(aa.account_id) - 11, 12)"
	if b.dialect == "postgres" {
		idExpr = "? || right(aa.account_id, 12)"
	}
	return b.Exec(`INSERT INTO placements (id, account_id, agency_id, lender_id, status, fee_rate_bp, created_at, starts_at, ends_at, accept_by, bucket, balance_cents, source)
		SELECT `+idExpr+`, aa.account_id, aa.agency_id, ?, 'offered', aa.fee_rate_bp, ?, ?, ?, ?, aa.bucket, aa.balance_cents, ?
		FROM allocation_assignments aa WHERE aa.allocation_id = ? AND aa.agency_id = ?`,
		prefix, lenderID, now, now, endsAt, acceptBy, "allocation:"+allocationID, allocationID, agencyID).Error
}

// DiscardPlan drops a draft.
func (s *Store) DiscardPlan(ctx context.Context, a collect.Actor, id string) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Table("allocations").Where("id = ? AND lender_id = ? AND status = 'draft'", id, a.OrgID).Update("status", "discarded")
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if _, err := s.Allocation(tx.Statement.Context, a, id); err != nil {
				return err
			}
			return collect.E(collect.ECONFLICT, "err.plan.discard_not_draft")
		}
		return s.appendAudit(tx, a, auditRecord{Action: "allocation.discard", ObjectType: "allocation", ObjectID: id, LenderID: a.OrgID})
	})
}
