package views

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// Helpers of the marketplace pages (portfolios, plans, placements, agencies,
// tenders, commissions).

// csrf is the session's CSRF token for a form's hidden _csrf field.
func csrf(p Page) string {
	if p.Session == nil {
		return ""
	}
	return p.Session.CSRFToken
}

// pathOf is prefix + the escaped id + suffix, as a plain string (hx-get).
func pathOf(prefix, id, suffix string) string {
	return prefix + url.PathEscape(id) + suffix
}

// PathURL is the href or action prefix + id + suffix, id escaped:
// PathURL("/allocations/", id, "/commit").
func PathURL(prefix, id, suffix string) templ.SafeURL {
	return templ.URL(pathOf(prefix, id, suffix))
}

// PortfolioURL is the page of portfolio id.
func PortfolioURL(id string) templ.SafeURL { return PathURL("/portfolios/", id, "") }

// ImportURL is the progress page of import id.
func ImportURL(id string) templ.SafeURL { return PathURL("/imports/", id, "") }

// PlanURL is the page of allocation plan id.
func PlanURL(id string) templ.SafeURL { return PathURL("/allocations/", id, "") }

// AgencyURL is the page of agency id.
func AgencyURL(id string) templ.SafeURL { return PathURL("/agencies/", id, "") }

// TenderURL is the page of tender id.
func TenderURL(id string) templ.SafeURL { return PathURL("/tenders/", id, "") }

// PortfolioAccountsURL is the account list filtered to portfolio id.
func PortfolioAccountsURL(id string) templ.SafeURL {
	return templ.URL("/accounts?portfolio=" + url.QueryEscape(id))
}

// CodeLabel translates prefix+code, falling back to the code itself when
// the catalogue has no such message (the value was display-ready), and to
// an em dash when it is empty.
func CodeLabel(ctx context.Context, prefix, code string) string {
	if strings.TrimSpace(code) == "" {
		return "—"
	}
	id := prefix + code
	if s := T(ctx, id); s != id {
		return s
	}
	return code
}

// BadgeClass is the class of a status badge of kind: "badge plan-draft".
func BadgeClass(kind, code string) string {
	return "badge " + kind + "-" + classToken(code)
}

// Num formats an int with thousands separators.
func Num(n int) string { return Count(int64(n)) }

// BPPercent shows basis points as a percent figure for an input: 1250 ->
// "12.5", 1200 -> "12".
func BPPercent(bp int) string {
	return strconv.FormatFloat(float64(bp)/100, 'f', -1, 64)
}

// hasString reports whether list holds s.
func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// OrgPrimary is an organisation's name in the request's language: the
// Chinese name for zh when there is one, else the registered name.
func OrgPrimary(ctx context.Context, name, nameZH string) string {
	if IsLang(ctx, "zh") && strings.TrimSpace(nameZH) != "" {
		return nameZH
	}
	if strings.TrimSpace(name) == "" {
		return nameZH
	}
	return name
}

// OrgSecondary is the other name, "" when it adds nothing.
func OrgSecondary(ctx context.Context, name, nameZH string) string {
	primary := OrgPrimary(ctx, name, nameZH)
	for _, s := range []string{nameZH, name} {
		if strings.TrimSpace(s) != "" && s != primary {
			return s
		}
	}
	return ""
}

// ProvincesLabel shows an agency's licensed provinces; "*" is nationwide.
func ProvincesLabel(ctx context.Context, provinces string) string {
	switch strings.TrimSpace(provinces) {
	case "":
		return "—"
	case "*":
		return T(ctx, "agency.nationwide")
	}
	return provinces
}

// BucketsLabel shows an agency's buckets; none means every bucket.
func BucketsLabel(ctx context.Context, buckets []string) string {
	b := NonEmpty(buckets)
	if len(b) == 0 {
		return T(ctx, "agency.all_buckets")
	}
	return strings.Join(b, ", ")
}

// BucketsText is BucketsLabel for a list already joined by the server.
func BucketsText(ctx context.Context, buckets string) string {
	if strings.TrimSpace(buckets) == "" || strings.TrimSpace(buckets) == "*" {
		return T(ctx, "agency.all_buckets")
	}
	return buckets
}

// ruleRows numbers the rows of the rules strategy's table.
func ruleRows() []int { return []int{1, 2, 3, 4, 5} }

// sumCounts is the total payment count of a commission statement.
func sumCounts(lines []StatementLineView) int64 {
	var n int64
	for _, l := range lines {
		n += l.Count
	}
	return n
}

// placementActions reports whether the list offers any bulk action.
func placementActions(v PlacementListView) bool {
	return v.CanAccept || v.CanReturn || v.CanRecall
}

// placementLinked reports whether a placement's loan reference links to the
// account: always for the lender (it filters by agency), for an agency only
// while the placement is active.
func placementLinked(v PlacementListView, r PlacementRowView) bool {
	return r.AccountID != "" && (r.Status == "active" || len(v.Agencies) > 0)
}

// showBids reports whether the tender page shows the lender's bid comparison.
func showBids(v TenderView) bool {
	return v.CanAward || (len(v.Bids) > 0 && !v.CanBid)
}

// bidValue is a bid form field's prefill: the figure from the agency's
// current bid, "" without one.
func bidValue(b *BidView, field string) string {
	if b == nil {
		return ""
	}
	switch field {
	case "fee":
		return BPPercent(b.FeeBP)
	case "expected":
		return BPPercent(b.ExpectedBP)
	case "capacity":
		if b.Capacity > 0 {
			return strconv.Itoa(b.Capacity)
		}
	case "note":
		return b.Note
	}
	return ""
}

// strategyHintID is the message that explains a strategy.
func strategyHintID(code string) string { return "strategy_hint." + code }

// Pct shows a percent figure with its sign, an em dash when empty.
func Pct(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "—"
	}
	if strings.HasSuffix(s, "%") {
		return s
	}
	return s + "%"
}

// positive is n for an input's value, "" when it is not above zero (the
// field then shows empty rather than an invalid 0).
func positive(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// scoreBands are the propensity bands a rule may name, best first.
func scoreBands() []string { return []string{"high", "medium", "low"} }
