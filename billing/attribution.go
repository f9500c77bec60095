package billing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"collect"
	"collect/allocation"
)

// MaxGraceDays is the longest grace a contract may give after a placement
// ends: "shortly after a recall" is weeks, not months.
const MaxGraceDays = 90

// AttributionRule is the part of a lender's contract with an agency that
// says who earns on a payment landing after the agency's placement ended.
// It is data, shown on the contract.
type AttributionRule struct {
	// GraceDays: a payment up to GraceDays calendar days after the last
	// day held (recall or expiry) still earns the agency commission.
	// Default 0: the end day is the last that earns.
	GraceDays int `json:"grace_days"`
	// PromiseBeforeRecall: a payment after a recall earns the agency when
	// it pays a promise the agency secured while it held the account, paid
	// by the promise's due date plus GraceDays.
	PromiseBeforeRecall bool `json:"promise_before_recall"`
}

// Validate checks the rule.
func (r AttributionRule) Validate() error {
	if r.GraceDays < 0 || r.GraceDays > MaxGraceDays {
		return collect.Invalid("grace_days", "err.billing.grace_days", "max", MaxGraceDays)
	}
	return nil
}

// EndReason is why a placement ended.
type EndReason string

// End reasons, as allocation's placement statuses name them.
const (
	EndRecalled EndReason = allocation.PlacementRecalled // the lender took it back
	EndExpired  EndReason = allocation.PlacementExpired  // the term ran out
	EndReturned EndReason = allocation.PlacementReturned // the agency gave it back
	EndClosed   EndReason = allocation.PlacementClosed   // the account closed (paid in full, written off)
)

// Span is one placement of an account with an agency, as civil dates in the
// payer's zone. The agency holds the account from Start through End, both
// days included; End "" means it still holds it.
type Span struct {
	PlacementID string    `json:"placement_id"`
	AgencyID    string    `json:"agency_id"`
	Start       Date      `json:"start"`
	End         Date      `json:"end,omitempty"`
	EndReason   EndReason `json:"end_reason,omitempty"`
	// Rule is the attribution rule of the contract the agency held the
	// account under.
	Rule AttributionRule `json:"rule"`
}

// Promise is a promise to pay an agency secured on the account.
type Promise struct {
	ID       string `json:"id"`
	AgencyID string `json:"agency_id"`
	MadeOn   Date   `json:"made_on"`
	DueOn    Date   `json:"due_on"`
}

// AttributionReason says why an agency earns, or why none does.
type AttributionReason string

// Attribution reasons.
const (
	AttrHeld       AttributionReason = "held"       // the agency held the account on the day paid
	AttrGrace      AttributionReason = "grace"      // paid within the grace days after the agency's placement ended
	AttrPromise    AttributionReason = "promise"    // paid on a promise the agency secured before a recall
	AttrNotPlaced  AttributionReason = "not_placed" // no agency had held the account by the day paid
	AttrAfterEnd   AttributionReason = "after_end"  // paid after the last placement ended, outside grace and promise
	AttrReturned   AttributionReason = "returned"   // the last agency gave the account back: no claim after
	AttrClosedSpan AttributionReason = "closed"     // the last placement closed with the account: no claim after
)

// Attribution is who earns commission on a payment: AgencyID "" for none.
type Attribution struct {
	AgencyID    string            `json:"agency_id,omitempty"`
	PlacementID string            `json:"placement_id,omitempty"`
	PromiseID   string            `json:"promise_id,omitempty"`
	Reason      AttributionReason `json:"reason"`
}

// ValidateSpans checks an account's placements: real dates, an end reason
// exactly when ended, and no two held at once. The database keeps at most
// one active placement per account; as civil dates, a placement may start
// on the day the one before it ended (a handover day), which the one
// ending keeps.
func ValidateSpans(spans []Span) error {
	var fields []collect.FieldError
	for i, s := range spans {
		f := func(name string) string { return fmt.Sprintf("spans.%d.%s", i, name) }
		if strings.TrimSpace(s.AgencyID) == "" {
			fields = append(fields, collect.Field(f("agency_id"), "err.form.required"))
		}
		if !s.Start.Valid() {
			fields = append(fields, collect.Field(f("start"), "err.billing.date", "value", string(s.Start)))
		}
		if s.End != "" && !s.End.Valid() {
			fields = append(fields, collect.Field(f("end"), "err.billing.date", "value", string(s.End)))
		} else if s.End != "" && s.End < s.Start {
			fields = append(fields, collect.Field(f("end"), "err.billing.span_end_before_start"))
		}
		switch {
		case s.End == "" && s.EndReason != "":
			fields = append(fields, collect.Field(f("end_reason"), "err.billing.span_reason_open"))
		case s.End != "" && !slices.Contains([]EndReason{EndRecalled, EndExpired, EndReturned, EndClosed}, s.EndReason):
			fields = append(fields, collect.Field(f("end_reason"), "err.billing.span_reason", "reason", string(s.EndReason)))
		}
		if err := s.Rule.Validate(); err != nil {
			fields = append(fields, collect.Field(f("rule.grace_days"), "err.billing.grace_days", "max", MaxGraceDays))
		}
	}
	if len(fields) > 0 {
		return allocation.FieldErrors(fields)
	}
	sorted := sortSpans(spans)
	for i := 1; i < len(sorted); i++ {
		prev, next := sorted[i-1], sorted[i]
		if prev.End == "" || next.Start < prev.End {
			return collect.E(collect.EINVALID, "err.billing.span_overlap", "first", prev.PlacementID, "second", next.PlacementID)
		}
	}
	return nil
}

