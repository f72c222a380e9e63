package shopifyfake_test

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
)

const (
	clientID = "cid"
	secret   = "csecret"
	redirect = "https://app.example.com/callback"
)

var t0 = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)

func seed(n int) []*catalog.Product {
	out := make([]*catalog.Product, n)
	for i := range out {
		out[i] = &catalog.Product{
			Title: "Thing " + string(rune('A'+i%26)) + strings.Repeat("!", i/26), Vendor: "V", Tags: []string{"b", "A", "a "},
			Options:  []catalog.Option{{Name: "Color", Values: []string{"Red", "Blue"}}},
			Variants: []catalog.Variant{{SKU: "R", OptionValues: []string{"Red"}, Price: &catalog.Money{Amount: "5"}}, {SKU: "B", OptionValues: []string{"Blue"}}},
			Images:   []catalog.Image{{Src: "https://cdn.example.com/1.jpg", Position: 1, Alt: "one"}, {Src: "https://cdn.example.com/2.jpg", Position: 2}},
		}
	}
	return out
}

type fixture struct {
	fake  *shopifyfake.Server
	clock *shopifyfake.ManualClock
	token string
}

func newFixture(t *testing.T, opts shopifyfake.Options) *fixture {
	t.Helper()
	clock := shopifyfake.NewManualClock(t0)
	opts.ClientID, opts.ClientSecret, opts.Now = clientID, secret, clock.Now
	fake := shopifyfake.New(opts)
	t.Cleanup(fake.Close)
	return &fixture{fake: fake, clock: clock, token: fake.IssueToken(fake.Shop(), "write_products")}
}

