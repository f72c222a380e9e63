// Command learning benchmarks how fast a brand's memory learns a
// reviewer's style. It starts PlutoPro in this process the way the
// internal/reviewsim tests do (a fresh SQLite data dir, job workers, the
// offline writer, the HTTP handler behind an httptest server), imports the
// sample Shopify catalog (../shared/data/shopify-csvs) into one brand per
// persona, each in its own account, and runs each persona through
// -rounds rounds of -per-round new products. A persona is a simulated
// reviewer with a hidden style (internal/reviewsim): it reads each Etsy
// title and description through the JSON API, approves the draft when it
// already reads as the persona wants, and otherwise edits it into that text
// and approves the edit. Per round it prints the mean normalised edit
// distance (Levenshtein over characters / the longer length) between the
// drafts and the persona's text, the share of drafts approved without an
// edit, and the brand's memory items (those that apply) when the round's
// drafts were written.
//
// The goal, per persona: round-5 distance <= 0.25 x round-1 distance, and
// at least 70% of round-5 drafts approved without an edit.
//
//	go run ./bench/learning                 # 3 personas, 5 rounds of 10 products (a few seconds)
//	go run ./bench/learning -v              # also every edit (draft vs ideal) and the memory learned
//	go run ./bench/learning -rounds 3 -per-round 20
//	go run ./bench/learning -style "remove: cosy; replace: jumper -> sweater; sign-off: Ships from Oslo.; max-words: 18"
//
// Exits 1 when a persona misses the goal, 2 on an error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/reviewsim"
)

// The benchmark's personas. Their rules are chosen to bite on the sample
// catalog as the offline writer words it (Etsy descriptions run 7 to 66
// words, median 16; "stylish", "rustic", "boho", "sweet", "delicate",
// "sofa", "colorful" occur), so each round-1 draft has something to fix.
// The tests in internal/reviewsim use other personas, and -style runs one
// made up on the spot.
func personas() []reviewsim.Persona {
	return []reviewsim.Persona{
		{Name: "Minimalist", Rules: []reviewsim.Rule{
			reviewsim.NoExclamation(),
			reviewsim.SentenceCaseTitles(),
			reviewsim.MaxWords("description", 15),
			reviewsim.Remove("stylish", "rustic"),
		}},
		{Name: "British", Rules: []reviewsim.Rule{
			reviewsim.Replace("color", "colour"), reviewsim.Replace("colors", "colours"), reviewsim.Replace("colorful", "colourful"),
			reviewsim.Replace("multicolor", "multicolour"), reviewsim.Replace("sofa", "settee"),
			reviewsim.SignOff("Made with care in our Leeds studio."),
			reviewsim.Remove("boho"),
		}},
		{Name: "Plain", Rules: []reviewsim.Rule{
			reviewsim.Remove("sweet", "delicate", "homemade"),
			reviewsim.SignOff("Free returns within 30 days."),
			reviewsim.MaxWords("description", 20),
			reviewsim.Replace("earrings", "ear studs"),
		}},
	}
}

// parseStyle reads a persona from -style: rules separated by ";", each one
// of "remove: a, b", "replace: a -> b", "sign-off: S", "max-words: N",
// "sentence-case-titles", "no-exclamation".
func parseStyle(spec string) (reviewsim.Persona, error) {
	p := reviewsim.Persona{Name: "Custom"}
	for _, part := range strings.Split(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, _ := strings.Cut(part, ":")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		switch key {
		case "remove":
			var ws []string
			for _, w := range strings.Split(val, ",") {
				if w = strings.TrimSpace(w); w != "" {
					ws = append(ws, w)
				}
			}
			p.Rules = append(p.Rules, reviewsim.Remove(ws...))
		case "replace":
			from, to, ok := strings.Cut(val, "->")
			if !ok {
				return p, fmt.Errorf("-style: %q: write replace: a -> b", part)
			}
			p.Rules = append(p.Rules, reviewsim.Replace(strings.TrimSpace(from), strings.TrimSpace(to)))
		case "sign-off":
			p.Rules = append(p.Rules, reviewsim.SignOff(val))
		case "max-words":
			var n int
			if _, err := fmt.Sscan(val, &n); err != nil || n < 2 {
				return p, fmt.Errorf("-style: %q: max-words takes a number of at least 2", part)
			}
			p.Rules = append(p.Rules, reviewsim.MaxWords("description", n))
		case "sentence-case-titles":
			p.Rules = append(p.Rules, reviewsim.SentenceCaseTitles())
		case "no-exclamation":
			p.Rules = append(p.Rules, reviewsim.NoExclamation())
		default:
			return p, fmt.Errorf("-style: unknown rule %q (remove, replace, sign-off, max-words, sentence-case-titles, no-exclamation)", key)
		}
	}
	if len(p.Rules) == 0 {
		return p, errors.New("-style names no rule")
	}
	return p, p.Check()
}

