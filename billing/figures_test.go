package billing

import (
	"testing"
	"time"

	"collect"
)

func pay(id, agency string, ch Channel, st Status, cents int64, paid Date) Payment {
	src := SourceAgency
	if ch == ChannelPaidToLender {
		src = SourceLender
	}
	return Payment{ID: id, AgencyID: agency, AccountID: "acc1", Source: src, Channel: ch, Status: st, AmountCents: cents, PaidOn: paid}
}

func TestUnconfirmedByAgency(t *testing.T) {
	got := UnconfirmedByAgency([]Payment{
		pay("1", "A", ChannelAgencyReportedDirect, StatusReported, 100, "2026-03-01"),
		pay("2", "A", ChannelAgencyCollected, StatusReported, 250, "2026-03-02"),
		pay("3", "A", ChannelAgencyReportedDirect, StatusConfirmed, 999, "2026-03-02"),
		pay("4", "A", ChannelAgencyReportedDirect, StatusRejected, 999, "2026-03-02"),
		pay("5", "B", ChannelAgencyReportedDirect, StatusReported, 40, "2026-03-02"),
		pay("6", "", ChannelPaidToLender, StatusConfirmed, 999, "2026-03-02"),
	})
	if len(got) != 2 || got["A"] != (Amount{Count: 2, Cents: 350}) || got["B"] != (Amount{Count: 1, Cents: 40}) {
		t.Fatalf("got %+v", got)
	}
}

func TestDisputedByAgency(t *testing.T) {
	inv := marchInvoice(t)
	open, _ := inv.DisputeLine("l1", "wrong rate")
	open, _ = open.Dispute("")
	other, _ := BuildInvoice("ag2", "2026-03", []Line{line("x1", 500, 50)}, nil, 0)
	other, _ = other.DisputeLine("x1", "not ours")
	ruled, _ := other.Dispute("")
	ruled, _ = ruled.Approve("INV-LEND-202603-AGTWO-0001")
	got := DisputedByAgency([]Invoice{open, ruled, marchInvoice(t)})
	if len(got) != 1 || got["ag1"] != (Amount{Count: 1, Cents: 1500}) {
		t.Fatalf("got %+v (an approved invoice's disputes are ruled on)", got)
	}
	if got := DisputedByAgency([]Invoice{other}); got["ag2"] != (Amount{Count: 1, Cents: 50}) {
		t.Fatalf("a draft's disputed lines count: %+v", got)
	}
}

func TestDaysToConfirm(t *testing.T) {
	base := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	confirmed := func(agency string, hours float64) Payment {
		p := pay("p", agency, ChannelAgencyReportedDirect, StatusConfirmed, 100, "2026-03-01")
		p.ReportedAt, p.ConfirmedAt = base, base.Add(time.Duration(hours*float64(time.Hour)))
		return p
	}
	lender := confirmed("", 240)
	lender.Source, lender.Channel = SourceLender, ChannelPaidToLender
	reported := confirmed("A", 0)
	reported.Status, reported.ConfirmedAt = StatusReported, time.Time{}
	noTimes := confirmed("A", 0)
	noTimes.ReportedAt = time.Time{}
	ps := []Payment{confirmed("A", 24), confirmed("A", 48), confirmed("A", 72), confirmed("A", 240), lender, reported, noTimes, confirmed("B", 12), confirmed("B", -5)}
	all := DaysToConfirm(ps)
	if all.Count != 6 || *all.Median != 1.5 || *all.Mean != (0+0.5+1+2+3+10)/6.0 {
		t.Fatalf("all %d %v %v", all.Count, *all.Median, *all.Mean)
	}
	by := DaysToConfirmByAgency(ps)
	if a := by["A"]; a.Count != 4 || *a.Median != 2.5 || *a.Mean != 4 {
		t.Fatalf("A %+v", a)
	}
	if b := by["B"]; b.Count != 2 || *b.Median != 0.25 || *b.Mean != 0.25 {
		t.Fatalf("B: a confirmation stamped before its report counts as 0: %+v", b)
	}
	if _, ok := by[""]; ok {
		t.Fatal("a lender's payment is not counted")
	}
	odd := DaysToConfirm([]Payment{confirmed("A", 24), confirmed("A", 96), confirmed("A", 48)})
	if *odd.Median != 2 {
		t.Fatalf("odd median %v", *odd.Median)
	}
	if none := DaysToConfirm(nil); none.Count != 0 || none.Median != nil || none.Mean != nil {
		t.Fatalf("no data is nil, not 0: %+v", none)
	}
}

