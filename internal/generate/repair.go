package generate

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"

	"github.com/plutopro/plutopro/internal/catalog"
)

// safeRemovable are the forbidden characters whose removal never changes
// what a text says: decoration (! ™ ® © † ‡), stray markup ({ } ^ `
// \ ¦ ¬) and a question mark in a title. "_" becomes a space. "$" is removed
// only when no digit follows it (a price is content: regenerate). Currency
// signs, "~", "±" and "…" stay: dropping them changes a statement.
const safeRemovable = "!?{}^`\\¬¦™®©†‡_$"

// Repair applies the safe fixes to a value and says what it did, one
// sentence per fix. Safe means the meaning stays: whitespace, removable
// characters, shortening at a word boundary (or, for HTML, at a block
// boundary), dropping repeated, branded, avoided or surplus items from lists
// whose item count is free. It never touches a refusal or a left-over
// placeholder (the value comes back unchanged and must be regenerated), and
// it leaves whatever it cannot fix safely for Validate to report, so the
// caller can regenerate once with the violations as Request.Feedback.
func Repair(spec FieldSpec, v Value, ctx CheckContext) (Value, []string) {
	if needsRewrite(spec, v) {
		return v, nil
	}
	r := &repairer{spec: spec, ctx: ctx}
	if spec.Kind == KindList {
		return Value{Items: r.list(v.Items)}, r.did
	}
	return Value{Text: r.text(v.Text)}, r.did
}

// needsRewrite reports a refusal or placeholder anywhere in the value.
func needsRewrite(spec FieldSpec, v Value) bool {
	texts := append([]string{v.Text}, v.Items...)
	for _, t := range texts {
		visible := t
		if spec.Kind == KindHTML || len(spec.AllowedTags) > 0 {
			visible = catalog.PlainText(t)
		}
		if templateMarker(t) != "" || templateMarker(visible) != "" || refusal(visible) != "" {
			return true
		}
	}
	return false
}

type repairer struct {
	spec FieldSpec
	ctx  CheckContext
	did  []string
}

func (r *repairer) note(format string, args ...any) {
	r.did = append(r.did, fmt.Sprintf(format, args...))
}

func (r *repairer) the() string { return "the " + lowerLabel(r.spec.Label) }

func (r *repairer) text(s string) string {
	spec := r.spec
	if t := tidySpace(s, spec.Kind == KindHTML); t != s {
		r.note("Removed extra spaces from %s.", r.the())
		s = t
	}
	if t, removed := removeChars(s, spec.ForbiddenChars); len(removed) > 0 {
		s = tidySpace(t, spec.Kind == KindHTML)
		r.note("Removed %s from %s: %s does not accept %s.", andList(removed), r.the(), channelName(spec.Channel), pronoun(removed))
	}
	if spec.NoEmoji {
		if t := removeEmoji(s); t != s {
			s = tidySpace(t, spec.Kind == KindHTML)
			r.note("Removed emoji from %s.", r.the())
		}
	}
	if strings.ContainsRune(spec.OnceChars, '&') && strings.Count(s, "&") > 1 {
		s = ampersandsToAnd(s)
		r.note("Wrote \"and\" for every & in %s after the first: %s allows it once.", r.the(), channelName(spec.Channel))
	}
	if spec.StartCapital {
		if t := capitalise(s); t != s {
			s = t
			r.note("Capitalised the first letter of %s.", r.the())
		}
	}
	if spec.MaxLen > 0 && measure(s, spec.Unit) > spec.MaxLen {
		before := measure(s, spec.Unit)
		if spec.Kind == KindHTML {
			if t, ok := shortenHTML(s, spec.MaxLen, spec.Unit); ok {
				s = t
				r.note("Shortened %s from %s to %s by dropping its last blocks.", r.the(), amount(before, spec.Unit), amount(measure(s, spec.Unit), spec.Unit))
			}
		} else if t, ok := shortenText(s, spec.MaxLen, spec.Unit); ok {
			s = t
			r.note("Shortened %s from %s to %s at a word boundary.", r.the(), amount(before, spec.Unit), amount(measure(s, spec.Unit), spec.Unit))
		}
	}
	return s
}

