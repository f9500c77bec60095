package portal

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"collect/evidence"
	"collect/evidence/blob"
	"collect/portal/store"
)

// Evidence (issue 16): uploads are streamed part by part into a temporary
// file while hashed (never held in memory), judged from their content
// (evidence.Inspect), stored under their SHA-256 in the blob store and only
// then recorded; a refused or failed upload leaves nothing behind.

// maxUploadRequest is the largest attachment request read: the largest
// attachment and its multipart framing. A request announcing more is
// refused before a byte is read.
const maxUploadRequest = evidence.MaxBytes + 1<<20

// maxBulkRequest bounds a bulk upload of recordings.
const maxBulkRequest = 4 << 30

// attachmentUpload is one file of a multipart upload with its fields.
type attachmentUpload struct {
	kind, callID, fileName string
	file                   *blob.Spooled
}

func (u *attachmentUpload) Close() {
	if u != nil {
		u.file.Close()
	}
}

// smallField reads a form field's value (at most 4 KB) and checks its text.
func smallField(p io.Reader, name string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, 4<<10+1))
	if err != nil {
		return "", errFormUnreadable()
	}
	if len(b) > 4<<10 {
		return "", collect.Invalid(name, "err.evidence.field_long")
	}
	v := strings.TrimSpace(string(b))
	if p := textProblem(v); p != "" {
		return "", badText(name, p)
	}
	return v, nil
}

// openMultipart opens the request's multipart body as a stream of parts,
// refusing a request that announces more than limit bytes before reading
// any of it.
func openMultipart(c echo.Context, limit int64) (*multipart.Reader, error) {
	r := c.Request()
	mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEMultipartForm {
		return nil, badRequest{collect.E(collect.EINVALID, "err.upload.multipart")}
	}
	if r.ContentLength > limit {
		return nil, collect.Invalid("file", "err.evidence.too_large", "max", fmt.Sprintf("%d MB", evidence.MaxBytes>>20))
	}
	// A chunked body announces no length: it is held to the limit as read.
	r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest{collect.E(collect.EINVALID, "err.upload.multipart")}
	}
	return mr, nil
}

// readAttachmentUpload reads one attachment upload: fields kind and
// call_id, and one file part, spooled.
func (s *Server) readAttachmentUpload(c echo.Context) (*attachmentUpload, error) {
	mr, err := openMultipart(c, maxUploadRequest)
	if err != nil {
		return nil, err
	}
	up := &attachmentUpload{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			up.Close()
			return nil, uploadReadError(err)
		}
		switch part.FormName() {
		case "file":
			if up.file != nil {
				up.Close()
				return nil, collect.Invalid("file", "err.upload.one_file")
			}
			if p := textProblem(part.FileName()); p != "" {
				up.Close()
				return nil, badText("file (file name)", p)
			}
			up.fileName = part.FileName()
			up.file, err = blob.Spool(part, s.blobTemp, evidence.MaxBytes, evidence.HeadBytes)
			if err != nil {
				up.Close()
				return nil, spoolError(err)
			}
		case "kind", "call_id":
			v, err := smallField(part, part.FormName())
			if err != nil {
				up.Close()
				return nil, err
			}
			if part.FormName() == "kind" {
				up.kind = v
			} else {
				if utf8.RuneCountInString(v) > 128 {
					up.Close()
					return nil, collect.Invalid("call_id", "err.evidence.call_id_long", "max", 128)
				}
				up.callID = v
			}
		default:
			_, _ = io.Copy(io.Discard, io.LimitReader(part, 64<<10))
		}
	}
	if up.file == nil {
		return nil, collect.Invalid("file", "err.evidence.file_missing")
	}
	return up, nil
}

func spoolError(err error) error {
	if errors.Is(err, blob.ErrTooLarge) {
		return collect.Invalid("file", "err.evidence.too_large", "max", fmt.Sprintf("%d MB", evidence.MaxBytes>>20))
	}
	return uploadReadError(err)
}

func uploadReadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return collect.Invalid("file", "err.evidence.too_large", "max", fmt.Sprintf("%d MB", evidence.MaxBytes>>20))
	}
	return badRequest{collect.E(collect.EINVALID, "err.upload.unreadable", "detail", err.Error())}
}

// keepAttachment judges the spooled file, stores it under its hash and
// records it on the contact. When recording fails, the object goes again
// unless another attachment names the same bytes.
func (s *Server) keepAttachment(ctx context.Context, a collect.Actor, contactID string, up *attachmentUpload) (store.Attachment, error) {
	return s.keepAttachmentOn(ctx, a, store.AttachmentInput{ContactID: contactID}, up)
}

