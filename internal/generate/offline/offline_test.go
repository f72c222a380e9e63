package offline_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/offline"
)

// valueText is what the grounding check reads, as the drafts worker gives it.
func valueText(v generate.Value) string {
	if len(v.Items) > 0 {
		return strings.Join(v.Items, ". ")
	}
	return catalog.PlainText(v.Text)
}

// visible is the value as a reader sees it, for word checks.
func visible(v generate.Value) string {
	if len(v.Items) > 0 {
		return strings.Join(v.Items, "\n")
	}
	return catalog.PlainText(v.Text)
}

// hasWord reports whether phrase occurs in s as whole words, ignoring case.
func hasWord(s, phrase string) bool {
	s, phrase = strings.ToLower(s), strings.ToLower(phrase)
	for i := 0; ; {
		j := strings.Index(s[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		okBefore := start == 0 || !isWord(rune(s[start-1]))
		okAfter := end == len(s) || !isWord(rune(s[end]))
		if okBefore && okAfter {
			return true
		}
		i = start + 1
	}
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// TestSampleCatalog: every field of every channel, for all 60 sample
// products and three brand profiles, passes validation with no violations
// and states nothing the grounding check cannot find in the data.
func TestSampleCatalog(t *testing.T) {
	products := sampleProducts(t)
	if len(products) != 60 {
		t.Fatalf("read %d sample products, want 60", len(products))
	}
	brands := map[string]generate.Brand{"full": testBrand(), "plain": plainBrand(), "formal": formalBrand()}
	for name, b := range brands {
		for _, ch := range generate.Channels {
			specs := generate.Fields(ch)
			if len(specs) == 0 {
				t.Fatalf("no fields for %s", ch)
			}
			for _, p := range products {
				res := gen(t, p, ch, b)
				if res.Model != offline.Model || res.Usage != (generate.Usage{}) || len(res.PromptHash) != 64 {
					t.Fatalf("result model %q usage %+v hash %q", res.Model, res.Usage, res.PromptHash)
				}
				check := generate.CheckContext{Brand: b, Product: p, ImageCount: len(p.Images)}
				for _, spec := range specs {
					v, ok := res.Values[spec.Name]
					if !ok {
						t.Errorf("%s/%s/%s: no value", name, p.Handle, spec.Name)
						continue
					}
					where := fmt.Sprintf("%s brand, %s, %s %s", name, p.Handle, ch, spec.Name)
					if spec.Kind != generate.KindList && strings.TrimSpace(v.Text) == "" {
						t.Errorf("%s: empty", where)
					}
					for _, x := range generate.Validate(spec, v, check) {
						t.Errorf("%s: %s: %s\nvalue: %q %q", where, x.Rule, x.Message, v.Text, v.Items)
					}
					for _, u := range generate.Ground(valueText(v), p, b) {
						t.Errorf("%s: ungrounded %v in %q", where, u.Terms, u.Sentence)
					}
					if fixed, did := generate.Repair(spec, v, check); len(did) > 0 {
						t.Errorf("%s: Repair changed the value (%v): %q %q", where, did, fixed.Text, fixed.Items)
					}
				}
			}
		}
	}
}

// TestDeterministic: the same request gives the same result, from any
// Writer; a different product, field set or memory gives another hash.
func TestDeterministic(t *testing.T) {
	products := sampleProducts(t)
	for _, ch := range generate.Channels {
		for _, p := range products[:10] {
			a, b := gen(t, p, ch, testBrand()), gen(t, p, ch, testBrand())
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s %s: two runs differ:\n%+v\n%+v", p.Handle, ch, a, b)
			}
		}
	}
	p, q := products[0], products[1]
	base := gen(t, p, generate.Shopify, testBrand()).PromptHash
	for name, h := range map[string]string{
		"other product": gen(t, q, generate.Shopify, testBrand()).PromptHash,
		"other channel": gen(t, p, generate.Etsy, testBrand()).PromptHash,
		"other brand":   gen(t, p, generate.Shopify, plainBrand()).PromptHash,
		"memory":        gen(t, p, generate.Shopify, testBrand(), "avoid: cotton").PromptHash,
	} {
		if h == base {
			t.Errorf("%s: same prompt hash", name)
		}
	}
}

// TestOpeningsVary: descriptions of different products open differently,
// not only because their titles differ.
func TestOpeningsVary(t *testing.T) {
	products := sampleProducts(t)
	for _, ch := range []generate.Channel{generate.Shopify, generate.Etsy, generate.Amazon, generate.Google} {
		name := "description"
		if ch == generate.Amazon {
			name = "product_description"
		}
		openings := map[string]int{}
		for _, p := range products {
			text := visible(gen(t, p, ch, testBrand()).Values[name])
			text = strings.ReplaceAll(strings.ToLower(text), strings.ToLower(p.Title), "{title}")
			ws := strings.Fields(text)
			if len(ws) > 3 {
				ws = ws[:3]
			}
			openings[strings.Join(ws, " ")]++
		}
		if len(openings) < 5 {
			t.Errorf("%s: only %d distinct openings: %v", ch, len(openings), openings)
		}
		t.Logf("%s: %d distinct openings across %d products", ch, len(openings), len(products))
	}
}

// TestWordsAvoided: the brand's words to avoid never appear, even where the
// product's own data uses them.
func TestWordsAvoided(t *testing.T) {
	b := testBrand()
	b.WordsAvoid = []string{"stylish", "classic", "perfect", "wooden", "comfortable", "womens"}
	for _, p := range sampleProducts(t) {
		for _, ch := range generate.Channels {
			res := gen(t, p, ch, b)
			for _, spec := range generate.Fields(ch) {
				v := res.Values[spec.Name]
				for _, w := range b.WordsAvoid {
					if hasWord(visible(v), w) {
						t.Errorf("%s %s %s uses %q: %q %q", p.Handle, ch, spec.Name, w, v.Text, v.Items)
					}
				}
				for _, x := range generate.Validate(spec, v, generate.CheckContext{Brand: b, Product: p}) {
					t.Errorf("%s %s %s: %s", p.Handle, ch, spec.Name, x.Message)
				}
			}
		}
	}
}

func productByHandle(t *testing.T, handle string) *catalog.Product {
	t.Helper()
	for _, p := range sampleProducts(t) {
		if p.Handle == handle {
			return p
		}
	}
	t.Fatalf("no sample product %q", handle)
	return nil
}

// TestMemoryApplied: memory lines change the drafts: an avoided word is
// gone, a substitution is made, an always-include sentence is in every
// long description and within its limits, a word cap holds, titles follow
// the casing, spelling follows the memory, exclamation marks go.
func TestMemoryApplied(t *testing.T) {
	include := "Every piece is checked by hand in our studio before it ships."
	memory := []string{
		"avoid: cotton",
		"prefer: jacket -> coat",
		"always include: " + include,
		"max words description: 60",
		"sentence case titles",
		"spelling: american",
		"no exclamation marks",
		"something the writer does not understand",
	}
	b := testBrand()
	longText := map[generate.Channel]string{generate.Shopify: "description", generate.Etsy: "description", generate.Amazon: "product_description"}
	for _, p := range sampleProducts(t) {
		for _, ch := range generate.Channels {
			res := gen(t, p, ch, b, memory...)
			for _, spec := range generate.Fields(ch) {
				v := res.Values[spec.Name]
				text := visible(v)
				if hasWord(text, "cotton") {
					t.Errorf("%s %s %s: avoided word: %q", p.Handle, ch, spec.Name, text)
				}
				if hasWord(text, "Harbor") {
					t.Errorf("%s %s %s: the brand's name was respelled: %q", p.Handle, ch, spec.Name, text)
				}
				if hasWord(text, "jacket") {
					t.Errorf("%s %s %s: jacket not replaced: %q", p.Handle, ch, spec.Name, text)
				}
				if strings.Contains(text, "!") {
					t.Errorf("%s %s %s: exclamation mark: %q", p.Handle, ch, spec.Name, text)
				}
				if spec.Name != "generic_keywords" && (hasWord(text, "colourful") || hasWord(text, "grey")) {
					t.Errorf("%s %s %s: British spelling: %q", p.Handle, ch, spec.Name, text)
				}
				if spec.Name == longText[ch] {
					if !strings.Contains(text, include) {
						t.Errorf("%s %s %s: include sentence missing: %q", p.Handle, ch, spec.Name, text)
					}
					if n := len(strings.Fields(strings.ReplaceAll(text, "\n- ", " "))); n > 60 {
						t.Errorf("%s %s %s: %d words, cap 60: %q", p.Handle, ch, spec.Name, n, text)
					}
				}
				for _, x := range generate.Validate(spec, v, generate.CheckContext{Brand: b, Product: p}) {
					t.Errorf("%s %s %s: %s", p.Handle, ch, spec.Name, x.Message)
				}
			}
		}
	}
	jacket := productByHandle(t, "classic-leather-jacket")
	res := gen(t, jacket, generate.Shopify, b, memory...)
	if got := res.Values["title"].Text; got != "Classic leather coat" {
		t.Errorf("title = %q, want sentence case with the substitution", got)
	}
	if !strings.Contains(res.Values["description"].Text, "coat") {
		t.Errorf("description has no coat: %q", res.Values["description"].Text)
	}
	tee := productByHandle(t, "red-sports-tee")
	if d := gen(t, tee, generate.Shopify, b, memory...).Values["description"].Text; !strings.Contains(d, "colorful") {
		t.Errorf("description not in American spelling: %q", d)
	}
	if d := gen(t, tee, generate.Shopify, b).Values["description"].Text; !strings.Contains(d, "colourful") {
		t.Errorf("description not in the brand's British spelling: %q", d)
	}

	// An exclamation mark in the product's own words.
	loud := &catalog.Product{Handle: "party-hat", Title: "Party Hat", BodyHTML: "<p>Gold paper party hat with elastic strap. Great for birthdays!</p>", Vendor: "Confetti Co"}
	for _, ch := range generate.Channels {
		res := gen(t, loud, ch, b, "no exclamation marks")
		for name, v := range res.Values {
			if strings.Contains(visible(v), "!") {
				t.Errorf("%s %s keeps an exclamation mark: %q", ch, name, visible(v))
			}
		}
	}
}

// TestInstruction: a reviewer's instruction in a memory form is applied,
// and any instruction changes the wording choices, so a regeneration reads
// differently.
func TestInstruction(t *testing.T) {
	changed := 0
	for _, p := range sampleProducts(t) {
		req := generate.Request{Channel: generate.Shopify, Fields: generate.Fields(generate.Shopify), Brand: testBrand(), Product: p}
		a, err := offline.New().Generate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		req.Instruction = "avoid: classic"
		b, err := offline.New().Generate(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if a.Values["description"].Text != b.Values["description"].Text {
			changed++
		}
		for name, v := range b.Values {
			if hasWord(visible(v), "classic") {
				t.Errorf("%s %s: instruction not applied: %q", p.Handle, name, visible(v))
			}
		}
		if a.PromptHash == b.PromptHash {
			t.Errorf("%s: the instruction does not change the prompt hash", p.Handle)
		}
	}
	if changed < 30 {
		t.Errorf("only %d of 60 descriptions changed with an instruction", changed)
	}
}

func TestParseMemory(t *testing.T) {
	r, unknown := offline.ParseMemory([]string{
		"- Avoid: cheap, \"bargain\"",
		"never use amazing",
		"prefer: jacket -> coat",
		"use sofa instead of couch",
		"replace tee with t-shirt",
		"prefer: crafted",
		"Always include: Made to order.",
		"max words description: 120",
		"max words etsy title: 12",
		"at most 200 words",
		"No exclamation marks.",
		"sentence case titles",
		"spelling: British",
		"tone: formal",
		"no contractions",
		"be nice",
	})
	want := offline.Rules{
		Avoid:         []string{"cheap", "bargain", "amazing"},
		Replace:       []offline.Replacement{{"jacket", "coat"}, {"couch", "sofa"}, {"tee", "t-shirt"}},
		Prefer:        []string{"crafted"},
		Include:       []string{"Made to order."},
		MaxWords:      map[string]int{"description": 120, "etsy title": 12, "": 200},
		NoExclamation: true,
		TitleCase:     "sentence",
		Spelling:      "british",
		Tone:          "formal",
		Contractions:  "avoid",
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("rules:\n got %+v\nwant %+v", r, want)
	}
	if !reflect.DeepEqual(unknown, []string{"be nice"}) {
		t.Errorf("unknown = %q", unknown)
	}
}

// TestThinProduct: a product with a title and one short sentence still gets
// every field, within every limit, and five honest Amazon bullets.
func TestThinProduct(t *testing.T) {
	p := &catalog.Product{Handle: "mug", Title: "Speckled Mug", BodyHTML: "Stoneware mug.", Vendor: "Kiln & Co",
		Images: []catalog.Image{{Src: "https://cdn.example.com/IMG_0001.jpg", Position: 1}, {Src: "https://cdn.example.com/IMG_0002.jpg", Position: 2}}}
	for _, b := range []generate.Brand{testBrand(), plainBrand()} {
		for _, ch := range generate.Channels {
			res := gen(t, p, ch, b)
			for _, spec := range generate.Fields(ch) {
				v := res.Values[spec.Name]
				for _, x := range generate.Validate(spec, v, generate.CheckContext{Brand: b, Product: p}) {
					t.Errorf("%s %s %s: %s: %q %q", b.Name, ch, spec.Name, x.Message, v.Text, v.Items)
				}
				for _, u := range generate.Ground(valueText(v), p, b) {
					t.Errorf("%s %s %s: ungrounded %v in %q", b.Name, ch, spec.Name, u.Terms, u.Sentence)
				}
			}
			if ch == generate.Amazon {
				t.Logf("%s bullets: %q", b.Name, res.Values["bullet_points"].Items)
			}
		}
	}
	// Thinner still: five bullets whenever there is a vendor or a brand name
	// (a one-word title with a vendor and no brand name gets four, and the
	// validator says so).
	for _, q := range []*catalog.Product{
		{Handle: "m1", Title: "Speckled Mug", BodyHTML: "A mug.", Vendor: "Kiln"},
		{Handle: "m2", Title: "Speckled Mug"},
		{Handle: "m3", Title: "Mug", Vendor: "Kiln"},
	} {
		for _, b := range []generate.Brand{plainBrand(), {}} {
			if q.Vendor == "" && b.Name == "" || q.Handle == "m3" && b.Name == "" {
				continue
			}
			v := gen(t, q, generate.Amazon, b).Values["bullet_points"]
			spec, _ := generate.Field(generate.Amazon, "bullet_points")
			for _, x := range generate.Validate(spec, v, generate.CheckContext{Brand: b, Product: q}) {
				t.Errorf("%s, brand %q: %s: %q", q.Handle, b.Name, x.Message, v.Items)
			}
			for _, u := range generate.Ground(valueText(v), q, b) {
				t.Errorf("%s, brand %q: ungrounded %v", q.Handle, b.Name, u.Terms)
			}
		}
	}
	// Etsy materials: the stoneware named by the body, nothing else.
	if got := gen(t, p, generate.Etsy, testBrand()).Values["materials"].Items; !reflect.DeepEqual(got, []string{"stoneware"}) {
		t.Errorf("materials = %q", got)
	}
	// No material named: an empty list, not a guess.
	bare := &catalog.Product{Handle: "thing", Title: "Thing", BodyHTML: "A thing."}
	if got := gen(t, bare, generate.Etsy, testBrand()).Values["materials"]; len(got.Items) != 0 || got.Items == nil {
		t.Errorf("materials of a product naming none = %#v, want an empty list", got)
	}
}

// TestFieldLimitsFromSpec: the writer keeps to the limits of the spec it is
// given, not to fixed numbers.
func TestFieldLimitsFromSpec(t *testing.T) {
	p := productByHandle(t, "choker-with-gold-pendant")
	specs := []generate.FieldSpec{
		{Channel: generate.Shopify, Name: "description", Kind: generate.KindHTML, MaxLen: 180, Unit: generate.Chars, AllowedTags: []string{"p"}},
		{Channel: generate.Etsy, Name: "tags", Kind: generate.KindList, MaxLen: 12, Unit: generate.Chars, MaxItems: 4, NoDuplicates: true},
		{Channel: generate.Amazon, Name: "bullet_points", Kind: generate.KindList, MinItems: 3, MaxItems: 3, MaxLen: 60, Unit: generate.Chars},
		{Channel: generate.Amazon, Name: "generic_keywords", Kind: generate.KindList, MaxLen: 40, Unit: generate.Bytes, MaxTotal: 40, NoBrandNames: true},
		{Channel: generate.Google, Name: "title", Kind: generate.KindText, MaxLen: 30, Unit: generate.Chars, ForbiddenChars: "!"},
		{Channel: generate.Shopify, Name: "custom_note", Kind: generate.KindText, MaxLen: 90, Unit: generate.Chars},
	}
	for _, spec := range specs {
		res, err := offline.New().Generate(context.Background(), generate.Request{Channel: spec.Channel, Fields: []generate.FieldSpec{spec}, Brand: testBrand(), Product: p})
		if err != nil {
			t.Fatal(err)
		}
		v := res.Values[spec.Name]
		for _, x := range generate.Validate(spec, v, generate.CheckContext{Brand: testBrand(), Product: p}) {
			t.Errorf("%s %s: %s: %q %q", spec.Channel, spec.Name, x.Message, v.Text, v.Items)
		}
		if v.Text == "" && len(v.Items) == 0 {
			t.Errorf("%s %s: empty", spec.Channel, spec.Name)
		}
		if strings.Contains(v.Text, "<ul>") {
			t.Errorf("%s: a list where the spec allows none: %q", spec.Name, v.Text)
		}
		t.Logf("%s %s: %q %q", spec.Channel, spec.Name, v.Text, v.Items)
	}
}

func TestGenerateErrors(t *testing.T) {
	w := offline.New()
	if w.Name() != "offline" {
		t.Errorf("Name = %q", w.Name())
	}
	if _, err := w.Generate(context.Background(), generate.Request{Channel: generate.Shopify}); err == nil {
		t.Error("no product: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.Generate(ctx, generate.Request{Channel: generate.Shopify, Product: &catalog.Product{Title: "X"}}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestSamples prints five drafts for the README (go test -run TestSamples -v).
func TestSamples(t *testing.T) {
	for _, h := range []string{"ocean-blue-shirt", "classic-leather-jacket", "clay-plant-pot", "choker-with-gold-pendant", "pink-armchair"} {
		p := productByHandle(t, h)
		s := gen(t, p, generate.Shopify, testBrand()).Values["description"].Text
		e := gen(t, p, generate.Etsy, testBrand()).Values["title"].Text
		a := gen(t, p, generate.Amazon, testBrand()).Values["bullet_points"].Items
		t.Logf("\n### %s\n\nShopify description:\n\n    %s\n\nEtsy title: %s\n\nAmazon bullet points:\n\n- %s\n", p.Title, s, e, strings.Join(a, "\n- "))
	}
}

func BenchmarkGenerate(b *testing.B) {
	products := sampleProducts(b)
	w := offline.New()
	ctx := context.Background()
	for _, ch := range generate.Channels {
		reqs := make([]generate.Request, len(products))
		for i, p := range products {
			reqs[i] = generate.Request{Channel: ch, Fields: generate.Fields(ch), Brand: testBrand(), Product: p,
				Memory: []string{"avoid: cheap", "prefer: jacket -> coat"}}
		}
		b.Run(string(ch), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := w.Generate(ctx, reqs[i%len(reqs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
