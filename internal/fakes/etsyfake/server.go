package etsyfake

import (
	"bytes"
	"encoding/json"
	"github.com/plutopro/plutopro/internal/fakes/fakehttp"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
)

// Defaults used when Options leave them zero.
const (
	DefaultKeystring    = "fakeetsykeystring0000000"
	DefaultSharedSecret = "fakeetsysharedsecret"
	DefaultShopID       = 40000001
	DefaultUserID       = 70000001
	DefaultShopName     = "PlutoProTestShop"
	DefaultPerSecond    = 10
	DefaultPerDay       = 10_000
)

// Options configures a Server. The zero value is a working fake with an
// empty shop.
type Options struct {
	// Keystring and SharedSecret are the app's credentials; x-api-key must
	// be "Keystring:SharedSecret" and client_id the Keystring. Defaults:
	// DefaultKeystring, DefaultSharedSecret.
	Keystring    string
	SharedSecret string
	// RedirectURIs, when set, are the only redirect URIs /oauth/connect
	// accepts (Etsy's registered callback URLs); empty accepts any absolute
	// URL.
	RedirectURIs []string
	// Products seed the shop, one listing each, in order (the first is the
	// newest); see AddListing for how a product becomes a listing.
	Products []*catalog.Product
	// ShopID, UserID and ShopName name the one shop and its owner.
	ShopID   int64
	UserID   int64
	ShopName string
	// PerSecond and PerDay are the app's quota (defaults 10 and 10,000).
	PerSecond int
	PerDay    int
	// AccessTokenTTL is how long access tokens live (default 1 h).
	AccessTokenTTL time.Duration
	// Faults are injected into calls; see Faults() to change them later.
	Faults faultplan.Plan
	// Now is the clock for timestamps, token expiry and quotas; default
	// time.Now.
	Now func() time.Time
}

// Recorded is one request received, without secrets: the Authorization,
// X-Api-Key and Cookie headers are dropped and the code, code_verifier and
// refresh_token values of form bodies read "REDACTED".
type Recorded struct {
	Time   time.Time
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	// Status is the status answered; 0 for a dropped connection.
	Status int
}

// Server is the fake Etsy.
type Server struct {
	opts   Options
	srv    *httptest.Server
	mux    *http.ServeMux
	now    func() time.Time
	faults *faultplan.Engine

	mu       sync.Mutex
	recorded []*Recorded
	listings map[int64]*Listing
	nextID   int64 // last listing id given
	nextImg  int64 // last listing_image_id given
	nextProd int64 // last inventory product/offering id given
	created  time.Time
	consent  bool
	codes    map[string]*authCode
	access   map[string]*token // by the part after the user id
	refresh  map[string]*token
	quota    quota
}

// New starts a fake on a local httptest server.
func New(opts Options) *Server {
	s := NewUnstarted(opts)
	s.srv = httptest.NewServer(s)
	return s
}

// NewUnstarted returns a fake that is not listening: serve it with any
// http.Server (it is an http.Handler). Point both the authorization base URL
// and the API base URL of a client at wherever it is served; mounted under
// a path prefix, wrap it in http.StripPrefix.
func NewUnstarted(opts Options) *Server {
	if opts.Keystring == "" {
		opts.Keystring = DefaultKeystring
	}
	if opts.SharedSecret == "" {
		opts.SharedSecret = DefaultSharedSecret
	}
	if opts.ShopID == 0 {
		opts.ShopID = DefaultShopID
	}
	if opts.UserID == 0 {
		opts.UserID = DefaultUserID
	}
	if opts.ShopName == "" {
		opts.ShopName = DefaultShopName
	}
	if opts.PerSecond <= 0 {
		opts.PerSecond = DefaultPerSecond
	}
	if opts.PerDay <= 0 {
		opts.PerDay = DefaultPerDay
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		opts:     opts,
		now:      now,
		faults:   faultplan.New(opts.Faults),
		listings: map[int64]*Listing{},
		nextID:   1_000_000_000,
		nextImg:  2_000_000_000,
		nextProd: 3_000_000_000,
		created:  now(),
		consent:  true,
		codes:    map[string]*authCode{},
		access:   map[string]*token{},
		refresh:  map[string]*token{},
	}
	for i, p := range opts.Products {
		// The first product is the newest, so the default order (newest
		// created first) lists them in the order given.
		s.add(p, s.created.Add(-time.Duration(i)*time.Minute))
	}
	s.routes()
	return s
}

