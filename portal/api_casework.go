package portal

import (
	"collect"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"collect/casework"
	"collect/portal/store"
)

// The casework JSON API (API.md "Casework"): the work queue, stages,
// verification, disputes, contacts under the conduct rules, arrangements,
// legal referrals. A refused step answers 422 rule_violation naming each rule.

func (s *Server) apiQueue(c echo.Context) error {
	f, err := parseQueueFilter(c)
	if err != nil {
		return err
	}
	l, err := s.store.QueuePage(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, queueBody{listOf(l.Rows, l.Total, f.Page), l.TotalExact, l.Next})
}

// queueBody is the list answer of the queue; total_exact false says the
// queue holds at least total accounts (a very large queue is not counted
// to its end); next_cursor, passed as ?cursor= (with page= its number),
// reads the next page from where this one ended, however deep.
type queueBody struct {
	listBody
	TotalExact bool   `json:"total_exact"`
	NextCursor string `json:"next_cursor"`
}

type stageBody struct {
	To string `json:"to"`
}

func (s *Server) apiStage(c echo.Context) error {
	var b stageBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if !casework.ValidStage(b.To) {
		return collect.E(collect.EINVALID, "err.stage.to_invalid").WithFields(collect.Field("to", "err.stage.one_of", "list", strings.Join(casework.Stages, ", ")))
	}
	st, err := s.store.MoveStage(c.Request().Context(), actorOf(c), c.Param("id"), b.To)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"stage": st})
}

func (s *Server) apiNextStages(c echo.Context) error {
	out, err := s.store.NextStages(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"next": out})
}

func (s *Server) apiVerification(c echo.Context) error {
	var v store.Verification
	if err := decodeJSON(c, &v); err != nil {
		return err
	}
	out, err := s.store.RecordVerification(c.Request().Context(), actorOf(c), c.Param("id"), v)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) apiDispute(c echo.Context) error {
	var b reasonBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	d, err := s.store.RaiseDispute(c.Request().Context(), actorOf(c), c.Param("id"), b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, d)
}

type resolveBody struct {
	Upheld     bool   `json:"upheld"`
	Resolution string `json:"resolution"`
}

func (s *Server) apiResolveDispute(c echo.Context) error {
	var b resolveBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	d, err := s.store.ResolveDispute(c.Request().Context(), actorOf(c), c.Param("id"), b.Upheld, b.Resolution)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) apiContact(c echo.Context) error {
	var in store.ContactInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.RecordContact(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiContacts(c echo.Context) error {
	a := actorOf(c)
	out, err := s.store.Contacts(c.Request().Context(), a, c.Param("id"), s.can(a, "account", "read_personal"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

func (s *Server) apiArrangement(c echo.Context) error {
	var req store.ArrangementRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	out, err := s.store.CreateArrangement(c.Request().Context(), actorOf(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if out.Status == "pending_approval" {
		status = http.StatusAccepted
	}
	return c.JSON(status, out)
}

func (s *Server) apiArrangements(c echo.Context) error {
	out, err := s.store.Arrangements(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

func (s *Server) apiPendingArrangements(c echo.Context) error {
	out, err := s.store.PendingArrangements(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

func (s *Server) apiDecideArrangement(approve bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		out, err := s.store.DecideArrangementApproval(c.Request().Context(), actorOf(c), c.Param("id"), approve)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

type assignBody struct {
	AccountIDs  []string `json:"account_ids"`
	CollectorID string   `json:"collector_id"`
}

func (s *Server) apiAssign(c echo.Context) error {
	var b assignBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	n, err := s.store.AssignAccounts(c.Request().Context(), actorOf(c), b.AccountIDs, b.CollectorID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"updated": n})
}

func (s *Server) apiCollectors(c echo.Context) error {
	out, err := s.store.Collectors(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

func (s *Server) apiFollowUp(c echo.Context) error {
	out, err := s.store.FollowUpList(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

type noteBody struct {
	Note string `json:"note"`
}

func (s *Server) apiLegalReferral(c echo.Context) error {
	var b noteBody
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
	}
	out, err := s.store.ReferLegal(c.Request().Context(), actorOf(c), c.Param("id"), b.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, legalCaseOut(out))
}

type legalStatusBody struct {
	Status   string `json:"status"`
	CourtRef string `json:"court_ref"`
}

func (s *Server) apiLegalStatus(c echo.Context) error {
	var b legalStatusBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	out, err := s.store.AdvanceLegal(c.Request().Context(), actorOf(c), c.Param("id"), b.Status, b.CourtRef)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, legalCaseOut(out))
}

func (s *Server) apiLegalCost(c echo.Context) error {
	var b store.LegalCostInput
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	out, err := s.store.RecordLegalCost(c.Request().Context(), actorOf(c), c.Param("id"), b)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, legalCostOut(out))
}

func (s *Server) legalEvidence(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="evidence-%s.zip"`, c.Param("id")))
	// Buffer nothing: a case outside the scope must still answer 404, so
	// check before the first byte.
	if err := s.store.LegalCaseVisible(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	c.Response().WriteHeader(http.StatusOK)
	a := actorOf(c)
	return s.store.WriteEvidence(c.Request().Context(), a, c.Param("id"), s.can(a, "account", "read_personal"), c.Response(),
		func(ctx context.Context, sha string) (io.ReadCloser, error) { return s.blobs.Open(ctx, sha) })
}

func (s *Server) apiMessages(c echo.Context) error {
	out, err := s.store.Messages(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}
