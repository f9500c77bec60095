package portal_test

// An attacker's review of the evidence and quality API (issue 16). The
// TestAttack* tests other than TestAttackRefused each show one problem
// found (they fail until it is fixed); TestAttackRefused keeps the attacks
// that were correctly refused as regression tests.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"collect"
	"collect/evidence/blob"
	"collect/oversight"
	"collect/portal"
	"collect/portal/store/storetest"
)

// attackReq sends a request with a bearer token, optional headers and a
// raw body.
func (h *harness) attackReq(method, path, token string, hdr map[string]string, body io.Reader) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.http.URL+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// attackPart is one part of a hand-made multipart body.
type attackPart struct {
	header textproto.MIMEHeader
	body   []byte
}

func fieldPart(name, value string) attackPart {
	return attackPart{textproto.MIMEHeader{"Content-Disposition": {fmt.Sprintf(`form-data; name=%q`, name)}}, []byte(value)}
}

func filePart(name, fileName string, b []byte) attackPart {
	return attackPart{textproto.MIMEHeader{"Content-Disposition": {fmt.Sprintf(`form-data; name=%q; filename="%s"`, name, fileName)},
		"Content-Type": {"application/octet-stream"}}, b}
}

// attackMultipart posts the parts as multipart/form-data.
func (h *harness) attackMultipart(token, path string, parts ...attackPart) (*http.Response, []byte) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		w, err := mw.CreatePart(p.header)
		if err != nil {
			h.t.Fatal(err)
		}
		w.Write(p.body)
	}
	mw.Close()
	return h.attackReq("POST", path, token, map[string]string{"Content-Type": mw.FormDataContentType()}, &buf)
}

// attackWAV is a WAV header with the given RIFF and data sizes, a fmt
// chunk, and then payload.
func attackWAV(riff, data uint32, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, riff)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, data)
	b.Write(payload)
	return b.Bytes()
}

// zipTail is the smallest ZIP archive (an empty one's end record): a ZIP
// reader (java -jar, unzip) reads an archive from its end, so these bytes
// appended to anything make it a ZIP too.
var zipTail = []byte("PK\x05\x06" + strings.Repeat("\x00", 18))

type attackEnv struct {
	h                   *harness
	agent, other, vm    string
	auditor, sup, admin string
	agencyA, acc        string
	contact             string
	recID, recSHA       string
	wav                 []byte
	docID               string
}

func attackSetup(t *testing.T, dialect string, cfg portal.Config) *attackEnv {
	h := newHarness(t, dialect, cfg)
	e := &attackEnv{h: h, agent: h.token("agent@agency-a.test"), other: h.token("agent@agency-b.test"), vm: h.token("vm@demo-bank.test"),
		auditor: h.token("auditor@demo-bank.test"), sup: h.token("supervisor@agency-a.test"), admin: h.token("admin@platform.test")}
	e.agencyA = h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	e.acc = h.verifiedAccount(e.agencyA)
	e.contact = h.dayCall(e.agent, e.acc, map[string]any{"call_id": "PBX-ATK-1"})
	e.wav = evidenceWAV(2, 440)
	res, body := h.uploadEvidence(e.agent, e.contact, "recording", "call.wav", e.wav, nil)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %d %s", res.StatusCode, body)
	}
	var att struct {
		ID     string
		SHA256 string `json:"sha256"`
	}
	mustJSON(t, body, &att)
	e.recID, e.recSHA = att.ID, att.SHA256
	res, body = h.uploadEvidence(e.agent, e.contact, "document", "letter.pdf", []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"), nil)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("document: %d %s", res.StatusCode, body)
	}
	mustJSON(t, body, &att)
	e.docID = att.ID
	return e
}

