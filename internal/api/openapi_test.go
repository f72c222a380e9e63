package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIDoc fetches the served document.
func openAPIDoc(t *testing.T, f *fixture) map[string]any {
	t.Helper()
	rec := f.do("GET", "/api/v1/openapi.json", "", "")
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

// operation is one documented method of one path.
type operation struct {
	pathItem map[string]any
	op       map[string]any
}

// operations lists the document's operations by "METHOD /path".
func operations(t *testing.T, doc map[string]any) map[string]operation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("document has no paths")
	}
	out := map[string]operation{}
	for path, item := range paths {
		item := item.(map[string]any)
		for _, m := range httpMethods {
			if op, ok := item[m].(map[string]any); ok {
				out[strings.ToUpper(m)+" "+path] = operation{pathItem: item, op: op}
			}
		}
	}
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	doc := openAPIDoc(t, f)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == "" || info["version"] != "test" {
		t.Errorf("info = %v, want a title and the configured version", info)
	}
	comp, _ := doc["components"].(map[string]any)
	schemas, _ := comp["schemas"].(map[string]any)
	for _, name := range []string{"Brand", "BrandInput", "Error", "Me", "Product", "ProductSummary", "ProductList", "Import", "ImportDetail", "Reject",
		"Generation", "GenerationInput", "Draft", "DraftList", "DraftValue", "Violation", "Ungrounded",
		"DraftStatus", "DraftVersions", "RejectInput", "EditInput", "RegenerateInput", "BulkApproveInput", "BulkApproveResult",
		"Memory", "MemoryItem", "MemoryItemDetail", "MemoryKind", "MemoryStatus", "MemoryPatch", "Signal", "SignalKind", "HistoryPoint",
		"Platform", "Connection", "ConnectionList", "ConnectionStatus", "Sync", "SyncStatus", "PublishInput", "RevertInput", "Publication",
		"PublicationList", "PublicationKind", "PublicationStatus", "PublishFields"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("components.schemas lacks %s", name)
		}
	}
	sec, _ := comp["securitySchemes"].(map[string]any)
	if b, _ := sec["bearer"].(map[string]any); b["type"] != "http" || b["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearer = %v, want http bearer", sec["bearer"])
	}
	if !reflect.DeepEqual(doc["security"], []any{map[string]any{"bearer": []any{}}}) {
		t.Errorf("security = %v, want bearer by default", doc["security"])
	}

	// Without a version, the embedded file is served as written.
	h := api.New(api.Config{Accounts: f.accounts, Brands: f.brands, Catalog: f.catalog, Transfer: f.transfer, Drafts: f.drafts, Learn: f.learn})
	f.h = h
	rec := f.do("GET", "/api/v1/openapi.json", "", "")
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), file) {
		t.Error("with no version, the served document differs from openapi.json")
	}
}

// TestOpenAPIMatchesRoutes checks that the document and the route table list
// the same endpoints, with the same access and path parameters.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, sqliteFixture(t))
	ops := operations(t, doc)
	registered := map[string]bool{}
	for _, rt := range api.Routes() {
		key := rt.Method + " " + rt.Pattern
		if registered[key] {
			t.Errorf("route %s is listed twice", key)
		}
		registered[key] = true
		o, ok := ops[key]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", key)
			continue
		}
		sec, hasSec := o.op["security"].([]any)
		if public := hasSec && len(sec) == 0; public != rt.Public {
			t.Errorf("%s: documented as public=%v, but the route is public=%v", key, public, rt.Public)
		}
		var declared []string
		for _, params := range []any{o.pathItem["parameters"], o.op["parameters"]} {
			ps, _ := params.([]any)
			for _, p := range ps {
				p, err := schemaChecker{doc: doc}.resolve(p.(map[string]any))
				if err != nil {
					t.Fatal(err)
				}
				if p["in"] == "path" && p["required"] == true {
					declared = append(declared, p["name"].(string))
				}
			}
		}
		var inPattern []string
		for _, m := range patternParam.FindAllStringSubmatch(rt.Pattern, -1) {
			inPattern = append(inPattern, m[1])
		}
		slices.Sort(declared)
		slices.Sort(inPattern)
		if !slices.Equal(declared, inPattern) {
			t.Errorf("%s: documented path parameters %v, pattern has %v", key, declared, inPattern)
		}
	}
	for key := range ops {
		if !registered[key] {
			t.Errorf("documented operation %s is not a route", key)
		}
	}
}

