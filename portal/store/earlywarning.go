package store

// Early warning (issue 6): per-lender models trained from the lender's own
// history (casework/earlywarning does the arithmetic), their honest
// evaluation, and the scores the work queue, the follow-up list and
// allocation read. This file only moves rows: histories out of the tables,
// models and scores back in.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"collect/allocation"
	"collect/casework/earlywarning"
)

const (
	// historyChunk is how many accounts are read (and scored) at a time.
	historyChunk = 1000
	// maxTrainAccounts caps the accounts a training reads: above it, every
	// k-th account in id order (a systematic sample).
	maxTrainAccounts = 100_000
	// scoreReasons is how many reasons are kept with a score.
	scoreReasons = 3
	// TrainEvery and ScoreEvery are how old a lender's model and its
	// scores may get before the scheduled job renews them.
	TrainEvery = 7 * 24 * time.Hour
	ScoreEvery = 24 * time.Hour
)

// ModelKinds are the early-warning models, in the order pages show them.
var ModelKinds = []string{earlywarning.KindPropensity, earlywarning.KindArrangementBreak}

// ModelInfo is a trained model as the API and the evaluation page show it.
type ModelInfo struct {
	ID         string    `json:"id"`
	LenderID   string    `json:"lender_id"`
	LenderName string    `json:"lender_name"`
	Kind       string    `json:"kind"`
	Version    string    `json:"version"`
	TrainedAt  time.Time `json:"trained_at"`
	earlywarning.Window
	TrainExamples int      `json:"train_examples"`
	TestExamples  int      `json:"test_examples"`
	AUC           *float64 `json:"auc"`
	BaselineAUC   *float64 `json:"baseline_auc"`
	Verdict       string   `json:"verdict"`
	InUse         bool     `json:"in_use"`
	modelEvaluation
	ScoredAt *time.Time `json:"scored_at"` // the last scoring of every open account with it
	Scores   int64      `json:"scores"`    // scores stored with it now
}

// modelEvaluation is the models.evaluation JSON.
type modelEvaluation struct {
	Why       string                `json:"why"`
	Positives int                   `json:"positives"`
	Negatives int                   `json:"negatives"`
	Deciles   []earlywarning.Decile `json:"deciles"`
	Top       []earlywarning.Reason `json:"top_coefficients"`
}

// modelRow is a models row.
type modelRow struct {
	ID            string
	LenderID      string
	Kind          string
	Version       string
	TrainedAt     time.Time
	TrainFrom     *time.Time
	TrainTo       *time.Time
	TestFrom      *time.Time
	TestTo        *time.Time
	TrainExamples int
	TestExamples  int
	AUC           *float64 `gorm:"column:auc"`
	BaselineAUC   *float64 `gorm:"column:baseline_auc"`
	Verdict       string
	InUse         bool
	Evaluation    string
	Params        string
	ScoredAt      *time.Time
}

// Score is an account's latest score of one kind, with its top reasons.
type Score struct {
	Kind          string                `json:"kind"`
	Score         float64               `json:"score"`
	Band          string                `json:"band"`
	Reasons       []earlywarning.Reason `json:"reasons"`
	ArrangementID string                `json:"arrangement_id,omitempty"`
	ModelID       string                `json:"model_id"`
	ScoredAt      time.Time             `json:"scored_at"`
}

// finite returns a pointer to v, or nil when v is NaN or infinite.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// lenderHistories reads the lender's accounts' histories in id order,
// chunk by chunk, calling fn with each chunk. openOnly keeps open accounts;
// contactsSince drops older contacts (zero keeps all); every > 1 keeps
// every such account in id order.
func (s *Store) lenderHistories(ctx context.Context, lenderID string, openOnly bool, contactsSince time.Time, every int, fn func(lastID string, hs []*earlywarning.History) error) error {
	after := ""
	seen := 0
	for {
		q := s.db.WithContext(ctx).Table("accounts").Select("id").Where("lender_id = ? AND id > ?", lenderID, after)
		if openOnly {
			q = q.Where("status = 'open'")
		}
		var ids []string
		if err := q.Order("id").Limit(historyChunk*max(every, 1)).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		after = ids[len(ids)-1]
		keep := ids
		if every > 1 {
			keep = keep[:0:0]
			for _, id := range ids {
				if seen%every == 0 {
					keep = append(keep, id)
				}
				seen++
			}
		}
		hs, err := s.histories(ctx, s.db, keep, contactsSince)
		if err != nil {
			return err
		}
		if err := fn(after, hs); err != nil {
			return err
		}
	}
}

