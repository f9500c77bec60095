package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"collect/allocation"
)

// BulkLoadBook writes a generated book straight into the tables, through the
// bulk path (COPY on PostgreSQL, batched statements on SQLite), for
// benchmarks and load tests: n accounts in one portfolio of the lender, each
// placed (accepted) with one of the agencies, perAccount contacts over the
// last six months, and a payment on one account in five. The counters are not
// touched: call RebuildStats after.
func (s *Store) BulkLoadBook(ctx context.Context, lenderID string, agencies []string, n, perAccount int, rng *rand.Rand) error {
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
		"national_id_key", "phone_key", "agency_id"}
	plCols := []string{"id", "account_id", "agency_id", "lender_id", "status", "fee_rate_bp", "created_at", "starts_at", "ends_at", "accepted_at", "bucket", "balance_cents"}
	ctCols := []string{"id", "account_id", "lender_id", "agency_id", "placement_id", "collector_id", "channel", "party", "direction", "at", "outcome", "created_at"}
	cmCols := []string{"id", "payment_id", "placement_id", "agency_id", "lender_id", "account_id", "bucket", "rate_bp", "payment_cents", "amount_cents", "month", "accrued_at"}
	payCols := []string{"id", "account_id", "lender_id", "amount_cents", "currency", "paid_at", "reference", "source", "recorded_by", "created_at"}
	outcomes := []string{"no_answer", "no_answer", "busy", "right_party_contact", "promise", "left_message", "wrong_number", "right_party_contact"}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		var acc, pl, ct, cm, pay [][]any
		for i := lo; i < hi; i++ {
			id := uuid.Must(uuid.NewV7()).String()
			dpd := 1 + rng.IntN(400)
			balance := int64(100000 + rng.IntN(5000000))
			bucket := allocation.Bucket(dpd, allocation.DefaultBands)
			name, nationalID, phone := bulkIdentity(i)
			agency := agencies[i%len(agencies)]
			// agency_id is the active placement's, written here so the
			// placements' trigger finds it set and writes nothing.
			acc = append(acc, []any{id, lenderID, portfolio, fmt.Sprintf("BULK-%s-%09d", portfolio[len(portfolio)-12:], i), name, nationalID, phone, "北京市",
				balance, balance, now.AddDate(0, 0, -dpd).Format(time.DateOnly), dpd, bucket, "negotiation", now, now, true,
				identityKey(key, "national_id", nationalID), identityKey(key, "phone", phone), agency})
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
				pay = append(pay, []any{payID, id, lenderID, amount, "CNY", at, "BULK-" + payID, "agency", "bulk", at})
				cm = append(cm, []any{uuid.Must(uuid.NewV7()).String(), payID, plID, agency, lenderID, id, bucket, 1500, amount,
					allocation.Commission(amount, 1500), at.Format("2006-01"), at})
			}
		}
		err := s.inBulkTx(ctx, func(b *bulkTx) error {
			for _, t := range []struct {
				name string
				cols []string
				rows [][]any
			}{{"accounts", accCols, acc}, {"placements", plCols, pl}, {"contacts", ctCols, ct}, {"payments", payCols, pay}, {"commissions", cmCols, cm}} {
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
	s.analyze(ctx, "accounts", "placements", "contacts", "payments", "commissions")
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
