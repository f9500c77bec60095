package portal

import (
	"collect"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/allocation"
	"collect/portal/demo/debtors"
	"collect/portal/store"
	"collect/views"
)

// The marketplace's pages. Each handler reads the form or query, calls the
// same store method as the JSON API, and renders a view model; a form that
// changes something redirects (303) to the page that shows the outcome.

func (s *Server) portfolioListPage(c echo.Context) error {
	return s.renderPortfolioList(c, http.StatusOK, nil)
}

func (s *Server) renderPortfolioList(c echo.Context, status int, fail error) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	page, err := parsePage(c)
	if err != nil {
		return err
	}
	page = page.Normal()
	ps, total, err := s.store.ListPortfolios(ctx, a, page)
	if err != nil {
		return err
	}
	v := views.PortfolioListView{CanImport: s.can(a, "portfolio", "write"), Page: page.Page, Pages: page.Pages(total)}
	v.Links = listLinks(c.Request().URL, page.Page, v.Pages, "")
	for _, p := range ps {
		v.Portfolios = append(v.Portfolios, views.PortfolioRowView{ID: p.ID, Name: p.Name, ImportedAt: views.Date(ctx, p.ImportedAt),
			Balance: views.Money(p.BalanceCents, p.Currency), Accounts: p.AccountCount})
	}
	if s.can(a, "import", "read") {
		imps, _, err := s.store.ListImports(ctx, a, store.Page{PerPage: 20})
		if err != nil {
			return err
		}
		for _, im := range imps {
			v.Imports = append(v.Imports, importRow(ctx, im))
		}
	}
	if v.CanImport {
		ms, err := s.store.Mappings(ctx, a)
		if err != nil {
			return err
		}
		for name := range ms {
			v.Mappings = append(v.Mappings, views.Option{Value: name, Label: name})
		}
		sort.Slice(v.Mappings, func(i, j int) bool { return v.Mappings[i].Value < v.Mappings[j].Value })
	}
	for _, col := range allocation.Columns {
		v.Columns = append(v.Columns, views.ColumnDoc{Name: string(col), Chinese: col.Chinese(), Required: col.Required()})
	}
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.PortfolioListPage(s.pageMeta(c, "title.portfolios", "portfolios"), v))
}

// mappingSubmit saves a column mapping from the form: col_<column> = the
// header the file uses; blank columns keep their standard headers.
func (s *Server) mappingSubmit(c echo.Context) error {
	m := allocation.Mapping{}
	for _, col := range allocation.Columns {
		if h := strings.TrimSpace(c.FormValue("col_" + string(col))); h != "" {
			m[col] = h
		}
	}
	if err := s.store.SaveMapping(c.Request().Context(), actorOf(c), c.FormValue("name"), m); err != nil {
		return formFailed(err, func(e error) error { return s.renderPortfolioList(c, http.StatusUnprocessableEntity, e) })
	}
	return c.Redirect(http.StatusSeeOther, "/portfolios?done=mapping_saved")
}

// importRow is one import as lists show it; why it failed in the reader's
// language (an import failed before the reasons were keyed says it as stored,
// in English).
func importRow(ctx context.Context, im store.Import) views.ImportRowView {
	msg := im.Message
	if r := im.Reason(); r != nil {
		msg = views.ErrorText(ctx, r)
	}
	return views.ImportRowView{ID: im.ID, Name: im.Name, Filename: im.Filename, Status: im.Status, CreatedAt: views.DateTime(ctx, im.CreatedAt),
		Message: msg, Accepted: im.Accepted, Rejected: im.Rejected, Processed: im.ProcessedRows}
}

// rejectText is what was wrong with a rejected line in the reader's
// language: each problem after its column. A line rejected before the
// problems were keyed says it as stored, in English.
func rejectText(ctx context.Context, r store.ImportReject) string {
	if len(r.Problems) == 0 {
		return r.Message
	}
	l := views.L(ctx)
	parts := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		parts[i] = l.Message("err.import.row_problem", map[string]any{"field": p.Field, "problem": l.Message(p.Key, p.Args)})
	}
	return strings.Join(parts, l.T("err.list_separator"))
}

func (s *Server) portfolioImportSubmit(c echo.Context) error {
	u, err := s.readUpload(c)
	if err != nil {
		return err
	}
	defer u.file.Close()
	if err := store.ValidateImportName(u.name); err != nil {
		return err
	}
	id, err := s.startBackgroundImport(c, u)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/imports/"+id)
}

