package billing

import (
	"fmt"
	"slices"
	"testing"

	"collect"
)

// matchFacts: acc1 and acc2 are held by ag1 throughout; acc3 was held by
// ag1 until 03-05 (recalled) and by ag2 after; acc4 closed on 03-05; acc5
// was held by ag1 until 03-05 with two grace days and nobody after.
func matchFacts() map[string]AccountFacts {
	held := []Span{span("p1", "ag1", "2026-01-01", "", "", 0, false)}
	return map[string]AccountFacts{
		"acc1": {Spans: held},
		"acc2": {Spans: held},
		"acc3": {Spans: []Span{span("p3a", "ag1", "2026-01-01", "2026-03-05", EndRecalled, 0, false), span("p3b", "ag2", "2026-03-06", "", "", 0, false)}},
		"acc4": {ClosedOn: "2026-03-05", Spans: []Span{span("p4", "ag1", "2026-01-01", "2026-03-05", EndClosed, 0, false)}},
		"acc5": {Spans: []Span{span("p5", "ag1", "2026-01-01", "2026-03-05", EndRecalled, 2, false)}},
	}
}

func matchOpts() MatchOptions {
	return MatchOptions{DateWindowDays: 3, AsOf: "2026-03-31", Accounts: matchFacts()}
}

func fr(line int, account string, cents int64, paid Date, ref string) FeedRecord {
	return FeedRecord{Line: line, AccountID: account, AmountCents: cents, PaidOn: paid, Reference: ref}
}

func rp(id, account string, cents int64, paid Date, ref string) ReportedPayment {
	return ReportedPayment{ID: id, AccountID: account, AgencyID: "ag1", AmountCents: cents, PaidOn: paid, Reference: ref}
}

