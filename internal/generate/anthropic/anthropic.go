// Package anthropic writes drafts with Claude through Anthropic's official Go
// SDK: the brand prefix is sent as system blocks with a cache_control
// breakpoint (prompt caching), the answer is structured output against the
// fields' JSON schema, and rate limits (429 with retry-after, 529, 5xx) are
// retried by the SDK before the job's own retries.
package anthropic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/plutopro/plutopro/internal/generate"
)

// DefaultModel is used when no model is configured.
const DefaultModel = "claude-haiku-4-5"

// Prices are USD per million tokens.
type Prices struct {
	Input      float64
	Output     float64
	CacheWrite float64 // 5-minute cache write
	CacheRead  float64
}

// KnownPrices are the list prices of the models PlutoPro is tested with
// (../shared/reference/services.md, late 2026). A model not listed costs 0
// in the usage records unless PLUTOPRO_LLM_PRICES (Options.Prices) sets it.
var KnownPrices = map[string]Prices{
	"claude-haiku-4-5":           {Input: 1, Output: 5, CacheWrite: 1.25, CacheRead: 0.10},
	"claude-haiku-4-5-20251001":  {Input: 1, Output: 5, CacheWrite: 1.25, CacheRead: 0.10},
	"claude-haiku-5-5":           {Input: 0.10, Output: 0.50, CacheWrite: 0.125, CacheRead: 0.01},
	"claude-sonnet-5-5":          {Input: 2, Output: 10, CacheWrite: 2.50, CacheRead: 0.20},
	"claude-sonnet-5":            {Input: 2, Output: 10, CacheWrite: 2.50, CacheRead: 0.20},
	"claude-sonnet-4-5-20250929": {Input: 3, Output: 15, CacheWrite: 3.75, CacheRead: 0.30},
}

// Options configures the provider.
type Options struct {
	APIKey  string
	BaseURL string // empty: Anthropic's API
	Model   string
	// MaxRetries is how often the SDK retries 429, 529, 5xx and dropped
	// connections (honouring retry-after) before the call fails.
	MaxRetries int
	Timeout    time.Duration
	MaxTokens  int
	HTTPClient *http.Client
	// Prices overrides the model's list prices (PLUTOPRO_LLM_PRICES).
	Prices *Prices
	// Pacer, if set, paces every attempt (retries too) and learns the
	// account's limits from the rate-limit headers.
	Pacer *generate.Pacer
}

// Provider is the Anthropic writer.
type Provider struct {
	client    sdk.Client
	model     string
	prices    Prices
	maxTokens int
}

// New returns a provider. The key is never logged or put in errors.
func New(o Options) *Provider {
	opts := []option.RequestOption{option.WithAPIKey(o.APIKey)}
	if o.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(o.BaseURL))
	}
	retries := o.MaxRetries
	if retries == 0 {
		retries = 4
	}
	opts = append(opts, option.WithMaxRetries(retries))
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
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
	maxTokens := o.MaxTokens
	if maxTokens == 0 {
		maxTokens = 4096
	}
	prices := KnownPrices[model]
	if o.Prices != nil {
		prices = *o.Prices
	}
	return &Provider{client: sdk.NewClient(opts...), model: model, prices: prices, maxTokens: maxTokens}
}

// Name is "anthropic".
func (p *Provider) Name() string { return "anthropic" }

// Params builds the Messages API request for req (exported for the batch path and tests).
func (p *Provider) Params(req generate.Request) (sdk.MessageNewParams, generate.Prompt) {
	pr := generate.BuildPrompt(req)
	system := make([]sdk.TextBlockParam, 0, len(pr.System))
	for _, b := range pr.System {
		block := sdk.TextBlockParam{Text: b.Text}
		if b.Cache {
			block.CacheControl = sdk.NewCacheControlEphemeralParam()
		}
		system = append(system, block)
	}
	return sdk.MessageNewParams{
		Model:     sdk.Model(p.model),
		MaxTokens: int64(p.maxTokens),
		System:    system,
		Messages:  []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock(pr.User))},
		OutputConfig: sdk.OutputConfigParam{
			Format: sdk.JSONOutputFormatParam{Schema: generate.SchemaWithoutLimits(pr.Schema)},
		},
	}, pr
}

// Generate writes the requested fields.
func (p *Provider) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	params, pr := p.Params(req)
	msg, err := p.client.Messages.New(ctx, params)
	if err != nil {
		return nil, describe(err)
	}
	return p.Result(req, msg, pr.Hash)
}

// Result turns a Message into drafts and usage.
func (p *Provider) Result(req generate.Request, msg *sdk.Message, promptHash string) (*generate.Result, error) {
	var text strings.Builder
	for _, block := range msg.Content {
		if block.Type == "text" {
			text.WriteString(block.Text)
		}
	}
	if msg.StopReason == "refusal" {
		return nil, errors.New("anthropic: the model refused to write this product")
	}
	values, err := generate.ParseValues(req.Fields, []byte(text.String()))
	if err != nil {
		return nil, fmt.Errorf("anthropic: read the answer: %w", err)
	}
	u := msg.Usage
	usage := generate.Usage{
		InputTokens:       int(u.InputTokens),
		CachedInputTokens: int(u.CacheReadInputTokens),
		CacheWriteTokens:  int(u.CacheCreationInputTokens),
		OutputTokens:      int(u.OutputTokens),
	}
	usage.CostUSD = p.cost(usage)
	return &generate.Result{Values: values, Usage: usage, Model: string(msg.Model), PromptHash: promptHash}, nil
}

func (p *Provider) cost(u generate.Usage) float64 {
	const m = 1e6
	return float64(u.InputTokens)*p.prices.Input/m + float64(u.OutputTokens)*p.prices.Output/m +
		float64(u.CacheWriteTokens)*p.prices.CacheWrite/m + float64(u.CachedInputTokens)*p.prices.CacheRead/m
}

// describe keeps the status and Anthropic's error type, never the request
// (which holds the key in its headers).
func describe(err error) error {
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		return fmt.Errorf("anthropic: HTTP %d (request %s)", apiErr.StatusCode, apiErr.RequestID)
	}
	return fmt.Errorf("anthropic: %w", err)
}
