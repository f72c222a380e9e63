package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

const samples = "../../../../shared/data/shopify-csvs"

type testBundle struct {
	db      *store.DB
	svc     *Service
	catalog *catalog.Service
	sc      tenant.Scope
	brandID string
}

// setup makes a brand and an insert-only job client: tests work the import
// jobs themselves, so they control when (and whether) a worker runs.
func setup(t *testing.T, db *store.DB) *testBundle {
	t.Helper()
	ctx := context.Background()
	accounts := account.NewService(db, mail.NewOutbox(db, nil, nil), "http://x")
	u, a, err := accounts.AddUser(ctx, "ada-"+store.NewID()[30:]+"@example.com", "Ada", "")
	if err != nil {
		t.Fatal(err)
	}
	sc := tenant.Scope{AccountID: a.ID, UserID: u.ID, Role: tenant.Owner}
	brands := brand.NewService(db)
	name := "Northwind"
	b, err := brands.Create(ctx, sc, brand.Input{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.NewService(db, brands)
	svc := NewService(db, brands, cat)
	if db.Engine() == store.SQLite {
		svc.UploadDir = t.TempDir() // as the app does on the embedded default
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &ImportWorker{Service: svc})
	jc, err := jobs.New(db, jobs.Options{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetJobs(jc)
	return &testBundle{db: db, svc: svc, catalog: cat, sc: sc, brandID: b.ID}
}

// importNow starts an import of data and works its job to the end.
func (b *testBundle) importNow(t *testing.T, name string, data []byte) *Import {
	t.Helper()
	ctx := context.Background()
	im, err := b.svc.Start(ctx, b.sc, b.brandID, Input{Filename: name, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("Start(%s) = %v", name, err)
	}
	b.work(t, im.ID, 1)
	im, err = b.svc.Get(ctx, b.sc, b.brandID, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	if im.Status != StatusDone {
		t.Fatalf("import %s ended %s: %s", name, im.Status, im.Error)
	}
	return im
}

func (b *testBundle) work(t *testing.T, id string, run int) {
	t.Helper()
	w := &ImportWorker{Service: b.svc}
	if err := w.Work(context.Background(), &river.Job[ImportArgs]{Args: ImportArgs{ImportID: id, Run: run}}); err != nil {
		t.Fatalf("Work = %v", err)
	}
}

func (b *testBundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *testBundle) noUploadFiles(t *testing.T) {
	t.Helper()
	if b.svc.UploadDir == "" {
		return
	}
	left, _ := os.ReadDir(b.svc.UploadDir)
	if len(left) != 0 {
		t.Fatalf("%d upload files left behind", len(left))
	}
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samples, name))
	if err != nil {
		t.Skipf("sample data not found (%v); run from a checkout beside ../shared", err)
	}
	return data
}

// TestSamplesAndRoundTrip: the three Shopify samples give 60 products, 66
// variants and 82 images; their export re-imported changes nothing.
func TestSamplesAndRoundTrip(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		var total Import
		for _, f := range []string{"apparel.csv", "home-and-garden.csv", "jewelery.csv"} {
			im := b.importNow(t, f, readSample(t, f))
			total.Created += im.Created
			total.Variants += im.Variants
			total.Images += im.Images
			total.Rejected += im.Rejected
		}
		if total.Created != 60 || total.Variants != 66 || total.Images != 82 || total.Rejected != 0 {
			t.Fatalf("samples: %d products, %d variants, %d images, %d rejected; want 60, 66, 82, 0",
				total.Created, total.Variants, total.Images, total.Rejected)
		}
		if n := b.count(t, `SELECT COUNT(*) FROM import_chunks`); n != 0 {
			t.Fatalf("%d upload chunks left after the imports finished", n)
		}
		b.noUploadFiles(t)
		var buf bytes.Buffer
		n, err := b.svc.Export(ctx, b.sc, b.brandID, "shopify", &buf)
		if err != nil || n != 60 {
			t.Fatalf("Export = %d, %v", n, err)
		}
		var before []string
		_ = b.db.QueryRow(ctx, `SELECT COUNT(*) FROM products`).Scan(new(int))
		rows, _ := b.db.Query(ctx, `SELECT id || updated_at FROM products ORDER BY id`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			before = append(before, s)
		}
		rows.Close()
		im := b.importNow(t, "export.csv", buf.Bytes())
		if im.Unchanged != 60 || im.Created != 0 || im.Updated != 0 || im.Rejected != 0 {
			t.Fatalf("re-import of the export: created %d, updated %d, unchanged %d, rejected %d; want 0, 0, 60, 0",
				im.Created, im.Updated, im.Unchanged, im.Rejected)
		}
		var after []string
		rows, _ = b.db.Query(ctx, `SELECT id || updated_at FROM products ORDER BY id`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			after = append(after, s)
		}
		rows.Close()
		if strings.Join(before, ",") != strings.Join(after, ",") {
			t.Fatal("re-import rewrote products it reported unchanged")
		}
	})
}

// TestBadRows: each bad row is reported with its line, every good row is in.
func TestBadRows(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		data := "Handle,Title,Variant SKU,Variant Price\n" +
			"good-one,Good One,G1,10.00\n" +
			",No Handle,X1,5.00\n" +
			"bad-price,Bad Price,B1,abc\n" +
			"negative,Negative,N1,-3\n" +
			"good-two,\"Good\nTwo\",G2,12.50\n" +
			"cp1252,Caf\xe9 Cup,C1,4.00\n" +
			"undefined,Bad \x81 byte,U1,4.00\n"
		im := b.importNow(t, "bad.csv", []byte(data))
		rejects, err := b.svc.Rejects(context.Background(), b.sc, b.brandID, im.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		lines := map[int]string{}
		for _, r := range rejects {
			lines[r.Line] = r.Reason
		}
		for _, want := range []int{3, 4, 5, 9} {
			if lines[want] == "" {
				t.Errorf("no reject for line %d; got %v", want, rejects)
			}
		}
		if len(rejects) != 4 {
			t.Errorf("rejects = %v, want exactly lines 3, 4, 5 and 9", rejects)
		}
		if im.Created != 3 {
			t.Fatalf("created %d products, want 3 (good-one, good-two, cp1252)", im.Created)
		}
		p := b.productByHandle(t, "cp1252")
		if p.Title != "Café Cup" {
			t.Errorf("Windows-1252 title = %q, want Café Cup", p.Title)
		}
		if strings.ContainsRune(fmt.Sprint(lines), '\uFFFD') {
			t.Error("a reason holds U+FFFD")
		}
	})
}

func (b *testBundle) productByHandle(t *testing.T, handle string) *catalog.Product {
	t.Helper()
	var id string
	if err := b.db.QueryRow(context.Background(), `SELECT id FROM products WHERE brand_id = ? AND handle = ?`, b.brandID, handle).Scan(&id); err != nil {
		t.Fatalf("product %s: %v", handle, err)
	}
	p, err := b.catalog.Get(context.Background(), b.sc, b.brandID, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRefusedUploads: not CSV, too large, viewer, other tenant: refused with
// nothing stored.
func TestRefusedUploads(t *testing.T) {
	b := setup(t, storetest.SQLite(t, jobs.Migrate))
	ctx := context.Background()
	b.svc.MaxUploadBytes = 2 << 20
	big := "Handle,Title\n" + strings.Repeat("h,t\n", (3<<20)/4)
	other := setup(t, storetest.SQLite(t, jobs.Migrate))
	viewer := b.sc
	viewer.Role = tenant.Viewer
	cases := []struct {
		name string
		sc   tenant.Scope
		body string
		code apperr.Code
	}{
		{"png", b.sc, "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", apperr.Invalid},
		{"json", b.sc, `{"products": []}`, apperr.Invalid},
		{"empty", b.sc, "", apperr.Invalid},
		{"too large", b.sc, big, apperr.TooLarge},
		{"viewer", viewer, "Handle,Title\nh,t\n", apperr.Forbidden},
		{"other tenant", other.sc, "Handle,Title\nh,t\n", apperr.NotFound},
	}
	for _, c := range cases {
		_, err := b.svc.Start(ctx, c.sc, b.brandID, Input{Filename: c.name, Body: strings.NewReader(c.body)})
		if apperr.CodeOf(err) != c.code {
			t.Errorf("%s: Start = %v, want %s", c.name, err, c.code)
		}
	}
	for _, q := range []string{`SELECT COUNT(*) FROM imports`, `SELECT COUNT(*) FROM import_chunks`, `SELECT COUNT(*) FROM river_job`} {
		if n := b.count(t, q); n != 0 {
			t.Errorf("%s = %d after refused uploads, want 0", q, n)
		}
	}
	b.noUploadFiles(t)
}

// TestResumeAfterCrash: a worker dies after its first batch; the sweep
// hands the import to a new job, which finishes it with nothing duplicated
// and the counts right.
func TestResumeAfterCrash(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		var sb strings.Builder
		sb.WriteString("Handle,Title,Variant SKU,Variant Price\n")
		const n = 1300
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "p-%04d,Product %d,S%d,%d.00\n", i, i, i, i+1)
		}
		im, err := b.svc.Start(ctx, b.sc, b.brandID, Input{Filename: "big.csv", Body: strings.NewReader(sb.String())})
		if err != nil {
			t.Fatal(err)
		}
		// First worker: "crashes" (its context dies, its lease is never
		// released) right after the first batch commits.
		crashCtx, crash := context.WithCancel(ctx)
		b.svc.BatchSize = 500
		b.svc.afterFlush = crash
		if ok, err := b.svc.claim(crashCtx, im.ID); !ok || err != nil {
			t.Fatalf("claim = %v, %v", ok, err)
		}
		if err := b.svc.run(crashCtx, im.ID); !errors.Is(err, context.Canceled) {
			t.Fatalf("crashed run = %v, want canceled", err)
		}
		b.svc.afterFlush = nil
		mid, _ := b.svc.Get(ctx, b.sc, b.brandID, im.ID)
		if mid.Created == 0 || mid.Created >= n || mid.Status != StatusRunning {
			t.Fatalf("after the crash: %d created, status %s; want a partial running import", mid.Created, mid.Status)
		}

		// A second process takes over once the lease is stale.
		second := NewService(db, b.svc.brands, b.catalog)
		second.SetJobs(b.svc.jobs)
		second.UploadDir = b.svc.UploadDir
		second.Now = func() time.Time { return store.Now().Add(2 * time.Minute) }
		if resumed, err := second.ResumeStale(ctx); err != nil || resumed != 1 {
			t.Fatalf("ResumeStale = %d, %v; want 1", resumed, err)
		}
		if got := b.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'catalog_import'`); got != 2 {
			t.Fatalf("import jobs = %d, want 2 (the original and the resumed run)", got)
		}
		w := &ImportWorker{Service: second}
		if err := w.Work(ctx, &river.Job[ImportArgs]{Args: ImportArgs{ImportID: im.ID, Run: 2}}); err != nil {
			t.Fatal(err)
		}
		// The original job, rescued later by River, finds the import done.
		if err := (&ImportWorker{Service: b.svc}).Work(ctx, &river.Job[ImportArgs]{Args: ImportArgs{ImportID: im.ID, Run: 1}}); err != nil {
			t.Fatal(err)
		}
		done, _ := b.svc.Get(ctx, b.sc, b.brandID, im.ID)
		if done.Status != StatusDone || done.Created != n || done.Updated != 0 || done.Unchanged != 0 || done.Variants != n {
			t.Fatalf("after resume: status %s, created %d, updated %d, unchanged %d, variants %d; want done, %d, 0, 0, %d",
				done.Status, done.Created, done.Updated, done.Unchanged, done.Variants, n, n)
		}
		if got := b.count(t, `SELECT COUNT(*) FROM products WHERE brand_id = ?`, b.brandID); got != n {
			t.Fatalf("products = %d, want %d", got, n)
		}
	})
}

// TestListSearchAndPages checks search, filters and keyset pages over an import.
func TestListSearchAndPages(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		var sb strings.Builder
		sb.WriteString("Handle,Title,Vendor,Type,Tags,Variant SKU,Variant Price\n")
		for i := 0; i < 120; i++ {
			vendor, typ := "Northwind", "Candle"
			if i%3 == 0 {
				vendor, typ = "Juniper", "Mug"
			}
			fmt.Fprintf(&sb, "p-%03d,%s number %d,%s,%s,\"gift, %s\",SKU-%03d,5.00\n", i, typ, i, vendor, typ, strings.ToLower(typ), i)
		}
		b.importNow(t, "list.csv", []byte(sb.String()))
		seen := map[string]bool{}
		cursor := ""
		pages := 0
		for {
			res, err := b.catalog.List(ctx, b.sc, b.brandID, catalog.ListParams{Limit: 50, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, p := range res.Products {
				if seen[p.ID] {
					t.Fatalf("product %s on two pages", p.ID)
				}
				seen[p.ID] = true
			}
			if res.NextCursor == "" {
				break
			}
			cursor = res.NextCursor
		}
		if len(seen) != 120 || pages != 3 {
			t.Fatalf("paged %d products in %d pages, want 120 in 3", len(seen), pages)
		}
		cases := []struct {
			p    catalog.ListParams
			want int
		}{
			{catalog.ListParams{Query: "mug"}, 40},
			{catalog.ListParams{Query: "SKU-01"}, 10},
			{catalog.ListParams{Query: "number 7"}, 11}, // 7 and 70-79: the last word is a prefix
			{catalog.ListParams{Query: "number 117"}, 1},
			{catalog.ListParams{Vendor: "Juniper"}, 40},
			{catalog.ListParams{Type: "Candle"}, 80},
			{catalog.ListParams{Tag: "mug"}, 40},
			{catalog.ListParams{Query: "candle", Vendor: "Juniper"}, 0},
			{catalog.ListParams{Query: `"); DROP TABLE products; --`}, 0},
		}
		for _, c := range cases {
			c.p.Limit = 200
			res, err := b.catalog.List(ctx, b.sc, b.brandID, c.p)
			if err != nil {
				t.Fatalf("List(%+v) = %v", c.p, err)
			}
			if len(res.Products) != c.want {
				t.Errorf("List(%+v) = %d products, want %d", c.p, len(res.Products), c.want)
			}
		}
		other := setup(t, db)
		if _, err := b.catalog.List(ctx, other.sc, b.brandID, catalog.ListParams{}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another tenant listing = %v, want not found", err)
		}
	})
}
