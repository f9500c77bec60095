package store

import (
	"collect"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"collect/allocation"
)

// The account list at a book's size (1,000,000 accounts): every page is an
// index walk, never a scan of the book.
//
//   - Scope first: lender staff read accounts.lender_id, agency staff
//     accounts.agency_id (the active placement's agency, kept by triggers).
//   - Each offered sort has an index (scope, key, id), and each offered
//     filter one that reads it in dpd order (migration 00027): (scope, stage,
//     dpd, id), (portfolio_id, dpd, id), (lender_id, agency_id, dpd, id),
//     and (scope, dpd, id) for a bucket, a band of dpd. With
//     no filter, or a filter and the dpd sort, the page is a walk of one
//     index.
//   - A filter with another sort is counted first (the counters below): a
//     set of at most CountCap is read from that index and sorted; a
//     larger one is walked in the sort's index, the filter checked on the way
//     (at least one row in CountCap/rows matches, so the walk is short unless
//     the filter and the sort are correlated).
//   - Search (q) is a union of keyed lookups, each bounded (SearchCap): a prefix of the
//     loan reference, a prefix of the debtor's name, the keyed hash of an
//     identity or mobile number (searchkeys.go); the filters and the sort
//     apply to that set.
//   - The following page is a keyset seek from the cursor (after); a page by
//     number is an OFFSET on the same walk, correct at any depth.
//   - Without a search the total is exact, summed from the counters that
//     the database keeps per lender, portfolio, agency, bucket and stage
//     (account_counts, 00029). A search's total is counted up to SearchCap;
//     past it the total is a lower bound (TotalExact false), which the page
//     says.
//
// On SQLite, which keeps no statistics here, the index of each walk is named
// (INDEXED BY); PostgreSQL's planner chooses, the small sets materialised so
// that they are read from the filter's index.

// CountCap is how far a list counts: past it, "more than CountCap".
const CountCap = 10000

// SearchCap bounds a search (q): each of its prefix lookups reads at most
// SearchCap+1 accounts, and its total is exact up to SearchCap.
const SearchCap = 1000

// AccountPage is one page of the account list.
type AccountPage struct {
	Rows []AccountRow
	// Total is exact when TotalExact; otherwise (a search past SearchCap)
	// the list holds more than Total rows.
	Total      int64
	TotalExact bool
	// Next is the cursor of the following page, "" on the last page.
	Next string
}

// accountSort is one offered ordering: the column, its direction, and the
// index suffix (accounts_lender_<ix>, accounts_agency_<ix>).
type accountSort struct {
	key     string // as in ?sort=, without the "-"
	col     string
	desc    bool
	numeric bool
}

var accountSortCols = map[string]struct {
	col     string
	numeric bool
}{
	"dpd": {"dpd", true}, "balance": {"balance_cents", true}, "name": {"debtor_name", false}, "ref": {"external_ref", false},
}

func sortOf(key string) accountSort {
	if key == "" {
		key = "-dpd"
	}
	desc := strings.HasPrefix(key, "-")
	k := strings.TrimPrefix(key, "-")
	c := accountSortCols[k]
	return accountSort{key: k, col: c.col, desc: desc, numeric: c.numeric}
}

// expr is the sort key as SQL on the table alias: bytewise for text (the
// indexes of names and references are COLLATE "C" on PostgreSQL).
func (o accountSort) expr(dialect, alias string) string {
	e := alias + "." + o.col
	if !o.numeric && dialect == "postgres" {
		e += ` COLLATE "C"`
	}
	return e
}

func (o accountSort) dir() string {
	if o.desc {
		return "DESC"
	}
	return "ASC"
}

