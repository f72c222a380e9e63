// Package connect links a brand to its stores (Shopify, Etsy, Amazon):
// authorization, encrypted credentials, catalog sync and publishing
// approved content back, with a history that can be reverted. Each
// platform implements Connector in its own package (shopify/, etsy/,
// amazon/), speaking the platform's real wire format; tests and the
// sandbox point them at the fakes in internal/fakes.
package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
)

// Platform names a store platform.
type Platform string

// The platforms.
const (
	Shopify Platform = "shopify"
	Etsy    Platform = "etsy"
	Amazon  Platform = "amazon"
)

// Platforms lists every platform.
var Platforms = []Platform{Shopify, Etsy, Amazon}

// AuthRequest starts an authorization.
type AuthRequest struct {
	// State is the random nonce the callback must carry back.
	State string
	// RedirectURI is PlutoPro's callback URL.
	RedirectURI string
	// Shop is the store to connect where the platform needs it up front
	// (Shopify: "name.myshopify.com").
	Shop string
}

// AuthStart is where to send the seller.
type AuthStart struct {
	URL string
	// Verifier is a secret the callback needs (Etsy's PKCE code_verifier);
	// kept server-side, never sent to the browser.
	Verifier string
	// Shop is the validated, normalised shop (Shopify), if any.
	Shop string
}

// Callback is what came back to the redirect URI.
type Callback struct {
	Query       url.Values
	Verifier    string
	RedirectURI string
	// Shop is the shop the authorization was started for (Shopify): the
	// callback's shop must match it.
	Shop string
}

// Credentials are what a completed authorization grants. Tokens are
// secrets: they go to the vault, never to logs or errors.
type Credentials struct {
	// Account is the store account: Shopify shop domain, Etsy shop id,
	// Amazon selling partner id.
	Account string
	// Name is a human name for the store (shop name), if known.
	Name         string
	AccessToken  string
	RefreshToken string
	// ExpiresAt is when AccessToken expires; zero for tokens that do not.
	ExpiresAt time.Time
	Scopes    []string
	// Extra holds non-secret platform details (Etsy user id, Amazon
	// marketplace id and region).
	Extra map[string]string
}

// Expiring reports whether the access token expires within d.
func (c *Credentials) Expiring(now time.Time, d time.Duration) bool {
	return !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(now.Add(d))
}

// Page is one page of a store's products.
type Page struct {
	Products []*catalog.Product
	// Next resumes the listing after this page; "" when it was the last.
	Next string
	// Total is the number of products when the platform says, else -1.
	Total int
}

// Fields are the content PlutoPro writes to a product. Nil means leave as
// it is; each platform writes the ones it has.
type Fields struct {
	Title           *string   `json:"title,omitempty"`
	DescriptionHTML *string   `json:"description_html,omitempty"` // Shopify descriptionHtml, Etsy description (plain), Amazon product_description
	SEOTitle        *string   `json:"seo_title,omitempty"`
	SEODescription  *string   `json:"seo_description,omitempty"`
	Tags            *[]string `json:"tags,omitempty"`
	Materials       *[]string `json:"materials,omitempty"` // Etsy
	Bullets         *[]string `json:"bullets,omitempty"`   // Amazon bullet_point
	Keywords        *[]string `json:"keywords,omitempty"`  // Amazon generic_keyword
	// ImageAlts maps an image's ExternalID to its new alt text.
	ImageAlts map[string]string `json:"image_alts,omitempty"`
}

// Empty reports whether no field is set.
func (f Fields) Empty() bool {
	return f.Title == nil && f.DescriptionHTML == nil && f.SEOTitle == nil && f.SEODescription == nil && f.Tags == nil &&
		f.Materials == nil && f.Bullets == nil && f.Keywords == nil && len(f.ImageAlts) == 0
}

// EventKind is what a webhook says happened.
type EventKind string

