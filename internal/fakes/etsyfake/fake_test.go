package etsyfake_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/fakes/etsyfake"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
)

const redirectURI = "https://plutopro.test/connect/etsy/callback"

// clock is a clock that moves only when told to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// start starts a fake; tests that are not about limits get a quota they
// never reach.
func start(t *testing.T, o etsyfake.Options) *etsyfake.Server {
	t.Helper()
	if o.PerSecond == 0 {
		o.PerSecond = 10_000
	}
	s := etsyfake.New(o)
	t.Cleanup(s.Close)
	return s
}

// noRedirect is a client that returns redirects instead of following them.
func noRedirect(s *etsyfake.Server) *http.Client {
	c := *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func challenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"

func connectQuery(s *etsyfake.Server) url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {s.Keystring()}, "redirect_uri": {redirectURI},
		"scope": {"listings_r listings_w"}, "state": {"st4te"},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"},
	}
}

// consent requests /oauth/connect and returns the status and, for a
// redirect, the query it carries.
func consent(t *testing.T, s *etsyfake.Server, q url.Values) (int, url.Values) {
	t.Helper()
	resp, err := noRedirect(s).Get(s.URL() + "/oauth/connect?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return resp.StatusCode, nil
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Fatalf("redirected to %s, want %s", got, redirectURI)
	}
	return resp.StatusCode, loc.Query()
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %s", a.status, a.body)
	}
	return m
}

