package portal_test

import (
	"bytes"
	"collect"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"collect/oversight"
	"collect/portal"
	"collect/portal/store/storetest"
	"collect/views"
)

// qaSineWAV is a recording of seconds of a 440 Hz tone: 8 kHz mono 16-bit
// PCM, as a telephony system stores calls.
func qaSineWAV(seconds float64) []byte {
	const rate, bits = 8000, 16
	n := int(seconds * rate)
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n))
	b.WriteString("WAVE")
	b.WriteString("fmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(rate * bits / 8)) // byte rate
	w(uint16(bits / 8))        // block align
	w(uint16(bits))
	b.WriteString("data")
	w(uint32(2 * n))
	for i := range n {
		w(int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate)))
	}
	return b.Bytes()
}

// qaUploadRecording attaches wav to the contact through the API (multipart
// file, kind=recording) and returns the attachment's id.
func (h *harness) qaUploadRecording(token, contactID string, wav []byte) string {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "recording")
	fw, _ := mw.CreateFormFile("file", "call.wav")
	_, _ = fw.Write(wav)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", h.http.URL+"/api/v1/contacts/"+contactID+"/attachments", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		h.t.Fatalf("upload recording: %d %s", res.StatusCode, b)
	}
	var att struct {
		ID         string `json:"id"`
		DurationMS *int64 `json:"duration_ms"`
	}
	mustJSON(h.t, b, &att)
	if att.DurationMS == nil || *att.DurationMS < 2900 || *att.DurationMS > 3100 {
		h.t.Fatalf("the recording's duration is %v ms, want about 3000: %s", att.DurationMS, b)
	}
	return att.ID
}

// qaCall records a connected call by Agency A's collector yesterday at
// 10:30 China time (after the demo placements began, within the calling
// hours) and returns the contact's id and time.
func (h *harness) qaCall(agent string) (string, time.Time) {
	h.t.Helper()
	agencyA := h.queryOne(`SELECT id FROM organisations WHERE name = 'Agency A'`)
	acc := h.verifiedAccount(agencyA)
	// Start the account's log afresh, so no daily limit of the demo's
	// contacts refuses the call.
	if _, err := h.store.DB().Exec(`DELETE FROM contacts WHERE account_id = $1`, acc); err != nil {
		h.t.Fatal(err)
	}
	y := time.Now().In(collect.China).AddDate(0, 0, -1)
	at := time.Date(y.Year(), y.Month(), y.Day(), 10, 30, 0, 0, collect.China)
	res, body := h.do("POST", "/api/v1/accounts/"+acc+"/contacts", agent, map[string]any{"channel": "call", "party": "debtor",
		"outcome": "right_party_contact", "at": at.Format(time.RFC3339), "note": "本人接听，承诺下周还款"})
	if res.StatusCode != http.StatusCreated {
		h.t.Fatalf("record the call: %d %s", res.StatusCode, body)
	}
	var ct struct{ ID string }
	mustJSON(h.t, body, &ct)
	return ct.ID, at
}

