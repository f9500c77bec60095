package portal

import (
	"collect"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
	"collect/views"
)

// The people page: the organisation administrator's (or the platform
// administrator's) list of users, open invitations and the invite form.

func (s *Server) peoplePage(c echo.Context) error {
	return s.renderPeople(c, http.StatusOK, func(*views.PeopleView) {})
}

func (s *Server) renderPeople(c echo.Context, status int, fill func(*views.PeopleView)) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	users, total, err := s.store.ListUsers(ctx, a, pg)
	if err != nil {
		return err
	}
	invites, err := s.store.ListInvites(ctx, a)
	if err != nil {
		return err
	}
	pg = pg.Normal()
	v := views.PeopleView{OrgName: a.OrgName, OrgID: a.OrgID, CanInvite: s.can(a, "people", "write"), Page: pg.Page, Pages: pg.Pages(total),
		CanSetTOTP: s.can(a, "security_policy", "write"), TOTPPolicy: a.TOTPPolicy, TOTPPolicies: store.TOTPPolicies}
	v.Links = listLinks(&url.URL{Path: "/people", RawQuery: c.Request().URL.RawQuery}, pg.Page, v.Pages, "")
	orgs, err := s.store.InvitableOrganisations(ctx, a)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		v.Orgs = append(v.Orgs, views.Option{Value: o.ID, Label: views.OrgPrimary(ctx, o.Name, o.NameZH)})
	}
	// The platform administrator onboards every kind of organisation, so
	// the form offers every role a person may hold and the store checks each
	// fits; integration is for keys (/keys), never offered to a person.
	for _, r := range collect.Roles {
		if collect.PersonRole(r) && (collect.RoleFits(r, a.OrgKind) || a.Has(collect.RolePlatformAdmin)) {
			v.RoleChoices = append(v.RoleChoices, r)
		}
	}
	names := map[string]string{}
	for _, u := range users {
		if _, ok := names[u.OrganisationID]; !ok {
			names[u.OrganisationID] = u.OrganisationID
			if o, err := s.store.Organisation(ctx, u.OrganisationID); err == nil {
				names[u.OrganisationID] = views.OrgPrimary(ctx, o.Name, o.NameZH)
			}
		}
		v.Rows = append(v.Rows, views.PersonRow{ID: u.ID, Email: u.Email, Name: u.Name, OrgName: names[u.OrganisationID],
			Roles: u.Roles, Disabled: u.Disabled, Self: u.ID == a.UserID})
	}
	for _, inv := range invites {
		v.Invites = append(v.Invites, views.InviteRow{ID: inv.ID, Email: inv.Email, Name: inv.Name, Roles: inv.Roles, Expires: views.DateTime(c.Request().Context(), inv.ExpiresAt)})
	}
	fill(&v)
	return s.render(c, status, views.PeoplePage(s.pageMeta(c, "title.people", "people"), v))
}

// peopleFailed shows a refused change on the page (the rule named for a
// separation of duties), and passes other errors on.
func (s *Server) peopleFailed(c echo.Context, err error, fill func(*views.PeopleView)) error {
	switch collect.ErrorCode(err) {
	case collect.EINVALID, collect.ERULEVIOLATION, collect.ECONFLICT, collect.EFORBIDDEN:
	default:
		return err
	}
	ctx := c.Request().Context()
	_, errs := notices(c, err)
	var e *collect.Error
	if asErr(err, &e) {
		for _, vi := range e.Violations {
			errs = append(errs, vi.Rule+": "+views.ViolationText(ctx, vi))
		}
	}
	return s.renderPeople(c, statusOf[collect.ErrorCode(err)], func(v *views.PeopleView) {
		v.Errors = errs
		if fill != nil {
			fill(v)
		}
	})
}

func formRoles(c echo.Context) []string {
	f, err := c.FormParams()
	if err != nil {
		return nil
	}
	return f["roles"]
}

