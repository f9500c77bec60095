package portal

import (
	"collect"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/oversight"
	"collect/portal/store"
	"collect/views"
)

// The oversight pages: figures and scorecard with charts, complaints,
// breaches, evaluations, and every table's CSV and XLSX export.

func ratio(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

func num(p *float64, format string) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf(format, *p)
}

func kpiRow(k store.AgencyKPI) views.KPIRowView {
	return views.KPIRowView{AgencyID: k.AgencyID, Agency: k.AgencyName, Placed: views.Money(k.PlacedBalanceCents, "CNY"),
		Recovered: views.Money(k.RecoveredCents, "CNY"), Liquidation: ratio(k.LiquidationRate), RPC: ratio(k.RPCRate),
		PTP: ratio(k.PTPRate), Kept: ratio(k.PTPKeptRate), Complaints: num(k.ComplaintRatePer1000, "%.2f"),
		Breaches: ratio(k.BreachRate), CostToCollect: ratio(k.CostToCollect), DaysToFirstContact: num(k.AvgDaysToFirstContact, "%.1f"),
		QualityScore: num(k.QualityScore, "%.1f"), RecordingsMissing: ratio(k.RecordingsMissingRate),
		DrillHref: "/accounts?agency=" + url.QueryEscape(k.AgencyID), Holds: k.HoldsInForce}
}

func (s *Server) oversightPage(c echo.Context) error {
	return s.renderOversight(c, http.StatusOK, nil)
}

func (s *Server) renderOversight(c echo.Context, status int, fail error) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	f, err := parseKPIFilter(c)
	if err != nil {
		return err
	}
	if err := f.Validate(s.now()); err != nil {
		return err
	}
	kpis, err := s.store.KPIs(ctx, a, f)
	if err != nil {
		return err
	}
	v := views.OversightView{From: f.From, To: f.To, CanEditWeights: s.can(a, "scorecard", "write")}
	var total oversight.Counts
	var recovered, periodRecovered int64
	for _, k := range kpis {
		v.Rows = append(v.Rows, kpiRow(k))
		total = total.Add(k.Counts)
		recovered += k.RecoveredCents
		periodRecovered += k.PeriodRecoveredCents
	}
	tot := oversight.Compute(total)
	// As on each agency's row: cost to collect is over the period's receipts.
	period := total
	period.RecoveredCents = periodRecovered
	tot.CostToCollect = oversight.Compute(period).CostToCollect
	v.Total = kpiRow(store.AgencyKPI{AgencyName: views.T(ctx, "oversight.total"), PlacedBalanceCents: total.PlacedBalanceCents, RecoveredCents: recovered,
		LiquidationRate: tot.LiquidationRate, RPCRate: tot.RPCRate, PTPRate: tot.PTPRate, PTPKeptRate: tot.PTPKeptRate,
		ComplaintRatePer1000: tot.ComplaintRatePer1000, BreachRate: tot.BreachRate, CostToCollect: tot.CostToCollect, AvgDaysToFirstContact: tot.AvgDaysToFirstContact,
		QualityScore: tot.QualityScore, RecordingsMissingRate: tot.RecordingsMissingRate})
	v.Total.DrillHref = ""
	if v.Money, err = s.moneyRows(c); err != nil {
		return err
	}
	q := "?from=" + f.From + "&to=" + f.To
	v.ExportCSV, v.ExportXLSX = "/oversight/kpis.csv"+q, "/oversight/kpis.xlsx"+q
	if a.OrgKind == collect.KindLender && s.can(a, "scorecard", "read") {
		sc, err := s.store.Scorecard(ctx, a, f)
		if err != nil {
			return err
		}
		for _, r := range sc.Rows {
			sv := views.ScoreRowView{Rank: r.Rank, Agency: r.AgencyName, Score: fmt.Sprintf("%.1f", r.Score), Reason: r.Reason}
			if r.Why.Key != "" {
				sv.Reason = views.L(c.Request().Context()).Message(r.Why.Key, r.Why.Args)
			}
			keys := make([]string, 0, len(r.Components))
			for k := range r.Components {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				sv.Components = append(sv.Components, views.ComponentView{Name: k, Value: fmt.Sprintf("%.0f", r.Components[k])})
			}
			v.Scorecard = append(v.Scorecard, sv)
		}
		w := sc.Weights
		p := func(x float64) string { return strconv.FormatFloat(x*100, 'f', -1, 64) }
		v.Weights = views.WeightsForm{Liquidation: p(w.Liquidation), RPC: p(w.RPC), PTPKept: p(w.PTPKept), Complaints: p(w.Complaints),
			Breaches: p(w.Breaches), CostToCollect: p(w.CostToCollect), Quality: p(w.Quality)}
		v.ScoreCSV, v.ScoreXLSX = "/oversight/scorecard.csv"+q, "/oversight/scorecard.xlsx"+q
	}
	// Roll and cure rates between the snapshots of the last two months.
	v.RollTo = s.now().UTC().Format("2006-01")
	v.RollFrom = s.now().UTC().AddDate(0, -1, 0).Format("2006-01")
	if rolls, err := s.store.RollRates(ctx, a, v.RollFrom, v.RollTo, ""); err == nil {
		for _, r := range rolls {
			if r.Accounts == 0 {
				continue
			}
			v.Rolls = append(v.Rolls, views.RollRowView{From: r.From, Accounts: strconv.Itoa(r.Accounts), Forward: strconv.Itoa(r.RolledForward),
				Stayed: strconv.Itoa(r.Stayed), Back: strconv.Itoa(r.RolledBack), Cured: strconv.Itoa(r.Cured), RollRate: ratio(r.RollRate), CureRate: ratio(r.CureRate)})
		}
	}
	if v.VintageJSON, err = s.vintageChart(c, f); err != nil {
		return err
	}
	if v.TrendJSON, err = s.trendChart(c, f); err != nil {
		return err
	}
	if v.ConductJSON, err = s.conductChart(c, f); err != nil {
		return err
	}
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.OversightPage(s.pageMeta(c, "title.oversight", "oversight"), v))
}

