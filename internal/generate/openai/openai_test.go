package openai_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/fakes/openaifake"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/openai"
)

func request() generate.Request {
	return generate.Request{
		Channel: generate.Etsy,
		Fields:  generate.Fields(generate.Etsy),
		Brand:   generate.Brand{Name: "Juniper", Voice: "Friendly."},
		Product: &catalog.Product{Handle: "mug", Title: "Stoneware Mug", BodyHTML: "<p>Glazed stoneware mug.</p>", Tags: []string{"mug"}},
	}
}

// TestFormats: a server with json_schema gets it; one without falls back to
// JSON mode and keeps using it; answers parse into every field.
func TestFormats(t *testing.T) {
	for _, reject := range []bool{false, true} {
		// A JSON-mode model follows the instructions in the prompt; the fake
		// stands in for that by answering with the fields' shape.
		fake := openaifake.New(openaifake.Options{RejectJSONSchema: reject, FallbackSchema: generate.BuildPrompt(request()).Schema})
		p := openai.New(openai.Options{BaseURL: fake.URL() + "/v1/", Model: "llama3.2"})
		for i := 0; i < 2; i++ {
			res, err := p.Generate(context.Background(), request())
			if err != nil {
				t.Fatalf("reject=%v: Generate = %v", reject, err)
			}
			for _, f := range generate.Fields(generate.Etsy) {
				if v := res.Values[f.Name]; v.Text == "" && len(v.Items) == 0 && f.Name != "materials" {
					t.Errorf("reject=%v: field %s missing", reject, f.Name)
				}
			}
			if res.Usage.InputTokens == 0 {
				t.Errorf("reject=%v: no usage reported", reject)
			}
		}
		var formats []string
		for _, r := range fake.Requests() {
			var body struct {
				ResponseFormat struct {
					Type string `json:"type"`
				} `json:"response_format"`
			}
			_ = json.Unmarshal(r.Body, &body)
			formats = append(formats, body.ResponseFormat.Type)
		}
		want := []string{"json_schema", "json_schema"}
		if reject {
			want = []string{"json_schema", "json_object", "json_object"}
		}
		if len(formats) != len(want) {
			t.Fatalf("reject=%v: formats sent %v, want %v", reject, formats, want)
		}
		for i := range want {
			if formats[i] != want[i] {
				t.Fatalf("reject=%v: formats sent %v, want %v", reject, formats, want)
			}
		}
		fake.Close()
	}
}
