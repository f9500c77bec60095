package portal

// Two-factor sign-in with TOTP (RFC 6238, github.com/pquerna/otp): a user
// enrols (a secret shown once as a QR code and a key, ten recovery codes),
// confirms with a first code, and from then on signs in with a code or one
// recovery code beside the password. A code is good once (the time step it
// was made for is recorded); wrong codes are throttled like passwords. The
// secret is sealed at rest with a key derived from the signing secret.

import (
	"collect"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"collect/portal/store"
)

const (
	totpIssuer        = "Collect Portal"
	totpPeriod        = 30
	recoveryCodeCount = 10
)

var errBadSecondFactor = collect.E(collect.EUNAUTHORIZED, "err.auth.totp_invalid")

func totpSealKey(signing []byte) [32]byte {
	return sha256.Sum256(append([]byte("collect-portal totp seal v1\x00"), signing...))
}

// seal encrypts a TOTP secret with AES-GCM under the server's key.
func (s *Server) seal(secret string) (string, error) {
	block, err := aes.NewCipher(s.totpKey[:])
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(secret), nil)), nil
}

// open decrypts a sealed TOTP secret.
func (s *Server) open(sealed string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil {
		return "", err
	}
	block, err := aes.NewCipher(s.totpKey[:])
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	if len(b) < gcm.NonceSize() {
		return "", errors.New("totp: sealed secret too short")
	}
	out, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], nil)
	return string(out), err
}

// totpStep returns the time step (of the previous, current or next period,
// for clocks a little apart) whose code is code; false when none is.
func totpStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// normalCode is a typed code without spaces and dashes, lower case.
func normalCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
}

func recoveryDigest(code string) string {
	d := sha256.Sum256([]byte("recovery\x00" + normalCode(code)))
	return hex.EncodeToString(d[:])
}

// newRecoveryCodes returns ten codes of 10 base-32 characters (50 bits),
// written xxxxx-xxxxx, and their digests.
func newRecoveryCodes() (codes, digests []string, err error) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range recoveryCodeCount {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		c := strings.ToLower(enc.EncodeToString(b))[:10]
		codes = append(codes, c[:5]+"-"+c[5:])
		digests = append(digests, recoveryDigest(c))
	}
	return codes, digests, nil
}

// secondFactor checks a code or recovery code for a user enrolled in TOTP,
// under the login throttle (its own key: a right password is not a right
// code). The code is spent on success.
func (s *Server) secondFactor(c echo.Context, a collect.Actor, st store.TOTP, code string) error {
	ctx := c.Request().Context()
	key := "totp:" + a.Email
	if err := s.throttle.Begin(ctx, key, c.RealIP()); err != nil {
		return err
	}
	secret, err := s.open(st.Secret)
	if err != nil {
		return err
	}
	ok := false
	if step, good := totpStep(secret, normalCode(code), s.clock()); good {
		if ok, err = s.store.UseTOTPStep(ctx, a.UserID, step); err != nil {
			return err
		}
	} else if len(normalCode(code)) == 10 {
		if ok, err = s.store.UseRecoveryCode(ctx, a, recoveryDigest(code)); err != nil {
			return err
		}
	}
	if !ok {
		return errBadSecondFactor
	}
	return s.throttle.Succeeded(ctx, key, c.RealIP())
}

func (s *Server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// apiTOTPBegin starts the caller's enrolment: the secret (shown once), its
// otpauth URL for an authenticator app, and ten recovery codes.
func (s *Server) apiTOTPBegin(c echo.Context) error {
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
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"secret": key.Secret(), "otpauth_url": key.URL(), "recovery_codes": codes})
}

// apiTOTPConfirm confirms the enrolment with a first code.
func (s *Server) apiTOTPConfirm(c echo.Context) error {
	var b struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.confirmTOTP(c, b.Code); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"enrolled": true})
}

func (s *Server) confirmTOTP(c echo.Context, code string) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	if strings.TrimSpace(code) == "" {
		return collect.Invalid("code", "err.form.required")
	}
	st, err := s.store.UserTOTP(ctx, a.UserID)
	if err != nil {
		return err
	}
	if st.Secret == "" || st.Enrolled() {
		return collect.E(collect.ECONFLICT, "err.totp.nothing_to_confirm")
	}
	secret, err := s.open(st.Secret)
	if err != nil {
		return err
	}
	step, ok := totpStep(secret, normalCode(code), s.clock())
	if !ok {
		return collect.Invalid("code", "err.auth.totp_invalid")
	}
	return s.store.ConfirmTOTP(ctx, a, step)
}

// requireSecondFactor holds a user whose organisation requires two-factor
// sign-in of them, and who has not set it up, to setting it up: pages go to
// /me/security, the API answers 403; their own session routes (who am I,
// sign out, the set-up itself) stay open.
func (s *Server) requireSecondFactor(c echo.Context, r Route, a collect.Actor) error {
	if r.Object == "session" {
		return nil
	}
	if a.TOTPEnrolled || !s.totpRequired(a) {
		return nil
	}
	if r.Page {
		return c.Redirect(http.StatusSeeOther, "/me/security")
	}
	return collect.E(collect.EFORBIDDEN, "err.auth.enrol_totp_first")
}

// apiTOTPPolicy sets an organisation's two-factor policy:
// {"totp_required": "none" | "personal_data" | "all"}.
func (s *Server) apiTOTPPolicy(c echo.Context) error {
	var b struct {
		Required string `json:"totp_required"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.store.SetTOTPPolicy(c.Request().Context(), actorOf(c), c.Param("id"), b.Required); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"id": c.Param("id"), "totp_required": b.Required})
}

// apiMySignIns are the caller's last 50 sign-ins.
func (s *Server) apiMySignIns(c echo.Context) error {
	out, err := s.store.MySignIns(c.Request().Context(), actorOf(c), 50)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// apiFailedSignIns are the organisation's refused sign-ins (wrong
// credentials, lockouts), the last 200, for its administrators.
func (s *Server) apiFailedSignIns(c echo.Context) error {
	out, err := s.store.FailedSignIns(c.Request().Context(), actorOf(c), 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": out})
}

// totpRequired reports whether the actor's organisation requires a second
// factor of them.
func (s *Server) totpRequired(a collect.Actor) bool {
	return a.TOTPPolicy == store.TOTPRequiredAll || a.TOTPPolicy == store.TOTPRequiredPersonalData && s.can(a, "account", "read_personal")
}
