package oversight

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"collect"
)

// checkInvalid fails unless err is an EINVALID *collect.Error naming field
// with the catalogue key key ("" to skip the key).
func checkInvalid(t *testing.T, err error, field, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s on %q", collect.EINVALID, field)
	}
	if code := collect.ErrorCode(err); code != collect.EINVALID {
		t.Fatalf("code %q (%v), want %q", code, err, collect.EINVALID)
	}
	var e *collect.Error
	if !errors.As(err, &e) {
		t.Fatalf("%v is not a *collect.Error", err)
	}
	if len(e.Fields) != 1 || e.Fields[0].Field != field {
		t.Errorf("fields %+v, want one on %q", e.Fields, field)
	}
	if key != "" && e.Key != key {
		t.Errorf("key %q, want %q", e.Key, key)
	}
}

func TestValidateChecklist(t *testing.T) {
	item := func(id string) ChecklistItem {
		return ChecklistItem{Item: id, Label: "A label", LabelZH: "标签", Weight: 1}
	}
	with := func(f func(*ChecklistItem)) []ChecklistItem {
		it := item("ok_1")
		f(&it)
		return []ChecklistItem{item("first"), it}
	}
	many := func(n int) []ChecklistItem {
		var out []ChecklistItem
		for i := range n {
			out = append(out, item(fmt.Sprintf("item_%d", i)))
		}
		return out
	}
	tests := []struct {
		name  string
		items []ChecklistItem
		field string // "" when valid
		key   string
	}{
		{"default checklist", DefaultChecklist, "", ""},
		{"one item", []ChecklistItem{item("a")}, "", ""},
		{"nil", nil, "items", "err.qa.checklist_empty"},
		{"empty", []ChecklistItem{}, "items", "err.qa.checklist_empty"},
		{"40 items", many(40), "", ""},
		{"41 items", many(41), "items", "err.qa.checklist_long"},
		{"id ok_1", with(func(it *ChecklistItem) {}), "", ""},
		{"id of 40 chars", with(func(it *ChecklistItem) { it.Item = strings.Repeat("a", 40) }), "", ""},
		{"id empty", with(func(it *ChecklistItem) { it.Item = "" }), "item", "err.qa.item_id"},
		{"id upper case", with(func(it *ChecklistItem) { it.Item = "A" }), "item", "err.qa.item_id"},
		{"id with space", with(func(it *ChecklistItem) { it.Item = "with space" }), "item", "err.qa.item_id"},
		{"id of 41 chars", with(func(it *ChecklistItem) { it.Item = strings.Repeat("a", 41) }), "item", "err.qa.item_id"},
		{"id with hyphen", with(func(it *ChecklistItem) { it.Item = "a-b" }), "item", "err.qa.item_id"},
		{"id not ASCII", with(func(it *ChecklistItem) { it.Item = "é" }), "item", "err.qa.item_id"},
		{"id repeated", with(func(it *ChecklistItem) { it.Item = "first" }), "item", "err.qa.item_repeated"},
		{"label empty", with(func(it *ChecklistItem) { it.Label = "" }), "label", "err.qa.item_label"},
		{"label blank", with(func(it *ChecklistItem) { it.Label = " \t " }), "label", "err.qa.item_label"},
		{"label of 200 runes", with(func(it *ChecklistItem) { it.Label = strings.Repeat("标", 200) }), "", ""},
		{"label of 201 runes", with(func(it *ChecklistItem) { it.Label = strings.Repeat("x", 201) }), "label", "err.qa.item_label"},
		{"Chinese label of 200 runes", with(func(it *ChecklistItem) { it.LabelZH = strings.Repeat("标", 200) }), "", ""},
		{"Chinese label of 201 runes", with(func(it *ChecklistItem) { it.LabelZH = strings.Repeat("标", 201) }), "label", "err.qa.item_label"},
		{"Chinese label empty", with(func(it *ChecklistItem) { it.LabelZH = "" }), "", ""},
		{"weight 0", with(func(it *ChecklistItem) { it.Weight = 0 }), "weight", "err.qa.item_weight"},
		{"weight -1", with(func(it *ChecklistItem) { it.Weight = -1 }), "weight", "err.qa.item_weight"},
		{"weight NaN", with(func(it *ChecklistItem) { it.Weight = math.NaN() }), "weight", "err.qa.item_weight"},
		{"weight +Inf", with(func(it *ChecklistItem) { it.Weight = math.Inf(1) }), "weight", "err.qa.item_weight"},
		{"weight -Inf", with(func(it *ChecklistItem) { it.Weight = math.Inf(-1) }), "weight", "err.qa.item_weight"},
		{"weight 0.01", with(func(it *ChecklistItem) { it.Weight = 0.01 }), "", ""},
		{"weight 100", with(func(it *ChecklistItem) { it.Weight = 100 }), "", ""},
		{"weight 100.5", with(func(it *ChecklistItem) { it.Weight = 100.5 }), "weight", "err.qa.item_weight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateChecklist(tt.items)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ValidateChecklist: %v, want valid", err)
				}
				return
			}
			checkInvalid(t, err, tt.field, tt.key)
		})
	}
}

