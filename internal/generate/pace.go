package generate

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacer paces every HTTP attempt to a model provider, retries included, at
// the configured rate, and tightens itself from what the provider says: its
// rate-limit headers (anthropic-ratelimit-requests-limit, -remaining, -reset)
// and retry-after. Providers install it as SDK middleware.
type Pacer struct {
	lim *rate.Limiter

	mu        sync.Mutex
	notBefore time.Time
}

// NewPacer allows perMinute requests a minute (with a burst of a second's worth).
func NewPacer(perMinute int) *Pacer {
	perSec := float64(max(1, perMinute)) / 60
	return &Pacer{lim: rate.NewLimiter(rate.Limit(perSec), max(1, perMinute/60))}
}

// Limit is the current rate in requests per second.
func (p *Pacer) Limit() float64 { return float64(p.lim.Limit()) }

// Wait blocks until the next request may go.
func (p *Pacer) Wait(ctx context.Context) error {
	p.mu.Lock()
	hold := time.Until(p.notBefore)
	p.mu.Unlock()
	if hold > 0 {
		t := time.NewTimer(hold)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return p.lim.Wait(ctx)
}

// Observe reads a response's rate-limit headers: a lower server limit lowers
// the pace for good; an exhausted window or a retry-after holds every
// request until the server says it may go.
func (p *Pacer) Observe(h http.Header) {
	if v := h.Get("anthropic-ratelimit-requests-limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			if perSec := float64(n) / 60; perSec < float64(p.lim.Limit()) {
				p.lim.SetLimit(rate.Limit(perSec))
				p.lim.SetBurst(max(1, n/60))
			}
		}
	}
	var until time.Time
	if h.Get("anthropic-ratelimit-requests-remaining") == "0" {
		if t, err := time.Parse(time.RFC3339, h.Get("anthropic-ratelimit-requests-reset")); err == nil {
			until = t
		}
	}
	if v := h.Get("retry-after"); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs > 0 {
			if t := time.Now().Add(time.Duration(secs * float64(time.Second))); t.After(until) {
				until = t
			}
		}
	}
	if until.IsZero() || time.Until(until) > 5*time.Minute {
		return // no hold, or an implausible one
	}
	p.mu.Lock()
	if until.After(p.notBefore) {
		p.notBefore = until
	}
	p.mu.Unlock()
}

// Middleware is the pacer as an HTTP round-trip wrapper, the shape both
// official SDKs take (option.WithMiddleware).
func (p *Pacer) Middleware(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if err := p.Wait(req.Context()); err != nil {
		return nil, err
	}
	resp, err := next(req)
	if resp != nil {
		p.Observe(resp.Header)
	}
	return resp, err
}
