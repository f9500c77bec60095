// Package billing holds the pure decisions of money that reconciles (issue
// 17): where a payment went, whether it is confirmed, which agency earns
// commission on it, how the lender's payment feed matches what agencies
// report, what each payment earns and how a month's invoice adds up.
//
// The money flow. A debtor pays either the lender (the lender's feed or a
// lender user records it: ChannelPaidToLender) or through the agency: into
// the lender's account, which the agency reports with a voucher
// (ChannelAgencyReportedDirect), or to the agency itself, which then owes
// the money to the lender (ChannelAgencyCollected: a remittance). A
// lender-side payment is confirmed when recorded; an agency's report is
// StatusReported until the lender's feed matches it (Match) or the lender
// confirms it, and only a confirmed payment earns commission. Attribute
// says which agency earns on a payment: the one holding the placement on
// the day paid, else the last holder within its contract's grace days or on
// a promise it secured before a recall. CommissionLine prices one confirmed
// payment (bucket or vintage tier rate, per-account minimum and maximum)
// and explains it; PeriodAdjustments turns conduct and quality events into
// capped bonuses and deductions. BuildInvoice adds a month's lines and
// adjustments and nets the remittance the agency owes: the invoice's total
// is what the lender pays the agency, negative when the agency owes the
// lender. The agency accepts or disputes, the vendor manager approves, and
// an approved invoice is locked: a later correction becomes an adjustment
// of the next month (CorrectionAdjustment).
//
// Conventions. Money is int64 minor units (fen, cents), never a float;
// rates are basis points (1/10000). A rate applied to an amount is rounded
// half up on the fen (allocation.Commission), once per line; a rate-based
// deduction is rounded on its magnitude, so rounding is half away from
// zero. Totals are sums of the rounded lines and are never rounded again,
// so an invoice's total equals the sum of its parts to the cent. Days are
// civil dates (Date, "YYYY-MM-DD") in the payer's zone: the store converts
// times with DateIn. Errors are *collect.Error with catalogue keys listed in
// catalogue_keys.md. Nothing here imports Echo, GORM or templ; the store
// loads the facts, calls these functions, writes and audits.
package billing
