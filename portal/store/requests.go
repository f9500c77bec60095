package store

// Debtor requests and care holds (issue 15, parts 4 and 5). Both belong to
// the person: they are stored under the lender and the debtor's key
// (accounts.debtor_key) and bind every account of that debtor at the
// lender, whichever agency holds it. The account they were recorded on
// scopes who may record and end them: the lender, or the agency holding the
// account now.

import (
	"collect"
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
)

// RequestInput is a debtor request (API.md: POST /accounts/{id}/requests).
// From and To are a daily period "HH:MM" (inconvenient times, consent to
// out-of-hours contact), or date-times bounding when the request applies.
type RequestInput struct {
	Kind          string `json:"kind"`
	Channel       string `json:"channel"`
	From          string `json:"from"`
	To            string `json:"to"`
	Note          string `json:"note"`
	AttorneyPhone string `json:"attorney_phone"`
	Source        string `json:"source"`     // contact, complaint, api (default)
	ContactID     string `json:"contact_id"` // the contact it was made on, if any
}

// DebtorRequest is a recorded request.
type DebtorRequest struct {
	ID            string     `json:"id"`
	AccountID     string     `json:"account_id"`
	Kind          string     `json:"kind"`
	Channel       string     `json:"channel"`
	From          string     `json:"from"`
	To            string     `json:"to"`
	AttorneyPhone string     `json:"attorney_phone"`
	Note          string     `json:"note"`
	Source        string     `json:"source"`
	StartsAt      time.Time  `json:"starts_at"`
	EndsAt        *time.Time `json:"ends_at"`
	EndedAt       *time.Time `json:"ended_at"`
	EndReason     string     `json:"end_reason"`
	InForce       bool       `json:"in_force"`
	CreatedAt     time.Time  `json:"created_at"`
}

// HoldInput is a care or hardship hold (API.md: POST /accounts/{id}/holds).
type HoldInput struct {
	Kind     string `json:"kind"`
	Consent  bool   `json:"consent"`
	Until    string `json:"until"` // a date (YYYY-MM-DD, the end of that day in the debtor's zone) or an RFC 3339 time
	Note     string `json:"note"`
	Evidence string `json:"evidence"`
}

