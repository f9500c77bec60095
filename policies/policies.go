// Package policies holds the Casbin model and policy, embedded, and builds
// the enforcer from them.
package policies

import (
	_ "embed"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// NewEnforcer returns an enforcer over the embedded model and policy. The
// policy does not change while the process runs and a decision depends on
// (role, object, action) alone, so each decision is cached (Casbin's
// synchronised decision cache): a page asks for a dozen of them for its
// menu, and evaluating the matcher each time was a fifth of a page's CPU.
func NewEnforcer() (*casbin.SyncedCachedEnforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	return casbin.NewSyncedCachedEnforcer(m, stringadapter.NewAdapter(stripComments(policyText)))
}

// stripComments drops comment and blank lines, which the string adapter
// would otherwise read as policy lines.
func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		b.WriteString(t)
		b.WriteByte('\n')
	}
	return b.String()
}

//go:embed retention.json
var retentionText []byte

// Retention is the record-keeping periods per conduct profile (JSON,
// evidence.ParseRetention reads it).
func Retention() []byte { return retentionText }
