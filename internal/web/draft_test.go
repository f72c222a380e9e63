package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/offline"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// refusedHandle names the product testWriter refuses to write a title for.
const refusedHandle = "refused-mug"

// testWriter is the offline writer, except for the product whose handle is
// refusedHandle: its title is a refusal, which no repair can fix, and its
// descriptions state facts the product's data does not hold.
type testWriter struct{}

var _ generate.Provider = testWriter{}

func (testWriter) Name() string { return "offline" }

func (testWriter) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	res, err := offline.New().Generate(ctx, req)
	if err != nil || req.Product.Handle != refusedHandle {
		return res, err
	}
	for _, f := range req.Fields {
		switch f.Name {
		case "title", "item_name":
			res.Values[f.Name] = generate.Value{Text: "I cannot help with that."}
		case "description", "product_description":
			res.Values[f.Name] = generate.Value{Text: "A mug made of organic cotton. It is 30 cm wide."}
		}
	}
	return res, nil
}

// addProducts stores CSV content straight into a brand's catalog, without
// an import job, so a test decides when the workers start.
func (e *testEnv) addProducts(brandID string, content []byte) {
	e.t.Helper()
	r, err := csvfile.NewReader(bytes.NewReader(content), csvfile.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	var ps []*catalog.Product
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e.t.Fatal(err)
		}
		if it.Product != nil {
			ps = append(ps, it.Product)
		}
	}
	ctx := context.Background()
	if err := e.db.Tx(ctx, func(tx *store.Tx) error { _, err := e.catalog.UpsertTx(ctx, tx, brandID, ps); return err }); err != nil {
		e.t.Fatalf("add products: %v", err)
	}
}

// waitGeneration waits for a generation to finish and returns it.
func (e *testEnv) waitGeneration(email, brandID, id string) *drafts.Generation {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g, err := e.drafts.Wait(ctx, e.scopeOf(email), brandID, id, nil)
	if err != nil {
		e.t.Fatalf("generation %s did not finish: %v\nlogs:\n%s", id, err, e.logs.String())
	}
	return g
}

// join has a new user sign up in b and join the owner's account with role.
func (e *testEnv) join(b *browser, ownerEmail, name, email string, role tenant.Role) {
	e.t.Helper()
	b.signUp(name, email)
	if _, err := e.accounts.Invite(context.Background(), e.scopeOf(ownerEmail), email, role); err != nil {
		e.t.Fatal(err)
	}
	link := e.lastMailLink(email)
	b.get(link)
	p := b.post("/invitations/accept", url.Values{"token": {tokenOf(link)}})
	mustSee(e.t, "accept invitation", p, "You joined the account.")
}

// productID finds a product by a search word on the product list.
func (b *browser) productID(brandID, q string) string {
	b.t.Helper()
	ids := productIDs(b.get("/brands/" + brandID + "/products?" + url.Values{"q": {q}}.Encode()))
	if len(ids) == 0 {
		b.t.Fatalf("no product matches %q", q)
	}
	return ids[0]
}

var (
	generationPath = regexp.MustCompile(`^/brands/[^/]+/generations/([^/]+)$`)
	draftItem      = regexp.MustCompile(`<li class="draft( draft-invalid)?" id="draft-([a-z]+)-([a-z_]+)">`)
	draftRow       = regexp.MustCompile(`<tr class="draft-row">`)
)

// draftsShown lists the channel-field pairs of the drafts a page shows.
func draftsShown(p page) []string {
	var out []string
	for _, m := range draftItem.FindAllStringSubmatch(p.raw, -1) {
		out = append(out, m[2]+"-"+m[3])
	}
	return out
}

