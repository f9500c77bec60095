package store

import (
	"collect"
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/oversight"
)

// Evaluation is a lender's evaluation of an agency: yearly and before the
// contract expires (GB/T guideline), on conduct, quality and efficiency, and
// information security, with a decision.
type Evaluation struct {
	ID              string    `json:"id"`
	AgencyID        string    `json:"agency_id"`
	Kind            string    `json:"kind"` // annual, pre_expiry, ad_hoc
	Period          string    `json:"period"`
	ConductScore    int       `json:"conduct_score"`
	QualityScore    int       `json:"quality_score"`
	EfficiencyScore int       `json:"efficiency_score"`
	InfosecScore    int       `json:"infosec_score"`
	Decision        string    `json:"decision"` // renew, suspend, terminate
	Note            string    `json:"note"`
	EvaluatedBy     string    `json:"evaluated_by"`
	EvaluatedAt     time.Time `json:"evaluated_at"`
	// The roster when the evaluation was made (RosterSummary); nil for
	// evaluations older than the roster.
	RosterCollectors     *int     `json:"roster_collectors"`
	RosterCompliant      *int     `json:"roster_compliant"`
	RosterCompliantShare *float64 `json:"roster_compliant_share"`
	// The quality reviews of the twelve months before (issue 16): their
	// mean score, how many, and the share of connected calls without a
	// recording; nil where there was nothing to measure.
	ReviewedQualityScore  *float64 `json:"reviewed_quality_score"`
	QualityReviews        *int64   `json:"quality_reviews"`
	RecordingsMissingRate *float64 `json:"recordings_missing_rate"`
}

func (e Evaluation) domain() oversight.AgencyEvaluation {
	return oversight.AgencyEvaluation{Kind: e.Kind, Period: e.Period, Decision: e.Decision, Note: e.Note,
		ConductScore: e.ConductScore, QualityScore: e.QualityScore, EfficiencyScore: e.EfficiencyScore, InfosecScore: e.InfosecScore}
}

// Validate checks the scores, kind and decision (oversight.CheckEvaluation).
func (e Evaluation) Validate() error {
	return allocation.FieldErrors(oversight.CheckEvaluation(e.domain()))
}

// RecordEvaluation stores an evaluation by the actor's lender and makes its
// decision's change to the contract (oversight.DecisionEffect: to suspend
// suspends it, to terminate also ends it today).
func (s *Store) RecordEvaluation(ctx context.Context, a collect.Actor, agencyID string, e Evaluation) (Evaluation, error) {
	if err := e.Validate(); err != nil {
		return e, err
	}
	if err := oversight.CanEvaluate(a.OrgKind); err != nil {
		return e, err
	}
	if _, err := s.Agency(ctx, a, agencyID); err != nil {
		return e, err
	}
	// What is returned and audited is what is stored.
	e.Period = e.domain().Normal().Period
	now := s.now()
	e.ID, e.AgencyID, e.EvaluatedBy, e.EvaluatedAt = uuid.Must(uuid.NewV7()).String(), agencyID, a.UserID, now
	roster, err := s.Roster(ctx, a, agencyID)
	if err != nil && collect.ErrorCode(err) != collect.ENOTFOUND { // no placement there yet: no roster to keep
		return e, err
	}
	if len(roster.Agencies) == 1 {
		r := roster.Agencies[0]
		e.RosterCollectors, e.RosterCompliant, e.RosterCompliantShare = &r.Collectors, &r.Compliant, r.CompliantShare
	}
	kpis, err := s.KPIs(ctx, a, KPIFilter{Agency: agencyID})
	if err != nil {
		return e, err
	}
	for _, k := range kpis {
		reviews := k.Counts.QAReviews
		e.ReviewedQualityScore, e.QualityReviews, e.RecordingsMissingRate = k.QualityScore, &reviews, k.RecordingsMissingRate
	}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("agency_evaluations").Create(map[string]any{
			"reviewed_quality_score": e.ReviewedQualityScore, "quality_reviews": e.QualityReviews, "recordings_missing_rate": e.RecordingsMissingRate, "id": e.ID, "lender_id": a.OrgID, "agency_id": agencyID, "kind": e.Kind,
			"period": e.Period, "conduct_score": e.ConductScore, "quality_score": e.QualityScore, "efficiency_score": e.EfficiencyScore,
			"infosec_score": e.InfosecScore, "decision": e.Decision, "note": e.Note, "evaluated_by": a.UserID, "evaluated_at": now,
			"roster_collectors": e.RosterCollectors, "roster_compliant": e.RosterCompliant, "roster_compliant_share": e.RosterCompliantShare}).Error; err != nil {
			return err
		}
		var ends []string
		if err := tx.Table("contracts").Where("lender_id = ? AND agency_id = ?", a.OrgID, agencyID).Pluck("ends_on", &ends).Error; err != nil {
			return err
		}
		var endsOn *string
		if len(ends) == 1 {
			endsOn = &ends[0]
		}
		ch, err := oversight.DecisionEffect(e.Decision, endsOn, now)
		if err != nil {
			return err
		}
		if ch.Change {
			cols := map[string]any{"status": ch.Status, "updated_at": now}
			if ch.EndsOn != "" {
				cols["ends_on"] = ch.EndsOn
			}
			if err := tx.Table("contracts").Where("lender_id = ? AND agency_id = ?", a.OrgID, agencyID).Updates(cols).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "agency.evaluate", ObjectType: "agency", ObjectID: agencyID, LenderID: a.OrgID,
			After: map[string]any{"evaluation": e.ID, "kind": e.Kind, "period": e.Period, "conduct_score": e.ConductScore, "quality_score": e.QualityScore,
				"efficiency_score": e.EfficiencyScore, "infosec_score": e.InfosecScore, "decision": e.Decision, "note_sha256": textDigest(e.Note)}})
	})
	return e, err
}

// Evaluations lists the actor's lender's evaluations of an agency (an agency
// reads its own, from every lender).
func (s *Store) Evaluations(ctx context.Context, a collect.Actor, agencyID string) ([]Evaluation, error) {
	if _, err := s.Agency(ctx, a, agencyID); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Table("agency_evaluations").Where("agency_id = ?", agencyID)
	if a.OrgKind == collect.KindLender {
		q = q.Where("lender_id = ?", a.OrgID)
	} else if a.OrgKind != collect.KindAgency {
		q = q.Where("1 = 0")
	}
	var out []Evaluation
	err := q.Order("evaluated_at DESC").Limit(200).Find(&out).Error
	return out, err
}
