package account_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

type testBundle struct {
	db     *store.DB
	svc    *account.Service
	outbox *mail.Outbox
	clock  *time.Time
}

func setup(t *testing.T, db *store.DB) *testBundle {
	t.Helper()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	b := &testBundle{db: db, outbox: mail.NewOutbox(db, nil, nil), clock: &now}
	b.svc = account.NewService(db, b.outbox, "http://plutopro.test")
	b.svc.Now = func() time.Time { return *b.clock }
	return b
}

func (b *testBundle) advance(d time.Duration) { *b.clock = b.clock.Add(d) }

const goodPassword = "correct horse battery"

func (b *testBundle) signUp(t *testing.T, email string) (*account.User, tenant.Scope) {
	t.Helper()
	u, a, err := b.svc.SignUp(context.Background(), account.SignUpInput{Name: "Ada " + email, Email: email, Password: goodPassword, AgeConfirmed: true})
	if err != nil {
		t.Fatalf("SignUp(%s) = %v", email, err)
	}
	return u, tenant.Scope{AccountID: a.ID, UserID: u.ID, Role: tenant.Owner}
}

func TestSignUp(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		cases := []struct {
			name string
			in   account.SignUpInput
			want string
		}{
			{"no age confirmation", account.SignUpInput{Name: "A", Email: "a@example.com", Password: goodPassword}, "16 or older"},
			{"bad email", account.SignUpInput{Name: "A", Email: "not-an-email", Password: goodPassword, AgeConfirmed: true}, "not a valid email"},
			{"short password", account.SignUpInput{Name: "A", Email: "a@example.com", Password: "short", AgeConfirmed: true}, "at least 8"},
			{"common password", account.SignUpInput{Name: "A", Email: "a@example.com", Password: "password123", AgeConfirmed: true}, "most common"},
			{"no name", account.SignUpInput{Email: "a@example.com", Password: goodPassword, AgeConfirmed: true}, "Enter your name"},
		}
		for _, c := range cases {
			_, _, err := b.svc.SignUp(ctx, c.in)
			if !apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.MessageOf(err), c.want) {
				t.Errorf("%s: SignUp = %v, want invalid containing %q", c.name, err, c.want)
			}
		}
		var n int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil || n != 0 {
			t.Fatalf("users after refused sign-ups = %d (%v), want 0", n, err)
		}

		u, sc := b.signUp(t, "Ada@Example.com")
		if u.Email != "ada@example.com" {
			t.Errorf("email = %q, want lower-cased", u.Email)
		}
		got, err := b.svc.Scope(ctx, u.ID, sc.AccountID)
		if err != nil || got.Role != tenant.Owner {
			t.Fatalf("Scope = %+v, %v; want owner", got, err)
		}
		_, _, err = b.svc.SignUp(ctx, account.SignUpInput{Name: "B", Email: "ada@example.com", Password: goodPassword, AgeConfirmed: true})
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("duplicate SignUp = %v, want conflict", err)
		}
		var hash string
		if err := db.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = ?", u.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, goodPassword) {
			t.Fatalf("stored hash %q is not argon2id with OWASP parameters", hash)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		b.signUp(t, "ada@example.com")

		if _, err := b.svc.Login(ctx, "ada@example.com", goodPassword, "203.0.113.7"); err != nil {
			t.Fatalf("Login with the right password = %v", err)
		}
		first429 := 0
		for i := 1; i <= 25; i++ {
			_, err := b.svc.Login(ctx, "ada@example.com", "wrong password", "203.0.113.7")
			var te *account.ThrottledError
			if errors.As(err, &te) {
				if te.RetryAfter <= 0 {
					t.Fatalf("attempt %d: RetryAfter = %v", i, te.RetryAfter)
				}
				if apperr.HTTPStatus(err) != 429 {
					t.Fatalf("throttled error maps to %d, want 429", apperr.HTTPStatus(err))
				}
				first429 = i
				break
			}
			if !apperr.Is(err, apperr.Unauthenticated) {
				t.Fatalf("attempt %d: %v, want unauthenticated", i, err)
			}
		}
		if first429 == 0 || first429 >= 25 {
			t.Fatalf("first 429 at attempt %d, want before the 25th", first429)
		}
		// The right password is refused too while locked.
		var te *account.ThrottledError
		if _, err := b.svc.Login(ctx, "ada@example.com", goodPassword, "198.51.100.1"); !errors.As(err, &te) {
			t.Fatalf("right password while locked = %v, want throttled", err)
		}
		// Another account is not locked by it.
		b.signUp(t, "bob@example.com")
		if _, err := b.svc.Login(ctx, "bob@example.com", goodPassword, "198.51.100.1"); err != nil {
			t.Fatalf("other account Login = %v", err)
		}
		// After the lock expires, the right password works and clears the count.
		b.advance(16 * time.Minute)
		if _, err := b.svc.Login(ctx, "ada@example.com", goodPassword, "198.51.100.2"); err != nil {
			t.Fatalf("Login after lock = %v", err)
		}
		// Unknown emails answer exactly like wrong passwords.
		_, err1 := b.svc.Login(ctx, "nobody@example.com", goodPassword, "198.51.100.3")
		_, err2 := b.svc.Login(ctx, "bob@example.com", "wrong password", "198.51.100.3")
		if apperr.MessageOf(err1) != apperr.MessageOf(err2) || apperr.CodeOf(err1) != apperr.CodeOf(err2) {
			t.Fatalf("unknown email %v and wrong password %v answer differently", err1, err2)
		}
	})
}

