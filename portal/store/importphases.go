package store

import (
	"collect"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"collect/allocation"
	"collect/casework"
)

// An import runs in phases, so that no write transaction lasts long:
//
//  1. Stage: rows are read and validated outside any transaction; the valid
//     ones are written to import_rows (keyed by import id), the rejected
//     ones to import_rejects, a few thousand rows a transaction. Nothing is
//     visible to users yet.
//  2. Apply: the staged rows are upserted into accounts by INSERT ...
//     SELECT ... ON CONFLICT DO UPDATE.
//     On SQLite, in batches sized to last about importApplyTarget each
//     (at most importApplyBatchLite rows), one short transaction each, so
//     other writers wait at most that long. Before a batch updates existing accounts it copies
//     their current values into import_undo, in the same transaction, so
//     the undo is durable. The new portfolio and its accounts are visible
//     from the first batch; the import shows as done in a last short
//     transaction that sets the counts and appends the audit event.
//     On PostgreSQL the whole apply is one transaction: MVCC lets readers
//     and other writers go on (only the re-imported accounts' rows are
//     locked until it commits), and one transaction is truly atomic: a
//     crash rolls it back, nothing is ever visible half done, and no undo
//     rows need writing.
//  3. Clean up: the staging and undo rows are deleted in batches.
//
// If the import fails after it began applying, or the process dies, the
// undo (undoImport) restores the updated accounts from import_undo, deletes
// the accounts it created (their ids are the staged ones, fresh UUIDs) and
// the portfolio, batch by batch, each batch idempotent. The importer runs
// it on failure; after a crash, RecoverStaleImports does, for imports whose
// heartbeat has gone stale.
//
// The batch sizes are variables for the tests of failures mid-import
// (SetImportBatchScale), which need several batches, not many rows.
var (
	importStageBatchLite = 5000
	importStageBatchPG   = 20000
	importApplyBatchLite = 10000
	importUndoBatchLite  = 10000
	importCleanBatchLite = 20000
)

const (
	importHeartbeat = 5 * time.Second
	// ImportStaleAfter is how old a running import's heartbeat must be for
	// the import to count as interrupted.
	ImportStaleAfter = 2 * time.Minute
)

// ImportInterruptedKey is the reason an interrupted import is failed
// with; pages show it translated.
const ImportInterruptedKey = "err.import.interrupted"

// errImportLost stops an importer whose import recovery has taken over.
var errImportLost = errors.New("the import was taken over by recovery (its heartbeat was stale)")

// importTxHook, when set (by tests), is told how long each import write
// transaction held the database.
var importTxHook atomic.Pointer[func(what string, held time.Duration)]

// importFailHook, when set (by tests), runs at the end of each import write
// transaction; an error it returns rolls that transaction back, as a
// failure (or, for the undo, a crash) at that point would.
var importFailHook atomic.Pointer[func(what string) error]

// importTx runs fn in one import write transaction and reports to the hook
// how long it was held (from the start of fn, when SQLite's immediate
// transaction has taken the write lock, to the end of the commit).
func (s *Store) importTx(ctx context.Context, what string, fn func(b *bulkTx) error) error {
	var start time.Time
	err := s.inBulkTx(ctx, func(b *bulkTx) error {
		start = time.Now()
		if err := fn(b); err != nil {
			return err
		}
		if h := importFailHook.Load(); h != nil {
			return (*h)(what)
		}
		return nil
	})
	if h := importTxHook.Load(); h != nil && !start.IsZero() {
		(*h)(what, time.Since(start))
	}
	return err
}

// importRun is one process's (or one recovery's) hold on an import.
type importRun struct {
	s                     *Store
	a                     collect.Actor
	id, runner            string
	lenderID, portfolioID string
	now                   time.Time
}

func newRunner(kind string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s %s:%d %s", kind, host, os.Getpid(), uuid.NewString())
}

