package generate

import (
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/catalog"
)

// Ground finds the sentences of a draft that state facts the product's own
// data and the brand profile do not contain: numbers (with or without a unit:
// sizes, weights, percentages, counts, years), materials, and certifications
// or claims (organic, waterproof, made in X, award-winning, ...). Text may be
// plain or HTML. A term is grounded when the product's title, body,
// vendor, type, category, tags, options, variants (SKU, option values,
// weight), SEO fields or metadata, or the brand's name, description or
// guidelines contain it (metadata that is commerce, not content, such as
// prices and stock, does not count), compared case-insensitively with simple
// normalisation: "10 cm" is grounded by "10cm", "45 x 45 cm" grounds "45 cm",
// plurals and hyphens do not matter, aluminium is aluminum.
//
// Grounding is a flag for the reviewer, not a verdict: a style word ("gold"
// as a colour) can trip it, and a fact phrased differently ("set of four")
// may not ground its paraphrase ("4 pieces").
func Ground(text string, p *catalog.Product, b Brand) []Ungrounded {
	if strings.Contains(text, "<") {
		text = catalog.PlainText(text)
	}
	f := newFacts(p, b)
	var out []Ungrounded
	for _, s := range sentences(text) {
		if terms := f.ungrounded(s); len(terms) > 0 {
			out = append(out, Ungrounded{Sentence: s, Terms: terms})
		}
	}
	return out
}

// groundMaterials are the materials a draft may claim. Longer phrases win
// over the words inside them ("stainless steel" over "steel").
var groundMaterials = []string{
	"cotton", "linen", "flax", "hemp", "jute", "wool", "merino", "cashmere", "alpaca", "mohair", "angora",
	"silk", "satin", "velvet", "denim", "canvas", "leather", "vegan leather", "faux leather", "suede", "faux fur", "fur",
	"polyester", "nylon", "spandex", "elastane", "lycra", "acrylic", "viscose", "rayon", "modal", "lyocell", "tencel",
	"bamboo", "cork", "rattan", "wicker", "seagrass", "oak", "walnut", "teak", "pine", "maple", "cherry wood", "beech",
	"ash wood", "acacia", "mango wood", "birch", "cedar", "mahogany", "plywood", "mdf", "ceramic", "porcelain",
	"stoneware", "earthenware", "terracotta", "clay", "glass", "borosilicate glass", "crystal", "marble", "granite",
	"concrete", "slate", "steel", "stainless steel", "carbon steel", "cast iron", "wrought iron", "brass", "bronze", "copper",
	"gold", "solid gold", "gold plated", "gold filled", "rose gold", "silver", "sterling silver", "silver plated",
	"titanium", "aluminum", "zinc", "pewter", "tin", "platinum", "plastic", "silicone", "rubber", "latex", "resin",
	"epoxy", "acrylic glass", "vinyl", "pvc", "soy wax", "beeswax", "paraffin", "coconut wax", "rapeseed wax",
	"essential oil", "fragrance oil", "recycled", "recycled plastic", "recycled paper", "paper", "cardboard",
	"wool felt", "goose down", "duck down", "feather", "pearl", "gemstone", "diamond", "quartz", "amethyst", "jade",
	"turquoise", "opal",
}

// groundClaims are certifications and claims a draft may make.
var groundClaims = []string{
	"organic", "certified", "certification", "GOTS", "FSC", "Fairtrade", "OEKO-TEX", "B Corp", "USDA", "CE marked",
	"vegan", "cruelty-free", "hypoallergenic", "nickel-free", "lead-free", "BPA-free", "non-toxic", "toxin-free",
	"phthalate-free", "paraben-free", "plastic-free", "chemical-free", "waterproof", "water-resistant", "water repellent",
	"windproof", "breathable", "UV resistant", "fade resistant", "scratch resistant", "shatterproof", "fireproof",
	"handmade", "handcrafted", "hand-painted", "hand-poured", "hand-stitched", "hand-knitted", "hand-woven",
	"hand-thrown", "small batch", "limited edition", "one of a kind", "eco-friendly", "environmentally friendly",
	"sustainable", "sustainably", "ethically sourced", "responsibly sourced", "biodegradable", "compostable", "recyclable",
	"zero waste", "carbon neutral", "locally made", "dishwasher safe", "microwave safe", "oven safe", "freezer safe",
	"food safe", "machine washable", "hand wash only", "dry clean only", "tumble dry", "lifetime warranty", "warranty",
	"guarantee", "guaranteed", "money back", "best-selling", "bestseller", "best seller", "number one", "award-winning",
	"patented", "patent pending", "clinically proven", "dermatologist tested", "dermatologist approved", "FDA approved",
	"lab tested", "antibacterial", "antimicrobial", "antiviral", "all-natural", "100% natural", "gluten-free",
	"kosher", "halal", "sugar-free", "dye-free", "unscented", "fragrance-free", "heirloom quality", "artisan",
}

