package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

// openFresh opens an unmigrated database of engine e (skipping PostgreSQL
// when no test database is configured).
func openFresh(t *testing.T, e store.Engine) *store.DB {
	t.Helper()
	ctx := context.Background()
	var db *store.DB
	var err error
	if e == store.SQLite {
		db, err = store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	} else {
		db, err = store.Open(ctx, store.Options{URL: storetest.PostgresURL(t)})
	}
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type pragmas struct {
	journalMode string
	busyTimeout int
	foreignKeys int
	queryOnly   int
}

func readPragmas(ctx context.Context, c *sql.Conn) (pragmas, error) {
	var p pragmas
	for _, q := range []struct {
		sql  string
		dest any
	}{
		{"PRAGMA journal_mode", &p.journalMode},
		{"PRAGMA busy_timeout", &p.busyTimeout},
		{"PRAGMA foreign_keys", &p.foreignKeys},
		{"PRAGMA query_only", &p.queryOnly},
	} {
		if err := c.QueryRowContext(ctx, q.sql).Scan(q.dest); err != nil {
			return p, fmt.Errorf("%s: %w", q.sql, err)
		}
	}
	return p, nil
}

// TestSQLitePragmasOnEveryConnection is reliability test J1: a pragma set
// once reaches only one pooled connection, so every connection of both pools
// is checked while all are held at once.
func TestSQLitePragmasOnEveryConnection(t *testing.T) {
	db := storetest.SQLite(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	check := func(t *testing.T, pool string, c *sql.Conn, wantQueryOnly int) {
		t.Helper()
		p, err := readPragmas(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", pool, err)
		}
		if p.journalMode != "wal" {
			t.Errorf("%s: journal_mode = %q, want wal", pool, p.journalMode)
		}
		if p.busyTimeout < 5000 {
			t.Errorf("%s: busy_timeout = %d, want >= 5000", pool, p.busyTimeout)
		}
		if p.foreignKeys != 1 {
			t.Errorf("%s: foreign_keys = %d, want 1", pool, p.foreignKeys)
		}
		if p.queryOnly != wantQueryOnly {
			t.Errorf("%s: query_only = %d, want %d", pool, p.queryOnly, wantQueryOnly)
		}
	}

	t.Run("read pool", func(t *testing.T) {
		n := db.ReadDB().Stats().MaxOpenConnections
		if n < 2 {
			t.Fatalf("read pool allows %d connections, want several", n)
		}
		// Hold every connection the pool allows at once, so each is a distinct
		// connection, grabbed concurrently.
		conns := make([]*sql.Conn, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { conns[i], errs[i] = db.ReadDB().Conn(ctx) })
		}
		wg.Wait()
		defer func() {
			for _, c := range conns {
				if c != nil {
					c.Close()
				}
			}
		}()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("conn %d: %v", i, errs[i])
			}
		}
		if got := db.ReadDB().Stats().OpenConnections; got != n {
			t.Fatalf("open read connections = %d, want %d", got, n)
		}
		for i, c := range conns {
			check(t, fmt.Sprintf("read conn %d", i), c, 1)
			_, err := c.ExecContext(ctx, "INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, 'x', ?, ?)",
				store.NewID(), store.Now(), store.Now())
			if err == nil {
				t.Errorf("read conn %d accepted a write", i)
			}
		}
	})

	t.Run("write pool", func(t *testing.T) {
		if n := db.WriteDB().Stats().MaxOpenConnections; n != 1 {
			t.Fatalf("write pool allows %d connections, want 1", n)
		}
		// Several goroutines ask at once; they get the one connection in turn.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got []pragmas
		for range 4 {
			wg.Go(func() {
				c, err := db.WriteDB().Conn(ctx)
				if err != nil {
					t.Errorf("write conn: %v", err)
					return
				}
				defer c.Close()
				p, err := readPragmas(ctx, c)
				if err != nil {
					t.Errorf("write conn: %v", err)
					return
				}
				mu.Lock()
				got = append(got, p)
				mu.Unlock()
			})
		}
		wg.Wait()
		c, err := db.WriteDB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check(t, "write conn", c, 0)
		// While it is held, no second writer connection can be had.
		short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancelShort()
		if c2, err := db.WriteDB().Conn(short); err == nil {
			c2.Close()
			t.Error("got a second write connection while the first was held")
		}
		c.Close()
		if len(got) != 4 {
			t.Fatalf("got %d pragma reads, want 4", len(got))
		}
		for i, p := range got {
			if p != got[0] {
				t.Errorf("write conn read %d = %+v, want %+v", i, p, got[0])
			}
		}
	})
}

