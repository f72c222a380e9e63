package secrets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/store"
)

// vaultTable is the table Vault keeps values in; it is also the AD Table, so
// a ciphertext copied out of secret_values into another table's column does
// not open there.
const vaultTable = "secret_values"

// rotateBatch is how many rows RotateAll re-encrypts per transaction: small
// enough that the SQLite write lock is held only briefly, large enough that
// 10k rows take a handful of commits.
const rotateBatch = 500

// Vault stores encrypted values in secret_values, one row per secret, each
// bound to its row id and purpose. Other tables hold the id, never the token.
type Vault struct {
	db *store.DB
	kr *Keyring
}

// NewVault returns a Vault over db that seals with kr.
func NewVault(db *store.DB, kr *Keyring) *Vault { return &Vault{db: db, kr: kr} }

func vaultAD(id, purpose string) AD { return AD{Table: vaultTable, Row: id, Purpose: purpose} }

// Put encrypts plaintext and inserts it as a new row, returning its id. q may
// be a transaction, so the secret commits or rolls back together with the row
// that refers to it.
func (v *Vault) Put(ctx context.Context, q store.Queryer, purpose string, plaintext []byte) (string, error) {
	id := store.NewID()
	ct, err := v.kr.Seal(plaintext, vaultAD(id, purpose))
	if err != nil {
		return "", err
	}
	now := store.Now()
	if _, err := q.Exec(ctx,
		`INSERT INTO secret_values (id, purpose, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		id, purpose, ct, now, now); err != nil {
		return "", fmt.Errorf("secrets: put: %w", err)
	}
	return id, nil
}

// Replace re-encrypts the value of an existing secret (a refreshed OAuth
// token). The purpose must match the stored one: a row that holds one kind of
// secret cannot be overwritten as another, and a mismatch is reported as
// store.ErrNotFound just like a missing id.
func (v *Vault) Replace(ctx context.Context, q store.Queryer, id, purpose string, plaintext []byte) error {
	ct, err := v.kr.Seal(plaintext, vaultAD(id, purpose))
	if err != nil {
		return err
	}
	res, err := q.Exec(ctx,
		`UPDATE secret_values SET ciphertext = ?, updated_at = ? WHERE id = ? AND purpose = ?`,
		ct, store.Now(), id, purpose)
	if err != nil {
		return fmt.Errorf("secrets: replace: %w", err)
	}
	return oneRow(res, id)
}

// Get decrypts the secret with this id. The purpose is not looked up but
// supplied by the caller and checked cryptographically: asking for a
// Shopify token by the id of a Drive token fails with ErrDecrypt, even if
// someone with database access edited the purpose column.
func (v *Vault) Get(ctx context.Context, q store.Queryer, id, purpose string) ([]byte, error) {
	var ct string
	err := q.QueryRow(ctx, `SELECT ciphertext FROM secret_values WHERE id = ?`, id).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("secrets: secret %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: get: %w", err)
	}
	pt, err := v.kr.Open(ct, vaultAD(id, purpose))
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", id, err)
	}
	return pt, nil
}

// Delete removes a secret. A missing id gives store.ErrNotFound; a purge that
// may run twice can ignore that with errors.Is.
func (v *Vault) Delete(ctx context.Context, q store.Queryer, id string) error {
	res, err := q.Exec(ctx, `DELETE FROM secret_values WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("secrets: delete: %w", err)
	}
	return oneRow(res, id)
}