func (s *Server) importPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	im, err := s.store.ImportStatus(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	v := views.ImportView{ImportRowView: importRow(ctx, im), PortfolioID: im.PortfolioID, Partial: im.Partial}
	if im.Status == "running" {
		v.StillRunning = true
		if p, ok := s.jobs.progress(im.ID); ok {
			v.Processed, v.Accepted, v.Rejected = p.processed, p.accepted, p.rejected
			if p.size > 0 {
				v.Percent = int(min(99, p.read*100/p.size))
			}
		}
	} else {
		errs, err := s.store.ImportErrors(ctx, a, im.ID, 100)
		if err != nil {
			return err
		}
		for _, e := range errs {
			v.Errors = append(v.Errors, views.RowErrorView{Line: e.Line, Field: e.Field, Message: rejectText(ctx, e)})
		}
		v.MoreErrors = max(0, im.Rejected-len(errs))
		v.Percent = 100
		if im.Rejected > 0 && s.can(a, "portfolio", "write") {
			v.RejectsHref = "/imports/" + im.ID + "/rejects.csv"
		}
		if im.Status == "failed" && s.can(a, "portfolio", "write") {
			v.RetryHref = "/portfolios#import" // the uploaded file is gone: choose it again
		}
		v.Interrupted = im.Status == "failed" && im.MessageKey == store.ImportInterruptedKey
	}
	if c.Request().Header.Get("HX-Request") == "true" {
		return s.render(c, http.StatusOK, views.ImportProgress(v))
	}
	return s.render(c, http.StatusOK, views.ImportPage(s.pageMeta(c, "title.import", "portfolios"), v))
}

func (s *Server) portfolioPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	p, err := s.store.Portfolio(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	sum, err := s.store.PortfolioSummary(ctx, a, p.ID)
	if err != nil {
		return err
	}
	v := views.PortfolioView{ID: p.ID, Name: p.Name, ImportedAt: views.Date(ctx, p.ImportedAt), Balance: views.Money(sum.BalanceCents, p.Currency),
		Accounts: sum.Accounts, Placed: sum.Placed, Unplaced: sum.Unplaced, Strategies: allocation.Strategies(),
		Buckets: allocation.BucketNames(), Provinces: debtors.Provinces(), CanAllocate: s.can(a, "allocation", "write"),
		DefaultClose: s.now().Add(7 * 24 * time.Hour).In(views.Zone(ctx)).Format("2006-01-02T15:04")}
	v.ByBucket = bars(sum.ByBucket, func(g store.Group) (string, string) {
		return g.Key, "/accounts?portfolio=" + url.QueryEscape(p.ID) + "&bucket=" + url.QueryEscape(g.Key)
	})
	ags, err := s.store.ListAgencies(ctx, a)
	if err != nil {
		return err
	}
	for _, ag := range ags {
		v.Agencies = append(v.Agencies, views.Option{Value: ag.ID, Label: ag.Name})
	}
	if s.can(a, "allocation", "read") {
		plans, _, err := s.store.ListAllocations(ctx, a, store.Page{PerPage: 500})
		if err != nil {
			return err
		}
		for _, pl := range plans {
			if pl.PortfolioID == p.ID {
				v.Plans = append(v.Plans, views.PlanListItem{ID: pl.ID, Strategy: pl.Strategy, Status: pl.Status, CreatedAt: views.DateTime(ctx, pl.CreatedAt), Assigned: pl.AssignmentsTotal})
			}
		}
	}
	return s.render(c, http.StatusOK, views.PortfolioPage(s.pageMeta(c, "title.portfolio", "portfolios"), v))
}

// percentBP reads a percentage ("12.5") as basis points (1250).
func percentBP(field, v string) (int, error) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "%"))
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 100 || math.IsNaN(f) {
		return 0, collect.E(collect.EINVALID, "err.form.percentage", "field", field).WithFields(collect.Field(field, "err.form.percentage_range"))
	}
	return int(math.Round(f * 100)), nil
}

// yuanCents reads an amount in yuan ("1200.50") as cents; "" is 0.
func yuanCents(field, v string) (int64, error) {
	if strings.TrimSpace(v) == "" {
		return 0, nil
	}
	return allocation.ParseAmount(field, v)
}

func formInt(c echo.Context, field string, def int) (int, error) {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, collect.E(collect.EINVALID, "err.form.whole_number", "field", field).WithFields(collect.Field(field, "err.form.whole_number_short"))
	}
	return n, nil
}

