package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
)

// The oversight JSON API (API.md "Oversight"): complaints so far.

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
	page, per, err := pageParam(c)
	if err != nil {
		return err
	}
	f := store.ComplaintFilter{Status: c.QueryParam("status"), Agency: c.QueryParam("agency"), Category: c.QueryParam("category"),
		Overdue: c.QueryParam("overdue") == "true", Page: store.Page{Page: page, PerPage: per}}
	out, total, err := s.store.ListComplaints(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: total, Page: page, PerPage: per})
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
