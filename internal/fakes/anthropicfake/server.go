package anthropicfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/plutopro/plutopro/internal/fakes/fakehttp"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultModels are listed by GET /v1/models when Options.Models is empty.
var DefaultModels = []string{
	"claude-sonnet-5-5",
	"claude-haiku-5-5",
	"claude-sonnet-5",
	"claude-haiku-4-5",
}

// Options configures a Server. The zero value is a working fake.
type Options struct {
	// APIKey is the key requests must carry (x-api-key or Authorization:
	// Bearer). Empty accepts any non-empty key.
	APIKey string
	// Now is the clock for caching, rate limits and batches; default time.Now.
	Now func() time.Time
	// MinCacheTokens is the minimum cacheable prefix; default 1024.
	MinCacheTokens int
	// MinCacheTokensFor overrides MinCacheTokens per model.
	MinCacheTokensFor map[string]int
	// Responder makes the JSON content of an answer: the text of an
	// output_config json_schema answer, the input of a tool_use answer, and
	// for plain answers the "text" string of the map (or the map's JSON).
	// It may return an *APIError to make the call fail with it. Nil uses
	// FillSchema (and a fixed sentence for plain answers). It is called
	// from concurrent requests.
	Responder func(req Request) (map[string]any, error)
	// RefuseForcedToolFor lists models for which a forced tool_choice
	// (type "tool" or "any") answers 400 invalid_request_error.
	RefuseForcedToolFor []string
	// Models, when non-empty, are the only models accepted (others answer
	// 404 not_found_error) and the ones GET /v1/models lists.
	Models []string
	// Faults are injected into calls; see also Server.SetFaults.
	Faults Faults
	// RequestsPerMinute, InputTokensPerMinute and OutputTokensPerMinute
	// enforce rate limits on POST /v1/messages when positive (token buckets
	// refilled continuously). Input tokens counted are the uncached ones
	// (input_tokens + cache_creation_input_tokens).
	RequestsPerMinute     int
	InputTokensPerMinute  int
	OutputTokensPerMinute int
	// BatchDelay is how long, on the clock, a batch stays in_progress. A batch
	// also ends on Server.FinishBatches.
	BatchDelay time.Duration
	// Seed seeds ids and the order of batch results.
	Seed uint64
}

// Request is what a Responder sees of a request.
type Request struct {
	Model string
	// System is the text of the system prompt (blocks joined by "\n\n").
	System string
	// User is the text of all user messages (joined by "\n\n").
	User     string
	Messages []Message
	// Mode is "json_schema" (output_config.format), "tool" (tool_choice
	// forces a tool) or "text".
	Mode string
	// Schema is the JSON Schema the answer must follow (output_config's, or
	// the forced tool's input_schema); nil in text mode.
	Schema map[string]any
	// ToolName is the forced tool, in tool mode.
	ToolName  string
	MaxTokens int
	// Images is the number of image blocks in the messages.
	Images int
	// BatchID and CustomID are set for requests inside a Message Batch.
	BatchID, CustomID string
}

// Message is one message of a Request, reduced to its text.
type Message struct {
	Role   string
	Text   string
	Images int
}

// APIError is an error answer in the Anthropic shape. A Responder may return
// one to make a call fail with it.
type APIError struct {
	Status  int
	Type    string
	Message string
	// RetryAfter, when positive, is sent as retry-after (whole seconds).
	RetryAfter time.Duration
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

func invalid(format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: fmt.Sprintf(format, args...)}
}

// Recorded is one request received by the fake, for tests to scan.
type Recorded struct {
	Time   time.Time
	Method string
	Path   string
	Query  string
	// Header holds the request headers without Authorization, X-Api-Key and
	// Cookie.
	Header http.Header
	Body   []byte
	// Status is the status answered; 0 for a dropped connection.
	Status int
}

// Stats counts the calls received.
type Stats struct {
	Calls    int
	ByStatus map[int]int
	ByPath   map[string]int
	Dropped  int
}

