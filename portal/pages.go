package portal

import (
	"collect"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"collect/allocation"
	"collect/casework"
	"collect/casework/earlywarning"
	"collect/portal/store"
	"collect/views"
)

func staticHandler() echo.HandlerFunc {
	sub, _ := fs.Sub(views.Static, "static")
	files := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
}

// safeNext keeps a redirect on this site: next must be a path of ours
// ("/accounts?page=2"), never a URL a browser could read as another origin.
// Browsers drop tab, CR and LF from a Location and read a backslash as a
// slash, so "/\t/evil.example" or "/\\evil.example" lead away: anything with
// a control character, a backslash, a scheme, a host or a leading "//" (after
// those are dropped) falls back to the dashboard, and so does the login page
// itself.
func safeNext(next string) string {
	if p, ok := localPath(next); ok && !strings.HasPrefix(p, "/login") {
		return p
	}
	return "/dashboard"
}

// localPath returns next when it is a path on this site.
func localPath(next string) (string, bool) {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "", false
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' || r == utf8.RuneError {
			return "", false
		}
	}
	if strings.HasPrefix(next, "//") {
		return "", false
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "", false
	}
	return next, true
}

func (s *Server) loginPage(c echo.Context) error {
	token, _ := c.Get("csrf").(string)
	v := views.LoginView{CSRFToken: token, Next: safeNext(c.QueryParam("next"))}
	return s.render(c, http.StatusOK, views.LoginPage(s.pageMeta(c, "title.login", ""), v))
}

func (s *Server) loginSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	cr := credentials{Email: c.FormValue("email"), Password: c.FormValue("password")}
	next := safeNext(c.FormValue("next"))
	token, _ := c.Get("csrf").(string)
	fail := func(status int, msgID string) error {
		v := views.LoginView{Email: cr.Email, Error: views.T(ctx, msgID), CSRFToken: token, Next: next}
		return s.render(c, status, views.LoginPage(s.pageMeta(c, "title.login", ""), v))
	}
	if cr.Validate() != nil {
		return fail(http.StatusUnprocessableEntity, "login.invalid")
	}
	a, jwt, exp, err := s.login(c, cr, "form")
	switch collect.ErrorCode(err) {
	case "":
	case collect.ETOTPREQUIRED:
		return s.startSecondFactor(c, a, next)
	case collect.ETHROTTLED:
		return fail(http.StatusTooManyRequests, "login.throttled")
	case collect.EUNAUTHORIZED:
		return fail(http.StatusUnauthorized, "login.invalid")
	}
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: jwt, Path: "/", Expires: exp, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logoutSubmit(c echo.Context) error {
	if err := s.store.RevokeTokens(c.Request().Context(), actorOf(c)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) switchLanguage(c echo.Context) error {
	code := c.Param("code")
	if _, ok := views.LangCodes[code]; !ok {
		return collect.E(collect.ENOTFOUND, "err.request.unknown_language")
	}
	c.SetCookie(&http.Cookie{Name: langCookie, Value: code, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, Secure: s.secure})
	if next, ok := localPath(c.QueryParam("next")); ok {
		return c.Redirect(http.StatusSeeOther, next) // the login page too: switching language there stays there
	}
	return c.Redirect(http.StatusSeeOther, "/dashboard")
}

func (s *Server) dashboardPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	d, err := s.store.Dashboard(ctx, a)
	if err != nil {
		return err
	}
	v := views.DashboardView{Greeting: a.Name}
	canAccounts := s.can(a, "account", "read")
	if canAccounts {
		v.Stats = append(v.Stats,
			views.Stat{Label: "stat.accounts", Value: views.Count(d.Accounts)},
			views.Stat{Label: "stat.balance", Value: views.Money(d.BalanceCents, "CNY")})
	}
	if a.OrgKind == collect.KindLender {
		v.Stats = append(v.Stats,
			views.Stat{Label: "stat.placed", Value: views.Count(d.Placed), Hint: percent(d.Placed, d.Accounts)},
			views.Stat{Label: "stat.unplaced", Value: views.Count(d.Unplaced), Hint: percent(d.Unplaced, d.Accounts)},
			views.Stat{Label: "stat.portfolios", Value: views.Count(d.Portfolios)})
	}
	if a.OrgKind == collect.KindPlatform {
		v.Stats = append(v.Stats,
			views.Stat{Label: "stat.agencies", Value: views.Count(d.Agencies)},
			views.Stat{Label: "stat.users", Value: views.Count(d.Users)})
	}
	v.Stats = append(v.Stats, views.Stat{Label: "stat.audit_events", Value: views.Count(d.AuditEvents)})
	if canAccounts {
		v.ByBucket = bars(d.ByBucket, func(g store.Group) (string, string) {
			return g.Key, "/accounts?bucket=" + url.QueryEscape(g.Key)
		})
		v.ByStage = bars(d.ByStage, func(g store.Group) (string, string) {
			return views.T(ctx, "stage."+g.Key), "/accounts?stage=" + url.QueryEscape(g.Key)
		})
		v.ByAgency = bars(d.ByAgency, func(g store.Group) (string, string) {
			return g.Label, "/accounts?agency=" + url.QueryEscape(g.Key)
		})
	}
	if s.can(a, "audit", "verify") {
		// The last check, with its time: walking the whole chain on every
		// visit grew with the trail (the audit page verifies on demand).
		r, err := s.store.LastAuditCheck(ctx)
		if err != nil {
			return err
		}
		v.AuditShown = true
		if r != nil {
			v.AuditOK, v.AuditCount, v.AuditCheckedAt = &r.OK, r.Events, views.DateTime(ctx, r.CheckedAt)
		}
	}
	return s.render(c, http.StatusOK, views.DashboardPage(s.pageMeta(c, "title.dashboard", "dashboard"), v))
}

