package amazonfake

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/catalog"
)

// Listing is one listings item as the fake holds it.
type Listing struct {
	SKU         string
	ProductType string
	ASIN        string
	// Status is the summary status: BUYABLE and/or DISCOVERABLE.
	Status        []string
	ConditionType string
	// Attributes are the listing's attributes by name, each a list of
	// values such as {"value":"…","language_tag":"en_US","marketplace_id":"…"}.
	Attributes map[string][]map[string]any
	MainImage  *Image
	// Price (a decimal string) and Currency make the offer; Quantity the
	// fulfillment availability.
	Price    string
	Currency string
	Quantity int
	// Issues are reported by getListingsItem (includedData=issues).
	Issues    []Issue
	CreatedAt time.Time
	UpdatedAt time.Time

	marketplace, language string
}

// Image is a listing's main image.
type Image struct {
	Link          string
	Height, Width int
}

// Issue is a listing issue, in the model's Issue shape.
type Issue struct {
	Code           string   `json:"code"`
	Message        string   `json:"message"`
	Severity       string   `json:"severity"`
	AttributeNames []string `json:"attributeNames,omitempty"`
	Categories     []string `json:"categories"`
}

// Text is the first "value" of an attribute ("" when it has none).
func (l *Listing) Text(attr string) string {
	if v := l.Texts(attr); len(v) > 0 {
		return v[0]
	}
	return ""
}

// Texts are the "value"s of an attribute, in order.
func (l *Listing) Texts(attr string) []string {
	var out []string
	for _, v := range l.Attributes[attr] {
		if s, ok := v["value"].(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// SetText replaces an attribute with text values in the seller's
// marketplace and language; no values deletes it.
func (l *Listing) SetText(attr string, values ...string) {
	if len(values) == 0 {
		delete(l.Attributes, attr)
		return
	}
	vs := make([]map[string]any, len(values))
	for i, v := range values {
		vs[i] = map[string]any{"value": v, "language_tag": l.language, "marketplace_id": l.marketplace}
	}
	if l.Attributes == nil {
		l.Attributes = map[string][]map[string]any{}
	}
	l.Attributes[attr] = vs
}

func (l *Listing) clone() *Listing {
	c := *l
	c.Status = slices.Clone(l.Status)
	c.Issues = slices.Clone(l.Issues)
	if l.MainImage != nil {
		im := *l.MainImage
		c.MainImage = &im
	}
	c.Attributes = map[string][]map[string]any{}
	for k, vs := range l.Attributes {
		c.Attributes[k] = deepCopy(vs).([]map[string]any)
	}
	return &c
}

// deepCopy copies plain decoded JSON values.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	case []map[string]any:
		s := make([]map[string]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e).(map[string]any)
		}
		return s
	}
	return v
}

// Listing returns a copy of the listing with this SKU.
func (s *Server) Listing(sku string) (*Listing, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[sku]
	if !ok {
		return nil, false
	}
	return l.clone(), true
}

// Listings returns copies of every listing, oldest first.
func (s *Server) Listings() []*Listing {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Listing, 0, len(s.order))
	for _, sku := range s.order {
		out = append(out, s.listings[sku].clone())
	}
	return out
}

// SKUs lists the SKUs, oldest first.
func (s *Server) SKUs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// EditListing changes a listing as a seller would in Seller Central (its
// lastUpdatedDate moves); false when there is no such SKU.
func (s *Server) EditListing(sku string, edit func(*Listing)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[sku]
	if !ok {
		return false
	}
	c := l.clone()
	edit(c)
	c.SKU, c.marketplace, c.language = sku, l.marketplace, l.language
	c.UpdatedAt = s.now().UTC()
	s.listings[sku] = c
	return true
}

// DeleteListing removes a listing; false when there is none.
func (s *Server) DeleteListing(sku string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.listings[sku]; !ok {
		return false
	}
	delete(s.listings, sku)
	s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == sku })
	return true
}