// droppable reports whether items may be dropped from the list: its count
// is free (not one per image, not an exact number like Amazon's bullets).
func (r *repairer) droppable() bool {
	s := r.spec
	return !s.PerImage && !(s.MinItems > 0 && s.MinItems == s.MaxItems)
}

func (r *repairer) list(items []string) []string {
	spec := r.spec
	label := itemLabel(spec)
	out := make([]string, 0, len(items))
	spaced, empty := false, 0
	for _, it := range items {
		t := collapseSpaces(it)
		if t != it {
			spaced = true
		}
		if t == "" && !spec.PerImage {
			empty++
			continue
		}
		out = append(out, t)
	}
	if spaced {
		r.note("Removed extra spaces from the %s.", plural(label, 2))
	}
	if empty > 0 {
		r.note("Dropped %d empty %s.", empty, plural(label, empty))
	}

	for i, it := range out {
		who := fmt.Sprintf("%s %d", label, i+1)
		if t, removed := removeChars(it, spec.ForbiddenChars); len(removed) > 0 {
			it = collapseSpaces(t)
			r.note("Removed %s from %s: %s does not accept %s.", andList(removed), who, channelName(spec.Channel), pronoun(removed))
		}
		if spec.NoEmoji {
			if t := removeEmoji(it); t != it {
				it = collapseSpaces(t)
				r.note("Removed emoji from %s.", who)
			}
		}
		if spec.WordCharsOnly {
			if t := wordCharsOnly(it, spec.ExtraChars); t != it {
				it = t
				r.note("Removed punctuation %s does not accept from %s.", channelName(spec.Channel), who)
			}
		}
		if spec.NoLeadingChars != "" {
			if t := strings.TrimSpace(strings.TrimLeft(it, spec.NoLeadingChars)); t != it {
				it = t
				r.note("Removed the leading character %s does not accept from %s.", channelName(spec.Channel), who)
			}
		}
		if spec.StartCapital {
			if t := capitalise(it); t != it {
				it = t
				r.note("Capitalised the first letter of %s.", who)
			}
		}
		if spec.MaxLen > 0 && measure(it, spec.Unit) > spec.MaxLen {
			if t, ok := shortenText(it, spec.MaxLen, spec.Unit); ok {
				r.note("Shortened %s from %s to %s at a word boundary.", who, amount(measure(it, spec.Unit), spec.Unit), amount(measure(t, spec.Unit), spec.Unit))
				it = t
			}
		}
		out[i] = it
	}

	if !r.droppable() {
		return out
	}
	// Items that cannot stay: too long with no word boundary to cut at,
	// now empty, branded, banned or avoided, or repeated.
	kept := out[:0:0]
	seen := map[string]bool{}
	for _, it := range out {
		why := ""
		switch {
		case it == "":
			why = "it was left empty"
		case spec.MaxLen > 0 && measure(it, spec.Unit) > spec.MaxLen:
			why = fmt.Sprintf("it is over %s and has no word boundary to cut at", amount(spec.MaxLen, spec.Unit))
		case spec.NoDuplicates && seen[itemKey(it)]:
			why = "it repeats an earlier one"
		case spec.NoBrandNames && containsAny(it, r.ctx.brandNames()):
			why = fmt.Sprintf("%s does not allow brand names here", channelName(spec.Channel))
		case containsAny(it, spec.BannedPhrases):
			why = fmt.Sprintf("%s does not allow it", channelName(spec.Channel))
		case containsAny(it, r.ctx.Brand.WordsAvoid):
			why = "the brand's guidelines avoid it"
		}
		if why != "" {
			r.note("Dropped %s %q: %s.", label, it, why)
			continue
		}
		seen[itemKey(it)] = true
		kept = append(kept, it)
	}
	out = kept

	if spec.MaxItems > 0 && len(out) > spec.MaxItems {
		n := len(out) - spec.MaxItems
		out = out[:spec.MaxItems]
		r.note("Dropped the last %d %s: %s allows %d.", n, plural(label, n), channelName(spec.Channel), spec.MaxItems)
	}
	if spec.MaxTotal > 0 {
		n := 0
		for len(out) > max(spec.MinItems, 1) && measure(joinItems(out), spec.Unit) > spec.MaxTotal {
			out = out[:len(out)-1]
			n++
		}
		if n > 0 {
			r.note("Dropped the last %d %s to fit %s's %s.", n, plural(label, n), channelName(spec.Channel), amount(spec.MaxTotal, spec.Unit))
		}
	}
	return out
}

