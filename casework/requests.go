package casework

// Debtor requests and care holds: what the debtor (or the lender, from a
// complaint) asked of the collectors, and pauses for a vulnerable debtor.
// They belong to the person: a request made on one account binds every
// account of that debtor at the lender, whichever agency holds it. Each is
// judged as of the contact's time: a request made after a contact does not
// refuse it, one ended before it no longer applies.

import (
	"slices"
	"strings"
	"time"

	"collect"
	"collect/allocation"
)

// Kinds of debtor request (API.md: POST /api/v1/accounts/{id}/requests).
const (
	RequestCease               = "cease"
	RequestChannelOptOut       = "channel_opt_out"
	RequestInconvenientTime    = "inconvenient_time"
	RequestWorkplaceProhibited = "workplace_prohibited"
	RequestAttorney            = "attorney"
	RequestConsentOutOfHours   = "consent_out_of_hours"
)

// RequestKinds lists the kinds a request may have.
var RequestKinds = []string{RequestCease, RequestChannelOptOut, RequestInconvenientTime, RequestWorkplaceProhibited,
	RequestAttorney, RequestConsentOutOfHours}

// Kinds of care and hardship hold.
const (
	HoldSeriousIllness  = "serious_illness"
	HoldBereavement     = "bereavement"
	HoldUnemployment    = "unemployment"
	HoldNaturalDisaster = "natural_disaster"
	HoldMentalCapacity  = "mental_capacity"
	HoldOtherHardship   = "other_hardship"
)

// HoldKinds lists the kinds a hold may have.
var HoldKinds = []string{HoldSeriousIllness, HoldBereavement, HoldUnemployment, HoldNaturalDisaster, HoldMentalCapacity, HoldOtherHardship}

// Purposes a contact may declare. A care contact (checking on a debtor on
// hold, re-planning an arrangement at the debtor's request) is not
// collection; a final notice or a notice of a remedy is what Reg F
// 1006.6(c)(2) still allows in writing after a cease request; a consented
// callback (the debtor asked to be called then) is not counted among the
// Reg F call attempts (1006.14(b)(3)).
const (
	PurposeCare              = "care"
	PurposeFinalNotice       = "final_notice"
	PurposeRemedyNotice      = "remedy_notice"
	PurposeConsentedCallback = "consented_callback"
)

// ContactPurposes lists the purposes a contact may declare ("" is ordinary
// collection).
var ContactPurposes = []string{PurposeCare, PurposeFinalNotice, PurposeRemedyNotice, PurposeConsentedCallback}

// Places a contact may be made at; only a workplace matters to the rules.
const (
	PlaceHome      = "home"
	PlaceWorkplace = "workplace"
	PlaceOther     = "other"
)

// ContactPlaces lists the places a contact may name ("" is not said).
var ContactPlaces = []string{PlaceHome, PlaceWorkplace, PlaceOther}

// Relations of a third party the rules treat apart.
const (
	RelationAttorney  = "attorney"
	RelationEmployer  = "employer"
	RelationColleague = "colleague"
)

// Rules the requests and holds give.
const (
	RuleRequestChannelOptOut    = "request.channel_opt_out"
	RuleRequestInconvenientTime = "request.inconvenient_time"
	RuleRequestWorkplace        = "request.workplace_prohibited"
	RuleRequestAttorney         = "request.attorney"
	RuleCareHold                = "care_hold"
)

// DebtorRequest is one request in force from Start until End (nil: until
// ended). Window (inconvenient_time, consent_out_of_hours) is a daily
// period in the debtor's local time, "HH:MM" to "HH:MM", spanning midnight
// when From is after To; both empty means all day. Channel limits it to one
// channel ("" every channel).
type DebtorRequest struct {
	ID            string
	Kind          string
	Channel       string
	From, To      string
	AttorneyPhone string
	Start         time.Time
	End           *time.Time
}