// histories reads the histories of the accounts ids (any lender), in ids'
// order; an id not found is skipped.
func (s *Store) histories(ctx context.Context, db *gorm.DB, ids []string, contactsSince time.Time) ([]*earlywarning.History, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	db = db.WithContext(ctx)
	var accs []struct {
		ID, DueDate, Province, LastPaymentDate string
		CreatedAt                              time.Time
		PrincipalCents, BalanceCents           int64
	}
	if err := db.Table("accounts").Select("id, due_date, province, last_payment_date, created_at, principal_cents, balance_cents").
		Where("id IN ?", ids).Scan(&accs).Error; err != nil {
		return nil, err
	}
	byID := make(map[string]*earlywarning.History, len(accs))
	for _, a := range accs {
		h := &earlywarning.History{AccountID: a.ID, CreatedAt: a.CreatedAt, PrincipalCents: a.PrincipalCents,
			BalanceCents: a.BalanceCents, Province: a.Province}
		h.DueDate, _ = time.Parse(time.DateOnly, a.DueDate)
		if d, err := time.Parse(time.DateOnly, a.LastPaymentDate); err == nil {
			h.LastPaidBefore = d
		}
		byID[a.ID] = h
	}
	var pays []struct {
		AccountID   string
		PaidAt      time.Time
		AmountCents int64
	}
	if err := db.Table("payments").Select("account_id, paid_at, amount_cents").Where("account_id IN ?", ids).Scan(&pays).Error; err != nil {
		return nil, err
	}
	for _, p := range pays {
		if h := byID[p.AccountID]; h != nil {
			h.Payments = append(h.Payments, earlywarning.Payment{At: p.PaidAt, Cents: p.AmountCents})
		}
	}
	cq := db.Table("contacts").Select("account_id, at, direction, outcome").Where("account_id IN ? AND party = 'debtor'", ids)
	if !contactsSince.IsZero() {
		cq = cq.Where("at > ?", contactsSince)
	}
	var cs []struct {
		AccountID, Direction, Outcome string
		At                            time.Time
	}
	if err := cq.Scan(&cs).Error; err != nil {
		return nil, err
	}
	for _, c := range cs {
		if h := byID[c.AccountID]; h != nil {
			h.Contacts = append(h.Contacts, earlywarning.Contact{At: c.At, Outbound: c.Direction == "outbound",
				RightParty: c.Outcome == "right_party_contact" || c.Outcome == "promise"})
		}
	}
	var ars []struct {
		ID, AccountID, Kind, Status string
		CreatedAt                   time.Time
		LastDue                     *string
	}
	if err := db.Table("arrangements ar").
		Select("ar.id, ar.account_id, ar.kind, ar.status, ar.created_at, (SELECT MAX(ai.due_date) FROM arrangement_instalments ai WHERE ai.arrangement_id = ar.id) AS last_due").
		Where("ar.account_id IN ?", ids).Scan(&ars).Error; err != nil {
		return nil, err
	}
	for _, a := range ars {
		h := byID[a.AccountID]
		if h == nil {
			continue
		}
		ar := earlywarning.Arrangement{ID: a.ID, Kind: a.Kind, Status: a.Status, CreatedAt: a.CreatedAt}
		if a.Status == "kept" || a.Status == "broken" {
			// Settled: by the last instalment's due date plus the grace
			// days (the promise evaluation's rule), or when made if it had
			// no instalments.
			ar.ResolvedAt = a.CreatedAt
			if a.LastDue != nil {
				if d, err := time.Parse(time.DateOnly, *a.LastDue); err == nil {
					ar.ResolvedAt = d.AddDate(0, 0, PromiseGraceDays)
				}
			}
		}
		h.Arrangements = append(h.Arrangements, ar)
	}
	var pls []struct {
		AccountID, Status string
		StartsAt          time.Time
		EndedAt           *time.Time
	}
	if err := db.Table("placements").Select("account_id, status, starts_at, ended_at").
		Where("account_id IN ? AND status IN ('active', 'recalled', 'expired', 'returned', 'closed')", ids).Scan(&pls).Error; err != nil {
		return nil, err
	}
	for _, p := range pls {
		if h := byID[p.AccountID]; h != nil {
			pl := earlywarning.Placement{Start: p.StartsAt, Recalled: p.Status == allocation.PlacementRecalled}
			if p.EndedAt != nil {
				pl.End = *p.EndedAt
			}
			h.Placements = append(h.Placements, pl)
		}
	}
	out := make([]*earlywarning.History, 0, len(byID))
	for _, id := range ids {
		if h := byID[id]; h != nil {
			out = append(out, h)
		}
	}
	return out, nil
}

