package casework

// The language guard: forbidden language and disclosure of the debt, found by
// regular expressions kept as data (policies/language/<name>.json).
//
// # The file
//
//	{"name": "cn_en", "description": "...",
//	 "define": {"neg_en": "..."},                 // optional fragments, used as {{neg_en}}
//	 "rules": [{"category": "impersonation",      // one of LanguageCategories
//	            "about": "...",                   // optional, for people
//	            "patterns": ["..."],              // Go RE2, lower case, Chinese simplified or not
//	            "unless": ["..."],                // optional: what makes a match harmless
//	            "with": ["..."],                  // optional: what must be in the clause too
//	            "split_letters": false}]}         // optional, see below
//
// A fragment use is replaced by (?:fragment). Traditional characters in a
// pattern are converted like the text, so either form may be written.
//
// # Checking a text
//
//  1. Normalise (NormalizeForMatching): per character NFKC (full-width and
//     compatibility forms become plain letters, digits and punctuation),
//     combining marks dropped (so "pólice" is "police"), lower case, the few
//     Cyrillic and Greek letters that look like Latin ones mapped to them,
//     zero-width and other format characters (category Cf: U+200B..U+200F,
//     U+2060, U+FEFF, the soft hyphen, ...) removed, traditional Chinese
//     characters mapped to simplified ones (the OpenCC t2s character table),
//     curly quotes and dashes folded to ASCII, runs of white space collapsed
//     to one space (or one newline). Between two Chinese characters, spaces,
//     punctuation and symbols are removed ("警 察", "警.察", "警😀察" all become
//     "警察"); a clause mark (, 。 ! ? ; : a newline, a bracket or a quote) is
//     kept when it ends a run of two or more Chinese characters, so ordinary
//     sentences keep their clauses while one-character-at-a-time spacing
//     ("坐，牢") is joined.
//
//  2. Match the patterns against the normalised text, one sentence at a time:
//     a match never crosses 。 ! ? ; a newline or a full stop followed by a
//     space (not the one of "u.s." or "mr.").
//
//  3. Discard a match when one of its rule's unless patterns matches, in the
//     same clause, a span that covers the start of the match: it starts at or
//     before the match and reaches into it. A clause is the sentence cut at
//     "but", "however", "although", "though", "whereas", "但是", "但", "不过",
//     "可是", "然而". Unless patterns say what makes a match harmless: a
//     negation leading up to it ("did not mention the debt", "没有提及欠款",
//     "no one will be arrested"), someone else's words ("debtor said he would
//     call the police", "客户说要报警"), or a harmless phrase around it
//     ("police report", "借款人"). Because the span must reach the match, "if
//     you don't pay you will be arrested" keeps its hit: "don't pay" does not
//     negate "arrested"; and because it must cover the start, words inside a
//     hit ("不要" in "要不要我们告诉他") do not excuse it.
//
//  4. If the rule has with patterns, keep the match only if one of them
//     matches somewhere in its clause: a high-risk word said to the debtor
//     ("arrest" in a clause that also has "you" or "your"), not a note about
//     someone else ("debtor was arrested last year").
//
// A split_letters rule holds the few high-risk words nobody spells out
// innocently. It is matched against the Latin letters alone, and only where
// letters look spelt out: a one-letter word other than "a" or "i", or two
// in a row, starts a region of short words around it; a match counts if it
// starts and ends on word edges and joins two or more words of which one is
// a single letter, or three or more ("p o l i c e", "p.o.l.i.c.e", "k-ill").
// "skill" or "car rest" never match "kill" or "arrest".
//
// Forbidden reports the earliest hit of every category but disclosure;
// Discloses the earliest disclosure hit. A hit names its category, the
// pattern as written in the file and the matched text as written in the
// original (the refusal message quotes it).
//
// # Speed
//
// A pattern is split into up to languageMaxBranches alternatives (its
// top-level ones, and those of its first group: Go's parser would factor
// "pay back|paid back" into "pa(?:y|id) back" and hide the words). Each
// alternative must contain literal text of at least three bytes that any
// match includes, found from the parsed expression; for speed it has up to
// three such literal sets that must all be present, the rarest first
// (common words such as "you" or "我们" are searched for only as a last
// resort). A check indexes the text once (a bitset of its ASCII trigrams,
// Chinese characters and pairs of them), which rules most literals out
// without a search; a pattern none of whose literals is there, or whose
// literals are all Chinese on a text without Chinese, is skipped at once.
// Otherwise the alternative is run only on the sentence around each
// occurrence of its rarest literal (at most 160 bytes either side) that
// also has its other literals: small inputs keep Go's regexp on its fast
// backtracking path. Alternatives and unless patterns are compiled on first
// use. The traditional-to-simplified table is built once from OpenCC's
// dictionary (its phrase-level conversion is two orders of magnitude too
// slow for every contact, and phrases do not matter for matching).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/unicode/norm"
)

// Categories of language hits.
const (
	LanguageImpersonation = "impersonation" // posing as police, procuratorate, court, lawyer, government
	LanguageViolence      = "violence"      // threats of harm
	LanguageExposure      = "exposure"      // threats to tell contacts, employer, family, social media
	LanguageInsult        = "insult"        // insults and profanity aimed at the debtor
	LanguageFalseLegal    = "false_legal"   // arrest, jail, criminal record, false legal consequences
	LanguageDisclosure    = "disclosure"    // the debt mentioned to a third party
)

// LanguageCategories lists the categories a rule may have.
func LanguageCategories() []string {
	return []string{LanguageImpersonation, LanguageViolence, LanguageExposure, LanguageInsult, LanguageFalseLegal, LanguageDisclosure}
}

// LanguageGuard is the forbidden-language and disclosure patterns of one
// language set (policies/language/<name>.json), compiled. It is safe for
// concurrent use.
type LanguageGuard struct {
	name       string
	forbidden  []*languageRule
	disclosure []*languageRule
	literals   []string // every prefilter literal, by index
	grams      []uint32 // the grams of every literal (see languageGrams), one after the other
	gramEnd    []int32  // where each literal's grams end in grams
	sets       [][]int  // literal sets shared by branches, by index
}

// LanguageHit is one pattern found: its category and the text it matched (as
// written in the original text, for the refusal message).
type LanguageHit struct {
	Category string
	Pattern  string // the pattern as written in the language set
	Match    string
}

// LanguageGuardError is one problem of a language set, by JSON field
// ("rules[3].patterns[1]").
type LanguageGuardError struct {
	Field   string
	Problem string
}

func (e *LanguageGuardError) Error() string {
	return "language set: " + e.Field + ": " + e.Problem
}

type languageRule struct {
	category     string
	splitLetters bool
	patterns     []languagePattern
	unless       []*languageUnless
	with         []*languageUnless // one must match in the clause too; none = no condition
}

// languageUnless is an unless or with pattern, as the alternatives of
// languageExpand (small programs run on Go's backtracker): a clause that an
// alternative can match contains one literal of each of its sets.
type languageUnless struct {
	src  string // expanded, parsed and compiled on first use
	once sync.Once
	alts []languageAlt
}

func (u *languageUnless) alternatives() []languageAlt {
	u.once.Do(func() {
		for _, alt := range languageExpand(u.src, languageMaxUnlessBranches) {
			a := languageAlt{re: regexp.MustCompile(alt)} // parsed when the set was read
			if parsed, err := syntax.Parse(alt, syntax.Perl); err == nil {
				a.sets = languageRequiredSets(parsed.Simplify())
			}
			u.alts = append(u.alts, a)
		}
	})
	return u.alts
}

type languageAlt struct {
	re   *regexp.Regexp
	sets [][]string
}

type languagePattern struct {
	source   string         // as written in the file
	re       *regexp.Regexp // split_letters patterns only
	filter   []int          // literals of which every match contains one; nil = none known
	script   languageScript // what every match has (Chinese, Latin letters), from its literals
	branches []*languageBranch
}

// languageScript says what a text or literal has: Chinese characters, Latin
// letters.
type languageScript uint8

const (
	languageHasHan languageScript = 1 << iota
	languageHasLatin
)

func languageScriptOf[T string | []byte](s T) languageScript {
	var sc languageScript
	for i := 0; i < len(s) && sc != languageHasHan|languageHasLatin; i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z':
			sc |= languageHasLatin
		case c >= 0xE2 && c <= 0xF0:
			sc |= languageHasHan // a three- or four-byte character: Chinese, for this purpose
		}
	}
	return sc
}

// languageBranch is one alternative of a pattern (see languageExpand). Every
// match contains one literal (an index into LanguageGuard.literals) of
// primary, the most selective set, whose occurrences say where to look, and
// one of each of the other sets.
type languageBranch struct {
	src     string // compiled on first use (most branches never run)
	once    sync.Once
	re      *regexp.Regexp
	primary []int // the first set's literals
	sets    []int // the other sets, as indexes into LanguageGuard.sets
}

