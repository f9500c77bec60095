package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
)

// TenderSummary is what agencies see of a tendered portfolio: counts and
// mixes, never a debtor.
type TenderSummary struct {
	Accounts     int              `json:"accounts"`
	BalanceCents int64            `json:"balance_cents"`
	ByBucket     map[string]int   `json:"by_bucket"`
	BalanceByBkt map[string]int64 `json:"balance_by_bucket"`
	ByProvince   map[string]int   `json:"by_province"`
	AvgBalance   int64            `json:"avg_balance_cents"`
}

// Tender is a published invitation to bid.
type Tender struct {
	ID          string        `json:"id"`
	LenderID    string        `json:"lender_id"`
	LenderName  string        `json:"lender_name"`
	PortfolioID string        `json:"portfolio_id,omitempty"`
	Title       string        `json:"title"`
	Status      string        `json:"status"`
	Summary     TenderSummary `json:"summary"`
	ClosesAt    time.Time     `json:"closes_at"`
	CreatedAt   time.Time     `json:"created_at"`
	AwardedAt   *time.Time    `json:"awarded_at"`
	Agencies    []string      `json:"eligible_agency_ids,omitempty"`
	Bids        []Bid         `json:"bids,omitempty"` // the lender sees all; an agency its own
}

// Bid is an agency's offer on a tender.
type Bid struct {
	ID                    string    `json:"id"`
	TenderID              string    `json:"tender_id"`
	AgencyID              string    `json:"agency_id"`
	AgencyName            string    `json:"agency_name"`
	FeeRateBP             int       `json:"fee_rate_bp"`
	ExpectedLiquidationBP int       `json:"expected_liquidation_bp"`
	Capacity              int       `json:"capacity"`
	Note                  string    `json:"note"`
	Status                string    `json:"status"`
	AwardedCount          int       `json:"awarded_count"`
	CreatedAt             time.Time `json:"created_at"`
}

// TenderInput publishes a tender.
type TenderInput struct {
	PortfolioID string    `json:"portfolio_id"`
	Title       string    `json:"title"`
	ClosesAt    time.Time `json:"closes_at"`
	AgencyIDs   []string  `json:"agency_ids"` // eligible agencies; empty = every agency in contract
}

// Validate checks the input against the clock.
func (in TenderInput) Validate(now time.Time) error {
	var f []collect.FieldError
	if in.PortfolioID == "" {
		f = append(f, collect.Field("portfolio_id", "err.tender.required"))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Title)); n == 0 || n > 200 {
		f = append(f, collect.Field("title", "err.tender.title_length"))
	}
	if !in.ClosesAt.After(now) || in.ClosesAt.After(now.AddDate(0, 6, 0)) {
		f = append(f, collect.Field("closes_at", "err.tender.closes_at"))
	}
	return allocation.FieldErrors(f)
}

type tenderRow struct {
	ID, LenderID, PortfolioID, Title, Status, Summary, AccountIDs, CreatedBy string
	ClosesAt, CreatedAt                                                      time.Time
	AwardedAt                                                                *time.Time
	LenderName                                                               string `gorm:"->"`
}

func (r tenderRow) tender() Tender {
	t := Tender{ID: r.ID, LenderID: r.LenderID, LenderName: r.LenderName, PortfolioID: r.PortfolioID, Title: r.Title, Status: r.Status,
		ClosesAt: r.ClosesAt, CreatedAt: r.CreatedAt, AwardedAt: r.AwardedAt}
	_ = json.Unmarshal([]byte(r.Summary), &t.Summary)
	return t
}

// Summarise builds the anonymised summary of candidates.
func Summarise(cands []allocation.Candidate) TenderSummary {
	s := TenderSummary{ByBucket: map[string]int{}, BalanceByBkt: map[string]int64{}, ByProvince: map[string]int{}}
	for _, c := range cands {
		s.Accounts++
		s.BalanceCents += c.BalanceCents
		s.ByBucket[c.Bucket]++
		s.BalanceByBkt[c.Bucket] += c.BalanceCents
		s.ByProvince[c.Province]++
	}
	if s.Accounts > 0 {
		s.AvgBalance = s.BalanceCents / int64(s.Accounts)
	}
	return s
}

