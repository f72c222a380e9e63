// Package catalog owns a brand's products, variants and images as imported
// from files or stores. The values kept here are the source values, exactly
// as imported; content PlutoPro writes lives elsewhere (drafts), so "revert
// to original" and "only fill empty fields" stay possible.
package catalog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Sources a product can come from.
const (
	SourceFile    = "file"
	SourceShopify = "shopify"
	SourceEtsy    = "etsy"
	SourceAmazon  = "amazon"
)

// Product statuses (Shopify's vocabulary; other sources map onto it).
const (
	StatusActive   = "active"
	StatusDraft    = "draft"
	StatusArchived = "archived"
)

// Product is one product as imported. The JSON form is what the API returns.
type Product struct {
	ID      string `json:"id"`
	BrandID string `json:"brand_id"`
	// Source is where it came from (file, shopify, etsy, amazon) and
	// ExternalID its id there (empty for files, which are keyed by Handle).
	Source     string `json:"source"`
	ExternalID string `json:"external_id,omitempty"`
	// Handle is the URL slug; the key of a product within a file source.
	Handle      string   `json:"handle"`
	Title       string   `json:"title"`
	BodyHTML    string   `json:"body_html"` // as given; sanitise before showing
	Vendor      string   `json:"vendor"`
	ProductType string   `json:"product_type"`
	Category    string   `json:"category"`
	Tags        []string `json:"tags"`
	Status      string   `json:"status"`
	// Published is Shopify's "Published" column ("" when the file had none).
	Published      string   `json:"published,omitempty"`
	Options        []Option `json:"options"`
	SEOTitle       string   `json:"seo_title"`
	SEODescription string   `json:"seo_description"`
	// Metadata keeps every value that has no field of its own (unknown
	// columns, metafields, Google Shopping columns), keyed by column name, so
	// an export writes them back unchanged.
	Metadata map[string]string `json:"metadata,omitempty"`
	Variants []Variant         `json:"variants"`
	Images   []Image           `json:"images"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// enc caches the row encoding made by Precompute.
	enc *encoded
}

// Option is a product option such as Size with its values in order.
type Option struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// Variant is one purchasable variant.
type Variant struct {
	SKU     string `json:"sku"`
	Barcode string `json:"barcode"`
	// OptionValues line up with Product.Options.
	OptionValues   []string `json:"option_values"`
	Price          *Money   `json:"price,omitempty"`
	CompareAtPrice *Money   `json:"compare_at_price,omitempty"`
	// Weight in grams as written (Shopify's Variant Grams), and the unit the
	// seller displays it in.
	Grams      string `json:"grams,omitempty"`
	WeightUnit string `json:"weight_unit,omitempty"`
	// InventoryQty is nil when the file did not say.
	InventoryQty *int `json:"inventory_qty,omitempty"`
	// ImageSrc is the variant's own image (Shopify's Variant Image).
	ImageSrc string            `json:"image_src,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Image is a product image. Width and Height are 0 when unknown.
type Image struct {
	// ExternalID is the image's id in its store (Shopify MediaImage gid,
	// Etsy listing_image_id), needed to write its alt text back.
	ExternalID string `json:"external_id,omitempty"`
	Src        string `json:"src"`
	Position   int    `json:"position"`
	Alt        string `json:"alt"`
	Width      int    `json:"width,omitempty"`
	Height     int    `json:"height,omitempty"`
	// VariantSKUs are the variants shown by this image.
	VariantSKUs []string `json:"variant_skus,omitempty"`
}

// Money is an exact decimal amount: Amount is canonical ("19.99", "5", "0.5"),
// never a float.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency,omitempty"` // ISO 4217; empty when the file did not say
}

// ErrBadDecimal is returned for amounts that are not plain non-negative decimals.
var ErrBadDecimal = errors.New("not a decimal amount")

// ParseAmount canonicalises a non-negative decimal such as "19.90", " 1,299.00"
// or "$5": a leading currency symbol and thousands separators are accepted,
// trailing zeros after the point are dropped. Negative amounts, exponents and
// more than 6 decimals are refused.
func ParseAmount(s string) (string, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimLeft(s, "$€£¥ ")
	if strings.HasPrefix(s, "-") {
		return "", fmt.Errorf("negative amount %q", s)
	}
	if strings.Contains(s, ",") {
		// Only thousands separators: "1,299.00" is fine, "4,50" (a decimal
		// comma) is ambiguous and refused rather than read as 450.
		whole, _, _ := strings.Cut(s, ".")
		groups := strings.Split(whole, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return "", ErrBadDecimal
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return "", ErrBadDecimal
			}
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	if s == "" {
		return "", ErrBadDecimal
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if intPart == "" {
		intPart = "0"
	}
	if !allDigits(intPart) || (hasPoint && !allDigits(frac)) || len(intPart) > 15 || len(frac) > 6 {
		return "", ErrBadDecimal
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		return intPart, nil
	}
	return intPart + "." + frac, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// FormatAmount writes a canonical amount with at least two decimals, as
// Shopify's CSV does ("5" -> "5.00").
func FormatAmount(a string) string {
	i, f, _ := strings.Cut(a, ".")
	for len(f) < 2 {
		f += "0"
	}
	return i + "." + f
}

// ContentHash is a digest of everything imported about a product (not ids or
// times), so a re-import can tell an unchanged product and skip the write.
func (p *Product) ContentHash() string { return p.encode().hash }

// Precompute encodes the product's row (JSON columns, plain-text body,
// content hash) ahead of UpsertTx, so an importer can do that work on
// another goroutine while the previous batch is written. The product must
// not change afterwards.
func (p *Product) Precompute() { e := p.encode(); p.enc = &e }

func (p *Product) encoded() encoded {
	if p.enc != nil {
		return *p.enc
	}
	return p.encode()
}

// encoded is a product's derived columns, computed once for both the row and its hash.
type encoded struct {
	tags, options, metadata, variants, images string
	status, bodyText, skus                    string
	hash                                      string
}

func (p *Product) encode() encoded {
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err) // only plain data: cannot fail
		}
		return string(b)
	}
	e := encoded{
		tags:     enc(nonNil(p.Tags)),
		options:  enc(nonNil(p.Options)),
		variants: enc(nonNil(p.Variants)),
		images:   enc(nonNil(p.Images)),
	}
	if p.Metadata == nil {
		e.metadata = "{}"
	} else {
		e.metadata = enc(p.Metadata) // map keys are sorted by encoding/json
	}
	// Stored as active when unset, so the hash matches a re-import of an export.
	e.status = p.Status
	if e.status == "" {
		e.status = StatusActive
	}
	e.bodyText = PlainText(p.BodyHTML)
	skus := make([]string, 0, len(p.Variants))
	for _, v := range p.Variants {
		if v.SKU != "" {
			skus = append(skus, v.SKU)
		}
	}
	e.skus = strings.Join(skus, " ")
	h := sha256.New()
	for _, f := range []string{p.Source, p.ExternalID, p.Handle, p.Title, p.BodyHTML, p.Vendor, p.ProductType, p.Category,
		e.status, p.Published, p.SEOTitle, p.SEODescription, e.tags, e.options, e.metadata, e.variants, e.images} {
		// Length-prefixed, so no two different products hash alike by shifting text between fields.
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		io.WriteString(h, f)
	}
	e.hash = hex.EncodeToString(h.Sum(nil))
	return e
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
