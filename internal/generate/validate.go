package generate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"

	"github.com/plutopro/plutopro/internal/catalog"
)

// CheckContext is what a check needs besides the field and its value.
type CheckContext struct {
	Brand   Brand
	Product *catalog.Product
	// ImageCount is the number of product images a per-image field must
	// match; 0 means len(Product.Images).
	ImageCount int
}

func (c CheckContext) images() int {
	if c.ImageCount > 0 || c.Product == nil {
		return c.ImageCount
	}
	return len(c.Product.Images)
}

// brandNames are the names NoBrandNames forbids: the brand's and the
// product vendor's.
func (c CheckContext) brandNames() []string {
	var out []string
	for _, n := range []string{c.Brand.Name, vendor(c.Product)} {
		n = strings.TrimSpace(n)
		if n != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, n) }) {
			out = append(out, n)
		}
	}
	return out
}

func vendor(p *catalog.Product) string {
	if p == nil {
		return ""
	}
	return p.Vendor
}

// Validate checks one value against its field's rules and returns every rule
// it breaks, each with a message a seller understands ("The title is 162
// characters; Etsy allows 140."). A nil result means the value can be
// published as it is. Rules: empty, max_length, item_length, count,
// max_total, forbidden_chars, once_chars, leading_char, charset, emoji,
// capital, banned_phrase (the channel's and the brand's words to avoid),
// word_repeat, contact_info, html, duplicate, brand_name, and
// template_marker or refusal, which mean the writer failed: the text must be
// regenerated, and no other rule is checked on it.
func Validate(spec FieldSpec, v Value, ctx CheckContext) []Violation {
	if spec.Kind == KindList {
		return validateList(spec, v.Items, ctx)
	}
	c := checker{spec: spec, ctx: ctx, item: -1, who: "The " + lowerLabel(spec.Label)}
	c.text(v.Text)
	return c.out
}

func validateList(spec FieldSpec, items []string, ctx CheckContext) []Violation {
	var out []Violation
	ch := channelName(spec.Channel)
	label := itemLabel(spec)
	n := len(items)
	images := ctx.images()
	switch {
	case spec.PerImage:
		if n != images {
			out = append(out, Violation{Rule: "count", Item: -1, Message: perImageMessage(label, n, images)})
		}
	case n == 0 && spec.MinItems > 0:
		return []Violation{{Rule: "empty", Item: -1, Message: fmt.Sprintf("No %s were written.", plural(label, 2))}}
	case spec.MinItems > 0 && spec.MinItems == spec.MaxItems && n != spec.MaxItems:
		out = append(out, Violation{Rule: "count", Item: -1, Message: fmt.Sprintf("%s; %s needs exactly %d.", thereAre(n, label), ch, spec.MaxItems)})
	case spec.MaxItems > 0 && n > spec.MaxItems:
		out = append(out, Violation{Rule: "count", Item: -1, Message: fmt.Sprintf("%s; %s allows at most %d.", thereAre(n, label), ch, spec.MaxItems)})
	case n < spec.MinItems:
		out = append(out, Violation{Rule: "count", Item: -1, Message: fmt.Sprintf("%s; %s needs at least %d.", thereAre(n, label), ch, spec.MinItems)})
	}

	seen := map[string]int{}
	for i, it := range items {
		c := checker{spec: spec, ctx: ctx, item: i, who: fmt.Sprintf("%s %d", upperFirst(label), i+1)}
		c.text(it)
		out = append(out, c.out...)
		if strings.TrimSpace(it) == "" {
			continue
		}
		if spec.NoDuplicates {
			k := itemKey(it)
			if j, ok := seen[k]; ok {
				out = append(out, Violation{Rule: "duplicate", Item: i, Message: fmt.Sprintf("%s %d repeats %s %d (%q).", upperFirst(label), i+1, label, j+1, strings.TrimSpace(items[j]))})
			} else {
				seen[k] = i
			}
		}
		if spec.NoBrandNames {
			for _, name := range ctx.brandNames() {
				if hasPhrase(it, name) {
					out = append(out, Violation{Rule: "brand_name", Item: i, Message: fmt.Sprintf("%s %d contains the brand name %q; %s does not allow brand names in %s.", upperFirst(label), i+1, name, ch, lowerLabel(spec.Label))})
				}
			}
		}
	}
	if spec.MaxTotal > 0 {
		if total := measure(joinItems(items), spec.Unit); total > spec.MaxTotal {
			out = append(out, Violation{Rule: "max_total", Item: -1, Message: fmt.Sprintf("The %s come to %s together; %s allows %d.", lowerLabel(spec.Label), amount(total, spec.Unit), ch, spec.MaxTotal)})
		}
	}
	return out
}

