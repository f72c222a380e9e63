package amazon_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/amazon"
	"github.com/plutopro/plutopro/internal/fakes/amazonfake"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
)

const (
	testApp      = "amzn1.sp.solution.11111111-2222-3333-4444-555555555555"
	testClientID = "amzn1.application-oa2-client.plutopro"
	testSecret   = "amzn1.oa2-cs.v1.s3cr3t-client-secret"
	testRedirect = "https://app.plutopro.example/connect/amazon/callback"
)

var ctx = context.Background()

func qty(n int) *int { return &n }

// products builds n listings' worth of products, with a duplicate SKU, a
// SKU with a slash and a space, a product without variants and a draft.
func products(n int) []*catalog.Product {
	var out []*catalog.Product
	for i := range n {
		p := &catalog.Product{
			Handle:      fmt.Sprintf("product-%02d", i),
			Title:       fmt.Sprintf("Product %02d", i),
			BodyHTML:    fmt.Sprintf("<p>Made by hand. Number %d of the range.</p>", i),
			ProductType: []string{"Shirts", "Wall Art", ""}[i%3],
			Vendor:      "Acme",
			Tags:        []string{"gift", fmt.Sprintf("tag%d", i)},
			Variants:    []catalog.Variant{{SKU: fmt.Sprintf("SKU-%02d", i), Price: &catalog.Money{Amount: fmt.Sprintf("%d.5", 10+i), Currency: "USD"}, InventoryQty: qty(i)}},
			Images:      []catalog.Image{{Src: fmt.Sprintf("https://cdn.example.com/p%d.jpg", i), Width: 1200, Height: 900}},
		}
		switch i {
		case 3:
			p.Variants[0].SKU = "SKU-02" // a duplicate: the fake makes it SKU-02-2
		case 4:
			p.Variants[0].SKU = "BOX/7 large"
		case 5:
			p.Variants = nil // listed under its handle
		case 6:
			p.Status = catalog.StatusDraft
		}
		out = append(out, p)
	}
	return out
}

type bundle struct {
	fake   *amazonfake.Server
	client *amazon.Client
	opts   amazon.Options
}

// setup starts a fake (fast usage plans unless fo says otherwise) and a
// client pointed at it.
func setup(t *testing.T, fo amazonfake.Options, co amazon.Options) *bundle {
	t.Helper()
	fo.ApplicationID, fo.ClientID, fo.ClientSecret = testApp, testClientID, testSecret
	if fo.RateScale == 0 {
		fo.RateScale = 1000
	}
	f := amazonfake.New(fo)
	t.Cleanup(f.Close)
	co.ApplicationID, co.ClientID = testApp, testClientID
	if co.ClientSecret == "" {
		co.ClientSecret = testSecret
	}
	co.APIBaseURL, co.SellerCentralURL, co.LWAURL = f.URL(), f.URL(), f.TokenURL()
	co.HTTPClient = f.Client()
	if co.RetryBackoff == 0 {
		co.RetryBackoff = time.Millisecond
	}
	if co.MaxBackoff == 0 {
		co.MaxBackoff = 20 * time.Millisecond
	}
	if co.ReportPollInterval == 0 {
		co.ReportPollInterval = time.Millisecond
	}
	return &bundle{fake: f, client: amazon.New(co), opts: co}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// callback follows BeginAuth's URL through the fake's consent page and
// returns the callback.
func (b *bundle) callback(t *testing.T, state string) connect.Callback {
	t.Helper()
	start, err := b.client.BeginAuth(ctx, connect.AuthRequest{State: state, RedirectURI: testRedirect})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirect.Get(start.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent answered %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Query().Get("state") != state {
		t.Fatalf("callback state = %q, want %q", loc.Query().Get("state"), state)
	}
	return connect.Callback{Query: loc.Query(), RedirectURI: testRedirect}
}

// connectSeller runs the whole authorization.
func (b *bundle) connectSeller(t *testing.T) *connect.Credentials {
	t.Helper()
	cr, err := b.client.CompleteAuth(ctx, b.callback(t, "state-1"))
	if err != nil {
		t.Fatal(err)
	}
	return cr
}

// listAll pages through ListProducts from cursor.
func listAll(t *testing.T, c *amazon.Client, cr *connect.Credentials, cursor string) ([]*catalog.Product, int) {
	t.Helper()
	var all []*catalog.Product
	pages := 0
	for {
		page, err := c.ListProducts(ctx, cr, cursor)
		if err != nil {
			t.Fatalf("ListProducts after %d pages: %v", pages, err)
		}
		pages++
		all = append(all, page.Products...)
		if page.Next == "" {
			return all, pages
		}
		cursor = page.Next
		if pages > 1000 {
			t.Fatal("ListProducts does not end")
		}
	}
}

func skusOf(ps []*catalog.Product) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ExternalID)
	}
	return out
}

