package store

import (
	"collect"

	"gorm.io/gorm"

	"collect/casework"
)

// What of an account's history each reader sees is decided by
// casework.HistoryDetailFor; the store works out the reader and who made
// each record, and withholds what the decision says to.

// historyViewer is the actor as a reader of an account's history at the
// lender: the lender's staff, or an agency with its contract's term.
func historyViewer(db *gorm.DB, a collect.Actor, lenderID string) casework.HistoryViewer {
	switch a.OrgKind {
	case collect.KindLender:
		return casework.HistoryViewer{Lender: a.OrgID == lenderID}
	case collect.KindAgency:
		v := casework.HistoryViewer{AgencyID: a.OrgID}
		if c, err := contractFor(db, lenderID, a.OrgID); err == nil {
			v.SharesFullHistory = c.ShareFullHistory
		}
		return v
	}
	return casework.HistoryViewer{}
}

// userAgencies maps each of the users to the agency they belong to; users
// of a lender or the platform are left out (their records are the
// lender's).
func userAgencies(db *gorm.DB, userIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct{ ID, OrganisationID string }
	if err := db.Table("users u").Select("u.id, u.organisation_id").Joins("JOIN organisations o ON o.id = u.organisation_id").
		Where("u.id IN ? AND o.kind = ?", userIDs, collect.KindAgency).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.OrganisationID
	}
	return out, nil
}

// agencyOrganisations is the set of agency ids among ids.
func agencyOrganisations(db *gorm.DB, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var found []string
	if err := db.Table("organisations").Where("id IN ? AND kind = ?", ids, collect.KindAgency).Pluck("id", &found).Error; err != nil {
		return nil, err
	}
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// withheldNote stands in a file for text another agency wrote.
const withheldNote = "[withheld: made under another agency's placement]"
