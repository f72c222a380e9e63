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
	// tokens paces input tokens a minute; nil until configured or learned
	// from anthropic-ratelimit-input-tokens-limit.
	tokens *rate.Limiter
}

// NewPacer allows perMinute requests a minute (with a burst of a second's worth).
func NewPacer(perMinute int) *Pacer {
	perSec := float64(max(1, perMinute)) / 60
	return &Pacer{lim: rate.NewLimiter(rate.Limit(perSec), max(1, perMinute/60))}
}

// LimitInputTokens paces input tokens too, at perMinute (0 leaves it to the
// provider's headers).
func (p *Pacer) LimitInputTokens(perMinute int) {
	if perMinute <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setTokensLocked(perMinute)
}

func (p *Pacer) setTokensLocked(perMinute int) {
	perSec := rate.Limit(float64(perMinute) / 60)
	if p.tokens == nil {
		// The bucket holds a minute's worth: one large prompt must fit.
		p.tokens = rate.NewLimiter(perSec, perMinute)
		return
	}
	if perSec < p.tokens.Limit() {
		p.tokens.SetLimit(perSec)
		p.tokens.SetBurst(perMinute)
	}
}

// InputTokenLimit is the input-token pace per second (0: none).
func (p *Pacer) InputTokenLimit() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tokens == nil {
		return 0
	}
	return float64(p.tokens.Limit())
}

// waitTokens waits for an estimated n input tokens.
func (p *Pacer) waitTokens(ctx context.Context, n int) error {
	p.mu.Lock()
	tl := p.tokens
	p.mu.Unlock()
	if tl == nil || n <= 0 {
		return nil
	}
	return tl.WaitN(ctx, min(n, tl.Burst()))
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
	if v := h.Get("anthropic-ratelimit-input-tokens-limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			p.mu.Lock()
			p.setTokensLocked(n)
			p.mu.Unlock()
		}
	}
	if v := h.Get("anthropic-ratelimit-requests-limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			if perSec := float64(n) / 60; perSec < float64(p.lim.Limit()) {
				p.lim.SetLimit(rate.Limit(perSec))
				p.lim.SetBurst(max(1, n/60))
			}
		}
	}
	var until time.Time
	// An exhausted window (requests, input or output tokens) holds every
	// request until it resets.
	for _, kind := range []string{"requests", "input-tokens", "output-tokens", "tokens"} {
		if h.Get("anthropic-ratelimit-"+kind+"-remaining") != "0" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, h.Get("anthropic-ratelimit-"+kind+"-reset")); err == nil && t.After(until) {
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
	// About four bytes of prompt make a token; the body's length is the estimate.
	if err := p.waitTokens(req.Context(), int(req.ContentLength/4)); err != nil {
		return nil, err
	}
	resp, err := next(req)
	if resp != nil {
		p.Observe(resp.Header)
	}
	return resp, err
}