// groundNeutral are phrases that contain a material word but claim no
// material: product categories and colour names ("Cotton Candy Pink" is a
// colour, not cotton). Found first, they hide the words inside them.
var groundNeutral = []string{
	"bed linen", "table linen", "kitchen linen", "cotton candy", "gold tone", "silver tone", "gold colour", "gold color",
	"silver colour", "silver color", "rose gold colour", "rose gold color", "steel blue", "steel grey", "steel gray",
	"glass half", "silver lining",
}

// groundPhrase is a material or claim with its normalised form; neutral
// phrases are matched but never reported.
type groundPhrase struct {
	phrase, norm string
	neutral      bool
}

// groundPhrases are the materials, claims and neutral phrases, longest
// first so that "stainless steel" is found before "steel".
var groundPhrases = func() []groundPhrase {
	var out []groundPhrase
	for _, p := range append(slices.Clone(groundMaterials), groundClaims...) {
		if n := normWords(p); n != "" {
			out = append(out, groundPhrase{phrase: p, norm: n})
		}
	}
	for _, p := range groundNeutral {
		out = append(out, groundPhrase{phrase: p, norm: normWords(p), neutral: true})
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].phrase) > len(out[j].phrase) })
	return out
}()

// Phrases written several ways, folded to one form on both sides.
var groundSynonyms = strings.NewReplacer(
	" aluminium ", " aluminum ", " fibre ", " fiber ", " hand made ", " handmade ", " hand crafted ", " handcrafted ",
	" fair trade ", " fairtrade ", " best selling ", " bestselling ", " best seller ", " bestseller ",
	" eco friendly ", " ecofriendly ", " oeko tex ", " oekotex ",
)

var madeInRe = regexp.MustCompile(`\b[Mm]ade in (?:the )?([A-Z][\p{L}.]*(?:\s+[A-Z][\p{L}.]*)*)`)
var hashOneRe = regexp.MustCompile(`#\s?1\b`)

// facts is the normalised knowledge a draft is checked against.
type facts struct {
	words   string          // every fact, normWords, segments separated by " | "
	numbers map[string]bool // every number that occurs
	pairs   map[string]bool // number + " " + unit, e.g. "45 cm"
}

func newFacts(p *catalog.Product, b Brand) *facts {
	f := &facts{numbers: map[string]bool{}, pairs: map[string]bool{}}
	var segs []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s == "" {
			return
		}
		segs = append(segs, s)
		for _, m := range scanNumbers(s) {
			for _, n := range m.nums {
				f.numbers[n] = true
				if m.unit != "" {
					f.pairs[n+" "+m.unit] = true
				}
			}
		}
		for _, w := range strings.Fields(normWords(s)) {
			if n, ok := numberWords[w]; ok {
				f.numbers[n] = true
			}
		}
	}
	// keyed adds "key: value" and pairs the value's numbers with a unit the
	// key names ("Width (cm)": "30" grounds "30 cm").
	keyed := func(k, v string) {
		add(k + ": " + v)
		if u := unitIn(k); u != "" {
			for _, m := range scanNumbers(v) {
				for _, n := range m.nums {
					f.pairs[n+" "+u] = true
				}
			}
		}
	}
	if p != nil {
		add(p.Title)
		add(catalog.PlainText(p.BodyHTML))
		add(p.Vendor)
		add(p.ProductType)
		add(p.Category)
		add(p.SEOTitle)
		add(p.SEODescription)
		for _, t := range p.Tags {
			add(t)
		}
		for _, o := range p.Options {
			for _, v := range o.Values {
				keyed(o.Name, v)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(p.Metadata)) {
			if !hiddenKey(k) {
				keyed(k, p.Metadata[k])
			}
		}
		for _, v := range p.Variants {
			add(v.SKU)
			for _, ov := range v.OptionValues {
				add(ov)
			}
			for _, k := range slices.Sorted(maps.Keys(v.Metadata)) {
				if !hiddenKey(k) {
					keyed(k, v.Metadata[k])
				}
			}
			for _, w := range weights(v.Grams, v.WeightUnit) {
				add(w)
			}
		}
	}
	add(b.Name)
	add(b.Description)
	add(b.Guidelines)
	norm := make([]string, len(segs))
	for i, s := range segs {
		norm[i] = normWords(s)
	}
	f.words = strings.Join(norm, " | ")
	return f
}

