package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testKeyring builds a keyring with a random key per id, bypassing ParseKeys.
func testKeyring(t testing.TB, ids ...uint32) *Keyring {
	t.Helper()
	keys := map[uint32][]byte{}
	for _, id := range ids {
		k, err := newRandomKey()
		if err != nil {
			t.Fatal(err)
		}
		keys[id] = k
	}
	return keyringFrom(t, keys)
}

func keyringFrom(t testing.TB, keys map[uint32][]byte) *Keyring {
	t.Helper()
	st, err := newState(keys)
	if err != nil {
		t.Fatal(err)
	}
	kr := &Keyring{}
	kr.st.Store(st)
	return kr
}

// key32 is a fixed key whose standard base64 contains '+' and '/', so the
// standard and URL-safe spellings differ.
var key32 = append(bytes.Repeat([]byte{0xfb, 0xef, 0xbe}, 5), bytes.Repeat([]byte{0xff}, 17)...)

var key32b = bytes.Repeat([]byte{0x42}, 32)

func TestParseKeysValid(t *testing.T) {
	std := base64.StdEncoding.EncodeToString(key32)
	url := base64.URLEncoding.EncodeToString(key32)
	if std == url {
		t.Fatal("test key should differ between std and URL base64")
	}
	other := base64.StdEncoding.EncodeToString(key32b)
	tests := []struct {
		name    string
		spec    string
		ids     []uint32
		primary uint32
	}{
		{"std padded", "1:" + std, []uint32{1}, 1},
		{"std raw", "1:" + strings.TrimRight(std, "="), []uint32{1}, 1},
		{"url padded", "7:" + url, []uint32{7}, 7},
		{"url raw", "7:" + strings.TrimRight(url, "="), []uint32{7}, 7},
		{"spaces", "  1 : " + std + " ,  2:" + other + "  ", []uint32{1, 2}, 2},
		{"highest is primary whatever the order", "9:" + std + ",3:" + other, []uint32{3, 9}, 9},
		{"largest id", "4294967295:" + std, []uint32{4294967295}, 4294967295},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKeys(tt.spec)
			if err != nil {
				t.Fatalf("ParseKeys: %v", err)
			}
			if got := kr.KeyIDs(); !slices.Equal(got, tt.ids) {
				t.Errorf("KeyIDs = %v, want %v", got, tt.ids)
			}
			if kr.Primary() != tt.primary {
				t.Errorf("Primary = %d, want %d", kr.Primary(), tt.primary)
			}
			if kr.FromFile() {
				t.Error("env keyring reports FromFile")
			}
		})
	}
}

func TestParseKeysErrors(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(key32)
	short := base64.StdEncoding.EncodeToString(key32[:16])
	long := base64.StdEncoding.EncodeToString(append(slices.Clone(key32), 1))
	zeros := base64.StdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name string
		spec string
		want string
	}{
		{"empty", "", "PLUTOPRO_ENCRYPTION_KEYS is empty"},
		{"blank", "   ", "PLUTOPRO_ENCRYPTION_KEYS is empty"},
		{"bare key", good, "PLUTOPRO_ENCRYPTION_KEYS: entry 1 has no ID"},
		{"empty entry", "1:" + good + ",,2:" + good, "entry 2 is empty"},
		{"trailing comma", "1:" + good + ",", "entry 2 is empty"},
		{"id zero", "0:" + good, "entry 1: key ID is not a positive integer"},
		{"id negative", "-1:" + good, "entry 1: key ID is not a positive integer"},
		{"id not a number", "one:" + good, "entry 1: key ID is not a positive integer"},
		{"key first", good + ":1", "entry 1: key ID is not a positive integer"},
		{"id too large", "4294967296:" + good, "entry 1: key ID is not a positive integer"},
		{"duplicate id", "2:" + good + ",2:" + base64.StdEncoding.EncodeToString(key32b), "PLUTOPRO_ENCRYPTION_KEYS: key 2 appears twice"},
		{"empty key", "1:", "PLUTOPRO_ENCRYPTION_KEYS: key 1 is not valid base64"},
		{"not base64", "1:" + good[:20] + "!!" + good[22:], "PLUTOPRO_ENCRYPTION_KEYS: key 1 is not valid base64"},
		{"16 bytes", "2:" + short, "PLUTOPRO_ENCRYPTION_KEYS: key 2 is 16 bytes, want 32"},
		{"33 bytes", "2:" + long, "PLUTOPRO_ENCRYPTION_KEYS: key 2 is 33 bytes, want 32"},
		{"all zeros", "1:" + zeros, "PLUTOPRO_ENCRYPTION_KEYS: key 1 is all zeros"},
		{"same key twice", "1:" + good + ",2:" + good, "is the same as key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kr, err := ParseKeys(tt.spec)
			if err == nil {
				t.Fatalf("ParseKeys succeeded: %v", kr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			for _, secret := range []string{good, good[:12], short, long, strings.TrimRight(good, "=")} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q contains key material", msg)
				}
			}
		})
	}
}

