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

// state is what oversight's complaint rules need of the row.
func (r complaintRow) state() oversight.Complaint {
	return oversight.Complaint{Status: r.Status, RootCause: r.RootCause, Outcome: r.Outcome, AckDue: r.AckDue, ResolveDue: r.ResolveDue,
		AcknowledgedAt: r.AcknowledgedAt, ResolvedAt: r.ResolvedAt}
}

func (r complaintRow) complaint(now time.Time) Complaint {
	c := Complaint{ID: r.ID, AccountID: r.AccountID, ExternalRef: r.ExternalRef, AgencyID: r.AgencyID, AgencyName: r.AgencyName,
		Category: r.Category, Source: r.Source, Description: r.Description, Status: r.Status, AssignedTo: r.AssignedTo,
		ReceivedAt: r.ReceivedAt, AckDue: r.AckDue, ResolveDue: r.ResolveDue, AcknowledgedAt: r.AcknowledgedAt, ResolvedAt: r.ResolvedAt,
		RootCause: r.RootCause, Outcome: r.Outcome, AgencyResponse: r.AgencyResponse, ContactIDs: []string{}}
	_ = jsonInto(r.ContactIds, &c.ContactIDs)
	c.AckOverdue, c.ResolveOverdue = r.state().AckOverdue(now), r.state().ResolveOverdue(now)
	return c
}

func (in ComplaintInput) domain() oversight.NewComplaint {
	return oversight.NewComplaint{AccountID: in.AccountID, ExternalRef: in.ExternalRef, Category: in.Category, Description: in.Description,
		Source: in.Source, ContactIDs: in.ContactIDs, ReceivedAt: in.ReceivedAt}
}

// Validate checks the input (oversight.CheckNewComplaint).
func (in ComplaintInput) Validate(now time.Time) error {
	return allocation.FieldErrors(oversight.CheckNewComplaint(in.domain(), now))
}

// complaintSLA returns the lender's service levels, or the default ones
// when it set none.
func complaintSLA(tx *gorm.DB, lenderID string) oversight.ComplaintSLA {
	var row struct{ AckDays, ResolveDays int }
	if tx.Table("complaint_sla").Where("lender_id = ?", lenderID).Take(&row).Error == nil {
		return oversight.ComplaintSLA{AckDays: row.AckDays, ResolveDays: row.ResolveDays}
	}
	return oversight.DefaultComplaintSLA
}

// CreateComplaint records a complaint about one of the lender's accounts,
// linked to the agency that holds (or last held) it and to the contacts
// complained of, with its service-level due dates.
func (s *Store) CreateComplaint(ctx context.Context, a collect.Actor, in ComplaintInput) (Complaint, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Complaint{}, err
	}
	nc := in.domain().Normal(now)
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
		if err := tx.Table("placements").Where("account_id = ? AND accepted_at IS NOT NULL AND accepted_at <= ?", acc.ID, nc.ReceivedAt).
			Order("accepted_at DESC").Limit(1).Pluck("agency_id", &agency).Error; err != nil {
			return err
		}
		var contactIDs []string
		if len(in.ContactIDs) > 0 {
			if err := tx.Table("contacts").Where("account_id = ? AND id IN ?", acc.ID, in.ContactIDs).Pluck("id", &contactIDs).Error; err != nil {
				return err
			}
			if err := oversight.CheckComplaintContacts(in.ContactIDs, contactIDs); err != nil {
				return err
			}
		}
		ackDue, resolveDue := complaintSLA(tx, acc.LenderID).Due(nc.ReceivedAt)
		row := complaintRow{ID: uuid.Must(uuid.NewV7()).String(), LenderID: acc.LenderID, AccountID: acc.ID, Category: nc.Category, Source: nc.Source,
			Description: nc.Description, ContactIds: jsonString(nonNilStrings(contactIDs)), Status: oversight.ComplaintReceived, CreatedBy: a.UserID,
			ReceivedAt: nc.ReceivedAt.UTC(), AckDue: ackDue, ResolveDue: resolveDue, UpdatedAt: now}
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
	if f.Status != "" && !contains(oversight.ComplaintStatuses, f.Status) {
		return nil, 0, collect.E(collect.EINVALID, "err.complaint.unknown_status", "status", f.Status)
	}
	if f.Category != "" && !contains(oversight.ComplaintCategories, f.Category) {
		return nil, 0, collect.E(collect.EINVALID, "err.complaint.unknown_category", "category", f.Category)
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
		// oversight.Complaint.AckOverdue and ResolveOverdue, in SQL.
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
// outcome) and assigns it; the agency only answers (oversight.ChangeComplaint).
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

func (u ComplaintUpdate) domain() oversight.ComplaintChange {
	return oversight.ComplaintChange{Status: u.Status, AssignedTo: u.AssignedTo, RootCause: u.RootCause, Outcome: u.Outcome, AgencyResponse: u.AgencyResponse}
}

// UpdateComplaint applies u to a complaint in the actor's scope, as
// oversight.ChangeComplaint decides for the actor's organisation.
func (s *Store) UpdateComplaint(ctx context.Context, a collect.Actor, id string, u ComplaintUpdate) (Complaint, error) {
	if err := allocation.FieldErrors(oversight.CheckComplaintChangeLengths(u.domain())); err != nil {
		return Complaint{}, err
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var r complaintRow
		if err := tx.Table("complaints").Scopes(complaintScope(a)).Where("complaints.id = ?", id).Take(&r).Error; err != nil {
			return notFound(err, "complaint")
		}
		now := s.now()
		e, err := oversight.ChangeComplaint(r.state(), a.OrgKind, u.domain(), now)
		if err != nil {
			return err
		}
		cols := map[string]any{"updated_at": now}
		for col, v := range map[string]*string{"status": e.Status, "assigned_to": e.AssignedTo, "root_cause": e.RootCause, "outcome": e.Outcome, "agency_response": e.AgencyResponse} {
			if v != nil {
				cols[col] = *v
			}
		}
		for col, v := range map[string]*time.Time{"acknowledged_at": e.AcknowledgedAt, "resolved_at": e.ResolvedAt} {
			if v != nil {
				cols[col] = *v
			}
		}
		res := tx.Table("complaints").Where("id = ? AND status = ?", id, r.Status).Updates(cols)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.complaint.changed_meanwhile")
		}
		return s.appendAudit(tx, a, auditRecord{Action: "complaint.update", ObjectType: "complaint", ObjectID: id, LenderID: r.LenderID, After: u.auditSummary()})
	})
	if err != nil {
		return Complaint{}, err
	}
	return s.GetComplaint(ctx, a, id)
}