func containsAny(s string, phrases []string) bool {
	for _, p := range phrases {
		if strings.TrimSpace(p) != "" && hasPhrase(s, p) {
			return true
		}
	}
	return false
}

func pronoun(xs []string) string {
	if len(xs) == 1 {
		return "it"
	}
	return "them"
}

// tidySpace trims s and folds runs of spaces and tabs. Plain text keeps its
// line breaks (at most one blank line in a row); HTML folds all whitespace,
// which a browser does anyway.
func tidySpace(s string, html bool) string {
	if html {
		return collapseSpaces(s)
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = collapseSpaces(l)
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// removeChars drops the safely removable characters of forbidden from s and
// lists the ones it dropped.
func removeChars(s, forbidden string) (string, []string) {
	var removed []string
	for _, c := range forbidden {
		if !strings.ContainsRune(safeRemovable, c) || !strings.ContainsRune(s, c) {
			continue
		}
		var b strings.Builder
		did := false
		for i, r := range s {
			if r != c {
				b.WriteRune(r)
				continue
			}
			if c == '$' {
				if next, _ := utf8.DecodeRuneInString(s[i+1:]); unicode.IsDigit(next) {
					b.WriteRune(r) // a price: not ours to drop
					continue
				}
			}
			if c == '_' {
				b.WriteByte(' ')
			}
			did = true
		}
		if did {
			s = b.String()
			removed = append(removed, string(c))
		}
	}
	return s, removed
}

func removeEmoji(s string) string {
	return strings.Map(func(r rune) rune {
		if isEmoji(r) || r == 0x200D {
			return -1
		}
		return r
	}, s)
}

// wordCharsOnly drops apostrophes ("mother's" → "mothers") and turns other
// characters that are not letters, digits, spaces or extra into spaces
// ("cotton/linen" → "cotton linen").
func wordCharsOnly(s, extra string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case isWordRune(r) || unicode.IsMark(r) || unicode.Is(unicode.Zs, r) || strings.ContainsRune(extra, r):
			b.WriteRune(r)
		case r == '\'' || r == '\u2019':
		default:
			b.WriteByte(' ')
		}
	}
	return collapseSpaces(b.String())
}

func ampersandsToAnd(s string) string {
	first := strings.Index(s, "&")
	return s[:first+1] + strings.ReplaceAll(s[first+1:], "&", "and")
}

func capitalise(s string) string {
	lead := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
	r, size := utf8.DecodeRuneInString(s[lead:])
	if !unicode.IsLetter(r) || unicode.IsUpper(r) {
		return s
	}
	return s[:lead] + string(unicode.ToUpper(r)) + s[lead+size:]
}

