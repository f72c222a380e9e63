package etsyfake

import (
	"cmp"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/catalog"
)

// Money is Etsy's money shape: amount / divisor in currency_code.
type Money struct {
	Amount       int64  `json:"amount"`
	Divisor      int64  `json:"divisor"`
	CurrencyCode string `json:"currency_code"`
}

// Image is a listing image as Etsy answers it.
type Image struct {
	ListingID      int64   `json:"listing_id"`
	ListingImageID int64   `json:"listing_image_id"`
	Rank           int     `json:"rank"`
	URL75x75       string  `json:"url_75x75"`
	URL170x135     string  `json:"url_170x135"`
	URL570xN       string  `json:"url_570xN"`
	URLFullxFull   string  `json:"url_fullxfull"`
	FullWidth      *int    `json:"full_width"`
	FullHeight     *int    `json:"full_height"`
	AltText        *string `json:"alt_text"`
	CreatedTsz     int64   `json:"created_timestamp"`
}

// PropertyValue is one variation value of an inventory product.
type PropertyValue struct {
	PropertyID   int64    `json:"property_id"`
	PropertyName string   `json:"property_name"`
	ScaleID      *int64   `json:"scale_id"`
	ScaleName    *string  `json:"scale_name"`
	ValueIDs     []int64  `json:"value_ids"`
	Values       []string `json:"values"`
}

// Offering is the price and stock of an inventory product.
type Offering struct {
	OfferingID int64 `json:"offering_id"`
	Quantity   int   `json:"quantity"`
	IsEnabled  bool  `json:"is_enabled"`
	IsDeleted  bool  `json:"is_deleted"`
	Price      Money `json:"price"`
}

// InventoryProduct is one variant of a listing's inventory.
type InventoryProduct struct {
	ProductID      int64           `json:"product_id"`
	SKU            string          `json:"sku"`
	IsDeleted      bool            `json:"is_deleted"`
	Offerings      []Offering      `json:"offerings"`
	PropertyValues []PropertyValue `json:"property_values"`
}

// Inventory is a listing's inventory (includes=Inventory).
type Inventory struct {
	Products           []InventoryProduct `json:"products"`
	PriceOnProperty    []int64            `json:"price_on_property"`
	QuantityOnProperty []int64            `json:"quantity_on_property"`
	SKUOnProperty      []int64            `json:"sku_on_property"`
}

// Listing is a listing as the fake keeps it; its JSON is Etsy's ShopListing
// (Images and Inventory are added only when asked for with includes).
type Listing struct {
	ListingID             int64    `json:"listing_id"`
	UserID                int64    `json:"user_id"`
	ShopID                int64    `json:"shop_id"`
	Title                 string   `json:"title"`
	Description           string   `json:"description"`
	State                 string   `json:"state"`
	CreationTimestamp     int64    `json:"creation_timestamp"`
	CreatedTimestamp      int64    `json:"created_timestamp"`
	EndingTimestamp       int64    `json:"ending_timestamp"`
	LastModifiedTimestamp int64    `json:"last_modified_timestamp"`
	UpdatedTimestamp      int64    `json:"updated_timestamp"`
	StateTimestamp        int64    `json:"state_timestamp"`
	Quantity              int      `json:"quantity"`
	URL                   string   `json:"url"`
	Tags                  []string `json:"tags"`
	Materials             []string `json:"materials"`
	WhoMade               string   `json:"who_made"`
	WhenMade              string   `json:"when_made"`
	IsSupply              bool     `json:"is_supply"`
	ListingType           string   `json:"listing_type"`
	HasVariations         bool     `json:"has_variations"`
	Price                 Money    `json:"price"`

	Images    []Image    `json:"-"`
	Inventory *Inventory `json:"-"`
}

