package portal

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"collect/allocation"
)

// Tokens issues and checks the portal's JWTs (HS256). The same token is the
// page session (an HttpOnly cookie) and the API bearer token.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// NewTokens returns a token issuer with the signing secret and lifetime.
func NewTokens(secret []byte, ttl time.Duration, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{secret: secret, ttl: ttl, now: now}
}

// claims are the token's contents: the user and the token version it was
// issued under; bumping the user's version revokes every older token.
type claims struct {
	Version int `json:"ver"`
	jwt.RegisteredClaims
}

// Issue signs a token for the user at their current token version.
func (t *Tokens) Issue(userID string, version int) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(t.ttl).Truncate(time.Second)
	c := claims{Version: version, RegisteredClaims: jwt.RegisteredClaims{
		Subject: userID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp), Issuer: "collect-portal",
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	return s, exp, err
}

// Parse checks signature (HS256 only: "none" and every other algorithm are
// refused), expiry and issuer, and returns the user id and token version.
func (t *Tokens) Parse(token string) (string, int, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuer("collect-portal"),
		jwt.WithTimeFunc(t.now), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return "", 0, allocation.Errorf(allocation.EUNAUTHORIZED, "invalid or expired token")
	}
	if c.Subject == "" {
		return "", 0, allocation.Errorf(allocation.EUNAUTHORIZED, "invalid token")
	}
	return c.Subject, c.Version, nil
}

// Throttle limits failed logins per account and per client address within a
// sliding window. It is per process: with several instances behind a load
// balancer each instance counts its own, so the effective limit is the
// instance count times this one.
type Throttle struct {
	mu         sync.Mutex
	failures   map[string][]time.Time
	window     time.Duration
	perAccount int
	perAddress int
	now        func() time.Time
	lastSweep  time.Time
}

// NewThrottle allows perAccount failures per email and perAddress per client
// address within window.
func NewThrottle(window time.Duration, perAccount, perAddress int, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{failures: map[string][]time.Time{}, window: window, perAccount: perAccount, perAddress: perAddress, now: now}
}

func accountKey(email string) string { return "acct:" + strings.ToLower(strings.TrimSpace(email)) }
func addressKey(addr string) string  { return "addr:" + addr }

// ErrThrottled answers a login attempt past the limit.
var ErrThrottled = &allocation.Error{Code: allocation.ETHROTTLED, Message: "too many failed logins; try again later"}

// Allow reports whether a login for email from addr may be attempted now.
func (t *Throttle) Allow(email, addr string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.recent(accountKey(email), now)) >= t.perAccount || len(t.recent(addressKey(addr), now)) >= t.perAddress {
		return ErrThrottled
	}
	return nil
}

// Fail records a failed login.
func (t *Throttle) Fail(email, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range []string{accountKey(email), addressKey(addr)} {
		t.failures[k] = append(t.recent(k, now), now)
	}
	t.sweep(now)
}

// Succeed clears the account's failures (the address keeps its count).
func (t *Throttle) Succeed(email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, accountKey(email))
}

func (t *Throttle) recent(k string, now time.Time) []time.Time {
	fs := t.failures[k]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) > t.window {
		i++
	}
	return fs[i:]
}

// sweep drops stale keys now and then so the map does not grow without bound.
func (t *Throttle) sweep(now time.Time) {
	if now.Sub(t.lastSweep) < t.window {
		return
	}
	t.lastSweep = now
	for k := range t.failures {
		if len(t.recent(k, now)) == 0 {
			delete(t.failures, k)
		}
	}
}

var errBadCredentials = allocation.Errorf(allocation.EUNAUTHORIZED, "wrong email or password")

// isUnauthorized reports whether err means the caller is not logged in.
func isUnauthorized(err error) bool {
	var e *allocation.Error
	return errors.As(err, &e) && e.Code == allocation.EUNAUTHORIZED
}
