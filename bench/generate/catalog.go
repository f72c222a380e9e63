package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
)

// The brand profile: a realistic one, of the length a seller writes.
var (
	brandName        = "Juniper Lane"
	brandDescription = "Juniper Lane is a small homeware studio in Bristol. We design everyday objects for the kitchen, the table and the living room, " +
		"and make them with a handful of workshops we visit every season. Most pieces come in small runs, in colours drawn from the coast and the hedgerows."
	brandVoice = "Warm, plain-spoken and practical, like a friend who knows how things are made. Short sentences. Concrete details over adjectives. " +
		"Quietly confident, never pushy; a little dry humour is fine, hype is not."
	brandAudience = "People furnishing a first or second home who would rather buy one good thing than three cheap ones; gift buyers looking for something " +
		"useful and well made. Mostly UK and EU shoppers, 28 to 55, who read the details before they buy."
	brandGuidelines = "Lead with what the object is and what it is made of. Mention care where the product data gives it. Use British spelling (colour, grey, " +
		"centre). Write sizes the way the product data does, with units. Never say a product is handmade unless the data says so. No exclamation marks. " +
		"Refer to the brand as Juniper Lane, never JL or Juniper. Colours are capitalised only when they are the name of a variant (Sage, Oat)."
	brandWordsAvoid  = []string{"stunning", "elevate", "luxurious", "must-have", "game-changer", "curated", "indulge", "amazing", "boasts", "timeless"}
	brandWordsPrefer = []string{"everyday", "well made", "small batch", "made to last", "simple"}
)

func brandInput() brand.Input {
	lang, ch := "en-GB", "shopify"
	return brand.Input{Name: &brandName, Description: &brandDescription, Voice: &brandVoice, Audience: &brandAudience,
		Guidelines: &brandGuidelines, WordsAvoid: &brandWordsAvoid, WordsPrefer: &brandWordsPrefer, Language: &lang, DefaultChannel: &ch}
}

// kind is one family of products in the synthetic catalog.
type kind struct {
	noun      string // "Mug"
	typ       string // product type
	category  string
	materials []string
	option    string // "Colour", "Size" or "Scent"
	values    []string
	detail    []string // spec lines ("Capacity: 350 ml")
	care      string
	tags      []string
	grams     int
}

