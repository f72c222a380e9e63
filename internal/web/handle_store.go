package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/connect/shopify"
	"github.com/plutopro/plutopro/internal/tenant"
)

const (
	// publicationsShown is how many publications, newest first, the stores
	// page lists.
	publicationsShown = 200
	// sandboxShopifyShop is the shop the sandbox's fake Shopify serves
	// (shopifyfake.DefaultShop; a test keeps the two the same).
	sandboxShopifyShop = "plutopro-sandbox.myshopify.com"
)

// errNoStores answers store actions on a server without the connect service.
var errNoStores = apperr.E(apperr.NotFound, "Store connections are not available on this server.")

// platformName is a platform as pages name it.
func platformName(p connect.Platform) string { return channelLabel(string(p)) }

// storesPolicy is the stores page's Content-Security-Policy: the default
// one, with the stores' authorization pages allowed as form targets. A
// browser checks form-action on every redirect a form post leads to, so
// without them the connect form's 303 to the store would be blocked.
func storesPolicy(cs *connect.Service) string {
	if cs == nil {
		return contentSecurityPolicy
	}
	var sources []string
	add := func(src string) {
		if !slices.Contains(sources, src) {
			sources = append(sources, src)
		}
	}
	for _, p := range connect.Platforms {
		c, err := cs.Connector(p)
		if err != nil {
			continue
		}
		// BeginAuth only builds the URL (no call, nothing stored); a
		// made-up shop stands for any (Shopify's URL names the shop).
		start, err := c.BeginAuth(context.Background(), connect.AuthRequest{State: "policy", RedirectURI: cs.CallbackURL(p),
			Shop: "plutopro-policy.myshopify.com"})
		if err != nil {
			continue
		}
		u, err := url.Parse(start.URL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			continue
		}
		// The store may send a seller who is not signed in on to its
		// sign-in pages, elsewhere in its domain: allow the domain
		// (which also stands for any Shopify shop), not just the host.
		host := u.Hostname()
		labels := strings.Split(host, ".")
		if net.ParseIP(host) != nil || len(labels) < 3 {
			add(u.Scheme + "://" + u.Host)
		} else {
			add(u.Scheme + "://*." + strings.Join(labels[1:], "."))
		}
		if p == connect.Shopify && net.ParseIP(host) == nil && host != "localhost" {
			add("https://*.shopify.com") // accounts.shopify.com, admin.shopify.com
		}
	}
	if len(sources) == 0 {
		return contentSecurityPolicy
	}
	return strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action 'self' "+strings.Join(sources, " "), 1)
}

// storesPage is a brand's store connections and publications.
type storesPage struct {
	basePage
	Brand *brand.Brand
	// Available is false when the server has no connect service.
	Available bool
	Stores    []*storeCard
	// Missing names the platforms this server offers no connection to.
	Missing []string
	// Products are the products published, by newest publication.
	Products []*pubProduct
	// More is true when older publications than the newest Shown are
	// not listed.
	More  bool
	Shown int
	// Failed is the action that just failed.
	Failed *storeFailure
}

// storeCardArgs is what the store_card template takes: the page (for
// the CSRF token and permissions) and the card.
type storeCardArgs struct {
	Page *storesPage
	Card *storeCard
}

// storeCardData pairs the page with one of its cards (a template func).
func storeCardData(p *storesPage, c *storeCard) storeCardArgs { return storeCardArgs{Page: p, Card: c} }

// storeFailure is an action the services refused, in their words.
type storeFailure struct {
	Platform    connect.Platform
	Publication string
	Product     string
	Message     string
}

// storeCard is one platform: its connection, if any, and last sync.
type storeCard struct {
	Platform connect.Platform
	Label    string
	// Offered is false for a connection to a platform the server no
	// longer has a client for: it shows, but cannot be connected again.
	Offered bool
	Conn    *connect.Connection
	Sync    *syncView
	// Shop is the Shopify connect form's value; ShopError what was wrong with it.
	Shop      string
	ShopError string
	Failed    *storeFailure
}

// Live reports whether the connection holds tokens (connected, or
// waiting to be connected again after the store refused them).
func (c *storeCard) Live() bool { return c.Conn != nil && c.Conn.Status != connect.StatusDisconnected }

