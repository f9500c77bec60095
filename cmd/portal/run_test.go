package main

import (
	"bufio"
	"bytes"
	"collect/portal/sheets"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
)

// env is a fake environment for run.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// startPortal runs `portal serve` as main would, on a free port, and returns
// its base URL and what it printed; the server stops with the test.
func startPortal(t *testing.T, vars map[string]string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0"}, env(vars), pw, io.Discard)
		pw.Close()
	}()
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		re := regexp.MustCompile(`listening on (http://\S+)`)
		for sc.Scan() {
			out.WriteLine(sc.Text())
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v on shutdown", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("the portal did not shut down within 20 s")
		}
	})
	select {
	case base := <-addrc:
		time.Sleep(50 * time.Millisecond) // let the logins print
		return base, out
	case err := <-done:
		t.Fatalf("the portal stopped: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the portal did not start within 60 s")
	}
	return "", nil
}

// syncBuffer collects the lines the portal prints, safe across goroutines.
type syncBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *syncBuffer) WriteLine(s string) { b.mu.Lock(); b.lines = append(b.lines, s); b.mu.Unlock() }
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

func login(t *testing.T, base, email string) (int, string) {
	t.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":"demo-password"}`, email)
	res, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Token
}

func TestServeWithDemoData(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PORTAL_DATA": dir}
	base, out := startPortal(t, vars)
	for _, want := range []string{"listening on http://127.0.0.1:", "demo-password", "vm@demo-bank.test", "agent@agency-b.test", "auditor@demo-bank.test"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("the start output lacks %q:\n%s", want, out)
		}
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(base + p)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: %v %v", p, res, err)
		}
		res.Body.Close()
	}
	for _, email := range []string{"admin@platform.test", "vm@demo-bank.test", "auditor@demo-bank.test", "supervisor@agency-a.test", "agent@agency-a.test", "agent@agency-b.test"} {
		status, tok := login(t, base, email)
		if status != 200 || tok == "" {
			t.Fatalf("login %s: %d", email, status)
		}
		req, _ := http.NewRequest("GET", base+"/api/v1/dashboard", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("dashboard as %s: %v %v", email, res, err)
		}
		res.Body.Close()
	}
	// The generated secret is kept with mode 0600, and there are a few
	// thousand accounts.
	fi, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("jwt-secret: %v %v", fi, err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n)
	if n < 2000 {
		t.Fatalf("%d demo accounts, want a few thousand", n)
	}
}

