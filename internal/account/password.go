package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/plutopro/plutopro/internal/apperr"
)

// argon2id parameters: OWASP's floor (19 MiB, t=2, p=1).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16

	// MinPasswordLen and MaxPasswordLen bound a password (in characters); no
	// composition rules, no truncation.
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// hashSlots bounds concurrent argon2 computations: each takes 19 MiB, and a
// burst of sign-ins must not exhaust memory.
var hashSlots = make(chan struct{}, 4)

func acquireHashSlot(ctx context.Context) error {
	select {
	case hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return apperr.Wrap(apperr.TooManyRequests, ctx.Err(), "The server is busy; please try again in a moment.")
	}
}

func releaseHashSlot() { <-hashSlots }

// HashPassword returns an argon2id hash in PHC string form.
func HashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("account: salt: %w", err)
	}
	if err := acquireHashSlot(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	releaseHashSlot()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("account: malformed password hash")

// VerifyPassword reports whether password matches the PHC hash. Hashes with
// absurd parameters are refused rather than computed.
func VerifyPassword(ctx context.Context, hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	if m < 8*1024 || m > 256*1024 || t < 1 || t > 10 || p < 1 || p > 8 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errBadHash
	}
	if err := acquireHashSlot(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	releaseHashSlot()
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when an email is unknown, so a sign-in takes
// as long whether or not the account exists.
var dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0bS7m4tCqBQfO6f0I9Q+qk9mZQ0mP8pX9xkQ8lQk1Rg"

// CheckPasswordPolicy returns a user-facing error when password is unacceptable.
func CheckPasswordPolicy(password, email, name string) error {
	if !utf8.ValidString(password) {
		return apperr.E(apperr.Invalid, "The password contains invalid characters.")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return apperr.E(apperr.Invalid, "Choose a password of at least %d characters.", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return apperr.E(apperr.Invalid, "Choose a password of at most %d characters.", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	if commonPasswords[lower] {
		return apperr.E(apperr.Invalid, "That password is one of the most common ones; choose another.")
	}
	if email != "" && strings.EqualFold(password, email) {
		return apperr.E(apperr.Invalid, "The password must not be your email address.")
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 4 && lower == local {
		return apperr.E(apperr.Invalid, "The password must not be your email address.")
	}
	return nil
}

// commonPasswords holds the most common leaked passwords of 8+ characters.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`12345678 123456789 1234567890 password password1 password12 password123
		qwertyuiop qwerty123 qwerty12 11111111 00000000 12341234 87654321 iloveyou1 iloveyou
		abc12345 abcd1234 1q2w3e4r 1qaz2wsx zaq12wsx sunshine princess football baseball
		welcome1 welcome123 letmein1 trustno1 passw0rd p@ssw0rd p@ssword admin123 administrator
		changeme changeme1 superman batman123 dragon123 monkey123 starwars whatever
		qwertyui asdfghjkl asdfasdf 123123123 111111111 1111111111 987654321 123qweasd
		q1w2e3r4 q1w2e3r4t5 1q2w3e4r5t michelle jennifer computer internet shopping
		plutopro plutopro1 password! 12345678910 myspace1 charlie1 jordan23 liverpool
		chelsea1 arsenal1 freedom1 master12 killer12 hello123 secret123 summer2024 winter2024`) {
		m[p] = true
	}
	return m
}()
