package csvfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/catalog/csvfile"
)

// Crashers the fuzzer finds are kept in testdata/fuzz/<target>/ and run with
// every go test.
//
// The seeds include Shopify's sample files (about 10 KB each), and go test
// minimizes every new input for up to 60 seconds by default, so a 20-second
// run would spend all its time minimizing. TestMain lowers that default to 3
// seconds unless -fuzzminimizetime is given.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set && flag.Lookup("test.fuzzminimizetime") != nil {
		if err := flag.Set("test.fuzzminimizetime", "3s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

func FuzzShopifyReader(f *testing.F) {
	addSamples(f)
	f.Add([]byte("Handle,Title,Body (HTML),Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Variant Image\n" +
		"a,\"=A\",\"multi\nline\",Size,S,A-S,1.50,https://x/1.jpg,https://x/2.jpg\na,,,,M,A-M,abc,,\n,,,,,,,,\nb,\"B,1\n"))
	f.Add([]byte("\xef\xbb\xbfHandle,Title,Caf\xe9\r\nc,Caf\xe9 \x81,x\r\n"))
	fuzzReader(f, csvfile.FormatShopify)
}

func FuzzGenericReader(f *testing.F) {
	addSamples(f)
	f.Add([]byte("Product Name,SKU,Price,Image URL,Brand,Tags,Colour\nMug,M-1,\"1,000.00\",https://x/m.jpg,Acme,\"a, b\",red\nMug,,2,,,,\n,,x,,,,\n"))
	f.Add([]byte("Handle,Name,SKU,Price,Variant Taxable\ntee,Tee,T-S,1,true\ntee,,T-M,2,\nmug;x\n"))
	f.Add([]byte("Name;SKU;Price\r\nMug;M;4\r\n"))
	fuzzReader(f, csvfile.FormatGeneric)
}

func FuzzEtsyReader(f *testing.F) {
	addSamples(f)
	f.Add([]byte(etsyListings))
	f.Add([]byte("TITLE,PRICE,CURRENCY_CODE,VARIATION 1 NAME,VARIATION 1 VALUES,VARIATION 2 TYPE,VARIATION 2 VALUES,SKU,SECTION\nA,1,usd,Size,\"S,M\",Colour,\"Red,,Red\",,Mugs\n"))
	fuzzReader(f, csvfile.FormatEtsy)
}

func addSamples(f *testing.F) {
	for _, name := range sampleFiles {
		b, err := os.ReadFile(filepath.Join(sampleDir, name))
		if err != nil {
			continue // the shared data is not here: run with the other seeds
		}
		f.Add(b)
	}
}

func fuzzReader(f *testing.F, format csvfile.Format) {
	f.Fuzz(func(t *testing.T, data []byte) {
		o := csvfile.Options{Format: format}
		if len(data)%2 == 1 {
			o.MaxFieldBytes = 64 // exercise the size limits too
		}
		checkReader(t, data, o)
	})
}

// checkReader reads data and checks what every read must satisfy: no panic,
// no error but ErrNotCSV from NewReader, lines within the input, no U+FFFD
// that was not in the input, valid UTF-8 out, and products that survive an
// export and re-import unchanged.
func checkReader(t *testing.T, data []byte, o csvfile.Options) {
	r, err := csvfile.NewReader(bytes.NewReader(data), o)
	if err != nil {
		if !errors.Is(err, csvfile.ErrNotCSV) {
			t.Fatalf("NewReader: %v (not ErrNotCSV)", err)
		}
		return
	}
	lines := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n"))
	hadFFFD := bytes.Contains(data, []byte("\uFFFD"))
	res, err := readAll(r)
	if err != nil && err != io.EOF {
		t.Fatalf("Next: %v", err)
	}
	for _, it := range res.items {
		if it.Line < 1 || it.Line > lines {
			t.Errorf("item line %d outside 1..%d", it.Line, lines)
		}
		for _, rj := range it.Rejects {
			if rj.Line < 1 || rj.Line > lines {
				t.Errorf("reject %v outside lines 1..%d", rj, lines)
			}
			if !utf8.ValidString(rj.Reason) || (!hadFFFD && bytes.ContainsRune([]byte(rj.Reason), utf8.RuneError)) {
				t.Errorf("reject reason %q is not clean UTF-8", rj.Reason)
			}
		}
		if it.Product == nil && len(it.Rejects) == 0 {
			t.Errorf("empty item at line %d", it.Line)
		}
	}
	if r.Line() > lines {
		t.Errorf("Line() = %d, input has %d lines", r.Line(), lines)
	}
	if n := r.BytesRead(); n < 0 || n > int64(len(data)) {
		t.Errorf("BytesRead() = %d of %d", n, len(data))
	}
	for _, p := range res.products {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		// encoding/json writes invalid UTF-8 as \ufffd.
		if bytes.Contains(b, []byte(`\ufffd`)) || (!hadFFFD && bytes.ContainsRune(b, utf8.RuneError)) {
			t.Errorf("U+FFFD or invalid UTF-8 in %s", b)
		}
	}
	if msg, ok := roundTripErr(res.products); !ok {
		t.Errorf("round trip: %s", msg)
	}
}