// sameSKUs fails unless got lists every SKU of the fake exactly once.
func sameSKUs(t *testing.T, got []*catalog.Product, f *amazonfake.Server) {
	t.Helper()
	g := skusOf(got)
	want := f.SKUs()
	sg, sw := slices.Clone(g), slices.Clone(want)
	slices.Sort(sg)
	slices.Sort(sw)
	if !slices.Equal(sg, sw) {
		t.Fatalf("listed %d SKUs %q, want %d %q", len(g), g, len(want), want)
	}
}

// conforms fails when the fake saw requests or gave answers that break the
// official models.
func conforms(t *testing.T, f *amazonfake.Server) {
	t.Helper()
	if v := f.Violations(); len(v) > 0 {
		t.Errorf("answers break the models:\n%s", strings.Join(v, "\n"))
	}
	for _, r := range f.Requests() {
		if r.Operation != "" && (r.Status == http.StatusBadRequest || r.Status == http.StatusUnsupportedMediaType) {
			t.Errorf("%s %s?%s was refused by the model check (%d): %s", r.Method, r.Path, r.Query, r.Status, r.Body)
		}
		if r.Operation != "" && r.Header.Get("User-Agent") == "" {
			t.Errorf("%s %s: no User-Agent", r.Method, r.Path)
		}
	}
}

// noSecrets fails when an error string holds a secret.
func noSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append(secrets, testSecret, "Atza|", "Atzr|") {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q holds a secret", err)
		}
	}
}

func TestBeginAuth(t *testing.T) {
	for _, tc := range []struct {
		o    amazon.Options
		host string
	}{
		{amazon.Options{ApplicationID: testApp}, "https://sellercentral.amazon.com"},
		{amazon.Options{ApplicationID: testApp, Region: "EU"}, "https://sellercentral-europe.amazon.com"},
		{amazon.Options{ApplicationID: testApp, Region: "fe", Beta: true}, "https://sellercentral.amazon.co.jp"},
	} {
		start, err := amazon.New(tc.o).BeginAuth(ctx, connect.AuthRequest{State: "n0nce", RedirectURI: testRedirect})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(start.URL)
		q := u.Query()
		if got := u.Scheme + "://" + u.Host + u.Path; got != tc.host+"/apps/authorize/consent" {
			t.Errorf("consent URL = %s, want host %s", start.URL, tc.host)
		}
		if q.Get("application_id") != testApp || q.Get("state") != "n0nce" || q.Get("redirect_uri") != testRedirect || (q.Get("version") == "beta") != tc.o.Beta {
			t.Errorf("consent query = %v", q)
		}
		if start.Verifier != "" {
			t.Errorf("Verifier = %q, want none", start.Verifier)
		}
	}
	if _, err := amazon.New(amazon.Options{ApplicationID: testApp}).BeginAuth(ctx, connect.AuthRequest{}); err == nil {
		t.Error("BeginAuth without state succeeded")
	}
	if _, err := amazon.New(amazon.Options{ApplicationID: testApp, Region: "mars"}).BeginAuth(ctx, connect.AuthRequest{State: "s"}); err == nil {
		t.Error("unknown region accepted")
	}
	if amazon.New(amazon.Options{}).Platform() != connect.Amazon {
		t.Error("Platform() is not amazon")
	}
}

