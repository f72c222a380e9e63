package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/fakes/etsyfake"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
	"github.com/plutopro/plutopro/internal/tenant"
	"github.com/plutopro/plutopro/internal/web"
)

// noRedirects is a client that stops at the first redirect, as the tests
// follow the OAuth round trip hop by hop.
var noRedirects = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// storesPath is a brand's stores page.
func storesPath(brandID string) string { return "/brands/" + brandID + "/stores" }

// beginConnect posts the connect form of the stores page and returns the
// store's authorization URL it redirects to.
func (b *browser) beginConnect(t *testing.T, brandID, platform string, form url.Values) string {
	t.Helper()
	b.get(storesPath(brandID))
	b.follow = false
	defer func() { b.follow = true }()
	p := b.post(storesPath(brandID)+"/"+platform+"/connect", form)
	mustStatus(t, "connect "+platform, p, http.StatusSeeOther)
	return p.header.Get("Location")
}

// authorize opens the store's authorization URL as the seller's browser
// would (the fake consents at once) and returns where the store sends the
// browser back to.
func authorize(t *testing.T, authURL string) string {
	t.Helper()
	resp, err := noRedirects.Get(authURL)
	if err != nil {
		t.Fatalf("GET %s: %v", authURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the store answered %s to its authorization URL, want a redirect back", resp.Status)
	}
	return resp.Header.Get("Location")
}

// callback opens the callback URL in a browser without a session (the
// store's redirect needs none) and checks it sends the browser to the
// brand's stores page.
func (e *testEnv) callback(t *testing.T, back, brandID, platform string) {
	t.Helper()
	if !strings.HasPrefix(back, e.url+"/connect/"+platform+"/callback?") {
		t.Fatalf("the store sends the browser back to %s, want our callback", back)
	}
	anon := e.newBrowser()
	anon.follow = false
	p := anon.get(back)
	mustStatus(t, "callback", p, http.StatusSeeOther)
	if got, want := p.header.Get("Location"), storesPath(brandID)+"?notice=store-connected#store-"+platform; got != want {
		t.Fatalf("callback redirected to %s, want %s", got, want)
	}
}

// connectStore connects a brand to a sandbox store through the pages, as
// an owner does: the connect form, the store, the callback.
func (e *testEnv) connectStore(t *testing.T, b *browser, brandID, platform string) {
	t.Helper()
	form := url.Values{}
	if platform == "shopify" {
		form.Set("shop", e.sandbox.Info.Shopify.Shop)
	}
	e.callback(t, authorize(t, b.beginConnect(t, brandID, platform, form)), brandID, platform)
}

// conn is the brand's connection to a platform.
func (e *testEnv) conn(t *testing.T, email, brandID, platform string) *connect.Connection {
	t.Helper()
	c, err := e.connect.ByPlatform(context.Background(), e.scopeOf(email), brandID, connect.Platform(platform))
	if err != nil {
		t.Fatalf("%s connection: %v", platform, err)
	}
	return c
}

// waitSync waits for the connection's latest sync to finish.
func (e *testEnv) waitSync(t *testing.T, email, brandID, platform string) *connect.Sync {
	t.Helper()
	c := e.conn(t, email, brandID, platform)
	deadline := time.Now().Add(60 * time.Second)
	for {
		sy, err := e.connect.LastSync(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sy != nil && sy.Finished() {
			return sy
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s sync did not finish: %+v\nlogs:\n%s", platform, sy, e.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitPublication waits for a publication to be done or failed.
func (e *testEnv) waitPublication(t *testing.T, email, brandID, id string) *connect.Publication {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		p, err := e.connect.GetPublication(context.Background(), e.scopeOf(email), brandID, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status == connect.PubDone || p.Status == connect.PubFailed {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("publication %s did not finish: %+v\nlogs:\n%s", id, p, e.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// publishJobPending reports whether a publish job for the publication
// waits or runs.
func (e *testEnv) publishJobPending(t *testing.T, pubID string) bool {
	t.Helper()
	var n int
	err := e.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM river_job WHERE kind = ? AND state NOT IN ('completed', 'discarded', 'cancelled')
		AND args LIKE ?`, connect.PublishArgs{}.Kind(), "%"+pubID+"%").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// publications lists the brand's publications, newest first.
func (e *testEnv) publications(t *testing.T, email, brandID string) []*connect.Publication {
	t.Helper()
	ps, err := e.connect.Publications(context.Background(), e.scopeOf(email), brandID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// approveTitle writes a title draft for the first of the brand's products
// from platform, edits it to a title the product never had (the offline
// writer may keep the original), approves it, and returns the product's
// id and the approved title.
func (e *testEnv) approveTitle(t *testing.T, email, brandID, platform string) (productID, title string) {
	t.Helper()
	ctx, sc := context.Background(), e.scopeOf(email)
	var ids []string
	rows, err := e.db.Query(ctx, `SELECT id FROM products WHERE brand_id = ? AND source = ? ORDER BY title LIMIT 5`, brandID, platform)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	g, err := e.drafts.Start(ctx, sc, brandID, drafts.StartInput{Channel: platform, Fields: []string{"title"}, ProductIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	e.waitGeneration(email, brandID, g.ID)
	for _, id := range ids {
		d, err := e.drafts.CurrentDraft(ctx, sc, brandID, id, platform, "title")
		if err != nil {
			continue
		}
		approved, err := e.drafts.Edit(ctx, sc, d.ID, "Hand Finished Sample Piece in Gift Box", true)
		if err != nil || approved.Status != drafts.DraftApproved {
			continue
		}
		return id, approved.Value.Text
	}
	t.Fatalf("no %s title could be approved among %d products", platform, len(ids))
	return "", ""
}

// actOn loads page (for its CSRF token), posts a form to path and checks
// it redirects to want.
func (b *browser) actOn(t *testing.T, what, page, path string, form url.Values, want string) {
	t.Helper()
	b.get(page)
	b.act(t, what, path, form, want)
}

func TestStoresWithoutConnectService(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Nia", "nia@example.com")
	id := b.newBrand("Nia Goods")
	mustSee(t, "brand page", b.get("/brands/"+id), `href="/brands/`+id+`/stores"`)
	mustSee(t, "dashboard", b.get("/dashboard"), `href="/brands/`+id+`/stores"`)
	p := b.get(storesPath(id))
	mustStatus(t, "stores page", p, http.StatusOK)
	mustSee(t, "stores page", p, "Store connections are not available on this server.")
	mustNotSee(t, "stores page", p, "Connect Shopify", "Publications")
	for _, path := range []string{"/shopify/connect", "/shopify/sync", "/shopify/publish", "/shopify/disconnect"} {
		b.get(storesPath(id))
		mustStatus(t, "POST "+path, b.post(storesPath(id)+path, nil), http.StatusNotFound)
	}
	p = env.newBrowser().get("/connect/shopify/callback?code=secret-code-123&state=s")
	mustStatus(t, "callback", p, http.StatusNotFound)
	mustSee(t, "callback", p, "The store was not connected", "Store connections are not available on this server.")
	mustNotSee(t, "callback", p, "secret-code-123")
}

// TestStoreConnectShopify connects Shopify through the pages (connect
// form, the store's consent, the callback), watches the first sync run to
// the 60 sample products, then syncs again.
func TestStoreConnectShopify(t *testing.T) {
	env := newStoresEnv(t, func(c *web.Config) { c.Sandbox = true })
	b := env.newBrowser()
	b.signUp("Sam", "sam@example.com")
	id := b.newBrand("Sam Goods")
	sb := env.sandbox

	p := b.get(storesPath(id))
	mustStatus(t, "stores page", p, http.StatusOK)
	mustSee(t, "stores page", p, `id="store-shopify"`, `id="store-etsy"`, `id="store-amazon"`, "not connected",
		// The sandbox shop is filled in (sandboxShopifyShop must be the fake's).
		`name="shop" value="`+sb.Info.Shopify.Shop+`"`, "Connect Shopify", "Connect Etsy", "Connect Amazon", "Nothing published yet.")
	mustNotSee(t, "stores page", p, "Sync now", "Publish approved drafts", "Not set up on this server")
	// The connect forms redirect to the stores, so the page's policy lets them.
	csp := p.header.Get("Content-Security-Policy")
	for _, origin := range []string{sb.Info.Shopify.URL, sb.Info.Etsy.URL, sb.Info.Amazon.URL} {
		if !strings.Contains(csp, "form-action 'self' ") || !strings.Contains(csp, origin) {
			t.Errorf("stores page CSP %q does not allow forms to %s", csp, origin)
		}
	}
	if other := b.get("/brands/" + id).header.Get("Content-Security-Policy"); strings.Contains(other, sb.Info.Shopify.URL) {
		t.Errorf("the brand page's CSP allows the stores too: %q", other)
	}

	// A shop that is not a Shopify domain is refused on the form, as typed.
	p = b.post(storesPath(id)+"/shopify/connect", url.Values{"shop": {"https://example.com/<b>"}})
	mustStatus(t, "bad shop", p, http.StatusBadRequest)
	mustSee(t, "bad shop", p, "Enter the shop's Shopify domain, like your-shop.myshopify.com.", `aria-invalid="true"`)
	if !strings.Contains(p.raw, `value="https://example.com/&lt;b&gt;"`) {
		t.Error("bad shop: the form does not keep what was typed, escaped")
	}

	// Connect: our 303 to the store's authorize page, the store's
	// redirect back with the code, our callback's 303 to the stores page.
	authURL := b.beginConnect(t, id, "shopify", url.Values{"shop": {" Plutopro-Sandbox.myshopify.com "}})
	if want := sb.Info.Shopify.URL + "/shops/" + sb.Info.Shopify.Shop + "/admin/oauth/authorize?"; !strings.HasPrefix(authURL, want) {
		t.Fatalf("connect redirected to %s, want %s…", authURL, want)
	}
	back := authorize(t, authURL)
	code, _ := url.Parse(back)
	env.callback(t, back, id, "shopify")

	// No worker runs yet: the first sync waits, and the page polls it.
	p = b.get(storesPath(id) + "?notice=store-connected")
	mustSee(t, "connected", p, "Store connected. PlutoPro is copying its catalog now.", "connected", "PlutoPro Sandbox",
		"(plutopro-sandbox.myshopify.com)", "Last sync", "waiting", `hx-trigger="every 1s"`, "Sync now", "Publish approved drafts",
		"Disconnect…", "Connect Etsy")
	mustNotSee(t, "connected", p, "Connect Shopify")
	mustSee(t, "connected", storeCard(t, p, "shopify"), `<span class="badge status-approved">connected</span>`)
	mustSee(t, "connected", storeCard(t, p, "etsy"), `<span class="badge badge-muted">not connected</span>`)
	sy, err := env.connect.LastSync(context.Background(), env.conn(t, "sam@example.com", id, "shopify").ID)
	if err != nil || sy == nil {
		t.Fatalf("no first sync: %v", err)
	}
	pollURL := storesPath(id) + "/syncs/" + sy.ID
	mustSee(t, "connected", p, `hx-get="`+pollURL+`"`)

	env.startWorkers()
	done := env.waitSync(t, "sam@example.com", id, "shopify")
	if done.Status != connect.SyncDone || done.Done != 60 || done.Created != 60 {
		t.Fatalf("first sync = %+v, want 60 products created", done)
	}
	frag := b.do(htmxGet(t, b.url(pollURL)))
	mustStatus(t, "sync fragment", frag, http.StatusOK)
	mustSee(t, "sync fragment", frag, `id="store-shopify-sync"`, "Products read</dt><dd>60</dd>", "New</dt><dd>60</dd>", "done")
	mustNotSee(t, "sync fragment", frag, "hx-trigger", "<html")
	b.follow = false
	p = b.get(pollURL)
	b.follow = true
	mustStatus(t, "sync fragment without htmx", p, http.StatusSeeOther)
	if got := p.header.Get("Location"); got != storesPath(id)+"#store-shopify" {
		t.Errorf("sync fragment without htmx redirects to %s", got)
	}
	mustSee(t, "products", b.get("/brands/"+id+"/products"), "60 products in Sam Goods.")
	p = b.get(storesPath(id))
	mustSee(t, "synced", p, "Last complete sync", "Products read</dt><dd>60</dd>")
	mustNotSee(t, "synced", p, "hx-trigger")

	// Sync now: a second sync finds the same 60 products.
	b.actOn(t, "sync now", storesPath(id), storesPath(id)+"/shopify/sync", nil, storesPath(id)+"?notice=sync-started#store-shopify")
	again := env.waitSync(t, "sam@example.com", id, "shopify")
	if again.ID == done.ID || again.Done != 60 || again.Created != 0 {
		t.Fatalf("second sync = %+v, want 60 products, none new", again)
	}
	mustSee(t, "sync started", b.get(storesPath(id)+"?notice=sync-started"), "Sync started.")

	// The same callback again is refused: the state was used.
	replay := env.newBrowser().get(back)
	mustStatus(t, "replayed callback", replay, http.StatusBadRequest)
	mustSee(t, "replayed callback", replay, "This authorization is unknown or was already used")
	mustNotSee(t, "replayed callback", replay, code.Query().Get("code"))
	if strings.Contains(env.logs.String(), code.Query().Get("code")) {
		t.Error("the authorization code is in the server log")
	}
}

// storeCard is a platform's card of the stores page.
func storeCard(t *testing.T, p page, platform string) page {
	t.Helper()
	i := strings.Index(p.text, `<section class="card store-card" id="store-`+platform+`"`)
	if i < 0 {
		t.Fatalf("page %s has no %s card", p.path, platform)
	}
	card := p
	card.text = p.text[i:]
	if j := strings.Index(card.text, "</section>"); j >= 0 {
		card.text = card.text[:j]
	}
	return card
}

// cloneForm copies a form, so posting it (which adds the CSRF token)
// leaves the original for the next browser.
func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, vs := range f {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func htmxGet(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	return req
}

// TestStoreCallbackRefusals: a callback that does not come from an
// authorization PlutoPro started, or that the store refused, shows why
// and connects nothing.
func TestStoreCallbackRefusals(t *testing.T) {
	env := newStoresEnv(t, nil)
	env.startWorkers()
	b := env.newBrowser()
	b.signUp("Fay", "fay@example.com")
	id := b.newBrand("Fay Goods")
	sb := env.sandbox
	connections := func() int {
		t.Helper()
		var n int
		if err := env.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM connections`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A forged callback: a state PlutoPro never issued.
	q := url.Values{"code": {"forged-code-4711"}, "state": {"forged-state"}, "shop": {sb.Info.Shopify.Shop},
		"timestamp": {strconv.FormatInt(time.Now().Unix(), 10)}}
	shopifyfake.SignQuery(q, sb.Info.Shopify.ClientSecret)
	p := env.newBrowser().get("/connect/shopify/callback?" + q.Encode())
	mustStatus(t, "forged state", p, http.StatusBadRequest)
	mustSee(t, "forged state", p, "The store was not connected", "This authorization is unknown or was already used; start connecting again.")
	mustNotSee(t, "forged state", p, "forged-code-4711")
	// Signed in or not, it is the same.
	mustStatus(t, "forged state, signed in", b.get("/connect/shopify/callback?"+q.Encode()), http.StatusBadRequest)
	mustStatus(t, "unknown platform", b.get("/connect/ebay/callback?state=x&code=y"), http.StatusBadRequest)
	mustStatus(t, "no state", b.get("/connect/etsy/callback?code=y"), http.StatusBadRequest)

	// A real state with a tampered signature.
	back := authorize(t, b.beginConnect(t, id, "shopify", url.Values{"shop": {sb.Info.Shopify.Shop}}))
	u, _ := url.Parse(back)
	tq := u.Query()
	tq.Set("hmac", strings.Repeat("0", 64))
	p = env.newBrowser().get("/connect/shopify/callback?" + tq.Encode())
	mustStatus(t, "bad hmac", p, http.StatusBadRequest)
	mustSee(t, "bad hmac", p, "did not verify")
	mustNotSee(t, "bad hmac", p, tq.Get("code"))
	// Its state is spent: the untampered callback no longer works either.
	mustStatus(t, "after bad hmac", env.newBrowser().get(back), http.StatusBadRequest)

	// The seller says no at Etsy.
	sb.Etsy.SetConsent(false)
	back = authorize(t, b.beginConnect(t, id, "etsy", nil))
	p = env.newBrowser().get(back)
	mustStatus(t, "denied", p, http.StatusBadRequest)
	mustSee(t, "denied", p, "The store did not authorize PlutoPro (access_denied")
	sb.Etsy.SetConsent(true)

	if n := connections(); n != 0 {
		t.Fatalf("refused callbacks made %d connections", n)
	}
	p = b.get(storesPath(id))
	mustSee(t, "after refusals", p, "Connect Shopify", "Connect Etsy")
	mustNotSee(t, "after refusals", p, "Sync now")
	if logs := env.logs.String(); strings.Contains(logs, "forged-code-4711") || strings.Contains(logs, tq.Get("code")) {
		t.Error("an authorization code is in the server log")
	}
}

// TestStoreStates walks a connection through needs reconnecting,
// reconnecting, and disconnecting.
func TestStoreStates(t *testing.T) {
	env := newStoresEnv(t, nil)
	env.startWorkers()
	b := env.newBrowser()
	b.signUp("Ada", "ada@example.com")
	id := b.newBrand("Ada Goods")
	env.connectStore(t, b, id, "shopify")
	env.waitSync(t, "ada@example.com", id, "shopify")

	// The seller uninstalls the app: the next sync is refused, and the
	// connection needs reconnecting.
	env.sandbox.Shopify.RevokeTokens(env.sandbox.Info.Shopify.Shop)
	b.actOn(t, "sync now", storesPath(id), storesPath(id)+"/shopify/sync", nil, storesPath(id)+"?notice=sync-started#store-shopify")
	if sy := env.waitSync(t, "ada@example.com", id, "shopify"); sy.Status != connect.SyncFailed {
		t.Fatalf("sync with revoked tokens = %+v, want failed", sy)
	}
	p := b.get(storesPath(id))
	mustSee(t, "needs reauth", p, "needs reconnecting", "The store refused PlutoPro's access; connect the store again.",
		"shopify refused PlutoPro's access; connect the store again.", "failed", "Reconnect Shopify", `name="shop" value="plutopro-sandbox.myshopify.com"`)

	// Reconnecting through the same form makes it connected again.
	env.connectStore(t, b, id, "shopify")
	if sy := env.waitSync(t, "ada@example.com", id, "shopify"); sy.Status != connect.SyncDone || sy.Done != 60 {
		t.Fatalf("sync after reconnecting = %+v", sy)
	}
	p = b.get(storesPath(id))
	mustSee(t, "reconnected", p, `<span class="badge status-approved">connected</span>`)
	mustNotSee(t, "reconnected", p, "Reconnect Shopify", "needs reconnecting")

	// Disconnect: without JavaScript a confirm page first.
	b.get(storesPath(id))
	p = b.post(storesPath(id)+"/shopify/disconnect", nil)
	mustStatus(t, "disconnect confirm", p, http.StatusOK)
	mustSee(t, "disconnect confirm", p, "Disconnect Shopify?", "Yes, disconnect Shopify", `name="confirm" value="yes"`)
	if c := env.conn(t, "ada@example.com", id, "shopify"); c.Status != connect.StatusConnected {
		t.Fatalf("the confirm page disconnected: %s", c.Status)
	}
	b.act(t, "disconnect", storesPath(id)+"/shopify/disconnect", url.Values{"confirm": {"yes"}},
		storesPath(id)+"?notice=store-disconnected#store-shopify")
	if c := env.conn(t, "ada@example.com", id, "shopify"); c.Status != connect.StatusDisconnected {
		t.Fatalf("status after disconnect = %s", c.Status)
	}
	p = b.get(storesPath(id) + "?notice=store-disconnected")
	mustSee(t, "disconnected", p, "Store disconnected.", `<span class="badge badge-error">disconnected</span>`, "Connect Shopify again",
		"Products read")
	mustNotSee(t, "disconnected", p, "Sync now", "Publish approved drafts", "Disconnect…")
	// With htmx (after hx-confirm) the disconnect answers HX-Redirect.
	p = b.post(storesPath(id)+"/shopify/sync", nil)
	mustStatus(t, "sync a disconnected store", p, http.StatusConflict)
	mustSee(t, "sync a disconnected store", p, "The shopify connection is disconnected; connect the store again.", `id="store-error"`)
	p = b.post(storesPath(id)+"/shopify/publish", nil)
	mustStatus(t, "publish to a disconnected store", p, http.StatusBadRequest)
	mustSee(t, "publish to a disconnected store", p, "This brand has no shopify connection; connect the store first.")
	mustStatus(t, "disconnect an unknown platform", b.post(storesPath(id)+"/ebay/disconnect", url.Values{"confirm": {"yes"}}), http.StatusNotFound)
	mustStatus(t, "sync Etsy, never connected", b.post(storesPath(id)+"/etsy/sync", nil), http.StatusNotFound)
}

// TestStorePublishAndRevert publishes an approved title through the
// stores page, then reverts the store to the original and back.
func TestStorePublishAndRevert(t *testing.T) {
	env := newStoresEnv(t, nil)
	env.startWorkers()
	b := env.newBrowser()
	const email = "pia@example.com"
	b.signUp("Pia", email)
	id := b.newBrand("Pia Goods")
	env.connectStore(t, b, id, "shopify")
	env.waitSync(t, email, id, "shopify")
	page := storesPath(id)

	// Nothing approved yet: nothing to publish.
	b.actOn(t, "publish nothing", page, page+"/shopify/publish", nil, page+"?notice=nothing-to-publish#store-shopify")
	mustSee(t, "nothing", b.get(page+"?notice=nothing-to-publish"), "Nothing to publish: no approved draft is waiting to go to this store.")

	pid, title := env.approveTitle(t, email, id, "shopify")
	prod, err := env.catalog.Get(context.Background(), env.scopeOf(email), id, pid)
	if err != nil {
		t.Fatal(err)
	}
	original, gid := prod.Title, shopify.ProductGID(prod.ExternalID)
	if original == title {
		t.Fatalf("the approved title is the original %q", title)
	}
	storeTitle := func() string {
		t.Helper()
		p, ok := env.sandbox.Shopify.Product(gid)
		if !ok {
			t.Fatalf("the store has no product %s", gid)
		}
		return p.Title
	}

	b.actOn(t, "publish", page, page+"/shopify/publish", nil, page+"?notice=published&n=1#publications")
	pubs := env.publications(t, email, id)
	if len(pubs) != 1 {
		t.Fatalf("%d publications, want 1", len(pubs))
	}
	if p := env.waitPublication(t, email, id, pubs[0].ID); p.Status != connect.PubDone {
		t.Fatalf("publication = %+v", p)
	}
	if got := storeTitle(); got != title {
		t.Fatalf("store title after publishing = %q, want %q", got, title)
	}
	p := b.get(page + "?notice=published&n=1")
	mustSee(t, "published", p, "1 product queued for publishing", `href="/brands/`+id+`/products/`+pid+`"`, "Version 1", "publish",
		`<span class="badge status-approved">done</span>`, "in the store now", "Restore original", "<dt>Title</dt>",
		`<p class="pub-text">`+original+`</p>`, `<p class="pub-text">`+title+`</p>`)
	mustNotSee(t, "published", p, "Revert to this version", "Retry")
	// The same approved draft is in the store: publishing again does nothing.
	b.actOn(t, "publish again", page, page+"/shopify/publish", nil, page+"?notice=nothing-to-publish#store-shopify")

	// Restore original: version 2 writes the title the store had.
	b.actOn(t, "restore", page, page+"/products/"+pid+"/revert", url.Values{"version": {"0"}}, page+"?notice=revert-queued#product-"+pid)
	pubs = env.publications(t, email, id)
	if len(pubs) != 2 || pubs[0].Kind != connect.KindRevert || pubs[0].Version != 2 {
		t.Fatalf("publications after restore = %+v", pubs)
	}
	env.waitPublication(t, email, id, pubs[0].ID)
	if got := storeTitle(); got != original {
		t.Fatalf("store title after restoring = %q, want the original %q", got, original)
	}
	p = b.get(page)
	mustSee(t, "restored", p, "Version 2", "revert", "Revert to this version")

	// Revert to version 1: the approved title again.
	b.actOn(t, "revert to 1", page, page+"/products/"+pid+"/revert", url.Values{"version": {"1"}}, page+"?notice=revert-queued#product-"+pid)
	pubs = env.publications(t, email, id)
	env.waitPublication(t, email, id, pubs[0].ID)
	if got := storeTitle(); got != title {
		t.Fatalf("store title after reverting to version 1 = %q, want %q", got, title)
	}
	p = b.get(page)
	mustSee(t, "reverted", p, "Version 3")

	// Versions that were never published, and nonsense, are refused.
	b.get(page)
	mustStatus(t, "revert to 9", b.post(page+"/products/"+pid+"/revert", url.Values{"version": {"9"}}), http.StatusNotFound)
	mustStatus(t, "revert to -1", b.post(page+"/products/"+pid+"/revert", url.Values{"version": {"-1"}}), http.StatusBadRequest)
	mustStatus(t, "revert to x", b.post(page+"/products/"+pid+"/revert", url.Values{"version": {"x"}}), http.StatusBadRequest)
	p = b.post(page+"/publications/"+pubs[0].ID+"/retry", nil)
	mustStatus(t, "retry a done publication", p, http.StatusConflict)
	mustSee(t, "retry a done publication", p, "Only a failed publication can be retried; this one is done.")
}

// TestStorePublicationFailsAndRetry: the store refuses a publication; the
// page shows the store's reason, and Retry writes it once the store takes it.
func TestStorePublicationFailsAndRetry(t *testing.T) {
	env := newStoresEnv(t, nil)
	env.startWorkers()
	b := env.newBrowser()
	const email = "eli@example.com"
	b.signUp("Eli", email)
	id := b.newBrand("Eli Goods")
	env.connectStore(t, b, id, "etsy")
	if sy := env.waitSync(t, email, id, "etsy"); sy.Done != 60 {
		t.Fatalf("etsy sync = %+v", sy)
	}
	pid, title := env.approveTitle(t, email, id, "etsy")
	prod, err := env.catalog.Get(context.Background(), env.scopeOf(email), id, pid)
	if err != nil {
		t.Fatal(err)
	}
	listing, err := strconv.ParseInt(prod.ExternalID, 10, 64)
	if err != nil {
		t.Fatalf("etsy product's external id %q: %v", prod.ExternalID, err)
	}
	// The listing moves to another Etsy user: Etsy refuses to update it.
	var owner int64
	env.sandbox.Etsy.EditListing(listing, func(l *etsyfake.Listing) { owner, l.UserID = l.UserID, l.UserID+1 })

	page := storesPath(id)
	b.actOn(t, "publish", page, page+"/etsy/publish", nil, page+"?notice=published&n=1#publications")
	pub := env.publications(t, email, id)[0]
	if pub = env.waitPublication(t, email, id, pub.ID); pub.Status != connect.PubFailed {
		t.Fatalf("publication = %+v, want failed", pub)
	}
	p := b.get(page)
	mustSee(t, "failed", p, `<span class="badge badge-error">failed</span>`, "The store did not take it: etsy refused (403",
		"You do not have permission to update this listing", "Retry", `<p class="pub-text">`+prod.Title+`</p>`, "To write")
	mustNotSee(t, "failed", p, "Restore original", "Revert to this version")

	// The listing is back with its owner: Retry queues the publication again.
	env.sandbox.Etsy.EditListing(listing, func(l *etsyfake.Listing) { l.UserID = owner })
	b.actOn(t, "retry", page, page+"/publications/"+pub.ID+"/retry", nil, page+"?notice=publication-retried#pub-"+pub.ID)
	if pub, err = env.connect.GetPublication(context.Background(), env.scopeOf(email), id, pub.ID); err != nil || pub.Status == connect.PubFailed {
		t.Fatalf("retried publication = %+v, %v; want queued again", pub, err)
	}
	if pub = env.waitPublication(t, email, id, pub.ID); pub.Status != connect.PubDone {
		t.Fatalf("retried publication = %+v", pub)
	}
	if l, _ := env.sandbox.Etsy.Listing(listing); l.Title != title {
		t.Fatalf("listing title after retry = %q, want %q", l.Title, title)
	}
	p = b.get(page + "?notice=publication-retried")
	mustSee(t, "retried", p, "Publication queued again.", `<span class="badge status-approved">done</span>`, "in the store now")
	mustNotSee(t, "retried", p, "The store did not take it", ">Retry<")
}

// TestStoresRoles: editors sync and publish, only admins and owners
// connect and disconnect, viewers read; other accounts see nothing.
func TestStoresRoles(t *testing.T) {
	env := newStoresEnv(t, nil)
	env.startWorkers()
	owner := env.newBrowser()
	const email = "ona@example.com"
	owner.signUp("Ona", email)
	id := owner.newBrand("Ona Goods")
	env.connectStore(t, owner, id, "shopify")
	sy := env.waitSync(t, email, id, "shopify")
	pid, _ := env.approveTitle(t, email, id, "shopify")
	pubs, err := env.connect.Publish(context.Background(), env.scopeOf(email), id, connect.PublishInput{})
	if err != nil || len(pubs) != 1 {
		t.Fatalf("publish: %v, %d", err, len(pubs))
	}
	env.waitPublication(t, email, id, pubs[0].ID)
	page := storesPath(id)
	posts := map[string]url.Values{
		page + "/etsy/connect":                          nil,
		page + "/shopify/connect":                       {"shop": {env.sandbox.Info.Shopify.Shop}},
		page + "/shopify/disconnect":                    {"confirm": {"yes"}},
		page + "/shopify/sync":                          nil,
		page + "/shopify/publish":                       nil,
		page + "/publications/" + pubs[0].ID + "/retry": nil,
		page + "/products/" + pid + "/revert":           {"version": {"0"}},
	}

	vic := env.newBrowser()
	env.join(vic, email, "Vic", "vic@example.com", tenant.Viewer)
	p := vic.get(page)
	mustStatus(t, "viewer", p, http.StatusOK)
	mustSee(t, "viewer", p, "connected", "Products read", "Version 1", "An admin or owner of this account can connect the store.")
	mustNotSee(t, "viewer", p, "Sync now", "Publish approved drafts", "Disconnect", "Connect Etsy", "Restore original",
		"Revert to this version", `action="`+page+`/`)
	for path, form := range posts {
		vic.get(page)
		mustStatus(t, "viewer POST "+path, vic.post(path, cloneForm(form)), http.StatusForbidden)
	}
	// Viewers may watch a sync.
	mustStatus(t, "viewer sync fragment", vic.do(htmxGet(t, vic.url(page+"/syncs/"+sy.ID))), http.StatusOK)

	ed := env.newBrowser()
	env.join(ed, email, "Ed", "ed@example.com", tenant.Editor)
	p = ed.get(page)
	mustSee(t, "editor", p, "Sync now", "Publish approved drafts", "Restore original")
	mustNotSee(t, "editor", p, "Disconnect", "Connect Etsy")
	for _, path := range []string{page + "/etsy/connect", page + "/shopify/disconnect"} {
		ed.get(page)
		mustStatus(t, "editor POST "+path, ed.post(path, cloneForm(posts[path])), http.StatusForbidden)
	}
	ed.actOn(t, "editor sync", page, page+"/shopify/sync", nil, page+"?notice=sync-started#store-shopify")
	env.waitSync(t, email, id, "shopify")
	if c := env.conn(t, email, id, "shopify"); c.Status != connect.StatusConnected {
		t.Fatalf("after the refused posts the connection is %s", c.Status)
	}
	if n := len(env.publications(t, email, id)); n != 1 {
		t.Fatalf("after the refused posts there are %d publications", n)
	}

	// Another account: every route is not found.
	bob := env.newBrowser()
	bob.signUp("Bob", "bob@example.com")
	bobBrand := bob.newBrand("Bob Goods")
	for _, path := range []string{page, page + "/syncs/" + sy.ID, storesPath(bobBrand) + "/syncs/" + sy.ID} {
		p := bob.get(path)
		mustStatus(t, "other account GET "+path, p, http.StatusNotFound)
		mustNotSee(t, "other account GET "+path, p, "Ona Goods", "PlutoPro Sandbox")
	}
	for path, form := range posts {
		bob.get("/brands")
		mustStatus(t, "other account POST "+path, bob.post(path, cloneForm(form)), http.StatusNotFound)
	}
	bob.get(storesPath(bobBrand))
	mustStatus(t, "retry another brand's publication", bob.post(storesPath(bobBrand)+"/publications/"+pubs[0].ID+"/retry", nil), http.StatusNotFound)
	mustStatus(t, "revert another brand's product", bob.post(storesPath(bobBrand)+"/products/"+pid+"/revert", url.Values{"version": {"0"}}),
		http.StatusBadRequest)
}

// TestBrowserStoreConnect connects the sandbox Shopify in a real
// Chromium: the connect form's redirect to the store (allowed by the
// page's form-action), the store's consent, the callback, and htmx
// following the first sync to its end.
func TestBrowserStoreConnect(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("browser test skipped: no Chromium found; apt-get install -y chromium")
	}
	env := newStoresEnv(t, func(c *web.Config) { c.Sandbox = true })
	b := env.newBrowser()
	b.signUp("Cy", "cy@example.com")
	id := b.newBrand("Cy Goods")
	bctx, pageErrors := startBrowser(t, bin)
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("browser: %s: %v\npage errors: %v\nserver log:\n%s", step, err, pageErrors(), env.logs.String())
		}
	}
	do("sign in",
		chromedp.Navigate(env.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "cy@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), testPassword),
		chromedp.Submit(chromedp.CSS(`#f-email`)),
		chromedp.WaitVisible(chromedp.CSS(`.whoami`)),
	)
	// No worker yet: the first sync waits, and the page polls it.
	do("connect",
		chromedp.Navigate(env.url+storesPath(id)),
		chromedp.WaitVisible(chromedp.CSS(`#shop-shopify`)),
		chromedp.Click(chromedp.CSS(`#store-shopify form.store-connect button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#store-shopify-sync[hx-trigger]`)),
	)
	loc, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(loc, env.url+storesPath(id)+"?notice=store-connected") {
		t.Fatalf("after connecting the browser is at %q (%v)", loc, err)
	}
	notice, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`.alert-success`)))
	if err != nil || !strings.Contains(notice, "Store connected.") {
		t.Errorf("notice = %q, %v", notice, err)
	}
	env.startWorkers()
	do("sync finishes", chromedp.WaitVisible(chromedp.CSS(`#store-shopify-sync:not([hx-trigger])`)))
	stats, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#store-shopify-sync .stats`)))
	if err != nil || !strings.Contains(strings.Join(strings.Fields(stats), " "), "Products read 60 New 60") {
		t.Errorf("sync stats = %q, %v; want 60 products read and new", stats, err)
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
}
