// Package shopifyfake is a stateful fake of the Shopify Admin API, served
// by an httptest server (New) or as an http.Handler (NewUnstarted, for
// `plutopro serve --sandbox`), for the Shopify connector
// (internal/connect/shopify) to be tested and demonstrated against.
//
// # Shops
//
// The fake serves each shop it knows under {URL}/shops/{shop}/, so one
// fake holds several stores: Options.Shop (default DefaultShop,
// "plutopro-sandbox.myshopify.com") seeded with Options.Products, and any
// added with AddShop. The seeded shop is also served at the root
// ({URL}/admin/…). Point the client at it with
// shopify.Options{BaseURL: fake.BaseURL}. Unknown shops answer 404.
//
// # Routes
//
//   - GET {shop}/admin/oauth/authorize: checks client_id, redirect_uri
//     (Options.RedirectURIs, or any http(s) URI) and scope, then consents
//     at once, as a sandbox merchant would: 302 to redirect_uri with code,
//     hmac, host, shop, state and timestamp (hex HMAC-SHA256 with the
//     client secret over the others, sorted and form-encoded).
//   - POST {shop}/admin/oauth/access_token (JSON or form): a code (single
//     use, 10 minutes) for a shpat_ token; with "expiring":"1" the token
//     lasts Options.AccessTokenTTL and comes with a shprt_ refresh token
//     (90 days). grant_type refresh_token rotates: a new pair, and the old
//     refresh token stops working once the new one is used. Bad codes and
//     refresh tokens answer 400 {"error":"invalid_grant"}.
//   - POST {shop}/admin/api/{version}/graphql.json with
//     X-Shopify-Access-Token: every document is parsed and validated
//     against Shopify's real Admin schema (2025-01, see adminschema);
//     invalid ones answer HTTP 200 with errors, as Shopify does. Unknown,
//     expired or revoked tokens answer 401.
//   - GET /bulk/{key}.jsonl: a bulk operation's result (no token needed,
//     like Shopify's signed URLs).
//
// # GraphQL
//
// The fake executes the operations against its state with a small
// GraphQL executor (fragments, aliases, @skip/@include, variables): the
// query fields shop, products (first/after/last/before/reverse, by id),
// product(id:), productsCount, webhookSubscriptions, webhookSubscription,
// currentBulkOperation; the mutations productUpdate (title,
// descriptionHtml, seo, tags, handle, vendor, productType, status),
// fileUpdate (alt), webhookSubscriptionCreate, webhookSubscriptionDelete
// and bulkOperationRunQuery. Product, ProductVariant, MediaImage and the
// rest carry the fields the Shopify client reads and a few more; a field
// or argument the fake does not implement is a GraphQL error saying so,
// never a silent null. userErrors come as Shopify words them ("Title
// can't be blank", FILE_DOES_NOT_EXIST, ALT_VALUE_LIMIT_EXCEEDED,
// "Address for this topic has already been taken", OPERATION_IN_PROGRESS).
//
// # Query cost
//
// Every answer carries extensions.cost. The requested cost is computed as
// Shopify documents it: scalars and enums 0, objects 1, connections 2 +
// first (or last) × the node's cost, mutations 10 per field; more than
// MaxQueryCost (1000) is refused with MAX_COST_EXCEEDED. Each shop has a
// leaky bucket (Options.BucketSize points, refilled at
// Options.RestoreRate per second on the clock): the requested cost is
// taken before running and the unused part (requested − actual) given
// back; when the bucket holds less than the requested cost the answer is
// THROTTLED at HTTP 200.
//
// # Bulk operations
//
// bulkOperationRunQuery validates the inner query (one query, at least
// one and at most five connections, nested at most two deep) and runs it
// at once on the current state, writing JSONL in Shopify's shape (nested
// connections' nodes on their own lines with __parentId, after their
// parent). The operation reports RUNNING until Options.BulkDelay has
// passed on the clock, then COMPLETED with the file's URL. One runs at a
// time per shop.
//
// # Webhooks
//
// Subscriptions (https callbacks, or plain http to localhost) receive
// products/create, products/update, products/delete and app/uninstalled,
// signed with the client secret (X-Shopify-Hmac-Sha256, base64) with
// Shopify's headers. Changes made through the API are delivered in the
// background (WaitWebhooks waits for them); the test helpers EditProduct,
// AddProduct, DeleteProduct, Uninstall and SendPrivacyWebhook deliver
// before they return.
//
// # Faults
//
// Options.Faults (or SetFaults, FailNext) injects faultplan faults into
// any call: Throttle answers THROTTLED at HTTP 200 on GraphQL, draining
// the bucket to max(0, cost − RetryAfter × restore rate), so that the
// client's (cost − available) / restore rate wait is the fault's
// RetryAfter, or cost / restore rate for a cheaper query (429 with
// Retry-After elsewhere); ServerError
// answers 500, Unavailable 503, and Drop closes the connection without an
// answer. Faults are drawn before the request is handled, so a failed
// call changes nothing.
//
// # Test helpers
//
// Shop, Shops, ShopURL and BaseURL say where the stores are; AddShop adds
// one. Product (by gid, a copy), Products and ShopProducts read the
// state; EditProduct, AddProduct and DeleteProduct change it as a
// merchant would, delivering the webhooks. Uninstall revokes a shop's
// tokens and delivers app/uninstalled; SendPrivacyWebhook delivers
// customers/data_request, customers/redact or shop/redact. IssueToken
// skips the OAuth dance; RevokeTokens revokes. Requests (without secrets),
// Deliveries, Subscriptions and Injected show what happened; SetFaults and
// FailNext plan failures. ManualClock is a clock for Options.Now whose
// Sleep moves it, for the client's Options.Sleep.
//
// # Sandbox
//
//	fake := shopifyfake.NewUnstarted(shopifyfake.Options{
//		ClientID: id, ClientSecret: secret, Products: seed,
//		PublicURL: publicURL + "/shopify-sandbox",
//	})
//	mux.Handle("/shopify-sandbox/", http.StripPrefix("/shopify-sandbox", fake))
//	client := shopify.New(shopify.Options{
//		ClientID: id, ClientSecret: secret,
//		BaseURL:  func(shop string) string { return publicURL + "/shopify-sandbox/shops/" + shop },
//	})
package shopifyfake
