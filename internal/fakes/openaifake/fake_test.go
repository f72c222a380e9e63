package openaifake_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/plutopro/plutopro/internal/fakes/openaifake"
)

func start(t *testing.T, opts openaifake.Options) (*openaifake.Server, openai.Client) {
	t.Helper()
	srv := openaifake.New(opts)
	t.Cleanup(srv.Close)
	key := opts.APIKey
	if key == "" {
		key = "ollama"
	}
	c := openai.NewClient(option.WithBaseURL(srv.URL()+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(2))
	return srv, c
}

var altSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"alt":  map[string]any{"type": "string", "maxLength": 125},
		"tags": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "minItems": 2},
	},
	"required": []any{"alt", "tags"},
}

func schemaParams(model string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You write alt text."),
			openai.UserMessage("A blue ceramic mug on a table."),
		},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name: "alt", Schema: altSchema, Strict: openai.Bool(true),
			}},
		},
	}
}

func TestJSONSchemaAnswer(t *testing.T) {
	srv, c := start(t, openaifake.Options{APIKey: "secret"})
	res, err := c.Chat.Completions.New(context.Background(), schemaParams("llama3.2"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Object != "chat.completion" || !strings.HasPrefix(res.ID, "chatcmpl-") || res.Model != "llama3.2" ||
		len(res.Choices) != 1 || res.Choices[0].FinishReason != "stop" || res.Choices[0].Message.Role != "assistant" {
		t.Fatalf("unexpected answer %s", res.RawJSON())
	}
	var out struct {
		Alt  string   `json:"alt"`
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal([]byte(res.Choices[0].Message.Content), &out); err != nil || out.Alt == "" || len(out.Tags) != 3 {
		t.Fatalf("content %q: %v", res.Choices[0].Message.Content, err)
	}
	u := res.Usage
	if u.PromptTokens <= 0 || u.CompletionTokens <= 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Fatalf("usage %s", u.RawJSON())
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "" || !strings.Contains(string(reqs[0].Body), `"json_schema"`) {
		t.Fatalf("recorded %+v", reqs)
	}

	// A wrong key is refused.
	bad := openai.NewClient(option.WithBaseURL(srv.URL()+"/v1/"), option.WithAPIKey("nope"), option.WithMaxRetries(0))
	_, err = bad.Chat.Completions.New(context.Background(), schemaParams("llama3.2"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "invalid_api_key" {
		t.Fatalf("want 401, got %v", err)
	}
}

func TestResponder(t *testing.T) {
	var seen openaifake.Request
	_, c := start(t, openaifake.Options{Responder: func(req openaifake.Request) (map[string]any, error) {
		seen = req
		return map[string]any{"alt": "A mug", "tags": []string{"mug"}}, nil
	}})
	res, err := c.Chat.Completions.New(context.Background(), schemaParams("qwen"))
	if err != nil {
		t.Fatal(err)
	}
	if seen.Model != "qwen" || seen.System != "You write alt text." || seen.User != "A blue ceramic mug on a table." ||
		seen.Format != "json_schema" || seen.Schema["type"] != "object" {
		t.Fatalf("responder saw %+v", seen)
	}
	if res.Choices[0].Message.Content != `{"alt":"A mug","tags":["mug"]}` {
		t.Fatalf("content %q", res.Choices[0].Message.Content)
	}
}

var fence = regexp.MustCompile("(?s)^[^`]+\n```json\n(.*)\n```\n?$")

func TestFencedAnswerWithoutResponseFormat(t *testing.T) {
	_, c := start(t, openaifake.Options{FallbackSchema: altSchema})
	res, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "llama3.2",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Answer in JSON with alt and tags.")},
	})
	if err != nil {
		t.Fatal(err)
	}
	content := res.Choices[0].Message.Content
	m := fence.FindStringSubmatch(content)
	if m == nil {
		t.Fatalf("not a fenced answer: %q", content)
	}
	if json.Valid([]byte(content)) {
		t.Fatal("a fenced answer must not parse as plain JSON")
	}
	var out struct{ Alt string }
	if err := json.Unmarshal([]byte(m[1]), &out); err != nil || out.Alt == "" {
		t.Fatalf("fenced JSON %q: %v", m[1], err)
	}

	// json_object answers bare JSON.
	res, err = c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:          "llama3.2",
		Messages:       []openai.ChatCompletionMessageParamUnion{openai.UserMessage("JSON please")},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}},
	})
	if err != nil || !json.Valid([]byte(res.Choices[0].Message.Content)) {
		t.Fatalf("json_object: %v %v", res, err)
	}
}