type chartData struct {
	Labels   []string       `json:"labels"`
	Datasets []chartDataset `json:"datasets"`
}

type chartDataset struct {
	Label string     `json:"label"`
	Data  []*float64 `json:"data"` // null where the series has no point (a vintage younger than the axis)
}

func pf(v float64) *float64 { return &v }

// vintageChart: cumulative liquidation by month since placement, one line
// per agency and vintage (the last six vintages, to stay readable).
func (s *Server) vintageChart(c echo.Context, f store.KPIFilter) (string, error) {
	vs, err := s.store.Vintages(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return "", err
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Vintage > vs[j].Vintage })
	if len(vs) > 6*4 {
		vs = vs[:24]
	}
	maxM := 0
	for _, v := range vs {
		for m := range v.RecoveredByMonth {
			maxM = max(maxM, m)
		}
	}
	cd := chartData{Labels: []string{}, Datasets: []chartDataset{}}
	for m := 0; m <= maxM; m++ {
		cd.Labels = append(cd.Labels, strconv.Itoa(m))
	}
	now := s.now()
	for _, v := range vs {
		ds := chartDataset{Label: v.AgencyName + " " + v.Vintage}
		start, _ := time.Parse("2006-01", v.Vintage)
		elapsed := (now.Year()-start.Year())*12 + int(now.Month()) - int(start.Month())
		cum := int64(0)
		for m := 0; m <= maxM; m++ {
			if m > elapsed {
				ds.Data = append(ds.Data, nil)
				continue
			}
			cum += v.RecoveredByMonth[m]
			ds.Data = append(ds.Data, pf(float64(cum)/float64(v.PlacedBalanceCents)))
		}
		cd.Datasets = append(cd.Datasets, ds)
	}
	b, err := json.Marshal(cd)
	return string(b), err
}

