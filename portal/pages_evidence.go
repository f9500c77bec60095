package portal

import (
	"collect"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/evidence"
	"collect/evidence/blob"
	"collect/portal/store"
	"collect/views"
)

// The account page's evidence (issue 16): each contact's attachments with
// their hash, retention date and hold; the agency's upload (sent by
// views/static/evidence.js with a progress bar and answered in JSON, or a
// plain form post without the script); the lender's legal hold; and a
// check of the stored bytes against the hash recorded at upload.

// contactEvidence adds to the case panel the attachments of the account's
// contacts (one query for all of them) and what the reader may do with
// them.
func (s *Server) contactEvidence(c echo.Context, accountID string, contacts []store.Contact, p *views.CasePanel) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if !s.can(a, "attachment", "read") {
		return nil
	}
	byContact, err := s.store.AccountAttachments(ctx, a, accountID)
	if err != nil {
		return err
	}
	p.Evidence = views.EvidenceView{Shown: true, CanHold: a.OrgKind == collect.KindLender && s.can(a, "attachment", "hold"),
		Kinds: evidence.Kinds, MaxSize: fmt.Sprintf("%d MB", evidence.MaxBytes>>20)}
	// An upload goes on a contact the reader's own agency made (the store
	// scopes the upload so; the form says it before the file is chosen).
	upload := a.OrgKind == collect.KindAgency && s.can(a, "attachment", "write")
	madeBy := make(map[string]string, len(contacts))
	for _, ct := range contacts {
		madeBy[ct.ID] = ct.AgencyID
	}
	outcome, checked := c.QueryParam("evidence"), c.QueryParam("att")
	for i := range p.Contacts {
		x := &p.Contacts[i]
		x.CanUpload = upload && madeBy[x.ID] == a.OrgID
		for _, att := range byContact[x.ID] {
			v := attachmentView(ctx, att)
			v.CanOpen = s.mayOpen(a, att) == nil
			if att.ID == checked {
				v.Verify = verifyMark[outcome]
			}
			x.Evidence = append(x.Evidence, v)
		}
	}
	switch outcome {
	case "held", "released", "verified":
		p.Evidence.Flash = views.T(ctx, "evidence.flash."+outcome)
	case "tampered", "missing":
		p.Evidence.Error = views.T(ctx, "evidence.flash."+outcome)
	}
	return nil
}

// verifyMark is the mark a check's outcome (the redirect's evidence=…)
// leaves on the attachment checked.
var verifyMark = map[string]string{"verified": "ok", "tampered": "tampered", "missing": "missing"}

func attachmentView(ctx context.Context, att store.Attachment) views.AttachmentView {
	v := views.AttachmentView{ID: att.ID, Kind: att.Kind, ContentType: att.ContentType, Size: byteSize(att.Size), FileName: att.FileName,
		SHA256: att.SHA256, SHAShort: shortSHA(att.SHA256), UploadedAt: views.DateTime(ctx, att.UploadedAt), RetainUntil: views.Date(ctx, att.RetainUntil),
		LegalHold: att.LegalHold, HoldReason: att.HoldReason, Href: "/attachments/" + url.PathEscape(att.ID)}
	if att.DurationMS != nil {
		sec := *att.DurationMS / 1000
		v.Duration = fmt.Sprintf("%d:%02d", sec/60, sec%60)
	}
	return v
}

// shortSHA is the first 12 hex digits of a hash, for the eye; the page
// gives the whole hash beside it.
func shortSHA(sha string) string {
	if len(sha) <= 12 {
		return sha
	}
	return sha[:12] + "…"
}

// byteSize says a size as people read it: 980 B, 12.4 KB, 3.1 MB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// contactAnchor is the contact's place on its account page (the evidence
// card's, for an attachment on no contact: a legal case's document).
func contactAnchor(accountID, contactID, query string) string {
	u := "/accounts/" + url.PathEscape(accountID)
	if query != "" {
		u += "?" + query
	}
	if contactID == "" {
		return u + "#evidence"
	}
	return u + "#contact-" + url.PathEscape(contactID)
}

// wantsJSON tells the page script's request (Accept: application/json)
// from a plain form post.
func wantsJSON(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
}

// uploadAnswer is the script's answer to an upload: the attachment as the
// API shows it, where its bytes are, where it is on the page, and what to
// tell the reader.
type uploadAnswer struct {
	store.Attachment
	Href     string `json:"href"`
	Location string `json:"location"`
	Message  string `json:"message"`
}

// attachmentUploadSubmit is the account page's upload onto a contact. The
// contact is looked up first, so a contact outside the reader's scope is
// 404 before a byte of the file is read; the file is then streamed and
// judged exactly as the API's upload (readAttachmentUpload, keepAttachment).
func (s *Server) attachmentUploadSubmit(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	t, err := s.store.ContactForUpload(ctx, a, c.Param("id"))
	var att store.Attachment
	if err == nil {
		att, err = s.readAndKeep(c, t)
	}
	if wantsJSON(c) {
		if err != nil {
			return s.pageJSONError(c, err)
		}
		return c.JSON(http.StatusCreated, uploadAnswer{Attachment: att, Href: "/attachments/" + url.PathEscape(att.ID),
			Location: contactAnchor(att.AccountID, att.ContactID, ""), Message: views.T(ctx, "evidence.uploaded", map[string]any{"Name": shortSHA(att.SHA256)})})
	}
	if err != nil {
		if t.AccountID == "" {
			return err
		}
		return formFailed(err, func(e error) error { return s.renderAccount(c, t.AccountID, http.StatusUnprocessableEntity, e) })
	}
	return c.Redirect(http.StatusSeeOther, contactAnchor(att.AccountID, att.ContactID, ""))
}

