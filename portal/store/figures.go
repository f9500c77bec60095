package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"collect/oversight"
)

// KPIFilter is the period and agency of a figures request; months are
// YYYY-MM, inclusive.
type KPIFilter struct {
	From, To string
	Agency   string
}

// MaxKPIMonths is the longest period the figures are asked for.
const MaxKPIMonths = 120

// Validate checks the months.
func (f *KPIFilter) Validate(now time.Time) error {
	if f.To == "" {
		f.To = now.Format("2006-01")
	}
	if f.From == "" {
		t, _ := time.Parse("2006-01", f.To)
		f.From = t.AddDate(0, -11, 0).Format("2006-01")
	}
	if ValidMonth(f.From) != nil || ValidMonth(f.To) != nil {
		return collect.E(collect.EINVALID, "err.period.months")
	}
	if f.From > f.To {
		return collect.Invalid("from", "err.period.from_after_to")
	}
	// The charts draw a point per month: a period of centuries would loop
	// a million times on each page load.
	a, _ := time.Parse("2006-01", f.From)
	b, _ := time.Parse("2006-01", f.To)
	if (b.Year()-a.Year())*12+int(b.Month())-int(a.Month()) >= MaxKPIMonths {
		return collect.E(collect.EINVALID, "err.period.too_long", "max", MaxKPIMonths)
	}
	return nil
}

// AgencyKPI is one agency's figures in the period (API.md fields).
type AgencyKPI struct {
	AgencyID              string            `json:"agency_id"`
	AgencyName            string            `json:"agency_name"`
	PlacedBalanceCents    int64             `json:"placed_balance_cents"`
	RecoveredCents        int64             `json:"recovered_cents"`
	LiquidationRate       *float64          `json:"liquidation_rate"`
	RPCRate               *float64          `json:"rpc_rate"`
	PTPRate               *float64          `json:"ptp_rate"`
	PTPKeptRate           *float64          `json:"ptp_kept_rate"`
	ComplaintRatePer1000  *float64          `json:"complaint_rate_per_1000"`
	BreachRate            *float64          `json:"breach_rate"`
	CostToCollect         *float64          `json:"cost_to_collect"`
	AvgDaysToFirstContact *float64          `json:"avg_days_to_first_contact"`
	QualityScore          *float64          `json:"quality_score"`
	RecordingsMissingRate *float64          `json:"recordings_missing_rate"`
	Counts                oversight.Counts  `json:"counts"`
	Figures               oversight.Figures `json:"-"`
	// PeriodRecoveredCents is what was received in the period (by payment
	// month), cost to collect's denominator; RecoveredCents is by vintage.
	PeriodRecoveredCents int64 `json:"period_recovered_cents"`
	// HoldsInForce: care and hardship holds in force now on the accounts
	// the agency holds (for the lender; issue 15).
	HoldsInForce int `json:"holds_in_force"`
}

