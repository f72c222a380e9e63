// Package amazonfake is a stateful fake of Amazon's Selling Partner API,
// its Login with Amazon (LWA) token endpoint and Seller Central's consent
// page, on one host, for tests and `plutopro serve --sandbox`. It speaks
// the wire format of Amazon's official models, embedded in models/
// (Apache-2.0, models/LICENSE), and checks traffic against them.
//
// It serves:
//
//   - GET /apps/authorize/consent?application_id=&state=&redirect_uri=
//     [&version=beta]: consents at once, like a sandbox seller, and
//     redirects (302) to redirect_uri with state, selling_partner_id and
//     spapi_oauth_code (valid CodeTTL, five minutes, once);
//   - POST /auth/o2/token (form-encoded): grant_type authorization_code
//     (code, redirect_uri as given to the consent page) or refresh_token,
//     with client_id and client_secret; answers {access_token "Atza|…",
//     refresh_token "Atzr|…", token_type bearer, expires_in 3600} or LWA's
//     {error, error_description}: invalid_client (401), invalid_grant,
//     invalid_request, unsupported_grant_type (400);
//   - the Reports API 2021-06-30: createReport (GET_MERCHANT_LISTINGS_ALL_DATA
//     and GET_MERCHANT_LISTINGS_DATA), getReport (IN_QUEUE, IN_PROGRESS, then
//     DONE after Options.ReportDelay; FailNextReport makes one FATAL or
//     CANCELLED), getReportDocument, and GET /download/{id}, the presigned
//     document URL (valid DocumentURLTTL; tab-separated, gzip with
//     Options.GzipReports);
//   - the Listings Items API 2021-08-01: getListingsItem (includedData
//     summaries, attributes, issues, offers, fulfillmentAvailability,
//     productTypes) and patchListingsItem (add, replace, merge and delete
//     of /attributes/{name}; mode=VALIDATION_PREVIEW);
//   - searchDefinitionsProductTypes (the product types of the listings).
//
// # Checks against the models
//
// Every SP-API request needs a live x-amz-access-token (else 403
// Unauthorized, "Access to requested resource is denied."), the sellerId of
// the path must be the token's seller, and the operation's usage plan must
// have a token (else 429 QuotaExceeded). Then its parameters and body are
// checked against the model (required query parameters, enums, the
// ListingsItemPatchRequest and CreateReportSpecification schemas) with a
// small JSON-schema subset validator; a request that does not conform
// answers 400 {"errors":[{"code":"InvalidInput",…}]}. Each answer is
// checked against the model's response schema for its status, and any
// mismatch is kept for Violations, which tests expect empty.
//
// # Patches
//
// A patch is checked before anything is applied. A value breaking a rule
// (item_name over MaxItemName characters or empty, more than
// MaxBulletPoints bullets or one over MaxBulletPoint characters,
// product_description over MaxProductDescription characters, a
// marketplace_id that is not the seller's, a text value without
// language_tag), a product type that is not the listing's, a path that is
// not /attributes/{name} or an unknown op makes the submission INVALID
// with issues, and nothing changes. Otherwise it is ACCEPTED with a
// submissionId and applied at once (Amazon takes minutes). generic_keyword
// over MaxGenericKeyword bytes is accepted with a WARNING issue.
//
// # Usage plans
//
// Each operation has a token bucket with the model's default usage plan
// (DefaultRateLimits: getListingsItem 5/s burst 10, patchListingsItem 5/5,
// createReport 0.0167/15, getReport 2/15, getReportDocument 0.0167/15),
// refilled on Options.Now; Options.RateScale and Options.RateLimits raise
// them for fast tests and the sandbox. Answers carry x-amzn-RequestId and
// x-amzn-RateLimit-Limit.
//
// # Faults
//
// Options.Faults (a faultplan.Plan, also Server.Faults) injects failures in
// each endpoint's format: Throttle answers 429 QuotaExceeded (LWA:
// slow_down), ServerError 500 InternalFailure, Unavailable 503
// ServiceUnavailable, Drop closes the connection without an answer.
//
// # Sandbox
//
// The sandbox serves NewUnstarted(...) with its own http.Server (or mounts
// it with http.StripPrefix and sets Options.PublicURL to the prefixed URL)
// and points the Amazon client at it: APIBaseURL and SellerCentralURL the
// fake's URL, LWAURL the fake's URL + "/auth/o2/token".
package amazonfake
