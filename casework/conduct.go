package casework

import (
	"bytes"
	"collect"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	// Quiet hours and calendar days are judged in the debtor's zone; embedding
	// the zone database keeps that right on hosts without /usr/share/zoneinfo.
	_ "time/tzdata"

	"collect/allocation"
	"collect/policies"
)

// Channels, parties, directions and outcomes of a Contact.
const (
	ChannelCall   = "call"
	ChannelSMS    = "sms"
	ChannelLetter = "letter"
	ChannelEmail  = "email"
	ChannelVisit  = "visit"

	PartyDebtor           = "debtor"
	PartyGuarantor        = "guarantor"
	PartyEmergencyContact = "emergency_contact"
	PartyThirdParty       = "third_party"

	DirectionOutbound = "outbound"
	DirectionInbound  = "inbound"

	OutcomeRightPartyContact = "right_party_contact"
	OutcomeNoAnswer          = "no_answer"
	OutcomeWrongNumber       = "wrong_number"
	OutcomeRefused           = "refused"
	OutcomePromise           = "promise"
	OutcomeThirdPartyRefused = "third_party_refused"
	OutcomeLeftMessage       = "left_message"
	OutcomeBusy              = "busy"
	OutcomeNotConnected      = "not_connected" // the call did not connect to the number dialled (a network failure, not in service)
	OutcomeOther             = "other"
)

// ContactChannels, ContactParties and ContactOutcomes list the values a
// Contact may carry.
var (
	ContactChannels = []string{ChannelCall, ChannelSMS, ChannelLetter, ChannelEmail, ChannelVisit}
	ContactParties  = []string{PartyDebtor, PartyGuarantor, PartyEmergencyContact, PartyThirdParty}
	ContactOutcomes = []string{
		OutcomeRightPartyContact, OutcomeNoAnswer, OutcomeWrongNumber, OutcomeRefused, OutcomePromise,
		OutcomeThirdPartyRefused, OutcomeLeftMessage, OutcomeBusy, OutcomeNotConnected, OutcomeOther,
	}
)

// Conduct rule ids. They are stable: breaches, detectors and complaints refer
// to them.
const (
	RuleConductProfileInvalid         = "profile.invalid"
	RuleConductContactInvalid         = "contact.invalid"
	RuleConductCeaseCommunication     = "cease_communication"
	RuleConductDisputeOpen            = "dispute_open"
	RuleConductCNQuietHours           = "cn.quiet_hours"
	RuleConductUSQuietHours           = "us.quiet_hours"
	RuleConductCNMaxEffectiveCallsDay = "cn.max_effective_calls_per_day"
	RuleConductUSSevenInSeven         = "us.seven_in_seven"
	RuleConductUSAfterConversation    = "us.after_conversation"
	RuleConductGuarantorNotAllowed    = "guarantor.not_allowed"
	RuleConductThirdPartyUnreachable  = "third_party.only_when_unreachable"
	RuleConductThirdPartyNoDisclosure = "third_party.no_disclosure"
	RuleConductThirdPartyRefused      = "third_party.refused"
	RuleConductUSOptOut               = "us.opt_out"
	RuleConductForbiddenLanguage      = "forbidden_language"
)

// Which ids a profile may give its quiet hours and its caps.
var (
	conductQuietRules = []string{RuleConductCNQuietHours, RuleConductUSQuietHours}
	conductCapRules   = []string{RuleConductCNMaxEffectiveCallsDay, RuleConductUSSevenInSeven}
)

// RuleIDs lists every rule id CheckRoster and CheckContact can report, in
// the order they report them (the roster first: who calls, then the call).
func RuleIDs() []string {
	return []string{
		RuleRosterNotRegistered,
		RuleRosterNoAgreement,
		RuleRosterTrainingLapsed,
		RuleConductProfileInvalid,
		RuleConductContactInvalid,
		RuleConductCeaseCommunication,
		RuleConductDisputeOpen,
		RuleConductCNQuietHours,
		RuleConductUSQuietHours,
		RuleConductCNMaxEffectiveCallsDay,
		RuleConductUSSevenInSeven,
		RuleConductUSAfterConversation,
		RuleConductGuarantorNotAllowed,
		RuleConductThirdPartyUnreachable,
		RuleConductThirdPartyNoDisclosure,
		RuleConductThirdPartyRefused,
		RuleConductUSOptOut,
		RuleRequestChannelOptOut,
		RuleRequestInconvenientTime,
		RuleRequestWorkplace,
		RuleRequestAttorney,
		RuleCareHold,
		RuleConductForbiddenLanguage,
	}
}

// HistoryDays is how far back ContactCheck.History must reach; profile
// windows longer than this are rejected because they would undercount.
const HistoryDays = 8