// checker runs the checks that apply to one text: a text field's value or
// one list item.
type checker struct {
	spec FieldSpec
	ctx  CheckContext
	item int    // -1 for a text field
	who  string // "The title", "Tag 3"
	out  []Violation
}

func (c *checker) add(rule, format string, args ...any) {
	c.out = append(c.out, Violation{Rule: rule, Item: c.item, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) text(s string) {
	spec := c.spec
	ch := channelName(spec.Channel)
	// What a reader sees: markup dropped for fields that may hold some.
	visible := s
	if spec.Kind == KindHTML || len(spec.AllowedTags) > 0 {
		visible = catalog.PlainText(s)
	}
	if strings.TrimSpace(visible) == "" {
		c.add("empty", "%s is empty.", c.who)
		return
	}
	// Refusals and left-over placeholders mean the writer failed: nothing
	// else about the text matters, and no repair can fix it.
	if m := templateMarker(s); m != "" {
		c.add("template_marker", "%s still contains a template placeholder (%q); it must be written again.", c.who, m)
		return
	}
	if m := templateMarker(visible); m != "" {
		c.add("template_marker", "%s still contains a template placeholder (%q); it must be written again.", c.who, m)
		return
	}
	if m := refusal(visible); m != "" {
		c.add("refusal", "%s is a refusal from the writer (%q), not product copy; it must be written again.", c.who, m)
		return
	}

	if spec.MaxLen > 0 {
		if n := measure(s, spec.Unit); n > spec.MaxLen {
			c.add(lengthRule(c.item), "%s is %s; %s allows %d.", c.who, amount(n, spec.Unit), ch, spec.MaxLen)
		}
	}
	c.html(s)

	if bad := charsIn(visible, spec.ForbiddenChars); len(bad) > 0 {
		c.add("forbidden_chars", "%s contains %s, which %s does not accept.", c.who, andList(bad), ch)
	}
	for _, r := range spec.OnceChars {
		if n := strings.Count(visible, string(r)); n > 1 {
			c.add("once_chars", "%s uses %c %d times; %s allows each of %s only once.", c.who, r, n, ch, andList(runeStrings(spec.OnceChars)))
		}
	}
	if spec.NoLeadingChars != "" {
		if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(visible)); strings.ContainsRune(spec.NoLeadingChars, r) {
			c.add("leading_char", "%s starts with %q, which %s does not accept.", c.who, string(r), ch)
		}
	}
	if spec.WordCharsOnly {
		if bad := notWordChars(visible, spec.ExtraChars); len(bad) > 0 {
			allowed := andList(append([]string{"letters", "numbers", "spaces"}, runeStrings(spec.ExtraChars)...))
			c.add("charset", "%s contains %s; %s allows only %s.", c.who, andList(quoteEach(bad)), ch, allowed)
		}
	}
	if spec.NoEmoji {
		if e := firstEmoji(visible); e != "" {
			c.add("emoji", "%s contains an emoji (%s), which %s does not allow.", c.who, e, ch)
		}
	}
	if spec.StartCapital {
		if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(visible)); unicode.IsLetter(r) && !unicode.IsUpper(r) {
			c.add("capital", "%s does not start with a capital letter; %s requires one.", c.who, ch)
		}
	}
	for _, p := range spec.BannedPhrases {
		if hasPhrase(visible, p) {
			c.add("banned_phrase", "%s uses %q, which %s does not allow.", c.who, p, ch)
		}
	}
	for _, p := range c.ctx.Brand.WordsAvoid {
		if strings.TrimSpace(p) != "" && hasPhrase(visible, p) {
			c.add("banned_phrase", "%s uses %q, which the brand's guidelines avoid.", c.who, strings.TrimSpace(p))
		}
	}
	if spec.MaxWordRepeat > 0 {
		for _, w := range repeatedWords(visible, spec.MaxWordRepeat) {
			c.add("word_repeat", "%s uses %q %d times; %s allows a word at most %s.", c.who, w.word, w.n, ch, times(spec.MaxWordRepeat))
		}
	}
	if spec.NoContactInfo {
		if kind, m := contactInfo(visible); kind != "" {
			c.add("contact_info", "%s contains %s (%s); %s does not allow links or contact details.", c.who, kind, m, ch)
		}
	}
}

