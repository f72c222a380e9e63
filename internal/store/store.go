// Package store opens PlutoPro's database (embedded SQLite by default,
// PostgreSQL when a postgres URL is given), applies migrations, and runs one
// set of portable queries on either engine.
//
// Queries are written with '?' placeholders; on PostgreSQL they are rebound
// to $1, $2, ... . SQLite gets one writer connection (so writers never fight
// over the lock inside a process) and a pool of read-only connections.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Engine names a database engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// ErrNotFound is returned by single-row lookups that find nothing.
var ErrNotFound = errors.New("not found")

// DB is an open database: a write pool and a read pool (the same pool on PostgreSQL).
type DB struct {
	engine Engine
	write  *sql.DB
	read   *sql.DB
	// Path is the SQLite file, empty on PostgreSQL.
	Path string
}

// Options says which database to open.
type Options struct {
	// URL is a postgres:// or postgresql:// URL; empty means SQLite in DataDir.
	URL string
	// DataDir holds the SQLite file when URL is empty.
	DataDir string
}

// Open opens the database. It does not migrate; call Migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.URL != "" {
		return openPostgres(ctx, o.URL)
	}
	if o.DataDir == "" {
		return nil, errors.New("store: no database URL and no data dir")
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(o.DataDir, "plutopro.db"))
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func openPostgres(ctx context.Context, u string) (*DB, error) {
	if !IsPostgresURL(u) {
		return nil, errors.New("store: database URL must start with postgres:// or postgresql://")
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", redactErr(err, u))
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w", redactErr(err, u))
	}
	return &DB{engine: Postgres, write: db, read: db}, nil
}

// redactErr keeps a database password out of error text.
func redactErr(err error, rawURL string) error {
	pu, perr := url.Parse(rawURL)
	if perr != nil || pu.User == nil {
		return err
	}
	pw, ok := pu.User.Password()
	if !ok || pw == "" {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
}

// sqlitePragmas are set on every connection through the DSN, which is the only
// way modernc applies them to each pooled connection (a one-off PRAGMA would
// reach only one connection).
var sqlitePragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"foreign_keys(1)",
	"journal_size_limit(67108864)",
	"wal_autocheckpoint(8192)",
	"cache_size(-16000)",
	"temp_store(MEMORY)",
}

// OpenSQLite opens (creating if needed) the SQLite file at path.
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	dsn := func(extra ...string) string {
		q := url.Values{}
		for _, p := range sqlitePragmas {
			q.Add("_pragma", p)
		}
		q.Set("_time_format", "sqlite")
		for i := 0; i+1 < len(extra); i += 2 {
			q.Add(extra[i], extra[i+1])
		}
		return "file:" + path + "?" + q.Encode()
	}
	// BEGIN IMMEDIATE takes the write lock at the start of a transaction, so
	// busy_timeout applies; a deferred read-then-write transaction would fail
	// with SQLITE_BUSY at once when another process (a CLI command) writes.
	w, err := sql.Open("sqlite", dsn("_txlock", "immediate"))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
		w.Close()
		return nil, fmt.Errorf("store: protect sqlite file: %w", err)
	}
	r, err := sql.Open("sqlite", dsn("_pragma", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite read pool: %w", err)
	}
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(time.Minute)
	return &DB{engine: SQLite, write: w, read: r, Path: path}, nil
}

// Engine reports which engine this is.
func (db *DB) Engine() Engine { return db.engine }

// WriteDB is the pool that writes (and River uses). On SQLite it has one connection.
func (db *DB) WriteDB() *sql.DB { return db.write }

// ReadDB is the pool for reads outside transactions.
func (db *DB) ReadDB() *sql.DB { return db.read }

// Close closes both pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Rebind turns '?' placeholders into the engine's form. Question marks inside
// single-quoted literals are left alone.
func (db *DB) Rebind(q string) string { return rebind(db.engine, q) }

func rebind(e Engine, q string) string {
	if e != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Exec runs a statement on the write pool.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return db.write.ExecContext(ctx, db.Rebind(q), args...)
}

// Query runs a query on the read pool.
func (db *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, db.Rebind(q), args...)
}

// QueryRow runs a single-row query on the read pool.
func (db *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.Rebind(q), args...)
}

// Tx is a transaction on the write pool.
type Tx struct {
	engine Engine
	tx     *sql.Tx
	now    time.Time
}

// SQL returns the underlying transaction (for River's InsertTx).
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Engine reports the engine.
func (tx *Tx) Engine() Engine { return tx.engine }

// Now is the time fixed when the transaction began.
func (tx *Tx) Now() time.Time { return tx.now }

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, rebind(tx.engine, q), args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, rebind(tx.engine, q), args...)
}

// QueryRow runs a single-row query in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, rebind(tx.engine, q), args...)
}

// Tx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise (or on panic).
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{engine: db.engine, tx: stx, now: Now()}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = stx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = stx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Queryer is what both *DB and *Tx offer, so a helper can run inside or outside a transaction.
type Queryer interface {
	Exec(ctx context.Context, q string, args ...any) (sql.Result, error)
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

var (
	_ Queryer = (*DB)(nil)
	_ Queryer = (*Tx)(nil)
)

// NewID returns a new time-ordered text id (UUIDv7), the same on both engines.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// ValidID reports whether s looks like an id NewID made, so handlers can
// answer 404 at once for garbage without a query.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// Now returns the current time in UTC at microsecond precision, the precision
// both engines keep, so a value read back equals the value written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// IsUniqueViolation reports whether err is a unique-constraint failure on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		return coded.SQLState() == "23505"
	}
	var sc interface{ Code() int }
	if errors.As(err, &sc) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return sc.Code() == 2067 || sc.Code() == 1555
	}
	return false
}