func TestAuthorization(t *testing.T) {
	clock := amazonfake.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	b := setup(t, amazonfake.Options{Now: clock.Now, Products: products(3)}, amazon.Options{Now: clock.Now, Region: "na"})

	cb := b.callback(t, "state-1")
	cr, err := b.client.CompleteAuth(ctx, cb)
	if err != nil {
		t.Fatal(err)
	}
	if cr.Account != b.fake.SellerID() || !strings.HasPrefix(cr.AccessToken, "Atza|") || !strings.HasPrefix(cr.RefreshToken, "Atzr|") ||
		!cr.ExpiresAt.Equal(clock.Now().Add(time.Hour)) || cr.Extra["marketplace_id"] != "ATVPDKIKX0DER" || cr.Extra["region"] != "na" {
		t.Fatalf("credentials = %+v", cr)
	}
	// The code is spent.
	_, err = b.client.CompleteAuth(ctx, cb)
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Code != "invalid_grant" {
		t.Errorf("reused code: %v", err)
	}
	noSecrets(t, err, cb.Query.Get("spapi_oauth_code"))

	// The access token works, and Refresh renews it.
	if _, err := b.client.FetchProduct(ctx, cr, "SKU-00"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(50 * time.Minute)
	fresh, err := b.client.Refresh(ctx, cr)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == cr.AccessToken || fresh.RefreshToken != cr.RefreshToken || !fresh.ExpiresAt.Equal(clock.Now().Add(time.Hour)) || fresh.Account != cr.Account {
		t.Errorf("refreshed = %+v", fresh)
	}
	if _, err := b.client.FetchProduct(ctx, fresh, "SKU-00"); err != nil {
		t.Fatal(err)
	}

	// Callbacks without a code or a seller id.
	for name, q := range map[string]url.Values{
		"no code":      {"state": {"s"}, "selling_partner_id": {"A1"}},
		"no seller":    {"state": {"s"}, "spapi_oauth_code": {"ANDGx"}},
		"bad seller":   {"state": {"s"}, "spapi_oauth_code": {"ANDGx"}, "selling_partner_id": {"../x"}},
		"denied empty": {"state": {"s"}},
	} {
		if _, err := b.client.CompleteAuth(ctx, connect.Callback{Query: q, RedirectURI: testRedirect}); err == nil {
			t.Errorf("%s: CompleteAuth succeeded", name)
		}
	}

	// A code older than five minutes.
	cb = b.callback(t, "state-2")
	clock.Advance(5*time.Minute + time.Second)
	_, err = b.client.CompleteAuth(ctx, cb)
	if !errors.As(err, &se) || se.Code != "invalid_grant" || se.Status != 400 {
		t.Errorf("expired code: %v", err)
	}
	noSecrets(t, err, cb.Query.Get("spapi_oauth_code"))

	// A wrong client secret.
	wrong := b.opts
	wrong.ClientSecret = "amzn1.oa2-cs.v1.wrong-secret-value"
	bad := amazon.New(wrong)
	cb = b.callback(t, "state-3")
	_, err = bad.CompleteAuth(ctx, cb)
	if !errors.As(err, &se) || se.Code != "invalid_client" || se.Status != 401 {
		t.Errorf("wrong secret: %v", err)
	}
	noSecrets(t, err, wrong.ClientSecret, cb.Query.Get("spapi_oauth_code"))
	_, err = bad.Refresh(ctx, fresh)
	if !errors.As(err, &se) || se.Code != "invalid_client" {
		t.Errorf("refresh with a wrong secret: %v", err)
	}
	noSecrets(t, err, wrong.ClientSecret, fresh.RefreshToken)

	// The seller removes the app.
	b.fake.RevokeTokens()
	_, err = b.client.Refresh(ctx, fresh)
	if !errors.Is(err, connect.ErrUnauthorized) {
		t.Errorf("revoked refresh: %v", err)
	}
	noSecrets(t, err, fresh.RefreshToken, fresh.AccessToken)
	conforms(t, b.fake)
}

func TestListProducts(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(45), GzipReports: true}, amazon.Options{})
	cr := b.connectSeller(t)
	all, pages := listAll(t, b.client, cr, "")
	sameSKUs(t, all, b.fake)
	if pages != 3 {
		t.Errorf("%d pages, want 3 of 20", pages)
	}
	if n := b.fake.Calls("createReport"); n != 1 {
		t.Errorf("createReport called %d times", n)
	}
	if n := b.fake.Calls("getReportDocument"); n != 1 {
		t.Errorf("getReportDocument called %d times, want 1 (cached)", n)
	}
	page, err := b.client.ListProducts(ctx, cr, "")
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 45 || len(page.Products) != 20 {
		t.Errorf("first page: Total %d, %d products", page.Total, len(page.Products))
	}
	// The mapping.
	var p *catalog.Product
	for _, x := range all {
		if x.ExternalID == "SKU-01" {
			p = x
		}
	}
	if p == nil {
		t.Fatal("SKU-01 not listed")
	}
	l, _ := b.fake.Listing("SKU-01")
	if p.Source != catalog.SourceAmazon || p.Handle != "SKU-01" || p.Title != "Product 01" || p.BodyHTML != "Made by hand. Number 1 of the range." ||
		p.Vendor != "Acme" || p.ProductType != "WALL_ART" || p.Status != catalog.StatusActive {
		t.Errorf("product = %+v", p)
	}
	if p.Metadata[amazon.MetaASIN] != l.ASIN || p.Metadata[amazon.MetaProductType] != "WALL_ART" ||
		p.Metadata[amazon.MetaBullets] != `["Made by hand.","Number 1 of the range."]` || p.Metadata[amazon.MetaKeywords] != `["gift tag1"]` {
		t.Errorf("metadata = %v", p.Metadata)
	}
	if len(p.Images) != 1 || p.Images[0].Src != "https://cdn.example.com/p1.jpg" || p.Images[0].Width != 1200 || p.Images[0].ExternalID != "main_product_image_locator" {
		t.Errorf("images = %+v", p.Images)
	}
	if len(p.Variants) != 1 || p.Variants[0].SKU != "SKU-01" || p.Variants[0].Price == nil || p.Variants[0].Price.Amount != "11.5" || p.Variants[0].Price.Currency != "USD" {
		t.Errorf("variants = %+v", p.Variants)
	}
	for _, x := range all {
		if x.ExternalID == "SKU-06" && x.Status != catalog.StatusDraft {
			t.Errorf("draft listed as %s", x.Status)
		}
	}
	conforms(t, b.fake)
}