// o writes an expected outcome briefly.
func o(kind Kind, reason Reason, line int, report string) Outcome {
	return Outcome{Kind: kind, Reason: reason, FeedLine: line, ReportID: report}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		name     string
		feed     []FeedRecord
		reported []ReportedPayment
		edit     func(*MatchOptions)
		wantFeed []Outcome
		wantRep  []Outcome
	}{
		{name: "ReferenceEqual",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-12", "R1")},
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1")}, wantRep: []Outcome{o(KindMatched, "", 1, "r1")}},
		{name: "TwoReferencesAreTwoPayments",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-10", "R2")},
			wantFeed: []Outcome{o(KindCreated, "", 1, "")}, wantRep: []Outcome{o(KindException, ReasonNoFeedRecord, 0, "r1")}},
		{name: "ReferenceWinsOutsideWindow",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-01", "R1")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-20", "R1")},
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1")}, wantRep: []Outcome{o(KindMatched, "", 1, "r1")}},
		{name: "ReferenceWinsOverNearerDate",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", ""), fr(2, "acc1", 50000, "2026-03-12", "R1")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-10", "R1")},
			wantFeed: []Outcome{o(KindCreated, "", 1, ""), o(KindMatched, "", 2, "r1")}, wantRep: []Outcome{o(KindMatched, "", 2, "r1")}},
		{name: "NearestDate",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-05", ""), fr(2, "acc1", 50000, "2026-03-10", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-09", "")},
			wantFeed: []Outcome{o(KindCreated, "", 1, ""), o(KindMatched, "", 2, "r1")}, wantRep: []Outcome{o(KindMatched, "", 2, "r1")}},
		{name: "EachRecordOnce",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", ""), fr(2, "acc1", 50000, "2026-03-12", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-11", ""), rp("r2", "acc1", 50000, "2026-03-13", "")},
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1"), o(KindMatched, "", 2, "r2")},
			wantRep:  []Outcome{o(KindMatched, "", 1, "r1"), o(KindMatched, "", 2, "r2")}},
		{name: "WindowEdge",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-13", "")},
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1")}, wantRep: []Outcome{o(KindMatched, "", 1, "r1")}},
		{name: "OutsideWindow",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-14", "")},
			wantFeed: []Outcome{o(KindCreated, "", 1, "")}, wantRep: []Outcome{o(KindException, ReasonNoFeedRecord, 0, "r1")}},
		{name: "OtherAccountNoMatch",
			feed:     []FeedRecord{fr(1, "acc2", 50000, "2026-03-10", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-10", "")},
			wantFeed: []Outcome{o(KindCreated, "", 1, "")}, wantRep: []Outcome{o(KindException, ReasonNoFeedRecord, 0, "r1")}},
		{name: "PendingInsideWindow",
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-29", "")},
			wantRep:  []Outcome{o(KindPending, "", 0, "r1")}},
		{name: "NoFeedRecordWindowJustPassed",
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-28", "")},
			wantRep:  []Outcome{o(KindException, ReasonNoFeedRecord, 0, "r1")}},
		{name: "Created",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1")},
			wantFeed: []Outcome{o(KindCreated, "", 1, "")}},
		{name: "AmountDiffers",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 45000, "2026-03-11", "")},
			wantFeed: []Outcome{o(KindException, ReasonAmountDiffers, 1, "r1")}, wantRep: []Outcome{o(KindException, ReasonAmountDiffers, 1, "r1")}},
		{name: "AmountWithinTolerance",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 45000, "2026-03-11", "")},
			edit:     func(o *MatchOptions) { o.AmountToleranceCents = 5000 },
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1")}, wantRep: []Outcome{o(KindMatched, "", 1, "r1")}},
		{name: "AmountJustOutsideTolerance",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 45000, "2026-03-11", "")},
			edit:     func(o *MatchOptions) { o.AmountToleranceCents = 4999 },
			wantFeed: []Outcome{o(KindException, ReasonAmountDiffers, 1, "r1")}, wantRep: []Outcome{o(KindException, ReasonAmountDiffers, 1, "r1")}},
		{name: "ExactAmountBeatsNearerDate",
			feed:     []FeedRecord{fr(1, "acc1", 45000, "2026-03-10", ""), fr(2, "acc1", 50000, "2026-03-12", "")},
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-10", "")},
			wantFeed: []Outcome{o(KindCreated, "", 1, ""), o(KindMatched, "", 2, "r1")}, wantRep: []Outcome{o(KindMatched, "", 2, "r1")}},
		{name: "ReferenceAmountDiffers",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1")},
			reported: []ReportedPayment{rp("r1", "acc1", 40000, "2026-03-25", "R1")},
			wantFeed: []Outcome{o(KindException, ReasonAmountDiffers, 1, "r1")}, wantRep: []Outcome{o(KindException, ReasonAmountDiffers, 1, "r1")}},
		{name: "DuplicateFeedRowsByReference",
			feed:     []FeedRecord{fr(7, "acc1", 50000, "2026-03-10", "R1"), fr(3, "acc1", 50000, "2026-03-11", "R1")},
			wantFeed: []Outcome{{Kind: KindException, Reason: ReasonDuplicate, FeedLine: 7, OfLine: 3}, o(KindCreated, "", 3, "")}},
		{name: "DuplicateFeedRowsWithoutReference",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", ""), fr(2, "acc1", 50000, "2026-03-10", "")},
			wantFeed: []Outcome{o(KindCreated, "", 1, ""), {Kind: KindException, Reason: ReasonDuplicate, FeedLine: 2, OfLine: 1}}},
		{name: "SameAmountOtherDayIsNotDuplicate",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", ""), fr(2, "acc1", 50000, "2026-03-11", "")},
			wantFeed: []Outcome{o(KindCreated, "", 1, ""), o(KindCreated, "", 2, "")}},
		{name: "DuplicateOfBooked",
			feed: []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1")},
			edit: func(o *MatchOptions) {
				o.Booked = []BookedPayment{{ID: "b1", AccountID: "acc1", AmountCents: 50000, PaidOn: "2026-03-10", Reference: "R1"}}
			},
			wantFeed: []Outcome{{Kind: KindException, Reason: ReasonDuplicate, FeedLine: 1, OfPaymentID: "b1"}}},
		{name: "DuplicateOfBookedWithoutReference",
			feed: []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "")},
			edit: func(o *MatchOptions) {
				o.Booked = []BookedPayment{{ID: "b1", AccountID: "acc1", AmountCents: 50000, PaidOn: "2026-03-10"}}
			},
			wantFeed: []Outcome{{Kind: KindException, Reason: ReasonDuplicate, FeedLine: 1, OfPaymentID: "b1"}}},
		{name: "DuplicateReports",
			reported: []ReportedPayment{rp("r2", "acc1", 50000, "2026-03-10", "R1"), rp("r1", "acc1", 50000, "2026-03-10", "R1")},
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1")},
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1")},
			wantRep:  []Outcome{{Kind: KindException, Reason: ReasonDuplicate, ReportID: "r2", OfPaymentID: "r1"}, o(KindMatched, "", 1, "r1")}},
		{name: "DuplicateReportsWithoutReference",
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-29", ""), rp("r2", "acc1", 50000, "2026-03-29", "")},
			wantRep:  []Outcome{o(KindPending, "", 0, "r1"), {Kind: KindException, Reason: ReasonDuplicate, ReportID: "r2", OfPaymentID: "r1"}}},
		{name: "FeedReferenceReused",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1"), fr(2, "acc2", 50000, "2026-03-10", "R1")},
			wantFeed: []Outcome{o(KindCreated, "", 1, ""), {Kind: KindException, Reason: ReasonReferenceReused, FeedLine: 2, OfLine: 1}}},
		{name: "FeedReferenceReusedOtherAmount",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1"), fr(2, "acc1", 30000, "2026-03-10", "R1")},
			wantFeed: []Outcome{o(KindCreated, "", 1, ""), {Kind: KindException, Reason: ReasonReferenceReused, FeedLine: 2, OfLine: 1}}},
		{name: "FeedReusesBookedReference",
			feed: []FeedRecord{fr(1, "acc2", 50000, "2026-03-10", "R1")},
			edit: func(o *MatchOptions) {
				o.Booked = []BookedPayment{{ID: "b1", AccountID: "acc1", AmountCents: 50000, PaidOn: "2026-03-01", Reference: "R1"}}
			},
			wantFeed: []Outcome{{Kind: KindException, Reason: ReasonReferenceReused, FeedLine: 1, OfPaymentID: "b1"}}},
		{name: "ReportReusesFeedReference",
			feed:     []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "R1")},
			reported: []ReportedPayment{rp("r1", "acc2", 50000, "2026-03-10", "R1")},
			wantFeed: []Outcome{o(KindCreated, "", 1, "")},
			wantRep:  []Outcome{{Kind: KindException, Reason: ReasonReferenceReused, ReportID: "r1", OfLine: 1}}},
		{name: "ReportsReuseReference",
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-29", "R1"), rp("r2", "acc2", 50000, "2026-03-29", "R1")},
			wantRep:  []Outcome{o(KindPending, "", 0, "r1"), {Kind: KindException, Reason: ReasonReferenceReused, ReportID: "r2", OfPaymentID: "r1"}}},
		{name: "MatchesBookedPayment",
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2026-03-11", "")},
			edit: func(o *MatchOptions) {
				o.Booked = []BookedPayment{{ID: "b1", AccountID: "acc1", AmountCents: 50000, PaidOn: "2026-03-10"}}
			},
			wantRep: []Outcome{{Kind: KindMatched, ReportID: "r1", BookedID: "b1"}}},
		{name: "PaidAfterPlacementEndByFeedDate",
			feed:     []FeedRecord{fr(1, "acc3", 50000, "2026-03-07", "")},
			reported: []ReportedPayment{rp("r1", "acc3", 50000, "2026-03-05", "")},
			wantFeed: []Outcome{o(KindException, ReasonAfterPlacement, 1, "r1")}, wantRep: []Outcome{o(KindException, ReasonAfterPlacement, 1, "r1")}},
		{name: "PaidOnEndDayMatches",
			feed:     []FeedRecord{fr(1, "acc3", 50000, "2026-03-05", "")},
			reported: []ReportedPayment{rp("r1", "acc3", 50000, "2026-03-04", "")},
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1")}, wantRep: []Outcome{o(KindMatched, "", 1, "r1")}},
		{name: "PaidWithinGraceMatches",
			feed:     []FeedRecord{fr(1, "acc5", 50000, "2026-03-07", "")},
			reported: []ReportedPayment{rp("r1", "acc5", 50000, "2026-03-05", "")},
			wantFeed: []Outcome{o(KindMatched, "", 1, "r1")}, wantRep: []Outcome{o(KindMatched, "", 1, "r1")}},
		{name: "PaidAfterGrace",
			feed:     []FeedRecord{fr(1, "acc5", 50000, "2026-03-08", "")},
			reported: []ReportedPayment{rp("r1", "acc5", 50000, "2026-03-06", "")},
			wantFeed: []Outcome{o(KindException, ReasonAfterPlacement, 1, "r1")}, wantRep: []Outcome{o(KindException, ReasonAfterPlacement, 1, "r1")}},
		{name: "UnmatchedReportAfterEndIsFlaggedAtOnce",
			reported: []ReportedPayment{rp("r1", "acc3", 50000, "2026-03-29", "")},
			wantRep:  []Outcome{o(KindException, ReasonAfterPlacement, 0, "r1")}},
		{name: "ReportBeforePlacement",
			reported: []ReportedPayment{rp("r1", "acc1", 50000, "2025-12-20", "")},
			wantRep:  []Outcome{o(KindException, ReasonBeforePlacement, 0, "r1")}},
		{name: "ReportByAgencyNeverPlaced",
			reported: []ReportedPayment{{ID: "r1", AccountID: "acc1", AgencyID: "ag9", AmountCents: 50000, PaidOn: "2026-03-29"}},
			wantRep:  []Outcome{o(KindException, ReasonBeforePlacement, 0, "r1")}},
		{name: "ClosedAccountFeedRow",
			feed:     []FeedRecord{fr(1, "acc4", 50000, "2026-03-06", ""), fr(2, "acc4", 30000, "2026-03-05", "")},
			wantFeed: []Outcome{o(KindException, ReasonClosedAccount, 1, ""), o(KindCreated, "", 2, "")}},
		{name: "ClosedAccountPair",
			feed:     []FeedRecord{fr(1, "acc4", 50000, "2026-03-06", "")},
			reported: []ReportedPayment{rp("r1", "acc4", 50000, "2026-03-06", "")},
			wantFeed: []Outcome{o(KindException, ReasonClosedAccount, 1, "r1")}, wantRep: []Outcome{o(KindException, ReasonClosedAccount, 1, "r1")}},
		{name: "ClosedAccountUnmatchedReport",
			reported: []ReportedPayment{rp("r1", "acc4", 50000, "2026-03-29", "")},
			wantRep:  []Outcome{o(KindException, ReasonClosedAccount, 0, "r1")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := matchOpts()
			if c.edit != nil {
				c.edit(&opts)
			}
			res, err := Match(c.feed, c.reported, opts)
			wantErr(t, err, "", "")
			for i := range c.wantFeed {
				c.wantFeed[i].DiffCents = res.Feed[i].DiffCents // checked below
			}
			for i := range c.wantRep {
				c.wantRep[i].DiffCents = res.Reported[i].DiffCents
			}
			if !slices.Equal(res.Feed, c.wantFeed) {
				t.Errorf("feed\n got %+v\nwant %+v", res.Feed, c.wantFeed)
			}
			if !slices.Equal(res.Reported, c.wantRep) {
				t.Errorf("reported\n got %+v\nwant %+v", res.Reported, c.wantRep)
			}
			checkMatchInvariants(t, c.feed, c.reported, opts, res)
		})
	}
}