func TestKeyringRedacts(t *testing.T) {
	kr := keyringFrom(t, map[uint32][]byte{1: key32, 2: key32b})
	forbidden := []string{}
	for _, k := range [][]byte{key32, key32b} {
		forbidden = append(forbidden,
			base64.StdEncoding.EncodeToString(k)[:16],
			base64.URLEncoding.EncodeToString(k)[:16],
			base64.RawStdEncoding.EncodeToString(k)[:16],
			hex.EncodeToString(k)[:16],
			strings.Trim(fmt.Sprint(k), "[]")[:16],
			fmt.Sprintf("%q", k)[:12],
		)
	}
	type exported struct{ K *Keyring }
	type unexported struct{ k *Keyring }
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%X", "%q", "%T"} {
		outs = append(outs,
			fmt.Sprintf(verb, kr),
			fmt.Sprintf(verb, exported{kr}),
			fmt.Sprintf(verb, unexported{kr}),
			fmt.Sprintf(verb, []*Keyring{kr}),
		)
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("start", "keyring", kr)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("start", "keyring", kr)
	outs = append(outs, logBuf.String())
	js, err := json.Marshal(kr)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(js))
	for _, out := range outs {
		for _, f := range forbidden {
			if strings.Contains(out, f) {
				t.Errorf("output %q contains key material %q", out, f)
			}
		}
	}
	if s := kr.String(); !strings.Contains(s, "primary=2") || !strings.Contains(s, "[1 2]") {
		t.Errorf("String = %q, want key ids and primary", s)
	}
	if !strings.Contains(logBuf.String(), `"primary":2`) {
		t.Errorf("slog output lacks primary: %s", logBuf.String())
	}
}

func writeKeyFileForTest(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile is subject to umask
		t.Fatal(err)
	}
}

func TestLoadOrCreateFileCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "encryption.keys")
	kr, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !kr.FromFile() || kr.Primary() != 1 || !slices.Equal(kr.KeyIDs(), []uint32{1}) {
		t.Fatalf("new file keyring = %v", kr)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %04o, want 0600", fi.Mode().Perm())
	}
	ad := AD{Table: "t", Row: "r", Purpose: "p"}
	ct, err := kr.Seal([]byte("token"), ad)
	if err != nil {
		t.Fatal(err)
	}
	// Loading again must find the same key, not make a new one.
	again, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := again.Open(ct, ad); err != nil || string(pt) != "token" {
		t.Fatalf("reloaded keyring Open = %q, %v", pt, err)
	}
	assertNoTempFiles(t, filepath.Dir(path))
}

func TestLoadOrCreateFileRefuses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits on Windows")
	}
	good := "1:" + base64.StdEncoding.EncodeToString(key32) + "\n"
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
	}{
		{"world readable", good, 0o644, "chmod 600"},
		{"group readable", good, 0o640, "chmod 600"},
		{"others writable", good, 0o602, "chmod 600"},
		{"empty", "", 0o600, "holds no keys"},
		{"comments only", "# nothing\n\n", 0o600, "holds no keys"},
		{"bad line", "# keys\n\nnot-a-key\n", 0o600, "line 3 has no ID"},
		{"short key", "# keys\n2:" + base64.StdEncoding.EncodeToString(key32[:16]) + "\n", 0o600, "key 2 is 16 bytes, want 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "encryption.keys")
			writeKeyFileForTest(t, path, tt.content, tt.mode)
			kr, err := LoadOrCreateFile(path)
			if err == nil {
				t.Fatalf("LoadOrCreateFile succeeded: %v", kr)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), base64.StdEncoding.EncodeToString(key32)[:12]) {
				t.Errorf("error contains key material: %v", err)
			}
			// The refused file must be left alone, not replaced.
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Errorf("file was modified")
			}
		})
	}
	t.Run("directory", func(t *testing.T) {
		if _, err := LoadOrCreateFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("err = %v, want not a regular file", err)
		}
	})
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}

func TestRotateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption.keys")
	kr, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ad := AD{Table: "secret_values", Row: "row-1", Purpose: "shopify.access_token"}
	old, err := kr.Seal([]byte("old token"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if kr.NeedsRotation(old) {
		t.Error("NeedsRotation before rotating")
	}
	id, err := kr.Rotate(path)
	if err != nil {
		t.Fatal(err)
	}
	if id != 2 || kr.Primary() != 2 {
		t.Fatalf("Rotate = %d, primary %d; want 2", id, kr.Primary())
	}
	if pt, err := kr.Open(old, ad); err != nil || string(pt) != "old token" {
		t.Fatalf("old ciphertext after rotate: %q, %v", pt, err)
	}
	if !kr.NeedsRotation(old) {
		t.Error("old ciphertext does not need rotation")
	}
	fresh, err := kr.Seal([]byte("new token"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := KeyID(fresh); err != nil || got != 2 {
		t.Errorf("KeyID(new) = %d, %v; want 2", got, err)
	}
	if kr.NeedsRotation(fresh) {
		t.Error("new ciphertext needs rotation")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("rotated key file mode = %04o, want 0600", fi.Mode().Perm())
	}
	assertNoTempFiles(t, filepath.Dir(path))

	// A restart reads both keys from the file.
	reloaded, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reloaded.KeyIDs(), []uint32{1, 2}) || reloaded.Primary() != 2 {
		t.Fatalf("reloaded = %v", reloaded)
	}
	for _, c := range []string{old, fresh} {
		if _, err := reloaded.Open(c, ad); err != nil {
			t.Errorf("reloaded Open: %v", err)
		}
	}

	if _, err := kr.Rotate(filepath.Join(t.TempDir(), "elsewhere.keys")); err == nil {
		t.Error("Rotate to a different path succeeded")
	}
}

func TestRotateEnvKeyring(t *testing.T) {
	kr, err := ParseKeys("1:" + base64.StdEncoding.EncodeToString(key32))
	if err != nil {
		t.Fatal(err)
	}
	if kr.FromFile() {
		t.Error("FromFile = true for env keyring")
	}
	if _, err := kr.Rotate(filepath.Join(t.TempDir(), "k")); !errors.Is(err, ErrNotFileKeyring) {
		t.Errorf("Rotate err = %v, want ErrNotFileKeyring", err)
	}
}

// Two processes share a key file: one rotates (the CLI), the other (the
// server) must open values sealed with the new key and must not lose keys
// when it rotates in turn.
func TestRotateAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption.keys")
	server, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Rotate(path); err != nil {
		t.Fatal(err)
	}
	ad := AD{Table: "t", Row: "r", Purpose: "p"}
	ct, err := cli.Seal([]byte("x"), ad)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := server.Open(ct, ad); err != nil || string(pt) != "x" {
		t.Fatalf("server Open of a value sealed with the CLI's new key: %q, %v", pt, err)
	}
	if server.Primary() != 2 {
		t.Errorf("server primary after reload = %d, want 2", server.Primary())
	}
	if id, err := server.Rotate(path); err != nil || id != 3 {
		t.Fatalf("server Rotate = %d, %v; want 3", id, err)
	}
	final, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(final.KeyIDs(), []uint32{1, 2, 3}) {
		t.Errorf("key ids on disk = %v, want [1 2 3]", final.KeyIDs())
	}
}

func TestRotateWhileSealing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "encryption.keys")
	kr, err := LoadOrCreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ad := AD{Table: "t", Row: "r", Purpose: "p"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 4 {
		wg.Go(func() {
			for range 300 {
				ct, err := kr.Seal([]byte("v"), ad)
				if err == nil {
					_, err = kr.Open(ct, ad)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 5 {
		if _, err := kr.Rotate(path); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if kr.Primary() != 6 {
		t.Errorf("primary = %d, want 6", kr.Primary())
	}
}
