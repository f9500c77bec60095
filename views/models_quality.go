package views

import (
	"context"
	"fmt"

	"github.com/a-h/templ"
)

// The quality checks' pages (录音质检, issue 16): /qa, /qa/samples/:id and
// /qa/findings. Every text is already in the reader's language and every
// time in the reader's zone.

// QAView is /qa: the organisation's sampling plans, a week's samples and,
// for a lender, its checklist.
type QAView struct {
	Plans         []QAPlanRow
	CanWritePlans bool // the create form and the draw buttons
	ShowFindings  bool // the link to the findings
	PlanForm      QAPlanForm
	Includes      []string // the includes a plan may name, in the form's order

	Week     string // the week whose samples are listed: "2026-W49"
	ThisWeek string
	Status   string // the filter: "", open, reviewed
	Samples  []QASampleRow
	Total    int64
	Page     int
	Pages    int
	Links    ListLinks

	ShowChecklist    bool // a lender's reader: the current checklist
	CanEditChecklist bool // the vendor manager: the editor
	Checklist        []QAChecklistRow

	Flash  string
	Errors []string
}

// QAPlanRow is one sampling plan.
type QAPlanRow struct {
	ID, Name, Share, Seed, CreatedAt string
	Includes                         []string // include codes → T("qa.include."+code)
}

// QAPlanForm is the create form as typed (kept when a submit is refused).
type QAPlanForm struct {
	Name, SharePct, Seed string
	Include              []string
}

// QASampleRow is one drawn contact in the list.
type QASampleRow struct {
	ID, ContactAt, Channel, Agency, Plan, Reason, Status string
}

// QAChecklistRow is one checklist item as shown or typed in the editor.
type QAChecklistRow struct {
	Item, Label, LabelZH, Weight string
	Critical                     bool
}

// QASampleView is /qa/samples/:id: the contact, its recordings, the review
// form and the reviews so far.
type QASampleView struct {
	ID, Period, Status                        string
	Channel, ContactAt, Agency, Collector     string
	Reason, AccountID                         string
	Recordings                                []QARecordingView
	IsCall                                    bool
	Items                                     []QAItemForm
	Note                                      string
	CanReview                                 bool // the form is shown
	ReviewedByMe                              bool
	Reviews                                   []QAReviewView
	Agreement                                 string // "85.7%"; "" until two reviewers scored it
	Flash                                     string
	BreachOpened, CriticalFailedWithoutBreach bool // what the flash of a review adds
	Errors                                    []string
}

// QARecordingView is one recording of the contact, played in the page.
type QARecordingView struct {
	ID, FileName, ContentType, Duration, SHA256, UploadedAt string
	DeletedAt                                               string // "" while kept
}

// QAItemForm is one checklist item of the sample with the result chosen.
type QAItemForm struct {
	Item, Label, Weight string
	Critical            bool
	Result              string // pass, fail, na or "" (not chosen yet)
}

// QAReviewView is one reviewer's scoring.
type QAReviewView struct {
	Reviewer, Score, Note, At string
	Primary, CriticalFailed   bool
	Findings                  []QAFindingChip
}

// QAFindingChip is one failed item of a review.
type QAFindingChip struct {
	Label    string
	Critical bool
	BreachID string
}

// QAFindingsView is /qa/findings.
type QAFindingsView struct {
	Rows        []QAFindingRow
	Status      string // the filter
	Total       int64
	Page, Pages int
	Links       ListLinks
	CanAnswer   bool // the agency's supervisor: a form on each open finding
	Flash       string
	Errors      []string
	// The answer refused, kept in its row's form.
	AnswerFor, AnswerText string
}

// QAFindingRow is one finding.
type QAFindingRow struct {
	ID, Item, Label, ContactID, SampleID, CreatedAt string
	Status, Answer, AnsweredAt, BreachID            string
	Critical                                        bool
	LinkSample                                      bool // the reader owns the sample
}

// QALabel is an item's label in the reader's language: the Chinese one
// when there is one and the reader reads Chinese.
func QALabel(ctx context.Context, en, zh string) string {
	if IsLang(ctx, "zh") && zh != "" {
		return zh
	}
	if en == "" {
		return zh
	}
	return en
}

// QASampleURL is the review page of a sample.
func QASampleURL(id string) templ.SafeURL { return PathURL("/qa/samples/", id, "") }

// QADuration shows a recording's length in milliseconds as m:ss ("" when
// unknown).
func QADuration(ms *int64) string {
	if ms == nil || *ms < 0 {
		return ""
	}
	s := (*ms + 500) / 1000
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

func qaStatuses() []string        { return []string{"open", "reviewed"} }
func qaFindingStatuses() []string { return []string{"open", "answered"} }
func qaResults() []string         { return []string{"pass", "fail", "na"} }

// qaRowID is the editor's row index as the critical checkbox's value.
func qaRowID(i int) string { return fmt.Sprint(i) }

// qaAnswerText is the refused answer, kept in the form of its finding.
func qaAnswerText(v QAFindingsView, id string) string {
	if v.AnswerFor == id {
		return v.AnswerText
	}
	return ""
}

// qaShortID is the end of an id (a time-ordered UUID's start is the time,
// alike for ids made close together).
func qaShortID(id string) string {
	if len(id) <= 8 {
		return id
	}
	return "…" + id[len(id)-8:]
}
