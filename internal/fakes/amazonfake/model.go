package amazonfake

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The official SP-API models (Apache-2.0, see models/LICENSE), copied from
// Amazon's selling-partner-api-models repository.
//
//go:embed models/listingsItems_2021-08-01.json models/reports_2021-06-30.json models/definitionsProductTypes_2020-09-01.json
var modelFiles embed.FS

// model is one Swagger 2.0 API model.
type model struct {
	name string
	defs map[string]any
	ops  map[string]*operation
}

// operation is one operation of a model.
type operation struct {
	id     string
	method string
	path   string // the template, e.g. /reports/2021-06-30/reports/{reportId}
	params []map[string]any
	// body is the schema of the body parameter (nil when there is none).
	body map[string]any
	// responses maps a status to its schema; a nil schema means no body.
	responses map[int]map[string]any
	// rate and burst are the default usage plan from the description.
	rate, burst float64
	m           *model
}

// usagePlan matches the usage plan table of an operation's description:
// "| 5 | 10 |" or "|Default| 5 | 10 |".
var usagePlan = regexp.MustCompile(`\|\s*(?:Default\s*\|\s*)?([0-9]+(?:\.[0-9]+)?)\s*\|\s*([0-9]+(?:\.[0-9]+)?)\s*\|`)

func loadModel(file string) (*model, error) {
	b, err := modelFiles.ReadFile("models/" + file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Paths       map[string]map[string]json.RawMessage `json:"paths"`
		Definitions map[string]any                        `json:"definitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("amazonfake: model %s: %w", file, err)
	}
	m := &model{name: file, defs: doc.Definitions, ops: map[string]*operation{}}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			if method == "parameters" {
				continue
			}
			var op struct {
				ID          string                     `json:"operationId"`
				Description string                     `json:"description"`
				Parameters  []map[string]any           `json:"parameters"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("amazonfake: model %s: %s %s: %w", file, method, path, err)
			}
			o := &operation{id: op.ID, method: strings.ToUpper(method), path: path, responses: map[int]map[string]any{}, m: m}
			for _, p := range op.Parameters {
				if p["in"] == "body" {
					o.body, _ = p["schema"].(map[string]any)
					continue
				}
				o.params = append(o.params, p)
			}
			for code, rraw := range op.Responses {
				status, err := strconv.Atoi(code)
				if err != nil {
					continue
				}
				var resp struct {
					Schema map[string]any `json:"schema"`
				}
				if err := json.Unmarshal(rraw, &resp); err != nil {
					return nil, fmt.Errorf("amazonfake: model %s: %s response %s: %w", file, op.ID, code, err)
				}
				o.responses[status] = resp.Schema
			}
			if mm := usagePlan.FindStringSubmatch(op.Description); mm != nil {
				o.rate, _ = strconv.ParseFloat(mm[1], 64)
				o.burst, _ = strconv.ParseFloat(mm[2], 64)
			}
			m.ops[o.id] = o
		}
	}
	return m, nil
}

// The three embedded models, loaded once.
var models = func() map[string]*operation {
	ops := map[string]*operation{}
	for _, f := range []string{"listingsItems_2021-08-01.json", "reports_2021-06-30.json", "definitionsProductTypes_2020-09-01.json"} {
		m, err := loadModel(f)
		if err != nil {
			panic(err) // embedded files: cannot fail
		}
		for id, o := range m.ops {
			ops[id] = o
		}
	}
	return ops
}()

// RateLimit is an operation's usage plan: a token bucket refilled at Rate
// tokens per second holding at most Burst.
type RateLimit struct {
	Rate  float64
	Burst float64
}

// DefaultRateLimits returns the default usage plan of every operation of the
// embedded models, keyed by operationId, as the models' descriptions state
// them (getListingsItem 5/s burst 10, patchListingsItem 5/5, createReport
// 0.0167/15, getReport 2/15, getReportDocument 0.0167/15, ...).
func DefaultRateLimits() map[string]RateLimit {
	out := map[string]RateLimit{}
	for id, o := range models {
		if o.rate > 0 {
			out[id] = RateLimit{Rate: o.rate, Burst: o.burst}
		}
	}
	return out
}

