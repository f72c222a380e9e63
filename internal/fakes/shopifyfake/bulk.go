package shopifyfake

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/plutopro/plutopro/internal/fakes/shopifyfake/adminschema"
)

// bulkOp is a bulk query. The fake runs it at once, on the state of that
// moment, and reports it RUNNING until Options.BulkDelay has passed on the
// clock.
type bulkOp struct {
	id          string
	query       string
	createdAt   time.Time
	completesAt time.Time
	key         string // the result file's name
	objects     int
	roots       int
	size        int
}

func (op *bulkOp) status(now time.Time) string {
	if now.Before(op.completesAt) {
		return "RUNNING"
	}
	return "COMPLETED"
}

// resultURL is where a result file is served: Options.PublicURL, the
// fake's own URL, or the host the request came to.
func (s *Server) resultURL(r *http.Request, key string) string {
	base := strings.TrimSuffix(s.opts.PublicURL, "/")
	if base == "" {
		base = s.URL()
	}
	if base == "" && r != nil {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/bulk/" + key + ".jsonl"
}

func (s *Server) bulkObject(op *bulkOp, r *http.Request) *object {
	now := s.now()
	st := op.status(now)
	f := map[string]any{
		"id":              op.id,
		"status":          st,
		"errorCode":       nil,
		"type":            "QUERY",
		"query":           op.query,
		"createdAt":       ts(op.createdAt),
		"completedAt":     nil,
		"objectCount":     "0",
		"rootObjectCount": "0",
		"fileSize":        nil,
		"url":             nil,
		"partialDataUrl":  nil,
	}
	if st == "COMPLETED" {
		f["completedAt"] = ts(op.completesAt)
		f["objectCount"] = strconv.Itoa(op.objects)
		f["rootObjectCount"] = strconv.Itoa(op.roots)
		if op.objects > 0 {
			f["fileSize"] = strconv.Itoa(op.size)
			f["url"] = s.resultURL(r, op.key)
		}
	}
	return &object{typename: "BulkOperation", fields: f}
}

func (s *Server) bulkRun(sh *shop, scopes []string, args map[string]any, now time.Time, r *http.Request) (any, error) {
	query, _ := stringArg(args, "query")
	fail := func(code, msg string) (any, error) {
		return &object{typename: "BulkOperationRunQueryPayload", fields: map[string]any{
			"bulkOperation": nil,
			"userErrors":    []*object{userErrorObject("BulkOperationUserError", code, []string{"query"}, msg)},
		}}, nil
	}
	if n := len(sh.bulks); n > 0 && sh.bulks[n-1].status(now) == "RUNNING" {
		return fail("OPERATION_IN_PROGRESS", fmt.Sprintf("A bulk query operation for this app and shop is already in progress: %s.", sh.bulks[n-1].id))
	}
	doc, errs := adminschema.ValidateAgainst(s.schema, query)
	if len(errs) > 0 {
		return fail("INVALID", "Invalid bulk query: "+errs[0].Message)
	}
	if len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
		return fail("INVALID", "Invalid bulk query: it must hold exactly one query operation")
	}
	op := doc.Operations[0]
	if len(op.VariableDefinitions) > 0 {
		return fail("INVALID", "Invalid bulk query: variables are not supported")
	}
	x := &execution{schema: s.schema, doc: doc, vars: map[string]any{}}
	count, depth := x.connections(op.SelectionSet, 0)
	switch {
	case count == 0:
		return fail("INVALID", "Bulk queries must contain at least one connection.")
	case count > 5:
		return fail("INVALID", "Bulk queries cannot contain more than 5 connections.")
	case depth > 2:
		return fail("INVALID", "Bulk queries cannot contain connections with a nesting depth greater than 2.")
	}
	res := x.selectSet(op.SelectionSet, s.queryRoot(sh, scopes, r, true), nil)
	if len(x.errs) > 0 {
		return fail("INVALID", "Invalid bulk query: "+x.errs[0].Message)
	}
	file, objects, roots, err := flattenBulk(res)
	if err != nil {
		return fail("INVALID", "Invalid bulk query: "+err.Error())
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	bop := &bulkOp{
		id:          gid(kindBulk, s.newNum(kindBulk)),
		query:       query,
		createdAt:   now,
		completesAt: now.Add(s.opts.BulkDelay),
		key:         hex.EncodeToString(b),
		objects:     objects,
		roots:       roots,
		size:        len(file),
	}
	s.bulkFiles[bop.key] = file
	sh.bulks = append(sh.bulks, bop)
	o := s.bulkObject(bop, r)
	o.fields["status"] = "CREATED"
	return &object{typename: "BulkOperationRunQueryPayload", fields: map[string]any{
		"bulkOperation": o,
		"userErrors":    []*object{},
	}}, nil
}

// connections counts the connection fields of set and their deepest nesting.
func (x *execution) connections(set ast.SelectionSet, level int) (count, depth int) {
	depth = level
	for _, sel := range set {
		var sub ast.SelectionSet
		next := level
		switch sel := sel.(type) {
		case *ast.Field:
			sub = sel.SelectionSet
			if sel.Definition != nil && strings.HasSuffix(sel.Definition.Type.Name(), "Connection") {
				count++
				next++
				depth = max(depth, next)
			}
		case *ast.InlineFragment:
			sub = sel.SelectionSet
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				sub = sel.Definition.SelectionSet
			}
		}
		c, d := x.connections(sub, next)
		count += c
		depth = max(depth, d)
	}
	return count, depth
}