// clone deep-copies a listing.
func (l *Listing) clone() Listing {
	c := *l
	c.Tags = slices.Clone(l.Tags)
	c.Materials = slices.Clone(l.Materials)
	c.Images = make([]Image, len(l.Images))
	for i, im := range l.Images {
		c.Images[i] = im
		if im.AltText != nil {
			a := *im.AltText
			c.Images[i].AltText = &a
		}
	}
	if l.Inventory != nil {
		inv := *l.Inventory
		inv.Products = make([]InventoryProduct, len(l.Inventory.Products))
		for i, p := range l.Inventory.Products {
			p.Offerings = slices.Clone(p.Offerings)
			p.PropertyValues = slices.Clone(p.PropertyValues)
			inv.Products[i] = p
		}
		c.Inventory = &inv
	}
	return c
}

// Listing returns a copy of a listing.
func (s *Server) Listing(id int64) (Listing, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[id]
	if !ok {
		return Listing{}, false
	}
	return l.clone(), true
}

// Listings returns copies of every listing, newest created first.
func (s *Server) Listings() []Listing {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.sorted("")
	out := make([]Listing, len(ls))
	for i, l := range ls {
		out[i] = l.clone()
	}
	return out
}

// EditListing changes a listing as the seller would on etsy.com: edit runs
// on the listing, then its last_modified_timestamp moves to now. It returns
// false when there is no such listing.
func (s *Server) EditListing(id int64, edit func(*Listing)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[id]
	if !ok {
		return false
	}
	edit(l)
	s.touch(l)
	return true
}

// AddListing adds a product as a new listing (the newest) and returns its
// id. The product becomes a listing as Etsy would accept it: the title is
// cut to 140 characters without the characters Etsy refuses; tags keep
// allowed characters, at most 20 each and 13 in all; materials come from
// Metadata "materials" (one a line) or "etsy:materials" (comma-separated);
// the description from Metadata "etsy:description" or the body as plain
// text; price, currency and quantity from the first variant (quantity 1
// when it does not say); the inventory from every variant; images keep
// their order, source and alt text. Status draft makes a draft listing,
// archived an inactive one.
func (s *Server) AddListing(p *catalog.Product) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.add(p, s.now())
}

// DeleteListing removes a listing; false when there is none.
func (s *Server) DeleteListing(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.listings[id]; !ok {
		return false
	}
	delete(s.listings, id)
	return true
}

func (s *Server) touch(l *Listing) {
	ts := s.now().Unix()
	if ts <= l.LastModifiedTimestamp {
		ts = l.LastModifiedTimestamp + 1 // always moves, even on a frozen clock
	}
	l.LastModifiedTimestamp, l.UpdatedTimestamp = ts, ts
}

