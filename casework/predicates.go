package casework

// The case-work predicates, each defined once. Where the store must say the
// same thing in SQL (counters, figures, model features), the fragment is
// here beside the Go function and built from the same constants; a store
// test holds the two equal on every combination of party, direction,
// outcome and channel, on SQLite and PostgreSQL.
//
// The SQL fragments expect a row with the contacts table's columns
// (channel, party, direction, outcome); t qualifies them: "" for a bare
// table, "c." for an alias.

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"collect/policies"
)

// ContactDirections lists the directions a Contact may carry.
var ContactDirections = []string{DirectionOutbound, DirectionInbound}

// Definitions are the outcome definitions every shipped profile gives
// (reached_outcomes, failed_outcomes, effective_outcomes,
// uncounted_outcomes): the profile-free predicates below and their SQL use
// them. They are read from the default profile's data, and a test holds
// every shipped profile to the same lists, so the counters' SQL says what
// each profile's guard says.
var Definitions = loadDefinitions()

// OutcomeDefinitions are a profile's outcome lists.
type OutcomeDefinitions struct {
	Effective []string `json:"effective_outcomes"`
	Reached   []string `json:"reached_outcomes"`
	Failed    []string `json:"failed_outcomes"`
	Uncounted []string `json:"uncounted_outcomes"`
}

// Definitions returns the profile's outcome lists.
func (p ConductProfile) Definitions() OutcomeDefinitions {
	return OutcomeDefinitions{Effective: p.EffectiveOutcomes, Reached: p.ReachedOutcomes, Failed: p.FailedOutcomes, Uncounted: p.UncountedOutcomes}
}

func loadDefinitions() OutcomeDefinitions {
	b, err := policies.ConductProfile("china")
	if err != nil {
		panic("casework: the default conduct profile is not embedded: " + err.Error())
	}
	var d OutcomeDefinitions
	if err := json.Unmarshal(b, &d); err != nil || len(d.Reached) == 0 {
		panic("casework: the default conduct profile has no outcome definitions")
	}
	return d
}

// reachedOutcomes are the outcomes of a conversation with the person called.
var reachedOutcomes = Definitions.Reached

// ContactAttempt: an outbound contact, on any channel, to any party. A
// contact the debtor or a third party started is not an attempt. It is the
// denominator of the right-party-contact and breach rates (DESIGN.md §4).
func ContactAttempt(c Contact) bool { return c.Direction == DirectionOutbound }

// ContactAttemptSQL is ContactAttempt as a SQL condition.
func ContactAttemptSQL(t string) string {
	return "(" + t + "direction = " + sqlString(DirectionOutbound) + ")"
}

// DebtorReached: a conversation with the debtor, whoever started it: the
// party is the debtor and the outcome right_party_contact or promise. It
// makes the debtor reachable (DebtorUnreachable), counts as a demand for
// payment or an acknowledgement for the limitation period, and is the
// early-warning models' "right party" flag.
func DebtorReached(c Contact) bool {
	return c.Party == PartyDebtor && slices.Contains(reachedOutcomes, c.Outcome)
}

// DebtorReachedSQL is DebtorReached as a SQL condition.
func DebtorReachedSQL(t string) string {
	return "(" + t + "party = " + sqlString(PartyDebtor) + " AND " + t + "outcome IN " + sqlList(reachedOutcomes) + ")"
}

// RightPartyContact: a contact attempt that reached the debtor: outbound,
// to the debtor, outcome right_party_contact or promise, on any channel. It
// is counted among the attempts so that the right-party-contact rate
// (right-party contacts ÷ contact attempts) is a share of them; a debtor
// calling in is reached (DebtorReached) but is not a right-party contact.
// The legal estimate's "with right-party contact" is the same thing.
func RightPartyContact(c Contact) bool { return ContactAttempt(c) && DebtorReached(c) }

// RightPartyContactSQL is RightPartyContact as a SQL condition.
func RightPartyContactSQL(t string) string {
	return "(" + ContactAttemptSQL(t) + " AND " + DebtorReachedSQL(t) + ")"
}

// ThirdPartyRefusal: someone other than the debtor refused to be contacted
// (outcome refused or third_party_refused). Such a person is never
// contacted again, so a check needs these contacts however old they are.
func ThirdPartyRefusal(c Contact) bool {
	return c.Party != PartyDebtor && (c.Outcome == OutcomeRefused || c.Outcome == OutcomeThirdPartyRefused)
}

// ThirdPartyRefusalSQL is ThirdPartyRefusal as a SQL condition.
func ThirdPartyRefusalSQL(t string) string {
	return "(" + t + "party <> " + sqlString(PartyDebtor) + " AND " + t + "outcome IN " +
		sqlList([]string{OutcomeRefused, OutcomeThirdPartyRefused}) + ")"
}

