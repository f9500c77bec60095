package billing

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The keys this package names live in catalogue_keys.md until they are
// added to views/locales; these tests hold the file and the code equal.

var (
	keyLit      = regexp.MustCompile(`^(err|billing)\.[a-z0-9_]+(\.[a-z0-9_]+)+$`)
	placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)
)

// newKeys reads the JSON blocks of catalogue_keys.md: lang → key → text.
func newKeys(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("catalogue_keys.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, lang := range []string{"en", "zh"} {
		start := strings.Index(string(b), "```json "+lang+"\n")
		if start < 0 {
			t.Fatalf("catalogue_keys.md has no json %s block", lang)
		}
		body := string(b)[start+len("```json "+lang+"\n"):]
		body = body[:strings.Index(body, "```")]
		m := map[string]string{}
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("catalogue_keys.md %s block: %v", lang, err)
		}
		out[lang] = m
	}
	return out
}

// existingKeys reads views/locales: lang → key → text.
func existingKeys(t *testing.T) map[string]map[string]string {
	t.Helper()
	files, err := filepath.Glob("../views/locales/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no locale files: %v", err)
	}
	out := map[string]map[string]string{"en": {}, "zh": {}}
	for _, f := range files {
		parts := strings.Split(filepath.Base(f), ".")
		lang := parts[len(parts)-2]
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range m {
			out[lang][k] = v
		}
	}
	return out
}

func placeholders(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		out[m[1]] = true
	}
	return out
}

func TestCatalogueKeysFile(t *testing.T) {
	keys, existing := newKeys(t), existingKeys(t)
	for k, en := range keys["en"] {
		zh, ok := keys["zh"][k]
		if !ok {
			t.Errorf("%s has English text but no Chinese", k)
			continue
		}
		if pe, pz := placeholders(en), placeholders(zh); len(pe) != len(pz) {
			t.Errorf("%s: placeholders differ: en %v, zh %v", k, pe, pz)
		} else {
			for p := range pe {
				if !pz[p] {
					t.Errorf("%s: zh text lacks {{.%s}}", k, p)
				}
			}
		}
		// Once added to views/locales a key is there too, with this text.
		for lang, text := range map[string]string{"en": en, "zh": zh} {
			if s, there := existing[lang][k]; there && s != text {
				t.Errorf("%s: views/locales has another %s text (%q): one key, one text", k, lang, s)
			}
		}
	}
	for k := range keys["zh"] {
		if _, ok := keys["en"][k]; !ok {
			t.Errorf("%s has Chinese text but no English", k)
		}
	}
}

// Every key the code names is in catalogue_keys.md or already in the
// catalogue, and every placeholder its texts use is an argument the call
// passes.
func TestCodeKeysListed(t *testing.T) {
	keys, existing := newKeys(t), existingKeys(t)
	text := func(lang, k string) (string, bool) {
		if s, ok := keys[lang][k]; ok {
			return s, true
		}
		s, ok := existing[lang][k]
		return s, ok
	}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	seen := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				s, _ := strconv.Unquote(n.Value)
				if n.Kind == token.STRING && keyLit.MatchString(s) {
					seen++
					for _, lang := range []string{"en", "zh"} {
						if _, ok := text(lang, s); !ok {
							t.Errorf("%s: %q has no %s text", fset.Position(n.Pos()), s, lang)
						}
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pkg, _ := sel.X.(*ast.Ident)
				if pkg == nil {
					return true
				}
				at := -1
				switch {
				case pkg.Name == "collect" && (sel.Sel.Name == "E" || sel.Sel.Name == "Field" || sel.Sel.Name == "Invalid"):
					at = 1
				case pkg.Name == "collect" && sel.Sel.Name == "Say":
					at = 0
				case pkg.Name == "allocation" && sel.Sel.Name == "NewRowError":
					at = 2
				}
				if at < 0 || len(n.Args) <= at {
					return true
				}
				lit, ok := n.Args[at].(*ast.BasicLit)
				if !ok {
					t.Errorf("%s: the key must be a string literal", fset.Position(n.Pos()))
					return true
				}
				key, _ := strconv.Unquote(lit.Value)
				given := map[string]bool{}
				for i := at + 1; i < len(n.Args); i += 2 {
					l, ok := n.Args[i].(*ast.BasicLit)
					if !ok {
						t.Errorf("%s: argument names must be string literals", fset.Position(n.Pos()))
						return true
					}
					s, _ := strconv.Unquote(l.Value)
					given[s] = true
				}
				for _, lang := range []string{"en", "zh"} {
					s, _ := text(lang, key)
					for p := range placeholders(s) {
						if !given[p] {
							t.Errorf("%s: %s's %s text uses {{.%s}}, which the call does not pass", fset.Position(n.Pos()), key, lang, p)
						}
					}
				}
			}
			return true
		})
	}
	if seen < 50 {
		t.Fatalf("only %d keys seen: the walk does not see the code", seen)
	}
}

// Each code a page shows has a label in both languages, under the prefix
// codes.go names for it.
func TestLabelsListed(t *testing.T) {
	keys := newKeys(t)
	for prefix, codes := range map[string][]string{
		"billing.source.": Sources, "billing.channel.": Channels, "billing.status.": Statuses,
		"billing.attribution.": AttributionReasons, "billing.outcome.": OutcomeKinds, "billing.exception.": ExceptionReasons,
		"billing.rate_source.": RateSources, "billing.invoice_status.": InvoiceStatuses, "billing.line_state.": LineStates,
		"billing.adjustment.": AdjustmentKinds,
	} {
		if len(codes) < 2 {
			t.Errorf("%s: %v", prefix, codes)
		}
		for _, c := range codes {
			for _, lang := range []string{"en", "zh"} {
				if _, ok := keys[lang][prefix+c]; !ok {
					t.Errorf("label %s%s has no %s text", prefix, c, lang)
				}
			}
		}
	}
	// End reasons are the placement statuses the catalogue already labels.
	existing := existingKeys(t)
	for _, c := range EndReasons {
		if _, ok := existing["en"]["placement."+c]; !ok {
			t.Errorf("placement.%s is not labelled", c)
		}
	}
}