// Connectable reports whether the card offers to connect the store:
// never connected, or needing it again.
func (c *storeCard) Connectable() bool {
	return c.Offered && (c.Conn == nil || c.Conn.Status != connect.StatusConnected)
}

// AsksShop reports whether connecting needs the shop's domain.
func (c *storeCard) AsksShop() bool { return c.Platform == connect.Shopify }

// StatusLabel is the connection's status in plain words.
func (c *storeCard) StatusLabel() string {
	if c.Conn == nil {
		return "not connected"
	}
	switch c.Conn.Status {
	case connect.StatusConnected:
		return "connected"
	case connect.StatusNeedsReauth:
		return "needs reconnecting"
	case connect.StatusDisconnected:
		return "disconnected"
	}
	return c.Conn.Status
}

// StatusClass styles the status badge.
func (c *storeCard) StatusClass() string {
	if c.Conn == nil {
		return "badge-muted"
	}
	switch c.Conn.Status {
	case connect.StatusConnected:
		return "status-approved"
	case connect.StatusNeedsReauth:
		return "badge-warning"
	}
	return "badge-error"
}

// ConnectLabel is the connect button's text.
func (c *storeCard) ConnectLabel() string {
	switch {
	case c.Conn == nil:
		return "Connect " + c.Label
	case c.Conn.Status == connect.StatusNeedsReauth:
		return "Reconnect " + c.Label
	}
	return "Connect " + c.Label + " again"
}

// syncView is a sync as the stores page shows it, and the fragment htmx
// polls while it runs.
type syncView struct {
	*connect.Sync
	BrandID  string
	Platform connect.Platform
}

// PollURL is the fragment htmx polls until the sync has finished.
func (v *syncView) PollURL() string { return "/brands/" + v.BrandID + "/stores/syncs/" + v.ID }

// Percent is the share of products read, when the store said how many.
func (v *syncView) Percent() int {
	if v.Total <= 0 {
		if v.Status == connect.SyncDone {
			return 100
		}
		return 0
	}
	return min(100, v.Done*100/v.Total)
}

// KnownTotal reports whether the store said how many products it has.
func (v *syncView) KnownTotal() bool { return v.Total >= 0 }

// StatusLabel is the sync's status in plain words.
func (v *syncView) StatusLabel() string {
	switch v.Status {
	case connect.SyncQueued:
		return "waiting"
	case connect.SyncRunning:
		return "running"
	case connect.SyncDone:
		return "done"
	case connect.SyncFailed:
		return "failed"
	}
	return v.Status
}

// pubProduct is one product's publications, newest first.
type pubProduct struct {
	ID       string
	Title    string
	Exists   bool
	Platform connect.Platform
	// Current is the version the store has now (the newest done one); 0
	// when none is done.
	Current int
	// Busy: a publication of the product is queued or running.
	Busy bool
	Pubs []*pubView
}

// CanRestore reports whether "Restore original" applies.
func (p *pubProduct) CanRestore() bool { return p.Current > 0 && !p.Busy }

// pubView is one publication with its fields before and after.
type pubView struct {
	*connect.Publication
	Changes []fieldChange
	// InStore: this version is what the store has now.
	InStore bool
	// CanRevert: an earlier done version the store can go back to.
	CanRevert bool
}

// KindLabel names the kind of write.
func (v *pubView) KindLabel() string {
	if v.Kind == connect.KindRevert {
		return "revert"
	}
	return "publish"
}

// StatusLabel is the status in plain words.
func (v *pubView) StatusLabel() string {
	switch v.Status {
	case connect.PubQueued:
		return "queued"
	case connect.PubRunning:
		return "writing"
	case connect.PubDone:
		return "done"
	case connect.PubFailed:
		return "failed"
	}
	return v.Status
}

// StatusClass styles the status badge.
func (v *pubView) StatusClass() string {
	switch v.Status {
	case connect.PubDone:
		return "status-approved"
	case connect.PubFailed:
		return "badge-error"
	}
	return "badge-muted"
}

// Done reports whether the store has what the publication wrote.
func (v *pubView) Done() bool { return v.Status == connect.PubDone }

// fieldChange is one field of a publication: what the store had before
// and what it has after (for a publication not done yet, what it is to
// get). Lists hold items; the other fields text.
type fieldChange struct {
	Label       string
	List        bool
	BeforeKnown bool
	Before      string
	After       string
	BeforeItems []string
	AfterItems  []string
}