// AddListing lists a product under one SKU and returns it: the first
// variant's SKU, else the handle, else "SKU-n", made unique with "-2",
// "-3"... The product type is the product's type upper-cased to Amazon's
// style ("Wall Art" → "WALL_ART", else "PRODUCT"); the attributes are
// item_name (title), product_description and bullet_point (the
// description's sentences, else the options), generic_keyword (tags),
// brand (vendor) and the image locators; the summary has an ASIN, a status
// (BUYABLE for active products) and the first image as main image.
func (s *Server) AddListing(p *catalog.Product) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sku := ""
	if len(p.Variants) > 0 {
		sku = strings.TrimSpace(p.Variants[0].SKU)
	}
	if sku == "" {
		sku = strings.TrimSpace(p.Handle)
	}
	if sku == "" {
		sku = fmt.Sprintf("SKU-%d", len(s.order)+1)
	}
	if _, taken := s.listings[sku]; taken {
		for i := 2; ; i++ {
			if _, taken := s.listings[fmt.Sprintf("%s-%d", sku, i)]; !taken {
				sku = fmt.Sprintf("%s-%d", sku, i)
				break
			}
		}
	}
	now := s.now().UTC()
	l := &Listing{
		SKU:           sku,
		ProductType:   productType(p.ProductType),
		ASIN:          "B0" + s.randStringLocked(8, upper),
		ConditionType: "new_new",
		CreatedAt:     now,
		UpdatedAt:     now,
		marketplace:   s.opts.MarketplaceID,
		language:      s.opts.LanguageTag,
	}
	if !p.CreatedAt.IsZero() {
		l.CreatedAt = p.CreatedAt.UTC()
	}
	if !p.UpdatedAt.IsZero() {
		l.UpdatedAt = p.UpdatedAt.UTC()
	}
	switch p.Status {
	case "", catalog.StatusActive:
		l.Status = []string{"BUYABLE", "DISCOVERABLE"}
	case catalog.StatusDraft:
		l.Status = []string{"DISCOVERABLE"}
	default:
		l.Status = []string{}
	}
	if title := strings.TrimSpace(p.Title); title != "" {
		l.SetText("item_name", cut(title, 200))
	}
	body := catalog.PlainText(p.BodyHTML)
	if body != "" {
		l.SetText("product_description", cut(body, 2000))
	}
	if bullets := bulletsOf(body, p.Options); len(bullets) > 0 {
		l.SetText("bullet_point", bullets...)
	}
	if len(p.Tags) > 0 {
		l.SetText("generic_keyword", cutBytes(strings.Join(p.Tags, " "), 249))
	}
	if v := strings.TrimSpace(p.Vendor); v != "" {
		l.SetText("brand", v)
	}
	for i, im := range p.Images {
		if i > 8 {
			break
		}
		name := "main_product_image_locator"
		if i > 0 {
			name = fmt.Sprintf("other_product_image_locator_%d", i)
		}
		l.Attributes[name] = []map[string]any{{"media_location": im.Src, "marketplace_id": s.opts.MarketplaceID}}
		if i == 0 {
			w, h := im.Width, im.Height
			if w == 0 || h == 0 {
				w, h = 1000, 1000
			}
			l.MainImage = &Image{Link: im.Src, Width: w, Height: h}
		}
	}
	if len(p.Variants) > 0 {
		v := p.Variants[0]
		if v.Price != nil {
			l.Price, l.Currency = catalog.FormatAmount(v.Price.Amount), v.Price.Currency
			if l.Currency == "" {
				l.Currency = "USD"
			}
		}
		if v.InventoryQty != nil && *v.InventoryQty > 0 {
			l.Quantity = *v.InventoryQty
		}
	}
	s.listings[sku] = l
	s.order = append(s.order, sku)
	return sku
}

// productType makes an Amazon-style product type name of a free one.
func productType(t string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToUpper(t) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			under = false
		} else {
			under = true
		}
	}
	if b.Len() == 0 {
		return "PRODUCT"
	}
	return b.String()
}

var sentence = regexp.MustCompile(`[^.!?\n]+[.!?]*`)

// bulletsOf makes up to five bullet points of a description's sentences,
// else of the product's options ("Size: S, M, L").
func bulletsOf(body string, opts []catalog.Option) []string {
	var out []string
	for _, s := range sentence.FindAllString(body, -1) {
		s = strings.TrimSpace(s)
		if len(s) < 3 {
			continue
		}
		out = append(out, cut(s, 500))
		if len(out) == 5 {
			return out
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, o := range opts {
		if o.Name == "" || len(o.Values) == 0 || (o.Name == "Title" && len(o.Values) == 1) {
			continue
		}
		out = append(out, cut(o.Name+": "+strings.Join(o.Values, ", "), 500))
	}
	return out
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n]))
}

