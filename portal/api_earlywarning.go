package portal

// Early warning over the API (issue 6): the models with their evaluation,
// training on demand, an account's scores. The work is in store (rows) and
// casework/earlywarning (arithmetic).

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"collect/portal/store"
)

// modelsBody is GET /api/v1/models.
type modelsBody struct {
	Items   []store.ModelInfo `json:"items"`   // the latest model per lender and kind
	History []store.ModelInfo `json:"history"` // earlier ones, newest first (up to 20)
}

func (s *Server) apiModels(c echo.Context) error {
	latest, history, err := s.store.Models(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, modelsBody{Items: nonNil(latest), History: nonNil(history)})
}

func (s *Server) apiModelsTrain(c echo.Context) error {
	out, err := s.store.TrainLenderModels(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, modelsBody{Items: nonNil(out), History: []store.ModelInfo{}})
}

func (s *Server) apiAccountScores(c echo.Context) error {
	out, err := s.store.AccountScores(c.Request().Context(), actorOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
