// Package jobs runs PlutoPro's background work on River, over the same
// database as everything else: River's SQLite driver on the embedded default,
// its database/sql driver on PostgreSQL. Jobs are enqueued in the same
// transaction as the rows they concern (InsertTx), so a job exists exactly
// when its rows do.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/plutopro/plutopro/internal/store"
)

// Client enqueues jobs and, when started with workers, works them.
type Client struct {
	db    *store.DB
	river *river.Client[*sql.Tx]
	work  bool
}

// Options configures a Client.
type Options struct {
	// Workers are the job kinds this process can run. Every process registers
	// all of them (River's leader discards jobs of kinds it does not know).
	Workers *river.Workers
	// Work makes the client fetch and run jobs; false makes it insert-only (CLI).
	Work bool
	// Concurrency is the number of jobs run at once in this process (default queue).
	Concurrency int
	// Queues are further queues and their concurrency (e.g. "generate" for
	// LLM calls, bounded separately from imports and mail).
	Queues map[string]int
	// Periodic jobs run by the elected leader only.
	Periodic []*river.PeriodicJob
	Logger   *slog.Logger
	// JobTimeout bounds one job's run; RescueStuckJobsAfter must exceed it.
	JobTimeout time.Duration
	// Middleware wraps every job (metrics).
	Middleware []rivertype.Middleware
}

func driver(db *store.DB) riverdriver.Driver[*sql.Tx] {
	if db.Engine() == store.Postgres {
		return riverdatabasesql.New(db.WriteDB())
	}
	return riversqlite.New(db.WriteDB())
}

// Migrate applies River's own migrations.
func Migrate(ctx context.Context, db *store.DB) error {
	m, err := rivermigrate.New(driver(db), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if db.Engine() == store.Postgres {
		// River's migrator takes no lock of its own and some of its migrations
		// cannot share one transaction (enum changes), so several processes
		// starting at once are serialised with a session advisory lock.
		conn, err := db.WriteDB().Conn(ctx)
		if err != nil {
			return fmt.Errorf("jobs: migration lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7473112901)"); err != nil {
			return fmt.Errorf("jobs: migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7473112901)")
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// New builds a client. Call Start to work jobs when Options.Work is set.
func New(db *store.DB, o Options) (*Client, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg := &river.Config{
		Logger:     logger.With("component", "river"),
		Workers:    o.Workers,
		Middleware: o.Middleware,
		JobTimeout: o.JobTimeout,
	}
	if cfg.JobTimeout == 0 {
		cfg.JobTimeout = 10 * time.Minute
	}
	// A job still "running" after this is presumed to belong to a dead process
	// and is run again; it must be longer than any job may legitimately run.
	cfg.RescueStuckJobsAfter = cfg.JobTimeout + 5*time.Minute
	if o.Work {
		n := o.Concurrency
		if n <= 0 {
			n = 4
		}
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}}
		for name, workers := range o.Queues {
			cfg.Queues[name] = river.QueueConfig{MaxWorkers: max(1, workers)}
		}
		cfg.PeriodicJobs = o.Periodic
		cfg.FetchPollInterval = 100 * time.Millisecond
		cfg.FetchCooldown = 50 * time.Millisecond
	}
	rc, err := river.NewClient(driver(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return &Client{db: db, river: rc, work: o.Work}, nil
}

// River exposes the underlying client for job-specific calls (JobGet, JobCancel).
func (c *Client) River() *river.Client[*sql.Tx] { return c.river }

// Start begins working jobs; a no-op for an insert-only client.
func (c *Client) Start(ctx context.Context) error {
	if !c.work {
		return nil
	}
	return c.river.Start(ctx)
}

// Stop waits for running jobs to finish, up to ctx's deadline, then cancels
// the ones still running so they are retried later.
func (c *Client) Stop(ctx context.Context) error {
	if !c.work {
		return nil
	}
	err := c.river.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return c.river.StopAndCancel(hard)
	}
	return err
}

// InsertTx enqueues a job inside tx: it exists only if tx commits.
func (c *Client) InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	res, err := c.river.InsertTx(ctx, tx.SQL(), args, opts)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res.Job.ID, nil
}

// Insert enqueues a job in a transaction of its own.
func (c *Client) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	var id int64
	err := c.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = c.InsertTx(ctx, tx, args, opts)
		return err
	})
	return id, err
}
