package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"collect/portal"
	"collect/portal/store"
)

// live is a running server and how to stop it.
type live struct {
	base   string
	stop   func() error
	routes []portal.Route // the portal's; none for the baselines
}

// startPortal starts the real server (portal.New and Start, as `portal
// serve` does) on a free local port. Its request log is discarded; its
// periodic jobs run only when asked (they start with a pass over every
// account).
func startPortal(ctx context.Context, st *store.Store, secret []byte, jobs bool) (live, error) {
	interval := time.Duration(-1)
	if jobs {
		interval = 0 // the default, a minute
	}
	srv, err := portal.New(portal.Config{Store: st, JWTSecret: secret, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ExpiryInterval: interval})
	if err != nil {
		return live{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx, "127.0.0.1:0", func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		return live{base: "http://" + addr, stop: func() error { cancel(); return <-done }, routes: srv.Routes()}, nil
	case err := <-done:
		cancel()
		return live{}, err
	}
}

// startBare serves the baselines on their own Echo instance in this
// process: /bare, a trivial templ page, and /pk, one organisation read by
// primary key through the store's GORM pool, as JSON.
func startBare(st *store.Store, orgID string) (live, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/bare", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		return barePage("bench").Render(c.Request().Context(), c.Response())
	})
	e.GET("/pk", func(c echo.Context) error {
		var o struct{ ID, Kind, Name string }
		if err := st.BaselineDB().WithContext(c.Request().Context()).Table("organisations").Select("id, kind, name").Where("id = ?", orgID).Take(&o).Error; err != nil {
			return err
		}
		return c.JSON(http.StatusOK, o)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return live{}, err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return live{base: "http://" + ln.Addr().String(), stop: func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	}}, nil
}

// login signs in over the API (POST /api/v1/auth/token) and returns the
// token, which is also the page session's cookie.
func login(ctx context.Context, client *http.Client, base, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/token", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("sign in as %s: %d %s", email, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		return "", errors.Join(fmt.Errorf("sign in as %s: no token", email), err)
	}
	return out.Token, nil
}

// requester makes the requests of one signed-in user.
type requester struct {
	ctx   context.Context
	base  string
	token string
}

// api is GET path of the JSON API, with the bearer token.
func (r requester) api(path string) (call, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return call{}, err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	return call{req: req}, nil
}

// page is GET path of the HTML pages, with the session cookie.
func (r requester) page(path string) (call, error) {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return call{}, err
	}
	req.AddCookie(&http.Cookie{Name: "portal_session", Value: r.token})
	return call{req: req}, nil
}

// post is a JSON POST to the API; keep receives the created row's id.
func (r requester) post(path string, body any, keep func(id string)) (call, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return call{}, err
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, r.base+path, bytes.NewReader(b))
	if err != nil {
		return call{}, err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	return call{req: req, keep: func(body []byte) error {
		var out struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &out); err != nil || out.ID == "" {
			return fmt.Errorf("POST %s: no id in %.200s", path, body)
		}
		keep(out.ID)
		return nil
	}}, nil
}

// settle waits, after a row, until the server's database is idle again:
// until /readyz (a ping, which waits for a free pooled connection) answers
// within 50 ms three times running, or for at most limit. A query whose
// request timed out may still run on the server; the next row should not
// pay for it.
func settle(ctx context.Context, base string, limit time.Duration) time.Duration {
	client := &http.Client{Timeout: limit}
	start := time.Now()
	quick := 0
	for quick < 3 && time.Since(start) < limit && ctx.Err() == nil {
		t0 := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return time.Since(start)
		}
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if err == nil && resp.StatusCode == http.StatusOK && time.Since(t0) < 50*time.Millisecond {
			quick++
		} else {
			quick = 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}
