package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"collect/allocation"
	"collect/portal"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

// TestBrowserOnboardingJourney is issue 13's journey from an empty portal,
// each person in a browser of their own: the platform administrator (made
// from the command line's store call) onboards a lender and an agency and
// invites their administrators; each sets a password from the one-time link
// and signs in; the bank's administrator invites a vendor manager, the
// agency's administrator requires two-factor sign-in of everyone, invites a
// collector and puts them on the roster; the collector sets a password, is
// sent to enrolment at sign-in, enrols with the authenticator and records a
// contact. The vendor manager reads the agency's roster. Once the
// collector's yearly training has lapsed, the next contact is refused with
// the rule named and nothing is recorded.
//
// The book itself (contract, import, plan, acceptance, verification) is set
// up through the API: other journeys click through those pages.
func TestBrowserOnboardingJourney(t *testing.T) {
	ctx0 := context.Background()
	st := storetest.Open(t, "sqlite", store.Options{})
	srv, err := portal.New(portal.Config{Store: st, JWTSecret: testSecret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h := &harness{t: t, srv: srv, http: httptest.NewServer(srv), store: st, tokens: map[string]string{}}
	t.Cleanup(h.http.Close)
	base := h.http.URL
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM users`); n != "0" {
		t.Fatalf("an empty install has %s users", n)
	}
	const pw = "a long passphrase for the journey"
	if _, err := st.CreatePlatformAdmin(ctx0, store.AdminInput{Email: "ops@platform.example", Name: "运维", Password: pw}); err != nil {
		t.Fatal(err)
	}

	// person is one browser, one person.
	type person struct {
		ctx  context.Context
		name string
	}
	newPerson := func(name string) person {
		c, cancel := context.WithTimeout(browser(t), 300*time.Second)
		t.Cleanup(cancel)
		return person{ctx: c, name: name}
	}
	run := func(p person, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(p.ctx, steps...); err != nil {
			screenshot(t, p.ctx, "failed-onboarding-"+p.name)
			t.Fatalf("%s: %s: %v", p.name, what, err)
		}
	}
	text := func(p person, sel string) string {
		t.Helper()
		s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			screenshot(t, p.ctx, "failed-onboarding-"+p.name)
			t.Fatalf("%s: read %s: %v", p.name, sel, err)
		}
		return s
	}
	signIn := func(p person, email string, then string) {
		t.Helper()
		run(p, "sign in",
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), email),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), pw),
			chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
			chromedp.WaitVisible(chromedp.CSS(then)))
	}
	// setPassword opens a one-time link and sets the password.
	setPassword := func(p person, link string) {
		t.Helper()
		i := strings.Index(link, "/invite/")
		if i < 0 {
			t.Fatalf("%s: not an invite link: %q", p.name, link)
		}
		run(p, "set the password from the link",
			chromedp.Navigate(base+link[i:]),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=set-password-page]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=password-new]`), pw),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=password-again]`), pw),
			chromedp.Click(chromedp.CSS(`[data-testid=password-submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)))
	}
	// invite fills the people page's invite form and returns the link.
	invite := func(p person, orgID, email, name string, roles ...string) string {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/people"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=invite-form]`)),
		}
		if orgID != "" {
			steps = append(steps, chromedp.SetValue(chromedp.CSS(`[data-testid=invite-org]`), orgID))
		}
		steps = append(steps,
			chromedp.SendKeys(chromedp.CSS(`[data-testid=invite-email]`), email),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=invite-name]`), name))
		for _, r := range roles {
			steps = append(steps, chromedp.Click(chromedp.CSS(`[data-testid=invite-role-`+r+`]`)))
		}
		steps = append(steps, chromedp.Click(chromedp.CSS(`[data-testid=invite-submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=one-time-link-url]`)))
		run(p, "invite "+email, steps...)
		return text(p, `[data-testid=one-time-link-url]`)
	}
	// enrol turns two-factor sign-in on from the security page.
	enrol := func(p person) (secret string) {
		t.Helper()
		run(p, "start two-factor enrolment",
			chromedp.Navigate(base+"/me/security"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=totp-start]`)),
			chromedp.Click(chromedp.CSS(`[data-testid=totp-start]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=totp-secret]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=totp-qr]`)))
		secret = strings.TrimSpace(text(p, `[data-testid=totp-secret]`))
		codes, _ := chromedp.Run(p.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=recovery-codes] code')].map(e => e.textContent)`))
		if len(codes) != 10 {
			t.Errorf("%s: %d recovery codes shown, want 10", p.name, len(codes))
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		run(p, "confirm the authenticator",
			chromedp.SendKeys(chromedp.CSS(`[data-testid=totp-confirm-code]`), code),
			chromedp.Click(chromedp.CSS(`[data-testid=totp-confirm]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=totp-on]`)))
		return secret
	}
	onboard := func(p person, kind, name, nameEN, code string) string {
		t.Helper()
		run(p, "onboard "+nameEN,
			chromedp.Navigate(base+"/admin/organisations"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=org-create-form]`)),
			chromedp.SetValue(chromedp.CSS(`[data-testid=org-kind]`), kind),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=org-name]`), name),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=org-name-en]`), nameEN),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=org-credit-code]`), code),
			chromedp.Click(chromedp.CSS(`[data-testid=org-create-submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=organisation-page]`)))
		return h.queryOne(`SELECT id FROM organisations WHERE name_en = $1 AND kind = $2`, nameEN, kind)
	}

	// The platform administrator onboards a lender and an agency and invites
	// their administrators (the agency's also supervises its collectors).
	ops := newPerson("ops")
	signIn(ops, "ops@platform.example", `[data-testid=dashboard]`)
	bank := onboard(ops, "lender", "丁银行股份有限公司", "Ding Bank", "91350100M000100Y43")
	agency := onboard(ops, "agency", "戊信催收服务有限公司", "Wu Collections", "914403001922038216")
	screenshot(t, ops.ctx, "onboarding-organisations")
	bankAdminLink := invite(ops, bank, "admin@dingbank.example", "丁管理", "org_admin")
	agencyAdminLink := invite(ops, agency, "admin@wu.example", "戊管理", "org_admin", "agency_supervisor")

	bankAdmin := newPerson("bank-admin")
	setPassword(bankAdmin, bankAdminLink)
	signIn(bankAdmin, "admin@dingbank.example", `[data-testid=dashboard]`)
	if name := text(bankAdmin, `[data-testid=user-name]`); !strings.Contains(name, "丁管理") {
		t.Errorf("the bank's administrator signed in as %q", name)
	}
	vmLink := invite(bankAdmin, "", "vm@dingbank.example", "丁委外", "vendor_manager")

	agencyAdmin := newPerson("agency-admin")
	setPassword(agencyAdmin, agencyAdminLink)
	signIn(agencyAdmin, "admin@wu.example", `[data-testid=dashboard]`)
	adminSecret := enrol(agencyAdmin) // before requiring it of everyone, themselves included
	run(agencyAdmin, "require two-factor sign-in of everyone",
		chromedp.Navigate(base+"/people"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=totp-policy-form]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=totp-policy-select]`), "all"),
		chromedp.Click(chromedp.CSS(`[data-testid=totp-policy-save]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)))
	if p := h.queryOne(`SELECT totp_required FROM organisations WHERE id = $1`, agency); p != "all" {
		t.Fatalf("the agency's two-factor policy is %q", p)
	}
	agentLink := invite(agencyAdmin, "", "agent@wu.example", "戊催收", "collector")

	// The collector sets a password and, at sign-in, is sent to enrolment.
	agent := newPerson("collector")
	setPassword(agent, agentLink)
	signIn(agent, "agent@wu.example", `[data-testid=totp-required]`)
	agentSecret := enrol(agent)
	screenshot(t, agent.ctx, "onboarding-totp-enrolled")
	// Next morning, in another browser, the collector signs in with a code.
	agent = newPerson("collector")
	signIn(agent, "agent@wu.example", `[data-testid=totp-form]`)
	next, _ := totp.GenerateCode(agentSecret, time.Now().Add(30*time.Second))
	run(agent, "the code step of the sign-in",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=totp-code]`), next),
		chromedp.Click(chromedp.CSS(`[data-testid=totp-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=dashboard]`)))
	agentID := h.queryOne(`SELECT id FROM users WHERE email = 'agent@wu.example'`)

	// The agency's administrator puts the collector on the roster.
	today := time.Now().In(time.FixedZone("CST", 8*3600))
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	row := `[data-testid=roster-row][data-user="` + agentID + `"] `
	run(agencyAdmin, "register the collector on the roster",
		chromedp.Navigate(base+"/roster"),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-testid=roster-staff-no]`)),
		chromedp.SendKeys(chromedp.CSS(row+`[data-testid=roster-staff-no]`), "WU-0001"),
		chromedp.SetValue(chromedp.CSS(row+`[data-testid=roster-verified-on]`), day(today.AddDate(0, -2, 0))),
		chromedp.SetValue(chromedp.CSS(row+`[data-testid=roster-nda-signed-on]`), day(today.AddDate(0, -2, 0))),
		chromedp.SetValue(chromedp.CSS(row+`[data-testid=roster-trained-on]`), day(today.AddDate(0, -1, 0))),
		chromedp.SetValue(chromedp.CSS(row+`[data-testid=roster-exam-passed-on]`), day(today.AddDate(0, -1, 0))),
		chromedp.Click(chromedp.CSS(row+`[data-testid=roster-save]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)))
	if s := h.queryOne(`SELECT staff_no FROM roster_records WHERE user_id = $1`, agentID); s != "WU-0001" {
		t.Fatalf("the roster record: %q", s)
	}

	// The book, through the API: the vendor manager's contract and import,
	// a plan committed, the agency accepting it, one account verified.
	vm := newPerson("vendor-manager")
	setPassword(vm, vmLink)
	signIn(vm, "vm@dingbank.example", `[data-testid=dashboard]`)
	vmTok, adminTok := apiToken(t, h, "vm@dingbank.example", pw), apiToken(t, h, "admin@wu.example", pw, adminSecret)
	call := func(method, path, tok string, body any, want int) []byte {
		t.Helper()
		res, b := h.do(method, path, tok, body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
		}
		return b
	}
	fees := map[string]int{}
	for _, b := range allocation.BucketNames() {
		fees[b] = 1000
	}
	call("PUT", "/api/v1/agencies/"+agency+"/profile", adminTok, map[string]any{"licensed_provinces": []string{"*"}, "capacity": 1000}, http.StatusOK)
	call("PUT", "/api/v1/agencies/"+agency+"/contract", vmTok, map[string]any{"fee_schedule": fees, "term_days": 90, "accept_days": 5,
		"max_instalments": 6, "starts_on": day(today.AddDate(0, -1, 0)), "ends_on": day(today.AddDate(1, 0, 0))}, http.StatusOK)
	res, b := h.postFile(vmTok, "book.csv", strings.NewReader(string(csvOf(t, 12, "en"))), map[string]string{"name": "十二月"})
	var imp struct{ ID string }
	if json.Unmarshal(b, &imp); res.StatusCode != http.StatusCreated || imp.ID == "" {
		t.Fatalf("import: %d %s", res.StatusCode, b)
	}
	var plan struct{ ID string }
	mustJSON(t, call("POST", "/api/v1/allocations", vmTok, map[string]any{"portfolio_id": imp.ID, "strategy": "capacity_balanced", "seed": 1}, http.StatusCreated), &plan)
	call("POST", "/api/v1/allocations/"+plan.ID+"/commit", vmTok, nil, http.StatusOK)
	call("POST", "/api/v1/placements/accept", adminTok, map[string]string{"allocation_id": plan.ID}, http.StatusOK)
	acc := h.queryOne(`SELECT account_id FROM placements WHERE agency_id = $1 AND status = 'active' ORDER BY account_id LIMIT 1`, agency)
	// The placement began two days ago, so yesterday morning's call (inside
	// the quiet-hours window whenever the test runs) falls within it.
	began := time.Now().UTC().AddDate(0, 0, -2)
	if _, err := st.DB().Exec(`UPDATE placements SET created_at = $1, starts_at = $1, accepted_at = $1 WHERE account_id = $2`, began, acc); err != nil {
		t.Fatal(err)
	}
	call("POST", "/api/v1/accounts/"+acc+"/verification", adminTok, map[string]any{"identity_ok": true, "contact_ok": true, "amount_ok": true, "dpd_ok": true}, http.StatusOK)

	// The collector records a contact.
	contact := func(at string) {
		run(agent, "record a contact at "+at,
			chromedp.Navigate(base+"/accounts/"+acc),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=contact-form]`)),
			chromedp.SetValue(chromedp.CSS(`#cf-outcome`), "no_answer"),
			chromedp.SetValue(chromedp.CSS(`[data-testid=contact-at]`), at),
			chromedp.Click(chromedp.CSS(`[data-testid=contact-submit]`)))
	}
	yesterday := day(today.AddDate(0, 0, -1))
	contact(yesterday + "T10:15")
	if err := chromedp.Do(agent.ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=contact-row], [data-testid=conduct-refused], .alert-error`))); err != nil {
		t.Fatalf("after recording a contact: %v", err)
	}
	if alerts, _ := chromedp.Run(agent.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.alert-error, [data-testid=conduct-refused]')].map(e => e.textContent)`)); len(alerts) > 0 {
		screenshot(t, agent.ctx, "failed-onboarding-collector")
		t.Fatalf("the contact was refused: %q", alerts)
	}
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM contacts WHERE account_id = $1 AND collector_id = $2`, acc, agentID); n != "1" {
		t.Fatalf("%s contacts recorded by the new collector, want 1", n)
	}
	screenshot(t, agent.ctx, "onboarding-contact")

	// The vendor manager reads the agency's roster: one collector, compliant.
	run(vm, "read the agency's roster",
		chromedp.Navigate(base+"/roster?agency="+agency),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=roster-row][data-status=compliant]`)))

	// A year on, the collector's training has lapsed: the contact is refused.
	lapsed := day(today.AddDate(-1, 0, -1))
	run(agencyAdmin, "the training date a year and a day ago",
		chromedp.Navigate(base+"/roster"),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-testid=roster-trained-on]`)),
		chromedp.SetValue(chromedp.CSS(row+`[data-testid=roster-trained-on]`), lapsed),
		chromedp.Click(chromedp.CSS(row+`[data-testid=roster-save]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)))
	if got := h.queryOne(`SELECT trained_on FROM roster_records WHERE user_id = $1`, agentID); !strings.HasPrefix(got, lapsed) {
		t.Fatalf("the training date saved is %q, want %s", got, lapsed)
	}
	run(agent, "the warning before typing",
		chromedp.Navigate(base+"/accounts/"+acc),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=roster-warning]`)))
	contact(yesterday + "T11:15")
	run(agent, "refused", chromedp.WaitVisible(chromedp.CSS(`[data-testid=conduct-refused]`)))
	rules, _ := chromedp.Run(agent.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=conduct-rule]')].map(e => e.dataset.rule)`))
	if len(rules) == 0 || rules[0] != "roster.training_lapsed" {
		screenshot(t, agent.ctx, "failed-onboarding-collector")
		t.Fatalf("refused for %v, want roster.training_lapsed", rules)
	}
	screenshot(t, agent.ctx, "onboarding-roster-refused")
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM contacts WHERE account_id = $1`, acc); n != "1" {
		t.Errorf("%s contacts after the refusal, want still 1", n)
	}
	if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM users`); n != fmt.Sprint(5) {
		t.Errorf("%s users, want the 5 made on the way", n)
	}
}

// apiToken signs in through the API with a password.
// With a TOTP secret it sends the next period's code (the current one was
// just used to confirm, and a code is good once).
func apiToken(t *testing.T, h *harness, email, password string, totpSecret ...string) string {
	t.Helper()
	body := map[string]string{"email": email, "password": password}
	if len(totpSecret) == 1 {
		body["totp"], _ = totp.GenerateCode(totpSecret[0], time.Now().Add(30*time.Second))
	}
	res, b := h.do("POST", "/api/v1/auth/token", "", body)
	var out struct{ Token string }
	if json.Unmarshal(b, &out); res.StatusCode != http.StatusOK || out.Token == "" {
		t.Fatalf("sign in %s: %d %s", email, res.StatusCode, b)
	}
	return out.Token
}
