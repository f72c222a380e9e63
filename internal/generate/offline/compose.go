package offline

import (
	"slices"
	"strings"

	"github.com/plutopro/plutopro/internal/generate"
)

// piece is one sentence or list item of a long text. Pieces with a lower
// prio go first when the text must shrink.
type piece struct {
	text string
	para int  // paragraph (or list) it belongs to
	list bool // a list item
	prio int
}

// Priorities: what stays longest when a text must shrink.
const (
	prioLead     = 100 // the opening sentence: never dropped, only shortened
	prioInclude  = 90  // the brand's always-include sentences
	prioFact     = 60  // sentences and list items from the product data
	prioOption   = 55
	prioSecond   = 45
	prioVendor   = 30
	prioAudience = 20
)

// doc is a long text being written.
type doc struct {
	pieces []piece
}

func (d *doc) add(para, prio int, text string) {
	if text = strings.TrimSpace(text); text != "" {
		d.pieces = append(d.pieces, piece{text: text, para: para, prio: prio})
	}
}

func (d *doc) item(para, prio int, text string) {
	if text = strings.TrimSpace(text); text != "" {
		d.pieces = append(d.pieces, piece{text: text, para: para, list: true, prio: prio})
	}
}

// render modes.
type mode int

const (
	modeHTML   mode = iota // <p> paragraphs and <ul> lists (as the spec allows)
	modePlain              // blank lines between paragraphs, "- " list lines
	modeBreaks             // paragraphs joined by <br><br> (Amazon), else blank lines
)

func allows(spec generate.FieldSpec, tag string) bool { return slices.Contains(spec.AllowedTags, tag) }

// renderRuns writes runs of pieces: each run is a paragraph or a list.
func renderRuns(runs [][]piece, m mode, spec generate.FieldSpec) string {
	texts := func(run []piece, sentences bool) []string {
		out := make([]string, len(run))
		for i, p := range run {
			out[i] = p.text
			if sentences {
				out[i] = endSentence(p.text)
			}
		}
		return out
	}
	var b strings.Builder
	switch m {
	case modeHTML:
		lists := allows(spec, "ul") && allows(spec, "li")
		paras := allows(spec, "p")
		br := allows(spec, "br")
		for i, run := range runs {
			isList := run[0].list
			if isList && lists {
				b.WriteString("<ul>")
				for _, t := range texts(run, false) {
					b.WriteString("<li>" + escapeHTML(t) + "</li>")
				}
				b.WriteString("</ul>")
				continue
			}
			// Without lists, items become sentences.
			text := escapeHTML(strings.Join(texts(run, isList), " "))
			switch {
			case paras:
				b.WriteString("<p>" + text + "</p>")
			case br:
				if i > 0 {
					b.WriteString("<br><br>")
				}
				b.WriteString(text)
			default:
				if i > 0 {
					b.WriteString("\n\n")
				}
				b.WriteString(text)
			}
		}
	case modePlain:
		for i, run := range runs {
			if i > 0 {
				b.WriteString("\n\n")
			}
			if run[0].list {
				for j, t := range texts(run, false) {
					if j > 0 {
						b.WriteByte('\n')
					}
					b.WriteString("- " + t)
				}
				continue
			}
			b.WriteString(strings.Join(texts(run, false), " "))
		}
	case modeBreaks:
		sep := "\n\n"
		if allows(spec, "br") {
			sep = "<br><br>"
		}
		for i, run := range runs {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(strings.Join(texts(run, run[0].list), " "))
		}
	}
	return b.String()
}

// fitDoc polishes the pieces, leaves out droppable ones that would need a
// banned word removed, then drops the least important pieces until the text
// fits the field's length and the brand's word cap.
func (w *writer) fitDoc(d *doc, spec generate.FieldSpec, m mode) string {
	banned := append(append([]string(nil), w.st.avoid...), spec.BannedPhrases...)
	ps := make([]piece, 0, len(d.pieces))
	for _, p := range d.pieces {
		if p.prio < prioLead && p.prio != prioInclude && containsAny(p.text, banned) {
			continue
		}
		p.text = w.st.polish(p.text, spec, true)
		if p.text == "" || strings.Trim(p.text, ".,;:!?- ") == "" {
			continue
		}
		if !p.list {
			p.text = endSentence(p.text)
		}
		ps = append(ps, p)
	}
	slices.SortStableFunc(ps, func(a, b piece) int { return a.para - b.para })
	maxWords := w.st.maxWordsFor(spec)
	for {
		out := renderParas(ps, m, spec)
		over := spec.MaxLen > 0 && measure(out, spec.Unit) > spec.MaxLen
		wordsOver := maxWords > 0 && countWords(ps) > maxWords
		if !over && !wordsOver {
			return out
		}
		if len(ps) <= 1 {
			if len(ps) == 0 {
				return out
			}
			return w.shrinkLast(ps[0], spec, m, maxWords)
		}
		// Drop the least important piece; among equals the last one.
		low := 0
		for i, p := range ps {
			if p.prio <= ps[low].prio {
				low = i
			}
		}
		ps = slices.Delete(ps, low, low+1)
	}
}

// shrinkLast shortens the one piece left until it fits.
func (w *writer) shrinkLast(p piece, spec generate.FieldSpec, m mode, maxWords int) string {
	if maxWords > 0 && wordCount(p.text) > maxWords {
		ws := strings.Fields(p.text)
		p.text = endSentence(tidyCut(strings.Join(ws[:maxWords], " ")))
	}
	if spec.MaxLen <= 0 {
		return renderParas([]piece{p}, m, spec)
	}
	budget := spec.MaxLen
	for range 8 {
		out := renderParas([]piece{p}, m, spec)
		n := measure(out, spec.Unit)
		if n <= spec.MaxLen {
			return out
		}
		budget -= n - spec.MaxLen
		if budget <= 0 {
			return ""
		}
		p.text = clip(p.text, budget, spec.Unit, !p.list)
	}
	return renderParas([]piece{p}, m, spec)
}

func countWords(ps []piece) int {
	n := 0
	for _, p := range ps {
		n += wordCount(p.text)
	}
	return n
}

// renderParas groups consecutive pieces of the same paragraph and kind.
func renderParas(ps []piece, m mode, spec generate.FieldSpec) string {
	if len(ps) == 0 {
		return ""
	}
	var runs [][]piece
	for i, p := range ps {
		if i > 0 && ps[i-1].para == p.para && ps[i-1].list == p.list {
			runs[len(runs)-1] = append(runs[len(runs)-1], p)
			continue
		}
		runs = append(runs, []piece{p})
	}
	return renderRuns(runs, m, spec)
}
