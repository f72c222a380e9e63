package shopifyfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/plutopro/plutopro/internal/fakes/shopifyfake/adminschema"
)

// The resolvers run with s.mu held: they read and change state directly
// and must not lock.

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func legacyID(id string) string { return strconv.FormatInt(anyGIDNumber(id), 10) }

// require wraps a resolver with an access scope check.
func require(scopes []string, scope, field string, fn resolveFunc) resolveFunc {
	return func(args map[string]any) (any, error) {
		if !hasScope(scopes, scope) {
			return nil, errorf("ACCESS_DENIED", "Access denied for %s field. Required access: `%s` access scope.", field, scope)
		}
		return fn(args)
	}
}

func unsupported(format string, args ...any) error {
	return errorf("NOT_IMPLEMENTED", "shopifyfake does not support "+format, args...)
}

// rootObject is the query or mutation root for one request.
func (s *Server) rootObject(sh *shop, op ast.Operation, scopes []string, pending *[]pendingHook, r *http.Request) *object {
	if op == ast.Mutation {
		return s.mutationRoot(sh, scopes, pending, r)
	}
	return s.queryRoot(sh, scopes, r, false)
}

func (s *Server) queryRoot(sh *shop, scopes []string, r *http.Request, bulk bool) *object {
	read := func(field string, fn resolveFunc) resolveFunc { return require(scopes, "read_products", field, fn) }
	return &object{typename: "QueryRoot", fields: map[string]any{
		"shop": s.shopObject(sh),
		"products": read("products", func(args map[string]any) (any, error) {
			if q, _ := stringArg(args, "query"); q != "" {
				return nil, unsupported("products(query:)")
			}
			if id, _ := stringArg(args, "savedSearchId"); id != "" {
				return nil, unsupported("products(savedSearchId:)")
			}
			if k, _ := stringArg(args, "sortKey"); k != "" && k != "ID" {
				return nil, unsupported("products(sortKey: %s)", k)
			}
			items := make([]item, len(sh.products))
			for i, p := range sh.products {
				items[i] = item{key: anyGIDNumber(p.ID), obj: func() *object { return s.productObject(p, bulk) }}
			}
			return paginate("ProductConnection", items, args, bulk)
		}),
		"product": read("product", func(args map[string]any) (any, error) {
			id, _ := stringArg(args, "id")
			if _, ok := gidNumber(kindProduct, id); !ok && !strings.HasPrefix(id, "gid://shopify/") {
				return nil, errorf("BAD_REQUEST", "Invalid global id '%s'", id)
			}
			if i := sh.productIndex(id); i >= 0 {
				return s.productObject(sh.products[i], bulk), nil
			}
			return nil, nil
		}),
		"productsCount": read("productsCount", func(args map[string]any) (any, error) {
			if q, _ := stringArg(args, "query"); q != "" {
				return nil, unsupported("productsCount(query:)")
			}
			n, precision := len(sh.products), "EXACT"
			limit, ok := intArg(args, "limit")
			if !ok {
				limit = 10000
			}
			if n > limit {
				n, precision = limit, "AT_LEAST"
			}
			return &object{typename: "Count", fields: map[string]any{"count": n, "precision": precision}}, nil
		}),
		"currentBulkOperation": func(args map[string]any) (any, error) {
			if t, _ := stringArg(args, "type"); t == "MUTATION" || len(sh.bulks) == 0 {
				return nil, nil
			}
			return s.bulkObject(sh.bulks[len(sh.bulks)-1], r), nil
		},
		"webhookSubscriptions": func(args map[string]any) (any, error) {
			if q, _ := stringArg(args, "query"); q != "" {
				return nil, unsupported("webhookSubscriptions(query:)")
			}
			addr, _ := stringArg(args, "callbackUrl")
			format, _ := stringArg(args, "format")
			topics, _ := args["topics"].([]any)
			var items []item
			for _, sub := range sh.subs {
				if (addr != "" && sub.address != addr) || (format != "" && format != "JSON") ||
					(len(topics) > 0 && !slices.Contains(topics, any(sub.topic))) {
					continue
				}
				items = append(items, item{key: anyGIDNumber(sub.id), obj: func() *object { return subscriptionObject(sub) }})
			}
			return paginate("WebhookSubscriptionConnection", items, args, bulk)
		},
		"webhookSubscription": func(args map[string]any) (any, error) {
			id, _ := stringArg(args, "id")
			for _, sub := range sh.subs {
				if sub.id == id {
					return subscriptionObject(sub), nil
				}
			}
			return nil, nil
		},
	}}
}

