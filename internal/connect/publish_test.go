package connect

import (
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
)

func TestFieldsFromDrafts(t *testing.T) {
	prod := &catalog.Product{Images: []catalog.Image{{ExternalID: "gid://shopify/MediaImage/1"}, {}, {ExternalID: "gid://shopify/MediaImage/3"}}}
	ds := []approvedDraft{
		{field: "title", text: "T"}, {field: "description", text: "<p>D</p>"}, {field: "seo_title", text: "S"},
		{field: "tags", items: []string{"a", "b"}}, {field: "image_alt", items: []string{"one", "two", "three"}},
	}
	f := fieldsFrom(Shopify, prod, ds)
	if *f.Title != "T" || *f.DescriptionHTML != "<p>D</p>" || *f.SEOTitle != "S" || len(*f.Tags) != 2 || f.SEODescription != nil {
		t.Fatalf("shopify fields = %+v", f)
	}
	// An image without a store id gets no alt text: there is nothing to write it to.
	if len(f.ImageAlts) != 2 || f.ImageAlts["gid://shopify/MediaImage/3"] != "three" {
		t.Errorf("alts = %v", f.ImageAlts)
	}
	a := fieldsFrom(Amazon, prod, []approvedDraft{{field: "item_name", text: "N"}, {field: "bullet_points", items: []string{"x"}},
		{field: "generic_keywords", items: []string{"k"}}, {field: "title", text: "ignored"}})
	if *a.Title != "N" || len(*a.Bullets) != 1 || len(*a.Keywords) != 1 || a.Tags != nil {
		t.Errorf("amazon fields = %+v", a)
	}
	if e := fieldsFrom(Etsy, prod, []approvedDraft{{field: "seo_title", text: "no such etsy field"}}); !e.Empty() {
		t.Errorf("etsy wrote a field it has not: %+v", e)
	}
}

func TestSnapshotAndOriginals(t *testing.T) {
	str := func(s string) *string { return &s }
	prod := &catalog.Product{Title: "Old", BodyHTML: "<p>old</p>", Tags: []string{"t"},
		Metadata: map[string]string{MetaBullets: `["b1","b2"]`, MetaMaterials: "wool\ncotton"},
		Images:   []catalog.Image{{ExternalID: "m1", Alt: "old alt"}}}
	snap := Snapshot(prod, Fields{Title: str("New"), Bullets: &[]string{}, Materials: &[]string{}, ImageAlts: map[string]string{"m1": "new"}})
	if *snap.Title != "Old" || snap.DescriptionHTML != nil || len(*snap.Bullets) != 2 || len(*snap.Materials) != 2 || snap.ImageAlts["m1"] != "old alt" {
		t.Fatalf("snapshot = %+v", snap)
	}
	// The original of each field is its value before PlutoPro first wrote it.
	done := []*Publication{
		{Version: 1, Before: Fields{Title: str("Original title")}},
		{Version: 2, Before: Fields{Title: str("Published title"), DescriptionHTML: str("Original description")}},
	}
	o := originals(done)
	if *o.Title != "Original title" || *o.DescriptionHTML != "Original description" {
		t.Errorf("originals = %+v", o)
	}
}
