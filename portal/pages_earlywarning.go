package portal

// Early warning on the pages (issue 6): the models' evaluation page,
// training on demand, and the score badges the queue, follow-up list and
// account page show.

import (
	"collect"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"collect/casework/earlywarning"
	"collect/portal/store"
	"collect/views"
)

func (s *Server) modelsPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	latest, history, err := s.store.Models(ctx, a)
	if err != nil {
		return err
	}
	v := views.ModelsView{CanTrain: s.can(a, "model", "write") && a.OrgKind == collect.KindLender}
	for _, m := range latest {
		v.Models = append(v.Models, modelCard(ctx, m))
	}
	for _, m := range history {
		card := modelCard(ctx, m)
		if card.Verdict == earlywarning.VerdictInUse && !card.InUse {
			card.Verdict = "replaced" // was used until a newer version came
		}
		v.History = append(v.History, card)
	}
	if c.QueryParam("done") == "trained" {
		v.Flash = views.T(ctx, "flash.models_trained")
	}
	return s.render(c, http.StatusOK, views.ModelsPage(s.pageMeta(c, "title.models", "models"), v))
}

func (s *Server) modelsTrainSubmit(c echo.Context) error {
	if _, err := s.store.TrainLenderModels(c.Request().Context(), actorOf(c)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/models?done=trained")
}

// modelCard turns a stored model into its card.
func modelCard(ctx context.Context, m store.ModelInfo) views.ModelCardView {
	auc := func(p *float64) string {
		if p == nil {
			return "—"
		}
		return fmt.Sprintf("%.3f", *p)
	}
	window := func(from, to time.Time) string {
		if from.IsZero() || to.IsZero() {
			return "—"
		}
		return views.Date(ctx, from) + " – " + views.Date(ctx, to)
	}
	v := views.ModelCardView{ID: m.ID, Kind: m.Kind, Lender: m.LenderName, Version: m.Version, Verdict: m.Verdict, Why: modelWhy(ctx, m), InUse: m.InUse,
		TrainedAt: views.DateTime(ctx, m.TrainedAt), TrainExamples: m.TrainExamples, TestExamples: m.TestExamples,
		Positives: m.Positives, Negatives: m.Negatives, AUC: auc(m.AUC), BaselineAUC: auc(m.BaselineAUC), Scores: m.Scores}
	v.TrainWindow, v.TestWindow = window(m.TrainFrom, m.TrainTo), window(m.TestFrom, m.TestTo)
	if m.ScoredAt != nil {
		v.ScoredAt = views.DateTime(ctx, *m.ScoredAt)
	}
	chart := struct {
		Labels   []string         `json:"labels"`
		Datasets []map[string]any `json:"datasets"`
	}{}
	var predicted, observed []float64
	for _, d := range m.Deciles {
		v.Deciles = append(v.Deciles, views.DecileView{Decile: d.Decile, Count: d.Count, Predicted: fraction(d.MeanPredicted), Observed: fraction(d.ObservedRate)})
		chart.Labels = append(chart.Labels, fmt.Sprint(d.Decile))
		predicted, observed = append(predicted, round4(d.MeanPredicted)), append(observed, round4(d.ObservedRate))
	}
	if len(chart.Labels) > 0 {
		chart.Datasets = []map[string]any{{"label": views.T(ctx, "models.predicted"), "data": predicted}, {"label": views.T(ctx, "models.observed"), "data": observed}}
		js, _ := json.Marshal(chart)
		v.ChartJSON = string(js)
	}
	for _, r := range m.Top {
		v.Top = append(v.Top, views.ReasonView{Feature: r.Name, Up: r.Contribution > 0, Risk: m.Kind == earlywarning.KindArrangementBreak})
		v.TopWeights = append(v.TopWeights, fmt.Sprintf("%+.2f", r.Contribution))
	}
	return v
}

// fraction formats a fraction as a percentage with one decimal: 0.1234 → "12.3%".
func fraction(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// scoreView turns a stored score into what pages show (nil stays nil).
func scoreView(sc *store.Score) *views.ScoreView {
	if sc == nil {
		return nil
	}
	risk := sc.Kind == earlywarning.KindArrangementBreak
	v := &views.ScoreView{Percent: fmt.Sprintf("%.0f%%", 100*sc.Score), Band: sc.Band, Risk: risk}
	for _, r := range sc.Reasons {
		v.Reasons = append(v.Reasons, views.ReasonView{Feature: r.Name, Up: r.Contribution > 0, Risk: risk})
	}
	return v
}

// modelWhy is a model's verdict in a sentence, in the reader's language; a
// model stored before the sentence was keyed, or whose training failed,
// says it as stored.
func modelWhy(ctx context.Context, m store.ModelInfo) string {
	if m.WhyKey == "" {
		return m.Why
	}
	return views.L(ctx).Message(m.WhyKey, m.WhyArgs)
}
