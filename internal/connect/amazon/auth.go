package amazon

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// BeginAuth returns Seller Central's consent URL for the seller.
func (c *Client) BeginAuth(ctx context.Context, req connect.AuthRequest) (connect.AuthStart, error) {
	if c.err != nil {
		return connect.AuthStart{}, c.err
	}
	if req.State == "" {
		return connect.AuthStart{}, errors.New("amazon: authorization needs a state")
	}
	if c.o.ApplicationID == "" {
		return connect.AuthStart{}, errors.New("amazon: no application id configured")
	}
	q := url.Values{}
	q.Set("application_id", c.o.ApplicationID)
	q.Set("state", req.State)
	if req.RedirectURI != "" {
		q.Set("redirect_uri", req.RedirectURI)
	}
	if c.o.Beta {
		q.Set("version", "beta")
	}
	return connect.AuthStart{URL: c.o.SellerCentralURL + "/apps/authorize/consent?" + q.Encode()}, nil
}

// sellerIDPattern is what a selling partner id looks like.
var sellerIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

// CompleteAuth reads spapi_oauth_code and selling_partner_id from the
// callback (the caller has checked state) and exchanges the code for
// tokens.
func (c *Client) CompleteAuth(ctx context.Context, cb connect.Callback) (*connect.Credentials, error) {
	if c.err != nil {
		return nil, c.err
	}
	code := cb.Query.Get("spapi_oauth_code")
	seller := cb.Query.Get("selling_partner_id")
	if code == "" {
		return nil, errors.New("amazon: the callback has no spapi_oauth_code")
	}
	if seller == "" {
		return nil, errors.New("amazon: the callback has no selling_partner_id")
	}
	if !sellerIDPattern.MatchString(seller) {
		return nil, errors.New("amazon: the callback's selling_partner_id is not valid")
	}
	form := url.Values{}
	form.Set("grant_type", "authorization_code")
	form.Set("code", code)
	if cb.RedirectURI != "" {
		form.Set("redirect_uri", cb.RedirectURI)
	}
	tok, err := c.lwa(ctx, form, code)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		return nil, errors.New("amazon: LWA granted no refresh token")
	}
	cr := &connect.Credentials{
		Account:      seller,
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		ExpiresAt:    tok.expiresAt(c.now()),
		Extra:        map[string]string{"marketplace_id": c.o.MarketplaceID, "region": c.reg},
	}
	c.tokens.put(c.o.ClientID, tok.RefreshToken, tok.AccessToken, cr.ExpiresAt, c.now())
	return cr, nil
}

// Refresh renews the access token with the refresh token. A refresh token
// LWA no longer accepts (the seller removed the app) is
// connect.ErrUnauthorized.
func (c *Client) Refresh(ctx context.Context, cr *connect.Credentials) (*connect.Credentials, error) {
	if c.err != nil {
		return nil, c.err
	}
	if cr == nil || cr.RefreshToken == "" {
		return nil, fmt.Errorf("amazon: no refresh token: %w", connect.ErrUnauthorized)
	}
	tok, err := c.refresh(ctx, cr.RefreshToken)
	if err != nil {
		return nil, err
	}
	out := *cr
	out.AccessToken = tok.AccessToken
	out.ExpiresAt = tok.expiresAt(c.now())
	if tok.RefreshToken != "" {
		out.RefreshToken = tok.RefreshToken
	}
	out.Extra = map[string]string{}
	for k, v := range cr.Extra {
		out.Extra[k] = v
	}
	return &out, nil
}

// refresh asks LWA for a new access token and caches it.
func (c *Client) refresh(ctx context.Context, refreshToken string) (*tokenResponse, error) {
	form := url.Values{}
	form.Set("grant_type", "refresh_token")
	form.Set("refresh_token", refreshToken)
	tok, err := c.lwa(ctx, form, refreshToken)
	if err != nil {
		var se *connect.StoreError
		if errors.As(err, &se) && se.Code == "invalid_grant" {
			return nil, fmt.Errorf("amazon: LWA refused the refresh token (%s): %w", se.Message, connect.ErrUnauthorized)
		}
		return nil, err
	}
	c.tokens.put(c.o.ClientID, refreshToken, tok.AccessToken, tok.expiresAt(c.now()), c.now())
	return tok, nil
}

