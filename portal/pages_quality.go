package portal

import (
	"collect"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"collect/evidence"
	"collect/oversight"
	"collect/portal/store"
	"collect/views"
)

// The quality reviewers' pages (录音质检, issue 16): plans, samples, reviews,
// checklist, findings.

// qaMeta is the layout's model for a quality page. The quality entry of
// the navigation is added here when the menu does not carry it yet, so the
// pages mark it as the current one.
func (s *Server) qaMeta(c echo.Context, titleID string) views.Page {
	p := s.pageMeta(c, titleID, "qa")
	for _, n := range p.Nav {
		if n.Key == "qa" {
			return p
		}
	}
	if p.Session != nil && s.can(actorOf(c), "qa", "read") {
		p.Nav = append(p.Nav, views.NavItem{Key: "qa", Href: "/qa"})
	}
	return p
}

// qaForms is what a refused submit typed, kept in its form.
type qaForms struct {
	plan      *views.QAPlanForm
	checklist []views.QAChecklistRow
}

func sharePercent(share float64) string {
	return strconv.FormatFloat(math.Round(share*10000)/100, 'f', -1, 64) + "%"
}

func weightText(w float64) string { return strconv.FormatFloat(w, 'f', -1, 64) }

// checklistRows is the checklist as the editor shows it, with empty rows
// to add items.
func checklistRows(items []oversight.ChecklistItem, blank int) []views.QAChecklistRow {
	out := make([]views.QAChecklistRow, 0, len(items)+blank)
	for _, it := range items {
		out = append(out, views.QAChecklistRow{Item: it.Item, Label: it.Label, LabelZH: it.LabelZH, Weight: weightText(it.Weight), Critical: it.Critical})
	}
	for range blank {
		out = append(out, views.QAChecklistRow{})
	}
	return out
}

// qaChecklistBlankRows is how many empty rows the editor offers.
const qaChecklistBlankRows = 3

func (s *Server) qaPage(c echo.Context) error {
	return s.renderQA(c, http.StatusOK, nil, qaForms{})
}

func (s *Server) renderQA(c echo.Context, status int, fail error, forms qaForms) error {
	ctx, a := c.Request().Context(), actorOf(c)
	q := queryOf(c)
	v := views.QAView{Status: q.oneOf("status", []string{"open", "reviewed"}), Includes: oversight.Includes,
		ThisWeek: oversight.WeekOf(s.now(), views.Zone(ctx)), CanWritePlans: s.can(a, "qa", "write"), ShowFindings: s.can(a, "qa_finding", "read")}
	v.Week = strings.TrimSpace(q.text("week"))
	if v.Week == "" {
		v.Week = v.ThisWeek
	} else if _, _, err := oversight.WeekWindow(v.Week, views.Zone(ctx)); err != nil {
		q.bad("week", "err.qa.week")
	}
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	plans, err := s.store.QAPlans(ctx, a)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, pl := range plans {
		names[pl.ID] = pl.Name
		v.Plans = append(v.Plans, views.QAPlanRow{ID: pl.ID, Name: pl.Name, Share: sharePercent(pl.RandomShare), Includes: pl.Include,
			Seed: strconv.FormatInt(pl.Seed, 10), CreatedAt: views.DateTime(ctx, pl.CreatedAt)})
	}
	samples, total, err := s.store.QASamples(ctx, a, store.QASampleFilter{Period: v.Week, Status: v.Status, Page: pg})
	if err != nil {
		return err
	}
	for _, smp := range samples {
		v.Samples = append(v.Samples, views.QASampleRow{ID: smp.ID, ContactAt: views.DateTime(ctx, smp.ContactAt), Channel: smp.Channel,
			Agency: smp.AgencyName, Plan: names[smp.PlanID], Reason: smp.Reason, Status: smp.Status})
	}
	pg = pg.Normal()
	v.Total, v.Page, v.Pages = total, pg.Page, pg.Pages(total)
	v.Links = listLinks(qaListURL(c, "/qa"), v.Page, v.Pages, "")
	if forms.plan != nil {
		v.PlanForm = *forms.plan
	}
	// The checklist is the lender's; an agency sees it on each sample.
	if a.OrgKind == collect.KindLender {
		v.ShowChecklist, v.CanEditChecklist = true, s.can(a, "qa_checklist", "write")
		if forms.checklist != nil {
			v.Checklist = forms.checklist
		} else {
			items, err := s.store.QAChecklist(ctx, a.OrgID)
			if err != nil {
				return err
			}
			blank := 0
			if v.CanEditChecklist {
				blank = qaChecklistBlankRows
			}
			v.Checklist = checklistRows(items, blank)
		}
	}
	v.Flash = qaFlash(c)
	_, v.Errors = notices(c, fail)
	return s.render(c, status, views.QAPage(s.qaMeta(c, "title.qa"), v))
}

