package csvfile_test

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog/csvfile"
)

// generated is a Shopify product CSV of n products, made as it is read so
// the test holds no file in memory. Each product has a multi-line body, two
// variants and two images (three rows).
type generated struct {
	n, i int
	buf  bytes.Buffer
	size int64
}

func newGenerated(n int) *generated {
	g := &generated{n: n}
	g.buf.WriteString("Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Image Src,Image Position,Image Alt Text,Gift Card,Variant Weight Unit,Status\r\n")
	return g
}

func (g *generated) Read(p []byte) (int, error) {
	for g.buf.Len() < len(p) && g.i < g.n {
		i := g.i
		fmt.Fprintf(&g.buf, "product-%07d,Product %d,\"<p>Product %d is a fine thing.</p>\r\n<p>It comes in two sizes, \"\"small\"\" and \"\"large\"\".</p>\",Vendor %d,Type %d,\"tag-a, tag-%d\",true,Size,Small,SKU-%d-S,100,%d,19.99,25.00,https://cdn.example.com/p/%d/1.jpg,1,Product %d front,false,kg,active\r\n",
			i, i, i, i%50, i%7, i%13, i, i%100, i, i)
		fmt.Fprintf(&g.buf, "product-%07d,,,,,,,,Large,SKU-%d-L,120,%d,21.99,,https://cdn.example.com/p/%d/2.jpg,2,Product %d back,,kg,\r\n", i, i, i%100, i, i)
		fmt.Fprintf(&g.buf, "product-%07d,,,,,,,,,,,,,,https://cdn.example.com/p/%d/3.jpg,3,,,,\r\n", i, i)
		g.i++
	}
	n, err := g.buf.Read(p)
	g.size += int64(n)
	if err == io.EOF && g.i < g.n {
		err = nil
	}
	return n, err
}

// heapWhileReading reads n generated products and returns the largest heap
// in use (after a GC) seen while reading, with the reader still alive.
func heapWhileReading(t *testing.T, n int) (heap uint64, products int) {
	t.Helper()
	r, err := csvfile.NewReader(newGenerated(n), csvfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	sample := func() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapInuse)
	}
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.Product == nil || len(it.Rejects) > 0 {
			t.Fatalf("item %+v", it)
		}
		products++
		if products%(n/8) == 0 {
			sample()
		}
	}
	sample()
	runtime.KeepAlive(r)
	return heap, products
}

// Memory does not grow with the file: ten times the products, not ten
// times the heap. (The reader keeps a hash and a line number per finished
// handle, about 40 bytes, to tell when a product's rows are split; that is
// all that grows.)
func TestMemoryDoesNotGrowWithFileSize(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 22,000 generated products")
	}
	small, n1 := heapWhileReading(t, 2000)
	large, n2 := heapWhileReading(t, 20000)
	if n1 != 2000 || n2 != 20000 {
		t.Fatalf("read %d and %d products", n1, n2)
	}
	t.Logf("heap in use: %d KiB for 2,000 products, %d KiB for 20,000", small>>10, large>>10)
	if large > 2*small {
		t.Errorf("heap grew from %d KiB to %d KiB for 10x the products", small>>10, large>>10)
	}
}

// BenchmarkRead100k reads a 100,000-product Shopify CSV (300,000 rows).
func BenchmarkRead100k(b *testing.B) {
	const n = 100_000
	var size int64
	for b.Loop() {
		g := newGenerated(n)
		r, err := csvfile.NewReader(g, csvfile.Options{})
		if err != nil {
			b.Fatal(err)
		}
		count := 0
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || it.Product == nil {
				b.Fatal(err, it.Rejects)
			}
			count++
		}
		if count != n {
			b.Fatalf("read %d products", count)
		}
		size = g.size
	}
	b.SetBytes(size)
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
}

// BenchmarkWrite100k writes 100,000 products as a Shopify CSV.
func BenchmarkWrite100k(b *testing.B) {
	const n = 100_000
	r, err := csvfile.NewReader(newGenerated(1), csvfile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	it, err := r.Next()
	if err != nil {
		b.Fatal(err)
	}
	p := it.Product
	pm, vm := csvfile.MetadataColumns(p)
	var size int64
	for b.Loop() {
		cw := &countWriter{}
		w, err := csvfile.NewShopifyWriter(cw, pm, vm)
		if err != nil {
			b.Fatal(err)
		}
		for range n {
			if err := w.Write(p); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.SetBytes(size)
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
