// Package portal is the Echo server: one route table (routes.go), the
// middleware that turns a token into an actor and asks Casbin, thin handlers
// for the JSON API (api.go) and the HTML pages (pages.go).
package portal

import (
	"collect"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"collect/evidence/blob"
	"collect/policies"
	"collect/portal/jobs"
	"collect/portal/store"
	"collect/views"
)

// Config wires a Server.
type Config struct {
	Store     *store.Store
	JWTSecret []byte
	TokenTTL  time.Duration // 12 hours when zero
	Logger    *slog.Logger
	Now       func() time.Time
	// SecureCookies marks cookies Secure (set it behind TLS).
	SecureCookies bool
	// Throttle limits failed logins; 5 per account and 20 per address in
	// 15 minutes, counted in the database (shared by every process), when nil.
	Throttle *Throttle
	// ExpiryInterval is how often the periodic jobs (portal/jobs: expiry,
	// promises, breaches, snapshots, import recovery, early warning) run once
	// Start is called; a minute when zero, off when negative. Without Start
	// (tests over httptest) no periodic job runs and events rescore at once.
	ExpiryInterval time.Duration
	// Blobs keeps the evidence objects (evidence/blob): the data folder's
	// or an S3-compatible store. A folder under the system's temporary
	// directory when nil (tests).
	Blobs blob.Store
	// BlobTemp is where uploads are spooled while hashed and judged; the
	// local store's own temporary folder, else the system's.
	BlobTemp string
}

// Server is the portal's HTTP side.
type Server struct {
	echo     *echo.Echo
	store    *store.Store
	enforcer *casbin.SyncedCachedEnforcer
	tokens   *Tokens
	throttle *Throttle
	totpKey  [32]byte // seals TOTP secrets at rest (totp.go)
	cat      *views.Catalogue
	log      *slog.Logger
	metrics  *metrics
	secure   bool
	expiry   time.Duration
	now      func() time.Time
	routes   []Route
	jobs     importTracker
	runner   *jobs.Runner
	blobs    blob.Store
	blobTemp string
	verified *verifiedCache
}

// New builds the server and its route table.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("portal: no store")
	}
	if len(cfg.JWTSecret) < 32 {
		return nil, errors.New("portal: the JWT secret must be at least 32 bytes")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 12 * time.Hour
	}
	if cfg.ExpiryInterval == 0 {
		cfg.ExpiryInterval = time.Minute
	}
	if cfg.Throttle == nil {
		cfg.Throttle = NewSharedThrottle(cfg.Store, 15*time.Minute, 5, 20, cfg.Now)
	}
	if cfg.Blobs == nil {
		dir, err := os.MkdirTemp("", "portal-blobs-*")
		if err != nil {
			return nil, err
		}
		local, err := blob.NewLocal(dir)
		if err != nil {
			return nil, err
		}
		cfg.Blobs = local
	}
	if cfg.BlobTemp == "" {
		if l, ok := cfg.Blobs.(*blob.Local); ok {
			cfg.BlobTemp = l.TempDir()
		}
	}
	enf, err := policies.NewEnforcer()
	if err != nil {
		return nil, err
	}
	cat, err := views.LoadCatalogue()
	if err != nil {
		return nil, err
	}
	s := &Server{
		store: cfg.Store, enforcer: enf, tokens: NewTokens(cfg.JWTSecret, cfg.TokenTTL, cfg.Now), totpKey: totpSealKey(cfg.JWTSecret),
		throttle: cfg.Throttle, cat: cat, log: cfg.Logger, secure: cfg.SecureCookies, now: cfg.Now, expiry: cfg.ExpiryInterval,
		metrics: newMetrics(prometheus.NewRegistry()),
		blobs:   cfg.Blobs, blobTemp: cfg.BlobTemp, verified: &verifiedCache{ttl: 10 * time.Minute, seen: map[string]time.Time{}},
	}
	s.runner, err = jobs.New(context.Background(), cfg.Store, jobs.Options{
		Logger: cfg.Logger, Now: cfg.Now, Interval: cfg.ExpiryInterval,
		Import:         s.runImport,
		RecoverImports: func(ctx context.Context) error { return RecoverImports(ctx, s.store, s.log, time.Time{}) },
		Observe:        s.metrics.observeJob,
		Blobs:          cfg.Blobs,
	})
	if err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	s.echo = s.newEcho()
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes returns the route table (tests walk it).
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(middleware.RequestID())
	e.Use(s.metrics.middleware) // outside logRequests, which renders errors, so it sees the final status
	e.Use(s.logRequests)
	e.Use(middleware.Recover())
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
	}))
	e.Use(s.localize)
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup: "header:X-CSRF-Token,form:_csrf", CookieName: "_csrf", CookiePath: "/",
		CookieHTTPOnly: true, CookieSameSite: http.SameSiteStrictMode, CookieSecure: s.secure,
		ContextKey: "csrf",
		ErrorHandler: func(err error, c echo.Context) error {
			return collect.E(collect.EFORBIDDEN, "err.request.form_expired")
		},
	})
	for _, r := range s.routes {
		limit := r.MaxBody
		if limit == "" {
			limit = "2M"
		}
		check := checkText
		if r.Stream {
			check = checkTextNoBody
		}
		mw := []echo.MiddlewareFunc{middleware.BodyLimit(limit), check}
		if r.Page {
			mw = append(mw, csrf)
		}
		if !r.Public {
			mw = append(mw, s.authenticate(r), s.authorize(r))
		}
		e.Add(r.Method, r.Path, r.Handler, mw...)
	}
	return e
}

// Start serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) Start(ctx context.Context, addr string, ready func(addr string)) error {
	srv := &http.Server{Addr: addr, Handler: s, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if s.expiry > 0 {
		// rescoring after an event leaves the request for the job queue
		s.store.SetRescoreQueue(s.runner.EnqueueRescore)
	}
	if err := s.runner.Start(ctx, s.expiry > 0); err != nil {
		return err
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s.log.Info("shutting down")
	err = srv.Shutdown(shutdownCtx)
	if jerr := s.runner.Stop(time.Minute); jerr != nil { // running jobs (an import's transaction) finish first
		s.log.Error("stopping the jobs", "error", jerr)
	}
	return err
}

// Close stops the background jobs of a server that was never Started
// (tests serving it with httptest).
func (s *Server) Close() error { return s.runner.Stop(30 * time.Second) }

// Jobs is the server's job runner (tests).
func (s *Server) Jobs() *jobs.Runner { return s.runner }
