package amazonfake

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
)

const (
	testApp      = "amzn1.sp.solution.11111111-2222-3333-4444-555555555555"
	testClient   = "amzn1.application-oa2-client.test"
	testSecret   = "amzn1.oa2-cs.v1.supersecretvalue"
	testRedirect = "https://app.example.com/connect/amazon/callback"
)

func qty(n int) *int { return &n }

// testProducts are hand-built products covering the seeding rules.
func testProducts() []*catalog.Product {
	return []*catalog.Product{
		{Handle: "linen-shirt", Title: "Linen Shirt", ProductType: "Shirts", Vendor: "Acme", Tags: []string{"linen", "summer"},
			BodyHTML: "<p>Pure linen. Cut for warm days! Garment washed.</p>",
			Variants: []catalog.Variant{{SKU: "LS-01", Price: &catalog.Money{Amount: "49", Currency: "USD"}, InventoryQty: qty(7)}},
			Images:   []catalog.Image{{Src: "https://cdn.example.com/ls1.jpg", Width: 800, Height: 600}, {Src: "https://cdn.example.com/ls2.jpg"}}},
		{Handle: "mug", Title: "Stoneware Mug", ProductType: "Kitchen & Dining", Status: catalog.StatusDraft,
			Options: []catalog.Option{{Name: "Colour", Values: []string{"Blue", "Sand"}}}},
		{Handle: "dup-a", Title: "Duplicate A", Variants: []catalog.Variant{{SKU: "DUP"}}},
		{Handle: "dup-b", Title: "Duplicate B", Variants: []catalog.Variant{{SKU: "DUP"}}},
		{Handle: "odd", Title: "Odd SKU", Variants: []catalog.Variant{{SKU: "A/B 1+2"}}, Status: catalog.StatusArchived},
		{Title: "No handle"},
	}
}

