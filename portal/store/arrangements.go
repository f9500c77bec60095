package store

import (
	"collect"
	"context"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"collect/casework"
	"collect/casework/earlywarning"
)

// ArrangementRequest is an arrangement as the collector proposes it (API.md:
// kind and the amounts; dates as YYYY-MM-DD).
type ArrangementRequest struct {
	Kind             string `json:"kind"`
	AmountCents      int64  `json:"amount_cents"`
	DownPaymentCents int64  `json:"down_payment_cents"`
	Instalments      int    `json:"instalments"`
	FirstDue         string `json:"first_due"`
	IntervalDays     int    `json:"interval_days"`
	PenaltyCents     int64  `json:"penalty_cents"`
	Note             string `json:"note"`
}

// Arrangement is a stored arrangement with its schedule.
type Arrangement struct {
	ID               string              `json:"id"`
	AccountID        string              `json:"account_id"`
	Kind             string              `json:"kind"`
	Status           string              `json:"status"`
	AmountCents      int64               `json:"amount_cents"`
	DownPaymentCents int64               `json:"down_payment_cents"`
	Instalments      int                 `json:"instalments"`
	FirstDue         string              `json:"first_due"`
	DiscountBP       int                 `json:"discount_bp"`
	Reasons          []collect.Violation `json:"reasons"`
	Schedule         []InstalmentRow     `json:"schedule"`
	MakerID          string              `json:"maker_id"`
	ApproverID       string              `json:"approver_id"`
	CreatedAt        time.Time           `json:"created_at"`
	// DetailsWithheld: made by another agency; who made and approved it is
	// not shown to the reader (casework.HistoryDetailFor).
	DetailsWithheld bool `json:"details_withheld"`
}

// InstalmentRow is one line of a schedule with what was paid on it.
type InstalmentRow struct {
	N           int    `json:"n"`
	DueDate     string `json:"due_date"`
	AmountCents int64  `json:"amount_cents"`
	PaidCents   int64  `json:"paid_cents"`
	Status      string `json:"status"`
}

// PromiseGraceDays is how long after its due date a promise or instalment
// may still be paid and count as kept (casework.PromiseGraceDays).
const PromiseGraceDays = casework.PromiseGraceDays

