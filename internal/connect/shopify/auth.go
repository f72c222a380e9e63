package shopify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// Errors of the authorization flow.
var (
	// ErrInvalidShop: the shop is not a name.myshopify.com domain.
	ErrInvalidShop = errors.New("shopify: not a valid shop domain (name.myshopify.com)")
	// ErrShopMismatch: the callback is for another shop than the one the
	// authorization was started for.
	ErrShopMismatch = errors.New("shopify: the callback is for another shop")
	// ErrStaleCallback: the callback's timestamp is missing or more than
	// CallbackTolerance away from now (a replay, or a clock far off).
	ErrStaleCallback = errors.New("shopify: the callback is too old")
	// ErrScopesNotGranted: the store granted fewer scopes than asked for.
	ErrScopesNotGranted = errors.New("shopify: the store did not grant the access asked for")
	// ErrBadHMAC: the callback's hmac is missing or wrong. It is also
	// connect.ErrBadSignature (errors.Is).
	ErrBadHMAC error = badHMAC{}
)

type badHMAC struct{}

func (badHMAC) Error() string        { return "shopify: the callback's hmac does not verify" }
func (badHMAC) Is(target error) bool { return target == connect.ErrBadSignature }

// CallbackTolerance is how far a callback's timestamp may be from now.
const CallbackTolerance = 90 * time.Second

var shopPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$`)

// NormalizeShop checks a shop domain as a seller may type it ("Name.myshopify.com",
// "https://name.myshopify.com/") and returns it lower-cased and bare, or
// ErrInvalidShop.
func NormalizeShop(shop string) (string, error) {
	s := strings.TrimSpace(shop)
	if len(s) >= 8 && strings.EqualFold(s[:8], "https://") {
		s = s[8:]
	}
	s = strings.TrimSuffix(s, "/")
	if !shopPattern.MatchString(s) {
		return "", ErrInvalidShop
	}
	return strings.ToLower(s), nil
}

// BeginAuth returns Shopify's authorize URL for req.Shop, asking for
// offline access (grant_options[] empty) to the configured scopes.
func (c *Client) BeginAuth(_ context.Context, req connect.AuthRequest) (connect.AuthStart, error) {
	shop, err := NormalizeShop(req.Shop)
	if err != nil {
		return connect.AuthStart{}, err
	}
	if req.State == "" || req.RedirectURI == "" {
		return connect.AuthStart{}, errors.New("shopify: begin auth: state and redirect URI are required")
	}
	q := url.Values{
		"client_id":       {c.opts.ClientID},
		"scope":           {strings.Join(c.opts.Scopes, ",")},
		"redirect_uri":    {req.RedirectURI},
		"state":           {req.State},
		"grant_options[]": {""},
	}
	return connect.AuthStart{URL: c.base(shop) + "/admin/oauth/authorize?" + q.Encode(), Shop: shop}, nil
}

// CompleteAuth verifies the callback (HMAC over the query, timestamp,
// shop) and exchanges the code for an expiring offline token. The state
// is the caller's to check.
func (c *Client) CompleteAuth(ctx context.Context, cb connect.Callback) (*connect.Credentials, error) {
	if err := c.VerifyQuery(cb.Query); err != nil {
		return nil, err
	}
	shop, err := NormalizeShop(cb.Query.Get("shop"))
	if err != nil {
		return nil, err
	}
	started, err := NormalizeShop(cb.Shop)
	if err != nil || started != shop {
		return nil, ErrShopMismatch
	}
	code := cb.Query.Get("code")
	if code == "" {
		return nil, errors.New("shopify: the callback has no code")
	}
	tok, err := c.token(ctx, shop, map[string]string{
		"client_id":     c.opts.ClientID,
		"client_secret": c.opts.ClientSecret,
		"code":          code,
		"expiring":      "1",
	})
	if err != nil {
		return nil, err
	}
	cr := c.credentials(shop, tok)
	if !scopesCover(cr.Scopes, c.opts.Scopes) {
		return nil, fmt.Errorf("%w: granted %q, asked for %q", ErrScopesNotGranted,
			strings.Join(cr.Scopes, ","), strings.Join(c.opts.Scopes, ","))
	}
	// The shop's name is a nicety: a failure here must not waste the
	// (single-use) code already exchanged.
	var data struct {
		Shop struct {
			Name string `json:"name"`
		} `json:"shop"`
	}
	if c.graphql(ctx, cr, "PlutoProShop", shopQuery, nil, &data) == nil {
		cr.Name = data.Shop.Name
	}
	return cr, nil
}

// VerifyQuery checks the hmac of a query Shopify signed (install and
// OAuth callback): hex HMAC-SHA256, with the client secret, of the other
// parameters sorted by key and form-encoded (as Shopify's own library
// does), and a timestamp within CallbackTolerance of now. A bad or
// missing hmac is ErrBadHMAC, which is also connect.ErrBadSignature.
func (c *Client) VerifyQuery(q url.Values) error {
	got, err := hex.DecodeString(q.Get("hmac"))
	if err != nil || len(got) == 0 {
		return ErrBadHMAC
	}
	msg := QueryMessage(q)
	ok := false
	for _, secret := range c.secrets() {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(msg))
		ok = hmac.Equal(m.Sum(nil), got) || ok
	}
	if !ok {
		return ErrBadHMAC
	}
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return ErrStaleCallback
	}
	if d := c.now().Sub(time.Unix(ts, 0)); d > CallbackTolerance || d < -CallbackTolerance {
		return ErrStaleCallback
	}
	return nil
}

// QueryMessage is what a query hmac signs: every parameter but hmac and
// signature, sorted by key, form-encoded and joined with "&".
func QueryMessage(q url.Values) string {
	rest := url.Values{}
	for k, v := range q {
		if k != "hmac" && k != "signature" {
			rest[k] = v
		}
	}
	return rest.Encode()
}

// secrets are the keys HMACs are checked with; an empty secret never
// verifies anything (anyone can sign with an empty key).
func (c *Client) secrets() []string {
	var out []string
	for _, s := range []string{c.opts.ClientSecret, c.opts.PreviousClientSecret} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Refresh exchanges the refresh token for a new access token and a new
// (rotated) refresh token. The caller must store the returned credentials
// before using them: the old refresh token stops working once the new one
// is used. Credentials without a refresh token (non-expiring offline
// tokens) come back unchanged. A refused refresh token wraps both
// connect.ErrUnauthorized and a *connect.StoreError (invalid_grant).
func (c *Client) Refresh(ctx context.Context, cr *connect.Credentials) (*connect.Credentials, error) {
	if cr == nil {
		return nil, errors.New("shopify: refresh: no credentials")
	}
	if cr.RefreshToken == "" {
		return cr, nil
	}
	tok, err := c.token(ctx, cr.Account, map[string]string{
		"client_id":     c.opts.ClientID,
		"client_secret": c.opts.ClientSecret,
		"grant_type":    "refresh_token",
		"refresh_token": cr.RefreshToken,
	})
	if err != nil {
		return nil, err
	}
	out := c.credentials(cr.Account, tok)
	out.Name = cr.Name
	for k, v := range cr.Extra {
		if _, ok := out.Extra[k]; !ok {
			out.Extra[k] = v
		}
	}
	return out, nil
}

// tokenAnswer is the access token endpoint's answer.
type tokenAnswer struct {
	AccessToken           string `json:"access_token"`
	Scope                 string `json:"scope"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshToken          string `json:"refresh_token"`
	RefreshTokenExpiresIn int64  `json:"refresh_token_expires_in"`
}