func TestRemittanceByAgency(t *testing.T) {
	collected := func(id string, cents int64, paid Date) Payment {
		return pay(id, "A", ChannelAgencyCollected, StatusConfirmed, cents, paid)
	}
	payments := []Payment{
		collected("c2", 5000, "2026-03-05"),
		collected("c1", 10000, "2026-03-01"),
		pay("c3", "A", ChannelAgencyCollected, StatusReported, 7000, "2026-03-01"),       // not confirmed: not owed yet
		pay("d1", "A", ChannelAgencyReportedDirect, StatusConfirmed, 9000, "2026-03-01"), // the lender has that money
		collected("c4", 3000, "2026-03-20"),                                              // after the days below
	}
	remitted := []Remittance{{ID: "m1", AgencyID: "A", PaidOn: "2026-03-02", AmountCents: 6000}, {ID: "m2", AgencyID: "A", PaidOn: "2026-03-15", AmountCents: 9000}}
	rule := RemittanceRule{DueDays: 3}
	for _, c := range []struct {
		asOf Date
		want RemittanceFigures
	}{
		// c1 10000 collected 03-01, 6000 remitted 03-02: 4000 open, due 03-04.
		{"2026-03-04", RemittanceFigures{CollectedCents: 10000, RemittedCents: 6000, OutstandingCents: 4000}},
		{"2026-03-05", RemittanceFigures{CollectedCents: 15000, RemittedCents: 6000, OutstandingCents: 9000, OverdueCents: 4000, OldestOverdueOn: "2026-03-01"}},
		{"2026-03-08", RemittanceFigures{CollectedCents: 15000, RemittedCents: 6000, OutstandingCents: 9000, OverdueCents: 4000, OldestOverdueOn: "2026-03-01"}},
		{"2026-03-09", RemittanceFigures{CollectedCents: 15000, RemittedCents: 6000, OutstandingCents: 9000, OverdueCents: 9000, OldestOverdueOn: "2026-03-01"}},
		{"2026-03-15", RemittanceFigures{CollectedCents: 15000, RemittedCents: 15000}},
		{"2026-03-21", RemittanceFigures{CollectedCents: 18000, RemittedCents: 15000, OutstandingCents: 3000}},
		{"2026-02-28", RemittanceFigures{}},
	} {
		t.Run(string(c.asOf), func(t *testing.T) {
			got, err := RemittanceByAgency(payments, remitted, rule, c.asOf)
			wantErr(t, err, "", "")
			if got["A"] != c.want {
				t.Fatalf("got %+v\nwant %+v", got["A"], c.want)
			}
		})
	}
	got, _ := RemittanceByAgency(payments[:1], []Remittance{{AgencyID: "A", PaidOn: "2026-03-06", AmountCents: 8000}, {AgencyID: "B", PaidOn: "2026-03-06", AmountCents: 100}}, rule, "2026-03-31")
	if got["A"] != (RemittanceFigures{CollectedCents: 5000, RemittedCents: 8000, CreditCents: 3000}) || got["B"].CreditCents != 100 {
		t.Fatalf("credit %+v", got)
	}
	got, _ = RemittanceByAgency(payments[:2], nil, RemittanceRule{}, "2026-03-02")
	if got["A"].OverdueCents != 10000 {
		t.Fatalf("due the day collected, overdue the day after: %+v", got["A"])
	}
	_, err := RemittanceByAgency(nil, nil, RemittanceRule{DueDays: 91}, "2026-03-02")
	wantErr(t, err, collect.EINVALID, "err.billing.remittance_due_days")
	_, err = RemittanceByAgency(nil, nil, rule, "03/02/2026")
	wantErr(t, err, collect.EINVALID, "err.billing.date")
}

func TestCostToCollect(t *testing.T) {
	accruals := []Accrual{
		{AgencyID: "A", PaymentID: "1", Status: StatusConfirmed, CommissionCents: 1500},
		{AgencyID: "A", PaymentID: "2", Status: StatusReported, CommissionCents: 9000},
		{AgencyID: "A", PaymentID: "3", Status: StatusRejected, CommissionCents: 9000},
		{AgencyID: "B", PaymentID: "4", Status: StatusConfirmed, CommissionCents: 200},
	}
	if got := ConfirmedCommission(accruals); len(got) != 2 || got["A"] != 1500 || got["B"] != 200 {
		t.Fatalf("got %v", got)
	}
	if c := CostToCollect(accruals[:3], 500, 10000); c == nil || *c != 0.2 {
		t.Fatalf("cost %v, want (1500 + 500) ÷ 10000", c)
	}
	if c := CostToCollect(accruals, 0, 0); c != nil {
		t.Fatalf("no recoveries is no figure, got %v", *c)
	}
}
