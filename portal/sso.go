package portal

// Single sign-on: an organisation signs its staff in through its own OpenID
// Connect provider (github.com/coreos/go-oidc/v3 for discovery and ID-token
// verification, golang.org/x/oauth2 for the authorisation code flow). The
// flow: PKCE (S256), a state and a nonce kept server-side and good once for
// ten minutes; the ID token's issuer, audience, expiry and nonce verified;
// the email must be verified and of the organisation's domain; the user is
// the organisation's own (made at first sign-in when JIT is on), roles from
// a mapped claim or the organisation's defaults.

import (
	"collect"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"collect/portal/store"
	"collect/views"
)

// providers caches each issuer's discovered provider.
var providers sync.Map // issuer → *oidc.Provider

func (s *Server) provider(c echo.Context, issuer string) (*oidc.Provider, error) {
	if p, ok := providers.Load(issuer); ok {
		return p.(*oidc.Provider), nil
	}
	p, err := oidc.NewProvider(c.Request().Context(), issuer) // refuses a discovery document for another issuer
	if err != nil {
		s.log.Warn("single sign-on: discovery", "issuer", issuer, "error", err)
		return nil, collect.E(collect.EUNAUTHORIZED, "err.sso.provider")
	}
	providers.Store(issuer, p)
	return p, nil
}

