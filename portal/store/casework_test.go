package store_test

import (
	"archive/zip"
	"bytes"
	"collect"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"collect/casework"
	"collect/portal/sheets"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// agencyAccount returns an account actively placed with the actor's agency.
func agencyAccount(t *testing.T, s *store.Store, a collect.Actor) store.AccountRow {
	t.Helper()
	rows, _, err := s.ListAccounts(context.Background(), a, store.AccountFilter{Page: store.Page{PerPage: 1}, Sort: "-balance"})
	if err != nil || len(rows) == 0 {
		t.Fatalf("no account placed with %s: %v", a.OrgName, err)
	}
	return rows[0]
}

func violations(err error) []string {
	var ae *collect.Error
	var out []string
	if e, ok := err.(*collect.Error); ok {
		ae = e
	}
	if ae != nil {
		for _, v := range ae.Violations {
			out = append(out, v.Rule)
		}
	}
	return out
}

func TestCaseworkJourney(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		sup := actorFor(t, s, "supervisor@agency-a.test")
		vm := actorFor(t, s, "vm@demo-bank.test")
		acc := agencyAccount(t, s, agent)
		if _, err := s.DB().Exec(`UPDATE accounts SET stage = 'verification', verification_complete = FALSE WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DELETE FROM arrangement_instalments WHERE arrangement_id IN (SELECT id FROM arrangements WHERE account_id = $1)`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DELETE FROM arrangements WHERE account_id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}

		// The supervisor gives the account to the collector; it is in the
		// collector's queue.
		if n, err := s.AssignAccounts(ctx, sup, []string{acc.ID}, agent.UserID); err != nil || n != 1 {
			t.Fatalf("assign: %d %v", n, err)
		}
		q, _, err := s.Queue(ctx, agent, store.QueueFilter{Page: store.Page{PerPage: 500}})
		inQueue := false
		for _, r := range q {
			inQueue = inQueue || (r.ID == acc.ID && r.PriorityReason != "" && r.AssignedTo == agent.UserID)
		}
		if err != nil || !inQueue {
			t.Fatalf("the assigned account is not in the collector's queue (%d rows, %v)", len(q), err)
		}
		// Agency B's collector does not see it.
		qb, _, _ := s.Queue(ctx, actorFor(t, s, "agent@agency-b.test"), store.QueueFilter{Page: store.Page{PerPage: 500}})
		for _, r := range qb {
			if r.ID == acc.ID {
				t.Fatal("agency B's queue holds agency A's account")
			}
		}
		full, total, err := s.Queue(ctx, sup, store.QueueFilter{Page: store.Page{PerPage: 500}})
		if err != nil || total < 2 || full[0].Priority < full[len(full)-1].Priority {
			t.Fatalf("supervisor's queue: %d %v", total, err)
		}

		// No contact stage before verification.
		if _, err := s.MoveStage(ctx, agent, acc.ID, casework.StageFirstContact); collect.ErrorCode(err) != collect.ERULEVIOLATION {
			t.Fatalf("first contact before verification: %v", err)
		}
		if _, err := s.RecordVerification(ctx, agent, acc.ID, store.Verification{IdentityOK: true, ContactOK: true, AmountOK: true, DPDOK: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MoveStage(ctx, agent, acc.ID, casework.StageFirstContact); err != nil {
			t.Fatalf("first contact after verification: %v", err)
		}

		// A call at 23:00 Beijing time is refused by name, and the refusal kept.
		night := time.Now().In(time.FixedZone("CST", 8*3600))
		night = time.Date(night.Year(), night.Month(), night.Day(), 23, 0, 0, 0, night.Location()).AddDate(0, 0, -1)
		_, err = s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "no_answer", At: night})
		if collect.ErrorCode(err) != collect.ERULEVIOLATION || len(violations(err)) == 0 {
			t.Fatalf("a call at 23:00: %v", err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM contact_refusals WHERE account_id = $1`, acc.ID); n != 1 {
			t.Fatalf("%d refusals kept", n)
		}
		// Threats are refused whatever the hour.
		day := time.Date(night.Year(), night.Month(), night.Day(), 10, 0, 0, 0, night.Location())
		_, err = s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "right_party_contact", At: day, Note: "告诉他不还钱就报警抓他坐牢"})
		if collect.ErrorCode(err) != collect.ERULEVIOLATION {
			t.Fatalf("a threat in the note: %v", err)
		}
		// A proper call is logged, moves the case to negotiation and counts as a demand.
		c, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "right_party_contact", At: day, Note: "客户表示下周还款"})
		if err != nil || c.ID == "" {
			t.Fatalf("a proper call: %v", err)
		}
		if st := s.DB().QueryRow(`SELECT stage FROM accounts WHERE id = $1`, acc.ID); st != nil {
			var stage string
			st.Scan(&stage)
			if stage != casework.StageNegotiation {
				t.Fatalf("stage after reaching the debtor: %s", stage)
			}
		}

		// A promise within the limits is active at once (201); a settlement
		// beyond the contract's discount waits for the lender (202).
		due := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
		p, err := s.CreateArrangement(ctx, agent, acc.ID, store.ArrangementRequest{Kind: "promise", AmountCents: acc.BalanceCents / 4, FirstDue: due})
		if err != nil || p.Status != "active" || len(p.Schedule) != 1 {
			t.Fatalf("promise: %+v %v", p, err)
		}
		set, err := s.CreateArrangement(ctx, agent, acc.ID, store.ArrangementRequest{Kind: "settlement", AmountCents: acc.BalanceCents / 10, FirstDue: due})
		if err != nil || set.Status != "pending_approval" || len(set.Reasons) == 0 {
			t.Fatalf("deep settlement: %+v %v", set, err)
		}
		if _, err := s.DecideArrangementApproval(ctx, agent, set.ID, true); collect.ErrorCode(err) != collect.ENOTFOUND {
			t.Fatalf("the agency approving its own arrangement: %v", err)
		}
		if got, err := s.DecideArrangementApproval(ctx, vm, set.ID, false); err != nil || got.Status != "rejected" {
			t.Fatalf("the lender rejecting: %+v %v", got, err)
		}

		// Paying the promise keeps it.
		report(t, s, agent, acc.ID, store.PaymentInput{AmountCents: acc.BalanceCents / 4, PaidAt: time.Now().UTC()})
		arrs, err := s.Arrangements(ctx, agent, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range arrs {
			if a.ID == p.ID && a.Status != "kept" {
				t.Fatalf("the paid promise is %s", a.Status)
			}
		}

		// A dispute pauses collection until the lender resolves it.
		d, err := s.RaiseDispute(ctx, agent, acc.ID, "债务人称已在银行柜台还清")
		if err != nil {
			t.Fatal(err)
		}
		// A call now is refused for the dispute (and maybe the hour); one
		// made before the dispute was raised, written down now, is not.
		_, err = s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "no_answer"})
		if !slices.Contains(violations(err), casework.RuleConductDisputeOpen) {
			t.Fatalf("a call during a dispute: %v", err)
		}
		if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "call", Party: "debtor", Outcome: "no_answer", At: day.Add(time.Hour)}); err != nil {
			t.Fatalf("a call before the dispute, logged late: %v", err)
		}
		if _, err := s.ResolveDispute(ctx, vm, d.ID, false, "银行流水未见该笔还款"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordContact(ctx, agent, acc.ID, store.ContactInput{Channel: "sms", Party: "debtor", Outcome: "other", At: day.Add(2 * time.Hour), Message: "您好，请按约定还款。"}); err != nil {
			t.Fatalf("after the dispute: %v", err)
		}

		// Legal referral: cost-benefit and limitation date; the lender
		// approves; the evidence bundle's manifest matches its files.
		lc, err := s.ReferLegal(ctx, agent, acc.ID, "")
		if err != nil || lc.LimitationExpires == "" || lc.Estimate.TotalCostCents == 0 {
			t.Fatalf("referral: %+v %v", lc, err)
		}
		if _, err := s.AdvanceLegal(ctx, sup, lc.ID, "approved", ""); collect.ErrorCode(err) != collect.EFORBIDDEN {
			t.Fatalf("the agency approving legal action: %v", err)
		}
		if _, err := s.AdvanceLegal(ctx, vm, lc.ID, "approved", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AdvanceLegal(ctx, sup, lc.ID, "filed", "(2026)京0105民初12345号"); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.WriteEvidence(ctx, vm, lc.ID, true, &buf, nil); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		for _, f := range zr.File {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			files[f.Name] = b
		}
		var manifest struct{ SHA256 map[string]string }
		if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || len(manifest.SHA256) < 5 {
			t.Fatalf("manifest: %v %s", err, files["manifest.json"])
		}
		for name, want := range manifest.SHA256 {
			sum := sha256.Sum256(files[name])
			if hex.EncodeToString(sum[:]) != want {
				t.Fatalf("%s does not match its hash in the manifest", name)
			}
		}
		if !bytes.Contains(files["contacts.csv"], []byte("客户表示下周还款")) {
			t.Fatal("the contact log is missing from the bundle")
		}
		// Agency B sees none of it.
		agentB := actorFor(t, s, "agent@agency-b.test")
		if _, err := s.Contacts(ctx, agentB, acc.ID, true); collect.ErrorCode(err) != collect.ENOTFOUND {
			t.Fatalf("agency B reading A's contacts: %v", err)
		}
		r, err := s.VerifyAudit(ctx)
		if err != nil || !r.OK {
			t.Fatalf("audit: %+v %v", r, err)
		}
	})
}

func TestBrokenPromiseAndTimeBar(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		agent := actorFor(t, s, "agent@agency-a.test")
		acc := agencyAccount(t, s, agent)
		if _, err := s.RecordVerification(ctx, agent, acc.ID, store.Verification{IdentityOK: true, ContactOK: true, AmountOK: true, DPDOK: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`UPDATE accounts SET stage = 'negotiation' WHERE id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		due := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
		p, err := s.CreateArrangement(ctx, agent, acc.ID, store.ArrangementRequest{Kind: "promise", AmountCents: 10000, FirstDue: due})
		if err != nil {
			t.Fatal(err)
		}
		// Ten days later, nothing paid: broken, and back to negotiation.
		later := storetest.Reopen(t, s, store.Options{Now: func() time.Time { return time.Now().AddDate(0, 0, 10) }})
		if n, err := later.EvaluatePromises(ctx); err != nil || n < 1 {
			t.Fatalf("evaluate: %d %v", n, err)
		}
		if n, err := later.EvaluatePromises(ctx); err != nil || n != 0 {
			t.Fatalf("a second evaluation changed %d more (%v)", n, err)
		}
		var status, stage string
		s.DB().QueryRow(`SELECT status FROM arrangements WHERE id = $1`, p.ID).Scan(&status)
		s.DB().QueryRow(`SELECT stage FROM accounts WHERE id = $1`, acc.ID).Scan(&stage)
		if status != "broken" || stage != casework.StageNegotiation {
			t.Fatalf("after the grace period: %s, stage %s", status, stage)
		}
		// A debt due 4 years ago with no demand since is time-barred.
		old := time.Now().UTC().AddDate(-4, 0, 0).Format(time.DateOnly)
		if _, err := s.DB().Exec(`UPDATE accounts SET due_date = $1 WHERE id = $2`, old, acc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`DELETE FROM limitation_events WHERE account_id = $1`, acc.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.ReferLegal(ctx, agent, acc.ID, "")
		if collect.ErrorCode(err) != collect.ERULEVIOLATION || len(violations(err)) != 1 || violations(err)[0] != "legal.time_barred" {
			t.Fatalf("a time-barred referral: %v", err)
		}
	})
}

func TestPaymentFeed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		agent := actorFor(t, s, "agent@agency-a.test")
		acc := agencyAccount(t, s, agent)
		before := count(t, s, `SELECT COUNT(*) FROM commissions`)
		today := time.Now().UTC().Format(time.DateOnly)
		bad := "external_ref,amount,paid_at,reference\n" +
			acc.ExternalRef + ",100.50," + today + ",BANK-1\n" +
			"NO-SUCH-REF,5," + today + ",BANK-2\n" +
			acc.ExternalRef + ",abc,2026-01-01,BANK-3\n" +
			acc.ExternalRef + ",1,2099-01-01,BANK-4\n" + // a future date: refused, not recorded as paid now
			acc.ExternalRef + ",2," + today + ",BA\x00D\n" + // PostgreSQL would refuse the NUL
			acc.ExternalRef + ",2," + today + ",\xff\xfe\n"
		// One bad row refuses the whole feed: every bad row named by line, nothing applied.
		res, err := s.ImportPayments(ctx, vm, feedSource(t, bad))
		if err != nil || res.Rejected != 5 || len(res.Errors) != 5 || res.Errors[0].Line != 3 || res.Errors[0].Field != "external_ref" ||
			res.Errors[3].Field != "reference" || res.Errors[4].Field != "reference" || res.Created+res.Confirmed+res.Exceptions != 0 {
			t.Fatalf("%+v %v", res, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM commissions`); n != before {
			t.Fatalf("a refused feed accrued: %d commission rows, want %d", n, before)
		}
		good := "external_ref,amount,paid_at,reference\n" +
			acc.ExternalRef + ",100.50," + today + ",BANK-1\n" +
			acc.ExternalRef + ",1,2026-01-01,BANK-1\n" // the same reference on another amount
		res, err = s.ImportPayments(ctx, vm, feedSource(t, good))
		if err != nil || res.Created != 1 || res.Exceptions != 1 || res.Rejected != 0 {
			t.Fatalf("%+v %v", res, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM commissions`); n != before+1 {
			t.Fatalf("commission rows %d, want %d", n, before+1)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM payment_exceptions WHERE reason = 'reference_reused' AND feed_line = 3`); n != 1 {
			t.Fatalf("reference_reused exceptions %d", n)
		}
		// An agency cannot feed another lender's references: not its accounts.
		other := actorFor(t, s, "agent@agency-b.test")
		res, err = s.ImportPayments(ctx, other, feedSource(t, "external_ref,amount,paid_at\n"+acc.ExternalRef+",1,2026-01-01\n"))
		if collect.ErrorCode(err) != collect.ENOTFOUND || res.Created != 0 {
			t.Fatalf("agency B feeding A's account: %+v %v", res, err)
		}
		if _, err := s.ImportPayments(ctx, vm, feedSource(t, "ref,amt\n")); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("a bad header: %v", err)
		}
	})
}

func TestMessagesCarryDisclosures(t *testing.T) {
	t.Parallel()
	s := seeded(t, "sqlite")
	agent := actorFor(t, s, "agent@agency-a.test")
	acc := agencyAccount(t, s, agent)
	msgs, err := s.Messages(context.Background(), agent, acc.ID)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("%v %v", msgs, err)
	}
	for _, m := range msgs {
		if !bytes.Contains([]byte(m.Text), []byte("受Demo Bank委托")) || bytes.Contains([]byte(m.Text), []byte("{{agency}}")) {
			t.Fatalf("%s: %s", m.ID, m.Text)
		}
	}
	if _, err := s.Messages(context.Background(), actorFor(t, s, "agent@agency-b.test"), acc.ID); collect.ErrorCode(err) != collect.ENOTFOUND {
		t.Fatalf("agency B: %v", err)
	}
}

// feedSource opens a payment feed's text as the portal's file reader does.
func feedSource(t *testing.T, text string) sheets.RowSource {
	t.Helper()
	src, err := sheets.OpenRowSource(strings.NewReader(text), int64(len(text)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// A promise is kept by money paid by its due date plus the grace days, and
// not by money paid later, whether or not the promise job has run between.
func TestLatePaymentDoesNotKeepAPromise(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		for _, c := range []struct {
			name      string
			afterDue  time.Duration // from the due date's midnight in Beijing
			wantState string
		}{
			{"last grace day", time.Duration(casework.PromiseGraceDays)*24*time.Hour + 23*time.Hour, "kept"},
			{"the day after", time.Duration(casework.PromiseGraceDays+1)*24*time.Hour + 30*time.Minute, "broken"},
		} {
			t.Run(c.name, func(t *testing.T) {
				ctx := context.Background()
				s := seeded(t, dialect)
				agent := actorFor(t, s, "agent@agency-a.test")
				acc := agencyAccount(t, s, agent)
				if _, err := s.RecordVerification(ctx, agent, acc.ID, store.Verification{IdentityOK: true, ContactOK: true, AmountOK: true, DPDOK: true}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.DB().Exec(`UPDATE accounts SET stage = 'negotiation' WHERE id = $1`, acc.ID); err != nil {
					t.Fatal(err)
				}
				y, m, d := time.Now().In(collect.China).AddDate(0, 0, 2).Date()
				due := time.Date(y, m, d, 0, 0, 0, 0, collect.China)
				p, err := s.CreateArrangement(ctx, agent, acc.ID, store.ArrangementRequest{Kind: "promise", AmountCents: 10000, FirstDue: due.Format(time.DateOnly)})
				if err != nil {
					t.Fatal(err)
				}
				at := due.Add(c.afterDue)
				later := storetest.Reopen(t, s, store.Options{Now: func() time.Time { return at.Add(time.Minute) }})
				kept := count(t, s, `SELECT COALESCE(SUM(promises_kept), 0) FROM agency_month_stats`)
				report(t, later, agent, acc.ID, store.PaymentInput{AmountCents: 10000, PaidAt: at, Reference: "LATE-1"})
				var status string
				s.DB().QueryRow(`SELECT status FROM arrangements WHERE id = $1`, p.ID).Scan(&status)
				if status != c.wantState {
					t.Fatalf("paid in full at %s for a promise due %s: %s, want %s", at.Format(time.DateTime), due.Format(time.DateOnly), status, c.wantState)
				}
				wantKept := kept
				if c.wantState == "kept" {
					wantKept++
				}
				if got := count(t, s, `SELECT COALESCE(SUM(promises_kept), 0) FROM agency_month_stats`); got != wantKept {
					t.Errorf("promises kept %d, want %d", got, wantKept)
				}
				// The promise job, run after, agrees.
				if _, err := later.EvaluatePromises(ctx); err != nil {
					t.Fatal(err)
				}
				s.DB().QueryRow(`SELECT status FROM arrangements WHERE id = $1`, p.ID).Scan(&status)
				if status != c.wantState {
					t.Errorf("after the promise job: %s, want %s", status, c.wantState)
				}
			})
		}
	})
}
