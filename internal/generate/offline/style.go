package offline

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/generate"
)

// style is how one brand writes: its profile and its memory, resolved.
type style struct {
	Rules
	avoid    []string // Brand.WordsAvoid and Rules.Avoid
	prefer   []string // lower case
	casual   bool     // second person, contractions
	formal   bool
	concise  bool
	contract bool
	british  bool
	american bool
	names    []string // the brand's and the vendor's names, longest first
}

// Voice words that set the tone. The voice is free text; these are the
// words sellers use for it.
var (
	casualWords  = []string{"warm", "friendly", "casual", "playful", "fun", "conversational", "approachable", "relaxed", "cheerful", "chatty", "upbeat", "cheeky", "witty", "informal"}
	formalWords  = []string{"formal", "premium", "luxury", "luxurious", "elegant", "refined", "sophisticated", "professional", "polished", "upscale", "authoritative"}
	conciseWords = []string{"concise", "minimal", "minimalist", "plain", "direct", "short", "understated", "no-nonsense", "spare", "simple", "matter-of-fact", "brief", "terse", "clean"}
)

func newStyle(b generate.Brand, memory []string, instruction string) *style {
	st := &style{}
	// Guidelines lines in the memory forms apply too; memory wins over
	// guidelines and a reviewer's instruction over both.
	g, _ := ParseMemory([]string{b.Guidelines})
	st.Rules = g
	m, _ := ParseMemory(memory)
	st.merge(m)
	in, _ := ParseMemory([]string{instruction})
	st.merge(in)

	for _, w := range append(append([]string(nil), b.WordsAvoid...), st.Rules.Avoid...) {
		if w = fold(w); w != "" {
			st.avoid = append(st.avoid, w)
		}
	}
	for _, w := range append(append([]string(nil), b.WordsPrefer...), st.Rules.Prefer...) {
		if w = fold(w); w == "" {
			continue
		}
		if from, to, ok := cutArrow(w); ok && to != "" {
			st.Replace = append(st.Replace, Replacement{from, to})
			continue
		}
		if to, from, ok := cutWordFold(w, "instead of"); ok && from != "" && to != "" {
			st.Replace = append(st.Replace, Replacement{from, to})
			continue
		}
		st.prefer = append(st.prefer, strings.ToLower(w))
	}

	voice := words(b.Voice)
	has := func(set []string) bool {
		for _, w := range voice {
			for _, s := range set {
				if w == s {
					return true
				}
			}
		}
		return false
	}
	switch st.Tone {
	case "casual":
		st.casual = true
	case "formal":
		st.formal = true
	case "concise":
		st.concise = true
	default:
		st.casual, st.formal, st.concise = has(casualWords), has(formalWords), has(conciseWords)
		if st.formal {
			st.casual = false
		}
	}
	st.contract = st.casual
	switch st.Contractions {
	case "use":
		st.contract = true
	case "avoid":
		st.contract = false
	}

	switch st.Spelling {
	case "british":
		st.british = true
	case "american":
		st.american = true
	default:
		switch strings.ToLower(b.Language) {
		case "en-gb", "en-au", "en-nz", "en-ie", "en-za", "en-in":
			st.british = true
		case "en-us":
			st.american = true
		}
	}
	return st
}

// pick returns the preferred word of a set of interchangeable words, else
// the one at index i.
func (st *style) pick(set []string, i int) string {
	for _, w := range set {
		for _, p := range st.prefer {
			if w == p {
				return w
			}
		}
	}
	return set[i%len(set)]
}

// colourWord is the word for colour in the brand's spelling.
func (st *style) colourWord() string {
	if st.american {
		return "color"
	}
	return "colour"
}

// contraction writes "that's" or "that is".
func (st *style) contraction(full, short string) string {
	if st.contract {
		return short
	}
	return full
}

// titleCase cases a title the brand's way.
func (st *style) titleCase(s string) string {
	if st.TitleCase == "sentence" {
		return sentenceCase(s)
	}
	return titleCase(s)
}

