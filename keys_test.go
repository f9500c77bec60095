package collect_test

import (
	"testing"
	"time"

	"collect"
)

func TestCheckAPIKey(t *testing.T) {
	now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	past, soon, far := now.Add(-time.Second), now.Add(24*time.Hour), now.Add(3*365*24*time.Hour)
	for _, c := range []struct {
		name    string
		roles   []string
		allow   []string
		expires *time.Time
		field   string // the field refused; "" for none
	}{
		{"payments feed", []string{"integration"}, nil, nil, ""},
		{"feed", []string{"integration"}, []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32"}, &soon, ""},
		{"", []string{"integration"}, nil, nil, "name"},
		{"feed", nil, nil, nil, "roles"},
		{"feed", []string{"vendor_manager"}, nil, nil, "roles"},
		{"feed", []string{"integration"}, nil, &past, "expires_at"},
		{"feed", []string{"integration"}, nil, &far, "expires_at"},
		{"feed", []string{"integration"}, []string{"10.0.0.0/33"}, nil, "allow_from"},
		{"feed", []string{"integration"}, []string{"example.com"}, nil, "allow_from"},
	} {
		err := collect.CheckAPIKey(c.name, c.roles, c.allow, c.expires, now)
		var got string
		if e, ok := err.(*collect.Error); ok && len(e.Fields) > 0 {
			got = e.Fields[0].Field
		} else if err != nil {
			got = "?" + err.Error()
		}
		if got != c.field {
			t.Errorf("%q %v %v %v: refused %q, want %q", c.name, c.roles, c.allow, c.expires, got, c.field)
		}
	}
}

func TestKeyAllows(t *testing.T) {
	for _, c := range []struct {
		allow []string
		addr  string
		want  bool
	}{
		{nil, "203.0.113.9", true},
		{[]string{"203.0.113.0/24"}, "203.0.113.9", true},
		{[]string{"203.0.113.0/24"}, "203.0.114.9", false},
		{[]string{"203.0.113.9"}, "203.0.113.9", true},
		{[]string{"203.0.113.9"}, "203.0.113.10", false},
		{[]string{"203.0.113.0/24"}, "::ffff:203.0.113.9", true}, // an IPv4 address seen as IPv6
		{[]string{"2001:db8::/32"}, "2001:db8::1", true},
		{[]string{"203.0.113.0/24"}, "not an address", false},
	} {
		if got := collect.KeyAllows(c.allow, c.addr); got != c.want {
			t.Errorf("%v from %s: %v, want %v", c.allow, c.addr, got, c.want)
		}
	}
}
