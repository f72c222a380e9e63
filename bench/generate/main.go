// Command generate benchmarks draft generation through PlutoPro's real path
// (drafts.Service.Start, one River job per product on the "generate" queue,
// the process's pacer (every HTTP attempt, retries included), the Anthropic provider on the official
// SDK, validation, storage in SQLite) against the Anthropic fake
// (internal/fakes/anthropicfake), in one process, each benchmark on a fresh
// data dir and a fresh fake:
//
//  1. throughput: -products products with -latency per call and the fake
//     enforcing -rpm requests per minute (its 429s reveal over-sending);
//     achieved generation calls per second / the bound set by the limit
//     (rpm/60). Goal >= 0.9 with no lost or duplicated drafts.
//
//  2. cost: the same generation twice, against a fake where prompt caching
//     works (minimum cacheable prefix 1,024 tokens, Anthropic's) and one
//     where it cannot (minimum 2^30); input tokens billed per product,
//     weighted by Anthropic's price multipliers; cached / uncached. Goal <= 0.35.
//
//  3. faults: -fault-rate of the calls answered 429 (retry-after 1 s), 529
//     or 500; every product must complete exactly once.
//
// Each run checks from the database that every product has exactly one
// current draft per field and nothing is duplicated, and from the fake how
// many calls each product cost. Usage:
//
//	go run ./bench/generate                         # all three, default sizes (~6 minutes)
//	go run ./bench/generate -only throughput -products 300
//	go run ./bench/generate -only cost
//
// Exits 1 when a goal is not met, 2 on an error.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
	"github.com/plutopro/plutopro/internal/generate"
)

type options struct {
	products, costProducts, faultProducts int
	latency, costLatency, faultLatency    time.Duration
	rpm, costRPM, faultRPM                int
	concurrency                           int
	faultRate                             float64
	only                                  string
	responder                             string
	keep                                  bool
	cpuprofile                            string
}

