// Package account owns users, accounts (the tenants), memberships and roles,
// sign-in with passwords, sessions, API tokens, invitations and password
// reset.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/apperr"
	mailpkg "github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// User is a person who signs in.
type User struct {
	ID        string
	Email     string
	Name      string
	CreatedAt time.Time
}

// Account is a tenant: brands and everything below them belong to one.
type Account struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Membership is a user's role in an account.
type Membership struct {
	Account Account
	Role    tenant.Role
}

// Service is the account service.
type Service struct {
	db     *store.DB
	outbox *mailpkg.Outbox
	// BaseURL is the public URL used in links sent by email.
	BaseURL string
	// Now is the clock (tests move it).
	Now func() time.Time
	// Throttle configures sign-in throttling.
	Throttle ThrottleConfig
}

// NewService returns the account service.
func NewService(db *store.DB, outbox *mailpkg.Outbox, baseURL string) *Service {
	return &Service{db: db, outbox: outbox, BaseURL: strings.TrimRight(baseURL, "/"), Now: store.Now, Throttle: DefaultThrottle}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// NormalizeEmail lower-cases and trims an email and checks its form.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	if e == "" {
		return "", apperr.E(apperr.Invalid, "Enter your email address.")
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 || !strings.Contains(e[strings.LastIndex(e, "@"):], ".") {
		return "", apperr.E(apperr.Invalid, "%q is not a valid email address.", truncateRunes(email, 80))
	}
	return e, nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.E(apperr.Invalid, "Enter your name.")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n\x00") {
		return "", apperr.E(apperr.Invalid, "Names are at most 100 characters on one line.")
	}
	return name, nil
}

// SignUpInput is what the sign-up form collects.
type SignUpInput struct {
	Name     string
	Email    string
	Password string
	// AgeConfirmed is the person's confirmation that they are 16 or older
	// (PlutoPro is not for under-16s).
	AgeConfirmed bool
	// AccountName names the new account; defaults to the user's name.
	AccountName string
}

// SignUp creates a user and a new account with the user as owner.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (*User, *Account, error) {
	if !in.AgeConfirmed {
		return nil, nil, apperr.E(apperr.Invalid, "PlutoPro is only for people aged 16 or older; please confirm your age.")
	}
	name, err := checkName(in.Name)
	if err != nil {
		return nil, nil, err
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, nil, err
	}
	if err := CheckPasswordPolicy(in.Password, email, name); err != nil {
		return nil, nil, err
	}
	hash, err := HashPassword(ctx, in.Password)
	if err != nil {
		return nil, nil, err
	}
	accountName := strings.TrimSpace(in.AccountName)
	if accountName == "" {
		accountName = name
	}
	if accountName, err = checkName(accountName); err != nil {
		return nil, nil, err
	}
	now := s.now()
	u := &User{ID: store.NewID(), Email: email, Name: name, CreatedAt: now}
	a := &Account{ID: store.NewID(), Name: accountName, CreatedAt: now}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, password_hash, age_confirmed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, hash, now, now, now); err != nil {
			if store.IsUniqueViolation(err) {
				return apperr.E(apperr.Conflict, "An account with this email already exists. Sign in, or reset your password.")
			}
			return fmt.Errorf("account: insert user: %w", err)
		}
		return s.createAccountTx(ctx, tx, a, u.ID)
	})
	if err != nil {
		return nil, nil, err
	}
	return u, a, nil
}

func (s *Service) createAccountTx(ctx context.Context, tx *store.Tx, a *Account, ownerID string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		a.ID, a.Name, a.CreatedAt, a.CreatedAt); err != nil {
		return fmt.Errorf("account: insert account: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`,
		a.ID, ownerID, tenant.Owner, a.CreatedAt); err != nil {
		return fmt.Errorf("account: insert membership: %w", err)
	}
	return nil
}

// UserByEmail returns the user with that email.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	return s.userWhere(ctx, "email = ?", e)
}

