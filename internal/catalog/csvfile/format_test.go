package csvfile_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
)

func TestNotCSV(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opts   csvfile.Options
		reason string
	}{
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", csvfile.Options{}, "this is an image, not CSV"},
		{"json object", `{"products":[{"title":"Mug","price":"5"}]}`, csvfile.Options{}, "this looks like JSON, not CSV"},
		{"json array", "[\n {\"title\": \"Mug\"}\n]\n", csvfile.Options{}, "this looks like JSON, not CSV"},
		{"html", "<!DOCTYPE html><html><body>Handle,Title</body></html>", csvfile.Options{}, "this looks like HTML or XML, not CSV"},
		{"empty", "", csvfile.Options{}, "the file is empty"},
		{"blank lines", "\n\r\n  \n", csvfile.Options{}, "the file is empty"},
		{"bom only", "\xef\xbb\xbf", csvfile.Options{}, "the file is empty"},
		{"no usable columns", "foo,bar,baz\n1,2,3\n", csvfile.Options{}, "no usable columns"},
		{"nul on line 1", "Handle,Ti\x00tle\na,b\n", csvfile.Options{}, "binary data (NUL byte) on line 1"},
		{"binary later", "abc\ndef\x00\x01\x02", csvfile.Options{}, "binary data (NUL byte) on line 2"},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", csvfile.Options{}, "this is a ZIP file"},
		{"utf-16", "\xff\xfeH\x00a\x00n\x00d\x00", csvfile.Options{}, "the file is UTF-16 text"},
		{"header not csv", "Handle,\"Title\nno end", csvfile.Options{}, "line 1 is not a CSV header"},
		{"not shopify", "Name,Price\nMug,5\n", csvfile.Options{Format: csvfile.FormatShopify}, "no Handle column: this is not a Shopify product CSV"},
		{"not etsy", "Name,Price\nMug,5\n", csvfile.Options{Format: csvfile.FormatEtsy}, "no TITLE column: this is not an Etsy listings CSV"},
		{"generic without title or sku", "Price,Colour\n5,red\n", csvfile.Options{Format: csvfile.FormatGeneric}, "no usable columns"},
		{"duplicate column", "Handle,Title,Title\na,b,c\n", csvfile.Options{}, `columns "Title" and "Title" hold the same thing`},
		{"undecodable header", "Handle,Ti\x81tle\n", csvfile.Options{}, "the header is neither UTF-8 nor Windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := csvfile.NewReader(strings.NewReader(tt.in), tt.opts)
			if !errors.Is(err, csvfile.ErrNotCSV) {
				t.Fatalf("NewReader = %v, %v; want ErrNotCSV", r, err)
			}
			if !strings.HasPrefix(err.Error(), tt.reason) {
				t.Errorf("error = %q, want it to start %q", err, tt.reason)
			}
		})
	}
}

// Errors in the caller's options are not ErrNotCSV.
func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name, in string
		opts     csvfile.Options
		want     string
	}{
		{"unknown format", "Name\nx\n", csvfile.Options{Format: "amazon"}, `unknown format "amazon"`},
		{"unknown field", "Name,Colour\nx,y\n", csvfile.Options{Map: map[string]string{"Colour": "colour"}}, `--map Colour=colour: unknown field "colour"`},
		{"unknown column", "Name,Colour\nx,y\n", csvfile.Options{Map: map[string]string{"Size": "title"}}, `--map: the file has no column "Size"`},
		{"two columns one field", "Name,Colour\nx,y\n", csvfile.Options{Map: map[string]string{"Name": "sku", "Colour": "sku"}}, `--map: columns "Colour" and "Name" are both mapped to sku`},
		{"map on a shopify file", "Handle,Title\na,b\n", csvfile.Options{Map: map[string]string{"Title": "sku"}}, "--map is for generic CSV files"},
	}
	for _, tt := range tests {
		_, err := csvfile.NewReader(strings.NewReader(tt.in), tt.opts)
		if err == nil || errors.Is(err, csvfile.ErrNotCSV) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q…", tt.name, err, tt.want)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		header string
		want   csvfile.Format
	}{
		{"Handle,Title,Body (HTML)", csvfile.FormatShopify},
		{"Title,URL handle,Description", csvfile.FormatShopify},
		{"handle,title", csvfile.FormatShopify},
		{"TITLE,DESCRIPTION,PRICE,CURRENCY_CODE,QUANTITY,TAGS,MATERIALS,IMAGE1", csvfile.FormatEtsy},
		{"Product Name,Price", csvfile.FormatGeneric},
		{"SKU,Stock", csvfile.FormatGeneric},
		{"Handle,Name,Price", csvfile.FormatGeneric},
		{"Colour,Size", ""},
	}
	for _, tt := range tests {
		got, err := csvfile.Detect(strings.Split(tt.header, ","))
		if got != tt.want || (tt.want == "") != errors.Is(err, csvfile.ErrNotCSV) {
			t.Errorf("Detect(%s) = %q, %v; want %q", tt.header, got, err, tt.want)
		}
	}
}

