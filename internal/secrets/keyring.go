// Package secrets encrypts small secrets (OAuth access and refresh tokens,
// API keys of connected services) before they reach the database, so a
// database dump, a backup or the SQLite WAL never holds them in plaintext.
//
// A Keyring holds numbered AES-256 keys. The highest-numbered key is the
// primary: every Seal uses it, and Open accepts any key still in the ring, so
// keys can be rotated without downtime: add a newer key, re-encrypt the stored
// values (Vault.RotateAll), then remove the old key.
//
// Keys come from PLUTOPRO_ENCRYPTION_KEYS (ParseKeys) or, for the embedded
// single-machine default, from a 0600 key file in the data directory
// (LoadOrCreateFile). Key material is never printed: Keyring redacts itself
// in fmt, %#v and slog.
package secrets

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// EnvKeys names the environment variable that holds the keys when they are
// managed outside the data directory (secret manager, orchestrator secret).
const EnvKeys = "PLUTOPRO_ENCRYPTION_KEYS"

// KeySize is the length in bytes of every key: AES-256.
const KeySize = 32

// ErrNotFileKeyring is returned by Rotate for a keyring that came from the
// environment: the process cannot add a key to its own environment, so the
// operator rotates by adding a newer ID:KEY entry and restarting.
var ErrNotFileKeyring = errors.New("secrets: keyring comes from " + EnvKeys + "; rotate by adding a newer ID:KEY entry to it")

// hkdfInfo labels the AES key derived from each master key. Deriving instead
// of using the configured bytes directly means any later use of the same
// master keys (say, an HMAC for blind indexes) gets an independent key, and
// an operator who reuses a key elsewhere does not hand out our AES key.
const hkdfInfo = "plutopro secrets v1 AES-256-GCM"

// reloadEvery bounds how often Open re-reads the key file after meeting an
// unknown key id, so a burst of bad ciphertexts cannot turn into a burst of
// file reads.
const reloadEvery = time.Second

// Keyring holds numbered AES-256-GCM keys and knows which one is primary.
// It is safe for concurrent use; Rotate swaps in a new set of keys atomically
// while Seal and Open run.
type Keyring struct {
	// st is swapped whole, never mutated, so readers need no lock. It sits
	// behind a pointer so that even printing a Keyring value by reflection
	// shows an address, never key bytes.
	st atomic.Pointer[ringState]

	path string // key file, empty for an env keyring

	mu         sync.Mutex // serialises Rotate and reload
	lastReload time.Time
}

// ringState is one immutable version of the keyring.
type ringState struct {
	primary uint32
	keys    map[uint32][]byte // master keys as configured, needed to rewrite the file
	aeads   map[uint32]cipher.AEAD
}

func newState(keys map[uint32][]byte) (*ringState, error) {
	if len(keys) == 0 {
		return nil, errors.New("secrets: keyring has no keys")
	}
	st := &ringState{keys: make(map[uint32][]byte, len(keys)), aeads: make(map[uint32]cipher.AEAD, len(keys))}
	for id, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secrets: key %d is %d bytes, want %d", id, len(k), KeySize)
		}
		sub, err := hkdf.Key(sha256.New, k, nil, hkdfInfo, KeySize)
		if err != nil {
			return nil, fmt.Errorf("secrets: derive key %d: %w", id, err)
		}
		block, err := aes.NewCipher(sub)
		if err != nil {
			return nil, fmt.Errorf("secrets: key %d: %w", id, err)
		}
		// Plain NewGCM with our own random nonces: NewGCMWithRandomNonce is
		// refused by boringcrypto builds.
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: key %d: %w", id, err)
		}
		st.keys[id] = slices.Clone(k)
		st.aeads[id] = aead
		st.primary = max(st.primary, id)
	}
	return st, nil
}

func (k *Keyring) state() *ringState {
	st := k.st.Load()
	if st == nil {
		// A zero Keyring: fail loudly rather than encrypt with nothing.
		panic("secrets: use of a Keyring not made by ParseKeys or LoadOrCreateFile")
	}
	return st
}

// Primary returns the id of the key that Seal uses: the highest id.
func (k *Keyring) Primary() uint32 { return k.state().primary }

// KeyIDs returns the ids of all keys in the ring, ascending. Ids are not
// secret; they are what an operator needs to see to follow a rotation.
func (k *Keyring) KeyIDs() []uint32 { return slices.Sorted(maps.Keys(k.state().keys)) }

// FromFile reports whether the keys came from a key file (LoadOrCreateFile),
// in which case Rotate can add a key; env keyrings are rotated by the operator.
func (k *Keyring) FromFile() bool { return k.path != "" }

// String describes the keyring without key material, so a keyring that ends up
// in a log line or error message leaks nothing.
func (k *Keyring) String() string {
	if k == nil || k.st.Load() == nil {
		return "secrets.Keyring(empty)"
	}
	return fmt.Sprintf("secrets.Keyring(source=%s keys=%v primary=%d)", k.source(), k.KeyIDs(), k.Primary())
}