// cursor is the position after the last row of a page, for one sort.
type cursor struct {
	Sort string `json:"s"`
	Key  string `json:"k"`
	ID   string `json:"i"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, sortKey string, numeric bool) (cursor, error) {
	bad := collect.Invalid("after", "err.account.bad_cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.ID == "" || c.Sort != sortKey {
		return cursor{}, bad
	}
	if numeric {
		if _, err := strconv.ParseInt(c.Key, 10, 64); err != nil {
			return cursor{}, bad
		}
	}
	return c, nil
}

// listConds are a query's conditions, ANDed.
type listConds struct {
	sql  []string
	args []any
}

func (c *listConds) add(sql string, args ...any) {
	c.sql = append(c.sql, sql)
	c.args = append(c.args, args...)
}

func (c listConds) where() string { return strings.Join(c.sql, " AND ") }

// accountPlan is how one list request reads: its conditions, the index of
// its filter (or of its scope's dpd walk) and of its sort, and the search.
type accountPlan struct {
	conds       listConds
	counted     listConds // the same conditions on account_counts (00029): the total without a search
	scopeIx     string    // accounts_lender_ / accounts_agency_
	scopeCol    string
	scopeID     string
	filterIx    string // "" without a filter
	sort        accountSort
	search      *accountSearch
	empty       bool // the scope or the filters admit no account
	dialect     string
	after       *cursor
	afterTie    any // the cursor row's tie-breaker: its rowid on SQLite, its id on PostgreSQL
	offset, per int
	cap         int // CountCap, or the store's test setting
}

type accountSearch struct {
	prefix, upper     string // the name and reference prefix range [prefix, upper); upper "" when unbounded
	nationalID, phone string // identity keys, "" when q is not one
}

func (s *Store) planAccounts(ctx context.Context, a collect.Actor, f AccountFilter) (accountPlan, error) {
	p := accountPlan{sort: sortOf(f.Sort), dialect: s.dialect, cap: CountCap}
	if s.listCap > 0 {
		p.cap = s.listCap
	}
	pg := f.Page.Normal()
	p.per = pg.PerPage
	switch a.OrgKind {
	case collect.KindLender:
		p.scopeIx, p.scopeCol = "accounts_lender_", "lender_id"
	case collect.KindAgency:
		p.scopeIx, p.scopeCol = "accounts_agency_", "agency_id"
	default:
		p.empty = true
		return p, nil
	}
	p.scopeID = a.OrgID
	p.conds.add("accounts."+p.scopeCol+" = ?", a.OrgID)
	p.counted.add(p.scopeCol+" = ?", a.OrgID)
	// The filters, the most selective first: its index is the filter's.
	if f.Portfolio != "" {
		p.conds.add("accounts.portfolio_id = ?", f.Portfolio)
		p.counted.add("portfolio_id = ?", f.Portfolio)
		p.filterIx = "accounts_portfolio_dpd"
	}
	switch {
	case f.Agency == "":
	case a.OrgKind == collect.KindAgency:
		// An agency's accounts are its own: another agency's, or none, is empty.
		if f.Agency != a.OrgID {
			p.empty = true
		}
	case f.Agency == "none":
		p.conds.add("accounts.agency_id IS NULL")
		p.counted.add("agency_id = ''")
		p.filterIx = firstNonEmpty(p.filterIx, "accounts_lender_agency")
	default:
		p.conds.add("accounts.agency_id = ?", f.Agency)
		p.counted.add("agency_id = ?", f.Agency)
		p.filterIx = firstNonEmpty(p.filterIx, "accounts_lender_agency")
	}
	if f.Stage != "" {
		p.conds.add("accounts.stage = ?", f.Stage)
		p.counted.add("stage = ?", f.Stage)
		p.filterIx = firstNonEmpty(p.filterIx, p.scopeIx+"stage")
	}
	if f.Bucket != "" {
		// A bucket is a band of dpd (allocation.Bucket over DefaultBands; the
		// import writes both together): the range is read in (scope, dpd),
		// counted without reading the rows.
		p.counted.add("bucket = ?", f.Bucket)
		band := false
		for _, b := range allocation.DefaultBands {
			if b.Name == f.Bucket {
				band = true
				p.conds.add("accounts.dpd >= ?", b.Min)
				if b.Max > 0 {
					p.conds.add("accounts.dpd <= ?", b.Max)
				}
			}
		}
		if !band {
			p.conds.add("accounts.bucket = ?", f.Bucket)
		}
		p.filterIx = firstNonEmpty(p.filterIx, p.scopeIx+"dpd")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		se := &accountSearch{prefix: q, upper: prefixUpper(q)}
		if id, phone := allocation.SearchIdentity(q); id != "" || phone != "" {
			key, err := s.searchKey(ctx)
			if err != nil {
				return p, err
			}
			if id != "" {
				se.nationalID = identityKey(key, "national_id", id)
			}
			if phone != "" {
				se.phone = identityKey(key, "phone", phone)
			}
		}
		p.search = se
		// A search finds, it does not browse: past SearchCap matches the
		// page asks for more words.
		p.cap = min(p.cap, SearchCap)
	}
	if f.After != "" {
		c, err := decodeCursor(f.After, f.sortKey(), p.sort.numeric)
		if err != nil {
			return p, err
		}
		p.after, p.afterTie = &c, c.ID
		if s.dialect == "sqlite" {
			var rowids []int64
			if err := s.db.WithContext(ctx).Raw("SELECT rowid FROM accounts WHERE id = ?", c.ID).Scan(&rowids).Error; err != nil {
				return p, err
			}
			if len(rowids) == 0 {
				return p, collect.Invalid("after", "err.account.bad_cursor")
			}
			p.afterTie = rowids[0]
		}
	} else {
		p.offset = pg.offset()
	}
	return p, nil
}

func (f AccountFilter) sortKey() string {
	if f.Sort == "" {
		return "-dpd"
	}
	return f.Sort
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// prefixUpper is the least string above every string that starts with p in
// bytewise order (the last rune plus one), "" when there is none.
func prefixUpper(p string) string {
	r, size := utf8.DecodeLastRuneInString(p)
	if r == utf8.RuneError || r >= utf8.MaxRune {
		return ""
	}
	r++
	if r == 0xD800 { // past the surrogates
		r = 0xE000
	}
	return p[:len(p)-size] + string(r)
}

// tie is the tie-breaker of equal sort keys on the alias: the rowid on
// SQLite (every index ends in it), the id on PostgreSQL.
func (p accountPlan) tie(alias string) string {
	if p.dialect == "sqlite" {
		return alias + ".rowid"
	}
	return alias + ".id"
}

// indexed names the index of a walk on SQLite, which keeps no statistics
// here; PostgreSQL's planner chooses.
func (p accountPlan) indexed(ix string) string {
	switch {
	case p.dialect != "sqlite" || ix == "":
		return ""
	case ix == "accounts_lender_ref":
		// A lender's references are in its UNIQUE (lender_id, external_ref),
		// the table's second autoindex (the primary key is the first).
		ix = "sqlite_autoindex_accounts_2"
	}
	return " INDEXED BY " + ix
}

// searchCTE is the search's candidate set as WITH clauses (c: the ids
// found, bounded; n, r: the name and reference branches, each at most
// CountCap+1, for exactness), with its arguments.
func (p accountPlan) searchCTE() (string, []any) {
	se := p.search
	scope := "accounts." + p.scopeCol + " = ?"
	lim := " LIMIT " + strconv.Itoa(p.cap+1)
	var args []any
	branch := func(col, ix string) string {
		e := accountSort{col: col}.expr(p.dialect, "accounts")
		q := "SELECT accounts.id AS id FROM accounts" + p.indexed(p.scopeIx+ix) + " WHERE " + scope + " AND " + e + " >= ?"
		args = append(args, p.scopeID, se.prefix)
		if se.upper != "" {
			q += " AND " + e + " < ?"
			args = append(args, se.upper)
		}
		return q + " ORDER BY " + e + ", " + p.tie("accounts") + lim
	}
	sqlText := "WITH n AS MATERIALIZED (" + branch("debtor_name", "name") + "), r AS MATERIALIZED (" + branch("external_ref", "ref") + ")"
	union := "SELECT id FROM n UNION SELECT id FROM r"
	if se.nationalID != "" {
		union += " UNION SELECT accounts.id FROM accounts" + p.indexed("accounts_national_id_key") + " WHERE accounts.national_id_key = ? AND " + scope
		args = append(args, se.nationalID, p.scopeID)
	}
	if se.phone != "" {
		union += " UNION SELECT accounts.id FROM accounts" + p.indexed("accounts_phone_key") + " WHERE accounts.phone_key = ? AND " + scope
		args = append(args, se.phone, p.scopeID)
	}
	return sqlText + ", c AS MATERIALIZED (" + union + ")", args
}

// candidates selects sel (columns of accounts, aliased) from the accounts
// of the search's set c that meet the plan's conditions, one primary-key
// lookup per candidate: SQLite's CROSS JOIN keeps c the outer loop;
// PostgreSQL gets a LATERAL subquery behind OFFSET 0, which it cannot turn
// into a hash join over a scan of accounts.
func (p accountPlan) candidates(sel string) string {
	if p.dialect == "sqlite" {
		return "SELECT " + sel + " FROM c CROSS JOIN accounts WHERE accounts.id = c.id AND " + p.conds.where()
	}
	return "SELECT a.* FROM c CROSS JOIN LATERAL (SELECT " + sel + " FROM accounts WHERE accounts.id = c.id AND " + p.conds.where() + " OFFSET 0) a"
}

// countAccounts is the plan's total and whether it is exact: a search's is
// counted up to its cap, the rest summed from the counters.
func (s *Store) countAccounts(ctx context.Context, p accountPlan) (int64, bool, error) {
	lim := " LIMIT " + strconv.Itoa(p.cap+1)
	var q string
	var args []any
	if p.search != nil {
		cte, cargs := p.searchCTE()
		q = cte + " SELECT (SELECT COUNT(*) FROM n), (SELECT COUNT(*) FROM r), (SELECT COUNT(*) FROM (" + p.candidates("1 AS one") + lim + ") t)"
		args = append(cargs, p.conds.args...)
		var n, r, total int64
		if err := s.db.WithContext(ctx).Raw(q, args...).Row().Scan(&n, &r, &total); err != nil {
			return 0, false, err
		}
		exact := n <= int64(p.cap) && r <= int64(p.cap) && total <= int64(p.cap)
		return min(total, int64(p.cap)), exact, nil
	}
	// Without a search the total is exact, summed from the counters the
	// database keeps in every write's transaction (account_counts, 00029:
	// per lender, portfolio, agency, bucket and stage), instead of counting
	// up to the cap in an index on every request.
	var total int64
	q = "SELECT COALESCE(SUM(accounts), 0) FROM account_counts WHERE " + p.counted.where()
	if err := s.db.WithContext(ctx).Raw(q, p.counted.args...).Row().Scan(&total); err != nil {
		return 0, false, err
	}
	return total, true, nil
}

// pageIDs reads the page's ids and sort keys, one more than the page to know
// whether another follows.
//
// A search's page carries its counts too (one reading of the candidates):
// counts holds, from the first row, the matches and the name and reference
// branches' sizes; nil when the page is empty.
func (s *Store) pageIDs(ctx context.Context, p accountPlan, small bool) (ids, keys []string, counts *[3]int64, err error) {
	o := p.sort
	dir := o.dir()
	cmp := ">"
	if o.desc {
		cmp = "<"
	}
	// tail is the keyset seek, the order and the page's bounds, for a key
	// and tie-breaker on one alias.
	tail := func(key, tie string) (string, []any) {
		var w string
		var args []any
		if p.after != nil {
			var k any = p.after.Key
			if o.numeric {
				k, _ = strconv.ParseInt(p.after.Key, 10, 64)
			}
			w = " AND (" + key + ", " + tie + ") " + cmp + " (?, ?)"
			args = append(args, k, p.afterTie)
		}
		t := w + " ORDER BY " + key + " " + dir + ", " + tie + " " + dir + " LIMIT " + strconv.Itoa(p.per+1)
		if p.offset > 0 {
			t += " OFFSET " + strconv.Itoa(p.offset)
		}
		return t, args
	}
	// m is a materialised set: id, tie-breaker, key.
	mCols := "accounts.id AS id, " + p.tie("accounts") + " AS tb, accounts." + o.col + " AS " + o.col
	mSelect := "SELECT " + mCols
	var q string
	var args []any
	switch {
	case p.search != nil:
		cte, cargs := p.searchCTE()
		t, targs := tail(o.expr(p.dialect, "w"), "w.tb")
		q = cte + ", m AS MATERIALIZED (" + p.candidates(mCols) + "), w AS (SELECT m.*, COUNT(*) OVER () AS total FROM m)" +
			" SELECT w.id, w." + o.col + ", w.total, (SELECT COUNT(*) FROM n), (SELECT COUNT(*) FROM r) FROM w WHERE 1 = 1" + t
		args = append(append(cargs, p.conds.args...), targs...)
	case small:
		t, targs := tail(o.expr(p.dialect, "m"), "m.tb")
		q = "WITH m AS MATERIALIZED (" + mSelect + " FROM accounts" + p.indexed(p.filterIx) + " WHERE " +
			p.conds.where() + ") SELECT m.id, m." + o.col + " FROM m WHERE 1 = 1" + t
		args = append(p.conds.args, targs...)
	default:
		ix := p.scopeIx + o.key
		if p.filterIx != "" && o.key == "dpd" {
			ix = p.filterIx
		}
		t, targs := tail(o.expr(p.dialect, "accounts"), p.tie("accounts"))
		q = "SELECT accounts.id, accounts." + o.col + " FROM accounts" + p.indexed(ix) + " WHERE " + p.conds.where() + t
		args = append(p.conds.args, targs...)
	}
	rows, err := s.db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var k sql.NullString
		var c [3]int64
		dest := []any{&id, &k}
		if p.search != nil {
			dest = append(dest, &c[0], &c[1], &c[2])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, nil, err
		}
		if p.search != nil && counts == nil {
			counts = &c
		}
		ids, keys = append(ids, id), append(keys, k.String)
	}
	return ids, keys, counts, rows.Err()
}

// ListAccountsPage returns one page of the accounts in the actor's scope
// that match f, its total (exact up to CountCap) and the cursor of the
// next page. National IDs and phones are always masked in lists.
func (s *Store) ListAccountsPage(ctx context.Context, a collect.Actor, f AccountFilter) (AccountPage, error) {
	out := AccountPage{Rows: []AccountRow{}, TotalExact: true}
	if err := f.Validate(); err != nil {
		return out, err
	}
	p, err := s.planAccounts(ctx, a, f)
	if err != nil || p.empty {
		return out, err
	}
	var ids, keys []string
	if p.search != nil {
		// The search's page and its counts in one reading; an empty page
		// (past the end) counts on its own.
		var counts *[3]int64
		if ids, keys, counts, err = s.pageIDs(ctx, p, false); err != nil {
			return out, err
		}
		if counts == nil {
			if out.Total, out.TotalExact, err = s.countAccounts(ctx, p); err != nil {
				return out, err
			}
		} else {
			c := int64(p.cap)
			out.Total, out.TotalExact = min(counts[0], c), counts[0] <= c && counts[1] <= c && counts[2] <= c
		}
	} else {
		total, exact, err := s.countAccounts(ctx, p) // exact: the counters
		if err != nil {
			return out, err
		}
		out.Total, out.TotalExact = total, exact
		if total == 0 {
			return out, nil
		}
		small := p.filterIx != "" && p.sort.key != "dpd" && total <= int64(p.cap)
		if ids, keys, _, err = s.pageIDs(ctx, p, small); err != nil {
			return out, err
		}
	}
	if len(ids) > p.per {
		out.Next = encodeCursor(cursor{Sort: f.sortKey(), Key: keys[p.per-1], ID: ids[p.per-1]})
		ids = ids[:p.per]
	}
	if len(ids) == 0 {
		return out, nil
	}
	// The page's rows by primary key, the scope checked again. SQLite,
	// without statistics, would rather walk the scope's index than look up
	// 50 ids: its primary key index is named (the table's first autoindex).
	table := "accounts"
	if s.dialect == "sqlite" {
		table = "accounts INDEXED BY sqlite_autoindex_accounts_1"
	}
	var scans []accountRowScan
	if err := s.accountsQueryOn(ctx, a, table).Select(accountColumns).Where("accounts.id IN ?", ids).Scan(&scans).Error; err != nil {
		return out, err
	}
	byID := make(map[string]accountRowScan, len(scans))
	for _, r := range scans {
		byID[r.ID] = r
	}
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out.Rows = append(out.Rows, r.row())
		}
	}
	return out, nil
}