// qaListURL is the list page's address for its pager: the list's own
// path (a refused form re-renders it from the form's), without the flash.
func qaListURL(c echo.Context, path string) *url.URL {
	u := *c.Request().URL
	u.Path = path
	q := u.Query()
	q.Del("done")
	q.Del("n")
	u.RawQuery = q.Encode()
	return &u
}

// qaFlash is the flash of a redirect after a quality form (?done=).
func qaFlash(c echo.Context) string {
	ctx := c.Request().Context()
	switch c.QueryParam("done") {
	case "plan_created":
		return views.T(ctx, "qa.flash.plan_created")
	case "checklist_saved":
		return views.T(ctx, "qa.flash.checklist_saved")
	case "drawn":
		n, _ := strconv.Atoi(c.QueryParam("n"))
		week := c.QueryParam("week")
		return views.T(ctx, "qa.flash.drawn", map[string]any{"Count": n, "Name": week})
	case "answered":
		return views.T(ctx, "qa.flash.answered")
	}
	return ""
}

func (s *Server) qaPlanSubmit(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return errFormUnreadable()
	}
	typed := &views.QAPlanForm{Name: form.Get("name"), SharePct: strings.TrimSpace(form.Get("share_pct")), Seed: strings.TrimSpace(form.Get("seed")),
		Include: nonEmpty(form["include"])}
	rerender := func(e error) error { return s.renderQA(c, http.StatusUnprocessableEntity, e, qaForms{plan: typed}) }
	bp, err := percentBP("share_pct", typed.SharePct)
	if err != nil {
		return rerender(err)
	}
	in := store.QAPlanInput{Name: typed.Name, RandomShare: float64(bp) / 10000, Include: typed.Include}
	if typed.Seed != "" {
		seed, err := strconv.ParseInt(typed.Seed, 10, 64)
		if err != nil {
			return rerender(collect.E(collect.EINVALID, "err.form.whole_number", "field", "seed").WithFields(collect.Field("seed", "err.form.whole_number_short")))
		}
		in.Seed = &seed
	}
	if _, err := s.store.CreateQAPlan(c.Request().Context(), actorOf(c), in); err != nil {
		return formFailed(err, rerender)
	}
	return c.Redirect(http.StatusSeeOther, "/qa?done=plan_created")
}

func (s *Server) qaDrawSubmit(c echo.Context) error {
	week := strings.TrimSpace(c.FormValue("week"))
	out, err := s.store.DrawQASample(c.Request().Context(), actorOf(c), c.Param("id"), week)
	if err != nil {
		return formFailed(err, func(e error) error { return s.renderQA(c, http.StatusUnprocessableEntity, e, qaForms{}) })
	}
	q := url.Values{"week": {out.Period}, "done": {"drawn"}, "n": {strconv.Itoa(out.Added)}}
	return c.Redirect(http.StatusSeeOther, "/qa?"+q.Encode())
}

// qaChecklistSubmit saves the editor's rows: a row without an id, labels
// or weight is an empty one (or one cleared to remove its item); the
// critical boxes carry their row's index.
func (s *Server) qaChecklistSubmit(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return errFormUnreadable()
	}
	critical := map[string]bool{}
	for _, i := range form["critical"] {
		critical[i] = true
	}
	var typed []views.QAChecklistRow
	var items []oversight.ChecklistItem
	var bad error
	for i, id := range form["item"] {
		r := views.QAChecklistRow{Item: strings.TrimSpace(id), Label: at(form["label"], i), LabelZH: at(form["label_zh"], i),
			Weight: at(form["weight"], i), Critical: critical[strconv.Itoa(i)]}
		if r.Item == "" && r.Label == "" && r.LabelZH == "" {
			continue
		}
		typed = append(typed, r)
		w, err := strconv.ParseFloat(r.Weight, 64)
		if err != nil && bad == nil {
			bad = collect.Invalid("weight", "err.qa.item_weight", "item", r.Item)
		}
		items = append(items, oversight.ChecklistItem{Item: r.Item, Label: r.Label, LabelZH: r.LabelZH, Weight: w, Critical: r.Critical})
	}
	rerender := func(e error) error {
		rows := append(typed, make([]views.QAChecklistRow, qaChecklistBlankRows)...)
		return s.renderQA(c, http.StatusUnprocessableEntity, e, qaForms{checklist: rows})
	}
	if bad != nil {
		return rerender(bad)
	}
	if err := s.store.SaveQAChecklist(c.Request().Context(), actorOf(c), items); err != nil {
		return formFailed(err, rerender)
	}
	return c.Redirect(http.StatusSeeOther, "/qa?done=checklist_saved#checklist")
}

