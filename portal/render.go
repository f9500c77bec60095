package portal

import (
	"bytes"
	"collect"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"collect/portal/store"
	"collect/views"
)

// render renders a component into a buffer first, so a failed render is
// still a clean error page rather than half a page.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// decodeJSON reads a JSON body strictly: one object, no unknown fields. What
// cannot be read is a 400 with a message that says why.
func decodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return badRequest{collect.E(collect.EINVALID, "err.request.json_content_type")}
	}
	raw, err := io.ReadAll(c.Request().Body) // within the route's body limit
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return badRequest{collect.E(collect.EINVALID, "err.request.too_large")}
		}
		return badRequest{collect.E(collect.EINVALID, "err.request.unreadable")}
	}
	if err := checkJSONText(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		var tooBig *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return badRequest{collect.E(collect.EINVALID, "err.request.empty")}
		case errors.As(err, &syn):
			return badRequest{collect.E(collect.EINVALID, "err.request.json_syntax", "offset", syn.Offset)}
		case errors.As(err, &typ):
			return badRequest{collect.Invalid(typ.Field, "err.request.json_type", "field", typ.Field, "type", typ.Type.String())}
		case errors.As(err, &tooBig):
			return badRequest{collect.E(collect.EINVALID, "err.request.too_large")}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return badRequest{collect.E(collect.EINVALID, "err.request.unknown_field", "field", strings.TrimPrefix(err.Error(), "json: unknown field "))}
		default:
			return badRequest{collect.E(collect.EINVALID, "err.request.json_malformed", "detail", err.Error())}
		}
	}
	// Nothing may follow the object: not a second value, nor a stray } or ]
	// (which dec.More does not see at the top level).
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest{collect.E(collect.EINVALID, "err.request.one_object")}
	}
	return nil
}

// listBody is the list answer of API.md.
type listBody struct {
	Items   any   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

// listOf is the list answer for one page of rows.
func listOf(items any, total int64, p store.Page) listBody {
	p = p.Normal()
	return listBody{Items: items, Total: total, Page: p.Page, PerPage: p.PerPage}
}

// pageMeta builds the layout's model for the request.
func (s *Server) pageMeta(c echo.Context, titleID, active string) views.Page {
	ctx := c.Request().Context()
	p := views.Page{Title: views.T(ctx, titleID), Active: active, Path: c.Request().URL.RequestURI()}
	a := actorOf(c)
	if a.UserID == "" {
		return p
	}
	token, _ := c.Get("csrf").(string)
	p.Session = &views.Session{Name: a.Name, Email: a.Email, OrgName: a.OrgName, OrgKind: a.OrgKind, Roles: a.Roles, CSRFToken: token}
	p.Nav = append(p.Nav, views.NavItem{Key: "dashboard", Href: "/dashboard"})
	if s.can(a, "account", "read") {
		p.Nav = append(p.Nav, views.NavItem{Key: "accounts", Href: "/accounts"})
	}
	for _, n := range []struct{ key, href, obj, act string }{
		{"queue", "/queue", "queue", "read"}, {"followup", "/follow-up", "queue", "read"},
		{"approvals", "/approvals", "arrangement", "approve"},
		{"portfolios", "/portfolios", "portfolio", "read"}, {"placements", "/placements", "placement", "read"},
		{"agencies", "/agencies", "organisation", "read"}, {"tenders", "/tenders", "tender", "read"},
		{"commissions", "/commissions", "commission", "read"}, {"reconciliation", "/reconciliation", "reconciliation", "read"},
		{"invoices", "/invoices", "invoice", "read"}, {"oversight", "/oversight", "oversight", "read"},
		{"complaints", "/complaints", "complaint", "read"}, {"breaches", "/breaches", "breach", "read"}, {"qa", "/qa", "qa", "read"}, {"models", "/models", "model", "read"},
		{"audit", "/audit", "audit", "read"}, {"jobs", "/admin/jobs", "jobs", "read"}, {"keys", "/keys", "key", "write"}, {"signins", "/sign-ins", "signin", "read"},
		{"people", "/people", "people", "read"},
	} {
		if s.can(a, n.obj, n.act) {
			p.Nav = append(p.Nav, views.NavItem{Key: n.key, Href: n.href})
		}
	}
	// Single sign-on: an organisation's own provider (not the platform's).
	if s.can(a, "sso", "write") && a.OrgKind != collect.KindPlatform {
		p.Nav = append(p.Nav, views.NavItem{Key: "sso", Href: "/sso"})
	}
	// Onboarding (issue 13): the platform administrator's organisations.
	if s.can(a, "tenant", "read") {
		p.Nav = append(p.Nav, views.NavItem{Key: "organisations", Href: "/admin/organisations"})
	}
	// The collector roster (issue 13, part 7): for those who keep it; the
	// lender reaches it from the agency page.
	if s.can(a, "roster", "write") && a.OrgKind == collect.KindAgency {
		p.Nav = append(p.Nav, views.NavItem{Key: "roster", Href: "/roster"})
	}
	return p
}

// asErr is errors.As for *allocation.Error.
func asErr(err error, target **collect.Error) bool { return errors.As(err, target) }
