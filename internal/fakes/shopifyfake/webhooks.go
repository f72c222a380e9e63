package shopifyfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake/adminschema"
)

// Delivery is one webhook delivery the fake made (or tried).
type Delivery struct {
	Time    time.Time
	Topic   string // products/update, app/uninstalled, …
	Shop    string
	Address string
	// WebhookID is X-Shopify-Webhook-Id.
	WebhookID string
	Header    http.Header
	Body      []byte
	// Status is the receiver's answer; 0 when it could not be reached
	// (Err says why).
	Status int
	Err    string
}

// pendingHook is an event to deliver to the subscriptions of its topic.
type pendingHook struct {
	topic   string
	payload any
}

// topicEnums maps REST topics to the GraphQL enum of subscriptions.
var topicEnums = map[string]string{
	"products/create": "PRODUCTS_CREATE",
	"products/update": "PRODUCTS_UPDATE",
	"products/delete": "PRODUCTS_DELETE",
	"app/uninstalled": "APP_UNINSTALLED",
}

// prepareDeliveries makes the deliveries of pending events to the shop's
// subscriptions. The caller holds s.mu.
func (s *Server) prepareDeliveries(sh *shop, pending []pendingHook) []*Delivery {
	var out []*Delivery
	for _, ph := range pending {
		body, err := json.Marshal(ph.payload)
		if err != nil {
			continue
		}
		for _, sub := range sh.subs {
			if sub.topic == topicEnums[ph.topic] {
				out = append(out, s.newDelivery(sh.domain, ph.topic, sub.address, body))
			}
		}
	}
	return out
}

// newDelivery signs body and makes the delivery's headers. The caller
// holds s.mu.
func (s *Server) newDelivery(domain, topic, address string, body []byte) *Delivery {
	s.seq++
	id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", s.seq, s.seq%0xffff, s.seq%0xfff, s.seq%0xfff, s.seq*104729)
	m := hmac.New(sha256.New, []byte(s.opts.ClientSecret))
	m.Write(body)
	now := s.now()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Shopify-Captain-Hook")
	h.Set("X-Shopify-Topic", topic)
	h.Set("X-Shopify-Hmac-Sha256", base64.StdEncoding.EncodeToString(m.Sum(nil)))
	h.Set("X-Shopify-Shop-Domain", domain)
	h.Set("X-Shopify-Webhook-Id", id)
	h.Set("X-Shopify-Event-Id", fmt.Sprintf("%08x-%012x", s.seq, s.seq*7))
	h.Set("X-Shopify-Triggered-At", now.UTC().Format(time.RFC3339Nano))
	h.Set("X-Shopify-Api-Version", adminschema.Version)
	return &Delivery{Time: now, Topic: topic, Shop: domain, Address: address, WebhookID: id, Header: h, Body: body}
}

// deliver posts d and records the outcome.
func (s *Server) deliver(d *Delivery) Delivery {
	req, err := http.NewRequest(http.MethodPost, d.Address, bytes.NewReader(d.Body))
	if err == nil {
		req.Header = d.Header.Clone()
		var resp *http.Response
		resp, err = s.opts.WebhookClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	if err != nil {
		d.Err = err.Error()
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, *d)
	s.mu.Unlock()
	return *d
}

// deliverAll delivers in order and returns the outcomes.
func (s *Server) deliverAll(ds []*Delivery) []Delivery {
	out := make([]Delivery, 0, len(ds))
	for _, d := range ds {
		out = append(out, s.deliver(d))
	}
	return out
}

// deliverAsync delivers in the background (events caused by API calls,
// as Shopify sends them after answering); WaitWebhooks waits for them.
func (s *Server) deliverAsync(ds []*Delivery) {
	if len(ds) == 0 {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliverAll(ds)
	}()
}

// WaitWebhooks waits for the deliveries caused by API calls.
func (s *Server) WaitWebhooks() { s.wg.Wait() }

// Deliveries returns the deliveries made so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d
		out[i].Header = d.Header.Clone()
		out[i].Body = slices.Clone(d.Body)
	}
	return out
}

// Subscription is a webhook subscription as tests see it.
type Subscription struct {
	ID      string
	Topic   string // GraphQL enum: PRODUCTS_UPDATE
	Address string
}

