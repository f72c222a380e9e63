package catalog

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Service is the catalog service.
type Service struct {
	db     *store.DB
	brands *brand.Service
	jobs   *jobs.Client
	// Now is the clock.
	Now func() time.Time
	// MaxUploadBytes caps an uploaded file.
	MaxUploadBytes int64

	mu         sync.Mutex
	insertFull *sql.Stmt // prepared lazily; see insertStmt
}

// DefaultMaxUploadBytes is the default cap on an uploaded file (100 MB).
const DefaultMaxUploadBytes = 100 << 20

// NewService returns the catalog service. Call SetJobs before importing.
func NewService(db *store.DB, brands *brand.Service) *Service {
	return &Service{db: db, brands: brands, Now: store.Now, MaxUploadBytes: DefaultMaxUploadBytes}
}

// SetJobs sets the job client (built after the workers, which need the service).
func (s *Service) SetJobs(j *jobs.Client) { s.jobs = j }

// brand returns the brand if the scope may read it; NotFound otherwise.
func (s *Service) brand(ctx context.Context, sc tenant.Scope, brandID string) (*brand.Brand, error) {
	return s.brands.Get(ctx, sc, brandID)
}

// productColumns are read by every product query, in scanProduct's order.
const productColumns = `id, brand_id, source, external_id, handle, title, body_html, vendor, product_type, category, tags,
	status, published, options, seo_title, seo_description, metadata, variants, images, created_at, updated_at`

func scanProduct(row interface{ Scan(...any) error }) (*Product, error) {
	var p Product
	var tags, options, metadata, variants, images string
	if err := row.Scan(&p.ID, &p.BrandID, &p.Source, &p.ExternalID, &p.Handle, &p.Title, &p.BodyHTML, &p.Vendor,
		&p.ProductType, &p.Category, &tags, &p.Status, &p.Published, &options, &p.SEOTitle, &p.SEODescription,
		&metadata, &variants, &images, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		src string
		dst any
	}{{tags, &p.Tags}, {options, &p.Options}, {metadata, &p.Metadata}, {variants, &p.Variants}, {images, &p.Images}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("catalog: decode product %s: %w", p.ID, err)
		}
	}
	if p.Tags == nil {
		p.Tags = []string{}
	}
	if p.Variants == nil {
		p.Variants = []Variant{}
	}
	if p.Images == nil {
		p.Images = []Image{}
	}
	if p.Options == nil {
		p.Options = []Option{}
	}
	return &p, nil
}

func productNotFound() error {
	return apperr.Wrap(apperr.NotFound, store.ErrNotFound, "Product not found.")
}

