package etsy

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"maps"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
)

// PageSize is how many listings one ListProducts page asks for (Etsy's
// maximum).
const PageSize = 100

// Metadata keys of products read from Etsy.
const (
	MetaMaterials   = "materials" // newline-joined, as the connect service reads it
	MetaDescription = "etsy:description"
	MetaState       = "etsy:state"
	MetaURL         = "etsy:url"
)

// includes asks for the associations a product needs.
const includes = "Images,Inventory"

// money is Etsy's money shape.
type money struct {
	Amount       int64  `json:"amount"`
	Divisor      int64  `json:"divisor"`
	CurrencyCode string `json:"currency_code"`
}

type listingImage struct {
	ListingImageID int64   `json:"listing_image_id"`
	Rank           int     `json:"rank"`
	URLFullxFull   string  `json:"url_fullxfull"`
	FullWidth      *int    `json:"full_width"`
	FullHeight     *int    `json:"full_height"`
	AltText        *string `json:"alt_text"`
}

type inventory struct {
	Products []struct {
		SKU       string `json:"sku"`
		IsDeleted bool   `json:"is_deleted"`
		Offerings []struct {
			Quantity  int    `json:"quantity"`
			IsEnabled bool   `json:"is_enabled"`
			IsDeleted bool   `json:"is_deleted"`
			Price     *money `json:"price"`
		} `json:"offerings"`
		PropertyValues []struct {
			PropertyName string   `json:"property_name"`
			Values       []string `json:"values"`
		} `json:"property_values"`
	} `json:"products"`
}

// listing is the part of Etsy's ShopListing PlutoPro reads.
type listing struct {
	ListingID             int64          `json:"listing_id"`
	ShopID                int64          `json:"shop_id"`
	Title                 string         `json:"title"`
	Description           string         `json:"description"`
	State                 string         `json:"state"`
	Quantity              *int           `json:"quantity"`
	URL                   string         `json:"url"`
	Tags                  []string       `json:"tags"`
	Materials             []string       `json:"materials"`
	Price                 *money         `json:"price"`
	CreatedTimestamp      int64          `json:"created_timestamp"`
	LastModifiedTimestamp int64          `json:"last_modified_timestamp"`
	Images                []listingImage `json:"images"`
	Inventory             *inventory     `json:"inventory"`
}

// amount turns Etsy money into an exact decimal; false when it is not a
// plain non-negative amount with at most 6 decimals.
func (m *money) amount() (*catalog.Money, bool) {
	if m == nil || m.Divisor <= 0 || m.Amount < 0 {
		return nil, false
	}
	r := new(big.Rat).SetFrac64(m.Amount, m.Divisor)
	scale := big.NewRat(1, 1)
	for digits := 0; digits <= 6; digits++ {
		if new(big.Rat).Mul(r, scale).IsInt() {
			a, err := catalog.ParseAmount(r.FloatString(digits))
			if err != nil {
				return nil, false
			}
			return &catalog.Money{Amount: a, Currency: strings.ToUpper(m.CurrencyCode)}, true
		}
		scale.Mul(scale, big.NewRat(10, 1))
	}
	return nil, false
}

// product maps a listing to the catalog model.
func (l *listing) product() *catalog.Product {
	id := strconv.FormatInt(l.ListingID, 10)
	desc := html.UnescapeString(l.Description)
	p := &catalog.Product{
		Source:     catalog.SourceEtsy,
		ExternalID: id,
		Handle:     "etsy-" + id,
		Title:      html.UnescapeString(l.Title),
		BodyHTML:   TextToHTML(desc),
		Tags:       nonEmpty(l.Tags),
		Status:     status(l.State),
		Metadata:   map[string]string{},
		Options:    []catalog.Option{},
		Variants:   []catalog.Variant{},
		Images:     []catalog.Image{},
	}
	if desc != "" {
		p.Metadata[MetaDescription] = desc
	}
	if ms := nonEmpty(l.Materials); len(ms) > 0 {
		p.Metadata[MetaMaterials] = strings.Join(ms, "\n")
	}
	if l.State != "" {
		p.Metadata[MetaState] = l.State
	}
	if l.URL != "" {
		p.Metadata[MetaURL] = l.URL
	}
	if l.CreatedTimestamp > 0 {
		p.CreatedAt = time.Unix(l.CreatedTimestamp, 0).UTC()
	}
	if l.LastModifiedTimestamp > 0 {
		p.UpdatedAt = time.Unix(l.LastModifiedTimestamp, 0).UTC()
	}
	l.variants(p)
	imgs := slices.Clone(l.Images)
	slices.SortStableFunc(imgs, func(a, b listingImage) int { return cmp.Compare(a.Rank, b.Rank) })
	for i, im := range imgs {
		img := catalog.Image{
			ExternalID: strconv.FormatInt(im.ListingImageID, 10),
			Src:        im.URLFullxFull,
			Position:   i + 1,
		}
		if im.AltText != nil {
			img.Alt = *im.AltText
		}
		if im.FullWidth != nil && im.FullHeight != nil {
			img.Width, img.Height = *im.FullWidth, *im.FullHeight
		}
		p.Images = append(p.Images, img)
	}
	return p
}

