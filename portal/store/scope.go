package store

import (
	"collect"

	"gorm.io/gorm"
)

// Row scoping: one reusable GORM scope per kind of row, each a function of the
// actor. Agency staff see only accounts with an active placement with their
// agency, now; lender staff (vendor managers, auditors) only their lender's;
// the platform sees no debtor data at all. accounts.agency_id is the agency
// of the active placement, kept by triggers on placements (migration 00027). Every query on these tables applies
// the scope, so a row outside it is simply not found.

// accountScope limits a query on accounts (table alias "accounts").
func accountScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindLender:
			return db.Where("accounts.lender_id = ?", a.OrgID)
		case collect.KindAgency:
			return db.Where("accounts.agency_id = ?", a.OrgID)
		default:
			return db.Where("1 = 0")
		}
	}
}

// portfolioScope limits a query on portfolios to the actor's lender. Agencies
// see accounts, not the lender's portfolios.
func portfolioScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if a.OrgKind == collect.KindLender {
			return db.Where("portfolios.lender_id = ?", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}

// placementScope limits placements: a lender sees its own, an agency those
// made with it (history included), the platform none.
func placementScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindLender:
			return db.Where("placements.lender_id = ?", a.OrgID)
		case collect.KindAgency:
			return db.Where("placements.agency_id = ?", a.OrgID)
		default:
			return db.Where("1 = 0")
		}
	}
}

// agencyScope limits the agency directory: lenders and the platform see every
// agency; an agency sees itself.
func agencyScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		db = db.Where("organisations.kind = ?", collect.KindAgency)
		if a.OrgKind == collect.KindAgency {
			return db.Where("organisations.id = ?", a.OrgID)
		}
		return db
	}
}

// auditScope limits the audit trail: the platform sees all; a lender's
// auditors see events by or about their lender; anyone else, their own
// organisation's events.
func auditScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindPlatform:
			return db
		case collect.KindLender:
			return db.Where("(audit_events.organisation_id = ? OR audit_events.lender_id = ?)", a.OrgID, a.OrgID)
		default:
			return db.Where("audit_events.organisation_id = ?", a.OrgID)
		}
	}
}

// partyScope limits rows that name both parties (lender_id and agency_id,
// under the table alias given): a lender sees its own, an agency its own.
func partyScope(alias string, a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindLender:
			return db.Where(alias+".lender_id = ?", a.OrgID)
		case collect.KindAgency:
			return db.Where(alias+".agency_id = ?", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}

// breachScope limits breaches (alias "b") to the lender's or the agency's own.
func breachScope(a collect.Actor) func(*gorm.DB) *gorm.DB { return partyScope("b", a) }

// complaintScope: a lender sees its complaints, an agency those about the
// accounts it held.
func complaintScope(a collect.Actor) func(*gorm.DB) *gorm.DB { return partyScope("complaints", a) }

// kpiScope: a lender reads its agencies' counters (alias "s"); an agency its own.
func kpiScope(a collect.Actor) func(*gorm.DB) *gorm.DB { return partyScope("s", a) }

// commissionScope limits commissions (alias "c"): the lender's, or the agency's own.
func commissionScope(a collect.Actor) func(*gorm.DB) *gorm.DB { return partyScope("c", a) }

// legalScope limits legal cases: a lender's own; for an agency, cases on
// accounts actively placed with it now (after a recall the case is the
// lender's and the next agency's, not the former one's).
func legalScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindLender:
			return db.Where("legal_cases.lender_id = ?", a.OrgID)
		case collect.KindAgency:
			return db.Where("EXISTS (SELECT 1 FROM placements lp WHERE lp.account_id = legal_cases.account_id AND lp.status = 'active' AND lp.agency_id = ?)", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}

// tenderScope: a lender sees its own tenders, an agency those it was invited to.
func tenderScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindLender:
			return db.Where("tenders.lender_id = ?", a.OrgID)
		case collect.KindAgency:
			return db.Where("EXISTS (SELECT 1 FROM tender_agencies ta WHERE ta.tender_id = tenders.id AND ta.agency_id = ?)", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}

// modelScope: a lender sees its own models, an agency those of the lenders
// it has a contract with, the platform all (models hold no personal data).
func modelScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindPlatform:
			return db
		case collect.KindLender:
			return db.Where("m.lender_id = ?", a.OrgID)
		case collect.KindAgency:
			return db.Where("EXISTS (SELECT 1 FROM contracts ct WHERE ct.lender_id = m.lender_id AND ct.agency_id = ?)", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}