func (s *Server) shopObject(sh *shop) *object {
	return &object{typename: "Shop", fields: map[string]any{
		"id":              gid(kindShop, sh.id),
		"name":            sh.name,
		"myshopifyDomain": sh.domain,
		"email":           "owner@" + sh.domain,
		"contactEmail":    "owner@" + sh.domain,
		"currencyCode":    "USD",
		"url":             "https://" + sh.domain,
		"ianaTimezone":    "UTC",
	}}
}

// item is one element of a connection: its sort key and its object.
type item struct {
	key int64
	obj func() *object
}

type cursor struct {
	LastID    int64 `json:"last_id"`
	LastValue int64 `json:"last_value"`
}

func encodeCursor(key int64) string {
	b, _ := json.Marshal(cursor{LastID: key, LastValue: key})
	return base64.StdEncoding.EncodeToString(b)
}

func decodeCursor(s string) (int64, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.LastValue <= 0 {
		return 0, errorf("BAD_REQUEST", "Invalid cursor for current pagination sort.")
	}
	return c.LastValue, nil
}

// paginate makes a connection of items (sorted by key) following first,
// after, last, before and reverse; in bulk mode it holds every item.
func paginate(typename string, items []item, args map[string]any, bulk bool) (*object, error) {
	list := slices.Clone(items)
	reverse, _ := args["reverse"].(bool)
	if reverse {
		slices.Reverse(list)
	}
	after, _ := stringArg(args, "after")
	before, _ := stringArg(args, "before")
	if after != "" {
		k, err := decodeCursor(after)
		if err != nil {
			return nil, err
		}
		list = slices.DeleteFunc(list, func(it item) bool { return (!reverse && it.key <= k) || (reverse && it.key >= k) })
	}
	if before != "" {
		k, err := decodeCursor(before)
		if err != nil {
			return nil, err
		}
		list = slices.DeleteFunc(list, func(it item) bool { return (!reverse && it.key >= k) || (reverse && it.key <= k) })
	}
	hasNext, hasPrev := false, after != ""
	if !bulk {
		n, err := pageSize(args)
		if err != nil {
			return nil, errorf("BAD_REQUEST", "%s", err.Error())
		}
		if _, first := intArg(args, "first"); first {
			hasNext = len(list) > n || before != ""
			list = list[:min(n, len(list))]
		} else {
			hasPrev = len(list) > n
			hasNext = before != ""
			list = list[max(0, len(list)-n):]
		}
	}
	edgeType := strings.TrimSuffix(typename, "Connection") + "Edge"
	nodes := make([]*object, len(list))
	edges := make([]*object, len(list))
	for i, it := range list {
		nodes[i] = it.obj()
		edges[i] = &object{typename: edgeType, fields: map[string]any{"cursor": encodeCursor(it.key), "node": nodes[i]}}
	}
	info := map[string]any{"hasNextPage": hasNext, "hasPreviousPage": hasPrev, "startCursor": nil, "endCursor": nil}
	if len(list) > 0 {
		info["startCursor"] = encodeCursor(list[0].key)
		info["endCursor"] = encodeCursor(list[len(list)-1].key)
	}
	return &object{typename: typename, fields: map[string]any{
		"edges":    edges,
		"nodes":    nodes,
		"pageInfo": &object{typename: "PageInfo", fields: info},
	}}, nil
}

