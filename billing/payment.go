package billing

import (
	"strings"
	"time"
	"unicode/utf8"

	"collect"
	"collect/allocation"
)

// MaxAmountCents is the largest single amount (a payment, a line, an
// adjustment): 1,000,000,000.00, the bound the payment API already keeps.
const MaxAmountCents int64 = 100_000_000_000

// MaxReferenceChars is the longest payment reference (a bank serial).
const MaxReferenceChars = 64

// Source is who recorded a payment.
type Source string

// Sources.
const (
	SourceLender Source = "lender" // the lender's feed or a lender user
	SourceAgency Source = "agency" // reported by the agency holding the account
)

// Channel is where the money went.
type Channel string

// Channels.
const (
	// ChannelPaidToLender: the debtor paid the lender; the lender's feed or
	// a lender user records it.
	ChannelPaidToLender Channel = "paid_to_lender"
	// ChannelAgencyReportedDirect: the debtor paid into the lender's account
	// and the agency reports it, with a voucher.
	ChannelAgencyReportedDirect Channel = "agency_reported_direct"
	// ChannelAgencyCollected: the agency collected the money itself and owes
	// it to the lender (a remittance).
	ChannelAgencyCollected Channel = "agency_collected"
)

// Status is where a payment stands.
type Status string

// Statuses. An agency's payment starts reported; a lender's starts
// confirmed. Confirmed and rejected are final: a reversal is a new entry,
// not a change of status.
const (
	StatusReported  Status = "reported"
	StatusConfirmed Status = "confirmed"
	StatusRejected  Status = "rejected"
)

// Payment is money received on an account, as the billing decisions see it.
type Payment struct {
	ID        string  `json:"id"`
	AccountID string  `json:"account_id"`
	AgencyID  string  `json:"agency_id,omitempty"` // the reporting agency; "" for a lender's payment
	Source    Source  `json:"source"`
	Channel   Channel `json:"channel"`
	Status    Status  `json:"status"`
	// AmountCents is the money received; OverpaidCents the part of it the
	// balance did not absorb (the debtor's to refund, never commission).
	AmountCents   int64  `json:"amount_cents"`
	OverpaidCents int64  `json:"overpaid_cents,omitempty"`
	Currency      string `json:"currency"`
	PaidOn        Date   `json:"paid_on"` // civil date in the payer's zone
	Reference     string `json:"reference,omitempty"`
	// VoucherID is the attachment holding the voucher (a bank transfer
	// receipt), or the voucher's own reference.
	VoucherID    string    `json:"voucher_id,omitempty"`
	ReportedAt   time.Time `json:"reported_at"`
	ConfirmedAt  time.Time `json:"confirmed_at,omitzero"`
	RejectReason string    `json:"reject_reason,omitempty"`
}

// InitialStatus is the status a new payment from source starts in.
func InitialStatus(s Source) Status {
	if s == SourceLender {
		return StatusConfirmed
	}
	return StatusReported
}

// Validate checks a payment's fields and that its channel fits its source.
func (p Payment) Validate() error {
	var fields []collect.FieldError
	if strings.TrimSpace(p.AccountID) == "" {
		fields = append(fields, collect.Field("account_id", "err.form.required"))
	}
	if p.AmountCents <= 0 || p.AmountCents > MaxAmountCents {
		fields = append(fields, collect.Field("amount_cents", "err.payment.amount"))
	}
	if p.OverpaidCents < 0 || p.OverpaidCents > p.AmountCents {
		fields = append(fields, collect.Field("overpaid_cents", "err.billing.overpaid_range"))
	}
	if !p.PaidOn.Valid() {
		fields = append(fields, collect.Field("paid_on", "err.billing.date", "value", string(p.PaidOn)))
	}
	if utf8.RuneCountInString(p.Reference) > MaxReferenceChars {
		fields = append(fields, collect.Field("reference", "err.form.max_chars", "max", MaxReferenceChars))
	}
	switch p.Status {
	case StatusReported, StatusConfirmed, StatusRejected:
	default:
		fields = append(fields, collect.Field("status", "err.billing.payment_status_unknown", "status", string(p.Status)))
	}
	switch p.Source {
	case SourceLender:
		if p.Channel != ChannelPaidToLender {
			fields = append(fields, collect.Field("channel", "err.billing.channel_source", "channel", string(p.Channel), "source", string(p.Source)))
		}
	case SourceAgency:
		if p.Channel != ChannelAgencyReportedDirect && p.Channel != ChannelAgencyCollected {
			fields = append(fields, collect.Field("channel", "err.billing.channel_source", "channel", string(p.Channel), "source", string(p.Source)))
		}
		if strings.TrimSpace(p.AgencyID) == "" {
			fields = append(fields, collect.Field("agency_id", "err.form.required"))
		}
	default:
		fields = append(fields, collect.Field("source", "err.billing.source_unknown", "source", string(p.Source)))
	}
	return allocation.FieldErrors(fields)
}

