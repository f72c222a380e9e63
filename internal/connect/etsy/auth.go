package etsy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// ExtraUserID is the Credentials.Extra key of the Etsy user id.
const ExtraUserID = "user_id"

// verifierBytes of randomness make a 64-character PKCE verifier.
const verifierBytes = 48

// newVerifier returns a random PKCE code verifier: 64 characters of
// [A-Za-z0-9-_].
func newVerifier() (string, error) {
	b := make([]byte, verifierBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("etsy: make PKCE verifier: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Challenge is the S256 PKCE code challenge of a verifier.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// BeginAuth returns Etsy's consent URL and the PKCE verifier the callback
// needs (kept server-side).
func (c *Client) BeginAuth(_ context.Context, req connect.AuthRequest) (connect.AuthStart, error) {
	if req.State == "" || req.RedirectURI == "" {
		return connect.AuthStart{}, errors.New("etsy: authorization needs a state and a redirect URI")
	}
	v, err := newVerifier()
	if err != nil {
		return connect.AuthStart{}, err
	}
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.keystring},
		"redirect_uri":          {req.RedirectURI},
		"scope":                 {strings.Join(c.scopes, " ")},
		"state":                 {req.State},
		"code_challenge":        {Challenge(v)},
		"code_challenge_method": {"S256"},
	}
	// url.Values encodes spaces as "+", which Etsy reads as the space
	// separating scopes; %20 says the same more plainly.
	enc := strings.ReplaceAll(q.Encode(), "+", "%20")
	return connect.AuthStart{URL: c.authBase + "/oauth/connect?" + enc, Verifier: v}, nil
}

// tokenAnswer is the token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// token posts a grant to the token endpoint. A refusal is a StoreError
// carrying Etsy's OAuth error code.
func (c *Client) token(ctx context.Context, form url.Values, secrets ...string) (*tokenAnswer, error) {
	k := call{
		method:    http.MethodPost,
		path:      "/v3/public/oauth/token",
		body:      []byte(form.Encode()),
		ctype:     "application/x-www-form-urlencoded",
		secrets:   secrets,
		unmetered: true,
	}
	a, err := c.do(ctx, k)
	if err != nil {
		return nil, err
	}
	if !a.ok() {
		return nil, c.storeError(a, k)
	}
	var t tokenAnswer
	if err := json.Unmarshal(a.body, &t); err != nil || t.AccessToken == "" {
		return nil, errors.New("etsy: the token endpoint answered without an access token")
	}
	return &t, nil
}

// CompleteAuth exchanges the callback's code (with the PKCE verifier) for
// tokens and learns the user and shop: Credentials.Account is the shop id,
// Extra["user_id"] the user id. A callback carrying an error (the seller
// declined) is a *connect.StoreError with Etsy's error code.
func (c *Client) CompleteAuth(ctx context.Context, cb connect.Callback) (*connect.Credentials, error) {
	q := cb.Query
	if e := q.Get("error"); e != "" {
		msg := q.Get("error_description")
		status := http.StatusBadRequest
		if e == "access_denied" {
			status = http.StatusForbidden
			if msg == "" {
				msg = "the seller did not grant PlutoPro access to the shop"
			}
		}
		if msg == "" {
			msg = "Etsy did not authorize the connection"
		}
		return nil, &connect.StoreError{Platform: connect.Etsy, Status: status, Code: e, Message: msg}
	}
	code := q.Get("code")
	if code == "" {
		return nil, errors.New("etsy: the callback carries no authorization code")
	}
	if cb.Verifier == "" || cb.RedirectURI == "" {
		return nil, errors.New("etsy: completing authorization needs the PKCE verifier and the redirect URI")
	}
	start := c.now()
	t, err := c.token(ctx, url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {c.keystring},
		"redirect_uri":  {cb.RedirectURI},
		"code":          {code},
		"code_verifier": {cb.Verifier},
	}, code, cb.Verifier)
	if err != nil {
		return nil, err
	}
	var me struct {
		UserID int64 `json:"user_id"`
		ShopID int64 `json:"shop_id"`
	}
	meCall := call{method: http.MethodGet, path: "/v3/application/users/me", token: t.AccessToken, secrets: []string{t.RefreshToken}}
	if err := c.getJSON(ctx, meCall, &me); err != nil {
		return nil, err
	}
	if me.ShopID <= 0 {
		return nil, &connect.StoreError{Platform: connect.Etsy, Status: http.StatusNotFound, Message: "this Etsy account has no shop to connect"}
	}
	creds := &connect.Credentials{
		Account:      strconv.FormatInt(me.ShopID, 10),
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		ExpiresAt:    expiry(start, t.ExpiresIn),
		Scopes:       slices.Clone(c.scopes),
		Extra:        map[string]string{ExtraUserID: strconv.FormatInt(me.UserID, 10)},
	}
	// The shop's name is a nicety: a failure to read it does not fail the
	// connection.
	var shop struct {
		ShopName string `json:"shop_name"`
	}
	shopCall := call{method: http.MethodGet, path: "/v3/application/shops/" + creds.Account, token: t.AccessToken, secrets: []string{t.RefreshToken}}
	if err := c.getJSON(ctx, shopCall, &shop); err == nil {
		creds.Name = shop.ShopName
	} else if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return creds, nil
}

// expiry is when a token given at start for expiresIn seconds expires
// (Etsy says 3600 when it says nothing).
func expiry(start time.Time, expiresIn int64) time.Time {
	if expiresIn <= 0 {
		expiresIn = 3600
	}
	return start.Add(time.Duration(expiresIn) * time.Second)
}

// Refresh renews the access token. Etsy rotates refresh tokens: the
// returned credentials hold the new one, which must be stored before the
// old one is forgotten. A refused refresh token (revoked, expired) is
// connect.ErrUnauthorized.
func (c *Client) Refresh(ctx context.Context, cr *connect.Credentials) (*connect.Credentials, error) {
	if cr.RefreshToken == "" {
		return nil, fmt.Errorf("etsy: no refresh token: %w", connect.ErrUnauthorized)
	}
	start := c.now()
	t, err := c.token(ctx, url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {c.keystring},
		"refresh_token": {cr.RefreshToken},
	}, cr.RefreshToken, cr.AccessToken)
	if err != nil {
		var se *connect.StoreError
		if errors.As(err, &se) && (se.Code == "invalid_grant" || se.Status == http.StatusUnauthorized) {
			return nil, fmt.Errorf("etsy: %s: %w", se.Message, connect.ErrUnauthorized)
		}
		return nil, err
	}
	out := *cr
	out.Extra = maps.Clone(cr.Extra)
	out.Scopes = slices.Clone(cr.Scopes)
	out.AccessToken = t.AccessToken
	if t.RefreshToken != "" {
		out.RefreshToken = t.RefreshToken
	}
	out.ExpiresAt = expiry(start, t.ExpiresIn)
	return &out, nil
}