// add makes a listing of p; the caller holds s.mu.
func (s *Server) add(p *catalog.Product, created time.Time) int64 {
	s.nextID++
	id := s.nextID
	ts := created.Unix()
	l := &Listing{
		ListingID:             id,
		UserID:                s.opts.UserID,
		ShopID:                s.opts.ShopID,
		Title:                 seedTitle(p.Title, id),
		Description:           seedDescription(p),
		State:                 "active",
		CreationTimestamp:     ts,
		CreatedTimestamp:      ts,
		EndingTimestamp:       created.AddDate(0, 4, 0).Unix(),
		LastModifiedTimestamp: ts,
		UpdatedTimestamp:      ts,
		StateTimestamp:        ts,
		Tags:                  seedTags(p.Tags),
		Materials:             seedMaterials(p.Metadata),
		WhoMade:               "i_did",
		WhenMade:              "made_to_order",
		ListingType:           "physical",
	}
	switch p.Status {
	case catalog.StatusDraft:
		l.State = "draft"
	case catalog.StatusArchived:
		l.State = "inactive"
	}
	l.URL = fmt.Sprintf("https://www.etsy.com/listing/%d/%s", id, slug(l.Title))

	l.Price = Money{Divisor: 100, CurrencyCode: "USD"}
	l.Quantity = 1
	if len(p.Variants) > 0 {
		v := p.Variants[0]
		if v.Price != nil {
			l.Price = toMoney(*v.Price)
		}
		if v.InventoryQty != nil {
			l.Quantity = max(0, *v.InventoryQty)
		}
	}
	l.Inventory = s.seedInventory(p, l)
	l.HasVariations = len(p.Options) > 0

	imgs := slices.Clone(p.Images)
	slices.SortStableFunc(imgs, func(a, b catalog.Image) int { return cmp.Compare(a.Position, b.Position) })
	for i, im := range imgs {
		s.nextImg++
		src := im.Src
		if src == "" {
			src = fmt.Sprintf("https://i.etsystatic.com/fake/il_fullxfull.%d.jpg", s.nextImg)
		}
		img := Image{
			ListingID: id, ListingImageID: s.nextImg, Rank: i + 1,
			URL75x75: src, URL170x135: src, URL570xN: src, URLFullxFull: src,
			CreatedTsz: ts,
		}
		if im.Width > 0 && im.Height > 0 {
			w, h := im.Width, im.Height
			img.FullWidth, img.FullHeight = &w, &h
		}
		if im.Alt != "" {
			a := truncateRunes(im.Alt, 500)
			img.AltText = &a
		}
		l.Images = append(l.Images, img)
	}
	s.listings[id] = l
	return id
}

func (s *Server) seedInventory(p *catalog.Product, l *Listing) *Inventory {
	inv := &Inventory{Products: []InventoryProduct{}, PriceOnProperty: []int64{}, QuantityOnProperty: []int64{}, SKUOnProperty: []int64{}}
	variants := p.Variants
	if len(variants) == 0 {
		variants = []catalog.Variant{{}}
	}
	for _, v := range variants {
		s.nextProd++
		ip := InventoryProduct{ProductID: s.nextProd, SKU: v.SKU, PropertyValues: []PropertyValue{}}
		for i, val := range v.OptionValues {
			if i >= len(p.Options) || val == "" {
				continue
			}
			ip.PropertyValues = append(ip.PropertyValues, PropertyValue{
				PropertyID: int64(513 + i), PropertyName: p.Options[i].Name, ValueIDs: []int64{}, Values: []string{val},
			})
		}
		price, qty := l.Price, l.Quantity
		if v.Price != nil {
			price = toMoney(*v.Price)
		}
		if v.InventoryQty != nil {
			qty = max(0, *v.InventoryQty)
		}
		s.nextProd++
		ip.Offerings = []Offering{{OfferingID: s.nextProd, Quantity: qty, IsEnabled: true, Price: price}}
		inv.Products = append(inv.Products, ip)
	}
	return inv
}

// toMoney writes a catalog amount as Etsy money: hundredths unless the
// amount has more decimals.
func toMoney(m catalog.Money) Money {
	cur := m.Currency
	if cur == "" {
		cur = "USD"
	}
	whole, frac, _ := strings.Cut(m.Amount, ".")
	digits := max(2, len(frac))
	for len(frac) < digits {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return Money{Divisor: 100, CurrencyCode: cur}
	}
	div := int64(1)
	for range digits {
		div *= 10
	}
	return Money{Amount: n, Divisor: div, CurrencyCode: cur}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(title string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(title), "-"), "-")
	return truncateRunes(s, 60)
}

// titleRune reports whether Etsy accepts r in a title.
func titleRune(r rune) bool {
	return unicode.In(r, unicode.L, unicode.Nd, unicode.P, unicode.Sm, unicode.Zs) || r == '™' || r == '©' || r == '®'
}

// tagRune reports whether Etsy accepts r in a tag.
func tagRune(r rune) bool {
	return unicode.In(r, unicode.L, unicode.Nd, unicode.Zs) || strings.ContainsRune("-'™©®", r)
}