func (s *Server) oauthConfig(c echo.Context, p *oidc.Provider, cfg collect.SSOConfig) (*oauth2.Config, error) {
	secret := ""
	if cfg.ClientSecret != "" {
		var err error
		if secret, err = s.open(cfg.ClientSecret); err != nil {
			return nil, err
		}
	}
	scopes := []string{oidc.ScopeOpenID, "email", "profile"}
	if cfg.RolesClaim != "" {
		scopes = append(scopes, cfg.RolesClaim) // providers release a claim such as groups under its scope
	}
	return &oauth2.Config{ClientID: cfg.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(),
		RedirectURL: c.Scheme() + "://" + c.Request().Host + "/sso/callback", Scopes: scopes}, nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func stateDigest(state string) string {
	d := sha256.Sum256([]byte("sso-state\x00" + state))
	return hex.EncodeToString(d[:])
}

// ssoStart sends the person to their organisation's provider, found by the
// domain of the email they typed.
func (s *Server) ssoStart(c echo.Context) error {
	email := strings.TrimSpace(c.QueryParam("email"))
	next := safeNext(c.QueryParam("next"))
	orgID, cfg, err := s.store.SSOForEmail(c.Request().Context(), email)
	if err != nil {
		return s.ssoFailed(c, err, next)
	}
	p, err := s.provider(c, cfg.Issuer)
	if err != nil {
		return s.ssoFailed(c, err, next)
	}
	conf, err := s.oauthConfig(c, p, cfg)
	if err != nil {
		return err
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	if err := s.store.BeginSSO(c.Request().Context(), stateDigest(state), store.SSOState{OrganisationID: orgID, Nonce: nonce, Verifier: verifier, Next: next}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", email)))
}

// ssoCallback finishes a sign-in at the provider's redirect.
func (s *Server) ssoCallback(c echo.Context) error {
	ctx := c.Request().Context()
	if e := c.QueryParam("error"); e != "" {
		return s.ssoFailed(c, collect.E(collect.EUNAUTHORIZED, "err.sso.refused"), "/dashboard")
	}
	st, err := s.store.TakeSSO(ctx, stateDigest(c.QueryParam("state")))
	if err != nil {
		return s.ssoFailed(c, err, "/dashboard")
	}
	cfg, err := s.store.SSOOf(ctx, st.OrganisationID)
	if err != nil {
		return s.ssoFailed(c, err, st.Next)
	}
	p, err := s.provider(c, cfg.Issuer)
	if err != nil {
		return s.ssoFailed(c, err, st.Next)
	}
	conf, err := s.oauthConfig(c, p, cfg)
	if err != nil {
		return err
	}
	tok, err := conf.Exchange(ctx, c.QueryParam("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		s.log.Warn("single sign-on: code exchange", "error", err)
		return s.ssoFailed(c, collect.E(collect.EUNAUTHORIZED, "err.sso.refused"), st.Next)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: s.clock}).Verify(ctx, raw)
	if err != nil || idt.Nonce != st.Nonce {
		s.log.Warn("single sign-on: ID token refused", "error", err)
		return s.ssoFailed(c, collect.E(collect.EUNAUTHORIZED, "err.sso.token"), st.Next)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return s.ssoFailed(c, collect.E(collect.EUNAUTHORIZED, "err.sso.token"), st.Next)
	}
	email, _ := claims["email"].(string)
	verified, _ := claims["email_verified"].(bool)
	if !verified || !collect.SSOEmailAllowed(email, cfg.EmailDomain) {
		return s.ssoFailed(c, collect.E(collect.EUNAUTHORIZED, "err.sso.email", "domain", cfg.EmailDomain), st.Next)
	}
	var values []string
	switch v := claims[cfg.RolesClaim].(type) {
	case string:
		values = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	}
	fromClaim := cfg.RolesClaim != "" && len(values) > 0
	roles := collect.SSORoles(values, cfg.RoleMap, cfg.DefaultRoles)
	name, _ := claims["name"].(string)
	userID, err := s.store.SSOUser(ctx, st.OrganisationID, email, name, roles, fromClaim, cfg.JIT)
	if err != nil {
		return s.ssoFailed(c, err, st.Next)
	}
	a, version, err := s.store.Actor(ctx, userID)
	if err != nil {
		return s.ssoFailed(c, err, st.Next)
	}
	jwt, exp, err := s.tokens.Issue(userID, version)
	if err != nil {
		return err
	}
	if err := s.store.RecordLogin(ctx, a, "sso"); err != nil {
		return err
	}
	s.signIn(c, a.Email, "sso", nil)
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: jwt, Path: "/", Expires: exp, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, safeNext(st.Next))
}

// ssoFailed shows the sign-in page with why single sign-on did not work.
func (s *Server) ssoFailed(c echo.Context, err error, next string) error {
	var e *collect.Error
	if !asErr(err, &e) || e.Code == collect.EINTERNAL {
		return err
	}
	token, _ := c.Get("csrf").(string)
	v := views.LoginView{Error: views.ErrorText(c.Request().Context(), err), CSRFToken: token, Next: next}
	status := http.StatusUnauthorized
	if e.Code == collect.ENOTFOUND {
		status = http.StatusNotFound
	}
	return s.render(c, status, views.LoginPage(s.pageMeta(c, "title.login", ""), v))
}

// apiSetSSO sets an organisation's single sign-on (its administrator or the
// platform administrator); the client secret is sealed at rest.
func (s *Server) apiSetSSO(c echo.Context) error {
	var b collect.SSOConfig
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.ClientSecret != "" {
		sealed, err := s.seal(b.ClientSecret)
		if err != nil {
			return err
		}
		b.ClientSecret = sealed
	}
	if err := s.store.SetSSO(c.Request().Context(), actorOf(c), c.Param("id"), b); err != nil {
		return err
	}
	providers.Delete(b.Issuer)
	b.ClientSecret = ""
	return c.JSON(http.StatusOK, b)
}

func (s *Server) ssoPage(c echo.Context) error {
	a := actorOf(c)
	cfg, has, err := s.store.SSOSettings(c.Request().Context(), a, a.OrgID)
	if err != nil {
		return err
	}
	return s.renderSSO(c, http.StatusOK, ssoView(cfg, has), nil)
}

func ssoView(cfg collect.SSOConfig, has bool) views.SSOView {
	var lines []string
	for k, r := range cfg.RoleMap {
		lines = append(lines, k+" = "+r)
	}
	slices.Sort(lines)
	return views.SSOView{Enabled: cfg.Enabled, JIT: cfg.JIT, Issuer: cfg.Issuer, ClientID: cfg.ClientID, EmailDomain: cfg.EmailDomain,
		RolesClaim: cfg.RolesClaim, RoleMap: strings.Join(lines, "\n"), Defaults: strings.Join(cfg.DefaultRoles, ", "), HasSecret: has}
}

func (s *Server) renderSSO(c echo.Context, status int, v views.SSOView, fail error) error {
	flash, errs := notices(c, fail)
	if v.Flash == "" {
		v.Flash = flash
	}
	v.Errors = errs
	v.CSRFToken, _ = c.Get("csrf").(string)
	return s.render(c, status, views.SSOPage(s.pageMeta(c, "sso.heading", "sso"), v))
}

// ssoSubmit saves the organisation's own provider from the page.
func (s *Server) ssoSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	cfg := collect.SSOConfig{Enabled: c.FormValue("enabled") != "", JIT: c.FormValue("jit") != "", Issuer: strings.TrimSpace(c.FormValue("issuer")),
		ClientID: strings.TrimSpace(c.FormValue("client_id")), EmailDomain: strings.TrimSpace(c.FormValue("email_domain")),
		RolesClaim: strings.TrimSpace(c.FormValue("roles_claim")), RoleMap: map[string]string{}}
	for _, line := range strings.Split(c.FormValue("role_map"), "\n") {
		if k, r, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) != "" {
			cfg.RoleMap[strings.TrimSpace(k)] = strings.TrimSpace(r)
		}
	}
	for _, r := range strings.FieldsFunc(c.FormValue("default_roles"), func(r rune) bool { return r == ',' || r == ' ' || r == '，' }) {
		cfg.DefaultRoles = append(cfg.DefaultRoles, r)
	}
	v := ssoView(cfg, false)
	if secret := c.FormValue("client_secret"); secret != "" {
		sealed, err := s.seal(secret)
		if err != nil {
			return err
		}
		cfg.ClientSecret = sealed
	}
	if err := s.store.SetSSO(ctx, a, a.OrgID, cfg); err != nil {
		if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
			return s.renderSSO(c, http.StatusUnprocessableEntity, v, err)
		}
		return err
	}
	providers.Delete(cfg.Issuer)
	return c.Redirect(http.StatusSeeOther, "/sso?done=sso_saved")
}
