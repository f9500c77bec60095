// Package demo decides what the demo data set holds (its organisations,
// logins, portfolios, accounts, their history with the early-warning
// signal, the marketplace, contracts, casework and oversight) and writes it
// through the store's general seeding API.
package demo

import (
	"collect"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"collect/allocation"
	"collect/casework"
	"collect/oversight"
	"collect/policies"
	"collect/portal/demo/debtors"
	"collect/portal/store"
)

// Password is the password of every demo login (API.md).
const Password = "demo-password"

// DemoLogin is one demo user, as printed at start.
type Login struct {
	Email, Organisation, Role string
}

// Logins are the demo users of API.md: the six of the first demo, then
// each organisation's own administrator.
var Logins = []Login{
	{"admin@platform.test", "Collect Platform", collect.RolePlatformAdmin},
	{"vm@demo-bank.test", "Demo Bank", collect.RoleVendorManager},
	{"auditor@demo-bank.test", "Demo Bank", collect.RoleAuditor},
	{"supervisor@agency-a.test", "Agency A", collect.RoleAgencySupervisor},
	{"agent@agency-a.test", "Agency A", collect.RoleCollector},
	{"agent@agency-b.test", "Agency B", collect.RoleCollector},
	{"orgadmin@demo-bank.test", "Demo Bank", collect.RoleOrgAdmin},
	{"orgadmin@agency-a.test", "Agency A", collect.RoleOrgAdmin},
}

// ErrNotEmpty is returned by Seed when the database already has data.
var ErrNotEmpty = store.ErrNotEmpty

// Size says how many accounts each demo portfolio gets.
type Size struct{ Portfolios []int }

// DefaultSize is a few thousand accounts in two portfolios.
var DefaultSize = Size{Portfolios: []int{1800, 1200}}