// InForce: the request applies at t.
func (r DebtorRequest) InForce(t time.Time) bool {
	return !r.Start.After(t) && (r.End == nil || r.End.After(t))
}

// covers: the request's channel and daily window take in a contact on
// channel at local time.
func (r DebtorRequest) covers(channel string, local time.Time) bool {
	if r.Channel != "" && r.Channel != channel {
		return false
	}
	return inDailyWindow(r.From, r.To, local)
}

// inDailyWindow: local's clock time is in [from, to), the window spanning
// midnight when from is after to; both empty is all day.
func inDailyWindow(from, to string, local time.Time) bool {
	if from == "" && to == "" {
		return true
	}
	start, ok1 := conductClock(from)
	end, ok2 := conductClock(to)
	if !ok1 || !ok2 {
		return true // a request with an unreadable window is honoured all day
	}
	m := local.Hour()*60 + local.Minute()
	if start == end {
		return true
	}
	if start < end {
		return m >= start && m < end
	}
	return m >= start || m < end
}

// ValidRequestWindow reports whether s is a clock time "HH:MM" (or empty).
func ValidRequestWindow(s string) bool {
	if s == "" {
		return true
	}
	_, ok := conductClock(s)
	return ok
}

// CareHold is a vulnerability or hardship hold from Start until Until, or
// until it was lifted.
type CareHold struct {
	ID       string
	Kind     string
	Start    time.Time
	Until    time.Time
	LiftedAt *time.Time
}

// InForce: the hold pauses collection at t.
func (h CareHold) InForce(t time.Time) bool {
	if h.Start.After(t) || !h.Until.After(t) {
		return false
	}
	return h.LiftedAt == nil || h.LiftedAt.After(t)
}

// requestViolations are the rules the debtor's requests and holds give the
// proposed outbound contact.
func (k conductCheck) requestViolations(add func(collect.Violation)) {
	pc := k.c.Proposed
	channel := k.channel(pc)
	at := pc.At
	attorneyContact := k.attorneyContact()
	for _, h := range k.c.Holds {
		if h.InForce(at) && pc.Purpose != PurposeCare {
			until := h.Until
			if h.LiftedAt != nil && h.LiftedAt.Before(until) {
				until = *h.LiftedAt
			}
			kind := "hold.kind." + h.Kind
			add(collect.Broken(RuleCareHold, "err.conduct.rule.care_hold", "kind", collect.Say(kind),
				"until", until.In(k.loc).Format("2006-01-02")))
			break
		}
	}
	var optOut, inconvenient, workplace, attorney bool
	for _, r := range k.c.Requests {
		if !r.InForce(at) {
			continue
		}
		switch r.Kind {
		case RequestChannelOptOut:
			if !optOut && (r.Channel == "" || r.Channel == channel) {
				optOut = true
				add(collect.Broken(RuleRequestChannelOptOut, "err.conduct.rule.channel_opt_out", "channel", conductChannelName(channel)))
			}
		case RequestInconvenientTime:
			if inconvenient || channel == ChannelLetter || channel == ChannelEmail {
				continue
			}
			for _, loc := range k.locs {
				local := at.In(loc)
				if r.covers(channel, local) {
					inconvenient = true
					add(collect.Broken(RuleRequestInconvenientTime, "err.conduct.rule.inconvenient_time", "time", local.Format("15:04"),
						"zone", loc.String(), "from", orAllDay(r.From), "to", orAllDay(r.To)))
					break
				}
			}
		case RequestWorkplaceProhibited:
			if !workplace && k.atWorkplace() {
				workplace = true
				add(collect.Broken(RuleRequestWorkplace, "err.conduct.rule.workplace_prohibited"))
			}
		case RequestAttorney:
			if !attorney && !attorneyContact {
				attorney = true
				add(collect.Broken(RuleRequestAttorney, "err.conduct.rule.attorney", "phone", allocation.MaskPhone(r.AttorneyPhone)))
			}
		}
	}
}