func TestListProductsResumes(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(45)}, amazon.Options{})
	cr := b.connectSeller(t)
	first, err := b.client.ListProducts(ctx, cr, "")
	if err != nil {
		t.Fatal(err)
	}
	// Another process resumes: no cache, same report.
	other := amazon.New(b.opts)
	rest, _ := listAll(t, other, cr, first.Next)
	sameSKUs(t, append(first.Products, rest...), b.fake)
	if n := b.fake.Calls("createReport"); n != 1 {
		t.Errorf("createReport called %d times, want 1", n)
	}
	if n := b.fake.Calls("getReportDocument"); n != 2 {
		t.Errorf("getReportDocument called %d times, want 2 (one per process)", n)
	}
	// Resuming the same cursor twice gives the same page.
	a, err := b.client.ListProducts(ctx, cr, first.Next)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.client.ListProducts(ctx, cr, first.Next)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(skusOf(a.Products), skusOf(c.Products)) || a.Next != c.Next {
		t.Error("the same cursor gave different pages")
	}
	// A SKU deleted since the report is skipped, not an error.
	gone := a.Products[0].ExternalID
	b.fake.DeleteListing(gone)
	d, err := b.client.ListProducts(ctx, cr, first.Next)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(skusOf(d.Products), gone) || len(d.Products) != len(a.Products)-1 {
		t.Errorf("after deleting %s: %q", gone, skusOf(d.Products))
	}
	for _, bad := range []string{"nope", "eyJ2IjoyfQ", "eyJ2IjoxfQ"} {
		if _, err := b.client.ListProducts(ctx, cr, bad); err == nil {
			t.Errorf("cursor %q accepted", bad)
		}
	}
	conforms(t, b.fake)
}

