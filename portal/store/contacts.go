package store

import (
	"collect"
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
	"collect/policies"
)

// ContactInput is one call, message, letter, email or visit (API.md).
type ContactInput struct {
	Channel    string    `json:"channel"`
	Party      string    `json:"party"`
	PartyPhone string    `json:"party_phone"`
	Direction  string    `json:"direction"`
	At         time.Time `json:"at"`
	Outcome    string    `json:"outcome"`
	Note       string    `json:"note"`
	Message    string    `json:"message"`
	AI         bool      `json:"ai"`
	// PartyRelation is who a third party is to the debtor; a third party
	// must be named by relation and number (a refusal binds that person).
	PartyRelation string `json:"party_relation"`
	Place         string `json:"place"`   // "", home, workplace, other
	Purpose       string `json:"purpose"` // "" or casework.ContactPurposes
	// CallID is the telephony system's id of the call, which its recording
	// is matched by (POST /api/v1/attachments/bulk).
	CallID string `json:"call_id"`
}

// Validate checks the enumerations, lengths and time (zero time = now).
func (in *ContactInput) Validate(now time.Time) error {
	var f []collect.FieldError
	check := func(field, v string, list []string) {
		if !contains(list, v) {
			f = append(f, collect.Field(field, "err.contact.one_of", "list", strings.Join(list, ", ")))
		}
	}
	if in.Direction == "" {
		in.Direction = casework.DirectionOutbound
	}
	if in.At.IsZero() {
		in.At = now
	}
	check("channel", in.Channel, casework.ContactChannels)
	check("party", in.Party, casework.ContactParties)
	check("direction", in.Direction, casework.ContactDirections)
	check("outcome", in.Outcome, casework.ContactOutcomes)
	if in.At.After(now.Add(5 * time.Minute)) {
		f = append(f, collect.Field("at", "err.contact.at_future"))
	}
	if utf8.RuneCountInString(in.Note) > 4000 || utf8.RuneCountInString(in.Message) > 4000 {
		f = append(f, collect.Field("note", "err.contact.note_long", "max", "4,000"))
	}
	if utf8.RuneCountInString(in.PartyPhone) > 32 {
		f = append(f, collect.Field("party_phone", "err.contact.phone_long", "max", 32))
	}
	in.PartyPhone, in.PartyRelation = strings.TrimSpace(in.PartyPhone), strings.ToLower(strings.TrimSpace(in.PartyRelation))
	if in.Party == casework.PartyThirdParty {
		if len(casework.PhoneDigits(in.PartyPhone)) < 5 {
			f = append(f, collect.Field("party_phone", "err.contact.party_phone_required"))
		}
		if in.PartyRelation == "" {
			f = append(f, collect.Field("party_relation", "err.contact.party_relation_required"))
		}
	}
	if utf8.RuneCountInString(in.PartyRelation) > 40 {
		f = append(f, collect.Field("party_relation", "err.contact.phone_long", "max", 40))
	}
	if in.Place != "" {
		check("place", in.Place, casework.ContactPlaces)
	}
	if in.Purpose != "" {
		check("purpose", in.Purpose, casework.ContactPurposes)
	}
	in.CallID = strings.TrimSpace(in.CallID)
	if utf8.RuneCountInString(in.CallID) > 128 {
		f = append(f, collect.Field("call_id", "err.evidence.call_id_long", "max", 128))
	}
	return allocation.FieldErrors(f)
}

// Contact is a recorded contact.
type Contact struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	CollectorID string    `json:"collector_id"`
	Channel     string    `json:"channel"`
	Party       string    `json:"party"`
	PartyPhone  string    `json:"party_phone"`
	Direction   string    `json:"direction"`
	At          time.Time `json:"at"`
	Outcome     string    `json:"outcome"`
	Note        string    `json:"note"`
	Message     string    `json:"message"`
	AI          bool      `json:"ai"`
	// PartyRelation, Place and Purpose: see ContactInput.
	PartyRelation string `json:"party_relation"`
	Place         string `json:"place"`
	Purpose       string `json:"purpose"`
	CallID        string `json:"call_id"`
	// RecordingSHA256 is the hash of the call's first recording, "" until
	// one is attached.
	RecordingSHA256 string `json:"recording_sha256" gorm:"column:recording_sha256"`
	// AgencyID is the agency whose placement the contact was made under.
	AgencyID string `json:"-"`
	// DetailsWithheld: made by another agency; its note, message and
	// collector are not shown to the reader (casework.HistoryDetailFor).
	DetailsWithheld bool `json:"details_withheld" gorm:"-"`
}