func oneRow(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("secrets: secret %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// primaryPrefix is how every envelope sealed under the primary key begins.
func (v *Vault) primaryPrefix() string {
	return version + "." + strconv.FormatUint(uint64(v.kr.Primary()), 10) + "."
}

// RotateAll re-encrypts under the primary key every row sealed with an older
// key, 500 rows per transaction, and returns how many it rewrote. It is safe
// to run while the application reads and writes: readers see either the old
// or the new ciphertext and both open (the old key is still in the ring), and
// each update only applies if the row still holds the ciphertext that was read,
// so a concurrent Replace is never overwritten with a stale value.
//
// A row that cannot be decrypted (corrupt, or sealed with a key no longer in
// the ring) is skipped and the rest are still rotated; the returned error
// then counts and names such rows and matches ErrDecrypt. Run it again after
// adding a key (or after a Rotate) until it returns 0, nil; then the old key
// can be removed.
func (v *Vault) RotateAll(ctx context.Context) (int, error) {
	prefix := v.primaryPrefix()
	// substr with a literal length works the same on both engines; LIKE
	// would be case-insensitive on SQLite.
	query := `SELECT id, purpose, ciphertext FROM secret_values
		WHERE id > ? AND substr(ciphertext, 1, ` + strconv.Itoa(len(prefix)) + `) <> ?
		ORDER BY id LIMIT ` + strconv.Itoa(rotateBatch)

	type row struct{ id, purpose, ct string }
	var (
		rewrapped int
		failed    []string
		firstErr  error
		after     string // keyset cursor: failed rows are passed, not retried forever
	)
	for {
		var (
			batch  []row
			done   int // counted only once the batch commits
			bad    []string
			badErr error
		)
		err := v.db.Tx(ctx, func(tx *store.Tx) error {
			batch, done, bad, badErr = batch[:0], 0, bad[:0], nil
			rows, err := tx.Query(ctx, query, after, prefix)
			if err != nil {
				return err
			}
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.purpose, &r.ct); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			// Close before writing: on SQLite the transaction has one connection.
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			now := tx.Now()
			for _, r := range batch {
				ad := vaultAD(r.id, r.purpose)
				pt, err := v.kr.Open(r.ct, ad)
				if err != nil {
					if badErr == nil {
						badErr = err
					}
					bad = append(bad, r.id)
					continue
				}
				ct, err := v.kr.Seal(pt, ad)
				clear(pt)
				if err != nil {
					return err
				}
				res, err := tx.Exec(ctx,
					`UPDATE secret_values SET ciphertext = ?, updated_at = ? WHERE id = ? AND ciphertext = ?`,
					ct, now, r.id, r.ct)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil {
					return err
				} else if n == 1 {
					done++
				}
			}
			return nil
		})
		if err != nil {
			return rewrapped, fmt.Errorf("secrets: rotate: %w", err)
		}
		rewrapped += done
		failed = append(failed, bad...)
		if firstErr == nil {
			firstErr = badErr
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].id
		if len(batch) < rotateBatch {
			break
		}
	}
	if len(failed) > 0 {
		shown := failed[:min(len(failed), 5)]
		return rewrapped, fmt.Errorf("secrets: rotate: %d secret values could not be decrypted and were left as they are (%s): %w",
			len(failed), strings.Join(shown, ", "), firstErr)
	}
	return rewrapped, nil
}

// KeyCounts returns how many stored values each key id sealed, so an operator
// can see when an old key no longer protects anything and may be removed.
// Malformed envelopes are counted under id 0.
func (v *Vault) KeyCounts(ctx context.Context) (map[uint32]int, error) {
	// "v1." + up to 10 digits + "." fits in 14 characters; reading only the
	// head keeps this cheap on large tables.
	rows, err := v.db.Query(ctx, `SELECT substr(ciphertext, 1, 14) FROM secret_values`)
	if err != nil {
		return nil, fmt.Errorf("secrets: key counts: %w", err)
	}
	defer rows.Close()
	counts := map[uint32]int{}
	for rows.Next() {
		var head string
		if err := rows.Scan(&head); err != nil {
			return nil, fmt.Errorf("secrets: key counts: %w", err)
		}
		counts[headKeyID(head)]++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("secrets: key counts: %w", err)
	}
	return counts, nil
}

// headKeyID reads the key id from the start of an envelope, 0 if malformed.
func headKeyID(head string) uint32 {
	rest, ok := strings.CutPrefix(head, version+".")
	if !ok {
		return 0
	}
	idText, _, ok := strings.Cut(rest, ".")
	if !ok || idText == "" || idText[0] == '0' {
		return 0
	}
	id, err := strconv.ParseUint(idText, 10, 32)
	if err != nil {
		return 0
	}
	return uint32(id)
}
