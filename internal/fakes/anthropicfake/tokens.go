package anthropicfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	_ "image/gif"  // register decoders for image token estimates
	_ "image/jpeg" // idem
	_ "image/png"  // idem
	"strings"
	"unicode/utf8"
)

// EstimateTokens is the fake's token count for a piece of text:
// ceil(characters/4), counting Unicode code points.
func EstimateTokens(s string) int {
	n := utf8.RuneCountInString(s)
	return (n + 3) / 4
}

// imageTokens estimates the tokens of a base64 image the way the docs
// describe (w*h/750 after downscaling the long edge to 1568 px); 1600 when the
// image cannot be decoded.
func imageTokens(b64 string) int {
	const fallback = 1600
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fallback
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return fallback
	}
	w, h := float64(cfg.Width), float64(cfg.Height)
	if long := max(w, h); long > 1568 {
		w, h = w*1568/long, h*1568/long
	}
	t := int(w*h/750 + 0.999999)
	return max(t, 1)
}

// canonical returns the canonical JSON of v (maps with sorted keys), without
// any "cache_control" key at the top level of an object.
func canonical(v any) []byte {
	if m, ok := v.(map[string]any); ok {
		if _, has := m["cache_control"]; has {
			c := make(map[string]any, len(m))
			for k, x := range m {
				if k != "cache_control" {
					c[k] = x
				}
			}
			v = c
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// blockTokens counts one content block (see the package documentation).
func blockTokens(b map[string]any) int {
	typ, _ := b["type"].(string)
	switch typ {
	case "text":
		s, _ := b["text"].(string)
		return EstimateTokens(s)
	case "image":
		src, _ := b["source"].(map[string]any)
		if src != nil {
			if st, _ := src["type"].(string); st == "base64" {
				data, _ := src["data"].(string)
				return imageTokens(data)
			}
		}
		return 1600
	case "tool_use":
		name, _ := b["name"].(string)
		return EstimateTokens(name + string(canonical(b["input"])))
	case "tool_result":
		switch c := b["content"].(type) {
		case string:
			return EstimateTokens(c)
		case []any:
			n := 0
			for _, x := range c {
				if m, ok := x.(map[string]any); ok {
					n += blockTokens(m)
				}
			}
			return n
		default:
			return 0
		}
	default:
		return EstimateTokens(string(canonical(b)))
	}
}

// toolTokens counts one tool definition.
func toolTokens(t map[string]any) int {
	name, _ := t["name"].(string)
	desc, _ := t["description"].(string)
	var sb strings.Builder
	sb.WriteString(name)
	sb.WriteString(desc)
	if s, ok := t["input_schema"]; ok {
		sb.Write(canonical(s))
	} else {
		sb.Write(canonical(t))
	}
	return EstimateTokens(sb.String())
}
