package anthropicfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// msgReq is a validated POST /v1/messages body.
type msgReq struct {
	model      string
	maxTokens  int
	stream     bool
	system     []map[string]any
	messages   []parsedMsg
	tools      []map[string]any
	toolChoice map[string]any
	format     map[string]any // output_config.format
	topCache   map[string]any // top-level cache_control
}

type parsedMsg struct {
	role   string
	blocks []map[string]any
}

var toolNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func asBlocks(v any, where string) ([]map[string]any, *APIError) {
	switch c := v.(type) {
	case string:
		return []map[string]any{{"type": "text", "text": c}}, nil
	case []any:
		out := make([]map[string]any, 0, len(c))
		for i, x := range c {
			m, ok := x.(map[string]any)
			if !ok {
				return nil, invalid("%s.%d: Input should be a valid dictionary", where, i)
			}
			typ, _ := m["type"].(string)
			if typ == "" {
				return nil, invalid("%s.%d.type: Field required", where, i)
			}
			if typ == "text" {
				if _, ok := m["text"].(string); !ok {
					return nil, invalid("%s.%d.text: Field required", where, i)
				}
			}
			out = append(out, m)
		}
		return out, nil
	case nil:
		return nil, invalid("%s: Field required", where)
	default:
		return nil, invalid("%s: Input should be a valid string or list", where)
	}
}

func intField(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

// parseMessages validates a Messages API body. needMaxTokens is false for
// count_tokens.
func (s *Server) parseMessages(body []byte, needMaxTokens bool) (*msgReq, *APIError) {
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, invalid("The request body is not valid JSON.")
	}
	q := &msgReq{}
	model, _ := raw["model"].(string)
	if model == "" {
		return nil, invalid("model: Field required")
	}
	q.model = model
	if needMaxTokens {
		mt, present := raw["max_tokens"]
		if !present {
			return nil, invalid("max_tokens: Field required")
		}
		n, ok := intField(mt)
		if !ok {
			return nil, invalid("max_tokens: Input should be a valid integer")
		}
		if n < 1 {
			return nil, invalid("max_tokens: Input should be greater than or equal to 1")
		}
		q.maxTokens = n
	}
	q.stream, _ = raw["stream"].(bool)

	msgs, present := raw["messages"]
	if !present {
		return nil, invalid("messages: Field required")
	}
	list, ok := msgs.([]any)
	if !ok {
		return nil, invalid("messages: Input should be a valid list")
	}
	if len(list) == 0 {
		return nil, invalid("messages: at least one message is required")
	}
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, invalid("messages.%d: Input should be a valid dictionary", i)
		}
		role, _ := m["role"].(string)
		if role != "user" && role != "assistant" && role != "system" {
			return nil, invalid("messages.%d.role: Input should be 'user', 'assistant' or 'system'", i)
		}
		blocks, e := asBlocks(m["content"], fmt.Sprintf("messages.%d.content", i))
		if e != nil {
			return nil, e
		}
		q.messages = append(q.messages, parsedMsg{role: role, blocks: blocks})
	}

	if sys, ok := raw["system"]; ok && sys != nil {
		blocks, e := asBlocks(sys, "system")
		if e != nil {
			return nil, e
		}
		for i, b := range blocks {
			if b["type"] != "text" {
				return nil, invalid("system.%d.type: Input should be 'text'", i)
			}
		}
		q.system = blocks
	}

	if tl, ok := raw["tools"]; ok && tl != nil {
		arr, ok := tl.([]any)
		if !ok {
			return nil, invalid("tools: Input should be a valid list")
		}
		for i, x := range arr {
			t, ok := x.(map[string]any)
			if !ok {
				return nil, invalid("tools.%d: Input should be a valid dictionary", i)
			}
			name, _ := t["name"].(string)
			if !toolNameRE.MatchString(name) {
				return nil, invalid("tools.%d.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", i)
			}
			if typ, _ := t["type"].(string); typ == "" || typ == "custom" {
				if _, ok := t["input_schema"].(map[string]any); !ok {
					return nil, invalid("tools.%d.custom.input_schema: Field required", i)
				}
			}
			q.tools = append(q.tools, t)
		}
	}

	if tc, ok := raw["tool_choice"]; ok && tc != nil {
		m, ok := tc.(map[string]any)
		if !ok {
			return nil, invalid("tool_choice: Input should be a valid dictionary")
		}
		typ, _ := m["type"].(string)
		switch typ {
		case "auto", "none":
		case "any", "tool":
			if len(q.tools) == 0 {
				return nil, invalid("tool_choice may only be specified while providing tools.")
			}
			if typ == "tool" {
				name, _ := m["name"].(string)
				if name == "" {
					return nil, invalid("tool_choice.tool.name: Field required")
				}
				if q.tool(name) == nil {
					return nil, invalid("tool_choice.tool.name: tool %q is not among the tools provided", name)
				}
			}
			if slices.Contains(s.opts.RefuseForcedToolFor, q.model) {
				return nil, invalid("tool_choice: forced tool use (type %q) is not supported with model %s. Use tool_choice \"auto\", or output_config.format for structured output.", typ, q.model)
			}
		default:
			return nil, invalid("tool_choice.type: Input tag '%s' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'", typ)
		}
		q.toolChoice = m
	}

	if oc, ok := raw["output_config"].(map[string]any); ok {
		if f, ok := oc["format"]; ok && f != nil {
			fm, ok := f.(map[string]any)
			if !ok {
				return nil, invalid("output_config.format: Input should be a valid dictionary")
			}
			if typ, _ := fm["type"].(string); typ != "json_schema" {
				return nil, invalid("output_config.format.type: Input should be 'json_schema'")
			}
			if _, ok := fm["schema"].(map[string]any); !ok {
				return nil, invalid("output_config.format.schema: Field required")
			}
			q.format = fm
		}
	}
	q.topCache, _ = raw["cache_control"].(map[string]any)

	if len(s.opts.Models) > 0 && !slices.Contains(s.opts.Models, q.model) {
		return nil, &APIError{Status: http.StatusNotFound, Type: "not_found_error", Message: "model: " + q.model}
	}
	return q, nil
}