// ConductProfile is a rule profile: the conduct rules of one jurisdiction as
// data (policies/conduct/*.json), interpreted by CheckContact. Every JSON key
// must be present, so a rule is never switched off by omission.
type ConductProfile struct {
	Name   string `json:"name"`
	Source string `json:"source"` // the law and standards the numbers come from
	// DefaultTimeZone is used when the debtor's zone is unknown or invalid.
	DefaultTimeZone string `json:"default_time_zone"`

	// Quiet hours in the debtor's local time: no outbound contact on
	// QuietChannels from QuietStart (inclusive) to QuietEnd (exclusive) unless
	// the debtor agreed. All three of QuietRule, QuietStart, QuietEnd empty
	// switches quiet hours off.
	QuietRule     string   `json:"quiet_rule"`
	QuietStart    string   `json:"quiet_start"` // "22:00"
	QuietEnd      string   `json:"quiet_end"`   // "08:00"
	QuietChannels []string `json:"quiet_channels"`

	// AICountsAsCall treats an AI voice contact as a call whatever its channel.
	AICountsAsCall bool `json:"ai_counts_as_call"`

	// The definitions (DESIGN.md §3 and §4), data used by the guard, the
	// detectors, the counters and the features alike (predicates.go).
	// EffectiveOutcomes are the outcomes of a connected, interactive call: an
	// effective call for the caps, a conversation about the debt for
	// AfterConversation. A connected call in which the debtor refuses to pay
	// is one.
	EffectiveOutcomes []string `json:"effective_outcomes"`
	// ReachedOutcomes: the person called was reached (with the debtor: a
	// right-party contact, the debtor reached).
	ReachedOutcomes []string `json:"reached_outcomes"`
	// FailedOutcomes: an attempt that reached no one; three in a week, with
	// no conversation, make the debtor unreachable.
	FailedOutcomes []string `json:"failed_outcomes"`
	// UncountedOutcomes are not attempts for an attempt cap (Reg F
	// 1006.14(b)(3): a call that does not connect to the number dialled).
	UncountedOutcomes []string `json:"uncounted_outcomes"`

	Caps []FrequencyCap `json:"caps"`
	// AfterConversation is a window (see FrequencyCap.Window) after a
	// conversation with the debtor in which no call to the debtor may be
	// placed; "" = off.
	AfterConversation string `json:"after_conversation"`

	CeaseCommunication            bool `json:"cease_communication"`       // a cease request stops outbound contact
	DisputePausesCollection       bool `json:"dispute_pauses_collection"` // an open dispute stops outbound contact
	GuarantorNeedsAllowance       bool `json:"guarantor_needs_allowance"`
	ThirdPartyOnlyWhenUnreachable bool `json:"third_party_only_when_unreachable"`
	ThirdPartyNoDisclosure        bool `json:"third_party_no_disclosure"`
	ThirdPartyStopOnRefusal       bool `json:"third_party_stop_on_refusal"`

	// Language names the language set (policies/language/<name>.json) that
	// judges the note and the message: threats, violence, impersonation,
	// exposure, insults and false legal consequences, and disclosure of the
	// debt to a third party, by meaning (LanguageGuard).
	Language string `json:"language"`

	// Outbound messages on OptOutChannels must contain one of OptOutPhrases.
	OptOutChannels []string `json:"opt_out_channels"`
	OptOutPhrases  []string `json:"opt_out_phrases"`

	// RosterRequired: only a collector on the agency's roster, registered,
	// under a signed confidentiality agreement and trained in the last year,
	// may contact debtors (CheckRoster).
	RosterRequired bool `json:"roster_required"`
}

// FrequencyCap limits outbound contacts on Channels to Parties within a
// window ending at the proposed contact: at most Max, so a proposed contact is
// refused once Max are already there. Effective caps count only contacts with
// an effective outcome, and refuse an attempt when the cap is reached, since
// it could become effective.
type FrequencyCap struct {
	Rule      string   `json:"rule"`
	Channels  []string `json:"channels"`
	Parties   []string `json:"parties"`
	Effective bool     `json:"effective"`
	// Window is a rolling Go duration measured back from the proposed contact
	// ("24h", "168h"; at most HistoryDays), "calendar_day" (the debtor's local
	// calendar day) or "calendar_days:N" (that day and the N-1 before it).
	Window string `json:"window"`
	Max    int    `json:"max"`
	// Per is "debtor" (the person, across all of the debtor's accounts at the
	// lender: China's effective calls per day) or "account" (the debt: Reg
	// F's 7 in 7).
	Per string `json:"per"`
}

// What a cap counts per.
const (
	PerDebtor  = "debtor"
	PerAccount = "account"
)

