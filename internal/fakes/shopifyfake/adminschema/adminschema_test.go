package adminschema_test

import (
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/fakes/shopifyfake/adminschema"
)

func TestLoad(t *testing.T) {
	s, err := adminschema.Load()
	if err != nil {
		t.Fatal(err)
	}
	if s.Query == nil || s.Query.Name != "QueryRoot" || s.Mutation == nil || s.Mutation.Name != "Mutation" {
		t.Fatalf("roots = %v, %v", s.Query, s.Mutation)
	}
	for _, name := range []string{"Product", "MediaImage", "ProductUpdateInput", "WebhookSubscriptionTopic", "BulkOperation", "File"} {
		if s.Types[name] == nil {
			t.Errorf("type %s missing", name)
		}
	}
	if d := s.Types["WebhookSubscription"].Fields.ForName("callbackUrl"); d == nil || d.Directives.ForName("deprecated") == nil {
		t.Errorf("WebhookSubscription.callbackUrl is not marked deprecated")
	}
	if a := s.Types["QueryRoot"].Fields.ForName("currentBulkOperation").Arguments.ForName("type"); a == nil || a.DefaultValue == nil || a.DefaultValue.Raw != "QUERY" {
		t.Errorf("currentBulkOperation(type:) default = %v, want QUERY", a)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, doc, wantErr string
	}{
		{"ok", `query($id: ID!) { product(id: $id) { id title media(first: 2) { nodes { id ... on MediaImage { image { url } } } } } }`, ""},
		{"unknown field", `{ shop { nope } }`, `Cannot query field "nope" on type "Shop"`},
		{"missing argument", `{ product { id } }`, `argument "id" of type "ID!" is required`},
		{"wrong variable type", `query($id: String!) { product(id: $id) { id } }`, `Variable "$id" of type "String!" used in position expecting type "ID!"`},
		{"syntax", `{ shop { name }`, `Expected Name, found <EOF>`},
		{"mutation input", `mutation { productUpdate(product: {id: "gid://shopify/Product/1", nope: 1}) { userErrors { message } } }`, `Field "nope" is not defined by type "ProductUpdateInput"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := adminschema.Validate(tt.doc)
			if tt.wantErr == "" {
				if len(errs) > 0 {
					t.Fatalf("Validate = %v, want no error", errs)
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want %q", errs, tt.wantErr)
			}
		})
	}
}

func TestDeprecated(t *testing.T) {
	doc, errs := adminschema.Validate(`{ webhookSubscriptions(first: 1) { nodes { id callbackUrl endpoint { ... on WebhookHttpEndpoint { callbackUrl } } } } }`)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := adminschema.Deprecated(doc)
	if len(got) != 1 || got[0] != "WebhookSubscription.callbackUrl" {
		t.Fatalf("Deprecated = %v, want [WebhookSubscription.callbackUrl]", got)
	}
}