func TestMigrate(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run("fresh "+string(e), func(t *testing.T) {
			db := openFresh(t, e)
			ctx := context.Background()
			pending, err := db.Pending(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if pending == 0 {
				t.Fatal("a fresh database has no pending migrations")
			}
			res, err := db.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Applied) != pending {
				t.Errorf("applied %v, want %d migrations", res.Applied, pending)
			}
			if res.Version != res.Applied[len(res.Applied)-1] {
				t.Errorf("version = %d, want the last applied %d", res.Version, res.Applied[len(res.Applied)-1])
			}
			var n int
			if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM brands").Scan(&n); err != nil {
				t.Errorf("brands table after migrate: %v", err)
			}
		})
	}
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		for i := range 2 {
			res, err := db.Migrate(ctx)
			if err != nil {
				t.Fatalf("Migrate #%d: %v", i+2, err)
			}
			if len(res.Applied) != 0 {
				t.Errorf("Migrate #%d applied %v, want nothing", i+2, res.Applied)
			}
			if res.Version < 1 {
				t.Errorf("Migrate #%d version = %d, want >= 1", i+2, res.Version)
			}
		}
		if n, err := db.Pending(ctx); err != nil || n != 0 {
			t.Errorf("Pending = %d, %v; want 0, nil", n, err)
		}
	})
}

func insertAccount(ctx context.Context, q store.Queryer, id string) error {
	now := store.Now()
	_, err := q.Exec(ctx, "INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)", id, "acct "+id, now, now)
	return err
}

func countAccounts(ctx context.Context, t *testing.T, db *store.DB, id string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM accounts WHERE id = ?", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTx(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		errBoom := errors.New("boom")
		cases := []struct {
			name      string
			fn        func(tx *store.Tx) error
			wantErr   error
			wantPanic bool
			wantRows  int
		}{
			{"nil commits", func(tx *store.Tx) error { return nil }, nil, false, 1},
			{"error rolls back", func(tx *store.Tx) error { return fmt.Errorf("wrapped: %w", errBoom) }, errBoom, false, 0},
			{"panic rolls back", func(tx *store.Tx) error { panic("kaboom") }, nil, true, 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				id := store.NewID()
				var err error
				var recovered any
				func() {
					defer func() { recovered = recover() }()
					err = db.Tx(ctx, func(tx *store.Tx) error {
						if tx.Engine() != db.Engine() {
							t.Errorf("tx engine = %s, want %s", tx.Engine(), db.Engine())
						}
						if err := insertAccount(ctx, tx, id); err != nil {
							return err
						}
						// The row is visible inside the transaction.
						var n int
						if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM accounts WHERE id = ?", id).Scan(&n); err != nil || n != 1 {
							t.Errorf("inside tx: count = %d, %v", n, err)
						}
						return c.fn(tx)
					})
				}()
				if c.wantPanic {
					if recovered != "kaboom" {
						t.Errorf("recovered %v, want the panic re-raised", recovered)
					}
				} else if recovered != nil {
					t.Fatalf("unexpected panic %v", recovered)
				}
				if c.wantErr == nil && err != nil {
					t.Errorf("Tx = %v, want nil", err)
				}
				if c.wantErr != nil && !errors.Is(err, c.wantErr) {
					t.Errorf("Tx = %v, want %v", err, c.wantErr)
				}
				if got := countAccounts(ctx, t, db, id); got != c.wantRows {
					t.Errorf("rows after Tx = %d, want %d", got, c.wantRows)
				}
				// The write connection is usable afterwards (no transaction left open).
				if err := db.Tx(ctx, func(tx *store.Tx) error { return insertAccount(ctx, tx, store.NewID()) }); err != nil {
					t.Errorf("next Tx: %v", err)
				}
			})
		}
	})
}

