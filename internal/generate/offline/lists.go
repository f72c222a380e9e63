package offline

import (
	"sort"
	"strings"
	"unicode"

	"github.com/plutopro/plutopro/internal/generate"
)

// group is a run of bullet atoms from one source. A mergeable group's atoms
// may share a bullet when there are more facts than bullets.
type group struct {
	atoms  []string
	merge  bool
	chunks int // bullets the group takes
}

// bullets writes Amazon's bullet points (amazon) or Google's product
// highlights. The strategy for any product, however thin:
//
//  1. the product itself: the lead sentence's noun phrase, else the title;
//  2. its features, specifications, other sentences and options, one fact
//     a bullet; when there are more facts than bullets, features and
//     specifications share bullets ("14k yellow gold; leather; lobster
//     clasp") so none is lost;
//  3. when there are fewer facts than bullets: labelled facts from the
//     product's data (colour, material named by the title or body, type,
//     category, department, tags, brand, shipping weight, SKU), then, for
//     Amazon, the seller (the brand, when the vendor is another) and the
//     brand's audience, then what the title says (the product's name and
//     kind), the vendor as given and what the listing is. With a title of
//     two words or more and a vendor or a brand name, that makes 5.
//
// No bullet states anything the product or brand data does not.
func (w *writer) bullets(spec generate.FieldSpec, amazon bool) []string {
	f := w.f
	want := wantItems(spec, 5)
	if !amazon {
		want = wantItems(spec, 6)
	}
	identity := w.title
	if f.head != "" && wordCount(f.head) >= 2 && !strings.EqualFold(bare(f.head), f.noun) {
		identity = bare(lowerFirst(f.head)) + prefixSpace(f.detail)
	}

	var optLines []string
	for _, o := range f.options {
		optLines = append(optLines, optionLine(o))
	}
	var sents []string
	for _, s := range f.sentences {
		sents = append(sents, trimEnd(s))
	}
	var feats []string
	for _, x := range f.features {
		feats = append(feats, bare(x))
	}
	groups := []*group{
		{atoms: feats, merge: true},
		{atoms: f.specs, merge: true},
		{atoms: sents},
		{atoms: optLines, merge: true},
	}
	slots := want - 1
	count := 0
	for _, g := range groups {
		g.chunks = len(g.atoms)
		count += g.chunks
	}
	for count > slots {
		var big *group
		for _, g := range groups {
			if g.merge && g.chunks > 1 && (big == nil || len(g.atoms)/g.chunks > 0 && g.chunks > big.chunks) {
				big = g
			}
		}
		if big == nil {
			break
		}
		big.chunks--
		count--
	}

	cands := []string{identity}
	for _, g := range groups {
		cands = append(cands, chunk(g.atoms, g.chunks)...)
	}
	// Google recommends 4 to 6 highlights: labelled facts fill up to 4;
	// Amazon needs its 5.
	fillTo := want
	if !amazon {
		fillTo = max(spec.MinItems, min(4, want))
	}
	data := len(cands)
	// Labelled facts for thin products.
	if len(f.colours) > 0 && !hasColourOption(f.options) {
		cands = append(cands, upperFirst(w.st.colourWord())+": "+joinList(f.colours, "and"))
	}
	if len(f.strong) > 0 {
		label := "Material: "
		if len(f.strong) > 1 {
			label = "Materials: "
		}
		cands = append(cands, label+joinList(f.strong, "and"))
	}
	if f.ptype != "" && !strings.EqualFold(f.ptype, f.noun) {
		cands = append(cands, "Type: "+f.ptype)
	}
	if len(f.category) > 0 {
		cands = append(cands, "Category: "+strings.Join(f.category, " > "))
	}
	if f.gender != "" {
		cands = append(cands, "Department: "+titleCase(f.gender))
	}
	var tags []string
	for _, t := range f.tags {
		lt := strings.ToLower(t)
		if !isGenderWord(lt) && !containsFold(f.colours, lt) && !strings.EqualFold(t, f.ptype) {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		cands = append(cands, "Listed under "+joinList(tags, "and"))
	}
	if b := w.brandPrefix(); b != "" && !strings.Contains(identity, b) {
		cands = append(cands, "Brand: "+b)
	}
	if amazon && w.brandName != "" && !strings.EqualFold(w.brandName, w.brandPrefix()) {
		cands = append(cands, "Sold by "+w.brandName)
	}
	if f.weight != "" {
		cands = append(cands, "Shipping weight: "+f.weight)
	}
	if f.sku != "" {
		cands = append(cands, "SKU: "+f.sku)
	}
	if amazon {
		if a := w.audienceSentence(spec.Name); a != "" {
			cands = append(cands, a)
		}
	}
	// Last: what the title itself says.
	cands = append(cands, "Product: "+w.title)
	if f.noun != "" && !strings.EqualFold(f.noun, w.title) {
		cands = append(cands, "Product type: "+upperFirst(f.noun))
	}
	if amazon && f.rawVend != "" && f.vendor == "" {
		cands = append(cands, "Sold by "+f.rawVend)
	}
	cands = append(cands, "In this listing: the "+w.title)
	for i, c := range cands {
		cands[i] = trimEnd(c)
	}
	out := w.fitList(spec, cands[:data], want, true, false)
	if len(out) >= fillTo {
		return out
	}
	return w.fitList(spec, cands, fillTo, true, false)
}

func hasColourOption(os []option) bool {
	for _, o := range os {
		if isColourOption(o.name) {
			return true
		}
	}
	return false
}

// chunk splits atoms into n bullets in order: "Narrow collar; long sleeves".
func chunk(atoms []string, n int) []string {
	if n <= 0 || len(atoms) == 0 {
		return nil
	}
	if n >= len(atoms) {
		out := make([]string, len(atoms))
		for i, a := range atoms {
			out[i] = upperFirst(a)
		}
		return out
	}
	out := make([]string, 0, n)
	size, extra := len(atoms)/n, len(atoms)%n
	i := 0
	for k := 0; k < n; k++ {
		m := size
		if k < extra {
			m++
		}
		parts := make([]string, m)
		for j := 0; j < m; j++ {
			parts[j] = lowerFirst(trimEnd(atoms[i+j]))
		}
		out = append(out, upperFirst(strings.Join(parts, "; ")))
		i += m
	}
	return out
}

// Search synonyms: other names buyers use for the same thing. They are
// vocabulary, not facts: each is only used when the product's own words
// name the thing.
var synonyms = map[string][]string{
	"sofa": {"couch", "settee"}, "couch": {"sofa", "settee"}, "jumper": {"sweater", "pullover"},
	"sweater": {"jumper", "pullover"}, "t-shirt": {"tee"}, "tee": {"t-shirt"}, "trousers": {"pants"},
	"pillows": {"cushions"}, "pillow": {"cushion"}, "cushion": {"pillow"}, "cushions": {"pillows"},
	"throw pillows": {"scatter cushions"}, "bedside table": {"nightstand", "night table"},
	"nightstand": {"bedside table"}, "beanbag": {"bean bag"}, "bean bag": {"beanbag"},
	"armchair": {"accent chair", "lounge chair"}, "trainers": {"sneakers"}, "sneakers": {"trainers"},
	"high tops": {"sneakers", "trainers"}, "jacket": {"coat"}, "coat": {"jacket"}, "handbag": {"purse"},
	"plant pot": {"planter", "flower pot"}, "planter": {"plant pot"}, "pots": {"planters"},
	"chest of drawers": {"dresser"}, "drawers": {"dresser"}, "bed clothes": {"bedding"},
	"choker": {"choker necklace"}, "bangle": {"cuff"}, "tuxedo": {"dinner jacket"}, "fence": {"fencing"},
	"slats": {"battens"}, "trowel": {"garden trowel"}, "blouse": {"top"}, "light": {"lamp"}, "lamp": {"light"},
	"shoes": {"footwear"}, "earrings": {"ear jewellery"}, "watering can": {"watering pot"},
}

// spellingVariants are search variants in both spellings.
var spellingVariants = map[string]string{
	"grey": "gray", "gray": "grey", "jewellery": "jewelry",
	"jewelry": "jewellery", "multicoloured": "multicolored", "multicolored": "multicoloured",
	"colourful": "colorful", "colorful": "colourful", "aluminium": "aluminum", "aluminum": "aluminium",
}

// searchFiller are words no buyer searches by, and subjective words Amazon
// refuses in search terms.
var searchFiller = map[string]bool{
	"you": true, "your": true, "it": true, "its": true, "this": true, "that": true, "these": true, "those": true,
	"be": true, "is": true, "are": true, "was": true, "were": true, "will": true, "can": true, "has": true,
	"have": true, "had": true, "all": true, "very": true, "just": true, "which": true, "when": true, "where": true,
	"who": true, "what": true, "there": true, "their": true, "them": true, "they": true, "we": true, "our": true,
	"us": true, "me": true, "my": true, "i": true, "been": true, "being": true, "do": true, "does": true,
	"means": true, "keep": true, "kept": true, "you'll": true, "default": true, "title": true, "complete": true,
	"perfect": true, "stylish": true, "beautiful": true, "beautifully": true, "stunning": true, "gorgeous": true,
	"lovely": true, "pretty": true, "amazing": true, "awesome": true, "best": true, "great": true, "chic": true,
	"sleek": true, "cute": true, "nice": true, "ultra-stylish": true, "comfortable": true, "durable": true,
	"quality": true, "ideal": true, "new": true, "cheap": true, "days": true, "while": true,
}

// searchTerms are Amazon's hidden search terms: synonyms and spelling
// variants of what the product is, then the words of its tags, type,
// category, materials, colours, options, features and lead phrase that the
// title does not have, then the title's; lower case, no brand names, no
// repeats, within the byte budget. Sentences are left out: their words are
// mostly not what a buyer types.
func (w *writer) searchTerms(spec generate.FieldSpec) []string {
	f := w.f
	// Both spellings are search terms: no respelling here.
	saved := w.st
	plain := *w.st
	plain.british, plain.american = false, false
	w.st = &plain
	defer func() { w.st = saved }()
	banned := map[string]bool{}
	for _, n := range w.brandNames() {
		for _, x := range words(n) {
			banned[x] = true
		}
	}
	for _, p := range append(append([]string(nil), w.st.avoid...), spec.BannedPhrases...) {
		banned[strings.ToLower(p)] = true
	}
	used := map[string]bool{}
	var cands []string
	addTerm := func(t string) {
		t = lowerTerm(t)
		t = strings.Map(func(r rune) rune {
			if isWordRune(r) || r == ' ' || r == '-' {
				return r
			}
			return ' '
		}, t)
		t = fold(t)
		if t == "" {
			return
		}
		ws := strings.Fields(t)
		fresh := false
		for _, x := range ws {
			if banned[x] {
				return
			}
			if !used[x] && !repeatStop[x] {
				fresh = true
			}
		}
		if !fresh {
			return
		}
		for _, x := range ws {
			used[x] = true
		}
		cands = append(cands, t)
	}
	addWords := func(s string) {
		for _, x := range words(s) {
			if repeatStop[x] || searchFiller[x] || !strings.ContainsFunc(x, unicode.IsLetter) {
				continue
			}
			addTerm(x)
		}
	}
	// Mark the title's words used, so other words come first.
	titleWords := words(f.title)
	for _, x := range titleWords {
		used[x] = true
	}
	for _, key := range synonymKeys {
		if f.naming.has(key) {
			for _, s := range synonyms[key] {
				addTerm(s)
			}
		}
	}
	for _, x := range spellingKeys {
		if f.ix.has(x) {
			addTerm(spellingVariants[x])
		}
	}
	for _, t := range f.tags {
		addWords(t)
	}
	addWords(f.ptype)
	for _, c := range f.category {
		addWords(c)
	}
	for _, m := range f.materials {
		addWords(m)
	}
	for _, c := range f.colours {
		addWords(c)
	}
	for _, o := range f.options {
		for _, v := range o.values {
			addWords(v)
		}
	}
	for _, x := range f.features {
		addWords(x)
	}
	addWords(f.head)
	addWords(f.detail)
	// The title's own words last: Amazon already indexes them.
	for _, x := range titleWords {
		used[x] = false
	}
	addWords(f.title)
	return w.fitList(spec, cands, len(cands), false, true)
}

// spellingKeys are the keys of spellingVariants in a fixed order.
var spellingKeys = func() []string {
	keys := make([]string, 0, len(spellingVariants))
	for k := range spellingVariants {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}()

// synonymKeys are the keys of synonyms in a fixed order.
var synonymKeys = func() []string {
	keys := make([]string, 0, len(synonyms))
	for k := range synonyms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}()
