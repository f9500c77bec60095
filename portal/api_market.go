package portal

import (
	"collect"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/allocation"
	"collect/portal/sheets"
	"collect/portal/store"
)

// The marketplace's JSON API: agencies and contracts, plans, placements,
// tenders and bids, payments and commission. Each handler binds, calls one
// store method with the actor, and renders.

func (s *Server) apiAgencyViews(c echo.Context) error {
	out, err := s.store.AgencyViews(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

func (s *Server) apiAgencyView(c echo.Context) error {
	v, err := s.store.AgencyView(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) apiAgencyProfile(c echo.Context) error {
	var p allocation.AgencyProfile
	if err := decodeJSON(c, &p); err != nil {
		return err
	}
	out, err := s.store.UpdateAgencyProfile(c.Request().Context(), actorOf(c), c.Param("id"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiContract(c echo.Context) error {
	var ct allocation.Contract
	if err := decodeJSON(c, &ct); err != nil {
		return err
	}
	out, err := s.store.SaveContract(c.Request().Context(), actorOf(c), c.Param("id"), ct)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiContractStatus(status string) echo.HandlerFunc {
	return func(c echo.Context) error {
		out, err := s.store.SetContractStatus(c.Request().Context(), actorOf(c), c.Param("id"), status)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

// planBody is POST /allocations (API.md).
type planBody struct {
	PortfolioID string                `json:"portfolio_id"`
	Strategy    string                `json:"strategy"`
	Params      allocation.PlanParams `json:"params"`
	Seed        *int64                `json:"seed"`
}

func (s *Server) apiCreatePlan(c echo.Context) error {
	var b planBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	seed := time.Now().UnixNano() % 1_000_000
	if b.Seed != nil {
		seed = *b.Seed
	}
	out, err := s.store.CreatePlan(c.Request().Context(), actorOf(c), store.PlanRequest{PortfolioID: b.PortfolioID, Strategy: b.Strategy, Params: b.Params, Seed: seed})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiListPlans(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListAllocations(c.Request().Context(), actorOf(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, p))
}

func (s *Server) apiPlan(c echo.Context) error {
	out, err := s.store.Allocation(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiPlanAssignments(c echo.Context) error {
	agency, p, err := parseAssignmentFilter(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.Assignments(c.Request().Context(), actorOf(c), c.Param("id"), agency, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, p))
}

func (s *Server) apiCommitPlan(c echo.Context) error {
	out, err := s.store.CommitPlan(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiDiscardPlan(c echo.Context) error {
	if err := s.store.DiscardPlan(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// placementBody is the body of a lifecycle step: a reason where one is
// needed; the bulk routes also take ids, and accept and decline a plan id
// instead (every offer of that plan for the caller's agency).
type placementBody struct {
	IDs          []string `json:"ids"`
	AllocationID string   `json:"allocation_id"`
	Reason       string   `json:"reason"`
}

// placementStep runs one lifecycle step on the placement in the path, or on
// the ids in the body for the bulk routes.
func (s *Server) placementStep(step func(context.Context, collect.Actor, store.PlacementAction) (int, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b placementBody
		if c.Request().ContentLength != 0 {
			if err := decodeJSON(c, &b); err != nil {
				return err
			}
		}
		if id := c.Param("id"); id != "" {
			b.IDs = []string{id}
		}
		n, err := step(c.Request().Context(), actorOf(c), store.PlacementAction{IDs: b.IDs, AllocationID: b.AllocationID, Reason: b.Reason})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int{"updated": n})
	}
}

func (s *Server) apiPlacementList(c echo.Context) error {
	f, err := parsePlacementFilter(c)
	if err != nil {
		return err
	}
	page, err := s.store.ListPlacements(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, countedListBody{listBody: listOf(page.Rows, page.Total, f.Page), TotalExact: page.TotalExact})
}

func (s *Server) apiCreateTender(c echo.Context) error {
	var in store.TenderInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.CreateTender(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, tenderOut(out))
}

func (s *Server) apiTenders(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListTenders(c.Request().Context(), actorOf(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(tendersOut(out), total, p))
}

func (s *Server) apiTender(c echo.Context) error {
	out, err := s.store.Tender(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tenderOut(out))
}

func (s *Server) apiBid(c echo.Context) error {
	var in store.BidInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.PlaceBid(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, bidOut(out))
}

func (s *Server) apiAward(c echo.Context) error {
	var in store.AwardInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.AwardTender(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tenderOut(out))
}

func (s *Server) apiPayment(c echo.Context) error {
	var in store.PaymentInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.RecordPayment(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiCommissions(c echo.Context) error {
	m, err := s.parseMonth(c)
	if err != nil {
		return err
	}
	out, err := s.store.CommissionStatement(c.Request().Context(), actorOf(c), m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"month": m, "items": out})
}

func (s *Server) apiCommissionsCSV(c echo.Context) error {
	m, err := s.parseMonth(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="commission-%s.csv"`, m))
	c.Response().WriteHeader(http.StatusOK)
	return s.store.WriteCommissionCSV(c.Request().Context(), actorOf(c), m, c.QueryParam("agency"), c.Response())
}

func (s *Server) apiAgencyStatus(status string) echo.HandlerFunc {
	return func(c echo.Context) error {
		out, err := s.store.SetAgencyStatus(c.Request().Context(), actorOf(c), c.Param("id"), status)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

// openFeed opens the lender's payment feed of a request (the body, or a
// multipart field named file) as rows, CSV or XLSX; the caller closes it.
func openFeed(c echo.Context) (sheets.RowSource, func(), error) {
	var file io.ReaderAt
	var size int64
	var closers []func()
	done := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return nil, done, collect.E(collect.EINVALID, "err.upload.attach_csv").WithFields(collect.Field("file", "err.form.required"))
		}
		f, err := fh.Open()
		if err != nil {
			return nil, done, err
		}
		closers = append(closers, func() { f.Close() })
		file, size = f, fh.Size
	} else {
		// A plain body is spooled to a file of our own, so the reader can
		// sniff and cap it as it does an upload (within the route's limit).
		tmp, err := os.CreateTemp("", "portal-feed-*")
		if err != nil {
			return nil, done, err
		}
		closers = append(closers, func() { tmp.Close(); os.Remove(tmp.Name()) })
		n, err := io.Copy(tmp, c.Request().Body)
		if err != nil {
			done()
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, func() {}, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
			}
			return nil, func() {}, badRequest{collect.E(collect.EINVALID, "err.upload.file_unreadable")}
		}
		file, size = tmp, n
	}
	src, err := sheets.OpenRowSource(file, size)
	if err != nil {
		done()
		return nil, func() {}, err
	}
	closers = append(closers, func() { src.Close() })
	return src, done, nil
}

// apiPaymentFeed is POST /api/v1/payments/import: a lender's feed of
// payments, matched with the agencies' reports.
func (s *Server) apiPaymentFeed(c echo.Context) error {
	src, done, err := openFeed(c)
	defer done()
	if err != nil {
		return err
	}
	out, err := s.store.ImportPayments(c.Request().Context(), actorOf(c), src)
	if err != nil {
		return err
	}
	if out.Rejected > 0 { // nothing was applied: every bad row is named
		return c.JSON(http.StatusUnprocessableEntity, out)
	}
	return c.JSON(http.StatusOK, out)
}