func TestMatchDiffAndCounts(t *testing.T) {
	feed := []FeedRecord{
		fr(1, "acc1", 50000, "2026-03-10", ""),  // matched r1
		fr(2, "acc1", 20000, "2026-03-20", ""),  // amount differs with r2
		fr(3, "acc2", 10000, "2026-03-10", ""),  // created
		fr(4, "acc2", 10000, "2026-03-10", ""),  // duplicate of 3
		fr(5, "acc4", 10000, "2026-03-20", "X"), // closed account
	}
	reported := []ReportedPayment{
		rp("r1", "acc1", 50000, "2026-03-11", ""),
		rp("r2", "acc1", 25000, "2026-03-20", ""),
		rp("r3", "acc2", 9000, "2026-03-29", ""), // pending
		rp("r4", "acc2", 9000, "2026-03-01", ""), // no feed record
	}
	res, err := Match(feed, reported, matchOpts())
	wantErr(t, err, "", "")
	if d := res.Reported[1].DiffCents; d != 5000 {
		t.Errorf("r2 diff %d, want 5000 (report − feed)", d)
	}
	if c := res.Counts(); c != (MatchCounts{Confirmed: 1, Created: 1, Exceptions: 4, Pending: 1}) {
		t.Errorf("counts %+v", c)
	}
	var got []string
	for _, e := range res.Exceptions() {
		got = append(got, fmt.Sprintf("%d/%s/%s", e.FeedLine, e.ReportID, e.Reason))
	}
	want := []string{"2/r2/amount_differs", "4//duplicate", "5//paid_to_closed_account", "0/r4/no_feed_record"}
	if !slices.Equal(got, want) {
		t.Errorf("exceptions %v, want %v", got, want)
	}
}