func percent(n, of int64) string {
	if of == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(of))
}

// bars turns groups into bar rows scaled to the largest balance.
func bars(gs []store.Group, label func(store.Group) (string, string)) []views.Bar {
	var max int64
	for _, g := range gs {
		if g.BalanceCents > max {
			max = g.BalanceCents
		}
	}
	out := make([]views.Bar, 0, len(gs))
	for _, g := range gs {
		l, href := label(g)
		pct := 0.0
		if max > 0 {
			pct = float64(g.BalanceCents) * 100 / float64(max)
		}
		out = append(out, views.Bar{Label: l, Value: views.Count(g.Count) + " · " + views.Money(g.BalanceCents, "CNY"), Percent: pct, Href: href})
	}
	return out
}

func (s *Server) accountListPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	f, err := parseAccountFilter(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListAccountsPage(ctx, a, f)
	if err != nil {
		return err
	}
	rows, total := page.Rows, page.Total
	p := f.Page.Normal()
	v := views.AccountListView{
		Total: total, TotalExact: page.TotalExact, Page: p.Page, PerPage: p.PerPage, Pages: p.Pages(total),
		Filter:  views.AccountFilterView{Portfolio: f.Portfolio, Stage: f.Stage, Bucket: f.Bucket, Agency: f.Agency, Query: f.Query, Sort: f.Sort},
		Buckets: allocation.BucketNames(), Stages: casework.Stages,
		ShowAgency: a.OrgKind == collect.KindLender,
	}
	for _, r := range rows {
		rv := views.AccountRowView{ID: r.ID, ExternalRef: r.ExternalRef, DebtorName: r.DebtorName, NationalID: r.NationalID,
			Phone: r.Phone, Province: r.Province, Balance: views.Money(r.BalanceCents, r.Currency), DPD: r.DPD, Bucket: r.Bucket, Stage: r.Stage}
		if r.Placement != nil {
			rv.Agency = r.Placement.AgencyName
		}
		v.Rows = append(v.Rows, rv)
	}
	if a.OrgKind == collect.KindLender {
		ports, _, err := s.store.ListPortfolios(ctx, a, store.Page{PerPage: 500})
		if err != nil {
			return err
		}
		for _, pf := range ports {
			v.Portfolios = append(v.Portfolios, views.Option{Value: pf.ID, Label: pf.Name})
		}
		ags, err := s.store.ListAgencies(ctx, a)
		if err != nil {
			return err
		}
		for _, ag := range ags {
			v.Agencies = append(v.Agencies, views.Option{Value: ag.ID, Label: ag.Name})
		}
	}
	v.Links = accountLinks(c.Request().URL, p.Page, v.Pages, f.Sort, page.Next)
	c.Response().Header().Add("Vary", "HX-Request")
	hx := c.Request().Header
	if hx.Get("HX-Request") == "true" && hx.Get("HX-History-Restore-Request") != "true" && hx.Get("HX-Target") == "account-table" {
		return s.render(c, http.StatusOK, views.AccountTable(v))
	}
	return s.render(c, http.StatusOK, views.AccountListPage(s.pageMeta(c, "title.accounts", "accounts"), v))
}

