package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// TokenPrefix starts every API token, so leaked tokens are easy to spot (and scan for).
const TokenPrefix = "ppt_"

// APIToken is a bearer token's record; the token itself is shown once.
type APIToken struct {
	ID         string
	AccountID  string
	UserID     string
	Name       string
	Prefix     string // first characters, to recognise it in a list
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateToken makes an API token for the scope's user in the scope's account
// and returns the raw token (shown once, stored only hashed).
func (s *Service) CreateToken(ctx context.Context, sc tenant.Scope, name string) (*APIToken, string, error) {
	if err := sc.Require(tenant.Read); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "API token"
	}
	if n, err := checkName(name); err != nil {
		return nil, "", apperr.E(apperr.Invalid, "Token names are at most 100 characters on one line.")
	} else {
		name = n
	}
	raw, hash := newToken(TokenPrefix)
	t := &APIToken{ID: store.NewID(), AccountID: sc.AccountID, UserID: sc.UserID, Name: name, Prefix: raw[:len(TokenPrefix)+6], CreatedAt: s.now()}
	_, err := s.db.Exec(ctx, `INSERT INTO api_tokens (id, account_id, user_id, name, token_hash, prefix, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.AccountID, t.UserID, t.Name, hash, t.Prefix, t.CreatedAt)
	if err != nil {
		return nil, "", fmt.Errorf("account: create token: %w", err)
	}
	return t, raw, nil
}

// Tokens lists the scope's user's tokens in the scope's account, newest first.
func (s *Service) Tokens(ctx context.Context, sc tenant.Scope) ([]APIToken, error) {
	rows, err := s.db.Query(ctx, `SELECT id, account_id, user_id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE account_id = ? AND user_id = ? ORDER BY created_at DESC, id DESC`, sc.AccountID, sc.UserID)
	if err != nil {
		return nil, fmt.Errorf("account: list tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		if err := rows.Scan(&t.ID, &t.AccountID, &t.UserID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt); err != nil {
			return nil, fmt.Errorf("account: scan token: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the scope's user's tokens.
func (s *Service) RevokeToken(ctx context.Context, sc tenant.Scope, id string) error {
	res, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND account_id = ? AND user_id = ? AND revoked_at IS NULL`,
		s.now(), id, sc.AccountID, sc.UserID)
	if err != nil {
		return fmt.Errorf("account: revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "Token not found.")
	}
	return nil
}

// ScopeByToken authenticates a raw API token and returns who it acts as.
// The role is read live from the membership, so a demoted or removed member's
// tokens lose their rights at once.
func (s *Service) ScopeByToken(ctx context.Context, raw string) (tenant.Scope, error) {
	unauth := apperr.E(apperr.Unauthenticated, "A valid API token is required (Authorization: Bearer ppt_...).")
	if !strings.HasPrefix(raw, TokenPrefix) || len(raw) > 128 {
		return tenant.Scope{}, unauth
	}
	hash := hashToken(raw)
	var sc tenant.Scope
	var role string
	var lastUsed *time.Time
	var id string
	err := s.db.QueryRow(ctx, `SELECT t.id, t.account_id, t.user_id, m.role, t.last_used_at FROM api_tokens t
		JOIN memberships m ON m.account_id = t.account_id AND m.user_id = t.user_id
		WHERE t.token_hash = ? AND t.revoked_at IS NULL`, hash).Scan(&id, &sc.AccountID, &sc.UserID, &role, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant.Scope{}, unauth
	}
	if err != nil {
		return tenant.Scope{}, fmt.Errorf("account: load token: %w", err)
	}
	sc.Role = tenant.Role(role)
	now := s.now()
	if lastUsed == nil || now.Sub(*lastUsed) > touchEvery {
		if _, err := s.db.Exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now, id); err != nil {
			return tenant.Scope{}, fmt.Errorf("account: touch token: %w", err)
		}
	}
	return sc, nil
}
