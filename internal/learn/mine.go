package learn

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/textdiff"
)

// observation is one signal's evidence for (or against) one memory item.
type observation struct {
	key, kind, scope, line string
	against                bool
	signal                 *Signal
}

// candidate is the evidence for one memory item, gathered over signals.
type candidate struct {
	key, kind, scope, line string
	support, against       int
	evidence               []string // signal ids, newest first
	lastSeen               time.Time
	// length items: the word counts the seller accepted and the ones they cut from.
	accepted, cutFrom []int
	products          map[string]bool // the products of the supporting signals
}

// Learn recomputes a brand's memory from its latest signals: every
// candidate rule with its support, dissent and evidence, merged with what
// the seller changed (edited lines, switched-off and deleted items).
func (s *Service) Learn(ctx context.Context, brandID string) error {
	mark, err := s.watermark(ctx, brandID)
	if err != nil {
		return err
	}
	sigs, err := s.signals(ctx, brandID, maxSignals)
	if err != nil {
		return err
	}
	// What the seller changed (deletions) decides which evidence counts;
	// read it in the transaction so concurrent runs see each other's work.
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		existing, err := s.items(ctx, tx, brandID, true)
		if err != nil {
			return err
		}
		since := map[string]time.Time{}
		for _, it := range existing {
			if it.evidenceSince != nil {
				since[it.key] = *it.evidenceSince
			}
		}
		cands := mine(sigs, since)
		now := s.now()
		byKey := map[string]*Item{}
		for _, it := range existing {
			byKey[it.key] = it
		}
		for _, c := range cands {
			conf := confidence(c.support, c.against)
			ev, _ := json.Marshal(c.evidence)
			it, ok := byKey[c.key]
			if !ok {
				if c.support == 0 {
					continue
				}
				if _, err := tx.Exec(ctx, `INSERT INTO memory_items (id, brand_id, key, kind, scope, line, learned_line, support, against,
					confidence, evidence, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (brand_id, key) DO NOTHING`,
					store.NewID(), brandID, c.key, c.kind, c.scope, c.line, c.line, c.support, c.against, conf, string(ev),
					statusFor(c.support, conf), now, now); err != nil {
					return fmt.Errorf("learn: add memory item: %w", err)
				}
				continue
			}
			delete(byKey, c.key)
			status := it.Status
			switch status {
			case StatusDisabled:
			case StatusDeleted:
				if c.support >= MinSupport {
					status = statusFor(c.support, conf)
				}
			default:
				status = statusFor(c.support, conf)
			}
			line := c.line
			if it.Edited {
				line = it.Line
			}
			if it.Support == c.support && it.Against == c.against && it.Status == status && it.LearnedLine == c.line && it.Line == line &&
				slices.Equal(it.Evidence, c.evidence) {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE memory_items SET line = ?, learned_line = ?, support = ?, against = ?, confidence = ?,
				evidence = ?, status = ?, updated_at = ? WHERE id = ?`, line, c.line, c.support, c.against, conf, string(ev), status, now,
				it.ID); err != nil {
				return fmt.Errorf("learn: update memory item: %w", err)
			}
		}
		// Items no signal supports any more (their evidence was deleted
		// with products, or aged out) go, unless the seller touched them.
		for _, it := range byKey {
			if it.Edited || it.Status == StatusDisabled || it.Status == StatusDeleted {
				continue
			}
			if _, err := tx.Exec(ctx, `DELETE FROM memory_items WHERE id = ?`, it.ID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO learn_state (brand_id, signals, last_signal, learned_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (brand_id) DO UPDATE SET signals = excluded.signals, last_signal = excluded.last_signal, learned_at = excluded.learned_at`,
			brandID, mark.n, mark.last, now)
		return err
	})
}

func confidence(support, against int) float64 {
	return float64(support) / float64(support+against+1)
}

func statusFor(support int, conf float64) string {
	if support >= MinSupport && conf >= MinConfidence {
		return StatusActive
	}
	return StatusLearning
}

// maxEvidence bounds the evidence ids kept per item.
const maxEvidence = 50

