package store_test

import (
	"collect"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"collect/allocation"
	"collect/casework"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// placedUS imports a US portfolio (Reg F by the form's default), places it
// all with Agency A and accepts it; it returns the accounts by reference.
func placedUS(t *testing.T, s *store.Store, csv string) map[string]store.AccountDetail {
	t.Helper()
	ctx := context.Background()
	vm := actorFor(t, s, "vm@demo-bank.test")
	sup := actorFor(t, s, "supervisor@agency-a.test")
	res, err := s.ImportPortfolio(ctx, vm, store.ImportRequest{Name: "US book", Filename: "us.csv", Source: rowSource(t, []byte(csv)),
		ConductProfile: allocation.ConductProfileUSRegF})
	if err != nil || res.Rejected > 0 {
		t.Fatalf("import: %v %+v", err, res.Errors)
	}
	var ids []string
	rows, err := s.DB().Query(`SELECT id FROM accounts WHERE portfolio_id = $1 ORDER BY external_ref`, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	plan, err := s.CreatePlan(ctx, vm, store.PlanRequest{PortfolioID: res.ID, Strategy: "manual",
		Params: allocation.PlanParams{AgencyID: sup.OrgID, AccountIDs: ids}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CommitPlan(ctx, vm, plan.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptPlacements(ctx, sup, store.PlacementAction{AllocationID: plan.ID}); err != nil {
		t.Fatal(err)
	}
	// The placement began a month ago, so contacts of the last week are in it.
	if _, err := s.DB().Exec(`UPDATE placements SET starts_at = $1, created_at = $1 WHERE account_id IN (SELECT account_id FROM allocation_assignments WHERE allocation_id = $2)`,
		time.Now().UTC().AddDate(0, -1, 0), plan.ID); err != nil {
		t.Fatal(err)
	}
	out := map[string]store.AccountDetail{}
	for _, id := range ids {
		d, err := s.Account(ctx, vm, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE accounts SET verification_complete = TRUE WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		out[d.ExternalRef] = d
	}
	return out
}

const usBook = "external_ref,debtor_name,ssn_last4,phone,state,zip,principal,balance,currency,due_date,dpd\n" +
	"US-1,Jane Roe,1234,(212) 555-0101,NY,10001,5000.00,4200.00,USD,%DUE%,40\n" +
	"US-2,Jane Roe,1234,2125550101,NY,10001,800.00,800.00,USD,%DUE%,40\n" +
	"US-3,Pat Doe,5678,+1 602 555 0199,AZ,85004,300.00,300.00,,%DUE%,40\n"

func usCSV() string {
	return strings.ReplaceAll(usBook, "%DUE%", time.Now().UTC().AddDate(0, 0, -40).Format(time.DateOnly))
}

func rules(err error) []string {
	var out []string
	if ae, ok := err.(*collect.Error); ok {
		for _, v := range ae.Violations {
			out = append(out, v.Rule)
		}
	}
	return out
}

// TestUSPortfolioUnderRegF: a US file imports under Reg F, each debtor in
// the zones of the address; one person's two loans share a debtor id; the
// 7-in-7 cap counts per debt; a request made on one loan binds the other;
// a hold pauses collection and its lifting resumes it; the permission check
// says the same as the guard.
func TestUSPortfolioUnderRegF(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		accs := placedUS(t, s, usCSV())
		one, two, az := accs["US-1"], accs["US-2"], accs["US-3"]
		if one.ConductProfile != "us_regf" || !slices.Equal(one.TimeZones, []string{"America/New_York"}) || one.Currency != "USD" {
			t.Fatalf("US-1: profile %q zones %q currency %q", one.ConductProfile, one.TimeZones, one.Currency)
		}
		if !slices.Contains(az.TimeZones, "America/Phoenix") {
			t.Errorf("US-3 zones %q, want Phoenix", az.TimeZones)
		}
		if one.DebtorID == "" || one.DebtorID != two.DebtorID || one.DebtorID == az.DebtorID {
			t.Fatalf("debtor ids %q %q %q: the two loans of Jane Roe must share one, Pat Doe another", one.DebtorID, two.DebtorID, az.DebtorID)
		}
		if len(one.DebtorAccounts) != 1 || one.DebtorAccounts[0].ID != two.ID {
			t.Errorf("US-1 lists the debtor's other accounts %+v, want US-2", one.DebtorAccounts)
		}
		if strings.Contains(one.DebtorID, "1234") {
			t.Errorf("the debtor id %q shows the SSN", one.DebtorID)
		}

		// A weekday morning in New York, a week ago, so every call is past.
		ny, _ := time.LoadLocation("America/New_York")
		base := time.Now().In(ny).AddDate(0, 0, -6)
		day := time.Date(base.Year(), base.Month(), base.Day(), 9, 0, 0, 0, ny)
		call := func(acc store.AccountDetail, at time.Time, outcome string) error {
			_, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: outcome, At: at})
			return err
		}
		// 20:59 is allowed, 21:00 is quiet (Reg F 1006.6(b)(1)(i)).
		if err := call(one, day.Add(11*time.Hour+59*time.Minute), "no_answer"); err != nil {
			t.Fatalf("20:59 New York: %v", err)
		}
		if err := call(one, day.Add(12*time.Hour), "no_answer"); !slices.Contains(rules(err), "us.quiet_hours") {
			t.Fatalf("21:00 New York: %v, want us.quiet_hours", err)
		}
		// Six more attempts on US-1 over the days make seven; the eighth is refused.
		for i := 1; i <= 6; i++ {
			if err := call(one, day.Add(time.Duration(i)*time.Hour), "no_answer"); err != nil {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		// (judged as of its time: the 20:59 call counts only for calls after it)
		next := day.AddDate(0, 0, 1)
		if err := call(one, next, "no_answer"); !slices.Contains(rules(err), "us.seven_in_seven") {
			t.Fatalf("the eighth attempt in 7 days: %v, want us.seven_in_seven", err)
		}
		// Per debt: the other loan of the same person may still be called.
		if err := call(two, next, "no_answer"); err != nil {
			t.Fatalf("the other debt: %v", err)
		}
		perm, err := s.ContactPermission(ctx, agent, one.ID, "call", "debtor", next.Add(time.Hour))
		if err != nil || perm.Allowed || perm.AttemptsLeft7d == nil || *perm.AttemptsLeft7d != 0 {
			t.Fatalf("permission on US-1: %+v %v, want refused with 0 attempts left", perm, err)
		}
		if perm.NextAllowedAt == nil || !perm.NextAllowedAt.After(next.Add(time.Hour)) {
			t.Errorf("next allowed %v, want a later time", perm.NextAllowedAt)
		}

		// A channel opt-out made on US-2 binds US-1 (one person), from its time on.
		optAt := time.Now()
		if _, err := s.CreateRequest(ctx, agent, two.ID, store.RequestInput{Kind: "channel_opt_out", Channel: "sms"}); err != nil {
			t.Fatal(err)
		}
		sms := store.ContactInput{Channel: "sms", Party: "debtor", Outcome: "other", Message: "Please call us. Reply STOP to opt out."}
		if _, err := s.RecordContact(ctx, agent, one.ID, sms); !slices.Contains(rules(err), casework.RuleRequestChannelOptOut) {
			t.Fatalf("an SMS after the opt-out: %v, want %s", err, casework.RuleRequestChannelOptOut)
		}
		// Sent at the last noon in New York before the opt-out: inside the
		// calling hours whatever the time of day the test runs at.
		before := sms
		nowNY := optAt.In(ny)
		before.At = time.Date(nowNY.Year(), nowNY.Month(), nowNY.Day(), 12, 0, 0, 0, ny)
		if !before.At.Before(optAt) {
			before.At = before.At.AddDate(0, 0, -1)
		}
		if _, err := s.RecordContact(ctx, agent, one.ID, before); err != nil {
			t.Fatalf("an SMS written down late, sent before the opt-out: %v", err)
		}

		// A hold on Pat Doe pauses collection; care contacts still go; lifting resumes.
		h, err := s.CreateHold(ctx, vm, az.ID, store.HoldInput{Kind: "serious_illness", Consent: true,
			Until: time.Now().AddDate(0, 1, 0).Format(time.DateOnly), Note: "in hospital"})
		if err != nil {
			t.Fatal(err)
		}
		letter := store.ContactInput{Channel: "letter", Party: "debtor", Outcome: "other"}
		if _, err := s.RecordContact(ctx, agent, az.ID, letter); !slices.Contains(rules(err), casework.RuleCareHold) {
			t.Fatalf("a letter during the hold: %v, want care_hold", err)
		}
		care := letter
		care.Purpose = casework.PurposeCare
		if _, err := s.RecordContact(ctx, agent, az.ID, care); err != nil {
			t.Fatalf("a care letter during the hold: %v", err)
		}
		if _, err := s.CreateHold(ctx, vm, az.ID, store.HoldInput{Kind: "bereavement", Until: "2099-01-01"}); err == nil {
			t.Error("a hold without consent was recorded")
		}
		if _, err := s.LiftHold(ctx, vm, h.ID, "recovered, debtor asked to resume"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordContact(ctx, agent, az.ID, letter); err != nil {
			t.Fatalf("a letter after the hold was lifted: %v", err)
		}
		// An outsider (another agency) cannot see the account's requests.
		other := actorFor(t, s, "agent@agency-b.test")
		if _, err := s.CreateRequest(ctx, other, one.ID, store.RequestInput{Kind: "cease"}); !isNotFound(err) {
			t.Errorf("another agency recording a request: %v, want not found", err)
		}
	})
}

func isNotFound(err error) bool {
	ae, ok := err.(*collect.Error)
	return ok && ae.Code == collect.ENOTFOUND
}

// TestChinaDebtorIsOnePerson: two loans of one debtor share the daily cap
// of three effective calls, and a refused call counts as effective.
func TestChinaDebtorIsOnePerson(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		rows, _, err := s.ListAccounts(ctx, agent, store.AccountFilter{Page: store.Page{PerPage: 2}})
		if err != nil || len(rows) < 2 {
			t.Fatalf("two accounts: %v", err)
		}
		a, b := rows[0], rows[1]
		// Make b the same person as a (one national ID).
		if _, err := s.DB().Exec(`UPDATE accounts SET debtor_key = (SELECT debtor_key FROM accounts WHERE id = $1), verification_complete = TRUE WHERE id IN ($1, $2)`, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a.ID, b.ID} {
			if _, err := s.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now().In(collect.China)
		day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, collect.China).AddDate(0, 0, -1)
		rec := func(id string, h int, outcome string) error {
			_, err := s.RecordContact(ctx, agent, id, store.ContactInput{Channel: "call", Party: "debtor", Outcome: outcome, At: day.Add(time.Duration(h) * time.Hour)})
			return err
		}
		if err := rec(a.ID, 9, "right_party_contact"); err != nil {
			t.Fatal(err)
		}
		if err := rec(a.ID, 10, "refused"); err != nil {
			t.Fatal(err)
		}
		if err := rec(b.ID, 11, "promise"); err != nil {
			t.Fatal(err)
		}
		if err := rec(b.ID, 12, "no_answer"); !slices.Contains(rules(err), casework.RuleConductCNMaxEffectiveCallsDay) {
			t.Fatalf("a fourth call to the person on the other loan: %v, want the daily cap", err)
		}
		// Judged as of its time: a call at 08:30, written down now, came before the three.
		if err := rec(b.ID, 8, "no_answer"); err != nil {
			t.Fatalf("a call at 08:00 logged late: %v", err)
		}
		// A third party must be named by relation and number.
		if _, err := s.RecordContact(ctx, agent, a.ID, store.ContactInput{Channel: "call", Party: "third_party", Outcome: "no_answer"}); err == nil {
			t.Fatal("a third-party contact without number and relation was recorded")
		} else if ae, ok := err.(*collect.Error); !ok || len(ae.Fields) < 2 {
			t.Fatalf("want field errors on party_phone and party_relation, got %v", err)
		}
	})
}
