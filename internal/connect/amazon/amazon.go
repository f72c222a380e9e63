// Package amazon connects PlutoPro to a seller's Amazon store through the
// Selling Partner API (SP-API), speaking the wire format of Amazon's
// official models (shared/data/amazon-sp-api-models).
//
// # Authorization
//
// BeginAuth sends the seller to Seller Central's consent page
// ({SellerCentralURL}/apps/authorize/consent?application_id=&state=
// [&redirect_uri=][&version=beta]). Amazon redirects back with state,
// selling_partner_id and spapi_oauth_code; CompleteAuth exchanges the code
// (valid five minutes) at the Login with Amazon (LWA) token endpoint for an
// access token ("Atza|…", one hour) and a long-lived refresh token
// ("Atzr|…"). Credentials.Account is the selling partner id and Extra holds
// marketplace_id and region. The access token is sent in the
// x-amz-access-token header; AWS Signature Version 4 is not needed since
// October 2023.
//
// Refresh renews the access token (the refresh token does not rotate).
// When a call is given credentials whose access token has expired (or is
// refused with 401/403) and a refresh token, the client also fetches a
// fresh access token itself and keeps it in memory, keyed by a hash of the
// refresh token; the caller should still Refresh and store the result.
//
// # Listing products
//
// SP-API cannot page through all of a seller's SKUs directly
// (searchListingsItems stops at 1000), so ListProducts asks the Reports
// API for GET_MERCHANT_LISTINGS_ALL_DATA: createReport, getReport until
// DONE (FATAL is a *connect.StoreError; CANCELLED, which Amazon answers when there is no data, an empty store), getReportDocument, the
// download (gzip when compressionAlgorithm is GZIP; Cp1252 and other
// charsets decoded), and reads the seller-sku column of the tab-separated
// text. Each page then reads PageSize (20) of those SKUs with
// getListingsItem (includedData=summaries,attributes,issues,offers); SKUs
// deleted since the report are skipped.
//
// The cursor is opaque (base64url of a small JSON object) and holds either
// the report id, while the report is not done, or the report document id
// and the offset of the next SKU. A listing resumed from a cursor never
// creates a new report: it reuses the document (from an in-memory cache,
// else by downloading it again). While the report is still processing
// after ReportWait, ListProducts returns an empty page whose Next resumes
// the wait. If Amazon no longer has the document (reports expire), the
// resumed listing fails with a StoreError and must start again.
//
// # Updating
//
// Update reads the listing's product type from its summaries, then sends
// patchListingsItem with replace patches of item_name, product_description,
// bullet_point (one value per bullet) and generic_keyword (the keywords
// joined by spaces in one value), each value shaped {value, language_tag,
// marketplace_id}; an empty description, bullet list or keyword list is a
// delete patch. ACCEPTED means Amazon queued the change: the product is
// read back at once, and Amazon may still show the old values for a few
// minutes. INVALID comes back as a *connect.StoreError with Amazon's issue
// messages. Amazon has no SEO fields, tags, materials or image alt texts
// for listings: those fields are ignored.
//
// # Limits and errors
//
// Each (seller, operation) has a token bucket with the model's default
// usage plan (getListingsItem 5/s burst 10, patchListingsItem 5/5,
// createReport 0.0167/15, getReport 2/15, getReportDocument 0.0167/15),
// whose rate follows the x-amzn-RateLimit-Limit header when Amazon sends
// it. 429 QuotaExceeded, 5xx answers and dropped connections are retried
// with exponential backoff, at most MaxRetries times; 401 and 403 are
// connect.ErrUnauthorized; other refusals are *connect.StoreError with
// Amazon's code and message. Errors never hold a token, code or secret.
//
// # Notifications
//
// SP-API delivers notifications to Amazon SQS or EventBridge, not to an
// HTTP webhook, so VerifyWebhook always answers connect.ErrBadSignature and
// RegisterWebhooks and Deregister do nothing: Amazon listings are polled.
package amazon

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// Regions and their hosts.
var regions = map[string]region{
	"na": {api: "https://sellingpartnerapi-na.amazon.com", sellerCentral: "https://sellercentral.amazon.com", marketplace: "ATVPDKIKX0DER", language: "en_US"},
	"eu": {api: "https://sellingpartnerapi-eu.amazon.com", sellerCentral: "https://sellercentral-europe.amazon.com", marketplace: "A1F83G8C2ARO7P", language: "en_GB"},
	"fe": {api: "https://sellingpartnerapi-fe.amazon.com", sellerCentral: "https://sellercentral.amazon.co.jp", marketplace: "A1VC38T7YXB528", language: "ja_JP"},
}

type region struct {
	api, sellerCentral, marketplace, language string
}

// DefaultLWAURL is Login with Amazon's token endpoint.
const DefaultLWAURL = "https://api.amazon.com/auth/o2/token"

