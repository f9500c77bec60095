package store

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/portal/csvout"
)

// ImportRequest is one portfolio file to import.
type ImportRequest struct {
	Name     string
	Filename string
	Partial  bool // keep the valid rows; otherwise all or nothing
	Mapping  allocation.Mapping
	Source   allocation.RowSource
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
	CreatedBy     string     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	FinishedAt    *time.Time `json:"finished_at"`
}

const (
	maxListedErrors = 1000   // errors returned in the answer
	maxKeptRejects  = 200000 // rejected lines kept for the download
	importBatchPG   = 10000
	importBatchLite = 1000
)

// ValidateImportName checks the portfolio name given with a file.
func ValidateImportName(name string) error {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n == 0 || n > 200 {
		return &allocation.Error{Code: allocation.EINVALID, Message: "name the portfolio (1 to 200 characters)", Fields: []allocation.FieldError{{Field: "name", Message: "required"}}}
	}
	return nil
}

// StartImport records an import as running, so a page can follow it while
// ImportPortfolio works.
func (s *Store) StartImport(ctx context.Context, a allocation.Actor, name, filename string, partial bool) (string, error) {
	if err := ValidateImportName(name); err != nil {
		return "", err
	}
	if a.OrgKind != allocation.KindLender {
		return "", allocation.Errorf(allocation.EFORBIDDEN, "only a lender imports portfolios")
	}
	id := uuid.Must(uuid.NewV7()).String()
	err := s.db.WithContext(ctx).Table("imports").Create(map[string]any{"id": id, "lender_id": a.OrgID, "name": strings.TrimSpace(name),
		"filename": truncate(filename, 200), "status": "running", "partial": partial, "created_by": a.UserID, "created_at": s.now()}).Error
	return id, err
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// errRollback ends the import transaction without keeping anything.
var errRollback = errors.New("import rolled back")

type rejectLine struct {
	line           int
	field, message string
	raw            string
}

// ImportPortfolio streams a portfolio file into a new portfolio of the
// actor's lender: each row validated (ParseRow), references checked for
// duplicates inside the file, valid rows upserted in batches (COPY on
// PostgreSQL, 1,000-row multi-row statements on SQLite) so re-importing a
// reference updates the account rather than duplicating it. All or nothing
// unless Partial. The rejected lines are kept for the CSV download.
func (s *Store) ImportPortfolio(ctx context.Context, a allocation.Actor, req ImportRequest) (ImportResult, error) {
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
		res.Status, res.Message = "failed", allocation.ErrorMessage(err)
		s.finishImport(ctx, a, res, nil)
		return res, err
	}
	now := s.now()
	portfolioID := uuid.Must(uuid.NewV7()).String()
	var rejects []rejectLine
	// References seen so far, by a 128-bit hash: a string key would keep
	// each row's whole line alive (the CSV reader slices fields out of it),
	// about 110 bytes a row; the hash is 16, and collisions are out of reach.
	seen := make(map[[16]byte]int32, 1024)
	refKey := func(ref string) (k [16]byte) {
		h := fnv.New128a()
		h.Write([]byte(ref))
		h.Sum(k[:0])
		return k
	}
	report := func(processed int) {
		if req.Progress != nil {
			req.Progress(processed, res.Accepted, res.Rejected)
		}
	}
	err = s.inBulkTx(ctx, func(b *bulkTx) error {
		if err := b.Table("portfolios").Create(map[string]any{"id": portfolioID, "lender_id": a.OrgID, "name": strings.TrimSpace(req.Name),
			"currency": "CNY", "created_by": a.Email, "imported_at": now}).Error; err != nil {
			return err
		}
		up := newAccountUpserter(b, a.OrgID, portfolioID, now)
		processed := 0
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec, line, err := req.Source.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return allocation.Errorf(allocation.EINVALID, "the file cannot be read past line %d: %v", line, allocation.ErrorMessage(err))
			}
			processed++
			row, rowErrs := allocation.ParseRow(rec, line, idx, now)
			if len(rowErrs) == 0 {
				k := refKey(row.ExternalRef)
				if first, dup := seen[k]; dup {
					rowErrs = append(rowErrs, allocation.RowError{Line: line, Field: string(allocation.ColExternalRef),
						Message: fmt.Sprintf("duplicate reference: already on line %d of this file", first)})
				} else {
					seen[k] = int32(line)
				}
			}
			if len(rowErrs) > 0 {
				res.Rejected++
				for _, e := range rowErrs {
					if len(res.Errors) < maxListedErrors {
						res.Errors = append(res.Errors, e)
					}
				}
				if len(rejects) < maxKeptRejects {
					msgs := make([]string, len(rowErrs))
					for i, e := range rowErrs {
						msgs[i] = e.Field + ": " + e.Message
					}
					rejects = append(rejects, rejectLine{line: line, field: rowErrs[0].Field, message: strings.Join(msgs, "; "), raw: csvLine(rec)})
				}
			} else {
				res.Accepted++
				if !req.Partial && res.Rejected > 0 {
					// All or nothing and already failed: validate the rest only.
				} else if err := up.add(ctx, row); err != nil {
					return err
				}
			}
			if processed%5000 == 0 {
				report(processed)
			}
		}
		report(processed)
		if (res.Rejected > 0 && !req.Partial) || res.Accepted == 0 {
			return errRollback
		}
		if err := up.flush(ctx); err != nil {
			return err
		}
		if err := b.Exec(`UPDATE portfolios SET account_count = (SELECT COUNT(*) FROM accounts a WHERE a.portfolio_id = portfolios.id),
			balance_cents = (SELECT COALESCE(SUM(a.balance_cents), 0) FROM accounts a WHERE a.portfolio_id = portfolios.id)
			WHERE lender_id = ?`, a.OrgID).Error; err != nil {
			return err
		}
		return s.appendAudit(b.DB, a, auditRecord{Action: "portfolio.import", ObjectType: "portfolio", ObjectID: portfolioID, LenderID: a.OrgID,
			After: map[string]any{"name": req.Name, "file": req.Filename, "accepted": res.Accepted, "rejected": res.Rejected, "partial": req.Partial}})
	})
	switch {
	case err == nil:
		res.Status, res.PortfolioID, res.ID = "done", portfolioID, portfolioID
	case errors.Is(err, errRollback):
		res.Status = "failed"
		if res.Accepted == 0 && res.Rejected == 0 {
			res.Message = "the file has a header but no rows"
		} else if res.Accepted == 0 {
			res.Message = "no row is valid; nothing was imported"
		} else {
			res.Message = fmt.Sprintf("%d rows were rejected, so nothing was imported (all or nothing); fix them or import with partial=true", res.Rejected)
		}
		res.Accepted = 0
		err = nil
	default:
		res.Status, res.Message = "failed", allocation.ErrorMessage(err)
		res.Accepted = 0
	}
	s.finishImport(ctx, a, res, rejects)
	if res.Status == "done" && res.Accepted >= bulkAnalyzeRows {
		s.analyze(ctx, "accounts") // after the import shows as done: it takes a second at 1,000,000 rows
	}
	return res, err
}

