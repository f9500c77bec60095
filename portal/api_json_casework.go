package portal

import (
	"time"

	"collect/casework"
	"collect/portal/store"
)

// The API's JSON of legal cases, tenders and bids (API.md): the portal's own
// types, so a change to the store's structs cannot change the contract.

// legalCaseJSON is a legal case as the API answers it.
type legalCaseJSON struct {
	ID                string                 `json:"id"`
	AccountID         string                 `json:"account_id"`
	Status            string                 `json:"status"`
	Estimate          casework.LegalEstimate `json:"estimate"`
	LimitationExpires string                 `json:"limitation_expires"`
	CourtRef          string                 `json:"court_ref"`
	Note              string                 `json:"note"`
	CostsCents        int64                  `json:"costs_cents"`
	CreatedAt         time.Time              `json:"created_at"`
	UpdatedAt         time.Time              `json:"updated_at"`
	DetailsWithheld   bool                   `json:"details_withheld"`
}

func legalCaseOut(l store.LegalCase) legalCaseJSON {
	return legalCaseJSON{ID: l.ID, AccountID: l.AccountID, Status: l.Status, Estimate: l.Estimate, LimitationExpires: l.LimitationExpires,
		CourtRef: l.CourtRef, Note: l.Note, CostsCents: l.CostsCents, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, DetailsWithheld: l.DetailsWithheld}
}

// legalCostJSON is a recorded legal cost.
type legalCostJSON struct {
	ID          string    `json:"id"`
	LegalCaseID string    `json:"legal_case_id"`
	Kind        string    `json:"kind"`
	AmountCents int64     `json:"amount_cents"`
	IncurredOn  string    `json:"incurred_on"`
	Note        string    `json:"note"`
	CreatedAt   time.Time `json:"created_at"`
}

func legalCostOut(c store.LegalCost) legalCostJSON {
	return legalCostJSON{ID: c.ID, LegalCaseID: c.LegalCaseID, Kind: c.Kind, AmountCents: c.AmountCents, IncurredOn: c.IncurredOn, Note: c.Note, CreatedAt: c.CreatedAt}
}

// tenderSummaryJSON is what agencies see of a tendered portfolio.
type tenderSummaryJSON struct {
	Accounts     int              `json:"accounts"`
	BalanceCents int64            `json:"balance_cents"`
	ByBucket     map[string]int   `json:"by_bucket"`
	BalanceByBkt map[string]int64 `json:"balance_by_bucket"`
	ByProvince   map[string]int   `json:"by_province"`
	AvgBalance   int64            `json:"avg_balance_cents"`
}

// tenderJSON is a tender as the API answers it.
type tenderJSON struct {
	ID          string            `json:"id"`
	LenderID    string            `json:"lender_id"`
	LenderName  string            `json:"lender_name"`
	PortfolioID string            `json:"portfolio_id,omitempty"`
	Title       string            `json:"title"`
	Status      string            `json:"status"`
	Summary     tenderSummaryJSON `json:"summary"`
	ClosesAt    time.Time         `json:"closes_at"`
	CreatedAt   time.Time         `json:"created_at"`
	AwardedAt   *time.Time        `json:"awarded_at"`
	Agencies    []string          `json:"eligible_agency_ids,omitempty"`
	Bids        []bidJSON         `json:"bids,omitempty"`
}

// bidJSON is an agency's bid.
type bidJSON struct {
	ID                    string    `json:"id"`
	TenderID              string    `json:"tender_id"`
	AgencyID              string    `json:"agency_id"`
	AgencyName            string    `json:"agency_name"`
	FeeRateBP             int       `json:"fee_rate_bp"`
	ExpectedLiquidationBP int       `json:"expected_liquidation_bp"`
	Capacity              int       `json:"capacity"`
	Note                  string    `json:"note"`
	Status                string    `json:"status"`
	AwardedCount          int       `json:"awarded_count"`
	CreatedAt             time.Time `json:"created_at"`
}

func bidOut(b store.Bid) bidJSON {
	return bidJSON{ID: b.ID, TenderID: b.TenderID, AgencyID: b.AgencyID, AgencyName: b.AgencyName, FeeRateBP: b.FeeRateBP,
		ExpectedLiquidationBP: b.ExpectedLiquidationBP, Capacity: b.Capacity, Note: b.Note, Status: b.Status, AwardedCount: b.AwardedCount, CreatedAt: b.CreatedAt}
}

func tenderOut(t store.Tender) tenderJSON {
	s := t.Summary
	out := tenderJSON{ID: t.ID, LenderID: t.LenderID, LenderName: t.LenderName, PortfolioID: t.PortfolioID, Title: t.Title, Status: t.Status,
		Summary: tenderSummaryJSON{Accounts: s.Accounts, BalanceCents: s.BalanceCents, ByBucket: s.ByBucket, BalanceByBkt: s.BalanceByBkt,
			ByProvince: s.ByProvince, AvgBalance: s.AvgBalance},
		ClosesAt: t.ClosesAt, CreatedAt: t.CreatedAt, AwardedAt: t.AwardedAt, Agencies: t.Agencies}
	if t.Bids != nil {
		out.Bids = make([]bidJSON, len(t.Bids))
		for i, b := range t.Bids {
			out.Bids[i] = bidOut(b)
		}
	}
	return out
}

func tendersOut(ts []store.Tender) []tenderJSON {
	out := make([]tenderJSON, len(ts))
	for i, t := range ts {
		out[i] = tenderOut(t)
	}
	return out
}
