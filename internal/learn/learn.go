// Package learn turns a brand's review signals (approvals, rejections,
// edits, regeneration instructions) into the brand's memory: rules mined
// from edits, standing guidance from repeated instructions, and approved
// exemplars. Memory is read and written only within its brand: every query
// here names the brand, and the services check the caller's account.
//
// Learning recomputes a brand's memory from its signals (Learn); a River
// job does it after each batch of signals, and the writer refreshes it
// before writing when signals arrived since. A rule applies only when
// repeated evidence supports it (MinSupport) and the seller has not
// switched it off.
package learn

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Memory item kinds.
const (
	KindAvoid    = "avoid"    // a word or phrase the seller removes
	KindReplace  = "replace"  // a consistent substitution A -> B
	KindInclude  = "include"  // a sentence the seller keeps adding
	KindLength   = "length"   // a word cap for a long text field
	KindStyle    = "style"    // exclamation marks, emoji, title casing, spelling
	KindGuidance = "guidance" // a repeated instruction or rejection reason
)

// Memory item statuses.
const (
	StatusLearning = "learning" // not enough evidence yet: shown, not applied
	StatusActive   = "active"   // applied to new drafts
	StatusDisabled = "disabled" // switched off by the seller
	StatusDeleted  = "deleted"  // deleted by the seller: hidden; only new evidence can bring it back
)

// MinSupport is how many separate review actions must show a rule before
// it applies; MinConfidence is the share of supporting evidence among all
// the evidence for and against it (with one imagined dissent, so a rule
// seen twice has 0.67).
const (
	MinSupport    = 2
	MinConfidence = 0.6
)

// Item is one thing the brand's reviews taught.
type Item struct {
	ID      string `json:"id"`
	BrandID string `json:"brand_id"`
	Kind    string `json:"kind"`
	// Scope is the channel and field it applies to ("etsy description"), or
	// "" for every field.
	Scope string `json:"scope"`
	// Line is the rule as the writer reads it; the seller may edit it.
	Line string `json:"line"`
	// LearnedLine is the rule as learning wrote it.
	LearnedLine string  `json:"learned_line"`
	Support     int     `json:"support"`
	Against     int     `json:"against"`
	Confidence  float64 `json:"confidence"`
	// Evidence are the ids of the signals that support it, newest first (at most 50).
	Evidence []string `json:"evidence"`
	Status   string   `json:"status"`
	// Applies is whether new drafts follow it.
	Applies   bool      `json:"applies"`
	Edited    bool      `json:"edited"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	key           string
	evidenceSince *time.Time
}

// Service reads and changes a brand's memory and records signals.
type Service struct {
	db     *store.DB
	brands *brand.Service
	jobs   *jobs.Client
	// Now is the clock.
	Now func() time.Time
	// Delay is how long the learning job waits after a signal, so a burst
	// of reviews is learned in one run (default 2 s).
	Delay time.Duration
}

// NewService returns the learning service.
func NewService(db *store.DB, brands *brand.Service) *Service {
	return &Service{db: db, brands: brands, Now: store.Now, Delay: 2 * time.Second}
}

// SetJobs sets the job client.
func (s *Service) SetJobs(j *jobs.Client) { s.jobs = j }

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

const itemColumns = `id, brand_id, key, kind, scope, line, learned_line, support, against, confidence, evidence, status, edited,
	evidence_since, created_at, updated_at`

func scanItem(row interface{ Scan(...any) error }) (*Item, error) {
	var it Item
	var evidence string
	var edited int
	if err := row.Scan(&it.ID, &it.BrandID, &it.key, &it.Kind, &it.Scope, &it.Line, &it.LearnedLine, &it.Support, &it.Against,
		&it.Confidence, &evidence, &it.Status, &edited, &it.evidenceSince, &it.CreatedAt, &it.UpdatedAt); err != nil {
		return nil, err
	}
	it.Edited = edited != 0
	if err := json.Unmarshal([]byte(evidence), &it.Evidence); err != nil {
		return nil, fmt.Errorf("learn: decode evidence of %s: %w", it.ID, err)
	}
	it.Applies = it.Status == StatusActive
	return &it, nil
}

// List returns a brand's memory items (not the deleted ones), those that
// apply first, then by support, relearning first when signals arrived
// since the brand last learned.
func (s *Service) List(ctx context.Context, sc tenant.Scope, brandID string) ([]*Item, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	// Show what the reviews so far taught, even before the job has run.
	if err := s.Refresh(ctx, brandID); err != nil {
		return nil, err
	}
	return s.items(ctx, s.db, brandID, false)
}

func (s *Service) items(ctx context.Context, q store.Queryer, brandID string, withDeleted bool) ([]*Item, error) {
	sel := `SELECT ` + itemColumns + ` FROM memory_items WHERE brand_id = ?`
	if !withDeleted {
		sel += ` AND status <> 'deleted'`
	}
	sel += ` ORDER BY CASE status WHEN 'active' THEN 0 WHEN 'learning' THEN 1 ELSE 2 END, support DESC, kind, key`
	rows, err := q.Query(ctx, sel, brandID)
	if err != nil {
		return nil, fmt.Errorf("learn: list memory: %w", err)
	}
	defer rows.Close()
	out := []*Item{}
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Get returns one memory item of a brand the scope may read.
func (s *Service) Get(ctx context.Context, sc tenant.Scope, brandID, id string) (*Item, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	if !store.ValidID(id) {
		return nil, apperr.E(apperr.NotFound, "Memory item not found.")
	}
	it, err := scanItem(s.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM memory_items WHERE id = ? AND brand_id = ? AND status <> 'deleted'`, id, brandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Memory item not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("learn: get memory item: %w", err)
	}
	return it, nil
}

