package shopify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/plutopro/plutopro/internal/connect"
)

// WebhookTopics are the topics RegisterWebhooks subscribes (GraphQL enum
// names). The privacy (compliance) topics customers/data_request,
// customers/redact and shop/redact cannot be subscribed through the API:
// they are set in the app's configuration, and VerifyWebhook reads them.
var WebhookTopics = []string{"PRODUCTS_CREATE", "PRODUCTS_UPDATE", "PRODUCTS_DELETE", "APP_UNINSTALLED"}

// webhookSub is a subscription as webhooksQuery reads it.
type webhookSub struct {
	ID       string `json:"id"`
	Topic    string `json:"topic"`
	Endpoint struct {
		Typename    string `json:"__typename"`
		CallbackURL string `json:"callbackUrl"`
	} `json:"endpoint"`
}

func (c *Client) webhooks(ctx context.Context, cr *connect.Credentials) ([]webhookSub, error) {
	var out []webhookSub
	for after := ""; ; {
		var vars map[string]any
		if after != "" {
			vars = map[string]any{"after": after}
		}
		var data struct {
			Subs connection[webhookSub] `json:"webhookSubscriptions"`
		}
		if err := c.graphql(ctx, cr, "PlutoProWebhooks", webhooksQuery, vars, &data); err != nil {
			return nil, err
		}
		out = append(out, data.Subs.Nodes...)
		if !data.Subs.PageInfo.HasNextPage {
			return out, nil
		}
		after = data.Subs.PageInfo.EndCursor
	}
}

// RegisterWebhooks subscribes WebhookTopics to address (JSON over HTTPS).
// Topics already subscribed to address are left alone, so calling it
// again is harmless.
func (c *Client) RegisterWebhooks(ctx context.Context, cr *connect.Credentials, address string) error {
	existing, err := c.webhooks(ctx, cr)
	if err != nil {
		return err
	}
	for _, topic := range WebhookTopics {
		if slices.ContainsFunc(existing, func(s webhookSub) bool {
			return s.Topic == topic && s.Endpoint.CallbackURL == address
		}) {
			continue
		}
		const op = "PlutoProWebhookCreate"
		var data struct {
			Create struct {
				UserErrors []userError `json:"userErrors"`
			} `json:"webhookSubscriptionCreate"`
		}
		vars := map[string]any{
			"topic":        topic,
			"subscription": map[string]any{"callbackUrl": address, "format": "JSON"},
		}
		if err := c.graphql(ctx, cr, op, webhookCreateMutation, vars, &data); err != nil {
			return err
		}
		// A retried create that had gone through is "already taken".
		ue := slices.DeleteFunc(data.Create.UserErrors, func(e userError) bool {
			return strings.Contains(e.Message, "already been taken")
		})
		if err := userErrorsErr(op, ue); err != nil {
			return err
		}
	}
	return nil
}

// Deregister deletes the app's subscriptions to WebhookTopics on the shop.
// After an uninstall the token no longer works (connect.ErrUnauthorized)
// and Shopify has already removed them.
func (c *Client) Deregister(ctx context.Context, cr *connect.Credentials) error {
	existing, err := c.webhooks(ctx, cr)
	if err != nil {
		return err
	}
	for _, s := range existing {
		if !slices.Contains(WebhookTopics, s.Topic) {
			continue
		}
		const op = "PlutoProWebhookDelete"
		var data struct {
			Delete struct {
				UserErrors []userError `json:"userErrors"`
			} `json:"webhookSubscriptionDelete"`
		}
		if err := c.graphql(ctx, cr, op, webhookDeleteMutation, map[string]any{"id": s.ID}, &data); err != nil {
			return err
		}
		// Gone already (a retried delete): fine.
		ue := slices.DeleteFunc(data.Delete.UserErrors, func(e userError) bool {
			return strings.Contains(strings.ToLower(e.Message), "does not exist")
		})
		if err := userErrorsErr(op, ue); err != nil {
			return err
		}
	}
	return nil
}

// Webhook headers Shopify sends.
const (
	HeaderHmac       = "X-Shopify-Hmac-Sha256"
	HeaderTopic      = "X-Shopify-Topic"
	HeaderShopDomain = "X-Shopify-Shop-Domain"
	HeaderWebhookID  = "X-Shopify-Webhook-Id"
	HeaderAPIVersion = "X-Shopify-Api-Version"
)

var topicKinds = map[string]connect.EventKind{
	"products/create":        connect.EventProductCreate,
	"products/update":        connect.EventProductUpdate,
	"products/delete":        connect.EventProductDelete,
	"app/uninstalled":        connect.EventUninstalled,
	"customers/data_request": connect.EventCustomerData,
	"customers/redact":       connect.EventCustomerRedact,
	"shop/redact":            connect.EventShopRedact,
}

// VerifyWebhook checks X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the
// raw body with the client secret, compared in constant time) and reads
// the delivery: the kind from X-Shopify-Topic, the shop from
// X-Shopify-Shop-Domain (or the body's shop_domain), the delivery id from
// X-Shopify-Webhook-Id and, for product topics, the product's gid
// (admin_graphql_api_id, or built from the numeric id that
// products/delete carries). A missing or wrong signature is
// connect.ErrBadSignature.
func (c *Client) VerifyWebhook(h http.Header, body []byte) (*connect.Event, error) {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h.Get(HeaderHmac)))
	if err != nil || len(got) == 0 {
		return nil, fmt.Errorf("shopify: webhook: %w", connect.ErrBadSignature)
	}
	ok := false
	for _, secret := range c.secrets() {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		ok = hmac.Equal(m.Sum(nil), got) || ok
	}
	if !ok {
		return nil, fmt.Errorf("shopify: webhook: %w", connect.ErrBadSignature)
	}

	topic := strings.TrimSpace(h.Get(HeaderTopic))
	ev := &connect.Event{
		Kind:    connect.EventOther,
		Account: strings.ToLower(strings.TrimSpace(h.Get(HeaderShopDomain))),
		ID:      h.Get(HeaderWebhookID),
		Topic:   topic,
	}
	if k, ok := topicKinds[topic]; ok {
		ev.Kind = k
	}
	var payload struct {
		ID         json.Number `json:"id"`
		GID        string      `json:"admin_graphql_api_id"`
		ShopDomain string      `json:"shop_domain"`
	}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&payload); err != nil && ev.Kind != connect.EventOther {
			return nil, fmt.Errorf("shopify: webhook %s: body is not JSON: %w", topic, err)
		}
	}
	if ev.Account == "" {
		ev.Account = strings.ToLower(payload.ShopDomain)
	}
	switch ev.Kind {
	case connect.EventProductCreate, connect.EventProductUpdate, connect.EventProductDelete:
		ev.ExternalID = payload.GID
		if ev.ExternalID == "" && payload.ID != "" {
			ev.ExternalID = ProductGID(payload.ID.String())
		}
		if ev.ExternalID == "" {
			return nil, fmt.Errorf("shopify: webhook %s: no product id in the body", topic)
		}
	}
	return ev, nil
}