func TestGenerateFromProductPage(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Gina", "gina@example.com")
	id := b.newBrand("Partners Demo")
	env.addProducts(id, sampleFile(t, "apparel.csv"))
	pid := b.productID(id, "ocean")
	productPath := "/brands/" + id + "/products/" + pid

	p := b.get(productPath)
	mustStatus(t, "product page", p, http.StatusOK)
	mustSee(t, "product page", p, "Write drafts", `action="`+productPath+`/generate"`, `<option value="etsy" selected>Etsy</option>`,
		`value="shopify:seo_title"`, `value="etsy:materials"`, `value="amazon:generic_keywords"`, `data-channel-fields="google"`, "No drafts yet.")

	// The form defaults to the brand's channel (brandForm's is Etsy).
	// Before any worker runs, the drafts section follows the queued
	// generation.
	b.follow = false
	p = b.post(productPath+"/generate", url.Values{"channel": {"shopify"}})
	b.follow = true
	loc := p.header.Get("Location")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, productPath+"?generation=") || !strings.HasSuffix(loc, "#drafts") {
		t.Fatalf("generate = %d to %q, want 303 to the product's drafts", p.status, loc)
	}
	u, _ := url.Parse(loc)
	genID := u.Query().Get("generation")
	p = b.get(loc)
	fragment := productPath + "/drafts?generation=" + genID
	mustSee(t, "queued", p, "queued", "Waiting for a worker", `hx-trigger="every 1s"`, `hx-get="`+fragment+`"`, `id="drafts"`)
	p = b.get(fragment)
	mustStatus(t, "drafts fragment", p, http.StatusOK)
	mustSee(t, "running fragment", p, `hx-trigger="every 1s"`, `id="drafts"`)
	mustNotSee(t, "fragment", p, "<html", "<body", "Write drafts")

	env.startWorkers()
	g := env.waitGeneration("gina@example.com", id, genID)
	if g.Status != drafts.StatusDone || g.Products != 1 || g.Drafts != 6 || g.Invalid != 0 {
		t.Fatalf("generation = %+v, want 6 valid drafts", g)
	}
	p = b.get(fragment)
	mustSee(t, "finished fragment", p, "done", "Shopify: 6 drafts written.")
	mustNotSee(t, "finished fragment", p, "hx-trigger", "hx-get")

	// Every Shopify field with its counter, none flagged.
	p = b.get(productPath)
	if got, want := draftsShown(p), []string{"shopify-title", "shopify-description", "shopify-seo_title", "shopify-seo_description",
		"shopify-tags", "shopify-image_alt"}; !slices.Equal(got, want) {
		t.Fatalf("drafts shown = %v, want %v", got, want)
	}
	mustSee(t, "drafts", p, "Title", "SEO description", "Image alt text", " / 255 characters", " / 5000 characters", " / 70 characters",
		" / 320 characters", " / 250 tags", "1 / 1 alt texts (one per image)", "Version 1 · offline · "+offline.Model)
	mustNotSee(t, "drafts", p, `class="violations"`, `class="ungrounded"`, "counter-over", "draft-invalid", "hx-trigger")
	if strings.Contains(p.raw, "<img") {
		t.Errorf("the product page has an <img>\n%s", excerpt(p.raw))
	}
	ds, err := env.drafts.List(context.Background(), env.scopeOf("gina@example.com"), id, drafts.ListParams{ProductID: pid})
	if err != nil || len(ds) != 6 {
		t.Fatalf("drafts = %d, %v", len(ds), err)
	}
	for _, d := range ds {
		switch d.Field {
		case "title", "seo_title", "seo_description":
			mustSee(t, d.Field, p, d.Body, fmt.Sprintf("%d / ", utf8.RuneCountInString(d.Body)))
		case "tags":
			mustSee(t, "tags", p, fmt.Sprintf("%d / 250 tags", len(d.Value.Items)))
			for _, tag := range d.Value.Items {
				mustSee(t, "tags", p, fmt.Sprintf(`<span class="draft-item">%s</span> <span class="counter">%d / 255 characters</span>`,
					tag, utf8.RuneCountInString(tag)))
			}
		}
	}

	// Some fields of another channel: only the chosen channel's boxes count.
	p = b.post(productPath+"/generate", url.Values{"channel": {"etsy"}, "field": {"etsy:title", "etsy:tags", "shopify:description"}})
	mustStatus(t, "etsy generate", p, http.StatusOK)
	genID = p.query.Get("generation")
	if g := env.waitGeneration("gina@example.com", id, genID); !slices.Equal(g.Fields, []string{"title", "tags"}) || g.Drafts != 2 {
		t.Fatalf("etsy generation = %+v, want title and tags", g)
	}
	p = b.get(productPath)
	if got := draftsShown(p); len(got) != 8 || got[6] != "etsy-title" || got[7] != "etsy-tags" {
		t.Fatalf("drafts shown = %v, want the 6 Shopify ones then Etsy title and tags", got)
	}
	mustSee(t, "etsy", p, `<h3 class="draft-channel" id="drafts-etsy">Etsy</h3>`, " / 140 characters", " / 13 tags", " / 20 characters")

	// Amazon counts its search terms in bytes.
	p = b.post(productPath+"/generate", url.Values{"channel": {"amazon"}})
	env.waitGeneration("gina@example.com", id, p.query.Get("generation"))
	p = b.get(productPath)
	mustSee(t, "amazon", p, " / 249 bytes in all", " / 249 bytes</span>", "5 / 5 bullet points", " / 200 characters")

	// An unknown field or channel is refused with the service's message.
	p = b.post(productPath+"/generate", url.Values{"channel": {"ebay"}})
	mustStatus(t, "unknown channel", p, http.StatusBadRequest)
	mustSee(t, "unknown channel", p, `Unknown channel "ebay"`)
	// A product of another brand of the same account is not found there.
	other := b.newBrand("Other")
	p = b.post("/brands/"+other+"/products/"+pid+"/generate", url.Values{"channel": {"shopify"}})
	mustStatus(t, "product of another brand", p, http.StatusNotFound)
	// The form is protected like every other.
	p = b.postRaw(productPath+"/generate", url.Values{"channel": {"shopify"}}, nil)
	mustStatus(t, "no CSRF token", p, http.StatusForbidden)
	mustSee(t, "no CSRF token", p, "This form expired")
}

