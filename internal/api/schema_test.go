package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// schemaChecker validates JSON values against the subset of JSON Schema the
// OpenAPI document uses: $ref (to #/...), type (a name or a list of names,
// "null" making a value nullable), required, properties,
// additionalProperties (false, or a schema for the other properties), items, enum, minLength, maxLength, maxItems,
// anyOf (the value must match one of the schemas).
// Annotations (description, format, ...) are ignored; any other keyword is
// reported, so the document cannot use a rule this checker would skip.
type schemaChecker struct {
	doc map[string]any
}

var annotations = map[string]bool{"description": true, "format": true, "title": true, "example": true, "examples": true, "default": true}

// resolve follows $ref pointers within the document.
func (c schemaChecker) resolve(node map[string]any) (map[string]any, error) {
	for range 32 {
		ref, ok := node["$ref"].(string)
		if !ok {
			return node, nil
		}
		if len(node) != 1 {
			return nil, fmt.Errorf("$ref %s has siblings; the checker does not merge them", ref)
		}
		path, ok := strings.CutPrefix(ref, "#/")
		if !ok {
			return nil, fmt.Errorf("$ref %s is not local", ref)
		}
		var cur any = c.doc
		for _, part := range strings.Split(path, "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("$ref %s: %s is not an object", ref, part)
			}
			if cur, ok = m[part]; !ok {
				return nil, fmt.Errorf("$ref %s: no %s", ref, part)
			}
		}
		if node, ok = cur.(map[string]any); !ok {
			return nil, fmt.Errorf("$ref %s is not an object", ref)
		}
	}
	return nil, fmt.Errorf("$ref cycle")
}

