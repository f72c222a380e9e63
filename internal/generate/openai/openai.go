// Package openai writes drafts with any OpenAI-compatible server (Ollama,
// llama.cpp's llama-server, vLLM) through the official openai-go SDK. It asks
// for a JSON schema response format and falls back to JSON mode, then to
// plain text with tolerant parsing, for servers that do not support it.
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/plutopro/plutopro/internal/generate"
)

// DefaultModel is used when no model is configured.
const DefaultModel = "llama3.2"

// Options configures the provider.
type Options struct {
	BaseURL    string // e.g. http://127.0.0.1:11434/v1
	APIKey     string // most local servers ignore it
	Model      string
	MaxRetries int
	Timeout    time.Duration
	HTTPClient *http.Client
	// Pacer, if set, paces every attempt (retries too).
	Pacer *generate.Pacer
}

// Provider is the OpenAI-compatible writer.
type Provider struct {
	client sdk.Client
	model  string
	// format is the best response format the server accepted: 0 json_schema,
	// 1 json_object, 2 none. It only moves down.
	format atomic.Int32
}

// New returns a provider.
func New(o Options) *Provider {
	key := o.APIKey
	if key == "" {
		key = "none" // the SDK requires one; local servers ignore it
	}
	opts := []option.RequestOption{option.WithBaseURL(o.BaseURL), option.WithAPIKey(key)}
	retries := o.MaxRetries
	if retries == 0 {
		retries = 3
	}
	opts = append(opts, option.WithMaxRetries(retries))
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute // local models can be slow
	}
	opts = append(opts, option.WithRequestTimeout(timeout))
	if o.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(o.HTTPClient))
	}
	if o.Pacer != nil {
		opts = append(opts, option.WithMiddleware(o.Pacer.Middleware))
	}
	model := o.Model
	if model == "" {
		model = DefaultModel
	}
	return &Provider{client: sdk.NewClient(opts...), model: model}
}

// Name is "openai".
func (p *Provider) Name() string { return "openai" }

// Generate writes the requested fields.
func (p *Provider) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	pr := generate.BuildPrompt(req)
	for {
		format := p.format.Load()
		params := sdk.ChatCompletionNewParams{
			Model:    shared.ChatModel(p.model),
			Messages: []sdk.ChatCompletionMessageParamUnion{sdk.SystemMessage(pr.SystemText()), sdk.UserMessage(pr.User)},
		}
		switch format {
		case 0:
			params.ResponseFormat = sdk.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: "drafts", Schema: pr.Schema}}}
		case 1:
			params.ResponseFormat = sdk.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}}
		}
		resp, err := p.client.Chat.Completions.New(ctx, params)
		var apiErr *sdk.Error
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && format < 2 {
			// The server does not take this response format: use a simpler one from now on.
			p.format.CompareAndSwap(format, format+1)
			continue
		}
		if err != nil {
			if errors.As(err, &apiErr) {
				return nil, fmt.Errorf("openai: HTTP %d", apiErr.StatusCode)
			}
			return nil, fmt.Errorf("openai: %w", err)
		}
		if len(resp.Choices) == 0 {
			return nil, errors.New("openai: the answer has no choices")
		}
		text := resp.Choices[0].Message.Content
		values, err := generate.ParseValues(req.Fields, []byte(strings.TrimSpace(text)))
		if err != nil {
			return nil, fmt.Errorf("openai: read the answer: %w", err)
		}
		usage := generate.Usage{InputTokens: int(resp.Usage.PromptTokens), OutputTokens: int(resp.Usage.CompletionTokens)}
		return &generate.Result{Values: values, Usage: usage, Model: resp.Model, PromptHash: pr.Hash}, nil
	}
}