// mine turns signals (oldest first) into candidates, sorted by key.
// Signals older than an item's evidence_since do not count for it.
func mine(sigs []*Signal, since map[string]time.Time) []*candidate {
	human := map[string]bool{} // drafts a person wrote: their approvals are not about the writer
	for _, sg := range sigs {
		if sg.Kind == SignalEdit || sg.Kind == SignalRestore {
			human[sg.DraftID] = true
		}
	}
	cands := map[string]*candidate{}
	lengths := map[string]*candidate{}
	for _, sg := range sigs {
		if sg.Kind == SignalApprove && human[sg.DraftID] {
			continue
		}
		obs, length := observe(sg)
		if length != nil {
			if t, ok := since[length.key]; !ok || sg.CreatedAt.After(t) {
				lc := lengths[length.key]
				if lc == nil {
					lc = &candidate{key: length.key, kind: KindLength, scope: length.scope}
					lengths[length.key] = lc
				}
				lc.accepted = append(lc.accepted, length.accepted...)
				if len(length.cutFrom) > 0 {
					lc.cutFrom = append(lc.cutFrom, length.cutFrom...)
					lc.support++
					lc.evidence = append(lc.evidence, sg.ID)
				}
			}
		}
		seen := map[string]bool{} // one vote per signal and item
		unit := sg.ProductID      // support counts products: a title and a description of one product are one piece of evidence
		if unit == "" {
			unit = sg.ID
		}
		for _, o := range obs {
			if t, ok := since[o.key]; ok && !sg.CreatedAt.After(t) {
				continue
			}
			if seen[o.key] {
				continue
			}
			seen[o.key] = true
			c := cands[o.key]
			if c == nil {
				if o.against {
					continue // dissent alone makes no item
				}
				c = &candidate{key: o.key, kind: o.kind, scope: o.scope, line: o.line}
				cands[o.key] = c
			}
			if o.against {
				c.against++
				continue
			}
			if c.products == nil {
				c.products = map[string]bool{}
			}
			if !c.products[unit] {
				c.products[unit] = true
				c.support++
			}
			c.line = o.line // the newest wording
			c.evidence = append(c.evidence, sg.ID)
			c.lastSeen = sg.CreatedAt
		}
	}
	for _, lc := range lengths {
		if n, ok := lengthCap(lc); ok {
			lc.line = fmt.Sprintf("max words %s: %d", lc.scope, n)
			cands[lc.key] = lc
		}
	}
	out := make([]*candidate, 0, len(cands))
	for _, c := range cands {
		slices.Reverse(c.evidence)
		if len(c.evidence) > maxEvidence {
			c.evidence = c.evidence[:maxEvidence]
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// lengthCap is the word cap a field's reviews point to: the longest text
// the seller accepted that is shorter than every text they cut down. It
// needs repeated cuts.
func lengthCap(c *candidate) (int, bool) {
	if c.support == 0 || len(c.cutFrom) == 0 {
		return 0, false
	}
	floor := slices.Min(c.cutFrom)
	best := 0
	for _, n := range c.accepted {
		if n < floor && n > best {
			best = n
		}
	}
	if best == 0 {
		return 0, false
	}
	return best, true
}

// lengthObs is one signal's word counts for a long text field.
type lengthObs struct {
	key, scope        string
	accepted, cutFrom []int
}

// longText reports whether a field is a long description, the fields a
// length preference applies to.
func longText(field string) bool {
	return field == "description" || field == "product_description"
}

func titleField(field string) bool {
	return field == "title" || field == "item_name" || field == "seo_title"
}

// plain is a field's text as a reader sees it: HTML without markup, list
// items one per line.
func plain(channel, field, body string) string {
	spec, ok := generate.Field(generate.Channel(channel), field)
	if ok && (spec.Kind == generate.KindHTML || len(spec.AllowedTags) > 0) {
		return catalog.PlainText(body)
	}
	return body
}

func isList(channel, field string) bool {
	spec, ok := generate.Field(generate.Channel(channel), field)
	return ok && spec.Kind == generate.KindList
}

// observe is what one signal says.
func observe(sg *Signal) ([]observation, *lengthObs) {
	scope := sg.Channel + " " + strings.ReplaceAll(sg.Field, "_", " ")
	switch sg.Kind {
	case SignalReject:
		if o, ok := guidance(sg, sg.Reason, true); ok {
			return []observation{o}, nil
		}
		return nil, nil
	case SignalRegenerate:
		if o, ok := guidance(sg, sg.Reason, false); ok {
			return []observation{o}, nil
		}
		return nil, nil
	case SignalApprove:
		text := plain(sg.Channel, sg.Field, sg.After)
		var length *lengthObs
		if longText(sg.Field) {
			length = &lengthObs{key: "length:" + scope, scope: scope, accepted: []int{textdiff.WordCount(text)}}
		}
		return dissent(sg, text), length
	case SignalEdit:
	default:
		return nil, nil
	}
	before, after := plain(sg.Channel, sg.Field, sg.Before), plain(sg.Channel, sg.Field, sg.After)
	if before == after {
		return nil, nil
	}
	var obs []observation
	add := func(kind, key, sc, line string) {
		obs = append(obs, observation{key: kind + ":" + key, kind: kind, scope: sc, line: line, signal: sg})
	}
	if isList(sg.Channel, sg.Field) {
		// Items the seller took out of a list, for this field only.
		keep := map[string]bool{}
		for _, it := range lines(after) {
			keep[fold(it)] = true
		}
		for _, it := range lines(before) {
			if f := fold(it); f != "" && !keep[f] && len(strings.Fields(f)) <= 4 {
				add(KindAvoid, scope+":"+f, scope, fmt.Sprintf("leave out of %s: %s", scope, f))
			}
		}
	}
	ops := textdiff.Words(before, after)
	added, removed := addedSentences(before, after), addedSentences(after, before)
	var subs []observation
	for _, h := range hunks(ops) {
		dw, iw := words(h.del), words(h.ins)
		// "Perfect for" → "For": the change removed a word; the rest only
		// changed case.
		if n := len(iw); n > 0 && len(dw) > n && strings.EqualFold(strings.Join(dw[len(dw)-n:], " "), strings.Join(iw, " ")) {
			dw, iw = dw[:len(dw)-n], nil
		} else if n > 0 && len(dw) > n && strings.EqualFold(strings.Join(dw[:n], " "), strings.Join(iw, " ")) {
			dw, iw = dw[n:], nil
		}
		switch {
		case len(dw) > 0 && len(iw) > 0 && strings.EqualFold(strings.Join(dw, " "), strings.Join(iw, " ")):
			// case only: title casing, below
		case len(dw) >= 1 && len(dw) <= 3 && len(iw) >= 1 && len(iw) <= 3 && !h.sentences &&
			!within(iw, added) && !within(dw, removed):
			from, to := strings.ToLower(strings.Join(dw, " ")), strings.ToLower(strings.Join(iw, " "))
			o := observation{key: KindReplace + ":" + from + "->" + to, kind: KindReplace, line: "prefer: " + from + " -> " + to, signal: sg}
			obs = append(obs, o)
			subs = append(subs, o)
		case len(dw) >= 1 && len(dw) <= 4 && len(iw) == 0 && !h.atEnd && !isList(sg.Channel, sg.Field):
			phrase := strings.ToLower(strings.Join(dw, " "))
			if !stopWord(phrase) {
				add(KindAvoid, phrase, "", "avoid: "+phrase)
			}
		}
	}
	if longText(sg.Field) {
		for _, sent := range addedSentences(before, after) {
			add(KindInclude, scope+":"+fold(sent), scope, "always include: "+sent)
		}
	}
	if strings.Contains(before, "!") && !strings.Contains(after, "!") {
		add(KindStyle, "no-exclamation", "", "no exclamation marks")
	}
	if generate.HasEmoji(before) && !generate.HasEmoji(after) {
		add(KindStyle, "no-emoji", "", "no emoji")
	}
	if titleField(sg.Field) {
		down, up := caseChanges(before, after)
		if down >= 2 && up == 0 {
			add(KindStyle, "titles-sentence-case", "", "sentence case titles")
		} else if up >= 2 && down == 0 {
			add(KindStyle, "titles-title-case", "", "title case titles")
		}
	}
	uk, us := 0, 0
	for _, o := range subs {
		from, to, _ := strings.Cut(strings.TrimPrefix(o.key, KindReplace+":"), "->")
		switch {
		case british(from, to):
			uk++
		case british(to, from):
			us++
		}
	}
	if uk > 0 && us == 0 {
		add(KindStyle, "spelling-british", "", "spelling: british")
	} else if us > 0 && uk == 0 {
		add(KindStyle, "spelling-american", "", "spelling: american")
	}
	var length *lengthObs
	if longText(sg.Field) {
		wb, wa := textdiff.WordCount(before), textdiff.WordCount(after)
		length = &lengthObs{key: "length:" + scope, scope: scope, accepted: []int{wa}}
		if wa < wb && wb-wa >= 5 && float64(wa) < 0.9*float64(wb) {
			length.cutFrom = []int{wb}
		}
	}
	return obs, length
}

// dissent is what an approval says against rules it breaks: an approved
// text that still holds an avoided phrase, or exclamation marks, tells
// against those rules. It counts only for items earlier signals started.
func dissent(sg *Signal, text string) []observation {
	var obs []observation
	low := " " + strings.ToLower(strings.Join(strings.FieldsFunc(text, notWord), " ")) + " "
	for _, w := range phrases(text) {
		if strings.Contains(low, " "+w+" ") {
			obs = append(obs, observation{key: KindAvoid + ":" + w, against: true, signal: sg})
		}
	}
	if strings.Contains(text, "!") {
		obs = append(obs, observation{key: KindStyle + ":no-exclamation", against: true, signal: sg})
	}
	return obs
}

// phrases are the one- to three-word phrases of a text, lowercased.
func phrases(text string) []string {
	ws := strings.FieldsFunc(strings.ToLower(text), notWord)
	var out []string
	for n := 1; n <= 3; n++ {
		for i := 0; i+n <= len(ws); i++ {
			out = append(out, strings.Join(ws[i:i+n], " "))
		}
	}
	return out
}

func notWord(r rune) bool {
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-')
}

// guidance is a rejection reason or instruction, normalised so the same
// words count once per signal however they are capitalised or punctuated.
func guidance(sg *Signal, text string, reject bool) (observation, bool) {
	text = strings.Join(strings.Fields(text), " ")
	norm := strings.Trim(strings.ToLower(text), " .!?")
	if norm == "" {
		return observation{}, false
	}
	line := text
	if reject {
		if preset, ok := RejectPresets[norm]; ok {
			line = preset
		} else {
			line = "Reviewers rejected drafts as: " + text
		}
	}
	return observation{key: KindGuidance + ":" + norm, kind: KindGuidance, line: line, signal: sg}, true
}

// RejectPresets are the rejection reasons the review queue offers, and the
// standing guidance each becomes when reviewers keep giving it.
var RejectPresets = map[string]string{
	"wrong facts":         "State only facts found in the product data; reviewers rejected drafts for wrong facts.",
	"off-brand tone":      "Keep closely to the brand voice; reviewers rejected drafts as off-brand in tone.",
	"too long":            "Write shorter; reviewers rejected drafts as too long.",
	"too short":           "Write more fully from the product data; reviewers rejected drafts as too short.",
	"spelling or grammar": "Check spelling and grammar; reviewers rejected drafts for spelling or grammar.",
	"not relevant":        "Keep to what matters for this product; reviewers rejected drafts as not relevant.",
}

// PresetReasons lists the presets in the order the review queue shows them.
var PresetReasons = []string{"wrong facts", "off-brand tone", "too long", "too short", "spelling or grammar", "not relevant"}

// hunk is one change between two texts.
type hunk struct {
	del, ins []textdiff.Token
	atEnd    bool // nothing but punctuation follows
	// sentences: the inserted text is whole sentences (starts where a
	// sentence starts, ends with sentence punctuation).
	sentences bool
}

func hunks(ops []textdiff.Op) []hunk {
	var out []hunk
	var cur *hunk
	startOfSentence := true
	for i, op := range ops {
		if op.Kind == textdiff.Equal {
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
			last := op.Tokens[len(op.Tokens)-1].Text
			startOfSentence = last == "." || last == "!" || last == "?"
			continue
		}
		if cur == nil {
			cur = &hunk{sentences: startOfSentence}
		}
		if op.Kind == textdiff.Delete {
			cur.del = append(cur.del, op.Tokens...)
		} else {
			cur.ins = append(cur.ins, op.Tokens...)
		}
		rest := true
		for _, later := range ops[i+1:] {
			if later.Kind == textdiff.Equal && len(words(later.Tokens)) > 0 {
				rest = false
			}
		}
		cur.atEnd = rest
	}
	if cur != nil {
		out = append(out, *cur)
	}
	for i := range out {
		h := &out[i]
		if len(h.ins) == 0 {
			h.sentences = false
			continue
		}
		last := h.ins[len(h.ins)-1].Text
		h.sentences = h.sentences && (last == "." || last == "!" || last == "?") && len(words(h.ins)) >= 3
	}
	return out
}

func words(ts []textdiff.Token) []string {
	var out []string
	for _, t := range ts {
		if t.Word() {
			out = append(out, t.Text)
		}
	}
	return out
}

// addedSentences are the sentences of after (3 to 40 words) that share
// fewer than half their words with every sentence of before: what the
// seller wrote in, not what they reworded.
func addedSentences(before, after string) []string {
	var bs [][]string
	for _, b := range sentences(before) {
		bs = append(bs, strings.FieldsFunc(strings.ToLower(b), notWord))
	}
	var out []string
	for _, a := range sentences(after) {
		ws := strings.FieldsFunc(strings.ToLower(a), notWord)
		if len(ws) < 3 || len(ws) > 40 {
			continue
		}
		added := true
		for _, b := range bs {
			if overlap(ws, b)*2 >= len(ws) {
				added = false
				break
			}
		}
		if added {
			out = append(out, a)
		}
	}
	return out
}

// within reports whether the words ws occur, in order, in one of the
// sentences: part of a sentence added or dropped whole, not a substitution.
func within(ws []string, sents []string) bool {
	phrase := " " + strings.ToLower(strings.Join(ws, " ")) + " "
	for _, s := range sents {
		if strings.Contains(" "+strings.ToLower(strings.Join(strings.FieldsFunc(s, notWord), " "))+" ", phrase) {
			return true
		}
	}
	return false
}

// overlap counts the words of a found in b.
func overlap(a, b []string) int {
	in := map[string]bool{}
	for _, w := range b {
		in[w] = true
	}
	n := 0
	for _, w := range a {
		if in[w] {
			n++
		}
	}
	return n
}

var sentenceRe = regexp.MustCompile(`[^.!?]+[.!?]+`)

// sentences splits text into sentences; a line end ends one too (list
// items without full stops).
func sentences(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-*•\u2013 "))
		ms := sentenceRe.FindAllString(line, -1)
		rest := line
		for _, m := range ms {
			rest = strings.TrimPrefix(strings.TrimSpace(rest), strings.TrimSpace(m))
			if m = strings.TrimSpace(m); m != "" {
				out = append(out, m)
			}
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			out = append(out, rest)
		}
	}
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// stopWord: removing a lone article or preposition is grammar, not a rule.
func stopWord(p string) bool {
	switch p {
	case "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "is", "it", "its", "this", "that", "your", "our":
		return true
	}
	return false
}

// caseChanges counts words after the first that the edit lowercased
// (down) or capitalised (up).
func caseChanges(before, after string) (down, up int) {
	bw, aw := words(textdiff.Tokens(before)), words(textdiff.Tokens(after))
	lower := map[string]int{}
	upper := map[string]int{}
	for i, w := range aw {
		if i == 0 {
			continue
		}
		if capitalised(w) {
			upper[strings.ToLower(w)]++
		} else if w == strings.ToLower(w) {
			lower[w]++
		}
	}
	for i, w := range bw {
		if i == 0 || len([]rune(w)) < 2 {
			continue
		}
		l := strings.ToLower(w)
		switch {
		case capitalised(w) && lower[l] > 0 && upper[l] == 0:
			down++
		case w == l && upper[l] > 0 && lower[l] == 0:
			up++
		}
	}
	return down, up
}

// capitalised: first letter upper, the rest lower (not an acronym).
func capitalised(w string) bool {
	rs := []rune(w)
	if len(rs) < 2 || !unicode.IsUpper(rs[0]) {
		return false
	}
	return string(rs[1:]) == strings.ToLower(string(rs[1:]))
}

// british reports whether to is the British spelling of the American
// from by a regular pattern: -or- → -our- anywhere (color, colorful,
// multicolored), -ize/-yze → -ise/-yse, -ter → -tre, -og → -ogue, a
// doubled l before -ed/-ing, or a known pair (gray, jewelry, cozy).
func british(from, to string) bool {
	if from == "" || from == to {
		return false
	}
	for i := 0; i+2 <= len(from); i++ {
		if from[i:i+2] == "or" && from[:i]+"our"+from[i+2:] == to {
			return true
		}
		if i+3 <= len(from) && (from[i:i+3] == "ize" || from[i:i+3] == "yze") && from[:i]+from[i:i+1]+"se"+from[i+3:] == to {
			return true
		}
	}
	for _, r := range [][2]string{{"ters", "tres"}, {"ter", "tre"}, {"ogs", "ogues"}, {"og", "ogue"}, {"eled", "elled"}, {"eling", "elling"},
		{"gray", "grey"}, {"jewelry", "jewellery"}, {"cozy", "cosy"}, {"pajamas", "pyjamas"}, {"plow", "plough"}, {"mold", "mould"}} {
		if strings.HasSuffix(from, r[0]) && strings.TrimSuffix(from, r[0])+r[1] == to {
			return true
		}
	}
	return false
}
