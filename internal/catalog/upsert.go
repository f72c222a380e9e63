package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/store"
)

// UpsertCounts says what an upsert did.
type UpsertCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Add adds o's counts to c.
func (c *UpsertCounts) Add(o UpsertCounts) {
	c.Created += o.Created
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
}

// UpsertTx writes products of one brand inside tx, keyed by (brand, source,
// handle): new ones are inserted, changed ones updated (keeping their id and
// created_at), and ones whose content hash is the same are not written at
// all. Callers are jobs that have already checked the brand's scope.
func (s *Service) UpsertTx(ctx context.Context, tx *store.Tx, brandID string, products []*Product) (UpsertCounts, error) {
	var counts UpsertCounts
	if len(products) == 0 {
		return counts, nil
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	// Existing rows for these keys, one query per source.
	type key struct{ source, handle string }
	type existing struct{ id, hash string }
	found := map[key]existing{}
	bySource := map[string][]any{}
	for _, p := range products {
		bySource[p.Source] = append(bySource[p.Source], p.Handle)
	}
	for source, handles := range bySource {
		for start := 0; start < len(handles); start += 500 {
			chunk := handles[start:min(start+500, len(handles))]
			args := append([]any{brandID, source}, chunk...)
			rows, err := tx.Query(ctx, `SELECT id, handle, content_hash FROM products WHERE brand_id = ? AND source = ? AND handle IN (`+
				placeholders(len(chunk))+`)`, args...)
			if err != nil {
				return counts, fmt.Errorf("catalog: look up products: %w", err)
			}
			for rows.Next() {
				var e existing
				var h string
				if err := rows.Scan(&e.id, &h, &e.hash); err != nil {
					rows.Close()
					return counts, err
				}
				found[key{source, h}] = e
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return counts, err
			}
		}
	}

	var inserts [][]any
	for _, p := range products {
		if p.Status == "" {
			p.Status = StatusActive // as stored, so the hash matches a re-import of an export
		}
		enc := p.encode()
		hash := enc.hash
		k := key{p.Source, p.Handle}
		e, ok := found[k]
		switch {
		case ok && e.hash == hash:
			p.ID = e.id
			counts.Unchanged++
		case ok:
			p.ID = e.id
			cols := rowValues(p, enc)
			args := append(cols[2:], now, p.ID) // skip id, brand_id; set updated_at
			if _, err := tx.Exec(ctx, `UPDATE products SET source = ?, external_id = ?, handle = ?, title = ?, body_html = ?, body_text = ?,
				vendor = ?, product_type = ?, category = ?, tags = ?, status = ?, published = ?, options = ?, seo_title = ?,
				seo_description = ?, metadata = ?, variants = ?, images = ?, variant_count = ?, image_count = ?, skus = ?,
				content_hash = ?, updated_at = ? WHERE id = ?`, args...); err != nil {
				return counts, fmt.Errorf("catalog: update product %q: %w", p.Handle, err)
			}
			found[k] = existing{p.ID, hash}
			counts.Updated++
		default:
			p.ID = store.NewID()
			p.BrandID = brandID
			cols := rowValues(p, enc)
			inserts = append(inserts, append(cols, now, now))
			found[k] = existing{p.ID, hash}
			counts.Created++
		}
	}
	for start := 0; start < len(inserts); start += 400 {
		chunk := inserts[start:min(start+400, len(inserts))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO products (id, brand_id, source, external_id, handle, title, body_html, body_text, vendor,
			product_type, category, tags, status, published, options, seo_title, seo_description, metadata, variants, images,
			variant_count, image_count, skus, content_hash, created_at, updated_at) VALUES `)
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		row := "(" + placeholders(len(chunk[0])) + ")"
		for i, r := range chunk {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(row)
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return counts, fmt.Errorf("catalog: insert products: %w", err)
		}
	}
	return counts, nil
}

// rowValues are a product's column values from id to content_hash, in the
// INSERT's order.
func rowValues(p *Product, e encoded) []any {
	skus := make([]string, 0, len(p.Variants))
	for _, v := range p.Variants {
		if v.SKU != "" {
			skus = append(skus, v.SKU)
		}
	}
	return []any{p.ID, p.BrandID, p.Source, p.ExternalID, p.Handle, p.Title, p.BodyHTML, PlainText(p.BodyHTML), p.Vendor,
		p.ProductType, p.Category, e.tags, p.Status, p.Published, e.options, p.SEOTitle, p.SEODescription, e.metadata,
		e.variants, e.images, len(p.Variants), len(p.Images), strings.Join(skus, " "), e.hash}
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}
