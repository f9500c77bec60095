package billing

import (
	"slices"
	"testing"

	"collect"
)

func span(id, agency string, start, end Date, reason EndReason, grace int, promise bool) Span {
	return Span{PlacementID: id, AgencyID: agency, Start: start, End: end, EndReason: reason,
		Rule: AttributionRule{GraceDays: grace, PromiseBeforeRecall: promise}}
}

func TestAttribute(t *testing.T) {
	// A held the account 01-01 .. 03-31 (both days included).
	recalled := func(grace int, promise bool) []Span {
		return []Span{span("pA", "A", "2026-01-01", "2026-03-31", EndRecalled, grace, promise)}
	}
	promises := []Promise{{ID: "pr1", AgencyID: "A", MadeOn: "2026-03-20", DueOn: "2026-04-10"}}
	cases := []struct {
		name     string
		paid     Date
		spans    []Span
		promises []Promise
		agency   string
		reason   AttributionReason
		promise  string
	}{
		{"NoPlacements", "2026-03-10", nil, nil, "", AttrNotPlaced, ""},
		{"BeforeStart", "2025-12-31", recalled(0, false), nil, "", AttrNotPlaced, ""},
		{"StartDay", "2026-01-01", recalled(0, false), nil, "A", AttrHeld, ""},
		{"EndDay", "2026-03-31", recalled(0, false), nil, "A", AttrHeld, ""},
		{"DefaultGraceDayAfterEnd", "2026-04-01", recalled(0, false), nil, "", AttrAfterEnd, ""},
		{"EndPlusGrace", "2026-04-05", recalled(5, false), nil, "A", AttrGrace, ""},
		{"EndPlusGracePlusOne", "2026-04-06", recalled(5, false), nil, "", AttrAfterEnd, ""},
		{"ExpiredWithinGrace", "2026-04-05", []Span{span("pA", "A", "2026-01-01", "2026-03-31", EndExpired, 5, false)}, nil, "A", AttrGrace, ""},
		{"ReturnedNoGrace", "2026-04-01", []Span{span("pA", "A", "2026-01-01", "2026-03-31", EndReturned, 5, true)}, promises, "", AttrReturned, ""},
		{"ClosedNoGrace", "2026-04-01", []Span{span("pA", "A", "2026-01-01", "2026-03-31", EndClosed, 5, false)}, nil, "", AttrClosedSpan, ""},
		{"OpenSpanFarAhead", "2030-01-01", []Span{span("pA", "A", "2026-01-01", "", "", 0, false)}, nil, "A", AttrHeld, ""},

		// Handover: B starts the day A is recalled. A keeps its end day.
		{"HandoverDayToEnding", "2026-03-31", append(recalled(0, false), span("pB", "B", "2026-03-31", "", "", 0, false)), nil, "A", AttrHeld, ""},
		{"DayAfterHandover", "2026-04-01", append(recalled(7, true), span("pB", "B", "2026-03-31", "", "", 0, false)), promises, "B", AttrHeld, ""},
		// A's grace covers the gap before B starts; B holding wins after.
		{"GraceInGap", "2026-04-02", append(recalled(10, false), span("pB", "B", "2026-04-03", "", "", 0, false)), nil, "A", AttrGrace, ""},
		{"HolderBeatsGrace", "2026-04-03", append(recalled(10, false), span("pB", "B", "2026-04-03", "", "", 0, false)), nil, "B", AttrHeld, ""},
		// The last holder's claim only: B held it after A, so A's promise is gone.
		{"OnlyLastHolderClaims", "2026-04-09", append(recalled(0, true), span("pB", "B", "2026-04-02", "2026-04-05", EndRecalled, 0, false)), promises, "", AttrAfterEnd, ""},

		// Promise made before the recall, paid after it.
		{"PromiseDueDay", "2026-04-10", recalled(0, true), promises, "A", AttrPromise, "pr1"},
		{"PromiseDayAfterDue", "2026-04-11", recalled(0, true), promises, "", AttrAfterEnd, ""},
		{"PromiseDuePlusGrace", "2026-04-13", recalled(3, true), promises, "A", AttrPromise, "pr1"},
		{"PromiseDuePlusGracePlusOne", "2026-04-14", recalled(3, true), promises, "", AttrAfterEnd, ""},
		{"PromiseRuleOff", "2026-04-10", recalled(0, false), promises, "", AttrAfterEnd, ""},
		{"PromiseMadeOnRecallDay", "2026-04-10", recalled(0, true), []Promise{{ID: "pr2", AgencyID: "A", MadeOn: "2026-03-31", DueOn: "2026-04-10"}}, "A", AttrPromise, "pr2"},
		{"PromiseMadeAfterRecall", "2026-04-10", recalled(0, true), []Promise{{ID: "pr3", AgencyID: "A", MadeOn: "2026-04-01", DueOn: "2026-04-10"}}, "", AttrAfterEnd, ""},
		{"PromiseMadeBeforePlacement", "2026-04-10", recalled(0, true), []Promise{{ID: "pr4", AgencyID: "A", MadeOn: "2025-12-20", DueOn: "2026-04-10"}}, "", AttrAfterEnd, ""},
		{"PromiseOfAnotherAgency", "2026-04-10", recalled(0, true), []Promise{{ID: "pr5", AgencyID: "B", MadeOn: "2026-03-20", DueOn: "2026-04-10"}}, "", AttrAfterEnd, ""},
		{"PromiseOnExpiryDoesNotCount", "2026-04-10", []Span{span("pA", "A", "2026-01-01", "2026-03-31", EndExpired, 0, true)}, promises, "", AttrAfterEnd, ""},
		{"EarliestDuePromise", "2026-04-08", recalled(0, true), []Promise{
			{ID: "late", AgencyID: "A", MadeOn: "2026-03-01", DueOn: "2026-04-20"},
			{ID: "early", AgencyID: "A", MadeOn: "2026-03-25", DueOn: "2026-04-09"},
		}, "A", AttrPromise, "early"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Attribute(c.paid, c.spans, c.promises)
			wantErr(t, err, "", "")
			if a.AgencyID != c.agency || a.Reason != c.reason || a.PromiseID != c.promise {
				t.Fatalf("got %+v, want agency %q reason %s promise %q", a, c.agency, c.reason, c.promise)
			}
			if c.agency != "" && a.PlacementID == "" {
				t.Fatalf("an agency that earns names its placement: %+v", a)
			}
			// The order the store gives the spans in does not matter.
			rev := slices.Clone(c.spans)
			slices.Reverse(rev)
			if b, _ := Attribute(c.paid, rev, c.promises); b != a {
				t.Fatalf("reversed spans give %+v, want %+v", b, a)
			}
		})
	}
}

