package loadtest

import (
	"collect"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"collect/policies"
	"collect/portal"
)

// PageTime is one page of the sweep: every HTML page the portal serves,
// for each signed-in user whose role may open it, timed alone.
type PageTime struct {
	Path   string  `json:"path"`
	As     string  `json:"as"`
	Ms     float64 `json:"ms"` // the slower of two requests, after one to warm up
	Status int     `json:"status"`
}

// sweeper is who the sweep signs in as, with their role.
type sweeper struct {
	as, role string
	r        requester
}

// sweepPages opens every GET page of routes (its path parameters filled
// from ids; a page whose parameter is not known is left out) for each
// user the policy lets open it, one request at a time, and returns the
// pages slowest first.
func sweepPages(client *http.Client, routes []portal.Route, who []sweeper, ids map[string]string) ([]PageTime, error) {
	enf, err := policies.NewEnforcer()
	if err != nil {
		return nil, err
	}
	var out []PageTime
	for _, rt := range routes {
		if rt.Method != http.MethodGet || !rt.Page || rt.Public {
			continue
		}
		path, ok := fill(rt.Path, ids)
		if !ok {
			continue
		}
		for _, w := range who {
			if allowed, _ := enf.Enforce(w.role, rt.Object, rt.Action); !allowed {
				continue
			}
			var worst time.Duration
			status := 0
			for i := 0; i < 3; i++ {
				c, err := w.r.page(path)
				if err != nil {
					return nil, err
				}
				start := time.Now()
				resp, err := client.Do(c.req)
				d := time.Since(start)
				if err != nil {
					return nil, err
				}
				resp.Body.Close()
				status = resp.StatusCode
				if i > 0 && d > worst {
					worst = d
				}
			}
			out = append(out, PageTime{Path: path, As: w.as, Ms: float64(worst.Microseconds()) / 1000, Status: status})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Ms > out[j].Ms })
	return out, nil
}

// fill puts ids into a route's parameters (":id" after "/accounts/" is
// ids["account"], and so on by the segment before it); false when one is
// not known.
func fill(path string, ids map[string]string) (string, bool) {
	path = strings.ReplaceAll(path, ".:format", ".csv")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") && s != "*" {
			continue
		}
		if i == 0 {
			return "", false
		}
		id, ok := ids[segs[i-1]]
		if !ok || s == "*" {
			return "", false
		}
		segs[i] = url.PathEscape(id)
	}
	return strings.Join(segs, "/"), true
}

// sweepRoles are the roles of the bench's three sign-ins.
var sweepRoles = map[string]string{
	"vm@demo-bank.test":        collect.RoleVendorManager,
	"supervisor@agency-a.test": collect.RoleAgencySupervisor,
	"agent@agency-a.test":      collect.RoleCollector,
}
