package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrDecrypt is the one error Open returns for anything it cannot vouch for:
// a tampered or truncated ciphertext, a ciphertext moved to another row,
// table or purpose, an edited key id, an unknown key, a malformed envelope.
// Callers treat the value as absent (ask the user to reconnect); they never
// get partial plaintext.
var ErrDecrypt = errors.New("secrets: cannot decrypt")

// errIncompleteAD is a programming error, kept apart from ErrDecrypt so it is
// not mistaken for a bad stored value.
var errIncompleteAD = errors.New("secrets: AD needs Table, Row and Purpose")

// version is the envelope format; it is also bound into the associated data,
// so a future format cannot be downgraded into this one.
const version = "v1"

const (
	nonceSize = 12 // 96-bit GCM nonce, random per message
	tagSize   = 16
)

// b64 is strict so that a ciphertext has exactly one spelling: without
// Strict, changing the unused low bits of the last character would decode to
// the same bytes and a "tampered" value would still open.
var b64 = base64.RawURLEncoding.Strict()

// AD is the context a ciphertext belongs to. It is authenticated (not
// encrypted) along with the ciphertext, so a value copied to another row,
// table or purpose does not decrypt. All three fields are required.
type AD struct {
	Table   string // table holding the value, e.g. "secret_values"
	Row     string // primary key of the row
	Purpose string // what the value is, e.g. "shopify.access_token"
}

// encode lays out the associated data with a length before every variable
// field, so no two different (version, key id, AD) tuples share an encoding:
// with plain concatenation, Row "a|b" + Purpose "c" would equal Row "a" +
// Purpose "b|c".
func (ad AD) encode(keyID uint32) []byte {
	b := make([]byte, 0, 32+len(ad.Table)+len(ad.Row)+len(ad.Purpose))
	b = appendField(b, "plutopro/secrets")
	b = appendField(b, version)
	b = binary.BigEndian.AppendUint32(b, keyID)
	b = appendField(b, ad.Table)
	b = appendField(b, ad.Row)
	b = appendField(b, ad.Purpose)
	return b
}

func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func (ad AD) complete() bool { return ad.Table != "" && ad.Row != "" && ad.Purpose != "" }

// Seal encrypts plaintext under the primary key, bound to ad, and returns a
// text envelope safe for a TEXT column: v1.<keyid>.<base64url(nonce|ct|tag)>.
// Each call draws a fresh random nonce, so sealing the same value twice gives
// different envelopes.
func (k *Keyring) Seal(plaintext []byte, ad AD) (string, error) {
	if !ad.complete() {
		return "", errIncompleteAD
	}
	st := k.state()
	id := st.primary
	aead := st.aeads[id]
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+tagSize)
	// A random nonce, not a counter: a counter resets on restart and across
	// processes sharing the key, and one repeat under GCM leaks the XOR of
	// two plaintexts and the authentication key.
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	buf = aead.Seal(buf, buf[:nonceSize], plaintext, ad.encode(id))
	return version + "." + strconv.FormatUint(uint64(id), 10) + "." + b64.EncodeToString(buf), nil
}

// Open decrypts an envelope made by Seal with the same ad. Every failure is
// ErrDecrypt (wrapped with a short reason for logs) and returns nil.
//
// For a file keyring, an unknown key id makes Open re-read the key file once
// (at most once a second), so a key added by another process, such as a
// rotation run from the CLI, is picked up without a restart.
func (k *Keyring) Open(ciphertext string, ad AD) ([]byte, error) {
	if !ad.complete() {
		return nil, errIncompleteAD
	}
	id, raw, err := parse(ciphertext)
	if err != nil {
		return nil, err
	}
	aead, ok := k.state().aeads[id]
	if !ok && k.reload() {
		aead, ok = k.state().aeads[id]
	}
	if !ok {
		return nil, fmt.Errorf("%w: unknown key %d", ErrDecrypt, id)
	}
	pt, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], ad.encode(id))
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed", ErrDecrypt)
	}
	if pt == nil {
		pt = []byte{} // an empty secret opens as empty, not as "absent"
	}
	return pt, nil
}

// KeyID returns the id of the key that sealed ciphertext, without decrypting
// it (and so without proving it genuine). Use it to count values per key
// during a rotation. A malformed envelope gives an error matching ErrDecrypt.
func KeyID(ciphertext string) (uint32, error) {
	id, _, err := parse(ciphertext)
	return id, err
}

// NeedsRotation reports whether ciphertext is a well-formed envelope sealed
// under a key other than the primary, that is, whether re-sealing it would
// move it to the primary key. A malformed envelope reports false: there is
// nothing to re-seal, and Open will report it.
func (k *Keyring) NeedsRotation(ciphertext string) bool {
	id, err := KeyID(ciphertext)
	return err == nil && id != k.Primary()
}

// parse splits an envelope into key id and raw nonce|ct|tag. It accepts only
// the canonical spelling Seal produces (no leading zeros, no padding, no
// whitespace, strict base64), so the envelope text is not malleable.
func parse(s string) (uint32, []byte, error) {
	malformed := func() (uint32, []byte, error) {
		return 0, nil, fmt.Errorf("%w: malformed envelope", ErrDecrypt)
	}
	rest, ok := strings.CutPrefix(s, version+".")
	if !ok {
		return malformed()
	}
	idText, body, ok := strings.Cut(rest, ".")
	if !ok || idText == "" || len(idText) > 10 || idText[0] == '0' {
		return malformed()
	}
	id64, err := strconv.ParseUint(idText, 10, 32)
	if err != nil || id64 == 0 {
		return malformed()
	}
	// The decoder skips \r and \n even in strict mode; refuse anything that
	// is not in the alphabet before decoding.
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return malformed()
		}
	}
	if b64.DecodedLen(len(body)) < nonceSize+tagSize {
		return malformed()
	}
	raw, err := b64.DecodeString(body)
	if err != nil || len(raw) < nonceSize+tagSize {
		return malformed()
	}
	return uint32(id64), raw, nil
}
