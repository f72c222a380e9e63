package offline

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/plutopro/plutopro/internal/catalog"
)

// option is a product option with real choices ("Title: Default Title" is not one).
type option struct {
	name   string
	values []string
}

// facts is everything the writer may say about a product, taken from the
// product's own data: nothing in here is invented.
type facts struct {
	key        string   // handle, else title: seeds the wording choices
	title      string   // the product title, cleaned
	noun       string   // what the title names, lower case ("shirt")
	plural     bool     // the title names several things ("throw pillows")
	vendor     string   // the vendor, when it reads as a name (not a slug)
	rawVend    string   // the vendor as given
	head       string   // the lead sentence's noun phrase ("Ocean blue cotton shirt")
	headAdds   bool     // head says more than the title
	headCovers bool     // head holds every word of the title
	detail     string   // clause after the head that is not a feature ("in blue or black")
	features   []string // feature phrases as written ("a narrow collar")
	sentences  []string // other sentences of the body, complete
	specs      []string // list items of the body ("Sterling silver chain, 14 inches")
	options    []option
	materials  []string // named anywhere in the data, tags included
	strong     []string // named by the title, lead phrase, specifications or metadata: what the product is made of
	colours    []string
	tags       []string
	ptype      string
	category   []string // category path, most general first
	gender     string   // "men", "women", "kids"... from tags or metadata
	weight     string   // the single variant's shipping weight ("28 g")
	sku        string   // the single variant's SKU
	images     []catalog.Image
	imgVals    [][]string // option values each image shows, from its variants
	text       string     // all the product's words, lower case, for checks
	ix         wordIndex  // the words of text
	naming     wordIndex  // the words that name the product: title, lead phrase, type, tags, category
}