// materialRune reports whether Etsy accepts r in a material.
func materialRune(r rune) bool { return unicode.In(r, unicode.L, unicode.Nd, unicode.Zs) }

// onceRunes may appear at most once in a title.
const onceRunes = "%:&+"

func seedTitle(t string, id int64) string {
	var b strings.Builder
	seen := map[rune]bool{}
	for _, r := range t {
		if !titleRune(r) {
			r = ' '
		}
		if strings.ContainsRune(onceRunes, r) {
			if seen[r] {
				continue
			}
			seen[r] = true
		}
		b.WriteRune(r)
	}
	out := strings.TrimSpace(truncateRunes(strings.Join(strings.Fields(b.String()), " "), 140))
	if out == "" {
		out = fmt.Sprintf("Listing %d", id)
	}
	return out
}

func seedDescription(p *catalog.Product) string {
	if d := p.Metadata["etsy:description"]; d != "" {
		return d
	}
	return catalog.PlainText(p.BodyHTML)
}

func seedTags(tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		var b strings.Builder
		for _, r := range t {
			if tagRune(r) {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		}
		t = strings.TrimLeft(strings.Join(strings.Fields(b.String()), " "), "-'")
		t = strings.TrimSpace(truncateRunes(t, 20))
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
		if len(out) == 13 {
			break
		}
	}
	return out
}

func seedMaterials(meta map[string]string) []string {
	raw := meta["materials"]
	if raw == "" {
		raw = meta["etsy:materials"]
	}
	out := []string{}
	for _, m := range strings.FieldsFunc(raw, func(r rune) bool { return r == '\n' || r == ',' }) {
		var b strings.Builder
		for _, r := range m {
			if materialRune(r) {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		}
		if m = strings.Join(strings.Fields(b.String()), " "); m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// sorted lists the listings in state ("" for all), newest created first;
// the caller holds s.mu.
func (s *Server) sorted(state string) []*Listing {
	out := make([]*Listing, 0, len(s.listings))
	for _, l := range s.listings {
		if state == "" || l.State == state {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b *Listing) int {
		if c := cmp.Compare(b.CreatedTimestamp, a.CreatedTimestamp); c != 0 {
			return c
		}
		return cmp.Compare(b.ListingID, a.ListingID)
	})
	return out
}

// includeNames are the associations getListing and getListingsByShop know.
var includeNames = []string{"Shipping", "Images", "Shop", "User", "Translations", "Inventory", "Videos", "Personalization"}

// includes reads the includes parameter, comma-separated or repeated.
func includes(q url.Values) (map[string]bool, string) {
	out := map[string]bool{}
	for _, v := range q["includes"] {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if !slices.Contains(includeNames, name) {
				return nil, fmt.Sprintf("includes: %q is not one of %s", name, strings.Join(includeNames, ", "))
			}
			out[name] = true
		}
	}
	return out, ""
}

// listingJSON is a listing with the associations asked for.
type listingJSON struct {
	*Listing
	Images    *[]Image   `json:"images,omitempty"`
	Inventory *Inventory `json:"inventory,omitempty"`
}

func present(l *Listing, inc map[string]bool) listingJSON {
	c := l.clone()
	out := listingJSON{Listing: &c}
	if inc["Images"] {
		imgs := c.Images
		if imgs == nil {
			imgs = []Image{}
		}
		out.Images = &imgs
	}
	if inc["Inventory"] {
		out.Inventory = c.Inventory
	}
	return out
}

// shopID reads the {shop_id} path value; false (after answering) when it
// is not this fake's shop.
func (s *Server) shopID(w http.ResponseWriter, r *http.Request) bool {
	id, err := strconv.ParseInt(r.PathValue("shop_id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "shop_id must be a positive integer")
		return false
	}
	if id != s.opts.ShopID {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Shop with shop_id %d not found", id))
		return false
	}
	return true
}

// listing finds the {listing_id} listing; nil (after answering) when there
// is none. The caller holds s.mu.
func (s *Server) listing(w http.ResponseWriter, r *http.Request) *Listing {
	id, err := strconv.ParseInt(r.PathValue("listing_id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "listing_id must be a positive integer")
		return nil
	}
	l := s.listings[id]
	if l == nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Could not find a Listing with listing_id = %d", id))
		return nil
	}
	return l
}

func (s *Server) handleShop(w http.ResponseWriter, r *http.Request, _ caller) {
	if !s.shopID(w, r) {
		return
	}
	s.mu.Lock()
	active := len(s.sorted("active"))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"shop_id": s.opts.ShopID, "shop_name": s.opts.ShopName, "user_id": s.opts.UserID,
		"url": "https://www.etsy.com/shop/" + s.opts.ShopName, "currency_code": "USD",
		"listing_active_count": active, "create_date": s.created.Unix(),
	})
}

var listingStates = []string{"active", "inactive", "sold_out", "draft", "expired"}

func (s *Server) handleShopListings(w http.ResponseWriter, r *http.Request, _ caller) {
	if !s.shopID(w, r) {
		return
	}
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "active")
	if !slices.Contains(listingStates, state) {
		writeError(w, http.StatusBadRequest, "state must be one of "+strings.Join(listingStates, ", "))
		return
	}
	limit, offset := 25, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeError(w, http.StatusBadRequest, "limit must be an integer from 1 to 100")
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "offset must be a non-negative integer")
			return
		}
		offset = n
	}
	inc, why := includes(q)
	if why != "" {
		writeError(w, http.StatusBadRequest, why)
		return
	}
	s.mu.Lock()
	all := s.sorted(state)
	results := []listingJSON{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		results = append(results, present(all[i], inc))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"count": len(all), "results": results})
}

