package portal

import (
	"collect"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/allocation"
	"collect/casework"
	"collect/portal/store"
	"collect/views"
)

// The casework pages: the work queue, the case panel on the account page,
// the follow-up list and the lender's approvals. Forms post to thin handlers
// over the same store methods as the API and redirect back to the account;
// a refused contact or step re-renders the account with the broken rules.

func (s *Server) queuePage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	f, err := parseQueueFilter(c)
	if err != nil {
		return err
	}
	l, err := s.store.QueuePage(ctx, a, f)
	if err != nil {
		return err
	}
	rows := l.Rows
	v := views.QueueView{Total: l.Total, TotalExact: l.TotalExact, Page: f.Page.Page, Pages: f.Page.Pages(l.Total), Stage: f.Stage, Bucket: f.Bucket, Due: f.Due,
		Stages: casework.Stages, Buckets: allocation.BucketNames(), CanAssign: s.can(a, "case", "assign")}
	if done := c.QueryParam("done"); done != "" {
		n, _ := strconv.Atoi(c.QueryParam("n"))
		v.Flash = views.T(ctx, "flash."+done, map[string]any{"Count": n})
	}
	names := map[string]string{a.UserID: a.Name} // a collector's queue is the collector's own
	if v.CanAssign {
		users, err := s.store.Collectors(ctx, a)
		if err != nil {
			return err
		}
		for _, u := range users {
			v.Collectors = append(v.Collectors, views.Option{Value: u.ID, Label: u.Name})
			names[u.ID] = u.Name
		}
	}
	for _, r := range rows {
		qv := views.QueueRowView{ID: r.ID, ExternalRef: r.ExternalRef, DebtorName: r.DebtorName, Bucket: r.Bucket, Stage: r.Stage,
			Balance: views.Money(r.BalanceCents, r.Currency), Priority: fmt.Sprintf("%.0f", r.Priority), Reason: r.PriorityReason, DPD: r.DPD,
			PromiseDue: r.PromiseDue, AssignedTo: names[r.AssignedTo], Score: scoreView(r.Propensity), BreakRisk: scoreView(r.BreakRisk)}
		if r.NextActionAt != nil {
			qv.NextAction = views.DateTime(ctx, *r.NextActionAt)
		}
		v.Rows = append(v.Rows, qv)
	}
	v.Links = listLinks(c.Request().URL, f.Page.Page, v.Pages, "")
	if v.Links.Next != "" && l.Next != "" {
		// The next page from where this one ended: a seek, not a walk.
		u := *c.Request().URL
		q := u.Query()
		q.Set("page", strconv.Itoa(f.Page.Normal().Page+1))
		q.Set("cursor", l.Next)
		v.Links.Next = u.Path + "?" + q.Encode()
	}
	if v.Links.Prev != "" { // numbered pages back
		u, _ := url.Parse(v.Links.Prev)
		q := u.Query()
		q.Del("cursor")
		v.Links.Prev = u.Path + "?" + q.Encode()
	}
	return s.render(c, http.StatusOK, views.QueuePage(s.pageMeta(c, "title.queue", "queue"), v))
}

func (s *Server) queueAssignSubmit(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return badRequest{collect.E(collect.EINVALID, "err.case.form_unreadable")}
	}
	ids := nonEmpty(form["ids"])
	n, err := s.store.AssignAccounts(c.Request().Context(), actorOf(c), ids, form.Get("collector_id"))
	if err != nil {
		return err
	}
	if len(ids) == 1 && strings.Contains(c.Request().Referer(), "/accounts/") {
		return c.Redirect(http.StatusSeeOther, "/accounts/"+ids[0]+"?done=assigned&n=1")
	}
	return c.Redirect(http.StatusSeeOther, "/queue?"+url.Values{"done": {"assigned"}, "n": {strconv.Itoa(n)}}.Encode())
}