func (s *Server) planCreateSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	form, err := c.FormParams()
	if err != nil {
		return errFormUnreadable()
	}
	req := store.PlanRequest{PortfolioID: form.Get("portfolio_id"), Strategy: form.Get("strategy")}
	seed, err := formInt(c, "seed", 1)
	if err != nil {
		return err
	}
	req.Seed = int64(seed)
	req.Params.AgencyIDs = nonEmpty(form["agency_ids"])
	req.Params.Strata = form.Get("strata") // the stratifying strategies read it; manual and rules do not
	switch req.Strategy {
	case allocation.StrategyManual:
		req.Params.AgencyID = form.Get("agency_id")
		refs := strings.FieldsFunc(form.Get("account_refs"), func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' || r == '，' })
		ids, missing, err := s.store.AccountIDsByRef(ctx, a, refs)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			return collect.E(collect.EINVALID, "err.plan.unknown_refs", "refs", strings.Join(first(missing, 10), ", ")).
				WithFields(collect.Field("account_refs", "err.form.unknown"))
		}
		req.Params.AccountIDs = ids
		req.Params.AgencyIDs = nil
	case allocation.StrategyRules:
		req.Params.AgencyIDs = nil
		buckets, provs, mins, maxs, ags := form["rule_bucket"], form["rule_province"], form["rule_min"], form["rule_max"], form["rule_agency"]
		bands := form["rule_score_band"]
		for i := range ags {
			if strings.TrimSpace(ags[i]) == "" {
				continue
			}
			r := allocation.Rule{AgencyID: ags[i], Bucket: at(buckets, i), Province: at(provs, i), ScoreBand: at(bands, i)}
			if r.MinBalanceCents, err = yuanCents("rule_min", at(mins, i)); err != nil {
				return err
			}
			if r.MaxBalanceCents, err = yuanCents("rule_max", at(maxs, i)); err != nil {
				return err
			}
			req.Params.Rules = append(req.Params.Rules, r)
		}
	case allocation.StrategyChampionChallenger:
		share, err := percentBP("challenger_share", form.Get("challenger_share"))
		if err != nil {
			return err
		}
		req.Params.ChallengerShare = float64(share) / 10000
	}
	plan, err := s.store.CreatePlan(ctx, a, req)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/allocations/"+plan.ID)
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

func at(vs []string, i int) string {
	if i < len(vs) {
		return strings.TrimSpace(vs[i])
	}
	return ""
}