func (s *Server) handleListing(w http.ResponseWriter, r *http.Request, c caller) {
	inc, why := includes(r.URL.Query())
	if why != "" {
		writeError(w, http.StatusBadRequest, why)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.listing(w, r)
	if l == nil {
		return
	}
	if l.State != "active" && (c.tok == nil || c.tok.userID != l.UserID) {
		// Only the owner sees listings that are not active.
		writeError(w, http.StatusNotFound, fmt.Sprintf("Could not find a Listing with listing_id = %d", l.ListingID))
		return
	}
	writeJSON(w, http.StatusOK, present(l, inc))
}

func (s *Server) handleListingImages(w http.ResponseWriter, r *http.Request, _ caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.listing(w, r)
	if l == nil {
		return
	}
	c := l.clone()
	imgs := c.Images
	if imgs == nil {
		imgs = []Image{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(imgs), "results": imgs})
}

// problem is Etsy's validation message for a field.
func problem(field, msg string) string { return "There was a problem with /" + field + " : " + msg }

// splitList reads a comma-separated list field.
func splitList(v string) []string {
	out := []string{}
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func checkTitle(t string) string {
	t = strings.TrimSpace(t)
	if t == "" {
		return problem("title", "must not be empty")
	}
	if n := utf8.RuneCountInString(t); n > 140 {
		return problem("title", fmt.Sprintf("must be 140 characters or fewer (it has %d)", n))
	}
	for _, r := range t {
		if !titleRune(r) {
			return problem("title", fmt.Sprintf("contains invalid characters (%q)", r))
		}
	}
	for _, r := range onceRunes {
		if strings.Count(t, string(r)) > 1 {
			return problem("title", fmt.Sprintf("You can only use the %c character once", r))
		}
	}
	return ""
}

func checkTags(tags []string) string {
	if len(tags) > 13 {
		return problem("tags", fmt.Sprintf("You may only have up to 13 tags (you sent %d)", len(tags)))
	}
	seen := map[string]bool{}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t); n > 20 {
			return problem("tags", fmt.Sprintf("%q is too long: tags can have at most 20 characters", t))
		}
		for _, r := range t {
			if !tagRune(r) {
				return problem("tags", fmt.Sprintf("%q contains invalid characters", t))
			}
		}
		k := strings.ToLower(t)
		if seen[k] {
			return problem("tags", "You may not have duplicate tags.")
		}
		seen[k] = true
	}
	return ""
}