// accessToken is the access token to send: the credentials' own while it
// is good, else one refreshed (and cached) with the refresh token. refused
// is a token Amazon just refused ("" for none): another is fetched. Callers
// sharing a refresh token refresh it once.
func (c *Client) accessToken(ctx context.Context, cr *connect.Credentials, refused string) (string, error) {
	now := c.now()
	if refused == "" && cr.AccessToken != "" && !cr.Expiring(now, time.Minute) {
		return cr.AccessToken, nil
	}
	if cr.RefreshToken == "" {
		if refused == "" && cr.AccessToken != "" {
			return cr.AccessToken, nil
		}
		return "", fmt.Errorf("amazon: the access token is not accepted and there is no refresh token: %w", connect.ErrUnauthorized)
	}
	unlock := c.tokens.lock(c.o.ClientID, cr.RefreshToken)
	defer unlock()
	if tok, ok := c.tokens.get(c.o.ClientID, cr.RefreshToken, now.Add(time.Minute)); ok && tok != refused {
		return tok, nil
	}
	tok, err := c.refresh(ctx, cr.RefreshToken)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// tokenResponse is LWA's answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func (t *tokenResponse) expiresAt(now time.Time) time.Time {
	if t.ExpiresIn <= 0 {
		return now.Add(time.Hour)
	}
	return now.Add(time.Duration(t.ExpiresIn) * time.Second)
}

// lwaError is LWA's error shape.
type lwaError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// lwa posts a grant to the token endpoint with the client credentials,
// retrying throttled, failed and dropped calls. secret is the grant's own
// secret (code or refresh token), kept out of errors.
func (c *Client) lwa(ctx context.Context, form url.Values, secret string) (*tokenResponse, error) {
	form.Set("client_id", c.o.ClientID)
	form.Set("client_secret", c.o.ClientSecret)
	body := form.Encode()
	scrub := scrubber(c.o.ClientSecret, secret)
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.LWAURL, strings.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("amazon: LWA request: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", userAgent)
		resp, err := c.hc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if attempt < c.o.MaxRetries {
				if err := c.backoff(ctx, attempt, 0); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("amazon: LWA token: %w", sanitize(err))
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			if attempt < c.o.MaxRetries {
				if err := c.backoff(ctx, attempt, 0); err != nil {
					return nil, err
				}
				continue
			}
			return nil, fmt.Errorf("amazon: LWA token: %w", sanitize(err))
		}
		if resp.StatusCode == http.StatusOK {
			var tok tokenResponse
			if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" {
				return nil, &connect.StoreError{Platform: connect.Amazon, Status: resp.StatusCode, Message: "LWA answered no access token"}
			}
			return &tok, nil
		}
		if (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) && attempt < c.o.MaxRetries {
			if err := c.backoff(ctx, attempt, retryAfter(resp.Header)); err != nil {
				return nil, err
			}
			continue
		}
		var le lwaError
		_ = json.Unmarshal(b, &le)
		msg := le.Description
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return nil, &connect.StoreError{Platform: connect.Amazon, Status: resp.StatusCode, Code: le.Error, Message: scrub("LWA: " + msg),
			Retryable: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500}
	}
}

// scrubber returns a function removing secrets from text shown in errors.
func scrubber(secrets ...string) func(string) string {
	return func(s string) string {
		for _, x := range secrets {
			if len(x) >= 4 {
				s = strings.ReplaceAll(s, x, "[redacted]")
			}
		}
		return s
	}
}

// tokenCache keeps access tokens the client refreshed itself, keyed by a
// hash of the client id and refresh token.
type tokenCache struct {
	mu      sync.Mutex
	m       map[[32]byte]cachedToken
	refresh [64]sync.Mutex // striped by key: one refresh per refresh token at a time
}

type cachedToken struct {
	token   string
	expires time.Time
}

const tokenCacheSize = 4096

func newTokenCache() *tokenCache { return &tokenCache{m: map[[32]byte]cachedToken{}} }

func tokenKey(clientID, refresh string) [32]byte {
	return sha256.Sum256([]byte(clientID + "\x00" + refresh))
}

// lock serialises the refreshes of one refresh token.
func (tc *tokenCache) lock(clientID, refresh string) (unlock func()) {
	k := tokenKey(clientID, refresh)
	m := &tc.refresh[k[0]%byte(len(tc.refresh))]
	m.Lock()
	return m.Unlock
}

// get returns the cached token if it is still good at t.
func (tc *tokenCache) get(clientID, refresh string, t time.Time) (string, bool) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	ct, ok := tc.m[tokenKey(clientID, refresh)]
	if !ok || !ct.expires.After(t) {
		return "", false
	}
	return ct.token, true
}

func (tc *tokenCache) put(clientID, refresh, token string, expires, now time.Time) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= tokenCacheSize {
		for k, v := range tc.m {
			if v.expires.Before(now) {
				delete(tc.m, k)
			}
		}
		if len(tc.m) >= tokenCacheSize {
			clear(tc.m)
		}
	}
	tc.m[tokenKey(clientID, refresh)] = cachedToken{token: token, expires: expires}
}
