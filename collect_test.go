package collect_test

import (
	"collect"
	"errors"
	"fmt"
	"testing"
)

func TestErrorCode(t *testing.T) {
	notFound := collect.Errorf(collect.ENOTFOUND, "account %s not found", "acc-1")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"direct", notFound, collect.ENOTFOUND},
		{"wrapped once", fmt.Errorf("load: %w", notFound), collect.ENOTFOUND},
		{"wrapped twice", fmt.Errorf("handler: %w", fmt.Errorf("load: %w", notFound)), collect.ENOTFOUND},
		{"joined", errors.Join(errors.New("other"), collect.Errorf(collect.ECONFLICT, "dup")), collect.ECONFLICT},
		{"rule violation", collect.Errorf(collect.ERULEVIOLATION, "too many calls"), collect.ERULEVIOLATION},
		{"internal code", collect.Errorf(collect.EINTERNAL, "db down"), collect.EINTERNAL},
		{"plain error", errors.New("connection refused"), collect.EINTERNAL},
		{"wrapped plain error", fmt.Errorf("load: %w", errors.New("boom")), collect.EINTERNAL},
		{"formatted without %w", fmt.Errorf("load: %v", notFound), collect.EINTERNAL},
		{"nil", nil, collect.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collect.ErrorCode(tt.err); got != tt.want {
				t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	notFound := collect.Errorf(collect.ENOTFOUND, "account %s not found", "acc-1")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"direct", notFound, "account acc-1 not found"},
		{"wrapped", fmt.Errorf("load: %w", notFound), "account acc-1 not found"},
		{"forbidden", collect.Errorf(collect.EFORBIDDEN, "not your account"), "not your account"},
		{"internal code hides message", collect.Errorf(collect.EINTERNAL, "pq: password authentication failed"), "internal error"},
		{"wrapped internal code hides message", fmt.Errorf("x: %w", collect.Errorf(collect.EINTERNAL, "secret")), "internal error"},
		{"plain error hides message", errors.New("dial tcp 10.0.0.5:5432: refused"), "internal error"},
		{"nil", nil, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collect.ErrorMessage(tt.err); got != tt.want {
				t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	tests := []struct {
		name      string
		err       *collect.Error
		code, msg string
		str       string
	}{
		{"formatted", collect.Errorf(collect.EINVALID, "dpd %d out of range", -3), "invalid", "dpd -3 out of range", "invalid: dpd -3 out of range"},
		{"no args", collect.Errorf(collect.ETHROTTLED, "slow down"), "throttled", "slow down", "throttled: slow down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Code != tt.code || tt.err.Message != tt.msg {
				t.Errorf("got code %q message %q, want %q %q", tt.err.Code, tt.err.Message, tt.code, tt.msg)
			}
			if got := tt.err.Error(); got != tt.str {
				t.Errorf("Error() = %q, want %q", got, tt.str)
			}
		})
	}
}

func TestRoleFits(t *testing.T) {
	tests := []struct {
		role, kind string
		want       bool
	}{
		{collect.RolePlatformAdmin, collect.KindPlatform, true},
		{collect.RolePlatformAdmin, collect.KindLender, false},
		{collect.RolePlatformAdmin, collect.KindAgency, false},
		{collect.RoleVendorManager, collect.KindLender, true},
		{collect.RoleVendorManager, collect.KindPlatform, false},
		{collect.RoleVendorManager, collect.KindAgency, false},
		{collect.RoleAuditor, collect.KindLender, true},
		{collect.RoleAuditor, collect.KindPlatform, false},
		{collect.RoleAuditor, collect.KindAgency, false},
		{collect.RoleAgencySupervisor, collect.KindAgency, true},
		{collect.RoleAgencySupervisor, collect.KindLender, false},
		{collect.RoleAgencySupervisor, collect.KindPlatform, false},
		{collect.RoleCollector, collect.KindAgency, true},
		{collect.RoleCollector, collect.KindLender, false},
		{collect.RoleCollector, collect.KindPlatform, false},
		{collect.RoleOrgAdmin, collect.KindLender, true},
		{collect.RoleOrgAdmin, collect.KindAgency, true},
		{collect.RoleOrgAdmin, collect.KindPlatform, false},
		{collect.RoleIntegration, collect.KindLender, true},
		{collect.RoleIntegration, collect.KindAgency, true},
		{collect.RoleIntegration, collect.KindPlatform, false},
		{"superuser", collect.KindPlatform, false},
		{"", collect.KindAgency, false},
		{collect.RoleCollector, "", false},
		{"superuser", "", false}, // an unknown role never fits, even an empty kind
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.role+" in "+tt.kind, func(t *testing.T) {
			if got := collect.RoleFits(tt.role, tt.kind); got != tt.want {
				t.Errorf("RoleFits(%q, %q) = %v, want %v", tt.role, tt.kind, got, tt.want)
			}
		})
	}
}

func TestActorHas(t *testing.T) {
	supervisor := collect.Actor{
		UserID: "u-1", OrgKind: collect.KindAgency,
		Roles: []string{collect.RoleAgencySupervisor, collect.RoleCollector},
	}
	tests := []struct {
		name  string
		actor collect.Actor
		role  string
		want  bool
	}{
		{"first role", supervisor, collect.RoleAgencySupervisor, true},
		{"second role", supervisor, collect.RoleCollector, true},
		{"role not held", supervisor, collect.RolePlatformAdmin, false},
		{"empty role", supervisor, "", false},
		{"no roles", collect.Actor{UserID: "u-2"}, collect.RoleCollector, false},
		{"case sensitive", supervisor, "Collector", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.actor.Has(tt.role); got != tt.want {
				t.Errorf("Has(%q) = %v, want %v", tt.role, got, tt.want)
			}
		})
	}
}