func (b *languageBranch) regexp() *regexp.Regexp {
	b.once.Do(func() { b.re = regexp.MustCompile(b.src) }) // parsed when the set was read
	return b.re
}

// Name is the language set's name.
func (g *LanguageGuard) Name() string { return g.name }

// Forbidden reports the first threat, violence, impersonation, exposure,
// insult or false legal consequence in text.
func (g *LanguageGuard) Forbidden(text string) (LanguageHit, bool) {
	return g.find(text, g.forbidden)
}

// Discloses reports the first place text mentions the debt in a way a third
// party would learn of it ("did not mention the debt" does not).
func (g *LanguageGuard) Discloses(text string) (LanguageHit, bool) {
	return g.find(text, g.disclosure)
}

// NormalizeForMatching returns s in the form the patterns are matched
// against (see the package comment of language.go): NFKC, lower case,
// format characters removed, simplified Chinese, white space collapsed, and
// no spaces or punctuation between Chinese characters.
func NormalizeForMatching(s string) string {
	return normalizeLanguage(s, false).s
}

// ---- parsing ----

var (
	languageNamePattern  = regexp.MustCompile(`^[a-z0-9_]+$`)
	languageMacroPattern = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
)

type languageFile struct {
	name        string
	description string
	define      map[string]string
	defineOrder []string
	rules       []languageFileRule
}

type languageFileRule struct {
	category     string
	about        string
	splitLetters bool
	patterns     []string
	unless       []string
	with         []string
	has          map[string]bool
}

// ParseLanguageGuard reads and compiles a language set strictly: unknown,
// repeated or missing keys, wrong types, unknown categories, blank or empty
// patterns, bad regular expressions, unknown or unused fragments, upper-case
// letters (the text is matched in lower case) and patterns without literal
// text to look for are errors naming the field (*LanguageGuardError, joined
// with errors.Join when there are several).
func ParseLanguageGuard(b []byte) (*LanguageGuard, error) {
	if err := languageT2SError(); err != nil {
		return nil, &LanguageGuardError{Field: "(converter)", Problem: "traditional-to-simplified table: " + err.Error()}
	}
	f, problems := readLanguageFile(b)
	if len(problems) > 0 {
		return nil, joinLanguageProblems(problems)
	}
	g := &LanguageGuard{name: f.name}
	bad := func(field, format string, args ...any) {
		problems = append(problems, &LanguageGuardError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if !languageNamePattern.MatchString(f.name) {
		bad("name", "must be lower-case letters, digits and underscores, got %q", f.name)
	}
	used := map[string]bool{}
	for _, k := range f.defineOrder {
		field := "define." + k
		v := f.define[k]
		switch {
		case !languageNamePattern.MatchString(k):
			bad(field, "fragment names must be lower-case letters, digits and underscores")
		case strings.TrimSpace(v) == "":
			bad(field, "must not be blank")
		case strings.Contains(v, "{{"):
			bad(field, "a fragment cannot use another fragment")
		default:
			if _, err := syntax.Parse(v, syntax.Perl); err != nil {
				bad(field, "bad regular expression: %v", err)
			}
		}
	}
	expand := func(field, p string) (string, bool) {
		ok := true
		out := languageMacroPattern.ReplaceAllStringFunc(p, func(m string) string {
			k := m[2 : len(m)-2]
			v, found := f.define[k]
			if !found {
				bad(field, "unknown fragment {{%s}}", k)
				ok = false
				return m
			}
			used[k] = true
			return "(?:" + v + ")"
		})
		return out, ok
	}
	compile := func(field, p string, whole bool) (*regexp.Regexp, string, bool) {
		if strings.TrimSpace(p) == "" {
			bad(field, "must not be blank")
			return nil, "", false
		}
		x, ok := expand(field, p)
		if !ok {
			return nil, "", false
		}
		x = languageT2SString(x)
		parsed, err := syntax.Parse(x, syntax.Perl)
		if err != nil {
			bad(field, "bad regular expression: %v", err)
			return nil, "", false
		}
		if r, found := languageUpperLiteral(parsed); found {
			bad(field, "upper-case %q never matches: the text is matched in lower case", r)
			return nil, "", false
		}
		if !whole {
			if languageMinLen(parsed.Simplify()) == 0 {
				bad(field, "matches the empty string")
				return nil, "", false
			}
			return nil, x, true
		}
		re, err := regexp.Compile(x)
		if err != nil {
			bad(field, "bad regular expression: %v", err)
			return nil, "", false
		}
		if re.MatchString("") {
			bad(field, "matches the empty string")
			return nil, "", false
		}
		return re, x, true
	}
	litIndex, setIndex := map[string]int{}, map[string]int{}
	literal := func(l string) int {
		k, seen := litIndex[l]
		if !seen {
			k = len(g.literals)
			litIndex[l] = k
			g.literals = append(g.literals, l)
			languageGrams(l, func(h uint32) { g.grams = append(g.grams, h) })
			g.gramEnd = append(g.gramEnd, int32(len(g.grams)))
		}
		return k
	}
	// branches splits a compiled pattern into its top-level alternatives
	// and finds the literals each must contain.
	branches := func(field, x string, lp *languagePattern) ([]*languageBranch, bool) {
		var out []*languageBranch
		if parsed, err := syntax.Parse(x, syntax.Perl); err == nil {
			// A good literal set of the whole pattern rules it out at once.
			if sets := languageRequiredSets(parsed.Simplify()); len(sets) > 0 && languageSetScore(sets[0]) >= 3 && len(sets[0]) <= 64 {
				for _, l := range sets[0] {
					lp.filter = append(lp.filter, literal(l))
				}
			}
		}
		for _, b := range languageExpand(x, languageMaxBranches) {
			parsed, err := syntax.Parse(b, syntax.Perl)
			if err != nil {
				bad(field, "bad regular expression: %v", err)
				return nil, false
			}
			sets := languageRequiredSets(parsed.Simplify())
			if len(sets) == 0 {
				bad(field, "needs literal text of at least 3 bytes (not a common word) that every match contains, so the text can be searched for it first; %q has none", b)
				return nil, false
			}
			if languageMinLen(parsed.Simplify()) == 0 {
				bad(field, "matches the empty string")
				return nil, false
			}
			br := &languageBranch{src: b}
			for i, set := range sets {
				idx := make([]int, len(set))
				for j, l := range set {
					idx[j] = literal(l)
				}
				if i == 0 {
					br.primary = idx
					continue
				}
				key := fmt.Sprint(idx)
				k, seen := setIndex[key]
				if !seen {
					k = len(g.sets)
					setIndex[key] = k
					g.sets = append(g.sets, idx)
				}
				br.sets = append(br.sets, k)
			}
			out = append(out, br)
		}
		return out, true
	}
	if len(f.rules) == 0 {
		bad("rules", "must list at least one rule")
	}
	for i, fr := range f.rules {
		field := fmt.Sprintf("rules[%d]", i)
		for _, k := range []string{"category", "patterns"} {
			if !fr.has[k] {
				bad(field+"."+k, "missing")
			}
		}
		if fr.has["category"] && !slices.Contains(LanguageCategories(), fr.category) {
			bad(field+".category", "must be one of %s, got %q", strings.Join(LanguageCategories(), ", "), fr.category)
		}
		if fr.has["patterns"] && len(fr.patterns) == 0 {
			bad(field+".patterns", "must list at least one pattern")
		}
		if fr.has["unless"] && len(fr.unless) == 0 {
			bad(field+".unless", "must list at least one pattern, or be left out")
		}
		if fr.has["with"] && len(fr.with) == 0 {
			bad(field+".with", "must list at least one pattern, or be left out")
		}
		if fr.splitLetters && len(fr.unless) > 0 {
			bad(field+".unless", "a split_letters rule has no unless patterns: spelling a word out is never harmless")
		}
		if fr.splitLetters && len(fr.with) > 0 {
			bad(field+".with", "a split_letters rule has no with patterns")
		}
		r := &languageRule{category: fr.category, splitLetters: fr.splitLetters}
		for j, p := range fr.patterns {
			pf := fmt.Sprintf("%s.patterns[%d]", field, j)
			if fr.splitLetters {
				if !languageLettersOnly(p) {
					bad(pf, "a split_letters pattern may use only a-z, |, ( ), ?: and ?")
					continue
				}
			}
			re, x, ok := compile(pf, p, fr.splitLetters)
			if !ok {
				continue
			}
			lp := languagePattern{source: p, re: re}
			if !fr.splitLetters {
				if lp.branches, ok = branches(pf, x, &lp); !ok {
					continue
				}
				// Every match has what all the literals it might contain have.
				lp.script = languageHasHan | languageHasLatin
				for _, b := range lp.branches {
					for _, li := range b.primary {
						lp.script &= languageScriptOf(g.literals[li])
					}
				}
				if lp.filter == nil && len(lp.branches) > 1 {
					// The branches' literals together rule the pattern out.
					seen := map[int]bool{}
					for _, b := range lp.branches {
						for _, li := range b.primary {
							if !seen[li] {
								seen[li] = true
								lp.filter = append(lp.filter, li)
							}
						}
					}
				}
			}
			r.patterns = append(r.patterns, lp)
		}
		for _, list := range []struct {
			name string
			src  []string
			dst  *[]*languageUnless
		}{{"unless", fr.unless, &r.unless}, {"with", fr.with, &r.with}} {
			for j, p := range list.src {
				_, x, ok := compile(fmt.Sprintf("%s.%s[%d]", field, list.name, j), p, false)
				if ok {
					*list.dst = append(*list.dst, &languageUnless{src: x})
				}
			}
		}
		if r.category == LanguageDisclosure {
			g.disclosure = append(g.disclosure, r)
		} else {
			g.forbidden = append(g.forbidden, r)
		}
	}
	for _, k := range f.defineOrder {
		if !used[k] && languageNamePattern.MatchString(k) {
			bad("define."+k, "not used by any pattern")
		}
	}
	if len(problems) > 0 {
		return nil, joinLanguageProblems(problems)
	}
	return g, nil
}

func joinLanguageProblems(ps []error) error {
	if len(ps) == 1 {
		return ps[0]
	}
	return errors.Join(ps...)
}

func languageLettersOnly(p string) bool {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || strings.ContainsRune("|()?:", r)) {
			return false
		}
	}
	return true
}

