package csvfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/catalog"
)

// rowData is one row of a Shopify or generic file, by meaning, checked.
type rowData struct {
	line                                       int
	handle                                     string
	title, body, vendor, category, productType string
	published, status, seoTitle, seoDescr      string
	tags                                       []string
	optionNames                                [3]string
	optionValues                               [3]string
	meta                                       []kv
	variant                                    catalog.Variant
	image                                      catalog.Image
}

type kv struct{ k, v string }

// parseRow reads a decoded row. A value that cannot be used (a price that
// is not a number) rejects the whole row.
func (r *Reader) parseRow(vals []string, line int) (rowData, *Reject) {
	d := rowData{line: line}
	var price, compareAt, currency string
	for i, c := range r.cols {
		s := vals[i]
		var why string
		switch c.role {
		case roleHandle:
			d.handle = strings.TrimSpace(s)
		case roleTitle:
			d.title = s
		case roleBody:
			d.body = s
		case roleVendor:
			d.vendor = s
		case roleCategory:
			d.category = s
		case roleType:
			d.productType = s
		case roleTags:
			d.tags, why = parseTags(c, s)
		case rolePublished:
			d.published = strings.TrimSpace(s)
		case roleStatus:
			d.status, why = parseStatus(c, s)
		case roleSEOTitle:
			d.seoTitle = s
		case roleSEODescription:
			d.seoDescr = s
		case roleOptionName:
			d.optionNames[c.n] = strings.TrimSpace(s)
		case roleOptionValue:
			d.optionValues[c.n] = strings.TrimSpace(s)
		case roleSKU:
			d.variant.SKU = strings.TrimSpace(s)
		case roleGrams:
			d.variant.Grams = strings.TrimSpace(s)
		case roleQuantity:
			d.variant.InventoryQty, why = parseQuantity(c.name, s)
		case rolePrice:
			price, why = parsePrice(c.name, s)
		case roleCompareAtPrice:
			compareAt, why = parsePrice(c.name, s)
		case roleCurrency:
			currency, why = parseCurrency(c.name, s)
		case roleBarcode:
			d.variant.Barcode = strings.TrimSpace(s)
		case roleVariantImage:
			d.variant.ImageSrc = strings.TrimSpace(s)
		case roleWeightUnit:
			d.variant.WeightUnit = strings.TrimSpace(s)
		case roleImageSrc:
			d.image.Src = strings.TrimSpace(s)
		case roleImagePosition:
			d.image.Position, why = parsePosition(c.name, s)
		case roleImageAlt:
			d.image.Alt = s
		case roleProductMeta:
			if s != "" {
				d.meta = append(d.meta, kv{c.key, s})
			}
		case roleVariantMeta:
			if s != "" {
				if d.variant.Metadata == nil {
					d.variant.Metadata = map[string]string{}
				}
				d.variant.Metadata[c.key] = s
			}
		}
		if why != "" {
			return d, &Reject{Line: line, Reason: why}
		}
	}
	if price != "" {
		d.variant.Price = &catalog.Money{Amount: price, Currency: currency}
	}
	if compareAt != "" {
		d.variant.CompareAtPrice = &catalog.Money{Amount: compareAt, Currency: currency}
	}
	for i := len(d.optionValues); i > 0; i-- {
		if d.optionValues[i-1] != "" {
			d.variant.OptionValues = append([]string(nil), d.optionValues[:i]...)
			break
		}
	}
	return d, nil
}

// parsePrice canonicalises a price; why says what is wrong with it.
func parsePrice(col, s string) (amount, why string) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", ""
	}
	a, err := catalog.ParseAmount(decimalComma(t))
	switch {
	case err == nil:
		return a, ""
	case !errors.Is(err, catalog.ErrBadDecimal):
		return "", fmt.Sprintf("%s %s is negative", col, quoted(t))
	case isPlainNumber(strings.ReplaceAll(t, ",", "")):
		return "", fmt.Sprintf("%s %s has too many digits (at most 15 before the point and 6 after)", col, quoted(t))
	}
	return "", fmt.Sprintf("%s %s is not a number", col, quoted(t))
}

// decimalComma rewrites a price written with a decimal comma ("4,50",
// "1.299,00", "12,5") with a decimal point, which catalog.ParseAmount
// expects: it reads every comma as a thousands separator and would make
// "4,50" 450 and "1.299,00" 1.299. A comma is a decimal comma when it is
// the last separator and one or two digits follow it; "1,299" stays
// thousands.
func decimalComma(s string) string {
	i := strings.LastIndexAny(s, ",.")
	if i < 0 || s[i] != ',' {
		return s
	}
	frac := s[i+1:]
	if len(frac) == 0 || len(frac) > 2 || strings.Trim(frac, "0123456789") != "" {
		return s
	}
	head := strings.NewReplacer(",", "", ".", "").Replace(s[:i])
	return head + "." + frac
}

// parseTags splits a tag list; its export (joined by ", ") must fit the
// column's limit too.
func parseTags(c column, s string) ([]string, string) {
	tags := splitList(s)
	if n := joinedLen(tags); n > c.max {
		return nil, fmt.Sprintf("%s are %s once written as a list; at most %s", c.name, size(n), size(c.max))
	}
	return tags, ""
}

