package offline

import (
	"strings"
	"unicode"

	"github.com/plutopro/plutopro/internal/generate"
)

// softMax is the smaller of a field's limit and the length its guidance
// recommends.
func softMax(spec generate.FieldSpec, recommended int) int {
	if spec.MaxLen > 0 && spec.MaxLen < recommended {
		return spec.MaxLen
	}
	return recommended
}

// fitTitle polishes a title built from a base and optional parts: parts are
// added in order while the title stays within soft (and the spec's limits).
func (w *writer) fitTitle(spec generate.FieldSpec, base string, parts []string, sep string, soft int) string {
	s := w.st.polish(base, spec, true)
	if spec.MaxLen > 0 && measure(s, spec.Unit) > spec.MaxLen {
		s = clip(s, spec.MaxLen, spec.Unit, false)
	}
	for _, p := range parts {
		p = w.st.polish(p, spec, false)
		if p == "" || mentions(s, p) {
			continue
		}
		if g, ok := strings.CutPrefix(p, "for "); ok && genderWords[strings.ToLower(g)] && hasGenderWord(s) {
			continue
		}
		next := s + sep + p
		if strings.HasPrefix(p, "with ") || strings.HasPrefix(p, "in ") {
			next = s + " " + p
		}
		next = w.st.polish(next, spec, true)
		if soft > 0 && measure(next, spec.Unit) > soft {
			continue
		}
		if spec.MaxWordRepeat > 0 && len(overRepeated(next, spec.MaxWordRepeat)) > 0 {
			continue
		}
		s = next
	}
	if spec.MaxWordRepeat > 0 {
		s = dropRepeats(s, spec.MaxWordRepeat)
	}
	return trimEnd(s)
}

// mentions reports whether s already says p: the words, a plural, or
// "wooden" for wood.
func mentions(s, p string) bool {
	if containsWord(s, p) || containsWord(s, p+"s") {
		return true
	}
	return strings.EqualFold(p, "wood") && containsWord(s, "wooden")
}

// hasGenderWord reports whether s names who the product is for.
func hasGenderWord(s string) bool {
	for _, x := range words(s) {
		if genderWords[x] {
			return true
		}
	}
	return false
}

// withFeature is "with Narrow Collar": the first short feature that adds
// to the name and reads after "with"; "" when the name already has a
// "with" or no feature fits.
func (w *writer) withFeature(base string) string {
	if strings.Contains(strings.ToLower(base), " with ") {
		return ""
	}
	for _, x := range w.f.features {
		b := bare(x)
		ws := words(b)
		if len(ws) == 0 || len(ws) > 5 || subset(ws, words(base)) || prepositions[ws[0]] {
			continue
		}
		if len(ws) > 1 && strings.HasSuffix(ws[0], "ed") && prepositions[ws[1]] {
			continue // "tied up with laces"
		}
		return "with " + w.st.titleCase(b)
	}
	return ""
}

var prepositions = map[string]bool{"in": true, "on": true, "for": true, "to": true, "by": true, "at": true, "from": true, "of": true, "up": true, "with": true, "down": true, "through": true, "into": true}

// shopifyTitle is the product title, cased the brand's way, with the one
// option value when the product has exactly one.
func (w *writer) shopifyTitle(spec generate.FieldSpec) string {
	var parts []string
	if len(w.f.options) == 1 && len(w.f.options[0].values) == 1 {
		parts = append(parts, w.f.options[0].values[0])
	}
	return w.fitTitle(spec, w.title, parts, " \u2013 ", softMax(spec, 70))
}

// mainName is the most descriptive name the data gives: the lead sentence's
// noun phrase when it holds every word of the title and says more (as a
// title), else the title.
func (w *writer) mainName(maxWords int) string {
	f := w.f
	first, _, _ := strings.Cut(strings.ToLower(f.head), " ")
	if f.head != "" && f.headCovers && f.headAdds && w.ident != "" && wordCount(f.head) <= maxWords && !strings.Contains(f.head, ",") &&
		first != "one" && first != "a" && first != "an" && first != "the" {
		return w.st.titleCase(f.head)
	}
	return w.title
}

