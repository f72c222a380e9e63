package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/config"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/store"
)

// runSpec is one generation run: a fresh fake, a fresh data dir.
type runSpec struct {
	name        string
	products    int
	rpm         int // the app's limiter (PLUTOPRO_LLM_RPM)
	concurrency int // PLUTOPRO_LLM_CONCURRENCY
	fake        anthropicfake.Options
}

type runResult struct {
	name     string
	products int
	fields   int
	enqueue  time.Duration // drafts.Start: the generation row and one job per product
	elapsed  time.Duration // from Start to the generation's finished_at
	gen      *drafts.Generation
	drafts   draftCounts
	stats    callStats
	calls    callCounts
	billed   billedTotals
	jobs     jobCounts
	warns    int64
	errs     int64
	logPath  string
	logLines []string
}

type draftCounts struct {
	generation int // drafts written by this generation
	current    int // current drafts of the brand for the channel
	duplicates int // (product, field) pairs with more than one current draft, or more than one draft of this generation
	incomplete int // products without a current draft of this generation for every field
	invalid    int // drafts stored with violations
	repaired   int
	ungrounded int
}

// callStats are the fake's answers to POST /v1/messages, by status.
type callStats struct {
	calls    int
	byStatus map[int]int
}

// callCounts attribute the fake's calls to products (by the variant SKUs in
// the prompt's product facts).
type callCounts struct {
	firstOK     int // accepted first-attempt generation calls
	regenOK     int // accepted regenerations (the worker's regenerate-once path)
	exactlyOnce int // products with exactly one accepted first-attempt call
	minOK       int
	maxOK       int
	retried     int // faults followed by another call for the same product
	unknown     int // calls no product could be read from
	okTimes     []time.Time
}

func (c callCounts) steadyRate() float64 {
	if len(c.okTimes) < 2 {
		return 0
	}
	span := c.okTimes[len(c.okTimes)-1].Sub(c.okTimes[0]).Seconds()
	return float64(len(c.okTimes)-1) / span
}

type billedTotals struct {
	calls                               int
	writes                              int // calls that wrote the cache
	input, create, read, output         int
	create5m, create1h, priceFactorNot1 int
}

// weighted is input tokens billed at Anthropic's multipliers of the base
// input price: uncached input x1, 5-minute cache writes x1.25 (1-hour x2),
// cache reads x0.1.
func (b billedTotals) weighted() float64 {
	return float64(b.input) + 1.25*float64(b.create5m) + 2*float64(b.create1h) + 0.1*float64(b.read)
}

type jobCounts struct {
	byState map[string]int
	retries int // attempts beyond the first, over all generation jobs
}

func (j jobCounts) states() string {
	var keys []string
	for k := range j.byState {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", j.byState[k], k))
	}
	return strings.Join(parts, ", ")
}

// intact: the generation finished with every product done once, none
// failed, every field of every product drafted once, nothing duplicated.
func (r *runResult) intact() bool {
	want := r.products * r.fields
	return r.gen != nil && r.gen.Status == drafts.StatusDone && r.gen.Done == r.products && r.gen.Failed == 0 &&
		r.gen.Drafts == want && r.drafts.generation == want && r.drafts.current == want &&
		r.drafts.duplicates == 0 && r.drafts.incomplete == 0
}

// usageMatches: the generation's token counters equal what the fake billed.
func (r *runResult) usageMatches() bool {
	g := r.gen
	return g != nil && g.InputTokens == r.billed.input && g.CachedInputTokens == r.billed.read &&
		g.CacheWriteTokens == r.billed.create && g.OutputTokens == r.billed.output
}

func (r *runResult) printIntegrity() {
	g := r.gen
	want := r.products * r.fields
	fmt.Printf("  [%s] generation %s: done %d/%d, failed %d; drafts %d (want %d = %d products x %d fields), current %d, duplicates %d, products missing a field %d\n",
		r.name, g.Status, g.Done, r.products, g.Failed, r.drafts.generation, want, r.products, r.fields, r.drafts.current,
		r.drafts.duplicates, r.drafts.incomplete)
	fmt.Printf("  [%s] drafts stored with violations %d, repaired %d, flagged ungrounded %d; accepted calls per product: exactly one for %d/%d (min %d, max %d), regenerations %d\n",
		r.name, r.drafts.invalid, r.drafts.repaired, r.drafts.ungrounded, r.calls.exactlyOnce, r.products, r.calls.minOK, r.calls.maxOK, r.calls.regenOK)
	if r.calls.unknown > 0 {
		fmt.Printf("  [%s] %d calls named no product\n", r.name, r.calls.unknown)
	}
	fmt.Printf("  [%s] log: %d warnings, %d errors", r.name, r.warns, r.errs)
	if r.logPath != "" {
		fmt.Printf(" (%s)", r.logPath)
	}
	fmt.Println()
	for _, l := range r.logLines {
		fmt.Printf("    %s\n", l)
	}
	fmt.Printf("  [%s] intact (0 lost, 0 duplicated): %s\n", r.name, yesNo(r.intact()))
}