// check returns every way v breaks schema, each prefixed with where in v.
func (c schemaChecker) check(schema map[string]any, v any, at string) []string {
	schema, err := c.resolve(schema)
	if err != nil {
		return []string{at + ": " + err.Error()}
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	for k := range schema {
		switch k {
		case "type", "required", "properties", "additionalProperties", "items", "enum", "minLength", "maxLength", "maxItems", "anyOf":
		default:
			if !annotations[k] {
				fail("schema keyword %q is not supported by the checker", k)
			}
		}
	}
	if alts, ok := schema["anyOf"].([]any); ok {
		var all []string
		matched := false
		for _, alt := range alts {
			e := c.check(alt.(map[string]any), v, at)
			if len(e) == 0 {
				matched = true
				break
			}
			all = append(all, e...)
		}
		if !matched {
			fail("matches none of anyOf: %s", strings.Join(all, "; "))
		}
	}
	if t, ok := schema["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !slices.ContainsFunc(types, func(name string) bool { return hasType(v, name) }) {
			fail("%s is not of type %s", typeName(v), strings.Join(types, " or "))
			return errs
		}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return reflect.DeepEqual(e, v) }) {
		fail("%v is not one of %v", v, enum)
	}
	if s, ok := v.(string); ok {
		n := float64(utf8.RuneCountInString(s))
		if min, ok := schema["minLength"].(float64); ok && n < min {
			fail("string shorter than %v", min)
		}
		if max, ok := schema["maxLength"].(float64); ok && n > max {
			fail("string longer than %v", max)
		}
	}
	if obj, ok := v.(map[string]any); ok {
		for _, r := range asStrings(schema["required"]) {
			if _, ok := obj[r]; !ok {
				fail("required property %q is missing", r)
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for _, k := range sortedKeys(obj) {
			ps, ok := props[k].(map[string]any)
			if !ok {
				switch extra := schema["additionalProperties"].(type) {
				case bool:
					if !extra {
						fail("property %q is not in the schema", k)
					}
				case map[string]any:
					errs = append(errs, c.check(extra, obj[k], at+"."+k)...)
				}
				continue
			}
			errs = append(errs, c.check(ps, obj[k], at+"."+k)...)
		}
	}
	if arr, ok := v.([]any); ok {
		if max, ok := schema["maxItems"].(float64); ok && float64(len(arr)) > max {
			fail("more than %v items", max)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, x := range arr {
				errs = append(errs, c.check(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func hasType(v any, name string) bool {
	switch name {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func asStrings(v any) []string {
	var out []string
	if xs, ok := v.([]any); ok {
		for _, x := range xs {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return v
}

// TestSchemaChecker shows that the checker the OpenAPI test relies on
// rejects what it should, so a passing OpenAPI test means something.
func TestSchemaChecker(t *testing.T) {
	t.Parallel()
	doc := mustJSON(t, `{"components":{"schemas":{
		"Thing":{"type":"object","required":["id","tags"],"additionalProperties":false,"properties":{
			"id":{"type":"string","format":"uuid","maxLength":5},
			"tags":{"type":"array","maxItems":2,"items":{"type":"string","enum":["a","b"]}},
			"note":{"type":["string","null"],"minLength":1},
			"count":{"type":"integer"},
			"inner":{"$ref":"#/components/schemas/Inner"},
			"labels":{"type":"object","additionalProperties":{"type":"string"}}}},
		"Inner":{"type":"object","properties":{"ok":{"type":"boolean"}}},
		"Bad":{"type":"string","pattern":"^x$"},
		"Dangling":{"$ref":"#/components/schemas/Nope"}}}}`).(map[string]any)
	c := schemaChecker{doc: doc}
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	tests := []struct {
		name   string
		schema string
		value  string
		want   string // "" for valid, else a substring of the first error
	}{
		{"valid", "Thing", `{"id":"x","tags":["a"],"note":null,"count":3,"inner":{"ok":true}}`, ""},
		{"nullable as string", "Thing", `{"id":"x","tags":[],"note":"hi"}`, ""},
		{"missing required", "Thing", `{"id":"x"}`, `required property "tags"`},
		{"extra property", "Thing", `{"id":"x","tags":[],"colour":1}`, `"colour" is not in the schema`},
		{"wrong type", "Thing", `{"id":5,"tags":[]}`, "number is not of type string"},
		{"null not allowed", "Thing", `{"id":null,"tags":[]}`, "null is not of type string"},
		{"null array", "Thing", `{"id":"x","tags":null}`, "null is not of type array"},
		{"enum", "Thing", `{"id":"x","tags":["c"]}`, "not one of"},
		{"item type", "Thing", `{"id":"x","tags":[1]}`, "tags[0]: number"},
		{"maxItems", "Thing", `{"id":"x","tags":["a","b","a"]}`, "more than 2"},
		{"maxLength", "Thing", `{"id":"abcdef","tags":[]}`, "longer than 5"},
		{"minLength", "Thing", `{"id":"x","tags":[],"note":""}`, "shorter than 1"},
		{"integer", "Thing", `{"id":"x","tags":[],"count":1.5}`, "not of type integer"},
		{"map of strings", "Thing", `{"id":"x","tags":[],"labels":{"a":"b","c":"d"}}`, ""},
		{"map value type", "Thing", `{"id":"x","tags":[],"labels":{"a":1}}`, "labels.a: number is not of type string"},
		{"through $ref", "Thing", `{"id":"x","tags":[],"inner":{"ok":"yes"}}`, "inner.ok: string is not of type boolean"},
		{"not an object", "Thing", `[]`, "array is not of type object"},
		{"unsupported keyword", "Bad", `"x"`, `"pattern" is not supported`},
		{"dangling $ref", "Dangling", `"x"`, "no Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := c.check(ref(tt.schema), mustJSON(t, tt.value), "$")
			if tt.want == "" {
				if len(errs) > 0 {
					t.Errorf("check(%s) = %v, want valid", tt.value, errs)
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs[0], tt.want) {
				t.Errorf("check(%s) = %v, want an error containing %q", tt.value, errs, tt.want)
			}
		})
	}
}
