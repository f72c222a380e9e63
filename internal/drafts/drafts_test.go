package drafts_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/anthropic"
	"github.com/plutopro/plutopro/internal/generate/offline"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

const samples = "../../../shared/data/shopify-csvs"

type testBundle struct {
	db      *store.DB
	svc     *drafts.Service
	sc      tenant.Scope
	brandID string
	jobs    *jobs.Client
}

func setup(t *testing.T, db *store.DB, provider generate.Provider) *testBundle {
	t.Helper()
	ctx := context.Background()
	accounts := account.NewService(db, mail.NewOutbox(db, nil, nil), "http://x")
	u, a, err := accounts.AddUser(ctx, "ada-"+store.NewID()[30:]+"@example.com", "Ada", "")
	if err != nil {
		t.Fatal(err)
	}
	sc := tenant.Scope{AccountID: a.ID, UserID: u.ID, Role: tenant.Owner}
	brands := brand.NewService(db)
	name, voice := "Northwind", "Warm, plain-spoken, no hype."
	b, err := brands.Create(ctx, sc, brand.Input{Name: &name, Voice: &voice, WordsAvoid: &[]string{"stunning", "elevate"}})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(db, brands)
	svc := drafts.NewService(db, brands, cat, provider)
	workers := river.NewWorkers()
	river.AddWorker(workers, &drafts.Worker{Service: svc})
	jc, err := jobs.New(db, jobs.Options{Workers: workers, Work: true, Queues: map[string]int{drafts.Queue: 4}})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetJobs(jc)
	if err := jc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jc.Stop(sctx)
	})
	loadSamples(t, db, cat, b.ID)
	return &testBundle{db: db, svc: svc, sc: sc, brandID: b.ID, jobs: jc}
}

func loadSamples(t *testing.T, db *store.DB, cat *catalog.Service, brandID string) {
	t.Helper()
	ctx := context.Background()
	for _, f := range []string{"apparel.csv", "home-and-garden.csv", "jewelery.csv"} {
		fh, err := os.Open(filepath.Join(samples, f))
		if err != nil {
			t.Skipf("sample data not found: %v", err)
		}
		r, err := csvfile.NewReader(fh, csvfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var ps []*catalog.Product
		for {
			it, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.Product != nil {
				ps = append(ps, it.Product)
			}
		}
		fh.Close()
		if err := db.Tx(ctx, func(tx *store.Tx) error { _, err := cat.UpsertTx(ctx, tx, brandID, ps); return err }); err != nil {
			t.Fatal(err)
		}
	}
}

func (b *testBundle) run(t *testing.T, in drafts.StartInput) *drafts.Generation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g, err := b.svc.Start(ctx, b.sc, b.brandID, in)
	if err != nil {
		t.Fatalf("Start = %v", err)
	}
	g, err = b.svc.Wait(ctx, b.sc, b.brandID, g.ID, nil)
	if err != nil {
		t.Fatalf("Wait = %v", err)
	}
	return g
}

