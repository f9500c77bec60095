// Package views holds the templ components, the message catalogue and the
// static assets. Components take view models (below), never echo.Context;
// the request's language travels in the context.Context (see i18n.go).
package views

import (
	"collect"
	"context"
	"embed"
	"fmt"
	"strings"
	"time"
)

//go:embed static
var Static embed.FS

// Session is who is logged in, as the layout shows it.
type Session struct {
	Name      string
	Email     string
	OrgName   string
	OrgKind   string   // platform, lender, agency
	Roles     []string // role codes, see allocation.Roles
	CSRFToken string
}

// Has reports whether the session holds role.
func (s Session) Has(role string) bool {
	for _, r := range s.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Page is what every page passes to the layout.
type Page struct {
	Title   string // already translated
	Active  string // the nav item: "dashboard", "accounts", "audit"
	Session *Session
	Path    string // the current path with query, for the language switch
	// Nav lists the items this session may open, in order (key and href).
	Nav []NavItem
}

// NavItem is one entry of the top navigation.
type NavItem struct {
	Key  string // message id suffix: nav.<key>
	Href string
}

// LoginView is the login form.
type LoginView struct {
	Email     string
	Error     string // already translated; "" for none
	CSRFToken string
	Next      string
}

// Stat is one figure on a dashboard card.
type Stat struct {
	Label string // message id
	Value string // formatted
	Hint  string // optional, already formatted
}

// Bar is one row of a horizontal bar chart.
type Bar struct {
	Label   string
	Value   string // formatted figure shown at the end of the bar
	Percent float64
	Href    string // drill-down link; "" for none
}

// DashboardView is the dashboard for any role; empty sections are hidden.
type DashboardView struct {
	Greeting   string // the user's name
	Stats      []Stat
	ByBucket   []Bar
	ByStage    []Bar
	ByAgency   []Bar
	AuditShown bool  // the audit card, for auditors and the platform
	AuditOK    *bool // the last check of the chain; nil when none has run
	AuditCount int64 // the events that check read
	// AuditCheckedAt is when the last check ran (reader's zone): the card
	// shows a stored answer, never a stale one without its time.
	AuditCheckedAt string
}

// AccountListView is the account list with its filters.
type AccountListView struct {
	Rows       []AccountRowView
	Total      int64
	TotalExact bool // false: the list holds more than Total
	Page       int
	PerPage    int
	Pages      int
	Filter     AccountFilterView
	Portfolios []Option
	Agencies   []Option // empty for agency staff
	Buckets    []string
	Stages     []string
	ShowAgency bool
	// Links are the sort and pagination hrefs, built by the handler.
	Links ListLinks
}

// ListLinks are the prepared hrefs of the list's controls.
type ListLinks struct {
	Prev, Next string
	Sort       map[string]string // column key -> href that sorts by it
}

// AccountFilterView echoes the filter in the form.
type AccountFilterView struct {
	Portfolio, Stage, Bucket, Agency, Query, Sort string
}

// Option is one choice of a select.
type Option struct{ Value, Label string }

// AccountRowView is one row of the list.
type AccountRowView struct {
	ID          string
	ExternalRef string
	DebtorName  string
	NationalID  string // masked
	Phone       string // masked
	Province    string
	Balance     string // formatted with currency
	DPD         int
	Bucket      string
	Stage       string // stage code
	Agency      string // agency name, "" when unplaced
}

// AccountDetailView is one account.
type AccountDetailView struct {
	ID, ExternalRef, DebtorName, NationalID, Phone, EmergencyPhone, Address string
	Province, Portfolio, Principal, Balance, Currency, DueDate, LastPayment string
	Reported                                                                string // agencies' payments awaiting the lender's confirmation; "" for none
	DPD                                                                     int
	Bucket, Stage, Status                                                   string
	Masked                                                                  bool
	Placement                                                               *PlacementView
	History                                                                 []PlacementView
	Case                                                                    *CasePanel // nil when the viewer has no casework on it
	CanUnmask                                                               bool       // an auditor may unmask this one record, with a reason
	Propensity, BreakRisk                                                   *ScoreView // early-warning scores, when a model is in use
	Conduct                                                                 ConductView
}

// ConductView is the conduct rules an account is worked under: the
// profile, the debtor's zones, the person's other accounts, requests and
// holds (times in the reader's zone).
type ConductView struct {
	AccountID      string
	CanRecord      bool // the reader may record and end requests and holds
	RequestKinds   []string
	HoldKinds      []string
	Channels       []string
	Profile        string
	TimeZones      []string
	DebtorAccounts []DebtorAccountView
	Requests       []RequestView
	Holds          []HoldView
}

// DebtorAccountView is another account of the same debtor.
type DebtorAccountView struct{ ID, Ref, Balance, Stage string }

// RequestView is one debtor request.
type RequestView struct {
	ID, Kind, Channel, Window, Since, Ended string
	InForce                                 bool
}

// HoldView is one care hold.
type HoldView struct {
	ID, Kind, Since, Until string
	InForce                bool
}

// PlacementView is one placement of an account.
type PlacementView struct {
	Agency, Status, Start, End, Ended, Reason, FeeRate string
}

// AuditView is the audit trail page.
type AuditView struct {
	Events     []AuditEventView
	Total      int64
	Page       int
	Pages      int
	Links      ListLinks
	Verify     *VerifyView // nil until verified
	CanVerify  bool
	ExportHref string // the range shown, as CSV with hashes
	Filter     AuditFilterView
}

// AuditFilterView echoes the audit search.
type AuditFilterView struct{ Action, ObjectID, Actor string }

// AuditEventView is one event.
type AuditEventView struct {
	Seq                             int64
	At, Actor, Action, Object, Hash string
}

// VerifyView is the chain check's result.
type VerifyView struct {
	OK       bool
	Events   int64
	FirstBad string
	Reason   string
}

// ErrorView is the error page.
type ErrorView struct {
	Status  int
	Title   string // already translated
	Message string // already translated or the error's own message
}

// Money formats minor units as major units with thousands separators:
// 1234567 CNY -> "¥12,345.67".
func Money(cents int64, currency string) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	whole := fmt.Sprintf("%d", cents/100)
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	sym := currency + " "
	switch currency {
	case "CNY", "":
		sym = "¥"
	case "USD":
		sym = "$"
	}
	return fmt.Sprintf("%s%s%s.%02d", sign, sym, b.String(), cents%100)
}

// Count formats an integer with thousands separators.
func Count(n int64) string {
	s := Money(n*100, "CNY")
	return strings.TrimSuffix(strings.TrimPrefix(s, "¥"), ".00")
}

// Date formats a time as the reader's calendar date, YYYY-MM-DD ("" for
// zero): the date in the reader's time zone (Zone).
func Date(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone(ctx)).Format("2006-01-02")
}

// DateTime formats a time in the reader's time zone with the zone's name:
// YYYY-MM-DD HH:MM CST.
func DateTime(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone(ctx)).Format("2006-01-02 15:04 MST")
}

type zoneKey struct{}

// WithZone puts the reader's time zone in ctx: the pages show times in it
// and read the times typed into forms in it.
func WithZone(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, zoneKey{}, loc)
}

// Zone is the reader's time zone; China Standard Time when none is set.
func Zone(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(zoneKey{}).(*time.Location); ok && loc != nil {
		return loc
	}
	return collect.China
}
