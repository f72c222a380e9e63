package csvfile_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
)

func TestSampleCounts(t *testing.T) {
	tests := []struct {
		file                        string
		products, variants, images  int
		firstHandle, firstTitle     string
		variantImages, linkedImages int
	}{
		{"apparel.csv", 20, 22, 20, "ocean-blue-shirt", "Ocean Blue Shirt", 0, 0},
		{"home-and-garden.csv", 20, 21, 21, "clay-plant-pot", "Clay Plant Pot", 0, 0},
		{"jewelery.csv", 20, 23, 41, "", "", 6, 6},
	}
	var np, nv, ni int
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := read(t, mustSample(t, tt.file), csvfile.Options{})
			if len(res.rejects) > 0 {
				t.Fatalf("rejects: %v", res.rejects)
			}
			var v, im, vimg, linked int
			for _, p := range res.products {
				v += len(p.Variants)
				im += len(p.Images)
				for _, x := range p.Variants {
					if x.ImageSrc != "" {
						vimg++
					}
				}
				for _, x := range p.Images {
					linked += len(x.VariantSKUs)
				}
			}
			if got, want := [3]int{len(res.products), v, im}, [3]int{tt.products, tt.variants, tt.images}; got != want {
				t.Errorf("products, variants, images = %v, want %v", got, want)
			}
			if vimg != tt.variantImages {
				t.Errorf("variants with an image = %d, want %d", vimg, tt.variantImages)
			}
			if tt.firstHandle != "" {
				if p := res.products[0]; p.Handle != tt.firstHandle || p.Title != tt.firstTitle {
					t.Errorf("first product = %q %q, want %q %q", p.Handle, p.Title, tt.firstHandle, tt.firstTitle)
				}
			}
			np, nv, ni = np+len(res.products), nv+v, ni+im
		})
	}
	if !t.Failed() && np > 0 {
		if got, want := [3]int{np, nv, ni}, [3]int{60, 66, 82}; got != want {
			t.Errorf("total products, variants, images = %v, want %v", got, want)
		}
	}
}