// accountLinks are the account list's hrefs: Next seeks from the page's
// cursor (?after=), Prev and the sort links read by page number.
func accountLinks(u *url.URL, page, pages int, sort, next string) views.ListLinks {
	plain := *u
	q := plain.Query()
	q.Del("after")
	plain.RawQuery = q.Encode()
	l := listLinks(&plain, page, pages, sort)
	l.Next = ""
	if next != "" {
		q.Set("page", strconv.Itoa(page+1))
		q.Set("after", next)
		l.Next = u.Path + "?" + q.Encode()
	}
	return l
}

// listLinks prepares the pagination and sort hrefs from the current query.
func listLinks(u *url.URL, page, pages int, sort string) views.ListLinks {
	with := func(set map[string]string) string {
		q := u.Query()
		for k, v := range set {
			if v == "" {
				q.Del(k)
			} else {
				q.Set(k, v)
			}
		}
		return u.Path + "?" + q.Encode()
	}
	l := views.ListLinks{Sort: map[string]string{}}
	if page > 1 {
		l.Prev = with(map[string]string{"page": strconv.Itoa(page - 1)})
	}
	if page < pages {
		l.Next = with(map[string]string{"page": strconv.Itoa(page + 1)})
	}
	for _, key := range []string{"ref", "name", "balance", "dpd"} {
		next := key
		if sort == key {
			next = "-" + key
		}
		l.Sort[key] = with(map[string]string{"sort": next, "page": ""})
	}
	return l
}

func (s *Server) accountPage(c echo.Context) error {
	return s.renderAccount(c, c.Param("id"), http.StatusOK, nil)
}

// renderAccount renders the account page, with the casework panel for those
// who work or oversee the case; fail is a refused form's error to show.
func (s *Server) renderAccount(c echo.Context, id string, status int, fail error) error {
	// The page's reads of the case share one read of the account.
	ctx := store.WithCaseReads(c.Request().Context())
	c.SetRequest(c.Request().WithContext(ctx))
	a := actorOf(c)
	d, err := s.store.Account(ctx, a, id, s.can(a, "account", "read_personal"))
	if err != nil {
		return err
	}
	return s.renderAccountDetail(c, d, status, fail)
}

// unmaskSubmit shows an auditor one record's personal data for a reason.
func (s *Server) unmaskSubmit(c echo.Context) error {
	d, err := s.store.UnmaskAccount(c.Request().Context(), actorOf(c), c.Param("id"), c.FormValue("reason"))
	if err != nil {
		if collect.ErrorCode(err) == collect.EINVALID {
			return s.renderAccount(c, c.Param("id"), http.StatusUnprocessableEntity, err)
		}
		return err
	}
	return s.renderAccountDetail(c, d, http.StatusOK, nil)
}

