package amazon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
)

// item is the model's Item, as far as PlutoPro reads it.
type item struct {
	SKU        string                     `json:"sku"`
	Summaries  []summary                  `json:"summaries"`
	Attributes map[string]json.RawMessage `json:"attributes"`
	Issues     []issue                    `json:"issues"`
	Offers     []struct {
		MarketplaceID string `json:"marketplaceId"`
		OfferType     string `json:"offerType"`
		Price         struct {
			CurrencyCode string `json:"currencyCode"`
			Amount       string `json:"amount"`
		} `json:"price"`
	} `json:"offers"`
}

type summary struct {
	MarketplaceID   string   `json:"marketplaceId"`
	ASIN            string   `json:"asin"`
	ProductType     string   `json:"productType"`
	ConditionType   string   `json:"conditionType"`
	Status          []string `json:"status"`
	ItemName        string   `json:"itemName"`
	CreatedDate     string   `json:"createdDate"`
	LastUpdatedDate string   `json:"lastUpdatedDate"`
	MainImage       *struct {
		Link   string `json:"link"`
		Height int    `json:"height"`
		Width  int    `json:"width"`
	} `json:"mainImage"`
}

type issue struct {
	Code           string   `json:"code"`
	Message        string   `json:"message"`
	Severity       string   `json:"severity"`
	AttributeNames []string `json:"attributeNames"`
}

// attrValue is one value of an attribute.
type attrValue struct {
	Value         any    `json:"value"`
	LanguageTag   string `json:"language_tag"`
	MarketplaceID string `json:"marketplace_id"`
	MediaLocation string `json:"media_location"`
}

func listingPath(seller, sku string) string {
	return "/listings/2021-08-01/items/" + url.PathEscape(seller) + "/" + url.PathEscape(sku)
}

