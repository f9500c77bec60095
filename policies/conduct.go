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

//go:embed conduct/*.json
var conductFS embed.FS

// ErrUnknownConductProfile is returned for a profile name with no file.
var ErrUnknownConductProfile = errors.New("unknown conduct profile")

var conductProfileName = regexp.MustCompile(`^[a-z0-9_]+$`)

// ConductProfile returns the JSON of the named conduct rule profile ("china",
// "us_regf"); casework.ParseConductProfile reads it.
func ConductProfile(name string) ([]byte, error) {
	if conductProfileName.MatchString(name) {
		if b, err := conductFS.ReadFile("conduct/" + name + ".json"); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w %q (have %s)", ErrUnknownConductProfile, name, strings.Join(ConductProfileNames(), ", "))
}

// ConductProfileNames lists the embedded profiles, sorted.
func ConductProfileNames() []string {
	paths, _ := fs.Glob(conductFS, "conduct/*.json") // the pattern is constant and valid
	names := make([]string, 0, len(paths))
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(p, "conduct/"), ".json"))
	}
	slices.Sort(names)
	return names
}

//go:embed templates.json
var messageTemplates []byte

// MessageTemplates returns the message templates of every profile (JSON:
// profile → [{id, channel, text, disclosures}]).
func MessageTemplates() []byte { return messageTemplates }

//go:embed us_limitation.json
var usLimitation []byte

// USLimitation returns the US states' limitation periods for written
// contracts (policies/us_limitation.json), which the us_regf profile's legal
// referrals and its time-barred-suit rule read.
func USLimitation() ([]byte, error) { return usLimitation, nil }
