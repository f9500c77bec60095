package policies

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

//go:embed language/*.json
var languageFS embed.FS

// ErrUnknownLanguageGuard is returned for a language set name with no file.
var ErrUnknownLanguageGuard = errors.New("unknown language set")

var languageGuardName = regexp.MustCompile(`^[a-z0-9_]+$`)

// LanguageGuard returns the JSON of the named language set of forbidden
// language and disclosure patterns ("cn_en" for the China profile, "en" for
// US Regulation F); casework.ParseLanguageGuard reads it.
func LanguageGuard(name string) ([]byte, error) {
	if languageGuardName.MatchString(name) {
		if b, err := languageFS.ReadFile("language/" + name + ".json"); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w %q (have %s)", ErrUnknownLanguageGuard, name, strings.Join(LanguageGuardNames(), ", "))
}

// LanguageGuardNames lists the embedded language sets, sorted.
func LanguageGuardNames() []string {
	paths, _ := fs.Glob(languageFS, "language/*.json") // the pattern is constant and valid
	names := make([]string, 0, len(paths))
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(p, "language/"), ".json"))
	}
	slices.Sort(names)
	return names
}