func TestScoreReview(t *testing.T) {
	// weights 2, 1, 3; "b" is critical only in critical.
	plain := []ChecklistItem{
		{Item: "a", Label: "A", Weight: 2},
		{Item: "b", Label: "B", Weight: 1},
		{Item: "c", Label: "C", Weight: 3},
	}
	critical := slices.Clone(plain)
	critical[0].Critical = true
	equal := []ChecklistItem{
		{Item: "a", Label: "A", Weight: 1},
		{Item: "b", Label: "B", Weight: 1},
		{Item: "c", Label: "C", Weight: 1},
	}
	res := func(abc ...string) []ItemResult {
		var out []ItemResult
		for i, r := range abc {
			out = append(out, ItemResult{Item: string(rune('a' + i)), Result: r})
		}
		return out
	}
	score := func(v float64) *float64 { return &v }
	const p, f, na = ResultPass, ResultFail, ResultNA
	tests := []struct {
		name      string
		checklist []ChecklistItem
		results   []ItemResult
		score     *float64
		findings  []Finding
		critical  bool
	}{
		{"all pass", plain, res(p, p, p), score(100), nil, false},
		{"fail of weight 1 of 6", plain, res(p, f, p), score(83.3), []Finding{{Item: "b"}}, false},
		{"fail of weight 2 of 6", plain, res(f, p, p), score(66.7), []Finding{{Item: "a"}}, false},
		{"fail of weight 3 of 6", plain, res(p, p, f), score(50), []Finding{{Item: "c"}}, false},
		{"fail with an na", plain, res(p, f, na), score(66.7), []Finding{{Item: "b"}}, false},
		{"pass of 1 of 3 equal", equal, res(p, f, f), score(33.3), []Finding{{Item: "b"}, {Item: "c"}}, false},
		{"pass of 1 of 6", plain, res(na, p, f), score(25), []Finding{{Item: "c"}}, false},
		{"all fail", plain, res(f, f, f), score(0), []Finding{{Item: "a"}, {Item: "b"}, {Item: "c"}}, false},
		{"only na and one pass", plain, res(na, p, na), score(100), nil, false},
		{"all na", plain, res(na, na, na), nil, nil, false},
		{"critical fail", critical, res(f, p, p), score(0), []Finding{{Item: "a", Critical: true}}, true},
		{"critical fail, the rest na", critical, res(f, na, na), score(0), []Finding{{Item: "a", Critical: true}}, true},
		{"critical passes, another fails", critical, res(p, f, p), score(83.3), []Finding{{Item: "b"}}, false},
		{"critical and non-critical fail", critical, res(f, f, p), score(0), []Finding{{Item: "a", Critical: true}, {Item: "b"}}, true},
		{"results in another order", plain, []ItemResult{{"c", p}, {"a", p}, {"b", f}}, score(83.3), []Finding{{Item: "b"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ScoreReview(tt.checklist, tt.results)
			if err != nil {
				t.Fatalf("ScoreReview: %v", err)
			}
			switch {
			case tt.score == nil && out.Score != nil:
				t.Errorf("score %v, want nil", *out.Score)
			case tt.score != nil && out.Score == nil:
				t.Errorf("score nil, want %v", *tt.score)
			case tt.score != nil && *out.Score != *tt.score:
				t.Errorf("score %v, want %v", *out.Score, *tt.score)
			}
			if out.Findings == nil {
				t.Error("findings nil, want a (possibly empty) list")
			}
			if want := tt.findings; !slices.Equal(out.Findings, want) && !(len(want) == 0 && len(out.Findings) == 0) {
				t.Errorf("findings %+v, want %+v", out.Findings, want)
			}
			if out.CriticalFailed != tt.critical {
				t.Errorf("critical failed %v, want %v", out.CriticalFailed, tt.critical)
			}
		})
	}
}

// The score is rounded to 0.1 of a percent.
func TestScoreReviewRounding(t *testing.T) {
	tests := []struct {
		pass, fail float64 // weights of the one passed and the one failed item
		want       float64
	}{
		{1, 2, 33.3},
		{2, 1, 66.7},
		{1, 5, 16.7},
		{5, 1, 83.3},
		{7, 1, 87.5},
		{1, 7, 12.5},
		{99, 1, 99},
		{100, 1, 99},   // 99.0099…
		{1, 100, 1},    // 0.990…
		{1, 99.9, 1},   // 0.991…
		{1, 1999, 0.1}, // 0.05 exactly in decimal, 0.05 rounds up
		{1, 2001, 0},   // 0.04997…
		{0.3, 0.7, 30},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v of %v", tt.pass, tt.pass+tt.fail), func(t *testing.T) {
			checklist := []ChecklistItem{{Item: "p", Label: "P", Weight: tt.pass}, {Item: "f", Label: "F", Weight: tt.fail}}
			out, err := ScoreReview(checklist, []ItemResult{{"p", ResultPass}, {"f", ResultFail}})
			if err != nil {
				t.Fatal(err)
			}
			if out.Score == nil || *out.Score != tt.want {
				t.Errorf("score %v, want %v", out.Score, tt.want)
			}
			if got := *out.Score * 10; got != math.Round(got) {
				t.Errorf("score %v is not a multiple of 0.1", *out.Score)
			}
		})
	}
}

