package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	okBody          = `{"status":"ok"}` + "\n"
	unavailableBody = `{"status":"unavailable","error":"database unreachable"}` + "\n"
)

// Not parallel: it replaces slog.Default to see what is logged.
func TestHealthHandler(t *testing.T) {
	var logs syncBuffer
	old := slog.Default()
	slog.SetDefault(NewLogger(&logs, FormatJSON, slog.LevelInfo))
	t.Cleanup(func() { slog.SetDefault(old) })

	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })

	const rawErr = "dial tcp 10.0.0.3:5432: password authentication failed for user app"
	tests := []struct {
		name       string
		method     string
		check      func(context.Context) error
		wantStatus int
		wantBody   string
		wantLog    string
	}{
		{"nil check", "GET", nil, 200, okBody, ""},
		{"healthy", "GET", func(context.Context) error { return nil }, 200, okBody, ""},
		{"head", "HEAD", func(context.Context) error { return nil }, 200, okBody, ""}, // net/http drops the body
		{"failing", "GET", func(context.Context) error { return errors.New(rawErr) }, 503, unavailableBody, rawErr},
		{"honours timeout", "GET", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, 503, unavailableBody, "deadline exceeded"},
		{"ignores timeout", "GET", func(context.Context) error { <-stuck; return nil }, 503, unavailableBody, "deadline exceeded"},
		{"panicking check", "GET", func(context.Context) error { panic("nil map") }, 503, unavailableBody, "panicked"},
		{"post", "POST", func(context.Context) error { return nil }, 405, "Method Not Allowed\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(logs.String())
			rec := httptest.NewRecorder()
			start := time.Now()
			healthHandler(tt.check, 50*time.Millisecond).ServeHTTP(rec, httptest.NewRequest(tt.method, "/healthz", nil))
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if rec.Code != http.StatusMethodNotAllowed {
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			logged := logs.String()[before:]
			if tt.wantLog != "" && !strings.Contains(logged, tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logged)
			}
			if tt.wantLog == "" && logged != "" {
				t.Errorf("unexpected log:\n%s", logged)
			}
		})
	}
}

func TestHealthHandlerTimeoutIsTwoSeconds(t *testing.T) {
	t.Parallel()
	var left time.Duration
	HealthHandler(func(ctx context.Context) error {
		d, ok := ctx.Deadline()
		if !ok {
			t.Error("check context has no deadline")
		}
		left = time.Until(d)
		return nil
	}).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if left <= time.Second || left > 2*time.Second {
		t.Errorf("deadline in %v, want 2s", left)
	}
}