// readLanguageFile decodes the JSON object key by key, so that unknown and
// repeated keys are reported with their path.
func readLanguageFile(b []byte) (languageFile, []error) {
	var f languageFile
	var problems []error
	bad := func(field, format string, args ...any) {
		problems = append(problems, &LanguageGuardError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	has, ok := readLanguageObject(dec, "(document)", bad, func(key string) bool {
		switch key {
		case "name":
			return decodeLanguageValue(dec, key, &f.name, bad)
		case "description":
			return decodeLanguageValue(dec, key, &f.description, bad)
		case "define":
			f.define = map[string]string{}
			_, ok := readLanguageObject(dec, key, bad, func(k string) bool {
				var v string
				if !decodeLanguageValue(dec, key+"."+k, &v, bad) {
					return false
				}
				f.define[k] = v
				f.defineOrder = append(f.defineOrder, k)
				return true
			})
			return ok
		case "rules":
			return readLanguageArray(dec, key, bad, func(i int) bool {
				field := fmt.Sprintf("rules[%d]", i)
				r := languageFileRule{}
				rh, ok := readLanguageObject(dec, field, bad, func(k string) bool {
					kf := field + "." + k
					switch k {
					case "category":
						return decodeLanguageValue(dec, kf, &r.category, bad)
					case "about":
						return decodeLanguageValue(dec, kf, &r.about, bad)
					case "split_letters":
						return decodeLanguageValue(dec, kf, &r.splitLetters, bad)
					case "patterns":
						return decodeLanguageValue(dec, kf, &r.patterns, bad)
					case "unless":
						return decodeLanguageValue(dec, kf, &r.unless, bad)
					case "with":
						return decodeLanguageValue(dec, kf, &r.with, bad)
					}
					bad(kf, "unknown field")
					return skipLanguageValue(dec, kf, bad)
				})
				r.has = rh
				f.rules = append(f.rules, r)
				return ok
			})
		}
		bad(key, "unknown field")
		return skipLanguageValue(dec, key, bad)
	})
	if ok {
		if _, err := dec.Token(); err != io.EOF {
			bad("(document)", "unexpected data after the object")
		}
		for _, k := range []string{"name", "rules"} {
			if !has[k] {
				bad(k, "missing")
			}
		}
	}
	return f, problems
}

type languageBad func(field, format string, args ...any)

// readLanguageObject reads a JSON object, calling each for every key (each
// decodes or skips the value); it reports repeated keys and returns the keys
// seen. ok is false when the JSON is broken and reading stopped.
func readLanguageObject(dec *json.Decoder, field string, bad languageBad, each func(key string) bool) (map[string]bool, bool) {
	t, err := dec.Token()
	if err != nil {
		bad(field, "invalid JSON: %v", err)
		return nil, false
	}
	if d, isDelim := t.(json.Delim); !isDelim || d != '{' {
		bad(field, "must be a JSON object, got %s", languageJSONKind(t))
		if isDelim {
			skipLanguageRest(dec, d)
		}
		return nil, true
	}
	has := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			bad(field, "invalid JSON: %v", err)
			return has, false
		}
		key, _ := t.(string)
		kf := key
		if field != "(document)" {
			kf = field + "." + key
		}
		if has[key] {
			bad(kf, "given twice")
		}
		has[key] = true
		if !each(key) {
			return has, false
		}
	}
	if _, err := dec.Token(); err != nil {
		bad(field, "invalid JSON: %v", err)
		return has, false
	}
	return has, true
}

func readLanguageArray(dec *json.Decoder, field string, bad languageBad, each func(i int) bool) bool {
	t, err := dec.Token()
	if err != nil {
		bad(field, "invalid JSON: %v", err)
		return false
	}
	if d, isDelim := t.(json.Delim); !isDelim || d != '[' {
		bad(field, "must be a JSON array, got %s", languageJSONKind(t))
		if isDelim {
			skipLanguageRest(dec, d)
		}
		return true
	}
	for i := 0; dec.More(); i++ {
		if !each(i) {
			return false
		}
	}
	if _, err := dec.Token(); err != nil {
		bad(field, "invalid JSON: %v", err)
		return false
	}
	return true
}

// skipLanguageRest skips the rest of an object or array whose opening
// delimiter was just read.
func skipLanguageRest(dec *json.Decoder, open json.Delim) {
	if open != '{' && open != '[' {
		return
	}
	depth := 1
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
}

func decodeLanguageValue(dec *json.Decoder, field string, v any, bad languageBad) bool {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		bad(field, "invalid JSON: %v", err)
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			bad(field, "must be %s, got JSON %s", languageGoKind(v), te.Value)
		} else {
			bad(field, "%v", err)
		}
	} else if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		bad(field, "must be %s, got JSON null", languageGoKind(v))
	}
	return true
}

func skipLanguageValue(dec *json.Decoder, field string, bad languageBad) bool {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		bad(field, "invalid JSON: %v", err)
		return false
	}
	return true
}

func languageGoKind(v any) string {
	switch v.(type) {
	case *string:
		return "a string"
	case *bool:
		return "true or false"
	case *[]string:
		return "an array of strings"
	}
	return "a value"
}

func languageJSONKind(t json.Token) string {
	switch t := t.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a number"
}

// languageUpperLiteral finds an upper-case letter a pattern would have to
// match literally.
func languageUpperLiteral(re *syntax.Regexp) (rune, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			for _, r := range re.Rune {
				if unicode.IsUpper(r) {
					return r, true
				}
			}
		}
	case syntax.OpCharClass:
		// A class made only of upper-case letters ([A-Z]) never matches;
		// mixed classes ([A-Za-z], \S) are harmless.
		allUpper := len(re.Rune) > 0
		for i := 0; i+1 < len(re.Rune) && allUpper; i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && allUpper; r++ {
				if !unicode.IsUpper(r) {
					allUpper = false
				}
				if r-re.Rune[i] > 64 {
					allUpper = false
				}
			}
		}
		if allUpper {
			return re.Rune[0], true
		}
	}
	for _, s := range re.Sub {
		if r, ok := languageUpperLiteral(s); ok {
			return r, true
		}
	}
	return 0, false
}

// languageCommon are words too frequent to be worth searching for first.
var languageCommon = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`you your you're the and will she his her they them him our this that are
		for with was not have has all can call called calling get got let send sent come out off back report
		number address today email tell told said say ask asked give take make know see just like would could
		should what how when where which who there their from about into over after before then than been being
		were does did done also only other more some any very such here now pay paid payment debtor customer
		account balance line time day week month went going will be to of in on at it is as by or an no
		你 我 他 她 的 是 了 们 您 我们 你们 他们 就 不 在 要 会 有 说 让 给 找 把 这 那 个 都 也 和 跟 对 到 去 来 已 还 再 能 好
		客户 已经 可以 这个 一下 没有 知道 时候 还款 联系 电话`) {
		languageCommon[w] = true
	}
}

// languageSetScore is how selective a literal set is: the length of its
// shortest literal, common words counting as 0. languageSetLength is the
// length of the shortest literal alone.
func languageSetScore(set []string) int {
	if len(set) == 0 {
		return 0
	}
	score := 1 << 30
	for _, s := range set {
		n := len(s)
		if languageCommon[strings.TrimSpace(s)] {
			n = 0
		}
		score = min(score, n)
	}
	return score
}

