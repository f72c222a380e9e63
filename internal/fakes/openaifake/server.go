// Package openaifake is a faithful fake of an OpenAI-compatible chat server
// (Ollama, llama.cpp's llama-server, vLLM), served by an httptest server,
// that github.com/openai/openai-go/v3 can be pointed at with
// option.WithBaseURL(srv.URL()+"/v1/").
//
// It serves POST /v1/chat/completions (JSON, or server-sent events with
// "stream":true) and GET /v1/models, as documented in
// shared/reference/services.md section 2:
//
//   - response_format {"type":"json_schema","json_schema":{"name","schema"}}:
//     the content is JSON following the schema (unless Options.RejectJSONSchema,
//     which answers 400 like llama.cpp builds without json_schema support);
//   - response_format {"type":"json_object"} (optionally with a llama.cpp
//     style flat "schema"): the content is a JSON object;
//   - no response_format (or "text"): the content is the JSON wrapped in a
//     ```json fence after a sentence, as small local models answer, so that
//     clients exercise tolerant parsing.
//
// Tokens are estimated as ceil(characters/4) of the message texts (prompt)
// and of the answer (completion). Errors have the OpenAI shape
// {"error":{"message","type","param","code"}}.
package openaifake

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
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
)

// Options configures a Server. The zero value is a working fake that
// accepts any (or no) API key and supports json_schema.
type Options struct {
	// APIKey, when set, must be sent as "Authorization: Bearer <APIKey>".
	APIKey string
	// Models are listed by GET /v1/models (default {"llama3.2"}). When
	// StrictModels is set, other models answer 404 model_not_found.
	Models       []string
	StrictModels bool
	// RejectJSONSchema answers 400 to response_format json_schema, like
	// llama.cpp builds that only know "text" and "json_object".
	RejectJSONSchema bool
	// Responder makes the JSON object of an answer. It may return an
	// *APIError to fail the call with it. Nil uses anthropicfake.FillSchema
	// on the request's schema (or FallbackSchema, or {"answer": "..."}).
	Responder func(req Request) (map[string]any, error)
	// FallbackSchema is filled by the default responder when the request
	// carries no schema (json_object or no response_format).
	FallbackSchema map[string]any
	// Faults are injected into calls; see also Server.SetFaults.
	Faults Faults
	// Now is the clock for "created"; default time.Now.
	Now func() time.Time
	// Seed seeds ids.
	Seed uint64
}

// Request is what a Responder sees of a chat completion request.
type Request struct {
	Model string
	// System is the text of the system and developer messages.
	System string
	// User is the text of the user messages.
	User     string
	Messages []Message
	// Format is "json_schema", "json_object" or "text" (none).
	Format string
	// Schema is the json_schema's schema (or llama.cpp's json_object
	// "schema"); nil otherwise.
	Schema map[string]any
	// Images counts image_url parts.
	Images int
}

// Message is one message of a Request, reduced to its text.
type Message struct {
	Role   string
	Text   string
	Images int
}

// APIError is an error answer in the OpenAI shape.
type APIError struct {
	Status  int
	Message string
	Type    string
	Param   string // empty is sent as null
	Code    string // empty is sent as null
	// RetryAfter, when positive, is sent as retry-after (whole seconds).
	RetryAfter time.Duration
}

func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Message) }

func invalid(param, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Type: "invalid_request_error", Param: param, Message: fmt.Sprintf(format, args...)}
}

// FaultKind is a failure the fake can inject.
type FaultKind string

const (
	// ServerError answers 500 server_error.
	ServerError FaultKind = "server_error"
	// RateLimited answers 429 with a retry-after header.
	RateLimited FaultKind = "rate_limit_exceeded"
	// DropConnection closes the connection without an answer.
	DropConnection FaultKind = "drop_connection"
	// Slow only delays the call by Fault.Latency.
	Slow FaultKind = "slow"
)

// Fault is one injected failure.
type Fault struct {
	Kind FaultKind
	// RetryAfter for RateLimited, sent in whole seconds; zero means 1 s.
	RetryAfter time.Duration
	Latency    time.Duration
}

