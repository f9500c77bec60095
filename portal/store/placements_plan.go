package store

import (
	"collect"
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"collect/allocation"
)

// Bulk placement actions by plan (issue 14, part 3): an agency accepts or
// declines every offer one allocation plan made it, in one action, all or
// nothing, audited as one event with the count.
//
// The work is set-based: one UPDATE over the plan's offers for the agency
// (placements.source = 'allocation:<id>', found through the index on
// (agency_id, status)), one counter update for the whole set, one audit
// event. The per-id path's rules are the same, applied to the set:
//
//   - only offered placements move (CanAccept's status rule is the WHERE);
//   - an offer past its deadline that the expiry job has not ended yet is not
//     accepted, and, as the per-id path refuses the whole call when one id
//     fails, any such offer refuses the whole set (CanAccept's deadline rule
//     as a SQL predicate: accept_by IS NULL OR accept_by >= now);
//   - the agency must be active and its contract with the plan's lender in
//     force (the same contractFor, InForce and organisation status as the
//     per-id path: they depend on the lender and agency only, and every offer
//     of one plan has the same lender);
//   - the term is the contract's, from now; accepted_at and decided_by as per
//     id; placed_accounts and placed_balance_cents of agency_month_stats grow
//     by the set's count and balance, as the per-id path adds 1 and each
//     balance.
//
// One transaction. On PostgreSQL the UPDATE takes the row locks of the set
// only: readers go on, and a concurrent per-id step on one of those offers
// waits for it and then finds the offer no longer offered (a conflict, as
// twice through the per-id path). On SQLite the transaction holds the
// database's write lock for the whole UPDATE, and other writers wait
// (busy_timeout 10 s). BenchmarkAcceptPlan measures it: about 1.2 s at
// 100,000 offers (another writer waited 1.1 s at most), but 18-54 s at
// 1,000,000 on this machine (by its load), longer than busy_timeout, so
// other writers fail meanwhile (a 256 MB page cache for the step made it
// slower, 31 s, not faster):
// short batches with an undo (as the import's apply phase has) are what
// SQLite still needs for books that size.

// PlanOffers is what one plan offers the actor's agency now.
type PlanOffers struct {
	AllocationID string     `json:"allocation_id"`
	LenderID     string     `json:"lender_id"`
	Count        int        `json:"count"`         // offers still open
	BalanceCents int64      `json:"balance_cents"` // their balance as offered
	Expired      int        `json:"expired"`       // past their deadline, not yet ended by the expiry job
	AcceptBy     *time.Time `json:"accept_by"`     // the earliest deadline
}

// maxPlanIDLen bounds an allocation id from a request (ids are UUIDs).
const maxPlanIDLen = 100

func validPlanID(id string) error {
	id = strings.TrimSpace(id)
	if id == "" {
		return collect.Invalid("allocation_id", "err.form.required")
	}
	if len(id) > maxPlanIDLen {
		return collect.Invalid("allocation_id", "err.bulk.plan_id_too_long", "max", maxPlanIDLen)
	}
	return nil
}

// planForAgency loads the plan for an agency's bulk step: not found unless
// the actor is an agency and the plan, committed, offered it accounts (the
// plan's own summary names the agencies, so this reads one row). A plan of
// another lender's that did not involve the agency, a plan offered only to
// other agencies, a draft or an unknown id are all simply not found.
func planForAgency(tx *gorm.DB, a collect.Actor, id string) (allocationRow, error) {
	var row allocationRow
	if a.OrgKind != collect.KindAgency {
		return row, notFoundError("allocation")
	}
	if err := tx.Table("allocations").Where("id = ?", strings.TrimSpace(id)).Take(&row).Error; err != nil {
		return row, notFound(err, "allocation")
	}
	if row.Status != "committed" {
		return row, notFoundError("allocation")
	}
	var sum planSummary
	_ = json.Unmarshal([]byte(row.Summary), &sum)
	for _, m := range sum.ByAgency {
		if m.Key == a.OrgID && m.Count > 0 {
			return row, nil
		}
	}
	return row, notFoundError("allocation")
}

