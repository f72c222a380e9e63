package shopify

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/plutopro/plutopro/internal/connect"
)

// DefaultAPIVersion is the Admin API version the client speaks.
const DefaultAPIVersion = "2025-01"

// DefaultScopes are the access scopes the client asks for.
var DefaultScopes = []string{"read_products", "write_products", "write_files"}

// Options configures a Client.
type Options struct {
	// ClientID and ClientSecret are the app's credentials (Partner
	// Dashboard: client id and secret). The secret signs OAuth callbacks
	// and webhooks and is sent only to the token endpoint.
	ClientID     string
	ClientSecret string
	// PreviousClientSecret, when set, is also accepted for callback and
	// webhook HMACs while a rotated secret propagates (Shopify may sign
	// with the old one for up to an hour).
	PreviousClientSecret string
	// APIVersion is the Admin API version; default DefaultAPIVersion.
	APIVersion string
	// BaseURL returns the base URL of a shop's admin, without a trailing
	// slash; the client appends /admin/…. Default "https://" + shop. Point
	// it at the fake with shopifyfake.Server.BaseURL.
	BaseURL func(shop string) string
	// Scopes asked for; default DefaultScopes.
	Scopes []string
	// HTTPClient makes the calls; default a client with a 60 s timeout.
	HTTPClient *http.Client
	// Now is the clock (callback timestamps, token expiry); default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done (throttling, backoff, bulk
	// polling); default a timer. Tests pass one that moves a manual clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxAttempts bounds the tries of one call on 5xx answers and dropped
	// connections; default 5.
	MaxAttempts int
	// MaxThrottleWaits bounds the THROTTLED answers waited out in one call;
	// default 20.
	MaxThrottleWaits int
	// BulkThreshold is the product count above which ListAll uses a bulk
	// operation instead of pages; default 250.
	BulkThreshold int
	// BulkPollInterval is how often a running bulk operation is polled;
	// default 2 s.
	BulkPollInterval time.Duration
	// UserAgent is sent with every call; default "PlutoPro".
	UserAgent string
}

// Client is a Shopify connector. It is safe for concurrent use.
type Client struct {
	opts  Options
	http  *http.Client
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	rate connect.RateState
}

var _ connect.Connector = (*Client)(nil)

// New returns a client.
func New(opts Options) *Client {
	if opts.APIVersion == "" {
		opts.APIVersion = DefaultAPIVersion
	}
	if opts.BaseURL == nil {
		opts.BaseURL = func(shop string) string { return "https://" + shop }
	}
	if len(opts.Scopes) == 0 {
		opts.Scopes = DefaultScopes
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.MaxThrottleWaits <= 0 {
		opts.MaxThrottleWaits = 20
	}
	if opts.BulkThreshold <= 0 {
		opts.BulkThreshold = 250
	}
	if opts.BulkPollInterval <= 0 {
		opts.BulkPollInterval = 2 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "PlutoPro"
	}
	c := &Client{opts: opts, http: opts.HTTPClient, now: opts.Now, sleep: opts.Sleep}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepTimer
	}
	c.rate.RemainingToday = -1
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

// Platform is connect.Shopify.
func (c *Client) Platform() connect.Platform { return connect.Shopify }

// RateLimit is the cost bucket as the last GraphQL answer reported it
// (points), with the number of THROTTLED answers waited out so far.
func (c *Client) RateLimit() connect.RateState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rate
}

func (c *Client) noteRate(available, maximum float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rate.Remaining = available
	c.rate.Limit = maximum
	c.rate.UpdatedAt = c.now()
}

func (c *Client) noteThrottled() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rate.Throttled++
}

// base is the shop's admin base URL.
func (c *Client) base(shop string) string {
	return strings.TrimSuffix(c.opts.BaseURL(shop), "/")
}

func (c *Client) graphqlURL(shop string) string {
	return c.base(shop) + "/admin/api/" + c.opts.APIVersion + "/graphql.json"
}