func TestValidateSpans(t *testing.T) {
	a := span("pA", "A", "2026-01-01", "2026-03-31", EndRecalled, 0, false)
	cases := []struct {
		name  string
		spans []Span
		key   string // "" valid
	}{
		{"None", nil, ""},
		{"One", []Span{a}, ""},
		{"Touching", []Span{a, span("pB", "B", "2026-03-31", "", "", 0, false)}, ""},
		{"Gap", []Span{a, span("pB", "B", "2026-05-01", "", "", 0, false)}, ""},
		{"SameDayTwice", []Span{span("p1", "A", "2026-03-05", "2026-03-05", EndRecalled, 0, false), span("p2", "B", "2026-03-05", "", "", 0, false)}, ""},
		{"Overlap", []Span{a, span("pB", "B", "2026-03-30", "", "", 0, false)}, "err.billing.span_overlap"},
		{"TwoOpen", []Span{span("pA", "A", "2026-01-01", "", "", 0, false), span("pB", "B", "2026-05-01", "", "", 0, false)}, "err.billing.span_overlap"},
		{"Inside", []Span{a, span("pB", "B", "2026-02-01", "2026-02-10", EndReturned, 0, false)}, "err.billing.span_overlap"},
		{"EndBeforeStart", []Span{span("pA", "A", "2026-03-01", "2026-02-01", EndRecalled, 0, false)}, "err.billing.span_end_before_start"},
		{"EndedWithoutReason", []Span{span("pA", "A", "2026-01-01", "2026-03-31", "", 0, false)}, "err.billing.span_reason"},
		{"OpenWithReason", []Span{span("pA", "A", "2026-01-01", "", EndRecalled, 0, false)}, "err.billing.span_reason_open"},
		{"BadStart", []Span{span("pA", "A", "2026-13-01", "", "", 0, false)}, "err.billing.date"},
		{"BadEnd", []Span{span("pA", "A", "2026-01-01", "2026-02-30", EndRecalled, 0, false)}, "err.billing.date"},
		{"NoAgency", []Span{span("pA", "", "2026-01-01", "", "", 0, false)}, "err.form.required"},
		{"GraceMax", []Span{span("pA", "A", "2026-01-01", "", "", MaxGraceDays, false)}, ""},
		{"GraceTooLong", []Span{span("pA", "A", "2026-01-01", "", "", MaxGraceDays+1, false)}, "err.billing.grace_days"},
		{"GraceNegative", []Span{span("pA", "A", "2026-01-01", "", "", -1, false)}, "err.billing.grace_days"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateSpans(c.spans)
			if c.key == "" {
				wantErr(t, err, "", "")
				return
			}
			wantErr(t, err, collect.EINVALID, c.key)
			// Attribute refuses what ValidateSpans refuses.
			_, err = Attribute("2026-03-01", c.spans, nil)
			wantErr(t, err, collect.EINVALID, c.key)
		})
	}
}

func TestValidatePromisesAndRule(t *testing.T) {
	wantErr(t, ValidatePromises([]Promise{{AgencyID: "A", MadeOn: "2026-03-02", DueOn: "2026-03-01"}}), collect.EINVALID, "err.billing.promise_due_before_made")
	wantErr(t, ValidatePromises([]Promise{{AgencyID: "A", MadeOn: "2026-03-02", DueOn: "2026-03-02"}}), "", "")
	wantErr(t, ValidatePromises([]Promise{{AgencyID: "", MadeOn: "2026-03-02", DueOn: "2026-03-02"}}), collect.EINVALID, "err.form.required")
	wantErr(t, ValidatePromises([]Promise{{AgencyID: "A", MadeOn: "x", DueOn: "2026-03-02"}}), collect.EINVALID, "err.billing.date")
	_, err := Attribute("2026-03-01", nil, []Promise{{AgencyID: "A", MadeOn: "x", DueOn: "2026-03-02"}})
	wantErr(t, err, collect.EINVALID, "err.billing.date")
	_, err = Attribute("2026-02-30", nil, nil)
	wantErr(t, err, collect.EINVALID, "err.billing.date")
	wantErr(t, AttributionRule{}.Validate(), "", "")
	wantErr(t, AttributionRule{GraceDays: 91}.Validate(), collect.EINVALID, "err.billing.grace_days")
}
