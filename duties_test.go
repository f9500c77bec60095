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
