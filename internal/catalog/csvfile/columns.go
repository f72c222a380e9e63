package csvfile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// role is what a column holds.
type role uint8

const (
	roleProductMeta role = iota // kept in Product.Metadata under the column's key
	roleVariantMeta             // kept in Variant.Metadata under the column's key
	roleIgnore                  // read and dropped
	roleHandle
	roleTitle
	roleBody
	roleVendor
	roleCategory
	roleType
	roleTags
	rolePublished
	roleStatus
	roleSEOTitle
	roleSEODescription
	roleOptionName  // n = 0..2
	roleOptionValue // n = 0..2
	roleSKU
	roleGrams
	roleQuantity
	rolePrice
	roleCompareAtPrice
	roleBarcode
	roleVariantImage
	roleWeightUnit
	roleCurrency
	roleImageSrc
	roleImagePosition
	roleImageAlt
	// Etsy only.
	roleEtsyMaterials
	roleEtsyImage         // n = 1..10
	roleEtsyVariationType // n = 0..1
	roleEtsyVariationName
	roleEtsyVariationValues
)

// colRole is a role with its index (option number, image number).
type colRole struct {
	role role
	n    int
}

func (c colRole) known() bool {
	return c.role != roleProductMeta && c.role != roleVariantMeta && c.role != roleIgnore
}

// column is one header column as the reader uses it.
type column struct {
	name string // the header as written in the file (decoded)
	key  string // metadata key, for the meta roles
	colRole
	max int // byte limit for one value
}

// currencyColumn is not one of Shopify's columns: the writer adds it (and
// MetadataColumns asks for it) only when a price carries a currency, so a
// re-import keeps Money.Currency.
const currencyColumn = "Variant Currency"

// shopifyColumns maps Shopify's column names, classic and current
// (lower-cased), to their roles.
var shopifyColumns = map[string]colRole{
	"handle":                    {roleHandle, 0},
	"url handle":                {roleHandle, 0},
	"title":                     {roleTitle, 0},
	"body (html)":               {roleBody, 0},
	"description":               {roleBody, 0},
	"vendor":                    {roleVendor, 0},
	"product category":          {roleCategory, 0},
	"type":                      {roleType, 0},
	"tags":                      {roleTags, 0},
	"published":                 {rolePublished, 0},
	"published on online store": {rolePublished, 0},
	"status":                    {roleStatus, 0},
	"seo title":                 {roleSEOTitle, 0},
	"seo description":           {roleSEODescription, 0},
	"option1 name":              {roleOptionName, 0},
	"option2 name":              {roleOptionName, 1},
	"option3 name":              {roleOptionName, 2},
	"option1 value":             {roleOptionValue, 0},
	"option2 value":             {roleOptionValue, 1},
	"option3 value":             {roleOptionValue, 2},
	"variant sku":               {roleSKU, 0},
	"sku":                       {roleSKU, 0},
	"variant grams":             {roleGrams, 0},
	"weight value (grams)":      {roleGrams, 0},
	"variant inventory qty":     {roleQuantity, 0},
	"inventory quantity":        {roleQuantity, 0},
	"variant price":             {rolePrice, 0},
	"price":                     {rolePrice, 0},
	"variant compare at price":  {roleCompareAtPrice, 0},
	"compare-at price":          {roleCompareAtPrice, 0},
	"compare at price":          {roleCompareAtPrice, 0},
	"variant barcode":           {roleBarcode, 0},
	"barcode":                   {roleBarcode, 0},
	"variant image":             {roleVariantImage, 0},
	"variant image url":         {roleVariantImage, 0},
	"variant weight unit":       {roleWeightUnit, 0},
	"weight unit for display":   {roleWeightUnit, 0},
	"variant currency":          {roleCurrency, 0},
	"image src":                 {roleImageSrc, 0},
	"product image url":         {roleImageSrc, 0},
	"image position":            {roleImagePosition, 0},
	"image alt text":            {roleImageAlt, 0},
}

// variantColumns are Shopify's per-variant columns that have no field of
// their own (current column names; classic ones all start with "Variant ").
var variantColumns = map[string]bool{
	"cost per item":                      true,
	"charge tax":                         true,
	"tax code":                           true,
	"inventory tracker":                  true,
	"inventory policy":                   true,
	"continue selling when out of stock": true,
	"requires shipping":                  true,
	"fulfillment service":                true,
	"unit price total measure":           true,
	"unit price total measure unit":      true,
	"unit price base measure":            true,
	"unit price base measure unit":       true,
}

