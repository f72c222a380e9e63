package anthropicfake_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
)

const testKey = "sk-ant-test-key"

func newClient(t *testing.T, srv *anthropicfake.Server, retries int) anthropic.Client {
	t.Helper()
	return anthropic.NewClient(
		option.WithBaseURL(srv.URL()),
		option.WithAPIKey(testKey),
		option.WithMaxRetries(retries),
	)
}

func start(t *testing.T, opts anthropicfake.Options) *anthropicfake.Server {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	srv := anthropicfake.New(opts)
	t.Cleanup(srv.Close)
	return srv
}

var altSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"title":   map[string]any{"type": "string", "maxLength": 12},
		"bullets": map[string]any{"type": "array", "minItems": 4, "items": map[string]any{"type": "string"}},
		"tone":    map[string]any{"type": "string", "enum": []any{"warm", "crisp"}},
	},
	"required":             []any{"title", "bullets", "tone"},
	"additionalProperties": false,
}

func userText(s string) anthropic.MessageParam {
	return anthropic.NewUserMessage(anthropic.NewTextBlock(s))
}

func TestStructuredOutputRoundTrip(t *testing.T) {
	srv := start(t, anthropicfake.Options{})
	c := newClient(t, srv, 0)
	var httpRes *http.Response
	msg, err := c.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model:     "claude-sonnet-5-5",
		MaxTokens: 1024,
		System:    []anthropic.TextBlockParam{{Text: "You write product copy."}},
		Messages:  []anthropic.MessageParam{userText("Write copy for a blue mug.")},
		OutputConfig: anthropic.OutputConfigParam{
			Format: anthropic.JSONOutputFormatParam{Schema: altSchema},
		},
	}, option.WithResponseInto(&httpRes))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.ID, "msg_") || msg.Model != "claude-sonnet-5-5" || msg.StopReason != anthropic.StopReasonEndTurn {
		t.Fatalf("unexpected message: %s", msg.RawJSON())
	}
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" {
		t.Fatalf("want one text block, got %s", msg.RawJSON())
	}
	var out struct {
		Title   string   `json:"title"`
		Bullets []string `json:"bullets"`
		Tone    string   `json:"tone"`
	}
	if err := json.Unmarshal([]byte(msg.Content[0].Text), &out); err != nil {
		t.Fatalf("text is not JSON: %v: %q", err, msg.Content[0].Text)
	}
	if len([]rune(out.Title)) == 0 || len([]rune(out.Title)) > 12 || len(out.Bullets) != 4 || out.Tone != "warm" {
		t.Fatalf("answer does not follow the schema: %+v", out)
	}
	if msg.Usage.InputTokens <= 0 || msg.Usage.OutputTokens <= 0 {
		t.Fatalf("usage not filled: %s", msg.Usage.RawJSON())
	}
	for _, h := range []string{
		"request-id",
		"anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset",
		"anthropic-ratelimit-input-tokens-limit", "anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset",
		"anthropic-ratelimit-output-tokens-limit", "anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset",
	} {
		if httpRes.Header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
	if _, err := time.Parse(time.RFC3339, httpRes.Header.Get("anthropic-ratelimit-requests-reset")); err != nil {
		t.Errorf("reset is not RFC 3339: %v", err)
	}

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("want 1 recorded request, got %d", len(reqs))
	}
	r := reqs[0]
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-Api-Key") != "" {
		t.Error("recorder kept the credentials")
	}
	if r.Header.Get("anthropic-version") == "" || !strings.Contains(string(r.Body), "blue mug") {
		t.Errorf("recorded request incomplete: %v %s", r.Header, r.Body)
	}
	if st := srv.Stats(); st.Calls != 1 || st.ByStatus[200] != 1 {
		t.Errorf("stats: %+v", st)
	}
}

