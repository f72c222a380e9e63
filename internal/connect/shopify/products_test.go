package shopify_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
)

func TestListProductsPages(t *testing.T) {
	seed := append(handBuilt(), generated(44)...)
	b := setup(t, shopifyfake.Options{Products: seed})
	cr := b.connectShop(t)

	page, err := b.client.ListProducts(context.Background(), cr, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Products) != 20 || page.Next == "" || page.Total != 47 {
		t.Fatalf("first page: %d products, next %q, total %d; want 20, a cursor, 47", len(page.Products), page.Next, page.Total)
	}
	got := listAll(t, b, cr)
	checkSame(t, b.fake, got)

	mug := got[0]
	if mug.Title != "Blue Mug" || mug.Vendor != "Acme" || mug.ProductType != "Mugs" || mug.Status != catalog.StatusActive ||
		mug.SEOTitle != "Blue Mug | Acme" || mug.SEODescription != "A sturdy blue mug." ||
		mug.Category != "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs" ||
		strings.Join(mug.Tags, ",") != "blue,kitchen" || mug.CreatedAt.IsZero() {
		t.Errorf("mug = %+v", mug)
	}
	if v := mug.Variants[1]; v.SKU != "MUG-BL-12" || v.Barcode != "0123456789012" || v.Price.Amount != "14.5" ||
		v.CompareAtPrice == nil || v.CompareAtPrice.Amount != "16" || v.InventoryQty != nil {
		t.Errorf("mug variant 2 = %+v", v)
	}
	if v := mug.Variants[0]; v.InventoryQty == nil || *v.InventoryQty != 4 || v.CompareAtPrice != nil {
		t.Errorf("mug variant 1 = %+v", v)
	}
	if im := mug.Images[0]; !strings.HasPrefix(im.ExternalID, "gid://shopify/MediaImage/") || im.Width != 1024 || im.Alt != "Blue mug, front" {
		t.Errorf("mug image = %+v", im)
	}
	if shirt := got[1]; shirt.Status != catalog.StatusDraft || len(shirt.Options) != 2 || strings.Join(shirt.Variants[2].OptionValues, "/") != "S/Sand" {
		t.Errorf("shirt = %+v", shirt)
	}
	if gc := got[2]; len(gc.Images) != 0 || len(gc.Variants) != 1 || gc.Variants[0].OptionValues[0] != "Default Title" {
		t.Errorf("gift card = %+v", gc)
	}
	// A product with 23 variants and 14 images came back whole.
	big := got[3+3]
	if len(big.Variants) != 23 || len(big.Images) != 14 {
		t.Errorf("big product: %d variants, %d images; want 23, 14", len(big.Variants), len(big.Images))
	}
	if rs := b.client.RateLimit(); rs.Limit != shopifyfake.DefaultBucketSize || rs.Remaining <= 0 || rs.UpdatedAt.IsZero() {
		t.Errorf("RateLimit = %+v", rs)
	}
}

func TestListAllBulk(t *testing.T) {
	seed := append(handBuilt(), generated(60)...)
	b := setup(t, shopifyfake.Options{Products: seed, BulkDelay: 3 * time.Second})
	cr := b.connectShop(t)

	paged := listAll(t, b, cr)
	bulk, err := b.client.ListAllBulk(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, b.fake, bulk)
	for i := range paged {
		if paged[i].ContentHash() != bulk[i].ContentHash() {
			t.Errorf("product %s differs between pages and bulk:\n%+v\n%+v", paged[i].ExternalID, paged[i], bulk[i])
		}
	}
	// The result was downloaded without the access token.
	var downloads int
	for _, r := range b.fake.Requests() {
		if strings.HasPrefix(r.Path, "/bulk/") {
			downloads++
			if r.HadToken {
				t.Error("the access token was sent with the bulk result download")
			}
		}
	}
	if downloads != 1 {
		t.Errorf("%d downloads, want 1", downloads)
	}

	// ListAll picks pages below the threshold and bulk above it.
	for _, tt := range []struct {
		threshold int
		bulk      bool
	}{{1000, false}, {10, true}} {
		c := setup(t, shopifyfake.Options{Products: seed}, func(o *shopify.Options) { o.BulkThreshold = tt.threshold })
		cr := c.connectShop(t)
		all, err := c.client.ListAll(context.Background(), cr)
		if err != nil {
			t.Fatal(err)
		}
		checkSame(t, c.fake, all)
		usedBulk := false
		for _, r := range c.fake.Requests() {
			usedBulk = usedBulk || strings.Contains(string(r.Body), "bulkOperationRunQuery")
		}
		if usedBulk != tt.bulk {
			t.Errorf("threshold %d: used bulk = %v, want %v", tt.threshold, usedBulk, tt.bulk)
		}
	}
}