// Seed fills an empty database with the demo organisations, logins,
// portfolios, accounts and placements. The data is made up: names, ID numbers
// (valid checksums, random digits) and phone numbers are generated.
func Seed(ctx context.Context, s *store.Store, size Size) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(Password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	now := s.Now()
	rng := rand.New(rand.NewPCG(20261127, 1))
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	org := func(kind, name, zh string) collect.Organisation {
		return collect.Organisation{ID: newID(), Kind: kind, Name: name, NameZH: zh, NameEN: name, Status: "active", CreatedAt: now}
	}
	platform := org(collect.KindPlatform, "Collect Platform", "催收外包平台")
	bank := org(collect.KindLender, "Demo Bank", "演示银行")
	agA := org(collect.KindAgency, "Agency A", "甲信催收服务有限公司")
	agB := org(collect.KindAgency, "Agency B", "乙诚资产管理有限公司")
	agC := org(collect.KindAgency, "Agency C", "丙和商务咨询有限公司")
	orgs := []collect.Organisation{platform, bank, agA, agB, agC}
	fees := map[string]map[string]int{agA.ID: demoFeeA, agB.ID: demoFeeB, agC.ID: demoFeeC}
	demoPlacement := func(id string, a allocation.Account, agency, status string, start, ended time.Time, reason string) allocation.Placement {
		p := allocation.Placement{ID: id, AccountID: a.ID, AgencyID: agency, LenderID: a.LenderID, Status: status,
			FeeRateBP: fees[agency][a.Bucket], CreatedAt: start, StartsAt: start, EndsAt: start.AddDate(0, 0, 90), EndReason: reason}
		if !ended.IsZero() {
			p.EndedAt = &ended
		}
		return p
	}
	byName := map[string]string{"Collect Platform": platform.ID, "Demo Bank": bank.ID, "Agency A": agA.ID, "Agency B": agB.ID}
	userNames := map[string]string{
		"admin@platform.test": "平台管理员 Platform Admin", "vm@demo-bank.test": "王敏 Wang Min",
		"auditor@demo-bank.test": "李审 Li Shen", "supervisor@agency-a.test": "赵强 Zhao Qiang",
		"agent@agency-a.test": "陈晓 Chen Xiao", "agent@agency-b.test": "刘洋 Liu Yang",
		"orgadmin@demo-bank.test": "孙立 Sun Li", "orgadmin@agency-a.test": "周敏 Zhou Min",
	}

	flagged := map[string]string{}
	collectorOf := map[string]string{}
	staffNo := map[string]int{}
	var sim demoHistory
	audit := store.SeedAudit{Actor: collect.Actor{OrgID: platform.ID}, Action: "demo.seed", ObjectType: "database", ObjectID: "demo",
		Lender: bank.ID, After: map[string]any{"portfolios": len(size.Portfolios), "organisations": len(orgs)}}
	var lastPortfolio string
	err = s.Seed(ctx, audit, func(tx *store.Seeder) error {
		if err := tx.Organisations(orgs); err != nil {
			return err
		}
		for _, l := range Logins {
			u := collect.User{ID: newID(), OrganisationID: byName[l.Organisation], Email: l.Email, Name: userNames[l.Email],
				PasswordHash: string(hash), TokenVersion: 1, CreatedAt: now}
			if err := tx.User(u, l.Role); err != nil {
				return err
			}
			if l.Role == collect.RoleCollector {
				collectorOf[u.OrganisationID] = u.ID
			}
			// Every demo agency user who contacts debtors is on the roster,
			// registered and trained this year.
			if l.Role == collect.RoleCollector || l.Role == collect.RoleAgencySupervisor {
				day := func(days int) string {
					return casework.RosterDay(now.AddDate(0, 0, -days)).Format(casework.RosterDateLayout)
				}
				staffNo[u.OrganisationID]++
				rec := casework.RosterRecord{UserID: u.ID, AgencyID: u.OrganisationID,
					StaffNo:    fmt.Sprintf("%s-%03d", strings.ToUpper(strings.TrimPrefix(l.Organisation, "Agency ")), staffNo[u.OrganisationID]),
					VerifiedOn: day(200), NDASignedOn: day(200), TrainedOn: day(60), ExamPassedOn: day(58)}
				if err := tx.Roster(rec, u.ID, now); err != nil {
					return err
				}
			}
		}
		portfolioNames := []string{"2026年第三季度信用卡逾期包 Card Q3-2026", "2026年10月消费贷逾期包 Consumer Loans Oct-2026"}
		for pi, n := range size.Portfolios {
			p := allocation.Portfolio{ID: newID(), LenderID: bank.ID, Name: portfolioNames[pi%len(portfolioNames)],
				Currency: "CNY", CreatedBy: "vm@demo-bank.test", ImportedAt: now.AddDate(0, 0, -90+30*pi)}
			accounts := make([]allocation.Account, 0, n)
			var placements []allocation.Placement
			for i := 0; i < n; i++ {
				acc := debtors.Account(rng, now, bank.ID, p.ID, fmt.Sprintf("DB%d%06d", 2026+pi, i+1), newID())
				acc.CreatedAt = p.ImportedAt
				p.AccountCount++
				first := len(placements)
				// About 40% with Agency A, 30% with Agency B, 30% unplaced;
				// some of A's came back from B (a recall in the history).
				switch r := rng.Float64(); {
				case r < 0.40:
					if rng.Float64() < 0.15 {
						placements = append(placements, demoPlacement(newID(), acc, agB.ID, allocation.PlacementRecalled, now.AddDate(0, 0, -150), now.AddDate(0, 0, -60), "performance"))
					}
					pl := demoPlacement(newID(), acc, agA.ID, allocation.PlacementActive, now.AddDate(0, 0, -5-rng.IntN(80)), time.Time{}, "")
					placements = append(placements, pl)
				case r < 0.70:
					pl := demoPlacement(newID(), acc, agB.ID, allocation.PlacementActive, now.AddDate(0, 0, -5-rng.IntN(80)), time.Time{}, "")
					placements = append(placements, pl)
				case r < 0.72:
					// On offer to Agency A, waiting for its answer.
					pl := demoPlacement(newID(), acc, agA.ID, allocation.PlacementOffered, now.AddDate(0, 0, -1), time.Time{}, "")
					placements = append(placements, pl)
				default:
					if rng.Float64() < 0.1 {
						placements = append(placements, demoPlacement(newID(), acc, agA.ID, allocation.PlacementExpired, now.AddDate(0, 0, -200), now.AddDate(0, 0, -110), allocation.EndReasonText(allocation.EndTermEnded)))
					}
					flagged[acc.ID] = demoFlag(rng)
				}
				sim.simulate(rng, now, &acc, placements[first:], collectorOf)
				p.BalanceCents += acc.BalanceCents
				accounts = append(accounts, acc)
			}
			if err := tx.Portfolio(p, accounts, placements); err != nil {
				return err
			}
			lastPortfolio = p.ID // the latest imported
		}
		if err := tx.Tables(sim.rows()...); err != nil {
			return err
		}
		if err := seedMarketplace(tx, now, bank.ID, []string{agA.ID, agB.ID, agC.ID}, flagged); err != nil {
			return err
		}
		if err := seedCasework(tx, rng, now); err != nil {
			return err
		}
		// The demo history was written directly: last month's bucket
		// snapshot, synthetic, beside this month's taken below.
		return tx.Snapshot(now.AddDate(0, -1, 0).Format("2006-01"), func(i int, a store.SeedAccount) int {
			// A few accounts were worse last month and have been brought back.
			if i%9 == 0 {
				return a.DPD + 10
			}
			return a.DPD - 30
		})
	})
	if err != nil {
		return err
	}
	if lastPortfolio != "" {
		if err := seedTender(ctx, s, bank, agB, lastPortfolio); err != nil {
			return err
		}
	}
	// Count the history once, and take this month's bucket snapshot.
	if _, err := s.SnapshotBuckets(ctx, s.Now().Format("2006-01")); err != nil {
		return err
	}
	if err := s.RebuildStats(ctx); err != nil {
		return err
	}
	// The early-warning models, trained on the history just written, and
	// the accounts' first scores.
	if _, err := s.TrainModels(ctx, bank.ID); err != nil {
		return fmt.Errorf("demo models: %w", err)
	}
	_, err = s.ScoreLender(ctx, bank.ID)
	return err
}