func TestSessions(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		u, sc := b.signUp(t, "ada@example.com")
		raw, err := b.svc.CreateSession(ctx, u.ID, "", "203.0.113.7", "Canary/1.0")
		if err != nil {
			t.Fatal(err)
		}
		s, err := b.svc.SessionByToken(ctx, raw)
		if err != nil || s.Scope != sc {
			t.Fatalf("SessionByToken = %+v, %v; want scope %+v", s, err, sc)
		}
		var stored int
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM sessions WHERE token_hash = ?", raw).Scan(&stored); err != nil || stored != 0 {
			t.Fatalf("raw session token found in the database (%d, %v)", stored, err)
		}
		b.advance(account.SessionIdle + time.Minute)
		if _, err := b.svc.SessionByToken(ctx, raw); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("idle session = %v, want unauthenticated", err)
		}

		other, _ := b.svc.CreateSession(ctx, u.ID, "", "", "")
		keep, _ := b.svc.CreateSession(ctx, u.ID, "", "", "")
		if err := b.svc.ChangePassword(ctx, u.ID, "wrong", "a new long password", keep); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("ChangePassword with wrong current = %v", err)
		}
		if err := b.svc.ChangePassword(ctx, u.ID, goodPassword, "a new long password", keep); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.SessionByToken(ctx, other); err == nil {
			t.Fatal("other session survived a password change")
		}
		if _, err := b.svc.SessionByToken(ctx, keep); err != nil {
			t.Fatalf("current session ended by a password change: %v", err)
		}
		if err := b.svc.EndSession(ctx, keep); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.SessionByToken(ctx, keep); err == nil {
			t.Fatal("session works after sign-out")
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		_, sc := b.signUp(t, "ada@example.com")
		tok, raw, err := b.svc.CreateToken(ctx, sc, "ci")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, account.TokenPrefix) || len(raw) < 40 || !strings.HasPrefix(raw, tok.Prefix) {
			t.Fatalf("token %q / prefix %q malformed", raw, tok.Prefix)
		}
		got, err := b.svc.ScopeByToken(ctx, raw)
		if err != nil || got != sc {
			t.Fatalf("ScopeByToken = %+v, %v; want %+v", got, err, sc)
		}
		for _, bad := range []string{"", "ppt_", raw + "x", strings.TrimPrefix(raw, account.TokenPrefix)} {
			if _, err := b.svc.ScopeByToken(ctx, bad); !apperr.Is(err, apperr.Unauthenticated) {
				t.Errorf("ScopeByToken(%q) = %v, want unauthenticated", bad, err)
			}
		}
		_, otherSc := b.signUp(t, "bob@example.com")
		if err := b.svc.RevokeToken(ctx, otherSc, tok.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another account revoking = %v, want not found", err)
		}
		if err := b.svc.RevokeToken(ctx, sc, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.ScopeByToken(ctx, raw); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("revoked token = %v, want unauthenticated", err)
		}
	})
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