// variantPrefixes start per-variant columns: classic "Variant ..." columns and
// the per-market price columns ("Price / United States").
var variantPrefixes = []string{"variant ", "price / ", "compare at price / ", "compare-at price / ", "included / "}

// classify says what a column of a Shopify product CSV holds, from its name
// alone (trimmed, case-insensitive). Unknown columns are product metadata,
// except per-variant ones, which are variant metadata. The reader and the
// writer share it, so a metadata key written as a header reads back as the
// same kind of metadata.
func classify(name string) colRole {
	k := strings.ToLower(strings.TrimSpace(name))
	if c, ok := shopifyColumns[k]; ok {
		return c
	}
	if variantColumns[k] || strings.Contains(k, "(variant.metafields.") {
		return colRole{roleVariantMeta, 0}
	}
	for _, p := range variantPrefixes {
		if strings.HasPrefix(k, p) {
			return colRole{roleVariantMeta, 0}
		}
	}
	return colRole{roleProductMeta, 0}
}

// normalize lower-cases a header and drops everything but letters and digits,
// for the generic and Etsy matching ("Image URL" -> "imageurl").
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// genericNames maps normalized header names seen in spreadsheets and other
// platforms' exports to roles. Shopify's own names are tried first.
var genericNames = map[string]colRole{}

func init() {
	add := func(r role, names ...string) {
		for _, n := range names {
			genericNames[n] = colRole{r, 0}
		}
	}
	add(roleTitle, "name", "productname", "title", "producttitle", "itemname", "itemtitle", "listingtitle")
	add(roleBody, "description", "body", "bodyhtml", "longdescription", "productdescription", "descriptionhtml", "fulldescription")
	add(rolePrice, "price", "regularprice", "variantprice", "unitprice", "retailprice")
	add(roleCompareAtPrice, "compareatprice", "compareprice", "msrp", "rrp", "listprice", "originalprice", "wasprice")
	add(roleCurrency, "currency", "currencycode")
	add(roleImageSrc, "image", "imageurl", "imagelink", "mainimage", "mainimageurl", "imagesrc", "picture", "pictureurl", "photo", "photourl", "featuredimage", "productimage", "productimageurl")
	add(roleImageAlt, "imagealt", "imagealttext", "alttext")
	add(roleVendor, "brand", "vendor", "manufacturer", "brandname", "maker")
	add(roleCategory, "category", "productcategory", "categories", "categorypath")
	add(roleType, "type", "producttype", "itemtype")
	add(roleTags, "tags", "tag", "keywords", "keyword")
	add(roleSKU, "sku", "itemsku", "variantsku", "productsku", "sellersku", "skucode", "itemcode", "productcode", "itemnumber", "articlenumber")
	add(roleHandle, "handle", "urlhandle", "slug", "parent", "parentsku", "parenthandle", "groupid", "itemgroupid", "productgroup")
	add(roleBarcode, "barcode", "gtin", "gtin8", "gtin12", "gtin13", "gtin14", "upc", "ean", "isbn", "jan", "variantbarcode")
	add(roleQuantity, "qty", "quantity", "stock", "stockqty", "stockquantity", "inventory", "inventoryqty", "inventoryquantity", "variantinventoryqty", "onhand")
	add(roleStatus, "status", "productstatus")
	add(rolePublished, "published")
	add(roleSEOTitle, "seotitle", "metatitle", "pagetitle")
	add(roleSEODescription, "seodescription", "metadescription")
	add(roleGrams, "grams", "weightgrams", "weightg", "variantgrams", "weightvaluegrams")
}

// mapFields are the field names Options.Map accepts.
var mapFields = map[string]role{
	"sku":              roleSKU,
	"title":            roleTitle,
	"description":      roleBody,
	"price":            rolePrice,
	"compare_at_price": roleCompareAtPrice,
	"currency":         roleCurrency,
	"image":            roleImageSrc,
	"vendor":           roleVendor,
	"category":         roleCategory,
	"type":             roleType,
	"tags":             roleTags,
	"handle":           roleHandle,
	"barcode":          roleBarcode,
	"quantity":         roleQuantity,
	"status":           roleStatus,
	"seo_title":        roleSEOTitle,
	"seo_description":  roleSEODescription,
	"weight_grams":     roleGrams,
}