func TestListProductsWaitsForTheReport(t *testing.T) {
	clock := amazonfake.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	b := setup(t, amazonfake.Options{Products: products(25), Now: clock.Now, ReportDelay: 10 * time.Minute},
		amazon.Options{Now: clock.Now, ReportPollInterval: time.Millisecond, ReportWait: 3 * time.Millisecond})
	cr := b.connectSeller(t)
	page, err := b.client.ListProducts(ctx, cr, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Products) != 0 || page.Next == "" || page.Total != -1 {
		t.Fatalf("page while processing = %+v", page)
	}
	if n := b.fake.Calls("getReport"); n != 3 {
		t.Errorf("getReport polled %d times, want 3", n)
	}
	page2, err := b.client.ListProducts(ctx, cr, page.Next)
	if err != nil || len(page2.Products) != 0 || page2.Next == "" {
		t.Fatalf("still processing: %+v %v", page2, err)
	}
	clock.Advance(10 * time.Minute)
	all, _ := listAll(t, b.client, cr, page2.Next)
	sameSKUs(t, all, b.fake)
	if n := b.fake.Calls("createReport"); n != 1 {
		t.Errorf("createReport called %d times, want 1", n)
	}
	conforms(t, b.fake)
}

func TestListProductsReportFails(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(3)}, amazon.Options{})
	cr := b.connectSeller(t)
	b.fake.FailNextReport("FATAL")
	_, err := b.client.ListProducts(ctx, cr, "")
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Code != "FATAL" || se.Platform != connect.Amazon {
		t.Errorf("FATAL report: %v", err)
	}
	// Amazon cancels the report of a seller with no listings: an empty store.
	b.fake.FailNextReport("CANCELLED")
	page, err := b.client.ListProducts(ctx, cr, "")
	if err != nil || len(page.Products) != 0 || page.Next != "" || page.Total != 0 {
		t.Errorf("CANCELLED report: %+v, %v", page, err)
	}
	all, _ := listAll(t, b.client, cr, "")
	sameSKUs(t, all, b.fake)
	conforms(t, b.fake)
}

func TestFetchProduct(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(7)}, amazon.Options{})
	cr := b.connectSeller(t)
	for _, sku := range []string{"BOX/7 large", "product-05", "SKU-02-2"} {
		p, err := b.client.FetchProduct(ctx, cr, sku)
		if err != nil {
			t.Fatalf("%s: %v", sku, err)
		}
		if p.ExternalID != sku || p.Title == "" {
			t.Errorf("%s: %+v", sku, p)
		}
	}
	_, err := b.client.FetchProduct(ctx, cr, "NO-SUCH-SKU")
	if !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("missing SKU: %v", err)
	}
	// A seller edit shows.
	b.fake.EditListing("SKU-00", func(l *amazonfake.Listing) {
		l.SetText("item_name", "Edited in Seller Central")
		l.Issues = []amazonfake.Issue{{Code: "90220", Message: "'size' is required but not supplied.", Severity: "ERROR", Categories: []string{"MISSING_ATTRIBUTE"}}}
	})
	p, err := b.client.FetchProduct(ctx, cr, "SKU-00")
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Edited in Seller Central" || !strings.Contains(p.Metadata[amazon.MetaIssues], "'size' is required") {
		t.Errorf("edited = %+v", p)
	}
	conforms(t, b.fake)
}

func strp(s string) *string { return &s }