// first returns at most the first n elements of s.
func first[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) planPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	pl, err := s.store.Allocation(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	agency, page, err := parseAssignmentFilter(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.Assignments(ctx, a, pl.ID, agency, page)
	if err != nil {
		return err
	}
	portfolio, _ := s.store.Portfolio(ctx, a, pl.PortfolioID)
	v := views.PlanView{ID: pl.ID, Portfolio: portfolio.Name, PortfolioID: pl.PortfolioID, Strategy: pl.Strategy, Status: pl.Status,
		CreatedAt: views.DateTime(ctx, pl.CreatedAt), Seed: pl.Seed, Assigned: pl.AssignmentsTotal, Unassigned: pl.UnassignedTotal,
		Buckets: allocation.BucketNames(), Page: page.Page, Pages: page.Pages(total),
		CanCommit: pl.Status == "draft" && s.can(a, "allocation", "write")}
	var totalBal int64
	for _, m := range pl.ByAgency {
		totalBal += m.BalanceCents
	}
	mix := func(m allocation.Mix) views.MixView {
		mv := views.MixView{Name: m.Name, Group: m.Group, Balance: views.Money(m.BalanceCents, "CNY"), Count: m.Count}
		if totalBal > 0 {
			mv.Share = fmt.Sprintf("%.1f%%", float64(m.BalanceCents)*100/float64(totalBal))
		}
		for _, b := range v.Buckets {
			mv.ByBucket = append(mv.ByBucket, views.Count(int64(m.CountByBucket[b])))
		}
		return mv
	}
	var groups []store.Group
	for _, m := range pl.ByAgency {
		v.ByAgency = append(v.ByAgency, mix(m))
		groups = append(groups, store.Group{Key: m.Key, Label: m.Name, Count: int64(m.Count), BalanceCents: m.BalanceCents})
	}
	v.Chart = bars(groups, func(g store.Group) (string, string) {
		return g.Label, "/allocations/" + pl.ID + "?agency=" + url.QueryEscape(g.Key)
	})
	for _, m := range pl.Groups {
		v.Groups = append(v.Groups, mix(m))
	}
	reasons := make([]string, 0, len(pl.Unassigned))
	for r := range pl.Unassigned {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		v.UnassignedBy = append(v.UnassignedBy, views.Option{Value: r, Label: views.Count(int64(pl.Unassigned[r]))})
	}
	l := views.L(ctx)
	for _, r := range rows {
		reason := r.Reason // a plan stored before reasons were keyed: its English
		if r.ReasonKey != "" {
			reason = l.Message(r.ReasonKey, r.ReasonArgs)
		}
		v.Rows = append(v.Rows, views.AssignmentView{AccountID: r.AccountID, ExternalRef: r.ExternalRef, Agency: r.AgencyName, Group: r.Group,
			ReasonCode: r.ReasonCode, Reason: reason, Bucket: r.Bucket, Balance: views.Money(r.BalanceCents, "CNY"), FeeRate: bpPercent(r.FeeRateBP)})
	}
	v.Links = listLinks(c.Request().URL, page.Page, v.Pages, "")
	return s.render(c, http.StatusOK, views.PlanPage(s.pageMeta(c, "title.plan", "portfolios"), v))
}

func bpPercent(bp int) string { return fmt.Sprintf("%.2f%%", float64(bp)/100) }

func (s *Server) planCommitSubmit(c echo.Context) error {
	if _, err := s.store.CommitPlan(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/allocations/"+c.Param("id"))
}

func (s *Server) planDiscardSubmit(c echo.Context) error {
	if err := s.store.DiscardPlan(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/allocations/"+c.Param("id"))
}

func (s *Server) placementListPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	f, err := parsePlacementFilter(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListPlacements(ctx, a, f)
	if err != nil {
		return err
	}
	rows, total := page.Rows, page.Total
	v := views.PlacementListView{Total: total, TotalExact: page.TotalExact, Page: f.Page.Page, Pages: f.Page.Pages(total), Status: f.Status, Agency: f.Agency,
		Statuses:  placementStatuses,
		CanRecall: s.can(a, "placement", "recall"), CanAccept: s.can(a, "placement", "accept"), CanReturn: s.can(a, "placement", "return")}
	if done := c.QueryParam("done"); done != "" {
		n, _ := strconv.Atoi(c.QueryParam("n"))
		v.Flash = views.T(ctx, "flash."+done, map[string]any{"Count": n})
	}
	if v.Agencies, err = s.agencyOptions(c); err != nil {
		return err
	}
	for _, r := range rows {
		pv := views.PlacementRowView{ID: r.ID, AccountID: r.AccountID, ExternalRef: r.ExternalRef, Agency: r.AgencyName, Status: r.Status,
			Bucket: r.Bucket, Province: r.Province, Balance: views.Money(r.BalanceCents, "CNY"), DPD: r.DPD, Start: views.Date(ctx, r.StartsAt),
			End: views.Date(ctx, r.EndsAt), FeeRate: bpPercent(r.FeeRateBP), Source: r.Source, Reason: endReasonText(ctx, r.EndReason)}
		if r.AcceptBy != nil && r.Status == allocation.PlacementOffered {
			pv.AcceptBy = views.DateTime(ctx, *r.AcceptBy)
		}
		v.Rows = append(v.Rows, pv)
	}
	v.Allocation, v.AllocationShort = f.Allocation, shortPlanID(f.Allocation)
	if v.CanAccept && a.OrgKind == collect.KindAgency {
		if err := s.planOffersView(c, a, f, rows, &v); err != nil {
			return err
		}
	}
	v.Links = listLinks(c.Request().URL, f.Page.Page, v.Pages, "")
	return s.render(c, http.StatusOK, views.PlacementListPage(s.pageMeta(c, "title.placements", "placements"), v))
}

// placementActionSubmit runs the action the form's button names on the
// checked placements; the route needs placement read, and each action its
// own permission, asked here as the route table cannot know which button.
func (s *Server) placementActionSubmit(c echo.Context) error {
	a := actorOf(c)
	form, err := c.FormParams()
	if err != nil {
		return errFormUnreadable()
	}
	act := store.PlacementAction{IDs: form["ids"], Reason: strings.TrimSpace(form.Get("reason"))}
	type step struct {
		perm, flash string
		run         func() (int, error)
	}
	ctx := c.Request().Context()
	steps := map[string]step{
		"accept":  {"accept", "accepted", func() (int, error) { return s.store.AcceptPlacements(ctx, a, act) }},
		"decline": {"accept", "declined", func() (int, error) { return s.store.DeclinePlacements(ctx, a, act) }},
		"recall":  {"recall", "recalled", func() (int, error) { return s.store.RecallPlacements(ctx, a, act) }},
		"return":  {"return", "returned", func() (int, error) { return s.store.ReturnPlacements(ctx, a, act) }},
		// Every open offer of one plan, after the confirmation that named the count.
		"accept_plan":  {"accept", "accepted", func() (int, error) { return s.store.AcceptPlacements(ctx, a, byPlan(act, form)) }},
		"decline_plan": {"accept", "declined", func() (int, error) { return s.store.DeclinePlacements(ctx, a, byPlan(act, form)) }},
	}
	st, ok := steps[form.Get("action")]
	if !ok {
		return collect.Invalid("action", "err.placement.unknown_action", "action", form.Get("action"))
	}
	if !s.can(a, "placement", st.perm) {
		return collect.E(collect.EFORBIDDEN, "err.placement.role_may_not", "action", form.Get("action"))
	}
	n, err := st.run()
	if err != nil {
		return err
	}
	q := url.Values{"done": {st.flash}, "n": {strconv.Itoa(n)}}
	if status := form.Get("status"); status != "" {
		q.Set("status", status)
	}
	return c.Redirect(http.StatusSeeOther, "/placements?"+q.Encode())
}

// byPlan turns the confirmation form's step into one on every open offer of
// its plan, with the count the user confirmed.
func byPlan(act store.PlacementAction, form url.Values) store.PlacementAction {
	act.IDs = nil
	act.AllocationID = strings.TrimSpace(form.Get("allocation_id"))
	act.Expect, _ = strconv.Atoi(form.Get("expect"))
	return act
}

// planOffersView offers an agency's supervisor "accept all offers of this
// plan" and "decline all" for the plans with open offers among the rows
// shown (and the plan filtered by), and, asked with ?confirm=accept|decline,
// the confirmation naming the count. Only the confirmation counts (one
// query on the plan's offers); the links come from the rows already read.
func (s *Server) planOffersView(c echo.Context, a collect.Actor, f store.PlacementFilter, rows []store.PlacementRow, v *views.PlacementListView) error {
	seen := map[string]bool{}
	add := func(id string) {
		if id == "" || seen[id] || len(v.Plans) >= 10 {
			return
		}
		seen[id] = true
		v.Plans = append(v.Plans, views.PlanLinkView{ID: id, Short: shortPlanID(id),
			ListURL:    "/placements?" + url.Values{"status": {allocation.PlacementOffered}, "allocation": {id}}.Encode(),
			AcceptURL:  "/placements?" + url.Values{"confirm": {"accept"}, "allocation": {id}}.Encode(),
			DeclineURL: "/placements?" + url.Values{"confirm": {"decline"}, "allocation": {id}}.Encode()})
	}
	for _, r := range rows {
		if r.Status == allocation.PlacementOffered && strings.HasPrefix(r.Source, "allocation:") {
			add(strings.TrimPrefix(r.Source, "allocation:"))
		}
	}
	confirm := c.QueryParam("confirm")
	if f.Allocation == "" || (confirm != "accept" && confirm != "decline") {
		return nil
	}
	o, err := s.store.PlanOffersFor(c.Request().Context(), a, f.Allocation)
	if err != nil {
		return err
	}
	cv := &views.PlanConfirmView{Action: confirm, AllocationID: o.AllocationID, Short: shortPlanID(o.AllocationID), Count: o.Count,
		Balance:   views.Money(o.BalanceCents, "CNY"),
		CancelURL: "/placements?" + url.Values{"status": {allocation.PlacementOffered}, "allocation": {o.AllocationID}}.Encode()}
	if o.AcceptBy != nil {
		cv.AcceptBy = views.DateTime(c.Request().Context(), *o.AcceptBy)
	}
	v.Confirm = cv
	return nil
}

// shortPlanID is the tail of a plan id (the random end of a UUIDv7: plans
// made the same minute share their head).
func shortPlanID(id string) string {
	if len(id) > 12 {
		return "…" + id[len(id)-12:]
	}
	return id
}

func (s *Server) agencyListPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	ags, err := s.store.AgencyViews(ctx, a)
	if err != nil {
		return err
	}
	v := views.AgencyListView{ForLender: a.OrgKind == collect.KindLender}
	for _, ag := range ags {
		row := views.AgencyRowView{ID: ag.ID, Name: ag.Name, NameZH: ag.NameZH, Status: ag.Status, Provinces: strings.Join(ag.Profile.LicensedProvinces, "、"),
			Buckets: strings.Join(ag.Profile.AcceptedBuckets, " "), Capacity: ag.Profile.Capacity, Open: int(ag.OpenCount)}
		if ag.Contract != nil {
			row.ContractStatus, row.Term = ag.Contract.Status, fmt.Sprintf("%d", ag.Contract.TermDays)
			lo, hi := 10000, 0
			for _, bp := range ag.Contract.FeeSchedule {
				lo, hi = min(lo, bp), max(hi, bp)
			}
			if hi > 0 {
				row.FeeRange = bpPercent(lo) + " – " + bpPercent(hi)
			}
		}
		v.Rows = append(v.Rows, row)
	}
	return s.render(c, http.StatusOK, views.AgencyListPage(s.pageMeta(c, "title.agencies", "agencies"), v))
}

func (s *Server) agencyPage(c echo.Context) error {
	return s.renderAgency(c, http.StatusOK, nil)
}

func (s *Server) renderAgency(c echo.Context, status int, fail error) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	ag, err := s.store.AgencyView(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	v := views.AgencyView{ID: ag.ID, Name: ag.Name, NameZH: ag.NameZH, Status: ag.Status, Open: int(ag.OpenCount), Buckets: allocation.BucketNames(),
		CanEditProfile:  s.can(a, "agency_profile", "write") && (a.OrgKind == collect.KindPlatform || a.OrgID == ag.ID),
		CanEditContract: s.can(a, "contract", "write") && a.OrgKind == collect.KindLender,
		Profile: views.ProfileForm{Provinces: strings.Join(ag.Profile.LicensedProvinces, ","), Buckets: ag.Profile.AcceptedBuckets,
			Capacity: ag.Profile.Capacity, Description: ag.Profile.Description}}
	if ag.Contract != nil || v.CanEditContract {
		cf := &views.ContractForm{Status: "active", TermDays: 90, AcceptDays: 5, MaxInstalments: 12, RemittanceDueDays: 7,
			StartsOn: s.now().Format(time.DateOnly), EndsOn: s.now().AddDate(1, 0, 0).Format(time.DateOnly)}
		fees := map[string]int{}
		if c := ag.Contract; c != nil {
			cf.Exists, cf.Status, cf.TermDays, cf.AcceptDays, cf.MaxInstalments = true, c.Status, c.TermDays, c.AcceptDays, c.MaxInstalments
			cf.MaxDiscountPct, cf.MinDownPct = pct(c.MaxSettlementDiscountBP), pct(c.MinDownPaymentBP)
			cf.StartsOn, cf.EndsOn, cf.ShareFullHistory = c.StartsOn, c.EndsOn, c.ShareFullHistory
			cf.GraceDays, cf.PromiseBeforeRecall, cf.CommissionTerms = c.GraceDays, c.PromiseBeforeRecall, string(c.CommissionTerms)
			if c.RemittanceDueDays != nil {
				cf.RemittanceDueDays = *c.RemittanceDueDays
			}
			fees = c.FeeSchedule
		}
		for _, b := range allocation.BucketNames() {
			cf.Fees = append(cf.Fees, views.FeeField{Bucket: b, Percent: pct(fees[b])})
		}
		v.Contract = cf
	}
	if s.can(a, "evaluation", "read") {
		evs, err := s.store.Evaluations(ctx, a, ag.ID)
		if err != nil {
			return err
		}
		for _, e := range evs {
			reviewed := ""
			if e.ReviewedQualityScore != nil && e.QualityReviews != nil {
				reviewed = fmt.Sprintf("%.1f (%d)", *e.ReviewedQualityScore, *e.QualityReviews)
			}
			v.Evaluations = append(v.Evaluations, views.EvaluationView{Kind: e.Kind, Period: e.Period, Decision: e.Decision, Note: e.Note,
				EvaluatedAt: views.DateTime(ctx, e.EvaluatedAt), Conduct: e.ConductScore, Quality: e.QualityScore, Efficiency: e.EfficiencyScore,
				Infosec: e.InfosecScore, Reviewed: reviewed})
		}
	}
	v.CanEvaluate = s.can(a, "evaluation", "write") && a.OrgKind == collect.KindLender
	if ag.Roster != nil {
		r := rosterSummaryView(*ag.Roster, true)
		v.Roster = &r
	}
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.AgencyPage(s.pageMeta(c, "title.agency", "agencies"), v))
}

// notices reads the flash of a redirect (?done=) and the errors of a
// failed submit, for the pages that show both.
func notices(c echo.Context, fail error) (flash string, errs []string) {
	if f := c.QueryParam("done"); f != "" {
		flash = views.T(c.Request().Context(), "flash."+f)
	}
	if fail != nil {
		errs = append(errs, views.ErrorText(c.Request().Context(), fail))
		var ae *collect.Error
		if asErr(fail, &ae) {
			for _, fe := range ae.Fields {
				errs = append(errs, fe.Field+": "+views.FieldText(c.Request().Context(), fe))
			}
		}
	}
	return flash, errs
}

func pct(bp int) string {
	s := strconv.FormatFloat(float64(bp)/100, 'f', 2, 64)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0")
}

// formFailed re-renders a page with the validation errors of a submit, and
// passes every other error on.
func formFailed(err error, rerender func(error) error) error {
	if collect.ErrorCode(err) == collect.EINVALID {
		return rerender(err)
	}
	return err
}

func (s *Server) agencyProfileSubmit(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return errFormUnreadable()
	}
	capacity, err := formInt(c, "capacity", 0)
	if err != nil {
		return s.renderAgency(c, http.StatusUnprocessableEntity, err)
	}
	var provinces []string
	for _, p := range strings.FieldsFunc(form.Get("provinces"), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			provinces = append(provinces, p)
		}
	}
	p := allocation.AgencyProfile{LicensedProvinces: provinces, AcceptedBuckets: nonEmpty(form["buckets"]), Capacity: capacity, Description: strings.TrimSpace(form.Get("description"))}
	if _, err := s.store.UpdateAgencyProfile(c.Request().Context(), actorOf(c), c.Param("id"), p); err != nil {
		return formFailed(err, func(e error) error { return s.renderAgency(c, http.StatusUnprocessableEntity, e) })
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+c.Param("id")+"?done=saved")
}