// CreateArrangement records an arrangement for an account the actor's agency
// holds. Within the contract's negotiation limits it is active at once;
// beyond them it waits for the lender's vendor manager (maker-checker). A
// promise counts as the debtor's acknowledgement for the limitation period.
func (s *Store) CreateArrangement(ctx context.Context, a collect.Actor, accountID string, req ArrangementRequest) (Arrangement, error) {
	if utf8.RuneCountInString(req.Note) > 2000 {
		return Arrangement{}, collect.E(collect.EINVALID, "err.arrangement.note_too_long").WithFields(collect.Field("note", "err.form.max_chars", "max", "2,000"))
	}
	var out Arrangement
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		acc, pl, err := s.lockCase(tx, a, accountID)
		if err != nil {
			return err
		}
		if pl.ID == "" {
			return collect.E(collect.ECONFLICT, "err.arrangement.no_active_placement")
		}
		if acc.DisputeOpen {
			return keyedRuleViolation(collect.E(collect.ERULEVIOLATION, "err.arrangement.dispute_open"), []collect.Violation{collect.Broken(casework.RuleConductDisputeOpen, "err.arrangement.rule.dispute_open")})
		}
		contract, err := contractFor(tx, acc.LenderID, pl.AgencyID)
		if err != nil {
			return err
		}
		now := s.now()
		var due time.Time
		if req.FirstDue != "" {
			if due, err = time.ParseInLocation(time.DateOnly, req.FirstDue, time.UTC); err != nil {
				return collect.Invalid("first_due", "err.form.date", "field", "first_due")
			}
		}
		in := casework.ArrangementInput{Kind: req.Kind, BalanceCents: acc.BalanceCents, AmountCents: req.AmountCents, DownPaymentCents: req.DownPaymentCents,
			Instalments: req.Instalments, FirstDue: due, IntervalDays: req.IntervalDays, PenaltyCents: req.PenaltyCents, Now: now}
		d, err := casework.DecideArrangement(in, contract)
		if err != nil {
			return err
		}
		status := "active"
		if d.NeedsApproval {
			status = "pending_approval"
		}
		out = Arrangement{ID: uuid.Must(uuid.NewV7()).String(), AccountID: acc.ID, Kind: req.Kind, Status: status, AmountCents: req.AmountCents,
			DownPaymentCents: req.DownPaymentCents, Instalments: req.Instalments, FirstDue: req.FirstDue, DiscountBP: d.DiscountBP,
			Reasons: d.Reasons, MakerID: a.UserID, CreatedAt: now}
		if out.Reasons == nil {
			out.Reasons = []collect.Violation{}
		}
		if err := tx.Table("arrangements").Create(map[string]any{"id": out.ID, "account_id": acc.ID, "lender_id": acc.LenderID, "agency_id": pl.AgencyID,
			"kind": req.Kind, "status": status, "amount_cents": req.AmountCents, "down_payment_cents": req.DownPaymentCents,
			"instalments": req.Instalments, "first_due": req.FirstDue, "interval_days": req.IntervalDays, "discount_bp": d.DiscountBP,
			"reasons": jsonString(out.Reasons), "note": req.Note, "maker_id": a.UserID, "created_at": now}).Error; err != nil {
			return err
		}
		for _, in := range d.Schedule {
			row := InstalmentRow{N: in.N, DueDate: in.Due.Format(time.DateOnly), AmountCents: in.AmountCents, Status: "pending"}
			out.Schedule = append(out.Schedule, row)
			if err := tx.Table("arrangement_instalments").Create(map[string]any{"arrangement_id": out.ID, "n": row.N, "due_date": row.DueDate,
				"amount_cents": row.AmountCents, "status": "pending"}).Error; err != nil {
				return err
			}
		}
		if req.Kind == casework.KindPromise || req.Kind == casework.KindInstalmentPlan {
			if err := statDelta(tx, acc.LenderID, pl.AgencyID, now, map[string]int64{"promises": 1}); err != nil {
				return err
			}
		}
		if req.Kind == casework.KindPromise || status == "active" {
			if err := addLimitationEvent(tx, acc.ID, "acknowledgement", now, "arrangement:"+out.ID, now); err != nil {
				return err
			}
		}
		if err := s.autoStage(tx, a, acc, casework.StageAfterArrangement); err != nil {
			return err
		}
		return s.appendAudit(tx, a, auditRecord{Action: "arrangement.create", ObjectType: "arrangement", ObjectID: out.ID, LenderID: acc.LenderID,
			After: struct {
				Arrangement
				NoteSHA256 string `json:"note_sha256"`
			}{out, textDigest(req.Note)}})
	})
	if err == nil {
		s.rescoreAfter(ctx, accountID)
	}
	return out, err
}

// DecideArrangementApproval approves or rejects a pending arrangement of the
// actor's lender. The approver cannot be its maker.
func (s *Store) DecideArrangementApproval(ctx context.Context, a collect.Actor, id string, approve bool) (Arrangement, error) {
	var out Arrangement
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var row struct {
			ID, AccountID, LenderID, AgencyID, Kind, Status, MakerID, FirstDue string
			AmountCents                                                        int64
			CreatedAt                                                          time.Time
		}
		if err := tx.Table("arrangements").Where("id = ? AND lender_id = ?", id, a.OrgID).Take(&row).Error; err != nil {
			return notFound(err, "arrangement")
		}
		if row.Status != "pending_approval" {
			return collect.E(collect.ECONFLICT, "err.arrangement.not_pending", "status", row.Status)
		}
		if row.MakerID == a.UserID {
			return collect.E(collect.EFORBIDDEN, "err.arrangement.maker_checker")
		}
		status := "rejected"
		if approve {
			status = "active"
		}
		now := s.now()
		res := tx.Table("arrangements").Where("id = ? AND status = 'pending_approval'", id).Updates(map[string]any{"status": status, "approver_id": a.UserID, "decided_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return collect.E(collect.ECONFLICT, "err.arrangement.decided_meanwhile")
		}
		if approve {
			if err := addLimitationEvent(tx, row.AccountID, "acknowledgement", now, "arrangement:"+id, now); err != nil {
				return err
			}
		} else if row.Kind == casework.KindPromise || row.Kind == casework.KindInstalmentPlan {
			// A rejected promise was never made: take it back out of the count.
			if err := statDelta(tx, row.LenderID, row.AgencyID, row.CreatedAt, map[string]int64{"promises": -1}); err != nil {
				return err
			}
		}
		out = Arrangement{ID: row.ID, AccountID: row.AccountID, Kind: row.Kind, Status: status, AmountCents: row.AmountCents, FirstDue: row.FirstDue,
			MakerID: row.MakerID, ApproverID: a.UserID}
		return s.appendAudit(tx, a, auditRecord{Action: "arrangement." + map[bool]string{true: "approve", false: "reject"}[approve],
			ObjectType: "arrangement", ObjectID: id, LenderID: row.LenderID, After: map[string]string{"status": status}})
	})
	if err == nil {
		s.rescoreAfter(ctx, out.AccountID)
	}
	return out, err
}

