package billing

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"collect"
)

func line(id string, payment, commission int64) Line {
	return Line{ID: id, PaymentID: "pay-" + id, AccountID: "acc1", PaidOn: "2026-03-10", Channel: ChannelAgencyReportedDirect,
		Currency: "CNY", PaymentCents: payment, CommissionCents: commission}
}

func marchInvoice(t *testing.T) Invoice {
	t.Helper()
	inv, err := BuildInvoice("ag1", "2026-03",
		[]Line{line("l1", 10000, 1500), line("l2", 20000, 2000)},
		[]Adjustment{{Kind: AdjustBonus, Code: "ptp_kept", AmountCents: 500}, {Kind: AdjustDeduction, Code: "conduct_breach", AmountCents: -300}},
		10000)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestBuildInvoiceTotals(t *testing.T) {
	inv := marchInvoice(t)
	// total = commission + adjustments − remittance owed: 3500 + 200 − 10000.
	if inv.CommissionCents != 3500 || inv.AdjustmentsCents != 200 || inv.RemittanceOwedCents != 10000 || inv.TotalCents != -6300 ||
		inv.PaymentsCents != 30000 || inv.Status != InvoiceDraft || inv.Currency != "CNY" || inv.Number != "" {
		t.Fatalf("invoice %+v", inv)
	}
	for _, l := range inv.Lines {
		if l.State != LineOpen {
			t.Fatalf("line %s starts %s", l.ID, l.State)
		}
	}
	wantErr(t, inv.Check(), "", "")
	bad := inv
	bad.TotalCents++
	wantErr(t, bad.Check(), collect.EINTERNAL, "err.billing.invoice_totals")
	empty, err := BuildInvoice("ag1", "2026-03", nil, nil, 0)
	wantErr(t, err, "", "")
	if empty.TotalCents != 0 || empty.Lines == nil || empty.Adjustments == nil {
		t.Fatalf("empty invoice %+v", empty)
	}
}

func TestBuildInvoiceRefuses(t *testing.T) {
	ok := []Line{line("l1", 10000, 1500)}
	for _, c := range []struct {
		name   string
		agency string
		month  string
		lines  []Line
		adj    []Adjustment
		remit  int64
		field  string
		key    string
	}{
		{"NoAgency", "", "2026-03", ok, nil, 0, "agency_id", "err.form.required"},
		{"BadMonth", "ag1", "2026-3", ok, nil, 0, "month", "err.period.month"},
		{"RemittanceNegative", "ag1", "2026-03", ok, nil, -1, "remittance_owed_cents", "err.billing.amount_range"},
		{"LineIDTwice", "ag1", "2026-03", []Line{line("l1", 10, 1), {ID: "l1", PaymentID: "other", PaidOn: "2026-03-01", PaymentCents: 10}}, nil, 0, "lines.1.id", "err.billing.id_unique"},
		{"PaymentTwice", "ag1", "2026-03", []Line{line("l1", 10, 1), {ID: "l2", PaymentID: "pay-l1", PaidOn: "2026-03-01", PaymentCents: 10}}, nil, 0, "lines.1.payment_id", "err.billing.line_payment_twice"},
		{"CommissionAbovePayment", "ag1", "2026-03", []Line{line("l1", 10, 11)}, nil, 0, "lines.0.commission_cents", "err.billing.line_commission_range"},
		{"CommissionNegative", "ag1", "2026-03", []Line{line("l1", 10, -1)}, nil, 0, "lines.0.commission_cents", "err.billing.line_commission_range"},
		{"PaymentZero", "ag1", "2026-03", []Line{line("l1", 0, 0)}, nil, 0, "lines.0.payment_cents", "err.payment.amount"},
		{"PaidNextMonth", "ag1", "2026-03", []Line{func() Line { l := line("l1", 10, 1); l.PaidOn = "2026-04-01"; return l }()}, nil, 0, "lines.0.paid_on", "err.billing.line_after_month"},
		{"MixedCurrency", "ag1", "2026-03", []Line{line("l1", 10, 1), func() Line { l := line("l2", 10, 1); l.Currency = "USD"; return l }()}, nil, 0, "lines.1.currency", "err.billing.currency_mixed"},
		{"BonusNegative", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustBonus, AmountCents: -1}}, 0, "adjustments.0.amount_cents", "err.billing.bonus_sign"},
		{"DeductionPositive", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustDeduction, AmountCents: 1}}, 0, "adjustments.0.amount_cents", "err.billing.deduction_sign"},
		{"CorrectionWithoutSource", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustCorrection, AmountCents: 1, Month: "2026-03"}}, 0, "adjustments.0.from_invoice", "err.form.required"},
		{"ManualWithoutReason", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustManual, AmountCents: 1}}, 0, "adjustments.0.reason", "err.form.required"},
		{"ManualZero", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustManual, AmountCents: 0, Reason: "x"}}, 0, "adjustments.0.amount_cents", "err.billing.adjustment_zero"},
		{"UnknownKind", "ag1", "2026-03", ok, []Adjustment{{Kind: "gift", AmountCents: 1}}, 0, "adjustments.0.kind", "err.billing.adjustment_kind"},
		{"OtherMonth", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustBonus, AmountCents: 1, Month: "2026-04"}}, 0, "adjustments.0.month", "err.billing.adjustment_month"},
		{"AdjustmentTooLarge", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustDeduction, AmountCents: -MaxAmountCents - 1}}, 0, "adjustments.0.amount_cents", "err.billing.amount_range"},
		{"AdjustmentCurrency", "ag1", "2026-03", ok, []Adjustment{{Kind: AdjustBonus, AmountCents: 1, Currency: "USD"}}, 0, "adjustments.0.currency", "err.billing.currency_mixed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := BuildInvoice(c.agency, c.month, c.lines, c.adj, c.remit)
			wantErr(t, err, collect.EINVALID, c.key)
			if f := fieldsOf(err); !slices.Contains(f, c.field) {
				t.Fatalf("fields %v lack %s", f, c.field)
			}
		})
	}
}

