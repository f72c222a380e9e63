package amazon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/plutopro/plutopro/internal/connect"
)

const userAgent = "PlutoPro/1.0 (Language=Go)"

// usagePlans are the default usage plans of the operations the client
// calls, from the official models: requests per second and burst.
var usagePlans = map[string]struct {
	rate  float64
	burst int
}{
	"getListingsItem":   {5, 10},
	"patchListingsItem": {5, 5},
	"createReport":      {0.0167, 15},
	"getReport":         {2, 15},
	"getReportDocument": {0.0167, 15},
}

// limits holds a token bucket per (seller, operation).
type limits struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func newLimits() *limits { return &limits{m: map[string]*rate.Limiter{}} }

func (l *limits) get(seller, op string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := seller + "\x00" + op
	lim, ok := l.m[k]
	if !ok {
		p, known := usagePlans[op]
		if !known {
			p.rate, p.burst = 1, 1
		}
		lim = rate.NewLimiter(rate.Limit(p.rate), p.burst)
		l.m[k] = lim
	}
	return lim
}

// request is one SP-API call.
type request struct {
	op     string // the operationId: names the usage plan and errors
	method string
	path   string // escaped
	query  url.Values
	body   any
}

// errorList is SP-API's error answer.
type errorList struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details string `json:"details"`
	} `json:"errors"`
}

// do sends an SP-API request within the operation's usage plan, retrying
// throttled (429), failed (5xx) and dropped calls with backoff, and once
// with a refreshed access token after 401/403. A 2xx JSON answer is
// decoded into out. Other answers are errors: connect.ErrUnauthorized for
// 401/403, else a *connect.StoreError (Status 404 for a missing resource).
func (c *Client) do(ctx context.Context, cr *connect.Credentials, req request, out any) error {
	token, err := c.accessToken(ctx, cr, "")
	if err != nil {
		return err
	}
	var body []byte
	if req.body != nil {
		if body, err = json.Marshal(req.body); err != nil {
			return fmt.Errorf("amazon: %s: %w", req.op, err)
		}
	}
	u := c.o.APIBaseURL + req.path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	lim := c.limits.get(cr.Account, req.op)
	refreshed := false
	for attempt := 0; ; attempt++ {
		if err := lim.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("amazon: %s: waiting for the usage plan: %w", req.op, err)
		}
		hr, err := http.NewRequestWithContext(ctx, req.method, u, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("amazon: %s: %w", req.op, sanitize(err))
		}
		hr.Header.Set("x-amz-access-token", token)
		hr.Header.Set("Accept", "application/json")
		hr.Header.Set("User-Agent", userAgent)
		if body != nil {
			hr.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.hc.Do(hr)
		var b []byte
		if err == nil {
			b, err = io.ReadAll(io.LimitReader(resp.Body, 32<<20))
			resp.Body.Close()
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if attempt < c.o.MaxRetries {
				if err := c.backoff(ctx, attempt, 0); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("amazon: %s: %w", req.op, sanitize(err))
		}
		c.observe(resp, lim, req.op)
		switch s := resp.StatusCode; {
		case s >= 200 && s < 300:
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(b, out); err != nil {
				return &connect.StoreError{Platform: connect.Amazon, Status: s, Message: fmt.Sprintf("%s answered JSON that cannot be read: %v", req.op, err)}
			}
			return nil
		case s == http.StatusTooManyRequests:
			c.throttled()
			if attempt < c.o.MaxRetries {
				if err := c.backoff(ctx, attempt, retryAfter(resp.Header)); err != nil {
					return err
				}
				continue
			}
		case s >= 500:
			if attempt < c.o.MaxRetries {
				if err := c.backoff(ctx, attempt, retryAfter(resp.Header)); err != nil {
					return err
				}
				continue
			}
		case s == http.StatusUnauthorized || s == http.StatusForbidden:
			if !refreshed && cr.RefreshToken != "" {
				refreshed = true
				if token, err = c.accessToken(ctx, cr, token); err != nil {
					return err
				}
				attempt-- // a retry with a new token is not a failure
				continue
			}
			return fmt.Errorf("amazon: %s: %s: %w", req.op, apiMessage(b, s), connect.ErrUnauthorized)
		}
		return apiError(req.op, resp.StatusCode, b, token)
	}
}

// apiError makes a StoreError of an SP-API error answer.
func apiError(op string, status int, b []byte, secrets ...string) *connect.StoreError {
	var el errorList
	_ = json.Unmarshal(b, &el)
	e := &connect.StoreError{Platform: connect.Amazon, Status: status, Retryable: status == http.StatusTooManyRequests || status >= 500}
	if len(el.Errors) > 0 {
		e.Code = el.Errors[0].Code
	}
	e.Message = scrubber(secrets...)(apiMessage(b, status))
	return e
}

// apiMessage joins the messages (and details) of an error answer.
func apiMessage(b []byte, status int) string {
	var el errorList
	_ = json.Unmarshal(b, &el)
	var msgs []string
	for _, e := range el.Errors {
		m := e.Message
		if e.Details != "" {
			m += " (" + e.Details + ")"
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return http.StatusText(status)
	}
	return strings.Join(msgs, "; ")
}

// observe learns the usage plan from x-amzn-RateLimit-Limit.
func (c *Client) observe(resp *http.Response, lim *rate.Limiter, op string) {
	limit := float64(lim.Limit())
	if h := resp.Header.Get("x-amzn-RateLimit-Limit"); h != "" {
		if v, err := strconv.ParseFloat(h, 64); err == nil && v > 0 {
			if v != limit {
				lim.SetLimit(rate.Limit(v))
			}
			limit = v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rate.Limit = limit
	c.rate.Remaining = max(0, lim.Tokens())
	c.rate.UpdatedAt = c.now()
}

func (c *Client) throttled() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rate.Throttled++
	c.rate.Remaining = 0
	c.rate.UpdatedAt = c.now()
}

// backoff waits before retry attempt+1: RetryBackoff doubled per attempt,
// with jitter, capped by MaxBackoff, and at least what Retry-After asked.
func (c *Client) backoff(ctx context.Context, attempt int, after time.Duration) error {
	d := c.o.RetryBackoff << min(attempt, 16)
	if d <= 0 || d > c.o.MaxBackoff {
		d = c.o.MaxBackoff
	}
	d = d/2 + rand.N(d/2+1)
	d = max(d, min(after, c.o.MaxBackoff))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads a Retry-After header in seconds (SP-API rarely sends it).
func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// sanitize drops the query of the URL in a transport error: presigned
// report URLs carry signatures.
func sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u := *ue
		if i := strings.IndexByte(u.URL, '?'); i >= 0 {
			u.URL = u.URL[:i]
		}
		return &u
	}
	return err
}
