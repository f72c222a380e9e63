package anthropicfake

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// FillSchema returns a value that conforms to the JSON Schema schema, filled
// generically and deterministically: every object property is present;
// strings read "sample <property> <n>" cut to maxLength and padded to
// minLength; enums and consts take their first value; numbers take their
// minimum (or 1); arrays get max(minItems, 3) items, capped by maxItems;
// anyOf/oneOf take their first non-null branch; local $refs ("#/$defs/X",
// "#/definitions/X") are resolved.
//
// It is the default responder of this fake and of openaifake.
func FillSchema(schema map[string]any) any {
	f := filler{root: schema}
	return f.fill(schema, "value", 0)
}

type filler struct {
	root map[string]any
}

func (f filler) resolve(s map[string]any) map[string]any {
	for range 16 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var target any = f.root
		path := strings.TrimPrefix(ref, "#")
		for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
			if part == "" {
				continue
			}
			m, ok := target.(map[string]any)
			if !ok {
				return map[string]any{}
			}
			target = m[part]
		}
		t, ok := target.(map[string]any)
		if !ok {
			return map[string]any{}
		}
		s = t
	}
	return s
}

func schemaType(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if str, ok := x.(string); ok && str != "null" {
				return str
			}
		}
		if len(t) > 0 {
			if str, ok := t[0].(string); ok {
				return str
			}
		}
	}
	if _, ok := s["properties"]; ok {
		return "object"
	}
	if _, ok := s["items"]; ok {
		return "array"
	}
	return ""
}

func num(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func (f filler) fill(s map[string]any, name string, depth int) any {
	s = f.resolve(s)
	if depth > 12 {
		return nil
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	for _, key := range []string{"anyOf", "oneOf", "allOf"} {
		if alts, ok := s[key].([]any); ok && len(alts) > 0 {
			for _, a := range alts {
				am, ok := a.(map[string]any)
				if !ok {
					continue
				}
				am = f.resolve(am)
				if schemaType(am) == "null" {
					continue
				}
				return f.fill(am, name, depth+1)
			}
			return nil
		}
	}
	switch schemaType(s) {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, _ := props[k].(map[string]any)
			if ps == nil {
				ps = map[string]any{}
			}
			out[k] = f.fill(ps, k, depth+1)
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		if items == nil {
			items = map[string]any{"type": "string"}
		}
		n := 3
		if mi, ok := num(s["minItems"]); ok && int(mi) > n {
			n = int(mi)
		}
		if ma, ok := num(s["maxItems"]); ok && int(ma) < n {
			n = int(ma)
		}
		out := make([]any, 0, n)
		for i := range n {
			out = append(out, f.fill(items, fmt.Sprintf("%s %d", singular(name), i+1), depth+1))
		}
		return out
	case "integer":
		if m, ok := num(s["minimum"]); ok {
			return int64(m)
		}
		if m, ok := num(s["exclusiveMinimum"]); ok {
			return int64(m) + 1
		}
		return 1
	case "number":
		if m, ok := num(s["minimum"]); ok {
			return m
		}
		return 1.0
	case "boolean":
		return true
	case "null":
		return nil
	default: // string or untyped
		str := "sample " + strings.ReplaceAll(name, "_", " ")
		if fm, _ := s["format"].(string); fm != "" {
			switch fm {
			case "uri", "url":
				str = "https://example.com/" + strings.ReplaceAll(name, " ", "-")
			case "date":
				str = "2026-01-01"
			case "date-time":
				str = "2026-01-01T00:00:00Z"
			}
		}
		if mx, ok := num(s["maxLength"]); ok && utf8.RuneCountInString(str) > int(mx) {
			str = string([]rune(str)[:int(mx)])
		}
		if mn, ok := num(s["minLength"]); ok {
			for utf8.RuneCountInString(str) < int(mn) {
				str += " text"
			}
			if mx, ok := num(s["maxLength"]); ok && utf8.RuneCountInString(str) > int(mx) {
				str = string([]rune(str)[:int(mx)])
			}
		}
		return str
	}
}

func singular(name string) string {
	if strings.HasSuffix(name, "ies") {
		return strings.TrimSuffix(name, "ies") + "y"
	}
	if strings.HasSuffix(name, "s") && !strings.HasSuffix(name, "ss") {
		return strings.TrimSuffix(name, "s")
	}
	return name
}
