package store

import (
	"collect"
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"collect/allocation"
)

// PlacementRow is a placement as lists show it: with the agency's name and a
// summary of the account that carries no personal data (an agency sees offers
// before it may see the debtor).
type PlacementRow struct {
	allocation.Placement
	AcceptBy     *time.Time `json:"accept_by"`
	Bucket       string     `json:"bucket"`
	BalanceCents int64      `json:"balance_cents"`
	Source       string     `json:"source"`
	AgencyName   string     `json:"agency_name"`
	ExternalRef  string     `json:"external_ref"`
	Province     string     `json:"province"`
	DPD          int        `json:"dpd"`
}

// PlacementFilter narrows the placement list.
type PlacementFilter struct {
	Status  string
	Agency  string
	Account string
	// Allocation keeps the placements one plan made (placements.source).
	Allocation string
	Page
}

// PlacementStatuses lists every status a placement may have.
var PlacementStatuses = []string{allocation.PlacementOffered, allocation.PlacementDeclined, allocation.PlacementActive,
	allocation.PlacementRecalled, allocation.PlacementExpired, allocation.PlacementReturned, allocation.PlacementClosed}

// ListPlacements returns placements in the actor's scope: a lender's own, an
// agency's own (offers included), newest first.
func (s *Store) ListPlacements(ctx context.Context, a collect.Actor, f PlacementFilter) (PlacementPage, error) {
	out := PlacementPage{Rows: []PlacementRow{}, TotalExact: true}
	if f.Status != "" && !contains(PlacementStatuses, f.Status) {
		return out, collect.Invalid("status", "err.placement.unknown_status", "status", f.Status)
	}
	filtered := func(q *gorm.DB) *gorm.DB {
		q = q.Scopes(placementScope(a))
		if f.Status != "" {
			q = q.Where("placements.status = ?", f.Status)
		}
		if f.Agency != "" {
			q = q.Where("placements.agency_id = ?", f.Agency)
		}
		if f.Account != "" {
			q = q.Where("placements.account_id = ?", f.Account)
		}
		if f.Allocation != "" {
			q = q.Where("placements.source = ?", "allocation:"+f.Allocation)
		}
		return q
	}
	db := s.db.WithContext(ctx)
	// Counted up to CountCap, without the joins (one organisation and one
	// account to each placement): at 1,000,000 placements an exact count
	// read them all on every visit.
	var total int64
	capped := filtered(db.Table("placements").Select("1")).Limit(CountCap + 1)
	if err := db.Table("(?) AS t", capped).Count(&total).Error; err != nil {
		return out, err
	}
	out.Total, out.TotalExact = min(total, CountCap), total <= CountCap
	if total == 0 {
		return out, nil
	}
	// Newest first, read in that order rather than sorted: on PostgreSQL
	// through (scope, created_at, id) indexes (00034); on SQLite, which has
	// no statistics here and would rather read the scope's index and sort
	// it all, by walking (created_at, id) with the scope checked on the way,
	// unless the set is small enough to read from its index and sort (a
	// small agency's, one account's).
	table := "placements"
	if s.dialect == "sqlite" && f.Account == "" && total > placementSortMax {
		table = "placements INDEXED BY placements_newest"
	}
	p := f.Page.Normal()
	err := filtered(db.Table(table)).
		Joins("JOIN organisations o ON o.id = placements.agency_id").
		Joins("JOIN accounts ac ON ac.id = placements.account_id").
		Select("placements.*, o.name AS agency_name, ac.external_ref, ac.province, ac.dpd, " +
			"CASE WHEN placements.bucket = '' THEN ac.bucket ELSE placements.bucket END AS bucket, " +
			"CASE WHEN placements.balance_cents = 0 THEN ac.balance_cents ELSE placements.balance_cents END AS balance_cents").
		Order("placements.created_at DESC, placements.id DESC").Offset(p.offset()).Limit(p.PerPage).Scan(&out.Rows).Error
	return out, err
}