func TestResponderSeesParsedRequest(t *testing.T) {
	var seen anthropicfake.Request
	srv := start(t, anthropicfake.Options{Responder: func(req anthropicfake.Request) (map[string]any, error) {
		seen = req
		return map[string]any{"title": "Blue mug", "bullets": []string{"a", "b", "c", "d"}, "tone": "crisp"}, nil
	}})
	c := newClient(t, srv, 0)
	msg, err := c.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model:        "claude-haiku-5-5",
		MaxTokens:    512,
		System:       []anthropic.TextBlockParam{{Text: "Brand voice: calm."}},
		Messages:     []anthropic.MessageParam{userText("Product: blue mug")},
		OutputConfig: anthropic.OutputConfigParam{Format: anthropic.JSONOutputFormatParam{Schema: altSchema}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen.Model != "claude-haiku-5-5" || seen.System != "Brand voice: calm." || seen.User != "Product: blue mug" ||
		seen.Mode != "json_schema" || seen.Schema["type"] != "object" || seen.MaxTokens != 512 {
		t.Fatalf("responder saw %+v", seen)
	}
	if !strings.Contains(msg.Content[0].Text, `"tone":"crisp"`) {
		t.Fatalf("responder answer not used: %s", msg.Content[0].Text)
	}

	// A responder error of type *APIError is answered as such.
	srv2 := start(t, anthropicfake.Options{Responder: func(anthropicfake.Request) (map[string]any, error) {
		return nil, &anthropicfake.APIError{Status: 400, Type: "invalid_request_error", Message: "nope"}
	}})
	c2 := newClient(t, srv2, 0)
	_, err = c2.Messages.New(context.Background(), anthropic.MessageNewParams{
		Model: "claude-haiku-5-5", MaxTokens: 10, Messages: []anthropic.MessageParam{userText("x")},
	})
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Message != "nope" {
		t.Fatalf("want 400 nope, got %v", err)
	}
}

func forcedToolParams(model string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     anthropic.Model(model),
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{userText("Write alt text for this image.")},
		Tools: []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
			Name:        "save_alt_text",
			Description: anthropic.String("Save the alt text."),
			InputSchema: anthropic.ToolInputSchemaParam{
				Properties: map[string]any{"alt": map[string]any{"type": "string", "maxLength": 125}},
				Required:   []string{"alt"},
			},
		}}},
		ToolChoice: anthropic.ToolChoiceParamOfTool("save_alt_text"),
	}
}

func TestForcedToolUse(t *testing.T) {
	srv := start(t, anthropicfake.Options{RefuseForcedToolFor: []string{"claude-sonnet-5-5"}})
	c := newClient(t, srv, 2)

	msg, err := c.Messages.New(context.Background(), forcedToolParams("claude-haiku-4-5"))
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonToolUse || len(msg.Content) != 1 {
		t.Fatalf("unexpected answer: %s", msg.RawJSON())
	}
	tu := msg.Content[0].AsToolUse()
	if tu.Type != "tool_use" || !strings.HasPrefix(tu.ID, "toolu_") || tu.Name != "save_alt_text" {
		t.Fatalf("unexpected tool_use: %s", msg.RawJSON())
	}
	var in struct{ Alt string }
	if err := json.Unmarshal(tu.Input, &in); err != nil || in.Alt == "" {
		t.Fatalf("tool input %s: %v", tu.Input, err)
	}

	_, err = c.Messages.New(context.Background(), forcedToolParams("claude-sonnet-5-5"))
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Type() != "invalid_request_error" {
		t.Fatalf("want 400 invalid_request_error, got %v", err)
	}
	if apiErr.RequestID == "" {
		t.Error("error without request id")
	}
	if st := srv.Stats(); st.ByStatus[400] != 1 {
		t.Errorf("a 400 must not be retried: %+v", st)
	}
}

func rawPost(t *testing.T, srv *anthropicfake.Server, path, body string, hdr map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return res.StatusCode, m, res.Header
}

func errType(m map[string]any) (string, string) {
	e, _ := m["error"].(map[string]any)
	typ, _ := e["type"].(string)
	msg, _ := e["message"].(string)
	return typ, msg
}