// Contact is one attempt or conversation.
type Contact struct {
	Channel    string // call, sms, letter, email, visit
	Party      string // debtor, guarantor, emergency_contact, third_party
	Direction  string // outbound, inbound
	At         time.Time
	Outcome    string // right_party_contact, no_answer, wrong_number, refused, promise, third_party_refused, left_message, busy, other
	Note       string
	Message    string // the text sent (sms/email/letter), may be empty
	PartyPhone string // who was contacted (third parties are told apart by phone)
	AI         bool   // an AI voice call
	// PartyRelation is who a third party is to the debtor (spouse, parent,
	// colleague, employer, attorney, ...).
	PartyRelation string
	Place         string // "", home, workplace, other
	Purpose       string // "" (collection) or one of ContactPurposes
	AccountID     string // the debt it was about; "" in a one-account history
}

// ContactCheck is everything a check needs, gathered by the caller.
type ContactCheck struct {
	Proposed Contact
	// AccountID is the account contacted; History's contacts on other
	// accounts of the same debtor count for the per-debtor rules only.
	AccountID string
	// History holds this debtor's contacts (any party, any of the debtor's
	// accounts at the lender) over at least the last HistoryDays days, any
	// order; refused attempts are not in it. Third-party refusals are only
	// seen if they are in it, so include them however old. Contacts after
	// the proposed one's time are ignored: a contact is judged on what came
	// before it.
	History []Contact
	// TimeZone and TimeZones are the debtor's IANA zones (address, phone
	// area); a contact must be allowed in every one. None valid = the
	// profile's default.
	TimeZone                        string
	TimeZones                       []string
	ConsentOutOfHours               bool // the debtor agreed to contact in quiet hours
	CeaseCommunication, DisputeOpen bool // as they stood at the contact's time
	GuarantorAllowed                bool // law and contract allow collecting from the guarantor
	DebtorUnreachable               bool // the caller's judgement; third-party contact may need it
	// Requests and Holds are the debtor's, with their periods; each is
	// judged at the proposed contact's time.
	Requests []DebtorRequest
	Holds    []CareHold
}

// ParseConductProfile reads a profile strictly: unknown or missing keys and
// bad values are errors naming the field (an *allocation.Error, code invalid).
func ParseConductProfile(b []byte) (ConductProfile, error) {
	var p ConductProfile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return ConductProfile{}, conductJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return ConductProfile{}, conductInvalid([]collect.FieldError{collect.Field("(document)", "err.conduct.field.trailing_data")})
	}
	if fields := missingConductKeys(b); len(fields) > 0 {
		return ConductProfile{}, conductInvalid(fields)
	}
	if err := p.Validate(); err != nil {
		return ConductProfile{}, err
	}
	return p, nil
}