// Usage is the token usage of one answer.
type Usage struct {
	InputTokens              int
	OutputTokens             int
	CacheCreationInputTokens int
	CacheReadInputTokens     int
	CacheCreation5m          int
	CacheCreation1h          int
}

// Billed is the usage billed for one answer. Batch answers are billed at
// half price (PriceFactor 0.5).
type Billed struct {
	Time              time.Time
	Model             string
	MessageID         string
	BatchID, CustomID string
	Usage             Usage
	PriceFactor       float64
}

// Server is the fake Anthropic API.
type Server struct {
	opts   Options
	srv    *httptest.Server
	mux    *http.ServeMux
	now    func() time.Time
	faults *faultEngine
	limit  *rateLimiter
	cache  *promptCache

	mu       sync.Mutex
	rng      *rand.Rand
	recorded []*Recorded
	billed   []Billed
	batches  map[string]*batch
	order    []string // batch ids, oldest first
}

// New starts a fake on a local httptest server.
func New(opts Options) *Server {
	s := NewUnstarted(opts)
	s.srv = httptest.NewServer(s)
	return s
}

// NewUnstarted returns a fake that is not listening: serve it with any
// http.Server (it is an http.Handler).
func NewUnstarted(opts Options) *Server {
	if opts.MinCacheTokens <= 0 {
		opts.MinCacheTokens = 1024
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		opts:    opts,
		now:     now,
		faults:  newFaultEngine(opts.Faults),
		limit:   newRateLimiter(opts),
		cache:   newPromptCache(),
		rng:     rand.New(rand.NewPCG(opts.Seed, opts.Seed+1)),
		batches: map[string]*batch{},
	}
	s.routes()
	return s
}

// URL is the base URL to give the SDK (option.WithBaseURL).
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

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

// SetFaults replaces the fault plan (and restarts its draws from its seed).
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// FailNext makes the next n calls fail with f (after any already queued).
func (s *Server) FailNext(n int, f Fault) { s.faults.push(NextN(n, f)...) }

// ClearCache forgets every prompt-cache entry.
func (s *Server) ClearCache() { s.cache.clear() }

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

// Stats counts the requests received.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{ByStatus: map[int]int{}, ByPath: map[string]int{}}
	for _, r := range s.recorded {
		st.Calls++
		st.ByPath[r.Path]++
		if r.Status == 0 {
			st.Dropped++
		} else {
			st.ByStatus[r.Status]++
		}
	}
	return st
}

// Billed returns the usage billed so far, oldest first.
func (s *Server) Billed() []Billed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.billed)
}

// Reset forgets the recorded requests and billing (not the cache, batches
// or faults).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = nil
	s.billed = nil
}

const idChars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func (s *Server) newID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("01")
	for range 22 {
		b.WriteByte(idChars[s.rng.IntN(len(idChars))])
	}
	return b.String()
}

func (s *Server) bill(b Billed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.billed = append(s.billed, b)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/messages", s.handleMessages)
	m.HandleFunc("POST /v1/messages/count_tokens", s.handleCountTokens)
	m.HandleFunc("POST /v1/messages/batches", s.handleBatchCreate)
	m.HandleFunc("GET /v1/messages/batches", s.handleBatchList)
	m.HandleFunc("GET /v1/messages/batches/{id}", s.handleBatchGet)
	m.HandleFunc("DELETE /v1/messages/batches/{id}", s.handleBatchDelete)
	m.HandleFunc("POST /v1/messages/batches/{id}/cancel", s.handleBatchCancel)
	m.HandleFunc("GET /v1/messages/batches/{id}/results", s.handleBatchResults)
	m.HandleFunc("GET /v1/models", s.handleModels)
	m.HandleFunc("GET /v1/models/{id}", s.handleModel)
	s.mux = m
}

// statusWriter remembers the status answered, for the recorder.
type statusWriter = fakehttp.StatusWriter

// requestID returns the request id set by ServeHTTP.
func requestID(w http.ResponseWriter) string { return w.Header().Get("request-id") }

