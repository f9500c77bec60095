package portal

import (
	"collect"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
	"collect/views"
)

// The collector roster: the agency's supervisor keeps it (later also the
// organisation administrator), the lender reads it per agency.

func (s *Server) apiRoster(c echo.Context) error {
	r, err := s.store.Roster(c.Request().Context(), actorOf(c), c.QueryParam("agency"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) apiPutRoster(c echo.Context) error {
	var in store.RosterInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	e, err := s.store.PutRoster(c.Request().Context(), actorOf(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e)
}

func (s *Server) rosterPage(c echo.Context) error {
	return s.renderRoster(c, http.StatusOK, nil, "", store.RosterInput{})
}

// renderRoster shows the roster; after a failed submit for editUser, that
// row keeps what was typed (typed).
func (s *Server) renderRoster(c echo.Context, status int, fail error, editUser string, typed store.RosterInput) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	agencyID := c.QueryParam("agency")
	if agencyID == "" && a.OrgKind == collect.KindAgency {
		agencyID = a.OrgID
	}
	r, err := s.store.Roster(ctx, a, agencyID)
	if err != nil {
		return err
	}
	if agencyID == "" && len(r.Agencies) > 0 { // a lender: its first agency, the others from their pages
		agencyID = r.Agencies[0].AgencyID
	}
	v := views.RosterView{AgencyID: agencyID, EditUserID: editUser, CanEdit: s.can(a, "roster", "write") && a.OrgID == agencyID}
	if agencyID != "" {
		ag, err := s.store.AgencyView(ctx, a, agencyID)
		if err != nil {
			return err
		}
		v.AgencyName = views.OrgPrimary(ctx, ag.Name, ag.NameZH)
	}
	for _, e := range r.Items {
		if e.AgencyID != agencyID {
			continue
		}
		row := views.RosterRow{UserID: e.UserID, Name: e.Name, Roles: strings.Join(e.Roles, ", "), StaffNo: e.StaffNo, VerifiedOn: e.VerifiedOn,
			NDASignedOn: e.NDASignedOn, TrainedOn: e.TrainedOn, ExamPassedOn: e.ExamPassedOn, ValidThrough: e.ValidThrough, Status: e.Status}
		if e.UpdatedAt != nil {
			row.UpdatedAt = views.DateTime(ctx, *e.UpdatedAt)
		}
		if e.UserID == editUser {
			row.StaffNo, row.VerifiedOn, row.NDASignedOn, row.TrainedOn, row.ExamPassedOn =
				typed.StaffNo, typed.VerifiedOn, typed.NDASignedOn, typed.TrainedOn, typed.ExamPassedOn
		}
		v.Rows = append(v.Rows, row)
	}
	for _, sum := range r.Agencies {
		if sum.AgencyID == agencyID {
			v.Summary = rosterSummaryView(sum, false)
		}
	}
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.RosterPage(s.pageMeta(c, "title.roster", "roster"), v))
}

func (s *Server) rosterSubmit(c echo.Context) error {
	in := store.RosterInput{StaffNo: c.FormValue("staff_no"), VerifiedOn: c.FormValue("verified_on"), NDASignedOn: c.FormValue("nda_signed_on"),
		TrainedOn: c.FormValue("trained_on"), ExamPassedOn: c.FormValue("exam_passed_on")}
	if _, err := s.store.PutRoster(c.Request().Context(), actorOf(c), c.Param("id"), in); err != nil {
		if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
			return s.renderRoster(c, http.StatusUnprocessableEntity, err, c.Param("id"), in)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/roster?done=roster_saved")
}

// rosterSummaryView is the summary as the pages show it.
func rosterSummaryView(r store.RosterSummary, link bool) views.RosterSummaryView {
	v := views.RosterSummaryView{AgencyID: r.AgencyID, Collectors: r.Collectors, Compliant: r.Compliant, Contacts: r.Contacts, ShowLink: link}
	if r.CompliantShare != nil {
		v.CompliantShare = fmt.Sprintf("%.1f%%", *r.CompliantShare*100)
	}
	return v
}
