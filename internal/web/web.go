// Package web is PlutoPro's server-rendered UI: html/template pages with
// htmx where it helps. Every action also works as a plain form without
// JavaScript. Templates and static files are embedded and parsed at startup.
package web

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/mail"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the UI needs.
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
	// Connect links brands to stores (optional: without it the store
	// pages say no store can be connected).
	Connect *connect.Service
	Outbox  *mail.Outbox
	Logger  *slog.Logger
	// BaseURL is the public URL, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Sandbox shows a "Sandbox mode" banner on every page.
	Sandbox bool
	// SandboxShop is the sandbox Shopify shop the connect form suggests
	// (default, with Sandbox, the shop `serve --sandbox` runs).
	SandboxShop string
	Version     string
}

// Server serves the UI.
type Server struct {
	accounts *account.Service
	brands   *brand.Service
	catalog  *catalog.Service
	transfer *transfer.Service
	drafts   *drafts.Service
	learn    *learn.Service
	connect  *connect.Service
	outbox   *mail.Outbox
	logger   *slog.Logger
	baseURL  string
	sandbox  bool
	version  string
	// sandboxShop prefills the Shopify connect form ("" outside the sandbox).
	sandboxShop string
	// storesCSP is the policy of the stores page, whose connect forms
	// redirect to the stores' authorization pages.
	storesCSP string

	pages      map[string]*template.Template
	static     fs.FS
	staticHash string // content hash appended to static URLs for caching
}

// New checks cfg and parses every embedded template.
func New(cfg Config) (*Server, error) {
	if cfg.Accounts == nil || cfg.Brands == nil || cfg.Catalog == nil || cfg.Transfer == nil || cfg.Drafts == nil || cfg.Learn == nil ||
		cfg.Outbox == nil {
		return nil, errors.New("web: Accounts, Brands, Catalog, Transfer, Drafts, Learn and Outbox are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	st, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	hash, err := hashFS(st)
	if err != nil {
		return nil, fmt.Errorf("web: static files: %w", err)
	}
	s := &Server{
		accounts:   cfg.Accounts,
		brands:     cfg.Brands,
		catalog:    cfg.Catalog,
		transfer:   cfg.Transfer,
		drafts:     cfg.Drafts,
		learn:      cfg.Learn,
		connect:    cfg.Connect,
		outbox:     cfg.Outbox,
		logger:     cfg.Logger,
		baseURL:    strings.TrimRight(cfg.BaseURL, "/"),
		sandbox:    cfg.Sandbox,
		version:    cfg.Version,
		static:     st,
		staticHash: hash,
	}
	if cfg.Sandbox {
		s.sandboxShop = cmp.Or(cfg.SandboxShop, sandboxShopifyShop)
	}
	s.storesCSP = storesPolicy(s.connect)
	if s.pages, err = parseTemplates(s.funcs()); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns every page route and /static/, with security headers.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	return securityHeaders(s.withSession(mux))
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"static": func(name string) string { return "/static/" + name + "?v=" + s.staticHash },
		"date":   func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"datetime": func(t time.Time) string {
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"field":    newField,
		"tokenRow": func(t account.APIToken, csrf string) tokenRow { return tokenRow{Token: t, CSRF: csrf} },
		"languageName": func(tag string) string {
			if n, ok := brand.Languages[tag]; ok {
				return n
			}
			return tag
		},
		"plural":        plural,
		"channelLabel":  channelLabel,
		"money":         money,
		"join":          strings.Join,
		"draftStatus":   draftStatus,
		"platformName":  platformName,
		"storeCardData": storeCardData,
	}
}

// parseTemplates parses templates/layout.html and partials.html as the base
// of every page in templates/pages/, one template set per page.
func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: list pages: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: clone layout: %w", err)
		}
		if t, err = t.ParseFS(templateFS, f); err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		for _, block := range []string{"title", "content"} {
			if t.Lookup(block) == nil {
				return nil, fmt.Errorf("web: %s defines no %q template", f, block)
			}
		}
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages, nil
}

// hashFS returns a short hash of every file in fsys, so static URLs change
// when any file does and can be cached for long.
func hashFS(fsys fs.FS) (string, error) {
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// render executes page into a buffer and writes it with status, so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data pager) {
	t, ok := s.pages[page]
	if !ok {
		s.serverError(w, r, fmt.Errorf("web: no page template %q", page))
		return
	}
	b := data.base()
	if err := s.fillBase(w, r, b); err != nil {
		s.serverError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.serverError(w, r, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	writeHTML(w, status, buf.Bytes())
}

// renderFragment executes one named template (an htmx swap target).
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, page, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		s.serverError(w, r, fmt.Errorf("web: render %s/%s: %w", page, name, err))
		return
	}
	writeHTML(w, http.StatusOK, buf.Bytes())
}

// writeHTML writes a page. Pages carry the browser's CSRF token and, when
// signed in, account data, so no cache (shared or back-button) keeps them.
func writeHTML(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// redirect answers a form post with 303 See Other; an htmx request gets
// HX-Redirect so the browser loads the page fully.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }
