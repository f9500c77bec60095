package collect_test

import (
	"slices"
	"testing"

	"collect"
)

func TestCheckSSOConfig(t *testing.T) {
	good := collect.SSOConfig{Issuer: "https://login.bank.example", ClientID: "portal", EmailDomain: "bank.example",
		RoleMap: map[string]string{"collect-vm": "vendor_manager"}, DefaultRoles: []string{"auditor"}}
	for _, c := range []struct {
		name  string
		edit  func(*collect.SSOConfig)
		kind  string
		field string
	}{
		{"good", func(*collect.SSOConfig) {}, collect.KindLender, ""},
		{"http on loopback (tests)", func(c *collect.SSOConfig) { c.Issuer = "http://127.0.0.1:5556" }, collect.KindLender, ""},
		{"http elsewhere", func(c *collect.SSOConfig) { c.Issuer = "http://login.bank.example" }, collect.KindLender, "issuer"},
		{"not a URL", func(c *collect.SSOConfig) { c.Issuer = "login" }, collect.KindLender, "issuer"},
		{"credentials in the issuer", func(c *collect.SSOConfig) { c.Issuer = "https://a:b@login.bank.example" }, collect.KindLender, "issuer"},
		{"no client", func(c *collect.SSOConfig) { c.ClientID = " " }, collect.KindLender, "client_id"},
		{"domain with @", func(c *collect.SSOConfig) { c.EmailDomain = "@bank.example" }, collect.KindLender, "email_domain"},
		{"a lender role for an agency", func(*collect.SSOConfig) {}, collect.KindAgency, "role_map"},
		{"integration is for keys", func(c *collect.SSOConfig) { c.DefaultRoles = []string{"integration"} }, collect.KindLender, "role_map"},
	} {
		cfg := good
		cfg.RoleMap = map[string]string{"collect-vm": "vendor_manager"}
		c.edit(&cfg)
		err := collect.CheckSSOConfig(cfg, c.kind)
		got := ""
		if e, ok := err.(*collect.Error); ok && len(e.Fields) > 0 {
			got = e.Fields[0].Field
		}
		if got != c.field {
			t.Errorf("%s: refused %q, want %q (%v)", c.name, got, c.field, err)
		}
	}
}

func TestSSOEmailAndRoles(t *testing.T) {
	for _, c := range []struct {
		email, domain string
		want          bool
	}{
		{"li@bank.example", "bank.example", true},
		{"LI@Bank.Example", "bank.example", true},
		{"li@evilbank.example", "bank.example", false},
		{"li@bank.example.evil", "bank.example", false},
		{"bank.example", "bank.example", false},
	} {
		if got := collect.SSOEmailAllowed(c.email, c.domain); got != c.want {
			t.Errorf("%s in %s: %v", c.email, c.domain, got)
		}
	}
	m := map[string]string{"vm": "vendor_manager", "audit": "auditor"}
	if got := collect.SSORoles([]string{"audit", "other", "vm", "vm"}, m, []string{"auditor"}); !slices.Equal(got, []string{"auditor", "vendor_manager"}) {
		t.Errorf("mapped roles %v", got)
	}
	if got := collect.SSORoles([]string{"other"}, m, []string{"auditor"}); !slices.Equal(got, []string{"auditor"}) {
		t.Errorf("default roles %v", got)
	}
}
