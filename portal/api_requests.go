package portal

import (
	"collect"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/casework"
	"collect/portal/store"
	"collect/views"
)

// Debtor requests, care holds and the contact permission (issue 15).

func (s *Server) apiCreateRequest(c echo.Context) error {
	var in store.RequestInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.CreateRequest(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

type endRequestBody struct {
	Reason string `json:"reason"`
}

// apiEndRequest ends a request; the reason comes in the body (optional on
// a DELETE) or the query.
func (s *Server) apiEndRequest(c echo.Context) error {
	var b endRequestBody
	if c.Request().ContentLength != 0 {
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
	}
	if b.Reason == "" {
		b.Reason = c.QueryParam("reason")
	}
	out, err := s.store.EndRequest(c.Request().Context(), actorOf(c), c.Param("id"), c.Param("rid"), b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiCreateHold(c echo.Context) error {
	var in store.HoldInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.store.CreateHold(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiLiftHold(c echo.Context) error {
	var b endRequestBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	out, err := s.store.LiftHold(c.Request().Context(), actorOf(c), c.Param("id"), b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// permissionBody is API.md's contact-permission answer.
type permissionBody struct {
	Allowed        bool            `json:"allowed"`
	Violations     []violationBody `json:"violations"`
	CallsLeftToday *int            `json:"calls_left_today"`
	AttemptsLeft7d *int            `json:"attempts_left_7d"`
	NextAllowedAt  *time.Time      `json:"next_allowed_at"`
}

type violationBody struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func (s *Server) apiContactPermission(c echo.Context) error {
	var at time.Time
	// A "+08:00" offset sent unescaped arrives as a space.
	if v := strings.ReplaceAll(strings.TrimSpace(c.QueryParam("at")), " ", "+"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return collect.Invalid("at", "err.contact.at_bad")
		}
		at = t
	}
	party := c.QueryParam("party")
	if party == "" {
		party = casework.PartyDebtor
	}
	channel := c.QueryParam("channel")
	if channel == "" {
		channel = casework.ChannelCall
	}
	p, err := s.store.ContactPermission(c.Request().Context(), actorOf(c), c.Param("id"), channel, party, at)
	if err != nil {
		return err
	}
	out := permissionBody{Allowed: p.Allowed, Violations: []violationBody{}, CallsLeftToday: p.CallsLeftToday,
		AttemptsLeft7d: p.AttemptsLeft7d, NextAllowedAt: p.NextAllowedAt}
	for _, v := range views.EnglishViolations(p.Violations) { // the API speaks English, as its errors do
		out.Violations = append(out.Violations, violationBody{Rule: v.Rule, Message: v.Message})
	}
	return c.JSON(http.StatusOK, out)
}
