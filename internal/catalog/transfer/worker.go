package transfer

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/store"
)

// ImportWorker runs imports.
type ImportWorker struct {
	river.WorkerDefaults[ImportArgs]
	Service *Service
	Logger  *slog.Logger
}

// Timeout lets a large import run long; its progress is checkpointed, and a
// stale one is taken over by the sweep, not by River's rescuer.
func (w *ImportWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return 2 * time.Hour }

// errLeaseLost stops a worker whose import was taken over by another.
var errLeaseLost = errors.New("transfer: import taken over by another worker")

// Work runs (or resumes) one import.
func (w *ImportWorker) Work(ctx context.Context, j *river.Job[ImportArgs]) error {
	s := w.Service
	logger := w.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ok, err := s.claim(ctx, j.Args.ImportID)
	if err != nil || !ok {
		return err // !ok: finished, or another worker holds a live lease
	}
	err = s.run(ctx, j.Args.ImportID)
	switch {
	case errors.Is(err, errLeaseLost):
		logger.Warn("import taken over by another worker", "import_id", j.Args.ImportID)
		return nil
	case ctx.Err() != nil:
		// Shutting down: release the lease so a restart resumes at once.
		_, _ = s.db.Exec(context.WithoutCancel(ctx), `UPDATE imports SET lease_owner = '', heartbeat_at = NULL WHERE id = ? AND lease_owner = ?`,
			j.Args.ImportID, s.owner)
		return err
	case err != nil:
		logger.Error("import failed", "import_id", j.Args.ImportID, "err", err)
		if _, ferr := s.db.Exec(context.WithoutCancel(ctx), `UPDATE imports SET status = ?, error = ?, finished_at = ?, lease_owner = ''
			WHERE id = ? AND lease_owner = ?`, StatusFailed, publicError(err), s.now(), j.Args.ImportID, s.owner); ferr != nil {
			return ferr
		}
		s.dropUploadFile(j.Args.ImportID)
		_, _ = s.db.Exec(context.WithoutCancel(ctx), `DELETE FROM import_chunks WHERE import_id = ?`, j.Args.ImportID)
		return nil
	}
	return nil
}

func publicError(err error) string {
	if errors.Is(err, csvfile.ErrNotCSV) {
		return "This file cannot be imported: " + err.Error()
	}
	return "The import stopped because of an internal error; please try again."
}