// CareHold is a recorded hold.
type CareHold struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"account_id"`
	AgencyID   string     `json:"agency_id"`
	Kind       string     `json:"kind"`
	Consent    bool       `json:"consent"`
	Note       string     `json:"note"`
	Evidence   string     `json:"evidence"`
	StartsAt   time.Time  `json:"starts_at"`
	Until      time.Time  `json:"until"`
	LiftedAt   *time.Time `json:"lifted_at"`
	LiftReason string     `json:"lift_reason"`
	InForce    bool       `json:"in_force"`
	CreatedAt  time.Time  `json:"created_at"`
}

type requestRow struct {
	ID, AccountID, Kind, Channel, FromClock, ToClock, AttorneyPhone, Note, Source, EndReason string
	StartsAt, CreatedAt                                                                      time.Time
	EndedAt                                                                                  *time.Time
}

type holdRow struct {
	ID, AccountID, AgencyID, Kind, Note, Evidence, LiftReason string
	Consent                                                   bool
	StartsAt, UntilAt, CreatedAt                              time.Time
	LiftedAt                                                  *time.Time
}

func (r requestRow) rule() casework.DebtorRequest {
	return casework.DebtorRequest{ID: r.ID, Kind: r.Kind, Channel: r.Channel, From: r.FromClock, To: r.ToClock,
		AttorneyPhone: r.AttorneyPhone, Start: r.StartsAt, End: r.EndedAt}
}

func (r requestRow) view(now time.Time) DebtorRequest {
	d := DebtorRequest{ID: r.ID, AccountID: r.AccountID, Kind: r.Kind, Channel: r.Channel, From: r.FromClock, To: r.ToClock,
		AttorneyPhone: r.AttorneyPhone, Note: r.Note, Source: r.Source, StartsAt: r.StartsAt, EndedAt: r.EndedAt,
		EndReason: r.EndReason, CreatedAt: r.CreatedAt}
	d.EndsAt = r.EndedAt
	d.InForce = r.rule().InForce(now)
	return d
}

func (h holdRow) rule() casework.CareHold {
	return casework.CareHold{ID: h.ID, Kind: h.Kind, Start: h.StartsAt, Until: h.UntilAt, LiftedAt: h.LiftedAt}
}

func (h holdRow) view(now time.Time) CareHold {
	return CareHold{ID: h.ID, AccountID: h.AccountID, AgencyID: h.AgencyID, Kind: h.Kind, Consent: h.Consent, Note: h.Note,
		Evidence: h.Evidence, StartsAt: h.StartsAt, Until: h.UntilAt, LiftedAt: h.LiftedAt, LiftReason: h.LiftReason,
		InForce: h.rule().InForce(now), CreatedAt: h.CreatedAt}
}

// personKey is the key requests and holds are stored under: the debtor's
// key, or for an account without one the account itself.
func personKey(acc caseAccount) string {
	if acc.DebtorKey != nil && *acc.DebtorKey != "" {
		return *acc.DebtorKey
	}
	return "account:" + acc.ID
}

// personRules are the debtor's requests and holds, every one, ended or not
// (each is judged at the contact's time).
func personRules(tx *gorm.DB, lenderID, key string) ([]requestRow, []holdRow, error) {
	var reqs []requestRow
	if err := tx.Table("debtor_requests").Where("lender_id = ? AND debtor_key = ?", lenderID, key).Order("created_at, id").Find(&reqs).Error; err != nil {
		return nil, nil, err
	}
	var holds []holdRow
	if err := tx.Table("care_holds").Where("lender_id = ? AND debtor_key = ?", lenderID, key).Order("created_at, id").Find(&holds).Error; err != nil {
		return nil, nil, err
	}
	return reqs, holds, nil
}

// parseRequestBound reads from/to: a clock time stays a daily period; a
// date-time (RFC 3339) or a date (the start of that day in loc) bounds the
// request's period.
func parseRequestBound(field, v string, loc *time.Location) (clock string, at *time.Time, fe *collect.FieldError) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil, nil
	}
	if casework.ValidRequestWindow(v) {
		return v, nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		t = t.UTC()
		return "", &t, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		t := d.UTC()
		return "", &t, nil
	}
	f := collect.Field(field, "err.request.clock")
	return "", nil, &f
}

// CreateRequest records a debtor request on an account in the actor's
// scope; it binds all of the debtor's accounts at the lender.
func (s *Store) CreateRequest(ctx context.Context, a collect.Actor, accountID string, in RequestInput) (DebtorRequest, error) {
	now := s.now()
	var out DebtorRequest
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, _, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		loc := accountLocation(acc)
		var fields []collect.FieldError
		fromClock, fromAt, fe := parseRequestBound("from", in.From, loc)
		if fe != nil {
			fields = append(fields, *fe)
		}
		toClock, toAt, fe := parseRequestBound("to", in.To, loc)
		if fe != nil {
			fields = append(fields, *fe)
		}
		if (fromClock == "") != (toClock == "") && fromAt == nil && toAt == nil {
			fields = append(fields, collect.Field("to", "err.request.window_both"))
		}
		rule := casework.DebtorRequest{Kind: in.Kind, Channel: in.Channel, From: fromClock, To: toClock, AttorneyPhone: in.AttorneyPhone}
		fields = append(fields, casework.ValidRequest(rule)...)
		if utf8.RuneCountInString(in.Note) > 2000 {
			fields = append(fields, collect.Field("note", "err.contact.note_long", "max", "2,000"))
		}
		if in.Source == "" {
			in.Source = "api"
		}
		if in.Source != "api" && in.Source != "contact" && in.Source != "complaint" {
			fields = append(fields, collect.Field("source", "err.contact.one_of", "list", "api, contact, complaint"))
		}
		if len(fields) > 0 {
			return allocation.FieldErrors(fields)
		}
		start := now
		if fromAt != nil {
			start = *fromAt
		}
		row := requestRow{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, Kind: in.Kind, Channel: in.Channel,
			FromClock: fromClock, ToClock: toClock, AttorneyPhone: strings.TrimSpace(in.AttorneyPhone), Note: strings.TrimSpace(in.Note),
			Source: in.Source, StartsAt: start, CreatedAt: now, EndedAt: toAt}
		if err := tx.Table("debtor_requests").Create(map[string]any{"id": row.ID, "lender_id": acc.LenderID, "debtor_key": personKey(acc),
			"account_id": acc.ID, "kind": row.Kind, "channel": row.Channel, "from_clock": row.FromClock, "to_clock": row.ToClock,
			"attorney_phone": row.AttorneyPhone, "note": row.Note, "source": row.Source, "contact_id": in.ContactID,
			"recorded_by": a.UserID, "recorded_org": a.OrgID, "starts_at": row.StartsAt, "ended_at": row.EndedAt, "created_at": now}).Error; err != nil {
			return err
		}
		out = row.view(now)
		return s.appendAudit(tx, a, auditRecord{Action: "debtor_request.create", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			After: map[string]any{"request": row.ID, "kind": row.Kind, "channel": row.Channel, "from": row.FromClock, "to": row.ToClock,
				"starts_at": row.StartsAt, "source": row.Source}})
	})
	return out, err
}

// EndRequest ends a request in force, for a reason (audited).
func (s *Store) EndRequest(ctx context.Context, a collect.Actor, accountID, requestID, reason string) (DebtorRequest, error) {
	if strings.TrimSpace(reason) == "" {
		reason = "ended through the API"
	}
	if err := allocation.ValidReason(reason); err != nil {
		return DebtorRequest{}, err
	}
	now := s.now()
	var out DebtorRequest
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, _, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		var row requestRow
		if err := tx.Table("debtor_requests").Where("id = ? AND lender_id = ? AND debtor_key = ?", requestID, acc.LenderID, personKey(acc)).
			Take(&row).Error; err != nil {
			return notFound(err, "request")
		}
		if row.EndedAt != nil && !row.EndedAt.After(now) {
			return collect.E(collect.ECONFLICT, "err.request.ended")
		}
		if err := tx.Table("debtor_requests").Where("id = ?", row.ID).Updates(map[string]any{"ended_at": now, "ended_by": a.UserID,
			"end_reason": strings.TrimSpace(reason)}).Error; err != nil {
			return err
		}
		row.EndedAt, row.EndReason = &now, strings.TrimSpace(reason)
		out = row.view(now)
		return s.appendAudit(tx, a, auditRecord{Action: "debtor_request.end", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			After: map[string]any{"request": row.ID, "kind": row.Kind, "reason_sha256": textDigest(row.EndReason)}})
	})
	return out, err
}

// maxHold is how far ahead a hold may run before it must be renewed.
const maxHold = 366 * 24 * time.Hour

// CreateHold records a care or hardship hold on the debtor, with the
// debtor's consent to record it.
func (s *Store) CreateHold(ctx context.Context, a collect.Actor, accountID string, in HoldInput) (CareHold, error) {
	now := s.now()
	var out CareHold
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, _, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		var fields []collect.FieldError
		if !contains(casework.HoldKinds, in.Kind) {
			fields = append(fields, collect.Field("kind", "err.hold.kind", "list", strings.Join(casework.HoldKinds, ", ")))
		}
		if !in.Consent {
			fields = append(fields, collect.Field("consent", "err.hold.consent"))
		}
		until, ok := parseHoldUntil(in.Until, accountLocation(acc))
		if !ok || !until.After(now) || until.Sub(now) > maxHold {
			fields = append(fields, collect.Field("until", "err.hold.until"))
		}
		if utf8.RuneCountInString(in.Note) > 2000 || utf8.RuneCountInString(in.Evidence) > 2000 {
			fields = append(fields, collect.Field("note", "err.contact.note_long", "max", "2,000"))
		}
		if len(fields) > 0 {
			return allocation.FieldErrors(fields)
		}
		agency := ""
		if a.OrgKind == collect.KindAgency {
			agency = a.OrgID
		}
		row := holdRow{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, AgencyID: agency, Kind: in.Kind, Consent: true,
			Note: strings.TrimSpace(in.Note), Evidence: strings.TrimSpace(in.Evidence), StartsAt: now, UntilAt: until, CreatedAt: now}
		if err := tx.Table("care_holds").Create(map[string]any{"id": row.ID, "lender_id": acc.LenderID, "debtor_key": personKey(acc),
			"account_id": acc.ID, "agency_id": agency, "kind": row.Kind, "consent": true, "note": row.Note, "evidence": row.Evidence,
			"recorded_by": a.UserID, "starts_at": now, "until_at": until, "created_at": now}).Error; err != nil {
			return err
		}
		out = row.view(now)
		// The note describes a vulnerability: the audit keeps its digest.
		return s.appendAudit(tx, a, auditRecord{Action: "care_hold.create", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			After: map[string]any{"hold": row.ID, "kind": row.Kind, "until": until, "note_sha256": textDigest(row.Note)}})
	})
	return out, err
}

func parseHoldUntil(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return d.AddDate(0, 0, 1).UTC(), true // the whole of that day
	}
	return time.Time{}, false
}

// LiftHold ends a hold before its date, for a reason. The lender may lift
// any hold of its debtors; an agency those on the accounts it holds.
func (s *Store) LiftHold(ctx context.Context, a collect.Actor, holdID, reason string) (CareHold, error) {
	if err := allocation.ValidReason(reason); err != nil {
		return CareHold{}, err
	}
	now := s.now()
	var out CareHold
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var row holdRow
		if err := tx.Table("care_holds").Where("id = ?", holdID).Take(&row).Error; err != nil {
			return notFound(err, "hold")
		}
		acc, _, err := s.lockCase(tx, a, row.AccountID)
		if err != nil {
			return notFoundError("hold")
		}
		if !row.rule().InForce(now) {
			return collect.E(collect.ECONFLICT, "err.hold.lifted")
		}
		if err := tx.Table("care_holds").Where("id = ?", row.ID).Updates(map[string]any{"lifted_at": now, "lifted_by": a.UserID,
			"lift_reason": strings.TrimSpace(reason)}).Error; err != nil {
			return err
		}
		row.LiftedAt, row.LiftReason = &now, strings.TrimSpace(reason)
		out = row.view(now)
		return s.appendAudit(tx, a, auditRecord{Action: "care_hold.lift", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			After: map[string]any{"hold": row.ID, "reason_sha256": textDigest(row.LiftReason)}})
	})
	return out, err
}

// accountLocation is the debtor's first zone, or the profile's default.
func accountLocation(acc caseAccount) *time.Location {
	prof, err := conductProfile(acc.ConductProfile)
	if err != nil {
		return collect.China
	}
	zone := acc.TimeZone
	if zone == "" {
		zone = prof.DefaultTimeZone
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		return loc
	}
	return collect.China
}

// accountZones are every zone of the debtor, the first the address's.
func accountZones(acc caseAccount) []string {
	var zones []string
	if acc.TimeZone != "" {
		zones = append(zones, acc.TimeZone)
	}
	for _, z := range strings.Split(acc.TimeZones, ",") {
		if z = strings.TrimSpace(z); z != "" && !contains(zones, z) {
			zones = append(zones, z)
		}
	}
	if len(zones) == 0 {
		if prof, err := conductProfile(acc.ConductProfile); err == nil {
			zones = append(zones, prof.DefaultTimeZone)
		}
	}
	return zones
}

// HoldsByAgency counts the holds in force on the lender's debtors, by the
// agency holding the account they were recorded on ("" = unplaced).
func (s *Store) HoldsByAgency(ctx context.Context, a collect.Actor) (map[string]int, error) {
	out := map[string]int{}
	if a.OrgKind != collect.KindLender {
		return out, nil
	}
	now := s.now()
	var rows []struct {
		AgencyID string
		N        int
	}
	err := s.db.WithContext(ctx).Raw(`SELECT COALESCE(a.agency_id, '') AS agency_id, COUNT(*) AS n FROM care_holds h
		JOIN accounts a ON a.id = h.account_id
		WHERE h.lender_id = ? AND h.starts_at <= ? AND h.until_at > ? AND (h.lifted_at IS NULL OR h.lifted_at > ?)
		GROUP BY COALESCE(a.agency_id, '')`, a.OrgID, now, now, now).Scan(&rows).Error
	for _, r := range rows {
		out[r.AgencyID] = r.N
	}
	return out, err
}
