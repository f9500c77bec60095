package portal

import (
	"bytes"
	"collect"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"collect/views"
)

// mfaCookie holds a sign-in whose password was right while it waits for
// its second factor (five minutes; no session).
const mfaCookie = "portal_mfa"

// startSecondFactor is the page sign-in's answer to a right password on an
// account with two-factor sign-in: the pending sign-in in a cookie, and the
// code form.
func (s *Server) startSecondFactor(c echo.Context, a collect.Actor, next string) error {
	_, version, err := s.store.Actor(c.Request().Context(), a.UserID)
	if err != nil {
		return err
	}
	tok, exp, err := s.tokens.IssueMFA(a.UserID, version)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: mfaCookie, Value: tok, Path: "/login", Expires: exp, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, "/login/code?next="+url.QueryEscape(next))
}

func (s *Server) loginCodePage(c echo.Context) error {
	if _, err := c.Cookie(mfaCookie); err != nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return s.renderLoginCode(c, http.StatusOK, "", safeNext(c.QueryParam("next")))
}

func (s *Server) renderLoginCode(c echo.Context, status int, msgID, next string) error {
	token, _ := c.Get("csrf").(string)
	v := views.LoginCodeView{CSRFToken: token, Next: next}
	if msgID != "" {
		v.Error = views.T(c.Request().Context(), msgID)
	}
	return s.render(c, status, views.LoginCodePage(s.pageMeta(c, "totp.title", ""), v))
}

// loginCodeSubmit finishes a sign-in with its code or recovery code.
func (s *Server) loginCodeSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	next := safeNext(c.FormValue("next"))
	ck, err := c.Cookie(mfaCookie)
	if err != nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	expired := func() error {
		c.SetCookie(&http.Cookie{Name: mfaCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
		token, _ := c.Get("csrf").(string)
		v := views.LoginView{Error: views.T(ctx, "totp.expired"), CSRFToken: token, Next: next}
		return s.render(c, http.StatusUnauthorized, views.LoginPage(s.pageMeta(c, "title.login", ""), v))
	}
	userID, version, err := s.tokens.ParseMFA(ck.Value)
	if err != nil {
		return expired()
	}
	a, current, err := s.store.Actor(ctx, userID)
	if err != nil || current != version {
		return expired()
	}
	st, err := s.store.UserTOTP(ctx, userID)
	if err != nil {
		return err
	}
	if !st.Enrolled() {
		return expired()
	}
	code := c.FormValue("code")
	if len(code) > 64 {
		code = ""
	}
	if err := s.secondFactor(c, a, st, code); err != nil {
		s.signIn(c, a.Email, "form+totp", err)
		switch collect.ErrorCode(err) {
		case collect.ETHROTTLED:
			return s.renderLoginCode(c, http.StatusTooManyRequests, "login.throttled", next)
		case collect.EUNAUTHORIZED:
			return s.renderLoginCode(c, http.StatusUnauthorized, "err.auth.totp_invalid", next)
		}
		return err
	}
	jwt, exp, err := s.tokens.Issue(userID, version)
	if err != nil {
		return err
	}
	if err := s.store.RecordLogin(ctx, a, "form+totp"); err != nil {
		return err
	}
	s.signIn(c, a.Email, "form+totp", nil)
	c.SetCookie(&http.Cookie{Name: mfaCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: jwt, Path: "/", Expires: exp, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) securityPage(c echo.Context) error {
	return s.renderSecurity(c, http.StatusOK, views.SecurityView{}, nil)
}

func (s *Server) renderSecurity(c echo.Context, status int, v views.SecurityView, fail error) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	st, err := s.store.UserTOTP(ctx, a.UserID)
	if err != nil {
		return err
	}
	v.Enrolled = st.Enrolled()
	v.Required = s.totpRequired(a)
	if !v.Enrolled && !v.Pending && st.Secret != "" && fail != nil {
		// a refused confirmation: show the same key again (not the codes)
		secret, err := s.open(st.Secret)
		if err != nil {
			return err
		}
		if err := s.pendingKey(&v, a, secret); err != nil {
			return err
		}
	}
	if fail != nil {
		v.Errors = append(v.Errors, views.ErrorText(ctx, fail))
	}
	ins, err := s.store.MySignIns(ctx, a, 20)
	if err != nil {
		return err
	}
	for _, in := range ins {
		v.SignIns = append(v.SignIns, views.SignInRow{At: views.DateTime(ctx, in.At), Addr: in.Addr, Method: in.Method, Outcome: in.Outcome})
	}
	v.CSRFToken, _ = c.Get("csrf").(string)
	return s.render(c, status, views.SecurityPage(s.pageMeta(c, "security.title", ""), v))
}

// pendingKey fills the QR code and the key of an enrolment under way.
func (s *Server) pendingKey(v *views.SecurityView, a collect.Actor, secret string) error {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: a.Email, Period: totpPeriod, Digits: otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1, Secret: raw})
	if err != nil {
		return err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	v.Pending, v.Secret = true, key.Secret()
	v.QRDataURI = "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	return nil
}

// securityStart begins an enrolment from the page: the QR code, the key and
// the recovery codes, shown once.
func (s *Server) securityStart(c echo.Context) error {
	a := actorOf(c)
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: a.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return err
	}
	sealed, err := s.seal(key.Secret())
	if err != nil {
		return err
	}
	codes, digests, err := newRecoveryCodes()
	if err != nil {
		return err
	}
	if err := s.store.BeginTOTP(c.Request().Context(), a, sealed, digests); err != nil {
		return s.renderSecurity(c, http.StatusConflict, views.SecurityView{}, err)
	}
	v := views.SecurityView{RecoveryCodes: codes}
	if err := s.pendingKey(&v, a, key.Secret()); err != nil {
		return err
	}
	return s.renderSecurity(c, http.StatusOK, v, nil)
}

func (s *Server) securityConfirm(c echo.Context) error {
	if err := s.confirmTOTP(c, c.FormValue("code")); err != nil {
		if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
			return s.renderSecurity(c, http.StatusUnprocessableEntity, views.SecurityView{}, err)
		}
		return err
	}
	return s.renderSecurity(c, http.StatusOK, views.SecurityView{Flash: views.T(c.Request().Context(), "security.done")}, nil)
}

// failedSignInsPage lists the organisation's refused sign-ins and lockouts.
func (s *Server) failedSignInsPage(c echo.Context) error {
	ctx := c.Request().Context()
	ins, err := s.store.FailedSignIns(ctx, actorOf(c), 200)
	if err != nil {
		return err
	}
	rows := make([]views.FailedSignInRow, 0, len(ins))
	for _, in := range ins {
		rows = append(rows, views.FailedSignInRow{At: views.DateTime(ctx, in.At), Name: in.Name, Email: in.Email, Addr: in.Addr, Method: in.Method, Outcome: in.Outcome})
	}
	return s.render(c, http.StatusOK, views.FailedSignInsPage(s.pageMeta(c, "signins.failed_heading", "signins"), rows))
}
