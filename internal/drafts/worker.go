package drafts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/store"
)

// Worker writes one product's drafts for a generation.
type Worker struct {
	river.WorkerDefaults[GenerateArgs]
	Service *Service
	Logger  *slog.Logger
}

// Work generates, validates, repairs (or regenerates once), grounds and
// stores the drafts, and counts the product done, in one transaction.
func (w *Worker) Work(ctx context.Context, j *river.Job[GenerateArgs]) error {
	s := w.Service
	g, brandRow, err := s.loadRun(ctx, j.Args.GenerationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the generation (or its brand) was deleted
	}
	if err != nil {
		return err
	}
	if g.Status == StatusCanceled || g.Status == StatusDone {
		return nil
	}
	p, err := s.loadProduct(ctx, brandRow.ID, j.Args.ProductID)
	if errors.Is(err, sql.ErrNoRows) {
		return s.finishProduct(ctx, g, j.Args.ProductID, nil, generate.Usage{}, "", true)
	}
	if err != nil {
		return err
	}
	if done, err := s.alreadyWritten(ctx, g.ID, p.ID); err != nil || done {
		return err
	}
	_, _ = s.db.Exec(ctx, `UPDATE generations SET status = ? WHERE id = ? AND status = ?`, StatusRunning, g.ID, StatusQueued)

	req, err := s.request(ctx, g, brandRow, p)
	if err != nil {
		return err
	}
	if len(req.Fields) == 0 {
		return s.finishProduct(ctx, g, p.ID, nil, generate.Usage{}, "", false)
	}
	written, usage, model, err := w.write(ctx, req)
	if err != nil {
		if j.Attempt >= j.MaxAttempts {
			w.logger().Error("generation failed for a product", "generation_id", g.ID, "product_id", p.ID, "err", err)
			return s.finishProduct(ctx, g, p.ID, nil, usage, model, true)
		}
		return err
	}
	return s.finishProduct(ctx, g, p.ID, written, usage, model, false)
}