// UserByID returns the user with that id.
func (s *Service) UserByID(ctx context.Context, id string) (*User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

func (s *Service) userWhere(ctx context.Context, where string, arg any) (*User, error) {
	var u User
	err := s.db.QueryRow(ctx, `SELECT id, email, name, created_at FROM users WHERE `+where, arg).
		Scan(&u.ID, &u.Email, &u.Name, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Wrap(apperr.NotFound, store.ErrNotFound, "No such user.")
	}
	if err != nil {
		return nil, fmt.Errorf("account: load user: %w", err)
	}
	return &u, nil
}

// Memberships lists the accounts a user belongs to, oldest first.
func (s *Service) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	rows, err := s.db.Query(ctx, `SELECT a.id, a.name, a.created_at, m.role FROM memberships m
		JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ? ORDER BY m.created_at, a.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("account: memberships: %w", err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		var role string
		if err := rows.Scan(&m.Account.ID, &m.Account.Name, &m.Account.CreatedAt, &role); err != nil {
			return nil, fmt.Errorf("account: scan membership: %w", err)
		}
		m.Role = tenant.Role(role)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Scope returns the scope of userID acting in accountID, or NotFound when
// the user is not a member.
func (s *Service) Scope(ctx context.Context, userID, accountID string) (tenant.Scope, error) {
	var role string
	err := s.db.QueryRow(ctx, `SELECT role FROM memberships WHERE user_id = ? AND account_id = ?`, userID, accountID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant.Scope{}, apperr.E(apperr.NotFound, "Account not found.")
	}
	if err != nil {
		return tenant.Scope{}, fmt.Errorf("account: load role: %w", err)
	}
	return tenant.Scope{AccountID: accountID, UserID: userID, Role: tenant.Role(role)}, nil
}

// DefaultScope returns the scope of the user's first (oldest) account.
func (s *Service) DefaultScope(ctx context.Context, userID string) (tenant.Scope, error) {
	ms, err := s.Memberships(ctx, userID)
	if err != nil {
		return tenant.Scope{}, err
	}
	if len(ms) == 0 {
		return tenant.Scope{}, apperr.E(apperr.NotFound, "This user belongs to no account.")
	}
	return tenant.Scope{AccountID: ms[0].Account.ID, UserID: userID, Role: ms[0].Role}, nil
}

// AccountByID returns an account the scope may see.
func (s *Service) AccountByID(ctx context.Context, sc tenant.Scope) (*Account, error) {
	var a Account
	err := s.db.QueryRow(ctx, `SELECT id, name, created_at FROM accounts WHERE id = ?`, sc.AccountID).Scan(&a.ID, &a.Name, &a.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.NotFound, "Account not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("account: load account: %w", err)
	}
	return &a, nil
}

// RenameAccount changes the account's name (owner only).
func (s *Service) RenameAccount(ctx context.Context, sc tenant.Scope, name string) error {
	if err := sc.Require(tenant.ManageAccount); err != nil {
		return err
	}
	name, err := checkName(name)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE accounts SET name = ?, updated_at = ? WHERE id = ?`, name, s.now(), sc.AccountID)
	return err
}

// UpdateProfile changes the user's own name.
func (s *Service) UpdateProfile(ctx context.Context, userID, name string) error {
	name, err := checkName(name)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE users SET name = ?, updated_at = ? WHERE id = ?`, name, s.now(), userID)
	return err
}

// ChangePassword checks the current password, sets the new one and ends every
// other session of the user. keepSession is the raw token of the session to keep ("" for none).
func (s *Service) ChangePassword(ctx context.Context, userID, current, next, keepSession string) error {
	var email, name, hash string
	if err := s.db.QueryRow(ctx, `SELECT email, name, password_hash FROM users WHERE id = ?`, userID).Scan(&email, &name, &hash); err != nil {
		return fmt.Errorf("account: load user: %w", err)
	}
	ok, err := VerifyPassword(ctx, hash, current)
	if err != nil && !errors.Is(err, errBadHash) {
		return err
	}
	if !ok {
		return apperr.E(apperr.Invalid, "Your current password is not correct.")
	}
	if err := CheckPasswordPolicy(next, email, name); err != nil {
		return err
	}
	return s.setPassword(ctx, userID, next, keepSession)
}

func (s *Service) setPassword(ctx context.Context, userID, password, keepSession string) error {
	newHash, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, newHash, s.now(), userID); err != nil {
			return fmt.Errorf("account: set password: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, hashToken(keepSession)); err != nil {
			return fmt.Errorf("account: end sessions: %w", err)
		}
		return nil
	})
}

// newToken returns a random token with a prefix, and its hash for storage.
func newToken(prefix string) (raw, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	raw = prefix + base64.RawURLEncoding.EncodeToString(b)
	return raw, hashToken(raw)
}

// hashToken is how tokens are stored: a SHA-256, since they are 256-bit random
// values no one can guess (unlike passwords, they need no slow hash).
func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// AddUser creates a user with an account of their own, as an operator does
// from the command line. An empty password leaves the user unable to sign in
// until they reset it.
func (s *Service) AddUser(ctx context.Context, email, name, password string) (*User, *Account, error) {
	name, err := checkName(name)
	if err != nil {
		return nil, nil, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, nil, err
	}
	hash := ""
	if password != "" {
		if err := CheckPasswordPolicy(password, e, name); err != nil {
			return nil, nil, err
		}
		if hash, err = HashPassword(ctx, password); err != nil {
			return nil, nil, err
		}
	}
	now := s.now()
	u := &User{ID: store.NewID(), Email: e, Name: name, CreatedAt: now}
	a := &Account{ID: store.NewID(), Name: name, CreatedAt: now}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO users (id, email, name, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, hash, now, now); err != nil {
			if store.IsUniqueViolation(err) {
				return apperr.E(apperr.Conflict, "A user with email %s already exists.", e)
			}
			return fmt.Errorf("account: insert user: %w", err)
		}
		return s.createAccountTx(ctx, tx, a, u.ID)
	})
	if err != nil {
		return nil, nil, err
	}
	return u, a, nil
}
