package web

import (
	"strings"
	"testing"
)

func TestBodyHTML(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // substrings of the output
		not      []string
	}{
		{"plain", "<p>Soft <b>cotton</b>.</p>", []string{"<p>Soft <b>cotton</b>.</p>"}, nil},
		{"script", `<p>a</p><script>alert(1)</script>`, []string{"<p>a</p>"}, []string{"script", "alert"}},
		{"image becomes a link", `<p><img src="https://cdn.example.com/a.jpg" alt="A blue mug"></p>`,
			[]string{`<a class="body-image" href="https://cdn.example.com/a.jpg" rel="noopener noreferrer nofollow">[Image: A blue mug]</a>`}, []string{"<img"}},
		{"image inside a link becomes text", `<a href="https://example.com/">see <img src="https://cdn.example.com/a.jpg"></a>`,
			[]string{`<span class="body-image">[Image]</span></a>`}, []string{"<img", "cdn.example.com"}},
		{"event handler", `<img src=x onerror=alert(1)>`, nil, []string{"onerror", "<img", "alert"}},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, []string{"x"}, []string{"javascript:"}},
		{"entities kept", `<p>Fish &amp; chips &lt;3</p><img src="https://x.example/i.png">`, []string{"Fish &amp; chips &lt;3"}, []string{"<img"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(bodyHTML(tt.in))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("bodyHTML(%q) = %q, want it to hold %q", tt.in, got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("bodyHTML(%q) = %q, holds %q", tt.in, got, n)
				}
			}
		})
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{
		"":               "",
		"plain reason":   "plain reason",
		"=1+1":           "'=1+1",
		"+SUM(A1)":       "'+SUM(A1)",
		"-2":             "'-2",
		"@cmd":           "'@cmd",
		"\t=1":           "'\t=1",
		"a = b":          "a = b",
		"the Handle = x": "the Handle = x",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseColumnMap(t *testing.T) {
	m, err := parseColumnMap("Product name = title\r\n\r\n  Code=sku \nA=B=price\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Product name": "title", "Code": "sku", "A=B": "price"}
	if len(m) != len(want) {
		t.Fatalf("parseColumnMap = %v, want %v", m, want)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("parseColumnMap[%q] = %q, want %q", k, m[k], v)
		}
	}
	if m, err := parseColumnMap(" \n"); err != nil || m != nil {
		t.Errorf("blank map = %v, %v; want nil", m, err)
	}
	for _, bad := range []string{"title", "=title", "Name=", "ok=title\nbad"} {
		if _, err := parseColumnMap(bad); err == nil {
			t.Errorf("parseColumnMap(%q) succeeded", bad)
		}
	}
}