// changesOf lists the fields a publication writes, in a fixed order.
func changesOf(p *connect.Publication, prod *catalog.Product) []fieldChange {
	after := p.Fields
	if p.Status == connect.PubDone {
		after = p.After
	}
	before, known := p.Before, !p.Before.Empty()
	var out []fieldChange
	text := func(label string, set, b, a *string, html bool) {
		if set == nil {
			return
		}
		c := fieldChange{Label: label, BeforeKnown: known && b != nil}
		show := func(s *string) string {
			if s == nil {
				return ""
			}
			if html {
				return catalog.PlainText(*s)
			}
			return *s
		}
		c.Before, c.After = show(b), show(a)
		if a == nil {
			c.After = show(set)
		}
		out = append(out, c)
	}
	list := func(label string, set, b, a *[]string) {
		if set == nil {
			return
		}
		c := fieldChange{Label: label, List: true, BeforeKnown: known && b != nil}
		if b != nil {
			c.BeforeItems = *b
		}
		if a == nil {
			a = set
		}
		c.AfterItems = *a
		out = append(out, c)
	}
	text("Title", p.Fields.Title, before.Title, after.Title, false)
	text("Description", p.Fields.DescriptionHTML, before.DescriptionHTML, after.DescriptionHTML, true)
	text("SEO title", p.Fields.SEOTitle, before.SEOTitle, after.SEOTitle, false)
	text("SEO description", p.Fields.SEODescription, before.SEODescription, after.SEODescription, false)
	list("Tags", p.Fields.Tags, before.Tags, after.Tags)
	list("Materials", p.Fields.Materials, before.Materials, after.Materials)
	list("Bullet points", p.Fields.Bullets, before.Bullets, after.Bullets)
	list("Search keywords", p.Fields.Keywords, before.Keywords, after.Keywords)
	ids := make([]string, 0, len(p.Fields.ImageAlts))
	for id := range p.Fields.ImageAlts {
		ids = append(ids, id)
	}
	position := func(id string) int {
		if prod != nil {
			if i := slices.IndexFunc(prod.Images, func(im catalog.Image) bool { return im.ExternalID == id }); i >= 0 {
				return i + 1
			}
		}
		return 0
	}
	slices.SortFunc(ids, func(a, b string) int {
		if pa, pb := position(a), position(b); pa != pb {
			return pa - pb
		}
		return strings.Compare(a, b)
	})
	for _, id := range ids {
		label := "Alt text of image " + id
		if n := position(id); n > 0 {
			label = "Alt text of image " + strconv.Itoa(n)
		}
		c := fieldChange{Label: label, After: p.Fields.ImageAlts[id]}
		c.Before, c.BeforeKnown = before.ImageAlts[id]
		c.BeforeKnown = c.BeforeKnown && known
		if a, ok := after.ImageAlts[id]; ok {
			c.After = a
		}
		out = append(out, c)
	}
	return out
}

func (s *Server) handleStores(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	p, err := s.storesData(r, b)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	q := r.URL.Query()
	if q.Get("notice") == "published" {
		n, _ := strconv.Atoi(q.Get("n"))
		p.Notice = plural(max(n, 0), "product", "products") + " queued for publishing; each one's progress is under Publications."
	}
	s.renderStores(w, r, http.StatusOK, p)
}

// renderStores renders the stores page with the policy its connect
// forms need.
func (s *Server) renderStores(w http.ResponseWriter, r *http.Request, status int, p *storesPage) {
	w.Header().Set("Content-Security-Policy", s.storesCSP)
	s.render(w, r, status, "stores", p)
}