func TestAuthAndValidation(t *testing.T) {
	srv := start(t, anthropicfake.Options{})
	ok := `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`
	v := map[string]string{"anthropic-version": "2023-06-01"}

	// x-api-key is accepted as well as Bearer.
	code, m, h := rawPost(t, srv, "/v1/messages", ok, map[string]string{"x-api-key": testKey, "anthropic-version": "2023-06-01"})
	if code != 200 || m["type"] != "message" || h.Get("request-id") == "" {
		t.Fatalf("x-api-key: %d %v", code, m)
	}
	// Wrong key, official SDK.
	wrong := anthropic.NewClient(option.WithBaseURL(srv.URL()), option.WithAPIKey("wrong"))
	_, err := wrong.Messages.New(context.Background(),
		anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 10, Messages: []anthropic.MessageParam{userText("hi")}})
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Type() != "authentication_error" {
		t.Fatalf("want 401 authentication_error, got %v", err)
	}
	// No key.
	if code, m, _ := rawPost(t, srv, "/v1/messages", ok, v); code != 401 {
		t.Fatalf("no key: %d %v", code, m)
	}
	// No anthropic-version.
	code, m, _ = rawPost(t, srv, "/v1/messages", ok, map[string]string{"x-api-key": testKey})
	if typ, msg := errType(m); code != 400 || typ != "invalid_request_error" || !strings.Contains(msg, "anthropic-version") {
		t.Fatalf("no version: %d %v", code, m)
	}
	auth := map[string]string{"authorization": "Bearer " + testKey, "anthropic-version": "2023-06-01"}
	for body, want := range map[string]string{
		`{"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`:              "model",
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`:                  "max_tokens",
		`{"model":"m","max_tokens":10}`:                                              "messages",
		`{"model":"m","max_tokens":10,"messages":[]}`:                                "messages",
		`{"model":"m","max_tokens":10,"messages":[{"role":"robot","content":"hi"}]}`: "role",
		`not json`: "JSON",
		`{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"any"}}`: "tool_choice",
	} {
		code, m, _ := rawPost(t, srv, "/v1/messages", body, auth)
		typ, msg := errType(m)
		if code != 400 || typ != "invalid_request_error" || !strings.Contains(msg, want) || m["request_id"] == "" {
			t.Errorf("%s: got %d %v, want 400 mentioning %q", body, code, m, want)
		}
	}
	// Unknown path.
	if code, m, _ := rawPost(t, srv, "/v1/nothing", ok, auth); code != 404 {
		t.Errorf("unknown path: %d %v", code, m)
	}
	// count_tokens works without max_tokens.
	code, m, _ = rawPost(t, srv, "/v1/messages/count_tokens", `{"model":"m","messages":[{"role":"user","content":"12345678"}]}`, auth)
	if code != 200 || m["input_tokens"] != float64(2) {
		t.Errorf("count_tokens: %d %v", code, m)
	}
}

// longText is about n tokens by the fake's rule.
func longText(n int) string {
	return strings.Repeat("abcd", n)
}

func TestPromptCache(t *testing.T) {
	clk := anthropicfake.NewManualClock(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
	srv := start(t, anthropicfake.Options{Now: clk.Now})
	c := newClient(t, srv, 0)
	params := func(system string, user string) anthropic.MessageNewParams {
		return anthropic.MessageNewParams{
			Model:     "claude-haiku-5-5",
			MaxTokens: 1024,
			System: []anthropic.TextBlockParam{{
				Text:         system,
				CacheControl: anthropic.NewCacheControlEphemeralParam(),
			}},
			Messages: []anthropic.MessageParam{userText(user)},
		}
	}
	sys := longText(2000)
	user := longText(10) // 10 tokens

	m1, err := c.Messages.New(context.Background(), params(sys, user))
	if err != nil {
		t.Fatal(err)
	}
	if m1.Usage.CacheCreationInputTokens != 2000 || m1.Usage.CacheReadInputTokens != 0 || m1.Usage.InputTokens != 10 ||
		m1.Usage.CacheCreation.Ephemeral5mInputTokens != 2000 {
		t.Fatalf("first call: %s", m1.Usage.RawJSON())
	}
	clk.Advance(4 * time.Minute)
	m2, err := c.Messages.New(context.Background(), params(sys, longText(7)))
	if err != nil {
		t.Fatal(err)
	}
	if m2.Usage.CacheCreationInputTokens != 0 || m2.Usage.CacheReadInputTokens != 2000 || m2.Usage.InputTokens != 7 {
		t.Fatalf("second call: %s", m2.Usage.RawJSON())
	}
	// The hit refreshed the TTL: 4 more minutes is still within 5 of the hit.
	clk.Advance(4 * time.Minute)
	if m, _ := c.Messages.New(context.Background(), params(sys, user)); m.Usage.CacheReadInputTokens != 2000 {
		t.Fatalf("refresh: %s", m.Usage.RawJSON())
	}
	// Expired after 5 minutes without a hit.
	clk.Advance(6 * time.Minute)
	if m, _ := c.Messages.New(context.Background(), params(sys, user)); m.Usage.CacheCreationInputTokens != 2000 || m.Usage.CacheReadInputTokens != 0 {
		t.Fatalf("after expiry: %s", m.Usage.RawJSON())
	}
	// Another model does not share the cache.
	p := params(sys, user)
	p.Model = "claude-sonnet-5-5"
	if m, _ := c.Messages.New(context.Background(), p); m.Usage.CacheReadInputTokens != 0 || m.Usage.CacheCreationInputTokens != 2000 {
		t.Fatalf("other model: %s", m.Usage.RawJSON())
	}
	// A changed byte in the prefix misses.
	if m, _ := c.Messages.New(context.Background(), params(sys+"!", user)); m.Usage.CacheReadInputTokens != 0 {
		t.Fatalf("changed prefix: %s", m.Usage.RawJSON())
	}

	// A prefix under the minimum caches nothing, silently.
	short := longText(1000)
	for range 2 {
		m, err := c.Messages.New(context.Background(), params(short, user))
		if err != nil {
			t.Fatal(err)
		}
		if m.Usage.CacheCreationInputTokens != 0 || m.Usage.CacheReadInputTokens != 0 || m.Usage.InputTokens != 1010 {
			t.Fatalf("short prefix: %s", m.Usage.RawJSON())
		}
	}

	// Billing recorded every call at full price.
	for _, b := range srv.Billed() {
		if b.PriceFactor != 1 || b.BatchID != "" {
			t.Fatalf("billed: %+v", b)
		}
	}
}

func TestPromptCacheBreakpointsInMessages(t *testing.T) {
	srv := start(t, anthropicfake.Options{MinCacheTokensFor: map[string]int{"claude-sonnet-5-5": 512}})
	c := newClient(t, srv, 0)
	doc := anthropic.TextBlockParam{Text: longText(600), CacheControl: anthropic.CacheControlEphemeralParam{TTL: anthropic.CacheControlEphemeralTTLTTL1h}}
	params := anthropic.MessageNewParams{
		Model:     "claude-sonnet-5-5",
		MaxTokens: 100,
		System:    []anthropic.TextBlockParam{{Text: longText(100)}},
		Messages: []anthropic.MessageParam{{OfUser: &anthropic.UserMessageParam{
			Content: []anthropic.ContentBlockParamUnion{{OfText: &doc}, anthropic.NewTextBlock(longText(5))},
		}}},
	}
	m1, err := c.Messages.New(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if m1.Usage.CacheCreationInputTokens != 700 || m1.Usage.CacheCreation.Ephemeral1hInputTokens != 700 || m1.Usage.InputTokens != 5 {
		t.Fatalf("first: %s", m1.Usage.RawJSON())
	}
	m2, _ := c.Messages.New(context.Background(), params)
	if m2.Usage.CacheReadInputTokens != 700 || m2.Usage.InputTokens != 5 {
		t.Fatalf("second: %s", m2.Usage.RawJSON())
	}
}

func simpleParams() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     "claude-haiku-4-5",
		MaxTokens: 256,
		Messages:  []anthropic.MessageParam{userText("hello")},
	}
}

func TestRetriedFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  anthropicfake.Fault
		status int
	}{
		{"429", anthropicfake.Fault{Kind: anthropicfake.RateLimited, RetryAfter: time.Second}, 429},
		{"529", anthropicfake.Fault{Kind: anthropicfake.Overloaded}, 529},
		{"500", anthropicfake.Fault{Kind: anthropicfake.ServerError}, 500},
		{"drop", anthropicfake.Fault{Kind: anthropicfake.DropConnection}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, anthropicfake.Options{})
			srv.FailNext(1, tc.fault)
			c := newClient(t, srv, 2)
			var httpRes *http.Response
			msg, err := c.Messages.New(context.Background(), simpleParams(), option.WithResponseInto(&httpRes))
			if err != nil {
				t.Fatal(err)
			}
			if msg.Content[0].Text == "" {
				t.Fatal("empty answer")
			}
			st := srv.Stats()
			if st.Calls != 2 || st.ByStatus[200] != 1 {
				t.Fatalf("stats %+v", st)
			}
			if tc.status == 0 && st.Dropped != 1 || tc.status != 0 && st.ByStatus[tc.status] != 1 {
				t.Fatalf("stats %+v", st)
			}
			reqs := srv.Requests()
			if got := reqs[1].Header.Get("X-Stainless-Retry-Count"); got != "1" {
				t.Errorf("second request retry count %q", got)
			}
			if string(reqs[0].Body) != string(reqs[1].Body) {
				t.Error("retry sent another body")
			}
		})
	}

	// Without retries the SDK reports the fault.
	srv := start(t, anthropicfake.Options{})
	srv.FailNext(1, anthropicfake.Fault{Kind: anthropicfake.RateLimited, RetryAfter: 3 * time.Second})
	var httpRes *http.Response
	c := newClient(t, srv, 0)
	_, err := c.Messages.New(context.Background(), simpleParams(), option.WithResponseInto(&httpRes))
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Type() != "rate_limit_error" {
		t.Fatalf("want 429, got %v", err)
	}
	if got := apiErr.Response.Header.Get("retry-after"); got != "3" {
		t.Fatalf("retry-after %q", got)
	}
}

func TestFaultRateIsDeterministic(t *testing.T) {
	run := func() []int {
		srv := start(t, anthropicfake.Options{Faults: anthropicfake.Faults{
			Rate: 0.3, Seed: 42, Kinds: []anthropicfake.FaultKind{anthropicfake.ServerError, anthropicfake.Overloaded},
		}})
		c := newClient(t, srv, 0)
		var codes []int
		for range 30 {
			_, err := c.Messages.New(context.Background(), simpleParams())
			var apiErr *anthropic.Error
			switch {
			case err == nil:
				codes = append(codes, 200)
			case errors.As(err, &apiErr):
				codes = append(codes, apiErr.StatusCode)
			default:
				t.Fatal(err)
			}
		}
		return codes
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Fatalf("not deterministic:\n%v\n%v", a, b)
	}
	failed := 0
	for _, c := range a {
		if c != 200 {
			failed++
		}
	}
	if failed == 0 || failed == 30 {
		t.Fatalf("rate 0.3 failed %d of 30", failed)
	}
}

func TestLatency(t *testing.T) {
	srv := start(t, anthropicfake.Options{Faults: anthropicfake.Faults{
		LatencyFunc: func(call int) time.Duration { return time.Duration(call) * 10 * time.Millisecond },
	}})
	c := newClient(t, srv, 0)
	// A request timeout shorter than the latency fails the call.
	_, err := c.Messages.New(context.Background(), simpleParams(), option.WithRequestTimeout(time.Millisecond))
	if err == nil {
		t.Fatal("want a timeout")
	}
	if _, err := c.Messages.New(context.Background(), simpleParams()); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimiter(t *testing.T) {
	clk := anthropicfake.NewManualClock(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
	srv := start(t, anthropicfake.Options{Now: clk.Now, RequestsPerMinute: 2})
	c := newClient(t, srv, 0)
	for range 2 {
		if _, err := c.Messages.New(context.Background(), simpleParams()); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Messages.New(context.Background(), simpleParams())
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 {
		t.Fatalf("want 429, got %v", err)
	}
	h := apiErr.Response.Header
	if h.Get("retry-after") != "30" || h.Get("anthropic-ratelimit-requests-remaining") != "0" || h.Get("anthropic-ratelimit-requests-limit") != "2" {
		t.Fatalf("429 headers: %v", h)
	}
	clk.Advance(30 * time.Second)
	if _, err := c.Messages.New(context.Background(), simpleParams()); err != nil {
		t.Fatal(err)
	}

	// Input tokens per minute.
	srv2 := start(t, anthropicfake.Options{Now: clk.Now, InputTokensPerMinute: 1000})
	c2 := newClient(t, srv2, 0)
	p := simpleParams()
	p.Messages = []anthropic.MessageParam{userText(longText(800))}
	if _, err := c2.Messages.New(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	_, err = c2.Messages.New(context.Background(), p)
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Response.Header.Get("anthropic-ratelimit-input-tokens-remaining") != "0" {
		t.Fatalf("want 429 on input tokens, got %v", err)
	}
}

func batchRequest(id, text string) anthropic.MessageBatchNewParamsRequest {
	return anthropic.MessageBatchNewParamsRequest{
		CustomID: id,
		Params: anthropic.MessageBatchNewParamsRequestParams{
			Model:        "claude-haiku-5-5",
			MaxTokens:    1024,
			Messages:     []anthropic.MessageParam{userText(text)},
			OutputConfig: anthropic.OutputConfigParam{Format: anthropic.JSONOutputFormatParam{Schema: altSchema}},
		},
	}
}

func TestBatches(t *testing.T) {
	clk := anthropicfake.NewManualClock(time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC))
	srv := start(t, anthropicfake.Options{Now: clk.Now, BatchDelay: 10 * time.Minute, Seed: 3,
		Responder: func(req anthropicfake.Request) (map[string]any, error) {
			return map[string]any{"title": req.CustomID, "bullets": []string{req.User}, "tone": "warm"}, nil
		}})
	c := newClient(t, srv, 2)
	ctx := context.Background()

	var reqs []anthropic.MessageBatchNewParamsRequest
	var ids []string
	for i := range 6 {
		id := "product-" + string(rune('a'+i))
		ids = append(ids, id)
		reqs = append(reqs, batchRequest(id, "text for "+id))
	}
	b, err := c.Messages.Batches.New(ctx, anthropic.MessageBatchNewParams{Requests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.ID, "msgbatch_") || b.ProcessingStatus != anthropic.MessageBatchProcessingStatusInProgress ||
		b.RequestCounts.Processing != 6 || b.ResultsURL != "" || !b.EndedAt.IsZero() ||
		!b.ExpiresAt.Equal(b.CreatedAt.Add(24*time.Hour)) || b.Type != "message_batch" {
		t.Fatalf("created: %s", b.RawJSON())
	}
	if !strings.Contains(b.RawJSON(), `"ended_at":null`) || !strings.Contains(b.RawJSON(), `"results_url":null`) {
		t.Fatalf("created: %s", b.RawJSON())
	}

	got, err := c.Messages.Batches.Get(ctx, b.ID, anthropic.MessageBatchGetParams{})
	if err != nil || got.ProcessingStatus != anthropic.MessageBatchProcessingStatusInProgress {
		t.Fatalf("poll: %v %v", got, err)
	}
	// Results are not there yet.
	stream := c.Messages.Batches.ResultsStreaming(ctx, b.ID, anthropic.MessageBatchResultsParams{})
	if stream.Next() || stream.Err() == nil {
		t.Fatal("results before the end")
	}
	stream.Close()

	clk.Advance(10 * time.Minute)
	for got.ProcessingStatus != anthropic.MessageBatchProcessingStatusEnded {
		got, err = c.Messages.Batches.Get(ctx, b.ID, anthropic.MessageBatchGetParams{})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got.RequestCounts.Succeeded != 6 || got.RequestCounts.Processing != 0 || got.EndedAt.IsZero() || got.ResultsURL == "" {
		t.Fatalf("ended: %s", got.RawJSON())
	}

	stream = c.Messages.Batches.ResultsStreaming(ctx, b.ID, anthropic.MessageBatchResultsParams{})
	defer stream.Close()
	var order []string
	for stream.Next() {
		line := stream.Current()
		order = append(order, line.CustomID)
		if line.Result.Type != "succeeded" {
			t.Fatalf("line %s", line.RawJSON())
		}
		msg := line.Result.AsSucceeded().Message
		var out struct{ Title string }
		if err := json.Unmarshal([]byte(msg.Content[0].Text), &out); err != nil || out.Title != line.CustomID {
			t.Fatalf("result for %s does not match: %s", line.CustomID, msg.Content[0].Text)
		}
		if msg.Usage.ServiceTier != "batch" {
			t.Errorf("service tier %q", msg.Usage.ServiceTier)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Sorted(slices.Values(order))
	if !slices.Equal(sorted, ids) {
		t.Fatalf("results %v, want each of %v", order, ids)
	}
	if slices.Equal(order, ids) {
		t.Fatalf("results in request order %v", order)
	}
	billed := srv.Billed()
	if len(billed) != 6 {
		t.Fatalf("billed %d", len(billed))
	}
	for _, bl := range billed {
		if bl.PriceFactor != 0.5 || bl.BatchID != b.ID || bl.CustomID == "" {
			t.Fatalf("billed %+v", bl)
		}
	}

	// The results endpoint serves JSONL.
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/results") && r.Header.Get("Accept") != "application/x-jsonl" {
			t.Errorf("results Accept %q", r.Header.Get("Accept"))
		}
	}
	res, err := c.Messages.Batches.Get(ctx, b.ID, anthropic.MessageBatchGetParams{})
	if err != nil || res.ID != b.ID {
		t.Fatal(err)
	}
}

func TestBatchErroredItemsAndFinish(t *testing.T) {
	srv := start(t, anthropicfake.Options{BatchDelay: time.Hour, Faults: anthropicfake.Faults{
		BatchItemErrorRate: 0.5, Seed: 9, Kinds: []anthropicfake.FaultKind{anthropicfake.Overloaded},
	}})
	c := newClient(t, srv, 0)
	ctx := context.Background()
	var reqs []anthropic.MessageBatchNewParamsRequest
	for i := range 20 {
		reqs = append(reqs, batchRequest("r"+string(rune('a'+i)), "x"))
	}
	// One request with bad params ends errored with invalid_request_error.
	bad := batchRequest("bad", "x")
	bad.Params.MaxTokens = 0
	reqs = append(reqs, bad)
	b, err := c.Messages.Batches.New(ctx, anthropic.MessageBatchNewParams{Requests: reqs})
	if err != nil {
		t.Fatal(err)
	}
	srv.FinishBatches()
	got, err := c.Messages.Batches.Get(ctx, b.ID, anthropic.MessageBatchGetParams{})
	if err != nil || got.ProcessingStatus != "ended" {
		t.Fatalf("%v %v", got, err)
	}
	if got.RequestCounts.Errored == 0 || got.RequestCounts.Succeeded == 0 || got.RequestCounts.Errored+got.RequestCounts.Succeeded != 21 {
		t.Fatalf("counts %s", got.RequestCounts.RawJSON())
	}
	stream := c.Messages.Batches.ResultsStreaming(ctx, b.ID, anthropic.MessageBatchResultsParams{})
	defer stream.Close()
	n := 0
	for stream.Next() {
		n++
		line := stream.Current()
		if line.Result.Type == "errored" {
			e := line.Result.AsErrored().Error
			if e.RequestID == "" || e.Error.Type == "" {
				t.Fatalf("errored line %s", line.RawJSON())
			}
			if line.CustomID == "bad" && e.Error.Type != "invalid_request_error" {
				t.Fatalf("bad params: %s", line.RawJSON())
			}
		} else if line.CustomID == "bad" {
			t.Fatal("bad params succeeded")
		}
	}
	if n != 21 || stream.Err() != nil {
		t.Fatalf("%d lines, %v", n, stream.Err())
	}

	// Cancel, list and delete.
	b2, err := c.Messages.Batches.New(ctx, anthropic.MessageBatchNewParams{Requests: reqs[:2]})
	if err != nil {
		t.Fatal(err)
	}
	canceled, err := c.Messages.Batches.Cancel(ctx, b2.ID, anthropic.MessageBatchCancelParams{})
	if err != nil || canceled.ProcessingStatus != "canceling" {
		t.Fatalf("cancel: %v %v", canceled, err)
	}
	srv.FinishBatches()
	got, _ = c.Messages.Batches.Get(ctx, b2.ID, anthropic.MessageBatchGetParams{})
	if got.RequestCounts.Canceled != 2 {
		t.Fatalf("canceled counts %s", got.RawJSON())
	}
	page, err := c.Messages.Batches.List(ctx, anthropic.MessageBatchListParams{})
	if err != nil || len(page.Data) != 2 || page.Data[0].ID != b2.ID {
		t.Fatalf("list: %v %v", page, err)
	}
	if _, err := c.Messages.Batches.Delete(ctx, b2.ID, anthropic.MessageBatchDeleteParams{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Messages.Batches.Get(ctx, b2.ID, anthropic.MessageBatchGetParams{})
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("deleted batch: %v", err)
	}
}

func TestStreaming(t *testing.T) {
	srv := start(t, anthropicfake.Options{})
	c := newClient(t, srv, 0)
	stream := c.Messages.NewStreaming(context.Background(), forcedToolParams("claude-haiku-4-5"))
	defer stream.Close()
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != "tool_use" || len(msg.Content) != 1 {
		t.Fatalf("accumulated %+v", msg)
	}
	var in struct{ Alt string }
	if err := json.Unmarshal(msg.Content[0].AsToolUse().Input, &in); err != nil || in.Alt == "" {
		t.Fatalf("tool input %s: %v", msg.Content[0].AsToolUse().Input, err)
	}
	if msg.Usage.OutputTokens <= 1 {
		t.Errorf("usage %+v", msg.Usage)
	}
}

func TestModels(t *testing.T) {
	srv := start(t, anthropicfake.Options{Models: []string{"claude-haiku-5-5"}})
	c := newClient(t, srv, 0)
	page, err := c.Models.List(context.Background(), anthropic.ModelListParams{})
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != "claude-haiku-5-5" {
		t.Fatalf("%v %v", page, err)
	}
	_, err = c.Messages.New(context.Background(), simpleParams())
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Type() != "not_found_error" {
		t.Fatalf("unknown model: %v", err)
	}
}

func TestFillSchema(t *testing.T) {
	v := anthropicfake.FillSchema(map[string]any{
		"type": "object",
		"$defs": map[string]any{
			"tag": map[string]any{"type": "string", "minLength": 20, "maxLength": 24},
		},
		"properties": map[string]any{
			"tags":  map[string]any{"type": "array", "items": map[string]any{"$ref": "#/$defs/tag"}, "minItems": 5, "maxItems": 5},
			"price": map[string]any{"type": "number", "minimum": 2.5},
			"n":     map[string]any{"type": "integer"},
			"note":  map[string]any{"anyOf": []any{map[string]any{"type": "null"}, map[string]any{"type": "string", "maxLength": 3}}},
			"ok":    map[string]any{"type": "boolean"},
			"kind":  map[string]any{"const": "x"},
		},
	}).(map[string]any)
	tags := v["tags"].([]any)
	if len(tags) != 5 {
		t.Fatalf("tags %v", tags)
	}
	for _, tg := range tags {
		if l := len(tg.(string)); l < 20 || l > 24 {
			t.Fatalf("tag %q", tg)
		}
	}
	if v["price"] != 2.5 || v["ok"] != true || v["kind"] != "x" || len(v["note"].(string)) > 3 {
		t.Fatalf("%v", v)
	}
}