// extract reads the facts of a product. avoid are phrases the brand never
// uses: sentences holding one are left out when they are not the lead.
func extract(p *catalog.Product, avoid []string) *facts {
	f := &facts{key: p.Handle}
	f.title = strings.TrimRight(fold(p.Title), " .,;:")
	if f.title == "" {
		f.title = titleCase(strings.ReplaceAll(p.Handle, "-", " "))
	}
	if f.key == "" {
		f.key = f.title
	}
	f.noun = headNoun(f.title)
	f.plural = isPlural(f.noun)
	if tw := words(f.title); len(tw) >= 2 {
		if last2 := tw[len(tw)-2] + " " + tw[len(tw)-1]; compoundNouns[last2] {
			f.noun = last2
		}
	}
	f.rawVend = fold(p.Vendor)
	if presentable(f.rawVend) {
		f.vendor = f.rawVend
	}
	f.ptype = fold(p.ProductType)
	cat := p.Category
	if cat == "" && p.Metadata != nil {
		if c := p.Metadata["Google Shopping / Google Product Category"]; c != "" && strings.ContainsFunc(c, unicode.IsLetter) {
			cat = c
		}
	}
	for _, seg := range strings.Split(cat, ">") {
		if seg = fold(seg); seg != "" {
			f.category = append(f.category, seg)
		}
	}
	for _, t := range p.Tags {
		if t = fold(t); t != "" && !containsFold(f.tags, t) {
			f.tags = append(f.tags, t)
		}
	}
	for _, o := range p.Options {
		if isDefaultOption(o) {
			continue
		}
		var vals []string
		for _, v := range o.Values {
			if v = fold(v); v != "" && !containsFold(vals, v) {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 && fold(o.Name) != "" {
			f.options = append(f.options, option{name: fold(o.Name), values: vals})
		}
	}
	f.gender = gender(p, f.tags)

	prose, items := splitBody(p.BodyHTML)
	for _, it := range items {
		if it = strings.TrimRight(fold(it), " ;,"); it != "" && !hasContact(it) {
			f.specs = append(f.specs, it)
		}
	}
	prosePlain := catalog.PlainText(prose)
	sents := sentences(prosePlain)
	var rest []string
	leadTried := false
	for _, s := range sents {
		if hasContact(s) || strings.EqualFold(trimEnd(s), f.title) {
			continue
		}
		if !leadTried {
			leadTried = true
			head, detail, feats, more := splitLead(trimEnd(s))
			if head != "" {
				f.head, f.detail, f.features = head, detail, feats
				if more != "" {
					rest = append(rest, more)
				}
				continue
			}
		}
		rest = append(rest, s)
	}
	for _, s := range rest {
		if feats, ok := fragment(s); ok {
			// Features holding the brand's words to avoid are left out
			// one by one when the text is written.
			f.features = append(f.features, feats...)
			continue
		}
		if containsAny(s, avoid) {
			continue // the brand's words: not worth a sentence of their own
		}
		f.sentences = append(f.sentences, s)
	}
	f.features = dedupeFold(f.features)
	if f.head != "" {
		hw, tw := words(f.head), words(f.title)
		f.headCovers = subset(tw, hw)
		f.headAdds = !subset(hw, tw)
	}

	// What the product says about itself (title, body), and everything.
	// What names the product itself: its title, the lead phrase and the
	// specifications. "Wooden base" is a part, not what the sofa is.
	var strong strings.Builder
	strong.WriteString(f.title + "\n" + f.head + "\n" + f.detail + "\n")
	for _, it := range f.specs {
		strong.WriteString(it + "\n")
	}
	all := f.title + "\n" + prosePlain + "\n" + strings.Join(f.specs, "\n") + "\n" + f.ptype + "\n" + strings.Join(f.category, " ") + "\n" + f.rawVend + "\n" + strings.Join(f.tags, "\n") + "\n"
	for _, o := range f.options {
		all += o.name + " " + strings.Join(o.values, " ") + "\n"
	}
	var metaMaterials []string
	for k, v := range p.Metadata {
		if strings.Contains(strings.ToLower(k), "material") {
			metaMaterials = append(metaMaterials, v)
		}
	}
	sort.Strings(metaMaterials)
	f.text = strings.ToLower(all)
	f.ix = indexWords(f.text)
	f.materials = findMaterials(f.ix, metaMaterials)
	strongIx := indexWords(strings.ToLower(strong.String()))
	f.strong = findMaterials(strongIx, metaMaterials)
	// The product's colours are those its name and lead phrase give ("black
	// buttons" are not the tuxedo's colour); a colour inside a material
	// ("14k yellow gold") is not a colour.
	for _, c := range strongIx.findTerms(colourTerms) {
		inMaterial := false
		for _, m := range f.materials {
			if containsWord(m, c) {
				inMaterial = true
				break
			}
		}
		if !inMaterial {
			f.colours = append(f.colours, c)
		}
	}
	f.naming = indexWords(strings.ToLower(strings.Join(append(append([]string{f.title, f.head, f.ptype}, f.tags...), f.category...), "\n")))
	// A feature a specification repeats is said once, by the specification.
	feats := f.features[:0]
	for _, x := range f.features {
		dup := false
		for _, sp := range f.specs {
			if subset(words(x), words(sp)) {
				dup = true
				break
			}
		}
		if !dup {
			feats = append(feats, x)
		}
	}
	f.features = feats
	f.images = p.Images
	f.imgVals = imageValues(p)
	if len(p.Variants) == 1 {
		v := p.Variants[0]
		f.sku = fold(v.SKU)
		if g, err := strconv.ParseFloat(strings.TrimSpace(v.Grams), 64); err == nil && g > 0 {
			f.weight = strconv.FormatFloat(g, 'f', -1, 64) + " g"
		}
	}
	return f
}

// isDefaultOption is Shopify's placeholder for a product without options.
func isDefaultOption(o catalog.Option) bool {
	if len(o.Values) == 0 {
		return true
	}
	return strings.EqualFold(o.Name, "Title") && len(o.Values) == 1 && strings.EqualFold(o.Values[0], "Default Title")
}

// presentable reports a vendor that reads as a name: not a slug such as
// "partners-demo".
func presentable(v string) bool {
	if v == "" {
		return false
	}
	if strings.ContainsAny(v, " ") {
		return true
	}
	return strings.ContainsFunc(v, unicode.IsUpper) || !strings.ContainsAny(v, "-_")
}

func gender(p *catalog.Product, tags []string) string {
	for _, t := range tags {
		switch strings.ToLower(t) {
		case "men", "mens", "men's", "male":
			return "men"
		case "women", "womens", "women's", "female", "ladies":
			return "women"
		case "kids", "children", "girls", "boys", "baby", "unisex":
			return strings.ToLower(t)
		}
	}
	if p.Metadata != nil {
		switch strings.ToLower(p.Metadata["Google Shopping / Gender"]) {
		case "male":
			return "men"
		case "female":
			return "women"
		case "unisex":
			return "unisex"
		}
	}
	return ""
}

// splitBody separates the list items (<li>) of body HTML from the rest.
func splitBody(body string) (prose string, items []string) {
	low := lowerASCII(body)
	if !strings.Contains(low, "<li") {
		return body, nil
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(low[i:], "<li")
		if j < 0 {
			b.WriteString(body[i:])
			break
		}
		j += i
		b.WriteString(body[i:j])
		k := strings.IndexByte(low[j:], '>')
		if k < 0 {
			break
		}
		start := j + k + 1
		end := len(body)
		for _, stop := range []string{"</li", "<li", "</ul", "</ol"} {
			if e := strings.Index(low[start:], stop); e >= 0 && start+e < end {
				end = start + e
			}
		}
		if it := catalog.PlainText(body[start:end]); it != "" {
			items = append(items, strings.ReplaceAll(it, "\n", " "))
		}
		i = end
		if strings.HasPrefix(low[i:], "</li") {
			if e := strings.IndexByte(low[i:], '>'); e >= 0 {
				i += e + 1
			}
		}
	}
	return b.String(), items
}

// abbreviations do not end a sentence.
var abbreviations = map[string]bool{"e.g": true, "i.e": true, "approx": true, "no": true, "vs": true, "etc": true, "st": true, "dr": true, "mr": true, "mrs": true, "ms": true, "incl": true, "fig": true, "ca": true}

// sentences splits plain text into cleaned sentences that end with
// punctuation.
func sentences(text string) []string {
	var out []string
	add := func(s string) {
		s = fold(s)
		if len([]rune(s)) < 3 {
			return
		}
		out = append(out, endSentence(upperFirst(s)))
	}
	for _, line := range strings.Split(text, "\n") {
		start := 0
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c != '.' && c != '!' && c != '?' {
				continue
			}
			if i+1 < len(line) && line[i+1] != ' ' {
				continue
			}
			if c == '.' {
				w := line[start:i]
				if k := strings.LastIndexByte(w, ' '); k >= 0 {
					w = w[k+1:]
				}
				if abbreviations[strings.ToLower(w)] {
					continue
				}
			}
			add(line[start : i+1])
			start = i + 1
		}
		add(line[start:])
	}
	return out
}

// verbs and pronouns mark a full sentence rather than a list of features.
var clauseWords = map[string]bool{
	"is": true, "are": true, "was": true, "were": true, "be": true, "been": true, "has": true, "have": true,
	"had": true, "can": true, "will": true, "would": true, "could": true, "should": true, "may": true,
	"might": true, "must": true, "means": true, "makes": true, "make": true, "keeps": true, "keep": true,
	"lets": true, "let": true, "gives": true, "give": true, "comes": true, "come": true, "fits": true,
	"holds": true, "features": true, "includes": true, "adds": true, "looks": true, "feels": true,
	"this": true, "these": true, "it": true, "its": true, "it's": true, "you": true, "your": true,
	"you'll": true, "which": true, "that": true, "they": true, "we": true, "our": true, "i": true,
	"move": true, "moves": true, "adorn": true, "adorns": true, "shapes": true, "displaying": true,
}

// compoundNouns are two-word names of one thing: "watering can" is a can
// only to a parser.
var compoundNouns = map[string]bool{
	"watering can": true, "plant pot": true, "flower pot": true, "throw pillows": true, "throw pillow": true,
	"bean bag": true, "bedside table": true, "coffee table": true, "side table": true, "dining table": true,
	"high tops": true, "hand trowel": true, "bed clothes": true, "tote bag": true, "t shirt": true,
	"sports tee": true, "throw blanket": true, "tea towel": true, "cutting board": true, "wall art": true,
}

// isClause reports a verb or pronoun at position i of ws ("can" is a noun
// in "watering can").
func isClause(ws []string, i int) bool {
	w := ws[i]
	if !clauseWords[w] {
		return false
	}
	if w == "can" && i > 0 && canNouns[ws[i-1]] {
		return false
	}
	return true
}

var canNouns = map[string]bool{"watering": true, "tin": true, "trash": true, "paint": true, "oil": true, "spray": true, "garbage": true, "soda": true, "beer": true, "storage": true}

// evaluative openings mark a claim, kept as a sentence, not a feature.
var evaluative = map[string]bool{"perfect": true, "ideal": true, "great": true, "suitable": true, "designed": true, "made": true, "stunning": true, "beautiful": true, "lovely": true, "gorgeous": true, "ultimate": true, "best": true}

// fragment reads a verbless sentence of at most 12 words as features:
// "Small buttons and front pocket." -> "Small buttons", "front pocket".
func fragment(s string) ([]string, bool) {
	ws := words(s)
	if len(ws) == 0 || len(ws) > 12 || evaluative[ws[0]] {
		return nil, false
	}
	for i := range ws {
		if isClause(ws, i) {
			return nil, false
		}
	}
	return splitFeatures(trimEnd(s)), true
}

// splitLead reads a lead sentence (without its full stop) as a noun phrase,
// a detail clause, features and a remaining clause:
// "Ocean blue cotton shirt with a narrow collar and long sleeves" ->
// head "Ocean blue cotton shirt", features "a narrow collar", "long sleeves".
func splitLead(s string) (head, detail string, features []string, rest string) {
	low := lowerASCII(s)
	wi := strings.Index(low, " with ")
	ci := strings.Index(s, ", ")
	if wi > 0 && nounPhrase(strings.TrimRight(s[:wi], ", ")) {
		head = strings.TrimRight(s[:wi], ", ")
		return head, "", splitFeatures(s[wi+len(" with "):]), ""
	}
	if ci > 0 && nounPhrase(s[:ci]) {
		head = s[:ci]
		after := strings.TrimSpace(s[ci+2:])
		la := lowerASCII(after)
		switch {
		case strings.HasPrefix(la, "with "):
			return head, "", splitFeatures(after[len("with "):]), ""
		case strings.HasPrefix(la, "in ") || strings.HasPrefix(la, "on ") || strings.HasPrefix(la, "for "):
			if d, f, ok := strings.Cut(after, ", with "); ok {
				return head, d, splitFeatures(f), ""
			}
			return head, after, nil, ""
		}
		return head, "", nil, endSentence(upperFirst(after))
	}
	if nounPhrase(s) {
		return s, "", nil, ""
	}
	return "", "", nil, ""
}

// nounPhrase reports a short phrase with no verbs or pronouns.
func nounPhrase(s string) bool {
	ws := words(s)
	if len(ws) == 0 || len(ws) > 10 || evaluative[ws[0]] && len(ws) > 1 && ws[1] == "for" {
		return false
	}
	for i := range ws {
		if isClause(ws, i) {
			return false
		}
	}
	return true
}

// splitFeatures splits "a narrow collar, buttons and long sleeves" into
// phrases, keeping "black and red" together.
func splitFeatures(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ", ") {
		part = strings.TrimSpace(part)
		for _, p := range []string{"and ", "complete with ", "with ", "plus ", "featuring "} {
			if cut, ok := cutPrefixFold(part, p); ok {
				part = cut
			}
		}
		part = trimEnd(part)
		if part == "" {
			continue
		}
		subs := strings.Split(part, " and ")
		split := len(subs) > 1
		for _, sub := range subs {
			if len(strings.Fields(sub)) < 2 {
				split = false
			}
		}
		if !split {
			out = append(out, lowerFirst(part))
			continue
		}
		for _, sub := range subs {
			out = append(out, lowerFirst(strings.TrimSpace(sub)))
		}
	}
	return out
}

