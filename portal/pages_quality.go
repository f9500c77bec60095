package portal

import (
	"collect"

	"github.com/labstack/echo/v4"
)

// The quality reviewers' pages (issue 16); the pages come in the next
// change.

func (s *Server) qaPage(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_plan")
}
func (s *Server) qaPlanSubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_plan")
}
func (s *Server) qaDrawSubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_plan")
}
func (s *Server) qaSamplePage(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_sample")
}
func (s *Server) qaReviewSubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_sample")
}
func (s *Server) qaChecklistSubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_plan")
}
func (s *Server) qaFindingsPage(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_finding")
}
func (s *Server) qaAnswerSubmit(c echo.Context) error {
	return collect.E(collect.ENOTFOUND, "err.not_found.qa_finding")
}
