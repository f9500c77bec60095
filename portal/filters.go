package portal

import (
	"collect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"collect/allocation"
	"collect/casework"
	"collect/oversight"
	"collect/portal/store"
	"collect/views"
)

// Every list's query is read here, once, for both its page and its API
// endpoint, under API.md's names (?page=&per_page=, agency=, portfolio=,
// stage=, bucket=, status=, account=...). A value the list cannot honour is
// an EINVALID error naming the field, never silently dropped: a page and an
// endpoint that read the same query answer the same rows.

// parsePage reads ?page= (from 1) and ?per_page= (1 to 500, default 50).
func parsePage(c echo.Context) (store.Page, error) {
	q := queryOf(c)
	p := q.page()
	return p, q.err()
}

// parseAccountFilter reads GET /accounts and /api/v1/accounts.
func parseAccountFilter(c echo.Context) (store.AccountFilter, error) {
	q := queryOf(c)
	f := store.AccountFilter{
		Portfolio: q.text("portfolio"), Stage: q.oneOf("stage", casework.Stages), Bucket: q.oneOf("bucket", allocation.BucketNames()),
		Agency: q.text("agency"), Query: q.text("q"), Sort: q.oneOf("sort", accountSorts()), After: q.text("after"), Page: q.page(),
	}
	if utf8.RuneCountInString(f.Query) > 100 {
		q.bad("q", "err.filter.max_chars", "max", 100)
	}
	return f, q.err()
}

func accountSorts() []string {
	keys := make([]string, 0, len(store.AccountSorts))
	for k := range store.AccountSorts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseQueueFilter reads GET /queue and /api/v1/queue.
func parseQueueFilter(c echo.Context) (store.QueueFilter, error) {
	q := queryOf(c)
	f := store.QueueFilter{Stage: q.oneOf("stage", casework.Stages), Bucket: q.oneOf("bucket", allocation.BucketNames()),
		Due: q.oneOf("due", []string{"overdue", "today"}), Cursor: q.text("cursor"), Page: q.page()}
	return f, q.err()
}

// placementStatuses are the statuses a placement list filters by, in the
// order the page offers them.
var placementStatuses = []string{allocation.PlacementOffered, allocation.PlacementActive, allocation.PlacementRecalled,
	allocation.PlacementReturned, allocation.PlacementExpired, allocation.PlacementDeclined, allocation.PlacementClosed}

// parsePlacementFilter reads GET /placements and /api/v1/placements.
func parsePlacementFilter(c echo.Context) (store.PlacementFilter, error) {
	q := queryOf(c)
	f := store.PlacementFilter{Status: q.oneOf("status", placementStatuses), Agency: q.text("agency"), Account: q.text("account"),
		Allocation: q.text("allocation"), Page: q.page()}
	return f, q.err()
}

// parseAssignmentFilter reads an allocation plan's assignment list
// (GET /allocations/:id and /api/v1/allocations/:id/assignments): ?agency=
// and the page.
func parseAssignmentFilter(c echo.Context) (agency string, p store.Page, err error) {
	q := queryOf(c)
	agency, p = q.text("agency"), q.page()
	return agency, p, q.err()
}

// parseComplaintFilter reads GET /complaints (and its exports) and
// /api/v1/complaints.
func parseComplaintFilter(c echo.Context) (store.ComplaintFilter, error) {
	q := queryOf(c)
	f := store.ComplaintFilter{Status: q.oneOf("status", oversight.ComplaintStatuses), Agency: q.text("agency"),
		Category: q.oneOf("category", oversight.ComplaintCategories), Overdue: q.flag("overdue"), Page: q.page()}
	return f, q.err()
}

// breachSeverities are the severities the breach list filters by.
var breachSeverities = []string{oversight.SeverityLow, oversight.SeverityMedium, oversight.SeverityHigh}

// parseBreachFilter reads GET /breaches (and its exports) and
// /api/v1/oversight/breaches.
func parseBreachFilter(c echo.Context) (store.BreachFilter, error) {
	q := queryOf(c)
	f := store.BreachFilter{Agency: q.text("agency"), Rule: q.text("rule"), Severity: q.oneOf("severity", breachSeverities),
		Status: q.oneOf("status", oversight.BreachStatuses), Page: q.page()}
	return f, q.err()
}

// parseAuditFilter reads GET /audit and /api/v1/audit.
func parseAuditFilter(c echo.Context) (store.AuditFilter, error) {
	q := queryOf(c)
	f := store.AuditFilter{Action: q.optional("action"), ObjectType: q.optional("object_type"), ObjectID: q.optional("object_id"),
		ActorID: q.optional("actor"), Page: q.page()}
	return f, q.err()
}

// parseKPIFilter reads the oversight period (GET /oversight and its exports,
// /api/v1/oversight/kpis, scorecards and roll-rates): ?agency=&from=&to=,
// months YYYY-MM (a date YYYY-MM-DD is read as its month). The default
// period is filled by KPIFilter.Validate, so the answer names the one used.
func parseKPIFilter(c echo.Context) (store.KPIFilter, error) {
	q := queryOf(c)
	f := store.KPIFilter{From: q.month("from"), To: q.month("to"), Agency: q.text("agency")}
	if f.From != "" && f.To != "" && f.From > f.To {
		q.bad("from", "err.filter.from_after_to")
	}
	return f, q.err()
}

// parseMonth reads ?month=YYYY-MM of the commission statement and the
// invoices (their pages and API routes), this month in the reader's zone by
// default.
func (s *Server) parseMonth(c echo.Context) (string, error) {
	q := queryOf(c)
	m := q.month("month")
	if m == "" && len(q.fields) == 0 {
		m = s.now().In(views.Zone(c.Request().Context())).Format("2006-01") // the reader's month, as commission months are local
	}
	return m, q.err()
}

// query reads one request's query and gathers what is wrong with it, so a
// caller hears of every bad field at once.
type query struct {
	c      echo.Context
	fields []collect.FieldError
}

func queryOf(c echo.Context) *query { return &query{c: c} }

// bad records what is wrong with a field: a catalogue key ("field must be
// …") and its arguments.
func (q *query) bad(field, key string, kv ...any) {
	q.fields = append(q.fields, collect.Field(field, key, append(kv, "field", field)...))
}

// err is nil, or one EINVALID error naming each bad field.
func (q *query) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return collect.E(collect.EINVALID, "err.filter.invalid", "fields", q.fields).WithFields(q.fields...)
}