func (s *Server) qaSamplePage(c echo.Context) error {
	return s.renderQASample(c, http.StatusOK, nil, nil, "")
}

// renderQASample shows the sample; results and note are what a refused
// review typed (nil on a plain visit).
func (s *Server) renderQASample(c echo.Context, status int, fail error, results map[string]string, note string) error {
	ctx, a := c.Request().Context(), actorOf(c)
	smp, err := s.store.QASampleByID(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	v := views.QASampleView{ID: smp.ID, Period: smp.Period, Status: smp.Status, Channel: smp.Channel, ContactAt: views.DateTime(ctx, smp.ContactAt),
		Agency: smp.AgencyName, Collector: s.collectorName(ctx, a, smp), Reason: smp.Reason, AccountID: smp.AccountID,
		IsCall: smp.Channel == "call", Note: note}
	atts, err := s.store.ListAttachments(ctx, a, smp.ContactID)
	if err != nil && collect.ErrorCode(err) != collect.ENOTFOUND {
		return err
	}
	for _, att := range atts {
		if att.Kind != evidence.KindRecording {
			continue
		}
		r := views.QARecordingView{ID: att.ID, FileName: att.FileName, ContentType: att.ContentType, Duration: views.QADuration(att.DurationMS),
			SHA256: att.SHA256, UploadedAt: views.DateTime(ctx, att.UploadedAt)}
		if att.DeletedAt != nil {
			r.DeletedAt = views.DateTime(ctx, *att.DeletedAt)
		}
		v.Recordings = append(v.Recordings, r)
	}
	labels := map[string]string{}
	for _, it := range smp.Checklist {
		label := views.QALabel(ctx, it.Label, it.LabelZH)
		labels[it.Item] = label
		v.Items = append(v.Items, views.QAItemForm{Item: it.Item, Label: label, Weight: weightText(it.Weight), Critical: it.Critical, Result: results[it.Item]})
	}
	var mine *store.QAReview
	for i, r := range smp.Reviews {
		rv := views.QAReviewView{Reviewer: r.ReviewerName, Score: qaScore(ctx, r.Score), Note: r.Note, At: views.DateTime(ctx, r.CreatedAt),
			Primary: r.IsPrimary, CriticalFailed: r.CriticalFailed}
		if rv.Reviewer == "" {
			rv.Reviewer = r.ReviewerID
		}
		for _, f := range r.Findings {
			label := labels[f.Item]
			if label == "" {
				label = f.Item
			}
			rv.Findings = append(rv.Findings, views.QAFindingChip{Label: label, Critical: f.Critical, BreachID: f.BreachID})
		}
		v.Reviews = append(v.Reviews, rv)
		if r.ReviewerID == a.UserID {
			mine = &smp.Reviews[i]
		}
	}
	if smp.Agreement != nil {
		v.Agreement = fmt.Sprintf("%.1f%%", *smp.Agreement*100)
	}
	v.ReviewedByMe = mine != nil
	v.CanReview = mine == nil && s.can(a, "qa", "review")
	if c.QueryParam("done") == "reviewed" && mine != nil {
		if mine.Score != nil {
			v.Flash = views.T(ctx, "qa.flash.reviewed", map[string]any{"Name": qaScore(ctx, mine.Score)})
		} else {
			v.Flash = views.T(ctx, "qa.flash.reviewed_no_score")
		}
		for _, f := range mine.Findings {
			v.BreachOpened = v.BreachOpened || f.BreachID != ""
		}
		v.CriticalFailedWithoutBreach = mine.CriticalFailed && !v.BreachOpened
	}
	_, v.Errors = notices(c, fail)
	return s.render(c, status, views.QASamplePage(s.qaMeta(c, "title.qa_sample"), v))
}

func qaScore(ctx context.Context, score *float64) string {
	if score == nil {
		return views.T(ctx, "qa.score_none")
	}
	return strconv.FormatFloat(*score, 'f', 1, 64)
}

// collectorName is the name of the sampled contact's collector, from the
// agency's roster as the reader may see it; the id when it is not there
// (a collector since disabled).
func (s *Server) collectorName(ctx context.Context, a collect.Actor, smp store.QASample) string {
	if smp.CollectorID == "" {
		return ""
	}
	if r, err := s.store.Roster(ctx, a, smp.AgencyID); err == nil {
		for _, e := range r.Items {
			if e.UserID == smp.CollectorID {
				return e.Name
			}
		}
	}
	return smp.CollectorID
}

func (s *Server) qaReviewSubmit(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	smp, err := s.store.QASampleByID(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	results := map[string]string{}
	in := store.QAReviewInput{Note: c.FormValue("note"), Items: []oversight.ItemResult{}}
	for _, it := range smp.Checklist {
		if r := strings.TrimSpace(c.FormValue("result_" + it.Item)); r != "" {
			results[it.Item] = r
			in.Items = append(in.Items, oversight.ItemResult{Item: it.Item, Result: r})
		}
	}
	if _, err := s.store.ReviewQASample(ctx, a, smp.ID, in); err != nil {
		switch collect.ErrorCode(err) {
		case collect.EINVALID:
			return s.renderQASample(c, http.StatusUnprocessableEntity, err, results, in.Note)
		case collect.ECONFLICT:
			return s.renderQASample(c, http.StatusConflict, err, results, in.Note)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/qa/samples/"+url.PathEscape(smp.ID)+"?done=reviewed")
}

func (s *Server) qaFindingsPage(c echo.Context) error {
	return s.renderQAFindings(c, http.StatusOK, nil, "", "")
}

func (s *Server) renderQAFindings(c echo.Context, status int, fail error, answerFor, answer string) error {
	ctx, a := c.Request().Context(), actorOf(c)
	q := queryOf(c)
	f := store.QAFindingFilter{Status: q.oneOf("status", []string{"open", "answered"}), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	rows, total, err := s.store.QAFindings(ctx, a, f)
	if err != nil {
		return err
	}
	v := views.QAFindingsView{Status: f.Status, Total: total, CanAnswer: a.OrgKind == collect.KindAgency && s.can(a, "qa_finding", "answer"),
		AnswerFor: answerFor, AnswerText: answer}
	checklists := map[string]map[string]oversight.ChecklistItem{}
	for _, fd := range rows {
		items, ok := checklists[fd.LenderID]
		if !ok {
			items = map[string]oversight.ChecklistItem{}
			for _, it := range oversight.DefaultChecklist {
				items[it.Item] = it
			}
			if cl, err := s.store.QAChecklist(ctx, fd.LenderID); err == nil {
				for _, it := range cl {
					items[it.Item] = it
				}
			}
			checklists[fd.LenderID] = items
		}
		label := fd.Item
		if it, ok := items[fd.Item]; ok {
			label = views.QALabel(ctx, it.Label, it.LabelZH)
		}
		r := views.QAFindingRow{ID: fd.ID, Item: fd.Item, Label: label, ContactID: fd.ContactID, SampleID: fd.SampleID,
			CreatedAt: views.DateTime(ctx, fd.CreatedAt), Status: fd.Status, Answer: fd.Answer, BreachID: fd.BreachID, Critical: fd.Critical,
			// The plan's owner opens the sample; the agency answering a
			// lender's finding does not see the lender's samples.
			LinkSample: a.OrgKind == collect.KindLender}
		if fd.AnsweredAt != nil {
			r.AnsweredAt = views.DateTime(ctx, *fd.AnsweredAt)
		}
		v.Rows = append(v.Rows, r)
	}
	pg := f.Page.Normal()
	v.Page, v.Pages = pg.Page, pg.Pages(total)
	v.Links = listLinks(qaListURL(c, "/qa/findings"), v.Page, v.Pages, "")
	v.Flash = qaFlash(c)
	_, v.Errors = notices(c, fail)
	return s.render(c, status, views.QAFindingsPage(s.qaMeta(c, "title.qa_findings"), v))
}

func (s *Server) qaAnswerSubmit(c echo.Context) error {
	answer := c.FormValue("answer")
	if _, err := s.store.AnswerQAFinding(c.Request().Context(), actorOf(c), c.Param("id"), answer); err != nil {
		switch collect.ErrorCode(err) {
		case collect.EINVALID:
			return s.renderQAFindings(c, http.StatusUnprocessableEntity, err, c.Param("id"), answer)
		case collect.ECONFLICT:
			return s.renderQAFindings(c, http.StatusConflict, err, "", "")
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/qa/findings?done=answered")
}
