package etsy

import (
	"html"
	"regexp"
	"strconv"
	"strings"

	nethtml "golang.org/x/net/html"
)

// TextToHTML writes an Etsy (plain text) description as HTML: paragraphs
// (separated by blank lines) become escaped <p> elements, line breaks
// inside them <br>.
func TextToHTML(s string) string {
	var b strings.Builder
	for i, para := range paragraphs(s) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		for j, line := range para {
			if j > 0 {
				b.WriteString("<br>\n")
			}
			b.WriteString(html.EscapeString(line))
		}
		b.WriteString("</p>")
	}
	return b.String()
}

// paragraphs splits text into paragraphs of lines: line ends normalised,
// spaces folded and trimmed, blank lines separating paragraphs.
func paragraphs(s string) [][]string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out [][]string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.Join(strings.FieldsFunc(line, isSpace), " ")
		if line == "" {
			if cur != nil {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// FoldText is text as it comes back from TextToHTML then HTMLToText:
// lines with spaces folded, paragraphs separated by one blank line.
func FoldText(s string) string {
	ps := paragraphs(s)
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = strings.Join(p, "\n")
	}
	return strings.Join(parts, "\n\n")
}

// isSpace is HTML's whitespace (without the line ends handled apart).
func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\f' || r == '\n' || r == '\r' }

// markup finds something that is an HTML tag or comment.
var markup = regexp.MustCompile(`<[A-Za-z/!]`)

// HTMLToText turns a description into the plain text Etsy takes. Text with
// no markup is returned as it is (line ends normalised, ends trimmed). HTML
// loses its tags: paragraphs and other blocks become paragraphs separated by
// a blank line, <br> and <div> line breaks, list items lines starting "- "
// (numbered in ordered lists); entities are decoded, whitespace folds as a
// browser folds it, script and style vanish.
func HTMLToText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !markup.MatchString(s) {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
		return strings.TrimSpace(s)
	}
	var w textWriter
	z := nethtml.NewTokenizer(strings.NewReader(s))
	skip, pre := 0, 0
	type list struct {
		ordered bool
		n       int
	}
	var lists []list
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			return w.b.String()
		case nethtml.TextToken:
			if skip == 0 {
				w.text(strings.ToValidUTF8(string(z.Text()), "\uFFFD"), pre > 0)
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken, nethtml.EndTagToken:
			name, _ := z.TagName()
			start := tt != nethtml.EndTagToken
			selfClosing := tt == nethtml.SelfClosingTagToken
			switch tag := string(name); tag {
			case "script", "style", "head", "title", "template", "noscript":
				if selfClosing {
					break
				}
				if start {
					skip++
				} else if skip > 0 {
					skip--
				}
			case "br":
				w.lineBreak()
			case "pre":
				w.block(2)
				if !selfClosing {
					if start {
						pre++
					} else if pre > 0 {
						pre--
					}
				}
			case "ul", "ol":
				if len(lists) > 0 {
					w.block(1)
				} else {
					w.block(2)
				}
				if selfClosing {
					break
				}
				if start {
					lists = append(lists, list{ordered: tag == "ol"})
				} else if len(lists) > 0 {
					lists = lists[:len(lists)-1]
				}
			case "li":
				w.block(1)
				if start {
					marker := "- "
					if n := len(lists); n > 0 && lists[n-1].ordered {
						lists[n-1].n++
						marker = strconv.Itoa(lists[n-1].n) + ". "
					}
					w.prefix = strings.Repeat("  ", max(0, len(lists)-1)) + marker
				}
			case "div", "tr", "dt", "dd", "caption", "figcaption", "summary":
				w.block(1)
			case "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "section", "article",
				"header", "footer", "aside", "nav", "main", "address", "figure", "details", "dl", "hr", "form", "fieldset":
				w.block(2)
			case "td", "th":
				w.space = true
			}
		}
	}
}

// textWriter writes text with pending line breaks and spaces, so none
// lead or trail.
type textWriter struct {
	b      strings.Builder
	brk    int  // line breaks owed before the next text (at most 2)
	space  bool // a space owed before the next text
	prefix string
}

// block ends the current line (n = 1) or paragraph (n = 2).
func (w *textWriter) block(n int) {
	w.brk = max(w.brk, n)
	w.space = false
}

// lineBreak is a <br>: breaks add up to a blank line.
func (w *textWriter) lineBreak() {
	w.brk = min(2, w.brk+1)
	w.space = false
}

func (w *textWriter) text(s string, pre bool) {
	for _, r := range s {
		if r == '\n' && pre {
			w.lineBreak()
			continue
		}
		if isSpace(r) && !pre {
			w.space = true
			continue
		}
		if w.b.Len() > 0 {
			switch {
			case w.brk > 0:
				w.b.WriteString("\n\n"[:w.brk])
			case w.space:
				w.b.WriteByte(' ')
			}
		}
		if w.brk > 0 || w.b.Len() == 0 {
			w.b.WriteString(w.prefix)
			w.prefix = ""
		}
		w.brk, w.space = 0, false
		w.b.WriteRune(r)
	}
}
