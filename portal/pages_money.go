package portal

import (
	"cmp"
	"collect"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"collect/billing"
	"collect/evidence"
	"collect/evidence/blob"
	"collect/portal/store"
	"collect/views"
)

// The money pages (issue 17): the reconciliation desk, invoices.

func (s *Server) reconciliationPage(c echo.Context) error {
	return s.renderReconciliation(c, http.StatusOK, nil, nil)
}

func (s *Server) renderReconciliation(c echo.Context, status int, result *store.PaymentFeedResult, fail error) error {
	ctx, a := c.Request().Context(), actorOf(c)
	v := views.ReconciliationView{CanFeed: s.can(a, "payment", "feed") && a.OrgKind == collect.KindLender,
		CanResolve: s.can(a, "reconciliation", "resolve") && a.OrgKind == collect.KindLender, ForAgency: a.OrgKind == collect.KindAgency}
	if d := c.QueryParam("done"); d != "" {
		v.Done = "flash." + d
	}
	if q := c.QueryParams(); q.Has("confirmed") {
		n := func(k string) int { i, _ := strconv.Atoi(q.Get(k)); return i }
		v.Result = &views.FeedResultView{Confirmed: n("confirmed"), Created: n("created"), Exceptions: n("exceptions"), Pending: n("pending")}
	}
	if result != nil {
		for _, e := range result.Errors {
			v.FeedErrors = append(v.FeedErrors, views.FeedErrorView{Line: e.Line, Field: e.Field,
				Message: views.FieldText(ctx, collect.FieldError{Field: e.Field, Key: e.Key, Args: e.Args, Message: e.Message})})
		}
	}
	if fail != nil {
		v.Error = views.ErrorText(ctx, fail)
		var ae *collect.Error
		if asErr(fail, &ae) {
			for _, fe := range ae.Fields {
				v.Error += " " + fe.Field + ": " + views.FieldText(ctx, fe)
			}
		}
	}
	excs, err := s.store.PaymentExceptions(ctx, a, store.ExceptionFilter{Status: "open", Limit: 200})
	if err != nil {
		return err
	}
	for _, e := range excs {
		x := views.ExceptionView{ID: e.ID, Reason: e.Reason, AccountRef: e.ExternalRef, AccountID: e.AccountID, Agency: e.AgencyName,
			PaidOn: cmp.Or(e.PaidOn, e.FeedPaidOn), Reference: cmp.Or(e.Reference, e.FeedReference), FeedLine: e.FeedLine,
			Created: views.DateTime(ctx, e.CreatedAt)}
		if e.PaymentID != "" {
			x.Reported = views.Money(e.AmountCents, e.Currency)
		}
		if e.FeedLine > 0 {
			x.Feed = views.Money(e.FeedAmountCents, e.Currency)
		}
		v.Exceptions = append(v.Exceptions, x)
	}
	reported, err := s.store.ListPayments(ctx, a, store.PaymentFilter{Status: "reported", Limit: 200})
	if err != nil {
		return err
	}
	names := s.agencyNames(c)
	for _, p := range reported {
		r := views.ReportedView{ID: p.ID, AccountID: p.AccountID, Agency: names[p.AgencyID], Amount: views.Money(p.AmountCents, p.Currency),
			PaidOn: p.PaidOn, Reference: p.Reference, Channel: p.Channel, VoucherRef: p.VoucherRef, Reported: views.DateTime(ctx, p.ReportedAt),
			CanUpload: a.OrgKind == collect.KindAgency && s.can(a, "payment", "write")}
		if p.VoucherID != "" {
			r.VoucherHref = "/attachments/" + url.PathEscape(p.VoucherID)
		}
		v.Reported = append(v.Reported, r)
	}
	if v.Money, err = s.moneyRows(c); err != nil {
		return err
	}
	return s.render(c, status, views.ReconciliationPage(s.pageMeta(c, "title.reconciliation", "reconciliation"), v))
}

// agencyNames maps the agencies the actor sees to their names.
func (s *Server) agencyNames(c echo.Context) map[string]string {
	out := map[string]string{}
	ags, err := s.store.AgencyViews(c.Request().Context(), actorOf(c))
	if err != nil {
		return out
	}
	for _, ag := range ags {
		out[ag.ID] = ag.Name
	}
	return out
}

