package etsy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/etsy"
	"github.com/plutopro/plutopro/internal/fakes/etsyfake"
	"github.com/plutopro/plutopro/internal/fakes/faultplan"
)

const redirectURI = "https://plutopro.test/connect/etsy/callback"

// clock is a clock that moves only when the client sleeps or a test says.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
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

// Sleep is the client's sleep: it moves the clock at once.
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// bundle is one test's fake shop, client and connection.
type bundle struct {
	fake   *etsyfake.Server
	client *etsy.Client
	clock  *clock
	creds  *connect.Credentials
}

// setup starts a fake shop and a client pointed at it, sharing a manual
// clock; connect says whether to run the authorization first.
func setup(t *testing.T, fo etsyfake.Options, co etsy.Options, connectShop bool) *bundle {
	t.Helper()
	b := &bundle{clock: newClock()}
	if fo.AccessTokenTTL == 0 {
		fo.AccessTokenTTL = 72 * time.Hour // tests move the clock a lot
	}
	fo.Now = b.clock.Now
	b.fake = etsyfake.New(fo)
	t.Cleanup(b.fake.Close)
	b.client = newClient(b, co)
	if connectShop {
		b.creds = authorize(t, b, b.client)
	}
	return b
}

func newClient(b *bundle, co etsy.Options) *etsy.Client {
	if co.Keystring == "" {
		co.Keystring = b.fake.Keystring()
	}
	if co.SharedSecret == "" {
		co.SharedSecret = b.fake.SharedSecret()
	}
	co.AuthBaseURL, co.APIBaseURL = b.fake.URL(), b.fake.URL()
	co.HTTPClient = b.fake.Client()
	co.Now = b.clock.Now
	co.Sleep = b.clock.Sleep
	return etsy.New(co)
}