// token posts to the shop's access token endpoint.
func (c *Client) token(ctx context.Context, shop string, params map[string]string) (*tokenAnswer, error) {
	const op = "access token"
	if _, err := NormalizeShop(shop); err != nil {
		return nil, err
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	endpoint := c.base(shop) + "/admin/oauth/access_token"
	status, _, answer, err := c.send(ctx, op, func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		err := httpError(op, status, answer)
		var se *connect.StoreError
		if errors.As(err, &se) && (se.Code == "invalid_grant" || se.Code == "invalid_request") && params["grant_type"] == "refresh_token" {
			return nil, fmt.Errorf("shopify: refresh: %w (%w)", connect.ErrUnauthorized, se)
		}
		return nil, err
	}
	var tok tokenAnswer
	if err := json.Unmarshal(answer, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("shopify: %s: %w", op, &connect.StoreError{
			Platform: connect.Shopify, Status: status, Message: "the token answer has no access token",
		})
	}
	return &tok, nil
}

func (c *Client) credentials(shop string, tok *tokenAnswer) *connect.Credentials {
	now := c.now()
	cr := &connect.Credentials{
		Account:      shop,
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Scopes:       splitScopes(tok.Scope),
		Extra:        map[string]string{},
	}
	if tok.ExpiresIn > 0 {
		cr.ExpiresAt = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	if tok.RefreshTokenExpiresIn > 0 {
		cr.Extra["refresh_token_expires_at"] = now.Add(time.Duration(tok.RefreshTokenExpiresIn) * time.Second).UTC().Format(time.RFC3339)
	}
	return cr
}

func splitScopes(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// scopesCover reports whether granted includes every wanted scope; Shopify
// reports write_X alone when read_X was granted with it.
func scopesCover(granted, wanted []string) bool {
	for _, w := range wanted {
		if slices.Contains(granted, w) {
			continue
		}
		if r, ok := strings.CutPrefix(w, "read_"); ok && slices.Contains(granted, "write_"+r) {
			continue
		}
		return false
	}
	return true
}
