package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
)

// DemoPassword is the password of every demo login (API.md).
const DemoPassword = "demo-password"

// DemoLogin is one demo user, as printed at start.
type DemoLogin struct {
	Email, Organisation, Role string
}

// DemoLogins are the demo users of API.md.
var DemoLogins = []DemoLogin{
	{"admin@platform.test", "Collect Platform", allocation.RolePlatformAdmin},
	{"vm@demo-bank.test", "Demo Bank", allocation.RoleVendorManager},
	{"auditor@demo-bank.test", "Demo Bank", allocation.RoleAuditor},
	{"supervisor@agency-a.test", "Agency A", allocation.RoleAgencySupervisor},
	{"agent@agency-a.test", "Agency A", allocation.RoleCollector},
	{"agent@agency-b.test", "Agency B", allocation.RoleCollector},
}

// ErrNotEmpty is returned by SeedDemo when the database already has data.
var ErrNotEmpty = allocation.Errorf(allocation.ECONFLICT, "the database is not empty; demo data is seeded only into an empty database")

// IsEmpty reports whether no organisation exists yet.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("organisations").Count(&n).Error
	return n == 0, err
}

// DemoSize says how many accounts each demo portfolio gets.
type DemoSize struct{ Portfolios []int }

// DefaultDemoSize is a few thousand accounts in two portfolios.
var DefaultDemoSize = DemoSize{Portfolios: []int{1800, 1200}}

// SeedDemo fills an empty database with the demo organisations, logins,
// portfolios, accounts and placements. The data is made up: names, ID numbers
// (valid checksums, random digits) and phone numbers are generated.
func (s *Store) SeedDemo(ctx context.Context, size DemoSize) error {
	empty, err := s.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return ErrNotEmpty
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(DemoPassword), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	now := s.now()
	rng := rand.New(rand.NewPCG(20261127, 1))
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }
	org := func(kind, name, zh string) allocation.Organisation {
		return allocation.Organisation{ID: newID(), Kind: kind, Name: name, NameZH: zh, Status: "active", CreatedAt: now}
	}
	platform := org(allocation.KindPlatform, "Collect Platform", "催收外包平台")
	bank := org(allocation.KindLender, "Demo Bank", "演示银行")
	agA := org(allocation.KindAgency, "Agency A", "甲信催收服务有限公司")
	agB := org(allocation.KindAgency, "Agency B", "乙诚资产管理有限公司")
	agC := org(allocation.KindAgency, "Agency C", "丙和商务咨询有限公司")
	orgs := []allocation.Organisation{platform, bank, agA, agB, agC}
	byName := map[string]string{"Collect Platform": platform.ID, "Demo Bank": bank.ID, "Agency A": agA.ID, "Agency B": agB.ID}
	userNames := map[string]string{
		"admin@platform.test": "平台管理员 Platform Admin", "vm@demo-bank.test": "王敏 Wang Min",
		"auditor@demo-bank.test": "李审 Li Shen", "supervisor@agency-a.test": "赵强 Zhao Qiang",
		"agent@agency-a.test": "陈晓 Chen Xiao", "agent@agency-b.test": "刘洋 Liu Yang",
	}

	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&orgs).Error; err != nil {
			return err
		}
		for _, l := range DemoLogins {
			u := allocation.User{ID: newID(), OrganisationID: byName[l.Organisation], Email: l.Email, Name: userNames[l.Email],
				PasswordHash: string(hash), TokenVersion: 1, CreatedAt: now}
			if err := tx.Create(&u).Error; err != nil {
				return err
			}
			if err := tx.Exec("INSERT INTO memberships (user_id, role) VALUES (?, ?)", u.ID, l.Role).Error; err != nil {
				return err
			}
		}
		portfolioNames := []string{"2026年第三季度信用卡逾期包 Card Q3-2026", "2026年10月消费贷逾期包 Consumer Loans Oct-2026"}
		for pi, n := range size.Portfolios {
			p := allocation.Portfolio{ID: newID(), LenderID: bank.ID, Name: portfolioNames[pi%len(portfolioNames)],
				Currency: "CNY", CreatedBy: "vm@demo-bank.test", ImportedAt: now.AddDate(0, 0, -90+30*pi)}
			accounts := make([]allocation.Account, 0, n)
			var placements []allocation.Placement
			for i := 0; i < n; i++ {
				acc := allocation.DemoAccount(rng, now, bank.ID, p.ID, fmt.Sprintf("DB%d%06d", 2026+pi, i+1), newID())
				p.AccountCount++
				p.BalanceCents += acc.BalanceCents
				// About 40% with Agency A, 30% with Agency B, 30% unplaced;
				// some of A's came back from B (a recall in the history).
				switch r := rng.Float64(); {
				case r < 0.40:
					if rng.Float64() < 0.15 {
						placements = append(placements, demoPlacement(newID(), acc, agB.ID, allocation.PlacementRecalled, now.AddDate(0, 0, -150), now.AddDate(0, 0, -60), "performance"))
					}
					placements = append(placements, demoPlacement(newID(), acc, agA.ID, allocation.PlacementActive, now.AddDate(0, 0, -rng.IntN(60)), time.Time{}, ""))
					acc.Stage = demoStage(rng)
				case r < 0.70:
					placements = append(placements, demoPlacement(newID(), acc, agB.ID, allocation.PlacementActive, now.AddDate(0, 0, -rng.IntN(60)), time.Time{}, ""))
					acc.Stage = demoStage(rng)
				default:
					if rng.Float64() < 0.1 {
						placements = append(placements, demoPlacement(newID(), acc, agA.ID, allocation.PlacementExpired, now.AddDate(0, 0, -200), now.AddDate(0, 0, -110), "term ended"))
					}
				}
				accounts = append(accounts, acc)
			}
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
			if err := tx.CreateInBatches(accounts, 100).Error; err != nil {
				return err
			}
			if len(placements) > 0 {
				if err := tx.CreateInBatches(placements, 100).Error; err != nil {
					return err
				}
			}
		}
		return s.appendAudit(tx, allocation.Actor{OrgID: platform.ID}, auditRecord{
			Action: "demo.seed", ObjectType: "database", ObjectID: "demo", LenderID: bank.ID,
			After: map[string]any{"portfolios": len(size.Portfolios), "organisations": len(orgs)},
		})
	})
}

func demoStage(rng *rand.Rand) string {
	w := []float64{0.30, 0.30, 0.20, 0.15, 0.05}
	r := rng.Float64()
	for i, x := range w {
		if r < x {
			return casework.Stages[i]
		}
		r -= x
	}
	return casework.StageVerification
}

// demoFeeBP is the demo contingency fee by bucket, in basis points.
var demoFeeBP = map[string]int{"M1": 800, "M2": 1200, "M3": 1600, "M4": 2000, "M5": 2400, "M6": 2800, "M6+": 3200}

func demoPlacement(id string, a allocation.Account, agency, status string, start, ended time.Time, reason string) allocation.Placement {
	p := allocation.Placement{ID: id, AccountID: a.ID, AgencyID: agency, LenderID: a.LenderID, Status: status,
		FeeRateBP: demoFeeBP[a.Bucket], CreatedAt: start, StartsAt: start, EndsAt: start.AddDate(0, 0, 90), EndReason: reason}
	if !ended.IsZero() {
		p.EndedAt = &ended
	}
	return p
}