func languageSetLength(set []string) int {
	if len(set) == 0 {
		return 0
	}
	n := 1 << 30
	for _, s := range set {
		n = min(n, len(s))
	}
	return n
}

// languageMaxBranches bounds how many branches a pattern is expanded to.
const languageMaxBranches = 16

// languageMaxUnlessBranches bounds the alternatives of an unless or with
// pattern: more, smaller programs stay on Go's backtracker (at most 500
// instructions), and each is tried only when its literals are in the clause.
const languageMaxUnlessBranches = 64

// languageExpand rewrites a regular expression as alternatives whose union
// matches the same text: the top-level alternatives, and in each the
// alternatives of its first group (?:a|b|c) that has no repetition after it,
// as long as there are at most limit in all. Each alternative then has its own
// literals (Go's parser factors "pay back|paid back" into "pa(?:y|id) back",
// which hides the words).
func languageExpand(x string, limit int) []string {
	alts := languageTopAlternatives(x)
	if len(alts) > 1 {
		if len(alts) > limit {
			return alts
		}
		var out []string
		for i, a := range alts {
			// Leave room for the alternatives still to come.
			budget := (limit - len(out)) - (len(alts) - i - 1)
			out = append(out, languageExpand(a, max(1, budget))...)
		}
		return out
	}
	depth, class := 0, false
	for i := 0; i < len(x); i++ {
		switch c := x[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
			if i+1 < len(x) && x[i+1] == ']' {
				i++
			}
		case c == '(':
			if depth == 0 && strings.HasPrefix(x[i:], "(?:") {
				j := languageGroupEnd(x, i)
				if j < 0 {
					return []string{x}
				}
				inner := x[i+3 : j]
				// (?:(?:a|b)) from a fragment: look inside.
				for strings.HasPrefix(inner, "(?:") && languageGroupEnd(inner, 0) == len(inner)-1 {
					inner = inner[3 : len(inner)-1]
				}
				parts := languageTopAlternatives(inner)
				quantified := j+1 < len(x) && strings.ContainsRune("*+?{", rune(x[j+1]))
				if len(parts) > 1 && !quantified && len(parts) <= limit {
					var out []string
					for k, part := range parts {
						budget := (limit - len(out)) / (len(parts) - k)
						out = append(out, languageExpand(x[:i]+"(?:"+part+")"+x[j+1:], max(1, budget))...)
					}
					return out
				}
			}
			depth++
		case c == ')':
			depth--
		}
	}
	return []string{x}
}

// languageGroupEnd returns the index of the ) closing the group opened at
// i, or -1.
func languageGroupEnd(x string, i int) int {
	depth, class := 0, false
	for ; i < len(x); i++ {
		switch c := x[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
			if i+1 < len(x) && x[i+1] == ']' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// languageMinLen is the length of the shortest text re matches.
func languageMinLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(string(re.Rune))
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return languageMinLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * languageMinLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += languageMinLen(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if m := languageMinLen(s); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}

// languageTopAlternatives splits a regular expression at its top-level |.
func languageTopAlternatives(x string) []string {
	var out []string
	depth, class, from := 0, false, 0
	for i := 0; i < len(x); i++ {
		switch c := x[i]; {
		case c == '\\':
			i++
		case class:
			class = c != ']'
		case c == '[':
			class = true
			if i+1 < len(x) && x[i+1] == ']' {
				i++
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			out = append(out, x[from:i])
			from = i + 1
		}
	}
	return append(out, x[from:])
}

// languageRequiredSets returns up to three literal sets such that every
// match of re contains a literal of each, most selective first; none when
// no set of literals of at least three bytes is known (see
// languageSetScore).
func languageRequiredSets(re *syntax.Regexp) [][]string {
	info := languageLiterals(re)
	var sets [][]string
	if info.exact != nil {
		sets = [][]string{info.exact}
	} else {
		sets = info.and
	}
	// Sets of two-byte literals still filter as the second or third set.
	var keep [][]string
	for _, set := range sets {
		if languageSetLength(set) >= 2 {
			keep = append(keep, set)
		}
	}
	// The first set is searched for: it must have literals of at least
	// three bytes, and should have no common words.
	rank := func(set []string) int {
		r := languageSetLength(set)
		if r >= 3 {
			r += 1000
		}
		return r + 100*languageSetScore(set)
	}
	slices.SortStableFunc(keep, func(a, b []string) int { return rank(b) - rank(a) })
	if len(keep) == 0 || languageSetLength(keep[0]) < 3 {
		return nil
	}
	if len(keep) > 3 {
		keep = keep[:3]
	}
	for i, set := range keep {
		keep[i] = languageMinimal(set)
	}
	return keep
}

// languageLitInfo is what a node says about the text it matches: exact,
// the node matches exactly one of these strings; and, every match contains
// one string of each of these sets. Both nil: nothing known.
type languageLitInfo struct {
	exact []string
	and   [][]string
}

// languageMaxSet bounds a literal set; languageMaxRun bounds the strings a
// run of a concatenation is multiplied out to (more, shorter literals are
// cheaper to look for than many long ones).
const (
	languageMaxSet = 256
	languageMaxRun = 16
)

func languageLiterals(re *syntax.Regexp) languageLitInfo {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return languageLitInfo{exact: []string{""}}
	case syntax.OpLiteral:
		s := string(re.Rune)
		if re.Flags&syntax.FoldCase != 0 {
			s = strings.ToLower(s)
		}
		return languageLitInfo{exact: []string{s}}
	case syntax.OpCharClass:
		n := 0
		for i := 0; i+1 < len(re.Rune); i += 2 {
			n += int(re.Rune[i+1]-re.Rune[i]) + 1
			if n > 8 {
				return languageLitInfo{}
			}
		}
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				set = append(set, strings.ToLower(string(r)))
			}
		}
		return languageLitInfo{exact: languageSorted(set)}
	case syntax.OpCapture:
		return languageLiterals(re.Sub[0])
	case syntax.OpQuest:
		if sub := languageLiterals(re.Sub[0]); sub.exact != nil {
			return languageLitInfo{exact: languageSorted(append([]string{""}, sub.exact...))}
		}
		return languageLitInfo{}
	case syntax.OpPlus:
		return languageLiterals(re.Sub[0]).required()
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return languageLiterals(re.Sub[0]).required()
		}
		return languageLitInfo{}
	case syntax.OpAlternate:
		subs := make([]languageLitInfo, len(re.Sub))
		allExact := true
		for i, s := range re.Sub {
			subs[i] = languageLiterals(s)
			allExact = allExact && subs[i].exact != nil
		}
		var set []string
		for _, sub := range subs {
			if allExact {
				set = append(set, sub.exact...)
				continue
			}
			b := sub.best()
			if b == nil {
				return languageLitInfo{}
			}
			set = append(set, b...)
		}
		if len(set) > languageMaxSet {
			return languageLitInfo{}
		}
		if allExact {
			return languageLitInfo{exact: languageSorted(set)}
		}
		return languageLitInfo{and: [][]string{languageSorted(set)}}
	case syntax.OpConcat:
		// Runs of exact children are multiplied out; every run and every
		// inexact child's sets are required.
		var and [][]string
		run := []string{""}
		allExact := true
		for _, s := range re.Sub {
			sub := languageLiterals(s)
			if sub.exact != nil {
				if n := len(run) * len(sub.exact); n <= languageMaxSet && (len(run) == 1 || n <= languageMaxRun) {
					next := make([]string, 0, n)
					for _, a := range run {
						for _, b := range sub.exact {
							next = append(next, a+b)
						}
					}
					run = next
					continue
				}
				allExact = false
				and = append(and, languageSorted(run))
				run = sub.exact
				continue
			}
			allExact = false
			and = append(and, languageSorted(run))
			run = []string{""}
			and = append(and, sub.and...)
		}
		if allExact {
			return languageLitInfo{exact: languageSorted(run)}
		}
		and = append(and, languageSorted(run))
		var keep [][]string
		for _, set := range and {
			if languageSetLength(set) > 0 {
				keep = append(keep, set)
			}
		}
		return languageLitInfo{and: keep}
	}
	return languageLitInfo{}
}

// required turns an exact set into a required one.
func (i languageLitInfo) required() languageLitInfo {
	if i.exact != nil {
		if languageSetLength(i.exact) == 0 {
			return languageLitInfo{}
		}
		return languageLitInfo{and: [][]string{i.exact}}
	}
	return i
}

// best is the most selective set to search for.
func (i languageLitInfo) best() []string {
	if i.exact != nil {
		if languageSetLength(i.exact) == 0 {
			return nil
		}
		return i.exact
	}
	var best []string
	for _, set := range i.and {
		if best == nil || languageSetScore(set) > languageSetScore(best) ||
			languageSetScore(set) == languageSetScore(best) && languageSetLength(set) > languageSetLength(best) {
			best = set
		}
	}
	return best
}

func languageSorted(set []string) []string {
	slices.Sort(set)
	return slices.Compact(set)
}