// Options configure a Client.
type Options struct {
	// ApplicationID is the SP-API application id (amzn1.sp.solution.…),
	// ClientID and ClientSecret its LWA credentials.
	ApplicationID string
	ClientID      string
	ClientSecret  string
	// Region is "na" (default), "eu" or "fe"; it picks the SP-API endpoint
	// (sellingpartnerapi-{region}.amazon.com), the Seller Central host
	// (sellercentral.amazon.com, sellercentral-europe.amazon.com,
	// sellercentral.amazon.co.jp) and the default marketplace and language.
	Region string
	// APIBaseURL, SellerCentralURL and LWAURL override the hosts (the
	// sandbox and tests point them at amazonfake); LWAURL is the full
	// token URL (default https://api.amazon.com/auth/o2/token).
	APIBaseURL       string
	SellerCentralURL string
	LWAURL           string
	// MarketplaceID is the marketplace read and written (default by region:
	// ATVPDKIKX0DER in na, A1F83G8C2ARO7P in eu, A1VC38T7YXB528 in fe);
	// credentials carrying Extra["marketplace_id"] use theirs.
	MarketplaceID string
	// LanguageTag is the language of values written (default by region:
	// en_US, en_GB, ja_JP).
	LanguageTag string
	// Beta adds version=beta to the consent URL, for apps in draft.
	Beta bool
	// HTTPClient sends the requests (default http.DefaultClient).
	HTTPClient *http.Client
	// Now is the clock for token expiry (default time.Now).
	Now func() time.Time

	// PageSize is the number of SKUs per page (default 20).
	PageSize int
	// Concurrency is the number of SKUs read at once (default 4).
	Concurrency int
	// ReportPollInterval is the wait between getReport polls (default 2 s)
	// and ReportWait the longest a ListProducts call waits for a report
	// before returning an empty page that resumes the wait (default 2 min).
	ReportPollInterval time.Duration
	ReportWait         time.Duration
	// MaxRetries bounds the retries of a throttled, failed or dropped call
	// (default 5); RetryBackoff is the first wait, doubled each retry
	// (default 1 s), up to MaxBackoff (default 30 s).
	MaxRetries   int
	RetryBackoff time.Duration
	MaxBackoff   time.Duration
}

// Client is the Amazon SP-API connector. It is safe for concurrent use.
type Client struct {
	o      Options
	reg    string
	hc     *http.Client
	now    func() time.Time
	err    error // a configuration error every call returns
	limits *limits
	tokens *tokenCache
	skus   *skuCache

	mu   sync.Mutex
	rate connect.RateState
}

var _ connect.Connector = (*Client)(nil)

// New returns a client. An unknown Region makes every call fail.
func New(o Options) *Client {
	c := &Client{hc: o.HTTPClient, now: o.Now, limits: newLimits(), tokens: newTokenCache(), skus: newSKUCache()}
	o.Region = strings.ToLower(strings.TrimSpace(o.Region))
	if o.Region == "" {
		o.Region = "na"
	}
	reg, ok := regions[o.Region]
	if !ok {
		c.err = fmt.Errorf("amazon: unknown region %q (use na, eu or fe)", o.Region)
		reg = regions["na"]
	}
	c.reg = o.Region
	if o.APIBaseURL == "" {
		o.APIBaseURL = reg.api
	}
	if o.SellerCentralURL == "" {
		o.SellerCentralURL = reg.sellerCentral
	}
	if o.LWAURL == "" {
		o.LWAURL = DefaultLWAURL
	}
	o.APIBaseURL = strings.TrimRight(o.APIBaseURL, "/")
	o.SellerCentralURL = strings.TrimRight(o.SellerCentralURL, "/")
	if o.MarketplaceID == "" {
		o.MarketplaceID = reg.marketplace
	}
	if o.LanguageTag == "" {
		o.LanguageTag = reg.language
	}
	if o.PageSize <= 0 {
		o.PageSize = 20
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.ReportPollInterval <= 0 {
		o.ReportPollInterval = 2 * time.Second
	}
	if o.ReportWait <= 0 {
		o.ReportWait = 2 * time.Minute
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 5
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.o = o
	c.rate.RemainingToday = -1
	return c
}

// Platform is connect.Amazon.
func (c *Client) Platform() connect.Platform { return connect.Amazon }

// RateLimit is what the client last learned of Amazon's usage plans:
// Limit is the rate (requests per second) of the last operation called and
// Remaining the tokens left in its bucket.
func (c *Client) RateLimit() connect.RateState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate
}

// VerifyWebhook always answers connect.ErrBadSignature: SP-API sends
// notifications to SQS or EventBridge, never to an HTTP webhook.
func (c *Client) VerifyWebhook(h http.Header, body []byte) (*connect.Event, error) {
	return nil, connect.ErrBadSignature
}

// RegisterWebhooks does nothing: Amazon listings are polled.
func (c *Client) RegisterWebhooks(ctx context.Context, cr *connect.Credentials, address string) error {
	return nil
}

// Deregister does nothing: no webhooks were registered.
func (c *Client) Deregister(ctx context.Context, cr *connect.Credentials) error { return nil }

// marketplace is the marketplace of the credentials, else the client's.
func (c *Client) marketplace(cr *connect.Credentials) string {
	if cr != nil && cr.Extra != nil && cr.Extra["marketplace_id"] != "" {
		return cr.Extra["marketplace_id"]
	}
	return c.o.MarketplaceID
}

// checkCredentials refuses calls that cannot work.
func (c *Client) checkCredentials(cr *connect.Credentials) error {
	if c.err != nil {
		return c.err
	}
	if cr == nil || cr.Account == "" {
		return fmt.Errorf("amazon: credentials have no selling partner id")
	}
	if cr.AccessToken == "" && cr.RefreshToken == "" {
		return fmt.Errorf("amazon: credentials have no token: %w", connect.ErrUnauthorized)
	}
	return nil
}
