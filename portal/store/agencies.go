package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/billing"
)

// AgencyView is an agency as a lender (or the agency itself) sees it: the
// organisation, its profile, the contract with the viewing lender, and how
// many accounts it holds or has on offer now (of the viewing lender's book;
// an agency viewing itself, of every lender's).
type AgencyView struct {
	collect.Organisation
	Profile   allocation.AgencyProfile `json:"profile"`
	Contract  *allocation.Contract     `json:"contract"`
	OpenCount int64                    `json:"open_placements"`
	Roster    *RosterSummary           `json:"roster,omitempty"` // the collector roster at a glance (RosterSummary)
}

type profileRow struct {
	AgencyID          string
	LicensedProvinces string
	AcceptedBuckets   string
	Capacity          int
	Description       string
	UpdatedAt         time.Time
}

func (r profileRow) profile() allocation.AgencyProfile {
	return allocation.AgencyProfile{AgencyID: r.AgencyID, LicensedProvinces: splitList(r.LicensedProvinces),
		AcceptedBuckets: splitList(r.AcceptedBuckets), Capacity: r.Capacity, Description: r.Description, UpdatedAt: r.UpdatedAt}
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

type contractRow struct {
	ID                      string
	LenderID                string
	AgencyID                string
	Status                  string
	FeeSchedule             string
	TermDays                int
	AcceptDays              int
	MaxSettlementDiscountBP int `gorm:"column:max_settlement_discount_bp"`
	MaxInstalments          int
	MinDownPaymentBP        int `gorm:"column:min_down_payment_bp"`
	StartsOn                string
	EndsOn                  string
	ShareFullHistory        bool
	GraceDays               int
	PromiseBeforeRecall     bool
	CommissionTerms         string
	RemittanceDueDays       int
	UpdatedAt               time.Time
}

func (r contractRow) contract() allocation.Contract {
	c := allocation.Contract{ID: r.ID, LenderID: r.LenderID, AgencyID: r.AgencyID, Status: r.Status, TermDays: r.TermDays,
		AcceptDays: r.AcceptDays, MaxSettlementDiscountBP: r.MaxSettlementDiscountBP, MaxInstalments: r.MaxInstalments,
		MinDownPaymentBP: r.MinDownPaymentBP, StartsOn: r.StartsOn, EndsOn: r.EndsOn, ShareFullHistory: r.ShareFullHistory, UpdatedAt: r.UpdatedAt,
		GraceDays: r.GraceDays, PromiseBeforeRecall: r.PromiseBeforeRecall, RemittanceDueDays: &r.RemittanceDueDays}
	_ = json.Unmarshal([]byte(r.FeeSchedule), &c.FeeSchedule)
	if r.CommissionTerms != "" {
		c.CommissionTerms = json.RawMessage(r.CommissionTerms)
	}
	return c
}

func contractRowOf(c allocation.Contract) contractRow {
	fee, _ := json.Marshal(c.FeeSchedule)
	row := contractRow{ID: c.ID, LenderID: c.LenderID, AgencyID: c.AgencyID, Status: c.Status, FeeSchedule: string(fee),
		TermDays: c.TermDays, AcceptDays: c.AcceptDays, MaxSettlementDiscountBP: c.MaxSettlementDiscountBP,
		MaxInstalments: c.MaxInstalments, MinDownPaymentBP: c.MinDownPaymentBP, StartsOn: c.StartsOn, EndsOn: c.EndsOn,
		ShareFullHistory: c.ShareFullHistory, UpdatedAt: c.UpdatedAt, GraceDays: c.GraceDays, PromiseBeforeRecall: c.PromiseBeforeRecall,
		CommissionTerms: string(c.CommissionTerms), RemittanceDueDays: 7}
	if c.RemittanceDueDays != nil {
		row.RemittanceDueDays = *c.RemittanceDueDays
	}
	return row
}

// agencyViews loads the agencies in the actor's scope with profiles,
// contracts (with the actor's lender) and open placement counts.
func (s *Store) agencyViews(ctx context.Context, a collect.Actor, id string) ([]AgencyView, error) {
	db := s.db.WithContext(ctx)
	q := db.Table("organisations").Scopes(agencyScope(a)).Order("organisations.name")
	if id != "" {
		q = q.Where("organisations.id = ?", id)
	}
	var orgs []collect.Organisation
	if err := q.Find(&orgs).Error; err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	var profiles []profileRow
	if err := db.Table("agency_profiles").Where("agency_id IN ?", ids).Find(&profiles).Error; err != nil {
		return nil, err
	}
	var contracts []contractRow
	cq := db.Table("contracts").Where("agency_id IN ?", ids)
	if a.OrgKind == collect.KindLender {
		cq = cq.Where("lender_id = ?", a.OrgID)
	} else if a.OrgKind != collect.KindAgency {
		cq = cq.Where("1 = 0")
	}
	if err := cq.Find(&contracts).Error; err != nil {
		return nil, err
	}
	var counts []struct {
		AgencyID string
		N        int64
	}
	// Counted in the viewer's placement scope: a lender sees what the agency
	// holds of its own book, never another lender's figures. The active
	// ones are summed from the counters (account_counts: an account counts
	// under the agency of its active placement), the offers counted.
	var held []struct {
		AgencyID string
		N        int64
	}
	hq := db.Table("account_counts").Select("agency_id, SUM(accounts) AS n").Where("agency_id IN ?", ids)
	switch a.OrgKind {
	case collect.KindLender:
		hq = hq.Where("lender_id = ?", a.OrgID)
	case collect.KindAgency:
		hq = hq.Where("agency_id = ?", a.OrgID)
	default:
		hq = hq.Where("1 = 0")
	}
	if err := hq.Group("agency_id").Scan(&held).Error; err != nil {
		return nil, err
	}
	if err := db.Table("placements").Scopes(placementScope(a)).Select("agency_id, COUNT(*) AS n").
		Where("agency_id IN ? AND status = ?", ids, allocation.PlacementOffered).
		Group("agency_id").Scan(&counts).Error; err != nil {
		return nil, err
	}
	counts = append(counts, held...)
	out := make([]AgencyView, len(orgs))
	for i, o := range orgs {
		out[i] = AgencyView{Organisation: o, Profile: allocation.AgencyProfile{AgencyID: o.ID, LicensedProvinces: []string{}, AcceptedBuckets: []string{}}}
		for _, p := range profiles {
			if p.AgencyID == o.ID {
				out[i].Profile = p.profile()
			}
		}
		for _, c := range contracts {
			if c.AgencyID == o.ID && (a.OrgKind == collect.KindLender || out[i].Contract == nil) {
				cc := c.contract()
				out[i].Contract = &cc
			}
		}
		for _, c := range counts {
			if c.AgencyID == o.ID {
				out[i].OpenCount += c.N
			}
		}
	}
	return out, nil
}

// AgencyViews lists the agencies the actor may see with their terms.
func (s *Store) AgencyViews(ctx context.Context, a collect.Actor) ([]AgencyView, error) {
	return s.agencyViews(ctx, a, "")
}

// AgencyView returns one agency in the actor's scope; outside it, not found.
func (s *Store) AgencyView(ctx context.Context, a collect.Actor, id string) (AgencyView, error) {
	vs, err := s.agencyViews(ctx, a, id)
	if err != nil {
		return AgencyView{}, err
	}
	if len(vs) == 0 {
		return AgencyView{}, collect.E(collect.ENOTFOUND, "err.not_found.agency")
	}
	// The roster at a glance, for a reader who may see it (the agency
	// itself, a lender holding placements there).
	if r, err := s.Roster(ctx, a, id); err == nil && len(r.Agencies) == 1 {
		vs[0].Roster = &r.Agencies[0]
	} else if err != nil && collect.ErrorCode(err) != collect.ENOTFOUND {
		return AgencyView{}, err
	}
	return vs[0], nil
}

// UpdateAgencyProfile replaces an agency's profile. Agency staff may change
// only their own agency's (another agency is not found); the platform any.
func (s *Store) UpdateAgencyProfile(ctx context.Context, a collect.Actor, agencyID string, p allocation.AgencyProfile) (allocation.AgencyProfile, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	if _, err := s.Agency(ctx, a, agencyID); err != nil {
		return p, err
	}
	p.AgencyID, p.UpdatedAt = agencyID, s.now()
	row := profileRow{AgencyID: agencyID, LicensedProvinces: strings.Join(p.LicensedProvinces, ","),
		AcceptedBuckets: strings.Join(p.AcceptedBuckets, ","), Capacity: p.Capacity, Description: p.Description, UpdatedAt: p.UpdatedAt}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var before profileRow
		had := tx.Table("agency_profiles").Where("agency_id = ?", agencyID).Take(&before).Error == nil
		if had {
			if err := tx.Table("agency_profiles").Where("agency_id = ?", agencyID).Updates(map[string]any{
				"licensed_provinces": row.LicensedProvinces, "accepted_buckets": row.AcceptedBuckets,
				"capacity": row.Capacity, "description": row.Description, "updated_at": row.UpdatedAt,
			}).Error; err != nil {
				return err
			}
		} else if err := tx.Table("agency_profiles").Create(&row).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "agency.profile_update", ObjectType: "agency", ObjectID: agencyID,
			Before: before.profile(), After: p})
	})
	return p, err
}