// languageMinimal drops every literal of a set that contains another one: a
// match that contains the longer contains the shorter too.
func languageMinimal(set []string) []string {
	out := make([]string, 0, len(set))
	for _, a := range set {
		redundant := false
		for _, b := range set {
			if b != "" && b != a && strings.Contains(a, b) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, a)
		}
	}
	return out
}

// ---- traditional to simplified ----

var (
	languageT2SOnce    sync.Once
	languageT2STable   []uint16 // simplified form of U+3400..U+9FFF, 0 = unchanged
	languageT2SChanges []uint64 // bit set for the characters of the range that change
	languageT2SErr     error
)

const (
	languageHanLo = 0x3400
	languageHanHi = 0x9FFF
)

// languageT2SInit builds the character table from OpenCC's t2s dictionaries
// (embedded in the module, no files or network needed): every ideograph in
// the range is converted once, and the ones that change are kept. It takes
// about 15 ms once; converting a text with OpenCC itself takes milliseconds.
func languageT2SInit() {
	cc, err := opencc.New("t2s")
	if err != nil {
		languageT2SErr = err
		return
	}
	table := make([]uint16, languageHanHi-languageHanLo+1)
	changes := make([]uint64, (len(table)+63)/64)
	var buf [utf8.UTFMax]byte
	for r := rune(languageHanLo); r <= languageHanHi; r++ {
		n := utf8.EncodeRune(buf[:], r)
		out, err := cc.Convert(string(buf[:n]))
		if err != nil {
			languageT2SErr = err
			return
		}
		s, size := utf8.DecodeRuneInString(out)
		if size == len(out) && s != r && s >= languageHanLo && s <= languageHanHi {
			table[r-languageHanLo] = uint16(s - languageHanLo + 1)
			changes[(r-languageHanLo)>>6] |= 1 << ((r - languageHanLo) & 63)
		}
	}
	languageT2STable, languageT2SChanges = table, changes
}

func languageT2SError() error {
	languageT2SOnce.Do(languageT2SInit)
	return languageT2SErr
}

func languageT2S(r rune) rune {
	if r >= languageHanLo && r <= languageHanHi && languageT2STable != nil {
		if s := languageT2STable[r-languageHanLo]; s != 0 {
			return rune(s) - 1 + languageHanLo
		}
	}
	return r
}

// languageT2SString converts the Chinese characters of a pattern, so that a
// pattern written in traditional characters matches normalised text.
func languageT2SString(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(languageT2S(r))
	}
	return b.String()
}

// ---- normalisation ----

// languageText is a normalised text: s, and for each byte of s the byte
// offset in the original of the character it came from (only when mapped).
type languageText struct {
	orig   string
	s      string
	src    []int32
	script languageScript // what s has
}

// languageHomoglyphs maps Cyrillic and Greek letters that look like Latin
// letters ("рolice" with a Cyrillic р) to them.
var languageHomoglyphs = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't',
	'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ү': 'y', 'һ': 'h',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'ɡ': 'g', 'ı': 'i', 'ɩ': 'i', 'ℓ': 'l',
}

func languageIsHan(r rune) bool {
	return r >= languageHanLo && r <= languageHanHi || r == '〇' || r >= 0x20000 && r <= 0x3FFFF ||
		r >= 0xF900 && r <= 0xFAFF || r < 0x3400 && r >= 0x2E80 && unicode.Is(unicode.Han, r)
}

// A clause mark, bracket or quote between Chinese characters is kept after a
// word of two or more of them ("【某某法院】您好" keeps its brackets).
func languageClauseMark(r rune) bool {
	switch r {
	case ',', '。', '!', '?', ';', ':', '\n', '．', '"', '\'':
		return true
	}
	return r < utf8.RuneSelf && strings.ContainsRune("()[]{}<>", r) ||
		r >= utf8.RuneSelf && (unicode.In(r, unicode.Ps, unicode.Pe, unicode.Pi, unicode.Pf))
}

type languageNormalizer struct {
	orig   string
	b      []byte
	src    []int32
	mapped bool

	gap       []rune // white space and punctuation waiting for the next letter
	gapOff    []int32
	lastHan   bool // the last letter written was a Chinese character
	hanRun    int  // how many Chinese characters in a row, gaps removed
	script    languageScript
	wroteAny  bool
	decompBuf [8]rune
}

func normalizeLanguage(orig string, mapped bool) *languageText {
	languageT2SError()
	n := &languageNormalizer{orig: orig, mapped: mapped}
	n.b = make([]byte, 0, len(orig)+4)
	if mapped {
		n.src = make([]int32, 0, len(orig)+5)
	}
	for off := 0; off < len(orig); {
		c := orig[off]
		// Fast paths: a run of lower-case ASCII letters and digits, and a
		// simplified Chinese character following another, are copied.
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			end := off + 1
			for end < len(orig) && (orig[end] >= 'a' && orig[end] <= 'z' || orig[end] >= '0' && orig[end] <= '9') {
				end++
			}
			if len(n.gap) > 0 {
				n.flushGap(false)
			}
			n.lastHan, n.hanRun, n.wroteAny = false, 0, true
			n.script |= languageHasLatin
			n.b = append(n.b, orig[off:end]...)
			if n.mapped {
				for i := off; i < end; i++ {
					n.src = append(n.src, int32(i))
				}
			}
			off = end
			continue
		}
		if c >= 0xE3 && c <= 0xE9 && n.lastHan && len(n.gap) == 0 && !n.mapped && languageT2SChanges != nil {
			// A run of Chinese characters that stay as they are.
			end := off
			for end+2 < len(orig) {
				c0, c1, c2 := orig[end], orig[end+1], orig[end+2]
				if c0 < 0xE3 || c0 > 0xE9 || c1&0xC0 != 0x80 || c2&0xC0 != 0x80 {
					break
				}
				r := rune(c0&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F) - languageHanLo
				if r < 0 || r > languageHanHi-languageHanLo || languageT2SChanges[r>>6]&(1<<(r&63)) != 0 {
					break
				}
				end += 3
			}
			if end > off {
				n.hanRun += (end - off) / 3
				n.b = append(n.b, orig[off:end]...)
				off = end
				continue
			}
		}
		if c < utf8.RuneSelf && !n.lastHan && len(n.gap) == 0 {
			// Punctuation and a single space next to no Chinese character
			// are written as they are.
			if c == ' ' && n.wroteAny && off+1 < len(orig) && languageASCIIWord(orig[off+1]) {
				n.emit(' ', off)
				off++
				continue
			}
			if c > ' ' && c < 0x7f && !languageASCIIWord(c) {
				n.emit(rune(c), off)
				n.wroteAny = true
				off++
				continue
			}
		}
		if c < utf8.RuneSelf {
			// ASCII.
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				n.latin(c, off)
			case c >= 'A' && c <= 'Z':
				n.latin(c+'a'-'A', off)
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				n.space(rune(c), off)
			case c < 0x20 || c == 0x7f:
				n.space(' ', off)
			default:
				n.punct(rune(c), off)
			}
			off++
			continue
		}
		r, size := utf8.DecodeRuneInString(orig[off:])
		switch {
		case r >= languageHanLo && r <= languageHanHi:
			n.han(languageT2S(r), off)
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			n.classify(r-0xFEE0, off)
		case r == 0x3000:
			n.space(' ', off)
		case r >= 0x3001 && r <= 0x3003 || r >= 0x3008 && r <= 0x3011 || r >= 0x3014 && r <= 0x301F:
			n.punct(r, off) // CJK punctuation with no compatibility form
		case r == utf8.RuneError && size == 1:
			n.punct(utf8.RuneError, off)
		default:
			n.foldRune(r, off)
		}
		off += size
	}
	n.flushGap(true)
	t := &languageText{orig: orig, s: string(n.b), script: n.script}
	if mapped {
		t.src = append(n.src, int32(len(orig)))
	}
	return t
}

// foldRune handles one non-ASCII character outside the main Chinese block.
func (n *languageNormalizer) foldRune(r rune, off int) {
	switch {
	case r == 0x3164 || r == 0x115F || r == 0x1160 || r == 0xFFA0: // Hangul fillers: invisible letters
		return
	case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		return
	case r >= 0xAC00 && r <= 0xD7A3: // Hangul syllables: NFKC form already
		n.letter(r, off)
		return
	}
	switch r {
	case '‘', '’', '‚', '‛', '′', 'ʼ', 'ʹ', '´', '`', 'ˈ':
		n.punct('\'', off)
		return
	case '“', '”', '„', '‟', '″':
		n.punct('"', off)
		return
	case '‐', '‑', '‒', '–', '—', '―', '−', '﹘', '⁃':
		n.punct('-', off)
		return
	case '×': // written for x, as in "傻×"
		n.letter('x', off)
		return
	}
	if r >= 0x0131 && r <= 0x052F || r == 'ℓ' {
		if h, ok := languageHomoglyphs[r]; ok {
			n.letter(h, off)
			return
		}
		if lr := unicode.ToLower(r); lr != r {
			if h, ok := languageHomoglyphs[lr]; ok {
				n.letter(h, off)
				return
			}
		}
	}
	d := norm.NFKD.PropertiesString(n.orig[off:]).Decomposition()
	if d == nil {
		n.classify(unicode.ToLower(r), off)
		return
	}
	for len(d) > 0 {
		dr, size := utf8.DecodeRune(d)
		d = d[size:]
		if unicode.Is(unicode.Mn, dr) || unicode.Is(unicode.Cf, dr) {
			continue
		}
		dr = unicode.ToLower(dr)
		if dr >= 0x0131 && dr <= 0x052F {
			if h, ok := languageHomoglyphs[dr]; ok {
				dr = h
			}
		}
		n.classify(languageT2S(dr), off)
	}
}

