package store_test

import (
	"collect"
	"context"
	"slices"
	"testing"
	"time"

	"collect/portal/store"
	"collect/portal/store/storetest"
)

// From an empty database: the first platform administrator, their
// one-time set-password link, and the refusal of a second without force.
func TestBootstrapPlatformAdmin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
		s := storetest.Open(t, dialect, store.Options{Now: func() time.Time { return now }})
		if ok, err := s.PlatformAdminExists(ctx); err != nil || ok {
			t.Fatalf("empty database has an admin: %v %v", ok, err)
		}
		if _, err := s.CreatePlatformAdmin(ctx, store.AdminInput{Email: "ops@bank.test", Name: "Ops", Password: "short"}); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("short password: %v, want invalid", err)
		}
		u, err := s.CreatePlatformAdmin(ctx, store.AdminInput{Email: " Root@Platform.test ", Name: "根 Root"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "root@platform.test" || !slices.Equal(u.Roles, []string{collect.RolePlatformAdmin}) {
			t.Fatalf("admin %+v", u)
		}
		a, _, err := s.Actor(ctx, u.ID)
		if err != nil || a.OrgKind != collect.KindPlatform || !a.Has(collect.RolePlatformAdmin) {
			t.Fatalf("actor %+v %v", a, err)
		}
		// A second one is refused unless forced; a taken email always.
		if _, err := s.CreatePlatformAdmin(ctx, store.AdminInput{Email: "two@platform.test", Name: "Two"}); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("second admin: %v, want conflict", err)
		}
		if _, err := s.CreatePlatformAdmin(ctx, store.AdminInput{Email: "root@platform.test", Name: "Again", Force: true}); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("taken email: %v, want conflict", err)
		}
		two, err := s.CreatePlatformAdmin(ctx, store.AdminInput{Email: "two@platform.test", Name: "Two", Password: "a long enough secret", Force: true})
		if err != nil {
			t.Fatal(err)
		}
		if two.OrganisationID != u.OrganisationID {
			t.Fatalf("second admin in another platform organisation %s, want %s", two.OrganisationID, u.OrganisationID)
		}
		var platforms int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM organisations WHERE kind = 'platform'`).Scan(&platforms); err != nil || platforms != 1 {
			t.Fatalf("platform organisations %d %v", platforms, err)
		}

	})
}

func isKey(err error, key string) bool {
	e, ok := err.(*collect.Error)
	return ok && e.Key == key
}

// The platform administrator onboards, edits, suspends and reactivates a
// lender; nobody else sees or changes it; a suspended organisation's users
// cannot sign in.
func TestOrganisationLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		s := storetest.Open(t, dialect, store.Options{})
		root, err := s.CreatePlatformAdmin(ctx, store.AdminInput{Email: "root@platform.test", Name: "Root"})
		if err != nil {
			t.Fatal(err)
		}
		admin, _, err := s.Actor(ctx, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := collect.OrganisationInput{Kind: "lender", Name: "华信银行股份有限公司", NameEN: "Huaxin Bank", CreditCode: "91350100m000100y43",
			Licences: []string{"金融许可证 B0001H"}, Provinces: []string{"广东", "福建"}, ContactName: "王敏", ContactEmail: "ops@huaxin.test"}
		bank, err := s.CreateOrganisation(ctx, admin, in)
		if err != nil {
			t.Fatal(err)
		}
		if bank.CreditCode != "91350100M000100Y43" || bank.TimeZone != "Asia/Shanghai" || bank.Status != "active" || bank.NameZH != in.Name {
			t.Fatalf("created %+v", bank)
		}
		got, err := s.OrganisationOf(ctx, admin, bank.ID)
		if err != nil || got.NameEN != "Huaxin Bank" || !slices.Equal(got.Provinces, []string{"广东", "福建"}) || !slices.Equal(got.Licences, in.Licences) {
			t.Fatalf("read back %+v %v", got, err)
		}
		// The same credit code twice is a conflict; a wrong check character invalid.
		dup := in
		dup.Name, dup.Kind = "另一家", "agency"
		if _, err := s.CreateOrganisation(ctx, admin, dup); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("duplicate code: %v, want conflict", err)
		}
		bad := in
		bad.CreditCode = "91350100M000100Y44"
		if _, err := s.CreateOrganisation(ctx, admin, bad); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("bad code: %v, want invalid", err)
		}
		agIn := collect.OrganisationInput{Kind: "agency", Name: "甲信催收服务有限公司", CreditCode: "9144030071526726XG", TimeZone: "Asia/Urumqi"}
		agency, err := s.CreateOrganisation(ctx, admin, agIn)
		if err != nil {
			t.Fatal(err)
		}
		// Editing onto another's credit code conflicts; a good edit is kept.
		edit := store.InputOf(agency)
		edit.CreditCode = bank.CreditCode
		if _, err := s.UpdateOrganisation(ctx, admin, agency.ID, edit); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("edit onto a taken code: %v", err)
		}
		edit = store.InputOf(agency)
		edit.NameEN, edit.ContactPhone = "Jiaxin Collections", "020-12345678"
		if _, err := s.UpdateOrganisation(ctx, admin, agency.ID, edit); err != nil {
			t.Fatal(err)
		}
		edit.Kind = "lender"
		if _, err := s.UpdateOrganisation(ctx, admin, agency.ID, edit); collect.ErrorCode(err) != collect.EINVALID {
			t.Fatalf("kind change: %v, want invalid", err)
		}
		if got, _ := s.OrganisationOf(ctx, admin, agency.ID); got.NameEN != "Jiaxin Collections" || got.ContactPhone != "020-12345678" || got.TimeZone != "Asia/Urumqi" {
			t.Fatalf("after edit %+v", got)
		}
		list, total, err := s.ListOrganisations(ctx, admin, store.OrgFilter{})
		if err != nil || total != 3 || list[0].Kind != "platform" || list[1].ID != bank.ID {
			t.Fatalf("list %d %+v %v", total, list, err)
		}

		// A user of the agency: sees only their own organisation, changes nothing.
		now := time.Now().UTC()
		if _, err := s.DB().Exec(`INSERT INTO users (id, organisation_id, email, name, password_hash, created_at) VALUES ('u-ag', $1, 'sup@jiaxin.test', 'Sup', '!', $2)`, agency.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().Exec(`INSERT INTO memberships (user_id, role) VALUES ('u-ag', 'agency_supervisor')`); err != nil {
			t.Fatal(err)
		}
		sup, v1, err := s.Actor(ctx, "u-ag")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.OrganisationOf(ctx, sup, bank.ID); collect.ErrorCode(err) != collect.ENOTFOUND {
			t.Fatalf("agency reads the bank: %v", err)
		}
		if l, n, _ := s.ListOrganisations(ctx, sup, store.OrgFilter{}); n != 1 || l[0].ID != agency.ID {
			t.Fatalf("agency's list %+v", l)
		}
		for name, try := range map[string]func() error{
			"create": func() error { _, err := s.CreateOrganisation(ctx, sup, agIn); return err },
			"update": func() error { _, err := s.UpdateOrganisation(ctx, sup, agency.ID, store.InputOf(agency)); return err },
			"status": func() error { _, err := s.SetOrganisationStatus(ctx, sup, agency.ID, "suspended"); return err },
		} {
			if err := try(); collect.ErrorCode(err) != collect.ENOTFOUND {
				t.Errorf("agency user %s: %v, want not found", name, err)
			}
		}

		// Suspended: the users cannot act; reactivated: they can, with new tokens.
		if _, err := s.SetOrganisationStatus(ctx, admin, agency.ID, "suspended"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetOrganisationStatus(ctx, admin, agency.ID, "suspended"); err != nil {
			t.Fatalf("suspend twice: %v", err)
		}
		if _, _, err := s.Actor(ctx, "u-ag"); !isKey(err, "err.auth.organisation_suspended") {
			t.Fatalf("suspended organisation's user: %v", err)
		}
		if _, err := s.SetOrganisationStatus(ctx, admin, admin.OrgID, "suspended"); collect.ErrorCode(err) != collect.ECONFLICT {
			t.Fatalf("suspend the platform: %v", err)
		}
		if _, err := s.SetOrganisationStatus(ctx, admin, agency.ID, "active"); err != nil {
			t.Fatal(err)
		}
		if _, v2, err := s.Actor(ctx, "u-ag"); err != nil || v2 == v1 {
			t.Fatalf("reactivated: version %d (was %d), %v", v2, v1, err)
		}

		// Audited.
		var n int
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action LIKE 'organisation.%' AND object_id IN ($1, $2)`, bank.ID, agency.ID).Scan(&n); err != nil || n != 5 {
			t.Fatalf("organisation audit events %d %v, want 5", n, err)
		}
		if r, err := s.VerifyAudit(ctx); err != nil || !r.OK {
			t.Fatalf("audit chain %+v %v", r, err)
		}
	})
}