// Arrangements lists an account's arrangements with their schedules.
func (s *Store) Arrangements(ctx context.Context, a collect.Actor, accountID string) ([]Arrangement, error) {
	db := s.db.WithContext(ctx)
	acc, _, err := s.loadCase(db, a, accountID)
	if err != nil {
		return nil, err
	}
	var rows []arrangementRow
	if err := db.Table("arrangements").Where("account_id = ?", accountID).Order("created_at DESC").Scan(&rows).Error; err != nil {
		return nil, err
	}
	viewer := historyViewer(db, a, acc.LenderID)
	out := make([]Arrangement, len(rows))
	at := make(map[string]int, len(rows))
	for i, r := range rows {
		out[i] = r.arrangement()
		at[r.ID] = i
		if casework.HistoryDetailFor(viewer, r.AgencyID) != casework.HistoryFull {
			out[i].MakerID, out[i].ApproverID, out[i].DetailsWithheld = "", "", true
		}
	}
	if len(rows) == 0 {
		return out, nil
	}
	// Every schedule in one read, not one per arrangement.
	var schedule []struct {
		ArrangementID string
		InstalmentRow
	}
	if err := db.Table("arrangement_instalments").Where("arrangement_id IN (SELECT id FROM arrangements WHERE account_id = ?)", accountID).
		Order("arrangement_id, n").Scan(&schedule).Error; err != nil {
		return nil, err
	}
	for _, r := range schedule {
		if i, ok := at[r.ArrangementID]; ok {
			out[i].Schedule = append(out[i].Schedule, r.InstalmentRow)
		}
	}
	return out, nil
}

// arrangementRow is an arrangements row as stored.
type arrangementRow struct {
	ID, AccountID, AgencyID, Kind, Status, FirstDue, Reasons, MakerID, ApproverID string
	AmountCents, DownPaymentCents                                                 int64
	Instalments, DiscountBP                                                       int
	CreatedAt                                                                     time.Time
}

func (r arrangementRow) arrangement() Arrangement {
	a := Arrangement{ID: r.ID, AccountID: r.AccountID, Kind: r.Kind, Status: r.Status, AmountCents: r.AmountCents, DownPaymentCents: r.DownPaymentCents,
		Instalments: r.Instalments, FirstDue: r.FirstDue, DiscountBP: r.DiscountBP, MakerID: r.MakerID, ApproverID: r.ApproverID, CreatedAt: r.CreatedAt,
		Reasons: []collect.Violation{}, Schedule: []InstalmentRow{}}
	_ = jsonInto(r.Reasons, &a.Reasons)
	return a
}

// PendingArrangements lists the lender's arrangements waiting for approval.
func (s *Store) PendingArrangements(ctx context.Context, a collect.Actor) ([]Arrangement, error) {
	var rows []arrangementRow
	err := s.db.WithContext(ctx).Table("arrangements").Where("lender_id = ? AND status = 'pending_approval'", a.OrgID).
		Order("created_at").Limit(500).Scan(&rows).Error
	out := make([]Arrangement, len(rows))
	for i, r := range rows {
		out[i] = r.arrangement()
	}
	return out, err
}

