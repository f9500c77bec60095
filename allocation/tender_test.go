package allocation

import (
	"collect"
	"strings"
	"testing"
	"time"
)

func TestTenderTakesBids(t *testing.T) {
	closes := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		status string
		now    time.Time
		ok     bool
	}{
		{"open, before closing", TenderOpen, closes.Add(-time.Second), true},
		{"open, at the closing instant", TenderOpen, closes, true},
		{"open, a nanosecond late", TenderOpen, closes.Add(time.Nanosecond), false},
		{"awarded", TenderAwarded, closes.Add(-time.Hour), false},
	} {
		err := TenderTakesBids(c.status, closes, c.now)
		if (err == nil) != c.ok || (err != nil && collect.ErrorCode(err) != collect.ECONFLICT) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if TenderAwardable(TenderOpen) != nil || collect.ErrorCode(TenderAwardable(TenderAwarded)) != collect.ECONFLICT {
		t.Error("only an open tender is awarded")
	}
}

func TestCheckBid(t *testing.T) {
	good := BidTerms{FeeRateBP: 1800, ExpectedLiquidationBP: 2500, Capacity: 100}
	for _, c := range []struct {
		name  string
		edit  func(*BidTerms)
		field string // "" = valid
	}{
		{"valid", func(*BidTerms) {}, ""},
		{"fee 0", func(b *BidTerms) { b.FeeRateBP = 0 }, ""},
		{"fee 10000", func(b *BidTerms) { b.FeeRateBP = BidMaxBP }, ""},
		{"fee -1", func(b *BidTerms) { b.FeeRateBP = -1 }, "fee_rate_bp"},
		{"fee 10001", func(b *BidTerms) { b.FeeRateBP = BidMaxBP + 1 }, "fee_rate_bp"},
		{"expected 10001", func(b *BidTerms) { b.ExpectedLiquidationBP = BidMaxBP + 1 }, "expected_liquidation_bp"},
		{"expected -1", func(b *BidTerms) { b.ExpectedLiquidationBP = -1 }, "expected_liquidation_bp"},
		{"capacity 0", func(b *BidTerms) { b.Capacity = 0 }, "capacity"},
		{"capacity 1", func(b *BidTerms) { b.Capacity = 1 }, ""},
		{"capacity max", func(b *BidTerms) { b.Capacity = BidMaxCapacity }, ""},
		{"capacity max+1", func(b *BidTerms) { b.Capacity = BidMaxCapacity + 1 }, "capacity"},
		{"note 1000", func(b *BidTerms) { b.Note = strings.Repeat("标", BidNoteMax) }, ""},
		{"note 1001", func(b *BidTerms) { b.Note = strings.Repeat("标", BidNoteMax+1) }, "note"},
	} {
		b := good
		c.edit(&b)
		fs := CheckBid(b)
		if c.field == "" && len(fs) != 0 || c.field != "" && (len(fs) != 1 || fs[0].Field != c.field) {
			t.Errorf("%s: %+v", c.name, fs)
		}
	}
}

func TestCheckAwards(t *testing.T) {
	on := func(id string) bool { return id == "a" || id == "b" }
	for _, c := range []struct {
		name   string
		awards []AwardShare
		key    string // "" = valid
	}{
		{"none", nil, "err.tender.award_none"},
		{"one whole", []AwardShare{{"a", 1}}, ""},
		{"split to 1", []AwardShare{{"a", 0.6}, {"b", 0.4}}, ""},
		{"split under 1", []AwardShare{{"a", 0.3}, {"b", 0.3}}, ""},
		{"within rounding", []AwardShare{{"a", 0.50005}, {"b", 0.50005}}, ""},
		{"over 1", []AwardShare{{"a", 0.6}, {"b", 0.5}}, "err.tender.shares_over_one"},
		{"zero share", []AwardShare{{"a", 0}}, "err.tender.share_range"},
		{"share above 1", []AwardShare{{"a", 1.01}}, "err.tender.share_range"},
		{"twice", []AwardShare{{"a", 0.2}, {"a", 0.2}}, "err.tender.awarded_twice"},
		{"not received", []AwardShare{{"a", 0.5}, {"z", 0.5}}, "err.tender.bid_not_on_tender"},
	} {
		err := CheckAwards(c.awards, on)
		var key string
		if e, ok := err.(*collect.Error); ok {
			key = e.Key
		}
		if key != c.key || (err == nil) != (c.key == "") {
			t.Errorf("%s: %v, want %q", c.name, err, c.key)
		}
	}
	if CheckAwards([]AwardShare{{"z", 1}}, nil) != nil {
		t.Error("without the tender's bids only the shares are checked")
	}
}

func TestAwardCapacity(t *testing.T) {
	for _, c := range []struct {
		share       float64
		n, capacity int
		want        int
	}{
		{0.5, 10, 100, 5},
		{0.5, 11, 100, 6}, // 5.5 rounds up
		{0.33, 10, 100, 3},
		{1, 10, 4, 4}, // the bid's capacity caps it
		{0.25, 0, 100, 0},
	} {
		if got := AwardCapacity(c.share, c.n, c.capacity); got != c.want {
			t.Errorf("AwardCapacity(%v, %d, %d) = %d, want %d", c.share, c.n, c.capacity, got, c.want)
		}
	}
}
