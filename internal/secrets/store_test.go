package secrets

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

func TestVaultPutGetReplaceDelete(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := NewVault(db, testKeyring(t, 1))

		id, err := v.Put(ctx, db, "shopify.access_token", []byte("shpat_first"))
		if err != nil {
			t.Fatal(err)
		}
		if !store.ValidID(id) {
			t.Errorf("Put id %q is not a store id", id)
		}
		got, err := v.Get(ctx, db, id, "shopify.access_token")
		if err != nil || string(got) != "shpat_first" {
			t.Fatalf("Get = %q, %v", got, err)
		}

		var purpose, ct string
		if err := db.QueryRow(ctx, `SELECT purpose, ciphertext FROM secret_values WHERE id = ?`, id).Scan(&purpose, &ct); err != nil {
			t.Fatal(err)
		}
		if purpose != "shopify.access_token" || strings.Contains(ct, "shpat") || !strings.HasPrefix(ct, "v1.1.") {
			t.Errorf("stored row = %q, %q", purpose, ct)
		}

		// A wrong purpose fails even though the id is right.
		if pt, err := v.Get(ctx, db, id, "drive.refresh_token"); !errors.Is(err, ErrDecrypt) || pt != nil {
			t.Errorf("Get with wrong purpose = %q, %v; want ErrDecrypt", pt, err)
		}
		// Editing the purpose column does not help an attacker either.
		if _, err := db.Exec(ctx, `UPDATE secret_values SET purpose = ? WHERE id = ?`, "drive.refresh_token", id); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Get(ctx, db, id, "drive.refresh_token"); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Get after editing purpose column: %v; want ErrDecrypt", err)
		}
		if _, err := db.Exec(ctx, `UPDATE secret_values SET purpose = ? WHERE id = ?`, "shopify.access_token", id); err != nil {
			t.Fatal(err)
		}

		// A ciphertext copied onto another row does not open there.
		other, err := v.Put(ctx, db, "shopify.access_token", []byte("shpat_other"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE secret_values SET ciphertext = ? WHERE id = ?`, ct, other); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Get(ctx, db, other, "shopify.access_token"); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Get of a copied ciphertext: %v; want ErrDecrypt", err)
		}

		if err := v.Replace(ctx, db, id, "shopify.access_token", []byte("shpat_second")); err != nil {
			t.Fatal(err)
		}
		if got, err := v.Get(ctx, db, id, "shopify.access_token"); err != nil || string(got) != "shpat_second" {
			t.Fatalf("Get after Replace = %q, %v", got, err)
		}
		if err := v.Replace(ctx, db, id, "drive.refresh_token", []byte("x")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Replace with wrong purpose: %v; want ErrNotFound", err)
		}
		if err := v.Replace(ctx, db, store.NewID(), "shopify.access_token", []byte("x")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Replace of missing id: %v; want ErrNotFound", err)
		}

		if err := v.Delete(ctx, db, id); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Get(ctx, db, id, "shopify.access_token"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get after Delete: %v; want ErrNotFound", err)
		}
		if err := v.Delete(ctx, db, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second Delete: %v; want ErrNotFound", err)
		}
	})
}

func TestVaultInTransaction(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := NewVault(db, testKeyring(t, 1))
		var id string
		rollback := errors.New("roll back")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if id, err = v.Put(ctx, tx, "p", []byte("in tx")); err != nil {
				return err
			}
			if got, err := v.Get(ctx, tx, id, "p"); err != nil || string(got) != "in tx" {
				return fmt.Errorf("Get inside tx = %q, %v", got, err)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if _, err := v.Get(ctx, db, id, "p"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get after rollback: %v; want ErrNotFound", err)
		}
	})
}

// G3: rotate with readers running; afterwards every row is under the
// primary key and every value still decrypts.
func TestVaultRotateAll(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "encryption.keys")
		kr, err := LoadOrCreateFile(path)
		if err != nil {
			t.Fatal(err)
		}
		v := NewVault(db, kr)

		const n = 2*rotateBatch + 203 // more than two batches
		want := make(map[string]string, n)
		purposes := []string{"shopify.access_token", "etsy.refresh_token", "drive.refresh_token"}
		purposeOf := map[string]string{}
		err = db.Tx(ctx, func(tx *store.Tx) error {
			for i := range n {
				p := purposes[i%len(purposes)]
				val := fmt.Sprintf("token-%d-%s", i, crand.Text())
				id, err := v.Put(ctx, tx, p, []byte(val))
				if err != nil {
					return err
				}
				want[id], purposeOf[id] = val, p
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := slices.Collect(maps.Keys(want))

		if got, err := v.RotateAll(ctx); err != nil || got != 0 {
			t.Fatalf("RotateAll with nothing to do = %d, %v", got, err)
		}
		if _, err := kr.Rotate(path); err != nil {
			t.Fatal(err)
		}

		// Readers run all through the rotation; none may see an error.
		stop := make(chan struct{})
		var reads, readErrs atomic.Int64
		var firstErr atomic.Value
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					id := ids[mrand.IntN(len(ids))]
					got, err := v.Get(ctx, db, id, purposeOf[id])
					if err == nil && string(got) != want[id] {
						err = fmt.Errorf("got %q, want %q", got, want[id])
					}
					if err != nil {
						readErrs.Add(1)
						firstErr.CompareAndSwap(nil, err)
					}
					reads.Add(1)
				}
			})
		}
		got, err := v.RotateAll(ctx)
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if got != n {
			t.Errorf("RotateAll rewrapped %d, want %d", got, n)
		}
		if readErrs.Load() != 0 {
			t.Errorf("%d of %d reads failed during rotation; first: %v", readErrs.Load(), reads.Load(), firstErr.Load())
		}
		t.Logf("%d reads during rotation", reads.Load())

		rows, err := db.Query(ctx, `SELECT id, ciphertext FROM secret_values`)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for rows.Next() {
			var id, ct string
			if err := rows.Scan(&id, &ct); err != nil {
				t.Fatal(err)
			}
			seen++
			if kid, err := KeyID(ct); err != nil || kid != kr.Primary() {
				t.Errorf("row %s KeyID = %d, %v; want %d", id, kid, err, kr.Primary())
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if seen != n {
			t.Errorf("%d rows, want %d", seen, n)
		}
		for id, val := range want {
			got, err := v.Get(ctx, db, id, purposeOf[id])
			if err != nil || string(got) != val {
				t.Fatalf("Get(%s) after rotation = %q, %v", id, got, err)
			}
		}
		counts, err := v.KeyCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(counts, map[uint32]int{2: n}) {
			t.Errorf("KeyCounts = %v, want {2: %d}", counts, n)
		}
		if got, err := v.RotateAll(ctx); err != nil || got != 0 {
			t.Errorf("second RotateAll = %d, %v; want 0, nil", got, err)
		}

		// The old key can now go: a keyring with only key 2 reads everything.
		only2 := keyringFrom(t, map[uint32][]byte{2: kr.state().keys[2]})
		v2 := NewVault(db, only2)
		for id, val := range want {
			if got, err := v2.Get(ctx, db, id, purposeOf[id]); err != nil || string(got) != val {
				t.Fatalf("Get(%s) without the old key = %q, %v", id, got, err)
			}
		}
	})
}

func TestVaultRotateAllSkipsBadRows(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "encryption.keys")
		kr, err := LoadOrCreateFile(path)
		if err != nil {
			t.Fatal(err)
		}
		v := NewVault(db, kr)
		for i := range 3 {
			if _, err := v.Put(ctx, db, "p", fmt.Appendf(nil, "v%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		now := store.Now()
		bad := map[string]string{
			store.NewID(): "not an envelope",
			store.NewID(): "v1.9.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		}
		for id, ct := range bad {
			if _, err := db.Exec(ctx, `INSERT INTO secret_values (id, purpose, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				id, "p", ct, now, now); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := kr.Rotate(path); err != nil {
			t.Fatal(err)
		}
		got, err := v.RotateAll(ctx)
		if got != 3 {
			t.Errorf("rewrapped %d, want 3", got)
		}
		if !errors.Is(err, ErrDecrypt) {
			t.Fatalf("err = %v, want ErrDecrypt", err)
		}
		for id := range bad {
			if !strings.Contains(err.Error(), id) {
				t.Errorf("error %q does not name bad row %s", err, id)
			}
		}
		counts, err := v.KeyCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[uint32]int{0: 1, 2: 3, 9: 1}; !maps.Equal(counts, want) {
			t.Errorf("KeyCounts = %v, want %v", counts, want)
		}
	})
}

