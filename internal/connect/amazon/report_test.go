package amazon

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/connect"
)

func TestParseReport(t *testing.T) {
	header := "item-name\titem-description\tlisting-id\tseller-sku\tprice\n"
	cases := []struct {
		name, text, contentType string
		want                    []string
	}{
		{"plain", header + "A\t\t1\tSKU-1\t5\nB\t\t2\tSKU-2\t6\n", "text/plain;charset=UTF-8", []string{"SKU-1", "SKU-2"}},
		{"crlf bom no final newline", "\ufeff" + strings.ReplaceAll(header, "\n", "\r\n") + "A\t\t1\tSKU-1\t5\r\nB\t\t2\tSKU-2\t6", "", []string{"SKU-1", "SKU-2"}},
		{"repeats and blanks", header + "A\t\t1\tSKU-1\t5\n\nA\t\t1\tSKU-1\t5\nC\t\t3\t\t7\nshort\n", "text/plain", []string{"SKU-1"}},
		{"cp1252", header + "Caf\xe9\t\t1\tCAF\xc9-1\t5\n", "text/plain;charset=Cp1252", []string{"CAFÉ-1"}},
		{"header only", header, "text/plain", nil},
	}
	for _, tc := range cases {
		got, err := parseReport(strings.NewReader(tc.text), tc.contentType)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	var se *connect.StoreError
	if _, err := parseReport(strings.NewReader("a\tb\n1\t2\n"), ""); !errors.As(err, &se) {
		t.Errorf("no seller-sku column: %v", err)
	}
	if _, err := parseReport(strings.NewReader(""), ""); !errors.As(err, &se) {
		t.Errorf("empty report: %v", err)
	}
}

func TestCursor(t *testing.T) {
	for _, cu := range []cursor{{Report: "123"}, {Doc: "amzn1.spdoc.1.4.na.x", Offset: 40}} {
		got, err := decodeCursor(cu.encode())
		cu.V = 1
		if err != nil || got != cu {
			t.Errorf("round trip of %+v = %+v, %v", cu, got, err)
		}
	}
	if got, err := decodeCursor(""); err != nil || got != (cursor{}) {
		t.Errorf("empty cursor = %+v, %v", got, err)
	}
	for _, bad := range []string{"%%%", cursor{}.encode(), cursor{Doc: "d", Offset: -1}.encode()} {
		if _, err := decodeCursor(bad); !errors.Is(err, errBadCursor) {
			t.Errorf("cursor %q: %v", bad, err)
		}
	}
}