// variants fills options and variants from the inventory, or one variant
// from the listing's own price and quantity.
func (l *listing) variants(p *catalog.Product) {
	listingPrice, _ := l.Price.amount()
	var products []int
	if l.Inventory != nil {
		for i, ip := range l.Inventory.Products {
			if !ip.IsDeleted {
				products = append(products, i)
			}
		}
	}
	if len(products) == 0 {
		v := catalog.Variant{Price: listingPrice, InventoryQty: l.Quantity}
		if v.Price != nil || v.InventoryQty != nil {
			p.Variants = append(p.Variants, v)
		}
		return
	}
	// Options are the property names in the order they first appear.
	var names []string
	for _, i := range products {
		for _, pv := range l.Inventory.Products[i].PropertyValues {
			if pv.PropertyName != "" && !slices.Contains(names, pv.PropertyName) {
				names = append(names, pv.PropertyName)
			}
		}
	}
	values := make([][]string, len(names))
	for _, i := range products {
		ip := l.Inventory.Products[i]
		v := catalog.Variant{SKU: ip.SKU}
		if len(names) > 0 {
			v.OptionValues = make([]string, len(names))
		}
		for _, pv := range ip.PropertyValues {
			if n := slices.Index(names, pv.PropertyName); n >= 0 {
				v.OptionValues[n] = strings.Join(pv.Values, ", ")
				if v.OptionValues[n] != "" && !slices.Contains(values[n], v.OptionValues[n]) {
					values[n] = append(values[n], v.OptionValues[n])
				}
			}
		}
		for _, o := range ip.Offerings {
			if o.IsEnabled && !o.IsDeleted {
				if m, ok := o.Price.amount(); ok {
					v.Price = m
				}
				q := o.Quantity
				v.InventoryQty = &q
				break
			}
		}
		if v.Price == nil {
			v.Price = listingPrice
		}
		p.Variants = append(p.Variants, v)
	}
	for n, name := range names {
		p.Options = append(p.Options, catalog.Option{Name: name, Values: values[n]})
	}
}

func status(state string) string {
	switch state {
	case "active", "":
		return catalog.StatusActive
	case "draft":
		return catalog.StatusDraft
	}
	return catalog.StatusArchived
}