// demoFlag marks a few unplaced accounts with what keeps them out of any
// allocation: most get none.
func demoFlag(rng *rand.Rand) string {
	switch r := rng.Float64(); {
	case r < 0.02:
		return "dispute_open"
	case r < 0.03:
		return "cease_communication"
	case r < 0.035:
		return "deceased"
	case r < 0.04:
		return "bankrupt"
	case r < 0.05:
		return "legal_hold"
	}
	return ""
}

// seedMarketplace gives the agencies profiles and contracts with the lender,
// sets the exclusion flags, and records each placement's bucket and balance
// at placement and each account's payments so far.
func seedMarketplace(tx *store.Seeder, now time.Time, lenderID string, agencies []string, flagged map[string]string) error {
	list := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	profiles := []allocation.AgencyProfile{
		{AgencyID: agencies[0], LicensedProvinces: list("*"), AcceptedBuckets: list(""), Capacity: 3000, Description: "全国性催收服务机构，擅长早期逾期（M1-M3）电话催收与协商还款。Nationwide; early-stage calling and negotiation."},
		{AgencyID: agencies[1], LicensedProvinces: list("广东省,江苏省,山东省,浙江省,河南省,四川省,湖北省,湖南省,河北省,福建省,上海市,北京市,安徽省,陕西省"), AcceptedBuckets: list("M2,M3,M4,M5,M6,M6+"), Capacity: 2500, Description: "华东华南为主，擅长中后期逾期与法律催收。Mid and late stage, legal action."},
		{AgencyID: agencies[2], LicensedProvinces: list("广东省,广西壮族自治区,云南省,四川省,重庆市,湖南省"), AcceptedBuckets: list("M1,M2,M3"), Capacity: 1500, Description: "西南地区区域性机构。Regional, south-west China."},
	}
	for _, p := range profiles {
		p.UpdatedAt = now
		if err := tx.AgencyProfile(p); err != nil {
			return err
		}
	}
	start := now.AddDate(-1, 0, 0).Format(time.DateOnly)
	end := now.AddDate(1, 6, 0).Format(time.DateOnly)
	terms := []allocation.Contract{
		{AgencyID: agencies[0], FeeSchedule: demoFeeA, TermDays: 90, AcceptDays: 5, MaxSettlementDiscountBP: 2000, MaxInstalments: 12, MinDownPaymentBP: 1000},
		{AgencyID: agencies[1], FeeSchedule: demoFeeB, TermDays: 120, AcceptDays: 5, MaxSettlementDiscountBP: 3000, MaxInstalments: 24, MinDownPaymentBP: 500},
		{AgencyID: agencies[2], FeeSchedule: demoFeeC, TermDays: 90, AcceptDays: 7, MaxSettlementDiscountBP: 1500, MaxInstalments: 6, MinDownPaymentBP: 1500},
	}
	for _, c := range terms {
		c.ID, c.LenderID, c.Status, c.StartsOn, c.EndsOn, c.UpdatedAt = uuid.Must(uuid.NewV7()).String(), lenderID, "active", start, end, now
		if err := tx.Contract(c); err != nil {
			return err
		}
	}
	if err := tx.FlagAccounts(flagged); err != nil {
		return err
	}
	return tx.Derive(now.AddDate(0, 0, 4))
}

