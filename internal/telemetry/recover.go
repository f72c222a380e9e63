package telemetry

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recoverer returns middleware that turns a panic in a handler into a
// generic 500 response. The panic value and stack are logged at Error with
// the request id; the client gets only the plain-text body
// "Internal Server Error (request id X)". Headers the handler set before
// panicking are dropped (those set by outer middleware are kept). If the
// handler had already started the response, the 500 can no longer be sent,
// so the panic is logged and the connection aborted instead.
// http.ErrAbortHandler is re-panicked untouched, as net/http expects.
//
// Without AccessLog in front, Recoverer makes up a request id for the log
// record and the response.
func Recoverer(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			before := w.Header().Clone()
			sw := &statusWriter{ResponseWriter: w}
			defer func() {
				p := recover()
				if p == nil {
					return
				}
				if p == http.ErrAbortHandler { //nolint:errorlint // net/http compares it the same way
					panic(p)
				}
				ctx := r.Context()
				id := RequestID(ctx)
				if id == "" {
					id = newRequestID()
				}
				logger.ErrorContext(ctx, "panic in http handler",
					slog.String("request_id", id),
					slog.String("method", r.Method),
					slog.String("path", truncate(r.URL.Path, maxLoggedPath)),
					slog.String("panic", fmt.Sprint(p)),
					slog.String("stack", string(debug.Stack())),
				)
				if sw.status != 0 {
					// Headers are gone; a truncated body must not pass for a
					// complete one.
					panic(http.ErrAbortHandler)
				}
				h := w.Header()
				clear(h)
				for k, v := range before {
					h[k] = v
				}
				h.Set(RequestIDHeader, id)
				h.Set("Content-Type", "text/plain; charset=utf-8")
				h.Set("X-Content-Type-Options", "nosniff")
				h.Set("Cache-Control", "no-store")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprintf(w, "Internal Server Error (request id %s)\n", id)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}