func TestScoreReviewRefuses(t *testing.T) {
	checklist := []ChecklistItem{
		{Item: "a", Label: "A", Weight: 1},
		{Item: "b", Label: "B", Weight: 1, Critical: true},
	}
	tests := []struct {
		name    string
		results []ItemResult
		key     string
	}{
		{"none", nil, "err.qa.item_missing"},
		{"an item missing", []ItemResult{{"a", ResultPass}}, "err.qa.item_missing"},
		{"an unknown item", []ItemResult{{"a", ResultPass}, {"b", ResultPass}, {"z", ResultPass}}, "err.qa.item_unknown"},
		{"an unknown item instead of one", []ItemResult{{"a", ResultPass}, {"z", ResultPass}}, "err.qa.item_unknown"},
		{"an empty item", []ItemResult{{"a", ResultPass}, {"b", ResultPass}, {"", ResultPass}}, "err.qa.item_unknown"},
		{"an item repeated alike", []ItemResult{{"a", ResultPass}, {"b", ResultPass}, {"a", ResultPass}}, "err.qa.item_repeated"},
		{"an item repeated differently", []ItemResult{{"a", ResultPass}, {"b", ResultPass}, {"a", ResultFail}}, "err.qa.item_repeated"},
		{"result PASS", []ItemResult{{"a", "PASS"}, {"b", ResultPass}}, "err.qa.result"},
		{"result empty", []ItemResult{{"a", ResultPass}, {"b", ""}}, "err.qa.result"},
		{"result n/a", []ItemResult{{"a", "n/a"}, {"b", ResultPass}}, "err.qa.result"},
		{"result with a space", []ItemResult{{"a", "pass "}, {"b", ResultPass}}, "err.qa.result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := ScoreReview(checklist, tt.results)
			checkInvalid(t, err, "items", tt.key)
			if out.Score != nil || out.Findings != nil || out.CriticalFailed {
				t.Errorf("outcome %+v beside an error, want the zero outcome", out)
			}
		})
	}
}

func TestAgreement(t *testing.T) {
	seven := func(results ...string) []ItemResult {
		var out []ItemResult
		for i, r := range results {
			out = append(out, ItemResult{Item: DefaultChecklist[i].Item, Result: r})
		}
		return out
	}
	const p, f, na = ResultPass, ResultFail, ResultNA
	all := seven(p, p, f, p, na, p, p)
	tests := []struct {
		name string
		a, b []ItemResult
		want *float64 // nil for none
	}{
		{"identical", all, all, ptr(1.0)},
		{"identical, other order", all, reversed(all), ptr(1.0)},
		{"one of 7 differs", all, seven(p, p, f, p, p, p, p), ptr(6.0 / 7)},
		{"na against fail differs", all, seven(p, p, f, p, f, p, p), ptr(6.0 / 7)},
		{"all differ", seven(p, p), seven(f, na), ptr(0.0)},
		{"over the items both judged", all, seven(p, f, f), ptr(2.0 / 3)},
		{"over the items both judged, swapped", seven(p, f, f), all, ptr(2.0 / 3)},
		{"disjoint items", []ItemResult{{"a", p}, {"b", f}}, []ItemResult{{"c", p}, {"d", f}}, nil},
		{"both empty", nil, nil, nil},
		{"first empty", nil, all, nil},
		{"second empty", all, []ItemResult{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Agreement(tt.a, tt.b)
			switch {
			case tt.want == nil && got != nil:
				t.Errorf("agreement %v, want nil", *got)
			case tt.want != nil && got == nil:
				t.Errorf("agreement nil, want %v", *tt.want)
			case tt.want != nil && math.Abs(*got-*tt.want) > 1e-12:
				t.Errorf("agreement %v, want %v", *got, *tt.want)
			}
		})
	}
}

