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
	// AgencyID is the agency whose placement the contact was made under.
	AgencyID string `json:"-"`
	// DetailsWithheld: made by another agency; its note, message and
	// collector are not shown to the reader (casework.HistoryDetailFor).
	DetailsWithheld bool `json:"details_withheld" gorm:"-"`
}

// casework is the contact as the rules and predicates read it.
func (c Contact) casework() casework.Contact {
	return casework.Contact{Channel: c.Channel, Party: c.Party, Direction: c.Direction, At: c.At, Outcome: c.Outcome,
		Note: c.Note, Message: c.Message, PartyPhone: c.PartyPhone, AI: c.AI}
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
		// The last nine days, and every third party's refusal however old
		// (a third party who refused is never contacted again).
		var hist []Contact
		if err := tx.Table("contacts").Where("account_id = ? AND (at >= ? OR "+casework.ThirdPartyRefusalSQL("")+")",
			acc.ID, in.At.Add(-9*24*time.Hour)).Find(&hist).Error; err != nil {
			return err
		}
		check := casework.ContactCheck{
			Proposed: casework.Contact{Channel: in.Channel, Party: in.Party, Direction: in.Direction, At: in.At, Outcome: in.Outcome,
				Note: in.Note, Message: in.Message, PartyPhone: in.PartyPhone, AI: in.AI},
			TimeZone: acc.TimeZone, ConsentOutOfHours: acc.ConsentOutOfHours, CeaseCommunication: acc.CeaseCommunication,
			DisputeOpen: acc.DisputeOpen, GuarantorAllowed: acc.GuarantorAllowed,
		}
		for _, h := range hist {
			check.History = append(check.History, h.casework())
		}
		check.DebtorUnreachable = casework.DebtorUnreachable(check.History, in.At)
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
			PartyPhone: in.PartyPhone, Direction: in.Direction, At: in.At, Outcome: in.Outcome, Note: strings.TrimSpace(in.Note), Message: in.Message, AI: in.AI}
		if err := tx.Table("contacts").Create(map[string]any{"id": out.ID, "account_id": acc.ID, "lender_id": acc.LenderID, "agency_id": a.OrgID,
			"placement_id": pl.ID, "collector_id": a.UserID, "channel": in.Channel, "party": in.Party, "party_phone": in.PartyPhone,
			"direction": in.Direction, "at": in.At, "outcome": in.Outcome, "note": out.Note, "message": in.Message, "ai": in.AI, "created_at": now}).Error; err != nil {
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