func TestUpdate(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(5)}, amazon.Options{})
	cr := b.connectSeller(t)
	sku := "BOX/7 large"
	f := connect.Fields{
		Title:           strp("Storage Box, Large, Oak"),
		DescriptionHTML: strp("A large oak box.<br>Fits A4 paper."),
		Bullets:         &[]string{"Solid oak", "Fits A4 paper", "  "},
		Keywords:        &[]string{"storage chest", "wooden  crate"},
		SEOTitle:        strp("ignored"),
		Tags:            &[]string{"ignored"},
	}
	p, err := b.client.Update(ctx, cr, sku, f)
	if err != nil {
		t.Fatal(err)
	}
	check := func(p *catalog.Product) {
		t.Helper()
		if p.Title != *f.Title || p.BodyHTML != *f.DescriptionHTML || p.Metadata[amazon.MetaBullets] != `["Solid oak","Fits A4 paper"]` ||
			p.Metadata[amazon.MetaKeywords] != `["storage chest wooden crate"]` {
			t.Errorf("product = %+v", p)
		}
	}
	check(p)
	again, err := b.client.FetchProduct(ctx, cr, sku)
	if err != nil {
		t.Fatal(err)
	}
	check(again)
	l, _ := b.fake.Listing(sku)
	if l.Text("item_name") != *f.Title || !slices.Equal(l.Texts("bullet_point"), []string{"Solid oak", "Fits A4 paper"}) {
		t.Errorf("fake listing = %v", l.Attributes)
	}
	for _, v := range l.Attributes["bullet_point"] {
		if v["language_tag"] != "en_US" || v["marketplace_id"] != "ATVPDKIKX0DER" {
			t.Errorf("bullet value = %v", v)
		}
	}

	// Emptied lists are deleted; fields Amazon lacks send nothing.
	p, err = b.client.Update(ctx, cr, sku, connect.Fields{Bullets: &[]string{}, Keywords: &[]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Metadata[amazon.MetaBullets] != "" || p.Metadata[amazon.MetaKeywords] != "" || p.Title != *f.Title {
		t.Errorf("after emptying: %+v", p.Metadata)
	}
	patches := b.fake.Calls("patchListingsItem")
	if _, err := b.client.Update(ctx, cr, sku, connect.Fields{SEOTitle: strp("x"), ImageAlts: map[string]string{"main_product_image_locator": "alt"}}); err != nil {
		t.Fatal(err)
	}
	if b.fake.Calls("patchListingsItem") != patches {
		t.Error("an update of fields Amazon lacks sent a patch")
	}
	_, err = b.client.Update(ctx, cr, "NO-SUCH-SKU", f)
	if !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("missing SKU: %v", err)
	}
	conforms(t, b.fake)
}

func TestUpdateInvalid(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(2)}, amazon.Options{})
	cr := b.connectSeller(t)
	_, err := b.client.Update(ctx, cr, "SKU-00", connect.Fields{Title: strp(strings.Repeat("Long ", 41)), Bullets: &[]string{"changed"}})
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Platform != connect.Amazon || !strings.Contains(se.Message, "it must be at most 200 characters") {
		t.Fatalf("INVALID: %v", err)
	}
	if l, _ := b.fake.Listing("SKU-00"); l.Text("item_name") != "Product 00" || slices.Contains(l.Texts("bullet_point"), "changed") {
		t.Errorf("an INVALID submission changed the listing: %v", l.Attributes)
	}
	_, err = b.client.Update(ctx, cr, "SKU-00", connect.Fields{Title: strp("")})
	if !errors.As(err, &se) || !strings.Contains(se.Message, "must not be empty") {
		t.Errorf("empty title: %v", err)
	}
	conforms(t, b.fake)
}

func TestErrorAnswers(t *testing.T) {
	// A marketplace the seller does not sell in: 400 {"errors":[...]}.
	b := setup(t, amazonfake.Options{Products: products(2)}, amazon.Options{MarketplaceID: "A1PA6795UKMFR9"})
	cr := b.connectSeller(t)
	if cr.Extra["marketplace_id"] != "A1PA6795UKMFR9" {
		t.Fatalf("Extra = %v", cr.Extra)
	}
	_, err := b.client.FetchProduct(ctx, cr, "SKU-00")
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Status != 400 || se.Code != "InvalidInput" || !strings.Contains(se.Message, "does not participate") {
		t.Errorf("foreign marketplace: %v", err)
	}
	noSecrets(t, err, cr.AccessToken, cr.RefreshToken)
	_, err = b.client.ListProducts(ctx, cr, "")
	if !errors.As(err, &se) || se.Status != 400 {
		t.Errorf("foreign marketplace report: %v", err)
	}
	// Credentials carrying their marketplace win over the client's.
	cr.Extra["marketplace_id"] = "ATVPDKIKX0DER"
	if _, err := b.client.FetchProduct(ctx, cr, "SKU-00"); err != nil {
		t.Errorf("credentials' marketplace: %v", err)
	}
	if _, err := b.client.FetchProduct(ctx, &connect.Credentials{}, "SKU-00"); err == nil {
		t.Error("empty credentials accepted")
	}
}

