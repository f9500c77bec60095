package portal

import (
	"collect"
	"net/http"

	"github.com/labstack/echo/v4"

	"collect/oversight"
	"collect/portal/store"
)

// Quality checks over the API (API.md "Evidence and quality").

func (s *Server) apiQAChecklist(c echo.Context) error {
	a := actorOf(c)
	if a.OrgKind == collect.KindAgency {
		// An agency reads the checklists of the lenders it works for.
		by, err := s.store.QAChecklistsForAgency(c.Request().Context(), a)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"lenders": by})
	}
	items, err := s.store.QAChecklist(c.Request().Context(), a.OrgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

type checklistBody struct {
	Items []oversight.ChecklistItem `json:"items"`
}

func (s *Server) apiSaveQAChecklist(c echo.Context) error {
	var b checklistBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.store.SaveQAChecklist(c.Request().Context(), actorOf(c), b.Items); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": b.Items})
}

func (s *Server) apiCreateQAPlan(c echo.Context) error {
	var in store.QAPlanInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := s.store.CreateQAPlan(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) apiQAPlans(c echo.Context) error {
	out, err := s.store.QAPlans(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.QAPlan{}
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

func (s *Server) apiQAPlan(c echo.Context) error {
	p, err := s.store.QAPlanByID(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

type drawBody struct {
	Week string `json:"week"`
}

// apiDrawQASample is POST /api/v1/qa/plans/{id}/draw {"week"?}: the plan's
// sample of that ISO week (this week so far when none).
func (s *Server) apiDrawQASample(c echo.Context) error {
	var b drawBody
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
	}
	if b.Week == "" {
		b.Week = c.QueryParam("week")
	}
	out, err := s.store.DrawQASample(c.Request().Context(), actorOf(c), c.Param("id"), b.Week)
	if err != nil {
		return err
	}
	if out.Items == nil {
		out.Items = []store.QASample{}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiQASamples(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.QASamples(c.Request().Context(), actorOf(c), store.QASampleFilter{
		Plan: c.QueryParam("plan"), Period: c.QueryParam("week"), Status: c.QueryParam("status"), Page: p})
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.QASample{}
	}
	return c.JSON(http.StatusOK, listOf(out, total, p))
}

func (s *Server) apiQASample(c echo.Context) error {
	out, err := s.store.QASampleByID(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiReviewQASample(c echo.Context) error {
	var in store.QAReviewInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.ReviewQASample(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiQAFindings(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.QAFindings(c.Request().Context(), actorOf(c), store.QAFindingFilter{
		Status: c.QueryParam("status"), Agency: c.QueryParam("agency"), Page: p})
	if err != nil {
		return err
	}
	if out == nil {
		out = []store.QAFinding{}
	}
	return c.JSON(http.StatusOK, listOf(out, total, p))
}

type answerBody struct {
	Answer string `json:"answer"`
}

func (s *Server) apiAnswerQAFinding(c echo.Context) error {
	var b answerBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	out, err := s.store.AnswerQAFinding(c.Request().Context(), actorOf(c), c.Param("id"), b.Answer)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiQuality is GET /api/v1/oversight/quality?from=&to=&agency=: per
// agency and collector, the quality score, reviews, critical failures,
// findings by item and the share of connected calls without a recording.
func (s *Server) apiQuality(c echo.Context) error {
	f := store.KPIFilter{From: c.QueryParam("from"), To: c.QueryParam("to"), Agency: c.QueryParam("agency")}
	out, err := s.store.QualityReport(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