// G4: the raw SQLite file and WAL never hold a token in plaintext. The
// positive control, written in plaintext on purpose, proves the scan would
// see one.
func TestVaultNoPlaintextOnDisk(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		if db.Path == "" {
			t.Skip("raw file scan applies to SQLite only")
		}
		ctx := context.Background()
		v := NewVault(db, testKeyring(t, 1))
		canary := "ya29.CANARY-" + crand.Text()
		canary2 := "1//CANARY2-" + crand.Text()
		control := "CONTROL-" + crand.Text()

		var ids []string
		for i := range 20 {
			id, err := v.Put(ctx, db, "drive.refresh_token", fmt.Appendf(nil, "%s-%d", canary, i))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		for _, id := range ids[:10] {
			if err := v.Replace(ctx, db, id, "drive.refresh_token", []byte(canary2)); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range ids[10:15] {
			if err := v.Delete(ctx, db, id); err != nil {
				t.Fatal(err)
			}
		}
		now := store.Now()
		if _, err := db.Exec(ctx, `INSERT INTO secret_values (id, purpose, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			store.NewID(), "control", control, now, now); err != nil {
			t.Fatal(err)
		}

		scan := func(stage string) {
			t.Helper()
			var all []byte
			for _, p := range []string{db.Path, db.Path + "-wal"} {
				b, err := os.ReadFile(p)
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			for _, c := range []string{canary, canary2, "CANARY"} {
				if bytes.Contains(all, []byte(c)) {
					t.Errorf("%s: database files contain plaintext %q", stage, c)
				}
			}
			if !bytes.Contains(all, []byte(control)) {
				t.Errorf("%s: scan did not find the plaintext control; the scan is blind", stage)
			}
		}
		scan("before checkpoint")
		if _, err := db.Exec(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		scan("after checkpoint")
	})
}
