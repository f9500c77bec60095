package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"collect"
	"collect/evidence"
	"collect/evidence/blob"
	"collect/portal/demo"
	"collect/portal/jobs"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// clock is a settable time for the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// TestRetainEvidence runs the retention job with a clock moved years on: a
// China recording goes two years after its call, with an audit event, and
// its object with it; one under legal hold stays; a US debt worked a year
// after its recorded call keeps the recording three years after that work.
func TestRetainEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		clk := &clock{t: time.Now().UTC()}
		st := storetest.Open(t, dialect, store.Options{Now: clk.now})
		if err := demo.Seed(t.Context(), st, demo.Size{Portfolios: []int{30}}); err != nil {
			t.Fatal(err)
		}
		blobs, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		db := st.DB()
		// Three calls of one agency on three accounts.
		rows, err := db.Query(`SELECT c.id, c.account_id, c.agency_id, c.collector_id, c.lender_id, c.at FROM contacts c
			WHERE c.channel = 'call' AND c.agency_id = (SELECT id FROM organisations WHERE name = 'Agency A')
			AND NOT EXISTS (SELECT 1 FROM complaints cp WHERE cp.account_id = c.account_id)
			AND NOT EXISTS (SELECT 1 FROM legal_cases lc WHERE lc.account_id = c.account_id)
			AND c.at = (SELECT MAX(c2.at) FROM contacts c2 WHERE c2.account_id = c.account_id) ORDER BY c.at DESC`)
		if err != nil {
			t.Fatal(err)
		}
		type call struct {
			id, account, agency, collector, lender string
			at                                     time.Time
		}
		var calls []call
		seen := map[string]bool{}
		for rows.Next() && len(calls) < 3 {
			var c call
			if err := rows.Scan(&c.id, &c.account, &c.agency, &c.collector, &c.lender, &c.at); err != nil {
				t.Fatal(err)
			}
			if !seen[c.account] {
				seen[c.account] = true
				calls = append(calls, c)
			}
		}
		rows.Close()
		if len(calls) < 3 {
			t.Fatalf("the demo has %d accounts with calls", len(calls))
		}
		// The third account is a US debt, worked again a year after the
		// call that is recorded (the latest contact on it).
		usCall := calls[2]
		if _, err := db.Exec(`UPDATE accounts SET conduct_profile = 'us_regf' WHERE id = $1`, usCall.account); err != nil {
			t.Fatal(err)
		}
		var atts []store.Attachment
		for i, c := range calls {
			content := []byte("RIFF" + string(rune('a'+i)) + " recording of call " + c.id)
			sha, size, _ := blob.Hash(bytes.NewReader(content))
			if err := blobs.Put(t.Context(), sha, bytes.NewReader(content), size, "audio/wav"); err != nil {
				t.Fatal(err)
			}
			a, err := st.AddAttachment(t.Context(), collect.Actor{UserID: c.collector, OrgID: c.agency, OrgKind: collect.KindAgency},
				store.AttachmentInput{ContactID: c.id, Kind: evidence.KindRecording, ContentType: "audio/wav", Size: size, SHA256: sha})
			if err != nil {
				t.Fatal(err)
			}
			atts = append(atts, a)
		}
		later := usCall.at.AddDate(1, 0, 0)
		if _, err := db.Exec(`INSERT INTO contacts (id, account_id, lender_id, agency_id, placement_id, collector_id, channel, party, direction, at, outcome, created_at)
			SELECT 'retention-later', account_id, lender_id, agency_id, placement_id, collector_id, channel, party, direction, $1, outcome, created_at
			FROM contacts WHERE id = $2`, later, usCall.id); err != nil {
			t.Fatal(err)
		}
		var vm string
		if err := db.QueryRow(`SELECT id FROM users WHERE email = 'vm@demo-bank.test'`).Scan(&vm); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetLegalHold(t.Context(), collect.Actor{UserID: vm, OrgID: calls[1].lender, OrgKind: collect.KindLender},
			atts[1].ID, true, "court order 2026-001"); err != nil {
			t.Fatal(err)
		}

		// A year on, nothing is due.
		clk.set(time.Now().UTC().AddDate(1, 0, 0))
		if n, err := jobs.RetainEvidence(t.Context(), st, blobs, clk.now(), nil); err != nil || n != 0 {
			t.Fatalf("a year on: %d deleted, %v", n, err)
		}
		// Past the China period of the first two; within the US one.
		clk.set(calls[0].at.AddDate(3, 0, 1))
		n, err := jobs.RetainEvidence(t.Context(), st, blobs, clk.now(), nil)
		if err != nil || n != 1 {
			t.Fatalf("three years on: %d deleted, %v", n, err)
		}
		var deletedAt *time.Time
		if err := db.QueryRow(`SELECT deleted_at FROM attachments WHERE id = $1`, atts[0].ID).Scan(&deletedAt); err != nil || deletedAt == nil {
			t.Fatalf("the China recording: deleted_at %v, %v", deletedAt, err)
		}
		if _, err := blobs.Open(context.Background(), atts[0].SHA256); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("its object: %v, want gone", err)
		}
		var audited int
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'attachment.delete' AND object_id = $1 AND actor_id = 'system'`, atts[0].ID).Scan(&audited); err != nil || audited != 1 {
			t.Fatalf("deletion audit events: %d, %v", audited, err)
		}
		if _, err := blobs.Open(context.Background(), atts[1].SHA256); err != nil {
			t.Fatalf("the held recording's object: %v", err)
		}
		var until time.Time
		if err := db.QueryRow(`SELECT retain_until FROM attachments WHERE id = $1`, atts[2].ID).Scan(&until); err != nil {
			t.Fatal(err)
		}
		if want := later.AddDate(3, 0, 0); !until.Equal(want.UTC()) && until.Sub(want).Abs() > time.Second {
			t.Fatalf("the US recording is kept until %s, want three years after the last activity (%s)", until, want)
		}
		if ok, _, err := blob.Verify(context.Background(), blobs, atts[2].SHA256); err != nil || !ok {
			t.Fatalf("the US recording's object: %v %v", ok, err)
		}
		// And the chain still verifies after the system's deletions.
		if r, err := st.VerifyAudit(t.Context()); err != nil || !r.OK {
			t.Fatalf("audit chain: %+v %v", r, err)
		}
	})
}
