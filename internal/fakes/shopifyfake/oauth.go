package shopifyfake

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authCode is an authorization code handed out by the authorize page.
type authCode struct {
	shop        string
	scopes      []string
	redirectURI string
	expiresAt   time.Time
	used        bool
}

// accessToken is a shpat_ token.
type accessToken struct {
	shop      string
	scopes    []string
	expiresAt time.Time // zero: does not expire
	revoked   bool
}

// refreshToken is a shprt_ token. It rotates: using it issues a successor,
// and it stays valid until the successor is first used.
type refreshToken struct {
	shop      string
	scopes    []string
	expiresAt time.Time
	revoked   bool
	used      bool
	successor string
}

const refreshTTL = 90 * 24 * time.Hour

var scopePattern = regexp.MustCompile(`^(read|write|unauthenticated_read|unauthenticated_write)_[a-z_]+$`)

func secret(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// SignQuery adds Shopify's hmac to q: hex HMAC-SHA256 with the client
// secret over the other parameters, sorted and form-encoded.
func SignQuery(q url.Values, clientSecret string) {
	q.Del("hmac")
	rest := url.Values{}
	for k, v := range q {
		if k != "signature" {
			rest[k] = v
		}
	}
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(rest.Encode()))
	q.Set("hmac", hex.EncodeToString(m.Sum(nil)))
}

func oauthPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<!DOCTYPE html><title>Oauth error</title><h1>Oauth error " + template(msg) + "</h1>"))
}

func template(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// handleAuthorize is the consent page. The fake consents at once, as a
// sandbox merchant would: it redirects to redirect_uri with code, hmac,
// host, shop, state and timestamp.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request, sh *shop) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.ClientID {
		oauthPage(w, http.StatusBadRequest, "invalid_request: The client_id is invalid")
		return
	}
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if err != nil || (ru.Scheme != "https" && ru.Scheme != "http") || ru.Host == "" {
		oauthPage(w, http.StatusBadRequest, "invalid_request: The redirect_uri is missing or not a URL")
		return
	}
	if len(s.opts.RedirectURIs) > 0 && !slices.Contains(s.opts.RedirectURIs, redirect) {
		oauthPage(w, http.StatusBadRequest, "invalid_request: The redirect_uri is not whitelisted")
		return
	}
	var scopes []string
	for _, sc := range strings.Split(q.Get("scope"), ",") {
		if sc = strings.TrimSpace(sc); sc == "" {
			continue
		}
		if !scopePattern.MatchString(sc) {
			oauthPage(w, http.StatusBadRequest, "invalid_scope: "+sc)
			return
		}
		scopes = append(scopes, sc)
	}
	now := s.now()
	code := secret("")
	s.mu.Lock()
	s.codes[code] = &authCode{shop: sh.domain, scopes: scopes, redirectURI: redirect, expiresAt: now.Add(10 * time.Minute)}
	s.mu.Unlock()

	cb := ru.Query()
	cb.Set("code", code)
	cb.Set("host", base64.RawStdEncoding.EncodeToString([]byte("admin.shopify.com/store/"+strings.TrimSuffix(sh.domain, ".myshopify.com"))))
	cb.Set("shop", sh.domain)
	cb.Set("state", q.Get("state"))
	cb.Set("timestamp", strconv.FormatInt(now.Unix(), 10))
	SignQuery(cb, s.opts.ClientSecret)
	ru.RawQuery = cb.Encode()
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc})
}