func (s *Server) agencyContractSubmit(c echo.Context) error {
	rerender := func(e error) error { return s.renderAgency(c, http.StatusUnprocessableEntity, e) }
	ct := allocation.Contract{FeeSchedule: map[string]int{}, StartsOn: c.FormValue("starts_on"), EndsOn: c.FormValue("ends_on"), Status: "active",
		ShareFullHistory: c.FormValue("share_full_history") == "true", PromiseBeforeRecall: c.FormValue("promise_before_recall") == "true"}
	if terms := strings.TrimSpace(c.FormValue("commission_terms")); terms != "" {
		ct.CommissionTerms = json.RawMessage(terms)
	}
	for _, b := range allocation.BucketNames() {
		bp, err := percentBP("fee_"+b, c.FormValue("fee_"+b))
		if err != nil {
			return rerender(err)
		}
		ct.FeeSchedule[b] = bp
	}
	var err error
	if ct.TermDays, err = formInt(c, "term_days", 0); err != nil {
		return rerender(err)
	}
	if ct.GraceDays, err = formInt(c, "grace_days", 0); err != nil {
		return rerender(err)
	}
	remit, err := formInt(c, "remittance_due_days", 7)
	if err != nil {
		return rerender(err)
	}
	ct.RemittanceDueDays = &remit
	if ct.AcceptDays, err = formInt(c, "accept_days", 0); err != nil {
		return rerender(err)
	}
	if ct.MaxInstalments, err = formInt(c, "max_instalments", 1); err != nil {
		return rerender(err)
	}
	if ct.MaxSettlementDiscountBP, err = percentBP("max_discount_pct", c.FormValue("max_discount_pct")); err != nil {
		return rerender(err)
	}
	if ct.MinDownPaymentBP, err = percentBP("min_down_pct", c.FormValue("min_down_pct")); err != nil {
		return rerender(err)
	}
	if cur, err := s.store.AgencyView(c.Request().Context(), actorOf(c), c.Param("id")); err == nil && cur.Contract != nil {
		ct.Status = cur.Contract.Status // the form edits terms; suspension has its own button
	}
	if _, err := s.store.SaveContract(c.Request().Context(), actorOf(c), c.Param("id"), ct); err != nil {
		return formFailed(err, rerender)
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+c.Param("id")+"?done=saved")
}

