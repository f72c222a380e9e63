package catalog

import (
	"context"
	"database/sql"
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
		enc := p.encoded()
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
	for start := 0; start < len(inserts); start += insertChunk {
		chunk := inserts[start:min(start+insertChunk, len(inserts))]
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if stmt := s.preparedInsert(); stmt != nil && len(chunk) == insertChunk {
			// Full chunks reuse one prepared statement: preparing a
			// 5,000-parameter INSERT costs about as much as running it.
			if _, err := tx.SQL().StmtContext(ctx, stmt).ExecContext(ctx, args...); err != nil {
				return counts, fmt.Errorf("catalog: insert products: %w", err)
			}
			continue
		}
		if _, err := tx.Exec(ctx, insertSQL(len(chunk)), args...); err != nil {
			return counts, fmt.Errorf("catalog: insert products: %w", err)
		}
	}
	return counts, nil
}

// rowValues are a product's column values from id to content_hash, in the
// INSERT's order.
func rowValues(p *Product, e encoded) []any {
	return []any{p.ID, p.BrandID, p.Source, p.ExternalID, p.Handle, p.Title, p.BodyHTML, e.bodyText, p.Vendor,
		p.ProductType, p.Category, e.tags, e.status, p.Published, e.options, p.SEOTitle, p.SEODescription, e.metadata,
		e.variants, e.images, len(p.Variants), len(p.Images), e.skus, e.hash}
}

// insertChunk is how many products one INSERT statement writes.
const insertChunk = 1000

const insertColumns = 26

func insertSQL(rows int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO products (id, brand_id, source, external_id, handle, title, body_html, body_text, vendor,
		product_type, category, tags, status, published, options, seo_title, seo_description, metadata, variants, images,
		variant_count, image_count, skus, content_hash, created_at, updated_at) VALUES `)
	row := "(" + placeholders(insertColumns) + ")"
	for i := 0; i < rows; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(row)
	}
	return sb.String()
}

// PrepareInsert prepares the bulk INSERT that UpsertTx reuses. Bulk writers
// call it before their transactions: it needs a connection of its own, and
// on SQLite the only write connection is held by an open transaction.
func (s *Service) PrepareInsert(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.insertFull != nil {
		return nil
	}
	stmt, err := s.db.WriteDB().PrepareContext(ctx, s.db.Rebind(insertSQL(insertChunk)))
	if err != nil {
		return fmt.Errorf("catalog: prepare insert: %w", err)
	}
	s.insertFull = stmt
	return nil
}

func (s *Service) preparedInsert() *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.insertFull
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}