var kinds = []kind{
	{"Mug", "Mug", "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs", []string{"stoneware", "porcelain"}, "Colour",
		[]string{"Oat", "Slate", "Sage", "Ink", "Chalk"}, []string{"Capacity: 350 ml", "Height: 9.5 cm", "Diameter: 8.5 cm"},
		"Dishwasher safe. Microwave safe.", []string{"mug", "coffee", "tea", "kitchen", "stoneware"}, 380},
	{"Candle", "Candle", "Home & Garden > Decor > Home Fragrances > Candles", []string{"soy wax", "rapeseed wax"}, "Scent",
		[]string{"Fig & Cedar", "Sea Salt", "Wild Mint", "Amber", "Tomato Leaf"}, []string{"Weight: 220 g", "Burn time: about 45 hours", "Cotton wick"},
		"Trim the wick to 5 mm before each burn. Never leave a burning candle unattended.", []string{"candle", "scented", "gift", "home fragrance"}, 420},
	{"Throw", "Blanket", "Home & Garden > Linens & Bedding > Bedding > Blankets", []string{"merino wool", "recycled cotton", "lambswool"}, "Colour",
		[]string{"Heather", "Moss", "Rust", "Stone"}, []string{"Size: 130 x 180 cm", "Fringed edges", "Woven in Wales"},
		"Dry clean or hand wash cold. Dry flat.", []string{"throw", "blanket", "living room", "wool", "sofa"}, 900},
	{"Linen Napkins", "Napkins", "Home & Garden > Linens & Bedding > Table Linens > Cloth Napkins", []string{"stonewashed linen"}, "Colour",
		[]string{"Sage", "Natural", "Clay", "Navy", "Mustard"}, []string{"Set of 4", "Size: 45 x 45 cm each", "Mitred corners"},
		"Machine wash at 40 degrees. Tumble dry low.", []string{"napkins", "linen", "table", "dining", "set of 4"}, 200},
	{"Planter", "Planter", "Home & Garden > Lawn & Garden > Gardening > Pots & Planters", []string{"terracotta", "glazed earthenware"}, "Size",
		[]string{"Small", "Medium", "Large"}, []string{"Drainage hole and saucer", "Small: 12 cm across", "Medium: 16 cm across", "Large: 21 cm across"},
		"Wipe clean. Bring indoors in frost.", []string{"planter", "plant pot", "garden", "indoor plants"}, 1100},
	{"Tote Bag", "Bag", "Apparel & Accessories > Handbags, Wallets & Cases > Handbags > Tote Handbags", []string{"organic cotton canvas", "waxed cotton"}, "Colour",
		[]string{"Natural", "Black", "Olive"}, []string{"Size: 38 x 42 cm", "Handle drop: 28 cm", "Inside pocket"},
		"Spot clean only.", []string{"tote", "bag", "canvas", "shopping bag"}, 300},
	{"Journal", "Notebook", "Office Supplies > General Office Supplies > Paper Products > Notebooks & Notepads", []string{"recycled paper", "cotton paper"}, "Colour",
		[]string{"Ochre", "Teal", "Charcoal"}, []string{"A5, 192 pages", "Dotted pages, 100 gsm", "Lay-flat binding"},
		"", []string{"journal", "notebook", "stationery", "desk"}, 350},
	{"Serving Board", "Serving Board", "Home & Garden > Kitchen & Dining > Kitchen Tools & Utensils > Cutting Boards", []string{"oak", "walnut", "ash"}, "Size",
		[]string{"Small", "Large"}, []string{"Small: 30 x 18 cm", "Large: 45 x 22 cm", "Thickness: 2 cm"},
		"Hand wash only. Oil now and then with food-safe oil.", []string{"serving board", "cheese board", "wood", "kitchen"}, 950},
	{"Scarf", "Scarf", "Apparel & Accessories > Clothing Accessories > Scarves & Shawls", []string{"merino wool", "lambswool", "cashmere blend"}, "Colour",
		[]string{"Oatmeal", "Forest", "Berry", "Grey Marl"}, []string{"Size: 180 x 30 cm", "Ribbed knit"},
		"Hand wash cold. Dry flat.", []string{"scarf", "winter", "knitwear", "gift for her", "gift for him"}, 160},
	{"Table Lamp", "Lamp", "Home & Garden > Lighting > Lamps", []string{"brass", "ceramic", "oak"}, "Colour",
		[]string{"Brass", "Cream", "Black"}, []string{"Height: 42 cm", "Linen shade, 25 cm across", "E27 bulb, not included", "1.8 m fabric cable"},
		"Dust with a dry cloth.", []string{"lamp", "lighting", "bedside", "living room"}, 2100},
}

var (
	vendors = []string{"Juniper Lane", "Juniper Lane Studio", "Harbour Pottery", "Fenwick Mill", "Copse & Co"}
	series  = []string{"Coast", "Hedgerow", "Harbour", "Fell", "Meadow", "Orchard", "Quarry", "Estuary", "Moor", "Ridge", "Brook", "Heath"}
	openers = []string{
		"Our %s %s, made in small runs.",
		"A %s %s for every day.",
		"The %s %s, part of the %s collection.",
		"Simple, sturdy and %s: this %s earns its place.",
	}
	sentences = []string{
		"Each one varies a little, so no two are quite alike.",
		"It is designed in Bristol and made with a workshop we have worked with for years.",
		"The colours are mixed in small batches and may vary slightly from the photos.",
		"It comes wrapped in recycled tissue, ready to give.",
		"It is the piece we reach for first in our own kitchen.",
		"The shape is simple on purpose: it suits old houses and new flats alike.",
		"Pair it with the rest of the collection, or let it stand on its own.",
		"We tested it for a year at home before we put it in the shop.",
	}
)