// ValidatePromises checks an account's promises.
func ValidatePromises(promises []Promise) error {
	var fields []collect.FieldError
	for i, p := range promises {
		f := func(name string) string { return fmt.Sprintf("promises.%d.%s", i, name) }
		if strings.TrimSpace(p.AgencyID) == "" {
			fields = append(fields, collect.Field(f("agency_id"), "err.form.required"))
		}
		switch {
		case !p.MadeOn.Valid():
			fields = append(fields, collect.Field(f("made_on"), "err.billing.date", "value", string(p.MadeOn)))
		case !p.DueOn.Valid():
			fields = append(fields, collect.Field(f("due_on"), "err.billing.date", "value", string(p.DueOn)))
		case p.DueOn < p.MadeOn:
			fields = append(fields, collect.Field(f("due_on"), "err.billing.promise_due_before_made"))
		}
	}
	return allocation.FieldErrors(fields)
}

// Attribute decides which agency earns commission on a payment made on
// paidOn to an account with these placements and promises, in this order:
//
//  1. the agency holding the account that day (on a handover day, the one
//     whose placement ends that day): the portal's rule that commission
//     goes to the agency holding the placement when the money came in;
//  2. else the last agency to hold it before that day, if its placement
//     was recalled or expired no more than its contract's GraceDays
//     before;
//  3. else that agency, if its placement was recalled, its contract has
//     PromiseBeforeRecall, and the payment is within GraceDays of the due
//     date of a promise it secured while holding the account;
//  4. else no agency. An agency that returned the account, or whose
//     placement closed with the account, has no claim after its end.
//
// A later holder always wins over an earlier one's grace or promise, so
// exactly one agency, or none, earns on each payment.
func Attribute(paidOn Date, spans []Span, promises []Promise) (Attribution, error) {
	if !paidOn.Valid() {
		return Attribution{}, collect.Invalid("paid_on", "err.billing.date", "value", string(paidOn))
	}
	if err := ValidateSpans(spans); err != nil {
		return Attribution{}, err
	}
	if err := ValidatePromises(promises); err != nil {
		return Attribution{}, err
	}
	sorted := sortSpans(spans)
	var last *Span // the last span ended before paidOn
	for i := range sorted {
		s := &sorted[i]
		if s.Start > paidOn {
			break
		}
		if s.End == "" || paidOn <= s.End {
			return Attribution{AgencyID: s.AgencyID, PlacementID: s.PlacementID, Reason: AttrHeld}, nil
		}
		last = s
	}
	if last == nil {
		return Attribution{Reason: AttrNotPlaced}, nil
	}
	switch last.EndReason {
	case EndReturned:
		return Attribution{Reason: AttrReturned}, nil
	case EndClosed:
		return Attribution{Reason: AttrClosedSpan}, nil
	}
	if paidOn <= last.End.AddDays(last.Rule.GraceDays) {
		return Attribution{AgencyID: last.AgencyID, PlacementID: last.PlacementID, Reason: AttrGrace}, nil
	}
	if last.EndReason == EndRecalled && last.Rule.PromiseBeforeRecall {
		var best *Promise
		for i := range promises {
			p := &promises[i]
			if p.AgencyID != last.AgencyID || p.MadeOn < last.Start || p.MadeOn > last.End || paidOn > p.DueOn.AddDays(last.Rule.GraceDays) {
				continue
			}
			if best == nil || p.DueOn < best.DueOn || p.DueOn == best.DueOn && p.ID < best.ID {
				best = p
			}
		}
		if best != nil {
			return Attribution{AgencyID: last.AgencyID, PlacementID: last.PlacementID, PromiseID: best.ID, Reason: AttrPromise}, nil
		}
	}
	return Attribution{Reason: AttrAfterEnd}, nil
}

// sortSpans is a copy of spans by start day, an open span after an ended
// one starting the same day, then by placement id.
func sortSpans(spans []Span) []Span {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b Span) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		if c := cmp.Compare(endKey(a), endKey(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.PlacementID, b.PlacementID)
	})
	return s
}

func endKey(s Span) Date {
	if s.End == "" {
		return "9999-12-31"
	}
	return s.End
}