func (e *attackEnv) audits(id string) string {
	return e.h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action IN ('attachment.play', 'attachment.download') AND object_id = $1`, id)
}

// Problem 1: the whole recording can be had without an audit event. The
// handler audits only when the Range header is empty or starts
// "bytes=0-"; http.ServeContent then serves the whole object for a suffix
// range, for an If-Range that does not match, and for ranges that add up
// past the size.
func TestAttackRangeAuditBypass(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := attackSetup(t, dialect, portal.Config{})
		h := e.h
		for _, hdr := range []map[string]string{
			{"Range": fmt.Sprintf("bytes=-%d", len(e.wav))},
			{"Range": "bytes=100-200", "If-Range": `"not-the-etag"`},
			{"Range": "bytes=1-,0-"},
		} {
			before := e.audits(e.recID)
			res, b := h.attackReq("GET", "/api/v1/attachments/"+e.recID+"?download=1", e.agent, hdr, nil)
			whole := bytes.Equal(b, e.wav) || (bytes.Contains(b, e.wav[:64]) && bytes.Contains(b, e.wav[len(e.wav)-64:]))
			if !whole {
				t.Logf("%v: %d, %d bytes: not the whole recording", hdr, res.StatusCode, len(b))
				continue
			}
			if after := e.audits(e.recID); after == before {
				t.Errorf("%v: %d served the whole recording (%d bytes) and no attachment.download event was written", hdr, res.StatusCode, len(b))
			}
		}
	})
}

// Problem 2: a WAV with bytes after its RIFF chunk is kept: here an
// appended ZIP (a .jar once saved so), which is the kind of file Sniff
// refuses outright.
func TestAttackPolyglotWAV(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := attackSetup(t, dialect, portal.Config{})
		poly := append(append([]byte{}, e.wav...), zipTail...)
		res, body := e.h.uploadEvidence(e.agent, e.contact, "recording", "call.wav", poly, nil)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("WAV with %d bytes after its RIFF chunk (a ZIP): %d %s, want 422 on file", len(zipTail), res.StatusCode, body)
		}
	})
}

// Problem 3: the download keeps the uploader's file name extension
// (filename*), whatever the content is: a PDF (or a PDF/ZIP polyglot)
// uploaded as "statement.jar" is saved by the browser as statement.jar.
func TestAttackDownloadNameExtension(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := attackSetup(t, dialect, portal.Config{})
		pdf := append([]byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"), zipTail...)
		res, body := e.h.uploadEvidence(e.agent, e.contact, "document", "statement.jar", pdf, nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("document: %d %s", res.StatusCode, body)
		}
		var att struct{ ID string }
		mustJSON(t, body, &att)
		res, _ = e.h.attackReq("GET", "/api/v1/attachments/"+att.ID, e.agent, nil, nil)
		cd := res.Header.Get("Content-Disposition")
		if strings.Contains(strings.ToLower(cd), ".jar") {
			t.Fatalf("Content-Disposition %q: the saved file would be a .jar; the name's extension should be the content type's (.pdf)", cd)
		}
	})
}

// raceBlobs holds an upload's Put until the test has deleted the object it
// just stored, as a failed upload of the same bytes or the retention job
// can between this upload's Put and its row's commit.
type raceBlobs struct {
	blob.Store
	once    sync.Once
	stored  chan struct{} // the upload's Put is done
	proceed chan struct{} // the test has deleted the object
}

func (r *raceBlobs) Put(ctx context.Context, sha string, rd io.Reader, size int64, ct string) error {
	err := r.Store.Put(ctx, sha, rd, size, ct)
	first := false
	r.once.Do(func() { first = true })
	if first {
		close(r.stored)
		select {
		case <-r.proceed:
		case <-time.After(10 * time.Second):
		}
	}
	return err
}

// Problem 4: the object of an upload deleted between its Put and its
// row's commit (by a failed upload of the same bytes, or retention, which
// saw no row yet): the upload must not answer 201 for a recording that is
// gone. It puts the object back from its spooled copy after the commit.
func TestAttackSharedObjectRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		local, err := blob.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		rb := &raceBlobs{Store: local, stored: make(chan struct{}), proceed: make(chan struct{})}
		h := newHarness(t, dialect, portal.Config{Blobs: rb})
		agent := h.token("agent@agency-a.test")
		acc := h.verifiedAccount(h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`))
		c1 := h.dayCall(agent, acc, nil)
		wav := evidenceWAV(1, 880)
		sha, _, _ := blob.Hash(bytes.NewReader(wav))
		go func() {
			<-rb.stored
			// No row names the object yet: the guarded delete goes ahead.
			if err := h.store.DeleteUnusedObject(context.Background(), sha, func() error { return local.Delete(context.Background(), sha) }); err != nil {
				t.Error(err)
			}
			close(rb.proceed)
		}()
		res, body := h.uploadEvidence(agent, c1, "recording", "b.wav", wav, nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.StatusCode, body)
		}
		var att struct{ ID string }
		mustJSON(t, body, &att)
		if res, b := h.do("GET", "/api/v1/attachments/"+att.ID, agent, nil); res.StatusCode != 200 || !bytes.Equal(b, wav) {
			t.Fatalf("the recording answered 201: %d %s; its object was deleted before its row was committed and not put back", res.StatusCode, b)
		}
		// Once the row is there, the guarded delete leaves the object alone.
		if err := h.store.DeleteUnusedObject(context.Background(), sha, func() error { return local.Delete(context.Background(), sha) }); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := blob.Verify(context.Background(), local, sha); err != nil || !ok {
			t.Fatalf("after a guarded delete with a row naming it: %v %v", ok, err)
		}
	})
}