// keepAttachmentOn is keepAttachment for a target given as the input's
// ContactID or LegalCaseID.
func (s *Server) keepAttachmentOn(ctx context.Context, a collect.Actor, target store.AttachmentInput, up *attachmentUpload) (store.Attachment, error) {
	info, err := evidence.Inspect(up.kind, up.file.Head, up.file.Size)
	if err != nil {
		return store.Attachment{}, err
	}
	if err := up.file.Rewind(); err != nil {
		return store.Attachment{}, err
	}
	if err := s.blobs.Put(ctx, up.file.SHA, up.file.File, up.file.Size, info.ContentType); err != nil {
		return store.Attachment{}, err
	}
	target.Kind, target.ContentType, target.Size, target.SHA256 = up.kind, info.ContentType, up.file.Size, up.file.SHA
	target.FileName, target.CallID, target.DurationMS = up.fileName, up.callID, info.DurationMS
	att, err := s.store.AddAttachment(ctx, a, target)
	if err != nil {
		// The object goes again unless a row names it: checked and deleted
		// under the object's lock, which AddAttachment takes too.
		_ = s.store.DeleteUnusedObject(context.WithoutCancel(ctx), up.file.SHA, func() error {
			return s.blobs.Delete(context.WithoutCancel(ctx), up.file.SHA)
		})
		return store.Attachment{}, err
	}
	// An upload of the same bytes that failed, or retention, may have
	// deleted the object between this Put and the row's commit (the row
	// was not there yet): put it back from the spooled copy.
	if o, err := s.blobs.Open(ctx, up.file.SHA); errors.Is(err, blob.ErrNotFound) {
		if err := up.file.Rewind(); err != nil {
			return store.Attachment{}, err
		}
		if err := s.blobs.Put(context.WithoutCancel(ctx), up.file.SHA, up.file.File, up.file.Size, info.ContentType); err != nil {
			return store.Attachment{}, err
		}
	} else if err == nil {
		o.Close()
	}
	return att, nil
}

// uploadAttachment is POST /api/v1/contacts/{id}/attachments (and the
// page's upload): the contact is looked up first, so a contact outside the
// caller's scope is 404 before any byte is read.
func (s *Server) uploadAttachment(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if _, err := s.store.ContactForUpload(ctx, a, c.Param("id")); err != nil {
		return err
	}
	up, err := s.readAttachmentUpload(c)
	if err != nil {
		return err
	}
	defer up.Close()
	att, err := s.keepAttachment(ctx, a, c.Param("id"), up)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, att)
}

// uploadCaseAttachment is POST /api/v1/legal-cases/{id}/attachments: a
// court filing, a judgment or a lawyer's letter on the case itself.
func (s *Server) uploadCaseAttachment(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if _, err := s.store.CaseForUpload(ctx, a, c.Param("id")); err != nil {
		return err
	}
	up, err := s.readAttachmentUpload(c)
	if err != nil {
		return err
	}
	defer up.Close()
	att, err := s.keepAttachmentOn(ctx, a, store.AttachmentInput{LegalCaseID: c.Param("id")}, up)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, att)
}

