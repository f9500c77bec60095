package portal

import (
	"collect"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/views"
)

const (
	sessionCookie = "portal_session"
	langCookie    = "lang"
	actorKey      = "actor"
)

// actorOf returns the authenticated actor of the request.
func actorOf(c echo.Context) collect.Actor {
	a, _ := c.Get(actorKey).(collect.Actor)
	return a
}

// localize puts the request's language in its context.
func (s *Server) localize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		choice := ""
		if ck, err := c.Cookie(langCookie); err == nil {
			choice = ck.Value
		}
		l := s.cat.Localizer(choice, c.Request().Header.Get("Accept-Language"))
		r := c.Request()
		c.SetRequest(r.WithContext(views.WithLocalizer(r.Context(), l)))
		err := next(c)
		// A multipart form is parsed on this copy of the request, and
		// net/http removes the temporary files of its own copy only: every
		// upload over 32 MB left its multipart-* file behind.
		if mf := c.Request().MultipartForm; mf != nil {
			_ = mf.RemoveAll()
		}
		return err
	}
}

// statusClientClosed is nginx's 499: the client went away before the answer.
const statusClientClosed = 499

// clientGone reports whether the request failed because its client went
// away: its context is done. The error is then whatever the cancellation
// caused (context.Canceled from the driver, SQLite's "interrupted", a broken
// pipe), which is neither a server error nor worth a 500.
func clientGone(c echo.Context, err error) bool {
	return err != nil && c.Request().Context().Err() != nil
}

// logRequests writes one structured line per request, with its request id.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 && status != statusClientClosed {
			level = slog.LevelError
		}
		attrs := []any{
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "path", c.Request().URL.Path, "route", c.Path(),
			"status", status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"remote", c.RealIP(),
		}
		if a := actorOf(c); a.UserID != "" {
			attrs = append(attrs, "user", a.UserID)
		}
		if err != nil && status >= 500 {
			attrs = append(attrs, "error", err.Error())
		}
		s.log.Log(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

// authenticate turns the request's token (a bearer header for the API, the
// session cookie for pages) into an actor, checking the token version so a
// revoked token is refused.
func (s *Server) authenticate(r Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token := ""
			if r.Page {
				if ck, err := c.Cookie(sessionCookie); err == nil {
					token = ck.Value
				}
			} else if h := c.Request().Header.Get(echo.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
				token = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
			}
			if token == "" {
				return collect.E(collect.EUNAUTHORIZED, "err.auth.log_in_first")
			}
			if !r.Page && isKey(token) {
				actor, err := s.keyActor(c, token)
				if err != nil {
					return err
				}
				c.Set(actorKey, actor)
				return next(c)
			}
			userID, version, err := s.tokens.Parse(token)
			if err != nil {
				return err
			}
			actor, current, err := s.store.Actor(c.Request().Context(), userID)
			if err != nil {
				if collect.ErrorCode(err) == collect.ENOTFOUND {
					return collect.E(collect.EUNAUTHORIZED, "err.auth.token_invalid")
				}
				return err
			}
			if version != current {
				return collect.E(collect.EUNAUTHORIZED, "err.auth.session_ended")
			}
			c.Set(actorKey, actor)
			if loc, err := time.LoadLocation(actor.TimeZone); err == nil && actor.TimeZone != "" {
				req := c.Request()
				c.SetRequest(req.WithContext(views.WithZone(req.Context(), loc)))
			}
			if err := s.requireSecondFactor(c, r, actor); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// authorize asks Casbin whether any of the actor's roles may perform the
// route's action on its object.
func (s *Server) authorize(r Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !s.can(actorOf(c), r.Object, r.Action) {
				if r.Hidden {
					return echo.ErrNotFound
				}
				return collect.E(collect.EFORBIDDEN, "err.auth.role_may_not", "action", r.Action, "object", r.Object)
			}
			return next(c)
		}
	}
}

// can reports whether one of a's roles grants act on obj.
func (s *Server) can(a collect.Actor, obj, act string) bool {
	for _, role := range a.Roles {
		ok, err := s.enforcer.Enforce(role, obj, act)
		if err != nil {
			s.log.Error("casbin", "error", err)
			return false
		}
		if ok {
			return true
		}
	}
	return false
}