// seoTitle is the searchable name and the brand, under 60 characters.
func (w *writer) seoTitle(spec generate.FieldSpec) string {
	soft := softMax(spec, 60)
	name := w.mainName(6)
	if measure(name, spec.Unit) > soft {
		name = w.title
	}
	var parts []string
	if b := w.brandName; b != "" {
		parts = append(parts, b)
	} else if v := w.f.vendor; v != "" {
		parts = append(parts, v)
	}
	seps := []string{" | ", " \u2013 "}
	return w.fitTitle(spec, name, parts, seps[w.choose(spec.Name, "sep", len(seps))], soft)
}

// seoDescription says what the product is in under 155 characters.
func (w *writer) seoDescription(spec generate.FieldSpec) string {
	return w.summary(spec, softMax(spec, 155))
}

// etsyTitle leads with the item, then one or two of its traits.
func (w *writer) etsyTitle(spec generate.FieldSpec) string {
	f := w.f
	base := w.mainName(8)
	var parts []string
	if wf := w.withFeature(base); wf != "" {
		parts = append(parts, wf)
	}
	var traits []string
	first, _, _ := strings.Cut(strings.ToLower(f.head), " ")
	if base == w.title && w.ident != "" && wordCount(f.head) <= 6 && !strings.Contains(f.head, ",") && first != "one" {
		traits = append(traits, w.st.titleCase(f.head))
	}
	if len(f.strong) > 0 && !mentions(base+" "+strings.Join(traits, " "), f.strong[0]) {
		traits = append(traits, w.st.titleCase(f.strong[0]))
	}
	if w.choose(spec.Name, "order", 2) == 1 && len(traits) > 1 {
		traits[0], traits[1] = traits[1], traits[0]
	}
	parts = append(parts, traits...)
	if len(f.colours) > 0 {
		parts = append(parts, w.st.titleCase(f.colours[0]))
	}
	if f.gender == "men" || f.gender == "women" {
		parts = append(parts, "for "+titleCase(f.gender))
	}
	// Under 15 words: drop parts from the end.
	for len(parts) > 0 && wordCount(base+" "+strings.Join(parts, " ")) > 15 {
		parts = parts[:len(parts)-1]
	}
	return w.fitTitle(spec, base, parts, ", ", spec.MaxLen)
}

// genderWord is "Men's" or "Women's" when the product's tags say so.
func (w *writer) genderWord() string {
	switch w.f.gender {
	case "men":
		return "Men's"
	case "women":
		return "Women's"
	}
	return ""
}

// brandPrefix is the name an Amazon or Google title starts with: the
// vendor when it reads as a name, else the brand.
func (w *writer) brandPrefix() string {
	if w.f.vendor != "" {
		return w.f.vendor
	}
	return w.brandName
}

// amazonName is brand, product and key attributes, under 80 characters
// where it can be.
func (w *writer) amazonName(spec generate.FieldSpec) string {
	f := w.f
	name := w.mainName(8)
	base := name
	if b := w.brandPrefix(); b != "" && !containsWord(name, b) {
		base = b + " " + name
	}
	var parts []string
	if wf := w.withFeature(base); wf != "" {
		parts = append(parts, strings.TrimPrefix(wf, "with "))
	}
	if len(f.strong) > 0 {
		parts = append(parts, w.st.titleCase(f.strong[0]))
	}
	if len(f.colours) > 0 {
		parts = append(parts, w.st.titleCase(f.colours[0]))
	}
	return w.fitTitle(spec, base, parts, ", ", softMax(spec, 80))
}

// googleTitle is brand, product and the variant details the data gives.
func (w *writer) googleTitle(spec generate.FieldSpec) string {
	f := w.f
	name := w.mainName(8)
	if g := w.genderWord(); g != "" && !containsWord(strings.ToLower(name), f.gender) && !containsWord(strings.ToLower(name), f.gender+"s") {
		name = g + " " + name
	}
	base := name
	if b := w.brandPrefix(); b != "" && !containsWord(name, b) {
		base = b + " " + name
	}
	var parts []string
	if len(f.strong) > 0 {
		parts = append(parts, w.st.titleCase(f.strong[0]))
	}
	for _, o := range f.options {
		if len(o.values) <= 4 {
			parts = append(parts, w.st.titleCase(o.name)+" "+strings.Join(o.values, "/"))
		}
	}
	return w.fitTitle(spec, base, parts, ", ", softMax(spec, 150))
}