// trendChart: recoveries by month per agency, in yuan.
func (s *Server) trendChart(c echo.Context, f store.KPIFilter) (string, error) {
	byAgency, err := s.store.MonthlyRecoveries(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return "", err
	}
	cd := chartData{Labels: []string{}, Datasets: []chartDataset{}}
	start, _ := time.Parse("2006-01", f.From)
	end, _ := time.Parse("2006-01", f.To)
	for m := start; !m.After(end); m = m.AddDate(0, 1, 0) {
		cd.Labels = append(cd.Labels, m.Format("2006-01"))
	}
	names := make([]string, 0, len(byAgency))
	for n := range byAgency {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ds := chartDataset{Label: n}
		for _, m := range cd.Labels {
			ds.Data = append(ds.Data, pf(float64(byAgency[n][m])/100))
		}
		cd.Datasets = append(cd.Datasets, ds)
	}
	b, err := json.Marshal(cd)
	return string(b), err
}

func (s *Server) kpiExport(c echo.Context) error {
	kf, err := parseKPIFilter(c)
	if err != nil {
		return err
	}
	kpis, err := s.store.KPIs(c.Request().Context(), actorOf(c), kf)
	if err != nil {
		return err
	}
	t := table{Name: "kpis", Headers: []string{"agency", "placed_balance", "recovered", "liquidation_rate", "rpc_rate", "ptp_rate", "ptp_kept_rate",
		"complaint_rate_per_1000", "breach_rate", "cost_to_collect", "avg_days_to_first_contact", "quality_score", "recordings_missing_rate"}}
	f := func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', 6, 64)
	}
	for _, k := range kpis {
		t.Rows = append(t.Rows, []string{k.AgencyName, cents(k.PlacedBalanceCents), cents(k.RecoveredCents), f(k.LiquidationRate), f(k.RPCRate),
			f(k.PTPRate), f(k.PTPKeptRate), f(k.ComplaintRatePer1000), f(k.BreachRate), f(k.CostToCollect), f(k.AvgDaysToFirstContact),
			f(k.QualityScore), f(k.RecordingsMissingRate)})
	}
	return writeTable(c, c.Param("format"), t)
}

func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func (s *Server) scorecardExport(c echo.Context) error {
	f, err := parseKPIFilter(c)
	if err != nil {
		return err
	}
	sc, err := s.store.Scorecard(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	t := table{Name: "scorecard", Headers: []string{"rank", "agency", "score", "reason"}}
	for _, r := range sc.Rows {
		t.Rows = append(t.Rows, []string{strconv.Itoa(r.Rank), r.AgencyName, fmt.Sprintf("%.1f", r.Score), r.Reason})
	}
	return writeTable(c, c.Param("format"), t)
}

func (s *Server) weightsSubmit(c echo.Context) error {
	read := func(name string) (float64, error) {
		bp, err := percentBP(name, c.FormValue(name))
		return float64(bp) / 10000, err
	}
	var w oversight.Weights
	var err error
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"liquidation", &w.Liquidation}, {"rpc", &w.RPC}, {"ptp_kept", &w.PTPKept}, {"complaints", &w.Complaints}, {"breaches", &w.Breaches}, {"cost_to_collect", &w.CostToCollect},
		{"quality", &w.Quality}} {
		if *f.dst, err = read(f.name); err != nil {
			return s.renderOversight(c, http.StatusUnprocessableEntity, err)
		}
	}
	if err := s.store.SaveWeights(c.Request().Context(), actorOf(c), w); err != nil {
		return formFailed(err, func(e error) error { return s.renderOversight(c, http.StatusUnprocessableEntity, e) })
	}
	return c.Redirect(http.StatusSeeOther, "/oversight?done=weights_saved")
}

func complaintRow(ctx context.Context, cm store.Complaint) views.ComplaintRowView {
	return views.ComplaintRowView{ID: cm.ID, ExternalRef: cm.ExternalRef, AccountID: cm.AccountID, Agency: cm.AgencyName, Category: cm.Category,
		Source: cm.Source, Status: cm.Status, ReceivedAt: views.DateTime(ctx, cm.ReceivedAt), AckDue: views.DateTime(ctx, cm.AckDue),
		ResolveDue: views.DateTime(ctx, cm.ResolveDue), AckOverdue: cm.AckOverdue, ResolveOverdue: cm.ResolveOverdue}
}