func (q *msgReq) tool(name string) map[string]any {
	for _, t := range q.tools {
		if n, _ := t["name"].(string); n == name {
			return t
		}
	}
	return nil
}

func cacheTTL(b map[string]any) time.Duration {
	cc, ok := b["cache_control"].(map[string]any)
	if !ok {
		return 0
	}
	if ttl, _ := cc["ttl"].(string); ttl == "1h" {
		return time.Hour
	}
	return 5 * time.Minute
}

// promptBlocks lays the prompt out in caching order: tools, system,
// tool_choice (no tokens), messages.
func (q *msgReq) promptBlocks() []promptBlock {
	var out []promptBlock
	for _, t := range q.tools {
		out = append(out, promptBlock{canon: append([]byte("tool:"), canonical(t)...), tokens: toolTokens(t), ttl: cacheTTL(t)})
	}
	for _, b := range q.system {
		out = append(out, promptBlock{canon: append([]byte("system:"), canonical(b)...), tokens: blockTokens(b), ttl: cacheTTL(b)})
	}
	out = append(out, promptBlock{canon: append([]byte("tool_choice:"), canonical(q.toolChoice)...)})
	for _, m := range q.messages {
		for _, b := range m.blocks {
			out = append(out, promptBlock{canon: append([]byte(m.role+":"), canonical(b)...), tokens: blockTokens(b), ttl: cacheTTL(b)})
		}
	}
	if q.topCache != nil {
		ttl := 5 * time.Minute
		if t, _ := q.topCache["ttl"].(string); t == "1h" {
			ttl = time.Hour
		}
		for i := len(out) - 1; i >= 0; i-- {
			if out[i].tokens > 0 {
				if out[i].ttl == 0 {
					out[i].ttl = ttl
				}
				break
			}
		}
	}
	return out
}

func blocksText(blocks []map[string]any) (text string, images int) {
	var parts []string
	for _, b := range blocks {
		switch b["type"] {
		case "text":
			if t, _ := b["text"].(string); t != "" {
				parts = append(parts, t)
			}
		case "image":
			images++
		}
	}
	return strings.Join(parts, "\n\n"), images
}