// send makes a request with the app's key and the token (if any).
func send(t *testing.T, s *etsyfake.Server, method, path, token, ctype string, body []byte, key ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	k := s.Keystring() + ":" + s.SharedSecret()
	if len(key) > 0 {
		k = key[0]
	}
	if k != "" {
		req.Header.Set("X-Api-Key", k)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func get(t *testing.T, s *etsyfake.Server, path, token string) answer {
	t.Helper()
	return send(t, s, http.MethodGet, path, token, "", nil)
}

func postForm(t *testing.T, s *etsyfake.Server, path string, form url.Values) answer {
	t.Helper()
	return send(t, s, http.MethodPost, path, "", "application/x-www-form-urlencoded", []byte(form.Encode()))
}

func patch(t *testing.T, s *etsyfake.Server, path, token string, form url.Values) answer {
	t.Helper()
	return send(t, s, http.MethodPatch, path, token, "application/x-www-form-urlencoded", []byte(form.Encode()))
}

type tokens struct {
	Access  string `json:"access_token"`
	Type    string `json:"token_type"`
	Expires int    `json:"expires_in"`
	Refresh string `json:"refresh_token"`
}

// authorize runs the whole PKCE flow and returns the tokens.
func authorize(t *testing.T, s *etsyfake.Server) tokens {
	t.Helper()
	status, q := consent(t, s, connectQuery(s))
	if status != http.StatusFound || q.Get("code") == "" || q.Get("state") != "st4te" {
		t.Fatalf("consent = %d %v, want a redirect with code and state", status, q)
	}
	a := postForm(t, s, "/v3/public/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {s.Keystring()}, "redirect_uri": {redirectURI},
		"code": {q.Get("code")}, "code_verifier": {verifier},
	})
	if a.status != http.StatusOK {
		t.Fatalf("token exchange = %d %s", a.status, a.body)
	}
	var tk tokens
	if err := json.Unmarshal(a.body, &tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

func product(i int) *catalog.Product {
	qty := i % 7
	return &catalog.Product{
		Handle: fmt.Sprintf("mug-%d", i), Title: fmt.Sprintf("Blue Mug %d", i),
		BodyHTML: fmt.Sprintf("<p>A blue mug, number %d.</p><p>Dishwasher safe.</p>", i),
		Tags:     []string{"mug", "blue mug", fmt.Sprintf("mug %d", i)},
		Metadata: map[string]string{"materials": "clay\nglaze"},
		Variants: []catalog.Variant{{SKU: fmt.Sprintf("MUG-%d", i), Price: &catalog.Money{Amount: "18.5", Currency: "USD"}, InventoryQty: &qty}},
		Images: []catalog.Image{
			{Src: fmt.Sprintf("https://cdn.test/mug-%d-b.jpg", i), Position: 2},
			{Src: fmt.Sprintf("https://cdn.test/mug-%d-a.jpg", i), Position: 1, Alt: "A blue mug"},
		},
	}
}

func products(n int) []*catalog.Product {
	out := make([]*catalog.Product, n)
	for i := range out {
		out[i] = product(i)
	}
	return out
}

func TestPKCEFlow(t *testing.T) {
	c := newClock()
	s := start(t, etsyfake.Options{Now: c.Now})
	tk := authorize(t, s)
	prefix := strconv.FormatInt(s.UserID(), 10) + "."
	if !strings.HasPrefix(tk.Access, prefix) || !strings.HasPrefix(tk.Refresh, prefix) || tk.Type != "Bearer" || tk.Expires != 3600 {
		t.Fatalf("tokens = %+v, want %q-prefixed Bearer tokens for 3600 s", tk, prefix)
	}
	me := get(t, s, "/v3/application/users/me", tk.Access).json(t)
	if me["user_id"] != float64(s.UserID()) || me["shop_id"] != float64(s.ShopID()) {
		t.Fatalf("users/me = %v", me)
	}
	// The token expires after an hour.
	c.Advance(time.Hour)
	a := get(t, s, "/v3/application/users/me", tk.Access)
	if a.status != http.StatusUnauthorized || a.json(t)["error_description"] != "access token is expired" {
		t.Fatalf("expired token: %d %s", a.status, a.body)
	}
}

func TestCodeIsSingleUse(t *testing.T) {
	s := start(t, etsyfake.Options{})
	_, q := consent(t, s, connectQuery(s))
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {s.Keystring()}, "redirect_uri": {redirectURI},
		"code": {q.Get("code")}, "code_verifier": {verifier}}
	if a := postForm(t, s, "/v3/public/oauth/token", form); a.status != http.StatusOK {
		t.Fatalf("first exchange = %d %s", a.status, a.body)
	}
	a := postForm(t, s, "/v3/public/oauth/token", form)
	if a.status != http.StatusBadRequest || a.json(t)["error"] != "invalid_grant" {
		t.Fatalf("second exchange = %d %s, want 400 invalid_grant", a.status, a.body)
	}
}

func TestPKCEWrongVerifier(t *testing.T) {
	s := start(t, etsyfake.Options{})
	for _, tc := range []struct {
		name, verifier, redirect, err string
	}{
		{"other verifier", strings.Repeat("x", 43), redirectURI, "invalid_grant"},
		{"short verifier", "abc", redirectURI, "invalid_request"},
		{"bad characters", strings.Repeat("x", 42) + "!", redirectURI, "invalid_request"},
		{"other redirect", verifier, "https://plutopro.test/other", "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, q := consent(t, s, connectQuery(s))
			a := postForm(t, s, "/v3/public/oauth/token", url.Values{
				"grant_type": {"authorization_code"}, "client_id": {s.Keystring()}, "redirect_uri": {tc.redirect},
				"code": {q.Get("code")}, "code_verifier": {tc.verifier},
			})
			if a.status != http.StatusBadRequest || a.json(t)["error"] != tc.err {
				t.Fatalf("exchange = %d %s, want 400 %s", a.status, a.body, tc.err)
			}
		})
	}
}

func TestWrongClientID(t *testing.T) {
	s := start(t, etsyfake.Options{})
	q := connectQuery(s)
	q.Set("client_id", "someoneelse")
	if status, _ := consent(t, s, q); status != http.StatusBadRequest {
		t.Fatalf("connect with a wrong client_id = %d, want a 400 page", status)
	}
	_, cb := consent(t, s, connectQuery(s))
	a := postForm(t, s, "/v3/public/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {"someoneelse"}, "redirect_uri": {redirectURI},
		"code": {cb.Get("code")}, "code_verifier": {verifier},
	})
	if a.status != http.StatusUnauthorized || a.json(t)["error"] != "invalid_client" {
		t.Fatalf("exchange with a wrong client_id = %d %s", a.status, a.body)
	}
}

