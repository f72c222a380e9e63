package etsy

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
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// maxAnswer bounds the body read from Etsy.
const maxAnswer = 32 << 20

// call is one request to Etsy.
type call struct {
	method string
	base   string // c.apiBase unless set
	path   string // escaped path, e.g. /v3/application/users/me
	query  url.Values
	body   []byte
	ctype  string
	token  string // bearer access token, "" for none
	// unmetered calls do not count against Etsy's daily quota (the OAuth
	// token endpoint, which sends no rate headers).
	unmetered bool
	// secrets are values no error may show (the token is added).
	secrets []string
}

// answer is Etsy's response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a *answer) ok() bool { return a.status >= 200 && a.status < 300 }

// apiKey is the x-api-key value.
func (c *Client) apiKey() string { return c.keystring + ":" + c.secret }

// do sends a request, pacing it and retrying 429s, 5xx answers and dropped
// connections. Other answers, successful or not, are returned for the
// caller to read.
func (c *Client) do(ctx context.Context, k call) (*answer, error) {
	base := k.base
	if base == "" {
		base = c.apiBase
	}
	u := base + k.path
	if len(k.query) > 0 {
		u += "?" + k.query.Encode()
	}
	var last error
	for attempt := 0; ; attempt++ {
		if err := c.wait(ctx, !k.unmetered); err != nil {
			return nil, err
		}
		a, err := c.send(ctx, u, k)
		now := c.now()
		var pause time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			last = fmt.Errorf("etsy: %s %s: %w", k.method, k.path, transportError(err))
			pause = backoff(attempt, 500*time.Millisecond, 0.8, 1.2)
		case a.status == http.StatusTooManyRequests:
			c.pace.observe(a.header, now)
			c.pace.throttled(now)
			if err := c.pace.exhausted(now); err != nil {
				return nil, err
			}
			ra, hasRA := retryAfter(a.header, now)
			if hasRA && ra > c.maxWait {
				return nil, &connect.StoreError{Platform: connect.Etsy, Status: a.status,
					Message:   "Etsy is limiting requests and asks to wait until " + now.Add(ra).UTC().Format("2006-01-02 15:04 UTC"),
					Retryable: true}
			}
			last = &connect.StoreError{Platform: connect.Etsy, Status: a.status,
				Message: "Etsy is limiting PlutoPro's requests; try again in a few minutes", Retryable: true}
			pause = ra
			if !hasRA {
				// Never under a whole second, so a spent second's window
				// has passed whatever its alignment.
				pause = backoff(attempt, time.Second, 1, 1.25)
			}
		case a.status >= 500:
			c.pace.observe(a.header, now)
			se := c.storeError(a, k)
			se.Retryable = true
			last = se
			pause = backoff(attempt, 500*time.Millisecond, 0.8, 1.2)
		default:
			c.pace.observe(a.header, now)
			return a, nil
		}
		if attempt >= c.retries {
			return nil, last
		}
		if err := c.sleep(ctx, pause); err != nil {
			return nil, err
		}
	}
}

// send makes one exchange.
func (c *Client) send(ctx context.Context, u string, k call) (*answer, error) {
	body := io.Reader(http.NoBody)
	if k.body != nil {
		body = bytes.NewReader(k.body)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "PlutoPro")
	if k.ctype != "" {
		req.Header.Set("Content-Type", k.ctype)
	}
	req.Header.Set("X-Api-Key", c.apiKey())
	if k.token != "" {
		req.Header.Set("Authorization", "Bearer "+k.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, err
	}
	return &answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// wait paces one request.
func (c *Client) wait(ctx context.Context, metered bool) error {
	for {
		d, err := c.pace.reserve(c.now(), metered)
		if err != nil || d <= 0 {
			return err
		}
		if err := c.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// backoff is base·2^attempt, at most 30 s, times a random factor from lo
// to hi.
func backoff(attempt int, base time.Duration, lo, hi float64) time.Duration {
	d := min(base<<min(attempt, 10), 30*time.Second)
	return time.Duration(float64(d) * (lo + (hi-lo)*rand.Float64()))
}

// retryAfter reads a retry-after header (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// transportError keeps the cause of a failed exchange without the URL
// (which carries no secret, but need not be repeated).
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// etsyError is Etsy's error body: {"error": "..."} on the API,
// {"error": "code", "error_description": "..."} from OAuth.
type etsyError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// readError reads an error body: Etsy's code (OAuth errors only) and
// message.
func readError(body []byte) (code, msg string) {
	var e etsyError
	if json.Unmarshal(body, &e) == nil && (e.Error != "" || e.Description != "") {
		if e.Description != "" {
			return e.Error, e.Description
		}
		return "", e.Error
	}
	// createDraftListing has been seen answering a list of problems.
	var list []struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &list) == nil && len(list) > 0 {
		parts := make([]string, 0, len(list))
		for _, p := range list {
			parts = append(parts, strings.TrimSpace(p.Path+" "+p.Message))
		}
		return "", strings.Join(parts, "; ")
	}
	return "", ""
}

// storeError is a refusal with Etsy's message, scrubbed of secrets.
func (c *Client) storeError(a *answer, k call) *connect.StoreError {
	code, msg := readError(a.body)
	if msg == "" {
		msg = http.StatusText(a.status)
	}
	return &connect.StoreError{Platform: connect.Etsy, Status: a.status, Code: code, Message: c.scrub(msg, k)}
}

// scrub removes secrets from text that came from Etsy.
func (c *Client) scrub(s string, k call) string {
	for _, sec := range append([]string{c.secret, k.token}, k.secrets...) {
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// failure maps an unsuccessful API answer to the connector's errors.
func (c *Client) failure(a *answer, k call) error {
	switch a.status {
	case http.StatusUnauthorized:
		_, msg := readError(a.body)
		if msg == "" {
			msg = "access token refused"
		}
		return fmt.Errorf("etsy: %s: %w", c.scrub(msg, k), connect.ErrUnauthorized)
	case http.StatusNotFound:
		return fmt.Errorf("etsy: %s %s: %w", k.method, k.path, connect.ErrNotFound)
	}
	return c.storeError(a, k)
}

// getJSON sends k and decodes a successful answer into v.
func (c *Client) getJSON(ctx context.Context, k call, v any) error {
	a, err := c.do(ctx, k)
	if err != nil {
		return err
	}
	if !a.ok() {
		return c.failure(a, k)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("etsy: %s %s: unreadable answer: %w", k.method, k.path, err)
	}
	return nil
}