// weights writes a variant's weight in grams and in the unit the seller
// shows it in.
func weights(grams, unit string) []string {
	g, err := strconv.ParseFloat(strings.TrimSpace(grams), 64)
	if err != nil || g <= 0 {
		return nil
	}
	out := []string{formatNum(g) + " g"}
	per := map[string]float64{"kg": 1000, "lb": 453.59237, "oz": 28.349523125}[strings.ToLower(strings.TrimSpace(unit))]
	if per > 0 {
		v := g / per
		for _, prec := range []int{0, 1, 2} {
			out = append(out, strconv.FormatFloat(v, 'f', prec, 64)+" "+strings.ToLower(unit))
		}
	}
	return out
}

func formatNum(v float64) string { return normNumber(strconv.FormatFloat(v, 'f', -1, 64)) }

type termAt struct {
	term string
	pos  int
}

// ungrounded returns the claims of one sentence the facts do not support,
// in the order they appear.
func (f *facts) ungrounded(sentence string) []string {
	var found []termAt
	lower := strings.ToLower(sentence)

	for _, m := range scanNumbers(sentence) {
		if !f.numbersGrounded(m) {
			found = append(found, termAt{m.text, m.pos})
		}
	}

	norm := normWords(sentence)
	var spans [][2]int // matched spans of norm, longest phrases first
	for _, gp := range groundPhrases {
		ph, np := gp.phrase, gp.norm
		for from := 0; from < len(norm); {
			i := phraseIndex(norm[from:], np)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(np)
			from = end
			if overlaps(spans, start, end) {
				continue
			}
			spans = append(spans, [2]int{start, end})
			if !gp.neutral && phraseIndex(f.words, np) < 0 {
				found = append(found, termAt{strings.ToLower(ph), firstWordPos(lower, ph)})
			}
			break
		}
	}

	for _, m := range madeInRe.FindAllStringSubmatchIndex(sentence, -1) {
		place := strings.TrimRight(sentence[m[2]:m[3]], ".")
		if phraseIndex(f.words, normWords(place)) < 0 {
			found = append(found, termAt{sentence[m[0]:m[2]] + place, m[0]})
		}
	}
	if loc := hashOneRe.FindStringIndex(sentence); loc != nil && !strings.Contains(f.words, "number one") {
		found = append(found, termAt{sentence[loc[0]:loc[1]], loc[0]})
	}

	sort.SliceStable(found, func(i, j int) bool { return found[i].pos < found[j].pos })
	var terms []string
	for _, t := range found {
		if !slices.Contains(terms, t.term) {
			terms = append(terms, t.term)
		}
	}
	return terms
}

func overlaps(spans [][2]int, start, end int) bool {
	for _, s := range spans {
		if start < s[1] && s[0] < end {
			return true
		}
	}
	return false
}

// firstWordPos is where a phrase's first word appears in the lower-cased
// sentence, for ordering terms; unknown positions sort last.
func firstWordPos(lower, phrase string) int {
	w := strings.ToLower(strings.FieldsFunc(phrase, func(r rune) bool { return !isWordRune(r) })[0])
	if len(w) > 4 {
		w = w[:len(w)-1] // tolerate a plural or inflection
	}
	if i := strings.Index(lower, w); i >= 0 {
		return i
	}
	return len(lower)
}

func (f *facts) numbersGrounded(m numberMatch) bool {
	for _, n := range m.nums {
		switch {
		case m.unit == "" || countUnits[m.unit]:
			if !f.numbers[n] {
				return false
			}
		case !f.pairs[n+" "+m.unit]:
			return false
		}
	}
	return true
}

// numberMatch is a number, or a chain of numbers ("45 x 45", "10-12"), with
// the unit after it, as found in text.
type numberMatch struct {
	text string   // as written: "45 x 45 cm"
	pos  int      // byte offset in the text
	nums []string // normalised: "45", "45"
	unit string   // canonical: "cm", or ""
}