func lengthRule(item int) string {
	if item >= 0 {
		return "item_length"
	}
	return "max_length"
}

// html checks markup: plain-text fields and list items may hold none (or
// only AllowedTags); HTML fields only AllowedTags, with no attributes.
func (c *checker) html(s string) {
	if !strings.Contains(s, "<") {
		return
	}
	spec := c.spec
	ch := channelName(spec.Channel)
	bad, attrs, comment := markup(s, spec.AllowedTags)
	switch {
	case len(bad) == 0:
	case spec.Kind == KindHTML:
		c.add("html", "%s contains %s; only %s are allowed.", c.who, andList(bad), tagList(spec.AllowedTags))
	case len(spec.AllowedTags) > 0:
		c.add("html", "%s contains %s; %s allows only %s.", c.who, andList(bad), ch, tagList(spec.AllowedTags))
	default:
		c.add("html", "%s contains HTML (%s); %s takes plain text here.", c.who, strings.Join(bad, " "), ch)
	}
	if len(attrs) > 0 {
		c.add("html", "%s has %s on its tags; tags may not have attributes.", c.who, attrList(attrs))
	}
	if comment {
		c.add("html", "%s contains an HTML comment; remove it.", c.who)
	}
}

// markup lists the tags of s that allowed does not hold (as "<name>"), the
// attributes on allowed tags, and whether s holds a comment or doctype.
func markup(s string, allowed []string) (bad, attrs []string, comment bool) {
	z := nethtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return bad, attrs, comment
		case nethtml.CommentToken, nethtml.DoctypeToken:
			comment = true
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken, nethtml.EndTagToken:
			name, more := z.TagName()
			tag := string(name)
			if !slices.Contains(allowed, tag) {
				if t := "<" + tag + ">"; !slices.Contains(bad, t) {
					bad = append(bad, t)
				}
				continue
			}
			for more {
				var key []byte
				key, _, more = z.TagAttr()
				if a := string(key); !slices.Contains(attrs, a) {
					attrs = append(attrs, a)
				}
			}
		}
	}
}

func attrList(attrs []string) string {
	if len(attrs) == 1 {
		return "a " + attrs[0] + " attribute"
	}
	return "the attributes " + andList(attrs)
}

