package store

import (
	"collect"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/portal/csvout"
	"collect/portal/sheets"
)

// ImportRequest is one portfolio file to import.
type ImportRequest struct {
	Name     string
	Filename string
	Partial  bool // keep the valid rows; otherwise all or nothing
	// ConductProfile is the rows' default rule profile (china when empty);
	// a row's own conduct_profile column wins.
	ConductProfile string
	Mapping        allocation.Mapping
	Source         sheets.RowSource
	// Progress, when set, is told the rows read so far now and then.
	Progress func(processed, accepted, rejected int)
	// ImportID, when set, names an import row already created by StartImport.
	ImportID string
}

// ImportResult is the outcome (API.md: id, accepted, rejected, errors).
type ImportResult struct {
	ID          string                `json:"id"` // the new portfolio's ("" when nothing was imported)
	ImportID    string                `json:"import_id"`
	PortfolioID string                `json:"portfolio_id,omitempty"`
	Status      string                `json:"status"`
	Accepted    int                   `json:"accepted"`
	Rejected    int                   `json:"rejected"`
	Errors      []allocation.RowError `json:"errors"`
	Message     string                `json:"message,omitempty"`
	MessageKey  string                `json:"message_key,omitempty"`
	messageArgs map[string]any
}

// fail records why the import failed: a keyed *collect.Error is kept as its
// key and arguments beside its English text; any other error is internal.
func (r *ImportResult) fail(err error) {
	r.Status = "failed"
	var ae *collect.Error
	if errors.As(err, &ae) && ae.Code != collect.EINTERNAL && ae.Key != "" {
		r.Message, r.MessageKey, r.messageArgs = ae.Text(), ae.Key, ae.Args
		return
	}
	r.Message, r.MessageKey, r.messageArgs = collect.ErrorMessage(err), "", nil
}

// Import is a stored import, for the progress page and the history.
type Import struct {
	ID            string     `json:"id"`
	LenderID      string     `json:"lender_id"`
	PortfolioID   string     `json:"portfolio_id"`
	Name          string     `json:"name"`
	Filename      string     `json:"filename"`
	Status        string     `json:"status"`
	Partial       bool       `json:"partial"`
	ProcessedRows int        `json:"processed_rows"`
	Accepted      int        `json:"accepted"`
	Rejected      int        `json:"rejected"`
	Message       string     `json:"message"`
	MessageKey    string     `json:"message_key,omitempty"`
	MessageArgs   string     `json:"-"`
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at"`
}

const (
	maxListedErrors = 1000   // errors returned in the answer
	maxKeptRejects  = 200000 // rejected lines kept for the download
)

// ValidateImportName checks the portfolio name given with a file.
func ValidateImportName(name string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n == 0 || n > 200 {
		return collect.E(collect.EINVALID, "err.import.name_length", "max", 200).WithFields(collect.Field("name", "err.form.required"))
	}
	return nil
}