// Validate reports every bad value of the profile, by JSON field name.
func (p ConductProfile) Validate() error {
	var fields []collect.FieldError
	bad := func(f collect.FieldError) { fields = append(fields, f) }
	if !conductNamePattern.MatchString(p.Name) {
		bad(collect.Field("name", "err.conduct.field.name", "got", strconv.Quote(p.Name)))
	}
	if p.DefaultTimeZone == "" || p.DefaultTimeZone == "Local" {
		bad(collect.Field("default_time_zone", "err.conduct.field.zone_name", "got", strconv.Quote(p.DefaultTimeZone)))
	} else if conductZone(p.DefaultTimeZone) == nil {
		bad(collect.Field("default_time_zone", "err.conduct.field.zone_unknown", "got", strconv.Quote(p.DefaultTimeZone)))
	}

	if p.QuietRule != "" || p.QuietStart != "" || p.QuietEnd != "" {
		if !slices.Contains(conductQuietRules, p.QuietRule) {
			bad(collect.Field("quiet_rule", "err.conduct.field.one_of", "want", strings.Join(conductQuietRules, ", "), "got", strconv.Quote(p.QuietRule)))
		}
		start, okStart := conductClock(p.QuietStart)
		end, okEnd := conductClock(p.QuietEnd)
		if !okStart {
			bad(collect.Field("quiet_start", "err.conduct.field.clock", "got", strconv.Quote(p.QuietStart)))
		}
		if !okEnd {
			bad(collect.Field("quiet_end", "err.conduct.field.clock", "got", strconv.Quote(p.QuietEnd)))
		}
		if okStart && okEnd && start == end {
			bad(collect.Field("quiet_end", "err.conduct.field.quiet_same"))
		}
		if len(p.QuietChannels) == 0 {
			bad(collect.Field("quiet_channels", "err.conduct.field.no_channel"))
		}
	}
	checkConductValues(bad, "quiet_channels", p.QuietChannels, ContactChannels)

	if len(p.EffectiveOutcomes) == 0 {
		bad(collect.Field("effective_outcomes", "err.conduct.field.no_outcome"))
	}
	checkConductValues(bad, "effective_outcomes", p.EffectiveOutcomes, ContactOutcomes)
	if len(p.ReachedOutcomes) == 0 {
		bad(collect.Field("reached_outcomes", "err.conduct.field.no_outcome"))
	}
	checkConductValues(bad, "reached_outcomes", p.ReachedOutcomes, ContactOutcomes)
	checkConductValues(bad, "failed_outcomes", p.FailedOutcomes, ContactOutcomes)
	checkConductValues(bad, "uncounted_outcomes", p.UncountedOutcomes, ContactOutcomes)

	seen := map[string]bool{}
	for i, c := range p.Caps {
		f := fmt.Sprintf("caps[%d].", i)
		if !slices.Contains(conductCapRules, c.Rule) {
			bad(collect.Field(f+"rule", "err.conduct.field.one_of", "want", strings.Join(conductCapRules, ", "), "got", strconv.Quote(c.Rule)))
		} else if seen[c.Rule] {
			bad(collect.Field(f+"rule", "err.conduct.field.capped_twice", "rule", strconv.Quote(c.Rule)))
		}
		seen[c.Rule] = true
		if len(c.Channels) == 0 {
			bad(collect.Field(f+"channels", "err.conduct.field.no_channel"))
		}
		checkConductValues(bad, f+"channels", c.Channels, ContactChannels)
		if len(c.Parties) == 0 {
			bad(collect.Field(f+"parties", "err.conduct.field.no_party"))
		}
		checkConductValues(bad, f+"parties", c.Parties, ContactParties)
		if _, problem := parseConductWindow(c.Window); problem != nil {
			bad(problem.In(f + "window"))
		}
		if c.Max < 1 {
			bad(collect.Field(f+"max", "err.conduct.field.max", "got", c.Max))
		}
		if c.Per != PerDebtor && c.Per != PerAccount {
			bad(collect.Field(f+"per", "err.conduct.field.one_of", "want", PerDebtor+", "+PerAccount, "got", strconv.Quote(c.Per)))
		}
	}
	if p.AfterConversation != "" {
		if _, problem := parseConductWindow(p.AfterConversation); problem != nil {
			bad(problem.In("after_conversation"))
		}
	}

	if _, err := languageGuard(p.Language); err != nil {
		bad(collect.Field("language", "err.conduct.field.language", "got", strconv.Quote(p.Language)))
	}
	checkConductValues(bad, "opt_out_channels", p.OptOutChannels, ContactChannels)
	if len(p.OptOutChannels) > 0 && len(p.OptOutPhrases) == 0 {
		bad(collect.Field("opt_out_phrases", "err.conduct.field.no_opt_out_phrases"))
	}
	checkConductTerms(bad, "opt_out_phrases", p.OptOutPhrases)

	if len(fields) > 0 {
		return conductInvalid(fields)
	}
	return nil
}