func TestConnectRefusals(t *testing.T) {
	s := start(t, etsyfake.Options{RedirectURIs: []string{redirectURI}})
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		status int
		err    string
	}{
		{"unregistered redirect", func(q url.Values) { q.Set("redirect_uri", "https://evil.test/cb") }, http.StatusBadRequest, ""},
		{"relative redirect", func(q url.Values) { q.Set("redirect_uri", "/cb") }, http.StatusBadRequest, ""},
		{"comma scopes", func(q url.Values) { q.Set("scope", "listings_r,listings_w") }, http.StatusFound, "invalid_scope"},
		{"unknown scope", func(q url.Values) { q.Set("scope", "listings_r everything") }, http.StatusFound, "invalid_scope"},
		{"no state", func(q url.Values) { q.Del("state") }, http.StatusFound, "invalid_request"},
		{"plain method", func(q url.Values) { q.Set("code_challenge_method", "plain") }, http.StatusFound, "invalid_request"},
		{"no challenge", func(q url.Values) { q.Del("code_challenge") }, http.StatusFound, "invalid_request"},
		{"token response type", func(q url.Values) { q.Set("response_type", "token") }, http.StatusFound, "unsupported_response_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := connectQuery(s)
			tc.edit(q)
			status, cb := consent(t, s, q)
			if status != tc.status || cb.Get("error") != tc.err || cb.Get("code") != "" {
				t.Fatalf("connect = %d %v, want %d error %q", status, cb, tc.status, tc.err)
			}
			if tc.err != "" && tc.name != "no state" && cb.Get("state") != "st4te" {
				t.Fatalf("error redirect lost the state: %v", cb)
			}
		})
	}
	t.Run("seller declines", func(t *testing.T) {
		s.SetConsent(false)
		defer s.SetConsent(true)
		status, cb := consent(t, s, connectQuery(s))
		if status != http.StatusFound || cb.Get("error") != "access_denied" || cb.Get("state") != "st4te" || cb.Get("code") != "" {
			t.Fatalf("declined consent = %d %v", status, cb)
		}
	})
}

func TestRefreshRotation(t *testing.T) {
	s := start(t, etsyfake.Options{})
	tk := authorize(t, s)
	refresh := func(rt string) answer {
		return postForm(t, s, "/v3/public/oauth/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {s.Keystring()}, "refresh_token": {rt}})
	}
	a := refresh(tk.Refresh)
	if a.status != http.StatusOK {
		t.Fatalf("refresh = %d %s", a.status, a.body)
	}
	var next tokens
	_ = json.Unmarshal(a.body, &next)
	if next.Access == tk.Access || next.Refresh == tk.Refresh || next.Refresh == "" {
		t.Fatalf("refresh did not rotate: %+v", next)
	}
	if a := refresh(tk.Refresh); a.status != http.StatusBadRequest || a.json(t)["error_description"] != "refresh_token is revoked" {
		t.Fatalf("reusing a rotated refresh token = %d %s", a.status, a.body)
	}
	if a := get(t, s, "/v3/application/users/me", next.Access); a.status != http.StatusOK {
		t.Fatalf("new access token refused: %d %s", a.status, a.body)
	}
	s.RevokeTokens()
	if a := get(t, s, "/v3/application/users/me", next.Access); a.status != http.StatusUnauthorized {
		t.Fatalf("revoked access token = %d", a.status)
	}
	if a := refresh(next.Refresh); a.status != http.StatusBadRequest || a.json(t)["error"] != "invalid_grant" {
		t.Fatalf("revoked refresh token = %d %s", a.status, a.body)
	}
}

func TestAPIKeyAndBearer(t *testing.T) {
	s := start(t, etsyfake.Options{})
	tk := authorize(t, s)
	for _, tc := range []struct {
		name, key, token string
		status           int
		msg              string
	}{
		{"no key", "", tk.Access, http.StatusForbidden, "Invalid API key"},
		{"keystring only", s.Keystring(), tk.Access, http.StatusForbidden, "Shared secret is required in x-api-key header."},
		{"wrong secret", s.Keystring() + ":nope", tk.Access, http.StatusForbidden, "Invalid API key"},
		{"wrong keystring", "other:" + s.SharedSecret(), tk.Access, http.StatusForbidden, "Invalid API key"},
		{"no token", s.Keystring() + ":" + s.SharedSecret(), "", http.StatusUnauthorized, "invalid_token"},
		{"other user's prefix", s.Keystring() + ":" + s.SharedSecret(), "12345." + strings.SplitN(tk.Access, ".", 2)[1], http.StatusUnauthorized, "invalid_token"},
		{"made-up token", s.Keystring() + ":" + s.SharedSecret(), strconv.FormatInt(s.UserID(), 10) + ".madeup", http.StatusUnauthorized, "invalid_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, s, http.MethodGet, "/v3/application/users/me", tc.token, "", nil, tc.key)
			if a.status != tc.status || a.json(t)["error"] != tc.msg {
				t.Fatalf("= %d %s, want %d %q", a.status, a.body, tc.status, tc.msg)
			}
		})
	}
}

type listingPage struct {
	Count   int               `json:"count"`
	Results []json.RawMessage `json:"results"`
}

func listingsPath(s *etsyfake.Server, q string) string {
	return fmt.Sprintf("/v3/application/shops/%d/listings?%s", s.ShopID(), q)
}

