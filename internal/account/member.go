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
	"github.com/plutopro/plutopro/internal/tenant"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Member is a user's membership seen from the account.
type Member struct {
	UserID   string
	Email    string
	Name     string
	Role     tenant.Role
	JoinedAt time.Time
}

// Invitation is a pending invitation.
type Invitation struct {
	ID        string
	Email     string
	Role      tenant.Role
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Members lists the account's members.
func (s *Service) Members(ctx context.Context, sc tenant.Scope) ([]Member, error) {
	if err := sc.Require(tenant.Read); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m
		JOIN users u ON u.id = m.user_id WHERE m.account_id = ? ORDER BY m.created_at, u.id`, sc.AccountID)
	if err != nil {
		return nil, fmt.Errorf("account: list members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var role string
		if err := rows.Scan(&m.UserID, &m.Email, &m.Name, &role, &m.JoinedAt); err != nil {
			return nil, fmt.Errorf("account: scan member: %w", err)
		}
		m.Role = tenant.Role(role)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Invitations lists the account's pending invitations.
func (s *Service) Invitations(ctx context.Context, sc tenant.Scope) ([]Invitation, error) {
	if err := sc.Require(tenant.ManageMembers); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, email, role, created_at, expires_at FROM invitations
		WHERE account_id = ? AND accepted_at IS NULL AND expires_at > ? ORDER BY created_at DESC`, sc.AccountID, s.now())
	if err != nil {
		return nil, fmt.Errorf("account: list invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var in Invitation
		var role string
		if err := rows.Scan(&in.ID, &in.Email, &role, &in.CreatedAt, &in.ExpiresAt); err != nil {
			return nil, fmt.Errorf("account: scan invitation: %w", err)
		}
		in.Role = tenant.Role(role)
		out = append(out, in)
	}
	return out, rows.Err()
}

// Invite emails an invitation to join the account with a role. Admins invite
// admins, editors and viewers; ownership is never handed out by invitation.
func (s *Service) Invite(ctx context.Context, sc tenant.Scope, email string, role tenant.Role) (*Invitation, error) {
	if err := sc.Require(tenant.ManageMembers); err != nil {
		return nil, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if role == tenant.Owner || !role.AtLeast(tenant.Viewer) {
		return nil, apperr.E(apperr.Invalid, "Invite as admin, editor or viewer.")
	}
	var exists int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = ? AND u.email = ?`, sc.AccountID, e).Scan(&exists); err != nil {
		return nil, fmt.Errorf("account: check member: %w", err)
	}
	if exists > 0 {
		return nil, apperr.E(apperr.Conflict, "%s is already a member of this account.", e)
	}
	acct, err := s.AccountByID(ctx, sc)
	if err != nil {
		return nil, err
	}
	inviter, err := s.UserByID(ctx, sc.UserID)
	if err != nil {
		return nil, err
	}
	raw, hash := newToken("")
	now := s.now()
	inv := &Invitation{ID: store.NewID(), Email: e, Role: role, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO invitations (id, account_id, email, role, token_hash, invited_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, inv.ID, sc.AccountID, e, role, hash, sc.UserID, now, inv.ExpiresAt); err != nil {
			return fmt.Errorf("account: insert invitation: %w", err)
		}
		_, err := s.outbox.Add(ctx, tx, mailpkg.Message{
			To:      e,
			Kind:    "invitation",
			Subject: fmt.Sprintf("You are invited to %s on PlutoPro", acct.Name),
			Body: fmt.Sprintf("%s invited you to join %s on PlutoPro as %s.\n\nAccept the invitation (the link works for 7 days):\n%s/invitations/accept?token=%s\n\nIf you did not expect this, ignore this email.\n",
				inviter.Name, acct.Name, role, s.BaseURL, raw),
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// InvitationByToken returns the account name and role an invitation link offers.
func (s *Service) InvitationByToken(ctx context.Context, raw string) (accountName string, inv *Invitation, err error) {
	inv = &Invitation{}
	var role string
	err = s.db.QueryRow(ctx, `SELECT i.id, i.email, i.role, i.created_at, i.expires_at, a.name FROM invitations i
		JOIN accounts a ON a.id = i.account_id WHERE i.token_hash = ? AND i.accepted_at IS NULL AND i.expires_at > ?`,
		hashToken(raw), s.now()).Scan(&inv.ID, &inv.Email, &role, &inv.CreatedAt, &inv.ExpiresAt, &accountName)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, apperr.E(apperr.NotFound, "This invitation link is not valid any more. Ask for a new one.")
	}
	if err != nil {
		return "", nil, fmt.Errorf("account: load invitation: %w", err)
	}
	inv.Role = tenant.Role(role)
	return accountName, inv, nil
}

// AcceptInvitation adds userID to the invitation's account. The signed-in
// user's email must be the one invited.
func (s *Service) AcceptInvitation(ctx context.Context, raw, userID string) (tenant.Scope, error) {
	_, inv, err := s.InvitationByToken(ctx, raw)
	if err != nil {
		return tenant.Scope{}, err
	}
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return tenant.Scope{}, err
	}
	if u.Email != inv.Email {
		return tenant.Scope{}, apperr.E(apperr.Forbidden, "This invitation was sent to another email address. Sign in as %s to accept it.", inv.Email)
	}
	var accountID string
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL`, s.now(), inv.ID)
		if err != nil {
			return fmt.Errorf("account: accept invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.E(apperr.NotFound, "This invitation link is not valid any more.")
		}
		if err := tx.QueryRow(ctx, `SELECT account_id FROM invitations WHERE id = ?`, inv.ID).Scan(&accountID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, user_id) DO NOTHING`, accountID, userID, inv.Role, s.now())
		return err
	})
	if err != nil {
		return tenant.Scope{}, err
	}
	return s.Scope(ctx, userID, accountID)
}

// SignUpInvited creates a user from an invitation (no new account).
func (s *Service) SignUpInvited(ctx context.Context, raw string, in SignUpInput) (*User, tenant.Scope, error) {
	_, inv, err := s.InvitationByToken(ctx, raw)
	if err != nil {
		return nil, tenant.Scope{}, err
	}
	if !in.AgeConfirmed {
		return nil, tenant.Scope{}, apperr.E(apperr.Invalid, "PlutoPro is only for people aged 16 or older; please confirm your age.")
	}
	name, err := checkName(in.Name)
	if err != nil {
		return nil, tenant.Scope{}, err
	}
	if err := CheckPasswordPolicy(in.Password, inv.Email, name); err != nil {
		return nil, tenant.Scope{}, err
	}
	hash, err := HashPassword(ctx, in.Password)
	if err != nil {
		return nil, tenant.Scope{}, err
	}
	now := s.now()
	u := &User{ID: store.NewID(), Email: inv.Email, Name: name, CreatedAt: now}
	if _, err := s.db.Exec(ctx, `INSERT INTO users (id, email, name, password_hash, age_confirmed_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, hash, now, now, now); err != nil {
		if store.IsUniqueViolation(err) {
			return nil, tenant.Scope{}, apperr.E(apperr.Conflict, "You already have a PlutoPro login; sign in to accept the invitation.")
		}
		return nil, tenant.Scope{}, fmt.Errorf("account: insert user: %w", err)
	}
	sc, err := s.AcceptInvitation(ctx, raw, u.ID)
	return u, sc, err
}

// RevokeInvitation deletes a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, sc tenant.Scope, id string) error {
	if err := sc.Require(tenant.ManageMembers); err != nil {
		return err
	}
	res, err := s.db.Exec(ctx, `DELETE FROM invitations WHERE id = ? AND account_id = ? AND accepted_at IS NULL`, id, sc.AccountID)
	if err != nil {
		return fmt.Errorf("account: revoke invitation: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.E(apperr.NotFound, "Invitation not found.")
	}
	return nil
}

// SetRole changes a member's role. Only an owner makes or unmakes owners;
// the last owner cannot be demoted.
func (s *Service) SetRole(ctx context.Context, sc tenant.Scope, userID string, role tenant.Role) error {
	if err := sc.Require(tenant.ManageMembers); err != nil {
		return err
	}
	if _, ok := tenant.ParseRole(string(role)); !ok {
		return apperr.E(apperr.Invalid, "Unknown role %q.", role)
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		current, err := memberRole(ctx, tx, sc.AccountID, userID)
		if err != nil {
			return err
		}
		if (current == tenant.Owner || role == tenant.Owner) && sc.Role != tenant.Owner {
			return apperr.E(apperr.Forbidden, "Only an owner can make or unmake owners.")
		}
		if current == tenant.Owner && role != tenant.Owner {
			if err := ensureAnotherOwner(ctx, tx, sc.AccountID, userID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE memberships SET role = ? WHERE account_id = ? AND user_id = ?`, role, sc.AccountID, userID)
		return err
	})
}

// RemoveMember removes a member (or lets a member leave). The last owner cannot leave.
func (s *Service) RemoveMember(ctx context.Context, sc tenant.Scope, userID string) error {
	if userID != sc.UserID {
		if err := sc.Require(tenant.ManageMembers); err != nil {
			return err
		}
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		current, err := memberRole(ctx, tx, sc.AccountID, userID)
		if err != nil {
			return err
		}
		if current == tenant.Owner {
			if sc.Role != tenant.Owner {
				return apperr.E(apperr.Forbidden, "Only an owner can remove an owner.")
			}
			if err := ensureAnotherOwner(ctx, tx, sc.AccountID, userID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE account_id = ? AND user_id = ?`, sc.AccountID, userID); err != nil {
			return err
		}
		// Their sessions and tokens in this account end with the membership.
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE account_id = ? AND user_id = ?`, sc.AccountID, userID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE account_id = ? AND user_id = ? AND revoked_at IS NULL`, s.now(), sc.AccountID, userID)
		return err
	})
}

func memberRole(ctx context.Context, tx *store.Tx, accountID, userID string) (tenant.Role, error) {
	var role string
	err := tx.QueryRow(ctx, `SELECT role FROM memberships WHERE account_id = ? AND user_id = ?`, accountID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.E(apperr.NotFound, "Member not found.")
	}
	return tenant.Role(role), err
}

func ensureAnotherOwner(ctx context.Context, tx *store.Tx, accountID, userID string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM memberships WHERE account_id = ? AND role = 'owner' AND user_id <> ?`, accountID, userID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.E(apperr.Conflict, "An account needs at least one owner; make someone else owner first.")
	}
	return nil
}
