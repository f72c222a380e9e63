package shopify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake"
)

// receiver is PlutoPro's webhook endpoint in miniature: it verifies each
// delivery with the client and keeps the events (401 for bad signatures,
// as Shopify expects).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []*connect.Event
	bad    int
}

func newReceiver(t *testing.T, c *shopify.Client) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ev, err := c.VerifyWebhook(r.Header, body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if errors.Is(err, connect.ErrBadSignature) {
			rc.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.events = append(rc.events, ev)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) take() []*connect.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.events
	rc.events = nil
	return out
}

func TestWebhookSubscriptions(t *testing.T) {
	b := setup(t, shopifyfake.Options{Products: handBuilt()})
	cr := b.connectShop(t)
	ctx := context.Background()
	rc := newReceiver(t, b.client)
	address := rc.srv.URL + "/webhooks/shopify"

	topics := func() []string {
		var out []string
		for _, s := range b.fake.Subscriptions(b.fake.Shop()) {
			if s.Address != address {
				t.Errorf("subscription to %s", s.Address)
			}
			out = append(out, s.Topic)
		}
		slices.Sort(out)
		return out
	}
	// Registering twice (and once through a dropped connection) makes each
	// subscription once.
	if err := b.client.RegisterWebhooks(ctx, cr, address); err != nil {
		t.Fatal(err)
	}
	b.fake.FailNext(faultplan.Fault{}, faultplan.Fault{Kind: faultplan.Drop})
	if err := b.client.RegisterWebhooks(ctx, cr, address); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(topics(), ","); got != "APP_UNINSTALLED,PRODUCTS_CREATE,PRODUCTS_DELETE,PRODUCTS_UPDATE" {
		t.Fatalf("subscriptions = %s", got)
	}

	// A merchant's edit arrives as a verified products/update.
	mug := b.fake.Products()[0]
	ds, err := b.fake.EditProduct(mug.ID, func(p *shopifyfake.Product) { p.Title = "Merchant's title" })
	if err != nil || len(ds) != 1 || ds[0].Status != http.StatusOK {
		t.Fatalf("EditProduct deliveries = %+v, %v", ds, err)
	}
	evs := rc.take()
	if len(evs) != 1 || evs[0].Kind != connect.EventProductUpdate || evs[0].ExternalID != mug.ID ||
		evs[0].Account != b.fake.Shop() || evs[0].Topic != "products/update" || evs[0].ID != ds[0].WebhookID {
		t.Fatalf("events = %+v", evs)
	}

	// PlutoPro's own writes are echoed too, after the call.
	if _, err := b.client.Update(ctx, cr, mug.ID, connect.Fields{Title: ptr("PlutoPro's title")}); err != nil {
		t.Fatal(err)
	}
	b.fake.WaitWebhooks()
	if evs := rc.take(); len(evs) != 1 || evs[0].Kind != connect.EventProductUpdate {
		t.Errorf("events after Update = %+v", evs)
	}

	// Create and delete.
	id, _, err := b.fake.AddProduct(b.fake.Shop(), handBuilt()[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.fake.DeleteProduct(id); err != nil {
		t.Fatal(err)
	}
	evs = rc.take()
	if len(evs) != 2 || evs[0].Kind != connect.EventProductCreate || evs[0].ExternalID != id ||
		evs[1].Kind != connect.EventProductDelete || evs[1].ExternalID != id {
		t.Fatalf("create/delete events = %+v", evs)
	}

	if err := b.client.Deregister(ctx, cr); err != nil {
		t.Fatal(err)
	}
	if got := topics(); len(got) != 0 {
		t.Errorf("subscriptions after Deregister = %v", got)
	}
	if rc.bad != 0 {
		t.Errorf("%d deliveries did not verify", rc.bad)
	}
}

func TestUninstallWebhook(t *testing.T) {
	b := setup(t, shopifyfake.Options{})
	cr := b.connectShop(t)
	rc := newReceiver(t, b.client)
	if err := b.client.RegisterWebhooks(context.Background(), cr, rc.srv.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := b.fake.Uninstall(b.fake.Shop()); err != nil {
		t.Fatal(err)
	}
	evs := rc.take()
	if len(evs) != 1 || evs[0].Kind != connect.EventUninstalled || evs[0].Account != b.fake.Shop() || evs[0].Topic != "app/uninstalled" {
		t.Fatalf("events = %+v", evs)
	}
	if len(b.fake.Subscriptions(b.fake.Shop())) != 0 {
		t.Error("subscriptions survive the uninstall")
	}
	if err := b.client.Deregister(context.Background(), cr); !errors.Is(err, connect.ErrUnauthorized) {
		t.Errorf("Deregister after uninstall = %v, want ErrUnauthorized", err)
	}
}

func TestPrivacyWebhooks(t *testing.T) {
	b := setup(t, shopifyfake.Options{})
	rc := newReceiver(t, b.client)
	for topic, kind := range map[string]connect.EventKind{
		shopifyfake.TopicCustomersDataRequest: connect.EventCustomerData,
		shopifyfake.TopicCustomersRedact:      connect.EventCustomerRedact,
		shopifyfake.TopicShopRedact:           connect.EventShopRedact,
	} {
		d, err := b.fake.SendPrivacyWebhook(topic, rc.srv.URL+"/privacy")
		if err != nil || d.Status != http.StatusOK {
			t.Fatalf("%s: %+v %v", topic, d, err)
		}
		evs := rc.take()
		if len(evs) != 1 || evs[0].Kind != kind || evs[0].Account != b.fake.Shop() || evs[0].Topic != topic || evs[0].ID == "" {
			t.Errorf("%s: events = %+v", topic, evs)
		}
	}
}

func TestVerifyWebhook(t *testing.T) {
	c := shopify.New(shopify.Options{ClientID: testClientID, ClientSecret: testClientSecret, PreviousClientSecret: "old-secret"})
	sign := func(secret string, body []byte) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	headers := func(topic, sig string) http.Header {
		h := http.Header{}
		h.Set("X-Shopify-Topic", topic)
		h.Set("X-Shopify-Hmac-Sha256", sig)
		h.Set("X-Shopify-Shop-Domain", "Shop-One.myshopify.com")
		h.Set("X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
		h.Set("X-Shopify-Api-Version", "2025-01")
		return h
	}
	update := []byte(`{"id":7100000000001,"admin_graphql_api_id":"gid://shopify/Product/7100000000001","title":"Mug"}`)
	del := []byte(`{"id":9007199254740993}`)
	tests := []struct {
		name     string
		topic    string
		body     []byte
		sig      string
		wantErr  error
		wantKind connect.EventKind
		wantID   string
	}{
		{"products/update", "products/update", update, sign(testClientSecret, update), nil, connect.EventProductUpdate, "gid://shopify/Product/7100000000001"},
		{"products/create", "products/create", update, sign(testClientSecret, update), nil, connect.EventProductCreate, "gid://shopify/Product/7100000000001"},
		{"products/delete has only the numeric id", "products/delete", del, sign(testClientSecret, del), nil, connect.EventProductDelete, "gid://shopify/Product/9007199254740993"},
		{"app/uninstalled", "app/uninstalled", []byte(`{"id":1,"domain":"shop-one.myshopify.com"}`), sign(testClientSecret, []byte(`{"id":1,"domain":"shop-one.myshopify.com"}`)), nil, connect.EventUninstalled, ""},
		{"customers/data_request", "customers/data_request", []byte(`{"shop_id":1,"shop_domain":"shop-one.myshopify.com"}`), sign(testClientSecret, []byte(`{"shop_id":1,"shop_domain":"shop-one.myshopify.com"}`)), nil, connect.EventCustomerData, ""},
		{"customers/redact", "customers/redact", []byte(`{"shop_id":1}`), sign(testClientSecret, []byte(`{"shop_id":1}`)), nil, connect.EventCustomerRedact, ""},
		{"shop/redact", "shop/redact", []byte(`{"shop_id":1}`), sign(testClientSecret, []byte(`{"shop_id":1}`)), nil, connect.EventShopRedact, ""},
		{"other topic", "orders/create", []byte(`{}`), sign(testClientSecret, []byte(`{}`)), nil, connect.EventOther, ""},
		{"previous secret", "products/update", update, sign("old-secret", update), nil, connect.EventProductUpdate, "gid://shopify/Product/7100000000001"},
		{"wrong secret", "products/update", update, sign("wrong", update), connect.ErrBadSignature, "", ""},
		{"tampered body", "products/update", []byte(strings.Replace(string(update), "Mug", "Hat", 1)), sign(testClientSecret, update), connect.ErrBadSignature, "", ""},
		{"hex instead of base64", "products/update", update, "deadbeef", connect.ErrBadSignature, "", ""},
		{"no signature", "products/update", update, "", connect.ErrBadSignature, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := c.VerifyWebhook(headers(tt.topic, tt.sig), tt.body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || ev != nil {
					t.Fatalf("VerifyWebhook = %v, %v; want %v", ev, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tt.wantKind || ev.ExternalID != tt.wantID || ev.Account != "shop-one.myshopify.com" ||
				ev.ID != "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043" || ev.Topic != tt.topic {
				t.Errorf("event = %+v", ev)
			}
		})
	}
}
