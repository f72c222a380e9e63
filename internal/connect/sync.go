package connect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Sync statuses.
const (
	SyncQueued  = "queued"
	SyncRunning = "running"
	SyncDone    = "done"
	SyncFailed  = "failed"
)

// Sync is one catalog sync from a store.
type Sync struct {
	ID           string     `json:"id"`
	ConnectionID string     `json:"connection_id"`
	BrandID      string     `json:"brand_id"`
	Status       string     `json:"status"`
	Total        int        `json:"total"` // -1 while unknown
	Done         int        `json:"done"`
	Created      int        `json:"created"`
	Updated      int        `json:"updated"`
	Unchanged    int        `json:"unchanged"`
	Error        string     `json:"error,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`

	cursor string
}

// Finished reports whether the sync has stopped.
func (s *Sync) Finished() bool { return s.Status == SyncDone || s.Status == SyncFailed }

const syncColumns = `id, connection_id, brand_id, status, total, done, created, updated, unchanged, cursor, error, created_at, finished_at`

func scanSync(row interface{ Scan(...any) error }) (*Sync, error) {
	var s Sync
	err := row.Scan(&s.ID, &s.ConnectionID, &s.BrandID, &s.Status, &s.Total, &s.Done, &s.Created, &s.Updated, &s.Unchanged, &s.cursor,
		&s.Error, &s.CreatedAt, &s.FinishedAt)
	return &s, err
}

// SyncArgs is the job that copies a store's catalog into the brand's.
type SyncArgs struct {
	SyncID string `json:"sync_id"`
}

// Kind names the job.
func (SyncArgs) Kind() string { return "connect_sync" }

// InsertOpts: one job per sync; River retries with backoff, and each run
// resumes at the sync's cursor.
func (SyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}, MaxAttempts: 12}
}

// StartSync starts a sync of a brand's connection (or returns the one
// already running).
func (s *Service) StartSync(ctx context.Context, sc tenant.Scope, brandID, connID string) (*Sync, error) {
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	conn, err := s.Get(ctx, sc, brandID, connID)
	if err != nil {
		return nil, err
	}
	if conn.Status == StatusDisconnected {
		return nil, apperr.E(apperr.Conflict, "The %s connection is disconnected; connect the store again.", conn.Platform)
	}
	return s.startSync(ctx, conn)
}