func (s *Server) renderAccountDetail(c echo.Context, d store.AccountDetail, status int, fail error) error {
	a := actorOf(c)
	id := d.ID
	var err error
	v := views.AccountDetailView{
		ID: d.ID, ExternalRef: d.ExternalRef, DebtorName: d.DebtorName, NationalID: d.NationalID, Phone: d.Phone,
		EmergencyPhone: d.EmergencyContactPhone, Address: d.Address, Province: d.Province, Portfolio: d.PortfolioName,
		Principal: views.Money(d.PrincipalCents, d.Currency), Balance: views.Money(d.BalanceCents, d.Currency),
		Currency: d.Currency, DueDate: d.DueDate, LastPayment: d.LastPaymentDate, DPD: d.DPD,
		Bucket: d.Bucket, Stage: d.Stage, Status: d.Status, Masked: d.Masked,
		CanUnmask: d.Masked && s.can(a, "account", "unmask"),
	}
	if d.ReportedCents > 0 {
		v.Reported = views.Money(d.ReportedCents, d.Currency)
	}
	scores, err := s.store.AccountScores(c.Request().Context(), a, d.ID)
	if err != nil && collect.ErrorCode(err) != collect.ENOTFOUND {
		return err
	}
	if sc, ok := scores[earlywarning.KindPropensity]; ok {
		v.Propensity = scoreView(&sc)
	}
	if sc, ok := scores[earlywarning.KindArrangementBreak]; ok {
		v.BreakRisk = scoreView(&sc)
	}
	for _, h := range d.History {
		pv := placementView(c.Request().Context(), h)
		v.History = append(v.History, pv)
		if h.Status == allocation.PlacementActive {
			cur := pv
			v.Placement = &cur
		}
	}
	v.Conduct = conductView(c.Request().Context(), d)
	v.Conduct.CanRecord = s.can(a, "debtor_request", "write") && s.can(a, "care_hold", "write") && (a.OrgKind == collect.KindLender ||
		d.Placement != nil && d.Placement.AgencyID == a.OrgID && d.Placement.Status == allocation.PlacementActive)
	if v.Case, err = s.casePanel(c, id, fail); err != nil {
		return err
	}
	return s.render(c, status, views.AccountDetailPage(s.pageMeta(c, "title.account", "accounts"), v))
}

// endReasonText is why a placement ended in the reader's language when the
// portal gave the reason (allocation.EndReasons), else as the person wrote it.
func endReasonText(ctx context.Context, stored string) string {
	for _, k := range allocation.EndReasons {
		if stored == allocation.EndReasonText(k) {
			return views.T(ctx, k)
		}
	}
	return stored
}

func placementView(ctx context.Context, h store.PlacementHistoryItem) views.PlacementView {
	pv := views.PlacementView{Agency: h.AgencyName, Status: h.Status, Start: views.Date(ctx, h.StartsAt), End: views.Date(ctx, h.EndsAt),
		Reason: endReasonText(ctx, h.EndReason), FeeRate: fmt.Sprintf("%.2f%%", float64(h.FeeRateBP)/100)}
	if h.EndedAt != nil {
		pv.Ended = views.Date(ctx, *h.EndedAt)
	}
	return pv
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	f, err := parseAuditFilter(c)
	if err != nil {
		return err
	}
	events, total, err := s.store.ListAudit(ctx, a, f)
	if err != nil {
		return err
	}
	p := f.Page.Normal()
	v := views.AuditView{Total: total, Page: p.Page, Pages: p.Pages(total), CanVerify: s.can(a, "audit", "verify")}
	for _, e := range events {
		actor := e.ActorEmail
		if actor == "" {
			actor = e.ActorID
		}
		v.Events = append(v.Events, views.AuditEventView{Seq: e.Seq, At: views.DateTime(ctx, e.At), Actor: actor,
			Action: e.Action, Object: e.ObjectType + " " + e.ObjectID, Hash: e.Hash})
	}
	v.Links = listLinks(c.Request().URL, p.Page, v.Pages, "")
	if len(events) > 0 {
		v.ExportHref = fmt.Sprintf("/audit/export.csv?from=%d&to=%d", events[len(events)-1].Seq, events[0].Seq)
	}
	v.Filter = views.AuditFilterView{Action: c.QueryParam("action"), ObjectID: c.QueryParam("object_id"), Actor: c.QueryParam("actor")}
	return s.render(c, http.StatusOK, views.AuditPage(s.pageMeta(c, "title.audit", "audit"), v))
}

