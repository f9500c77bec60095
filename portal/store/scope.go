package store

import (
	"gorm.io/gorm"

	"collect/allocation"
)

// Row scoping: one reusable GORM scope per kind of row, each a function of the
// actor. Agency staff see only accounts with an active placement with their
// agency, now; lender staff (vendor managers, auditors) only their lender's;
// the platform sees no debtor data at all. Every query on these tables applies
// the scope, so a row outside it is simply not found.

// accountScope limits a query on accounts (table alias "accounts").
func accountScope(a allocation.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case allocation.KindLender:
			return db.Where("accounts.lender_id = ?", a.OrgID)
		case allocation.KindAgency:
			return db.Where("EXISTS (SELECT 1 FROM placements sp WHERE sp.account_id = accounts.id AND sp.status = ? AND sp.agency_id = ?)",
				allocation.PlacementActive, a.OrgID)
		default:
			return db.Where("1 = 0")
		}
	}
}

// portfolioScope limits a query on portfolios to the actor's lender. Agencies
// see accounts, not the lender's portfolios.
func portfolioScope(a allocation.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		if a.OrgKind == allocation.KindLender {
			return db.Where("portfolios.lender_id = ?", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}

// placementScope limits placements: a lender sees its own, an agency those
// made with it (history included), the platform none.
func placementScope(a allocation.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case allocation.KindLender:
			return db.Where("placements.lender_id = ?", a.OrgID)
		case allocation.KindAgency:
			return db.Where("placements.agency_id = ?", a.OrgID)
		default:
			return db.Where("1 = 0")
		}
	}
}

// agencyScope limits the agency directory: lenders and the platform see every
// agency; an agency sees itself.
func agencyScope(a allocation.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		db = db.Where("organisations.kind = ?", allocation.KindAgency)
		if a.OrgKind == allocation.KindAgency {
			return db.Where("organisations.id = ?", a.OrgID)
		}
		return db
	}
}

// auditScope limits the audit trail: the platform sees all; a lender's
// auditors see events by or about their lender; anyone else, their own
// organisation's events.
func auditScope(a allocation.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case allocation.KindPlatform:
			return db
		case allocation.KindLender:
			return db.Where("(audit_events.organisation_id = ? OR audit_events.lender_id = ?)", a.OrgID, a.OrgID)
		default:
			return db.Where("audit_events.organisation_id = ?", a.OrgID)
		}
	}
}
