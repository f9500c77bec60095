package portal

import (
	"collect"
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
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
	Version int    `json:"ver"`
	Purpose string `json:"pur,omitempty"` // "" for a session; "mfa" for a sign-in waiting for its second factor
	jwt.RegisteredClaims
}

// mfaTTL is how long a sign-in may wait for its second factor.
const mfaTTL = 5 * time.Minute

// Issue signs a token for the user at their current token version.
func (t *Tokens) Issue(userID string, version int) (string, time.Time, error) {
	return t.issue(userID, version, "", t.ttl)
}

// IssueMFA signs the short-lived token of a sign-in whose password was
// right and whose second factor is still to come. It is no session: Parse
// refuses it.
func (t *Tokens) IssueMFA(userID string, version int) (string, time.Time, error) {
	return t.issue(userID, version, "mfa", mfaTTL)
}

func (t *Tokens) issue(userID string, version int, purpose string, ttl time.Duration) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(ttl).Truncate(time.Second)
	c := claims{Version: version, Purpose: purpose, RegisteredClaims: jwt.RegisteredClaims{
		Subject: userID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp), Issuer: "collect-portal",
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	return s, exp, err
}

// Parse checks signature (HS256 only: "none" and every other algorithm are
// refused), expiry and issuer, and returns the user id and token version of
// a session token.
func (t *Tokens) Parse(token string) (string, int, error) {
	return t.parse(token, "")
}

// ParseMFA is Parse for the token of a sign-in waiting for its second factor.
func (t *Tokens) ParseMFA(token string) (string, int, error) {
	return t.parse(token, "mfa")
}

func (t *Tokens) parse(token, purpose string) (string, int, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(), jwt.WithIssuer("collect-portal"),
		jwt.WithTimeFunc(t.now), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return "", 0, collect.E(collect.EUNAUTHORIZED, "err.auth.token_expired")
	}
	if c.Subject == "" || c.Purpose != purpose {
		return "", 0, collect.E(collect.EUNAUTHORIZED, "err.auth.token_invalid")
	}
	return c.Subject, c.Version, nil
}

// AttemptCounter keeps login attempts per key in a fixed window. The store
// keeps them in the database, so several portal processes share them;
// NewThrottle's counter is in memory, for one process.
type AttemptCounter interface {
	// TakeLoginAttempt counts one attempt and returns the key's attempts in
	// its window, this one included; the window restarts at now when it
	// began before windowStart. It must be atomic.
	TakeLoginAttempt(ctx context.Context, key string, now, windowStart time.Time) (int, error)
	ReturnLoginAttempt(ctx context.Context, key string) error
	ClearLoginAttempts(ctx context.Context, key string) error
	SweepLoginAttempts(ctx context.Context, windowStart time.Time) (int64, error)
}

// Throttle limits failed logins per account and per client address within a
// window. An attempt is counted before its password is checked and taken
// back only when it succeeds, so many attempts at once are throttled as
// surely as many in a row: the check and the count are one step.
type Throttle struct {
	counter    AttemptCounter
	window     time.Duration
	perAccount int
	perAddress int
	now        func() time.Time

	mu        sync.Mutex
	lastSweep time.Time
}

// NewThrottle allows perAccount failures per email and perAddress per client
// address within window, counted in this process's memory.
func NewThrottle(window time.Duration, perAccount, perAddress int, now func() time.Time) *Throttle {
	return NewSharedThrottle(&memoryAttempts{keys: map[string]memoryKey{}}, window, perAccount, perAddress, now)
}

// NewSharedThrottle is NewThrottle with the counts kept by counter (the
// store, so every process behind a load balancer shares them).
func NewSharedThrottle(counter AttemptCounter, window time.Duration, perAccount, perAddress int, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{counter: counter, window: window, perAccount: perAccount, perAddress: perAddress, now: now}
}

func accountKey(email string) string { return "acct:" + strings.ToLower(strings.TrimSpace(email)) }
func addressKey(addr string) string  { return "addr:" + addr }

// ErrThrottled answers a login attempt past the limit.
var ErrThrottled = collect.E(collect.ETHROTTLED, "err.auth.throttled")

// Begin counts a login attempt for email from addr, to be checked now; it
// returns ErrThrottled when the account or the address is past its limit.
// The attempt counts as failed unless Succeeded is called.
func (t *Throttle) Begin(ctx context.Context, email, addr string) error {
	now := t.now()
	since := now.Add(-t.window)
	t.sweep(ctx, now, since)
	n, err := t.counter.TakeLoginAttempt(ctx, accountKey(email), now, since)
	if err != nil {
		return err
	}
	if n > t.perAccount {
		return ErrThrottled
	}
	n, err = t.counter.TakeLoginAttempt(ctx, addressKey(addr), now, since)
	if err != nil {
		return err
	}
	if n > t.perAddress {
		// The account's count stays: a throttled attempt is a failed one.
		return ErrThrottled
	}
	return nil
}

// Succeeded clears the account's failures and takes the address's count of
// this attempt back.
func (t *Throttle) Succeeded(ctx context.Context, email, addr string) error {
	if err := t.counter.ClearLoginAttempts(ctx, accountKey(email)); err != nil {
		return err
	}
	return t.counter.ReturnLoginAttempt(ctx, addressKey(addr))
}

// sweep drops keys whose window has passed, once a window, so the counts do
// not grow without bound.
func (t *Throttle) sweep(ctx context.Context, now, since time.Time) {
	t.mu.Lock()
	due := now.Sub(t.lastSweep) >= t.window
	if due {
		t.lastSweep = now
	}
	t.mu.Unlock()
	if due {
		_, _ = t.counter.SweepLoginAttempts(ctx, since)
	}
}

// memoryAttempts is an AttemptCounter for one process.
type memoryAttempts struct {
	mu   sync.Mutex
	keys map[string]memoryKey
}

type memoryKey struct {
	start    time.Time
	attempts int
}

func (m *memoryAttempts) TakeLoginAttempt(_ context.Context, key string, now, windowStart time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.keys[key]
	if k.start.Before(windowStart) || k.attempts == 0 {
		k = memoryKey{start: now}
	}
	k.attempts++
	m.keys[key] = k
	return k.attempts, nil
}

func (m *memoryAttempts) ReturnLoginAttempt(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if k, ok := m.keys[key]; ok && k.attempts > 0 {
		k.attempts--
		m.keys[key] = k
	}
	return nil
}

func (m *memoryAttempts) ClearLoginAttempts(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, key)
	return nil
}

func (m *memoryAttempts) SweepLoginAttempts(_ context.Context, windowStart time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for key, k := range m.keys {
		if k.start.Before(windowStart) {
			delete(m.keys, key)
			n++
		}
	}
	return n, nil
}

var errBadCredentials = collect.E(collect.EUNAUTHORIZED, "err.auth.bad_credentials")

// isUnauthorized reports whether err means the caller is not logged in.
func isUnauthorized(err error) bool {
	var e *collect.Error
	return errors.As(err, &e) && e.Code == collect.EUNAUTHORIZED
}