func (s *Server) auditVerifyPartial(c echo.Context) error {
	r, err := s.store.VerifyAudit(c.Request().Context())
	if err != nil {
		return err
	}
	v := views.VerifyView{OK: r.OK, Events: r.Events}
	if r.Break != nil {
		v.FirstBad, v.Reason = strconv.FormatInt(r.Break.Seq, 10), r.Break.Reason
		if r.Break.Key != "" {
			v.Reason = views.L(c.Request().Context()).Message(r.Break.Key, r.Break.Args)
		}
	}
	return s.render(c, http.StatusOK, views.VerifyResult(v))
}

// jobsPage shows the platform admin every background job kind.
func (s *Server) jobsPage(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := s.runner.Statuses(ctx)
	if err != nil {
		return err
	}
	never := views.T(ctx, "jobs.never")
	at := func(t *time.Time) string {
		if t == nil {
			return never
		}
		return views.DateTime(ctx, *t)
	}
	rows := make([]views.JobRow, 0, len(st))
	for _, j := range st {
		r := views.JobRow{Kind: j.Kind, LastRun: at(j.LastRun), State: j.State, Error: j.Error, NextRun: at(j.NextRun)}
		if j.LastRun == nil {
			r.NextRun = ""
			if j.NextRun != nil {
				r.NextRun = at(j.NextRun)
			}
		}
		if j.Duration > 0 {
			r.Duration = j.Duration.Round(time.Millisecond).String()
		}
		rows = append(rows, r)
	}
	return s.render(c, http.StatusOK, views.JobsPage(s.pageMeta(c, "title.jobs", "jobs"), rows))
}

// conductView is the account's conduct card: times in the reader's zone.
func conductView(ctx context.Context, d store.AccountDetail) views.ConductView {
	v := views.ConductView{AccountID: d.ID, Profile: d.ConductProfile, TimeZones: d.TimeZones, RequestKinds: casework.RequestKinds,
		HoldKinds: casework.HoldKinds, Channels: casework.ContactChannels}
	for _, o := range d.DebtorAccounts {
		v.DebtorAccounts = append(v.DebtorAccounts, views.DebtorAccountView{ID: o.ID, Ref: o.ExternalRef, Balance: views.Money(o.BalanceCents, o.Currency), Stage: o.Stage})
	}
	for _, r := range d.Requests {
		rv := views.RequestView{ID: r.ID, Kind: r.Kind, Channel: r.Channel, Since: views.DateTime(ctx, r.StartsAt), InForce: r.InForce}
		if r.From != "" || r.To != "" {
			rv.Window = r.From + "–" + r.To
		}
		if r.EndedAt != nil {
			rv.Ended = views.DateTime(ctx, *r.EndedAt)
		}
		v.Requests = append(v.Requests, rv)
	}
	for _, h := range d.Holds {
		end := h.Until
		if h.LiftedAt != nil && h.LiftedAt.Before(end) {
			end = *h.LiftedAt
		}
		v.Holds = append(v.Holds, views.HoldView{ID: h.ID, Kind: h.Kind, Since: views.Date(ctx, h.StartsAt), Until: views.Date(ctx, end), InForce: h.InForce})
	}
	return v
}