// GoString redacts %#v the same way String redacts %v.
func (k *Keyring) GoString() string { return k.String() }

// Format makes every fmt verb (%d and %x included, which would otherwise
// walk the struct) print the redacted String.
func (k *Keyring) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue gives slog the key ids and source, never the keys.
func (k *Keyring) LogValue() slog.Value {
	if k == nil || k.st.Load() == nil {
		return slog.StringValue("empty")
	}
	ids := k.KeyIDs()
	ints := make([]int64, len(ids))
	for i, id := range ids {
		ints[i] = int64(id)
	}
	return slog.GroupValue(
		slog.String("source", k.source()),
		slog.Any("key_ids", ints),
		slog.Int64("primary", int64(k.Primary())),
	)
}

func (k *Keyring) source() string {
	if k.FromFile() {
		return "file"
	}
	return "env"
}

// ParseKeys parses the value of PLUTOPRO_ENCRYPTION_KEYS:
// ID:BASE64KEY[,ID:BASE64KEY...], each key exactly 32 bytes in standard or
// URL-safe base64 (padded or not), each ID a positive integer. The highest ID
// is the primary. Errors name the variable and the key id but never echo key
// material, so they are safe to print at startup.
func ParseKeys(spec string) (*Keyring, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New(EnvKeys + " is empty; want ID:BASE64KEY[,ID:BASE64KEY...]")
	}
	keys, err := parseEntries(strings.Split(spec, ","), func(n int) string { return fmt.Sprintf("%s: entry %d", EnvKeys, n) }, EnvKeys)
	if err != nil {
		return nil, err
	}
	st, err := newState(keys)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvKeys, err)
	}
	k := &Keyring{}
	k.st.Store(st)
	return k, nil
}

// parseEntries parses ID:BASE64KEY entries. where(n) names entry n (1-based)
// for errors about an entry whose id is unknown; label prefixes the others.
func parseEntries(entries []string, where func(int) string, label string) (map[uint32][]byte, error) {
	keys := make(map[uint32][]byte, len(entries))
	for i, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, fmt.Errorf("%s is empty; want ID:BASE64KEY", where(i+1))
		}
		idText, b64, ok := strings.Cut(e, ":")
		if !ok {
			// Do not echo the entry: it is probably a bare key.
			return nil, fmt.Errorf("%s has no ID; want ID:BASE64KEY", where(i+1))
		}
		id, err := strconv.ParseUint(strings.TrimSpace(idText), 10, 32)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("%s: key ID is not a positive integer below 2^32", where(i+1))
		}
		if _, dup := keys[uint32(id)]; dup {
			return nil, fmt.Errorf("%s: key %d appears twice", label, id)
		}
		key, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("%s: key %d is not valid base64", label, id)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("%s: key %d is %d bytes, want %d", label, id, len(key), KeySize)
		}
		if subtle.ConstantTimeCompare(key, make([]byte, KeySize)) == 1 {
			return nil, fmt.Errorf("%s: key %d is all zeros", label, id)
		}
		for other, prev := range keys {
			// A copied key under a new id would make a rotation that
			// changes nothing; catch the paste mistake.
			if subtle.ConstantTimeCompare(key, prev) == 1 {
				return nil, fmt.Errorf("%s: key %d is the same as key %d", label, id, other)
			}
		}
		keys[uint32(id)] = key
	}
	return keys, nil
}

// decodeKey accepts the four common base64 spellings, because operators paste
// keys from `openssl rand -base64 32` and from URL-safe generators alike.
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	var lastErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.Strict().DecodeString(s)
		if err == nil {
			return b, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// newRandomKey returns a fresh key from crypto/rand.
func newRandomKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secrets: generate key: %w", err)
	}
	return key, nil
}

// LoadOrCreateFile loads the key file at path, the embedded default when
// PLUTOPRO_ENCRYPTION_KEYS is not set. The file holds one ID:BASE64KEY per
// line (blank lines and # comments allowed). If it does not exist it is
// created, mode 0600, with one random key, and synced to disk before any
// value is sealed with it, since losing the key loses every stored token.
// A file that group or others may read or write is refused: the keys are
// the only thing keeping a copied database from revealing its tokens.
func LoadOrCreateFile(path string) (*Keyring, error) {
	if path == "" {
		return nil, errors.New("secrets: no key file path")
	}
	keys, err := readKeyFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
		keys, err = readKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	st, err := newState(keys)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	k := &Keyring{path: path}
	k.st.Store(st)
	return k, nil
}

// readKeyFile reads and checks a key file. A missing file is reported with
// an error matching os.ErrNotExist.
func readKeyFile(path string) (map[uint32][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	// Windows has no Unix permission bits to check; its ACLs are set by the
	// data directory.
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %04o, readable or writable by group or others; run: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	var entries []string
	var lines []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		entries = append(entries, line)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("key file %s holds no keys; restore it from backup (or delete it only if nothing was ever encrypted)", path)
	}
	label := "key file " + path
	return parseEntries(entries, func(i int) string { return fmt.Sprintf("%s line %d", label, lines[i-1]) }, label)
}

