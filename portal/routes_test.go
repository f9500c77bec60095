package portal_test

import (
	"bytes"
	"collect"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"collect/policies"
	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store/storetest"
)

func TestEveryRouteDeclaresAPermission(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	enf, err := policies.NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range h.srv.Routes() {
		if r.Public {
			if !publicAllowed(r.Path) {
				t.Errorf("%s %s is public but is not health, login, language or a static asset", r.Method, r.Path)
			}
			continue
		}
		if r.Object == "" || r.Action == "" {
			t.Errorf("%s %s declares no Casbin object and action", r.Method, r.Path)
			continue
		}
		granted := false
		for _, role := range collect.Roles {
			if ok, _ := enf.Enforce(role, r.Object, r.Action); ok {
				granted = true
			}
		}
		if !granted {
			t.Errorf("%s %s needs (%s, %s), which no role holds: a typo?", r.Method, r.Path, r.Object, r.Action)
		}
	}
}

func publicAllowed(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics", "/static/*", "/favicon.ico", "/login", "/login/code", "/lang/:code", "/api/v1/auth/token",
		"/invite/:token", "/sso/start", "/sso/callback", "/reset/:token", "/api/v1/invites/:token/accept", "/api/v1/resets/:token/accept": // one-time links: the token is the credential
		return true
	}
	return false
}

func TestAuditorsOnlyRead(t *testing.T) {
	t.Parallel()
	enf, err := policies.NewEnforcer()
	if err != nil {
		t.Fatal(err)
	}
	perms, err := enf.GetImplicitPermissionsForUser(collect.RoleAuditor)
	if err != nil || len(perms) == 0 {
		t.Fatalf("auditor permissions: %v %v", perms, err)
	}
	for _, p := range perms {
		obj, act := p[1], p[2]
		if obj == "session" {
			continue // logging out is the auditor's own session
		}
		// unmask shows one record's personal data for a reason; it changes
		// nothing but the audit trail.
		// A quality review is the auditor's measure of conduct (issue 16):
		// it records a judgement of an agency's call and changes no
		// account, contact or money.
		if obj == "qa" && act == "review" {
			continue
		}
		if act != "read" && act != "verify" && act != "unmask" {
			t.Errorf("the auditor role may %s %s; auditors change nothing", act, obj)
		}
	}
}

// foreign holds objects of an organisation that none of the demo users
// belongs to: a second lender's portfolio and account, placed with Agency C.
type foreign struct {
	lender, portfolio, account, placement, agencyC, tender, allocation, importID string
	dispute, arrangement, legalCase, complaint, breach                           string
}

func addForeignLender(t *testing.T, h *harness) foreign {
	t.Helper()
	f := foreign{lender: "other-bank", portfolio: "other-portfolio", account: "other-account", placement: "other-placement",
		tender: "other-tender", allocation: "other-allocation", importID: "other-import",
		dispute: "other-dispute", arrangement: "other-arrangement", legalCase: "other-legal", complaint: "other-complaint", breach: "other-breach"}
	f.agencyC = h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency C'`)
	now := time.Now().UTC()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO organisations (id, kind, name, created_at) VALUES ($1, 'lender', 'Other Bank', $2)`, []any{f.lender, now}},
		{`INSERT INTO portfolios (id, lender_id, name, imported_at) VALUES ($1, $2, 'Other portfolio', $3)`, []any{f.portfolio, f.lender, now}},
		{`INSERT INTO accounts (id, lender_id, portfolio_id, external_ref, debtor_name, national_id, phone, province, principal_cents, balance_cents, due_date, dpd, bucket, created_at, updated_at)
		  VALUES ($1, $2, $3, 'OB-1', '外人', '110101199003078515', '13800138000', '北京市', 100000, 90000, '2026-01-01', 40, 'M2', $4, $4)`, []any{f.account, f.lender, f.portfolio, now}},
		{`INSERT INTO placements (id, account_id, agency_id, lender_id, status, created_at, starts_at, ends_at) VALUES ('other-placement', $1, $2, $3, 'active', $4, $4, $4)`, []any{f.account, f.agencyC, f.lender, now}},
		{`INSERT INTO tenders (id, lender_id, portfolio_id, title, status, summary, account_ids, closes_at, created_by, created_at)
		  VALUES ('other-tender', $1, $2, 'Other tender', 'open', '{}', '[]', $3, 'x', $4)`, []any{f.lender, f.portfolio, now.Add(48 * time.Hour), now}},
		{`INSERT INTO tender_agencies (tender_id, agency_id) VALUES ('other-tender', $1)`, []any{f.agencyC}},
		{`INSERT INTO imports (id, lender_id, name, filename, status, created_by, created_at) VALUES ('other-import', $1, 'x', 'x.csv', 'done', 'x', $2)`, []any{f.lender, now}},
		{`INSERT INTO breaches (id, lender_id, agency_id, account_id, rule, severity, source, source_id, message, occurred_at, detected_at, updated_at)
		  VALUES ('other-breach', $1, $2, $3, 'cn.quiet_hours', 'medium', 'detector', 'x', 'x', $4, $4, $4)`, []any{f.lender, f.agencyC, f.account, now}},
		{`INSERT INTO complaints (id, lender_id, account_id, agency_id, category, description, status, received_at, ack_due, resolve_due, created_by, updated_at)
		  VALUES ('other-complaint', $1, $2, $3, 'other', 'x', 'received', $4, $4, $4, 'x', $4)`, []any{f.lender, f.account, f.agencyC, now}},
		{`INSERT INTO disputes (id, account_id, lender_id, reason, status, raised_by, raised_at) VALUES ('other-dispute', $1, $2, 'x', 'open', 'x', $3)`, []any{f.account, f.lender, now}},
		{`INSERT INTO arrangements (id, account_id, lender_id, agency_id, kind, status, amount_cents, maker_id, created_at) VALUES ('other-arrangement', $1, $2, $3, 'promise', 'pending_approval', 100, 'x', $4)`, []any{f.account, f.lender, f.agencyC, now}},
		{`INSERT INTO legal_cases (id, account_id, lender_id, agency_id, status, estimate, limitation_expires, referred_by, created_at, updated_at) VALUES ('other-legal', $1, $2, $3, 'referred', '{}', '2029-01-01', 'x', $4, $4)`, []any{f.account, f.lender, f.agencyC, now}},
		{`INSERT INTO users (id, organisation_id, email, name, password_hash, created_at) VALUES ('other-user', $1, 'someone@other-bank.test', 'Someone', 'x', $2)`, []any{f.lender, now}},
		{`INSERT INTO memberships (user_id, role) VALUES ('other-user', 'vendor_manager')`, nil},
		{`INSERT INTO api_keys (id, organisation_id, name, roles, key_hash, created_by, created_at) VALUES ('other-key', $1, 'k', '["integration"]', 'x', 'x', $2)`, []any{f.lender, now}},
		{`INSERT INTO user_tokens (id, kind, token_hash, organisation_id, email, name, roles, created_by, created_at, expires_at)
		  VALUES ('other-invite', 'invite', 'x', $1, 'invited@other-bank.test', 'Invited', 'auditor', 'x', $2, $3)`, []any{f.lender, now, now.Add(72 * time.Hour)}},
		{`INSERT INTO allocations (id, lender_id, portfolio_id, strategy, params, seed, status, summary, created_by, created_at)
		  VALUES ('other-allocation', $1, $2, 'manual', '{}', 1, 'draft', '{}', 'x', $3)`, []any{f.lender, f.portfolio, now}},
		// Money (issue 17): a payment Agency C reported on the other lender's
		// account, and an exception of the other lender's feed on it.
		{`INSERT INTO payments (id, account_id, lender_id, agency_id, amount_cents, currency, paid_at, paid_on, reference, source, channel, status, recorded_by, created_at)
		  VALUES ('other-payment', $1, $2, $3, 100, 'CNY', $4, '2026-01-01', 'OB-PAY', 'agency', 'agency_reported_direct', 'reported', 'x', $4)`, []any{f.account, f.lender, f.agencyC, now}},
		{`INSERT INTO payment_exceptions (id, lender_id, agency_id, account_id, payment_id, reason, created_at)
		  VALUES ('other-exception', $1, $2, $3, 'other-payment', 'no_feed_record', $4)`, []any{f.lender, f.agencyC, f.account, now}},
		{`INSERT INTO invoices (id, lender_id, agency_id, month, status, created_at, updated_at) VALUES ('other-invoice', $1, $2, '2026-01', 'agency_accepted', $3, $3)`, []any{f.lender, f.agencyC, now}},
		// A collector of Agency C, for the roster (issue 13, part 7).
		{`INSERT INTO users (id, organisation_id, email, name, password_hash, created_at) VALUES ('other-collector', $1, 'c@agency-c.test', 'C', 'x', $2)`, []any{f.agencyC, now}},
		{`INSERT INTO memberships (user_id, role) VALUES ('other-collector', 'collector')`, nil},
		// Evidence and quality (issue 16): a call of Agency C on the other
		// bank's account, its recording, a sampling plan and a sample of the
		// other bank (one id for both), and a finding.
		{`INSERT INTO contacts (id, account_id, lender_id, agency_id, placement_id, collector_id, channel, party, direction, at, outcome, created_at)
		  VALUES ('other-contact', $1, $2, $3, 'other-placement', 'other-collector', 'call', 'debtor', 'outbound', $4, 'right_party_contact', $4)`, []any{f.account, f.lender, f.agencyC, now}},
		{`INSERT INTO attachments (id, lender_id, agency_id, account_id, contact_id, kind, content_type, size, sha256, profile, uploaded_by, uploaded_org, uploaded_at, retain_until)
		  VALUES ('other-attachment', $1, $2, $3, 'other-contact', 'recording', 'audio/wav', 4, $4, 'china', 'other-collector', $2, $5, $5)`,
			[]any{f.lender, f.agencyC, f.account, strings.Repeat("ab", 32), now}},
		{`INSERT INTO qa_plans (id, owner_id, owner_kind, name, random_share, seed, created_by, created_at) VALUES ('other-qa', $1, 'lender', 'p', 0.1, 1, 'x', $2)`, []any{f.lender, now}},
		{`INSERT INTO qa_samples (id, plan_id, period, owner_id, lender_id, agency_id, account_id, contact_id, collector_id, contact_at, reason, checklist, drawn_at)
		  VALUES ('other-qa', 'other-qa', '2026-W01', $1, $1, $2, $3, 'other-contact', 'other-collector', $4, 'random', '[]', $4)`, []any{f.lender, f.agencyC, f.account, now}},
		{`INSERT INTO qa_reviews (id, sample_id, reviewer_id, reviewer_org, lender_id, agency_id, collector_id, contact_at, is_primary, items, critical_failed, created_at)
		  VALUES ('other-review', 'other-qa', 'other-user', $1, $1, $2, 'other-collector', $3, TRUE, '[]', FALSE, $3)`, []any{f.lender, f.agencyC, now}},
		{`INSERT INTO qa_findings (id, review_id, sample_id, owner_id, lender_id, agency_id, collector_id, contact_id, item, critical, created_at)
		  VALUES ('other-finding', 'other-review', 'other-qa', $1, $1, $2, 'other-collector', 'other-contact', 'no_threats', TRUE, $3)`, []any{f.lender, f.agencyC, now}},
	} {
		if _, err := h.store.DB().Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	return f
}

var paramRe = regexp.MustCompile(`:[a-z]+`)

// TestRouteRoleForeignObject walks every route × every demo role × an object
// of another organisation (a second lender's portfolio, account, placement,
// plan and tender; Agency C for agency staff). A role without the permission
// gets 403; a role with it gets 404 for the other organisation's object, with
// a valid body so nothing but the scope can refuse it. The agency directory
// and the lender's own contract terms with an agency are open to lenders and
// the platform by design; lists and statements have no object and answer.
func TestRouteRoleForeignObject(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		f := addForeignLender(t, h)
		enf, err := policies.NewEnforcer()
		if err != nil {
			t.Fatal(err)
		}
		roleOf := map[string]string{}
		for _, l := range demo.Logins {
			roleOf[l.Email] = l.Role
		}
		ids := map[string]string{"account": f.account, "portfolio": f.portfolio, "organisation": f.agencyC,
			"agency_profile": f.agencyC, "contract": f.agencyC, "payment": "other-payment", "reconciliation": "other-exception", "invoice": "other-invoice", "allocation": f.allocation,
			"placement": f.placement, "tender": f.tender, "bid": f.tender, "import": f.importID, "complaint": f.complaint,
			"breach": f.breach, "evaluation": f.agencyC, "tenant": f.agencyC, "roster": "other-collector", "people": "other-user", "key": "other-key", "sso": f.lender, "security_policy": f.lender,
			"attachment": "other-attachment", "qa": "other-qa", "qa_finding": "other-finding"}
		soon := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
		bodies := map[string]string{
			"PUT /api/v1/agencies/:id/profile":        `{"licensed_provinces":["*"],"accepted_buckets":[],"capacity":10}`,
			"PUT /api/v1/agencies/:id/contract":       `{"fee_schedule":{"M1":800},"term_days":90,"accept_days":5,"max_instalments":6,"starts_on":"2026-01-01","ends_on":"2027-12-31"}`,
			"POST /api/v1/accounts/:id/payments":      `{"amount_cents":100,"paid_at":"2026-01-02T10:00:00Z"}`,
			"POST /api/v1/allocations":                `{"portfolio_id":"` + f.portfolio + `","strategy":"capacity_balanced","params":{},"seed":1}`,
			"POST /api/v1/placements/accept":          `{"ids":["` + f.placement + `"]}`,
			"POST /api/v1/placements/decline":         `{"ids":["` + f.placement + `"],"reason":"r"}`,
			"POST /api/v1/placements/recall":          `{"ids":["` + f.placement + `"],"reason":"r"}`,
			"POST /api/v1/placements/return":          `{"ids":["` + f.placement + `"],"reason":"r"}`,
			"POST /api/v1/placements/:id/decline":     `{"reason":"r"}`,
			"POST /api/v1/placements/:id/recall":      `{"reason":"r"}`,
			"POST /api/v1/placements/:id/return":      `{"reason":"r"}`,
			"POST /api/v1/tenders":                    `{"portfolio_id":"` + f.portfolio + `","title":"t","closes_at":"` + soon + `"}`,
			"POST /api/v1/tenders/:id/bids":           `{"fee_rate_bp":1000,"expected_liquidation_bp":1000,"capacity":10}`,
			"POST /api/v1/tenders/:id/award":          `{"awards":[{"bid_id":"x","share":1}]}`,
			"POST /api/v1/mappings":                   `{"name":"m","mapping":{"external_ref":"Loan No"}}`,
			"POST /api/v1/accounts/:id/stage":         `{"to":"first_contact"}`,
			"POST /api/v1/accounts/:id/verification":  `{"identity_ok":true,"contact_ok":true,"amount_ok":true,"dpd_ok":true}`,
			"POST /api/v1/accounts/:id/disputes":      `{"reason":"not mine"}`,
			"POST /api/v1/disputes/:id/resolve":       `{"upheld":false,"resolution":"checked"}`,
			"POST /api/v1/accounts/:id/contacts":      `{"channel":"call","party":"debtor","outcome":"no_answer"}`,
			"POST /api/v1/accounts/:id/arrangements":  `{"kind":"promise","amount_cents":100,"first_due":"2030-01-01"}`,
			"POST /api/v1/accounts/assign":            `{"account_ids":["` + f.account + `"],"collector_id":""}`,
			"POST /api/v1/legal-cases/:id/status":     `{"status":"approved"}`,
			"POST /api/v1/legal-cases/:id/costs":      `{"kind":"court_fee","amount_cents":100,"incurred_on":"2026-01-02"}`,
			"POST /api/v1/portfolios":                 "multipart:" + string(csvOf(t, 3, "en")),
			"POST /portfolios/import":                 "multipart:" + string(csvOf(t, 3, "en")),
			"POST /mappings":                          "form:name=m2&col_external_ref=Loan+No",
			"POST /queue/assign":                      "form:collector_id=&ids=" + f.account,
			"POST /oversight/weights":                 "form:liquidation=100&rpc=0&ptp_kept=0&complaints=0&breaches=0&cost_to_collect=0",
			"POST /accounts/:id/unmask":               "form:reason=complaint+check",
			"POST /accounts/:id/payments":             "form:amount=1&paid_at=2026-01-02&reference=R-1",
			"POST /api/v1/accounts/:id/unmask":        `{"reason":"complaint check"}`,
			"POST /complaints":                        "form:external_ref=OB-1&category=other&description=x",
			"POST /complaints/:id":                    "form:status=acknowledged",
			"POST /complaints/:id/answer":             "form:agency_response=x",
			"POST /breaches/:id":                      "form:status=remediated&remediation=x",
			"POST /agencies/:id/evaluations":          "form:kind=annual&period=2026&conduct_score=80&quality_score=80&efficiency_score=80&infosec_score=80&decision=renew",
			"POST /api/v1/payments/import":            "external_ref,amount,paid_at\n",
			"POST /api/v1/complaints":                 `{"account_id":"` + f.account + `","category":"other","description":"x"}`,
			"PATCH /api/v1/complaints/:id":            `{"agency_response":"x"}`,
			"POST /api/v1/accounts/:id/requests":      `{"kind":"cease"}`,
			"POST /api/v1/accounts/:id/holds":         `{"kind":"bereavement","consent":true,"until":"` + time.Now().AddDate(0, 0, 30).Format(time.DateOnly) + `"}`,
			"POST /api/v1/holds/:id/lift":             `{"reason":"x"}`,
			"POST /accounts/:id/requests":             "form:kind=cease",
			"POST /accounts/:id/requests/:rid/end":    "form:reason=x",
			"POST /accounts/:id/holds":                "form:kind=bereavement&consent=true&until=" + time.Now().AddDate(0, 0, 30).Format(time.DateOnly),
			"POST /holds/:id/lift":                    "form:reason=x",
			"PUT /api/v1/oversight/scorecard-weights": `{"liquidation":1,"rpc":0,"ptp_kept":0,"complaints":0,"breaches":0,"cost_to_collect":0}`,
			"PATCH /api/v1/oversight/breaches/:id":    `{"status":"remediated","remediation":"x"}`,
			"POST /api/v1/agencies/:id/evaluations":   `{"kind":"annual","period":"2026","conduct_score":80,"quality_score":80,"efficiency_score":80,"infosec_score":80,"decision":"renew"}`,
			"POST /accounts/:id/stage":                "form:to=first_contact",
			"POST /accounts/:id/verification":         "form:identity_ok=true&contact_ok=true&amount_ok=true&dpd_ok=true",
			"POST /accounts/:id/contacts":             "form:channel=call&party=debtor&outcome=no_answer",
			"POST /accounts/:id/arrangements":         "form:kind=promise&amount=1&first_due=2030-01-01",
			"POST /accounts/:id/disputes":             "form:reason=not+mine",
			"POST /accounts/:id/legal-referrals":      "form:note=x",
			"POST /disputes/:id/resolve":              "form:upheld=false&resolution=checked",
			"POST /legal-cases/:id/status":            "form:status=approved",
			"POST /legal-cases/:id/costs":             "form:kind=court_fee&amount=1&incurred_on=2026-01-02",
			"POST /allocations":                       "form:portfolio_id=" + f.portfolio + "&strategy=capacity_balanced&seed=1",
			"POST /placements/action":                 "form:action=recall&reason=r&ids=" + f.placement,
			"POST /agencies/:id/profile":              "form:provinces=*&capacity=10",
			"POST /agencies/:id/contract":             "form:fee_M1=8&term_days=90&accept_days=5&max_instalments=6&starts_on=2026-01-01&ends_on=2027-12-31",
			"POST /agencies/:id/contract/status":      "form:status=suspended",
			"POST /tenders":                           "form:portfolio_id=" + f.portfolio + "&title=t&closes_at=" + time.Now().Add(72*time.Hour).UTC().Format("2006-01-02T15:04"),
			"POST /tenders/:id/bids":                  "form:fee_pct=10&expected_pct=10&capacity=10",
			"POST /tenders/:id/award":                 "form:share_x=100",
			"POST /people/two-factor":                 "form:totp_required=none",
			"POST /people/invite":                     "form:organisation_id=other-bank&email=walk-page@other-bank.test&name=W&roles=org_admin",
			"POST /api/v1/organisations/:id/invites":  `{"email":"walk-api@other-bank.test","name":"W","roles":["org_admin"]}`,
			"POST /people/:id/roles":                  "form:roles=vendor_manager&roles=auditor",
			"PATCH /api/v1/users/:id":                 `{"roles":["vendor_manager"]}`,
			// A wrong current password: the permission lets it through, the
			// store refuses it, and the demo password stays.
			"POST /me/password":                                  "form:current=wrong-password&password=a-long-new-phrase&password_again=a-long-new-phrase",
			"POST /api/v1/me/password":                           `{"current":"wrong-password","new":"a-long-new-phrase"}`,
			"PUT /api/v1/roster/:id":                             `{"staff_no":"C-1","verified_on":"2026-01-02","nda_signed_on":"2026-01-02","trained_on":"2026-01-02","exam_passed_on":"2026-01-02"}`,
			"POST /roster/:id":                                   "form:staff_no=C-1&verified_on=2026-01-02&nda_signed_on=2026-01-02&trained_on=2026-01-02&exam_passed_on=2026-01-02",
			"POST /api/v1/organisations":                         `{"kind":"agency","name":"丁信催收服务有限公司","credit_code":"91350100M000100Y43"}`,
			"PATCH /api/v1/organisations/:id":                    `{"name_en":"Agency C Ltd"}`,
			"POST /admin/organisations":                          "form:kind=agency&name=戊信&credit_code=914403001922038216",
			"POST /admin/organisations/:id":                      "form:name=丙和商务咨询有限公司&name_en=Agency+C&time_zone=Asia/Shanghai",
			"POST /admin/organisations/:id/status":               "form:status=active",
			"POST /api/v1/me/totp/confirm":                       `{"code":"000000"}`,
			"POST /me/security/confirm":                          "form:code=000000",
			"PUT /api/v1/organisations/:id/two-factor":           `{"totp_required":"none"}`,
			"POST /api/v1/keys":                                  `{"name":"walk","roles":["integration"]}`,
			"POST /keys":                                         "form:name=walk",
			"POST /sso":                                          "form:issuer=https://login.walk.example&client_id=x&email_domain=walk.example",
			"POST /api/v1/attachments/:id/legal-hold":            `{"hold":true,"reason":"court order"}`,
			"POST /attachments/:id/legal-hold":                   "form:reason=court+order",
			"POST /api/v1/attachments/bulk":                      "bulk:",
			"PUT /api/v1/qa/checklist":                           `{"items":[{"item":"walk","label":"Walk","weight":1}]}`,
			"POST /api/v1/qa/plans":                              `{"name":"walk","random_share":0.1}`,
			"POST /api/v1/payments/:id/reject":                   `{"reason":"walk"}`,
			"POST /api/v1/invoices/:id/adjustments":              `{"amount_cents":100,"reason":"walk"}`,
			"POST /api/v1/invoices/:id/dispute":                  `{"reason":"walk"}`,
			"POST /invoices/:id/dispute":                         "form:reason=walk",
			"POST /payments/:id/reject":                          "form:reason=walk",
			"POST /reconciliation/exceptions/:id/resolve":        "form:action=confirm",
			"POST /reconciliation/feed":                          "multipart:external_ref,amount,paid_at\n",
			"POST /api/v1/reconciliation/exceptions/:id/resolve": `{"action":"confirm"}`,
			"POST /qa/plans":                                     "form:name=walk&share_pct=10",
			"POST /qa/checklist":                                 "form:item=walk&label=Walk&label_zh=走查&weight=1",
			"POST /api/v1/qa/samples/:id/review":                 `{"items":[]}`,
			"POST /api/v1/qa/findings/:id/answer":                `{"answer":"x"}`,
			"POST /qa/findings/:id/answer":                       "form:answer=x",
			"PUT /api/v1/organisations/:id/sso":                  `{"enabled":true,"issuer":"https://login.other.example","client_id":"x","email_domain":"other.example","default_roles":["auditor"]}`,
		}
		refusedBody := map[string]bool{"POST /me/password": true, "POST /api/v1/me/password": true}
		// Routes a role reaches but the walk cannot satisfy: confirming a
		// second factor needs a code from the user's own app.
		reachedOnly := map[string]bool{"POST /api/v1/me/totp/confirm": true, "POST /me/security/confirm": true}
		// Routes whose body names the other organisation's object.
		foreignInBody := map[string]bool{"POST /api/v1/allocations": true, "POST /api/v1/tenders": true,
			"POST /api/v1/placements/accept": true, "POST /api/v1/placements/decline": true,
			"POST /api/v1/placements/recall": true, "POST /api/v1/placements/return": true,
			"POST /allocations": true, "POST /tenders": true, "POST /api/v1/accounts/assign": true, "POST /queue/assign": true, "POST /api/v1/complaints": true, "POST /complaints": true,
			"POST /people/invite": true}
		openToLenders := map[string]bool{"organisation": true, "contract": true, "agency_profile": true, "evaluation": true,
			"tenant": true} // the platform administrator's alone; hidden (404) from everybody else
		for _, l := range demo.Logins {
			for _, r := range h.srv.Routes() {
				if r.Public {
					continue
				}
				key := r.Method + " " + r.Path
				t.Run(l.Role+"/"+key, func(t *testing.T) {
					path := strings.ReplaceAll(r.Path, ":format", "csv")
					hasID := strings.Contains(path, ":id")
					if hasID {
						id := ids[r.Object]
						switch {
						case strings.Contains(r.Path, "/accounts/:id"):
							id = f.account
						case strings.Contains(r.Path, "/disputes/:id"):
							id = f.dispute
						case strings.Contains(r.Path, "/arrangements/:id"):
							id = f.arrangement
						case strings.Contains(r.Path, "/legal-cases/:id"):
							id = f.legalCase
						case strings.Contains(r.Path, "/organisations/:id/invites"):
							id = f.lender
						case strings.Contains(r.Path, "/invites/:id"):
							id = "other-invite"
						case strings.Contains(r.Path, "/holds/:id"):
							id = "other-hold"
						case strings.Contains(r.Path, "/contacts/:id"):
							id = "other-contact"
						}
						path = paramRe.ReplaceAllString(path, id)
					}
					allowed, _ := enf.Enforce(roleOf[l.Email], r.Object, r.Action)
					status := h.request(l.Email, r, path, bodies[key])
					agencyStaff := strings.Contains(l.Email, "agency")
					var want string
					switch {
					case !allowed && r.Hidden:
						want = "404" // the platform's own pages are not told to others
					case !allowed:
						want = "403"
					case hasID && (r.Object == "sso" || r.Object == "security_policy") && roleOf[l.Email] == "platform_admin":
						want = "2xx/3xx" // the platform administrator sets any organisation's provider
					case hasID && openToLenders[r.Object] && !agencyStaff:
						want = "2xx/3xx"
					case refusedBody[key]:
						want = "422"
					case r.Object == "people" && roleOf[l.Email] == collect.RolePlatformAdmin:
						want = "2xx/3xx" // the platform administers every organisation's people
					case key == "POST /placements/action":
						// The button names the action: recall, which only the
						// vendor manager holds; the placement is another lender's.
						want = "403"
						if ok, _ := enf.Enforce(roleOf[l.Email], "placement", "recall"); ok {
							want = "404"
						}
					case key == "POST /sso" && roleOf[l.Email] == "platform_admin":
						want = "404" // the platform has no provider of its own
					case key == "POST /sso":
						want = "2xx/3xx/422" // the second organisation's walk names the first's domain: taken
					case reachedOnly[key]:
						want = "409/422"
					case hasID || foreignInBody[key]:
						want = "404"
					default:
						want = "2xx/3xx"
					}
					ok := fmt.Sprint(status) == want || (want == "2xx/3xx" && status >= 200 && status < 400) ||
						(want == "409/422" && (status == 409 || status == 422)) ||
						(want == "2xx/3xx/422" && (status >= 200 && status < 400 || status == 422))
					if !ok {
						t.Fatalf("%s %s as %s: got %d, want %s", r.Method, path, l.Email, status, want)
					}
				})
			}
		}
	})
}

// request sends r as email: bearer token for the API, session cookie and
// CSRF token for pages. Routes that revoke the session drop the cached token.
func (h *harness) request(email string, r portal.Route, path, body string) int {
	h.t.Helper()
	token := h.token(email)
	defer func() {
		if strings.HasSuffix(r.Path, "logout") {
			delete(h.tokens, email)
		}
	}()
	if !r.Page {
		if rest, ok := strings.CutPrefix(body, "multipart:"); ok {
			res, _ := h.postFile(token, "p.csv", strings.NewReader(rest), map[string]string{"name": "walk"})
			return res.StatusCode
		}
		if body == "bulk:" { // a telephony batch whose one recording matches no call of the caller's
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("manifest", `[{"file":"walk.wav","call_id":"walk"}]`)
			fw, _ := mw.CreateFormFile("file", "walk.wav")
			fw.Write([]byte("RIFF walk"))
			mw.Close()
			req, _ := http.NewRequest(r.Method, h.http.URL+path, &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				h.t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		var b any
		if body != "" {
			b = body
		}
		res, _ := h.do(r.Method, path, token, b)
		return res.StatusCode
	}
	c := h.pageClient(token)
	var rd io.Reader
	contentType := ""
	if rest, ok := strings.CutPrefix(body, "form:"); ok {
		rd, contentType = strings.NewReader(rest), "application/x-www-form-urlencoded"
	} else if rest, ok := strings.CutPrefix(body, "multipart:"); ok {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("name", "walk")
		fw, _ := mw.CreateFormFile("file", "p.csv")
		fw.Write([]byte(rest))
		mw.Close()
		rd, contentType = &buf, mw.FormDataContentType()
	}
	req, _ := http.NewRequest(r.Method, h.http.URL+path, rd)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if r.Method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// pageClient is a browser-like client: a cookie jar with the session and the
// CSRF cookie, no redirects followed.
type pageClient struct {
	*http.Client
	csrf string
}

var csrfInput = regexp.MustCompile(`name="_csrf"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="_csrf"`)

func (h *harness) pageClient(token string) pageClient {
	h.t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(h.http.URL)
	if token != "" {
		jar.SetCookies(u, []*http.Cookie{{Name: "portal_session", Value: token, Path: "/"}})
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The login page hands out the CSRF cookie and token.
	res, err := c.Get(h.http.URL + "/login")
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	m := csrfInput.FindSubmatch(page)
	if m == nil {
		h.t.Fatalf("no CSRF token in the login page")
	}
	tok := m[1]
	if len(tok) == 0 {
		tok = m[2]
	}
	return pageClient{Client: c, csrf: string(tok)}
}
