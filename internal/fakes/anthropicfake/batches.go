package anthropicfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

type batchItem struct {
	customID string
	params   json.RawMessage
}

type batch struct {
	id              string
	createdAt       time.Time
	expiresAt       time.Time
	endedAt         *time.Time
	cancelInitiated *time.Time
	items           []batchItem
	results         []json.RawMessage // JSONL lines, in the order served
	succeeded       int
	errored         int
	canceled        int
	resultsBase     string // scheme://host for results_url
}

var customIDRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) handleBatchCreate(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in struct {
		Requests []struct {
			CustomID string          `json:"custom_id"`
			Params   json.RawMessage `json:"params"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, invalid("The request body is not valid JSON."))
		return
	}
	if len(in.Requests) == 0 {
		writeError(w, invalid("requests: List should have at least 1 item after validation, not 0"))
		return
	}
	if len(in.Requests) > 100_000 {
		writeError(w, invalid("requests: List should have at most 100000 items after validation, not %d", len(in.Requests)))
		return
	}
	seen := map[string]bool{}
	b := &batch{}
	for i, rq := range in.Requests {
		if !customIDRE.MatchString(rq.CustomID) {
			writeError(w, invalid("requests.%d.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", i))
			return
		}
		if seen[rq.CustomID] {
			writeError(w, invalid("requests: custom_id values must be unique within a batch; %q is repeated", rq.CustomID))
			return
		}
		seen[rq.CustomID] = true
		var p map[string]any
		if json.Unmarshal(rq.Params, &p) != nil || p == nil {
			writeError(w, invalid("requests.%d.params: Field required", i))
			return
		}
		if st, _ := p["stream"].(bool); st {
			writeError(w, invalid("requests.%d.params.stream: streaming is not supported in batches", i))
			return
		}
		b.items = append(b.items, batchItem{customID: rq.CustomID, params: rq.Params})
	}
	now := s.now()
	b.id = s.newID("msgbatch_")
	b.createdAt = now
	b.expiresAt = now.Add(24 * time.Hour)
	b.resultsBase = baseURL(r)
	s.mu.Lock()
	s.batches[b.id] = b
	s.order = append(s.order, b.id)
	v := b.json()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

func rfc3339(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// json is the message_batch object. Call with s.mu held.
func (b *batch) json() map[string]any {
	status := "in_progress"
	switch {
	case b.endedAt != nil:
		status = "ended"
	case b.cancelInitiated != nil:
		status = "canceling"
	}
	processing := 0
	if b.endedAt == nil {
		processing = len(b.items)
	}
	var resultsURL any
	if b.endedAt != nil {
		resultsURL = b.resultsBase + "/v1/messages/batches/" + b.id + "/results"
	}
	created, expires := b.createdAt, b.expiresAt
	return map[string]any{
		"id":                  b.id,
		"type":                "message_batch",
		"processing_status":   status,
		"request_counts":      map[string]any{"processing": processing, "succeeded": b.succeeded, "errored": b.errored, "canceled": b.canceled, "expired": 0},
		"created_at":          rfc3339(&created),
		"expires_at":          rfc3339(&expires),
		"ended_at":            rfc3339(b.endedAt),
		"cancel_initiated_at": rfc3339(b.cancelInitiated),
		"archived_at":         nil,
		"results_url":         resultsURL,
	}
}

// FinishBatches ends every batch still in progress now.
func (s *Server) FinishBatches() {
	s.mu.Lock()
	var open []*batch
	for _, id := range s.order {
		if b := s.batches[id]; b.endedAt == nil {
			open = append(open, b)
		}
	}
	s.mu.Unlock()
	for _, b := range open {
		s.finish(b)
	}
}

// lookup returns batch id, ending it first if its delay has passed.
func (s *Server) lookup(id string) *batch {
	s.mu.Lock()
	b := s.batches[id]
	due := b != nil && b.endedAt == nil && !s.now().Before(b.createdAt.Add(s.opts.BatchDelay))
	s.mu.Unlock()
	if due {
		s.finish(b)
	}
	return b
}

// finish processes every request of b and ends it.
func (s *Server) finish(b *batch) {
	s.mu.Lock()
	if b.endedAt != nil {
		s.mu.Unlock()
		return
	}
	canceled := b.cancelInitiated != nil
	items := slices.Clone(b.items)
	s.mu.Unlock()

	now := s.now()
	lines := make([]json.RawMessage, 0, len(items))
	var ok, errored, cancel int
	for _, it := range items {
		var result map[string]any
		switch {
		case canceled:
			result = map[string]any{"type": "canceled"}
			cancel++
		default:
			result = s.processItem(b.id, it, now)
			if result["type"] == "succeeded" {
				ok++
			} else {
				errored++
			}
		}
		line, _ := json.Marshal(map[string]any{"custom_id": it.customID, "result": result})
		lines = append(lines, line)
	}
	s.shuffle(lines)

	s.mu.Lock()
	defer s.mu.Unlock()
	if b.endedAt != nil {
		return
	}
	b.results = lines
	b.succeeded, b.errored, b.canceled = ok, errored, cancel
	end := now
	b.endedAt = &end
}

// shuffle puts the lines out of request order (as the real API may), by the
// seeded generator; a shuffle that happens to keep the order is reversed.
func (s *Server) shuffle(lines []json.RawMessage) {
	if len(lines) < 2 {
		return
	}
	orig := slices.Clone(lines)
	s.mu.Lock()
	s.rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	s.mu.Unlock()
	same := true
	for i := range lines {
		if !bytes.Equal(lines[i], orig[i]) {
			same = false
			break
		}
	}
	if same {
		slices.Reverse(lines)
	}
}

func (s *Server) processItem(batchID string, it batchItem, now time.Time) map[string]any {
	errored := func(e *APIError) map[string]any {
		return map[string]any{"type": "errored", "error": errorBody(e, s.newID("req_"))}
	}
	if typ, bad := s.faults.drawBatchItem(); bad {
		msg := map[string]string{"rate_limit_error": "Rate limited", "overloaded_error": "Overloaded"}[typ]
		if msg == "" {
			msg = "Internal server error"
		}
		return errored(&APIError{Type: typ, Message: msg})
	}
	q, e := s.parseMessages(it.params, true)
	if e != nil {
		return errored(e)
	}
	if q.stream {
		return errored(invalid("stream: streaming is not supported in batches"))
	}
	a, plan, e := s.build(q, now, batchID, it.customID)
	if e != nil {
		return errored(e)
	}
	s.cache.commit(now, plan)
	s.bill(Billed{Time: now, Model: q.model, MessageID: a.msg["id"].(string), BatchID: batchID, CustomID: it.customID, Usage: a.usage, PriceFactor: 0.5})
	return map[string]any{"type": "succeeded", "message": a.msg}
}

func (s *Server) notFound(w http.ResponseWriter, id string) {
	writeError(w, &APIError{Status: http.StatusNotFound, Type: "not_found_error", Message: "message_batch: " + id})
}

func (s *Server) handleBatchGet(w http.ResponseWriter, r *http.Request) {
	b := s.lookup(r.PathValue("id"))
	if b == nil {
		s.notFound(w, r.PathValue("id"))
		return
	}
	s.mu.Lock()
	v := b.json()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleBatchList(w http.ResponseWriter, r *http.Request) {
	limit := 20
	if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil {
		if l < 1 || l > 1000 {
			writeError(w, invalid("limit: Input should be between 1 and 1000"))
			return
		}
		limit = l
	}
	after, before := r.URL.Query().Get("after_id"), r.URL.Query().Get("before_id")
	s.mu.Lock()
	ids := slices.Clone(s.order)
	s.mu.Unlock()
	slices.Reverse(ids) // most recent first
	if i := slices.Index(ids, after); after != "" && i >= 0 {
		ids = ids[i+1:]
	}
	if i := slices.Index(ids, before); before != "" && i >= 0 {
		ids = ids[:i]
		if len(ids) > limit {
			ids = ids[len(ids)-limit:]
		}
	}
	more := len(ids) > limit
	if more {
		ids = ids[:limit]
	}
	data := make([]any, 0, len(ids))
	for _, id := range ids {
		b := s.lookup(id)
		s.mu.Lock()
		data = append(data, b.json())
		s.mu.Unlock()
	}
	var first, last any
	if len(ids) > 0 {
		first, last = ids[0], ids[len(ids)-1]
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "has_more": more, "first_id": first, "last_id": last})
}

func (s *Server) handleBatchCancel(w http.ResponseWriter, r *http.Request) {
	b := s.lookup(r.PathValue("id"))
	if b == nil {
		s.notFound(w, r.PathValue("id"))
		return
	}
	s.mu.Lock()
	if b.endedAt == nil && b.cancelInitiated == nil {
		t := s.now()
		b.cancelInitiated = &t
	}
	v := b.json()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleBatchDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	b := s.lookup(id)
	if b == nil {
		s.notFound(w, id)
		return
	}
	s.mu.Lock()
	ended := b.endedAt != nil
	if ended {
		delete(s.batches, id)
		s.order = slices.DeleteFunc(s.order, func(x string) bool { return x == id })
	}
	s.mu.Unlock()
	if !ended {
		writeError(w, invalid("Message Batch %s cannot be deleted while processing. Cancel it first and wait for it to end.", id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": "message_batch_deleted"})
}

func (s *Server) handleBatchResults(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	b := s.lookup(id)
	if b == nil {
		s.notFound(w, id)
		return
	}
	s.mu.Lock()
	ended := b.endedAt != nil
	lines := slices.Clone(b.results)
	s.mu.Unlock()
	if !ended {
		writeError(w, invalid("Message Batch %s has not ended yet; its results are not available.", id))
		return
	}
	var buf bytes.Buffer
	for _, l := range lines {
		buf.Write(l)
		buf.WriteByte('\n')
	}
	w.Header().Set("Content-Type", "application/x-jsonl")
	w.Header().Set("Content-Disposition", "attachment; filename*=utf-8''"+id+"_results.jsonl")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
