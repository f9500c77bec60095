package portal_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"collect"
	"collect/evidence/blob"
	"collect/portal"
	"collect/portal/store/storetest"
)

// testWAV is a whole 8 kHz 16-bit mono WAV of a 440 Hz tone, ms long.
func testWAV(ms int) []byte {
	const rate = 8000
	n := rate * ms / 1000 * 2
	b := make([]byte, 44+n)
	le32 := func(at, v int) { binary.LittleEndian.PutUint32(b[at:], uint32(v)) }
	le16 := func(at, v int) { binary.LittleEndian.PutUint16(b[at:], uint16(v)) }
	copy(b[0:], "RIFF")
	le32(4, 36+n)
	copy(b[8:], "WAVEfmt ")
	le32(16, 16)
	le16(20, 1) // PCM
	le16(22, 1) // mono
	le32(24, rate)
	le32(28, rate*2)
	le16(32, 2)
	le16(34, 16)
	copy(b[36:], "data")
	le32(40, n)
	for i := 0; i < n/2; i++ {
		s := int16(6000 * math.Sin(2*math.Pi*440*float64(i)/rate))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(s))
	}
	return b
}

// uploadAnswer is the page's JSON answer to an upload: the attachment, or
// the error.
type uploadAnswer struct {
	ID          string    `json:"id"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	RetainUntil time.Time `json:"retain_until"`
	Location    string    `json:"location"`
	Message     string    `json:"message"`
	Error       struct {
		Code, Message string
	} `json:"error"`
}

// upload posts one file to the page's upload route as the page script
// does (multipart, the CSRF token in the header); xhr false posts it as a
// plain form would (no JSON asked for).
func (c pageClient) upload(t *testing.T, u, kind, name string, data []byte, lang string, xhr bool) (*http.Response, uploadAnswer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.Header.Set("Accept-Language", lang)
	if xhr {
		req.Header.Set("Accept", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var a uploadAnswer
	if xhr {
		mustJSON(t, body, &a)
	}
	return res, a, string(body)
}

// postForm posts a page form with the client's CSRF token.
func (c pageClient) postForm(t *testing.T, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	form.Set("_csrf", c.csrf)
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "en")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestEvidencePages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		blobDir := t.TempDir()
		blobs, err := blob.NewLocal(blobDir)
		if err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, dialect, portal.Config{Blobs: blobs})
		base := h.http.URL
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		h.store.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc)
		agentToken := h.token("agent@agency-a.test")

		// A connected call yesterday at 10:30 Beijing time, through the API.
		y := time.Now().In(collect.China).AddDate(0, 0, -1)
		day := time.Date(y.Year(), y.Month(), y.Day(), 10, 30, 0, 0, collect.China).Format(time.RFC3339)
		res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agentToken, map[string]any{"channel": "call", "party": "debtor", "outcome": "right_party_contact", "at": day})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("call: %d %s", res.StatusCode, body)
		}
		var call struct{ ID string }
		mustJSON(t, body, &call)

		agent, res, _ := h.formLogin("agent@agency-a.test", "demo-password")
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("agent login: %d", res.StatusCode)
		}
		wav := testWAV(500)
		sum := sha256.Sum256(wav)
		var rec uploadAnswer

		t.Run("UploadRecordingXHR", func(t *testing.T) {
			res, a, body := agent.upload(t, base+"/contacts/"+call.ID+"/attachments", "recording", "call.wav", wav, "en", true)
			if res.StatusCode != http.StatusCreated || a.ID == "" {
				t.Fatalf("upload: %d %s", res.StatusCode, body)
			}
			if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(wav)) || a.ContentType != "audio/wav" {
				t.Fatalf("the answer does not describe the file: %s", body)
			}
			if a.Location != "/accounts/"+acc+"#contact-"+call.ID || !strings.Contains(a.Message, a.SHA256[:12]) {
				t.Fatalf("location %q, message %q", a.Location, a.Message)
			}
			rec = a
		})
		if rec.ID == "" {
			t.FailNow()
		}
		retain := rec.RetainUntil.In(collect.China).Format(time.DateOnly)

		t.Run("AccountPageShowsThePlayer", func(t *testing.T) {
			for lang, title := range map[string]string{"zh-CN": "证据", "en": "Evidence"} {
				res, page := agent.get(t, base+"/accounts/"+acc, "Accept-Language", lang)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d", lang, res.StatusCode)
				}
				for _, want := range []string{
					`<audio controls preload="metadata" src="/attachments/` + rec.ID + `"`,
					`id="contact-` + call.ID + `"`,
					`data-testid="attachment-retain">` + retain + `<`,
					`title="` + rec.SHA256 + `"`,
					">" + title + "<",
					`data-testid="evidence-upload"`,
					`src="/static/evidence.js"`,
				} {
					if !strings.Contains(page, want) {
						t.Errorf("%s: the account page lacks %s", lang, want)
					}
				}
				if strings.Contains(page, `data-testid="legal-hold-form"`) {
					t.Errorf("%s: a collector is offered the legal hold", lang)
				}
			}
			res, _ := agent.get(t, base+"/attachments/"+rec.ID, "Range", "bytes=0-99")
			if res.StatusCode != http.StatusPartialContent {
				t.Fatalf("the player's range request: %d", res.StatusCode)
			}
		})

		t.Run("OtherAgencyGets404", func(t *testing.T) {
			other := h.pageClient(h.token("agent@agency-b.test"))
			if res, _ := other.get(t, base+"/attachments/"+rec.ID); res.StatusCode != http.StatusNotFound {
				t.Errorf("Agency B playing the recording: %d", res.StatusCode)
			}
			res, a, body := other.upload(t, base+"/contacts/"+call.ID+"/attachments", "recording", "call.wav", testWAV(100), "en", true)
			if res.StatusCode != http.StatusNotFound || a.Error.Code != "not_found" || a.Error.Message == "" {
				t.Errorf("Agency B uploading onto Agency A's contact: %d %s", res.StatusCode, body)
			}
			if res, _ := other.get(t, base+"/accounts/"+acc); res.StatusCode != http.StatusNotFound {
				t.Errorf("Agency B's account page: %d", res.StatusCode)
			}
		})

		t.Run("LegalHoldByTheVendorManager", func(t *testing.T) {
			if res, _ := agent.postForm(t, base+"/attachments/"+rec.ID+"/legal-hold", url.Values{"reason": {"x"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("a collector's legal hold: %d", res.StatusCode)
			}
			vm := h.pageClient(h.token("vm@demo-bank.test"))
			_, page := vm.get(t, base+"/accounts/"+acc, "Accept-Language", "en")
			if !strings.Contains(page, `data-testid="legal-hold-form"`) || strings.Contains(page, `data-testid="evidence-upload"`) {
				t.Fatalf("the vendor manager's page: hold form and no upload expected")
			}
			res, page := vm.postForm(t, base+"/attachments/"+rec.ID+"/legal-hold", url.Values{"hold": {"true"}, "reason": {" "}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "give the reason for the legal hold") {
				t.Errorf("a hold without a reason: %d", res.StatusCode)
			}
			res, _ = vm.postForm(t, base+"/attachments/"+rec.ID+"/legal-hold", url.Values{"hold": {"true"}, "reason": {"complaint 2026-17 under review"}})
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/accounts/"+acc+"?evidence=held") || !strings.HasSuffix(loc, "#contact-"+call.ID) {
				t.Fatalf("hold: %d to %q", res.StatusCode, loc)
			}
			_, page = vm.get(t, base+loc, "Accept-Language", "en")
			if !strings.Contains(page, `data-testid="attachment-hold"`) || !strings.Contains(page, `data-testid="evidence-flash"`) {
				t.Errorf("the page after the hold shows no hold")
			}
			res, body := h.do("GET", "/api/v1/contacts/"+call.ID+"/attachments", h.token("vm@demo-bank.test"), nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"legal_hold":true`) {
				t.Errorf("the hold is not recorded: %d %s", res.StatusCode, body)
			}
		})

		t.Run("VerifySaysOK", func(t *testing.T) {
			res, _ := agent.postForm(t, base+"/attachments/"+rec.ID+"/verify", url.Values{})
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "evidence=verified") {
				t.Fatalf("verify: %d to %q", res.StatusCode, loc)
			}
			_, page := agent.get(t, base+loc, "Accept-Language", "en")
			if !strings.Contains(page, "Verified: the stored bytes match") || !strings.Contains(page, `data-testid="attachment-verified"`) {
				t.Errorf("the page after the check does not say it matched")
			}
		})

		t.Run("VerifySaysTampered", func(t *testing.T) {
			other := testWAV(300)
			res, a, body := agent.upload(t, base+"/contacts/"+call.ID+"/attachments", "recording", "second.wav", other, "en", true)
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("second upload: %d %s", res.StatusCode, body)
			}
			p := filepath.Join(blobDir, a.SHA256[:2], a.SHA256)
			_ = os.Chmod(p, 0o600)
			changed := append([]byte{}, other...)
			changed[len(changed)-1] ^= 0xFF
			if err := os.WriteFile(p, changed, 0o600); err != nil {
				t.Fatal(err)
			}
			res, _ = agent.postForm(t, base+"/attachments/"+a.ID+"/verify", url.Values{})
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "evidence=tampered") {
				t.Fatalf("verify a changed object: %d to %q", res.StatusCode, loc)
			}
			_, page := agent.get(t, base+loc, "Accept-Language", "zh-CN")
			if !strings.Contains(page, `data-testid="evidence-error"`) || !strings.Contains(page, "不符") {
				t.Errorf("the page after the check does not say the object changed")
			}
		})

		t.Run("RenamedProgramRefused", func(t *testing.T) {
			res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agentToken, map[string]any{"channel": "letter", "party": "debtor", "outcome": "no_answer", "at": day})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("letter: %d %s", res.StatusCode, body)
			}
			var letter struct{ ID string }
			mustJSON(t, body, &letter)
			exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 2000)...)
			for lang, want := range map[string]string{"en": "the file is a program or an archive, not evidence", "zh-CN": "该文件是程序或压缩包，不是证据"} {
				res, a, body := agent.upload(t, base+"/contacts/"+letter.ID+"/attachments", "recording", "x.wav", exe, lang, true)
				if res.StatusCode != http.StatusUnprocessableEntity || a.Error.Code != "invalid" || a.Error.Message != want {
					t.Errorf("%s: a renamed program: %d %s", lang, res.StatusCode, body)
				}
			}
			res, body = h.do("GET", "/api/v1/contacts/"+letter.ID+"/attachments", agentToken, nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"items":[]`) {
				t.Errorf("a refused upload left a row: %d %s", res.StatusCode, body)
			}
			if left, _ := os.ReadDir(blobs.TempDir()); len(left) != 0 {
				t.Errorf("a refused upload left %d spooled files", len(left))
			}
		})

		t.Run("PlainFormUploadAndPersonalData", func(t *testing.T) {
			png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 500)...)
			res, _, _ := agent.upload(t, base+"/contacts/"+call.ID+"/attachments", "photo", "door.png", png, "en", false)
			if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/accounts/"+acc+"#contact-"+call.ID {
				t.Fatalf("a plain form upload: %d to %q", res.StatusCode, loc)
			}
			res, _, page := agent.upload(t, base+"/contacts/"+call.ID+"/attachments", "photo", "x.png", []byte("MZ\x90\x00"), "en", false)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "the file is a program or an archive") {
				t.Errorf("a plain form upload refused: %d", res.StatusCode)
			}
			// The auditor reads no personal data: the photo is not offered.
			auditor := h.pageClient(h.token("auditor@demo-bank.test"))
			_, page = auditor.get(t, base+"/accounts/"+acc, "Accept-Language", "en")
			if !strings.Contains(page, `data-testid="attachment-personal"`) || strings.Contains(page, `data-testid="attachment-download"`) {
				t.Errorf("the auditor is offered the photo")
			}
			_, page = agent.get(t, base+"/accounts/"+acc, "Accept-Language", "en")
			if !strings.Contains(page, `data-testid="attachment-download"`) {
				t.Errorf("the collector is not offered the photo")
			}
		})

		t.Run("OversightQualityColumnsAndWeight", func(t *testing.T) {
			vm := h.pageClient(h.token("vm@demo-bank.test"))
			res, page := vm.get(t, base+"/oversight", "Accept-Language", "en")
			if res.StatusCode != http.StatusOK {
				t.Fatalf("oversight: %d", res.StatusCode)
			}
			for _, want := range []string{"Quality score", "Recordings missing", `data-testid="kpi-quality"`, `data-testid="kpi-recordings-missing"`, `data-testid="weight-quality"`} {
				if !strings.Contains(page, want) {
					t.Errorf("/oversight lacks %s", want)
				}
			}
			res, _ = vm.postForm(t, base+"/oversight/weights", url.Values{"liquidation": {"40"}, "rpc": {"10"}, "ptp_kept": {"10"}, "complaints": {"15"},
				"breaches": {"15"}, "cost_to_collect": {"5"}, "quality": {"5"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("saving weights: %d", res.StatusCode)
			}
			_, page = vm.get(t, base+"/oversight", "Accept-Language", "en")
			if !strings.Contains(page, `name="quality" value="5"`) {
				t.Errorf("the quality weight was not kept")
			}
			res, body := h.do("GET", "/api/v1/oversight/scorecards", h.token("vm@demo-bank.test"), nil)
			var sc struct {
				Weights struct{ Quality float64 } `json:"weights"`
			}
			mustJSON(t, body, &sc)
			if res.StatusCode != http.StatusOK || sc.Weights.Quality != 0.05 {
				t.Errorf("the scorecard's quality weight: %d %s", res.StatusCode, body)
			}
		})
	})
}

// TestBrowserEvidenceUpload: the collector, in Chinese, attaches a recording
// to a call by choosing the file, and a renamed program by dropping it on
// the contact; the script sends both with the CSRF header and shows the
// portal's answer, the recording comes back as a player.
func TestBrowserEvidenceUpload(t *testing.T) {
	h := newHarness(t, "sqlite", portal.Config{})
	bctx := browser(t)
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	base := h.http.URL
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	acc := h.verifiedAccount(agencyA)
	h.store.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc)
	y := time.Now().In(collect.China).AddDate(0, 0, -1)
	day := time.Date(y.Year(), y.Month(), y.Day(), 10, 30, 0, 0, collect.China).Format(time.RFC3339)
	res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", h.token("agent@agency-a.test"),
		map[string]any{"channel": "call", "party": "debtor", "outcome": "right_party_contact", "at": day, "note": "本人接听，承诺周五还款"})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("call: %d %s", res.StatusCode, body)
	}
	var call struct{ ID string }
	mustJSON(t, body, &call)
	wavPath := filepath.Join(t.TempDir(), "通话录音.wav")
	if err := os.WriteFile(wavPath, testWAV(2000), 0o600); err != nil {
		t.Fatal(err)
	}

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	contact := `#contact-` + call.ID
	run("log in in Chinese",
		chromedp.Navigate(base+"/lang/zh?next=/login"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), "agent@agency-a.test"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "demo-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=user-box]`)),
		chromedp.Navigate(base+"/accounts/"+acc),
		chromedp.WaitVisible(chromedp.CSS(contact+` [data-testid=evidence-upload]`)))
	run("choose the recording and upload it",
		chromedp.SetUploadFiles(chromedp.CSS(contact+` [data-testid=evidence-file]`), []string{wavPath}),
		chromedp.Click(chromedp.CSS(contact+` [data-testid=evidence-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(contact+` [data-testid=attachment-audio]`)))
	kind, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(contact+` [data-testid=attachment-kind]`)))
	if kind != "录音" {
		t.Errorf("the kind shows as %q", kind)
	}
	// A program renamed x.wav, dropped on the contact: refused, said in Chinese.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0])], "x.wav", {type: "audio/wav"}));
		const li = document.querySelector(`+"`"+contact+"`"+`);
		li.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
		li.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
	})()`)); err != nil {
		t.Fatalf("drop: %v", err)
	}
	answer, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const o = document.querySelector(`+"`"+contact+` [data-testid=evidence-answer]`+"`"+`);
		return o && o.classList.contains("is-bad") ? o.textContent : "";
	})()`, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || answer != "该文件是程序或压缩包，不是证据" {
		t.Fatalf("the dropped program's answer: %q (%v)", answer, err)
	}
	var n int
	h.store.DB().QueryRow(`SELECT COUNT(*) FROM attachments WHERE contact_id = $1`, call.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("%d attachments on the call, want the recording only", n)
	}
	run("scroll to the evidence", chromedp.ScrollIntoView(chromedp.CSS(`[data-testid=evidence-card]`)))
	if dir := os.Getenv("PORTAL_SCREENSHOTS"); dir != "" {
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`[data-testid=evidence-card]`)))
		if err == nil {
			_ = os.WriteFile(filepath.Join(dir, "evidence-zh.png"), png, 0o644)
		}
		screenshot(t, ctx, "account-evidence-zh")
		// The vendor manager's view: the hold form, then the hold.
		run("the vendor manager holds the recording",
			chromedp.Click(chromedp.CSS(`[data-testid=logout]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-form]`)),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=login-email]`), "vm@demo-bank.test"),
			chromedp.SendKeys(chromedp.CSS(`[data-testid=login-password]`), "demo-password"),
			chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=user-box]`)),
			chromedp.Navigate(base+"/accounts/"+acc+"#contact-"+call.ID),
			chromedp.SendKeys(chromedp.CSS(contact+` [data-testid=legal-hold-reason]`), "投诉调查中"),
			chromedp.Click(chromedp.CSS(contact+` [data-testid=legal-hold-submit]`)),
			chromedp.WaitVisible(chromedp.CSS(contact+` [data-testid=attachment-hold]`)),
			chromedp.ScrollIntoView(chromedp.CSS(`[data-testid=evidence-card]`)))
		if png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`[data-testid=evidence-card]`))); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "evidence-vm-zh.png"), png, 0o644)
		}
		run("the figures with quality", chromedp.Navigate(base+"/oversight"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=kpi-table]`)))
		screenshot(t, ctx, "oversight-zh")
	}
}
