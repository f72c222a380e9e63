// Package reviewsim simulates reviewers who review PlutoPro's drafts only
// through the JSON API, each with a hidden style, to measure how well the
// brand memory learns from their edits.
//
// A Persona is a name and a set of deterministic rules that turn a draft
// into the text the reviewer wants (Ideal). A Runner drives one persona
// over rounds of generation and review on one brand: it generates drafts
// for the next products, approves a draft that already reads as the
// persona wants and otherwise edits it into the ideal (approving the
// edit), and records per round how far the drafts were from the ideal.
// Server starts a whole app in-process for tests and benches.
package reviewsim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/plutopro/plutopro/internal/textdiff"
)

// Field is where a text sits: one field of one channel, for one product of
// one brand. Rules read it to know what they apply to.
type Field struct {
	Channel string // "etsy"
	Name    string // the field: "title", "description"
	Vendor  string // the product's vendor
	Brand   string // the brand's name
}

// Title reports whether the field is a product title.
func (f Field) Title() bool {
	return f.Name == "title" || f.Name == "item_name" || f.Name == "seo_title"
}

// Description reports whether the field is a long description.
func (f Field) Description() bool {
	return f.Name == "description" || f.Name == "product_description"
}

// Rule is one part of a persona's style: a deterministic, idempotent
// change to a plain text.
type Rule interface {
	// Apply returns the text as the rule wants it.
	Apply(f Field, text string) string
	// String describes the rule in a few words.
	String() string
	// stage orders rules within a persona: word changes, then sign-offs,
	// then length caps (which keep the sign-off).
	stage() int
}

const (
	stageWords = iota
	stageStyle
	stageSignOff
	stageLength
)

// Persona is a simulated reviewer: a name and a hidden style.
type Persona struct {
	Name  string
	Rules []Rule
}

// Ideal is the text the persona wants for a draft's text: the rules
// applied in stage order (word changes, style, sign-off, length).
func (p Persona) Ideal(f Field, text string) string {
	rules := slices.Clone(p.Rules)
	slices.SortStableFunc(rules, func(a, b Rule) int { return a.stage() - b.stage() })
	signOff := p.SignOff()
	for _, r := range rules {
		if m, ok := r.(maxWords); ok {
			m.signOff = signOff
			r = m
		}
		text = r.Apply(f, text)
	}
	return text
}

// Changes names the persona's rules that change text when applied alone:
// which parts of the style a draft tripped.
func (p Persona) Changes(f Field, text string) []string {
	signOff := p.SignOff()
	var out []string
	for _, r := range p.Rules {
		if m, ok := r.(maxWords); ok {
			m.signOff = signOff
			r = m
		}
		if r.Apply(f, text) != text {
			out = append(out, r.String())
		}
	}
	return out
}

// SignOff is the persona's sign-off sentence, or "".
func (p Persona) SignOff() string {
	for _, r := range p.Rules {
		if s, ok := r.(signOff); ok {
			return s.sentence
		}
	}
	return ""
}

// Removes are the words the persona removes.
func (p Persona) Removes() []string {
	var out []string
	for _, r := range p.Rules {
		if rm, ok := r.(remove); ok {
			out = append(out, rm.words...)
		}
	}
	return out
}

// Check reports rules that would make Ideal depend on how often it runs:
// a sign-off another rule changes, a replacement that another replacement
// or a removal undoes.
func (p Persona) Check() error {
	if s := p.SignOff(); s != "" {
		for _, r := range p.Rules {
			if _, ok := r.(signOff); ok || r.stage() == stageLength {
				continue
			}
			f := Field{Channel: "etsy", Name: "description"}
			if got := r.Apply(f, s); got != s {
				return fmt.Errorf("persona %s: %s changes the sign-off %q to %q", p.Name, r, s, got)
			}
		}
	}
	froms := map[string]bool{}
	for _, r := range p.Rules {
		if rp, ok := r.(replace); ok {
			froms[rp.from] = true
		}
	}
	for _, r := range p.Rules {
		if rp, ok := r.(replace); ok {
			for _, w := range split(rp.to) {
				if w.word && froms[strings.ToLower(w.text)] {
					return fmt.Errorf("persona %s: %s writes a word another replacement changes", p.Name, r)
				}
			}
		}
	}
	return nil
}

func (p Persona) String() string {
	parts := make([]string, len(p.Rules))
	for i, r := range p.Rules {
		parts[i] = r.String()
	}
	return p.Name + ": " + strings.Join(parts, "; ")
}

// NoExclamation turns exclamation marks into full stops.
func NoExclamation() Rule { return noExclamation{} }

type noExclamation struct{}

var exclamations = regexp.MustCompile(`([.?]?)!+`)

func (noExclamation) Apply(_ Field, text string) string {
	return exclamations.ReplaceAllStringFunc(text, func(m string) string {
		if m[0] == '.' || m[0] == '?' {
			return m[:1]
		}
		return "."
	})
}
func (noExclamation) String() string { return "no exclamation marks" }
func (noExclamation) stage() int     { return stageStyle }

