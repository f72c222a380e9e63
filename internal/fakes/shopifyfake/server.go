package shopifyfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/plutopro/plutopro/internal/fakes/fakehttp"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake/adminschema"
)

// DefaultShop is the shop the fake serves when Options.Shop is empty.
const DefaultShop = "plutopro-sandbox.myshopify.com"

// Defaults for Options.
const (
	DefaultClientID     = "plutopro-sandbox-client-id"
	DefaultClientSecret = "plutopro-sandbox-client-secret"
	DefaultBucketSize   = 2000.0 // Shopify Standard: 2000 points
	DefaultRestoreRate  = 100.0  // Shopify Standard: 100 points/s
	// MaxQueryCost is the most one query may request.
	MaxQueryCost = 1000
)

// Options configures a Server. The zero value is a working, empty store.
type Options struct {
	// ClientID and ClientSecret are the app's credentials; default
	// DefaultClientID and DefaultClientSecret. The secret signs callbacks
	// and webhooks.
	ClientID     string
	ClientSecret string
	// Shop is the seeded shop's domain; default DefaultShop. ShopName is
	// its name; default "PlutoPro Sandbox".
	Shop     string
	ShopName string
	// Products seed the shop, in order; each gets deterministic gids (its
	// variants and images too, images as MediaImage with their alt).
	Products []*catalog.Product
	// RedirectURIs are the allowed OAuth redirect URIs (exact match); empty
	// allows any http(s) URI.
	RedirectURIs []string
	// Faults are injected into calls (see SetFaults): Throttle answers
	// THROTTLED at HTTP 200 on GraphQL (429 elsewhere), ServerError 500,
	// Unavailable 503, Drop closes the connection unanswered.
	Faults faultplan.Plan
	// BucketSize and RestoreRate are the query cost bucket (points and
	// points per second); default DefaultBucketSize and DefaultRestoreRate.
	BucketSize  float64
	RestoreRate float64
	// AccessTokenTTL is the life of an expiring access token; default 1 h.
	AccessTokenTTL time.Duration
	// BulkDelay is how long, on the clock, a bulk operation runs; default 1 s.
	BulkDelay time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// WebhookClient delivers webhooks; default a client with a 5 s timeout.
	WebhookClient *http.Client
	// PublicURL is the fake's base URL as clients reach it, for the bulk
	// result links it hands out when served by NewUnstarted (under a path
	// prefix, say). Default: the fake's URL, or the host of the request.
	PublicURL string
}

// Server is the fake Shopify.
type Server struct {
	opts   Options
	srv    *httptest.Server
	now    func() time.Time
	faults *faultplan.Engine
	schema *ast.Schema
	docs   docCache

	mu         sync.Mutex
	shops      map[string]*shop
	nextID     map[string]int64
	codes      map[string]*authCode
	access     map[string]*accessToken
	refresh    map[string]*refreshToken
	bulkFiles  map[string][]byte
	recorded   []*Recorded
	deliveries []Delivery
	seq        int64

	wg sync.WaitGroup // webhook deliveries under way
}

// shop is one store's state.
type shop struct {
	domain   string
	name     string
	id       int64
	products []*Product // by id
	subs     []*subscription
	bulks    []*bulkOp
	bucket   bucket
}

// New starts a fake on a local httptest server.
func New(opts Options) *Server {
	s := NewUnstarted(opts)
	s.srv = httptest.NewServer(s)
	return s
}