// TestOpenAPIResponses sends, for every documented response of every
// operation, a request that gets it from the running API, and checks the
// status, the documented headers and the body against the documented schema.
// A documented response without a scenario here fails, as does a scenario
// for a response the document does not list.
func TestOpenAPIResponses(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	f.startWorkers(t)
	f.transfer.MaxUploadBytes = 1 << 20
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	b := f.brand(t, sc, "Documented")
	victim := f.brand(t, sc, "To delete")
	id := "/api/v1/brands/" + b.ID
	// A catalog with every kind of value: options, prices with and without
	// currency, inventory, images with size and variants, metadata, rejects.
	im := f.importFile(t, sc, b.ID, "full.csv", []byte(fullCSV))
	if im.Created != 2 || im.Rejected != 1 {
		t.Fatalf("import = %+v, want 2 created and 1 rejected", im)
	}
	res, err := f.catalog.List(context.Background(), sc, b.ID, catalog.ListParams{Limit: 1})
	if err != nil || len(res.Products) != 1 || res.NextCursor == "" {
		t.Fatalf("List = %+v, %v", res, err)
	}
	products, imports := id+"/products", id+"/imports"
	product, imp := products+"/"+res.Products[0].ID, imports+"/"+im.ID
	// Drafts of every kind: valid ones, and a refused title with an
	// ungrounded description (testWriter).
	if im := f.importFile(t, sc, b.ID, "refused.csv", []byte("Handle,Title\n"+refusedHandle+",Refused Mug\n")); im.Created != 1 {
		t.Fatalf("import = %+v, want 1 created", im)
	}
	g := f.generate(t, sc, b.ID, drafts.StartInput{Channel: "shopify"})
	if g.Status != drafts.StatusDone || g.Invalid != 1 {
		t.Fatalf("generation = %+v, want done with 1 invalid draft", g)
	}
	empty := f.brand(t, sc, "No products")
	gens, draftList := id+"/generations", id+"/drafts"
	gen := gens + "/" + g.ID
	csvBody := []byte("Handle,Title\nmug,Mug\n")
	upload := func(token string, fields [][2]string, filename string, content []byte) *http.Request {
		return uploadRequest(t, imports, token, fields, filename, content)
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")
	big := append([]byte("Handle,Title\n"), bytes.Repeat([]byte("h,t\n"), 300<<10)...)
	huge := `{"description":"` + strings.Repeat("a", 1<<20) + `"}`
	text := func(method, path, token string) *http.Request {
		r := newRequest(method, path, token, `{"name":"X"}`)
		r.Header.Set("Content-Type", "text/plain")
		return r
	}
	// Review: drafts of a brand of their own, which no generation above
	// touches, among them a refused title; memory taught on a third brand,
	// whose teaching leaves an older version.
	rv := f.brand(t, sc, "Reviewed")
	f.addProducts(t, rv.ID, "cup", "jug", "pot", refusedHandle)
	if g := f.generate(t, sc, rv.ID, drafts.StartInput{Channel: "shopify"}); g.Drafts != 24 || g.Invalid != 1 {
		t.Fatalf("generation = %+v, want 24 drafts, 1 invalid", g)
	}
	rd := f.currentDrafts(t, sc, rv.ID)
	taught := f.brand(t, sc, "Taught")
	f.addProducts(t, taught.ID, "cup", "jug")
	f.generate(t, sc, taught.ID, drafts.StartInput{Channel: "shopify", Fields: []string{"title"}})
	td := f.currentDrafts(t, sc, taught.ID)
	learned := f.teach(t, sc, taught.ID, [2]string{td["cup"]["title"].ID, td["jug"]["title"].ID}, "truly", "super")
	jugTitle := f.currentDrafts(t, sc, taught.ID)["jug"]["title"] // current: not the brand's own in a bulk approval of rv
	dr := func(d *drafts.Draft) string { return "/api/v1/drafts/" + d.ID }
	cupTitle, older := dr(rd["cup"]["title"]), dr(td["cup"]["title"])
	unknownDraft := "/api/v1/drafts/" + store.NewID()
	bulk := "/api/v1/brands/" + rv.ID + "/drafts/approve"
	memory := "/api/v1/brands/" + taught.ID + "/memory"
	truly, super := memory+"/"+learned["avoid: truly"].ID, memory+"/"+learned["avoid: super"].ID
	unknownItem := memory + "/" + store.NewID()
	long := strings.Repeat("Cup ", 70)
	ids := func(ids ...string) string { return `{"ids":["` + strings.Join(ids, `","`) + `"]}` }
	// Stores: a brand with a connected Shopify store (no tokens: its jobs
	// fail) and a disconnected Etsy one, a sync, and publications done,
	// failed and queued.
	pb := f.brand(t, sc, "Published")
	f.addProducts(t, pb.ID, "vase", "bowl", "urn", "jar")
	vase, bowl, urn, jar := f.productID(t, pb.ID, "vase"), f.productID(t, pb.ID, "bowl"), f.productID(t, pb.ID, "urn"), f.productID(t, pb.ID, "jar")
	shop := f.addConnection(t, pb.ID, connect.Shopify, connect.StatusConnected)
	gone := f.addConnection(t, pb.ID, connect.Etsy, connect.StatusDisconnected)
	sy, err := f.connect.StartSync(context.Background(), sc, pb.ID, shop)
	if err != nil {
		t.Fatal(err)
	}
	donePub := f.addPublication(t, pb.ID, vase, shop, 1, connect.PubDone, `{"title":"Vase"}`, `{"title":"Blue vase","tags":["vase"],"image_alts":{"gid://shopify/MediaImage/1":"A vase"}}`)
	failedPub := f.addPublication(t, pb.ID, bowl, shop, 1, connect.PubFailed, `{}`, `{"title":"Bowl"}`)
	f.addPublication(t, pb.ID, urn, shop, 1, connect.PubDone, `{"title":"Urn"}`, `{"title":"Tall urn"}`)
	f.addPublication(t, pb.ID, urn, shop, 2, connect.PubQueued, `{}`, `{"title":"Taller urn"}`)
	stores := "/api/v1/brands/" + pb.ID
	conns, publish, pubs := stores+"/connections", stores+"/publish", stores+"/publications"
	syncPath, syncGet := conns+"/"+shop+"/sync", stores+"/syncs/"+sy.ID
	retry, retryDone := pubs+"/"+failedPub+"/retry", pubs+"/"+donePub+"/retry"
	revert := func(productID string) string { return stores + "/products/" + productID + "/revert" }
	req := newRequest
	scenarios := map[string][]*http.Request{
		"GET /api/v1/openapi.json 200": {req("GET", "/api/v1/openapi.json", "", "")},

		"GET /api/v1/me 200":     {req("GET", "/api/v1/me", owner, ""), req("GET", "/api/v1/me", viewer, "")},
		"GET /api/v1/me 401":     {req("GET", "/api/v1/me", "", "")},
		"GET /api/v1/me default": {req("POST", "/api/v1/me", owner, "")},

		"GET /api/v1/brands 200":     {req("GET", "/api/v1/brands", owner, "")},
		"GET /api/v1/brands 401":     {req("GET", "/api/v1/brands", "ppt_nope", "")},
		"GET /api/v1/brands default": {req("PUT", "/api/v1/brands", owner, "")},

		"POST /api/v1/brands 201": {req("POST", "/api/v1/brands", owner, `{"name":"Full","description":"d","voice":"v","audience":"a","guidelines":"g","words_avoid":["x"],"words_prefer":["y"],"language":"fr","default_channel":"amazon"}`),
			req("POST", "/api/v1/brands", owner, `{"name":"Minimal"}`)},
		"POST /api/v1/brands 400": {req("POST", "/api/v1/brands", owner, `{"name":"","language":"xx"}`),
			req("POST", "/api/v1/brands", owner, `{"name":"X","colour":"red"}`), req("POST", "/api/v1/brands", owner, `{`)},
		"POST /api/v1/brands 401":     {req("POST", "/api/v1/brands", "", `{"name":"X"}`)},
		"POST /api/v1/brands 403":     {req("POST", "/api/v1/brands", viewer, `{"name":"X"}`)},
		"POST /api/v1/brands 413":     {req("POST", "/api/v1/brands", owner, huge)},
		"POST /api/v1/brands 415":     {text("POST", "/api/v1/brands", owner)},
		"POST /api/v1/brands default": {req("DELETE", "/api/v1/brands", owner, "")},

		"GET /api/v1/brands/{id} 200":     {req("GET", id, owner, ""), req("GET", id, viewer, "")},
		"GET /api/v1/brands/{id} 401":     {req("GET", id, "", "")},
		"GET /api/v1/brands/{id} 404":     {req("GET", "/api/v1/brands/nope", owner, "")},
		"GET /api/v1/brands/{id} default": {req("PUT", id, owner, "")},

		"PATCH /api/v1/brands/{id} 200":     {req("PATCH", id, owner, `{"voice":"Calm","words_avoid":[]}`)},
		"PATCH /api/v1/brands/{id} 400":     {req("PATCH", id, owner, `{"default_channel":"ebay","words_prefer":["`+strings.Repeat("w", 61)+`"]}`)},
		"PATCH /api/v1/brands/{id} 401":     {req("PATCH", id, "", `{"voice":"X"}`)},
		"PATCH /api/v1/brands/{id} 403":     {req("PATCH", id, viewer, `{"voice":"X"}`)},
		"PATCH /api/v1/brands/{id} 404":     {req("PATCH", "/api/v1/brands/"+sc.AccountID, owner, `{"voice":"X"}`)},
		"PATCH /api/v1/brands/{id} 413":     {req("PATCH", id, owner, huge)},
		"PATCH /api/v1/brands/{id} 415":     {text("PATCH", id, owner)},
		"PATCH /api/v1/brands/{id} default": {req("POST", id, owner, `{}`)},

		"DELETE /api/v1/brands/{id} 204":     {req("DELETE", "/api/v1/brands/"+victim.ID, owner, "")},
		"DELETE /api/v1/brands/{id} 401":     {req("DELETE", id, "", "")},
		"DELETE /api/v1/brands/{id} 403":     {req("DELETE", id, viewer, "")},
		"DELETE /api/v1/brands/{id} 404":     {req("DELETE", "/api/v1/brands/"+victim.ID, owner, "")},
		"DELETE /api/v1/brands/{id} default": {req("PUT", id, owner, `{}`)},

		"GET /api/v1/brands/{brandID}/products 200": {req("GET", products, owner, ""), req("GET", products, viewer, ""),
			req("GET", products+"?limit=1", owner, ""), req("GET", products+"?limit=1&cursor="+res.NextCursor, owner, ""),
			req("GET", products+"?q=nothing", owner, "")},
		"GET /api/v1/brands/{brandID}/products 400": {req("GET", products+"?cursor=bad!", owner, ""), req("GET", products+"?limit=0", owner, ""),
			req("GET", products+"?limit=201", owner, ""), req("GET", products+"?limit=ten", owner, "")},
		"GET /api/v1/brands/{brandID}/products 401":     {req("GET", products, "", "")},
		"GET /api/v1/brands/{brandID}/products 404":     {req("GET", "/api/v1/brands/"+victim.ID+"x/products", owner, "")},
		"GET /api/v1/brands/{brandID}/products default": {req("DELETE", products, owner, "")},

		"GET /api/v1/brands/{brandID}/products/{id} 200":     {req("GET", product, owner, ""), req("GET", products+"/"+productB(t, f, sc, b.ID, res.NextCursor), viewer, "")},
		"GET /api/v1/brands/{brandID}/products/{id} 401":     {req("GET", product, "", "")},
		"GET /api/v1/brands/{brandID}/products/{id} 404":     {req("GET", products+"/"+b.ID, owner, ""), req("GET", "/api/v1/brands/"+victim.ID+"/products/"+res.Products[0].ID, owner, "")},
		"GET /api/v1/brands/{brandID}/products/{id} default": {req("POST", product, owner, `{}`)},

		"GET /api/v1/brands/{brandID}/imports 200":     {req("GET", imports, owner, ""), req("GET", imports, viewer, "")},
		"GET /api/v1/brands/{brandID}/imports 401":     {req("GET", imports, "", "")},
		"GET /api/v1/brands/{brandID}/imports 404":     {req("GET", "/api/v1/brands/"+sc.AccountID+"/imports", owner, "")},
		"GET /api/v1/brands/{brandID}/imports default": {req("PATCH", imports, owner, `{}`)},

		"POST /api/v1/brands/{brandID}/imports 202": {upload(owner, nil, "mug.csv", csvBody),
			upload(owner, [][2]string{{"format", "generic"}, {"map", "Name=title"}, {"map", "Code = sku"}}, "named.csv", []byte("Handle,Name,Code\nx,X,X-1\n"))},
		"POST /api/v1/brands/{brandID}/imports 400": {upload(owner, nil, "photo.png", png), upload(owner, nil, "", nil),
			upload(owner, nil, "empty.csv", nil), upload(owner, [][2]string{{"colour", "red"}}, "a.csv", csvBody),
			upload(owner, [][2]string{{"format", "xml"}}, "a.csv", csvBody), upload(owner, [][2]string{{"map", "no equals"}}, "a.csv", csvBody)},
		"POST /api/v1/brands/{brandID}/imports 401":     {upload("", nil, "a.csv", csvBody)},
		"POST /api/v1/brands/{brandID}/imports 403":     {upload(viewer, nil, "a.csv", csvBody)},
		"POST /api/v1/brands/{brandID}/imports 404":     {uploadRequest(t, "/api/v1/brands/"+store.NewID()+"/imports", owner, nil, "a.csv", csvBody)},
		"POST /api/v1/brands/{brandID}/imports 413":     {upload(owner, nil, "big.csv", big)},
		"POST /api/v1/brands/{brandID}/imports 415":     {req("POST", imports, owner, `{"file":"Handle,Title"}`)},
		"POST /api/v1/brands/{brandID}/imports default": {req("PUT", imports, owner, "")},

		"GET /api/v1/brands/{brandID}/imports/{id} 200":     {req("GET", imp, owner, ""), req("GET", imp, viewer, "")},
		"GET /api/v1/brands/{brandID}/imports/{id} 401":     {req("GET", imp, "", "")},
		"GET /api/v1/brands/{brandID}/imports/{id} 404":     {req("GET", imports+"/"+b.ID, owner, ""), req("GET", imports+"/nope", owner, "")},
		"GET /api/v1/brands/{brandID}/imports/{id} default": {req("DELETE", imp, owner, "")},

		"POST /api/v1/brands/{brandID}/generations 202": {req("POST", gens, owner, `{}`),
			req("POST", gens, owner, `{"channel":"etsy","fields":["title","tags"],"product_ids":["`+res.Products[0].ID+`"],"only_missing":true}`)},
		"POST /api/v1/brands/{brandID}/generations 400": {req("POST", gens, owner, `{"channel":"ebay"}`),
			req("POST", gens, owner, `{"channel":"etsy","fields":["bullet_points"]}`), req("POST", gens, owner, `{"colour":"red"}`),
			req("POST", gens, owner, `{`), req("POST", "/api/v1/brands/"+empty.ID+"/generations", owner, `{}`)},
		"POST /api/v1/brands/{brandID}/generations 401": {req("POST", gens, "", `{}`)},
		"POST /api/v1/brands/{brandID}/generations 403": {req("POST", gens, viewer, `{}`)},
		"POST /api/v1/brands/{brandID}/generations 404": {req("POST", gens, owner, `{"product_ids":["`+store.NewID()+`"]}`),
			req("POST", "/api/v1/brands/"+store.NewID()+"/generations", owner, `{}`)},
		"POST /api/v1/brands/{brandID}/generations 413":     {req("POST", gens, owner, huge)},
		"POST /api/v1/brands/{brandID}/generations 415":     {text("POST", gens, owner)},
		"POST /api/v1/brands/{brandID}/generations default": {req("PUT", gens, owner, `{}`)},

		"GET /api/v1/brands/{brandID}/generations/{id} 200":     {req("GET", gen, owner, ""), req("GET", gen, viewer, "")},
		"GET /api/v1/brands/{brandID}/generations/{id} 401":     {req("GET", gen, "", "")},
		"GET /api/v1/brands/{brandID}/generations/{id} 404":     {req("GET", gens+"/"+b.ID, owner, ""), req("GET", gens+"/nope", owner, "")},
		"GET /api/v1/brands/{brandID}/generations/{id} default": {req("DELETE", gen, owner, "")},

		"POST /api/v1/brands/{brandID}/generations/{id}/cancel 204":     {req("POST", gen+"/cancel", owner, "")},
		"POST /api/v1/brands/{brandID}/generations/{id}/cancel 401":     {req("POST", gen+"/cancel", "", "")},
		"POST /api/v1/brands/{brandID}/generations/{id}/cancel 403":     {req("POST", gen+"/cancel", viewer, "")},
		"POST /api/v1/brands/{brandID}/generations/{id}/cancel 404":     {req("POST", gens+"/"+store.NewID()+"/cancel", owner, "")},
		"POST /api/v1/brands/{brandID}/generations/{id}/cancel default": {req("GET", gen+"/cancel", owner, "")},

		"GET /api/v1/brands/{brandID}/drafts 200": {req("GET", draftList, owner, ""), req("GET", draftList, viewer, ""),
			req("GET", draftList+"?channel=shopify&status=draft&limit=5&product_id="+res.Products[0].ID, owner, ""),
			req("GET", draftList+"?channel=amazon", owner, ""), req("GET", draftList+"?field=title&flagged=true", owner, ""),
			req("GET", "/api/v1/brands/"+rv.ID+"/drafts?status=approved&channel=shopify&field=tags&flagged=false", owner, "")},
		"GET /api/v1/brands/{brandID}/drafts 400": {req("GET", draftList+"?limit=0", owner, ""), req("GET", draftList+"?limit=1001", owner, ""),
			req("GET", draftList+"?channel=ebay", owner, ""), req("GET", draftList+"?status=done", owner, ""),
			req("GET", draftList+"?channel=etsy&field=seo_title", owner, ""), req("GET", draftList+"?field=colour", owner, ""),
			req("GET", draftList+"?flagged=maybe", owner, "")},
		"GET /api/v1/brands/{brandID}/drafts 401":     {req("GET", draftList, "", "")},
		"GET /api/v1/brands/{brandID}/drafts 404":     {req("GET", "/api/v1/brands/"+sc.AccountID+"/drafts", owner, "")},
		"GET /api/v1/brands/{brandID}/drafts default": {req("POST", draftList, owner, `{}`)},

		"POST /api/v1/brands/{brandID}/drafts/approve 200": {req("POST", bulk, owner, ids(rd["cup"]["tags"].ID, rd["cup"]["description"].ID)),
			req("POST", bulk, owner, `{"ids":[]}`)},
		"POST /api/v1/brands/{brandID}/drafts/approve 400": {req("POST", bulk, owner, ids(rd[refusedHandle]["title"].ID)),
			req("POST", bulk, owner, `{"ids":"all"}`), req("POST", bulk, owner, `{`)},
		"POST /api/v1/brands/{brandID}/drafts/approve 401": {req("POST", bulk, "", `{"ids":[]}`)},
		"POST /api/v1/brands/{brandID}/drafts/approve 403": {req("POST", bulk, viewer, `{"ids":[]}`)},
		"POST /api/v1/brands/{brandID}/drafts/approve 404": {req("POST", bulk, owner, ids(jugTitle.ID)),
			req("POST", "/api/v1/brands/"+store.NewID()+"/drafts/approve", owner, `{"ids":[]}`)},
		"POST /api/v1/brands/{brandID}/drafts/approve 409":     {req("POST", bulk, owner, ids(td["cup"]["title"].ID))},
		"POST /api/v1/brands/{brandID}/drafts/approve 413":     {req("POST", bulk, owner, huge)},
		"POST /api/v1/brands/{brandID}/drafts/approve 415":     {text("POST", bulk, owner)},
		"POST /api/v1/brands/{brandID}/drafts/approve default": {req("GET", bulk, owner, "")},

		"GET /api/v1/drafts/{id} 200":     {req("GET", cupTitle, owner, ""), req("GET", older, viewer, "")},
		"GET /api/v1/drafts/{id} 401":     {req("GET", cupTitle, "", "")},
		"GET /api/v1/drafts/{id} 404":     {req("GET", unknownDraft, owner, ""), req("GET", "/api/v1/drafts/"+rv.ID, owner, "")},
		"GET /api/v1/drafts/{id} default": {req("DELETE", cupTitle, owner, "")},

		"GET /api/v1/drafts/{id}/versions 200":     {req("GET", cupTitle+"/versions", owner, ""), req("GET", older+"/versions", viewer, "")},
		"GET /api/v1/drafts/{id}/versions 401":     {req("GET", cupTitle+"/versions", "", "")},
		"GET /api/v1/drafts/{id}/versions 404":     {req("GET", unknownDraft+"/versions", owner, "")},
		"GET /api/v1/drafts/{id}/versions default": {req("POST", cupTitle+"/versions", owner, "")},

		"POST /api/v1/drafts/{id}/approve 200": {req("POST", dr(rd["cup"]["seo_title"])+"/approve", owner, ""),
			req("POST", dr(rd["cup"]["seo_title"])+"/approve", owner, "")},
		"POST /api/v1/drafts/{id}/approve 400":     {req("POST", dr(rd[refusedHandle]["title"])+"/approve", owner, "")},
		"POST /api/v1/drafts/{id}/approve 401":     {req("POST", cupTitle+"/approve", "", "")},
		"POST /api/v1/drafts/{id}/approve 403":     {req("POST", cupTitle+"/approve", viewer, "")},
		"POST /api/v1/drafts/{id}/approve 404":     {req("POST", unknownDraft+"/approve", owner, "")},
		"POST /api/v1/drafts/{id}/approve 409":     {req("POST", older+"/approve", owner, "")},
		"POST /api/v1/drafts/{id}/approve default": {req("GET", cupTitle+"/approve", owner, "")},

		"POST /api/v1/drafts/{id}/reject 200": {req("POST", dr(rd["jug"]["title"])+"/reject", owner, `{"reason":"too long"}`),
			req("POST", dr(rd["jug"]["tags"])+"/reject", owner, `{"reason":"Not our words."}`)},
		"POST /api/v1/drafts/{id}/reject 400": {req("POST", cupTitle+"/reject", owner, `{"reason":""}`),
			req("POST", cupTitle+"/reject", owner, `{"reason":5}`), req("POST", cupTitle+"/reject", owner, `{`)},
		"POST /api/v1/drafts/{id}/reject 401":     {req("POST", cupTitle+"/reject", "", `{"reason":"too long"}`)},
		"POST /api/v1/drafts/{id}/reject 403":     {req("POST", cupTitle+"/reject", viewer, `{"reason":"too long"}`)},
		"POST /api/v1/drafts/{id}/reject 404":     {req("POST", unknownDraft+"/reject", owner, `{"reason":"too long"}`)},
		"POST /api/v1/drafts/{id}/reject 409":     {req("POST", older+"/reject", owner, `{"reason":"too long"}`)},
		"POST /api/v1/drafts/{id}/reject 413":     {req("POST", cupTitle+"/reject", owner, huge)},
		"POST /api/v1/drafts/{id}/reject 415":     {text("POST", cupTitle+"/reject", owner)},
		"POST /api/v1/drafts/{id}/reject default": {req("GET", cupTitle+"/reject", owner, "")},

		"POST /api/v1/drafts/{id}/edit 200": {req("POST", dr(rd["pot"]["title"])+"/edit", owner, `{"body":"Pot for tea"}`),
			req("POST", dr(rd["pot"]["seo_description"])+"/edit", owner, `{"body":"A pot for tea.","approve":true}`),
			req("POST", dr(rd["pot"]["tags"])+"/edit", owner, `{"body":"pot\ntea"}`),
			req("POST", dr(rd["pot"]["seo_title"])+"/edit", owner, `{"body":"`+long+`"}`)},
		"POST /api/v1/drafts/{id}/edit 400": {req("POST", cupTitle+"/edit", owner, `{"body":"`+long+`","approve":true}`),
			req("POST", cupTitle+"/edit", owner, `{"approve":true}`), req("POST", cupTitle+"/edit", owner, `{"body":""}`)},
		"POST /api/v1/drafts/{id}/edit 401": {req("POST", cupTitle+"/edit", "", `{"body":"Cup"}`)},
		"POST /api/v1/drafts/{id}/edit 403": {req("POST", cupTitle+"/edit", viewer, `{"body":"Cup"}`)},
		"POST /api/v1/drafts/{id}/edit 404": {req("POST", unknownDraft+"/edit", owner, `{"body":"Cup"}`)},
		"POST /api/v1/drafts/{id}/edit 409": {req("POST", older+"/edit", owner, `{"body":"Cup"}`)},
		"POST /api/v1/drafts/{id}/edit 413": {req("POST", cupTitle+"/edit", owner, huge),
			req("POST", cupTitle+"/edit", owner, `{"body":"`+strings.Repeat("a", 65<<10)+`"}`)},
		"POST /api/v1/drafts/{id}/edit 415":     {text("POST", cupTitle+"/edit", owner)},
		"POST /api/v1/drafts/{id}/edit default": {req("GET", cupTitle+"/edit", owner, "")},

		"POST /api/v1/drafts/{id}/regenerate 200": {req("POST", dr(rd["jug"]["seo_title"])+"/regenerate?wait=true", owner, `{}`)},
		"POST /api/v1/drafts/{id}/regenerate 202": {req("POST", dr(rd["jug"]["description"])+"/regenerate", owner, `{"instruction":"Shorter, please"}`),
			req("POST", dr(rd["jug"]["seo_description"])+"/regenerate?wait=false", owner, `{}`)},
		"POST /api/v1/drafts/{id}/regenerate 400": {req("POST", cupTitle+"/regenerate", owner, `{"instruction":"`+strings.Repeat("a", 501)+`"}`),
			req("POST", cupTitle+"/regenerate?wait=soon", owner, `{}`), req("POST", cupTitle+"/regenerate", owner, `{"instruction":5}`)},
		"POST /api/v1/drafts/{id}/regenerate 401":     {req("POST", cupTitle+"/regenerate", "", `{}`)},
		"POST /api/v1/drafts/{id}/regenerate 403":     {req("POST", cupTitle+"/regenerate", viewer, `{}`)},
		"POST /api/v1/drafts/{id}/regenerate 404":     {req("POST", unknownDraft+"/regenerate", owner, `{}`)},
		"POST /api/v1/drafts/{id}/regenerate 409":     {req("POST", older+"/regenerate", owner, `{}`)},
		"POST /api/v1/drafts/{id}/regenerate 413":     {req("POST", cupTitle+"/regenerate", owner, huge)},
		"POST /api/v1/drafts/{id}/regenerate 415":     {text("POST", cupTitle+"/regenerate", owner)},
		"POST /api/v1/drafts/{id}/regenerate default": {req("GET", cupTitle+"/regenerate", owner, "")},

		"POST /api/v1/drafts/{id}/restore 200":     {req("POST", older+"/restore", owner, ""), req("POST", cupTitle+"/restore", owner, "")},
		"POST /api/v1/drafts/{id}/restore 401":     {req("POST", older+"/restore", "", "")},
		"POST /api/v1/drafts/{id}/restore 403":     {req("POST", older+"/restore", viewer, "")},
		"POST /api/v1/drafts/{id}/restore 404":     {req("POST", unknownDraft+"/restore", owner, "")},
		"POST /api/v1/drafts/{id}/restore default": {req("GET", older+"/restore", owner, "")},

		"GET /api/v1/brands/{brandID}/memory 200": {req("GET", memory, owner, ""), req("GET", memory, viewer, ""),
			req("GET", "/api/v1/brands/"+empty.ID+"/memory", owner, "")},
		"GET /api/v1/brands/{brandID}/memory 401":     {req("GET", memory, "", "")},
		"GET /api/v1/brands/{brandID}/memory 404":     {req("GET", "/api/v1/brands/"+store.NewID()+"/memory", owner, "")},
		"GET /api/v1/brands/{brandID}/memory default": {req("POST", memory, owner, `{}`)},

		"GET /api/v1/brands/{brandID}/memory/{id} 200":     {req("GET", truly, owner, ""), req("GET", truly, viewer, "")},
		"GET /api/v1/brands/{brandID}/memory/{id} 401":     {req("GET", truly, "", "")},
		"GET /api/v1/brands/{brandID}/memory/{id} 404":     {req("GET", unknownItem, owner, ""), req("GET", "/api/v1/brands/"+rv.ID+"/memory/"+learned["avoid: truly"].ID, owner, "")},
		"GET /api/v1/brands/{brandID}/memory/{id} default": {req("PUT", truly, owner, `{}`)},

		"PATCH /api/v1/brands/{brandID}/memory/{id} 200": {req("PATCH", truly, owner, `{"line":"Never write truly"}`),
			req("PATCH", truly, owner, `{"enabled":false}`), req("PATCH", truly, owner, `{"enabled":true,"line":""}`)},
		"PATCH /api/v1/brands/{brandID}/memory/{id} 400": {req("PATCH", truly, owner, `{"line":"`+strings.Repeat("a", 301)+`"}`),
			req("PATCH", truly, owner, `{"enabled":"no"}`), req("PATCH", truly, owner, `{`)},
		"PATCH /api/v1/brands/{brandID}/memory/{id} 401":     {req("PATCH", truly, "", `{}`)},
		"PATCH /api/v1/brands/{brandID}/memory/{id} 403":     {req("PATCH", truly, viewer, `{}`)},
		"PATCH /api/v1/brands/{brandID}/memory/{id} 404":     {req("PATCH", unknownItem, owner, `{}`)},
		"PATCH /api/v1/brands/{brandID}/memory/{id} 413":     {req("PATCH", truly, owner, huge)},
		"PATCH /api/v1/brands/{brandID}/memory/{id} 415":     {text("PATCH", truly, owner)},
		"PATCH /api/v1/brands/{brandID}/memory/{id} default": {req("POST", truly, owner, `{}`)},

		"DELETE /api/v1/brands/{brandID}/memory/{id} 204":     {req("DELETE", super, owner, "")},
		"DELETE /api/v1/brands/{brandID}/memory/{id} 401":     {req("DELETE", super, "", "")},
		"DELETE /api/v1/brands/{brandID}/memory/{id} 403":     {req("DELETE", super, viewer, "")},
		"DELETE /api/v1/brands/{brandID}/memory/{id} 404":     {req("DELETE", super, owner, "")},
		"DELETE /api/v1/brands/{brandID}/memory/{id} default": {req("PUT", super, owner, `{}`)},

		"GET /api/v1/brands/{brandID}/connections 200": {req("GET", conns, owner, ""), req("GET", conns, viewer, ""),
			req("GET", "/api/v1/brands/"+empty.ID+"/connections", owner, "")},
		"GET /api/v1/brands/{brandID}/connections 401":     {req("GET", conns, "", "")},
		"GET /api/v1/brands/{brandID}/connections 404":     {req("GET", "/api/v1/brands/"+store.NewID()+"/connections", owner, "")},
		"GET /api/v1/brands/{brandID}/connections default": {req("DELETE", conns, owner, "")},

		"POST /api/v1/brands/{brandID}/connections/{connectionID}/sync 202": {req("POST", syncPath, owner, "")},
		"POST /api/v1/brands/{brandID}/connections/{connectionID}/sync 401": {req("POST", syncPath, "", "")},
		"POST /api/v1/brands/{brandID}/connections/{connectionID}/sync 403": {req("POST", syncPath, viewer, "")},
		"POST /api/v1/brands/{brandID}/connections/{connectionID}/sync 404": {req("POST", conns+"/"+store.NewID()+"/sync", owner, ""),
			req("POST", "/api/v1/brands/"+b.ID+"/connections/"+shop+"/sync", owner, "")},
		"POST /api/v1/brands/{brandID}/connections/{connectionID}/sync 409":     {req("POST", conns+"/"+gone+"/sync", owner, "")},
		"POST /api/v1/brands/{brandID}/connections/{connectionID}/sync default": {req("GET", syncPath, owner, "")},

		"GET /api/v1/brands/{brandID}/syncs/{syncID} 200":     {req("GET", syncGet, owner, ""), req("GET", syncGet, viewer, "")},
		"GET /api/v1/brands/{brandID}/syncs/{syncID} 401":     {req("GET", syncGet, "", "")},
		"GET /api/v1/brands/{brandID}/syncs/{syncID} 404":     {req("GET", stores+"/syncs/"+store.NewID(), owner, ""), req("GET", id+"/syncs/"+sy.ID, owner, "")},
		"GET /api/v1/brands/{brandID}/syncs/{syncID} default": {req("POST", syncGet, owner, "")},

		"POST /api/v1/brands/{brandID}/publish 202": {req("POST", publish, owner, `{}`),
			req("POST", publish, owner, `{"platform":"shopify","product_ids":["`+jar+`"]}`)},
		"POST /api/v1/brands/{brandID}/publish 400": {req("POST", publish, owner, `{"platform":"ebay"}`),
			req("POST", publish, owner, `{"platform":"etsy"}`), req("POST", publish, owner, `{`), req("POST", publish, owner, `{"colour":"red"}`),
			req("POST", "/api/v1/brands/"+empty.ID+"/publish", owner, `{}`)},
		"POST /api/v1/brands/{brandID}/publish 401":     {req("POST", publish, "", `{}`)},
		"POST /api/v1/brands/{brandID}/publish 403":     {req("POST", publish, viewer, `{}`)},
		"POST /api/v1/brands/{brandID}/publish 404":     {req("POST", "/api/v1/brands/"+store.NewID()+"/publish", owner, `{}`)},
		"POST /api/v1/brands/{brandID}/publish 413":     {req("POST", publish, owner, huge)},
		"POST /api/v1/brands/{brandID}/publish 415":     {text("POST", publish, owner)},
		"POST /api/v1/brands/{brandID}/publish default": {req("GET", publish, owner, "")},

		"GET /api/v1/brands/{brandID}/publications 200": {req("GET", pubs, owner, ""), req("GET", pubs, viewer, ""),
			req("GET", pubs+"?product_id="+vase, owner, ""), req("GET", "/api/v1/brands/"+empty.ID+"/publications", owner, "")},
		"GET /api/v1/brands/{brandID}/publications 401":     {req("GET", pubs, "", "")},
		"GET /api/v1/brands/{brandID}/publications 404":     {req("GET", "/api/v1/brands/"+store.NewID()+"/publications", owner, "")},
		"GET /api/v1/brands/{brandID}/publications default": {req("DELETE", pubs, owner, "")},

		"POST /api/v1/brands/{brandID}/publications/{publicationID}/retry 202":     {req("POST", retry, owner, "")},
		"POST /api/v1/brands/{brandID}/publications/{publicationID}/retry 401":     {req("POST", retry, "", "")},
		"POST /api/v1/brands/{brandID}/publications/{publicationID}/retry 403":     {req("POST", retry, viewer, "")},
		"POST /api/v1/brands/{brandID}/publications/{publicationID}/retry 404":     {req("POST", pubs+"/"+store.NewID()+"/retry", owner, "")},
		"POST /api/v1/brands/{brandID}/publications/{publicationID}/retry 409":     {req("POST", retryDone, owner, "")},
		"POST /api/v1/brands/{brandID}/publications/{publicationID}/retry default": {req("GET", retry, owner, "")},

		"POST /api/v1/brands/{brandID}/products/{productID}/revert 202": {req("POST", revert(vase), owner, `{"to":0}`)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert 400": {req("POST", revert(jar), owner, `{"to":0}`),
			req("POST", revert(vase), owner, `{"to":-1}`), req("POST", revert(vase), owner, `{}`), req("POST", revert(vase), owner, `{`)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert 401": {req("POST", revert(vase), "", `{"to":0}`)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert 403": {req("POST", revert(vase), viewer, `{"to":0}`)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert 404": {req("POST", revert(urn), owner, `{"to":9}`),
			req("POST", revert(store.NewID()), owner, `{"to":0}`), req("POST", "/api/v1/brands/"+b.ID+"/products/"+vase+"/revert", owner, `{"to":0}`)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert 409":     {req("POST", revert(urn), owner, `{"to":1}`)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert 413":     {req("POST", revert(vase), owner, huge)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert 415":     {text("POST", revert(vase), owner)},
		"POST /api/v1/brands/{brandID}/products/{productID}/revert default": {req("GET", revert(vase), owner, "")},
	}
	// A 204 scenario must run before the 404 one on the same (deleted)
	// brand or memory item.
	order := func(key string) string {
		if strings.HasSuffix(key, " 404") && strings.HasPrefix(key, "DELETE") {
			return "~" + key
		}
		return key
	}

	doc := openAPIDoc(t, f)
	c := schemaChecker{doc: doc}
	ops := operations(t, doc)
	documented := map[string]bool{}
	for _, key := range sortedKeys(ops) {
		responses, _ := ops[key].op["responses"].(map[string]any)
		for code := range responses {
			documented[key+" "+code] = true
			if _, ok := scenarios[key+" "+code]; !ok {
				t.Errorf("documented response %s %s has no scenario in this test", key, code)
			}
		}
	}
	keys := sortedKeys(scenarios)
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(order(a), order(b)) })
	for _, key := range keys {
		if !documented[key] {
			t.Errorf("scenario %s is for a response the document does not list", key)
			continue
		}
		opKey, code := key[:strings.LastIndex(key, " ")], key[strings.LastIndex(key, " ")+1:]
		responses := ops[opKey].op["responses"].(map[string]any)
		resp, err := c.resolve(responses[code].(map[string]any))
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for i, r := range scenarios[key] {
			rec := f.serve(r)
			got := rec.Result().Status[:3]
			if code == "default" {
				if _, listed := responses[got]; listed {
					t.Errorf("%s #%d: status %s is listed, not a default response", key, i, got)
				}
			} else if got != code {
				t.Errorf("%s #%d: status = %s, want %s (body %s)", key, i, got, code, rec.Body.String())
				continue
			}
			headers, _ := resp["headers"].(map[string]any)
			for name := range headers {
				if rec.Header().Get(name) == "" {
					t.Errorf("%s #%d: documented header %s is missing", key, i, name)
				}
			}
			content, _ := resp["content"].(map[string]any)
			if len(content) == 0 {
				if rec.Body.Len() != 0 {
					t.Errorf("%s #%d: undocumented body %q", key, i, rec.Body.String())
				}
				continue
			}
			media, ok := content["application/json"].(map[string]any)
			if !ok {
				t.Fatalf("%s: content is not application/json", key)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s #%d: Content-Type = %q", key, i, ct)
			}
			var body any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Errorf("%s #%d: body is not JSON: %v", key, i, err)
				continue
			}
			for _, e := range c.check(media["schema"].(map[string]any), body, "$") {
				t.Errorf("%s #%d: %s (body %s)", key, i, e, truncateForLog(rec.Body.String()))
			}
		}
	}
}

// fullCSV is a Shopify file with two products using every field the API
// returns, and one rejected row.
const fullCSV = "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Status,Option1 Name,Option1 Value,Option2 Name,Option2 Value," +
	"Variant SKU,Variant Grams,Variant Inventory Qty,Variant Price,Variant Compare At Price,Variant Currency,Variant Barcode," +
	"Image Src,Image Position,Image Alt Text,Variant Image,Variant Weight Unit,SEO Title,SEO Description,Product Category,Custom Column\n" +
	"tee,Tee,<p>Soft <b>cotton</b>.</p>,Acme,Shirt,\"cotton, summer\",true,active,Size,S,Colour,Red,TEE-S-R,200,7,19.90,25,EUR,0123," +
	"https://cdn.example.com/tee.jpg,1,A tee,https://cdn.example.com/tee-red.jpg,kg,Tee SEO,Tee description,Apparel,kept\n" +
	"tee,,,,,,,,,M,,Blue,TEE-M-B,210,,21,,,,https://cdn.example.com/tee-2.jpg,2,,,kg,,,,\n" +
	",,,,,,,,,L,,Red,TEE-L-R,,,,,,,,,,,,,,,\n" +
	"mug,Mug,,Acme,Mug,,,draft,,,,,,,,5,,,,,,,,,,,,\n"

// productB returns the id of the product on the page after cursor.
func productB(t *testing.T, f *fixture, sc tenant.Scope, brandID, cursor string) string {
	t.Helper()
	res, err := f.catalog.List(context.Background(), sc, brandID, catalog.ListParams{Limit: 1, Cursor: cursor})
	if err != nil || len(res.Products) != 1 {
		t.Fatalf("List after cursor = %+v, %v", res, err)
	}
	return res.Products[0].ID
}

func truncateForLog(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestOpenAPIBrandSchemas keeps the brand schemas in step with the brand
// package: the input's properties are brand.Input's fields, the brand's
// required properties are brand.Brand's, and the enums are its languages and
// channels.
func TestOpenAPIBrandSchemas(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, sqliteFixture(t))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schema := func(name string) map[string]any { return schemas[name].(map[string]any) }

	if got, want := sortedKeys(schema("BrandInput")["properties"].(map[string]any)), jsonFields(reflect.TypeFor[brand.Input]()); !slices.Equal(got, want) {
		t.Errorf("BrandInput properties = %v, brand.Input fields = %v", got, want)
	}
	brandFields := jsonFields(reflect.TypeFor[brand.Brand]())
	if got := sortedKeys(schema("Brand")["properties"].(map[string]any)); !slices.Equal(got, brandFields) {
		t.Errorf("Brand properties = %v, brand.Brand fields = %v", got, brandFields)
	}
	required := asStrings(schema("Brand")["required"])
	slices.Sort(required)
	if !slices.Equal(required, brandFields) {
		t.Errorf("Brand required = %v, brand.Brand fields = %v", required, brandFields)
	}

	languages := asStrings(schema("Language")["enum"])
	slices.Sort(languages)
	if want := sortedKeys(brand.Languages); !slices.Equal(languages, want) {
		t.Errorf("Language enum = %v, brand.Languages = %v", languages, want)
	}
	channels := asStrings(schema("Channel")["enum"])
	if !slices.Equal(channels, brand.Channels) {
		t.Errorf("Channel enum = %v, brand.Channels = %v", channels, brand.Channels)
	}
	roles := asStrings(schema("Me")["properties"].(map[string]any)["role"].(map[string]any)["enum"])
	var want []string
	for _, r := range tenant.Roles {
		want = append(want, string(r))
	}
	if !slices.Equal(roles, want) {
		t.Errorf("Me.role enum = %v, tenant.Roles = %v", roles, want)
	}
}

// jsonFields lists the JSON names of a struct's fields, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPICatalogSchemas keeps the catalog and import schemas in step
// with the Go types the API encodes: every JSON field is a property, and
// the required properties are exactly the fields without omitempty.
func TestOpenAPICatalogSchemas(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, sqliteFixture(t))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	type detail struct {
		transfer.Import
		RejectedRows []csvfile.Reject `json:"rejected_rows"`
	}
	for name, typ := range map[string]reflect.Type{
		"ProductList":    reflect.TypeFor[catalog.ListResult](),
		"ProductSummary": reflect.TypeFor[catalog.Summary](),
		"Product":        reflect.TypeFor[catalog.Product](),
		"ProductOption":  reflect.TypeFor[catalog.Option](),
		"Variant":        reflect.TypeFor[catalog.Variant](),
		"Image":          reflect.TypeFor[catalog.Image](),
		"Money":          reflect.TypeFor[catalog.Money](),
		"Import":         reflect.TypeFor[transfer.Import](),
		"ImportDetail":   reflect.TypeFor[detail](),
		"Reject":         reflect.TypeFor[csvfile.Reject](),
	} {
		t.Run(name, func(t *testing.T) {
			schema := schemas[name].(map[string]any)
			fields, required := jsonFieldsRequired(typ)
			if got := sortedKeys(schema["properties"].(map[string]any)); !slices.Equal(got, fields) {
				t.Errorf("%s properties = %v, %v fields = %v", name, got, typ, fields)
			}
			got := asStrings(schema["required"])
			slices.Sort(got)
			if !slices.Equal(got, required) {
				t.Errorf("%s required = %v, %v fields without omitempty = %v", name, got, typ, required)
			}
		})
	}
	enum := func(name string) []string {
		out := asStrings(schemas[name].(map[string]any)["enum"])
		slices.Sort(out)
		return out
	}
	if got, want := enum("ImportStatus"), []string{transfer.StatusDone, transfer.StatusFailed, transfer.StatusQueued, transfer.StatusRunning}; !slices.Equal(got, want) {
		t.Errorf("ImportStatus enum = %v, want %v", got, want)
	}
	if got, want := enum("ProductSource"), []string{catalog.SourceAmazon, catalog.SourceEtsy, catalog.SourceFile, catalog.SourceShopify}; !slices.Equal(got, want) {
		t.Errorf("ProductSource enum = %v, want %v", got, want)
	}
	if got, want := enum("ImportFormat"), []string{"etsy", "generic", "shopify"}; !slices.Equal(got, want) {
		t.Errorf("ImportFormat enum = %v, want %v", got, want)
	}
}

