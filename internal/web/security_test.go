package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/web"
)

func TestAPITokenShownOnce(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Tess", "tess@example.com")

	p := b.submit("/tokens", "/tokens", url.Values{"name": {"nightly import"}})
	mustStatus(t, "create token", p, http.StatusCreated)
	raw := regexp.MustCompile(`ppt_[A-Za-z0-9_-]{20,}`).FindString(p.text)
	if raw == "" {
		t.Fatalf("the new token is not shown:\n%s", excerpt(p.text))
	}
	mustSee(t, "new token", p, "It is shown only this once", "Copy", "nightly import")
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Fatalf("Cache-Control of the token page = %q, want no-store", got)
	}
	if _, err := env.accounts.ScopeByToken(context.Background(), raw); err != nil {
		t.Fatalf("the shown token does not work: %v", err)
	}

	p = b.get("/tokens")
	mustNotSee(t, "token list", p, raw)
	mustSee(t, "token list", p, raw[:len(account.TokenPrefix)+6]+"…", "nightly import")

	// Revoke with htmx: the row comes back marked revoked.
	toks, err := env.accounts.Tokens(context.Background(), env.scopeOf("tess@example.com"))
	if err != nil || len(toks) != 1 {
		t.Fatalf("Tokens = %v, %v", toks, err)
	}
	p = b.postRaw("/tokens/"+toks[0].ID+"/revoke", url.Values{}, http.Header{"Hx-Request": {"true"}, "X-Csrf-Token": {b.csrf}})
	mustStatus(t, "htmx revoke", p, http.StatusOK)
	if !strings.HasPrefix(strings.TrimSpace(p.raw), "<tr>") || !p.has("revoked") {
		t.Fatalf("htmx revoke answered %q, want the revoked row", p.raw)
	}
	if _, err := env.accounts.ScopeByToken(context.Background(), raw); err == nil {
		t.Fatal("revoked token still works")
	}
	p = b.get("/tokens")
	mustNotSee(t, "token list after revoke", p, raw)
}

func TestCSRF(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Cy", "cy@example.com")
	b.get("/brands/new")
	good := b.csrf

	other := env.newBrowser()
	other.get("/login")
	foreign := other.csrf // valid token, but another browser's

	tests := []struct {
		name  string
		token []string // nil: no field
	}{
		{"no token", nil},
		{"empty token", []string{""}},
		{"wrong token", []string{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		{"another browser's token", []string{foreign}},
		{"garbage", []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := brandForm("Forged brand")
			if tt.token == nil {
				form.Del("csrf_token")
				p := b.postRaw("/brands", form, nil)
				checkForbidden(t, p)
			} else {
				form["csrf_token"] = tt.token
				checkForbidden(t, b.post("/brands", form))
			}
			// Sign-out is a state change too.
			lo := url.Values{}
			if tt.token != nil {
				lo["csrf_token"] = tt.token
			}
			checkForbidden(t, b.postRaw("/logout", lo, nil))
		})
	}
	brands, err := env.brands.List(context.Background(), env.scopeOf("cy@example.com"))
	if err != nil || len(brands) != 0 {
		t.Fatalf("brands after forged posts = %v, %v; want none", brands, err)
	}
	if p := b.get("/dashboard"); p.path != "/dashboard" {
		t.Fatal("a forged sign-out signed the user out")
	}
	// The right token works.
	p := b.post("/brands", url.Values{"csrf_token": {good}, "name": {"Real brand"}, "language": {"en"}, "default_channel": {"shopify"}})
	mustStatus(t, "genuine post", p, http.StatusOK)
	mustSee(t, "genuine post", p, "Brand created.")
	// The header works for htmx requests.
	p = b.postRaw("/logout", url.Values{}, http.Header{"X-Csrf-Token": {good}, "Hx-Request": {"true"}})
	if p.status != http.StatusNoContent || p.header.Get("HX-Redirect") == "" {
		t.Fatalf("htmx sign-out with header token = %d, want 204 with HX-Redirect", p.status)
	}
}

func checkForbidden(t *testing.T, p page) {
	t.Helper()
	mustStatus(t, "forged post", p, http.StatusForbidden)
	mustSee(t, "forged post", p, "This form expired; reload the page and try again.")
}

func TestSecurityHeaders(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
	}
	for _, path := range []string{"/", "/login", "/signup", "/privacy", "/no-such-page", "/static/app.css", "/static/htmx.min.js", "/dashboard"} {
		t.Run(path, func(t *testing.T) {
			p := b.get(path)
			for h, v := range want {
				if got := p.header.Get(h); !strings.HasPrefix(got, v) {
					t.Errorf("%s: %s = %q, want %q", path, h, got, v)
				}
			}
		})
	}
}