func TestCanMoveInvoice(t *testing.T) {
	all := []InvoiceStatus{InvoiceDraft, InvoiceAgencyAccepted, InvoiceDisputed, InvoiceApproved}
	allowed := map[[2]InvoiceStatus]bool{
		{InvoiceDraft, InvoiceAgencyAccepted}: true, {InvoiceDraft, InvoiceDisputed}: true, {InvoiceDraft, InvoiceApproved}: true,
		{InvoiceAgencyAccepted, InvoiceApproved}: true, {InvoiceAgencyAccepted, InvoiceDraft}: true,
		{InvoiceDisputed, InvoiceApproved}: true, {InvoiceDisputed, InvoiceDraft}: true,
	}
	for _, from := range all {
		for _, to := range all {
			t.Run(string(from)+"_to_"+string(to), func(t *testing.T) {
				err := CanMoveInvoice(from, to)
				switch {
				case allowed[[2]InvoiceStatus{from, to}]:
					wantErr(t, err, "", "")
				case from == InvoiceApproved:
					wantErr(t, err, collect.ECONFLICT, "err.billing.invoice_locked")
				default:
					wantErr(t, err, collect.ECONFLICT, "err.billing.invoice_transition")
				}
			})
		}
	}
	wantErr(t, CanMoveInvoice("paid", InvoiceDraft), collect.EINVALID, "err.billing.invoice_status_unknown")
	wantErr(t, CanMoveInvoice(InvoiceDraft, "sent"), collect.EINVALID, "err.billing.invoice_status_unknown")
}