// finishImport records the outcome and the rejected lines, outside the
// import's transaction so a rolled-back import still says why.
func (s *Store) finishImport(ctx context.Context, a allocation.Actor, res ImportResult, rejects []rejectLine) {
	ctx = context.WithoutCancel(ctx)
	now := s.now()
	_ = s.inBulkTx(ctx, func(b *bulkTx) error {
		rows := make([][]any, 0, min(len(rejects), 5000))
		for _, r := range rejects {
			rows = append(rows, []any{res.ImportID, r.line, r.field, r.message, r.raw})
			if len(rows) == cap(rows) {
				if err := b.copyRows(ctx, "import_rejects", []string{"import_id", "line", "field", "message", "raw"}, rows, ""); err != nil {
					return err
				}
				rows = rows[:0]
			}
		}
		if err := b.copyRows(ctx, "import_rejects", []string{"import_id", "line", "field", "message", "raw"}, rows, ""); err != nil {
			return err
		}
		return b.Table("imports").Where("id = ?", res.ImportID).Updates(map[string]any{"status": res.Status, "portfolio_id": res.PortfolioID,
			"processed_rows": res.Accepted + res.Rejected, "accepted": res.Accepted, "rejected": res.Rejected,
			"message": truncate(res.Message, 500), "finished_at": now}).Error
	})
}

func csvLine(rec []string) string {
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	_ = w.Write(rec)
	w.Flush()
	return strings.TrimRight(sb.String(), "\r\n")
}

// accountUpserter batches valid rows into the accounts table.
type accountUpserter struct {
	b                     *bulkTx
	lenderID, portfolioID string
	now                   time.Time
	rows                  [][]any
	batch                 int
}

var accountImportColumns = []string{"id", "lender_id", "portfolio_id", "external_ref", "debtor_name", "national_id", "phone",
	"emergency_contact_phone", "province", "principal_cents", "balance_cents", "currency", "due_date", "dpd", "bucket",
	"last_payment_date", "created_at", "updated_at"}

// The columns a re-import refreshes; stage, status and flags stay.
const accountUpsertSet = `portfolio_id = excluded.portfolio_id, debtor_name = excluded.debtor_name, national_id = excluded.national_id,
	phone = excluded.phone, emergency_contact_phone = excluded.emergency_contact_phone, province = excluded.province,
	principal_cents = excluded.principal_cents, balance_cents = excluded.balance_cents, currency = excluded.currency,
	due_date = excluded.due_date, dpd = excluded.dpd, bucket = excluded.bucket, last_payment_date = excluded.last_payment_date,
	updated_at = excluded.updated_at`

