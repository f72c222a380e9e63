package shopify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
)

const (
	testClientID     = "test-client-id"
	testClientSecret = "test-client-secret-0123456789"
	testRedirect     = "https://app.plutopro.test/connect/shopify/callback"
)

var start = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testBundle is a fake Shopify and a client pointed at it, on one manual
// clock: the client's waits move the clock instead of sleeping.
type testBundle struct {
	fake   *shopifyfake.Server
	client *shopify.Client
	clock  *shopifyfake.ManualClock
}

func setup(t *testing.T, opts shopifyfake.Options, copts ...func(*shopify.Options)) *testBundle {
	t.Helper()
	clock := shopifyfake.NewManualClock(start)
	opts.ClientID, opts.ClientSecret, opts.Now = testClientID, testClientSecret, clock.Now
	fake := shopifyfake.New(opts)
	t.Cleanup(fake.Close)
	o := shopify.Options{
		ClientID:         testClientID,
		ClientSecret:     testClientSecret,
		BaseURL:          fake.BaseURL,
		HTTPClient:       fake.Client(),
		Now:              clock.Now,
		Sleep:            clock.Sleep,
		BulkPollInterval: 500 * time.Millisecond,
	}
	for _, f := range copts {
		f(&o)
	}
	return &testBundle{fake: fake, client: shopify.New(o), clock: clock}
}

// noRedirects is a client that hands back the authorize page's redirect.
func noRedirects(fake *shopifyfake.Server) *http.Client {
	c := *fake.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// authorize runs BeginAuth and follows the authorize URL to the callback.
func (b *testBundle) authorize(t *testing.T, shop string) (connect.AuthStart, url.Values) {
	t.Helper()
	st, err := b.client.BeginAuth(context.Background(), connect.AuthRequest{State: "nonce-123", RedirectURI: testRedirect, Shop: shop})
	if err != nil {
		t.Fatalf("BeginAuth: %v", err)
	}
	resp, err := noRedirects(b.fake).Get(st.URL)
	if err != nil {
		t.Fatalf("GET authorize: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize status = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testRedirect {
		t.Fatalf("redirected to %s, want %s", got, testRedirect)
	}
	return st, loc.Query()
}

// connectShop runs the whole OAuth flow and returns the credentials.
func (b *testBundle) connectShop(t *testing.T) *connect.Credentials {
	t.Helper()
	st, q := b.authorize(t, b.fake.Shop())
	cr, err := b.client.CompleteAuth(context.Background(), connect.Callback{Query: q, RedirectURI: testRedirect, Shop: st.Shop})
	if err != nil {
		t.Fatalf("CompleteAuth: %v", err)
	}
	return cr
}

// listAll pages through every product.
func listAll(t *testing.T, b *testBundle, cr *connect.Credentials) []*catalog.Product {
	t.Helper()
	var out []*catalog.Product
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("ListProducts never ends")
		}
		page, err := b.client.ListProducts(context.Background(), cr, cursor)
		if err != nil {
			t.Fatalf("ListProducts(%q): %v", cursor, err)
		}
		out = append(out, page.Products...)
		if page.Next == "" {
			return out
		}
		cursor = page.Next
	}
}

func intp(n int) *int { return &n }

// handBuilt are a few products as a seller might have them.
func handBuilt() []*catalog.Product {
	return []*catalog.Product{
		{
			Handle: "blue-mug", Title: "Blue Mug", BodyHTML: "<p>A sturdy <b>blue</b> mug.</p>",
			Vendor: "Acme", ProductType: "Mugs", Category: "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs",
			Tags: []string{"kitchen", "blue"}, Status: catalog.StatusActive,
			SEOTitle: "Blue Mug | Acme", SEODescription: "A sturdy blue mug.",
			Options: []catalog.Option{{Name: "Size", Values: []string{"8oz", "12oz"}}},
			Variants: []catalog.Variant{
				{SKU: "MUG-BL-8", OptionValues: []string{"8oz"}, Price: &catalog.Money{Amount: "12"}, InventoryQty: intp(4)},
				{SKU: "MUG-BL-12", Barcode: "0123456789012", OptionValues: []string{"12oz"}, Price: &catalog.Money{Amount: "14.5"}, CompareAtPrice: &catalog.Money{Amount: "16"}},
			},
			Images: []catalog.Image{
				{Src: "https://cdn.example.com/mug-front.jpg", Position: 1, Alt: "Blue mug, front", Width: 1024, Height: 1024},
				{Src: "https://cdn.example.com/mug-side.jpg", Position: 2, Alt: "", Width: 800, Height: 600},
			},
		},
		{
			Handle: "linen-shirt", Title: "Linen Shirt", BodyHTML: "Breathable linen.", Vendor: "Thread & Co",
			ProductType: "Shirts", Tags: []string{"summer"}, Status: catalog.StatusDraft,
			Options: []catalog.Option{{Name: "Size", Values: []string{"S", "M"}}, {Name: "Color", Values: []string{"White", "Sand"}}},
			Variants: []catalog.Variant{
				{SKU: "LS-S-W", OptionValues: []string{"S", "White"}, Price: &catalog.Money{Amount: "49"}},
				{SKU: "LS-M-W", OptionValues: []string{"M", "White"}, Price: &catalog.Money{Amount: "49"}},
				{SKU: "LS-S-S", OptionValues: []string{"S", "Sand"}, Price: &catalog.Money{Amount: "52"}},
			},
			Images: []catalog.Image{{Src: "https://cdn.example.com/shirt.jpg", Position: 1, Alt: "Linen shirt"}},
		},
		{
			Handle: "gift-card", Title: "Gift Card", Status: catalog.StatusActive,
			Options:  []catalog.Option{{Name: "Title", Values: []string{"Default Title"}}},
			Variants: []catalog.Variant{{OptionValues: []string{"Default Title"}, Price: &catalog.Money{Amount: "25"}}},
		},
	}
}