func TestListingsPagination(t *testing.T) {
	s := start(t, etsyfake.Options{Products: products(130)})
	tk := authorize(t, s)
	seen := map[int64]bool{}
	var order []int64
	for offset := 0; ; offset += 50 {
		a := get(t, s, listingsPath(s, fmt.Sprintf("limit=50&offset=%d&includes=Images&includes=Inventory", offset)), tk.Access)
		if a.status != http.StatusOK {
			t.Fatalf("page at %d = %d %s", offset, a.status, a.body)
		}
		var p listingPage
		if err := json.Unmarshal(a.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Count != 130 {
			t.Fatalf("count = %d, want 130", p.Count)
		}
		if len(p.Results) == 0 {
			break
		}
		for _, raw := range p.Results {
			var l struct {
				ID        int64               `json:"listing_id"`
				Images    []etsyfake.Image    `json:"images"`
				Inventory *etsyfake.Inventory `json:"inventory"`
			}
			_ = json.Unmarshal(raw, &l)
			if seen[l.ID] {
				t.Fatalf("listing %d listed twice", l.ID)
			}
			if len(l.Images) != 2 || l.Inventory == nil {
				t.Fatalf("listing %d without its includes: %s", l.ID, raw)
			}
			seen[l.ID] = true
			order = append(order, l.ID)
		}
	}
	if len(seen) != 130 {
		t.Fatalf("listed %d listings, want 130", len(seen))
	}
	// Newest first: the first product seeded is the newest.
	if want := s.Listings()[0].ListingID; order[0] != want {
		t.Fatalf("first listed = %d, want %d", order[0], want)
	}

	// Without includes there are no images.
	a := get(t, s, listingsPath(s, "limit=1"), tk.Access)
	if strings.Contains(string(a.body), `"images"`) || strings.Contains(string(a.body), `"inventory"`) {
		t.Fatalf("includes not asked for but present: %s", a.body)
	}
	for _, q := range []string{"limit=101", "limit=0", "offset=-1", "state=gone", "includes=Pictures"} {
		if a := get(t, s, listingsPath(s, q), tk.Access); a.status != http.StatusBadRequest {
			t.Fatalf("%s = %d, want 400", q, a.status)
		}
	}
	if a := get(t, s, "/v3/application/shops/1/listings", tk.Access); a.status != http.StatusNotFound {
		t.Fatalf("another shop = %d, want 404", a.status)
	}
}

func TestSeeding(t *testing.T) {
	qty := 4
	long := strings.Repeat("Lovely handmade ceramic ", 10)
	p := &catalog.Product{
		Title:    long + "100% clay: 50% off & more + 20% extra",
		BodyHTML: "<p>First.</p><p>Second &amp; last.</p>",
		Tags: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o",
			"far too long a tag for etsy", "bad$chars"},
		Metadata: map[string]string{"etsy:materials": "clay, 100% glaze"},
		Options:  []catalog.Option{{Name: "Size", Values: []string{"S", "L"}}},
		Variants: []catalog.Variant{
			{SKU: "S1", OptionValues: []string{"S"}, Price: &catalog.Money{Amount: "12.345", Currency: "EUR"}, InventoryQty: &qty},
			{SKU: "L1", OptionValues: []string{"L"}, Price: &catalog.Money{Amount: "15"}},
		},
		Images: []catalog.Image{{Src: "https://cdn.test/a.jpg", Position: 1, Alt: "alt a", Width: 800, Height: 600}, {Position: 2}},
	}
	draft := &catalog.Product{Title: "Draft thing", Status: catalog.StatusDraft}
	s := start(t, etsyfake.Options{Products: []*catalog.Product{p, draft}})
	ls := s.Listings()
	if len(ls) != 2 {
		t.Fatalf("%d listings, want 2", len(ls))
	}
	l := ls[0]
	if n := utf8.RuneCountInString(l.Title); n > 140 || strings.Count(l.Title, "%") > 1 {
		t.Fatalf("title %q (%d characters) breaks Etsy's rules", l.Title, n)
	}
	if len(l.Tags) != 13 || slices.Contains(l.Tags, "bad$chars") {
		t.Fatalf("tags = %q, want 13 valid ones", l.Tags)
	}
	if !slices.Equal(l.Materials, []string{"clay", "100 glaze"}) {
		t.Fatalf("materials = %q", l.Materials)
	}
	if l.Description != "First.\nSecond & last." {
		t.Fatalf("description = %q", l.Description)
	}
	if l.Price != (etsyfake.Money{Amount: 12345, Divisor: 1000, CurrencyCode: "EUR"}) || l.Quantity != 4 {
		t.Fatalf("price %+v quantity %d, want 12.345 EUR × 4", l.Price, l.Quantity)
	}
	if len(l.Inventory.Products) != 2 || l.Inventory.Products[1].Offerings[0].Price != (etsyfake.Money{Amount: 1500, Divisor: 100, CurrencyCode: "USD"}) ||
		l.Inventory.Products[1].PropertyValues[0].Values[0] != "L" {
		t.Fatalf("inventory = %+v", l.Inventory)
	}
	if len(l.Images) != 2 || l.Images[0].AltText == nil || *l.Images[0].AltText != "alt a" || l.Images[1].AltText != nil ||
		l.Images[0].ListingImageID == l.Images[1].ListingImageID || l.Images[1].URLFullxFull == "" || *l.Images[0].FullWidth != 800 {
		t.Fatalf("images = %+v", l.Images)
	}
	if ls[1].State != "draft" {
		t.Fatalf("draft product's listing state = %q", ls[1].State)
	}
}