// Operations lists the operationIds of the embedded models, sorted.
func Operations() []string {
	out := make([]string, 0, len(models))
	for id := range models {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// violation is one way a request or response breaks its model.
type violation struct {
	path string // where: "body.patches[0].op", "query.marketplaceIds"
	msg  string
	enum bool // the value is of the right type but not one of the enum's
}

func (v violation) String() string { return v.path + ": " + v.msg }

func joinViolations(vs []violation) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, "; ")
}

// checkRequest checks the parameters and body of r against the operation;
// the body is returned decoded.
func (o *operation) checkRequest(r *http.Request, body []byte) (any, []violation) {
	var vs []violation
	q := r.URL.Query()
	for _, p := range o.params {
		name, _ := p["name"].(string)
		required, _ := p["required"].(bool)
		switch p["in"] {
		case "path":
			if r.PathValue(name) == "" && required {
				vs = append(vs, violation{path: "path." + name, msg: "is required"})
			}
		case "query":
			raw, present := q[name]
			if !present || (len(raw) == 1 && raw[0] == "") {
				if required {
					vs = append(vs, violation{path: "query." + name, msg: "is required"})
				}
				continue
			}
			vs = append(vs, checkParam(p, "query."+name, raw)...)
		case "header":
			if required && r.Header.Get(name) == "" {
				vs = append(vs, violation{path: "header." + name, msg: "is required"})
			}
		}
	}
	if o.body == nil {
		return nil, vs
	}
	if len(body) == 0 {
		return nil, append(vs, violation{path: "body", msg: "is required"})
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, append(vs, violation{path: "body", msg: "is not JSON: " + err.Error()})
	}
	validate(o.m.defs, o.body, v, "body", &vs)
	return v, vs
}

// checkParam checks the values of a query parameter (arrays are
// comma-separated, collectionFormat csv, or repeated).
func checkParam(p map[string]any, path string, raw []string) []violation {
	var vs []violation
	typ, _ := p["type"].(string)
	var vals []any
	item := p
	if typ == "array" {
		item, _ = p["items"].(map[string]any)
		if item == nil {
			item = map[string]any{"type": "string"}
		}
		for _, r := range raw {
			for _, s := range strings.Split(r, ",") {
				vals = append(vals, s)
			}
		}
		if mx, ok := number(p["maxItems"]); ok && float64(len(vals)) > mx {
			vs = append(vs, violation{path: path, msg: fmt.Sprintf("has %d items, at most %v allowed", len(vals), mx)})
		}
	} else {
		if len(raw) > 1 {
			vs = append(vs, violation{path: path, msg: "is given more than once"})
		}
		vals = []any{raw[0]}
	}
	itemType, _ := item["type"].(string)
	for i, v := range vals {
		s := v.(string)
		at := path
		if typ == "array" {
			at = fmt.Sprintf("%s[%d]", path, i)
		}
		var conv any = s
		switch itemType {
		case "integer":
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				vs = append(vs, violation{path: at, msg: fmt.Sprintf("%q is not an integer", s)})
				continue
			}
			conv = float64(n)
		case "number":
			n, err := strconv.ParseFloat(s, 64)
			if err != nil {
				vs = append(vs, violation{path: at, msg: fmt.Sprintf("%q is not a number", s)})
				continue
			}
			conv = n
		case "boolean":
			b, err := strconv.ParseBool(s)
			if err != nil || (s != "true" && s != "false") {
				vs = append(vs, violation{path: at, msg: fmt.Sprintf("%q is not true or false", s)})
				continue
			}
			conv = b
		}
		schema := map[string]any{}
		for _, k := range []string{"enum", "minimum", "maximum", "minLength", "maxLength", "format"} {
			if x, ok := item[k]; ok {
				schema[k] = x
			}
		}
		validate(nil, schema, conv, at, &vs)
	}
	return vs
}

// checkResponse checks an answer against the operation's responses.
func (o *operation) checkResponse(status int, body []byte) []violation {
	schema, ok := o.responses[status]
	if !ok {
		return []violation{{path: "status", msg: fmt.Sprintf("%d is not a response of %s", status, o.id)}}
	}
	if schema == nil {
		if len(strings.TrimSpace(string(body))) > 0 {
			return []violation{{path: "body", msg: fmt.Sprintf("%s %d has no body in the model", o.id, status)}}
		}
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []violation{{path: "body", msg: "is not JSON: " + err.Error()}}
	}
	var vs []violation
	validate(o.m.defs, schema, v, "body", &vs)
	return vs
}