func nonEmpty(xs []string) []string {
	out := []string{}
	for _, x := range xs {
		if x = strings.TrimSpace(html.UnescapeString(x)); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// shopOf reads the shop id of credentials.
func shopOf(cr *connect.Credentials) (string, error) {
	if cr == nil {
		return "", errors.New("etsy: no credentials")
	}
	if n, err := strconv.ParseInt(cr.Account, 10, 64); err != nil || n <= 0 {
		return "", fmt.Errorf("etsy: the connection's shop id %q is not an Etsy shop id", cr.Account)
	}
	return cr.Account, nil
}

// listingID checks a product's external id.
func listingID(externalID string) (string, error) {
	if n, err := strconv.ParseInt(externalID, 10, 64); err != nil || n <= 0 {
		return "", fmt.Errorf("etsy: %q is not an Etsy listing id: %w", externalID, connect.ErrNotFound)
	}
	return externalID, nil
}

// ListProducts reads one page of the shop's active listings, PageSize at a
// time; the cursor is the offset of the page.
func (c *Client) ListProducts(ctx context.Context, cr *connect.Credentials, cursor string) (*connect.Page, error) {
	shop, err := shopOf(cr)
	if err != nil {
		return nil, err
	}
	offset := 0
	if cursor != "" {
		if offset, err = strconv.Atoi(cursor); err != nil || offset < 0 {
			return nil, fmt.Errorf("etsy: bad cursor %q", cursor)
		}
	}
	var page struct {
		Count   int       `json:"count"`
		Results []listing `json:"results"`
	}
	k := call{
		method: http.MethodGet,
		path:   "/v3/application/shops/" + shop + "/listings",
		query: url.Values{
			"state": {"active"}, "limit": {strconv.Itoa(PageSize)}, "offset": {strconv.Itoa(offset)}, "includes": {includes},
		},
		token:   cr.AccessToken,
		secrets: []string{cr.RefreshToken},
	}
	if err := c.getJSON(ctx, k, &page); err != nil {
		return nil, err
	}
	out := &connect.Page{Products: make([]*catalog.Product, 0, len(page.Results)), Total: page.Count}
	for i := range page.Results {
		out.Products = append(out.Products, page.Results[i].product())
	}
	if next := offset + len(page.Results); len(page.Results) > 0 && next < page.Count {
		out.Next = strconv.Itoa(next)
	}
	return out, nil
}

// FetchProduct reads one listing; connect.ErrNotFound when Etsy has none
// or it belongs to another shop.
func (c *Client) FetchProduct(ctx context.Context, cr *connect.Credentials, externalID string) (*catalog.Product, error) {
	shop, err := shopOf(cr)
	if err != nil {
		return nil, err
	}
	id, err := listingID(externalID)
	if err != nil {
		return nil, err
	}
	var l listing
	k := call{
		method:  http.MethodGet,
		path:    "/v3/application/listings/" + id,
		query:   url.Values{"includes": {includes}},
		token:   cr.AccessToken,
		secrets: []string{cr.RefreshToken},
	}
	if err := c.getJSON(ctx, k, &l); err != nil {
		return nil, err
	}
	if strconv.FormatInt(l.ShopID, 10) != shop {
		return nil, fmt.Errorf("etsy: listing %s is not in shop %s: %w", id, shop, connect.ErrNotFound)
	}
	return l.product(), nil
}

// Update writes the fields Etsy has (title, description as plain text,
// tags, materials, image alt texts) and returns the listing as Etsy then
// has it. SEO fields, bullets and keywords have no Etsy field and are
// ignored. Title, description, tags and materials go in one updateListing
// call; each alt text is one call to the listing images endpoint.
func (c *Client) Update(ctx context.Context, cr *connect.Credentials, externalID string, f connect.Fields) (*catalog.Product, error) {
	shop, err := shopOf(cr)
	if err != nil {
		return nil, err
	}
	id, err := listingID(externalID)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	if f.Title != nil {
		form.Set("title", strings.TrimSpace(*f.Title))
	}
	if f.DescriptionHTML != nil {
		form.Set("description", HTMLToText(*f.DescriptionHTML))
	}
	if f.Tags != nil {
		v, err := commaList("tag", *f.Tags)
		if err != nil {
			return nil, err
		}
		form.Set("tags", v)
	}
	if f.Materials != nil {
		v, err := commaList("material", *f.Materials)
		if err != nil {
			return nil, err
		}
		form.Set("materials", v)
	}
	listingPath := "/v3/application/shops/" + shop + "/listings/" + id
	if len(form) > 0 {
		k := call{
			method:  http.MethodPatch,
			path:    listingPath,
			body:    []byte(form.Encode()),
			ctype:   "application/x-www-form-urlencoded",
			token:   cr.AccessToken,
			secrets: []string{cr.RefreshToken},
		}
		a, err := c.do(ctx, k)
		if err != nil {
			return nil, err
		}
		if !a.ok() {
			return nil, c.failure(a, k)
		}
	}
	for _, imageID := range slices.Sorted(maps.Keys(f.ImageAlts)) {
		if err := c.setAlt(ctx, cr, listingPath, imageID, f.ImageAlts[imageID]); err != nil {
			return nil, err
		}
	}
	return c.FetchProduct(ctx, cr, id)
}

// commaList joins a list into the one comma-separated value Etsy reads
// (its documentation says array; Etsy takes a comma-separated string).
func commaList(what string, xs []string) (string, error) {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		x = strings.TrimSpace(x)
		if x == "" {
			continue
		}
		if strings.Contains(x, ",") {
			return "", fmt.Errorf("etsy: the %s %q has a comma, which Etsy would read as two", what, x)
		}
		out = append(out, x)
	}
	return strings.Join(out, ","), nil
}

// setAlt sets one image's alt text.
//
// Unverified: Etsy documents alt_text on uploadListingImage (POST
// .../listings/{listing_id}/images, multipart, with image or
// listing_image_id); that re-posting an image already on the listing by
// its listing_image_id edits its alt text in place is not confirmed by
// Etsy's documentation. Re-check against the live API before relying on it.
func (c *Client) setAlt(ctx context.Context, cr *connect.Credentials, listingPath, imageID, alt string) error {
	if n, err := strconv.ParseInt(imageID, 10, 64); err != nil || n <= 0 {
		return fmt.Errorf("etsy: %q is not an Etsy listing image id: %w", imageID, connect.ErrNotFound)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("listing_image_id", imageID) // writes to memory: cannot fail
	_ = mw.WriteField("alt_text", strings.TrimSpace(alt))
	_ = mw.Close()
	k := call{
		method:  http.MethodPost,
		path:    listingPath + "/images",
		body:    body.Bytes(),
		ctype:   mw.FormDataContentType(),
		token:   cr.AccessToken,
		secrets: []string{cr.RefreshToken},
	}
	a, err := c.do(ctx, k)
	if err != nil {
		return err
	}
	if !a.ok() {
		return c.failure(a, k)
	}
	return nil
}
