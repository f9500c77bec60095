package store

import (
	"collect"
	"context"
	"slices"
	"strings"

	"collect/billing"
)

// AgencyMoney is one agency's money position for the lender (issue 17,
// part 7): reported payments not yet confirmed, commission it disputes on
// invoices not yet approved, how long its reports wait to be confirmed
// (the last 90 days), and the money it collected itself and still owes.
type AgencyMoney struct {
	AgencyID       string                    `json:"agency_id"`
	AgencyName     string                    `json:"agency_name"`
	Unconfirmed    billing.Amount            `json:"unconfirmed"`
	Disputed       billing.Amount            `json:"disputed"`
	DaysToConfirm  billing.ConfirmDays       `json:"days_to_confirm"`
	Remittance     billing.RemittanceFigures `json:"remittance"`
	OpenExceptions int                       `json:"open_exceptions"`
	AsOf           string                    `json:"as_of"`
	// Currency is the one currency of the agency's payments; "" when it has
	// none or several (the sums are then of minor units of each, mixed).
	Currency string `json:"currency"`
}

// MoneyFigures are the money positions of the agencies in the actor's
// scope (a lender's agencies; an agency itself), from billing's figures.
func (s *Store) MoneyFigures(ctx context.Context, a collect.Actor) ([]AgencyMoney, error) {
	if a.OrgKind != collect.KindLender && a.OrgKind != collect.KindAgency {
		return []AgencyMoney{}, nil
	}
	db := s.db.WithContext(ctx)
	now := s.now()
	loc := zoneNamed(a.TimeZone) // the reader's organisation's day
	asOf := billing.DateIn(now, loc)
	var rows []paymentRow
	if err := db.Table("payments").Scopes(paymentScope(a)).
		Where("payments.source = 'agency' AND (payments.status = 'reported' OR (payments.status = 'confirmed' AND payments.confirmed_at >= ?) OR payments.channel = 'agency_collected')", now.AddDate(0, 0, -90)).
		Find(&rows).Error; err != nil {
		return nil, err
	}
	payments := make([]billing.Payment, 0, len(rows))
	var remitted []billing.Remittance
	for _, r := range rows {
		if r.LinkedPaymentID != "" && r.Channel == string(billing.ChannelAgencyCollected) {
			r.Channel = string(billing.ChannelAgencyReportedDirect) // the lender's books hold it: nothing to remit
		}
		payments = append(payments, r.billing())
		if r.Channel == string(billing.ChannelAgencyCollected) && r.Status == "confirmed" && r.RemittedAt != nil {
			// Netted on an approved invoice: handed over on the day of approval.
			remitted = append(remitted, billing.Remittance{ID: r.ID, AgencyID: r.AgencyID, PaidOn: billing.DateIn(*r.RemittedAt, loc), AmountCents: r.AmountCents})
		}
	}
	var disputed []struct {
		AgencyID, InvoiceID, Status string
		CommissionCents             int64
	}
	if err := db.Table("invoice_lines l").Select("i.agency_id, i.id AS invoice_id, i.status, l.commission_cents").
		Joins("JOIN invoices i ON i.id = l.invoice_id").Scopes(invoiceScope(a)).
		Where("l.state = 'disputed' AND i.status <> 'approved'").Scan(&disputed).Error; err != nil {
		return nil, err
	}
	invs := map[string]*billing.Invoice{}
	for _, d := range disputed {
		inv := invs[d.InvoiceID]
		if inv == nil {
			inv = &billing.Invoice{AgencyID: d.AgencyID, Status: billing.InvoiceStatus(d.Status)}
			invs[d.InvoiceID] = inv
		}
		inv.Lines = append(inv.Lines, billing.Line{State: billing.LineDisputed, CommissionCents: d.CommissionCents})
	}
	var invList []billing.Invoice
	for _, inv := range invs {
		invList = append(invList, *inv)
	}
	var agencies []struct {
		ID, Name          string
		RemittanceDueDays int
	}
	q := `SELECT o.id, o.name, COALESCE(c.remittance_due_days, 7) AS remittance_due_days FROM organisations o
		JOIN contracts c ON c.agency_id = o.id WHERE c.lender_id = ?`
	if a.OrgKind == collect.KindAgency {
		q = `SELECT o.id, o.name, COALESCE(MAX(c.remittance_due_days), 7) AS remittance_due_days FROM organisations o
			LEFT JOIN contracts c ON c.agency_id = o.id WHERE o.id = ? GROUP BY o.id, o.name`
	}
	if err := db.Raw(q, a.OrgID).Scan(&agencies).Error; err != nil {
		return nil, err
	}
	var excs []struct {
		AgencyID string
		N        int
	}
	if err := db.Table("payment_exceptions e").Scopes(partyScope("e", a)).Select("e.agency_id, COUNT(*) AS n").
		Where("e.status = 'open'").Group("e.agency_id").Scan(&excs).Error; err != nil {
		return nil, err
	}
	unconfirmed := billing.UnconfirmedByAgency(payments)
	disputedBy := billing.DisputedByAgency(invList)
	days := billing.DaysToConfirmByAgency(payments)
	out := make([]AgencyMoney, 0, len(agencies))
	for _, ag := range agencies {
		rule := billing.RemittanceRule{DueDays: ag.RemittanceDueDays}
		var mine []billing.Payment
		currencies := map[string]bool{}
		for _, p := range payments {
			if p.AgencyID == ag.ID {
				mine = append(mine, p)
				currencies[p.Currency] = true
			}
		}
		rem, err := billing.RemittanceByAgency(mine, remitted, rule, asOf)
		if err != nil {
			return nil, err
		}
		m := AgencyMoney{AgencyID: ag.ID, AgencyName: ag.Name, Unconfirmed: unconfirmed[ag.ID], Disputed: disputedBy[ag.ID],
			DaysToConfirm: days[ag.ID], Remittance: rem[ag.ID], AsOf: string(asOf)}
		if len(currencies) == 1 {
			for c := range currencies {
				m.Currency = c
			}
		}
		for _, e := range excs {
			if e.AgencyID == ag.ID {
				m.OpenExceptions = e.N
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(x, y AgencyMoney) int { return strings.Compare(x.AgencyName, y.AgencyName) })
	return out, nil
}
