package telemetry

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecovererHidesPanic(t *testing.T) {
	t.Parallel()
	var b syncBuffer
	logger := NewLogger(&b, FormatJSON, slog.LevelInfo)
	outer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Frame-Options", "DENY")
			next.ServeHTTP(w, r)
		})
	}
	h := AccessLog(logger, nil)(outer(Recoverer(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "half=done")
		w.Header().Set("Content-Type", "application/json")
		panic("query failed: dial postgres://app:hunter2@db/prod")
	}))))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))

	id := rec.Header().Get(RequestIDHeader)
	if !hexID.MatchString(id) {
		t.Fatalf("X-Request-Id = %q", id)
	}
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	if want := "Internal Server Error (request id " + id + ")\n"; rec.Body.String() != want {
		t.Errorf("body = %q, want %q", rec.Body.String(), want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if rec.Header().Get("Set-Cookie") != "" {
		t.Error("the panicking handler's Set-Cookie was sent")
	}
	if rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Error("an outer middleware's header was dropped")
	}

	p := record(t, &b, "panic in http handler")
	if p["request_id"] != id || p["level"] != "ERROR" || p["path"] != "/boom" {
		t.Errorf("panic record = %v", p)
	}
	if s, _ := p["panic"].(string); !strings.Contains(s, "query failed") {
		t.Errorf("panic value not logged: %v", p["panic"])
	}
	if s, _ := p["stack"].(string); !strings.Contains(s, "goroutine") || !strings.Contains(s, "recover_test.go") {
		t.Errorf("stack not logged: %.200v", p["stack"])
	}
	if a := record(t, &b, "http request"); a["status"] != float64(500) || a["request_id"] != id {
		t.Errorf("access record = %v, want status 500 and the same id", a)
	}
}

func TestRecovererWithoutAccessLogMakesUpID(t *testing.T) {
	t.Parallel()
	var b syncBuffer
	h := Recoverer(NewLogger(&b, FormatJSON, slog.LevelInfo))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	id := rec.Header().Get(RequestIDHeader)
	if !hexID.MatchString(id) || !strings.Contains(rec.Body.String(), id) {
		t.Errorf("id %q, body %q", id, rec.Body.String())
	}
	if got := record(t, &b, "panic in http handler")["request_id"]; got != id {
		t.Errorf("logged request_id = %v, want %q", got, id)
	}
}

func TestRecovererAborts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		logged  bool
	}{
		{"ErrAbortHandler is re-panicked", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }, false},
		{"panic after the response started aborts it", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"items":[`)
			panic("boom")
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b syncBuffer
			h := Recoverer(NewLogger(&b, FormatJSON, slog.LevelInfo))(tt.handler)
			rec := httptest.NewRecorder()
			got := func() (p any) {
				defer func() { p = recover() }()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				return nil
			}()
			if got != http.ErrAbortHandler { //nolint:errorlint // identity is the contract
				t.Errorf("recovered %v, want http.ErrAbortHandler", got)
			}
			if strings.Contains(rec.Body.String(), "Internal Server Error") {
				t.Errorf("body = %q, want no error page appended", rec.Body.String())
			}
			if logged := strings.Contains(b.String(), "panic in http handler"); logged != tt.logged {
				t.Errorf("panic logged = %v, want %v", logged, tt.logged)
			}
		})
	}
}
