package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Route is one entry of the route table: what it answers, and the Casbin
// object and action a caller needs. Public routes (health, login, static
// assets, the language switch) need none; every other route must name both,
// and a test walks this table to hold that.
type Route struct {
	Method  string
	Path    string
	Object  string
	Action  string
	Public  bool
	Page    bool // an HTML page: cookie session, CSRF, errors as pages
	Handler echo.HandlerFunc
}

// routeTable is the whole surface of the portal, in one place.
func (s *Server) routeTable() []Route {
	page := func(method, path, obj, act string, h echo.HandlerFunc) Route {
		return Route{Method: method, Path: path, Object: obj, Action: act, Page: true, Handler: h}
	}
	api := func(method, path, obj, act string, h echo.HandlerFunc) Route {
		return Route{Method: method, Path: "/api/v1" + path, Object: obj, Action: act, Handler: h}
	}
	public := func(method, path string, isPage bool, h echo.HandlerFunc) Route {
		return Route{Method: method, Path: path, Public: true, Page: isPage, Handler: h}
	}
	const get, post = http.MethodGet, http.MethodPost
	return []Route{
		// Operations.
		public(get, "/healthz", false, s.healthz),
		public(get, "/readyz", false, s.readyz),
		public(get, "/metrics", false, s.metrics.handler()),
		public(get, "/static/*", false, staticHandler()),
		public(get, "/favicon.ico", false, func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }),

		// Pages.
		public(get, "/login", true, s.loginPage),
		public(post, "/login", true, s.loginSubmit),
		public(get, "/lang/:code", false, s.switchLanguage),
		page(post, "/logout", "session", "write", s.logoutSubmit),
		page(get, "/", "dashboard", "read", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/dashboard") }),
		page(get, "/dashboard", "dashboard", "read", s.dashboardPage),
		page(get, "/accounts", "account", "read", s.accountListPage),
		page(get, "/accounts/:id", "account", "read", s.accountPage),
		page(get, "/audit", "audit", "read", s.auditPage),
		page(post, "/audit/verify", "audit", "verify", s.auditVerifyPartial),

		// JSON API.
		public(post, "/api/v1/auth/token", false, s.apiToken),
		api(post, "/auth/logout", "session", "write", s.apiLogout),
		api(get, "/me", "session", "read", s.apiMe),
		api(get, "/dashboard", "dashboard", "read", s.apiDashboard),
		api(get, "/agencies", "organisation", "read", s.apiAgencies),
		api(get, "/agencies/:id", "organisation", "read", s.apiAgency),
		api(get, "/portfolios", "portfolio", "read", s.apiPortfolios),
		api(get, "/portfolios/:id", "portfolio", "read", s.apiPortfolio),
		api(get, "/accounts", "account", "read", s.apiAccounts),
		api(get, "/accounts/:id", "account", "read", s.apiAccount),
		api(get, "/placements", "placement", "read", s.apiPlacements),
		api(get, "/audit", "audit", "read", s.apiAudit),
		api(get, "/audit/verify", "audit", "verify", s.apiAuditVerify),
	}
}