func (s *Server) followUpPage(c echo.Context) error {
	f, err := s.store.FollowUpList(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	conv := func(items []store.FollowUpItem) []views.FollowUpRowView {
		out := make([]views.FollowUpRowView, len(items))
		for i, it := range items {
			out[i] = views.FollowUpRowView{AccountID: it.AccountID, ExternalRef: it.ExternalRef, Kind: it.Kind, DueDate: it.DueDate,
				Amount: views.Money(it.AmountCents, "CNY"), Paid: views.Money(it.PaidCents, "CNY"), Risk: scoreView(it.BreakRisk)}
		}
		return out
	}
	v := views.FollowUpView{DueSoon: conv(f.DueSoon), Broken: conv(f.Broken), Actions: conv(f.Actions), AtRisk: conv(f.AtRisk)}
	return s.render(c, http.StatusOK, views.FollowUpPage(s.pageMeta(c, "title.followup", "followup"), v))
}

func (s *Server) approvalsPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	arrs, err := s.store.PendingArrangements(ctx, a)
	if err != nil {
		return err
	}
	disputes, refs, err := s.store.OpenDisputes(ctx, a)
	if err != nil {
		return err
	}
	legal, err := s.store.LegalReferrals(ctx, a)
	if err != nil {
		return err
	}
	var ids []string
	for _, ar := range arrs {
		ids = append(ids, ar.AccountID)
	}
	for _, l := range legal {
		ids = append(ids, l.AccountID)
	}
	accRefs, err := s.store.AccountRefs(ctx, a, ids)
	if err != nil {
		return err
	}
	v := views.ApprovalsView{}
	if done := c.QueryParam("done"); done != "" {
		v.Flash = views.T(ctx, "flash."+done)
	}
	for _, ar := range arrs {
		av := arrangementView(ctx, ar)
		av.ExternalRef = accRefs[ar.AccountID]
		v.Arrangements = append(v.Arrangements, av)
	}
	for i, d := range disputes {
		dv := disputeView(ctx, d)
		dv.ExternalRef = refs[i]
		v.Disputes = append(v.Disputes, dv)
	}
	for _, l := range legal {
		lv := legalView(ctx, a, l)
		lv.ExternalRef = accRefs[l.AccountID]
		v.Legal = append(v.Legal, lv)
	}
	return s.render(c, http.StatusOK, views.ApprovalsPage(s.pageMeta(c, "title.approvals", "approvals"), v))
}

func arrangementView(ctx context.Context, ar store.Arrangement) views.ArrangementView {
	av := views.ArrangementView{ID: ar.ID, AccountID: ar.AccountID, Kind: ar.Kind, Status: ar.Status, Amount: views.Money(ar.AmountCents, "CNY"),
		FirstDue: ar.FirstDue, CreatedAt: views.DateTime(ctx, ar.CreatedAt)}
	if ar.DiscountBP > 0 {
		av.Discount = bpPercent(ar.DiscountBP)
	}
	av.Reasons = views.Violations(ar.Reasons)
	for _, in := range ar.Schedule {
		av.Schedule = append(av.Schedule, views.InstalmentView{N: in.N, Due: in.DueDate, Amount: views.Money(in.AmountCents, "CNY"),
			Paid: views.Money(in.PaidCents, "CNY"), Status: in.Status})
	}
	return av
}

func disputeView(ctx context.Context, d store.Dispute) views.DisputeView {
	dv := views.DisputeView{ID: d.ID, AccountID: d.AccountID, Reason: d.Reason, Status: d.Status, RaisedAt: views.DateTime(ctx, d.RaisedAt), Resolution: d.Resolution, Withheld: d.DetailsWithheld}
	return dv
}

func legalView(ctx context.Context, a collect.Actor, l store.LegalCase) views.LegalView {
	e := l.Estimate
	return views.LegalView{ID: l.ID, AccountID: l.AccountID, Status: l.Status, LimitationExpires: l.LimitationExpires, CourtRef: l.CourtRef,
		CreatedAt: views.DateTime(ctx, l.CreatedAt), CourtFee: views.Money(e.CourtFeeCents, "CNY"), LawyerFee: views.Money(e.LawyerFeeCents, "CNY"),
		OtherCosts: views.Money(e.OtherCostsCents, "CNY"), TotalCost: views.Money(e.TotalCostCents, "CNY"),
		ExpectedRecovery: views.Money(e.ExpectedRecoveryCents, "CNY"), NetBenefit: views.Money(e.NetBenefitCents, "CNY"),
		RecoveryRate: fmt.Sprintf("%.1f%%", e.RecoveryRate*100), Worthwhile: e.Worthwhile,
		Next: store.LegalNext(a, l.Status), EvidenceHref: "/legal-cases/" + l.ID + "/evidence.zip", CostsRecorded: views.Money(l.CostsCents, "CNY")}
}