func TestGetListingAnd404(t *testing.T) {
	s := start(t, etsyfake.Options{Products: products(2)})
	tk := authorize(t, s)
	id := s.Listings()[1].ListingID
	a := get(t, s, fmt.Sprintf("/v3/application/listings/%d?includes=Images", id), tk.Access)
	if a.status != http.StatusOK || a.json(t)["listing_id"] != float64(id) || a.json(t)["images"] == nil {
		t.Fatalf("getListing = %d %s", a.status, a.body)
	}
	// getListing is public: the API key is enough.
	if a := get(t, s, fmt.Sprintf("/v3/application/listings/%d", id), ""); a.status != http.StatusOK {
		t.Fatalf("public getListing = %d", a.status)
	}
	a = get(t, s, "/v3/application/listings/999", tk.Access)
	if a.status != http.StatusNotFound || a.json(t)["error"] == nil {
		t.Fatalf("missing listing = %d %s", a.status, a.body)
	}
	s.DeleteListing(id)
	if a := get(t, s, fmt.Sprintf("/v3/application/listings/%d", id), tk.Access); a.status != http.StatusNotFound {
		t.Fatalf("deleted listing = %d", a.status)
	}
}

func TestUpdateListing(t *testing.T) {
	c := newClock()
	s := start(t, etsyfake.Options{Products: products(1), Now: c.Now})
	tk := authorize(t, s)
	before := s.Listings()[0]
	c.Advance(time.Minute)
	path := fmt.Sprintf("/v3/application/shops/%d/listings/%d", s.ShopID(), before.ListingID)
	a := patch(t, s, path, tk.Access, url.Values{
		"title": {"Blue Stoneware Mug: 12 oz"}, "description": {"New words.\n\nSecond paragraph."},
		"tags": {"old,ignored", "coffee mug, stoneware,gift for her"}, "materials": {"stoneware,glaze"},
	})
	if a.status != http.StatusOK {
		t.Fatalf("update = %d %s", a.status, a.body)
	}
	if m := a.json(t); m["title"] != "Blue Stoneware Mug: 12 oz" {
		t.Fatalf("update answered %s", a.body)
	}
	after, _ := s.Listing(before.ListingID)
	if after.Title != "Blue Stoneware Mug: 12 oz" || after.Description != "New words.\n\nSecond paragraph." ||
		!slices.Equal(after.Tags, []string{"coffee mug", "stoneware", "gift for her"}) ||
		!slices.Equal(after.Materials, []string{"stoneware", "glaze"}) {
		t.Fatalf("after update: %+v", after)
	}
	if after.LastModifiedTimestamp <= before.LastModifiedTimestamp {
		t.Fatalf("last_modified_timestamp did not move: %d → %d", before.LastModifiedTimestamp, after.LastModifiedTimestamp)
	}
	// A field left out is left alone.
	if a := patch(t, s, path, tk.Access, url.Values{"title": {"Only The Title"}}); a.status != http.StatusOK {
		t.Fatalf("title only = %d %s", a.status, a.body)
	}
	if l, _ := s.Listing(before.ListingID); l.Description != "New words.\n\nSecond paragraph." || len(l.Tags) != 3 {
		t.Fatalf("a field not sent changed: %+v", l)
	}
}