func (s *Server) peopleInviteSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	req := store.InviteRequest{Email: c.FormValue("email"), Name: c.FormValue("name"), Roles: formRoles(c)}
	org := c.FormValue("organisation_id")
	if org == "" {
		org = a.OrgID
	}
	inv, err := s.store.CreateInvite(ctx, a, org, req)
	if err != nil {
		return s.peopleFailed(c, err, func(v *views.PeopleView) {
			v.Invite = views.InviteForm{Email: req.Email, Name: req.Name, Roles: req.Roles}
		})
	}
	return s.renderPeople(c, http.StatusCreated, func(v *views.PeopleView) {
		v.Link = linkURL(c, invitePath, inv.Token)
		v.LinkLabel = views.T(ctx, "people.invite_made", map[string]any{"Name": inv.Email})
		v.LinkExpires = views.DateTime(c.Request().Context(), inv.ExpiresAt)
	})
}

func (s *Server) peopleResendSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := s.store.ResendInvite(ctx, actorOf(c), c.Param("id"))
	if err != nil {
		return s.peopleFailed(c, err, nil)
	}
	return s.renderPeople(c, http.StatusCreated, func(v *views.PeopleView) {
		v.Link = linkURL(c, invitePath, inv.Token)
		v.LinkLabel = views.T(ctx, "people.invite_made", map[string]any{"Name": inv.Email})
		v.LinkExpires = views.DateTime(c.Request().Context(), inv.ExpiresAt)
	})
}

func (s *Server) peopleRolesSubmit(c echo.Context) error {
	if _, err := s.store.SetRoles(c.Request().Context(), actorOf(c), c.Param("id"), formRoles(c)); err != nil {
		return s.peopleFailed(c, err, nil)
	}
	return s.renderPeople(c, http.StatusOK, func(v *views.PeopleView) { v.Flash = views.T(c.Request().Context(), "people.updated") })
}

func (s *Server) peopleDeactivateSubmit(c echo.Context) error {
	u, work, err := s.store.Deactivate(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return s.peopleFailed(c, err, nil)
	}
	return s.renderPeople(c, http.StatusOK, func(v *views.PeopleView) {
		v.Deactivated = u.Email
		for _, q := range work.Queue {
			v.OpenQueue = append(v.OpenQueue, views.WorkItem{Label: q.ExternalRef, Href: "/accounts/" + q.AccountID})
		}
		for _, cm := range work.Complaints {
			v.OpenComplaint = append(v.OpenComplaint, views.WorkItem{Label: cm.ComplaintID, Href: "/complaints/" + cm.ComplaintID})
		}
		for _, ar := range work.Approvals {
			v.OpenApproval = append(v.OpenApproval, views.WorkItem{Label: views.CodeLabel(c.Request().Context(), "kind.", ar.Kind), Href: "/accounts/" + ar.AccountID})
		}
		for _, ar := range work.AwaitingApprover {
			v.OpenAwaiting = append(v.OpenAwaiting, views.WorkItem{Label: views.CodeLabel(c.Request().Context(), "kind.", ar.Kind), Href: "/approvals"})
		}
	})
}

func (s *Server) peopleReactivateSubmit(c echo.Context) error {
	if _, err := s.store.Reactivate(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return s.peopleFailed(c, err, nil)
	}
	return s.renderPeople(c, http.StatusOK, func(v *views.PeopleView) { v.Flash = views.T(c.Request().Context(), "people.updated") })
}

// peopleTOTPPolicySubmit is POST /people/two-factor: the organisation's
// administrator requires two-factor sign-in of nobody, of the people whose
// roles read personal data, or of everyone.
func (s *Server) peopleTOTPPolicySubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	policy := c.FormValue("totp_required")
	if err := s.store.SetTOTPPolicy(ctx, a, a.OrgID, policy); err != nil {
		return s.peopleFailed(c, err, nil)
	}
	return s.renderPeople(c, http.StatusOK, func(v *views.PeopleView) {
		v.TOTPPolicy = policy
		v.Flash = views.T(ctx, "people.updated")
	})
}

func (s *Server) peopleResetSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := actorOf(c)
	u, err := s.store.User(ctx, a, c.Param("id"))
	if err != nil {
		return err
	}
	link, err := s.store.IssueReset(ctx, a, u.ID)
	if err != nil {
		return s.peopleFailed(c, err, nil)
	}
	return s.renderPeople(c, http.StatusCreated, func(v *views.PeopleView) {
		v.Link = linkURL(c, resetPath, link.Token)
		v.LinkLabel = views.T(ctx, "people.reset_made", map[string]any{"Name": u.Email})
		v.LinkExpires = views.DateTime(c.Request().Context(), link.ExpiresAt)
	})
}