// casePanel builds the account page's casework section, or nil when the
// viewer has no casework on the account (the platform, say).
func (s *Server) casePanel(c echo.Context, accountID string, fail error) (*views.CasePanel, error) {
	ctx := c.Request().Context()
	a := actorOf(c)
	canWork := s.can(a, "case", "write") && a.OrgKind == collect.KindAgency
	canApprove := s.can(a, "arrangement", "approve")
	if !canWork && !canApprove && !s.can(a, "legal", "read") {
		return nil, nil
	}
	cd, err := s.store.Case(ctx, a, accountID)
	if err != nil {
		return nil, err
	}
	p := &views.CasePanel{CanWork: canWork, CanAssign: s.can(a, "case", "assign"), CanApprove: canApprove,
		FlagOptions: store.DataQualityFlags, LimitationExpiry: cd.LimitationExpiry, TimeBarred: cd.TimeBarred,
		Channels: casework.ContactChannels, Parties: casework.ContactParties, Outcomes: casework.ContactOutcomes,
		Kinds: casework.ArrangementKinds, AssignedTo: cd.AssignedTo}
	// The roster (issue 13, part 7): say before the form is filled that
	// this collector may not contact now.
	if canWork {
		if p.RosterProblems, err = s.store.RosterCheck(ctx, a, accountID); err != nil {
			return nil, err
		}
		// The guard's answer for a call to the debtor now, before the
		// collector types (the contact-permission API's).
		perm, err := s.store.ContactPermission(ctx, a, accountID, casework.ChannelCall, casework.PartyDebtor, time.Time{})
		if err != nil {
			return nil, err
		}
		pv := &views.PermissionView{Allowed: perm.Allowed, CallsLeftToday: perm.CallsLeftToday, AttemptsLeft7d: perm.AttemptsLeft7d}
		for _, v := range perm.Violations {
			if !strings.HasPrefix(v.Rule, "roster.") { // said above
				pv.Violations = append(pv.Violations, v)
			}
		}
		if perm.NextAllowedAt != nil && !perm.Allowed {
			pv.NextAllowed = views.DateTime(ctx, *perm.NextAllowedAt)
		}
		p.Permission = pv
	}
	if fail != nil && strings.HasSuffix(c.Request().URL.Path, "/contacts") {
		p.Draft = views.ContactDraft{Channel: c.FormValue("channel"), Outcome: c.FormValue("outcome"), Party: c.FormValue("party"),
			Direction: c.FormValue("direction"), PartyPhone: c.FormValue("party_phone"), At: c.FormValue("at"), Note: c.FormValue("note"), Message: c.FormValue("message"),
			PartyRelation: c.FormValue("party_relation")}
	}
	if cd.Verification != nil {
		v := cd.Verification
		p.Verification = views.VerificationView{IdentityOK: v.IdentityOK, ContactOK: v.ContactOK, AmountOK: v.AmountOK, DPDOK: v.DPDOK,
			Complete: v.Complete(), Flags: v.Flags, Note: v.Note}
		if cd.VerifiedAt != nil {
			p.Verification.VerifiedAt = views.DateTime(ctx, *cd.VerifiedAt)
		}
	}
	for _, d := range cd.Disputes {
		p.Disputes = append(p.Disputes, disputeView(ctx, d))
		if d.Status == "open" {
			p.DisputeOpen = true
		}
	}
	for _, l := range cd.LegalCases {
		lv := legalView(ctx, a, l)
		lv.CanRecordCost = s.can(a, "legal", "advance") && store.LegalCaseOpen(l.Status)
		lv.Today = s.now().In(collect.China).Format(time.DateOnly)
		lv.CostDraft.IncurredOn = lv.Today
		if fail != nil && c.Param("id") == l.ID && strings.HasSuffix(c.Request().URL.Path, "/costs") {
			lv.CostDraft = views.LegalCostDraft{Kind: c.FormValue("kind"), Amount: c.FormValue("amount"), IncurredOn: c.FormValue("incurred_on"), Note: c.FormValue("note")}
		}
		p.Legal = append(p.Legal, lv)
	}
	if canWork {
		if p.NextStages, err = s.store.NextStages(ctx, a, accountID); err != nil {
			return nil, err
		}
	}
	contacts, err := s.store.Contacts(ctx, a, accountID, s.can(a, "account", "read_personal"))
	if err != nil {
		return nil, err
	}
	for _, ct := range contacts {
		p.Contacts = append(p.Contacts, views.ContactView{At: views.DateTime(ctx, ct.At), Channel: ct.Channel, Party: ct.Party, Direction: ct.Direction,
			Outcome: ct.Outcome, Note: ct.Note, Message: ct.Message, Withheld: ct.DetailsWithheld, ID: ct.ID})
	}
	if err := s.contactEvidence(c, accountID, contacts, p); err != nil {
		return nil, err
	}
	arrs, err := s.store.Arrangements(ctx, a, accountID)
	if err != nil {
		return nil, err
	}
	for _, ar := range arrs {
		p.Arrangements = append(p.Arrangements, arrangementView(ctx, ar))
	}
	if p.CanAssign {
		users, err := s.store.Collectors(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			p.Collectors = append(p.Collectors, views.Option{Value: u.ID, Label: u.Name})
		}
	}
	if a.OrgKind == collect.KindAgency {
		if q, _, err := s.store.Queue(ctx, a, store.QueueFilter{Page: store.Page{PerPage: 2}}); err == nil {
			for _, r := range q {
				if r.ID != accountID {
					p.QueueNext = "/accounts/" + r.ID
					break
				}
			}
		}
	}
	if done := c.QueryParam("done"); done != "" {
		n, _ := strconv.Atoi(c.QueryParam("n"))
		p.Flash = views.T(ctx, "flash."+done, map[string]any{"Count": n})
	}
	if fail != nil {
		var ae *collect.Error
		if errors.As(fail, &ae) && ae.Code == collect.ERULEVIOLATION {
			p.Violations = views.Violations(ae.Violations)
		} else {
			_, p.Errors = notices(c, fail)
		}
	}
	return p, nil
}