// Goals.
const (
	goalRatio = 0.25 // round-N distance / round-1 distance, at most
	goalClean = 0.70 // share of round-N drafts approved without an edit, at least
)

type options struct {
	rounds, perRound int
	verbose          bool
	csvDir           string
	seed             uint64
	style            string
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of review per persona")
	flag.IntVar(&o.perRound, "per-round", 10, "new products generated and reviewed per round")
	flag.BoolVar(&o.verbose, "v", false, "print every edit (draft vs the persona's text) and the memory each brand learned")
	flag.StringVar(&o.csvDir, "csv-dir", "../shared/data/shopify-csvs", "directory of the sample Shopify product CSVs")
	flag.Uint64Var(&o.seed, "seed", 1, "order in which products are reviewed (the same for every persona)")
	flag.StringVar(&o.style, "style", "", `run one persona made up on the spot instead of the three, e.g. "remove: cosy, lovely; replace: jumper -> sweater; sign-off: Ships from Oslo.; max-words: 18; sentence-case-titles"`)
	flag.Parse()
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "learning bench:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(o options) (bool, error) {
	if o.rounds < 2 || o.perRound < 1 {
		return false, errors.New("-rounds must be at least 2 and -per-round at least 1")
	}
	files, err := filepath.Glob(filepath.Join(o.csvDir, "*.csv"))
	if err == nil && len(files) == 0 {
		err = fs.ErrNotExist
	}
	if err != nil {
		return false, fmt.Errorf("the sample catalog %s/*.csv is missing (run from the repository root, or pass -csv-dir): %w", o.csvDir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "plutopro-bench-learning-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)
	// Warnings and errors of the app go to stderr; the rest is dropped.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := reviewsim.StartServer(ctx, dir, logger)
	if err != nil {
		return false, err
	}
	defer srv.Close()

	fmt.Printf("learning benchmark (%s)\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("PlutoPro in-process: SQLite in a temp dir, job workers, offline writer, JSON API over %s\n", srv.URL)
	fmt.Printf("each persona: own account and brand, %d CSV files from %s, %d rounds of %d new products, channel etsy, fields title and description\n",
		len(files), o.csvDir, o.rounds, o.perRound)
	fmt.Printf("goal per persona: round-%d distance / round-1 distance <= %.2f and round-%d drafts approved without edit >= %.0f%%\n",
		o.rounds, goalRatio, o.rounds, 100*goalClean)
	var summary []string
	allOK := true
	list := personas()
	if o.style != "" {
		p, err := parseStyle(o.style)
		if err != nil {
			return false, err
		}
		list = []reviewsim.Persona{p}
	}
	for _, p := range list {
		ok, err := bench(ctx, srv, p, files, o)
		if err != nil {
			return false, fmt.Errorf("%s: %w", p.Name, err)
		}
		summary = append(summary, fmt.Sprintf("%s %s", p.Name, passFail(ok)))
		allOK = allOK && ok
	}
	fmt.Printf("\nsummary: %s\n", strings.Join(summary, ", "))
	return allOK, nil
}

func bench(ctx context.Context, srv *reviewsim.Server, p reviewsim.Persona, files []string, o options) (bool, error) {
	fmt.Printf("\n== %s ==\n", p)
	tok, err := srv.NewAccount(ctx, strings.ToLower(p.Name)+"@bench.example.com", p.Name)
	if err != nil {
		return false, err
	}
	c := &reviewsim.Client{BaseURL: srv.URL, Token: tok}
	b, err := c.CreateBrand(ctx, p.Name+" Goods", nil)
	if err != nil {
		return false, err
	}
	for _, f := range files {
		if _, err := c.Import(ctx, b.ID, f); err != nil {
			return false, err
		}
	}
	products, err := c.Products(ctx, b.ID)
	if err != nil {
		return false, err
	}
	if need := o.rounds * o.perRound; len(products) < need {
		return false, fmt.Errorf("%d rounds of %d products need %d products; the catalog has %d", o.rounds, o.perRound, need, len(products))
	}
	fmt.Printf("  brand %q, %d products imported\n", b.Name, len(products))
	start := time.Now()
	run := &reviewsim.Runner{Client: c, BrandID: b.ID, Brand: b.Name, Persona: p, Rounds: o.rounds, PerRound: o.perRound,
		Products: reviewsim.Order(products, o.seed), Samples: 1 << 20}
	rounds, err := run.Run(ctx)
	if err != nil {
		return false, err
	}
	fmt.Printf("  %5s %7s %10s %14s %7s %8s %15s   %s\n", "round", "drafts", "distance", "approved as is", "edited", "refused", "memory applied", "distance by field")
	for _, r := range rounds {
		var fields []string
		for _, f := range []string{"title", "description"} {
			fields = append(fields, fmt.Sprintf("%s %.4f", f, r.FieldDistance[f]))
		}
		fmt.Printf("  %5d %7d %10.4f %13.0f%% %7d %8d %8d of %-3d   %s\n", r.Round, r.Drafts, r.Distance, 100*r.Clean, r.Edited, r.Refused,
			r.MemoryApplied, r.MemoryItems, strings.Join(fields, ", "))
	}
	fmt.Printf("  (%.1f s; memory as it stood when each round's drafts were written)\n", time.Since(start).Seconds())
	for _, r := range rounds {
		for _, rf := range r.Refusals {
			fmt.Printf("  round %d refused: %s\n", r.Round, rf)
		}
	}
	// Which parts of the style the catalog's drafts tripped at all.
	var tripped, never []string
	for _, rule := range p.Rules {
		n := 0
		for _, r := range rounds {
			n += r.Tripped[rule.String()]
		}
		if n == 0 {
			never = append(never, rule.String())
		} else {
			tripped = append(tripped, fmt.Sprintf("%s (%d)", rule, n))
		}
	}
	fmt.Printf("  rules that changed drafts, over all rounds (drafts): %s\n", orNone(tripped))
	if len(never) > 0 {
		fmt.Printf("  rules no draft tripped (untested by this catalog): %s\n", strings.Join(never, "; "))
	}
	mem, err := c.Memory(ctx, b.ID)
	if err != nil {
		return false, err
	}
	first, last := rounds[0], rounds[len(rounds)-1]
	ok := first.Distance > 0 && last.Distance <= goalRatio*first.Distance && last.Clean >= goalClean
	ratio := "n/a (round 1 drafts already read as the persona wants: the persona tests nothing)"
	if first.Distance > 0 {
		ratio = fmt.Sprintf("%.3f", last.Distance/first.Distance)
	}
	fmt.Printf("  round %d / round 1 distance: %s (goal <= %.2f); round %d approved without edit: %.0f%% (goal >= %.0f%%): %s\n",
		last.Round, ratio, goalRatio, last.Round, 100*last.Clean, 100*goalClean, passFail(ok))
	if o.verbose || !ok {
		printMemory(mem)
	}
	if o.verbose {
		for _, r := range rounds {
			printEdits(r, len(r.Edits))
		}
	} else if !ok {
		printEdits(last, 8)
	}
	return ok, nil
}

func printMemory(mem *reviewsim.Memory) {
	fmt.Printf("  memory after the last round (%d items, %d apply):\n", len(mem.Items), mem.Applied())
	for _, it := range mem.Items {
		line := strings.ReplaceAll(it.Line, "\n", `\n`)
		if len(line) > 100 {
			line = line[:100] + "…"
		}
		fmt.Printf("    %-8s %-9s support %2d against %2d conf %.2f %-18s %s\n", it.Kind, it.Status, it.Support, it.Against, it.Confidence, scope(it.Scope), line)
	}
}

func scope(s string) string {
	if s == "" {
		return "(every field)"
	}
	return s
}

func printEdits(r reviewsim.Round, n int) {
	if len(r.Edits) == 0 {
		return
	}
	fmt.Printf("  round %d edits (%d of %d):\n", r.Round, min(n, len(r.Edits)), len(r.Edits))
	for _, e := range r.Edits[:min(n, len(r.Edits))] {
		fmt.Printf("    %s, %s (distance %.3f)\n      draft: %q\n      ideal: %q\n", e.Product, e.Field, e.Distance, e.Draft, e.Ideal)
	}
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, "; ")
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}