// A closer look at one sample product with options, variant images and
// metadata.
func TestSampleProduct(t *testing.T) {
	res := read(t, mustSample(t, "jewelery.csv"), csvfile.Options{})
	var gem *catalog.Product
	for _, p := range res.products {
		if p.Handle == "gemstone" {
			gem = p
		}
	}
	if gem == nil {
		t.Fatal("no product gemstone")
	}
	if got, want := fmt.Sprint(gem.Options), "[{Colour [Blue Purple]}]"; got != want {
		t.Errorf("options = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(gem.Tags), "[Blue Gem Purple Silver Turquoise]"; got != want {
		t.Errorf("tags = %s, want %s", got, want)
	}
	if gem.Status != catalog.StatusActive || gem.Published != "true" || gem.Vendor != "Sterling Ltd" || gem.ProductType != "Necklace" {
		t.Errorf("status %q published %q vendor %q type %q", gem.Status, gem.Published, gem.Vendor, gem.ProductType)
	}
	if len(gem.Variants) != 2 || len(gem.Images) != 4 {
		t.Fatalf("variants %d images %d, want 2 and 4", len(gem.Variants), len(gem.Images))
	}
	v := gem.Variants[1]
	if v.Price == nil || v.Price.Amount != "27.99" || v.CompareAtPrice == nil || v.CompareAtPrice.Amount != "29.99" {
		t.Errorf("prices = %+v %+v", v.Price, v.CompareAtPrice)
	}
	if v.InventoryQty == nil || *v.InventoryQty != 0 || v.Grams != "0" || v.WeightUnit != "kg" {
		t.Errorf("qty %v grams %q unit %q", v.InventoryQty, v.Grams, v.WeightUnit)
	}
	if got := v.Metadata["Variant Inventory Policy"]; got != "deny" {
		t.Errorf("variant metadata Variant Inventory Policy = %q, want deny", got)
	}
	if got := gem.Metadata["Gift Card"]; got != "false" {
		t.Errorf("product metadata Gift Card = %q, want false", got)
	}
	// The second variant's image is the fourth image, not the second row's.
	if v.ImageSrc != gem.Images[3].Src || gem.Images[3].Position != 4 {
		t.Errorf("variant image %q, image 4 %q at %d", v.ImageSrc, gem.Images[3].Src, gem.Images[3].Position)
	}
}

func TestSampleRoundTrip(t *testing.T) {
	for _, f := range sampleFiles {
		t.Run(f, func(t *testing.T) {
			first := read(t, mustSample(t, f), csvfile.Options{})
			if msg, ok := roundTripErr(first.products); !ok {
				t.Fatal(msg)
			}
			// An export of an export is the same file.
			out := export(t, first.products)
			again := read(t, out, csvfile.Options{})
			if out2 := export(t, again.products); !bytes.Equal(out, out2) {
				t.Errorf("second export differs from the first")
			}
		})
	}
}

// Byte-order marks and line endings do not change what is read.
func TestLineEndingsAndBOM(t *testing.T) {
	for _, f := range sampleFiles {
		t.Run(f, func(t *testing.T) {
			orig := mustSample(t, f)
			lf := bytes.ReplaceAll(orig, []byte("\r\n"), []byte("\n"))
			crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
			cr := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r"))
			bom := []byte("\xef\xbb\xbf")
			want := hashes(read(t, lf, csvfile.Options{}).products)
			for name, data := range map[string][]byte{
				"crlf": crlf, "bom+lf": append(bom, lf...), "bom+crlf": append(bom, crlf...),
				"old mac cr": cr, "no final newline": bytes.TrimRight(lf, "\n"),
			} {
				res := read(t, data, csvfile.Options{})
				if got := hashes(res.products); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: products differ from LF", name)
				}
				if len(res.rejects) > 0 {
					t.Errorf("%s: rejects %v", name, res.rejects)
				}
			}
		})
	}
}

// Multi-line quoted values keep their newlines, and the line numbers of
// later rows are physical lines.
func TestMultilineValues(t *testing.T) {
	const in = "Handle,Title,Body (HTML),Vendor,Tags,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Image Position,Status\r\n" + // 1
		"mug,Mug,\"<p>Line one\r\n" + // 2
		"line two</p>\r\n" + // 3
		"<p>line \"\"three\"\"</p>\",Acme,\"b, a,, \",Size,Small,MUG-S,10.00,https://x/mug1.jpg,1,Active\r\n" + // 4
		"mug,,,,,,Large,MUG-L,12.50,https://x/mug2.jpg,2,\r\n" + // 5
		"mug,,,,,,Huge,MUG-H,abc,,,\r\n" + // 6: bad price
		"\r\n" + // 7: blank
		"cap,Cap,\"multi\n" + // 8
		"line\",Acme,,,,CAP,5,,,draft\n" + // 9
		"cap,,,,,,,,,https://x/cap.jpg,,\n" // 10
	res := read(t, []byte(in), csvfile.Options{})
	if len(res.items) != 2 {
		t.Fatalf("items = %d, want 2", len(res.items))
	}
	mug, cap := res.items[0], res.items[1]
	if mug.Line != 2 || cap.Line != 8 {
		t.Errorf("item lines = %d, %d, want 2, 8", mug.Line, cap.Line)
	}
	if got, want := mug.Product.BodyHTML, "<p>Line one\nline two</p>\n<p>line \"three\"</p>"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if len(mug.Rejects) != 1 || mug.Rejects[0].Line != 6 || mug.Rejects[0].Reason != `Variant Price "abc" is not a number` {
		t.Errorf("rejects = %v, want line 6: Variant Price \"abc\" is not a number", mug.Rejects)
	}
	p := mug.Product
	if len(p.Variants) != 2 || len(p.Images) != 2 || fmt.Sprint(p.Options) != "[{Size [Small Large]}]" {
		t.Errorf("variants %d images %d options %v", len(p.Variants), len(p.Images), p.Options)
	}
	if fmt.Sprint(p.Tags) != "[b a]" || p.Status != "active" {
		t.Errorf("tags %q status %q", p.Tags, p.Status)
	}
	if p.Variants[1].Price.Amount != "12.5" {
		t.Errorf("price = %q, want 12.5", p.Variants[1].Price.Amount)
	}
	c := cap.Product
	if c.BodyHTML != "multi\nline" || c.Status != "draft" || len(c.Images) != 1 || c.Images[0].Position != 1 {
		t.Errorf("cap = %q %q %v", c.BodyHTML, c.Status, c.Images)
	}
}