func TestJSONSchemaUnsupported(t *testing.T) {
	srv, c := start(t, openaifake.Options{RejectJSONSchema: true})
	_, err := c.Chat.Completions.New(context.Background(), schemaParams("llama3.2"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Type != "invalid_request_error" || !strings.Contains(apiErr.Message, "json_schema") {
		t.Fatalf("want 400, got %v", err)
	}
	if st := srv.Stats(); st.Calls != 1 {
		t.Fatalf("a 400 must not be retried: %+v", st)
	}
	// The client can fall back to json_object.
	p := schemaParams("llama3.2")
	p.ResponseFormat = openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}}
	if _, err := c.Chat.Completions.New(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func TestValidation(t *testing.T) {
	_, c := start(t, openaifake.Options{Models: []string{"llama3.2"}, StrictModels: true})
	_, err := c.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{Model: "llama3.2"})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Param != "messages" {
		t.Fatalf("no messages: %v", err)
	}
	_, err = c.Chat.Completions.New(context.Background(), schemaParams("gpt-x"))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "model_not_found" {
		t.Fatalf("unknown model: %v", err)
	}
	page, err := c.Models.List(context.Background())
	if err != nil || len(page.Data) != 1 || page.Data[0].ID != "llama3.2" {
		t.Fatalf("models: %v %v", page, err)
	}
}

func TestFaultsRetried(t *testing.T) {
	for _, f := range []openaifake.Fault{
		{Kind: openaifake.ServerError},
		{Kind: openaifake.RateLimited, RetryAfter: time.Second},
		{Kind: openaifake.DropConnection},
	} {
		t.Run(string(f.Kind), func(t *testing.T) {
			srv, c := start(t, openaifake.Options{})
			srv.FailNext(1, f)
			if _, err := c.Chat.Completions.New(context.Background(), schemaParams("llama3.2")); err != nil {
				t.Fatal(err)
			}
			if st := srv.Stats(); st.Calls != 2 || st.ByStatus[200] != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}

	srv, _ := start(t, openaifake.Options{})
	srv.SetFaults(openaifake.Faults{Next: []openaifake.Fault{{Kind: openaifake.ServerError}}})
	c0 := openai.NewClient(option.WithBaseURL(srv.URL()+"/v1/"), option.WithAPIKey("x"), option.WithMaxRetries(0))
	_, err := c0.Chat.Completions.New(context.Background(), schemaParams("llama3.2"))
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || apiErr.Type != "server_error" {
		t.Fatalf("want 500, got %v", err)
	}

	// Latency beyond the request timeout fails the call.
	srv.SetFaults(openaifake.Faults{Latency: 50 * time.Millisecond})
	_, err = c0.Chat.Completions.New(context.Background(), schemaParams("llama3.2"), option.WithRequestTimeout(5*time.Millisecond))
	if err == nil {
		t.Fatal("want a timeout")
	}
}

func TestStreaming(t *testing.T) {
	_, c := start(t, openaifake.Options{})
	p := schemaParams("llama3.2")
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := c.Chat.Completions.NewStreaming(context.Background(), p)
	defer stream.Close()
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(acc.Choices) != 1 || !json.Valid([]byte(acc.Choices[0].Message.Content)) || acc.Usage.TotalTokens == 0 {
		t.Fatalf("accumulated %+v", acc.ChatCompletion)
	}
}
