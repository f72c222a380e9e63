package main

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
)

// validResponder answers like a model that follows the prompt: for every
// field the schema asks for it writes a value from the product facts in the
// user message that passes generate.Validate for Shopify (title and SEO
// fields within their lengths, HTML description with allowed tags only,
// 3-10 distinct short tags, exactly one alt text per image), and it never
// uses the brand's words to avoid. So one call per product is the norm and
// the worker's regenerate-once path stays idle, as with a good model.
//
// The fake's default responder (FillSchema) would not do: the schema
// Anthropic receives has no maxItems (SchemaWithoutLimits drops it), so
// FillSchema writes 3 image alt texts whatever the image count, and every
// product with 1 or 2 images is regenerated (see -responder fill).
func validResponder(req anthropicfake.Request) (map[string]any, error) {
	f := parseFacts(req.User)
	avoid := avoidWords(req.System)
	props, _ := req.Schema["properties"].(map[string]any)
	out := make(map[string]any, len(props))
	for name := range props {
		switch name {
		case "title":
			out[name] = clean(cut(f.title, 120), avoid)
		case "description":
			out[name] = clean(f.descriptionHTML(), avoid)
		case "seo_title":
			t := f.title
			if v := f.get("Vendor"); v != "" && utf8.RuneCountInString(t+" | "+v) <= 60 {
				t += " | " + v
			}
			out[name] = clean(cut(t, 60), avoid)
		case "seo_description":
			out[name] = clean(cut(f.summary(), 155), avoid)
		case "tags":
			out[name] = f.tags()
		case "image_alt":
			alts := make([]string, f.images)
			for i := range alts {
				alts[i] = clean(cut(fmt.Sprintf("%s, %s", f.title, f.imageView(i)), 125), avoid)
			}
			out[name] = alts
		default:
			// A field this responder does not know: a short plain sentence.
			out[name] = clean(cut(f.summary(), 60), avoid)
		}
	}
	return out, nil
}

// facts is the product data of a prompt, as the model sees it.
type facts struct {
	title  string
	lines  map[string]string
	order  []string
	imgs   []string // image lines ("file x.jpg; shows ...")
	images int
	body   string
}

var (
	imageAltRe = regexp.MustCompile(`(?m)^- image_alt: exactly (\d+) `)
	imagesRe   = regexp.MustCompile(`^Images \((\d+), in order\):$`)
	imageLine  = regexp.MustCompile(`^(\d+)\. (.*)$`)
	skuRe      = regexp.MustCompile(`SKU (JL-\d{6})-\d+`)
)

func parseFacts(user string) facts {
	f := facts{lines: map[string]string{}}
	data := user
	if i := strings.Index(data, "<product_data>\n"); i >= 0 {
		data = data[i+len("<product_data>\n"):]
	}
	if i := strings.Index(data, "</product_data>"); i >= 0 {
		data = data[:i]
	}
	lines := strings.Split(data, "\n")
	inImages := false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "Current description:" {
			f.body = strings.TrimSpace(strings.Join(lines[i+1:], " "))
			break
		}
		if m := imagesRe.FindStringSubmatch(l); m != nil {
			f.images, _ = strconv.Atoi(m[1])
			inImages = true
			continue
		}
		if inImages {
			if m := imageLine.FindStringSubmatch(l); m != nil {
				f.imgs = append(f.imgs, m[2])
				continue
			}
			inImages = false
		}
		if k, v, ok := strings.Cut(l, ": "); ok {
			f.lines[k] = v
			f.order = append(f.order, k)
		}
	}
	f.title = f.lines["Title"]
	if m := imageAltRe.FindStringSubmatch(user); m != nil {
		f.images, _ = strconv.Atoi(m[1])
	}
	return f
}

func (f facts) get(k string) string { return f.lines[k] }

// option is the product's one option line ("Option Colour: Sage, Oat").
func (f facts) option() (name, values string) {
	for _, k := range f.order {
		if n, ok := strings.CutPrefix(k, "Option "); ok {
			return n, f.lines[k]
		}
	}
	return "", ""
}