// Patch changes a memory item: its wording and whether it is on.
type Patch struct {
	Line    *string `json:"line"`
	Enabled *bool   `json:"enabled"`
}

// MaxLine bounds a memory line.
const MaxLine = 300

// Update applies a seller's change to a memory item. An edited line is
// kept as written when learning runs again; an empty line restores the
// learned one. Switching an item back on lets its evidence decide again
// whether it applies.
func (s *Service) Update(ctx context.Context, sc tenant.Scope, brandID, id string, p Patch) (*Item, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	it, err := s.Get(ctx, sc, brandID, id)
	if err != nil {
		return nil, err
	}
	if p.Line != nil {
		line := strings.Join(strings.Fields(*p.Line), " ")
		switch {
		case !utf8.ValidString(line):
			return nil, apperr.E(apperr.Invalid, "The line is not valid text.")
		case utf8.RuneCountInString(line) > MaxLine:
			return nil, apperr.E(apperr.Invalid, "The line is longer than %d characters.", MaxLine)
		case line == "" || line == it.LearnedLine:
			it.Line, it.Edited = it.LearnedLine, false
		default:
			it.Line, it.Edited = line, true
		}
	}
	if p.Enabled != nil {
		switch {
		case !*p.Enabled:
			it.Status = StatusDisabled
		case it.Status == StatusDisabled:
			it.Status = statusFor(it.Support, it.Confidence)
		}
	}
	it.UpdatedAt = s.now()
	if _, err := s.db.Exec(ctx, `UPDATE memory_items SET line = ?, edited = ?, status = ?, updated_at = ? WHERE id = ? AND brand_id = ?`,
		it.Line, boolInt(it.Edited), it.Status, it.UpdatedAt, it.ID, brandID); err != nil {
		return nil, fmt.Errorf("learn: update memory item: %w", err)
	}
	it.Applies = it.Status == StatusActive
	return it, nil
}

// Delete forgets a memory item: it stops applying and disappears, and the
// evidence so far no longer counts, so only new review actions can teach
// it again.
func (s *Service) Delete(ctx context.Context, sc tenant.Scope, brandID, id string) error {
	if err := sc.Require(tenant.EditContent); err != nil {
		return err
	}
	if _, err := s.Get(ctx, sc, brandID, id); err != nil {
		return err
	}
	now := s.now()
	_, err := s.db.Exec(ctx, `UPDATE memory_items SET status = 'deleted', support = 0, against = 0, confidence = 0, evidence = '[]',
		evidence_since = ?, edited = 0, line = learned_line, updated_at = ? WHERE id = ? AND brand_id = ?`, now, now, id, brandID)
	if err != nil {
		return fmt.Errorf("learn: delete memory item: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