func joinedLen(tags []string) int {
	n := 0
	for i, t := range tags {
		if i > 0 {
			n += 2
		}
		n += len(t)
	}
	return n
}

// parseStatus keeps a status; an unknown one is kept lower-cased, if short.
func parseStatus(c column, s string) (string, string) {
	if t := strings.ToLower(strings.TrimSpace(s)); len(t) > 64 {
		return "", fmt.Sprintf("%s %s is not a status (active, draft or archived)", c.name, quoted(strings.TrimSpace(s)))
	}
	return s, ""
}

func parseQuantity(col, s string) (*int, string) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, ""
	}
	n, err := strconv.Atoi(strings.ReplaceAll(t, ",", ""))
	if err != nil || n < -1e9 || n > 1e9 {
		return nil, fmt.Sprintf("%s %s is not a whole number", col, quoted(t))
	}
	return &n, ""
}

func parsePosition(col, s string) (int, string) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, ""
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 || n > 1e6 {
		return 0, fmt.Sprintf("%s %s is not a position (a whole number from 1)", col, quoted(t))
	}
	return n, ""
}

func parseCurrency(col, s string) (string, string) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "" {
		return "", ""
	}
	if len(t) != 3 || strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", fmt.Sprintf("%s %s is not a three-letter currency code (such as USD or EUR)", col, quoted(strings.TrimSpace(s)))
	}
	return t, ""
}

// addRow adds a row of a Shopify or generic file to the product it belongs
// to, or starts a product with it.
func (r *Reader) addRow(vals []string, line int) {
	d, rej := r.parseRow(vals, line)
	handle, group := d.handle, r.grouped
	if r.format == FormatGeneric && handle == "" {
		handle = d.variant.SKU
	}
	if rej != nil {
		r.rejectRow(*rej, handle)
		return
	}
	switch {
	case handle != "":
	case r.format == FormatShopify:
		r.rejectRow(Reject{Line: line, Reason: fmt.Sprintf("the %s is empty; every row needs the handle of its product", r.cols[r.handle].name)}, "")
		return
	case d.title == "":
		r.rejectRow(Reject{Line: line, Reason: "the row has neither a name/title nor a SKU"}, "")
		return
	default:
		handle, group = slug(d.title), false
	}
	if !r.grouped {
		group = false
	}
	if group && r.cur != nil && handle == r.cur.handle {
		r.cur.add(&d)
		return
	}
	if r.format == FormatGeneric && d.title == "" && d.variant.SKU == "" {
		r.rejectRow(Reject{Line: line, Reason: "the row has neither a name/title nor a SKU"}, "")
		return
	}
	if group {
		if first, ok := r.seenAt(handle); ok {
			r.rejectRow(Reject{Line: line, Reason: fmt.Sprintf("rows for handle %s must follow each other (product started at line %d)", quoted(handle), first)}, "")
			return
		}
	} else {
		handle = r.unique(handle)
		if len(handle) > r.maxField {
			r.rejectRow(Reject{Line: line, Reason: fmt.Sprintf("the handle made for this row is %s; at most %s", size(len(handle)), size(r.maxField))}, "")
			return
		}
	}
	r.startProduct(handle, line)
	r.cur.start(&d)
	if !r.grouped {
		r.finishProduct()
	}
}

// rejectRow records a rejected row. In a grouped file a row that starts a
// product (its handle is new) rejects that product, and the product's other
// rows are skipped.
func (r *Reader) rejectRow(rej Reject, handle string) {
	if r.grouped && handle != "" {
		if r.cur != nil && handle == r.cur.handle {
			r.cur.rejects = append(r.cur.rejects, rej)
			return
		}
		if _, seen := r.seenAt(handle); !seen {
			r.startProduct(handle, rej.Line)
			r.cur.rejected = true
			r.cur.rejects = append(r.cur.rejects, rej)
			return
		}
	}
	if r.cur != nil {
		r.cur.rejects = append(r.cur.rejects, rej)
		return
	}
	r.out = append(r.out, Item{Line: rej.Line, Rejects: []Reject{rej}})
}

func (r *Reader) startProduct(handle string, line int) {
	r.finishProduct()
	r.markSeen(handle, line)
	r.cur = &builder{
		p:      &catalog.Product{Source: catalog.SourceFile, Handle: handle},
		line:   line,
		handle: handle,
	}
}

func (r *Reader) finishProduct() {
	if r.cur != nil {
		r.out = append(r.out, r.cur.finish())
		r.cur = nil
	}
}

// builder collects one product's rows.
type builder struct {
	p           *catalog.Product
	line        int
	handle      string
	optionNames [3]string
	rejected    bool // the first row was rejected: skip the rest
	rejects     []Reject
	skipped     int
	skipFrom    int
	srcs        map[string]bool
	maxPos      int
}

