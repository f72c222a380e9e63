// Package generate turns a product and a brand profile into drafts for the
// fields a sales channel needs: the channel rules as data, validation and
// safe repair of every draft, a grounding check against the product's own
// facts, prompt assembly, and the Provider interface the writers implement
// (anthropic, openai, offline).
package generate

import (
	"context"

	"github.com/plutopro/plutopro/internal/catalog"
)

// Channel is a sales channel with its own field rules.
type Channel string

// The channels.
const (
	Shopify Channel = "shopify"
	Etsy    Channel = "etsy"
	Amazon  Channel = "amazon"
	Google  Channel = "google"
)

// Channels lists every channel.
var Channels = []Channel{Shopify, Etsy, Amazon, Google}

// Brand is what the writer knows about the brand: its profile, never
// account data.
type Brand struct {
	Name        string
	Description string
	Voice       string
	Audience    string
	Guidelines  string
	WordsAvoid  []string
	WordsPrefer []string
	Language    string // BCP 47, e.g. "en", "en-GB"
}

// Value is one field's content: Text for text and HTML fields, Items for
// list fields (tags, bullets, materials, highlights) and for per-image fields
// (image_alt: Items[i] is the alt text of the product's i-th image).
type Value struct {
	Text  string   `json:"text,omitempty"`
	Items []string `json:"items,omitempty"`
}

// Request asks a provider for the given fields of one product.
type Request struct {
	Channel Channel
	Fields  []FieldSpec
	Brand   Brand
	Product *catalog.Product
	// Memory is what the brand's reviews taught (internal/learn): rules and
	// standing guidance, one per line, given next to the brand profile.
	Memory []string
	// Examples are the brand's approved drafts for similar products.
	Examples []Example
	// Instruction is a reviewer's regeneration instruction, if any.
	Instruction string
	// Feedback lists violations of a previous attempt, so a regeneration
	// states what to fix.
	Feedback []Violation
}

// Example is a draft the brand's reviewers approved (as written or after
// editing) for a similar product: an example of the seller's taste, never
// a source of facts.
type Example struct {
	Product string `json:"product"` // the product's title
	Field   string `json:"field"`
	Text    string `json:"text"`
}

// Usage is what a call cost.
type Usage struct {
	InputTokens       int     `json:"input_tokens"`
	CachedInputTokens int     `json:"cached_input_tokens"`
	CacheWriteTokens  int     `json:"cache_write_tokens"`
	OutputTokens      int     `json:"output_tokens"`
	CostUSD           float64 `json:"cost_usd"`
}

// Result is a provider's answer.
type Result struct {
	Values     map[string]Value // by field name
	Usage      Usage
	Model      string
	PromptHash string // hash of the full prompt, stored with each draft
}

// Provider writes drafts. Implementations: anthropic, openai, offline.
type Provider interface {
	Name() string
	Generate(ctx context.Context, req Request) (*Result, error)
}

// Violation is a rule a draft breaks.
type Violation struct {
	Rule    string `json:"rule"`    // e.g. "max_length", "forbidden_chars", "banned_phrase", "html", "count", "duplicate", "template_marker", "refusal"
	Message string `json:"message"` // what a seller reads
	Item    int    `json:"item"`    // index in Items for list fields, -1 otherwise
}

// Ungrounded is a sentence of a draft that states facts (numbers,
// measurements, materials, certifications, claims) the product's own data
// does not contain.
type Ungrounded struct {
	Sentence string   `json:"sentence"`
	Terms    []string `json:"terms"`
}

// BatchItem is one request of a batch, named by CustomID (the product id).
type BatchItem struct {
	CustomID string
	Request  Request
}

// Batcher is a provider that can also run many requests as one
// asynchronous batch at a lower price (Anthropic's Message Batches).
type Batcher interface {
	// SubmitBatch sends the items and returns the batch id.
	SubmitBatch(ctx context.Context, items []BatchItem) (string, error)
	// BatchEnded reports whether the batch has finished processing.
	BatchEnded(ctx context.Context, id string) (bool, error)
	// BatchResults calls fn once per result line, in whatever order the
	// provider returns them; request gives back the Request of a custom id.
	BatchResults(ctx context.Context, id string, request func(customID string) (Request, bool),
		fn func(customID string, res *Result, err error) error) error
}