func TestIsUniqueViolation(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := store.Now()
		insertUser := func(email string) error {
			_, err := db.Exec(ctx, "INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?, ?, 'U', ?, ?)",
				store.NewID(), email, now, now)
			return err
		}
		if err := insertUser("dup@example.com"); err != nil {
			t.Fatal(err)
		}
		dupErr := insertUser("dup@example.com")
		fkErr := func() error {
			_, err := db.Exec(ctx, "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
				store.NewID(), store.NewID(), now)
			return err
		}()
		checkErr := func() error {
			_, err := db.Exec(ctx, "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, 'king', ?)",
				store.NewID(), store.NewID(), now)
			return err
		}()
		pkErr := func() error {
			id := store.NewID()
			if err := insertAccount(ctx, db, id); err != nil {
				return err
			}
			return insertAccount(ctx, db, id)
		}()
		_, syntaxErr := db.Exec(ctx, "INSERT INTO nowhere VALUES (1)")
		inTx := db.Tx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO users (id, email, name, created_at, updated_at) VALUES (?, ?, 'U', ?, ?)",
				store.NewID(), "dup@example.com", now, now)
			return fmt.Errorf("wrapped: %w", err)
		})
		cases := []struct {
			name  string
			err   error
			want  bool
			isErr bool
		}{
			{"duplicate users.email", dupErr, true, true},
			{"duplicate primary key", pkErr, true, true},
			{"duplicate inside Tx, wrapped", inTx, true, true},
			{"foreign key failure", fkErr, false, true},
			{"check constraint failure", checkErr, false, true},
			{"missing table", syntaxErr, false, true},
			{"plain error", errors.New("duplicate key value violates unique constraint"), false, true},
			{"nil", nil, false, false},
		}
		for _, c := range cases {
			if c.isErr && c.err == nil {
				t.Errorf("%s: the statement did not fail", c.name)
				continue
			}
			if got := store.IsUniqueViolation(c.err); got != c.want {
				t.Errorf("%s: IsUniqueViolation(%v) = %v, want %v", c.name, c.err, got, c.want)
			}
		}
	})
}

func TestTimeRoundTrip(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		times := []time.Time{
			store.Now(),
			time.Date(2026, 3, 29, 1, 30, 0, 123456000, time.UTC),
			// A non-UTC time is stored as the same instant.
			time.Date(2026, 10, 25, 2, 59, 59, 999999000, time.FixedZone("CEST", 2*60*60)),
		}
		for i, want := range times {
			id := store.NewID()
			if _, err := db.Exec(ctx, "INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, 'x', ?, ?)", id, want, want); err != nil {
				t.Fatal(err)
			}
			var got time.Time
			if err := db.QueryRow(ctx, "SELECT created_at FROM accounts WHERE id = ?", id).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(want) {
				t.Errorf("time %d: read back %v, want %v", i, got, want)
			}
			// Ordering by the column follows time order.
			var before int
			if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM accounts WHERE created_at < ?", want.Add(time.Microsecond)).Scan(&before); err != nil {
				t.Fatal(err)
			}
			if before == 0 {
				t.Errorf("time %d: created_at < written+1µs matched nothing", i)
			}
		}
		// Inside a transaction, tx.Now() round-trips too.
		id := store.NewID()
		var want time.Time
		if err := db.Tx(ctx, func(tx *store.Tx) error {
			want = tx.Now()
			_, err := tx.Exec(ctx, "INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, 'x', ?, ?)", id, want, want)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if want.Location() != time.UTC || want.Nanosecond()%1000 != 0 {
			t.Errorf("tx.Now() = %v, want UTC at microsecond precision", want)
		}
		var got time.Time
		if err := db.QueryRow(ctx, "SELECT updated_at FROM accounts WHERE id = ?", id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want) {
			t.Errorf("tx.Now() read back %v, want %v", got, want)
		}
	})
}

func TestNewID(t *testing.T) {
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = store.NewID()
		u, err := uuid.Parse(ids[i])
		if err != nil {
			t.Fatalf("NewID() = %q: %v", ids[i], err)
		}
		if u.Version() != 7 {
			t.Fatalf("NewID() = %q is version %d, want 7", ids[i], u.Version())
		}
		if !store.ValidID(ids[i]) {
			t.Fatalf("ValidID(%q) = false", ids[i])
		}
	}
	if !slices.IsSorted(ids) {
		t.Error("ids made one after another do not sort in order")
	}
	if len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Error("NewID repeated an id")
	}

	for _, s := range []string{
		"",
		"garbage",
		"not-a-uuid-but-thirty-six-chars-long",
		strings.ReplaceAll(ids[0], "-", ""),
		"{" + ids[0] + "}",
		"urn:uuid:" + ids[0],
		ids[0] + " ",
		ids[0][:35] + "g",
		"' OR 1=1 --                         ",
	} {
		if store.ValidID(s) {
			t.Errorf("ValidID(%q) = true, want false", s)
		}
	}

	// The database orders them the same way on both engines.
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var want []string
		for range 20 {
			id := store.NewID()
			want = append(want, id)
			if err := insertAccount(ctx, db, id); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.Query(ctx, "SELECT id FROM accounts ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			got = append(got, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("ORDER BY id = %v, want insertion order %v", got, want)
		}
	})
}

