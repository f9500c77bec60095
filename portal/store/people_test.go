package store_test

import (
	"collect"
	"context"
	"testing"
	"time"

	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

const goodPassword = "lantern-orchid-basalt"

func orgIDOf(t *testing.T, s *store.Store, name string) string {
	t.Helper()
	var id string
	if err := s.DB().QueryRow(`SELECT id FROM organisations WHERE name = '` + name + `'`).Scan(&id); err != nil {
		t.Fatalf("organisation %s: %v", name, err)
	}
	return id
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := collect.ErrorCode(err); got != code {
		t.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
}

func TestInviteAccept(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		admin := actorFor(t, s, "orgadmin@agency-a.test")
		agencyA := orgIDOf(t, s, "Agency A")

		inv, err := s.CreateInvite(ctx, admin, agencyA, store.InviteRequest{Email: " New.Agent@Agency-A.test ", Name: "吴新 Wu Xin", Roles: []string{collect.RoleCollector}})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "new.agent@agency-a.test" || inv.Token == "" || !inv.ExpiresAt.Equal(inv.CreatedAt.Add(72*time.Hour)) {
			t.Fatalf("invite = %+v", inv)
		}
		var stored string
		if err := s.DB().QueryRow(`SELECT token_hash FROM user_tokens WHERE id = '` + inv.ID + `'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == inv.Token || len(stored) != 64 {
			t.Fatalf("the token is stored as %q: want its SHA-256, never the token", stored)
		}

		t.Run("weak password refused, link still good", func(t *testing.T) {
			_, err := s.AcceptInvite(ctx, inv.Token, "password1234")
			wantCode(t, err, collect.EINVALID)
			if e := err.(*collect.Error); len(e.Fields) != 1 || e.Fields[0].Field != "password" {
				t.Fatalf("fields = %+v", e.Fields)
			}
		})
		u, err := s.AcceptInvite(ctx, inv.Token, goodPassword)
		if err != nil {
			t.Fatal(err)
		}
		if u.OrganisationID != agencyA || len(u.Roles) != 1 || u.Roles[0] != collect.RoleCollector {
			t.Fatalf("user = %+v", u)
		}
		a, _, err := s.Actor(ctx, u.ID)
		if err != nil || !a.Has(collect.RoleCollector) {
			t.Fatalf("actor %+v %v", a, err)
		}
		t.Run("second use is gone", func(t *testing.T) {
			_, err := s.AcceptInvite(ctx, inv.Token, goodPassword)
			wantCode(t, err, collect.EGONE)
		})
		t.Run("unknown token not found", func(t *testing.T) {
			_, err := s.AcceptInvite(ctx, "no-such-token", goodPassword)
			wantCode(t, err, collect.ENOTFOUND)
		})
		t.Run("the email in another organisation is refused", func(t *testing.T) {
			bank := actorFor(t, s, "orgadmin@demo-bank.test")
			_, err := s.CreateInvite(ctx, bank, bank.OrgID, store.InviteRequest{Email: "new.agent@agency-a.test", Name: "x", Roles: []string{collect.RoleAuditor}})
			wantCode(t, err, collect.ECONFLICT)
		})
		t.Run("audited", func(t *testing.T) {
			var n int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action IN ('people.invite', 'people.invite_accept')`).Scan(&n); err != nil || n != 2 {
				t.Fatalf("audit events %d %v, want 2", n, err)
			}
		})
	})
}

func TestInviteExpiresAndResend(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		s := storetest.Seeded(t, dialect, "demo 120+80", func(s *store.Store) error {
			return demo.Seed(context.Background(), s, demo.Size{Portfolios: []int{120, 80}})
		}, store.Options{Now: clock})
		admin := actorFor(t, s, "orgadmin@demo-bank.test")
		inv, err := s.CreateInvite(ctx, admin, admin.OrgID, store.InviteRequest{Email: "late@demo-bank.test", Name: "Late", Roles: []string{collect.RoleAuditor}})
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(72 * time.Hour)
		_, err = s.AcceptInvite(ctx, inv.Token, goodPassword)
		wantCode(t, err, collect.EGONE)

		again, err := s.ResendInvite(ctx, admin, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Token == inv.Token || !again.ExpiresAt.Equal(now.Add(72*time.Hour)) {
			t.Fatalf("resent = %+v", again)
		}
		_, err = s.AcceptInvite(ctx, inv.Token, goodPassword)
		wantCode(t, err, collect.EGONE)
		if _, err := s.AcceptInvite(ctx, again.Token, goodPassword); err != nil {
			t.Fatal(err)
		}
		t.Run("another organisation's invite is not found", func(t *testing.T) {
			other := actorFor(t, s, "orgadmin@agency-a.test")
			_, err := s.ResendInvite(ctx, other, again.ID)
			wantCode(t, err, collect.ENOTFOUND)
		})
	})
}

