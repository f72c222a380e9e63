package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
)

// TestGenerateOffline: with no keys, generate --wait writes every Shopify
// field for the 60 sample products and every draft passes validation.
func TestGenerateOffline(t *testing.T) {
	r := &runner{t: t, env: map[string]string{"PLUTOPRO_DATA_DIR": t.TempDir(), "PLUTOPRO_LLM": "offline"}}
	r.mustJSON("", "user", "add", "--email", "ada@example.com", "--name", "Ada")
	r.mustJSON("", "brand", "add", "--owner", "ada@example.com", "--name", "Samples")
	for _, f := range []string{"apparel.csv", "home-and-garden.csv", "jewelery.csv"} {
		if _, _, code := r.run("", "import", "--brand", "Samples", "--file", filepath.Join(samples, f)); code != 0 {
			t.Skipf("sample import failed (exit %d): sample data missing?", code)
		}
	}
	rep := r.mustJSON("", "generate", "--brand", "Samples", "--channel", "shopify", "--wait")
	if rep["products"].(float64) != 60 || rep["drafts"].(float64) != 360 || rep["invalid"].(float64) != 0 || rep["cost_usd"].(float64) != 0 {
		t.Fatalf("generate = %v; want 60 products, 360 drafts, 0 invalid, no cost", rep)
	}
}

// TestGenerateAnthropicPrivacy: against an Anthropic-compatible server, the
// requests carry the cached brand prefix and never the user's name, email,
// API token or the Anthropic key in their bodies.
func TestGenerateAnthropicPrivacy(t *testing.T) {
	fake := anthropicfake.New(anthropicfake.Options{APIKey: "sk-ant-canary-key"})
	defer fake.Close()
	fake.SetFaults(anthropicfake.Faults{Next: []anthropicfake.Fault{{Kind: anthropicfake.RateLimited, RetryAfter: 1}}})
	r := &runner{t: t, env: map[string]string{"PLUTOPRO_DATA_DIR": t.TempDir(), "PLUTOPRO_LLM": "anthropic",
		"ANTHROPIC_API_KEY": "sk-ant-canary-key", "ANTHROPIC_BASE_URL": fake.URL(), "PLUTOPRO_LLM_RPM": "6000"}}
	r.mustJSON("", "user", "add", "--email", "zelda.canary@example.com", "--name", "Zelda Canaryname")
	r.mustJSON("", "brand", "add", "--owner", "zelda.canary@example.com", "--name", "Samples")
	tok := r.mustJSON("", "token", "add", "--email", "zelda.canary@example.com")["token"].(string)
	if _, _, code := r.run("", "import", "--brand", "Samples", "--file", filepath.Join(samples, "apparel.csv")); code != 0 {
		t.Skip("sample data missing")
	}
	rep := r.mustJSON("", "generate", "--brand", "Samples", "--channel", "shopify", "--wait")
	if rep["products"].(float64) != 20 || rep["drafts"].(float64) != 120 || rep["failed"].(float64) != 0 {
		t.Fatalf("generate = %v; want 20 products, 120 drafts, none failed", rep)
	}
	if rep["cached_input_tokens"].(float64) == 0 {
		t.Fatalf("generate = %v; want the brand prefix read from the cache", rep)
	}
	st := fake.Stats()
	if st.ByStatus[429] != 1 {
		t.Fatalf("statuses %v: the injected 429 was not seen", st.ByStatus)
	}
	for _, req := range fake.Requests() {
		body := string(req.Body)
		for _, secret := range []string{"zelda.canary@example.com", "Zelda", "Canaryname", tok, "sk-ant-canary-key"} {
			if strings.Contains(body, secret) {
				t.Fatalf("a request to the model contains %q", secret)
			}
		}
		if req.Path == "/v1/messages" && !strings.Contains(body, `"cache_control":{"type":"ephemeral"`) {
			t.Fatalf("a request lacks the cache_control breakpoint")
		}
	}
}
