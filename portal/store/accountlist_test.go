package store_test

import (
	"collect"
	"context"
	"strings"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// referenceOrder is the ids of the accounts matching where, in the order of
// sort, read by one plain query (no plan, no cursor): what every way of
// paging the list must reproduce.
func referenceOrder(t *testing.T, s *store.Store, sort, where string, args ...any) []string {
	t.Helper()
	col := map[string]string{"dpd": "dpd", "balance": "balance_cents", "name": "debtor_name", "ref": "external_ref"}[strings.TrimPrefix(sort, "-")]
	dir := "ASC"
	if strings.HasPrefix(sort, "-") {
		dir = "DESC"
	}
	tie := "id"
	if s.Dialect() == "sqlite" {
		tie = "rowid"
	} else if col == "debtor_name" || col == "external_ref" {
		col += ` COLLATE "C"`
	}
	rows, err := s.DB().Query(`SELECT id FROM accounts WHERE `+where+` ORDER BY `+col+` `+dir+`, `+tie+` `+dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func rowIDs(rows []store.AccountRow) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

func sameIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// subsequence reports whether a's ids appear in b in the same order.
func subsequence(a, b []string) bool {
	i := 0
	for _, id := range b {
		if i < len(a) && a[i] == id {
			i++
		}
	}
	return i == len(a)
}

// Following the cursor and asking for pages by number give the same rows in
// the same order as one plain ordered query, for every sort, filter and
// search the list offers, in both scopes, below and past the count cap (a
// cap of 5 sends the filtered sorts through the sort index's walk and makes
// the totals lower bounds).
func TestAccountListKeysetMatchesOffset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		port := portfolios(t, s, vm)[0].ID
		var stage, namePrefix, refPrefix string
		if err := s.DB().QueryRow(`SELECT stage FROM accounts WHERE agency_id = $1 GROUP BY stage ORDER BY COUNT(*) DESC LIMIT 1`, agent.OrgID).Scan(&stage); err != nil {
			t.Fatal(err)
		}
		if err := s.DB().QueryRow(`SELECT debtor_name, external_ref FROM accounts WHERE agency_id = $1 ORDER BY id LIMIT 1`, agent.OrgID).Scan(&namePrefix, &refPrefix); err != nil {
			t.Fatal(err)
		}
		namePrefix = string([]rune(namePrefix)[:1])
		refPrefix = refPrefix[:len(refPrefix)-2]
		type filterCase struct {
			name  string
			f     store.AccountFilter
			where string
			args  []any
		}
		lender := []filterCase{
			{"All", store.AccountFilter{}, "lender_id = $1", []any{vm.OrgID}},
			{"Bucket", store.AccountFilter{Bucket: "M2"}, "lender_id = $1 AND bucket = $2", []any{vm.OrgID, "M2"}},
			{"Stage", store.AccountFilter{Stage: stage}, "lender_id = $1 AND stage = $2", []any{vm.OrgID, stage}},
			{"Unplaced", store.AccountFilter{Agency: "none"}, "lender_id = $1 AND agency_id IS NULL", []any{vm.OrgID}},
			{"Agency", store.AccountFilter{Agency: agent.OrgID}, "lender_id = $1 AND agency_id = $2", []any{vm.OrgID, agent.OrgID}},
			{"Portfolio", store.AccountFilter{Portfolio: port}, "lender_id = $1 AND portfolio_id = $2", []any{vm.OrgID, port}},
			{"StageAndBucket", store.AccountFilter{Stage: stage, Bucket: "M2"}, "lender_id = $1 AND stage = $2 AND bucket = $3", []any{vm.OrgID, stage, "M2"}},
			{"Name", store.AccountFilter{Query: namePrefix}, "lender_id = $1 AND debtor_name LIKE $2", []any{vm.OrgID, namePrefix + "%"}},
			{"Ref", store.AccountFilter{Query: refPrefix}, "lender_id = $1 AND external_ref LIKE $2", []any{vm.OrgID, refPrefix + "%"}},
		}
		agency := []filterCase{
			{"All", store.AccountFilter{}, "agency_id = $1", []any{agent.OrgID}},
			{"Bucket", store.AccountFilter{Bucket: "M2"}, "agency_id = $1 AND bucket = $2", []any{agent.OrgID, "M2"}},
			{"Stage", store.AccountFilter{Stage: stage}, "agency_id = $1 AND stage = $2", []any{agent.OrgID, stage}},
			{"Name", store.AccountFilter{Query: namePrefix}, "agency_id = $1 AND debtor_name LIKE $2", []any{agent.OrgID, namePrefix + "%"}},
		}
		const per = 13
		for _, cap := range []int{0, 5} {
			s.SetListCountCap(cap)
			for _, scope := range []struct {
				name  string
				actor collect.Actor
				cases []filterCase
			}{{"Lender", vm, lender}, {"Agency", agent, agency}} {
				for _, c := range scope.cases {
					for _, sort := range []string{"dpd", "-dpd", "balance", "-balance", "name", "-name", "ref", "-ref"} {
						want := referenceOrder(t, s, sort, c.where, c.args...)
						if c.name == "All" && len(want) < 3*per {
							t.Fatalf("%s: only %d accounts: too few to page", scope.name, len(want))
						}
						f := c.f
						f.Sort, f.Page = sort, store.Page{PerPage: per}
						var byCursor, byOffset []string
						for page := 1; ; page++ {
							f.Page.Page = page
							got, err := s.ListAccountsPage(ctx, scope.actor, f)
							if err != nil {
								t.Fatalf("cap %d %s %s %s page %d: %v", cap, scope.name, c.name, sort, page, err)
							}
							if page == 1 {
								switch {
								case (cap == 0 || c.f.Query == "") && (!got.TotalExact || got.Total != int64(len(want))):
									// Without a search the counters make every total exact.
									t.Fatalf("%s %s %s: total %d exact %v, want %d exact", scope.name, c.name, sort, got.Total, got.TotalExact, len(want))
								case cap == 5 && c.f.Query != "" && len(want) > 5 && (got.TotalExact || got.Total != 5):
									t.Fatalf("cap 5 %s %s %s: total %d exact %v over %d rows, want a lower bound of 5", scope.name, c.name, sort, got.Total, got.TotalExact, len(want))
								}
							}
							byCursor = append(byCursor, rowIDs(got.Rows)...)
							if got.Next == "" {
								break
							}
							f.After = got.Next
							if page > len(want)/per+2 {
								t.Fatalf("%s %s %s: the cursor does not end", scope.name, c.name, sort)
							}
						}
						f.After = ""
						for page := 1; page <= len(want)/per+1; page++ {
							f.Page.Page = page
							got, err := s.ListAccountsPage(ctx, scope.actor, f)
							if err != nil {
								t.Fatal(err)
							}
							byOffset = append(byOffset, rowIDs(got.Rows)...)
						}
						if c.f.Query != "" && cap == 5 && len(want) > 5 {
							// A search reads at most cap+1 names and cap+1
							// references: a part of the matches, in order.
							if !sameIDs(byCursor, byOffset) || !subsequence(byCursor, want) || len(byCursor) < 6 {
								t.Fatalf("cap 5 %s %s %s: search pages %d/%d rows, not an ordered part of the %d matches", scope.name, c.name, sort, len(byCursor), len(byOffset), len(want))
							}
							continue
						}
						if !sameIDs(byCursor, want) {
							t.Fatalf("cap %d %s %s %s: by cursor %d rows, differs from the plain order (%d rows)", cap, scope.name, c.name, sort, len(byCursor), len(want))
						}
						if !sameIDs(byOffset, want) {
							t.Fatalf("cap %d %s %s %s: by page number %d rows, differs from the plain order (%d rows)", cap, scope.name, c.name, sort, len(byOffset), len(want))
						}
					}
				}
			}
		}
		// A cursor is bound to its sort; a forged one is refused.
		first, err := s.ListAccountsPage(ctx, vm, store.AccountFilter{Sort: "balance", Page: store.Page{PerPage: per}})
		if err != nil || first.Next == "" {
			t.Fatalf("first page: %v", err)
		}
		for _, bad := range []store.AccountFilter{{Sort: "-balance", After: first.Next}, {After: "not-a-cursor"}} {
			if _, err := s.ListAccountsPage(ctx, vm, bad); collect.ErrorCode(err) != collect.EINVALID {
				t.Fatalf("cursor %q under sort %q: %v, want invalid", bad.After, bad.Sort, err)
			}
		}
	})
}