func (s *Server) complaintListPage(c echo.Context) error {
	return s.renderComplaintList(c, http.StatusOK, nil)
}

func (s *Server) renderComplaintList(c echo.Context, status int, fail error) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	f, err := parseComplaintFilter(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.ListComplaints(ctx, a, f)
	if err != nil {
		return err
	}
	v := views.ComplaintListView{Total: total, Page: f.Page.Page, Pages: f.Page.Pages(total), Status: f.Status, Category: f.Category, Agency: f.Agency,
		Statuses: oversight.ComplaintStatuses, Categories: oversight.ComplaintCategories, CanCreate: s.can(a, "complaint", "write")}
	if f.Overdue {
		v.Overdue = "true"
	}
	if v.Agencies, err = s.agencyOptions(c); err != nil {
		return err
	}
	for _, cm := range rows {
		v.Rows = append(v.Rows, complaintRow(ctx, cm))
	}
	v.Links = listLinks(c.Request().URL, f.Page.Page, v.Pages, "")
	q := c.Request().URL.Query().Encode()
	v.ExportCSV, v.ExportXLSX = "/complaints/export.csv?"+q, "/complaints/export.xlsx?"+q
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.ComplaintListPage(s.pageMeta(c, "title.complaints", "complaints"), v))
}

func (s *Server) complaintCreateSubmit(c echo.Context) error {
	in := store.ComplaintInput{ExternalRef: strings.TrimSpace(c.FormValue("external_ref")), Category: c.FormValue("category"),
		Description: c.FormValue("description"), Source: c.FormValue("source")}
	if at := strings.TrimSpace(c.FormValue("received_at")); at != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", at, views.Zone(c.Request().Context())) // the reader's zone
		if err != nil {
			return s.renderComplaintList(c, http.StatusUnprocessableEntity, collect.E(collect.EINVALID, "err.complaint.received_at_format").
				WithFields(collect.Field("received_at", "err.complaint.received_at_layout")))
		}
		in.ReceivedAt = t
	}
	cm, err := s.store.CreateComplaint(c.Request().Context(), actorOf(c), in)
	if err != nil {
		if collect.ErrorCode(err) == collect.EINVALID {
			return s.renderComplaintList(c, http.StatusUnprocessableEntity, err)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/complaints/"+cm.ID+"?done=complaint_created")
}

func (s *Server) complaintPage(c echo.Context) error {
	return s.renderComplaint(c, http.StatusOK, nil)
}

func (s *Server) renderComplaint(c echo.Context, status int, fail error) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	cm, err := s.store.GetComplaint(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	v := views.ComplaintView{ComplaintRowView: complaintRow(ctx, cm), Description: cm.Description, RootCause: cm.RootCause, Outcome: cm.Outcome,
		AgencyResponse: cm.AgencyResponse, AssignedTo: cm.AssignedTo, Contacts: cm.ContactIDs, Outcomes: oversight.ComplaintOutcomes,
		CanHandle:    s.can(a, "complaint", "update") && oversight.CanHandleComplaint(a.OrgKind, cm.Status),
		CanAnswer:    s.can(a, "complaint", "update") && oversight.CanAnswerComplaint(a.OrgKind, cm.Status),
		NextStatuses: oversight.ComplaintNextStatuses(cm.Status)}
	if cm.AcknowledgedAt != nil {
		v.AcknowledgedAt = views.DateTime(ctx, *cm.AcknowledgedAt)
	}
	if cm.ResolvedAt != nil {
		v.ResolvedAt = views.DateTime(ctx, *cm.ResolvedAt)
	}
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.ComplaintPage(s.pageMeta(c, "title.complaint", "complaints"), v))
}