func TestPrices(t *testing.T) {
	tests := []struct{ in, want string }{
		{"19.99", "19.99"}, {"$5", "5"}, {"1,299.00", "1299"}, {"1,299", "1299"},
		{"4,50", "4.5"}, {"12,5", "12.5"}, {"1.299,00", "1299"}, {"1.234.567,89", "1234567.89"},
		{" 0,99 ", "0.99"}, {"1.299", "1.299"},
	}
	for _, tt := range tests {
		res := read(t, []byte("Handle,Title,Variant Price\na,A,\""+tt.in+"\"\n"), csvfile.Options{})
		if len(res.products) != 1 {
			t.Errorf("%q: rejects %v", tt.in, res.rejects)
			continue
		}
		if got := res.products[0].Variants[0].Price.Amount; got != tt.want {
			t.Errorf("price %q = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		header, row, want string
	}{
		{"Handle,Title,Status,Published", "a,A,Archived,true", "archived"},
		{"Handle,Title,Status,Published", "a,A,,false", "draft"},
		{"Handle,Title,Status,Published", "a,A,,TRUE", "active"},
		{"Handle,Title,Published", "a,A,FALSE", "draft"},
		{"Handle,Title", "a,A", "active"},
		{"Handle,Title,Status", "a,A, DRAFT ", "draft"},
	}
	for _, tt := range tests {
		res := read(t, []byte(tt.header+"\n"+tt.row+"\n"), csvfile.Options{})
		if got := res.products[0].Status; got != tt.want {
			t.Errorf("%s / %s: status = %q, want %q", tt.header, tt.row, got, tt.want)
		}
	}
}

// The current Shopify column names read the same as the classic ones.
func TestCurrentColumnNames(t *testing.T) {
	const current = "Title,URL handle,Description,Vendor,Product category,Type,Tags,Published on online store,Status,SKU,Barcode,Option1 name,Option1 value,Option1 Linked To,Price,Compare-at price,Cost per item,Inventory quantity,Weight value (grams),Weight unit for display,Product image URL,Image position,Image alt text,Variant image URL,SEO title,SEO description,Color (product.metafields.shopify.color-pattern),Price / International\n" +
		"Mug,mug,<p>Nice</p>,Acme,Home & Garden > Kitchen,Mugs,\"a, b\",TRUE,Active,MUG-1,0123,Size,Small,,10,12,4.5,3,350,g,https://x/1.jpg,1,A mug,https://x/1.jpg,Mug!,Buy it,blue,11\n"
	const classic = "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Variant Barcode,Image Src,Image Position,Image Alt Text,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Status,Cost per item,Color (product.metafields.shopify.color-pattern),Price / International\n" +
		"mug,Mug,<p>Nice</p>,Acme,Home & Garden > Kitchen,Mugs,\"a, b\",TRUE,Size,Small,MUG-1,350,3,10.00,12.00,0123,https://x/1.jpg,1,A mug,Mug!,Buy it,https://x/1.jpg,g,active,4.5,blue,11\n"
	a := read(t, []byte(current), csvfile.Options{})
	b := read(t, []byte(classic), csvfile.Options{})
	if len(a.products) != 1 || len(b.products) != 1 {
		t.Fatalf("products = %d and %d, want 1 and 1 (rejects %v %v)", len(a.products), len(b.products), a.rejects, b.rejects)
	}
	if a.products[0].ContentHash() != b.products[0].ContentHash() {
		t.Errorf("current and classic columns differ:\n%s\n%s", dump(a.products[0]), dump(b.products[0]))
	}
	p := a.products[0]
	if p.Category != "Home & Garden > Kitchen" || p.Metadata["Color (product.metafields.shopify.color-pattern)"] != "blue" ||
		p.Variants[0].Metadata["Price / International"] != "11" || p.Variants[0].Metadata["Cost per item"] != "4.5" {
		t.Errorf("product = %s", dump(p))
	}
	if len(p.Images) != 1 || fmt.Sprint(p.Images[0].VariantSKUs) != "[MUG-1]" {
		t.Errorf("images = %+v", p.Images)
	}
}

// reject is an expected reject: its line and the start of its reason.
type reject struct {
	line   int
	reason string
}

func TestRejects(t *testing.T) {
	const h = "Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty,Image Src,Image Position\n" // line 1
	tests := []struct {
		name     string
		rows     string
		opts     csvfile.Options
		handles  string // products kept, with their variant counts
		rejects  []reject
		allLines int // when set, Line() at the end
	}{
		{
			name:    "missing handle",
			rows:    "a,A,S1,1,,,\n,B,S2,2,,,\nb,B,S3,3,,,\n",
			handles: "a:1 b:1",
			rejects: []reject{{3, "the Handle is empty; every row needs the handle of its product"}},
		},
		{
			name:    "price not a number rejects the product on its first row",
			rows:    "a,A,S1,abc,,,\nb,B,S2,2,,,\n",
			handles: "b:1",
			rejects: []reject{{2, `Variant Price "abc" is not a number`}},
		},
		{
			name:    "negative price",
			rows:    "a,A,S1,-5,,,\nb,B,S2,$2.50,,,\n",
			handles: "b:1",
			rejects: []reject{{2, `Variant Price "-5" is negative`}},
		},
		{
			name:    "too many decimals",
			rows:    "a,A,S1,1.1234567,,,\n",
			rejects: []reject{{2, `Variant Price "1.1234567" has too many digits`}},
		},
		{
			name:    "quantity not a whole number",
			rows:    "a,A,S1,1,lots,,\n",
			rejects: []reject{{2, `Variant Inventory Qty "lots" is not a whole number`}},
		},
		{
			name:    "image position",
			rows:    "a,A,S1,1,,https://x/1.jpg,first\n",
			rejects: []reject{{2, `Image Position "first" is not a position`}},
		},
		{
			name:    "one bad variant row keeps the product",
			rows:    "a,A,S1,1,,,\na,,S2,x,,,\na,,S3,3,,,\n",
			handles: "a:2",
			rejects: []reject{{3, `Variant Price "x" is not a number`}},
		},
		{
			name:    "rows of a product rejected on its first row are skipped",
			rows:    "a,A,S1,abc,,,\na,,S2,1,,,\na,,S3,1,,,\nb,B,S4,1,,,\n",
			handles: "b:1",
			rejects: []reject{{2, `Variant Price "abc" is not a number`}, {3, `2 more rows for handle "a" skipped because the product's first row (line 2) was rejected`}},
		},
		{
			name:    "rows of a handle must follow each other",
			rows:    "a,A,S1,1,,,\nb,B,S2,1,,,\na,,S3,1,,,\n",
			handles: "a:1 b:1",
			rejects: []reject{{4, `rows for handle "a" must follow each other (product started at line 2)`}},
		},
		{
			name:    "undefined Windows-1252 byte",
			rows:    "a,Caf\x81,S1,1,,,\nb,B,S2,1,,,\n",
			handles: "b:1",
			rejects: []reject{{2, "the text is neither UTF-8 nor Windows-1252 (byte 0x81 in column Title)"}},
		},
		{
			name:    "NUL byte in a row",
			rows:    "a,A,S1,1,,,\nb,B\x00,S2,1,,,\n",
			handles: "a:1",
			rejects: []reject{{3, "the row has binary data (a NUL byte) in column Title"}},
		},
		{
			name:    "value too large",
			rows:    "a,Aaaaaaaaaaaaaaaaaaaaa,S1,1,,,\nb,B,S2,1,,,\n",
			opts:    csvfile.Options{MaxFieldBytes: 16},
			handles: "b:1",
			rejects: []reject{{2, "Title is 21 bytes; one value may be at most 16 bytes"}},
		},
		{
			name:    "more values than columns",
			rows:    "a,A,S1,1,,,,extra\nb,B,S2,1,,,,,\n",
			handles: "b:1",
			rejects: []reject{{2, "the row has 8 values but the header has 7 columns"}},
		},
		{
			name:    "fewer values than columns are empty",
			rows:    "a,A,S1\nb,B\n",
			handles: "a:1 b:0",
		},
		{
			name:    "bare quote",
			rows:    "a,A,S1,1,,,\nb,The \"Big\" one,S2,1,,,\nc,C,S3,1,,,\n",
			handles: "a:1 c:1",
			rejects: []reject{{3, "a double quote appears inside a value that is not in double quotes"}},
		},
		{
			name:    "quote inside a quoted value",
			rows:    "a,\"The \"Big\" one\",S1,1,,,\nb,B,S2,1,,,\n",
			handles: "b:1",
			rejects: []reject{{2, `a double quote inside a quoted value must be doubled ("")`}},
		},
		{
			name:    "quote never closed swallows the rest of the file",
			rows:    "a,A,S1,1,,,\nb,\"B,S2,1,,,\nc,C,S3,1,,,\nd,D,S4,1,,,\n",
			handles: "a:1",
			rejects: []reject{{3, "a quoted value that starts on this line is never closed, so lines 3 to 5 were read as part of it"}},
		},
		{
			name:     "blank rows are not rejects",
			rows:     "a,A,S1,1,,,\n,,,,,,\n\n  ,  ,,,,,\nb,B,S2,1,,,\n",
			handles:  "a:1 b:1",
			allLines: 6,
		},
		{
			name:    "formula-escaped cells are read back",
			rows:    "'=a,'+A,S1,1,,,\n",
			handles: "=a:1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := csvfile.NewReader(strings.NewReader(h+tt.rows), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			res, err := readAll(r)
			if err != nil {
				t.Fatal(err)
			}
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
				g := res.rejects[i]
				if g.Line != w.line || !strings.HasPrefix(g.Reason, w.reason) {
					t.Errorf("reject %d = %v, want line %d: %s…", i, g, w.line, w.reason)
				}
			}
			if tt.allLines > 0 && r.Line() != tt.allLines {
				t.Errorf("Line() = %d, want %d", r.Line(), tt.allLines)
			}
		})
	}
}