// placementSortMax is the largest set the placement list reads from an
// index and sorts on SQLite; a larger one is walked newest first.
const placementSortMax = 2000

// PlacementPage is one page of the placement list; Total is exact when
// TotalExact, else the list holds more than Total (CountCap) placements.
type PlacementPage struct {
	Rows       []PlacementRow
	Total      int64
	TotalExact bool
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PlacementAction is one lifecycle step on many placements at once: the
// placements named by IDs or, for accept and decline only, every offer of
// the plan AllocationID for the actor's agency.
type PlacementAction struct {
	IDs          []string
	AllocationID string
	Reason       string
	// Expect, when above 0, is the count of the plan's offers the user
	// confirmed: another count now is a conflict and nothing changes.
	Expect int
}

// byPlan reports whether the step names a plan rather than ids; both at
// once is invalid.
func (p PlacementAction) byPlan(needReason bool) (bool, error) {
	if strings.TrimSpace(p.AllocationID) == "" {
		return false, nil
	}
	if len(p.IDs) > 0 {
		return true, collect.E(collect.EINVALID, "err.bulk.ids_or_plan").WithFields(collect.Field("allocation_id", "err.bulk.ids_or_plan"))
	}
	if err := validPlanID(p.AllocationID); err != nil {
		return true, err
	}
	if needReason {
		return true, allocation.ValidReason(p.Reason)
	}
	return true, nil
}

// Validate checks the ids (1 to 10,000, no blanks) and, where needed, the
// reason. A plan id is for accept and decline only.
func (p PlacementAction) Validate(needReason bool) error {
	if p.AllocationID != "" {
		return collect.Invalid("allocation_id", "err.bulk.plan_accept_decline_only")
	}
	if len(p.IDs) == 0 {
		return collect.E(collect.EINVALID, "err.placement.ids_required").WithFields(collect.Field("ids", "err.form.required"))
	}
	if len(p.IDs) > 10000 {
		return collect.E(collect.EINVALID, "err.placement.too_many", "max", "10,000")
	}
	for _, id := range p.IDs {
		if strings.TrimSpace(id) == "" {
			return collect.E(collect.EINVALID, "err.placement.empty_id")
		}
	}
	if needReason {
		return allocation.ValidReason(p.Reason)
	}
	return nil
}

// lockPlacements loads the placements in the actor's scope, for update, in
// tx. Any id outside the scope makes the whole request not found.
func lockPlacements(tx *gorm.DB, a collect.Actor, ids []string) ([]PlacementRow, error) {
	var rows []PlacementRow
	q := tx.Table("placements").Scopes(placementScope(a)).Where("placements.id IN ?", ids)
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) != len(uniq(ids)) {
		found := map[string]bool{}
		for _, r := range rows {
			found[r.ID] = true
		}
		var missing []string
		for _, id := range ids {
			if !found[id] {
				missing = append(missing, id)
			}
		}
		return nil, collect.E(collect.ENOTFOUND, "err.placement.not_found", "ids", strings.Join(first(missing, 5), ", "))
	}
	return rows, nil
}

