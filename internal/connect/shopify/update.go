package shopify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
)

// fileUpdateBatch is how many files one fileUpdate changes (Shopify caps
// input arrays at 250).
const fileUpdateBatch = 250

// Update writes title, descriptionHtml, seo and tags with productUpdate
// and images' alt text with fileUpdate, then reads the product back.
// Fields Shopify has no place for (Materials, Bullets, Keywords) are
// ignored. Image ids must be the product's own MediaImage gids; they are
// checked before anything is written. Shopify's userErrors come back as a
// *connect.StoreError with its message; a product that does not exist as
// connect.ErrNotFound. Both writes set values, so retrying them is safe.
func (c *Client) Update(ctx context.Context, cr *connect.Credentials, externalID string, f connect.Fields) (*catalog.Product, error) {
	id := ProductGID(externalID)
	if len(f.ImageAlts) > 0 {
		p, err := c.FetchProduct(ctx, cr, id)
		if err != nil {
			return nil, err
		}
		for imageID := range f.ImageAlts {
			if !slices.ContainsFunc(p.Images, func(im catalog.Image) bool { return im.ExternalID == imageID }) {
				return nil, fmt.Errorf("shopify: product %s has no image %s: %w", id, imageID, connect.ErrNotFound)
			}
		}
	}

	if input := productInput(id, f); input != nil {
		const op = "PlutoProProductUpdate"
		var data struct {
			ProductUpdate struct {
				Product *struct {
					ID string `json:"id"`
				} `json:"product"`
				UserErrors []userError `json:"userErrors"`
			} `json:"productUpdate"`
		}
		if err := c.graphql(ctx, cr, op, productUpdateMutation, map[string]any{"product": input}, &data); err != nil {
			return nil, err
		}
		if err := userErrorsErr(op, data.ProductUpdate.UserErrors); err != nil {
			if productMissing(data.ProductUpdate.UserErrors) {
				return nil, fmt.Errorf("shopify: product %s: %w (%w)", id, connect.ErrNotFound, err)
			}
			return nil, err
		}
	}

	if len(f.ImageAlts) > 0 {
		ids := make([]string, 0, len(f.ImageAlts))
		for imageID := range f.ImageAlts {
			ids = append(ids, imageID)
		}
		slices.Sort(ids)
		for chunk := range slices.Chunk(ids, fileUpdateBatch) {
			files := make([]map[string]any, len(chunk))
			for i, imageID := range chunk {
				files[i] = map[string]any{"id": imageID, "alt": f.ImageAlts[imageID]}
			}
			const op = "PlutoProFileUpdate"
			var data struct {
				FileUpdate struct {
					UserErrors []userError `json:"userErrors"`
				} `json:"fileUpdate"`
			}
			if err := c.graphql(ctx, cr, op, fileUpdateMutation, map[string]any{"files": files}, &data); err != nil {
				return nil, err
			}
			if err := userErrorsErr(op, data.FileUpdate.UserErrors); err != nil {
				return nil, err
			}
		}
	}
	return c.FetchProduct(ctx, cr, id)
}

// productInput is the ProductUpdateInput for f, nil when f sets none of
// its fields.
func productInput(id string, f connect.Fields) map[string]any {
	in := map[string]any{"id": id}
	if f.Title != nil {
		in["title"] = *f.Title
	}
	if f.DescriptionHTML != nil {
		in["descriptionHtml"] = *f.DescriptionHTML
	}
	if f.SEOTitle != nil || f.SEODescription != nil {
		seo := map[string]any{}
		if f.SEOTitle != nil {
			seo["title"] = *f.SEOTitle
		}
		if f.SEODescription != nil {
			seo["description"] = *f.SEODescription
		}
		in["seo"] = seo
	}
	if f.Tags != nil {
		tags := *f.Tags
		if tags == nil {
			tags = []string{}
		}
		in["tags"] = tags
	}
	if len(in) == 1 {
		return nil
	}
	return in
}

func productMissing(errs []userError) bool {
	for _, e := range errs {
		if strings.Contains(strings.ToLower(e.Message), "does not exist") {
			return true
		}
	}
	return false
}
