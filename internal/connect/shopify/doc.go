// Package shopify is PlutoPro's Shopify connector (connect.Connector): the
// authorization-code grant with expiring offline tokens, the GraphQL Admin
// API (pinned to 2025-01) for reading products and writing content back,
// bulk operations for large catalogs, and webhooks.
//
// # Authorization
//
// BeginAuth validates the shop (name.myshopify.com) and returns
// {shop}/admin/oauth/authorize with client_id, scope, redirect_uri, state
// and an empty grant_options[] (offline access). CompleteAuth checks the
// callback's hex HMAC-SHA256 over the other parameters (sorted,
// form-encoded), its timestamp (within 90 s of Options.Now) and that its
// shop is the one the flow started for, then POSTs the code as JSON to
// {shop}/admin/oauth/access_token with "expiring":"1": the answer is a
// shpat_ access token valid 3600 s and a shprt_ refresh token (90 days).
// Refresh trades the refresh token (grant_type refresh_token) for a new
// pair; the refresh token rotates, so the caller must store the returned
// credentials. Errors never hold a token or the client secret.
//
// # Reading and writing
//
// Every GraphQL document the client sends is a constant (Documents lists
// them). ListProducts pages through products 20 at a time (the page size
// keeps the requested cost under Shopify's 1000-point single-query limit
// with ten variants and ten media inline; the rest of a product's
// variants and media are read with follow-up queries). ListAllBulk reads
// the whole catalog with a bulk operation and its JSONL result; ListAll
// picks pages or bulk by the product count (Options.BulkThreshold).
// Update uses productUpdate(product: ProductUpdateInput) and fileUpdate,
// checks userErrors and reads the product back.
//
// Every call waits out THROTTLED answers for (requested cost − currently
// available) / restore rate, as extensions.cost.throttleStatus reports,
// and retries 5xx answers and dropped connections with backoff up to
// Options.MaxAttempts tries. A 401 is connect.ErrUnauthorized; other
// refusals are *connect.StoreError with Shopify's message.
//
// # Pointing it at the fake
//
// The client reaches a shop at Options.BaseURL(shop) (default
// "https://"+shop). internal/fakes/shopifyfake serves every shop it knows
// under {fake URL}/shops/{shop}; pass its BaseURL method:
//
//	fake := shopifyfake.New(shopifyfake.Options{ClientID: id, ClientSecret: secret})
//	client := shopify.New(shopify.Options{ClientID: id, ClientSecret: secret, BaseURL: fake.BaseURL})
package shopify