func start(t *testing.T, o Options) *Server {
	t.Helper()
	if o.ApplicationID == "" {
		o.ApplicationID = testApp
	}
	if o.ClientID == "" {
		o.ClientID, o.ClientSecret = testClient, testSecret
	}
	if o.RateScale == 0 {
		o.RateScale = 1000 // tests that check usage plans ask for 1
	}
	s := New(o)
	t.Cleanup(s.Close)
	return s
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consent runs the consent page and returns the callback's query.
func consent(t *testing.T, s *Server, state string) url.Values {
	t.Helper()
	q := url.Values{"application_id": {testApp}, "state": {state}, "redirect_uri": {testRedirect}}
	resp, err := noRedirect.Get(s.URL() + "/apps/authorize/consent?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent status = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
		t.Fatalf("redirected to %s, want %s", got, testRedirect)
	}
	return loc.Query()
}

// tokenCall posts a grant to the token endpoint.
func tokenCall(t *testing.T, s *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.TokenURL(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func codeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"client_id": {testClient}, "client_secret": {testSecret}}
}

// login runs the whole flow and returns the access and refresh tokens.
func login(t *testing.T, s *Server) (string, string) {
	t.Helper()
	q := consent(t, s, "st4te")
	status, out := tokenCall(t, s, codeForm(q.Get("spapi_oauth_code")))
	if status != http.StatusOK {
		t.Fatalf("token status = %d: %v", status, out)
	}
	return out["access_token"].(string), out["refresh_token"].(string)
}

// api calls the SP-API and decodes the JSON answer.
func api(t *testing.T, s *Server, method, path, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL()+path, rd)
	if token != "" {
		req.Header.Set("x-amz-access-token", token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %s", method, path, b)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func errorCode(out map[string]any) string {
	errs, _ := out["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	code, _ := errs[0].(map[string]any)["code"].(string)
	return code
}

func itemPath(s *Server, sku, query string) string {
	return "/listings/2021-08-01/items/" + s.SellerID() + "/" + url.PathEscape(sku) + "?" + query
}

// noViolations fails when the fake's answers broke the models.
func noViolations(t *testing.T, s *Server) {
	t.Helper()
	if v := s.Violations(); len(v) > 0 {
		t.Fatalf("answers break the models:\n%s", strings.Join(v, "\n"))
	}
}

func TestDefaultRateLimitsFromModels(t *testing.T) {
	got := DefaultRateLimits()
	want := map[string]RateLimit{
		"getListingsItem":               {5, 10},
		"patchListingsItem":             {5, 5},
		"createReport":                  {0.0167, 15},
		"getReport":                     {2, 15},
		"getReportDocument":             {0.0167, 15},
		"searchDefinitionsProductTypes": {5, 10},
	}
	for op, w := range want {
		if got[op] != w {
			t.Errorf("DefaultRateLimits()[%s] = %v, want %v", op, got[op], w)
		}
	}
	for _, op := range []string{"getListingsItem", "patchListingsItem", "createReport", "getReport", "getReportDocument", "searchDefinitionsProductTypes"} {
		if !slices.Contains(Operations(), op) {
			t.Errorf("Operations() lacks %s", op)
		}
	}
}

func TestValidator(t *testing.T) {
	patch := models["patchListingsItem"]
	spec := models["createReport"]
	cases := []struct {
		name string
		op   *operation
		body string
		want []string // substrings of the violations; none means valid
	}{
		{"patch ok", patch, `{"productType":"SHIRT","patches":[{"op":"replace","path":"/attributes/item_name","value":[{"value":"x"}]}]}`, nil},
		{"patch no productType", patch, `{"patches":[{"op":"replace","path":"/attributes/item_name"}]}`, []string{"body.productType: is required"}},
		{"patch empty patches", patch, `{"productType":"SHIRT","patches":[]}`, []string{"body.patches: must have at least 1 items"}},
		{"patch bad op", patch, `{"productType":"SHIRT","patches":[{"op":"frob","path":"/attributes/x"}]}`, []string{"body.patches[0].op: frob is not one of"}},
		{"patch value not array", patch, `{"productType":"SHIRT","patches":[{"op":"add","path":"/attributes/x","value":"s"}]}`, []string{"body.patches[0].value: must be an array"}},
		{"patch value items objects", patch, `{"productType":"SHIRT","patches":[{"op":"add","path":"/attributes/x","value":["s"]}]}`, []string{"body.patches[0].value[0]: must be an object"}},
		{"patch not object", patch, `[1]`, []string{"body: must be an object"}},
		{"report ok", spec, `{"reportType":"GET_MERCHANT_LISTINGS_ALL_DATA","marketplaceIds":["ATVPDKIKX0DER"]}`, nil},
		{"report no marketplaces", spec, `{"reportType":"GET_MERCHANT_LISTINGS_ALL_DATA","marketplaceIds":[]}`, []string{"body.marketplaceIds: must have at least 1 items"}},
		{"report bad date", spec, `{"reportType":"X","marketplaceIds":["A"],"dataStartTime":"yesterday"}`, []string{"body.dataStartTime"}},
		{"report options strings", spec, `{"reportType":"X","marketplaceIds":["A"],"reportOptions":{"a":1}}`, []string{"body.reportOptions.a: must be a string"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("PATCH", "/x?marketplaceIds=ATVPDKIKX0DER", nil)
			req.SetPathValue("sellerId", "S")
			req.SetPathValue("sku", "K")
			_, vs := tc.op.checkRequest(req, []byte(tc.body))
			got := joinViolations(vs)
			if len(tc.want) == 0 && got != "" {
				t.Fatalf("violations = %s, want none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("violations = %q, want %q", got, w)
				}
			}
		})
	}
	// Query parameters: required, enums of arrays, enums of strings.
	get := models["getListingsItem"]
	for q, want := range map[string]string{
		"": "query.marketplaceIds: is required",
		"marketplaceIds=A&includedData=summaries,bogus":  "query.includedData[1]: bogus is not one of",
		"marketplaceIds=A&includedData=summaries,issues": "",
	} {
		req, _ := http.NewRequest("GET", "/x?"+q, nil)
		req.SetPathValue("sellerId", "S")
		req.SetPathValue("sku", "K")
		_, vs := get.checkRequest(req, nil)
		if got := joinViolations(vs); (want == "" && got != "") || !strings.Contains(got, want) {
			t.Errorf("query %q: violations = %q, want %q", q, got, want)
		}
	}
	// Responses: a listing without sku, a submission with a bad status.
	if vs := get.checkResponse(200, []byte(`{"summaries":[]}`)); !strings.Contains(joinViolations(vs), "body.sku: is required") {
		t.Errorf("response without sku: %v", vs)
	}
	if vs := patch.checkResponse(200, []byte(`{"sku":"a","status":"MAYBE","submissionId":"x"}`)); !strings.Contains(joinViolations(vs), "MAYBE is not one of") {
		t.Errorf("response with bad status: %v", vs)
	}
	if vs := get.checkResponse(401, []byte(`{"errors":[]}`)); len(vs) == 0 {
		t.Errorf("401 is not a getListingsItem response, yet it passed")
	}
}

func TestConsentPage(t *testing.T) {
	s := start(t, Options{})
	q := consent(t, s, "abc")
	if q.Get("state") != "abc" || q.Get("selling_partner_id") != DefaultSellerID || !strings.HasPrefix(q.Get("spapi_oauth_code"), "ANDG") {
		t.Fatalf("callback query = %v", q)
	}
	for name, query := range map[string]url.Values{
		"wrong application": {"application_id": {"amzn1.sp.solution.other"}, "state": {"s"}, "redirect_uri": {testRedirect}},
		"no application":    {"state": {"s"}, "redirect_uri": {testRedirect}},
		"no state":          {"application_id": {testApp}, "redirect_uri": {testRedirect}},
		"no redirect":       {"application_id": {testApp}, "state": {"s"}},
		"relative redirect": {"application_id": {testApp}, "state": {"s"}, "redirect_uri": {"/cb"}},
		"bad version":       {"application_id": {testApp}, "state": {"s"}, "redirect_uri": {testRedirect}, "version": {"alpha"}},
	} {
		resp, err := noRedirect.Get(s.URL() + "/apps/authorize/consent?" + query.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status = %d, want 400", name, resp.StatusCode)
		}
	}
	query := url.Values{"application_id": {testApp}, "state": {"s"}, "redirect_uri": {testRedirect}, "version": {"beta"}}
	resp, err := noRedirect.Get(s.URL() + "/apps/authorize/consent?" + query.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("version=beta: status = %d, want 302", resp.StatusCode)
	}
}

func TestTokenEndpoint(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Now: clock.Now})

	code := consent(t, s, "s").Get("spapi_oauth_code")
	status, out := tokenCall(t, s, codeForm(code))
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, out)
	}
	access, refresh := out["access_token"].(string), out["refresh_token"].(string)
	if !strings.HasPrefix(access, "Atza|") || !strings.HasPrefix(refresh, "Atzr|") || out["token_type"] != "bearer" || out["expires_in"] != 3600.0 {
		t.Fatalf("token answer = %v", out)
	}

	lwaErr := func(name string, form url.Values, wantStatus int, wantCode, wantDesc string) {
		t.Helper()
		status, out := tokenCall(t, s, form)
		if status != wantStatus || out["error"] != wantCode || !strings.Contains(fmt.Sprint(out["error_description"]), wantDesc) {
			t.Errorf("%s: %d %v, want %d %s %q", name, status, out, wantStatus, wantCode, wantDesc)
		}
	}
	lwaErr("reused code", codeForm(code), 400, "invalid_grant", "invalid grant parameter : code")

	code = consent(t, s, "s").Get("spapi_oauth_code")
	clock.Advance(CodeTTL + time.Second)
	lwaErr("expired code", codeForm(code), 400, "invalid_grant", "invalid grant parameter : code")

	code = consent(t, s, "s").Get("spapi_oauth_code")
	bad := codeForm(code)
	bad.Set("client_secret", "wrong")
	lwaErr("wrong secret", bad, 401, "invalid_client", "Client authentication failed")
	bad = codeForm(code)
	bad.Set("client_id", "other")
	lwaErr("wrong client", bad, 401, "invalid_client", "Client authentication failed")

	code = consent(t, s, "s").Get("spapi_oauth_code")
	bad = codeForm(code)
	bad.Set("redirect_uri", "https://elsewhere.example.com/cb")
	lwaErr("wrong redirect", bad, 400, "invalid_grant", "redirect_uri")
	bad = codeForm("")
	lwaErr("no code", bad, 400, "invalid_request", "code")
	bad = codeForm("x")
	bad.Set("grant_type", "password")
	lwaErr("bad grant", bad, 400, "unsupported_grant_type", "not supported")

	refreshForm := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {testClient}, "client_secret": {testSecret}}
	status, out = tokenCall(t, s, refreshForm)
	if status != 200 || out["refresh_token"] != refresh || out["access_token"] == access {
		t.Fatalf("refresh: %d %v", status, out)
	}
	// Form encoding is required.
	resp, err := http.Post(s.TokenURL(), "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("JSON body: status = %d, want 400", resp.StatusCode)
	}

	s.RevokeTokens()
	lwaErr("revoked refresh", refreshForm, 400, "invalid_grant", "refresh_token")
	if status, _, out := api(t, s, "GET", itemPath(s, "x", "marketplaceIds=ATVPDKIKX0DER"), access, nil); status != 403 || errorCode(out) != "Unauthorized" {
		t.Errorf("revoked access token: %d %v", status, out)
	}
}

