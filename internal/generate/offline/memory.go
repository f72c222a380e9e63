package offline

import (
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/generate"
)

// Rules is what the offline writer understood from a brand's memory lines
// (Request.Memory), a reviewer's instruction (Request.Instruction) and the
// lines of the brand's guidelines. See ParseMemory for the forms.
type Rules struct {
	// Avoid are words and phrases never written (besides Brand.WordsAvoid).
	Avoid []string
	// Replace swaps a word or phrase for another wherever it would appear.
	Replace []Replacement
	// Prefer are words to favour: they win over the writer's own wording
	// choices that mean the same, and lead tags and search terms when the
	// product data holds them.
	Prefer []string
	// Include are sentences added to every long description, when they fit.
	Include []string
	// MaxWords caps a long text's words, by field name ("description",
	// "product_description"); the key "" applies to every long text field.
	// A key may name a channel too: "etsy description".
	MaxWords map[string]int
	// NoExclamation turns every "!" into a full stop.
	NoExclamation bool
	// TitleCase is "title", "sentence" or "" (the default: title case).
	TitleCase string
	// Spelling is "british", "american" or "" (from the brand's language).
	Spelling string
	// Tone is "casual", "formal", "concise" or "" (from the brand's voice).
	Tone string
	// Contractions is "use", "avoid" or "" (from the tone).
	Contractions string
}

// Replacement is one "prefer: A -> B" rule.
type Replacement struct {
	From, To string
}

// ParseMemory reads memory lines in the forms the offline writer applies
// and returns the rules and the lines it did not understand (which it
// ignores). Keys are case-insensitive; a leading "-", "*" or "•", quotes
// around values and a final full stop are ignored. One rule per line:
//
//	avoid: X[, Y]            also "never use X", "don't use X", "do not use X", "never say X"
//	prefer: A -> B           also "A -> B", "use B instead of A", "replace A with B", "say B not A", "prefer B over A"
//	prefer: W                also "prefer W"; a word to favour (see Rules.Prefer)
//	always include: S        also "always mention: S", "always add: S", "include: S"
//	max words: N             also "max words <field>: N", "max words <channel> <field>: N", "at most N words"
//	no exclamation marks     also "no exclamation points", "avoid exclamation marks"
//	sentence case titles     also "titles: sentence case"; "title case titles", "titles: title case"
//	spelling: british        also "british", "uk", "en-gb", "american", "us", "en-us"; "british spelling"
//	tone: casual             also "formal", "concise"
//	use contractions         also "no contractions"
func ParseMemory(lines []string) (Rules, []string) {
	var r Rules
	var unknown []string
	for _, raw := range lines {
		for _, line := range strings.Split(raw, "\n") {
			if l := clean(line); l != "" && !r.parse(l) {
				unknown = append(unknown, strings.TrimSpace(line))
			}
		}
	}
	return r, unknown
}

// clean strips bullets, a final full stop and outer whitespace.
func clean(l string) string {
	l = strings.TrimSpace(l)
	l = strings.TrimLeft(l, "-*•\u2013 ")
	l = strings.TrimRight(l, ". ")
	return fold(l)
}

// unquote strips one pair of quotes and outer spaces.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	for _, q := range [][2]string{{`"`, `"`}, {"'", "'"}, {"\u201c", "\u201d"}, {"\u2018", "\u2019"}, {"`", "`"}} {
		if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			return strings.TrimSpace(s[len(q[0]) : len(s)-len(q[1])])
		}
	}
	return s
}

// splitValues splits "a, b; c" into unquoted values.
func splitValues(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if v = unquote(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// cutPrefixFold is strings.CutPrefix, case-insensitively.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return strings.TrimSpace(s[len(prefix):]), true
	}
	return s, false
}

// cutArrow splits "A -> B" (also "=>" and "→").
func cutArrow(s string) (from, to string, ok bool) {
	for _, a := range []string{"->", "=>", "\u2192"} {
		if f, t, found := strings.Cut(s, a); found {
			f, t = unquote(f), unquote(t)
			return f, t, f != ""
		}
	}
	return "", "", false
}

// cutWordFold splits s around the first " sep " (case-insensitive).
func cutWordFold(s, sep string) (string, string, bool) {
	i := strings.Index(strings.ToLower(s), " "+sep+" ")
	if i < 0 {
		return "", "", false
	}
	return unquote(s[:i]), unquote(s[i+len(sep)+2:]), true
}

