package api_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/offline"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

func sampleData(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		t.Skipf("sample data not found (%v): this test needs ../shared beside the checkout", err)
	}
	return b
}

// addProducts stores products with these handles straight into the
// catalog (no import job, so the workers need not run).
func (f *fixture) addProducts(t *testing.T, brandID string, handles ...string) {
	t.Helper()
	ctx := context.Background()
	var ps []*catalog.Product
	for _, h := range handles {
		ps = append(ps, &catalog.Product{Source: catalog.SourceFile, Handle: h, Title: strings.ToUpper(h[:1]) + h[1:]})
	}
	if err := f.db.Tx(ctx, func(tx *store.Tx) error { _, err := f.catalog.UpsertTx(ctx, tx, brandID, ps); return err }); err != nil {
		t.Fatalf("add products: %v", err)
	}
}

// generate starts a generation through the service and waits for it (the
// workers must be running).
func (f *fixture) generate(t *testing.T, sc tenant.Scope, brandID string, in drafts.StartInput) *drafts.Generation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g, err := f.drafts.Start(ctx, sc, brandID, in)
	if err != nil {
		t.Fatalf("Start(%+v) = %v", in, err)
	}
	if g, err = f.drafts.Wait(ctx, sc, brandID, g.ID, nil); err != nil {
		t.Fatalf("Wait = %v\n%s", err, f.log.String())
	}
	return g
}