// moneyRows are the agencies' money positions, formatted.
func (s *Server) moneyRows(c echo.Context) ([]views.MoneyRowView, error) {
	figs, err := s.store.MoneyFigures(c.Request().Context(), actorOf(c))
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	out := make([]views.MoneyRowView, 0, len(figs))
	for _, f := range figs {
		days := "—"
		if f.DaysToConfirm.Median != nil {
			days = views.T(ctx, "money.days", map[string]any{"Days": fmt.Sprintf("%.1f", *f.DaysToConfirm.Median)})
		}
		cur := cmp.Or(f.Currency, "CNY")
		out = append(out, views.MoneyRowView{Agency: f.AgencyName, Unconfirmed: views.Money(f.Unconfirmed.Cents, cur),
			UnconfirmedCount: f.Unconfirmed.Count, Disputed: views.Money(f.Disputed.Cents, cur), DaysToConfirm: days,
			Outstanding: views.Money(f.Remittance.OutstandingCents, cur), Overdue: views.Money(f.Remittance.OverdueCents, cur),
			Exceptions: f.OpenExceptions})
	}
	return out, nil
}

// feedSubmit is the page's feed upload (CSV or XLSX).
func (s *Server) feedSubmit(c echo.Context) error {
	src, done, err := openFeed(c)
	defer done()
	if err != nil {
		return formFailed(err, func(e error) error { return s.renderReconciliation(c, http.StatusUnprocessableEntity, nil, e) })
	}
	out, err := s.store.ImportPayments(c.Request().Context(), actorOf(c), src)
	if err != nil {
		return formFailed(err, func(e error) error { return s.renderReconciliation(c, http.StatusUnprocessableEntity, nil, e) })
	}
	if out.Rejected > 0 {
		return s.renderReconciliation(c, http.StatusUnprocessableEntity, &out, nil)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/reconciliation?confirmed=%d&created=%d&exceptions=%d&pending=%d",
		out.Confirmed, out.Created, out.Exceptions, out.Pending))
}

// resolveSubmit resolves an exception from the desk; reassign names the
// account by its loan reference.
func (s *Server) resolveSubmit(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	fail := func(e error) error { return s.renderReconciliation(c, http.StatusUnprocessableEntity, nil, e) }
	in := store.ResolveInput{Action: c.FormValue("action"), Reason: c.FormValue("reason")}
	if in.Action == "reassign" {
		ref := strings.TrimSpace(c.FormValue("account_ref"))
		if ref == "" {
			return fail(collect.Invalid("account_ref", "err.form.required"))
		}
		ids, _, err := s.store.AccountIDsByRef(ctx, a, []string{ref})
		if err != nil {
			return err
		}
		if len(ids) != 1 {
			return fail(collect.Invalid("account_ref", "err.feed.unknown_ref"))
		}
		in.AccountID = ids[0]
	}
	if _, err := s.store.ResolveException(ctx, a, c.Param("id"), in); err != nil {
		return formFailed(err, fail)
	}
	return c.Redirect(http.StatusSeeOther, "/reconciliation?done=exception_resolved")
}

// decidePaymentSubmit confirms or rejects a reported payment from the desk.
func (s *Server) decidePaymentSubmit(confirm bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, err := s.store.DecidePayment(c.Request().Context(), actorOf(c), c.Param("id"), confirm, c.FormValue("reason")); err != nil {
			return formFailed(err, func(e error) error { return s.renderReconciliation(c, http.StatusUnprocessableEntity, nil, e) })
		}
		done := map[bool]string{true: "payment_confirmed", false: "payment_rejected"}[confirm]
		return c.Redirect(http.StatusSeeOther, "/reconciliation?done="+done)
	}
}