// Spelling pairs: American, British. Only words that are unambiguous.
var spellingPairs = [][2]string{
	{"color", "colour"}, {"colors", "colours"}, {"colored", "coloured"}, {"colorful", "colourful"},
	{"multicolor", "multicolour"}, {"multicolored", "multicoloured"}, {"gray", "grey"}, {"center", "centre"},
	{"favorite", "favourite"}, {"jewelry", "jewellery"}, {"organize", "organise"}, {"organizer", "organiser"},
	{"customize", "customise"}, {"customized", "customised"}, {"personalize", "personalise"},
	{"personalized", "personalised"}, {"fiber", "fibre"}, {"odor", "odour"}, {"flavor", "flavour"},
	{"harbor", "harbour"}, {"neighbor", "neighbour"}, {"cozy", "cosy"}, {"pajamas", "pyjamas"},
	{"liter", "litre"}, {"catalog", "catalogue"}, {"gray", "grey"}, {"plow", "plough"}, {"mold", "mould"},
}

var (
	toBritish  = map[string]string{}
	toAmerican = map[string]string{}
)

func init() {
	for _, p := range spellingPairs {
		toBritish[p[0]] = p[1]
		toAmerican[p[1]] = p[0]
	}
}

// respell changes the spelling of known words, keeping their case.
func (st *style) respell(s string) string {
	var m map[string]string
	switch {
	case st.british:
		m = toBritish
	case st.american:
		m = toAmerican
	default:
		return s
	}
	// Find the first word to change before building anything: most texts
	// have none.
	start, first, firstEnd := -1, -1, -1
	for i, r := range s {
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if _, ok := m[strings.ToLower(s[start:i])]; ok {
				first, firstEnd = start, i
				break
			}
			start = -1
		}
	}
	if first < 0 && start >= 0 {
		if _, ok := m[strings.ToLower(s[start:])]; ok {
			first, firstEnd = start, len(s)
		}
	}
	if first < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:first])
	w := s[first:firstEnd]
	b.WriteString(matchCase(w, m[strings.ToLower(w)]))
	rest := s[firstEnd:]
	start = -1
	flush := func(end int) {
		w := rest[start:end]
		if to, ok := m[strings.ToLower(w)]; ok {
			b.WriteString(matchCase(w, to))
		} else {
			b.WriteString(w)
		}
	}
	for i, r := range rest {
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			flush(i)
			start = -1
		}
		b.WriteRune(r)
	}
	if start >= 0 {
		flush(len(rest))
	}
	return b.String()
}

