package sandbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/app"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/cli"
	"github.com/plutopro/plutopro/internal/config"
	"github.com/plutopro/plutopro/internal/fakes/amazonfake"
	"github.com/plutopro/plutopro/internal/fakes/etsyfake"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
	"github.com/plutopro/plutopro/internal/sandbox"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

// world is `plutopro serve --sandbox` running in this process on a temp
// data dir, and the CLI on the same data dir.
type world struct {
	t     *testing.T
	env   map[string]string
	dir   string
	url   string
	sb    *sandbox.Sandbox
	a     *app.App
	token string
}

func start(t *testing.T, o sandbox.Options) *world { return startOn(t, o, "") }

// startOn runs on PostgreSQL when databaseURL is set.
func startOn(t *testing.T, o sandbox.Options, databaseURL string) *world {
	t.Helper()
	o.CatalogDir = "../../../shared/data/shopify-csvs"
	if _, err := sandbox.LoadCatalog(o.CatalogDir); err != nil {
		t.Skipf("sample catalog not found (%v): the sandbox needs ../shared/data/shopify-csvs", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	sb, err := sandbox.Start(ctx, dir, o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.BaseURL = "http://" + ln.Addr().String()
	env := map[string]string{"PLUTOPRO_DATA_DIR": dir, "PLUTOPRO_BASE_URL": cfg.BaseURL}
	if databaseURL != "" {
		cfg.DatabaseURL = databaseURL
		cfg.EncryptionKeys = "1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
		env["DATABASE_URL"], env["PLUTOPRO_ENCRYPTION_KEYS"] = cfg.DatabaseURL, cfg.EncryptionKeys
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(ctx, cfg, logger, app.Options{Work: true, Migrate: true, Sandbox: true, SandboxInfo: sb.Info})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
		sb.Close()
	})
	w := &world{t: t, env: env, dir: dir, url: cfg.BaseURL, sb: sb, a: a}
	w.cli("user", "add", "--email", "ada@example.com", "--name", "Ada", "--password-stdin")
	var tok struct{ Token string }
	w.cliJSON(&tok, "token", "add", "--email", "ada@example.com")
	w.token = tok.Token
	return w
}

// cli runs a command on the data dir and fails the test on a non-zero exit.
func (w *world) cli(args ...string) string {
	w.t.Helper()
	out, errs, code := w.run(args...)
	if code != 0 {
		w.t.Fatalf("plutopro %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (w *world) run(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, func(k string) string { return w.env[k] }, strings.NewReader("a long passphrase here\n"), &out, &errb)
	return out.String(), errb.String(), code
}

func (w *world) cliJSON(v any, args ...string) {
	w.t.Helper()
	out := w.cli(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		w.t.Fatalf("plutopro %s --json printed %q: %v", strings.Join(args, " "), out, err)
	}
}

// api calls the JSON API with the token.
func (w *world) api(method, path string, body, out any) int {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, w.url+"/api/v1"+path, rd)
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

type draftJSON struct {
	ID         string `json:"id"`
	ProductID  string `json:"product_id"`
	Field      string `json:"field"`
	Body       string `json:"body"`
	Violations []any  `json:"violations"`
}

// approveAll approves, through the API, every draft of a channel that
// breaks no rule, and returns the approved titles by product id.
func (w *world) approveAll(brandID, channel, titleField string) map[string]string {
	w.t.Helper()
	var list struct{ Drafts []draftJSON }
	if st := w.api("GET", "/brands/"+brandID+"/drafts?channel="+channel+"&status=draft&limit=1000", nil, &list); st != 200 {
		w.t.Fatalf("list drafts: %d", st)
	}
	titles := map[string]string{}
	var ids []string
	for _, d := range list.Drafts {
		if len(d.Violations) > 0 {
			continue
		}
		ids = append(ids, d.ID)
		if d.Field == titleField {
			titles[d.ProductID] = d.Body
		}
	}
	var res struct{ Approved int }
	if st := w.api("POST", "/brands/"+brandID+"/drafts/approve", map[string]any{"ids": ids}, &res); st != 200 || res.Approved != len(ids) {
		w.t.Fatalf("approve: %d, %d of %d", st, res.Approved, len(ids))
	}
	return titles
}

// catalogTitles are the brand's product titles from a platform, by
// product id and by external id.
func (w *world) catalogTitles(brandID, platform string) (byID, byExternal map[string]string) {
	w.t.Helper()
	sc, _, err := w.a.OperatorScope(context.Background(), brandID)
	if err != nil {
		w.t.Fatal(err)
	}
	byID, byExternal = map[string]string{}, map[string]string{}
	err = w.a.Catalog.Each(context.Background(), sc, brandID, func(p *catalog.Product) error {
		if p.Source == platform {
			byID[p.ID], byExternal[p.ExternalID] = p.Title, p.Title
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return byID, byExternal
}

// storeTitles reads the titles the fake store holds, by external id.
func storeTitles(sb *sandbox.Sandbox, platform string) map[string]string {
	out := map[string]string{}
	switch platform {
	case "shopify":
		for _, p := range sb.Shopify.Products() {
			out[p.ID] = p.Title
		}
	case "etsy":
		for _, l := range sb.Etsy.Listings() {
			out[fmt.Sprint(l.ListingID)] = l.Title
		}
	case "amazon":
		for _, l := range sb.Amazon.Listings() {
			out[l.SKU] = l.Text("item_name")
		}
	}
	return out
}

var titleFields = map[string]string{"shopify": "title", "etsy": "title", "amazon": "item_name"}

type syncOut struct {
	Syncs []struct {
		Status                            string
		Done, Created, Updated, Unchanged int
	}
}

type pubOut struct {
	Publications []struct {
		ProductID string `json:"product_id"`
		Status    string
		Version   int
		Error     string
		Before    struct{ Title *string }
	}
}

// walk is the path for one platform: connect --sandbox, sync (60
// products), generate, approve through the API, publish; a later sync
// brings the published titles back from the store; revert restores the
// original in the store.
func (w *world) walk(platform string) {
	t := w.t
	brand := "Brand " + platform
	var b struct{ ID string }
	w.cliJSON(&b, "brand", "add", "--owner", "ada@example.com", "--name", brand)
	w.cli("connect", "--brand", brand, "--platform", platform, "--sandbox")
	var s syncOut
	w.cliJSON(&s, "sync", "--brand", brand, "--wait")
	if got, _ := w.catalogTitles(b.ID, platform); len(got) != 60 {
		t.Fatalf("%s: %d products after sync, want the 60 sample products", platform, len(got))
	}
	w.cli("generate", "--brand", brand, "--channel", platform, "--wait")
	approved := w.approveAll(b.ID, platform, titleFields[platform])
	if len(approved) < 55 {
		t.Fatalf("%s: only %d titles approvable", platform, len(approved))
	}
	var pubs pubOut
	w.cliJSON(&pubs, "publish", "--brand", brand, "--wait")
	if len(pubs.Publications) != 60 {
		t.Fatalf("%s: %d publications, want 60", platform, len(pubs.Publications))
	}
	for _, p := range pubs.Publications {
		if p.Status != "done" || p.Version != 1 {
			t.Fatalf("%s: publication %+v", platform, p)
		}
	}
	// The store has the approved titles, and a sync brings them back.
	_, byExt := w.catalogTitles(b.ID, platform)
	store := storeTitles(w.sb, platform)
	w.cliJSON(&s, "sync", "--brand", brand, "--wait")
	if s.Syncs[0].Done != 60 || s.Syncs[0].Created != 0 {
		t.Fatalf("%s: second sync %+v", platform, s.Syncs[0])
	}
	byID, byExt := w.catalogTitles(b.ID, platform)
	for pid, title := range approved {
		if byID[pid] != title {
			t.Errorf("%s: after sync product %s has title %q, want the published %q", platform, pid, byID[pid], title)
		}
	}
	for ext, title := range store {
		if byExt[ext] != title {
			t.Errorf("%s: catalog title %q, store title %q", platform, byExt[ext], title)
		}
	}
	// Revert the first product to its original: the store has it again.
	p := pubs.Publications[0]
	w.cli("revert", "--brand", brand, "--product", p.ProductID, "--to", "0")
	w.cliJSON(&s, "sync", "--brand", brand, "--wait")
	byID, _ = w.catalogTitles(b.ID, platform)
	if p.Before.Title == nil || byID[p.ProductID] != *p.Before.Title {
		t.Errorf("%s: after revert the store's title is %q, want the original %v", platform, byID[p.ProductID], p.Before.Title)
	}
	storeNow := storeTitles(w.sb, platform)
	found := false
	for _, title := range storeNow {
		found = found || (p.Before.Title != nil && title == *p.Before.Title)
	}
	if !found {
		t.Errorf("%s: no product in the store has the original title %v after revert", platform, p.Before.Title)
	}
}

func TestSandboxWalkthrough(t *testing.T) {
	w := start(t, sandbox.Options{})
	for _, p := range []string{"shopify", "etsy", "amazon"} {
		t.Run(p, func(t *testing.T) {
			w.t = t
			w.walk(p)
		})
	}
	w.t = t

	// No token in plaintext anywhere in the database files.
	prefixes := []string{"shpat_", "shprt_", "Atza|", "Atzr|", fmt.Sprintf("%d.", w.sb.Etsy.UserID())}
	scan := func(when string) {
		files, _ := filepath.Glob(filepath.Join(w.dir, "plutopro.db*"))
		if len(files) == 0 {
			t.Fatalf("no database files in %s", w.dir)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range prefixes {
				if bytes.Contains(b, []byte(p)) {
					t.Errorf("%s: %s holds %q in plaintext", when, filepath.Base(f), p)
				}
			}
		}
	}
	scan("after connecting")
	// Positive control: the scan would see a plaintext value.
	if _, err := w.a.DB.Exec(context.Background(), `INSERT INTO webhook_deliveries (platform, delivery_id, topic, received_at)
		VALUES ('canary', 'canary-shpat_', '', CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.DB.Exec(context.Background(), `PRAGMA wal_checkpoint(FULL)`); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(w.dir, "plutopro.db*"))
	seen := false
	for _, f := range files {
		b, _ := os.ReadFile(f)
		seen = seen || bytes.Contains(b, []byte("canary-shpat_"))
	}
	if !seen {
		t.Fatal("positive control: the scan did not see a planted plaintext value")
	}
	if _, err := w.a.DB.Exec(context.Background(), `DELETE FROM webhook_deliveries WHERE platform = 'canary'`); err != nil {
		t.Fatal(err)
	}

	// Rotating the key re-encrypts the tokens; the connections keep working.
	w.cli("keys", "rotate")
	for _, p := range []string{"shopify", "etsy", "amazon"} {
		var s syncOut
		w.cliJSON(&s, "sync", "--brand", "Brand "+p, "--wait")
		if s.Syncs[0].Status != "done" || s.Syncs[0].Done != 60 {
			t.Errorf("%s: sync after key rotation %+v", p, s.Syncs[0])
		}
	}
}

func TestWebhooks(t *testing.T) {
	w := start(t, sandbox.Options{})
	var b struct{ ID string }
	w.cliJSON(&b, "brand", "add", "--owner", "ada@example.com", "--name", "Hooks")
	w.cli("connect", "--brand", "Hooks", "--platform", "shopify", "--sandbox")
	w.cli("sync", "--brand", "Hooks", "--wait")
	w.cli("generate", "--brand", "Hooks", "--channel", "shopify", "--fields", "title", "--wait")
	count := func() (n int, sum string) {
		rows, err := w.a.DB.Query(context.Background(), `SELECT title || updated_at FROM products ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var all []string
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			all = append(all, s)
		}
		return len(all), strings.Join(all, "|")
	}
	n0, sum0 := count()
	gid := w.sb.Shopify.Products()[0].ID
	body := fmt.Sprintf(`{"id":1,"admin_graphql_api_id":%q,"title":"Forged"}`, gid)
	for _, sig := range []string{"", "AAAA", "bm90IHRoZSBobWFj"} {
		req, _ := http.NewRequest("POST", w.url+"/webhooks/shopify", strings.NewReader(body))
		req.Header.Set("X-Shopify-Topic", "products/update")
		req.Header.Set("X-Shopify-Shop-Domain", w.sb.Info.Shopify.Shop)
		req.Header.Set("X-Shopify-Webhook-Id", "forged-"+sig)
		req.Header.Set("X-Shopify-Hmac-Sha256", sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("webhook with HMAC %q: %d, want 401", sig, resp.StatusCode)
		}
	}
	if n, sum := count(); n != n0 || sum != sum0 {
		t.Fatal("a forged webhook changed the catalog")
	}

	// A real change in the store reaches the catalog through the webhook.
	if _, err := w.sb.Shopify.EditProduct(gid, func(p *shopifyfake.Product) { p.Title = "Edited in the Shopify admin" }); err != nil {
		t.Fatal(err)
	}
	w.sb.Shopify.WaitWebhooks()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, byExt := w.catalogTitles(b.ID, "shopify")
		if byExt[gid] == "Edited in the Shopify admin" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the products/update webhook did not update the catalog: %q", byExt[gid])
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The draft written before the change is flagged; the others are not.
	var list struct {
		Drafts []struct {
			ProductID     string `json:"product_id"`
			SourceChanged bool   `json:"source_changed"`
		}
	}
	if st := w.api("GET", "/brands/"+b.ID+"/drafts?limit=1000", nil, &list); st != 200 || len(list.Drafts) != 60 {
		t.Fatalf("drafts: %d, %d", st, len(list.Drafts))
	}
	byID, _ := w.catalogTitles(b.ID, "shopify")
	flagged := 0
	for _, d := range list.Drafts {
		if d.SourceChanged {
			flagged++
			if byID[d.ProductID] != "Edited in the Shopify admin" {
				t.Errorf("draft of an unchanged product flagged")
			}
		}
	}
	if flagged != 1 {
		t.Errorf("%d drafts flagged as changed in the store, want 1", flagged)
	}

	// The mandatory privacy webhooks are answered 200.
	for _, topic := range []string{shopifyfake.TopicCustomersDataRequest, shopifyfake.TopicCustomersRedact, shopifyfake.TopicShopRedact} {
		d, err := w.sb.Shopify.SendPrivacyWebhook(topic, w.url+"/webhooks/shopify")
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != http.StatusOK {
			t.Errorf("%s: answered %d", topic, d.Status)
		}
	}
	// shop/redact erased the connection and its tokens.
	var conns, secrets int
	_ = w.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM connections`).Scan(&conns)
	_ = w.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM secret_values`).Scan(&secrets)
	if conns != 0 || secrets != 0 {
		t.Errorf("after shop/redact: %d connections, %d secrets", conns, secrets)
	}
}

// TestFaultsLoseNothing runs sync and publish while every store answers
// a tenth of its calls with throttling or 5xx errors.
func TestFaultsLoseNothing(t *testing.T) {
	// Faults hit the stores' APIs, not the consent pages a browser shows.
	plan := func(paths ...string) faultplan.Plan {
		return faultplan.Plan{Rate: 0.1, Kinds: []faultplan.Kind{faultplan.Throttle, faultplan.ServerError, faultplan.Unavailable},
			RetryAfter: 100 * time.Millisecond, Seed: 7, Paths: paths}
	}
	w := start(t, sandbox.Options{
		Shopify: func(o *shopifyfake.Options) { o.Faults = plan("/graphql.json") },
		Etsy:    func(o *etsyfake.Options) { o.Faults = plan("/v3/application/") },
		Amazon:  func(o *amazonfake.Options) { o.Faults = plan("/listings/", "/reports/") },
	})
	for _, platform := range []string{"shopify", "etsy", "amazon"} {
		t.Run(platform, func(t *testing.T) {
			w.t = t
			brand := "Faulty " + platform
			var b struct{ ID string }
			w.cliJSON(&b, "brand", "add", "--owner", "ada@example.com", "--name", brand)
			w.cli("connect", "--brand", brand, "--platform", platform, "--sandbox")
			w.cli("sync", "--brand", brand, "--wait")
			var n int
			_ = w.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM products WHERE brand_id = ?`, b.ID).Scan(&n)
			if n != 60 {
				t.Fatalf("%d products after a sync under faults, want 60", n)
			}
			w.cli("generate", "--brand", brand, "--channel", platform, "--wait")
			approved := w.approveAll(b.ID, platform, titleFields[platform])
			var pubs pubOut
			w.cliJSON(&pubs, "publish", "--brand", brand, "--wait")
			if len(pubs.Publications) != 60 {
				t.Fatalf("%d publications, want 60", len(pubs.Publications))
			}
			for _, p := range pubs.Publications {
				if p.Status != "done" {
					t.Errorf("publication %+v", p)
				}
			}
			var versions int
			_ = w.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM publications WHERE brand_id = ? AND version > 1`, b.ID).Scan(&versions)
			if versions != 0 {
				t.Errorf("%d products were published twice", versions)
			}
			store := storeTitles(w.sb, platform)
			if len(store) != 60 {
				t.Errorf("the store holds %d products, want 60", len(store))
			}
			_, byExt := w.catalogTitles(b.ID, platform)
			mismatch := 0
			for ext, title := range store {
				if byExt[ext] != title {
					mismatch++
				}
			}
			if mismatch > 0 {
				t.Errorf("%d products differ between the store and the catalog", mismatch)
			}
			inStore := map[string]bool{}
			for _, title := range store {
				inStore[title] = true
			}
			for pid, title := range approved {
				if !inStore[title] {
					t.Errorf("approved title of %s %q is not in the store", pid, title)
				}
			}
		})
	}
	w.t = t
	injected := 0
	for _, m := range []map[faultplan.Kind]int{w.sb.Shopify.Injected(), w.sb.Etsy.Faults().Injected(), w.sb.Amazon.Faults().Injected()} {
		for _, n := range m {
			injected += n
		}
	}
	if injected < 40 {
		t.Errorf("only %d faults injected: the test proves little", injected)
	}
	t.Logf("faults injected: shopify %v, etsy %v, amazon %v", w.sb.Shopify.Injected(), w.sb.Etsy.Faults().Injected(), w.sb.Amazon.Faults().Injected())
}

// TestSandboxWalkthroughPostgres walks Shopify on PostgreSQL and scans a
// dump of every table for tokens.
func TestSandboxWalkthroughPostgres(t *testing.T) {
	w := startOn(t, sandbox.Options{}, storetest.PostgresURL(t))
	w.walk("shopify")
	ctx := context.Background()
	rows, err := w.a.DB.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables in the dump", len(tables))
	}
	found := 0
	for _, table := range tables {
		var dump string
		if err := w.a.DB.QueryRow(ctx, `SELECT COALESCE(string_agg(t::text, E'\n'), '') FROM "`+table+`" t`).Scan(&dump); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"shpat_", "shprt_"} {
			if strings.Contains(dump, p) {
				t.Errorf("table %s holds %q in plaintext", table, p)
			}
		}
		if strings.Contains(dump, "v1.") && table == "secret_values" {
			found++
		}
	}
	if found == 0 {
		t.Error("the dump holds no sealed secret: the scan looked in the wrong place")
	}
}

// TestShopifyBulkSync: a store above the bulk threshold is read with one
// Bulk Operation (JSONL with __parentId), not hundreds of pages.
func TestShopifyBulkSync(t *testing.T) {
	extra := 300
	w := start(t, sandbox.Options{Shopify: func(o *shopifyfake.Options) {
		for i := range extra {
			o.Products = append(o.Products, &catalog.Product{Handle: fmt.Sprintf("bulk-%03d", i), Title: fmt.Sprintf("Bulk product %d", i),
				BodyHTML: "<p>One of many.</p>", Vendor: "Bulk Co", Variants: []catalog.Variant{{SKU: fmt.Sprintf("BULK-%03d", i)}}})
		}
	}})
	var b struct{ ID string }
	w.cliJSON(&b, "brand", "add", "--owner", "ada@example.com", "--name", "Big")
	w.cli("connect", "--brand", "Big", "--platform", "shopify", "--sandbox")
	var s syncOut
	w.cliJSON(&s, "sync", "--brand", "Big", "--wait")
	if got, _ := w.catalogTitles(b.ID, "shopify"); len(got) != 60+extra {
		t.Fatalf("%d products after a bulk sync, want %d", len(got), 60+extra)
	}
	bulk := 0
	for _, r := range w.sb.Shopify.Requests() {
		if strings.Contains(string(r.Body), "bulkOperationRunQuery") {
			bulk++
		}
	}
	if bulk == 0 {
		t.Error("the sync did not use a bulk operation")
	}
}

// TestDisconnectAndUninstall: disconnecting deletes the tokens and removes
// the webhooks; app/uninstalled deletes the tokens too.
func TestDisconnectAndUninstall(t *testing.T) {
	w := start(t, sandbox.Options{})
	ctx := context.Background()
	secrets := func() int {
		var n int
		_ = w.a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM secret_values`).Scan(&n)
		return n
	}
	var b struct{ ID string }
	w.cliJSON(&b, "brand", "add", "--owner", "ada@example.com", "--name", "Leaving")
	w.cli("connect", "--brand", "Leaving", "--platform", "shopify", "--sandbox")
	if n := len(w.sb.Shopify.Subscriptions(w.sb.Info.Shopify.Shop)); n < 4 {
		t.Fatalf("%d webhook subscriptions after connecting, want 4", n)
	}
	if secrets() != 2 {
		t.Fatalf("%d secrets after connecting, want access and refresh tokens", secrets())
	}
	sc, _, err := w.a.OperatorScope(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := w.a.Connect.ByPlatform(ctx, sc, b.ID, "shopify")
	if err != nil {
		t.Fatal(err)
	}
	// Another account's scope cannot see or disconnect it.
	other := sc
	other.AccountID = "01a22222-0000-7000-8000-000000000000"
	if err := w.a.Connect.Disconnect(ctx, other, b.ID, conn.ID); err == nil {
		t.Fatal("another account disconnected the store")
	}
	if err := w.a.Connect.Disconnect(ctx, sc, b.ID, conn.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(w.sb.Shopify.Subscriptions(w.sb.Info.Shopify.Shop)); n != 0 {
		t.Errorf("%d webhook subscriptions left after disconnecting", n)
	}
	if n := secrets(); n != 0 {
		t.Errorf("%d secrets left after disconnecting", n)
	}
	if out, _, code := w.run("sync", "--brand", "Leaving", "--wait"); code == 0 {
		t.Errorf("sync after disconnecting succeeded: %s", out)
	}

	// Connect again, then the seller uninstalls the app in Shopify.
	w.cli("connect", "--brand", "Leaving", "--platform", "shopify", "--sandbox")
	if secrets() != 2 {
		t.Fatalf("%d secrets after reconnecting", secrets())
	}
	if _, err := w.sb.Shopify.Uninstall(w.sb.Info.Shopify.Shop); err != nil {
		t.Fatal(err)
	}
	w.sb.Shopify.WaitWebhooks()
	if n := secrets(); n != 0 {
		t.Errorf("%d secrets left after app/uninstalled", n)
	}
	conn, _ = w.a.Connect.ByPlatform(ctx, sc, b.ID, "shopify")
	if conn.Status != "disconnected" {
		t.Errorf("status after app/uninstalled: %s", conn.Status)
	}
}

// TestTokensRefreshedBeforeExpiry: an access token about to expire is
// renewed with the refresh token before it is used, and the rotated
// refresh token works the next time.
func TestTokensRefreshedBeforeExpiry(t *testing.T) {
	w := start(t, sandbox.Options{Shopify: func(o *shopifyfake.Options) { o.AccessTokenTTL = 2 * time.Minute }})
	w.cli("brand", "add", "--owner", "ada@example.com", "--name", "Fresh")
	w.cli("connect", "--brand", "Fresh", "--platform", "shopify", "--sandbox")
	refreshes := func() int {
		n := 0
		for _, r := range w.sb.Shopify.Requests() {
			if strings.HasSuffix(r.Path, "/oauth/access_token") && strings.Contains(string(r.Body), "refresh_token") {
				n++
			}
		}
		return n
	}
	before := refreshes()
	for range 2 {
		var s syncOut
		w.cliJSON(&s, "sync", "--brand", "Fresh", "--wait")
		if s.Syncs[0].Status != "done" || s.Syncs[0].Done != 60 {
			t.Fatalf("sync with an expiring token: %+v", s.Syncs[0])
		}
	}
	if refreshes() <= before {
		t.Error("the expiring access token was not refreshed")
	}
}