func TestUpdateRefusals(t *testing.T) {
	s := start(t, etsyfake.Options{Products: products(1)})
	tk := authorize(t, s)
	before := s.Listings()[0]
	path := fmt.Sprintf("/v3/application/shops/%d/listings/%d", s.ShopID(), before.ListingID)
	tags := make([]string, 14)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag %d", i)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"14 tags", url.Values{"tags": {strings.Join(tags, ",")}}, "There was a problem with /tags : You may only have up to 13 tags (you sent 14)"},
		{"long tag", url.Values{"tags": {"a tag that is far too long"}}, "too long"},
		{"tag chars", url.Values{"tags": {"mug!"}}, "contains invalid characters"},
		{"duplicate tags", url.Values{"tags": {"Mug,mug"}}, "You may not have duplicate tags."},
		{"title chars", url.Values{"title": {"Mug $5"}}, "There was a problem with /title : contains invalid characters"},
		{"two percents", url.Values{"title": {"50% off 20% more"}}, "You can only use the % character once"},
		{"long title", url.Values{"title": {strings.Repeat("a", 141)}}, "140 characters"},
		{"empty title", url.Values{"title": {"  "}}, "must not be empty"},
		{"material chars", url.Values{"materials": {"100% cotton"}}, "There was a problem with /materials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := patch(t, s, path, tk.Access, tc.form)
			if a.status != http.StatusBadRequest {
				t.Fatalf("= %d %s, want 400", a.status, a.body)
			}
			if msg, _ := a.json(t)["error"].(string); !strings.Contains(msg, tc.want) {
				t.Fatalf("error %q, want it to say %q", msg, tc.want)
			}
		})
	}
	if after, _ := s.Listing(before.ListingID); after.Title != before.Title || !slices.Equal(after.Tags, before.Tags) ||
		after.LastModifiedTimestamp != before.LastModifiedTimestamp {
		t.Fatalf("a refused update changed the listing: %+v", after)
	}
	if a := send(t, s, http.MethodPatch, path, tk.Access, "application/json", []byte(`{"title":"x"}`)); a.status != http.StatusBadRequest {
		t.Fatalf("JSON body = %d, want 400", a.status)
	}
	if a := patch(t, s, fmt.Sprintf("/v3/application/shops/%d/listings/1", s.ShopID()), tk.Access, url.Values{"title": {"x"}}); a.status != http.StatusNotFound {
		t.Fatalf("missing listing = %d, want 404", a.status)
	}
}

func TestScopeNeeded(t *testing.T) {
	s := start(t, etsyfake.Options{Products: products(1)})
	q := connectQuery(s)
	q.Set("scope", "listings_r")
	_, cb := consent(t, s, q)
	a := postForm(t, s, "/v3/public/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {s.Keystring()},
		"redirect_uri": {redirectURI}, "code": {cb.Get("code")}, "code_verifier": {verifier}})
	var tk tokens
	_ = json.Unmarshal(a.body, &tk)
	path := fmt.Sprintf("/v3/application/shops/%d/listings/%d", s.ShopID(), s.Listings()[0].ListingID)
	if a := patch(t, s, path, tk.Access, url.Values{"title": {"x"}}); a.status != http.StatusForbidden {
		t.Fatalf("update without listings_w = %d %s", a.status, a.body)
	}
	if a := get(t, s, listingsPath(s, ""), tk.Access); a.status != http.StatusOK {
		t.Fatalf("listing with listings_r = %d %s", a.status, a.body)
	}
}

func multipartBody(t *testing.T, fields map[string]string) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func TestAltText(t *testing.T) {
	s := start(t, etsyfake.Options{Products: products(1)})
	tk := authorize(t, s)
	l := s.Listings()[0]
	path := fmt.Sprintf("/v3/application/shops/%d/listings/%d/images", s.ShopID(), l.ListingID)
	img := l.Images[1]
	body, ctype := multipartBody(t, map[string]string{"listing_image_id": strconv.FormatInt(img.ListingImageID, 10), "alt_text": "Side view of the mug"})
	a := send(t, s, http.MethodPost, path, tk.Access, ctype, body)
	if a.status != http.StatusCreated || a.json(t)["alt_text"] != "Side view of the mug" {
		t.Fatalf("alt text = %d %s", a.status, a.body)
	}
	imgs := get(t, s, fmt.Sprintf("/v3/application/listings/%d/images", l.ListingID), tk.Access)
	if !strings.Contains(string(imgs.body), "Side view of the mug") {
		t.Fatalf("images after update: %s", imgs.body)
	}
	body, ctype = multipartBody(t, map[string]string{"listing_image_id": "123", "alt_text": "x"})
	if a := send(t, s, http.MethodPost, path, tk.Access, ctype, body); a.status != http.StatusNotFound {
		t.Fatalf("unknown image = %d, want 404", a.status)
	}
	body, ctype = multipartBody(t, map[string]string{"listing_image_id": strconv.FormatInt(img.ListingImageID, 10), "alt_text": strings.Repeat("a", 501)})
	if a := send(t, s, http.MethodPost, path, tk.Access, ctype, body); a.status != http.StatusBadRequest {
		t.Fatalf("501-character alt = %d, want 400", a.status)
	}
}