func TestInvoiceReview(t *testing.T) {
	number := "INV-LEND-202603-AGCY-0001"
	t.Run("AcceptWhole", func(t *testing.T) {
		inv, err := marchInvoice(t).Accept()
		wantErr(t, err, "", "")
		if inv.Status != InvoiceAgencyAccepted || inv.Lines[0].State != LineAccepted || inv.Lines[1].State != LineAccepted {
			t.Fatalf("invoice %+v", inv)
		}
		approved, err := inv.Approve(number)
		wantErr(t, err, "", "")
		if approved.Status != InvoiceApproved || approved.Number != number || approved.TotalCents != inv.TotalCents {
			t.Fatalf("approved %+v", approved)
		}
	})
	t.Run("DisputeLineThenInvoice", func(t *testing.T) {
		draft := marchInvoice(t)
		inv, err := draft.DisputeLine("l2", "the payment was on the 9th, before recall")
		wantErr(t, err, "", "")
		if draft.Lines[1].State != LineOpen {
			t.Fatal("DisputeLine changed the invoice it was given")
		}
		if inv.DisputedCents != 2000 || inv.Lines[1].DisputeReason == "" || inv.TotalCents != draft.TotalCents {
			t.Fatalf("invoice %+v", inv)
		}
		_, err = inv.Accept()
		wantErr(t, err, collect.ECONFLICT, "err.billing.invoice_has_disputes")
		disputed, err := inv.Dispute("")
		wantErr(t, err, "", "")
		if disputed.Status != InvoiceDisputed {
			t.Fatalf("status %s", disputed.Status)
		}
		_, err = disputed.AcceptLine("l2")
		wantErr(t, err, collect.ECONFLICT, "err.billing.invoice_not_draft")
		// The lender revises: back to a draft with every line open.
		revised, err := disputed.Revise([]Line{line("l1", 10000, 1500), line("l2", 20000, 2600)}, nil, 0)
		wantErr(t, err, "", "")
		if revised.Status != InvoiceDraft || revised.Lines[1].State != LineOpen || revised.TotalCents != 4100 || revised.DisputedCents != 0 {
			t.Fatalf("revised %+v", revised)
		}
		// Or the vendor manager rules on the dispute and approves as is.
		approved, err := disputed.Approve(number)
		wantErr(t, err, "", "")
		if approved.Lines[1].State != LineDisputed || approved.DisputedCents != 2000 {
			t.Fatalf("approved %+v", approved)
		}
	})
	t.Run("ChangeOfMind", func(t *testing.T) {
		inv, _ := marchInvoice(t).DisputeLine("l1", "wrong bucket")
		inv, err := inv.AcceptLine("l1")
		wantErr(t, err, "", "")
		if inv.Lines[0].State != LineAccepted || inv.Lines[0].DisputeReason != "" || inv.DisputedCents != 0 {
			t.Fatalf("line %+v", inv.Lines[0])
		}
	})
	t.Run("DisputeNeedsLineOrReason", func(t *testing.T) {
		_, err := marchInvoice(t).Dispute(" ")
		wantErr(t, err, collect.EINVALID, "err.billing.dispute_needs_line_or_reason")
		inv, err := marchInvoice(t).Dispute("a payment of 2026-03-28 is missing")
		wantErr(t, err, "", "")
		if inv.DisputeReason != "a payment of 2026-03-28 is missing" {
			t.Fatalf("reason %q", inv.DisputeReason)
		}
	})
	t.Run("LineErrors", func(t *testing.T) {
		_, err := marchInvoice(t).DisputeLine("l1", "")
		wantErr(t, err, collect.EINVALID, "err.reason.required")
		_, err = marchInvoice(t).DisputeLine("l9", "why")
		wantErr(t, err, collect.ENOTFOUND, "err.billing.line_not_found")
		_, err = marchInvoice(t).AcceptLine("l9")
		wantErr(t, err, collect.ENOTFOUND, "err.billing.line_not_found")
	})
	t.Run("ApproveNeedsANumber", func(t *testing.T) {
		// A draft the agency left unreviewed may be approved: its silence is acceptance.
		unreviewed, err := marchInvoice(t).Approve(number)
		wantErr(t, err, "", "")
		if unreviewed.Status != InvoiceApproved || unreviewed.Lines[0].State != LineOpen {
			t.Fatalf("an unreviewed draft approved: %+v", unreviewed)
		}
		inv, _ := marchInvoice(t).Accept()
		_, err = inv.Approve("")
		wantErr(t, err, collect.EINVALID, "err.billing.invoice_number")
		_, err = inv.Approve("INV-LEND-202602-AGCY-0001")
		wantErr(t, err, collect.EINVALID, "err.billing.invoice_number_month")
		broken := inv
		broken.CommissionCents++
		_, err = broken.Approve(number)
		wantErr(t, err, collect.EINTERNAL, "err.billing.invoice_totals")
	})
	t.Run("ApprovedIsLocked", func(t *testing.T) {
		inv, _ := marchInvoice(t).Accept()
		inv, _ = inv.Approve(number)
		checks := map[string]error{}
		_, checks["AcceptLine"] = inv.AcceptLine("l1")
		_, checks["DisputeLine"] = inv.DisputeLine("l1", "late")
		_, checks["Accept"] = inv.Accept()
		_, checks["Dispute"] = inv.Dispute("late")
		_, checks["Approve"] = inv.Approve(number)
		_, checks["Revise"] = inv.Revise(nil, nil, 0)
		for name, err := range checks {
			t.Run(name, func(t *testing.T) { wantErr(t, err, collect.ECONFLICT, "err.billing.invoice_locked") })
		}
	})
}