func TestValidatePlan(t *testing.T) {
	tests := []struct {
		name  string
		plan  SamplingPlan
		field string // "" when valid
		key   string
	}{
		{"share -0.01", SamplingPlan{RandomShare: -0.01}, "random_share", "err.qa.share"},
		{"share -0.01 with an include", SamplingPlan{RandomShare: -0.01, Include: []string{IncludeBreaches}}, "random_share", "err.qa.share"},
		{"share 0 alone", SamplingPlan{RandomShare: 0}, "random_share", "err.qa.plan_empty"},
		{"share 0, include empty", SamplingPlan{RandomShare: 0, Include: []string{}}, "random_share", "err.qa.plan_empty"},
		{"share 0 with an include", SamplingPlan{RandomShare: 0, Include: []string{IncludeComplaints}}, "", ""},
		{"share 0.01", SamplingPlan{RandomShare: 0.01}, "", ""},
		{"share 1", SamplingPlan{RandomShare: 1}, "", ""},
		{"share 1.01", SamplingPlan{RandomShare: 1.01}, "random_share", "err.qa.share"},
		{"share NaN", SamplingPlan{RandomShare: math.NaN()}, "random_share", "err.qa.share"},
		{"share NaN with an include", SamplingPlan{RandomShare: math.NaN(), Include: []string{IncludeBreaches}}, "random_share", "err.qa.share"},
		{"share +Inf", SamplingPlan{RandomShare: math.Inf(1)}, "random_share", "err.qa.share"},
		{"every include", SamplingPlan{RandomShare: 0.1, Include: Includes}, "", ""},
		{"include unknown", SamplingPlan{RandomShare: 0.1, Include: []string{"everything"}}, "include", "err.qa.include"},
		{"include unknown after a known", SamplingPlan{RandomShare: 0.1, Include: []string{IncludeHighRisk, "Breaches"}}, "include", "err.qa.include"},
		{"include unknown, share 0", SamplingPlan{Include: []string{""}}, "include", "err.qa.include"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePlan(tt.plan)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ValidatePlan: %v, want valid", err)
				}
				return
			}
			checkInvalid(t, err, tt.field, tt.key)
		})
	}
}

// pool is n candidates of one collector of one agency.
func pool(agency, collector string, n int) []Candidate {
	var out []Candidate
	for i := range n {
		out = append(out, Candidate{ContactID: fmt.Sprintf("%s/%s/c%03d", agency, collector, i), AgencyID: agency, CollectorID: collector})
	}
	return out
}

func shuffled(cands []Candidate, seed uint64) []Candidate {
	out := slices.Clone(cands)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestDrawSampleReproducible(t *testing.T) {
	cands := slices.Concat(pool("ag1", "col1", 37), pool("ag1", "col2", 5), pool("ag2", "col1", 12), pool("ag2", "col9", 1))
	cands[3].Complaint = true
	cands[40].Breach = true
	cands[50].HighRisk = true
	plan := SamplingPlan{RandomShare: 0.2, Include: Includes, Seed: 42}
	want := DrawSample(plan, "2026-W10", cands)
	if len(want) == 0 {
		t.Fatal("no picks")
	}
	for s := range uint64(5) {
		if got := DrawSample(plan, "2026-W10", shuffled(cands, s)); !slices.Equal(got, want) {
			t.Errorf("shuffle %d: picks\n%v\nwant\n%v", s, got, want)
		}
	}
	if got := DrawSample(plan, "2026-W10", reversed(cands)); !slices.Equal(got, want) {
		t.Errorf("reversed: picks\n%v\nwant\n%v", got, want)
	}
	// The candidates are not reordered in place.
	before := slices.Clone(cands)
	DrawSample(plan, "2026-W10", cands)
	if !slices.Equal(cands, before) {
		t.Error("DrawSample reordered its argument")
	}
}

func TestDrawSampleVaries(t *testing.T) {
	cands := pool("ag1", "col1", 200)
	base := SamplingPlan{RandomShare: 0.1, Seed: 1}
	randomIDs := func(p SamplingPlan, period string) []string {
		var ids []string
		for _, pk := range DrawSample(p, period, cands) {
			if pk.Reason == ReasonRandom {
				ids = append(ids, pk.ContactID)
			}
		}
		return ids
	}
	want := randomIDs(base, "2026-W10")
	if len(want) != 20 {
		t.Fatalf("%d random picks, want 20", len(want))
	}
	tests := []struct {
		name   string
		plan   SamplingPlan
		period string
	}{
		{"another seed", SamplingPlan{RandomShare: 0.1, Seed: 2}, "2026-W10"},
		{"a negative seed", SamplingPlan{RandomShare: 0.1, Seed: -1}, "2026-W10"},
		{"another period", base, "2026-W11"},
		{"another year", base, "2027-W10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := randomIDs(tt.plan, tt.period)
			if len(got) != len(want) {
				t.Fatalf("%d random picks, want %d", len(got), len(want))
			}
			if slices.Equal(got, want) {
				t.Errorf("same random picks as seed 1 of 2026-W10: %v", got)
			}
		})
	}
	// Two collectors of the same size in one draw are not picked alike.
	two := slices.Concat(pool("ag1", "x", 100), pool("ag1", "y", 100))
	var xs, ys []string
	for _, pk := range DrawSample(base, "2026-W10", two) {
		id := pk.ContactID[len("ag1/x/"):]
		if strings.HasPrefix(pk.ContactID, "ag1/x/") {
			xs = append(xs, id)
		} else {
			ys = append(ys, id)
		}
	}
	if len(xs) != 10 || len(ys) != 10 {
		t.Fatalf("%d and %d picks, want 10 and 10", len(xs), len(ys))
	}
	if slices.Equal(xs, ys) {
		t.Errorf("both collectors drew the same positions %v", xs)
	}
}

