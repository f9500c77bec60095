package store

import (
	"collect"
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"collect/allocation"
	"collect/casework"
	"collect/casework/earlywarning"
)

// BulkLoadBook writes a generated book straight into the tables, through the
// bulk path (COPY on PostgreSQL, batched statements on SQLite), for
// benchmarks and load tests: n accounts in one portfolio of the lender, each
// placed (accepted) with one of the agencies, perAccount contacts over the
// last six months, and a payment on one account in five; each account's
// queue priority is computed as the store keeps it (priority.go). The
// oversight counters are not touched: call RebuildStats after. The
// dashboard's counters (account_counts) are kept by the database's
// triggers as the rows go in, so they need no RebuildCounters.
func (s *Store) BulkLoadBook(ctx context.Context, lenderID string, agencies []string, n, perAccount int, rng *rand.Rand) error {
	return s.BulkLoadBookWith(ctx, lenderID, BookShape{Agencies: agencies}, n, perAccount, rng)
}

// BookShape is how BulkLoadBookWith spreads a book over agencies and
// their collectors. The zero value of each optional field leaves that part
// out (and the random stream as BulkLoadBook draws it).
type BookShape struct {
	Agencies []string
	// Weights, when given, share the accounts between the agencies in
	// these proportions (account i goes by i modulo their sum); else
	// round robin.
	Weights []int
	// Collectors of an agency are given its accounts in turn
	// (accounts.assigned_to).
	Collectors map[string][]string
	// One account in ActionEvery has a next action scheduled within a
	// week either side of now.
	ActionEvery int
	// One account in PromiseEvery has a live promise with its one
	// instalment due between 3 days ago and 10 days on; every other one of
	// them also a break score, and one in ten such arrangements broke
	// last week instead.
	PromiseEvery int
}

// agencyOf is the agency of account i.
func (b BookShape) agencyOf(i int) string {
	if len(b.Weights) != len(b.Agencies) {
		return b.Agencies[i%len(b.Agencies)]
	}
	sum := 0
	for _, w := range b.Weights {
		sum += w
	}
	k := i % sum
	for j, w := range b.Weights {
		if k < w {
			return b.Agencies[j]
		}
		k -= w
	}
	return b.Agencies[0]
}