func TestGenericHeaderMatching(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		opts   csvfile.Options
		handle string
		check  func(p *catalog.Product) string // what is wrong, or ""
	}{
		{
			name: "spreadsheet names",
			in: "Product Name,Item SKU,Long Description,Regular Price,Image URL,Brand,Product Type,Keywords,Qty,UPC,Colour\n" +
				"Blue Mug,MUG-1,Nice mug,\"1,212.50\",https://x/m.jpg,Acme,Mugs,\"kitchen, gift\",7,0123,blue\n",
			handle: "MUG-1",
			check: func(p *catalog.Product) string {
				v := p.Variants[0]
				return want(p.Title == "Blue Mug" && p.BodyHTML == "Nice mug" && p.Vendor == "Acme" && p.ProductType == "Mugs" &&
					fmt.Sprint(p.Tags) == "[kitchen gift]" && len(p.Images) == 1 && p.Images[0].Src == "https://x/m.jpg" &&
					v.SKU == "MUG-1" && v.Price.Amount == "1212.5" && *v.InventoryQty == 7 && v.Barcode == "0123" &&
					p.Metadata["Colour"] == "blue")
			},
		},
		{
			name: "lower-case and punctuation",
			in: "name,description,price,compare_at_price,currency,image,manufacturer,category,tags,sku,GTIN,stock,status,Meta Title,meta-description,weight (g)\n" +
				"Cap,A cap,5,7,eur,https://x/c.jpg,Hats Inc,Hats,,CAP,999,3,Disabled,Cap!,Buy a cap,120\n",
			handle: "CAP",
			check: func(p *catalog.Product) string {
				v := p.Variants[0]
				return want(p.Title == "Cap" && p.Vendor == "Hats Inc" && p.Category == "Hats" && p.Status == "draft" &&
					p.SEOTitle == "Cap!" && p.SEODescription == "Buy a cap" && v.Grams == "120" &&
					*v.Price == catalog.Money{Amount: "5", Currency: "EUR"} && *v.CompareAtPrice == catalog.Money{Amount: "7", Currency: "EUR"} &&
					v.Barcode == "999" && *v.InventoryQty == 3)
			},
		},
		{
			name:   "no sku: handle from the title; unmatched columns are metadata",
			in:     "Title,Sale Price,Main Image,Notes\nLinen Scarf — Blue,9.99,https://x/s.jpg,\"=careful\"\n",
			handle: "linen-scarf-blue",
			check: func(p *catalog.Product) string {
				return want(len(p.Variants) == 0 && p.Metadata["Sale Price"] == "9.99" && p.Metadata["Notes"] == "=careful" &&
					p.Images[0].Src == "https://x/s.jpg" && p.Status == "active")
			},
		},
		{
			name:   "map overrides",
			in:     "Artikel,Bezeichnung,Preis,Name\nA-1,Tasse,4.5,Becher\n",
			opts:   csvfile.Options{Map: map[string]string{"artikel": "sku", "Bezeichnung": "title", "PREIS": "price", "Name": "seo_title"}},
			handle: "A-1",
			check: func(p *catalog.Product) string {
				return want(p.Title == "Tasse" && p.SEOTitle == "Becher" && p.Variants[0].SKU == "A-1" && p.Variants[0].Price.Amount == "4.5")
			},
		},
		{
			name:   "a second column named like a Shopify column is kept",
			in:     "Name,Description,Body (HTML),Price,Variant Price\nMug,short,<p>long</p>,1,2\n",
			handle: "mug",
			check: func(p *catalog.Product) string {
				return want(p.BodyHTML == "short" && p.Metadata["csv:Body (HTML)"] == "<p>long</p>" &&
					p.Variants[0].Price.Amount == "1" && p.Metadata["csv:Variant Price"] == "2")
			},
		},
		{
			name:   "semicolons",
			in:     "Name;SKU;Price\nMug;M1;\"4,50\"\n",
			handle: "M1",
			check: func(p *catalog.Product) string {
				return want(p.Title == "Mug" && p.Variants[0].Price.Amount == "4.5")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, []byte(tt.in), tt.opts)
			if len(res.products) != 1 || len(res.rejects) > 0 {
				t.Fatalf("products %d rejects %v", len(res.products), res.rejects)
			}
			p := res.products[0]
			if p.Handle != tt.handle {
				t.Errorf("handle = %q, want %q", p.Handle, tt.handle)
			}
			if msg := tt.check(p); msg != "" {
				t.Errorf("%s:\n%s", msg, dump(p))
			}
			if msg, ok := roundTripErr(res.products); !ok {
				t.Error(msg)
			}
		})
	}
}

