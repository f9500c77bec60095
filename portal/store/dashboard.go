package store

import (
	"collect"
	"context"
	"fmt"
	"sort"
	"strings"

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

// summarise reads the maintained counters (account_counts, audit_counts:
// migration 00029), never the accounts themselves: the triggers keep them
// in the transaction of every write, so they are as current as a GROUP BY
// over the scope, in a few hundred rows instead of the whole book.
func (s *Store) summarise(ctx context.Context, a collect.Actor, portfolioID string) (Dashboard, error) {
	var d Dashboard
	db := s.db.WithContext(ctx)
	q := db.Table("account_counts c").Joins("LEFT JOIN organisations ag ON ag.id = c.agency_id").
		Select("c.agency_id, COALESCE(ag.name, '') AS label, c.bucket, c.stage, SUM(c.accounts) AS n, SUM(c.balance_cents) AS b").
		Group("c.agency_id, ag.name, c.bucket, c.stage").Having("SUM(c.accounts) <> 0")
	switch a.OrgKind {
	case collect.KindLender:
		q = q.Where("c.lender_id = ?", a.OrgID)
	case collect.KindAgency:
		q = q.Where("c.agency_id = ?", a.OrgID)
	default:
		q = nil // the platform sees no debtor data
	}
	if q != nil {
		if portfolioID != "" {
			q = q.Where("c.portfolio_id = ?", portfolioID)
		}
		var rows []struct {
			AgencyID, Label, Bucket, Stage string
			N, B                           int64
		}
		if err := q.Scan(&rows).Error; err != nil {
			return d, err
		}
		buckets, stages, agencies := map[string]*Group{}, map[string]*Group{}, map[string]*Group{}
		add := func(m map[string]*Group, key, label string, n, b int64) {
			g := m[key]
			if g == nil {
				g = &Group{Key: key, Label: label}
				m[key] = g
			}
			g.Count += n
			g.BalanceCents += b
		}
		for _, r := range rows {
			d.Accounts += r.N
			d.BalanceCents += r.B
			add(buckets, r.Bucket, "", r.N, r.B)
			add(stages, r.Stage, "", r.N, r.B)
			if r.AgencyID != "" {
				d.Placed += r.N
				add(agencies, r.AgencyID, r.Label, r.N, r.B)
			}
		}
		d.Unplaced = d.Accounts - d.Placed
		d.ByBucket = ordered(groups(buckets), allocation.BucketNames())
		d.ByStage = ordered(groups(stages), casework.Stages)
		if a.OrgKind == collect.KindLender {
			d.ByAgency = groups(agencies)
			sort.Slice(d.ByAgency, func(i, j int) bool {
				if d.ByAgency[i].Label != d.ByAgency[j].Label {
					return d.ByAgency[i].Label < d.ByAgency[j].Label
				}
				return d.ByAgency[i].Key < d.ByAgency[j].Key
			})
			if err := db.Table("portfolios").Scopes(portfolioScope(a)).Count(&d.Portfolios).Error; err != nil {
				return d, err
			}
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
	err := db.Table("audit_counts").Scopes(auditCountScope(a)).Select("COALESCE(SUM(events), 0)").Scan(&d.AuditEvents).Error
	return d, err
}

// auditCountScope is auditScope on the audit_counts rows (organisation ×
// lender), so the count is the audit trail's as its reader sees it.
func auditCountScope(a collect.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case collect.KindPlatform:
			return db
		case collect.KindLender:
			return db.Where("(audit_counts.organisation_id = ? OR audit_counts.lender_id = ?)", a.OrgID, a.OrgID)
		default:
			return db.Where("audit_counts.organisation_id = ?", a.OrgID)
		}
	}
}

// groups lists a map's groups by key.
func groups(m map[string]*Group) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// countersRebuild recomputes the counters from the rows, with the
// triggers' definitions (migration 00029): an account counts under
// accounts.agency_id, the agency of its active placement (00027), or
// under the empty agency id when none is active.
var countersRebuild = []string{
	`DELETE FROM account_counts`,
	`INSERT INTO account_counts (lender_id, portfolio_id, agency_id, bucket, stage, accounts, balance_cents)
	 SELECT lender_id, portfolio_id, COALESCE(agency_id, ''), bucket, stage, COUNT(*), SUM(balance_cents)
	 FROM accounts GROUP BY lender_id, portfolio_id, COALESCE(agency_id, ''), bucket, stage`,
	`DELETE FROM audit_counts`,
	`INSERT INTO audit_counts (organisation_id, lender_id, events)
	 SELECT organisation_id, lender_id, COUNT(*) FROM audit_events GROUP BY organisation_id, lender_id`,
	`DELETE FROM contact_day_counts`,
	`INSERT INTO contact_day_counts (agency_id, day, collector_id, lender_id, contacts)
	 SELECT agency_id, {day}, collector_id, lender_id, COUNT(*) FROM contacts GROUP BY agency_id, {day}, collector_id, lender_id`,
	// Added to, never emptied: an agency that held a lender's accounts
	// stays one after its placements are gone (00032). WHERE true: SQLite
	// would read ON CONFLICT after a bare SELECT as a join constraint.
	`INSERT INTO lender_agencies (lender_id, agency_id) SELECT DISTINCT lender_id, agency_id FROM placements WHERE true
	 ON CONFLICT (lender_id, agency_id) DO NOTHING`,
}

// contactDay is the UTC calendar day of contacts.at, as the day counters'
// triggers write it (00031).
func (s *Store) contactDay() string {
	if s.dialect == "postgres" {
		return "to_char(at, 'YYYY-MM-DD')"
	}
	return "date(at)"
}

// RebuildCounters recomputes the dashboard's counters from the rows. The
// triggers keep them on every write, so this is for repair: after a
// restore of a partial dump, or rows written with triggers disabled. It
// takes the write lock of the counters for the rebuild, so the counts
// match the rows at one moment.
func (s *Store) RebuildCounters(ctx context.Context) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			// Writers of accounts and placements wait for the rebuild
			// instead of adding deltas to rows it is replacing.
			if err := tx.Exec("LOCK TABLE account_counts, audit_counts, contact_day_counts, lender_agencies IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		for i, q := range countersRebuild {
			if err := tx.Exec(strings.ReplaceAll(q, "{day}", s.contactDay())).Error; err != nil {
				return fmt.Errorf("counters rebuild step %d: %w", i, err)
			}
		}
		return s.appendAudit(tx, collect.Actor{}, auditRecord{Action: "counters.rebuild", ObjectType: "stats", ObjectID: "account_counts"})
	})
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