func (s *Server) productObject(p *Product, bulk bool) *object {
	var category any
	if p.Category != "" {
		category = &object{typename: "TaxonomyCategory", fields: map[string]any{
			"id": categoryID(p.Category), "fullName": p.Category, "name": categoryName(p.Category),
			"isLeaf": true, "isRoot": false, "level": strings.Count(p.Category, ">") + 1,
		}}
	}
	total := 0
	for _, v := range p.Variants {
		if v.InventoryQuantity != nil {
			total += *v.InventoryQuantity
		}
	}
	return &object{typename: "Product", fields: map[string]any{
		"id":               p.ID,
		"legacyResourceId": legacyID(p.ID),
		"handle":           p.Handle,
		"title":            p.Title,
		"descriptionHtml":  p.DescriptionHTML,
		"description":      plainText(p.DescriptionHTML),
		"vendor":           p.Vendor,
		"productType":      p.ProductType,
		"tags":             slices.Clone(p.Tags),
		"status":           p.Status,
		"createdAt":        ts(p.CreatedAt),
		"updatedAt":        ts(p.UpdatedAt),
		"publishedAt":      ts(p.CreatedAt),
		"templateSuffix":   nil,
		"onlineStoreUrl":   nil,
		"isGiftCard":       false,
		"totalInventory":   total,
		"hasOnlyDefaultVariant": len(p.Variants) == 1 && len(p.Options) == 1 &&
			p.Options[0].Name == "Title" && len(p.Variants[0].OptionValues) == 1 && p.Variants[0].OptionValues[0] == "Default Title",
		"seo": &object{typename: "SEO", fields: map[string]any{
			"title": nilIfEmpty(p.SEOTitle), "description": nilIfEmpty(p.SEODescription),
		}},
		"category": category,
		"options": resolveFunc(func(args map[string]any) (any, error) {
			n, ok := intArg(args, "first")
			if !ok || n > len(p.Options) {
				n = len(p.Options)
			}
			n = max(n, 0)
			out := make([]*object, 0, n)
			for i, o := range p.Options[:n] {
				out = append(out, &object{typename: "ProductOption", fields: map[string]any{
					"id":       fmt.Sprintf("gid://shopify/ProductOption/%d%02d", anyGIDNumber(p.ID), i+1),
					"name":     o.Name,
					"position": i + 1,
					"values":   slices.Clone(o.Values),
				}})
			}
			return out, nil
		}),
		"variants": resolveFunc(func(args map[string]any) (any, error) {
			if k, _ := stringArg(args, "sortKey"); k != "" && k != "POSITION" {
				return nil, unsupported("variants(sortKey: %s)", k)
			}
			items := make([]item, len(p.Variants))
			for i, v := range p.Variants {
				items[i] = item{key: int64(i + 1), obj: func() *object { return variantObject(p, v, i) }}
			}
			return paginate("ProductVariantConnection", items, args, bulk)
		}),
		"media": resolveFunc(func(args map[string]any) (any, error) {
			if q, _ := stringArg(args, "query"); q != "" {
				return nil, unsupported("media(query:)")
			}
			if k, _ := stringArg(args, "sortKey"); k != "" && k != "POSITION" {
				return nil, unsupported("media(sortKey: %s)", k)
			}
			items := make([]item, len(p.Media))
			for i, m := range p.Media {
				items[i] = item{key: int64(i + 1), obj: func() *object { return mediaObject(m, p) }}
			}
			return paginate("MediaConnection", items, args, bulk)
		}),
	}}
}

func variantObject(p *Product, v Variant, i int) *object {
	var qty any
	if v.InventoryQuantity != nil {
		qty = *v.InventoryQuantity
	}
	selected := make([]*object, 0, len(p.Options))
	for _, so := range p.selectedOptions(v) {
		selected = append(selected, &object{typename: "SelectedOption", fields: map[string]any{"name": so[0], "value": so[1]}})
	}
	return &object{typename: "ProductVariant", fields: map[string]any{
		"id":                v.ID,
		"legacyResourceId":  legacyID(v.ID),
		"title":             variantTitle(v),
		"displayName":       p.Title + " - " + variantTitle(v),
		"sku":               v.SKU,
		"barcode":           nilIfEmpty(v.Barcode),
		"price":             v.Price,
		"compareAtPrice":    nilIfEmpty(v.CompareAtPrice),
		"inventoryQuantity": qty,
		"selectedOptions":   selected,
		"position":          i + 1,
		"availableForSale":  true,
		"taxable":           true,
		"image":             nil,
		"createdAt":         ts(p.CreatedAt),
		"updatedAt":         ts(p.UpdatedAt),
	}}
}