func (n *languageNormalizer) classify(r rune, off int) {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case r >= 'A' && r <= 'Z':
			n.letter(r+'a'-'A', off)
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			n.letter(r, off)
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f':
			n.space(r, off)
		case r < 0x20 || r == 0x7f:
			n.space(' ', off)
		default:
			n.punct(r, off)
		}
	case unicode.IsSpace(r):
		n.space(r, off)
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r):
		n.letter(r, off)
	case unicode.IsControl(r):
		n.space(' ', off)
	default:
		n.punct(r, off)
	}
}

func (n *languageNormalizer) space(r rune, off int) {
	if r == '\r' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f' || r == 0x85 {
		r = '\n'
	} else if r != '\n' {
		r = ' '
	}
	n.gap = append(n.gap, r)
	n.gapOff = append(n.gapOff, int32(off))
}

func (n *languageNormalizer) punct(r rune, off int) {
	n.gap = append(n.gap, r)
	n.gapOff = append(n.gapOff, int32(off))
}

func languageASCIIWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// latin writes an ASCII letter or digit.
func (n *languageNormalizer) latin(c byte, off int) {
	if len(n.gap) > 0 {
		n.flushGap(false)
	}
	n.lastHan, n.hanRun, n.wroteAny = false, 0, true
	if c >= 'a' {
		n.script |= languageHasLatin
	}
	n.b = append(n.b, c)
	if n.mapped {
		n.src = append(n.src, int32(off))
	}
}

// han writes a Chinese character of the main block.
func (n *languageNormalizer) han(r rune, off int) {
	if len(n.gap) > 0 || !n.lastHan {
		n.letter(r, off)
		return
	}
	n.hanRun++
	n.wroteAny = true
	n.b = utf8.AppendRune(n.b, r)
	if n.mapped {
		n.src = append(n.src, int32(off), int32(off), int32(off))
	}
}

func (n *languageNormalizer) letter(r rune, off int) {
	han := languageIsHan(r)
	if r >= 'a' && r <= 'z' {
		n.script |= languageHasLatin
	}
	if len(n.gap) > 0 {
		drop := false
		if han && n.lastHan {
			drop = true
			if n.hanRun >= 2 {
				for _, g := range n.gap {
					if languageClauseMark(g) {
						drop = false
						break
					}
				}
			}
		}
		if drop {
			n.gap, n.gapOff = n.gap[:0], n.gapOff[:0]
		} else {
			n.flushGap(false)
			n.lastHan, n.hanRun = false, 0
		}
	}
	if han {
		if n.lastHan {
			n.hanRun++
		} else {
			n.hanRun = 1
		}
	} else {
		n.hanRun = 0
	}
	n.lastHan = han
	n.emit(r, off)
	n.wroteAny = true
}

// flushGap writes the waiting gap: white space collapses to one space, or
// one newline if it had one; punctuation is kept. Leading and trailing
// white space is dropped.
func (n *languageNormalizer) flushGap(final bool) {
	inSpace, newline, spaceOff := false, false, int32(0)
	writeSpace := func() {
		if inSpace && n.wroteAny {
			if newline {
				n.emit('\n', int(spaceOff))
			} else {
				n.emit(' ', int(spaceOff))
			}
		}
		inSpace, newline = false, false
	}
	for i, g := range n.gap {
		if g == ' ' || g == '\n' {
			if !inSpace {
				inSpace, spaceOff = true, n.gapOff[i]
			}
			newline = newline || g == '\n'
			continue
		}
		writeSpace()
		n.emit(g, int(n.gapOff[i]))
		n.wroteAny = true
	}
	if !final {
		writeSpace()
	}
	n.gap, n.gapOff = n.gap[:0], n.gapOff[:0]
}

func (n *languageNormalizer) emit(r rune, off int) {
	if r >= 0x800 {
		n.script |= languageHasHan // three- or four-byte characters, as languageScriptOf counts them
	}
	before := len(n.b)
	n.b = utf8.AppendRune(n.b, r)
	if n.mapped {
		for range len(n.b) - before {
			n.src = append(n.src, int32(off))
		}
	}
}

// original returns the original text of the normalised span [start, end).
func (t *languageText) original(start, end int) string {
	if t.src == nil || start >= end {
		return t.s[start:end]
	}
	from := int(t.src[start])
	last := int(t.src[end-1])
	_, size := utf8.DecodeRuneInString(t.orig[last:])
	to := last + size
	return strings.TrimSpace(t.orig[from:to])
}

// ---- matching ----

// languageScan is the state of one check of one text.
type languageScan struct {
	g         *LanguageGuard
	t         *languageText
	tri       [languageTriWords]uint64 // gram bitset of t.s (see languageGrams)
	present   []int8                   // per literal: 0 unknown, 1 present, 2 absent
	setSeen   []int8                   // per literal set, the same
	setLits   [][]string               // per literal set, its literals present in the text
	letters   *languageLetters
	ends      []int32 // sentence ends, after -1 and before len(text), once endsFound
	endsFound bool
	script    languageScript
	windows   []languageWindowSpan
	words     []languageWord
}

const (
	languageWindow   = 160
	languageTriBits  = 16
	languageTriWords = 1 << languageTriBits / 64
)

func languageTrigram(a, b, c byte) uint32 {
	return (uint32(a)<<16 | uint32(b)<<8 | uint32(c)) * 0x9E3779B1 >> (32 - languageTriBits)
}

// languageGrams calls each with the hash of every three consecutive ASCII
// bytes of s, of every non-ASCII character and of every two adjacent
// non-ASCII characters: a text contains a literal only if it has all of the
// literal's grams.
func languageGrams(s string, each func(h uint32)) {
	prev := uint32(0) // the previous character if it was not ASCII, else 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if i+2 < len(s) && s[i+1] < utf8.RuneSelf && s[i+2] < utf8.RuneSelf {
				each(languageTrigram(c, s[i+1], s[i+2]))
			}
			prev = 0
			i++
			continue
		}
		size := 2
		switch {
		case c >= 0xF0:
			size = 4
		case c >= 0xE0:
			size = 3
		}
		if i+size > len(s) {
			return
		}
		var cur uint32
		if size == 2 {
			cur = uint32(c)<<8 | uint32(s[i+1])
		} else {
			cur = uint32(c)<<16 | uint32(s[i+1])<<8 | uint32(s[i+2])
		}
		each(cur * 0x9E3779B1 >> (32 - languageTriBits))
		if prev != 0 {
			each((prev*0x85EBCA77 ^ cur*0xC2B2AE3D) >> (32 - languageTriBits))
		}
		prev = cur
		i += size
	}
}

// index fills k.tri with the grams of the text (languageGrams, inlined).
func (k *languageScan) index() {
	s := k.t.s
	prev := uint32(0)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if i+2 < len(s) && s[i+1] < utf8.RuneSelf && s[i+2] < utf8.RuneSelf {
				h := languageTrigram(c, s[i+1], s[i+2])
				k.tri[h>>6] |= 1 << (h & 63)
			}
			prev = 0
			i++
			continue
		}
		size := 2
		switch {
		case c >= 0xF0:
			size = 4
		case c >= 0xE0:
			size = 3
		}
		if i+size > len(s) {
			return
		}
		var cur uint32
		if size == 2 {
			cur = uint32(c)<<8 | uint32(s[i+1])
		} else {
			cur = uint32(c)<<16 | uint32(s[i+1])<<8 | uint32(s[i+2])
		}
		h := cur * 0x9E3779B1 >> (32 - languageTriBits)
		k.tri[h>>6] |= 1 << (h & 63)
		if prev != 0 {
			h = (prev*0x85EBCA77 ^ cur*0xC2B2AE3D) >> (32 - languageTriBits)
			k.tri[h>>6] |= 1 << (h & 63)
		}
		prev = cur
		i += size
	}
}

// languageScanPool reuses the per-check state.
var languageScanPool = sync.Pool{New: func() any { return new(languageScan) }}

