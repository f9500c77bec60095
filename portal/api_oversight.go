package portal

import (
	"collect"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"collect/oversight"
	"collect/portal/store"
)

// The oversight JSON API (API.md "Oversight"): figures and scorecards,
// complaints, conduct breaches, agency evaluations, the audit export.

func (s *Server) apiCreateComplaint(c echo.Context) error {
	var in store.ComplaintInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.CreateComplaint(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiComplaints(c echo.Context) error {
	f, err := parseComplaintFilter(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListComplaints(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, f.Page))
}

func (s *Server) apiComplaint(c echo.Context) error {
	out, err := s.store.GetComplaint(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiUpdateComplaint(c echo.Context) error {
	var u store.ComplaintUpdate
	if err := decodeJSON(c, &u); err != nil {
		return err
	}
	out, err := s.store.UpdateComplaint(c.Request().Context(), actorOf(c), c.Param("id"), u)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiKPIs is GET /api/v1/oversight/kpis?agency=&from=&to= (months YYYY-MM;
// dates YYYY-MM-DD are read as their month).
func (s *Server) apiKPIs(c echo.Context) error {
	f, err := parseKPIFilter(c)
	if err != nil {
		return err
	}
	// Fill the default period here, so the answer names the one used.
	if err := f.Validate(s.now()); err != nil {
		return err
	}
	out, err := s.store.KPIs(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"from": f.From, "to": f.To, "items": out})
}

func (s *Server) apiScorecards(c echo.Context) error {
	f, err := parseKPIFilter(c)
	if err != nil {
		return err
	}
	out, err := s.store.Scorecard(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiSaveWeights(c echo.Context) error {
	var w oversight.Weights
	if err := decodeJSON(c, &w); err != nil {
		return err
	}
	if err := s.store.SaveWeights(c.Request().Context(), actorOf(c), w); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

func (s *Server) apiBreaches(c echo.Context) error {
	f, err := parseBreachFilter(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListBreaches(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, f.Page))
}

type breachBody struct {
	Status      string `json:"status"`
	Remediation string `json:"remediation"`
}

func (s *Server) apiUpdateBreach(c echo.Context) error {
	var b breachBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	out, err := s.store.UpdateBreach(c.Request().Context(), actorOf(c), c.Param("id"), b.Status, b.Remediation)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiEvaluate(c echo.Context) error {
	var e store.Evaluation
	if err := decodeJSON(c, &e); err != nil {
		return err
	}
	out, err := s.store.RecordEvaluation(c.Request().Context(), actorOf(c), c.Param("id"), e)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiEvaluations(c echo.Context) error {
	out, err := s.store.Evaluations(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

// auditExport is GET /api/v1/audit/export.csv?from=&to= (sequence numbers).
func (s *Server) auditExport(c echo.Context) error {
	var from, to int64
	if v := c.QueryParam("from"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return collect.E(collect.EINVALID, "err.audit_export.from_sequence")
		}
		from = n
	}
	if v := c.QueryParam("to"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return collect.E(collect.EINVALID, "err.audit_export.to_sequence")
		}
		to = n
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="audit.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return s.store.WriteAuditCSV(c.Request().Context(), actorOf(c), from, to, c.Response())
}

// apiRollRates is GET /api/v1/oversight/roll-rates?from=YYYY-MM&to=YYYY-MM&agency=.
func (s *Server) apiRollRates(c echo.Context) error {
	f, err := parseKPIFilter(c)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	from, to := f.From, f.To
	if to == "" {
		to = now.Format("2006-01")
	}
	if from == "" {
		if t, err := time.Parse("2006-01", to); err == nil {
			from = t.AddDate(0, -1, 0).Format("2006-01")
		}
	}
	out, err := s.store.RollRates(c.Request().Context(), actorOf(c), from, to, f.Agency)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"from": from, "to": to, "items": out})
}