// SaveContract creates or replaces the actor's lender's contract with an
// agency. Only lender staff reach it (Casbin); another lender's contract is
// never touched because the lender is the actor's own.
func (s *Store) SaveContract(ctx context.Context, a collect.Actor, agencyID string, c allocation.Contract) (allocation.Contract, error) {
	if c.Status == "" {
		c.Status = "active"
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	if err := validTerms(&c); err != nil {
		return c, err
	}
	if a.OrgKind != collect.KindLender {
		return c, collect.E(collect.EFORBIDDEN, "err.contract.lender_only")
	}
	if _, err := s.Agency(ctx, a, agencyID); err != nil {
		return c, err
	}
	c.LenderID, c.AgencyID, c.UpdatedAt = a.OrgID, agencyID, s.now()
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var before contractRow
		err := tx.Table("contracts").Where("lender_id = ? AND agency_id = ?", a.OrgID, agencyID).Take(&before).Error
		switch {
		case err == nil:
			c.ID = before.ID
			row := contractRowOf(c)
			if err := tx.Table("contracts").Where("id = ?", c.ID).Updates(map[string]any{
				"status": row.Status, "fee_schedule": row.FeeSchedule, "term_days": row.TermDays, "accept_days": row.AcceptDays,
				"max_settlement_discount_bp": row.MaxSettlementDiscountBP, "max_instalments": row.MaxInstalments,
				"min_down_payment_bp": row.MinDownPaymentBP, "starts_on": row.StartsOn, "ends_on": row.EndsOn,
				"share_full_history": row.ShareFullHistory, "updated_at": row.UpdatedAt,
				"grace_days": row.GraceDays, "promise_before_recall": row.PromiseBeforeRecall, "commission_terms": row.CommissionTerms,
				"remittance_due_days": row.RemittanceDueDays,
			}).Error; err != nil {
				return err
			}
		case errors.Is(err, gorm.ErrRecordNotFound):
			c.ID = uuid.Must(uuid.NewV7()).String()
			row := contractRowOf(c)
			if err := tx.Table("contracts").Create(&row).Error; err != nil {
				return err
			}
		default:
			return err
		}
		var b any
		if before.ID != "" {
			b = before.contract()
		}
		return s.appendAudit(tx, a, auditRecord{Action: "contract.save", ObjectType: "contract", ObjectID: c.ID, LenderID: a.OrgID, Before: b, After: c})
	})
	return c, err
}

