package generate

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestFieldTable(t *testing.T) {
	want := map[Channel][]string{
		Shopify: {"title", "description", "seo_title", "seo_description", "tags", "image_alt"},
		Etsy:    {"title", "description", "tags", "materials"},
		Amazon:  {"item_name", "bullet_points", "product_description", "generic_keywords"},
		Google:  {"title", "description", "product_highlights"},
	}
	for _, ch := range Channels {
		var names []string
		for _, f := range Fields(ch) {
			names = append(names, f.Name)
		}
		if !slices.Equal(names, want[ch]) {
			t.Errorf("Fields(%s) = %v, want %v", ch, names, want[ch])
		}
		if len(ChannelRules(ch)) == 0 {
			t.Errorf("ChannelRules(%s) is empty", ch)
		}
	}

	for _, f := range fieldTable {
		t.Run(string(f.Channel)+"/"+f.Name, func(t *testing.T) {
			if f.Source == "" {
				t.Fatal("no Source")
			}
			for _, u := range strings.Split(f.Source, " ; ") {
				if !strings.HasPrefix(u, "https://") || strings.ContainsAny(u, " \n") {
					t.Errorf("Source part %q is not a URL", u)
				}
			}
			if f.Label == "" {
				t.Error("no Label")
			}
			if f.Unit != Chars && f.Unit != Bytes {
				t.Errorf("Unit = %q", f.Unit)
			}
			if f.MaxLen <= 0 || f.MaxLen > 5000 {
				t.Errorf("MaxLen = %d, want 1..5000", f.MaxLen)
			}
			switch f.Kind {
			case KindText, KindHTML:
				if f.MinItems != 0 || f.MaxItems != 0 || f.PerImage || f.MaxTotal != 0 || f.NoDuplicates {
					t.Error("list bounds on a text field")
				}
			case KindList:
				if f.ItemLabel == "" {
					t.Error("list without ItemLabel")
				}
				if f.MaxItems > 0 && f.MinItems > f.MaxItems {
					t.Errorf("MinItems %d > MaxItems %d", f.MinItems, f.MaxItems)
				}
				if f.MaxItems == 0 && f.MaxTotal == 0 && !f.PerImage {
					t.Error("list with no bound on its size")
				}
			default:
				t.Errorf("Kind = %q", f.Kind)
			}
			if f.Kind == KindHTML {
				if len(f.AllowedTags) == 0 {
					t.Error("HTML field without AllowedTags")
				}
				for _, bad := range []string{"a", "script", "style", "img", "iframe", "h1"} {
					if slices.Contains(f.AllowedTags, bad) {
						t.Errorf("AllowedTags holds <%s>", bad)
					}
				}
			}
			if len(f.Guidance) == 0 {
				t.Error("no Guidance for the writer")
			}
			// The prompt's first line states the hard limit with its number.
			if line := FieldRules(f)[0]; !strings.Contains(line, fmt.Sprint(f.MaxLen)) || !strings.HasPrefix(line, f.Name+" (") {
				t.Errorf("FieldRules first line %q lacks name or limit", line)
			}
			if got, ok := Field(f.Channel, f.Name); !ok || got.Name != f.Name {
				t.Error("Field lookup failed")
			}
		})
	}
}

func TestChannelLimits(t *testing.T) {
	// The numbers from shared/reference/channels.md, one per row.
	cases := []struct {
		ch                 Channel
		name               string
		maxLen             int
		unit               Unit
		minItems, maxItems int
		maxTotal           int
	}{
		{Shopify, "title", 255, Chars, 0, 0, 0},
		{Shopify, "seo_title", 70, Chars, 0, 0, 0},
		{Shopify, "seo_description", 320, Chars, 0, 0, 0},
		{Shopify, "tags", 255, Chars, 1, 250, 0},
		{Shopify, "image_alt", 512, Chars, 0, 0, 0},
		{Etsy, "title", 140, Chars, 0, 0, 0},
		{Etsy, "tags", 20, Chars, 1, 13, 0},
		{Etsy, "materials", 45, Chars, 0, 13, 0},
		{Amazon, "item_name", 200, Chars, 0, 0, 0},
		{Amazon, "bullet_points", 250, Chars, 5, 5, 0},
		{Amazon, "product_description", 2000, Chars, 0, 0, 0},
		{Amazon, "generic_keywords", 249, Bytes, 1, 0, 249},
		{Google, "title", 150, Chars, 0, 0, 0},
		{Google, "description", 5000, Chars, 0, 0, 0},
		{Google, "product_highlights", 150, Chars, 2, 100, 0},
	}
	for _, c := range cases {
		f := mustField(t, c.ch, c.name)
		if f.MaxLen != c.maxLen || f.Unit != c.unit || f.MinItems != c.minItems || f.MaxItems != c.maxItems || f.MaxTotal != c.maxTotal {
			t.Errorf("%s/%s = len %d %s items %d..%d total %d; want len %d %s items %d..%d total %d", c.ch, c.name,
				f.MaxLen, f.Unit, f.MinItems, f.MaxItems, f.MaxTotal, c.maxLen, c.unit, c.minItems, c.maxItems, c.maxTotal)
		}
	}
	if f := mustField(t, Shopify, "image_alt"); !f.PerImage {
		t.Error("shopify image_alt is not PerImage")
	}
	if f := mustField(t, Etsy, "title"); f.ForbiddenChars != "$^`\\" || f.OnceChars != "%:&" {
		t.Errorf("etsy title chars = %q once %q", f.ForbiddenChars, f.OnceChars)
	}
	if f := mustField(t, Amazon, "item_name"); f.ForbiddenChars != "!$?_{}^¬¦" || f.MaxWordRepeat != 2 {
		t.Errorf("amazon item_name chars = %q repeat %d", f.ForbiddenChars, f.MaxWordRepeat)
	}
	if f := mustField(t, Amazon, "product_description"); !slices.Equal(f.AllowedTags, []string{"br"}) || !f.NoContactInfo {
		t.Errorf("amazon description tags = %v contact %v", f.AllowedTags, f.NoContactInfo)
	}
	if f := mustField(t, Google, "title"); !strings.Contains(f.ForbiddenChars, "!") {
		t.Error("google title allows !")
	}
	// Every limit that is PlutoPro's own says so.
	for _, k := range [][2]string{{"shopify", "description"}, {"etsy", "description"}, {"etsy", "materials"}, {"amazon", "product_description"}} {
		if f := mustField(t, Channel(k[0]), k[1]); f.Decision == "" {
			t.Errorf("%s/%s: product-decision limit without a Decision", k[0], k[1])
		}
	}
}