func TestDrawSampleStratified(t *testing.T) {
	type stratum struct {
		agency, collector string
		n                 int
		want              int // random picks
	}
	tests := []struct {
		name   string
		share  float64
		strata []stratum
	}{
		{"share 0.01, one contact each", 0.01, []stratum{{"big", "a", 1, 1}, {"small", "a", 1, 1}}},
		{"share 0.01", 0.01, []stratum{{"big", "a", 250, 3}, {"big", "b", 100, 1}, {"small", "z", 1, 1}}},
		{"share 0.1", 0.1, []stratum{{"ag", "a", 9, 1}, {"ag", "b", 10, 1}, {"ag", "c", 11, 2}, {"ag", "d", 30, 3}}},
		{"share 0.5", 0.5, []stratum{{"ag", "a", 1, 1}, {"ag", "b", 2, 1}, {"ag", "c", 3, 2}, {"ag", "d", 7, 4}}},
		{"share 1", 1, []stratum{{"ag", "a", 1, 1}, {"ag", "b", 13, 13}}},
		{"share 0.999", 0.999, []stratum{{"ag", "a", 13, 13}}},
		{"same collector id at two agencies", 0.25, []stratum{{"ag1", "c", 4, 1}, {"ag2", "c", 4, 1}}},
		// 0.07 × 100 is 7.000000000000001 in float64.
		{"share 0.07 of 100", 0.07, []stratum{{"ag", "a", 100, 7}}},
		{"share 0.14 of 50", 0.14, []stratum{{"ag", "a", 50, 7}}},
		{"share 0.55 of 100", 0.55, []stratum{{"ag", "a", 100, 55}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cands []Candidate
			for _, s := range tt.strata {
				cands = append(cands, pool(s.agency, s.collector, s.n)...)
			}
			picks := DrawSample(SamplingPlan{RandomShare: tt.share, Seed: 7}, "2026-W10", cands)
			count := map[string]int{}
			seen := map[string]bool{}
			for _, pk := range picks {
				if pk.Reason != ReasonRandom {
					t.Errorf("pick %+v, want reason %q (no includes)", pk, ReasonRandom)
				}
				if seen[pk.ContactID] {
					t.Errorf("%s picked twice", pk.ContactID)
				}
				seen[pk.ContactID] = true
				i := strings.LastIndex(pk.ContactID, "/")
				count[pk.ContactID[:i]]++
			}
			for _, s := range tt.strata {
				if got := count[s.agency+"/"+s.collector]; got != s.want {
					t.Errorf("%s/%s: %d random picks of %d, want ceil(%v × %d) = %d", s.agency, s.collector, got, s.n, tt.share, s.n, s.want)
				}
			}
		})
	}
}

