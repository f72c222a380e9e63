package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"
)

var hexID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestAccessLogRecord(t *testing.T) {
	t.Parallel()
	var b syncBuffer
	logger := NewLogger(&b, FormatJSON, slog.LevelInfo)

	var seenID, seenIP string
	h := AccessLog(logger, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenID = RequestID(r.Context())
		seenIP = ClientIPFrom(r.Context())
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, "hello")
	}))

	req := httptest.NewRequest(http.MethodPost, "/reset/confirm?token=s3cr3t&page=2", nil)
	req.RemoteAddr = "203.0.113.7:5555"
	req.Header.Set("User-Agent", "Mozilla/5.0 (test)")
	req.Header.Set("X-Request-Id", "client-chosen-id")
	rec := httptest.NewRecorder()
	before := time.Now()
	h.ServeHTTP(rec, req)

	id := rec.Header().Get(RequestIDHeader)
	if !hexID.MatchString(id) {
		t.Fatalf("X-Request-Id = %q, want 16 hex digits", id)
	}
	if seenID != id {
		t.Errorf("RequestID(ctx) = %q, want the header %q", seenID, id)
	}
	if seenIP != "203.0.113.7" {
		t.Errorf("ClientIPFrom(ctx) = %q, want 203.0.113.7", seenIP)
	}

	out := b.String()
	for _, leak := range []string{"s3cr3t", "token", "page=2", "?", "client-chosen-id"} {
		if strings.Contains(out, leak) {
			t.Errorf("access log contains %q:\n%s", leak, out)
		}
	}
	r := record(t, &b, "http request")
	want := map[string]any{
		"level":      "INFO",
		"request_id": id,
		"client_ip":  "203.0.113.7",
		"user_agent": "Mozilla/5.0 (test)",
		"method":     "POST",
		"path":       "/reset/confirm",
		"status":     float64(201),
		"bytes":      float64(5),
		"user_id":    "",
	}
	for k, v := range want {
		if got, ok := r[k]; !ok || got != v {
			t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, v)
		}
	}
	if d, ok := r["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("duration_ms = %#v, want a non-negative number", r["duration_ms"])
	}
	ts, _ := r["time"].(string)
	tm, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil || !strings.HasSuffix(ts, "Z") {
		t.Errorf("time = %q (%v), want RFC 3339 in UTC", ts, err)
	}
	if tm.Before(before.Add(-time.Second)) || tm.After(time.Now().Add(time.Second)) {
		t.Errorf("time = %v, want about now", tm)
	}
	if len(r) != len(want)+3 { // + msg, time, duration_ms
		t.Errorf("record has fields %v, want exactly the documented ones", r)
	}
}

func TestAccessLogFreshIDs(t *testing.T) {
	t.Parallel()
	h := AccessLog(slog.New(slog.DiscardHandler), nil)(http.NotFoundHandler())
	seen := map[string]bool{}
	for range 50 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		id := rec.Header().Get(RequestIDHeader)
		if !hexID.MatchString(id) || seen[id] {
			t.Fatalf("request id %q is malformed or repeated", id)
		}
		seen[id] = true
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy", "203.0.113.7:5555", nil, trusted, "203.0.113.7"},
		{"untrusted peer's XFF ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, trusted, "203.0.113.7"},
		{"no trusted list ignores XFF", "10.0.0.2:80", []string{"198.51.100.1"}, nil, "10.0.0.2"},
		{"trusted proxy", "10.0.0.2:80", []string{"198.51.100.1"}, trusted, "198.51.100.1"},
		{"forged left entries ignored", "10.0.0.2:80", []string{"1.2.3.4, 198.51.100.1, 10.0.0.9"}, trusted, "198.51.100.1"},
		{"several header lines", "10.0.0.2:80", []string{"1.2.3.4", "198.51.100.1,10.0.0.9"}, trusted, "198.51.100.1"},
		{"all hops trusted", "10.0.0.2:80", []string{"10.1.1.1, 10.0.0.9"}, trusted, "10.1.1.1"},
		{"trusted proxy without XFF", "10.0.0.2:80", nil, trusted, "10.0.0.2"},
		{"garbage XFF", "10.0.0.2:80", []string{"198.51.100.1, not-an-ip"}, trusted, "10.0.0.2"},
		{"ipv6 peer", "[2001:db8::1]:443", []string{"198.51.100.1"}, trusted, "2001:db8::1"},
		{"ipv6 trusted proxy", "[fd00::2]:443", []string{"2001:db8::7"}, trusted, "2001:db8::7"},
		{"mapped ipv4", "[::ffff:203.0.113.9]:1", nil, trusted, "203.0.113.9"},
		{"not an ip", "@", []string{"198.51.100.1"}, trusted, "@"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			newReq := func() *http.Request {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.RemoteAddr = tt.remote
				for _, v := range tt.xff {
					r.Header.Add("X-Forwarded-For", v)
				}
				return r
			}
			if got := ClientIP(newReq(), tt.trusted); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}

			// The same address reaches handlers and the access log.
			var b syncBuffer
			var fromCtx string
			h := AccessLog(NewLogger(&b, FormatJSON, slog.LevelInfo), tt.trusted)(
				http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fromCtx = ClientIPFrom(r.Context()) }))
			h.ServeHTTP(httptest.NewRecorder(), newReq())
			if fromCtx != tt.want {
				t.Errorf("ClientIPFrom = %q, want %q", fromCtx, tt.want)
			}
			if got := record(t, &b, "http request")["client_ip"]; got != tt.want {
				t.Errorf("logged client_ip = %v, want %q", got, tt.want)
			}
		})
	}
}

