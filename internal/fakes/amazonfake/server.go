package amazonfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/plutopro/plutopro/internal/fakes/fakehttp"
	"io"
	"math/rand/v2"
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

// Defaults of Options.
const (
	DefaultSellerID      = "A2PLUTOFAKESELLER"
	DefaultMarketplaceID = "ATVPDKIKX0DER"
	DefaultLanguageTag   = "en_US"
)

// Options configures a Server. The zero value is a working fake with no
// listings that accepts any application, client id and secret.
type Options struct {
	// ApplicationID is the app's id (amzn1.sp.solution.…) the consent page
	// must be given; empty accepts any non-empty id.
	ApplicationID string
	// ClientID and ClientSecret are the LWA credentials the token endpoint
	// checks; empty accepts any non-empty value.
	ClientID     string
	ClientSecret string
	// SellerID is the selling partner id the consent grants (default
	// DefaultSellerID).
	SellerID string
	// MarketplaceID is the seller's marketplace (default ATVPDKIKX0DER) and
	// LanguageTag the language of seeded values (default en_US).
	MarketplaceID string
	LanguageTag   string
	// Products seed one listing each (see AddListing).
	Products []*catalog.Product
	// RateLimits override the usage plan of operations, by operationId.
	RateLimits map[string]RateLimit
	// RateScale multiplies the rate and burst of every default usage plan
	// (DefaultRateLimits), for fast tests and the sandbox; 0 means 1.
	// RateLimits entries are not scaled.
	RateScale float64
	// ReportDelay is how long, on the clock, a report stays IN_QUEUE then
	// IN_PROGRESS before it is DONE (0: DONE at once).
	ReportDelay time.Duration
	// GzipReports serves report documents gzip-compressed
	// (compressionAlgorithm GZIP).
	GzipReports bool
	// Faults are injected into calls; see also Server.Faults.
	Faults faultplan.Plan
	// Now is the clock for tokens, codes, reports and rate limits (default
	// time.Now).
	Now func() time.Time
	// Seed seeds ids, codes and tokens.
	Seed uint64
	// PublicURL is the URL the fake is reached at, for the report document
	// URLs it hands out, when it is served behind a prefix or a proxy
	// (default: the scheme and host of the request); see SetPublicURL.
	PublicURL string
}

// Recorded is one request received by the fake, for tests to scan. It
// holds no secret: the x-amz-access-token, Authorization and Cookie headers
// are dropped and the token endpoint's client_secret, code and
// refresh_token are replaced by "REDACTED".
type Recorded struct {
	Time      time.Time
	Method    string
	Path      string
	Query     string
	Header    http.Header
	Body      []byte
	Operation string // the SP-API operationId, "" for other endpoints
	// Status is the status answered; 0 for a dropped connection.
	Status int
}

// Server is the fake SP-API, LWA token endpoint and Seller Central consent
// page, all on one host.
type Server struct {
	opts   Options
	srv    *httptest.Server
	mux    *http.ServeMux
	ops    map[string]*operation // by route pattern
	now    func() time.Time
	faults *faultplan.Engine
	limits *limiter
	key    []byte // signs report document URLs

	mu         sync.Mutex
	publicURL  string
	rng        *rand.Rand
	recorded   []*Recorded
	violations []string
	listings   map[string]*Listing
	order      []string // SKUs, oldest first
	codes      map[string]*authCode
	access     map[string]*accessToken
	refresh    map[string]*refreshToken
	reports    map[string]*report
	docs       map[string]*document
	outcomes   []string // processing statuses of the next reports
	nextReport int64
}

// New starts a fake on a local httptest server.
func New(opts Options) *Server {
	s := NewUnstarted(opts)
	s.srv = httptest.NewServer(s)
	return s
}

// NewUnstarted returns a fake that is not listening: serve it with any
// http.Server (it is an http.Handler). URLs it hands out (report documents)
// use the host of the request.
func NewUnstarted(opts Options) *Server {
	if opts.SellerID == "" {
		opts.SellerID = DefaultSellerID
	}
	if opts.MarketplaceID == "" {
		opts.MarketplaceID = DefaultMarketplaceID
	}
	if opts.LanguageTag == "" {
		opts.LanguageTag = DefaultLanguageTag
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		opts:       opts,
		now:        now,
		faults:     faultplan.New(opts.Faults),
		limits:     newLimiter(opts),
		rng:        rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5bd1e995)),
		listings:   map[string]*Listing{},
		codes:      map[string]*authCode{},
		access:     map[string]*accessToken{},
		refresh:    map[string]*refreshToken{},
		reports:    map[string]*report{},
		docs:       map[string]*document{},
		nextReport: 50000000000 + int64(opts.Seed%1000)*1000,
		publicURL:  strings.TrimRight(opts.PublicURL, "/"),
	}
	s.key = []byte(s.randString(32, alnum))
	for _, p := range opts.Products {
		s.AddListing(p)
	}
	s.routes()
	return s
}