// One-time link pages (public: the token in the path is the credential).

func linkTitle(kind string) string {
	if kind == store.LinkInvite {
		return "title.accept_invite"
	}
	return "title.reset_password"
}

func linkPathOf(kind string) string {
	if kind == store.LinkInvite {
		return invitePath
	}
	return resetPath
}

func (s *Server) linkView(c echo.Context, kind string) views.SetPasswordView {
	token, _ := c.Get("csrf").(string)
	return views.SetPasswordView{Title: views.T(c.Request().Context(), linkTitle(kind)), Action: linkPathOf(kind) + c.Param("token"), CSRFToken: token}
}

func (s *Server) linkPage(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		v := s.linkView(c, kind)
		email, err := s.store.LinkStatus(ctx, kind, c.Param("token"))
		status := http.StatusOK
		switch code := collect.ErrorCode(err); {
		case err == nil:
			v.Email = email
		case code == collect.EGONE || code == collect.ENOTFOUND:
			v.Gone, status = views.ErrorText(ctx, err), statusOf[code]
		default:
			return err
		}
		c.Response().Header().Set("Referrer-Policy", "no-referrer") // the token is in the address
		return s.render(c, status, views.SetPasswordPage(s.pageMeta(c, linkTitle(kind), ""), v))
	}
}

func (s *Server) linkSubmit(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		v := s.linkView(c, kind)
		pw := c.FormValue("password")
		var err error
		if pw != c.FormValue("password_again") {
			err = collect.Invalid("password", "err.password.mismatch")
		} else if kind == store.LinkInvite {
			_, err = s.store.AcceptInvite(ctx, c.Param("token"), pw)
		} else {
			_, err = s.store.ResetPassword(ctx, c.Param("token"), pw)
		}
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		meta := s.pageMeta(c, linkTitle(kind), "")
		if err == nil {
			v.Done = views.T(ctx, "password.set_done")
			return s.render(c, http.StatusCreated, views.SetPasswordPage(meta, v))
		}
		switch collect.ErrorCode(err) {
		case collect.EINVALID:
			_, v.Errors = notices(c, err)
			return s.render(c, http.StatusUnprocessableEntity, views.SetPasswordPage(meta, v))
		case collect.EGONE, collect.ENOTFOUND, collect.ECONFLICT:
			v.Gone = views.ErrorText(ctx, err)
			return s.render(c, statusOf[collect.ErrorCode(err)], views.SetPasswordPage(meta, v))
		}
		return err
	}
}

// My password: the user changes their own, the current one required.

func (s *Server) myPasswordView(c echo.Context) views.SetPasswordView {
	token, _ := c.Get("csrf").(string)
	return views.SetPasswordView{Title: views.T(c.Request().Context(), "title.my_password"), Action: "/me/password", CSRFToken: token, AskCurrent: true}
}

func (s *Server) myPasswordPage(c echo.Context) error {
	return s.render(c, http.StatusOK, views.SetPasswordPage(s.pageMeta(c, "title.my_password", "my_password"), s.myPasswordView(c)))
}

func (s *Server) myPasswordSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	v := s.myPasswordView(c)
	meta := s.pageMeta(c, "title.my_password", "my_password")
	pw := c.FormValue("password")
	if pw != c.FormValue("password_again") {
		_, v.Errors = notices(c, collect.Invalid("new", "err.password.mismatch"))
		return s.render(c, http.StatusUnprocessableEntity, views.SetPasswordPage(meta, v))
	}
	jwt, exp, err := s.changePassword(c, c.FormValue("current"), pw)
	if collect.ErrorCode(err) == collect.EINVALID {
		_, v.Errors = notices(c, err)
		return s.render(c, http.StatusUnprocessableEntity, views.SetPasswordPage(meta, v))
	}
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: jwt, Path: "/", Expires: exp, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	v.Done = views.T(ctx, "password.changed")
	return s.render(c, http.StatusOK, views.SetPasswordPage(meta, v))
}