// request is what the generation asks of one product: its fields (only the
// missing ones when asked) for the channel, with the brand's profile, the
// brand's memory and approved examples, and a regeneration's instruction.
func (s *Service) request(ctx context.Context, g *Generation, b *brand.Brand, p *catalog.Product) (generate.Request, error) {
	ch := generate.Channel(g.Channel)
	var specs []generate.FieldSpec
	for _, name := range g.Fields {
		spec, ok := generate.Field(ch, name)
		if !ok {
			continue
		}
		if g.OnlyMissing {
			has, err := s.hasValue(ctx, p, ch, spec)
			if err != nil {
				return generate.Request{}, err
			}
			if has {
				continue
			}
		}
		specs = append(specs, spec)
	}
	req := generate.Request{Channel: ch, Fields: specs, Brand: profile(b), Product: p, Instruction: g.Instruction}
	if s.learn != nil && len(specs) > 0 {
		var err error
		if req.Memory, err = s.learn.Lines(ctx, b.ID, ch); err != nil {
			return generate.Request{}, err
		}
		names := make([]string, len(specs))
		for i, f := range specs {
			names[i] = f.Name
		}
		if req.Examples, err = s.learn.Examples(ctx, b.ID, ch, p, names); err != nil {
			return generate.Request{}, err
		}
	}
	return req, nil
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// written is one field's final draft.
type written struct {
	field      string
	value      generate.Value
	violations []generate.Violation
	ungrounded []generate.Ungrounded
	repairs    []string
	promptHash string
}

// write asks the provider, repairs what is safe, regenerates once the fields
// still breaking a rule (stating the violations), and grounds the result.
func (w *Worker) write(ctx context.Context, req generate.Request) ([]written, generate.Usage, string, error) {
	res, err := w.call(ctx, req)
	if err != nil {
		return nil, generate.Usage{}, "", err
	}
	out, usage, model := w.finish(ctx, req, res)
	return out, usage, model, nil
}

// finish checks a provider's answer: safe repairs, one regeneration of the
// fields still breaking a rule with the violations stated, grounding.
func (w *Worker) finish(ctx context.Context, req generate.Request, res *generate.Result) ([]written, generate.Usage, string) {
	usage, model := res.Usage, res.Model
	check := generate.CheckContext{Brand: req.Brand, Product: req.Product, ImageCount: len(req.Product.Images)}
	out := make([]written, 0, len(req.Fields))
	var retry []generate.FieldSpec
	var feedback []generate.Violation
	for _, spec := range req.Fields {
		v, repairs := fix(spec, res.Values[spec.Name], req, check)
		viol := generate.Validate(spec, v, check)
		if len(viol) > 0 {
			retry = append(retry, spec)
			for _, x := range viol {
				x.Message = spec.Name + ": " + x.Message
				feedback = append(feedback, x)
			}
		}
		out = append(out, written{field: spec.Name, value: v, violations: viol, repairs: repairs, promptHash: res.PromptHash})
	}
	if len(retry) > 0 {
		again := req
		again.Fields, again.Feedback = retry, feedback
		res2, err := w.call(ctx, again)
		if err == nil {
			usage = addUsage(usage, res2.Usage)
			for i := range out {
				spec, ok := specFor(retry, out[i].field)
				if !ok {
					continue
				}
				v, repairs := fix(spec, res2.Values[spec.Name], req, check)
				viol := generate.Validate(spec, v, check)
				// Keep whichever attempt breaks fewer rules; never show a
				// failing draft as valid.
				if len(viol) <= len(out[i].violations) {
					out[i] = written{field: spec.Name, value: v, violations: viol, repairs: repairs, promptHash: res2.PromptHash}
				}
			}
		}
	}
	for i := range out {
		out[i].ungrounded = generate.Ground(valueText(out[i].value), req.Product, req.Brand)
	}
	return out, usage, model
}

// fix makes the safe repairs, then applies the brand memory's mechanical
// rules (learn.PostPass), which never break a limit the repairs met.
func fix(spec generate.FieldSpec, v generate.Value, req generate.Request, check generate.CheckContext) (generate.Value, []string) {
	v, repairs := generate.Repair(spec, v, check)
	v, notes := learn.PostPass(spec, v, req.Memory, check)
	return v, append(repairs, notes...)
}

// call asks the provider; remote providers pace their own HTTP attempts
// (generate.Pacer), so retries are paced too.
func (w *Worker) call(ctx context.Context, req generate.Request) (*generate.Result, error) {
	return w.Service.provider.Generate(ctx, req)
}

func specFor(specs []generate.FieldSpec, name string) (generate.FieldSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return generate.FieldSpec{}, false
}

func addUsage(a, b generate.Usage) generate.Usage {
	return generate.Usage{InputTokens: a.InputTokens + b.InputTokens, CachedInputTokens: a.CachedInputTokens + b.CachedInputTokens,
		CacheWriteTokens: a.CacheWriteTokens + b.CacheWriteTokens, OutputTokens: a.OutputTokens + b.OutputTokens, CostUSD: a.CostUSD + b.CostUSD}
}

func valueText(v generate.Value) string {
	if len(v.Items) > 0 {
		return strings.Join(v.Items, ". ")
	}
	return catalog.PlainText(v.Text)
}

// finishProduct stores a product's drafts (none when skipped or failed) and
// counts it, finishing the generation with its last product.
func (s *Service) finishProduct(ctx context.Context, g *Generation, productID string, ws []written, u generate.Usage, model string, failed bool) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		now := s.now()
		failedN := 0
		if failed {
			failedN = 1
		}
		res, err := tx.Exec(ctx, `INSERT INTO generation_products (generation_id, product_id, failed, finished_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (generation_id, product_id) DO NOTHING`, g.ID, productID, failedN, now)
		if err != nil {
			return fmt.Errorf("drafts: record product: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // an earlier run of this job already handled the product
		}
		invalid := 0
		perDraft := len(ws)
		for _, w := range ws {
			var version int
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM drafts WHERE product_id = ? AND channel = ? AND field = ?`,
				productID, g.Channel, w.field).Scan(&version); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE drafts SET is_current = 0 WHERE product_id = ? AND channel = ? AND field = ? AND is_current = 1`,
				productID, g.Channel, w.field); err != nil {
				return err
			}
			value, _ := json.Marshal(w.value)
			viol, _ := json.Marshal(nonNil(w.violations))
			ung, _ := json.Marshal(nonNil(w.ungrounded))
			rep, _ := json.Marshal(nonNil(w.repairs))
			// Usage is spread over the drafts of the call so sums stay right.
			share := func(x int) int { return x / perDraft }
			if _, err := tx.Exec(ctx, `INSERT INTO drafts (id, brand_id, product_id, generation_id, channel, field, version, is_current, value,
				status, violations, ungrounded, repairs, provider, model, prompt_hash, input_tokens, cached_input_tokens, output_tokens, cost_usd, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				store.NewID(), g.BrandID, productID, g.ID, g.Channel, w.field, version+1, string(value), string(viol), string(ung), string(rep),
				s.provider.Name(), model, w.promptHash, share(u.InputTokens), share(u.CachedInputTokens), share(u.OutputTokens),
				u.CostUSD/float64(perDraft), now); err != nil {
				return fmt.Errorf("drafts: store draft: %w", err)
			}
			if len(w.violations) > 0 {
				invalid++
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE generations SET done = done + 1, failed = failed + ?, drafts = drafts + ?, invalid = invalid + ?,
			input_tokens = input_tokens + ?, cached_input_tokens = cached_input_tokens + ?, cache_write_tokens = cache_write_tokens + ?,
			output_tokens = output_tokens + ?, cost_usd = cost_usd + ?, model = CASE WHEN ? <> '' THEN ? ELSE model END WHERE id = ?`,
			failedN, len(ws), invalid, u.InputTokens, u.CachedInputTokens, u.CacheWriteTokens, u.OutputTokens, u.CostUSD, model, model, g.ID); err != nil {
			return fmt.Errorf("drafts: count progress: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE generations SET status = ?, finished_at = ? WHERE id = ? AND done >= total AND status <> ?`,
			StatusDone, now, g.ID, StatusCanceled); err != nil {
			return err
		}
		if u.InputTokens+u.OutputTokens > 0 || len(ws) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO llm_usage (brand_id, month, provider, requests, input_tokens, cached_input_tokens,
				cache_write_tokens, output_tokens, cost_usd) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
				ON CONFLICT (brand_id, month, provider) DO UPDATE SET requests = llm_usage.requests + 1,
				input_tokens = llm_usage.input_tokens + excluded.input_tokens,
				cached_input_tokens = llm_usage.cached_input_tokens + excluded.cached_input_tokens,
				cache_write_tokens = llm_usage.cache_write_tokens + excluded.cache_write_tokens,
				output_tokens = llm_usage.output_tokens + excluded.output_tokens, cost_usd = llm_usage.cost_usd + excluded.cost_usd`,
				g.BrandID, now.Format("2006-01"), s.provider.Name(), u.InputTokens, u.CachedInputTokens, u.CacheWriteTokens,
				u.OutputTokens, u.CostUSD); err != nil {
				return fmt.Errorf("drafts: record usage: %w", err)
			}
		}
		return nil
	})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Service) loadRun(ctx context.Context, id string) (*Generation, *brand.Brand, error) {
	g, err := scanGeneration(s.db.QueryRow(ctx, `SELECT `+generationColumns+` FROM generations WHERE id = ?`, id))
	if err != nil {
		return nil, nil, err
	}
	var accountID string
	if err := s.db.QueryRow(ctx, `SELECT account_id FROM brands WHERE id = ?`, g.BrandID).Scan(&accountID); err != nil {
		return nil, nil, err
	}
	b, err := s.brands.Get(ctx, jobScope(accountID), g.BrandID)
	if err != nil {
		return nil, nil, err
	}
	return g, b, nil
}

// loadProduct reads a product of the generation's brand only: a job naming
// another brand's product finds nothing.
func (s *Service) loadProduct(ctx context.Context, brandID, productID string) (*catalog.Product, error) {
	var accountID string
	if err := s.db.QueryRow(ctx, `SELECT account_id FROM brands WHERE id = ?`, brandID).Scan(&accountID); err != nil {
		return nil, err
	}
	p, err := s.catalog.Get(ctx, jobScope(accountID), brandID, productID)
	if err != nil {
		return nil, sql.ErrNoRows
	}
	return p, nil
}

func (s *Service) alreadyWritten(ctx context.Context, generationID, productID string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM generation_products WHERE generation_id = ? AND product_id = ?`, generationID, productID).Scan(&n)
	return n > 0, err
}

// hasValue reports whether a product already has content for a field: its
// own source value (Shopify fields) or a current draft for the channel.
func (s *Service) hasValue(ctx context.Context, p *catalog.Product, ch generate.Channel, spec generate.FieldSpec) (bool, error) {
	if ch == generate.Shopify {
		switch spec.Name {
		case "title":
			return strings.TrimSpace(p.Title) != "", nil
		case "description":
			return strings.TrimSpace(catalog.PlainText(p.BodyHTML)) != "", nil
		case "seo_title":
			if strings.TrimSpace(p.SEOTitle) != "" {
				return true, nil
			}
		case "seo_description":
			if strings.TrimSpace(p.SEODescription) != "" {
				return true, nil
			}
		case "tags":
			if len(p.Tags) > 0 {
				return true, nil
			}
		case "image_alt":
			all := len(p.Images) > 0
			for _, im := range p.Images {
				all = all && strings.TrimSpace(im.Alt) != ""
			}
			if all || len(p.Images) == 0 {
				return true, nil
			}
		}
	}
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM drafts WHERE product_id = ? AND channel = ? AND field = ? AND is_current = 1`,
		p.ID, string(ch), spec.Name).Scan(&n)
	return n > 0, err
}

func profile(b *brand.Brand) generate.Brand {
	return generate.Brand{Name: b.Name, Description: b.Description, Voice: b.Voice, Audience: b.Audience, Guidelines: b.Guidelines,
		WordsAvoid: b.WordsAvoid, WordsPrefer: b.WordsPrefer, Language: b.Language}
}
