package csvfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
)

// sampleDir holds Shopify's sample product CSVs, relative to this package.
const sampleDir = "../../../../shared/data/shopify-csvs"

var sampleFiles = []string{"apparel.csv", "home-and-garden.csv", "jewelery.csv"}

// mustSample reads a sample file or skips the test when it is missing.
func mustSample(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, name))
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("sample %s not found", name)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// result is everything a Reader returned.
type result struct {
	products []*catalog.Product
	rejects  []csvfile.Reject
	items    []csvfile.Item
}

// read reads a whole file; NewReader must succeed.
func read(tb testing.TB, data []byte, o csvfile.Options) result {
	tb.Helper()
	r, err := csvfile.NewReader(bytes.NewReader(data), o)
	if err != nil {
		tb.Fatalf("NewReader: %v", err)
	}
	res, err := readAll(r)
	if err != nil {
		tb.Fatalf("Next: %v", err)
	}
	return res
}

func readAll(r *csvfile.Reader) (result, error) {
	var res result
	for {
		it, err := r.Next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, err
		}
		res.items = append(res.items, it)
		res.rejects = append(res.rejects, it.Rejects...)
		if it.Product != nil {
			res.products = append(res.products, it.Product)
		}
	}
}

// export writes products as a Shopify CSV.
func export(tb testing.TB, products []*catalog.Product) []byte {
	tb.Helper()
	b, err := exportErr(products)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func exportErr(products []*catalog.Product) ([]byte, error) {
	var pm, vm []string
	for _, p := range products {
		a, b := csvfile.MetadataColumns(p)
		pm, vm = append(pm, a...), append(vm, b...)
	}
	var buf bytes.Buffer
	w, err := csvfile.NewShopifyWriter(&buf, pm, vm)
	if err != nil {
		return nil, err
	}
	for _, p := range products {
		if err := w.Write(p); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hashes is each product's ContentHash.
func hashes(ps []*catalog.Product) []string {
	hs := make([]string, len(ps))
	for i, p := range ps {
		hs[i] = p.ContentHash()
	}
	return hs
}

// roundTripErr exports products, reads the export back and reports the
// first product that changed.
func roundTripErr(products []*catalog.Product) (string, bool) {
	out, err := exportErr(products)
	if err != nil {
		return "export: " + err.Error(), false
	}
	r, err := csvfile.NewReader(bytes.NewReader(out), csvfile.Options{Format: csvfile.FormatShopify})
	if err != nil {
		return "re-read: " + err.Error() + "\n" + string(out), false
	}
	res, err := readAll(r)
	if err != nil {
		return "re-read: " + err.Error(), false
	}
	if len(res.rejects) > 0 {
		return "re-read rejected " + res.rejects[0].String() + "\n" + string(out), false
	}
	if len(res.products) != len(products) {
		return "re-read a different number of products\n" + string(out), false
	}
	for i, p := range products {
		if p.ContentHash() != res.products[i].ContentHash() {
			return "product " + p.Handle + " changed:\n" + dump(p) + "\n" + dump(res.products[i]) + "\n" + string(out), false
		}
	}
	return "", true
}

func dump(p *catalog.Product) string {
	b, _ := json.MarshalIndent(p, "", "  ")
	return string(b)
}