// SentenceCaseTitles lowercases every capitalised word of a title after
// the first, except words in capitals (USA, XL), words with digits (14k,
// A4) and words of the product's vendor or the brand's name.
func SentenceCaseTitles() Rule { return sentenceCase{} }

type sentenceCase struct{}

func (sentenceCase) Apply(f Field, text string) string {
	if !f.Title() {
		return text
	}
	keep := map[string]bool{}
	for _, name := range []string{f.Vendor, f.Brand} {
		for _, s := range split(name) {
			if s.word {
				keep[strings.ToLower(s.text)] = true
			}
		}
	}
	segs := split(text)
	first := true
	for i, s := range segs {
		if !s.word {
			continue
		}
		if first {
			first = false
			continue
		}
		if startsUpper(s.text) && !allCaps(s.text) && !hasDigit(s.text) && !keep[strings.ToLower(s.text)] {
			segs[i].text = strings.ToLower(s.text)
		}
	}
	return join(segs)
}
func (sentenceCase) String() string { return "sentence-case titles" }
func (sentenceCase) stage() int     { return stageStyle }

// Replace swaps a word for another everywhere, as whole words, keeping the
// word's capitals ("Color" becomes "Colour").
func Replace(from, to string) Rule {
	if len(strings.Fields(from)) != 1 || textdiff.WordCount(from) != 1 {
		panic("reviewsim.Replace: from must be one word: " + from)
	}
	return replace{from: strings.ToLower(from), to: to}
}

type replace struct{ from, to string }

func (r replace) Apply(_ Field, text string) string {
	segs := split(text)
	for i, s := range segs {
		if s.word && strings.EqualFold(s.text, r.from) {
			segs[i].text = matchCase(s.text, r.to)
		}
	}
	return join(segs)
}
func (r replace) String() string { return fmt.Sprintf("%q -> %q", r.from, r.to) }
func (replace) stage() int       { return stageWords }

// Remove deletes words wherever they appear as whole words, tidying what
// is left: no doubled spaces or stray commas, "a"/"an" agreeing with the
// next word, a connector left dangling ("soft and.") dropped, and a
// sentence that now starts lower case capitalised.
func Remove(words ...string) Rule {
	for _, w := range words {
		if len(strings.Fields(w)) != 1 || textdiff.WordCount(w) != 1 {
			panic("reviewsim.Remove: one word each: " + w)
		}
	}
	return remove{words: words}
}

type remove struct{ words []string }

func (r remove) String() string { return "removes " + strings.Join(r.words, ", ") }
func (remove) stage() int       { return stageWords }

func (r remove) hit(w string) bool {
	for _, x := range r.words {
		if strings.EqualFold(w, x) {
			return true
		}
	}
	return false
}

func connector(w string) bool {
	switch strings.ToLower(w) {
	case "and", "or", "but", "nor":
		return true
	}
	return false
}

func (r remove) Apply(_ Field, text string) string {
	segs := split(text)
	// segs alternate: sep, word, sep, …, word, sep. Removing the word at i
	// merges segs[i-1] and segs[i+1].
	for i := 1; i < len(segs); i += 2 {
		if !r.hit(segs[i].text) {
			continue
		}
		atStart := sentenceEnd(segs[i-1].text, i == 1)
		_, punct := punctLead(segs[i+1].text)
		keepPunct := false
		if !atStart && i >= 3 && connector(segs[i-2].text) && (punct || i+1 == len(segs)-1) {
			// A connector left dangling goes too: "soft and amazing." →
			// "soft.", "warm and amazing, for" → "warm, for".
			segs = cut(segs, i-2, false)
			i -= 2
			keepPunct = true
		}
		segs = cut(segs, i, keepPunct)
		// So does one starting the sentence: "Amazing and soft." → "Soft."
		if atStart && i < len(segs) && connector(segs[i].text) {
			segs = cut(segs, i, false)
		}
		if atStart && i < len(segs) {
			segs[i].text = upperFirst(segs[i].text)
		}
		// "an amazing bag" → "a bag"; "a premium ideal gift" → "an ideal gift".
		if i >= 3 && i < len(segs) && strings.TrimSpace(segs[i-1].text) == "" {
			if art := segs[i-2].text; strings.EqualFold(art, "a") || strings.EqualFold(art, "an") {
				want := "a"
				if vowelSound(segs[i].text) {
					want = "an"
				}
				if r.hit(want) {
					// The persona removes articles too.
					segs = cut(segs, i-2, false)
					i -= 2
				} else {
					segs[i-2].text = matchCase(art, want)
				}
			}
		}
		i -= 2 // look again at the word now at i
	}
	return join(segs)
}