func TestUnauthorized(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(3)}, amazon.Options{})
	cr := b.connectSeller(t)
	b.fake.RevokeTokens()
	_, err1 := b.client.ListProducts(ctx, cr, "")
	_, err2 := b.client.FetchProduct(ctx, cr, "SKU-00")
	_, err3 := b.client.Update(ctx, cr, "SKU-00", connect.Fields{Title: strp("x")})
	noRefresh := *cr
	noRefresh.RefreshToken = ""
	_, err4 := b.client.FetchProduct(ctx, &noRefresh, "SKU-00")
	for i, err := range []error{err1, err2, err3, err4} {
		if !errors.Is(err, connect.ErrUnauthorized) {
			t.Errorf("call %d: %v, want ErrUnauthorized", i+1, err)
		}
		noSecrets(t, err, cr.AccessToken, cr.RefreshToken)
	}
}

func TestExpiredAccessTokenIsRefreshed(t *testing.T) {
	clock := amazonfake.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	b := setup(t, amazonfake.Options{Products: products(30), Now: clock.Now}, amazon.Options{Now: clock.Now})
	cr := b.connectSeller(t)
	// Amazon refuses a token the credentials think is good: refresh, retry.
	b.fake.ExpireAccessTokens()
	if _, err := b.client.FetchProduct(ctx, cr, "SKU-00"); err != nil {
		t.Fatalf("after the token expired early: %v", err)
	}
	// Credentials past their expiry are refreshed before the call, once.
	clock.Advance(2 * time.Hour)
	tokens := 0
	for range 3 {
		if _, err := b.client.FetchProduct(ctx, cr, "SKU-01"); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range b.fake.Requests() {
		if r.Path == "/auth/o2/token" && strings.Contains(string(r.Body), "grant_type=refresh_token") {
			tokens++
		}
	}
	if tokens != 2 {
		t.Errorf("%d refreshes, want 2 (one per expiry)", tokens)
	}
	if n := b.fake.Calls("getListingsItem"); n != 5 {
		t.Errorf("%d getListingsItem calls, want 5 (one refused)", n)
	}

	// Concurrent reads refused at once share one refresh.
	first, err := b.client.ListProducts(ctx, cr, "")
	if err != nil {
		t.Fatal(err)
	}
	b.fake.ExpireAccessTokens()
	refreshes := func() int {
		n := 0
		for _, r := range b.fake.Requests() {
			if r.Path == "/auth/o2/token" && strings.Contains(string(r.Body), "grant_type=refresh_token") {
				n++
			}
		}
		return n
	}
	before := refreshes()
	rest, _ := listAll(t, b.client, cr, first.Next)
	sameSKUs(t, append(first.Products, rest...), b.fake)
	if n := refreshes() - before; n != 1 {
		t.Errorf("%d refreshes while listing, want 1", n)
	}
}

func TestFaultsLoseNothing(t *testing.T) {
	b := setup(t, amazonfake.Options{Products: products(45), GzipReports: true}, amazon.Options{MaxRetries: 8})
	cb := b.callback(t, "state-1") // the seller's browser is not faulted
	b.fake.Faults().Set(faultplan.Plan{Rate: 0.3, Seed: 7, Kinds: []faultplan.Kind{faultplan.Throttle, faultplan.ServerError, faultplan.Unavailable, faultplan.Drop}})
	cr, err := b.client.CompleteAuth(ctx, cb)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := listAll(t, b.client, cr, "")
	sameSKUs(t, all, b.fake)
	for i := range 10 {
		sku := fmt.Sprintf("SKU-%02d", 10+i)
		title := fmt.Sprintf("Renamed %d", i)
		p, err := b.client.Update(ctx, cr, sku, connect.Fields{Title: &title, Bullets: &[]string{"One", "Two"}})
		if err != nil {
			t.Fatalf("update %s: %v", sku, err)
		}
		if p.Title != title {
			t.Errorf("%s: title %q", sku, p.Title)
		}
		if l, _ := b.fake.Listing(sku); l.Text("item_name") != title || !slices.Equal(l.Texts("bullet_point"), []string{"One", "Two"}) {
			t.Errorf("%s: fake has %v", sku, l.Attributes)
		}
	}
	inj := b.fake.Faults().Injected()
	if inj[faultplan.Throttle] == 0 || inj[faultplan.ServerError] == 0 || inj[faultplan.Unavailable] == 0 || inj[faultplan.Drop] == 0 {
		t.Errorf("faults injected = %v, want every kind", inj)
	}
	if b.client.RateLimit().Throttled == 0 {
		t.Error("RateLimit().Throttled = 0 after 429s")
	}
	conforms(t, b.fake)
}

func TestUsagePlanThrottling(t *testing.T) {
	// The fake allows 50/s with a burst of 2; the client starts with the
	// model's 5/s burst 10, learns 50/s from the header and waits out the
	// 429s it runs into.
	b := setup(t, amazonfake.Options{Products: products(30), RateScale: 1,
		RateLimits: map[string]amazonfake.RateLimit{"getListingsItem": {Rate: 50, Burst: 2}, "createReport": {Rate: 10, Burst: 10},
			"getReportDocument": {Rate: 10, Burst: 10}}},
		amazon.Options{MaxRetries: 10, MaxBackoff: 100 * time.Millisecond})
	cr := b.connectSeller(t)
	all, _ := listAll(t, b.client, cr, "")
	sameSKUs(t, all, b.fake)
	rs := b.client.RateLimit()
	if rs.Throttled == 0 || rs.Limit != 50 || rs.UpdatedAt.IsZero() || rs.RemainingToday != -1 {
		t.Errorf("RateLimit() = %+v", rs)
	}
	throttled := 0
	for _, r := range b.fake.Requests() {
		if r.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("the fake answered no 429")
	}
	conforms(t, b.fake)
}

func TestWebhooksArePolled(t *testing.T) {
	c := amazon.New(amazon.Options{})
	if _, err := c.VerifyWebhook(http.Header{}, []byte(`{}`)); !errors.Is(err, connect.ErrBadSignature) {
		t.Errorf("VerifyWebhook = %v", err)
	}
	if err := c.RegisterWebhooks(ctx, &connect.Credentials{}, "https://x"); err != nil {
		t.Error(err)
	}
	if err := c.Deregister(ctx, &connect.Credentials{}); err != nil {
		t.Error(err)
	}
}

func TestShopifySamples(t *testing.T) {
	files, _ := filepath.Glob("../../../../shared/data/shopify-csvs/*.csv")
	if len(files) == 0 {
		t.Skip("shopify-csvs not found")
	}
	var ps []*catalog.Product
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := csvfile.NewReader(bytes.NewReader(data), csvfile.Options{})
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
				ps = append(ps, it.Product)
			}
		}
	}
	b := setup(t, amazonfake.Options{Products: ps}, amazon.Options{})
	cr := b.connectSeller(t)
	all, _ := listAll(t, b.client, cr, "")
	sameSKUs(t, all, b.fake)
	if len(all) != len(ps) {
		t.Errorf("%d products listed, %d seeded", len(all), len(ps))
	}
	byTitle := map[string]bool{}
	for _, p := range all {
		byTitle[p.Title] = true
	}
	for _, p := range ps {
		if !byTitle[p.Title] {
			t.Errorf("%q not listed", p.Title)
		}
	}
	conforms(t, b.fake)
}