// runGeneration runs one generation of spec.products products for Shopify,
// all fields, through the app, and collects what the database and the fake
// say about it.
func runGeneration(o options, spec runSpec) (*runResult, error) {
	ctx := context.Background()
	fake := anthropicfake.New(spec.fake)
	defer fake.Close()

	dir, err := os.MkdirTemp("", "plutopro-bench-generate-"+spec.name+"-")
	if err != nil {
		return nil, err
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	logPath := filepath.Join(dir, "bench.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	var warns, errs atomic.Int64
	logger := slog.New(countingHandler{slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}), &warns, &errs})

	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.LLM = "anthropic"
	cfg.AnthropicAPIKey = "bench-key"
	cfg.AnthropicBaseURL = fake.URL()
	cfg.LLMRequestsPerMinute = spec.rpm
	cfg.LLMConcurrency = spec.concurrency
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := app.Open(ctx, cfg, logger, app.Options{Work: true, Migrate: true})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	if err := a.Jobs.Start(ctx); err != nil {
		return nil, err
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_ = a.Jobs.Stop(sctx)
	}
	defer stop()

	u, acct, err := a.Accounts.AddUser(ctx, "bench@example.com", "Bench", "")
	if err != nil {
		return nil, err
	}
	sc, err := a.Accounts.Scope(ctx, u.ID, acct.ID)
	if err != nil {
		return nil, err
	}
	b, err := a.Brands.Create(ctx, sc, brandInput())
	if err != nil {
		return nil, err
	}
	products := catalogProducts(spec.products, 1)
	for start := 0; start < len(products); start += 500 {
		chunk := products[start:min(start+500, len(products))]
		if err := a.DB.Tx(ctx, func(tx *store.Tx) error {
			_, err := a.Catalog.UpsertTx(ctx, tx, b.ID, chunk)
			return err
		}); err != nil {
			return nil, err
		}
	}

	res := &runResult{name: spec.name, products: spec.products, fields: len(generate.Fields(generate.Shopify)), logPath: logPath}
	start := time.Now()
	g, err := a.Drafts.Start(ctx, sc, b.ID, drafts.StartInput{Channel: string(generate.Shopify)})
	if err != nil {
		return nil, err
	}
	res.enqueue = time.Since(start)
	// Generous: several times what the limit allows, plus retries.
	timeout := time.Duration(float64(spec.products)/(float64(spec.rpm)/60)*3*float64(time.Second)) + 5*time.Minute
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lastPrint := time.Now()
	g, err = a.Drafts.Wait(wctx, sc, b.ID, g.ID, func(g *drafts.Generation) {
		if time.Since(lastPrint) >= 15*time.Second {
			lastPrint = time.Now()
			fmt.Fprintf(os.Stderr, "  [%s] %d/%d products done after %.0f s\n", spec.name, g.Done, g.Products, time.Since(start).Seconds())
		}
	})
	if err != nil && g == nil {
		return nil, err
	}
	res.elapsed = time.Since(start)
	if g.FinishedAt != nil {
		res.elapsed = g.FinishedAt.Sub(start)
	}
	// Let every job settle before reading River's table.
	stop()
	res.gen, err = a.Drafts.Get(ctx, sc, b.ID, g.ID)
	if err != nil {
		return nil, err
	}

	if err := res.countDrafts(ctx, a, b.ID); err != nil {
		return nil, err
	}
	if err := res.countJobs(ctx, a); err != nil {
		return nil, err
	}
	res.countCalls(fake.Requests())
	for _, bl := range fake.Billed() {
		u := bl.Usage
		res.billed.calls++
		res.billed.input += u.InputTokens
		res.billed.create += u.CacheCreationInputTokens
		if u.CacheCreationInputTokens > 0 {
			res.billed.writes++
		}
		res.billed.read += u.CacheReadInputTokens
		res.billed.output += u.OutputTokens
		res.billed.create5m += u.CacheCreation5m
		res.billed.create1h += u.CacheCreation1h
		if bl.PriceFactor != 1 {
			res.billed.priceFactorNot1++
		}
	}
	res.warns, res.errs = warns.Load(), errs.Load()
	if res.warns+res.errs > 0 {
		logf.Sync()
		if data, err := os.ReadFile(logPath); err == nil {
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			res.logLines = lines[:min(5, len(lines))]
		}
	}
	if !o.keep {
		res.logPath = ""
	}
	return res, nil
}

