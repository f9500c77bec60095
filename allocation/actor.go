package allocation

import "slices"

// Organisation kinds: the tenants.
const (
	KindPlatform = "platform"
	KindLender   = "lender"
	KindAgency   = "agency"
)

// Roles. A user holds one or more within their organisation.
const (
	RolePlatformAdmin    = "platform_admin"
	RoleVendorManager    = "vendor_manager"
	RoleAuditor          = "auditor"
	RoleAgencySupervisor = "agency_supervisor"
	RoleCollector        = "collector"
)

// Roles lists every role, in the order pages show them.
var Roles = []string{RolePlatformAdmin, RoleVendorManager, RoleAuditor, RoleAgencySupervisor, RoleCollector}

// roleKinds says which organisation kind may hold each role.
var roleKinds = map[string]string{
	RolePlatformAdmin:    KindPlatform,
	RoleVendorManager:    KindLender,
	RoleAuditor:          KindLender,
	RoleAgencySupervisor: KindAgency,
	RoleCollector:        KindAgency,
}

// RoleFits reports whether role may be held in an organisation of kind.
func RoleFits(role, kind string) bool {
	k, ok := roleKinds[role]
	return ok && k == kind
}

// Actor is who is acting: the authenticated user, their organisation and roles.
// Every store method that reads or writes tenant data takes one.
type Actor struct {
	UserID  string
	Email   string
	Name    string
	OrgID   string
	OrgKind string
	OrgName string
	Roles   []string
}

// Has reports whether the actor holds role.
func (a Actor) Has(role string) bool { return slices.Contains(a.Roles, role) }
