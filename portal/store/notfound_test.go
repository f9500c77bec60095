package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"collect"
)

// Every thing the store reports as not found has its own message key: a
// notFound(err, "what") whose what is not in notFoundKeys would show the
// English word on a Chinese page.
func TestNotFoundKeys(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
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
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "notFound" && id.Name != "notFoundError" {
				return true
			}
			lit, ok := call.Args[len(call.Args)-1].(*ast.BasicLit)
			if !ok {
				return true // the helper itself, passing its what on
			}
			what, _ := strconv.Unquote(lit.Value)
			seen++
			if _, ok := notFoundKeys[what]; !ok {
				t.Errorf("%s: notFound(_, %q) has no key in notFoundKeys", fset.Position(lit.Pos()), what)
			}
			return true
		})
	}
	if seen < 10 {
		t.Fatalf("only %d notFound calls found: the walk does not see the store", seen)
	}
	for what, key := range notFoundKeys {
		e := notFoundError(what)
		if e.Code != collect.ENOTFOUND || e.Key != key || len(e.Args) != 0 {
			t.Errorf("notFoundError(%q) = %+v, want ENOTFOUND %s", what, e, key)
		}
	}
	if e := notFoundError("widget"); e.Key != "err.not_found.thing" || e.Args["what"] != "widget" {
		t.Errorf("notFoundError(widget) = %+v, want the fallback key with what", e)
	}
}