// bare is a feature without its article, capitalised: "a narrow collar" ->
// "Narrow collar".
func bare(s string) string {
	for _, a := range []string{"a ", "an ", "the "} {
		if cut, ok := cutPrefixFold(s, a); ok {
			s = cut
			break
		}
	}
	return upperFirst(s)
}

func hasContact(s string) bool { return mayHaveContact(s) && contactRe.MatchString(s) }

func containsFold(xs []string, x string) bool {
	for _, y := range xs {
		if strings.EqualFold(x, y) {
			return true
		}
	}
	return false
}

func dedupeFold(xs []string) []string {
	out := xs[:0]
	for i, x := range xs {
		if !containsFold(xs[:i], x) {
			out = append(out, x)
		}
	}
	return out
}

// subset reports whether every word of a is in b.
func subset(a, b []string) bool {
	for _, w := range a {
		found := false
		for _, v := range b {
			if w == v || w+"s" == v || w == v+"s" {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Materials a product's words can name, longest first. A material is only
// ever reported when the product's own text names it.
var materialTerms = []string{
	"14k yellow gold", "14k white gold", "14k rose gold", "18k yellow gold", "18k gold", "14k gold", "9k gold",
	"yellow gold", "white gold", "rose gold", "sterling silver", "stainless steel", "faux leather", "vegan leather",
	"faux fur", "soy wax", "merino wool", "organic cotton", "recycled polyester",
	"wool blend", "cotton blend", "linen blend", "silk blend", "cashmere blend",
	"leather", "cotton", "wool", "cashmere", "linen", "silk", "denim", "flannel", "fleece", "polyester", "nylon",
	"elastane", "spandex", "viscose", "rayon", "velvet", "suede", "canvas", "jute", "hemp", "bamboo", "clay",
	"terracotta", "ceramic", "porcelain", "stoneware", "glass", "copper", "brass", "bronze", "gold", "silver",
	"platinum", "steel", "iron", "aluminium", "aluminum", "metal", "wood", "wooden", "oak", "walnut", "pine", "teak",
	"cardboard", "paper", "plastic", "rubber", "resin", "beeswax", "wax", "marble", "stone", "concrete",
	"turquoise", "opal", "quartz", "pearl", "diamond", "crystal", "mesh", "lace", "felt", "cork", "acrylic",
}

var colourTerms = []string{
	"light blue", "dark blue", "navy blue", "olive green", "dark green", "light grey", "dark grey", "black", "white", "grey", "gray", "red", "blue", "navy", "green",
	"olive", "yellow", "pink", "purple", "orange", "brown", "beige", "cream", "ivory", "teal", "burgundy",
	"khaki", "tan", "lilac", "mustard", "charcoal", "multicolour", "multicolor", "multicoloured", "multicolored",
}

// findMaterials lists the materials the product names: its metadata
// materials first, then the material words of its text.
func findMaterials(ix wordIndex, meta []string) []string {
	var out []string
	for _, m := range meta {
		for _, v := range strings.FieldsFunc(m, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
			if v = strings.ToLower(fold(v)); v != "" && !containsFold(out, v) {
				out = append(out, v)
			}
		}
	}
	for _, t := range ix.findTerms(materialTerms) {
		if t == "wooden" {
			t = "wood"
		}
		if !containsFold(out, t) {
			out = append(out, t)
		}
	}
	// "sterling silver" says more than "silver".
	kept := out[:0]
	for i, m := range out {
		covered := false
		for j, o := range out {
			if i != j && len(o) > len(m) && containsWord(o, m) {
				covered = true
				break
			}
		}
		if !covered {
			kept = append(kept, m)
		}
	}
	return kept
}

// wordIndex maps every run of one to three words of a text to where it
// first starts, so terms are looked up without scanning the text again.
type wordIndex map[string]int

const maxTermWords = 3

func indexWords(text string) wordIndex {
	ws := words(text)
	ix := make(wordIndex, len(ws)*2)
	for i := range ws {
		key := ""
		for n := 0; n < maxTermWords && i+n < len(ws); n++ {
			if n == 0 {
				key = ws[i]
			} else {
				key += " " + ws[i+n]
			}
			if _, ok := ix[key]; !ok {
				ix[key] = i
			}
		}
	}
	return ix
}

// has reports whether the text holds the term (lower case, words joined by
// single spaces), or its plural.
func (ix wordIndex) has(term string) bool {
	_, ok := ix[term]
	if !ok {
		_, ok = ix[term+"s"]
	}
	return ok
}

// findTerms returns the terms the text holds, in the order they first
// appear, longer terms hiding the shorter ones they contain ("sterling
// silver" hides "silver"). Terms are lower case, longest first.
func (ix wordIndex) findTerms(terms []string) []string {
	type found struct {
		term string
		pos  int
	}
	var out []found
	for _, t := range terms {
		i, ok := ix[t]
		if !ok {
			continue
		}
		covered := false
		for _, o := range out {
			if containsWord(o.term, t) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, found{t, i})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].pos < out[b].pos })
	res := make([]string, len(out))
	for i, o := range out {
		res[i] = o.term
	}
	return res
}

func containsWord(s, w string) bool {
	i, _ := findPhrase(s, w, 0)
	return i >= 0
}

// imageValues lists, per image, the option values of the variants it shows.
func imageValues(p *catalog.Product) [][]string {
	out := make([][]string, len(p.Images))
	for i, img := range p.Images {
		for _, v := range p.Variants {
			shows := v.ImageSrc != "" && v.ImageSrc == img.Src
			for _, sku := range img.VariantSKUs {
				if sku != "" && sku == v.SKU {
					shows = true
				}
			}
			if !shows {
				continue
			}
			for j, val := range v.OptionValues {
				if j < len(p.Options) && isDefaultOption(p.Options[j]) {
					continue
				}
				if val = fold(val); val != "" && !containsFold(out[i], val) {
					out[i] = append(out[i], val)
				}
			}
		}
	}
	return out
}