// applyToArrangement applies a payment made at paidAt to the account's
// active arrangement's instalments, oldest first, inside the payment's
// transaction; an arrangement whose every instalment is paid is kept. An
// instalment whose grace period had ended unpaid by paidAt is broken first,
// as the promise job would have broken it: money paid late does not keep
// a promise, whenever the job last ran.
func (s *Store) applyToArrangement(tx *gorm.DB, accountID string, amount int64, paidAt time.Time) error {
	if _, _, err := s.breakOverdue(tx, casework.PromiseBreakCutoff(paidAt.In(collect.China)), accountID); err != nil {
		return err
	}
	var arr struct{ ID, LenderID, AgencyID string }
	err := tx.Table("arrangements").Select("id, lender_id, agency_id").Where("account_id = ? AND status = 'active'", accountID).Order("created_at DESC").Take(&arr).Error
	if err != nil {
		return nil // no active arrangement: nothing to apply
	}
	// Lock the instalments (PostgreSQL; SQLite has one writer): the promise
	// evaluation in another process waits, then re-checks their status, so
	// an instalment is not both broken by it and kept by this payment.
	var rows []InstalmentRow
	q := tx.Table("arrangement_instalments").Where("arrangement_id = ?", arr.ID).Order("n")
	if tx.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Scan(&rows).Error; err != nil {
		return err
	}
	sched := make([]casework.Instalment, len(rows))
	paid := make([]int64, len(rows))
	for i, r := range rows {
		due, _ := time.Parse(time.DateOnly, r.DueDate)
		sched[i] = casework.Instalment{N: r.N, Due: due, AmountCents: r.AmountCents}
		paid[i] = r.PaidCents
	}
	after, _ := casework.ApplyPayment(sched, paid, amount)
	all := true
	for i, r := range rows {
		status := r.Status
		if after[i] >= r.AmountCents {
			status = "kept"
		}
		if status != "kept" {
			all = false
		}
		if after[i] != r.PaidCents || status != r.Status {
			cols := map[string]any{"paid_cents": after[i], "status": status}
			if status == "kept" && r.Status != "kept" {
				cols["counted"] = true
				// A broken instalment was counted due when it broke.
				d := map[string]int64{"promises_due": 1, "promises_kept": 1}
				if r.Status == "broken" {
					d = map[string]int64{"promises_kept": 1}
				}
				due, _ := time.Parse(time.DateOnly, r.DueDate)
				if err := statDelta(tx, arr.LenderID, arr.AgencyID, due, d); err != nil {
					return err
				}
			}
			if err := tx.Table("arrangement_instalments").Where("arrangement_id = ? AND n = ? AND status = ?", arr.ID, r.N, r.Status).Updates(cols).Error; err != nil {
				return err
			}
		}
	}
	if all && len(rows) > 0 {
		return tx.Table("arrangements").Where("id = ? AND status = 'active'", arr.ID).Update("status", "kept").Error
	}
	return nil
}

// EvaluatePromises marks instalments unpaid at due date plus grace as
// broken, and their arrangements broken; the cases go back to negotiation.
// Each step is one UPDATE whose WHERE re-checks the state, so several portal
// processes may run it at once.
func (s *Store) EvaluatePromises(ctx context.Context) (int64, error) {
	var n int64
	var touched []string // accounts whose arrangement broke: rescored after
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		n, touched, err = s.breakOverdue(tx, casework.PromiseBreakCutoff(s.now().In(collect.China)), "")
		return err
	})
	if err == nil && len(touched) > 0 {
		s.rescoreAfter(ctx, touched...)
	}
	return n, err
}

