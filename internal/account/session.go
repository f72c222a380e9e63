package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/tenant"
)

// Session lifetimes: an idle session ends after SessionIdle, any session
// after SessionMax (OWASP's low-risk range).
const (
	SessionIdle = 30 * time.Minute
	SessionMax  = 12 * time.Hour
	// touchEvery limits last_seen writes to one per minute per session.
	touchEvery = time.Minute
)

// Session is a signed-in browser.
type Session struct {
	User      User
	Scope     tenant.Scope
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession starts a session for userID in accountID (the user's first
// account when empty) and returns the raw token for the cookie.
func (s *Service) CreateSession(ctx context.Context, userID, accountID, ip, userAgent string) (string, error) {
	if accountID == "" {
		sc, err := s.DefaultScope(ctx, userID)
		if err != nil {
			return "", err
		}
		accountID = sc.AccountID
	}
	raw, hash := newToken("")
	now := s.now()
	if len(userAgent) > 512 {
		userAgent = userAgent[:512]
	}
	_, err := s.db.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, account_id, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, hash, userID, accountID, now, now, now.Add(SessionMax), ip, userAgent)
	if err != nil {
		return "", fmt.Errorf("account: create session: %w", err)
	}
	return raw, nil
}

// SessionByToken returns the live session for a raw cookie token, or
// Unauthenticated. It extends the idle timeout.
func (s *Service) SessionByToken(ctx context.Context, raw string) (*Session, error) {
	if raw == "" || len(raw) > 128 {
		return nil, apperr.E(apperr.Unauthenticated, "Please sign in.")
	}
	hash := hashToken(raw)
	var sess Session
	var lastSeen time.Time
	var role string
	err := s.db.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.created_at, s.account_id, m.role, s.created_at, s.last_seen_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		JOIN memberships m ON m.user_id = s.user_id AND m.account_id = s.account_id
		WHERE s.token_hash = ?`, hash).
		Scan(&sess.User.ID, &sess.User.Email, &sess.User.Name, &sess.User.CreatedAt, &sess.Scope.AccountID, &role,
			&sess.CreatedAt, &lastSeen, &sess.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.E(apperr.Unauthenticated, "Please sign in.")
	}
	if err != nil {
		return nil, fmt.Errorf("account: load session: %w", err)
	}
	now := s.now()
	if now.After(sess.ExpiresAt) || now.Sub(lastSeen) > SessionIdle {
		_, _ = s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
		return nil, apperr.E(apperr.Unauthenticated, "Your session has ended; please sign in again.")
	}
	if now.Sub(lastSeen) > touchEvery {
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, now, hash); err != nil {
			return nil, fmt.Errorf("account: touch session: %w", err)
		}
	}
	sess.Scope.UserID = sess.User.ID
	sess.Scope.Role = tenant.Role(role)
	return &sess, nil
}

// SwitchAccount points the session at another account the user belongs to.
func (s *Service) SwitchAccount(ctx context.Context, raw, userID, accountID string) error {
	if _, err := s.Scope(ctx, userID, accountID); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `UPDATE sessions SET account_id = ? WHERE token_hash = ? AND user_id = ?`, accountID, hashToken(raw), userID)
	return err
}

// EndSession deletes a session (sign-out).
func (s *Service) EndSession(ctx context.Context, raw string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hashToken(raw))
	return err
}

// PurgeExpired deletes ended sessions and spent reset tokens and throttle rows.
func (s *Service) PurgeExpired(ctx context.Context) error {
	now := s.now()
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, now, now.Add(-SessionIdle)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM password_resets WHERE expires_at < ?`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE window_start < ? AND (locked_until IS NULL OR locked_until < ?)`,
			now.Add(-s.Throttle.Window), now)
		return err
	})
}
