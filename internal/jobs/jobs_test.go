package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

type markArgs struct {
	Name string `json:"name"`
}

func (markArgs) Kind() string { return "test_mark" }

type markWorker struct {
	river.WorkerDefaults[markArgs]
	db   *store.DB
	runs *atomic.Int64
}

func (w *markWorker) Work(ctx context.Context, j *river.Job[markArgs]) error {
	w.runs.Add(1)
	_, err := w.db.Exec(ctx, "UPDATE accounts SET name = ? WHERE id = ?", "worked:"+j.Args.Name, j.Args.Name)
	return err
}

// TestInsertTx shows that a job exists exactly when its transaction commits,
// and that a started client works the committed one, on both engines.
func TestInsertTx(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var runs atomic.Int64
		workers := river.NewWorkers()
		river.AddWorker(workers, &markWorker{db: db, runs: &runs})
		c, err := jobs.New(db, jobs.Options{Workers: workers, Work: true, Concurrency: 2})
		if err != nil {
			t.Fatal(err)
		}
		now := store.Now()
		insertAccount := func(tx *store.Tx, id string) error {
			_, err := tx.Exec(ctx, "INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", id, "a", now, now)
			return err
		}
		committed, rolledBack := store.NewID(), store.NewID()
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := insertAccount(tx, committed); err != nil {
				return err
			}
			_, err := c.InsertTx(ctx, tx, markArgs{Name: committed}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		errBoom := errors.New("boom")
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := insertAccount(tx, rolledBack); err != nil {
				return err
			}
			if _, err := c.InsertTx(ctx, tx, markArgs{Name: rolledBack}, nil); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Tx = %v, want boom", err)
		}
		var n int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM river_job").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("river_job rows = %d, want 1 (the rolled-back job must not exist)", n)
		}

		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_ = c.Stop(sctx)
		}()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var name string
			if err := db.QueryRow(ctx, "SELECT name FROM accounts WHERE id = ?", committed).Scan(&name); err != nil {
				t.Fatal(err)
			}
			if name == "worked:"+committed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job did not run: account name %q", name)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if got := runs.Load(); got != 1 {
			t.Fatalf("runs = %d, want 1", got)
		}
	})
}