// URL is the base URL of the fake: the SP-API endpoint, the Seller Central
// host and, with "/auth/o2/token", the LWA token endpoint.
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// SetPublicURL sets Options.PublicURL once the serving address is known
// (a fake mounted under a prefix of another server).
func (s *Server) SetPublicURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publicURL = strings.TrimRight(u, "/")
}

// TokenURL is the LWA token endpoint.
func (s *Server) TokenURL() string { return s.URL() + "/auth/o2/token" }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client {
	if s.srv == nil {
		return http.DefaultClient
	}
	return s.srv.Client()
}

// Close stops the server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// SellerID is the selling partner id the consent grants.
func (s *Server) SellerID() string { return s.opts.SellerID }

// MarketplaceID is the seller's marketplace.
func (s *Server) MarketplaceID() string { return s.opts.MarketplaceID }

// Faults is the fault engine: Set a new plan or Push faults for the next
// calls. Throttle answers 429 QuotaExceeded, ServerError 500, Unavailable
// 503 and Drop closes the connection without an answer.
func (s *Server) Faults() *faultplan.Engine { return s.faults }

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

// Calls counts the requests received for an operationId.
func (s *Server) Calls(operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.recorded {
		if r.Operation == operation {
			n++
		}
	}
	return n
}

// Violations lists the ways the fake's own answers broke the official
// models' response schemas (empty when it behaves); tests check it.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// Reset forgets the recorded requests and violations.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = nil
	s.violations = nil
}

const (
	alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	upper = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	hexs  = "0123456789abcdef"
)

func (s *Server) randString(n int, chars string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.randStringLocked(n, chars)
}

func (s *Server) randStringLocked(n int, chars string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[s.rng.IntN(len(chars))]
	}
	return string(b)
}

// uuid is a random id in the 8-4-4-4-12 form Amazon uses for request and
// submission ids.
func (s *Server) uuid() string {
	h := s.randString(32, hexs)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /apps/authorize/consent", s.handleConsent)
	m.HandleFunc("POST /auth/o2/token", s.handleToken)
	m.HandleFunc("GET /download/{doc}", s.handleDownload)
	s.ops = map[string]*operation{}
	for _, op := range []struct {
		id      string
		handler func(http.ResponseWriter, *http.Request, *call)
	}{
		{"createReport", s.createReport},
		{"getReport", s.getReport},
		{"getReportDocument", s.getReportDocument},
		{"getListingsItem", s.getListingsItem},
		{"patchListingsItem", s.patchListingsItem},
		{"searchDefinitionsProductTypes", s.searchProductTypes},
	} {
		o := models[op.id]
		if o == nil {
			panic("amazonfake: no operation " + op.id)
		}
		pattern := o.method + " " + o.path
		m.Handle(pattern, s.op(o, op.handler))
		s.ops[pattern] = o
	}
	s.mux = m
}

// statusWriter remembers the status answered, for the recorder.
type statusWriter = fakehttp.StatusWriter

// endpoint is which of the fake's services a path belongs to; each answers
// faults in its own format.
func endpoint(path string) string {
	switch {
	case path == "/auth/o2/token":
		return "lwa"
	case strings.HasPrefix(path, "/apps/"):
		return "consent"
	case strings.HasPrefix(path, "/download/"):
		return "s3"
	}
	return "spapi"
}

// ServeHTTP serves Seller Central's consent page, the LWA token endpoint,
// the Reports, Listings Items and Product Type Definitions APIs and the
// report document downloads.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const maxBody = 10 << 20
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	rec := &Recorded{
		Time:   s.now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Header: r.Header.Clone(),
		Body:   redactBody(r, body),
	}
	for _, h := range []string{"X-Amz-Access-Token", "Authorization", "Cookie"} {
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
	w = sw
	w.Header().Set("x-amzn-RequestId", s.uuid())
	kind := endpoint(r.URL.Path)

	if err != nil || len(body) > maxBody {
		writeErrors(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request size exceeded the maximum accepted size.", "")
		return
	}
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		writeErrors(w, http.StatusNotFound, "NotFound", "Resource not found.", "")
		return
	}
	if o := s.ops[pattern]; o != nil {
		// An SP-API operation: every answer, faults included, is checked
		// against the model.
		s.mu.Lock()
		rec.Operation = o.id
		s.mu.Unlock()
		cw := &captureWriter{ResponseWriter: sw}
		w = cw
		defer func() {
			if cw.status == 0 && sw.Status == 0 {
				return // dropped
			}
			if vs := o.checkResponse(cw.status, cw.buf.Bytes()); len(vs) > 0 {
				s.mu.Lock()
				s.violations = append(s.violations, fmt.Sprintf("%s %d: %s", o.id, cw.status, joinViolations(vs)))
				s.mu.Unlock()
			}
		}()
	}

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
		s.fault(w, sw, kind, f)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mux.ServeHTTP(w, r)
}

