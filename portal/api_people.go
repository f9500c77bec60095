package portal

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
)

// People: invitations, roles, deactivation and passwords (API.md,
// "Organisations, people and keys").

// linkURL is the absolute address of a one-time link page; the token is its
// last path segment. The portal has no configured public address, so the
// request's own is used: the administrator who asked is the one who reads it.
func linkURL(c echo.Context, path, token string) string {
	return c.Scheme() + "://" + c.Request().Host + path + token
}

const (
	invitePath = "/invite/"
	resetPath  = "/reset/"
)

type inviteBody struct {
	ID        string   `json:"id"`
	InviteURL string   `json:"invite_url"`
	ExpiresAt string   `json:"expires_at"`
	Email     string   `json:"email"`
	Roles     []string `json:"roles"`
}

func inviteAnswer(c echo.Context, inv store.Invite) inviteBody {
	return inviteBody{ID: inv.ID, InviteURL: linkURL(c, invitePath, inv.Token), ExpiresAt: inv.ExpiresAt.UTC().Format(time.RFC3339),
		Email: inv.Email, Roles: inv.Roles}
}

func (s *Server) apiCreateInvite(c echo.Context) error {
	var req store.InviteRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	inv, err := s.store.CreateInvite(c.Request().Context(), actorOf(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, inviteAnswer(c, inv))
}

func (s *Server) apiResendInvite(c echo.Context) error {
	inv, err := s.store.ResendInvite(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, inviteAnswer(c, inv))
}

func (s *Server) apiInvites(c echo.Context) error {
	out, err := s.store.ListInvites(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody{Items: out, Total: int64(len(out)), Page: 1, PerPage: max(len(out), 1)})
}

type passwordBody struct {
	Password string `json:"password"`
}

func (s *Server) apiAcceptInvite(c echo.Context) error {
	var req passwordBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.store.AcceptInvite(c.Request().Context(), c.Param("token"), req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) apiResetPassword(c echo.Context) error {
	var req passwordBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.store.ResetPassword(c.Request().Context(), c.Param("token"), req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiUsers(c echo.Context) error {
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	out, total, err := s.store.ListUsers(c.Request().Context(), actorOf(c), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(out, total, p))
}

func (s *Server) apiUser(c echo.Context) error {
	u, err := s.store.User(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiSetRoles(c echo.Context) error {
	var req struct {
		Roles []string `json:"roles"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.store.SetRoles(c.Request().Context(), actorOf(c), c.Param("id"), req.Roles)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiDeactivate(c echo.Context) error {
	u, work, err := s.store.Deactivate(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user": u, "open_work": work})
}

func (s *Server) apiOpenWork(c echo.Context) error {
	work, err := s.store.OpenWorkOf(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, work)
}

func (s *Server) apiReactivate(c echo.Context) error {
	u, err := s.store.Reactivate(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) apiIssueReset(c echo.Context) error {
	link, err := s.store.IssueReset(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]string{"reset_url": linkURL(c, resetPath, link.Token), "expires_at": link.ExpiresAt.UTC().Format(time.RFC3339)})
}

// apiChangePassword changes the caller's password. Every session ends, this
// one too; the answer carries a fresh token for the caller to go on with.
func (s *Server) apiChangePassword(c echo.Context) error {
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	token, exp, err := s.changePassword(c, req.Current, req.New)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": token, "expires_at": exp.UTC().Format(time.RFC3339)})
}

func (s *Server) changePassword(c echo.Context, current, next string) (string, time.Time, error) {
	ctx := c.Request().Context()
	a := actorOf(c)
	if err := s.store.ChangePassword(ctx, a, current, next); err != nil {
		return "", time.Time{}, err
	}
	v, err := s.store.TokenVersion(ctx, a.UserID)
	if err != nil {
		return "", time.Time{}, err
	}
	return s.tokens.Issue(a.UserID, v)
}