// statusOf is the one table from error code to HTTP status.
var statusOf = map[string]int{
	collect.EINVALID:       http.StatusUnprocessableEntity,
	collect.ENOTFOUND:      http.StatusNotFound,
	collect.ECONFLICT:      http.StatusConflict,
	collect.EFORBIDDEN:     http.StatusForbidden,
	collect.EUNAUTHORIZED:  http.StatusUnauthorized,
	collect.ETOTPREQUIRED:  http.StatusUnauthorized,
	collect.ERULEVIOLATION: http.StatusUnprocessableEntity,
	collect.ETHROTTLED:     http.StatusTooManyRequests,
	collect.EGONE:          http.StatusGone,
	collect.EINTERNAL:      http.StatusInternalServerError,
}

// badRequest marks input that could not be read at all (malformed JSON, an
// unknown field): 400 rather than 422.
type badRequest struct{ err *collect.Error }

func (b badRequest) Error() string { return b.err.Error() }
func (b badRequest) Unwrap() error { return b.err }

// errorBody is the JSON error of API.md.
type errorBody struct {
	Error struct {
		Code       string               `json:"code"`
		Message    string               `json:"message"`
		Key        string               `json:"key,omitempty"`
		Fields     []collect.FieldError `json:"fields,omitempty"`
		Violations []collect.Violation  `json:"violations,omitempty"`
	} `json:"error"`
	Violations []collect.Violation `json:"violations,omitempty"`
}

// handleError renders every error in one place: JSON for the API, a page (or
// a redirect to the login) for pages. Internal errors are logged with the
// request id and shown as "internal error".
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if clientGone(c, err) {
		// Nobody reads the answer; the status is for the log and metrics.
		c.Response().WriteHeader(statusClientClosed)
		return
	}
	code, status, msg := collect.EINTERNAL, http.StatusInternalServerError, "internal error"
	var ae *collect.Error
	var he *echo.HTTPError
	var br badRequest
	switch {
	case errors.As(err, &br):
		code, status, msg = br.err.Code, http.StatusBadRequest, collect.ErrorMessage(br.err)
		ae = br.err
	case errors.As(err, &ae):
		code, status, msg = ae.Code, statusOf[ae.Code], collect.ErrorMessage(ae)
		if status == 0 {
			status = http.StatusInternalServerError
		}
	case errors.As(err, &he):
		status = he.Code
		code = codeForStatus(status)
		msg = strings.ToLower(http.StatusText(status))
		if status == http.StatusRequestEntityTooLarge {
			ae = collect.E(collect.EINVALID, "err.request.too_large")
			code, msg = ae.Code, collect.ErrorMessage(ae)
		}
	}
	if status >= 500 {
		s.log.Error("internal error", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "path", c.Request().URL.Path, "error", err)
		code, msg = collect.EINTERNAL, "internal error"
	}
	if isPageRequest(c) {
		msg = "" // without an *Error, the page says its code's words in the reader's language
		if ae != nil && status < 500 {
			msg = views.ErrorText(c.Request().Context(), ae) // in the reader's language
		}
		s.renderErrorPage(c, status, code, msg)
		return
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, msg
	if ae != nil && status < 500 {
		body.Error.Key = ae.Key
		body.Error.Fields, body.Error.Violations = views.EnglishFields(ae.Fields), views.EnglishViolations(ae.Violations)
		body.Violations = body.Error.Violations
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, body)
}

func codeForStatus(status int) string {
	for code, st := range statusOf {
		if st == status && code != collect.ERULEVIOLATION {
			return code
		}
	}
	if status == http.StatusMethodNotAllowed || status == http.StatusBadRequest {
		return collect.EINVALID
	}
	return collect.EINTERNAL
}

// isPageRequest tells a browser page request from an API call.
func isPageRequest(c echo.Context) bool {
	p := c.Request().URL.Path
	return !strings.HasPrefix(p, "/api/") && p != "/healthz" && p != "/readyz" && p != "/metrics" && !strings.HasPrefix(p, "/static/")
}

func (s *Server) renderErrorPage(c echo.Context, status int, code, msg string) {
	if code == collect.EUNAUTHORIZED && c.Request().Method == http.MethodGet {
		if c.Request().Header.Get("HX-Request") != "" {
			c.Response().Header().Set("HX-Redirect", "/login")
			_ = c.NoContent(http.StatusUnauthorized)
			return
		}
		_ = c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		return
	}
	ctx := c.Request().Context()
	// Known codes get a translated message; not-found and forbidden say no
	// more than that, so nothing about other tenants leaks.
	text := views.T(ctx, "error."+code)
	if msg != "" && (code == collect.EINVALID || code == collect.ECONFLICT || code == collect.ERULEVIOLATION) {
		text = msg
	}
	v := views.ErrorView{Status: status, Title: views.T(ctx, "error.title"), Message: text}
	_ = s.render(c, status, views.ErrorPage(s.pageMeta(c, "title.error", ""), v))
}
