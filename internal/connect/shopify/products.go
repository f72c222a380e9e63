package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
)

// Page sizes, bounded by Shopify's 1000-point single-query cost (see
// documents.go).
const (
	pageSize       = 20  // products per ListProducts page
	inlineVariants = 10  // variants read with each product of a page
	inlineMedia    = 10  // media read with each product of a page
	fetchVariants  = 100 // variants read with a single product
	fetchMedia     = 100 // media read with a single product
)

// The wire shapes of the documents' answers.
type (
	pageInfo struct {
		HasNextPage bool   `json:"hasNextPage"`
		EndCursor   string `json:"endCursor"`
	}
	connection[T any] struct {
		PageInfo pageInfo `json:"pageInfo"`
		Nodes    []T      `json:"nodes"`
	}
	wireProduct struct {
		ID              string    `json:"id"`
		Handle          string    `json:"handle"`
		Title           string    `json:"title"`
		DescriptionHTML string    `json:"descriptionHtml"`
		Vendor          string    `json:"vendor"`
		ProductType     string    `json:"productType"`
		Tags            []string  `json:"tags"`
		Status          string    `json:"status"`
		CreatedAt       time.Time `json:"createdAt"`
		UpdatedAt       time.Time `json:"updatedAt"`
		SEO             struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"seo"`
		Category *struct {
			FullName string `json:"fullName"`
		} `json:"category"`
		Options []struct {
			Name   string   `json:"name"`
			Values []string `json:"values"`
		} `json:"options"`
		Variants connection[wireVariant] `json:"variants"`
		Media    connection[wireMedia]   `json:"media"`
	}
	wireVariant struct {
		ID                string  `json:"id"`
		SKU               string  `json:"sku"`
		Barcode           string  `json:"barcode"`
		Price             string  `json:"price"`
		CompareAtPrice    *string `json:"compareAtPrice"`
		InventoryQuantity *int    `json:"inventoryQuantity"`
		SelectedOptions   []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"selectedOptions"`
	}
	wireMedia struct {
		ID               string `json:"id"`
		Alt              string `json:"alt"`
		MediaContentType string `json:"mediaContentType"`
		Image            *struct {
			URL     string `json:"url"`
			AltText string `json:"altText"`
			Width   int    `json:"width"`
			Height  int    `json:"height"`
		} `json:"image"`
	}
)

// ProductGID returns the product's global id: a gid is returned as is, a
// numeric (REST) id becomes gid://shopify/Product/{id}.
func ProductGID(id string) string {
	id = strings.TrimSpace(id)
	if _, err := strconv.ParseUint(id, 10, 64); err == nil {
		return "gid://shopify/Product/" + id
	}
	return id
}

// ListProducts returns one page of products (20, in id order) from cursor,
// "" for the first. Variants and media beyond the first ten of a product
// are read with further calls, so every product comes back whole. Total
// is the store's product count when Shopify reports it exactly.
func (c *Client) ListProducts(ctx context.Context, cr *connect.Credentials, cursor string) (*connect.Page, error) {
	vars := map[string]any{"first": pageSize, "variants": inlineVariants, "media": inlineMedia}
	if cursor != "" {
		vars["after"] = cursor
	}
	var data struct {
		Products      connection[wireProduct] `json:"products"`
		ProductsCount *productsCount          `json:"productsCount"`
	}
	if err := c.graphql(ctx, cr, "PlutoProProducts", productsQuery, vars, &data); err != nil {
		return nil, err
	}
	page := &connect.Page{Total: data.ProductsCount.total()}
	for i := range data.Products.Nodes {
		p := &data.Products.Nodes[i]
		if err := c.complete(ctx, cr, p); err != nil {
			return nil, err
		}
		page.Products = append(page.Products, p.catalog())
	}
	if data.Products.PageInfo.HasNextPage {
		page.Next = data.Products.PageInfo.EndCursor
	}
	return page, nil
}

type productsCount struct {
	Count     int    `json:"count"`
	Precision string `json:"precision"`
}

func (pc *productsCount) total() int {
	if pc == nil || pc.Precision != "EXACT" {
		return -1
	}
	return pc.Count
}

// CountProducts returns the store's product count and whether it is exact
// (Shopify stops counting at 10,000).
func (c *Client) CountProducts(ctx context.Context, cr *connect.Credentials) (int, bool, error) {
	var data struct {
		ProductsCount *productsCount `json:"productsCount"`
	}
	if err := c.graphql(ctx, cr, "PlutoProProductsCount", productsCountQuery, nil, &data); err != nil {
		return 0, false, err
	}
	if data.ProductsCount == nil {
		return 0, false, nil
	}
	return data.ProductsCount.Count, data.ProductsCount.Precision == "EXACT", nil
}

// ListAll returns every product of the store: page by page for a store of
// up to BulkThreshold products, with a bulk operation (ListAllBulk) above.
func (c *Client) ListAll(ctx context.Context, cr *connect.Credentials) ([]*catalog.Product, error) {
	n, exact, err := c.CountProducts(ctx, cr)
	if err != nil {
		return nil, err
	}
	if n > c.opts.BulkThreshold || !exact {
		return c.ListAllBulk(ctx, cr)
	}
	var out []*catalog.Product
	for cursor := ""; ; {
		page, err := c.ListProducts(ctx, cr, cursor)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Products...)
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
}

