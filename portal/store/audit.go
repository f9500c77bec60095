package store

import (
	"collect"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/oversight"
	"collect/portal/csvout"
)

// auditRecord is what a state change says about itself.
type auditRecord struct {
	Action     string
	ObjectType string
	ObjectID   string
	LenderID   string // the lender whose data this concerns; "" when none
	Before     any
	After      any
}

// appendAudit writes one event at the end of the chain, inside tx. The first
// statement takes the write lock on the chain head (a row lock on PostgreSQL,
// the database write lock on SQLite), so concurrent appends line up instead
// of forking the chain.
func (s *Store) appendAudit(tx *gorm.DB, a collect.Actor, r auditRecord) error {
	if err := tx.Exec("UPDATE audit_head SET seq = seq WHERE id = 1").Error; err != nil {
		return err
	}
	var head struct {
		Seq  int64
		Hash string
	}
	if err := tx.Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
		return err
	}
	summary, err := json.Marshal(map[string]any{"before": r.Before, "after": r.After})
	if err != nil {
		return err
	}
	actorID, orgID := a.UserID, a.OrgID
	if actorID == "" {
		actorID = "system"
	}
	e := oversight.Seal(oversight.AuditEvent{
		ID: uuid.Must(uuid.NewV7()).String(), At: s.now(),
		ActorID: actorID, OrganisationID: orgID, LenderID: r.LenderID,
		Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID,
		Summary: string(summary),
	}, head.Seq, head.Hash)
	if err := tx.Table("audit_events").Create(&e).Error; err != nil {
		return err
	}
	return tx.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e.Seq, e.Hash).Error
}

// VerifyAudit walks the whole chain in sequence order, streaming, and reports
// ok or the first broken event. Head and events are read in one snapshot, so
// appends racing the check cannot look like tampering.
func (s *Store) VerifyAudit(ctx context.Context) (oversight.ChainReport, error) {
	var opts []*sql.TxOptions
	if s.dialect == "postgres" {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	var v oversight.ChainVerifier
	var head struct {
		Seq  int64
		Hash string
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
			return err
		}
		rows, err := tx.Table("audit_events").Order("seq").Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e oversight.AuditEvent
			if err := tx.ScanRows(rows, &e); err != nil {
				return err
			}
			v.Add(e)
		}
		return rows.Err()
	}, opts...)
	if err != nil {
		return oversight.ChainReport{}, err
	}
	r := v.Finish(head.Seq, head.Hash)
	// Kept for the dashboard, which shows the last check with its time
	// rather than walking the whole chain on every visit.
	now := s.now()
	err = s.db.WithContext(ctx).Exec(`INSERT INTO audit_checks (id, ok, events, report, checked_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET ok = excluded.ok, events = excluded.events, report = excluded.report, checked_at = excluded.checked_at`,
		r.OK, r.Events, jsonString(r), now).Error
	return r, err
}

// AuditCheck is the last verification of the audit chain and when it ran.
type AuditCheck struct {
	oversight.ChainReport
	CheckedAt time.Time `json:"checked_at"`
}

// LastAuditCheck returns the last verification of the chain (by anyone,
// from the page, the API or the command line), or nil when none has run.
func (s *Store) LastAuditCheck(ctx context.Context) (*AuditCheck, error) {
	var rows []struct {
		Report    string
		CheckedAt time.Time
	}
	if err := s.db.WithContext(ctx).Table("audit_checks").Select("report, checked_at").Where("id = 1").Scan(&rows).Error; err != nil || len(rows) == 0 {
		return nil, err
	}
	out := &AuditCheck{CheckedAt: rows[0].CheckedAt}
	if err := jsonInto(rows[0].Report, &out.ChainReport); err != nil {
		return nil, err
	}
	return out, nil
}

// AuditFilter narrows the audit list; nil fields are not given.
type AuditFilter struct {
	Action     *string
	ObjectType *string
	ObjectID   *string
	ActorID    *string
	Page
}

// AuditRow is an event as lists show it, with who the actor is.
type AuditRow struct {
	oversight.AuditEvent
	ActorEmail string `json:"actor_email"`
}

// ListAudit returns the events in the actor's scope, newest first.
func (s *Store) ListAudit(ctx context.Context, a collect.Actor, f AuditFilter) ([]AuditRow, int64, error) {
	q := s.db.WithContext(ctx).Table("audit_events").Scopes(auditScope(a))
	if f.Action != nil {
		q = q.Where("audit_events.action = ?", *f.Action)
	}
	if f.ObjectType != nil {
		q = q.Where("audit_events.object_type = ?", *f.ObjectType)
	}
	if f.ObjectID != nil {
		q = q.Where("audit_events.object_id = ?", *f.ObjectID)
	}
	if f.ActorID != nil {
		q = q.Where("audit_events.actor_id = ?", *f.ActorID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	p := f.Page.Normal()
	var out []AuditRow
	err := q.Select("audit_events.*, u.email AS actor_email").Joins("LEFT JOIN users u ON u.id = audit_events.actor_id").
		Order("audit_events.seq DESC").Offset(p.offset()).Limit(p.PerPage).Scan(&out).Error
	return out, total, err
}

// textDigest is how free text enters the audit trail: its SHA-256 in hex
// ("" stays ""), never the text. Summaries are read by the platform
// administrator and by every auditor in scope, and notes, reasons, answers
// and references are case data; the text stays in its own table, in scope,
// and the digest proves which text it was.
func textDigest(s string) string {
	if s == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// auditCSVChunk is how many events WriteAuditCSV reads per query.
var auditCSVChunk = 5000

// WriteAuditCSV streams the events in the actor's scope with sequence
// numbers in [from, to] (0 = open) as CSV, hashes included, so the range can
// be checked outside the portal: each row's hash is the SHA-256 of the
// canonical JSON array ["audit/v1", seq, id, at, actor, organisation, lender,
// action, object type, object id, summary, previous hash] (oversight/audit.go).
// A cell a spreadsheet would run as a formula is written with a leading
// apostrophe (csvout.Cell); drop it before hashing.
func (s *Store) WriteAuditCSV(ctx context.Context, a collect.Actor, from, to int64, w io.Writer) error {
	cw := csvout.NewWriter(w)
	_ = cw.Write([]string{"seq", "id", "at", "actor_id", "organisation_id", "lender_id", "action", "object_type", "object_id", "summary", "prev_hash", "hash"})
	// In chunks by sequence number: a connection is held for one chunk, not
	// for the whole download (a slow client would hold one of SQLite's few).
	chunk := auditCSVChunk
	next := max(from, 0)
	for {
		q := s.db.WithContext(ctx).Table("audit_events").Scopes(auditScope(a)).Where("seq >= ?", next).Order("seq").Limit(chunk)
		if to > 0 {
			q = q.Where("seq <= ?", to)
		}
		var batch []oversight.AuditEvent
		if err := q.Find(&batch).Error; err != nil {
			return err
		}
		for _, e := range batch {
			if err := cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.ID, oversight.AuditTime(e.At).Format(time.RFC3339Nano), e.ActorID, e.OrganisationID,
				e.LenderID, e.Action, e.ObjectType, e.ObjectID, e.Summary, e.PrevHash, e.Hash}); err != nil {
				return err
			}
			next = e.Seq + 1
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(batch) < chunk {
			return nil
		}
	}
}
