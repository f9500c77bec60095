package oversight

// The rules of a complaint: what a new one must say, its service levels,
// the statuses it moves through and who may change what. Pure: the store
// loads the complaint, calls these and writes what they return.

import (
	"collect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Complaint statuses, in the order a complaint moves through them.
const (
	ComplaintReceived      = "received"
	ComplaintAcknowledged  = "acknowledged"
	ComplaintInvestigating = "investigating"
	ComplaintResolved      = "resolved"
)

// Complaint categories, statuses and outcomes (the migrations' CHECK
// constraints hold the same lists; complaint_test.go keeps them equal).
var (
	ComplaintCategories = []string{"frequent_calls", "third_party_contact", "threats_or_abuse", "not_owed_or_identity_theft", "wrong_amount", "privacy", "other"}
	ComplaintStatuses   = []string{ComplaintReceived, ComplaintAcknowledged, ComplaintInvestigating, ComplaintResolved}
	ComplaintOutcomes   = []string{"upheld", "partially_upheld", "not_upheld"}
)

// The service levels a lender has unless it sets its own: a complaint is
// acknowledged within 2 days and resolved within 15.
const (
	DefaultAckDays     = 2
	DefaultResolveDays = 15
)

// ComplaintSourceDefault is the source of a complaint that names none.
const ComplaintSourceDefault = "lender"

// Limits of what a complaint holds, in characters (runes) or items.
const (
	ComplaintDescriptionMax    = 4000
	ComplaintSourceMax         = 40
	ComplaintContactsMax       = 100
	ComplaintRootCauseMax      = 2000
	ComplaintAgencyResponseMax = 4000
	ComplaintAssigneeMax       = 64
	// A complaint may be dated a little ahead of the server's clock (the
	// lender's clock may run ahead); beyond that it is in the future.
	ComplaintClockSkew = 5 * time.Minute
)

// ComplaintSLA is a lender's service levels, in days.
type ComplaintSLA struct {
	AckDays, ResolveDays int
}

// DefaultComplaintSLA is the service level of a lender that set none.
var DefaultComplaintSLA = ComplaintSLA{AckDays: DefaultAckDays, ResolveDays: DefaultResolveDays}

// Due returns when a complaint received at received must be acknowledged
// and resolved: that many calendar days later, counted in UTC (a day is
// always 24 hours, whatever zone the complaint was written in), as UTC.
func (s ComplaintSLA) Due(received time.Time) (ack, resolve time.Time) {
	r := received.UTC()
	return r.AddDate(0, 0, s.AckDays), r.AddDate(0, 0, s.ResolveDays)
}

// NewComplaint is a complaint as the lender records it.
type NewComplaint struct {
	AccountID, ExternalRef string
	Category, Description  string
	Source                 string
	ContactIDs             []string
	ReceivedAt             time.Time
}

// CheckNewComplaint names each field of a new complaint that is wrong: a
// known category, a description of 1 to 4,000 characters (blanks trimmed),
// an account named by id or external reference, a source of at most 40
// characters, at most 100 contacts, and a time received not in the future
// (up to ComplaintClockSkew ahead of now is allowed). nil when it is valid.
func CheckNewComplaint(in NewComplaint, now time.Time) []collect.FieldError {
	var f []collect.FieldError
	if !slices.Contains(ComplaintCategories, in.Category) {
		f = append(f, collect.Field("category", "err.complaint.category_one_of", "list", strings.Join(ComplaintCategories, ", ")))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Description)); n == 0 || n > ComplaintDescriptionMax {
		f = append(f, collect.Field("description", "err.complaint.description_length"))
	}
	if in.AccountID == "" && in.ExternalRef == "" {
		f = append(f, collect.Field("account_id", "err.complaint.account_required"))
	}
	if utf8.RuneCountInString(in.Source) > ComplaintSourceMax {
		f = append(f, collect.Field("source", "err.complaint.at_most_chars", "max", ComplaintSourceMax))
	}
	if len(in.ContactIDs) > ComplaintContactsMax {
		f = append(f, collect.Field("contact_ids", "err.complaint.contacts_max", "max", ComplaintContactsMax))
	}
	if in.ReceivedAt.After(now.Add(ComplaintClockSkew)) {
		f = append(f, collect.Field("received_at", "err.complaint.received_future"))
	}
	return f
}