func TestAccessTokenChecks(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Now: clock.Now, Products: testProducts()})
	access, _ := login(t, s)
	path := itemPath(s, "LS-01", "marketplaceIds=ATVPDKIKX0DER")
	if status, h, _ := api(t, s, "GET", path, access, nil); status != 200 || h.Get("x-amzn-RequestId") == "" || h.Get("x-amzn-RateLimit-Limit") != "5000" {
		t.Fatalf("good token: %d %v", status, h)
	}
	if status, _, out := api(t, s, "GET", path, "", nil); status != 403 || errorCode(out) != "Unauthorized" {
		t.Errorf("no token: %d %v", status, out)
	}
	if status, _, out := api(t, s, "GET", path, "Atza|forged", nil); status != 403 || errorCode(out) != "Unauthorized" {
		t.Errorf("forged token: %d %v", status, out)
	}
	other := "/listings/2021-08-01/items/AOTHERSELLER/LS-01?marketplaceIds=ATVPDKIKX0DER"
	if status, _, out := api(t, s, "GET", other, access, nil); status != 403 {
		t.Errorf("another seller: %d %v", status, out)
	}
	clock.Advance(AccessTokenTTL)
	if status, _, out := api(t, s, "GET", path, access, nil); status != 403 || !strings.Contains(fmt.Sprint(out), "expired") {
		t.Errorf("expired token: %d %v", status, out)
	}
	noViolations(t, s)
}