// start takes the product's columns from its first row.
func (b *builder) start(d *rowData) {
	p := b.p
	p.Title, p.BodyHTML, p.Vendor = d.title, d.body, d.vendor
	p.Category, p.ProductType = d.category, d.productType
	p.Tags = d.tags
	p.Published = d.published
	p.Status = status(d.status, d.published)
	p.SEOTitle, p.SEODescription = d.seoTitle, d.seoDescr
	b.optionNames = d.optionNames
	b.addMeta(d.meta)
	b.addParts(d)
}

// add takes a further row: its variant and image. Product columns on later
// rows are ignored, as Shopify does, except metadata the first row left empty.
func (b *builder) add(d *rowData) {
	if b.rejected {
		if b.skipped == 0 {
			b.skipFrom = d.line
		}
		b.skipped++
		return
	}
	b.addMeta(d.meta)
	b.addParts(d)
}

func (b *builder) addMeta(meta []kv) {
	for _, m := range meta {
		if b.p.Metadata == nil {
			b.p.Metadata = map[string]string{}
		}
		if _, ok := b.p.Metadata[m.k]; !ok {
			b.p.Metadata[m.k] = m.v
		}
	}
}

func (b *builder) addParts(d *rowData) {
	p := b.p
	if !variantEmpty(&d.variant) {
		p.Variants = append(p.Variants, d.variant)
	}
	if im := d.image; im.Src != "" && !b.srcs[im.Src] {
		if b.srcs == nil {
			b.srcs = map[string]bool{}
		}
		b.srcs[im.Src] = true
		if im.Position == 0 {
			im.Position = b.maxPos + 1
		}
		b.maxPos = max(b.maxPos, im.Position)
		p.Images = append(p.Images, im)
	}
}

// variantEmpty reports whether a row carries no variant at all.
func variantEmpty(v *catalog.Variant) bool {
	return v.SKU == "" && v.Barcode == "" && len(v.OptionValues) == 0 && v.Price == nil &&
		v.CompareAtPrice == nil && v.Grams == "" && v.WeightUnit == "" && v.InventoryQty == nil &&
		v.ImageSrc == "" && len(v.Metadata) == 0
}

// finish completes the product: options and their values in order of first
// appearance, and variant images linked to images.
func (b *builder) finish() Item {
	it := Item{Line: b.line, Rejects: b.rejects}
	if b.rejected {
		if b.skipped > 0 {
			it.Rejects = append(it.Rejects, Reject{Line: b.skipFrom, Reason: fmt.Sprintf(
				"%d more %s for handle %s skipped because the product's first row (line %d) was rejected",
				b.skipped, plural(b.skipped, "row", "rows"), quoted(b.handle), b.line)})
		}
		return it
	}
	p := b.p
	n := 0
	for i, name := range b.optionNames {
		if name != "" {
			n = i + 1
		}
	}
	p.Options = make([]catalog.Option, n)
	seen := make([]map[string]bool, n)
	for i := range n {
		p.Options[i] = catalog.Option{Name: b.optionNames[i], Values: []string{}}
		seen[i] = map[string]bool{}
	}
	for vi := range p.Variants {
		v := &p.Variants[vi]
		for len(v.OptionValues) < n {
			v.OptionValues = append(v.OptionValues, "")
		}
		for i := range n {
			if val := v.OptionValues[i]; val != "" && !seen[i][val] {
				seen[i][val] = true
				p.Options[i].Values = append(p.Options[i].Values, val)
			}
		}
	}
	linkVariantImages(p, &b.maxPos)
	normalizeProduct(p)
	it.Product = p
	return it
}

// linkVariantImages lists each variant's SKU on the image its Variant Image
// names. A variant image that no Image Src row lists is added as an image,
// after the others.
func linkVariantImages(p *catalog.Product, maxPos *int) {
	var at map[string]int
	for _, v := range p.Variants {
		if v.ImageSrc == "" {
			continue
		}
		if at == nil {
			at = make(map[string]int, len(p.Images))
			for i, im := range p.Images {
				at[im.Src] = i
			}
		}
		i, ok := at[v.ImageSrc]
		if !ok {
			*maxPos++
			p.Images = append(p.Images, catalog.Image{Src: v.ImageSrc, Position: *maxPos})
			i = len(p.Images) - 1
			at[v.ImageSrc] = i
		}
		if v.SKU != "" && !contains(p.Images[i].VariantSKUs, v.SKU) {
			p.Images[i].VariantSKUs = append(p.Images[i].VariantSKUs, v.SKU)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// normalizeProduct gives every reader's products the same shape: empty lists, not
// nil; no empty metadata maps.
func normalizeProduct(p *catalog.Product) {
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Options == nil {
		p.Options = []catalog.Option{}
	}
	for i := range p.Options {
		if p.Options[i].Values == nil {
			p.Options[i].Values = []string{}
		}
	}
	if p.Variants == nil {
		p.Variants = []catalog.Variant{}
	}
	for i := range p.Variants {
		v := &p.Variants[i]
		if v.OptionValues == nil {
			v.OptionValues = []string{}
		}
		if len(v.Metadata) == 0 {
			v.Metadata = nil
		}
	}
	if p.Images == nil {
		p.Images = []catalog.Image{}
	}
	if len(p.Metadata) == 0 {
		p.Metadata = nil
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
