package web

import (
	"net/http"
	"strings"
)

// handleStatic serves the embedded static files. A URL with the current
// content hash (?v=...) may be cached for a year; others revalidate.
func (s *Server) handleStatic() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(s.static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			s.notFound(w, r) // no directory listings
			return
		}
		if r.URL.Query().Get("v") == s.staticHash {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(w, r)
	})
}

type landingPage struct{ basePage }

func (s *Server) handleLanding(w http.ResponseWriter, r *http.Request) {
	if sessionFrom(r.Context()) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "landing", &landingPage{basePage{Title: "Product content in your brand's voice"}})
}

// The privacy policy's version and date. Change both (and email users about
// significant changes) whenever the text changes.
const (
	PolicyVersion = 1
	PolicyDate    = "2026-11-29"
)

type privacyPage struct {
	basePage
	PolicyVersion int
	PolicyDate    string
}

func (s *Server) handlePrivacy(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "privacy", &privacyPage{
		basePage:      basePage{Title: "Privacy policy", Nav: "privacy"},
		PolicyVersion: PolicyVersion,
		PolicyDate:    PolicyDate,
	})
}
