package learn

import (
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/generate"
)

func TestPostPass(t *testing.T) {
	etsyTitle, _ := generate.Field(generate.Etsy, "title")
	etsyDesc, _ := generate.Field(generate.Etsy, "description")
	etsyTags, _ := generate.Field(generate.Etsy, "tags")
	shopDesc, _ := generate.Field(generate.Shopify, "description")
	check := generate.CheckContext{Brand: generate.Brand{Name: "Northwind"}, Product: &catalog.Product{Title: "Scarf"}}
	tests := []struct {
		name   string
		spec   generate.FieldSpec
		in     generate.Value
		memory []string
		want   generate.Value
	}{
		{"substitution keeps capitals", etsyDesc, generate.Value{Text: "Color: blue. A color you love."},
			[]string{"prefer: color -> colour"}, generate.Value{Text: "Colour: blue. A colour you love."}},
		{"whole words only", etsyDesc, generate.Value{Text: "Colorful and colored."},
			[]string{"prefer: color -> colour"}, generate.Value{Text: "Colorful and colored."}},
		{"avoid removes and tidies", etsyDesc, generate.Value{Text: "Premium wool, premium feel. A premium, warm scarf!"},
			[]string{"avoid: premium", "no exclamation marks"}, generate.Value{Text: "Wool, feel. A warm scarf."}},
		{"include appended once", etsyDesc, generate.Value{Text: "A warm scarf."},
			[]string{"always include: Made in Leeds.", "always include: made in leeds."}, generate.Value{Text: "A warm scarf. Made in Leeds."}},
		{"include in html", shopDesc, generate.Value{Text: "<p>A warm scarf.</p>"},
			[]string{"always include: Made in Leeds & York."}, generate.Value{Text: "<p>A warm scarf.</p><p>Made in Leeds &amp; York.</p>"}},
		{"html tags untouched", shopDesc, generate.Value{Text: `<p class="color">A color scarf.</p>`},
			[]string{"prefer: color -> colour"}, generate.Value{Text: `<p class="color">A colour scarf.</p>`}},
		{"include never breaks the limit", etsyTitle, generate.Value{Text: strings.Repeat("Scarf ", 23)[:138]},
			[]string{"always include: Made in Leeds."}, generate.Value{Text: strings.Repeat("Scarf ", 23)[:138]}},
		{"substitution never breaks the limit", etsyTitle, generate.Value{Text: strings.Repeat("a", 135) + " tv"},
			[]string{"prefer: tv -> television"}, generate.Value{Text: strings.Repeat("a", 135) + " tv"}},
		{"scoped list item dropped", etsyTags, generate.Value{Items: []string{"scarf", "gift", "wool"}},
			[]string{"leave out of etsy tags: gift"}, generate.Value{Items: []string{"scarf", "wool"}}},
		{"other field's scope ignored", etsyTags, generate.Value{Items: []string{"scarf", "gift"}},
			[]string{"leave out of shopify tags: gift"}, generate.Value{Items: []string{"scarf", "gift"}}},
		{"emoji removed", etsyDesc, generate.Value{Text: "A warm scarf 🧣 for winter."},
			[]string{"no emoji"}, generate.Value{Text: "A warm scarf for winter."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := PostPass(tt.spec, tt.in, tt.memory, check)
			if got.Text != tt.want.Text || strings.Join(got.Items, "|") != strings.Join(tt.want.Items, "|") {
				t.Errorf("got %q %q\nwant %q %q", got.Text, got.Items, tt.want.Text, tt.want.Items)
			}
			if before, after := len(generate.Validate(tt.spec, tt.in, check)), len(generate.Validate(tt.spec, got, check)); after > before {
				t.Errorf("post-pass broke a rule: %d violations before, %d after", before, after)
			}
		})
	}
}

func TestSimilarity(t *testing.T) {
	a := productWords("Wool winter scarf", "Scarves", []string{"wool"})
	b := productWords("Cotton summer scarf", "Scarves", []string{"cotton"})
	c := productWords("Ceramic mug", "Kitchen", nil)
	if !(similarity(a, b) > similarity(a, c)) {
		t.Errorf("scarf~scarf %.2f should beat scarf~mug %.2f", similarity(a, b), similarity(a, c))
	}
}