const keyFileHeader = `# PlutoPro encryption keys: one ID:BASE64KEY per line; the highest ID encrypts.
# Back this file up together with the database: without it, stored tokens
# cannot be decrypted. Keep it mode 0600. Never commit it.
`

func formatKeyFile(keys map[uint32][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(keyFileHeader)
	for _, id := range slices.Sorted(maps.Keys(keys)) {
		fmt.Fprintf(&b, "%d:%s\n", id, base64.StdEncoding.EncodeToString(keys[id]))
	}
	return b.Bytes()
}

// createKeyFile makes a new key file with one random key. It writes a temp
// file and hard-links it into place, which fails if another process created
// the file first, so two processes starting at once cannot each seal with a
// key the other then overwrites.
func createKeyFile(path string) error {
	key, err := newRandomKey()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	tmp, err := writeTemp(path, formatKeyFile(map[uint32][]byte{1: key}))
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil // someone else won; use theirs
		}
		// Filesystems without hard links: exclusive create, write, sync.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("key file: %w", err)
		}
		_, werr := f.Write(formatKeyFile(map[uint32][]byte{1: key}))
		serr := f.Sync()
		cerr := f.Close()
		if err := errors.Join(werr, serr, cerr); err != nil {
			os.Remove(path)
			return fmt.Errorf("key file: %w", err)
		}
	}
	syncDir(filepath.Dir(path))
	return nil
}

// writeTemp writes data to a new 0600 file next to path, synced, and returns
// its name.
func writeTemp(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	name := f.Name()
	// CreateTemp already uses 0600; Chmod guards against an odd umask-less
	// platform default.
	err = errors.Join(f.Chmod(0o600), write(f, data), f.Sync(), f.Close())
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("key file: %w", err)
	}
	return name, nil
}

func write(w io.Writer, b []byte) error { _, err := w.Write(b); return err }

// syncDir makes a rename or link in dir durable. Some platforms cannot sync a
// directory; that is not worth failing over, the file itself is synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Sync()
}

// Rotate adds a new random key with id max+1, makes it primary, and rewrites
// the key file atomically (temp file, fsync, rename; mode 0600) before the new
// key is used, so nothing is ever sealed with a key that is not on disk. It
// returns the new key id. path must be the file the keyring was loaded from.
//
// Keys another process added to the file meanwhile are kept, so a CLI
// rotation and a running server do not drop each other's keys. Old keys stay
// in the ring so existing ciphertexts still open; re-encrypt them with
// Vault.RotateAll. An env keyring returns ErrNotFileKeyring.
func (k *Keyring) Rotate(path string) (uint32, error) {
	if !k.FromFile() {
		return 0, ErrNotFileKeyring
	}
	if !samePath(path, k.path) {
		return 0, fmt.Errorf("secrets: keyring was loaded from %s, not %s", k.path, path)
	}
	k.mu.Lock()
	defer k.mu.Unlock()

	keys := maps.Clone(k.state().keys)
	onDisk, err := readKeyFile(k.path)
	if err != nil {
		return 0, err
	}
	for id, key := range onDisk {
		if have, ok := keys[id]; ok && subtle.ConstantTimeCompare(have, key) != 1 {
			return 0, fmt.Errorf("secrets: key %d in %s differs from the key in memory; refusing to rotate", id, k.path)
		}
		keys[id] = key
	}
	newID := slices.Max(slices.Collect(maps.Keys(keys))) + 1
	if newID == 0 {
		return 0, errors.New("secrets: key ids exhausted")
	}
	key, err := newRandomKey()
	if err != nil {
		return 0, err
	}
	keys[newID] = key
	st, err := newState(keys)
	if err != nil {
		return 0, err
	}
	tmp, err := writeTemp(k.path, formatKeyFile(keys))
	if err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, k.path); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("key file: %w", err)
	}
	syncDir(filepath.Dir(k.path))
	k.st.Store(st)
	return newID, nil
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// reload re-reads the key file after Open met a key id it does not know:
// another process (a `plutopro` CLI rotation) may have added it. It returns
// whether the ring changed. Keys already in memory are never dropped, so a
// reload cannot make a readable value unreadable.
func (k *Keyring) reload() bool {
	if !k.FromFile() {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if time.Since(k.lastReload) < reloadEvery {
		return false
	}
	k.lastReload = time.Now()
	onDisk, err := readKeyFile(k.path)
	if err != nil {
		return false
	}
	cur := k.state()
	keys := maps.Clone(cur.keys)
	changed := false
	for id, key := range onDisk {
		if have, ok := keys[id]; ok {
			if subtle.ConstantTimeCompare(have, key) != 1 {
				return false // a conflicting file: keep what we trust
			}
			continue
		}
		keys[id] = key
		changed = true
	}
	if !changed {
		return false
	}
	st, err := newState(keys)
	if err != nil {
		return false
	}
	k.st.Store(st)
	return true
}