func (q *query) text(name string) string { return q.c.QueryParam(name) }

// optional is nil when the parameter is absent or empty.
func (q *query) optional(name string) *string {
	if v := q.c.QueryParam(name); v != "" {
		return &v
	}
	return nil
}

// oneOf is the parameter when it is one of allowed, "" when absent.
func (q *query) oneOf(name string, allowed []string) string {
	v := q.c.QueryParam(name)
	if v != "" && !slices.Contains(allowed, v) {
		q.bad(name, "err.filter.one_of", "allowed", strings.Join(allowed, ", "))
		return ""
	}
	return v
}

// flag is a true/false parameter, false when absent.
func (q *query) flag(name string) bool {
	switch q.c.QueryParam(name) {
	case "", "false":
		return false
	case "true":
		return true
	}
	q.bad(name, "err.filter.bool")
	return false
}

// count is a whole number from 1 to most, def when absent.
func (q *query) count(name string, def, most int) int {
	v := q.c.QueryParam(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		q.bad(name, "err.filter.count", "max", groupThousands(most))
		return def
	}
	return n
}

func (q *query) page() store.Page {
	return store.Page{Page: q.count("page", 1, 1_000_000), PerPage: q.count("per_page", store.DefaultPerPage, store.MaxPerPage)}
}

// month is a YYYY-MM parameter (or a date YYYY-MM-DD, read as its month).
func (q *query) month(name string) string {
	v := q.c.QueryParam(name)
	if v == "" {
		return ""
	}
	if _, err := time.Parse("2006-01", v); err == nil {
		return v
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return v[:7]
	}
	if _, err := time.Parse(time.RFC3339, v); err == nil {
		return v[:7]
	}
	q.bad(name, "err.filter.month")
	return ""
}

func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