// getItem calls getListingsItem; a missing SKU is connect.ErrNotFound.
func (c *Client) getItem(ctx context.Context, cr *connect.Credentials, sku string, included string) (*item, error) {
	q := url.Values{}
	q.Set("marketplaceIds", c.marketplace(cr))
	q.Set("includedData", included)
	q.Set("issueLocale", c.o.LanguageTag)
	var it item
	err := c.do(ctx, cr, request{op: "getListingsItem", method: http.MethodGet, path: listingPath(cr.Account, sku), query: q}, &it)
	var se *connect.StoreError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil, fmt.Errorf("amazon: listing %q: %w", sku, connect.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if it.SKU == "" {
		it.SKU = sku
	}
	return &it, nil
}

// FetchProduct reads one listing by SKU; connect.ErrNotFound when the
// seller has no such SKU.
func (c *Client) FetchProduct(ctx context.Context, cr *connect.Credentials, sku string) (*catalog.Product, error) {
	if err := c.checkCredentials(cr); err != nil {
		return nil, err
	}
	if sku == "" {
		return nil, fmt.Errorf("amazon: listing without a SKU: %w", connect.ErrNotFound)
	}
	it, err := c.getItem(ctx, cr, sku, "summaries,attributes,issues,offers")
	if err != nil {
		return nil, err
	}
	return c.product(it, c.marketplace(cr)), nil
}

// texts are the values of a text attribute in the marketplace, in the
// client's language when it has values in it.
func (c *Client) texts(raw json.RawMessage, marketplace string) []string {
	var vals []attrValue
	if json.Unmarshal(raw, &vals) != nil {
		return nil
	}
	vals = slices.DeleteFunc(vals, func(v attrValue) bool { return v.MarketplaceID != "" && v.MarketplaceID != marketplace })
	if slices.ContainsFunc(vals, func(v attrValue) bool { return v.LanguageTag == c.o.LanguageTag }) {
		vals = slices.DeleteFunc(vals, func(v attrValue) bool { return v.LanguageTag != "" && v.LanguageTag != c.o.LanguageTag })
	}
	var out []string
	for _, v := range vals {
		switch x := v.Value.(type) {
		case string:
			out = append(out, x)
		case nil:
		default:
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

// Metadata keys of an Amazon product; lists are JSON arrays.
const (
	MetaASIN          = "amazon_asin"
	MetaProductType   = "amazon_product_type"
	MetaConditionType = "amazon_condition_type"
	MetaStatus        = "amazon_status"
	MetaMarketplace   = "amazon_marketplace_id"
	MetaBullets       = "amazon_bullet_point"
	MetaKeywords      = "amazon_generic_keyword"
	MetaIssues        = "amazon_issues"
)

func jsonList(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// product maps a listing to the catalog model: Source amazon, ExternalID
// and Handle the SKU, Title item_name, BodyHTML product_description, Vendor
// brand, the bullets, keywords, product type and ASIN in Metadata, the
// main and other images, one variant with the SKU and the offer's price.
func (c *Client) product(it *item, marketplace string) *catalog.Product {
	p := &catalog.Product{
		Source:     catalog.SourceAmazon,
		ExternalID: it.SKU,
		Handle:     it.SKU,
		Status:     catalog.StatusDraft,
		Metadata:   map[string]string{MetaMarketplace: marketplace},
	}
	var sum *summary
	for i := range it.Summaries {
		if it.Summaries[i].MarketplaceID == marketplace || sum == nil {
			sum = &it.Summaries[i]
		}
	}
	text := func(name string) string {
		if t := c.texts(it.Attributes[name], marketplace); len(t) > 0 {
			return t[0]
		}
		return ""
	}
	p.Title = text("item_name")
	p.BodyHTML = text("product_description")
	p.Vendor = text("brand")
	if bullets := c.texts(it.Attributes["bullet_point"], marketplace); len(bullets) > 0 {
		p.Metadata[MetaBullets] = jsonList(bullets)
	}
	if kw := c.texts(it.Attributes["generic_keyword"], marketplace); len(kw) > 0 {
		p.Metadata[MetaKeywords] = jsonList(kw)
	}
	if sum != nil {
		if p.Title == "" {
			p.Title = sum.ItemName
		}
		p.ProductType = sum.ProductType
		p.Metadata[MetaProductType] = sum.ProductType
		if sum.ASIN != "" {
			p.Metadata[MetaASIN] = sum.ASIN
		}
		if sum.ConditionType != "" {
			p.Metadata[MetaConditionType] = sum.ConditionType
		}
		p.Metadata[MetaStatus] = strings.Join(sum.Status, ",")
		if slices.Contains(sum.Status, "BUYABLE") {
			p.Status = catalog.StatusActive
		}
		p.CreatedAt, _ = time.Parse(time.RFC3339, sum.CreatedDate)
		p.UpdatedAt, _ = time.Parse(time.RFC3339, sum.LastUpdatedDate)
		if im := sum.MainImage; im != nil && im.Link != "" {
			p.Images = append(p.Images, catalog.Image{ExternalID: "main_product_image_locator", Src: im.Link, Position: 1, Width: im.Width, Height: im.Height})
		}
	}
	locators := []string{"main_product_image_locator"}
	for i := 1; i <= 8; i++ {
		locators = append(locators, fmt.Sprintf("other_product_image_locator_%d", i))
	}
	for _, name := range locators {
		var vals []attrValue
		if json.Unmarshal(it.Attributes[name], &vals) != nil {
			continue
		}
		for _, v := range vals {
			if v.MediaLocation == "" || (v.MarketplaceID != "" && v.MarketplaceID != marketplace) ||
				slices.ContainsFunc(p.Images, func(im catalog.Image) bool { return im.Src == v.MediaLocation }) {
				continue
			}
			p.Images = append(p.Images, catalog.Image{ExternalID: name, Src: v.MediaLocation, Position: len(p.Images) + 1})
			break
		}
	}
	v := catalog.Variant{SKU: it.SKU}
	for _, o := range it.Offers {
		if o.MarketplaceID != marketplace || (o.OfferType != "" && o.OfferType != "B2C") {
			continue
		}
		if amount, err := catalog.ParseAmount(o.Price.Amount); err == nil {
			v.Price = &catalog.Money{Amount: amount, Currency: o.Price.CurrencyCode}
		}
		break
	}
	p.Variants = []catalog.Variant{v}
	var issues []string
	for _, is := range it.Issues {
		issues = append(issues, is.Severity+" "+is.Code+": "+is.Message)
	}
	if len(issues) > 0 {
		p.Metadata[MetaIssues] = jsonList(issues)
	}
	return p
}

// submission is the model's ListingsItemSubmissionResponse.
type submission struct {
	SKU          string  `json:"sku"`
	Status       string  `json:"status"`
	SubmissionID string  `json:"submissionId"`
	Issues       []issue `json:"issues"`
}

// Update writes item_name, product_description, bullet_point and
// generic_keyword with patchListingsItem and returns the listing as read
// back (see the package documentation).
func (c *Client) Update(ctx context.Context, cr *connect.Credentials, sku string, f connect.Fields) (*catalog.Product, error) {
	if err := c.checkCredentials(cr); err != nil {
		return nil, err
	}
	mp := c.marketplace(cr)
	patches := c.patches(f, mp)
	if len(patches) == 0 {
		return c.FetchProduct(ctx, cr, sku)
	}
	it, err := c.getItem(ctx, cr, sku, "summaries")
	if err != nil {
		return nil, err
	}
	productType := ""
	for _, s := range it.Summaries {
		if s.MarketplaceID == mp || productType == "" {
			productType = s.ProductType
		}
	}
	if productType == "" {
		return nil, &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK,
			Message: fmt.Sprintf("the listing %s has no product type in marketplace %s", sku, mp)}
	}
	q := url.Values{}
	q.Set("marketplaceIds", mp)
	q.Set("issueLocale", c.o.LanguageTag)
	var sub submission
	err = c.do(ctx, cr, request{op: "patchListingsItem", method: http.MethodPatch, path: listingPath(cr.Account, sku), query: q,
		body: map[string]any{"productType": productType, "patches": patches}}, &sub)
	if err != nil {
		return nil, err
	}
	switch sub.Status {
	case "INVALID":
		return nil, submissionError(&sub)
	case "ACCEPTED", "VALID":
	default:
		return nil, &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Code: sub.Status,
			Message: fmt.Sprintf("unknown submission status %q", sub.Status)}
	}
	return c.FetchProduct(ctx, cr, sku)
}

// submissionError is an INVALID submission with Amazon's issue messages
// (the ERROR ones, else all).
func submissionError(sub *submission) *connect.StoreError {
	e := &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Code: "INVALID"}
	var msgs []string
	for _, severe := range []bool{true, false} {
		for _, is := range sub.Issues {
			if severe && is.Severity != "ERROR" {
				continue
			}
			if e.Code == "INVALID" && is.Code != "" {
				e.Code = is.Code
			}
			msgs = append(msgs, is.Message)
		}
		if len(msgs) > 0 {
			break
		}
	}
	if len(msgs) == 0 {
		msgs = []string{"Amazon refused the change without saying why"}
	}
	e.Message = strings.Join(msgs, " ")
	return e
}

// patches are the patch operations for the fields Amazon has.
func (c *Client) patches(f connect.Fields, marketplace string) []map[string]any {
	value := func(s string) map[string]any {
		return map[string]any{"value": s, "language_tag": c.o.LanguageTag, "marketplace_id": marketplace}
	}
	selector := []map[string]any{{"language_tag": c.o.LanguageTag, "marketplace_id": marketplace}}
	var out []map[string]any
	set := func(name string, values []string, required bool) {
		var vals []map[string]any
		for _, v := range values {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, value(v))
			}
		}
		switch {
		case len(vals) > 0:
			out = append(out, map[string]any{"op": "replace", "path": "/attributes/" + name, "value": vals})
		case required: // Amazon says why it cannot be empty
			out = append(out, map[string]any{"op": "replace", "path": "/attributes/" + name, "value": []map[string]any{value("")}})
		default:
			out = append(out, map[string]any{"op": "delete", "path": "/attributes/" + name, "value": selector})
		}
	}
	if f.Title != nil {
		set("item_name", []string{*f.Title}, true)
	}
	if f.DescriptionHTML != nil {
		set("product_description", []string{*f.DescriptionHTML}, false)
	}
	if f.Bullets != nil {
		set("bullet_point", *f.Bullets, false)
	}
	if f.Keywords != nil {
		var kw []string
		for _, k := range *f.Keywords {
			if k = strings.Join(strings.Fields(k), " "); k != "" {
				kw = append(kw, k)
			}
		}
		set("generic_keyword", []string{strings.Join(kw, " ")}, false)
	}
	return out
}