// CreateTender publishes the portfolio's placeable accounts (open, unplaced,
// with no exclusion flag) to the eligible agencies as an anonymised summary.
func (s *Store) CreateTender(ctx context.Context, a collect.Actor, in TenderInput) (Tender, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return Tender{}, err
	}
	if _, err := s.Portfolio(ctx, a, in.PortfolioID); err != nil {
		return Tender{}, err
	}
	cands, err := s.candidates(ctx, s.db, a.OrgID, in.PortfolioID)
	if err != nil {
		return Tender{}, err
	}
	kept := cands[:0]
	ids := make([]string, 0, len(cands))
	for _, c := range cands {
		if !c.Excluded() {
			kept = append(kept, c)
			ids = append(ids, c.AccountID)
		}
	}
	if len(kept) == 0 {
		return Tender{}, collect.E(collect.ECONFLICT, "err.tender.nothing_placeable")
	}
	targets, err := s.agencyTargets(ctx, s.db, a.OrgID)
	if err != nil {
		return Tender{}, err
	}
	var eligible []string
	for _, t := range targets {
		if t.Active && (len(in.AgencyIDs) == 0 || contains(in.AgencyIDs, t.AgencyID)) {
			eligible = append(eligible, t.AgencyID)
		}
	}
	for _, id := range in.AgencyIDs {
		if !contains(eligible, id) {
			return Tender{}, collect.E(collect.EINVALID, "err.tender.agency_not_eligible").
				WithFields(collect.Field("agency_ids", "err.tender.not_eligible", "agency", id))
		}
	}
	if len(eligible) == 0 {
		return Tender{}, collect.E(collect.ECONFLICT, "err.tender.no_agency")
	}
	sum, _ := json.Marshal(Summarise(kept))
	idsJSON, _ := json.Marshal(ids)
	row := tenderRow{ID: uuid.Must(uuid.NewV7()).String(), LenderID: a.OrgID, PortfolioID: in.PortfolioID, Title: strings.TrimSpace(in.Title),
		Status: "open", Summary: string(sum), AccountIDs: string(idsJSON), CreatedBy: a.UserID, ClosesAt: in.ClosesAt.UTC(), CreatedAt: now}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("tenders").Omit("LenderName").Create(&row).Error; err != nil {
			return err
		}
		for _, ag := range eligible {
			if err := tx.Exec("INSERT INTO tender_agencies (tender_id, agency_id) VALUES (?, ?)", row.ID, ag).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "tender.publish", ObjectType: "tender", ObjectID: row.ID, LenderID: a.OrgID,
			After: map[string]any{"accounts": len(ids), "agencies": eligible, "closes_at": row.ClosesAt}})
	})
	if err != nil {
		return Tender{}, err
	}
	t := row.tender()
	t.Agencies = eligible
	t.LenderName = a.OrgName
	return t, nil
}

// ListTenders returns the tenders in the actor's scope, newest first.
func (s *Store) ListTenders(ctx context.Context, a collect.Actor, p Page) ([]Tender, int64, error) {
	rows, total, err := s.ListTenderRows(ctx, a, p)
	out := make([]Tender, len(rows))
	for i, r := range rows {
		out[i] = r.Tender
	}
	return out, total, err
}

// TenderListRow is a tender as the tender list shows it: with the number of
// bids the actor may see (the lender every bid, an agency its own) and the
// agency's own bid.
type TenderListRow struct {
	Tender
	BidCount int
	MyBid    *Bid // an agency's own bid; nil for none, and for a lender
}

