package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/plutopro/plutopro/internal/apperr"
	mailpkg "github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
)

// ResetTTL is how long a password reset link works.
const ResetTTL = time.Hour

// RequestPasswordReset emails a reset link when the email has a user, and
// does nothing visible otherwise: the caller answers the same either way.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	e, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	var userID string
	err = s.db.QueryRow(ctx, `SELECT id FROM users WHERE email = ?`, e).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("account: load user: %w", err)
	}
	raw, hash := newToken("")
	now := s.now()
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			hash, userID, now, now.Add(ResetTTL)); err != nil {
			return fmt.Errorf("account: insert reset: %w", err)
		}
		_, err := s.outbox.Add(ctx, tx, mailpkg.Message{
			To:      e,
			Kind:    "password_reset",
			Subject: "Reset your PlutoPro password",
			Body: fmt.Sprintf("Someone asked to reset the password of your PlutoPro login.\n\nChoose a new password (the link works for one hour, once):\n%s/reset?token=%s\n\nIf it was not you, ignore this email; your password stays as it is.\n",
				s.BaseURL, raw),
		})
		return err
	})
}

// ResetTokenValid reports whether a reset link can still be used.
func (s *Service) ResetTokenValid(ctx context.Context, raw string) bool {
	var n int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		hashToken(raw), s.now()).Scan(&n)
	return err == nil && n == 1
}

// ResetPassword sets a new password with a reset link's token, once, and ends
// every session of the user.
func (s *Service) ResetPassword(ctx context.Context, raw, password string) (*User, error) {
	invalid := apperr.E(apperr.Invalid, "This reset link is not valid any more. Ask for a new one.")
	hash := hashToken(raw)
	var userID string
	err := s.db.QueryRow(ctx, `SELECT user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
		hash, s.now()).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalid
	}
	if err != nil {
		return nil, fmt.Errorf("account: load reset: %w", err)
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := CheckPasswordPolicy(password, u.Email, u.Name); err != nil {
		return nil, err
	}
	newHash, err := HashPassword(ctx, password)
	if err != nil {
		return nil, err
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, s.now(), hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return invalid
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, newHash, s.now(), userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		// A reset proves control of the email: lift any sign-in lockout on it.
		_, err = tx.Exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, "email:"+u.Email)
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