// scanNumbers finds the numbers of s. Digits glued to a preceding letter
// ("AB123") or following "#" are part of a code, not a claim.
func scanNumbers(s string) []numberMatch {
	var out []numberMatch
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsDigit(r) {
			i += size
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		if i > 0 && (unicode.IsLetter(prev) || prev == '#' || prev == '_') {
			i = skipToken(s, i)
			continue
		}
		m := numberMatch{pos: i}
		end := i
		for {
			num, after := readNumber(s, end)
			m.nums = append(m.nums, normNumber(num))
			end = after
			// A unit right after this number ("10 cm x 20 cm").
			if u, ue := readUnit(s, end); u != "" {
				m.unit, end = u, ue
			}
			if next := readJoiner(s, end); next > end {
				if d, _ := utf8.DecodeRuneInString(s[next:]); unicode.IsDigit(d) {
					end = next
					continue
				}
			}
			break
		}
		m.text = strings.TrimSpace(s[m.pos:end])
		out = append(out, m)
		i = end
	}
	return out
}

func skipToken(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return i
}

// readNumber reads digits with inner "." "," or "/" ("1,299.5", "9/16").
func readNumber(s string, i int) (string, int) {
	start := i
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			i++
			continue
		}
		if (c == '.' || c == ',' || c == '/') && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			i++
			continue
		}
		break
	}
	return s[start:i], i
}

// readJoiner skips " x ", "×", "-", "–", " to " or " by " after a number
// and returns the index after it (or i when there is none); the caller
// checks that a number follows.
func readJoiner(s string, i int) int {
	j := i
	for j < len(s) && s[j] == ' ' {
		j++
	}
	for _, sep := range []string{"x", "X", "×", "-", "–", "to ", "by "} {
		if (sep == "-" || sep == "–") && j > i {
			continue // " – " separates phrases; "10-12" is a range
		}
		if strings.HasPrefix(s[j:], sep) {
			if (sep == "-" || sep == "–") && strings.HasPrefix(s[j+len(sep):], " ") {
				continue
			}
			k := j + len(sep)
			for k < len(s) && s[k] == ' ' {
				k++
			}
			return k
		}
	}
	return i
}

// readUnit reads a unit after a number ("cm", " inches", "%", "″") and
// returns its canonical form and the index after it, or "" when the next
// word is not a unit.
func readUnit(s string, i int) (string, int) {
	j := i
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j >= len(s) {
		return "", i
	}
	switch {
	case s[j] == '%':
		return "%", j + 1
	case s[j] == '"':
		return "in", j + 1
	case strings.HasPrefix(s[j:], "″"):
		return "in", j + len("″")
	case strings.HasPrefix(s[j:], "°C"), strings.HasPrefix(s[j:], "°c"):
		return "°c", j + len("°C")
	case strings.HasPrefix(s[j:], "°F"), strings.HasPrefix(s[j:], "°f"):
		return "°f", j + len("°F")
	}
	k := j
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if !unicode.IsLetter(r) {
			break
		}
		k += size
	}
	word := strings.ToLower(s[j:k])
	u, ok := unitWords[word]
	if !ok {
		return "", i
	}
	if word == "fl" {
		if w2, k2 := nextWord(s, k); w2 == "oz" {
			return "fl oz", k2
		}
		return "", i
	}
	// "in" and "m" are also ordinary words: "4 in a box", "3 m long" is
	// fine but "4 in a box" is not inches. Take them only when no word
	// follows.
	if word == "in" || word == "m" || word == "l" || word == "h" {
		if w2, _ := nextWord(s, k); w2 != "" && w2 != "x" && w2 != "by" && w2 != "long" && w2 != "wide" && w2 != "high" && w2 != "tall" && w2 != "deep" {
			return "", i
		}
	}
	return u, k
}

// nextWord returns the lower-cased word after i (skipping spaces) and the
// index after it.
func nextWord(s string, i int) (string, int) {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	k := i
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if !unicode.IsLetter(r) {
			break
		}
		k += size
	}
	return strings.ToLower(s[i:k]), k
}

// unitIn returns a unit named in a label such as "Width (cm)" or
// "Weight in grams".
func unitIn(label string) string {
	l := strings.ToLower(label)
	if i := strings.Index(l, "("); i >= 0 {
		if j := strings.Index(l[i:], ")"); j > 0 {
			inner := strings.TrimSpace(l[i+1 : i+j])
			if inner == "%" {
				return "%"
			}
			if u, ok := unitWords[inner]; ok && inner != "fl" {
				return u
			}
		}
	}
	for _, w := range strings.FieldsFunc(l, func(r rune) bool { return !unicode.IsLetter(r) }) {
		if u, ok := unitWords[w]; ok && len(w) > 2 && u != "count" {
			return u
		}
	}
	return ""
}