// A quote that is never closed in a large file stops reading at a bounded
// size instead of buffering the rest of the file.
func TestUnclosedQuoteInLargeFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("Handle,Title,Variant Price\n")
	b.WriteString("a,A,1\n")
	b.WriteString("b,\"B,2\n") // line 3, never closed
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "p%d,Product %d,3\n", i, i)
	}
	r, err := csvfile.NewReader(strings.NewReader(b.String()), csvfile.Options{MaxFieldBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	res, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.products) != 1 || len(res.rejects) != 1 || res.rejects[0].Line != 3 ||
		!strings.Contains(res.rejects[0].Reason, "reading stopped here") {
		t.Fatalf("products %d, rejects %v", len(res.products), res.rejects)
	}
	if n := r.BytesRead(); n > 300<<10 {
		t.Errorf("read %d bytes before giving up", n)
	}
}

func TestWindows1252(t *testing.T) {
	in := "Handle,Title,Body (HTML),Vendor\n" +
		"cafe,Caf\xe9 \x93cr\xe8me\x94,Price \x80 5,Caf\xc3\xa9 \xe2\x80\x93 Ma\xefs\n"
	res := read(t, []byte(in), csvfile.Options{})
	if len(res.products) != 1 {
		t.Fatalf("rejects %v", res.rejects)
	}
	p := res.products[0]
	if p.Title != "Café “crème”" || p.BodyHTML != "Price € 5" || p.Vendor != "Café – Maïs" {
		t.Errorf("title %q body %q vendor %q", p.Title, p.BodyHTML, p.Vendor)
	}
	for _, b := range []byte{0x81, 0x8d, 0x8f, 0x90, 0x9d} {
		in := "Handle,Title\na,x" + string([]byte{b}) + "y\n"
		res := read(t, []byte(in), csvfile.Options{})
		want := fmt.Sprintf("line 2: the text is neither UTF-8 nor Windows-1252 (byte 0x%02X in column Title)", b)
		if len(res.products) != 0 || len(res.rejects) != 1 || res.rejects[0].String() != want {
			t.Errorf("byte 0x%02X: rejects %v, want %s", b, res.rejects, want)
		}
	}
	// A Windows-1252 header reads too.
	res = read(t, []byte("Handle,Title,Cat\xe9gorie\na,A,x\n"), csvfile.Options{})
	if got := res.products[0].Metadata["Catégorie"]; got != "x" {
		t.Errorf("metadata = %v", res.products[0].Metadata)
	}
}

