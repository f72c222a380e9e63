package amazonfake

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Lifetimes LWA gives codes and access tokens.
const (
	CodeTTL        = 5 * time.Minute
	AccessTokenTTL = time.Hour
)

type authCode struct {
	seller      string
	redirectURI string
	expires     time.Time
	used        bool
}

type accessToken struct {
	seller  string
	expires time.Time
}

type refreshToken struct {
	seller string
}

// handleConsent is Seller Central's consent page, auto-consenting like a
// sandbox seller: GET /apps/authorize/consent?application_id=&state=
// [&redirect_uri=][&version=beta] redirects (302) to redirect_uri with
// state, selling_partner_id and spapi_oauth_code.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	app := q.Get("application_id")
	if app == "" || (s.opts.ApplicationID != "" && app != s.opts.ApplicationID) {
		http.Error(w, "We're sorry! This application is not available (the application_id is not valid).", http.StatusBadRequest)
		return
	}
	state := q.Get("state")
	if state == "" {
		http.Error(w, "We're sorry! The authorization request has no state.", http.StatusBadRequest)
		return
	}
	if v := q.Get("version"); v != "" && v != "beta" {
		http.Error(w, "We're sorry! The version parameter may only be beta.", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	u, err := url.Parse(redirect)
	if redirect == "" || err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		http.Error(w, "We're sorry! The redirect_uri is missing or is not one of the application's redirect URIs.", http.StatusBadRequest)
		return
	}
	code := "ANDG" + s.randString(16, alnum)
	s.mu.Lock()
	s.codes[code] = &authCode{seller: s.opts.SellerID, redirectURI: redirect, expires: s.now().Add(CodeTTL)}
	s.mu.Unlock()
	v := u.Query()
	v.Set("state", state)
	v.Set("selling_partner_id", s.opts.SellerID)
	v.Set("spapi_oauth_code", code)
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// writeLWAError answers in LWA's error shape.
func writeLWAError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]any{"error": code, "error_description": description})
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// handleToken is LWA's token endpoint, POST /auth/o2/token with a
// form-encoded body: grant_type authorization_code (code, redirect_uri) or
// refresh_token (refresh_token), with client_id and client_secret.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		writeLWAError(w, http.StatusBadRequest, "invalid_request", "The request has an invalid parameter : Content-Type")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeLWAError(w, http.StatusBadRequest, "invalid_request", "The request could not be parsed")
		return
	}
	f := r.PostForm
	for _, p := range []string{"grant_type", "client_id", "client_secret"} {
		if f.Get(p) == "" {
			writeLWAError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : "+p)
			return
		}
	}
	if (s.opts.ClientID != "" && !equal(f.Get("client_id"), s.opts.ClientID)) ||
		(s.opts.ClientSecret != "" && !equal(f.Get("client_secret"), s.opts.ClientSecret)) {
		writeLWAError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed")
		return
	}
	now := s.now()
	var seller, refresh string
	switch f.Get("grant_type") {
	case "authorization_code":
		code := f.Get("code")
		if code == "" {
			writeLWAError(w, http.StatusBadRequest, "invalid_request", "The request is missing a required parameter : code")
			return
		}
		s.mu.Lock()
		c := s.codes[code]
		ok := c != nil && !c.used && now.Before(c.expires)
		if c != nil {
			c.used = true // one try, as LWA: a refused code is spent too
		}
		s.mu.Unlock()
		if !ok {
			writeLWAError(w, http.StatusBadRequest, "invalid_grant", "The request has an invalid grant parameter : code")
			return
		}
		if f.Get("redirect_uri") != c.redirectURI {
			writeLWAError(w, http.StatusBadRequest, "invalid_grant", "The request has an invalid grant parameter : redirect_uri")
			return
		}
		seller = c.seller
		refresh = "Atzr|" + s.randString(160, alnum)
		s.mu.Lock()
		s.refresh[refresh] = &refreshToken{seller: seller}
		s.mu.Unlock()
	case "refresh_token":
		refresh = f.Get("refresh_token")
		s.mu.Lock()
		rt := s.refresh[refresh]
		s.mu.Unlock()
		if refresh == "" || rt == nil {
			writeLWAError(w, http.StatusBadRequest, "invalid_grant", "The request has an invalid grant parameter : refresh_token")
			return
		}
		seller = rt.seller
	default:
		writeLWAError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server")
		return
	}
	access := "Atza|" + s.randString(160, alnum)
	s.mu.Lock()
	s.access[access] = &accessToken{seller: seller, expires: now.Add(AccessTokenTTL)}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"refresh_token": refresh,
		"token_type":    "bearer",
		"expires_in":    int(AccessTokenTTL.Seconds()),
	})
}

// authorize checks the x-amz-access-token header: the seller it was granted
// for, or why it is refused.
func (s *Server) authorize(r *http.Request) (seller, refused string) {
	tok := r.Header.Get("x-amz-access-token")
	if tok == "" {
		return "", "The request is missing the x-amz-access-token header."
	}
	s.mu.Lock()
	at := s.access[tok]
	s.mu.Unlock()
	switch {
	case at == nil:
		return "", "The access token you provided is revoked, malformed or invalid."
	case !s.now().Before(at.expires):
		return "", "The access token you provided has expired."
	}
	return at.seller, ""
}

// RevokeTokens revokes every code, access token and refresh token, as a
// seller removing the app does: SP-API calls answer 403 and refreshing
// answers invalid_grant.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.codes)
	clear(s.access)
	clear(s.refresh)
}

// ExpireAccessTokens makes every access token expired (refresh tokens stay
// good).
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.access {
		at.expires = time.Time{}
	}
}

// ManualClock is a clock for Options.Now that only moves when told to.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