// unitWords maps the ways units are written to one form.
var unitWords = func() map[string]string {
	m := map[string]string{}
	for canon, forms := range map[string][]string{
		"mm":    {"mm", "millimeter", "millimeters", "millimetre", "millimetres"},
		"cm":    {"cm", "cms", "centimeter", "centimeters", "centimetre", "centimetres"},
		"m":     {"m", "meter", "meters", "metre", "metres"},
		"km":    {"km", "kilometer", "kilometers", "kilometre", "kilometres"},
		"in":    {"in", "inch", "inches"},
		"ft":    {"ft", "foot", "feet"},
		"yd":    {"yd", "yard", "yards"},
		"oz":    {"oz", "ounce", "ounces"},
		"fl":    {"fl"},
		"g":     {"g", "gr", "gram", "grams", "gramme", "grammes"},
		"kg":    {"kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"},
		"lb":    {"lb", "lbs", "pound", "pounds"},
		"ml":    {"ml", "milliliter", "milliliters", "millilitre", "millilitres"},
		"cl":    {"cl"},
		"l":     {"l", "liter", "liters", "litre", "litres", "ltr"},
		"%":     {"percent"},
		"h":     {"h", "hr", "hrs", "hour", "hours"},
		"min":   {"min", "mins", "minute", "minutes"},
		"day":   {"day", "days"},
		"week":  {"week", "weeks"},
		"month": {"month", "months"},
		"year":  {"year", "years", "yr", "yrs"},
		"w":     {"w", "watt", "watts"},
		"v":     {"v", "volt", "volts"},
		"mah":   {"mah"},
		"gsm":   {"gsm"},
		"count": {"pack", "packs", "pk", "pcs", "pc", "piece", "pieces", "count", "ct", "set", "sets", "pair", "pairs"},
	} {
		for _, f := range forms {
			m[f] = canon
		}
	}
	return m
}()

// countUnits only count things: the number alone must be grounded ("set of
// 4" grounds "4 pieces").
var countUnits = map[string]bool{"count": true}

var numberWords = map[string]string{
	"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
	"nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "dozen": "12", "pair": "2", "single": "1",
	"twenty": "20", "fifty": "50", "hundred": "100",
}

// normNumber writes a number one way: "1,299.50" → "1299.5", "10,5" →
// "10.5", "10.0" → "10".
func normNumber(n string) string {
	if strings.Contains(n, "/") {
		return n
	}
	if strings.Contains(n, ",") {
		parts := strings.Split(n, ",")
		thousands := len(parts) > 1
		for _, p := range parts[1:] {
			q, _, _ := strings.Cut(p, ".")
			if len(q) != 3 {
				thousands = false
			}
		}
		if thousands {
			n = strings.ReplaceAll(n, ",", "")
		} else {
			n = strings.ReplaceAll(n, ",", ".")
		}
	}
	if strings.Count(n, ".") == 1 {
		n = strings.TrimRight(strings.TrimRight(n, "0"), ".")
	}
	if t := strings.TrimLeft(n, "0"); t != n {
		if t == "" || t[0] == '.' {
			t = "0" + t
		}
		n = t
	}
	return n
}

// normWords lower-cases s, keeps only words (letters and digits), folds
// plurals and spelling variants, and joins the words by single spaces.
func normWords(s string) string {
	s = strings.ToLower(s)
	words := strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
	for i, w := range words {
		words[i] = singular(w)
	}
	out := " " + strings.Join(words, " ") + " "
	out = groundSynonyms.Replace(out)
	return strings.TrimSpace(out)
}

// singular drops a plural ending from longer words, the same way on both
// sides of a comparison.
func singular(w string) string {
	switch {
	case len(w) <= 4, strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "s"):
		return w[:len(w)-1]
	}
	return w
}

// sentences splits text at line breaks and at ".", "!" or "?" followed by
// a space, keeping numbers such as "10.5" whole.
func sentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		start := 0
		for i := 0; i < len(line); i++ {
			if strings.IndexByte(".!?", line[i]) >= 0 && (i+1 == len(line) || line[i+1] == ' ') {
				if s := strings.TrimSpace(line[start : i+1]); s != "" {
					out = append(out, s)
				}
				start = i + 1
			}
		}
		if s := strings.TrimSpace(line[start:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}