// Normal returns the complaint as it is stored: received now when no time
// is given, from the lender when no source is, the description trimmed.
func (in NewComplaint) Normal(now time.Time) NewComplaint {
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = now
	}
	if in.Source == "" {
		in.Source = ComplaintSourceDefault
	}
	in.Description = strings.TrimSpace(in.Description)
	return in
}

// CheckComplaintContacts says whether the contacts a complaint names
// (named, repeats allowed) are all among found, those of them that are
// the account's. nil when they are.
func CheckComplaintContacts(named, found []string) error {
	for _, id := range named {
		if !slices.Contains(found, id) {
			return collect.E(collect.EINVALID, "err.complaint.contact_not_account").
				WithFields(collect.Field("contact_ids", "err.complaint.unknown"))
		}
	}
	return nil
}

// complaintNext is the state machine: where each status may go. A
// resolved complaint goes nowhere.
var complaintNext = map[string][]string{
	ComplaintReceived:      {ComplaintAcknowledged, ComplaintInvestigating, ComplaintResolved},
	ComplaintAcknowledged:  {ComplaintInvestigating, ComplaintResolved},
	ComplaintInvestigating: {ComplaintResolved},
}

// ComplaintNextStatuses are the statuses a complaint in status may move to,
// in order; none for a resolved (or unknown) one.
func ComplaintNextStatuses(status string) []string {
	return slices.Clone(complaintNext[status])
}

// ComplaintMoveAllowed says whether a complaint may go from one status to
// another (staying put is not a move).
func ComplaintMoveAllowed(from, to string) bool {
	return slices.Contains(complaintNext[from], to)
}

// Complaint is what the rules need of a stored complaint.
type Complaint struct {
	Status                     string
	RootCause, Outcome         string
	AckDue, ResolveDue         time.Time
	AcknowledgedAt, ResolvedAt *time.Time
}

// Closed says whether the complaint may no longer change: a resolved one's
// outcome, root cause and the agency's answer are the record the figures
// and the regulator see.
func (c Complaint) Closed() bool { return c.Status == ComplaintResolved }

// AckOverdue says whether the complaint is unacknowledged past its due
// instant at now (at the instant itself it is still in time). The store's
// overdue filter says the same in SQL (ack_due < now).
func (c Complaint) AckOverdue(now time.Time) bool {
	return c.AcknowledgedAt == nil && now.After(c.AckDue)
}

// ResolveOverdue says whether the complaint is unresolved past its due
// instant at now (resolve_due < now in SQL).
func (c Complaint) ResolveOverdue(now time.Time) bool {
	return c.ResolvedAt == nil && now.After(c.ResolveDue)
}

// CanHandleComplaint says whether an organisation of kind may move and
// assign a complaint in status: the lender, until it is resolved.
func CanHandleComplaint(orgKind, status string) bool {
	return orgKind == collect.KindLender && status != ComplaintResolved
}

// CanAnswerComplaint says whether an organisation of kind may write the
// agency's answer to a complaint in status: the agency, until it is
// resolved.
func CanAnswerComplaint(orgKind, status string) bool {
	return orgKind == collect.KindAgency && status != ComplaintResolved
}

// ComplaintChange is a change asked of a complaint; nil fields are not
// given. The lender moves it along (acknowledge, investigate, resolve with a
// root cause and an outcome) and assigns it; the agency only answers.
type ComplaintChange struct {
	Status, AssignedTo, RootCause, Outcome, AgencyResponse *string
}

// CheckComplaintChangeLengths names each text of a change that is too long:
// root cause 2,000, agency response 4,000, assignee 64 characters.
func CheckComplaintChangeLengths(u ComplaintChange) []collect.FieldError {
	var f []collect.FieldError
	for _, l := range []struct {
		name string
		v    *string
		max  int
	}{{"root_cause", u.RootCause, ComplaintRootCauseMax}, {"agency_response", u.AgencyResponse, ComplaintAgencyResponseMax}, {"assigned_to", u.AssignedTo, ComplaintAssigneeMax}} {
		if l.v != nil && utf8.RuneCountInString(*l.v) > l.max {
			f = append(f, collect.Field(l.name, "err.complaint.at_most_chars", "max", l.max))
		}
	}
	return f
}