// MapFields lists the field names Options.Map accepts, sorted.
func MapFields() []string {
	fs := make([]string, 0, len(mapFields))
	for f := range mapFields {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	return fs
}

// etsyColumns maps Etsy's listing-download headers (normalized) to roles.
var etsyColumns = map[string]colRole{
	"title":        {roleTitle, 0},
	"description":  {roleBody, 0},
	"price":        {rolePrice, 0},
	"currencycode": {roleCurrency, 0},
	"quantity":     {roleQuantity, 0},
	"tags":         {roleTags, 0},
	"materials":    {roleEtsyMaterials, 0},
	"sku":          {roleSKU, 0},
}

func init() {
	for i := 1; i <= 10; i++ {
		etsyColumns["image"+strconv.Itoa(i)] = colRole{roleEtsyImage, i}
	}
	for i := 0; i < 2; i++ {
		v := "variation" + strconv.Itoa(i+1)
		etsyColumns[v+"type"] = colRole{roleEtsyVariationType, i}
		etsyColumns[v+"name"] = colRole{roleEtsyVariationName, i}
		etsyColumns[v+"values"] = colRole{roleEtsyVariationValues, i}
	}
}

// headerName is the name a column goes by: blank headers become "Column N".
func headerName(h string, i int) string {
	if strings.TrimSpace(h) == "" {
		return "Column " + strconv.Itoa(i+1)
	}
	return h
}

// shopifyLayout assigns roles by Shopify's names: every known column once.
func shopifyLayout(header []string) ([]column, error) {
	cols := make([]column, len(header))
	byRole := map[colRole]int{}
	metaAt := map[string]int{}
	for i, h := range header {
		name := headerName(h, i)
		cr := classify(name)
		cols[i] = column{name: name, colRole: cr}
		if cr.known() {
			if j, dup := byRole[cr]; dup {
				return nil, notCSV("columns %q and %q hold the same thing; keep one of them", header[j], name)
			}
			byRole[cr] = i
			continue
		}
		cols[i].key = name
		if j, dup := metaAt[name]; dup {
			return nil, notCSV("column %q appears twice (columns %d and %d)", name, j+1, i+1)
		}
		metaAt[name] = i
	}
	if _, ok := byRole[colRole{roleHandle, 0}]; !ok {
		return nil, notCSV("no Handle column: this is not a Shopify product CSV")
	}
	return cols, nil
}

// genericLayout assigns roles by Map, then Shopify's names, then common
// synonyms; the rest is metadata.
func genericLayout(header []string, m map[string]string) ([]column, error) {
	cols := make([]column, len(header))
	set := make([]bool, len(header))
	taken := map[colRole]int{}
	for i, h := range header {
		cols[i].name = headerName(h, i)
	}
	assign := func(i int, cr colRole) {
		cols[i].colRole = cr
		set[i] = true
		taken[cr] = i
	}
	// Map first, in a stable order so errors do not depend on map order.
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field := strings.ToLower(strings.TrimSpace(m[k]))
		r, ok := mapFields[field]
		if !ok {
			return nil, fmt.Errorf("--map %s=%s: unknown field %q (fields: %s)", k, m[k], m[k], strings.Join(MapFields(), ", "))
		}
		i, err := findColumn(header, k)
		if err != nil {
			return nil, err
		}
		cr := colRole{r, 0}
		if j, dup := taken[cr]; dup {
			return nil, fmt.Errorf("--map: columns %q and %q are both mapped to %s", cols[j].name, cols[i].name, field)
		}
		if set[i] {
			return nil, fmt.Errorf("--map: column %q is mapped twice", cols[i].name)
		}
		assign(i, cr)
	}
	for i := range cols {
		if cr := classify(cols[i].name); !set[i] && cr.known() {
			if _, dup := taken[cr]; !dup {
				assign(i, cr)
			}
		}
	}
	for i := range cols {
		if cr, ok := genericNames[normalize(cols[i].name)]; ok && !set[i] {
			if _, dup := taken[cr]; !dup {
				assign(i, cr)
			}
		}
	}
	metaAt := map[string]int{}
	for i := range cols {
		if set[i] {
			continue
		}
		c := &cols[i]
		cr := classify(c.name)
		c.colRole, c.key = cr, c.name
		if cr.known() {
			// A second column with one of Shopify's names (say "Price" next
			// to "Variant Price"): keep its values under a key that cannot
			// be mistaken for the real column on re-import.
			c.colRole, c.key = colRole{roleProductMeta, 0}, "csv:"+c.name
		}
		if j, dup := metaAt[c.key]; dup {
			return nil, notCSV("column %q appears twice (columns %d and %d)", c.name, j+1, i+1)
		}
		metaAt[c.key] = i
	}
	_, hasTitle := taken[colRole{roleTitle, 0}]
	_, hasSKU := taken[colRole{roleSKU, 0}]
	if !hasTitle && !hasSKU {
		return nil, notCSV("no usable columns: found no name/title or SKU column (columns: %s)", listHeader(header))
	}
	return cols, nil
}

