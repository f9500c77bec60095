package store

import (
	"collect"
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
)

// The collector roster: the agency keeps it, a lender reads it for the
// agencies that hold (or held) its placements; the conduct check reads a
// collector's record before every contact (RecordContact).

// RosterInput is the body of PUT /api/v1/roster/{user_id} (API.md).
type RosterInput struct {
	StaffNo      string `json:"staff_no"`
	VerifiedOn   string `json:"verified_on"`
	NDASignedOn  string `json:"nda_signed_on"`
	TrainedOn    string `json:"trained_on"`
	ExamPassedOn string `json:"exam_passed_on"`
}

// maxStaffNo is the longest staff number kept.
const maxStaffNo = 32

// Validate trims the input and checks it: a staff number, a verification
// date, and every date given written YYYY-MM-DD and not after today (China
// time).
func (in *RosterInput) Validate(now time.Time) error {
	var f []collect.FieldError
	in.StaffNo = strings.TrimSpace(in.StaffNo)
	if in.StaffNo == "" || utf8.RuneCountInString(in.StaffNo) > maxStaffNo || collect.ValidText(in.StaffNo) != nil {
		f = append(f, collect.Field("staff_no", "err.roster.staff_no", "max", maxStaffNo))
	}
	today := casework.RosterDay(now)
	for _, d := range []struct {
		field string
		v     *string
	}{{"verified_on", &in.VerifiedOn}, {"nda_signed_on", &in.NDASignedOn}, {"trained_on", &in.TrainedOn}, {"exam_passed_on", &in.ExamPassedOn}} {
		*d.v = strings.TrimSpace(*d.v)
		if *d.v == "" {
			if d.field == "verified_on" {
				f = append(f, collect.Field(d.field, "err.roster.date_required"))
			}
			continue
		}
		if t, ok := casework.ParseRosterDate(*d.v); !ok || t.After(today) || t.Year() < 2000 {
			f = append(f, collect.Field(d.field, "err.roster.date"))
		}
	}
	return allocation.FieldErrors(f)
}

// RosterEntry is one agency user who may contact debtors, with their roster
// record (the dates are "" when not on the roster) and its status now.
type RosterEntry struct {
	UserID       string     `json:"user_id"`
	Name         string     `json:"name"`
	AgencyID     string     `json:"agency_id"`
	Roles        []string   `json:"roles"`
	Registered   bool       `json:"registered"`
	StaffNo      string     `json:"staff_no"`
	VerifiedOn   string     `json:"verified_on"`
	NDASignedOn  string     `json:"nda_signed_on"`
	TrainedOn    string     `json:"trained_on"`
	ExamPassedOn string     `json:"exam_passed_on"`
	ValidThrough string     `json:"valid_through"` // the last day the yearly training counts; "" without both courses
	Status       string     `json:"status"`        // "compliant" or the first roster rule broken
	UpdatedAt    *time.Time `json:"updated_at"`
}

// RosterSummary is an agency's roster at a glance, for the lender: how many
// of its collectors are compliant, and the share of the contacts of the last
// RosterShareDays (on the reader's book, for a lender) made by collectors
// compliant today.
type RosterSummary struct {
	AgencyID          string   `json:"agency_id"`
	Collectors        int      `json:"collectors"`
	Compliant         int      `json:"compliant"`
	Contacts          int64    `json:"contacts"`
	CompliantContacts int64    `json:"compliant_contacts"`
	CompliantShare    *float64 `json:"compliant_contact_share"` // null without contacts
}

// RosterShareDays is the window of RosterSummary's contact share: the
// contacts of today and of the RosterShareDays UTC calendar days before.
const RosterShareDays = 90

// Roster is the roster of one agency or, with agencyID "", of every agency
// the reader may see: agency staff see their own agency; a lender's staff
// the agencies holding or having held its placements; anyone else nothing.
// An agency outside that is not found.
type Roster struct {
	Items    []RosterEntry   `json:"items"`
	Agencies []RosterSummary `json:"agencies"`
}

type rosterRow struct {
	UserID       string
	AgencyID     string
	StaffNo      string
	VerifiedOn   string
	NDASignedOn  string
	TrainedOn    string
	ExamPassedOn string
	UpdatedBy    string
	UpdatedAt    time.Time
}

func (r rosterRow) record() *casework.RosterRecord {
	return &casework.RosterRecord{UserID: r.UserID, AgencyID: r.AgencyID, StaffNo: r.StaffNo, VerifiedOn: r.VerifiedOn,
		NDASignedOn: r.NDASignedOn, TrainedOn: r.TrainedOn, ExamPassedOn: r.ExamPassedOn}
}

// rosterRoles are the roles of the agency users who contact debtors.
var rosterRoles = []string{collect.RoleCollector, collect.RoleAgencySupervisor}

