package store_test

import (
	"collect"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"collect/casework"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// TestContactPredicatesSQL: each predicate's SQL fragment selects exactly
// the contacts its Go function accepts, on every combination of channel,
// party, direction and outcome, on both databases.
func TestContactPredicatesSQL(t *testing.T) {
	t.Parallel()
	predicates := []struct {
		name string
		goFn func(casework.Contact) bool
		sql  func(t string) string
	}{
		{"ContactAttempt", casework.ContactAttempt, casework.ContactAttemptSQL},
		{"DebtorReached", casework.DebtorReached, casework.DebtorReachedSQL},
		{"RightPartyContact", casework.RightPartyContact, casework.RightPartyContactSQL},
		{"ThirdPartyRefusal", casework.ThirdPartyRefusal, casework.ThirdPartyRefusalSQL},
	}
	var rows []casework.Contact
	var values []string
	for _, ch := range casework.ContactChannels {
		for _, p := range casework.ContactParties {
			for _, d := range casework.ContactDirections {
				for _, o := range casework.ContactOutcomes {
					values = append(values, fmt.Sprintf("(%d, '%s', '%s', '%s', '%s')", len(rows), ch, p, d, o))
					rows = append(rows, casework.Contact{Channel: ch, Party: p, Direction: d, Outcome: o})
				}
			}
		}
	}
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := storetest.Open(t, dialect, store.Options{})
		db := s.DB()
		// The contacts table's columns, without the rows it needs to exist
		// first (accounts, placements).
		if _, err := db.Exec(`CREATE TABLE predicate_contacts (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, party TEXT NOT NULL,
			direction TEXT NOT NULL, outcome TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO predicate_contacts (id, channel, party, direction, outcome) VALUES ` + strings.Join(values, ", ")); err != nil {
			t.Fatal(err)
		}
		for _, p := range predicates {
			for _, alias := range []string{"", "c."} {
				t.Run(p.name+"/"+alias, func(t *testing.T) {
					q := "SELECT id FROM predicate_contacts c WHERE " + p.sql(alias) + " ORDER BY id"
					r, err := db.Query(q)
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					defer r.Close()
					var got []int
					for r.Next() {
						var id int
						if err := r.Scan(&id); err != nil {
							t.Fatal(err)
						}
						got = append(got, id)
					}
					if err := r.Err(); err != nil {
						t.Fatal(err)
					}
					var want []int
					for i, c := range rows {
						if p.goFn(c) {
							want = append(want, i)
						}
					}
					if len(want) == 0 || len(want) == len(rows) {
						t.Fatalf("the predicate selects %d of %d rows: the table does not tell it apart", len(want), len(rows))
					}
					if !slices.Equal(got, want) {
						for _, i := range want {
							if !slices.Contains(got, i) {
								t.Errorf("SQL misses %+v", rows[i])
							}
						}
						for _, i := range got {
							if !slices.Contains(want, i) {
								t.Errorf("SQL selects %+v", rows[i])
							}
						}
					}
				})
			}
		}
	})
}

// freshCase is an account placed with the agent's agency, verified, with
// no contacts or arrangements, and the day before today at 00:00 Beijing
// time.
func freshCase(t *testing.T, s *store.Store, agent collect.Actor) (store.AccountRow, time.Time) {
	t.Helper()
	acc := agencyAccount(t, s, agent)
	for _, q := range []string{
		`UPDATE accounts SET verification_complete = TRUE WHERE id = $1`,
		`DELETE FROM arrangement_instalments WHERE arrangement_id IN (SELECT id FROM arrangements WHERE account_id = $1)`,
		`DELETE FROM arrangements WHERE account_id = $1`,
		`DELETE FROM contacts WHERE account_id = $1`,
	} {
		if _, err := s.DB().Exec(q, acc.ID); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().In(collect.China)
	return acc, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, collect.China).AddDate(0, 0, -1)
}

// TestRecordContactUnreachableIsJudgedAtTheContact: a contact logged late
// is judged on the contacts before it. Three failed calls to the debtor
// after 09:00 do not make the debtor unreachable at 09:00, so an emergency
// contact logged at 09:00 is refused; at 13:00 it is allowed. (The store
// used to count the later calls too.)
func TestRecordContactUnreachableIsJudgedAtTheContact(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		acc, day := freshCase(t, s, agent)
		for _, h := range []int{10, 11, 12} {
			if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "no_answer",
				At: day.Add(time.Duration(h) * time.Hour)}); err != nil {
				t.Fatalf("a failed call at %d:00: %v", h, err)
			}
		}
		ec := func(h int) store.ContactInput {
			return store.ContactInput{Channel: "call", Party: "emergency_contact", PartyPhone: "13800138000", Outcome: "no_answer",
				At: day.Add(time.Duration(h) * time.Hour)}
		}
		_, err := s.RecordContact(ctx, agent, acc.ID, ec(9))
		if got := violations(err); !slices.Equal(got, []string{casework.RuleConductThirdPartyUnreachable}) {
			t.Errorf("an emergency contact at 09:00, before the failed calls: %v, want %s", err, casework.RuleConductThirdPartyUnreachable)
		}
		if _, err := s.RecordContact(ctx, agent, acc.ID, ec(13)); err != nil {
			t.Errorf("an emergency contact at 13:00, after three failed calls: %v", err)
		}
	})
}

// TestLegalEstimateRightPartyContactIsOutbound: the legal estimate's
// "right-party contact" is the figure's (casework.RightPartyContact): the
// debtor calling in is not one. (The store used to count inbound calls.)
func TestLegalEstimateRightPartyContactIsOutbound(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		acc, day := freshCase(t, s, agent)
		if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Direction: "inbound",
			Outcome: "right_party_contact", At: day.Add(10 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		lc, err := s.ReferLegal(ctx, agent, acc.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(lc.Estimate.Basis, "no right-party contact") {
			t.Errorf("with only an inbound call from the debtor the basis is %q, want no right-party contact", lc.Estimate.Basis)
		}
	})
}