func TestProgress(t *testing.T) {
	data := mustSample(t, "jewelery.csv")
	r, err := csvfile.NewReader(bytes.NewReader(data), csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lastLine, lastBytes := r.Line(), r.BytesRead()
	if lastLine != 1 {
		t.Errorf("Line() after the header = %d, want 1", lastLine)
	}
	for {
		_, err := r.Next()
		if err != nil {
			break
		}
		if r.Line() < lastLine || r.BytesRead() < lastBytes {
			t.Fatalf("progress went back: %d/%d after %d/%d", r.Line(), r.BytesRead(), lastLine, lastBytes)
		}
		lastLine, lastBytes = r.Line(), r.BytesRead()
	}
	if got, want := r.BytesRead(), int64(len(data)); got != want {
		t.Errorf("BytesRead() = %d, want %d", got, want)
	}
	if got, want := r.Line(), bytes.Count(data, []byte("\n"))+1; got != want {
		t.Errorf("Line() = %d, want %d", got, want)
	}
}

// Values at the size limit are measured as read, so their export (with a
// formula quote added, re-encoded as UTF-8, tags joined by ", ") reads back
// under the same limit.
func TestLimitsSurviveExport(t *testing.T) {
	o := csvfile.Options{MaxFieldBytes: 16}
	in := "Handle,Title,Vendor,Tags\n" +
		"a,'=aaaaaaaaaaaaaaa,Caf\xe9 caf\xe9 cafe,\"a,b,c,d,e,f\"\n" + // 16 bytes each as read
		"b,B,,\"a,b,c,d,e,f,g\"\n" // tags are 19 bytes as a list
	res := read(t, []byte(in), o)
	if len(res.products) != 1 || len(res.rejects) != 1 || res.rejects[0].Line != 3 ||
		res.rejects[0].Reason != "Tags are 19 bytes once written as a list; at most 16 bytes" {
		t.Fatalf("products %d rejects %v", len(res.products), res.rejects)
	}
	p := res.products[0]
	if len(p.Title) != 16 || len(p.Vendor) != 16 {
		t.Fatalf("title %q vendor %q", p.Title, p.Vendor)
	}
	again := read(t, export(t, res.products), o)
	if len(again.rejects) > 0 || len(again.products) != 1 || again.products[0].ContentHash() != p.ContentHash() {
		t.Errorf("re-import: rejects %v", again.rejects)
	}
}
