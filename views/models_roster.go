package views

import (
	"net/url"

	"github.com/a-h/templ"
)

// RosterView is the collector roster of one agency (the supervisor's page,
// or a lender reading an agency's).
type RosterView struct {
	AgencyID   string
	AgencyName string
	Rows       []RosterRow
	Summary    RosterSummaryView
	CanEdit    bool // the agency's supervisor: each row has its form
	Flash      string
	Errors     []string
	EditUserID string // the row whose failed submit the errors are about
}

// RosterRow is one collector or supervisor with their record.
type RosterRow struct {
	UserID, Name, Roles                                       string
	StaffNo, VerifiedOn, NDASignedOn, TrainedOn, ExamPassedOn string
	ValidThrough, Status, UpdatedAt                           string
}

// RosterSummaryView is an agency's roster at a glance: compliant collectors
// and the share of recent contacts they made ("" without contacts).
type RosterSummaryView struct {
	AgencyID       string
	Collectors     int
	Compliant      int
	Contacts       int64
	CompliantShare string // "97.5%", "" without contacts
	ShowLink       bool   // a link to the full roster page
}

// RosterURL is the roster page of one agency.
func RosterURL(agencyID string) templ.SafeURL {
	return templ.SafeURL("/roster?agency=" + url.QueryEscape(agencyID))
}