// KPIs sums the counters of the period per agency and computes the figures
// (oversight.Compute, the one place they are defined). Liquidation is by
// vintage: the balance placed in the period and what has been recovered on
// it since; everything else by when it happened.
func (s *Store) KPIs(ctx context.Context, a collect.Actor, f KPIFilter) ([]AgencyKPI, error) {
	if err := f.Validate(s.now()); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Table("agency_month_stats s").Scopes(kpiScope(a)).
		Select(`s.agency_id, o.name AS agency_name, SUM(s.placed_balance_cents) AS placed, SUM(s.vintage_recovered_cents) AS vintage_recovered,
			SUM(s.contact_attempts) AS attempts, SUM(s.right_party_contacts) AS rpc, SUM(s.promises) AS promises,
			SUM(s.promises_due) AS due, SUM(s.promises_kept) AS kept, SUM(s.complaints) AS complaints,
			SUM(s.accounts_worked) AS worked, SUM(s.breaches) AS breaches, SUM(s.commission_cents) AS commission,
			SUM(s.recovered_cents) AS recovered, SUM(s.legal_costs_cents) AS legal,
			SUM(s.first_contact_days_sum) AS fc_days, SUM(s.first_contact_count) AS fc_count,
			SUM(s.calls_to_record) AS calls_to_record, SUM(s.recordings_missing) AS recordings_missing,
			SUM(s.qa_reviews) AS qa_reviews, SUM(s.qa_score_tenths) AS qa_score_tenths, SUM(s.qa_critical_failures) AS qa_critical_failures`).
		Joins("JOIN organisations o ON o.id = s.agency_id").
		Where("s.month >= ? AND s.month <= ?", f.From, f.To).Group("s.agency_id, o.name").Order("o.name")
	if f.Agency != "" {
		q = q.Where("s.agency_id = ?", f.Agency)
	}
	var rows []struct {
		AgencyID, AgencyName                                         string
		Placed, VintageRecovered, Attempts, RPC, Promises, Due, Kept int64
		Complaints, Worked, Breaches, Commission, Recovered, Legal   int64
		FcDays, FcCount                                              int64
		CallsToRecord, RecordingsMissing                             int64
		QAReviews, QAScoreTenths, QACriticalFailures                 int64
	}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]AgencyKPI, len(rows))
	for i, r := range rows {
		c := oversight.Counts{PlacedBalanceCents: r.Placed, RecoveredCents: r.VintageRecovered, ContactAttempts: r.Attempts,
			RightPartyContacts: r.RPC, Promises: r.Promises, PromisesFallingDue: r.Due, PromisesKept: r.Kept, Complaints: r.Complaints,
			AccountsWorked: r.Worked, Breaches: r.Breaches, CommissionCents: r.Commission, LegalCostsCents: r.Legal,
			FirstContactDaysSum: r.FcDays, FirstContactCount: r.FcCount, CallsToRecord: r.CallsToRecord, RecordingsMissing: r.RecordingsMissing,
			QAReviews: r.QAReviews, QAScoreTenths: r.QAScoreTenths, QACriticalFailures: r.QACriticalFailures}
		fig := oversight.Compute(c)
		// Cost to collect is over the gross recoveries of the period (by
		// payment month), the liquidation numerator is by vintage.
		period := c
		period.RecoveredCents = r.Recovered
		fig.CostToCollect = oversight.Compute(period).CostToCollect
		out[i] = AgencyKPI{AgencyID: r.AgencyID, AgencyName: r.AgencyName, PlacedBalanceCents: r.Placed, RecoveredCents: r.VintageRecovered,
			LiquidationRate: fig.LiquidationRate, RPCRate: fig.RPCRate, PTPRate: fig.PTPRate, PTPKeptRate: fig.PTPKeptRate,
			ComplaintRatePer1000: fig.ComplaintRatePer1000, BreachRate: fig.BreachRate, CostToCollect: fig.CostToCollect,
			AvgDaysToFirstContact: fig.AvgDaysToFirstContact, QualityScore: fig.QualityScore, RecordingsMissingRate: fig.RecordingsMissingRate, Counts: c, Figures: fig, PeriodRecoveredCents: r.Recovered}
	}
	holds, err := s.HoldsByAgency(ctx, a)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].HoldsInForce = holds[out[i].AgencyID]
	}
	return out, nil
}

// Weights returns the lender's scorecard weights (the defaults until it sets its own).
func (s *Store) Weights(ctx context.Context, lenderID string) (oversight.Weights, error) {
	var row struct{ Weights string }
	err := s.db.WithContext(ctx).Table("scorecard_weights").Where("lender_id = ?", lenderID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return oversight.DefaultWeights, nil
	}
	if err != nil {
		return oversight.Weights{}, err
	}
	var w oversight.Weights
	if err := json.Unmarshal([]byte(row.Weights), &w); err != nil {
		return oversight.DefaultWeights, nil
	}
	return w, nil
}

