package store

import (
	"collect"
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"collect/allocation"
)

// PlacementRef is the short form of an account's active placement.
type PlacementRef struct {
	ID         string    `json:"id"`
	AgencyID   string    `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Status     string    `json:"status"`
	EndsAt     time.Time `json:"ends_at"`
}

// AccountRow is an account as lists show it: always masked.
type AccountRow struct {
	allocation.Account
	Placement *PlacementRef `json:"placement"`
}

// AccountFilter narrows the account list; empty fields are not given.
type AccountFilter struct {
	Portfolio string
	Stage     string
	Bucket    string
	Agency    string // an agency id, or "none" for accounts with no active placement
	// Query finds accounts by a prefix of the lender's reference or of the
	// debtor's name, or by the whole national ID number or mobile number.
	Query string
	Sort  string // one of AccountSorts; "-dpd" when empty
	// After is the cursor of the page before (AccountPage.Next): the page
	// starts after it, whatever Page.Page says.
	After string
	Page
}

// AccountSorts are the accepted sort keys with their orderings; each has an
// index per scope (accountlist.go), ties broken by id in the same direction.
var AccountSorts = map[string]string{
	"dpd":      "accounts.dpd ASC, accounts.id ASC",
	"-dpd":     "accounts.dpd DESC, accounts.id DESC",
	"balance":  "accounts.balance_cents ASC, accounts.id ASC",
	"-balance": "accounts.balance_cents DESC, accounts.id DESC",
	"name":     "accounts.debtor_name ASC, accounts.id ASC",
	"-name":    "accounts.debtor_name DESC, accounts.id DESC",
	"ref":      "accounts.external_ref ASC, accounts.id ASC",
	"-ref":     "accounts.external_ref DESC, accounts.id DESC",
}

// Validate checks the filter's enumerated fields.
func (f AccountFilter) Validate() error {
	if f.Sort != "" && AccountSorts[f.Sort] == "" {
		return collect.Invalid("sort", "err.account.unknown_sort", "sort", f.Sort)
	}
	if len(f.Query) > 100 {
		return collect.Invalid("q", "err.account.query_too_long", "max", 100)
	}
	if len(f.After) > 1000 {
		return collect.Invalid("after", "err.account.bad_cursor")
	}
	return nil
}

type accountRowScan struct {
	allocation.Account
	PID         *string
	PAgencyID   *string
	PAgencyName *string
	PStatus     *string
	PEndsAt     *time.Time
}

func (r accountRowScan) row() AccountRow {
	out := AccountRow{Account: allocation.MaskAccount(r.Account)}
	if r.PID != nil {
		out.Placement = &PlacementRef{ID: *r.PID, AgencyID: deref(r.PAgencyID), AgencyName: deref(r.PAgencyName), Status: deref(r.PStatus)}
		if r.PEndsAt != nil {
			out.Placement.EndsAt = *r.PEndsAt
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// accountsQuery is the scoped base of account reads, joined to the active
// placement and its agency.
func (s *Store) accountsQuery(ctx context.Context, a collect.Actor) *gorm.DB {
	return s.accountsQueryOn(ctx, a, "accounts")
}

// accountsQueryOn is accountsQuery on a table expression naming accounts
// (an INDEXED BY clause).
func (s *Store) accountsQueryOn(ctx context.Context, a collect.Actor, table string) *gorm.DB {
	return s.db.WithContext(ctx).Table(table).
		Joins("LEFT JOIN placements p ON p.account_id = accounts.id AND p.status = ?", allocation.PlacementActive).
		Joins("LEFT JOIN organisations ag ON ag.id = p.agency_id").
		Scopes(accountScope(a))
}

const accountColumns = "accounts.*, p.id AS p_id, p.agency_id AS p_agency_id, ag.name AS p_agency_name, p.status AS p_status, p.ends_at AS p_ends_at"

// ListAccounts returns one page of the accounts in the actor's scope that
// match f, with the total (exact, or for a search a lower bound past its cap: see
// ListAccountsPage). National IDs and phones are always masked in lists.
func (s *Store) ListAccounts(ctx context.Context, a collect.Actor, f AccountFilter) ([]AccountRow, int64, error) {
	p, err := s.ListAccountsPage(ctx, a, f)
	return p.Rows, p.Total, err
}

// AccountDetail is one account with its placement history.
type AccountDetail struct {
	AccountRow
	PortfolioName string                 `json:"portfolio_name"`
	History       []PlacementHistoryItem `json:"placement_history"`
	Masked        bool                   `json:"masked"`
	// The conduct rules the account is worked under (issue 15).
	ConductProfile string   `json:"conduct_profile"`
	TimeZone       string   `json:"time_zone"`  // the address's zone
	TimeZones      []string `json:"time_zones"` // every zone the debtor may be in; a contact must be allowed in all
	State          string   `json:"state"`
	ZIP            string   `json:"zip"`
	SSNLast4       string   `json:"ssn_last4"`
	// DebtorID is the linked person (a keyed hash, never the ID number);
	// DebtorAccounts are the person's other accounts in the reader's scope.
	DebtorID          string          `json:"debtor_id"`
	DebtorAccounts    []DebtorAccount `json:"debtor_accounts"`
	Requests          []DebtorRequest `json:"requests"`
	Holds             []CareHold      `json:"holds"`
	ConsentOutOfHours bool            `json:"consent_out_of_hours"`
	GuarantorAllowed  bool            `json:"guarantor_allowed"`
}

// DebtorAccount is another account of the same debtor.
type DebtorAccount struct {
	ID           string `json:"id"`
	ExternalRef  string `json:"external_ref"`
	BalanceCents int64  `json:"balance_cents"`
	Currency     string `json:"currency"`
	Stage        string `json:"stage"`
	AgencyID     string `json:"agency_id"`
}

// PlacementHistoryItem is one placement of the account, past or present.
type PlacementHistoryItem struct {
	allocation.Placement
	AgencyName string `json:"agency_name"`
}

// Account returns one account in the actor's scope; outside it, not found.
// With personal true (the caller holds the read_personal permission) the
// national ID and phones come unmasked and the view is audited; otherwise
// they are masked.
func (s *Store) Account(ctx context.Context, a collect.Actor, id string, personal bool) (AccountDetail, error) {
	var scan accountRowScan
	err := s.accountsQuery(ctx, a).Select(accountColumns).Where("accounts.id = ?", id).Take(&scan).Error
	if err != nil {
		return AccountDetail{}, notFound(err, "account")
	}
	d := AccountDetail{AccountRow: scan.row(), Masked: true}
	if personal {
		d.Account = scan.Account
		d.Masked = false
		err := s.inTx(ctx, func(tx *gorm.DB) error {
			return s.appendAudit(tx, a, auditRecord{
				Action: "account.view_personal_data", ObjectType: "account", ObjectID: id, LenderID: scan.LenderID,
			})
		})
		if err != nil {
			return AccountDetail{}, err
		}
	}
	_ = s.db.WithContext(ctx).Table("portfolios").Where("id = ?", scan.PortfolioID).Pluck("name", &d.PortfolioName)
	if err := s.personDetail(ctx, a, &d); err != nil {
		return AccountDetail{}, err
	}
	err = s.db.WithContext(ctx).Table("placements").Scopes(placementScope(a)).
		Select("placements.*, o.name AS agency_name").
		Joins("JOIN organisations o ON o.id = placements.agency_id").
		Where("placements.account_id = ?", id).Order("placements.created_at DESC").
		Scan(&d.History).Error
	return d, err
}

// ListPortfolios returns the actor's lender's portfolios, newest first.
func (s *Store) ListPortfolios(ctx context.Context, a collect.Actor, p Page) ([]allocation.Portfolio, int64, error) {
	q := s.db.WithContext(ctx).Table("portfolios").Scopes(portfolioScope(a))
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p = p.Normal()
	var out []allocation.Portfolio
	err := q.Order("imported_at DESC, id").Offset(p.offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, err
}

// Portfolio returns one portfolio in the actor's scope.
func (s *Store) Portfolio(ctx context.Context, a collect.Actor, id string) (allocation.Portfolio, error) {
	var out allocation.Portfolio
	err := s.db.WithContext(ctx).Table("portfolios").Scopes(portfolioScope(a)).Where("portfolios.id = ?", id).Take(&out).Error
	return out, notFound(err, "portfolio")
}

// AccountIDsByRef resolves the lender's loan references to account ids;
// references it does not know are returned as missing.
func (s *Store) AccountIDsByRef(ctx context.Context, a collect.Actor, refs []string) (ids, missing []string, err error) {
	if len(refs) == 0 {
		return nil, nil, nil
	}
	if len(refs) > 10000 {
		return nil, nil, collect.E(collect.EINVALID, "err.account.too_many_refs", "max", "10,000")
	}
	var rows []struct{ ID, ExternalRef string }
	if err := s.db.WithContext(ctx).Table("accounts").Scopes(accountScope(a)).Select("accounts.id, accounts.external_ref").
		Where("accounts.external_ref IN ?", refs).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	found := map[string]string{}
	for _, r := range rows {
		found[r.ExternalRef] = r.ID
	}
	for _, ref := range refs {
		if id, ok := found[ref]; ok {
			ids = append(ids, id)
		} else {
			missing = append(missing, ref)
		}
	}
	return ids, missing, nil
}

// UnmaskAccount shows one account's personal data to someone whose role
// masks it (an auditor), once, for a stated reason, which is audited.
func (s *Store) UnmaskAccount(ctx context.Context, a collect.Actor, id, reason string) (AccountDetail, error) {
	if err := allocation.ValidReason(reason); err != nil {
		return AccountDetail{}, err
	}
	var scan accountRowScan
	if err := s.accountsQuery(ctx, a).Select(accountColumns).Where("accounts.id = ?", id).Take(&scan).Error; err != nil {
		return AccountDetail{}, notFound(err, "account")
	}
	if err := s.inTx(ctx, func(tx *gorm.DB) error {
		return s.appendAudit(tx, a, auditRecord{Action: "account.unmask", ObjectType: "account", ObjectID: id, LenderID: scan.LenderID,
			After: map[string]string{"reason_sha256": textDigest(strings.TrimSpace(reason))}})
	}); err != nil {
		return AccountDetail{}, err
	}
	d, err := s.Account(ctx, a, id, false)
	if err != nil {
		return d, err
	}
	d.Account, d.Masked = scan.Account, false
	return d, nil
}

// personDetail adds the conduct profile, the zones, the linked person and
// the person's requests and holds to d.
func (s *Store) personDetail(ctx context.Context, a collect.Actor, d *AccountDetail) error {
	db := s.db.WithContext(ctx)
	var acc caseAccount
	if err := db.Table("accounts").Where("id = ?", d.ID).Take(&acc).Error; err != nil {
		return err
	}
	d.ConductProfile, d.TimeZone, d.TimeZones = acc.ConductProfile, acc.TimeZone, accountZones(acc)
	if d.ConductProfile == "" {
		d.ConductProfile = "china"
	}
	if d.TimeZone == "" && len(d.TimeZones) > 0 {
		d.TimeZone = d.TimeZones[0]
	}
	d.State, d.ZIP, d.ConsentOutOfHours, d.GuarantorAllowed = acc.State, acc.ZIP, acc.ConsentOutOfHours, acc.GuarantorAllowed
	d.SSNLast4 = acc.SSNLast4
	if d.Masked && d.SSNLast4 != "" {
		d.SSNLast4 = "****"
	}
	key := personKey(acc)
	d.DebtorID = key
	d.DebtorAccounts, d.Requests, d.Holds = []DebtorAccount{}, []DebtorRequest{}, []CareHold{}
	if acc.DebtorKey != nil && *acc.DebtorKey != "" {
		if err := db.Table("accounts").Scopes(accountScope(a)).
			Select("accounts.id, accounts.external_ref, accounts.balance_cents, accounts.currency, accounts.stage, COALESCE(accounts.agency_id, '') AS agency_id").
			Where("accounts.lender_id = ? AND accounts.debtor_key = ? AND accounts.id <> ?", acc.LenderID, key, acc.ID).
			Order("accounts.external_ref").Limit(100).Scan(&d.DebtorAccounts).Error; err != nil {
			return err
		}
	}
	reqs, holds, err := personRules(db, acc.LenderID, key)
	if err != nil {
		return err
	}
	now := s.now()
	for _, r := range reqs {
		d.Requests = append(d.Requests, r.view(now))
	}
	for _, h := range holds {
		v := h.view(now)
		if d.Masked {
			v.Note, v.Evidence = "", "" // a vulnerability is personal data
		}
		d.Holds = append(d.Holds, v)
	}
	return nil
}