func (s *Server) agencyContractStatusSubmit(c echo.Context) error {
	status := c.FormValue("status")
	if _, err := s.store.SetContractStatus(c.Request().Context(), actorOf(c), c.Param("id"), status); err != nil {
		return err
	}
	flash := "reactivated"
	if status == "suspended" {
		flash = "suspended"
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+c.Param("id")+"?done="+flash)
}

func (s *Server) tenderListPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	ts, total, err := s.store.ListTenderRows(ctx, a, p)
	if err != nil {
		return err
	}
	v := views.TenderListView{ForLender: a.OrgKind == collect.KindLender, Page: p.Page, Pages: p.Pages(total)}
	for _, t := range ts {
		row := views.TenderRowView{ID: t.ID, Title: t.Title, Lender: t.LenderName, Status: t.Status, ClosesAt: views.DateTime(ctx, t.ClosesAt),
			Balance: views.Money(t.Summary.BalanceCents, "CNY"), Accounts: t.Summary.Accounts, Bids: t.BidCount}
		if !v.ForLender && t.MyBid != nil {
			row.MyBid = bpPercent(t.MyBid.FeeRateBP) + " · " + views.Count(int64(t.MyBid.Capacity))
		}
		v.Rows = append(v.Rows, row)
	}
	v.Links = listLinks(c.Request().URL, p.Page, v.Pages, "")
	return s.render(c, http.StatusOK, views.TenderListPage(s.pageMeta(c, "title.tenders", "tenders"), v))
}

