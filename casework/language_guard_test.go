package casework_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"collect/casework"
	"collect/policies"
)

// languageCorpus is casework/testdata/language_corpus.json.
type languageCorpus struct {
	About     string          `json:"about"`
	Forbidden []languageEntry `json:"forbidden"`
	Clean     []languageEntry `json:"clean"`
	Disclose  []languageEntry `json:"disclosure"`
}

type languageEntry struct {
	Lang      string   `json:"lang"` // "zh" or "en"
	Text      string   `json:"text"`
	Category  string   `json:"category,omitempty"`  // forbidden: the expected category
	Discloses bool     `json:"discloses,omitempty"` // disclosure: whether it discloses the debt
	Guards    []string `json:"guards,omitempty"`    // only these language sets; all if empty
}

// appliesTo says whether a shipped language set is run on the entry: cn_en
// on every sentence, en on the English ones.
func (e languageEntry) appliesTo(guard string) bool {
	if len(e.Guards) > 0 {
		return slices.Contains(e.Guards, guard)
	}
	return guard == "cn_en" || guard == "en" && e.Lang == "en"
}

func loadLanguageCorpus(t testing.TB) languageCorpus {
	t.Helper()
	b, err := os.ReadFile("testdata/language_corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var c languageCorpus
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	shippedGuardsOnce sync.Once
	shippedGuards     map[string]*casework.LanguageGuard
	shippedGuardsErr  error
)

// shippedLanguageGuards parses the shipped language sets once.
func shippedLanguageGuards(t testing.TB) map[string]*casework.LanguageGuard {
	t.Helper()
	shippedGuardsOnce.Do(func() {
		shippedGuards = map[string]*casework.LanguageGuard{}
		for _, name := range []string{"cn_en", "en"} {
			b, err := policies.LanguageGuard(name)
			if err != nil {
				shippedGuardsErr = err
				return
			}
			g, err := casework.ParseLanguageGuard(b)
			if err != nil {
				shippedGuardsErr = fmt.Errorf("%s: %w", name, err)
				return
			}
			shippedGuards[name] = g
		}
	})
	if shippedGuardsErr != nil {
		t.Fatal(shippedGuardsErr)
	}
	return shippedGuards
}

// The guards never panic, are deterministic, quote only text that is in
// the input, and give the same verdict whatever the ASCII case and the
// white space around the text (the properties FuzzConductText checks), on
// random text built from the corpus's own characters and from noise.
func TestLanguageGuardRobust(t *testing.T) {
	guards := shippedLanguageGuards(t)
	c := loadLanguageCorpus(t)
	var pieces []string
	for _, es := range [][]languageEntry{c.Forbidden, c.Clean, c.Disclose} {
		for _, e := range es {
			pieces = append(pieces, e.Text)
		}
	}
	noise := []string{"\x00", "\xff\xfe", "\u200b", "\u3000", "\u00ad", "e\u0301", "ﬁ", "Ⅻ", "①", "【", "】", " ", ".", "。", "\n", "'", "×", "p o l i c e", "警 察", "🙂", "\U0002A6A5"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 300; i++ {
		var b strings.Builder
		for j := rng.IntN(6); j >= 0; j-- {
			if rng.IntN(2) == 0 {
				p := pieces[rng.IntN(len(pieces))]
				from := rng.IntN(len(p) + 1)
				b.WriteString(p[from:min(len(p), from+rng.IntN(40))])
			} else {
				b.WriteString(noise[rng.IntN(len(noise))])
			}
		}
		text := b.String()
		for name, g := range guards {
			for _, check := range []func(string) (casework.LanguageHit, bool){g.Forbidden, g.Discloses} {
				hit, ok := check(text)
				if again, ok2 := check(text); again != hit || ok2 != ok {
					t.Fatalf("%s: %q not deterministic", name, text)
				}
				if ok && (hit.Category == "" || hit.Pattern == "" || hit.Match == "") {
					t.Fatalf("%s: %q: empty hit %+v", name, text, hit)
				}
				if ok && !strings.Contains(text, hit.Match) && !strings.Contains(casework.NormalizeForMatching(text), hit.Match) {
					t.Fatalf("%s: %q: match %q is not in the text", name, text, hit.Match)
				}
				spaced := " \t" + languageASCIIUpper(text) + "\n "
				if _, ok2 := check(spaced); ok2 != ok {
					t.Fatalf("%s: %q flagged %v, but %v upper-cased and spaced", name, text, ok, ok2)
				}
			}
		}
	}
}

func languageASCIIUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// The corpus has the sizes the guard is judged on.
func TestLanguageCorpusSize(t *testing.T) {
	c := loadLanguageCorpus(t)
	count := func(es []languageEntry, lang string, keep func(languageEntry) bool) int {
		n := 0
		for _, e := range es {
			if e.Lang == lang && keep(e) {
				n++
			}
		}
		return n
	}
	all := func(languageEntry) bool { return true }
	discloses := func(e languageEntry) bool { return e.Discloses }
	passes := func(e languageEntry) bool { return !e.Discloses }
	for _, want := range []struct {
		what string
		got  int
		min  int
	}{
		{"forbidden zh", count(c.Forbidden, "zh", all), 100},
		{"forbidden en", count(c.Forbidden, "en", all), 100},
		{"clean zh", count(c.Clean, "zh", all), 100},
		{"clean en", count(c.Clean, "en", all), 100},
		{"disclosing", count(c.Disclose, "zh", discloses) + count(c.Disclose, "en", discloses), 40},
		{"not disclosing", count(c.Disclose, "zh", passes) + count(c.Disclose, "en", passes), 40},
	} {
		if want.got < want.min {
			t.Errorf("%s: %d sentences, want at least %d", want.what, want.got, want.min)
		}
	}
	seen := map[string]bool{}
	for _, es := range [][]languageEntry{c.Forbidden, c.Clean, c.Disclose} {
		for _, e := range es {
			if e.Lang != "zh" && e.Lang != "en" || strings.TrimSpace(e.Text) == "" || !utf8.ValidString(e.Text) {
				t.Errorf("bad entry %+v", e)
			}
			if seen[e.Text] {
				t.Errorf("%q is in the corpus twice", e.Text)
			}
			seen[e.Text] = true
		}
	}
	for _, e := range c.Forbidden {
		if !slices.Contains(casework.LanguageCategories(), e.Category) || e.Category == casework.LanguageDisclosure {
			t.Errorf("%q: category %q", e.Text, e.Category)
		}
	}
}

// languageRate is misses out of a total, for one guard and one kind.
type languageRate struct{ miss, total int }

func (r languageRate) pct() float64 {
	if r.total == 0 {
		return 0
	}
	return 100 * float64(r.miss) / float64(r.total)
}

const languageMaxRate = 2.0 // per cent, false negatives and false positives alike

// The shipped language sets flag the forbidden sentences and disclosures of
// the corpus and pass the clean ones, each with at most 2 % wrong.
func TestLanguageGuardCorpus(t *testing.T) {
	c := loadLanguageCorpus(t)
	guards := shippedLanguageGuards(t)
	for _, name := range []string{"cn_en", "en"} {
		g := guards[name]
		var fn, fp, dfn, dfp languageRate
		wrongCategory := 0
		perCategory := map[string]*languageRate{}
		for _, e := range c.Forbidden {
			if !e.appliesTo(name) {
				continue
			}
			fn.total++
			r := perCategory[e.Category]
			if r == nil {
				r = &languageRate{}
				perCategory[e.Category] = r
			}
			r.total++
			hit, ok := g.Forbidden(e.Text)
			switch {
			case !ok:
				fn.miss++
				r.miss++
				t.Errorf("%s: false negative (%s, %s): %q", name, e.Lang, e.Category, e.Text)
			case hit.Category != e.Category:
				wrongCategory++
				t.Logf("%s: flagged as %s, expected %s: %q (matched %q)", name, hit.Category, e.Category, e.Text, hit.Match)
			}
		}
		for _, e := range c.Clean {
			if !e.appliesTo(name) {
				continue
			}
			fp.total++
			if hit, ok := g.Forbidden(e.Text); ok {
				fp.miss++
				t.Errorf("%s: false positive (%s): %q: %s %q by %s", name, e.Lang, e.Text, hit.Category, hit.Match, hit.Pattern)
			}
		}
		for _, e := range c.Disclose {
			if !e.appliesTo(name) {
				continue
			}
			hit, ok := g.Discloses(e.Text)
			if e.Discloses {
				dfn.total++
				if !ok {
					dfn.miss++
					t.Errorf("%s: disclosure missed (%s): %q", name, e.Lang, e.Text)
				}
			} else {
				dfp.total++
				if ok {
					dfp.miss++
					t.Errorf("%s: disclosure false positive (%s): %q: %q by %s", name, e.Lang, e.Text, hit.Match, hit.Pattern)
				}
			}
		}
		t.Logf("%s forbidden: false negatives %d/%d (%.1f %%), false positives %d/%d (%.1f %%), other category %d",
			name, fn.miss, fn.total, fn.pct(), fp.miss, fp.total, fp.pct(), wrongCategory)
		cats := make([]string, 0, len(perCategory))
		for k := range perCategory {
			cats = append(cats, k)
		}
		sort.Strings(cats)
		for _, k := range cats {
			r := perCategory[k]
			t.Logf("%s   %-13s %3d sentences, %d missed", name, k, r.total, r.miss)
		}
		t.Logf("%s disclosure: false negatives %d/%d (%.1f %%), false positives %d/%d (%.1f %%)",
			name, dfn.miss, dfn.total, dfn.pct(), dfp.miss, dfp.total, dfp.pct())
		for _, r := range []struct {
			what string
			r    languageRate
		}{{"forbidden false-negative", fn}, {"forbidden false-positive", fp}, {"disclosure false-negative", dfn}, {"disclosure false-positive", dfp}} {
			if r.r.pct() > languageMaxRate {
				t.Errorf("%s: %s rate %.1f %% is above %.0f %%", name, r.what, r.r.pct(), languageMaxRate)
			}
		}
	}
}

// A hit names its category and pattern and quotes the original text.
func TestLanguageGuardHit(t *testing.T) {
	g := shippedLanguageGuards(t)["cn_en"]
	for _, c := range []struct {
		text, category, match string
	}{
		{"好的，我是警 察，快还钱", casework.LanguageImpersonation, "我是警 察"},
		{"他说：法院傳票已经寄出", casework.LanguageFalseLegal, "法院傳票"},
		{"Call now, YOU IDIOT.", casework.LanguageInsult, "YOU IDIOT"},
		{"we will k-i-l-l you", casework.LanguageViolence, "k-i-l-l"},
		{"ｐｏｌｉｃｅ will come for you tonight", casework.LanguageFalseLegal, "ｐｏｌｉｃｅ will come"},
	} {
		hit, ok := g.Forbidden(c.text)
		if !ok || hit.Category != c.category || hit.Match != c.match || hit.Pattern == "" {
			t.Errorf("Forbidden(%q) = %+v, %v; want %s matching %q", c.text, hit, ok, c.category, c.match)
		}
	}
	hit, ok := g.Discloses("已联系其母亲。告訴她兒子的網貸逾期了")
	if !ok || hit.Category != casework.LanguageDisclosure || hit.Match != "網貸" {
		t.Errorf("Discloses = %+v, %v", hit, ok)
	}
	for _, text := range []string{"", "   ", "\u200b\u200b", "\xff\xfe"} {
		if hit, ok := g.Forbidden(text); ok {
			t.Errorf("Forbidden(%q) = %+v", text, hit)
		}
	}
}

// The examples of the task that introduced the guard, under cn_en (and en
// for the English ones).
func TestLanguageGuardExamples(t *testing.T) {
	guards := shippedLanguageGuards(t)
	forbidden := map[string]string{
		"我是警 察": casework.LanguageImpersonation, "我是警\u200b察": casework.LanguageImpersonation,
		"this is the ｐｏｌｉｃｅ": casework.LanguageImpersonation, "法院傳票已经寄出": casework.LanguageFalseLegal,
		"这里是人民法院执行局": casework.LanguageImpersonation, "我们是XX区公安分局的": casework.LanguageImpersonation,
		"this is officer Smith from the county sheriff's office": casework.LanguageImpersonation,
		"再不还钱就把你的事发到你们公司群里":                                      casework.LanguageExposure,
		"we'll let your employer know":                           casework.LanguageExposure,
		"I'll post it on Facebook":                               casework.LanguageExposure,
		"you will be arrested":                                   casework.LanguageFalseLegal, "不还就让你坐牢": casework.LanguageFalseLegal,
		"we will garnish your wages tomorrow": casework.LanguageFalseLegal,
		"you idiot":                           casework.LanguageInsult, "你这个废物": casework.LanguageInsult,
	}
	for text, want := range forbidden {
		for name, g := range guards {
			if name == "en" && strings.ContainsFunc(text, func(r rune) bool { return r >= 0x3000 }) {
				continue
			}
			if hit, ok := g.Forbidden(text); !ok || hit.Category != want {
				t.Errorf("%s: Forbidden(%q) = %+v, %v; want %s", name, text, hit, ok, want)
			}
		}
	}
	for _, text := range []string{"did not mention the debt", "全家 went on holiday", "他说全家都在外地", "skill", "debtor said he was stupid to forget"} {
		for name, g := range guards {
			if hit, ok := g.Forbidden(text); ok {
				t.Errorf("%s: Forbidden(%q) = %+v", name, text, hit)
			}
		}
	}
	discloses := map[string]bool{
		"did not mention the debt": false, "没有提及欠款": false, "asked him to have the debtor call us back": false,
		"tell him he owes us money": true, "他儿子欠我们钱": true, "告诉他妈妈他的网贷逾期了": true, "your brother's loan is overdue": true,
	}
	for text, want := range discloses {
		if _, got := guards["cn_en"].Discloses(text); got != want {
			t.Errorf("cn_en: Discloses(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestNormalizeForMatchingLanguage(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"警 察", "警察"},
		{"警\u200b察", "警察"},
		{"警.察_局", "警察局"},
		{"ｐｏｌｉｃｅ", "police"},
		{"POLICE", "police"},
		{"法院傳票", "法院传票"},
		{"我們是公安局的", "我们是公安局的"},
		{"  spaced   out\t text  ", "spaced out text"},
		{"line one\r\n\r\nline two", "line one\nline two"},
		{"soft\u00adhyphen", "softhyphen"},
		{"zero\u200dwidth\ufeff joiner\u2060", "zerowidth joiner"},
		{"p o l i c e", "p o l i c e"}, // letters keep their spaces; split_letters rules read them joined
		{"don’t", "don't"},
		{"pólice", "police"},
		{"рolice", "police"}, // Cyrillic р
		{"①②", "12"},
		{"ﬁne", "fine"},
		{"欠款，逾期", "欠款,逾期"},         // a clause mark after a word is kept
		{"坐，牢", "坐牢"},              // one character at a time is joined
		{"我是 police", "我是 police"}, // Chinese next to Latin keeps its space
		{"全家 went on holiday", "全家 went on holiday"},
		{"\xff", "\ufffd"},
	} {
		if got := casework.NormalizeForMatching(c.in); got != c.want {
			t.Errorf("NormalizeForMatching(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseLanguageGuardStrict(t *testing.T) {
	const good = `{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot"]}]}`
	if _, err := casework.ParseLanguageGuard([]byte(good)); err != nil {
		t.Fatalf("good set: %v", err)
	}
	for _, c := range []struct {
		doc, field string
	}{
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot"]}], "extra": 1}`, "extra"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot"], "unles": ["x+y"]}]}`, "rules[0].unles"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": []}]}`, "rules[0].patterns"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot", "  "]}]}`, "rules[0].patterns[1]"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot("]}]}`, "rules[0].patterns[0]"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot"], "unless": ["[a-"]}]}`, "rules[0].unless[0]"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["Idiot"]}]}`, "rules[0].patterns[0]"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["\\w+"]}]}`, "rules[0].patterns[0]"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["a*"]}]}`, "rules[0].patterns[0]"},
		{`{"name": "t", "rules": [{"category": "rude", "patterns": ["idiot"]}]}`, "rules[0].category"},
		{`{"name": "t", "rules": [{"patterns": ["idiot"]}]}`, "rules[0].category"},
		{`{"name": "t", "rules": [{"category": "insult"}]}`, "rules[0].patterns"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": "idiot"}]}`, "rules[0].patterns"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot"], "split_letters": "yes"}]}`, "rules[0].split_letters"},
		{`{"name": "t", "rules": [{"category": "insult", "split_letters": true, "patterns": ["id.ot"]}]}`, "rules[0].patterns[0]"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["{{nope}} idiot"]}]}`, "rules[0].patterns[0]"},
		{`{"name": "t", "define": {"x": "abc"}, "rules": [{"category": "insult", "patterns": ["idiot"]}]}`, "define.x"},
		{`{"name": "t", "define": {"x": "(abc"}, "rules": [{"category": "insult", "patterns": ["{{x}}"]}]}`, "define.x"},
		{`{"name": "t", "rules": []}`, "rules"},
		{`{"name": "T!", "rules": [{"category": "insult", "patterns": ["idiot"]}]}`, "name"},
		{`{"rules": [{"category": "insult", "patterns": ["idiot"]}]}`, "name"},
		{`{"name": "t", "name": "u", "rules": [{"category": "insult", "patterns": ["idiot"]}]}`, "name"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot"]}]} {}`, "(document)"},
		{`{"name": "t", "rules": [{"category": "insult", "patterns": ["idiot"]}`, "rules"},
		{`[]`, "(document)"},
	} {
		_, err := casework.ParseLanguageGuard([]byte(c.doc))
		var le *casework.LanguageGuardError
		if err == nil || !errors.As(err, &le) {
			t.Errorf("%s: err = %v, want a *LanguageGuardError", c.doc, err)
			continue
		}
		if !strings.Contains(err.Error(), c.field+":") {
			t.Errorf("%s: err = %v, want it to name %s", c.doc, err, c.field)
		}
	}
	// Fragments expand, and patterns written in traditional characters
	// match simplified text.
	g, err := casework.ParseLanguageGuard([]byte(`{"name": "t", "define": {"who": "警察|公安"},
		"rules": [{"category": "impersonation", "patterns": ["我是{{who}}", "法院傳票"], "unless": ["不是{{who}}"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]bool{"我是公安": true, "我不是公安": false, "法院传票": true, "我是 警 察": true} {
		if _, got := g.Forbidden(text); got != want {
			t.Errorf("Forbidden(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestLanguageGuardNames(t *testing.T) {
	if got := policies.LanguageGuardNames(); !slices.Equal(got, []string{"cn_en", "en"}) {
		t.Errorf("LanguageGuardNames() = %v", got)
	}
	for _, name := range []string{"nope", "../conduct/china", "CN_EN", ""} {
		if _, err := policies.LanguageGuard(name); !errors.Is(err, policies.ErrUnknownLanguageGuard) {
			t.Errorf("LanguageGuard(%q) err = %v", name, err)
		}
	}
}

// languageBenchNote is a long realistic note: 4,000 characters, English and
// Chinese, with nothing forbidden in it.
func languageBenchNote(lang string) string {
	var parts []string
	if lang == "zh" {
		parts = []string{
			"客户接听，态度良好，承诺本周五还款两千元。", "客户说全家都在外地，下个月回来再处理剩余欠款。",
			"已向客户说明还款账户及还款方式，提醒按时还款以免影响征信。", "客户称最近公司裁员，工资推迟发放，申请分期。",
			"客户问会不会被起诉，已说明债权人有权依法诉讼，目前没有起诉计划。", "客户要求以后只发短信，已备注联系偏好。",
		}
	} else {
		parts = []string{
			"Called debtor at 10:15, debtor was courteous and promised to pay $200 on Friday. ",
			"Debtor said the whole family is living on one income and asked about a hardship plan. ",
			"Explained the options, confirmed the mailing address and email, and sent the settlement letter. ",
			"Debtor asked whether missed payments are reported to the credit bureaus; explained the reporting rules. ",
			"Debtor mentioned his brother is a lawyer and will review the offer before he signs. ",
			"Left the callback number and the reference; no further action today. ",
		}
	}
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < 4000; i++ {
		b.WriteString(parts[i%len(parts)])
	}
	return string([]rune(b.String())[:4000])
}

func BenchmarkLanguageGuard(b *testing.B) {
	g := shippedLanguageGuards(b)["cn_en"]
	for _, lang := range []string{"en", "zh"} {
		note := languageBenchNote(lang)
		b.Run(lang+"/forbidden", func(b *testing.B) {
			b.SetBytes(int64(len(note)))
			for b.Loop() {
				if hit, ok := g.Forbidden(note); ok {
					b.Fatalf("flagged: %+v", hit)
				}
			}
		})
		b.Run(lang+"/forbidden+discloses", func(b *testing.B) {
			b.SetBytes(int64(len(note)))
			for b.Loop() {
				g.Forbidden(note)
				g.Discloses(note)
			}
		})
	}
	// A third-party contact's note, where Discloses runs: 600 characters.
	thirdParty := strings.Repeat("Spoke with his sister, who said he moved out in May and works nights now; "+
		"asked her to have him call us back about a personal business matter, did not mention the account or any balance. ", 4)[:600]
	b.Run("en/discloses-third-party-600", func(b *testing.B) {
		b.SetBytes(int64(len(thirdParty)))
		for b.Loop() {
			if hit, ok := g.Discloses(thirdParty); ok {
				b.Fatalf("flagged: %+v", hit)
			}
		}
	})
	b.Run("normalize/zh", func(b *testing.B) {
		note := languageBenchNote("zh")
		b.SetBytes(int64(len(note)))
		for b.Loop() {
			casework.NormalizeForMatching(note)
		}
	})
}
