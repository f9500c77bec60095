package collect

import "testing"

func TestCheckSeparationOfDuties(t *testing.T) {
	tests := []struct {
		name  string
		roles []string
		rule  string
	}{
		{"a collector alone", []string{RoleCollector}, ""},
		{"a supervisor and collector", []string{RoleAgencySupervisor, RoleCollector}, ""},
		{"a vendor manager and auditor", []string{RoleVendorManager, RoleAuditor}, ""},
		{"an organisation administrator and vendor manager", []string{RoleOrgAdmin, RoleVendorManager}, ""},
		{"no roles", nil, ""},
		{"a collector who approves", []string{RoleCollector, RoleVendorManager}, "sod.arrangement"},
		{"a supervisor who approves", []string{RoleVendorManager, RoleAgencySupervisor}, "sod.arrangement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSeparationOfDuties(tt.roles)
			if tt.rule == "" {
				if err != nil {
					t.Fatalf("CheckSeparationOfDuties(%v) = %v, want nil", tt.roles, err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != ERULEVIOLATION || len(e.Violations) != 1 || e.Violations[0].Rule != tt.rule {
				t.Fatalf("CheckSeparationOfDuties(%v) = %#v, want the rule %s", tt.roles, err, tt.rule)
			}
			if v := e.Violations[0]; v.Args["maker"] == nil || v.Args["approver"] == nil {
				t.Errorf("the violation names no roles: %#v", v)
			}
		})
	}
}

func TestCheckRoles(t *testing.T) {
	tests := []struct {
		name  string
		roles []string
		kind  string
		code  string
		key   string
	}{
		{"an agency administrator and supervisor", []string{RoleOrgAdmin, RoleAgencySupervisor}, KindAgency, "", ""},
		{"integration is for keys, not people", []string{RoleIntegration}, KindLender, EINVALID, "err.people.role_keys_only"},
		{"integration beside a person's role", []string{RoleVendorManager, RoleIntegration}, KindLender, EINVALID, "err.people.role_keys_only"},
		{"none", nil, KindLender, EINVALID, "err.people.roles_required"},
		{"unknown", []string{"root"}, KindLender, EINVALID, "err.people.role_unknown"},
		{"a lender role at an agency", []string{RoleVendorManager}, KindAgency, EINVALID, "err.people.role_misfit"},
		{"platform administrator at a lender", []string{RolePlatformAdmin}, KindLender, EINVALID, "err.people.role_misfit"},
		{"twice", []string{RoleCollector, RoleCollector}, KindAgency, EINVALID, "err.people.role_twice"},
		{"maker and approver: the rule named first", []string{RoleCollector, RoleVendorManager}, KindAgency, ERULEVIOLATION, "err.sod.refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRoles(tt.roles, tt.kind)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("CheckRoles(%v, %s) = %v", tt.roles, tt.kind, err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != tt.code || e.Key != tt.key {
				t.Fatalf("CheckRoles(%v, %s) = %#v, want %s %s", tt.roles, tt.kind, err, tt.code, tt.key)
			}
		})
	}
}
