package generate

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRepair(t *testing.T) {
	ctx := CheckContext{Brand: sampleBrand(), Product: sampleProduct()}
	fifteen := strings.Fields("linen napkins|sage napkins|table linen|dinner napkins|cloth napkins|kitchen linen|oat napkins|stonewashed linen|napkin set|linen gift|table decor|hostess gift|everyday linen|soft napkins|rustic table")
	fifteen = strings.Split(strings.Join(fifteen, " "), "|")
	var accented []string
	for i := range 30 {
		accented = append(accented, "crème"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}

	cases := []struct {
		name  string
		ch    Channel
		field string
		in    Value
		want  Value
		did   []string
		clean bool // Validate finds nothing after the repair
	}{
		{"spaces", Shopify, "title", text("  Sage   Linen\tNapkins  "), text("Sage Linen Napkins"),
			[]string{"Removed extra spaces from the title."}, true},
		{"plain text keeps paragraphs", Etsy, "description", text("Soft linen.  \n\n\n\nMachine   washable."), text("Soft linen.\n\nMachine washable."),
			[]string{"Removed extra spaces from the description."}, true},
		{"etsy forbidden chars", Etsy, "title", text("Sage $ Linen ^ Napkins `"), text("Sage Linen Napkins"),
			[]string{"Removed $, ^ and ` from the title: Etsy does not accept them."}, true},
		{"a price is not removed", Etsy, "title", text("Linen Napkins $20"), text("Linen Napkins $20"), nil, false},
		{"amazon exclamation", Amazon, "item_name", text("Fern & Field Linen Napkins!"), text("Fern & Field Linen Napkins"),
			[]string{"Removed ! from the item name: Amazon does not accept it."}, true},
		{"google exclamation", Google, "title", text("Sage Linen Napkins !"), text("Sage Linen Napkins"),
			[]string{"Removed ! from the title: Google does not accept it."}, true},
		{"etsy second ampersand", Etsy, "title", text("Salt & Pepper & Herb Jar"), text("Salt & Pepper and Herb Jar"),
			[]string{`Wrote "and" for every & in the title after the first: Etsy allows it once.`}, true},
		{"seo title at a word boundary", Shopify, "seo_title",
			text("Sage Linen Napkins for Everyday Meals and Long Dinners with Friends and Family at Home"),
			text("Sage Linen Napkins for Everyday Meals and Long Dinners with Friends"),
			[]string{"Shortened the SEO title from 86 characters to 67 characters at a word boundary."}, true},
		{"no dangling conjunction or comma", Etsy, "title",
			text("Sage Linen Napkins, Set of 4, Stonewashed Soft Cloth Napkins for Dinner Parties, Weddings, Everyday Meals and Picnics, 45 x 45 cm, Made in Lithuania"),
			text("Sage Linen Napkins, Set of 4, Stonewashed Soft Cloth Napkins for Dinner Parties, Weddings, Everyday Meals and Picnics, 45 x 45 cm"),
			[]string{"Shortened the title from 148 characters to 129 characters at a word boundary."}, true},

		{"duplicate tags dropped", Etsy, "tags", items("linen napkins", "Linen  Napkins", "table linen"), items("linen napkins", "table linen"),
			[]string{"Removed extra spaces from the tags.", `Dropped tag "Linen Napkins": it repeats an earlier one.`}, true},
		{"surplus tags dropped", Etsy, "tags", Value{Items: fifteen}, Value{Items: fifteen[:13]},
			[]string{"Dropped the last 2 tags: Etsy allows 13."}, true},
		{"tag shortened or dropped", Etsy, "tags", items("handmade linen napkin set", "supercalifragilisticexpialidocious", "-linen", "linen/cotton", "mother's day"),
			items("handmade linen", "linen", "linen cotton", "mother's day"),
			[]string{
				"Shortened tag 1 from 25 characters to 14 characters at a word boundary.",
				"Removed the leading character Etsy does not accept from tag 3.",
				"Removed punctuation Etsy does not accept from tag 4.",
				`Dropped tag "supercalifragilisticexpialidocious": it is over 20 characters and has no word boundary to cut at.`,
			}, true},
		{"materials lose apostrophes", Etsy, "materials", items("mother's linen"), items("mothers linen"),
			[]string{"Removed punctuation Etsy does not accept from material 1."}, true},
		{"avoided words dropped from tags", Shopify, "tags", items("linen", "luxury napkins"), items("linen"),
			[]string{`Dropped tag "luxury napkins": the brand's guidelines avoid it.`}, true},
		{"search terms: brand, banned, bytes", Amazon, "generic_keywords", Value{Items: append([]string{"fern & field napkins", "new"}, accented...)},
			Value{Items: accented[:27]},
			[]string{
				`Dropped search term "fern & field napkins": Amazon does not allow brand names here.`,
				`Dropped search term "new": Amazon does not allow it.`,
				"Dropped the last 3 search terms to fit Amazon's 249 bytes.",
			}, true},

		{"bullets: duplicates and extras are not dropped", Amazon, "bullet_points",
			Value{Items: append(fiveBullets(), fiveBullets()[0])}, Value{Items: append(fiveBullets(), fiveBullets()[0])}, nil, false},
		{"bullet symbols and capital", Amazon, "bullet_points",
			Value{Items: append(fiveBullets()[:4], "soft linen™ napkins 😀")},
			Value{Items: append(fiveBullets()[:4], "Soft linen napkins")},
			[]string{"Removed ™ from bullet point 5: Amazon does not accept it.", "Removed emoji from bullet point 5.", "Capitalised the first letter of bullet point 5."}, true},
		{"alt texts keep their positions", Shopify, "image_alt", items("", " Oat napkins "), items("", "Oat napkins"),
			[]string{"Removed extra spaces from the alt texts."}, false},

		{"refusal is left alone", Etsy, "description", text("I'm sorry,   I can't help."), text("I'm sorry,   I can't help."), nil, false},
		{"placeholder is left alone", Etsy, "tags", items("linen ", "{tag}", "linen"), items("linen ", "{tag}", "linen"), nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := mustField(t, c.ch, c.field)
			got, did := Repair(spec, c.in, ctx)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Repair value = %q, want %q", got, c.want)
			}
			if !reflect.DeepEqual(did, c.did) {
				t.Errorf("Repair did =\n  %q\nwant\n  %q", did, c.did)
			}
			if vs := Validate(spec, got, ctx); c.clean && len(vs) > 0 {
				t.Errorf("after Repair, Validate =\n%s", fmtViolations(vs))
			}
		})
	}
}