// lowerTerm is a tag or term in lower case, apostrophes dropped.
func lowerTerm(s string) string {
	s = strings.ToLower(fold(s))
	if strings.ContainsAny(s, "'\u2019&") {
		s = strings.TrimSpace(termReplacer.Replace(s + " "))
	}
	return s
}

var termReplacer = strings.NewReplacer("'s ", "s ", "\u2019s ", "s ", "&", "and")

// tagCandidates are the words a shopper filters or searches by, from the
// product's data, most telling first; the brand's preferred words lead
// when the data holds them.
func (w *writer) tagCandidates() []string {
	f := w.f
	var c []string
	for _, p := range w.st.prefer {
		if f.ix.has(p) {
			c = append(c, p)
		}
	}
	c = append(c, f.tags...)
	if f.ptype != "" {
		c = append(c, f.ptype)
	}
	for i := len(f.category) - 1; i >= 0; i-- {
		c = append(c, f.category[i])
	}
	if f.noun != "" && len(f.noun) > 2 {
		c = append(c, f.noun)
	}
	c = append(c, f.materials...)
	c = append(c, f.colours...)
	if f.gender != "" {
		c = append(c, f.gender)
	}
	for _, o := range f.options {
		c = append(c, o.values...)
	}
	c = append(c, f.title)
	if f.head != "" && wordCount(f.head) <= 4 && !strings.Contains(f.head, ",") {
		c = append(c, f.head)
	}
	for _, x := range f.features {
		if n := wordCount(bare(x)); n >= 1 && n <= 3 {
			c = append(c, bare(x))
		}
	}
	return append(c, describingWords(f)...)
}

// storeTags are Shopify's filter tags: 5 to 15 where the data has them.
func (w *writer) storeTags(spec generate.FieldSpec) []string {
	var c []string
	for _, t := range w.tagCandidates() {
		c = append(c, lowerTerm(t))
	}
	return w.fitList(spec, c, wantItems(spec, 15), false, true)
}

// wantItems is how many items to aim for: up to preferred, within the spec.
func wantItems(spec generate.FieldSpec, preferred int) int {
	n := preferred
	if spec.MaxItems > 0 && spec.MaxItems < n {
		n = spec.MaxItems
	}
	if spec.MinItems > n {
		n = spec.MinItems
	}
	return n
}

// etsyTags are 13 phrases a buyer might type, each at most 20 characters:
// the title, the lead phrase, the kind of thing with its materials,
// colours, describing words and tags ("cotton shirt", "knitted pillows"),
// its features, then single words.
func (w *writer) etsyTags(spec generate.FieldSpec) []string {
	f := w.f
	noun := f.noun
	var c []string
	c = append(c, lowerTerm(f.title))
	if f.head != "" && !strings.Contains(f.head, ",") {
		c = append(c, lowerTerm(f.head))
	}
	if noun != "" {
		c = append(c, noun)
		nounWords := strings.Fields(noun)
		last := nounWords[len(nounWords)-1]
		with := func(word string) {
			if word == "" || containsFold(nounWords, word) {
				return
			}
			if t := word + " " + noun; len(t) <= 20 || spec.MaxLen == 0 {
				c = append(c, t)
			} else if last != noun {
				c = append(c, word+" "+last)
			}
		}
		for _, m := range f.materials {
			with(m)
		}
		for _, col := range f.colours {
			with(col)
		}
		switch f.gender {
		case "men", "women":
			with(f.gender + "s")
		}
		for _, x := range describingWords(f) {
			with(x)
		}
		for _, t := range f.tags {
			lt := lowerTerm(t)
			// A tag that is a plural noun ("plants") does not describe.
			if len(strings.Fields(lt)) == 1 && !strings.HasSuffix(lt, "s") && !strings.Contains(noun, lt) &&
				!containsFold(f.colours, lt) && !containsFold(f.materials, lt) && !isGenderWord(lt) {
				with(lt)
			}
		}
	}
	for _, x := range f.features {
		c = append(c, lowerTerm(bare(x)))
	}
	for _, t := range w.tagCandidates() {
		c = append(c, lowerTerm(t))
	}
	return w.fitList(spec, c, wantItems(spec, 13), false, true)
}