func cutBytes(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimSpace(s)
}

// item is the model's Item for the data sets asked for.
func (l *Listing) item(included []string) map[string]any {
	out := map[string]any{"sku": l.SKU}
	for _, d := range included {
		switch d {
		case "summaries":
			sum := map[string]any{
				"marketplaceId":   l.marketplace,
				"asin":            l.ASIN,
				"productType":     l.ProductType,
				"conditionType":   l.ConditionType,
				"status":          nonNil(l.Status),
				"createdDate":     l.CreatedAt.UTC().Format(time.RFC3339),
				"lastUpdatedDate": l.UpdatedAt.UTC().Format(time.RFC3339),
			}
			if name := l.Text("item_name"); name != "" {
				sum["itemName"] = name
			}
			if l.MainImage != nil {
				sum["mainImage"] = map[string]any{"link": l.MainImage.Link, "height": l.MainImage.Height, "width": l.MainImage.Width}
			}
			out["summaries"] = []any{sum}
		case "attributes":
			out["attributes"] = l.Attributes
		case "issues":
			out["issues"] = nonNil(l.Issues)
		case "offers":
			offers := []any{}
			if l.Price != "" {
				offers = append(offers, map[string]any{
					"marketplaceId": l.marketplace,
					"offerType":     "B2C",
					"price":         map[string]any{"currencyCode": l.Currency, "amount": l.Price},
					"audience":      map[string]any{"value": "ALL", "displayName": "Sell on Amazon"},
				})
			}
			out["offers"] = offers
		case "fulfillmentAvailability":
			out["fulfillmentAvailability"] = []any{map[string]any{"fulfillmentChannelCode": "DEFAULT", "quantity": l.Quantity}}
		case "productTypes":
			out["productTypes"] = []any{map[string]any{"marketplaceId": l.marketplace, "productType": l.ProductType}}
		case "procurement":
			out["procurement"] = []any{}
		case "relationships":
			out["relationships"] = []any{map[string]any{"marketplaceId": l.marketplace, "relationships": []any{}}}
		}
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// includedData reads a comma-separated includedData (default summaries).
func includedData(r *http.Request, def ...string) []string {
	raw := r.URL.Query().Get("includedData")
	if raw == "" {
		return def
	}
	return strings.Split(raw, ",")
}

// getListingsItem: GET /listings/2021-08-01/items/{sellerId}/{sku}.
func (s *Server) getListingsItem(w http.ResponseWriter, r *http.Request, c *call) {
	sku := r.PathValue("sku")
	s.mu.Lock()
	l, ok := s.listings[sku] // stored listings are never changed in place
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("SKU '%s' not found in marketplace %s", sku, s.opts.MarketplaceID), "")
		return
	}
	writeJSON(w, http.StatusOK, l.item(includedData(r, "summaries")))
}

// Rules the fake holds text attributes to; a value breaking one makes the
// submission INVALID.
const (
	MaxItemName           = 200  // characters
	MaxBulletPoints       = 10   // values
	MaxBulletPoint        = 1000 // characters each
	MaxProductDescription = 2000 // characters
	MaxGenericKeyword     = 249  // bytes, beyond which Amazon does not index (a WARNING)
)

var attrName = regexp.MustCompile(`^/attributes/([a-z][a-z0-9_]*)$`)

// textAttributes are the attributes whose values must be text with a
// language tag.
var textAttributes = map[string]bool{"item_name": true, "bullet_point": true, "product_description": true, "generic_keyword": true, "brand": true}