// shortenText cuts s to at most limit (in unit) at a word boundary, then
// drops what would dangle at the end: commas, dashes, an open bracket, a
// trailing "and", "with", "the". Long texts end at the last full sentence
// that fits, when that keeps at least half. It fails (false) when no word
// boundary fits, for a single over-long word.
func shortenText(s string, limit int, u Unit) (string, bool) {
	if measure(s, u) <= limit {
		return s, true
	}
	// cut: the longest prefix within the limit.
	cut, n := 0, 0
	for i, r := range s {
		w := 1
		if u == Bytes {
			w = utf8.RuneLen(r)
		}
		if n+w > limit {
			break
		}
		n += w
		cut = i + utf8.RuneLen(r)
	}
	prefix := s[:cut]
	next, _ := utf8.DecodeRuneInString(s[cut:])
	last, _ := utf8.DecodeLastRuneInString(prefix)
	if isWordRune(next) && isWordRune(last) {
		// Mid-word: back up to the last space.
		i := strings.LastIndexFunc(prefix, unicode.IsSpace)
		if i < 0 {
			return s, false
		}
		prefix = prefix[:i]
	}
	if limit >= 200 {
		if i := lastSentenceEnd(prefix); i >= len(prefix)/2 {
			prefix = prefix[:i]
		}
	} else if i := lastSeparator(prefix); i >= len(prefix)*3/5 {
		// A title cut inside its last comma-separated part ("..., Made")
		// reads broken: end at the separator instead.
		prefix = prefix[:i]
	}
	prefix = trimDangling(prefix)
	if prefix == "" {
		return s, false
	}
	return prefix, true
}

// lastSeparator returns the index of the last ", ", "; ", " – ", " - " or
// " | " in s, or -1.
func lastSeparator(s string) int {
	best := -1
	for _, sep := range []string{", ", "; ", " – ", " — ", " - ", " | "} {
		if i := strings.LastIndex(s, sep); i > best {
			best = i
		}
	}
	return best
}

// lastSentenceEnd returns the index just after the last ".", "!" or "?"
// that is followed by a space or line break, or -1.
func lastSentenceEnd(s string) int {
	for i := len(s) - 2; i >= 0; i-- {
		if strings.IndexByte(".!?", s[i]) >= 0 && (s[i+1] == ' ' || s[i+1] == '\n') {
			return i + 1
		}
	}
	return -1
}

// trimDangling removes from the end of a cut text what would read as cut
// off: spaces, separators, an unclosed bracket or tag, <br>s, and a last
// word that needs a following one (articles, prepositions, conjunctions).
func trimDangling(s string) string {
	for {
		before := s
		s = strings.TrimRightFunc(s, unicode.IsSpace)
		s = strings.TrimRight(s, ",;:-–—/&(+|·•")
		if i := strings.LastIndexByte(s, '<'); i >= 0 && !strings.Contains(s[i:], ">") {
			s = s[:i]
		}
		for _, br := range []string{"<br>", "<br/>", "<br />"} {
			s = strings.TrimSuffix(s, br)
		}
		if strings.Count(s, "(") > strings.Count(s, ")") {
			s = s[:strings.LastIndex(s, "(")]
		}
		if i := strings.LastIndexFunc(s, unicode.IsSpace); i >= 0 && stopWords[strings.ToLower(s[i+1:])] {
			s = s[:i]
		}
		if s == before {
			return s
		}
	}
}

// blockTags end a top-level block a description can be cut after.
var blockTags = map[string]bool{
	"p": true, "ul": true, "ol": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"div": true, "blockquote": true, "table": true, "section": true,
}

// shortenHTML keeps the longest run of whole top-level blocks (paragraphs,
// lists, headings) within the limit. It fails (false) when even the first
// block is too long or the markup has no top-level blocks.
func shortenHTML(s string, limit int, u Unit) (string, bool) {
	z := nethtml.NewTokenizer(strings.NewReader(s))
	depth, off, best := 0, 0, -1
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			break
		}
		off += len(z.Raw())
		name, _ := z.TagName()
		switch tt {
		case nethtml.StartTagToken:
			if !voidTags[string(name)] {
				depth++
			}
		case nethtml.EndTagToken:
			depth--
			if depth == 0 && blockTags[string(name)] && measure(strings.TrimSpace(s[:off]), u) <= limit {
				best = off
			}
		}
	}
	if best <= 0 {
		return s, false
	}
	return strings.TrimSpace(s[:best]), true
}

var voidTags = map[string]bool{"br": true, "img": true, "hr": true, "wbr": true, "input": true, "meta": true, "link": true}

// HasEmoji reports whether s holds an emoji.
func HasEmoji(s string) bool { return firstEmoji(s) != "" }

// RemoveEmoji drops every emoji (and joiners) from s.
func RemoveEmoji(s string) string { return removeEmoji(s) }
