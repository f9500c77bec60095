package casework

import (
	"slices"
	"sort"
	"time"

	"collect"
)

// Permission answers, before a dialer dials or a gateway sends, whether a
// contact may be made at a time, which rules would refuse it, what the caps
// leave, and when it next becomes allowed (API.md: contact-permission).
type Permission struct {
	Allowed    bool
	Violations []collect.Violation
	// CallsLeftToday: calls to the debtor the caps leave today (China: the
	// effective calls of the debtor's local day; Reg F, which has no daily
	// cap: the attempts the 7-day cap leaves). Nil when no cap limits calls.
	CallsLeftToday *int
	// AttemptsLeft7d: the call attempts a 7-day cap leaves (Reg F). Nil
	// when the profile has none.
	AttemptsLeft7d *int
	// NextAllowedAt: the proposed contact's time if it is allowed, else the
	// first time in the next HistoryDays days it would be, nil when only a
	// change of facts (a request ended, a dispute resolved) would allow it.
	NextAllowedAt *time.Time
}

// permanentRules refuse until a fact changes, not with the passing of time.
var permanentRules = []string{RuleConductProfileInvalid, RuleConductContactInvalid, RuleConductCeaseCommunication,
	RuleConductDisputeOpen, RuleConductGuarantorNotAllowed, RuleConductThirdPartyRefused, RuleConductThirdPartyNoDisclosure,
	RuleConductThirdPartyUnreachable, RuleConductUSOptOut, RuleConductForbiddenLanguage, RuleRequestChannelOptOut,
	RuleRequestWorkplace, RuleRequestAttorney, RuleRosterNotRegistered, RuleRosterNoAgreement, RuleRosterTrainingLapsed}

// ContactPermission judges c.Proposed with CheckContact (the one guard)
// and adds what is left of the caps and the next allowed time. extra are
// rules judged outside the conduct profile (the caller's roster), which
// time does not change.
func ContactPermission(p ConductProfile, c ContactCheck, extra []collect.Violation) Permission {
	vs := append(slices.Clone(extra), CheckContact(p, c)...)
	out := Permission{Allowed: len(vs) == 0, Violations: vs}
	out.CallsLeftToday, out.AttemptsLeft7d = capsLeft(p, c)
	if out.Allowed {
		at := c.Proposed.At
		out.NextAllowedAt = &at
		return out
	}
	for _, v := range vs {
		if slices.Contains(permanentRules, v.Rule) {
			return out
		}
	}
	for _, t := range candidateTimes(p, c) {
		probe := c
		probe.Proposed.At = t
		if len(CheckContact(p, probe)) == 0 {
			out.NextAllowedAt = &t
			break
		}
	}
	return out
}

// capsLeft is what the call caps leave for a call to the debtor at the
// proposed time.
func capsLeft(p ConductProfile, c ContactCheck) (today, week *int) {
	probe := c
	probe.Proposed.Channel, probe.Proposed.Party, probe.Proposed.Direction, probe.Proposed.AI = ChannelCall, PartyDebtor, DirectionOutbound, false
	if hasLater(probe.History, probe.Proposed.At) {
		probe.History = slices.DeleteFunc(slices.Clone(probe.History), func(h Contact) bool { return h.At.After(probe.Proposed.At) })
	}
	locs := p.locations(c.TimeZone, c.TimeZones)
	k := conductCheck{p: p, c: probe, loc: locs[0], locs: locs}
	for _, cap := range p.Caps {
		if !slices.Contains(cap.Channels, ChannelCall) || !slices.Contains(cap.Parties, PartyDebtor) {
			continue
		}
		w, _ := parseConductWindow(cap.Window)
		left := max(cap.Max-k.capCount(cap, w), 0)
		if w.days == 1 || (w.rolling > 0 && w.rolling <= 24*time.Hour) {
			today = &left
		} else {
			week = &left
		}
	}
	if today == nil && week != nil {
		v := *week
		today = &v
	}
	return today, week
}

// candidateTimes are the moments after the proposed contact at which a
// refusal that time lifts could end: the end of the quiet hours in each
// zone, the end of each window a past contact falls in, the end of holds
// and of inconvenient periods, each day for HistoryDays days.
func candidateTimes(p ConductProfile, c ContactCheck) []time.Time {
	from := c.Proposed.At
	limit := from.Add(HistoryDays * 24 * time.Hour)
	var ts []time.Time
	addT := func(t time.Time) {
		if t.After(from) && !t.After(limit) {
			ts = append(ts, t)
		}
	}
	locs := p.locations(c.TimeZone, c.TimeZones)
	clocks := []string{p.QuietEnd, p.QuietStart}
	for _, r := range c.Requests {
		clocks = append(clocks, r.To, r.From)
	}
	for _, loc := range locs {
		local := from.In(loc)
		for d := 0; d <= HistoryDays; d++ {
			y, m, day := local.Date()
			addT(time.Date(y, m, day+d, 0, 0, 0, 0, loc))
			for _, clock := range clocks {
				if mins, ok := conductClock(clock); ok {
					addT(time.Date(y, m, day+d, mins/60, mins%60, 0, 0, loc))
				}
			}
		}
	}
	windows := []string{p.AfterConversation}
	for _, cap := range p.Caps {
		windows = append(windows, cap.Window)
	}
	for _, ws := range windows {
		w, problem := parseConductWindow(ws)
		if ws == "" || problem != nil {
			continue
		}
		for _, h := range c.History {
			if !h.At.After(from) {
				for _, loc := range locs {
					addT(w.end(h.At.In(loc)))
				}
				if w.rolling > 0 {
					addT(h.At.Add(w.rolling + time.Second))
				}
			}
		}
	}
	for _, h := range c.Holds {
		addT(h.Until)
		if h.LiftedAt != nil {
			addT(*h.LiftedAt)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	return slices.CompactFunc(ts, func(a, b time.Time) bool { return a.Equal(b) })
}

// capCount is how many contacts of the history count against cap for the
// proposed contact (the count capViolation compares with the cap).
func (k conductCheck) capCount(cap FrequencyCap, w conductWindow) int {
	pc := k.c.Proposed
	n := 0
	for _, h := range k.c.History {
		if h.Direction == DirectionInbound ||
			!slices.Contains(cap.Channels, k.channel(h)) || !slices.Contains(cap.Parties, h.Party) ||
			(cap.Effective && !k.p.effectiveOutcome(h.Outcome)) ||
			(!cap.Effective && !k.p.countedAttempt(h)) ||
			(cap.Per == PerAccount && !k.sameAccount(h)) ||
			!w.contains(h.At, pc.At, k.loc) {
			continue
		}
		n++
	}
	return n
}