func TestSeeding(t *testing.T) {
	s := start(t, Options{Products: testProducts()})
	want := []string{"LS-01", "mug", "DUP", "DUP-2", "A/B 1+2", "SKU-6"}
	if got := s.SKUs(); !slices.Equal(got, want) {
		t.Fatalf("SKUs() = %q, want %q", got, want)
	}
	ls, _ := s.Listing("LS-01")
	if ls.ProductType != "SHIRTS" || ls.Text("item_name") != "Linen Shirt" || ls.Text("brand") != "Acme" ||
		ls.Text("generic_keyword") != "linen summer" || ls.Text("product_description") != "Pure linen. Cut for warm days! Garment washed." {
		t.Errorf("LS-01 = %+v", ls)
	}
	if got := ls.Texts("bullet_point"); !slices.Equal(got, []string{"Pure linen.", "Cut for warm days!", "Garment washed."}) {
		t.Errorf("bullets = %q", got)
	}
	if ls.MainImage == nil || ls.MainImage.Link != "https://cdn.example.com/ls1.jpg" || ls.MainImage.Width != 800 ||
		ls.Price != "49.00" || ls.Quantity != 7 || !slices.Contains(ls.Status, "BUYABLE") || !strings.HasPrefix(ls.ASIN, "B0") {
		t.Errorf("LS-01 summary = %+v", ls)
	}
	if len(ls.Attributes["other_product_image_locator_1"]) != 1 {
		t.Errorf("second image not listed: %v", ls.Attributes)
	}
	mug, _ := s.Listing("mug")
	if mug.ProductType != "KITCHEN_DINING" || !slices.Equal(mug.Texts("bullet_point"), []string{"Colour: Blue, Sand"}) || slices.Contains(mug.Status, "BUYABLE") {
		t.Errorf("mug = %+v", mug)
	}
	if odd, _ := s.Listing("SKU-6"); odd.ProductType != "PRODUCT" {
		t.Errorf("no type: %s", odd.ProductType)
	}

	// A seller edits and deletes.
	if !s.EditListing("mug", func(l *Listing) { l.SetText("item_name", "Mug, edited") }) {
		t.Fatal("EditListing(mug) = false")
	}
	if mug, _ := s.Listing("mug"); mug.Text("item_name") != "Mug, edited" {
		t.Errorf("edit not kept: %q", mug.Text("item_name"))
	}
	if s.EditListing("nope", func(*Listing) {}) || !s.DeleteListing("DUP") || s.DeleteListing("DUP") {
		t.Error("EditListing/DeleteListing of a missing SKU succeeded")
	}
	if len(s.Listings()) != 5 {
		t.Errorf("Listings() has %d, want 5", len(s.Listings()))
	}
	// Copies are copies.
	l, _ := s.Listing("LS-01")
	l.SetText("item_name", "changed")
	if again, _ := s.Listing("LS-01"); again.Text("item_name") != "Linen Shirt" {
		t.Error("Listing returned shared state")
	}
}

func TestGetListingsItem(t *testing.T) {
	s := start(t, Options{Products: testProducts()})
	access, _ := login(t, s)
	status, _, out := api(t, s, "GET", itemPath(s, "A/B 1+2", "marketplaceIds=ATVPDKIKX0DER"), access, nil)
	if status != 200 || out["sku"] != "A/B 1+2" || out["summaries"] == nil || out["attributes"] != nil {
		t.Fatalf("default includedData: %d %v", status, out)
	}
	status, _, out = api(t, s, "GET", itemPath(s, "LS-01", "marketplaceIds=ATVPDKIKX0DER&includedData=summaries,attributes,issues,offers,fulfillmentAvailability,productTypes,relationships,procurement"), access, nil)
	if status != 200 {
		t.Fatalf("all data: %d %v", status, out)
	}
	for _, k := range []string{"summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "productTypes"} {
		if out[k] == nil {
			t.Errorf("includedData %s missing: %v", k, out)
		}
	}
	sum := out["summaries"].([]any)[0].(map[string]any)
	if sum["itemName"] != "Linen Shirt" || sum["productType"] != "SHIRTS" || sum["marketplaceId"] != "ATVPDKIKX0DER" {
		t.Errorf("summary = %v", sum)
	}
	if status, _, out := api(t, s, "GET", itemPath(s, "missing", "marketplaceIds=ATVPDKIKX0DER"), access, nil); status != 404 || errorCode(out) != "NOT_FOUND" {
		t.Errorf("missing SKU: %d %v", status, out)
	}
	for q, want := range map[string]string{
		"": "marketplaceIds",
		"marketplaceIds=ATVPDKIKX0DER&includedData=everything": "includedData",
		"marketplaceIds=A1PA6795UKMFR9":                        "marketplace",
	} {
		status, _, out := api(t, s, "GET", itemPath(s, "LS-01", q), access, nil)
		if status != 400 || errorCode(out) != "InvalidInput" || !strings.Contains(fmt.Sprint(out), want) {
			t.Errorf("query %q: %d %v", q, status, out)
		}
	}
	noViolations(t, s)
}

