package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/generate"
)

// measure counts s in unit, as the validator does.
func measure(s string, u generate.Unit) int {
	if u == generate.Bytes {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

// fold trims s and folds every run of whitespace to one space.
func fold(s string) string {
	if !needsFold(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func needsFold(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return true
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if prevSpace {
				return true
			}
			prevSpace = true
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c >= 0x80:
			return true // let strings.Fields decide (also non-ASCII spaces)
		default:
			prevSpace = false
		}
	}
	return false
}

// lowerASCII lowers ASCII letters only, so byte offsets stay the same.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst lowers the first letter of s when its first word is an
// ordinary capitalised word ("Ocean blue shirt" -> "ocean blue shirt"), not
// an acronym, a word with digits or a mixed-case name ("LED", "14k", "iPhone").
func lowerFirst(s string) string {
	w, _, _ := strings.Cut(s, " ")
	if w == "" || w == "I" {
		return s
	}
	r, n := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return s
	}
	for _, c := range w[n:] {
		if unicode.IsUpper(c) || unicode.IsDigit(c) {
			return s
		}
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// words splits s into lower-case words of letters, digits, hyphens and
// apostrophes.
func words(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !isWordRune(r) && r != '-' && r != '\'' && r != '\u2019'
	})
	out := f[:0]
	for _, w := range f {
		w = strings.Trim(w, "-'\u2019")
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// wordCount counts the words of plain text.
func wordCount(s string) int { return len(strings.Fields(s)) }

// small words stay lower case inside a title.
var smallWords = map[string]bool{
	"a": true, "an": true, "and": true, "as": true, "at": true, "but": true, "by": true, "for": true,
	"from": true, "in": true, "into": true, "nor": true, "of": true, "on": true, "or": true, "per": true,
	"the": true, "to": true, "vs": true, "with": true,
}

// keepCase reports a word that casing must not touch: acronyms, words with
// digits, mixed case ("LED", "14k", "McQueen").
func keepCase(w string) bool {
	upper, lowerAfterUpper := 0, false
	for i, r := range w {
		switch {
		case unicode.IsDigit(r):
			return true
		case unicode.IsUpper(r):
			upper++
			if i > 0 && lowerAfterUpper {
				return true // McQueen, iPhone
			}
		case unicode.IsLower(r):
			lowerAfterUpper = true
		}
	}
	return upper >= 2 // LED, UK
}

// titleCase capitalises every word but short ones inside the title.
func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		if keepCase(w) {
			continue
		}
		lw := strings.ToLower(w)
		if i > 0 && i < len(ws)-1 && smallWords[lw] {
			ws[i] = lw
			continue
		}
		parts := strings.Split(lw, "-")
		for j, p := range parts {
			parts[j] = upperFirst(p)
		}
		ws[i] = strings.Join(parts, "-")
	}
	return strings.Join(ws, " ")
}

// sentenceCase capitalises only the first word (names written in capitals
// or with digits keep their case).
func sentenceCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		if keepCase(w) {
			continue
		}
		if i == 0 {
			ws[i] = upperFirst(strings.ToLower(w))
		} else {
			ws[i] = strings.ToLower(w)
		}
	}
	return strings.Join(ws, " ")
}

// article returns "a " or "an " for a singular noun phrase, or "" when it
// already starts with a determiner.
func article(np string) string {
	w, _, _ := strings.Cut(strings.ToLower(np), " ")
	switch w {
	case "", "a", "an", "the", "one", "two", "three", "four", "five", "six", "this", "these", "those", "our", "some", "each", "every", "pair":
		if w == "pair" {
			return "a "
		}
		return ""
	}
	c := w[0]
	switch {
	case c == '8' || strings.HasPrefix(w, "11") || strings.HasPrefix(w, "18"):
		return "an "
	case c >= '0' && c <= '9':
		return "a "
	case strings.HasPrefix(w, "uni") || strings.HasPrefix(w, "use") || strings.HasPrefix(w, "euro") || strings.HasPrefix(w, "one"):
		return "a "
	case strings.HasPrefix(w, "hour") || strings.HasPrefix(w, "honest"):
		return "an "
	case strings.ContainsRune("aeiou", rune(c)):
		return "an "
	}
	return "a "
}

// headNoun returns the noun a phrase is about: the word before "of", "in",
// "on", "for" or "with", else the last word ("chest of drawers" -> "chest").
func headNoun(np string) string {
	ws := words(np)
	if len(ws) == 0 {
		return ""
	}
	for i := 1; i < len(ws); i++ {
		switch ws[i] {
		case "of", "in", "on", "for", "with", "through", "from":
			return ws[i-1]
		}
	}
	// "Anchor Bracelet Mens": the last word names who it is for.
	for i := len(ws) - 1; i > 0; i-- {
		if !genderWords[ws[i]] {
			return ws[i]
		}
	}
	return ws[len(ws)-1]
}

