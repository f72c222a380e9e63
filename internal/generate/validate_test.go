package generate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func v(rule string, item int, msg string) Violation {
	return Violation{Rule: rule, Item: item, Message: msg}
}

func text(s string) Value      { return Value{Text: s} }
func items(xs ...string) Value { return Value{Items: xs} }
func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func fiveBullets() []string {
	return []string{
		"Pure linen: stonewashed for a soft, lived-in feel from the first use",
		"Generous size: each napkin measures 45 x 45 cm",
		"Set of 4 in sage green",
		"Easy care: machine washable at 40°C, tumble dry low",
		"Made in Lithuania from 100% linen",
	}
}

func TestValidate(t *testing.T) {
	brandCtx := CheckContext{Brand: sampleBrand(), Product: sampleProduct()}
	shopifyDescTagList := "<p> <br> <ul> <ol> <li> <strong> <em> <b> <i> <h2> <h3> <h4>"

	bulletsWith := func(i int, s string) Value {
		b := fiveBullets()
		b[i] = s
		return Value{Items: b}
	}
	var accented []string
	for i := range 30 {
		accented = append(accented, fmt.Sprintf("crème%02d", i)) // 8 bytes, 7 characters
	}

	cases := []struct {
		name  string
		ch    Channel
		field string
		val   Value
		ctx   CheckContext
		want  []Violation
	}{
		// Valid values.
		{"etsy title ok", Etsy, "title", text("Sage Linen Napkins, Set of 4 – 45 x 45 cm"), brandCtx, nil},
		{"amazon bullets ok", Amazon, "bullet_points", Value{Items: fiveBullets()}, brandCtx, nil},
		{"shopify description ok", Shopify, "description", text("<p>Soft <strong>linen</strong> napkins.</p><ul><li>45 x 45 cm</li></ul>"), brandCtx, nil},
		{"amazon description br ok", Amazon, "product_description", text("Soft linen napkins.<br>Machine washable at 40°C."), brandCtx, nil},
		{"etsy materials may be empty", Etsy, "materials", items(), brandCtx, nil},
		{"image alt one per image", Shopify, "image_alt", items("Sage linen napkins, front", "Oat linen napkins, folded"), brandCtx, nil},

		// Empty.
		{"empty title", Shopify, "title", text("   "), brandCtx, []Violation{v("empty", -1, "The title is empty.")}},
		{"empty html", Shopify, "description", text("<p> </p>"), brandCtx, []Violation{v("empty", -1, "The description is empty.")}},
		{"no tags", Shopify, "tags", items(), brandCtx, []Violation{v("empty", -1, "No tags were written.")}},
		{"empty bullet", Amazon, "bullet_points", bulletsWith(2, " "), brandCtx, []Violation{v("empty", 2, "Bullet point 3 is empty.")}},

		// Length, by unit.
		{"etsy title too long", Etsy, "title", text(strings.Repeat("Linen ", 27)), brandCtx,
			[]Violation{v("max_length", -1, "The title is 162 characters; Etsy allows 140.")}},
		{"SEO title keeps its acronym", Shopify, "seo_title", text(strings.Repeat("x", 71)), brandCtx,
			[]Violation{v("max_length", -1, "The SEO title is 71 characters; Shopify allows 70.")}},
		{"bullet too long", Amazon, "bullet_points", bulletsWith(4, "A"+strings.Repeat("a", 259)), brandCtx,
			[]Violation{v("item_length", 4, "Bullet point 5 is 260 characters; Amazon allows 250.")}},
		{"search terms counted in bytes", Amazon, "generic_keywords", Value{Items: accented}, brandCtx,
			[]Violation{v("max_total", -1, "The search terms come to 269 bytes together; Amazon allows 249.")}},

		// Counts.
		{"four bullets", Amazon, "bullet_points", Value{Items: fiveBullets()[:4]}, brandCtx,
			[]Violation{v("count", -1, "There are 4 bullet points; Amazon needs exactly 5.")}},
		{"too many etsy tags", Etsy, "tags", Value{Items: strings.Fields("a b c d e f g h i j k l m n")}, brandCtx,
			[]Violation{v("count", -1, "There are 14 tags; Etsy allows at most 13.")}},
		{"one highlight", Google, "product_highlights", items("45 x 45 cm"), brandCtx,
			[]Violation{v("count", -1, "There is 1 highlight; Google needs at least 2.")}},
		{"alt texts per image", Shopify, "image_alt", items("Sage linen napkins"), brandCtx,
			[]Violation{v("count", -1, "There is 1 alt text for 2 images; write exactly one per image.")}},
		{"image count given", Shopify, "image_alt", items("a", "b"), CheckContext{ImageCount: 3},
			[]Violation{v("count", -1, "There are 2 alt texts for 3 images; write exactly one per image.")}},

		// Characters.
		{"etsy forbidden chars", Etsy, "title", text("Mug $ special ^ edition"), brandCtx,
			[]Violation{v("forbidden_chars", -1, "The title contains $ and ^, which Etsy does not accept.")}},
		{"etsy once chars", Etsy, "title", text("Salt & Pepper & Herb Jar"), brandCtx,
			[]Violation{v("once_chars", -1, "The title uses & 2 times; Etsy allows each of %, : and & only once.")}},
		{"google no exclamation", Google, "title", text("Sage Linen Napkins!"), brandCtx,
			[]Violation{v("forbidden_chars", -1, "The title contains !, which Google does not accept.")}},
		{"etsy tag rules", Etsy, "tags", items("linen napkins", "handmade linen napkin set", "-linen", "linen/cotton", "Linen Napkins"), brandCtx,
			[]Violation{
				v("item_length", 1, "Tag 2 is 25 characters; Etsy allows 20."),
				v("leading_char", 2, `Tag 3 starts with "-", which Etsy does not accept.`),
				v("charset", 3, `Tag 4 contains "/"; Etsy allows only letters, numbers, spaces, - and '.`),
				v("duplicate", 4, `Tag 5 repeats tag 1 ("linen napkins").`),
			}},
		{"etsy materials charset", Etsy, "materials", items("100% linen"), brandCtx,
			[]Violation{v("charset", 0, `Material 1 contains "%"; Etsy allows only letters, numbers and spaces.`)}},
		{"bullet characters, emoji, capital, claims", Amazon, "bullet_points", bulletsWith(1, "soft linen™ napkins 😀 with a money back guarantee"), brandCtx,
			[]Violation{
				v("forbidden_chars", 1, "Bullet point 2 contains ™, which Amazon does not accept."),
				v("emoji", 1, "Bullet point 2 contains an emoji (😀), which Amazon does not allow."),
				v("capital", 1, "Bullet point 2 does not start with a capital letter; Amazon requires one."),
				v("banned_phrase", 1, `Bullet point 2 uses "money back", which Amazon does not allow.`),
				v("banned_phrase", 1, `Bullet point 2 uses "guarantee", which Amazon does not allow.`),
			}},
		{"bullet placeholder N/A", Amazon, "bullet_points", bulletsWith(3, "Care: N/A"), brandCtx,
			[]Violation{v("banned_phrase", 3, `Bullet point 4 uses "N/A", which Amazon does not allow.`)}},

		// Phrases and words.
		{"amazon promo phrase", Amazon, "item_name", text("Fern & Field Linen Napkins Free Shipping"), brandCtx,
			[]Violation{v("banned_phrase", -1, `The item name uses "free shipping", which Amazon does not allow.`)}},
		{"brand words to avoid", Shopify, "title", text("Luxury Linen Napkins"), brandCtx,
			[]Violation{v("banned_phrase", -1, `The title uses "luxury", which the brand's guidelines avoid.`)}},
		{"amazon word repetition", Amazon, "item_name", text("Linen Napkins of the Linen Set with the Linen Trim and the Oat"), brandCtx,
			[]Violation{v("word_repeat", -1, `The item name uses "linen" 3 times; Amazon allows a word at most twice.`)}},
		{"brand names in search terms", Amazon, "generic_keywords", items("fern & field napkins", "table linen", "Table  Linen"), brandCtx,
			[]Violation{
				v("brand_name", 0, `Search term 1 contains the brand name "Fern & Field"; Amazon does not allow brand names in search terms.`),
				v("duplicate", 2, `Search term 3 repeats search term 2 ("table linen").`),
			}},

		// Markup.
		{"etsy title html", Etsy, "title", text("<b>Mug</b>"), brandCtx,
			[]Violation{v("html", -1, "The title contains HTML (<b>); Etsy takes plain text here.")}},
		{"amazon description only br", Amazon, "product_description", text("Soft linen.<br><p>Wash warm.</p>"), brandCtx,
			[]Violation{v("html", -1, "The product description contains <p>; Amazon allows only <br>.")}},
		{"shopify html tags and attributes", Shopify, "description",
			text(`<p style="color:red" onclick="x()">Hi</p><script>alert(1)</script><a href="https://x.example">x</a>`), brandCtx,
			[]Violation{
				v("html", -1, "The description contains <script> and <a>; only "+shopifyDescTagList+" are allowed."),
				v("html", -1, "The description has the attributes style and onclick on its tags; tags may not have attributes."),
			}},
		{"html comment", Google, "description", text("<p>Linen.</p><!-- note -->"), brandCtx,
			[]Violation{v("html", -1, "The description contains an HTML comment; remove it.")}},

		// Contact details.
		{"web address", Amazon, "product_description", text("Visit www.fernfield.com for more."), brandCtx,
			[]Violation{v("contact_info", -1, "The product description contains a web address (www.fernfield.com); Amazon does not allow links or contact details.")}},
		{"email", Amazon, "product_description", text("Questions? hello@fernfield.co.uk"), brandCtx,
			[]Violation{v("contact_info", -1, "The product description contains an email address (hello@fernfield.co.uk); Amazon does not allow links or contact details.")}},
		{"phone", Amazon, "product_description", text("Call +44 20 7946 0958 today."), brandCtx,
			[]Violation{v("contact_info", -1, "The product description contains a phone number (+44 20 7946 0958); Amazon does not allow links or contact details.")}},
		{"measurements are not phones", Amazon, "product_description", text("Measures 45 x 45 cm, 2024-2025 range."), brandCtx, nil},

		// The writer failed.
		{"template braces", Shopify, "title", text("Buy {title} now"), brandCtx,
			[]Violation{v("template_marker", -1, `The title still contains a template placeholder ("{title}"); it must be written again.`)}},
		{"task marker", Amazon, "item_name", text("[Task 1] Linen napkins"), brandCtx,
			[]Violation{v("template_marker", -1, `The item name still contains a template placeholder ("[Task 1]"); it must be written again.`)}},
		{"angle placeholder in html", Shopify, "description", text("<p><product name> in sage</p>"), brandCtx,
			[]Violation{v("template_marker", -1, `The description still contains a template placeholder ("<product name>"); it must be written again.`)}},
		{"lorem ipsum", Google, "description", text("<p>Lorem ipsum dolor sit amet.</p>"), brandCtx,
			[]Violation{v("template_marker", -1, `The description still contains a template placeholder ("Lorem ipsum"); it must be written again.`)}},
		{"refusal", Etsy, "description", text("I'm sorry, but I cannot help with that request."), brandCtx,
			[]Violation{v("refusal", -1, `The description is a refusal from the writer ("I'm sorry"), not product copy; it must be written again.`)}},
		{"refusal with a typographic apostrophe", Amazon, "item_name", text("Sorry, I can’t write this title"), brandCtx,
			[]Violation{v("refusal", -1, `The item name is a refusal from the writer ("Sorry, I"), not product copy; it must be written again.`)}},
		{"refusal in a list item", Etsy, "tags", items("linen", "As an AI model"), brandCtx,
			[]Violation{v("refusal", 1, `Tag 2 is a refusal from the writer ("As an AI"), not product copy; it must be written again.`)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Validate(mustField(t, c.ch, c.field), c.val, c.ctx)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Validate(%s/%s, %q) =\n%s\nwant\n%s", c.ch, c.field, c.val, fmtViolations(got), fmtViolations(c.want))
			}
		})
	}
}

func fmtViolations(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s[%d] %s\n", v.Rule, v.Item, v.Message)
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

func TestHasPhrase(t *testing.T) {
	cases := []struct {
		text, phrase string
		want         bool
	}{
		{"Guarantee, always", "guarantee", true},
		{"Fully guaranteed", "guarantee", false},
		{"Care: N/A", "N/A", true},
		{"Eco-friendly dye", "eco-friendly", true},
		{"money  back", "money back", true},
		{"#1 seller", "#1", true},
		{"#10 seller", "#1", false},
		{"newborn gift", "new", false},
		{"brand-new", "new", true},
		{"Fern & Field's napkins", "fern & field", true},
		{"", "x", false},
		{"x", "", false},
	}
	for _, c := range cases {
		if got := hasPhrase(c.text, c.phrase); got != c.want {
			t.Errorf("hasPhrase(%q, %q) = %v, want %v", c.text, c.phrase, got, c.want)
		}
	}
}
