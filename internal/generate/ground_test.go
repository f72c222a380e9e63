package generate

import (
	"reflect"
	"testing"

	"github.com/plutopro/plutopro/internal/catalog"
)

func TestGroundFaithful(t *testing.T) {
	faithful := []string{
		"These stonewashed linen napkins come in sage and oat. Each one measures 45 x 45 cm, and the set has 4 napkins.",
		"<p>Made from 100% linen. Made in Lithuania.</p><ul><li>Machine washable at 40°C</li><li>Tumble dry low</li></ul>",
		"Sage Linen Napkins, Set of 4 – 45x45cm",
		"Each napkin is 45 cm square and weighs 220 g.",
		"Fern & Field makes table linens in small batches from European flax.",
		"A set of four napkins for everyday meals.",
		"Table linen in a cotton candy pink or a steel blue.", // categories and colours, not materials
	}
	for _, s := range faithful {
		if got := Ground(s, sampleProduct(), sampleBrand()); len(got) != 0 {
			t.Errorf("Ground(%q) = %+v, want nothing ungrounded", s, got)
		}
	}
}

func TestGroundInvented(t *testing.T) {
	cases := []struct {
		text string
		want []Ungrounded
	}{
		{"Woven from 100% organic cotton.", []Ungrounded{{"Woven from 100% organic cotton.", []string{"organic", "cotton"}}}},
		{"Proudly made in Italy.", []Ungrounded{{"Proudly made in Italy.", []string{"made in Italy"}}}},
		{"Each napkin is 30 cm across.", []Ungrounded{{"Each napkin is 30 cm across.", []string{"30 cm"}}}},
		{"Dishwasher safe and hypoallergenic.", []Ungrounded{{"Dishwasher safe and hypoallergenic.", []string{"dishwasher safe", "hypoallergenic"}}}},
		{"Soft linen. GOTS certified, #1 best-seller since 1998!", []Ungrounded{{"GOTS certified, #1 best-seller since 1998!", []string{"gots", "certified", "#1", "best seller", "1998"}}}},
		{"A 60 x 45 cm runner in stainless steel.", []Ungrounded{{"A 60 x 45 cm runner in stainless steel.", []string{"60 x 45 cm", "stainless steel"}}}},
		{"<p>Sage linen.</p><p>Weighs 2 kg.</p>", []Ungrounded{{"Weighs 2 kg.", []string{"2 kg"}}}},
		{"Holds 350 ml of eco-friendly wax.", []Ungrounded{{"Holds 350 ml of eco-friendly wax.", []string{"350 ml", "eco-friendly"}}}},
	}
	for _, c := range cases {
		if got := Ground(c.text, sampleProduct(), sampleBrand()); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Ground(%q) =\n  %+v\nwant\n  %+v", c.text, got, c.want)
		}
	}
}

func TestGroundNormalisation(t *testing.T) {
	p := &catalog.Product{
		Title:    "Walnut Serving Board",
		BodyHTML: "Aluminium handle. Length 10cm. Dimensions: 30 x 20 x 2 cm. Holds 1,500 ml. Three coats of oil.",
		Metadata: map[string]string{"Width (in)": "12", "Price": "99"},
		Variants: []catalog.Variant{{Grams: "1500", WeightUnit: "kg"}},
	}
	cases := []struct {
		text string
		ok   bool
	}{
		{"Ten centimetres long: 10 cm.", true},
		{"A 10-cm handle.", true},
		{"Aluminum handle.", true},
		{"30 x 20 cm top.", true},
		{"2 cm thick.", true},
		{"12 inches wide.", true},
		{"12\" wide.", true},
		{"Weighs 1.5 kg.", true},
		{"Weighs 1500 g.", true},
		{"Holds 1500 ml.", true},
		{"3 coats of oil.", true},
		{"Walnuts.", true},
		{"Costs 99.", false}, // prices are not product facts
		{"11 inches wide.", false},
		{"20 in a box.", true}, // "in" followed by a word is not inches
	}
	for _, c := range cases {
		got := Ground(c.text, p, Brand{})
		if (len(got) == 0) != c.ok {
			t.Errorf("Ground(%q) = %+v, grounded want %v", c.text, got, c.ok)
		}
	}
}

func TestSentences(t *testing.T) {
	got := sentences("Measures 10.5 cm. Soft!\nMade in Leeds? Yes")
	want := []string{"Measures 10.5 cm.", "Soft!", "Made in Leeds?", "Yes"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sentences = %q, want %q", got, want)
	}
}
