package oversight

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"collect"
)

// Quality checks (录音质检): a lender's reviewers score samples of contacts
// against its checklist; each item is pass, fail or not applicable, with a
// weight, and a failed critical item is a conduct breach (source quality).

// ChecklistItem is one line of a lender's quality checklist.
type ChecklistItem struct {
	Item     string  `json:"item"` // a stable id: lower-case letters, digits, _
	Label    string  `json:"label"`
	LabelZH  string  `json:"label_zh"`
	Critical bool    `json:"critical"`
	Weight   float64 `json:"weight"`
}

// DefaultChecklist is the checklist a lender starts with, the items a
// bank's collection quality team scores every call on.
var DefaultChecklist = []ChecklistItem{
	{Item: "identity_verified", Label: "Identity verified before discussing the debt", LabelZH: "讨论欠款前已核实身份", Critical: true, Weight: 2},
	{Item: "self_identified", Label: "Collector identified themself and the lender", LabelZH: "催收员表明本人及委托机构身份", Critical: false, Weight: 1},
	{Item: "accurate_amounts", Label: "Amounts and dates stated accurately", LabelZH: "金额和日期表述准确", Critical: false, Weight: 2},
	{Item: "no_threats", Label: "No threats, insults or false legal consequences", LabelZH: "无威胁、辱骂或虚假法律后果", Critical: true, Weight: 3},
	{Item: "no_disclosure", Label: "No disclosure of the debt to third parties", LabelZH: "未向第三方透露欠款", Critical: true, Weight: 3},
	{Item: "vulnerability_handled", Label: "Vulnerability recognised and handled", LabelZH: "识别并妥善处理弱势情形", Critical: false, Weight: 1},
	{Item: "promise_recorded", Label: "Promise recorded as said", LabelZH: "还款承诺按实际记录", Critical: false, Weight: 1},
}

// MaxChecklistItems bounds a checklist.
const MaxChecklistItems = 40

// ValidateChecklist reports a checklist that cannot score a call: no
// items, too many, a bad or repeated id, a missing label, or a weight that
// is not a positive finite number.
func ValidateChecklist(items []ChecklistItem) error {
	if len(items) == 0 {
		return collect.Invalid("items", "err.qa.checklist_empty")
	}
	if len(items) > MaxChecklistItems {
		return collect.Invalid("items", "err.qa.checklist_long", "max", MaxChecklistItems)
	}
	seen := map[string]bool{}
	for _, it := range items {
		switch {
		case !validItemID(it.Item):
			return collect.Invalid("item", "err.qa.item_id", "item", clip(it.Item))
		case seen[it.Item]:
			return collect.Invalid("item", "err.qa.item_repeated", "item", it.Item)
		case strings.TrimSpace(it.Label) == "" || utf8.RuneCountInString(it.Label) > 200 || utf8.RuneCountInString(it.LabelZH) > 200:
			return collect.Invalid("label", "err.qa.item_label", "item", it.Item)
		case !(it.Weight > 0) || math.IsInf(it.Weight, 0) || it.Weight > 100:
			return collect.Invalid("weight", "err.qa.item_weight", "item", it.Item)
		}
		seen[it.Item] = true
	}
	return nil
}