// breakOverdue breaks the instalments due before cutoff and not paid in
// full (casework.PromiseBreakCutoff), on accountID's arrangement or, when it
// is empty, on every account, with their arrangements; the cases go back to
// negotiation. It returns how many instalments broke and on which accounts.
func (s *Store) breakOverdue(tx *gorm.DB, cutoff, accountID string) (int64, []string, error) {
	// only narrows a condition on arrangements a to accountID's.
	only := func(q string) string {
		if accountID == "" {
			return q + " AND ? = ''"
		}
		return q + " AND a.account_id = ?"
	}
	// RETURNING makes the count exact with several processes: each row
	// comes back to the one process whose update changed it.
	// Lock the accounts concerned first, in id order, as a payment does
	// (account, then counters, then instalments): locking in the same
	// order leaves no deadlock between the two on PostgreSQL.
	if tx.Dialector.Name() == "postgres" {
		var ids []string
		if err := tx.Raw(`SELECT id FROM accounts WHERE id IN (SELECT a.account_id FROM arrangements a JOIN arrangement_instalments ai ON ai.arrangement_id = a.id
			WHERE `+only(`a.status = 'active' AND ai.status = 'pending' AND ai.due_date < ? AND ai.paid_cents < ai.amount_cents`)+`) ORDER BY id FOR UPDATE`, cutoff, accountID).Scan(&ids).Error; err != nil {
			return 0, nil, err
		}
	}
	var broken []struct{ ArrangementID, DueDate string }
	if err := tx.Raw(`UPDATE arrangement_instalments SET status = 'broken', counted = TRUE
		WHERE status = 'pending' AND due_date < ? AND paid_cents < amount_cents
		AND arrangement_id IN (SELECT a.id FROM arrangements a WHERE `+only(`a.status = 'active'`)+`) RETURNING arrangement_id, due_date`, cutoff, accountID).Scan(&broken).Error; err != nil {
		return 0, nil, err
	}
	if len(broken) == 0 {
		return 0, nil, nil
	}
	var touched []string
	byLender := map[string][]string{}
	for _, b := range broken {
		var arr struct{ LenderID, AgencyID, AccountID string }
		if err := tx.Table("arrangements").Select("lender_id, agency_id, account_id").Where("id = ?", b.ArrangementID).Take(&arr).Error; err != nil {
			return 0, nil, err
		}
		due, _ := time.Parse(time.DateOnly, b.DueDate)
		if err := statDelta(tx, arr.LenderID, arr.AgencyID, due, map[string]int64{"promises_due": 1}); err != nil {
			return 0, nil, err
		}
		byLender[arr.LenderID] = append(byLender[arr.LenderID], b.ArrangementID)
		touched = append(touched, arr.AccountID)
	}
	// follow_up → negotiation in bulk: the one guard casework.CanTransition
	// puts on it (no move while a dispute is open) is in the WHERE.
	if err := tx.Exec(`UPDATE accounts SET stage = 'negotiation' WHERE stage = 'follow_up' AND dispute_open = FALSE AND id IN (
		SELECT a.account_id FROM arrangements a JOIN arrangement_instalments ai ON ai.arrangement_id = a.id
		WHERE `+only(`a.status = 'active' AND ai.status = 'broken'`)+`)`, accountID).Error; err != nil {
		return 0, nil, err
	}
	if err := refreshPriorityIDs(tx, touched...); err != nil { // a stage moved
		return 0, nil, err
	}
	if err := tx.Exec(`UPDATE arrangements SET status = 'broken' WHERE status = 'active' AND id IN (
		SELECT ai.arrangement_id FROM arrangement_instalments ai JOIN arrangements a ON a.id = ai.arrangement_id WHERE `+only(`ai.status = 'broken'`)+`)`, accountID).Error; err != nil {
		return 0, nil, err
	}
	for lender, ids := range byLender {
		if err := s.appendAudit(tx, collect.Actor{}, auditRecord{Action: "arrangement.evaluate", ObjectType: "arrangement", ObjectID: "batch",
			LenderID: lender, After: map[string]any{"arrangements_broken": first(ids, 1000), "instalments_broken": len(ids)}}); err != nil {
			return 0, nil, err
		}
	}
	return int64(len(broken)), touched, nil
}

// FollowUp is the follow-up list: what falls due soon, what broke, and the
// actions the collectors scheduled.
type FollowUp struct {
	DueSoon []FollowUpItem `json:"due_soon"`
	Broken  []FollowUpItem `json:"broken"`
	Actions []FollowUpItem `json:"actions_due"`
	// AtRisk are live arrangements the break model expects to break
	// (chance ≥ earlywarning.AtRisk), most at risk first: call before
	// they break.
	AtRisk []FollowUpItem `json:"at_risk"`
}

// FollowUpItem is one line of the follow-up list.
type FollowUpItem struct {
	AccountID   string `json:"account_id"`
	ExternalRef string `json:"external_ref"`
	Kind        string `json:"kind"`
	DueDate     string `json:"due_date"`
	AmountCents int64  `json:"amount_cents"`
	PaidCents   int64  `json:"paid_cents"`
	BreakRisk   *Score `json:"break_risk,omitempty" gorm:"-"` // the arrangement's chance of breaking, when scored
}

