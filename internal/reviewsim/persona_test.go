package reviewsim

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/textdiff"
)

var (
	etsyTitle = Field{Channel: "etsy", Name: "title", Vendor: "Company 123", Brand: "Harbour & Pine"}
	etsyDesc  = Field{Channel: "etsy", Name: "description", Vendor: "Company 123", Brand: "Harbour & Pine"}
)

func TestRules(t *testing.T) {
	for _, c := range []struct {
		name  string
		rule  Rule
		field Field
		in    string
		want  string
	}{
		{"no exclamation", NoExclamation(), etsyDesc, "Soft! Warm!! Really?! Yes.!", "Soft. Warm. Really? Yes."},
		{"sentence case", SentenceCaseTitles(), etsyTitle, "Ocean Blue Cotton Shirt with Narrow Collar, for Men", "Ocean blue cotton shirt with narrow collar, for men"},
		{"sentence case keeps caps, digits, names", SentenceCaseTitles(), etsyTitle,
			"LED High Tops by Company 123, 14k Gold, Harbour Edition, XL", "LED high tops by Company 123, 14k gold, Harbour edition, XL"},
		{"sentence case only titles", SentenceCaseTitles(), etsyDesc, "Ocean Blue Shirt.", "Ocean Blue Shirt."},
		{"sentence case hyphenated", SentenceCaseTitles(), etsyTitle, "Red Sporty T-Shirt", "Red sporty t-shirt"},
		{"replace keeps case", Replace("color", "colour"), etsyDesc, "Color: red. In many color options, COLOR coded; colors stay.",
			"Colour: red. In many colour options, COLOUR coded; colors stay."},
		{"replace whole words", Replace("meter", "metre"), etsyDesc, "A 2 meter cord, not a kilometer or meters.", "A 2 metre cord, not a kilometer or meters."},
		{"remove adjective", Remove("stylish"), etsyDesc, "A stylish pink armchair from Company 123.", "A pink armchair from Company 123."},
		{"remove article agrees", Remove("amazing"), etsyDesc, "An amazing bag and an amazing, useful mug.", "A bag and a useful mug."},
		{"remove article agrees (vowel next)", Remove("stylish"), etsyDesc, "A stylish oak table.", "An oak table."},
		{"remove sentence start", Remove("perfect"), etsyDesc, "A jumper.\n\nPerfect for keeping warm.", "A jumper.\n\nFor keeping warm."},
		{"remove text start", Remove("classic"), etsyTitle, "Classic Leather Jacket", "Leather Jacket"},
		{"remove list item start", Remove("soft"), etsyDesc, "Details:\n- soft lining\n- Long sleeves", "Details:\n- Lining\n- Long sleeves"},
		{"remove dangling connector", Remove("amazing"), etsyDesc, "It is soft and amazing. Buy it.", "It is soft. Buy it."},
		{"remove connector at start", Remove("amazing"), etsyDesc, "Amazing and soft, a jumper.", "Soft, a jumper."},
		{"remove from a list of adjectives", Remove("stylish"), etsyDesc, "A soft, stylish, warm top.", "A soft, warm top."},
		{"remove one-word sentence", Remove("amazing"), etsyDesc, "A mug. Amazing! Use it daily.", "A mug. Use it daily."},
		{"remove keeps paragraphs", Remove("stylish"), etsyDesc, "A top.\n\nVery stylish\n\nBy Company 123.", "A top.\n\nVery\n\nBy Company 123."},
		{"remove not inside words", Remove("stylish"), etsyDesc, "An ultra-stylish blouse.", "An ultra-stylish blouse."},
		{"remove several", Remove("premium", "perfect"), etsyDesc, "A premium mug, perfect for tea.", "A mug, for tea."},
		{"sign-off added", SignOff("Made with care in our Leeds studio."), etsyDesc, "A mug.\n", "A mug.\n\nMade with care in our Leeds studio."},
		{"sign-off kept", SignOff("Made with care."), etsyDesc, "A mug. Made with care.", "A mug. Made with care."},
		{"sign-off only descriptions", SignOff("Made with care."), etsyTitle, "A mug", "A mug"},
		{"max words short", MaxWords("description", 10), etsyDesc, "One two three. Four five.", "One two three. Four five."},
		{"max words drops from the end", MaxWords("description", 6), etsyDesc, "One two three. Four five. Six seven.", "One two three. Four five."},
		{"max words keeps first sentence", MaxWords("description", 2), etsyDesc, "One two three. Four five.", "One two three."},
		{"max words list lines and lead-in", MaxWords("description", 8), etsyDesc, "A soft top with sleeves.\n\nDetails:\n- Long sleeves\n- No collar",
			"A soft top with sleeves."},
		{"max words other field", MaxWords("description", 2), etsyTitle, "One two three", "One two three"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rule.Apply(c.field, c.in); got != c.want {
				t.Errorf("%s on %q\n got %q\nwant %q", c.rule, c.in, got, c.want)
			}
		})
	}
}

func TestMaxWordsKeepsSignOff(t *testing.T) {
	p := Persona{Name: "p", Rules: []Rule{MaxWords("description", 12), SignOff("Free returns within 30 days.")}}
	in := "One two three four. Five six seven. Eight nine ten."
	want := "One two three four.\n\nFree returns within 30 days."
	if got := p.Ideal(etsyDesc, in); got != want {
		t.Fatalf("Ideal = %q, want %q", got, want)
	}
	// Already signed off: the sign-off counts, stays, and keeps its place.
	in = "One two three four. Five six seven. Free returns within 30 days."
	want = "One two three four. Free returns within 30 days."
	if got := p.Ideal(etsyDesc, in); got != want {
		t.Fatalf("Ideal = %q, want %q", got, want)
	}
	if n := textdiff.WordCount(want); n >= 12 {
		t.Fatalf("%d words, want fewer than 12", n)
	}
}

