// Command import benchmarks catalog import: it writes a synthetic Shopify
// product CSV, measures the raw write bound on this machine (the sqlite3
// command-line tool's .import of the same file into one flat table), then
// imports the file through PlutoPro's real path (upload stored, River job,
// CSV reader, batched upserts with full-text indexing) in a fresh process,
// and prints products/s, peak memory and the ratio to the bound.
//
//	go run ./bench/import                     # 100,000 products, plus a 10,000 run to show memory does not grow
//	go run ./bench/import -products 20000
//
// Needs the sqlite3 command-line tool (apt-get install sqlite3).
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/config"
)

func main() {
	products := flag.Int("products", 100000, "products in the synthetic file")
	small := flag.Int("small", 10000, "products in the second, smaller run that shows memory does not grow with file size (0 to skip)")
	runs := flag.Int("runs", 3, "runs of each side per size; the medians are reported")
	child := flag.String("child", "", "internal: import this file in this process and print JSON")
	out := flag.String("write", "", "only write the synthetic file of -products products to this path")
	flag.Parse()
	if *out != "" {
		rows, size, err := generate(*out, *products)
		if err != nil {
			fmt.Fprintln(os.Stderr, "import bench:", err)
			os.Exit(1)
		}
		fmt.Printf("wrote %s: %d products, %d rows, %.1f MB\n", *out, *products, rows, float64(size)/1e6)
		return
	}
	if *child != "" {
		if err := runChild(*child); err != nil {
			fmt.Fprintln(os.Stderr, "import bench child:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*products, *small, max(1, *runs)); err != nil {
		fmt.Fprintln(os.Stderr, "import bench:", err)
		os.Exit(1)
	}
}

type childResult struct {
	Seconds   float64 `json:"seconds"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	Created   int     `json:"created"`
	Variants  int     `json:"variants"`
	Images    int     `json:"images"`
	Rejected  int     `json:"rejected"`
}

func run(n, small, runs int) error {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		return errors.New("the sqlite3 command-line tool is needed for the raw bound: apt-get install sqlite3")
	}
	dir, err := os.MkdirTemp("", "plutopro-bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sizes := []int{n}
	if small > 0 && small < n {
		sizes = append(sizes, small)
	}
	fmt.Printf("catalog import benchmark (%s)\n", time.Now().UTC().Format(time.RFC3339))
	var big childResult
	for i, size := range sizes {
		file := filepath.Join(dir, fmt.Sprintf("products-%d.csv", size))
		rows, bytes, err := generate(file, size)
		if err != nil {
			return err
		}
		// Both sides run several times, interleaved, and the medians are
		// compared, so a passing disturbance on this shared machine does not
		// decide the ratio.
		var raws []float64
		var results []childResult
		for r := 0; r < runs; r++ {
			raw, err := rawBound(dir, file)
			if err != nil {
				return err
			}
			res, err := importInChild(file)
			if err != nil {
				return err
			}
			raws = append(raws, raw)
			results = append(results, res)
		}
		raw := median(raws)
		slices.SortFunc(results, func(a, b childResult) int { return cmp.Compare(a.Seconds, b.Seconds) })
		res := results[len(results)/2]
		for _, r := range results {
			res.PeakRSSMB = max(res.PeakRSSMB, r.PeakRSSMB) // report the worst peak
		}
		if res.Created != size {
			return fmt.Errorf("imported %d products, want %d (%d rows rejected)", res.Created, size, res.Rejected)
		}
		ratio := raw / res.Seconds
		fmt.Printf("\n%d products (%d CSV rows, %.1f MB; %d variants, %d images), median of %d runs\n", size, rows, float64(bytes)/1e6, res.Variants, res.Images, runs)
		fmt.Printf("  raw bound (sqlite3 .import into one flat table): %.2f s\n", raw)
		fmt.Printf("  plutopro import (upload, job, parse, upsert, FTS):  %.2f s = %.0f products/s\n", res.Seconds, float64(size)/res.Seconds)
		fmt.Printf("  ratio to the raw bound: %.2f (goal >= 0.25)\n", ratio)
		fmt.Printf("  peak memory (RSS): %.0f MB (goal <= 150 MB)\n", res.PeakRSSMB)
		if i == 0 {
			big = res
		} else {
			fmt.Printf("\nmemory growth: %.0f MB at %d products vs %.0f MB at %d products (x%.2f for x%.0f the file)\n",
				big.PeakRSSMB, n, res.PeakRSSMB, size, big.PeakRSSMB/res.PeakRSSMB, float64(n)/float64(size))
		}
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// generate writes a Shopify product CSV with 1-3 variants and 1-3 images per product.
func generate(path string, n int) (rows int, size int64, err error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	header := []string{"Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
		"Option1 Name", "Option1 Value", "Variant SKU", "Variant Grams", "Variant Inventory Qty", "Variant Price",
		"Variant Compare At Price", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "SEO Title",
		"SEO Description", "Variant Weight Unit", "Status"}
	if err := w.Write(header); err != nil {
		return 0, 0, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	adjectives := []string{"Hand-poured", "Organic", "Linen", "Recycled", "Vintage", "Classic", "Stoneware", "Merino", "Oak", "Brass"}
	nouns := []string{"Candle", "Throw", "Mug", "Scarf", "Planter", "Lamp", "Tote", "Journal", "Serving Board", "Vase"}
	vendors := []string{"Northwind", "Juniper & Co", "Fable Goods", "Harbor Supply"}
	sizes := []string{"Small", "Medium", "Large"}
	row := make([]string, len(header))
	for i := 0; i < n; i++ {
		handle := fmt.Sprintf("product-%06d", i)
		title := fmt.Sprintf("%s %s %d", adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))], i)
		variants, images := 1+rng.IntN(3), 1+rng.IntN(3)
		lines := max(variants, images)
		for l := 0; l < lines; l++ {
			clear(row)
			row[0] = handle
			if l == 0 {
				row[1] = title
				row[2] = fmt.Sprintf("<p>The %s is made in small batches by %s.</p><ul><li>Care: wipe clean</li><li>Ships in recycled packaging</li></ul>",
					strings.ToLower(title), vendors[i%len(vendors)])
				row[3] = vendors[i%len(vendors)]
				row[4] = "Home & Garden > Decor"
				row[5] = nouns[i%len(nouns)]
				row[6] = "home, gift, " + strings.ToLower(nouns[i%len(nouns)])
				row[7] = "true"
				row[8] = "Size"
				row[19] = title + " | " + vendors[i%len(vendors)]
				row[20] = "Shop the " + strings.ToLower(title) + "."
				row[22] = "active"
			}
			if l < variants {
				row[9] = sizes[l]
				row[10] = fmt.Sprintf("SKU-%06d-%d", i, l)
				row[11] = strconv.Itoa(200 + 50*l)
				row[12] = strconv.Itoa(rng.IntN(100))
				row[13] = fmt.Sprintf("%d.%02d", 10+rng.IntN(90), rng.IntN(100))
				row[15] = fmt.Sprintf("%012d", i*10+l)
				row[21] = "g"
			}
			if l < images {
				row[16] = fmt.Sprintf("https://cdn.example.com/p/%06d/%d.jpg", i, l+1)
				row[17] = strconv.Itoa(l + 1)
				row[18] = title + " view " + strconv.Itoa(l+1)
			}
			if err := w.Write(row); err != nil {
				return 0, 0, err
			}
			rows++
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	return rows, st.Size(), nil
}

// rawBound times the sqlite3 tool importing the file into one flat table:
// the floor for writing these bytes into SQLite on this machine.
func rawBound(dir, file string) (float64, error) {
	db := filepath.Join(dir, "raw.db")
	_ = os.Remove(db)
	defer os.Remove(db)
	cmd := exec.Command("sqlite3", db)
	cmd.Stdin = strings.NewReader(fmt.Sprintf(".mode csv\n.import %s products\n", file))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("sqlite3 .import: %v: %s", err, stderr.String())
	}
	return time.Since(start).Seconds(), nil
}

func importInChild(file string) (childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return childResult{}, err
	}
	cmd := exec.Command(self, "-child", file)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return childResult{}, fmt.Errorf("import process: %w", err)
	}
	var res childResult
	if err := json.Unmarshal(out, &res); err != nil {
		return childResult{}, fmt.Errorf("import process printed %q: %w", out, err)
	}
	return res, nil
}

// runChild imports file into a fresh data dir through the same code the
// server runs, and reports the time and the process's peak RSS.
func runChild(file string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "plutopro-bench-data-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.MaxUploadBytes = 1 << 30
	if err := cfg.Validate(); err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{Work: true, Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Jobs.Start(ctx); err != nil {
		return err
	}
	defer a.Jobs.Stop(ctx)
	u, acct, err := a.Accounts.AddUser(ctx, "bench@example.com", "Bench", "")
	if err != nil {
		return err
	}
	sc, err := a.Accounts.Scope(ctx, u.ID, acct.ID)
	if err != nil {
		return err
	}
	name := "Bench"
	b, err := a.Brands.Create(ctx, sc, brand.Input{Name: &name})
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		pf, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	im, err := a.Transfer.Start(ctx, sc, b.ID, transfer.Input{Filename: filepath.Base(file), Body: f})
	if err != nil {
		return err
	}
	im, err = a.Transfer.Wait(ctx, sc, b.ID, im.ID, nil)
	if err != nil {
		return err
	}
	elapsed := time.Since(start).Seconds()

	if im.Status != transfer.StatusDone {
		return fmt.Errorf("import ended %s: %s", im.Status, im.Error)
	}
	peak, err := peakRSS()
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(childResult{Seconds: elapsed, PeakRSSMB: peak, Created: im.Created,
		Variants: im.Variants, Images: im.Images, Rejected: im.Rejected})
}

// peakRSS reads the process's high-water resident set size (VmHWM) in MB.
func peakRSS() (float64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				return 0, err
			}
			return float64(kb) / 1024, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, io.ErrUnexpectedEOF
}