func TestPeopleScopeAndRoles(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		bankAdmin := actorFor(t, s, "orgadmin@demo-bank.test")
		agencyAdmin := actorFor(t, s, "orgadmin@agency-a.test")
		platform := actorFor(t, s, "admin@platform.test")
		agent, _ := s.UserByEmail(ctx, "agent@agency-a.test")
		vm, _ := s.UserByEmail(ctx, "vm@demo-bank.test")

		users, total, err := s.ListUsers(ctx, agencyAdmin, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u.OrganisationID != agencyAdmin.OrgID {
				t.Errorf("an agency administrator lists %s of another organisation", u.Email)
			}
		}
		if total != 3 { // supervisor, collector, administrator
			t.Errorf("Agency A lists %d users, want 3", total)
		}
		if _, all, _ := s.ListUsers(ctx, platform, store.Page{}); all != 8 {
			t.Errorf("the platform lists %d users, want the 8 demo logins", all)
		}
		if _, n, _ := s.ListUsers(ctx, actorFor(t, s, "vm@demo-bank.test"), store.Page{}); n != 0 {
			t.Errorf("a vendor manager lists %d users, want none", n)
		}

		t.Run("another organisation's user is not found", func(t *testing.T) {
			_, err := s.SetRoles(ctx, bankAdmin, agent.ID, []string{collect.RoleCollector})
			wantCode(t, err, collect.ENOTFOUND)
			_, _, err = s.Deactivate(ctx, bankAdmin, agent.ID)
			wantCode(t, err, collect.ENOTFOUND)
			_, err = s.IssueReset(ctx, bankAdmin, agent.ID)
			wantCode(t, err, collect.ENOTFOUND)
		})
		t.Run("separation of duties", func(t *testing.T) {
			_, err := s.SetRoles(ctx, bankAdmin, vm.ID, []string{collect.RoleVendorManager, collect.RoleCollector})
			wantCode(t, err, collect.ERULEVIOLATION)
			if v := err.(*collect.Error).Violations; len(v) != 1 || v[0].Rule != "sod.arrangement" {
				t.Fatalf("violations = %+v", v)
			}
			u, _ := s.User(ctx, bankAdmin, vm.ID)
			if len(u.Roles) != 1 || u.Roles[0] != collect.RoleVendorManager {
				t.Fatalf("roles changed to %v by a refused change", u.Roles)
			}
		})
		t.Run("a role of another kind", func(t *testing.T) {
			_, err := s.SetRoles(ctx, agencyAdmin, agent.ID, []string{collect.RoleAuditor})
			wantCode(t, err, collect.EINVALID)
		})
		t.Run("own roles", func(t *testing.T) {
			_, err := s.SetRoles(ctx, agencyAdmin, agencyAdmin.UserID, []string{collect.RoleCollector})
			wantCode(t, err, collect.EFORBIDDEN)
		})
		u, err := s.SetRoles(ctx, agencyAdmin, agent.ID, []string{collect.RoleCollector, collect.RoleAgencySupervisor})
		if err != nil || len(u.Roles) != 2 {
			t.Fatalf("SetRoles = %+v, %v", u, err)
		}
		a, _, _ := s.Actor(ctx, agent.ID)
		if !a.Has(collect.RoleAgencySupervisor) {
			t.Fatalf("the new role is not held: %v", a.Roles)
		}
		t.Run("the platform invites only a first administrator", func(t *testing.T) {
			_, err := s.CreateInvite(ctx, platform, agencyAdmin.OrgID, store.InviteRequest{Email: "x@agency-a.test", Name: "X", Roles: []string{collect.RoleOrgAdmin}})
			wantCode(t, err, collect.EFORBIDDEN)
			agencyC := orgIDOf(t, s, "Agency C")
			_, err = s.CreateInvite(ctx, platform, agencyC, store.InviteRequest{Email: "x@agency-c.test", Name: "X", Roles: []string{collect.RoleCollector}})
			wantCode(t, err, collect.EINVALID)
			if _, err := s.CreateInvite(ctx, platform, agencyC, store.InviteRequest{Email: "admin@agency-c.test", Name: "C Admin", Roles: []string{collect.RoleOrgAdmin}}); err != nil {
				t.Fatal(err)
			}
			_, err = s.CreateInvite(ctx, agencyAdmin, agencyC, store.InviteRequest{Email: "y@agency-c.test", Name: "Y", Roles: []string{collect.RoleCollector}})
			wantCode(t, err, collect.ENOTFOUND)
		})
	})
}