func TestRepairHTML(t *testing.T) {
	spec := mustField(t, Google, "description")
	first := "<p>Soft linen napkins.</p>"
	second := "<ul><li>45 x 45 cm</li><li>Set of 4</li></ul>"
	third := "<p>Machine washable at 40°C and tumble dry low.</p>"
	spec.MaxLen = len(first+second) + 3

	got, did := Repair(spec, text(first+"\n"+second+third), CheckContext{})
	if want := first + " " + second; got.Text != want {
		t.Errorf("Repair = %q, want %q", got.Text, want)
	}
	if want := []string{"Removed extra spaces from the description.", "Shortened the description from 123 characters to 72 characters by dropping its last blocks."}; !reflect.DeepEqual(did, want) {
		t.Errorf("did = %q", did)
	}

	// One block over the limit: no block boundary fits, so it is left for
	// regeneration.
	long := "<p>" + strings.Repeat("Soft linen. ", 10) + "</p>"
	spec.MaxLen = 50
	if got, did := Repair(spec, text(long), CheckContext{}); got.Text != long || did != nil {
		t.Errorf("Repair(one long block) = %q, %q; want it unchanged", got.Text, did)
	}
}

func TestRepairBreakTag(t *testing.T) {
	spec := mustField(t, Amazon, "product_description")
	spec.MaxLen = 22
	got, _ := Repair(spec, text("Soft linen napkins.<br>Machine washable."), CheckContext{})
	if got.Text != "Soft linen napkins." {
		t.Errorf("Repair = %q, want the text before the cut <br>", got.Text)
	}
}

// TestShortenText checks the word-boundary cut on generated text: it never
// exceeds the limit, never cuts a word, never ends on a separator or a word
// that needs a following one, and keeps a prefix of the original.
func TestShortenText(t *testing.T) {
	words := strings.Fields("linen napkins, sage and oat with a set of 4 – 45 x 45 cm; soft for the table (stonewashed) crème brûlée café 🌿 or / hand-made")
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		var b strings.Builder
		for i := range 3 + r.IntN(40) {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		s := b.String()
		unit := Chars
		if n%3 == 0 {
			unit = Bytes
		}
		limit := 5 + r.IntN(120)
		got, ok := shortenText(s, limit, unit)
		if !ok {
			if got != s {
				t.Fatalf("shortenText(%q, %d) failed but changed the text", s, limit)
			}
			continue
		}
		if measure(got, unit) > limit {
			t.Fatalf("shortenText(%q, %d %s) = %q, %d long", s, limit, unit, got, measure(got, unit))
		}
		if !strings.HasPrefix(s, got) {
			t.Fatalf("shortenText(%q, %d) = %q, not a prefix", s, limit, got)
		}
		if got == s {
			continue
		}
		last, _ := utf8.DecodeLastRuneInString(got)
		next, _ := utf8.DecodeRuneInString(s[len(got):])
		if isWordRune(last) && isWordRune(next) {
			t.Fatalf("shortenText(%q, %d) = %q cuts a word", s, limit, got)
		}
		if strings.ContainsAny(string(last), ",;:-–—/&(") {
			t.Fatalf("shortenText(%q, %d) = %q ends on a separator", s, limit, got)
		}
		if i := strings.LastIndexByte(got, ' '); i >= 0 && stopWords[strings.ToLower(got[i+1:])] {
			t.Fatalf("shortenText(%q, %d) = %q ends on %q", s, limit, got, got[i+1:])
		}
	}
}