func TestCookieFlags(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.follow = false
	p := b.get("/signup")
	csrf := findCookie(t, p, "plutopro_csrf")
	checkFlags(t, csrf)
	p = b.post("/signup", url.Values{"name": {"Fay"}, "email": {"fay@example.com"}, "password": {testPassword}, "age_confirmed": {"yes"}})
	mustStatus(t, "sign-up", p, http.StatusSeeOther)
	sess := findCookie(t, p, "plutopro_session")
	checkFlags(t, sess)
	if sess.MaxAge != int(account.SessionMax.Seconds()) {
		t.Errorf("session MaxAge = %d, want %d", sess.MaxAge, int(account.SessionMax.Seconds()))
	}
	if sess.Domain != "" {
		t.Errorf("session Domain = %q, want none", sess.Domain)
	}
}

func findCookie(t *testing.T, p page, name string) *http.Cookie {
	t.Helper()
	for _, line := range p.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie set; Set-Cookie: %q", name, p.header.Values("Set-Cookie"))
	return nil
}

func checkFlags(t *testing.T, c *http.Cookie) {
	t.Helper()
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie %s: HttpOnly=%v Secure=%v SameSite=%v Path=%q; want HttpOnly, Secure, SameSite=Lax, Path=/",
			c.Name, c.HttpOnly, c.Secure, c.SameSite, c.Path)
	}
}

func TestDevOutboxOnlyForLoopbackWithoutSMTP(t *testing.T) {
	env := newEnv(t)
	sender, err := mail.NewSMTPSender("smtp://mail.example.com:587", "noreply@example.com")
	if err != nil {
		t.Fatal(err)
	}
	smtpEnv := newEnvWith(t, func(c *web.Config) { c.Outbox = mail.NewOutbox(env.db, nil, sender) })
	tests := []struct {
		name      string
		handler   http.Handler
		remote    string
		forwarded string // X-Forwarded-For, as a reverse proxy adds it
		want      int
	}{
		{"loopback, no SMTP", env.handler, "127.0.0.1:5000", "", http.StatusOK},
		{"loopback IPv6, no SMTP", env.handler, "[::1]:5000", "", http.StatusOK},
		{"remote, no SMTP", env.handler, "203.0.113.9:5000", "", http.StatusNotFound},
		{"loopback, SMTP", smtpEnv.handler, "127.0.0.1:5000", "", http.StatusNotFound},
		{"loopback through a proxy", env.handler, "127.0.0.1:5000", "198.51.100.7", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/dev/outbox", nil)
			req.RemoteAddr = tt.remote
			if tt.forwarded != "" {
				req.Header.Set("X-Forwarded-For", tt.forwarded)
			}
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, req)
			if rec.Code != tt.want {
				t.Fatalf("GET /dev/outbox from %s = %d, want %d", tt.remote, rec.Code, tt.want)
			}
		})
	}

	// With SMTP, the forgot-password answer does not point at the outbox.
	b := smtpEnv.newBrowser()
	p := b.submit("/forgot", "/forgot", url.Values{"email": {"x@example.com"}})
	mustSee(t, "forgot with SMTP", p, "If an account exists for that email, we sent a link")
	mustNotSee(t, "forgot with SMTP", p, "/dev/outbox")
}

func TestBodyLimit(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Big", "big@example.com")
	b.get("/brands/new")
	form := brandForm("Huge")
	form.Set("description", strings.Repeat("x", 2<<20))
	p := b.post("/brands", form)
	mustStatus(t, "huge form", p, http.StatusRequestEntityTooLarge)
}