// casework is the contact as the rules and predicates read it.
func (c Contact) casework() casework.Contact {
	return casework.Contact{Channel: c.Channel, Party: c.Party, Direction: c.Direction, At: c.At, Outcome: c.Outcome,
		Note: c.Note, Message: c.Message, PartyPhone: c.PartyPhone, AI: c.AI, PartyRelation: c.PartyRelation,
		Place: c.Place, Purpose: c.Purpose, AccountID: c.AccountID}
}

// contactCheck gathers what the conduct guard judges a proposed contact on
// (casework.ContactCheck): the debtor's contacts on every account of the
// person at the lender (the last nine days before the contact, and every
// third party's refusal however old), the debtor's requests and holds, the
// zones, and the dispute as it stood at the contact's time.
func (s *Store) contactCheck(tx *gorm.DB, acc caseAccount, pc casework.Contact) (casework.ContactCheck, error) {
	check := casework.ContactCheck{Proposed: pc, AccountID: acc.ID, TimeZone: acc.TimeZone, TimeZones: accountZones(acc),
		ConsentOutOfHours: acc.ConsentOutOfHours, CeaseCommunication: acc.CeaseCommunication, GuarantorAllowed: acc.GuarantorAllowed}
	if check.Proposed.AccountID == "" {
		check.Proposed.AccountID = acc.ID
	}
	var hist []Contact
	q := tx.Table("contacts")
	if key := personKey(acc); acc.DebtorKey != nil && *acc.DebtorKey != "" {
		q = q.Where("account_id IN (SELECT id FROM accounts WHERE lender_id = ? AND debtor_key = ?)", acc.LenderID, key)
	} else {
		q = q.Where("account_id = ?", acc.ID)
	}
	if err := q.Where("(at >= ? OR "+casework.ThirdPartyRefusalSQL("")+")", pc.At.Add(-9*24*time.Hour)).Find(&hist).Error; err != nil {
		return check, err
	}
	for _, h := range hist {
		check.History = append(check.History, h.casework())
	}
	reqs, holds, err := personRules(tx, acc.LenderID, personKey(acc))
	if err != nil {
		return check, err
	}
	for _, r := range reqs {
		check.Requests = append(check.Requests, r.rule())
	}
	for _, h := range holds {
		check.Holds = append(check.Holds, h.rule())
	}
	// The dispute as it stood then: raised by the contact's time and not
	// resolved before it.
	var open int64
	if err := tx.Table("disputes").Where("account_id = ? AND raised_at <= ? AND (resolved_at IS NULL OR resolved_at > ?)",
		acc.ID, pc.At, pc.At).Count(&open).Error; err != nil {
		return check, err
	}
	check.DisputeOpen = open > 0
	check.DebtorUnreachable = casework.DebtorUnreachable(check.History, pc.At)
	return check, nil
}