// Faults says which calls fail: first the Next list, one per call, then a
// Rate fraction of calls with kinds drawn from Kinds (default ServerError)
// by a generator seeded with Seed.
type Faults struct {
	Next        []Fault
	Rate        float64
	Kinds       []FaultKind
	Seed        uint64
	Latency     time.Duration
	LatencyFunc func(call int) time.Duration
}

// Recorded is one request received by the fake.
type Recorded struct {
	Time   time.Time
	Method string
	Path   string
	// Header holds the request headers without Authorization and Cookie.
	Header http.Header
	Body   []byte
	// Status answered; 0 for a dropped connection.
	Status int
}

// Stats counts the calls received.
type Stats struct {
	Calls    int
	ByStatus map[int]int
	Dropped  int
}

// Server is the fake OpenAI-compatible server.
type Server struct {
	opts Options
	srv  *httptest.Server
	mux  *http.ServeMux
	now  func() time.Time

	mu       sync.Mutex
	rng      *rand.Rand
	faults   Faults
	next     []Fault
	frng     *rand.Rand
	calls    int
	recorded []*Recorded
}

// New starts a fake on a local httptest server.
func New(opts Options) *Server {
	s := NewUnstarted(opts)
	s.srv = httptest.NewServer(s)
	return s
}

// NewUnstarted returns a fake that is not listening (it is an http.Handler).
func NewUnstarted(opts Options) *Server {
	if len(opts.Models) == 0 {
		opts.Models = []string{"llama3.2"}
	}
	s := &Server{opts: opts, now: opts.Now, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed+1))}
	if s.now == nil {
		s.now = time.Now
	}
	s.SetFaults(opts.Faults)
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/chat/completions", s.handleChat)
	m.HandleFunc("GET /v1/models", s.handleModels)
	s.mux = m
	return s
}

// URL is the server's root; give the SDK URL()+"/v1/".
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// Close stops the server.
func (s *Server) Close() {
	if s.srv != nil {
		s.srv.Close()
	}
}

// SetFaults replaces the fault plan.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.next = slices.Clone(f.Next)
	s.frng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	s.calls = 0
}

// FailNext makes the next n calls fail with f (after any already queued).
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.next = append(s.next, f)
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

// Stats counts the requests received.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{ByStatus: map[int]int{}}
	for _, r := range s.recorded {
		st.Calls++
		if r.Status == 0 {
			st.Dropped++
		} else {
			st.ByStatus[r.Status]++
		}
	}
	return st
}

// Reset forgets the recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = nil
}

func (s *Server) draw() (f Fault, latency time.Duration, fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	latency = s.faults.Latency
	if s.faults.LatencyFunc != nil {
		latency += s.faults.LatencyFunc(s.calls)
	}
	if len(s.next) > 0 {
		f = s.next[0]
		s.next = s.next[1:]
		return f, latency + f.Latency, f.Kind != "" && f.Kind != Slow
	}
	if s.faults.Rate > 0 && s.frng.Float64() < s.faults.Rate {
		k := ServerError
		if len(s.faults.Kinds) > 0 {
			k = s.faults.Kinds[s.frng.IntN(len(s.faults.Kinds))]
		}
		return Fault{Kind: k}, latency, k != Slow
	}
	return Fault{}, latency, false
}

const idChars = "0123456789abcdefghijklmnopqrstuvwxyz"

func (s *Server) newID(prefix string, n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		b.WriteByte(idChars[s.rng.IntN(len(idChars))])
	}
	return b.String()
}