func TestCorrections(t *testing.T) {
	accepted, _ := marchInvoice(t).Accept()
	_, err := CorrectionAdjustment(accepted, Correction{DeltaCents: 100, Reason: "late"})
	wantErr(t, err, collect.ECONFLICT, "err.billing.correction_not_approved")

	december, _ := BuildInvoice("ag1", "2026-12", []Line{func() Line { l := line("l1", 10000, 1500); l.PaidOn = "2026-12-01"; return l }()}, nil, 0)
	december, _ = december.Accept()
	december, _ = december.Approve("INV-LEND-202612-AGCY-0003")
	adj, err := LineCorrection(december, "l1", 2000, "bucket M2, not M1")
	wantErr(t, err, "", "")
	want := Adjustment{Kind: AdjustCorrection, Code: "correction", AmountCents: 500, Currency: "CNY", Month: "2027-01",
		Reason: "bucket M2, not M1", FromInvoice: "INV-LEND-202612-AGCY-0003", LineID: "l1"}
	if adj != want {
		t.Fatalf("got %+v\nwant %+v", adj, want)
	}
	if december.Lines[0].CommissionCents != 1500 || december.Check() != nil {
		t.Fatal("the approved invoice changed")
	}
	next, err := BuildInvoice("ag1", "2027-01", nil, []Adjustment{adj}, 0)
	wantErr(t, err, "", "")
	if next.TotalCents != 500 {
		t.Fatalf("next month %+v", next)
	}
	_, err = BuildInvoice("ag1", "2027-02", nil, []Adjustment{adj}, 0)
	wantErr(t, err, collect.EINVALID, "err.billing.adjustment_month")

	neg, err := CorrectionAdjustment(december, Correction{DeltaCents: -700, Reason: "payment reversed by the bank"})
	wantErr(t, err, "", "")
	if neg.AmountCents != -700 || neg.LineID != "" || neg.Month != "2027-01" {
		t.Fatalf("got %+v", neg)
	}
	_, err = CorrectionAdjustment(december, Correction{DeltaCents: 0, Reason: "x"})
	wantErr(t, err, collect.EINVALID, "err.billing.adjustment_zero")
	_, err = CorrectionAdjustment(december, Correction{DeltaCents: 5, Reason: ""})
	wantErr(t, err, collect.EINVALID, "err.reason.required")
	_, err = CorrectionAdjustment(december, Correction{LineID: "l7", DeltaCents: 5, Reason: "x"})
	wantErr(t, err, collect.ENOTFOUND, "err.billing.line_not_found")
	_, err = LineCorrection(december, "l1", 1500, "no change")
	wantErr(t, err, collect.EINVALID, "err.billing.adjustment_zero")
}