// URL is the base URL of the started server, for both the authorization
// and the API base URL of a client; "" when not started.
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// Client is an HTTP client for the started server.
func (s *Server) Client() *http.Client {
	if s.srv == nil {
		return http.DefaultClient
	}
	return s.srv.Client()
}

// Close stops the started server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// Keystring is the app's keystring (client_id).
func (s *Server) Keystring() string { return s.opts.Keystring }

// SharedSecret is the app's shared secret.
func (s *Server) SharedSecret() string { return s.opts.SharedSecret }

// ShopID is the shop's id.
func (s *Server) ShopID() int64 { return s.opts.ShopID }

// UserID is the shop owner's user id.
func (s *Server) UserID() int64 { return s.opts.UserID }

// Faults is the fault engine: push faults for the next calls or replace the
// plan while the fake runs.
func (s *Server) Faults() *faultplan.Engine { return s.faults }

// SetConsent says whether the sandbox seller grants access at
// /oauth/connect (default true); false redirects with error=access_denied.
func (s *Server) SetConsent(allow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consent = allow
}

// RevokeTokens revokes every access and refresh token, as a password change
// or an uninstall does: calls answer 401 and refreshing fails.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.access {
		t.revoked = true
	}
	for _, t := range s.refresh {
		t.revoked = true
	}
}

// UseQuota spends n requests of the current second's and of the day's
// quota, as other clients of the same app would.
func (s *Server) UseQuota(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for range n {
		s.quota.take(now)
	}
}

// Requests returns a copy of every request received, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, len(s.recorded))
	for i, r := range s.recorded {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = slices.Clone(r.Body)
	}
	return out
}

// Reset forgets the recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = nil
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth/connect", s.handleConnect)
	m.HandleFunc("POST /v3/public/oauth/token", s.handleToken)
	m.HandleFunc("GET /v3/application/users/me", s.api(s.handleMe, ""))
	m.HandleFunc("GET /v3/application/shops/{shop_id}", s.public(s.handleShop))
	m.HandleFunc("GET /v3/application/shops/{shop_id}/listings", s.api(s.handleShopListings, "listings_r"))
	m.HandleFunc("GET /v3/application/listings/{listing_id}", s.public(s.handleListing))
	m.HandleFunc("GET /v3/application/listings/{listing_id}/images", s.public(s.handleListingImages))
	m.HandleFunc("PATCH /v3/application/shops/{shop_id}/listings/{listing_id}", s.api(s.handleUpdateListing, "listings_w"))
	m.HandleFunc("POST /v3/application/shops/{shop_id}/listings/{listing_id}/images", s.api(s.handleImage, "listings_w"))
	s.mux = m
}

// statusWriter remembers the status answered, for the recorder.
type statusWriter = fakehttp.StatusWriter

// secretFields are form fields whose values the recorder never keeps.
var secretFields = []string{"code", "code_verifier", "refresh_token", "client_secret"}

// redactBody hides secret form values of a form-encoded body.
func redactBody(contentType string, body []byte) []byte {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" || len(body) == 0 {
		return body
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return []byte("(unreadable form body)")
	}
	for _, k := range secretFields {
		if _, ok := v[k]; ok {
			v[k] = []string{"REDACTED"}
		}
	}
	return []byte(v.Encode())
}

