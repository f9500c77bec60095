package portal

import (
	"collect"

	"github.com/labstack/echo/v4"
)

// The account page's evidence (issue 16): upload, legal hold, verify; the
// pages come in the next change.

func (s *Server) attachmentUploadSubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.attachment")
}

func (s *Server) legalHoldSubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.attachment")
}

func (s *Server) verifySubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.attachment")
}
