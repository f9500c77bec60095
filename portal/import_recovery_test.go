package portal_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"collect/portal"
	"collect/portal/store"
)

// An import a stopped process left running is failed at start (once its
// heartbeat is stale), its upload copy deleted with the other files no
// running import owns, and its page stops polling and offers a retry, in
// both languages.
func TestImportInterruptedIsRecovered(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the sweep looks in os.TempDir: this test's own
	h := newHarness(t, "sqlite", portal.Config{})
	ctx := context.Background()
	u, err := h.store.UserByEmail(ctx, "vm@demo-bank.test")
	if err != nil {
		t.Fatal(err)
	}
	vm, _, err := h.store.Actor(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	crashed, err := h.store.StartImport(ctx, vm, "november", "november.csv", false)
	if err != nil {
		t.Fatal(err)
	}
	live, err := h.store.StartImport(ctx, vm, "december", "december.csv", false)
	if err != nil {
		t.Fatal(err)
	}
	// The crashed import's heartbeat stopped ten minutes ago.
	if _, err := h.store.DB().Exec(`UPDATE imports SET heartbeat_at = $1 WHERE id = $2`, time.Now().UTC().Add(-10*time.Minute), crashed); err != nil {
		t.Fatal(err)
	}
	file := func(name string, age time.Duration) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte("external_ref\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		os.Chtimes(p, old, old)
		return p
	}
	crashedFile := file("portal-import-"+crashed+"-123", time.Hour)
	liveFile := file("portal-import-"+live+"-456", time.Hour)
	otherDB := file("portal-import-"+uuid.NewString()+"-789", time.Hour) // another portal's, with another database
	legacy := file("portal-import-4242", time.Hour)
	fresh := file("portal-import-99", 0)

	portal.RecoverImports(ctx, h.store, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now().Add(-time.Minute))

	im, err := h.store.ImportStatus(ctx, vm, crashed)
	if err != nil || im.Status != "failed" || im.MessageKey != store.ImportInterruptedKey || im.FinishedAt == nil {
		t.Fatalf("crashed import after recovery: %+v %v", im, err)
	}
	if im, _ := h.store.ImportStatus(ctx, vm, live); im.Status != "running" {
		t.Fatalf("the live import was %s by recovery", im.Status)
	}
	for p, want := range map[string]bool{crashedFile: false, liveFile: true, otherDB: true, legacy: false, fresh: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}

	c := h.pageClient(h.token("vm@demo-bank.test"))
	for lang, text := range map[string]string{"en": "The server stopped during the import", "zh": "导入过程中服务器停止运行"} {
		res, body := c.get(t, h.http.URL+"/imports/"+crashed, "Accept-Language", lang)
		if res.StatusCode != http.StatusOK || strings.Contains(body, "hx-trigger") || !strings.Contains(body, text) ||
			!strings.Contains(body, `data-testid="import-retry"`) || !strings.Contains(body, `href="/portfolios#import"`) {
			t.Errorf("%s page of the interrupted import (%d): polls, or no reason or retry:\n%s", lang, res.StatusCode, body)
		}
	}
	if _, body := c.get(t, h.http.URL+"/imports/"+live); !strings.Contains(body, "hx-trigger") {
		t.Error("the running import's page does not poll")
	}
}