// SaveWeights sets the lender's scorecard weights.
func (s *Store) SaveWeights(ctx context.Context, a collect.Actor, w oversight.Weights) error {
	if err := w.Validate(); err != nil {
		return err
	}
	if a.OrgKind != collect.KindLender {
		return collect.E(collect.EFORBIDDEN, "err.scorecard.weights_lender_only")
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		body := jsonString(w)
		// One statement, so two first saves at once do not collide.
		if err := tx.Exec(`INSERT INTO scorecard_weights (lender_id, weights, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (lender_id) DO UPDATE SET weights = excluded.weights, updated_at = excluded.updated_at`, a.OrgID, body, s.now()).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "scorecard.weights", ObjectType: "scorecard", ObjectID: a.OrgID, LenderID: a.OrgID, After: w})
	})
}

// Scorecard is the lender's ranking of its agencies in the period.
type Scorecard struct {
	From, To string            `json:"-"`
	Weights  oversight.Weights `json:"weights"`
	Rows     []ScorecardRow    `json:"items"`
}

// ScorecardRow is one agency's place.
type ScorecardRow struct {
	oversight.ScoreRow
	AgencyName string `json:"agency_name"`
	// Roster is an input beside the score, not weighted in it: the agency's
	// collectors compliant with the roster today and the share of recent
	// contacts they made (RosterSummary).
	Roster *RosterSummary `json:"roster,omitempty"`
}