func (s *Server) complaintHandleSubmit(c echo.Context) error {
	opt := func(name string) *string {
		v := strings.TrimSpace(c.FormValue(name))
		if v == "" {
			return nil
		}
		return &v
	}
	u := store.ComplaintUpdate{Status: opt("status"), RootCause: opt("root_cause"), Outcome: opt("outcome"), AssignedTo: opt("assigned_to")}
	if _, err := s.store.UpdateComplaint(c.Request().Context(), actorOf(c), c.Param("id"), u); err != nil {
		return formFailed(err, func(e error) error { return s.renderComplaint(c, http.StatusUnprocessableEntity, e) })
	}
	return c.Redirect(http.StatusSeeOther, "/complaints/"+c.Param("id")+"?done=complaint_updated")
}

func (s *Server) complaintAnswerSubmit(c echo.Context) error {
	answer := c.FormValue("agency_response")
	if _, err := s.store.UpdateComplaint(c.Request().Context(), actorOf(c), c.Param("id"), store.ComplaintUpdate{AgencyResponse: &answer}); err != nil {
		return formFailed(err, func(e error) error { return s.renderComplaint(c, http.StatusUnprocessableEntity, e) })
	}
	return c.Redirect(http.StatusSeeOther, "/complaints/"+c.Param("id")+"?done=complaint_updated")
}

func (s *Server) complaintExport(c echo.Context) error {
	f, err := parseComplaintFilter(c)
	if err != nil {
		return err
	}
	f.Page = store.Page{PerPage: store.MaxPerPage}
	t := table{Name: "complaints", Headers: []string{"received_at", "account_ref", "agency", "category", "source", "status", "ack_due", "resolve_due", "ack_overdue", "resolve_overdue", "root_cause", "outcome"}}
	for page := 1; ; page++ {
		f.Page.Page = page
		rows, total, err := s.store.ListComplaints(c.Request().Context(), actorOf(c), f)
		if err != nil {
			return err
		}
		if err := exportFits(total); err != nil {
			return err
		}
		for _, cm := range rows {
			t.Rows = append(t.Rows, []string{cm.ReceivedAt.Format(time.RFC3339), cm.ExternalRef, cm.AgencyName, cm.Category, cm.Source, cm.Status,
				cm.AckDue.Format(time.RFC3339), cm.ResolveDue.Format(time.RFC3339), strconv.FormatBool(cm.AckOverdue), strconv.FormatBool(cm.ResolveOverdue), cm.RootCause, cm.Outcome})
		}
		if page >= f.Page.Pages(total) {
			break
		}
	}
	return writeTable(c, c.Param("format"), t)
}

// maxExportRows is the most rows a complaints or breaches export holds; a
// larger one is refused with the count rather than cut off unsaid.
const maxExportRows = 100_000

func exportFits(total int64) error {
	if total > maxExportRows {
		return collect.E(collect.EINVALID, "err.export.too_many_rows", "total", total, "max", maxExportRows)
	}
	return nil
}

func (s *Server) breachListPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	f, err := parseBreachFilter(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.ListBreaches(ctx, a, f)
	if err != nil {
		return err
	}
	v := views.BreachListView{Total: total, Page: f.Page.Page, Pages: f.Page.Pages(total), Severity: f.Severity, Status: f.Status, Agency: f.Agency,
		CanRemediate: s.can(a, "breach", "write")}
	for _, b := range rows {
		v.Rows = append(v.Rows, views.BreachRowView{ID: b.ID, Agency: b.AgencyName, AccountID: b.AccountID, ExternalRef: b.ExternalRef, Rule: b.Rule,
			Severity: b.Severity, Source: b.Source, Message: views.ViolationText(ctx, b.Violation()), OccurredAt: views.DateTime(ctx, b.OccurredAt), Status: b.Status, Remediation: b.Remediation})
	}
	if v.Agencies, err = s.agencyOptions(c); err != nil {
		return err
	}
	v.Links = listLinks(c.Request().URL, f.Page.Page, v.Pages, "")
	q := c.Request().URL.Query().Encode()
	v.ExportCSV, v.ExportXLSX = "/breaches/export.csv?"+q, "/breaches/export.xlsx?"+q
	if d := c.QueryParam("done"); d != "" {
		v.Flash = views.T(ctx, "flash."+d)
	}
	return s.render(c, http.StatusOK, views.BreachListPage(s.pageMeta(c, "title.breaches", "breaches"), v))
}