// statusWriter remembers the status answered, for the recorder.
type statusWriter = fakehttp.StatusWriter

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	rec := &Recorded{Time: s.now(), Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	rec.Header.Del("Authorization")
	rec.Header.Del("Cookie")
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
	w.Header().Set("x-request-id", s.newID("req_", 24))
	if err != nil {
		writeError(w, invalid("", "could not read the request body"))
		return
	}
	if s.opts.APIKey != "" {
		got := r.Header.Get("Authorization")
		if !strings.HasPrefix(got, "Bearer ") || strings.TrimPrefix(got, "Bearer ") != s.opts.APIKey {
			writeError(w, &APIError{Status: http.StatusUnauthorized, Type: "invalid_request_error", Code: "invalid_api_key",
				Message: "Incorrect API key provided."})
			return
		}
	}
	f, latency, fail := s.draw()
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
			fakehttp.Drop(sw)
			return
		case RateLimited:
			ra := f.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			writeError(w, &APIError{Status: http.StatusTooManyRequests, Type: "requests", Code: "rate_limit_exceeded",
				Message: "Rate limit reached for requests. Please try again later.", RetryAfter: ra})
		default:
			writeError(w, &APIError{Status: http.StatusInternalServerError, Type: "server_error",
				Message: "The server had an error while processing your request. Sorry about that!"})
		}
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if _, pattern := s.mux.Handler(r); pattern == "" {
		writeError(w, &APIError{Status: http.StatusNotFound, Type: "invalid_request_error",
			Message: fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path)})
		return
	}
	s.mux.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func writeError(w http.ResponseWriter, e *APIError) {
	if e.RetryAfter > 0 {
		w.Header().Set("retry-after", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	writeJSON(w, e.Status, map[string]any{"error": map[string]any{
		"message": e.Message, "type": e.Type, "param": nullable(e.Param), "code": nullable(e.Code),
	}})
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	data := make([]any, 0, len(s.opts.Models))
	for _, m := range s.opts.Models {
		data = append(data, map[string]any{"id": m, "object": "model", "created": 1735689600, "owned_by": "library"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data})
}

// contentText reads a message content: a string or an array of parts.
func contentText(v any, where string) (text string, images int, e *APIError) {
	switch c := v.(type) {
	case nil:
		return "", 0, nil
	case string:
		return c, 0, nil
	case []any:
		var parts []string
		for i, x := range c {
			p, ok := x.(map[string]any)
			if !ok {
				return "", 0, invalid(where, "%s[%d]: expected an object", where, i)
			}
			switch p["type"] {
			case "text":
				t, _ := p["text"].(string)
				parts = append(parts, t)
			case "image_url":
				images++
			default:
				return "", 0, invalid(where, "%s[%d].type: unsupported content part type %v", where, i, p["type"])
			}
		}
		return strings.Join(parts, "\n\n"), images, nil
	default:
		return "", 0, invalid(where, "%s: expected a string or an array of content parts", where)
	}
}

type chatReq struct {
	req        Request
	stream     bool
	usageChunk bool
	promptToks int
}

func (s *Server) parseChat(body []byte) (*chatReq, *APIError) {
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, invalid("", "We could not parse the JSON body of your request.")
	}
	q := &chatReq{}
	model, _ := raw["model"].(string)
	if model == "" {
		return nil, invalid("model", "you must provide a model parameter")
	}
	if s.opts.StrictModels && !slices.Contains(s.opts.Models, model) {
		return nil, &APIError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "model_not_found", Param: "model",
			Message: fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model)}
	}
	q.req.Model = model
	msgs, _ := raw["messages"].([]any)
	if len(msgs) == 0 {
		return nil, invalid("messages", "[] is too short - 'messages'")
	}
	var sys, user []string
	for i, x := range msgs {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, invalid(fmt.Sprintf("messages[%d]", i), "messages[%d]: expected an object", i)
		}
		role, _ := m["role"].(string)
		switch role {
		case "system", "developer", "user", "assistant", "tool", "function":
		default:
			return nil, invalid(fmt.Sprintf("messages[%d].role", i), "Invalid value for 'messages[%d].role': %q", i, role)
		}
		text, images, e := contentText(m["content"], fmt.Sprintf("messages[%d].content", i))
		if e != nil {
			return nil, e
		}
		q.req.Messages = append(q.req.Messages, Message{Role: role, Text: text, Images: images})
		q.req.Images += images
		q.promptToks += anthropicfake.EstimateTokens(text) + 1600*images
		switch role {
		case "system", "developer":
			sys = append(sys, text)
		case "user":
			user = append(user, text)
		}
	}
	q.req.System = strings.Join(sys, "\n\n")
	q.req.User = strings.Join(user, "\n\n")
	q.stream, _ = raw["stream"].(bool)
	if so, ok := raw["stream_options"].(map[string]any); ok {
		q.usageChunk, _ = so["include_usage"].(bool)
	}

	q.req.Format = "text"
	if rf, ok := raw["response_format"].(map[string]any); ok {
		switch typ, _ := rf["type"].(string); typ {
		case "text", "":
		case "json_object":
			q.req.Format = "json_object"
			q.req.Schema, _ = rf["schema"].(map[string]any)
		case "json_schema":
			if s.opts.RejectJSONSchema {
				return nil, invalid("response_format", "response_format type must be one of \"text\" or \"json_object\", but got: json_schema")
			}
			js, _ := rf["json_schema"].(map[string]any)
			if js == nil {
				return nil, invalid("response_format.json_schema", "Missing required parameter: 'response_format.json_schema'.")
			}
			if name, _ := js["name"].(string); name == "" {
				return nil, invalid("response_format.json_schema.name", "Missing required parameter: 'response_format.json_schema.name'.")
			}
			q.req.Format = "json_schema"
			q.req.Schema, _ = js["schema"].(map[string]any)
			if q.req.Schema == nil {
				q.req.Schema = map[string]any{"type": "object"}
			}
		default:
			return nil, invalid("response_format.type", "Invalid value: '%s'. Supported values are: 'json_object', 'json_schema', and 'text'.", typ)
		}
	}
	return q, nil
}

func (s *Server) respond(req Request) (map[string]any, error) {
	if s.opts.Responder != nil {
		return s.opts.Responder(req)
	}
	schema := req.Schema
	if schema == nil {
		schema = s.opts.FallbackSchema
	}
	if schema == nil {
		return map[string]any{"answer": "This is a sample answer from the OpenAI-compatible fake."}, nil
	}
	v := anthropicfake.FillSchema(schema)
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	return map[string]any{"value": v}, nil
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	q, e := s.parseChat(body)
	if e != nil {
		writeError(w, e)
		return
	}
	out, err := s.respond(q.req)
	if err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			ae = &APIError{Status: 500, Type: "server_error", Message: err.Error()}
		}
		writeError(w, ae)
		return
	}
	js, err := json.Marshal(out)
	if err != nil {
		writeError(w, &APIError{Status: 500, Type: "server_error", Message: "fake: responder answer is not JSON"})
		return
	}
	content := string(js)
	if q.req.Format == "text" {
		content = "Sure! Here is the JSON you asked for:\n\n```json\n" + indent(js) + "\n```\n"
	}
	completion := max(1, (utf8.RuneCountInString(content)+3)/4)
	id := s.newID("chatcmpl-", 24)
	created := s.now().Unix()
	usage := map[string]any{"prompt_tokens": q.promptToks, "completion_tokens": completion, "total_tokens": q.promptToks + completion}
	if q.stream {
		s.stream(w, q, id, created, content, usage)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                 id,
		"object":             "chat.completion",
		"created":            created,
		"model":              q.req.Model,
		"system_fingerprint": "fp_fake",
		"choices": []any{map[string]any{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": "stop",
		}},
		"usage": usage,
	})
}

func indent(js []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, js, "", "  ") != nil {
		return string(js)
	}
	return b.String()
}

func (s *Server) stream(w http.ResponseWriter, q *chatReq, id string, created int64, content string, usage map[string]any) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	send := func(delta map[string]any, finish any, u any) {
		chunk := map[string]any{
			"id": id, "object": "chat.completion.chunk", "created": created, "model": q.req.Model,
			"system_fingerprint": "fp_fake",
			"choices":            []any{},
		}
		if delta != nil {
			chunk["choices"] = []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}
		}
		if u != nil {
			chunk["usage"] = u
		}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	send(map[string]any{"role": "assistant", "content": ""}, nil, nil)
	rs := []rune(content)
	size := max(1, (len(rs)+3)/4)
	for i := 0; i < len(rs); i += size {
		send(map[string]any{"content": string(rs[i:min(i+size, len(rs))])}, nil, nil)
	}
	send(map[string]any{}, "stop", nil)
	if q.usageChunk {
		send(nil, nil, usage)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}