func imageObject(m Media) *object {
	var w, h any
	if m.Width > 0 {
		w = m.Width
	}
	if m.Height > 0 {
		h = m.Height
	}
	return &object{typename: "Image", fields: map[string]any{
		"id":      fmt.Sprintf("gid://shopify/ImageSource/%d", anyGIDNumber(m.ID)),
		"url":     m.URL,
		"altText": nilIfEmpty(m.Alt),
		"width":   w,
		"height":  h,
	}}
}

func mediaObject(m Media, p *Product) *object {
	img := imageObject(m)
	return &object{typename: "MediaImage", fields: map[string]any{
		"id":               m.ID,
		"alt":              m.Alt,
		"mediaContentType": "IMAGE",
		"status":           "READY",
		"fileStatus":       "READY",
		"image":            img,
		"preview":          &object{typename: "MediaPreviewImage", fields: map[string]any{"image": img, "status": "READY"}},
		"createdAt":        ts(p.CreatedAt),
		"updatedAt":        ts(p.UpdatedAt),
	}}
}

func userErrorObject(typename, code string, field []string, msg string) *object {
	f := map[string]any{"field": field, "message": msg}
	if typename != "UserError" {
		f["code"] = nilIfEmpty(code)
	}
	return &object{typename: typename, fields: f}
}

// mutationRoot holds the mutations the fake executes.
func (s *Server) mutationRoot(sh *shop, scopes []string, pending *[]pendingHook, r *http.Request) *object {
	now := s.now()
	return &object{typename: "Mutation", fields: map[string]any{
		"productUpdate": require(scopes, "write_products", "productUpdate", func(args map[string]any) (any, error) {
			return s.productUpdate(sh, args, now, pending)
		}),
		"fileUpdate": resolveFunc(func(args map[string]any) (any, error) {
			// Shopify asks for write_files (or write_themes); the fake also
			// accepts write_products, which is what PlutoPro asks for.
			if !hasScope(scopes, "write_files") && !hasScope(scopes, "write_products") && !hasScope(scopes, "write_themes") {
				return nil, errorf("ACCESS_DENIED", "Access denied for fileUpdate field. Required access: `write_files` access scope.")
			}
			return s.fileUpdate(sh, args, now, pending)
		}),
		"webhookSubscriptionCreate": resolveFunc(func(args map[string]any) (any, error) {
			return s.webhookCreate(sh, scopes, args, now)
		}),
		"webhookSubscriptionDelete": resolveFunc(func(args map[string]any) (any, error) {
			id, _ := stringArg(args, "id")
			payload := map[string]any{"deletedWebhookSubscriptionId": nil, "userErrors": []*object{}}
			i := slices.IndexFunc(sh.subs, func(x *subscription) bool { return x.id == id })
			if i < 0 {
				payload["userErrors"] = []*object{userErrorObject("UserError", "", []string{"id"}, "Webhook subscription does not exist")}
			} else {
				sh.subs = slices.Delete(sh.subs, i, i+1)
				payload["deletedWebhookSubscriptionId"] = id
			}
			return &object{typename: "WebhookSubscriptionDeletePayload", fields: payload}, nil
		}),
		"bulkOperationRunQuery": require(scopes, "read_products", "bulkOperationRunQuery", func(args map[string]any) (any, error) {
			return s.bulkRun(sh, scopes, args, now, r)
		}),
	}}
}

