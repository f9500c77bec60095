package casework

// What of a case's history a viewer may read. An account moves between
// agencies (recall, expiry, a new placement); the agency holding it now
// must still follow the conduct rules over the debtor's whole history (how
// often and when the debtor was called, who refused contact, which promises
// are open, what the debtor asked for), but the notes, free text and staff
// of a competitor's work are that agency's and the lender's, not the next
// agency's, unless the lender's contract with the viewing agency says the
// full history is shared.

// HistoryViewer is who reads a case's history.
type HistoryViewer struct {
	// Lender is true for the lender's staff, who see everything.
	Lender bool
	// AgencyID is the viewing agency ("" for a lender).
	AgencyID string
	// SharesFullHistory is the lender's contract term with that agency.
	SharesFullHistory bool
}

// HistoryDetail is how much of one history record a viewer may read.
type HistoryDetail int

const (
	// HistoryNone: nothing (a viewer who is neither the lender nor an agency).
	HistoryNone HistoryDetail = iota
	// HistoryFacts: when, which channel and party, the direction and outcome,
	// amounts, dates and statuses; no notes, free text or staff identities.
	HistoryFacts
	// HistoryFull: the whole record.
	HistoryFull
)

// HistoryDetailFor decides how much of a record made by madeByAgency (the
// agency whose staff made it; "" when the lender or the system made it) the
// viewer may read. The lender reads everything; an agency reads its own
// records in full, the lender's in full (the lender wrote them for its
// agencies), and another agency's as facts unless its contract shares the
// full history.
func HistoryDetailFor(v HistoryViewer, madeByAgency string) HistoryDetail {
	switch {
	case v.Lender:
		return HistoryFull
	case v.AgencyID == "":
		return HistoryNone
	case madeByAgency == "" || madeByAgency == v.AgencyID || v.SharesFullHistory:
		return HistoryFull
	default:
		return HistoryFacts
	}
}
