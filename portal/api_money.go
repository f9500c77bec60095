package portal

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"collect"
	"collect/billing"
	"collect/evidence"
	"collect/portal/store"
)

// The money API (API.md "Money"): payments with their source and status,
// vouchers, the exception queue of the lender's feed, and the monthly
// invoices.

// apiPayments is GET /api/v1/payments?status=&agency=&account=.
func (s *Server) apiPayments(c echo.Context) error {
	q := queryOf(c)
	f := store.PaymentFilter{Status: q.oneOf("status", []string{"reported", "confirmed", "rejected"}), AgencyID: q.text("agency"),
		AccountID: q.text("account"), Limit: q.count("limit", 200, 500)}
	if err := q.err(); err != nil {
		return err
	}
	out, err := s.store.ListPayments(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// apiGetPayment is GET /api/v1/payments/{id}.
func (s *Server) apiGetPayment(c echo.Context) error {
	out, err := s.store.GetPayment(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiDecidePayment is POST /api/v1/payments/{id}/confirm|reject: a lender
// user deciding a reported payment by hand (reject needs a reason).
func (s *Server) apiDecidePayment(confirm bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if c.Request().ContentLength != 0 {
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
		}
		out, err := s.store.DecidePayment(c.Request().Context(), actorOf(c), c.Param("id"), confirm, in.Reason)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

// apiPaymentVoucher is POST /api/v1/payments/{id}/voucher (multipart
// file): the bank transfer receipt of a payment the caller's agency
// reported, a PDF or an image, kept in the evidence store under its hash.
// The payment is looked up first, so one outside the caller's scope is 404
// before any byte is read.
func (s *Server) apiPaymentVoucher(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if _, err := s.store.PaymentForVoucher(ctx, a, c.Param("id")); err != nil {
		return err
	}
	up, err := s.readAttachmentUpload(c)
	if err != nil {
		return err
	}
	defer up.Close()
	switch up.kind {
	case "", evidence.KindDocument, evidence.KindPhoto:
		up.kind = evidence.KindDocument // a receipt is a PDF or an image
	default:
		return collect.Invalid("kind", "err.billing.voucher_type")
	}
	att, err := s.keepAttachmentOn(ctx, a, store.AttachmentInput{PaymentID: c.Param("id")}, up)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, att)
}

// apiExceptions is GET /api/v1/reconciliation/exceptions?status=&agency=.
func (s *Server) apiExceptions(c echo.Context) error {
	q := queryOf(c)
	f := store.ExceptionFilter{Status: q.oneOf("status", []string{"open", "resolved", "all"}), AgencyID: q.text("agency"),
		Limit: q.count("limit", 500, 500)}
	if err := q.err(); err != nil {
		return err
	}
	out, err := s.store.PaymentExceptions(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// apiResolveException is POST /api/v1/reconciliation/exceptions/{id}/resolve
// {"action":"confirm|reject|reassign","reason","account_id"}.
func (s *Server) apiResolveException(c echo.Context) error {
	var in store.ResolveInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.ResolveException(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiInvoices is GET /api/v1/invoices?month=&agency= (this month by default).
func (s *Server) apiInvoices(c echo.Context) error {
	m, err := s.parseMonth(c)
	if err != nil {
		return err
	}
	out, err := s.store.Invoices(c.Request().Context(), actorOf(c), m, c.QueryParam("agency"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"month": m, "items": out})
}

// apiInvoice is GET /api/v1/invoices/{id}: lines, adjustments, total_cents.
func (s *Server) apiInvoice(c echo.Context) error {
	out, err := s.store.Invoice(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiReviewInvoice is POST /api/v1/invoices/{id}/accept|dispute (the
// agency): dispute takes {"reason","line_ids":[...]}.
func (s *Server) apiReviewInvoice(accept bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var in store.ReviewInput
		if c.Request().ContentLength != 0 {
			if err := decodeJSON(c, &in); err != nil {
				return err
			}
		}
		out, err := s.store.ReviewInvoice(c.Request().Context(), actorOf(c), c.Param("id"), accept, in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

// apiApproveInvoice is POST /api/v1/invoices/{id}/approve (the vendor
// manager); an approved invoice is 409.
func (s *Server) apiApproveInvoice(c echo.Context) error {
	out, err := s.store.ApproveInvoice(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// invoiceExport is GET /api/v1/invoices/{id}/export.csv|xlsx (and the
// page's download): the lines, then the adjustments, the remittance and
// the totals, every amount in major units.
func (s *Server) invoiceExport(c echo.Context) error {
	inv, err := s.store.Invoice(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return writeTable(c, c.Param("format"), invoiceTable(inv))
}

func invoiceTable(inv store.InvoiceOut) table {
	name := "invoice-" + inv.Month + "-" + inv.ID
	if inv.Number != "" {
		name = inv.Number
	}
	t := table{Name: name, Headers: []string{"number", "month", "agency", "kind", "account_ref", "paid_on", "channel",
		"payment", "rate_bp", "commission", "state", "note"}}
	for _, l := range inv.Lines {
		t.Rows = append(t.Rows, []string{inv.Number, inv.Month, inv.AgencyName, "line", l.ExternalRef, string(l.PaidOn), string(l.Channel),
			billing.FormatCents(l.PaymentCents), strconv.Itoa(l.Explanation.RateBP), billing.FormatCents(l.CommissionCents), string(l.State), l.DisputeReason})
	}
	for _, a := range inv.Adjustments {
		t.Rows = append(t.Rows, []string{inv.Number, inv.Month, inv.AgencyName, string(a.Kind), "", "", a.Code,
			"", "", billing.FormatCents(a.AmountCents), "", a.Reason})
	}
	for _, tot := range []struct {
		kind  string
		cents int64
	}{{"payments", inv.PaymentsCents}, {"commission", inv.CommissionCents}, {"adjustments", inv.AdjustmentsCents},
		{"remittance_owed", -inv.RemittanceOwedCents}, {"total", inv.TotalCents}} {
		t.Rows = append(t.Rows, []string{inv.Number, inv.Month, inv.AgencyName, tot.kind, "", "", "", "", "", billing.FormatCents(tot.cents), string(inv.Status), ""})
	}
	return t
}

// apiMoneyFigures is GET /api/v1/oversight/money: per agency, unconfirmed
// and disputed amounts, days to confirm, remittance outstanding and overdue.
func (s *Server) apiMoneyFigures(c echo.Context) error {
	out, err := s.store.MoneyFigures(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// apiAdjustInvoice is POST /api/v1/invoices/{id}/adjustments
// {"amount_cents","reason","line_id"} (the vendor manager): on an approved
// invoice a correction for next month's.
func (s *Server) apiAdjustInvoice(c echo.Context) error {
	var in store.AdjustmentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.AdjustInvoice(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}