// startAndWait starts a generation over the API and polls its Location
// until it finishes.
func (f *fixture) startAndWait(t *testing.T, brandID, token, body string) api.GenerationJSON {
	t.Helper()
	rec := f.do("POST", "/api/v1/brands/"+brandID+"/generations", token, body)
	wantStatus(t, rec, http.StatusAccepted)
	g := decodeBody[api.GenerationJSON](t, rec)
	loc := rec.Header().Get("Location")
	if g.Status != drafts.StatusQueued || loc != "/api/v1/brands/"+brandID+"/generations/"+g.ID {
		t.Fatalf("POST generations = %+v at %q", g.Generation, loc)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec := f.do("GET", loc, token, "")
		wantStatus(t, rec, http.StatusOK)
		got := decodeBody[api.GenerationJSON](t, rec)
		if got.Finished() {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("generation %s did not finish: %+v\n%s", g.ID, got.Generation, f.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listDrafts lists drafts over the API.
func (f *fixture) listDrafts(t *testing.T, brandID, token string, q url.Values) []api.DraftJSON {
	t.Helper()
	rec := f.do("GET", "/api/v1/brands/"+brandID+"/drafts?"+q.Encode(), token, "")
	wantStatus(t, rec, http.StatusOK)
	return decodeBody[struct{ Drafts []api.DraftJSON }](t, rec).Drafts
}

func TestGenerationsThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.startWorkers(t)
		_, sc, owner := f.user(t, "ann@example.com", "Ann")
		editor := f.member(t, sc, "ed@example.com", tenant.Editor)
		viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
		b := f.brand(t, sc, "Partners Demo")
		for _, name := range []string{"apparel.csv", "jewelery.csv"} {
			if im := f.importFile(t, sc, b.ID, name, sampleData(t, name)); im.Created != 20 {
				t.Fatalf("%s import = %+v, want 20 created", name, im)
			}
		}
		products := f.listAll(t, b.ID, owner, url.Values{})
		shopify := len(generate.Fields(generate.Shopify))

		// Every Shopify field of every product, started by an editor.
		g := f.startAndWait(t, b.ID, editor, `{"channel":"shopify"}`)
		if g.Status != drafts.StatusDone || g.Products != 40 || g.Done != 40 || g.Failed != 0 || g.Drafts != 40*shopify || g.Invalid != 0 ||
			g.Provider != "offline" || g.Model != offline.Model || g.Tokens != 0 || g.CostUSD != 0 || g.FinishedAt == nil || len(g.Fields) != shopify {
			t.Fatalf("generation = %+v, want done: 40 products, %d drafts, none invalid", g.Generation, 40*shopify)
		}
		all := f.listDrafts(t, b.ID, viewer, url.Values{"channel": {"shopify"}, "limit": {"1000"}})
		if len(all) != 40*shopify {
			t.Fatalf("shopify drafts = %d, want %d", len(all), 40*shopify)
		}
		perProduct := map[string][]string{}
		for _, d := range all {
			if d.Channel != "shopify" || d.Status != "draft" || !d.Current || d.Version != 1 || d.Body == "" || len(d.Violations) != 0 ||
				d.Provider != "offline" || d.Model != offline.Model || d.PromptHash == "" || d.GenerationID != g.ID || d.BrandID != b.ID {
				t.Errorf("draft %s/%s = %+v", d.ProductID, d.Field, d.Draft)
			}
			perProduct[d.ProductID] = append(perProduct[d.ProductID], d.Field)
		}
		for _, p := range products {
			if got := perProduct[p.ID]; len(got) != shopify {
				t.Errorf("product %s has drafts for %v, want every Shopify field", p.Handle, got)
			}
		}
		if got := len(f.listDrafts(t, b.ID, owner, url.Values{})); got != 100 {
			t.Errorf("default page = %d drafts, want 100", got)
		}
		if got := len(f.listDrafts(t, b.ID, owner, url.Values{"limit": {"7"}})); got != 7 {
			t.Errorf("limit=7 = %d drafts", got)
		}

		// Filters: product, channel, status.
		one := products[0].ID
		mine := f.listDrafts(t, b.ID, owner, url.Values{"product_id": {one}})
		if len(mine) != shopify {
			t.Fatalf("drafts of one product = %d, want %d", len(mine), shopify)
		}
		for _, d := range mine {
			if d.ProductID != one {
				t.Errorf("product_id filter lists %s", d.ProductID)
			}
		}
		if got := f.listDrafts(t, b.ID, owner, url.Values{"channel": {"etsy"}}); len(got) != 0 {
			t.Errorf("etsy drafts before any = %d", len(got))
		}
		if got := f.listDrafts(t, b.ID, owner, url.Values{"status": {"approved"}}); len(got) != 0 {
			t.Errorf("approved drafts = %d, want 0", len(got))
		}
		if got := f.listDrafts(t, b.ID, owner, url.Values{"product_id": {"not-an-id"}}); len(got) != 0 {
			t.Errorf("drafts of a malformed product id = %d, want 0", len(got))
		}

		// Some fields of some products for another channel.
		two := []string{products[0].ID, products[1].ID}
		g = f.startAndWait(t, b.ID, owner, `{"channel":"etsy","fields":["title","tags"],"product_ids":["`+two[0]+`","`+two[1]+`"]}`)
		if g.Products != 2 || g.Drafts != 4 || g.Invalid != 0 || !slices.Equal(g.Fields, []string{"title", "tags"}) {
			t.Fatalf("etsy generation = %+v, want 2 products, 4 drafts", g.Generation)
		}
		etsy := f.listDrafts(t, b.ID, owner, url.Values{"channel": {"etsy"}})
		if len(etsy) != 4 {
			t.Fatalf("etsy drafts = %d, want 4", len(etsy))
		}
		for _, d := range etsy {
			if !slices.Contains(two, d.ProductID) || (d.Field != "title" && d.Field != "tags") {
				t.Errorf("etsy draft %s/%s", d.ProductID, d.Field)
			}
			if d.Field == "tags" && (len(d.Value.Items) == 0 || d.Body != strings.Join(d.Value.Items, "\n")) {
				t.Errorf("etsy tags value %+v, body %q", d.Value, d.Body)
			}
		}
		if got := f.listDrafts(t, b.ID, owner, url.Values{"channel": {"etsy"}, "product_id": {two[1]}}); len(got) != 2 {
			t.Errorf("etsy drafts of one product = %d, want 2", len(got))
		}

		// Only missing: every Shopify field now has a draft.
		g = f.startAndWait(t, b.ID, owner, `{"channel":"shopify","only_missing":true}`)
		if g.Done != 40 || g.Drafts != 0 || !g.OnlyMissing {
			t.Fatalf("only-missing generation = %+v, want 0 drafts", g.Generation)
		}

		// A draft no repair can fix is kept with its violation; a sentence
		// with facts the product does not state is flagged.
		if im := f.importFile(t, sc, b.ID, "refused.csv", []byte("Handle,Title\n"+refusedHandle+",Refused Mug\n")); im.Created != 1 {
			t.Fatalf("import = %+v", im)
		}
		refused := f.listAll(t, b.ID, owner, url.Values{"q": {"refused"}})[0].ID
		g = f.startAndWait(t, b.ID, owner, `{"channel":"shopify","product_ids":["`+refused+`"]}`)
		if g.Drafts != shopify || g.Invalid != 1 {
			t.Fatalf("generation of the refused product = %+v, want 1 invalid", g.Generation)
		}
		for _, d := range f.listDrafts(t, b.ID, owner, url.Values{"product_id": {refused}}) {
			switch d.Field {
			case "title":
				if len(d.Violations) != 1 || d.Violations[0].Rule != "refusal" || d.Violations[0].Item != -1 ||
					!strings.Contains(d.Violations[0].Message, "refusal from the writer") {
					t.Errorf("refused title violations = %+v", d.Violations)
				}
			case "description":
				if len(d.Ungrounded) == 0 || !slices.Contains(d.Ungrounded[len(d.Ungrounded)-1].Terms, "30 cm") {
					t.Errorf("description ungrounded = %+v, want 30 cm flagged", d.Ungrounded)
				}
			default:
				if len(d.Violations) != 0 {
					t.Errorf("%s violations = %+v", d.Field, d.Violations)
				}
			}
		}
	})
}

func TestGenerationRefusals(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	_, scB, bob := f.user(t, "bob@example.com", "Bob")
	b := f.brand(t, sc, "Refusals")
	bobBrand := f.brand(t, scB, "Bob's")
	f.addProducts(t, b.ID, "mug")
	f.addProducts(t, bobBrand.ID, "plate")
	res, err := f.catalog.List(context.Background(), sc, b.ID, catalog.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	mug := res.Products[0].ID
	gens := "/api/v1/brands/" + b.ID + "/generations"
	tests := []struct {
		name, token, path, body string
		status                  int
		code, message           string
	}{
		{"unknown channel", owner, gens, `{"channel":"ebay"}`, 400, "invalid", `Unknown channel "ebay": use shopify, etsy, amazon or google.`},
		{"unknown field", owner, gens, `{"channel":"etsy","fields":["title","bullet_points"]}`, 400, "invalid",
			`etsy has no field "bullet_points"; its fields are title, description, tags, materials.`},
		{"wrong type", owner, gens, `{"product_ids":"all"}`, 400, "invalid", `The field "product_ids" must be an array, not string.`},
		{"unknown property", owner, gens, `{"all":true}`, 400, "invalid", `Unknown field "all" in the request body.`},
		{"unknown product", owner, gens, `{"product_ids":["` + store.NewID() + `"]}`, 404, "not_found", "not found"},
		{"viewer", viewer, gens, `{}`, 403, "forbidden", "viewer"},
		{"viewer with a bad body", viewer, gens, `{`, 403, "forbidden", "viewer"},
		{"another tenant", bob, gens, `{}`, 404, "not_found", "Brand not found"},
		{"another tenant's product", bob, "/api/v1/brands/" + bobBrand.ID + "/generations", `{"product_ids":["` + mug + `"]}`, 404, "not_found", "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, f.do("POST", tt.path, tt.token, tt.body), tt.status, tt.code)
			if !strings.Contains(e.Error.Message, tt.message) {
				t.Errorf("message %q does not contain %q", e.Error.Message, tt.message)
			}
		})
	}
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM generations`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("generations after the refusals = %d, %v; want none", n, err)
	}

	// Without workers a generation stays queued; canceling it stops it, and
	// the workers then skip its products.
	rec := f.do("POST", gens, owner, `{"channel":"amazon"}`)
	wantStatus(t, rec, http.StatusAccepted)
	g := decodeBody[api.GenerationJSON](t, rec)
	loc := rec.Header().Get("Location")
	wantError(t, f.do("POST", loc+"/cancel", viewer, ""), http.StatusForbidden, "forbidden")
	wantError(t, f.do("POST", loc+"/cancel", bob, ""), http.StatusNotFound, "not_found")
	wantError(t, f.do("POST", "/api/v1/brands/"+bobBrand.ID+"/generations/"+g.ID+"/cancel", bob, ""), http.StatusNotFound, "not_found")
	wantError(t, f.do("GET", loc, bob, ""), http.StatusNotFound, "not_found")
	wantError(t, f.do("GET", "/api/v1/brands/"+bobBrand.ID+"/generations/"+g.ID, bob, ""), http.StatusNotFound, "not_found")
	wantError(t, f.do("GET", "/api/v1/brands/"+b.ID+"/drafts", bob, ""), http.StatusNotFound, "not_found")
	rec = f.do("GET", loc, viewer, "")
	wantStatus(t, rec, http.StatusOK)
	if got := decodeBody[api.GenerationJSON](t, rec); got.Status != drafts.StatusQueued {
		t.Fatalf("generation after refused cancels = %s, want queued", got.Status)
	}
	rec = f.do("POST", loc+"/cancel", owner, "")
	wantStatus(t, rec, http.StatusNoContent)
	if rec.Body.Len() != 0 {
		t.Errorf("cancel body = %q, want empty", rec.Body.String())
	}
	// The canceled generation's job comes first in the queue, so once a
	// later generation is done, it has run.
	f.startWorkers(t)
	if later := f.generate(t, sc, b.ID, drafts.StartInput{Channel: "etsy"}); later.Drafts != 4 {
		t.Fatalf("later generation = %+v, want 4 drafts", later)
	}
	rec = f.do("GET", loc, owner, "")
	got := decodeBody[api.GenerationJSON](t, rec)
	if got.Status != drafts.StatusCanceled || got.FinishedAt == nil || got.Drafts != 0 {
		t.Fatalf("canceled generation = %+v", got.Generation)
	}
	if ds := f.listDrafts(t, b.ID, owner, url.Values{"channel": {"amazon"}}); len(ds) != 0 {
		t.Fatalf("drafts of a canceled generation = %d, want 0", len(ds))
	}
	// Canceling again is fine and changes nothing.
	wantStatus(t, f.do("POST", loc+"/cancel", owner, ""), http.StatusNoContent)
}
