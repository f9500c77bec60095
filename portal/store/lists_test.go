package store_test

import (
	"collect"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// TestUpdateBreachAnswersTheBreachUpdated: with more breaches than a list
// page holds, the breach answered is the one updated (it was once looked
// for among the 50 newest and, when older, made up from the input).
func TestUpdateBreachAnswersTheBreachUpdated(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		supA := actorFor(t, s, "supervisor@agency-a.test")
		acc := agencyAccount(t, s, supA)
		now := time.Now().UTC()
		var oldest string
		for i := range 60 {
			id := uuid.Must(uuid.NewV7()).String()
			if i == 0 {
				oldest = id
			}
			// The first is the oldest, so the newest 50 leave it out.
			at := now.Add(-time.Duration(60-i) * time.Hour)
			if _, err := s.DB().Exec(`INSERT INTO breaches (id, lender_id, agency_id, account_id, rule, severity, source, source_id, message, occurred_at, detected_at, updated_at)
				VALUES ($1, $2, $3, $4, 'cn.quiet_hours', 'medium', 'detector', $5, $6, $7, $7, $7)`,
				id, vm.OrgID, supA.OrgID, acc.ID, "test-"+id, fmt.Sprintf("test breach %d", i), at); err != nil {
				t.Fatal(err)
			}
		}
		if _, total, err := s.ListBreaches(ctx, vm, store.BreachFilter{}); err != nil || total <= 50 {
			t.Fatalf("%d breaches, %v", total, err)
		}
		b, err := s.UpdateBreach(ctx, vm, oldest, "remediated", "外呼时段已修正")
		if err != nil {
			t.Fatal(err)
		}
		if b.ID != oldest || b.Status != "remediated" || b.Remediation != "外呼时段已修正" || b.Message != "test breach 0" ||
			b.AgencyID != supA.OrgID || b.AgencyName == "" || b.ExternalRef != acc.ExternalRef || b.OccurredAt.IsZero() {
			t.Fatalf("answered %+v", b)
		}
		t.Run("ErrNotInScope", func(t *testing.T) {
			agentB := actorFor(t, s, "agent@agency-b.test")
			if _, err := s.UpdateBreach(ctx, agentB, oldest, "dismissed", ""); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("agency B updating A's breach: %v", err)
			}
			if _, err := s.Breach(ctx, agentB, oldest); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Fatalf("agency B reading A's breach: %v", err)
			}
		})
	})
}

// TestListTenderRowsCountsTheBidsInScope: the list's bid figures, read in
// the list query, are those Tender shows the same actor.
func TestListTenderRowsCountsTheBidsInScope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		supA := actorFor(t, s, "supervisor@agency-a.test")
		agentB := actorFor(t, s, "agent@agency-b.test")
		rows, total, err := s.ListTenderRows(ctx, supA, store.Page{})
		if err != nil || len(rows) != 1 || total != 1 || rows[0].BidCount != 0 || rows[0].MyBid != nil {
			t.Fatalf("agency A's tenders before bidding: %+v %d %v", rows, total, err)
		}
		td := rows[0]
		bidA, err := s.PlaceBid(ctx, supA, td.ID, store.BidInput{FeeRateBP: 1500, ExpectedLiquidationBP: 1400, Capacity: 300})
		if err != nil {
			t.Fatal(err)
		}
		// The demo data holds agency B's bid already: the lender now sees two.
		for _, a := range []collect.Actor{vm, supA, agentB} {
			rows, _, err := s.ListTenderRows(ctx, a, store.Page{})
			if err != nil || len(rows) != 1 {
				t.Fatalf("%s: %+v %v", a.OrgName, rows, err)
			}
			full, err := s.Tender(ctx, a, td.ID)
			if err != nil {
				t.Fatal(err)
			}
			r := rows[0]
			if r.BidCount != len(full.Bids) {
				t.Fatalf("%s: the list counts %d bids, the tender shows %d", a.OrgName, r.BidCount, len(full.Bids))
			}
			switch {
			case a.OrgKind == collect.KindLender:
				if r.MyBid != nil || r.BidCount != 2 || r.PortfolioID == "" {
					t.Fatalf("the lender's row %+v", r)
				}
			case r.MyBid == nil || r.MyBid.ID != full.Bids[0].ID || r.MyBid.FeeRateBP != full.Bids[0].FeeRateBP ||
				r.MyBid.Capacity != full.Bids[0].Capacity || r.PortfolioID != "":
				t.Fatalf("%s's row %+v, own bid %+v", a.OrgName, r, full.Bids[0])
			}
		}
		rowsA, _, _ := s.ListTenderRows(ctx, supA, store.Page{})
		if rowsA[0].MyBid.ID != bidA.ID || rowsA[0].MyBid.Capacity != 300 || rowsA[0].MyBid.AgencyID != supA.OrgID {
			t.Fatalf("agency A's own bid %+v", rowsA[0].MyBid)
		}
	})
}
