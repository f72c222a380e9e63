package csvfile

import (
	"fmt"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/plutopro/plutopro/internal/catalog"
)

// decodeText returns s as UTF-8. Valid UTF-8 is kept as it is. Otherwise
// every byte that is not part of a valid UTF-8 sequence is read as
// Windows-1252 (what Excel writes on Windows); valid sequences in the same
// value stay as they are. A byte that Windows-1252 leaves undefined (0x81,
// 0x8D, 0x8F, 0x90, 0x9D) makes the value unreadable: bad is that byte and
// ok is false. Nothing ever becomes U+FFFD.
func decodeText(s string) (out string, bad byte, ok bool) {
	if utf8.ValidString(s) {
		return s, 0, true
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size > 1 {
			b.WriteString(s[i : i+size])
			i += size
			continue
		}
		d := charmap.Windows1252.DecodeByte(s[i])
		if d == utf8.RuneError {
			return "", s[i], false
		}
		b.WriteRune(d)
		i++
	}
	return b.String(), 0, true
}

// Spreadsheet formula injection. A cell that starts with = + - @ (or a tab or
// carriage return) can run as a formula when the file is opened in a
// spreadsheet. The writer prefixes such a cell with one single quote; the
// readers remove exactly one leading single quote from such a cell. The rule
// looks through leading quotes ("'=x" is written "''=x"), so
// unescape(escape(s)) == s for every s and a re-import changes nothing.
// Plain numbers ("-5", "+1.5") are left alone.

func needsFormulaQuote(s string) bool {
	t := strings.TrimLeft(s, "'")
	if t == "" {
		return false
	}
	switch t[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return !isPlainNumber(t)
	}
	return false
}

func escapeFormula(s string) string {
	if needsFormulaQuote(s) {
		return "'" + s
	}
	return s
}

func unescapeFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && needsFormulaQuote(s[1:]) {
		return s[1:]
	}
	return s
}

// isPlainNumber reports whether s is an optionally signed decimal number.
func isPlainNumber(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, point := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !point:
			point = true
		default:
			return false
		}
	}
	return digits > 0
}

// slug makes a handle from a title: lower-case letters and digits (any
// script), other runs become one hyphen.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 200 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "product"
	}
	return b.String()
}

// splitList splits a comma-separated list, trims each item and drops empty
// ones, keeping order.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// status maps a status value (Shopify's, or a spreadsheet's yes/no) and the
// Published column to a catalog status. An unknown status is kept,
// lower-cased; none at all is active unless Published says false.
func status(s, published string) string {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "":
	case "enabled", "published", "visible", "yes", "true", "1", "live", "available":
		return catalog.StatusActive
	case "disabled", "unpublished", "hidden", "no", "false", "0":
		return catalog.StatusDraft
	default:
		return s
	}
	switch strings.ToLower(strings.TrimSpace(published)) {
	case "false", "no", "0":
		return catalog.StatusDraft
	}
	return catalog.StatusActive
}

// textToHTML turns plain text (an Etsy description) into HTML paragraphs:
// blank lines separate paragraphs, single newlines become <br>.
func textToHTML(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, p := range strings.Split(s, "\n\n") {
		p = strings.Trim(p, "\n")
		if strings.TrimSpace(p) == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(p), "\n", "<br>\n"))
		b.WriteString("</p>")
	}
	return b.String()
}

// clip shortens a value quoted in a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// quoted is a value as a message shows it.
func quoted(s string) string { return fmt.Sprintf("%q", clip(s, 60)) }

// size writes a byte count for a seller.
func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
