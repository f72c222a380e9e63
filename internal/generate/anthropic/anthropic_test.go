package anthropic_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/anthropic"
)

func request() generate.Request {
	return generate.Request{
		Channel: generate.Shopify,
		Fields:  generate.Fields(generate.Shopify),
		Brand: generate.Brand{Name: "Northwind", Voice: "Warm and plain-spoken.", Audience: "People who cook at home.",
			Guidelines: "Short sentences. Mention care instructions when known.", WordsAvoid: []string{"stunning"}, Language: "en"},
		Product: &catalog.Product{Handle: "oak-board", Title: "Oak Serving Board", BodyHTML: "<p>Solid oak board, oiled by hand.</p>",
			Vendor: "Northwind", ProductType: "Kitchen", Tags: []string{"oak", "kitchen"},
			Images: []catalog.Image{{Src: "https://cdn.example.com/oak.jpg", Position: 1}}},
	}
}

// TestCachingAndStructuredOutput: the brand prefix carries cache_control,
// the second product of the brand reads it from the cache, the answer is
// parsed into every field, and usage and cost are reported.
func TestCachingAndStructuredOutput(t *testing.T) {
	fake := anthropicfake.New(anthropicfake.Options{APIKey: "sk-ant-test-key"})
	defer fake.Close()
	p := anthropic.New(anthropic.Options{APIKey: "sk-ant-test-key", BaseURL: fake.URL(), Model: "claude-haiku-4-5"})
	ctx := context.Background()
	first, err := p.Generate(ctx, request())
	if err != nil {
		t.Fatal(err)
	}
	if first.Usage.CacheWriteTokens < 1024 || first.Usage.CachedInputTokens != 0 {
		t.Fatalf("first call usage = %+v; want the brand prefix (>= 1024 tokens) written to the cache", first.Usage)
	}
	req2 := request()
	req2.Product = &catalog.Product{Handle: "linen-towel", Title: "Linen Tea Towel", BodyHTML: "<p>Stonewashed linen.</p>"}
	second, err := p.Generate(ctx, req2)
	if err != nil {
		t.Fatal(err)
	}
	if second.Usage.CachedInputTokens != first.Usage.CacheWriteTokens || second.Usage.CacheWriteTokens != 0 {
		t.Fatalf("second call usage = %+v; want the prefix read from the cache", second.Usage)
	}
	if second.Usage.CostUSD >= first.Usage.CostUSD || first.Usage.CostUSD <= 0 {
		t.Fatalf("cost first %.6f second %.6f; a cached call must cost less", first.Usage.CostUSD, second.Usage.CostUSD)
	}
	for _, f := range generate.Fields(generate.Shopify) {
		v := first.Values[f.Name]
		if v.Text == "" && len(v.Items) == 0 {
			t.Errorf("field %s missing from the parsed answer", f.Name)
		}
	}
	var body struct {
		System []struct {
			Text         string          `json:"text"`
			CacheControl json.RawMessage `json:"cache_control"`
		} `json:"system"`
		OutputConfig struct {
			Format struct {
				Type string `json:"type"`
			} `json:"format"`
		} `json:"output_config"`
	}
	reqs := fake.Requests()
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	last := body.System[len(body.System)-1]
	if len(last.CacheControl) == 0 || !strings.Contains(string(last.CacheControl), "ephemeral") {
		t.Fatalf("the last system block has no ephemeral cache_control: %s", last.CacheControl)
	}
	if body.OutputConfig.Format.Type != "json_schema" {
		t.Fatalf("output_config.format.type = %q, want json_schema", body.OutputConfig.Format.Type)
	}
	for _, r := range reqs {
		if strings.Contains(string(r.Body), "sk-ant-test-key") {
			t.Fatal("the API key appears in a request body")
		}
	}
}

// TestRetriesRateLimits: 429 with retry-after, 529 and 500 are retried.
func TestRetriesRateLimits(t *testing.T) {
	fake := anthropicfake.New(anthropicfake.Options{APIKey: "k"})
	defer fake.Close()
	fake.SetFaults(anthropicfake.Faults{Next: []anthropicfake.Fault{
		{Kind: anthropicfake.RateLimited, RetryAfter: 1},
		{Kind: anthropicfake.Overloaded},
		{Kind: anthropicfake.ServerError},
	}})
	p := anthropic.New(anthropic.Options{APIKey: "k", BaseURL: fake.URL(), MaxRetries: 4})
	if _, err := p.Generate(context.Background(), request()); err != nil {
		t.Fatalf("Generate after faults = %v", err)
	}
	st := fake.Stats()
	if st.ByStatus[429] != 1 || st.ByStatus[529] != 1 || st.ByStatus[500] != 1 || st.ByStatus[200] != 1 {
		t.Fatalf("statuses = %v; want one each of 429, 529, 500 then 200", st.ByStatus)
	}
}

// TestErrorsHideTheKey: a refused key gives an error without the key.
func TestErrorsHideTheKey(t *testing.T) {
	fake := anthropicfake.New(anthropicfake.Options{APIKey: "right"})
	defer fake.Close()
	p := anthropic.New(anthropic.Options{APIKey: "sk-ant-wrong-secret", BaseURL: fake.URL(), MaxRetries: 1})
	_, err := p.Generate(context.Background(), request())
	if err == nil || strings.Contains(err.Error(), "sk-ant-wrong-secret") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Generate with a wrong key = %v; want a 401 without the key", err)
	}
}

// TestPacerFollowsTheAccountLimit: the pacer set to 6,000/min drops to the
// account's 120/min after the first answer, so a burst gets no 429.
func TestPacerFollowsTheAccountLimit(t *testing.T) {
	fake := anthropicfake.New(anthropicfake.Options{APIKey: "k", RequestsPerMinute: 120})
	defer fake.Close()
	pacer := generate.NewPacer(6000)
	p := anthropic.New(anthropic.Options{APIKey: "k", BaseURL: fake.URL(), Pacer: pacer})
	for i := 0; i < 4; i++ {
		if _, err := p.Generate(context.Background(), request()); err != nil {
			t.Fatal(err)
		}
	}
	if pacer.Limit() != 2 {
		t.Fatalf("pacer limit = %v/s, want 2 (120/min from the headers)", pacer.Limit())
	}
	if n := fake.Stats().ByStatus[429]; n != 0 {
		t.Fatalf("%d calls answered 429", n)
	}
}