// catalogProducts returns n synthetic products: varied titles, HTML bodies of
// 40 to 160 words, tags, one option with 1-3 variants, 1-3 images (some with
// alt text or a variant), some with SEO fields and a care metafield. Product
// i's variant SKUs are JL-%06d-v, which is how the benchmark tells the
// products apart in the requests the fake receives.
func catalogProducts(n int, seed uint64) []*catalog.Product {
	rng := rand.New(rand.NewPCG(seed, seed^0xb5ad4eceda1ce2a9))
	out := make([]*catalog.Product, n)
	for i := range out {
		k := kinds[rng.IntN(len(kinds))]
		mat := k.materials[rng.IntN(len(k.materials))]
		ser := series[rng.IntN(len(series))]
		vendor := vendors[rng.IntN(len(vendors))]
		title := fmt.Sprintf("%s %s %s", ser, titleCase(mat), k.noun)
		if rng.IntN(3) == 0 {
			title = fmt.Sprintf("%s %s – %s", titleCase(mat), k.noun, ser)
		}
		handle := fmt.Sprintf("%s-%06d", strings.ToLower(strings.ReplaceAll(k.noun, " ", "-")), i)

		nv := 1 + rng.IntN(min(3, len(k.values)))
		start := rng.IntN(len(k.values))
		var values []string
		for v := 0; v < nv; v++ {
			values = append(values, k.values[(start+v)%len(k.values)])
		}
		var variants []catalog.Variant
		for v, val := range values {
			variants = append(variants, catalog.Variant{SKU: sku(i, v), OptionValues: []string{val},
				Grams: strconv.Itoa(k.grams + 10*rng.IntN(10)), WeightUnit: "g"})
		}

		var body strings.Builder
		op := openers[rng.IntN(len(openers))]
		switch strings.Count(op, "%s") {
		case 3:
			fmt.Fprintf(&body, "<p>"+op, mat, strings.ToLower(k.noun), ser)
		default:
			fmt.Fprintf(&body, "<p>"+op, mat, strings.ToLower(k.noun))
		}
		for s, ns := 0, 1+rng.IntN(5); s < ns; s++ {
			body.WriteString(" " + sentences[rng.IntN(len(sentences))])
		}
		body.WriteString("</p>")
		if rng.IntN(4) != 0 {
			body.WriteString("<ul>")
			for _, d := range k.detail {
				body.WriteString("<li>" + d + "</li>")
			}
			body.WriteString("<li>Material: " + mat + "</li></ul>")
		}
		if k.care != "" && rng.IntN(2) == 0 {
			body.WriteString("<p><strong>Care:</strong> " + k.care + "</p>")
		}

		tags := []string{}
		for _, t := range rng.Perm(len(k.tags))[:2+rng.IntN(len(k.tags)-1)] {
			tags = append(tags, k.tags[t])
		}
		tags = append(tags, strings.ToLower(ser)+" collection")

		ni := 1 + rng.IntN(3)
		var images []catalog.Image
		views := []string{"front", "detail", "lifestyle"}
		for im := 0; im < ni; im++ {
			img := catalog.Image{Src: fmt.Sprintf("https://cdn.example.com/s/files/1/0612/products/%s-%s.jpg", handle, views[im]), Position: im + 1}
			if rng.IntN(3) == 0 {
				img.Alt = title
			}
			if im < len(variants) && rng.IntN(2) == 0 {
				img.VariantSKUs = []string{variants[im].SKU}
			}
			images = append(images, img)
		}

		p := &catalog.Product{
			Source: catalog.SourceFile, Handle: handle, Title: title, BodyHTML: body.String(), Vendor: vendor,
			ProductType: k.typ, Category: k.category, Tags: tags, Status: catalog.StatusActive, Published: "true",
			Options:  []catalog.Option{{Name: k.option, Values: values}},
			Variants: variants, Images: images,
		}
		if rng.IntN(2) == 0 {
			p.SEOTitle = title + " | " + vendor
			p.SEODescription = fmt.Sprintf("Shop the %s from %s.", strings.ToLower(title), vendor)
		}
		if k.care != "" && rng.IntN(3) == 0 {
			p.Metadata = map[string]string{"Care instructions (product.metafields.custom.care)": k.care}
		}
		out[i] = p
	}
	return out
}

func sku(product, variant int) string { return fmt.Sprintf("JL-%06d-%d", product, variant+1) }

func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