// ComplaintEdit is what a change writes; nil fields stay as they are.
type ComplaintEdit struct {
	Status, AssignedTo, RootCause, Outcome, AgencyResponse *string
	AcknowledgedAt, ResolvedAt                             *time.Time
}

// ChangeComplaint decides a change u to complaint c by an organisation of
// kind orgKind at now, and returns what to write:
//
//   - a resolved complaint is closed (conflict);
//   - an agency may only write its answer, which must not be blank
//     (forbidden for anything else);
//   - a lender may not write the agency's answer (forbidden); it assigns,
//     writes the root cause (trimmed) and the outcome (one of
//     ComplaintOutcomes), and moves the status along the state machine
//     (conflict otherwise); resolving needs a root cause and an outcome,
//     given now or before; the first move acknowledges the complaint, and
//     resolving stamps its resolution;
//   - nobody else changes a complaint (forbidden).
//
// Asking for the status it has already is no move. The lengths are checked
// apart (CheckComplaintChangeLengths).
func ChangeComplaint(c Complaint, orgKind string, u ComplaintChange, now time.Time) (ComplaintEdit, error) {
	if c.Closed() {
		return ComplaintEdit{}, collect.E(collect.ECONFLICT, "err.complaint.resolved_closed")
	}
	switch orgKind {
	case collect.KindAgency:
		if u.Status != nil || u.AssignedTo != nil || u.RootCause != nil || u.Outcome != nil {
			return ComplaintEdit{}, collect.E(collect.EFORBIDDEN, "err.complaint.agency_answers")
		}
		if u.AgencyResponse == nil || strings.TrimSpace(*u.AgencyResponse) == "" {
			return ComplaintEdit{}, collect.E(collect.EINVALID, "err.complaint.answer_required").
				WithFields(collect.Field("agency_response", "err.complaint.required"))
		}
		answer := strings.TrimSpace(*u.AgencyResponse)
		return ComplaintEdit{AgencyResponse: &answer}, nil
	case collect.KindLender:
	default:
		return ComplaintEdit{}, collect.E(collect.EFORBIDDEN, "err.complaint.agency_answers")
	}
	if u.AgencyResponse != nil {
		return ComplaintEdit{}, collect.E(collect.EFORBIDDEN, "err.complaint.agency_writes_answer")
	}
	var e ComplaintEdit
	e.AssignedTo = u.AssignedTo
	if u.RootCause != nil {
		rc := strings.TrimSpace(*u.RootCause)
		e.RootCause, c.RootCause = &rc, rc
	}
	if u.Outcome != nil {
		if !slices.Contains(ComplaintOutcomes, *u.Outcome) {
			return ComplaintEdit{}, collect.E(collect.EINVALID, "err.complaint.unknown_outcome").
				WithFields(collect.Field("outcome", "err.complaint.outcome_one_of", "list", strings.Join(ComplaintOutcomes, ", ")))
		}
		o := *u.Outcome
		e.Outcome, c.Outcome = &o, o
	}
	if u.Status != nil && *u.Status != c.Status {
		to := *u.Status
		if !ComplaintMoveAllowed(c.Status, to) {
			return ComplaintEdit{}, collect.E(collect.ECONFLICT, "err.complaint.move_not_allowed", "from", c.Status, "to", to)
		}
		if to == ComplaintResolved && (c.Outcome == "" || c.RootCause == "") {
			return ComplaintEdit{}, collect.E(collect.EINVALID, "err.complaint.resolve_needs_cause").
				WithFields(collect.Field("root_cause", "err.complaint.required"), collect.Field("outcome", "err.complaint.required"))
		}
		e.Status = &to
		if c.AcknowledgedAt == nil {
			e.AcknowledgedAt = &now
		}
		if to == ComplaintResolved {
			e.ResolvedAt = &now
		}
	}
	return e, nil
}
