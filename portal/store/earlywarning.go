package store

// Early warning (issue 6): per-lender models trained from the lender's own
// history (casework/earlywarning does the arithmetic), their honest
// evaluation, and the scores the work queue, the follow-up list and
// allocation read. This file only moves rows: histories out of the tables,
// models and scores back in.

import (
	"cmp"
	"collect"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"collect/casework/earlywarning"
)

const (
	// historyChunk is how many accounts are read (and scored) at a time.
	historyChunk = 5000
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
	Scores   int64      `json:"scores"`    // how many accounts that scoring scored
}

// modelEvaluation is the models.evaluation JSON.
type modelEvaluation struct {
	Why       string                `json:"why"`                // in English
	WhyKey    string                `json:"why_key,omitempty"`  // Why as a catalogue key; "" for a model stored before, or whose training failed for an internal reason
	WhyArgs   map[string]any        `json:"why_args,omitempty"` // its arguments
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
	Scores        int64
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

// TrainModels trains the lender's two models from its history (time-based
// split, evaluation against the priority function), stores them, and makes
// each the one in use only when its verdict says so; a kind whose new model
// is not used loses its scores (the queue falls back to the priority
// function). Training reads at most maxTrainAccounts accounts.
func (s *Store) TrainModels(ctx context.Context, lenderID string) ([]ModelInfo, error) {
	return s.trainModels(ctx, collect.Actor{OrgID: lenderID, OrgKind: collect.KindLender}, lenderID)
}

// trainModels is TrainModels on behalf of actor (named in the audit trail).
func (s *Store) trainModels(ctx context.Context, actor collect.Actor, lenderID string) ([]ModelInfo, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("accounts").Where("lender_id = ?", lenderID).Count(&n).Error; err != nil {
		return nil, err
	}
	every := int((n + maxTrainAccounts - 1) / maxTrainAccounts)
	var hs []*earlywarning.History
	seen := 0
	if err := s.accountPages(ctx, lenderID, false, func(_, _ string, accs []ewAccount) error {
		sample := accs[:0:0]
		for _, a := range accs {
			if seen%every == 0 {
				sample = append(sample, a)
			}
			seen++
		}
		chunk, err := s.fullHistories(ctx, s.db, sample, time.Time{})
		hs = append(hs, chunk...)
		return err
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
			ev := modelEvaluation{Why: f.fit.Why, WhyKey: f.fit.WhyKey, WhyArgs: f.fit.WhyArgs, Positives: f.fit.Evaluation.Positives, Negatives: f.fit.Evaluation.Negatives,
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
			if err := s.appendAudit(tx, actor, auditRecord{
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

// TrainAllModels trains every lender's models now (lenders without
// accounts are skipped) and scores their accounts; it returns the new
// models.
func (s *Store) TrainAllModels(ctx context.Context) ([]ModelInfo, error) {
	var lenders []string
	if err := s.db.WithContext(ctx).Table("organisations o").Where("o.kind = ? AND EXISTS (SELECT 1 FROM accounts a WHERE a.lender_id = o.id)", collect.KindLender).
		Order("o.id").Pluck("o.id", &lenders).Error; err != nil {
		return nil, err
	}
	var out []ModelInfo
	for _, l := range lenders {
		ms, err := s.trainAndScore(ctx, collect.Actor{OrgID: l, OrgKind: collect.KindLender}, l)
		out = append(out, ms...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
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
		rows = append(rows, []any{h.AccountID, kind, lenderID, arrangementID, p, band, reasonsJSON(reasons), modelIDs[kind], now})
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

// splitAccounts returns k+1 bounds that split the accounts table's ids
// into k ranges (lo, hi] of about equal size: "", the k−1 ids at the
// quantiles, and "" (no end).
func (s *Store) splitAccounts(ctx context.Context, k int) ([]string, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("accounts").Count(&n).Error; err != nil {
		return nil, err
	}
	bounds := []string{""}
	for i := 1; i < k && n >= int64(k*historyChunk); i++ {
		var id string
		if err := s.db.WithContext(ctx).Raw("SELECT id FROM accounts ORDER BY id LIMIT 1 OFFSET ?", n*int64(i)/int64(k)).Row().Scan(&id); err != nil {
			return nil, err
		}
		bounds = append(bounds, id)
	}
	return append(bounds, ""), nil
}

// reasonsJSON is json.Marshal of reasons with contributions to three
// decimals, written by hand: scoring writes one per account, and the
// reflection of encoding/json cost a tenth of the scoring run. Reason
// names are identifiers (no characters to escape).
func reasonsJSON(reasons []earlywarning.Reason) string {
	b := make([]byte, 0, 48*len(reasons)+2)
	b = append(b, '[')
	for i, r := range reasons {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":"`...)
		b = append(b, r.Name...)
		b = append(b, `","contribution":`...)
		b = strconv.AppendFloat(b, math.Round(r.Contribution*1000)/1000, 'f', -1, 64)
		b = append(b, '}')
	}
	return string(append(b, ']'))
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
		// Without a model the queue goes back to the DPD curve.
		return 0, s.inTx(ctx, func(tx *gorm.DB) error {
			if err := tx.Exec(`UPDATE accounts SET priority_value = ? WHERE id IN (
				SELECT account_id FROM account_scores WHERE lender_id = ? AND kind = ?)`, stalePriority, lenderID, earlywarning.KindPropensity).Error; err != nil {
				return err
			}
			if err := tx.Exec("DELETE FROM account_scores WHERE lender_id = ?", lenderID).Error; err != nil {
				return err
			}
			return refreshStale(tx)
		})
	}
	now := s.now()
	written, byKind := 0, map[string]int{}
	// Readers read and score pages of accounts while one writer stores the
	// scores of the pages done, so that both cores work.
	type page struct {
		lo, hi string
		rows   [][]any
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The readers split the key space in halves.
	bounds, err := s.splitAccounts(ctx, 2)
	if err != nil {
		return 0, err
	}
	// Up to eight scored pages wait for the writer, so the readers keep
	// going while it waits on the disk.
	pages := make(chan page, 8)
	readErr := make(chan error, len(bounds)-1)
	var readers sync.WaitGroup
	for i := 0; i+1 < len(bounds); i++ {
		readers.Add(1)
		go func(from, to string) {
			defer readers.Done()
			readErr <- s.accountPagesIn(ctx, lenderID, true, from, to, func(lo, hi string, accs []ewAccount) error {
				hs, err := s.nowHistories(ctx, lo, hi, accs, now)
				if err != nil {
					return err
				}
				rows, err := scoreRows(hs, lenderID, models, modelIDs, now)
				if err != nil {
					return err
				}
				select {
				case pages <- page{lo, hi, rows}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}(bounds[i], bounds[i+1])
	}
	go func() { readers.Wait(); close(pages) }()
	last := "" // the highest page bound written
	for p := range pages {
		if err != nil {
			continue // drain, so the reader can finish
		}
		last = max(last, p.hi)
		rows := p.rows
		written += len(rows)
		for _, r := range rows {
			byKind[r[1].(string)]++
		}
		// The page's old scores go, its new ones come in, in one
		// transaction. The pages tile the key space up to the last
		// account (what lies beyond goes at the end), so every old score
		// goes: closed accounts', settled arrangements', and those of a
		// kind whose model is no longer in use.
		err = s.inBulkTx(ctx, func(b *bulkTx) error {
			if err := b.Exec("DELETE FROM account_scores WHERE account_id > ? AND account_id <= ? AND lender_id = ?", p.lo, p.hi, lenderID).Error; err != nil {
				return err
			}
			if err := b.copyRows(ctx, "account_scores", scoreColumns, rows, ""); err != nil {
				return err
			}
			// The propensity score weighs in the queue's order.
			_, err := refreshPriorities(b.DB, "accounts.lender_id = ? AND accounts.id > ? AND accounts.id <= ?", lenderID, p.lo, p.hi)
			return err
		})
		if err != nil {
			cancel()
		}
	}
	for range len(bounds) - 1 {
		if rerr := <-readErr; err == nil {
			err = rerr
		}
	}
	if err != nil {
		return written, err
	}
	// Beyond the last page (all of the key space when there was none) lie
	// only scores without an account row, and those of accounts imported
	// meanwhile: the first go too.
	if err := s.db.WithContext(ctx).Exec(`DELETE FROM account_scores WHERE account_id > ? AND lender_id = ?
		AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = account_scores.account_id)`, last, lenderID).Error; err != nil {
		return written, err
	}
	if _, err := refreshPriorities(s.db.WithContext(ctx), "accounts.lender_id = ? AND accounts.id > ?", lenderID, last); err != nil {
		return written, err
	}
	for kind, id := range modelIDs {
		if err := s.db.WithContext(ctx).Table("models").Where("id = ?", id).
			Updates(map[string]any{"scored_at": now, "scores": byKind[kind]}).Error; err != nil {
			return written, err
		}
	}
	return written, nil
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
		// Upsert what was scored, then drop what no longer applies (a
		// break score once the arrangement is settled): events on one
		// account at once then never collide on the key, as a delete and
		// insert of the same rows would.
		kept := map[string][]string{}
		if err := s.inTx(ctx, func(tx *gorm.DB) error {
			for _, r := range rows {
				row := map[string]any{}
				for i, c := range scoreColumns {
					row[c] = r[i]
				}
				kept[r[0].(string)] = append(kept[r[0].(string)], r[1].(string))
				if err := tx.Table("account_scores").Clauses(clause.OnConflict{
					Columns:   []clause.Column{{Name: "account_id"}, {Name: "kind"}},
					DoUpdates: clause.AssignmentColumns(scoreColumns[2:]),
				}).Create(row).Error; err != nil {
					return err
				}
			}
			for _, id := range ids {
				var err error
				if len(kept[id]) > 0 {
					err = tx.Exec("DELETE FROM account_scores WHERE account_id = ? AND kind NOT IN ?", id, kept[id]).Error
				} else {
					err = tx.Exec("DELETE FROM account_scores WHERE account_id = ?", id).Error
				}
				if err != nil {
					return err
				}
			}
			return refreshPriorityIDs(tx, ids...) // the propensity score weighs in the queue's order
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
		return s.inTx(ctx, func(tx *gorm.DB) error {
			if err := tx.Exec("DELETE FROM account_scores WHERE account_id IN ?", closed).Error; err != nil {
				return err
			}
			return refreshPriorityIDs(tx, closed...)
		})
	}
	return nil
}

// SetRescoreQueue makes events hand their rescoring to enqueue (the
// rescore_accounts job, portal/jobs) instead of rescoring before the
// request answers. Set it before serving.
func (s *Store) SetRescoreQueue(enqueue func(ctx context.Context, accountIDs ...string) error) {
	s.rescore = enqueue
}

// rescoreAfter rescores accounts after an event committed: through the
// queue when one is set (the request doesn't wait), else at once. A failure
// is logged, not returned: the event stands, and the scheduled scoring
// catches up.
func (s *Store) rescoreAfter(ctx context.Context, accountIDs ...string) {
	if len(accountIDs) == 0 {
		return
	}
	if s.rescore != nil {
		if err := s.rescore(context.WithoutCancel(ctx), accountIDs...); err != nil {
			slog.Default().Warn("queueing a rescoring after an event", "accounts", len(accountIDs), "error", err)
		}
		return
	}
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
	if err := s.db.WithContext(ctx).Table("organisations").Where("kind = ?", collect.KindLender).Order("id").Pluck("id", &lenders).Error; err != nil {
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

// Models are the models in the actor's scope: the latest per lender and
// kind, then up to 20 earlier ones (history), newest first.
func (s *Store) Models(ctx context.Context, a collect.Actor) (latest, history []ModelInfo, err error) {
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
	if len(rows) > 0 {
		var lenders []string
		for _, r := range rows {
			lenders = append(lenders, r.LenderID)
		}
		var orgs []struct{ ID, Name string }
		if err := s.db.WithContext(ctx).Table("organisations").Select("id, name").Where("id IN ?", lenders).Scan(&orgs).Error; err != nil {
			return nil, err
		}
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
	}
	out := make([]ModelInfo, 0, len(rows))
	for _, r := range rows {
		m := ModelInfo{ID: r.ID, LenderID: r.LenderID, LenderName: names[r.LenderID], Kind: r.Kind, Version: r.Version, TrainedAt: r.TrainedAt,
			TrainExamples: r.TrainExamples, TestExamples: r.TestExamples, AUC: r.AUC, BaselineAUC: r.BaselineAUC, Verdict: r.Verdict,
			InUse: r.InUse, ScoredAt: r.ScoredAt, Scores: r.Scores}
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
func (s *Store) TrainLenderModels(ctx context.Context, a collect.Actor) ([]ModelInfo, error) {
	if a.OrgKind != collect.KindLender {
		return nil, collect.E(collect.EFORBIDDEN, "err.model.lender_only")
	}
	return s.trainAndScore(ctx, a, a.OrgID)
}

// trainAndScore trains the lender's models on behalf of actor, scores its
// accounts with those in use, and returns the new models as stored after
// the scoring (with its counts).
func (s *Store) trainAndScore(ctx context.Context, actor collect.Actor, lenderID string) ([]ModelInfo, error) {
	ms, err := s.trainModels(ctx, actor, lenderID)
	if err != nil {
		return nil, err
	}
	if _, err := s.ScoreLender(ctx, lenderID); err != nil {
		return nil, err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
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
func (s *Store) AccountScores(ctx context.Context, a collect.Actor, accountID string) (map[string]Score, error) {
	var n int64
	if err := s.db.WithContext(ctx).Table("accounts").Scopes(accountScope(a)).Where("accounts.id = ?", accountID).Count(&n).Error; err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, collect.E(collect.ENOTFOUND, "err.account.not_found", "id", accountID)
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
