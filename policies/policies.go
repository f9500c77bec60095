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

// NewEnforcer returns an enforcer over the embedded model and policy.
func NewEnforcer() (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	return casbin.NewEnforcer(m, stringadapter.NewAdapter(stripComments(policyText)))
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
