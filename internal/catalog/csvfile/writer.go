package csvfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/catalog"
)

// shopifyHeader is Shopify's product CSV column set, in its order. Metadata
// columns follow it.
var shopifyHeader = []string{
	"Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
	"Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value",
	"Variant SKU", "Variant Grams", "Variant Inventory Qty", "Variant Price", "Variant Compare At Price",
	"Variant Barcode", "Image Src", "Image Position", "Image Alt Text", "SEO Title", "SEO Description",
	"Variant Image", "Variant Weight Unit", "Status",
}

// Column indexes in shopifyHeader.
const (
	wHandle = iota
	wTitle
	wBody
	wVendor
	wCategory
	wType
	wTags
	wPublished
	wOption1Name
	wOption1Value
	wOption2Name
	wOption2Value
	wOption3Name
	wOption3Value
	wSKU
	wGrams
	wQuantity
	wPrice
	wCompareAt
	wBarcode
	wImageSrc
	wImagePosition
	wImageAlt
	wSEOTitle
	wSEODescription
	wVariantImage
	wWeightUnit
	wStatus
)

// ShopifyWriter writes products as Shopify's product CSV. Create one with
// NewShopifyWriter; call Flush at the end.
type ShopifyWriter struct {
	w           *csv.Writer
	header      []string
	productMeta map[string]int
	variantMeta map[string]int
	currency    int // column of "Variant Currency", -1 if none
	row         []string
}

// NewShopifyWriter writes the header: Shopify's column set, then the given
// product metadata columns and variant metadata columns (each sorted,
// deduplicated). Collect them with MetadataColumns. A column that would read
// back as something else (a product column named like a variant column, or
// one of Shopify's own columns) is an error, since it would not survive a
// re-import.
func NewShopifyWriter(w io.Writer, productMetaColumns, variantMetaColumns []string) (*ShopifyWriter, error) {
	sw := &ShopifyWriter{
		w:           csv.NewWriter(w),
		header:      append([]string(nil), shopifyHeader...),
		productMeta: map[string]int{},
		variantMeta: map[string]int{},
		currency:    -1,
	}
	for _, c := range sortedSet(productMetaColumns) {
		if cr := classify(c); cr.role != roleProductMeta {
			return nil, fmt.Errorf("product metadata column %q would read back as a %s column", c, kindOf(cr))
		}
		sw.productMeta[c] = len(sw.header)
		sw.header = append(sw.header, c)
	}
	for _, c := range sortedSet(variantMetaColumns) {
		cr := classify(c)
		switch {
		case cr.role == roleCurrency:
			sw.currency = len(sw.header)
		case cr.role != roleVariantMeta:
			return nil, fmt.Errorf("variant metadata column %q would read back as a %s column", c, kindOf(cr))
		case sw.hasProductMeta(c):
			return nil, fmt.Errorf("column %q is both a product and a variant metadata column", c)
		default:
			sw.variantMeta[c] = len(sw.header)
		}
		sw.header = append(sw.header, c)
	}
	sw.row = make([]string, len(sw.header))
	hdr := make([]string, len(sw.header))
	for i, h := range sw.header {
		hdr[i] = escapeFormula(h)
	}
	if err := sw.w.Write(hdr); err != nil {
		return nil, err
	}
	return sw, nil
}

func (sw *ShopifyWriter) hasProductMeta(c string) bool {
	_, ok := sw.productMeta[c]
	return ok
}

func kindOf(cr colRole) string {
	switch cr.role {
	case roleProductMeta:
		return "product metadata"
	case roleVariantMeta:
		return "variant metadata"
	}
	return "standard Shopify"
}

func sortedSet(xs []string) []string {
	out := append([]string(nil), xs...)
	sort.Strings(out)
	n := 0
	for i, x := range out {
		if i == 0 || x != out[n-1] {
			out[n] = x
			n++
		}
	}
	return out[:n]
}

// MetadataColumns returns the extra columns p needs beyond Shopify's set:
// its metadata keys, and the variant keys plus "Variant Currency" when a
// price carries a currency. Pass the union over all products to
// NewShopifyWriter.
func MetadataColumns(p *catalog.Product) (product, variant []string) {
	for k := range p.Metadata {
		product = append(product, k)
	}
	cur := false
	for _, v := range p.Variants {
		for k := range v.Metadata {
			variant = append(variant, k)
		}
		cur = cur || (v.Price != nil && v.Price.Currency != "") || (v.CompareAtPrice != nil && v.CompareAtPrice.Currency != "")
	}
	if cur {
		variant = append(variant, currencyColumn)
	}
	return sortedSet(product), sortedSet(variant)
}

