package oversight

import (
	"cmp"
	"collect"
	"slices"
	"strings"
	"time"

	"collect/casework"
)

// Breach severities.
const (
	SeverityHigh   = "high"
	SeverityMedium = "medium"
	SeverityLow    = "low"
)

// Breach is a conduct rule a recorded contact broke, found after the fact.
type Breach struct {
	Rule         string `json:"rule"`
	Severity     string `json:"severity"`      // high, medium, low
	ContactIndex int    `json:"contact_index"` // index into the input slice of the contact found in breach
	// Evidence holds the indexes of the earlier contacts that make the breach
	// (the calls a cap counted, the conversation, the third party's refusal,
	// the debtor reached); nil when the contact breaks the rule on its own.
	Evidence []int `json:"evidence"`
	// Message is the English text; Key and Args say it in the catalogue's
	// words, for the reader's language.
	Message string         `json:"message"`
	Key     string         `json:"key,omitempty"`
	Args    map[string]any `json:"args,omitempty"`
}

// Violation is the breach as the rule it broke.
func (b Breach) Violation() collect.Violation {
	return collect.Violation{Rule: b.Rule, Message: b.Message, Key: b.Key, Args: b.Args}
}

// AccountFacts are the account's facts a replay needs. CeaseSince and
// DisputeSince say from when a fact held: it applies only to contacts
// strictly after that time (the request is usually made in the contact at
// that time). A cease request with no CeaseSince applies to every contact;
// a dispute is open only from a DisputeSince.
type AccountFacts struct {
	TimeZone           string
	ConsentOutOfHours  bool
	CeaseCommunication bool
	GuarantorAllowed   bool
	CeaseSince         *time.Time
	DisputeSince       *time.Time
	// AccountID, when set, is the account judged: the contacts given may be
	// the whole person's (every account of the debtor, each Contact naming
	// its AccountID), and only this account's are checked, against all.
	AccountID string
	TimeZones []string
	// Disputes are the account's disputes, each open from From until To
	// (nil: still open); Requests and Holds the person's. Each applies to a
	// contact as it stood at the contact's time.
	Disputes []Period
	Requests []casework.DebtorRequest
	Holds    []casework.CareHold
}

// Period is a span of time; To nil means it has not ended.
type Period struct {
	From time.Time
	To   *time.Time
}

// disputeOpen: a dispute of f was open at t (DisputeSince, or one of
// Disputes).
func (f AccountFacts) disputeOpen(t time.Time) bool {
	if f.DisputeSince != nil && t.After(*f.DisputeSince) {
		return true
	}
	for _, d := range f.Disputes {
		if !d.From.After(t) && (d.To == nil || d.To.After(t)) {
			return true
		}
	}
	return false
}

// DetectBreaches replays an account's contact log in time order: each contact
// is checked with casework.CheckContact against the contacts before it, with
// the facts as they were then, so a breach the check would have refused is
// found even if it was recorded (imported history, a bypass, a profile
// change). Contacts at the same time keep their input order. Breaches come
// by contact time, then rule id, then contact index.
//
// Contacts the rules cannot judge (unknown channel, no time) are not
// breaches of conduct and are skipped; an invalid profile finds nothing
// (profiles are validated when parsed).
func DetectBreaches(p casework.ConductProfile, contacts []casework.Contact, f AccountFacts) []Breach {
	if p.Validate() != nil {
		return nil
	}
	order := make([]int, len(contacts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return contacts[a].At.Compare(contacts[b].At) })
	replay := make([]casework.Contact, len(order))
	for k, i := range order {
		replay[k] = contacts[i]
	}

	var out []Breach
	for k, i := range order {
		c := contacts[i]
		if f.AccountID != "" && c.AccountID != "" && c.AccountID != f.AccountID {
			continue // another loan of the person: history only
		}
		hist := replay[:k:k]
		check := casework.ContactCheck{
			Proposed:           c,
			AccountID:          f.AccountID,
			History:            hist,
			TimeZone:           f.TimeZone,
			TimeZones:          f.TimeZones,
			ConsentOutOfHours:  f.ConsentOutOfHours,
			CeaseCommunication: f.CeaseCommunication && (f.CeaseSince == nil || c.At.After(*f.CeaseSince)),
			DisputeOpen:        f.disputeOpen(c.At),
			GuarantorAllowed:   f.GuarantorAllowed,
			DebtorUnreachable:  casework.DebtorUnreachable(hist, c.At),
			Requests:           f.Requests,
			Holds:              f.Holds,
		}
		for _, v := range casework.CheckContact(p, check) {
			if v.Rule == casework.RuleConductContactInvalid || v.Rule == casework.RuleConductProfileInvalid {
				continue
			}
			b := Breach{Rule: v.Rule, Severity: Severity(v.Rule), ContactIndex: i, Message: v.Message, Key: v.Key, Args: v.Args}
			if v.Rule == casework.RuleConductThirdPartyUnreachable {
				var why collect.Phrase
				b.Evidence, why = reachableEvidence(hist, c.At, order)
				w := collect.Broken(v.Rule, "err.breach.rule_and_why", "rule", collect.Phrase{Key: v.Key, Args: v.Args}, "why", why)
				b.Message, b.Key, b.Args = w.Message, w.Key, w.Args
			} else {
				b.Evidence = breachEvidence(p, check, v.Rule, order)
			}
			out = append(out, b)
		}
	}
	slices.SortStableFunc(out, func(a, b Breach) int {
		return cmp.Or(contacts[a.ContactIndex].At.Compare(contacts[b.ContactIndex].At),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.ContactIndex, b.ContactIndex))
	})
	return out
}