func checkMaterials(ms []string) string {
	for _, m := range ms {
		for _, r := range m {
			if !materialRune(r) {
				return problem("materials", fmt.Sprintf("%q contains invalid characters", m))
			}
		}
	}
	return ""
}

// last is the last value of a form field, as Etsy reads a repeated field.
func last(f url.Values, k string) (string, bool) {
	vs, ok := f[k]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

func (s *Server) handleUpdateListing(w http.ResponseWriter, r *http.Request, c caller) {
	if !s.shopID(w, r) {
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeError(w, http.StatusBadRequest, "The request body must be application/x-www-form-urlencoded")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "The request body could not be read")
		return
	}
	f := r.PostForm
	title, hasTitle := last(f, "title")
	desc, hasDesc := last(f, "description")
	tagsRaw, hasTags := last(f, "tags")
	matsRaw, hasMats := last(f, "materials")
	var tags, mats []string
	if hasTitle {
		title = strings.TrimSpace(title)
		if msg := checkTitle(title); msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
	}
	if hasTags {
		tags = splitList(tagsRaw)
		if msg := checkTags(tags); msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
	}
	if hasMats {
		mats = splitList(matsRaw)
		if msg := checkMaterials(mats); msg != "" {
			writeError(w, http.StatusBadRequest, msg)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.listing(w, r)
	if l == nil {
		return
	}
	if l.ShopID != s.opts.ShopID || c.tok.userID != l.UserID {
		writeError(w, http.StatusForbidden, "You do not have permission to update this listing")
		return
	}
	if hasTitle {
		l.Title = title
	}
	if hasDesc {
		l.Description = desc
	}
	if hasTags {
		l.Tags = tags
	}
	if hasMats {
		l.Materials = mats
	}
	s.touch(l)
	writeJSON(w, http.StatusOK, present(l, nil))
}

func (s *Server) handleImage(w http.ResponseWriter, r *http.Request, c caller) {
	if !s.shopID(w, r) {
		return
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		writeError(w, http.StatusBadRequest, "The request body must be multipart/form-data")
		return
	}
	if r.MultipartForm != nil && len(r.MultipartForm.File["image"]) > 0 {
		writeError(w, http.StatusBadRequest, "The fake does not store uploaded image files; send listing_image_id")
		return
	}
	rawID := r.FormValue("listing_image_id")
	imageID, err := strconv.ParseInt(rawID, 10, 64)
	if rawID == "" || err != nil || imageID <= 0 {
		writeError(w, http.StatusBadRequest, problem("listing_image_id", "must be a positive integer"))
		return
	}
	alt, hasAlt := r.MultipartForm.Value["alt_text"]
	if hasAlt && utf8.RuneCountInString(alt[len(alt)-1]) > 500 {
		writeError(w, http.StatusBadRequest, problem("alt_text", "must be 500 characters or fewer"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.listing(w, r)
	if l == nil {
		return
	}
	if c.tok.userID != l.UserID {
		writeError(w, http.StatusForbidden, "You do not have permission to update this listing")
		return
	}
	i := slices.IndexFunc(l.Images, func(im Image) bool { return im.ListingImageID == imageID })
	if i < 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Could not find a ListingImage with listing_image_id = %d on listing %d", imageID, l.ListingID))
		return
	}
	if hasAlt {
		a := alt[len(alt)-1]
		if a == "" {
			l.Images[i].AltText = nil
		} else {
			l.Images[i].AltText = &a
		}
	}
	s.touch(l)
	img := l.clone().Images[i]
	writeJSON(w, http.StatusCreated, img)
}
