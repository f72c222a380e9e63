package shopifyfake

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
)

// Product is a product as the fake store holds it, in Shopify's terms.
// Tests read it with Server.Product and change it with Server.EditProduct.
type Product struct {
	// ID is the product's gid (gid://shopify/Product/N).
	ID              string
	Handle          string
	Title           string
	DescriptionHTML string
	Vendor          string
	ProductType     string
	// Category is the taxonomy category's full name ("" for none).
	Category string
	// Tags are kept as Shopify keeps them: trimmed, without duplicates
	// (ignoring case), sorted.
	Tags []string
	// Status is ACTIVE, DRAFT or ARCHIVED.
	Status         string
	SEOTitle       string
	SEODescription string
	Options        []Option
	Variants       []Variant
	// Media are the product's images (MediaImage), in order.
	Media     []Media
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Option is a product option with its values.
type Option struct {
	Name   string
	Values []string
}

// Variant is a product variant.
type Variant struct {
	// ID is the variant's gid; EditProduct fills it in for new variants.
	ID             string
	SKU            string
	Barcode        string
	Price          string // "12.00"
	CompareAtPrice string // "" for none
	// InventoryQuantity is nil when not tracked.
	InventoryQuantity *int
	// OptionValues line up with Product.Options.
	OptionValues []string
}

// Media is a product image (a MediaImage, always READY).
type Media struct {
	// ID is the MediaImage gid; EditProduct fills it in for new media.
	ID     string
	Alt    string
	URL    string
	Width  int
	Height int
}

func (p *Product) clone() *Product {
	c := *p
	c.Tags = slices.Clone(p.Tags)
	c.Options = make([]Option, len(p.Options))
	for i, o := range p.Options {
		c.Options[i] = Option{Name: o.Name, Values: slices.Clone(o.Values)}
	}
	c.Variants = make([]Variant, len(p.Variants))
	for i, v := range p.Variants {
		v.OptionValues = slices.Clone(v.OptionValues)
		if v.InventoryQuantity != nil {
			q := *v.InventoryQuantity
			v.InventoryQuantity = &q
		}
		c.Variants[i] = v
	}
	c.Media = slices.Clone(p.Media)
	return &c
}

// Ids: gids carry a number; each kind counts from its own base, so ids
// are the same on every run with the same seed products.
const (
	kindProduct      = "Product"
	kindVariant      = "ProductVariant"
	kindMedia        = "MediaImage"
	kindSubscription = "WebhookSubscription"
	kindBulk         = "BulkOperation"
	kindShop         = "Shop"
)

var idBase = map[string]int64{
	kindProduct:      7100000000000,
	kindVariant:      4100000000000,
	kindMedia:        3100000000000,
	kindSubscription: 1100000000,
	kindBulk:         5100000000,
	kindShop:         61000000,
}

func gid(kind string, n int64) string {
	return "gid://shopify/" + kind + "/" + strconv.FormatInt(n, 10)
}

// gidNumber returns the number of a gid of the kind, or false.
func gidNumber(kind, id string) (int64, bool) {
	rest, ok := strings.CutPrefix(id, "gid://shopify/"+kind+"/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n > 0
}

// anyGIDNumber returns the number at the end of any gid.
func anyGIDNumber(id string) int64 {
	i := strings.LastIndexByte(id, '/')
	n, _ := strconv.ParseInt(id[i+1:], 10, 64)
	return n
}

// normalizeTags keeps tags as Shopify does.
func normalizeTags(tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		k := strings.ToLower(t)
		if t == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slugify(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		s = "product"
	}
	return s
}

// fromCatalog maps a catalog product to a fake product (ids left empty).
func fromCatalog(cp *catalog.Product, now time.Time) *Product {
	p := &Product{
		Handle:          cp.Handle,
		Title:           cp.Title,
		DescriptionHTML: cp.BodyHTML,
		Vendor:          cp.Vendor,
		ProductType:     cp.ProductType,
		Category:        cp.Category,
		Tags:            normalizeTags(cp.Tags),
		Status:          strings.ToUpper(cp.Status),
		SEOTitle:        cp.SEOTitle,
		SEODescription:  cp.SEODescription,
		CreatedAt:       cp.CreatedAt,
		UpdatedAt:       cp.UpdatedAt,
	}
	if p.Handle == "" {
		p.Handle = slugify(cp.Title)
	}
	if p.Status != "ACTIVE" && p.Status != "DRAFT" && p.Status != "ARCHIVED" {
		p.Status = "ACTIVE"
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC().Truncate(time.Second), p.UpdatedAt.UTC().Truncate(time.Second)
	for _, o := range cp.Options {
		p.Options = append(p.Options, Option{Name: o.Name, Values: slices.Clone(o.Values)})
	}
	if len(p.Options) == 0 {
		p.Options = []Option{{Name: "Title", Values: []string{"Default Title"}}}
	}
	for _, v := range cp.Variants {
		fv := Variant{SKU: v.SKU, Barcode: v.Barcode, Price: "0.00", OptionValues: slices.Clone(v.OptionValues)}
		if v.Price != nil {
			fv.Price = catalog.FormatAmount(v.Price.Amount)
		}
		if v.CompareAtPrice != nil {
			fv.CompareAtPrice = catalog.FormatAmount(v.CompareAtPrice.Amount)
		}
		if v.InventoryQty != nil {
			q := *v.InventoryQty
			fv.InventoryQuantity = &q
		}
		p.Variants = append(p.Variants, fv)
	}
	if len(p.Variants) == 0 {
		vals := make([]string, len(p.Options))
		for i, o := range p.Options {
			if len(o.Values) > 0 {
				vals[i] = o.Values[0]
			}
		}
		p.Variants = []Variant{{Price: "0.00", OptionValues: vals}}
	}
	images := slices.Clone(cp.Images)
	slices.SortStableFunc(images, func(a, b catalog.Image) int { return a.Position - b.Position })
	for _, im := range images {
		p.Media = append(p.Media, Media{Alt: im.Alt, URL: im.Src, Width: im.Width, Height: im.Height})
	}
	return p
}

// selectedOptions pairs a variant's values with the product's options.
func (p *Product) selectedOptions(v Variant) [][2]string {
	out := make([][2]string, 0, len(p.Options))
	for i, o := range p.Options {
		val := ""
		if i < len(v.OptionValues) {
			val = v.OptionValues[i]
		}
		out = append(out, [2]string{o.Name, val})
	}
	return out
}

// variantTitle is Shopify's variant title: its option values joined.
func variantTitle(v Variant) string {
	t := strings.Join(v.OptionValues, " / ")
	if t == "" {
		return "Default Title"
	}
	return t
}

func categoryID(fullName string) string {
	return "gid://shopify/TaxonomyCategory/" + slugify(fullName)
}

func categoryName(fullName string) string {
	parts := strings.Split(fullName, ">")
	return strings.TrimSpace(parts[len(parts)-1])
}

func plainText(html string) string {
	var b strings.Builder
	in := false
	for _, r := range html {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// productProblem is Shopify's message for a product it would not store,
// "" when the product is fine.
func productProblem(p *Product) string {
	if strings.TrimSpace(p.Title) == "" {
		return "Title can't be blank"
	}
	for _, t := range p.Tags {
		if len(t) > 255 {
			return fmt.Sprintf("Tags is too long (maximum is 255 characters): %.20s…", t)
		}
	}
	return ""
}
