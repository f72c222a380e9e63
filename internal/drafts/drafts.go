// Package drafts runs content generation for a brand's catalog and keeps
// the drafts it writes. A generation is one request (some or all products,
// one channel, some fields); it runs as one River job per product, unique
// per generation and product, so a double click or a retry never doubles
// work. Every draft is a version; one per product, channel and field is
// current. Source values in the catalog are never overwritten.
package drafts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Generation statuses.
const (
	StatusQueued   = "queued"
	StatusRunning  = "running"
	StatusDone     = "done"
	StatusCanceled = "canceled"
)

// Generation is one generation request and its progress.
type Generation struct {
	ID                string   `json:"id"`
	BrandID           string   `json:"brand_id"`
	Channel           string   `json:"channel"`
	Fields            []string `json:"fields"`
	OnlyMissing       bool     `json:"only_missing"`
	Batch             bool     `json:"batch"`
	Provider          string   `json:"provider"`
	Model             string   `json:"model"`
	Status            string   `json:"status"`
	Products          int      `json:"products"`
	Done              int      `json:"done"`
	Failed            int      `json:"failed"`
	Drafts            int      `json:"drafts"`
	Invalid           int      `json:"invalid"`
	InputTokens       int      `json:"input_tokens"`
	CachedInputTokens int      `json:"cached_input_tokens"`
	CacheWriteTokens  int      `json:"cache_write_tokens"`
	OutputTokens      int      `json:"output_tokens"`
	CostUSD           float64  `json:"cost_usd"`
	Error             string   `json:"error,omitempty"`
	// Instruction is the reviewer's instruction of a regeneration.
	Instruction string     `json:"instruction,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
}

// Finished reports whether every product has been handled (or the run canceled).
func (g *Generation) Finished() bool { return g.Status == StatusDone || g.Status == StatusCanceled }

// Draft is one version of one field of one product for one channel.
type Draft struct {
	ID                string                `json:"id"`
	BrandID           string                `json:"brand_id"`
	ProductID         string                `json:"product_id"`
	GenerationID      string                `json:"generation_id,omitempty"`
	Channel           string                `json:"channel"`
	Field             string                `json:"field"`
	Version           int                   `json:"version"`
	Current           bool                  `json:"current"`
	Value             generate.Value        `json:"value"`
	Body              string                `json:"body"` // Value as one string: Text, or Items joined by newlines
	Status            string                `json:"status"`
	Violations        []generate.Violation  `json:"violations"`
	Ungrounded        []generate.Ungrounded `json:"ungrounded"`
	Repairs           []string              `json:"repairs"`
	Provider          string                `json:"provider"`
	Model             string                `json:"model"`
	PromptHash        string                `json:"prompt_hash"`
	InputTokens       int                   `json:"input_tokens"`
	CachedInputTokens int                   `json:"cached_input_tokens"`
	OutputTokens      int                   `json:"output_tokens"`
	CostUSD           float64               `json:"cost_usd"`
	CreatedAt         time.Time             `json:"created_at"`
	// SourceChanged: the product changed in its store after this draft
	// was written; the draft may describe an older version.
	SourceChanged bool `json:"source_changed"`
}

// Service runs generations and reads drafts.
type Service struct {
	db       *store.DB
	brands   *brand.Service
	catalog  *catalog.Service
	jobs     *jobs.Client
	provider generate.Provider
	learn    *learn.Service
	// Now is the clock.
	Now func() time.Time
}

// NewService returns the drafts service writing with provider.
func NewService(db *store.DB, brands *brand.Service, cat *catalog.Service, provider generate.Provider) *Service {
	return &Service{db: db, brands: brands, catalog: cat, provider: provider, Now: store.Now}
}

// SetJobs sets the job client.
func (s *Service) SetJobs(j *jobs.Client) { s.jobs = j }

// SetLearn sets the brand memory the writer follows and review signals go to.
func (s *Service) SetLearn(l *learn.Service) { s.learn = l }

// Provider is the writer in use.
func (s *Service) Provider() generate.Provider { return s.provider }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// StartInput says what to generate.
type StartInput struct {
	Channel     string   // default: the brand's default channel
	Fields      []string // default: every field of the channel
	ProductIDs  []string // default: every product of the brand
	OnlyMissing bool     // only fields the product has no value for yet
	// Batch sends the whole generation as one provider batch (half price,
	// results within hours) instead of one call per product.
	Batch bool
	// Instruction is a reviewer's instruction for a regeneration.
	Instruction string
}

// MaxInstruction bounds a regeneration instruction or rejection reason.
const MaxInstruction = 500

// Start creates a generation and enqueues one job per product, in one
// transaction.
func (s *Service) Start(ctx context.Context, sc tenant.Scope, brandID string, in StartInput) (*Generation, error) {
	return s.start(ctx, sc, brandID, in, nil)
}

// start creates a generation; also, when set, runs in its transaction
// (a regeneration records its signal there).
func (s *Service) start(ctx context.Context, sc tenant.Scope, brandID string, in StartInput, also func(*store.Tx) error) (*Generation, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	b, err := s.brands.Get(ctx, sc, brandID)
	if err != nil {
		return nil, err
	}
	ch := generate.Channel(in.Channel)
	if in.Channel == "" {
		ch = generate.Channel(b.DefaultChannel)
	}
	specs := generate.Fields(ch)
	if len(specs) == 0 {
		return nil, apperr.E(apperr.Invalid, "Unknown channel %q: use shopify, etsy, amazon or google.", truncate(string(ch), 20))
	}
	fields := make([]string, 0, len(specs))
	if len(in.Fields) == 0 {
		for _, f := range specs {
			fields = append(fields, f.Name)
		}
	} else {
		for _, name := range in.Fields {
			name = strings.TrimSpace(name)
			if _, ok := generate.Field(ch, name); !ok {
				names := make([]string, len(specs))
				for i, f := range specs {
					names[i] = f.Name
				}
				return nil, apperr.E(apperr.Invalid, "%s has no field %q; its fields are %s.", ch, truncate(name, 30), strings.Join(names, ", "))
			}
			if !slices.Contains(fields, name) {
				fields = append(fields, name)
			}
		}
	}
	in.Instruction = strings.Join(strings.Fields(in.Instruction), " ")
	if utf8.RuneCountInString(in.Instruction) > MaxInstruction {
		return nil, apperr.E(apperr.Invalid, "The instruction is longer than %d characters.", MaxInstruction)
	}
	if !utf8.ValidString(in.Instruction) {
		return nil, apperr.E(apperr.Invalid, "The instruction is not valid text.")
	}
	if in.Batch {
		if _, ok := s.provider.(generate.Batcher); !ok {
			return nil, apperr.E(apperr.Invalid, "The %s writer has no batch mode; batches need PLUTOPRO_LLM=anthropic.", s.provider.Name())
		}
	}
	productIDs, err := s.productIDs(ctx, brandID, in.ProductIDs)
	if err != nil {
		return nil, err
	}
	if len(productIDs) == 0 {
		return nil, apperr.E(apperr.Invalid, "This brand has no products to write for; import a catalog first.")
	}
	fieldsJSON, _ := json.Marshal(fields)
	g := &Generation{ID: store.NewID(), BrandID: brandID, Channel: string(ch), Fields: fields, OnlyMissing: in.OnlyMissing,
		Batch: in.Batch, Provider: s.provider.Name(), Status: StatusQueued, Products: len(productIDs), Instruction: in.Instruction, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		idsJSON := []byte("[]")
		if in.Batch {
			idsJSON, _ = json.Marshal(productIDs)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO generations (id, brand_id, user_id, channel, fields, only_missing, provider, status, total,
			batch, product_ids, instruction, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, g.ID, brandID, userRef(sc.UserID), g.Channel,
			string(fieldsJSON), boolInt(in.OnlyMissing), g.Provider, StatusQueued, len(productIDs), boolInt(in.Batch), string(idsJSON),
			g.Instruction, g.CreatedAt); err != nil {
			return fmt.Errorf("drafts: create generation: %w", err)
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		if in.Batch {
			_, err := s.jobs.InsertTx(ctx, tx, BatchArgs{GenerationID: g.ID}, nil)
			return err
		}
		for _, pid := range productIDs {
			if _, err := s.jobs.InsertTx(ctx, tx, GenerateArgs{GenerationID: g.ID, ProductID: pid}, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func (s *Service) productIDs(ctx context.Context, brandID string, want []string) ([]string, error) {
	if len(want) > 0 {
		var out []string
		seen := map[string]bool{}
		for _, id := range want {
			if seen[id] {
				continue
			}
			seen[id] = true
			var n int
			if !store.ValidID(id) {
				return nil, apperr.E(apperr.NotFound, "Product %q not found.", truncate(id, 40))
			}
			if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM products WHERE id = ? AND brand_id = ?`, id, brandID).Scan(&n); err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, apperr.E(apperr.NotFound, "Product %q not found.", id)
			}
			out = append(out, id)
		}
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT id FROM products WHERE brand_id = ? ORDER BY id`, brandID)
	if err != nil {
		return nil, fmt.Errorf("drafts: list products: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

const generationColumns = `id, brand_id, channel, fields, only_missing, batch, provider, model, status, total, done, failed, drafts, invalid,
	input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, cost_usd, error, instruction, created_at, finished_at`

func scanGeneration(row interface{ Scan(...any) error }) (*Generation, error) {
	var g Generation
	var fields string
	var only, batch int
	if err := row.Scan(&g.ID, &g.BrandID, &g.Channel, &fields, &only, &batch, &g.Provider, &g.Model, &g.Status, &g.Products, &g.Done,
		&g.Failed, &g.Drafts, &g.Invalid, &g.InputTokens, &g.CachedInputTokens, &g.CacheWriteTokens, &g.OutputTokens, &g.CostUSD,
		&g.Error, &g.Instruction, &g.CreatedAt, &g.FinishedAt); err != nil {
		return nil, err
	}
	g.OnlyMissing = only != 0
	g.Batch = batch != 0
	if err := json.Unmarshal([]byte(fields), &g.Fields); err != nil {
		return nil, fmt.Errorf("drafts: decode fields: %w", err)
	}
	return &g, nil
}

// Get returns a generation of a brand the scope may read.
func (s *Service) Get(ctx context.Context, sc tenant.Scope, brandID, id string) (*Generation, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	if !store.ValidID(id) {
		return nil, apperr.E(apperr.NotFound, "Generation not found.")
	}
	g, err := scanGeneration(s.db.QueryRow(ctx, `SELECT `+generationColumns+` FROM generations WHERE id = ? AND brand_id = ?`, id, brandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Generation not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("drafts: get generation: %w", err)
	}
	return g, nil
}

// Cancel stops a generation: jobs not yet run skip their product.
func (s *Service) Cancel(ctx context.Context, sc tenant.Scope, brandID, id string) error {
	if err := sc.Require(tenant.EditContent); err != nil {
		return err
	}
	if _, err := s.Get(ctx, sc, brandID, id); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `UPDATE generations SET status = ?, finished_at = ? WHERE id = ? AND status IN (?, ?)`,
		StatusCanceled, s.now(), id, StatusQueued, StatusRunning)
	return err
}

// Wait polls a generation until it finishes or ctx ends.
func (s *Service) Wait(ctx context.Context, sc tenant.Scope, brandID, id string, progress func(*Generation)) (*Generation, error) {
	var last Generation
	for {
		g, err := s.Get(ctx, sc, brandID, id)
		if err != nil {
			return nil, err
		}
		if progress != nil && (g.Done != last.Done || g.Status != last.Status) {
			progress(g)
			last = *g
		}
		if g.Finished() {
			return g, nil
		}
		select {
		case <-ctx.Done():
			return g, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ListParams filters drafts.
type ListParams struct {
	Status    string
	Channel   string
	ProductID string
	Field     string
	Flagged   bool // only drafts breaking a rule or stating ungrounded facts
	All       bool // include old versions
	Limit     int  // default 100, at most 1000
}

// draftColumns ends with source_changed: the product changed in its store
// (a sync or webhook rewrote it) after the draft was written, other than
// by PlutoPro's own publishing.
const draftColumns = `id, brand_id, product_id, COALESCE(generation_id, ''), channel, field, version, is_current, value, status,
	violations, ungrounded, repairs, provider, model, prompt_hash, input_tokens, cached_input_tokens, output_tokens, cost_usd, created_at,
	(SELECT CASE WHEN p.source IN ('shopify', 'etsy', 'amazon') AND p.updated_at > drafts.created_at AND p.updated_at >
		COALESCE((SELECT MAX(pb.finished_at) FROM publications pb WHERE pb.product_id = drafts.product_id), drafts.created_at)
		THEN 1 ELSE 0 END FROM products p WHERE p.id = drafts.product_id)`

func scanDraft(row interface{ Scan(...any) error }) (*Draft, error) {
	var d Draft
	var cur int
	var changed sql.NullInt64
	var value, violations, ungrounded, repairs string
	if err := row.Scan(&d.ID, &d.BrandID, &d.ProductID, &d.GenerationID, &d.Channel, &d.Field, &d.Version, &cur, &value, &d.Status,
		&violations, &ungrounded, &repairs, &d.Provider, &d.Model, &d.PromptHash, &d.InputTokens, &d.CachedInputTokens,
		&d.OutputTokens, &d.CostUSD, &d.CreatedAt, &changed); err != nil {
		return nil, err
	}
	d.Current = cur != 0
	d.SourceChanged = changed.Int64 != 0
	for _, f := range []struct {
		src string
		dst any
	}{{value, &d.Value}, {violations, &d.Violations}, {ungrounded, &d.Ungrounded}, {repairs, &d.Repairs}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return nil, fmt.Errorf("drafts: decode draft %s: %w", d.ID, err)
		}
	}
	d.Body = d.Value.Text
	if len(d.Value.Items) > 0 {
		d.Body = strings.Join(d.Value.Items, "\n")
	}
	return &d, nil
}

// List returns a brand's drafts (current versions unless All), newest first.
func (s *Service) List(ctx context.Context, sc tenant.Scope, brandID string, p ListParams) ([]*Draft, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	where := []string{"brand_id = ?"}
	args := []any{brandID}
	if !p.All {
		where = append(where, "is_current = 1")
	}
	if p.Flagged {
		where = append(where, "(violations <> '[]' OR ungrounded <> '[]')")
	}
	for _, f := range []struct{ col, val string }{{"status", p.Status}, {"channel", p.Channel}, {"product_id", p.ProductID}, {"field", p.Field}} {
		if f.val != "" {
			where = append(where, f.col+" = ?")
			args = append(args, f.val)
		}
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, min(limit, 1000))
	rows, err := s.db.Query(ctx, `SELECT `+draftColumns+` FROM drafts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY product_id, channel, field, version DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("drafts: list: %w", err)
	}
	defer rows.Close()
	out := []*Draft{}
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// Queue is the River queue of generation jobs, so LLM concurrency is
// bounded on its own (PLUTOPRO_LLM_CONCURRENCY).
const Queue = "generate"

// GenerateArgs is the job that writes one product's drafts for a generation.
type GenerateArgs struct {
	GenerationID string `json:"generation_id"`
	ProductID    string `json:"product_id"`
}

// Kind names the job.
func (GenerateArgs) Kind() string { return "drafts_generate" }

// InsertOpts makes the job unique per generation and product.
func (GenerateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}, MaxAttempts: 10}
}

// jobScope is the read-only scope a job uses to load what its generation
// names, inside the generation's own account.
func jobScope(accountID string) tenant.Scope {
	return tenant.Scope{AccountID: accountID, UserID: "job", Role: tenant.Viewer}
}
