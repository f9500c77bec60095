package allocation

import (
	"collect"
	"strings"
	"time"
	"unicode/utf8"
)

// Portfolio is a batch of delinquent accounts imported by a lender.
type Portfolio struct {
	ID           string    `json:"id"`
	LenderID     string    `json:"lender_id"`
	Name         string    `json:"name"`
	AccountCount int       `json:"account_count"`
	BalanceCents int64     `json:"balance_cents"`
	Currency     string    `json:"currency"`
	CreatedBy    string    `json:"created_by"`
	ImportedAt   time.Time `json:"imported_at"`
}

// Account is one overdue loan.
type Account struct {
	ID                    string `json:"id"`
	LenderID              string `json:"lender_id"`
	PortfolioID           string `json:"portfolio_id"`
	ExternalRef           string `json:"external_ref"`
	DebtorName            string `json:"debtor_name"`
	NationalID            string `json:"national_id"`
	Phone                 string `json:"phone"`
	EmergencyContactPhone string `json:"emergency_contact_phone"`
	Address               string `json:"address"`
	Province              string `json:"province"`
	PrincipalCents        int64  `json:"principal_cents"`
	BalanceCents          int64  `json:"balance_cents"`
	Currency              string `json:"currency"`
	DueDate               string `json:"due_date"`
	DPD                   int    `json:"dpd"`
	Bucket                string `json:"bucket"`
	Stage                 string `json:"stage"`
	Status                string `json:"status"`
	LastPaymentDate       string `json:"last_payment_date"`
	// ReportedCents is money agencies reported and the lender has not yet
	// confirmed or rejected: shown apart, never in BalanceCents.
	ReportedCents int64     `json:"reported_cents"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Placement statuses.
const (
	PlacementOffered  = "offered"
	PlacementDeclined = "declined"
	PlacementActive   = "active"
	PlacementRecalled = "recalled"
	PlacementExpired  = "expired"
	PlacementReturned = "returned"
	PlacementClosed   = "closed"
)

// Placement is an account held by one agency for a term.
type Placement struct {
	ID        string     `json:"id"`
	AccountID string     `json:"account_id"`
	AgencyID  string     `json:"agency_id"`
	LenderID  string     `json:"lender_id"`
	Status    string     `json:"status"`
	FeeRateBP int        `json:"fee_rate_bp"`
	CreatedAt time.Time  `json:"created_at"`
	StartsAt  time.Time  `json:"starts_at"`
	EndsAt    time.Time  `json:"ends_at"`
	EndedAt   *time.Time `json:"ended_at"`
	EndReason string     `json:"end_reason"`
}

// Reasons the portal itself gives for ending a placement, as catalogue
// keys. EndReason holds them in English (EndReasonText), the API's words,
// beside the reasons people type; a page says them in the reader's
// language.
const (
	EndPaidInFull   = "err.placement.end.paid_in_full"
	EndOfferExpired = "err.placement.end.offer_expired"
	EndTermEnded    = "err.placement.end.term_ended"
)

// EndReasons lists the reasons the portal gives (the End* keys).
var EndReasons = []string{EndPaidInFull, EndOfferExpired, EndTermEnded}

// EndReasonText is a reason the portal gives in English, as EndReason keeps it.
func EndReasonText(key string) string { return collect.Say(key).String() }

// MaskAccount hides the national ID and phone numbers of a for an actor who
// does not need them.
func MaskAccount(a Account) Account {
	a.NationalID = MaskNationalID(a.NationalID)
	a.Phone = MaskPhone(a.Phone)
	a.EmergencyContactPhone = MaskPhone(a.EmergencyContactPhone)
	a.Address = maskTail(a.Address, 6)
	return a
}

// MaskNationalID keeps the first 4 and last 4 characters: 1101**********123X.
func MaskNationalID(s string) string { return maskMiddle(s, 4, 4) }

// MaskPhone keeps the first 3 and last 4 digits: 138****5678.
func MaskPhone(s string) string { return maskMiddle(s, 3, 4) }

func maskMiddle(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// maskTail keeps the first keep runes (a province and city) and stars the rest.
func maskTail(s string, keep int) string {
	n := utf8.RuneCountInString(s)
	if n <= keep {
		return s
	}
	return string([]rune(s)[:keep]) + "****"
}
