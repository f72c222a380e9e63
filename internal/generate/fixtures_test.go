package generate

import (
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
)

// sampleBrand is a typical brand profile.
func sampleBrand() Brand {
	return Brand{
		Name:        "Fern & Field",
		Description: "Fern & Field makes table linens in small batches from European flax, for people who cook at home and lay the table every day.",
		Voice:       "Warm, plain and practical. Short sentences. Quietly confident, never salesy.",
		Audience:    "Home cooks and hosts, 30 to 60, who buy fewer, better things.",
		Guidelines:  "Lead with what the item is and how it feels in use. Mention care when the data gives it. British spelling.",
		WordsAvoid:  []string{"luxury", "cheap", "elevate"},
		WordsPrefer: []string{"everyday", "soft", "lived-in"},
		Language:    "en-GB",
	}
}

func intPtr(n int) *int { return &n }

// sampleProduct is a typical product with data of every kind, including
// what must never reach a prompt (ids, prices, stock, costs, times).
func sampleProduct() *catalog.Product {
	return &catalog.Product{
		ID:          "prod_7f3a9c01",
		BrandID:     "brand_4242aa",
		Source:      catalog.SourceShopify,
		ExternalID:  "gid://shopify/Product/99887766",
		Handle:      "sage-linen-napkins-xq",
		Title:       "Sage Linen Napkins, Set of 4",
		BodyHTML:    "<p>Stonewashed linen napkins in sage green. Each napkin measures 45 x 45 cm.</p><ul><li>100% linen</li><li>Machine washable at 40°C</li><li>Made in Lithuania</li></ul>",
		Vendor:      "Fern & Field",
		ProductType: "Napkins",
		Category:    "Home & Garden > Kitchen & Dining > Table Linens",
		Tags:        []string{"linen", "table linen", "napkins"},
		Status:      catalog.StatusActive,
		Options:     []catalog.Option{{Name: "Colour", Values: []string{"Sage", "Oat"}}},
		Metadata:    map[string]string{"Care": "Tumble dry low", "Cost per item": "4.37"},
		Variants: []catalog.Variant{
			{SKU: "FF-NAP-SAGE", Barcode: "5012345678900", OptionValues: []string{"Sage"}, Price: &catalog.Money{Amount: "32.95", Currency: "GBP"}, Grams: "220", WeightUnit: "g", InventoryQty: intPtr(1717)},
			{SKU: "FF-NAP-OAT", Barcode: "5012345678917", OptionValues: []string{"Oat"}, Price: &catalog.Money{Amount: "32.95", Currency: "GBP"}, Grams: "220", WeightUnit: "g", InventoryQty: intPtr(2323)},
		},
		Images: []catalog.Image{
			{Src: "https://cdn.shopify.com/s/files/1/0555/products/napkins-sage-front.jpg?v=1700000001", Position: 1},
			{Src: "https://cdn.shopify.com/s/files/1/0555/products/napkins-oat-folded.jpg?v=1700000002", Position: 2, Alt: "Oat napkins folded"},
		},
		CreatedAt: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2024, 3, 2, 9, 0, 0, 0, time.UTC),
	}
}

// mustField returns a field of the table or fails the test.
func mustField(t *testing.T, ch Channel, name string) FieldSpec {
	t.Helper()
	f, ok := Field(ch, name)
	if !ok {
		t.Fatalf("Field(%s, %s) not found", ch, name)
	}
	return f
}
