package store

import (
	"collect"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/lib/pq"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"collect/allocation"
	"collect/casework"
	"collect/casework/earlywarning"
)

// Casework: what agency staff do with the accounts placed with their agency.
// Every method reads the account through the actor's account scope, so an
// account not actively placed with the actor's agency (or, for lender staff,
// not the lender's) is not found.

// caseAccount is the account with the casework columns.
type caseAccount struct {
	allocation.Account
	AssignedTo           string
	VerificationComplete bool
	NextActionAt         *time.Time
	TimeZone             string
	ConsentOutOfHours    bool
	GuarantorAllowed     bool
	ConductProfile       string
	DisputeOpen          bool
	CeaseCommunication   bool
	LegalHold            bool
	PaidCents            int64
	DebtorKey            *string // the person's key; nil until computed (requests.go)
	TimeZones            string  // every zone of the debtor, comma-separated
	State, ZIP           string
	SSNLast4             string `gorm:"column:ssn_last4"`
}

// loadCase reads one account in the actor's scope with its active placement.
func (s *Store) loadCase(tx *gorm.DB, a collect.Actor, id string) (caseAccount, allocation.Placement, error) {
	return s.readCase(tx, a, id, false)
}

// lockCase is loadCase for a change: on PostgreSQL the account row stays
// locked until the transaction ends, so two requests on one account (two
// calls against a daily cap, two payments, a dispute and its resolution) run
// one after the other; SQLite's immediate transactions already do.
func (s *Store) lockCase(tx *gorm.DB, a collect.Actor, id string) (caseAccount, allocation.Placement, error) {
	return s.readCase(tx, a, id, true)
}

func (s *Store) readCase(tx *gorm.DB, a collect.Actor, id string, lock bool) (caseAccount, allocation.Placement, error) {
	var memo *caseReads
	if !lock {
		if memo = caseReadsOf(tx.Statement.Context); memo != nil {
			if r, ok := memo.get(a, id); ok {
				return r.acc, r.pl, nil
			}
		}
	}
	var acc caseAccount
	q := tx.Table("accounts").Scopes(accountScope(a)).Where("accounts.id = ?", id)
	if lock && s.dialect == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "accounts"}})
	}
	if err := q.Take(&acc).Error; err != nil {
		return acc, allocation.Placement{}, notFound(err, "account")
	}
	var pl allocation.Placement
	err := tx.Table("placements").Where("account_id = ? AND status = ?", id, allocation.PlacementActive).Take(&pl).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return acc, pl, err
	}
	if memo != nil {
		memo.put(a, id, caseRead{acc, pl})
	}
	return acc, pl, nil
}

// caseState gathers what the stage machine's guards look at.
func (s *Store) caseState(tx *gorm.DB, acc caseAccount) (casework.CaseState, error) {
	st := casework.CaseState{Stage: acc.Stage, VerificationComplete: acc.VerificationComplete, DisputeOpen: acc.DisputeOpen}
	var kinds []struct{ Status string }
	if err := tx.Table("arrangements").Select("status").Where("account_id = ?", acc.ID).Order("created_at DESC").Limit(1).Scan(&kinds).Error; err != nil {
		return st, err
	}
	if len(kinds) == 1 {
		st.ArrangementBroken = kinds[0].Status == "broken"
		st.HasActiveArrangement = kinds[0].Status == "active"
	}
	var legal int64
	if err := tx.Table("legal_cases").Where("account_id = ? AND status IN ?", acc.ID, casework.LegalUnderWayStatuses()).Count(&legal).Error; err != nil {
		return st, err
	}
	st.LegalApproved = legal > 0
	lim, err := s.limitation(tx, acc)
	if err == nil {
		st.TimeBarred = lim.TimeBarred
	}
	return st, nil
}

// ruleViolation is the 422 of a refused step, naming each broken rule.
//
// Deprecated: the message is English; use refused.
func ruleViolation(msg string, vs []collect.Violation) error {
	return &collect.Error{Code: collect.ERULEVIOLATION, Message: msg, Violations: vs}
}

// refused is the 422 of a refused step: the catalogue key and its
// arguments, naming each broken rule.
func refused(vs []collect.Violation, key string, kv ...any) error {
	e := collect.E(collect.ERULEVIOLATION, key, kv...)
	e.Violations = vs
	return e
}

// MoveStage moves a case to another stage when the stage machine's guards
// allow it; otherwise a rule violation names each broken guard.
func (s *Store) MoveStage(ctx context.Context, a collect.Actor, accountID, to string) (string, error) {
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, _, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		return s.setStage(tx, a, acc, to)
	})
	return to, err
}