// genderWords name who a product is for.
var genderWords = map[string]bool{
	"men": true, "mens": true, "men's": true, "man": true, "mans": true, "women": true, "womens": true,
	"women's": true, "woman": true, "womans": true, "ladies": true, "kids": true, "unisex": true,
}

// isPlural guesses whether a noun is plural.
func isPlural(noun string) bool {
	n := strings.ToLower(noun)
	switch n {
	case "clothes", "trousers", "jeans", "pants", "shorts", "leggings", "tights", "scissors", "glasses", "sunglasses", "earrings", "drawers":
		return true
	case "set", "pair", "kit", "bundle", "chess", "dress", "glass", "grass":
		return false
	}
	if len(n) < 3 || !strings.HasSuffix(n, "s") {
		return false
	}
	for _, suf := range []string{"ss", "us", "is", "ics", "ous"} {
		if strings.HasSuffix(n, suf) {
			return false
		}
	}
	return true
}

// joinList writes "a", "a and b", "a, b and c" with conj ("and" or "or").
func joinList(xs []string, conj string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	sep := " "
	for _, x := range xs {
		if strings.Contains(x, " and ") || strings.Contains(x, " or ") {
			sep = ", " // "buttons and large pockets, and a pattern"
			break
		}
	}
	if len(xs) == 2 && sep == " " {
		return xs[0] + " " + conj + " " + xs[1]
	}
	if sep == " " {
		return strings.Join(xs[:len(xs)-1], ", ") + " " + conj + " " + xs[len(xs)-1]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + ", " + conj + " " + xs[len(xs)-1]
}

// trimEnd drops trailing sentence punctuation and spaces.
func trimEnd(s string) string {
	return strings.TrimRight(s, " .,;:!?\u2026-\u2013\u2014")
}

// endSentence makes s end with sentence punctuation.
func endSentence(s string) string {
	s = strings.TrimRight(s, " ,;:-\u2013\u2014")
	if s == "" {
		return ""
	}
	switch s[len(s)-1] {
	case '.', '!', '?':
		return s
	}
	if strings.HasSuffix(s, ".\"") || strings.HasSuffix(s, ".)") {
		return s
	}
	return s + "."
}

// connectors may not end a shortened phrase.
var connectors = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "with": true, "of": true, "in": true,
	"for": true, "to": true, "on": true, "by": true, "from": true, "at": true, "its": true, "your": true,
	"our": true, "their": true, "is": true, "are": true, "that": true, "which": true, "but": true, "&": true,
}

// clip shortens s to at most max in unit: at the last sentence end that
// fits, else at the last clause boundary, else at a word boundary. A cut
// sentence keeps its full stop when sentence is true. It never ends on a
// connecting word.
func clip(s string, max int, u generate.Unit, sentence bool) string {
	if max <= 0 || measure(s, u) <= max {
		return s
	}
	limit := byteLimit(s, max, u)
	head := s[:limit]
	// Whole sentences.
	for _, sep := range []string{". ", "! ", "? "} {
		if i := strings.LastIndex(head, sep); i > 0 && i+1 >= limit/3 {
			return s[:i+1]
		}
	}
	room := max - 1 // for the full stop
	if !sentence {
		room = max
	}
	limit = byteLimit(s, room, u)
	head = s[:limit]
	cut := -1
	// Clause boundaries first, then phrase boundaries, then any space.
	for _, group := range [][]string{{"; ", ", ", " \u2013 ", " - "}, {" with ", " and ", " in ", " for "}} {
		for _, sep := range group {
			if i := strings.LastIndex(head, sep); i > cut && i >= limit/2 {
				cut = i
			}
		}
		if cut >= 0 {
			break
		}
	}
	if cut < 0 {
		if limit < len(s) && s[limit] == ' ' {
			cut = limit
		} else {
			cut = strings.LastIndexByte(head, ' ')
		}
	}
	if cut <= 0 {
		cut = limit
	}
	out := tidyCut(s[:cut])
	if sentence && out != "" {
		out = endSentence(out)
	}
	if measure(out, u) > max { // e.g. one long word
		out = s[:byteLimit(s, max, u)]
	}
	return out
}

// tidyCut drops trailing punctuation and connecting words from a cut.
func tidyCut(s string) string {
	for {
		s = strings.TrimRight(s, " ,;:-\u2013\u2014(")
		i := strings.LastIndexByte(s, ' ')
		if i < 0 {
			return s
		}
		if !connectors[strings.ToLower(s[i+1:])] {
			return s
		}
		s = s[:i]
	}
}

// byteLimit is the largest byte offset of a rune boundary at which s[:off]
// measures at most max.
func byteLimit(s string, max int, u generate.Unit) int {
	if u == generate.Bytes {
		if max >= len(s) {
			return len(s)
		}
		for max > 0 && !utf8.RuneStart(s[max]) {
			max--
		}
		return max
	}
	n := 0
	for i := range s {
		if n == max {
			return i
		}
		n++
	}
	return len(s)
}

// escapeHTML escapes text for an HTML field.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")

func escapeHTML(s string) string { return htmlEscaper.Replace(s) }
