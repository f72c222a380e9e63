// Package api is PlutoPro's JSON API under /api/v1, authenticated with
// bearer API tokens (Authorization: Bearer ppt_...). Every endpoint is listed
// once in routes.go; the OpenAPI 3.1 document describing them is embedded
// (openapi.json) and tests keep the two in step.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/learn"
)

// Config holds what the API needs.
type Config struct {
	Accounts *account.Service
	Brands   *brand.Service
	Catalog  *catalog.Service
	// Transfer runs imports; its MaxUploadBytes caps an upload.
	Transfer *transfer.Service
	// Drafts runs generations and reads the drafts they write.
	Drafts *drafts.Service
	// Learn holds brand memory (what reviews taught).
	Learn *learn.Service
	// Connect holds store connections, syncs and publications; optional:
	// without it the store endpoints answer 404.
	Connect *connect.Service
	// RegenerateWait caps how long POST drafts/{id}/regenerate?wait=true
	// waits for the writer before answering 202; zero means 2 minutes.
	RegenerateWait time.Duration
	// Logger receives internal errors (with their cause); nil means slog.Default().
	Logger *slog.Logger
	// Version is the application version, shown as info.version in the
	// served OpenAPI document; empty keeps the document's own.
	Version string
}

// Route is one endpoint of the API.
type Route struct {
	Method  string // GET, POST, PATCH, DELETE
	Pattern string // a ServeMux path pattern, e.g. /api/v1/brands/{id}
	Public  bool   // served without a token
}

// Routes lists every endpoint New serves, in the order routes.go lists them.
func Routes() []Route {
	rs := routes(Config{})
	out := make([]Route, len(rs))
	for i, r := range rs {
		out[i] = Route{Method: r.method, Pattern: r.pattern, Public: r.access == public}
	}
	return out
}

// New returns the handler of every path under /api/v1/; the app mounts it at
// "/api/v1/". Responses, errors included, are JSON.
func New(cfg Config) http.Handler {
	if cfg.Accounts == nil || cfg.Brands == nil || cfg.Catalog == nil || cfg.Transfer == nil || cfg.Drafts == nil || cfg.Learn == nil {
		panic("api: Config.Accounts, Brands, Catalog, Transfer, Drafts and Learn are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &server{log: cfg.Logger, mux: http.NewServeMux()}
	for _, rt := range routes(cfg) {
		var h http.Handler = s.serve(rt.h)
		if rt.access == bearer {
			h = s.requireToken(cfg.Accounts, h)
		}
		s.mux.Handle(rt.method+" "+rt.pattern, h)
	}
	return s
}

// server dispatches requests and writes errors.
type server struct {
	log *slog.Logger
	mux *http.ServeMux
}

// Codes the API adds to apperr's, for failures only HTTP has.
const (
	codeMethodNotAllowed     apperr.Code = "method_not_allowed"
	codeUnsupportedMediaType apperr.Code = "unsupported_media_type"
)

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if _, pattern := s.mux.Handler(r); pattern == "" {
		// No route matched: the mux answers 404, 405 (with Allow) or a
		// redirect to the clean path. Let it decide, and turn its plain-text
		// errors into JSON ones.
		s.mux.ServeHTTP(&muxErrorWriter{ResponseWriter: w, s: s, r: r}, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// muxErrorWriter replaces the body of the mux's own 404 and 405 responses
// with a JSON error, keeping the headers it set (Allow).
type muxErrorWriter struct {
	http.ResponseWriter
	s           *server
	r           *http.Request
	wrote, pass bool
}

func (m *muxErrorWriter) WriteHeader(code int) {
	if m.wrote {
		return
	}
	m.wrote = true
	switch code {
	case http.StatusNotFound:
		m.s.writeError(m.ResponseWriter, m.r, apperr.E(apperr.NotFound, "No such API endpoint: %s.", truncate(m.r.URL.Path, 200)))
	case http.StatusMethodNotAllowed:
		m.s.writeError(m.ResponseWriter, m.r, apperr.E(codeMethodNotAllowed, "%s is not allowed here; allowed: %s.",
			truncate(m.r.Method, 20), m.Header().Get("Allow")))
	default:
		m.pass = true
		m.ResponseWriter.WriteHeader(code)
	}
}

func (m *muxErrorWriter) Write(b []byte) (int, error) {
	if !m.wrote {
		m.WriteHeader(http.StatusOK)
	}
	if m.pass {
		return m.ResponseWriter.Write(b)
	}
	return len(b), nil
}
