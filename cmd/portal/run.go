package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"collect/evidence/blob"
	"collect/portal"
	"collect/portal/demo"
	"collect/portal/store"
)

const usage = `portal: the agency outsourcing marketplace and oversight portal.

Usage:
  portal [serve] [flags]    run the web portal (the default)
  portal migrate [flags]    apply the database migrations and exit
  portal demo [flags]       seed the demo data into an empty database and exit
  portal import -file F -as EMAIL [-name N] [-partial] [-mapping M] [-rejects OUT.csv]
                            import a portfolio (CSV or XLSX) as that vendor manager
  portal audit verify       check the audit trail's hash chain; exit 1 if broken
  portal stats rebuild      recompute the oversight and dashboard counters from the events (after a bulk load)
  portal models train       train every lender's early-warning models now, score its accounts,
                            and print each model's verdict and AUC against the priority rule
  portal admin create -email E -name N [-password-stdin] [-force] [-base-url URL]
                            create a platform administrator (in the platform organisation,
                            made if none exists); with -password-stdin the password is read
                            from standard input, else a one-time set-password link (72 h) is
                            printed; refused if one exists already unless -force
  portal bench [-accounts 1000000] [-contacts-per-account 10] [-seed 1] [-conns 50]
               [-duration 10s] [-json] [-db sqlite|postgres://...]
                            build a large book in a fresh database (a temporary SQLite file,
                            or a new PostgreSQL database on that server, dropped after), drive
                            the live server's hot pages beside a bare page, print the table
  portal help               show this help

Flags (each also an environment variable):
  -addr          PORTAL_ADDR         listen address (default 127.0.0.1:8080)
  -database-url  DATABASE_URL        postgres://... for PostgreSQL; a file path or
                                     sqlite://path for SQLite (default <data>/portal.db)
  -data          PORTAL_DATA         data folder (default ./data)
  -jwt-secret    PORTAL_JWT_SECRET   token signing secret, at least 32 bytes
                                     (default: generated once into <data>/jwt-secret)
  -demo          PORTAL_DEMO         seed demo data into an empty database (default 1; 0 = start empty)
  -secure-cookies PORTAL_SECURE_COOKIES  mark cookies Secure (set behind TLS)
  -blobs         PORTAL_BLOBS        where evidence (recordings, documents) is kept: empty for
                                     <data>/blobs, or s3://KEY:SECRET@host:port/bucket[/prefix][?tls=0]
                                     for any S3-compatible store (AWS_ACCESS_KEY_ID and
                                     AWS_SECRET_ACCESS_KEY are read when the URL has no key)
  -log-format    PORTAL_LOG_FORMAT   json or text (default text)
  -base-url      PORTAL_BASE_URL     the address people reach the portal at, for printed links
                                     (default http://<addr>)
`

// config is the portal's configuration from flags over environment.
type config struct {
	Addr, DatabaseURL, DataDir, JWTSecret, LogFormat, BaseURL string
	Blobs                                                     string
	Demo, SecureCookies                                       bool
	Import                                                    importFlags
	Admin                                                     adminFlags
}

// adminFlags are `portal admin create`'s own flags (-name is shared with import).
type adminFlags struct {
	Email         string
	PasswordStdin bool
	Force         bool
}