func (g *LanguageGuard) find(text string, rules []*languageRule) (LanguageHit, bool) {
	if len(rules) == 0 || text == "" {
		return LanguageHit{}, false
	}
	t := normalizeLanguage(text, false)
	if t.s == "" {
		return LanguageHit{}, false
	}
	k := languageScanPool.Get().(*languageScan)
	k.reset(g, t)
	defer languageScanPool.Put(k)
	k.index()

	bestStart, bestEnd := -1, -1
	var best LanguageHit
	for _, r := range rules {
		for pi := range r.patterns {
			p := &r.patterns[pi]
			var start, end int
			var ok bool
			if r.splitLetters {
				start, end, ok = k.splitMatch(p)
			} else {
				start, end, ok = k.match(r, p, bestStart)
			}
			if ok && (bestStart < 0 || start < bestStart) {
				bestStart, bestEnd = start, end
				best = LanguageHit{Category: r.category, Pattern: p.source}
			}
		}
	}
	if bestStart < 0 {
		return LanguageHit{}, false
	}
	mt := normalizeLanguage(text, true)
	if mt.s == t.s {
		best.Match = mt.original(bestStart, bestEnd)
	} else {
		best.Match = t.s[bestStart:bestEnd]
	}
	return best, true
}

// reset readies k for checking t against g.
func (k *languageScan) reset(g *LanguageGuard, t *languageText) {
	k.g, k.t, k.letters = g, t, nil
	k.ends, k.endsFound = k.ends[:0], false
	k.script = t.script
	k.tri = [languageTriWords]uint64{}
	k.present = languageResize(k.present, len(g.literals))
	k.setSeen = languageResize(k.setSeen, len(g.sets))
	if cap(k.setLits) < len(g.sets) {
		k.setLits = make([][]string, len(g.sets))
	}
	k.setLits = k.setLits[:len(g.sets)]
	for i := range k.setLits {
		k.setLits[i] = k.setLits[i][:0]
	}
}

func languageResize(b []int8, n int) []int8 {
	if cap(b) < n {
		return make([]int8, n)
	}
	b = b[:n]
	clear(b)
	return b
}

// literalPresent says whether literal i occurs in the text.
func (k *languageScan) literalPresent(i int) bool {
	switch k.present[i] {
	case 1:
		return true
	case 2:
		return false
	}
	from := int32(0)
	if i > 0 {
		from = k.g.gramEnd[i-1]
	}
	ok := true
	for _, h := range k.g.grams[from:k.g.gramEnd[i]] {
		if k.tri[h>>6]&(1<<(h&63)) == 0 {
			ok = false
			break
		}
	}
	if ok {
		ok = strings.Contains(k.t.s, k.g.literals[i])
	}
	if ok {
		k.present[i] = 1
	} else {
		k.present[i] = 2
	}
	return ok
}

// match finds the earliest surviving match of p that starts before limit
// (limit < 0: anywhere).
func (k *languageScan) match(r *languageRule, p *languagePattern, limit int) (int, int, bool) {
	if p.script&^k.script != 0 || p.filter != nil && !slices.ContainsFunc(p.filter, k.literalPresent) {
		return 0, 0, false
	}
	bestS, bestE, found := 0, 0, false
	for bi := range p.branches {
		lim := limit
		if found && (lim < 0 || bestS < lim) {
			lim = bestS
		}
		if ms, me, ok := k.matchBranch(r, p.branches[bi], lim); ok && (!found || ms < bestS) {
			bestS, bestE, found = ms, me, true
		}
	}
	return bestS, bestE, found
}

func (k *languageScan) matchBranch(r *languageRule, b *languageBranch, limit int) (int, int, bool) {
	for _, si := range b.sets {
		if k.setSeen[si] == 0 {
			k.setSeen[si] = 2
			for _, li := range k.g.sets[si] {
				if k.literalPresent(li) {
					k.setSeen[si] = 1
					k.setLits[si] = append(k.setLits[si], k.g.literals[li])
				}
			}
		}
		if k.setSeen[si] == 2 {
			return 0, 0, false
		}
	}
	s := k.t.s
	// Occurrences of the primary literals, as windows to search.
	windows := k.windows[:0]
	defer func() { k.windows = windows[:0] }()
	for _, li := range b.primary {
		if !k.literalPresent(li) {
			continue
		}
		lit := k.g.literals[li]
		for at := 0; ; {
			j := strings.Index(s[at:], lit)
			if j < 0 {
				break
			}
			j += at
			if limit >= 0 && j >= limit {
				break
			}
			from, to := k.sentenceAround(j, j+len(lit))
			windows = append(windows, languageWindowSpan{from, to})
			at = j + len(lit)
			if at < to {
				at = to // the next window starts after this one
			}
		}
	}
	if len(windows) == 0 {
		return 0, 0, false
	}
	slices.SortFunc(windows, func(a, b languageWindowSpan) int { return a.from - b.from })
	merged := windows[:1]
	for _, w := range windows[1:] {
		if last := &merged[len(merged)-1]; w.from <= last.to {
			last.to = max(last.to, w.to)
		} else {
			merged = append(merged, w)
		}
	}
	for _, w := range merged {
		if limit >= 0 && w.from >= limit {
			break
		}
		seg := s[w.from:w.to]
		if !k.inWindow(b, seg) {
			continue
		}
		for pos := 0; pos < len(seg); {
			loc := b.regexp().FindStringIndex(seg[pos:])
			if loc == nil {
				break
			}
			ms, me := w.from+pos+loc[0], w.from+pos+loc[1]
			if limit >= 0 && ms >= limit {
				break
			}
			if !k.excused(r, ms, me) && k.accompanied(r, ms, me) {
				return ms, me, true
			}
			_, size := utf8.DecodeRuneInString(seg[pos+loc[0]:])
			pos += loc[0] + max(size, 1)
		}
	}
	return 0, 0, false
}

type languageWindowSpan struct{ from, to int }