// breachEvidence finds the earlier contacts behind a breach by asking
// CheckContact itself about each one alone, so the evidence follows the
// rule's own windows and counting (a cap probed with a maximum of 1).
// check.History[k] is the input contact order[k].
func breachEvidence(p casework.ConductProfile, check casework.ContactCheck, rule string, order []int) []int {
	probe := p
	if i := slices.IndexFunc(p.Caps, func(c casework.FrequencyCap) bool { return c.Rule == rule }); i >= 0 {
		cap := p.Caps[i]
		cap.Max = 1
		probe.Caps = []casework.FrequencyCap{cap}
	}
	fires := func(hist []casework.Contact) bool {
		ch := check
		ch.History = hist
		return slices.ContainsFunc(casework.CheckContact(probe, ch), func(v collect.Violation) bool { return v.Rule == rule })
	}
	if fires(nil) {
		return nil // the contact breaks the rule on its own
	}
	// Windows reach back at most HistoryDays calendar days; only a third
	// party's refusal counts however old.
	since := check.Proposed.At.Add(-(casework.HistoryDays + 1) * 24 * time.Hour)
	var ev []int
	for k, h := range check.History {
		if rule != casework.RuleConductThirdPartyRefused && h.At.Before(since) {
			continue
		}
		if fires([]casework.Contact{h}) {
			ev = append(ev, order[k])
		}
	}
	return ev
}

// reachableEvidence says why the debtor was reachable at a third-party
// contact: the conversations with the debtor in the 7 days before, or else
// the failed attempts, too few.
func reachableEvidence(hist []casework.Contact, at time.Time, order []int) ([]int, collect.Phrase) {
	var reached, failed []int
	for k, h := range hist {
		if !casework.InUnreachableWindow(h, at) {
			continue
		}
		switch {
		case casework.DebtorReached(h):
			reached = append(reached, order[k])
		case casework.FailedDebtorAttempt(h):
			failed = append(failed, order[k])
		}
	}
	switch {
	case len(reached) == 1:
		return reached, collect.Say("err.breach.reached_once")
	case len(reached) > 1:
		return reached, collect.Say("err.breach.reached_times", "n", len(reached))
	case len(failed) == 1:
		return failed, collect.Say("err.breach.failed_once", "needed", casework.UnreachableAttempts)
	}
	return failed, collect.Say("err.breach.failed_times", "n", len(failed), "needed", casework.UnreachableAttempts)
}

// Severity grades a conduct rule: threats and abuse, contact after a cease
// request, contact with a debtor on a care hold or represented by an
// attorney and disclosing the debt to a third party are high; quiet hours,
// frequency (caps and the pause after a conversation), open disputes, the
// debtor's other requests and the other third-party rules are medium; the
// rest are low.
func Severity(rule string) string {
	switch rule {
	case casework.RuleConductForbiddenLanguage, casework.RuleConductCeaseCommunication, casework.RuleConductThirdPartyNoDisclosure,
		casework.RuleCareHold, casework.RuleRequestAttorney, RuleQualityCriticalItem:
		return SeverityHigh
	case casework.RuleConductCNQuietHours, casework.RuleConductUSQuietHours,
		casework.RuleConductCNMaxEffectiveCallsDay, casework.RuleConductUSSevenInSeven, casework.RuleConductUSAfterConversation,
		casework.RuleConductDisputeOpen, casework.RuleRequestWorkplace, casework.RuleRequestChannelOptOut, casework.RuleRequestInconvenientTime,
		casework.RuleRosterNotRegistered, casework.RuleRosterNoAgreement, casework.RuleRosterTrainingLapsed:
		return SeverityMedium
	}
	if strings.HasPrefix(rule, "third_party.") {
		return SeverityMedium
	}
	return SeverityLow
}