func (r *Rules) parse(l string) bool {
	low := strings.ToLower(l)
	switch low {
	case "no exclamation marks", "no exclamation points", "no exclamation mark", "avoid exclamation marks",
		"never use exclamation marks", "don't use exclamation marks", "do not use exclamation marks", "no exclamations":
		r.NoExclamation = true
		return true
	case "sentence case titles", "titles: sentence case", "titles in sentence case", "use sentence case for titles", "sentence case":
		r.TitleCase = "sentence"
		return true
	case "title case titles", "titles: title case", "titles in title case", "use title case for titles", "title case":
		r.TitleCase = "title"
		return true
	case "use contractions", "contractions: yes", "contractions ok":
		r.Contractions = "use"
		return true
	case "no contractions", "avoid contractions", "contractions: no", "don't use contractions", "do not use contractions":
		r.Contractions = "avoid"
		return true
	case "british spelling", "uk spelling", "use british spelling":
		r.Spelling = "british"
		return true
	case "american spelling", "us spelling", "use american spelling":
		r.Spelling = "american"
		return true
	}
	if v, ok := cutPrefixFold(l, "spelling:"); ok {
		switch strings.ToLower(v) {
		case "british", "uk", "en-gb", "gb", "english (uk)":
			r.Spelling = "british"
		case "american", "us", "en-us", "english (us)":
			r.Spelling = "american"
		default:
			return false
		}
		return true
	}
	if v, ok := cutPrefixFold(l, "tone:"); ok {
		switch t := strings.ToLower(v); t {
		case "casual", "formal", "concise":
			r.Tone = t
		default:
			return false
		}
		return true
	}
	if v, ok := cutPrefixFold(l, "max words"); ok {
		return r.parseMaxWords(v)
	}
	if v, ok := cutPrefixFold(l, "at most "); ok && strings.HasSuffix(strings.ToLower(v), " words") {
		n, err := strconv.Atoi(strings.TrimSpace(v[:len(v)-len(" words")]))
		if err != nil || n <= 0 {
			return false
		}
		r.setMaxWords("", n)
		return true
	}
	for _, p := range []string{"always include:", "always mention:", "always add:", "include:", "always include ", "always mention "} {
		if v, ok := cutPrefixFold(l, p); ok {
			if v = unquote(v); v == "" {
				return false
			}
			r.Include = append(r.Include, endSentence(upperFirst(v)))
			return true
		}
	}
	if v, ok := cutPrefixFold(l, "replace "); ok {
		if from, to, found := cutWordFold(v, "with"); found && from != "" && to != "" {
			r.Replace = append(r.Replace, Replacement{from, to})
			return true
		}
		return false
	}
	if v, ok := cutPrefixFold(l, "use "); ok {
		if to, from, found := cutWordFold(v, "instead of"); found && from != "" && to != "" {
			r.Replace = append(r.Replace, Replacement{from, to})
			return true
		}
		return false
	}
	if v, ok := cutPrefixFold(l, "say "); ok {
		if to, from, found := cutWordFold(v, "not"); found && from != "" && to != "" {
			r.Replace = append(r.Replace, Replacement{from, to})
			return true
		}
		return false
	}
	if v, ok := cutPrefixFold(l, "prefer"); ok {
		v = strings.TrimSpace(strings.TrimPrefix(v, ":"))
		if v == "" {
			return false
		}
		if from, to, found := cutArrow(v); found && to != "" {
			r.Replace = append(r.Replace, Replacement{from, to})
			return true
		}
		if to, from, found := cutWordFold(v, "over"); found && from != "" && to != "" {
			r.Replace = append(r.Replace, Replacement{from, to})
			return true
		}
		if to, from, found := cutWordFold(v, "instead of"); found && from != "" && to != "" {
			r.Replace = append(r.Replace, Replacement{from, to})
			return true
		}
		r.Prefer = append(r.Prefer, splitValues(v)...)
		return true
	}
	for _, p := range []string{"avoid:", "avoid ", "never use ", "don't use ", "do not use ", "never say ", "don't say ", "do not say ", "ban:", "banned:"} {
		if v, ok := cutPrefixFold(l, p); ok {
			vs := splitValues(strings.TrimPrefix(v, ":"))
			if len(vs) == 0 {
				return false
			}
			r.Avoid = append(r.Avoid, vs...)
			return true
		}
	}
	if from, to, ok := cutArrow(l); ok && to != "" {
		r.Replace = append(r.Replace, Replacement{from, to})
		return true
	}
	return false
}

// parseMaxWords reads "[channel] [field]: N" or ": N" after "max words".
func (r *Rules) parseMaxWords(v string) bool {
	key, num, ok := strings.Cut(v, ":")
	if !ok {
		// "max words 120"
		key, num = "", v
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n <= 0 {
		return false
	}
	key = strings.Join(strings.Fields(strings.ToLower(strings.TrimPrefix(strings.TrimSpace(key), "for "))), " ")
	r.setMaxWords(key, n)
	return true
}

func (r *Rules) setMaxWords(key string, n int) {
	if r.MaxWords == nil {
		r.MaxWords = map[string]int{}
	}
	r.MaxWords[key] = n
}

// maxWordsFor returns the word cap for a long text field, or 0.
func (r *Rules) maxWordsFor(spec generate.FieldSpec) int {
	best := 0
	for key, n := range r.MaxWords {
		if matchesField(key, spec) && (best == 0 || n < best) {
			best = n
		}
	}
	return best
}

func matchesField(key string, spec generate.FieldSpec) bool {
	if key == "" {
		return true
	}
	ch, name, ok := strings.Cut(key, " ")
	if ok && generate.Channel(ch) == spec.Channel {
		key = name
	} else if ok {
		return false
	}
	key = strings.ReplaceAll(key, " ", "_")
	if key == spec.Name {
		return true
	}
	// "description" names the long description of every channel.
	return key == "description" && (spec.Name == "description" || spec.Name == "product_description")
}

// merge adds o's rules to r; o's single-valued settings win when set.
func (r *Rules) merge(o Rules) {
	r.Avoid = append(r.Avoid, o.Avoid...)
	r.Replace = append(r.Replace, o.Replace...)
	r.Prefer = append(r.Prefer, o.Prefer...)
	r.Include = append(r.Include, o.Include...)
	for k, n := range o.MaxWords {
		r.setMaxWords(k, n)
	}
	r.NoExclamation = r.NoExclamation || o.NoExclamation
	if o.TitleCase != "" {
		r.TitleCase = o.TitleCase
	}
	if o.Spelling != "" {
		r.Spelling = o.Spelling
	}
	if o.Tone != "" {
		r.Tone = o.Tone
	}
	if o.Contractions != "" {
		r.Contractions = o.Contractions
	}
}