// caseStep runs a casework form's store call and redirects to the account,
// or re-renders it with the rules or fields that refused the step.
func (s *Server) caseStep(c echo.Context, accountID, flash string, run func() error) error {
	if err := run(); err != nil {
		switch collect.ErrorCode(err) {
		case collect.ERULEVIOLATION, collect.EINVALID, collect.ECONFLICT:
			return s.renderAccount(c, accountID, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/accounts/"+accountID+"?done="+flash)
}

func (s *Server) stageSubmit(c echo.Context) error {
	id := c.Param("id")
	return s.caseStep(c, id, "stage_moved", func() error {
		_, err := s.store.MoveStage(c.Request().Context(), actorOf(c), id, c.FormValue("to"))
		return err
	})
}

func (s *Server) verificationSubmit(c echo.Context) error {
	id := c.Param("id")
	form, err := c.FormParams()
	if err != nil {
		return badRequest{collect.E(collect.EINVALID, "err.case.form_unreadable")}
	}
	v := store.Verification{IdentityOK: form.Get("identity_ok") == "true", ContactOK: form.Get("contact_ok") == "true",
		AmountOK: form.Get("amount_ok") == "true", DPDOK: form.Get("dpd_ok") == "true", Flags: nonEmpty(form["flags"]), Note: form.Get("note")}
	return s.caseStep(c, id, "verified", func() error {
		_, err := s.store.RecordVerification(c.Request().Context(), actorOf(c), id, v)
		return err
	})
}

func (s *Server) contactSubmit(c echo.Context) error {
	id := c.Param("id")
	in := store.ContactInput{Channel: c.FormValue("channel"), Party: c.FormValue("party"), PartyPhone: strings.TrimSpace(c.FormValue("party_phone")),
		Direction: c.FormValue("direction"), Outcome: c.FormValue("outcome"), Note: c.FormValue("note"), Message: c.FormValue("message"),
		PartyRelation: c.FormValue("party_relation"), Purpose: c.FormValue("purpose")}
	if at := strings.TrimSpace(c.FormValue("at")); at != "" {
		// The form's local time is in the reader's zone, as the page shows times.
		t, err := time.ParseInLocation("2006-01-02T15:04", at, views.Zone(c.Request().Context()))
		if err != nil {
			return s.renderAccount(c, id, http.StatusUnprocessableEntity, collect.E(collect.EINVALID, "err.contact.at_invalid").WithFields(collect.Field("at", "err.contact.at_format")))
		}
		in.At = t
	}
	return s.caseStep(c, id, "contact_saved", func() error {
		_, err := s.store.RecordContact(c.Request().Context(), actorOf(c), id, in)
		return err
	})
}

func (s *Server) arrangementSubmit(c echo.Context) error {
	id := c.Param("id")
	fail := func(err error) error { return s.renderAccount(c, id, http.StatusUnprocessableEntity, err) }
	req := store.ArrangementRequest{Kind: c.FormValue("kind"), FirstDue: c.FormValue("first_due"), Note: c.FormValue("note")}
	var err error
	if req.AmountCents, err = yuanCents("amount", c.FormValue("amount")); err != nil {
		return fail(err)
	}
	if req.DownPaymentCents, err = yuanCents("down_payment", c.FormValue("down_payment")); err != nil {
		return fail(err)
	}
	if req.PenaltyCents, err = yuanCents("penalty", c.FormValue("penalty")); err != nil {
		return fail(err)
	}
	if req.Instalments, err = formInt(c, "instalments", 0); err != nil {
		return fail(err)
	}
	if req.IntervalDays, err = formInt(c, "interval_days", 0); err != nil {
		return fail(err)
	}
	out, err := s.store.CreateArrangement(c.Request().Context(), actorOf(c), id, req)
	if err != nil {
		switch collect.ErrorCode(err) {
		case collect.ERULEVIOLATION, collect.EINVALID, collect.ECONFLICT:
			return fail(err)
		}
		return err
	}
	flash := "arrangement_active"
	if out.Status == "pending_approval" {
		flash = "arrangement_pending"
	}
	return c.Redirect(http.StatusSeeOther, "/accounts/"+id+"?done="+flash)
}

func (s *Server) disputeSubmit(c echo.Context) error {
	id := c.Param("id")
	return s.caseStep(c, id, "dispute_raised", func() error {
		_, err := s.store.RaiseDispute(c.Request().Context(), actorOf(c), id, c.FormValue("reason"))
		return err
	})
}

func (s *Server) disputeResolveSubmit(c echo.Context) error {
	d, err := s.store.ResolveDispute(c.Request().Context(), actorOf(c), c.Param("id"), c.FormValue("upheld") == "true", c.FormValue("resolution"))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, backTo(c, "/accounts/"+d.AccountID)+"done=dispute_resolved")
}

func (s *Server) arrangementDecisionSubmit(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ar, err := s.store.DecideArrangementApproval(c.Request().Context(), actorOf(c), c.Param("id"), approve)
		if err != nil {
			return err
		}
		flash := "arrangement_rejected"
		if approve {
			flash = "arrangement_approved"
		}
		return c.Redirect(http.StatusSeeOther, backTo(c, "/accounts/"+ar.AccountID)+"done="+flash)
	}
}

// backTo returns to the approvals page when the form came from it, else to
// the account; ready for a query parameter.
func backTo(c echo.Context, account string) string {
	if strings.Contains(c.Request().Referer(), "/approvals") {
		return "/approvals?"
	}
	return account + "?"
}

func (s *Server) legalReferralSubmit(c echo.Context) error {
	id := c.Param("id")
	return s.caseStep(c, id, "legal_referred", func() error {
		_, err := s.store.ReferLegal(c.Request().Context(), actorOf(c), id, c.FormValue("note"))
		return err
	})
}

func (s *Server) legalStatusSubmit(c echo.Context) error {
	lc, err := s.store.AdvanceLegal(c.Request().Context(), actorOf(c), c.Param("id"), c.FormValue("status"), strings.TrimSpace(c.FormValue("court_ref")))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, backTo(c, "/accounts/"+lc.AccountID)+"done=legal_moved")
}

