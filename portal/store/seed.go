package store

import (
	"collect"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework"
)

// Seeding: a whole starting data set (a demo, a migration from another
// system) written in one transaction into an empty database, through the
// bulk writers of Seeder, and audited as one event. What the data set holds
// is the caller's: nothing here knows any organisation, login or size.

// ErrNotEmpty is returned by Seed when the database already has data.
var ErrNotEmpty = collect.E(collect.ECONFLICT, "err.store.not_empty")

// IsEmpty reports whether no organisation exists yet.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("organisations").Count(&n).Error
	return n == 0, err
}

// Now is the store's clock: the time its writes are stamped with.
func (s *Store) Now() time.Time { return s.now() }

// SeedAudit is the one audit event of a seeding.
type SeedAudit struct {
	Actor                                collect.Actor
	Action, ObjectType, ObjectID, Lender string
	After                                any
}

// Seeder writes rows inside a seeding transaction.
type Seeder struct {
	tx *gorm.DB
}

// Seed runs fn in one transaction on an empty database (ErrNotEmpty
// otherwise) and appends the audit event at its end; any error rolls all
// back.
func (s *Store) Seed(ctx context.Context, audit SeedAudit, fn func(w *Seeder) error) error {
	empty, err := s.IsEmpty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return ErrNotEmpty
	}
	key, err := s.searchKey(ctx)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *gorm.DB) error {
		if err := fn(&Seeder{tx: tx}); err != nil {
			return err
		}
		for {
			n, err := fillKeys(tx, key, 2000)
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
		if err := refreshStale(tx); err != nil { // the seeded accounts' queue priorities
			return err
		}
		return s.appendAudit(tx, audit.Actor, auditRecord{Action: audit.Action, ObjectType: audit.ObjectType,
			ObjectID: audit.ObjectID, LenderID: audit.Lender, After: audit.After})
	})
}

// Organisations inserts organisations.
func (w *Seeder) Organisations(orgs []collect.Organisation) error {
	return w.tx.Create(&orgs).Error
}

// User inserts a user with one role.
func (w *Seeder) User(u collect.User, role string) error {
	if err := w.tx.Create(&u).Error; err != nil {
		return err
	}
	return w.tx.Exec("INSERT INTO memberships (user_id, role) VALUES (?, ?)", u.ID, role).Error
}

// Roster inserts a collector's roster record, written by the user by.
func (w *Seeder) Roster(r casework.RosterRecord, by string, at time.Time) error {
	return w.tx.Table("roster_records").Create(&rosterRow{UserID: r.UserID, AgencyID: r.AgencyID, StaffNo: r.StaffNo,
		VerifiedOn: r.VerifiedOn, NDASignedOn: r.NDASignedOn, TrainedOn: r.TrainedOn, ExamPassedOn: r.ExamPassedOn,
		UpdatedBy: by, UpdatedAt: at}).Error
}

// Portfolio inserts a portfolio with its accounts and placements.
func (w *Seeder) Portfolio(p allocation.Portfolio, accounts []allocation.Account, placements []allocation.Placement) error {
	if err := w.tx.Create(&p).Error; err != nil {
		return err
	}
	if err := w.tx.CreateInBatches(accounts, 100).Error; err != nil {
		return err
	}
	if len(placements) > 0 {
		return w.tx.CreateInBatches(placements, 100).Error
	}
	return nil
}

// Rows are rows of one table, column by column.
type Rows struct {
	Table string
	Rows  []map[string]any
}

// Tables inserts rows table by table, in batches.
func (w *Seeder) Tables(batches ...Rows) error {
	for _, b := range batches {
		if len(b.Rows) > 0 {
			if err := w.tx.Table(b.Table).CreateInBatches(b.Rows, 100).Error; err != nil {
				return fmt.Errorf("seed %s: %w", b.Table, err)
			}
		}
	}
	return nil
}

// AgencyProfile inserts an agency's marketplace profile.
func (w *Seeder) AgencyProfile(p allocation.AgencyProfile) error {
	row := profileRow{AgencyID: p.AgencyID, LicensedProvinces: strings.Join(p.LicensedProvinces, ","), AcceptedBuckets: strings.Join(p.AcceptedBuckets, ","),
		Capacity: p.Capacity, Description: p.Description, UpdatedAt: p.UpdatedAt}
	return w.tx.Table("agency_profiles").Create(&row).Error
}

// Contract inserts a contract; an empty ID gets a new one.
func (w *Seeder) Contract(c allocation.Contract) error {
	if c.ID == "" {
		c.ID = uuid.Must(uuid.NewV7()).String()
	}
	row := contractRowOf(c)
	return w.tx.Table("contracts").Create(&row).Error
}

// exclusionFlags are the account columns that keep it out of allocation.
var exclusionFlags = map[string]bool{"dispute_open": true, "cease_communication": true, "deceased": true, "bankrupt": true, "legal_hold": true}

