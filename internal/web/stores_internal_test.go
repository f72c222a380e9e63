package web

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/amazon"
	"github.com/plutopro/plutopro/internal/connect/etsy"
	"github.com/plutopro/plutopro/internal/connect/shopify"
)

func TestStoresPolicy(t *testing.T) {
	if got := storesPolicy(nil); got != contentSecurityPolicy {
		t.Errorf("storesPolicy(nil) = %q, want the default policy", got)
	}
	cs := connect.NewService(nil, nil, nil, nil, map[connect.Platform]connect.Connector{
		connect.Shopify: shopify.New(shopify.Options{ClientID: "id", ClientSecret: "secret"}),
		connect.Etsy:    etsy.New(etsy.Options{Keystring: "key", SharedSecret: "secret"}),
		connect.Amazon:  amazon.New(amazon.Options{ApplicationID: "amzn1.sp.solution.x", ClientID: "id", ClientSecret: "secret", Region: "eu"}),
	}, "https://plutopro.example")
	got := storesPolicy(cs)
	const want = "form-action 'self' https://*.myshopify.com https://*.shopify.com https://*.etsy.com https://*.amazon.com;"
	if !strings.Contains(got, want) {
		t.Errorf("storesPolicy = %q, want it to hold %q", got, want)
	}
	if strings.Replace(got, want, "form-action 'self';", 1) != contentSecurityPolicy {
		t.Errorf("storesPolicy changed more than form-action: %q", got)
	}
}

func TestChangesOf(t *testing.T) {
	str := func(s string) *string { return &s }
	list := func(xs ...string) *[]string { return &xs }
	prod := &catalog.Product{Images: []catalog.Image{{ExternalID: "img-b"}, {ExternalID: "img-a"}}}
	queued := &connect.Publication{Status: connect.PubQueued, Fields: connect.Fields{
		Title: str("New"), DescriptionHTML: str("<p>Soft <b>wool</b>.</p>"), Bullets: list("One", "Two"),
		ImageAlts: map[string]string{"img-a": "Second image", "img-b": "First image", "img-x": "Gone"},
	}}
	want := []fieldChange{
		{Label: "Title", After: "New"},
		{Label: "Description", After: "Soft wool."},
		{Label: "Bullet points", List: true, AfterItems: []string{"One", "Two"}},
		{Label: "Alt text of image img-x", After: "Gone"},
		{Label: "Alt text of image 1", After: "First image"},
		{Label: "Alt text of image 2", After: "Second image"},
	}
	if got := changesOf(queued, prod); !reflect.DeepEqual(got, want) {
		t.Errorf("queued publication:\n got %+v\nwant %+v", got, want)
	}

	done := &connect.Publication{Status: connect.PubDone,
		Fields: connect.Fields{Title: str("Asked"), Tags: list("a", "b"), ImageAlts: map[string]string{"img-a": "Alt"}},
		Before: connect.Fields{Title: str("Old"), Tags: list(), ImageAlts: map[string]string{"img-a": ""}},
		After:  connect.Fields{Title: str("As stored"), Tags: list("a", "b"), ImageAlts: map[string]string{"img-a": "Alt"}},
	}
	want = []fieldChange{
		{Label: "Title", BeforeKnown: true, Before: "Old", After: "As stored"},
		{Label: "Tags", List: true, BeforeKnown: true, AfterItems: []string{"a", "b"}},
		{Label: "Alt text of image 2", BeforeKnown: true, After: "Alt"},
	}
	if got := changesOf(done, prod); !reflect.DeepEqual(got, want) {
		t.Errorf("done publication:\n got %+v\nwant %+v", got, want)
	}
}
