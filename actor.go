package collect

import (
	"slices"
	"time"
)

// Organisation kinds: the tenants.
const (
	KindPlatform = "platform"
	KindLender   = "lender"
	KindAgency   = "agency"
)

// Roles. A user holds one or more within their organisation.
const (
	RolePlatformAdmin    = "platform_admin"
	RoleOrgAdmin         = "org_admin" // an organisation's own administrator: its users
	RoleVendorManager    = "vendor_manager"
	RoleAuditor          = "auditor"
	RoleAgencySupervisor = "agency_supervisor"
	RoleCollector        = "collector"
	RoleIntegration      = "integration" // a lender's or agency's own systems
)

// Roles lists every role, in the order pages show them.
var Roles = []string{RolePlatformAdmin, RoleOrgAdmin, RoleVendorManager, RoleAuditor, RoleAgencySupervisor, RoleCollector, RoleIntegration}

// roleKinds says which organisation kinds may hold each role. The platform
// administrator administers the platform's own users; lenders and agencies
// have their own administrators and systems.
var roleKinds = map[string][]string{
	RolePlatformAdmin:    {KindPlatform},
	RoleOrgAdmin:         {KindLender, KindAgency},
	RoleVendorManager:    {KindLender},
	RoleAuditor:          {KindLender},
	RoleAgencySupervisor: {KindAgency},
	RoleCollector:        {KindAgency},
	RoleIntegration:      {KindLender, KindAgency},
}

// PersonRole reports whether a person may hold role: integration is for an
// organisation's systems, held only by integration keys, never by a user.
func PersonRole(role string) bool { return role != RoleIntegration }

// RoleFits reports whether role may be held in an organisation of kind.
func RoleFits(role, kind string) bool {
	return kind != "" && slices.Contains(roleKinds[role], kind)
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
	// TimeZone is the IANA zone the organisation works in: pages show
	// times in it and read typed times in it.
	TimeZone string
	// TOTPPolicy is the organisation's two-factor policy (none,
	// personal_data, all) and TOTPEnrolled whether this user has set it up;
	// loaded with the actor, so no request asks again.
	TOTPPolicy   string
	TOTPEnrolled bool
}

// Has reports whether the actor holds role.
func (a Actor) Has(role string) bool { return slices.Contains(a.Roles, role) }

// Organisation is a tenant: the platform, a lender or an agency.
//
// Name is the legal name as registered (Chinese for a mainland company),
// NameEN its English name; NameZH is the Chinese name the pages show (for
// an organisation onboarded through the portal, the legal name).
type Organisation struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Name         string     `json:"name"`
	NameZH       string     `json:"name_zh"`
	NameEN       string     `json:"name_en"`
	CreditCode   string     `json:"credit_code"`
	Licences     []string   `json:"licences" gorm:"serializer:json"`
	Provinces    []string   `json:"provinces" gorm:"serializer:json"`
	ContactName  string     `json:"contact_name"`
	ContactPhone string     `json:"contact_phone"`
	ContactEmail string     `json:"contact_email"`
	TimeZone     string     `json:"time_zone" gorm:"default:Asia/Shanghai"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

// User is a person who logs in. PasswordHash never leaves the store layer in
// JSON.
type User struct {
	ID             string    `json:"id"`
	OrganisationID string    `json:"organisation_id"`
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	PasswordHash   string    `json:"-"`
	TokenVersion   int       `json:"-"`
	Disabled       bool      `json:"disabled"`
	CreatedAt      time.Time `json:"created_at"`
	Roles          []string  `json:"roles" gorm:"-"`
}

// CheckRoles says whether a person in an organisation of kind may hold
// roles: at least one, each known and fitting the kind, none twice, and no
// two that break a separation of duties.
func CheckRoles(roles []string, kind string) error {
	if len(roles) == 0 {
		return Invalid("roles", "err.people.roles_required")
	}
	if err := CheckSeparationOfDuties(roles); err != nil {
		return err
	}
	for i, r := range roles {
		if !slices.Contains(Roles, r) {
			return Invalid("roles", "err.people.role_unknown", "role", r)
		}
		if !PersonRole(r) {
			return Invalid("roles", "err.people.role_keys_only", "role", Say("role."+r))
		}
		if !RoleFits(r, kind) {
			return Invalid("roles", "err.people.role_misfit", "role", Say("role."+r), "kind", Say("org_kind."+kind))
		}
		if slices.Contains(roles[:i], r) {
			return Invalid("roles", "err.people.role_twice", "role", Say("role."+r))
		}
	}
	return nil
}
