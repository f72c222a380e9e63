package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/store"
)

// ThrottleConfig sets how failed sign-ins are slowed down.
type ThrottleConfig struct {
	// Window is how long failures are counted.
	Window time.Duration
	// AccountFailures is how many failures for one email start a lockout.
	AccountFailures int
	// IPFailures is how many failures from one IP start a lockout.
	IPFailures int
	// BaseLock is the first lockout; each further failure doubles it, up to MaxLock.
	BaseLock time.Duration
	MaxLock  time.Duration
}

// DefaultThrottle follows OWASP's guidance: 5 failures per account or 50 per
// IP in 15 minutes lock sign-in for a doubling time, at most 15 minutes.
var DefaultThrottle = ThrottleConfig{
	Window:          15 * time.Minute,
	AccountFailures: 5,
	IPFailures:      50,
	BaseLock:        30 * time.Second,
	MaxLock:         15 * time.Minute,
}

// ThrottledError says sign-in is locked for a while.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again in %s", e.RetryAfter.Round(time.Second))
}

// Unwrap lets transports classify it as 429.
func (e *ThrottledError) Unwrap() error {
	return apperr.E(apperr.TooManyRequests, "Too many failed sign-ins. Try again in %s.", humanDuration(e.RetryAfter))
}

func humanDuration(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
	}
	return fmt.Sprintf("%d minutes", int(math.Ceil(d.Minutes())))
}

// errBadCredentials is the one answer for an unknown email or a wrong
// password, so sign-in does not tell which emails have accounts.
var errBadCredentials = apperr.E(apperr.Unauthenticated, "The email or password is not correct.")

// Login checks an email and password from ip. It answers a ThrottledError
// (before checking the password) while the email or the ip is locked.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, errBadCredentials
	}
	keys := []string{"email:" + e}
	if ip != "" {
		keys = append(keys, "ip:"+ip)
	}
	now := s.now()
	for _, k := range keys {
		if wait, err := s.lockedFor(ctx, k, now); err != nil {
			return nil, err
		} else if wait > 0 {
			return nil, &ThrottledError{RetryAfter: wait}
		}
	}
	var u User
	var hash string
	err = s.db.QueryRow(ctx, `SELECT id, email, name, created_at, password_hash FROM users WHERE email = ?`, e).
		Scan(&u.ID, &u.Email, &u.Name, &u.CreatedAt, &hash)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("account: load user: %w", err)
	}
	if !found || hash == "" {
		hash = dummyHash
	}
	ok, verr := VerifyPassword(ctx, hash, password)
	if verr != nil && !errors.Is(verr, errBadHash) {
		return nil, verr
	}
	if found && ok {
		if err := s.clearFailures(ctx, keys[0]); err != nil {
			return nil, err
		}
		return &u, nil
	}
	if err := s.recordFailure(ctx, keys[0], s.Throttle.AccountFailures, now); err != nil {
		return nil, err
	}
	if len(keys) > 1 {
		if err := s.recordFailure(ctx, keys[1], s.Throttle.IPFailures, now); err != nil {
			return nil, err
		}
	}
	return nil, errBadCredentials
}

func (s *Service) lockedFor(ctx context.Context, key string, now time.Time) (time.Duration, error) {
	var until *time.Time
	err := s.db.QueryRow(ctx, `SELECT locked_until FROM login_throttle WHERE key = ?`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || until == nil {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("account: throttle: %w", err)
	}
	if until.After(now) {
		return until.Sub(now), nil
	}
	return 0, nil
}

// recordFailure counts one failure for key; from limit failures on, each
// failure locks the key for a doubling time.
func (s *Service) recordFailure(ctx context.Context, key string, limit int, now time.Time) error {
	cfg := s.Throttle
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		var failures int
		var windowStart time.Time
		err := tx.QueryRow(ctx, `SELECT failures, window_start FROM login_throttle WHERE key = ?`, key).Scan(&failures, &windowStart)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			failures, windowStart = 0, now
		case err != nil:
			return fmt.Errorf("account: throttle: %w", err)
		case now.Sub(windowStart) > cfg.Window:
			failures, windowStart = 0, now
		}
		failures++
		var lockedUntil *time.Time
		if failures >= limit {
			d := cfg.BaseLock << min(failures-limit, 20)
			if d > cfg.MaxLock || d <= 0 {
				d = cfg.MaxLock
			}
			t := now.Add(d)
			lockedUntil = &t
		}
		_, err = tx.Exec(ctx, `INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`,
			key, failures, windowStart, lockedUntil)
		if err != nil {
			return fmt.Errorf("account: throttle: %w", err)
		}
		return nil
	})
}

func (s *Service) clearFailures(ctx context.Context, key string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM login_throttle WHERE key = ?`, key); err != nil {
		return fmt.Errorf("account: throttle: %w", err)
	}
	return nil
}