func main() {
	var o options
	flag.IntVar(&o.products, "products", 2000, "products in the throughput benchmark")
	flag.DurationVar(&o.latency, "latency", 300*time.Millisecond, "fake latency per call in the throughput benchmark")
	flag.IntVar(&o.rpm, "rpm", 600, "requests per minute: the app's limiter (PLUTOPRO_LLM_RPM) and the fake's enforced limit in the throughput benchmark")
	flag.IntVar(&o.concurrency, "concurrency", 16, "generation jobs at once (PLUTOPRO_LLM_CONCURRENCY)")
	flag.IntVar(&o.costProducts, "cost-products", 300, "products in each run of the cost benchmark")
	flag.DurationVar(&o.costLatency, "cost-latency", 0, "fake latency per call in the cost benchmark")
	flag.IntVar(&o.costRPM, "cost-rpm", 0, "the app's limiter in the cost benchmark (0: same as -rpm)")
	flag.IntVar(&o.faultProducts, "fault-products", 500, "products in the faults benchmark")
	flag.DurationVar(&o.faultLatency, "fault-latency", 0, "fake latency per call in the faults benchmark")
	flag.IntVar(&o.faultRPM, "fault-rpm", 0, "the app's limiter in the faults benchmark (0: same as -rpm)")
	flag.Float64Var(&o.faultRate, "fault-rate", 0.2, "fraction of calls answered 429, 529 or 500 in the faults benchmark")
	flag.StringVar(&o.only, "only", "all", "throughput, cost, faults or all")
	flag.StringVar(&o.responder, "responder", "valid", "the fake's answers: valid (every field passes validation) or fill (the fake's default FillSchema)")
	flag.BoolVar(&o.keep, "keep", false, "keep the data dirs and logs")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run here")
	flag.Parse()
	if o.costRPM == 0 {
		o.costRPM = o.rpm
	}
	if o.faultRPM == 0 {
		o.faultRPM = o.rpm
	}
	if o.cpuprofile != "" {
		pf, err := os.Create(o.cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(pf)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "generate bench:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	ok, err := run(o)
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "generate bench:", err)
		os.Exit(2)
	}
	if !ok {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(o options) (bool, error) {
	benches := map[string]func(options) (bool, error){"throughput": throughput, "cost": cost, "faults": faults}
	var names []string
	switch o.only {
	case "all":
		names = []string{"throughput", "cost", "faults"}
	case "throughput", "cost", "faults":
		names = []string{o.only}
	default:
		return false, fmt.Errorf("-only %q: want throughput, cost, faults or all", o.only)
	}
	if o.responder != "valid" && o.responder != "fill" {
		return false, fmt.Errorf("-responder %q: want valid or fill", o.responder)
	}
	fields := generate.Fields(generate.Shopify)
	fmt.Printf("draft generation benchmark (%s)\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("PlutoPro path: drafts.Start -> River queue %q (concurrency %d) -> anthropic provider (SDK, %s, paced per attempt) -> anthropicfake\n",
		"generate", o.concurrency, "claude-haiku-4-5")
	fmt.Printf("channel shopify, all %d fields (%s); responder: %s\n", len(fields), fieldNames(fields), o.responder)
	var results []string
	allOK := true
	for _, name := range names {
		ok, err := benches[name](o)
		if err != nil {
			return false, fmt.Errorf("%s: %w", name, err)
		}
		results = append(results, fmt.Sprintf("%s %s", name, passFail(ok)))
		allOK = allOK && ok
	}
	fmt.Printf("\nsummary: %s\n", strings.Join(results, ", "))
	return allOK, nil
}

func fieldNames(fs []generate.FieldSpec) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func (o options) respond() func(anthropicfake.Request) (map[string]any, error) {
	if o.responder == "fill" {
		return nil
	}
	return validResponder
}

// throughput: 2,000 products, 300 ms per call, 600 requests/minute.
func throughput(o options) (bool, error) {
	fmt.Printf("\n== 1. throughput: %d products, fake latency %s, limit %d requests/minute (app limiter and fake) ==\n", o.products, o.latency, o.rpm)
	r, err := runGeneration(o, runSpec{name: "throughput", products: o.products, rpm: o.rpm, concurrency: o.concurrency,
		fake: anthropicfake.Options{Responder: o.respond(), RequestsPerMinute: o.rpm,
			Faults: anthropicfake.Faults{Latency: o.latency, Paths: []string{"/v1/messages"}}}})
	if err != nil {
		return false, err
	}
	r.printIntegrity()
	bound := float64(o.rpm) / 60
	achieved := float64(r.calls.firstOK) / r.elapsed.Seconds()
	ratio := achieved / bound
	fmt.Printf("  elapsed: %.1f s (enqueue %d jobs: %.2f s), %.1f products/s\n", r.elapsed.Seconds(), r.products, r.enqueue.Seconds(),
		float64(r.gen.Done)/r.elapsed.Seconds())
	fmt.Printf("  calls to the fake: %d (%d accepted first calls, %d regenerations, %d answered 429 by the fake's own limit)\n",
		r.stats.calls, r.calls.firstOK, r.calls.regenOK, r.stats.byStatus[429])
	if r.calls.firstOK > 1 {
		fmt.Printf("  steady rate (first to last accepted call): %.2f calls/s\n", r.calls.steadyRate())
	}
	fmt.Printf("  bound set by the limit: %d/60 = %.2f calls/s\n", o.rpm, bound)
	fmt.Printf("  achieved: %d accepted generation calls / %.1f s = %.2f calls/s\n", r.calls.firstOK, r.elapsed.Seconds(), achieved)
	ok := ratio >= 0.9 && r.intact()
	fmt.Printf("  ratio achieved / bound: %.3f (goal >= 0.9, with 0 lost and 0 duplicated drafts): %s\n", ratio, passFail(ok))
	return ok, nil
}

// cost: input tokens billed per product with prompt caching vs without.
func cost(o options) (bool, error) {
	fmt.Printf("\n== 2. cost: %d products twice (fake latency %s, limiter %d requests/minute): prompt caching possible vs impossible ==\n",
		o.costProducts, o.costLatency, o.costRPM)
	spec := func(name string, minCache int) runSpec {
		return runSpec{name: name, products: o.costProducts, rpm: o.costRPM, concurrency: o.concurrency,
			fake: anthropicfake.Options{Responder: o.respond(), MinCacheTokens: minCache,
				Faults: anthropicfake.Faults{Latency: o.costLatency, Paths: []string{"/v1/messages"}}}}
	}
	cached, err := runGeneration(o, spec("cost-cached", 0))
	if err != nil {
		return false, err
	}
	cached.printIntegrity()
	uncached, err := runGeneration(o, spec("cost-uncached", 1<<30))
	if err != nil {
		return false, err
	}
	uncached.printIntegrity()
	fmt.Println("  weights (Anthropic's price multipliers on the base input price): input 1, cache write (5 min) 1.25, cache read 0.1")
	fmt.Printf("  %-44s %12s %12s\n", "", "caching", "no caching")
	row := func(label string, f func(r *runResult) string) {
		fmt.Printf("  %-44s %12s %12s\n", label, f(cached), f(uncached))
	}
	row("accepted calls", func(r *runResult) string { return fmt.Sprint(r.billed.calls) })
	row("input_tokens (uncached)", func(r *runResult) string { return fmt.Sprint(r.billed.input) })
	row("cache_creation_input_tokens", func(r *runResult) string { return fmt.Sprint(r.billed.create) })
	row("cache_read_input_tokens", func(r *runResult) string { return fmt.Sprint(r.billed.read) })
	row("output_tokens", func(r *runResult) string { return fmt.Sprint(r.billed.output) })
	row("prompt tokens per call (all kinds)", func(r *runResult) string {
		return fmt.Sprintf("%.0f", float64(r.billed.input+r.billed.create+r.billed.read)/float64(max(1, r.billed.calls)))
	})
	row("weighted input tokens billed per product", func(r *runResult) string { return fmt.Sprintf("%.1f", r.billed.weighted()/float64(r.products)) })
	row("USD per product (app's usage, haiku 4.5)", func(r *runResult) string { return fmt.Sprintf("%.6f", r.gen.CostUSD/float64(r.products)) })
	row("app's usage matches the fake's billing", func(r *runResult) string { return yesNo(r.usageMatches()) })
	ratio := (cached.billed.weighted() / float64(cached.products)) / (uncached.billed.weighted() / float64(uncached.products))
	ok := ratio <= 0.35 && cached.intact() && uncached.intact() && cached.usageMatches() && uncached.usageMatches()
	fmt.Printf("  ratio cached / uncached input tokens billed per product: %.3f (goal <= 0.35): %s\n", ratio, passFail(ok))
	// The fake makes a cache entry readable as soon as it answers the first
	// call; the real API may let every call of the first concurrent wave
	// (the limiter's burst) write it. The pessimistic figure counts those
	// calls as writes instead of reads.
	if wave := min(max(1, o.costRPM/60), o.concurrency); cached.billed.writes > 0 && cached.billed.writes < wave {
		prefix := float64(cached.billed.create) / float64(cached.billed.writes)
		worst := (cached.billed.weighted() + float64(wave-cached.billed.writes)*prefix*(1.25-0.1)) / float64(cached.products)
		fmt.Printf("  pessimistic (all %d calls of the first concurrent wave write the %.0f-token prefix): %.1f per product, ratio %.3f\n",
			wave, prefix, worst, worst/(uncached.billed.weighted()/float64(uncached.products)))
	}
	return ok, nil
}

// faults: a fraction of calls answered 429, 529 or 500.
func faults(o options) (bool, error) {
	fmt.Printf("\n== 3. faults: %d products, %.0f%% of calls answered 429 (retry-after 1 s), 529 or 500; fake latency %s, limiter %d requests/minute ==\n",
		o.faultProducts, 100*o.faultRate, o.faultLatency, o.faultRPM)
	fmt.Println("  retries: the SDK's (anthropic.Options.MaxRetries default 4, honouring retry-after), then River's (MaxAttempts 10)")
	r, err := runGeneration(o, runSpec{name: "faults", products: o.faultProducts, rpm: o.faultRPM, concurrency: o.concurrency,
		fake: anthropicfake.Options{Responder: o.respond(), Faults: anthropicfake.Faults{
			Rate: o.faultRate, Kinds: []anthropicfake.FaultKind{anthropicfake.RateLimited, anthropicfake.Overloaded, anthropicfake.ServerError},
			RetryAfter: time.Second, Latency: o.faultLatency, Seed: 7, Paths: []string{"/v1/messages"}}}})
	if err != nil {
		return false, err
	}
	r.printIntegrity()
	injected := r.stats.byStatus[429] + r.stats.byStatus[529] + r.stats.byStatus[500]
	fmt.Printf("  elapsed: %.1f s\n", r.elapsed.Seconds())
	fmt.Printf("  calls to the fake: %d = %d accepted + %d faults injected (429: %d, 529: %d, 500: %d); observed fault rate %.1f%%\n",
		r.stats.calls, r.stats.byStatus[200], injected, r.stats.byStatus[429], r.stats.byStatus[529], r.stats.byStatus[500],
		100*float64(injected)/float64(max(1, r.stats.calls)))
	fmt.Printf("  faults retried: %d of %d (by the SDK: %d; calls that exhausted the SDK's retries and were retried as a River job: %d)\n",
		r.calls.retried, injected, r.calls.retried-r.jobs.retries, r.jobs.retries)
	fmt.Printf("  River jobs: %s; job attempts beyond the first: %d\n", r.jobs.states(), r.jobs.retries)
	fmt.Printf("  call rate: %.2f calls/s sent (limiter %.2f/s): every attempt, retries included, goes through the pacer\n",
		float64(r.stats.calls)/r.elapsed.Seconds(), float64(o.faultRPM)/60)
	ok := r.intact() && r.calls.exactlyOnce == r.products && r.calls.retried == injected
	fmt.Printf("  every product completed exactly once (done %d/%d, failed %d, drafts %d/%d, duplicates %d, products with exactly one accepted call %d/%d): %s\n",
		r.gen.Done, r.products, r.gen.Failed, r.drafts.generation, r.products*r.fields, r.drafts.duplicates, r.calls.exactlyOnce, r.products, passFail(ok))
	return ok, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "NO"
}

// countingHandler counts warnings and errors while writing every record at
// Warn or above to a log file.
type countingHandler struct {
	slog.Handler
	warn, errs *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	switch {
	case r.Level >= slog.LevelError:
		h.errs.Add(1)
	case r.Level >= slog.LevelWarn:
		h.warn.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(as), h.warn, h.errs}
}

func (h countingHandler) WithGroup(n string) slog.Handler {
	return countingHandler{h.Handler.WithGroup(n), h.warn, h.errs}
}
