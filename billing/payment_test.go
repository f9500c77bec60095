package billing

import (
	"strings"
	"testing"
	"time"

	"collect"
)

func TestCanMove(t *testing.T) {
	for _, c := range []struct {
		from, to  Status
		code, key string
	}{
		{StatusReported, StatusConfirmed, "", ""},
		{StatusReported, StatusRejected, "", ""},
		{StatusReported, StatusReported, collect.ECONFLICT, "err.billing.payment_already"},
		{StatusConfirmed, StatusConfirmed, collect.ECONFLICT, "err.billing.payment_already"},
		{StatusConfirmed, StatusRejected, collect.ECONFLICT, "err.billing.payment_transition"},
		{StatusConfirmed, StatusReported, collect.ECONFLICT, "err.billing.payment_transition"},
		{StatusRejected, StatusConfirmed, collect.ECONFLICT, "err.billing.payment_transition"},
		{StatusRejected, StatusReported, collect.ECONFLICT, "err.billing.payment_transition"},
		{"paid", StatusConfirmed, collect.EINVALID, "err.billing.payment_status_unknown"},
		{StatusReported, "", collect.EINVALID, "err.billing.payment_status_unknown"},
	} {
		t.Run(string(c.from)+"_to_"+string(c.to), func(t *testing.T) {
			wantErr(t, CanMove(c.from, c.to), c.code, c.key)
		})
	}
}

func TestInitialStatus(t *testing.T) {
	if InitialStatus(SourceLender) != StatusConfirmed || InitialStatus(SourceAgency) != StatusReported {
		t.Fatal("a lender's payment starts confirmed, an agency's reported")
	}
}

func agencyPayment() Payment {
	return Payment{ID: "p1", AccountID: "acc1", AgencyID: "ag1", Source: SourceAgency, Channel: ChannelAgencyReportedDirect,
		Status: StatusReported, AmountCents: 50000, Currency: "CNY", PaidOn: "2026-03-10"}
}

func TestPaymentValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*Payment)
		field string // "" valid
	}{
		{"AgencyDirect", func(p *Payment) {}, ""},
		{"AgencyCollected", func(p *Payment) { p.Channel = ChannelAgencyCollected }, ""},
		{"Lender", func(p *Payment) {
			p.Source, p.Channel, p.AgencyID, p.Status = SourceLender, ChannelPaidToLender, "", StatusConfirmed
		}, ""},
		{"LenderCollectedByAgency", func(p *Payment) { p.Source, p.Channel = SourceLender, ChannelAgencyCollected }, "channel"},
		{"AgencyPaidToLender", func(p *Payment) { p.Channel = ChannelPaidToLender }, "channel"},
		{"AgencyWithoutAgency", func(p *Payment) { p.AgencyID = " " }, "agency_id"},
		{"UnknownSource", func(p *Payment) { p.Source = "debtor" }, "source"},
		{"UnknownStatus", func(p *Payment) { p.Status = "paid" }, "status"},
		{"NoAccount", func(p *Payment) { p.AccountID = "" }, "account_id"},
		{"ZeroAmount", func(p *Payment) { p.AmountCents = 0 }, "amount_cents"},
		{"MaxAmount", func(p *Payment) { p.AmountCents = MaxAmountCents }, ""},
		{"AboveMax", func(p *Payment) { p.AmountCents = MaxAmountCents + 1 }, "amount_cents"},
		{"OverpaidAll", func(p *Payment) { p.OverpaidCents = p.AmountCents }, ""},
		{"OverpaidMore", func(p *Payment) { p.OverpaidCents = p.AmountCents + 1 }, "overpaid_cents"},
		{"OverpaidNegative", func(p *Payment) { p.OverpaidCents = -1 }, "overpaid_cents"},
		{"BadDate", func(p *Payment) { p.PaidOn = "2026-02-30" }, "paid_on"},
		{"Reference64", func(p *Payment) { p.Reference = strings.Repeat("号", 64) }, ""},
		{"Reference65", func(p *Payment) { p.Reference = strings.Repeat("号", 65) }, "reference"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := agencyPayment()
			c.edit(&p)
			err := p.Validate()
			if c.field == "" {
				wantErr(t, err, "", "")
				return
			}
			wantErr(t, err, collect.EINVALID, "")
			if f := fieldsOf(err); len(f) != 1 || f[0] != c.field {
				t.Fatalf("fields %v, want [%s]", f, c.field)
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	at := time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)
	t.Run("ByFeedWithoutVoucher", func(t *testing.T) {
		p, err := Confirm(agencyPayment(), at, true)
		wantErr(t, err, "", "")
		if p.Status != StatusConfirmed || !p.ConfirmedAt.Equal(at) || !p.EarnsCommission() {
			t.Fatalf("got %+v", p)
		}
	})
	t.Run("ByHandWithoutVoucher", func(t *testing.T) {
		_, err := Confirm(agencyPayment(), at, false)
		wantErr(t, err, collect.EINVALID, "err.billing.confirm_needs_voucher")
	})
	t.Run("ByHandWithVoucher", func(t *testing.T) {
		p := agencyPayment()
		p.VoucherID = "att-1"
		_, err := Confirm(p, at, false)
		wantErr(t, err, "", "")
	})
	t.Run("ByHandWithReference", func(t *testing.T) {
		p := agencyPayment()
		p.Reference = "BANK-77"
		_, err := Confirm(p, at, false)
		wantErr(t, err, "", "")
	})
	t.Run("Twice", func(t *testing.T) {
		p, _ := Confirm(agencyPayment(), at, true)
		_, err := Confirm(p, at, true)
		wantErr(t, err, collect.ECONFLICT, "err.billing.payment_already")
	})
	t.Run("Rejected", func(t *testing.T) {
		p := agencyPayment()
		p.Status = StatusRejected
		_, err := Confirm(p, at, true)
		wantErr(t, err, collect.ECONFLICT, "err.billing.payment_transition")
	})
}

func TestReject(t *testing.T) {
	p, err := Reject(agencyPayment(), "  no such transfer at the bank  ")
	wantErr(t, err, "", "")
	if p.Status != StatusRejected || p.RejectReason != "no such transfer at the bank" || p.EarnsCommission() {
		t.Fatalf("got %+v", p)
	}
	_, err = Reject(agencyPayment(), " ")
	wantErr(t, err, collect.EINVALID, "err.reason.required")
	_, err = Reject(p, "again")
	wantErr(t, err, collect.ECONFLICT, "err.billing.payment_already")
}

func TestCommissionableAndBalance(t *testing.T) {
	p := agencyPayment()
	p.OverpaidCents = 20000
	if c := p.CommissionableCents(); c != 30000 {
		t.Errorf("commissionable %d, want 30000", c)
	}
	reported := agencyPayment()
	confirmed := agencyPayment()
	confirmed.Status = StatusConfirmed
	rejected := agencyPayment()
	rejected.Status = StatusRejected
	v := ViewBalance(80000, []Payment{reported, confirmed, rejected, reported})
	if v != (BalanceView{BalanceCents: 80000, ReportedCents: 100000, AfterReportedCents: 0}) {
		t.Errorf("view %+v", v)
	}
	v = ViewBalance(80000, []Payment{reported})
	if v.AfterReportedCents != 30000 {
		t.Errorf("after reported %d, want 30000", v.AfterReportedCents)
	}
}
