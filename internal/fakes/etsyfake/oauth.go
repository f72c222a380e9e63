package etsyfake

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scopes lists the OAuth scopes Etsy knows.
var Scopes = []string{
	"address_r", "address_w", "billing_r", "cart_r", "cart_w", "email_r", "favorites_r", "favorites_w",
	"feedback_r", "listings_d", "listings_r", "listings_w", "profile_r", "profile_w", "recommend_r",
	"recommend_w", "shops_r", "shops_w", "transactions_r", "transactions_w",
}

const (
	codeTTL    = 10 * time.Minute
	refreshTTL = 90 * 24 * time.Hour
)

// authCode is an authorization code waiting to be exchanged.
type authCode struct {
	redirectURI string
	challenge   string
	scopes      []string
	expires     time.Time
	used        bool
}

// token is an access or refresh token.
type token struct {
	userID  int64
	scopes  []string
	expires time.Time
	revoked bool
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// validVerifier reports whether v is a PKCE code verifier: 43 to 128 of
// [A-Za-z0-9-._~].
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// challengeOf is the S256 code challenge of a verifier.
func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// errorPage answers an authorization request that cannot be redirected.
func errorPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><title>Etsy</title><p>%s</p>\n", html.EscapeString(msg))
}

// redirect sends the browser back to the app with params.
func redirect(w http.ResponseWriter, r *http.Request, to *url.URL, params url.Values) {
	u := *to
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Server) handleConnect(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.Keystring {
		errorPage(w, "The application that is requesting authorization was not recognised (client_id).")
		return
	}
	raw := q.Get("redirect_uri")
	to, err := url.Parse(raw)
	if raw == "" || err != nil || !to.IsAbs() || to.Host == "" || to.Fragment != "" ||
		(len(s.opts.RedirectURIs) > 0 && !slices.Contains(s.opts.RedirectURIs, raw)) {
		errorPage(w, "The requested redirect URL is not permitted.")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		p := url.Values{"error": {code}, "error_description": {desc}}
		if state != "" {
			p.Set("state", state)
		}
		redirect(w, r, to, p)
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	if state == "" {
		fail("invalid_request", "state is required")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		fail("invalid_scope", "scope is required")
		return
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			fail("invalid_scope", "unknown scope "+strconv.Quote(sc)+" (scopes are separated by spaces)")
			return
		}
	}
	if q.Get("code_challenge_method") != "S256" {
		fail("invalid_request", "code_challenge_method must be S256")
		return
	}
	challenge := q.Get("code_challenge")
	if b, err := base64.RawURLEncoding.DecodeString(challenge); err != nil || len(b) != sha256.Size {
		fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code verifier")
		return
	}
	s.mu.Lock()
	consent := s.consent
	code := ""
	if consent {
		code = randomString(48)
		s.codes[code] = &authCode{redirectURI: raw, challenge: challenge, scopes: scopes, expires: s.now().Add(codeTTL)}
	}
	s.mu.Unlock()
	if !consent {
		fail("access_denied", "The user denied the request")
		return
	}
	redirect(w, r, to, url.Values{"code": {code}, "state": {state}})
}

// tokenAnswer is the token endpoint's success body.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// issue makes a new access and refresh token pair; the caller holds s.mu.
func (s *Server) issue(userID int64, scopes []string) tokenAnswer {
	now := s.now()
	prefix := strconv.FormatInt(userID, 10) + "."
	a, rt := randomString(48), randomString(48)
	s.access[a] = &token{userID: userID, scopes: scopes, expires: now.Add(s.opts.AccessTokenTTL)}
	s.refresh[rt] = &token{userID: userID, scopes: scopes, expires: now.Add(refreshTTL)}
	return tokenAnswer{AccessToken: prefix + a, TokenType: "Bearer", ExpiresIn: int(s.opts.AccessTokenTTL / time.Second), RefreshToken: prefix + rt}
}

// splitToken splits "<user_id>.<rest>".
func splitToken(t string) (int64, string, bool) {
	id, rest, ok := strings.Cut(t, ".")
	if !ok || rest == "" {
		return 0, "", false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, "", false
	}
	return n, rest, true
}

// lookupAccess finds a live access token, or says why not.
func (s *Server) lookupAccess(t string) (*token, string) {
	uid, rest, ok := splitToken(t)
	if !ok {
		return nil, "access token is invalid"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.access[rest]
	switch {
	case tok == nil || tok.userID != uid:
		return nil, "access token is invalid"
	case tok.revoked:
		return nil, "access token is revoked"
	case !s.now().Before(tok.expires):
		return nil, "access token is expired"
	}
	return tok, ""
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Api-Key") != "" {
		if code, msg := s.checkKey(r); code != 0 {
			writeError(w, code, msg)
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	f := r.PostForm
	if f.Get("client_id") == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_id is required")
		return
	}
	if subtle.ConstantTimeCompare([]byte(f.Get("client_id")), []byte(s.opts.Keystring)) != 1 {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client_id is not a known application")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, f)
	case "refresh_token":
		s.exchangeRefresh(w, f)
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

func (s *Server) exchangeCode(w http.ResponseWriter, f url.Values) {
	verifier := f.Get("code_verifier")
	if f.Get("code") == "" || f.Get("redirect_uri") == "" || verifier == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "code, redirect_uri and code_verifier are required")
		return
	}
	if !validVerifier(verifier) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.codes[f.Get("code")]
	switch {
	case c == nil:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code is invalid")
		return
	case c.used:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code has already been used")
		return
	case !s.now().Before(c.expires):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code is expired")
		return
	case c.redirectURI != f.Get("redirect_uri"):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
		return
	case subtle.ConstantTimeCompare([]byte(challengeOf(verifier)), []byte(c.challenge)) != 1:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	c.used = true
	writeJSON(w, http.StatusOK, s.issue(s.opts.UserID, c.scopes))
}

func (s *Server) exchangeRefresh(w http.ResponseWriter, f url.Values) {
	uid, rest, ok := splitToken(f.Get("refresh_token"))
	if !ok {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "refresh_token is invalid")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.refresh[rest]
	switch {
	case t == nil || t.userID != uid:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "refresh_token is invalid")
		return
	case t.revoked:
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "refresh_token is revoked")
		return
	case !s.now().Before(t.expires):
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "refresh_token is expired")
		return
	}
	t.revoked = true // rotation: the old refresh token is spent
	writeJSON(w, http.StatusOK, s.issue(t.userID, t.scopes))
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request, c caller) {
	writeJSON(w, http.StatusOK, map[string]int64{"user_id": c.tok.userID, "shop_id": s.opts.ShopID})
}