func (b *testBundle) lastLink(t *testing.T, to string) string {
	t.Helper()
	msgs, err := b.outbox.Recent(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == to {
			if mm := linkToken.FindStringSubmatch(m.Body); mm != nil {
				return mm[1]
			}
		}
	}
	t.Fatalf("no email with a link to %s", to)
	return ""
}

func TestInvitationsAndRoles(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		_, owner := b.signUp(t, "owner@example.com")
		if _, err := b.svc.Invite(ctx, owner, "ed@example.com", tenant.Owner); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("inviting an owner = %v, want invalid", err)
		}
		if _, err := b.svc.Invite(ctx, owner, "ed@example.com", tenant.Editor); err != nil {
			t.Fatal(err)
		}
		raw := b.lastLink(t, "ed@example.com")
		ed, edScope, err := b.svc.SignUpInvited(ctx, raw, account.SignUpInput{Name: "Ed", Password: goodPassword, AgeConfirmed: true})
		if err != nil {
			t.Fatal(err)
		}
		if edScope.AccountID != owner.AccountID || edScope.Role != tenant.Editor {
			t.Fatalf("invited scope = %+v", edScope)
		}
		if _, _, err := b.svc.SignUpInvited(ctx, raw, account.SignUpInput{Name: "Ed", Password: goodPassword, AgeConfirmed: true}); err == nil {
			t.Fatal("an invitation link worked twice")
		}
		if _, err := b.svc.Invite(ctx, edScope, "x@example.com", tenant.Viewer); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("editor inviting = %v, want forbidden", err)
		}
		if err := b.svc.SetRole(ctx, owner, owner.UserID, tenant.Admin); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("demoting the last owner = %v, want conflict", err)
		}
		if err := b.svc.SetRole(ctx, owner, ed.ID, tenant.Viewer); err != nil {
			t.Fatal(err)
		}
		sc, _ := b.svc.Scope(ctx, ed.ID, owner.AccountID)
		if sc.Role != tenant.Viewer {
			t.Fatalf("role after SetRole = %s", sc.Role)
		}
		_, tokRaw, err := b.svc.CreateToken(ctx, sc, "viewer")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.svc.RemoveMember(ctx, owner, ed.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.ScopeByToken(ctx, tokRaw); err == nil {
			t.Fatal("a removed member's token still works")
		}
	})
}

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		b := setup(t, db)
		ctx := context.Background()
		u, _ := b.signUp(t, "ada@example.com")
		if err := b.svc.RequestPasswordReset(ctx, "nobody@example.com"); err != nil {
			t.Fatalf("reset for an unknown email = %v, want silent success", err)
		}
		if err := b.svc.RequestPasswordReset(ctx, "ada@example.com"); err != nil {
			t.Fatal(err)
		}
		raw := b.lastLink(t, "ada@example.com")
		sess, _ := b.svc.CreateSession(ctx, u.ID, "", "", "")
		if _, err := b.svc.ResetPassword(ctx, raw, "another good passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.ResetPassword(ctx, raw, "yet another passphrase"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("second use of a reset link = %v, want invalid", err)
		}
		if _, err := b.svc.SessionByToken(ctx, sess); err == nil {
			t.Fatal("session survived a password reset")
		}
		if _, err := b.svc.Login(ctx, "ada@example.com", "another good passphrase", ""); err != nil {
			t.Fatalf("Login with the new password = %v", err)
		}
		// Links expire.
		_ = b.svc.RequestPasswordReset(ctx, "ada@example.com")
		raw = b.lastLink(t, "ada@example.com")
		b.advance(account.ResetTTL + time.Minute)
		if _, err := b.svc.ResetPassword(ctx, raw, "a third passphrase"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("expired reset link = %v, want invalid", err)
		}
	})
}