// claim takes the import's lease: it is free, ours, or stale.
func (s *Service) claim(ctx context.Context, id string) (bool, error) {
	now := s.now()
	res, err := s.db.Exec(ctx, `UPDATE imports SET lease_owner = ?, heartbeat_at = ?, status = ?, started_at = COALESCE(started_at, ?)
		WHERE id = ? AND status IN (?, ?) AND (lease_owner = '' OR lease_owner = ? OR heartbeat_at IS NULL OR heartbeat_at < ?)`,
		s.owner, now, StatusRunning, now, id, StatusQueued, StatusRunning, s.owner, now.Add(-s.LeaseTTL))
	if err != nil {
		return false, fmt.Errorf("transfer: claim import: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// batch is a run of products (and rejected rows) read from the file, with
// where the reader stood after it.
type batch struct {
	products []*catalog.Product
	rejects  []csvfile.Reject
	variants int
	images   int
	lines    int
	bytes    int64
	nextLine int // products starting before this line are in this or earlier batches
}

func (s *Service) run(ctx context.Context, id string) error {
	var brandID, format, mapJSON string
	var checkpoint int
	err := s.db.QueryRow(ctx, `SELECT brand_id, format, column_map, checkpoint_line FROM imports WHERE id = ?`, id).
		Scan(&brandID, &format, &mapJSON, &checkpoint)
	if err != nil {
		return fmt.Errorf("transfer: load import: %w", err)
	}
	var colMap map[string]string
	if err := json.Unmarshal([]byte(mapJSON), &colMap); err != nil {
		return fmt.Errorf("transfer: load import map: %w", err)
	}
	var src io.Reader = &chunkReader{ctx: ctx, db: s.db, importID: id}
	if s.UploadDir != "" {
		f, err := os.Open(s.uploadPath(id))
		if err != nil {
			return fmt.Errorf("transfer: open upload: %w", err)
		}
		defer f.Close()
		src = bufio.NewReaderSize(f, 1<<20)
	}
	r, err := csvfile.NewReader(src, csvfile.Options{Format: csvfile.Format(format), Map: colMap})
	if err != nil {
		return err
	}
	if err := s.catalog.PrepareInsert(ctx); err != nil {
		return err
	}
	// Reading, parsing and encoding run on one goroutine while the previous
	// batch is written on this one: the two halves take about as long.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- s.read(rctx, r, checkpoint, batches)
	}()
	var last *batch
	for b := range batches {
		if err := s.flush(ctx, id, brandID, b, false); err != nil {
			cancel()
			for range batches {
			}
			return err
		}
		last = b
		if s.afterFlush != nil {
			s.afterFlush()
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	final := &batch{nextLine: checkpoint, lines: r.Line(), bytes: r.BytesRead()}
	if last != nil {
		final.nextLine = last.nextLine
	}
	return s.flush(ctx, id, brandID, final, true)
}

// read sends the file's products in batches, skipping those before checkpoint.
func (s *Service) read(ctx context.Context, r *csvfile.Reader, checkpoint int, out chan<- *batch) error {
	size := s.BatchSize
	if size <= 0 {
		size = defaultBatch
	}
	b := &batch{nextLine: checkpoint}
	startBytes := r.BytesRead()
	send := func() error {
		b.lines, b.bytes = r.Line(), r.BytesRead()
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		b = &batch{nextLine: b.nextLine}
		startBytes = r.BytesRead()
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		item, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		line := item.Line
		if line == 0 && len(item.Rejects) > 0 {
			line = item.Rejects[0].Line
		}
		if line < checkpoint {
			continue // done before a restart
		}
		b.rejects = append(b.rejects, item.Rejects...)
		if p := item.Product; p != nil {
			p.Precompute()
			b.products = append(b.products, p)
			b.variants += len(p.Variants)
			b.images += len(p.Images)
		}
		b.nextLine = max(b.nextLine, line+1)
		if len(b.products) >= size || len(b.rejects) >= size || r.BytesRead()-startBytes >= batchBytes {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if len(b.products) > 0 || len(b.rejects) > 0 {
		return send()
	}
	return nil
}

// flush writes a batch, its rejects and the progress in one transaction, so
// a crash leaves either all of it or none.
func (s *Service) flush(ctx context.Context, id, brandID string, p *batch, final bool) error {
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		counts, err := s.catalog.UpsertTx(ctx, tx, brandID, p.products)
		if err != nil {
			return err
		}
		for _, rj := range p.rejects {
			if _, err := tx.Exec(ctx, `INSERT INTO import_rejects (import_id, line, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				id, rj.Line, rj.Reason); err != nil {
				return fmt.Errorf("transfer: record reject: %w", err)
			}
		}
		now := s.now()
		q := `UPDATE imports SET products_created = products_created + ?, products_updated = products_updated + ?,
			products_unchanged = products_unchanged + ?, variants = variants + ?, images = images + ?, rejected = rejected + ?,
			lines_read = ?, bytes_read = ?, checkpoint_line = ?, heartbeat_at = ?`
		args := []any{counts.Created, counts.Updated, counts.Unchanged, p.variants, p.images, len(p.rejects), p.lines, p.bytes, p.nextLine, now}
		if final {
			q += `, status = ?, finished_at = ?, lease_owner = ''`
			args = append(args, StatusDone, now)
		}
		q += ` WHERE id = ? AND lease_owner = ?`
		args = append(args, id, s.owner)
		res, err := tx.Exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("transfer: record progress: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errLeaseLost
		}
		if final {
			if _, err := tx.Exec(ctx, `DELETE FROM import_chunks WHERE import_id = ?`, id); err != nil {
				return fmt.Errorf("transfer: drop upload: %w", err)
			}
		}
		return nil
	})
	if err == nil && final {
		s.dropUploadFile(id)
	}
	return err
}

// dropUploadFile removes a finished import's upload file, if it has one.
func (s *Service) dropUploadFile(id string) {
	if s.UploadDir != "" {
		_ = os.Remove(s.uploadPath(id))
	}
}

// chunkReader reads an upload back from import_chunks, one chunk at a time.
type chunkReader struct {
	ctx      context.Context
	db       *store.DB
	importID string
	seq      int
	buf      []byte
	done     bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		var data []byte
		err := c.db.QueryRow(c.ctx, `SELECT data FROM import_chunks WHERE import_id = ? AND seq = ?`, c.importID, c.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			c.done = true
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("transfer: read upload: %w", err)
		}
		c.seq++
		c.buf = data
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// SweepArgs is the periodic job that hands stale imports (their worker died)
// to a new job.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "catalog_import_sweep" }

// SweepWorker runs the sweep.
type SweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	Service *Service
}

// Work enqueues a new run for every import whose lease went stale.
func (w *SweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	_, err := w.Service.ResumeStale(ctx)
	return err
}

// ResumeStale enqueues a new run for each unfinished import whose worker
// stopped renewing its lease, and returns how many.
func (s *Service) ResumeStale(ctx context.Context) (int, error) {
	n := 0
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, run FROM imports WHERE status = ? AND (heartbeat_at IS NULL OR heartbeat_at < ?)`,
			StatusRunning, s.now().Add(-s.LeaseTTL))
		if err != nil {
			return err
		}
		type stale struct {
			id  string
			run int
		}
		var list []stale
		for rows.Next() {
			var st stale
			if err := rows.Scan(&st.id, &st.run); err != nil {
				rows.Close()
				return err
			}
			list = append(list, st)
		}
		rows.Close()
		for _, st := range list {
			if _, err := tx.Exec(ctx, `UPDATE imports SET run = ? WHERE id = ?`, st.run+1, st.id); err != nil {
				return err
			}
			if _, err := s.jobs.InsertTx(ctx, tx, ImportArgs{ImportID: st.id, Run: st.run + 1}, nil); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