func (s *Server) breachSubmit(c echo.Context) error {
	if _, err := s.store.UpdateBreach(c.Request().Context(), actorOf(c), c.Param("id"), c.FormValue("status"), strings.TrimSpace(c.FormValue("remediation"))); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/breaches?done=breach_updated")
}

func (s *Server) breachExport(c echo.Context) error {
	f, err := parseBreachFilter(c)
	if err != nil {
		return err
	}
	t := table{Name: "breaches", Headers: []string{"occurred_at", "agency", "account_ref", "rule", "severity", "source", "message", "status", "remediation"}}
	f.Page = store.Page{PerPage: store.MaxPerPage}
	for page := 1; ; page++ {
		f.Page.Page = page
		rows, total, err := s.store.ListBreaches(c.Request().Context(), actorOf(c), f)
		if err != nil {
			return err
		}
		if err := exportFits(total); err != nil {
			return err
		}
		for _, b := range rows {
			t.Rows = append(t.Rows, []string{b.OccurredAt.Format(time.RFC3339), b.AgencyName, b.ExternalRef, b.Rule, b.Severity, b.Source, b.Message, b.Status, b.Remediation})
		}
		if page >= f.Page.Pages(total) {
			break
		}
	}
	return writeTable(c, c.Param("format"), t)
}

func (s *Server) evaluationSubmit(c echo.Context) error {
	// A blank or unreadable score is -1, which the 0-to-100 rule refuses
	// with the field marked (it was stored as 0).
	score := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(c.FormValue(name)))
		if err != nil {
			return -1
		}
		return n
	}
	e := store.Evaluation{Kind: c.FormValue("kind"), Period: c.FormValue("period"), ConductScore: score("conduct_score"), QualityScore: score("quality_score"),
		EfficiencyScore: score("efficiency_score"), InfosecScore: score("infosec_score"), Decision: c.FormValue("decision"), Note: c.FormValue("note")}
	if _, err := s.store.RecordEvaluation(c.Request().Context(), actorOf(c), c.Param("id"), e); err != nil {
		return formFailed(err, func(e error) error { return s.renderAgency(c, http.StatusUnprocessableEntity, e) })
	}
	return c.Redirect(http.StatusSeeOther, "/agencies/"+c.Param("id")+"?done=evaluated")
}

// conductChart: complaints and conduct breaches by month.
func (s *Server) conductChart(c echo.Context, f store.KPIFilter) (string, error) {
	ctx := c.Request().Context()
	by, err := s.store.MonthlyConduct(ctx, actorOf(c), f)
	if err != nil {
		return "", err
	}
	cd := chartData{Labels: []string{}}
	start, _ := time.Parse("2006-01", f.From)
	end, _ := time.Parse("2006-01", f.To)
	complaints := chartDataset{Label: views.T(ctx, "nav.complaints")}
	breaches := chartDataset{Label: views.T(ctx, "nav.breaches")}
	for m := start; !m.After(end); m = m.AddDate(0, 1, 0) {
		k := m.Format("2006-01")
		cd.Labels = append(cd.Labels, k)
		complaints.Data = append(complaints.Data, pf(float64(by[k][0])))
		breaches.Data = append(breaches.Data, pf(float64(by[k][1])))
	}
	cd.Datasets = []chartDataset{complaints, breaches}
	b, err := json.Marshal(cd)
	return string(b), err
}

// agencyOptions are the agencies a lender's list filters by; none for an
// agency, whose lists hold only its own rows.
func (s *Server) agencyOptions(c echo.Context) ([]views.Option, error) {
	a := actorOf(c)
	if a.OrgKind != collect.KindLender {
		return nil, nil
	}
	ags, err := s.store.ListAgencies(c.Request().Context(), a)
	if err != nil {
		return nil, err
	}
	out := make([]views.Option, len(ags))
	for i, ag := range ags {
		out[i] = views.Option{Value: ag.ID, Label: ag.Name}
	}
	return out, nil
}