func TestRateLimits(t *testing.T) {
	c := newClock()
	s := start(t, etsyfake.Options{Products: products(1), PerSecond: 3, PerDay: 5, AccessTokenTTL: 48 * time.Hour, Now: c.Now})
	tk := authorize(t, s) // the token endpoint does not count
	me := "/v3/application/users/me"
	for i, want := range []string{"2", "1", "0"} {
		a := get(t, s, me, tk.Access)
		if a.status != http.StatusOK || a.header.Get("X-Remaining-This-Second") != want || a.header.Get("X-Limit-Per-Second") != "3" ||
			a.header.Get("X-Limit-Per-Day") != "5" || a.header.Get("X-Remaining-Today") != strconv.Itoa(4-i) {
			t.Fatalf("call %d: %d %v", i, a.status, a.header)
		}
	}
	a := get(t, s, me, tk.Access)
	if a.status != http.StatusTooManyRequests || a.header.Get("X-Remaining-This-Second") != "" || a.header.Get("Retry-After") != "" {
		t.Fatalf("fourth call in a second = %d %v, want a bare 429", a.status, a.header)
	}
	c.Advance(time.Second)
	for i := range 2 {
		if a := get(t, s, me, tk.Access); a.status != http.StatusOK {
			t.Fatalf("call %d of the next second = %d", i, a.status)
		}
	}
	c.Advance(time.Second)
	if a := get(t, s, me, tk.Access); a.status != http.StatusTooManyRequests {
		t.Fatalf("sixth call of the day = %d, want 429", a.status)
	}
	c.Advance(24 * time.Hour)
	if a := get(t, s, me, tk.Access); a.status != http.StatusOK || a.header.Get("X-Remaining-Today") != "4" {
		t.Fatalf("a day later = %d %v", a.status, a.header)
	}
	s.UseQuota(3)
	if a := get(t, s, me, tk.Access); a.status != http.StatusTooManyRequests {
		t.Fatalf("after others used the second = %d, want 429", a.status)
	}
}

func TestFaults(t *testing.T) {
	s := start(t, etsyfake.Options{Products: products(1), PerSecond: 100, Faults: faultplan.Plan{Paths: []string{"/v3/application/"}}})
	tk := authorize(t, s)
	s.Faults().Push(
		faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 2 * time.Second},
		faultplan.Fault{Kind: faultplan.ServerError},
		faultplan.Fault{Kind: faultplan.Unavailable},
		faultplan.Fault{Kind: faultplan.Drop},
	)
	me := "/v3/application/users/me"
	a := get(t, s, me, tk.Access)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "2" {
		t.Fatalf("throttle = %d %v", a.status, a.header)
	}
	if a := get(t, s, me, tk.Access); a.status != http.StatusInternalServerError {
		t.Fatalf("server error = %d", a.status)
	}
	if a := get(t, s, me, tk.Access); a.status != http.StatusServiceUnavailable {
		t.Fatalf("unavailable = %d", a.status)
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+me, nil)
	req.Header.Set("X-Api-Key", s.Keystring()+":"+s.SharedSecret())
	req.Header.Set("Authorization", "Bearer "+tk.Access)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	if resp, err := (&http.Client{Transport: tr}).Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("drop answered %d", resp.StatusCode)
	}
	a = get(t, s, me, tk.Access)
	if a.status != http.StatusOK || a.header.Get("X-Remaining-This-Second") != "99" || a.header.Get("X-Remaining-Today") != "9999" {
		t.Fatalf("after the faults = %d %v (faults must not use quota)", a.status, a.header)
	}
	if got := s.Faults().Injected(); got[faultplan.Drop] != 1 || got[faultplan.Throttle] != 1 {
		t.Fatalf("injected = %v", got)
	}
	var statuses []int
	for _, r := range s.Requests() {
		if r.Path == me {
			statuses = append(statuses, r.Status)
		}
	}
	if !slices.Equal(statuses, []int{429, 500, 503, 0, 200}) {
		t.Fatalf("recorded statuses = %v", statuses)
	}
}