// describingWords are the words of the title and lead phrase that are not
// the product's noun, a colour, a material or a small word: "knitted",
// "antique", "boho".
func describingWords(f *facts) []string {
	var out []string
	// The head's words before its noun: "homemade knitted" of "Homemade
	// knitted throw pillows in a variety of colours".
	hw := words(f.head)
	for i, x := range hw {
		if prepositions[x] {
			hw = hw[:i]
			break
		}
	}
	for _, x := range append(words(f.title), hw...) {
		if len(x) < 3 || smallWords[x] || searchFiller[x] || isGenderWord(x) || strings.ContainsFunc(x, unicode.IsDigit) ||
			strings.Contains(f.noun, x) || containsFold(f.colours, x) || containsFold(f.materials, x) || containsFold(out, x) {
			continue
		}
		out = append(out, x)
	}
	return out
}

func isGenderWord(s string) bool {
	switch s {
	case "men", "women", "mens", "womens", "kids", "unisex":
		return true
	}
	return false
}

// materials are the materials the product's data names; none when it
// names none.
func (w *writer) materials(spec generate.FieldSpec) []string {
	want := spec.MaxItems
	if want == 0 {
		want = 13
	}
	return w.fitList(spec, w.f.materials, want, false, true)
}

// fitList polishes candidates and keeps those that fit, up to want:
// no empties, no repeats, no brand names where banned, within the total.
// skipLong leaves out a candidate over the item limit instead of
// shortening it.
func (w *writer) fitList(spec generate.FieldSpec, cands []string, want int, capital, skipLong bool) []string {
	if spec.MaxItems > 0 && want > spec.MaxItems {
		want = spec.MaxItems
	}
	var names []string
	if spec.NoBrandNames {
		names = w.brandNames()
	}
	var out []string
	seen := map[string]bool{}
	total := 0
	for _, c := range cands {
		if len(out) >= want {
			break
		}
		c = w.st.polish(c, spec, capital)
		if spec.MaxLen > 0 && measure(c, spec.Unit) > spec.MaxLen {
			if skipLong {
				continue
			}
			c = clip(c, spec.MaxLen, spec.Unit, false)
		}
		c = strings.TrimSpace(c)
		k := strings.ToLower(fold(c))
		if k == "" || seen[k] || !strings.ContainsFunc(c, isWordRune) {
			continue
		}
		if len(names) > 0 && containsAny(c, names) {
			continue
		}
		add := measure(c, spec.Unit)
		if len(out) > 0 {
			add++
		}
		if spec.MaxTotal > 0 && total+add > spec.MaxTotal {
			continue
		}
		seen[k] = true
		total += add
		out = append(out, c)
	}
	return out
}

