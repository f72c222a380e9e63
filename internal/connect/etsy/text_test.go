package etsy_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/connect/etsy"
)

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Plain text\r\nkept  as   is\n\n", "Plain text\nkept  as   is"},
		{"I <3 mugs & tea", "I <3 mugs & tea"},
		{"<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"<p>Line<br>next<br/>\n  line</p>", "Line\nnext\nline"},
		{"<p>a<br><br>b</p>", "a\n\nb"},
		{"<p>  Spaces   fold\n here </p>", "Spaces fold here"},
		{"<h2>Care</h2><ul><li>Hand wash</li><li>No <i>bleach</i></li></ul><p>Thanks</p>", "Care\n\n- Hand wash\n- No bleach\n\nThanks"},
		{"<ol><li>First</li><li>Second</li></ol>", "1. First\n2. Second"},
		{"<ul><li>Outer<ul><li>Inner</li></ul></li></ul>", "- Outer\n  - Inner"},
		{"<div>one</div><div>two</div>", "one\ntwo"},
		{"Tom &amp; Jerry&#39;s <b>mug</b> &lt;3", "Tom & Jerry's mug <3"},
		{"<p>x</p><script>alert(1)</script><style>p{}</style><p>y</p>", "x\n\ny"},
		{"<table><tr><td>Size</td><td>12 oz</td></tr><tr><td>Colour</td><td>Blue</td></tr></table>", "Size 12 oz\nColour Blue"},
		{"<pre>keep\n  this</pre>", "keep\n  this"},
		{"<!-- note --><p>Only</p>", "Only"},
		{"<p>Unclosed <b>bold", "Unclosed bold"},
	} {
		if got := etsy.HTMLToText(tc.in); got != tc.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTextToHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"One", "<p>One</p>"},
		{"One\ntwo\n\n\n<Three> & 'four'", "<p>One<br>\ntwo</p>\n<p>&lt;Three&gt; &amp; &#39;four&#39;</p>"},
		{"\r\n  padded  \r\n", "<p>padded</p>"},
	} {
		if got := etsy.TextToHTML(tc.in); got != tc.want {
			t.Errorf("TextToHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

var textSeeds = []string{
	"",
	"Hand-thrown mug.\n\nHolds 12 oz.\nDishwasher safe.",
	"- one\n- two\n\n1. three",
	"Tabs\tand  spaces \f here",
	"Entities &amp; <tags> stay text",
	"a\r\nb\rc",
	"\u00a0non-breaking\u00a0spaces\u00a0",
	"bad utf8 \xff\xfe end",
	"x\x00y",
}

// FuzzDescriptionRoundTrip checks that a description read from Etsy and
// written back unchanged gives Etsy the same text (spaces folded).
func FuzzDescriptionRoundTrip(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := etsy.TextToHTML(s)
		got := etsy.HTMLToText(h)
		if want := etsy.FoldText(s); got != want {
			t.Fatalf("round trip of %q:\nHTML %q\ngot  %q\nwant %q", s, h, got, want)
		}
	})
}

// FuzzHTMLToText checks that any input converts without panicking into
// valid UTF-8 with no markup-looking leftovers from tags.
func FuzzHTMLToText(f *testing.F) {
	for _, s := range append(textSeeds, "<p>a<br>b</p><ul><li>x</li></ul>", "<<p>>", "<ol><li><ol><li>", "<pre>\n\n</pre>", "<scr<script>ipt>") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := etsy.HTMLToText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("HTMLToText(%q) = %q is not UTF-8", s, got)
		}
		if !strings.Contains(s, "<") && got != strings.TrimSpace(strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(strings.ToValidUTF8(s, "\uFFFD"))) {
			t.Fatalf("plain %q became %q", s, got)
		}
	})
}