// The webhook events PlutoPro acts on.
const (
	EventProductCreate  EventKind = "product_create"
	EventProductUpdate  EventKind = "product_update"
	EventProductDelete  EventKind = "product_delete"
	EventUninstalled    EventKind = "uninstalled"
	EventCustomerData   EventKind = "customer_data_request" // Shopify customers/data_request
	EventCustomerRedact EventKind = "customer_redact"       // Shopify customers/redact
	EventShopRedact     EventKind = "shop_redact"           // Shopify shop/redact
	EventOther          EventKind = "other"
)

// Event is a verified webhook.
type Event struct {
	Kind EventKind
	// Account is the store account it is about (shop domain).
	Account string
	// ExternalID is the product's id, for product events.
	ExternalID string
	// ID is the delivery id, for deduplication.
	ID string
	// Topic is the platform's own name for it.
	Topic string
}

// RateState is what a connector last learned of the platform's limits.
type RateState struct {
	// Remaining and Limit in the platform's unit (Shopify query cost
	// points, Etsy requests this second and today, Amazon tokens).
	Remaining float64 `json:"remaining"`
	Limit     float64 `json:"limit"`
	// RemainingToday is Etsy's daily window (-1 when not applicable).
	RemainingToday float64 `json:"remaining_today"`
	// Throttled counts throttled answers (429s, THROTTLED) seen and waited out.
	Throttled int       `json:"throttled"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Connector is one platform's client.
type Connector interface {
	Platform() Platform
	// BeginAuth returns the authorization URL for a seller.
	BeginAuth(ctx context.Context, req AuthRequest) (AuthStart, error)
	// CompleteAuth checks the callback (state is checked by the caller;
	// HMAC and shop here) and exchanges the code for credentials.
	CompleteAuth(ctx context.Context, cb Callback) (*Credentials, error)
	// Refresh renews the access token with the refresh token. Platforms
	// whose tokens do not expire return the credentials unchanged.
	Refresh(ctx context.Context, c *Credentials) (*Credentials, error)
	// ListProducts returns one page of the store's products from cursor
	// ("" for the start), mapped to the catalog model with Source set to
	// the platform and ExternalID to the store's id.
	ListProducts(ctx context.Context, c *Credentials, cursor string) (*Page, error)
	// FetchProduct reads one product; ErrNotFound when it is gone.
	FetchProduct(ctx context.Context, c *Credentials, externalID string) (*catalog.Product, error)
	// Update writes fields to a product and returns it as the store now
	// has it.
	Update(ctx context.Context, c *Credentials, externalID string, f Fields) (*catalog.Product, error)
	// VerifyWebhook checks a delivery's signature over the raw body and
	// reads it; ErrBadSignature when it does not verify.
	VerifyWebhook(h http.Header, body []byte) (*Event, error)
	// RegisterWebhooks subscribes the store's product and uninstall
	// events to address (PlutoPro's webhook URL for the platform);
	// platforms without such webhooks do nothing (they are polled).
	RegisterWebhooks(ctx context.Context, c *Credentials, address string) error
	// Deregister removes the webhooks the connection registered (on
	// disconnect); platforms without them do nothing.
	Deregister(ctx context.Context, c *Credentials) error
	// RateLimit is the last known limit state.
	RateLimit() RateState
}

// Errors connectors return.
var (
	ErrNotFound     = errors.New("connect: not found in the store")
	ErrBadSignature = errors.New("connect: webhook signature does not verify")
	// ErrUnauthorized: the store refused the credentials (revoked,
	// uninstalled); the connection needs the seller to connect again.
	ErrUnauthorized = errors.New("connect: the store refused the credentials")
)

// StoreError is a refusal by the store, with the store's own reason, shown
// to the seller as is (never holding a token).
type StoreError struct {
	Platform Platform
	Status   int    // HTTP status, 200 for GraphQL userErrors
	Code     string // the platform's code, if any
	Message  string
	// Retryable: a 5xx or throttling answer the caller may retry later.
	Retryable bool
}

func (e *StoreError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s refused (%d %s): %s", e.Platform, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%s refused (%d): %s", e.Platform, e.Status, e.Message)
}