// setStage is the only write of an account's stage: the move is read
// against the case's state now and refused (a rule violation naming each
// broken guard) unless casework.CanTransition allows it; an allowed move is
// written and audited. acc is the locked account as read before the move.
func (s *Store) setStage(tx *gorm.DB, a collect.Actor, acc caseAccount, to string) error {
	st, err := s.caseState(tx, acc)
	if err != nil {
		return err
	}
	if vs := casework.CanTransition(st, to); len(vs) > 0 {
		return refused(vs, "err.stage.refused", "to", to)
	}
	if err := tx.Table("accounts").Where("id = ?", acc.ID).Updates(map[string]any{"stage": to, "updated_at": s.now()}).Error; err != nil {
		return err
	}
	if err := refreshPriorityIDs(tx, acc.ID); err != nil { // the stage weighs in casework.Value
		return err
	}
	return s.appendAudit(tx, a, auditRecord{Action: "case.stage", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
		Before: map[string]string{"stage": acc.Stage}, After: map[string]string{"stage": to}})
}

// autoStage makes the move a recorded fact calls for (casework's
// StageAfterContact, StageAfterArrangement: decide reads the state after the
// fact was written), through setStage; no move when decide answers "".
func (s *Store) autoStage(tx *gorm.DB, a collect.Actor, acc caseAccount, decide func(casework.CaseState) string) error {
	st, err := s.caseState(tx, acc)
	if err != nil {
		return err
	}
	to := decide(st)
	if to == "" {
		return nil
	}
	return s.setStage(tx, a, acc, to)
}

// NextStages lists the stages the case may move to now.
func (s *Store) NextStages(ctx context.Context, a collect.Actor, accountID string) ([]string, error) {
	// Reads only, outside a transaction: SQLite's transactions here are
	// immediate (they take the write lock), so a page view would queue
	// behind every writer, and PostgreSQL's read committed gives each
	// statement its own snapshot either way.
	tx := s.db.WithContext(ctx)
	acc, _, err := s.loadCase(tx, a, accountID)
	if err != nil {
		return nil, err
	}
	st, err := s.caseState(tx, acc)
	return casework.NextStages(st), err
}

// Verification is the verification checklist of an account.
type Verification struct {
	IdentityOK bool     `json:"identity_ok"`
	ContactOK  bool     `json:"contact_ok"`
	AmountOK   bool     `json:"amount_ok"`
	DPDOK      bool     `json:"dpd_ok"`
	Flags      []string `json:"flags"` // data-quality flags for the lender
	Note       string   `json:"note"`
	// DetailsWithheld: another agency verified; its note is not shown.
	DetailsWithheld bool `json:"details_withheld"`
}

// DataQualityFlags are what verification can report back to the lender.
var DataQualityFlags = []string{"identity_mismatch", "wrong_phone", "no_phone", "amount_mismatch", "dpd_mismatch", "address_unknown", "deceased", "bankrupt"}

// Validate checks the flags and the note.
func (v Verification) Validate() error {
	var f []collect.FieldError
	for _, fl := range v.Flags {
		if !contains(DataQualityFlags, fl) {
			f = append(f, collect.Field("flags", "err.case.unknown_flag", "flag", fl))
		}
	}
	if utf8.RuneCountInString(v.Note) > 2000 {
		f = append(f, collect.Field("note", "err.case.note_long", "max", "2,000"))
	}
	return allocation.FieldErrors(f)
}

// Complete reports whether every check passed.
func (v Verification) Complete() bool { return v.IdentityOK && v.ContactOK && v.AmountOK && v.DPDOK }

// RecordVerification stores the checklist; a complete one lets the case
// leave verification. Flags go back to the lender (deceased and bankrupt set
// the account's exclusion flags too).
func (s *Store) RecordVerification(ctx context.Context, a collect.Actor, accountID string, v Verification) (Verification, error) {
	if err := v.Validate(); err != nil {
		return v, err
	}
	if v.Flags == nil {
		v.Flags = []string{}
	}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, _, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		row := map[string]any{"account_id": acc.ID, "identity_ok": v.IdentityOK, "contact_ok": v.ContactOK, "amount_ok": v.AmountOK,
			"dpd_ok": v.DPDOK, "flags": strings.Join(v.Flags, ","), "note": strings.TrimSpace(v.Note), "verified_by": a.UserID, "verified_at": s.now()}
		if err := tx.Table("verifications").Where("account_id = ?", acc.ID).Delete(nil).Error; err != nil {
			return err
		}
		if err := tx.Table("verifications").Create(row).Error; err != nil {
			return err
		}
		cols := map[string]any{"verification_complete": v.Complete(), "updated_at": s.now()}
		if contains(v.Flags, "deceased") {
			cols["deceased"] = true
		}
		if contains(v.Flags, "bankrupt") {
			cols["bankrupt"] = true
		}
		if err := tx.Table("accounts").Where("id = ?", acc.ID).Updates(cols).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "case.verify", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			After: map[string]any{"identity_ok": v.IdentityOK, "contact_ok": v.ContactOK, "amount_ok": v.AmountOK, "dpd_ok": v.DPDOK,
				"flags": v.Flags, "note_sha256": textDigest(v.Note)}})
	})
	return v, err
}