func (s *Server) apiCaseAttachments(c echo.Context) error {
	out, err := s.store.CaseAttachments(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.Attachment{}
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

func (s *Server) apiContactAttachments(c echo.Context) error {
	out, err := s.store.ListAttachments(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.Attachment{}
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

// verifiedCache remembers, for a while, that an object's bytes hashed to
// its name, so the range requests of one playback do not each read the
// whole recording. An object is keyed by its hash, size and modification
// time: rewriting it in place changes the time, and it is hashed again.
type verifiedCache struct {
	mu   sync.Mutex
	ttl  time.Duration
	seen map[string]time.Time
}

func (v *verifiedCache) key(sha string, o blob.Object) string {
	return fmt.Sprintf("%s/%d/%d", sha, o.Size(), o.ModTime().UnixNano())
}

func (v *verifiedCache) ok(k string, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	at, found := v.seen[k]
	return found && now.Sub(at) < v.ttl
}

func (v *verifiedCache) put(k string, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.seen) > 10000 {
		v.seen = map[string]time.Time{}
	}
	v.seen[k] = now
}

// openVerified opens the attachment's object and checks its bytes against
// the hash recorded at upload; a changed object is refused (and audited).
func (s *Server) openVerified(ctx context.Context, a collect.Actor, att store.Attachment) (blob.Object, error) {
	if att.DeletedAt != nil {
		return nil, collect.E(collect.EGONE, "err.evidence.deleted", "at", att.DeletedAt.UTC().Format(time.RFC3339))
	}
	o, err := s.blobs.Open(ctx, att.SHA256)
	if errors.Is(err, blob.ErrNotFound) {
		_ = s.store.AuditAttachment(ctx, a, att, store.AttachmentTampered, map[string]any{"problem": "object missing"})
		return nil, collect.E(collect.ECONFLICT, "err.evidence.object_missing")
	}
	if err != nil {
		return nil, err
	}
	k := s.verified.key(att.SHA256, o)
	if s.verified.ok(k, s.now()) {
		return o, nil
	}
	got, n, err := blob.Hash(o)
	if err != nil {
		o.Close()
		return nil, err
	}
	if got != att.SHA256 || n != att.Size {
		o.Close()
		_ = s.store.AuditAttachment(ctx, a, att, store.AttachmentTampered, map[string]any{"found_sha256": got, "found_size": n})
		return nil, collect.E(collect.ECONFLICT, "err.evidence.tampered")
	}
	if _, err := o.Seek(0, io.SeekStart); err != nil {
		o.Close()
		return nil, err
	}
	s.verified.put(k, s.now())
	return o, nil
}

// mayOpen says whether the actor may have the attachment's bytes: a
// recording, anyone who may see it; a document or photo (which can show
// personal data: ID cards, addresses), only a role that reads personal data.
func (s *Server) mayOpen(a collect.Actor, att store.Attachment) error {
	if att.Kind != evidence.KindRecording && !s.can(a, "account", "read_personal") {
		return collect.E(collect.EFORBIDDEN, "err.evidence.personal_data")
	}
	return nil
}

// attachmentBytes is GET /api/v1/attachments/{id} (and the page's player):
// the bytes, checked against their hash, with HTTP ranges (so long calls
// seek). The first request of a playback or download (no range, or one
// from byte 0) is audited; the ranges that follow it are not each.
func (s *Server) attachmentBytes(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	att, err := s.store.Attachment(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	if err := s.mayOpen(a, att); err != nil {
		return err
	}
	o, err := s.openVerified(ctx, a, att)
	if err != nil {
		return err
	}
	defer o.Close()
	rng := c.Request().Header.Get("Range")
	if !continuation(c.Request()) {
		action := store.AttachmentDownload
		if att.Kind == evidence.KindRecording && c.QueryParam("download") == "" {
			action = store.AttachmentPlay
		}
		if err := s.store.AuditAttachment(ctx, a, att, action, map[string]any{"range": rng}); err != nil {
			return err
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, att.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+att.SHA256+`"`)
	h.Set("Digest", "sha-256="+att.SHA256)
	disposition := "attachment"
	if att.Kind == evidence.KindRecording && c.QueryParam("download") == "" {
		disposition = "inline"
	}
	h.Set(echo.HeaderContentDisposition, contentDisposition(disposition, att))
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, o)
	return nil
}

// continuation reports whether a request asks for one later part of an
// object (a plain "bytes=N-" or "bytes=N-M" with N > 0, unconditionally):
// the seeking of a playback already audited. Anything else can serve the
// whole object (a suffix range, several ranges, an If-Range that fails)
// and is audited.
func continuation(r *http.Request) bool {
	rng := strings.TrimSpace(r.Header.Get("Range"))
	spec, ok := strings.CutPrefix(rng, "bytes=")
	if !ok || r.Header.Get("If-Range") != "" || strings.Contains(spec, ",") {
		return false
	}
	start, _, ok := strings.Cut(spec, "-")
	if !ok || start == "" {
		return false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(start), 10, 64)
	return err == nil && n > 0
}

// contentDisposition names the file for the browser: an ASCII fallback of
// the id and the type, and the original name (RFC 5987) when there is one.
func contentDisposition(kind string, att store.Attachment) string {
	ext := evidence.Extension(att.ContentType)
	v := fmt.Sprintf(`%s; filename="%s%s"`, kind, att.ID, ext)
	if att.FileName != "" {
		// The name the uploader gave, with the extension of what the
		// content is: a PDF named statement.jar is saved as statement.pdf.
		name := strings.TrimSuffix(att.FileName, path.Ext(att.FileName)) + ext
		v += "; filename*=UTF-8''" + url.PathEscape(name)
	}
	return v
}

// apiVerifyAttachment is GET /api/v1/attachments/{id}/verify: the stored
// bytes hashed again and compared with the hash recorded at upload (and in
// the audit trail), audited.
func (s *Server) apiVerifyAttachment(c echo.Context) error {
	att, check, err := s.checkAttachment(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": check.OK, "sha256": check.Found, "expected_sha256": att.SHA256, "size": att.Size,
		"checked_at": s.now().UTC()})
}

type legalHoldBody struct {
	Hold   *bool  `json:"hold"`
	Reason string `json:"reason"`
}

// apiLegalHold is POST /api/v1/attachments/{id}/legal-hold {"hold","reason"}.
func (s *Server) apiLegalHold(c echo.Context) error {
	var b legalHoldBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	hold := b.Hold == nil || *b.Hold
	out, err := s.store.SetLegalHold(c.Request().Context(), actorOf(c), c.Param("id"), hold, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// bulkItem is one recording of a bulk upload, as the manifest names it.
type bulkItem struct {
	File   string    `json:"file"`
	CallID string    `json:"call_id"`
	At     time.Time `json:"at"`
	Phone  string    `json:"phone"`
}

// bulkResult is what became of one file of a bulk upload.
type bulkResult struct {
	File         string          `json:"file"`
	ContactID    string          `json:"contact_id,omitempty"`
	AttachmentID string          `json:"attachment_id,omitempty"`
	SHA256       string          `json:"sha256,omitempty"`
	Error        *bulkErrorField `json:"error,omitempty"`
}

type bulkErrorField struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// MaxBulkFiles bounds one bulk upload.
const MaxBulkFiles = 1000

// apiBulkRecordings is POST /api/v1/attachments/bulk: the telephony
// system's batch of call recordings. The multipart body carries a
// "manifest" part first (JSON: [{"file","call_id","at","phone"}]) and then
// one "file" part per recording, named as in the manifest. Each is matched
// to the caller's agency's call by its call id, else by time (within
// store.MatchWindow, to the phone when given), and kept as that contact's
// recording; each file stands alone: one that matches nothing or is
// refused is reported and leaves nothing behind, the others are kept.
func (s *Server) apiBulkRecordings(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	mr, err := openMultipart(c, maxBulkRequest)
	if err != nil {
		return err
	}
	var manifest map[string]bulkItem
	var results []bulkResult
	matched := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadReadError(err)
		}
		switch part.FormName() {
		case "manifest":
			var items []bulkItem
			if err := json.NewDecoder(io.LimitReader(part, 4<<20)).Decode(&items); err != nil {
				return collect.Invalid("manifest", "err.evidence.manifest")
			}
			if len(items) > MaxBulkFiles {
				return collect.Invalid("manifest", "err.evidence.manifest_long", "max", MaxBulkFiles)
			}
			manifest = map[string]bulkItem{}
			for _, it := range items {
				if it.File == "" || textProblem(it.File) != "" || textProblem(it.CallID) != "" || textProblem(it.Phone) != "" {
					return collect.Invalid("manifest", "err.evidence.manifest")
				}
				manifest[it.File] = it
			}
		case "file", "files":
			if manifest == nil {
				return collect.Invalid("manifest", "err.evidence.manifest_first")
			}
			if len(results) >= MaxBulkFiles {
				return collect.Invalid("manifest", "err.evidence.manifest_long", "max", MaxBulkFiles)
			}
			r := s.bulkOne(ctx, c, a, part.FileName(), manifest, part)
			if r.ContactID != "" && r.Error == nil {
				matched++
			}
			results = append(results, r)
		default:
			_, _ = io.Copy(io.Discard, io.LimitReader(part, 64<<10))
		}
	}
	if results == nil {
		return collect.Invalid("file", "err.evidence.file_missing")
	}
	return c.JSON(http.StatusOK, map[string]any{"items": results, "matched": matched, "unmatched": len(results) - matched})
}

func (s *Server) bulkOne(ctx context.Context, c echo.Context, a collect.Actor, name string, manifest map[string]bulkItem, part io.Reader) bulkResult {
	res := bulkResult{File: name}
	fail := func(err error) bulkResult {
		_, _ = io.Copy(io.Discard, part)
		var ae *collect.Error
		if !errors.As(err, &ae) {
			s.log.Error("bulk recording", "file", name, "error", err)
			res.Error = &bulkErrorField{Code: collect.EINTERNAL, Message: "internal error"}
			return res
		}
		res.Error = &bulkErrorField{Code: ae.Code, Message: collect.ErrorMessage(ae)}
		if len(ae.Fields) > 0 {
			res.Error.Field = ae.Fields[0].Field
		}
		return res
	}
	it, ok := manifest[name]
	if !ok {
		return fail(collect.Invalid("manifest", "err.evidence.not_in_manifest"))
	}
	m, err := s.store.MatchRecording(ctx, a, it.CallID, it.At, it.Phone)
	if err != nil {
		return fail(err)
	}
	switch m.Reason {
	case "no_contact":
		return fail(collect.E(collect.ENOTFOUND, "err.evidence.no_match"))
	case "ambiguous":
		return fail(collect.E(collect.ECONFLICT, "err.evidence.ambiguous_match"))
	}
	sp, err := blob.Spool(part, s.blobTemp, evidence.MaxBytes, evidence.HeadBytes)
	if err != nil {
		return fail(spoolError(err))
	}
	up := &attachmentUpload{kind: evidence.KindRecording, callID: it.CallID, fileName: name, file: sp}
	defer up.Close()
	att, err := s.keepAttachment(ctx, a, m.ContactID, up)
	if err != nil {
		return fail(err)
	}
	res.ContactID, res.AttachmentID, res.SHA256 = m.ContactID, att.ID, att.SHA256
	return res
}