func TestBulkGenerateAndFillMissing(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Bea", "bea@example.com")
	id := b.newBrand("Bulk")
	env.addProducts(id, sampleFile(t, "apparel.csv"))
	env.addProducts(id, sampleFile(t, "jewelery.csv"))
	list := "/brands/" + id + "/products"

	p := b.get(list)
	mustSee(t, "product list", p, `action="/brands/`+id+`/generations"`, "Write drafts for selected", "Fill missing fields for all",
		`name="product_id"`, `<option value="etsy" selected>Etsy</option>`, `href="/brands/`+id+`/drafts"`)
	ids := productIDs(p)
	if len(ids) != 40 {
		t.Fatalf("list shows %d products, want 40", len(ids))
	}
	for _, pid := range ids[:3] {
		mustSee(t, "checkbox", p, `<input type="checkbox" name="product_id" value="`+pid+`"`)
	}

	// Nothing selected.
	p = b.post("/brands/"+id+"/generations", url.Values{"mode": {"selected"}, "channel": {"etsy"}})
	mustStatus(t, "nothing selected", p, http.StatusBadRequest)
	mustSee(t, "nothing selected", p, "Select at least one product")

	// Three selected products, before the workers run: the progress page polls.
	b.get(list)
	p = b.post("/brands/"+id+"/generations", url.Values{"mode": {"selected"}, "channel": {"etsy"}, "product_id": ids[:3]})
	mustStatus(t, "bulk generate", p, http.StatusOK)
	m := generationPath.FindStringSubmatch(p.path)
	if m == nil {
		t.Fatalf("bulk generate ended at %s, want the generation's page", p.path)
	}
	gen := m[1]
	progress := "/brands/" + id + "/generations/" + gen + "/progress"
	mustSee(t, "queued generation", p, "Etsy drafts", "3 products: Title, Description, Tags, Materials", "queued", "0 / 3 products",
		`hx-trigger="every 1s"`, `hx-get="`+progress+`"`, "Cancel the generation", `<progress id="generation-bar" max="3" value="0"`)
	p = b.get(progress)
	mustStatus(t, "progress fragment", p, http.StatusOK)
	mustSee(t, "running fragment", p, `hx-trigger="every 1s"`, `id="generation-progress"`, "Cancel the generation", `name="csrf_token"`)
	mustNotSee(t, "fragment", p, "<html", "<body")

	// Another one, canceled before it runs: nothing is written.
	p = b.post("/brands/"+id+"/generations", url.Values{"mode": {"selected"}, "channel": {"amazon"}, "product_id": ids[3:5]})
	canceled := generationPath.FindStringSubmatch(p.path)[1]
	p = b.post("/brands/"+id+"/generations/"+canceled+"/cancel", nil)
	mustStatus(t, "cancel", p, http.StatusOK)
	mustSee(t, "canceled", p, "Generation canceled.", "canceled", "View drafts")
	mustNotSee(t, "canceled", p, "hx-trigger", "Cancel the generation")

	env.startWorkers()
	g := env.waitGeneration("bea@example.com", id, gen)
	if g.Status != drafts.StatusDone || g.Products != 3 || g.Drafts != 12 || g.Invalid != 0 {
		t.Fatalf("bulk generation = %+v, want 12 drafts", g)
	}
	p = b.get(progress)
	mustSee(t, "finished fragment", p, "done", "3 / 3 products", `value="3"`, "<dt>Drafts written</dt><dd>12</dd>",
		"<dt>Breaking a rule</dt><dd>0</dd>", "<dt>Tokens</dt><dd>0</dd>", "<dt>Cost</dt><dd>$0.0000</dd>", "View drafts")
	mustNotSee(t, "finished fragment", p, "hx-trigger", "hx-get", "Cancel the generation")

	p = b.get("/brands/" + id + "/drafts?channel=etsy")
	mustStatus(t, "draft list", p, http.StatusOK)
	if n := len(draftRow.FindAllString(p.raw, -1)); n != 12 {
		t.Fatalf("etsy draft list shows %d drafts, want 12\n%s", n, excerpt(p.text))
	}
	for _, pid := range ids[:3] {
		mustSee(t, "draft list", p, `href="/brands/`+id+`/products/`+pid+`#draft-etsy-title"`)
	}
	mustSee(t, "draft list", p, " / 140 characters", " / 13 tags", "Clear filters")
	p = b.get("/brands/" + id + "/drafts?channel=amazon")
	mustSee(t, "canceled generation's channel", p, "No drafts match these filters.")

	// Fill missing fields for all, twice: the second run has nothing to write.
	fill := func() *drafts.Generation {
		t.Helper()
		b.get(list)
		p := b.post("/brands/"+id+"/generations", url.Values{"mode": {"missing"}, "channel": {"shopify"}, "product_id": ids[:1]})
		m := generationPath.FindStringSubmatch(p.path)
		if m == nil {
			t.Fatalf("fill missing ended at %s\n%s", p.path, excerpt(p.text))
		}
		mustSee(t, "fill missing", p, "40 products, only the fields they miss")
		return env.waitGeneration("bea@example.com", id, m[1])
	}
	first := fill()
	if first.Products != 40 || first.Done != 40 || first.Drafts == 0 || first.Invalid != 0 || !first.OnlyMissing {
		t.Fatalf("first fill = %+v, want drafts for the 40 products' missing fields", first)
	}
	second := fill()
	if second.Products != 40 || second.Done != 40 || second.Drafts != 0 {
		t.Fatalf("second fill = %+v, want nothing written", second)
	}
	p = b.get("/brands/" + id + "/generations/" + second.ID)
	mustSee(t, "second fill", p, "<dt>Drafts written</dt><dd>0</dd>", "40 / 40 products")
	// The source titles and descriptions are there, so those were not written.
	ds, err := env.drafts.List(context.Background(), env.scopeOf("bea@example.com"), id, drafts.ListParams{Channel: "shopify", Limit: 1000})
	if err != nil || len(ds) != first.Drafts {
		t.Fatalf("shopify drafts = %d, %v; want %d", len(ds), err, first.Drafts)
	}
	for _, d := range ds {
		if d.Field == "title" || d.Field == "description" {
			t.Errorf("fill missing wrote the %s of %s, which the product has", d.Field, d.ProductID)
		}
	}
}