// CheckContact returns every rule the proposed contact would break, in the
// order of RuleIDs; none means it may go ahead. Inbound contacts (the debtor
// or a third party calls in) are judged only for disclosure and language.
func CheckContact(p ConductProfile, c ContactCheck) []collect.Violation {
	if err := p.Validate(); err != nil {
		return []collect.Violation{collect.Broken(RuleConductProfileInvalid, "err.conduct.rule.profile_invalid", "error", err)}
	}
	if vs := contactProblems(c.Proposed); len(vs) > 0 {
		return vs
	}
	// Judged as of its time: what came after the contact does not count.
	if hasLater(c.History, c.Proposed.At) {
		c.History = slices.DeleteFunc(slices.Clone(c.History), func(h Contact) bool { return h.At.After(c.Proposed.At) })
	}
	locs := p.locations(c.TimeZone, c.TimeZones)
	k := conductCheck{p: p, c: c, loc: locs[0], locs: locs}
	var vs []collect.Violation
	add := func(v collect.Violation) { vs = append(vs, v) }
	pc := c.Proposed
	channel := k.channel(pc)
	outbound := pc.Direction == DirectionOutbound
	thirdParty := pc.Party == PartyEmergencyContact || pc.Party == PartyThirdParty
	attorney := k.attorneyContact()

	if outbound && p.CeaseCommunication && k.ceaseInForce() && !ceaseException(pc) && !attorney {
		add(collect.Broken(RuleConductCeaseCommunication, "err.conduct.rule.cease_communication"))
	}
	if outbound && p.DisputePausesCollection && c.DisputeOpen && pc.Purpose != PurposeCare {
		add(collect.Broken(RuleConductDisputeOpen, "err.conduct.rule.dispute_open"))
	}
	if outbound && p.QuietRule != "" && slices.Contains(p.QuietChannels, channel) {
		for _, loc := range locs {
			local := pc.At.In(loc)
			if k.quiet(local) && !k.consentOutOfHours(channel, local) {
				add(collect.Broken(p.QuietRule, "err.conduct.rule.quiet_hours", "channel", conductChannelName(channel),
					"time", local.Format("15:04"), "zone", loc.String(), "date", local.Format("2006-01-02"), "start", p.QuietStart, "end", p.QuietEnd))
				break
			}
		}
	}
	if outbound && !attorney {
		for _, cap := range p.Caps {
			if v, ok := k.capViolation(cap); ok {
				vs = append(vs, v)
			}
		}
	}
	if outbound && p.AfterConversation != "" && channel == ChannelCall && pc.Party == PartyDebtor {
		if v, ok := k.afterConversation(); ok {
			vs = append(vs, v)
		}
	}
	if outbound {
		k.requestViolations(add)
	}
	if outbound && p.GuarantorNeedsAllowance && pc.Party == PartyGuarantor && !c.GuarantorAllowed {
		add(collect.Broken(RuleConductGuarantorNotAllowed, "err.conduct.rule.guarantor_not_allowed"))
	}
	if outbound && thirdParty && !attorney && p.ThirdPartyOnlyWhenUnreachable && !c.DebtorUnreachable {
		add(collect.Broken(RuleConductThirdPartyUnreachable, "err.conduct.rule.third_party_unreachable", "party", conductPartyName(pc.Party)))
	}
	guard, _ := languageGuard(p.Language) // validated above
	if thirdParty && !attorney && p.ThirdPartyNoDisclosure {
		if where, found := languageIn(pc, guard.Discloses); found {
			add(collect.Broken(RuleConductThirdPartyNoDisclosure, "err.conduct.rule.third_party_no_disclosure", "where", where))
		}
	}
	if outbound && thirdParty && p.ThirdPartyStopOnRefusal {
		if h, ok := k.thirdPartyRefusal(); ok {
			// The number is masked: this message is stored on the breach and in
			// the hash-chained audit summary, which auditors read.
			add(collect.Broken(RuleConductThirdPartyRefused, "err.conduct.rule.third_party_refused",
				"phone", allocation.MaskPhone(pc.PartyPhone), "date", h.At.In(k.loc).Format("2006-01-02")))
		}
	}
	if outbound && slices.Contains(p.OptOutChannels, pc.Channel) && conductFindTerm(pc.Message, p.OptOutPhrases) == "" {
		add(collect.Broken(RuleConductUSOptOut, "err.conduct.rule.opt_out", "channel", conductChannelName(pc.Channel), "example", strconv.Quote(p.OptOutPhrases[0])))
	}
	if where, found := languageIn(pc, guard.Forbidden); found {
		add(collect.Broken(RuleConductForbiddenLanguage, "err.conduct.rule.forbidden_language", "where", where))
	}
	return vs
}

// contactProblems reports a proposed contact the rules cannot judge.
func contactProblems(c Contact) []collect.Violation {
	var vs []collect.Violation
	if !slices.Contains(ContactChannels, c.Channel) {
		vs = append(vs, collect.Broken(RuleConductContactInvalid, "err.conduct.contact.channel",
			"got", strconv.Quote(c.Channel), "want", strings.Join(ContactChannels, ", ")))
	}
	if !slices.Contains(ContactParties, c.Party) {
		vs = append(vs, collect.Broken(RuleConductContactInvalid, "err.conduct.contact.party",
			"got", strconv.Quote(c.Party), "want", strings.Join(ContactParties, ", ")))
	}
	if c.Direction != DirectionOutbound && c.Direction != DirectionInbound {
		vs = append(vs, collect.Broken(RuleConductContactInvalid, "err.conduct.contact.direction", "got", strconv.Quote(c.Direction)))
	}
	if c.At.IsZero() {
		vs = append(vs, collect.Broken(RuleConductContactInvalid, "err.conduct.contact.no_time"))
	}
	return vs
}

type conductCheck struct {
	p    ConductProfile
	c    ContactCheck
	loc  *time.Location   // the first of locs: calendar days are counted in it
	locs []*time.Location // every zone the debtor may be in
}

// hasLater: some contact of the history is after at.
func hasLater(history []Contact, at time.Time) bool {
	for _, h := range history {
		if h.At.After(at) {
			return true
		}
	}
	return false
}

// channel is the channel a contact counts as.
func (k conductCheck) channel(c Contact) string { return k.p.voiceChannel(c) }

func (k conductCheck) quiet(local time.Time) bool {
	start, _ := conductClock(k.p.QuietStart)
	end, _ := conductClock(k.p.QuietEnd)
	m := local.Hour()*60 + local.Minute()
	if start < end {
		return m >= start && m < end
	}
	return m >= start || m < end // the quiet period spans midnight
}

