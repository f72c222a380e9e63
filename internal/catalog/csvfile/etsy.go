package csvfile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/catalog"
)

// maxCombinations caps the variants an Etsy listing's variations make
// (Shopify's own limit per product).
const maxCombinations = 2048

// Etsy metadata keys.
const (
	etsyDescriptionKey = "etsy:description"
	etsyMaterialsKey   = "etsy:materials"
	etsySKUKey         = "etsy:sku"
	etsyQuantityKey    = "etsy:quantity"
)

// etsyProduct reads one row of Etsy's listings download: one listing.
//
// DESCRIPTION is plain text: BodyHTML holds it as escaped <p> paragraphs and
// Metadata["etsy:description"] the text itself. MATERIALS goes to
// Metadata["etsy:materials"], IMAGE1..IMAGE10 are images at positions 1..10.
// A listing without variations has one variant with its SKU, price and
// quantity. A listing with VARIATION columns gets one option per variation
// (named by VARIATION n NAME, else its TYPE) and one variant per combination
// of values, each at the listing's price; Etsy's file does not say SKU or
// stock per combination, so the listing's SKU and QUANTITY are kept in
// Metadata["etsy:sku"] and Metadata["etsy:quantity"]. (Options must be
// backed by variants: Shopify's CSV carries option values only on variant
// rows, and an export must re-import unchanged.)
func (r *Reader) etsyProduct(vals []string, line int) (*catalog.Product, *Reject) {
	p := &catalog.Product{Source: catalog.SourceFile, Status: catalog.StatusActive}
	meta := map[string]string{}
	var price, currency, qtyText, sku, description string
	var qty *int
	var varType, varName, varValues [2]string
	var srcs map[string]bool
	for i, c := range r.cols {
		s := vals[i]
		var why string
		switch c.role {
		case roleTitle:
			p.Title = s
		case roleBody:
			description = s
		case rolePrice:
			price, why = parsePrice(c.name, s)
		case roleCurrency:
			currency, why = parseCurrency(c.name, s)
		case roleQuantity:
			qty, why = parseQuantity(c.name, s)
			if qty != nil {
				qtyText = strconv.Itoa(*qty)
			}
		case roleTags:
			p.Tags, why = parseTags(c, s)
		case roleEtsyMaterials:
			if s != "" {
				meta[etsyMaterialsKey] = s
			}
		case roleSKU:
			sku = strings.TrimSpace(s)
		case roleEtsyImage:
			src := strings.TrimSpace(s)
			if src == "" || srcs[src] {
				break
			}
			if srcs == nil {
				srcs = map[string]bool{}
			}
			srcs[src] = true
			p.Images = append(p.Images, catalog.Image{Src: src, Position: c.n})
		case roleEtsyVariationType:
			varType[c.n] = strings.TrimSpace(s)
		case roleEtsyVariationName:
			varName[c.n] = strings.TrimSpace(s)
		case roleEtsyVariationValues:
			varValues[c.n] = s
		case roleProductMeta:
			if s != "" {
				meta[c.key] = s
			}
		}
		if why != "" {
			return nil, &Reject{Line: line, Reason: why}
		}
	}
	if strings.TrimSpace(p.Title) == "" && sku == "" {
		return nil, &Reject{Line: line, Reason: "the listing has neither a TITLE nor a SKU"}
	}
	if description != "" {
		p.BodyHTML = textToHTML(description)
		meta[etsyDescriptionKey] = description
		if len(p.BodyHTML) > r.maxBody {
			return nil, &Reject{Line: line, Reason: fmt.Sprintf("DESCRIPTION is %s once written as HTML; at most %s", size(len(p.BodyHTML)), size(r.maxBody))}
		}
	}
	var money *catalog.Money
	if price != "" {
		money = &catalog.Money{Amount: price, Currency: currency}
	}

	combos := 1
	for i := range 2 {
		values := dedupe(splitList(varValues[i]))
		if varType[i] != "" {
			meta[fmt.Sprintf("etsy:variation %d type", i+1)] = varType[i]
		}
		if len(values) == 0 {
			if varName[i] != "" {
				meta[fmt.Sprintf("etsy:variation %d name", i+1)] = varName[i]
			}
			continue
		}
		name := varName[i]
		if name == "" {
			name = varType[i]
		}
		if name == "" {
			name = fmt.Sprintf("Variation %d", i+1)
		}
		p.Options = append(p.Options, catalog.Option{Name: name, Values: values})
		combos *= len(values)
		if combos > maxCombinations {
			return nil, &Reject{Line: line, Reason: fmt.Sprintf("the variations make more than %d combinations", maxCombinations)}
		}
	}
	if len(p.Options) == 0 {
		v := catalog.Variant{SKU: sku, Price: money, InventoryQty: qty}
		if !variantEmpty(&v) {
			p.Variants = []catalog.Variant{v}
		}
	} else {
		if sku != "" {
			meta[etsySKUKey] = sku
		}
		if qtyText != "" {
			meta[etsyQuantityKey] = qtyText
		}
		p.Variants = make([]catalog.Variant, 0, combos)
		var walk func(i int, vals []string)
		walk = func(i int, vals []string) {
			if i == len(p.Options) {
				v := catalog.Variant{OptionValues: append([]string(nil), vals...)}
				if money != nil {
					m := *money
					v.Price = &m
				}
				p.Variants = append(p.Variants, v)
				return
			}
			for _, val := range p.Options[i].Values {
				walk(i+1, append(vals, val))
			}
		}
		walk(0, nil)
	}
	handle := sku
	if handle == "" {
		handle = slug(p.Title)
	}
	p.Handle = r.unique(handle)
	if len(p.Handle) > r.maxField {
		return nil, &Reject{Line: line, Reason: fmt.Sprintf("the handle made for this listing is %s; at most %s", size(len(p.Handle)), size(r.maxField))}
	}
	r.markSeen(p.Handle, line)
	if len(meta) > 0 {
		p.Metadata = meta
	}
	normalizeProduct(p)
	return p, nil
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