// TestSQLiteConcurrentWriters is reliability test J2 in small: writers and
// readers at once, and no SQLITE_BUSY reaches the caller.
func TestSQLiteConcurrentWriters(t *testing.T) {
	db := storetest.SQLite(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const writers, txs, readers = 8, 50, 8

	errc := make(chan error, writers*txs+readers*1000)
	var wg sync.WaitGroup
	done := make(chan struct{})
	var rwg sync.WaitGroup
	for range readers {
		rwg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				var n int
				if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
					errc <- fmt.Errorf("read: %w", err)
					return
				}
			}
		})
	}
	for w := range writers {
		wg.Go(func() {
			for i := range txs {
				err := db.Tx(ctx, func(tx *store.Tx) error {
					// Read then write: the pattern that fails at once with a
					// deferred transaction.
					var n int
					if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
						return err
					}
					return insertAccount(ctx, tx, store.NewID())
				})
				if err != nil {
					errc <- fmt.Errorf("writer %d tx %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	rwg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*txs {
		t.Errorf("rows = %d, want %d", n, writers*txs)
	}
}

// TestSQLiteTwoProcesses opens one file twice, as serve and a CLI command
// do, and writes from both at once: BEGIN IMMEDIATE plus busy_timeout make
// the second writer wait instead of failing.
func TestSQLiteTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var dbs []*store.DB
	for range 2 {
		db, err := store.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	if _, err := dbs[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := dbs[1].Pending(ctx); err != nil || n != 0 {
		t.Fatalf("second handle: Pending = %d, %v; want 0", n, err)
	}

	const perWriter, txs = 2, 50
	errc := make(chan error, len(dbs)*perWriter*txs)
	var wg sync.WaitGroup
	for d, db := range dbs {
		for w := range perWriter {
			wg.Go(func() {
				for i := range txs {
					err := db.Tx(ctx, func(tx *store.Tx) error {
						var n int
						if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
							return err
						}
						if err := insertAccount(ctx, tx, store.NewID()); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, "UPDATE accounts SET name = ? WHERE id = (SELECT MIN(id) FROM accounts)", fmt.Sprint(n))
						return err
					})
					if err != nil {
						errc <- fmt.Errorf("db %d writer %d tx %d: %w", d, w, i, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	for d, db := range dbs {
		var n int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM accounts").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := len(dbs) * perWriter * txs; n != want {
			t.Errorf("db %d sees %d rows, want %d", d, n, want)
		}
	}
}

func TestOpenPostgresKeepsPasswordOutOfErrors(t *testing.T) {
	const canary = "s3cr3t-canary"
	cases := []struct {
		name string
		url  string
	}{
		{"connection refused", "postgres://u:" + canary + "@127.0.0.1:1/x"},
		{"postgresql scheme", "postgresql://u:" + canary + "@127.0.0.1:1/x?sslmode=disable"},
		{"bad port", "postgres://u:" + canary + "@127.0.0.1:notaport/x"},
		{"bad sslmode", "postgres://u:" + canary + "@127.0.0.1:1/x?sslmode=bogus"},
		{"bad percent escape", "postgres://u:" + canary + "%zz@127.0.0.1:1/x"},
		{"password in query", "postgres://u@127.0.0.1:1/x?password=" + canary + "&sslmode=bogus"},
		{"encoded password", "postgres://u:" + strings.ReplaceAll(canary, "-", "%2D") + "@127.0.0.1:1/x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			db, err := store.Open(ctx, store.Options{URL: c.url})
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
			msg := err.Error()
			for _, secret := range []string{canary, strings.ReplaceAll(canary, "-", "%2D")} {
				if strings.Contains(msg, secret) {
					t.Errorf("error contains the password: %s", msg)
				}
			}
		})
	}
}
