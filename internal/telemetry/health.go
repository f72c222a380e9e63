package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// healthTimeout bounds the health check.
const healthTimeout = 2 * time.Second

// HealthHandler returns the /healthz handler. On GET (or HEAD) it runs check
// with a 2 second timeout and answers 200 {"status":"ok"}, or 503
// {"status":"unavailable","error":"database unreachable"} when check fails
// or times out. The error itself is logged through slog.Default, never sent
// to the client. Other methods get 405. A nil check always passes.
func HealthHandler(check func(ctx context.Context) error) http.Handler {
	return healthHandler(check, healthTimeout)
}

func healthHandler(check func(ctx context.Context) error, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if err := runCheck(r.Context(), check, timeout); err != nil {
			slog.Default().ErrorContext(r.Context(), "health check failed",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("error", err.Error()))
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"unavailable","error":"database unreachable"}` + "\n"))
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
}

// runCheck runs check with a timeout, and returns when the timeout expires
// even if check ignores its context.
func runCheck(ctx context.Context, check func(ctx context.Context) error, timeout time.Duration) error {
	if check == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- errors.New("health check panicked")
			}
		}()
		done <- check(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