func TestPublicPages(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	tests := []struct {
		path   string
		status int
		texts  []string
	}{
		{"/", http.StatusOK, []string{"Create your account", "essential cookies"}},
		{"/privacy", http.StatusOK, []string{"Version 1, 2026-11-29", "AES-256-GCM", "only the folders you choose", "per brand",
			"sends your account data (names, emails), credentials or tokens, or payment data", "stores no card data", "IP address", "only after you consent",
			"within 30 days", "not for people under 16", "email you about significant changes", "only essential cookies"}},
		{"/no-such-page", http.StatusNotFound, []string{"Page not found", "There is no page at this address."}},
		{"/static/", http.StatusNotFound, []string{"Page not found"}},
		{"/reset?token=not-a-token", http.StatusNotFound, []string{"This reset link is not valid any more"}},
		{"/invitations/accept?token=nope", http.StatusNotFound, []string{"This invitation link is not valid any more."}},
		{"/brands", http.StatusOK, []string{"Sign in"}}, // redirected to the sign-in page
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := b.get(tt.path)
			mustStatus(t, tt.path, p, tt.status)
			mustSee(t, tt.path, p, tt.texts...)
		})
	}
	p := b.get("/static/htmx.min.js")
	mustStatus(t, "htmx", p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Fatalf("htmx Content-Type = %q", ct)
	}
	if !strings.Contains(p.raw, "htmx") {
		t.Fatal("htmx.min.js is not htmx")
	}
}

func TestSandboxBanner(t *testing.T) {
	env := newEnvWith(t, func(c *web.Config) { c.Sandbox = true })
	p := env.newBrowser().get("/login")
	mustSee(t, "sandbox", p, "Sandbox mode")
	p = newEnv(t).newBrowser().get("/login")
	mustNotSee(t, "no sandbox", p, "Sandbox mode")
}

func TestSettings(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Sam", "sam@example.com")
	other := env.newBrowser()
	other.signIn("sam@example.com", testPassword)

	p := b.submit("/settings", "/settings/profile", url.Values{"name": {"Samuel"}})
	mustSee(t, "rename", p, "Your name is saved.", "Samuel")
	p = b.submit("/settings", "/settings/account", url.Values{"account_name": {"Samuel Supplies"}})
	mustSee(t, "account name", p, "Account name saved.", "Samuel Supplies")

	p = b.submit("/settings", "/settings/password", url.Values{"current_password": {"wrong wrong wrong"}, "new_password": {"another good passphrase"}})
	mustStatus(t, "wrong current password", p, http.StatusBadRequest)
	mustSee(t, "wrong current password", p, "Your current password is not correct.")

	p = b.submit("/settings", "/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"another good passphrase"}})
	mustSee(t, "password change", p, "Your password is changed. Your other sessions have ended.")
	if p := other.get("/dashboard"); p.path != "/login" {
		t.Fatalf("other session survived the password change (at %s)", p.path)
	}
	if p := b.get("/dashboard"); p.path != "/dashboard" {
		t.Fatalf("this session ended with the password change (at %s)", p.path)
	}
}

func TestNewRejectsMissingServices(t *testing.T) {
	if _, err := web.New(web.Config{}); err == nil {
		t.Fatal("New with no services succeeded")
	}
}

func TestErrorPagesAndLogging(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Err", "err@example.com")
	mustStatus(t, "404", b.get("/brands/0190b6b4-0000-7000-8000-000000000000"), http.StatusNotFound)
	if strings.Contains(env.logs.String(), "request failed") {
		t.Fatalf("a 404 was logged as an error:\n%s", env.logs.String())
	}

	env.db.Close() // every query now fails: an internal error
	p := b.get("/dashboard")
	mustStatus(t, "database down", p, http.StatusInternalServerError)
	mustSee(t, "500 page", p, "Something went wrong", "Please try again.")
	mustNotSee(t, "500 page", p, "sql:", "database is closed")
	if logs := env.logs.String(); !strings.Contains(logs, "request failed") || !strings.Contains(logs, "database is closed") {
		t.Fatalf("the internal error was not logged with its cause:\n%s", logs)
	}
}