func want(ok bool) string {
	if ok {
		return ""
	}
	return "fields not as expected"
}

func TestGenericRows(t *testing.T) {
	tests := []struct {
		name, in string
		handles  string
		rejects  []reject
	}{
		{
			name:    "handle column groups variants",
			in:      "Handle,Name,SKU,Price,Image\ntee,T-Shirt,TEE-S,10,https://x/t.jpg\ntee,,TEE-M,10,\ntee,,TEE-L,11,https://x/t.jpg\nmug,Mug,MUG,5,\n",
			handles: "tee:3 mug:1",
		},
		{
			name:    "parent SKU groups variations after their parent",
			in:      "SKU,Parent SKU,Name,Price\nTEE,,T-Shirt,\nTEE-S,TEE,,10\nTEE-M,TEE,,10\nMUG,,Mug,5\n",
			handles: "TEE:3 MUG:1",
		},
		{
			name:    "rows without handle or sku are products of their own",
			in:      "Handle,Name,Price\n,Mug,1\n,Mug,2\n",
			handles: "mug:1 mug-2:1",
		},
		{
			name:    "same title twice",
			in:      "Name,Price\nMug,1\nMug,2\nMug-2,3\n",
			handles: "mug:1 mug-2:1 mug-2-2:1",
		},
		{
			name:    "neither title nor sku",
			in:      "Name,SKU,Price\nMug,,1\n,,5\n,S,6\n",
			handles: "mug:1 S:1",
			rejects: []reject{{3, "the row has neither a name/title nor a SKU"}},
		},
		{
			name:    "bad price",
			in:      "Name,Price\nMug,free\nCup,1\n",
			handles: "cup:1",
			rejects: []reject{{2, `Price "free" is not a number`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := read(t, []byte(tt.in), csvfile.Options{})
			var got []string
			for _, p := range res.products {
				got = append(got, fmt.Sprintf("%s:%d", p.Handle, len(p.Variants)))
			}
			if g := strings.Join(got, " "); g != tt.handles {
				t.Errorf("products = %q, want %q", g, tt.handles)
			}
			if len(res.rejects) != len(tt.rejects) {
				t.Fatalf("rejects = %v, want %v", res.rejects, tt.rejects)
			}
			for i, w := range tt.rejects {
				if g := res.rejects[i]; g.Line != w.line || !strings.HasPrefix(g.Reason, w.reason) {
					t.Errorf("reject = %v, want line %d: %s", g, w.line, w.reason)
				}
			}
			if msg, ok := roundTripErr(res.products); !ok {
				t.Error(msg)
			}
		})
	}
}

// etsyListings is an Etsy listings download written by hand after Etsy's
// column set.
const etsyListings = "TITLE,DESCRIPTION,PRICE,CURRENCY_CODE,QUANTITY,TAGS,MATERIALS,IMAGE1,IMAGE2,IMAGE3,IMAGE4,IMAGE5,IMAGE6,IMAGE7,IMAGE8,IMAGE9,IMAGE10,VARIATION 1 TYPE,VARIATION 1 NAME,VARIATION 1 VALUES,VARIATION 2 TYPE,VARIATION 2 NAME,VARIATION 2 VALUES,SKU\n" +
	"Handmade Mug,\"A lovely mug.\n\nHolds 350 ml & is <dishwasher> safe.\nMade in Leeds.\",24.00,USD,5,\"mug,ceramic, gift\",stoneware,https://i.etsystatic.com/1.jpg,https://i.etsystatic.com/2.jpg,,,,,,,,,,,,,,,MUG-01\n" +
	"Linen Scarf,Soft scarf,35.5,eur,10,scarf,linen,,https://i.etsystatic.com/3.jpg,,,,,,,,,Color,Colour,\"Red, Blue\",Size,,\"S,M,S\",\n" +
	",No title,1,USD,1,,,,,,,,,,,,,,,,,,,\n" +
	"Sticker,Cute,0.5,USD,many,,,,,,,,,,,,,,,,,,,\n"

func TestEtsy(t *testing.T) {
	res := read(t, []byte(etsyListings), csvfile.Options{})
	if got, want := fmt.Sprint(res.rejects), `[line 7: the listing has neither a TITLE nor a SKU line 8: QUANTITY "many" is not a whole number]`; got != want {
		t.Errorf("rejects = %s, want %s", got, want)
	}
	if len(res.products) != 2 {
		t.Fatalf("products = %d, want 2", len(res.products))
	}
	mug, scarf := res.products[0], res.products[1]
	if got, want := mug.BodyHTML, "<p>A lovely mug.</p>\n<p>Holds 350 ml &amp; is &lt;dishwasher&gt; safe.<br>\nMade in Leeds.</p>"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if mug.Handle != "MUG-01" || mug.Metadata["etsy:description"] != "A lovely mug.\n\nHolds 350 ml & is <dishwasher> safe.\nMade in Leeds." ||
		mug.Metadata["etsy:materials"] != "stoneware" || fmt.Sprint(mug.Tags) != "[mug ceramic gift]" {
		t.Errorf("mug = %s", dump(mug))
	}
	if len(mug.Variants) != 1 || mug.Variants[0].SKU != "MUG-01" || *mug.Variants[0].Price != (catalog.Money{Amount: "24", Currency: "USD"}) ||
		*mug.Variants[0].InventoryQty != 5 || len(mug.Images) != 2 || mug.Images[1].Position != 2 {
		t.Errorf("mug = %s", dump(mug))
	}
	if scarf.Handle != "linen-scarf" || fmt.Sprint(scarf.Options) != "[{Colour [Red Blue]} {Size [S M]}]" || len(scarf.Variants) != 4 ||
		fmt.Sprint(scarf.Variants[1].OptionValues) != "[Red M]" || scarf.Variants[3].Price.Currency != "EUR" ||
		scarf.Metadata["etsy:quantity"] != "10" || scarf.Metadata["etsy:variation 1 type"] != "Color" || scarf.Images[0].Position != 2 {
		t.Errorf("scarf = %s", dump(scarf))
	}
	if msg, ok := roundTripErr(res.products); !ok {
		t.Error(msg)
	}
}
