package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
)

// Route is one entry of the route table: what it answers, and the Casbin
// object and action a caller needs. Public routes (health, login, static
// assets, the language switch) need none; every other route must name both,
// and a test walks this table to hold that.
type Route struct {
	Method  string
	Path    string
	Object  string
	Action  string
	Public  bool
	Page    bool   // an HTML page: cookie session, CSRF, errors as pages
	MaxBody string // the body limit (echo BodyLimit syntax); 2M when empty
	// Hidden routes answer 404 to a caller without the permission, as for
	// a row outside the caller's scope: the platform's own pages are not
	// told to the lenders and agencies.
	Hidden bool
	// Stream routes read their own multipart body part by part (evidence
	// uploads): the text check looks at the path and query only, and the
	// handler checks each field it reads.
	Stream  bool
	Handler echo.HandlerFunc
}

// routeTable is the whole surface of the portal, in one place.
func (s *Server) routeTable() []Route {
	upload := func(r Route) Route { r.MaxBody = "600M"; return r } // MaxUpload
	hidden := func(r Route) Route { r.Hidden = true; return r }
	// stream: an evidence upload, read part by part by its handler, which
	// refuses what is too large with a 422 naming the field.
	stream := func(r Route) Route { r.Stream = true; r.MaxBody = "8G"; return r }
	page := func(method, path, obj, act string, h echo.HandlerFunc) Route {
		return Route{Method: method, Path: path, Object: obj, Action: act, Page: true, Handler: h}
	}
	api := func(method, path, obj, act string, h echo.HandlerFunc) Route {
		return Route{Method: method, Path: "/api/v1" + path, Object: obj, Action: act, Handler: h}
	}
	public := func(method, path string, isPage bool, h echo.HandlerFunc) Route {
		return Route{Method: method, Path: path, Public: true, Page: isPage, Handler: h}
	}
	const get, post, put, patch = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch
	return []Route{
		// Operations.
		public(get, "/healthz", false, s.healthz),
		public(get, "/readyz", false, s.readyz),
		public(get, "/metrics", false, s.metrics.handler()),
		public(get, "/static/*", false, staticHandler()),
		public(get, "/favicon.ico", false, func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }),

		// Pages.
		public(get, "/login", true, s.loginPage),
		public(post, "/login", true, s.loginSubmit),
		public(get, "/login/code", true, s.loginCodePage),
		public(post, "/login/code", true, s.loginCodeSubmit),
		page(get, "/keys", "key", "read", s.keysPage),
		page(get, "/sign-ins", "signin", "read", s.failedSignInsPage),
		page(get, "/sso", "sso", "write", s.ssoPage),
		page(post, "/sso", "sso", "write", s.ssoSubmit),
		page(post, "/keys", "key", "write", s.keySubmit),
		page(post, "/keys/:id/revoke", "key", "write", s.keyRevokeSubmit),
		public(get, "/sso/start", true, s.ssoStart),
		public(get, "/sso/callback", true, s.ssoCallback),
		page(get, "/me/security", "session", "read", s.securityPage),
		page(post, "/me/security/totp", "session", "write", s.securityStart),
		page(post, "/me/security/confirm", "session", "write", s.securityConfirm),
		public(get, "/lang/:code", false, s.switchLanguage),
		page(post, "/logout", "session", "write", s.logoutSubmit),
		page(get, "/", "dashboard", "read", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/dashboard") }),
		page(get, "/dashboard", "dashboard", "read", s.dashboardPage),
		page(get, "/accounts", "account", "read", s.accountListPage),
		page(get, "/accounts/:id", "account", "read", s.accountPage),
		page(post, "/accounts/:id/unmask", "account", "unmask", s.unmaskSubmit),
		page(post, "/accounts/:id/payments", "payment", "write", s.paymentSubmit),
		page(get, "/audit", "audit", "read", s.auditPage),
		hidden(page(get, "/admin/jobs", "jobs", "read", s.jobsPage)),
		// Onboarding (issue 13 parts 1-2): the platform administrator's
		// organisations, and the one-time set-password link.
		hidden(page(get, "/admin/organisations", "tenant", "read", s.organisationsPage)),
		hidden(page(post, "/admin/organisations", "tenant", "write", s.organisationCreateSubmit)),
		hidden(page(get, "/admin/organisations/:id", "tenant", "read", s.organisationPage)),
		hidden(page(post, "/admin/organisations/:id", "tenant", "write", s.organisationEditSubmit)),
		hidden(page(post, "/admin/organisations/:id/status", "tenant", "write", s.organisationStatusSubmit)),
		page(post, "/audit/verify", "audit", "verify", s.auditVerifyPartial),
		page(get, "/portfolios", "portfolio", "read", s.portfolioListPage),
		upload(page(post, "/portfolios/import", "portfolio", "write", s.portfolioImportSubmit)),
		page(get, "/portfolios/:id", "portfolio", "read", s.portfolioPage),
		page(post, "/mappings", "mapping", "write", s.mappingSubmit),
		page(get, "/imports/:id", "import", "read", s.importPage),
		page(get, "/imports/:id/rejects.csv", "portfolio", "write", s.importRejectsCSV), // the rows hold personal data
		page(post, "/allocations", "allocation", "write", s.planCreateSubmit),
		page(get, "/allocations/:id", "allocation", "read", s.planPage),
		page(post, "/allocations/:id/commit", "allocation", "write", s.planCommitSubmit),
		page(post, "/allocations/:id/discard", "allocation", "write", s.planDiscardSubmit),
		page(get, "/placements", "placement", "read", s.placementListPage),
		page(post, "/placements/action", "placement", "read", s.placementActionSubmit),
		page(get, "/agencies", "organisation", "read", s.agencyListPage),
		page(get, "/agencies/:id", "organisation", "read", s.agencyPage),
		page(post, "/agencies/:id/profile", "agency_profile", "write", s.agencyProfileSubmit),
		page(post, "/agencies/:id/contract", "contract", "write", s.agencyContractSubmit),
		page(post, "/agencies/:id/contract/status", "contract", "write", s.agencyContractStatusSubmit),
		page(get, "/tenders", "tender", "read", s.tenderListPage),
		page(post, "/tenders", "tender", "write", s.tenderCreateSubmit),
		page(get, "/tenders/:id", "tender", "read", s.tenderPage),
		page(post, "/tenders/:id/bids", "bid", "write", s.bidSubmit),
		page(post, "/tenders/:id/award", "tender", "write", s.awardSubmit),
		page(get, "/commissions", "commission", "read", s.commissionPage),
		page(get, "/reconciliation", "reconciliation", "read", s.reconciliationPage),
		upload(page(post, "/reconciliation/feed", "payment", "feed", s.feedSubmit)),
		page(post, "/reconciliation/exceptions/:id/resolve", "reconciliation", "resolve", s.resolveSubmit),
		page(post, "/payments/:id/confirm", "payment", "confirm", s.decidePaymentSubmit(true)),
		page(post, "/payments/:id/reject", "payment", "confirm", s.decidePaymentSubmit(false)),
		upload(page(post, "/payments/:id/voucher", "payment", "write", s.voucherSubmit)), // a plain form: ≤ 50 MB
		page(get, "/invoices", "invoice", "read", s.invoicesPage),
		page(get, "/invoices/:id", "invoice", "read", s.invoicePage),
		page(get, "/invoices/:id/export.:format", "invoice", "read", s.invoiceExport),
		page(post, "/invoices/:id/accept", "invoice", "review", s.invoiceActionSubmit("accept")),
		page(post, "/invoices/:id/dispute", "invoice", "review", s.invoiceActionSubmit("dispute")),
		page(post, "/invoices/:id/approve", "invoice", "approve", s.invoiceActionSubmit("approve")),
		page(get, "/queue", "queue", "read", s.queuePage),
		page(post, "/queue/assign", "case", "assign", s.queueAssignSubmit),
		page(get, "/follow-up", "queue", "read", s.followUpPage),
		page(get, "/models", "model", "read", s.modelsPage),
		page(post, "/models/train", "model", "write", s.modelsTrainSubmit),
		page(get, "/approvals", "arrangement", "approve", s.approvalsPage),
		page(post, "/accounts/:id/stage", "case", "write", s.stageSubmit),
		page(post, "/accounts/:id/verification", "case", "write", s.verificationSubmit),
		page(post, "/accounts/:id/contacts", "contact", "write", s.contactSubmit),
		page(post, "/accounts/:id/arrangements", "arrangement", "write", s.arrangementSubmit),
		page(post, "/accounts/:id/disputes", "dispute", "write", s.disputeSubmit),
		page(post, "/accounts/:id/requests", "debtor_request", "write", s.requestSubmit),
		page(post, "/accounts/:id/requests/:rid/end", "debtor_request", "write", s.requestEndSubmit),
		page(post, "/accounts/:id/holds", "care_hold", "write", s.holdSubmit),
		page(post, "/holds/:id/lift", "care_hold", "write", s.holdLiftSubmit),
		page(post, "/accounts/:id/legal-referrals", "legal", "refer", s.legalReferralSubmit),
		page(post, "/disputes/:id/resolve", "dispute", "resolve", s.disputeResolveSubmit),
		page(post, "/arrangements/:id/approve", "arrangement", "approve", s.arrangementDecisionSubmit(true)),
		page(post, "/arrangements/:id/reject", "arrangement", "approve", s.arrangementDecisionSubmit(false)),
		page(post, "/legal-cases/:id/status", "legal", "advance", s.legalStatusSubmit),
		page(post, "/legal-cases/:id/costs", "legal", "advance", s.legalCostSubmit),
		page(get, "/legal-cases/:id/evidence.zip", "legal", "read", s.legalEvidence),
		page(get, "/oversight", "oversight", "read", s.oversightPage),
		page(get, "/oversight/kpis.:format", "oversight", "read", s.kpiExport),
		page(get, "/oversight/scorecard.:format", "scorecard", "read", s.scorecardExport),
		page(post, "/oversight/weights", "scorecard", "write", s.weightsSubmit),
		page(get, "/complaints", "complaint", "read", s.complaintListPage),
		page(post, "/complaints", "complaint", "write", s.complaintCreateSubmit),
		page(get, "/complaints/export.:format", "complaint", "read", s.complaintExport),
		page(get, "/complaints/:id", "complaint", "read", s.complaintPage),
		page(post, "/complaints/:id", "complaint", "update", s.complaintHandleSubmit),
		page(post, "/complaints/:id/answer", "complaint", "update", s.complaintAnswerSubmit),
		page(get, "/breaches", "breach", "read", s.breachListPage),
		page(get, "/breaches/export.:format", "breach", "read", s.breachExport),
		page(post, "/breaches/:id", "breach", "write", s.breachSubmit),
		page(post, "/agencies/:id/evaluations", "evaluation", "write", s.evaluationSubmit),
		page(get, "/audit/export.csv", "audit", "read", s.auditExport),
		// The collector roster (issue 13, part 7).
		page(get, "/roster", "roster", "read", s.rosterPage),
		page(post, "/roster/:id", "roster", "write", s.rosterSubmit),
		page(get, "/commissions.csv", "commission", "read", s.apiCommissionsCSV),

		// Evidence and quality (issue 16): the account page's evidence
		// (pages_evidence.go) and the quality reviewers' pages
		// (pages_quality.go).
		stream(page(post, "/contacts/:id/attachments", "attachment", "write", s.attachmentUploadSubmit)),
		page(get, "/attachments/:id", "attachment", "read", s.attachmentBytes),
		page(post, "/attachments/:id/legal-hold", "attachment", "hold", s.legalHoldSubmit),
		page(post, "/attachments/:id/verify", "attachment", "read", s.verifySubmit),
		page(get, "/qa", "qa", "read", s.qaPage),
		page(post, "/qa/plans", "qa", "write", s.qaPlanSubmit),
		page(post, "/qa/plans/:id/draw", "qa", "write", s.qaDrawSubmit),
		page(get, "/qa/samples/:id", "qa", "read", s.qaSamplePage),
		page(post, "/qa/samples/:id/review", "qa", "review", s.qaReviewSubmit),
		page(post, "/qa/checklist", "qa_checklist", "write", s.qaChecklistSubmit),
		page(get, "/qa/findings", "qa_finding", "read", s.qaFindingsPage),
		page(post, "/qa/findings/:id/answer", "qa_finding", "answer", s.qaAnswerSubmit),

		// People: each organisation's administrator manages its users; one-time
		// links (public: the token is the credential) set passwords.
		page(get, "/people", "people", "read", s.peoplePage),
		page(post, "/people/invite", "people", "write", s.peopleInviteSubmit),
		page(post, "/people/invites/:id/resend", "people", "write", s.peopleResendSubmit),
		page(post, "/people/:id/roles", "people", "write", s.peopleRolesSubmit),
		page(post, "/people/:id/deactivate", "people", "write", s.peopleDeactivateSubmit),
		page(post, "/people/:id/reactivate", "people", "write", s.peopleReactivateSubmit),
		page(post, "/people/:id/reset", "people", "write", s.peopleResetSubmit),
		page(post, "/people/two-factor", "security_policy", "write", s.peopleTOTPPolicySubmit),
		public(get, "/invite/:token", true, s.linkPage(store.LinkInvite)),
		public(post, "/invite/:token", true, s.linkSubmit(store.LinkInvite)),
		public(get, "/reset/:token", true, s.linkPage(store.LinkReset)),
		public(post, "/reset/:token", true, s.linkSubmit(store.LinkReset)),
		page(get, "/me/password", "session", "write", s.myPasswordPage),
		page(post, "/me/password", "session", "write", s.myPasswordSubmit),

		// JSON API.
		public(post, "/api/v1/auth/token", false, s.apiToken),
		api(post, "/auth/logout", "session", "write", s.apiLogout),
		api(get, "/me", "session", "read", s.apiMe),
		api(post, "/me/totp", "session", "write", s.apiTOTPBegin),
		api(post, "/me/totp/confirm", "session", "write", s.apiTOTPConfirm),
		api(get, "/me/sign-ins", "session", "read", s.apiMySignIns),
		api(get, "/sign-ins", "signin", "read", s.apiFailedSignIns),
		api(put, "/organisations/:id/sso", "sso", "write", s.apiSetSSO),
		api(put, "/organisations/:id/two-factor", "security_policy", "write", s.apiTOTPPolicy),
		// Onboarding (issue 13 parts 1-2).
		hidden(api(post, "/organisations", "tenant", "write", s.apiCreateOrganisation)),
		hidden(api(get, "/organisations", "tenant", "read", s.apiOrganisations)),
		hidden(api(get, "/organisations/:id", "tenant", "read", s.apiOrganisation)),
		hidden(api(patch, "/organisations/:id", "tenant", "write", s.apiUpdateOrganisation)),
		hidden(api(post, "/organisations/:id/suspend", "tenant", "write", s.apiOrganisationStatus("suspended"))),
		hidden(api(post, "/organisations/:id/reactivate", "tenant", "write", s.apiOrganisationStatus("active"))),
		api(post, "/keys", "key", "write", s.apiCreateKey),
		api(get, "/keys", "key", "read", s.apiKeys),
		api(http.MethodDelete, "/keys/:id", "key", "write", s.apiRevokeKey),
		api(get, "/dashboard", "dashboard", "read", s.apiDashboard),
		api(get, "/agencies", "organisation", "read", s.apiAgencyViews),
		api(get, "/agencies/:id", "organisation", "read", s.apiAgencyView),
		api(put, "/agencies/:id/profile", "agency_profile", "write", s.apiAgencyProfile),
		api(post, "/agencies/:id/suspend", "organisation", "write", s.apiAgencyStatus("suspended")),
		api(post, "/agencies/:id/reactivate", "organisation", "write", s.apiAgencyStatus("active")),
		api(put, "/agencies/:id/contract", "contract", "write", s.apiContract),
		api(post, "/agencies/:id/contract/suspend", "contract", "write", s.apiContractStatus("suspended")),
		api(post, "/agencies/:id/contract/reactivate", "contract", "write", s.apiContractStatus("active")),
		upload(api(post, "/portfolios", "portfolio", "write", s.apiImport)),
		api(get, "/imports", "import", "read", s.apiImports),
		api(get, "/imports/:id", "import", "read", s.apiImportStatus),
		api(get, "/imports/:id/rejects.csv", "portfolio", "write", s.importRejectsCSV), // the rows hold personal data
		api(get, "/mappings", "mapping", "read", s.apiMappings),
		api(post, "/mappings", "mapping", "write", s.apiSaveMapping),
		api(get, "/portfolios", "portfolio", "read", s.apiPortfolios),
		api(get, "/portfolios/:id", "portfolio", "read", s.apiPortfolio),
		api(get, "/accounts", "account", "read", s.apiAccounts),
		api(get, "/accounts/:id", "account", "read", s.apiAccount),
		api(post, "/accounts/:id/unmask", "account", "unmask", s.apiUnmask),
		api(post, "/accounts/:id/payments", "payment", "write", s.apiPayment),
		upload(api(post, "/payments/import", "payment", "feed", s.apiPaymentFeed)),
		api(get, "/payments", "payment", "read", s.apiPayments),
		api(get, "/payments/:id", "payment", "read", s.apiGetPayment),
		stream(api(post, "/payments/:id/voucher", "payment", "write", s.apiPaymentVoucher)),
		api(post, "/payments/:id/confirm", "payment", "confirm", s.apiDecidePayment(true)),
		api(post, "/payments/:id/reject", "payment", "confirm", s.apiDecidePayment(false)),
		api(get, "/reconciliation/exceptions", "reconciliation", "read", s.apiExceptions),
		api(post, "/reconciliation/exceptions/:id/resolve", "reconciliation", "resolve", s.apiResolveException),
		api(get, "/invoices", "invoice", "read", s.apiInvoices),
		api(get, "/invoices/:id", "invoice", "read", s.apiInvoice),
		api(get, "/invoices/:id/export.:format", "invoice", "read", s.invoiceExport),
		api(post, "/invoices/:id/accept", "invoice", "review", s.apiReviewInvoice(true)),
		api(post, "/invoices/:id/dispute", "invoice", "review", s.apiReviewInvoice(false)),
		api(post, "/invoices/:id/approve", "invoice", "approve", s.apiApproveInvoice),
		api(post, "/invoices/:id/adjustments", "invoice", "approve", s.apiAdjustInvoice),
		api(get, "/queue", "queue", "read", s.apiQueue),
		api(get, "/follow-up", "queue", "read", s.apiFollowUp),
		api(get, "/models", "model", "read", s.apiModels),
		api(post, "/models/train", "model", "write", s.apiModelsTrain),
		api(get, "/accounts/:id/scores", "account", "read", s.apiAccountScores),
		api(get, "/collectors", "case", "assign", s.apiCollectors),
		api(post, "/accounts/assign", "case", "assign", s.apiAssign),
		api(post, "/accounts/:id/stage", "case", "write", s.apiStage),
		api(get, "/accounts/:id/next-stages", "account", "read", s.apiNextStages),
		api(post, "/accounts/:id/verification", "case", "write", s.apiVerification),
		api(post, "/accounts/:id/disputes", "dispute", "write", s.apiDispute),
		api(post, "/disputes/:id/resolve", "dispute", "resolve", s.apiResolveDispute),
		api(post, "/accounts/:id/contacts", "contact", "write", s.apiContact),
		api(get, "/accounts/:id/contact-permission", "account", "read", s.apiContactPermission),
		api(post, "/accounts/:id/requests", "debtor_request", "write", s.apiCreateRequest),
		api(http.MethodDelete, "/accounts/:id/requests/:rid", "debtor_request", "write", s.apiEndRequest),
		api(post, "/accounts/:id/holds", "care_hold", "write", s.apiCreateHold),
		api(post, "/holds/:id/lift", "care_hold", "write", s.apiLiftHold),
		api(get, "/accounts/:id/contacts", "account", "read", s.apiContacts),
		api(get, "/accounts/:id/messages", "contact", "write", s.apiMessages),
		api(post, "/accounts/:id/arrangements", "arrangement", "write", s.apiArrangement),
		api(get, "/accounts/:id/arrangements", "account", "read", s.apiArrangements),
		api(get, "/arrangements/pending", "arrangement", "approve", s.apiPendingArrangements),
		api(post, "/arrangements/:id/approve", "arrangement", "approve", s.apiDecideArrangement(true)),
		api(post, "/arrangements/:id/reject", "arrangement", "approve", s.apiDecideArrangement(false)),
		api(post, "/accounts/:id/legal-referrals", "legal", "refer", s.apiLegalReferral),
		api(post, "/legal-cases/:id/status", "legal", "advance", s.apiLegalStatus),
		api(post, "/legal-cases/:id/costs", "legal", "advance", s.apiLegalCost),
		api(get, "/legal-cases/:id/evidence.zip", "legal", "read", s.legalEvidence),
		api(post, "/allocations", "allocation", "write", s.apiCreatePlan),
		api(get, "/allocations", "allocation", "read", s.apiListPlans),
		api(get, "/allocations/:id", "allocation", "read", s.apiPlan),
		api(get, "/allocations/:id/assignments", "allocation", "read", s.apiPlanAssignments),
		api(post, "/allocations/:id/commit", "allocation", "write", s.apiCommitPlan),
		api(post, "/allocations/:id/discard", "allocation", "write", s.apiDiscardPlan),
		api(get, "/placements", "placement", "read", s.apiPlacementList),
		api(post, "/placements/accept", "placement", "accept", s.placementStep(s.store.AcceptPlacements)),
		api(post, "/placements/decline", "placement", "accept", s.placementStep(s.store.DeclinePlacements)),
		api(post, "/placements/recall", "placement", "recall", s.placementStep(s.store.RecallPlacements)),
		api(post, "/placements/return", "placement", "return", s.placementStep(s.store.ReturnPlacements)),
		api(post, "/placements/:id/accept", "placement", "accept", s.placementStep(s.store.AcceptPlacements)),
		api(post, "/placements/:id/decline", "placement", "accept", s.placementStep(s.store.DeclinePlacements)),
		api(post, "/placements/:id/recall", "placement", "recall", s.placementStep(s.store.RecallPlacements)),
		api(post, "/placements/:id/return", "placement", "return", s.placementStep(s.store.ReturnPlacements)),
		api(post, "/tenders", "tender", "write", s.apiCreateTender),
		api(get, "/tenders", "tender", "read", s.apiTenders),
		api(get, "/tenders/:id", "tender", "read", s.apiTender),
		api(post, "/tenders/:id/bids", "bid", "write", s.apiBid),
		api(post, "/tenders/:id/award", "tender", "write", s.apiAward),
		api(get, "/commissions", "commission", "read", s.apiCommissions),
		api(get, "/commissions.csv", "commission", "read", s.apiCommissionsCSV),
		api(get, "/oversight/kpis", "oversight", "read", s.apiKPIs),
		api(get, "/oversight/scorecards", "scorecard", "read", s.apiScorecards),
		api(get, "/oversight/roll-rates", "oversight", "read", s.apiRollRates),
		api(put, "/oversight/scorecard-weights", "scorecard", "write", s.apiSaveWeights),
		api(get, "/oversight/breaches", "breach", "read", s.apiBreaches),
		api(patch, "/oversight/breaches/:id", "breach", "write", s.apiUpdateBreach),
		api(post, "/agencies/:id/evaluations", "evaluation", "write", s.apiEvaluate),
		api(get, "/agencies/:id/evaluations", "evaluation", "read", s.apiEvaluations),
		api(get, "/audit/export.csv", "audit", "read", s.auditExport),
		api(post, "/complaints", "complaint", "write", s.apiCreateComplaint),
		api(get, "/complaints", "complaint", "read", s.apiComplaints),
		api(get, "/complaints/:id", "complaint", "read", s.apiComplaint),
		api(patch, "/complaints/:id", "complaint", "update", s.apiUpdateComplaint),
		api(get, "/audit", "audit", "read", s.apiAudit),
		api(get, "/audit/verify", "audit", "verify", s.apiAuditVerify),
		// The collector roster (issue 13, part 7).
		api(get, "/roster", "roster", "read", s.apiRoster),
		api(put, "/roster/:id", "roster", "write", s.apiPutRoster),

		// People.
		api(post, "/organisations/:id/invites", "people", "write", s.apiCreateInvite),
		api(get, "/invites", "people", "read", s.apiInvites),
		api(post, "/invites/:id/resend", "people", "write", s.apiResendInvite),
		public(post, "/api/v1/invites/:token/accept", false, s.apiAcceptInvite),
		public(post, "/api/v1/resets/:token/accept", false, s.apiResetPassword),
		api(get, "/users", "people", "read", s.apiUsers),
		api(get, "/users/:id", "people", "read", s.apiUser),
		api(patch, "/users/:id", "people", "write", s.apiSetRoles),
		api(get, "/users/:id/open-work", "people", "read", s.apiOpenWork),
		api(post, "/users/:id/deactivate", "people", "write", s.apiDeactivate),
		api(post, "/users/:id/reactivate", "people", "write", s.apiReactivate),
		api(post, "/users/:id/reset-password", "people", "write", s.apiIssueReset),
		api(post, "/me/password", "session", "write", s.apiChangePassword),

		// Evidence and quality (issue 16).
		stream(api(post, "/contacts/:id/attachments", "attachment", "write", s.uploadAttachment)),
		api(get, "/contacts/:id/attachments", "attachment", "read", s.apiContactAttachments),
		stream(api(post, "/legal-cases/:id/attachments", "attachment", "write", s.uploadCaseAttachment)),
		api(get, "/legal-cases/:id/attachments", "attachment", "read", s.apiCaseAttachments),
		stream(api(post, "/attachments/bulk", "attachment", "write", s.apiBulkRecordings)),
		api(get, "/attachments/:id", "attachment", "read", s.attachmentBytes),
		api(get, "/attachments/:id/verify", "attachment", "read", s.apiVerifyAttachment),
		api(post, "/attachments/:id/legal-hold", "attachment", "hold", s.apiLegalHold),
		api(get, "/qa/checklist", "qa", "read", s.apiQAChecklist),
		api(put, "/qa/checklist", "qa_checklist", "write", s.apiSaveQAChecklist),
		api(post, "/qa/plans", "qa", "write", s.apiCreateQAPlan),
		api(get, "/qa/plans", "qa", "read", s.apiQAPlans),
		api(get, "/qa/plans/:id", "qa", "read", s.apiQAPlan),
		api(post, "/qa/plans/:id/draw", "qa", "write", s.apiDrawQASample),
		api(get, "/qa/samples", "qa", "read", s.apiQASamples),
		api(get, "/qa/samples/:id", "qa", "read", s.apiQASample),
		api(post, "/qa/samples/:id/review", "qa", "review", s.apiReviewQASample),
		api(get, "/qa/findings", "qa_finding", "read", s.apiQAFindings),
		api(post, "/qa/findings/:id/answer", "qa_finding", "answer", s.apiAnswerQAFinding),
		api(get, "/oversight/quality", "oversight", "read", s.apiQuality),
		api(get, "/oversight/money", "oversight", "read", s.apiMoneyFigures),
	}
}