// importFlags are `portal import`'s own flags.
type importFlags struct {
	File, As, Name, Mapping, Rejects string
	Partial                          bool
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errVerifyFailed is a broken audit chain: exit code 1 with the report printed.
var errVerifyFailed = errors.New("the audit trail is broken")

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "bench":
		tuneGC(getenv)
		return bench(ctx, args, stdout, stderr)
	case "serve", "migrate", "demo", "import", "audit", "stats", "models", "admin":
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	if cmd == "audit" || cmd == "stats" || cmd == "models" || cmd == "admin" {
		want := map[string]string{"audit": "verify", "stats": "rebuild", "models": "train", "admin": "create"}[cmd]
		if len(args) == 0 || args[0] != want {
			return usageError{"usage: portal " + cmd + " " + want}
		}
		args = args[1:]
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	if cmd == "serve" {
		tuneGC(getenv)
	}
	log := newLogger(cfg.LogFormat, stderr)
	if cmd == "admin" && (cfg.Admin.Email == "" || cfg.Import.Name == "") {
		return usageError{"usage: portal admin create -email E -name N [-password-stdin] [-force] [-base-url URL]"}
	}
	if cmd == "import" && (cfg.Import.File == "" || cfg.Import.As == "") {
		return usageError{"usage: portal import -file portfolio.csv -as vm@demo-bank.test [-name N] [-partial] [-mapping M] [-rejects out.csv]"}
	}

	st, err := store.Open(ctx, cfg.DatabaseURL, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	switch cmd {
	case "migrate":
		v, err := st.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database %s at schema version %d\n", st.Dialect(), v)
		return nil
	case "demo":
		if err := demo.Seed(ctx, st, demo.DefaultSize); err != nil {
			return err
		}
		blobs, err := openBlobs(ctx, cfg, os.Getenv)
		if err != nil {
			return err
		}
		if err := demo.SeedEvidence(ctx, st, blobs); err != nil {
			return err
		}
		if err := demo.SeedMoney(ctx, st); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "demo data seeded")
		printLogins(stdout)
		return nil
	case "import":
		return importFile(ctx, st, cfg.Import, stdout)
	case "admin":
		return adminCreate(ctx, st, cfg, stdout)
	case "stats":
		start := time.Now()
		if err := st.RebuildStats(ctx); err != nil {
			return err
		}
		// The dashboard's counters are kept by triggers; recounting them
		// here repairs rows written with the triggers off (a partial restore).
		if err := st.RebuildCounters(ctx); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "oversight and dashboard counters rebuilt in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	case "models":
		start := time.Now()
		models, err := st.TrainAllModels(ctx)
		if err != nil {
			return err
		}
		for _, m := range models {
			auc := func(p *float64) string {
				if p == nil {
					return "—"
				}
				return fmt.Sprintf("%.3f", *p)
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\tAUC %s (priority rule %s)\t%d accounts scored\n", m.LenderName, m.Kind, m.Verdict, auc(m.AUC), auc(m.BaselineAUC), m.Scores)
		}
		fmt.Fprintf(stdout, "models trained and accounts scored in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	case "audit":
		r, err := st.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(r)
		if !r.OK {
			return errVerifyFailed
		}
		return nil
	}
	return serve(ctx, cfg, st, log, stdout)
}

// processStarted is when this process began: at start, an import's
// temporary file older than it belongs to no import of this process.
var processStarted = time.Now()

// openBlobs opens the evidence store the configuration names: the data
// folder's blobs/ by default, or an S3-compatible bucket.
func openBlobs(ctx context.Context, cfg config, getenv func(string) string) (blob.Store, error) {
	if cfg.Blobs == "" {
		return blob.NewLocal(filepath.Join(cfg.DataDir, "blobs"))
	}
	if strings.HasPrefix(cfg.Blobs, "s3://") {
		return blob.NewS3(ctx, cfg.Blobs, getenv)
	}
	return nil, usageError{"PORTAL_BLOBS must be empty or an s3:// URL"}
}

func serve(ctx context.Context, cfg config, st *store.Store, log *slog.Logger, stdout io.Writer) error {
	blobs, err := openBlobs(ctx, cfg, os.Getenv)
	if err != nil {
		return err
	}
	seeded := false
	if cfg.Demo {
		empty, err := st.IsEmpty(ctx)
		if err != nil {
			return err
		}
		if empty {
			start := time.Now()
			if err := demo.Seed(ctx, st, demo.DefaultSize); err != nil {
				return fmt.Errorf("seed demo data: %w", err)
			}
			if err := demo.SeedEvidence(ctx, st, blobs); err != nil {
				return fmt.Errorf("seed demo evidence: %w", err)
			}
			if err := demo.SeedMoney(ctx, st); err != nil {
				return fmt.Errorf("seed demo money: %w", err)
			}
			seeded = true
			log.Info("demo data seeded", "duration_ms", time.Since(start).Milliseconds())
		}
	}
	secret, err := jwtSecret(cfg)
	if err != nil {
		return err
	}
	srv, err := portal.New(portal.Config{Store: st, JWTSecret: secret, Logger: log, SecureCookies: cfg.SecureCookies, Blobs: blobs})
	if err != nil {
		return err
	}
	// Imports a stopped process left running are failed and undone, and
	// upload copies nobody owns deleted, before the pages can show them.
	portal.RecoverImports(ctx, st, log, processStarted)
	return srv.Start(ctx, cfg.Addr, func(addr string) {
		fmt.Fprintf(stdout, "portal listening on http://%s (database: %s)\n", addr, st.Dialect())
		if cfg.Demo {
			if seeded {
				fmt.Fprintln(stdout, "demo data seeded into the empty database")
			}
			printLogins(stdout)
		}
	})
}

func printLogins(w io.Writer) {
	fmt.Fprintf(w, "demo logins (password %q):\n", demo.Password)
	for _, l := range demo.Logins {
		fmt.Fprintf(w, "  %-26s %-17s %s\n", l.Email, l.Organisation, l.Role)
	}
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	var cfg config
	var demo, secure string
	fs.StringVar(&cfg.Addr, "addr", env("PORTAL_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&cfg.DatabaseURL, "database-url", getenv("DATABASE_URL"), "database URL")
	fs.StringVar(&cfg.DataDir, "data", env("PORTAL_DATA", "data"), "data folder")
	fs.StringVar(&cfg.JWTSecret, "jwt-secret", getenv("PORTAL_JWT_SECRET"), "token signing secret")
	fs.StringVar(&demo, "demo", env("PORTAL_DEMO", "1"), "seed demo data into an empty database")
	fs.StringVar(&secure, "secure-cookies", env("PORTAL_SECURE_COOKIES", "0"), "mark cookies Secure")
	fs.StringVar(&cfg.LogFormat, "log-format", env("PORTAL_LOG_FORMAT", "text"), "json or text")
	fs.StringVar(&cfg.Blobs, "blobs", getenv("PORTAL_BLOBS"), "evidence store: empty for <data>/blobs, or s3://...")
	fs.StringVar(&cfg.Import.File, "file", "", "import: the CSV or XLSX file")
	fs.StringVar(&cfg.Import.As, "as", "", "import: the vendor manager's email")
	fs.StringVar(&cfg.Import.Name, "name", "", "import: the portfolio's name (default: the file's)")
	fs.StringVar(&cfg.Import.Mapping, "mapping", "", "import: a saved mapping's name or a JSON mapping")
	fs.StringVar(&cfg.Import.Rejects, "rejects", "", "import: write the rejected rows to this CSV")
	fs.BoolVar(&cfg.Import.Partial, "partial", false, "import: keep the valid rows when some are rejected")
	fs.StringVar(&cfg.Admin.Email, "email", "", "admin create: the administrator's email")
	fs.BoolVar(&cfg.Admin.PasswordStdin, "password-stdin", false, "admin create: read the password from standard input")
	fs.BoolVar(&cfg.Admin.Force, "force", false, "admin create: add one even if a platform administrator exists")
	fs.StringVar(&cfg.BaseURL, "base-url", getenv("PORTAL_BASE_URL"), "the portal's address for printed links")
	if err := fs.Parse(args); err != nil {
		return cfg, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	var err error
	if cfg.Demo, err = boolFlag("PORTAL_DEMO", demo); err != nil {
		return cfg, err
	}
	if cfg.SecureCookies, err = boolFlag("PORTAL_SECURE_COOKIES", secure); err != nil {
		return cfg, err
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = filepath.Join(cfg.DataDir, "portal.db")
	}
	if cfg.LogFormat != "json" && cfg.LogFormat != "text" {
		return cfg, usageError{"log format must be json or text"}
	}
	return cfg, nil
}

func boolFlag(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, usageError{fmt.Sprintf("%s must be 0 or 1, not %q", name, v)}
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// jwtSecret returns the configured secret, or the one kept in the data
// folder, generating it (mode 0600) on first start.
func jwtSecret(cfg config) ([]byte, error) {
	if cfg.JWTSecret != "" {
		if len(cfg.JWTSecret) < 32 {
			return nil, usageError{"PORTAL_JWT_SECRET must be at least 32 characters"}
		}
		return []byte(cfg.JWTSecret), nil
	}
	path := filepath.Join(cfg.DataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return nil, fmt.Errorf("%s holds a secret shorter than 32 characters", path)
		}
		return []byte(s), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return []byte(s), f.Close()
}
