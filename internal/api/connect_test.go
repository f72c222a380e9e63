package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/sandbox"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

// sampleCatalog is the catalog the sandbox stores are seeded with, from
// this package's directory.
const sampleCatalog = "../../../shared/data/shopify-csvs"

// productID returns the id of the brand's product with the handle.
func (f *fixture) productID(t *testing.T, brandID, handle string) string {
	t.Helper()
	var id string
	if err := f.db.QueryRow(context.Background(), `SELECT id FROM products WHERE brand_id = ? AND handle = ?`, brandID, handle).Scan(&id); err != nil {
		t.Fatalf("product %s: %v", handle, err)
	}
	return id
}

// addConnection stores a connection as a completed authorization would,
// without tokens (so its sync and publish jobs fail), and returns its id.
func (f *fixture) addConnection(t *testing.T, brandID string, p connect.Platform, status string) string {
	t.Helper()
	id, now := store.NewID(), time.Now().UTC()
	if _, err := f.db.Exec(context.Background(), `INSERT INTO connections (id, brand_id, platform, account, name, status, scopes, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, brandID, string(p), "acct-"+id[:8], "Test store", status, `["write_products"]`, now, now); err != nil {
		t.Fatalf("add connection: %v", err)
	}
	return id
}

// addPublication stores a publication of a product with the status, as
// the publish worker leaves it, and returns its id.
func (f *fixture) addPublication(t *testing.T, brandID, productID, connID string, version int, status, before, after string) string {
	t.Helper()
	id, now := store.NewID(), time.Now().UTC()
	var finished *time.Time
	errText := ""
	switch status {
	case connect.PubDone:
		finished = &now
	case connect.PubFailed:
		finished, errText = &now, "The store refused the title."
	}
	if _, err := f.db.Exec(context.Background(), `INSERT INTO publications (id, brand_id, product_id, connection_id, kind, version, status, fields,
		before_value, after_value, error, attempts, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, brandID, productID, connID, connect.KindPublish, version, status, after, before, after, errText, 1, now, finished); err != nil {
		t.Fatalf("add publication: %v", err)
	}
	return id
}

// TestStorePublishingSandbox connects a brand to the sandbox Shopify store,
// then syncs, publishes an approved draft and reverts it through the API.
func TestStorePublishingSandbox(t *testing.T) {
	t.Parallel()
	if _, err := sandbox.LoadCatalog(sampleCatalog); err != nil {
		t.Skipf("sample catalog not found (%v): the sandbox needs ../shared/data/shopify-csvs beside the repository", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := sandbox.Start(ctx, t.TempDir(), sandbox.Options{CatalogDir: sampleCatalog, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	f := newFixtureWith(t, storetest.SQLite(t, jobs.Migrate), sandbox.Connectors(sb.Info))
	f.startWorkers(t)
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	b := f.brand(t, sc, "Sandbox shop")
	base := "/api/v1/brands/" + b.ID

	authURL, err := f.connect.Begin(ctx, sc, b.ID, connect.Shopify, sb.Info.Shopify.Shop)
	if err != nil {
		t.Fatal(err)
	}
	q, err := sandbox.Authorize(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := f.connect.Complete(ctx, connect.Shopify, q)
	if err != nil {
		t.Fatal(err)
	}

	// The connection, as a viewer sees it: no token anywhere.
	rec := f.do("GET", base+"/connections", viewer, "")
	wantStatus(t, rec, http.StatusOK)
	list := decodeBody[api.ConnectionList](t, rec)
	if len(list.Connections) != 1 || list.Connections[0].ID != conn.ID || list.Connections[0].Platform != connect.Shopify ||
		list.Connections[0].Status != connect.StatusConnected || list.Connections[0].LastSync == nil {
		t.Fatalf("connections = %s", rec.Body.String())
	}
	if body := strings.ToLower(rec.Body.String()); strings.Contains(body, `"access_token"`) || strings.Contains(body, `"refresh_token"`) ||
		strings.Contains(body, "secret") {
		t.Errorf("the connection shows a token or secret: %s", rec.Body.String())
	}

	// A sync, followed at its Location until it is done.
	rec = f.do("POST", base+"/connections/"+conn.ID+"/sync", owner, "")
	wantStatus(t, rec, http.StatusAccepted)
	loc := rec.Header().Get("Location")
	if sy := decodeBody[connect.Sync](t, rec); loc != base+"/syncs/"+sy.ID {
		t.Fatalf("sync Location = %q, sync %+v", loc, sy)
	}
	var sy connect.Sync
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		rec = f.do("GET", loc, viewer, "")
		wantStatus(t, rec, http.StatusOK)
		if sy = decodeBody[connect.Sync](t, rec); sy.Finished() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sync did not finish: %+v", sy)
		}
	}
	if sy.Status != connect.SyncDone || sy.Done == 0 {
		t.Fatalf("sync = %+v, want done with products", sy)
	}
	res, err := f.catalog.List(ctx, sc, b.ID, catalog.ListParams{Limit: 1})
	if err != nil || len(res.Products) != 1 {
		t.Fatalf("synced products = %+v, %v", res, err)
	}
	prod, err := f.catalog.Get(ctx, sc, b.ID, res.Products[0].ID)
	if err != nil {
		t.Fatal(err)
	}

	// A title drafted and approved, then published.
	f.generate(t, sc, b.ID, drafts.StartInput{Channel: "shopify", Fields: []string{"title"}, ProductIDs: []string{prod.ID}})
	title := f.currentDrafts(t, sc, b.ID)[prod.Handle]["title"]
	if title == nil {
		t.Fatalf("no title draft for %s", prod.Handle)
	}
	approved, err := f.drafts.Approve(ctx, sc, title.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec = f.do("POST", base+"/publish", owner, `{"platform":"shopify","product_ids":["`+prod.ID+`"]}`)
	wantStatus(t, rec, http.StatusAccepted)
	pubs := decodeBody[api.PublicationList](t, rec).Publications
	if len(pubs) != 1 || pubs[0].ProductID != prod.ID || pubs[0].Kind != connect.KindPublish || pubs[0].Version != 1 {
		t.Fatalf("publish = %s", rec.Body.String())
	}
	done := f.waitPublished(t, base, viewer, prod.ID, 1)
	if done.Status != connect.PubDone || done.After.Title == nil || *done.After.Title != approved.Body {
		t.Fatalf("publication = %+v, want done with the approved title %q", done, approved.Body)
	}
	if done.Before.Title == nil || *done.Before.Title != prod.Title {
		t.Errorf("publication before = %+v, want the store's title %q", done.Before, prod.Title)
	}
	// Published again as it is: nothing new.
	rec = f.do("POST", base+"/publish", owner, `{}`)
	wantStatus(t, rec, http.StatusAccepted)
	if got := decodeBody[api.PublicationList](t, rec).Publications; len(got) != 0 {
		t.Errorf("publishing again = %s, want no publication", rec.Body.String())
	}

	// Reverted to what the store had.
	rec = f.do("POST", base+"/products/"+prod.ID+"/revert", owner, `{"to":0}`)
	wantStatus(t, rec, http.StatusAccepted)
	if p := decodeBody[connect.Publication](t, rec); p.Kind != connect.KindRevert || p.Version != 2 {
		t.Fatalf("revert = %s", rec.Body.String())
	}
	reverted := f.waitPublished(t, base, viewer, prod.ID, 2)
	if reverted.Status != connect.PubDone || reverted.After.Title == nil || *reverted.After.Title != prod.Title {
		t.Fatalf("revert = %+v, want done with the title %q back", reverted, prod.Title)
	}
	rec = f.do("GET", base+"/publications?product_id="+prod.ID, viewer, "")
	wantStatus(t, rec, http.StatusOK)
	if got := decodeBody[api.PublicationList](t, rec).Publications; len(got) != 2 || got[0].Version != 2 || got[1].Version != 1 {
		t.Errorf("publications = %s, want the revert then the publication", rec.Body.String())
	}
}

// waitPublished polls GET publications until the product's publication
// of the version has finished.
func (f *fixture) waitPublished(t *testing.T, base, token, productID string, version int) connect.Publication {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		rec := f.do("GET", base+"/publications?product_id="+productID, token, "")
		wantStatus(t, rec, http.StatusOK)
		for _, p := range decodeBody[api.PublicationList](t, rec).Publications {
			if p.Version == version && (p.Status == connect.PubDone || p.Status == connect.PubFailed) {
				return *p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("publication %d of %s did not finish: %s", version, productID, rec.Body.String())
		}
	}
}

// TestStoreRefusals checks that viewers cannot act, that another account's
// ids are not found, and that bad bodies are refused, all without a change.
func TestStoreRefusals(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	_, _, other := f.user(t, "bob@example.com", "Bob")
	b := f.brand(t, sc, "Shop")
	f.addProducts(t, b.ID, "vase")
	vase := f.productID(t, b.ID, "vase")
	conn := f.addConnection(t, b.ID, connect.Shopify, connect.StatusConnected)
	failed := f.addPublication(t, b.ID, vase, conn, 1, connect.PubFailed, `{}`, `{"title":"Vase"}`)
	base := "/api/v1/brands/" + b.ID
	sy, err := f.connect.StartSync(context.Background(), sc, b.ID, conn)
	if err != nil {
		t.Fatal(err)
	}
	state := func() string {
		var n int
		var st string
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM publications`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := f.db.QueryRow(context.Background(), `SELECT status FROM publications WHERE id = ?`, failed).Scan(&st); err != nil {
			t.Fatal(err)
		}
		var syncs int
		if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM syncs`).Scan(&syncs); err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(n) + "/" + st + "/" + strconv.Itoa(syncs)
	}
	before := state()
	tests := []struct {
		name, token, method, path, body string
		status                          int
		code                            string
	}{
		{"viewer syncs", viewer, "POST", base + "/connections/" + conn + "/sync", "", 403, "forbidden"},
		{"viewer publishes", viewer, "POST", base + "/publish", `{}`, 403, "forbidden"},
		{"viewer publishes bad JSON", viewer, "POST", base + "/publish", `{`, 403, "forbidden"},
		{"viewer retries", viewer, "POST", base + "/publications/" + failed + "/retry", "", 403, "forbidden"},
		{"viewer reverts", viewer, "POST", base + "/products/" + vase + "/revert", `{"to":0}`, 403, "forbidden"},
		{"other lists connections", other, "GET", base + "/connections", "", 404, "not_found"},
		{"other syncs", other, "POST", base + "/connections/" + conn + "/sync", "", 404, "not_found"},
		{"other reads the sync", other, "GET", base + "/syncs/" + sy.ID, "", 404, "not_found"},
		{"other publishes", other, "POST", base + "/publish", `{}`, 404, "not_found"},
		{"other publishes bad JSON", other, "POST", base + "/publish", `{`, 404, "not_found"},
		{"other lists publications", other, "GET", base + "/publications", "", 404, "not_found"},
		{"other retries", other, "POST", base + "/publications/" + failed + "/retry", "", 404, "not_found"},
		{"other reverts", other, "POST", base + "/products/" + vase + "/revert", `{"to":0}`, 404, "not_found"},
		{"unknown connection", owner, "POST", base + "/connections/" + store.NewID() + "/sync", "", 404, "not_found"},
		{"unknown product", owner, "POST", base + "/products/" + store.NewID() + "/revert", `{"to":0}`, 404, "not_found"},
		{"bad platform", owner, "POST", base + "/publish", `{"platform":"ebay"}`, 400, "invalid"},
		{"platform not connected", owner, "POST", base + "/publish", `{"platform":"etsy"}`, 400, "invalid"},
		{"bad JSON", owner, "POST", base + "/publish", `{"platform":`, 400, "invalid"},
		{"unknown field", owner, "POST", base + "/publish", `{"store":"shopify"}`, 400, "invalid"},
		{"revert without to", owner, "POST", base + "/products/" + vase + "/revert", `{}`, 400, "invalid"},
		{"revert bad JSON", owner, "POST", base + "/products/" + vase + "/revert", `{"to":"one"}`, 400, "invalid"},
		{"revert before the original", owner, "POST", base + "/products/" + vase + "/revert", `{"to":-1}`, 400, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, f.do(tt.method, tt.path, tt.token, tt.body), tt.status, tt.code)
			if tt.status == http.StatusNotFound && strings.Contains(e.Error.Message, b.ID) {
				t.Errorf("404 names the brand: %q", e.Error.Message)
			}
			if after := state(); after != before {
				t.Errorf("a refused request changed publications or syncs: %s, was %s", after, before)
			}
		})
	}

	// Without the connect service, the store endpoints are not there.
	f.h = api.New(api.Config{Accounts: f.accounts, Brands: f.brands, Catalog: f.catalog, Transfer: f.transfer, Drafts: f.drafts, Learn: f.learn})
	wantError(t, f.do("GET", base+"/connections", owner, ""), http.StatusNotFound, "not_found")
	wantError(t, f.do("POST", base+"/publish", owner, `{}`), http.StatusNotFound, "not_found")
}

// TestOpenAPIConnectSchemas keeps the store schemas in step with the Go
// types the API encodes and decodes, and the documented platforms and
// statuses with the connect package.
func TestOpenAPIConnectSchemas(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, sqliteFixture(t))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schema := func(name string) map[string]any { return schemas[name].(map[string]any) }
	for name, typ := range map[string]reflect.Type{
		"Connection":      reflect.TypeFor[api.ConnectionJSON](),
		"ConnectionList":  reflect.TypeFor[api.ConnectionList](),
		"Sync":            reflect.TypeFor[connect.Sync](),
		"Publication":     reflect.TypeFor[connect.Publication](),
		"PublicationList": reflect.TypeFor[api.PublicationList](),
		"PublishFields":   reflect.TypeFor[connect.Fields](),
	} {
		t.Run(name, func(t *testing.T) {
			fields, required := jsonFieldsRequired(typ)
			if got := sortedKeys(schema(name)["properties"].(map[string]any)); !slices.Equal(got, fields) {
				t.Errorf("%s properties = %v, %v fields = %v", name, got, typ, fields)
			}
			got := asStrings(schema(name)["required"])
			slices.Sort(got)
			if !slices.Equal(got, required) {
				t.Errorf("%s required = %v, %v fields without omitempty = %v", name, got, typ, required)
			}
		})
	}
	for name, in := range map[string]struct {
		typ      reflect.Type
		required []string
	}{
		"PublishInput": {reflect.TypeFor[api.PublishInput](), nil},
		"RevertInput":  {reflect.TypeFor[api.RevertInput](), []string{"to"}},
	} {
		if got, want := sortedKeys(schema(name)["properties"].(map[string]any)), jsonFields(in.typ); !slices.Equal(got, want) {
			t.Errorf("%s properties = %v, %v fields = %v", name, got, in.typ, want)
		}
		if got := asStrings(schema(name)["required"]); !slices.Equal(got, in.required) {
			t.Errorf("%s required = %v, want %v", name, got, in.required)
		}
	}
	var platforms []string
	for _, p := range connect.Platforms {
		platforms = append(platforms, string(p))
	}
	sorted := func(xs ...string) []string { slices.Sort(xs); return xs }
	for name, want := range map[string][]string{
		"Platform":          sorted(platforms...),
		"ConnectionStatus":  sorted(connect.StatusConnected, connect.StatusNeedsReauth, connect.StatusDisconnected),
		"SyncStatus":        sorted(connect.SyncQueued, connect.SyncRunning, connect.SyncDone, connect.SyncFailed),
		"PublicationStatus": sorted(connect.PubQueued, connect.PubRunning, connect.PubDone, connect.PubFailed),
		"PublicationKind":   sorted(connect.KindPublish, connect.KindRevert),
	} {
		got := asStrings(schema(name)["enum"])
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s enum = %v, want %v", name, got, want)
		}
	}
}