// seedTender publishes the second portfolio's unplaced accounts in an open
// tender with one bid, so the marketplace has something to show.
func seedTender(ctx context.Context, s *store.Store, bank, bidder collect.Organisation, portfolioID string) error {
	vm := collect.Actor{UserID: "demo", OrgID: bank.ID, OrgKind: collect.KindLender, OrgName: bank.Name}
	t, err := s.CreateTender(ctx, vm, store.TenderInput{PortfolioID: portfolioID, Title: "2026年11月消费贷委外招标 Consumer loans tender Nov-2026", ClosesAt: s.Now().AddDate(0, 0, 10)})
	if err != nil {
		return fmt.Errorf("demo tender: %w", err)
	}
	agency := collect.Actor{UserID: "demo", OrgID: bidder.ID, OrgKind: collect.KindAgency, OrgName: bidder.Name}
	_, err = s.PlaceBid(ctx, agency, t.ID, store.BidInput{FeeRateBP: 1800, ExpectedLiquidationBP: 1200, Capacity: 400, Note: "可在 5 个工作日内完成接案与核实。Can onboard within 5 working days."})
	return err
}

// The demo agencies' contingency fees by bucket, in basis points.
var (
	demoFeeA = map[string]int{"M1": 800, "M2": 1200, "M3": 1600, "M4": 2000, "M5": 2400, "M6": 2800, "M6+": 3200}
	demoFeeB = map[string]int{"M1": 900, "M2": 1300, "M3": 1700, "M4": 2100, "M5": 2500, "M6": 2900, "M6+": 3300}
	demoFeeC = map[string]int{"M1": 700, "M2": 1100, "M3": 1500, "M4": 1900, "M5": 2300, "M6": 2700, "M6+": 3100}
)

// seedCasework assigns each agency's active accounts to its collector and
// records verification for the cases past the first stage (their contacts,
// promises and payments come from the simulation, demoHistory), then adds
// the oversight history.
func seedCasework(tx *store.Seeder, rng *rand.Rand, now time.Time) error {
	if err := tx.AssignToCollectors(); err != nil {
		return err
	}
	cases, err := tx.ActiveCases()
	if err != nil {
		return err
	}
	var verifs []map[string]any
	for _, c := range cases {
		if c.Stage == "verification" {
			continue
		}
		verifs = append(verifs, map[string]any{"account_id": c.ID, "identity_ok": true, "contact_ok": true, "amount_ok": true, "dpd_ok": true,
			"flags": "", "note": "", "verified_by": c.AssignedTo, "verified_at": c.StartsAt.Add(time.Hour)})
	}
	if err := tx.Tables(store.Rows{Table: "verifications", Rows: verifs}); err != nil {
		return err
	}
	if err := tx.MarkVerified(); err != nil {
		return err
	}
	return seedOversight(tx, rng, now, cases[:min(len(cases), 400)])
}

