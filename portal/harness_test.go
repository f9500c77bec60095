package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store"
	"collect/portal/store/storetest"
)

var testSecret = []byte("test-secret-test-secret-test-secret-0123")

// harness is a real server over HTTP on a real database with the small demo
// data set.
type harness struct {
	t      *testing.T
	srv    *portal.Server
	http   *httptest.Server
	store  *store.Store
	tokens map[string]string
}

func newHarness(t *testing.T, dialect string, cfg portal.Config) *harness {
	t.Helper()
	return newSizedHarness(t, dialect, cfg, demo.Size{Portfolios: []int{60, 40}})
}

// newSizedHarness is newHarness with demo data of the given size (the
// early-warning models need the default size's history to be used).
func newSizedHarness(t *testing.T, dialect string, cfg portal.Config, size demo.Size) *harness {
	t.Helper()
	st := storetest.Seeded(t, dialect, fmt.Sprint("demo ", size), func(st *store.Store) error {
		return demo.Seed(context.Background(), st, size)
	}, store.Options{})
	cfg.Store = st
	if cfg.JWTSecret == nil {
		cfg.JWTSecret = testSecret
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := portal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h := &harness{t: t, srv: srv, http: httptest.NewServer(srv), store: st, tokens: map[string]string{}}
	t.Cleanup(h.http.Close)
	return h
}

// token logs in through the API and caches the bearer token.
func (h *harness) token(email string) string {
	h.t.Helper()
	if tok, ok := h.tokens[email]; ok {
		return tok
	}
	res, body := h.do("POST", "/api/v1/auth/token", "", map[string]string{"email": email, "password": demo.Password})
	if res.StatusCode != 200 {
		h.t.Fatalf("login %s: %d %s", email, res.StatusCode, body)
	}
	var out struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	mustJSON(h.t, body, &out)
	if _, err := time.Parse(time.RFC3339, out.ExpiresAt); err != nil || out.Token == "" {
		h.t.Fatalf("token answer %s", body)
	}
	h.tokens[email] = out.Token
	return out.Token
}

// do sends a request with an optional bearer token and JSON body (a string
// body is sent as is).
func (h *harness) do(method, path, token string, body any) (*http.Response, []byte) {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, h.http.URL+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, out
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("not JSON (%v): %s", err, b)
	}
}

// errorCode reads the code of an API error body.
func errorCode(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	mustJSON(t, b, &e)
	if e.Error.Message == "" {
		t.Fatalf("error without a message: %s", b)
	}
	return e.Error.Code
}

// queryOne returns one string column of the first row.
func (h *harness) queryOne(q string, args ...any) string {
	h.t.Helper()
	var s string
	if err := h.store.DB().QueryRow(q, args...).Scan(&s); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return s
}

// verifiedAccount is the agency's active, verified account with the largest
// balance: one a collector may call and refer.
func (h *harness) verifiedAccount(agencyID string) string {
	h.t.Helper()
	return h.queryOne(`SELECT p.account_id FROM placements p JOIN accounts a ON a.id = p.account_id
		WHERE p.status = 'active' AND p.agency_id = $1 AND a.verification_complete ORDER BY a.balance_cents DESC LIMIT 1`, agencyID)
}
