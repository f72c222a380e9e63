package shopify_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
)

func TestOAuthFlow(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	st, q := b.authorize(t, "  PlutoPro-Sandbox.myshopify.com ")
	if st.Shop != shopifyfake.DefaultShop {
		t.Errorf("AuthStart.Shop = %q, want %q", st.Shop, shopifyfake.DefaultShop)
	}
	u, _ := url.Parse(st.URL)
	aq := u.Query()
	if got, want := u.Path, "/shops/"+shopifyfake.DefaultShop+"/admin/oauth/authorize"; got != want {
		t.Errorf("authorize path = %q, want %q", got, want)
	}
	for k, want := range map[string]string{"client_id": testClientID, "scope": "read_products,write_products,write_files", "redirect_uri": testRedirect, "state": "nonce-123"} {
		if got := aq.Get(k); got != want {
			t.Errorf("authorize %s = %q, want %q", k, got, want)
		}
	}
	if !aq.Has("grant_options[]") || aq.Get("grant_options[]") != "" {
		t.Errorf("authorize grant_options[] = %q, want present and empty (offline)", aq["grant_options[]"])
	}
	for _, k := range []string{"code", "hmac", "host", "shop", "state", "timestamp"} {
		if q.Get(k) == "" {
			t.Errorf("callback has no %s: %v", k, q)
		}
	}
	if q.Get("state") != "nonce-123" {
		t.Errorf("callback state = %q", q.Get("state"))
	}

	cr, err := b.client.CompleteAuth(context.Background(), connect.Callback{Query: q, RedirectURI: testRedirect, Shop: st.Shop})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Account != shopifyfake.DefaultShop || cr.Name != "PlutoPro Sandbox" {
		t.Errorf("credentials account, name = %q, %q", cr.Account, cr.Name)
	}
	if !strings.HasPrefix(cr.AccessToken, "shpat_") || !strings.HasPrefix(cr.RefreshToken, "shprt_") {
		t.Errorf("tokens = %.6s…, %.6s…; want shpat_, shprt_", cr.AccessToken, cr.RefreshToken)
	}
	if want := start.Add(time.Hour); !cr.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", cr.ExpiresAt, want)
	}
	if got := strings.Join(cr.Scopes, ","); got != "write_products,write_files" {
		t.Errorf("Scopes = %q, want write_products,write_files (Shopify leaves out the implied read)", got)
	}
	if cr.Extra["refresh_token_expires_at"] != start.Add(90*24*time.Hour).Format(time.RFC3339) {
		t.Errorf("refresh expiry = %q", cr.Extra["refresh_token_expires_at"])
	}
	// The code was sent as JSON with expiring=1, and the secret is not recorded.
	var sawExchange bool
	for _, r := range b.fake.Requests() {
		if strings.HasSuffix(r.Path, "/admin/oauth/access_token") {
			sawExchange = true
			if !strings.Contains(string(r.Body), `"expiring":"1"`) || strings.Contains(string(r.Body), testClientSecret) {
				t.Errorf("token request body = %s", r.Body)
			}
		}
	}
	if !sawExchange {
		t.Error("no token exchange recorded")
	}
	// The token works.
	if _, err := b.client.ListProducts(context.Background(), cr, ""); err != nil {
		t.Fatalf("ListProducts with the new token: %v", err)
	}
	// The code is single-use.
	_, err = b.client.CompleteAuth(context.Background(), connect.Callback{Query: q, RedirectURI: testRedirect, Shop: st.Shop})
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Code != "invalid_grant" {
		t.Errorf("reusing the code: err = %v, want invalid_grant", err)
	}
}

