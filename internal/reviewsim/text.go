package reviewsim

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// seg is a piece of a text: a word (letters and digits, with inner
// apostrophes and hyphens, as internal/textdiff reads words) or the
// separator between two words, kept byte for byte (spaces, newlines,
// punctuation, list dashes).
type seg struct {
	text string
	word bool
}

// split cuts s into separators and words, alternating and always starting
// and ending with a separator (possibly empty): sep, word, sep, …, word, sep.
func split(s string) []seg {
	out := []seg{{}}
	rs := []rune(s)
	start := 0
	for i := 0; i < len(rs); {
		if !wordRune(rs[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(rs) {
			if wordRune(rs[j]) {
				j++
				continue
			}
			if (rs[j] == '\'' || rs[j] == '\u2019' || rs[j] == '-') && j+1 < len(rs) && wordRune(rs[j+1]) {
				j += 2
				continue
			}
			break
		}
		out[len(out)-1].text = string(rs[start:i])
		out = append(out, seg{text: string(rs[i:j]), word: true}, seg{})
		start, i = j, j
	}
	out[len(out)-1].text = string(rs[start:])
	return out
}

func join(segs []seg) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.text)
	}
	return b.String()
}

func wordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// ContainsWord reports whether w appears in text as a whole word, ignoring case.
func ContainsWord(text, w string) bool {
	for _, s := range split(text) {
		if s.word && strings.EqualFold(s.text, w) {
			return true
		}
	}
	return false
}

// matchCase writes to in the case of like: all capitals, a capital first
// letter, or as given.
func matchCase(like, to string) string {
	switch {
	case allCaps(like) && utf8.RuneCountInString(like) > 1:
		return strings.ToUpper(to)
	case startsUpper(like):
		return upperFirst(to)
	}
	return to
}

func startsUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// allCaps: at least two letters, none of them lower case.
func allCaps(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 2
}

func hasDigit(w string) bool { return strings.IndexFunc(w, unicode.IsDigit) >= 0 }

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// sentenceEnd reports whether a separator ends a sentence, paragraph or
// line, or opens a list item, so the word after it starts a sentence. At
// the very start of a text (first) an empty separator counts too.
func sentenceEnd(sep string, first bool) bool {
	t := strings.TrimRight(sep, " \t")
	if t == "" {
		return first
	}
	if strings.HasSuffix(t, "\n") {
		return true
	}
	if t == "-" || strings.HasSuffix(t, "\n-") || strings.HasSuffix(t, "\n*") || t == "*" {
		return true
	}
	switch t[len(t)-1] {
	case '.', '!', '?':
		return true
	}
	return false
}

// punctLead reports the first non-space byte of a separator when it is
// punctuation that must follow a word (comma, full stop and the like).
func punctLead(sep string) (byte, bool) {
	t := strings.TrimLeft(sep, " \t")
	if t == "" {
		return 0, false
	}
	switch t[0] {
	case ',', '.', ';', ':', '!', '?':
		return t[0], true
	}
	return 0, false
}

// sentence is one unit a length cap may drop: a sentence, or a line of a
// list; sep is the text before it (spaces, newlines, a list dash).
type sentence struct {
	sep, text string
}

// sentences splits a plain text into sentences and list lines, each with
// the separator before it, so joining them gives the text back. A sentence
// ends at . ! or ? followed by whitespace, or at a line break.
func sentences(s string) []sentence {
	var out []sentence
	rs := []rune(s)
	i := 0
	for i < len(rs) {
		j := i
		for j < len(rs) && (unicode.IsSpace(rs[j]) || ((rs[j] == '-' || rs[j] == '*') && j+1 < len(rs) && rs[j+1] == ' ' && (j == 0 || rs[j-1] == '\n'))) {
			j++
		}
		sep := string(rs[i:j])
		k := j
		for k < len(rs) && rs[k] != '\n' {
			if (rs[k] == '.' || rs[k] == '!' || rs[k] == '?') && (k+1 == len(rs) || unicode.IsSpace(rs[k+1])) {
				k++
				break
			}
			k++
		}
		if k == j {
			// Only whitespace was left: it belongs to the end.
			out = append(out, sentence{sep: sep})
			break
		}
		out = append(out, sentence{sep: sep, text: string(rs[j:k])})
		i = k
	}
	return out
}
