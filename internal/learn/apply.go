package learn

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/offline"
)

// Lines returns the memory lines that apply to a channel: active items
// scoped to every channel or to this one, in a fixed order so the prompt
// prefix they sit in stays the same between calls (and cached). It
// relearns first when signals arrived since the brand last learned.
func (s *Service) Lines(ctx context.Context, brandID string, ch generate.Channel) ([]string, error) {
	if err := s.Refresh(ctx, brandID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT kind, scope, line FROM memory_items WHERE brand_id = ? AND status = 'active'
		ORDER BY kind, key`, brandID)
	if err != nil {
		return nil, fmt.Errorf("learn: read memory: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind, scope, line string
		if err := rows.Scan(&kind, &scope, &line); err != nil {
			return nil, err
		}
		if scope != "" && !strings.HasPrefix(scope, string(ch)+" ") {
			continue
		}
		out = append(out, line)
	}
	return out, rows.Err()
}

// maxExamples is how many approved drafts a request carries, and
// maxExampleChars how long each may be.
const (
	maxExamples     = 3
	maxExampleChars = 700
)

// Examples returns the brand's approved drafts for the products most like
// p (same product type, shared tags, shared title words), for the given
// fields of a channel, best match first.
func (s *Service) Examples(ctx context.Context, brandID string, ch generate.Channel, p *catalog.Product, fields []string) ([]generate.Example, error) {
	if p == nil || len(fields) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT d.field, d.value, p.id, p.title, p.product_type, p.tags FROM drafts d JOIN products p ON p.id = d.product_id
		WHERE d.brand_id = ? AND p.brand_id = ? AND d.channel = ? AND d.is_current = 1 AND d.status = 'approved' AND d.product_id <> ?
		ORDER BY d.created_at DESC LIMIT 600`, brandID, brandID, string(ch), p.ID)
	if err != nil {
		return nil, fmt.Errorf("learn: read approved drafts: %w", err)
	}
	defer rows.Close()
	type cand struct {
		generate.Example
		productID string
		score     float64
		order     int
	}
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	mine := productWords(p.Title, p.ProductType, p.Tags)
	var cands []cand
	for rows.Next() {
		var field, value, pid, title, ptype, tagsJSON string
		if err := rows.Scan(&field, &value, &pid, &title, &ptype, &tagsJSON); err != nil {
			return nil, err
		}
		if !want[field] {
			continue
		}
		var v generate.Value
		if json.Unmarshal([]byte(value), &v) != nil {
			continue
		}
		var tags []string
		_ = json.Unmarshal([]byte(tagsJSON), &tags)
		score := similarity(mine, productWords(title, ptype, tags))
		if ptype != "" && strings.EqualFold(ptype, p.ProductType) {
			score += 1
		}
		text := v.Text
		if len(v.Items) > 0 {
			text = strings.Join(v.Items, "\n")
		}
		if utf8.RuneCountInString(text) > maxExampleChars {
			text = string([]rune(text)[:maxExampleChars]) + "…"
		}
		cands = append(cands, cand{Example: generate.Example{Product: title, Field: field, Text: text}, productID: pid, score: score, order: len(cands)})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	// The best products, each with all of its approved fields.
	var products []string
	for _, c := range cands {
		if len(products) == maxExamples {
			break
		}
		if !containsString(products, c.productID) {
			products = append(products, c.productID)
		}
	}
	var out []generate.Example
	for _, pid := range products {
		for _, c := range cands {
			if c.productID == pid {
				out = append(out, c.Example)
			}
		}
	}
	return out, nil
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func productWords(title, ptype string, tags []string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(title+" "+ptype), notWord) {
		if len(w) > 2 && !stopWord(w) {
			out[w] = true
		}
	}
	for _, t := range tags {
		out["tag:"+strings.ToLower(strings.TrimSpace(t))] = true
	}
	return out
}

// similarity is the Jaccard index of two word sets.
func similarity(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	both := 0
	for w := range a {
		if b[w] {
			both++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// PostPass applies the memory's mechanical rules to a draft whatever wrote
// it: substitutions, the avoid list (and list items the seller removes
// from a field), no exclamation marks, no emoji, and always-include
// sentences for long descriptions. A step that would make the draft break
// one more channel rule than before is skipped, so the pass never breaks
// a limit. It returns the value and a note per change made.
func PostPass(spec generate.FieldSpec, v generate.Value, memory []string, check generate.CheckContext) (generate.Value, []string) {
	if len(memory) == 0 {
		return v, nil
	}
	r, unknown := offline.ParseMemory(memory)
	noEmoji := false
	scope := string(spec.Channel) + " " + strings.ReplaceAll(spec.Name, "_", " ")
	var dropItems []string
	for _, l := range unknown {
		low := fold(strings.TrimRight(strings.TrimLeft(l, "-*• "), ". "))
		switch {
		case low == "no emoji" || low == "no emojis":
			noEmoji = true
		case strings.HasPrefix(low, "leave out of "):
			sc, item, ok := strings.Cut(strings.TrimPrefix(low, "leave out of "), ":")
			if ok && strings.TrimSpace(sc) == scope {
				dropItems = append(dropItems, strings.TrimSpace(item))
			}
		}
	}
	html := spec.Kind == generate.KindHTML
	type step struct {
		note string
		fn   func(string) string
	}
	var steps []step
	for _, rep := range r.Replace {
		rep := rep
		steps = append(steps, step{"replaced " + rep.From + " with " + rep.To, func(s string) string { return replacePhrase(s, rep.From, rep.To, html) }})
	}
	for _, a := range r.Avoid {
		a := a
		steps = append(steps, step{"removed " + a, func(s string) string { return replacePhrase(s, a, "", html) }})
	}
	if r.NoExclamation {
		steps = append(steps, step{"no exclamation marks", func(s string) string { return noExclamation(s) }})
	}
	if noEmoji {
		steps = append(steps, step{"no emoji", func(s string) string { return tidy(generate.RemoveEmoji(s)) }})
	}
	var notes []string
	violations := len(generate.Validate(spec, v, check))
	try := func(next generate.Value, note string) {
		if equalValue(next, v) {
			return
		}
		if n := len(generate.Validate(spec, next, check)); n <= violations {
			v, violations = next, n
			notes = append(notes, "memory: "+note)
		}
	}
	for _, st := range steps {
		next := generate.Value{Text: v.Text}
		if v.Text != "" {
			next.Text = st.fn(v.Text)
		}
		for _, it := range v.Items {
			if it = strings.TrimSpace(st.fn(it)); it != "" {
				next.Items = append(next.Items, it)
			}
		}
		if spec.PerImage && len(next.Items) != len(v.Items) {
			continue
		}
		try(next, st.note)
	}
	if spec.Kind == generate.KindList && !spec.PerImage {
		for _, d := range dropItems {
			next := generate.Value{}
			for _, it := range v.Items {
				if fold(it) != d {
					next.Items = append(next.Items, it)
				}
			}
			if len(next.Items) > 0 {
				try(next, "left out "+d)
			}
		}
	}
	if longText(spec.Name) && v.Text != "" {
		for _, inc := range r.Include {
			if strings.Contains(fold(plainOf(v.Text, html)), fold(inc)) {
				continue
			}
			next := generate.Value{Text: strings.TrimRight(v.Text, " \n") + " " + inc}
			if html {
				next.Text = strings.TrimRight(v.Text, " \n") + "<p>" + htmlEscape(inc) + "</p>"
			}
			try(next, "added "+inc)
		}
	}
	return v, notes
}

func equalValue(a, b generate.Value) bool {
	if a.Text != b.Text || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	return true
}

func plainOf(s string, html bool) string {
	if html {
		return catalog.PlainText(s)
	}
	return s
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

var tagRe = regexp.MustCompile(`<[^>]*>`)

// replacePhrase swaps whole-word occurrences of from (any case) for to,
// keeping a capital first letter, outside HTML tags; an empty to removes
// the phrase and tidies the spaces and punctuation around it.
func replacePhrase(s, from, to string, html bool) string {
	from = strings.TrimSpace(from)
	if from == "" {
		return s
	}
	re, err := regexp.Compile(`(?i)(^|[^\p{L}\p{N}'-])(` + regexp.QuoteMeta(from) + `)([^\p{L}\p{N}'-]|$)`)
	if err != nil {
		return s
	}
	sub := func(text string) string {
		// Matches may share a boundary character: loop until none is left.
		for range 20 {
			next := re.ReplaceAllStringFunc(text, func(m string) string {
				parts := re.FindStringSubmatch(m)
				rep := to
				if r, _ := utf8.DecodeRuneInString(parts[2]); unicode.IsUpper(r) {
					if rep != "" {
						rep = upperFirst(rep)
					} else {
						rep = capNext // the next word takes the capital
					}
				}
				tail := parts[3]
				if to == "" && tail == "," {
					tail = "" // "a premium, warm scarf" → "a warm scarf"
				}
				return parts[1] + rep + tail
			})
			if next == text {
				break
			}
			text = next
			if to != "" {
				break // a replacement may contain from: once is enough
			}
		}
		if to == "" {
			text = tidy(text)
			text = capNextRe.ReplaceAllStringFunc(text, func(m string) string { return upperFirst(strings.TrimLeft(m, capNext+" ")) })
			text = strings.ReplaceAll(text, capNext, "")
		}
		return text
	}
	if !html {
		return sub(s)
	}
	var b strings.Builder
	last := 0
	for _, loc := range tagRe.FindAllStringIndex(s, -1) {
		b.WriteString(sub(s[last:loc[0]]))
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(sub(s[last:]))
	return b.String()
}

// capNext marks where a removed capitalised phrase was.
const capNext = "\x00"

var capNextRe = regexp.MustCompile("\x00 *\\p{Ll}")

var (
	spacesRe      = regexp.MustCompile(`[ \t]{2,}`)
	spaceBeforeRe = regexp.MustCompile(`[ \t]+([,.;:!?])`)
	doublePunctRe = regexp.MustCompile(`([,;:])\s*([,.;:!?])`)
	sentenceLower = regexp.MustCompile(`[.!?]\s+\p{Ll}`)
)

// tidy cleans what a removal leaves: double spaces, spaces before
// punctuation, doubled punctuation, a sentence starting in lower case.
func tidy(s string) string {
	lead := strings.HasPrefix(s, " ")
	s = spacesRe.ReplaceAllString(s, " ")
	s = spaceBeforeRe.ReplaceAllString(s, "$1")
	s = doublePunctRe.ReplaceAllString(s, "$2")
	s = strings.TrimLeft(s, ",;:")
	if !lead {
		s = strings.TrimLeft(s, " ")
	}
	return sentenceLower.ReplaceAllStringFunc(s, strings.ToUpper)
}

var exclRe = regexp.MustCompile(`!+`)

func noExclamation(s string) string {
	return exclRe.ReplaceAllString(s, ".")
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
