package store

import (
	"collect"
	"context"

	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
)

// Group is one slice of a breakdown: a key (a bucket, a stage, an agency)
// with its count and balance.
type Group struct {
	Key          string `json:"key"`
	Label        string `json:"label,omitempty"`
	Count        int64  `json:"count"`
	BalanceCents int64  `json:"balance_cents"`
}

// Dashboard is the summary of what the actor may see.
type Dashboard struct {
	Accounts     int64   `json:"accounts"`
	BalanceCents int64   `json:"balance_cents"`
	Placed       int64   `json:"placed"`
	Unplaced     int64   `json:"unplaced"`
	Portfolios   int64   `json:"portfolios"`
	ByBucket     []Group `json:"by_bucket"`
	ByStage      []Group `json:"by_stage"`
	ByAgency     []Group `json:"by_agency"`
	Agencies     int64   `json:"agencies"`
	Users        int64   `json:"users"`
	AuditEvents  int64   `json:"audit_events"`
}

// PortfolioSummary sums one portfolio of the actor's lender.
func (s *Store) PortfolioSummary(ctx context.Context, a collect.Actor, id string) (Dashboard, error) {
	if _, err := s.Portfolio(ctx, a, id); err != nil {
		return Dashboard{}, err
	}
	return s.summarise(ctx, a, id)
}

// Dashboard sums the accounts in the actor's scope.
func (s *Store) Dashboard(ctx context.Context, a collect.Actor) (Dashboard, error) {
	return s.summarise(ctx, a, "")
}

func (s *Store) summarise(ctx context.Context, a collect.Actor, portfolioID string) (Dashboard, error) {
	var d Dashboard
	db := s.db.WithContext(ctx)
	accountsQuery := func(ctx context.Context, a collect.Actor) *gorm.DB {
		q := s.accountsQuery(ctx, a)
		if portfolioID != "" {
			q = q.Where("accounts.portfolio_id = ?", portfolioID)
		}
		return q
	}
	var tot struct {
		N int64
		B int64
		P int64
	}
	err := accountsQuery(ctx, a).
		Select("COUNT(*) AS n, COALESCE(SUM(accounts.balance_cents), 0) AS b, COUNT(p.id) AS p").
		Scan(&tot).Error
	if err != nil {
		return d, err
	}
	d.Accounts, d.BalanceCents, d.Placed, d.Unplaced = tot.N, tot.B, tot.P, tot.N-tot.P
	if err := accountsQuery(ctx, a).Select("accounts.bucket AS key, COUNT(*) AS count, COALESCE(SUM(accounts.balance_cents), 0) AS balance_cents").
		Group("accounts.bucket").Scan(&d.ByBucket).Error; err != nil {
		return d, err
	}
	d.ByBucket = ordered(d.ByBucket, allocation.BucketNames())
	if err := accountsQuery(ctx, a).Select("accounts.stage AS key, COUNT(*) AS count, COALESCE(SUM(accounts.balance_cents), 0) AS balance_cents").
		Group("accounts.stage").Scan(&d.ByStage).Error; err != nil {
		return d, err
	}
	d.ByStage = ordered(d.ByStage, casework.Stages)
	if a.OrgKind == collect.KindLender {
		if err := accountsQuery(ctx, a).Where("p.id IS NOT NULL").
			Select("p.agency_id AS key, ag.name AS label, COUNT(*) AS count, COALESCE(SUM(accounts.balance_cents), 0) AS balance_cents").
			Group("p.agency_id, ag.name").Order("label").Scan(&d.ByAgency).Error; err != nil {
			return d, err
		}
		if err := db.Table("portfolios").Scopes(portfolioScope(a)).Count(&d.Portfolios).Error; err != nil {
			return d, err
		}
	}
	if a.OrgKind == collect.KindPlatform {
		if err := db.Table("organisations").Where("kind = ?", collect.KindAgency).Count(&d.Agencies).Error; err != nil {
			return d, err
		}
		if err := db.Table("users").Count(&d.Users).Error; err != nil {
			return d, err
		}
	}
	err = db.Table("audit_events").Scopes(auditScope(a)).Count(&d.AuditEvents).Error
	return d, err
}

// ordered puts groups in the order of keys; groups with other keys follow.
func ordered(gs []Group, keys []string) []Group {
	out := make([]Group, 0, len(gs))
	used := make([]bool, len(gs))
	for _, k := range keys {
		for i, g := range gs {
			if g.Key == k && !used[i] {
				out = append(out, g)
				used[i] = true
			}
		}
	}
	for i, g := range gs {
		if !used[i] {
			out = append(out, g)
		}
	}
	return out
}