// findColumn finds a --map column: exact, then ignoring case, then ignoring
// punctuation.
func findColumn(header []string, name string) (int, error) {
	tries := []func(h string) bool{
		func(h string) bool { return strings.TrimSpace(h) == strings.TrimSpace(name) },
		func(h string) bool { return strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(name)) },
		func(h string) bool { return normalize(h) != "" && normalize(h) == normalize(name) },
	}
	for _, match := range tries {
		found := -1
		for i, h := range header {
			if match(h) {
				if found >= 0 {
					return 0, fmt.Errorf("--map: column %q matches both column %d and column %d", name, found+1, i+1)
				}
				found = i
			}
		}
		if found >= 0 {
			return found, nil
		}
	}
	return 0, fmt.Errorf("--map: the file has no column %q (columns: %s)", name, listHeader(header))
}

func listHeader(header []string) string {
	const max = 12
	hs := header
	more := ""
	if len(hs) > max {
		hs, more = hs[:max], fmt.Sprintf(", … %d more", len(header)-max)
	}
	q := make([]string, len(hs))
	for i, h := range hs {
		q[i] = strconv.Quote(clip(h, 40))
	}
	return strings.Join(q, ", ") + more
}

// etsyLayout assigns Etsy's columns; other columns are kept as "etsy:NAME".
func etsyLayout(header []string) ([]column, error) {
	cols := make([]column, len(header))
	taken := map[colRole]int{}
	metaAt := map[string]int{}
	for i, h := range header {
		name := headerName(h, i)
		cols[i].name = name
		if cr, ok := etsyColumns[normalize(name)]; ok {
			if j, dup := taken[cr]; dup {
				return nil, notCSV("columns %q and %q hold the same thing; keep one of them", cols[j].name, name)
			}
			taken[cr] = i
			cols[i].colRole = cr
			continue
		}
		key := "etsy:" + strings.TrimSpace(name)
		cols[i].colRole, cols[i].key = colRole{roleProductMeta, 0}, key
		if classify(key).role != roleProductMeta {
			cols[i].colRole = colRole{roleIgnore, 0} // would not survive a Shopify export
		}
		if j, dup := metaAt[key]; dup {
			return nil, notCSV("column %q appears twice (columns %d and %d)", name, j+1, i+1)
		}
		metaAt[key] = i
	}
	if _, ok := taken[colRole{roleTitle, 0}]; !ok {
		return nil, notCSV("no TITLE column: this is not an Etsy listings CSV")
	}
	return cols, nil
}

// Detect tells the format of a product CSV from its header: Shopify's
// product CSV (a Handle or URL handle column and a Title column), Etsy's
// listings download (TITLE, CURRENCY_CODE and IMAGE1 or MATERIALS), or a
// generic CSV (any name/title or SKU column). Otherwise the error wraps
// ErrNotCSV.
func Detect(header []string) (Format, error) {
	exact := map[string]bool{}
	norm := map[string]bool{}
	for _, h := range header {
		exact[strings.ToLower(strings.TrimSpace(h))] = true
		norm[normalize(h)] = true
	}
	if (exact["handle"] || exact["url handle"]) && exact["title"] {
		return FormatShopify, nil
	}
	if norm["title"] && norm["currencycode"] && (norm["image1"] || norm["materials"]) {
		return FormatEtsy, nil
	}
	for _, h := range header {
		cr, ok := genericNames[normalize(h)]
		if !ok {
			cr = classify(h)
		}
		if cr.role == roleTitle || cr.role == roleSKU {
			return FormatGeneric, nil
		}
	}
	return "", notCSV("no usable columns: expected a Shopify product CSV (Handle, Title, …), an Etsy listings download or a CSV with a name/title or SKU column (columns: %s)", listHeader(header))
}