func TestCompleteAuthRejects(t *testing.T) {
	b := setup(t, shopifyfake.Options{})
	b.fake.AddShop("other-shop.myshopify.com", "Other")
	st, good := b.authorize(t, b.fake.Shop())
	ctx := context.Background()
	clone := func() url.Values {
		q := url.Values{}
		for k, v := range good {
			q[k] = append([]string(nil), v...)
		}
		return q
	}
	tests := []struct {
		name    string
		query   func() url.Values
		shop    string
		advance time.Duration
		want    error
	}{
		{"bad hmac", func() url.Values { q := clone(); q.Set("hmac", strings.Repeat("ab", 32)); return q }, st.Shop, 0, connect.ErrBadSignature},
		{"hmac not hex", func() url.Values { q := clone(); q.Set("hmac", "zz"); return q }, st.Shop, 0, connect.ErrBadSignature},
		{"no hmac", func() url.Values { q := clone(); q.Del("hmac"); return q }, st.Shop, 0, connect.ErrBadSignature},
		{"tampered state", func() url.Values { q := clone(); q.Set("state", "other"); return q }, st.Shop, 0, connect.ErrBadSignature},
		{"tampered shop", func() url.Values { q := clone(); q.Set("shop", "other-shop.myshopify.com"); return q }, st.Shop, 0, connect.ErrBadSignature},
		{"signed with another secret", func() url.Values {
			q := clone()
			shopifyfake.SignQuery(q, "not-the-secret")
			return q
		}, st.Shop, 0, connect.ErrBadSignature},
		{"shop mismatch", func() url.Values {
			// Validly signed, but for another shop than the flow started for.
			q := clone()
			q.Set("shop", "other-shop.myshopify.com")
			shopifyfake.SignQuery(q, testClientSecret)
			return q
		}, st.Shop, 0, shopify.ErrShopMismatch},
		{"flow started without a shop", clone, "", 0, shopify.ErrShopMismatch},
		{"invalid shop in callback", func() url.Values {
			q := clone()
			q.Set("shop", "evil.example.com")
			shopifyfake.SignQuery(q, testClientSecret)
			return q
		}, st.Shop, 0, shopify.ErrInvalidShop},
		{"expired timestamp", clone, st.Shop, 91 * time.Second, shopify.ErrStaleCallback},
		{"future timestamp", func() url.Values {
			q := clone()
			q.Set("timestamp", "9999999999")
			shopifyfake.SignQuery(q, testClientSecret)
			return q
		}, st.Shop, 0, shopify.ErrStaleCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.clock.Advance(tt.advance)
			defer b.clock.Advance(-tt.advance)
			_, err := b.client.CompleteAuth(ctx, connect.Callback{Query: tt.query(), RedirectURI: testRedirect, Shop: tt.shop})
			if !errors.Is(err, tt.want) {
				t.Fatalf("CompleteAuth = %v, want %v", err, tt.want)
			}
			if tt.want == connect.ErrBadSignature && !errors.Is(err, shopify.ErrBadHMAC) {
				t.Errorf("CompleteAuth = %v, want ErrBadHMAC too", err)
			}
		})
	}
	// Within 90 s is fine, and the untouched callback still works.
	b.clock.Advance(89 * time.Second)
	if _, err := b.client.CompleteAuth(ctx, connect.Callback{Query: good, RedirectURI: testRedirect, Shop: st.Shop}); err != nil {
		t.Fatalf("CompleteAuth(good) = %v", err)
	}
}

func TestBeginAuthShopDomains(t *testing.T) {
	c := shopify.New(shopify.Options{ClientID: "id", ClientSecret: "secret"})
	ok := map[string]string{
		"shop.myshopify.com":          "shop.myshopify.com",
		"My-Shop-2.myshopify.com":     "my-shop-2.myshopify.com",
		"https://shop.myshopify.com/": "shop.myshopify.com",
		" shop.myshopify.com ":        "shop.myshopify.com",
	}
	for in, want := range ok {
		st, err := c.BeginAuth(context.Background(), connect.AuthRequest{State: "s", RedirectURI: testRedirect, Shop: in})
		if err != nil || st.Shop != want || !strings.HasPrefix(st.URL, "https://"+want+"/admin/oauth/authorize?") {
			t.Errorf("BeginAuth(%q) = %q %q, %v; want %q", in, st.Shop, st.URL, err, want)
		}
	}
	bad := []string{
		"", "shop", "myshopify.com", ".myshopify.com", "-shop.myshopify.com", "shop.myshopify.com.evil.com",
		"evil.com/shop.myshopify.com", "shop.myshopify.com/admin", "shop_1.myshopify.com", "sh op.myshopify.com",
		"shop.myshopify.co", "http://shop.myshopify.com", "shop.myshopify.com?x=1", "a.b.myshopify.com", "shop.myshopify.com@evil.com",
	}
	for _, in := range bad {
		if _, err := c.BeginAuth(context.Background(), connect.AuthRequest{State: "s", RedirectURI: testRedirect, Shop: in}); !errors.Is(err, shopify.ErrInvalidShop) {
			t.Errorf("BeginAuth(%q) = %v, want ErrInvalidShop", in, err)
		}
	}
	if _, err := c.BeginAuth(context.Background(), connect.AuthRequest{RedirectURI: testRedirect, Shop: "shop.myshopify.com"}); err == nil {
		t.Error("BeginAuth without state succeeded")
	}
}