func (b *testBundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOfflineShopify: every sample product gets every Shopify field, and
// every draft passes the channel's validation.
func TestOfflineShopify(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		b := setup(t, db, offline.New())
		g := b.run(t, drafts.StartInput{Channel: "shopify"})
		fields := len(generate.Fields(generate.Shopify))
		if g.Status != drafts.StatusDone || g.Products != 60 || g.Done != 60 || g.Drafts != 60*fields || g.Invalid != 0 || g.Failed != 0 {
			t.Fatalf("generation = %+v; want done, 60 products, %d drafts, 0 invalid", g, 60*fields)
		}
		ds, err := b.svc.List(context.Background(), b.sc, b.brandID, drafts.ListParams{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 60*fields {
			t.Fatalf("current drafts = %d, want %d", len(ds), 60*fields)
		}
		for _, d := range ds {
			if len(d.Violations) != 0 || d.Body == "" || d.Provider != "offline" || d.PromptHash == "" {
				t.Errorf("draft %s/%s: body %q violations %v provider %q", d.ProductID, d.Field, d.Body, d.Violations, d.Provider)
			}
		}
		// Again: versions 2, exactly one current per product, channel and field.
		b.run(t, drafts.StartInput{Channel: "shopify"})
		if n := b.count(t, `SELECT COUNT(*) FROM drafts WHERE brand_id = ? AND is_current = 1`, b.brandID); n != 60*fields {
			t.Fatalf("current drafts after a second run = %d, want %d", n, 60*fields)
		}
		if n := b.count(t, `SELECT COUNT(*) FROM (SELECT product_id, field FROM drafts WHERE is_current = 1 GROUP BY product_id, channel, field HAVING COUNT(*) > 1) x`); n != 0 {
			t.Fatalf("%d fields have more than one current draft", n)
		}
		// Only missing: everything has a draft now, so nothing is written.
		g3 := b.run(t, drafts.StartInput{Channel: "shopify", OnlyMissing: true})
		if g3.Drafts != 0 || g3.Done != 60 {
			t.Fatalf("only-missing run = %+v; want 0 drafts", g3)
		}
	})
}

// TestJobRunsOnce: running a product's job again writes nothing more.
func TestJobRunsOnce(t *testing.T) {
	b := setup(t, storetest.SQLite(t, jobs.Migrate), offline.New())
	g := b.run(t, drafts.StartInput{Channel: "etsy"})
	before := b.count(t, `SELECT COUNT(*) FROM drafts`)
	var pid string
	if err := b.db.QueryRow(context.Background(), `SELECT id FROM products LIMIT 1`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	// Also a product the generation recorded with no drafts (deleted, or
	// nothing to write) must not be counted twice.
	w := &drafts.Worker{Service: b.svc}
	gone := store.NewID()
	for i := 0; i < 3; i++ {
		if err := w.Work(context.Background(), &river.Job[drafts.GenerateArgs]{Args: drafts.GenerateArgs{GenerationID: g.ID, ProductID: gone}}); err != nil {
			t.Fatal(err)
		}
		if err := w.Work(context.Background(), &river.Job[drafts.GenerateArgs]{Args: drafts.GenerateArgs{GenerationID: g.ID, ProductID: pid}}); err != nil {
			t.Fatal(err)
		}
	}
	if after := b.count(t, `SELECT COUNT(*) FROM drafts`); after != before {
		t.Fatalf("drafts %d -> %d after re-running a job", before, after)
	}
	got, _ := b.svc.Get(context.Background(), b.sc, b.brandID, g.ID)
	if got.Done != 60 {
		t.Fatalf("done = %d after re-running a job, want 60", got.Done)
	}

	// A running generation whose product disappeared: the job records the
	// product once, however often it runs.
	running := store.NewID()
	if _, err := b.db.Exec(context.Background(), `INSERT INTO generations (id, brand_id, channel, fields, provider, status, total, created_at)
		VALUES (?, ?, 'etsy', '["title"]', 'offline', 'running', 2, ?)`, running, b.brandID, store.Now()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := w.Work(context.Background(), &river.Job[drafts.GenerateArgs]{Args: drafts.GenerateArgs{GenerationID: running, ProductID: gone}}); err != nil {
			t.Fatal(err)
		}
	}
	rg, _ := b.svc.Get(context.Background(), b.sc, b.brandID, running)
	if rg.Done != 1 || rg.Status != drafts.StatusRunning {
		t.Fatalf("after 3 runs of a vanished product's job: done %d, status %s; want 1, running", rg.Done, rg.Status)
	}
}

func TestStartRefusals(t *testing.T) {
	b := setup(t, storetest.SQLite(t, jobs.Migrate), offline.New())
	other := setup(t, b.db, offline.New())
	ctx := context.Background()
	viewer := b.sc
	viewer.Role = tenant.Viewer
	cases := []struct {
		name string
		sc   tenant.Scope
		in   drafts.StartInput
		code apperr.Code
	}{
		{"unknown channel", b.sc, drafts.StartInput{Channel: "ebay"}, apperr.Invalid},
		{"unknown field", b.sc, drafts.StartInput{Channel: "etsy", Fields: []string{"bullet_points"}}, apperr.Invalid},
		{"viewer", viewer, drafts.StartInput{}, apperr.Forbidden},
		{"other tenant", other.sc, drafts.StartInput{}, apperr.NotFound},
		{"other tenant's product", b.sc, drafts.StartInput{ProductIDs: []string{store.NewID()}}, apperr.NotFound},
	}
	for _, c := range cases {
		if _, err := b.svc.Start(ctx, c.sc, b.brandID, c.in); apperr.CodeOf(err) != c.code {
			t.Errorf("%s: Start = %v, want %s", c.name, err, c.code)
		}
	}
}

// TestBatch: a batch generation submits one Message Batch to the fake,
// waits for it, matches the shuffled results by custom id and stores every
// product's drafts once, at half price.
func TestBatch(t *testing.T) {
	fake := anthropicfake.New(anthropicfake.Options{APIKey: "k", BatchDelay: 300 * time.Millisecond})
	defer fake.Close()
	provider := anthropic.New(anthropic.Options{APIKey: "k", BaseURL: fake.URL()})
	db := storetest.SQLite(t, jobs.Migrate)
	b := setup(t, db, provider)
	// setup registered only the per-product worker; add a client that works batches.
	workers := river.NewWorkers()
	w := &drafts.Worker{Service: b.svc}
	river.AddWorker(workers, w)
	river.AddWorker(workers, &drafts.BatchWorker{Worker: w, Poll: 100 * time.Millisecond})
	jc, err := jobs.New(db, jobs.Options{Workers: workers, Work: true, Queues: map[string]int{drafts.Queue: 2}})
	if err != nil {
		t.Fatal(err)
	}
	b.svc.SetJobs(jc)
	ctx := context.Background()
	if err := b.jobs.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := jc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer jc.Stop(ctx)
	g := b.run(t, drafts.StartInput{Channel: "etsy", Batch: true})
	fields := len(generate.Fields(generate.Etsy))
	if g.Status != drafts.StatusDone || g.Done != 60 || g.Failed != 0 || g.Drafts != 60*fields {
		t.Fatalf("batch generation = %+v; want 60 products done with %d drafts", g, 60*fields)
	}
	if n := b.count(t, `SELECT COUNT(*) FROM (SELECT product_id, field FROM drafts WHERE is_current = 1 GROUP BY product_id, channel, field HAVING COUNT(*) > 1) x`); n != 0 {
		t.Fatalf("%d fields have more than one current draft", n)
	}
	st := fake.Stats()
	if st.ByPath["/v1/messages/batches"] != 1 {
		t.Fatalf("batches created = %d, want 1 (%v)", st.ByPath["/v1/messages/batches"], st.ByPath)
	}
	// Offline has no batch mode: refused with a clear message.
	off := setup(t, storetest.SQLite(t, jobs.Migrate), offline.New())
	if _, err := off.svc.Start(ctx, off.sc, off.brandID, drafts.StartInput{Batch: true}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("batch with the offline writer = %v, want invalid", err)
	}
}
