package store

import (
	"collect"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
)

// Complaint categories (the list) and the service levels: a
// complaint is acknowledged within 2 days and resolved within 15, unless the
// lender sets its own.
var (
	ComplaintCategories = []string{"frequent_calls", "third_party_contact", "threats_or_abuse", "not_owed_or_identity_theft", "wrong_amount", "privacy", "other"}
	ComplaintStatuses   = []string{"received", "acknowledged", "investigating", "resolved"}
	ComplaintOutcomes   = []string{"upheld", "partially_upheld", "not_upheld"}
)

const (
	DefaultAckDays     = 2
	DefaultResolveDays = 15
)

// ComplaintInput is a complaint as the lender records it (a page, or its
// own systems through the API).
type ComplaintInput struct {
	AccountID   string    `json:"account_id"`
	ExternalRef string    `json:"external_ref"` // instead of account_id, for the lender's systems
	Category    string    `json:"category"`
	Description string    `json:"description"`
	Source      string    `json:"source"` // phone, letter, app, regulator, ...
	ContactIDs  []string  `json:"contact_ids"`
	ReceivedAt  time.Time `json:"received_at"`
}

// Complaint is a stored complaint with its service-level state.
type Complaint struct {
	ID             string     `json:"id"`
	AccountID      string     `json:"account_id"`
	ExternalRef    string     `json:"external_ref"`
	AgencyID       string     `json:"agency_id"`
	AgencyName     string     `json:"agency_name"`
	Category       string     `json:"category"`
	Source         string     `json:"source"`
	Description    string     `json:"description"`
	ContactIDs     []string   `json:"contact_ids"`
	Status         string     `json:"status"`
	AssignedTo     string     `json:"assigned_to"`
	ReceivedAt     time.Time  `json:"received_at"`
	AckDue         time.Time  `json:"ack_due"`
	ResolveDue     time.Time  `json:"resolve_due"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	RootCause      string     `json:"root_cause"`
	Outcome        string     `json:"outcome"`
	AgencyResponse string     `json:"agency_response"`
	AckOverdue     bool       `json:"ack_overdue"`
	ResolveOverdue bool       `json:"resolve_overdue"`
}

type complaintRow struct {
	ID, LenderID, AccountID, AgencyID, Category, Source, Description, ContactIds, Status, AssignedTo string
	RootCause, Outcome, AgencyResponse, CreatedBy                                                    string
	ReceivedAt, AckDue, ResolveDue, UpdatedAt                                                        time.Time
	AcknowledgedAt, ResolvedAt                                                                       *time.Time
	ExternalRef, AgencyName                                                                          string `gorm:"->"`
}

func (r complaintRow) complaint(now time.Time) Complaint {
	c := Complaint{ID: r.ID, AccountID: r.AccountID, ExternalRef: r.ExternalRef, AgencyID: r.AgencyID, AgencyName: r.AgencyName,
		Category: r.Category, Source: r.Source, Description: r.Description, Status: r.Status, AssignedTo: r.AssignedTo,
		ReceivedAt: r.ReceivedAt, AckDue: r.AckDue, ResolveDue: r.ResolveDue, AcknowledgedAt: r.AcknowledgedAt, ResolvedAt: r.ResolvedAt,
		RootCause: r.RootCause, Outcome: r.Outcome, AgencyResponse: r.AgencyResponse, ContactIDs: []string{}}
	_ = jsonInto(r.ContactIds, &c.ContactIDs)
	c.AckOverdue = r.AcknowledgedAt == nil && now.After(r.AckDue)
	c.ResolveOverdue = r.ResolvedAt == nil && now.After(r.ResolveDue)
	return c
}

// Validate checks the input.
func (in ComplaintInput) Validate(now time.Time) error {
	var f []collect.FieldError
	if !contains(ComplaintCategories, in.Category) {
		f = append(f, collect.FieldError{Field: "category", Message: "one of " + strings.Join(ComplaintCategories, ", ")})
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Description)); n == 0 || n > 4000 {
		f = append(f, collect.FieldError{Field: "description", Message: "1 to 4,000 characters"})
	}
	if in.AccountID == "" && in.ExternalRef == "" {
		f = append(f, collect.FieldError{Field: "account_id", Message: "name the account (account_id or external_ref)"})
	}
	if utf8.RuneCountInString(in.Source) > 40 {
		f = append(f, collect.FieldError{Field: "source", Message: "at most 40 characters"})
	}
	if len(in.ContactIDs) > 100 {
		f = append(f, collect.FieldError{Field: "contact_ids", Message: "at most 100 contacts"})
	}
	if in.ReceivedAt.After(now.Add(5 * time.Minute)) {
		f = append(f, collect.FieldError{Field: "received_at", Message: "cannot be in the future"})
	}
	return allocation.FieldErrors(f)
}

// complaintSLA returns the lender's service levels in days.
func complaintSLA(tx *gorm.DB, lenderID string) (ack, resolve int) {
	var row struct{ AckDays, ResolveDays int }
	if tx.Table("complaint_sla").Where("lender_id = ?", lenderID).Take(&row).Error == nil {
		return row.AckDays, row.ResolveDays
	}
	return DefaultAckDays, DefaultResolveDays
}

// CreateComplaint records a complaint about one of the lender's accounts,
// linked to the agency that holds (or last held) it and to the contacts
// complained of, with its service-level due dates.
func (s *Store) CreateComplaint(ctx context.Context, a collect.Actor, in ComplaintInput) (Complaint, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Complaint{}, err
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = now
	}
	if in.Source == "" {
		in.Source = "lender"
	}
	var out Complaint
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		q := tx.Table("accounts").Scopes(accountScope(a))
		if in.AccountID != "" {
			q = q.Where("accounts.id = ?", in.AccountID)
		} else {
			q = q.Where("accounts.external_ref = ?", in.ExternalRef)
		}
		var acc allocation.Account
		if err := q.Take(&acc).Error; err != nil {
			return notFound(err, "account")
		}
		var agency []string
		// The agency that held the account when the complaint came in, or
		// the last one that did; an offer it never accepted does not count.
		if err := tx.Table("placements").Where("account_id = ? AND accepted_at IS NOT NULL AND accepted_at <= ?", acc.ID, in.ReceivedAt).
			Order("accepted_at DESC").Limit(1).Pluck("agency_id", &agency).Error; err != nil {
			return err
		}
		var contactIDs []string
		if len(in.ContactIDs) > 0 {
			if err := tx.Table("contacts").Where("account_id = ? AND id IN ?", acc.ID, in.ContactIDs).Pluck("id", &contactIDs).Error; err != nil {
				return err
			}
			if len(contactIDs) != len(uniq(in.ContactIDs)) {
				return &collect.Error{Code: collect.EINVALID, Message: "a contact named is not one of this account's", Fields: []collect.FieldError{{Field: "contact_ids", Message: "unknown"}}}
			}
		}
		ack, resolve := complaintSLA(tx, acc.LenderID)
		row := complaintRow{ID: uuid.Must(uuid.NewV7()).String(), LenderID: acc.LenderID, AccountID: acc.ID, Category: in.Category, Source: in.Source,
			Description: strings.TrimSpace(in.Description), ContactIds: jsonString(nonNilStrings(contactIDs)), Status: "received", CreatedBy: a.UserID,
			ReceivedAt: in.ReceivedAt.UTC(), AckDue: in.ReceivedAt.UTC().AddDate(0, 0, ack), ResolveDue: in.ReceivedAt.UTC().AddDate(0, 0, resolve), UpdatedAt: now}
		if len(agency) == 1 {
			row.AgencyID = agency[0]
		}
		if err := tx.Table("complaints").Omit("ExternalRef", "AgencyName").Create(&row).Error; err != nil {
			return err
		}
		if err := statDelta(tx, acc.LenderID, row.AgencyID, row.ReceivedAt, map[string]int64{"complaints": 1}); err != nil {
			return err
		}
		row.ExternalRef = acc.ExternalRef
		out = row.complaint(now)
		return s.appendAudit(tx, a, auditRecord{Action: "complaint.create", ObjectType: "complaint", ObjectID: row.ID, LenderID: acc.LenderID,
			After: map[string]string{"category": in.Category, "account": acc.ID, "agency": row.AgencyID, "description_sha256": textDigest(in.Description)}})
	})
	return out, err
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ComplaintFilter narrows the complaint list.
type ComplaintFilter struct {
	Status, Agency, Category string
	Overdue                  bool
	Page
}

func (s *Store) complaintsQuery(ctx context.Context, a collect.Actor) *gorm.DB {
	return s.db.WithContext(ctx).Table("complaints").Scopes(complaintScope(a)).
		Select("complaints.*, ac.external_ref, COALESCE(o.name, '') AS agency_name").
		Joins("LEFT JOIN accounts ac ON ac.id = complaints.account_id").
		Joins("LEFT JOIN organisations o ON o.id = complaints.agency_id")
}

// ListComplaints returns the complaints in the actor's scope, newest first.
func (s *Store) ListComplaints(ctx context.Context, a collect.Actor, f ComplaintFilter) ([]Complaint, int64, error) {
	if f.Status != "" && !contains(ComplaintStatuses, f.Status) {
		return nil, 0, collect.Errorf(collect.EINVALID, "unknown status %q", f.Status)
	}
	if f.Category != "" && !contains(ComplaintCategories, f.Category) {
		return nil, 0, collect.Errorf(collect.EINVALID, "unknown category %q", f.Category)
	}
	now := s.now()
	q := s.complaintsQuery(ctx, a)
	if f.Status != "" {
		q = q.Where("complaints.status = ?", f.Status)
	}
	if f.Agency != "" {
		q = q.Where("complaints.agency_id = ?", f.Agency)
	}
	if f.Category != "" {
		q = q.Where("complaints.category = ?", f.Category)
	}
	if f.Overdue {
		q = q.Where("((complaints.acknowledged_at IS NULL AND complaints.ack_due < ?) OR (complaints.resolved_at IS NULL AND complaints.resolve_due < ?))", now, now)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p := f.Page.Normal()
	var rows []complaintRow
	if err := q.Order("complaints.received_at DESC, complaints.id").Offset(p.offset()).Limit(p.PerPage).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]Complaint, len(rows))
	for i, r := range rows {
		out[i] = r.complaint(now)
	}
	return out, total, nil
}

// GetComplaint returns one complaint in the actor's scope.
func (s *Store) GetComplaint(ctx context.Context, a collect.Actor, id string) (Complaint, error) {
	var r complaintRow
	if err := s.complaintsQuery(ctx, a).Where("complaints.id = ?", id).Take(&r).Error; err != nil {
		return Complaint{}, notFound(err, "complaint")
	}
	return r.complaint(s.now()), nil
}

// ComplaintUpdate changes a complaint; nil fields are not given. The lender
// moves it along (acknowledge, investigate, resolve with a root cause and an
// outcome) and assigns it; the agency only answers.
type ComplaintUpdate struct {
	Status         *string `json:"status"`
	AssignedTo     *string `json:"assigned_to"`
	RootCause      *string `json:"root_cause"`
	Outcome        *string `json:"outcome"`
	AgencyResponse *string `json:"agency_response"`
}

// auditSummary is the update as the audit trail keeps it: the status,
// assignee and outcome code, and digests of the free text.
func (u ComplaintUpdate) auditSummary() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]*string{"status": u.Status, "assigned_to": u.AssignedTo, "outcome": u.Outcome} {
		if v != nil {
			out[k] = *v
		}
	}
	for k, v := range map[string]*string{"root_cause": u.RootCause, "agency_response": u.AgencyResponse} {
		if v != nil {
			out[k+"_sha256"] = textDigest(*v)
		}
	}
	return out
}

var complaintNext = map[string][]string{"received": {"acknowledged", "investigating", "resolved"}, "acknowledged": {"investigating", "resolved"}, "investigating": {"resolved"}}

// UpdateComplaint applies u to a complaint in the actor's scope.
func (s *Store) UpdateComplaint(ctx context.Context, a collect.Actor, id string, u ComplaintUpdate) (Complaint, error) {
	var long []collect.FieldError
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{{"root_cause", u.RootCause, 2000}, {"agency_response", u.AgencyResponse, 4000}, {"assigned_to", u.AssignedTo, 64}} {
		if f.v != nil && utf8.RuneCountInString(*f.v) > f.max {
			long = append(long, collect.FieldError{Field: f.name, Message: fmt.Sprintf("at most %d characters", f.max)})
		}
	}
	if err := allocation.FieldErrors(long); err != nil {
		return Complaint{}, err
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var r complaintRow
		if err := tx.Table("complaints").Scopes(complaintScope(a)).Where("complaints.id = ?", id).Take(&r).Error; err != nil {
			return notFound(err, "complaint")
		}
		// A resolved complaint is closed: its outcome, root cause and the
		// agency's answer are the record the figures and the regulator see.
		if r.Status == "resolved" {
			return collect.Errorf(collect.ECONFLICT, "the complaint is resolved and can no longer be changed")
		}
		now := s.now()
		cols := map[string]any{"updated_at": now}
		if a.OrgKind == collect.KindAgency {
			if u.Status != nil || u.AssignedTo != nil || u.RootCause != nil || u.Outcome != nil {
				return collect.Errorf(collect.EFORBIDDEN, "an agency answers a complaint; the lender handles it")
			}
			if u.AgencyResponse == nil || strings.TrimSpace(*u.AgencyResponse) == "" {
				return &collect.Error{Code: collect.EINVALID, Message: "write the agency's answer", Fields: []collect.FieldError{{Field: "agency_response", Message: "required"}}}
			}
			cols["agency_response"] = strings.TrimSpace(*u.AgencyResponse)
		} else {
			if u.AgencyResponse != nil {
				return collect.Errorf(collect.EFORBIDDEN, "the agency writes its own answer")
			}
			if u.AssignedTo != nil {
				cols["assigned_to"] = *u.AssignedTo
			}
			if u.RootCause != nil {
				cols["root_cause"] = strings.TrimSpace(*u.RootCause)
				r.RootCause = strings.TrimSpace(*u.RootCause)
			}
			if u.Outcome != nil {
				if !contains(ComplaintOutcomes, *u.Outcome) {
					return &collect.Error{Code: collect.EINVALID, Message: "unknown outcome", Fields: []collect.FieldError{{Field: "outcome", Message: strings.Join(ComplaintOutcomes, ", ")}}}
				}
				cols["outcome"], r.Outcome = *u.Outcome, *u.Outcome
			}
			if u.Status != nil && *u.Status != r.Status {
				if !contains(complaintNext[r.Status], *u.Status) {
					return collect.Errorf(collect.ECONFLICT, "a %s complaint cannot become %s", r.Status, *u.Status)
				}
				if *u.Status == "resolved" && (r.Outcome == "" || r.RootCause == "") {
					return &collect.Error{Code: collect.EINVALID, Message: "a resolved complaint needs its root cause and outcome",
						Fields: []collect.FieldError{{Field: "root_cause", Message: "required"}, {Field: "outcome", Message: "required"}}}
				}
				cols["status"] = *u.Status
				if r.AcknowledgedAt == nil {
					cols["acknowledged_at"] = now
				}
				if *u.Status == "resolved" {
					cols["resolved_at"] = now
				}
			}
		}
		res := tx.Table("complaints").Where("id = ? AND status = ?", id, r.Status).Updates(cols)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.Errorf(collect.ECONFLICT, "the complaint changed meanwhile; reload")
		}
		return s.appendAudit(tx, a, auditRecord{Action: "complaint.update", ObjectType: "complaint", ObjectID: id, LenderID: r.LenderID, After: u.auditSummary()})
	})
	if err != nil {
		return Complaint{}, err
	}
	return s.GetComplaint(ctx, a, id)
}