// request is what the Responder sees.
func (q *msgReq) request() Request {
	r := Request{Model: q.model, MaxTokens: q.maxTokens, Mode: "text"}
	r.System, _ = blocksText(q.system)
	var user []string
	for _, m := range q.messages {
		t, n := blocksText(m.blocks)
		r.Messages = append(r.Messages, Message{Role: m.role, Text: t, Images: n})
		r.Images += n
		if m.role == "user" && t != "" {
			user = append(user, t)
		}
	}
	r.User = strings.Join(user, "\n\n")
	switch {
	case q.format != nil:
		r.Mode = "json_schema"
		r.Schema, _ = q.format["schema"].(map[string]any)
	case q.toolChoice != nil && (q.toolChoice["type"] == "tool" || q.toolChoice["type"] == "any"):
		var t map[string]any
		if q.toolChoice["type"] == "tool" {
			name, _ := q.toolChoice["name"].(string)
			t = q.tool(name)
		} else {
			for _, c := range q.tools {
				if _, ok := c["input_schema"]; ok {
					t = c
					break
				}
			}
		}
		if t != nil {
			r.Mode = "tool"
			r.ToolName, _ = t["name"].(string)
			r.Schema, _ = t["input_schema"].(map[string]any)
		}
	}
	return r
}

const defaultText = "This is a sample answer from the Anthropic fake."

func (s *Server) respond(req Request) (map[string]any, error) {
	if s.opts.Responder != nil {
		return s.opts.Responder(req)
	}
	if req.Schema == nil {
		return map[string]any{"text": defaultText}, nil
	}
	v := FillSchema(req.Schema)
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	return map[string]any{"value": v}, nil
}

func (s *Server) minCache(model string) int {
	if n, ok := s.opts.MinCacheTokensFor[model]; ok {
		return n
	}
	return s.opts.MinCacheTokens
}

// answer is a computed message.
type answer struct {
	msg   map[string]any
	usage Usage
	// blocks and stop reason, for streaming.
	content    []map[string]any
	stopReason string
}

// build produces the answer of a validated request: it asks the responder,
// plans the cache and computes usage. It does not commit the cache.
func (s *Server) build(q *msgReq, now time.Time, batchID, customID string) (*answer, cachePlan, *APIError) {
	req := q.request()
	req.BatchID, req.CustomID = batchID, customID
	out, err := s.respond(req)
	if err != nil {
		return nil, cachePlan{}, asAPIError(err)
	}
	var content []map[string]any
	stop := "end_turn"
	outTokens := 0
	switch req.Mode {
	case "json_schema", "text":
		var text string
		if t, ok := out["text"].(string); ok && req.Mode == "text" && len(out) == 1 {
			text = t
		} else {
			b, err := json.Marshal(out)
			if err != nil {
				return nil, cachePlan{}, &APIError{Status: 500, Type: "api_error", Message: "fake: responder answer is not JSON"}
			}
			text = string(b)
		}
		outTokens = EstimateTokens(text)
		if outTokens > q.maxTokens {
			text = string([]rune(text)[:min(utf8.RuneCountInString(text), q.maxTokens*4)])
			outTokens = q.maxTokens
			stop = "max_tokens"
		}
		content = []map[string]any{{"type": "text", "text": text}}
	case "tool":
		if out == nil {
			out = map[string]any{}
		}
		input := any(out)
		outTokens = EstimateTokens(req.ToolName + string(canonical(out)))
		stop = "tool_use"
		if outTokens > q.maxTokens {
			// The model ran out of tokens while writing the tool input.
			input = map[string]any{}
			outTokens = q.maxTokens
			stop = "max_tokens"
		}
		content = []map[string]any{{"type": "tool_use", "id": s.newID("toolu_"), "name": req.ToolName, "input": input}}
	}
	outTokens = max(outTokens, 1)

	plan := s.cache.plan(now, q.model, q.promptBlocks(), s.minCache(q.model))
	u := Usage{
		InputTokens:              plan.input(),
		OutputTokens:             outTokens,
		CacheCreationInputTokens: plan.create,
		CacheReadInputTokens:     plan.read,
		CacheCreation5m:          plan.create5m,
		CacheCreation1h:          plan.create1h,
	}
	tier := "standard"
	if batchID != "" {
		tier = "batch"
	}
	msg := map[string]any{
		"id":            s.newID("msg_"),
		"type":          "message",
		"role":          "assistant",
		"model":         q.model,
		"content":       content,
		"stop_reason":   stop,
		"stop_sequence": nil,
		"usage":         usageJSON(u, tier),
	}
	return &answer{msg: msg, usage: u, content: content, stopReason: stop}, plan, nil
}