// gqlAnswer is a decoded GraphQL answer.
type gqlAnswer struct {
	status int
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions struct {
		Cost struct {
			RequestedQueryCost float64  `json:"requestedQueryCost"`
			ActualQueryCost    *float64 `json:"actualQueryCost"`
			ThrottleStatus     struct {
				MaximumAvailable   float64 `json:"maximumAvailable"`
				CurrentlyAvailable float64 `json:"currentlyAvailable"`
				RestoreRate        float64 `json:"restoreRate"`
			} `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
	raw string
}

func (a *gqlAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}

func (f *fixture) gql(t *testing.T, token, doc string, vars map[string]any) *gqlAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, f.fake.BaseURL(f.fake.Shop())+"/admin/api/2025-01/graphql.json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Shopify-Access-Token", token)
	}
	resp, err := f.fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := &gqlAnswer{status: resp.StatusCode, raw: string(raw)}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, a); err != nil {
			t.Fatalf("answer %s: %v", raw, err)
		}
	}
	return a
}

// dig walks an answer's data by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestSeededProducts(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(3)})
	ps := f.fake.Products()
	if len(ps) != 3 || ps[0].ID != "gid://shopify/Product/7100000000001" || ps[2].ID != "gid://shopify/Product/7100000000003" {
		t.Fatalf("ids = %v", ps)
	}
	p := ps[0]
	if p.Handle != "thing-a" || p.Status != "ACTIVE" || strings.Join(p.Tags, ",") != "A,b" ||
		p.Variants[0].ID != "gid://shopify/ProductVariant/4100000000001" || p.Variants[0].Price != "5.00" || p.Variants[1].Price != "0.00" ||
		p.Media[0].ID != "gid://shopify/MediaImage/3100000000001" || p.Media[0].Alt != "one" {
		t.Errorf("product = %+v", p)
	}
	// Another fake with the same seed has the same ids.
	g := shopifyfake.New(shopifyfake.Options{Products: seed(3)})
	defer g.Close()
	if g.Products()[2].Media[1].ID != ps[2].Media[1].ID {
		t.Error("ids differ between runs")
	}
	// Copies: changing one does not change the store.
	p.Title = "x"
	if q, _ := f.fake.Product(p.ID); q.Title == "x" {
		t.Error("Product returned the stored product, not a copy")
	}
}

func TestRejectsInvalidDocuments(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(1)})
	for _, tt := range []struct{ doc, code, msg string }{
		{`{ products(first: 1) { nodes { id nope } } }`, "GRAPHQL_VALIDATION_FAILED", `Cannot query field "nope" on type "Product"`},
		{`{ product { id } }`, "GRAPHQL_VALIDATION_FAILED", `argument "id" of type "ID!" is required`},
		{`mutation { productUpdate(input: {id: "x"}) { userErrors { message } } }`, "GRAPHQL_VALIDATION_FAILED", `Unknown argument "input"`},
		{`{ products(first: 1) { nodes { id }`, "GRAPHQL_PARSE_FAILED", "Expected"},
		{`{ products { nodes { id } } }`, "BAD_REQUEST", "you must provide one of first or last"},
		{`{ products(first: 251) { nodes { id } } }`, "BAD_REQUEST", "between 0 and 250"},
		{`{ products(first: 1, query: "title:x") { nodes { id } } }`, "NOT_IMPLEMENTED", "does not support products(query:)"},
		{`{ products(first: 1) { nodes { id onlineStorePreviewUrl } } }`, "NOT_IMPLEMENTED", "does not implement Product.onlineStorePreviewUrl"},
		{`query($n: Int!) { products(first: $n) { nodes { id } } }`, "INVALID_VARIABLE", "must be defined"},
	} {
		a := f.gql(t, f.token, tt.doc, nil)
		if a.status != 200 || a.code() != tt.code || !strings.Contains(a.Errors[0].Message, tt.msg) {
			t.Errorf("%s:\n got %d %s\nwant 200 %s %q", tt.doc, a.status, a.raw, tt.code, tt.msg)
		}
		if a.Extensions.Cost.ThrottleStatus.MaximumAvailable == 0 {
			t.Errorf("%s: no extensions.cost", tt.doc)
		}
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(1)})
	const doc = `{ shop { name } }`
	for _, tok := range []string{"", "shpat_unknown"} {
		if a := f.gql(t, tok, doc, nil); a.status != 401 || !strings.Contains(a.raw, "Invalid API key or access token") {
			t.Errorf("token %q: %d %s", tok, a.status, a.raw)
		}
	}
	// A token of another shop does not open this one.
	f.fake.AddShop("second.myshopify.com", "Second")
	other := f.fake.IssueToken("second.myshopify.com", "read_products")
	if a := f.gql(t, other, doc, nil); a.status != 401 {
		t.Errorf("other shop's token: %d", a.status)
	}
	// Scopes: read only cannot write.
	ro := f.fake.IssueToken(f.fake.Shop(), "read_products")
	a := f.gql(t, ro, `mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { userErrors { message } } }`,
		map[string]any{"p": map[string]any{"id": f.fake.Products()[0].ID, "title": "x"}})
	if a.code() != "ACCESS_DENIED" || !strings.Contains(a.Errors[0].Message, "write_products") {
		t.Errorf("read-only productUpdate: %s", a.raw)
	}
	// Unknown shops are 404.
	resp, err := f.fake.Client().Post(f.fake.BaseURL("nope.myshopify.com")+"/admin/api/2025-01/graphql.json", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown shop: %d", resp.StatusCode)
	}
}

func TestOAuth(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{RedirectURIs: []string{redirect}})
	c := *f.fake.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	authorize := func(q url.Values) *http.Response {
		resp, err := c.Get(f.fake.BaseURL(f.fake.Shop()) + "/admin/oauth/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	good := url.Values{"client_id": {clientID}, "scope": {"read_products,write_products"}, "redirect_uri": {redirect}, "state": {"st"}, "grant_options[]": {""}}
	for name, change := range map[string]func(url.Values){
		"client_id":    func(q url.Values) { q.Set("client_id", "other") },
		"redirect_uri": func(q url.Values) { q.Set("redirect_uri", "https://evil.example.com/callback") },
		"scope":        func(q url.Values) { q.Set("scope", "everything") },
	} {
		q := url.Values{}
		for k, v := range good {
			q[k] = v
		}
		change(q)
		if resp := authorize(q); resp.StatusCode != 400 {
			t.Errorf("bad %s: status %d", name, resp.StatusCode)
		}
	}
	resp := authorize(good)
	if resp.StatusCode != 302 {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	cb := loc.Query()
	// The callback's hmac is hex HMAC-SHA256 over the sorted, encoded rest.
	rest := url.Values{}
	for k, v := range cb {
		if k != "hmac" {
			rest[k] = v
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(rest.Encode()))
	if cb.Get("hmac") != hex.EncodeToString(m.Sum(nil)) || cb.Get("shop") != f.fake.Shop() || cb.Get("state") != "st" ||
		cb.Get("timestamp") != "1777896000" || cb.Get("host") == "" {
		t.Errorf("callback = %v", cb)
	}

	token := func(body map[string]any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		resp, err := f.fake.Client().Post(f.fake.BaseURL(f.fake.Shop())+"/admin/oauth/access_token", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if st, out := token(map[string]any{"client_id": clientID, "client_secret": "wrong", "code": cb.Get("code")}); st != 400 || out["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", st, out)
	}
	st, out := token(map[string]any{"client_id": clientID, "client_secret": secret, "code": cb.Get("code"), "expiring": "1"})
	if st != 200 || !strings.HasPrefix(out["access_token"].(string), "shpat_") || len(out["access_token"].(string)) != 38 ||
		!strings.HasPrefix(out["refresh_token"].(string), "shprt_") || out["expires_in"] != 3600.0 ||
		out["refresh_token_expires_in"] != 7776000.0 || out["scope"] != "write_products" {
		t.Fatalf("exchange: %d %v", st, out)
	}
	if st, out := token(map[string]any{"client_id": clientID, "client_secret": secret, "code": cb.Get("code")}); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("code reuse: %d %v", st, out)
	}
	if st, out := token(map[string]any{"client_id": clientID, "client_secret": secret, "code": "made-up"}); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("unknown code: %d %v", st, out)
	}

	// Refresh rotates; the old refresh token works until the new one is used.
	rt1 := out["refresh_token"].(string)
	refresh := func(rt string) (int, map[string]any) {
		return token(map[string]any{"client_id": clientID, "client_secret": secret, "grant_type": "refresh_token", "refresh_token": rt})
	}
	st, r2 := refresh(rt1)
	if st != 200 || r2["refresh_token"] == rt1 || r2["access_token"] == out["access_token"] {
		t.Fatalf("refresh: %d %v", st, r2)
	}
	if st, _ := refresh(rt1); st != 200 {
		t.Errorf("old refresh token before the new one is used: %d", st)
	}
	st, r3 := refresh(rt1)
	if st != 200 {
		t.Fatal("refresh again")
	}
	if st, _ := refresh(r3["refresh_token"].(string)); st != 200 {
		t.Fatal("refresh with the newest")
	}
	if st, e := refresh(rt1); st != 400 || e["error"] != "invalid_grant" {
		t.Errorf("old refresh token after the new one was used: %d %v", st, e)
	}
	// Access tokens expire after an hour.
	at := r3["access_token"].(string)
	if a := f.gql(t, at, `{ shop { name } }`, nil); a.status != 200 {
		t.Errorf("fresh token: %d", a.status)
	}
	f.clock.Advance(time.Hour)
	if a := f.gql(t, at, `{ shop { name } }`, nil); a.status != 401 {
		t.Errorf("token after an hour: %d", a.status)
	}
	// Secrets never reach the recorder.
	for _, r := range f.fake.Requests() {
		if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), rt1) || strings.Contains(string(r.Body), cb.Get("code")) || r.Header.Get("X-Shopify-Access-Token") != "" {
			t.Errorf("recorded request holds a secret: %s %s", r.Path, r.Body)
		}
	}
}

func TestPagination(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(7)})
	const doc = `query($after: String) { products(first: 3, after: $after) { pageInfo { hasNextPage endCursor } edges { cursor node { id } } nodes { id } } }`
	var ids []string
	var after any
	for range 10 {
		a := f.gql(t, f.token, doc, map[string]any{"after": after})
		if a.code() != "" {
			t.Fatal(a.raw)
		}
		for i, e := range dig(a.Data, "products", "edges").([]any) {
			id := dig(e, "node", "id").(string)
			if dig(a.Data, "products", "nodes", i, "id") != id {
				t.Error("edges and nodes differ")
			}
			ids = append(ids, id)
		}
		if dig(a.Data, "products", "pageInfo", "hasNextPage") != true {
			break
		}
		after = dig(a.Data, "products", "pageInfo", "endCursor")
	}
	if len(ids) != 7 || ids[0] != f.fake.Products()[0].ID || ids[6] != f.fake.Products()[6].ID {
		t.Errorf("ids = %v", ids)
	}
	if a := f.gql(t, f.token, doc, map[string]any{"after": "bm90IGEgY3Vyc29y"}); !strings.Contains(a.raw, "Invalid cursor") {
		t.Errorf("bad cursor: %s", a.raw)
	}
	// last/before and reverse.
	a := f.gql(t, f.token, `{ products(last: 2, reverse: true) { nodes { id } } }`, nil)
	if dig(a.Data, "products", "nodes", 1, "id") != f.fake.Products()[0].ID {
		t.Errorf("last 2 reversed: %s", a.raw)
	}
}

func TestQueryCost(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(4), BucketSize: 100, RestoreRate: 10})
	// 2 + 10 × (1 product + (2 + 5 × 1 variant)) = 82 requested; 4 products
	// with 2 variants each actually cost 2 + 4 × (1 + 2 + 2) = 22.
	const doc = `{ products(first: 10) { nodes { id variants(first: 5) { nodes { id } } } } }`
	a := f.gql(t, f.token, doc, nil)
	c := a.Extensions.Cost
	if c.RequestedQueryCost != 82 || c.ActualQueryCost == nil || *c.ActualQueryCost != 22 || c.ThrottleStatus.CurrentlyAvailable != 78 ||
		c.ThrottleStatus.MaximumAvailable != 100 || c.ThrottleStatus.RestoreRate != 10 {
		t.Fatalf("cost = %+v (%s)", c, a.raw)
	}
	// 78 left: the next 82-point query is throttled, at HTTP 200.
	a = f.gql(t, f.token, doc, nil)
	if a.status != 200 || a.code() != "THROTTLED" || a.Extensions.Cost.ActualQueryCost != nil || a.Data != nil {
		t.Fatalf("expected THROTTLED: %s", a.raw)
	}
	// After (82 − 78) / 10 s it goes through.
	f.clock.Advance(400 * time.Millisecond)
	if a = f.gql(t, f.token, doc, nil); a.code() != "" {
		t.Fatalf("after the wait: %s", a.raw)
	}
	// Mutations cost 10.
	a = f.gql(t, f.token, `mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { userErrors { message } } }`, map[string]any{"id": "gid://shopify/WebhookSubscription/1"})
	if a.Extensions.Cost.RequestedQueryCost != 10 || !strings.Contains(a.raw, "Webhook subscription does not exist") {
		t.Errorf("mutation: %s", a.raw)
	}
	// Too big for any bucket.
	a = f.gql(t, f.token, `{ products(first: 250) { nodes { id variants(first: 250) { nodes { id } } } } }`, nil)
	if a.code() != "MAX_COST_EXCEEDED" || a.Extensions.Cost.RequestedQueryCost != 2+250*253 {
		t.Errorf("max cost: %s", a.raw)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(1)})
	const doc = `{ shop { name } }`
	f.fake.FailNext(
		faultplan.Fault{Kind: faultplan.ServerError},
		faultplan.Fault{Kind: faultplan.Unavailable},
		faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 3 * time.Second},
	)
	if a := f.gql(t, f.token, doc, nil); a.status != 500 {
		t.Errorf("server error: %d", a.status)
	}
	if a := f.gql(t, f.token, doc, nil); a.status != 503 {
		t.Errorf("unavailable: %d", a.status)
	}
	// The bucket is drained so that (cost − available) / restore rate is
	// the fault's RetryAfter, as far as an empty bucket allows: this query
	// costs 1 point.
	a := f.gql(t, f.token, doc, nil)
	if a.status != 200 || a.code() != "THROTTLED" || a.Extensions.Cost.RequestedQueryCost != 1 || a.Extensions.Cost.ThrottleStatus.CurrentlyAvailable != 0 {
		t.Errorf("throttle: %s", a.raw)
	}
	f.fake.FailNext(faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 3 * time.Second})
	a = f.gql(t, f.token, `{ products(first: 100) { nodes { id } } }`, nil)
	if c := a.Extensions.Cost; a.code() != "THROTTLED" || c.RequestedQueryCost != 102 || (c.RequestedQueryCost-c.ThrottleStatus.CurrentlyAvailable)/c.ThrottleStatus.RestoreRate != 1.02 {
		t.Errorf("throttle of a 102-point query for 3 s: %s", a.raw)
	}
	f.fake.FailNext(faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 500 * time.Millisecond})
	f.clock.Advance(time.Minute)
	a = f.gql(t, f.token, `{ products(first: 100) { nodes { id } } }`, nil)
	if c := a.Extensions.Cost; a.code() != "THROTTLED" || (c.RequestedQueryCost-c.ThrottleStatus.CurrentlyAvailable)/c.ThrottleStatus.RestoreRate != 0.5 {
		t.Errorf("throttle of a 102-point query for 0.5 s: %s", a.raw)
	}
	f.fake.FailNext(faultplan.Fault{Kind: faultplan.Drop})
	body, _ := json.Marshal(map[string]any{"query": doc})
	req, _ := http.NewRequest(http.MethodPost, f.fake.BaseURL(f.fake.Shop())+"/admin/api/2025-01/graphql.json", bytes.NewReader(body))
	req.Header.Set("X-Shopify-Access-Token", f.token)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := f.fake.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("drop: got an answer %d", resp.StatusCode)
	}
	// Throttle elsewhere is a 429.
	f.fake.FailNext(faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 2 * time.Second})
	resp, err := f.fake.Client().Post(f.fake.BaseURL(f.fake.Shop())+"/admin/oauth/access_token", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("token throttle: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if inj := f.fake.Injected(); inj[faultplan.Drop] != 1 || inj[faultplan.Throttle] != 4 {
		t.Errorf("injected = %v", inj)
	}
}

func TestMutations(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(2)})
	p := f.fake.Products()[0]
	const update = `mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { product { id title tags seo { title description } } userErrors { field message } } }`
	a := f.gql(t, f.token, update, map[string]any{"p": map[string]any{"id": p.ID, "title": "New", "tags": []string{" z", "Y", "z"}, "seo": map[string]any{"title": "S"}}})
	if dig(a.Data, "productUpdate", "product", "title") != "New" || dig(a.Data, "productUpdate", "product", "seo", "title") != "S" ||
		dig(a.Data, "productUpdate", "product", "seo", "description") != nil || len(dig(a.Data, "productUpdate", "userErrors").([]any)) != 0 {
		t.Errorf("productUpdate: %s", a.raw)
	}
	if got, _ := f.fake.Product(p.ID); got.Title != "New" || strings.Join(got.Tags, ",") != "Y,z" || got.SEOTitle != "S" || !got.UpdatedAt.Equal(t0) {
		t.Errorf("stored: %+v", got)
	}
	a = f.gql(t, f.token, update, map[string]any{"p": map[string]any{"id": p.ID, "title": ""}})
	if dig(a.Data, "productUpdate", "userErrors", 0, "message") != "Title can't be blank" || dig(a.Data, "productUpdate", "product") != nil {
		t.Errorf("blank title: %s", a.raw)
	}
	a = f.gql(t, f.token, update, map[string]any{"p": map[string]any{"id": p.ID, "metafields": []any{}}})
	if a.code() != "NOT_IMPLEMENTED" {
		t.Errorf("metafields: %s", a.raw)
	}

	const files = `mutation($f: [FileUpdateInput!]!) { fileUpdate(files: $f) { files { id alt ... on MediaImage { image { altText } } } userErrors { code field message } } }`
	a = f.gql(t, f.token, files, map[string]any{"f": []any{map[string]any{"id": p.Media[1].ID, "alt": "two"}}})
	if dig(a.Data, "fileUpdate", "files", 0, "alt") != "two" || dig(a.Data, "fileUpdate", "files", 0, "image", "altText") != "two" {
		t.Errorf("fileUpdate: %s", a.raw)
	}
	a = f.gql(t, f.token, files, map[string]any{"f": []any{
		map[string]any{"id": p.Media[0].ID, "alt": "changed"},
		map[string]any{"id": "gid://shopify/MediaImage/1", "alt": "x"},
	}})
	if dig(a.Data, "fileUpdate", "userErrors", 0, "code") != "FILE_DOES_NOT_EXIST" || dig(a.Data, "fileUpdate", "files") != nil {
		t.Errorf("missing file: %s", a.raw)
	}
	if got, _ := f.fake.Product(p.ID); got.Media[0].Alt != "one" || got.Media[1].Alt != "two" {
		t.Errorf("alts = %q %q (a refused fileUpdate changes nothing)", got.Media[0].Alt, got.Media[1].Alt)
	}
}

func TestBulkOperation(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(3), BulkDelay: 10 * time.Second})
	const run = `mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { code field message } } }`
	const current = `{ currentBulkOperation { id status objectCount rootObjectCount url } }`
	for q, msg := range map[string]string{
		`{ shop { name } }`:                        "at least one connection",
		`{ products { edges { node { nope } } } }`: `Cannot query field "nope"`,
		`{ products { edges { node { title variants { edges { node { id } } } } } } }`: "must select its id",
	} {
		a := f.gql(t, f.token, run, map[string]any{"q": q})
		got, _ := dig(a.Data, "bulkOperationRunQuery", "userErrors", 0, "message").(string)
		if dig(a.Data, "bulkOperationRunQuery", "userErrors", 0, "code") != "INVALID" || !strings.Contains(got, msg) {
			t.Errorf("bulk %s: %s", q, a.raw)
		}
	}
	q := `{ products { edges { node { id title variants { edges { node { id sku } } } media { edges { node { id ... on MediaImage { image { url } } } } } } } } }`
	a := f.gql(t, f.token, run, map[string]any{"q": q})
	id, _ := dig(a.Data, "bulkOperationRunQuery", "bulkOperation", "id").(string)
	if !strings.HasPrefix(id, "gid://shopify/BulkOperation/") || dig(a.Data, "bulkOperationRunQuery", "bulkOperation", "status") != "CREATED" {
		t.Fatalf("run: %s", a.raw)
	}
	if a := f.gql(t, f.token, run, map[string]any{"q": q}); dig(a.Data, "bulkOperationRunQuery", "userErrors", 0, "code") != "OPERATION_IN_PROGRESS" {
		t.Errorf("second run: %s", a.raw)
	}
	if a := f.gql(t, f.token, current, nil); dig(a.Data, "currentBulkOperation", "status") != "RUNNING" || dig(a.Data, "currentBulkOperation", "url") != nil {
		t.Errorf("running: %s", a.raw)
	}
	// Changes after the start are not in the result.
	if _, err := f.fake.EditProduct(f.fake.Products()[0].ID, func(p *shopifyfake.Product) { p.Title = "Later" }); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Second)
	a = f.gql(t, f.token, current, nil)
	cur := dig(a.Data, "currentBulkOperation")
	if dig(cur, "id") != id || dig(cur, "status") != "COMPLETED" || dig(cur, "objectCount") != "15" || dig(cur, "rootObjectCount") != "3" {
		t.Fatalf("completed: %s", a.raw)
	}
	resp, err := http.Get(dig(cur, "url").(string))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 15 {
		t.Fatalf("%d lines", len(lines))
	}
	ps := f.fake.Products()
	if lines[0]["id"] != ps[0].ID || lines[0]["title"] != "Thing A" || lines[0]["variants"] != nil || lines[0]["__parentId"] != nil {
		t.Errorf("line 1 = %v", lines[0])
	}
	if lines[1]["id"] != ps[0].Variants[0].ID || lines[1]["sku"] != "R" || lines[1]["__parentId"] != ps[0].ID {
		t.Errorf("line 2 = %v", lines[1])
	}
	if lines[3]["id"] != ps[0].Media[0].ID || dig(lines[3], "image", "url") != "https://cdn.example.com/1.jpg" || lines[3]["__parentId"] != ps[0].ID {
		t.Errorf("line 4 = %v", lines[3])
	}
	if lines[5]["id"] != ps[1].ID {
		t.Errorf("line 6 = %v", lines[5])
	}
}

func TestWebhookDelivery(t *testing.T) {
	f := newFixture(t, shopifyfake.Options{Products: seed(1)})
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r)
		bodies = append(bodies, b)
		mu.Unlock()
	}))
	defer rcv.Close()
	const create = `mutation($t: WebhookSubscriptionTopic!, $s: WebhookSubscriptionInput!) { webhookSubscriptionCreate(topic: $t, webhookSubscription: $s) { webhookSubscription { id topic endpoint { ... on WebhookHttpEndpoint { callbackUrl } } } userErrors { field message } } }`
	for _, tt := range []struct{ addr, msg string }{
		{"http://example.com/hook", "Address is invalid"},
		{"", "Address can't be blank"},
	} {
		a := f.gql(t, f.token, create, map[string]any{"t": "PRODUCTS_UPDATE", "s": map[string]any{"callbackUrl": tt.addr}})
		if dig(a.Data, "webhookSubscriptionCreate", "userErrors", 0, "message") != tt.msg {
			t.Errorf("%q: %s", tt.addr, a.raw)
		}
	}
	a := f.gql(t, f.token, create, map[string]any{"t": "PRODUCTS_UPDATE", "s": map[string]any{"callbackUrl": rcv.URL, "format": "JSON"}})
	if dig(a.Data, "webhookSubscriptionCreate", "webhookSubscription", "endpoint", "callbackUrl") != rcv.URL {
		t.Fatalf("create: %s", a.raw)
	}
	a = f.gql(t, f.token, create, map[string]any{"t": "PRODUCTS_UPDATE", "s": map[string]any{"callbackUrl": rcv.URL}})
	if dig(a.Data, "webhookSubscriptionCreate", "userErrors", 0, "message") != "Address for this topic has already been taken" {
		t.Errorf("duplicate: %s", a.raw)
	}
	p := f.fake.Products()[0]
	ds, err := f.fake.EditProduct(p.ID, func(p *shopifyfake.Product) {
		p.Title = "Edited"
		p.Media = append(p.Media, shopifyfake.Media{URL: "https://cdn.example.com/3.jpg", Alt: "three"})
	})
	if err != nil || len(ds) != 1 || ds[0].Status != 200 {
		t.Fatalf("EditProduct = %+v, %v", ds, err)
	}
	if np, _ := f.fake.Product(p.ID); np.Media[2].ID == "" || np.Title != "Edited" {
		t.Errorf("edited product = %+v", np)
	}
	mu.Lock()
	r, body := got[0], bodies[0]
	mu.Unlock()
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if r.Header.Get("X-Shopify-Hmac-Sha256") != base64.StdEncoding.EncodeToString(m.Sum(nil)) ||
		r.Header.Get("X-Shopify-Topic") != "products/update" || r.Header.Get("X-Shopify-Shop-Domain") != f.fake.Shop() ||
		r.Header.Get("X-Shopify-Webhook-Id") == "" || r.Header.Get("X-Shopify-Api-Version") != "2025-01" {
		t.Errorf("headers = %v", r.Header)
	}
	var payload map[string]any
	_ = json.Unmarshal(body, &payload)
	if payload["admin_graphql_api_id"] != p.ID || payload["title"] != "Edited" || payload["id"] != 7100000000001.0 || payload["tags"] != "A, b" {
		t.Errorf("payload = %s", body)
	}
	if _, err := f.fake.EditProduct(p.ID, func(p *shopifyfake.Product) { p.Title = "" }); err == nil {
		t.Error("EditProduct accepted a blank title")
	}
	if _, err := f.fake.SendPrivacyWebhook("orders/create", rcv.URL); err == nil {
		t.Error("SendPrivacyWebhook accepted a non-privacy topic")
	}
}

func TestNewUnstartedUnderPrefix(t *testing.T) {
	var fake *shopifyfake.Server
	mux := http.NewServeMux()
	mux.Handle("/sandbox/shopify/", http.StripPrefix("/sandbox/shopify", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.ServeHTTP(w, r)
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	clock := shopifyfake.NewManualClock(t0)
	fake = shopifyfake.NewUnstarted(shopifyfake.Options{Products: seed(2), Now: clock.Now, PublicURL: srv.URL + "/sandbox/shopify"})
	token := fake.IssueToken(fake.Shop(), "read_products")
	post := func(doc string) map[string]any {
		body, _ := json.Marshal(map[string]any{"query": doc})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/sandbox/shopify/shops/"+fake.Shop()+"/admin/api/2025-01/graphql.json", bytes.NewReader(body))
		req.Header.Set("X-Shopify-Access-Token", token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	if out := post(`{ shop { name myshopifyDomain } }`); dig(out, "data", "shop", "myshopifyDomain") != shopifyfake.DefaultShop {
		t.Fatalf("shop: %v", out)
	}
	post(`mutation { bulkOperationRunQuery(query: "{ products { edges { node { id } } } }") { userErrors { message } } }`)
	clock.Advance(time.Second)
	out := post(`{ currentBulkOperation { status url } }`)
	u, _ := dig(out, "data", "currentBulkOperation", "url").(string)
	if !strings.HasPrefix(u, srv.URL+"/sandbox/shopify/bulk/") {
		t.Fatalf("url = %q", u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || strings.Count(string(b), "\n") != 2 || !strings.Contains(string(b), fake.Products()[1].ID) {
		t.Errorf("result: %d %s", resp.StatusCode, b)
	}
}
