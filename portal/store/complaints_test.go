package store_test

import (
	"collect"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

func strp(s string) *string { return &s }

func TestComplaints(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		vm := actorFor(t, s, "vm@demo-bank.test")
		supA := actorFor(t, s, "supervisor@agency-a.test")
		agentB := actorFor(t, s, "agent@agency-b.test")
		acc := agencyAccount(t, s, supA)
		received := time.Now().UTC().AddDate(0, 0, -3)
		c, err := s.CreateComplaint(ctx, vm, store.ComplaintInput{ExternalRef: acc.ExternalRef, Category: "frequent_calls",
			Description: "一天内接到五次电话", Source: "phone", ReceivedAt: received})
		if err != nil {
			t.Fatal(err)
		}
		// Received 3 days ago: acknowledgement (2 days) overdue, resolution (15) not yet.
		if c.AgencyID != supA.OrgID || !c.AckOverdue || c.ResolveOverdue || c.AckDue.Sub(received.AddDate(0, 0, 2)).Abs() > time.Second {
			t.Fatalf("complaint %+v", c)
		}
		if _, err := s.CreateComplaint(ctx, vm, store.ComplaintInput{AccountID: acc.ID, Category: "gossip", Description: "x"}); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("unknown category: %v", err)
		}
		// The agency sees it and answers; another agency does not see it.
		list, _, err := s.ListComplaints(ctx, supA, store.ComplaintFilter{Overdue: true, Page: store.Page{PerPage: 500}})
		found := false
		for _, l := range list {
			found = found || l.ID == c.ID
			if l.AgencyID != supA.OrgID || !(l.AckOverdue || l.ResolveOverdue) {
				t.Fatalf("agency A's overdue list holds %+v", l)
			}
		}
		if err != nil || !found {
			t.Fatalf("agency A's overdue complaints: %d %v", len(list), err)
		}
		if _, err := s.GetComplaint(ctx, agentB, c.ID); collect.ErrorCode(err) != collect.ENOTFOUND {
			t.Fatalf("agency B reads A's complaint: %v", err)
		}
		if _, err := s.UpdateComplaint(ctx, supA, c.ID, store.ComplaintUpdate{Status: strp("resolved")}); collect.ErrorCode(err) != collect.EFORBIDDEN {
			t.Fatalf("the agency resolving: %v", err)
		}
		if _, err := s.UpdateComplaint(ctx, supA, c.ID, store.ComplaintUpdate{AgencyResponse: strp("已核查通话记录，系统重拨所致，已修正。")}); err != nil {
			t.Fatal(err)
		}
		// Resolving needs a root cause and an outcome.
		if _, err := s.UpdateComplaint(ctx, vm, c.ID, store.ComplaintUpdate{Status: strp("resolved")}); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("resolving without a root cause: %v", err)
		}
		done, err := s.UpdateComplaint(ctx, vm, c.ID, store.ComplaintUpdate{Status: strp("resolved"), RootCause: strp("外呼系统重拨"), Outcome: strp("upheld")})
		if err != nil || done.Status != "resolved" || done.ResolvedAt == nil || done.AcknowledgedAt == nil || done.AgencyResponse == "" {
			t.Fatalf("resolved: %+v %v", done, err)
		}
		if _, err := s.UpdateComplaint(ctx, vm, c.ID, store.ComplaintUpdate{Status: strp("investigating")}); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("reopening: %v", err)
		}
		// Resolved is closed: neither side rewrites the record afterwards.
		if _, err := s.UpdateComplaint(ctx, vm, c.ID, store.ComplaintUpdate{Outcome: strp("not_upheld")}); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("changing a resolved complaint's outcome: %v", err)
		}
		if _, err := s.UpdateComplaint(ctx, supA, c.ID, store.ComplaintUpdate{AgencyResponse: strp("补充说明")}); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("answering a resolved complaint: %v", err)
		}
		// A field too long is named.
		_, err = s.UpdateComplaint(ctx, vm, c.ID, store.ComplaintUpdate{AssignedTo: strp(strings.Repeat("张", 65))})
		var ae *collect.Error
		if !errors.As(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "assigned_to" {
			t.Fatalf("a long assignee: %v", err)
		}
	})
}
