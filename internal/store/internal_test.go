package store

import (
	"errors"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		postgres string // want on PostgreSQL; SQLite always gets in unchanged
	}{
		{"no placeholders", "SELECT 1", "SELECT 1"},
		{"one", "SELECT * FROM users WHERE id = ?", "SELECT * FROM users WHERE id = $1"},
		{"several", "INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)"},
		{"ten or more", "VALUES (?,?,?,?,?,?,?,?,?,?,?)", "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)"},
		{"in a literal", "SELECT '?' , ? FROM t WHERE a = 'why?' AND b = ?", "SELECT '?' , $1 FROM t WHERE a = 'why?' AND b = $2"},
		{"escaped quote in a literal", "SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , $1"},
		{"literal only", "SELECT 'what?'", "SELECT 'what?'"},
		{"multi-line", "UPDATE t\n\tSET a = ?\n\tWHERE id = ?", "UPDATE t\n\tSET a = $1\n\tWHERE id = $2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := (&DB{engine: Postgres}).Rebind(c.in); got != c.postgres {
				t.Errorf("postgres Rebind(%q) = %q, want %q", c.in, got, c.postgres)
			}
			if got := (&DB{engine: SQLite}).Rebind(c.in); got != c.in {
				t.Errorf("sqlite Rebind(%q) = %q, want it unchanged", c.in, got)
			}
			if got := rebind(Postgres, c.in); got != c.postgres {
				t.Errorf("Tx rebind(%q) = %q, want %q", c.in, got, c.postgres)
			}
		})
	}
}

func TestRedactErr(t *testing.T) {
	cases := []struct {
		name, url, err, want string
	}{
		{"password replaced", "postgres://u:hunter2-canary@db/x", "auth failed for u:hunter2-canary", "auth failed for u:xxxxx"},
		{"every occurrence", "postgres://u:pw-canary@db/x", "pw-canary pw-canary", "xxxxx xxxxx"},
		{"no password", "postgres://u@db/x", "plain failure", "plain failure"},
		{"unparsable url", "postgres://u:pw@[::1/x", "plain failure", "plain failure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redactErr(errors.New(c.err), c.url)
			if got.Error() != c.want {
				t.Errorf("redactErr = %q, want %q", got, c.want)
			}
			if strings.Contains(got.Error(), "canary") {
				t.Errorf("redactErr kept the password: %q", got)
			}
		})
	}
}
