package shopify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
)

func ptr[T any](v T) *T { return &v }

func TestUpdate(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	cr := b.connectShop(t)
	ctx := context.Background()
	mug := b.fake.Products()[0]
	front, side := mug.Media[0].ID, mug.Media[1].ID

	got, err := b.client.Update(ctx, cr, mug.ID, connect.Fields{
		Title:           ptr("Blue Ceramic Mug"),
		DescriptionHTML: ptr("<p>Hand-glazed <em>ceramic</em>, 12 oz.</p>"),
		SEOTitle:        ptr("Blue Ceramic Mug – Acme"),
		SEODescription:  ptr("A hand-glazed blue ceramic mug."),
		Tags:            ptr([]string{"mugs", "ceramic", "Blue"}),
		Bullets:         ptr([]string{"ignored by Shopify"}),
		ImageAlts:       map[string]string{front: "Blue ceramic mug, front view", side: "Blue ceramic mug, handle side"},
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, title, desc, seoTitle, seoDesc, tags, alt0, alt1 string) {
		t.Helper()
		if title != "Blue Ceramic Mug" || desc != "<p>Hand-glazed <em>ceramic</em>, 12 oz.</p>" ||
			seoTitle != "Blue Ceramic Mug – Acme" || seoDesc != "A hand-glazed blue ceramic mug." ||
			tags != "Blue,ceramic,mugs" || alt0 != "Blue ceramic mug, front view" || alt1 != "Blue ceramic mug, handle side" {
			t.Errorf("%s: %q %q %q %q %q %q %q", where, title, desc, seoTitle, seoDesc, tags, alt0, alt1)
		}
	}
	check("Update's answer", got.Title, got.BodyHTML, got.SEOTitle, got.SEODescription, strings.Join(got.Tags, ","), got.Images[0].Alt, got.Images[1].Alt)
	again, err := b.client.FetchProduct(ctx, cr, mug.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("re-fetched", again.Title, again.BodyHTML, again.SEOTitle, again.SEODescription, strings.Join(again.Tags, ","), again.Images[0].Alt, again.Images[1].Alt)
	st, _ := b.fake.Product(mug.ID)
	check("store", st.Title, st.DescriptionHTML, st.SEOTitle, st.SEODescription, strings.Join(st.Tags, ","), st.Media[0].Alt, st.Media[1].Alt)
	if st.Vendor != "Acme" || len(st.Variants) != 2 {
		t.Errorf("untouched fields changed: %+v", st)
	}

	// Only what is set is written: an SEO title alone keeps the description.
	got, err = b.client.Update(ctx, cr, mug.ID, connect.Fields{SEOTitle: ptr("Mug")})
	if err != nil {
		t.Fatal(err)
	}
	if got.SEOTitle != "Mug" || got.SEODescription != "A hand-glazed blue ceramic mug." || got.Title != "Blue Ceramic Mug" {
		t.Errorf("partial update: %q %q %q", got.SEOTitle, got.SEODescription, got.Title)
	}
	// Empty tags clear them.
	if got, err = b.client.Update(ctx, cr, mug.ID, connect.Fields{Tags: ptr([]string{})}); err != nil || len(got.Tags) != 0 {
		t.Errorf("clearing tags: %v, %v", got.Tags, err)
	}
}

func TestUpdateRefusals(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	cr := b.connectShop(t)
	ctx := context.Background()
	mug, shirt := b.fake.Products()[0], b.fake.Products()[1]

	_, err := b.client.Update(ctx, cr, mug.ID, connect.Fields{Title: ptr("  ")})
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Message != "Title can't be blank" || se.Status != 200 || se.Platform != connect.Shopify {
		t.Errorf("blank title: err = %v, want StoreError \"Title can't be blank\"", err)
	}
	_, err = b.client.Update(ctx, cr, mug.ID, connect.Fields{ImageAlts: map[string]string{mug.Media[0].ID: strings.Repeat("a", 513)}})
	if !errors.As(err, &se) || se.Code != "ALT_VALUE_LIMIT_EXCEEDED" || !strings.Contains(se.Message, "512 character limit") {
		t.Errorf("long alt: err = %v, want ALT_VALUE_LIMIT_EXCEEDED", err)
	}
	// Another product's image is refused before anything is written.
	_, err = b.client.Update(ctx, cr, mug.ID, connect.Fields{Title: ptr("Changed"), ImageAlts: map[string]string{shirt.Media[0].ID: "x"}})
	if !errors.Is(err, connect.ErrNotFound) {
		t.Errorf("foreign image: err = %v, want ErrNotFound", err)
	}
	if p, _ := b.fake.Product(mug.ID); p.Title != "Blue Mug" {
		t.Errorf("title written despite the refused image: %q", p.Title)
	}
	_, err = b.client.Update(ctx, cr, "gid://shopify/Product/42", connect.Fields{Title: ptr("x")})
	if !errors.Is(err, connect.ErrNotFound) || !errors.As(err, &se) || se.Message != "id: Product does not exist" {
		t.Errorf("missing product: err = %v, want ErrNotFound with Shopify's message", err)
	}
	if p, _ := b.fake.Product(mug.ID); p.Title != "Blue Mug" || p.Media[0].Alt != "Blue mug, front" {
		t.Errorf("refused updates changed the product: %q %q", p.Title, p.Media[0].Alt)
	}
}

func TestUpdateWithFaults(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: append(handBuilt(), generated(12)...), BucketSize: 500, RestoreRate: 20})
	cr := b.connectShop(t)
	ctx := context.Background()
	kinds := []faultplan.Kind{faultplan.Throttle, faultplan.ServerError, faultplan.Unavailable, faultplan.Drop}
	b.fake.SetFaults(faultplan.Plan{Rate: 0.35, Kinds: kinds, Seed: 11})
	products := b.fake.Products()
	for i, p := range products {
		f := connect.Fields{
			Title:           ptr(fmt.Sprintf("Renamed %d", i)),
			DescriptionHTML: ptr(fmt.Sprintf("<p>New copy %d</p>", i)),
			Tags:            ptr([]string{"new", fmt.Sprintf("n%d", i)}),
		}
		if len(p.Media) > 0 {
			f.ImageAlts = map[string]string{p.Media[0].ID: fmt.Sprintf("New alt %d", i)}
		}
		got, err := b.client.Update(ctx, cr, p.ID, f)
		if err != nil {
			t.Fatalf("Update %d: %v", i, err)
		}
		if got.Title != *f.Title {
			t.Errorf("Update %d answered title %q", i, got.Title)
		}
	}
	for i, p := range b.fake.Products() {
		if p.Title != fmt.Sprintf("Renamed %d", i) || p.DescriptionHTML != fmt.Sprintf("<p>New copy %d</p>", i) ||
			strings.Join(p.Tags, ",") != fmt.Sprintf("n%d,new", i) || (len(p.Media) > 0 && p.Media[0].Alt != fmt.Sprintf("New alt %d", i)) {
			t.Errorf("product %d in the store: %q %q %v", i, p.Title, p.DescriptionHTML, p.Tags)
		}
		if len(p.Variants) != len(products[i].Variants) || len(p.Media) != len(products[i].Media) {
			t.Errorf("product %d lost or doubled variants or media", i)
		}
	}
	if len(b.fake.Products()) != len(products) {
		t.Errorf("%d products after updating, want %d", len(b.fake.Products()), len(products))
	}
	inj := b.fake.Injected()
	for _, k := range kinds {
		if inj[k] == 0 {
			t.Errorf("no %s fault injected (%v)", k, inj)
		}
	}
}