func (s *Server) tenderCreateSubmit(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return badRequest{collect.E(collect.EINVALID, "err.tender.form_unreadable")}
	}
	closes, err := time.ParseInLocation("2006-01-02T15:04", form.Get("closes_at"), views.Zone(c.Request().Context())) // the reader's zone, as the page shows times
	if err != nil {
		return collect.E(collect.EINVALID, "err.tender.closes_at_missing").WithFields(collect.Field("closes_at", "err.tender.closes_at_format"))
	}
	t, err := s.store.CreateTender(c.Request().Context(), actorOf(c), store.TenderInput{PortfolioID: form.Get("portfolio_id"), Title: form.Get("title"),
		ClosesAt: closes, AgencyIDs: nonEmpty(form["agency_ids"])})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/tenders/"+t.ID)
}

func (s *Server) tenderPage(c echo.Context) error {
	return s.renderTender(c, http.StatusOK, nil)
}

func (s *Server) renderTender(c echo.Context, status int, fail error) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	t, err := s.store.Tender(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	v := views.TenderView{ID: t.ID, Title: t.Title, Lender: t.LenderName, Status: t.Status, ClosesAt: views.DateTime(ctx, t.ClosesAt),
		Balance: views.Money(t.Summary.BalanceCents, "CNY"), AvgBalance: views.Money(t.Summary.AvgBalance, "CNY"), Accounts: t.Summary.Accounts}
	open := t.Status == "open" && s.now().Before(t.ClosesAt)
	var byBucket, byProvince []store.Group
	for _, b := range allocation.BucketNames() {
		if n := t.Summary.ByBucket[b]; n > 0 {
			byBucket = append(byBucket, store.Group{Key: b, Count: int64(n), BalanceCents: t.Summary.BalanceByBkt[b]})
		}
	}
	for p, n := range t.Summary.ByProvince {
		byProvince = append(byProvince, store.Group{Key: p, Count: int64(n), BalanceCents: int64(n)})
	}
	sort.Slice(byProvince, func(i, j int) bool {
		if byProvince[i].Count != byProvince[j].Count {
			return byProvince[i].Count > byProvince[j].Count
		}
		return byProvince[i].Key < byProvince[j].Key
	})
	v.ByBucket = bars(byBucket, func(g store.Group) (string, string) { return g.Key, "" })
	v.ByProvince = bars(first(byProvince, 12), func(g store.Group) (string, string) { return g.Key, "" })
	for i := range v.ByProvince {
		v.ByProvince[i].Value = views.Count(byProvince[i].Count)
	}
	for _, b := range t.Bids {
		bv := views.BidView{ID: b.ID, Agency: b.AgencyName, FeeRate: bpPercent(b.FeeRateBP), ExpectedLiquidation: bpPercent(b.ExpectedLiquidationBP),
			Note: b.Note, Status: b.Status, CreatedAt: views.DateTime(ctx, b.CreatedAt), Capacity: b.Capacity, Awarded: b.AwardedCount,
			FeeBP: b.FeeRateBP, ExpectedBP: b.ExpectedLiquidationBP}
		v.Bids = append(v.Bids, bv)
		if b.AgencyID == a.OrgID {
			mine := bv
			v.MyBid = &mine
		}
	}
	v.CanBid = open && s.can(a, "bid", "write") && a.OrgKind == collect.KindAgency
	v.CanAward = t.Status == "open" && s.can(a, "tender", "write") && len(t.Bids) > 0
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.TenderPage(s.pageMeta(c, "title.tender", "tenders"), v))
}