func TestMatchRefusesBadInput(t *testing.T) {
	good := []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", "")}
	cases := []struct {
		name     string
		feed     []FeedRecord
		reported []ReportedPayment
		edit     func(*MatchOptions)
		key      string
		field    string
	}{
		{"FeedAmount", []FeedRecord{fr(1, "acc1", 50000, "2026-03-10", ""), fr(3, "acc1", 0, "2026-03-10", "")}, nil, nil, "err.billing.feed_rows", "feed.3.amount_cents"},
		{"FeedDate", []FeedRecord{fr(2, "acc1", 5, "2026-02-30", "")}, nil, nil, "err.billing.feed_rows", "feed.2.paid_on"},
		{"FeedAccount", []FeedRecord{fr(2, "", 5, "2026-03-01", "")}, nil, nil, "err.billing.feed_rows", "feed.2.account_id"},
		{"FeedLineTwice", []FeedRecord{fr(2, "acc1", 5, "2026-03-01", ""), fr(2, "acc1", 6, "2026-03-01", "")}, nil, nil, "err.billing.feed_rows", "feed.2.line"},
		{"FeedLineZero", []FeedRecord{fr(0, "acc1", 5, "2026-03-01", "")}, nil, nil, "err.billing.feed_rows", "feed.0.line"},
		{"ReportID", good, []ReportedPayment{rp("", "acc1", 5, "2026-03-01", "")}, nil, "err.billing.id_unique", "reported.0.id"},
		{"ReportIDTwice", good, []ReportedPayment{rp("r1", "acc1", 5, "2026-03-01", ""), rp("r1", "acc1", 6, "2026-03-01", "")}, nil, "err.billing.id_unique", "reported.1.id"},
		{"ReportAgency", good, []ReportedPayment{{ID: "r1", AccountID: "acc1", AmountCents: 5, PaidOn: "2026-03-01"}}, nil, "err.form.required", "reported.0.agency_id"},
		{"Window", good, nil, func(o *MatchOptions) { o.DateWindowDays = MaxDateWindowDays + 1 }, "err.billing.window_days", "date_window_days"},
		{"Tolerance", good, nil, func(o *MatchOptions) { o.AmountToleranceCents = -1 }, "err.billing.tolerance", "amount_tolerance_cents"},
		{"AsOf", good, nil, func(o *MatchOptions) { o.AsOf = "" }, "err.billing.date", "as_of"},
		{"Spans", good, nil, func(o *MatchOptions) {
			o.Accounts["acc9"] = AccountFacts{Spans: []Span{span("a", "ag1", "2026-01-01", "", "", 0, false), span("b", "ag2", "2026-02-01", "", "", 0, false)}}
		}, "err.billing.account_spans", "accounts.acc9.spans"},
		{"Booked", good, nil, func(o *MatchOptions) { o.Booked = []BookedPayment{{ID: "b1", AccountID: "acc1"}} }, "err.billing.booked_invalid", "booked.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := matchOpts()
			if c.edit != nil {
				c.edit(&opts)
			}
			_, err := Match(c.feed, c.reported, opts)
			wantErr(t, err, collect.EINVALID, c.key)
			if !slices.Contains(fieldsOf(err), c.field) {
				t.Fatalf("fields %v lack %s", fieldsOf(err), c.field)
			}
		})
	}
	// Every bad row is named, not only the first.
	if rows := ValidateFeed([]FeedRecord{fr(1, "", 0, "x", ""), fr(2, "acc1", 1, "2026-03-01", "")}); len(rows) != 3 || rows[0].Line != 1 {
		t.Fatalf("rows %+v", rows)
	}
}