// storesData loads the brand's store cards and publications.
func (s *Server) storesData(r *http.Request, b *brand.Brand) (*storesPage, error) {
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	p := &storesPage{basePage: basePage{Title: "Stores · " + b.Name, Nav: "brands"}, Brand: b, Available: s.connect != nil}
	if s.connect == nil {
		return p, nil
	}
	conns, err := s.connect.List(ctx, sc, b.ID)
	if err != nil {
		return nil, err
	}
	for _, pl := range connect.Platforms {
		_, err := s.connect.Connector(pl)
		offered := err == nil
		i := slices.IndexFunc(conns, func(c *connect.Connection) bool { return c.Platform == pl })
		if !offered && i < 0 {
			p.Missing = append(p.Missing, platformName(pl))
			continue
		}
		card := &storeCard{Platform: pl, Label: platformName(pl), Offered: offered}
		if card.AsksShop() {
			card.Shop = s.sandboxShop
		}
		if i >= 0 {
			card.Conn = conns[i]
			if card.AsksShop() && card.Conn.Account != "" {
				card.Shop = card.Conn.Account
			}
			sy, err := s.connect.LastSync(ctx, card.Conn.ID)
			if err != nil {
				return nil, err
			}
			if sy != nil {
				card.Sync = &syncView{Sync: sy, BrandID: b.ID, Platform: pl}
			}
		}
		p.Stores = append(p.Stores, card)
	}
	pubs, err := s.connect.Publications(ctx, sc, b.ID, "", publicationsShown+1)
	if err != nil {
		return nil, err
	}
	if len(pubs) > publicationsShown {
		pubs, p.More, p.Shown = pubs[:publicationsShown], true, publicationsShown
	}
	byID := map[string]*pubProduct{}
	for _, pub := range pubs {
		pp := byID[pub.ProductID]
		if pp == nil {
			pp = &pubProduct{ID: pub.ProductID, Platform: pub.Platform}
			byID[pub.ProductID] = pp
			p.Products = append(p.Products, pp)
		}
		if pub.Status == connect.PubDone {
			pp.Current = max(pp.Current, pub.Version)
		}
		if pub.Status == connect.PubQueued || pub.Status == connect.PubRunning {
			pp.Busy = true
		}
	}
	for _, pp := range p.Products {
		prod, err := s.catalog.Get(ctx, sc, b.ID, pp.ID)
		switch {
		case err == nil:
			pp.Title, pp.Exists = prod.Title, true
		case apperr.Is(err, apperr.NotFound):
			pp.Title, prod = "A deleted product", nil
		default:
			return nil, err
		}
		for _, pub := range pubs {
			if pub.ProductID != pp.ID {
				continue
			}
			v := &pubView{Publication: pub, Changes: changesOf(pub, prod)}
			v.InStore = v.Done() && pub.Version == pp.Current
			v.CanRevert = v.Done() && !v.InStore && !pp.Busy
			pp.Pubs = append(pp.Pubs, v)
		}
	}
	return p, nil
}

// storesFailed shows a refused action on the stores page, in the
// service's words; other errors get the error page.
func (s *Server) storesFailed(w http.ResponseWriter, r *http.Request, b *brand.Brand, fail storeFailure, err error) {
	if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.Conflict {
		s.renderError(w, r, err)
		return
	}
	p, lerr := s.storesData(r, b)
	if lerr != nil {
		s.renderError(w, r, lerr)
		return
	}
	fail.Message = apperr.MessageOf(err)
	p.Failed = &fail
	for _, c := range p.Stores {
		if c.Platform == fail.Platform {
			c.Failed = &fail
		}
	}
	s.renderStores(w, r, apperr.HTTPStatus(err), p)
}

// storesURL is the brand's stores page with a notice and an anchor.
func storesURL(brandID, notice, anchor string) string {
	u := "/brands/" + brandID + "/stores"
	if notice != "" {
		u += "?notice=" + notice
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// storeTarget loads the brand and platform a store action names, after
// checking the user may do it.
func (s *Server) storeTarget(w http.ResponseWriter, r *http.Request, perm tenant.Permission) (*brand.Brand, connect.Platform, bool) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return nil, "", false
	}
	if s.connect == nil {
		s.renderError(w, r, errNoStores)
		return nil, "", false
	}
	if err := sessionFrom(r.Context()).Scope.Require(perm); err != nil {
		s.renderError(w, r, err)
		return nil, "", false
	}
	p := connect.Platform(r.PathValue("platform"))
	if !slices.Contains(connect.Platforms, p) {
		s.renderError(w, r, apperr.E(apperr.NotFound, "There is no store platform %q.", truncateRunes(string(p), 20)))
		return nil, "", false
	}
	return b, p, true
}

// storeConn loads the brand's connection to the action's platform.
func (s *Server) storeConn(w http.ResponseWriter, r *http.Request, perm tenant.Permission) (*brand.Brand, *connect.Connection, bool) {
	b, p, ok := s.storeTarget(w, r, perm)
	if !ok {
		return nil, nil, false
	}
	conn, err := s.connect.ByPlatform(r.Context(), sessionFrom(r.Context()).Scope, b.ID, p)
	if err != nil {
		s.renderError(w, r, err)
		return nil, nil, false
	}
	return b, conn, true
}