func TestListAllBulkWaitsForAnother(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt(), BulkDelay: 5 * time.Second})
	cr := b.connectShop(t)
	// Someone else's bulk query is running.
	const other = `{ products { edges { node { id title } } } }`
	status, body := postGraphQL(t, b.fake, cr.AccessToken, `mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } userErrors { message } } }`, map[string]any{"q": other})
	if status != 200 || !strings.Contains(body, "BulkOperation/") {
		t.Fatalf("start other bulk: %d %s", status, body)
	}
	got, err := b.client.ListAllBulk(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, b.fake, got)
}

func TestFetchProduct(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: append(handBuilt(), generated(4)...)})
	cr := b.connectShop(t)
	want := b.fake.Products()[6] // 23 variants, 14 images
	for _, id := range []string{want.ID, strings.TrimPrefix(want.ID, "gid://shopify/Product/")} {
		p, err := b.client.FetchProduct(context.Background(), cr, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.ExternalID != want.ID || p.Title != want.Title || len(p.Variants) != 23 || len(p.Images) != 14 {
			t.Errorf("FetchProduct(%s) = %s %q, %d variants, %d images", id, p.ExternalID, p.Title, len(p.Variants), len(p.Images))
		}
	}
	if _, err := b.client.FetchProduct(context.Background(), cr, "gid://shopify/Product/1"); !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("FetchProduct(missing) = %v, want ErrNotFound", err)
	}
}

func TestListWithFaults(t *testing.T) {
	kinds := []faultplan.Kind{faultplan.Throttle, faultplan.ServerError, faultplan.Unavailable, faultplan.Drop}
	for _, tt := range []struct {
		name string
		bulk bool
	}{{"pages", false}, {"bulk", true}} {
		t.Run(tt.name, func(t *testing.T) {
			// A small bucket makes real throttling too, on top of the faults.
			b := setup(t, shopifyfake.Options{Products: append(handBuilt(), generated(57)...), BucketSize: 1000, RestoreRate: 50})
			cr := b.connectShop(t)
			b.fake.SetFaults(faultplan.Plan{Rate: 0.3, Kinds: kinds, Seed: 7, RetryAfter: 2 * time.Second})
			var got []*catalog.Product
			if tt.bulk {
				var err error
				if got, err = b.client.ListAllBulk(context.Background(), cr); err != nil {
					t.Fatal(err)
				}
			} else {
				got = listAll(t, b, cr)
			}
			checkSame(t, b.fake, got)
			inj := b.fake.Injected()
			for _, k := range kinds {
				if inj[k] == 0 {
					t.Errorf("no %s fault injected (%v)", k, inj)
				}
			}
			if b.client.RateLimit().Throttled == 0 {
				t.Error("RateLimit().Throttled = 0 after throttling")
			}
		})
	}
}

func TestUnauthorizedAfterUninstall(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	cr := b.connectShop(t)
	if _, err := b.fake.Uninstall(b.fake.Shop()); err != nil {
		t.Fatal(err)
	}
	_, err := b.client.ListProducts(context.Background(), cr, "")
	if !errors.Is(err, connect.ErrUnauthorized) {
		t.Fatalf("ListProducts after uninstall = %v, want ErrUnauthorized", err)
	}
	_, rerr := b.client.Refresh(context.Background(), cr)
	if !errors.Is(rerr, connect.ErrUnauthorized) {
		t.Fatalf("Refresh after uninstall = %v, want ErrUnauthorized", rerr)
	}
	for _, e := range []error{err, rerr} {
		for _, secret := range []string{cr.AccessToken, cr.RefreshToken, testClientSecret} {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("error %q holds a secret", e)
			}
		}
	}
}

func TestShopifySampleCSVs(t *testing.T) {
	dir := "../../../../shared/data/shopify-csvs"
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(files) == 0 {
		t.Skip("shared/data/shopify-csvs not found")
	}
	var seed []*catalog.Product
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := csvfile.NewReader(f, csvfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.Product != nil {
				seed = append(seed, it.Product)
			}
		}
		f.Close()
	}
	b := setup(t, shopifyfake.Options{Products: seed})
	cr := b.connectShop(t)
	for _, tt := range []struct {
		name string
		list func() []*catalog.Product
	}{
		{"pages", func() []*catalog.Product { return listAll(t, b, cr) }},
		{"bulk", func() []*catalog.Product {
			ps, err := b.client.ListAllBulk(context.Background(), cr)
			if err != nil {
				t.Fatal(err)
			}
			return ps
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.list()
			checkSame(t, b.fake, got)
			var nv, ni int
			for _, p := range got {
				nv += len(p.Variants)
				ni += len(p.Images)
			}
			if len(got) != 60 || nv != 66 || ni != 82 {
				t.Errorf("products, variants, images = %d, %d, %d; want 60, 66, 82", len(got), nv, ni)
			}
		})
	}
}
