package amazonfake

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// validate checks v (decoded by encoding/json) against a schema of the
// models' Swagger 2.0 subset: $ref (#/definitions/X), type, required,
// properties, additionalProperties, items, enum, minItems, maxItems,
// minLength, maxLength, minimum, maximum and format date-time. Anything
// else in a schema is ignored. Violations are appended to vs.
func validate(defs map[string]any, schema map[string]any, v any, path string, vs *[]violation) {
	for range 32 { // follow $ref chains
		ref, ok := schema["$ref"].(string)
		if !ok {
			break
		}
		name, found := strings.CutPrefix(ref, "#/definitions/")
		target, _ := defs[name].(map[string]any)
		if !found || target == nil {
			*vs = append(*vs, violation{path: path, msg: "unresolvable $ref " + ref})
			return
		}
		schema = target
	}
	add := func(format string, args ...any) {
		*vs = append(*vs, violation{path: path, msg: fmt.Sprintf(format, args...)})
	}
	typ, _ := schema["type"].(string)
	if typ == "" {
		switch {
		case schema["properties"] != nil:
			typ = "object"
		case schema["items"] != nil:
			typ = "array"
		}
	}
	switch typ {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			add("must be an object, not %s", kind(v))
			return
		}
		props, _ := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				name, _ := r.(string)
				if _, present := obj[name]; !present {
					*vs = append(*vs, violation{path: join(path, name), msg: "is required"})
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				validate(defs, ps, obj[k], join(path, k), vs)
				continue
			}
			switch ap := schema["additionalProperties"].(type) {
			case bool:
				if !ap {
					*vs = append(*vs, violation{path: join(path, k), msg: "is not a known property"})
				}
			case map[string]any:
				validate(defs, ap, obj[k], join(path, k), vs)
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			add("must be an array, not %s", kind(v))
			return
		}
		if mn, ok := number(schema["minItems"]); ok && float64(len(arr)) < mn {
			add("must have at least %v items, has %d", mn, len(arr))
		}
		if mx, ok := number(schema["maxItems"]); ok && float64(len(arr)) > mx {
			add("must have at most %v items, has %d", mx, len(arr))
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, x := range arr {
				validate(defs, items, x, fmt.Sprintf("%s[%d]", path, i), vs)
			}
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			add("must be a string, not %s", kind(v))
			return
		}
		n := float64(utf8.RuneCountInString(s))
		if mn, ok := number(schema["minLength"]); ok && n < mn {
			add("must be at least %v characters", mn)
		}
		if mx, ok := number(schema["maxLength"]); ok && n > mx {
			add("must be at most %v characters", mx)
		}
		if f, _ := schema["format"].(string); f == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				add("%q is not an RFC 3339 date-time", s)
			}
		}
	case "integer", "number":
		f, ok := v.(float64)
		if !ok {
			add("must be a %s, not %s", typ, kind(v))
			return
		}
		if typ == "integer" && f != math.Trunc(f) {
			add("must be an integer, not %v", f)
		}
		if mn, ok := number(schema["minimum"]); ok && f < mn {
			add("must be at least %v", mn)
		}
		if mx, ok := number(schema["maximum"]); ok && f > mx {
			add("must be at most %v", mx)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			add("must be a boolean, not %s", kind(v))
			return
		}
	}
	if enum, ok := schema["enum"].([]any); ok {
		for _, e := range enum {
			if reflect.DeepEqual(e, v) {
				return
			}
		}
		*vs = append(*vs, violation{path: path, msg: fmt.Sprintf("%v is not one of %v", v, enum), enum: true})
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}