// planOffersWhere selects the plan's open offers for the agency.
func planOffersWhere(tx *gorm.DB, agencyID, planID string) *gorm.DB {
	return tx.Table("placements").Where("placements.agency_id = ? AND placements.source = ? AND placements.status = ?",
		agencyID, "allocation:"+planID, allocation.PlacementOffered)
}

func countPlanOffers(tx *gorm.DB, agencyID string, plan allocationRow, now time.Time) (PlanOffers, error) {
	var agg struct {
		N, Expired   int
		BalanceCents int64
	}
	err := planOffersWhere(tx, agencyID, plan.ID).Select("COUNT(*) AS n, COALESCE(SUM(placements.balance_cents), 0) AS balance_cents, "+
		"COALESCE(SUM(CASE WHEN placements.accept_by IS NOT NULL AND placements.accept_by < ? THEN 1 ELSE 0 END), 0) AS expired", now).
		Scan(&agg).Error
	return PlanOffers{AllocationID: plan.ID, LenderID: plan.LenderID, Count: agg.N, BalanceCents: agg.BalanceCents, Expired: agg.Expired}, err
}

// PlanOffersFor tells an agency what a plan offers it now: the
// confirmation the placements page shows before "accept all".
func (s *Store) PlanOffersFor(ctx context.Context, a collect.Actor, allocationID string) (PlanOffers, error) {
	if err := validPlanID(allocationID); err != nil {
		return PlanOffers{}, err
	}
	db := s.db.WithContext(ctx)
	plan, err := planForAgency(db, a, allocationID)
	if err != nil {
		return PlanOffers{}, err
	}
	out, err := countPlanOffers(db, a.OrgID, plan, s.now())
	if err != nil || out.Count == 0 {
		return out, err
	}
	var first struct{ AcceptBy *time.Time }
	if err := planOffersWhere(db, a.OrgID, plan.ID).Select("placements.accept_by").Where("placements.accept_by IS NOT NULL").
		Order("placements.accept_by").Limit(1).Scan(&first).Error; err != nil {
		return out, err
	}
	out.AcceptBy = first.AcceptBy
	return out, nil
}

// firstOfferIDs names up to five of the plan's offers matching extra, for
// an error that names placements as the per-id path's does.
func firstOfferIDs(tx *gorm.DB, agencyID, planID string, extra string, args ...any) []string {
	var ids []string
	q := planOffersWhere(tx, agencyID, planID)
	if extra != "" {
		q = q.Where(extra, args...)
	}
	q.Order("placements.id").Limit(5).Pluck("placements.id", &ids)
	return ids
}

// cannotChange is the per-id path's refusal (err.placement.cannot_change)
// for count of total offers, naming the first few with their problem.
func cannotChange(count, total int, ids []string, problem func(id string) error) error {
	problems := make([]collect.FieldError, 0, len(ids))
	for _, id := range ids {
		problems = append(problems, collect.Field(id, "err.placement.problem", "problem", problem(id)))
	}
	return collect.E(collect.ECONFLICT, "err.placement.cannot_change", "count", count, "total", total, "problems", problems)
}

// planStep runs one bulk step over the plan's open offers for the actor's
// agency, all or nothing: check refuses the whole set, update moves it and
// returns the rows it changed (which must be every offer counted, or the
// set changed meanwhile and nothing is kept), after records what follows.
func (s *Store) planStep(ctx context.Context, a collect.Actor, act PlacementAction, action string,
	check func(tx *gorm.DB, o PlanOffers) error,
	update func(tx *gorm.DB, o PlanOffers) (int64, error),
	after func(tx *gorm.DB, o PlanOffers) error) (int, error) {
	now := s.now()
	n := 0
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		plan, err := planForAgency(tx, a, act.AllocationID)
		if err != nil {
			return err
		}
		o, err := countPlanOffers(tx, a.OrgID, plan, now)
		if err != nil {
			return err
		}
		if o.Count == 0 {
			// As accepting an accepted placement by id: a conflict, nothing changes.
			return collect.E(collect.ECONFLICT, "err.bulk.no_offers", "plan", plan.ID)
		}
		if act.Expect > 0 && o.Count != act.Expect {
			return collect.E(collect.ECONFLICT, "err.bulk.count_changed", "plan", plan.ID, "confirmed", act.Expect, "count", o.Count)
		}
		if err := check(tx, o); err != nil {
			return err
		}
		changed, err := update(tx, o)
		if err != nil {
			return err
		}
		if changed != int64(o.Count) {
			return collect.E(collect.ECONFLICT, "err.bulk.changed_meanwhile", "plan", plan.ID)
		}
		if after != nil {
			if err := after(tx, o); err != nil {
				return err
			}
		}
		n = o.Count
		return s.appendAudit(tx, a, auditRecord{Action: action, ObjectType: "placement", ObjectID: "allocation:" + plan.ID, LenderID: plan.LenderID,
			After: map[string]any{"allocation_id": plan.ID, "count": o.Count, "balance_cents": o.BalanceCents, "reason_sha256": textDigest(act.Reason)}})
	})
	if err == nil && n >= bulkAnalyzeRows {
		// Accepting sets accounts.agency_id (a trigger): without fresh
		// statistics PostgreSQL still believes every account unplaced and
		// reads an agency's accounts through an index it thinks holds one
		// row (an assignment of 10,000 took minutes at 1,000,000).
		s.analyze(ctx, "placements", "accounts")
	}
	return n, err
}

