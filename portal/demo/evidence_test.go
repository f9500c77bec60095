package demo_test

import (
	"context"
	"io"
	"testing"
	"time"

	"collect"
	"collect/evidence"
	"collect/evidence/blob"
	"collect/oversight"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// The demo's evidence: recordings on connected calls of both agencies,
// whole and verifiable in the blob store; Demo Bank's sampling plan drawn
// for last week and this, with reviews (one failed critical item, a quality
// breach; one sample scored twice); Agency A's self-review plan; and a
// second run changes nothing.
func TestSeedEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		// A Thursday afternoon, so this week's sample has days of calls in it.
		thursday := time.Date(2026, 12, 3, 15, 30, 0, 0, collect.China)
		s := storetest.Open(t, dialect, store.Options{Now: func() time.Time { return thursday }})
		if err := demo.Seed(ctx, s, demo.Size{Portfolios: []int{150, 100}}); err != nil {
			t.Fatal(err)
		}
		blobs, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := demo.SeedEvidence(ctx, s, blobs); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: SeedEvidence took %v", dialect, time.Since(start))
		count := func(q string) int {
			t.Helper()
			var n int
			if err := s.DB().QueryRow(q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		actor := func(email string) collect.Actor {
			t.Helper()
			u, err := s.UserByEmail(ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			a, _, err := s.Actor(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		vm, supA := actor("vm@demo-bank.test"), actor("supervisor@agency-a.test")

		// Recordings: on connected calls, recorded by the agency that made
		// them, the contact row carrying the hash, the bytes verifying.
		n := count(`SELECT COUNT(*) FROM attachments`)
		if n < 40 || n > 80 {
			t.Errorf("%d recordings, want 40..80", n)
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM attachments WHERE kind <> 'recording' OR content_type <> 'audio/wav' OR duration_ms < 2000 OR duration_ms > 6000`: 0,
			`SELECT COUNT(*) FROM attachments att JOIN contacts c ON c.id = att.contact_id
				WHERE c.channel <> 'call' OR c.outcome IN ('no_answer', 'busy', 'not_connected')`: 0,
			`SELECT COUNT(*) FROM attachments att JOIN contacts c ON c.id = att.contact_id
				WHERE c.recording_sha256 <> att.sha256 OR c.call_id <> att.call_id OR att.uploaded_org <> c.agency_id OR att.agency_id <> c.agency_id`: 0,
			`SELECT COUNT(DISTINCT sha256) FROM attachments`:                       n,
			`SELECT COUNT(*) FROM attachments WHERE uploaded_by = 'telephony'`:     0,
			`SELECT COUNT(*) FROM audit_events WHERE action = 'attachment.upload'`: n,
		} {
			if got := count(q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		if got := count(`SELECT COUNT(DISTINCT agency_id) FROM attachments`); got != 2 {
			t.Errorf("recordings at %d agencies, want both", got)
		}
		rows, err := s.DB().Query(`SELECT sha256, size, duration_ms FROM attachments ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		type rec struct {
			sha      string
			size, ms int64
		}
		var recs []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.sha, &r.size, &r.ms); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
		rows.Close()
		for _, r := range recs {
			ok, got, err := blob.Verify(ctx, blobs, r.sha)
			if err != nil || !ok {
				t.Fatalf("recording %s: verify %v, hashes to %s (%v)", r.sha, ok, got, err)
			}
			o, err := blobs.Open(ctx, r.sha)
			if err != nil {
				t.Fatal(err)
			}
			head := make([]byte, evidence.HeadBytes)
			k, _ := io.ReadFull(o, head)
			o.Close()
			info, err := evidence.Inspect(evidence.KindRecording, head[:k], o.Size())
			if err != nil || o.Size() != r.size || info.DurationMS == nil || *info.DurationMS != r.ms {
				t.Errorf("recording %s: %+v (%v), size %d; recorded size %d, %d ms", r.sha, info, err, o.Size(), r.size, r.ms)
			}
		}

		// The lender's plan, drawn for last week and this; the reviews.
		plans, err := s.QAPlans(ctx, vm)
		if err != nil || len(plans) != 1 {
			t.Fatalf("Demo Bank's plans: %v (%v), want one", plans, err)
		}
		p := plans[0]
		if p.RandomShare <= 0 || len(p.Include) != 2 || p.CreatedBy != vm.UserID {
			t.Errorf("plan %+v", p)
		}
		now := s.Now()
		for _, w := range []string{oversight.WeekOf(now.AddDate(0, 0, -7), collect.China), oversight.WeekOf(now, collect.China)} {
			smp, total, err := s.QASamples(ctx, vm, store.QASampleFilter{Plan: p.ID, Period: w})
			if err != nil || total == 0 {
				t.Errorf("week %s: %d samples (%v)", w, total, err)
			}
			recorded := 0
			for _, x := range smp {
				if count(`SELECT COUNT(*) FROM attachments WHERE contact_id = '`+x.ContactID+`'`) > 0 {
					recorded++
				}
			}
			if recorded == 0 {
				t.Errorf("week %s: no sample has a recording", w)
			}
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM qa_reviews`:                                     6,
			`SELECT COUNT(DISTINCT sample_id) FROM qa_reviews`:                    5,
			`SELECT COUNT(DISTINCT reviewer_id) FROM qa_reviews`:                  2,
			`SELECT COUNT(*) FROM qa_reviews WHERE critical_failed`:               1,
			`SELECT COUNT(*) FROM breaches WHERE source = 'quality'`:              1,
			`SELECT COUNT(*) FROM qa_findings WHERE critical AND breach_id <> ''`: 1,
			`SELECT COUNT(*) FROM qa_findings WHERE status = 'answered'`:          1,
			`SELECT COUNT(*) FROM qa_reviews r JOIN attachments att ON att.contact_id = (SELECT contact_id FROM qa_samples WHERE id = r.sample_id)`: 6,
		} {
			if got := count(q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		breaches, _, err := s.ListBreaches(ctx, vm, store.BreachFilter{Rule: oversight.RuleQualityCriticalItem})
		if err != nil || len(breaches) != 1 {
			t.Errorf("quality breaches: %d (%v), want 1", len(breaches), err)
		}
		// Calibration: the sample scored twice shows the reviewers' agreement.
		var twice string
		if err := s.DB().QueryRow(`SELECT sample_id FROM qa_reviews GROUP BY sample_id HAVING COUNT(*) = 2`).Scan(&twice); err != nil {
			t.Fatal(err)
		}
		smp, err := s.QASampleByID(ctx, vm, twice)
		if err != nil || len(smp.Reviews) != 2 || smp.Agreement == nil || *smp.Agreement >= 1 || *smp.Agreement < 0.5 {
			t.Errorf("calibrated sample: %d reviews, agreement %v (%v)", len(smp.Reviews), smp.Agreement, err)
		}
		// The quality figures have the reviews.
		report, err := s.QualityReport(ctx, vm, store.KPIFilter{})
		if err != nil {
			t.Fatal(err)
		}
		reviews := int64(0)
		for _, a := range report.Agencies {
			reviews += a.Reviews
		}
		if reviews != 5 || len(report.Items) == 0 {
			t.Errorf("quality report: %d primary reviews, %d items with findings; want 5 and some", reviews, len(report.Items))
		}
		// Agency A's self-review plan, with this week's sample.
		self, err := s.QAPlans(ctx, supA)
		if err != nil || len(self) != 1 {
			t.Fatalf("Agency A's plans: %v (%v)", self, err)
		}
		if _, total, err := s.QASamples(ctx, supA, store.QASampleFilter{Plan: self[0].ID}); err != nil || total == 0 {
			t.Errorf("self-review samples: %d (%v)", total, err)
		}

		// A second run adds nothing.
		if err := demo.SeedEvidence(ctx, s, blobs); err != nil {
			t.Fatal(err)
		}
		if got := count(`SELECT COUNT(*) FROM attachments`); got != n {
			t.Errorf("after a second run: %d recordings, want %d", got, n)
		}
		if got := count(`SELECT COUNT(*) FROM qa_plans`); got != 2 {
			t.Errorf("after a second run: %d plans, want 2", got)
		}
	})
}