// cut removes the word at i, merging the separators around it. With
// keepPunct the punctuation after the word stays whatever it is.
func cut(segs []seg, i int, keepPunct bool) []seg {
	before, after := segs[i-1].text, segs[i+1].text
	var merged string
	if _, ok := punctLead(after); ok && keepPunct && !sentenceEnd(before, i == 1) {
		merged = strings.TrimRight(before, " \t") + strings.TrimLeft(after, " \t")
	} else {
		merged = mergeSep(before, after, i == 1, i+1 == len(segs)-1)
	}
	out := append(segs[:i-1:i-1], seg{text: merged})
	return append(out, segs[i+2:]...)
}

// mergeSep joins the separators before and after a removed word.
func mergeSep(before, after string, first, last bool) string {
	p, punct := punctLead(after)
	switch {
	case !punct:
		// "soft amazing bag", "\n\nAmazing bag": the separator before stays,
		// unless it is only spaces and the one after holds a line break or
		// an opening bracket.
		switch {
		case first:
			return before
		case strings.TrimSpace(before) == "" && (strings.TrimSpace(after) != "" || strings.Contains(after, "\n")):
			return after
		case last:
			return strings.TrimRight(before, " \t")
		}
		return before
	case sentenceEnd(before, first):
		// The word started a sentence: a comma after it goes; a full stop
		// after it means the sentence was only that word, so that goes too.
		rest := strings.TrimLeft(strings.TrimLeft(after, " \t")[1:], " \t")
		switch {
		case first:
			return rest
		case strings.TrimSpace(rest) != "":
			return strings.TrimRight(before, " \t") + " " + rest
		case strings.Contains(rest, "\n"):
			return strings.TrimRight(before, " \t") + rest
		}
		return before
	case p == ',' || p == ';':
		// "soft, amazing, warm" → "soft, warm"; "an amazing, soft bag" → "a soft bag".
		if t := strings.TrimRight(before, " \t"); strings.HasSuffix(t, ",") || strings.HasSuffix(t, ";") {
			return before
		}
		return before + strings.TrimLeft(strings.TrimLeft(after, " \t")[1:], " \t")
	default:
		// "it is amazing." → "it is."; "soft, amazing." → "soft."
		b := strings.TrimRight(strings.TrimRight(strings.TrimRight(before, " \t"), ",;:"), " \t")
		return b + strings.TrimLeft(after, " \t")
	}
}

// vowelSound guesses whether a word takes "an": it starts with a vowel
// letter (or is an acronym read letter by letter starting with one).
func vowelSound(w string) bool {
	if w == "" {
		return false
	}
	switch strings.ToLower(w[:1]) {
	case "a", "e", "i", "o", "u":
		return !strings.HasPrefix(strings.ToLower(w), "uni") && !strings.HasPrefix(strings.ToLower(w), "use")
	}
	return false
}

// SignOff appends a sentence to every description that lacks it, as its
// own paragraph.
func SignOff(sentence string) Rule { return signOff{sentence: strings.TrimSpace(sentence)} }

type signOff struct{ sentence string }

func (s signOff) Apply(f Field, text string) string {
	if !f.Description() || strings.Contains(text, s.sentence) {
		return text
	}
	text = strings.TrimRight(text, " \t\n")
	if text == "" {
		return s.sentence
	}
	return text + "\n\n" + s.sentence
}
func (s signOff) String() string { return fmt.Sprintf("signs off %q", s.sentence) }
func (signOff) stage() int       { return stageSignOff }

// MaxWords keeps a field under n words: whole sentences (or list lines)
// go from the end, but never the first one, until fewer than n words are
// left. The persona's sign-off counts and stays.
func MaxWords(field string, n int) Rule { return maxWords{field: field, n: n} }

type maxWords struct {
	field   string
	n       int
	signOff string // set by Persona.Ideal
}

func (m maxWords) String() string { return fmt.Sprintf("%s under %d words", m.field, m.n) }
func (maxWords) stage() int       { return stageLength }

func (m maxWords) Apply(f Field, text string) string {
	if f.Name != m.field || textdiff.WordCount(text) < m.n {
		return text
	}
	body, tail := text, ""
	if m.signOff != "" {
		if i := strings.LastIndex(text, m.signOff); i >= 0 && strings.TrimSpace(text[i+len(m.signOff):]) == "" {
			body, tail = text[:i], text[i:]
		}
	}
	tailSep := body[len(strings.TrimRight(body, " \t\n")):]
	budget := m.n - textdiff.WordCount(tail)
	ss := sentences(strings.TrimRight(body, " \t\n"))
	words := 0
	for _, s := range ss {
		words += textdiff.WordCount(s.text)
	}
	for len(ss) > 1 && (words >= budget || strings.TrimSpace(ss[len(ss)-1].text) == "") {
		words -= textdiff.WordCount(ss[len(ss)-1].text)
		ss = ss[:len(ss)-1]
	}
	// A lead-in left with nothing to lead into ("Details:") goes too.
	for len(ss) > 1 && strings.HasSuffix(ss[len(ss)-1].text, ":") {
		ss = ss[:len(ss)-1]
	}
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.sep)
		b.WriteString(s.text)
	}
	out := b.String()
	if tail == "" {
		return out
	}
	if tailSep == "" {
		tailSep = " "
	}
	return out + tailSep + tail
}
