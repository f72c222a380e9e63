package telemetry

import (
	"context"
	"sync"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	clientIPKey
	requestInfoKey
)

// requestInfo is the mutable per-request holder AccessLog puts in the
// context, so middleware deeper in the chain can record facts (the user id)
// that the access log line, written after the handler returns, includes.
type requestInfo struct {
	mu     sync.Mutex
	userID string
}

// WithRequestID returns a copy of ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id in ctx, or "" if there is none.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// SetUserID records the signed-in user's id for the current request, so the
// access log line names the user. It writes into the holder AccessLog put in
// ctx and is a no-op when ctx did not come through AccessLog. It is safe to
// call from any goroutine.
func SetUserID(ctx context.Context, id string) {
	info, _ := ctx.Value(requestInfoKey).(*requestInfo)
	if info == nil {
		return
	}
	info.mu.Lock()
	info.userID = id
	info.mu.Unlock()
}

// UserIDFrom returns the user id recorded by SetUserID for the request of
// ctx, or "" if the request is anonymous or did not come through AccessLog.
func UserIDFrom(ctx context.Context) string {
	info, _ := ctx.Value(requestInfoKey).(*requestInfo)
	if info == nil {
		return ""
	}
	info.mu.Lock()
	defer info.mu.Unlock()
	return info.userID
}

// ClientIPFrom returns the client IP address AccessLog resolved for the
// request of ctx (see ClientIP), or "" if ctx did not come through AccessLog.
func ClientIPFrom(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey).(string)
	return ip
}

func withClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey, ip)
}

func withRequestInfo(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestInfoKey, &requestInfo{})
}