// claimImport makes this process the import's runner and fixes the
// portfolio id it will create.
func (s *Store) claimImport(ctx context.Context, a collect.Actor, id string) (*importRun, error) {
	run := &importRun{s: s, a: a, id: id, runner: newRunner("import"), lenderID: a.OrgID,
		portfolioID: uuid.Must(uuid.NewV7()).String(), now: s.now()}
	res := s.db.WithContext(ctx).Table("imports").Where("id = ? AND lender_id = ? AND status = 'running'", id, a.OrgID).
		Updates(map[string]any{"runner": run.runner, "heartbeat_at": s.now(), "phase": "staging", "portfolio_id": run.portfolioID})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, collect.E(collect.ECONFLICT, "err.import.not_running")
	}
	return run, nil
}

// touch refreshes the heartbeat inside b's transaction, if the run still
// owns the import; errImportLost otherwise, which rolls the batch back.
func (r *importRun) touch(b *bulkTx, phase string) error {
	upd := map[string]any{"heartbeat_at": r.s.now()}
	if phase != "" {
		upd["phase"] = phase
	}
	res := b.Table("imports").Where("id = ? AND runner = ? AND status = 'running'", r.id, r.runner).Updates(upd)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errImportLost
	}
	return nil
}

// beat touches the heartbeat every importHeartbeat until stopped, also
// while no batch is written (an all-or-nothing import that already failed
// only validates the rest); it cancels the run if recovery took it over.
func (r *importRun) beat(ctx context.Context, cancel context.CancelCauseFunc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(importHeartbeat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			res := r.s.db.WithContext(ctx).Table("imports").Where("id = ? AND runner = ? AND status = 'running'", r.id, r.runner).
				Update("heartbeat_at", r.s.now())
			if res.Error == nil && res.RowsAffected == 0 {
				// Not running under us any more: either recovery took it
				// over (another runner), or our own final transaction
				// finished it while this update waited for its row lock
				// (PostgreSQL), which is no loss.
				var runner []string
				if err := r.s.db.WithContext(ctx).Table("imports").Where("id = ?", r.id).Pluck("runner", &runner).Error; err == nil &&
					(len(runner) == 0 || runner[0] != r.runner) {
					cancel(errImportLost)
				}
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

var importRowColumns = []string{"import_id", "seq", "id", "external_ref", "debtor_name", "national_id", "phone",
	"emergency_contact_phone", "province", "principal_cents", "balance_cents", "currency", "due_date", "dpd", "bucket",
	"last_payment_date", "national_id_key", "phone_key", "priority_value",
	"conduct_profile", "time_zone", "time_zones", "state", "zip", "ssn_last4", "consent_out_of_hours", "guarantor_allowed", "debtor_key"}

var importRejectColumns = []string{"import_id", "line", "field", "message", "raw", "message_key", "problems"}

// importTotals is what staging counted of the valid rows.
type importTotals struct {
	staged       int   // rows in import_rows, seq 1..staged
	balanceCents int64 // their balances: the new portfolio's
}

// stageImport is phase 1: read, validate, stage.
func (s *Store) stageImport(ctx context.Context, run *importRun, req ImportRequest, idx allocation.ColumnIndex, res *ImportResult) (importTotals, error) {
	var tot importTotals
	key, err := s.searchKey(ctx)
	if err != nil {
		return tot, err
	}
	batch := importStageBatchLite
	if s.dialect == "postgres" {
		batch = importStageBatchPG
	}
	rows := make([][]any, 0, batch)
	var rejects [][]any
	kept := 0
	flush := func() error {
		if len(rows) == 0 && len(rejects) == 0 {
			return nil
		}
		n, began := len(rows), time.Now()
		err := s.importTx(ctx, "stage", func(b *bulkTx) error {
			if err := run.touch(b, ""); err != nil {
				return err
			}
			if err := b.copyRows(ctx, "import_rows", importRowColumns, rows, ""); err != nil {
				return err
			}
			return b.copyRows(ctx, "import_rejects", importRejectColumns, rejects, "")
		})
		// On SQLite the next batch is sized from this one's time, as the
		// apply batches are: on a busy machine a fixed 5,000 rows held the
		// write lock for seconds, and every other writer waited.
		if s.dialect != "postgres" && n > 0 {
			batch = min(nextApplyBatch(n, time.Since(began)), importStageBatchLite)
		}
		rows, rejects = rows[:0], rejects[:0]
		return err
	}
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
	processed := 0
	for {
		if err := ctx.Err(); err != nil {
			return tot, context.Cause(ctx)
		}
		rec, line, err := req.Source.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var ae *collect.Error
			if errors.As(err, &ae) {
				return tot, err // the reader's refusal already names the cap, the line and the file field
			}
			return tot, collect.E(collect.EINVALID, "err.import.unreadable_past", "line", line, "detail", err)
		}
		processed++
		row, rowErrs := allocation.ParseRowProfile(rec, line, idx, run.now, req.ConductProfile)
		if len(rowErrs) == 0 {
			k := refKey(row.ExternalRef)
			if first, dup := seen[k]; dup {
				rowErrs = append(rowErrs, allocation.NewRowError(line, string(allocation.ColExternalRef), "err.import.duplicate_ref", "first", first))
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
			if kept < maxKeptRejects {
				kept++
				msgs := make([]string, len(rowErrs))
				for i, e := range rowErrs {
					msgs[i] = e.Field + ": " + e.Message
				}
				rejects = append(rejects, []any{run.id, line, cleanText(rowErrs[0].Field, 100),
					cleanText(strings.Join(msgs, "; "), 2000), rejectRaw(rec), rowErrs[0].Key, cleanText(encodeProblems(rowErrs), 16<<10)})
			}
		} else {
			res.Accepted++
			if !req.Partial && res.Rejected > 0 {
				// All or nothing and already failed: validate the rest only.
			} else {
				tot.staged++
				tot.balanceCents += row.BalanceCents
				rows = append(rows, []any{run.id, tot.staged, uuid.Must(uuid.NewV7()).String(), row.ExternalRef, row.DebtorName,
					row.NationalID, row.Phone, row.EmergencyContactPhone, row.Province, row.PrincipalCents, row.BalanceCents,
					row.Currency, row.DueDate, row.DPD, row.Bucket, row.LastPaymentDate,
					identityKey(key, "national_id", row.NationalID), identityKey(key, "phone", row.Phone),
					// A new account starts in verification without a score
					// (an updated one is refreshed as it is applied).
					priorityValue(casework.QueueItem{DPD: row.DPD, BalanceCents: row.BalanceCents, Stage: casework.StageVerification}),
					row.ConductProfile, firstZone(row.TimeZones), strings.Join(row.TimeZones, ","), row.State, row.ZIP, row.SSNLast4,
					row.ConsentOutOfHours, row.GuarantorAllowed, debtorKey(key, row.NationalID, row.SSNLast4, row.DebtorName, row.ConductProfile)})
			}
		}
		if len(rows) >= batch || len(rejects) >= 1000 {
			if err := flush(); err != nil {
				return tot, err
			}
		}
		if processed%5000 == 0 {
			report(processed)
		}
	}
	report(processed)
	return tot, flush()
}

// The columns a re-import refreshes; stage, status and flags stay, and the
// queue priority goes stale (applyRange refreshes it from the kept stage
// and score).
const accountUpsertSet = `portfolio_id = excluded.portfolio_id, debtor_name = excluded.debtor_name, national_id = excluded.national_id,
	phone = excluded.phone, emergency_contact_phone = excluded.emergency_contact_phone, province = excluded.province,
	principal_cents = excluded.principal_cents, balance_cents = excluded.balance_cents, currency = excluded.currency,
	due_date = excluded.due_date, dpd = excluded.dpd, bucket = excluded.bucket, last_payment_date = excluded.last_payment_date,
	updated_at = excluded.updated_at, national_id_key = excluded.national_id_key, phone_key = excluded.phone_key, priority_value = -1,
	conduct_profile = excluded.conduct_profile, time_zone = excluded.time_zone, time_zones = excluded.time_zones, state = excluded.state,
	zip = excluded.zip, ssn_last4 = excluded.ssn_last4, consent_out_of_hours = excluded.consent_out_of_hours,
	guarantor_allowed = excluded.guarantor_allowed, debtor_key = excluded.debtor_key`

// The account columns the undo saves and restores: those the upsert sets.
const undoColumns = `portfolio_id, debtor_name, national_id, phone, emergency_contact_phone, province, principal_cents,
	balance_cents, currency, due_date, dpd, bucket, last_payment_date, updated_at, national_id_key, phone_key,
	conduct_profile, time_zone, time_zones, state, zip, ssn_last4, consent_out_of_hours, guarantor_allowed, debtor_key`

// applyRange upserts the staged rows seq in (lo, hi] into accounts, after
// taking the moved accounts' balances off their old portfolios' counts. With
// undo (SQLite), the accounts about to be updated are first copied to
// import_undo.
func (r *importRun) applyRange(b *bulkTx, lo, hi int, undo bool) error {
	if undo {
		if err := b.Exec(`INSERT INTO import_undo (import_id, seq, account_id, `+undoColumns+`)
			SELECT r.import_id, r.seq, a.id, `+prefixed("a.", undoColumns)+`
			FROM import_rows r JOIN accounts a ON a.lender_id = ? AND a.external_ref = r.external_ref
			WHERE r.import_id = ? AND r.seq > ? AND r.seq <= ?`, r.lenderID, r.id, lo, hi).Error; err != nil {
			return err
		}
		if err := b.Exec(`UPDATE portfolios SET account_count = account_count - x.n, balance_cents = balance_cents - x.b
			FROM (SELECT portfolio_id AS pid, COUNT(*) AS n, SUM(balance_cents) AS b FROM import_undo
			      WHERE import_id = ? AND seq > ? AND seq <= ? GROUP BY portfolio_id) x
			WHERE portfolios.id = x.pid`, r.id, lo, hi).Error; err != nil {
			return err
		}
	} else if err := b.Exec(`UPDATE portfolios SET account_count = account_count - x.n, balance_cents = balance_cents - x.b
			FROM (SELECT a.portfolio_id AS pid, COUNT(*) AS n, SUM(a.balance_cents) AS b
			      FROM import_rows r JOIN accounts a ON a.lender_id = ? AND a.external_ref = r.external_ref
			      WHERE r.import_id = ? AND r.seq > ? AND r.seq <= ? GROUP BY a.portfolio_id) x
			WHERE portfolios.id = x.pid`, r.lenderID, r.id, lo, hi).Error; err != nil {
		return err
	}
	if err := b.Exec(`INSERT INTO accounts (id, lender_id, portfolio_id, external_ref, debtor_name, national_id, phone,
			emergency_contact_phone, province, principal_cents, balance_cents, currency, due_date, dpd, bucket,
			last_payment_date, created_at, updated_at, national_id_key, phone_key, priority_value,
			conduct_profile, time_zone, time_zones, state, zip, ssn_last4, consent_out_of_hours, guarantor_allowed, debtor_key)
		SELECT r.id, ?, ?, r.external_ref, r.debtor_name, r.national_id, r.phone, r.emergency_contact_phone, r.province,
			r.principal_cents, r.balance_cents, r.currency, r.due_date, r.dpd, r.bucket, r.last_payment_date, ?, ?,
			r.national_id_key, r.phone_key, r.priority_value,
			r.conduct_profile, r.time_zone, r.time_zones, r.state, r.zip, r.ssn_last4, r.consent_out_of_hours, r.guarantor_allowed, r.debtor_key
		FROM import_rows r WHERE r.import_id = ? AND r.seq > ? AND r.seq <= ? ORDER BY r.seq
		ON CONFLICT (lender_id, external_ref) DO UPDATE SET `+accountUpsertSet,
		r.lenderID, r.portfolioID, r.now, r.now, r.id, lo, hi).Error; err != nil {
		return err
	}
	return refreshStale(b.DB)
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// applyImport is phase 2; see the comment at the top of this file.
func (s *Store) applyImport(ctx context.Context, run *importRun, req ImportRequest, res *ImportResult, tot importTotals) error {
	createPortfolio := func(b *bulkTx) error {
		return b.Table("portfolios").Create(map[string]any{"id": run.portfolioID, "lender_id": run.lenderID, "name": strings.TrimSpace(req.Name),
			"currency": "CNY", "created_by": run.a.Email, "imported_at": run.now}).Error
	}
	finish := func(b *bulkTx) error {
		if err := b.Exec(`UPDATE portfolios SET account_count = ?, balance_cents = ? WHERE id = ?`,
			tot.staged, tot.balanceCents, run.portfolioID).Error; err != nil {
			return err
		}
		if err := s.appendAudit(b.DB, run.a, auditRecord{Action: "portfolio.import", ObjectType: "portfolio", ObjectID: run.portfolioID, LenderID: run.lenderID,
			After: map[string]any{"name": req.Name, "file": req.Filename, "accepted": res.Accepted, "rejected": res.Rejected, "partial": req.Partial}}); err != nil {
			return err
		}
		return b.Table("imports").Where("id = ? AND runner = ?", run.id, run.runner).Updates(map[string]any{"status": "done",
			"portfolio_id": run.portfolioID, "processed_rows": res.Accepted + res.Rejected, "accepted": res.Accepted,
			"rejected": res.Rejected, "message": "", "finished_at": s.now(), "phase": "cleanup"}).Error
	}
	if s.dialect == "postgres" {
		return s.importTx(ctx, "apply", func(b *bulkTx) error {
			if err := run.touch(b, "applying"); err != nil {
				return err
			}
			if err := createPortfolio(b); err != nil {
				return err
			}
			if err := run.applyRange(b, 0, tot.staged, false); err != nil {
				return err
			}
			return finish(b)
		})
	}
	// Each batch is sized from the last one's time, so a transaction holds
	// SQLite's write lock for about importApplyTarget whatever a row costs
	// (its indexes and triggers, the machine's load), never more rows than
	// importApplyBatchLite.
	size := max(importApplyBatchLite/5, 1)
	for lo, hi := 0, 0; lo < tot.staged; lo = hi {
		hi = min(lo+size, tot.staged)
		began := time.Now()
		if err := s.importTx(ctx, "apply", func(b *bulkTx) error {
			if err := run.touch(b, "applying"); err != nil {
				return err
			}
			if lo == 0 {
				if err := createPortfolio(b); err != nil {
					return err
				}
			}
			return run.applyRange(b, lo, hi, true)
		}); err != nil {
			return err
		}
		size = nextApplyBatch(hi-lo, time.Since(began))
		if req.Progress != nil {
			req.Progress(res.Accepted+res.Rejected, res.Accepted, res.Rejected)
		}
	}
	return s.importTx(ctx, "apply", func(b *bulkTx) error {
		if err := run.touch(b, ""); err != nil {
			return err
		}
		return finish(b)
	})
}

// importApplyTarget is how long one SQLite apply transaction should last.
const importApplyTarget = 300 * time.Millisecond

// nextApplyBatch sizes the next apply batch from the last one's n rows in
// took: the rows that fit importApplyTarget at that pace, at most double the
// last and within 1..importApplyBatchLite.
func nextApplyBatch(n int, took time.Duration) int {
	next := importApplyBatchLite
	if took > 0 {
		next = int(float64(n) * float64(importApplyTarget) / float64(took))
	}
	return min(max(next, 1), 2*n, importApplyBatchLite)
}

// maxStagedSeq is the highest staged row of the import (0 if none).
func (s *Store) maxStagedSeq(ctx context.Context, id string) (int, error) {
	var n struct{ N int }
	err := s.db.WithContext(ctx).Raw(`SELECT COALESCE(MAX(seq), 0) AS n FROM import_rows WHERE import_id = ?`, id).Scan(&n).Error
	if err != nil {
		return 0, err
	}
	var u struct{ N int }
	err = s.db.WithContext(ctx).Raw(`SELECT COALESCE(MAX(seq), 0) AS n FROM import_undo WHERE import_id = ?`, id).Scan(&u).Error
	return max(n.N, u.N), err
}

// cleanupImport deletes a finished import's staging and undo rows, in
// batches, then clears its phase. A failure is logged: recovery retries.
func (s *Store) cleanupImport(ctx context.Context, run *importRun) {
	if err := s.deleteStaged(ctx, run.id); err != nil {
		s.logImportError("cleaning up an import's staging rows", run.id, err)
	}
}

func (s *Store) deleteStaged(ctx context.Context, id string) error {
	top, err := s.maxStagedSeq(ctx, id)
	if err != nil {
		return err
	}
	step := importCleanBatchLite
	if s.dialect == "postgres" {
		step = max(top, 1)
	}
	for lo := 0; lo < top; lo += step {
		if err := s.importTx(ctx, "cleanup", func(b *bulkTx) error {
			if err := b.Exec(`DELETE FROM import_rows WHERE import_id = ? AND seq > ? AND seq <= ?`, id, lo, lo+step).Error; err != nil {
				return err
			}
			return b.Exec(`DELETE FROM import_undo WHERE import_id = ? AND seq > ? AND seq <= ?`, id, lo, lo+step).Error
		}); err != nil {
			return err
		}
	}
	return s.db.WithContext(ctx).Exec(`UPDATE imports SET phase = '' WHERE id = ? AND status <> 'running'`, id).Error
}

// undoImport takes back whatever the import applied and drops its staged
// rows, batch by batch; each batch is idempotent, so an undo interrupted in
// turn is finished by the next recovery. The run must own the import.
func (s *Store) undoImport(ctx context.Context, run *importRun) error {
	top, err := s.maxStagedSeq(ctx, run.id)
	if err != nil {
		return err
	}
	step := importUndoBatchLite
	if s.dialect == "postgres" {
		step = max(top, 1) // nothing was applied (the apply is one transaction): only staged rows to drop
	}
	for lo := 0; lo < top; lo += step {
		hi := lo + step
		if err := s.importTx(ctx, "undo", func(b *bulkTx) error {
			if err := run.touch(b, ""); err != nil {
				return err
			}
			for _, q := range []string{
				// Updated accounts back to their values before the import, and
				// back into their old portfolios' counts.
				`UPDATE accounts SET (` + undoColumns + `) = (` + prefixed("u.", undoColumns) + `), priority_value = -1
				 FROM import_undo u WHERE u.import_id = ? AND u.seq > ? AND u.seq <= ? AND accounts.id = u.account_id`,
				`UPDATE portfolios SET account_count = account_count + x.n, balance_cents = balance_cents + x.b
				 FROM (SELECT portfolio_id AS pid, COUNT(*) AS n, SUM(balance_cents) AS b FROM import_undo
				       WHERE import_id = ? AND seq > ? AND seq <= ? GROUP BY portfolio_id) x
				 WHERE portfolios.id = x.pid`,
				// The accounts the import created carry the staged ids.
				`DELETE FROM accounts WHERE id IN (SELECT id FROM import_rows WHERE import_id = ? AND seq > ? AND seq <= ?)`,
				`DELETE FROM import_undo WHERE import_id = ? AND seq > ? AND seq <= ?`,
				`DELETE FROM import_rows WHERE import_id = ? AND seq > ? AND seq <= ?`,
			} {
				if err := b.Exec(q, run.id, lo, hi).Error; err != nil {
					return err
				}
			}
			return refreshStale(b.DB)
		}); err != nil {
			return err
		}
	}
	return s.importTx(ctx, "undo", func(b *bulkTx) error {
		if err := run.touch(b, ""); err != nil {
			return err
		}
		return b.Exec(`DELETE FROM portfolios WHERE id = ? AND lender_id = ? AND NOT EXISTS (SELECT 1 FROM accounts WHERE portfolio_id = ?)`,
			run.portfolioID, run.lenderID, run.portfolioID).Error
	})
}

func (s *Store) logImportError(what, id string, err error) {
	slog.Default().Error(what, "import", id, "error", err)
}

// RecoverStaleImports finishes the imports that an interrupted process left
// running: those whose heartbeat is older than olderThan (a live importer
// touches it every few seconds, so this is safe with several processes on
// one database; an import is never judged by who runs it). Each is claimed
// by a conditional update (one process wins), undone (partial rows
// removed, updated accounts restored, staging and undo rows deleted) and
// marked failed with the reason. Finished imports whose staging rows were
// left behind are cleaned too. It returns the ids of the imports it failed.
func (s *Store) RecoverStaleImports(ctx context.Context, olderThan time.Duration) ([]string, error) {
	cutoff := s.now().Add(-olderThan)
	var stale []struct{ ID, LenderID, PortfolioID string }
	if err := s.db.WithContext(ctx).Table("imports").Select("id, lender_id, portfolio_id").
		Where("status = 'running' AND COALESCE(heartbeat_at, created_at) < ?", cutoff).Order("created_at").Scan(&stale).Error; err != nil {
		return nil, err
	}
	var failed []string
	var errs []error
	for _, im := range stale {
		run := &importRun{s: s, id: im.ID, runner: newRunner("recovery"), lenderID: im.LenderID, portfolioID: im.PortfolioID}
		res := s.db.WithContext(ctx).Table("imports").Where("id = ? AND status = 'running' AND COALESCE(heartbeat_at, created_at) < ?", im.ID, cutoff).
			Updates(map[string]any{"runner": run.runner, "heartbeat_at": s.now()})
		if res.Error != nil {
			errs = append(errs, res.Error)
			continue
		}
		if res.RowsAffected == 0 {
			continue // another process claimed it, or it came back to life
		}
		if err := s.undoImport(ctx, run); err != nil {
			errs = append(errs, fmt.Errorf("undo import %s: %w", im.ID, err))
			continue
		}
		out := ImportResult{ImportID: im.ID}
		out.fail(collect.E(collect.EINVALID, ImportInterruptedKey))
		s.finishImport(ctx, run, out)
		failed = append(failed, im.ID)
	}
	var leftover []string
	if err := s.db.WithContext(ctx).Table("imports").Where("status <> 'running' AND phase <> '' AND COALESCE(heartbeat_at, created_at) < ?", cutoff).
		Pluck("id", &leftover).Error; err != nil {
		errs = append(errs, err)
	}
	for _, id := range leftover {
		if err := s.deleteStaged(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return failed, errors.Join(errs...)
}

// ImportStatuses returns the status of each of the imports named that
// exists (any lender's: for the sweep of temporary files).
func (s *Store) ImportStatuses(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for start := 0; start < len(ids); start += 500 {
		var rows []struct{ ID, Status string }
		if err := s.db.WithContext(ctx).Table("imports").Select("id, status").Where("id IN ?", ids[start:min(start+500, len(ids))]).
			Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = r.Status
		}
	}
	return out, nil
}

// firstZone is the debtor's address zone, the first of zones ("" for none).
func firstZone(zones []string) string {
	if len(zones) == 0 {
		return ""
	}
	return zones[0]
}
