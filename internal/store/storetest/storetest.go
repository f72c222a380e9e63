// Package storetest opens migrated databases for tests: a fresh SQLite file
// always, and a fresh PostgreSQL schema when PLUTOPRO_TEST_DATABASE_URL is set.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/plutopro/plutopro/internal/store"
)

// EnvPostgres names the variable holding a PostgreSQL URL for tests.
const EnvPostgres = "PLUTOPRO_TEST_DATABASE_URL"

// Migrator applies the schemas that sit above the store (River's tables).
// The app package passes one in; store tests pass nil.
type Migrator func(ctx context.Context, db *store.DB) error

// SQLite opens a migrated SQLite database in a temp dir, closed at cleanup.
func SQLite(tb testing.TB, extra Migrator) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	migrate(tb, db, extra)
	return db
}

// PostgresURL returns a URL for a fresh, empty schema in the test database
// (dropped at cleanup), or skips the test when no test database is configured.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", EnvPostgres)
	}
	schema := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens a migrated database in a fresh PostgreSQL schema, or skips.
func Postgres(tb testing.TB, extra Migrator) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), store.Options{URL: PostgresURL(tb)})
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	migrate(tb, db, extra)
	return db
}

// Each runs fn once per engine: SQLite always, PostgreSQL when configured
// (reported as skipped otherwise).
func Each(t *testing.T, extra Migrator, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			var db *store.DB
			if e == store.SQLite {
				db = SQLite(t, extra)
			} else {
				db = Postgres(t, extra)
			}
			fn(t, db)
		})
	}
}

func migrate(tb testing.TB, db *store.DB, extra Migrator) {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	if extra != nil {
		if err := extra(ctx, db); err != nil {
			tb.Fatalf("migrate: %v", fmt.Errorf("extra: %w", err))
		}
	}
}