// readAndKeep streams the request's file and keeps it on the contact.
func (s *Server) readAndKeep(c echo.Context, t store.AttachmentTarget) (store.Attachment, error) {
	up, err := s.readAttachmentUpload(c)
	if err != nil {
		return store.Attachment{}, err
	}
	defer up.Close()
	return s.keepAttachment(c.Request().Context(), actorOf(c), t.ContactID, up)
}

// pageJSONError answers a page script's request with the API's error body
// (API.md), its message and fields in the reader's language. As in
// handleError, an internal error is logged and not shown.
func (s *Server) pageJSONError(c echo.Context, err error) error {
	ctx := c.Request().Context()
	status, code := http.StatusInternalServerError, collect.EINTERNAL
	var ae *collect.Error
	var br badRequest
	switch {
	case errors.As(err, &br):
		ae, status, code = br.err, http.StatusBadRequest, br.err.Code
	case errors.As(err, &ae):
		code, status = ae.Code, statusOf[ae.Code]
	}
	if status == 0 || status >= 500 {
		s.log.Error("internal error", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "path", c.Request().URL.Path, "error", err)
		status, code, ae = http.StatusInternalServerError, collect.EINTERNAL, nil
	}
	var body errorBody
	body.Error.Code, body.Error.Message = code, views.T(ctx, "error."+code)
	if ae != nil {
		body.Error.Message, body.Error.Key = views.ErrorText(ctx, ae), ae.Key
		for _, f := range ae.Fields {
			f.Message = views.FieldText(ctx, f)
			body.Error.Fields = append(body.Error.Fields, f)
		}
	}
	return c.JSON(status, body)
}

// legalHoldSubmit puts an attachment under legal hold (hold=true, the
// default) or lifts it (hold=false), with the reason: the lender's.
func (s *Server) legalHoldSubmit(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	att, err := s.store.Attachment(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	hold := c.FormValue("hold") != "false"
	if _, err := s.store.SetLegalHold(ctx, a, att.ID, hold, c.FormValue("reason")); err != nil {
		return formFailed(err, func(e error) error { return s.renderAccount(c, att.AccountID, http.StatusUnprocessableEntity, e) })
	}
	outcome := "held"
	if !hold {
		outcome = "released"
	}
	return c.Redirect(http.StatusSeeOther, contactAnchor(att.AccountID, att.ContactID, "evidence="+outcome+"&att="+url.QueryEscape(att.ID)))
}

// verifySubmit checks an attachment's stored bytes against its hash and
// goes back to its contact saying what the check found.
func (s *Server) verifySubmit(c echo.Context) error {
	att, chk, err := s.checkAttachment(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	outcome := "verified"
	switch {
	case !chk.OK && chk.Found == "":
		outcome = "missing"
	case !chk.OK:
		outcome = "tampered"
	}
	return c.Redirect(http.StatusSeeOther, contactAnchor(att.AccountID, att.ContactID, "evidence="+outcome+"&att="+url.QueryEscape(att.ID)))
}

// attachmentCheck is what hashing an attachment's stored object again
// found: whether it matches the hash recorded at upload, and the hash of
// what is stored ("" when the object is gone).
type attachmentCheck struct {
	OK    bool
	Found string
}

// checkAttachment hashes the attachment's stored object again (blob.Verify),
// compares it with the hash recorded at upload and audits the check, a
// mismatch or a missing object as tampering. It is apiVerifyAttachment's
// logic; that handler could call it too.
func (s *Server) checkAttachment(ctx context.Context, a collect.Actor, id string) (store.Attachment, attachmentCheck, error) {
	att, err := s.store.Attachment(ctx, a, id)
	if err != nil {
		return att, attachmentCheck{}, err
	}
	if att.DeletedAt != nil {
		return att, attachmentCheck{}, collect.E(collect.EGONE, "err.evidence.deleted", "at", att.DeletedAt.UTC().Format(time.RFC3339))
	}
	ok, got, err := blob.Verify(ctx, s.blobs, att.SHA256)
	if errors.Is(err, blob.ErrNotFound) {
		ok, got, err = false, "", nil
	}
	if err != nil {
		return att, attachmentCheck{}, err
	}
	action := store.AttachmentVerify
	if !ok {
		action = store.AttachmentTampered
	}
	if err := s.store.AuditAttachment(ctx, a, att, action, map[string]any{"ok": ok, "found_sha256": got}); err != nil {
		return att, attachmentCheck{}, err
	}
	return att, attachmentCheck{OK: ok, Found: got}, nil
}
