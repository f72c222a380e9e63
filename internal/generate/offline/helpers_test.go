package offline_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/offline"
)

// sampleDir holds Shopify's sample product CSVs.
const sampleDir = "../../../../shared/data/shopify-csvs"

var (
	samplesOnce sync.Once
	samples     []*catalog.Product
	samplesErr  error
)

// sampleProducts reads the 60 sample products, or skips the test when the
// files are not there.
func sampleProducts(tb testing.TB) []*catalog.Product {
	tb.Helper()
	samplesOnce.Do(func() {
		files, err := filepath.Glob(filepath.Join(sampleDir, "*.csv"))
		if err != nil || len(files) == 0 {
			samplesErr = errors.New("no sample files")
			return
		}
		sort.Strings(files)
		for _, name := range files {
			f, err := os.Open(name)
			if err != nil {
				samplesErr = err
				return
			}
			r, err := csvfile.NewReader(f, csvfile.Options{})
			if err != nil {
				f.Close()
				samplesErr = err
				return
			}
			for {
				it, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					samplesErr = err
					break
				}
				if it.Product != nil {
					samples = append(samples, it.Product)
				}
			}
			f.Close()
		}
	})
	if samplesErr != nil {
		tb.Skipf("sample catalog: %v", samplesErr)
	}
	return samples
}

// testBrand is a brand with a full profile.
func testBrand() generate.Brand {
	return generate.Brand{
		Name:        "Harbour & Pine",
		Description: "Harbour & Pine is a small shop for clothes, homeware and jewellery, run from a studio by the sea.",
		Voice:       "warm, plain-spoken, a little dry",
		Audience:    "people who would rather buy one good thing than three",
		Guidelines:  "Keep it honest.",
		WordsAvoid:  []string{"stunning", "perfect", "stylish"},
		WordsPrefer: []string{"pick"},
		Language:    "en-GB",
	}
}

// plainBrand has no profile beyond a name.
func plainBrand() generate.Brand { return generate.Brand{Name: "Shop"} }

// formalBrand writes formally, in American English, with no audience.
func formalBrand() generate.Brand {
	return generate.Brand{
		Name:       "Maison Verre",
		Voice:      "refined, elegant",
		WordsAvoid: []string{"classic", "comfortable"},
		Language:   "en-US",
	}
}

func gen(tb testing.TB, p *catalog.Product, ch generate.Channel, b generate.Brand, memory ...string) *generate.Result {
	tb.Helper()
	res, err := offline.New().Generate(context.Background(), generate.Request{
		Channel: ch, Fields: generate.Fields(ch), Brand: b, Product: p, Memory: memory,
	})
	if err != nil {
		tb.Fatalf("Generate(%s, %s): %v", p.Handle, ch, err)
	}
	return res
}