// lockPerson serialises contacts with one debtor across the debtor's
// accounts on PostgreSQL (a transaction-scoped advisory lock on the
// person's key), so two calls on two loans cannot both pass a per-debtor
// cap; SQLite's immediate transactions already run one at a time.
func (s *Store) lockPerson(tx *gorm.DB, acc caseAccount) error {
	if s.dialect != "postgres" {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", acc.LenderID+"/"+personKey(acc)).Error
}

// ContactPermission answers whether a contact on channel with party may be
// made at (zero: now), every rule that would refuse it, what the caps leave
// and when it is next allowed: the same guard RecordContact applies.
func (s *Store) ContactPermission(ctx context.Context, a collect.Actor, accountID, channel, party string, at time.Time) (casework.Permission, error) {
	now := s.now()
	if at.IsZero() {
		at = now
	}
	var f []collect.FieldError
	if !contains(casework.ContactChannels, channel) {
		f = append(f, collect.Field("channel", "err.permission.channel", "list", strings.Join(casework.ContactChannels, ", ")))
	}
	if !contains(casework.ContactParties, party) {
		f = append(f, collect.Field("party", "err.permission.party", "list", strings.Join(casework.ContactParties, ", ")))
	}
	if len(f) > 0 {
		return casework.Permission{}, allocation.FieldErrors(f)
	}
	db := s.db.WithContext(ctx)
	acc, _, err := s.loadCase(db, a, accountID)
	if err != nil {
		return casework.Permission{}, err
	}
	prof, err := conductProfile(acc.ConductProfile)
	if err != nil {
		return casework.Permission{}, err
	}
	check, err := s.contactCheck(db, acc, casework.Contact{Channel: channel, Party: party, Direction: casework.DirectionOutbound, At: at.UTC()})
	if err != nil {
		return casework.Permission{}, err
	}
	var extra []collect.Violation
	if a.OrgKind == collect.KindAgency {
		rec, err := rosterRecord(db, a.UserID)
		if err != nil {
			return casework.Permission{}, err
		}
		extra = casework.CheckRoster(rec, now, prof)
	}
	return casework.ContactPermission(prof, check, extra), nil
}

var profiles sync.Map // name → casework.ConductProfile

// conductProfile parses an embedded rule profile once.
func conductProfile(name string) (casework.ConductProfile, error) {
	if name == "" {
		name = "china"
	}
	if p, ok := profiles.Load(name); ok {
		return p.(casework.ConductProfile), nil
	}
	raw, err := policies.ConductProfile(name)
	if err != nil {
		return casework.ConductProfile{}, err
	}
	p, err := casework.ParseConductProfile(raw)
	if err != nil {
		return p, err
	}
	profiles.Store(name, p)
	return p, nil
}

// RecordContact checks a contact against the account's conduct rule profile
// before recording it. A contact that breaks a rule is refused (a rule
// violation naming each rule) and the refusal itself is kept for oversight;
// one that passes is logged, counts as a demand for payment (or, for a
// promise, an acknowledgement) for the limitation period, and moves a case
// in first contact on to negotiation once the debtor is reached.
func (s *Store) RecordContact(ctx context.Context, a collect.Actor, accountID string, in ContactInput) (Contact, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Contact{}, err
	}
	in.At = in.At.UTC()
	var out Contact
	var refusal error
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, pl, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		if a.OrgKind != collect.KindAgency || pl.ID == "" {
			return collect.E(collect.EFORBIDDEN, "err.contact.not_holder")
		}
		// A contact before this placement began was not this agency's: it
		// would be counted to it, in a month it did not hold the account.
		if in.At.Before(pl.StartsAt) {
			return allocation.FieldErrors([]collect.FieldError{collect.Field("at", "err.contact.before_placement",
				"start", pl.StartsAt.In(collect.China).Format("2006-01-02 15:04"))})
		}
		prof, err := conductProfile(acc.ConductProfile)
		if err != nil {
			return err
		}
		if err := s.lockPerson(tx, acc); err != nil {
			return err
		}
		if in.Party == casework.PartyEmergencyContact && in.PartyPhone == "" {
			// The emergency contact on file, so a refusal binds that person.
			in.PartyPhone = acc.EmergencyContactPhone
		}
		check, err := s.contactCheck(tx, acc, casework.Contact{Channel: in.Channel, Party: in.Party, Direction: in.Direction, At: in.At,
			Outcome: in.Outcome, Note: in.Note, Message: in.Message, PartyPhone: in.PartyPhone, AI: in.AI,
			PartyRelation: in.PartyRelation, Place: in.Place, Purpose: in.Purpose, AccountID: acc.ID})
		if err != nil {
			return err
		}
		// Who calls before the call: a collector off the roster, without a
		// signed agreement or whose yearly training lapsed may not contact.
		rec, err := rosterRecord(tx, a.UserID)
		if err != nil {
			return err
		}
		vs := casework.CheckRoster(rec, now, prof)
		vs = append(vs, casework.CheckContact(prof, check)...)
		if len(vs) > 0 {
			refusalID := uuid.Must(uuid.NewV7()).String()
			if err := tx.Table("contact_refusals").Create(map[string]any{"id": refusalID, "account_id": acc.ID,
				"lender_id": acc.LenderID, "agency_id": a.OrgID, "collector_id": a.UserID, "channel": in.Channel, "party": in.Party,
				"at": in.At, "violations": jsonString(vs), "note": in.Note, "created_at": now}).Error; err != nil {
				return err
			}
			// A refused attempt is a conduct breach for oversight, prevented.
			if _, err := recordBreaches(tx, acc.LenderID, a.OrgID, acc.ID, "refusal", refusalID, in.At, now, vs, nil); err != nil {
				return err
			}
			refusal = refused(vs, "err.contact.refused")
			return s.appendAudit(tx, a, auditRecord{Action: "contact.refused", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
				After: map[string]any{"channel": in.Channel, "party": in.Party, "rules": violationRules(vs)}})
		}
		out = Contact{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, CollectorID: a.UserID, Channel: in.Channel, Party: in.Party,
			PartyPhone: in.PartyPhone, Direction: in.Direction, At: in.At, Outcome: in.Outcome, Note: strings.TrimSpace(in.Note), Message: in.Message, AI: in.AI,
			PartyRelation: in.PartyRelation, Place: in.Place, Purpose: in.Purpose, CallID: in.CallID}
		if err := tx.Table("contacts").Create(map[string]any{"call_id": in.CallID, "id": out.ID, "account_id": acc.ID, "lender_id": acc.LenderID, "agency_id": a.OrgID,
			"placement_id": pl.ID, "collector_id": a.UserID, "channel": in.Channel, "party": in.Party, "party_phone": in.PartyPhone,
			"direction": in.Direction, "at": in.At, "outcome": in.Outcome, "note": out.Note, "message": in.Message, "ai": in.AI,
			"party_relation": in.PartyRelation, "place": in.Place, "purpose": in.Purpose, "created_at": now}).Error; err != nil {
			return err
		}
		if err := countContact(tx, acc.LenderID, a.OrgID, acc.ID, pl.ID, pl.StartsAt, out); err != nil {
			return err
		}
		if casework.DebtorReached(check.Proposed) {
			kind := "demand"
			if in.Outcome == casework.OutcomePromise {
				kind = "acknowledgement"
			}
			if err := addLimitationEvent(tx, acc.ID, kind, in.At, "contact:"+out.ID, now); err != nil {
				return err
			}
			if err := s.autoStage(tx, a, acc, func(st casework.CaseState) string { return casework.StageAfterContact(st, check.Proposed) }); err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "contact.record", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			After: map[string]string{"contact": out.ID, "channel": in.Channel, "party": in.Party, "outcome": in.Outcome,
				"note_sha256": textDigest(out.Note), "message_sha256": textDigest(in.Message)}})
	})
	if err != nil {
		return Contact{}, err
	}
	if refusal == nil {
		s.rescoreAfter(ctx, accountID) // a refused contact changed nothing the models see
	}
	return out, refusal
}

