package portal

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/labstack/echo/v4"

	"collect/allocation"
	"collect/portal/jobs"
	"collect/portal/sheets"
	"collect/portal/store"
	"collect/views"
)

// MaxUpload is the largest portfolio file accepted.
const MaxUpload = 600 << 20

// upload is a portfolio file received in a multipart form, with the form's
// other fields.
type upload struct {
	file     multipart.File
	size     int64
	filename string
	name     string
	partial  bool
	mapping  allocation.Mapping
	profile  string // the rows' default conduct profile
}

// readUpload parses the multipart form (parts over 32 MB go to temporary
// files, so memory stays flat) and resolves the mapping: a JSON object, or
// the name of a saved mapping.
func (s *Server) readUpload(c echo.Context) (*upload, error) {
	r := c.Request()
	if !strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		return nil, badRequest{collect.E(collect.EINVALID, "err.upload.multipart")}
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return nil, badRequest{collect.E(collect.EINVALID, "err.upload.unreadable", "detail", err.Error())}
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) != 1 {
		return nil, collect.E(collect.EINVALID, "err.upload.one_file").WithFields(collect.Field("file", "err.form.required"))
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, err
	}
	u := &upload{file: f, size: fhs[0].Size, filename: fhs[0].Filename, name: strings.TrimSpace(r.FormValue("name"))}
	if u.name == "" {
		u.name = strings.TrimSuffix(u.filename, ".csv")
	}
	switch strings.ToLower(r.FormValue("partial")) {
	case "", "false", "0", "off":
	case "true", "1", "on":
		u.partial = true
	default:
		f.Close()
		return nil, collect.E(collect.EINVALID, "err.upload.partial").WithFields(collect.Field("partial", "err.upload.true_or_false"))
	}
	u.profile = strings.TrimSpace(r.FormValue("conduct_profile"))
	if u.profile == "" {
		u.profile = allocation.ConductProfileChina
	}
	if !allocation.ValidConductProfile(u.profile) {
		f.Close()
		return nil, collect.E(collect.EINVALID, "err.upload.conduct_profile").WithFields(collect.Field("conduct_profile", "err.upload.conduct_profile"))
	}
	if m := strings.TrimSpace(r.FormValue("mapping")); m != "" {
		if strings.HasPrefix(m, "{") {
			if err := json.Unmarshal([]byte(m), &u.mapping); err != nil {
				f.Close()
				return nil, collect.E(collect.EINVALID, "err.upload.mapping_malformed").WithFields(collect.Field("mapping", "err.upload.malformed"))
			}
		} else {
			saved, err := s.store.Mappings(r.Context(), actorOf(c))
			if err != nil {
				f.Close()
				return nil, err
			}
			mp, ok := saved[m]
			if !ok {
				f.Close()
				return nil, collect.E(collect.EINVALID, "err.upload.mapping_unknown", "name", m).WithFields(collect.Field("mapping", "err.form.unknown"))
			}
			u.mapping = mp
		}
	}
	return u, nil
}

// apiImport is POST /api/v1/portfolios: the import runs within the request
// and answers 201 with the counts and the rejected lines, or 422 with the
// same body when nothing was imported.
func (s *Server) apiImport(c echo.Context) error {
	u, err := s.readUpload(c)
	if err != nil {
		return err
	}
	defer u.file.Close()
	src, err := sheets.OpenRowSource(u.file, u.size)
	if err != nil {
		return err
	}
	defer src.Close()
	res, err := s.store.ImportPortfolio(c.Request().Context(), actorOf(c), store.ImportRequest{
		Name: u.name, Filename: u.filename, Partial: u.partial, Mapping: u.mapping, Source: src, ConductProfile: u.profile,
	})
	if err != nil && collect.ErrorCode(err) != collect.EINVALID {
		return err
	}
	if err != nil {
		var ae *collect.Error
		errors.As(err, &ae)
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{"id": "", "import_id": res.ImportID, "status": "failed",
			"accepted": 0, "rejected": 0, "errors": []any{}, "error": map[string]any{"code": ae.Code, "message": collect.ErrorMessage(ae),
				"key": ae.Key, "fields": views.EnglishFields(ae.Fields)}})
	}
	if res.Status != "done" {
		return c.JSON(http.StatusUnprocessableEntity, res)
	}
	return c.JSON(http.StatusCreated, res)
}

