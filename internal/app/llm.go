package app

import (
	"github.com/plutopro/plutopro/internal/config"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/anthropic"
	"github.com/plutopro/plutopro/internal/generate/offline"
	"github.com/plutopro/plutopro/internal/generate/openai"
)

// newProvider builds the writer PLUTOPRO_LLM names (validated by config).
func newProvider(cfg config.Config) generate.Provider {
	// One pacer per process for every call to a remote model, retries
	// included, lowered by the provider's own rate-limit headers.
	pacer := generate.NewPacer(cfg.LLMRequestsPerMinute)
	pacer.LimitInputTokens(cfg.LLMInputTokensPerMinute)
	switch cfg.LLM {
	case "anthropic":
		o := anthropic.Options{APIKey: cfg.AnthropicAPIKey, BaseURL: cfg.AnthropicBaseURL, Model: cfg.LLMModel, Pacer: pacer}
		if len(cfg.LLMPrices) == 4 {
			o.Prices = &anthropic.Prices{Input: cfg.LLMPrices[0], Output: cfg.LLMPrices[1], CacheWrite: cfg.LLMPrices[2], CacheRead: cfg.LLMPrices[3]}
		}
		return anthropic.New(o)
	case "openai":
		return openai.New(openai.Options{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey, Model: cfg.LLMModel, Pacer: pacer})
	}
	return offline.New()
}