func (s *Server) bidSubmit(c echo.Context) error {
	rerender := func(e error) error { return s.renderTender(c, http.StatusUnprocessableEntity, e) }
	fee, err := percentBP("fee_pct", c.FormValue("fee_pct"))
	if err != nil {
		return rerender(err)
	}
	exp, err := percentBP("expected_pct", c.FormValue("expected_pct"))
	if err != nil {
		return rerender(err)
	}
	capacity, err := formInt(c, "capacity", 0)
	if err != nil {
		return rerender(err)
	}
	in := store.BidInput{FeeRateBP: fee, ExpectedLiquidationBP: exp, Capacity: capacity, Note: c.FormValue("note")}
	if _, err := s.store.PlaceBid(c.Request().Context(), actorOf(c), c.Param("id"), in); err != nil {
		return formFailed(err, rerender)
	}
	return c.Redirect(http.StatusSeeOther, "/tenders/"+c.Param("id")+"?done=bid_saved")
}

func (s *Server) awardSubmit(c echo.Context) error {
	rerender := func(e error) error { return s.renderTender(c, http.StatusUnprocessableEntity, e) }
	form, err := c.FormParams()
	if err != nil {
		return badRequest{collect.E(collect.EINVALID, "err.tender.form_unreadable")}
	}
	var in store.AwardInput
	for key, vals := range form {
		bidID, ok := strings.CutPrefix(key, "share_")
		if !ok || len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
			continue
		}
		bp, err := percentBP(key, vals[0])
		if err != nil {
			return rerender(err)
		}
		if bp > 0 {
			in.Awards = append(in.Awards, store.Award{BidID: bidID, Share: float64(bp) / 10000})
		}
	}
	sort.Slice(in.Awards, func(i, j int) bool { return in.Awards[i].BidID < in.Awards[j].BidID })
	in.Seed = 1
	if _, err := s.store.AwardTender(c.Request().Context(), actorOf(c), c.Param("id"), in); err != nil {
		return formFailed(err, rerender)
	}
	return c.Redirect(http.StatusSeeOther, "/tenders/"+c.Param("id")+"?done=awarded")
}

func (s *Server) commissionPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	m, err := s.parseMonth(c)
	if err != nil {
		return err
	}
	lines, err := s.store.CommissionStatement(ctx, a, m)
	if err != nil {
		return err
	}
	v := views.CommissionView{Month: m, ForLender: a.OrgKind == collect.KindLender, CSVHref: "/commissions.csv?month=" + m}
	var pays, amount int64
	for _, l := range lines {
		v.Lines = append(v.Lines, views.StatementLineView{Agency: l.AgencyName, Lender: l.LenderName, Count: l.Payments,
			Payments: views.Money(l.PaymentCents, "CNY"), Commission: views.Money(l.CommissionCents, "CNY"),
			CSVHref: "/commissions.csv?month=" + m + "&agency=" + url.QueryEscape(l.AgencyID)})
		pays += l.PaymentCents
		amount += l.CommissionCents
	}
	v.TotalPayments, v.TotalAmount = views.Money(pays, "CNY"), views.Money(amount, "CNY")
	return s.render(c, http.StatusOK, views.CommissionPage(s.pageMeta(c, "title.commissions", "commissions"), v))
}