// handleStoreConnect starts connecting a store: it sends the browser to
// the store's authorization page, which sends it back to the callback.
func (s *Server) handleStoreConnect(w http.ResponseWriter, r *http.Request) {
	b, p, ok := s.storeTarget(w, r, tenant.ManageBrands)
	if !ok {
		return
	}
	shop := strings.TrimSpace(r.PostForm.Get("shop"))
	if p == connect.Shopify {
		norm, err := shopify.NormalizeShop(shop)
		if err != nil {
			s.connectFailed(w, r, b, p, shop, "Enter the shop's Shopify domain, like your-shop.myshopify.com.")
			return
		}
		shop = norm
	}
	to, err := s.connect.Begin(r.Context(), sessionFrom(r.Context()).Scope, b.ID, p, shop)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) && p == connect.Shopify {
			s.connectFailed(w, r, b, p, shop, apperr.MessageOf(err))
			return
		}
		s.storesFailed(w, r, b, storeFailure{Platform: p}, err)
		return
	}
	// Not redirect(): an htmx request must not follow this with XHR.
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// connectFailed shows the stores page with the Shopify form's error.
func (s *Server) connectFailed(w http.ResponseWriter, r *http.Request, b *brand.Brand, p connect.Platform, shop, msg string) {
	pg, err := s.storesData(r, b)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, c := range pg.Stores {
		if c.Platform == p {
			c.Shop, c.ShopError = shop, msg
		}
	}
	s.renderStores(w, r, http.StatusBadRequest, pg)
}

// callbackErrors put the connectors' refusals of a callback in plain words.
var callbackErrors = []struct {
	err error
	msg string
}{
	{connect.ErrBadSignature, "The store's answer could not be verified, so the store was not connected. Start connecting again from the brand's Stores page."},
	{shopify.ErrShopMismatch, "The store answered for another shop than the one you asked to connect. Start connecting again from the brand's Stores page."},
	{shopify.ErrStaleCallback, "The store's answer is too old. Start connecting again from the brand's Stores page."},
	{shopify.ErrScopesNotGranted, "The store did not grant the access PlutoPro needs (reading and writing products). Start connecting again and accept it."},
}

// handleConnectCallback is where a store sends the seller back after the
// authorization. It needs no session, and no CSRF token: the one-time
// state in the query ties it to the brand and user that started it. The
// query holds the authorization code, so it is never shown or logged.
func (s *Server) handleConnectCallback(w http.ResponseWriter, r *http.Request) {
	if s.connect == nil {
		s.callbackFailed(w, r, errNoStores)
		return
	}
	conn, err := s.connect.Complete(r.Context(), connect.Platform(r.PathValue("platform")), r.URL.Query())
	if err != nil {
		s.callbackFailed(w, r, err)
		return
	}
	http.Redirect(w, r, storesURL(conn.BrandID, "store-connected", "store-"+string(conn.Platform)), http.StatusSeeOther)
}

// callbackFailed shows why a store was not connected.
func (s *Server) callbackFailed(w http.ResponseWriter, r *http.Request, err error) {
	if apperr.CodeOf(err) == apperr.Internal {
		for _, ce := range callbackErrors {
			if errors.Is(err, ce.err) {
				err = apperr.Wrap(apperr.Invalid, err, ce.msg)
				break
			}
		}
	}
	status := apperr.HTTPStatus(err)
	if status >= 500 {
		s.logger.ErrorContext(r.Context(), "web: store callback failed", "path", r.URL.Path, "err", err)
	}
	p := &errorPage{Status: status, Heading: "The store was not connected", Message: apperr.MessageOf(err)}
	p.Title = p.Heading
	s.render(w, r, status, "error", p)
}

func (s *Server) handleStoreSync(w http.ResponseWriter, r *http.Request) {
	b, conn, ok := s.storeConn(w, r, tenant.EditContent)
	if !ok {
		return
	}
	if _, err := s.connect.StartSync(r.Context(), sessionFrom(r.Context()).Scope, b.ID, conn.ID); err != nil {
		s.storesFailed(w, r, b, storeFailure{Platform: conn.Platform}, err)
		return
	}
	redirect(w, r, storesURL(b.ID, "sync-started", "store-"+string(conn.Platform)))
}