func validItemID(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// Item results.
const (
	ResultPass = "pass"
	ResultFail = "fail"
	ResultNA   = "na"
)

// ItemResult is a reviewer's judgement of one item.
type ItemResult struct {
	Item   string `json:"item"`
	Result string `json:"result"`
}

// Finding is a failed item of a review.
type Finding struct {
	Item     string `json:"item"`
	Critical bool   `json:"critical"`
}

// ReviewOutcome is what a review's results come to.
type ReviewOutcome struct {
	// Score is the weighted share of the applicable items passed, 0..100
	// rounded to 0.1; a failed critical item makes it 0 (the call fails
	// whatever else went well); nil when no item applied.
	Score    *float64  `json:"score"`
	Findings []Finding `json:"findings"`
	// CriticalFailed: some failed item is critical.
	CriticalFailed bool `json:"critical_failed"`
}

// ScoreReview scores results against the checklist. Every checklist item
// must be judged exactly once, as pass, fail or na; an item not on the
// checklist is refused.
func ScoreReview(checklist []ChecklistItem, results []ItemResult) (ReviewOutcome, error) {
	byItem := map[string]ChecklistItem{}
	for _, it := range checklist {
		byItem[it.Item] = it
	}
	got := map[string]string{}
	for _, r := range results {
		if _, ok := byItem[r.Item]; !ok {
			return ReviewOutcome{}, collect.Invalid("items", "err.qa.item_unknown", "item", clip(r.Item))
		}
		if r.Result != ResultPass && r.Result != ResultFail && r.Result != ResultNA {
			return ReviewOutcome{}, collect.Invalid("items", "err.qa.result", "item", r.Item)
		}
		if _, dup := got[r.Item]; dup {
			return ReviewOutcome{}, collect.Invalid("items", "err.qa.item_repeated", "item", r.Item)
		}
		got[r.Item] = r.Result
	}
	out := ReviewOutcome{Findings: []Finding{}}
	var passed, applicable float64
	for _, it := range checklist {
		res, ok := got[it.Item]
		if !ok {
			return ReviewOutcome{}, collect.Invalid("items", "err.qa.item_missing", "item", it.Item)
		}
		switch res {
		case ResultPass:
			passed += it.Weight
			applicable += it.Weight
		case ResultFail:
			applicable += it.Weight
			out.Findings = append(out.Findings, Finding{Item: it.Item, Critical: it.Critical})
			out.CriticalFailed = out.CriticalFailed || it.Critical
		}
	}
	if applicable > 0 {
		s := math.Round(passed/applicable*1000) / 10
		if out.CriticalFailed {
			s = 0
		}
		out.Score = &s
	}
	return out, nil
}

// Agreement is the share of items two reviews of one contact judged alike
// (calibration), over the items of the checklist both judged; nil when
// they share none.
func Agreement(a, b []ItemResult) *float64 {
	bm := map[string]string{}
	for _, r := range b {
		bm[r.Item] = r.Result
	}
	same, both := 0, 0
	for _, r := range a {
		if o, ok := bm[r.Item]; ok {
			both++
			if o == r.Result {
				same++
			}
		}
	}
	if both == 0 {
		return nil
	}
	v := float64(same) / float64(both)
	return &v
}

// What a sampling plan may include beside its random share.
const (
	IncludeComplaints    = "complaints"     // every contact on an account with a complaint in the period
	IncludeBreaches      = "breaches"       // every contact found in breach
	IncludeNewCollectors = "new_collectors" // every contact by a collector who joined in the last 30 days
	IncludeHighRisk      = "high_risk"      // every contact on an account the early-warning model rates high risk
)

// Includes lists them, in the forms' order.
var Includes = []string{IncludeComplaints, IncludeBreaches, IncludeNewCollectors, IncludeHighRisk}

// Why a contact is in a sample.
const ReasonRandom = "random"

// SamplingPlan is a lender's (or an agency's self-review) rule for which
// contacts are reviewed.
type SamplingPlan struct {
	RandomShare float64  `json:"random_share"` // 0..1 of each collector's contacts in the period
	Include     []string `json:"include"`
	Seed        int64    `json:"seed"`
}

// ValidatePlan checks the share and the includes.
func ValidatePlan(p SamplingPlan) error {
	if math.IsNaN(p.RandomShare) || p.RandomShare < 0 || p.RandomShare > 1 {
		return collect.Invalid("random_share", "err.qa.share")
	}
	for _, in := range p.Include {
		if !slices.Contains(Includes, in) {
			return collect.Invalid("include", "err.qa.include", "list", strings.Join(Includes, ", "))
		}
	}
	if p.RandomShare == 0 && len(p.Include) == 0 {
		return collect.Invalid("random_share", "err.qa.plan_empty")
	}
	return nil
}

// Candidate is a contact a sample may draw, with what marks it.
type Candidate struct {
	ContactID    string
	AgencyID     string
	CollectorID  string
	Complaint    bool
	Breach       bool
	NewCollector bool
	HighRisk     bool
}

// Pick is a contact drawn, and why (ReasonRandom or an Include).
type Pick struct {
	ContactID string `json:"contact_id"`
	Reason    string `json:"reason"`
}

// DrawSample draws the plan's sample for one period from its candidates.
// The random share is taken per collector (stratified by agency and
// collector), rounded up, so every collector with a contact, of the
// smallest agency too, has at least one reviewed; then every candidate an
// Include marks is added (once, with the first reason that holds). The
// draw depends only on the plan's seed, the period's name and the set of
// candidates (not their order): the same inputs draw the same sample.
func DrawSample(p SamplingPlan, period string, cands []Candidate) []Pick {
	sorted := slices.Clone(cands)
	slices.SortFunc(sorted, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(a.AgencyID, b.AgencyID), cmp.Compare(a.CollectorID, b.CollectorID), cmp.Compare(a.ContactID, b.ContactID))
	})
	picked := map[string]bool{}
	var out []Pick
	if p.RandomShare > 0 {
		for i := 0; i < len(sorted); {
			j := i
			for j < len(sorted) && sorted[j].AgencyID == sorted[i].AgencyID && sorted[j].CollectorID == sorted[i].CollectorID {
				j++
			}
			stratum := sorted[i:j]
			// Rounded up, at least one; the margin keeps a share that is
			// exact in decimals (0.07 × 100) from rounding up past it.
			n := max(1, int(math.Ceil(p.RandomShare*float64(len(stratum))-1e-9)))
			rng := rand.New(rand.NewPCG(uint64(p.Seed), streamOf(period, stratum[0].AgencyID, stratum[0].CollectorID)))
			order := rng.Perm(len(stratum))
			chosen := make([]Candidate, 0, n)
			for _, k := range order[:n] {
				chosen = append(chosen, stratum[k])
			}
			slices.SortFunc(chosen, func(a, b Candidate) int { return cmp.Compare(a.ContactID, b.ContactID) })
			for _, c := range chosen {
				picked[c.ContactID] = true
				out = append(out, Pick{ContactID: c.ContactID, Reason: ReasonRandom})
			}
			i = j
		}
	}
	marks := map[string]func(Candidate) bool{
		IncludeComplaints:    func(c Candidate) bool { return c.Complaint },
		IncludeBreaches:      func(c Candidate) bool { return c.Breach },
		IncludeNewCollectors: func(c Candidate) bool { return c.NewCollector },
		IncludeHighRisk:      func(c Candidate) bool { return c.HighRisk },
	}
	for _, c := range sorted {
		if picked[c.ContactID] {
			continue
		}
		for _, in := range Includes { // a fixed order, so the reason is too
			if slices.Contains(p.Include, in) && marks[in](c) {
				picked[c.ContactID] = true
				out = append(out, Pick{ContactID: c.ContactID, Reason: in})
				break
			}
		}
	}
	return out
}

func streamOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// The breach rules quality and evidence checks raise (breach sources
// "quality" and "evidence").
const (
	// RuleQualityCriticalItem: a reviewer failed a critical checklist item
	// of a lender's sampled contact.
	RuleQualityCriticalItem = "quality.critical_item"
	// RuleRecordingMissing: a connected call has no recording a day after
	// it (evidence.RecordingGrace).
	RuleRecordingMissing = "evidence.recording_missing"
)

// QualityRuleIDs are the rules above, for the catalogue's labels.
func QualityRuleIDs() []string { return []string{RuleQualityCriticalItem, RuleRecordingMissing} }

// BreachCounter is the counter (agency_month_stats column) a breach of
// rule counts in: a missing recording is a record-keeping finding counted
// apart, so the breach rate stays conduct breaches ÷ contact attempts
// (DESIGN.md §4); every other rule is a conduct breach.
func BreachCounter(rule string) string {
	if rule == RuleRecordingMissing {
		return "recordings_missing"
	}
	return "breaches"
}

// WeekOf names the ISO week t falls in, in loc: "2026-W49".
func WeekOf(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// WeekWindow is the ISO week's start (Monday 00:00 in loc) and the next
// week's start; an unparsable week is invalid.
func WeekWindow(week string, loc *time.Location) (time.Time, time.Time, error) {
	var y, w int
	if n, err := fmt.Sscanf(week, "%4d-W%2d", &y, &w); err != nil || n != 2 || week != fmt.Sprintf("%04d-W%02d", y, w) ||
		w < 1 || w > 53 || y < 2000 || y > 2200 {
		return time.Time{}, time.Time{}, collect.Invalid("week", "err.qa.week")
	}
	// ISO week 1 holds January 4th.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
	from := monday.AddDate(0, 0, 7*(w-1))
	if yy, ww := from.ISOWeek(); yy != y || ww != w {
		return time.Time{}, time.Time{}, collect.Invalid("week", "err.qa.week")
	}
	return from, from.AddDate(0, 0, 7), nil
}