func newAccountUpserter(b *bulkTx, lenderID, portfolioID string, now time.Time) *accountUpserter {
	batch := importBatchLite
	if b.dialect == "postgres" {
		batch = importBatchPG
	}
	return &accountUpserter{b: b, lenderID: lenderID, portfolioID: portfolioID, now: now, batch: batch, rows: make([][]any, 0, batch)}
}

func (u *accountUpserter) add(ctx context.Context, r allocation.ImportRow) error {
	u.rows = append(u.rows, []any{uuid.Must(uuid.NewV7()).String(), u.lenderID, u.portfolioID, r.ExternalRef, r.DebtorName, r.NationalID,
		r.Phone, r.EmergencyContactPhone, r.Province, r.PrincipalCents, r.BalanceCents, r.Currency, r.DueDate, r.DPD, r.Bucket,
		r.LastPaymentDate, u.now, u.now})
	if len(u.rows) >= u.batch {
		return u.flush(ctx)
	}
	return nil
}

var stageSeq atomic.Int64

// flush writes the batch: on SQLite as multi-row INSERT ... ON CONFLICT DO
// UPDATE; on PostgreSQL as COPY into a temporary table, then one
// INSERT ... SELECT ... ON CONFLICT DO UPDATE.
func (u *accountUpserter) flush(ctx context.Context) error {
	if len(u.rows) == 0 {
		return nil
	}
	defer func() { u.rows = u.rows[:0] }()
	if u.b.dialect != "postgres" {
		return u.b.copyRows(ctx, "accounts", accountImportColumns, u.rows,
			"ON CONFLICT (lender_id, external_ref) DO UPDATE SET "+accountUpsertSet)
	}
	stage := fmt.Sprintf("import_stage_%d", stageSeq.Add(1))
	cols := strings.Join(accountImportColumns, ", ")
	if err := u.b.Exec("CREATE TEMP TABLE " + stage + " (LIKE accounts INCLUDING DEFAULTS) ON COMMIT DROP").Error; err != nil {
		return err
	}
	if err := u.b.copyRows(ctx, stage, accountImportColumns, u.rows, ""); err != nil {
		return err
	}
	if err := u.b.Exec("INSERT INTO accounts (" + cols + ") SELECT " + cols + " FROM " + stage +
		" ON CONFLICT (lender_id, external_ref) DO UPDATE SET " + accountUpsertSet).Error; err != nil {
		return err
	}
	return u.b.Exec("DROP TABLE " + stage).Error
}

// ImportStatus returns one import of the actor's lender.
func (s *Store) ImportStatus(ctx context.Context, a allocation.Actor, id string) (Import, error) {
	var out Import
	err := s.db.WithContext(ctx).Table("imports").Where("id = ? AND lender_id = ?", id, a.OrgID).Take(&out).Error
	return out, notFound(err, "import")
}

// ListImports returns the lender's recent imports.
func (s *Store) ListImports(ctx context.Context, a allocation.Actor, limit int) ([]Import, error) {
	var out []Import
	err := s.db.WithContext(ctx).Table("imports").Where("lender_id = ?", a.OrgID).Order("created_at DESC").Limit(limit).Find(&out).Error
	return out, err
}

// ImportErrors returns the first rejected lines of an import.
func (s *Store) ImportErrors(ctx context.Context, a allocation.Actor, id string, limit int) ([]allocation.RowError, error) {
	if _, err := s.ImportStatus(ctx, a, id); err != nil {
		return nil, err
	}
	var out []allocation.RowError
	err := s.db.WithContext(ctx).Table("import_rejects").Select("line, field, message").Where("import_id = ?", id).
		Order("line").Limit(limit).Scan(&out).Error
	return out, err
}

// WriteRejectsCSV streams an import's rejected lines as CSV: the original
// cells, then the line number and what was wrong (UTF-8 with BOM for Excel).
func (s *Store) WriteRejectsCSV(ctx context.Context, a allocation.Actor, id string, w io.Writer) error {
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
func (s *Store) Mappings(ctx context.Context, a allocation.Actor) (map[string]allocation.Mapping, error) {
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
func (s *Store) SaveMapping(ctx context.Context, a allocation.Actor, name string, m allocation.Mapping) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n == 0 || n > 100 {
		return &allocation.Error{Code: allocation.EINVALID, Message: "name the mapping (1 to 100 characters)", Fields: []allocation.FieldError{{Field: "name", Message: "required"}}}
	}
	if len(m) == 0 {
		return &allocation.Error{Code: allocation.EINVALID, Message: "the mapping is empty", Fields: []allocation.FieldError{{Field: "mapping", Message: "required"}}}
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

// FailImport marks an import that could not start (an unreadable file).
func (s *Store) FailImport(ctx context.Context, a allocation.Actor, id, message string) {
	s.finishImport(ctx, a, ImportResult{ImportID: id, Status: "failed", Message: message}, nil)
}
