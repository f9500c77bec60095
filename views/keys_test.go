package views

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// catalogueIDs reads every locale file: lang → id → text.
func catalogueIDs(t *testing.T) map[string]map[string]string {
	t.Helper()
	files, err := filepath.Glob("locales/*.json")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]string{"zh": {}, "en": {}}
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
		for id, text := range m {
			if _, dup := ids[lang][id]; dup {
				t.Errorf("%s: %s is defined twice", f, id)
			}
			ids[lang][id] = text
		}
	}
	return ids
}

var errKey = regexp.MustCompile(`^err\.[a-z0-9_]+(\.[a-z0-9_]+)+$`)
var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// Every message key the code names is in both catalogues: each "err.…"
// literal in the application's Go code, each literal key given to
// collect.E, collect.Field, collect.Invalid, collect.Broken or collect.Say (literals, or a helper's
// variable passing its caller's literal on) and each literal id given to T. The arguments a
// message's text uses are the ones its collect.E call passes. A missing key
// would show the key itself on a page.
func TestErrorKeysInCatalogue(t *testing.T) {
	ids := catalogueIDs(t)
	has := func(id string) bool { _, zh := ids["zh"][id]; _, en := ids["en"][id]; return zh && en }
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || strings.HasPrefix(n, ".") && n != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inCollect := f.Name.Name == "collect"
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				s, _ := strconv.Unquote(n.Value)
				if errKey.MatchString(s) {
					checked++
					if !has(s) {
						t.Errorf("%s: message key %q is missing from the zh or en catalogue", fset.Position(n.Pos()), s)
					}
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					if x, ok := fn.X.(*ast.Ident); ok && x.Name == "collect" {
						name = fn.Sel.Name
					} else if fn.Sel.Name == "T" && len(n.Args) >= 2 {
						name = "T"
					}
				case *ast.Ident:
					if inCollect || fn.Name == "T" {
						name = fn.Name
					}
				}
				switch name {
				case "E", "Field", "Invalid", "Broken", "Say":
					// The key is the second argument (the first of Say), its
					// name, value pairs follow.
					at := 1
					if name == "Say" {
						at = 0
					}
					if inCollect || len(n.Args) < at+1 {
						return true
					}
					lit, ok := n.Args[at].(*ast.BasicLit)
					if _, forwarded := n.Args[at].(*ast.Ident); forwarded {
						return true // a helper passing its caller's key on: the caller's literal is checked
					}
					if !ok {
						t.Errorf("%s: collect.%s's key must be a string literal or a variable", fset.Position(n.Pos()), name)
						return true
					}
					key, _ := strconv.Unquote(lit.Value)
					if !has(key) {
						return true // reported above
					}
					given := map[string]bool{}
					for i := at + 1; i+1 < len(n.Args); i += 2 {
						if l, ok := n.Args[i].(*ast.BasicLit); ok {
							s, _ := strconv.Unquote(l.Value)
							given[s] = true
						} else {
							return true // names computed: cannot check
						}
					}
					if len(n.Args) > at+1 && n.Ellipsis.IsValid() {
						return true
					}
					for _, lang := range []string{"zh", "en"} {
						for _, m := range placeholder.FindAllStringSubmatch(ids[lang][key], -1) {
							if !given[m[1]] {
								t.Errorf("%s: %s's %s text uses {{.%s}}, which the call does not pass", fset.Position(n.Pos()), key, lang, m[1])
							}
						}
					}
				case "T":
					if len(n.Args) < 2 {
						return true
					}
					if lit, ok := n.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						id, _ := strconv.Unquote(lit.Value)
						checked++
						if !has(id) {
							t.Errorf("%s: T(%q): the id is missing from the zh or en catalogue", fset.Position(n.Pos()), id)
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d keys found: the walk does not see the code", checked)
	}
}