// jsonFieldsRequired lists a struct's JSON field names (embedded structs'
// fields promoted, as encoding/json does: a field of the outer struct hides
// an embedded one of the same name) and those without omitempty, sorted.
func jsonFieldsRequired(t reflect.Type) (fields, required []string) {
	var embedded []reflect.Type
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			embedded = append(embedded, ft)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		fields = append(fields, name)
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	own := slices.Clone(fields)
	for _, et := range embedded {
		ef, er := jsonFieldsRequired(et)
		for _, name := range ef {
			if !slices.Contains(own, name) {
				fields = append(fields, name)
				if slices.Contains(er, name) {
					required = append(required, name)
				}
			}
		}
	}
	slices.Sort(fields)
	slices.Sort(required)
	return fields, required
}

// TestOpenAPIReviewSchemas keeps the review and memory schemas in step with
// the Go types the API encodes and decodes, and the documented statuses,
// kinds and reject presets with the drafts and learn packages.
func TestOpenAPIReviewSchemas(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, sqliteFixture(t))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schema := func(name string) map[string]any { return schemas[name].(map[string]any) }
	for name, typ := range map[string]reflect.Type{
		"DraftVersions":     reflect.TypeFor[api.DraftVersions](),
		"BulkApproveResult": reflect.TypeFor[api.BulkApproveResult](),
		"Memory":            reflect.TypeFor[api.MemoryJSON](),
		"MemoryItem":        reflect.TypeFor[learn.Item](),
		"MemoryItemDetail":  reflect.TypeFor[api.MemoryItemJSON](),
		"Signal":            reflect.TypeFor[learn.Signal](),
		"HistoryPoint":      reflect.TypeFor[learn.Point](),
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
	// Inputs: every field is a property; the required ones are those the
	// handlers or services refuse to go without.
	for name, in := range map[string]struct {
		typ      reflect.Type
		required []string
	}{
		"RejectInput":      {reflect.TypeFor[api.RejectInput](), []string{"reason"}},
		"EditInput":        {reflect.TypeFor[api.EditInput](), []string{"body"}},
		"RegenerateInput":  {reflect.TypeFor[api.RegenerateInput](), nil},
		"BulkApproveInput": {reflect.TypeFor[api.BulkApproveInput](), []string{"ids"}},
		"MemoryPatch":      {reflect.TypeFor[learn.Patch](), nil},
	} {
		t.Run(name, func(t *testing.T) {
			if got, want := sortedKeys(schema(name)["properties"].(map[string]any)), jsonFields(in.typ); !slices.Equal(got, want) {
				t.Errorf("%s properties = %v, %v fields = %v", name, got, in.typ, want)
			}
			if got := asStrings(schema(name)["required"]); !slices.Equal(got, in.required) {
				t.Errorf("%s required = %v, want %v", name, got, in.required)
			}
		})
	}
	// The limits the services enforce.
	props := func(name string) map[string]any { return schema(name)["properties"].(map[string]any) }
	for _, c := range []struct {
		schema, prop, key string
		want              float64
	}{
		{"RejectInput", "reason", "maxLength", drafts.MaxInstruction},
		{"RegenerateInput", "instruction", "maxLength", drafts.MaxInstruction},
		{"MemoryPatch", "line", "maxLength", learn.MaxLine},
		{"MemoryItem", "line", "maxLength", learn.MaxLine},
	} {
		if got := props(c.schema)[c.prop].(map[string]any)[c.key]; got != c.want {
			t.Errorf("%s.%s %s = %v, want %v", c.schema, c.prop, c.key, got, c.want)
		}
	}
	// The reject presets are listed, in the review queue's order.
	desc := props("RejectInput")["reason"].(map[string]any)["description"].(string)
	if want := "(" + strings.Join(learn.PresetReasons, ", ") + ")"; !strings.Contains(desc, want) {
		t.Errorf("RejectInput.reason description lacks %q", want)
	}
	enum := func(name string) []string {
		out := asStrings(schema(name)["enum"])
		slices.Sort(out)
		return out
	}
	sorted := func(xs ...string) []string { slices.Sort(xs); return xs }
	for name, want := range map[string][]string{
		"DraftStatus":  sorted(drafts.DraftPending, drafts.DraftApproved, drafts.DraftRejected, drafts.DraftPublished),
		"MemoryKind":   sorted(learn.KindAvoid, learn.KindReplace, learn.KindInclude, learn.KindLength, learn.KindStyle, learn.KindGuidance),
		"MemoryStatus": sorted(learn.StatusLearning, learn.StatusActive, learn.StatusDisabled), // deleted items are never shown
		"SignalKind":   sorted(learn.SignalApprove, learn.SignalReject, learn.SignalEdit, learn.SignalRegenerate, learn.SignalRestore),
	} {
		if got := enum(name); !slices.Equal(got, want) {
			t.Errorf("%s enum = %v, want %v", name, got, want)
		}
	}
}

