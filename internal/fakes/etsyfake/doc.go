// Package etsyfake is a stateful fake of Etsy's Open API v3 for one shop,
// served by an httptest server (New) or by any http.Server (NewUnstarted,
// for `plutopro serve --sandbox`). It speaks the wire format written down in
// shared/reference/stores.md section 2; where that reference is unsure the
// choice made here is said below, so it can be re-checked.
//
// # Endpoints
//
//   - GET /oauth/connect (www.etsy.com in production): validates
//     response_type=code, client_id (the keystring), redirect_uri (absolute;
//     one of Options.RedirectURIs when set), scope (space-separated, known
//     scopes), state (required) and code_challenge with
//     code_challenge_method=S256, then consents at once, as a sandbox seller
//     would, and answers 302 to redirect_uri?code=...&state=.... A bad
//     client_id or redirect_uri gets a 400 page (there is nowhere safe to
//     redirect); other problems, and a refusal (SetConsent(false)), redirect
//     with error, error_description and state.
//   - POST /v3/public/oauth/token, form-encoded: grant_type
//     authorization_code (client_id, redirect_uri, code, code_verifier;
//     the verifier must hash to the challenge) or refresh_token (client_id,
//     refresh_token). Tokens look like Etsy's, "<user_id>.<random>";
//     access tokens live Options.AccessTokenTTL (default 1 h), refresh
//     tokens 90 days, codes 10 minutes and once. A refresh rotates: the old
//     refresh token is revoked. Errors are {"error": "invalid_grant",
//     "error_description": "..."} with 400 (401 invalid_client).
//   - GET /v3/application/users/me: {"user_id", "shop_id"}.
//   - GET /v3/application/shops/{shop_id}: the shop (shop_id, shop_name,
//     user_id, url, currency_code, listing_active_count).
//   - GET /v3/application/shops/{shop_id}/listings: state (default active),
//     limit 1..100 (default 25), offset, includes (Images, Inventory and the
//     other documented names; comma-separated or repeated) → {count,
//     results}, newest created first. Needs scope listings_r.
//   - GET /v3/application/listings/{listing_id}?includes=...: one listing,
//     404 when there is none.
//   - GET /v3/application/listings/{listing_id}/images: {count, results}.
//   - PATCH /v3/application/shops/{shop_id}/listings/{listing_id},
//     x-www-form-urlencoded: title, description, tags and materials (each
//     list one comma-separated value, as Etsy really reads it; when a field
//     is repeated the last value wins, which is how Etsy treats an
//     array-style body). Other documented fields are accepted and ignored.
//     Validation: the title is 1..140 characters (the length is unverified)
//     of letters, digits, punctuation, maths symbols, spaces, ™ © ®, with
//     % : & + at most once each; at most 13 tags of at most 20 characters,
//     letters, digits, spaces, - ' ™ © ®, no duplicates; materials letters,
//     digits and spaces. Refusals are 400 {"error": "There was a problem
//     with /tags : ..."}. Needs scope listings_w. Answers the listing.
//   - POST /v3/application/shops/{shop_id}/listings/{listing_id}/images,
//     multipart: listing_image_id and alt_text (≤ 500 characters) set the
//     alt text of one of the listing's images and answer 201 with the image.
//     Whether real Etsy edits alt text this way is unverified; uploading an
//     image file is not supported by the fake (400).
//
// # Authentication
//
// Every /v3/application request needs x-api-key "keystring:shared_secret":
// the keystring alone is refused 403 "Shared secret is required in
// x-api-key header." (Etsy's message), anything else 403 "Invalid API key".
// The token endpoint checks x-api-key only when it is sent (client_id in the
// form names the app). Requests other than getListing, getListingImages and
// getShop (public with the key alone) also need "Authorization: Bearer
// <user_id>.<token>", whose user id prefix must be the token's; otherwise
// 401 {"error": "invalid_token", "error_description": "..."}. Scopes are
// enforced: listings_r to list the shop, listings_w to write (403).
//
// # Rate limits
//
// Requests to /v3/application count against the app's quota: at most
// Options.PerSecond per clock second (fixed windows, default 10) and
// Options.PerDay in any 24 hours (a sliding window, default 10,000). Every
// answer that is not a 429 carries x-limit-per-second,
// x-remaining-this-second, x-limit-per-day and x-remaining-today. Past the
// quota the answer is 429 with no rate headers and no retry-after (as
// Etsy's older documentation describes); injected Throttle faults answer
// 429 with retry-after. A 429 does not use quota.
//
// # Faults
//
// Options.Faults (see faultplan) applies to every request but
// GET /oauth/connect: Throttle → 429 with retry-after, ServerError → 500,
// Unavailable → 503, Drop → the connection is closed without an answer.
// Faults are drawn before anything else, so a failed call changes nothing.
package etsyfake