func TestRetriesAreBounded(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	cr := b.connectShop(t)
	b.fake.SetFaults(faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.ServerError}})
	_, err := b.client.ListProducts(context.Background(), cr, "")
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Status != 500 || !se.Retryable {
		t.Fatalf("always 500: err = %v, want a retryable StoreError", err)
	}
	if n := b.fake.Injected()[faultplan.ServerError]; n != 5 {
		t.Errorf("%d tries, want 5", n)
	}
	b.fake.SetFaults(faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.Drop}})
	if _, err := b.client.ListProducts(context.Background(), cr, ""); err == nil || strings.Contains(err.Error(), cr.AccessToken) {
		t.Fatalf("always dropped: err = %v", err)
	}
	b.fake.SetFaults(faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.Throttle}})
	_, err = b.client.ListProducts(context.Background(), cr, "")
	if !errors.As(err, &se) || se.Code != "THROTTLED" || !se.Retryable {
		t.Fatalf("always throttled: err = %v, want a retryable THROTTLED StoreError", err)
	}
	// Throttle waits follow throttleStatus: (cost − available) / restore rate.
	b.fake.SetFaults(faultplan.Plan{})
	b.fake.FailNext(faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 7 * time.Second})
	before := b.clock.Now()
	if _, err := b.client.ListProducts(context.Background(), cr, ""); err != nil {
		t.Fatal(err)
	}
	if waited := b.clock.Now().Sub(before); waited < 7*time.Second || waited > 8*time.Second {
		t.Errorf("waited %v for a 7 s throttle", waited)
	}
}

// postGraphQL sends a document to the fake's seeded shop.
func postGraphQL(t *testing.T, fake *shopifyfake.Server, token, doc string, vars map[string]any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, fake.ShopURL(fake.Shop())+"/admin/api/2025-01/graphql.json", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Access-Token", token)
	resp, err := fake.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
