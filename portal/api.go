package portal

import (
	"collect"
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/crypto/bcrypt"

	"collect/allocation"
	"collect/portal/store"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("readiness: database unreachable", "error", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready", "database": s.store.Dialect()})
}

// credentials is the login request.
type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TOTP     string `json:"totp"` // a code or a recovery code, for users enrolled in two-factor sign-in
}

// Validate checks presence and lengths (bcrypt reads at most 72 bytes).
func (cr credentials) Validate() error {
	var fields []collect.FieldError
	if strings.TrimSpace(cr.Email) == "" {
		fields = append(fields, collect.Field("email", "err.form.required"))
	} else if utf8.RuneCountInString(cr.Email) > 254 || !strings.Contains(cr.Email, "@") {
		fields = append(fields, collect.Field("email", "err.auth.email_invalid", "max", 254))
	}
	if len(cr.TOTP) > 64 {
		fields = append(fields, collect.Field("totp", "err.form.max_chars", "max", 64))
	}
	if cr.Password == "" {
		fields = append(fields, collect.Field("password", "err.form.required"))
	} else if len(cr.Password) > 72 {
		fields = append(fields, collect.Field("password", "err.auth.password_too_long", "max", 72))
	}
	return allocation.FieldErrors(fields)
}

// dummyHash keeps a login for an unknown email as slow as a real one.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user, no such password"), bcrypt.DefaultCost)

// login checks credentials under the throttle and returns the actor and a
// token. Every failure looks the same to the caller.
func (s *Server) login(c echo.Context, cr credentials, via string) (collect.Actor, string, time.Time, error) {
	ctx := c.Request().Context()
	addr := c.RealIP()
	if err := s.throttle.Begin(ctx, cr.Email, addr); err != nil {
		s.signIn(c, cr.Email, via, err)
		return collect.Actor{}, "", time.Time{}, err
	}
	u, err := s.store.UserByEmail(ctx, cr.Email)
	if err != nil && collect.ErrorCode(err) != collect.ENOTFOUND {
		return collect.Actor{}, "", time.Time{}, err
	}
	hash := dummyHash
	if err == nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(cr.Password)) != nil || err != nil || u.Disabled {
		s.signIn(c, cr.Email, via, errBadCredentials)
		return collect.Actor{}, "", time.Time{}, errBadCredentials // counted as failed by Begin
	}
	if err := s.throttle.Succeeded(ctx, cr.Email, addr); err != nil {
		return collect.Actor{}, "", time.Time{}, err
	}
	actor, version, err := s.store.Actor(ctx, u.ID)
	if err != nil {
		return collect.Actor{}, "", time.Time{}, err
	}
	st, err := s.store.UserTOTP(ctx, u.ID)
	if err != nil {
		return collect.Actor{}, "", time.Time{}, err
	}
	if st.Enrolled() {
		if strings.TrimSpace(cr.TOTP) == "" {
			return actor, "", time.Time{}, collect.E(collect.ETOTPREQUIRED, "err.auth.totp_required")
		}
		via += "+totp"
		if err := s.secondFactor(c, actor, st, cr.TOTP); err != nil {
			s.signIn(c, cr.Email, via, err)
			return collect.Actor{}, "", time.Time{}, err
		}
	}
	token, exp, err := s.tokens.Issue(u.ID, version)
	if err != nil {
		return collect.Actor{}, "", time.Time{}, err
	}
	if err := s.store.RecordLogin(ctx, actor, via); err != nil {
		return collect.Actor{}, "", time.Time{}, err
	}
	s.signIn(c, cr.Email, via, nil)
	return actor, token, exp, nil
}

// signIn keeps a sign-in attempt in the user's history: good (err nil),
// refused by the throttle, or refused for its credentials. Kept on a best
// effort: a failure to keep it is logged, not shown.
func (s *Server) signIn(c echo.Context, email, method string, err error) {
	outcome := store.SignInOK
	switch collect.ErrorCode(err) {
	case collect.ETHROTTLED:
		outcome = store.SignInLocked
	case collect.EUNAUTHORIZED:
		outcome = store.SignInFailed
	}
	if err != nil && outcome == store.SignInOK {
		return // not a sign-in outcome (a database error, say)
	}
	if rerr := s.store.RecordSignIn(context.WithoutCancel(c.Request().Context()), email, c.RealIP(), method, outcome); rerr != nil {
		s.log.Warn("keeping a sign-in", "error", rerr)
	}
}

func (s *Server) apiToken(c echo.Context) error {
	var cr credentials
	if err := decodeJSON(c, &cr); err != nil {
		return err
	}
	if err := cr.Validate(); err != nil {
		return err
	}
	_, token, exp, err := s.login(c, cr, "api")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": token, "expires_at": exp.UTC().Format(time.RFC3339)})
}

func (s *Server) apiLogout(c echo.Context) error {
	if err := s.store.RevokeTokens(c.Request().Context(), actorOf(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMe(c echo.Context) error {
	a := actorOf(c)
	return c.JSON(http.StatusOK, map[string]any{
		"user":         map[string]string{"id": a.UserID, "email": a.Email, "name": a.Name},
		"organisation": map[string]string{"id": a.OrgID, "kind": a.OrgKind, "name": a.OrgName},
		"roles":        a.Roles,
	})
}

func (s *Server) apiDashboard(c echo.Context) error {
	d, err := s.store.Dashboard(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) apiPortfolios(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListPortfolios(c.Request().Context(), actorOf(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, p))
}

func (s *Server) apiPortfolio(c echo.Context) error {
	p, err := s.store.Portfolio(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) apiAccounts(c echo.Context) error {
	f, err := parseAccountFilter(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListAccountsPage(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	body := accountListBody{listBody: listOf(page.Rows, page.Total, f.Page), TotalExact: page.TotalExact}
	if page.Next != "" {
		body.Next = &page.Next
	}
	return c.JSON(http.StatusOK, body)
}

// countedListBody is a list's answer whose total may stop at a cap:
// total_exact false says the list holds more than total.
type countedListBody struct {
	listBody
	TotalExact bool `json:"total_exact"`
}

// accountListBody is the account list's answer: the list's fields, whether
// total is exact (else the list holds more than total), and the cursor of
// the following page (?after=), null on the last.
type accountListBody struct {
	listBody
	TotalExact bool    `json:"total_exact"`
	Next       *string `json:"next"`
}

func (s *Server) apiAccount(c echo.Context) error {
	a := actorOf(c)
	d, err := s.store.Account(c.Request().Context(), a, c.Param("id"), s.can(a, "account", "read_personal"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) apiAudit(c echo.Context) error {
	f, err := parseAuditFilter(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListAudit(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, f.Page))
}

func (s *Server) apiAuditVerify(c echo.Context) error {
	r, err := s.store.VerifyAudit(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) apiUnmask(c echo.Context) error {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	d, err := s.store.UnmaskAccount(c.Request().Context(), actorOf(c), c.Param("id"), b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}