// Get returns one product of a brand the scope may read.
func (s *Service) Get(ctx context.Context, sc tenant.Scope, brandID, productID string) (*Product, error) {
	if _, err := s.brand(ctx, sc, brandID); err != nil {
		return nil, err
	}
	if !store.ValidID(productID) {
		return nil, productNotFound()
	}
	p, err := scanProduct(s.db.QueryRow(ctx, `SELECT `+productColumns+` FROM products WHERE id = ? AND brand_id = ?`, productID, brandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, productNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: get product: %w", err)
	}
	return p, nil
}

// ListParams filters and pages a product list.
type ListParams struct {
	Query  string // full-text search over title, body, vendor, type, tags, SKUs, handle
	Type   string
	Vendor string
	Tag    string
	Status string
	Limit  int    // default 50, at most 200
	Cursor string // from a previous page's NextCursor
}

// Summary is a product as lists show it.
type Summary struct {
	ID           string    `json:"id"`
	Handle       string    `json:"handle"`
	Title        string    `json:"title"`
	Vendor       string    `json:"vendor"`
	ProductType  string    `json:"product_type"`
	Status       string    `json:"status"`
	Tags         []string  `json:"tags"`
	Source       string    `json:"source"`
	VariantCount int       `json:"variant_count"`
	ImageCount   int       `json:"image_count"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ListResult is one page.
type ListResult struct {
	Products   []Summary `json:"products"`
	NextCursor string    `json:"next_cursor"`
}

// List pages through a brand's products in import order, keyset-paginated
// (a page costs the same however deep it is).
func (s *Service) List(ctx context.Context, sc tenant.Scope, brandID string, p ListParams) (*ListResult, error) {
	if _, err := s.brand(ctx, sc, brandID); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > 200 {
		limit = 200
	}
	where := []string{"p.brand_id = ?"}
	args := []any{brandID}
	if p.Cursor != "" {
		after, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, err
		}
		where = append(where, "p.id > ?")
		args = append(args, after)
	}
	for _, f := range []struct{ col, val string }{{"p.product_type", p.Type}, {"p.vendor", p.Vendor}, {"p.status", p.Status}} {
		if f.val != "" {
			where = append(where, f.col+" = ?")
			args = append(args, f.val)
		}
	}
	if p.Tag != "" {
		b, _ := json.Marshal(p.Tag)
		where = append(where, `p.tags LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(string(b))+"%")
	}
	from := "products p"
	if q := searchQuery(s.db.Engine(), p.Query); q != "" {
		if s.db.Engine() == store.Postgres {
			where = append(where, "p.search @@ to_tsquery('simple', ?)")
		} else {
			from = "products p JOIN products_fts f ON f.rowid = p.rowid"
			where = append(where, "products_fts MATCH ?")
		}
		args = append(args, q)
	}
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, `SELECT p.id, p.handle, p.title, p.vendor, p.product_type, p.status, p.tags, p.source,
		p.variant_count, p.image_count, p.updated_at FROM `+from+` WHERE `+strings.Join(where, " AND ")+` ORDER BY p.id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list products: %w", err)
	}
	defer rows.Close()
	res := &ListResult{Products: []Summary{}}
	for rows.Next() {
		var sm Summary
		var tags string
		if err := rows.Scan(&sm.ID, &sm.Handle, &sm.Title, &sm.Vendor, &sm.ProductType, &sm.Status, &tags, &sm.Source,
			&sm.VariantCount, &sm.ImageCount, &sm.UpdatedAt); err != nil {
			return nil, fmt.Errorf("catalog: scan product: %w", err)
		}
		if err := json.Unmarshal([]byte(tags), &sm.Tags); err != nil {
			return nil, fmt.Errorf("catalog: decode tags: %w", err)
		}
		res.Products = append(res.Products, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: list products: %w", err)
	}
	if len(res.Products) > limit {
		res.Products = res.Products[:limit]
		res.NextCursor = encodeCursor(res.Products[limit-1].ID)
	}
	return res, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchQuery turns what a seller types into a prefix query for the engine:
// every word must match, the last one as a prefix. Operators are not passed
// through, so no input is a syntax error.
func searchQuery(e store.Engine, q string) string {
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if len(words) > 12 {
		words = words[:12]
	}
	if len(words) == 0 {
		return ""
	}
	parts := make([]string, len(words))
	for i, w := range words {
		w = strings.ToLower(w)
		if e == store.Postgres {
			parts[i] = w + ":*"
		} else {
			parts[i] = `"` + w + `"*`
		}
	}
	if e == store.Postgres {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " ")
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !store.ValidID(string(b)) {
		return "", apperr.E(apperr.Invalid, "The page cursor is not valid; start from the first page.")
	}
	return string(b), nil
}

// Facets are the distinct values a brand's products use, for filter menus.
type Facets struct {
	Types    []string `json:"types"`
	Vendors  []string `json:"vendors"`
	Statuses []string `json:"statuses"`
}

// Facets lists the filter values of a brand (at most 200 of each).
func (s *Service) Facets(ctx context.Context, sc tenant.Scope, brandID string) (*Facets, error) {
	if _, err := s.brand(ctx, sc, brandID); err != nil {
		return nil, err
	}
	f := &Facets{}
	for _, c := range []struct {
		col string
		dst *[]string
	}{{"product_type", &f.Types}, {"vendor", &f.Vendors}, {"status", &f.Statuses}} {
		rows, err := s.db.Query(ctx, `SELECT DISTINCT `+c.col+` FROM products WHERE brand_id = ? AND `+c.col+` <> '' ORDER BY `+c.col+` LIMIT 200`, brandID)
		if err != nil {
			return nil, fmt.Errorf("catalog: facets: %w", err)
		}
		*c.dst = []string{}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return nil, err
			}
			*c.dst = append(*c.dst, v)
		}
		rows.Close()
	}
	return f, nil
}

// Count returns how many products a brand has.
func (s *Service) Count(ctx context.Context, sc tenant.Scope, brandID string) (int, error) {
	if _, err := s.brand(ctx, sc, brandID); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM products WHERE brand_id = ?`, brandID).Scan(&n)
	return n, err
}

// Each calls fn for every product of the brand in import order, reading a
// page at a time so memory stays flat for any catalog size.
func (s *Service) Each(ctx context.Context, sc tenant.Scope, brandID string, fn func(*Product) error) error {
	if _, err := s.brand(ctx, sc, brandID); err != nil {
		return err
	}
	after := ""
	for {
		rows, err := s.db.Query(ctx, `SELECT `+productColumns+` FROM products WHERE brand_id = ? AND id > ? ORDER BY id LIMIT 500`, brandID, after)
		if err != nil {
			return fmt.Errorf("catalog: read products: %w", err)
		}
		var page []*Product
		for rows.Next() {
			p, err := scanProduct(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range page {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
