// Package etsy is the Etsy Open API v3 connector: OAuth 2.0 with PKCE,
// reading a shop's active listings into the catalog model and writing
// titles, descriptions, tags, materials and image alt texts back. It speaks
// the wire format of shared/reference/stores.md section 2; tests and the
// sandbox point it at internal/fakes/etsyfake.
//
// # Descriptions
//
// Etsy descriptions are plain text. Read, a description becomes BodyHTML as
// escaped <p> paragraphs with <br> for single line breaks (as the catalog's
// Etsy CSV reader does), so the rest of PlutoPro always handles HTML; the
// text itself is kept in Metadata["etsy:description"]. Written,
// Fields.DescriptionHTML that holds markup is turned back into text:
// paragraphs and block elements become blank-line separated paragraphs,
// <br> a line break, list items lines starting "- " (or "1. " in ordered
// lists), entities are decoded and tags dropped. A value with no markup is
// sent as the plain text it is (drafts for Etsy are plain text). Text →
// HTML → text keeps words, line breaks and paragraphs; runs of spaces fold
// to one, as HTML reads them.
//
// Etsy has been seen to answer some text with HTML entities (&#39;); the
// titles, descriptions, tags and materials read are entity-decoded.
//
// # Products
//
// A listing becomes a catalog.Product with Source "etsy", ExternalID the
// listing_id and Handle "etsy-<listing_id>"; tags are Tags; materials are
// kept newline-joined in Metadata["materials"] (the key the connect service
// reads); state is kept in Metadata["etsy:state"] and mapped to Status
// (active → active, draft → draft, anything else → archived); the URL in
// Metadata["etsy:url"]; CreatedAt and UpdatedAt are the created and
// last_modified timestamps. The inventory's products become variants (SKU,
// property values as option values, the first enabled offering's price and
// quantity); without an inventory the listing's price and quantity make one
// variant. Prices {amount, divisor, currency_code} become exact decimals.
// Images are ordered by rank, with listing_image_id as Image.ExternalID,
// url_fullxfull as Src and alt_text as Alt.
//
// # Limits and retries
//
// One Client paces all its requests (Etsy counts quotas per app key): at
// most x-limit-per-second requests in any second (10 until Etsy says),
// waiting out a second whose x-remaining-this-second reached 0. When
// x-remaining-today reaches 0 requests stop with a *connect.StoreError
// (Status 429, Code "daily_limit", Retryable) saying from when they can
// resume, estimated from this client's own oldest request of the last 24
// hours (Etsy's daily window slides). A 429 waits retry-after, or backs
// off exponentially when there is none; 5xx answers and dropped connections
// back off too; after MaxRetries the call fails with a retryable
// StoreError. A 401 is connect.ErrUnauthorized, a 404 connect.ErrNotFound;
// other refusals are *connect.StoreError with Etsy's own message. Errors
// never hold a token or the shared secret.
//
// # Webhooks
//
// Etsy has no listing webhooks (only ORDER_PAID, for commercial apps), so
// listings are polled: VerifyWebhook refuses everything with
// connect.ErrBadSignature, and RegisterWebhooks and Deregister do nothing.
package etsy

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// Production base URLs.
const (
	DefaultAuthBaseURL = "https://www.etsy.com"
	DefaultAPIBaseURL  = "https://api.etsy.com"
)

// DefaultScopes are the scopes asked for when Options.Scopes is empty.
var DefaultScopes = []string{"listings_r", "listings_w"}

// Options configures a Client.
type Options struct {
	// Keystring is the app's API key (OAuth client_id); SharedSecret its
	// shared secret. Requests carry x-api-key "Keystring:SharedSecret".
	Keystring    string
	SharedSecret string
	// AuthBaseURL serves /oauth/connect (default https://www.etsy.com);
	// APIBaseURL serves /v3 (default https://api.etsy.com).
	AuthBaseURL string
	APIBaseURL  string
	// Scopes asked for (default listings_r listings_w).
	Scopes []string
	// HTTPClient sends the requests (default http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits d or until ctx ends (default a timer). Tests pass one that
	// moves a fake clock, so pacing and backoff take no real time.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxRetries bounds the retries of one request after a 429, a 5xx or a
	// dropped connection (default 5).
	MaxRetries int
	// MaxWait is the longest retry-after the client waits out; a longer one
	// fails the call with a retryable StoreError (default 1 minute).
	MaxWait time.Duration
}

// Client is the Etsy connector. It is safe for concurrent use.
type Client struct {
	keystring string
	secret    string
	authBase  string
	apiBase   string
	scopes    []string
	http      *http.Client
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	retries   int
	maxWait   time.Duration
	pace      *pacer
}

var _ connect.Connector = (*Client)(nil)

// New returns a client.
func New(o Options) *Client {
	c := &Client{
		keystring: o.Keystring,
		secret:    o.SharedSecret,
		authBase:  strings.TrimRight(o.AuthBaseURL, "/"),
		apiBase:   strings.TrimRight(o.APIBaseURL, "/"),
		scopes:    o.Scopes,
		http:      o.HTTPClient,
		now:       o.Now,
		sleep:     o.Sleep,
		retries:   o.MaxRetries,
		maxWait:   o.MaxWait,
	}
	if c.authBase == "" {
		c.authBase = DefaultAuthBaseURL
	}
	if c.apiBase == "" {
		c.apiBase = DefaultAPIBaseURL
	}
	if len(c.scopes) == 0 {
		c.scopes = DefaultScopes
	}
	c.scopes = append([]string(nil), c.scopes...)
	if c.http == nil {
		c.http = http.DefaultClient
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepTimer
	}
	if c.retries <= 0 {
		c.retries = 5
	}
	if c.maxWait <= 0 {
		c.maxWait = time.Minute
	}
	c.pace = newPacer()
	return c
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Platform is connect.Etsy.
func (c *Client) Platform() connect.Platform { return connect.Etsy }

// RateLimit is what the client last learned of Etsy's limits: Limit and
// Remaining per second, RemainingToday (-1 until Etsy has said), and the
// 429s waited out.
func (c *Client) RateLimit() connect.RateState { return c.pace.state() }

// VerifyWebhook refuses every delivery: Etsy sends no listing webhooks
// (its only event, ORDER_PAID, is for commercial apps), so Etsy shops are
// polled.
func (c *Client) VerifyWebhook(http.Header, []byte) (*connect.Event, error) {
	return nil, connect.ErrBadSignature
}

// RegisterWebhooks does nothing: Etsy has no listing webhooks; listings
// are polled.
func (c *Client) RegisterWebhooks(context.Context, *connect.Credentials, string) error { return nil }

// Deregister does nothing: no webhooks were registered.
func (c *Client) Deregister(context.Context, *connect.Credentials) error { return nil }