// patchListingsItem: PATCH /listings/2021-08-01/items/{sellerId}/{sku}.
// Every patch is checked first; any ERROR issue makes the submission
// INVALID and nothing is applied. Otherwise it is ACCEPTED and applied at
// once (Amazon applies it minutes later). mode=VALIDATION_PREVIEW answers
// VALID or INVALID without applying.
func (s *Server) patchListingsItem(w http.ResponseWriter, r *http.Request, c *call) {
	sku := r.PathValue("sku")
	body := c.body.(map[string]any)
	preview := r.URL.Query().Get("mode") == "VALIDATION_PREVIEW"
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.listings[sku]
	if !ok {
		// Amazon answers patches of unknown SKUs with an INVALID submission.
		s.answerSubmission(w, sku, preview, []Issue{{Code: "8541", Severity: "ERROR", Categories: []string{"INVALID_ATTRIBUTE"},
			Message: fmt.Sprintf("The SKU '%s' does not exist; use putListingsItem to create it.", sku)}})
		return
	}
	var issues []Issue
	for _, v := range c.enumViolations {
		issues = append(issues, Issue{Code: "4000001", Severity: "ERROR", Categories: []string{"INVALID_ATTRIBUTE"},
			Message: fmt.Sprintf("The patch operation is not valid: %s.", v.msg)})
	}
	if pt, _ := body["productType"].(string); pt != l.ProductType {
		issues = append(issues, Issue{Code: "4000002", Severity: "ERROR", Categories: []string{"INVALID_ATTRIBUTE"},
			Message: fmt.Sprintf("The product type '%s' does not match the listing's product type '%s'.", pt, l.ProductType)})
	}
	next := l.clone()
	patches, _ := body["patches"].([]any)
	for _, p := range patches {
		pm := p.(map[string]any)
		op, _ := pm["op"].(string)
		path, _ := pm["path"].(string)
		m := attrName.FindStringSubmatch(path)
		if m == nil {
			issues = append(issues, Issue{Code: "4000003", Severity: "ERROR", Categories: []string{"INVALID_ATTRIBUTE"},
				Message: fmt.Sprintf("The path '%s' is not a valid attribute path; use /attributes/{attribute name}.", path)})
			continue
		}
		name := m[1]
		var values []map[string]any
		if raw, ok := pm["value"].([]any); ok {
			for _, v := range raw {
				values = append(values, v.(map[string]any))
			}
		}
		switch op {
		case "add", "replace":
			issues = append(issues, s.checkValues(name, values)...)
			next.Attributes[name] = values
		case "merge":
			issues = append(issues, s.checkValues(name, values)...)
			next.Attributes[name] = merge(next.Attributes[name], values)
		case "delete":
			if len(values) == 0 {
				issues = append(issues, Issue{Code: "4000004", Severity: "ERROR", Categories: []string{"INVALID_ATTRIBUTE"}, AttributeNames: []string{name},
					Message: fmt.Sprintf("A delete of '%s' needs values with the selectors of the values to delete (marketplace_id, language_tag).", name)})
				continue
			}
			kept := slices.DeleteFunc(next.Attributes[name], func(have map[string]any) bool {
				return slices.ContainsFunc(values, func(sel map[string]any) bool { return matches(have, sel) })
			})
			if len(kept) == 0 {
				delete(next.Attributes, name)
			} else {
				next.Attributes[name] = kept
			}
		}
	}
	for _, name := range []string{"item_name", "product_description"} {
		if len(next.Attributes[name]) == 0 && len(l.Attributes[name]) > 0 {
			issues = append(issues, Issue{Code: "90220", Severity: "ERROR", Categories: []string{"MISSING_ATTRIBUTE"}, AttributeNames: []string{name},
				Message: fmt.Sprintf("'%s' is required but not supplied.", name)})
		}
	}
	invalid := slices.ContainsFunc(issues, func(i Issue) bool { return i.Severity == "ERROR" })
	if !invalid && !preview {
		next.UpdatedAt = s.now().UTC()
		s.listings[sku] = next
	}
	s.answerSubmission(w, sku, preview, issues)
}

// answerSubmission writes a ListingsItemSubmissionResponse; s.mu is held.
func (s *Server) answerSubmission(w http.ResponseWriter, sku string, preview bool, issues []Issue) {
	status := "ACCEPTED"
	invalid := slices.ContainsFunc(issues, func(i Issue) bool { return i.Severity == "ERROR" })
	switch {
	case invalid:
		status = "INVALID"
	case preview:
		status = "VALID"
	}
	h := s.randStringLocked(32, hexs)
	writeJSON(w, http.StatusOK, map[string]any{
		"sku":          sku,
		"status":       status,
		"submissionId": h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:],
		"issues":       nonNil(issues),
	})
}

