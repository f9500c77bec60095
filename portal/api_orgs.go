package portal

import (
	"collect"
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
	"collect/views"
)

// The platform administrator's onboarding of lenders and agencies
// (issue 13 part 2), and the one-time set-password link (part 1).

// parseOrgFilter reads ?kind=&status=&page=&per_page=.
func parseOrgFilter(c echo.Context) (store.OrgFilter, error) {
	p, err := parsePage(c)
	if err != nil {
		return store.OrgFilter{}, err
	}
	f := store.OrgFilter{Kind: c.QueryParam("kind"), Status: c.QueryParam("status"), Page: p}
	switch f.Kind {
	case "", collect.KindPlatform, collect.KindLender, collect.KindAgency:
	default:
		return f, collect.Invalid("kind", "err.org.kind")
	}
	switch f.Status {
	case "", collect.OrgActive, collect.OrgSuspended:
	default:
		return f, collect.Invalid("status", "err.status.active_or_suspended")
	}
	return f, nil
}

// apiOrganisations is GET /api/v1/organisations.
func (s *Server) apiOrganisations(c echo.Context) error {
	f, err := parseOrgFilter(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListOrganisations(c.Request().Context(), actorOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, f.Page))
}

// apiOrganisation is GET /api/v1/organisations/{id}.
func (s *Server) apiOrganisation(c echo.Context) error {
	o, err := s.store.OrganisationOf(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// apiCreateOrganisation is POST /api/v1/organisations.
func (s *Server) apiCreateOrganisation(c echo.Context) error {
	var in collect.OrganisationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err := s.store.CreateOrganisation(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, o)
}

// apiUpdateOrganisation is PATCH /api/v1/organisations/{id}: the fields
// the body names change, the others stay.
func (s *Server) apiUpdateOrganisation(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	o, err := s.store.OrganisationOf(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	in := store.InputOf(o)
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, err = s.store.UpdateOrganisation(ctx, a, o.ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

// apiOrganisationStatus is POST /api/v1/organisations/{id}/suspend|reactivate.
func (s *Server) apiOrganisationStatus(status string) echo.HandlerFunc {
	return func(c echo.Context) error {
		o, err := s.store.SetOrganisationStatus(c.Request().Context(), actorOf(c), c.Param("id"), status)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, o)
	}
}

// orgFormOf is an organisation as its edit form shows it.
func orgFormOf(ctx context.Context, o collect.Organisation) views.OrgForm {
	in := store.InputOf(o)
	f := views.OrgForm{ID: o.ID, Kind: o.Kind, Name: in.Name, NameEN: in.NameEN, CreditCode: in.CreditCode,
		Licences: strings.Join(in.Licences, "\n"), Provinces: strings.Join(in.Provinces, "、"),
		ContactName: in.ContactName, ContactPhone: in.ContactPhone, ContactEmail: in.ContactEmail, TimeZone: in.TimeZone, Status: o.Status}
	if o.UpdatedAt != nil {
		f.UpdatedAt = views.DateTime(ctx, *o.UpdatedAt)
	}
	return f
}

// orgInputOfForm reads the organisation form: licences one a line,
// provinces separated by commas, 、 or lines.
func orgInputOfForm(c echo.Context, kind string) collect.OrganisationInput {
	split := func(s string, seps string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
	}
	return collect.OrganisationInput{Kind: kind, Name: c.FormValue("name"), NameEN: c.FormValue("name_en"),
		CreditCode: c.FormValue("credit_code"), Licences: split(c.FormValue("licences"), "\r\n"),
		Provinces: split(c.FormValue("provinces"), ",，、\r\n"), ContactName: c.FormValue("contact_name"),
		ContactPhone: c.FormValue("contact_phone"), ContactEmail: c.FormValue("contact_email"), TimeZone: c.FormValue("time_zone")}
}

// organisationsPage is GET /admin/organisations.
func (s *Server) organisationsPage(c echo.Context) error {
	return s.renderOrganisations(c, http.StatusOK, views.OrgForm{Kind: collect.KindLender, TimeZone: collect.DefaultTimeZone}, nil)
}

func (s *Server) renderOrganisations(c echo.Context, status int, form views.OrgForm, fail error) error {
	ctx := c.Request().Context()
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	orgs, total, err := s.store.ListOrganisations(ctx, actorOf(c), store.OrgFilter{Page: pg})
	if err != nil {
		return err
	}
	pg = pg.Normal()
	v := views.OrgListView{Form: form, Page: pg.Page, Pages: pg.Pages(total)}
	v.Links = listLinks(&url.URL{Path: "/admin/organisations", RawQuery: c.Request().URL.RawQuery}, pg.Page, v.Pages, "")
	for _, o := range orgs {
		f := orgFormOf(ctx, o)
		v.Rows = append(v.Rows, views.OrgRow{ID: o.ID, Kind: o.Kind, Name: f.Name, NameEN: f.NameEN, CreditCode: o.CreditCode,
			TimeZone: o.TimeZone, Status: o.Status, CreatedAt: views.DateTime(ctx, o.CreatedAt)})
	}
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.OrganisationsPage(s.pageMeta(c, "title.organisations", "organisations"), v))
}

// organisationCreateSubmit is POST /admin/organisations.
func (s *Server) organisationCreateSubmit(c echo.Context) error {
	in := orgInputOfForm(c, c.FormValue("kind"))
	o, err := s.store.CreateOrganisation(c.Request().Context(), actorOf(c), in)
	if err != nil {
		form := views.OrgForm{Kind: in.Kind, Name: in.Name, NameEN: in.NameEN, CreditCode: in.CreditCode, Licences: c.FormValue("licences"),
			Provinces: c.FormValue("provinces"), ContactName: in.ContactName, ContactPhone: in.ContactPhone, ContactEmail: in.ContactEmail, TimeZone: in.TimeZone}
		if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
			return s.renderOrganisations(c, statusOf[code], form, err)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/organisations/"+o.ID+"?done=org_created")
}

// organisationPage is GET /admin/organisations/{id}.
func (s *Server) organisationPage(c echo.Context) error {
	return s.renderOrganisation(c, http.StatusOK, nil, nil)
}

func (s *Server) renderOrganisation(c echo.Context, status int, form *views.OrgForm, fail error) error {
	ctx := c.Request().Context()
	o, err := s.store.OrganisationOf(ctx, actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if o.Kind == collect.KindPlatform {
		return notFoundOrg()
	}
	v := views.OrgEditView{Form: orgFormOf(ctx, o)}
	if form != nil {
		form.ID, form.Kind, form.Status, form.UpdatedAt = o.ID, o.Kind, o.Status, v.Form.UpdatedAt
		v.Form = *form
	}
	v.Flash, v.Errors = notices(c, fail)
	return s.render(c, status, views.OrganisationPage(s.pageMeta(c, "title.organisation", "organisations"), v))
}

func notFoundOrg() error { return collect.E(collect.ENOTFOUND, "err.not_found.organisation") }

// organisationEditSubmit is POST /admin/organisations/{id}.
func (s *Server) organisationEditSubmit(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	o, err := s.store.OrganisationOf(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	in := orgInputOfForm(c, o.Kind)
	if _, err := s.store.UpdateOrganisation(ctx, a, o.ID, in); err != nil {
		if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
			form := views.OrgForm{Name: in.Name, NameEN: in.NameEN, CreditCode: in.CreditCode, Licences: c.FormValue("licences"),
				Provinces: c.FormValue("provinces"), ContactName: in.ContactName, ContactPhone: in.ContactPhone, ContactEmail: in.ContactEmail, TimeZone: in.TimeZone}
			return s.renderOrganisation(c, statusOf[code], &form, err)
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/organisations/"+o.ID+"?done=saved")
}

// organisationStatusSubmit is POST /admin/organisations/{id}/status.
func (s *Server) organisationStatusSubmit(c echo.Context) error {
	status := c.FormValue("status")
	if _, err := s.store.SetOrganisationStatus(c.Request().Context(), actorOf(c), c.Param("id"), status); err != nil {
		if code := collect.ErrorCode(err); code == collect.EINVALID || code == collect.ECONFLICT {
			return s.renderOrganisation(c, statusOf[code], nil, err)
		}
		return err
	}
	done := "org_reactivated"
	if status == collect.OrgSuspended {
		done = "org_suspended"
	}
	return c.Redirect(http.StatusSeeOther, "/admin/organisations/"+c.Param("id")+"?done="+done)
}