func (k conductCheck) capViolation(cap FrequencyCap) (collect.Violation, bool) {
	pc := k.c.Proposed
	if !slices.Contains(cap.Channels, k.channel(pc)) || !slices.Contains(cap.Parties, pc.Party) {
		return collect.Violation{}, false
	}
	w, _ := parseConductWindow(cap.Window)
	n := k.capCount(cap, w)
	if n < cap.Max {
		return collect.Violation{}, false
	}
	return collect.Broken(cap.Rule, "err.conduct.rule.cap", "n", n, "counted", capCounted(cap, n),
		"span", w.span(), "max", cap.Max, "unit", w.unit()), true
}

func (k conductCheck) afterConversation() (collect.Violation, bool) {
	pc := k.c.Proposed
	w, _ := parseConductWindow(k.p.AfterConversation)
	var last time.Time
	for _, h := range k.c.History {
		// A conversation counts whoever placed the call.
		if k.channel(h) != ChannelCall || h.Party != PartyDebtor || !k.sameAccount(h) ||
			!k.p.effectiveOutcome(h.Outcome) || !w.contains(h.At, pc.At, k.loc) {
			continue
		}
		if h.At.After(last) {
			last = h.At
		}
	}
	if last.IsZero() {
		return collect.Violation{}, false
	}
	at := last.In(k.loc)
	until := w.end(at)
	return collect.Broken(RuleConductUSAfterConversation, "err.conduct.rule.after_conversation",
		"time", at.Format("15:04"), "zone", k.loc.String(), "date", at.Format("2006-01-02"), "unit", w.unit(),
		"until_time", until.Format("15:04"), "until_date", until.Format("2006-01-02")), true
}

func (k conductCheck) thirdPartyRefusal() (Contact, bool) {
	phone := conductPhone(k.c.Proposed.PartyPhone)
	if phone == "" {
		return Contact{}, false
	}
	for _, h := range k.c.History {
		if ThirdPartyRefusal(h) && SamePhone(h.PartyPhone, k.c.Proposed.PartyPhone) {
			return h, true
		}
	}
	return Contact{}, false
}

// locations returns every valid zone among zone and zones, de-duplicated,
// or the profile default when none is.
func (p ConductProfile) locations(zone string, zones []string) []*time.Location {
	var out []*time.Location
	for _, name := range append([]string{zone}, zones...) {
		if name == "" || name == "Local" {
			continue
		}
		if loc := conductZone(name); loc != nil && !slices.ContainsFunc(out, func(l *time.Location) bool { return l.String() == loc.String() }) {
			out = append(out, loc)
		}
	}
	if len(out) == 0 {
		out = append(out, p.location(""))
	}
	return out
}

// location returns the debtor's zone, or the profile default when name is
// empty or not a zone.
func (p ConductProfile) location(name string) *time.Location {
	if name != "" && name != "Local" {
		if loc := conductZone(name); loc != nil {
			return loc
		}
	}
	if loc := conductZone(p.DefaultTimeZone); loc != nil {
		return loc
	}
	return time.UTC
}

var conductZones sync.Map // zone name → *time.Location, nil when unknown

func conductZone(name string) *time.Location {
	if v, ok := conductZones.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	conductZones.Store(name, loc)
	return loc
}

// conductWindow is a rolling duration or a number of local calendar days.
type conductWindow struct {
	rolling time.Duration
	days    int
}

