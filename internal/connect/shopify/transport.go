package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// maxBody bounds an answer read into memory (bulk results are streamed).
const maxBody = 32 << 20

// send makes one logical call: it retries dropped connections, 5xx and
// 429 answers with backoff, up to MaxAttempts tries, and returns the last
// answer otherwise. build makes a fresh request for each try.
func (c *Client) send(ctx context.Context, op string, build func() (*http.Request, error)) (int, http.Header, []byte, error) {
	for attempt := 1; ; attempt++ {
		req, err := build()
		if err != nil {
			return 0, nil, nil, fmt.Errorf("shopify: %s: %w", op, err)
		}
		req.Header.Set("User-Agent", c.opts.UserAgent)
		resp, err := c.http.Do(req)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody))
			resp.Body.Close()
		}
		if err != nil {
			if ctx.Err() != nil {
				return 0, nil, nil, fmt.Errorf("shopify: %s: %w", op, ctx.Err())
			}
			if attempt >= c.opts.MaxAttempts {
				return 0, nil, nil, fmt.Errorf("shopify: %s: %d tries: %w", op, attempt, redactURL(err))
			}
			if err := c.sleep(ctx, backoff(attempt, 0)); err != nil {
				return 0, nil, nil, fmt.Errorf("shopify: %s: %w", op, err)
			}
			continue
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			if attempt >= c.opts.MaxAttempts {
				return resp.StatusCode, resp.Header, body, nil
			}
			if resp.StatusCode == http.StatusTooManyRequests {
				c.noteThrottled()
			}
			if err := c.sleep(ctx, backoff(attempt, retryAfter(resp.Header))); err != nil {
				return 0, nil, nil, fmt.Errorf("shopify: %s: %w", op, err)
			}
			continue
		}
		return resp.StatusCode, resp.Header, body, nil
	}
}

// backoff is the wait before try attempt+1: 250 ms doubling to 8 s, with
// jitter, or what the server asked if longer.
func backoff(attempt int, asked time.Duration) time.Duration {
	d := 250 * time.Millisecond << min(attempt-1, 5)
	d = d/2 + rand.N(d/2+1)
	return max(d, asked)
}

func retryAfter(h http.Header) time.Duration {
	s := h.Get("Retry-After")
	if s == "" {
		return 0
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
		return time.Duration(f * float64(time.Second))
	}
	return 0
}

// redactURL drops the query from a *url.Error's URL (signed download URLs
// carry credentials there).
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u := ue.URL
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
	}
	return err
}

// httpError turns a non-2xx answer into an error: 401 is
// connect.ErrUnauthorized, the rest a *connect.StoreError with Shopify's
// message.
func httpError(op string, status int, body []byte) error {
	if status == http.StatusUnauthorized {
		return fmt.Errorf("shopify: %s: %w", op, connect.ErrUnauthorized)
	}
	code, msg := errorText(body)
	if msg == "" {
		msg = http.StatusText(status)
	}
	return fmt.Errorf("shopify: %s: %w", op, &connect.StoreError{
		Platform:  connect.Shopify,
		Status:    status,
		Code:      code,
		Message:   msg,
		Retryable: status == http.StatusTooManyRequests || status >= 500,
	})
}

