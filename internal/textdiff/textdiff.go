// Package textdiff compares texts word by word, for what a seller reads
// (the review queue's diff of a draft against the source value) and for
// what learning reads (which words an edit removed, added or swapped), and
// measures how far apart two texts are.
package textdiff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is a word (letters and digits, with inner apostrophes and hyphens)
// or one punctuation mark. Space says whitespace came before it, so Join
// puts the text back together.
type Token struct {
	Text  string
	Space bool
}

// Word reports whether the token is a word rather than punctuation.
func (t Token) Word() bool {
	r, _ := utf8.DecodeRuneInString(t.Text)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Tokens splits s into words and punctuation marks.
func Tokens(s string) []Token {
	var out []Token
	space := false
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			space = true
			i++
		case isWordRune(r):
			j := i + 1
			for j < len(rs) {
				if isWordRune(rs[j]) {
					j++
					continue
				}
				// An apostrophe or hyphen between two word runes stays in the word.
				if (rs[j] == '\'' || rs[j] == '\u2019' || rs[j] == '-') && j+1 < len(rs) && isWordRune(rs[j+1]) {
					j += 2
					continue
				}
				break
			}
			out = append(out, Token{Text: string(rs[i:j]), Space: space && len(out) > 0})
			space = false
			i = j
		default:
			out = append(out, Token{Text: string(r), Space: space && len(out) > 0})
			space = false
			i++
		}
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Join writes tokens back as text, with single spaces where the source had
// whitespace.
func Join(ts []Token) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 && t.Space {
			b.WriteByte(' ')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// WordCount counts the words of s.
func WordCount(s string) int {
	n := 0
	for _, t := range Tokens(s) {
		if t.Word() {
			n++
		}
	}
	return n
}

// Kind is what an Op does.
type Kind int

// The kinds of Op.
const (
	Equal Kind = iota
	Delete
	Insert
)

func (k Kind) String() string {
	switch k {
	case Delete:
		return "delete"
	case Insert:
		return "insert"
	}
	return "equal"
}

// Op is a run of tokens kept, deleted from a or inserted from b.
type Op struct {
	Kind   Kind
	Tokens []Token
}

// Text is the op's tokens as text.
func (o Op) Text() string { return Join(o.Tokens) }

// maxCells bounds the comparison table; texts beyond it (after the common
// start and end are set aside) are reported as one replacement.
const maxCells = 4_000_000

// Words compares a and b word by word.
func Words(a, b string) []Op { return Diff(Tokens(a), Tokens(b)) }

// Diff returns the ops turning a into b: a longest common subsequence of
// tokens (compared exactly), deletions before insertions in each change.
func Diff(a, b []Token) []Op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre].Text == b[pre].Text {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf].Text == b[len(b)-1-suf].Text {
		suf++
	}
	var ops []Op
	add := func(k Kind, t Token) {
		if n := len(ops); n > 0 && ops[n-1].Kind == k {
			ops[n-1].Tokens = append(ops[n-1].Tokens, t)
			return
		}
		ops = append(ops, Op{Kind: k, Tokens: []Token{t}})
	}
	// A kept token is spaced as in either text, so a change before it
	// never runs into it ("the" inserted before "Ocean").
	equal := func(x, y Token) Token {
		x.Space = x.Space || y.Space
		return x
	}
	for i, t := range a[:pre] {
		add(Equal, equal(t, b[i]))
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > maxCells {
		for _, t := range ma {
			add(Delete, t)
		}
		for _, t := range mb {
			add(Insert, t)
		}
	} else {
		middle(ma, mb, add)
	}
	for i, t := range a[len(a)-suf:] {
		add(Equal, equal(t, b[len(b)-suf+i]))
	}
	return ops
}

// middle is the LCS table walk; within a change deletions come first.
func middle(a, b []Token, add func(Kind, Token)) {
	n, m := len(a), len(b)
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i].Text == b[j].Text {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	var ins []Token
	flush := func() {
		for _, t := range ins {
			add(Insert, t)
		}
		ins = ins[:0]
	}
	for i < n && j < m {
		switch {
		case a[i].Text == b[j].Text:
			flush()
			t := a[i]
			t.Space = t.Space || b[j].Space
			add(Equal, t)
			i++
			j++
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			add(Delete, a[i])
			i++
		default:
			ins = append(ins, b[j])
			j++
		}
	}
	for ; i < n; i++ {
		add(Delete, a[i])
	}
	flush()
	for ; j < m; j++ {
		add(Insert, b[j])
	}
}

// Distance is the normalised edit distance between a and b: the
// Levenshtein distance over characters divided by the longer length, 0 for
// equal texts and 1 for texts with nothing in common.
func Distance(a, b string) float64 {
	if a == b {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	longer := max(len(ra), len(rb))
	// Common ends cost nothing.
	for len(ra) > 0 && len(rb) > 0 && ra[0] == rb[0] {
		ra, rb = ra[1:], rb[1:]
	}
	for len(ra) > 0 && len(rb) > 0 && ra[len(ra)-1] == rb[len(rb)-1] {
		ra, rb = ra[:len(ra)-1], rb[:len(rb)-1]
	}
	if len(ra) < len(rb) {
		ra, rb = rb, ra
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return float64(prev[len(rb)]) / float64(longer)
}