// rosterAgencies are the agencies whose roster a reads: agencyID alone if
// given and visible (else not found), all visible ones otherwise.
func rosterAgencies(db *gorm.DB, a collect.Actor, agencyID string) ([]string, error) {
	var ids []string
	switch a.OrgKind {
	case collect.KindAgency:
		ids = []string{a.OrgID}
	case collect.KindLender:
		// Kept by the database on every placement (00032), not a DISTINCT
		// over the lender's placements.
		if err := db.Table("lender_agencies").Where("lender_id = ?", a.OrgID).Order("agency_id").Pluck("agency_id", &ids).Error; err != nil {
			return nil, err
		}
	}
	if agencyID == "" {
		return ids, nil
	}
	for _, id := range ids {
		if id == agencyID {
			return []string{id}, nil
		}
	}
	return nil, notFoundError("agency")
}

// Roster lists the roster (see the type).
func (s *Store) Roster(ctx context.Context, a collect.Actor, agencyID string) (Roster, error) {
	db := s.db.WithContext(ctx)
	out := Roster{Items: []RosterEntry{}, Agencies: []RosterSummary{}}
	ids, err := rosterAgencies(db, a, agencyID)
	if err != nil || len(ids) == 0 {
		return out, err
	}
	now := s.now()
	var users []struct{ ID, Name, OrganisationID, Role string }
	if err := db.Table("users u").Select("u.id, u.name, u.organisation_id, m.role").
		Joins("JOIN memberships m ON m.user_id = u.id").
		Where("u.organisation_id IN ? AND m.role IN ? AND u.disabled = ?", ids, rosterRoles, false).
		Order("u.organisation_id, u.name, u.id, m.role").Scan(&users).Error; err != nil {
		return out, err
	}
	var rows []rosterRow
	if err := db.Table("roster_records").Where("agency_id IN ?", ids).Find(&rows).Error; err != nil {
		return out, err
	}
	byUser := map[string]rosterRow{}
	for _, r := range rows {
		byUser[r.UserID] = r
	}
	status := map[string]string{}
	for _, u := range users {
		if n := len(out.Items); n > 0 && out.Items[n-1].UserID == u.ID {
			out.Items[n-1].Roles = append(out.Items[n-1].Roles, u.Role)
			continue
		}
		e := RosterEntry{UserID: u.ID, Name: u.Name, AgencyID: u.OrganisationID, Roles: []string{u.Role}}
		var rec *casework.RosterRecord
		if r, ok := byUser[u.ID]; ok {
			rec = r.record()
			at := r.UpdatedAt
			e.Registered, e.StaffNo, e.VerifiedOn, e.NDASignedOn, e.TrainedOn, e.ExamPassedOn, e.UpdatedAt =
				true, r.StaffNo, r.VerifiedOn, r.NDASignedOn, r.TrainedOn, r.ExamPassedOn, &at
			if until, ok := casework.RosterCourseValidThrough(*rec); ok {
				e.ValidThrough = until.Format(casework.RosterDateLayout)
			}
		}
		e.Status = casework.RosterStatus(rec, now)
		status[u.ID] = e.Status
		out.Items = append(out.Items, e)
	}
	// The contacts of the window, per collector, on the reader's book.
	var counts []struct {
		AgencyID, CollectorID string
		N                     int64
	}
	// From the day counters (00031), not the contacts: the window is the
	// last RosterShareDays UTC calendar days before today, and today.
	q := db.Table("contact_day_counts").Select("agency_id, collector_id, SUM(contacts) AS n").
		Where("agency_id IN ? AND day >= ?", ids, now.UTC().AddDate(0, 0, -RosterShareDays).Format("2006-01-02"))
	if a.OrgKind == collect.KindLender {
		q = q.Where("lender_id = ?", a.OrgID)
	}
	if err := q.Group("agency_id, collector_id").Scan(&counts).Error; err != nil {
		return out, err
	}
	for _, id := range ids {
		sum := RosterSummary{AgencyID: id}
		for _, e := range out.Items {
			if e.AgencyID == id {
				sum.Collectors++
				if e.Status == casework.RosterStatusCompliant {
					sum.Compliant++
				}
			}
		}
		for _, c := range counts {
			if c.AgencyID != id {
				continue
			}
			sum.Contacts += c.N
			if status[c.CollectorID] == casework.RosterStatusCompliant {
				sum.CompliantContacts += c.N
			}
		}
		if sum.Contacts > 0 {
			share := float64(sum.CompliantContacts) / float64(sum.Contacts)
			sum.CompliantShare = &share
		}
		out.Agencies = append(out.Agencies, sum)
	}
	return out, nil
}