func uniq(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// transition applies one lifecycle step to every placement named, all or
// nothing: check decides per placement, set gives the new columns.
func (s *Store) transition(ctx context.Context, a collect.Actor, act PlacementAction, action string,
	check func(tx *gorm.DB, p PlacementRow) error, set func(tx *gorm.DB, p PlacementRow) (map[string]any, error)) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		rows, err := lockPlacements(tx, a, act.IDs)
		if err != nil {
			return err
		}
		var problems []collect.FieldError
		for _, p := range rows {
			if err := check(tx, p); err != nil {
				problems = append(problems, collect.Field(p.ID, "err.placement.problem", "problem", err))
			}
		}
		if len(problems) > 0 {
			e := collect.E(collect.ECONFLICT, "err.placement.cannot_change", "count", len(problems), "total", len(rows), "problems", first(problems, 5))
			return e
		}
		lenders := map[string]bool{}
		for _, p := range rows {
			cols, err := set(tx, p)
			if err != nil {
				return err
			}
			res := tx.Table("placements").Where("id = ? AND status = ?", p.ID, p.Status).Updates(cols)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return collect.E(collect.ECONFLICT, "err.placement.changed_meanwhile", "id", p.ID)
			}
			lenders[p.LenderID] = true
			n++
		}
		for lender := range lenders {
			ids := make([]string, 0, len(rows))
			for _, p := range rows {
				if p.LenderID == lender {
					ids = append(ids, p.ID)
				}
			}
			objectID := ids[0]
			if len(ids) > 1 {
				objectID = fmt.Sprintf("%d placements", len(ids))
			}
			if err := s.appendAudit(tx, a, auditRecord{Action: action, ObjectType: "placement", ObjectID: objectID, LenderID: lender,
				After: map[string]any{"ids": ids, "reason_sha256": textDigest(act.Reason)}}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// AcceptPlacements accepts offers for the actor's agency before their
// deadline; the term starts now. With an AllocationID, every open offer of
// that plan for the agency (placements_plan.go).
func (s *Store) AcceptPlacements(ctx context.Context, a collect.Actor, act PlacementAction) (int, error) {
	if plan, err := act.byPlan(false); plan || err != nil {
		if err != nil {
			return 0, err
		}
		return s.acceptPlan(ctx, a, act)
	}
	if err := act.Validate(false); err != nil {
		return 0, err
	}
	now := s.now()
	return s.transition(ctx, a, act, "placement.accept",
		func(tx *gorm.DB, p PlacementRow) error {
			var by time.Time
			if p.AcceptBy != nil {
				by = *p.AcceptBy
			}
			if err := allocation.CanAccept(p.Placement, by, now); err != nil {
				return err
			}
			// A suspended agency or contract takes no new placements, offers included.
			c, err := contractFor(tx, p.LenderID, p.AgencyID)
			var orgStatus string
			tx.Table("organisations").Where("id = ?", p.AgencyID).Pluck("status", &orgStatus)
			if err != nil || !c.InForce(now) || orgStatus != "active" {
				return collect.E(collect.ECONFLICT, "err.placement.agency_suspended", "id", p.ID)
			}
			return nil
		},
		func(tx *gorm.DB, p PlacementRow) (map[string]any, error) {
			term := p.EndsAt.Sub(p.StartsAt)
			if c, err := contractFor(tx, p.LenderID, p.AgencyID); err == nil {
				term = time.Duration(c.TermDays) * 24 * time.Hour
			}
			if err := statDelta(tx, p.LenderID, p.AgencyID, now, map[string]int64{"placed_accounts": 1, "placed_balance_cents": p.BalanceCents}); err != nil {
				return nil, err
			}
			return map[string]any{"status": allocation.PlacementActive, "starts_at": now, "ends_at": now.Add(term), "accepted_at": now, "decided_by": a.UserID}, nil
		})
}

// DeclinePlacements declines offers; the accounts return to the pool. With
// an AllocationID, every open offer of that plan for the agency.
func (s *Store) DeclinePlacements(ctx context.Context, a collect.Actor, act PlacementAction) (int, error) {
	if plan, err := act.byPlan(true); plan || err != nil {
		if err != nil {
			return 0, err
		}
		return s.declinePlan(ctx, a, act)
	}
	if err := act.Validate(true); err != nil {
		return 0, err
	}
	now := s.now()
	return s.transition(ctx, a, act, "placement.decline",
		func(tx *gorm.DB, p PlacementRow) error {
			if p.Status != allocation.PlacementOffered {
				return collect.E(collect.ECONFLICT, "err.placement.not_offered", "id", p.ID, "status", p.Status)
			}
			return nil
		},
		func(tx *gorm.DB, p PlacementRow) (map[string]any, error) {
			return map[string]any{"status": allocation.PlacementDeclined, "ended_at": now, "end_reason": act.Reason, "decided_by": a.UserID}, nil
		})
}

// RecallPlacements takes accounts back from their agencies (the lender's).
func (s *Store) RecallPlacements(ctx context.Context, a collect.Actor, act PlacementAction) (int, error) {
	if err := act.Validate(true); err != nil {
		return 0, err
	}
	now := s.now()
	return s.transition(ctx, a, act, "placement.recall",
		func(tx *gorm.DB, p PlacementRow) error { return allocation.CanRecall(p.Placement) },
		func(tx *gorm.DB, p PlacementRow) (map[string]any, error) {
			return map[string]any{"status": allocation.PlacementRecalled, "ended_at": now, "end_reason": act.Reason, "decided_by": a.UserID}, nil
		})
}

// ReturnPlacements hands active accounts back to the lender (the agency's).
func (s *Store) ReturnPlacements(ctx context.Context, a collect.Actor, act PlacementAction) (int, error) {
	if err := act.Validate(true); err != nil {
		return 0, err
	}
	now := s.now()
	return s.transition(ctx, a, act, "placement.return",
		func(tx *gorm.DB, p PlacementRow) error { return allocation.CanReturn(p.Placement) },
		func(tx *gorm.DB, p PlacementRow) (map[string]any, error) {
			return map[string]any{"status": allocation.PlacementReturned, "ended_at": now, "end_reason": act.Reason, "decided_by": a.UserID}, nil
		})
}

// ExpirePlacements ends offers past their deadline (the accounts return to
// the pool) and active placements past their term. Each is one UPDATE whose
// WHERE re-checks the status, so several portal processes running it at once
// expire each placement exactly once; the audit event is written only by the
// process whose update changed rows.
func (s *Store) ExpirePlacements(ctx context.Context) (offers, terms int64, err error) {
	now := s.now()
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		var rows []struct{ ID, LenderID, Kind string }
		var expired []struct{ ID, LenderID string }
		if err := tx.Raw(`UPDATE placements SET status = ?, ended_at = ?, end_reason = ? WHERE status = ? AND accept_by IS NOT NULL AND accept_by < ? RETURNING id, lender_id`,
			allocation.PlacementExpired, now, allocation.EndReasonText(allocation.EndOfferExpired), allocation.PlacementOffered, now).Scan(&expired).Error; err != nil {
			return err
		}
		offers = int64(len(expired))
		for _, e := range expired {
			rows = append(rows, struct{ ID, LenderID, Kind string }{e.ID, e.LenderID, "offer"})
		}
		expired = nil
		if err := tx.Raw(`UPDATE placements SET status = ?, ended_at = ?, end_reason = ? WHERE status = ? AND ends_at < ? RETURNING id, lender_id`,
			allocation.PlacementExpired, now, allocation.EndReasonText(allocation.EndTermEnded), allocation.PlacementActive, now).Scan(&expired).Error; err != nil {
			return err
		}
		terms = int64(len(expired))
		for _, e := range expired {
			rows = append(rows, struct{ ID, LenderID, Kind string }{e.ID, e.LenderID, "term"})
		}
		// One event per lender, naming the placements, so each lender's
		// auditors see what expired.
		byLender := map[string]map[string][]string{}
		for _, r := range rows {
			if byLender[r.LenderID] == nil {
				byLender[r.LenderID] = map[string][]string{}
			}
			byLender[r.LenderID][r.Kind] = append(byLender[r.LenderID][r.Kind], r.ID)
		}
		for lender, kinds := range byLender {
			if err := s.appendAudit(tx, collect.Actor{}, auditRecord{Action: "placement.expire", ObjectType: "placement", ObjectID: "batch", LenderID: lender,
				After: map[string]any{"offers": first(kinds["offer"], 1000), "terms": first(kinds["term"], 1000),
					"offer_count": len(kinds["offer"]), "term_count": len(kinds["term"])}}); err != nil {
				return err
			}
		}
		return nil
	})
	return offers, terms, err
}