// SetContractStatus suspends or reactivates the lender's contract with an
// agency: a suspended contract takes no new placements.
func (s *Store) SetContractStatus(ctx context.Context, a collect.Actor, agencyID, status string) (allocation.Contract, error) {
	if status != "active" && status != "suspended" {
		return allocation.Contract{}, collect.Invalid("status", "err.status.active_or_suspended")
	}
	var out allocation.Contract
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var row contractRow
		if err := tx.Table("contracts").Where("lender_id = ? AND agency_id = ?", a.OrgID, agencyID).Take(&row).Error; err != nil {
			return notFound(err, "contract")
		}
		before := row.Status
		if err := tx.Table("contracts").Where("id = ?", row.ID).Updates(map[string]any{"status": status, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		row.Status = status
		out = row.contract()
		return s.appendAudit(tx, a, auditRecord{Action: "contract.status", ObjectType: "contract", ObjectID: row.ID, LenderID: a.OrgID,
			Before: map[string]string{"status": before}, After: map[string]string{"status": status}})
	})
	return out, err
}

// contractFor returns the lender's contract with an agency, inside tx.
func contractFor(tx *gorm.DB, lenderID, agencyID string) (allocation.Contract, error) {
	var row contractRow
	if err := tx.Table("contracts").Where("lender_id = ? AND agency_id = ?", lenderID, agencyID).Take(&row).Error; err != nil {
		return allocation.Contract{}, notFound(err, "contract")
	}
	return row.contract(), nil
}

// SetAgencyStatus suspends or reactivates an agency for every lender (the
// platform's decision; a lender suspends its own contract instead). A
// suspended agency gets no new placements: plans skip it and commits refuse;
// and its users cannot sign in while it is (Actor; the platform's
// organisations pages suspend through SetOrganisationStatus, which also ends
// their sessions).
func (s *Store) SetAgencyStatus(ctx context.Context, a collect.Actor, agencyID, status string) (collect.Organisation, error) {
	if status != "active" && status != "suspended" {
		return collect.Organisation{}, collect.Invalid("status", "err.status.active_or_suspended")
	}
	org, err := s.Agency(ctx, a, agencyID)
	if err != nil {
		return org, err
	}
	before := org.Status
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("organisations").Where("id = ?", agencyID).Update("status", status).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "agency.status", ObjectType: "agency", ObjectID: agencyID,
			Before: map[string]string{"status": before}, After: map[string]string{"status": status}})
	})
	org.Status = status
	return org, err
}

// validTerms checks a contract's commission terms (billing.CommissionTerms
// JSON, the bucket fees coming from the fee schedule) and keeps them in a
// canonical form; "null" or {} is none.
func validTerms(c *allocation.Contract) error {
	raw := strings.TrimSpace(string(c.CommissionTerms))
	if raw == "" || raw == "null" || raw == "{}" {
		c.CommissionTerms = nil
		return nil
	}
	var t billing.CommissionTerms
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return collect.Invalid("commission_terms", "err.billing.terms_json", "detail", err.Error())
	}
	t.BucketRatesBP = c.FeeSchedule
	if err := t.Validate(); err != nil {
		return err
	}
	t.BucketRatesBP = nil
	canon, _ := json.Marshal(t)
	c.CommissionTerms = canon
	return nil
}