// Problem 5: an upload without a Content-Length is not held to
// maxUploadRequest (only an announced length is checked): the route's 8 GB
// limit applies, and parts the handler does not know are read and thrown
// away without bound.
func TestAttackChunkedUploadOverLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 530 MB")
	}
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	agent := h.token("agent@agency-a.test")
	acc := h.verifiedAccount(h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`))
	contact := h.dayCall(agent, acc, nil)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("kind", "recording")
		chunk := bytes.Repeat([]byte("j"), 1<<20)
		for i := 0; i < 10; i++ { // ten junk parts of 53 MB each
			w, _ := mw.CreateFormField(fmt.Sprintf("junk%d", i))
			for j := 0; j < 53; j++ {
				if _, err := w.Write(chunk); err != nil {
					pw.CloseWithError(err)
					return
				}
			}
		}
		fw, _ := mw.CreateFormFile("file", "call.wav")
		fw.Write(evidenceWAV(1, 440))
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/contacts/"+contact+"/attachments", pr)
	req.ContentLength = -1 // chunked
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+agent)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("request: %v", err)
		return
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusCreated {
		t.Fatalf("a 530 MB chunked upload (over maxUploadRequest, 513 MB) was read whole and kept: %d %s", res.StatusCode, b)
	}
}

// Problem 6: a week that is not written as ISO (2026-W1x, 2026-W+1) is
// taken as week 1 and stored as the draw's period in that spelling.
func TestAttackWeekSpelling(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm := h.token("vm@demo-bank.test")
		res, body := h.do("POST", "/api/v1/qa/plans", vm, map[string]any{"name": "attack", "random_share": 0.1, "seed": 1})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("plan: %d %s", res.StatusCode, body)
		}
		var plan struct{ ID string }
		mustJSON(t, body, &plan)
		for _, w := range []string{"2026-W1x", "2026-W+1", "2026-W 1"} {
			res, body := h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", vm, map[string]string{"week": w})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("draw week %q: %d %.200s, want 422 on week", w, res.StatusCode, body)
			}
		}
	})
}

// Problem 7: decodeJSON's "one object" check (dec.More) lets a closing
// bracket or brace after the object through.
func TestAttackJSONTrailingBracket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "sqlite", portal.Config{})
	vm := h.token("vm@demo-bank.test")
	for _, tail := range []string{"}", "]", "]]]}"} {
		res, body := h.do("POST", "/api/v1/qa/plans", vm, `{"name":"trailing","random_share":0.1}`+tail)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("JSON body with %q after the object: %d %.200s, want 400", tail, res.StatusCode, body)
		}
	}
}

// TestAttackRefused: the attacks the server refused as it should.
func TestAttackRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := attackSetup(t, dialect, portal.Config{})
		h := e.h
		up := "/api/v1/contacts/" + e.contact + "/attachments"

		t.Run("odd ids", func(t *testing.T) {
			for _, id := range []string{"..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e", e.recSHA, "x' OR '1'='1", strings.Repeat("a", 5000), e.recID + "%20"} {
				res, b := h.attackReq("GET", "/api/v1/attachments/"+id, e.agent, nil, nil)
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("GET /attachments/%.40s: %d %.200s, want 404", id, res.StatusCode, b)
				}
			}
			for _, id := range []string{"%00", "%ff%fe"} {
				if res, _ := h.attackReq("GET", "/api/v1/attachments/"+id, e.agent, nil, nil); res.StatusCode != http.StatusBadRequest {
					t.Errorf("GET /attachments/%s: %d, want 400", id, res.StatusCode)
				}
			}
		})

		t.Run("other tenant and platform", func(t *testing.T) {
			for _, p := range []string{"/api/v1/attachments/" + e.recID, "/api/v1/attachments/" + e.docID, "/api/v1/attachments/" + e.recID + "/verify",
				"/api/v1/contacts/" + e.contact + "/attachments"} {
				if res, _ := h.do("GET", p, e.other, nil); res.StatusCode != http.StatusNotFound {
					t.Errorf("agency B GET %s: %d, want 404", p, res.StatusCode)
				}
				if res, _ := h.do("GET", p, e.admin, nil); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
					t.Errorf("platform admin GET %s: %d", p, res.StatusCode)
				}
			}
			if res, _ := h.uploadEvidence(e.other, e.contact, "recording", "x.wav", e.wav, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("agency B uploads to A's contact: %d", res.StatusCode)
			}
			if res, _ := h.do("POST", "/api/v1/attachments/"+e.recID+"/legal-hold", e.other, map[string]any{"hold": true, "reason": "x"}); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
				t.Errorf("agency B holds A's recording: %d", res.StatusCode)
			}
			if res, _ := h.do("POST", "/api/v1/attachments/"+e.recID+"/legal-hold", e.sup, map[string]any{"hold": false, "reason": "x"}); res.StatusCode != http.StatusForbidden {
				t.Errorf("agency supervisor lifts a hold: %d", res.StatusCode)
			}
		})

		t.Run("auditor documents and recordings", func(t *testing.T) {
			if res, _ := h.do("GET", "/api/v1/attachments/"+e.docID, e.auditor, nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("auditor downloads a document: %d, want 403", res.StatusCode)
			}
			if res, _ := h.do("GET", "/api/v1/attachments/"+e.docID+"?download=1", e.auditor, nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("auditor downloads a document (download=1): %d, want 403", res.StatusCode)
			}
			if res, b := h.do("GET", "/api/v1/attachments/"+e.recID, e.auditor, nil); res.StatusCode != 200 || !bytes.Equal(b, e.wav) {
				t.Errorf("auditor plays a recording: %d", res.StatusCode)
			}
		})

		t.Run("multipart", func(t *testing.T) {
			for name, c := range map[string]struct {
				parts []attackPart
				code  int
			}{
				"two files":        {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a.wav", e.wav), filePart("file", "b.wav", e.wav)}, 422},
				"huge kind":        {[]attackPart{fieldPart("kind", strings.Repeat("k", 1<<20)), filePart("file", "a.wav", e.wav)}, 422},
				"NUL file name":    {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a\x00.wav", e.wav)}, 400},
				"bad UTF-8 name":   {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a\xff.wav", e.wav)}, 400},
				"NUL call_id":      {[]attackPart{fieldPart("kind", "recording"), fieldPart("call_id", "x\x00y"), filePart("file", "a.wav", e.wav)}, 400},
				"bad UTF-8 callid": {[]attackPart{fieldPart("kind", "recording"), fieldPart("call_id", "\xc3\x28"), filePart("file", "a.wav", e.wav)}, 400},
				"no file":          {[]attackPart{fieldPart("kind", "recording")}, 422},
				"RIFF 0xFFFFFFFF":  {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a.wav", attackWAV(0xFFFFFFFF, 16, make([]byte, 16)))}, 422},
				"data 0xFFFFFFFF":  {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a.wav", attackWAV(36+16, 0xFFFFFFFF, make([]byte, 16)))}, 422},
				"data past end":    {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a.wav", attackWAV(36+1000, 1000, make([]byte, 16)))}, 422},
				"truncated header": {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a.wav", []byte("RIFF\x04\x00\x00\x00WAVE"))}, 422},
				"header only":      {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a.wav", []byte("RIFF\x04\x00\x00\x00WAV"))}, 422},
				"looping chunks": {[]attackPart{fieldPart("kind", "recording"), filePart("file", "a.wav",
					append([]byte("RIFF\x00\x10\x00\x00WAVE"), bytes.Repeat([]byte("LIST\x00\x00\x00\x00"), 600)...))}, 422},
				"PE as wav": {[]attackPart{fieldPart("kind", "recording"), filePart("file", "setup.wav", append([]byte("MZ"), make([]byte, 100)...))}, 422},
			} {
				res, b := h.attackMultipart(e.agent, up, c.parts...)
				if res.StatusCode != c.code {
					t.Errorf("%s: %d %.300s, want %d", name, res.StatusCode, b, c.code)
				}
			}
		})

		t.Run("file names", func(t *testing.T) {
			for _, fn := range []string{"../../etc/passwd.wav", `..\..\boot.wav`} {
				res, b := h.attackMultipart(e.agent, up, fieldPart("kind", "recording"), filePart("file", fn, evidenceWAV(1, 123)))
				if res.StatusCode != http.StatusCreated {
					t.Errorf("%q: %d %s", fn, res.StatusCode, b)
					continue
				}
				var att struct {
					ID       string
					FileName string `json:"file_name"`
				}
				mustJSON(t, b, &att)
				if strings.ContainsAny(att.FileName, `/\`) {
					t.Errorf("%q kept as %q", fn, att.FileName)
				}
			}
			// CR LF through RFC 2231 encoding of the part's file name.
			p := attackPart{textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename*=UTF-8''a%0D%0AX-Evil%3A%201%0D%0A.wav`}}, evidenceWAV(1, 321)}
			res, b := h.attackMultipart(e.agent, up, fieldPart("kind", "recording"), p)
			if res.StatusCode == http.StatusCreated {
				var att struct{ ID string }
				mustJSON(t, b, &att)
				res, _ := h.attackReq("GET", "/api/v1/attachments/"+att.ID+"?download=1", e.agent, nil, nil)
				cd := res.Header.Get("Content-Disposition")
				if res.Header.Get("X-Evil") != "" || strings.ContainsAny(cd, "\r\n") {
					t.Errorf("header split: %q", cd)
				}
			} else if res.StatusCode != http.StatusBadRequest {
				t.Errorf("CRLF file name: %d %s", res.StatusCode, b)
			}
		})

		t.Run("ranges", func(t *testing.T) {
			get := func(rng string) (*http.Response, []byte) {
				return h.attackReq("GET", "/api/v1/attachments/"+e.recID, e.agent, map[string]string{"Range": rng}, nil)
			}
			for _, rng := range []string{"bytes=abc", "bytes=99999999-", "bytes=5-2", fmt.Sprintf("bytes=%d-", len(e.wav))} {
				if res, _ := get(rng); res.StatusCode != http.StatusRequestedRangeNotSatisfiable {
					t.Errorf("Range %q: %d, want 416", rng, res.StatusCode)
				}
			}
			res, b := get("bytes=0-1,10-11")
			if res.StatusCode != http.StatusPartialContent || !strings.HasPrefix(res.Header.Get("Content-Type"), "multipart/byteranges") || len(b) > 1000 {
				t.Errorf("multi-range: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if res, b := get("bytes=10-19"); res.StatusCode != http.StatusPartialContent || !bytes.Equal(b, e.wav[10:20]) {
				t.Errorf("range 10-19: %d", res.StatusCode)
			}
		})

		t.Run("bulk", func(t *testing.T) {
			bulk := "/api/v1/attachments/bulk"
			if res, b := h.attackMultipart(e.agent, bulk, filePart("file", "a.wav", e.wav), fieldPart("manifest", `[{"file":"a.wav","call_id":"PBX-ATK-1"}]`)); res.StatusCode != 422 || !strings.Contains(string(b), `"manifest"`) {
				t.Errorf("manifest after files: %d %s", res.StatusCode, b)
			}
			if res, b := h.attackMultipart(e.agent, bulk, fieldPart("manifest", `not json`), filePart("file", "a.wav", e.wav)); res.StatusCode != 422 {
				t.Errorf("manifest not JSON: %d %s", res.StatusCode, b)
			}
			var long strings.Builder
			long.WriteString("[")
			for i := 0; i < 1001; i++ {
				if i > 0 {
					long.WriteString(",")
				}
				fmt.Fprintf(&long, `{"file":"f%d.wav"}`, i)
			}
			long.WriteString("]")
			if res, b := h.attackMultipart(e.agent, bulk, fieldPart("manifest", long.String()), filePart("file", "f1.wav", e.wav)); res.StatusCode != 422 {
				t.Errorf("1001 entries: %d %.200s", res.StatusCode, b)
			}
			// Agency B's call id, a file not in the manifest.
			otherAgency := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency B'`)
			accB := h.verifiedAccount(otherAgency)
			h.dayCall(e.other, accB, map[string]any{"call_id": "PBX-B-1"})
			res, b := h.attackMultipart(e.agent, bulk, fieldPart("manifest", `[{"file":"b.wav","call_id":"PBX-B-1"}]`),
				filePart("file", "b.wav", evidenceWAV(1, 222)), filePart("file", "stray.wav", evidenceWAV(1, 223)))
			if res.StatusCode != 200 || !strings.Contains(string(b), `"matched":0`) || strings.Count(string(b), `"error"`) != 2 {
				t.Errorf("bulk with B's call id and a stray file: %d %s", res.StatusCode, b)
			}
			if n := h.queryOne(`SELECT COUNT(*) FROM attachments WHERE agency_id = $1`, otherAgency); n != "0" {
				t.Errorf("agency A's bulk upload put %s attachments on agency B", n)
			}
			// Agency B's own bulk cannot reach agency A's call.
			res, b = h.attackMultipart(e.other, bulk, fieldPart("manifest", `[{"file":"a.wav","call_id":"PBX-ATK-1"}]`), filePart("file", "a.wav", evidenceWAV(1, 224)))
			if res.StatusCode != 200 || !strings.Contains(string(b), `"matched":0`) {
				t.Errorf("agency B's bulk names A's call: %d %s", res.StatusCode, b)
			}
		})

		t.Run("quality", func(t *testing.T) {
			res, body := h.do("POST", "/api/v1/qa/plans", e.vm, map[string]any{"name": "atk", "random_share": 1, "seed": 3})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("plan: %d %s", res.StatusCode, body)
			}
			var plan struct{ ID string }
			mustJSON(t, body, &plan)
			// A collector neither draws nor reviews; another agency sees nothing.
			if res, _ := h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", e.agent, nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("collector draws: %d", res.StatusCode)
			}
			for _, w := range []string{"2026-W99", "../../", "2026-W01' OR '1'='1", "2026-W00", "1999-W01"} {
				if res, _ := h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", e.vm, map[string]string{"week": w}); res.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("week %q: %d, want 422", w, res.StatusCode)
				}
			}
			if res, _ := h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", e.vm, `{"week":"","extra":1}`); res.StatusCode != http.StatusBadRequest {
				t.Errorf("unknown field: %d", res.StatusCode)
			}
			if res, _ := h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", e.vm, `{"week":""}{"week":""}`); res.StatusCode != http.StatusBadRequest {
				t.Errorf("two objects: %d", res.StatusCode)
			}
			week := oversight.WeekOf(time.Now().In(collect.China).AddDate(0, 0, -1), collect.China)
			res, body = h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", e.vm, map[string]string{"week": week})
			if res.StatusCode != 200 {
				t.Fatalf("draw: %d %s", res.StatusCode, body)
			}
			var draw struct {
				Items []struct {
					ID        string
					Checklist []struct{ Item string }
				}
			}
			mustJSON(t, body, &draw)
			if len(draw.Items) == 0 {
				t.Fatalf("nothing drawn: %s", body)
			}
			smp := draw.Items[0]
			var items []map[string]string
			for _, it := range smp.Checklist {
				items = append(items, map[string]string{"item": it.Item, "result": "pass"})
			}
			review := "/api/v1/qa/samples/" + smp.ID + "/review"
			if res, _ := h.do("POST", review, e.agent, map[string]any{"items": items}); res.StatusCode != http.StatusForbidden {
				t.Errorf("collector reviews: %d", res.StatusCode)
			}
			if res, _ := h.do("POST", review, e.sup, map[string]any{"items": items}); res.StatusCode != http.StatusNotFound {
				t.Errorf("agency supervisor reviews the lender's sample: %d", res.StatusCode)
			}
			if res, _ := h.do("GET", "/api/v1/qa/samples/"+smp.ID, e.other, nil); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
				t.Errorf("agency B reads the sample: %d", res.StatusCode)
			}
			with := func(f func([]map[string]string) []map[string]string) []map[string]string {
				cp := make([]map[string]string, 0, len(items))
				for _, it := range items {
					cp = append(cp, map[string]string{"item": it["item"], "result": it["result"]})
				}
				return f(cp)
			}
			for name, its := range map[string][]map[string]string{
				"unknown item": with(func(x []map[string]string) []map[string]string {
					return append(x, map[string]string{"item": "nope", "result": "pass"})
				}),
				"duplicate":    with(func(x []map[string]string) []map[string]string { return append(x, x[0]) }),
				"missing":      with(func(x []map[string]string) []map[string]string { return x[1:] }),
				"PASS":         with(func(x []map[string]string) []map[string]string { x[0]["result"] = "PASS"; return x }),
				"maybe":        with(func(x []map[string]string) []map[string]string { x[0]["result"] = "maybe"; return x }),
				"empty result": with(func(x []map[string]string) []map[string]string { x[0]["result"] = ""; return x }),
			} {
				if res, b := h.do("POST", review, e.vm, map[string]any{"items": its}); res.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("review %s: %d %.200s, want 422", name, res.StatusCode, b)
				}
			}
			if res, _ := h.do("POST", review, e.vm, map[string]any{"items": items, "note": strings.Repeat("长", 4001)}); res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("note of 4001 characters: %d", res.StatusCode)
			}
			if res, _ := h.do("POST", review, e.vm, map[string]any{"items": items, "note": strings.Repeat("n", 10<<20)}); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("10 MB note: %d", res.StatusCode)
			}
			if res, _ := h.do("POST", review, e.vm, map[string]any{"items": items, "score": 100}); res.StatusCode != http.StatusBadRequest {
				t.Errorf("review with a score of its own: %d", res.StatusCode)
			}
			if n := h.queryOne(`SELECT COUNT(*) FROM qa_reviews WHERE sample_id = $1`, smp.ID); n != "0" {
				t.Errorf("refused reviews left %s rows", n)
			}
			if res, b := h.do("POST", review, e.vm, map[string]any{"items": items}); res.StatusCode != http.StatusCreated {
				t.Errorf("the good review: %d %s", res.StatusCode, b)
			}
		})
	})
}
