package views

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// CSRFHeaders is the hx-headers JSON that makes htmx send the CSRF token
// with every request it issues: {"X-CSRF-Token":"<token>"}.
func CSRFHeaders(token string) string {
	b, err := json.Marshal(map[string]string{"X-CSRF-Token": token})
	if err != nil { // cannot happen for a map of strings
		return "{}"
	}
	return string(b)
}

// LangURL is the href of the language switch for lang, returning to next.
func LangURL(lang, next string) templ.SafeURL {
	if next == "" {
		next = "/"
	}
	return templ.URL("/lang/" + url.PathEscape(lang) + "?next=" + url.QueryEscape(next))
}

// AccountURL is the detail page of account id.
func AccountURL(id string) templ.SafeURL {
	return templ.URL("/accounts/" + url.PathEscape(id))
}

// classToken reduces s to a safe CSS class fragment: lower case letters,
// digits, '-' and '_'; '+' becomes 'p' (M6+ -> m6p).
func classToken(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '+':
			b.WriteByte('p')
		case r == ' ':
			b.WriteByte('-')
		}
	}
	if b.Len() == 0 {
		return "other"
	}
	return b.String()
}

// BucketClass is the badge class of a delinquency bucket: "badge bucket-m3".
func BucketClass(bucket string) string { return "badge bucket-" + classToken(bucket) }

// StageClass is the badge class of a collection stage.
func StageClass(stage string) string { return "badge stage-" + classToken(stage) }

// PlacementClass is the badge class of a placement status.
func PlacementClass(status string) string { return "badge pl-" + classToken(status) }

// StatusClass is the badge class of an account status (open, closed).
func StatusClass(status string) string { return "badge acct-" + classToken(status) }

// BarFillClass colours a bar: by bucket for the bucket chart, else the accent.
func BarFillClass(kind, label string) string {
	switch kind {
	case "bucket":
		return "bar-fill fill-bucket-" + classToken(label)
	case "stage":
		return "bar-fill fill-stage"
	}
	return "bar-fill"
}

// BarStyle is the width of a bar, clamped to [0, 100] percent.
func BarStyle(percent float64) templ.SafeCSS {
	if percent != percent || percent < 0 { // NaN or negative
		percent = 0
	}
	if percent > 100 {
		percent = 100
	}
	return templ.SafeCSS(fmt.Sprintf("width: %.1f%%;", percent))
}

// ShortHash is the first 12 characters of a hash.
func ShortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:12]
}

// Dash shows an em dash for an empty value.
func Dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// Itoa formats an int.
func Itoa(n int) string { return strconv.Itoa(n) }

// I64 formats an int64 with thousands separators.
func I64(n int64) string { return Count(n) }

// SortState reports how the list is sorted by key: "asc", "desc" or "".
// The list sorts by "-dpd" when no sort is given.
func SortState(current, key string) string {
	if current == "" {
		current = "-dpd"
	}
	switch current {
	case key:
		return "asc"
	case "-" + key:
		return "desc"
	}
	return ""
}

// AriaSort is the aria-sort value of a sortable header.
func AriaSort(current, key string) string {
	switch SortState(current, key) {
	case "asc":
		return "ascending"
	case "desc":
		return "descending"
	}
	return "none"
}

// SortArrow is the indicator beside a sortable header.
func SortArrow(current, key string) string {
	switch SortState(current, key) {
	case "asc":
		return "▲"
	case "desc":
		return "▼"
	}
	return "↕"
}

// SortHref is the link that sorts the list by key ("#" when the handler
// gave none).
func SortHref(l ListLinks, key string) templ.SafeURL {
	if h := l.Sort[key]; h != "" {
		return templ.URL(h)
	}
	return templ.SafeURL("#")
}

// PageOf is the "page X of Y" line.
func PageOf(ctx context.Context, page, pages int) string {
	if pages < 1 {
		pages = 1
	}
	if page < 1 {
		page = 1
	}
	return T(ctx, "pager.page", map[string]any{"Page": page, "Pages": pages})
}

// IsLang reports whether the request speaks lang.
func IsLang(ctx context.Context, lang string) bool { return Lang(ctx) == lang }

// DocTitle is the <title>: "page · product", or the product alone.
func DocTitle(ctx context.Context, title string) string {
	name := T(ctx, "app.name")
	if title == "" || title == name {
		return name
	}
	return title + " · " + name
}

// HomeHref is the dashboard's href from the nav, "/" when it is not there.
func HomeHref(p Page) templ.SafeURL {
	for _, it := range p.Nav {
		if it.Key == "dashboard" && it.Href != "" {
			return templ.URL(it.Href)
		}
	}
	return templ.SafeURL("/")
}

// WithoutValues drops options whose value is in skip (the form adds its own
// "all" and "unplaced" choices).
func WithoutValues(opts []Option, skip ...string) []Option {
	out := make([]Option, 0, len(opts))
next:
	for _, o := range opts {
		for _, s := range skip {
			if o.Value == s {
				continue next
			}
		}
		out = append(out, o)
	}
	return out
}

// NonEmpty drops empty codes.
func NonEmpty(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// initial is the first letter of a name, for the avatar.
func initial(name string) string {
	for _, r := range strings.TrimSpace(name) {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// I64Plain formats an int64 without separators (sequence numbers).
func I64Plain(n int64) string { return strconv.FormatInt(n, 10) }