// BulkLoadBookWith is BulkLoadBook with the book spread as shape says.
func (s *Store) BulkLoadBookWith(ctx context.Context, lenderID string, shape BookShape, n, perAccount int, rng *rand.Rand) error {
	now := s.now()
	key, err := s.searchKey(ctx)
	if err != nil {
		return err
	}
	portfolio := uuid.Must(uuid.NewV7()).String()
	if err := s.db.WithContext(ctx).Table("portfolios").Create(map[string]any{"id": portfolio, "lender_id": lenderID, "name": "bulk",
		"currency": "CNY", "imported_at": now}).Error; err != nil {
		return err
	}
	const batch = 20000
	accCols := []string{"id", "lender_id", "portfolio_id", "external_ref", "debtor_name", "national_id", "phone", "province", "principal_cents",
		"balance_cents", "due_date", "dpd", "bucket", "stage", "created_at", "updated_at", "verification_complete",
		"national_id_key", "phone_key", "agency_id", "priority_value", "assigned_to", "next_action_at", "debtor_key"}
	plCols := []string{"id", "account_id", "agency_id", "lender_id", "status", "fee_rate_bp", "created_at", "starts_at", "ends_at", "accepted_at", "bucket", "balance_cents"}
	ctCols := []string{"id", "account_id", "lender_id", "agency_id", "placement_id", "collector_id", "channel", "party", "direction", "at", "outcome", "created_at"}
	cmCols := []string{"id", "payment_id", "placement_id", "agency_id", "lender_id", "account_id", "bucket", "rate_bp", "payment_cents", "amount_cents", "month", "accrued_at"}
	arCols := []string{"id", "account_id", "lender_id", "agency_id", "kind", "status", "amount_cents", "instalments", "first_due", "maker_id", "created_at"}
	aiCols := []string{"arrangement_id", "n", "due_date", "amount_cents", "status"}
	scCols := []string{"account_id", "kind", "lender_id", "arrangement_id", "score", "model_id", "scored_at"}
	turn := map[string]int{} // the next collector of each agency
	payCols := []string{"id", "account_id", "lender_id", "amount_cents", "currency", "paid_at", "reference", "source", "recorded_by", "created_at",
		"channel", "agency_id", "paid_on", "confirmed_at", "confirmed_by_feed"}
	outcomes := []string{"no_answer", "no_answer", "busy", "right_party_contact", "promise", "left_message", "wrong_number", "right_party_contact"}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		var acc, pl, ct, cm, pay, ar, ai, sc [][]any
		for i := lo; i < hi; i++ {
			id := uuid.Must(uuid.NewV7()).String()
			dpd := 1 + rng.IntN(400)
			balance := int64(100000 + rng.IntN(5000000))
			bucket := allocation.Bucket(dpd, allocation.DefaultBands)
			agency := shape.agencyOf(i)
			collector := ""
			if cs := shape.Collectors[agency]; len(cs) > 0 {
				collector = cs[turn[agency]%len(cs)]
				turn[agency]++
			}
			var next *time.Time
			if shape.ActionEvery > 0 && i%shape.ActionEvery == 0 {
				t := now.Add(time.Duration(rng.Int64N(int64(14*24*time.Hour))) - 7*24*time.Hour)
				next = &t
			}
			const stage = casework.StageNegotiation
			name, nationalID, phone := bulkIdentity(i)
			// agency_id is the active placement's, written here so the
			// placements' trigger finds it set and writes nothing.
			acc = append(acc, []any{id, lenderID, portfolio, fmt.Sprintf("BULK-%s-%09d", portfolio[len(portfolio)-12:], i), name, nationalID, phone, "北京市",
				balance, balance, now.AddDate(0, 0, -dpd).Format(time.DateOnly), dpd, bucket, stage, now, now, true,
				identityKey(key, "national_id", nationalID), identityKey(key, "phone", phone), agency,
				priorityValue(casework.QueueItem{DPD: dpd, BalanceCents: balance, Stage: stage}), collector, next,
				debtorKey(key, nationalID, "", name, allocation.ConductProfileChina)})
			if shape.PromiseEvery > 0 && i%shape.PromiseEvery == 0 {
				arID := uuid.Must(uuid.NewV7()).String()
				due := now.AddDate(0, 0, rng.IntN(14)-3).Format(time.DateOnly)
				status, instalment := "active", "pending"
				if (i/shape.PromiseEvery)%10 == 9 {
					due = now.AddDate(0, 0, -7+rng.IntN(5)).Format(time.DateOnly)
					status, instalment = "broken", "broken"
				}
				ar = append(ar, []any{arID, id, lenderID, agency, "promise", status, balance / 4, 1, due, "bulk", now})
				ai = append(ai, []any{arID, 1, due, balance / 4, instalment})
				if status == "active" && (i/shape.PromiseEvery)%2 == 0 {
					sc = append(sc, []any{id, earlywarning.KindArrangementBreak, lenderID, arID, rng.Float64(), "bulk", now})
				}
			}
			placed := now.AddDate(0, -rng.IntN(6), -1-rng.IntN(28))
			plID := uuid.Must(uuid.NewV7()).String()
			pl = append(pl, []any{plID, id, agency, lenderID, "active", 1500, placed, placed, placed.AddDate(0, 0, 365), placed, bucket, balance})
			span := now.Sub(placed)
			for k := 0; k < perAccount; k++ {
				at := placed.Add(time.Duration(rng.Int64N(int64(span))))
				ct = append(ct, []any{uuid.Must(uuid.NewV7()).String(), id, lenderID, agency, plID, "bulk", "call", "debtor", "outbound", at,
					outcomes[rng.IntN(len(outcomes))], at})
			}
			if rng.IntN(5) == 0 {
				amount := balance / int64(2+rng.IntN(8))
				at := placed.Add(time.Duration(rng.Int64N(int64(span))))
				payID := uuid.Must(uuid.NewV7()).String()
				// A report the lender's feed confirmed: commission in the payer's month.
				day := at.In(collect.China).Format(time.DateOnly)
				pay = append(pay, []any{payID, id, lenderID, amount, "CNY", at, "BULK-" + payID, "agency", "bulk", at,
					"agency_reported_direct", agency, day, at, true})
				cm = append(cm, []any{uuid.Must(uuid.NewV7()).String(), payID, plID, agency, lenderID, id, bucket, 1500, amount,
					allocation.Commission(amount, 1500), day[:7], at})
			}
		}
		err := s.inBulkTx(ctx, func(b *bulkTx) error {
			for _, t := range []struct {
				name string
				cols []string
				rows [][]any
			}{{"accounts", accCols, acc}, {"placements", plCols, pl}, {"contacts", ctCols, ct}, {"payments", payCols, pay}, {"commissions", cmCols, cm},
				{"arrangements", arCols, ar}, {"arrangement_instalments", aiCols, ai}, {"account_scores", scCols, sc}} {
				if len(t.rows) == 0 {
					continue
				}
				if err := b.copyRows(ctx, t.name, t.cols, t.rows, ""); err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	s.analyze(ctx, "accounts", "placements", "contacts", "payments", "commissions", "arrangements", "arrangement_instalments", "account_scores")
	return nil
}

var (
	bulkSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	bulkGiven    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰燕鹏辉宇浩凯健俊帆帅旭")
)

// bulkIdentity is the i-th bulk account's debtor name (a surname and one or
// two given characters), a valid identity number and a mobile number, all
// distinct enough that a search by each finds few accounts.
func bulkIdentity(i int) (name, nationalID, phone string) {
	g := len(bulkGiven)
	name = string(bulkSurnames[i%len(bulkSurnames)]) + string(bulkGiven[(i/len(bulkSurnames))%g])
	if (i/len(bulkSurnames)/g)%2 == 1 {
		name += string(bulkGiven[(i/len(bulkSurnames)/g/2)%g])
	}
	day := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%14000)
	first17 := fmt.Sprintf("110105%s%03d", day.Format("20060102"), (i/14000)%1000)
	nationalID = first17 + string(allocation.NationalIDCheck(first17))
	phone = fmt.Sprintf("139%08d", i%100000000)
	return name, nationalID, phone
}