func (s *Server) apiImportStatus(c echo.Context) error {
	imp, err := s.store.ImportStatus(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if p, ok := s.jobs.progress(imp.ID); ok && imp.Status == "running" {
		imp.ProcessedRows, imp.Accepted, imp.Rejected = p.processed, p.accepted, p.rejected
	}
	return c.JSON(http.StatusOK, imp)
}

func (s *Server) apiImports(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListImports(c.Request().Context(), actorOf(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, p))
}

func (s *Server) importRejectsCSV(c echo.Context) error {
	ctx := c.Request().Context()
	if _, err := s.store.ImportStatus(ctx, actorOf(c), c.Param("id")); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="rejected-`+c.Param("id")+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return s.store.WriteRejectsCSV(ctx, actorOf(c), c.Param("id"), c.Response())
}

func (s *Server) apiMappings(c echo.Context) error {
	out, err := s.store.Mappings(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type mappingBody struct {
	Name    string             `json:"name"`
	Mapping allocation.Mapping `json:"mapping"`
}

func (s *Server) apiSaveMapping(c echo.Context) error {
	var b mappingBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.store.SaveMapping(c.Request().Context(), actorOf(c), b.Name, b.Mapping); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

// importTracker follows imports that run in the background for the pages. Progress
// lives in this process; another instance answering the poll reads the
// import's stored status instead, which is final once the import ends.
type importTracker struct {
	mu   sync.Mutex
	runs map[string]*jobProgress
}

type jobProgress struct {
	processed, accepted, rejected int
	read, size                    int64
}

func (j *importTracker) progress(id string) (jobProgress, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	p, ok := j.runs[id]
	if !ok {
		return jobProgress{}, false
	}
	return *p, true
}

func (j *importTracker) set(id string, f func(p *jobProgress)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.runs == nil {
		j.runs = map[string]*jobProgress{}
	}
	p, ok := j.runs[id]
	if !ok {
		p = &jobProgress{}
		j.runs[id] = p
	}
	f(p)
}

func (j *importTracker) done(id string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.runs, id)
}

// countingReaderAt tells how far into the file the reader has got.
type countingReaderAt struct {
	r    io.ReaderAt
	j    *importTracker
	id   string
	high int64
	mu   sync.Mutex
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.mu.Lock()
	if end := off + int64(n); end > c.high {
		c.high = end
		c.j.set(c.id, func(jp *jobProgress) { jp.read = end })
	}
	c.mu.Unlock()
	return n, err
}

// startBackgroundImport copies the upload to a file of our own (the
// request's temporary files go when it ends) and imports it in the
// background; the page follows it by the import id.
func (s *Server) startBackgroundImport(c echo.Context, u *upload) (string, error) {
	a := actorOf(c)
	id, err := s.store.StartImport(c.Request().Context(), a, u.name, u.filename, u.partial)
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp("", importTempPrefix+id+"-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(tmp, io.NewSectionReader(u.file, 0, u.size)); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	tmp.Close()
	payload, err := json.Marshal(importPayload{Actor: a, Name: u.name, Filename: u.filename, Partial: u.partial, Mapping: u.mapping, ConductProfile: u.profile})
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	s.jobs.set(id, func(p *jobProgress) { p.size = u.size })
	if err := s.runner.EnqueueImport(c.Request().Context(), jobs.ImportPortfolioArgs{ImportID: id, Path: tmp.Name(), Size: u.size, Payload: payload}); err != nil {
		s.jobs.done(id)
		os.Remove(tmp.Name())
		return "", err
	}
	return id, nil
}

// importPayload is what an import_portfolio job carries of the upload.
type importPayload struct {
	Actor    collect.Actor      `json:"actor"`
	Name     string             `json:"name"`
	Filename string             `json:"filename"`
	Partial  bool               `json:"partial"`
	Mapping  allocation.Mapping `json:"mapping"`
	// ConductProfile is the rows' default profile ("" in jobs queued before
	// it was kept: china).
	ConductProfile string `json:"conduct_profile"`
}

// runImport works an import_portfolio job on the instance that holds the
// upload copy (the job is on its own queue). A copy gone (the machine
// restarted) leaves the import running until recover_imports fails it as
// interrupted, by its stale heartbeat.
func (s *Server) runImport(ctx context.Context, args jobs.ImportPortfolioArgs) error {
	var p importPayload
	if err := json.Unmarshal(args.Payload, &p); err != nil {
		return err
	}
	id, a := args.ImportID, p.Actor
	defer os.Remove(args.Path)
	defer s.jobs.done(id)
	tmp, err := os.Open(args.Path)
	if err != nil {
		return err
	}
	defer tmp.Close()
	ctx = context.WithoutCancel(ctx) // the import's transaction finishes even on a stop
	var src sheets.RowSource
	if isXLSX(tmp) {
		src, err = sheets.OpenRowSource(tmp, args.Size) // excelize opens the file by path
	} else {
		src, err = sheets.OpenRowSource(&countingReaderAt{r: tmp, j: &s.jobs, id: id}, args.Size)
	}
	if err != nil {
		s.store.FailImport(ctx, a, id, err)
		return nil // the import failed, the job did its work
	}
	defer src.Close()
	_, err = s.store.ImportPortfolio(ctx, a, store.ImportRequest{
		ImportID: id, Name: p.Name, Filename: p.Filename, Partial: p.Partial, Mapping: p.Mapping, Source: src, ConductProfile: p.ConductProfile,
		Progress: func(processed, accepted, rejected int) {
			s.jobs.set(id, func(jp *jobProgress) { jp.processed, jp.accepted, jp.rejected = processed, accepted, rejected })
		},
	})
	if err != nil && collect.ErrorCode(err) == collect.EINTERNAL {
		s.log.Error("background import", "import", id, "error", err)
		return err
	}
	return nil
}

func isXLSX(f *os.File) bool {
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	return n == 4 && string(head) == "PK\x03\x04"
}

// importTempPrefix begins the name of a background import's copy of its
// upload: portal-import-<import id>-<random>, so a sweep can tell whose
// file it is.
const importTempPrefix = "portal-import-"

// RecoverImports fails the imports an interrupted process left running
// (store.RecoverStaleImports: by stale heartbeat, so safe with several
// processes on one database) and deletes the temporary upload copies that
// no running import owns: those of this database's imports that are no
// longer running, and, when startedAt is given (at start), files older
// than the process whose name carries no import id (an older naming).
// Files of imports this database does not know are left alone: another
// portal on the same machine, with another database, may own them.
func RecoverImports(ctx context.Context, st *store.Store, log *slog.Logger, startedAt time.Time) error {
	ids, err := st.RecoverStaleImports(ctx, store.ImportStaleAfter)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("recovering interrupted imports", "error", err)
		}
		return err
	}
	if len(ids) > 0 {
		log.Warn("interrupted imports failed and undone", "imports", ids)
	}
	paths, _ := filepath.Glob(filepath.Join(os.TempDir(), importTempPrefix+"*"))
	if len(paths) == 0 {
		return nil
	}
	byID := map[string][]string{}
	ids = nil
	for _, p := range paths {
		rest := strings.TrimPrefix(filepath.Base(p), importTempPrefix)
		if len(rest) > 36 && rest[36] == '-' && uuid.Validate(rest[:36]) == nil {
			if byID[rest[:36]] == nil {
				ids = append(ids, rest[:36])
			}
			byID[rest[:36]] = append(byID[rest[:36]], p)
			continue
		}
		if fi, err := os.Stat(p); err == nil && !startedAt.IsZero() && fi.ModTime().Before(startedAt) {
			removeImportFile(log, p)
		}
	}
	status, err := st.ImportStatuses(ctx, ids)
	if err != nil {
		log.Error("sweeping import files", "error", err)
		return err
	}
	for id, files := range byID {
		if s, known := status[id]; known && s != "running" {
			for _, p := range files {
				removeImportFile(log, p)
			}
		}
	}
	return nil
}

func removeImportFile(log *slog.Logger, path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Warn("removing an import's temporary file", "path", path, "error", err)
	}
}