// parseConductWindow reads a window; a bad one is the problem to report on
// the field that gives it.
func parseConductWindow(s string) (conductWindow, *conductProblem) {
	if s == "calendar_day" {
		return conductWindow{days: 1}, nil
	}
	if n, ok := strings.CutPrefix(s, "calendar_days:"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 1 || d > HistoryDays {
			return conductWindow{}, &conductProblem{"err.conduct.field.calendar_days", []any{"max", HistoryDays, "got", strconv.Quote(s)}}
		}
		return conductWindow{days: d}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > HistoryDays*24*time.Hour {
		return conductWindow{}, &conductProblem{"err.conduct.field.window", []any{"hours", HistoryDays * 24, "got", strconv.Quote(s)}}
	}
	return conductWindow{rolling: d}, nil
}

// conductProblem is a field error waiting for the name of its field.
type conductProblem struct {
	key string
	kv  []any
}

func (p *conductProblem) In(field string) collect.FieldError {
	key := p.key // the literal keys are in parseConductWindow
	return collect.Field(field, key, p.kv...)
}

// contains reports whether t falls in the window that ends at the proposed
// contact at p: (p-d, p] when rolling, else whole local days.
func (w conductWindow) contains(t, p time.Time, loc *time.Location) bool {
	if t.IsZero() {
		return false
	}
	if w.rolling > 0 {
		return t.After(p.Add(-w.rolling)) && !t.After(p)
	}
	y, m, d := p.In(loc).Date()
	start := time.Date(y, m, d-(w.days-1), 0, 0, 0, 0, loc)
	end := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	return !t.Before(start) && t.Before(end)
}

// end is when a window that starts at t has passed.
func (w conductWindow) end(t time.Time) time.Time {
	if w.rolling > 0 {
		return t.Add(w.rolling)
	}
	y, m, d := t.Date()
	return time.Date(y, m, d+w.days, 0, 0, 0, 0, t.Location())
}

// span says when the contacts counted against a cap were made.
func (w conductWindow) span() collect.Phrase {
	switch {
	case w.days == 1:
		return collect.Say("err.conduct.word.today")
	case w.days > 1:
		return collect.Say("err.conduct.word.last_calendar_days", "days", w.days)
	}
	return collect.Say("err.conduct.word.last", "duration", conductDuration(w.rolling))
}

// unit is the window as the period of a cap ("cap 3 per day").
func (w conductWindow) unit() collect.Phrase {
	switch {
	case w.days == 1:
		return collect.Say("err.conduct.word.day")
	case w.days > 1:
		return collect.Say("err.conduct.word.days", "days", w.days)
	}
	return conductDuration(w.rolling)
}

func conductDuration(d time.Duration) collect.Phrase {
	switch {
	case d == time.Hour:
		return collect.Say("err.conduct.word.hour")
	case d%time.Hour == 0:
		return collect.Say("err.conduct.word.hours", "hours", int(d/time.Hour))
	}
	return collect.Say("err.conduct.word.duration", "duration", d.String())
}

// capCounted names what a cap counts, singular or plural for n: "effective
// calls", "call attempts", "contact attempt".
func capCounted(cap FrequencyCap, n int) collect.Phrase {
	thing := collect.Say("err.conduct.word.contact")
	if len(cap.Channels) == 1 {
		thing = conductChannelName(cap.Channels[0])
	}
	switch {
	case cap.Effective && n == 1:
		return collect.Say("err.conduct.word.effective", "thing", thing)
	case cap.Effective:
		return collect.Say("err.conduct.word.effective_plural", "thing", thing)
	case n == 1:
		return collect.Say("err.conduct.word.attempt", "thing", thing)
	}
	return collect.Say("err.conduct.word.attempt_plural", "thing", thing)
}

// conductChannels and conductParties are the words for a channel and a
// party inside a message.
var (
	conductChannels = map[string]string{
		ChannelCall:   "err.conduct.word.call",
		ChannelSMS:    "err.conduct.word.sms",
		ChannelLetter: "err.conduct.word.letter",
		ChannelEmail:  "err.conduct.word.email",
		ChannelVisit:  "err.conduct.word.visit",
	}
	conductParties = map[string]string{
		PartyDebtor:           "err.conduct.word.debtor",
		PartyGuarantor:        "err.conduct.word.guarantor",
		PartyEmergencyContact: "err.conduct.word.emergency_contact",
		PartyThirdParty:       "err.conduct.word.third_party",
	}
)

// conductChannelName is a channel's word; the channels are validated before
// any message names one, an unknown one is shown as it is.
func conductChannelName(channel string) collect.Phrase {
	if key, ok := conductChannels[channel]; ok {
		return collect.Say(key)
	}
	return collect.Say("err.conduct.word.as_is", "text", channel)
}

func conductPartyName(party string) collect.Phrase {
	if key, ok := conductParties[party]; ok {
		return collect.Say(key)
	}
	return collect.Say("err.conduct.word.as_is", "text", party)
}

// conductClock parses "HH:MM" into minutes after midnight.
func conductClock(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// SamePhone: a and b are one number, written with or without separators
// and with or without the country code (+1, +86, 001, 0086).
func SamePhone(a, b string) bool {
	da, db := conductPhone(a), conductPhone(b)
	if da == "" || db == "" {
		return false
	}
	if len(da) < len(db) {
		da, db = db, da
	}
	if da == db {
		return true
	}
	prefix, ok := strings.CutSuffix(da, db)
	return ok && len(db) >= 7 && slices.Contains([]string{"1", "86", "001", "0086", "00"}, prefix)
}

// PhoneDigits keeps a number's digits, as the rules compare numbers.
func PhoneDigits(s string) string { return conductPhone(s) }

// conductPhone keeps the digits, so "138-0000 0000" and "13800000000" match.
func conductPhone(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

var languageGuards sync.Map // name → *LanguageGuard

// languageGuard is the named language set, parsed once.
func languageGuard(name string) (*LanguageGuard, error) {
	if g, ok := languageGuards.Load(name); ok {
		return g.(*LanguageGuard), nil
	}
	b, err := policies.LanguageGuard(name)
	if err != nil {
		return nil, err
	}
	g, err := ParseLanguageGuard(b)
	if err != nil {
		return nil, err
	}
	languageGuards.Store(name, g)
	return g, nil
}

// languageIn says where find finds something in the note or the message
// (the text it matched, as written); found is false when in neither.
func languageIn(c Contact, find func(string) (LanguageHit, bool)) (where collect.Phrase, found bool) {
	hit := func(text string) string {
		if text == "" {
			return ""
		}
		if h, ok := find(text); ok {
			if h.Match != "" {
				return h.Match
			}
			return h.Pattern
		}
		return ""
	}
	note, msg := hit(c.Note), hit(c.Message)
	switch {
	case note != "" && msg != "":
		return collect.Say("err.conduct.word.note_and_message_contain", "note_term", strconv.Quote(note), "message_term", strconv.Quote(msg)), true
	case note != "":
		return collect.Say("err.conduct.word.note_contains", "term", strconv.Quote(note)), true
	case msg != "":
		return collect.Say("err.conduct.word.message_contains", "term", strconv.Quote(msg)), true
	}
	return collect.Phrase{}, false
}

// conductFindTerm returns the first term found in text, or "".
func conductFindTerm(text string, terms []string) string {
	text = conductFold(text)
	for _, term := range terms {
		if conductHasTerm(text, conductFold(term)) {
			return term
		}
	}
	return ""
}

// conductHasTerm finds term in folded text; a term that starts with a Latin
// letter or digit must start a word.
func conductHasTerm(text, term string) bool {
	if term == "" {
		return false
	}
	wordStart := conductASCIIAlnum(term[0])
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], term)
		if j < 0 {
			return false
		}
		j += i
		if !wordStart || j == 0 || !conductASCIIAlnum(text[j-1]) {
			return true
		}
		i = j + 1
	}
	return false
}

func conductASCIIAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// conductFold lower-cases, turns full-width Latin forms and curly apostrophes
// into ASCII and collapses white space, so spelling tricks do not hide a term.
func conductFold(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '！' && r <= '～':
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		case r == '’' || r == '‘':
			return '\''
		}
		return r
	}, s)
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

var conductNamePattern = regexp.MustCompile(`^[a-z0-9_]+$`)

func checkConductValues(bad func(collect.FieldError), field string, got, allowed []string) {
	for i, v := range got {
		if !slices.Contains(allowed, v) {
			bad(collect.Field(fmt.Sprintf("%s[%d]", field, i), "err.conduct.field.unknown_value", "got", strconv.Quote(v), "want", strings.Join(allowed, ", ")))
		}
	}
}

func checkConductTerms(bad func(collect.FieldError), field string, terms []string) {
	for i, t := range terms {
		if strings.TrimSpace(t) == "" {
			bad(collect.Field(fmt.Sprintf("%s[%d]", field, i), "err.conduct.field.blank"))
		}
	}
}

// conductInvalid is the EINVALID error of a profile, its message listing
// each field with its problem.
func conductInvalid(fields []collect.FieldError) error {
	problems := make([]collect.FieldError, len(fields))
	for i, f := range fields {
		problems[i] = collect.Field(f.Field, "err.conduct.field.problem", "field", f.Field, "problem", f)
	}
	return collect.E(collect.EINVALID, "err.conduct.profile_invalid", "problems", problems).WithFields(fields...)
}

// conductJSONError turns a decoding error into one naming the field.
func conductJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(document)"
		}
		return conductInvalid([]collect.FieldError{collect.Field(field, "err.conduct.field.json_type", "want", typeErr.Type.String(), "got", typeErr.Value)})
	case errors.As(err, &syntaxErr):
		return conductInvalid([]collect.FieldError{collect.Field("(document)", "err.conduct.field.json_syntax", "offset", syntaxErr.Offset, "detail", err.Error())})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, uerr := strconv.Unquote(name)
		if uerr != nil {
			field = name
		}
		return conductInvalid([]collect.FieldError{collect.Field(field, "err.conduct.field.unknown")})
	}
	return conductInvalid([]collect.FieldError{collect.Field("(document)", "err.conduct.field.json", "detail", err.Error())})
}

// missingConductKeys lists the keys a profile (and each of its caps) leaves
// out; the document is already known to decode.
func missingConductKeys(b []byte) []collect.FieldError {
	var doc map[string]json.RawMessage
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	fields := missingKeys("", doc, reflect.TypeFor[ConductProfile]())
	var caps []map[string]json.RawMessage
	if json.Unmarshal(doc["caps"], &caps) == nil {
		for i, c := range caps {
			fields = append(fields, missingKeys(fmt.Sprintf("caps[%d].", i), c, reflect.TypeFor[FrequencyCap]())...)
		}
	}
	return fields
}

func missingKeys(prefix string, doc map[string]json.RawMessage, t reflect.Type) []collect.FieldError {
	var fields []collect.FieldError
	for i := range t.NumField() {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if key == "" || key == "-" {
			continue
		}
		if _, ok := doc[key]; !ok {
			fields = append(fields, collect.Field(prefix+key, "err.conduct.field.missing"))
		}
	}
	return fields
}