func (r *runResult) countDrafts(ctx context.Context, a *app.App, brandID string) error {
	ch := string(generate.Shopify)
	gid := r.gen.ID
	one := func(dst *int, q string, args ...any) error {
		return a.DB.QueryRow(ctx, q, args...).Scan(dst)
	}
	var dupCurrent, dupGen int
	for _, c := range []struct {
		dst  *int
		q    string
		args []any
	}{
		{&r.drafts.generation, `SELECT COUNT(*) FROM drafts WHERE generation_id = ?`, []any{gid}},
		{&r.drafts.current, `SELECT COUNT(*) FROM drafts WHERE brand_id = ? AND channel = ? AND is_current = 1`, []any{brandID, ch}},
		{&dupCurrent, `SELECT COUNT(*) FROM (SELECT product_id, field, COUNT(*) FROM drafts WHERE brand_id = ? AND channel = ? AND is_current = 1
			GROUP BY product_id, field HAVING COUNT(*) > 1) x`, []any{brandID, ch}},
		{&dupGen, `SELECT COUNT(*) FROM (SELECT product_id, field, COUNT(*) FROM drafts WHERE generation_id = ?
			GROUP BY product_id, field HAVING COUNT(*) > 1) x`, []any{gid}},
		{&r.drafts.incomplete, `SELECT COUNT(*) FROM products p WHERE p.brand_id = ? AND (SELECT COUNT(DISTINCT d.field) FROM drafts d
			WHERE d.product_id = p.id AND d.generation_id = ? AND d.is_current = 1) <> ?`, []any{brandID, gid, r.fields}},
		{&r.drafts.invalid, `SELECT COUNT(*) FROM drafts WHERE generation_id = ? AND violations <> '[]'`, []any{gid}},
		{&r.drafts.repaired, `SELECT COUNT(*) FROM drafts WHERE generation_id = ? AND repairs <> '[]'`, []any{gid}},
		{&r.drafts.ungrounded, `SELECT COUNT(*) FROM drafts WHERE generation_id = ? AND ungrounded <> '[]'`, []any{gid}},
	} {
		if err := one(c.dst, c.q, c.args...); err != nil {
			return fmt.Errorf("count drafts: %w", err)
		}
	}
	r.drafts.duplicates = dupCurrent + dupGen
	return nil
}

func (r *runResult) countJobs(ctx context.Context, a *app.App) error {
	rows, err := a.DB.Query(ctx, `SELECT state, COUNT(*), COALESCE(SUM(attempt), 0) FROM river_job WHERE kind = ? GROUP BY state`,
		drafts.GenerateArgs{}.Kind())
	if err != nil {
		return fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	r.jobs.byState = map[string]int{}
	for rows.Next() {
		var state string
		var n, attempts int
		if err := rows.Scan(&state, &n, &attempts); err != nil {
			return err
		}
		r.jobs.byState[state] = n
		r.jobs.retries += attempts - n
	}
	return rows.Err()
}

var regenMarker = []byte("Your previous attempt broke these rules")

// countCalls attributes the fake's calls to products: accepted first calls,
// accepted regenerations, and faults followed by a retry.
func (r *runResult) countCalls(reqs []anthropicfake.Recorded) {
	r.stats = callStats{byStatus: map[int]int{}}
	type perProduct struct {
		firstOK, pending int
	}
	byProduct := map[string]*perProduct{}
	for _, q := range reqs {
		if q.Path != "/v1/messages" {
			continue
		}
		r.stats.calls++
		r.stats.byStatus[q.Status]++
		key := ""
		if m := skuRe.FindSubmatch(q.Body); m != nil {
			key = string(m[1])
		}
		if key == "" {
			r.calls.unknown++
			continue
		}
		p := byProduct[key]
		if p == nil {
			p = &perProduct{}
			byProduct[key] = p
		}
		// Any call after a fault for the same product retries it.
		r.calls.retried += p.pending
		p.pending = 0
		if q.Status != 200 {
			p.pending++
			continue
		}
		if bytes.Contains(q.Body, regenMarker) {
			r.calls.regenOK++
			continue
		}
		r.calls.firstOK++
		p.firstOK++
		r.calls.okTimes = append(r.calls.okTimes, q.Time)
	}
	r.calls.minOK = -1
	for i := 0; i < r.products; i++ {
		n := 0
		if p := byProduct[fmt.Sprintf("JL-%06d", i)]; p != nil {
			n = p.firstOK
		}
		if n == 1 {
			r.calls.exactlyOnce++
		}
		if r.calls.minOK < 0 || n < r.calls.minOK {
			r.calls.minOK = n
		}
		r.calls.maxOK = max(r.calls.maxOK, n)
	}
	slices.SortFunc(r.calls.okTimes, func(a, b time.Time) int { return a.Compare(b) })
}
