package connect

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Metadata keys where connectors keep list fields that have no field of
// their own in the catalog model: a JSON array, or one item per line.
const (
	MetaMaterials = "materials"              // Etsy
	MetaBullets   = "amazon_bullet_point"    // Amazon bullet_point
	MetaKeywords  = "amazon_generic_keyword" // Amazon generic_keyword
)

// Publication kinds and statuses.
const (
	KindPublish = "publish"
	KindRevert  = "revert"

	PubQueued  = "queued"
	PubRunning = "running"
	PubDone    = "done"
	PubFailed  = "failed"
)

// Publication is one write of a product's fields to a store: what was
// there before and what is there after, numbered per product (Version).
type Publication struct {
	ID           string     `json:"id"`
	BrandID      string     `json:"brand_id"`
	ProductID    string     `json:"product_id"`
	ConnectionID string     `json:"connection_id"`
	Platform     Platform   `json:"platform"`
	Kind         string     `json:"kind"`
	Version      int        `json:"version"`
	Status       string     `json:"status"`
	DraftIDs     []string   `json:"draft_ids"`
	Fields       Fields     `json:"fields"`
	Before       Fields     `json:"before"`
	After        Fields     `json:"after"`
	Error        string     `json:"error,omitempty"`
	Attempts     int        `json:"attempts"`
	CreatedAt    time.Time  `json:"created_at"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
}

const pubColumns = `p.id, p.brand_id, p.product_id, p.connection_id, c.platform, p.kind, p.version, p.status, p.draft_ids, p.fields,
	p.before_value, p.after_value, p.error, p.attempts, p.created_at, p.finished_at`

const pubFrom = ` FROM publications p JOIN connections c ON c.id = p.connection_id`

func scanPublication(row interface{ Scan(...any) error }) (*Publication, error) {
	var p Publication
	var platform, drafts, fields, before, after string
	if err := row.Scan(&p.ID, &p.BrandID, &p.ProductID, &p.ConnectionID, &platform, &p.Kind, &p.Version, &p.Status, &drafts, &fields,
		&before, &after, &p.Error, &p.Attempts, &p.CreatedAt, &p.FinishedAt); err != nil {
		return nil, err
	}
	p.Platform = Platform(platform)
	for _, x := range []struct {
		src string
		dst any
	}{{drafts, &p.DraftIDs}, {fields, &p.Fields}, {before, &p.Before}, {after, &p.After}} {
		if err := json.Unmarshal([]byte(x.src), x.dst); err != nil {
			return nil, fmt.Errorf("connect: decode publication %s: %w", p.ID, err)
		}
	}
	return &p, nil
}

// PublishArgs is the job writing one publication to its store.
type PublishArgs struct {
	PublicationID string `json:"publication_id"`
	// Retry numbers a seller's retries, so a retry is a job of its own even
	// while the failed one is still being marked done.
	Retry int `json:"retry,omitempty"`
}

// Kind names the job.
func (PublishArgs) Kind() string { return "connect_publish" }

// InsertOpts: one live job per publication, retried with backoff; a
// finished job does not block a seller's Retry.
func (PublishArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
		rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}, MaxAttempts: 8}
}

// approvedDraft is a current approved draft of a product for a channel.
type approvedDraft struct {
	id, field string
	text      string
	items     []string
}

// fieldsFrom turns a product's approved drafts for a platform into the
// fields to write. Image alt texts are matched to the product's images by
// position; images without a store id are skipped.
func fieldsFrom(p Platform, prod *catalog.Product, ds []approvedDraft) Fields {
	var f Fields
	str := func(s string) *string { return &s }
	list := func(xs []string) *[]string { out := append([]string{}, xs...); return &out }
	for _, d := range ds {
		switch string(p) + "/" + d.field {
		case "shopify/title", "etsy/title", "amazon/item_name":
			f.Title = str(d.text)
		case "shopify/description", "etsy/description", "amazon/product_description":
			f.DescriptionHTML = str(d.text)
		case "shopify/seo_title":
			f.SEOTitle = str(d.text)
		case "shopify/seo_description":
			f.SEODescription = str(d.text)
		case "shopify/tags", "etsy/tags":
			f.Tags = list(d.items)
		case "etsy/materials":
			f.Materials = list(d.items)
		case "amazon/bullet_points":
			f.Bullets = list(d.items)
		case "amazon/generic_keywords":
			f.Keywords = list(d.items)
		case "shopify/image_alt":
			for i, alt := range d.items {
				if i < len(prod.Images) && prod.Images[i].ExternalID != "" {
					if f.ImageAlts == nil {
						f.ImageAlts = map[string]string{}
					}
					f.ImageAlts[prod.Images[i].ExternalID] = alt
				}
			}
		}
	}
	return f
}

// Snapshot reads from a product as the store has it the fields f sets.
func Snapshot(prod *catalog.Product, f Fields) Fields {
	var out Fields
	str := func(s string) *string { return &s }
	lines := func(key string) *[]string {
		xs := []string{}
		raw := strings.TrimSpace(prod.Metadata[key])
		if strings.HasPrefix(raw, "[") && json.Unmarshal([]byte(raw), &xs) == nil {
			return &xs
		}
		for _, l := range strings.Split(raw, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				xs = append(xs, l)
			}
		}
		return &xs
	}
	if f.Title != nil {
		out.Title = str(prod.Title)
	}
	if f.DescriptionHTML != nil {
		out.DescriptionHTML = str(prod.BodyHTML)
	}
	if f.SEOTitle != nil {
		out.SEOTitle = str(prod.SEOTitle)
	}
	if f.SEODescription != nil {
		out.SEODescription = str(prod.SEODescription)
	}
	if f.Tags != nil {
		tags := append([]string{}, prod.Tags...)
		out.Tags = &tags
	}
	if f.Materials != nil {
		out.Materials = lines(MetaMaterials)
	}
	if f.Bullets != nil {
		out.Bullets = lines(MetaBullets)
	}
	if f.Keywords != nil {
		out.Keywords = lines(MetaKeywords)
	}
	if len(f.ImageAlts) > 0 {
		out.ImageAlts = map[string]string{}
		for _, im := range prod.Images {
			if _, ok := f.ImageAlts[im.ExternalID]; ok {
				out.ImageAlts[im.ExternalID] = im.Alt
			}
		}
	}
	return out
}

// PublishInput says what to publish.
type PublishInput struct {
	Platform   Platform // default: every connected platform of the brand
	ProductIDs []string // default: every product with approved drafts not yet published
}

// Publish queues the brand's approved drafts for their stores: one
// publication per product and store, holding the approved current drafts
// of the store's channel. Drafts not approved are never published; a
// product with a publication already queued or running is left to it.
func (s *Service) Publish(ctx context.Context, sc tenant.Scope, brandID string, in PublishInput) ([]*Publication, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	conns, err := s.List(ctx, sc, brandID)
	if err != nil {
		return nil, err
	}
	var targets []*Connection
	for _, c := range conns {
		if (in.Platform == "" || c.Platform == in.Platform) && c.Status != StatusDisconnected {
			targets = append(targets, c)
		}
	}
	if len(targets) == 0 {
		if in.Platform != "" {
			return nil, apperr.E(apperr.Invalid, "This brand has no %s connection; connect the store first.", in.Platform)
		}
		return nil, apperr.E(apperr.Invalid, "This brand has no store connected; connect one first.")
	}
	want := map[string]bool{}
	for _, id := range in.ProductIDs {
		want[id] = true
	}
	var out []*Publication
	for _, conn := range targets {
		rows, err := s.db.Query(ctx, `SELECT d.id, d.product_id, d.field, d.value FROM drafts d JOIN products p ON p.id = d.product_id
			WHERE d.brand_id = ? AND d.channel = ? AND d.is_current = 1 AND d.status = 'approved' AND p.source = ? AND p.external_id <> ''
			ORDER BY d.product_id, d.field`, brandID, string(conn.Platform), string(conn.Platform))
		if err != nil {
			return nil, fmt.Errorf("connect: approved drafts: %w", err)
		}
		byProduct := map[string][]approvedDraft{}
		for rows.Next() {
			var id, pid, field, value string
			if err := rows.Scan(&id, &pid, &field, &value); err != nil {
				rows.Close()
				return nil, err
			}
			if len(want) > 0 && !want[pid] {
				continue
			}
			var v struct {
				Text  string   `json:"text"`
				Items []string `json:"items"`
			}
			_ = json.Unmarshal([]byte(value), &v)
			byProduct[pid] = append(byProduct[pid], approvedDraft{id: id, field: field, text: v.Text, items: v.Items})
		}
		rows.Close()
		pids := make([]string, 0, len(byProduct))
		for pid := range byProduct {
			pids = append(pids, pid)
		}
		sort.Strings(pids)
		for _, pid := range pids {
			prod, err := s.catalog.Get(ctx, sc, brandID, pid)
			if err != nil {
				return nil, err
			}
			f := fieldsFrom(conn.Platform, prod, byProduct[pid])
			if f.Empty() {
				continue
			}
			ids := make([]string, len(byProduct[pid]))
			for i, d := range byProduct[pid] {
				ids[i] = d.id
			}
			p, err := s.enqueue(ctx, sc, conn, pid, KindPublish, ids, f)
			if err != nil {
				return nil, err
			}
			if p != nil {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// enqueue adds a publication (the next version for its product) and its
// job in one transaction, unless one is already queued or running for the
// product; drafts already published as they are skip.
func (s *Service) enqueue(ctx context.Context, sc tenant.Scope, conn *Connection, productID, kind string, draftIDs []string, f Fields) (*Publication, error) {
	var out *Publication
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var busy int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM publications WHERE product_id = ? AND connection_id = ? AND status IN (?, ?)`,
			productID, conn.ID, PubQueued, PubRunning).Scan(&busy); err != nil {
			return err
		}
		if busy > 0 {
			return nil
		}
		if kind == KindPublish {
			// The same approved drafts, already in the store: nothing to do.
			var last string
			err := tx.QueryRow(ctx, `SELECT draft_ids FROM publications WHERE product_id = ? AND connection_id = ? AND status = ? AND kind = ?
				ORDER BY version DESC LIMIT 1`, productID, conn.ID, PubDone, KindPublish).Scan(&last)
			if err == nil {
				ids, _ := json.Marshal(draftIDs)
				if string(ids) == last {
					return nil
				}
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var version int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM publications WHERE product_id = ? AND connection_id = ?`,
			productID, conn.ID).Scan(&version); err != nil {
			return err
		}
		out = &Publication{ID: store.NewID(), BrandID: conn.BrandID, ProductID: productID, ConnectionID: conn.ID, Platform: conn.Platform,
			Kind: kind, Version: version + 1, Status: PubQueued, DraftIDs: nonNil(draftIDs), Fields: f, CreatedAt: s.now()}
		ids, _ := json.Marshal(out.DraftIDs)
		fields, _ := json.Marshal(f)
		if _, err := tx.Exec(ctx, `INSERT INTO publications (id, brand_id, product_id, connection_id, kind, version, status, draft_ids, fields,
			user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, out.BrandID, productID, conn.ID, kind, out.Version, PubQueued,
			string(ids), string(fields), userRef(sc.UserID), out.CreatedAt); err != nil {
			return err
		}
		if s.jobs == nil {
			return nil
		}
		_, err := s.jobs.InsertTx(ctx, tx, PublishArgs{PublicationID: out.ID}, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connect: queue publication: %w", err)
	}
	return out, nil
}

// Publications lists a brand's publications (of one product when set), newest first.
func (s *Service) Publications(ctx context.Context, sc tenant.Scope, brandID, productID string, limit int) ([]*Publication, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	q := `SELECT ` + pubColumns + pubFrom + ` WHERE p.brand_id = ?`
	args := []any{brandID}
	if productID != "" {
		q += ` AND p.product_id = ?`
		args = append(args, productID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY p.created_at DESC, p.version DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("connect: publications: %w", err)
	}
	defer rows.Close()
	out := []*Publication{}
	for rows.Next() {
		p, err := scanPublication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// GetPublication returns one publication of a brand.
func (s *Service) GetPublication(ctx context.Context, sc tenant.Scope, brandID, id string) (*Publication, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	if !store.ValidID(id) {
		return nil, apperr.E(apperr.NotFound, "Publication not found.")
	}
	p, err := scanPublication(s.db.QueryRow(ctx, `SELECT `+pubColumns+pubFrom+` WHERE p.id = ? AND p.brand_id = ?`, id, brandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Publication not found.")
	}
	return p, err
}

// Retry queues a failed publication again.
func (s *Service) Retry(ctx context.Context, sc tenant.Scope, brandID, id string) (*Publication, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	p, err := s.GetPublication(ctx, sc, brandID, id)
	if err != nil {
		return nil, err
	}
	if p.Status != PubFailed {
		return nil, apperr.E(apperr.Conflict, "Only a failed publication can be retried; this one is %s.", p.Status)
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE publications SET status = ?, error = '', finished_at = NULL WHERE id = ?`, PubQueued, p.ID); err != nil {
			return err
		}
		_, err := s.jobs.InsertTx(ctx, tx, PublishArgs{PublicationID: p.ID, Retry: p.Attempts}, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetPublication(ctx, sc, brandID, id)
}

// Revert writes a product's fields back to an earlier published value:
// version 0 is what the store had before PlutoPro's first publication,
// version N what publication N wrote. The revert is itself a publication.
func (s *Service) Revert(ctx context.Context, sc tenant.Scope, brandID, productID string, toVersion int) (*Publication, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	all, err := s.Publications(ctx, sc, brandID, productID, 1000)
	if err != nil {
		return nil, err
	}
	var done []*Publication
	for _, p := range all {
		if p.Status == PubDone {
			done = append(done, p)
		}
	}
	if len(done) == 0 {
		return nil, apperr.E(apperr.Invalid, "Nothing was published for this product; there is nothing to revert.")
	}
	sort.Slice(done, func(i, j int) bool { return done[i].Version < done[j].Version })
	var target Fields
	var conn string
	switch {
	case toVersion < 0:
		return nil, apperr.E(apperr.Invalid, "Versions start at 0 (the original).")
	case toVersion == 0:
		target, conn = originals(done), done[0].ConnectionID
	default:
		i := -1
		for k, p := range done {
			if p.Version == toVersion {
				i = k
			}
		}
		if i < 0 {
			return nil, apperr.E(apperr.NotFound, "Version %d of this product was not published.", toVersion)
		}
		target, conn = done[i].After, done[i].ConnectionID
	}
	c, err := s.get(ctx, brandID, conn)
	if err != nil {
		return nil, err
	}
	p, err := s.enqueue(ctx, sc, c, productID, KindRevert, nil, target)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, apperr.E(apperr.Conflict, "A publication of this product is already queued; wait for it, then revert.")
	}
	return p, nil
}

// originals is, per field, the value the store had before PlutoPro first
// wrote that field.
func originals(done []*Publication) Fields {
	var out Fields
	for _, p := range done {
		b := p.Before
		if out.Title == nil {
			out.Title = b.Title
		}
		if out.DescriptionHTML == nil {
			out.DescriptionHTML = b.DescriptionHTML
		}
		if out.SEOTitle == nil {
			out.SEOTitle = b.SEOTitle
		}
		if out.SEODescription == nil {
			out.SEODescription = b.SEODescription
		}
		if out.Tags == nil {
			out.Tags = b.Tags
		}
		if out.Materials == nil {
			out.Materials = b.Materials
		}
		if out.Bullets == nil {
			out.Bullets = b.Bullets
		}
		if out.Keywords == nil {
			out.Keywords = b.Keywords
		}
		for k, v := range b.ImageAlts {
			if out.ImageAlts == nil {
				out.ImageAlts = map[string]string{}
			}
			if _, ok := out.ImageAlts[k]; !ok {
				out.ImageAlts[k] = v
			}
		}
	}
	return out
}

// PublishWorker writes publications.
type PublishWorker struct {
	river.WorkerDefaults[PublishArgs]
	Service *Service
}

// Work reads the product's current values from the store (once: the
// "before" of a retried job stays the first one), writes the fields,
// records what the store now has, and marks the drafts published, in one
// transaction. A refusal by the store fails the publication with the
// store's reason; throttling and 5xx answers are retried with backoff.
func (w *PublishWorker) Work(ctx context.Context, j *river.Job[PublishArgs]) error {
	s := w.Service
	p, err := scanPublication(s.db.QueryRow(ctx, `SELECT `+pubColumns+pubFrom+` WHERE p.id = ?`, j.Args.PublicationID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Status == PubDone || p.Status == PubFailed {
		return nil
	}
	fail := func(msg string) error {
		_, err := s.db.Exec(ctx, `UPDATE publications SET status = ?, error = ?, finished_at = ? WHERE id = ?`, PubFailed, msg, s.now(), p.ID)
		return err
	}
	conn, err := s.get(ctx, p.BrandID, p.ConnectionID)
	if err != nil {
		return fail("The store connection is gone.")
	}
	var accountID, externalID string
	if err := s.db.QueryRow(ctx, `SELECT b.account_id, pr.external_id FROM products pr JOIN brands b ON b.id = pr.brand_id WHERE pr.id = ?`,
		p.ProductID).Scan(&accountID, &externalID); err != nil {
		return fail("The product is gone.")
	}
	_, _ = s.db.Exec(ctx, `UPDATE publications SET status = ?, attempts = attempts + 1 WHERE id = ?`, PubRunning, p.ID)
	retry := func(err error) error {
		if j.Attempt >= j.MaxAttempts {
			return fail(apperr.MessageOf(asUserError(conn.Platform, err)))
		}
		return err
	}
	creds, err := s.credentials(ctx, conn)
	if err != nil {
		if apperr.Is(err, apperr.Internal) {
			return retry(err)
		}
		return fail(apperr.MessageOf(err))
	}
	c, err := s.Connector(conn.Platform)
	if err != nil {
		return fail(apperr.MessageOf(err))
	}
	if p.Before.Empty() {
		cur, err := c.FetchProduct(ctx, creds, externalID)
		if err != nil {
			return s.storeFailure(ctx, conn, err, fail, retry)
		}
		before, _ := json.Marshal(Snapshot(cur, p.Fields))
		if _, err := s.db.Exec(ctx, `UPDATE publications SET before_value = ? WHERE id = ? AND before_value = '{}'`, string(before), p.ID); err != nil {
			return err
		}
	}
	after, err := c.Update(ctx, creds, externalID, p.Fields)
	if err != nil {
		return s.storeFailure(ctx, conn, err, fail, retry)
	}
	after.Source = string(conn.Platform)
	afterJSON, _ := json.Marshal(Snapshot(after, p.Fields))
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE publications SET status = ?, after_value = ?, error = '', finished_at = ? WHERE id = ?`,
			PubDone, string(afterJSON), s.now(), p.ID); err != nil {
			return err
		}
		for _, id := range p.DraftIDs {
			if _, err := tx.Exec(ctx, `UPDATE drafts SET status = 'published' WHERE id = ? AND status = 'approved'`, id); err != nil {
				return err
			}
		}
		// The catalog follows the store.
		_, err := s.catalog.UpsertTx(ctx, tx, p.BrandID, []*catalog.Product{after})
		return err
	})
}

func (s *Service) storeFailure(ctx context.Context, conn *Connection, err error, fail func(string) error, retry func(error) error) error {
	var se *StoreError
	switch {
	case errors.Is(err, ErrUnauthorized):
		s.markReauth(ctx, conn, "The store refused PlutoPro's access; connect the store again.")
		return fail(fmt.Sprintf("%s refused PlutoPro's access; connect the store again, then retry.", conn.Platform))
	case errors.Is(err, ErrNotFound):
		return fail(fmt.Sprintf("The product no longer exists in the %s store.", conn.Platform))
	case errors.As(err, &se) && !se.Retryable:
		return fail(se.Error())
	}
	return retry(err)
}