// RosterSummaryOf is one agency's summary for the reader (see Roster).
func (s *Store) RosterSummaryOf(ctx context.Context, a collect.Actor, agencyID string) (RosterSummary, error) {
	r, err := s.Roster(ctx, a, agencyID)
	if err != nil || len(r.Agencies) == 0 {
		return RosterSummary{AgencyID: agencyID}, err
	}
	return r.Agencies[0], nil
}

// PutRoster writes the roster record of one of the caller's agency's
// collectors or supervisors (audited, before and after). A user of another
// organisation, or none, is not found.
func (s *Store) PutRoster(ctx context.Context, a collect.Actor, userID string, in RosterInput) (RosterEntry, error) {
	now := s.now()
	if a.OrgKind != collect.KindAgency {
		return RosterEntry{}, collect.E(collect.ENOTFOUND, "err.not_found.roster")
	}
	var user struct{ ID, OrganisationID string }
	if err := s.db.WithContext(ctx).Table("users").Select("id, organisation_id").
		Where("id = ? AND organisation_id = ?", userID, a.OrgID).Take(&user).Error; err != nil {
		return RosterEntry{}, notFound(err, "user")
	}
	if err := in.Validate(now); err != nil {
		return RosterEntry{}, err
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("memberships").Where("user_id = ? AND role IN ?", userID, rosterRoles).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return collect.E(collect.EINVALID, "err.roster.not_agency_staff")
		}
		var taken int64
		if err := tx.Table("roster_records").Where("agency_id = ? AND staff_no = ? AND user_id <> ?", a.OrgID, in.StaffNo, userID).
			Count(&taken).Error; err != nil {
			return err
		}
		if taken > 0 {
			return collect.E(collect.ECONFLICT, "err.roster.staff_no_taken", "staff_no", in.StaffNo).
				WithFields(collect.Field("staff_no", "err.roster.staff_no_taken", "staff_no", in.StaffNo))
		}
		row := rosterRow{UserID: userID, AgencyID: a.OrgID, StaffNo: in.StaffNo, VerifiedOn: in.VerifiedOn, NDASignedOn: in.NDASignedOn,
			TrainedOn: in.TrainedOn, ExamPassedOn: in.ExamPassedOn, UpdatedBy: a.UserID, UpdatedAt: now}
		var before rosterRow
		had := tx.Table("roster_records").Where("user_id = ?", userID).Take(&before).Error == nil
		if had {
			if err := tx.Table("roster_records").Where("user_id = ?", userID).Updates(map[string]any{
				"staff_no": row.StaffNo, "verified_on": row.VerifiedOn, "nda_signed_on": row.NDASignedOn, "trained_on": row.TrainedOn,
				"exam_passed_on": row.ExamPassedOn, "updated_by": row.UpdatedBy, "updated_at": row.UpdatedAt}).Error; err != nil {
				return err
			}
		} else if err := tx.Table("roster_records").Create(&row).Error; err != nil {
			return err
		}
		var beforeAudit any
		if had {
			beforeAudit = rosterAudit(before)
		}
		return s.appendAudit(tx, a, auditRecord{Action: "roster.update", ObjectType: "user", ObjectID: userID,
			Before: beforeAudit, After: rosterAudit(row)})
	})
	if err != nil {
		return RosterEntry{}, err
	}
	r, err := s.Roster(ctx, a, a.OrgID)
	if err != nil {
		return RosterEntry{}, err
	}
	for _, e := range r.Items {
		if e.UserID == userID {
			return e, nil
		}
	}
	return RosterEntry{}, notFoundError("user")
}

func rosterAudit(r rosterRow) map[string]string {
	return map[string]string{"staff_no": r.StaffNo, "verified_on": r.VerifiedOn, "nda_signed_on": r.NDASignedOn,
		"trained_on": r.TrainedOn, "exam_passed_on": r.ExamPassedOn}
}

// rosterRecord loads a collector's roster record inside tx; nil when none.
func rosterRecord(tx *gorm.DB, userID string) (*casework.RosterRecord, error) {
	var rows []rosterRow
	if err := tx.Table("roster_records").Where("user_id = ?", userID).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0].record(), nil
}

// RosterCheck is what the roster would say now of a contact by the caller
// on the account (the account's conduct profile decides whether the roster
// is required): the contact form warns before anything is typed. An account
// the caller does not hold is not found.
func (s *Store) RosterCheck(ctx context.Context, a collect.Actor, accountID string) ([]collect.Violation, error) {
	db := s.db.WithContext(ctx)
	acc, _, err := s.loadCase(db, a, accountID)
	if err != nil {
		return nil, err
	}
	prof, err := conductProfile(acc.ConductProfile)
	if err != nil {
		return nil, err
	}
	rec, err := rosterRecord(db, a.UserID)
	if err != nil {
		return nil, err
	}
	return casework.CheckRoster(rec, s.now(), prof), nil
}