// Dispute is a debtor's dispute of the debt: it pauses collection until the
// lender resolves it.
type Dispute struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"account_id"`
	Reason     string     `json:"reason"`
	Status     string     `json:"status"`
	RaisedAt   time.Time  `json:"raised_at"`
	ResolvedAt *time.Time `json:"resolved_at"`
	Resolution string     `json:"resolution"`
	// DetailsWithheld: raised by another agency; its reason is not shown.
	DetailsWithheld bool `json:"details_withheld" gorm:"-"`
}

// disputeRow is a disputes row with who raised it.
type disputeRow struct {
	Dispute  `gorm:"embedded"`
	RaisedBy string
}

// RaiseDispute opens a dispute (agency staff or the lender).
func (s *Store) RaiseDispute(ctx context.Context, a collect.Actor, accountID, reason string) (Dispute, error) {
	if err := allocation.ValidReason(reason); err != nil {
		return Dispute{}, err
	}
	d := Dispute{ID: uuid.Must(uuid.NewV7()).String(), AccountID: accountID, Reason: strings.TrimSpace(reason), Status: "open", RaisedAt: s.now()}
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, _, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		if err := tx.Table("disputes").Create(map[string]any{"id": d.ID, "account_id": acc.ID, "lender_id": acc.LenderID, "reason": d.Reason,
			"status": "open", "raised_by": a.UserID, "raised_at": d.RaisedAt}).Error; err != nil {
			return err
		}
		if err := tx.Table("accounts").Where("id = ?", acc.ID).Updates(map[string]any{"dispute_open": true, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "case.dispute_raise", ObjectType: "account", ObjectID: acc.ID, LenderID: acc.LenderID,
			After: map[string]string{"dispute": d.ID, "status": d.Status, "reason_sha256": textDigest(d.Reason)}})
	})
	return d, err
}

// ResolveDispute closes a dispute of the actor's lender: upheld (the debt
// is wrong; the lender corrects it) or rejected (collection resumes).
func (s *Store) ResolveDispute(ctx context.Context, a collect.Actor, disputeID string, upheld bool, resolution string) (Dispute, error) {
	if err := allocation.ValidReason(resolution); err != nil {
		return Dispute{}, err
	}
	var d Dispute
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var row struct {
			ID, AccountID, LenderID, Reason, Status string
			RaisedAt                                time.Time
		}
		if err := tx.Table("disputes").Where("id = ? AND lender_id = ?", disputeID, a.OrgID).Take(&row).Error; err != nil {
			return notFound(err, "dispute")
		}
		if row.Status != "open" {
			return collect.E(collect.ECONFLICT, "err.case.dispute_already", "status", row.Status)
		}
		if s.dialect == "postgres" {
			if err := tx.Exec("SELECT id FROM accounts WHERE id = ? FOR UPDATE", row.AccountID).Error; err != nil {
				return err
			}
		}
		status := "rejected"
		if upheld {
			status = "upheld"
		}
		now := s.now()
		res := tx.Table("disputes").Where("id = ? AND status = 'open'", row.ID).Updates(map[string]any{"status": status, "resolved_by": a.UserID,
			"resolved_at": now, "resolution": strings.TrimSpace(resolution)})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.case.dispute_resolved_meanwhile")
		}
		var open int64
		if err := tx.Table("disputes").Where("account_id = ? AND status = 'open'", row.AccountID).Count(&open).Error; err != nil {
			return err
		}
		if open == 0 {
			if err := tx.Table("accounts").Where("id = ?", row.AccountID).Updates(map[string]any{"dispute_open": false, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		d = Dispute{ID: row.ID, AccountID: row.AccountID, Reason: row.Reason, Status: status, RaisedAt: row.RaisedAt, ResolvedAt: &now, Resolution: resolution}
		return s.appendAudit(tx, a, auditRecord{Action: "case.dispute_resolve", ObjectType: "account", ObjectID: row.AccountID, LenderID: row.LenderID,
			After: map[string]string{"dispute": d.ID, "status": d.Status, "resolution_sha256": textDigest(d.Resolution)}})
	})
	return d, err
}

// AssignAccounts gives accounts of the actor's agency to one of its
// collectors (a supervisor's act); an empty collector unassigns.
func (s *Store) AssignAccounts(ctx context.Context, a collect.Actor, accountIDs []string, collectorID string) (int, error) {
	if len(accountIDs) == 0 || len(accountIDs) > 10000 {
		return 0, collect.E(collect.EINVALID, "err.case.assign_count").WithFields(collect.Field("account_ids", "err.case.required"))
	}
	n := 0
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		if collectorID != "" {
			var ok int64
			if err := tx.Table("users u").Joins("JOIN memberships m ON m.user_id = u.id").
				Where("u.id = ? AND u.organisation_id = ? AND m.role IN ?", collectorID, a.OrgID,
					[]string{collect.RoleCollector, collect.RoleAgencySupervisor}).Count(&ok).Error; err != nil {
				return err
			}
			if ok == 0 {
				return collect.E(collect.EINVALID, "err.case.collector_unknown").WithFields(collect.Field("collector_id", "err.case.unknown"))
			}
		}
		q := tx.Table("accounts").Scopes(accountScope(a))
		if s.dialect == "postgres" {
			// One array parameter: the planner sees its length (10,000 ids,
			// not one row), and a constant array is hashed, where a list of
			// 10,000 parameters is searched row by row.
			q = q.Where("accounts.id = ANY(?)", pq.StringArray(accountIDs))
		} else {
			q = q.Where("accounts.id IN ?", accountIDs)
		}
		res := q.Updates(map[string]any{"assigned_to": collectorID, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if int(res.RowsAffected) != len(uniq(accountIDs)) {
			return collect.E(collect.ENOTFOUND, "err.case.assign_not_placed")
		}
		n = int(res.RowsAffected)
		var lenders []struct{ LenderID, ID string }
		if err := tx.Table("accounts").Select("lender_id, id").Where("id IN ?", accountIDs).Scan(&lenders).Error; err != nil {
			return err
		}
		byLender := map[string][]string{}
		for _, l := range lenders {
			byLender[l.LenderID] = append(byLender[l.LenderID], l.ID)
		}
		for lender, ids := range byLender {
			if err := s.appendAudit(tx, a, auditRecord{Action: "case.assign", ObjectType: "account", ObjectID: ids[0], LenderID: lender,
				After: map[string]any{"accounts": ids, "collector": collectorID}}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// QueueFilter narrows the work queue.
type QueueFilter struct {
	Stage, Bucket string
	Due           string // "", "overdue" (next action due now or earlier), "today"
	// Cursor (QueueList.Next of the page before) starts the page just
	// after that page's last account: an index seek however deep, where
	// Page alone walks the index to its offset. Page still numbers it.
	Cursor string
	Page
}

// QueueRow is one account in a work queue, with its priority and why.
type QueueRow struct {
	AccountRow
	AssignedTo     string     `json:"assigned_to"`
	NextActionAt   *time.Time `json:"next_action_at"`
	Priority       float64    `json:"priority"`
	PriorityReason string     `json:"priority_reason"`
	PromiseDue     string     `json:"promise_due,omitempty"`
	Propensity     *Score     `json:"propensity"` // the propensity-to-pay score with its reasons, when a model is in use
	BreakRisk      *Score     `json:"break_risk"` // the live arrangement's chance of breaking, when scored
}

// QueueList is one page of a work queue. Total is exact when TotalExact;
// otherwise the queue holds at least Total accounts (counting a large
// queue to the end would read all of it, so the count stops well past the
// page).
type QueueList struct {
	Rows       []QueueRow
	Total      int64
	TotalExact bool
	Next       string // the cursor of the next page ("" on the last)
}

// queueCountAhead is how far past the page's end a queue is counted.
const queueCountAhead = 2_000

// queueEntry is where an account stands in a queue: its tier
// (casework.PriorityTier) and stored casework.Value, then its id.
type queueEntry struct {
	ID           string
	Value        float64 `gorm:"column:priority_value"`
	NextActionAt *time.Time
	tier         int
}

// before orders queue entries: higher tier, then higher value, then id.
func (e queueEntry) before(o queueEntry) bool {
	if e.tier != o.tier {
		return e.tier > o.tier
	}
	if e.Value != o.Value {
		return e.Value > o.Value
	}
	return e.ID < o.ID
}

// Queue is QueuePage's rows and total (a lower bound unless exact).
func (s *Store) Queue(ctx context.Context, a collect.Actor, f QueueFilter) ([]QueueRow, int64, error) {
	l, err := s.QueuePage(ctx, a, f)
	return l.Rows, l.Total, err
}

// QueuePage is the actor's work queue: a collector's assigned accounts, or the
// whole agency's for a supervisor, in casework.Priority order (overdue
// next actions, then promises falling due, then the rest, each tier by
// casework.Value, highest first; ties by id).
//
// The order is read from indexes, never by scoring the whole scope: the
// value is stored (accounts.priority_value, priority.go); the two
// time-dependent tiers are small indexed sets (next_action_at <= now; the
// agency's pending instalments falling due), read whole and put in front;
// the rest is a walk of the queue's index in value order from the page's
// offset, stepping over the tiered accounts it meets.
func (s *Store) QueuePage(ctx context.Context, a collect.Actor, f QueueFilter) (QueueList, error) {
	if f.Due != "" && f.Due != "overdue" && f.Due != "today" {
		return QueueList{}, collect.E(collect.EINVALID, "err.case.queue_due")
	}
	if f.Cursor != "" {
		if _, err := parseQueueCursor(f.Cursor); err != nil {
			return QueueList{}, err
		}
	}
	if a.OrgKind != collect.KindAgency {
		return QueueList{}, collect.E(collect.EFORBIDDEN, "err.case.queue_agency_only")
	}
	now := s.now()
	p := f.Page.Normal()
	db := s.db.WithContext(ctx)
	// Promises and instalments falling due (casework's "promise due soon").
	promised := map[string]string{}
	var dues []struct {
		AccountID string
		Due       string
	}
	if err := s.queueScope(db.Table("arrangement_instalments ai").Select("ar.account_id, MIN(ai.due_date) AS due").
		Joins("JOIN arrangements ar ON ar.id = ai.arrangement_id").Joins("JOIN accounts ON accounts.id = ar.account_id"), a, f).
		Where("ar.agency_id = ? AND ar.status = 'active' AND ai.status = 'pending' AND ai.due_date <= ?", a.OrgID, casework.PromiseSoonUntil(now)).
		Group("ar.account_id").Scan(&dues).Error; err != nil {
		return QueueList{}, err
	}
	for _, d := range dues {
		promised[d.AccountID] = d.Due
	}
	// The tiered accounts, whole: those whose next action is due (by the
	// end of today with ?due=today), and the promised.
	actionsUntil, cmp := now, "<="
	if f.Due == "today" {
		actionsUntil, cmp = now.Truncate(24*time.Hour).Add(24*time.Hour), "<"
	}
	var front []queueEntry
	if err := s.queueScope(db.Table("accounts"), a, f).Select("accounts.id, accounts.priority_value, accounts.next_action_at").
		Where("accounts.next_action_at IS NOT NULL AND accounts.next_action_at "+cmp+" ?", actionsUntil).Scan(&front).Error; err != nil {
		return QueueList{}, err
	}
	inFront := map[string]bool{}
	for _, e := range front {
		inFront[e.ID] = true
	}
	if f.Due == "" && len(promised) > 0 {
		ids := make([]string, 0, len(promised))
		for id := range promised {
			if !inFront[id] {
				ids = append(ids, id)
			}
		}
		for lo := 0; lo < len(ids); lo += historyChunk {
			var more []queueEntry
			if err := db.Table("accounts").Select("id, priority_value, next_action_at").
				Where("id IN ?", ids[lo:min(lo+historyChunk, len(ids))]).Scan(&more).Error; err != nil {
				return QueueList{}, err
			}
			front = append(front, more...)
		}
	}
	for i, e := range front {
		inFront[e.ID] = true
		front[i].tier = casework.PriorityTier(casework.QueueItem{NextActionDue: e.NextActionAt, PromiseDueSoon: promised[e.ID] != ""}, now)
	}
	slices.SortFunc(front, func(x, y queueEntry) int {
		if x.before(y) {
			return -1
		}
		return 1
	})
	// The page: first from the front, then from the walk; from the
	// page's offset, or from just after the cursor's entry.
	offset := p.offset()
	from, walkFrom := min(offset, len(front)), max(offset-len(front), 0)
	var after *queueEntry
	if f.Cursor != "" {
		c, err := parseQueueCursor(f.Cursor)
		if err != nil {
			return QueueList{}, err
		}
		from, walkFrom = len(front), 0
		if c.tier > 0 || f.Due != "" { // the cursor is in the front
			from, _ = slices.BinarySearchFunc(front, c, func(e, t queueEntry) int {
				if !t.before(e) { // e is t or before it
					return -1
				}
				return 1
			})
		} else {
			after = &c
		}
	}
	page := front[from:min(from+p.PerPage, len(front))]
	out := QueueList{Total: int64(len(front)), TotalExact: true}
	if f.Due == "" {
		rest, err := s.queueWalk(db, a, f, front, walkFrom, after, p.PerPage-len(page))
		if err != nil {
			return QueueList{}, err
		}
		page = append(slices.Clip(page), rest...)
		// The count, too, starts at the cursor when there is one: the
		// pages before it are taken as the page number says, the front
		// already counted among them.
		counted, base, limit := s.queueScope(db.Table("accounts"), a, f).Select("1"), 0, offset+p.PerPage+queueCountAhead
		if after != nil {
			counted = counted.Where("accounts.priority_value <= ? AND NOT (accounts.priority_value = ? AND accounts.id <= ?)", after.Value, after.Value, after.ID)
			base, limit = offset, p.PerPage+queueCountAhead
			for _, e := range front {
				if after.before(queueEntry{ID: e.ID, Value: e.Value}) {
					base-- // in the count after the cursor, shown before it
				}
			}
		}
		var n int64
		if err := db.Table("(?) AS q", counted.Limit(limit)).Count(&n).Error; err != nil {
			return QueueList{}, err
		}
		out.Total, out.TotalExact = int64(base)+n, n < int64(limit)
	}
	if len(page) == p.PerPage {
		out.Next = page[len(page)-1].cursor()
	}
	ids := make([]string, len(page))
	for i, e := range page {
		ids[i] = e.ID
	}
	rows, err := s.queueRows(ctx, a, ids, promised, now)
	out.Rows = rows
	return out, err
}

// cursor names the entry, for the page after it: "tier:value:id".
func (e queueEntry) cursor() string {
	return strconv.Itoa(e.tier) + ":" + strconv.FormatFloat(e.Value, 'g', -1, 64) + ":" + e.ID
}

// parseQueueCursor reads a cursor of queueEntry.cursor.
func parseQueueCursor(c string) (queueEntry, error) {
	bad := collect.Invalid("cursor", "err.case.queue_cursor")
	parts := strings.SplitN(c, ":", 3)
	if len(parts) != 3 || parts[2] == "" {
		return queueEntry{}, bad
	}
	tier, err := strconv.Atoi(parts[0])
	if err != nil {
		return queueEntry{}, bad
	}
	v, err := strconv.ParseFloat(parts[1], 64)
	if err != nil || math.IsNaN(v) {
		return queueEntry{}, bad
	}
	return queueEntry{ID: parts[2], Value: v, tier: tier}, nil
}

// queueScope narrows q (which has the accounts table as "accounts") to the
// open accounts of the actor's queue that match the filter.
func (s *Store) queueScope(q *gorm.DB, a collect.Actor, f QueueFilter) *gorm.DB {
	// accountScope reads accounts.agency_id for an agency; the literal
	// conditions state what the queue indexes are partial on, so that
	// both planners may use them.
	q = q.Scopes(accountScope(a)).Where("accounts.status = 'open' AND accounts.agency_id IS NOT NULL")
	if !a.Has(collect.RoleAgencySupervisor) {
		q = q.Where("accounts.assigned_to = ? AND accounts.assigned_to <> ''", a.UserID)
	}
	if f.Stage != "" {
		q = q.Where("accounts.stage = ?", f.Stage)
	}
	if f.Bucket != "" {
		q = q.Where("accounts.bucket = ?", f.Bucket)
	}
	return q
}

// queueWalk returns up to n of the queue's untiered accounts in value
// order, from the k-th on, or (after given) from just after that entry: a
// walk of the queue's index that skips the front (the tiered accounts,
// which lie anywhere in it). From an offset, the walk starts at index
// position k + (front entries before that position); as the front is
// known, that count needs no query, only a re-read when a guess was
// short. From a cursor it is a seek in the index.
func (s *Store) queueWalk(db *gorm.DB, a collect.Actor, f QueueFilter, front []queueEntry, k int, after *queueEntry, n int) ([]queueEntry, error) {
	if n <= 0 {
		return nil, nil
	}
	keys := make([]queueEntry, len(front)) // the front in index order (value, id)
	inFront := make(map[string]bool, len(front))
	for i, e := range front {
		keys[i] = queueEntry{ID: e.ID, Value: e.Value}
		inFront[e.ID] = true
	}
	slices.SortFunc(keys, func(x, y queueEntry) int {
		if x.before(y) {
			return -1
		}
		return 1
	})
	frontBefore := func(e queueEntry) int {
		i, _ := slices.BinarySearchFunc(keys, e, func(x, t queueEntry) int {
			if x.ID == t.ID {
				return 0
			}
			if x.before(t) {
				return -1
			}
			return 1
		})
		return i
	}
	var out []queueEntry
	pos := k // the index position read from (without a cursor)
	for len(out) < n {
		q := s.queueScope(db.Table("accounts"), a, f).Select("accounts.id, accounts.priority_value").
			Order("accounts.priority_value DESC, accounts.id").Limit(n - len(out) + 8)
		if after != nil {
			// A range of the index from the cursor's value down, less
			// its ties up to the cursor's id.
			q = q.Where("accounts.priority_value <= ? AND NOT (accounts.priority_value = ? AND accounts.id <= ?)", after.Value, after.Value, after.ID)
		} else {
			q = q.Offset(pos)
		}
		var got []queueEntry
		if err := q.Scan(&got).Error; err != nil {
			return nil, err
		}
		if len(got) == 0 {
			break
		}
		if after == nil && len(out) == 0 {
			// Untiered accounts before pos: pos less the front before it.
			if short := k - (pos - frontBefore(got[0])); short > 0 {
				pos += short
				continue
			}
		}
		for _, e := range got {
			if !inFront[e.ID] && len(out) < n {
				out = append(out, e)
			}
		}
		pos += len(got)
		if after != nil {
			last := got[len(got)-1]
			after = &last
		}
	}
	return out, nil
}

// queueRows reads the page's accounts (in the order of ids) with what the
// page shows of each: priority and why (casework.Priority), scores, the
// promise falling due.
func (s *Store) queueRows(ctx context.Context, a collect.Actor, ids []string, promised map[string]string, now time.Time) ([]QueueRow, error) {
	if len(ids) == 0 {
		return []QueueRow{}, nil
	}
	var scans []struct {
		R            accountRowScan `gorm:"embedded"`
		AssignedTo   string
		NextActionAt *time.Time
	}
	// The page's ids drive the join (CROSS JOIN keeps SQLite's planner,
	// which has no statistics, from walking the agency's accounts instead),
	// each looked up by its key, in the actor's scope.
	pick := strings.TrimSuffix(strings.Repeat("(CAST(? AS TEXT)), ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	if err := s.db.WithContext(ctx).Table("(VALUES "+pick+") AS pick", args...).Joins("CROSS JOIN accounts").
		Joins("LEFT JOIN placements p ON p.account_id = accounts.id AND p.status = ?", allocation.PlacementActive).
		Joins("LEFT JOIN organisations ag ON ag.id = p.agency_id").
		Where("accounts.id = pick.column1").Scopes(accountScope(a)).
		Select(accountColumns + ", accounts.assigned_to, accounts.next_action_at").Scan(&scans).Error; err != nil {
		return nil, err
	}
	scores, err := s.scoresOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]QueueRow, len(scans))
	for _, sc := range scans {
		item := casework.QueueItem{DPD: sc.R.DPD, BalanceCents: sc.R.BalanceCents, NextActionDue: sc.NextActionAt, Stage: sc.R.Stage,
			PromiseDueSoon: promised[sc.R.ID] != ""}
		row := QueueRow{AccountRow: sc.R.row(), AssignedTo: sc.AssignedTo, NextActionAt: sc.NextActionAt, PromiseDue: promised[sc.R.ID]}
		if p, ok := scores[sc.R.ID][earlywarning.KindPropensity]; ok {
			row.Propensity, item.Score = &p, &p.Score
		}
		if b, ok := scores[sc.R.ID][earlywarning.KindArrangementBreak]; ok {
			row.BreakRisk = &b
		}
		row.Priority, row.PriorityReason = casework.Priority(item, now)
		byID[sc.R.ID] = row
	}
	out := make([]QueueRow, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// Collectors lists the agency's staff who can be given accounts.
func (s *Store) Collectors(ctx context.Context, a collect.Actor) ([]collect.User, error) {
	var out []collect.User
	err := s.db.WithContext(ctx).Table("users u").Select("DISTINCT u.id, u.email, u.name").
		Joins("JOIN memberships m ON m.user_id = u.id").
		Where("u.organisation_id = ? AND m.role IN ?", a.OrgID, []string{collect.RoleCollector, collect.RoleAgencySupervisor}).
		Order("u.email").Scan(&out).Error
	return out, err
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// CaseDetail is what the account page shows of a case.
type CaseDetail struct {
	Verification     *Verification
	VerifiedAt       *time.Time
	Disputes         []Dispute
	LegalCases       []LegalCase
	LimitationExpiry string
	TimeBarred       bool
	AssignedTo       string
}

// Case gathers an account's verification, disputes, legal cases and
// limitation date, in the actor's scope.
func (s *Store) Case(ctx context.Context, a collect.Actor, accountID string) (CaseDetail, error) {
	var out CaseDetail
	// Reads only, outside a transaction (see NextStages).
	err := func(tx *gorm.DB) error {
		acc, _, err := s.loadCase(tx, a, accountID)
		if err != nil {
			return err
		}
		out.AssignedTo = acc.AssignedTo
		var v struct {
			IdentityOK bool `gorm:"column:identity_ok"`
			ContactOK  bool `gorm:"column:contact_ok"`
			AmountOK   bool `gorm:"column:amount_ok"`
			DPDOK      bool `gorm:"column:dpd_ok"`
			Flags      string
			Note       string
			VerifiedBy string
			VerifiedAt time.Time
		}
		if err := tx.Table("verifications").Select("identity_ok, contact_ok, amount_ok, dpd_ok, flags, note, verified_by, verified_at").
			Where("account_id = ?", acc.ID).Take(&v).Error; err == nil {
			out.Verification = &Verification{IdentityOK: v.IdentityOK, ContactOK: v.ContactOK, AmountOK: v.AmountOK, DPDOK: v.DPDOK, Flags: splitList(v.Flags), Note: v.Note}
			out.VerifiedAt = &v.VerifiedAt
		}
		var disputes []disputeRow
		if err := tx.Table("disputes").Where("account_id = ?", acc.ID).Order("raised_at DESC").Find(&disputes).Error; err != nil {
			return err
		}
		cases, err := legalCases(tx.Where("account_id = ?", acc.ID))
		if err != nil {
			return err
		}
		out.LegalCases = cases
		// Another agency's notes and reasons are its own (HistoryDetailFor).
		users := []string{v.VerifiedBy}
		for _, d := range disputes {
			users = append(users, d.RaisedBy)
		}
		agencyOf, err := userAgencies(tx, users)
		if err != nil {
			return err
		}
		viewer := historyViewer(tx, a, acc.LenderID)
		withheld := func(agency string) bool { return casework.HistoryDetailFor(viewer, agency) != casework.HistoryFull }
		if out.Verification != nil && withheld(agencyOf[v.VerifiedBy]) {
			out.Verification.Note, out.Verification.DetailsWithheld = "", true
		}
		for _, d := range disputes {
			if withheld(agencyOf[d.RaisedBy]) {
				d.Reason, d.DetailsWithheld = "", true
			}
			out.Disputes = append(out.Disputes, d.Dispute)
		}
		for i := range out.LegalCases {
			if withheld(out.LegalCases[i].agencyID) {
				out.LegalCases[i].Note, out.LegalCases[i].DetailsWithheld = "", true
			}
		}
		if lim, err := s.limitation(tx, acc); err == nil {
			out.LimitationExpiry, out.TimeBarred = lim.Expires.Format(time.DateOnly), lim.TimeBarred
		}
		return nil
	}(s.db.WithContext(ctx))
	return out, err
}

func legalCases(q *gorm.DB) ([]LegalCase, error) {
	var rows []struct {
		ID, AccountID, AgencyID, Status, Estimate, LimitationExpires, CourtRef, Note string
		CreatedAt, UpdatedAt                                                         time.Time
		Costs                                                                        int64
	}
	if err := q.Table("legal_cases").Select("legal_cases.*, (SELECT COALESCE(SUM(amount_cents), 0) FROM legal_costs lc WHERE lc.legal_case_id = legal_cases.id) AS costs").
		Order("created_at DESC").Limit(500).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]LegalCase, len(rows))
	for i, r := range rows {
		out[i] = LegalCase{ID: r.ID, AccountID: r.AccountID, Status: r.Status, LimitationExpires: r.LimitationExpires, CourtRef: r.CourtRef,
			Note: r.Note, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, CostsCents: r.Costs, agencyID: r.AgencyID}
		_ = jsonInto(r.Estimate, &out[i].Estimate)
	}
	return out, nil
}

// OpenDisputes lists the lender's open disputes with the loan references.
func (s *Store) OpenDisputes(ctx context.Context, a collect.Actor) ([]Dispute, []string, error) {
	var rows []struct {
		Dispute     `gorm:"embedded"`
		ExternalRef string
	}
	err := s.db.WithContext(ctx).Table("disputes d").Select("d.*, ac.external_ref").Joins("JOIN accounts ac ON ac.id = d.account_id").
		Where("d.lender_id = ? AND d.status = 'open'", a.OrgID).Order("d.raised_at").Limit(500).Scan(&rows).Error
	out, refs := make([]Dispute, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		out[i], refs[i] = r.Dispute, r.ExternalRef
	}
	return out, refs, err
}

// LegalReferrals lists the lender's legal cases waiting for its decision.
func (s *Store) LegalReferrals(ctx context.Context, a collect.Actor) ([]LegalCase, error) {
	return legalCases(s.db.WithContext(ctx).Where("lender_id = ? AND status = 'referred'", a.OrgID))
}

// LegalNext lists the statuses a viewer may move a case to.
func LegalNext(a collect.Actor, status string) []string {
	return casework.LegalNext(status, a.OrgKind == collect.KindLender)
}

// AccountRefs maps account ids to loan references within the actor's scope.
func (s *Store) AccountRefs(ctx context.Context, a collect.Actor, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct{ ID, ExternalRef string }
	err := s.db.WithContext(ctx).Table("accounts").Scopes(accountScope(a)).Select("accounts.id, accounts.external_ref").
		Where("accounts.id IN ?", ids).Scan(&rows).Error
	for _, r := range rows {
		out[r.ID] = r.ExternalRef
	}
	return out, err
}