func TestCheck(t *testing.T) {
	bad := []Persona{
		{Name: "sign-off with a removed word", Rules: []Rule{Remove("care"), SignOff("Made with care.")}},
		{Name: "sign-off with an exclamation", Rules: []Rule{NoExclamation(), SignOff("Thanks!")}},
		{Name: "chained replacements", Rules: []Rule{Replace("a", "b"), Replace("b", "c")}},
	}
	for _, p := range bad {
		if err := p.Check(); err == nil {
			t.Errorf("%s: Check passed", p.Name)
		}
	}
	for _, p := range append(testPersonas(), Persona{Name: "empty"}) {
		if err := p.Check(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// idempotenceTexts are texts like the offline writer's, and rougher ones.
var idempotenceTexts = []string{
	"",
	"!",
	"Stylish",
	"Classic Leather Jacket, Womans Zipped Leather Jacket",
	"Ocean Blue Cotton Shirt with Narrow Collar, for Men",
	"LED High Tops with Buckle, Black High Top Shoes, for Men",
	"Stylish Summer Necklace with Turquoise Pendant, Double Chained Gold Boho Necklace",
	"Introducing the Yellow Wool Jumper: a knitted jumper in a soft wool blend.\n\nPerfect for keeping warm during Fall.\n\n- Low dropped shoulders\n- Wide sleeves\n- Think cuffs",
	"A stylish pink armchair from Company 123.",
	"Meet the Knitted Throw Pillows: homemade knitted throw pillows in a variety of colors. They are from Home Sweet Home.",
	"From Company 123 comes the Choker with Gold Pendant, a black cord choker.\n\nBeautifully died black leather shapes a choker necklace with findings of 14k yellow gold, displaying gold pendant in a gorgeous balance of dark and light, delicate and strong.\n\n- Gold pendant\n- 14k yellow gold\n- Leather\n- Length, 12\" with 2.5\" extender\n- Width, 0.3\"\n- Lobster clasp\n- Made in USA",
	"Amazing! Premium, perfect and amazing. An amazing, ultimate, luxurious gift!! Really?!",
	"This grey and black buttoned top is a sport-inspired piece. Colour: Grey, Blue. Classic, soft, comfortable and chic.",
	"  perfect  , premium . amazing amazing stylish and. and perfect",
	"Made with care in our Leeds studio. A premium mug. Made with care in our Leeds studio.",
}

// mutate makes a rougher text from a seed text: words shuffled in,
// punctuation and capitals changed.
func mutate(r *rand.Rand, base string) string {
	vocab := []string{"premium", "Perfect", "amazing", "AMAZING", "stylish", "Classic", "soft", "comfortable", "chic", "grey", "Colour", "color",
		"colors", "womens", "luxurious", "Ultimate", "and", "or", "a", "an", "the", "!", ".", ",", "?", "\n\n", "\n- ", ":", "oak", "unique", "14k", "Company", "123", "Made", "with", "care"}
	ws := strings.Fields(base)
	n := 1 + r.IntN(12)
	for range n {
		w := vocab[r.IntN(len(vocab))]
		i := r.IntN(len(ws) + 1)
		ws = append(ws[:i], append([]string{w}, ws[i:]...)...)
	}
	seps := []string{" ", " ", " ", "  ", ", ", ". ", "\n", "! "}
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteString(seps[r.IntN(len(seps))])
		}
		b.WriteString(w)
	}
	return b.String()
}

// TestIdealIdempotent: the persona wants its own ideal as it is, for every
// persona here and in tests, every field, texts like the writer's and
// a thousand mangled ones.
func TestIdealIdempotent(t *testing.T) {
	personas := append(testPersonas(),
		Persona{Name: "everything", Rules: []Rule{NoExclamation(), SentenceCaseTitles(), MaxWords("description", 20), Replace("color", "colour"),
			Replace("grey", "gray"), Remove("premium", "perfect", "amazing", "stylish", "and"), SignOff("Made with care in our Leeds studio.")}},
		Persona{Name: "tight", Rules: []Rule{MaxWords("description", 3), SignOff("Free returns within 30 days."), Remove("a", "the")}},
	)
	fields := []Field{etsyTitle, etsyDesc, {Channel: "etsy", Name: "tags"}}
	r := rand.New(rand.NewPCG(1, 2))
	texts := idempotenceTexts
	for range 1000 {
		texts = append(texts, mutate(r, idempotenceTexts[r.IntN(len(idempotenceTexts))]))
	}
	for _, p := range personas {
		for _, f := range fields {
			for _, text := range texts {
				once := p.Ideal(f, text)
				if twice := p.Ideal(f, once); twice != once {
					t.Fatalf("%s, %s: not idempotent on %q:\nonce  %q\ntwice %q", p.Name, f.Name, text, once, twice)
				}
			}
		}
	}
}

func FuzzIdealIdempotent(f *testing.F) {
	for _, s := range idempotenceTexts {
		f.Add(s)
	}
	p := Persona{Name: "everything", Rules: []Rule{NoExclamation(), SentenceCaseTitles(), MaxWords("description", 20), Replace("color", "colour"),
		Remove("premium", "perfect", "amazing", "stylish", "and"), SignOff("Made with care in our Leeds studio.")}}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fl := range []Field{etsyTitle, etsyDesc} {
			once := p.Ideal(fl, s)
			if twice := p.Ideal(fl, once); twice != once {
				t.Fatalf("%s: not idempotent on %q:\nonce  %q\ntwice %q", fl.Name, s, once, twice)
			}
		}
	})
}
