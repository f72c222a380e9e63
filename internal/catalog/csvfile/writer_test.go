package csvfile_test

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
)

var plainNumber = regexp.MustCompile(`^[+-]?[0-9]*\.?[0-9]+$`)

func intp(n int) *int { return &n }

// richProduct uses every field the writer writes, and cells a spreadsheet
// would run as formulas.
func richProduct() *catalog.Product {
	return &catalog.Product{
		Source: catalog.SourceFile, Handle: "=mug", Title: "=HYPERLINK(\"http://evil\",\"click\")",
		BodyHTML: "<p>Two\nlines, \"quoted\"</p>", Vendor: "+Acme", ProductType: "@Mugs", Category: "-Kitchen",
		Tags: []string{"-gift", "kitchen"}, Status: "draft", Published: "false",
		SEOTitle: "'=already quoted", SEODescription: "\ttabbed",
		Options:  []catalog.Option{{Name: "Size", Values: []string{"S", "-L"}}, {Name: "Colour", Values: []string{"Red"}}},
		Metadata: map[string]string{"Gift Card": "false", "=Formula column": "+1", "Notes": "'hello"},
		Variants: []catalog.Variant{
			{SKU: "MUG-S", OptionValues: []string{"S", "Red"}, Price: &catalog.Money{Amount: "5", Currency: "EUR"},
				CompareAtPrice: &catalog.Money{Amount: "7.5", Currency: "EUR"}, Grams: "-1", WeightUnit: "g", InventoryQty: intp(-5),
				Barcode: "+0123", ImageSrc: "https://x/red.jpg", Metadata: map[string]string{"Variant Taxable": "true", "Cost per item": "2"}},
			{SKU: "MUG-L", OptionValues: []string{"-L", "Red"}, Price: &catalog.Money{Amount: "6", Currency: "EUR"}},
		},
		Images: []catalog.Image{
			{Src: "https://x/1.jpg", Position: 1, Alt: "=1+1"},
			{Src: "https://x/2.jpg", Position: 2},
			{Src: "https://x/red.jpg", Position: 3, VariantSKUs: []string{"MUG-S"}},
		},
	}
}

func TestWriterHeader(t *testing.T) {
	var buf bytes.Buffer
	w, err := csvfile.NewShopifyWriter(&buf, []string{"Gift Card", "Google Shopping / MPN", "Gift Card"}, []string{"Variant Taxable", "Cost per item"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Variant Barcode,Image Src,Image Position,Image Alt Text,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Status," +
		"Gift Card,Google Shopping / MPN,Cost per item,Variant Taxable\n"
	if got := buf.String(); got != want {
		t.Errorf("header =\n%s\nwant\n%s", got, want)
	}
}

func TestWriterRows(t *testing.T) {
	p := richProduct()
	out := export(t, []*catalog.Product{p})
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("rows = %d, want header + 3", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, c := range []struct {
		row  int
		col  string
		want string
	}{
		{1, "Handle", "'=mug"}, {2, "Handle", "'=mug"}, {3, "Handle", "'=mug"},
		{1, "Title", `'=HYPERLINK("http://evil","click")`}, {2, "Title", ""},
		{1, "Vendor", "'+Acme"}, {1, "Tags", "'-gift, kitchen"}, {1, "SEO Title", "''=already quoted"},
		{1, "SEO Description", "'\ttabbed"}, {1, "Notes", "'hello"}, {1, "'=Formula column", "+1"},
		{1, "Variant Inventory Qty", "-5"}, {1, "Variant Grams", "-1"}, {1, "Variant Price", "5.00"},
		{1, "Variant Compare At Price", "7.50"}, {1, "Variant Currency", "EUR"}, {1, "Variant Barcode", "+0123"},
		{2, "Option1 Value", "'-L"}, {2, "Variant Image", ""}, {3, "Variant SKU", ""},
		{3, "Image Src", "https://x/red.jpg"}, {3, "Image Position", "3"}, {1, "Image Alt Text", "'=1+1"},
		{1, "Status", "draft"}, {1, "Published", "false"}, {1, "Variant Taxable", "true"},
	} {
		i, ok := col[c.col]
		if !ok {
			t.Errorf("no column %q", c.col)
			continue
		}
		if got := rows[c.row][i]; got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
	// No cell starts a formula.
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsAny(cell[:1], "=+-@\t\r") && !plainNumber.MatchString(cell) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if msg, ok := roundTripErr([]*catalog.Product{p}); !ok {
		t.Fatal(msg)
	}
}

// A variant linked to an image only through Image.VariantSKUs gets its
// Variant Image written.
func TestWriterVariantSKUs(t *testing.T) {
	p := &catalog.Product{Handle: "a", Status: "active",
		Variants: []catalog.Variant{{SKU: "A1"}},
		Images:   []catalog.Image{{Src: "https://x/a.jpg", Position: 1, VariantSKUs: []string{"A1"}}},
	}
	res := read(t, export(t, []*catalog.Product{p}), csvfile.Options{})
	if got := res.products[0].Variants[0].ImageSrc; got != "https://x/a.jpg" {
		t.Errorf("variant image = %q", got)
	}
}

func TestWriterRefuses(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct {
		name             string
		product, variant []string
	}{
		{"standard column as metadata", []string{"Title"}, nil},
		{"variant column as product metadata", []string{"Variant Taxable"}, nil},
		{"product column as variant metadata", nil, []string{"Gift Card"}},
	} {
		if _, err := csvfile.NewShopifyWriter(&buf, c.product, c.variant); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	w, err := csvfile.NewShopifyWriter(&buf, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*catalog.Product{
		"metadata without a column": {Handle: "a", Metadata: map[string]string{"Notes": "x"}},
		"currency without a column": {Handle: "a", Variants: []catalog.Variant{{Price: &catalog.Money{Amount: "1", Currency: "USD"}}}},
		"no handle":                 {Title: "x"},
		"four options":              {Handle: "a", Options: make([]catalog.Option, 4)},
	} {
		if err := w.Write(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