func TestRefresh(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	ctx := context.Background()
	cr := b.connectShop(t)

	b.clock.Advance(50 * time.Minute)
	if !cr.Expiring(b.clock.Now(), 15*time.Minute) {
		t.Fatal("token not reported expiring 10 minutes before its end")
	}
	next, err := b.client.Refresh(ctx, cr)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == cr.AccessToken || next.RefreshToken == cr.RefreshToken || !strings.HasPrefix(next.RefreshToken, "shprt_") {
		t.Error("refresh did not rotate both tokens")
	}
	if want := b.clock.Now().Add(time.Hour); !next.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", next.ExpiresAt, want)
	}
	if next.Name != cr.Name || next.Account != cr.Account {
		t.Errorf("refreshed credentials lost the shop: %q %q", next.Account, next.Name)
	}

	// The old access token lives out its hour; after it, only the new one works.
	b.clock.Advance(11 * time.Minute)
	if _, err := b.client.FetchProduct(ctx, cr, b.fake.Products()[0].ID); !errors.Is(err, connect.ErrUnauthorized) {
		t.Errorf("expired token: err = %v, want ErrUnauthorized", err)
	}
	if _, err := b.client.FetchProduct(ctx, next, b.fake.Products()[0].ID); err != nil {
		t.Errorf("new token: %v", err)
	}

	// Rotate again with the new refresh token; the first one is then dead.
	third, err := b.client.Refresh(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.client.Refresh(ctx, cr)
	var se *connect.StoreError
	if !errors.Is(err, connect.ErrUnauthorized) || !errors.As(err, &se) || se.Code != "invalid_grant" {
		t.Errorf("superseded refresh token: err = %v, want ErrUnauthorized with invalid_grant", err)
	}
	for _, tok := range []string{cr.RefreshToken, next.RefreshToken, third.RefreshToken, third.AccessToken, testClientSecret} {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error %q holds a secret", err)
		}
	}

	// Non-expiring credentials come back as they are.
	plain := &connect.Credentials{Account: b.fake.Shop(), AccessToken: "shpat_plain"}
	if got, err := b.client.Refresh(ctx, plain); err != nil || got != plain {
		t.Errorf("Refresh(non-expiring) = %v, %v; want the same credentials", got, err)
	}
}

// TestNoSecretsInErrors collects the errors of every failure path and
// checks that none holds a token, a code or the client secret.
func TestNoSecretsInErrors(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	ctx := context.Background()
	st, q := b.authorize(t, b.fake.Shop())
	cr, err := b.client.CompleteAuth(ctx, connect.Callback{Query: q, Shop: st.Shop})
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	collect := func(_ any, err error) {
		if err == nil {
			t.Errorf("expected an error (case %d)", len(errs))
		}
		errs = append(errs, err)
	}
	collect(b.client.CompleteAuth(ctx, connect.Callback{Query: q, Shop: st.Shop})) // used code
	bad := url.Values{}
	for k, v := range q {
		bad[k] = v
	}
	bad.Set("hmac", strings.Repeat("0", 64))
	collect(b.client.CompleteAuth(ctx, connect.Callback{Query: bad, Shop: st.Shop}))
	collect(b.client.Refresh(ctx, &connect.Credentials{Account: cr.Account, RefreshToken: "shprt_" + strings.Repeat("f", 32)}))
	collect(b.client.Update(ctx, cr, b.fake.Products()[0].ID, connect.Fields{Title: ptr("")}))
	b.fake.SetFaults(faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.ServerError}})
	collect(b.client.ListProducts(ctx, cr, ""))
	collect(b.client.Refresh(ctx, cr))
	b.fake.SetFaults(faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.Drop}})
	collect(b.client.FetchProduct(ctx, cr, b.fake.Products()[0].ID))
	collect(b.client.ListAllBulk(ctx, cr))
	b.fake.SetFaults(faultplan.Plan{Rate: 1, Kinds: []faultplan.Kind{faultplan.Throttle}})
	collect(b.client.ListProducts(ctx, cr, ""))
	b.fake.SetFaults(faultplan.Plan{})
	if _, err := b.fake.Uninstall(b.fake.Shop()); err != nil {
		t.Fatal(err)
	}
	collect(b.client.ListProducts(ctx, cr, ""))
	collect(nil, b.client.RegisterWebhooks(ctx, cr, "https://app.plutopro.test/webhooks"))
	collect(b.client.Refresh(ctx, cr))
	for _, err := range errs {
		if err == nil {
			continue
		}
		msg := err.Error()
		for _, s := range []string{cr.AccessToken, cr.RefreshToken, testClientSecret, q.Get("code"), "shpat_", "shprt_"} {
			if strings.Contains(msg, s) {
				t.Errorf("error %q holds a secret", msg)
			}
		}
	}
}