// acceptPlan accepts every open offer of the plan for the actor's agency.
func (s *Store) acceptPlan(ctx context.Context, a collect.Actor, act PlacementAction) (int, error) {
	now := s.now()
	var term time.Duration
	return s.planStep(ctx, a, act, "placement.accept",
		func(tx *gorm.DB, o PlanOffers) error {
			if o.Expired > 0 {
				ids := firstOfferIDs(tx, a.OrgID, o.AllocationID, "placements.accept_by IS NOT NULL AND placements.accept_by < ?", now)
				var by time.Time
				var row struct{ AcceptBy *time.Time }
				planOffersWhere(tx, a.OrgID, o.AllocationID).Select("placements.accept_by").Where("placements.accept_by < ?", now).Limit(1).Scan(&row)
				if row.AcceptBy != nil {
					by = *row.AcceptBy
				}
				return cannotChange(o.Expired, o.Count, ids, func(id string) error {
					return allocation.CanAccept(allocation.Placement{ID: id, Status: allocation.PlacementOffered}, by, now)
				})
			}
			// A suspended agency or contract takes no new placements, offers included.
			c, err := contractFor(tx, o.LenderID, a.OrgID)
			var orgStatus string
			tx.Table("organisations").Where("id = ?", a.OrgID).Pluck("status", &orgStatus)
			if err != nil || !c.InForce(now) || orgStatus != "active" {
				return cannotChange(o.Count, o.Count, firstOfferIDs(tx, a.OrgID, o.AllocationID, ""), func(id string) error {
					return collect.E(collect.ECONFLICT, "err.placement.agency_suspended", "id", id)
				})
			}
			term = time.Duration(c.TermDays) * 24 * time.Hour
			return nil
		},
		func(tx *gorm.DB, o PlanOffers) (int64, error) {
			res := planOffersWhere(tx, a.OrgID, o.AllocationID).
				Where("(placements.accept_by IS NULL OR placements.accept_by >= ?)", now).
				Updates(map[string]any{"status": allocation.PlacementActive, "starts_at": now, "ends_at": now.Add(term), "accepted_at": now, "decided_by": a.UserID})
			return res.RowsAffected, res.Error
		},
		func(tx *gorm.DB, o PlanOffers) error {
			return statDelta(tx, o.LenderID, a.OrgID, now, map[string]int64{"placed_accounts": int64(o.Count), "placed_balance_cents": o.BalanceCents})
		})
}

// declinePlan declines every open offer of the plan for the actor's agency;
// the accounts return to the lender's pool.
func (s *Store) declinePlan(ctx context.Context, a collect.Actor, act PlacementAction) (int, error) {
	now := s.now()
	return s.planStep(ctx, a, act, "placement.decline",
		func(tx *gorm.DB, o PlanOffers) error { return nil }, // every row is offered: the WHERE
		func(tx *gorm.DB, o PlanOffers) (int64, error) {
			res := planOffersWhere(tx, a.OrgID, o.AllocationID).
				Updates(map[string]any{"status": allocation.PlacementDeclined, "ended_at": now, "end_reason": act.Reason, "decided_by": a.UserID})
			return res.RowsAffected, res.Error
		}, nil)
}
