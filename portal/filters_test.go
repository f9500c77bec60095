package portal

import (
	"collect"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
	"collect/views"
)

// TestFilterParsers holds each list's parser to its good values and names
// the field of each bad one.
func TestFilterParsers(t *testing.T) {
	t.Parallel()
	e := echo.New()
	ctx := func(query string) echo.Context {
		return e.NewContext(httptest.NewRequest("GET", "/x?"+query, nil), httptest.NewRecorder())
	}
	str := func(s string) *string { return &s }
	def := store.Page{Page: 1, PerPage: 50}
	type parser func(echo.Context) (any, error)
	wrap := func(f any) parser {
		return func(c echo.Context) (any, error) {
			switch f := f.(type) {
			case func(echo.Context) (store.Page, error):
				return f(c)
			case func(echo.Context) (store.AccountFilter, error):
				return f(c)
			case func(echo.Context) (store.QueueFilter, error):
				return f(c)
			case func(echo.Context) (store.PlacementFilter, error):
				return f(c)
			case func(echo.Context) (store.ComplaintFilter, error):
				return f(c)
			case func(echo.Context) (store.BreachFilter, error):
				return f(c)
			case func(echo.Context) (store.AuditFilter, error):
				return f(c)
			case func(echo.Context) (store.KPIFilter, error):
				return f(c)
			}
			panic("no such parser")
		}
	}
	assignments := func(c echo.Context) (any, error) {
		agency, p, err := parseAssignmentFilter(c)
		return struct {
			Agency string
			store.Page
		}{agency, p}, err
	}
	srv := &Server{now: func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }}
	month := func(c echo.Context) (any, error) { return srv.parseMonth(c) }
	cases := []struct {
		name   string
		parse  parser
		query  string
		want   any      // when no field is wrong
		fields []string // the fields named wrong, in order
	}{
		{"Page/Default", wrap(parsePage), "", def, nil},
		{"Page/Given", wrap(parsePage), "page=3&per_page=500", store.Page{Page: 3, PerPage: 500}, nil},
		{"Page/Zero", wrap(parsePage), "page=0", nil, []string{"page"}},
		{"Page/NotANumber", wrap(parsePage), "page=two", nil, []string{"page"}},
		{"Page/PerPageTooLarge", wrap(parsePage), "per_page=501", nil, []string{"per_page"}},
		{"Page/PerPageZero", wrap(parsePage), "per_page=0", nil, []string{"per_page"}},
		{"Page/Both", wrap(parsePage), "page=-1&per_page=9999", nil, []string{"page", "per_page"}},

		{"Accounts/Good", wrap(parseAccountFilter), "portfolio=p1&stage=legal&bucket=M2&agency=none&q=%E6%9D%8E&sort=-balance&page=2",
			store.AccountFilter{Portfolio: "p1", Stage: "legal", Bucket: "M2", Agency: "none", Query: "李", Sort: "-balance", Page: store.Page{Page: 2, PerPage: 50}}, nil},
		{"Accounts/UnknownStage", wrap(parseAccountFilter), "stage=paid", nil, []string{"stage"}},
		{"Accounts/UnknownBucket", wrap(parseAccountFilter), "bucket=M9", nil, []string{"bucket"}},
		{"Accounts/UnknownSort", wrap(parseAccountFilter), "sort=debtor", nil, []string{"sort"}},
		{"Accounts/LongSearch", wrap(parseAccountFilter), "q=" + strings.Repeat("a", 101), nil, []string{"q"}},
		{"Accounts/PerPage", wrap(parseAccountFilter), "per_page=501&stage=x", nil, []string{"stage", "per_page"}},

		{"Queue/Good", wrap(parseQueueFilter), "stage=negotiation&bucket=M1&due=overdue",
			store.QueueFilter{Stage: "negotiation", Bucket: "M1", Due: "overdue", Page: def}, nil},
		{"Queue/UnknownDue", wrap(parseQueueFilter), "due=tomorrow", nil, []string{"due"}},
		{"Queue/UnknownStage", wrap(parseQueueFilter), "stage=closed", nil, []string{"stage"}},

		{"Placements/Good", wrap(parsePlacementFilter), "status=active&agency=a1&account=ac1&per_page=20",
			store.PlacementFilter{Status: "active", Agency: "a1", Account: "ac1", Page: store.Page{Page: 1, PerPage: 20}}, nil},
		{"Placements/UnknownStatus", wrap(parsePlacementFilter), "status=paused", nil, []string{"status"}},

		{"Assignments/Good", assignments, "agency=a1&page=2", struct {
			Agency string
			store.Page
		}{"a1", store.Page{Page: 2, PerPage: 50}}, nil},
		{"Assignments/BadPage", assignments, "page=x", nil, []string{"page"}},

		{"Complaints/Good", wrap(parseComplaintFilter), "status=received&agency=a1&category=privacy&overdue=true",
			store.ComplaintFilter{Status: "received", Agency: "a1", Category: "privacy", Overdue: true, Page: def}, nil},
		{"Complaints/OverdueFalse", wrap(parseComplaintFilter), "overdue=false", store.ComplaintFilter{Page: def}, nil},
		{"Complaints/UnknownStatus", wrap(parseComplaintFilter), "status=closed", nil, []string{"status"}},
		{"Complaints/UnknownCategory", wrap(parseComplaintFilter), "category=rude", nil, []string{"category"}},
		{"Complaints/OverdueNotABool", wrap(parseComplaintFilter), "overdue=yes", nil, []string{"overdue"}},

		{"Breaches/Good", wrap(parseBreachFilter), "agency=a1&rule=cn.quiet_hours&severity=high&status=open",
			store.BreachFilter{Agency: "a1", Rule: "cn.quiet_hours", Severity: "high", Status: "open", Page: def}, nil},
		{"Breaches/UnknownSeverity", wrap(parseBreachFilter), "severity=critical", nil, []string{"severity"}},
		{"Breaches/UnknownStatus", wrap(parseBreachFilter), "status=closed", nil, []string{"status"}},

		{"Audit/Good", wrap(parseAuditFilter), "action=breach.update&object_type=breach&object_id=b1&actor=u1",
			store.AuditFilter{Action: str("breach.update"), ObjectType: str("breach"), ObjectID: str("b1"), ActorID: str("u1"), Page: def}, nil},
		{"Audit/Empty", wrap(parseAuditFilter), "action=", store.AuditFilter{Page: def}, nil},
		{"Audit/BadPage", wrap(parseAuditFilter), "page=0", nil, []string{"page"}},

		{"KPIs/Months", wrap(parseKPIFilter), "from=2026-01&to=2026-06&agency=a1", store.KPIFilter{From: "2026-01", To: "2026-06", Agency: "a1"}, nil},
		{"KPIs/DatesAsMonths", wrap(parseKPIFilter), "from=2026-01-15&to=2026-06-30T00:00:00Z", store.KPIFilter{From: "2026-01", To: "2026-06"}, nil},
		{"KPIs/Empty", wrap(parseKPIFilter), "", store.KPIFilter{}, nil},
		{"KPIs/NoSuchMonth", wrap(parseKPIFilter), "from=2026-13", nil, []string{"from"}},
		{"KPIs/MalformedDate", wrap(parseKPIFilter), "to=2026-02-30", nil, []string{"to"}},
		{"KPIs/Garbage", wrap(parseKPIFilter), "from=last+month&to=now", nil, []string{"from", "to"}},
		{"KPIs/FromAfterTo", wrap(parseKPIFilter), "from=2026-06&to=2026-01", nil, []string{"from"}},

		{"Month/Default", month, "", "2026-12", nil},
		{"Month/Given", month, "month=2026-03", "2026-03", nil},
		{"Month/Malformed", month, "month=March", nil, []string{"month"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.parse(ctx(tc.query))
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
				return
			}
			var ae *collect.Error
			if !errors.As(err, &ae) || ae.Code != collect.EINVALID {
				t.Fatalf("error %v, want an EINVALID error", err)
			}
			var named []string
			for _, f := range ae.Fields {
				named = append(named, f.Field)
				msg := views.English().FieldText(f)
				if msg == "" || f.Key == "" || !strings.Contains(ae.Text(), f.Field) {
					t.Errorf("field %s: message %q, error message %q", f.Field, msg, ae.Text())
				}
			}
			if !slices.Equal(named, tc.fields) {
				t.Fatalf("fields %q, want %q (%s)", named, tc.fields, ae.Message)
			}
		})
	}
}