// Write writes one product: the first row has the product's columns, its
// first variant and first image; further rows repeat the handle with the
// next variant and/or image, as Shopify exports. Cells that a spreadsheet
// would run as a formula are prefixed with a single quote, which every
// reader in this package removes. A product the header cannot hold
// (metadata without a column, more than three options) is an error and
// nothing of it is written.
func (sw *ShopifyWriter) Write(p *catalog.Product) error {
	if err := sw.check(p); err != nil {
		return fmt.Errorf("product %q: %w", p.Handle, err)
	}
	imageOf := map[string]string{} // variant SKU -> image src, for variants without ImageSrc
	for _, im := range p.Images {
		for _, sku := range im.VariantSKUs {
			if _, ok := imageOf[sku]; !ok {
				imageOf[sku] = im.Src
			}
		}
	}
	rows := max(1, len(p.Variants), len(p.Images))
	for k := range rows {
		row := sw.row
		clear(row)
		row[wHandle] = p.Handle
		if k == 0 {
			row[wTitle], row[wBody], row[wVendor] = p.Title, p.BodyHTML, p.Vendor
			row[wCategory], row[wType] = p.Category, p.ProductType
			row[wTags] = strings.Join(p.Tags, ", ")
			row[wPublished] = p.Published
			for i, o := range p.Options {
				row[wOption1Name+2*i] = o.Name
			}
			row[wSEOTitle], row[wSEODescription] = p.SEOTitle, p.SEODescription
			row[wStatus] = p.Status
			for key, v := range p.Metadata {
				row[sw.productMeta[key]] = v
			}
		}
		if k < len(p.Variants) {
			v := &p.Variants[k]
			for i, val := range v.OptionValues {
				row[wOption1Value+2*i] = val
			}
			row[wSKU], row[wGrams], row[wBarcode] = v.SKU, v.Grams, v.Barcode
			if v.InventoryQty != nil {
				row[wQuantity] = strconv.Itoa(*v.InventoryQty)
			}
			if v.Price != nil {
				row[wPrice] = catalog.FormatAmount(v.Price.Amount)
			}
			if v.CompareAtPrice != nil {
				row[wCompareAt] = catalog.FormatAmount(v.CompareAtPrice.Amount)
			}
			if sw.currency >= 0 {
				row[sw.currency] = currencyOf(v)
			}
			row[wVariantImage] = v.ImageSrc
			if v.ImageSrc == "" && v.SKU != "" {
				row[wVariantImage] = imageOf[v.SKU]
			}
			row[wWeightUnit] = v.WeightUnit
			for key, val := range v.Metadata {
				row[sw.variantMeta[key]] = val
			}
		}
		if k < len(p.Images) {
			im := &p.Images[k]
			row[wImageSrc], row[wImageAlt] = im.Src, im.Alt
			if im.Position > 0 {
				row[wImagePosition] = strconv.Itoa(im.Position)
			}
		}
		for i, c := range row {
			row[i] = escapeFormula(c)
		}
		if err := sw.w.Write(row); err != nil {
			return err
		}
	}
	return nil
}

// check refuses a product the header cannot hold.
func (sw *ShopifyWriter) check(p *catalog.Product) error {
	if strings.TrimSpace(p.Handle) == "" {
		return errors.New("no handle")
	}
	if len(p.Options) > 3 {
		return fmt.Errorf("%d options; Shopify's CSV holds at most 3", len(p.Options))
	}
	for k := range p.Metadata {
		if _, ok := sw.productMeta[k]; !ok {
			return fmt.Errorf("no column for product metadata %q (collect columns with MetadataColumns)", k)
		}
	}
	for _, v := range p.Variants {
		if len(v.OptionValues) > 3 {
			return fmt.Errorf("variant %q has %d option values; Shopify's CSV holds at most 3", v.SKU, len(v.OptionValues))
		}
		for k := range v.Metadata {
			if _, ok := sw.variantMeta[k]; !ok {
				return fmt.Errorf("no column for variant metadata %q (collect columns with MetadataColumns)", k)
			}
		}
		if c := currencyOf(&v); c != "" {
			if sw.currency < 0 {
				return fmt.Errorf("no %q column for the currency %s (collect columns with MetadataColumns)", currencyColumn, c)
			}
			if v.Price != nil && v.CompareAtPrice != nil && v.Price.Currency != v.CompareAtPrice.Currency {
				return fmt.Errorf("variant %q has prices in two currencies", v.SKU)
			}
		}
	}
	return nil
}

func currencyOf(v *catalog.Variant) string {
	if v.Price != nil && v.Price.Currency != "" {
		return v.Price.Currency
	}
	if v.CompareAtPrice != nil {
		return v.CompareAtPrice.Currency
	}
	return ""
}

// Flush writes out what is buffered and reports any write error.
func (sw *ShopifyWriter) Flush() error {
	sw.w.Flush()
	return sw.w.Error()
}
