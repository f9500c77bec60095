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
	// TimeZone is the IANA zone the organisation works in: pages show
	// times in it and read typed times in it.
	TimeZone string
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
