package shopify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake/adminschema"
)

// TestDocumentsValidate checks every document the client can send against
// Shopify's Admin schema (2025-01) and for deprecated fields.
func TestDocumentsValidate(t *testing.T) {
	docs := shopify.Documents()
	if len(docs) < 14 {
		t.Fatalf("only %d documents", len(docs))
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			q, errs := adminschema.Validate(doc)
			if len(errs) > 0 {
				t.Fatalf("%s does not validate: %v", name, errs)
			}
			if d := adminschema.Deprecated(q); len(d) > 0 {
				t.Errorf("%s uses deprecated %v", name, d)
			}
			if name != "BulkProducts" && (len(q.Operations) != 1 || q.Operations[0].Name != name) {
				t.Errorf("%s: operation name is not the document's name", name)
			}
		})
	}
}

// TestDocumentsSent checks that, across a session that exercises every
// call, each document the client sent was one of Documents.
func TestDocumentsSent(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: append(handBuilt(), generated(8)...)})
	cr := b.connectShop(t)
	ctx := context.Background()
	rc := newReceiver(t, b.client)
	if _, err := b.client.ListAll(ctx, cr); err != nil {
		t.Fatal(err)
	}
	if _, err := b.client.ListAllBulk(ctx, cr); err != nil {
		t.Fatal(err)
	}
	p := b.fake.Products()[0]
	if _, err := b.client.Update(ctx, cr, p.ID, shopifyUpdateAll(p)); err != nil {
		t.Fatal(err)
	}
	if err := b.client.RegisterWebhooks(ctx, cr, rc.srv.URL); err != nil {
		t.Fatal(err)
	}
	if err := b.client.Deregister(ctx, cr); err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, d := range shopify.Documents() {
		known[d] = true
	}
	used := map[string]bool{}
	for _, r := range b.fake.Requests() {
		if !strings.HasSuffix(r.Path, "/graphql.json") {
			continue
		}
		doc := jsonField(t, r.Body, "query")
		if !known[doc] {
			t.Errorf("sent a document that is not in Documents:\n%s", doc)
		}
		used[doc] = true
		if r.Status != 200 || strings.Contains(r.Header.Get("Content-Type"), "graphql") {
			t.Errorf("answer %d", r.Status)
		}
	}
	// The fake refuses a document that does not fit the schema, as Shopify
	// does: HTTP 200 with errors.
	broken := strings.Replace(shopify.Documents()["PlutoProProduct"], "descriptionHtml", "descriptionHTML", 1)
	b2 := setup(t, shopifyfake.Options{Products: handBuilt()})
	cr2 := b2.connectShop(t)
	status, body := postGraphQL(t, b2.fake, cr2.AccessToken, broken, map[string]any{"id": b2.fake.Products()[0].ID, "variants": 1, "media": 1})
	if status != 200 || !strings.Contains(body, "Cannot query field") || !strings.Contains(body, "descriptionHTML") || strings.Contains(body, `"data"`) {
		t.Errorf("broken document: %d %s", status, body)
	}
	for name, d := range shopify.Documents() {
		if !used[d] && name != "BulkProducts" {
			t.Errorf("%s was never sent", name)
		}
	}
}

func shopifyUpdateAll(p *shopifyfake.Product) connect.Fields {
	return connect.Fields{
		Title: ptr("New"), DescriptionHTML: ptr("<p>New</p>"), SEOTitle: ptr("t"), SEODescription: ptr("d"),
		Tags: ptr([]string{"a"}), ImageAlts: map[string]string{p.Media[0].ID: "alt"},
	}
}

func jsonField(t *testing.T, body []byte, key string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	s, _ := m[key].(string)
	return s
}