func usageJSON(u Usage, tier string) map[string]any {
	return map[string]any{
		"input_tokens":                u.InputTokens,
		"output_tokens":               u.OutputTokens,
		"cache_creation_input_tokens": u.CacheCreationInputTokens,
		"cache_read_input_tokens":     u.CacheReadInputTokens,
		"cache_creation": map[string]any{
			"ephemeral_5m_input_tokens": u.CacheCreation5m,
			"ephemeral_1h_input_tokens": u.CacheCreation1h,
		},
		"service_tier": tier,
	}
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := s.now()
	q, e := s.parseMessages(body, true)
	if e != nil {
		s.limit.headers(w.Header(), now, nil)
		writeError(w, e)
		return
	}
	a, plan, e := s.build(q, now, "", "")
	if e != nil {
		s.limit.headers(w.Header(), now, nil)
		writeError(w, e)
		return
	}
	wait, short := s.limit.admit(now, plan.input()+plan.create)
	if len(short) > 0 {
		s.limit.headers(w.Header(), now, short)
		writeError(w, &APIError{Status: http.StatusTooManyRequests, Type: "rate_limit_error",
			Message:    "This request would exceed your organization's rate limit. Please try again later.",
			RetryAfter: max(wait, time.Second)})
		return
	}
	s.cache.commit(now, plan)
	s.limit.spend(a.usage.OutputTokens)
	s.limit.headers(w.Header(), now, nil)
	s.bill(Billed{Time: now, Model: q.model, MessageID: a.msg["id"].(string), Usage: a.usage, PriceFactor: 1})
	if q.stream {
		s.stream(w, a)
		return
	}
	writeJSON(w, http.StatusOK, a.msg)
}

func (s *Server) handleCountTokens(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	q, e := s.parseMessages(body, false)
	if e != nil {
		writeError(w, e)
		return
	}
	total := 0
	for _, b := range q.promptBlocks() {
		total += b.tokens
	}
	writeJSON(w, http.StatusOK, map[string]any{"input_tokens": total})
}

// stream writes an answer as server-sent events, as "stream":true asks.
func (s *Server) stream(w http.ResponseWriter, a *answer) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	event := func(name string, data map[string]any) {
		data["type"] = name
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
		flush()
	}
	start := map[string]any{}
	for k, v := range a.msg {
		start[k] = v
	}
	start["content"] = []any{}
	start["stop_reason"] = nil
	startUsage := usageJSON(a.usage, "standard")
	startUsage["output_tokens"] = 1
	start["usage"] = startUsage
	event("message_start", map[string]any{"message": start})
	event("ping", map[string]any{})
	for i, b := range a.content {
		switch b["type"] {
		case "text":
			event("content_block_start", map[string]any{"index": i, "content_block": map[string]any{"type": "text", "text": ""}})
			for _, chunk := range chunks(b["text"].(string), 3) {
				event("content_block_delta", map[string]any{"index": i, "delta": map[string]any{"type": "text_delta", "text": chunk}})
			}
		case "tool_use":
			event("content_block_start", map[string]any{"index": i, "content_block": map[string]any{"type": "tool_use", "id": b["id"], "name": b["name"], "input": map[string]any{}}})
			js, _ := json.Marshal(b["input"])
			for _, chunk := range chunks(string(js), 3) {
				event("content_block_delta", map[string]any{"index": i, "delta": map[string]any{"type": "input_json_delta", "partial_json": chunk}})
			}
		}
		event("content_block_stop", map[string]any{"index": i})
	}
	event("message_delta", map[string]any{
		"delta": map[string]any{"stop_reason": a.stopReason, "stop_sequence": nil},
		"usage": usageJSON(a.usage, "standard"),
	})
	event("message_stop", map[string]any{})
}

// chunks splits s into at most n pieces on rune boundaries.
func chunks(s string, n int) []string {
	rs := []rune(s)
	if len(rs) == 0 {
		return []string{""}
	}
	size := (len(rs) + n - 1) / n
	var out []string
	for i := 0; i < len(rs); i += size {
		out = append(out, string(rs[i:min(i+size, len(rs))]))
	}
	return out
}