// flattenBulk writes a bulk result as JSONL: each node of a connection on
// its own line, without its nested connections, whose nodes follow it
// with "__parentId" set to its id.
func flattenBulk(res *ordered) ([]byte, int, int, error) {
	var buf bytes.Buffer
	objects, roots := 0, 0
	var emit func(node *ordered, parent string) error
	emit = func(node *ordered, parent string) error {
		line := newOrdered()
		var children []*ordered
		for _, k := range node.keys {
			if c, ok := node.vals[k].(*ordered); ok && c.conn {
				children = append(children, c)
				continue
			}
			line.set(k, node.vals[k])
		}
		if parent != "" {
			line.set("__parentId", parent)
		} else {
			roots++
		}
		b, err := marshalNoEscape(line)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
		objects++
		if len(children) == 0 {
			return nil
		}
		id, _ := node.vals["id"].(string)
		if id == "" {
			return errors.New("a node with nested connections must select its id")
		}
		for _, c := range children {
			for _, n := range connNodes(c) {
				if err := emit(n, id); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, k := range res.keys {
		c, ok := res.vals[k].(*ordered)
		if !ok || !c.conn {
			return nil, 0, 0, fmt.Errorf("the top-level field %s is not a connection", k)
		}
		for _, n := range connNodes(c) {
			if err := emit(n, ""); err != nil {
				return nil, 0, 0, err
			}
		}
	}
	return buf.Bytes(), objects, roots, nil
}

// connNodes returns a connection's nodes, from edges { node } or nodes.
func connNodes(c *ordered) []*ordered {
	var out []*ordered
	if edges, ok := c.vals["edges"].([]any); ok {
		for _, e := range edges {
			if e, ok := e.(*ordered); ok {
				if n, ok := e.vals["node"].(*ordered); ok {
					out = append(out, n)
				}
			}
		}
		return out
	}
	if nodes, ok := c.vals["nodes"].([]any); ok {
		for _, n := range nodes {
			if n, ok := n.(*ordered); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

func (s *Server) handleBulkFile(w http.ResponseWriter, name string) {
	key, ok := strings.CutSuffix(name, ".jsonl")
	s.mu.Lock()
	file, found := s.bulkFiles[key]
	s.mu.Unlock()
	if !ok || !found {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	w.Header().Set("Content-Length", strconv.Itoa(len(file)))
	_, _ = w.Write(file)
}