// EffectiveCall: an effective interactive voice call under profile p (the
// China standard's 有效交互语音通话, capped at 3 per debtor per day): a call
// we placed (not inbound) to the debtor, an AI voice call counting as a call
// when p.AICountsAsCall, that connected to a conversation, its outcome one
// of p.EffectiveOutcomes (right_party_contact and promise in the shipped
// profiles). A cap with "effective": true counts these among its channels
// and parties.
func (p ConductProfile) EffectiveCall(c Contact) bool {
	return c.Direction != DirectionInbound && p.voiceChannel(c) == ChannelCall && c.Party == PartyDebtor &&
		p.effectiveOutcome(c.Outcome)
}

// effectiveOutcome: a connected, interactive call's outcome under p.
func (p ConductProfile) effectiveOutcome(outcome string) bool {
	return slices.Contains(p.EffectiveOutcomes, outcome)
}

// countedAttempt: c counts as an attempt for p's attempt caps: an outbound
// contact whose outcome p does not leave uncounted (Reg F 1006.14(b)(3): a
// call that did not connect to the number dialled), nor a callback the
// debtor asked for.
func (p ConductProfile) countedAttempt(c Contact) bool {
	return c.Direction != DirectionInbound && !slices.Contains(p.UncountedOutcomes, c.Outcome) && c.Purpose != PurposeConsentedCallback
}

// voiceChannel is the channel the rules judge c on: an AI voice contact is
// a call when the profile says so.
func (p ConductProfile) voiceChannel(c Contact) string {
	if c.AI && p.AICountsAsCall {
		return ChannelCall
	}
	return c.Channel
}

// The debtor counts as unreachable after UnreachableAttempts failed attempts
// and no conversation within UnreachableWindow.
const (
	UnreachableWindow   = 7 * 24 * time.Hour
	UnreachableAttempts = 3
)

// failedAttemptOutcomes are the outcomes of an attempt that did not get
// through to anyone.
var failedAttemptOutcomes = Definitions.Failed

// FailedDebtorAttempt: a contact to the debtor that did not get through (no
// answer, wrong number, busy).
func FailedDebtorAttempt(c Contact) bool {
	return c.Party == PartyDebtor && slices.Contains(failedAttemptOutcomes, c.Outcome)
}

// DebtorUnreachable judges, from the contacts before at, whether the debtor
// was unreachable then: the debtor was not reached (DebtorReached) in the 7
// days up to at, and at least 3 attempts to the debtor failed in them (no
// answer, wrong number, busy). Contacts after at do not count: a contact
// logged late is judged on what was known at its time. The China profile
// lets third parties be contacted only then; the store judges it when a
// contact is recorded, the detectors when they replay the log.
func DebtorUnreachable(history []Contact, at time.Time) bool {
	failed := 0
	for _, h := range history {
		if !InUnreachableWindow(h, at) {
			continue
		}
		switch {
		case DebtorReached(h):
			return false
		case FailedDebtorAttempt(h):
			failed++
		}
	}
	return failed >= UnreachableAttempts
}

// InUnreachableWindow: h is one of the contacts DebtorUnreachable weighs
// for a contact at: at or before it, at most UnreachableWindow earlier.
func InUnreachableWindow(h Contact, at time.Time) bool {
	return !h.At.After(at) && at.Sub(h.At) <= UnreachableWindow
}

// PromiseGraceDays is how long after its due date a promise or instalment
// may still be paid and count as kept: a promise is kept when paid in full
// by its due date plus these days (PromiseOutcome with this grace), and the
// kept rate is kept ÷ falling due (DESIGN.md §4).
const PromiseGraceDays = 3

// PromiseBreakCutoff is the calendar date (YYYY-MM-DD, in at's location)
// before which an instalment's due date has had its grace period by at: an
// instalment due before it and not paid in full by at is broken, and money
// paid at or after at no longer keeps it. due < PromiseBreakCutoff(at) is
// exactly PromiseOutcome's broken for a short payment; the promise job and
// a payment's allocation both judge with it.
func PromiseBreakCutoff(at time.Time) string {
	return dayIn(at, at.Location()).AddDate(0, 0, -PromiseGraceDays).Format(time.DateOnly)
}

// WorkedMonth is the month (UTC, YYYY-MM) a contact works its account in:
// an account is worked in a month when at least one contact, of any
// channel, party or direction, is logged on it in that month. Accounts
// worked are the complaint rate's denominator (DESIGN.md §4).
func WorkedMonth(at time.Time) string { return at.UTC().Format("2006-01") }

// sqlString quotes a constant as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sqlList is a parenthesised list of SQL string literals.
func sqlList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = sqlString(v)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// CallConnected reports whether a call with outcome reached a line (a
// person, a voicemail, a wrong number): one that rang out, was busy or did
// not connect leaves nothing to record.
func CallConnected(outcome string) bool { return !slices.Contains(NotConnectedOutcomes, outcome) }

// NotConnectedOutcomes are the call outcomes CallConnected is false for.
var NotConnectedOutcomes = []string{OutcomeNoAnswer, OutcomeBusy, OutcomeNotConnected}
