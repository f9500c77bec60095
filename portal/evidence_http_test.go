package portal_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"collect"
	"collect/evidence/blob"
	"collect/oversight"
	"collect/portal"
	"collect/portal/store/storetest"
)

// evidenceWAV is a seconds-long 8 kHz mono 16-bit PCM sine, a call's
// recording as a telephony system would send it.
func evidenceWAV(seconds float64, tone float64) []byte {
	n := int(8000 * seconds)
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+2*n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(2*n))
	for i := 0; i < n; i++ {
		binary.Write(&b, binary.LittleEndian, int16(8000*math.Sin(2*math.Pi*tone*float64(i)/8000)))
	}
	return b.Bytes()
}

// uploadEvidence posts one file to a contact as the API's multipart.
func (h *harness) uploadEvidence(token, contactID, kind, name string, content []byte, extra map[string]string) (*http.Response, []byte) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", kind)
	for k, v := range extra {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/contacts/"+contactID+"/attachments", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// dayCall records a connected call yesterday at 10:30 China time on acc.
func (h *harness) dayCall(token, acc string, extra map[string]any) string {
	h.t.Helper()
	y := time.Now().In(collect.China).AddDate(0, 0, -1)
	body := map[string]any{"channel": "call", "party": "debtor", "outcome": "right_party_contact",
		"at": time.Date(y.Year(), y.Month(), y.Day(), 10, 30, 0, 0, collect.China).Format(time.RFC3339), "note": "本人接听"}
	for k, v := range extra {
		body[k] = v
	}
	res, b := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", token, body)
	if res.StatusCode != http.StatusCreated {
		h.t.Fatalf("call: %d %s", res.StatusCode, b)
	}
	var c struct{ ID string }
	mustJSON(h.t, b, &c)
	return c.ID
}

// evidenceStores are the blob stores the evidence tests run on: the data
// folder's always, and the S3-compatible server CI starts (TEST_S3_URL).
func evidenceStores(t *testing.T) map[string]func(t *testing.T) (blob.Store, func(sha string)) {
	out := map[string]func(t *testing.T) (blob.Store, func(sha string)){
		"local": func(t *testing.T) (blob.Store, func(string)) {
			dir := t.TempDir()
			l, err := blob.NewLocal(dir)
			if err != nil {
				t.Fatal(err)
			}
			return l, func(sha string) { // change one byte of the stored object in place
				p := filepath.Join(dir, sha[:2], sha)
				os.Chmod(p, 0o600)
				b, _ := os.ReadFile(p)
				b[len(b)-1] ^= 0xFF
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		},
	}
	if u := os.Getenv("TEST_S3_URL"); u != "" {
		out["s3"] = func(t *testing.T) (blob.Store, func(string)) {
			prefixed := strings.Replace(u, "?", "/"+strings.ReplaceAll(t.Name(), "/", "-")+"?", 1)
			if !strings.Contains(u, "?") {
				prefixed = u + "/" + strings.ReplaceAll(t.Name(), "/", "-")
			}
			st, err := blob.NewS3(context.Background(), prefixed, os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			return st, func(sha string) { // the object gone from the bucket
				if err := st.Delete(context.Background(), sha); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return out
}

// TestEvidenceOverHTTP drives API.md's evidence endpoints on each database
// and each blob store: a recording uploaded against its call, listed,
// streamed whole and by range, verified; who may listen; bad files refused
// leaving nothing behind; a changed object caught on download and verify.
func TestEvidenceOverHTTP(t *testing.T) {
	t.Parallel()
	for name, open := range evidenceStores(t) {
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, dialect string) {
				blobs, tamper := open(t)
				h := newHarness(t, dialect, portal.Config{Blobs: blobs})
				agent, other, vm, auditor := h.token("agent@agency-a.test"), h.token("agent@agency-b.test"), h.token("vm@demo-bank.test"), h.token("auditor@demo-bank.test")
				agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
				acc := h.verifiedAccount(agencyA)
				contact := h.dayCall(agent, acc, map[string]any{"call_id": "PBX-0001"})
				wav := evidenceWAV(3, 440)

				res, body := h.uploadEvidence(agent, contact, "recording", "call.wav", wav, map[string]string{"call_id": "PBX-0001"})
				if res.StatusCode != http.StatusCreated {
					t.Fatalf("upload: %d %s", res.StatusCode, body)
				}
				var att struct {
					ID          string
					SHA256      string `json:"sha256"`
					ContentType string `json:"content_type"`
					Size        int64
					RetainUntil time.Time `json:"retain_until"`
					DurationMS  int64     `json:"duration_ms"`
				}
				mustJSON(t, body, &att)
				sha, _, _ := blob.Hash(bytes.NewReader(wav))
				if att.SHA256 != sha || att.Size != int64(len(wav)) || att.ContentType != "audio/wav" || att.DurationMS != 3000 {
					t.Fatalf("upload answer %s: want sha %s, size %d, audio/wav, 3000 ms", body, sha, len(wav))
				}
				// China keeps records at least two years after the contact.
				if d := time.Until(att.RetainUntil); d < 729*24*time.Hour || d > 731*24*time.Hour {
					t.Fatalf("retain_until %s: want two years after yesterday's call", att.RetainUntil)
				}
				if got := h.queryOne(`SELECT recording_sha256 FROM contacts WHERE id = $1`, contact); got != sha {
					t.Fatalf("the contact row holds %q, want the recording's hash", got)
				}
				if n := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action = 'attachment.upload' AND summary LIKE $1`, "%"+sha+"%"); n != "1" {
					t.Fatalf("audit events of the upload naming its hash: %s", n)
				}
				res, body = h.do("GET", "/api/v1/contacts/"+contact+"/attachments", vm, nil)
				if res.StatusCode != 200 || !strings.Contains(string(body), att.ID) {
					t.Fatalf("the lender's list: %d %s", res.StatusCode, body)
				}

				// The bytes, whole and by range, to the lender's auditor too.
				get := func(token, rng string) (*http.Response, []byte) {
					req, _ := http.NewRequest("GET", h.http.URL+"/api/v1/attachments/"+att.ID, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					if rng != "" {
						req.Header.Set("Range", rng)
					}
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer res.Body.Close()
					b, _ := io.ReadAll(res.Body)
					return res, b
				}
				if res, b := get(auditor, ""); res.StatusCode != 200 || !bytes.Equal(b, wav) || res.Header.Get("Content-Type") != "audio/wav" {
					t.Fatalf("auditor plays: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(b))
				}
				if res, b := get(agent, "bytes=1000-1999"); res.StatusCode != http.StatusPartialContent || !bytes.Equal(b, wav[1000:2000]) ||
					res.Header.Get("Content-Range") != fmt.Sprintf("bytes 1000-1999/%d", len(wav)) {
					t.Fatalf("range: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Range"), len(b))
				}
				if n := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action = 'attachment.play' AND object_id = $1`, att.ID); n != "1" {
					t.Fatalf("plays audited: %s, want the whole play only (not the range that followed)", n)
				}
				res, body = h.do("GET", "/api/v1/attachments/"+att.ID+"/verify", auditor, nil)
				if res.StatusCode != 200 || !strings.Contains(string(body), `"ok":true`) || !strings.Contains(string(body), `"sha256":"`+sha+`"`) {
					t.Fatalf("verify: %d %s", res.StatusCode, body)
				}

				// Another agency: 404 everywhere, as for a missing id.
				for _, p := range []string{"/api/v1/attachments/" + att.ID, "/api/v1/attachments/" + att.ID + "/verify", "/api/v1/contacts/" + contact + "/attachments"} {
					if res, _ := h.do("GET", p, other, nil); res.StatusCode != http.StatusNotFound {
						t.Fatalf("agency B GET %s: %d", p, res.StatusCode)
					}
				}
				if res, body := h.uploadEvidence(other, contact, "recording", "call.wav", wav, nil); res.StatusCode != http.StatusNotFound {
					t.Fatalf("agency B uploads to agency A's call: %d %s", res.StatusCode, body)
				}

				// Bad files: each a 422 naming the field; nothing stays.
				rows := h.queryOne(`SELECT COUNT(*) FROM attachments`)
				for _, c := range []struct {
					name, kind string
					content    []byte
					field      string
				}{
					{"setup.wav", "recording", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...), "file"},
					{"x.wav", "recording", []byte("\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 100)), "file"},
					{"cut.wav", "recording", wav[:len(wav)/2], "file"},
					{"notes.wav", "recording", []byte("just text, called .wav"), "file"},
					{"scan.pdf", "recording", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n"), "file"},
					{"call.wav", "photo", wav, "file"},
					{"call.wav", "tape", wav, "kind"},
					{"empty.wav", "recording", nil, "file"},
				} {
					res, body := h.uploadEvidence(agent, contact, c.kind, c.name, c.content, nil)
					if res.StatusCode != http.StatusUnprocessableEntity || errorCode(t, body) != "invalid" || !strings.Contains(string(body), `"field":"`+c.field+`"`) {
						t.Fatalf("%s as %s: %d %s", c.name, c.kind, res.StatusCode, body)
					}
				}
				if n := h.queryOne(`SELECT COUNT(*) FROM attachments`); n != rows {
					t.Fatalf("attachments after refused uploads: %s, want %s", n, rows)
				}
				// A 2 GB upload is refused from its announced length, before it is read.
				req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/contacts/"+contact+"/attachments", io.LimitReader(zeros{}, 2<<30))
				req.ContentLength = 2 << 30
				req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
				req.Header.Set("Authorization", "Bearer "+agent)
				start := time.Now()
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `"field":"file"`) || time.Since(start) > 10*time.Second {
					t.Fatalf("2 GB upload: %d %s after %s", res.StatusCode, b, time.Since(start))
				}

				// A document: the collector may download it, the auditor
				// (no personal data) may not.
				pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
				res, body = h.uploadEvidence(agent, contact, "document", "letter.pdf", pdf, nil)
				if res.StatusCode != http.StatusCreated {
					t.Fatalf("document: %d %s", res.StatusCode, body)
				}
				var doc struct{ ID string }
				mustJSON(t, body, &doc)
				if res, _ := h.do("GET", "/api/v1/attachments/"+doc.ID, auditor, nil); res.StatusCode != http.StatusForbidden {
					t.Fatalf("auditor downloads a document: %d", res.StatusCode)
				}
				if res, b := h.do("GET", "/api/v1/attachments/"+doc.ID, agent, nil); res.StatusCode != 200 || !bytes.Equal(b, pdf) ||
					!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
					t.Fatalf("collector downloads the document: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
				}

				// The stored object changed behind the portal's back.
				tamper(sha)
				if res, body := get(agent, ""); res.StatusCode != http.StatusConflict || errorCode(t, body) != "conflict" {
					t.Fatalf("download of a changed object: %d %s", res.StatusCode, body)
				}
				res, body = h.do("GET", "/api/v1/attachments/"+att.ID+"/verify", auditor, nil)
				if res.StatusCode != 200 || !strings.Contains(string(body), `"ok":false`) {
					t.Fatalf("verify after tampering: %d %s", res.StatusCode, body)
				}
				if n := h.queryOne(`SELECT COUNT(*) FROM audit_events WHERE action = 'attachment.tampered' AND object_id = $1`, att.ID); n == "0" {
					t.Fatal("tampering is not in the audit trail")
				}
			})
		})
	}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestBulkRecordingsOverHTTP uploads a telephony system's batch: one
// recording matched by its call id, one by its time, one matching no call
// and one refused; each stands alone.
func TestBulkRecordingsOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agent := h.token("agent@agency-a.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		byID := h.dayCall(agent, acc, map[string]any{"call_id": "PBX-77"})
		y := time.Now().In(collect.China).AddDate(0, 0, -1)
		at := time.Date(y.Year(), y.Month(), y.Day(), 13, 13, 13, 0, collect.China)
		byTime := h.dayCall(agent, acc, map[string]any{"at": at.Format(time.RFC3339)})

		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("manifest", fmt.Sprintf(`[{"file":"a.wav","call_id":"PBX-77"},{"file":"b.wav","at":%q},{"file":"c.wav","call_id":"NOPE"},{"file":"d.wav","call_id":"PBX-77"}]`,
			at.Add(40*time.Second).Format(time.RFC3339)))
		for _, f := range []struct {
			name string
			b    []byte
		}{{"a.wav", evidenceWAV(1, 300)}, {"b.wav", evidenceWAV(1, 500)}, {"c.wav", evidenceWAV(1, 700)}, {"d.wav", []byte("MZ not audio")}} {
			fw, _ := mw.CreateFormFile("file", f.name)
			fw.Write(f.b)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/attachments/bulk", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+agent)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var out struct {
			Matched, Unmatched int
			Items              []struct {
				File      string
				ContactID string `json:"contact_id"`
				Error     *struct{ Code, Field string }
			}
		}
		mustJSON(t, body, &out)
		if res.StatusCode != 200 || out.Matched != 2 || out.Unmatched != 2 || len(out.Items) != 4 {
			t.Fatalf("bulk: %d %s", res.StatusCode, body)
		}
		want := []struct{ contact, code string }{{byID, ""}, {byTime, ""}, {"", "not_found"}, {"", "invalid"}}
		for i, w := range want {
			it := out.Items[i]
			code := ""
			if it.Error != nil {
				code = it.Error.Code
			}
			if (w.contact != "" && it.ContactID != w.contact) || code != w.code {
				t.Fatalf("item %d: %+v, want contact %q code %q (%s)", i, it, w.contact, w.code, body)
			}
		}
		if n := h.queryOne(`SELECT COUNT(*) FROM attachments WHERE contact_id IN ($1, $2)`, byID, byTime); n != "2" {
			t.Fatalf("recordings kept: %s", n)
		}
	})
}

// TestQualityOverHTTP: a plan, its draw, a review that fails a critical
// item (a breach of source quality), a calibration review, the agency's
// answer, the figures, and 404 outside the owner.
func TestQualityOverHTTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agent, vm, auditor := h.token("agent@agency-a.test"), h.token("vm@demo-bank.test"), h.token("auditor@demo-bank.test")
		sup, other := h.token("supervisor@agency-a.test"), h.token("agent@agency-b.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		contact := h.dayCall(agent, acc, nil)
		if res, body := h.uploadEvidence(agent, contact, "recording", "call.wav", evidenceWAV(2, 440), nil); res.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.StatusCode, body)
		}
		res, body := h.do("POST", "/api/v1/qa/plans", vm, map[string]any{"name": "每周抽检", "random_share": 1, "include": []string{"complaints", "breaches", "new_collectors"}, "seed": 7})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("plan: %d %s", res.StatusCode, body)
		}
		var plan struct{ ID string }
		mustJSON(t, body, &plan)
		for _, bad := range []map[string]any{{"name": "x", "random_share": 1.5}, {"name": "", "random_share": 0.1}, {"name": "x", "random_share": 0.1, "include": []string{"everything"}}} {
			if res, body := h.do("POST", "/api/v1/qa/plans", vm, bad); res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("plan %v: %d %s", bad, res.StatusCode, body)
			}
		}
		week := oversight.WeekOf(time.Now().In(collect.China).AddDate(0, 0, -1), collect.China)
		res, body = h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", vm, map[string]string{"week": week})
		if res.StatusCode != 200 || !strings.Contains(string(body), contact) {
			t.Fatalf("draw: %d %s", res.StatusCode, body)
		}
		// Drawing again draws the same sample, adding nothing.
		res2, body2 := h.do("POST", "/api/v1/qa/plans/"+plan.ID+"/draw", vm, map[string]string{"week": week})
		if res2.StatusCode != 200 || !strings.Contains(string(body2), `"added":0`) {
			t.Fatalf("second draw: %d %s", res2.StatusCode, body2)
		}
		res, body = h.do("GET", "/api/v1/qa/samples?per_page=500&plan="+plan.ID, auditor, nil)
		var samples struct {
			Items []struct {
				ID        string
				ContactID string `json:"contact_id"`
				Checklist []struct {
					Item     string
					Critical bool
					Weight   float64
				}
			}
		}
		mustJSON(t, body, &samples)
		var sampleID string
		var items []map[string]string
		for _, s := range samples.Items {
			if s.ContactID == contact {
				sampleID = s.ID
				for _, it := range s.Checklist {
					r := "pass"
					if it.Item == "no_threats" {
						r = "fail"
					}
					items = append(items, map[string]string{"item": it.Item, "result": r})
				}
			}
		}
		if sampleID == "" || len(items) < 5 {
			t.Fatalf("samples: %s", body)
		}
		if res, body := h.do("POST", "/api/v1/qa/samples/"+sampleID+"/review", vm, map[string]any{"items": items[:2]}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("a review judging two items: %d %s", res.StatusCode, body)
		}
		res, body = h.do("POST", "/api/v1/qa/samples/"+sampleID+"/review", vm, map[string]any{"items": items, "note": "威胁用语"})
		var rev struct {
			Score    *float64
			Findings []struct {
				Item     string
				Critical bool
				BreachID string `json:"breach_id"`
			}
		}
		mustJSON(t, body, &rev)
		if res.StatusCode != http.StatusCreated || rev.Score == nil || *rev.Score != 0 || len(rev.Findings) != 1 || rev.Findings[0].BreachID == "" {
			t.Fatalf("review: %d %s", res.StatusCode, body)
		}
		res, body = h.do("GET", "/api/v1/oversight/breaches", vm, nil)
		if !strings.Contains(string(body), `"source":"quality"`) || !strings.Contains(string(body), rev.Findings[0].BreachID) {
			t.Fatalf("the quality breach: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("POST", "/api/v1/qa/samples/"+sampleID+"/review", vm, map[string]any{"items": items}); res.StatusCode != http.StatusConflict {
			t.Fatalf("the same reviewer twice: %d", res.StatusCode)
		}
		for i := range items {
			items[i]["result"] = "pass"
		}
		if res, body := h.do("POST", "/api/v1/qa/samples/"+sampleID+"/review", auditor, map[string]any{"items": items}); res.StatusCode != http.StatusCreated {
			t.Fatalf("calibration review: %d %s", res.StatusCode, body)
		}
		res, body = h.do("GET", "/api/v1/qa/samples/"+sampleID, vm, nil)
		var smp struct {
			Agreement *float64
			Reviews   []any
		}
		mustJSON(t, body, &smp)
		if smp.Agreement == nil || len(smp.Reviews) != 2 || *smp.Agreement >= 1 || *smp.Agreement < 0.8 {
			t.Fatalf("calibration: %s", body)
		}
		// The agency answers; another agency does not see the finding.
		res, body = h.do("GET", "/api/v1/qa/findings", sup, nil)
		var fs struct{ Items []struct{ ID string } }
		mustJSON(t, body, &fs)
		if res.StatusCode != 200 || len(fs.Items) != 1 {
			t.Fatalf("agency findings: %d %s", res.StatusCode, body)
		}
		if res, _ := h.do("POST", "/api/v1/qa/findings/"+fs.Items[0].ID+"/answer", other, map[string]string{"answer": "x"}); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
			t.Fatalf("agency B answers: %d", res.StatusCode)
		}
		if res, body := h.do("POST", "/api/v1/qa/findings/"+fs.Items[0].ID+"/answer", sup, map[string]string{"answer": "已对催收员进行再培训"}); res.StatusCode != 200 {
			t.Fatalf("answer: %d %s", res.StatusCode, body)
		}
		// Outside the owner: the agency's supervisor cannot see the lender's plan or sample.
		for _, p := range []string{"/api/v1/qa/plans/" + plan.ID, "/api/v1/qa/samples/" + sampleID} {
			if res, _ := h.do("GET", p, sup, nil); res.StatusCode != http.StatusNotFound {
				t.Fatalf("agency GET %s: %d", p, res.StatusCode)
			}
		}
		// The figures: Agency A reviewed once, scored 0 with one critical failure.
		res, body = h.do("GET", "/api/v1/oversight/quality", vm, nil)
		var q struct {
			Agencies []struct {
				AgencyID         string   `json:"agency_id"`
				QualityScore     *float64 `json:"quality_score"`
				Reviews          int64
				CriticalFailures int64 `json:"critical_failures"`
			}
			Items []struct {
				Item     string
				Failures int64
			} `json:"findings_by_item"`
		}
		mustJSON(t, body, &q)
		found := false
		for _, a := range q.Agencies {
			if a.AgencyID == agencyA {
				found = a.Reviews >= 1 && a.CriticalFailures >= 1 && a.QualityScore != nil
			}
		}
		if res.StatusCode != 200 || !found || len(q.Items) == 0 || q.Items[0].Item != "no_threats" {
			t.Fatalf("quality figures: %d %s", res.StatusCode, body)
		}
		res, body = h.do("GET", "/api/v1/oversight/kpis", vm, nil)
		if !strings.Contains(string(body), `"quality_score":0`) {
			t.Fatalf("kpis without the quality score: %s", body)
		}
		// An evaluation keeps the reviewed quality beside its own scores,
		// and the agency page shows it.
		res, body = h.do("POST", "/api/v1/agencies/"+agencyA+"/evaluations", vm, map[string]any{"kind": "ad_hoc", "period": "2026",
			"conduct_score": 80, "quality_score": 70, "efficiency_score": 75, "infosec_score": 90, "decision": "renew"})
		if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"reviewed_quality_score":0`) || !strings.Contains(string(body), `"quality_reviews":1`) {
			t.Fatalf("evaluation: %d %s", res.StatusCode, body)
		}
		if _, page := h.pageClient(vm).get(t, h.http.URL+"/agencies/"+agencyA); !strings.Contains(page, "0.0 (1)") {
			t.Fatal("the agency page does not show the evaluation's reviewed quality")
		}
	})
}

// TestEvidenceBundleAndEvaluation: the legal case's evidence ZIP carries
// the case's recordings with their hashes in the manifest and its legal
// costs; an agency evaluation keeps the quality figures beside it.
func TestEvidenceBundleAndEvaluation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		vm, auditor := h.token("vm@demo-bank.test"), h.token("auditor@demo-bank.test")
		token, sup := h.token("agent@agency-a.test"), h.token("supervisor@agency-a.test")
		agency := "Agency A"
		acc := h.verifiedAccount(h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`))
		contact := h.dayCall(token, acc, nil)
		res, body := h.do("POST", "/api/v1/accounts/"+acc+"/legal-referrals", token, map[string]string{"note": "多次承诺未履行"})
		var lc struct{ ID string }
		mustJSON(t, body, &lc)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("referral: %d %s", res.StatusCode, body)
		}
		caseID := lc.ID
		if res, body := h.do("POST", "/api/v1/legal-cases/"+caseID+"/status", vm, map[string]string{"status": "approved"}); res.StatusCode != http.StatusOK {
			t.Fatalf("approve: %d %s", res.StatusCode, body)
		}
		cost := map[string]any{"kind": "court_fee", "amount_cents": 50_000, "incurred_on": time.Now().In(collect.China).Format(time.DateOnly)}
		if res, body := h.do("POST", "/api/v1/legal-cases/"+caseID+"/costs", sup, cost); res.StatusCode != http.StatusCreated {
			t.Fatalf("cost: %d %s", res.StatusCode, body)
		}
		wav := evidenceWAV(1, 600)
		res, body = h.uploadEvidence(token, contact, "recording", "call.wav", wav, nil)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("upload: %d %s", res.StatusCode, body)
		}
		var att struct {
			ID     string
			SHA256 string `json:"sha256"`
		}
		mustJSON(t, body, &att)
		// A court filing on the case itself, by the agency.
		filing := []byte("%PDF-1.4\n% court filing\n%%EOF\n")
		var fbuf bytes.Buffer
		mw := multipart.NewWriter(&fbuf)
		mw.WriteField("kind", "document")
		fw, _ := mw.CreateFormFile("file", "起诉状.pdf")
		fw.Write(filing)
		mw.Close()
		req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/legal-cases/"+caseID+"/attachments", &fbuf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+sup)
		fres, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		fb, _ := io.ReadAll(fres.Body)
		fres.Body.Close()
		if fres.StatusCode != http.StatusCreated || !strings.Contains(string(fb), `"legal_case_id":"`+caseID+`"`) {
			t.Fatalf("case document: %d %s", fres.StatusCode, fb)
		}
		if res, b := h.do("GET", "/api/v1/legal-cases/"+caseID+"/attachments", h.token("agent@agency-b.test"), nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("agency B lists the case's documents: %d %s", res.StatusCode, b)
		}
		for _, tok := range []string{vm, auditor} {
			res, zipBody := h.do("GET", "/api/v1/legal-cases/"+caseID+"/evidence.zip", tok, nil)
			if res.StatusCode != 200 {
				t.Fatalf("evidence.zip: %d %s", res.StatusCode, zipBody)
			}
			zr, err := zip.NewReader(bytes.NewReader(zipBody), int64(len(zipBody)))
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{}
			for _, f := range zr.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				files[f.Name] = b
			}
			name := "evidence/" + contact + "/" + att.ID + ".wav"
			if !bytes.Equal(files[name], wav) {
				t.Fatalf("the recording is not in the bundle as %s (files: %d)", name, len(files))
			}
			if !strings.Contains(string(files["legal_costs.csv"]), "court_fee,50000") {
				t.Fatalf("legal_costs.csv: %q", files["legal_costs.csv"])
			}
			var manifest struct {
				SHA256   map[string]string `json:"sha256"`
				Evidence []struct {
					File     string
					SHA256   string `json:"sha256"`
					Verified bool
				}
			}
			mustJSON(t, files["manifest.json"], &manifest)
			ok := false
			for _, e := range manifest.Evidence {
				ok = ok || (e.File == name && e.SHA256 == att.SHA256 && e.Verified)
			}
			filed := false
			for _, f := range files {
				filed = filed || bytes.Equal(f, filing)
			}
			if filed != (tok == vm) {
				t.Fatalf("the court filing in the bundle: %v, want it only for the reader of personal data", filed)
			}
			if !ok || manifest.SHA256["legal_costs.csv"] == "" {
				t.Fatalf("manifest: %s", files["manifest.json"])
			}
		}

		agencyID := h.queryOne(`SELECT id FROM organisations WHERE name = $1`, agency)
		res, body = h.do("POST", "/api/v1/agencies/"+agencyID+"/evaluations", vm, map[string]any{"kind": "ad_hoc", "period": "2026",
			"conduct_score": 80, "quality_score": 70, "efficiency_score": 75, "infosec_score": 90, "decision": "renew"})
		if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"quality_reviews":`) || !strings.Contains(string(body), `"recordings_missing_rate":`) {
			t.Fatalf("evaluation: %d %s", res.StatusCode, body)
		}
	})
}

// TestMissingRecordingFinding: a connected call without a recording a day
// later is a finding (source evidence), counted apart from the conduct
// breaches, and closed when the recording arrives late.
func TestMissingRecordingFinding(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		agent, vm := h.token("agent@agency-a.test"), h.token("vm@demo-bank.test")
		agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
		acc := h.verifiedAccount(agencyA)
		d := time.Now().In(collect.China).AddDate(0, 0, -2)
		at := time.Date(d.Year(), d.Month(), d.Day(), 11, 0, 0, 0, collect.China)
		connected := h.dayCall(agent, acc, map[string]any{"at": at.Format(time.RFC3339)})
		h.dayCall(agent, acc, map[string]any{"at": at.Add(time.Hour).Format(time.RFC3339), "outcome": "no_answer"}) // nothing to record
		kpi := func() (breaches, missing int64) {
			_, body := h.do("GET", "/api/v1/oversight/kpis?agency="+agencyA, vm, nil)
			var out struct {
				Items []struct {
					Counts struct {
						Breaches          int64 `json:"breaches"`
						RecordingsMissing int64 `json:"recordings_missing"`
					} `json:"counts"`
				} `json:"items"`
			}
			mustJSON(t, body, &out)
			if len(out.Items) != 1 {
				t.Fatalf("kpis: %s", body)
			}
			return out.Items[0].Counts.Breaches, out.Items[0].Counts.RecordingsMissing
		}
		b0, m0 := kpi()
		now := time.Now()
		n, err := h.store.DetectMissingRecordings(context.Background(), now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("missing recordings found: %d, %v (want the connected call only)", n, err)
		}
		if n, _ := h.store.DetectMissingRecordings(context.Background(), now.Add(-time.Hour), now.Add(time.Hour)); n != 0 {
			t.Fatalf("found again: %d", n)
		}
		b1, m1 := kpi()
		if b1 != b0 || m1 != m0+1 {
			t.Fatalf("counters: breaches %d→%d, recordings missing %d→%d; want the finding counted apart", b0, b1, m0, m1)
		}
		if got := h.queryOne(`SELECT status FROM breaches WHERE source = 'evidence' AND source_id = $1`, connected); got != "open" {
			t.Fatalf("finding status %q", got)
		}
		if res, body := h.uploadEvidence(agent, connected, "recording", "late.wav", evidenceWAV(1, 350), nil); res.StatusCode != http.StatusCreated {
			t.Fatalf("late upload: %d %s", res.StatusCode, body)
		}
		if got := h.queryOne(`SELECT status FROM breaches WHERE source = 'evidence' AND source_id = $1`, connected); got != "remediated" {
			t.Fatalf("after the late recording the finding is %q", got)
		}
	})
}