// handleAccessToken exchanges a code (or, with grant_type refresh_token, a
// refresh token) for tokens. "expiring":"1" asks for an expiring offline
// token with a refresh token.
func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request, sh *shop, body []byte) {
	params := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			tokenError(w, http.StatusBadRequest, "invalid_request", "The request body is not JSON")
			return
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				params[k] = v
			case bool:
				params[k] = strconv.FormatBool(v)
			case float64:
				params[k] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
	} else {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			tokenError(w, http.StatusBadRequest, "invalid_request", "The request body cannot be read")
			return
		}
		for k := range q {
			params[k] = q.Get(k)
		}
	}
	if params["client_id"] != s.opts.ClientID ||
		!hmac.Equal([]byte(params["client_secret"]), []byte(s.opts.ClientSecret)) {
		tokenError(w, http.StatusBadRequest, "invalid_client", "Client authentication failed")
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()

	switch params["grant_type"] {
	case "refresh_token":
		rt := s.refresh[params["refresh_token"]]
		if rt == nil || rt.revoked || rt.shop != sh.domain || now.After(rt.expiresAt) ||
			(rt.successor != "" && s.refresh[rt.successor] != nil && s.refresh[rt.successor].used) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "The refresh token is invalid, expired or revoked")
			return
		}
		rt.used = true
		if old := s.refresh[rt.successor]; old != nil { // an unused earlier successor: replaced
			old.revoked = true
		}
		ans, newRefresh := s.issue(sh.domain, rt.scopes, true, now)
		rt.successor = newRefresh
		writeJSON(w, http.StatusOK, ans)
	case "", "authorization_code":
		c := s.codes[params["code"]]
		if c == nil || c.used || c.shop != sh.domain || now.After(c.expiresAt) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "The authorization code was not found or was already used")
			return
		}
		c.used = true
		expiring := params["expiring"] == "1" || params["expiring"] == "true"
		if expiring {
			// One active refresh token per app and shop.
			for _, rt := range s.refresh {
				if rt.shop == sh.domain {
					rt.revoked = true
				}
			}
		}
		ans, _ := s.issue(sh.domain, c.scopes, expiring, now)
		writeJSON(w, http.StatusOK, ans)
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "The grant type is not supported")
	}
}

// issue makes an access token (and, when expiring, a refresh token) and
// returns the token answer. The caller holds s.mu.
func (s *Server) issue(domain string, scopes []string, expiring bool, now time.Time) (map[string]any, string) {
	at := secret("shpat_")
	tok := &accessToken{shop: domain, scopes: slices.Clone(scopes)}
	ans := map[string]any{"access_token": at, "scope": strings.Join(reportedScopes(scopes), ",")}
	var rt string
	if expiring {
		tok.expiresAt = now.Add(s.opts.AccessTokenTTL)
		rt = secret("shprt_")
		s.refresh[rt] = &refreshToken{shop: domain, scopes: slices.Clone(scopes), expiresAt: now.Add(refreshTTL)}
		ans["expires_in"] = int64(s.opts.AccessTokenTTL / time.Second)
		ans["refresh_token"] = rt
		ans["refresh_token_expires_in"] = int64(refreshTTL / time.Second)
	}
	s.access[at] = tok
	return ans, rt
}

// reportedScopes is how Shopify reports granted scopes: read_X is implied
// by write_X and left out.
func reportedScopes(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		if r, ok := strings.CutPrefix(sc, "read_"); ok && slices.Contains(scopes, "write_"+r) {
			continue
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// hasScope reports whether granted allows want (write_X allows read_X).
func hasScope(granted []string, want string) bool {
	if slices.Contains(granted, want) {
		return true
	}
	r, ok := strings.CutPrefix(want, "read_")
	return ok && slices.Contains(granted, "write_"+r)
}

// authenticate returns the scopes of a live access token for the shop.
// The caller holds s.mu.
func (s *Server) authenticate(domain, token string, now time.Time) ([]string, bool) {
	t := s.access[token]
	if token == "" || t == nil || t.revoked || t.shop != domain || (!t.expiresAt.IsZero() && !now.Before(t.expiresAt)) {
		return nil, false
	}
	return t.scopes, true
}

// IssueToken gives a test an access token for a shop without the OAuth
// dance (non-expiring, with the scopes given).
func (s *Server) IssueToken(domain string, scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ans, _ := s.issue(strings.ToLower(domain), scopes, false, s.now())
	return ans["access_token"].(string)
}

// RevokeTokens revokes every token of a shop (as an uninstall does).
func (s *Server) RevokeTokens(domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revokeLocked(strings.ToLower(domain))
}

func (s *Server) revokeLocked(domain string) {
	for _, t := range s.access {
		if t.shop == domain {
			t.revoked = true
		}
	}
	for _, t := range s.refresh {
		if t.shop == domain {
			t.revoked = true
		}
	}
}