// measure counts s in unit: Unicode characters or UTF-8 bytes.
func measure(s string, u Unit) int {
	if u == Bytes {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

func amount(n int, u Unit) string {
	word := "characters"
	if u == Bytes {
		word = "bytes"
	}
	if n == 1 {
		word = strings.TrimSuffix(word, "s")
	}
	return fmt.Sprintf("%d %s", n, word)
}

// joinItems joins trimmed, non-empty items by single spaces, the way a
// channel that takes one line of terms (Amazon search terms) receives them.
func joinItems(items []string) string {
	var parts []string
	for _, it := range items {
		if it = collapseSpaces(it); it != "" {
			parts = append(parts, it)
		}
	}
	return strings.Join(parts, " ")
}

func thereAre(n int, label string) string {
	if n == 1 {
		return "There is 1 " + label
	}
	return fmt.Sprintf("There are %d %s", n, plural(label, n))
}

func perImageMessage(label string, n, images int) string {
	if images == 0 {
		return fmt.Sprintf("There %s %d %s but the product has no images.", isAre(n), n, plural(label, n))
	}
	return fmt.Sprintf("There %s %d %s for %d %s; write exactly one per image.", isAre(n), n, plural(label, n), images, plural("image", images))
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// lowerLabel lowers a label's first letter for use inside a sentence, unless
// it starts with an acronym ("SEO title").
func lowerLabel(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r2, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(r2) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// andList writes "a", "a and b", "a, b and c".
func andList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

func runeStrings(s string) []string {
	var out []string
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

func quoteEach(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("%q", x)
	}
	return out
}

// charsIn returns the distinct characters of set that occur in s, in the
// order of set.
func charsIn(s, set string) []string {
	var out []string
	for _, r := range set {
		if strings.ContainsRune(s, r) {
			out = append(out, string(r))
		}
	}
	return out
}

// notWordChars returns the distinct characters of s that are not letters,
// digits, spaces or in extra.
func notWordChars(s, extra string) []string {
	var out []string
	for _, r := range s {
		if isWordRune(r) || unicode.IsMark(r) || r == ' ' || unicode.Is(unicode.Zs, r) || strings.ContainsRune(extra, r) {
			continue
		}
		if c := string(r); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// collapseSpaces trims s and folds every run of whitespace to one space.
func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// itemKey is how list items compare for duplicates.
func itemKey(s string) string { return strings.ToLower(collapseSpaces(s)) }

// foldMatch prepares text for phrase matching: lower case, typographic
// apostrophes made plain, whitespace folded.
func foldMatch(s string) string {
	s = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u00a0", " ").Replace(s)
	return strings.ToLower(collapseSpaces(s))
}

// hasPhrase reports whether phrase occurs in text as whole words,
// case-insensitively: "guarantee" matches "Guarantee," but not
// "guaranteed"; phrases that start or end with punctuation ("#1", "N/A")
// only need a boundary on their word side.
func hasPhrase(text, phrase string) bool {
	return phraseIndex(foldMatch(text), foldMatch(phrase)) >= 0
}

// phraseIndex finds phrase in text (both already folded) at word
// boundaries, or returns -1.
func phraseIndex(text, phrase string) int {
	if phrase == "" {
		return -1
	}
	first, _ := utf8.DecodeRuneInString(phrase)
	last, _ := utf8.DecodeLastRuneInString(phrase)
	for i := 0; i <= len(text)-len(phrase); {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return -1
		}
		start, end := i+j, i+j+len(phrase)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		okBefore := start == 0 || !isWordRune(first) || !isWordRune(before)
		okAfter := end == len(text) || !isWordRune(last) || !isWordRune(after)
		if okBefore && okAfter {
			return start
		}
		_, size := utf8.DecodeRuneInString(text[start:])
		i = start + size
	}
	return -1
}

// Placeholders a template or a confused model leaves behind.
var templateRes = []*regexp.Regexp{
	regexp.MustCompile(`\{\{|\}\}`),
	regexp.MustCompile(`\{[A-Za-z_][A-Za-z0-9_ .-]{0,40}\}`),
	regexp.MustCompile(`(?i)\[\s*(task|insert|placeholder|product|brand|your|add|enter|fill)\b[^\]\n]{0,60}\]?`),
	regexp.MustCompile(`(?i)<\s*(product|brand|insert|your|item)[ _-][a-z _-]{0,30}>`),
	regexp.MustCompile(`(?i)\blorem ipsum\b`),
}

// templateMarker returns the first left-over placeholder in s, or "".
func templateMarker(s string) string {
	for _, re := range templateRes {
		if m := re.FindString(s); m != "" {
			return m
		}
	}
	return ""
}

// refusalPhrases are how a model says it will not or cannot write.
var refusalPhrases = []string{
	"I cannot", "I can't", "I can not", "I'm sorry", "I am sorry", "As an AI", "Sorry, I",
	"I am unable", "I'm unable", "I'm not able to", "I am not able to", "I apologize", "I apologise",
	"as a language model", "I won't be able",
}

// refusal returns the refusal phrase that comes first in s, or "".
func refusal(s string) string {
	t := foldMatch(s)
	found, at := "", len(t)
	for _, p := range refusalPhrases {
		if i := phraseIndex(t, foldMatch(p)); i >= 0 && i < at {
			found, at = p, i
		}
	}
	return found
}

// stopWords are the articles, prepositions and conjunctions Amazon's
// repetition rule does not count.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "but": true, "nor": true, "for": true,
	"so": true, "yet": true, "with": true, "without": true, "in": true, "on": true, "at": true, "by": true,
	"of": true, "to": true, "from": true, "into": true, "onto": true, "over": true, "under": true,
	"about": true, "per": true, "via": true, "as": true, "plus": true, "than": true, "up": true,
	"out": true, "off": true, "x": true, "&": true, "if": true, "while": true,
}

type wordCount struct {
	word string
	n    int
}

// repeatedWords returns the words of s (not stop words, not bare numbers)
// used more than limit times, in order of first use.
func repeatedWords(s string, limit int) []wordCount {
	counts := map[string]int{}
	var order []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) && r != '\'' }) {
		w = strings.Trim(w, "'")
		if w == "" || stopWords[w] || !strings.ContainsFunc(w, unicode.IsLetter) {
			continue
		}
		if counts[w] == 0 {
			order = append(order, w)
		}
		counts[w]++
	}
	var out []wordCount
	for _, w := range order {
		if counts[w] > limit {
			out = append(out, wordCount{w, counts[w]})
		}
	}
	return out
}

var (
	emailRe  = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	urlRe    = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|shop|store|online|site|co|io|uk|de|fr|es|it|nl|eu|us|ca|au)\b(?:/[^\s<>"]*)?`)
	phoneRe  = regexp.MustCompile(`\+?\(?\d[\d \t().-]{6,}\d`)
	digitsRe = regexp.MustCompile(`\d`)
)

// contactInfo finds an email address, web address or phone number in s and
// says which ("an email address") and what it found.
func contactInfo(s string) (kind, found string) {
	if m := emailRe.FindString(s); m != "" {
		return "an email address", m
	}
	if m := urlRe.FindString(s); m != "" {
		return "a web address", m
	}
	for _, m := range phoneRe.FindAllString(s, -1) {
		if n := len(digitsRe.FindAllString(m, -1)); n >= 9 && n <= 15 {
			return "a phone number", strings.TrimSpace(m)
		}
	}
	return "", ""
}

// firstEmoji returns the first emoji of s, or "".
func firstEmoji(s string) string {
	for _, r := range s {
		if isEmoji(r) {
			return string(r)
		}
	}
	return ""
}

func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, // pictographs, emoticons, transport, flags, supplemental symbols
		r >= 0x2600 && r <= 0x27BF, // miscellaneous symbols, dingbats
		r >= 0x2B05 && r <= 0x2B55, // arrows and stars used as emoji
		r == 0x231A, r == 0x231B, r == 0x2328, r == 0x23CF,
		r >= 0x23E9 && r <= 0x23FA,
		r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299,
		r == 0xFE0F, r == 0x20E3: // emoji presentation selector, keycap
		return true
	}
	return false
}