// Scorecard ranks the lender's agencies against each other over the period.
func (s *Store) Scorecard(ctx context.Context, a collect.Actor, f KPIFilter) (Scorecard, error) {
	lender := a.OrgID
	if a.OrgKind != collect.KindLender {
		return Scorecard{}, collect.E(collect.EFORBIDDEN, "err.scorecard.lender_only")
	}
	f.Agency = ""
	kpis, err := s.KPIs(ctx, a, f)
	if err != nil {
		return Scorecard{}, err
	}
	w, err := s.Weights(ctx, lender)
	if err != nil {
		return Scorecard{}, err
	}
	figs := map[string]oversight.Figures{}
	names := map[string]string{}
	for _, k := range kpis {
		figs[k.AgencyID] = k.Figures
		names[k.AgencyID] = k.AgencyName
	}
	roster, err := s.Roster(ctx, a, "")
	if err != nil {
		return Scorecard{}, err
	}
	out := Scorecard{From: f.From, To: f.To, Weights: w}
	for _, r := range oversight.Score(figs, w) {
		row := ScorecardRow{ScoreRow: r, AgencyName: names[r.Agency]}
		for i := range roster.Agencies {
			if roster.Agencies[i].AgencyID == r.Agency {
				row.Roster = &roster.Agencies[i]
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// agencyScores are the scorecard scores the allocation strategies read
// (performance-weighted): the last twelve months.
func (s *Store) agencyScores(ctx context.Context, lenderID string) map[string]float64 {
	sc, err := s.Scorecard(ctx, collect.Actor{OrgID: lenderID, OrgKind: collect.KindLender}, KPIFilter{})
	out := map[string]float64{}
	if err != nil {
		return out
	}
	for _, r := range sc.Rows {
		out[r.Agency] = r.Score
	}
	return out
}

// VintageSeries is one agency's vintage: the balance placed in a month and
// the recoveries on it by month since placement.
type VintageSeries struct {
	AgencyID, AgencyName, Vintage string
	PlacedBalanceCents            int64
	RecoveredByMonth              map[int]int64 // months since placement → recovered in that month
}

// Vintages returns the vintages placed in [from, to] in the actor's scope,
// with their recoveries, for the vintage curves.
func (s *Store) Vintages(ctx context.Context, a collect.Actor, f KPIFilter) ([]VintageSeries, error) {
	if err := f.Validate(s.now()); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	var placed []struct {
		AgencyID, AgencyName, Month string
		Placed                      int64
	}
	if err := db.Table("agency_month_stats s").Scopes(kpiScope(a)).Select("s.agency_id, o.name AS agency_name, s.month, SUM(s.placed_balance_cents) AS placed").
		Joins("JOIN organisations o ON o.id = s.agency_id").Where("s.month >= ? AND s.month <= ?", f.From, f.To).
		// An agency working for several lenders has a row per lender and
		// month; its vintage is their sum.
		Group("s.agency_id, o.name, s.month").Having("SUM(s.placed_balance_cents) > 0").
		Order("o.name, s.month").Scan(&placed).Error; err != nil {
		return nil, err
	}
	var rec []struct {
		AgencyID, Vintage, Month string
		Amount                   int64
	}
	vintage := s.monthSQL("p.starts_at")
	if err := db.Table("commissions c").Select("c.agency_id, "+vintage+" AS vintage, c.month, SUM(c.payment_cents) AS amount").
		Joins("JOIN placements p ON p.id = c.placement_id").Scopes(commissionScope(a)).
		Where(vintage+" >= ? AND "+vintage+" <= ?", f.From, f.To).
		Group("c.agency_id, " + vintage + ", c.month").Scan(&rec).Error; err != nil {
		return nil, err
	}
	out := make([]VintageSeries, 0, len(placed))
	idx := map[string]int{}
	for _, p := range placed {
		idx[p.AgencyID+"/"+p.Month] = len(out)
		out = append(out, VintageSeries{AgencyID: p.AgencyID, AgencyName: p.AgencyName, Vintage: p.Month, PlacedBalanceCents: p.Placed, RecoveredByMonth: map[int]int64{}})
	}
	for _, r := range rec {
		i, ok := idx[r.AgencyID+"/"+r.Vintage]
		if !ok {
			continue
		}
		v, _ := time.Parse("2006-01", r.Vintage)
		m, _ := time.Parse("2006-01", r.Month)
		since := (m.Year()-v.Year())*12 + int(m.Month()) - int(v.Month())
		if since >= 0 {
			out[i].RecoveredByMonth[since] += r.Amount
		}
	}
	return out, nil
}

// MonthlyRecoveries returns recoveries per agency and month in the period,
// keyed by the agency's label for the chart.
func (s *Store) MonthlyRecoveries(ctx context.Context, a collect.Actor, f KPIFilter) (map[string]map[string]int64, error) {
	if err := f.Validate(s.now()); err != nil {
		return nil, err
	}
	var rows []struct {
		AgencyID, AgencyName, Month string
		Recovered                   int64
	}
	err := s.db.WithContext(ctx).Table("agency_month_stats s").Scopes(kpiScope(a)).Select("s.agency_id, o.name AS agency_name, s.month, s.recovered_cents AS recovered").
		Joins("JOIN organisations o ON o.id = s.agency_id").Where("s.month >= ? AND s.month <= ?", f.From, f.To).Scan(&rows).Error
	// Keyed by agency (two agencies may share a name); a name shared by
	// several gets the id's tail, so each series is told apart.
	ids := map[string]map[string]bool{}
	for _, r := range rows {
		if ids[r.AgencyName] == nil {
			ids[r.AgencyName] = map[string]bool{}
		}
		ids[r.AgencyName][r.AgencyID] = true
	}
	out := map[string]map[string]int64{}
	for _, r := range rows {
		label := r.AgencyName
		if len(ids[r.AgencyName]) > 1 {
			label += " (" + r.AgencyID[max(0, len(r.AgencyID)-6):] + ")"
		}
		if out[label] == nil {
			out[label] = map[string]int64{}
		}
		out[label][r.Month] += r.Recovered
	}
	return out, err
}

// MonthlyConduct returns complaints and breaches per month in the period.
func (s *Store) MonthlyConduct(ctx context.Context, a collect.Actor, f KPIFilter) (map[string][2]int64, error) {
	if err := f.Validate(s.now()); err != nil {
		return nil, err
	}
	var rows []struct {
		Month                string
		Complaints, Breaches int64
	}
	err := s.db.WithContext(ctx).Table("agency_month_stats s").Scopes(kpiScope(a)).
		Select("s.month, SUM(s.complaints) AS complaints, SUM(s.breaches) AS breaches").
		Where("s.month >= ? AND s.month <= ?", f.From, f.To).Group("s.month").Scan(&rows).Error
	out := map[string][2]int64{}
	for _, r := range rows {
		out[r.Month] = [2]int64{r.Complaints, r.Breaches}
	}
	return out, err
}