// ListTenderRows returns the tenders in the actor's scope, newest first,
// with their bid figures, in one query (not one per tender).
func (s *Store) ListTenderRows(ctx context.Context, a collect.Actor, p Page) ([]TenderListRow, int64, error) {
	q := s.db.WithContext(ctx).Table("tenders").Scopes(tenderScope(a))
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p = p.Normal()
	// The bids counted are those the actor may see, as in Tender; the
	// agency's own bid is joined (one at most: bids are unique per tender
	// and agency), and a lender's join matches none.
	count := "(SELECT COUNT(*) FROM bids cb WHERE cb.tender_id = tenders.id) AS bid_count"
	if a.OrgKind != collect.KindLender {
		count = "CASE WHEN mb.id IS NULL THEN 0 ELSE 1 END AS bid_count"
	}
	var rows []struct {
		Tender                                           tenderRow `gorm:"embedded"` // gorm skips an unexported embedded struct
		BidCount                                         int
		MyBidID                                          *string
		MyFeeRateBP, MyExpectedLiquidationBP, MyCapacity *int
		MyAwardedCount                                   *int
		MyStatus, MyNote                                 *string
		MyCreatedAt                                      *time.Time
	}
	myAgency := a.OrgID
	if a.OrgKind == collect.KindLender {
		myAgency = "" // a lender has no bid of its own
	}
	err := q.Select("tenders.*, o.name AS lender_name, "+count+", mb.id AS my_bid_id, mb.fee_rate_bp AS my_fee_rate_bp, "+
		"mb.expected_liquidation_bp AS my_expected_liquidation_bp, mb.capacity AS my_capacity, mb.awarded_count AS my_awarded_count, "+
		"mb.status AS my_status, mb.note AS my_note, mb.created_at AS my_created_at").
		Joins("JOIN organisations o ON o.id = tenders.lender_id").
		Joins("LEFT JOIN bids mb ON mb.tender_id = tenders.id AND mb.agency_id = ?", myAgency).
		Order("tenders.created_at DESC, tenders.id").Offset(p.offset()).Limit(p.PerPage).Scan(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	out := make([]TenderListRow, len(rows))
	for i, r := range rows {
		out[i] = TenderListRow{Tender: r.Tender.tender(), BidCount: r.BidCount}
		if a.OrgKind != collect.KindLender {
			out[i].PortfolioID = ""
		}
		if r.MyBidID != nil {
			out[i].MyBid = &Bid{ID: *r.MyBidID, TenderID: r.Tender.ID, AgencyID: a.OrgID, AgencyName: a.OrgName, FeeRateBP: derefInt(r.MyFeeRateBP),
				ExpectedLiquidationBP: derefInt(r.MyExpectedLiquidationBP), Capacity: derefInt(r.MyCapacity), AwardedCount: derefInt(r.MyAwardedCount),
				Status: deref(r.MyStatus), Note: deref(r.MyNote)}
			if r.MyCreatedAt != nil {
				out[i].MyBid.CreatedAt = *r.MyCreatedAt
			}
		}
	}
	return out, total, nil
}

func derefInt(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// Tender returns one tender in the actor's scope: the lender sees every bid
// side by side, an agency only its own.
func (s *Store) Tender(ctx context.Context, a collect.Actor, id string) (Tender, error) {
	var row tenderRow
	err := s.db.WithContext(ctx).Table("tenders").Scopes(tenderScope(a)).Select("tenders.*, o.name AS lender_name").
		Joins("JOIN organisations o ON o.id = tenders.lender_id").Where("tenders.id = ?", id).Take(&row).Error
	if err != nil {
		return Tender{}, notFound(err, "tender")
	}
	t := row.tender()
	bq := s.db.WithContext(ctx).Table("bids b").Select("b.*, o.name AS agency_name").Joins("JOIN organisations o ON o.id = b.agency_id").
		Where("b.tender_id = ?", id).Order("b.fee_rate_bp, b.created_at")
	if a.OrgKind == collect.KindLender {
		_ = s.db.WithContext(ctx).Table("tender_agencies").Where("tender_id = ?", id).Pluck("agency_id", &t.Agencies)
	} else {
		t.PortfolioID = ""
		bq = bq.Where("b.agency_id = ?", a.OrgID)
	}
	err = bq.Scan(&t.Bids).Error
	return t, err
}

// BidInput is an agency's bid.
type BidInput struct {
	FeeRateBP             int    `json:"fee_rate_bp"`
	ExpectedLiquidationBP int    `json:"expected_liquidation_bp"`
	Capacity              int    `json:"capacity"`
	Note                  string `json:"note"`
}

// Validate checks the bid's figures (allocation.CheckBid).
func (in BidInput) Validate() error {
	return allocation.FieldErrors(allocation.CheckBid(allocation.BidTerms{FeeRateBP: in.FeeRateBP,
		ExpectedLiquidationBP: in.ExpectedLiquidationBP, Capacity: in.Capacity, Note: in.Note}))
}

// PlaceBid records (or revises) the actor's agency's bid on an open tender
// it was invited to, before it closes.
func (s *Store) PlaceBid(ctx context.Context, a collect.Actor, tenderID string, in BidInput) (Bid, error) {
	if err := in.Validate(); err != nil {
		return Bid{}, err
	}
	t, err := s.Tender(ctx, a, tenderID)
	if err != nil {
		return Bid{}, err
	}
	now := s.now()
	if err := allocation.TenderTakesBids(t.Status, t.ClosesAt, now); err != nil {
		return Bid{}, err
	}
	b := Bid{ID: uuid.Must(uuid.NewV7()).String(), TenderID: tenderID, AgencyID: a.OrgID, AgencyName: a.OrgName, FeeRateBP: in.FeeRateBP,
		ExpectedLiquidationBP: in.ExpectedLiquidationBP, Capacity: in.Capacity, Note: strings.TrimSpace(in.Note), Status: "submitted", CreatedAt: now}
	err = s.inTx(ctx, func(tx *gorm.DB) error {
		var prev Bid
		err := tx.Table("bids").Where("tender_id = ? AND agency_id = ?", tenderID, a.OrgID).Take(&prev).Error
		cols := map[string]any{"fee_rate_bp": b.FeeRateBP, "expected_liquidation_bp": b.ExpectedLiquidationBP, "capacity": b.Capacity, "note": b.Note, "created_at": now}
		switch {
		case err == nil:
			b.ID = prev.ID
			if err := tx.Table("bids").Where("id = ?", prev.ID).Updates(cols).Error; err != nil {
				return err
			}
		case errors.Is(err, gorm.ErrRecordNotFound):
			cols["id"], cols["tender_id"], cols["agency_id"], cols["status"], cols["created_by"] = b.ID, tenderID, a.OrgID, "submitted", a.UserID
			if err := tx.Table("bids").Create(cols).Error; err != nil {
				return err
			}
		default:
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "tender.bid", ObjectType: "tender", ObjectID: tenderID, LenderID: t.LenderID,
			After: map[string]any{"fee_rate_bp": in.FeeRateBP, "expected_liquidation_bp": in.ExpectedLiquidationBP, "capacity": in.Capacity,
				"note_sha256": textDigest(in.Note)}})
	})
	return b, err
}

// Award is one awarded bid and its share of the accounts.
type Award struct {
	BidID string  `json:"bid_id"`
	Share float64 `json:"share"`
}

// AwardInput awards a tender whole (one bid, share 1) or split.
type AwardInput struct {
	Awards []Award `json:"awards"`
	Seed   int64   `json:"seed"`
}

// shares is the awards as allocation reads them.
func (in AwardInput) shares() []allocation.AwardShare {
	out := make([]allocation.AwardShare, len(in.Awards))
	for i, aw := range in.Awards {
		out[i] = allocation.AwardShare{BidID: aw.BidID, Share: aw.Share}
	}
	return out
}

// Validate checks the shares (allocation.CheckAwards).
func (in AwardInput) Validate() error { return allocation.CheckAwards(in.shares(), nil) }

// AwardTender splits the tender's still-placeable accounts among the awarded
// bids in proportion to their shares, within each bid's capacity and the
// agency's licences, stratified so each gets a comparable mix, and places them
// at once (active, at the bid's fee). The other bids lose.
func (s *Store) AwardTender(ctx context.Context, a collect.Actor, tenderID string, in AwardInput) (Tender, error) {
	if err := in.Validate(); err != nil {
		return Tender{}, err
	}
	t, err := s.Tender(ctx, a, tenderID)
	if err != nil {
		return Tender{}, err
	}
	if err := allocation.TenderAwardable(t.Status); err != nil {
		return Tender{}, err
	}
	bids := map[string]Bid{}
	for _, b := range t.Bids {
		bids[b.ID] = b
	}
	if err := allocation.CheckAwards(in.shares(), func(id string) bool { _, ok := bids[id]; return ok }); err != nil {
		return Tender{}, err
	}
	weights := map[string]float64{}
	var awarded []Bid
	for _, aw := range in.Awards {
		b := bids[aw.BidID]
		weights[b.AgencyID] = aw.Share
		awarded = append(awarded, b)
	}
	var row tenderRow
	if err := s.db.WithContext(ctx).Table("tenders").Where("id = ?", tenderID).Take(&row).Error; err != nil {
		return Tender{}, err
	}
	var tendered []string
	_ = json.Unmarshal([]byte(row.AccountIDs), &tendered)
	inTender := uniq(tendered)
	all, err := s.candidates(ctx, s.db, a.OrgID, row.PortfolioID)
	if err != nil {
		return Tender{}, err
	}
	cands := all[:0]
	for _, c := range all {
		if inTender[c.AccountID] {
			cands = append(cands, c)
		}
	}
	targets, err := s.agencyTargets(ctx, s.db, a.OrgID)
	if err != nil {
		return Tender{}, err
	}
	// A share is of the tendered accounts: a bid awarded 50% gets at most
	// half of them (and never more than the capacity it bid).
	shareOf := map[string]float64{}
	for _, aw := range in.Awards {
		shareOf[bids[aw.BidID].AgencyID] = aw.Share
	}
	var bidTargets []allocation.AgencyTarget
	for _, b := range awarded {
		for _, tg := range targets {
			if tg.AgencyID == b.AgencyID {
				tg.Capacity = allocation.AwardCapacity(shareOf[b.AgencyID], len(cands), b.Capacity)
				tg.FeeBPByBucket = map[string]int{}
				for _, bk := range allocation.BucketNames() {
					tg.FeeBPByBucket[bk] = b.FeeRateBP
				}
				bidTargets = append(bidTargets, tg)
			}
		}
	}
	plan, err := allocation.BuildPlan(cands, bidTargets, allocation.PlanParams{Strategy: allocation.StrategyPerformanceWeighted, Weights: weights}, in.Seed)
	if err != nil {
		return Tender{}, err
	}
	now := s.now()
	counts := map[string]int{}
	err = s.inBulkTx(ctx, func(b *bulkTx) error {
		res := b.Table("tenders").Where("id = ? AND status = 'open'", tenderID).Updates(map[string]any{"status": "awarded", "awarded_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.tender.awarded_meanwhile")
		}
		terms := map[string]int{}
		cols := []string{"id", "account_id", "agency_id", "lender_id", "status", "fee_rate_bp", "created_at", "starts_at", "ends_at", "bucket", "balance_cents", "source", "accepted_at"}
		rows := make([][]any, 0, len(plan.Assignments))
		for _, as := range plan.Assignments {
			days, ok := terms[as.AgencyID]
			if !ok {
				c, err := contractFor(b.DB, a.OrgID, as.AgencyID)
				if err != nil {
					return err
				}
				days, terms[as.AgencyID] = c.TermDays, c.TermDays
			}
			rows = append(rows, []any{uuid.Must(uuid.NewV7()).String(), as.AccountID, as.AgencyID, a.OrgID, allocation.PlacementActive,
				as.FeeRateBP, now, now, now.Add(time.Duration(days) * 24 * time.Hour), as.Bucket, as.BalanceCents, "tender:" + tenderID, now})
			counts[as.AgencyID]++
		}
		if err := b.copyRows(ctx, "placements", cols, rows, ""); err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(err.Error(), "placements_one_") || strings.Contains(strings.ToLower(err.Error()), "unique") {
				return collect.E(collect.ECONFLICT, "err.tender.placed_meanwhile")
			}
			return err
		}
		placedBal := map[string]int64{}
		for _, as := range plan.Assignments {
			placedBal[as.AgencyID] += as.BalanceCents
		}
		for ag, n := range counts {
			if err := statDelta(b.DB, a.OrgID, ag, now, map[string]int64{"placed_accounts": int64(n), "placed_balance_cents": placedBal[ag]}); err != nil {
				return err
			}
		}
		for _, bd := range t.Bids {
			status := "lost"
			if _, ok := weights[bd.AgencyID]; ok {
				status = "awarded"
			}
			if err := b.Table("bids").Where("id = ?", bd.ID).Updates(map[string]any{"status": status, "awarded_count": counts[bd.AgencyID]}).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(b.DB, a, auditRecord{Action: "tender.award", ObjectType: "tender", ObjectID: tenderID, LenderID: a.OrgID,
			After: map[string]any{"placed": counts, "unplaced": len(plan.Unassigned)}})
	})
	if err != nil {
		return Tender{}, err
	}
	return s.Tender(ctx, a, tenderID)
}