// FlagAccounts sets each account's exclusion flag (dispute_open,
// cease_communication, deceased, bankrupt, legal_hold); "" sets none.
func (w *Seeder) FlagAccounts(flags map[string]string) error {
	for id, flag := range flags {
		if flag == "" {
			continue
		}
		if !exclusionFlags[flag] {
			return collect.E(collect.EINVALID, "err.seed.unknown_flag", "flag", strconv.Quote(flag))
		}
		if err := w.tx.Table("accounts").Where("id = ?", id).Update(flag, true).Error; err != nil {
			return err
		}
	}
	return nil
}

// Derive fills the columns a seeded history implies: each placement's
// bucket and balance at placement (the account's), each account's paid so
// far (its payments), each portfolio's balance; placements that were
// accepted (active, recalled, returned, closed, or expired at term) as
// accepted when they started, and the offers still open answerable until
// acceptBy.
func (w *Seeder) Derive(acceptBy time.Time) error {
	for _, q := range []string{
		`UPDATE placements SET bucket = (SELECT a.bucket FROM accounts a WHERE a.id = placements.account_id),
			balance_cents = (SELECT a.balance_cents FROM accounts a WHERE a.id = placements.account_id) WHERE bucket = ''`,
		`UPDATE accounts SET paid_cents = (SELECT COALESCE(SUM(p.amount_cents), 0) FROM payments p WHERE p.account_id = accounts.id)`,
		`UPDATE portfolios SET balance_cents = (SELECT COALESCE(SUM(a.balance_cents), 0) FROM accounts a WHERE a.portfolio_id = portfolios.id)`,
	} {
		if err := w.tx.Exec(q).Error; err != nil {
			return err
		}
	}
	if err := w.tx.Exec(`UPDATE placements SET accepted_at = starts_at WHERE status IN ('active', 'recalled', 'returned', 'closed')
		OR (status = 'expired' AND end_reason = ?)`, allocation.EndReasonText(allocation.EndTermEnded)).Error; err != nil {
		return err
	}
	return w.tx.Exec(`UPDATE placements SET accept_by = ? WHERE status = ?`, acceptBy, allocation.PlacementOffered).Error
}

// AssignToCollectors gives each agency's actively placed accounts to its
// collector (the last user with the collector role, when it has several).
func (w *Seeder) AssignToCollectors() error {
	var collectors []struct{ ID, OrganisationID string }
	if err := w.tx.Table("users u").Select("u.id, u.organisation_id").Joins("JOIN memberships m ON m.user_id = u.id").
		Where("m.role = ?", collect.RoleCollector).Scan(&collectors).Error; err != nil {
		return err
	}
	for _, c := range collectors {
		if err := w.tx.Exec(`UPDATE accounts SET assigned_to = ? WHERE id IN (SELECT account_id FROM placements WHERE status = 'active' AND agency_id = ?)`,
			c.ID, c.OrganisationID).Error; err != nil {
			return err
		}
	}
	return nil
}

// SeedCase is an account under active placement, as written so far.
type SeedCase struct {
	ID, Stage, LenderID, AgencyID, PlacementID, AssignedTo string
	BalanceCents                                           int64
	StartsAt                                               time.Time
}

// ActiveCases lists the accounts under active placement, by account id.
func (w *Seeder) ActiveCases() ([]SeedCase, error) {
	var cases []SeedCase
	err := w.tx.Table("accounts a").Select("a.id, a.stage, a.lender_id, a.balance_cents, a.assigned_to, p.agency_id, p.id AS placement_id, p.starts_at").
		Joins("JOIN placements p ON p.account_id = a.id AND p.status = 'active'").Order("a.id").Scan(&cases).Error
	return cases, err
}

// MarkVerified sets verification complete on every account with a
// verification.
func (w *Seeder) MarkVerified() error {
	return w.tx.Exec(`UPDATE accounts SET verification_complete = TRUE WHERE id IN (SELECT account_id FROM verifications)`).Error
}

// SeedAccount is an account's DPD as written, for a past snapshot.
type SeedAccount struct {
	ID, LenderID, Status string
	DPD                  int
}

// Snapshot records month's bucket snapshot of every account, its DPD then
// given by dpdThen(i, account) (i its position), the agency that holds it
// now beside it.
func (w *Seeder) Snapshot(month string, dpdThen func(i int, a SeedAccount) int) error {
	var rows []SeedAccount
	if err := w.tx.Table("accounts").Select("id, lender_id, status, dpd").Scan(&rows).Error; err != nil {
		return err
	}
	batch := make([]map[string]any, 0, len(rows))
	for i, r := range rows {
		bucket := allocation.Bucket(max(dpdThen(i, r), 0), allocation.DefaultBands)
		batch = append(batch, map[string]any{"month": month, "account_id": r.ID, "lender_id": r.LenderID, "agency_id": "", "bucket": bucket})
	}
	if len(batch) > 0 {
		if err := w.tx.Table("bucket_snapshots").CreateInBatches(batch, 100).Error; err != nil {
			return err
		}
	}
	return w.tx.Exec(`UPDATE bucket_snapshots SET agency_id = COALESCE((SELECT p.agency_id FROM placements p
		WHERE p.account_id = bucket_snapshots.account_id AND p.status = 'active'), '') WHERE month = ?`, month).Error
}