func TestDrawSampleIncludes(t *testing.T) {
	// One collector with 10 contacts; share 0.1 picks 1 at random.
	base := pool("ag", "col", 10)
	mark := func(c *Candidate, flags string) {
		c.Complaint = strings.Contains(flags, "C")
		c.Breach = strings.Contains(flags, "B")
		c.NewCollector = strings.Contains(flags, "N")
		c.HighRisk = strings.Contains(flags, "H")
	}
	// Which contact the random draw picks, with no includes.
	randomPick := func(share float64) map[string]bool {
		m := map[string]bool{}
		for _, pk := range DrawSample(SamplingPlan{RandomShare: share, Seed: 3}, "2026-W10", base) {
			m[pk.ContactID] = true
		}
		return m
	}(0.1)
	if len(randomPick) != 1 {
		t.Fatalf("%d random picks, want 1", len(randomPick))
	}
	var randomID string
	for id := range randomPick {
		randomID = id
	}
	idx := slices.IndexFunc(base, func(c Candidate) bool { return c.ContactID == randomID })
	others := []int{}
	for i := range base {
		if i != idx {
			others = append(others, i)
		}
	}
	tests := []struct {
		name    string
		share   float64
		include []string
		flags   map[int]string // index in base → marks (C, B, N, H)
		want    map[int]string // index in base → reason, beside the random pick when share > 0
	}{
		{"complaint included", 0.1, []string{IncludeComplaints}, map[int]string{others[0]: "C"}, map[int]string{others[0]: IncludeComplaints}},
		{"breach included", 0.1, []string{IncludeBreaches}, map[int]string{others[0]: "B"}, map[int]string{others[0]: IncludeBreaches}},
		{"new collector included", 0.1, []string{IncludeNewCollectors}, map[int]string{others[0]: "N"}, map[int]string{others[0]: IncludeNewCollectors}},
		{"high risk included", 0.1, []string{IncludeHighRisk}, map[int]string{others[0]: "H"}, map[int]string{others[0]: IncludeHighRisk}},
		{"complaint not included", 0.1, []string{IncludeBreaches, IncludeNewCollectors, IncludeHighRisk}, map[int]string{others[0]: "C"}, nil},
		{"breach not included", 0.1, []string{IncludeComplaints, IncludeNewCollectors, IncludeHighRisk}, map[int]string{others[0]: "B"}, nil},
		{"new collector not included", 0.1, []string{IncludeComplaints, IncludeBreaches, IncludeHighRisk}, map[int]string{others[0]: "N"}, nil},
		{"high risk not included", 0.1, []string{IncludeComplaints, IncludeBreaches, IncludeNewCollectors}, map[int]string{others[0]: "H"}, nil},
		{"nothing included", 0.1, nil, map[int]string{others[0]: "CBNH"}, nil},
		{"every mark, once, first reason", 0.1, Includes, map[int]string{others[0]: "CBNH", others[1]: "BH", others[2]: "NH"},
			map[int]string{others[0]: IncludeComplaints, others[1]: IncludeBreaches, others[2]: IncludeNewCollectors}},
		{"the plan's include order does not matter", 0.1, reversed(Includes), map[int]string{others[0]: "CBNH", others[1]: "BH"},
			map[int]string{others[0]: IncludeComplaints, others[1]: IncludeBreaches}},
		{"an include named twice", 0.1, []string{IncludeBreaches, IncludeBreaches}, map[int]string{others[0]: "B"}, map[int]string{others[0]: IncludeBreaches}},
		{"picked at random keeps random", 0.1, Includes, map[int]string{idx: "CBNH", others[0]: "B"}, map[int]string{others[0]: IncludeBreaches}},
		{"share 0: only the included", 0, []string{IncludeComplaints, IncludeHighRisk}, map[int]string{idx: "C", others[0]: "H", others[1]: "B"},
			map[int]string{idx: IncludeComplaints, others[0]: IncludeHighRisk}},
		{"share 0, none marked", 0, Includes, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cands := slices.Clone(base)
			for i, fl := range tt.flags {
				mark(&cands[i], fl)
			}
			want := map[string]string{}
			if tt.share > 0 {
				want[randomID] = ReasonRandom
			}
			for i, r := range tt.want {
				want[cands[i].ContactID] = r
			}
			picks := DrawSample(SamplingPlan{RandomShare: tt.share, Include: tt.include, Seed: 3}, "2026-W10", cands)
			got := map[string]string{}
			for _, pk := range picks {
				if _, dup := got[pk.ContactID]; dup {
					t.Errorf("%s picked twice", pk.ContactID)
				}
				got[pk.ContactID] = pk.Reason
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("picks %v, want %v", got, want)
			}
		})
	}
}

func TestDrawSampleNoCandidates(t *testing.T) {
	for _, plan := range []SamplingPlan{
		{RandomShare: 0.5},
		{RandomShare: 1, Include: Includes},
		{Include: Includes},
	} {
		for _, cands := range [][]Candidate{nil, {}} {
			if got := DrawSample(plan, "2026-W10", cands); len(got) != 0 {
				t.Errorf("plan %+v, candidates %#v: picks %v, want none", plan, cands, got)
			}
		}
	}
}

func loadLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