// ServeHTTP serves the Anthropic API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const maxBody = 32 << 20
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	rec := &Recorded{
		Time:   s.now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Header: r.Header.Clone(),
		Body:   body,
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
	w = sw
	w.Header().Set("request-id", s.newID("req_"))
	w.Header().Set("anthropic-organization-id", "00000000-0000-4000-8000-000000000000")

	if err != nil {
		writeError(w, &APIError{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: "could not read the request body"})
		return
	}
	if len(body) > maxBody {
		writeError(w, &APIError{Status: http.StatusRequestEntityTooLarge, Type: "request_too_large", Message: "Request exceeds the maximum allowed number of bytes."})
		return
	}
	if e := s.checkAuth(r); e != nil {
		writeError(w, e)
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		writeError(w, invalid("anthropic-version: header is required"))
		return
	}

	f, latency, fail := s.faults.draw(r.URL.Path)
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
		case DropConnection:
			sw.Status = 0
			fakehttp.Drop(sw)
			return
		case RateLimited:
			ra := f.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			s.limit.headers(w.Header(), s.now(), []string{"requests"})
			writeError(w, &APIError{Status: http.StatusTooManyRequests, Type: "rate_limit_error",
				Message: "This request would exceed the rate limit for your organization. Please try again later.", RetryAfter: ra})
		case Overloaded:
			writeError(w, &APIError{Status: 529, Type: "overloaded_error", Message: "Overloaded"})
		default:
			writeError(w, &APIError{Status: http.StatusInternalServerError, Type: "api_error", Message: "Internal server error"})
		}
		return
	}

	r.Body = io.NopCloser(bytes.NewReader(body))
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(w, &APIError{Status: http.StatusNotFound, Type: "not_found_error", Message: "Not Found"})
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) checkAuth(r *http.Request) *APIError {
	key := r.Header.Get("X-Api-Key")
	bearer := ""
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		bearer = strings.TrimSpace(a[7:])
	}
	if key == "" && bearer == "" {
		return &APIError{Status: http.StatusUnauthorized, Type: "authentication_error", Message: "x-api-key header is required"}
	}
	if s.opts.APIKey == "" || key == s.opts.APIKey || bearer == s.opts.APIKey {
		return nil
	}
	return &APIError{Status: http.StatusUnauthorized, Type: "authentication_error", Message: "invalid x-api-key"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"type":"error","error":{"type":"api_error","message":"fake: cannot encode answer"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// errorBody is the Anthropic error shape.
func errorBody(e *APIError, reqID string) map[string]any {
	return map[string]any{
		"type":       "error",
		"error":      map[string]any{"type": e.Type, "message": e.Message},
		"request_id": reqID,
	}
}

func writeError(w http.ResponseWriter, e *APIError) {
	if e.RetryAfter > 0 {
		w.Header().Set("retry-after", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	writeJSON(w, e.Status, errorBody(e, requestID(w)))
}

func asAPIError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return &APIError{Status: http.StatusInternalServerError, Type: "api_error", Message: "Internal server error"}
}

func (s *Server) models() []string {
	if len(s.opts.Models) > 0 {
		return s.opts.Models
	}
	return DefaultModels
}

func modelInfo(id string) map[string]any {
	return map[string]any{
		"type":         "model",
		"id":           id,
		"display_name": id,
		"created_at":   "2026-01-01T00:00:00Z",
	}
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	ms := s.models()
	data := make([]any, 0, len(ms))
	for _, m := range ms {
		data = append(data, modelInfo(m))
	}
	var first, last any
	if len(ms) > 0 {
		first, last = ms[0], ms[len(ms)-1]
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "has_more": false, "first_id": first, "last_id": last})
}

func (s *Server) handleModel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !slices.Contains(s.models(), id) {
		writeError(w, &APIError{Status: http.StatusNotFound, Type: "not_found_error", Message: "model: " + id})
		return
	}
	writeJSON(w, http.StatusOK, modelInfo(id))
}