// FollowUpList gathers the actor's follow-up list (a collector's own
// accounts, a supervisor's agency).
func (s *Store) FollowUpList(ctx context.Context, a collect.Actor) (FollowUp, error) {
	var out FollowUp
	now := s.now()
	base := func() *gorm.DB {
		q := s.db.WithContext(ctx).Table("arrangement_instalments ai").
			Select("ar.account_id, accounts.external_ref, ar.kind, ai.due_date, ai.amount_cents, ai.paid_cents").
			Joins("JOIN arrangements ar ON ar.id = ai.arrangement_id").
			Joins("JOIN accounts ON accounts.id = ar.account_id").Scopes(accountScope(a))
		if a.OrgKind == collect.KindAgency && !a.Has(collect.RoleAgencySupervisor) {
			q = q.Where("accounts.assigned_to = ?", a.UserID)
		}
		return q
	}
	if err := base().Where("ar.status = 'active' AND ai.status = 'pending' AND ai.due_date <= ?", now.AddDate(0, 0, 3).Format(time.DateOnly)).
		Order("ai.due_date").Limit(500).Scan(&out.DueSoon).Error; err != nil {
		return out, err
	}
	if err := base().Where("ar.status = 'broken' AND ai.status = 'broken' AND ai.due_date >= ?", now.AddDate(0, 0, -30).Format(time.DateOnly)).
		Order("ai.due_date DESC").Limit(500).Scan(&out.Broken).Error; err != nil {
		return out, err
	}
	// Actions due by this time tomorrow: the open accounts of the work
	// queue's scope, read from its next-action index, soonest first.
	if a.OrgKind == collect.KindAgency {
		if err := s.queueScope(s.db.WithContext(ctx).Table("accounts"), a, QueueFilter{}).
			Select("accounts.id AS account_id, accounts.external_ref, 'action' AS kind").
			Where("accounts.next_action_at IS NOT NULL AND accounts.next_action_at <= ?", now.Add(24*time.Hour)).
			Order("accounts.next_action_at, accounts.id").Limit(500).Scan(&out.Actions).Error; err != nil {
			return out, err
		}
	}
	// At risk: the break model's scores of live arrangements, walked from
	// the highest (account_scores_break; CROSS JOIN keeps SQLite's planner,
	// which has no statistics, from starting at every pending instalment).
	// The first pending instalment gives the date and amount to remind of.
	atRisk := s.db.WithContext(ctx).Table("account_scores sc").
		Select("ar.account_id, accounts.external_ref, ar.kind, ai.due_date, ai.amount_cents, ai.paid_cents").
		Joins("CROSS JOIN arrangements ar").Joins("CROSS JOIN accounts").Joins("CROSS JOIN arrangement_instalments ai").
		Where("ar.id = sc.arrangement_id AND accounts.id = ar.account_id AND ai.arrangement_id = ar.id AND sc.account_id = ar.account_id").
		Scopes(accountScope(a))
	if a.OrgKind == collect.KindAgency && !a.Has(collect.RoleAgencySupervisor) {
		atRisk = atRisk.Where("accounts.assigned_to = ?", a.UserID)
	}
	if err := atRisk.Where("sc.kind = ? AND sc.score >= ? AND ar.status = 'active' AND ai.status = 'pending'", earlywarning.KindArrangementBreak, earlywarning.AtRisk).
		Where("ai.n = (SELECT MIN(p.n) FROM arrangement_instalments p WHERE p.arrangement_id = ar.id AND p.status = 'pending')").
		Order("sc.score DESC, sc.account_id").Limit(500).Scan(&out.AtRisk).Error; err != nil {
		return out, err
	}
	var ids []string
	for _, list := range [][]FollowUpItem{out.DueSoon, out.AtRisk} {
		for _, it := range list {
			ids = append(ids, it.AccountID)
		}
	}
	scores, err := s.scoresOf(ctx, ids)
	if err != nil {
		return out, err
	}
	for _, list := range [][]FollowUpItem{out.DueSoon, out.AtRisk} {
		for i := range list {
			if sc, ok := scores[list[i].AccountID][earlywarning.KindArrangementBreak]; ok {
				list[i].BreakRisk = &sc
			}
		}
	}
	return out, nil
}