func addLimitationEvent(tx *gorm.DB, accountID, kind string, at time.Time, source string, now time.Time) error {
	return tx.Table("limitation_events").Create(map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "account_id": accountID,
		"kind": kind, "at": at, "source": source, "created_at": now}).Error
}

// Contacts lists an account's contacts, newest first; the numbers called
// are masked unless personal (the caller may see personal data). Contacts
// another agency made are facts only for an agency reader: no note, message
// or collector, unless its contract shares the full history.
func (s *Store) Contacts(ctx context.Context, a collect.Actor, accountID string, personal bool) ([]Contact, error) {
	db := s.db.WithContext(ctx)
	acc, _, err := s.loadCase(db, a, accountID)
	if err != nil {
		return nil, err
	}
	var out []Contact
	if err := db.Table("contacts").Where("account_id = ?", accountID).Order("at DESC").Limit(500).Find(&out).Error; err != nil {
		return nil, err
	}
	viewer := historyViewer(db, a, acc.LenderID)
	for i := range out {
		if !personal {
			out[i].PartyPhone = allocation.MaskPhone(out[i].PartyPhone)
		}
		if casework.HistoryDetailFor(viewer, out[i].AgencyID) != casework.HistoryFull {
			out[i].Note, out[i].Message, out[i].CollectorID, out[i].DetailsWithheld = "", "", "", true
		}
	}
	return out, nil
}

// Message is a template filled for one account.
type Message struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

var templatesOnce struct {
	sync.Once
	t   map[string][]casework.MessageTemplate
	err error
}

// Messages fills the account's profile's message templates (which carry the
// required disclosures) for the agency holding it.
func (s *Store) Messages(ctx context.Context, a collect.Actor, accountID string) ([]Message, error) {
	templatesOnce.Do(func() {
		templatesOnce.t, templatesOnce.err = casework.ParseMessageTemplates(policies.MessageTemplates())
	})
	if templatesOnce.err != nil {
		return nil, templatesOnce.err
	}
	db := s.db.WithContext(ctx)
	acc, _, err := s.loadCase(db, a, accountID)
	if err != nil {
		return nil, err
	}
	var lender string
	db.Table("organisations").Where("id = ?", acc.LenderID).Pluck("name", &lender)
	tail := acc.ExternalRef
	if len(tail) > 4 {
		tail = tail[len(tail)-4:]
	}
	data := casework.MessageData{Agency: a.OrgName, Lender: lender, Debtor: acc.DebtorName, RefTail: tail,
		DPD: strconv.Itoa(acc.DPD), Balance: majorUnits(acc.BalanceCents)}
	profile := acc.ConductProfile
	if profile == "" {
		profile = "china"
	}
	var out []Message
	for _, t := range templatesOnce.t[profile] {
		out = append(out, Message{ID: t.ID, Channel: t.Channel, Text: t.Render(data)})
	}
	return out, nil
}

// violationRules are the names of the rules broken, for the audit trail (the
// messages stay with the refusal).
func violationRules(vs []collect.Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Rule
	}
	return out
}