func orAllDay(s string) string {
	if s == "" {
		return "--:--"
	}
	return s
}

// atWorkplace: the proposed contact reaches the debtor at work: made at a
// workplace, or through the employer or a colleague.
func (k conductCheck) atWorkplace() bool {
	pc := k.c.Proposed
	return pc.Place == PlaceWorkplace || pc.PartyRelation == RelationEmployer || pc.PartyRelation == RelationColleague
}

// attorneyContact: the proposed contact is with the debtor's attorney (by
// relation, or by the number an attorney request gave).
func (k conductCheck) attorneyContact() bool {
	pc := k.c.Proposed
	if pc.Party == PartyDebtor || pc.Party == PartyGuarantor {
		return false
	}
	if pc.PartyRelation == RelationAttorney {
		return true
	}
	if conductPhone(pc.PartyPhone) == "" {
		return false
	}
	for _, r := range k.c.Requests {
		if r.Kind == RequestAttorney && r.InForce(pc.At) && SamePhone(r.AttorneyPhone, pc.PartyPhone) {
			return true
		}
	}
	return false
}

// ceaseInForce: a cease request (or the account's cease flag) applies at
// the contact's time.
func (k conductCheck) ceaseInForce() bool {
	if k.c.CeaseCommunication {
		return true
	}
	for _, r := range k.c.Requests {
		if r.Kind == RequestCease && r.InForce(k.c.Proposed.At) {
			return true
		}
	}
	return false
}

// ceaseException: what Reg F 1006.6(c)(2) still allows after a cease
// request: a written notice that collection stops or of a remedy.
func ceaseException(c Contact) bool {
	return (c.Purpose == PurposeFinalNotice || c.Purpose == PurposeRemedyNotice) &&
		(c.Channel == ChannelLetter || c.Channel == ChannelEmail)
}

// consentOutOfHours: the debtor agreed to be contacted at this quiet time,
// on this channel (the account's flag, or a consent request in force whose
// window and channel take it in).
func (k conductCheck) consentOutOfHours(channel string, local time.Time) bool {
	if k.c.ConsentOutOfHours {
		return true
	}
	for _, r := range k.c.Requests {
		if r.Kind == RequestConsentOutOfHours && r.InForce(k.c.Proposed.At) && r.covers(channel, local) {
			return true
		}
	}
	return false
}

// sameAccount: h was made on the account being contacted. A history
// without account ids is one account's.
func (k conductCheck) sameAccount(h Contact) bool {
	return h.AccountID == "" || k.c.AccountID == "" || h.AccountID == k.c.AccountID
}

// ValidRequest reports what is wrong with a request's fields.
func ValidRequest(r DebtorRequest) []collect.FieldError {
	var f []collect.FieldError
	if !slices.Contains(RequestKinds, r.Kind) {
		f = append(f, collect.Field("kind", "err.request.kind", "list", strings.Join(RequestKinds, ", ")))
	}
	if r.Channel != "" && !slices.Contains(ContactChannels, r.Channel) {
		f = append(f, collect.Field("channel", "err.contact.one_of", "list", strings.Join(ContactChannels, ", ")))
	}
	if r.Kind == RequestChannelOptOut && r.Channel == "" {
		f = append(f, collect.Field("channel", "err.request.channel_required"))
	}
	if !ValidRequestWindow(r.From) {
		f = append(f, collect.Field("from", "err.request.clock"))
	}
	if !ValidRequestWindow(r.To) {
		f = append(f, collect.Field("to", "err.request.clock"))
	}
	if r.Kind == RequestInconvenientTime && (r.From == "") != (r.To == "") {
		f = append(f, collect.Field("to", "err.request.window_both"))
	}
	if r.Kind == RequestAttorney && len(PhoneDigits(r.AttorneyPhone)) < 7 {
		f = append(f, collect.Field("attorney_phone", "err.request.attorney_phone"))
	}
	return f
}