// consent follows the authorization URL as the seller's browser would and
// returns the callback query.
func consent(t *testing.T, b *bundle, authURL string) url.Values {
	t.Helper()
	hc := *b.fake.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent page answered %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

// authorize connects the shop through the whole PKCE flow.
func authorize(t *testing.T, b *bundle, c *etsy.Client) *connect.Credentials {
	t.Helper()
	ctx := context.Background()
	st, err := c.BeginAuth(ctx, connect.AuthRequest{State: "st4te", RedirectURI: redirectURI})
	if err != nil {
		t.Fatal(err)
	}
	cr, err := c.CompleteAuth(ctx, connect.Callback{Query: consent(t, b, st.URL), Verifier: st.Verifier, RedirectURI: redirectURI})
	if err != nil {
		t.Fatalf("CompleteAuth: %v", err)
	}
	return cr
}

func product(i int) *catalog.Product {
	qty := i%7 + 1
	return &catalog.Product{
		Handle: fmt.Sprintf("mug-%d", i), Title: fmt.Sprintf("Blue Mug %d", i),
		BodyHTML: fmt.Sprintf("<p>A blue mug, number %d.</p>", i),
		Tags:     []string{"mug", "blue mug", fmt.Sprintf("mug %d", i)},
		Metadata: map[string]string{"materials": "clay\nglaze"},
		Variants: []catalog.Variant{{SKU: fmt.Sprintf("MUG-%d", i), Price: &catalog.Money{Amount: "18.5", Currency: "USD"}, InventoryQty: &qty}},
		Images: []catalog.Image{
			{Src: fmt.Sprintf("https://cdn.test/mug-%d-a.jpg", i), Position: 1, Alt: "A blue mug"},
			{Src: fmt.Sprintf("https://cdn.test/mug-%d-b.jpg", i), Position: 2},
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

// listAll reads every page.
func listAll(t *testing.T, b *bundle) ([]*catalog.Product, int) {
	t.Helper()
	var all []*catalog.Product
	cursor, pages := "", 0
	for {
		p, err := b.client.ListProducts(context.Background(), b.creds, cursor)
		if err != nil {
			t.Fatalf("ListProducts(%q): %v", cursor, err)
		}
		pages++
		all = append(all, p.Products...)
		if p.Total != len(b.fake.Listings()) {
			t.Fatalf("page total %d, the shop has %d", p.Total, len(b.fake.Listings()))
		}
		if p.Next == "" {
			return all, pages
		}
		cursor = p.Next
	}
}

func externalIDs(ps []*catalog.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ExternalID
	}
	return out
}

func listingIDs(b *bundle) []string {
	var out []string
	for _, l := range b.fake.Listings() {
		out = append(out, strconv.FormatInt(l.ListingID, 10))
	}
	return out
}

// statuses counts the fake's answers by status.
func statuses(b *bundle) map[int]int {
	out := map[int]int{}
	for _, r := range b.fake.Requests() {
		out[r.Status]++
	}
	return out
}

func TestAuthPKCEFlow(t *testing.T) {
	b := setup(t, etsyfake.Options{ShopName: "MugShop", AccessTokenTTL: time.Hour}, etsy.Options{}, false)
	st, err := b.client.BeginAuth(context.Background(), connect.AuthRequest{State: "st4te", RedirectURI: redirectURI})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`).MatchString(st.Verifier) {
		t.Fatalf("verifier %q is not a PKCE verifier", st.Verifier)
	}
	u, _ := url.Parse(st.URL)
	q := u.Query()
	if u.Path != "/oauth/connect" || q.Get("response_type") != "code" || q.Get("client_id") != b.fake.Keystring() ||
		q.Get("redirect_uri") != redirectURI || q.Get("scope") != "listings_r listings_w" || q.Get("state") != "st4te" ||
		q.Get("code_challenge") != etsy.Challenge(st.Verifier) || q.Get("code_challenge_method") != "S256" {
		t.Fatalf("authorization URL %s", st.URL)
	}
	if strings.Contains(st.URL, st.Verifier) {
		t.Fatal("the authorization URL carries the verifier")
	}
	other, _ := b.client.BeginAuth(context.Background(), connect.AuthRequest{State: "st4te", RedirectURI: redirectURI})
	if other.Verifier == st.Verifier {
		t.Fatal("two authorizations share a verifier")
	}

	cr, err := b.client.CompleteAuth(context.Background(), connect.Callback{Query: consent(t, b, st.URL), Verifier: st.Verifier, RedirectURI: redirectURI})
	if err != nil {
		t.Fatal(err)
	}
	uid := strconv.FormatInt(b.fake.UserID(), 10)
	if cr.Account != strconv.FormatInt(b.fake.ShopID(), 10) || cr.Extra[etsy.ExtraUserID] != uid || cr.Name != "MugShop" ||
		!strings.HasPrefix(cr.AccessToken, uid+".") || !strings.HasPrefix(cr.RefreshToken, uid+".") ||
		!cr.ExpiresAt.Equal(b.clock.Now().Add(time.Hour)) || !slices.Equal(cr.Scopes, []string{"listings_r", "listings_w"}) {
		t.Fatalf("credentials = %+v", cr)
	}
}

func TestAuthWrongVerifier(t *testing.T) {
	b := setup(t, etsyfake.Options{}, etsy.Options{}, false)
	st, _ := b.client.BeginAuth(context.Background(), connect.AuthRequest{State: "s", RedirectURI: redirectURI})
	cb := consent(t, b, st.URL)
	other, _ := b.client.BeginAuth(context.Background(), connect.AuthRequest{State: "s", RedirectURI: redirectURI})
	_, err := b.client.CompleteAuth(context.Background(), connect.Callback{Query: cb, Verifier: other.Verifier, RedirectURI: redirectURI})
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Code != "invalid_grant" || se.Status != http.StatusBadRequest {
		t.Fatalf("CompleteAuth with another verifier = %v, want a 400 invalid_grant StoreError", err)
	}
	noSecrets(t, err, cb.Get("code"), st.Verifier, other.Verifier, b.fake.SharedSecret())
	// The fake keeps a code whose exchange failed (whether Etsy does is
	// unverified), so the right verifier still redeems it.
	if _, err := b.client.CompleteAuth(context.Background(), connect.Callback{Query: cb, Verifier: st.Verifier, RedirectURI: redirectURI}); err != nil {
		t.Fatalf("CompleteAuth with the right verifier after a wrong one: %v", err)
	}
}

func TestAuthWrongClientID(t *testing.T) {
	b := setup(t, etsyfake.Options{}, etsy.Options{}, false)
	wrong := newClient(b, etsy.Options{Keystring: "notourkeystring"})
	st, err := wrong.BeginAuth(context.Background(), connect.AuthRequest{State: "s", RedirectURI: redirectURI})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.fake.Client().Get(st.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("consent page for an unknown client_id = %d, want 400", resp.StatusCode)
	}
	// A code obtained by our app and exchanged under another client id.
	ours, _ := b.client.BeginAuth(context.Background(), connect.AuthRequest{State: "s", RedirectURI: redirectURI})
	cb := consent(t, b, ours.URL)
	_, err = wrong.CompleteAuth(context.Background(), connect.Callback{Query: cb, Verifier: ours.Verifier, RedirectURI: redirectURI})
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Status < 400 || se.Status >= 500 {
		t.Fatalf("exchange under another client id = %v, want a 4xx StoreError", err)
	}
	noSecrets(t, err, cb.Get("code"), ours.Verifier, b.fake.SharedSecret())
}

func TestAuthErrorCallback(t *testing.T) {
	b := setup(t, etsyfake.Options{}, etsy.Options{}, false)
	b.fake.SetConsent(false)
	st, _ := b.client.BeginAuth(context.Background(), connect.AuthRequest{State: "s", RedirectURI: redirectURI})
	cb := consent(t, b, st.URL)
	_, err := b.client.CompleteAuth(context.Background(), connect.Callback{Query: cb, Verifier: st.Verifier, RedirectURI: redirectURI})
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Code != "access_denied" || se.Status != http.StatusForbidden || se.Message == "" {
		t.Fatalf("declined consent = %v, want an access_denied StoreError", err)
	}
	for _, r := range b.fake.Requests() {
		if r.Path == "/v3/public/oauth/token" {
			t.Fatal("a declined authorization still asked for a token")
		}
	}
	_, err = b.client.CompleteAuth(context.Background(), connect.Callback{Query: url.Values{"state": {"s"}}, Verifier: st.Verifier, RedirectURI: redirectURI})
	if err == nil {
		t.Fatal("a callback without code or error was accepted")
	}
}

func TestListProductsAllPages(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(250)}, etsy.Options{}, true)
	all, pages := listAll(t, b)
	if pages != 3 {
		t.Fatalf("%d pages, want 3 of at most 100", pages)
	}
	got, want := externalIDs(all), listingIDs(b)
	if !slices.Equal(got, want) {
		t.Fatalf("listed %d products, want the shop's %d in order, each once", len(got), len(want))
	}
	if n := statuses(b)[http.StatusTooManyRequests]; n != 0 {
		t.Fatalf("%d answers were 429", n)
	}
}

func TestProductMapping(t *testing.T) {
	qty := 3
	p := &catalog.Product{
		Title:    "Salt & Pepper Mug",
		BodyHTML: "<p>ignored: the description comes from metadata</p>",
		Tags:     []string{"mug", "gift"},
		Metadata: map[string]string{"etsy:description": "Line one\nline two\n\nA <b>second</b> paragraph & more.", "materials": "clay\nglaze"},
		Options:  []catalog.Option{{Name: "Size", Values: []string{"Small", "Large"}}},
		Variants: []catalog.Variant{
			{SKU: "S", OptionValues: []string{"Small"}, Price: &catalog.Money{Amount: "12.345", Currency: "EUR"}, InventoryQty: &qty},
			{SKU: "L", OptionValues: []string{"Large"}, Price: &catalog.Money{Amount: "1000000.1", Currency: "EUR"}},
		},
		Images: []catalog.Image{
			{Src: "https://cdn.test/b.jpg", Position: 2, Alt: "Back", Width: 1000, Height: 800},
			{Src: "https://cdn.test/a.jpg", Position: 1},
		},
	}
	b := setup(t, etsyfake.Options{Products: []*catalog.Product{p}}, etsy.Options{}, true)
	l := b.fake.Listings()[0]
	got, err := b.client.FetchProduct(context.Background(), b.creds, strconv.FormatInt(l.ListingID, 10))
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(l.ListingID, 10)
	if got.Source != "etsy" || got.ExternalID != id || got.Handle != "etsy-"+id || got.Title != "Salt & Pepper Mug" || got.Status != "active" {
		t.Fatalf("product = %+v", got)
	}
	wantBody := "<p>Line one<br>\nline two</p>\n<p>A &lt;b&gt;second&lt;/b&gt; paragraph &amp; more.</p>"
	if got.BodyHTML != wantBody || got.Metadata[etsy.MetaDescription] != "Line one\nline two\n\nA <b>second</b> paragraph & more." {
		t.Fatalf("body %q, metadata %q", got.BodyHTML, got.Metadata[etsy.MetaDescription])
	}
	if !slices.Equal(got.Tags, []string{"mug", "gift"}) || got.Metadata[etsy.MetaMaterials] != "clay\nglaze" || got.Metadata[etsy.MetaState] != "active" {
		t.Fatalf("tags %q metadata %q", got.Tags, got.Metadata)
	}
	if len(got.Options) != 1 || got.Options[0].Name != "Size" || !slices.Equal(got.Options[0].Values, []string{"Small", "Large"}) {
		t.Fatalf("options = %+v", got.Options)
	}
	if len(got.Variants) != 2 || got.Variants[0].SKU != "S" || *got.Variants[0].Price != (catalog.Money{Amount: "12.345", Currency: "EUR"}) ||
		*got.Variants[0].InventoryQty != 3 || *got.Variants[1].Price != (catalog.Money{Amount: "1000000.1", Currency: "EUR"}) ||
		got.Variants[1].OptionValues[0] != "Large" {
		t.Fatalf("variants = %+v", got.Variants)
	}
	if len(got.Images) != 2 || got.Images[0].Src != "https://cdn.test/a.jpg" || got.Images[0].Position != 1 ||
		got.Images[1].Alt != "Back" || got.Images[1].Width != 1000 || got.Images[1].ExternalID != strconv.FormatInt(l.Images[1].ListingImageID, 10) {
		t.Fatalf("images = %+v", got.Images)
	}
	if !got.UpdatedAt.Equal(time.Unix(l.LastModifiedTimestamp, 0)) || got.CreatedAt.IsZero() {
		t.Fatalf("times %v %v", got.CreatedAt, got.UpdatedAt)
	}
}

func TestFetchProductNotFound(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(2)}, etsy.Options{}, true)
	for _, id := range []string{"999", "not-a-number", ""} {
		if _, err := b.client.FetchProduct(context.Background(), b.creds, id); !errors.Is(err, connect.ErrNotFound) {
			t.Fatalf("FetchProduct(%q) = %v, want ErrNotFound", id, err)
		}
	}
	l := b.fake.Listings()[0]
	b.fake.DeleteListing(l.ListingID)
	if _, err := b.client.FetchProduct(context.Background(), b.creds, strconv.FormatInt(l.ListingID, 10)); !errors.Is(err, connect.ErrNotFound) {
		t.Fatalf("FetchProduct of a deleted listing = %v, want ErrNotFound", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUpdateRoundTrip(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(3)}, etsy.Options{}, true)
	l := b.fake.Listings()[1]
	id := strconv.FormatInt(l.ListingID, 10)
	imgID := strconv.FormatInt(l.Images[1].ListingImageID, 10)
	f := connect.Fields{
		Title:           ptr("Blue Stoneware Mug: 12 oz"),
		DescriptionHTML: ptr("<p>A <b>sturdy</b> mug &amp; saucer.</p><ul><li>12 oz</li><li>Dishwasher safe</li></ul><p>Made to order.</p>"),
		Tags:            ptr([]string{"coffee mug", " stoneware ", "gift for her"}),
		Materials:       ptr([]string{"stoneware", "glaze"}),
		SEOTitle:        ptr("ignored on Etsy"),
		ImageAlts:       map[string]string{imgID: "Side view of the blue mug"},
	}
	got, err := b.client.Update(context.Background(), b.creds, id, f)
	if err != nil {
		t.Fatal(err)
	}
	wantText := "A sturdy mug & saucer.\n\n- 12 oz\n- Dishwasher safe\n\nMade to order."
	after, _ := b.fake.Listing(l.ListingID)
	if after.Description != wantText {
		t.Fatalf("Etsy got description %q, want %q", after.Description, wantText)
	}
	check := func(p *catalog.Product) {
		t.Helper()
		if p.Title != "Blue Stoneware Mug: 12 oz" || p.Metadata[etsy.MetaDescription] != wantText ||
			!slices.Equal(p.Tags, []string{"coffee mug", "stoneware", "gift for her"}) ||
			p.Metadata[etsy.MetaMaterials] != "stoneware\nglaze" || p.Images[1].Alt != "Side view of the blue mug" || p.Images[0].Alt != "A blue mug" {
			t.Fatalf("product after update: %+v", p)
		}
	}
	check(got)
	again, err := b.client.FetchProduct(context.Background(), b.creds, id)
	if err != nil {
		t.Fatal(err)
	}
	check(again)
	if !again.UpdatedAt.After(time.Unix(l.LastModifiedTimestamp, 0)) {
		t.Fatalf("last modified did not move: %v", again.UpdatedAt)
	}
	// Writing back what was read (a revert) gives the same text.
	if _, err := b.client.Update(context.Background(), b.creds, id, connect.Fields{DescriptionHTML: ptr(again.BodyHTML)}); err != nil {
		t.Fatal(err)
	}
	if after, _ := b.fake.Listing(l.ListingID); after.Description != wantText {
		t.Fatalf("after writing back BodyHTML: %q", after.Description)
	}
	// A plain-text description (an Etsy draft) is sent as it is.
	plain := "First line\nsecond line  with  spaces\n\n- a list item"
	if _, err := b.client.Update(context.Background(), b.creds, id, connect.Fields{DescriptionHTML: ptr(plain)}); err != nil {
		t.Fatal(err)
	}
	if after, _ := b.fake.Listing(l.ListingID); after.Description != plain {
		t.Fatalf("plain description became %q", after.Description)
	}
	// Other listings are untouched.
	if other, _ := b.fake.Listing(b.fake.Listings()[0].ListingID); other.Title != "Blue Mug 0" {
		t.Fatalf("another listing changed: %q", other.Title)
	}
}

func TestUpdateRefused(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1)}, etsy.Options{}, true)
	l := b.fake.Listings()[0]
	id := strconv.FormatInt(l.ListingID, 10)
	tags := make([]string, 14)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag %d", i)
	}
	_, err := b.client.Update(context.Background(), b.creds, id, connect.Fields{Title: ptr("New Title"), Tags: &tags})
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.Platform != connect.Etsy ||
		se.Message != "There was a problem with /tags : You may only have up to 13 tags (you sent 14)" || se.Retryable {
		t.Fatalf("14 tags = %v, want Etsy's refusal", err)
	}
	if after, _ := b.fake.Listing(l.ListingID); after.Title != l.Title {
		t.Fatal("a refused update changed the title")
	}
	_, err = b.client.Update(context.Background(), b.creds, id, connect.Fields{Title: ptr("Mugs for $5")})
	if !errors.As(err, &se) || !strings.Contains(se.Message, "/title : contains invalid characters") {
		t.Fatalf("title with $ = %v", err)
	}
	_, err = b.client.Update(context.Background(), b.creds, id, connect.Fields{ImageAlts: map[string]string{"42": "x"}})
	if !errors.Is(err, connect.ErrNotFound) {
		t.Fatalf("alt text of an unknown image = %v, want ErrNotFound", err)
	}
	if _, err = b.client.Update(context.Background(), b.creds, id, connect.Fields{Tags: ptr([]string{"a,b"})}); err == nil {
		t.Fatal("a tag with a comma was sent")
	}
	if _, err := b.client.Update(context.Background(), b.creds, "999", connect.Fields{Title: ptr("x")}); !errors.Is(err, connect.ErrNotFound) {
		t.Fatalf("update of a missing listing = %v, want ErrNotFound", err)
	}
}

func TestPacingPerSecond(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(5), PerSecond: 3}, etsy.Options{}, true)
	ids := listingIDs(b)
	for i := range 40 {
		if _, err := b.client.FetchProduct(context.Background(), b.creds, ids[i%len(ids)]); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	st := statuses(b)
	if st[http.StatusTooManyRequests] != 0 || st[http.StatusOK] < 40 {
		t.Fatalf("answers by status %v, want no 429", st)
	}
	rs := b.client.RateLimit()
	if rs.Limit != 3 || rs.Throttled != 0 || rs.RemainingToday < 0 || rs.UpdatedAt.IsZero() {
		t.Fatalf("rate state %+v", rs)
	}
	// Requests per clock second, as the fake saw them.
	per := map[int64]int{}
	for _, r := range b.fake.Requests() {
		if strings.HasPrefix(r.Path, "/v3/application/") {
			per[r.Time.Unix()]++
		}
	}
	for sec, n := range per {
		if n > 3 {
			t.Fatalf("%d requests in second %d", n, sec)
		}
	}
}

func TestPacingConcurrent(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(8), PerSecond: 4}, etsy.Options{MaxRetries: 10}, true)
	ids := listingIDs(b)
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.client.Update(context.Background(), b.creds, id, connect.Fields{Title: ptr(fmt.Sprintf("Renamed Mug %d", i))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		if l, _ := b.fake.Listing(n); l.Title != fmt.Sprintf("Renamed Mug %d", i) {
			t.Fatalf("listing %s title %q", id, l.Title)
		}
	}
}

func TestDailyQuota(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(3), PerDay: 6}, etsy.Options{}, true)
	id := listingIDs(b)[0]
	// Authorization used users/me and getShop: 2 of the 6.
	for i := range 4 {
		if _, err := b.client.FetchProduct(context.Background(), b.creds, id); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if rs := b.client.RateLimit(); rs.RemainingToday != 0 {
		t.Fatalf("remaining today %v, want 0", rs.RemainingToday)
	}
	sent := len(b.fake.Requests())
	_, err := b.client.FetchProduct(context.Background(), b.creds, id)
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Code != "daily_limit" || !se.Retryable || se.Status != http.StatusTooManyRequests ||
		!strings.Contains(se.Message, "6 requests in any 24 hours") || !strings.Contains(se.Message, "UTC") {
		t.Fatalf("fetch past the daily quota = %v", err)
	}
	if _, err := b.client.ListProducts(context.Background(), b.creds, ""); !errors.As(err, &se) || se.Code != "daily_limit" {
		t.Fatalf("list past the daily quota = %v", err)
	}
	if n := len(b.fake.Requests()); n != sent {
		t.Fatalf("the client sent %d requests with the day's quota spent", n-sent)
	}
	// The token endpoint is not metered: refreshing still works.
	fresh, err := b.client.Refresh(context.Background(), b.creds)
	if err != nil {
		t.Fatalf("refresh with the day's quota spent: %v", err)
	}
	b.creds = fresh
	b.clock.Advance(24*time.Hour + 2*time.Minute)
	if _, err := b.client.FetchProduct(context.Background(), b.creds, id); err != nil {
		t.Fatalf("a day later: %v", err)
	}
}

func TestDailyQuotaSpentElsewhere(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1), PerDay: 10}, etsy.Options{MaxRetries: 3}, true)
	b.fake.UseQuota(8) // another client of the same app used the rest
	before := len(b.fake.Requests())
	_, err := b.client.ListProducts(context.Background(), b.creds, "")
	var se *connect.StoreError
	if !errors.As(err, &se) || !se.Retryable || se.Status != http.StatusTooManyRequests {
		t.Fatalf("ListProducts = %v, want a retryable 429 StoreError", err)
	}
	if n := len(b.fake.Requests()) - before; n != 4 {
		t.Fatalf("%d attempts, want 1 + MaxRetries (3)", n)
	}
	if rs := b.client.RateLimit(); rs.Throttled != 4 {
		t.Fatalf("throttled %d, want 4", rs.Throttled)
	}
}

func TestThrottleWithoutRetryAfter(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1), PerSecond: 2}, etsy.Options{}, true)
	b.clock.Advance(time.Second) // a fresh second
	b.fake.UseQuota(2)           // others used this second: a 429 with no retry-after
	if _, err := b.client.ListProducts(context.Background(), b.creds, ""); err != nil {
		t.Fatal(err)
	}
	if st := statuses(b); st[http.StatusTooManyRequests] != 1 {
		t.Fatalf("statuses %v, want one 429 waited out", st)
	}
	if rs := b.client.RateLimit(); rs.Throttled != 1 {
		t.Fatalf("throttled = %d", rs.Throttled)
	}
}

func TestRetryAfter(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1)}, etsy.Options{}, true)
	b.fake.Faults().Push(faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 3 * time.Second})
	if _, err := b.client.ListProducts(context.Background(), b.creds, ""); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(b.clock.Sleeps(), 3*time.Second) {
		t.Fatalf("sleeps %v, want the 3 s retry-after", b.clock.Sleeps())
	}
	// A retry-after beyond MaxWait is not waited out.
	b.fake.Faults().Push(faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: 2 * time.Hour})
	_, err := b.client.ListProducts(context.Background(), b.creds, "")
	var se *connect.StoreError
	if !errors.As(err, &se) || !se.Retryable || !strings.Contains(se.Message, "wait until") {
		t.Fatalf("a 2 h retry-after = %v", err)
	}
	if slices.Contains(b.clock.Sleeps(), 2*time.Hour) {
		t.Fatal("the client slept through a 2 h retry-after")
	}
}

func TestServerErrorsBounded(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1)}, etsy.Options{MaxRetries: 2}, true)
	before := len(b.fake.Requests())
	b.fake.Faults().Push(
		faultplan.Fault{Kind: faultplan.ServerError}, faultplan.Fault{Kind: faultplan.Unavailable}, faultplan.Fault{Kind: faultplan.ServerError},
	)
	_, err := b.client.ListProducts(context.Background(), b.creds, "")
	var se *connect.StoreError
	if !errors.As(err, &se) || !se.Retryable || se.Status != http.StatusInternalServerError {
		t.Fatalf("three 5xx = %v, want a retryable 500 StoreError", err)
	}
	if n := len(b.fake.Requests()) - before; n != 3 {
		t.Fatalf("%d attempts, want 3", n)
	}
	b.fake.Faults().Push(faultplan.Fault{Kind: faultplan.Drop}, faultplan.Fault{Kind: faultplan.Drop}, faultplan.Fault{Kind: faultplan.Drop},
		faultplan.Fault{Kind: faultplan.Drop}, faultplan.Fault{Kind: faultplan.Drop}, faultplan.Fault{Kind: faultplan.Drop})
	if _, err := b.client.ListProducts(context.Background(), b.creds, ""); err == nil {
		t.Fatal("six dropped connections in a row did not fail")
	}
}

func TestFaultsDuringSyncAndUpdates(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(250)}, etsy.Options{MaxRetries: 8}, true)
	b.fake.Faults().Set(faultplan.Plan{
		Rate:  0.3,
		Kinds: []faultplan.Kind{faultplan.Throttle, faultplan.ServerError, faultplan.Unavailable, faultplan.Drop},
		Seed:  7,
		Paths: []string{"/v3/application/"},
	})
	all, _ := listAll(t, b)
	if got, want := externalIDs(all), listingIDs(b); !slices.Equal(got, want) {
		t.Fatalf("listed %d products under faults, want the shop's %d each once", len(got), len(want))
	}
	ids := listingIDs(b)
	for i := range 20 {
		id := ids[i*7]
		p, err := b.client.Update(context.Background(), b.creds, id, connect.Fields{
			Title: ptr(fmt.Sprintf("Faulty Mug %d", i)),
			Tags:  ptr([]string{"mug", fmt.Sprintf("round %d", i)}),
		})
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		if p.Title != fmt.Sprintf("Faulty Mug %d", i) {
			t.Fatalf("update %d answered %q", i, p.Title)
		}
	}
	for i := range 20 {
		n, _ := strconv.ParseInt(ids[i*7], 10, 64)
		l, _ := b.fake.Listing(n)
		if l.Title != fmt.Sprintf("Faulty Mug %d", i) || !slices.Equal(l.Tags, []string{"mug", fmt.Sprintf("round %d", i)}) {
			t.Fatalf("listing %d after updates: %q %q", n, l.Title, l.Tags)
		}
	}
	inj := b.fake.Faults().Injected()
	for _, k := range []faultplan.Kind{faultplan.Throttle, faultplan.ServerError, faultplan.Unavailable, faultplan.Drop} {
		if inj[k] == 0 {
			t.Fatalf("no %s injected: %v", k, inj)
		}
	}
	if rs := b.client.RateLimit(); rs.Throttled < inj[faultplan.Throttle] {
		t.Fatalf("throttled %d, injected %d", rs.Throttled, inj[faultplan.Throttle])
	}
}

func TestRefreshRotation(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1), AccessTokenTTL: time.Hour}, etsy.Options{}, true)
	old := *b.creds
	b.clock.Advance(30 * time.Minute)
	fresh, err := b.client.Refresh(context.Background(), b.creds)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.AccessToken == old.AccessToken || fresh.RefreshToken == old.RefreshToken || fresh.RefreshToken == "" ||
		!fresh.ExpiresAt.Equal(b.clock.Now().Add(time.Hour)) || fresh.Account != old.Account || fresh.Extra[etsy.ExtraUserID] != old.Extra[etsy.ExtraUserID] {
		t.Fatalf("refreshed = %+v", fresh)
	}
	if b.creds.RefreshToken != old.RefreshToken {
		t.Fatal("Refresh changed the credentials it was given")
	}
	if _, err := b.client.ListProducts(context.Background(), fresh, ""); err != nil {
		t.Fatalf("new access token: %v", err)
	}
	// The old refresh token was rotated away.
	_, err = b.client.Refresh(context.Background(), &old)
	if !errors.Is(err, connect.ErrUnauthorized) {
		t.Fatalf("refresh with the rotated token = %v, want ErrUnauthorized", err)
	}
	noSecrets(t, err, old.RefreshToken, old.AccessToken, fresh.RefreshToken, fresh.AccessToken)
	again, err := b.client.Refresh(context.Background(), fresh)
	if err != nil || again.RefreshToken == fresh.RefreshToken {
		t.Fatalf("second refresh = %v", err)
	}
}

func TestRevokedIsUnauthorized(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1)}, etsy.Options{}, true)
	b.fake.RevokeTokens()
	ctx := context.Background()
	_, err := b.client.ListProducts(ctx, b.creds, "")
	if !errors.Is(err, connect.ErrUnauthorized) {
		t.Fatalf("ListProducts with a revoked token = %v", err)
	}
	if _, err := b.client.Update(ctx, b.creds, listingIDs(b)[0], connect.Fields{Title: ptr("x")}); !errors.Is(err, connect.ErrUnauthorized) {
		t.Fatalf("Update with a revoked token = %v", err)
	}
	if _, err := b.client.Refresh(ctx, b.creds); !errors.Is(err, connect.ErrUnauthorized) {
		t.Fatalf("Refresh with a revoked token = %v", err)
	}
	// An expired token is refused the same way.
	b2 := setup(t, etsyfake.Options{Products: products(1), AccessTokenTTL: time.Hour}, etsy.Options{}, true)
	b2.clock.Advance(time.Hour)
	if _, err := b2.client.ListProducts(ctx, b2.creds, ""); !errors.Is(err, connect.ErrUnauthorized) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired token = %v", err)
	}
}

func TestSharedSecretRequired(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(1)}, etsy.Options{}, true)
	c := newClient(b, etsy.Options{SharedSecret: "wrong-secret-value"})
	_, err := c.ListProducts(context.Background(), b.creds, "")
	var se *connect.StoreError
	if !errors.As(err, &se) || se.Status != http.StatusForbidden || se.Message != "Invalid API key" {
		t.Fatalf("wrong shared secret = %v", err)
	}
	noSecrets(t, err, "wrong-secret-value", b.creds.AccessToken)
}

func TestWebhooks(t *testing.T) {
	c := etsy.New(etsy.Options{Keystring: "k", SharedSecret: "s"})
	if c.Platform() != connect.Etsy {
		t.Fatal("wrong platform")
	}
	if _, err := c.VerifyWebhook(http.Header{"Webhook-Signature": {"v1,abc"}}, []byte(`{"event_type":"order.paid"}`)); !errors.Is(err, connect.ErrBadSignature) {
		t.Fatalf("VerifyWebhook = %v, want ErrBadSignature", err)
	}
	if err := c.RegisterWebhooks(context.Background(), &connect.Credentials{}, "https://x"); err != nil {
		t.Fatal(err)
	}
	if err := c.Deregister(context.Background(), &connect.Credentials{}); err != nil {
		t.Fatal(err)
	}
	if rs := c.RateLimit(); rs.RemainingToday != -1 {
		t.Fatalf("initial rate state %+v", rs)
	}
}

// noSecrets fails when err's text holds any secret.
func noSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q holds a secret", err)
		}
	}
	// Nor the part of a token after its user id.
	for _, s := range secrets {
		if _, rest, ok := strings.Cut(s, "."); ok && len(rest) >= 8 && strings.Contains(err.Error(), rest) {
			t.Fatalf("error %q holds a secret", err)
		}
	}
}

func TestNoSecretsInErrors(t *testing.T) {
	b := setup(t, etsyfake.Options{Products: products(2), PerDay: 40}, etsy.Options{MaxRetries: 1}, true)
	ctx := context.Background()
	id := listingIDs(b)[0]
	secrets := []string{b.creds.AccessToken, b.creds.RefreshToken, b.fake.SharedSecret()}
	var errs []error
	collect := func(_ any, err error) { errs = append(errs, err) }

	collect(b.client.Update(ctx, b.creds, id, connect.Fields{Tags: ptr(strings.Split("a,b,c,d,e,f,g,h,i,j,k,l,m,n", ","))}))
	collect(b.client.FetchProduct(ctx, b.creds, "999"))
	b.fake.Faults().Push(faultplan.Fault{Kind: faultplan.ServerError}, faultplan.Fault{Kind: faultplan.ServerError})
	collect(b.client.ListProducts(ctx, b.creds, ""))
	// net/http itself resends a GET whose reused connection dropped, so
	// a few more drops than attempts.
	for range 6 {
		b.fake.Faults().Push(faultplan.Fault{Kind: faultplan.Drop})
	}
	collect(b.client.ListProducts(ctx, b.creds, ""))
	b.fake.Faults().Set(faultplan.Plan{})
	b.fake.Faults().Push(faultplan.Fault{Kind: faultplan.Throttle, RetryAfter: time.Hour})
	collect(b.client.ListProducts(ctx, b.creds, ""))
	collect(newClient(b, etsy.Options{SharedSecret: "x"}).ListProducts(ctx, b.creds, ""))
	collect(b.client.ListProducts(ctx, b.creds, "bad cursor"))
	b.fake.RevokeTokens()
	collect(b.client.ListProducts(ctx, b.creds, ""))
	collect(b.client.Refresh(ctx, b.creds))
	b.fake.UseQuota(100)
	collect(b.client.FetchProduct(ctx, b.creds, id))

	n := 0
	for _, err := range errs {
		if err != nil {
			n++
			noSecrets(t, err, secrets...)
		}
	}
	if n != len(errs) {
		t.Fatalf("%d of %d failure scenarios did not fail: %v", len(errs)-n, len(errs), errs)
	}
}

func TestShopifySamples(t *testing.T) {
	files, _ := filepath.Glob("../../../../shared/data/shopify-csvs/*.csv")
	if len(files) == 0 {
		t.Skip("sample CSVs not found")
	}
	var ps []*catalog.Product
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := csvfile.NewReader(bytes.NewReader(data), csvfile.Options{})
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
			if it.Product != nil && it.Product.Status != catalog.StatusDraft && it.Product.Status != catalog.StatusArchived {
				ps = append(ps, it.Product)
			}
		}
	}
	b := setup(t, etsyfake.Options{Products: ps}, etsy.Options{}, true)
	all, _ := listAll(t, b)
	if len(all) != len(ps) {
		t.Fatalf("listed %d of %d products", len(all), len(ps))
	}
	for i, p := range all {
		src := ps[i]
		if len(src.Variants) > 0 && src.Variants[0].Price != nil {
			want := src.Variants[0].Price.Amount
			if p.Variants[0].Price == nil || p.Variants[0].Price.Amount != want {
				t.Fatalf("%s: first variant price %+v, want %s", src.Title, p.Variants[0].Price, want)
			}
		}
		if len(p.Images) != len(src.Images) {
			t.Fatalf("%s: %d images, want %d", src.Title, len(p.Images), len(src.Images))
		}
		if l := b.fake.Listings()[i]; p.Title != l.Title || len(p.Tags) > 13 || !slices.Equal(p.Tags, l.Tags) {
			t.Fatalf("%s: listed as %q with tags %q", src.Title, p.Title, p.Tags)
		}
	}
	// Write one back: the generated description of a sample survives the trip.
	first := all[0]
	if _, err := b.client.Update(context.Background(), b.creds, first.ExternalID, connect.Fields{DescriptionHTML: ptr(ps[0].BodyHTML)}); err != nil {
		t.Fatal(err)
	}
}
