package collect

import "slices"

// DutyRule is a pair of duties one person must not hold both of: making a
// thing and approving it. Makers and Approvers are the roles that policy.csv
// grants (Object, Make) and (Object, Approve); a test in the portal holds
// them equal to the policy, so a policy change that breaks the separation
// is caught.
type DutyRule struct {
	Rule      string
	Key       string // the catalogue's words for it, given maker and approver
	Object    string
	Make      string
	Approve   string
	Makers    []string
	Approvers []string
}

// SeparatedDuties are the duties kept apart. Every arrangement kind
// (promise, instalment, extension, waiver, settlement) is made and approved
// under the same permissions, so one rule keeps them all apart.
var SeparatedDuties = []DutyRule{
	{
		Rule: "sod.arrangement", Key: "err.sod.arrangement", Object: "arrangement", Make: "write", Approve: "approve",
		Makers:    []string{RoleAgencySupervisor, RoleCollector},
		Approvers: []string{RoleVendorManager},
	},
}

// CheckSeparationOfDuties refuses a set of roles for one person that would
// let them both make and approve the same thing, naming the rule broken
// and the two roles.
func CheckSeparationOfDuties(roles []string) error {
	var broken []Violation
	for _, d := range SeparatedDuties {
		maker := firstHeld(roles, d.Makers)
		approver := firstHeld(roles, d.Approvers)
		if maker != "" && approver != "" {
			broken = append(broken, Broken(d.Rule, d.Key, "maker", Say("role."+maker), "approver", Say("role."+approver)))
		}
	}
	if len(broken) == 0 {
		return nil
	}
	e := E(ERULEVIOLATION, "err.sod.refused")
	e.Violations = broken
	return e
}

func firstHeld(roles, of []string) string {
	for _, r := range of {
		if slices.Contains(roles, r) {
			return r
		}
	}
	return ""
}
