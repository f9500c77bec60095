package allocation

// The rules of a tender (DESIGN.md: the market): when it takes bids, what a
// bid may say, and how it is awarded. Pure: the store loads the tender,
// calls these and writes.

import (
	"collect"
	"time"
	"unicode/utf8"
)

// Tender statuses.
const (
	TenderOpen    = "open"
	TenderAwarded = "awarded"
)

// TenderTakesBids says whether a tender in status closing at closesAt takes
// a bid at now: open, and not past its closing time (a bid at the closing
// instant is in time). nil when it does.
func TenderTakesBids(status string, closesAt, now time.Time) error {
	if status != TenderOpen || now.After(closesAt) {
		return collect.E(collect.ECONFLICT, "err.tender.closed")
	}
	return nil
}

// TenderAwardable says whether a tender in status may be awarded: only an
// open one. nil when it may.
func TenderAwardable(status string) error {
	if status != TenderOpen {
		return collect.E(collect.ECONFLICT, "err.tender.not_open", "status", status)
	}
	return nil
}

// Bid limits.
const (
	BidMaxBP       = 10000
	BidMaxCapacity = 10_000_000
	BidNoteMax     = 1000
)

// BidTerms are what an agency offers.
type BidTerms struct {
	FeeRateBP, ExpectedLiquidationBP, Capacity int
	Note                                       string
}

// CheckBid names each field of a bid out of bounds: rates 0..10000 basis
// points, capacity 1..10,000,000 accounts, a note of at most 1,000
// characters. nil when the bid is valid.
func CheckBid(b BidTerms) []collect.FieldError {
	var f []collect.FieldError
	if b.FeeRateBP < 0 || b.FeeRateBP > BidMaxBP {
		f = append(f, collect.Field("fee_rate_bp", "err.tender.bp_range"))
	}
	if b.ExpectedLiquidationBP < 0 || b.ExpectedLiquidationBP > BidMaxBP {
		f = append(f, collect.Field("expected_liquidation_bp", "err.tender.bp_range"))
	}
	if b.Capacity < 1 || b.Capacity > BidMaxCapacity {
		f = append(f, collect.Field("capacity", "err.tender.capacity_range"))
	}
	if utf8.RuneCountInString(b.Note) > BidNoteMax {
		f = append(f, collect.Field("note", "err.tender.note_long", "max", "1,000"))
	}
	return f
}

// AwardShare is one bid awarded and its share of the tendered accounts.
type AwardShare struct {
	BidID string
	Share float64
}

// CheckAwards says whether the awards may stand: at least one, each share
// above 0 and at most 1, no bid twice, the shares adding up to at most 1
// (to within 0.0001), and each bid one received on the tender (onTender).
func CheckAwards(awards []AwardShare, onTender func(bidID string) bool) error {
	if len(awards) == 0 {
		return collect.E(collect.EINVALID, "err.tender.award_none").WithFields(collect.Field("awards", "err.tender.required"))
	}
	total := 0.0
	seen := map[string]bool{}
	for _, aw := range awards {
		if aw.Share <= 0 || aw.Share > 1 {
			return collect.E(collect.EINVALID, "err.tender.share_range")
		}
		if seen[aw.BidID] {
			return collect.E(collect.EINVALID, "err.tender.awarded_twice", "bid", aw.BidID)
		}
		seen[aw.BidID] = true
		total += aw.Share
	}
	if total > 1.0001 {
		return collect.E(collect.EINVALID, "err.tender.shares_over_one")
	}
	for _, aw := range awards {
		if onTender != nil && !onTender(aw.BidID) {
			return collect.E(collect.EINVALID, "err.tender.bid_not_on_tender").WithFields(collect.Field("awards", "err.tender.bid_id", "bid", aw.BidID))
		}
	}
	return nil
}

// AwardCapacity is how many of n tendered accounts a bid awarded share may
// take: its share of them, rounded half up, and never more than the
// capacity it bid.
func AwardCapacity(share float64, n, bidCapacity int) int {
	return min(bidCapacity, int(share*float64(n)+0.5))
}
