package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/apperr"
)

func TestSignUp(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantPath   string
		wantText   []string
	}{
		{
			name:       "without age confirmation",
			form:       url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {testPassword}},
			wantStatus: http.StatusBadRequest,
			wantPath:   "/signup",
			wantText:   []string{"PlutoPro is only for people aged 16 or older; please confirm your age."},
		},
		{
			name:       "weak password",
			form:       url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"short1"}, "age_confirmed": {"yes"}},
			wantStatus: http.StatusBadRequest,
			wantPath:   "/signup",
			wantText:   []string{"Choose a password of at least 8 characters."},
		},
		{
			name:       "bad email",
			form:       url.Values{"name": {"Ada"}, "email": {"ada@"}, "password": {testPassword}, "age_confirmed": {"yes"}},
			wantStatus: http.StatusBadRequest,
			wantPath:   "/signup",
			wantText:   []string{"is not a valid email address."},
		},
		{
			name:       "valid",
			form:       url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {testPassword}, "age_confirmed": {"yes"}, "account_name": {"Ada's Atelier"}},
			wantStatus: http.StatusOK,
			wantPath:   "/dashboard",
			wantText:   []string{"Ada's Atelier", "Signed in as Ada (ada@example.com), owner.", "Brands"},
		},
		{
			name:       "email taken",
			form:       url.Values{"name": {"Ada 2"}, "email": {"ada@example.com"}, "password": {testPassword}, "age_confirmed": {"yes"}},
			wantStatus: http.StatusConflict,
			wantPath:   "/signup",
			wantText:   []string{"An account with this email already exists."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := env.newBrowser()
			p := b.submit("/signup", "/signup", tt.form)
			mustStatus(t, "sign-up", p, tt.wantStatus)
			if p.path != tt.wantPath {
				t.Fatalf("sign-up ended at %s, want %s", p.path, tt.wantPath)
			}
			mustSee(t, "sign-up", p, tt.wantText...)
			if tt.wantStatus != http.StatusOK {
				// The form keeps what was typed, except the password.
				mustSee(t, "sign-up form", p, `value="`+tt.form.Get("email")+`"`)
				if pw := tt.form.Get("password"); strings.Contains(p.raw, pw) {
					t.Fatalf("re-rendered form contains the password %q", pw)
				}
				if c := b.cookie("plutopro_session"); c != nil {
					t.Fatalf("refused sign-up set a session cookie")
				}
			}
		})
	}
	// The refused sign-up without the age box created no user.
	if _, err := env.accounts.UserByEmail(context.Background(), "ada@example.com"); err != nil {
		t.Fatalf("valid sign-up did not create the user: %v", err)
	}
}

func TestSignUpWithoutAgeCreatesNothing(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	p := b.submit("/signup", "/signup", url.Values{"name": {"Kid"}, "email": {"kid@example.com"}, "password": {testPassword}})
	mustStatus(t, "sign-up without age", p, http.StatusBadRequest)
	mustSee(t, "sign-up without age", p, `aria-describedby="f-age_confirmed-error"`)
	if _, err := env.accounts.UserByEmail(context.Background(), "kid@example.com"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("UserByEmail after refused sign-up: err = %v, want NotFound", err)
	}
}

func TestSignOutAndSignIn(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Grace", "grace@example.com")
	first := b.cookie("plutopro_session").Value

	p := b.submit("/dashboard", "/logout", nil)
	mustStatus(t, "sign-out", p, http.StatusOK)
	if p.path != "/login" {
		t.Fatalf("sign-out ended at %s, want /login", p.path)
	}
	mustSee(t, "sign-out", p, "You are signed out.")
	if _, err := env.accounts.SessionByToken(context.Background(), first); !apperr.Is(err, apperr.Unauthenticated) {
		t.Fatalf("session after sign-out: err = %v, want Unauthenticated", err)
	}

	p = b.get("/dashboard")
	if p.path != "/login" || p.query.Get("next") != "/dashboard" {
		t.Fatalf("signed-out /dashboard went to %s?%s, want /login?next=/dashboard", p.path, p.query.Encode())
	}

	p = b.signIn("grace@example.com", "wrong password here")
	mustStatus(t, "wrong password", p, http.StatusUnauthorized)
	mustSee(t, "wrong password", p, "The email or password is not correct.", `value="grace@example.com"`)

	p = b.signIn("GRACE@example.com", testPassword)
	mustStatus(t, "sign-in", p, http.StatusOK)
	if p.path != "/dashboard" {
		t.Fatalf("sign-in ended at %s, want /dashboard", p.path)
	}
	mustSee(t, "sign-in", p, "Grace's shop")
	if second := b.cookie("plutopro_session").Value; second == first {
		t.Fatal("sign-in reused the old session token")
	}
}

func TestSignInIssuesNewSessionToken(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Lin", "lin@example.com")
	before := b.cookie("plutopro_session").Value
	// Signing in again while signed in (e.g. from a bookmarked form) must
	// replace the token, and end the old session.
	b.get("/login") // redirects to the dashboard; its forms carry the token
	p := b.post("/login", url.Values{"email": {"lin@example.com"}, "password": {testPassword}})
	mustStatus(t, "sign-in", p, http.StatusOK)
	after := b.cookie("plutopro_session").Value
	if after == before {
		t.Fatal("sign-in kept the session token")
	}
	if _, err := env.accounts.SessionByToken(context.Background(), before); err == nil {
		t.Fatal("old session still valid after sign-in")
	}
}