// Subscriptions lists a shop's webhook subscriptions.
func (s *Server) Subscriptions(domain string) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shops[strings.ToLower(domain)]
	if sh == nil {
		return nil
	}
	out := make([]Subscription, len(sh.subs))
	for i, sub := range sh.subs {
		out[i] = Subscription{ID: sub.id, Topic: sub.topic, Address: sub.address}
	}
	return out
}

// EditProduct changes a product as a merchant would in the admin: edit
// gets a copy to change (new variants and media without an ID get one;
// the product's ID stays), and products/update is delivered to the
// subscriptions before EditProduct returns.
func (s *Server) EditProduct(id string, edit func(*Product)) ([]Delivery, error) {
	s.mu.Lock()
	sh, i := s.findProduct(id)
	if sh == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("shopifyfake: no product %s", id)
	}
	p := sh.products[i].clone()
	edit(p)
	p.ID = id
	p.Tags = normalizeTags(p.Tags)
	s.fillIDs(p)
	if msg := productProblem(p); msg != "" {
		s.mu.Unlock()
		return nil, fmt.Errorf("shopifyfake: %s", msg)
	}
	p.UpdatedAt = s.now().UTC().Truncate(time.Second)
	sh.products[i] = p
	ds := s.prepareDeliveries(sh, []pendingHook{{topic: "products/update", payload: restProduct(p)}})
	s.mu.Unlock()
	return s.deliverAll(ds), nil
}

// AddProduct adds a product to a shop as a merchant would and delivers
// products/create; it returns the new product's gid.
func (s *Server) AddProduct(domain string, cp *catalog.Product) (string, []Delivery, error) {
	s.mu.Lock()
	sh := s.shops[strings.ToLower(domain)]
	if sh == nil {
		s.mu.Unlock()
		return "", nil, fmt.Errorf("shopifyfake: no shop %s", domain)
	}
	p := fromCatalog(cp, s.now())
	if msg := productProblem(p); msg != "" {
		s.mu.Unlock()
		return "", nil, fmt.Errorf("shopifyfake: %s", msg)
	}
	s.addProduct(sh, p)
	ds := s.prepareDeliveries(sh, []pendingHook{{topic: "products/create", payload: restProduct(p)}})
	s.mu.Unlock()
	return p.ID, s.deliverAll(ds), nil
}

// DeleteProduct deletes a product as a merchant would and delivers
// products/delete (whose body holds only the numeric id).
func (s *Server) DeleteProduct(id string) ([]Delivery, error) {
	s.mu.Lock()
	sh, i := s.findProduct(id)
	if sh == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("shopifyfake: no product %s", id)
	}
	sh.products = slices.Delete(sh.products, i, i+1)
	ds := s.prepareDeliveries(sh, []pendingHook{{topic: "products/delete", payload: map[string]any{"id": anyGIDNumber(id)}}})
	s.mu.Unlock()
	return s.deliverAll(ds), nil
}

// Uninstall uninstalls the app from a shop: every token of the shop is
// revoked, app/uninstalled is delivered to its subscriptions, and then
// the subscriptions are removed.
func (s *Server) Uninstall(domain string) ([]Delivery, error) {
	s.mu.Lock()
	sh := s.shops[strings.ToLower(domain)]
	if sh == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("shopifyfake: no shop %s", domain)
	}
	s.revokeLocked(sh.domain)
	ds := s.prepareDeliveries(sh, []pendingHook{{topic: "app/uninstalled", payload: map[string]any{
		"id":               sh.id,
		"name":             sh.name,
		"email":            "owner@" + sh.domain,
		"domain":           sh.domain,
		"myshopify_domain": sh.domain,
		"country_code":     "US",
		"currency":         "USD",
		"iana_timezone":    "UTC",
		"plan_name":        "basic",
		"created_at":       ts(s.now()),
	}}})
	sh.subs = nil
	s.mu.Unlock()
	return s.deliverAll(ds), nil
}

// Privacy (compliance) topics, which apps configure in their settings
// rather than through the API.
const (
	TopicCustomersDataRequest = "customers/data_request"
	TopicCustomersRedact      = "customers/redact"
	TopicShopRedact           = "shop/redact"
)