// Search finds an account by its national ID number or phone however they
// are written (through the keyed hash, never the raw number), by its
// reference whole or by prefix, and by a prefix of the debtor's name; it
// never finds another lender's or another agency's account.
func TestAccountSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		agentA := actorFor(t, s, "agent@agency-a.test")
		agentB := actorFor(t, s, "agent@agency-b.test")
		admin := actorFor(t, s, "admin@platform.test")
		var id, ref, name, nationalID, phone, idKey, phoneKey string
		if err := s.DB().QueryRow(`SELECT id, external_ref, debtor_name, national_id, phone, national_id_key, phone_key FROM accounts
			WHERE agency_id = $1 ORDER BY id LIMIT 1`, agentA.OrgID).Scan(&id, &ref, &name, &nationalID, &phone, &idKey, &phoneKey); err != nil {
			t.Fatal(err)
		}
		if len(idKey) != 32 || len(phoneKey) != 32 || strings.Contains(idKey, nationalID) || idKey == phoneKey {
			t.Fatalf("keys %q %q are not keyed hashes", idKey, phoneKey)
		}
		search := func(a collect.Actor, q string) []store.AccountRow {
			t.Helper()
			p, err := s.ListAccountsPage(ctx, a, store.AccountFilter{Query: q, Page: store.Page{PerPage: 500}})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			return p.Rows
		}
		has := func(rows []store.AccountRow) bool {
			for _, r := range rows {
				if r.ID == id {
					return true
				}
			}
			return false
		}
		lowerX := strings.ToLower(nationalID)
		spacedPhone := "+86 " + phone[:3] + "-" + phone[3:7] + "-" + phone[7:]
		for _, q := range []string{nationalID, lowerX, phone, spacedPhone, ref, ref[:len(ref)-1], name} {
			for _, a := range []collect.Actor{vm, agentA} {
				rows := search(a, q)
				if !has(rows) {
					t.Fatalf("%s searching %q does not find the account", a.Email, q)
				}
				for _, r := range rows {
					var rn, rp, rr, rnat string
					if err := s.DB().QueryRow(`SELECT debtor_name, phone, external_ref, national_id FROM accounts WHERE id = $1`, r.ID).Scan(&rn, &rp, &rr, &rnat); err != nil {
						t.Fatal(err)
					}
					if !strings.HasPrefix(rn, q) && !strings.HasPrefix(rr, q) && rnat != nationalID && rp != phone {
						t.Fatalf("searching %q found %s (%s, %s), which does not match", q, r.ID, rn, rr)
					}
					if a.OrgKind == collect.KindAgency && (r.Placement == nil || r.Placement.AgencyID != a.OrgID) {
						t.Fatalf("agency search found %s, not placed with it", r.ID)
					}
				}
			}
		}
		other := vm
		other.OrgID = "another-lender"
		for _, a := range []collect.Actor{agentB, other, admin} {
			for _, q := range []string{nationalID, phone, ref, name} {
				if rows := search(a, q); has(rows) {
					t.Fatalf("%s (%s) searching %q finds an account outside its scope", a.Email, a.OrgID, q)
				}
			}
		}
		// The agency filter of an agency is its own.
		p, err := s.ListAccountsPage(ctx, agentA, store.AccountFilter{Agency: agentB.OrgID})
		if err != nil || len(p.Rows) != 0 || p.Total != 0 {
			t.Fatalf("agency A filtering by agency B: %d rows, total %d, %v", len(p.Rows), p.Total, err)
		}
	})
}

