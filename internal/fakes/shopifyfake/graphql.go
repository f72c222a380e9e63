package shopifyfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/plutopro/plutopro/internal/fakes/faultplan"
	"github.com/plutopro/plutopro/internal/fakes/shopifyfake/adminschema"
)

// bucket is a shop's query cost bucket, refilled continuously.
type bucket struct {
	size, rate, available float64
	at                    time.Time
}

func (b *bucket) refill(now time.Time) {
	if now.After(b.at) {
		b.available = math.Min(b.size, b.available+now.Sub(b.at).Seconds()*b.rate)
		b.at = now
	}
}

func (b *bucket) status() map[string]any {
	return map[string]any{
		"maximumAvailable":   b.size,
		"currentlyAvailable": math.Floor(b.available),
		"restoreRate":        b.rate,
	}
}

// docCache keeps parsed, validated documents (they are only read after).
type docCache struct {
	mu sync.Mutex
	m  map[string]*ast.QueryDocument
}

func (c *docCache) get(schema *ast.Schema, doc string) (*ast.QueryDocument, gqlerror.List) {
	c.mu.Lock()
	q := c.m[doc]
	c.mu.Unlock()
	if q != nil {
		return q, nil
	}
	q, errs := adminschema.ValidateAgainst(schema, doc)
	if len(errs) > 0 {
		return nil, errs
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 512 {
		c.m = map[string]*ast.QueryDocument{}
	}
	c.m[doc] = q
	return q, nil
}

// gqlErr is an entry of a GraphQL answer's errors.
type gqlErr struct {
	Message    string              `json:"message"`
	Locations  []gqlerror.Location `json:"locations,omitempty"`
	Path       ast.Path            `json:"path,omitempty"`
	Extensions map[string]any      `json:"extensions,omitempty"`
}

func fromGQLErrors(errs gqlerror.List) []gqlErr {
	out := make([]gqlErr, len(errs))
	for i, e := range errs {
		code := "GRAPHQL_VALIDATION_FAILED"
		if e.Rule == "" {
			code = "GRAPHQL_PARSE_FAILED"
		}
		out[i] = gqlErr{Message: e.Message, Locations: e.Locations, Path: e.Path, Extensions: map[string]any{"code": code}}
		if e.Rule != "" {
			out[i].Extensions["rule"] = e.Rule
		}
	}
	return out
}

// handleGraphQL serves POST /admin/api/{version}/graphql.json.
func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request, sh *shop, version string, body []byte, throttle *faultplan.Fault) {
	w.Header().Set("X-Shopify-API-Version", adminschema.Version)
	now := s.now()
	token := r.Header.Get("X-Shopify-Access-Token")
	s.mu.Lock()
	scopes, ok := s.authenticate(sh.domain, token, now)
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
		return
	}
	if !validVersion(version) {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
		return
	}

	var req struct {
		Query         string         `json:"query"`
		Variables     map[string]any `json:"variables"`
		OperationName string         `json:"operationName"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/graphql") {
		req.Query = string(body)
	} else {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"query": "Required parameter missing or invalid"}})
			return
		}
	}
	if strings.TrimSpace(req.Query) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"query": "Required parameter missing or invalid"}})
		return
	}

	answer := func(data any, errs []gqlErr, requested int, actual any) {
		s.mu.Lock()
		sh.bucket.refill(s.now())
		cost := map[string]any{"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": sh.bucket.status()}
		s.mu.Unlock()
		out := map[string]any{}
		if data != nil {
			out["data"] = data
		}
		if len(errs) > 0 {
			out["errors"] = errs
		}
		out["extensions"] = map[string]any{"cost": cost}
		writeJSON(w, http.StatusOK, out)
	}

	doc, verrs := s.docs.get(s.schema, req.Query)
	if len(verrs) > 0 {
		answer(nil, fromGQLErrors(verrs), 0, 0)
		return
	}
	var op *ast.OperationDefinition
	switch {
	case req.OperationName != "":
		op = doc.Operations.ForName(req.OperationName)
	case len(doc.Operations) == 1:
		op = doc.Operations[0]
	}
	if op == nil {
		answer(nil, []gqlErr{{Message: "An operation name is required or the one given is not in the document", Extensions: map[string]any{"code": "OPERATION_NOT_FOUND"}}}, 0, 0)
		return
	}
	if op.Operation == ast.Subscription {
		answer(nil, []gqlErr{{Message: "Subscriptions are not supported", Extensions: map[string]any{"code": "BAD_REQUEST"}}}, 0, 0)
		return
	}
	vars, err := validator.VariableValues(s.schema, op, req.Variables)
	if err != nil {
		answer(nil, []gqlErr{{Message: err.Error(), Extensions: map[string]any{"code": "INVALID_VARIABLE"}}}, 0, 0)
		return
	}
	x := &execution{schema: s.schema, doc: doc, vars: vars}
	requested, err := x.requestedCost(op)
	if err != nil {
		answer(nil, x.errs, 0, 0)
		return
	}
	if requested > MaxQueryCost {
		answer(nil, []gqlErr{{
			Message: fmt.Sprintf("Query cost is %d, which exceeds the single query max cost limit (%d).\n\n"+
				"See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\ncost of a query is calculated.\n\n"+
				"To query larger amounts of data with fewer limits, bulk operations should be used instead.\n"+
				"See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n", requested, MaxQueryCost),
			Extensions: map[string]any{"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": MaxQueryCost},
		}}, requested, nil)
		return
	}

	s.mu.Lock()
	now = s.now()
	sh.bucket.refill(now)
	if throttle != nil {
		// The fault empties the bucket so far that the client's own
		// arithmetic makes it wait RetryAfter.
		sh.bucket.available = math.Min(sh.bucket.available, math.Max(0, float64(requested)-throttle.RetryAfter.Seconds()*sh.bucket.rate))
	}
	if sh.bucket.available < float64(requested) {
		s.mu.Unlock()
		answer(nil, []gqlErr{{Message: "Throttled", Extensions: map[string]any{"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}}, requested, nil)
		return
	}
	sh.bucket.available -= float64(requested)
	var pending []pendingHook
	root := s.rootObject(sh, op.Operation, scopes, &pending, r)
	data := x.selectSet(op.SelectionSet, root, nil)
	actual := x.actual
	if op.Operation == ast.Mutation {
		actual = requested
	}
	sh.bucket.available = math.Min(sh.bucket.size, sh.bucket.available+float64(requested-actual))
	deliveries := s.prepareDeliveries(sh, pending)
	s.mu.Unlock()

	s.deliverAsync(deliveries)
	answer(data, x.errs, requested, actual)
}

func validVersion(v string) bool {
	if v == "unstable" {
		return true
	}
	y, m, ok := strings.Cut(v, "-")
	if !ok || len(y) != 4 || len(m) != 2 {
		return false
	}
	_, err1 := strconv.Atoi(y)
	_, err2 := strconv.Atoi(m)
	return err1 == nil && err2 == nil
}

// object is a value the executor can select fields from. A field's value
// is either the value itself or a resolveFunc taking the field's
// arguments.
type object struct {
	typename string
	fields   map[string]any
}

type resolveFunc func(args map[string]any) (any, error)

// ordered is a JSON object that keeps its keys in selection order.
type ordered struct {
	keys []string
	vals map[string]any
	conn bool // a connection (bulk results split these into lines)
}

func newOrdered() *ordered { return &ordered{vals: map[string]any{}} }

func (o *ordered) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshalNoEscape(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// execution runs one operation.
type execution struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any
	errs   []gqlErr
	actual int
}

func (x *execution) fail(path ast.Path, f *ast.Field, code, format string, args ...any) {
	e := gqlErr{Message: fmt.Sprintf(format, args...), Path: append(ast.Path(nil), path...)}
	if f != nil && f.Position != nil {
		e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	if code != "" {
		e.Extensions = map[string]any{"code": code}
	}
	x.errs = append(x.errs, e)
}

// fieldError is an error a resolver returns, with a code for the answer.
type fieldError struct {
	code, msg string
}

func (e *fieldError) Error() string { return e.msg }

func errorf(code, format string, args ...any) error {
	return &fieldError{code: code, msg: fmt.Sprintf(format, args...)}
}

type fieldGroup struct {
	key    string
	fields []*ast.Field
}

// collect groups the fields of set that apply to typename by response key.
func (x *execution) collect(set ast.SelectionSet, typename string, groups []fieldGroup, visited map[string]bool) []fieldGroup {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if !x.included(sel.Directives) {
				continue
			}
			key := sel.Alias
			if key == "" {
				key = sel.Name
			}
			found := false
			for i := range groups {
				if groups[i].key == key {
					groups[i].fields = append(groups[i].fields, sel)
					found = true
					break
				}
			}
			if !found {
				groups = append(groups, fieldGroup{key: key, fields: []*ast.Field{sel}})
			}
		case *ast.InlineFragment:
			if x.included(sel.Directives) && x.applies(sel.TypeCondition, typename) {
				groups = x.collect(sel.SelectionSet, typename, groups, visited)
			}
		case *ast.FragmentSpread:
			if !x.included(sel.Directives) || visited[sel.Name] || sel.Definition == nil {
				continue
			}
			if x.applies(sel.Definition.TypeCondition, typename) {
				visited[sel.Name] = true
				groups = x.collect(sel.Definition.SelectionSet, typename, groups, visited)
			}
		}
	}
	return groups
}

func (x *execution) included(ds ast.DirectiveList) bool {
	if d := ds.ForName("skip"); d != nil {
		if v, _ := d.ArgumentMap(x.vars)["if"].(bool); v {
			return false
		}
	}
	if d := ds.ForName("include"); d != nil {
		if v, _ := d.ArgumentMap(x.vars)["if"].(bool); !v {
			return false
		}
	}
	return true
}

// applies reports whether a fragment on cond applies to an object of typename.
func (x *execution) applies(cond, typename string) bool {
	if cond == "" || cond == typename {
		return true
	}
	for _, d := range x.schema.PossibleTypes[cond] {
		if d.Name == typename {
			return true
		}
	}
	return false
}

func (x *execution) args(f *ast.Field) (args map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid arguments: %v", r)
		}
	}()
	return f.ArgumentMap(x.vars), nil
}

// selectSet resolves set on o.
func (x *execution) selectSet(set ast.SelectionSet, o *object, path ast.Path) *ordered {
	out := newOrdered()
	for _, g := range x.collect(set, o.typename, nil, map[string]bool{}) {
		f := g.fields[0]
		p := append(path[:len(path):len(path)], ast.PathName(g.key))
		if f.Name == "__typename" {
			out.set(g.key, o.typename)
			continue
		}
		v, ok := o.fields[f.Name]
		if !ok {
			x.fail(p, f, "NOT_IMPLEMENTED", "shopifyfake does not implement %s.%s", o.typename, f.Name)
			out.set(g.key, nil)
			continue
		}
		if fn, ok := v.(func(map[string]any) (any, error)); ok {
			v = resolveFunc(fn)
		}
		if fn, ok := v.(resolveFunc); ok {
			args, err := x.args(f)
			if err == nil {
				v, err = fn(args)
			}
			if err != nil {
				code := "BAD_REQUEST"
				if fe, ok := err.(*fieldError); ok {
					code = fe.code
				}
				x.fail(p, f, code, "%s", err.Error())
				out.set(g.key, nil)
				continue
			}
		}
		if f.Definition == nil {
			out.set(g.key, nil)
			continue
		}
		out.set(g.key, x.complete(f.Definition.Type, v, g.fields, p))
	}
	return out
}

// complete shapes a resolved value by its type.
func (x *execution) complete(t *ast.Type, v any, fields []*ast.Field, path ast.Path) any {
	if v == nil {
		return nil
	}
	if o, ok := v.(*object); ok && o == nil {
		return nil
	}
	if t.Elem != nil {
		switch list := v.(type) {
		case []*object:
			out := make([]any, len(list))
			for i, e := range list {
				out[i] = x.complete(t.Elem, e, fields, append(path[:len(path):len(path)], ast.PathIndex(i)))
			}
			return out
		case []string:
			if list == nil {
				return []string{}
			}
			return list
		default:
			return v
		}
	}
	def := x.schema.Types[t.NamedType]
	if def == nil {
		return v
	}
	switch def.Kind {
	case ast.Object, ast.Interface, ast.Union:
		o, ok := v.(*object)
		if !ok {
			x.fail(path, fields[0], "INTERNAL_SERVER_ERROR", "shopifyfake: %s is not an object", t.NamedType)
			return nil
		}
		switch {
		case strings.HasSuffix(o.typename, "Connection"):
			x.actual += 2
		case strings.HasSuffix(o.typename, "Edge"), o.typename == "PageInfo":
		default:
			x.actual++
		}
		var set ast.SelectionSet
		for _, f := range fields {
			set = append(set, f.SelectionSet...)
		}
		res := x.selectSet(set, o, path)
		res.conn = strings.HasSuffix(o.typename, "Connection")
		return res
	default:
		return v
	}
}

// requestedCost is Shopify's static cost of an operation: scalars and
// enums 0, objects 1, connections 2 + first (or last) × the cost of a
// node; a mutation costs 10 per top-level field. A connection without
// first or last is an error.
func (x *execution) requestedCost(op *ast.OperationDefinition) (int, error) {
	if op.Operation == ast.Mutation {
		return 10 * len(x.collect(op.SelectionSet, "Mutation", nil, map[string]bool{})), nil
	}
	return x.setCost(op.SelectionSet, nil)
}

func (x *execution) setCost(set ast.SelectionSet, path ast.Path) (int, error) {
	total := 0
	for _, sel := range set {
		var c int
		var err error
		switch sel := sel.(type) {
		case *ast.Field:
			c, err = x.fieldCost(sel, append(path[:len(path):len(path)], ast.PathName(sel.Name)))
		case *ast.InlineFragment:
			c, err = x.setCost(sel.SelectionSet, path)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				c, err = x.setCost(sel.Definition.SelectionSet, path)
			}
		}
		if err != nil {
			return 0, err
		}
		total += c
	}
	return total, nil
}

func (x *execution) fieldCost(f *ast.Field, path ast.Path) (int, error) {
	if f.Definition == nil {
		return 0, nil
	}
	def := x.schema.Types[f.Definition.Type.Name()]
	if def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return 0, nil
	}
	inner, err := x.setCost(f.SelectionSet, path)
	if err != nil {
		return 0, err
	}
	switch {
	case strings.HasSuffix(def.Name, "Connection"):
		args, err := x.args(f)
		if err != nil {
			x.fail(path, f, "BAD_REQUEST", "%s", err.Error())
			return 0, err
		}
		n, err := pageSize(args)
		if err != nil {
			x.fail(path, f, "BAD_REQUEST", "%s", err.Error())
			return 0, err
		}
		return 2 + n*inner, nil
	case strings.HasSuffix(def.Name, "Edge"), def.Name == "PageInfo":
		return inner, nil
	default:
		return 1 + inner, nil
	}
}

// maxPage is the largest first or last Shopify accepts.
const maxPage = 250

// pageSize reads first or last.
func pageSize(args map[string]any) (int, error) {
	first, hasFirst := intArg(args, "first")
	last, hasLast := intArg(args, "last")
	switch {
	case hasFirst && hasLast:
		return 0, fmt.Errorf("passing both `first` and `last` to paginate a connection is not supported")
	case hasFirst:
		if first < 0 || first > maxPage {
			return 0, fmt.Errorf("the `first` argument must be between 0 and %d", maxPage)
		}
		return first, nil
	case hasLast:
		if last < 0 || last > maxPage {
			return 0, fmt.Errorf("the `last` argument must be between 0 and %d", maxPage)
		}
		return last, nil
	}
	return 0, fmt.Errorf("you must provide one of first or last")
}

func intArg(args map[string]any, name string) (int, bool) {
	switch v := args[name].(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case int32:
		return int(v), true
	case float64:
		return int(v), true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}

func stringArg(args map[string]any, name string) (string, bool) {
	v, ok := args[name].(string)
	return v, ok
}