// inWindow says whether seg has a literal of every set of b but the primary.
func (k *languageScan) inWindow(b *languageBranch, seg string) bool {
	for _, si := range b.sets {
		found := false
		for _, l := range k.setLits[si] {
			if strings.Contains(seg, l) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sentenceAround is languageSentenceAround with the text's sentence ends
// found once.
func (k *languageScan) sentenceAround(start, end int) (int, int) {
	s := k.t.s
	if !k.endsFound {
		k.endsFound = true
		k.ends = append(k.ends[:0], -1)
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if s[i] < utf8.RuneSelf {
				r, size = rune(s[i]), 1
			}
			if languageSentenceEnd(s, i, r) {
				k.ends = append(k.ends, int32(i))
			}
			i += size
		}
		k.ends = append(k.ends, int32(len(s)))
	}
	// The last end before start, and the first at or after end.
	i, _ := slices.BinarySearch(k.ends, int32(start))
	from := 0
	if prev := int(k.ends[i-1]); prev >= 0 {
		_, size := utf8.DecodeRuneInString(s[prev:])
		from = prev + size
	}
	j, _ := slices.BinarySearch(k.ends, int32(end))
	to := int(k.ends[j])
	if start-from > languageWindow || to-end > languageWindow {
		return languageSentenceAround(s, start, end)
	}
	return from, to
}

// languageSentenceAround returns the sentence around [start, end), cut to
// about languageWindow bytes either side (at a space when it is cut): no
// pattern reaches further from its literal.
func languageSentenceAround(s string, start, end int) (int, int) {
	from, cut := start, true
	for lo := max(0, start-languageWindow); from > lo; {
		r, size := utf8.DecodeLastRuneInString(s[:from])
		if languageSentenceEnd(s, from-size, r) {
			cut = false
			break
		}
		from -= size
	}
	if cut && from > 0 {
		if i := strings.IndexByte(s[from:start], ' '); i >= 0 {
			from += i + 1
		}
		for from < start && !utf8.RuneStart(s[from]) {
			from++
		}
	}
	to := end
	cut = true
	for hi := min(len(s), end+languageWindow); to < hi; {
		r, size := utf8.DecodeRuneInString(s[to:])
		if languageSentenceEnd(s, to, r) {
			cut = false
			break
		}
		to += size
	}
	if cut && to < len(s) {
		if i := strings.LastIndexByte(s[end:to], ' '); i >= 0 {
			to = end + i
		}
		for to > end && to < len(s) && !utf8.RuneStart(s[to]) {
			to--
		}
	}
	return from, to
}

// languageSentenceEnd says whether the character r at i ends a sentence. A
// full stop does when a space or the end follows, unless it ends a
// single-letter abbreviation ("u.s.", "d.a.") or a title ("mr.", "dr.").
func languageSentenceEnd(s string, i int, r rune) bool {
	switch r {
	case '。', '!', '?', ';', '\n', '．':
		return true
	case '.':
		if i+1 < len(s) && s[i+1] != ' ' {
			return false
		}
		w := i
		for w > 0 && s[w-1] >= 'a' && s[w-1] <= 'z' {
			w--
		}
		word := s[w:i]
		return !(len(word) == 1 || languageAbbreviations[word])
	}
	return false
}

var languageAbbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "st": true, "jr": true, "sr": true, "vs": true, "no": true,
	"inc": true, "co": true, "dept": true, "sgt": true, "lt": true, "capt": true, "det": true, "gov": true, "govt": true,
	"ave": true, "esq": true, "atty": true, "approx": true, "etc": true,
}

// languageConjunctions cut a sentence into clauses for unless patterns; the
// Latin ones only as whole words.
var languageConjunctions = []string{"but", "however", "although", "though", "whereas", "但是", "但", "不过", "可是", "然而"}

// accompanied says whether the match [ms, me) meets r's with condition: a
// with pattern matches somewhere in its clause.
func (k *languageScan) accompanied(r *languageRule, ms, me int) bool {
	if len(r.with) == 0 {
		return true
	}
	from, to := k.clause(ms, me)
	clause := k.t.s[from:to]
	for _, w := range r.with {
		for _, a := range w.alternatives() {
			if languageHasAll(clause, a.sets) && a.re.MatchString(clause) {
				return true
			}
		}
	}
	return false
}

// clause returns the clause around [ms, me): the sentence, cut at
// conjunctions.
func (k *languageScan) clause(ms, me int) (int, int) {
	s := k.t.s
	from, to := k.sentenceAround(ms, me)
	for _, c := range languageConjunctions {
		latin := c[0] < utf8.RuneSelf
		for at := from; at < to; {
			i := strings.Index(s[at:to], c)
			if i < 0 {
				break
			}
			i += at
			at = i + len(c)
			if latin && (i > 0 && languageWordByte(s[i-1]) || at < len(s) && languageWordByte(s[at])) {
				continue
			}
			if at <= ms {
				from = max(from, at)
			} else if i >= me {
				to = min(to, i)
				break
			}
		}
	}
	return from, to
}

// excused says whether an unless pattern of r matches, in the clause of the
// match [ms, me), a span that covers the start of the match.
func (k *languageScan) excused(r *languageRule, ms, me int) bool {
	if len(r.unless) == 0 {
		return false
	}
	s := k.t.s
	from, to := k.clause(ms, me)
	clause := s[from:to]
	for _, u := range r.unless {
		for _, a := range u.alternatives() {
			if languageAltCovers(a, clause, from, ms) {
				return true
			}
		}
	}
	return false
}

// languageAltCovers says whether a matches, in clause (which starts at
// from in the text), a span that covers position ms.
func languageAltCovers(a languageAlt, clause string, from, ms int) bool {
	if !languageHasAll(clause, a.sets) {
		return false
	}
	for pos := 0; pos < len(clause); {
		loc := a.re.FindStringIndex(clause[pos:])
		if loc == nil {
			break
		}
		us, ue := from+pos+loc[0], from+pos+loc[1]
		if us > ms {
			break
		}
		if ue > ms {
			return true
		}
		_, size := utf8.DecodeRuneInString(clause[pos+loc[0]:])
		pos += loc[0] + max(size, 1)
	}
	return false
}

func languageWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '\'' || c >= utf8.RuneSelf
}

// languageHasAll says whether s has a literal of each set.
func languageHasAll(s string, sets [][]string) bool {
	for _, set := range sets {
		if !slices.ContainsFunc(set, func(l string) bool { return strings.Contains(s, l) }) {
			return false
		}
	}
	return true
}

// languageLetters is the Latin letters alone of the parts of the text where
// letters look spelt out: s holds the letters of each region, regions
// separated by a space; tok numbers the word each letter came from (-1 for
// the separator), pos is its offset in the normalised text and tokLen the
// length of each word.
//
// A region starts from a "split sign": a one-letter word other than "a" and
// "i", or two one-letter words in a row (a letter after an apostrophe, as in
// "don't", does not count). It takes in the words of at most three letters
// next to it, and one more word at each end, as long as the words are at
// most three characters apart with no newline between. Ordinary prose has no
// split signs, so it is not looked at at all.
type languageLetters struct {
	s      []byte
	tok    []int32
	pos    []int32
	tokLen []int32
}

// languageMaySplit is a quick test for a one-letter word at the start or
// after a space, other than "a" and "i" unless another one-letter word
// follows: without one there is no split sign (see languageLetters).
func languageMaySplit(s string) bool {
	letter := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= 'a' && s[i] <= 'z' }
	for i := 0; i < len(s); {
		if letter(i) && !letter(i+1) && i+1 < len(s) && s[i+1] != '\'' {
			if c := s[i]; c != 'a' && c != 'i' || letter(i+2) && !letter(i+3) {
				return true
			}
		}
		j := strings.IndexByte(s[i:], ' ')
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return false
}

type languageWord struct {
	start, end int  // in the normalised text
	gapBefore  bool // at most 3 characters, no newline, from the previous word
	afterApos  bool
}

func (k *languageScan) lettersView() *languageLetters {
	if k.letters != nil {
		return k.letters
	}
	l := &languageLetters{}
	k.letters = l
	s := k.t.s
	if !languageMaySplit(s) {
		return l
	}
	words := k.words[:0]
	defer func() { k.words = words[:0] }()
	prevEnd, gap, newline, apos := -1, 0, false, false
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			j := i + 1
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			words = append(words, languageWord{start: i, end: j, gapBefore: prevEnd >= 0 && gap <= 3 && !newline, afterApos: apos && gap == 1})
			prevEnd, gap, newline, apos = j, 0, false, false
			i = j
			continue
		}
		if c >= utf8.RuneSelf || c >= '0' && c <= '9' {
			prevEnd = -1 // another script, or a digit, ends the run
			i++
			for i < len(s) && s[i] >= 0x80 && s[i] < 0xC0 {
				i++
			}
			continue
		}
		gap++
		newline = newline || c == '\n'
		apos = c == '\''
		i++
	}
	single := func(w languageWord) bool { return w.end-w.start == 1 && !w.afterApos }
	sign := make([]bool, len(words))
	any := false
	for i, w := range words {
		if !single(w) {
			continue
		}
		if c := s[w.start]; c != 'a' && c != 'i' || i > 0 && w.gapBefore && single(words[i-1]) || i+1 < len(words) && words[i+1].gapBefore && single(words[i+1]) {
			sign[i], any = true, true
		}
	}
	if !any {
		return l
	}
	// Regions: [from, to) word indexes.
	for i := 0; i < len(words); i++ {
		if !sign[i] {
			continue
		}
		from, to := i, i+1
		for from > 0 && words[from].gapBefore && words[from-1].end-words[from-1].start <= 3 {
			from--
		}
		if from > 0 && words[from].gapBefore {
			from--
		}
		for to < len(words) && words[to].gapBefore && words[to].end-words[to].start <= 3 {
			to++
		}
		if to < len(words) && words[to].gapBefore {
			to++
		}
		if len(l.s) > 0 {
			l.s = append(l.s, ' ')
			l.tok = append(l.tok, -1)
			l.pos = append(l.pos, int32(words[from].start))
		}
		for w := from; w < to; w++ {
			t := int32(len(l.tokLen))
			l.tokLen = append(l.tokLen, int32(words[w].end-words[w].start))
			for b := words[w].start; b < words[w].end; b++ {
				l.s = append(l.s, s[b])
				l.tok = append(l.tok, t)
				l.pos = append(l.pos, int32(b))
			}
		}
		for i+1 < to {
			i++
		}
	}
	return l
}

// splitMatch finds the earliest match of a split_letters pattern whose
// letters were spelt out (see the file comment).
func (k *languageScan) splitMatch(p *languagePattern) (int, int, bool) {
	l := k.lettersView()
	if len(l.tokLen) < 2 {
		return 0, 0, false
	}
	for pos := 0; pos < len(l.s); {
		loc := p.re.FindIndex(l.s[pos:])
		if loc == nil {
			return 0, 0, false
		}
		a, b := pos+loc[0], pos+loc[1]
		pos = a + 1
		if l.tok[a] < 0 || l.tok[b-1] < 0 || a > 0 && l.tok[a-1] == l.tok[a] || b < len(l.s) && l.tok[b] == l.tok[b-1] {
			continue
		}
		first, last := l.tok[a], l.tok[b-1]
		if last-first < 1 {
			continue
		}
		single := false
		for t := first; t <= last; t++ {
			single = single || l.tokLen[t] == 1
		}
		if last-first >= 2 || single {
			return int(l.pos[a]), int(l.pos[b-1]) + 1, true
		}
	}
	return 0, 0, false
}

// String describes the guard for logs.
func (g *LanguageGuard) String() string {
	n := 0
	for _, r := range append(slices.Clip(g.forbidden), g.disclosure...) {
		n += len(r.patterns)
	}
	return "language set " + strconv.Quote(g.name) + ": " + strconv.Itoa(n) + " patterns"
}
