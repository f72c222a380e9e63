package catalog

import (
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"19.99", "19.99", true},
		{"19.90", "19.9", true},
		{" 1,299.00 ", "1299", true},
		{"$5", "5", true},
		{"0.5", "0.5", true},
		{".5", "0.5", true},
		{"007", "7", true},
		{"0", "0", true},
		{"-3", "", false},
		{"abc", "", false},
		{"1e5", "", false},
		{"1.2.3", "", false},
		{"", "", false},
		{"1.1234567", "", false},
		{"NaN", "", false},
		{"4,50", "", false},
		{"1,299", "1299", true},
		{"12,34,567", "", false},
	}
	for _, c := range cases {
		got, err := ParseAmount(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseAmount(%q) = %q, %v; want %q, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
	for in, want := range map[string]string{"5": "5.00", "19.9": "19.90", "0.125": "0.125"} {
		if got := FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSanitizeHTML(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<svg onload=alert(1)>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		`<a href="JaVaScRiPt:alert(1)">x</a>`,
		`<body onload=alert(1)>`,
		`<object data="x.swf"></object>`,
	}
	for _, h := range hostile {
		out := strings.ToLower(SanitizeHTML("<p>Safe</p>" + h))
		for _, bad := range []string{"<script", "onerror", "onload", "javascript:", "<iframe", "<object", "style="} {
			if strings.Contains(out, bad) {
				t.Errorf("SanitizeHTML(%q) = %q, still has %q", h, out, bad)
			}
		}
		if !strings.Contains(out, "<p>safe</p>") {
			t.Errorf("SanitizeHTML dropped the safe part: %q", out)
		}
	}
	if got := SanitizeHTML(`<ul><li><strong>Cotton</strong></li></ul><a href="https://shop.example/x">link</a>`); !strings.Contains(got, "<strong>Cotton</strong>") || !strings.Contains(got, `rel="nofollow`) {
		t.Errorf("formatting lost or link not nofollow: %q", got)
	}
}

func TestPlainText(t *testing.T) {
	cases := map[string]string{
		"<p>Ocean blue <b>cotton</b> shirt.</p><p>Long sleeves.</p>": "Ocean blue cotton shirt.\nLong sleeves.",
		"Plain   text":                          "Plain text",
		"Caf&eacute; &amp; bar":                 "Café & bar",
		"<ul><li>One</li><li>Two</li></ul>":     "One\nTwo",
		"a<script>alert(1)</script>b":           "ab",
		"<style>p{color:red}</style>Text<br>Go": "Text\nGo",
	}
	for in, want := range cases {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContentHash(t *testing.T) {
	p := &Product{Source: SourceFile, Handle: "h", Title: "T", Tags: []string{"a", "b"}, Metadata: map[string]string{"x": "1"}}
	q := *p
	if p.ContentHash() != q.ContentHash() {
		t.Fatal("equal products hash differently")
	}
	q.Title = "T2"
	if p.ContentHash() == q.ContentHash() {
		t.Fatal("a changed title keeps the hash")
	}
	// Text moved between fields must change the hash.
	a := &Product{Title: "ab", Vendor: "c"}
	b := &Product{Title: "a", Vendor: "bc"}
	if a.ContentHash() == b.ContentHash() {
		t.Fatal("shifting text between fields keeps the hash")
	}
	q = *p
	q.ID, q.BrandID = "other", "other"
	if p.ContentHash() != q.ContentHash() {
		t.Fatal("ids change the hash")
	}
}