func TestRestartKeepsSecretAndData(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PORTAL_DATA": dir}
	ctx := context.Background()
	if err := run(ctx, []string{"demo"}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	// Seeding again refuses: the database is not empty.
	if err := run(ctx, []string{"demo"}, env(vars), io.Discard, io.Discard); err == nil {
		t.Fatal("a second demo seed was accepted")
	}
	base, _ := startPortal(t, vars)
	_, tok := login(t, base, "vm@demo-bank.test")
	secret, _ := os.ReadFile(filepath.Join(dir, "jwt-secret"))
	if tok == "" || len(bytes.TrimSpace(secret)) < 32 {
		t.Fatal("no token or no secret")
	}
}

func TestDemoOffStartsEmpty(t *testing.T) {
	dir := t.TempDir()
	base, out := startPortal(t, map[string]string{"PORTAL_DATA": dir, "PORTAL_DEMO": "0", "PORTAL_JWT_SECRET": strings.Repeat("s", 40)})
	if status, _ := login(t, base, "vm@demo-bank.test"); status != http.StatusUnauthorized {
		t.Fatalf("login on an empty portal: %d", status)
	}
	if strings.Contains(out.String(), "demo-password") {
		t.Fatal("an empty portal prints demo logins")
	}
	if _, err := os.Stat(filepath.Join(dir, "jwt-secret")); !os.IsNotExist(err) {
		t.Fatal("a configured secret should not be written to disk")
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PORTAL_DATA": dir}
	ctx := context.Background()
	if err := run(ctx, []string{"demo"}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify"}, env(vars), &out, io.Discard); err != nil || !strings.Contains(out.String(), `"ok": true`) {
		t.Fatalf("verify an intact trail: %v\n%s", err, out.String())
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "portal.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit_events SET action = 'nothing.happened' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out.Reset()
	err = run(ctx, []string{"audit", "verify"}, env(vars), &out, io.Discard)
	if err == nil || exitCode(err) != 1 || !strings.Contains(out.String(), `"ok": false`) || !strings.Contains(out.String(), `"first_bad": 1`) {
		t.Fatalf("verify a tampered trail: %v\n%s", err, out.String())
	}
}

func TestCommandLine(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		vars map[string]string
		code int
		out  string
	}{
		{"Help", []string{"help"}, nil, 0, "portal audit verify"},
		{"Migrate", []string{"migrate"}, map[string]string{"PORTAL_DATA": dir}, 0, "schema version"},
		{"UnknownCommand", []string{"launch"}, nil, 2, ""},
		{"UnknownFlag", []string{"serve", "-nope"}, nil, 2, ""},
		{"BadDemoValue", []string{"serve"}, map[string]string{"PORTAL_DEMO": "maybe"}, 2, ""},
		{"ShortSecret", []string{"serve", "-addr", "127.0.0.1:0"}, map[string]string{"PORTAL_DATA": dir, "PORTAL_JWT_SECRET": "short"}, 2, ""},
		{"AuditWithoutVerify", []string{"audit"}, nil, 2, ""},
		{"StatsRebuild", []string{"stats", "rebuild"}, map[string]string{"PORTAL_DATA": dir}, 0, "counters rebuilt"},
		{"StatsWithoutRebuild", []string{"stats"}, nil, 2, ""},
		{"ModelsTrain", []string{"models", "train"}, map[string]string{"PORTAL_DATA": dir}, 0, "models trained and accounts scored"},
		{"ModelsWithoutTrain", []string{"models"}, nil, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(ctx, c.args, env(c.vars), &out, io.Discard)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != c.code || !strings.Contains(out.String(), c.out) {
				t.Fatalf("exit %d (%v), output %q; want exit %d and %q", code, err, out.String(), c.code, c.out)
			}
		})
	}
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PORTAL_DATA": dir}
	ctx := context.Background()
	if err := run(ctx, []string{"demo"}, env(vars), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "p.csv")
	f, _ := os.Create(file)
	if err := sheets.WritePortfolioCSV(f, 1200, 5, time.Now().UTC(), "zh"); err != nil {
		t.Fatal(err)
	}
	f.WriteString("BAD-1,张三,123,abc,北京市,1,1,2026-01-01,1\n")
	f.Close()
	var out bytes.Buffer
	err := run(ctx, []string{"import", "-file", file, "-as", "vm@demo-bank.test"}, env(vars), &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "1 rejected") || !strings.Contains(out.String(), "line 1202") {
		t.Fatalf("all or nothing with a bad row: %v\n%s", err, out.String())
	}
	out.Reset()
	rejects := filepath.Join(dir, "rejects.csv")
	err = run(ctx, []string{"import", "-file", file, "-as", "vm@demo-bank.test", "-partial", "-name", "CLI", "-rejects", rejects}, env(vars), &out, io.Discard)
	if err != nil || !strings.Contains(out.String(), "1200 accepted, 1 rejected") {
		t.Fatalf("partial: %v\n%s", err, out.String())
	}
	if b, err := os.ReadFile(rejects); err != nil || !strings.Contains(string(b), "BAD-1") {
		t.Fatalf("rejects file: %v %s", err, b)
	}
	for _, args := range [][]string{
		{"import", "-file", file},
		{"import", "-file", file, "-as", "agent@agency-a.test"},
		{"import", "-file", filepath.Join(dir, "missing.csv"), "-as", "vm@demo-bank.test"},
	} {
		if err := run(ctx, args, env(vars), io.Discard, io.Discard); err == nil || exitCode(err) != 2 {
			t.Fatalf("%v: %v, want a usage error", args, err)
		}
	}
}

// `portal admin create` on an empty database: the first administrator with
// a one-time link (the link sets the password once), a second refused
// without -force, one with -password-stdin signs in at once; bad input is
// refused with its reason.
func TestAdminCreate(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"PORTAL_DATA": dir, "PORTAL_DEMO": "0", "PORTAL_JWT_SECRET": strings.Repeat("s", 40)}
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"admin", "create", "-email", "root@ops.test", "-name", "Root", "-base-url", "https://portal.example.cn/"}, env(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`https://portal\.example\.cn/reset/([A-Za-z0-9_-]{20,})\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no set-password link printed:\n%s", out.String())
	}
	token := m[1]

	// A second administrator is refused without -force, and changes nothing.
	err := run(ctx, []string{"admin", "create", "-email", "two@ops.test", "-name", "Two"}, env(vars), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("second admin without -force: %v", err)
	}
	// Bad input: a short password, no email.
	stdin = strings.NewReader("short\n")
	if err := run(ctx, []string{"admin", "create", "-email", "two@ops.test", "-name", "Two", "-password-stdin", "-force"}, env(vars), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	if err := run(ctx, []string{"admin", "create", "-name", "Two"}, env(vars), io.Discard, io.Discard); err == nil || exitCode(err) != 2 {
		t.Fatalf("no email: %v", err)
	}
	stdin = strings.NewReader("a very long operator secret\r\n")
	out.Reset()
	if err := run(ctx, []string{"admin", "create", "-email", "two@ops.test", "-name", "Two", "-password-stdin", "-force"}, env(vars), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	stdin = os.Stdin
	if strings.Contains(out.String(), "/reset/") || !strings.Contains(out.String(), "sign in now") {
		t.Fatalf("with -password-stdin: %s", out.String())
	}

	base, _ := startPortal(t, vars)
	post := func(path, body string) (int, string) {
		res, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st, body := post("/api/v1/auth/token", `{"email":"two@ops.test","password":"a very long operator secret"}`); st != 200 {
		t.Fatalf("-password-stdin admin signs in: %d %s", st, body)
	}
	if st, _ := post("/api/v1/auth/token", `{"email":"root@ops.test","password":"a river runs through it"}`); st != http.StatusUnauthorized {
		t.Fatalf("the linked admin signs in before setting a password: %d", st)
	}
	if st, body := post("/api/v1/resets/"+token+"/accept", `{"password":"a river runs through it"}`); st != http.StatusOK {
		t.Fatalf("set the password: %d %s", st, body)
	}
	if st, _ := post("/api/v1/resets/"+token+"/accept", `{"password":"a river runs through it"}`); st != http.StatusGone {
		t.Fatalf("the link used twice: %d", st)
	}
	st, body := post("/api/v1/auth/token", `{"email":"root@ops.test","password":"a river runs through it"}`)
	if st != 200 {
		t.Fatalf("the linked admin signs in: %d %s", st, body)
	}
	var tok struct{ Token string }
	json.Unmarshal([]byte(body), &tok)
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	me, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(me), `"platform_admin"`) || !strings.Contains(string(me), `"kind":"platform"`) {
		t.Fatalf("me: %s", me)
	}
}