// FetchProduct reads one product by gid (or numeric id);
// connect.ErrNotFound when the store has no such product.
func (c *Client) FetchProduct(ctx context.Context, cr *connect.Credentials, externalID string) (*catalog.Product, error) {
	id := ProductGID(externalID)
	var data struct {
		Product *wireProduct `json:"product"`
	}
	vars := map[string]any{"id": id, "variants": fetchVariants, "media": fetchMedia}
	if err := c.graphql(ctx, cr, "PlutoProProduct", productQuery, vars, &data); err != nil {
		return nil, err
	}
	if data.Product == nil {
		return nil, fmt.Errorf("shopify: product %s: %w", id, connect.ErrNotFound)
	}
	if err := c.complete(ctx, cr, data.Product); err != nil {
		return nil, err
	}
	return data.Product.catalog(), nil
}

// complete reads the variants and media a product's first answer left out.
func (c *Client) complete(ctx context.Context, cr *connect.Credentials, p *wireProduct) error {
	for p.Variants.PageInfo.HasNextPage {
		var data struct {
			Product *struct {
				Variants connection[wireVariant] `json:"variants"`
			} `json:"product"`
		}
		vars := map[string]any{"id": p.ID, "after": p.Variants.PageInfo.EndCursor}
		if err := c.graphql(ctx, cr, "PlutoProProductVariants", variantsQuery, vars, &data); err != nil {
			return err
		}
		if data.Product == nil { // deleted meanwhile: keep what was read
			break
		}
		p.Variants.Nodes = append(p.Variants.Nodes, data.Product.Variants.Nodes...)
		p.Variants.PageInfo = data.Product.Variants.PageInfo
	}
	for p.Media.PageInfo.HasNextPage {
		var data struct {
			Product *struct {
				Media connection[wireMedia] `json:"media"`
			} `json:"product"`
		}
		vars := map[string]any{"id": p.ID, "after": p.Media.PageInfo.EndCursor}
		if err := c.graphql(ctx, cr, "PlutoProProductMedia", mediaQuery, vars, &data); err != nil {
			return err
		}
		if data.Product == nil {
			break
		}
		p.Media.Nodes = append(p.Media.Nodes, data.Product.Media.Nodes...)
		p.Media.PageInfo = data.Product.Media.PageInfo
	}
	return nil
}

// catalog maps a product to the catalog model.
func (p *wireProduct) catalog() *catalog.Product {
	out := &catalog.Product{
		Source:         catalog.SourceShopify,
		ExternalID:     p.ID,
		Handle:         p.Handle,
		Title:          p.Title,
		BodyHTML:       p.DescriptionHTML,
		Vendor:         p.Vendor,
		ProductType:    p.ProductType,
		Tags:           p.Tags,
		Status:         strings.ToLower(p.Status),
		SEOTitle:       p.SEO.Title,
		SEODescription: p.SEO.Description,
		CreatedAt:      p.CreatedAt,
		UpdatedAt:      p.UpdatedAt,
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if p.Category != nil {
		out.Category = p.Category.FullName
	}
	for _, o := range p.Options {
		out.Options = append(out.Options, catalog.Option{Name: o.Name, Values: o.Values})
	}
	for _, v := range p.Variants.Nodes {
		cv := catalog.Variant{SKU: v.SKU, Barcode: v.Barcode, InventoryQty: v.InventoryQuantity}
		for _, o := range p.Options {
			val := ""
			for _, so := range v.SelectedOptions {
				if so.Name == o.Name {
					val = so.Value
					break
				}
			}
			cv.OptionValues = append(cv.OptionValues, val)
		}
		if v.Price != "" {
			cv.Price = money(v.Price)
		}
		if v.CompareAtPrice != nil && *v.CompareAtPrice != "" {
			cv.CompareAtPrice = money(*v.CompareAtPrice)
		}
		out.Variants = append(out.Variants, cv)
	}
	pos := 0
	for _, m := range p.Media.Nodes {
		if m.MediaContentType != "IMAGE" || m.Image == nil {
			continue
		}
		pos++
		alt := m.Alt
		if alt == "" {
			alt = m.Image.AltText
		}
		out.Images = append(out.Images, catalog.Image{
			ExternalID: m.ID,
			Src:        m.Image.URL,
			Position:   pos,
			Alt:        alt,
			Width:      m.Image.Width,
			Height:     m.Image.Height,
		})
	}
	return out
}

func money(s string) *catalog.Money {
	if a, err := catalog.ParseAmount(s); err == nil {
		return &catalog.Money{Amount: a}
	}
	return &catalog.Money{Amount: s}
}

// decodeProduct reads a product line of a bulk result.
func decodeProduct(line []byte) (*wireProduct, error) {
	var p wireProduct
	if err := json.Unmarshal(line, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