func TestDeactivateReactivateReset(t *testing.T) {
	eachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := seeded(t, dialect)
		admin := actorFor(t, s, "orgadmin@agency-a.test")
		agent, _ := s.UserByEmail(ctx, "agent@agency-a.test")
		if _, err := s.DB().Exec(`UPDATE accounts SET assigned_to = '` + agent.ID + `' WHERE id IN (SELECT account_id FROM placements WHERE status = 'active' AND agency_id = '` + admin.OrgID + `' ORDER BY account_id LIMIT 3)`); err != nil {
			t.Fatal(err)
		}
		_, v0, _ := s.Actor(ctx, agent.ID)
		u, work, err := s.Deactivate(ctx, admin, agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !u.Disabled || len(work.Queue) < 3 {
			t.Fatalf("deactivated %+v with open work %+v, want the 3 assigned accounts at least", u, work)
		}
		var pending int
		_ = s.DB().QueryRow(`SELECT COUNT(*) FROM arrangements WHERE maker_id = '` + agent.ID + `' AND status = 'pending_approval'`).Scan(&pending)
		if len(work.Approvals) != pending {
			t.Errorf("open approvals %d, want %d", len(work.Approvals), pending)
		}
		_, _, err = s.Actor(ctx, agent.ID)
		wantCode(t, err, collect.EUNAUTHORIZED)
		var v1 int
		_ = s.DB().QueryRow(`SELECT token_version FROM users WHERE id = '` + agent.ID + `'`).Scan(&v1)
		if v1 <= v0 {
			t.Errorf("token version %d after %d: tokens not revoked", v1, v0)
		}
		_, err = s.IssueReset(ctx, admin, agent.ID)
		wantCode(t, err, collect.ECONFLICT)

		if _, err := s.Reactivate(ctx, admin, agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, v2, err := s.Actor(ctx, agent.ID); err != nil || v2 != v1 {
			t.Fatalf("reactivated: version %d %v, want %d (old tokens stay revoked)", v2, err, v1)
		}
		link, err := s.IssueReset(ctx, admin, agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.ResetPassword(ctx, link.Token, "short")
		wantCode(t, err, collect.EINVALID)
		if _, err := s.ResetPassword(ctx, link.Token, goodPassword); err != nil {
			t.Fatal(err)
		}
		_, err = s.ResetPassword(ctx, link.Token, goodPassword+"x")
		wantCode(t, err, collect.EGONE)

		self := actorFor(t, s, "agent@agency-a.test")
		err = s.ChangePassword(ctx, self, "wrong-current-password", "another-long-phrase")
		wantCode(t, err, collect.EINVALID)
		err = s.ChangePassword(ctx, self, goodPassword, "qwertyuiop12")
		if e, ok := err.(*collect.Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "new" {
			t.Fatalf("weak new password: %v", err)
		}
		if err := s.ChangePassword(ctx, self, goodPassword, "another-long-phrase"); err != nil {
			t.Fatal(err)
		}
		t.Run("the last approver leaves the lender's pending approvals", func(t *testing.T) {
			bankAdmin := actorFor(t, s, "orgadmin@demo-bank.test")
			vm, _ := s.UserByEmail(ctx, "vm@demo-bank.test")
			if _, err := s.DB().Exec(`INSERT INTO arrangements (id, account_id, lender_id, agency_id, kind, status, amount_cents, maker_id, created_at)
				SELECT 'waiting-1', a.id, a.lender_id, p.agency_id, 'settlement', 'pending_approval', 100, p.agency_id, a.created_at
				FROM accounts a JOIN placements p ON p.account_id = a.id AND p.status = 'active' ORDER BY a.id LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			_, work, err := s.Deactivate(ctx, bankAdmin, vm.ID)
			if err != nil {
				t.Fatal(err)
			}
			var waiting int
			_ = s.DB().QueryRow(`SELECT COUNT(*) FROM arrangements WHERE lender_id = '` + bankAdmin.OrgID + `' AND status = 'pending_approval'`).Scan(&waiting)
			if waiting == 0 {
				t.Fatal("the demo has no arrangement pending approval: the test proves nothing")
			}
			if len(work.AwaitingApprover) != min(waiting, 500) {
				t.Errorf("awaiting an approver: %d listed, %d pending", len(work.AwaitingApprover), waiting)
			}
		})
		var actions int
		_ = s.DB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE object_id = '` + agent.ID + `' AND action LIKE 'people.%'`).Scan(&actions)
		if actions != 5 { // deactivate, reactivate, reset issued, reset used, password changed
			t.Errorf("%d people events audited, want 5", actions)
		}
	})
}