// matchCase gives to the case pattern of from: "Color" -> "Colour".
func matchCase(from, to string) string {
	switch {
	case from == strings.ToUpper(from) && len(from) > 1:
		return strings.ToUpper(to)
	case unicode.IsUpper(firstRune(from)):
		return upperFirst(to)
	}
	return to
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// findPhrase finds phrase in s as whole words, case-insensitively, from
// byte offset from, the way the validator matches (its hasPhrase).
func findPhrase(s, phrase string, from int) (int, int) {
	if phrase == "" || from > len(s) {
		return -1, -1
	}
	first, _ := utf8.DecodeRuneInString(phrase)
	last, _ := utf8.DecodeLastRuneInString(phrase)
	check := func(start, end int) bool {
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		return (start == 0 || !isWordRune(first) || !isWordRune(before)) &&
			(end == len(s) || !isWordRune(last) || !isWordRune(after))
	}
	if isASCII(s) && isASCII(phrase) {
		ls, lp := lowerASCII(s), lowerASCII(phrase)
		for i := from; i <= len(ls)-len(lp); {
			j := strings.Index(ls[i:], lp)
			if j < 0 {
				return -1, -1
			}
			start, end := i+j, i+j+len(lp)
			if check(start, end) {
				return start, end
			}
			i = start + 1
		}
		return -1, -1
	}
	n := utf8.RuneCountInString(phrase)
	for i := from; i < len(s); {
		end, k := i, 0
		for k < n && end < len(s) {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
			k++
		}
		if k == n && strings.EqualFold(s[i:end], phrase) && check(i, end) {
			return i, end
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return -1, -1
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// containsAny reports whether s holds any of the phrases as whole words.
func containsAny(s string, phrases []string) bool {
	ls := lowerASCII(s)
	for _, p := range phrases {
		if isASCII(p) && !strings.Contains(ls, lowerASCII(p)) {
			continue
		}
		if i, _ := findPhrase(s, p, 0); i >= 0 {
			return true
		}
	}
	return false
}

// replacePhrase replaces whole-word occurrences of from with to, keeping an
// initial capital.
func replacePhrase(s, from, to string) string {
	from = strings.TrimSpace(from)
	if from == "" {
		return s
	}
	pos := 0
	for guard := 0; guard < 50; guard++ {
		i, j := findPhrase(s, from, pos)
		if i < 0 {
			break
		}
		rep := to
		if unicode.IsUpper(firstRune(s[i:j])) {
			rep = upperFirst(to)
		}
		s = s[:i] + rep + s[j:]
		pos = i + len(rep)
	}
	return s
}

// removePhrase removes whole-word occurrences of p and reports whether it
// removed any.
func removePhrase(s, p string) (string, bool) {
	p = strings.TrimSpace(p)
	if p == "" {
		return s, false
	}
	removed := false
	for guard := 0; guard < 50; guard++ {
		i, j := findPhrase(s, p, 0)
		if i < 0 {
			break
		}
		// A hyphenated compound loses its joining hyphen too ("ultra-stylish").
		if i > 0 && s[i-1] == '-' {
			k := i - 1
			for k > 0 && s[k-1] != ' ' {
				k--
			}
			i = k
		}
		if j < len(s) && s[j] == '-' {
			j++
			for j < len(s) && s[j] != ' ' && s[j] != ',' && s[j] != '.' {
				j++
			}
		}
		s = s[:i] + s[j:]
		removed = true
	}
	return s, removed
}

// typographic folds the quotes and spaces the validator folds.
var typographic = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u00a0", " ")

// mayHaveContact is a cheap test before the contact pattern: an @, a dot
// before a letter, or seven digits.
func mayHaveContact(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '@':
			return true
		case c == '.' && i+1 < len(s) && (s[i+1] >= 'a' && s[i+1] <= 'z' || s[i+1] >= 'A' && s[i+1] <= 'Z'):
			return true
		case c >= '0' && c <= '9':
			if digits++; digits >= 7 {
				return true
			}
		}
	}
	return false
}

var (
	// Contact details the validator refuses (generate's contactInfo).
	contactRe        = regexp.MustCompile(`(?i)\S*@\S+|\b(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|shop|store|online|site|co|io|uk|de|fr|es|it|nl|eu|us|ca|au)\b\S*|\+?\(?\d[\d \t().-]{7,}\d`)
	spaceBeforePunct = strings.NewReplacer(" ,", ",", " .", ".", " ;", ";", " :", ":", " !", "!", " ?", "?", ",,", ",", ",.", ".", ".,", ".", "..", ".", "( ", "(", " )", ")", "()", "")
)

// polish applies the brand's rules and the field's character rules to one
// text or list item: replacements, spelling, words to avoid and banned
// phrases, exclamation marks, forbidden characters, characters allowed
// once, emoji and contact details. capital keeps a capital first letter.
func (st *style) polish(s string, spec generate.FieldSpec, capital bool) string {
	if !isASCII(s) {
		s = typographic.Replace(s)
	}
	// Names are written as they are: no replacement, respelling or removal
	// touches the brand's or the vendor's name.
	var names []string
	s, names = st.protect(s)
	for _, r := range st.Replace {
		s = replacePhrase(s, r.From, r.To)
	}
	s = st.respell(s)
	removed := false
	for round := 0; round < 3; round++ {
		again := false
		ls := lowerASCII(s)
		for _, list := range [][]string{st.avoid, spec.BannedPhrases} {
			for _, p := range list {
				// Cheap test first: most phrases are nowhere in the text.
				if !strings.Contains(ls, lowerASCII(p)) && isASCII(p) {
					continue
				}
				var ok bool
				if s, ok = removePhrase(s, p); ok {
					again, removed = true, true
					ls = lowerASCII(s)
				}
			}
		}
		if !again {
			break
		}
		s = tidyRemoved(s)
	}
	s = restore(s, names)
	if st.NoExclamation || strings.ContainsRune(spec.ForbiddenChars, '!') {
		s = strings.ReplaceAll(s, "!", ".")
	}
	if strings.ContainsRune(spec.ForbiddenChars, '?') {
		s = strings.ReplaceAll(s, "?", ".")
	}
	if spec.ForbiddenChars != "" {
		s = strings.Map(func(r rune) rune {
			if r == '_' && strings.ContainsRune(spec.ForbiddenChars, r) {
				return ' '
			}
			if strings.ContainsRune(spec.ForbiddenChars, r) {
				return -1
			}
			return r
		}, s)
	}
	if spec.NoEmoji {
		s = strings.Map(func(r rune) rune {
			if isEmoji(r) {
				return -1
			}
			return r
		}, s)
	}
	if spec.NoContactInfo && mayHaveContact(s) {
		s = contactRe.ReplaceAllString(s, "")
	}
	for _, r := range spec.OnceChars {
		s = once(s, r)
	}
	if spec.WordCharsOnly {
		s = strings.Map(func(r rune) rune {
			if isWordRune(r) || unicode.IsMark(r) || r == ' ' || strings.ContainsRune(spec.ExtraChars, r) {
				return r
			}
			return ' '
		}, s)
	}
	if removed {
		s = tidyRemoved(s)
	} else {
		s = tidy(s)
	}
	if spec.NoLeadingChars != "" {
		s = strings.TrimLeft(s, spec.NoLeadingChars+" ")
	}
	if removed {
		s = fixArticles(s)
	}
	if capital {
		s = capitalise(s)
	}
	return s
}

// protect swaps the names in s for placeholders that no rule matches.
func (st *style) protect(s string) (string, []string) {
	var found []string
	for _, n := range st.names {
		if n == "" || !strings.Contains(s, n) {
			continue
		}
		s = strings.ReplaceAll(s, n, string(rune(0xE000+len(found))))
		found = append(found, n)
	}
	return s, found
}

// restore puts the names back.
func restore(s string, names []string) string {
	for i, n := range names {
		s = strings.ReplaceAll(s, string(rune(0xE000+i)), n)
	}
	return s
}

// once keeps the first r of s and rewrites the others.
func once(s string, r rune) string {
	i := strings.IndexRune(s, r)
	if i < 0 || !strings.ContainsRune(s[i+utf8.RuneLen(r):], r) {
		return s
	}
	head, tail := s[:i+utf8.RuneLen(r)], s[i+utf8.RuneLen(r):]
	var rep string
	switch r {
	case '&':
		rep = " and "
	case ':':
		rep = ","
	case '%':
		rep = " percent"
	default:
		rep = " "
	}
	return head + strings.ReplaceAll(tail, string(r), rep)
}

// tidy folds spaces and repairs spaces before punctuation.
func tidy(s string) string {
	s = fold(s)
	if !needsPunctFix(s) {
		return s
	}
	for i := 0; i < 3; i++ {
		t := strings.TrimLeft(spaceBeforePunct.Replace(s), ",;: ")
		if t == s {
			break
		}
		s = t
	}
	return strings.TrimSpace(s)
}

// needsPunctFix reports text spaceBeforePunct would change, or that starts
// with punctuation.
func needsPunctFix(s string) bool {
	if s != "" && strings.IndexByte(",;: ", s[0]) >= 0 {
		return true
	}
	for i := 0; i+1 < len(s); i++ {
		a, b := s[i], s[i+1]
		switch {
		case a == ' ' && strings.IndexByte(",.;:!?)", b) >= 0,
			a == ',' && (b == ',' || b == '.'),
			a == '.' && (b == ',' || b == '.'),
			a == '(' && (b == ' ' || b == ')'):
			return true
		}
	}
	return false
}

// tidyRemoved is tidy after words were removed: it also drops connecting
// words the removal left stranded.
func tidyRemoved(s string) string {
	s = tidy(s)
	for i := 0; i < 3; i++ {
		t := tidy(dropStrandedConnectors(s))
		if t == s {
			break
		}
		s = t
	}
	return s
}

// dropStrandedConnectors removes connecting words left before punctuation
// or at the start of a sentence ("with and." -> ".").
func dropStrandedConnectors(s string) string {
	ws := strings.Split(s, " ")
	out := ws[:0]
	for i, w := range ws {
		lw := strings.ToLower(strings.TrimRight(w, ",.;:!?"))
		bare := lw == strings.ToLower(w)
		if connectorsLoose[lw] {
			// Before punctuation: "with." or "and," at the end of a clause.
			if !bare {
				p := w[len(lw):]
				if len(out) > 0 {
					out[len(out)-1] = strings.TrimRight(out[len(out)-1], ",;:") + p
					continue
				}
				continue
			}
			// At the start of the text or of a sentence: "and comfortable".
			if (len(out) == 0 || endsSentence(out[len(out)-1])) && (lw == "and" || lw == "or" || lw == "but") {
				continue
			}
			// Doubled: "and and", "a and", "a the".
			if i+1 < len(ws) {
				next := strings.ToLower(ws[i+1])
				if (lw == "and" || lw == "or") && (next == "and" || next == "or") ||
					(lw == "a" || lw == "an" || lw == "the") && (next == "and" || next == "or" || next == "a" || next == "an" || next == "the") {
					continue
				}
			}
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

var connectorsLoose = map[string]bool{"and": true, "or": true, "but": true, "with": true, "a": true, "an": true, "the": true, "of": true, "for": true, "in": true}

func endsSentence(w string) bool {
	return strings.HasSuffix(w, ".") || strings.HasSuffix(w, "!") || strings.HasSuffix(w, "?")
}

// fixArticles makes "a"/"an" agree with the next word.
func fixArticles(s string) string {
	ws := strings.Split(s, " ")
	for i := 0; i+1 < len(ws); i++ {
		w := ws[i]
		lw := strings.ToLower(w)
		if lw != "a" && lw != "an" {
			continue
		}
		want := strings.TrimSpace(article(ws[i+1]))
		if want == "" || want == lw {
			continue
		}
		if unicode.IsUpper(firstRune(w)) {
			want = upperFirst(want)
		}
		ws[i] = want
	}
	return strings.Join(ws, " ")
}

// capitalise raises the first letter of the text and of every sentence.
func capitalise(s string) string {
	b := []byte(s)
	start := true
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case start && unicode.IsLetter(r):
			if unicode.IsLower(r) {
				up := string(unicode.ToUpper(r))
				if len(up) == size {
					copy(b[i:], up)
				}
			}
			start = false
		case start && unicode.IsDigit(r):
			start = false
		case r == '.' || r == '!' || r == '?':
			// Only a full stop followed by a space starts a sentence.
			if i+size < len(b) && b[i+size] == ' ' {
				start = true
			}
		}
		i += size
	}
	return string(b)
}

// isEmoji matches the validator's emoji ranges.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF, r >= 0x2600 && r <= 0x27BF, r >= 0x2B05 && r <= 0x2B55,
		r == 0x231A, r == 0x231B, r == 0x2328, r == 0x23CF, r >= 0x23E9 && r <= 0x23FA,
		r == 0x3030, r == 0x303D, r == 0x3297, r == 0x3299, r == 0xFE0F, r == 0x20E3, r == 0x200D:
		return true
	}
	return false
}