// checkMatchInvariants holds for every result: each input has an outcome;
// each record is used at most once; the two sides of a pair name each
// other; a matched pair agrees on account and (within the tolerance)
// amount, and on date within the window unless the references are equal.
func checkMatchInvariants(t *testing.T, feed []FeedRecord, reported []ReportedPayment, opts MatchOptions, res MatchResult) {
	t.Helper()
	if len(res.Feed) != len(feed) || len(res.Reported) != len(reported) {
		t.Fatalf("outcomes %d/%d for %d/%d inputs", len(res.Feed), len(res.Reported), len(feed), len(reported))
	}
	feedByLine := map[int]FeedRecord{}
	for i, f := range feed {
		feedByLine[f.Line] = f
		if res.Feed[i].FeedLine != f.Line || res.Feed[i].Kind == "" {
			t.Fatalf("feed[%d] outcome %+v", i, res.Feed[i])
		}
	}
	booked := map[string]BookedPayment{}
	for _, b := range opts.Booked {
		booked[b.ID] = b
	}
	usedFeed, usedBooked := map[int]string{}, map[string]string{}
	for j, r := range reported {
		out := res.Reported[j]
		if out.ReportID != r.ID || out.Kind == "" {
			t.Fatalf("reported[%d] outcome %+v", j, out)
		}
		if out.FeedLine == 0 && out.BookedID == "" {
			if out.Kind == KindMatched {
				t.Fatalf("%s matched with nothing", r.ID)
			}
			continue
		}
		var acct string
		var cents int64
		var paid Date
		var ref string
		if out.FeedLine != 0 {
			if prev, dup := usedFeed[out.FeedLine]; dup {
				t.Fatalf("feed line %d paired with %s and %s", out.FeedLine, prev, r.ID)
			}
			usedFeed[out.FeedLine] = r.ID
			f := feedByLine[out.FeedLine]
			acct, cents, paid, ref = f.AccountID, f.AmountCents, f.PaidOn, f.Reference
			i := slices.IndexFunc(feed, func(f FeedRecord) bool { return f.Line == out.FeedLine })
			if res.Feed[i] != out {
				t.Fatalf("pair sides differ: feed %+v, report %+v", res.Feed[i], out)
			}
		} else {
			if prev, dup := usedBooked[out.BookedID]; dup {
				t.Fatalf("booked %s paired with %s and %s", out.BookedID, prev, r.ID)
			}
			usedBooked[out.BookedID] = r.ID
			b := booked[out.BookedID]
			acct, cents, paid, ref = b.AccountID, b.AmountCents, b.PaidOn, b.Reference
		}
		if acct != r.AccountID {
			t.Fatalf("%s paired across accounts: %+v", r.ID, out)
		}
		if out.DiffCents != r.AmountCents-cents {
			t.Fatalf("%s diff %d, want %d", r.ID, out.DiffCents, r.AmountCents-cents)
		}
		if out.Kind == KindMatched {
			if d := max(out.DiffCents, -out.DiffCents); d > opts.AmountToleranceCents {
				t.Fatalf("%s matched %d apart, tolerance %d", r.ID, d, opts.AmountToleranceCents)
			}
			if ref == "" || ref != r.Reference {
				if absDays(paid, r.PaidOn) > opts.DateWindowDays {
					t.Fatalf("%s matched %d days apart without a shared reference", r.ID, absDays(paid, r.PaidOn))
				}
			}
		}
	}
	for i, out := range res.Feed {
		if out.ReportID != "" && usedFeed[feed[i].Line] != out.ReportID {
			t.Fatalf("feed line %d names report %s, which does not name it", feed[i].Line, out.ReportID)
		}
	}
}