// generated makes n simple products; every seventh has 23 variants and 14
// images, more than a page reads inline.
func generated(n int) []*catalog.Product {
	out := make([]*catalog.Product, n)
	for i := range out {
		p := &catalog.Product{
			Handle: fmt.Sprintf("item-%03d", i), Title: fmt.Sprintf("Item %03d", i),
			BodyHTML: fmt.Sprintf("<p>Item number %d.</p>", i), Vendor: "Gen", Tags: []string{fmt.Sprintf("t%d", i%5)},
			Options: []catalog.Option{{Name: "Size", Values: nil}},
		}
		variants, images := 2, 1
		if i%7 == 3 {
			variants, images = 23, 14
		}
		for v := range variants {
			size := fmt.Sprintf("S%02d", v)
			p.Options[0].Values = append(p.Options[0].Values, size)
			p.Variants = append(p.Variants, catalog.Variant{SKU: fmt.Sprintf("G%03d-%02d", i, v), OptionValues: []string{size}, Price: &catalog.Money{Amount: fmt.Sprintf("%d.5", 10+v)}})
		}
		for im := range images {
			p.Images = append(p.Images, catalog.Image{Src: fmt.Sprintf("https://cdn.example.com/g%03d-%02d.jpg", i, im), Position: im + 1, Alt: fmt.Sprintf("Item %d view %d", i, im)})
		}
		out[i] = p
	}
	return out
}

// checkSame fails unless got holds exactly the fake's products, each once,
// with their variants and images.
func checkSame(t *testing.T, fake *shopifyfake.Server, got []*catalog.Product) {
	t.Helper()
	want := fake.Products()
	seen := map[string]bool{}
	for _, p := range got {
		if seen[p.ExternalID] {
			t.Errorf("product %s listed twice", p.ExternalID)
		}
		seen[p.ExternalID] = true
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d products, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ExternalID != w.ID || g.Title != w.Title || g.Handle != w.Handle || g.BodyHTML != w.DescriptionHTML || g.Source != catalog.SourceShopify {
			t.Errorf("product %d = %s %q %q, want %s %q %q", i, g.ExternalID, g.Handle, g.Title, w.ID, w.Handle, w.Title)
		}
		if len(g.Variants) != len(w.Variants) || len(g.Images) != len(w.Media) {
			t.Errorf("product %s: %d variants, %d images; want %d, %d", w.ID, len(g.Variants), len(g.Images), len(w.Variants), len(w.Media))
			continue
		}
		for j, v := range w.Variants {
			if g.Variants[j].SKU != v.SKU || strings.Join(g.Variants[j].OptionValues, "/") != strings.Join(v.OptionValues, "/") {
				t.Errorf("product %s variant %d = %q %v, want %q %v", w.ID, j, g.Variants[j].SKU, g.Variants[j].OptionValues, v.SKU, v.OptionValues)
			}
		}
		for j, m := range w.Media {
			if g.Images[j].ExternalID != m.ID || g.Images[j].Src != m.URL || g.Images[j].Alt != m.Alt || g.Images[j].Position != j+1 {
				t.Errorf("product %s image %d = %+v, want %s %s %q", w.ID, j, g.Images[j], m.ID, m.URL, m.Alt)
			}
		}
	}
}