// errorText reads Shopify's error bodies: {"errors":"…"},
// {"errors":{"field":["…"]}}, {"errors":[{"message":"…"}]} and OAuth's
// {"error":"invalid_grant","error_description":"…"}.
func errorText(body []byte) (code, msg string) {
	var v struct {
		Error       string          `json:"error"`
		Description string          `json:"error_description"`
		Errors      json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &v) != nil {
		return "", truncate(strings.TrimSpace(string(body)), 200)
	}
	if v.Error != "" {
		if v.Description != "" {
			return v.Error, truncate(v.Description, 500)
		}
		return v.Error, v.Error
	}
	var s string
	if json.Unmarshal(v.Errors, &s) == nil {
		return "", truncate(s, 500)
	}
	var list []gqlError
	if json.Unmarshal(v.Errors, &list) == nil && len(list) > 0 {
		return list[0].Extensions.Code, truncate(joinMessages(list), 500)
	}
	var m map[string]any
	if json.Unmarshal(v.Errors, &m) == nil && len(m) > 0 {
		b, _ := json.Marshal(m)
		return "", truncate(string(b), 500)
	}
	return "", ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// gqlError is one entry of a GraphQL answer's errors.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

func joinMessages(errs []gqlError) string {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, "; ")
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions struct {
		Cost *struct {
			RequestedQueryCost float64  `json:"requestedQueryCost"`
			ActualQueryCost    *float64 `json:"actualQueryCost"`
			ThrottleStatus     struct {
				MaximumAvailable   float64 `json:"maximumAvailable"`
				CurrentlyAvailable float64 `json:"currentlyAvailable"`
				RestoreRate        float64 `json:"restoreRate"`
			} `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
}

// graphql sends doc with vars to the shop of cr and decodes data into out.
// It waits out THROTTLED answers ((requested cost − available) / restore
// rate), retries 5xx and dropped connections, and maps 401 to
// connect.ErrUnauthorized and GraphQL errors to *connect.StoreError.
func (c *Client) graphql(ctx context.Context, cr *connect.Credentials, op, doc string, vars map[string]any, out any) error {
	if cr == nil || cr.Account == "" || cr.AccessToken == "" {
		return fmt.Errorf("shopify: %s: no shop or access token in the credentials", op)
	}
	payload := map[string]any{"query": doc, "operationName": op}
	if len(vars) > 0 {
		payload["variables"] = vars
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("shopify: %s: %w", op, err)
	}
	endpoint := c.graphqlURL(cr.Account)
	build := func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Shopify-Access-Token", cr.AccessToken)
		return req, nil
	}
	for throttles := 0; ; {
		status, _, answer, err := c.send(ctx, op, build)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return httpError(op, status, answer)
		}
		var r gqlResponse
		if err := json.Unmarshal(answer, &r); err != nil {
			return fmt.Errorf("shopify: %s: %w", op, &connect.StoreError{
				Platform: connect.Shopify, Status: status, Message: "the answer is not GraphQL JSON", Retryable: true,
			})
		}
		cost := r.Extensions.Cost
		if cost != nil {
			c.noteRate(cost.ThrottleStatus.CurrentlyAvailable, cost.ThrottleStatus.MaximumAvailable)
		}
		if throttled(r.Errors) {
			if cost != nil && cost.ThrottleStatus.MaximumAvailable > 0 && cost.RequestedQueryCost > cost.ThrottleStatus.MaximumAvailable {
				return fmt.Errorf("shopify: %s: %w", op, &connect.StoreError{
					Platform: connect.Shopify, Status: status, Code: "THROTTLED",
					Message: fmt.Sprintf("the query costs %.0f points, more than the shop's bucket holds (%.0f)",
						cost.RequestedQueryCost, cost.ThrottleStatus.MaximumAvailable),
				})
			}
			c.noteThrottled()
			throttles++
			if throttles > c.opts.MaxThrottleWaits {
				return fmt.Errorf("shopify: %s: %w", op, &connect.StoreError{
					Platform: connect.Shopify, Status: status, Code: "THROTTLED",
					Message: fmt.Sprintf("still throttled after %d waits", throttles-1), Retryable: true,
				})
			}
			wait := time.Second
			if cost != nil && cost.ThrottleStatus.RestoreRate > 0 {
				need := cost.RequestedQueryCost - cost.ThrottleStatus.CurrentlyAvailable
				wait = time.Duration(math.Ceil(need/cost.ThrottleStatus.RestoreRate*1000)) * time.Millisecond
				wait = max(wait, 100*time.Millisecond)
			}
			if err := c.sleep(ctx, wait); err != nil {
				return fmt.Errorf("shopify: %s: %w", op, err)
			}
			continue
		}
		if len(r.Errors) > 0 {
			return fmt.Errorf("shopify: %s: %w", op, &connect.StoreError{
				Platform: connect.Shopify, Status: status, Code: r.Errors[0].Extensions.Code,
				Message: truncate(joinMessages(r.Errors), 1000),
			})
		}
		if out != nil {
			if err := json.Unmarshal(r.Data, out); err != nil {
				return fmt.Errorf("shopify: %s: read data: %w", op, err)
			}
		}
		return nil
	}
}

func throttled(errs []gqlError) bool {
	for _, e := range errs {
		if e.Extensions.Code == "THROTTLED" {
			return true
		}
	}
	return false
}

// userError is a mutation's userErrors entry (UserError, FilesUserError,
// BulkOperationUserError).
type userError struct {
	Code    string   `json:"code"`
	Field   []string `json:"field"`
	Message string   `json:"message"`
}

// userErrorsErr turns userErrors into a *connect.StoreError with Shopify's
// messages; nil when there are none.
func userErrorsErr(op string, errs []userError) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Message
		if len(e.Field) > 0 && !strings.Contains(strings.ToLower(e.Message), strings.ToLower(e.Field[len(e.Field)-1])) {
			msgs[i] = strings.Join(e.Field, ".") + ": " + e.Message
		}
	}
	return fmt.Errorf("shopify: %s: %w", op, &connect.StoreError{
		Platform: connect.Shopify,
		Status:   http.StatusOK,
		Code:     errs[0].Code,
		Message:  strings.Join(msgs, "; "),
	})
}