// SendPrivacyWebhook delivers a privacy webhook about the seeded shop to
// address, signed as Shopify signs it.
func (s *Server) SendPrivacyWebhook(topic, address string) (Delivery, error) {
	s.mu.Lock()
	sh := s.shops[s.opts.Shop]
	payload := map[string]any{"shop_id": sh.id, "shop_domain": sh.domain}
	customer := map[string]any{"id": 191167, "email": "john@example.com", "phone": "555-625-1199"}
	switch topic {
	case TopicCustomersDataRequest:
		payload["orders_requested"] = []int64{299938, 280263, 220458}
		payload["customer"] = customer
		payload["data_request"] = map[string]any{"id": 9999}
	case TopicCustomersRedact:
		payload["customer"] = customer
		payload["orders_to_redact"] = []int64{299938, 280263, 220458}
	case TopicShopRedact:
	default:
		s.mu.Unlock()
		return Delivery{}, fmt.Errorf("shopifyfake: %q is not a privacy topic", topic)
	}
	body, _ := json.Marshal(payload)
	d := s.newDelivery(sh.domain, topic, address, body)
	s.mu.Unlock()
	return s.deliver(d), nil
}

// restProduct is a product in the REST shape of products/create and
// products/update payloads.
func restProduct(p *Product) map[string]any {
	pid := anyGIDNumber(p.ID)
	variants := make([]any, len(p.Variants))
	for i, v := range p.Variants {
		rv := map[string]any{
			"admin_graphql_api_id": v.ID,
			"id":                   anyGIDNumber(v.ID),
			"product_id":           pid,
			"title":                variantTitle(v),
			"price":                v.Price,
			"sku":                  v.SKU,
			"position":             i + 1,
			"compare_at_price":     nilIfEmpty(v.CompareAtPrice),
			"barcode":              nilIfEmpty(v.Barcode),
			"inventory_quantity":   v.InventoryQuantity,
			"created_at":           ts(p.CreatedAt),
			"updated_at":           ts(p.UpdatedAt),
		}
		for j := range 3 {
			var val any
			if j < len(v.OptionValues) {
				val = v.OptionValues[j]
			}
			rv["option"+strconv.Itoa(j+1)] = val
		}
		variants[i] = rv
	}
	options := make([]any, len(p.Options))
	for i, o := range p.Options {
		options[i] = map[string]any{"product_id": pid, "name": o.Name, "position": i + 1, "values": o.Values}
	}
	images := make([]any, len(p.Media))
	media := make([]any, len(p.Media))
	for i, m := range p.Media {
		n := anyGIDNumber(m.ID)
		images[i] = map[string]any{
			"admin_graphql_api_id": fmt.Sprintf("gid://shopify/ProductImage/%d", n),
			"id":                   n, "product_id": pid, "position": i + 1,
			"alt": nilIfEmpty(m.Alt), "width": m.Width, "height": m.Height, "src": m.URL, "variant_ids": []int64{},
		}
		media[i] = map[string]any{
			"admin_graphql_api_id": m.ID, "id": n, "product_id": pid, "position": i + 1,
			"alt": nilIfEmpty(m.Alt), "status": "READY", "media_content_type": "IMAGE",
			"preview_image": map[string]any{"width": m.Width, "height": m.Height, "src": m.URL, "status": "READY"},
		}
	}
	var image any
	if len(images) > 0 {
		image = images[0]
	}
	return map[string]any{
		"admin_graphql_api_id": p.ID,
		"id":                   pid,
		"title":                p.Title,
		"body_html":            p.DescriptionHTML,
		"vendor":               p.Vendor,
		"product_type":         p.ProductType,
		"handle":               p.Handle,
		"created_at":           ts(p.CreatedAt),
		"updated_at":           ts(p.UpdatedAt),
		"published_at":         ts(p.CreatedAt),
		"template_suffix":      nil,
		"published_scope":      "web",
		"status":               strings.ToLower(p.Status),
		"tags":                 strings.Join(p.Tags, ", "),
		"variants":             variants,
		"options":              options,
		"images":               images,
		"image":                image,
		"media":                media,
	}
}