// seedOversight adds complaints (some answered, some late, some resolved)
// and a few conduct breaches, as the lender's oversight would have them.
func seedOversight(tx *store.Seeder, rng *rand.Rand, now time.Time, cases []store.SeedCase) error {
	categories := []string{"frequent_calls", "third_party_contact", "threats_or_abuse", "not_owed_or_identity_theft", "wrong_amount", "privacy", "other"}
	texts := []string{"一天内接到多次催收电话", "催收人员联系了我的同事", "电话中语气恶劣", "该笔借款不是本人办理", "欠款金额与账单不符", "担心个人信息被泄露", "要求更换催收机构"}
	for i := 0; i < len(cases) && i < 18; i++ {
		c := cases[rng.IntN(len(cases))]
		k := rng.IntN(len(categories))
		received := now.Add(-time.Duration(1+rng.IntN(40*24)) * time.Hour)
		ackDue, resolveDue := oversight.DefaultComplaintSLA.Due(received)
		row := map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "lender_id": c.LenderID, "account_id": c.ID, "agency_id": c.AgencyID,
			"category": categories[k], "source": []string{"phone", "app", "letter", "regulator"}[rng.IntN(4)], "description": texts[k],
			"contact_ids": "[]", "status": "received", "received_at": received, "ack_due": ackDue,
			"resolve_due": resolveDue, "created_by": "demo", "updated_at": received}
		switch rng.IntN(3) {
		case 0:
			ack := received.Add(20 * time.Hour)
			row["status"], row["acknowledged_at"], row["agency_response"] = "investigating", ack, "已调取通话录音核查。"
		case 1:
			ack, res := received.Add(10*time.Hour), received.Add(6*24*time.Hour)
			if res.Before(now) {
				row["status"], row["acknowledged_at"], row["resolved_at"] = "resolved", ack, res
				row["root_cause"], row["outcome"] = "外呼策略配置不当", []string{"upheld", "partially_upheld", "not_upheld"}[rng.IntN(3)]
			}
		}
		if err := tx.Tables(store.Rows{Table: "complaints", Rows: []map[string]any{row}}); err != nil {
			return err
		}
	}
	rules := []struct{ rule, sev string }{
		{"cn.quiet_hours", "medium"},
		{"cn.max_effective_calls_per_day", "medium"},
		{casework.RuleConductForbiddenLanguage, "high"},
		{casework.RuleConductThirdPartyUnreachable, "medium"},
	}
	profile, err := demoConductProfile()
	if err != nil {
		return err
	}
	for i := 0; i < len(cases) && i < 12; i++ {
		c := cases[rng.IntN(len(cases))]
		r := rules[rng.IntN(len(rules))]
		at := now.Add(-time.Duration(1+rng.IntN(50*24)) * time.Hour)
		v, err := demoBreach(profile, r.rule, at)
		if err != nil {
			return err
		}
		args := ""
		if len(v.Args) > 0 {
			b, err := json.Marshal(v.Args)
			if err != nil {
				return err
			}
			args = string(b)
		}
		if err := tx.Tables(store.Rows{Table: "breaches", Rows: []map[string]any{{"id": uuid.Must(uuid.NewV7()).String(), "lender_id": c.LenderID, "agency_id": c.AgencyID,
			"account_id": c.ID, "rule": r.rule, "severity": r.sev, "source": "detector", "source_id": "demo-" + strconv.Itoa(i), "evidence": "[]",
			"message": v.Message, "message_key": v.Key, "message_args": args, "occurred_at": at, "detected_at": at.Add(time.Hour),
			"status": []string{"open", "open", "remediated"}[rng.IntN(3)], "remediation": "", "updated_at": at.Add(time.Hour)}}}); err != nil {
			return err
		}
	}
	return nil
}

func demoConductProfile() (casework.ConductProfile, error) {
	b, err := policies.ConductProfile("china")
	if err != nil {
		return casework.ConductProfile{}, err
	}
	return casework.ParseConductProfile(b)
}

// demoBreach is the violation the conduct rules themselves give for a
// contact on at's day (Beijing time) that breaks rule: the demo's breaches
// read as a detector's would, in either language.
func demoBreach(p casework.ConductProfile, rule string, at time.Time) (collect.Violation, error) {
	bj := at.In(collect.China)
	day := func(h, m int) time.Time { return time.Date(bj.Year(), bj.Month(), bj.Day(), h, m, 0, 0, collect.China) }
	call := casework.Contact{Channel: casework.ChannelCall, Party: casework.PartyDebtor, Direction: casework.DirectionOutbound, At: day(10, 0), Outcome: "no_answer"}
	check := casework.ContactCheck{Proposed: call, TimeZone: "Asia/Shanghai"}
	switch rule {
	case "cn.quiet_hours":
		check.Proposed.At = day(22, 40)
	case "cn.max_effective_calls_per_day":
		for h := 9; h < 12; h++ {
			done := call
			done.At, done.Outcome = day(h, 0), "right_party_contact"
			check.History = append(check.History, done)
		}
		check.Proposed.At = day(15, 0)
	case casework.RuleConductForbiddenLanguage:
		check.Proposed.Note = "再不还钱就让你坐牢"
	case casework.RuleConductThirdPartyUnreachable:
		check.Proposed.Party = casework.PartyThirdParty
	}
	for _, v := range casework.CheckContact(p, check) {
		if v.Rule == rule {
			return v, nil
		}
	}
	return collect.Violation{}, fmt.Errorf("demo: the %s profile gives no %s breach for its scenario", p.Name, rule)
}
