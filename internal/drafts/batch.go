package drafts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/generate"
)

// BatchArgs is the job that runs a whole generation as one provider batch:
// it submits the batch, snoozes while the provider works, then stores every
// result (repaired, regenerated once if still breaking a rule, grounded).
type BatchArgs struct {
	GenerationID string `json:"generation_id"`
}

// Kind names the job.
func (BatchArgs) Kind() string { return "drafts_batch" }

// InsertOpts makes the job unique per generation.
func (BatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, UniqueOpts: river.UniqueOpts{ByArgs: true}, MaxAttempts: 25}
}

// BatchWorker runs batch generations. Worker does the checking of each result.
type BatchWorker struct {
	river.WorkerDefaults[BatchArgs]
	Worker *Worker
	// Poll is how long the job sleeps between status checks (default 30 s).
	Poll time.Duration
}

// Timeout: each run only submits, polls or stores results.
func (w *BatchWorker) Timeout(*river.Job[BatchArgs]) time.Duration { return 30 * time.Minute }

// Work advances the batch one step.
func (w *BatchWorker) Work(ctx context.Context, j *river.Job[BatchArgs]) error {
	s := w.Worker.Service
	batcher, ok := s.provider.(generate.Batcher)
	if !ok {
		return river.JobCancel(errors.New("the writer has no batch mode"))
	}
	g, b, err := s.loadRun(ctx, j.Args.GenerationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if g.Finished() {
		return nil
	}
	var batchID, idsJSON string
	if err := s.db.QueryRow(ctx, `SELECT batch_id, product_ids FROM generations WHERE id = ?`, g.ID).Scan(&batchID, &idsJSON); err != nil {
		return err
	}
	var ids []string
	if err := json.Unmarshal([]byte(idsJSON), &ids); err != nil {
		return fmt.Errorf("drafts: batch product ids: %w", err)
	}
	// The requests, rebuilt each step from the same data (so nothing large is stored).
	reqs := map[string]generate.Request{}
	for _, id := range ids {
		p, err := s.loadProduct(ctx, b.ID, id)
		if errors.Is(err, sql.ErrNoRows) {
			if err := s.finishProduct(ctx, g, id, nil, generate.Usage{}, "", true); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		req, err := s.request(ctx, g, b, p)
		if err != nil {
			return err
		}
		if len(req.Fields) == 0 {
			if err := s.finishProduct(ctx, g, id, nil, generate.Usage{}, "", false); err != nil {
				return err
			}
			continue
		}
		reqs[id] = req
	}
	if batchID == "" {
		if len(reqs) == 0 {
			return nil
		}
		items := make([]generate.BatchItem, 0, len(reqs))
		for _, id := range ids {
			if r, ok := reqs[id]; ok {
				items = append(items, generate.BatchItem{CustomID: id, Request: r})
			}
		}
		batchID, err = batcher.SubmitBatch(ctx, items)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, `UPDATE generations SET batch_id = ?, status = ? WHERE id = ?`, batchID, StatusRunning, g.ID); err != nil {
			return err
		}
	}
	ended, err := batcher.BatchEnded(ctx, batchID)
	if err != nil {
		return err
	}
	if !ended {
		poll := w.Poll
		if poll == 0 {
			poll = 30 * time.Second
		}
		return river.JobSnooze(poll)
	}
	seen := map[string]bool{}
	err = batcher.BatchResults(ctx, batchID, func(id string) (generate.Request, bool) { r, ok := reqs[id]; return r, ok },
		func(id string, res *generate.Result, rerr error) error {
			seen[id] = true
			if rerr != nil {
				return s.finishProduct(ctx, g, id, nil, generate.Usage{}, "", true)
			}
			out, usage, model := w.Worker.finish(ctx, reqs[id], res)
			return s.finishProduct(ctx, g, id, out, usage, model, false)
		})
	if err != nil {
		return err
	}
	for id := range reqs {
		if !seen[id] {
			if err := s.finishProduct(ctx, g, id, nil, generate.Usage{}, "", true); err != nil {
				return err
			}
		}
	}
	return nil
}