func TestSignInNext(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Nia", "nia@example.com")
	b.submit("/dashboard", "/logout", nil)
	tests := []struct{ next, want string }{
		{"/brands", "/brands"},
		{"//evil.example/x", "/dashboard"},
		{"https://evil.example/", "/dashboard"},
		{"/\\evil.example", "/dashboard"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			b.get("/login?next=" + url.QueryEscape(tt.next))
			p := b.post("/login", url.Values{"email": {"nia@example.com"}, "password": {testPassword}, "next": {tt.next}})
			if p.path != tt.want {
				t.Fatalf("after sign-in with next=%q at %s, want %s", tt.next, p.path, tt.want)
			}
			b.submit("/dashboard", "/logout", nil)
		})
	}
}

func TestLoginThrottled(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Tom", "tom@example.com")
	b.submit("/dashboard", "/logout", nil)

	attacker := env.newBrowser()
	attacker.get("/login")
	for i := 1; i <= 25; i++ {
		p := attacker.post("/login", url.Values{"email": {"tom@example.com"}, "password": {"not the password " + strconv.Itoa(i)}})
		if p.status == http.StatusTooManyRequests {
			if i >= 25 {
				t.Fatalf("first 429 at attempt %d, want before the 25th", i)
			}
			secs, err := strconv.Atoi(p.header.Get("Retry-After"))
			if err != nil || secs < 1 {
				t.Fatalf("Retry-After = %q, want a positive number of seconds", p.header.Get("Retry-After"))
			}
			mustSee(t, "throttled sign-in", p, "Too many failed sign-ins. Try again in")
			// The right password is refused too while locked.
			p = attacker.post("/login", url.Values{"email": {"tom@example.com"}, "password": {testPassword}})
			mustStatus(t, "right password while locked", p, http.StatusTooManyRequests)
			return
		}
		mustStatus(t, "wrong password "+strconv.Itoa(i), p, http.StatusUnauthorized)
	}
	t.Fatal("25 wrong passwords and no 429")
}

func TestPasswordReset(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Rosa", "rosa@example.com")
	other := env.newBrowser()
	other.signIn("rosa@example.com", testPassword)
	b.submit("/dashboard", "/logout", nil)

	// Known and unknown emails get the same answer.
	known := b.submit("/forgot", "/forgot", url.Values{"email": {"rosa@example.com"}})
	unknown := b.submit("/forgot", "/forgot", url.Values{"email": {"nobody@example.com"}})
	for _, p := range []page{known, unknown} {
		mustStatus(t, "forgot", p, http.StatusOK)
		mustSee(t, "forgot", p, "If an account exists for that email, we sent a link", "/dev/outbox")
	}
	if strip(known.raw) != strip(unknown.raw) {
		t.Fatal("the forgot-password answer differs for known and unknown emails")
	}

	// The operator reads the mail at /dev/outbox (this client is on loopback).
	ob := b.get("/dev/outbox")
	mustStatus(t, "outbox", ob, http.StatusOK)
	mustSee(t, "outbox", ob, "Reset your PlutoPro password", "rosa@example.com")

	link := env.lastMailLink("rosa@example.com")
	p := b.get(link)
	mustStatus(t, "reset form", p, http.StatusOK)
	mustSee(t, "reset form", p, "Choose a new password")

	p = b.post("/reset", url.Values{"token": {tokenOf(link)}, "password": {"short"}})
	mustStatus(t, "weak new password", p, http.StatusBadRequest)
	mustSee(t, "weak new password", p, "Choose a password of at least 8 characters.")

	const newPassword = "a brand new passphrase"
	p = b.post("/reset", url.Values{"token": {tokenOf(link)}, "password": {newPassword}})
	mustStatus(t, "reset", p, http.StatusOK)
	if p.path != "/login" {
		t.Fatalf("reset ended at %s, want /login", p.path)
	}
	mustSee(t, "reset", p, "Your password is changed.")

	// Every session ended.
	if q := other.get("/dashboard"); q.path != "/login" {
		t.Fatalf("other session still works after reset (at %s)", q.path)
	}
	mustStatus(t, "old password", b.signIn("rosa@example.com", testPassword), http.StatusUnauthorized)
	p = b.signIn("rosa@example.com", newPassword)
	if p.path != "/dashboard" {
		t.Fatalf("sign-in with new password ended at %s", p.path)
	}
	// The link works once.
	p = b.get(link)
	mustStatus(t, "used link", p, http.StatusNotFound)
	mustSee(t, "used link", p, "This reset link is not valid any more")
}

// tokenOf returns the token of a reset or invitation link, in either form.
func tokenOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if t := u.Query().Get("token"); t != "" {
		return t
	}
	return u.Path[strings.LastIndex(u.Path, "/")+1:]
}

// strip drops the per-browser CSRF token so two pages can be compared.
func strip(s string) string { return csrfRE.ReplaceAllString(s, "") }