// CommissionableCents is the part of the payment commission is paid on.
func (p Payment) CommissionableCents() int64 { return max(0, p.AmountCents-p.OverpaidCents) }

// EarnsCommission reports whether commission accrues on p: only a confirmed
// payment earns.
func (p Payment) EarnsCommission() bool { return p.Status == StatusConfirmed }

// CanMove checks a change of a payment's status: reported → confirmed or
// rejected, nothing else. Confirming twice is a conflict, so two feeds or a
// feed and a lender user racing on one payment cannot both confirm it.
func CanMove(from, to Status) error {
	for _, s := range []Status{from, to} {
		if s != StatusReported && s != StatusConfirmed && s != StatusRejected {
			return collect.E(collect.EINVALID, "err.billing.payment_status_unknown", "status", string(s))
		}
	}
	if from == to {
		return collect.E(collect.ECONFLICT, "err.billing.payment_already", "status", string(to))
	}
	if from != StatusReported || to == StatusReported {
		return collect.E(collect.ECONFLICT, "err.billing.payment_transition", "from", string(from), "to", string(to))
	}
	return nil
}

// Confirm is p confirmed at at. byFeed says the lender's feed matched it;
// otherwise a lender user confirms by hand, which needs the agency's
// voucher (or the bank reference) to look at.
func Confirm(p Payment, at time.Time, byFeed bool) (Payment, error) {
	if err := CanMove(p.Status, StatusConfirmed); err != nil {
		return p, err
	}
	if !byFeed && p.Source == SourceAgency && strings.TrimSpace(p.VoucherID) == "" && strings.TrimSpace(p.Reference) == "" {
		return p, collect.Invalid("voucher", "err.billing.confirm_needs_voucher")
	}
	p.Status, p.ConfirmedAt = StatusConfirmed, at
	return p, nil
}

// Reject is p rejected for reason.
func Reject(p Payment, reason string) (Payment, error) {
	if err := CanMove(p.Status, StatusRejected); err != nil {
		return p, err
	}
	if err := allocation.ValidReason(reason); err != nil {
		return p, err
	}
	p.Status, p.RejectReason = StatusRejected, strings.TrimSpace(reason)
	return p, nil
}

// BalanceView is an account's balance as a collector sees it: what the
// confirmed payments left, and the reported money apart.
type BalanceView struct {
	BalanceCents       int64 `json:"balance_cents"`        // after confirmed payments only
	ReportedCents      int64 `json:"reported_cents"`       // reported, awaiting confirmation
	AfterReportedCents int64 `json:"after_reported_cents"` // if every reported payment were confirmed, never below 0
}

// ViewBalance is the view of an account whose balance after its confirmed
// payments is confirmedBalanceCents, with its payments.
func ViewBalance(confirmedBalanceCents int64, payments []Payment) BalanceView {
	v := BalanceView{BalanceCents: confirmedBalanceCents}
	for _, p := range payments {
		if p.Status == StatusReported {
			v.ReportedCents += p.AmountCents
		}
	}
	v.AfterReportedCents = max(0, confirmedBalanceCents-v.ReportedCents)
	return v
}