func patchBody(productType string, patches ...map[string]any) map[string]any {
	return map[string]any{"productType": productType, "patches": patches}
}

func replace(attr string, values ...string) map[string]any {
	var vs []map[string]any
	for _, v := range values {
		vs = append(vs, map[string]any{"value": v, "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"})
	}
	return map[string]any{"op": "replace", "path": "/attributes/" + attr, "value": vs}
}

func issuesOf(out map[string]any) string {
	var msgs []string
	for _, i := range out["issues"].([]any) {
		msgs = append(msgs, i.(map[string]any)["message"].(string))
	}
	return strings.Join(msgs, " | ")
}

func TestPatchListingsItem(t *testing.T) {
	s := start(t, Options{Products: testProducts()})
	access, _ := login(t, s)
	path := itemPath(s, "LS-01", "marketplaceIds=ATVPDKIKX0DER")

	status, _, out := api(t, s, "PATCH", path, access, patchBody("SHIRTS",
		replace("item_name", "Linen Shirt, Sand"),
		replace("bullet_point", "One", "Two"),
		replace("product_description", "New description"),
		replace("generic_keyword", "flax casual"),
	))
	if status != 200 || out["status"] != "ACCEPTED" || out["submissionId"] == "" || out["sku"] != "LS-01" {
		t.Fatalf("patch: %d %v", status, out)
	}
	l, _ := s.Listing("LS-01")
	if l.Text("item_name") != "Linen Shirt, Sand" || !slices.Equal(l.Texts("bullet_point"), []string{"One", "Two"}) ||
		l.Text("product_description") != "New description" || l.Text("generic_keyword") != "flax casual" {
		t.Fatalf("not applied: %v", l.Attributes)
	}

	invalid := func(name string, body map[string]any, want string) {
		t.Helper()
		before, _ := s.Listing("LS-01")
		status, _, out := api(t, s, "PATCH", path, access, body)
		if status != 200 || out["status"] != "INVALID" || !strings.Contains(issuesOf(out), want) {
			t.Errorf("%s: %d %v, want INVALID with %q", name, status, out, want)
		}
		after, _ := s.Listing("LS-01")
		if after.Text("item_name") != before.Text("item_name") || !slices.Equal(after.Texts("bullet_point"), before.Texts("bullet_point")) {
			t.Errorf("%s: an INVALID patch changed the listing", name)
		}
	}
	invalid("long title", patchBody("SHIRTS", replace("bullet_point", "changed"), replace("item_name", strings.Repeat("x", 201))), "at most 200 characters")
	invalid("empty title", patchBody("SHIRTS", replace("item_name", " ")), "must not be empty")
	invalid("unknown op", patchBody("SHIRTS", map[string]any{"op": "frobnicate", "path": "/attributes/item_name", "value": []any{}}), "patch operation is not valid")
	invalid("bad path", patchBody("SHIRTS", map[string]any{"op": "replace", "path": "/summaries/itemName", "value": []any{map[string]any{"value": "x"}}}), "not a valid attribute path")
	invalid("wrong product type", patchBody("LUGGAGE", replace("item_name", "x")), "does not match")
	invalid("too many bullets", patchBody("SHIRTS", replace("bullet_point", strings.Split("a b c d e f g h i j k", " ")...)), "at most 10 values")
	invalid("long description", patchBody("SHIRTS", replace("product_description", strings.Repeat("d", 2001))), "at most 2000 characters")
	invalid("delete without selector", patchBody("SHIRTS", map[string]any{"op": "delete", "path": "/attributes/bullet_point"}), "selectors")
	invalid("delete title", patchBody("SHIRTS", map[string]any{"op": "delete", "path": "/attributes/item_name", "value": []any{map[string]any{"marketplace_id": "ATVPDKIKX0DER"}}}), "'item_name' is required")
	invalid("foreign marketplace", patchBody("SHIRTS", map[string]any{"op": "replace", "path": "/attributes/item_name",
		"value": []any{map[string]any{"value": "x", "language_tag": "de_DE", "marketplace_id": "A1PA6795UKMFR9"}}}), "not a marketplace of the seller")

	// Structural errors are 400 InvalidInput.
	for name, body := range map[string]any{
		"no productType": map[string]any{"patches": []any{replace("item_name", "x")}},
		"no patches":     map[string]any{"productType": "SHIRTS", "patches": []any{}},
		"value string":   map[string]any{"productType": "SHIRTS", "patches": []any{map[string]any{"op": "replace", "path": "/attributes/item_name", "value": "x"}}},
	} {
		if status, _, out := api(t, s, "PATCH", path, access, body); status != 400 || errorCode(out) != "InvalidInput" {
			t.Errorf("%s: %d %v, want 400 InvalidInput", name, status, out)
		}
	}
	req, _ := http.NewRequest("PATCH", s.URL()+path, strings.NewReader(`{}`))
	req.Header.Set("x-amz-access-token", access)
	req.Header.Set("Content-Type", "text/plain")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 415 {
		t.Errorf("text/plain body: %v %v", resp.StatusCode, err)
	}

	// Delete with selectors, merge, a keyword warning, preview, unknown SKU.
	status, _, out = api(t, s, "PATCH", path, access, patchBody("SHIRTS",
		map[string]any{"op": "delete", "path": "/attributes/bullet_point", "value": []any{map[string]any{"marketplace_id": "ATVPDKIKX0DER", "language_tag": "en_US"}}},
		map[string]any{"op": "merge", "path": "/attributes/brand", "value": []any{map[string]any{"value": "Acme Co", "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}}},
		replace("generic_keyword", strings.Repeat("k", 300)),
	))
	if status != 200 || out["status"] != "ACCEPTED" || !strings.Contains(issuesOf(out), "only the first 249 bytes") {
		t.Fatalf("delete/merge: %d %v", status, out)
	}
	l, _ = s.Listing("LS-01")
	if len(l.Texts("bullet_point")) != 0 || !slices.Equal(l.Texts("brand"), []string{"Acme Co"}) {
		t.Errorf("delete/merge: %v", l.Attributes)
	}
	status, _, out = api(t, s, "PATCH", itemPath(s, "LS-01", "marketplaceIds=ATVPDKIKX0DER&mode=VALIDATION_PREVIEW"), access, patchBody("SHIRTS", replace("item_name", "Preview only")))
	if status != 200 || out["status"] != "VALID" {
		t.Errorf("preview: %d %v", status, out)
	}
	if l, _ := s.Listing("LS-01"); l.Text("item_name") == "Preview only" {
		t.Error("a preview was applied")
	}
	status, _, out = api(t, s, "PATCH", itemPath(s, "missing", "marketplaceIds=ATVPDKIKX0DER"), access, patchBody("SHIRTS", replace("item_name", "x")))
	if status != 200 || out["status"] != "INVALID" {
		t.Errorf("unknown SKU: %d %v", status, out)
	}
	noViolations(t, s)
}

// download fetches a report document's URL.
func download(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestReports(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Products: testProducts(), Now: clock.Now, ReportDelay: time.Minute, GzipReports: true, RateScale: 1})
	access, _ := login(t, s)
	spec := map[string]any{"reportType": ReportAllListings, "marketplaceIds": []string{"ATVPDKIKX0DER"}}
	status, h, out := api(t, s, "POST", "/reports/2021-06-30/reports", access, spec)
	if status != 202 || out["reportId"] == "" || h.Get("x-amzn-RateLimit-Limit") != "0.0167" {
		t.Fatalf("createReport: %d %v %v", status, out, h)
	}
	id := out["reportId"].(string)
	poll := func() map[string]any {
		t.Helper()
		status, _, out := api(t, s, "GET", "/reports/2021-06-30/reports/"+id, access, nil)
		if status != 200 {
			t.Fatalf("getReport: %d %v", status, out)
		}
		return out
	}
	if st := poll()["processingStatus"]; st != "IN_QUEUE" {
		t.Errorf("at once: %v", st)
	}
	clock.Advance(40 * time.Second)
	if st := poll()["processingStatus"]; st != "IN_PROGRESS" {
		t.Errorf("after 40 s: %v", st)
	}
	clock.Advance(20 * time.Second)
	rep := poll()
	if rep["processingStatus"] != "DONE" || rep["reportDocumentId"] == nil {
		t.Fatalf("after 60 s: %v", rep)
	}
	doc := rep["reportDocumentId"].(string)
	status, _, out = api(t, s, "GET", "/reports/2021-06-30/documents/"+doc, access, nil)
	if status != 200 || out["compressionAlgorithm"] != "GZIP" {
		t.Fatalf("getReportDocument: %d %v", status, out)
	}
	u := out["url"].(string)
	status, body := download(t, u)
	if status != 200 {
		t.Fatalf("download: %d %s", status, body)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(zr)
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	header := strings.Split(lines[0], "\t")
	col := slices.Index(header, "seller-sku")
	if col < 0 || len(lines) != 7 {
		t.Fatalf("report = %q", text)
	}
	var skus []string
	for _, l := range lines[1:] {
		skus = append(skus, strings.Split(l, "\t")[col])
	}
	if !slices.Equal(skus, s.SKUs()) {
		t.Errorf("report SKUs = %q, want %q", skus, s.SKUs())
	}
	// Presigned URLs expire and are signed.
	clock.Advance(DocumentURLTTL + time.Second)
	if status, body := download(t, u); status != 403 || !bytes.Contains(body, []byte("expired")) {
		t.Errorf("expired URL: %d %s", status, body)
	}
	if status, _ := download(t, strings.Replace(u, "signature=", "signature=0", 1)); status != 403 {
		t.Errorf("bad signature: %d", status)
	}

	// Errors: unknown report and document, bad type, foreign marketplace, bad body.
	if status, _, out := api(t, s, "GET", "/reports/2021-06-30/reports/1", access, nil); status != 404 {
		t.Errorf("unknown report: %d %v", status, out)
	}
	if status, _, out := api(t, s, "GET", "/reports/2021-06-30/documents/amzn1.spdoc.x", access, nil); status != 404 {
		t.Errorf("unknown document: %d %v", status, out)
	}
	for name, body := range map[string]any{
		"bad type":     map[string]any{"reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA_X", "marketplaceIds": []string{"ATVPDKIKX0DER"}},
		"foreign":      map[string]any{"reportType": ReportAllListings, "marketplaceIds": []string{"A1PA6795UKMFR9"}},
		"no type":      map[string]any{"marketplaceIds": []string{"ATVPDKIKX0DER"}},
		"marketplaces": map[string]any{"reportType": ReportAllListings, "marketplaceIds": "ATVPDKIKX0DER"},
	} {
		if status, _, out := api(t, s, "POST", "/reports/2021-06-30/reports", access, body); status != 400 || errorCode(out) != "InvalidInput" {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	// A report that fails.
	s.FailNextReport("FATAL")
	_, _, out = api(t, s, "POST", "/reports/2021-06-30/reports", access, spec)
	clock.Advance(time.Minute)
	_, _, rep = api(t, s, "GET", "/reports/2021-06-30/reports/"+out["reportId"].(string), access, nil)
	if rep["processingStatus"] != "FATAL" || rep["reportDocumentId"] != nil {
		t.Errorf("failed report: %v", rep)
	}
	noViolations(t, s)
}

func TestUsagePlans(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, Options{Products: testProducts(), Now: clock.Now, RateScale: 1, RateLimits: map[string]RateLimit{"getListingsItem": {Rate: 1, Burst: 2}}})
	access, _ := login(t, s)
	path := itemPath(s, "LS-01", "marketplaceIds=ATVPDKIKX0DER")
	for i := range 2 {
		if status, h, _ := api(t, s, "GET", path, access, nil); status != 200 || h.Get("x-amzn-RateLimit-Limit") != "1" {
			t.Fatalf("call %d: %d %v", i, status, h)
		}
	}
	status, h, out := api(t, s, "GET", path, access, nil)
	if status != 429 || errorCode(out) != "QuotaExceeded" || h.Get("x-amzn-RequestId") == "" {
		t.Fatalf("over the burst: %d %v", status, out)
	}
	clock.Advance(time.Second)
	if status, _, _ := api(t, s, "GET", path, access, nil); status != 200 {
		t.Errorf("after a second: %d", status)
	}
	// Other operations have their own buckets; RateScale raises the defaults.
	if status, _, _ := api(t, s, "PATCH", path, access, patchBody("SHIRTS", replace("item_name", "x"))); status != 200 {
		t.Errorf("patch: %d", status)
	}
	fast := start(t, Options{Products: testProducts(), RateScale: 100})
	access, _ = login(t, fast)
	if _, h, _ := api(t, fast, "GET", itemPath(fast, "LS-01", "marketplaceIds=ATVPDKIKX0DER"), access, nil); h.Get("x-amzn-RateLimit-Limit") != "500" {
		t.Errorf("scaled limit = %s, want 500", h.Get("x-amzn-RateLimit-Limit"))
	}
	noViolations(t, s)
}

func TestFaults(t *testing.T) {
	s := start(t, Options{Products: testProducts()})
	access, _ := login(t, s)
	path := itemPath(s, "LS-01", "marketplaceIds=ATVPDKIKX0DER")
	s.Faults().Push(faultplan.Fault{Kind: faultplan.Throttle}, faultplan.Fault{Kind: faultplan.ServerError}, faultplan.Fault{Kind: faultplan.Unavailable})
	for _, want := range []struct {
		status int
		code   string
	}{{429, "QuotaExceeded"}, {500, "InternalFailure"}, {503, "ServiceUnavailable"}, {200, ""}} {
		status, _, out := api(t, s, "GET", path, access, nil)
		if status != want.status || errorCode(out) != want.code {
			t.Errorf("got %d %v, want %d %s", status, out, want.status, want.code)
		}
	}
	s.Faults().Push(faultplan.Fault{Kind: faultplan.Drop})
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	req.Header.Set("x-amz-access-token", access)
	// A fresh connection: Go's transport retries idempotent requests whose
	// reused connection closed.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("dropped call answered %d", resp.StatusCode)
	}
	// LWA answers in its own shape.
	s.Faults().Push(faultplan.Fault{Kind: faultplan.ServerError})
	status, out := tokenCall(t, s, url.Values{"grant_type": {"refresh_token"}})
	if status != 500 || out["error"] != "server_error" {
		t.Errorf("LWA fault: %d %v", status, out)
	}
	if n := s.Faults().Injected(); n[faultplan.Throttle] != 1 || n[faultplan.Drop] != 1 || n[faultplan.ServerError] != 2 {
		t.Errorf("Injected() = %v", n)
	}
	noViolations(t, s)
}

func TestRecordedRequestsHoldNoSecrets(t *testing.T) {
	s := start(t, Options{Products: testProducts()})
	access, refresh := login(t, s)
	tokenCall(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {testClient}, "client_secret": {testSecret}})
	api(t, s, "GET", itemPath(s, "LS-01", "marketplaceIds=ATVPDKIKX0DER"), access, nil)
	var code string
	for _, r := range s.Requests() {
		if r.Path == "/apps/authorize/consent" {
			continue
		}
		dump := fmt.Sprint(r.Header, string(r.Body), r.Query)
		for _, secret := range []string{testSecret, access, refresh, "Atza|", "Atzr|"} {
			if strings.Contains(dump, secret) {
				t.Errorf("request %s %s holds a secret: %s", r.Method, r.Path, dump)
			}
		}
		if r.Path == "/auth/o2/token" {
			code = string(r.Body)
		}
		if r.Path == "/listings/2021-08-01/items/"+s.SellerID()+"/LS-01" && r.Operation != "getListingsItem" {
			t.Errorf("operation = %q", r.Operation)
		}
	}
	if !strings.Contains(code, "REDACTED") {
		t.Errorf("token request body = %q, want the secrets redacted", code)
	}
	if s.Calls("getListingsItem") != 1 {
		t.Errorf("Calls(getListingsItem) = %d", s.Calls("getListingsItem"))
	}
}

func TestSearchProductTypes(t *testing.T) {
	s := start(t, Options{Products: testProducts()})
	access, _ := login(t, s)
	status, _, out := api(t, s, "GET", "/definitions/2020-09-01/productTypes?marketplaceIds=ATVPDKIKX0DER&keywords=shirts", access, nil)
	types, _ := out["productTypes"].([]any)
	if status != 200 || len(types) != 1 || types[0].(map[string]any)["name"] != "SHIRTS" {
		t.Errorf("search: %d %v", status, out)
	}
	if status, _, _ := api(t, s, "GET", "/definitions/2020-09-01/productTypes", access, nil); status != 400 {
		t.Errorf("no marketplaceIds: %d", status)
	}
	noViolations(t, s)
}

func TestUnstartedHandler(t *testing.T) {
	s := NewUnstarted(Options{})
	if s.URL() != "" {
		t.Errorf("URL() = %q before serving", s.URL())
	}
	var _ http.Handler = s
}

func TestSeedFromShopifySamples(t *testing.T) {
	dir := "../../../../shared/data/shopify-csvs"
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(files) == 0 {
		t.Skip("shopify-csvs not found")
	}
	var products []*catalog.Product
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := csvfile.NewReader(bytes.NewReader(b), csvfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			it, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.Product != nil {
				products = append(products, it.Product)
			}
		}
	}
	s := start(t, Options{Products: products})
	if got := len(s.SKUs()); got != len(products) {
		t.Fatalf("%d listings for %d products", got, len(products))
	}
	access, _ := login(t, s)
	for _, sku := range s.SKUs() {
		status, _, out := api(t, s, "GET", itemPath(s, sku, "marketplaceIds=ATVPDKIKX0DER&includedData=summaries,attributes,issues,offers"), access, nil)
		if status != 200 {
			t.Fatalf("%s: %d %v", sku, status, out)
		}
	}
	noViolations(t, s)
}