// NewUnstarted returns a fake that is not listening: serve it with any
// http.Server (it is an http.Handler). Bulk result URLs then point at the
// host the request came to.
func NewUnstarted(opts Options) *Server {
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.Shop == "" {
		opts.Shop = DefaultShop
	}
	opts.Shop = strings.ToLower(opts.Shop)
	if opts.ShopName == "" {
		opts.ShopName = "PlutoPro Sandbox"
	}
	if opts.BucketSize <= 0 {
		opts.BucketSize = DefaultBucketSize
	}
	if opts.RestoreRate <= 0 {
		opts.RestoreRate = DefaultRestoreRate
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.BulkDelay <= 0 {
		opts.BulkDelay = time.Second
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{Timeout: 5 * time.Second}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		opts:      opts,
		now:       now,
		faults:    faultplan.New(opts.Faults),
		schema:    adminschema.MustLoad(),
		shops:     map[string]*shop{},
		nextID:    map[string]int64{},
		codes:     map[string]*authCode{},
		access:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
		bulkFiles: map[string][]byte{},
	}
	s.AddShop(opts.Shop, opts.ShopName, opts.Products...)
	return s
}

// URL is the fake's base URL ("" when not started by New).
func (s *Server) URL() string {
	if s.srv == nil {
		return ""
	}
	return s.srv.URL
}

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client {
	if s.srv == nil {
		return http.DefaultClient
	}
	return s.srv.Client()
}

// Close stops the server after the webhook deliveries under way.
func (s *Server) Close() {
	s.wg.Wait()
	if s.srv != nil {
		s.srv.Close()
	}
}

// Shop is the seeded shop's domain.
func (s *Server) Shop() string { return s.opts.Shop }

// ClientID is the app's client id the fake expects.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret is the app's client secret the fake signs with.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// ShopURL is the base URL of a shop on the fake: {URL}/shops/{shop}. The
// fake serves each shop's /admin/… under it (and the seeded shop also
// under /admin/… directly).
func (s *Server) ShopURL(shop string) string { return s.URL() + "/shops/" + shop }

// BaseURL is ShopURL with the signature of the Shopify client's
// Options.BaseURL.
func (s *Server) BaseURL(shop string) string { return s.ShopURL(shop) }

// Shops lists the shops the fake serves.
func (s *Server) Shops() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.shops))
	for d := range s.shops {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// AddShop adds (or extends) a shop seeded with products.
func (s *Server) AddShop(domain, name string, products ...*catalog.Product) {
	s.mu.Lock()
	defer s.mu.Unlock()
	domain = strings.ToLower(domain)
	sh := s.shops[domain]
	if sh == nil {
		if name == "" {
			name = strings.TrimSuffix(domain, ".myshopify.com")
		}
		sh = &shop{domain: domain, name: name, id: s.newNum(kindShop)}
		sh.bucket = bucket{size: s.opts.BucketSize, rate: s.opts.RestoreRate, available: s.opts.BucketSize, at: s.now()}
		s.shops[domain] = sh
	}
	for _, cp := range products {
		s.addProduct(sh, fromCatalog(cp, s.now()))
	}
}

func (s *Server) newNum(kind string) int64 {
	s.nextID[kind]++
	return idBase[kind] + s.nextID[kind]
}

// addProduct assigns the product's missing ids and a unique handle and
// stores it. The caller holds s.mu.
func (s *Server) addProduct(sh *shop, p *Product) {
	if p.ID == "" {
		p.ID = gid(kindProduct, s.newNum(kindProduct))
	}
	s.fillIDs(p)
	base, handle := p.Handle, p.Handle
	for i := 1; slices.ContainsFunc(sh.products, func(x *Product) bool { return x.Handle == handle }); i++ {
		handle = fmt.Sprintf("%s-%d", base, i)
	}
	p.Handle = handle
	sh.products = append(sh.products, p)
}

func (s *Server) fillIDs(p *Product) {
	for i := range p.Variants {
		if p.Variants[i].ID == "" {
			p.Variants[i].ID = gid(kindVariant, s.newNum(kindVariant))
		}
	}
	for i := range p.Media {
		if p.Media[i].ID == "" {
			p.Media[i].ID = gid(kindMedia, s.newNum(kindMedia))
		}
	}
}

// findProduct finds a product by gid in any shop. The caller holds s.mu.
func (s *Server) findProduct(id string) (*shop, int) {
	for _, sh := range s.shops {
		if i := sh.productIndex(id); i >= 0 {
			return sh, i
		}
	}
	return nil, -1
}

func (sh *shop) productIndex(id string) int {
	return slices.IndexFunc(sh.products, func(p *Product) bool { return p.ID == id })
}

// Product returns a copy of the product with the gid, from any shop.
func (s *Server) Product(id string) (*Product, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, i := s.findProduct(id)
	if sh == nil {
		return nil, false
	}
	return sh.products[i].clone(), true
}

// Products returns copies of the seeded shop's products, in id order.
func (s *Server) Products() []*Product { return s.ShopProducts(s.opts.Shop) }

// ShopProducts returns copies of a shop's products, in id order.
func (s *Server) ShopProducts(domain string) []*Product {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shops[strings.ToLower(domain)]
	if sh == nil {
		return nil
	}
	out := make([]*Product, len(sh.products))
	for i, p := range sh.products {
		out[i] = p.clone()
	}
	return out
}

// SetFaults replaces the fault plan.
func (s *Server) SetFaults(p faultplan.Plan) { s.faults.Set(p) }

// FailNext makes the next calls fail with fs, in order.
func (s *Server) FailNext(fs ...faultplan.Fault) { s.faults.Push(fs...) }

// Injected counts the faults injected so far, by kind.
func (s *Server) Injected() map[faultplan.Kind]int { return s.faults.Injected() }

// Recorded is one request received, without secrets: the access token
// header is dropped and client_secret, code and refresh_token are
// redacted from token request bodies.
type Recorded struct {
	Time   time.Time
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
	// Shop is the shop the request was for ("" for bulk downloads).
	Shop string
	// Status is the status answered; 0 for a dropped connection.
	Status int
	// HadToken reports whether the request carried X-Shopify-Access-Token.
	HadToken bool
}

// Requests returns copies of the requests received, oldest first.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Recorded, len(s.recorded))
	for i, r := range s.recorded {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = slices.Clone(r.Body)
	}
	return out
}

