package portal

// Integration keys: a lender's or an agency's own systems call the API with
// a key ("ck_" and 52 base-32 characters, 256 bits) instead of a person's
// sign-in. The key is shown once; the store keeps its SHA-256 digest. Calls
// with it act as the key (audited as key:<id>), in its organisation, with
// its roles only.

import (
	"collect"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
	"collect/views"
)

const keyPrefix = "ck_"

func newKey() (key, digest string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	key = keyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	return key, keyDigest(key), nil
}

func keyDigest(key string) string {
	d := sha256.Sum256([]byte(key))
	return hex.EncodeToString(d[:])
}

// isKey reports whether a bearer token is an integration key (not a JWT).
func isKey(token string) bool { return strings.HasPrefix(token, keyPrefix) }

// keyActor is who a call with an integration key acts as.
func (s *Server) keyActor(c echo.Context, key string) (collect.Actor, error) {
	return s.store.KeyActor(c.Request().Context(), keyDigest(key), c.RealIP(), collect.KeyAllows)
}

type keyRequest struct {
	Name      string     `json:"name"`
	Roles     []string   `json:"roles"`
	AllowFrom []string   `json:"allow_from"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *Server) apiCreateKey(c echo.Context) error {
	var b keyRequest
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.AllowFrom == nil {
		b.AllowFrom = []string{}
	}
	if err := collect.CheckAPIKey(b.Name, b.Roles, b.AllowFrom, b.ExpiresAt, s.clock()); err != nil {
		return err
	}
	key, digest, err := newKey()
	if err != nil {
		return err
	}
	k, err := s.store.CreateAPIKey(c.Request().Context(), actorOf(c), store.NewAPIKey{Name: strings.TrimSpace(b.Name), Roles: b.Roles,
		AllowFrom: b.AllowFrom, ExpiresAt: b.ExpiresAt, Hash: digest})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": k.ID, "key": key, "name": k.Name, "roles": k.Roles,
		"allow_from": k.AllowFrom, "expires_at": k.ExpiresAt, "created_at": k.CreatedAt})
}

func (s *Server) apiKeys(c echo.Context) error {
	ks, err := s.store.APIKeys(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": ks})
}

func (s *Server) apiRevokeKey(c echo.Context) error {
	if err := s.store.RevokeAPIKey(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) keysPage(c echo.Context) error {
	return s.renderKeys(c, http.StatusOK, views.KeysView{}, nil)
}

func (s *Server) renderKeys(c echo.Context, status int, v views.KeysView, fail error) error {
	ctx := c.Request().Context()
	ks, err := s.store.APIKeys(ctx, actorOf(c))
	if err != nil {
		return err
	}
	for _, k := range ks {
		r := views.KeyRow{ID: k.ID, Name: k.Name, Roles: strings.Join(k.Roles, ", "), AllowFrom: strings.Join(k.AllowFrom, ", "),
			Created: views.DateTime(ctx, k.CreatedAt), Revoked: k.RevokedAt != nil}
		if k.ExpiresAt != nil {
			r.Expires = views.DateTime(ctx, *k.ExpiresAt)
		}
		if k.LastUsedAt != nil {
			r.LastUsed = views.DateTime(ctx, *k.LastUsedAt) + " · " + k.LastUsedFrom
		}
		v.Rows = append(v.Rows, r)
	}
	flash, errs := notices(c, fail)
	if v.Flash == "" {
		v.Flash = flash
	}
	v.Errors = errs
	v.CSRFToken, _ = c.Get("csrf").(string)
	return s.render(c, status, views.KeysPage(s.pageMeta(c, "keys.heading", "keys"), v))
}

// keySubmit makes a key from the page: shown once on the answer.
func (s *Server) keySubmit(c echo.Context) error {
	ctx := c.Request().Context()
	form := views.KeyForm{Name: c.FormValue("name"), Expires: c.FormValue("expires_on"), AllowFrom: c.FormValue("allow_from")}
	var expires *time.Time
	if strings.TrimSpace(form.Expires) != "" {
		d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(form.Expires), views.Zone(ctx))
		if err != nil {
			return s.renderKeys(c, http.StatusUnprocessableEntity, views.KeysView{Form: form}, collect.Invalid("expires_at", "err.key.expires"))
		}
		d = d.AddDate(0, 0, 1) // through the day named
		expires = &d
	}
	allow := []string{}
	for _, a := range strings.FieldsFunc(form.AllowFrom, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '，' }) {
		allow = append(allow, a)
	}
	roles := []string{collect.RoleIntegration}
	if err := collect.CheckAPIKey(form.Name, roles, allow, expires, s.clock()); err != nil {
		return s.renderKeys(c, http.StatusUnprocessableEntity, views.KeysView{Form: form}, err)
	}
	key, digest, err := newKey()
	if err != nil {
		return err
	}
	if _, err := s.store.CreateAPIKey(ctx, actorOf(c), store.NewAPIKey{Name: strings.TrimSpace(form.Name), Roles: roles, AllowFrom: allow, ExpiresAt: expires, Hash: digest}); err != nil {
		return s.renderKeys(c, http.StatusUnprocessableEntity, views.KeysView{Form: form}, err)
	}
	return s.renderKeys(c, http.StatusCreated, views.KeysView{NewKey: key}, nil)
}

func (s *Server) keyRevokeSubmit(c echo.Context) error {
	if err := s.store.RevokeAPIKey(c.Request().Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/keys?done=key_revoked")
}