// handleStoreSyncProgress is the fragment htmx polls while a sync runs;
// once it has finished the fragment carries no trigger, so polling stops.
// A browser without htmx is sent to the stores page.
func (s *Server) handleStoreSyncProgress(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	if s.connect == nil {
		s.renderError(w, r, errNoStores)
		return
	}
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	sy, err := s.connect.GetSync(ctx, sc, b.ID, r.PathValue("syncID"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	conn, err := s.connect.Get(ctx, sc, b.ID, sy.ConnectionID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if !isHTMX(r) {
		http.Redirect(w, r, storesURL(b.ID, "", "store-"+string(conn.Platform)), http.StatusSeeOther)
		return
	}
	s.renderFragment(w, r, "stores", "store_sync", &syncView{Sync: sy, BrandID: b.ID, Platform: conn.Platform})
}

// storeDisconnectPage confirms a disconnection without JavaScript.
type storeDisconnectPage struct {
	basePage
	Brand *brand.Brand
	Conn  *connect.Connection
	Label string
}

// handleStoreDisconnect disconnects when the form says confirm=yes (the
// confirm page's button, or htmx after hx-confirm); otherwise it shows
// the confirm page.
func (s *Server) handleStoreDisconnect(w http.ResponseWriter, r *http.Request) {
	b, conn, ok := s.storeConn(w, r, tenant.ManageBrands)
	if !ok {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		label := platformName(conn.Platform)
		s.render(w, r, http.StatusOK, "store_disconnect", &storeDisconnectPage{
			basePage: basePage{Title: "Disconnect " + label + " · " + b.Name, Nav: "brands"}, Brand: b, Conn: conn, Label: label})
		return
	}
	if err := s.connect.Disconnect(r.Context(), sessionFrom(r.Context()).Scope, b.ID, conn.ID); err != nil {
		s.storesFailed(w, r, b, storeFailure{Platform: conn.Platform}, err)
		return
	}
	redirect(w, r, storesURL(b.ID, "store-disconnected", "store-"+string(conn.Platform)))
}

// handleStorePublish queues the brand's approved drafts for one store.
func (s *Server) handleStorePublish(w http.ResponseWriter, r *http.Request) {
	b, p, ok := s.storeTarget(w, r, tenant.EditContent)
	if !ok {
		return
	}
	pubs, err := s.connect.Publish(r.Context(), sessionFrom(r.Context()).Scope, b.ID, connect.PublishInput{Platform: p})
	if err != nil {
		s.storesFailed(w, r, b, storeFailure{Platform: p}, err)
		return
	}
	if len(pubs) == 0 {
		redirect(w, r, storesURL(b.ID, "nothing-to-publish", "store-"+string(p)))
		return
	}
	redirect(w, r, "/brands/"+b.ID+"/stores?notice=published&n="+strconv.Itoa(len(pubs))+"#publications")
}

// handleStoreRetry queues a failed publication again.
func (s *Server) handleStoreRetry(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	if s.connect == nil {
		s.renderError(w, r, errNoStores)
		return
	}
	id := r.PathValue("publicationID")
	if _, err := s.connect.Retry(r.Context(), sessionFrom(r.Context()).Scope, b.ID, id); err != nil {
		s.storesFailed(w, r, b, storeFailure{Publication: id}, err)
		return
	}
	redirect(w, r, storesURL(b.ID, "publication-retried", "pub-"+id))
}

// handleStoreRevert writes a product's fields back to an earlier
// published version (0: what the store had before PlutoPro).
func (s *Server) handleStoreRevert(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	if s.connect == nil {
		s.renderError(w, r, errNoStores)
		return
	}
	pid := r.PathValue("productID")
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		s.renderError(w, r, apperr.E(apperr.Invalid, "Say which version to go back to."))
		return
	}
	if _, err := s.connect.Revert(r.Context(), sessionFrom(r.Context()).Scope, b.ID, pid, version); err != nil {
		s.storesFailed(w, r, b, storeFailure{Product: pid}, err)
		return
	}
	redirect(w, r, storesURL(b.ID, "revert-queued", "product-"+pid))
}

// truncateRunes cuts s to n characters.
func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