// fault answers an injected fault in the endpoint's format.
func (s *Server) fault(w http.ResponseWriter, sw *statusWriter, kind string, f faultplan.Fault) {
	if f.Kind == faultplan.Drop {
		sw.Status = 0
		fakehttp.Drop(sw)
		return
	}
	status := map[faultplan.Kind]int{faultplan.Throttle: http.StatusTooManyRequests, faultplan.Unavailable: http.StatusServiceUnavailable}[f.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	switch kind {
	case "lwa":
		code := map[int]string{429: "slow_down", 500: "server_error", 503: "temporarily_unavailable"}[status]
		writeLWAError(w, status, code, http.StatusText(status))
	case "consent", "s3":
		http.Error(w, http.StatusText(status), status)
	default:
		switch status {
		case http.StatusTooManyRequests:
			writeErrors(w, status, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
		case http.StatusServiceUnavailable:
			writeErrors(w, status, "ServiceUnavailable", "Service temporarily unavailable. Please try again.", "")
		default:
			writeErrors(w, status, "InternalFailure", "We encountered an internal error. Please try again.", "")
		}
	}
}

// redactBody returns the body to record: the token endpoint's secrets are
// replaced.
func redactBody(r *http.Request, body []byte) []byte {
	if r.URL.Path != "/auth/o2/token" {
		return slices.Clone(body)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return []byte("REDACTED")
	}
	for _, k := range []string{"client_secret", "code", "refresh_token"} {
		if form.Has(k) {
			form.Set(k, "REDACTED")
		}
	}
	return []byte(form.Encode())
}

// captureWriter keeps a copy of an operation's answer for the model check.
type captureWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

// call is one authorized, admitted and checked SP-API request.
type call struct {
	seller string
	body   any // the decoded body, checked against the model
	// enumViolations are body values outside an enum, which some handlers
	// answer as issues rather than 400 (patch ops).
	enumViolations []violation
}

// op wraps an SP-API operation: token check (403), usage plan (429),
// parameters and body against the model (400 InvalidInput), then the
// handler.
func (s *Server) op(o *operation, h func(http.ResponseWriter, *http.Request, *call)) http.Handler {
	id := o.id
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seller, details := s.authorize(r)
		if details != "" {
			writeErrors(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", details)
			return
		}
		if sid := r.PathValue("sellerId"); sid != "" && sid != seller {
			writeErrors(w, http.StatusForbidden, "Unauthorized", "Access to requested resource is denied.", "")
			return
		}
		plan, ok := s.limits.take(id, s.now())
		if !ok {
			writeErrors(w, http.StatusTooManyRequests, "QuotaExceeded", "You exceeded your quota for the requested resource.", "")
			return
		}
		w.Header().Set("x-amzn-RateLimit-Limit", strconv.FormatFloat(plan.Rate, 'f', -1, 64))
		if o.body != nil {
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
				writeErrors(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The request's Content-Type header is invalid.", "Content-Type must be application/json")
				return
			}
		}
		body, _ := io.ReadAll(r.Body)
		decoded, vs := o.checkRequest(r, body)
		c := &call{seller: seller, body: decoded}
		if id == "patchListingsItem" {
			var rest []violation
			for _, v := range vs {
				if v.enum && strings.HasSuffix(v.path, ".op") {
					c.enumViolations = append(c.enumViolations, v)
				} else {
					rest = append(rest, v)
				}
			}
			vs = rest
		}
		if len(vs) > 0 {
			writeErrors(w, http.StatusBadRequest, "InvalidInput", "Request has missing or invalid parameters and cannot be parsed.", joinViolations(vs))
			return
		}
		if ids := r.URL.Query().Get("marketplaceIds"); ids != "" && !slices.Contains(strings.Split(ids, ","), s.opts.MarketplaceID) {
			writeErrors(w, http.StatusBadRequest, "InvalidInput", "Invalid input.", fmt.Sprintf("The seller does not participate in marketplace(s) %s.", ids))
			return
		}
		h(w, r, c)
	})
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"code":"InternalFailure","message":"fake: cannot encode answer"}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeErrors answers SP-API's ErrorList.
func writeErrors(w http.ResponseWriter, status int, code, message, details string) {
	e := map[string]any{"code": code, "message": message}
	if details != "" {
		e["details"] = details
	}
	writeJSON(w, status, map[string]any{"errors": []any{e}})
}

// sign signs a report document download URL.
func (s *Server) sign(doc string, expires int64) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%s\n%d", doc, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// baseURL is the fake's URL as the request reached it.
func (s *Server) baseURL(r *http.Request) string {
	s.mu.Lock()
	public := s.publicURL
	s.mu.Unlock()
	if public != "" {
		return public
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