// legalCostSubmit records a legal cost from the case on the account page;
// a refusal re-renders the account with the reason.
func (s *Server) legalCostSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	lc, err := s.store.LegalCase(ctx, actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	fail := func(err error) error { return s.renderAccount(c, lc.AccountID, http.StatusUnprocessableEntity, err) }
	amount, err := yuanCents("amount", c.FormValue("amount"))
	if err != nil {
		return fail(err)
	}
	in := store.LegalCostInput{Kind: c.FormValue("kind"), AmountCents: amount, IncurredOn: strings.TrimSpace(c.FormValue("incurred_on")), Note: c.FormValue("note")}
	if _, err := s.store.RecordLegalCost(ctx, actorOf(c), lc.ID, in); err != nil {
		if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
			return fail(err)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, backTo(c, "/accounts/"+lc.AccountID)+"done=legal_cost")
}

func (s *Server) paymentSubmit(c echo.Context) error {
	id := c.Param("id")
	fail := func(err error) error { return s.renderAccount(c, id, http.StatusUnprocessableEntity, err) }
	amount, err := yuanCents("amount", c.FormValue("amount"))
	if err != nil {
		return fail(err)
	}
	paid, err := allocation.ParsePaymentDate(c.FormValue("paid_at"), s.now())
	if err != nil {
		return fail(collect.E(collect.EINVALID, "err.case.paid_at_invalid").WithFields(collect.Field("paid_at", "err.case.paid_at_format")))
	}
	ref, voucher := strings.TrimSpace(c.FormValue("reference")), strings.TrimSpace(c.FormValue("voucher_ref"))
	if ref == "" && voucher == "" { // the bank's reference, or (money collected in cash) the receipt's
		return fail(collect.E(collect.EINVALID, "err.case.reference_missing").WithFields(collect.Field("reference", "err.case.required")))
	}
	done := "payment_recorded"
	if actorOf(c).OrgKind == collect.KindAgency {
		done = "payment_reported" // awaiting the lender's confirmation
	}
	return s.caseStep(c, id, done, func() error {
		_, err := s.store.RecordPayment(c.Request().Context(), actorOf(c), id, store.PaymentInput{AmountCents: amount, PaidAt: paid, Reference: ref,
			Channel: c.FormValue("channel"), VoucherRef: voucher})
		return err
	})
}