// voucherSubmit is the desk's voucher upload for an agency's report.
func (s *Server) voucherSubmit(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if _, err := s.store.PaymentForVoucher(ctx, a, c.Param("id")); err != nil {
		return err
	}
	fail := func(e error) error { return s.renderReconciliation(c, http.StatusUnprocessableEntity, nil, e) }
	// A plain form (the CSRF check has parsed it): the file part, spooled
	// and hashed as an API upload is.
	fh, err := c.FormFile("file")
	if err != nil {
		return fail(collect.Invalid("file", "err.evidence.file_missing"))
	}
	if p := textProblem(fh.Filename); p != "" {
		return fail(badText("file (file name)", p))
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	up := &attachmentUpload{kind: evidence.KindDocument, fileName: fh.Filename}
	if up.file, err = blob.Spool(f, s.blobTemp, evidence.MaxBytes, evidence.HeadBytes); err != nil {
		return formFailed(spoolError(err), fail)
	}
	defer up.Close()
	if _, err := s.keepAttachmentOn(ctx, a, store.AttachmentInput{PaymentID: c.Param("id")}, up); err != nil {
		return formFailed(err, fail)
	}
	return c.Redirect(http.StatusSeeOther, "/reconciliation?done=voucher_uploaded")
}

func (s *Server) invoicesPage(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	m, err := s.parseMonth(c)
	if err != nil {
		return err
	}
	list, err := s.store.Invoices(ctx, a, m, "")
	if err != nil {
		return err
	}
	v := views.InvoicesView{Month: m, ForLender: a.OrgKind == collect.KindLender}
	for _, inv := range list {
		party := inv.AgencyName
		if !v.ForLender {
			party = inv.LenderName
		}
		cur := cmp.Or(inv.Currency, "CNY")
		v.Rows = append(v.Rows, views.InvoiceRowView{ID: inv.ID, Party: party, Number: inv.Number, Status: string(inv.Status),
			Commission: views.Money(inv.CommissionCents, cur), Adjustments: views.Money(inv.AdjustmentsCents, cur),
			Remittance: views.Money(inv.RemittanceOwedCents, cur), Total: views.Money(inv.TotalCents, cur), Disputed: views.Money(inv.DisputedCents, cur)})
	}
	return s.render(c, http.StatusOK, views.InvoicesPage(s.pageMeta(c, "title.invoices", "invoices"), v))
}

func (s *Server) invoicePage(c echo.Context) error { return s.renderInvoice(c, http.StatusOK, nil) }

func (s *Server) renderInvoice(c echo.Context, status int, fail error) error {
	ctx, a := c.Request().Context(), actorOf(c)
	inv, err := s.store.Invoice(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	cur := cmp.Or(inv.Currency, "CNY")
	v := views.InvoiceDetailView{ID: inv.ID, Number: inv.Number, Month: inv.Month, Status: string(inv.Status), Lender: inv.LenderName,
		Agency: inv.AgencyName, Currency: cur, Payments: views.Money(inv.PaymentsCents, cur), Commission: views.Money(inv.CommissionCents, cur),
		Adjustments: views.Money(inv.AdjustmentsCents, cur), Remittance: views.Money(-inv.RemittanceOwedCents, cur),
		Total: views.Money(inv.TotalCents, cur), Disputed: views.Money(inv.DisputedCents, cur), DisputeReason: inv.DisputeReason,
		CanReview:  a.OrgKind == collect.KindAgency && s.can(a, "invoice", "review") && inv.Status == billing.InvoiceDraft,
		CanApprove: a.OrgKind == collect.KindLender && s.can(a, "invoice", "approve") && inv.Status != billing.InvoiceApproved,
		CSVHref:    "/invoices/" + url.PathEscape(inv.ID) + "/export.csv", XLSXHref: "/invoices/" + url.PathEscape(inv.ID) + "/export.xlsx"}
	if inv.ApprovedAt != nil {
		v.ApprovedAt = views.DateTime(ctx, *inv.ApprovedAt)
	}
	if d := c.QueryParam("done"); d != "" {
		v.Done = "flash." + d
	}
	if fail != nil {
		v.Error = views.ErrorText(ctx, fail)
	}
	for _, l := range inv.Lines {
		v.Lines = append(v.Lines, views.InvoiceLineView{ID: l.ID, AccountRef: l.ExternalRef, AccountID: l.AccountID, PaidOn: string(l.PaidOn),
			Channel: string(l.Channel), Payment: views.Money(l.PaymentCents, cur), Rate: bpPercent(l.Explanation.RateBP),
			Commission: views.Money(l.CommissionCents, cur), State: string(l.State), DisputeReason: l.DisputeReason,
			Explain: explainLine(c, l.Explanation)})
	}
	for _, adj := range inv.Adjustments {
		v.AdjustmentRows = append(v.AdjustmentRows, views.AdjustmentView{Kind: string(adj.Kind), Code: adj.Code,
			Amount: views.Money(adj.AmountCents, cur), Reason: adj.Reason})
	}
	return s.render(c, status, views.InvoicePage(s.pageMeta(c, "title.invoice", "invoices"), v))
}

// explainLine says a line's rate and limits in the reader's language.
func explainLine(c echo.Context, e billing.Explanation) string {
	ctx := c.Request().Context()
	var parts []string
	for _, p := range e.Phrases() {
		parts = append(parts, views.T(ctx, p.Key, p.Args))
	}
	return strings.Join(parts, "; ")
}

// invoiceActionSubmit is the page's accept, dispute or approve.
func (s *Server) invoiceActionSubmit(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, a, id := c.Request().Context(), actorOf(c), c.Param("id")
		var err error
		switch action {
		case "accept":
			_, err = s.store.ReviewInvoice(ctx, a, id, true, store.ReviewInput{})
		case "dispute":
			_, err = s.store.ReviewInvoice(ctx, a, id, false, store.ReviewInput{Reason: c.FormValue("reason")})
		default:
			_, err = s.store.ApproveInvoice(ctx, a, id)
		}
		if err != nil {
			if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
				return s.renderInvoice(c, map[string]int{collect.EINVALID: http.StatusUnprocessableEntity, collect.ECONFLICT: http.StatusConflict}[code], err)
			}
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/invoices/"+url.PathEscape(id)+"?done=invoice_"+action)
	}
}