func TestEditListingAsSeller(t *testing.T) {
	c := newClock()
	s := start(t, etsyfake.Options{Products: products(1), Now: c.Now})
	l := s.Listings()[0]
	c.Advance(time.Hour)
	if !s.EditListing(l.ListingID, func(l *etsyfake.Listing) { l.Title = "Edited On Etsy" }) {
		t.Fatal("EditListing found no listing")
	}
	after, _ := s.Listing(l.ListingID)
	if after.Title != "Edited On Etsy" || after.LastModifiedTimestamp != c.Now().Unix() {
		t.Fatalf("after edit: %q at %d", after.Title, after.LastModifiedTimestamp)
	}
	if s.EditListing(1, func(*etsyfake.Listing) {}) {
		t.Fatal("EditListing of a missing listing reported success")
	}
	id := s.AddListing(&catalog.Product{Title: "Newest"})
	if s.Listings()[0].ListingID != id {
		t.Fatal("an added listing is not listed first")
	}
}

func TestRequestsHoldNoSecrets(t *testing.T) {
	s := start(t, etsyfake.Options{Products: products(1)})
	_, cb := consent(t, s, connectQuery(s))
	code := cb.Get("code")
	a := postForm(t, s, "/v3/public/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {s.Keystring()},
		"redirect_uri": {redirectURI}, "code": {code}, "code_verifier": {verifier}})
	var tk tokens
	_ = json.Unmarshal(a.body, &tk)
	postForm(t, s, "/v3/public/oauth/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {s.Keystring()}, "refresh_token": {tk.Refresh}})
	get(t, s, "/v3/application/users/me", tk.Access)
	secrets := []string{code, verifier, tk.Access, tk.Refresh, s.SharedSecret(), strings.SplitN(tk.Access, ".", 2)[1]}
	for _, r := range s.Requests() {
		all := r.Path + "?" + r.Query + "\n" + string(r.Body)
		for k, vs := range r.Header {
			all += "\n" + k + ": " + strings.Join(vs, ",")
		}
		for _, sec := range secrets {
			if strings.Contains(all, sec) {
				t.Fatalf("recorded request %s %s holds a secret:\n%s", r.Method, r.Path, all)
			}
		}
	}
}

func TestSeedShopifySamples(t *testing.T) {
	dir := "../../../../shared/data/shopify-csvs"
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	if len(files) == 0 {
		t.Skip("sample CSVs not found")
	}
	var ps []*catalog.Product
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := csvfile.NewReader(bytes.NewReader(b), csvfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			it, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if it.Product != nil {
				ps = append(ps, it.Product)
			}
		}
	}
	s := start(t, etsyfake.Options{Products: ps})
	tk := authorize(t, s)
	ls := s.Listings()
	if len(ls) != len(ps) {
		t.Fatalf("%d listings from %d products", len(ls), len(ps))
	}
	// Every seeded listing passes the fake's own update rules.
	for _, l := range ls {
		path := fmt.Sprintf("/v3/application/shops/%d/listings/%d", s.ShopID(), l.ListingID)
		a := patch(t, s, path, tk.Access, url.Values{"title": {l.Title}, "tags": {strings.Join(l.Tags, ",")}, "materials": {strings.Join(l.Materials, ",")}})
		if a.status != http.StatusOK {
			t.Fatalf("listing %q refused its own values: %s", l.Title, a.body)
		}
	}
}

// TestSandboxMount serves the fake as a sandbox would: unstarted, under a
// path prefix of another server.
func TestSandboxMount(t *testing.T) {
	fake := etsyfake.NewUnstarted(etsyfake.Options{Products: products(3)})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/etsy/", http.StripPrefix("/sandbox/etsy", fake))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if fake.URL() != "" {
		t.Fatal("an unstarted fake has a URL")
	}
	base := srv.URL + "/sandbox/etsy"
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(base + "/oauth/connect?" + connectQuery(fake).Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
		t.Fatalf("consent = %d %s", resp.StatusCode, loc)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {fake.Keystring()}, "redirect_uri": {redirectURI},
		"code": {loc.Query().Get("code")}, "code_verifier": {verifier}}
	resp, err = hc.Post(base+"/v3/public/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	var tk tokens
	_ = json.NewDecoder(resp.Body).Decode(&tk)
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v3/application/shops/%d/listings", base, fake.ShopID()), nil)
	req.Header.Set("X-Api-Key", fake.Keystring()+":"+fake.SharedSecret())
	req.Header.Set("Authorization", "Bearer "+tk.Access)
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p listingPage
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || p.Count != 3 {
		t.Fatalf("listings through the mount = %d, count %d", resp.StatusCode, p.Count)
	}
}