func (s *Service) startSync(ctx context.Context, conn *Connection) (*Sync, error) {
	var out *Sync
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		cur, err := scanSync(tx.QueryRow(ctx, `SELECT `+syncColumns+` FROM syncs WHERE connection_id = ? AND status IN (?, ?)
			ORDER BY created_at DESC LIMIT 1`, conn.ID, SyncQueued, SyncRunning))
		if err == nil {
			out = cur
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		out = &Sync{ID: store.NewID(), ConnectionID: conn.ID, BrandID: conn.BrandID, Status: SyncQueued, Total: -1, CreatedAt: s.now()}
		if _, err := tx.Exec(ctx, `INSERT INTO syncs (id, connection_id, brand_id, status, created_at) VALUES (?, ?, ?, ?, ?)`,
			out.ID, conn.ID, conn.BrandID, SyncQueued, out.CreatedAt); err != nil {
			return err
		}
		if s.jobs == nil {
			return nil
		}
		_, err = s.jobs.InsertTx(ctx, tx, SyncArgs{SyncID: out.ID}, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connect: start sync: %w", err)
	}
	return out, nil
}

// GetSync returns a sync of a brand.
func (s *Service) GetSync(ctx context.Context, sc tenant.Scope, brandID, id string) (*Sync, error) {
	if _, err := s.brands.Get(ctx, sc, brandID); err != nil {
		return nil, err
	}
	if !store.ValidID(id) {
		return nil, apperr.E(apperr.NotFound, "Sync not found.")
	}
	sy, err := scanSync(s.db.QueryRow(ctx, `SELECT `+syncColumns+` FROM syncs WHERE id = ? AND brand_id = ?`, id, brandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Sync not found.")
	}
	return sy, err
}

// LastSync returns a connection's latest sync, or nil.
func (s *Service) LastSync(ctx context.Context, connID string) (*Sync, error) {
	sy, err := scanSync(s.db.QueryRow(ctx, `SELECT `+syncColumns+` FROM syncs WHERE connection_id = ? ORDER BY created_at DESC LIMIT 1`, connID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return sy, err
}

// WaitSync polls a sync until it stops or ctx ends.
func (s *Service) WaitSync(ctx context.Context, sc tenant.Scope, brandID, id string, progress func(*Sync)) (*Sync, error) {
	last := -2
	for {
		sy, err := s.GetSync(ctx, sc, brandID, id)
		if err != nil {
			return nil, err
		}
		if progress != nil && sy.Done != last {
			progress(sy)
			last = sy.Done
		}
		if sy.Finished() {
			return sy, nil
		}
		select {
		case <-ctx.Done():
			return sy, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// SyncWorker runs syncs.
type SyncWorker struct {
	river.WorkerDefaults[SyncArgs]
	Service *Service
}

// Timeout: large catalogs take long; each page checkpoints.
func (w *SyncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return time.Hour }

// Work copies pages of products into the catalog, each page with its
// progress and the cursor of the next in one transaction, so a retried or
// resumed job continues where the last stopped and counts nothing twice.
func (w *SyncWorker) Work(ctx context.Context, j *river.Job[SyncArgs]) error {
	s := w.Service
	sy, err := scanSync(s.db.QueryRow(ctx, `SELECT `+syncColumns+` FROM syncs WHERE id = ?`, j.Args.SyncID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil || sy.Finished() {
		return err
	}
	conn, err := s.get(ctx, sy.BrandID, sy.ConnectionID)
	if err != nil {
		return nil // the connection is gone
	}
	fail := func(msg string) error {
		_, err := s.db.Exec(ctx, `UPDATE syncs SET status = ?, error = ?, finished_at = ? WHERE id = ?`, SyncFailed, msg, s.now(), sy.ID)
		return err
	}
	creds, err := s.credentials(ctx, conn)
	if err != nil {
		if apperr.Is(err, apperr.Internal) && j.Attempt < j.MaxAttempts {
			return err
		}
		return fail(apperr.MessageOf(err))
	}
	c, err := s.Connector(conn.Platform)
	if err != nil {
		return fail(apperr.MessageOf(err))
	}
	_, _ = s.db.Exec(ctx, `UPDATE syncs SET status = ? WHERE id = ? AND status = ?`, SyncRunning, sy.ID, SyncQueued)
	cursor := sy.cursor
	if bl, ok := c.(BulkLister); ok && cursor == "" {
		if n, _, err := bl.CountProducts(ctx, creds); err == nil && n > BulkThreshold {
			return s.bulkSync(ctx, j, sy, conn, creds, bl, fail)
		}
	}
	for {
		page, err := c.ListProducts(ctx, creds, cursor)
		if err != nil {
			if errors.Is(err, ErrUnauthorized) {
				s.markReauth(ctx, conn, "The store refused PlutoPro's access; connect the store again.")
				return fail(fmt.Sprintf("%s refused PlutoPro's access; connect the store again.", conn.Platform))
			}
			if j.Attempt >= j.MaxAttempts {
				return fail(apperr.MessageOf(asUserError(conn.Platform, err)))
			}
			s.Logger.Warn("sync page failed; will retry", "sync_id", sy.ID, "platform", conn.Platform, "err", safeErr(err))
			return err // River retries with backoff; the cursor stays
		}
		for _, p := range page.Products {
			p.Source = string(conn.Platform)
		}
		err = s.db.Tx(ctx, func(tx *store.Tx) error {
			counts, err := s.catalog.UpsertTx(ctx, tx, sy.BrandID, page.Products)
			if err != nil {
				return err
			}
			now := s.now()
			done := page.Next == ""
			status := SyncRunning
			var finished any
			if done {
				status, finished = SyncDone, now
			}
			if _, err := tx.Exec(ctx, `UPDATE syncs SET status = ?, done = done + ?, created = created + ?, updated = updated + ?,
				unchanged = unchanged + ?, total = CASE WHEN ? >= 0 THEN ? ELSE total END, cursor = ?, finished_at = ? WHERE id = ?`,
				status, len(page.Products), counts.Created, counts.Updated, counts.Unchanged, page.Total, page.Total, page.Next, finished,
				sy.ID); err != nil {
				return err
			}
			if done {
				_, err = tx.Exec(ctx, `UPDATE connections SET last_sync_at = ?, error = '' WHERE id = ?`, now, conn.ID)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("connect: store page: %w", err)
		}
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}

// BulkLister is a connector that can also read a whole large store in one
// bulk operation (Shopify's Bulk Operations: one query, a JSONL file),
// far cheaper than thousands of paged queries.
type BulkLister interface {
	CountProducts(ctx context.Context, c *Credentials) (int, bool, error)
	ListAllBulk(ctx context.Context, c *Credentials) ([]*catalog.Product, error)
}

// BulkThreshold is the catalog size above which a sync reads the store in
// bulk when the platform can.
const BulkThreshold = 250

// bulkChunk is how many products of a bulk result one transaction stores.
const bulkChunk = 500

// bulkSync reads the store in one bulk operation and stores it in chunks
// with progress. A retried job runs the bulk read again; the upsert makes
// that harmless.
func (s *Service) bulkSync(ctx context.Context, j *river.Job[SyncArgs], sy *Sync, conn *Connection, creds *Credentials, bl BulkLister,
	fail func(string) error) error {
	products, err := bl.ListAllBulk(ctx, creds)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			s.markReauth(ctx, conn, "The store refused PlutoPro's access; connect the store again.")
			return fail(fmt.Sprintf("%s refused PlutoPro's access; connect the store again.", conn.Platform))
		}
		if j.Attempt >= j.MaxAttempts {
			return fail(apperr.MessageOf(asUserError(conn.Platform, err)))
		}
		return err
	}
	if _, err := s.db.Exec(ctx, `UPDATE syncs SET total = ?, done = 0, created = 0, updated = 0, unchanged = 0 WHERE id = ?`,
		len(products), sy.ID); err != nil {
		return err
	}
	for i := 0; i < len(products) || i == 0; i += bulkChunk {
		chunk := products[i:min(i+bulkChunk, len(products))]
		for _, p := range chunk {
			p.Source = string(conn.Platform)
		}
		last := i+bulkChunk >= len(products)
		err := s.db.Tx(ctx, func(tx *store.Tx) error {
			counts, err := s.catalog.UpsertTx(ctx, tx, sy.BrandID, chunk)
			if err != nil {
				return err
			}
			now := s.now()
			status, finished := SyncRunning, any(nil)
			if last {
				status, finished = SyncDone, now
			}
			if _, err := tx.Exec(ctx, `UPDATE syncs SET status = ?, done = done + ?, created = created + ?, updated = updated + ?,
				unchanged = unchanged + ?, finished_at = ? WHERE id = ?`, status, len(chunk), counts.Created, counts.Updated, counts.Unchanged,
				finished, sy.ID); err != nil {
				return err
			}
			if last {
				_, err = tx.Exec(ctx, `UPDATE connections SET last_sync_at = ?, error = '' WHERE id = ?`, now, conn.ID)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("connect: store bulk chunk: %w", err)
		}
		if last {
			break
		}
	}
	return nil
}

// PeriodicSyncArgs starts a sync of every connected store (polling keeps
// catalogs current where the platform has no product webhooks).
type PeriodicSyncArgs struct{}

// Kind names the job.
func (PeriodicSyncArgs) Kind() string { return "connect_periodic_sync" }

// PeriodicSyncWorker starts the syncs.
type PeriodicSyncWorker struct {
	river.WorkerDefaults[PeriodicSyncArgs]
	Service *Service
}

// Work starts a sync for each connected store without one running.
func (w *PeriodicSyncWorker) Work(ctx context.Context, _ *river.Job[PeriodicSyncArgs]) error {
	s := w.Service
	rows, err := s.db.Query(ctx, `SELECT `+connectionColumns+` FROM connections WHERE status = ?`, StatusConnected)
	if err != nil {
		return err
	}
	var conns []*Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			rows.Close()
			return err
		}
		conns = append(conns, c)
	}
	rows.Close()
	for _, c := range conns {
		if _, err := s.startSync(ctx, c); err != nil {
			return err
		}
	}
	return nil
}