// qaPost sends a page form with the client's CSRF token; it follows no
// redirect.
func (c pageClient) qaPost(t *testing.T, u string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	form.Set("_csrf", c.csrf)
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// qaUntranslated finds message ids shown as text (a missing catalogue entry).
var qaUntranslated = regexp.MustCompile(`>[^<]*\b(qa|title|nav|filter|col|channel)\.[a-z_]+[^<]*<`)

func TestQualityPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		h := newHarness(t, dialect, portal.Config{})
		base := h.http.URL
		agent := h.token("agent@agency-a.test")
		contactID, at := h.qaCall(agent)
		attID := h.qaUploadRecording(agent, contactID, qaSineWAV(3))
		week := oversight.WeekOf(at, collect.China)

		vm := h.pageClient(h.token("vm@demo-bank.test"))
		auditor := h.pageClient(h.token("auditor@demo-bank.test"))
		sup := h.pageClient(h.token("supervisor@agency-a.test"))
		collector := h.pageClient(agent)
		en, zh := []string{"Accept-Language", "en"}, []string{"Accept-Language", "zh-CN"}

		var planID, sampleID string
		t.Run("CreatePlanAndDraw", func(t *testing.T) {
			res, page := vm.qaPost(t, base+"/qa/plans", url.Values{"name": {"每周抽检"}, "share_pct": {"150"}, "include": {"complaints"}}, en...)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `data-testid="form-errors"`) ||
				!strings.Contains(page, `value="每周抽检"`) || !strings.Contains(page, "share_pct") {
				t.Fatalf("a share of 150%%: %d (no error, or the typed name is lost)", res.StatusCode)
			}
			res, _ = vm.qaPost(t, base+"/qa/plans", url.Values{"name": {"每周抽检"}, "share_pct": {"100"}, "include": {"complaints", "high_risk"}, "seed": {"42"}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/qa?done=plan_created" {
				t.Fatalf("create the plan: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			planID = h.queryOne(`SELECT id FROM qa_plans WHERE name = '每周抽检'`)
			if got := h.queryOne(`SELECT CAST(seed AS TEXT) || ' ' || include FROM qa_plans WHERE id = $1`, planID); got != `42 ["complaints","high_risk"]` {
				t.Fatalf("the plan is stored as %q", got)
			}
			res, page = vm.qaPost(t, base+"/qa/plans/"+planID+"/draw", url.Values{"week": {"next week"}}, zh...)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "周须为 ISO 周") {
				t.Fatalf("a bad week: %d (no error in Chinese)", res.StatusCode)
			}
			res, _ = vm.qaPost(t, base+"/qa/plans/"+planID+"/draw", url.Values{"week": {week}})
			if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=drawn") {
				t.Fatalf("draw: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			sampleID = h.queryOne(`SELECT id FROM qa_samples WHERE plan_id = $1 AND contact_id = $2`, planID, contactID)
		})
		if sampleID == "" {
			t.FailNow()
		}

		t.Run("PagesInBothLanguages", func(t *testing.T) {
			for lang, want := range map[string][]string{
				"en":    {"Quality checks", "Sampling plans", "Samples of week " + week, "每周抽检", "100%", "Also includes", "Checklist", "Identity verified before discussing the debt"},
				"zh-CN": {"录音质检", "抽检方案", week + " 周样本", "每周抽检", "随机比例", "质检表", "讨论欠款前已核实身份"},
			} {
				// Every contact of the week is drawn (a share of 100%): more than a page.
				res, page := vm.get(t, base+"/qa?per_page=200&week="+week, "Accept-Language", lang)
				if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="qa-checklist-form"`) || !strings.Contains(page, `data-id="`+sampleID+`"`) {
					t.Fatalf("%s /qa: %d (no checklist editor or no sample row)", lang, res.StatusCode)
				}
				for _, w := range want {
					if !strings.Contains(page, w) {
						t.Errorf("%s /qa lacks %q", lang, w)
					}
				}
				if m := qaUntranslated.FindString(page); m != "" {
					t.Errorf("%s /qa shows a message id: %s", lang, m)
				}
			}
			for lang, want := range map[string][]string{
				"en":    {"Quality review", "Recordings", "Score the call", "Pass", "Fail", "N/A", "Critical", "Chen Xiao", "Call"},
				"zh-CN": {"质检评审", "录音", "评分", "通过", "不通过", "不适用", "关键", "陈晓", "电话"},
			} {
				res, page := vm.get(t, base+"/qa/samples/"+sampleID, "Accept-Language", lang)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s sample page: %d", lang, res.StatusCode)
				}
				if !strings.Contains(page, `<audio controls preload="metadata" src="/attachments/`+attID+`"`) {
					t.Errorf("%s sample page has no player for the recording", lang)
				}
				if n := strings.Count(page, `data-testid="qa-result"`); n != 3*len(oversight.DefaultChecklist) {
					t.Errorf("%s sample page has %d result radios, want 3 per item", lang, n)
				}
				for _, w := range want {
					if !strings.Contains(page, w) {
						t.Errorf("%s sample page lacks %q", lang, w)
					}
				}
				if m := qaUntranslated.FindString(page); m != "" {
					t.Errorf("%s sample page shows a message id: %s", lang, m)
				}
			}
			// The contact's time in the reader's zone.
			_, page := vm.get(t, base+"/qa/samples/"+sampleID, en...)
			if want := views.DateTime(views.WithZone(t.Context(), collect.China), at); !strings.Contains(page, want) {
				t.Errorf("the sample page does not show the contact at %s", want)
			}
			// The player's source plays for the page's session.
			req, _ := http.NewRequest("GET", base+"/attachments/"+attID, nil)
			req.Header.Set("Range", "bytes=0-99")
			res, err := vm.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusPartialContent || res.Header.Get("Content-Type") != "audio/wav" {
				t.Fatalf("the recording for the page: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
			}
		})

		t.Run("RoutePermissions", func(t *testing.T) {
			// /qa is not a hidden route: a role without the permission is told so (403).
			for _, u := range []string{"/qa", "/qa/samples/" + sampleID, "/qa/findings"} {
				if res, _ := collector.get(t, base+u, en...); res.StatusCode != http.StatusForbidden {
					t.Errorf("the collector on %s: %d, want 403", u, res.StatusCode)
				}
			}
			if res, _ := collector.qaPost(t, base+"/qa/samples/"+sampleID+"/review", url.Values{"note": {"x"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("the collector's review: %d, want 403", res.StatusCode)
			}
			if res, _ := auditor.qaPost(t, base+"/qa/checklist", url.Values{"item": {"x"}, "label": {"x"}, "weight": {"1"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("the auditor saving the checklist: %d, want 403", res.StatusCode)
			}
			if res, _ := auditor.qaPost(t, base+"/qa/plans", url.Values{"name": {"x"}, "share_pct": {"10"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("the auditor creating a plan: %d, want 403", res.StatusCode)
			}
			// The auditor reads the checklist but has no editor, nor plan forms.
			res, page := auditor.get(t, base+"/qa", en...)
			if res.StatusCode != http.StatusOK || !strings.Contains(page, `data-testid="qa-checklist"`) || strings.Contains(page, `data-testid="qa-checklist-form"`) ||
				strings.Contains(page, `data-testid="qa-plan-form"`) || strings.Contains(page, `data-testid="qa-draw-form"`) {
				t.Errorf("the auditor's /qa: %d (forms shown or no checklist)", res.StatusCode)
			}
			// The agency's supervisor sees its own (self-review) plans: none of the lender's, no checklist.
			res, page = sup.get(t, base+"/qa", zh...)
			if res.StatusCode != http.StatusOK || strings.Contains(page, "每周抽检") || strings.Contains(page, `data-testid="qa-checklist"`) ||
				!strings.Contains(page, `data-testid="qa-plan-form"`) {
				t.Errorf("the supervisor's /qa: %d (the lender's plan or checklist shown, or no plan form)", res.StatusCode)
			}
			if res, _ := sup.get(t, base+"/qa/samples/"+sampleID, en...); res.StatusCode != http.StatusNotFound {
				t.Errorf("the supervisor on the lender's sample: %d, want 404", res.StatusCode)
			}
		})

		t.Run("AnotherLendersSampleIsNotFound", func(t *testing.T) {
			now := time.Now().UTC()
			if _, err := h.store.DB().Exec(`INSERT INTO qa_samples (id, plan_id, period, owner_id, lender_id, agency_id, account_id, contact_id,
				collector_id, contact_at, reason, checklist, status, drawn_at) VALUES ('other-sample', 'other-plan', $1, 'other-bank', 'other-bank',
				'other-agency', 'other-account', 'other-contact', 'other-collector', $2, 'random', '[]', 'open', $2)`, week, now); err != nil {
				t.Fatal(err)
			}
			for _, c := range []pageClient{vm, auditor} {
				if res, page := c.get(t, base+"/qa/samples/other-sample", zh...); res.StatusCode != http.StatusNotFound || !strings.Contains(page, "不存在") {
					t.Errorf("another lender's sample: %d, want 404 saying so in Chinese", res.StatusCode)
				}
			}
			if res, _ := vm.qaPost(t, base+"/qa/samples/other-sample/review", url.Values{"note": {"x"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("a review of another lender's sample: %d, want 404", res.StatusCode)
			}
			if res, _ := vm.qaPost(t, base+"/qa/plans/other-plan/draw", url.Values{}); res.StatusCode != http.StatusNotFound {
				t.Errorf("drawing another lender's plan: %d, want 404", res.StatusCode)
			}
		})

		results := func(fail ...string) url.Values {
			f := url.Values{}
			for _, it := range oversight.DefaultChecklist {
				f.Set("result_"+it.Item, "pass")
			}
			for _, it := range fail {
				f.Set("result_"+it, "fail")
			}
			return f
		}
		t.Run("ReviewRecordsTheScore", func(t *testing.T) {
			missing := results()
			missing.Del("result_promise_recorded")
			missing.Set("note", "漏评一项")
			res, page := vm.qaPost(t, base+"/qa/samples/"+sampleID+"/review", missing, en...)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "judge item promise_recorded") || !strings.Contains(page, "漏评一项") {
				t.Fatalf("a review missing an item: %d (no error in English, or the note is lost)", res.StatusCode)
			}
			if !strings.Contains(page, `value="pass" checked`) {
				t.Error("the refused review lost the results chosen")
			}
			// accurate_amounts (weight 2 of 13) fails: 11/13 = 84.6.
			form := results("accurate_amounts")
			form.Set("note", "金额表述有误")
			res, _ = vm.qaPost(t, base+"/qa/samples/"+sampleID+"/review", form)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/qa/samples/"+sampleID+"?done=reviewed" {
				t.Fatalf("review: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			if got := h.queryOne(`SELECT CAST(score AS TEXT) FROM qa_reviews WHERE sample_id = $1`, sampleID); !strings.HasPrefix(got, "84.6") {
				t.Fatalf("the review's score is %s, want 84.6", got)
			}
			_, page = vm.get(t, base+"/qa/samples/"+sampleID+"?done=reviewed", en...)
			if !strings.Contains(page, "Review saved: score 84.6.") || strings.Contains(page, `data-testid="qa-breach-notice"`) ||
				!strings.Contains(page, `data-testid="qa-reviewed-by-you"`) || strings.Contains(page, `data-testid="qa-review-form"`) {
				t.Fatal("after the review the page does not say the score, says a breach, or still offers the form")
			}
			res, page = vm.qaPost(t, base+"/qa/samples/"+sampleID+"/review", results(), zh...)
			if res.StatusCode != http.StatusConflict || !strings.Contains(page, "您已评审过该样本") {
				t.Fatalf("a second review by the same reviewer: %d", res.StatusCode)
			}
			// A second reviewer fails a critical item: score 0, a breach, the agreement.
			res, _ = auditor.qaPost(t, base+"/qa/samples/"+sampleID+"/review", results("no_threats"))
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("the auditor's review: %d", res.StatusCode)
			}
			_, page = auditor.get(t, base+"/qa/samples/"+sampleID+"?done=reviewed", zh...)
			if !strings.Contains(page, "评审已保存：得分 0.0。") || !strings.Contains(page, `data-testid="qa-breach-notice"`) || !strings.Contains(page, `href="/breaches`) {
				t.Fatal("a failed critical item: the page does not say the score or the breach")
			}
			// Two of the seven items were judged differently: 5/7 alike.
			if !strings.Contains(page, `data-testid="qa-agreement"`) || !strings.Contains(page, "71.4%") {
				t.Error("the calibration agreement of the two reviewers is not shown")
			}
			if n := h.queryOne(`SELECT CAST(COUNT(*) AS TEXT) FROM breaches WHERE source = 'quality' AND source_id = $1`, sampleID+":no_threats"); n != "1" {
				t.Errorf("%s quality breaches, want 1", n)
			}
		})

		t.Run("Findings", func(t *testing.T) {
			res, page := vm.get(t, base+"/qa/findings", en...)
			if res.StatusCode != http.StatusOK || strings.Count(page, `data-testid="qa-finding-row"`) != 2 || strings.Contains(page, `data-testid="qa-answer-form"`) ||
				!strings.Contains(page, "Amounts and dates stated accurately") {
				t.Fatalf("the lender's findings: %d", res.StatusCode)
			}
			res, page = sup.get(t, base+"/qa/findings?status=open", zh...)
			if res.StatusCode != http.StatusOK || strings.Count(page, `data-testid="qa-answer-form"`) != 2 || !strings.Contains(page, "无威胁、辱骂或虚假法律后果") {
				t.Fatalf("the supervisor's findings: %d (want two answer forms)", res.StatusCode)
			}
			finding := h.queryOne(`SELECT id FROM qa_findings WHERE sample_id = $1 AND item = 'accurate_amounts'`, sampleID)
			res, page = sup.qaPost(t, base+"/qa/findings/"+finding+"/answer", url.Values{"answer": {"   "}}, en...)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "write the agency&#39;s answer") {
				t.Fatalf("an empty answer: %d", res.StatusCode)
			}
			res, _ = sup.qaPost(t, base+"/qa/findings/"+finding+"/answer", url.Values{"answer": {"已培训该催收员，金额以系统为准"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("answer: %d", res.StatusCode)
			}
			if got := h.queryOne(`SELECT status FROM qa_findings WHERE id = $1`, finding); got != "answered" {
				t.Fatalf("the finding is %s", got)
			}
			_, page = vm.get(t, base+"/qa/findings?status=answered", zh...)
			if !strings.Contains(page, "已培训该催收员") || strings.Count(page, `data-testid="qa-finding-row"`) != 1 {
				t.Error("the lender does not see the agency's answer")
			}
		})

		t.Run("Checklist", func(t *testing.T) {
			form := url.Values{"item": {"identity_verified", "courtesy", ""}, "label": {"Identity verified", "Courteous", ""},
				"label_zh": {"已核实身份", "礼貌用语", ""}, "weight": {"2", "heavy", ""}, "critical": {"0"}}
			res, page := vm.qaPost(t, base+"/qa/checklist", form, zh...)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "检查项 courtesy 的权重") || !strings.Contains(page, `value="礼貌用语"`) {
				t.Fatalf("a bad weight: %d (no error in Chinese, or the rows typed are lost)", res.StatusCode)
			}
			form.Set("weight", "2")
			form["weight"] = []string{"2", "1", ""}
			res, _ = vm.qaPost(t, base+"/qa/checklist", form)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("save the checklist: %d", res.StatusCode)
			}
			var items []oversight.ChecklistItem
			if err := json.Unmarshal([]byte(h.queryOne(`SELECT items FROM qa_checklists`)), &items); err != nil {
				t.Fatal(err)
			}
			want := []oversight.ChecklistItem{{Item: "identity_verified", Label: "Identity verified", LabelZH: "已核实身份", Weight: 2, Critical: true},
				{Item: "courtesy", Label: "Courteous", LabelZH: "礼貌用语", Weight: 1}}
			if len(items) != 2 || items[0] != want[0] || items[1] != want[1] {
				t.Fatalf("saved %+v, want %+v", items, want)
			}
			_, page = vm.get(t, base+"/qa?done=checklist_saved", en...)
			if !strings.Contains(page, "Checklist saved") || !strings.Contains(page, `value="courtesy"`) {
				t.Error("the page does not show the saved checklist")
			}
		})
	})
}

// Every code the quality pages label has its words in both languages.
func TestQALabelsInCatalogue(t *testing.T) {
	cat, err := views.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range oversight.Includes {
		ids = append(ids, "qa.include."+in, "qa.reason."+in)
	}
	ids = append(ids, "qa.reason."+oversight.ReasonRandom)
	for _, s := range []string{"open", "reviewed"} { // qa_samples.status
		ids = append(ids, "qa.status."+s)
	}
	for _, s := range []string{"open", "answered"} { // qa_findings.status
		ids = append(ids, "qa.finding_status."+s)
	}
	for _, r := range []string{oversight.ResultPass, oversight.ResultFail, oversight.ResultNA} {
		ids = append(ids, "qa.result."+r)
	}
	for _, lang := range []string{"zh", "en"} {
		l := cat.Localizer(lang, "")
		for _, id := range ids {
			if l.T(id) == id {
				t.Errorf("%s: no text for %s", lang, id)
			}
		}
	}
}