func (s *Server) productUpdate(sh *shop, args map[string]any, now time.Time, pending *[]pendingHook) (any, error) {
	if media, _ := args["media"].([]any); len(media) > 0 {
		return nil, unsupported("productUpdate(media:)")
	}
	in, _ := args["product"].(map[string]any)
	payload := func(p *Product, errs ...*object) (any, error) {
		f := map[string]any{"product": nil, "userErrors": errs}
		if errs == nil {
			f["userErrors"] = []*object{}
		}
		if p != nil {
			f["product"] = s.productObject(p, false)
		}
		return &object{typename: "ProductUpdatePayload", fields: f}, nil
	}
	for k := range in {
		switch k {
		case "id", "title", "descriptionHtml", "seo", "tags", "handle", "vendor", "productType", "status":
		default:
			return nil, unsupported("ProductUpdateInput.%s", k)
		}
	}
	id, _ := in["id"].(string)
	if id == "" {
		return payload(nil, userErrorObject("UserError", "", []string{"id"}, "Product id must be specified"))
	}
	i := sh.productIndex(id)
	if i < 0 {
		return payload(nil, userErrorObject("UserError", "", []string{"id"}, "Product does not exist"))
	}
	p := sh.products[i].clone()
	str := func(k string, dst *string) {
		if v, ok := in[k]; ok {
			s, _ := v.(string)
			*dst = s
		}
	}
	str("title", &p.Title)
	str("descriptionHtml", &p.DescriptionHTML)
	str("vendor", &p.Vendor)
	str("productType", &p.ProductType)
	str("status", &p.Status)
	if v, ok := in["handle"]; ok {
		h, _ := v.(string)
		h = slugify(h)
		if j := slices.IndexFunc(sh.products, func(x *Product) bool { return x.Handle == h }); j >= 0 && j != i {
			return payload(nil, userErrorObject("UserError", "", []string{"handle"}, fmt.Sprintf("Handle '%s' already in use. Please provide a new handle.", h)))
		}
		p.Handle = h
	}
	if v, ok := in["seo"]; ok {
		seo, _ := v.(map[string]any)
		if t, ok := seo["title"]; ok {
			p.SEOTitle, _ = t.(string)
		}
		if d, ok := seo["description"]; ok {
			p.SEODescription, _ = d.(string)
		}
	}
	if v, ok := in["tags"]; ok {
		var tags []string
		switch v := v.(type) {
		case []any:
			for _, t := range v {
				if t, ok := t.(string); ok {
					tags = append(tags, t)
				}
			}
		case []string:
			tags = v
		}
		p.Tags = normalizeTags(tags)
	}
	if msg := productProblem(p); msg != "" {
		field := "title"
		if strings.HasPrefix(msg, "Tags") {
			field = "tags"
		}
		return payload(nil, userErrorObject("UserError", "", []string{field}, msg))
	}
	p.UpdatedAt = now.UTC().Truncate(time.Second)
	sh.products[i] = p
	*pending = append(*pending, pendingHook{topic: "products/update", payload: restProduct(p)})
	return payload(p)
}

// maxAlt is the longest alt text Shopify stores.
const maxAlt = 512

func (s *Server) fileUpdate(sh *shop, args map[string]any, now time.Time, pending *[]pendingHook) (any, error) {
	files, _ := args["files"].([]any)
	type change struct {
		product, media int
		alt            string
	}
	var changes []change
	var errs []*object
	for n, f := range files {
		in, _ := f.(map[string]any)
		for k := range in {
			if k != "id" && k != "alt" {
				return nil, unsupported("FileUpdateInput.%s", k)
			}
		}
		id, _ := in["id"].(string)
		pi, mi := -1, -1
		for i, p := range sh.products {
			if j := slices.IndexFunc(p.Media, func(m Media) bool { return m.ID == id }); j >= 0 {
				pi, mi = i, j
				break
			}
		}
		idx := strconv.Itoa(n)
		if pi < 0 {
			errs = append(errs, userErrorObject("FilesUserError", "FILE_DOES_NOT_EXIST", []string{"files", idx, "id"}, fmt.Sprintf("File id %s does not exist.", id)))
			continue
		}
		alt, hasAlt := in["alt"].(string)
		if !hasAlt {
			alt = sh.products[pi].Media[mi].Alt
		}
		if len([]rune(alt)) > maxAlt {
			errs = append(errs, userErrorObject("FilesUserError", "ALT_VALUE_LIMIT_EXCEEDED", []string{"files", idx, "alt"}, fmt.Sprintf("The alt value exceeds the %d character limit.", maxAlt)))
			continue
		}
		changes = append(changes, change{pi, mi, alt})
	}
	if len(errs) > 0 {
		return &object{typename: "FileUpdatePayload", fields: map[string]any{"files": nil, "userErrors": errs}}, nil
	}
	touched := map[int]bool{}
	out := make([]*object, 0, len(changes))
	for _, c := range changes {
		if !touched[c.product] {
			sh.products[c.product] = sh.products[c.product].clone()
			touched[c.product] = true
		}
		p := sh.products[c.product]
		p.Media[c.media].Alt = c.alt
		p.UpdatedAt = now.UTC().Truncate(time.Second)
		out = append(out, mediaObject(p.Media[c.media], p))
	}
	for i := range sh.products {
		if touched[i] {
			*pending = append(*pending, pendingHook{topic: "products/update", payload: restProduct(sh.products[i])})
		}
	}
	return &object{typename: "FileUpdatePayload", fields: map[string]any{"files": out, "userErrors": []*object{}}}, nil
}

