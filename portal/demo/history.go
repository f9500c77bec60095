package demo

import (
	"collect"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"collect/allocation"
	"collect/casework"
	"collect/casework/earlywarning"
	"collect/portal/store"
)

// demoHistory collects the demo accounts' simulated history as rows: the
// contacts, promises and payments of earlywarning.Simulate, in which paying
// depends on the account's history in a documented way, so the
// early-warning models have real signal to learn from the demo data.
type demoHistory struct {
	payments, commissions, contacts, arrangements, instalments []map[string]any
}

// simulate gives one account its history. pls are the account's placements
// (the caller's slice: a paid-off account's active placement is closed in
// it); acc's balance, last payment date, status and stage are set from the
// history.
func (d *demoHistory) simulate(rng *rand.Rand, now time.Time, acc *allocation.Account, pls []allocation.Placement, collectorOf map[string]string) {
	h := &earlywarning.History{AccountID: acc.ID, CreatedAt: acc.CreatedAt, PrincipalCents: acc.PrincipalCents,
		BalanceCents: acc.BalanceCents, Province: acc.Province}
	h.DueDate, _ = time.Parse(time.DateOnly, acc.DueDate)
	if t, err := time.Parse(time.DateOnly, acc.LastPaymentDate); err == nil {
		h.LastPaidBefore = t
	}
	var worked []int // indices into pls of placements that were worked
	for i, p := range pls {
		switch p.Status {
		case allocation.PlacementActive, allocation.PlacementRecalled, allocation.PlacementExpired:
			hp := earlywarning.Placement{Start: p.StartsAt, Recalled: p.Status == allocation.PlacementRecalled}
			if p.EndedAt != nil {
				hp.End = *p.EndedAt
			}
			h.Placements = append(h.Placements, hp)
			worked = append(worked, i)
		}
	}
	earlywarning.Simulate(rng, h, now)

	// cover is the placement that held the account at t, or nil.
	cover := func(t time.Time) *allocation.Placement {
		for _, i := range worked {
			p := &pls[i]
			if !p.StartsAt.After(t) && (p.EndedAt == nil || p.EndedAt.After(t)) {
				return p
			}
		}
		return nil
	}
	collector := func(p *allocation.Placement) string {
		if c := collectorOf[p.AgencyID]; c != "" {
			return c
		}
		return "demo"
	}
	newID := func() string { return uuid.Must(uuid.NewV7()).String() }

	promised := map[time.Time]bool{}
	for _, a := range h.Arrangements {
		p := cover(a.CreatedAt)
		if p == nil {
			continue
		}
		promised[a.CreatedAt] = true
		id := newID()
		inst, paid := casework.PromisePending, int64(0)
		switch a.Status {
		case casework.PromiseKept:
			inst, paid = casework.PromiseKept, a.DueCents
		case casework.PromiseBroken:
			inst = casework.PromiseBroken
		}
		d.arrangements = append(d.arrangements, map[string]any{"id": id, "account_id": acc.ID, "lender_id": acc.LenderID, "agency_id": p.AgencyID,
			"kind": casework.KindPromise, "status": a.Status, "amount_cents": a.DueCents, "down_payment_cents": 0, "instalments": 0,
			"first_due": a.Due.In(collect.China).Format(time.DateOnly), "interval_days": 0, "discount_bp": 0, "reasons": "[]",
			"note": "本人承诺还款 Promised to pay", "maker_id": collector(p), "approver_id": "", "created_at": a.CreatedAt})
		d.instalments = append(d.instalments, map[string]any{"arrangement_id": id, "n": 1, "due_date": a.Due.In(collect.China).Format(time.DateOnly),
			"amount_cents": a.DueCents, "paid_cents": paid, "status": inst})
	}
	reached, contacted := false, false
	for _, c := range h.Contacts {
		p := cover(c.At)
		if p == nil {
			continue
		}
		outcome := []string{casework.OutcomeNoAnswer, casework.OutcomeNoAnswer, casework.OutcomeBusy, casework.OutcomeLeftMessage, casework.OutcomeWrongNumber}[rng.IntN(5)]
		if c.RightParty {
			outcome = casework.OutcomeRightPartyContact
			if promised[c.At] {
				outcome = casework.OutcomePromise
			}
		}
		if p.Status == allocation.PlacementActive {
			contacted = true
			reached = reached || c.RightParty
		}
		note := map[string]string{casework.OutcomeNoAnswer: "无人接听", casework.OutcomeBusy: "占线", casework.OutcomeRightPartyContact: "本人接听，说明了欠款情况",
			casework.OutcomePromise: "本人承诺近期还款", casework.OutcomeLeftMessage: "已留言请回电", casework.OutcomeWrongNumber: "号码错误，非本人"}[outcome]
		d.contacts = append(d.contacts, map[string]any{"id": newID(), "account_id": acc.ID, "lender_id": acc.LenderID,
			"agency_id": p.AgencyID, "placement_id": p.ID, "collector_id": collector(p), "channel": "call", "party": "debtor",
			"party_phone": "", "direction": "outbound", "at": c.At, "outcome": outcome, "note": note, "message": "", "ai": false, "created_at": c.At})
	}
	var last time.Time
	for _, pay := range h.Payments {
		id := newID()
		source, by, channel, agency, confirmed := "lender", "demo-bank-feed", "paid_to_lender", "", pay.At
		day := pay.At.In(collect.China).Format(time.DateOnly) // the payer's date
		p := cover(pay.At)
		if p != nil {
			// Reported by the agency and confirmed by the lender's feed.
			source, by, channel, agency = "agency", collector(p), "agency_reported_direct", p.AgencyID
			// The feed confirms a report a day or two later (never after now).
			if lag := pay.At.Add(time.Duration(20+int(id[len(id)-1])%3*14) * time.Hour); lag.Before(now) {
				confirmed = lag
			}
			d.commissions = append(d.commissions, map[string]any{"id": newID(), "payment_id": id, "placement_id": p.ID, "agency_id": p.AgencyID,
				"lender_id": acc.LenderID, "account_id": acc.ID, "bucket": acc.Bucket, "rate_bp": p.FeeRateBP, "payment_cents": pay.Cents,
				"amount_cents": allocation.Commission(pay.Cents, p.FeeRateBP), "month": day[:7], "accrued_at": pay.At})
		}
		d.payments = append(d.payments, map[string]any{"id": id, "account_id": acc.ID, "lender_id": acc.LenderID, "amount_cents": pay.Cents,
			"currency": "CNY", "paid_at": pay.At, "reference": "DEMO-" + id[24:], "source": source, "recorded_by": by, "created_at": pay.At,
			"channel": channel, "agency_id": agency, "paid_on": day, "confirmed_at": confirmed, "confirmed_by_feed": source == "agency"})
		if pay.At.After(last) {
			last = pay.At
		}
	}
	acc.BalanceCents = h.BalanceCents
	if !last.IsZero() {
		acc.LastPaymentDate = last.In(collect.China).Format(time.DateOnly)
	}
	if acc.BalanceCents <= 0 {
		acc.BalanceCents, acc.Status = 0, "closed"
		for i := range pls {
			if pls[i].Status == allocation.PlacementActive {
				pls[i].Status, pls[i].EndedAt, pls[i].EndReason = allocation.PlacementClosed, &last, allocation.EndReasonText(allocation.EndPaidInFull)
			}
		}
	}
	_, live := earlywarning.LiveArrangement(h, now)
	switch {
	case !contacted:
		acc.Stage = casework.StageVerification
		if rng.Float64() < 0.5 {
			acc.Stage = casework.StageFirstContact
		}
	case live:
		acc.Stage = casework.StageFollowUp
	case reached && rng.Float64() < 0.08:
		acc.Stage = casework.StageLegal
	case reached:
		acc.Stage = casework.StageNegotiation
	default:
		acc.Stage = casework.StageFirstContact
	}
}

// rows are the collected rows, table by table.
func (d *demoHistory) rows() []store.Rows {
	return []store.Rows{{Table: "payments", Rows: d.payments}, {Table: "commissions", Rows: d.commissions}, {Table: "contacts", Rows: d.contacts},
		{Table: "arrangements", Rows: d.arrangements}, {Table: "arrangement_instalments", Rows: d.instalments}}
}