// StartImport records an import as running, so a page can follow it while
// ImportPortfolio works.
func (s *Store) StartImport(ctx context.Context, a collect.Actor, name, filename string, partial bool) (string, error) {
	if err := ValidateImportName(name); err != nil {
		return "", err
	}
	if a.OrgKind != collect.KindLender {
		return "", collect.E(collect.EFORBIDDEN, "err.import.lender_only")
	}
	id := uuid.Must(uuid.NewV7()).String()
	err := s.db.WithContext(ctx).Table("imports").Create(map[string]any{"id": id, "lender_id": a.OrgID, "name": strings.TrimSpace(name),
		"filename": truncate(filename, 200), "status": "running", "partial": partial, "created_by": a.UserID, "created_at": s.now(),
		"heartbeat_at": s.now()}).Error
	return id, err
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// errRollback ends an all-or-nothing import that found a bad row, or one
// with no valid row, without keeping anything.
var errRollback = errors.New("import rolled back")

// ImportPortfolio streams a portfolio file into a new portfolio of the
// actor's lender: each row validated (ParseRow), references checked for
// duplicates inside the file, and re-importing a reference updates that
// account (and moves it to the new portfolio) rather than duplicating it.
// All or nothing unless Partial. The rejected lines are kept (truncated) for
// the CSV download.
//
// It runs in phases so that no write transaction is held for long (on
// SQLite a writer holds the database's only write lock; an import of a
// million rows in one transaction made every other writer fail after the
// busy timeout). See importphases.go.
func (s *Store) ImportPortfolio(ctx context.Context, a collect.Actor, req ImportRequest) (ImportResult, error) {
	if req.ImportID == "" {
		id, err := s.StartImport(ctx, a, req.Name, req.Filename, req.Partial)
		if err != nil {
			return ImportResult{}, err
		}
		req.ImportID = id
	}
	res := ImportResult{ImportID: req.ImportID, Errors: []allocation.RowError{}}
	idx, err := allocation.MapColumns(req.Source.Header(), req.Mapping)
	if err != nil {
		res.fail(err)
		s.finishImport(ctx, nil, res)
		return res, err
	}
	run, err := s.claimImport(ctx, a, req.ImportID)
	if err != nil {
		return res, err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopBeat := run.beat(runCtx, cancel)
	tot, err := s.stageImport(runCtx, run, req, idx, &res)
	if err == nil {
		if (res.Rejected > 0 && !req.Partial) || res.Accepted == 0 {
			err = errRollback
		} else {
			err = s.applyImport(runCtx, run, req, &res, tot)
		}
	}
	stopBeat()
	if c := context.Cause(runCtx); err != nil && errors.Is(c, errImportLost) {
		err = c
	}
	switch {
	case err == nil:
		res.Status, res.PortfolioID, res.ID = "done", run.portfolioID, run.portfolioID
	case errors.Is(err, errImportLost):
		// Recovery took the import over (its heartbeat had gone stale) and
		// undoes and finishes it; write nothing more.
		res.fail(collect.E(collect.EINVALID, ImportInterruptedKey))
		res.Accepted = 0
		return res, fmt.Errorf("import %s: %w", run.id, err)
	case errors.Is(err, errRollback):
		if res.Accepted == 0 && res.Rejected == 0 {
			res.fail(collect.E(collect.EINVALID, "err.import.no_rows"))
		} else if res.Accepted == 0 {
			res.fail(collect.E(collect.EINVALID, "err.import.no_valid_row"))
		} else {
			res.fail(collect.E(collect.EINVALID, "err.import.all_or_nothing", "rejected", res.Rejected))
		}
		res.Accepted = 0
		err = nil
	default:
		res.fail(err)
		res.Accepted = 0
	}
	if res.Status == "done" {
		s.cleanupImport(context.WithoutCancel(ctx), run)
		if res.Accepted >= bulkAnalyzeRows {
			s.analyze(ctx, "accounts") // after the import shows as done: it takes a second at 1,000,000 rows
		}
		return res, err
	}
	// Undo what was applied and drop the staged rows, then say why. If the
	// undo fails, the import stays running with a heartbeat that goes
	// stale, and recovery finishes the undo.
	if uerr := s.undoImport(context.WithoutCancel(ctx), run); uerr != nil {
		slog.Default().Error("undoing a failed import", "import", run.id, "error", uerr)
		return res, errors.Join(err, uerr)
	}
	s.finishImport(ctx, run, res)
	return res, err
}

// finishImport records the outcome of an import that failed; run, when
// given, must still own it.
func (s *Store) finishImport(ctx context.Context, run *importRun, res ImportResult) {
	ctx = context.WithoutCancel(ctx)
	q := s.db.WithContext(ctx).Table("imports").Where("id = ? AND status = 'running'", res.ImportID)
	if run != nil {
		q = q.Where("runner = ?", run.runner)
	}
	q.Updates(map[string]any{"status": res.Status, "portfolio_id": res.PortfolioID,
		"processed_rows": res.Accepted + res.Rejected, "accepted": res.Accepted, "rejected": res.Rejected,
		"message": truncate(res.Message, 500), "message_key": res.MessageKey, "message_args": encodeArgs(res.messageArgs),
		"finished_at": s.now(), "phase": ""})
}

// maxRejectRaw bounds a rejected line as kept for the download: a hostile
// file's 200 MB row must not become a 200 MB database value.
const (
	maxRejectRaw  = 4 << 10
	maxRejectCell = 1 << 10
)

// rejectRaw is the rejected record as one CSV line for the download: each
// cell made valid UTF-8 without NUL and cut to maxRejectCell bytes, cells
// dropped past maxRejectRaw (the line then ends with "…"), so the line still
// parses back into cells.
func rejectRaw(rec []string) string {
	cells := make([]string, 0, len(rec))
	size := 0
	for _, c := range rec {
		c = cleanText(c, maxRejectCell)
		if size+len(c)+1 > maxRejectRaw {
			cells = append(cells, "…")
			break
		}
		size += len(c) + 1
		cells = append(cells, c)
	}
	line := csvLine(cells)
	if len(line) > 2*maxRejectRaw { // quotes doubled at most
		line = cleanText(line, 2*maxRejectRaw)
	}
	return line
}

// cleanText makes s valid UTF-8 without NUL, cut to at most n bytes on a
// rune boundary.
func cleanText(s string, n int) string {
	if len(s) > n+utf8.UTFMax {
		s = s[:n+utf8.UTFMax]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > n {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

func csvLine(rec []string) string {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	_ = w.Write(rec)
	w.Flush()
	return strings.TrimRight(sb.String(), "\r\n")
}

// Reason is why the import failed as a keyed error, for a page to say in
// the reader's language; nil when none was kept (done, or an import failed
// before the keys were kept: Message then says it in English).
func (im Import) Reason() *collect.Error {
	if im.MessageKey == "" {
		return nil
	}
	return &collect.Error{Code: collect.EINVALID, Key: im.MessageKey, Args: decodeArgs(im.MessageArgs)}
}

// hideUnfinishedPortfolio blanks the portfolio a running import will
// create (the importer records it when it starts, for recovery): a
// portfolio id means the import is done.
func (im *Import) hideUnfinishedPortfolio() {
	if im.Status != "done" {
		im.PortfolioID = ""
	}
}

// ImportStatus returns one import of the actor's lender.
func (s *Store) ImportStatus(ctx context.Context, a collect.Actor, id string) (Import, error) {
	var out Import
	err := s.db.WithContext(ctx).Table("imports").Where("id = ? AND lender_id = ?", id, a.OrgID).Take(&out).Error
	out.hideUnfinishedPortfolio()
	return out, notFound(err, "import")
}

// ListImports returns one page of the lender's imports, newest first, and
// how many there are.
func (s *Store) ListImports(ctx context.Context, a collect.Actor, p Page) ([]Import, int64, error) {
	q := s.db.WithContext(ctx).Table("imports").Where("lender_id = ?", a.OrgID)
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p = p.Normal()
	var out []Import
	if err := q.Order("created_at DESC, id").Offset(p.offset()).Limit(p.PerPage).Find(&out).Error; err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].hideUnfinishedPortfolio()
	}
	return out, total, nil
}

// ImportReject is one rejected line: its first problem's field and key,
// the English text of all its problems, and each problem keyed (none for a
// line rejected before the keys were kept: Message then says it in English).
type ImportReject struct {
	allocation.RowError
	Problems []allocation.RowError
}

// ImportErrors returns the first rejected lines of an import.
func (s *Store) ImportErrors(ctx context.Context, a collect.Actor, id string, limit int) ([]ImportReject, error) {
	if _, err := s.ImportStatus(ctx, a, id); err != nil {
		return nil, err
	}
	var rows []struct {
		Line                                 int
		Field, Message, MessageKey, Problems string
	}
	err := s.db.WithContext(ctx).Table("import_rejects").Select("line, field, message, message_key, problems").Where("import_id = ?", id).
		Order("line").Limit(limit).Scan(&rows).Error
	out := make([]ImportReject, len(rows))
	for i, r := range rows {
		out[i] = ImportReject{RowError: allocation.RowError{Line: r.Line, Field: r.Field, Message: r.Message, Key: r.MessageKey},
			Problems: decodeProblems(r.Problems, r.Line)}
		if len(out[i].Problems) > 0 {
			out[i].Args = out[i].Problems[0].Args
		}
	}
	return out, err
}

// WriteRejectsCSV streams an import's rejected lines as CSV: the original
// cells, then the line number and what was wrong (UTF-8 with BOM for Excel).
func (s *Store) WriteRejectsCSV(ctx context.Context, a collect.Actor, id string, w io.Writer) error {
	if _, err := s.ImportStatus(ctx, a, id); err != nil {
		return err
	}
	rows, err := s.db.WithContext(ctx).Table("import_rejects").Select("line, message, raw").Where("import_id = ?", id).Order("line").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	if _, err := io.WriteString(w, "\ufeffline,errors,row\n"); err != nil {
		return err
	}
	cw := csvout.NewWriter(w)
	for rows.Next() {
		var line int
		var msg, raw string
		if err := rows.Scan(&line, &msg, &raw); err != nil {
			return err
		}
		rec := []string{fmt.Sprint(line), msg}
		if cells, err := csv.NewReader(strings.NewReader(raw)).Read(); err == nil {
			rec = append(rec, cells...)
		} else {
			rec = append(rec, raw)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return rows.Err()
}

// Mappings returns the lender's saved column mappings by name.
func (s *Store) Mappings(ctx context.Context, a collect.Actor) (map[string]allocation.Mapping, error) {
	var rows []struct{ Name, Mapping string }
	if err := s.db.WithContext(ctx).Table("column_mappings").Where("lender_id = ?", a.OrgID).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]allocation.Mapping, len(rows))
	for _, r := range rows {
		var m allocation.Mapping
		_ = json.Unmarshal([]byte(r.Mapping), &m)
		out[r.Name] = m
	}
	return out, nil
}

// SaveMapping stores (or replaces) a named column mapping.
func (s *Store) SaveMapping(ctx context.Context, a collect.Actor, name string, m allocation.Mapping) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 100 {
		return collect.E(collect.EINVALID, "err.import.mapping_name_length", "max", 100).WithFields(collect.Field("name", "err.form.required"))
	}
	if len(m) == 0 {
		return collect.E(collect.EINVALID, "err.import.mapping_empty").WithFields(collect.Field("mapping", "err.form.required"))
	}
	if err := m.Validate(); err != nil {
		return err
	}
	body, _ := json.Marshal(m)
	name = strings.TrimSpace(name)
	return s.inTx(ctx, func(tx *gorm.DB) error {
		res := tx.Table("column_mappings").Where("lender_id = ? AND name = ?", a.OrgID, name).Update("mapping", string(body))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := tx.Table("column_mappings").Create(map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "lender_id": a.OrgID,
				"name": name, "mapping": string(body), "created_at": s.now()}).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(tx, a, auditRecord{Action: "mapping.save", ObjectType: "column_mapping", ObjectID: name, LenderID: a.OrgID, After: m})
	})
}

// FailImport marks an import that could not start (an unreadable file),
// with why.
func (s *Store) FailImport(ctx context.Context, a collect.Actor, id string, why error) {
	res := ImportResult{ImportID: id}
	res.fail(why)
	s.finishImport(ctx, nil, res)
}