// requestSubmit records a debtor request from the account page's form.
func (s *Server) requestSubmit(c echo.Context) error {
	id := c.Param("id")
	return s.caseStep(c, id, "request_recorded", func() error {
		_, err := s.store.CreateRequest(c.Request().Context(), actorOf(c), id, store.RequestInput{Kind: c.FormValue("kind"),
			Channel: c.FormValue("channel"), From: c.FormValue("from"), To: c.FormValue("to"), Note: c.FormValue("note"),
			AttorneyPhone: c.FormValue("attorney_phone"), Source: "contact"})
		return err
	})
}

func (s *Server) requestEndSubmit(c echo.Context) error {
	id := c.Param("id")
	return s.caseStep(c, id, "request_ended", func() error {
		_, err := s.store.EndRequest(c.Request().Context(), actorOf(c), id, c.Param("rid"), c.FormValue("reason"))
		return err
	})
}

// holdSubmit records a care or hardship hold from the account page.
func (s *Server) holdSubmit(c echo.Context) error {
	id := c.Param("id")
	return s.caseStep(c, id, "hold_recorded", func() error {
		_, err := s.store.CreateHold(c.Request().Context(), actorOf(c), id, store.HoldInput{Kind: c.FormValue("kind"),
			Consent: c.FormValue("consent") == "true", Until: c.FormValue("until"), Note: c.FormValue("note")})
		return err
	})
}

func (s *Server) holdLiftSubmit(c echo.Context) error {
	h, err := s.store.LiftHold(c.Request().Context(), actorOf(c), c.Param("id"), c.FormValue("reason"))
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/accounts/"+h.AccountID+"?done=hold_lifted")
}
