package web

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/brand"
)

type dashboardPage struct {
	basePage
	Brands []*brand.Brand
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	brands, err := s.brands.List(r.Context(), sess.Scope)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", &dashboardPage{basePage: basePage{Title: "Dashboard", Nav: "dashboard"}, Brands: brands})
}
