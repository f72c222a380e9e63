// Package anthropicfake is a faithful fake of the Anthropic Messages API
// (https://api.anthropic.com), served by an httptest server, that the official
// Go SDK (github.com/anthropics/anthropic-sdk-go/v2) can be pointed at with
// option.WithBaseURL(srv.URL()) and option.WithAPIKey(key).
//
// It is used by tests, benchmarks and `plutopro serve --sandbox`. It speaks
// the wire format documented in shared/reference/services.md section 1:
//
//   - POST /v1/messages (JSON or "stream":true server-sent events)
//   - POST /v1/messages/count_tokens
//   - POST /v1/messages/batches, GET /v1/messages/batches[/{id}[/results]],
//     POST /v1/messages/batches/{id}/cancel, DELETE /v1/messages/batches/{id}
//   - GET /v1/models
//
// # Authentication
//
// A request must carry the key as `x-api-key: KEY` or as
// `Authorization: Bearer KEY` (anthropic-sdk-go v2 sends the latter). With
// Options.APIKey empty any non-empty key is accepted. Every request must also
// carry an `anthropic-version` header.
//
// # Token counting
//
// The fake has no tokenizer. It counts tokens per content block as
// ceil(characters/4) (characters are Unicode code points, see EstimateTokens):
//
//   - a text block (system, user or assistant): its text;
//   - a tool definition: name + description + the canonical JSON of input_schema;
//   - a tool_use block: name + the canonical JSON of input;
//   - a tool_result block: its text content (or canonical JSON of other content);
//   - an image block: ceil(w*h/750) after scaling the long edge down to 1568 px,
//     when the base64 data is a PNG, JPEG or GIF it can decode; 1600 otherwise;
//   - any other block: the canonical JSON of the block.
//
// input tokens are the sum over tools, system and messages (in that order,
// which is also the prompt-caching order). Output tokens are ceil(chars/4) of
// the answer's text (or of the tool input's JSON), at least 1.
//
// # Prompt caching
//
// A cache_control marker on a tool definition, a system block or a message
// content block (or a top-level cache_control, which marks the last block)
// makes a breakpoint. The prefix up to a breakpoint is cached only when it
// counts at least MinCacheTokens (default 1024) tokens; shorter prefixes cache
// nothing, silently. A cache entry is keyed by the model and the exact
// canonical bytes of the prefix (cache_control markers excluded; the
// tool_choice is part of the key of any prefix that reaches into messages),
// lives 5 minutes (or 1 hour with "ttl":"1h") on the injectable clock and is
// refreshed by each hit. On a request the longest cached breakpoint prefix is
// read (cache_read_input_tokens); if the last breakpoint's prefix is not yet
// cached it is written (cache_creation_input_tokens = its tokens minus the
// read ones, split by TTL in usage.cache_creation); input_tokens is the rest.
package anthropicfake