// TrainModels trains the lender's two models from its history (time-based
// split, evaluation against the priority function), stores them, and makes
// each the one in use only when its verdict says so; a kind whose new model
// is not used loses its scores (the queue falls back to the priority
// function). Training reads at most maxTrainAccounts accounts.
func (s *Store) TrainModels(ctx context.Context, lenderID string) ([]ModelInfo, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("accounts").Where("lender_id = ?", lenderID).Count(&n).Error; err != nil {
		return nil, err
	}
	every := int((n + maxTrainAccounts - 1) / maxTrainAccounts)
	var hs []*earlywarning.History
	if err := s.lenderHistories(ctx, lenderID, false, time.Time{}, every, func(_ string, chunk []*earlywarning.History) error {
		hs = append(hs, chunk...)
		return nil
	}); err != nil {
		return nil, err
	}
	now := s.now()
	ptrain, ptest, pw := earlywarning.PropensitySplit(hs, now)
	btrain, btest, bw := earlywarning.BreakSplit(hs)
	fits := []struct {
		kind         string
		fit          earlywarning.Fitted
		w            earlywarning.Window
		train, tests int
	}{
		{earlywarning.KindPropensity, earlywarning.Fit(earlywarning.KindPropensity, ptrain, ptest), pw, ptrain.Len(), ptest.Len()},
		{earlywarning.KindArrangementBreak, earlywarning.Fit(earlywarning.KindArrangementBreak, btrain, btest), bw, btrain.Len(), btest.Len()},
	}
	var ids []string
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		for _, f := range fits {
			m := f.fit.Model
			m.TrainedAt, m.TrainFrom, m.TrainTo = now, f.w.TrainFrom, f.w.TrainTo
			params, err := json.Marshal(m)
			if err != nil {
				return err
			}
			ev := modelEvaluation{Why: f.fit.Why, Positives: f.fit.Evaluation.Positives, Negatives: f.fit.Evaluation.Negatives,
				Deciles: f.fit.Evaluation.Deciles, Top: earlywarning.TopCoefficients(m, 8)}
			evJSON, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			version := m.Version
			if version == "" {
				version = f.kind + "-none"
			}
			row := modelRow{ID: uuid.Must(uuid.NewV7()).String(), LenderID: lenderID, Kind: f.kind, Version: version, TrainedAt: now,
				TrainFrom: timePtr(f.w.TrainFrom), TrainTo: timePtr(f.w.TrainTo), TestFrom: timePtr(f.w.TestFrom), TestTo: timePtr(f.w.TestTo),
				TrainExamples: f.train, TestExamples: f.tests, Verdict: f.fit.Verdict, InUse: f.fit.Verdict == earlywarning.VerdictInUse,
				Evaluation: string(evJSON), Params: string(params)}
			if f.fit.Verdict != earlywarning.VerdictInsufficient || f.tests > 0 {
				row.AUC, row.BaselineAUC = finite(f.fit.Evaluation.AUC), finite(f.fit.Evaluation.BaselineAUC)
			}
			if err := tx.Table("models").Where("lender_id = ? AND kind = ?", lenderID, f.kind).Update("in_use", false).Error; err != nil {
				return err
			}
			if err := tx.Table("models").Create(&row).Error; err != nil {
				return err
			}
			if !row.InUse {
				if err := tx.Exec("DELETE FROM account_scores WHERE lender_id = ? AND kind = ?", lenderID, f.kind).Error; err != nil {
					return err
				}
			}
			ids = append(ids, row.ID)
			if err := s.appendAudit(tx, allocation.Actor{OrgID: lenderID, OrgKind: allocation.KindLender}, auditRecord{
				Action: "model.train", ObjectType: "model", ObjectID: row.ID, LenderID: lenderID,
				After: map[string]any{"kind": f.kind, "version": version, "verdict": row.Verdict, "auc": row.AUC, "baseline_auc": row.BaselineAUC,
					"train_examples": f.train, "test_examples": f.tests},
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.modelsByID(ctx, ids)
}

// inUseModels are the lender's models in use, by kind.
func (s *Store) inUseModels(ctx context.Context, db *gorm.DB, lenderID string) (map[string]earlywarning.Model, map[string]string, error) {
	var rows []modelRow
	if err := db.WithContext(ctx).Table("models").Where("lender_id = ? AND in_use", lenderID).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	models, ids := map[string]earlywarning.Model{}, map[string]string{}
	for _, r := range rows {
		var m earlywarning.Model
		if err := json.Unmarshal([]byte(r.Params), &m); err != nil {
			return nil, nil, fmt.Errorf("model %s: %w", r.ID, err)
		}
		models[r.Kind], ids[r.Kind] = m, r.ID
	}
	return models, ids, nil
}

var scoreColumns = []string{"account_id", "kind", "lender_id", "arrangement_id", "score", "band", "reasons", "model_id", "scored_at"}

// scoreRows scores histories at now with the models in use: a propensity
// score for every account, a break score for each live arrangement.
func scoreRows(hs []*earlywarning.History, lenderID string, models map[string]earlywarning.Model, modelIDs map[string]string, now time.Time) ([][]any, error) {
	var rows [][]any
	x := make([]float64, len(earlywarning.Names()))
	add := func(h *earlywarning.History, kind, arrangementID string) error {
		m := models[kind]
		copy(x, earlywarning.Vector(earlywarning.FeaturesAt(h, now)))
		p, reasons := m.GroupedReasons(x, scoreReasons)
		if math.IsNaN(p) {
			return fmt.Errorf("model %s does not fit the features", modelIDs[kind])
		}
		band := earlywarning.Band(p)
		if kind == earlywarning.KindArrangementBreak {
			band = "ok"
			if p >= earlywarning.AtRisk {
				band = "at_risk"
			}
		}
		js, err := json.Marshal(reasons)
		if err != nil {
			return err
		}
		rows = append(rows, []any{h.AccountID, kind, lenderID, arrangementID, p, band, string(js), modelIDs[kind], now})
		return nil
	}
	for _, h := range hs {
		if h.BalanceCents <= 0 {
			continue
		}
		if _, ok := models[earlywarning.KindPropensity]; ok {
			if err := add(h, earlywarning.KindPropensity, ""); err != nil {
				return nil, err
			}
		}
		if _, ok := models[earlywarning.KindArrangementBreak]; ok {
			if a, live := earlywarning.LiveArrangement(h, now); live {
				if err := add(h, earlywarning.KindArrangementBreak, a.ID); err != nil {
					return nil, err
				}
			}
		}
	}
	return rows, nil
}

// ScoreLender scores every open account of the lender with its models in
// use, replacing the stored scores chunk by chunk (each chunk in its own
// transaction, so the queue never waits for the whole run), and returns how
// many scores it wrote.
func (s *Store) ScoreLender(ctx context.Context, lenderID string) (int, error) {
	models, modelIDs, err := s.inUseModels(ctx, s.db, lenderID)
	if err != nil {
		return 0, err
	}
	if len(models) == 0 {
		return 0, s.db.WithContext(ctx).Exec("DELETE FROM account_scores WHERE lender_id = ?", lenderID).Error
	}
	now := s.now()
	since := now.Add(-earlywarning.ContactWindow)
	written, prev := 0, ""
	err = s.lenderHistories(ctx, lenderID, true, since, 1, func(last string, hs []*earlywarning.History) error {
		rows, err := scoreRows(hs, lenderID, models, modelIDs, now)
		if err != nil {
			return err
		}
		from := prev
		prev = last
		written += len(rows)
		return s.inBulkTx(ctx, func(b *bulkTx) error {
			if err := b.Exec("DELETE FROM account_scores WHERE lender_id = ? AND account_id > ? AND account_id <= ?", lenderID, from, last).Error; err != nil {
				return err
			}
			return b.copyRows(ctx, "account_scores", scoreColumns, rows, "")
		})
	})
	if err != nil {
		return written, err
	}
	// Accounts after the last open one (closed since), and every kind
	// whose model is no longer in use.
	if err := s.db.WithContext(ctx).Exec("DELETE FROM account_scores WHERE lender_id = ? AND account_id > ?", lenderID, prev).Error; err != nil {
		return written, err
	}
	for _, kind := range ModelKinds {
		if _, ok := models[kind]; !ok {
			if err := s.db.WithContext(ctx).Exec("DELETE FROM account_scores WHERE lender_id = ? AND kind = ?", lenderID, kind).Error; err != nil {
				return written, err
			}
		}
	}
	return written, s.db.WithContext(ctx).Table("models").Where("lender_id = ? AND in_use", lenderID).Update("scored_at", now).Error
}

// Rescore scores the given accounts again with their lenders' models in
// use: called after an event (a contact, payment, arrangement) changed what
// the models see. Closed accounts lose their scores.
func (s *Store) Rescore(ctx context.Context, accountIDs ...string) error {
	if len(accountIDs) == 0 {
		return nil
	}
	var accs []struct{ ID, LenderID, Status string }
	if err := s.db.WithContext(ctx).Table("accounts").Select("id, lender_id, status").Where("id IN ?", accountIDs).Scan(&accs).Error; err != nil {
		return err
	}
	byLender := map[string][]string{}
	for _, a := range accs {
		if a.Status == "open" {
			byLender[a.LenderID] = append(byLender[a.LenderID], a.ID)
		}
	}
	now := s.now()
	for lender, ids := range byLender {
		models, modelIDs, err := s.inUseModels(ctx, s.db, lender)
		if err != nil {
			return err
		}
		if len(models) == 0 {
			continue
		}
		hs, err := s.histories(ctx, s.db, ids, now.Add(-earlywarning.ContactWindow))
		if err != nil {
			return err
		}
		rows, err := scoreRows(hs, lender, models, modelIDs, now)
		if err != nil {
			return err
		}
		if err := s.inBulkTx(ctx, func(b *bulkTx) error {
			if err := b.Exec("DELETE FROM account_scores WHERE account_id IN ?", ids).Error; err != nil {
				return err
			}
			return b.copyRows(ctx, "account_scores", scoreColumns, rows, "")
		}); err != nil {
			return err
		}
	}
	var closed []string
	for _, a := range accs {
		if a.Status != "open" {
			closed = append(closed, a.ID)
		}
	}
	if len(closed) > 0 {
		return s.db.WithContext(ctx).Exec("DELETE FROM account_scores WHERE account_id IN ?", closed).Error
	}
	return nil
}

// rescoreAfter rescores accounts after an event committed. A failure is
// logged, not returned: the event stands, and the scheduled scoring
// catches up.
func (s *Store) rescoreAfter(ctx context.Context, accountIDs ...string) {
	if err := s.Rescore(context.WithoutCancel(ctx), accountIDs...); err != nil {
		slog.Default().Warn("rescoring after an event", "accounts", len(accountIDs), "error", err)
	}
}

// EarlyWarningDue trains each lender's models when they are older than
// TrainEvery (or missing) and scores its accounts when the scores are older
// than ScoreEvery or a newer model is in use. It returns what it did, per
// lender. Several processes may run it; the worst case is a model trained
// twice.
func (s *Store) EarlyWarningDue(ctx context.Context) (trained, scored int, err error) {
	var lenders []string
	if err := s.db.WithContext(ctx).Table("organisations").Where("kind = ?", allocation.KindLender).Order("id").Pluck("id", &lenders).Error; err != nil {
		return 0, 0, err
	}
	now := s.now()
	for _, lender := range lenders {
		var latest []struct {
			TrainedAt time.Time
			ScoredAt  *time.Time
			InUse     bool
		}
		if err := s.db.WithContext(ctx).Table("models").Select("trained_at, scored_at, in_use").
			Where("lender_id = ?", lender).Order("trained_at DESC").Limit(len(ModelKinds)).Scan(&latest).Error; err != nil {
			return trained, scored, err
		}
		if len(latest) == 0 || now.Sub(latest[0].TrainedAt) >= TrainEvery {
			var accounts int64
			if err := s.db.WithContext(ctx).Table("accounts").Where("lender_id = ?", lender).Count(&accounts).Error; err != nil {
				return trained, scored, err
			}
			if accounts == 0 {
				continue
			}
			if _, err := s.TrainModels(ctx, lender); err != nil {
				return trained, scored, err
			}
			trained++
		} else {
			due := false
			for _, m := range latest {
				due = due || (m.InUse && (m.ScoredAt == nil || now.Sub(*m.ScoredAt) >= ScoreEvery))
			}
			if !due {
				continue
			}
		}
		if _, err := s.ScoreLender(ctx, lender); err != nil {
			return trained, scored, err
		}
		scored++
	}
	return trained, scored, nil
}

// modelScope: a lender sees its own models, an agency those of the lenders
// it has a contract with, the platform all (models hold no personal data).
func modelScope(a allocation.Actor) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		switch a.OrgKind {
		case allocation.KindPlatform:
			return db
		case allocation.KindLender:
			return db.Where("m.lender_id = ?", a.OrgID)
		case allocation.KindAgency:
			return db.Where("EXISTS (SELECT 1 FROM contracts ct WHERE ct.lender_id = m.lender_id AND ct.agency_id = ?)", a.OrgID)
		}
		return db.Where("1 = 0")
	}
}

// Models are the models in the actor's scope: the latest per lender and
// kind, then up to 20 earlier ones (history), newest first.
func (s *Store) Models(ctx context.Context, a allocation.Actor) (latest, history []ModelInfo, err error) {
	var rows []modelRow
	if err := s.db.WithContext(ctx).Table("models m").Select("m.*").Scopes(modelScope(a)).
		Order("m.trained_at DESC, m.id DESC").Limit(200).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	infos, err := s.modelInfos(ctx, rows)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, m := range infos {
		key := m.LenderID + "/" + m.Kind
		if !seen[key] {
			seen[key] = true
			latest = append(latest, m)
		} else if len(history) < 20 {
			history = append(history, m)
		}
	}
	// The latest by lender, then in ModelKinds' order (propensity first).
	rank := map[string]int{}
	for i, k := range ModelKinds {
		rank[k] = i
	}
	slices.SortStableFunc(latest, func(x, y ModelInfo) int {
		if c := strings.Compare(x.LenderName, y.LenderName); c != 0 {
			return c
		}
		return cmp.Compare(rank[x.Kind], rank[y.Kind])
	})
	return latest, history, nil
}

func (s *Store) modelsByID(ctx context.Context, ids []string) ([]ModelInfo, error) {
	var rows []modelRow
	if err := s.db.WithContext(ctx).Table("models").Where("id IN ?", ids).Order("kind DESC").Scan(&rows).Error; err != nil {
		return nil, err
	}
	return s.modelInfos(ctx, rows)
}

func (s *Store) modelInfos(ctx context.Context, rows []modelRow) ([]ModelInfo, error) {
	names := map[string]string{}
	counts := map[string]int64{}
	if len(rows) > 0 {
		var ids, lenders []string
		for _, r := range rows {
			ids, lenders = append(ids, r.ID), append(lenders, r.LenderID)
		}
		var orgs []struct{ ID, Name string }
		if err := s.db.WithContext(ctx).Table("organisations").Select("id, name").Where("id IN ?", lenders).Scan(&orgs).Error; err != nil {
			return nil, err
		}
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
		var cs []struct {
			ModelID string
			N       int64
		}
		if err := s.db.WithContext(ctx).Table("account_scores").Select("model_id, COUNT(*) AS n").Where("model_id IN ?", ids).Group("model_id").Scan(&cs).Error; err != nil {
			return nil, err
		}
		for _, c := range cs {
			counts[c.ModelID] = c.N
		}
	}
	out := make([]ModelInfo, 0, len(rows))
	for _, r := range rows {
		m := ModelInfo{ID: r.ID, LenderID: r.LenderID, LenderName: names[r.LenderID], Kind: r.Kind, Version: r.Version, TrainedAt: r.TrainedAt,
			TrainExamples: r.TrainExamples, TestExamples: r.TestExamples, AUC: r.AUC, BaselineAUC: r.BaselineAUC, Verdict: r.Verdict,
			InUse: r.InUse, ScoredAt: r.ScoredAt, Scores: counts[r.ID]}
		for _, p := range []struct {
			dst *time.Time
			src *time.Time
		}{{&m.TrainFrom, r.TrainFrom}, {&m.TrainTo, r.TrainTo}, {&m.TestFrom, r.TestFrom}, {&m.TestTo, r.TestTo}} {
			if p.src != nil {
				*p.dst = *p.src
			}
		}
		if err := json.Unmarshal([]byte(r.Evaluation), &m.modelEvaluation); err != nil {
			return nil, fmt.Errorf("model %s evaluation: %w", r.ID, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// TrainLenderModels trains the models of the actor's lender now (a vendor
// manager's "train now"), then scores its accounts.
func (s *Store) TrainLenderModels(ctx context.Context, a allocation.Actor) ([]ModelInfo, error) {
	if a.OrgKind != allocation.KindLender {
		return nil, allocation.Errorf(allocation.EFORBIDDEN, "models are trained for a lender, by its staff")
	}
	if _, err := s.TrainModels(ctx, a.OrgID); err != nil {
		return nil, err
	}
	if _, err := s.ScoreLender(ctx, a.OrgID); err != nil {
		return nil, err
	}
	var ids []string
	if err := s.db.WithContext(ctx).Table("models").Where("lender_id = ?", a.OrgID).Order("trained_at DESC, id DESC").Limit(len(ModelKinds)).Pluck("id", &ids).Error; err != nil {
		return nil, err
	}
	return s.modelsByID(ctx, ids)
}

// scoresOf reads the stored scores of the accounts, by account and kind.
func (s *Store) scoresOf(ctx context.Context, accountIDs []string) (map[string]map[string]Score, error) {
	out := map[string]map[string]Score{}
	for start := 0; start < len(accountIDs); start += historyChunk {
		chunk := accountIDs[start:min(start+historyChunk, len(accountIDs))]
		var rows []struct {
			AccountID, Kind, ArrangementID, Band, Reasons, ModelID string
			Score                                                  float64
			ScoredAt                                               time.Time
		}
		if err := s.db.WithContext(ctx).Table("account_scores").Where("account_id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			sc := Score{Kind: r.Kind, Score: r.Score, Band: r.Band, ArrangementID: r.ArrangementID, ModelID: r.ModelID, ScoredAt: r.ScoredAt}
			if err := json.Unmarshal([]byte(r.Reasons), &sc.Reasons); err != nil {
				return nil, errors.New("score reasons: " + err.Error())
			}
			if out[r.AccountID] == nil {
				out[r.AccountID] = map[string]Score{}
			}
			out[r.AccountID][r.Kind] = sc
		}
	}
	return out, nil
}

// AccountScores are the account's latest scores by kind, for an actor who
// may see the account (others get ENOTFOUND).
func (s *Store) AccountScores(ctx context.Context, a allocation.Actor, accountID string) (map[string]Score, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("accounts").Scopes(accountScope(a)).Where("accounts.id = ?", accountID).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, allocation.Errorf(allocation.ENOTFOUND, "account %s not found", accountID)
	}
	all, err := s.scoresOf(ctx, []string{accountID})
	if err != nil {
		return nil, err
	}
	if all[accountID] == nil {
		return map[string]Score{}, nil
	}
	return all[accountID], nil
}