// Reset forgets the recorded requests and deliveries.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = nil
	s.deliveries = nil
}

// redacted is what secrets are replaced with in recorded requests.
const redacted = "[redacted]"

func redactBody(path string, body []byte) []byte {
	if !strings.HasSuffix(path, "/admin/oauth/access_token") {
		return slices.Clone(body)
	}
	secret := []string{"client_secret", "code", "refresh_token"}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range secret {
			if _, ok := m[k]; ok {
				m[k] = redacted
			}
		}
		b, _ := json.Marshal(m)
		return b
	}
	if q, err := url.ParseQuery(string(body)); err == nil {
		for _, k := range secret {
			if q.Has(k) {
				q.Set(k, redacted)
			}
		}
		return []byte(q.Encode())
	}
	return []byte(redacted)
}

// statusWriter remembers the status answered, for the recorder.
type statusWriter = fakehttp.StatusWriter

// ServeHTTP serves the fake: {shop base}/admin/oauth/authorize,
// {shop base}/admin/oauth/access_token, {shop base}/admin/api/{version}/graphql.json
// and /bulk/{key}.jsonl, where {shop base} is /shops/{shop} (or nothing,
// for the seeded shop).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	domain, rest := s.route(r.URL.Path)
	rec := &Recorded{
		Time:     s.now(),
		Method:   r.Method,
		Path:     r.URL.Path,
		Query:    r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     redactBody(r.URL.Path, body),
		Shop:     domain,
		HadToken: r.Header.Get("X-Shopify-Access-Token") != "",
	}
	for _, h := range []string{"X-Shopify-Access-Token", "Authorization", "Cookie"} {
		rec.Header.Del(h)
	}
	s.mu.Lock()
	s.recorded = append(s.recorded, rec)
	s.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		rec.Status = sw.Status
		s.mu.Unlock()
	}()
	w = sw
	w.Header().Set("X-Request-Id", s.requestID())

	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": "could not read the request body"})
		return
	}
	bulkFile := strings.HasPrefix(rest, "/bulk/")
	var sh *shop
	if !bulkFile {
		s.mu.Lock()
		sh = s.shops[domain]
		s.mu.Unlock()
		if sh == nil {
			writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
			return
		}
	}

	f, latency, fail := s.faults.Draw(r.URL.Path)
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	graphql := strings.HasPrefix(rest, "/admin/api/") && strings.HasSuffix(rest, "/graphql.json")
	var throttle *faultplan.Fault
	if fail {
		switch f.Kind {
		case faultplan.Drop:
			sw.Status = 0
			fakehttp.Drop(sw)
			return
		case faultplan.Throttle:
			if graphql {
				throttle = &f
				break
			}
			w.Header().Set("Retry-After", strconv.FormatFloat(f.RetryAfter.Seconds(), 'f', -1, 64))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})
			return
		case faultplan.Unavailable:
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"errors": "Service Unavailable"})
			return
		default:
			writeJSON(w, http.StatusInternalServerError, map[string]any{"errors": "Internal Server Error"})
			return
		}
	}

	switch {
	case bulkFile && r.Method == http.MethodGet:
		s.handleBulkFile(w, strings.TrimPrefix(rest, "/bulk/"))
	case rest == "/admin/oauth/authorize" && r.Method == http.MethodGet:
		s.handleAuthorize(w, r, sh)
	case rest == "/admin/oauth/access_token" && r.Method == http.MethodPost:
		s.handleAccessToken(w, r, sh, body)
	case graphql && r.Method == http.MethodPost:
		version := strings.TrimSuffix(strings.TrimPrefix(rest, "/admin/api/"), "/graphql.json")
		s.handleGraphQL(w, r, sh, version, body, throttle)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
	}
}

// route splits a path into the shop it is for and the path within it.
func (s *Server) route(p string) (domain, rest string) {
	if after, ok := strings.CutPrefix(p, "/shops/"); ok {
		domain, rest, _ = strings.Cut(after, "/")
		return strings.ToLower(domain), "/" + rest
	}
	if strings.HasPrefix(p, "/bulk/") {
		return "", p
	}
	return s.opts.Shop, p
}

func (s *Server) requestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%08x-fake-4000-8000-%012x", s.seq, s.seq*7919)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"errors":"fake: cannot encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ManualClock is a clock for Options.Now (and the Shopify client's Now and
// Sleep) that only moves when told to.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleep advances the clock by d instead of waiting (for the client's
// Options.Sleep); it fails only when ctx is done.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}