// TestSandboxWiring serves the fake the way the sandbox does: unstarted,
// mounted under a prefix of another server, with the client pointed at it.
func TestSandboxWiring(t *testing.T) {
	fake := amazonfake.NewUnstarted(amazonfake.Options{
		ApplicationID: testApp, ClientID: testClientID, ClientSecret: testSecret,
		Products: products(25), RateScale: 100, ReportDelay: 20 * time.Millisecond, GzipReports: true,
	})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/amazon/", http.StripPrefix("/sandbox/amazon", fake))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base := srv.URL + "/sandbox/amazon"
	fake.SetPublicURL(base)

	b := &bundle{fake: fake, client: amazon.New(amazon.Options{
		ApplicationID: testApp, ClientID: testClientID, ClientSecret: testSecret,
		APIBaseURL: base, SellerCentralURL: base, LWAURL: base + "/auth/o2/token",
		ReportPollInterval: 5 * time.Millisecond,
	})}
	cr := b.connectSeller(t)
	all, _ := listAll(t, b.client, cr, "")
	sameSKUs(t, all, fake)
	if _, err := b.client.Update(ctx, cr, "SKU-01", connect.Fields{Title: strp("From the sandbox")}); err != nil {
		t.Fatal(err)
	}
	conforms(t, fake)
}