func TestWeekWindow(t *testing.T) {
	sh := loadLocation(t, "Asia/Shanghai")
	la := loadLocation(t, "America/Los_Angeles")
	tests := []struct {
		week  string
		loc   *time.Location
		from  time.Time
		hours float64
	}{
		{"2026-W01", sh, time.Date(2025, 12, 29, 0, 0, 0, 0, sh), 168},
		{"2026-W01", time.UTC, time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC), 168},
		{"2026-W01", la, time.Date(2025, 12, 29, 0, 0, 0, 0, la), 168},
		{"2026-W02", sh, time.Date(2026, 1, 5, 0, 0, 0, 0, sh), 168},
		{"2026-W49", sh, time.Date(2026, 11, 30, 0, 0, 0, 0, sh), 168},
		{"2026-W52", sh, time.Date(2026, 12, 21, 0, 0, 0, 0, sh), 168},
		// 2026 begins on a Thursday, so it has 53 ISO weeks (as 2020 does).
		{"2026-W53", sh, time.Date(2026, 12, 28, 0, 0, 0, 0, sh), 168},
		{"2027-W01", sh, time.Date(2027, 1, 4, 0, 0, 0, 0, sh), 168},
		{"2020-W01", time.UTC, time.Date(2019, 12, 30, 0, 0, 0, 0, time.UTC), 168},
		{"2020-W53", sh, time.Date(2020, 12, 28, 0, 0, 0, 0, sh), 168},
		{"2021-W01", sh, time.Date(2021, 1, 4, 0, 0, 0, 0, sh), 168},
		{"2015-W53", time.UTC, time.Date(2015, 12, 28, 0, 0, 0, 0, time.UTC), 168},
		{"2000-W01", time.UTC, time.Date(2000, 1, 3, 0, 0, 0, 0, time.UTC), 168},
		{"2200-W01", time.UTC, time.Date(2199, 12, 30, 0, 0, 0, 0, time.UTC), 168},
		// Los Angeles springs forward on Sunday 8 March 2026 and falls back on
		// Sunday 1 November 2026.
		{"2026-W10", la, time.Date(2026, 3, 2, 0, 0, 0, 0, la), 167},
		{"2026-W11", la, time.Date(2026, 3, 9, 0, 0, 0, 0, la), 168},
		{"2026-W44", la, time.Date(2026, 10, 26, 0, 0, 0, 0, la), 169},
		{"2026-W45", la, time.Date(2026, 11, 2, 0, 0, 0, 0, la), 168},
		{"2026-W10", sh, time.Date(2026, 3, 2, 0, 0, 0, 0, sh), 168},
	}
	for _, tt := range tests {
		t.Run(tt.week+" "+tt.loc.String(), func(t *testing.T) {
			from, to, err := WeekWindow(tt.week, tt.loc)
			if err != nil {
				t.Fatalf("WeekWindow: %v", err)
			}
			if !from.Equal(tt.from) {
				t.Errorf("from %v, want %v", from, tt.from)
			}
			if from.Location() != tt.loc {
				t.Errorf("from in %v, want %v", from.Location(), tt.loc)
			}
			if lf := from.In(tt.loc); lf.Weekday() != time.Monday || lf.Hour() != 0 || lf.Minute() != 0 || lf.Second() != 0 || lf.Nanosecond() != 0 {
				t.Errorf("from %v is not Monday 00:00 in %v", lf, tt.loc)
			}
			want := tt.from.AddDate(0, 0, 7)
			if !to.Equal(want) {
				t.Errorf("to %v, want %v", to, want)
			}
			if lt := to.In(tt.loc); lt.Weekday() != time.Monday || lt.Hour() != 0 || lt.Minute() != 0 {
				t.Errorf("to %v is not Monday 00:00 in %v", lt, tt.loc)
			}
			if h := to.Sub(from).Hours(); h != tt.hours {
				t.Errorf("window of %v hours, want %v", h, tt.hours)
			}
			if got := WeekOf(from, tt.loc); got != tt.week {
				t.Errorf("WeekOf(from) %q, want %q", got, tt.week)
			}
			if got := WeekOf(to.Add(-time.Nanosecond), tt.loc); got != tt.week {
				t.Errorf("WeekOf(to - 1ns) %q, want %q", got, tt.week)
			}
			if got := WeekOf(from.Add(-time.Nanosecond), tt.loc); got == tt.week {
				t.Errorf("WeekOf(from - 1ns) %q, want the week before", got)
			}
			if got := WeekOf(to, tt.loc); got == tt.week {
				t.Errorf("WeekOf(to) %q, want the week after", got)
			}
		})
	}
}

