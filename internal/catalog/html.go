package catalog

import (
	"html"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	nethtml "golang.org/x/net/html"
)

// bodyPolicy allows the formatting a product description uses (paragraphs,
// lists, emphasis, links, tables, images) and nothing executable: no script,
// no event handlers, no javascript: URLs, no style.
var bodyPolicy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowURLSchemes("http", "https", "mailto")
	return p
})

// SanitizeHTML returns body HTML safe to put in a page. Stored bodies stay as
// imported; this runs every time one is shown.
func SanitizeHTML(s string) string { return bodyPolicy().Sanitize(s) }

// PlainText turns body HTML into readable text: tags dropped, entities
// decoded, block elements become line breaks, whitespace folded.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return foldSpace(s)
	}
	var b strings.Builder
	z := nethtml.NewTokenizer(strings.NewReader(s))
	skip := 0 // inside script/style
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			return foldSpace(b.String())
		case nethtml.TextToken:
			if skip == 0 {
				b.WriteString(html.UnescapeString(string(z.Text())))
			}
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken, nethtml.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				if tt == nethtml.EndTagToken {
					skip = max(0, skip-1)
				} else if tt == nethtml.StartTagToken {
					skip++
				}
			case "br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article", "blockquote":
				b.WriteByte('\n')
			case "td", "th", "img", "hr":
				b.WriteByte(' ')
			}
		}
	}
}

// foldSpace collapses runs of spaces within lines and blank lines.
func foldSpace(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
