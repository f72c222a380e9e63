package learn

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Signal kinds: what a reviewer did to a draft.
const (
	SignalApprove    = "approve"
	SignalReject     = "reject"
	SignalEdit       = "edit"
	SignalRegenerate = "regenerate"
	SignalRestore    = "restore"
)

// Signal is one review action, stored append-only. Before and After are
// the draft's text before and after the action (the same for approvals),
// Reason the rejection reason or regeneration instruction. Human is set on
// approvals of a version a person wrote (an edit approved later), which
// are not approvals of the writer's work.
type Signal struct {
	ID        string    `json:"id"`
	BrandID   string    `json:"brand_id"`
	DraftID   string    `json:"draft_id"`
	ProductID string    `json:"product_id"`
	Channel   string    `json:"channel"`
	Field     string    `json:"field"`
	Kind      string    `json:"kind"`
	Before    string    `json:"before"`
	After     string    `json:"after"`
	Reason    string    `json:"reason,omitempty"`
	UserID    string    `json:"user_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// RecordTx appends signals in the caller's transaction and schedules the
// learning job for their brand, so an action and its evidence commit
// together.
func (s *Service) RecordTx(ctx context.Context, tx *store.Tx, sigs ...Signal) error {
	brands := map[string]bool{}
	for _, sg := range sigs {
		if sg.ID == "" {
			sg.ID = store.NewID()
		}
		if sg.CreatedAt.IsZero() {
			sg.CreatedAt = s.now()
		}
		var user any
		if sg.UserID != "" && store.ValidID(sg.UserID) {
			user = sg.UserID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO signals (id, brand_id, draft_id, product_id, channel, field, kind, before_value, after_value,
			reason, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sg.ID, sg.BrandID, sg.DraftID, sg.ProductID, sg.Channel,
			sg.Field, sg.Kind, sg.Before, sg.After, sg.Reason, user, sg.CreatedAt); err != nil {
			return fmt.Errorf("learn: record signal: %w", err)
		}
		brands[sg.BrandID] = true
	}
	if s.jobs == nil {
		return nil
	}
	for b := range brands {
		if _, err := s.jobs.InsertTx(ctx, tx, LearnArgs{BrandID: b}, &river.InsertOpts{ScheduledAt: s.now().Add(s.Delay)}); err != nil {
			return err
		}
	}
	return nil
}

const signalColumns = `id, brand_id, draft_id, product_id, channel, field, kind, before_value, after_value, reason, COALESCE(user_id, ''), created_at`

func scanSignal(row interface{ Scan(...any) error }) (*Signal, error) {
	var sg Signal
	err := row.Scan(&sg.ID, &sg.BrandID, &sg.DraftID, &sg.ProductID, &sg.Channel, &sg.Field, &sg.Kind, &sg.Before, &sg.After,
		&sg.Reason, &sg.UserID, &sg.CreatedAt)
	return &sg, err
}

// maxSignals bounds how many of a brand's latest signals learning reads:
// the newest reviews say most about what the seller wants now.
const maxSignals = 5000

// signals returns a brand's latest signals, oldest first.
func (s *Service) signals(ctx context.Context, brandID string, limit int) ([]*Signal, error) {
	rows, err := s.db.Query(ctx, `SELECT `+signalColumns+` FROM signals WHERE brand_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
		brandID, limit)
	if err != nil {
		return nil, fmt.Errorf("learn: read signals: %w", err)
	}
	defer rows.Close()
	var out []*Signal
	for rows.Next() {
		sg, err := scanSignal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sg)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, rows.Err()
}

// Evidence returns the signals behind a memory item, newest first.
func (s *Service) Evidence(ctx context.Context, sc tenant.Scope, brandID, id string) ([]*Signal, error) {
	it, err := s.Get(ctx, sc, brandID, id)
	if err != nil {
		return nil, err
	}
	out := []*Signal{}
	for _, sid := range it.Evidence {
		sg, err := scanSignal(s.db.QueryRow(ctx, `SELECT `+signalColumns+` FROM signals WHERE id = ? AND brand_id = ?`, sid, brandID))
		if errors.Is(err, sql.ErrNoRows) {
			continue // gone with its brand's data
		}
		if err != nil {
			return nil, fmt.Errorf("learn: read evidence: %w", err)
		}
		out = append(out, sg)
	}
	return out, nil
}

// LearnArgs is the job that relearns a brand's memory from its signals.
type LearnArgs struct {
	BrandID string `json:"brand_id"`
}

// Kind names the job.
func (LearnArgs) Kind() string { return "learn_brand" }

// InsertOpts: one pending run per brand; a burst of signals is one run.
func (LearnArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}, MaxAttempts: 5}
}

// Worker runs the learning job.
type Worker struct {
	river.WorkerDefaults[LearnArgs]
	Service *Service
}

// Work relearns the brand. A signal recorded while it runs cannot insert
// another run (River keeps running jobs unique), so the job looks again
// when it is done and runs once more if signals arrived meanwhile.
func (w *Worker) Work(ctx context.Context, j *river.Job[LearnArgs]) error {
	s := w.Service
	before, err := s.watermark(ctx, j.Args.BrandID)
	if err != nil {
		return err
	}
	if err := s.Learn(ctx, j.Args.BrandID); err != nil {
		return err
	}
	after, err := s.watermark(ctx, j.Args.BrandID)
	if err != nil {
		return err
	}
	if after != before {
		return river.JobSnooze(s.Delay)
	}
	return nil
}

// watermark says how far a brand's signals go: their count and newest id
// (ids are time-ordered).
type watermark struct {
	n    int
	last string
}

func (s *Service) watermark(ctx context.Context, brandID string) (watermark, error) {
	var w watermark
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(id), '') FROM signals WHERE brand_id = ?`, brandID).Scan(&w.n, &w.last); err != nil {
		return w, fmt.Errorf("learn: count signals: %w", err)
	}
	return w, nil
}

// Refresh relearns a brand when signals arrived since it last learned, so
// a writer never works from memory older than the last review.
func (s *Service) Refresh(ctx context.Context, brandID string) error {
	now, err := s.watermark(ctx, brandID)
	if err != nil {
		return err
	}
	var seen watermark
	err = s.db.QueryRow(ctx, `SELECT signals, last_signal FROM learn_state WHERE brand_id = ?`, brandID).Scan(&seen.n, &seen.last)
	if err == nil && seen == now {
		return nil
	}
	return s.Learn(ctx, brandID)
}