// checkValues checks the values given for an attribute.
func (s *Server) checkValues(name string, values []map[string]any) []Issue {
	var issues []Issue
	bad := func(format string, args ...any) {
		issues = append(issues, Issue{Code: "90000900", Severity: "ERROR", Categories: []string{"INVALID_ATTRIBUTE"}, AttributeNames: []string{name},
			Message: fmt.Sprintf(format, args...)})
	}
	if len(values) == 0 {
		bad("'%s' needs at least one value.", name)
		return issues
	}
	for _, v := range values {
		if mp, ok := v["marketplace_id"]; ok && mp != s.opts.MarketplaceID {
			bad("The marketplace_id '%v' of '%s' is not a marketplace of the seller.", mp, name)
		}
	}
	if !textAttributes[name] {
		return issues
	}
	var texts []string
	for _, v := range values {
		t, ok := v["value"].(string)
		if !ok {
			bad("Each value of '%s' needs a text 'value'.", name)
			return issues
		}
		if _, ok := v["language_tag"].(string); !ok {
			bad("Each value of '%s' needs a 'language_tag'.", name)
			return issues
		}
		texts = append(texts, t)
	}
	switch name {
	case "item_name":
		if len(texts) > 1 {
			bad("'item_name' takes one value per marketplace and language, not %d.", len(texts))
		}
		for _, t := range texts {
			if n := utf8.RuneCountInString(t); n > MaxItemName {
				bad("The value of 'item_name' is %d characters long; it must be at most %d characters.", n, MaxItemName)
			}
			if strings.TrimSpace(t) == "" {
				bad("'item_name' must not be empty.")
			}
		}
	case "bullet_point":
		if len(texts) > MaxBulletPoints {
			bad("'bullet_point' takes at most %d values, not %d.", MaxBulletPoints, len(texts))
		}
		for _, t := range texts {
			if n := utf8.RuneCountInString(t); n > MaxBulletPoint {
				bad("A value of 'bullet_point' is %d characters long; it must be at most %d characters.", n, MaxBulletPoint)
			}
		}
	case "product_description":
		for _, t := range texts {
			if n := utf8.RuneCountInString(t); n > MaxProductDescription {
				bad("The value of 'product_description' is %d characters long; it must be at most %d characters.", n, MaxProductDescription)
			}
		}
	case "generic_keyword":
		if n := len(strings.Join(texts, " ")); n > MaxGenericKeyword {
			issues = append(issues, Issue{Code: "90000901", Severity: "WARNING", Categories: []string{"INVALID_ATTRIBUTE"}, AttributeNames: []string{name},
				Message: fmt.Sprintf("'generic_keyword' is %d bytes long; only the first %d bytes are indexed.", n, MaxGenericKeyword)})
		}
	}
	return issues
}

// matches reports whether a value has every selector of sel
// (marketplace_id, language_tag) that sel gives.
func matches(have, sel map[string]any) bool {
	for _, k := range []string{"marketplace_id", "language_tag"} {
		if want, ok := sel[k]; ok && have[k] != want {
			return false
		}
	}
	return true
}

// merge replaces the values with the same selectors and adds the others.
func merge(have, add []map[string]any) []map[string]any {
	out := slices.Clone(have)
	for _, a := range add {
		if i := slices.IndexFunc(out, func(h map[string]any) bool { return matches(h, a) }); i >= 0 {
			out[i] = a
		} else {
			out = append(out, a)
		}
	}
	return out
}

// searchProductTypes: GET /definitions/2020-09-01/productTypes, the product
// types of the seller's listings whose name contains a keyword (or all).
func (s *Server) searchProductTypes(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	var keywords []string
	if k := q.Get("keywords"); k != "" {
		keywords = strings.Split(strings.ToUpper(k), ",")
	}
	if n := q.Get("itemName"); n != "" {
		keywords = append(keywords, strings.Fields(strings.ToUpper(n))...)
	}
	s.mu.Lock()
	seen := map[string]bool{}
	var types []any
	for _, sku := range s.order {
		pt := s.listings[sku].ProductType
		if seen[pt] {
			continue
		}
		if len(keywords) > 0 && !slices.ContainsFunc(keywords, func(k string) bool { return strings.Contains(pt, k) }) {
			continue
		}
		seen[pt] = true
		display := strings.ReplaceAll(strings.ToLower(pt), "_", " ")
		types = append(types, map[string]any{"name": pt, "displayName": display, "marketplaceIds": []string{s.opts.MarketplaceID}})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"productTypes": nonNil(types), "productTypeVersion": "LATEST"})
}