// sentencesOf returns the body's sentences (the body is plain text already).
func (f facts) sentencesOf() []string {
	var out []string
	for _, s := range strings.SplitAfter(f.body, ". ") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (f facts) summary() string {
	typ := strings.ToLower(f.get("Product type"))
	s := fmt.Sprintf("%s: a %s from %s.", f.title, typ, f.get("Vendor"))
	if ss := f.sentencesOf(); len(ss) > 1 {
		s += " " + ss[1]
	}
	return s
}

func (f facts) descriptionHTML() string {
	var b strings.Builder
	ss := f.sentencesOf()
	b.WriteString("<p>")
	fmt.Fprintf(&b, "The %s is a %s from %s.", f.title, strings.ToLower(f.get("Product type")), f.get("Vendor"))
	for _, s := range ss[min(1, len(ss)):min(4, len(ss))] {
		b.WriteString(" " + strings.TrimSuffix(s, " "))
	}
	b.WriteString("</p>")
	if name, vals := f.option(); name != "" {
		fmt.Fprintf(&b, "<p>Choose from %s: %s.</p>", strings.ToLower(name), vals)
	}
	b.WriteString("<ul>")
	if c := f.get("Category"); c != "" {
		parts := strings.Split(c, " > ")
		fmt.Fprintf(&b, "<li>Category: %s</li>", parts[len(parts)-1])
	}
	for _, k := range f.order {
		if strings.HasPrefix(k, "Variant ") {
			fmt.Fprintf(&b, "<li>%s</li>", f.lines[k])
		}
	}
	b.WriteString("</ul>")
	for _, k := range f.order {
		if strings.HasPrefix(k, "Care") {
			fmt.Fprintf(&b, "<p><strong>Care:</strong> %s</p>", f.lines[k])
		}
	}
	return b.String()
}

func (f facts) tags() []string {
	var out []string
	add := func(t string) {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && utf8.RuneCountInString(t) <= 40 && !slices.Contains(out, t) && len(out) < 10 {
			out = append(out, t)
		}
	}
	add(f.get("Product type"))
	for _, t := range strings.Split(f.get("Tags"), ", ") {
		add(t)
	}
	if _, vals := f.option(); vals != "" {
		for _, v := range strings.Split(vals, ", ") {
			add(v)
		}
	}
	add(f.get("Vendor"))
	if len(out) == 0 {
		add("home")
	}
	return out
}

// imageView names what image i shows, from its file name or variant.
func (f facts) imageView(i int) string {
	if i < len(f.imgs) {
		line := f.imgs[i]
		if _, shows, ok := strings.Cut(line, "shows "); ok {
			if m := skuRe.FindString(shows); m != "" {
				for _, k := range f.order {
					if strings.HasPrefix(k, "Variant ") && strings.Contains(f.lines[k], m) {
						if _, opt, ok := strings.Cut(f.lines[k], "; "); ok {
							opt, _, _ = strings.Cut(opt, "; ")
							return strings.ToLower(opt)
						}
					}
				}
			}
		}
		for _, v := range []string{"front", "detail", "lifestyle"} {
			if strings.Contains(line, "-"+v+".") {
				if v == "lifestyle" {
					return "shown in a room"
				}
				return v + " view"
			}
		}
	}
	return fmt.Sprintf("view %d", i+1)
}

// avoidWords reads the brand's words to avoid from the system prompt.
func avoidWords(system string) []string {
	const label = "Words to avoid (never use them): "
	i := strings.Index(system, label)
	if i < 0 {
		return nil
	}
	line, _, _ := strings.Cut(system[i+len(label):], "\n")
	return strings.Split(line, ", ")
}

// clean drops the brand's words to avoid (a model told to never use them
// would not).
func clean(s string, avoid []string) string {
	for _, w := range avoid {
		if w = strings.TrimSpace(w); w == "" {
			continue
		}
		re := regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(w) + `\b ?`)
		s = re.ReplaceAllString(s, "")
	}
	return s
}

// cut shortens s to at most n characters at a word boundary.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	t := string(r)
	if i := strings.LastIndex(t, " "); i > n/2 {
		t = t[:i]
	}
	return strings.TrimRight(t, " ,;:–-|")
}

// productKey is the product a request is for ("JL-000042"), read from the
// variant SKUs in its product facts.
func productKey(user string) string {
	if m := skuRe.FindStringSubmatch(user); m != nil {
		return m[1]
	}
	return ""
}
