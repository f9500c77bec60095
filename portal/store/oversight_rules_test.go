package store_test

import (
	"collect"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// The agency found in breach reads it; remediating or dismissing it is the
// lender's (oversight.CanUpdateBreach), whatever a route allows.
func TestAgencyDoesNotUpdateItsBreach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		supA := actorFor(t, s, "supervisor@agency-a.test")
		acc := agencyAccount(t, s, supA)
		id, now := uuid.Must(uuid.NewV7()).String(), time.Now().UTC()
		if _, err := s.DB().Exec(`INSERT INTO breaches (id, lender_id, agency_id, account_id, rule, severity, source, source_id, message, occurred_at, detected_at, updated_at)
			VALUES ($1, $2, $3, $4, 'cn.quiet_hours', 'medium', 'detector', $5, 'x', $6, $6, $6)`, id, vm.OrgID, supA.OrgID, acc.ID, "test-"+id, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Breach(ctx, supA, id); err != nil {
			t.Fatalf("the agency reads its breach: %v", err)
		}
		if _, err := s.UpdateBreach(ctx, supA, id, "dismissed", ""); collect.ErrorCode(err) != collect.EFORBIDDEN {
			t.Fatalf("the agency dismissing its own breach: %v, want %s", err, collect.EFORBIDDEN)
		}
		if b, err := s.Breach(ctx, vm, id); err != nil || b.Status != "open" {
			t.Fatalf("after the refusal: %+v %v", b, err)
		}
		if b, err := s.UpdateBreach(ctx, vm, id, "dismissed", ""); err != nil || b.Status != "dismissed" {
			t.Fatalf("the lender dismissing it: %+v %v", b, err)
		}
	})
}

// The overdue filter (SQL) holds exactly the complaints whose flags
// (oversight.Complaint.AckOverdue, ResolveOverdue) say overdue.
func TestComplaintOverdueFilterMatchesFlags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		acc := agencyAccount(t, s, actorFor(t, s, "supervisor@agency-a.test"))
		now := time.Now().UTC()
		for i, age := range []time.Duration{time.Hour, 47 * time.Hour, 49 * time.Hour, 14 * 24 * time.Hour, 16 * 24 * time.Hour} {
			c, err := s.CreateComplaint(ctx, vm, store.ComplaintInput{AccountID: acc.ID, Category: "other", Description: "x", ReceivedAt: now.Add(-age)})
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 1 { // acknowledge every other one
				if _, err := s.UpdateComplaint(ctx, vm, c.ID, store.ComplaintUpdate{Status: strp("acknowledged")}); err != nil {
					t.Fatal(err)
				}
			}
		}
		all, _, err := s.ListComplaints(ctx, vm, store.ComplaintFilter{Page: store.Page{PerPage: store.MaxPerPage}})
		if err != nil {
			t.Fatal(err)
		}
		overdue, _, err := s.ListComplaints(ctx, vm, store.ComplaintFilter{Overdue: true, Page: store.Page{PerPage: store.MaxPerPage}})
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]bool{}
		for _, c := range overdue {
			listed[c.ID] = true
		}
		kinds := map[bool]int{}
		for _, c := range all {
			flagged := c.AckOverdue || c.ResolveOverdue
			kinds[flagged]++
			if flagged != listed[c.ID] {
				t.Errorf("complaint received %v, acknowledged %v: flags ack %v resolve %v, in the overdue list %v",
					c.ReceivedAt, c.AcknowledgedAt != nil, c.AckOverdue, c.ResolveOverdue, listed[c.ID])
			}
		}
		if kinds[true] == 0 || kinds[false] == 0 {
			t.Fatalf("the cases hold overdue and in-time complaints: %v", kinds)
		}
	})
}