// brandNames are the names a field without brand names must leave out.
func (w *writer) brandNames() []string {
	var out []string
	for _, n := range []string{w.brandName, w.f.rawVend} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// Ordinal words name an image's place without a number the data lacks.
var ordinals = []string{"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
	"eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"}

// imageAlts writes one alt text per image: the seller's own alt text when
// there is one; else the title with the variant the image shows, or what
// the image's file name says about the product; else the title and which
// view it is.
func (w *writer) imageAlts(spec generate.FieldSpec) []string {
	f := w.f
	soft := softMax(spec, 125)
	out := make([]string, len(f.images))
	seen := map[string]bool{}
	for i, img := range f.images {
		var s string
		switch {
		case fold(img.Alt) != "":
			s = fold(img.Alt)
		case i < len(f.imgVals) && len(f.imgVals[i]) > 0:
			s = w.title + " \u2013 " + strings.Join(f.imgVals[i], ", ")
		default:
			if scene := w.fileScene(img.Src); scene != "" {
				s = w.title + " \u2013 " + scene
			} else if i == 0 && w.ident != "" {
				s = w.title + ", " + w.ident
			} else if i == 0 {
				s = w.title
			} else {
				s = w.title + " \u2013 " + ordinal(i) + " view"
			}
		}
		s = w.st.polish(s, spec, true)
		if measure(s, spec.Unit) > soft {
			s = clip(s, soft, spec.Unit, false)
		}
		if s == "" || seen[strings.ToLower(s)] {
			s = w.st.polish(clip(w.title, soft-20, spec.Unit, false)+" \u2013 "+ordinal(i)+" view", spec, true)
		}
		seen[strings.ToLower(s)] = true
		out[i] = s
	}
	return out
}

func ordinal(i int) string {
	if i < len(ordinals) {
		return ordinals[i]
	}
	return "another"
}

// fileScene reads an image's file name ("choker-pendant-closeup_925x.jpg")
// as words about the image when they name the product and add something:
// every word is one of the product's own words or a word for a view of it
// ("closeup", "worn"), at least one is a word of the title and one is not.
// File names are often reused across products and name people or rooms,
// so anything else is left out.
func (w *writer) fileScene(src string) string {
	f := w.f
	name := src
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	if i := strings.IndexByte(name, '@'); i > 0 {
		name = name[:i]
	}
	// Drop a CDN size suffix: "_925x", "_1024x1024".
	if i := strings.LastIndexByte(name, '_'); i > 0 {
		if suf := name[i+1:]; suf != "" && strings.Trim(suf, "0123456789x") == "" {
			name = name[:i]
		}
	}
	ws := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' })
	if len(ws) < 2 {
		return ""
	}
	titleWords := words(f.title)
	names, adds := false, false
	for _, x := range ws {
		if !strings.ContainsFunc(x, unicode.IsLetter) || strings.ContainsFunc(x, unicode.IsDigit) {
			return ""
		}
		if !f.ix.has(x) && !f.ix.has(strings.TrimSuffix(x, "s")) && !viewWords[x] {
			return ""
		}
		if subset([]string{x}, titleWords) {
			names = true
		} else if !smallWords[x] && !viewWords[x] {
			adds = true
		}
	}
	if !names || !adds && !viewOnly(ws) {
		return ""
	}
	return strings.Join(ws, " ")
}

// viewOnly reports a name that adds only a view ("necklace closeup").
func viewOnly(ws []string) bool {
	for _, x := range ws {
		if viewWords[x] && !smallWords[x] {
			return true
		}
	}
	return false
}

// viewWords say how an image shows a product, without claiming anything
// about it.
var viewWords = map[string]bool{
	"closeup": true, "close": true, "up": true, "detail": true, "view": true, "front": true, "back": true,
	"side": true, "angle": true, "worn": true, "wearing": true, "on": true, "in": true, "with": true,
	"the": true, "a": true, "an": true, "and": true, "of": true, "for": true, "womens": true, "mens": true,
}

// overRepeated lists the words of s used more than limit times (not
// counting articles, prepositions and conjunctions), as Amazon counts them.
func overRepeated(s string, limit int) []string {
	counts := map[string]int{}
	var out []string
	for _, x := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) && r != '\'' }) {
		x = strings.Trim(x, "'")
		if x == "" || repeatStop[x] || !strings.ContainsFunc(x, unicode.IsLetter) {
			continue
		}
		counts[x]++
		if counts[x] == limit+1 {
			out = append(out, x)
		}
	}
	return out
}

// dropRepeats removes the later uses of words over the limit.
func dropRepeats(s string, limit int) string {
	bad := overRepeated(s, limit)
	if len(bad) == 0 {
		return s
	}
	counts := map[string]int{}
	ws := strings.Fields(s)
	out := ws[:0]
	for _, x := range ws {
		k := strings.ToLower(strings.Trim(x, ",.;:'"))
		counts[k]++
		if containsFold(bad, k) && counts[k] > limit {
			continue
		}
		out = append(out, x)
	}
	return tidy(strings.Join(out, " "))
}

// repeatStop matches the validator's list of words Amazon's repetition rule
// does not count.
var repeatStop = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "but": true, "nor": true, "for": true,
	"so": true, "yet": true, "with": true, "without": true, "in": true, "on": true, "at": true, "by": true,
	"of": true, "to": true, "from": true, "into": true, "onto": true, "over": true, "under": true,
	"about": true, "per": true, "via": true, "as": true, "plus": true, "than": true, "up": true,
	"out": true, "off": true, "x": true, "&": true, "if": true, "while": true,
}