func TestWeekWindowInvalid(t *testing.T) {
	sh := loadLocation(t, "Asia/Shanghai")
	for _, week := range []string{
		"",
		"2025-W53", // 2025 has 52 weeks
		"2027-W53", // so has 2027
		"2021-W53",
		"2026-W1",
		"2026-W1x",
		"2026-W01x",
		"2026-W+1",
		"2026-W-1",
		"2026-W 1",
		" 2026-W01",
		"2026-W01 ",
		"2026-w01",
		"2026W01",
		"2026-01",
		"2026-W00",
		"2026-W54",
		"2026-W99",
		"1999-W10",
		"1999-W52",
		"2201-W01",
		"0000-W01",
		"-001-W01",
		"+2026-W01",
		"26-W01",
		"20260-W01",
		"../../",
		"2026-W01/../..",
	} {
		t.Run(week, func(t *testing.T) {
			from, to, err := WeekWindow(week, sh)
			checkInvalid(t, err, "week", "err.qa.week")
			if !from.IsZero() || !to.IsZero() {
				t.Errorf("window %v – %v beside an error, want zero times", from, to)
			}
		})
	}
}

func TestWeekOf(t *testing.T) {
	sh := loadLocation(t, "Asia/Shanghai")
	la := loadLocation(t, "America/Los_Angeles")
	tests := []struct {
		name string
		t    time.Time
		loc  *time.Location
		want string
	}{
		{"Shanghai Monday 00:00 of 2026-W01", time.Date(2025, 12, 29, 0, 0, 0, 0, sh), sh, "2026-W01"},
		{"Shanghai Sunday before", time.Date(2025, 12, 28, 23, 59, 59, 0, sh), sh, "2025-W52"},
		// Sunday 16:30 UTC is Monday 00:30 in Shanghai.
		{"UTC instant, Shanghai week", time.Date(2025, 12, 28, 16, 30, 0, 0, time.UTC), sh, "2026-W01"},
		{"UTC instant, UTC week", time.Date(2025, 12, 28, 16, 30, 0, 0, time.UTC), time.UTC, "2025-W52"},
		// Monday 07:30 UTC is still Sunday in Los Angeles.
		{"UTC instant, Los Angeles week", time.Date(2025, 12, 29, 7, 30, 0, 0, time.UTC), la, "2025-W52"},
		{"2020-W53 Sunday", time.Date(2021, 1, 3, 12, 0, 0, 0, time.UTC), time.UTC, "2020-W53"},
		{"2026-W49", time.Date(2026, 12, 1, 9, 0, 0, 0, sh), sh, "2026-W49"},
		{"year padded", time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.UTC, "2026-W02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WeekOf(tt.t, tt.loc); got != tt.want {
				t.Errorf("WeekOf(%v, %v) = %q, want %q", tt.t, tt.loc, got, tt.want)
			}
		})
	}
	// Every week of 2020..2027, in each zone: the window round-trips and the
	// windows tile time.
	for _, loc := range []*time.Location{sh, la, time.UTC} {
		prevTo := time.Time{}
		for y := 2020; y <= 2027; y++ {
			for w := 1; w <= 53; w++ {
				week := fmt.Sprintf("%04d-W%02d", y, w)
				from, to, err := WeekWindow(week, loc)
				if err != nil {
					if w == 53 {
						continue // a 52-week year
					}
					t.Fatalf("%s in %v: %v", week, loc, err)
				}
				if got := WeekOf(from, loc); got != week {
					t.Errorf("%s in %v: WeekOf(from) = %q", week, loc, got)
				}
				if h := to.Sub(from).Hours(); h != 168 && h != 167 && h != 169 {
					t.Errorf("%s in %v: window of %v hours", week, loc, h)
				}
				if !prevTo.IsZero() && !from.Equal(prevTo) {
					t.Errorf("%s in %v: starts %v, the week before ended %v", week, loc, from, prevTo)
				}
				prevTo = to
			}
		}
	}
}

func TestBreachCounter(t *testing.T) {
	tests := []struct {
		rule, want string
	}{
		{RuleRecordingMissing, "recordings_missing"},
		{"evidence.recording_missing", "recordings_missing"},
		{RuleQualityCriticalItem, "breaches"},
		{"contact.quiet_hours", "breaches"},
		{"evidence.recording_missing ", "breaches"},
		{"EVIDENCE.RECORDING_MISSING", "breaches"},
		{"", "breaches"},
	}
	for _, tt := range tests {
		if got := BreachCounter(tt.rule); got != tt.want {
			t.Errorf("BreachCounter(%q) = %q, want %q", tt.rule, got, tt.want)
		}
	}
	if got := QualityRuleIDs(); !slices.Equal(got, []string{RuleQualityCriticalItem, RuleRecordingMissing}) {
		t.Errorf("QualityRuleIDs() = %v", got)
	}
}

func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}
