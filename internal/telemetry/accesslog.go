package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// RequestIDHeader is the response header that carries the request id.
const RequestIDHeader = "X-Request-Id"

// Limits on the free-text fields of an access log record, so one request
// cannot write megabytes of log.
const (
	maxLoggedPath      = 1024
	maxLoggedUserAgent = 512
)

// AccessLog returns middleware that gives every request a fresh random
// request id (16 hex digits; an id sent by the client is never reused), sets
// it as the X-Request-Id response header, puts it, the client IP (see
// ClientIP) and a user-id holder (see SetUserID) in the request context,
// and after the handler returns logs one record "http request" at Info with
// request_id, client_ip, user_agent, method, path, status, bytes,
// duration_ms and user_id. The record's time is the time the request
// arrived, in UTC. The path is the URL path only: the query string, which
// may hold tokens, is never logged.
//
// Put AccessLog outermost, then Recoverer, so a panic is logged as a 500.
func AccessLog(logger *slog.Logger, trustedProxies []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := newRequestID()
			ip := ClientIP(r, trustedProxies)
			ctx := withRequestInfo(WithRequestID(r.Context(), id))
			ctx = withClientIP(ctx, ip)
			w.Header().Set(RequestIDHeader, id)
			sw := &statusWriter{ResponseWriter: w}
			completed := false
			defer func() {
				status := sw.status
				if status == 0 {
					status = http.StatusOK
					if !completed {
						// The handler panicked or aborted before writing.
						status = http.StatusInternalServerError
					}
				}
				logAccess(ctx, logger, start, r, accessFields{
					id: id, ip: ip, status: status, bytes: sw.bytes,
					dur: time.Since(start), user: UserIDFrom(ctx),
				})
			}()
			next.ServeHTTP(sw, r.WithContext(ctx))
			completed = true
		})
	}
}

type accessFields struct {
	id, ip, user string
	status       int
	bytes        int64
	dur          time.Duration
}

func logAccess(ctx context.Context, logger *slog.Logger, start time.Time, r *http.Request, f accessFields) {
	h := logger.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	rec := slog.NewRecord(start.UTC(), slog.LevelInfo, "http request", 0)
	rec.AddAttrs(
		slog.String("request_id", f.id),
		slog.String("client_ip", f.ip),
		slog.String("user_agent", truncate(r.UserAgent(), maxLoggedUserAgent)),
		slog.String("method", r.Method),
		slog.String("path", truncate(r.URL.Path, maxLoggedPath)),
		slog.Int("status", f.status),
		slog.Int64("bytes", f.bytes),
		slog.Float64("duration_ms", float64(f.dur.Microseconds())/1000),
		slog.String("user_id", f.user),
	)
	_ = h.Handle(ctx, rec)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}

// ClientIP returns the IP address of the client that sent r. It is the peer
// address of the connection (r.RemoteAddr), unless that peer is inside
// trusted (a reverse proxy PlutoPro sits behind): then it is the right-most
// X-Forwarded-For address that is not inside trusted, since addresses
// further left were written by the client and can be forged. If every
// forwarded address is trusted, it is the left-most one. An unparsable
// X-Forwarded-For entry stops the walk at the last trusted hop. If
// RemoteAddr is not an IP address (a Unix socket, say), it is returned as is.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer, ok := parseAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !inPrefixes(peer, trusted) {
		return peer.String()
	}
	hop := peer
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		parts := strings.Split(values[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			p := strings.TrimSpace(parts[j])
			if p == "" {
				continue
			}
			a, ok := parseAddr(p)
			if !ok {
				return hop.String()
			}
			if !inPrefixes(a, trusted) {
				return a.String()
			}
			hop = a
		}
	}
	return hop.String()
}

// parseAddr parses "ip", "ip:port" or "[ipv6]:port", unmapping IPv4-in-IPv6.
func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	a = a.WithZone("")
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// statusWriter records the status code and body size of a response. It
// keeps http.Flusher working and exposes the wrapped writer through Unwrap,
// so http.ResponseController reaches Hijack, SetReadDeadline and the rest.
type statusWriter struct {
	http.ResponseWriter
	status int   // final status written, 0 until then
	bytes  int64 // body bytes written
}

func (w *statusWriter) WriteHeader(code int) {
	// 1xx responses other than 101 are informational; the final status
	// comes later.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush sends any buffered data to the client, committing a 200 status if
// none was written.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var _ http.Flusher = (*statusWriter)(nil)