func TestInvoiceNumber(t *testing.T) {
	for _, c := range []struct {
		lender, month, agency string
		seq                   int
		want, field           string
	}{
		{"abc", "2026-01", "xyz", 1, "INV-ABC-202601-XYZ-0001", ""},
		{" ZJB ", "2026-12", "A1", 9999, "INV-ZJB-202612-A1-9999", ""},
		{"LENDER1234", "2026-03", "AGENCY5678", 42, "INV-LENDER1234-202603-AGENCY5678-0042", ""},
		{"A", "2026-01", "XYZ", 1, "", "lender_short"},
		{"LENDER12345", "2026-01", "XYZ", 1, "", "lender_short"},
		{"AB", "2026-01", "X-Y", 1, "", "agency_short"},
		{"AB", "2026-01", "浙商", 1, "", "agency_short"},
		{"AB", "2026-13", "XY", 1, "", "month"},
		{"AB", "202601", "XY", 1, "", "month"},
		{"AB", "2026-01", "XY", 0, "", "seq"},
		{"AB", "2026-01", "XY", 10000, "", "seq"},
	} {
		t.Run(fmt.Sprintf("%s_%s_%s_%d", c.lender, c.month, c.agency, c.seq), func(t *testing.T) {
			got, err := InvoiceNumber(c.lender, c.month, c.agency, c.seq)
			if c.field != "" {
				wantErr(t, err, collect.EINVALID, "")
				if f := fieldsOf(err); len(f) != 1 || f[0] != c.field {
					t.Fatalf("fields %v, want %s", f, c.field)
				}
				return
			}
			wantErr(t, err, "", "")
			if got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
			p, err := ParseInvoiceNumber(got)
			wantErr(t, err, "", "")
			if again, _ := InvoiceNumber(p.Lender, p.Month, p.Agency, p.Seq); again != got || p.Month != c.month || p.Seq != c.seq {
				t.Fatalf("parsed %+v", p)
			}
		})
	}
	for _, bad := range []string{"", "INV-ABC-202601-XYZ-1", "INV-abc-202601-XYZ-0001", "INV-ABC-202613-XYZ-0001", "BILL-ABC-202601-XYZ-0001",
		"INV-ABC-202601-XYZ-0000", "INV-ABC-202601-XY-Z-0001", "INV-ABC-2026-01-XYZ-0001", "INV-ABC-202601-XYZ-00a1"} {
		_, err := ParseInvoiceNumber(bad)
		wantErr(t, err, collect.EINVALID, "err.billing.invoice_number")
	}
}

// For random lines, adjustments and remittance, the total is the sum of its
// parts (summed here in big integers, so an overflow would show), and stays
// so through the agency's review.
func TestInvoiceSumsProperty(t *testing.T) {
	for seed := range uint64(500) {
		checkInvoiceSums(t, rand.New(rand.NewPCG(seed, 3)))
	}
}

func FuzzBuildInvoice(f *testing.F) {
	for _, s := range []uint64{0, 7, 99} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkInvoiceSums(t, rand.New(rand.NewPCG(seed, seed^0x5eed))) })
}

func checkInvoiceSums(t *testing.T, r *rand.Rand) {
	t.Helper()
	amount := func() int64 {
		if r.IntN(10) == 0 {
			return MaxAmountCents - r.Int64N(3)
		}
		return 1 + r.Int64N(5_000_000)
	}
	var lines []Line
	for i := range r.IntN(60) {
		p := amount()
		lines = append(lines, line(fmt.Sprint("l", i), p, r.Int64N(p+1)))
	}
	var adj []Adjustment
	for range r.IntN(8) {
		switch a := amount(); r.IntN(3) {
		case 0:
			adj = append(adj, Adjustment{Kind: AdjustBonus, AmountCents: a})
		case 1:
			adj = append(adj, Adjustment{Kind: AdjustDeduction, AmountCents: -a})
		default:
			adj = append(adj, Adjustment{Kind: AdjustManual, AmountCents: a * int64(1-2*r.IntN(2)), Reason: "one-off"})
		}
	}
	remit := r.Int64N(MaxAmountCents)
	inv, err := BuildInvoice("ag1", "2026-03", lines, adj, remit)
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	want := new(big.Int)
	for _, l := range lines {
		want.Add(want, big.NewInt(l.CommissionCents))
	}
	for _, a := range adj {
		want.Add(want, big.NewInt(a.AmountCents))
	}
	want.Sub(want, big.NewInt(remit))
	if !want.IsInt64() || want.Int64() != inv.TotalCents {
		t.Fatalf("total %d, parts add up to %s", inv.TotalCents, want)
	}
	if inv.TotalCents != inv.CommissionCents+inv.AdjustmentsCents-inv.RemittanceOwedCents {
		t.Fatalf("total %d ≠ %d + %d − %d", inv.TotalCents, inv.CommissionCents, inv.AdjustmentsCents, inv.RemittanceOwedCents)
	}
	// Review some lines: the totals stay the sums, the disputed share too.
	var disputed int64
	for _, l := range lines {
		if r.IntN(3) == 0 {
			if inv, err = inv.DisputeLine(l.ID, "check"); err != nil {
				t.Fatal(err)
			}
			disputed += l.CommissionCents
		}
	}
	if err := inv.Check(); err != nil || inv.DisputedCents != disputed || want.Int64() != inv.TotalCents {
		t.Fatalf("after review: %v, disputed %d want %d", err, inv.DisputedCents, disputed)
	}
}