// ServeHTTP serves the fake Etsy.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const maxBody = 16 << 20
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	rec := &Recorded{
		Time:   s.now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Header: r.Header.Clone(),
		Body:   redactBody(r.Header.Get("Content-Type"), body),
	}
	for _, h := range []string{"Authorization", "X-Api-Key", "Cookie"} {
		rec.Header.Del(h)
	}
	s.mu.Lock()
	s.recorded = append(s.recorded, rec)
	s.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		rec.Status = sw.Status
		s.mu.Unlock()
	}()

	if readErr != nil || len(body) > maxBody {
		writeError(sw, http.StatusBadRequest, "could not read the request body")
		return
	}
	if r.URL.Path != "/oauth/connect" {
		f, latency, fail := s.faults.Draw(r.URL.Path)
		if latency > 0 {
			t := time.NewTimer(latency)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if fail {
			switch f.Kind {
			case faultplan.Drop:
				sw.Status = 0
				fakehttp.Drop(sw)
				return
			case faultplan.Throttle:
				sw.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
				writeError(sw, http.StatusTooManyRequests, "You have exceeded your rate limit. Please try again later.")
			case faultplan.Unavailable:
				writeError(sw, http.StatusServiceUnavailable, "Service Unavailable")
			default:
				writeError(sw, http.StatusInternalServerError, "An internal error occurred. Please try again later.")
			}
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(sw, http.StatusNotFound, "Resource not found")
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// caller is the app and user behind a request to /v3/application.
type caller struct {
	tok *token // nil for a public call made with the API key alone
}

// checkKey checks x-api-key; "" when it is valid.
func (s *Server) checkKey(r *http.Request) (int, string) {
	key := r.Header.Get("X-Api-Key")
	keystring, secret, hasSecret := strings.Cut(key, ":")
	switch {
	case key == "":
		return http.StatusForbidden, "Invalid API key"
	case keystring != s.opts.Keystring:
		return http.StatusForbidden, "Invalid API key"
	case !hasSecret || secret == "":
		return http.StatusForbidden, "Shared secret is required in x-api-key header."
	case secret != s.opts.SharedSecret:
		return http.StatusForbidden, "Invalid API key"
	}
	return 0, ""
}

// bearer checks the Authorization header: the token, or a status and an
// OAuth-style error description.
func (s *Server) bearer(r *http.Request) (*token, string) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return nil, "Missing authorization header"
	}
	return s.lookupAccess(strings.TrimSpace(h[7:]))
}

// api wraps a handler that needs the API key, quota and a bearer token with
// scope (when scope is not "").
func (s *Server) api(h func(http.ResponseWriter, *http.Request, caller), scope string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if code, msg := s.checkKey(r); code != 0 {
			writeError(w, code, msg)
			return
		}
		if !s.admit(w) {
			return
		}
		tok, why := s.bearer(r)
		if tok == nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": why})
			return
		}
		if scope != "" && !slices.Contains(tok.scopes, scope) {
			writeError(w, http.StatusForbidden, "Insufficient scope: this request needs the "+scope+" scope.")
			return
		}
		h(w, r, caller{tok: tok})
	}
}

// public wraps a handler that needs the API key and quota; a bearer token
// is checked when one is sent.
func (s *Server) public(h func(http.ResponseWriter, *http.Request, caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if code, msg := s.checkKey(r); code != 0 {
			writeError(w, code, msg)
			return
		}
		if !s.admit(w) {
			return
		}
		var c caller
		if r.Header.Get("Authorization") != "" {
			tok, why := s.bearer(r)
			if tok == nil {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": why})
				return
			}
			c.tok = tok
		}
		h(w, r, c)
	}
}

// admit takes one request of the quota and writes the rate headers, or
// answers 429 and returns false.
func (s *Server) admit(w http.ResponseWriter) bool {
	s.mu.Lock()
	now := s.now()
	sec, day, ok := s.quota.admit(now, s.opts.PerSecond, s.opts.PerDay)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusTooManyRequests, "You have exceeded your rate limit. Please try again later.")
		return false
	}
	h := w.Header()
	h.Set("X-Limit-Per-Second", strconv.Itoa(s.opts.PerSecond))
	h.Set("X-Remaining-This-Second", strconv.Itoa(sec))
	h.Set("X-Limit-Per-Day", strconv.Itoa(s.opts.PerDay))
	h.Set("X-Remaining-Today", strconv.Itoa(day))
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"fake: cannot encode answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes Etsy's error shape, {"error": "..."}.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// writeOAuthError writes the token endpoint's error shape.
func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