type principalKey struct{}

// auth stands in for the real auth middleware: deeper in the chain, it
// records the user and replaces the request context.
func auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := r.Header.Get("X-Test-User")
		if u != "" {
			SetUserID(r.Context(), u)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, u)))
	})
}

func TestAccessLogUserIDFromDeepInChain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user string
	}{
		{"signed in", "usr_123"},
		{"anonymous", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b syncBuffer
			var inHandler string
			h := AccessLog(NewLogger(&b, FormatJSON, slog.LevelInfo), nil)(auth(
				http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { inHandler = UserIDFrom(r.Context()) })))
			req := httptest.NewRequest(http.MethodGet, "/dashboard", nil)
			if tt.user != "" {
				req.Header.Set("X-Test-User", tt.user)
			}
			h.ServeHTTP(httptest.NewRecorder(), req)
			if inHandler != tt.user {
				t.Errorf("UserIDFrom in handler = %q, want %q", inHandler, tt.user)
			}
			r := record(t, &b, "http request")
			if got, ok := r["user_id"]; !ok || got != tt.user {
				t.Errorf("logged user_id = %#v (present %v), want %q", got, ok, tt.user)
			}
		})
	}
}

func TestSetUserIDWithoutAccessLog(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	SetUserID(ctx, "usr_1") // must not panic
	if got := UserIDFrom(ctx); got != "" {
		t.Errorf("UserIDFrom = %q, want empty", got)
	}
	if got := RequestID(WithRequestID(ctx, "abc")); got != "abc" {
		t.Errorf("RequestID = %q, want abc", got)
	}
}

func TestAccessLogDefaultsAndPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus float64
		wantBytes  float64
		wantPanic  bool
	}{
		{"nothing written", func(w http.ResponseWriter, r *http.Request) {}, 200, 0, false},
		{"write without header", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "abc") }, 200, 3, false},
		{"early hints then 404", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusNotFound)
		}, 404, 0, false},
		{"panic before writing", func(w http.ResponseWriter, r *http.Request) { panic("boom") }, 500, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b syncBuffer
			h := AccessLog(NewLogger(&b, FormatJSON, slog.LevelInfo), nil)(tt.handler)
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
				return false
			}()
			if panicked != tt.wantPanic {
				t.Errorf("panic propagated = %v, want %v", panicked, tt.wantPanic)
			}
			r := record(t, &b, "http request")
			if r["status"] != tt.wantStatus || r["bytes"] != tt.wantBytes {
				t.Errorf("status, bytes = %v, %v; want %v, %v", r["status"], r["bytes"], tt.wantStatus, tt.wantBytes)
			}
		})
	}
}

func TestWrappedWriterKeepsFlusherAndResponseController(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	logger := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			t.Error("ResponseWriter is not an http.Flusher")
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("ResponseController.SetWriteDeadline: %v", err)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		f.Flush()
		_, _ = io.WriteString(w, "data: two\n\n")
		if err := rc.Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
	})
	srv := httptest.NewServer(AccessLog(logger, nil)(Recoverer(logger)(m.Middleware(mux))))
	t.Cleanup(srv.Close)

	res, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if string(body) != "data: one\n\ndata: two\n\n" {
		t.Errorf("body = %q", body)
	}

	rec := httptest.NewRecorder()
	AccessLog(logger, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if !rec.Flushed {
		t.Error("Flush did not reach the underlying ResponseWriter")
	}
}
