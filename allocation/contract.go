package allocation

import (
	"collect"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// AgencyProfile is what an agency says about itself: where it is licensed to
// collect, which buckets it takes, and how many accounts it can hold at once.
type AgencyProfile struct {
	AgencyID          string    `json:"agency_id"`
	LicensedProvinces []string  `json:"licensed_provinces"` // "*" = nationwide
	AcceptedBuckets   []string  `json:"accepted_buckets"`   // empty = every bucket
	Capacity          int       `json:"capacity"`
	Description       string    `json:"description"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Validate checks the profile's fields.
func (p AgencyProfile) Validate() error {
	var fields []collect.FieldError
	if p.Capacity < 0 || p.Capacity > 10_000_000 {
		fields = append(fields, collect.Field("capacity", "err.agency_profile.capacity_range"))
	}
	for _, b := range p.AcceptedBuckets {
		if !slices.Contains(BucketNames(), b) {
			fields = append(fields, collect.Field("accepted_buckets", "err.bucket.unknown", "bucket", b))
		}
	}
	for _, pr := range p.LicensedProvinces {
		if pr == "" || utf8.RuneCountInString(pr) > 32 || strings.Contains(pr, ",") {
			fields = append(fields, collect.Field("licensed_provinces", "err.agency_profile.provinces"))
			break
		}
	}
	if utf8.RuneCountInString(p.Description) > 2000 {
		fields = append(fields, collect.Field("description", "err.agency_profile.description_long"))
	}
	return FieldErrors(fields)
}

// Contract is the agreement between one lender and one agency: what the
// agency earns by bucket, how long a placement lasts, how long an offer stays
// open, and how far the agency may negotiate on its own.
type Contract struct {
	ID                      string         `json:"id"`
	LenderID                string         `json:"lender_id"`
	AgencyID                string         `json:"agency_id"`
	Status                  string         `json:"status"` // active, suspended
	FeeSchedule             map[string]int `json:"fee_schedule"`
	TermDays                int            `json:"term_days"`
	AcceptDays              int            `json:"accept_days"`
	MaxSettlementDiscountBP int            `json:"max_settlement_discount_bp"`
	MaxInstalments          int            `json:"max_instalments"`
	MinDownPaymentBP        int            `json:"min_down_payment_bp"`
	StartsOn                string         `json:"starts_on"`
	EndsOn                  string         `json:"ends_on"`
	// ShareFullHistory lets the agency read other agencies' notes, free
	// text and staff on the accounts it holds (casework.HistoryDetailFor).
	ShareFullHistory bool `json:"share_full_history"`
	// Attribution (issue 17): a payment up to GraceDays after the agency's
	// placement ended still earns it commission, and with
	// PromiseBeforeRecall so does one paying a promise it secured before a
	// recall (billing.AttributionRule).
	GraceDays           int  `json:"grace_days"`
	PromiseBeforeRecall bool `json:"promise_before_recall"`
	// CommissionTerms beyond the bucket fees (tiers by vintage liquidation,
	// bonuses and deductions, minimum and maximum per account), as
	// billing.CommissionTerms JSON; empty for the bucket fees only.
	CommissionTerms json.RawMessage `json:"commission_terms,omitempty"`
	// RemittanceDueDays is how long the agency may hold money it collected
	// itself before handing it over; nil is the default, 7 days.
	RemittanceDueDays *int      `json:"remittance_due_days,omitempty"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// MaxContractYears is the longest a contract may run. The lender must
// evaluate each agency at least yearly and before the contract ends (GB/T
// post-loan guideline), so open-ended terms such as 0001-01-01 to
// 9999-12-31 are refused.
const MaxContractYears = 10

var (
	contractEarliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	contractLatest   = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Validate checks the contract's terms.
func (c Contract) Validate() error {
	var fields []collect.FieldError
	if c.GraceDays < 0 || c.GraceDays > 90 {
		fields = append(fields, collect.Field("grace_days", "err.billing.grace_days", "max", 90))
	}
	if d := c.RemittanceDueDays; d != nil && (*d < 0 || *d > 90) {
		fields = append(fields, collect.Field("remittance_due_days", "err.billing.remittance_due_days", "max", 90))
	}
	if len(c.FeeSchedule) == 0 {
		fields = append(fields, collect.Field("fee_schedule", "err.contract.fee_schedule_empty"))
	}
	for b, bp := range c.FeeSchedule {
		if !slices.Contains(BucketNames(), b) {
			fields = append(fields, collect.Field("fee_schedule", "err.bucket.unknown", "bucket", b))
		} else if bp < 0 || bp > 10000 {
			fields = append(fields, collect.Field("fee_schedule", "err.contract.fee_range", "bucket", b))
		}
	}
	if c.TermDays < 1 || c.TermDays > 730 {
		fields = append(fields, collect.Field("term_days", "err.contract.term_days"))
	}
	if c.AcceptDays < 1 || c.AcceptDays > 60 {
		fields = append(fields, collect.Field("accept_days", "err.contract.accept_days"))
	}
	if c.MaxSettlementDiscountBP < 0 || c.MaxSettlementDiscountBP > 10000 {
		fields = append(fields, collect.Field("max_settlement_discount_bp", "err.contract.bp_range"))
	}
	if c.MaxInstalments < 1 || c.MaxInstalments > 120 {
		fields = append(fields, collect.Field("max_instalments", "err.contract.instalments"))
	}
	if c.MinDownPaymentBP < 0 || c.MinDownPaymentBP > 10000 {
		fields = append(fields, collect.Field("min_down_payment_bp", "err.contract.bp_range"))
	}
	start, err1 := time.Parse(time.DateOnly, c.StartsOn)
	end, err2 := time.Parse(time.DateOnly, c.EndsOn)
	switch {
	case err1 != nil:
		fields = append(fields, collect.Field("starts_on", "err.contract.date"))
	case err2 != nil:
		fields = append(fields, collect.Field("ends_on", "err.contract.date"))
	case start.Before(contractEarliest) || start.After(contractLatest):
		fields = append(fields, collect.Field("starts_on", "err.contract.start_range"))
	case !end.After(start):
		fields = append(fields, collect.Field("ends_on", "err.contract.end_before_start"))
	case end.After(start.AddDate(MaxContractYears, 0, 0)):
		fields = append(fields, collect.Field("ends_on", "err.contract.too_long", "years", MaxContractYears))
	}
	if c.Status != "active" && c.Status != "suspended" {
		fields = append(fields, collect.Field("status", "err.contract.status"))
	}
	return FieldErrors(fields)
}

// FeeFor returns the contract's fee for a bucket, in basis points.
func (c Contract) FeeFor(bucket string) int { return c.FeeSchedule[bucket] }

// InForce reports whether the contract allows new placements on day.
func (c Contract) InForce(day time.Time) bool {
	d := day.UTC().Format(time.DateOnly)
	return c.Status == "active" && c.StartsOn <= d && d <= c.EndsOn
}

// Commission is what an agency earns on a payment at a rate in basis points,
// rounded half up to the cent. Integer arithmetic: no floats near money.
func Commission(paymentCents int64, rateBP int) int64 {
	if paymentCents <= 0 || rateBP <= 0 {
		return 0
	}
	return (paymentCents*int64(rateBP) + 5000) / 10000
}

// Placement lifecycle decisions.

// CanAccept reports whether an offer can still be accepted at now.
func CanAccept(p Placement, acceptBy time.Time, now time.Time) error {
	if p.Status != PlacementOffered {
		return collect.E(collect.ECONFLICT, "err.placement.not_offered", "id", p.ID, "status", p.Status)
	}
	if !acceptBy.IsZero() && now.After(acceptBy) {
		return collect.E(collect.ECONFLICT, "err.placement.offer_expired", "id", p.ID, "at", acceptBy.UTC().Format(time.RFC3339))
	}
	return nil
}

// CanRecall reports whether the lender can recall p: offers and active
// placements can be recalled.
func CanRecall(p Placement) error {
	if p.Status != PlacementActive && p.Status != PlacementOffered {
		return collect.E(collect.ECONFLICT, "err.placement.cannot_recall", "id", p.ID, "status", p.Status)
	}
	return nil
}

// CanReturn reports whether the agency can hand p back.
func CanReturn(p Placement) error {
	if p.Status != PlacementActive {
		return collect.E(collect.ECONFLICT, "err.placement.cannot_return", "id", p.ID, "status", p.Status)
	}
	return nil
}

// ValidReason checks a free-text reason for recalls, returns and declines.
func ValidReason(reason string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	if n == 0 {
		return collect.E(collect.EINVALID, "err.reason.required").WithFields(collect.Field("reason", "err.form.required"))
	}
	if n > 500 {
		return collect.E(collect.EINVALID, "err.reason.too_long").WithFields(collect.Field("reason", "err.form.max_chars", "max", 500))
	}
	return nil
}

// FieldErrors is nil for no fields, else an EINVALID *Error naming them.
func FieldErrors(fields []collect.FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return collect.E(collect.EINVALID, "err.form.check_fields").WithFields(fields...)
}