func TestDraftViolationsAndFlags(t *testing.T) {
	env := newEnv(t)
	env.startWorkers()
	b := env.newBrowser()
	b.signUp("Vera", "vera@example.com")
	id := b.newBrand("Flags")
	env.addProducts(id, []byte("Handle,Title,Image Src\n"+refusedHandle+",Refused Mug,https://cdn.example.com/mug.jpg\nplate,Plate,\n"))
	refused := b.productID(id, "refused")
	productPath := "/brands/" + id + "/products/" + refused

	b.get(productPath)
	p := b.post(productPath+"/generate", url.Values{"channel": {"shopify"}})
	g := env.waitGeneration("vera@example.com", id, p.query.Get("generation"))
	if g.Drafts != 6 || g.Invalid != 1 {
		t.Fatalf("generation = %+v, want 1 invalid draft of 6", g)
	}
	p = b.get(productPath)
	mustSee(t, "refused title", p, `<li class="draft draft-invalid" id="draft-shopify-title">`,
		`The title is a refusal from the writer ("I cannot"), not product copy; it must be written again.`,
		"I cannot help with that.", "24 / 255 characters", `class="ungrounded"`, "“It is 30 cm wide.” — not in the product data: 30 cm")
	if n := strings.Count(p.raw, `<ul class="violations"`); n != 1 {
		t.Errorf("%d drafts show violations, want 1", n)
	}
	if !regexp.MustCompile(`not in the product data: [^<]*organic`).MatchString(p.text) {
		t.Errorf("the organic claim is not flagged\n%s", excerpt(p.text))
	}
	if n := strings.Count(p.raw, `<li class="draft" id=`); n != 5 {
		t.Errorf("%d valid drafts shown, want 5", n)
	}

	// The other product is written without flags; the list can show only
	// the flagged drafts.
	plate := b.productID(id, "plate")
	p = b.post("/brands/"+id+"/products/"+plate+"/generate", url.Values{"channel": {"shopify"}})
	env.waitGeneration("vera@example.com", id, p.query.Get("generation"))
	p = b.get("/brands/" + id + "/drafts")
	if n := len(draftRow.FindAllString(p.raw, -1)); n != 12 {
		t.Fatalf("draft list shows %d drafts, want 12\n%s", n, excerpt(p.text))
	}
	mustSee(t, "draft list", p, "0 / 0 alt texts (one per image)", "1 / 1 alt texts (one per image)")
	p = b.get("/brands/" + id + "/drafts?flagged=1")
	if n := len(draftRow.FindAllString(p.raw, -1)); n != 2 {
		t.Fatalf("flagged list shows %d drafts, want 2 (the refused title and the ungrounded description)\n%s", n, excerpt(p.text))
	}
	mustSee(t, "flagged list", p, "1 rule broken", "3 unsupported facts", "Refused Mug", `checked`)
	mustNotSee(t, "flagged list", p, "Plate")
}