// TestOpenAPIDraftSchemas keeps the generation and draft schemas in step
// with the Go types the API encodes and decodes, and the documented
// statuses, channels and field names with the drafts and generate packages.
func TestOpenAPIDraftSchemas(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t, sqliteFixture(t))
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schema := func(name string) map[string]any { return schemas[name].(map[string]any) }
	for name, typ := range map[string]reflect.Type{
		"Generation": reflect.TypeFor[api.GenerationJSON](),
		"Draft":      reflect.TypeFor[api.DraftJSON](),
		"DraftValue": reflect.TypeFor[generate.Value](),
		"Violation":  reflect.TypeFor[generate.Violation](),
		"Ungrounded": reflect.TypeFor[generate.Ungrounded](),
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
	// Every property of the input is optional.
	input := schema("GenerationInput")
	if got, want := sortedKeys(input["properties"].(map[string]any)), jsonFields(reflect.TypeFor[api.GenerationInput]()); !slices.Equal(got, want) {
		t.Errorf("GenerationInput properties = %v, generationInput fields = %v", got, want)
	}
	if req := asStrings(input["required"]); len(req) != 0 {
		t.Errorf("GenerationInput required = %v, want none", req)
	}
	// The field names each channel offers are listed.
	desc := input["properties"].(map[string]any)["fields"].(map[string]any)["description"].(string)
	for _, ch := range generate.Channels {
		var names []string
		for _, f := range generate.Fields(ch) {
			names = append(names, f.Name)
		}
		if want := string(ch) + ": " + strings.Join(names, ", "); !strings.Contains(desc, want) {
			t.Errorf("GenerationInput.fields description lacks %q", want)
		}
	}
	statuses := asStrings(schema("GenerationStatus")["enum"])
	slices.Sort(statuses)
	if want := []string{drafts.StatusCanceled, drafts.StatusDone, drafts.StatusQueued, drafts.StatusRunning}; !slices.Equal(statuses, want) {
		t.Errorf("GenerationStatus enum = %v, want %v", statuses, want)
	}
	var channels []string
	for _, ch := range generate.Channels {
		channels = append(channels, string(ch))
	}
	if got := asStrings(schema("Channel")["enum"]); !slices.Equal(got, channels) {
		t.Errorf("Channel enum = %v, generate.Channels = %v", got, channels)
	}
}