// An imported account is found by its phone and national ID at once (the
// keys are written with the rows), and a re-import that changes the phone
// moves the key with it.
func TestImportedAccountsAreSearchable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		due := time.Now().UTC().AddDate(0, 0, -40).Format("2006-01-02")
		csv := func(phone string) []byte {
			return []byte("external_ref,debtor_name,national_id,phone,province,principal,balance,due_date,dpd\n" +
				"SEARCH-1,欧阳娜,11010519491231002X," + phone + ",北京市,1000.00,900.00," + due + ",40\n")
		}
		find := func(q string) int {
			t.Helper()
			p, err := s.ListAccountsPage(ctx, vm, store.AccountFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range p.Rows {
				if r.ExternalRef == "SEARCH-1" {
					n++
				}
			}
			return n
		}
		if res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "search", Filename: "s.csv", Source: rowSource(t, csv("13912345678"))}); err != nil || res.Accepted != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if find("139 1234 5678") != 1 || find("11010519491231002x") != 1 {
			t.Fatal("the imported account is not found by its phone or national ID")
		}
		if res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "again", Filename: "s2.csv", Source: rowSource(t, csv("13787654321"))}); err != nil || res.Accepted != 1 {
			t.Fatalf("%+v %v", res, err)
		}
		if find("13912345678") != 0 || find("13787654321") != 1 {
			t.Fatal("the re-import's new phone is not what finds the account")
		}
	})
}