func TestDraftsForViewersAndOtherAccounts(t *testing.T) {
	env := newEnv(t)
	env.startWorkers()
	owner := env.newBrowser()
	owner.signUp("Olga", "olga@example.com")
	id := owner.newBrand("Olga Goods")
	env.addProducts(id, sampleFile(t, "apparel.csv"))
	pid := owner.productID(id, "ocean")
	productPath := "/brands/" + id + "/products/" + pid
	owner.get(productPath)
	p := owner.post(productPath+"/generate", url.Values{"channel": {"shopify"}})
	gen := p.query.Get("generation")
	env.waitGeneration("olga@example.com", id, gen)
	generations := func() int {
		t.Helper()
		var n int
		if err := env.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM generations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if generations() != 1 {
		t.Fatal("want one generation")
	}

	// A viewer reads drafts but sees no way to write them, and is refused.
	vic := env.newBrowser()
	env.join(vic, "olga@example.com", "Vic", "vic@example.com", tenant.Viewer)
	p = vic.get(productPath)
	mustStatus(t, "viewer product page", p, http.StatusOK)
	mustSee(t, "viewer product page", p, `id="draft-shopify-title"`, "Version 1 · offline")
	mustNotSee(t, "viewer product page", p, "Write drafts", "/generate", "data-channel-select")
	p = vic.get("/brands/" + id + "/products")
	mustNotSee(t, "viewer product list", p, `name="product_id"`, "Write drafts for selected", "Fill missing fields for all")
	p = vic.get("/brands/" + id + "/generations/" + gen)
	mustStatus(t, "viewer generation page", p, http.StatusOK)
	mustNotSee(t, "viewer generation page", p, "Cancel the generation")
	mustStatus(t, "viewer draft list", vic.get("/brands/"+id+"/drafts"), http.StatusOK)
	for _, post := range []struct {
		path string
		form url.Values
	}{
		{productPath + "/generate", url.Values{"channel": {"etsy"}}},
		{"/brands/" + id + "/generations", url.Values{"mode": {"missing"}, "channel": {"etsy"}}},
		{"/brands/" + id + "/generations", url.Values{"mode": {"selected"}, "product_id": {pid}}},
		{"/brands/" + id + "/generations/" + gen + "/cancel", nil},
	} {
		vic.get("/brands/" + id + "/drafts")
		p := vic.post(post.path, post.form)
		mustStatus(t, "viewer POST "+post.path, p, http.StatusForbidden)
	}
	if generations() != 1 {
		t.Fatal("a viewer started a generation")
	}

	// Another account sees none of it: every new route is not found.
	bob := env.newBrowser()
	bob.signUp("Bob", "bob@example.com")
	bobBrand := bob.newBrand("Bob Goods")
	env.addProducts(bobBrand, []byte("Handle,Title\nbob-mug,Bob Mug\n"))
	bobProduct := bob.productID(bobBrand, "bob")
	for _, path := range []string{
		"/brands/" + id + "/drafts",
		"/brands/" + id + "/drafts?flagged=1&channel=shopify",
		"/brands/" + id + "/generations/" + gen,
		"/brands/" + id + "/generations/" + gen + "/progress",
		"/brands/" + bobBrand + "/generations/" + gen,
		"/brands/" + bobBrand + "/generations/" + gen + "/progress",
		"/brands/" + id + "/products/" + pid + "/drafts",
		"/brands/" + id + "/products/" + pid + "/drafts?generation=" + gen,
		"/brands/" + bobBrand + "/products/" + pid + "/drafts",
		"/brands/" + bobBrand + "/generations/not-an-id",
	} {
		t.Run("GET "+path, func(t *testing.T) {
			p := bob.get(path)
			mustStatus(t, path, p, http.StatusNotFound)
			mustNotSee(t, path, p, "Olga Goods", "Ocean Blue Shirt")
		})
	}
	for _, post := range []struct {
		path string
		form url.Values
	}{
		{productPath + "/generate", url.Values{"channel": {"shopify"}}},
		{"/brands/" + bobBrand + "/products/" + pid + "/generate", url.Values{"channel": {"shopify"}}},
		{"/brands/" + id + "/generations", url.Values{"mode": {"missing"}}},
		{"/brands/" + bobBrand + "/generations", url.Values{"mode": {"selected"}, "product_id": {pid}}},
		{"/brands/" + id + "/generations/" + gen + "/cancel", nil},
		{"/brands/" + bobBrand + "/generations/" + gen + "/cancel", nil},
	} {
		t.Run("POST "+post.path, func(t *testing.T) {
			bob.get("/brands/" + bobBrand + "/drafts")
			p := bob.post(post.path, post.form)
			mustStatus(t, post.path, p, http.StatusNotFound)
			mustNotSee(t, post.path, p, "Olga Goods", "Ocean Blue Shirt")
		})
	}
	// A generation of another account named on one's own product page is
	// ignored, not followed.
	p = bob.get("/brands/" + bobBrand + "/products/" + bobProduct + "?generation=" + gen)
	mustStatus(t, "foreign generation id", p, http.StatusOK)
	mustNotSee(t, "foreign generation id", p, "hx-trigger", "Shopify: 6 drafts written")
	if generations() != 1 {
		t.Fatal("another account started a generation")
	}
	if g, err := env.drafts.Get(context.Background(), env.scopeOf("olga@example.com"), id, gen); err != nil || g.Status != drafts.StatusDone {
		t.Fatalf("Olga's generation = %+v, %v; want it done, not canceled", g, err)
	}
}