// subscription is a webhook subscription.
type subscription struct {
	id        string
	topic     string // GraphQL enum, PRODUCTS_UPDATE
	address   string
	createdAt time.Time
}

func subscriptionObject(sub *subscription) *object {
	endpoint := &object{typename: "WebhookHttpEndpoint", fields: map[string]any{"callbackUrl": sub.address}}
	return &object{typename: "WebhookSubscription", fields: map[string]any{
		"id":                  sub.id,
		"legacyResourceId":    legacyID(sub.id),
		"topic":               sub.topic,
		"format":              "JSON",
		"callbackUrl":         sub.address,
		"endpoint":            endpoint,
		"includeFields":       []string{},
		"metafieldNamespaces": []string{},
		"filter":              nil,
		"createdAt":           ts(sub.createdAt),
		"updatedAt":           ts(sub.createdAt),
		"apiVersion": &object{typename: "ApiVersion", fields: map[string]any{
			"handle": adminschema.Version, "displayName": adminschema.Version, "supported": true,
		}},
	}}
}

// topicScopes are the scopes subscribing to a topic needs.
var topicScopes = map[string]string{
	"PRODUCTS_CREATE": "read_products",
	"PRODUCTS_UPDATE": "read_products",
	"PRODUCTS_DELETE": "read_products",
}

func (s *Server) webhookCreate(sh *shop, scopes []string, args map[string]any, now time.Time) (any, error) {
	topic, _ := stringArg(args, "topic")
	in, _ := args["webhookSubscription"].(map[string]any)
	for k := range in {
		if k != "callbackUrl" && k != "format" {
			return nil, unsupported("WebhookSubscriptionInput.%s", k)
		}
	}
	fail := func(field []string, msg string) (any, error) {
		return &object{typename: "WebhookSubscriptionCreatePayload", fields: map[string]any{
			"webhookSubscription": nil,
			"userErrors":          []*object{userErrorObject("UserError", "", field, msg)},
		}}, nil
	}
	if f, _ := in["format"].(string); f != "" && f != "JSON" {
		return nil, unsupported("webhook format %s", f)
	}
	if sc, ok := topicScopes[topic]; ok && !hasScope(scopes, sc) {
		return fail([]string{"topic"}, fmt.Sprintf("Access denied for topic %s. Required access: `%s` access scope.", topic, sc))
	}
	addr, _ := in["callbackUrl"].(string)
	if addr == "" {
		return fail([]string{"webhookSubscription", "callbackUrl"}, "Address can't be blank")
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname()))) {
		return fail([]string{"webhookSubscription", "callbackUrl"}, "Address is invalid")
	}
	if slices.ContainsFunc(sh.subs, func(x *subscription) bool { return x.topic == topic && x.address == addr }) {
		return fail([]string{"webhookSubscription", "callbackUrl"}, "Address for this topic has already been taken")
	}
	sub := &subscription{id: gid(kindSubscription, s.newNum(kindSubscription)), topic: topic, address: addr, createdAt: now}
	sh.subs = append(sh.subs, sub)
	return &object{typename: "WebhookSubscriptionCreatePayload", fields: map[string]any{
		"webhookSubscription": subscriptionObject(sub),
		"userErrors":          []*object{},
	}}, nil
}

// loopback reports whether host is this machine (plain http is allowed
// there, for tests and the sandbox; Shopify itself wants https).
func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
