package web

import (
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/textdiff"
)

// learningPage is a brand's memory (what its reviews taught the writer)
// and a chart of how much reviewers had to change over time.
type learningPage struct {
	basePage
	Brand   *brand.Brand
	Items   []*memoryView
	History []historyRow
	// Chart is nil when there is no review history yet.
	Chart *historyChart
	// Failed is a change the service refused.
	Failed *memoryFailure
}

// memoryFailure is a refused change to a memory item, with the line typed.
type memoryFailure struct {
	ItemID  string
	Message string
	Line    string
}

// memoryView is one memory item with the review actions behind it.
type memoryView struct {
	*learn.Item
	Evidence []evidenceView
	Failed   *memoryFailure
}

var memoryKinds = map[string]string{
	learn.KindAvoid:    "Avoid",
	learn.KindReplace:  "Replace",
	learn.KindInclude:  "Include",
	learn.KindLength:   "Length",
	learn.KindStyle:    "Style",
	learn.KindGuidance: "Guidance",
}

// KindLabel is the item's kind as the page names it.
func (m *memoryView) KindLabel() string {
	if l, ok := memoryKinds[m.Kind]; ok {
		return l
	}
	return m.Kind
}

// ScopeLabel is where the item applies: "Etsy description", or every field.
func (m *memoryView) ScopeLabel() string {
	if m.Scope == "" {
		return "Every channel and field"
	}
	ch, field, _ := strings.Cut(m.Scope, " ")
	return channelLabel(ch) + " " + field
}

// ConfidencePercent is the item's confidence as a whole percentage.
func (m *memoryView) ConfidencePercent() int { return int(math.Round(m.Confidence * 100)) }

// StatusLabel says what the item's status means.
func (m *memoryView) StatusLabel() string {
	switch m.Status {
	case learn.StatusActive:
		return "active"
	case learn.StatusLearning:
		return "learning"
	case learn.StatusDisabled:
		return "switched off"
	}
	return m.Status
}

// FormLine is the line the form shows: what was typed when a change failed.
func (m *memoryView) FormLine() string {
	if m.Failed != nil {
		return m.Failed.Line
	}
	return m.Line
}

// evidenceView is one review action behind a memory item.
type evidenceView struct {
	*learn.Signal
	What   string
	Field  string
	Before string
	After  string
}

var signalWhat = map[string]string{
	learn.SignalApprove:    "Approved",
	learn.SignalReject:     "Rejected",
	learn.SignalEdit:       "Edited",
	learn.SignalRegenerate: "Regenerated",
	learn.SignalRestore:    "Restored an earlier version",
}

// snippetWords is how many words of context a before/after snippet shows.
const snippetWords = 30

func newEvidence(sg *learn.Signal) evidenceView {
	e := evidenceView{Signal: sg, What: signalWhat[sg.Kind], Field: channelLabel(sg.Channel) + " " + strings.ReplaceAll(sg.Field, "_", " ")}
	if e.What == "" {
		e.What = sg.Kind
	}
	before, after := plainBody(sg.Before), plainBody(sg.After)
	if sg.Kind == learn.SignalEdit || sg.Kind == learn.SignalRestore {
		e.Before, e.After = snippets(before, after)
		return e
	}
	e.Before, _ = snippets(before, before)
	return e
}

// plainBody is a stored value as plain text: HTML without markup, list
// items one per line joined by itemSep.
func plainBody(s string) string {
	if strings.Contains(s, "<") {
		s = catalog.PlainText(s)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", itemSep)), " ")
}

// snippets cut a before and after text to the words around their first
// difference, so a long description shows what the edit changed.
func snippets(a, b string) (string, string) {
	ta, tb := textdiff.Tokens(a), textdiff.Tokens(b)
	pre := 0
	for pre < len(ta) && pre < len(tb) && ta[pre].Text == tb[pre].Text {
		pre++
	}
	start := max(0, pre-snippetWords/3)
	cut := func(ts []textdiff.Token) string {
		if start >= len(ts) {
			return ""
		}
		end := min(len(ts), start+snippetWords)
		part := append([]textdiff.Token(nil), ts[start:end]...)
		part[0].Space = false
		s := textdiff.Join(part)
		if start > 0 {
			s = "…" + s
		}
		if end < len(ts) {
			s += "…"
		}
		return s
	}
	return cut(ta), cut(tb)
}

// historyRow is one History point as the data table shows it.
type historyRow struct {
	learn.Point
	Distance int
	Clean    int
}

func (s *Server) handleLearning(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	p, err := s.learningData(r, b)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "learning", p)
}

func (s *Server) learningData(r *http.Request, b *brand.Brand) (*learningPage, error) {
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	items, err := s.learn.List(ctx, sc, b.ID)
	if err != nil {
		return nil, err
	}
	p := &learningPage{basePage: basePage{Title: "Learning · " + b.Name, Nav: "brands"}, Brand: b}
	for _, it := range items {
		sigs, err := s.learn.Evidence(ctx, sc, b.ID, it.ID)
		if err != nil {
			return nil, err
		}
		m := &memoryView{Item: it}
		for _, sg := range sigs {
			m.Evidence = append(m.Evidence, newEvidence(sg))
		}
		p.Items = append(p.Items, m)
	}
	points, err := s.learn.History(ctx, sc, b.ID)
	if err != nil {
		return nil, err
	}
	for _, pt := range points {
		p.History = append(p.History, historyRow{Point: pt, Distance: percent(pt.MeanDistance), Clean: percent(pt.CleanRate)})
	}
	p.Chart = newHistoryChart(points)
	return p, nil
}

// memoryDone returns to the learning page at the item.
func memoryDone(w http.ResponseWriter, r *http.Request, brandID, itemID, notice string) {
	redirect(w, r, "/brands/"+brandID+"/learning?notice="+notice+"#m-"+itemID)
}

// memoryFailed shows a refused change on the learning page, in the
// service's words; errors not about the input get the error page.
func (s *Server) memoryFailed(w http.ResponseWriter, r *http.Request, b *brand.Brand, fail memoryFailure, err error) {
	if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.Conflict {
		s.renderError(w, r, err)
		return
	}
	p, lerr := s.learningData(r, b)
	if lerr != nil {
		s.renderError(w, r, lerr)
		return
	}
	fail.Message = apperr.MessageOf(err)
	p.Failed = &fail
	for _, m := range p.Items {
		if m.ID == fail.ItemID {
			m.Failed = &fail
		}
	}
	s.render(w, r, apperr.HTTPStatus(err), "learning", p)
}

func (s *Server) handleMemoryLine(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	id, line := r.PathValue("itemID"), r.PostForm.Get("line")
	if _, err := s.learn.Update(r.Context(), sessionFrom(r.Context()).Scope, b.ID, id, learn.Patch{Line: &line}); err != nil {
		s.memoryFailed(w, r, b, memoryFailure{ItemID: id, Line: line}, err)
		return
	}
	memoryDone(w, r, b.ID, id, "memory-saved")
}

func (s *Server) handleMemoryStatus(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	id := r.PathValue("itemID")
	var on bool
	switch r.PostForm.Get("enabled") {
	case "on":
		on = true
	case "off":
	default:
		s.renderError(w, r, apperr.E(apperr.Invalid, "Say whether to switch the item on or off."))
		return
	}
	if _, err := s.learn.Update(r.Context(), sessionFrom(r.Context()).Scope, b.ID, id, learn.Patch{Enabled: &on}); err != nil {
		s.memoryFailed(w, r, b, memoryFailure{ItemID: id}, err)
		return
	}
	notice := "memory-disabled"
	if on {
		notice = "memory-enabled"
	}
	memoryDone(w, r, b.ID, id, notice)
}

func (s *Server) handleMemoryDelete(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	if err := s.learn.Delete(r.Context(), sessionFrom(r.Context()).Scope, b.ID, r.PathValue("itemID")); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/brands/"+b.ID+"/learning?notice=memory-deleted")
}

// percent is a share (0 to 1) as a whole percentage.
func percent(f float64) int { return int(math.Round(f * 100)) }

// draftStatus is a draft's status as pages name it.
func draftStatus(st string) string {
	switch st {
	case drafts.DraftPending:
		return "to review"
	case drafts.DraftApproved:
		return "approved"
	case drafts.DraftRejected:
		return "rejected"
	case drafts.DraftPublished:
		return "published"
	}
	return st
}

// historyChart is the review history as an inline SVG line chart: mean
// edit distance and the share approved without edit, both 0–100 %, over
// the number of reviews. Coordinates are computed here so the template
// holds no arithmetic; colours are presentation attributes, which the
// style-src policy does not restrict.
type historyChart struct {
	Width, Height            float64
	Left, Right, Top, Bottom float64
	// TickEnd is where the x axis's tick marks end, below the axis.
	TickEnd        float64
	XTicks, YTicks []chartTick
	Series         []chartSeries
	// MidX and MidY centre the axis titles.
	MidX, MidY float64
}

type chartTick struct {
	Pos   float64
	Label string
}

type chartSeries struct {
	Name   string
	Color  string
	Points string // the polyline's "x,y x,y …"
	Dots   []chartDot
	// The series' legend entry: a line from LegendX to LegendLineEnd with a
	// dot at LegendDot, and the name from LegendText, at height LegendY.
	LegendX, LegendLineEnd, LegendDot, LegendText, LegendY float64
}

type chartDot struct {
	X, Y  float64
	Label string
}

// Chart geometry, in SVG user units.
const (
	chartWidth  = 640
	chartHeight = 320
)

func newHistoryChart(points []learn.Point) *historyChart {
	if len(points) == 0 {
		return nil
	}
	c := &historyChart{Width: chartWidth, Height: chartHeight, Left: 64, Right: chartWidth - 24, Top: 48, Bottom: chartHeight - 56}
	c.MidX, c.MidY = round1((c.Left+c.Right)/2), round1((c.Top+c.Bottom)/2)
	c.TickEnd = c.Bottom + 5
	maxX := max(1, points[len(points)-1].Reviews)
	step := niceStep(maxX)
	maxX = (maxX + step - 1) / step * step
	x := func(n int) float64 { return round1(c.Left + float64(n)/float64(maxX)*(c.Right-c.Left)) }
	y := func(f float64) float64 { return round1(c.Bottom - math.Max(0, math.Min(1, f))*(c.Bottom-c.Top)) }
	for n := 0; n <= maxX; n += step {
		c.XTicks = append(c.XTicks, chartTick{Pos: x(n), Label: fmt.Sprint(n)})
	}
	for pct := 0; pct <= 100; pct += 25 {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(float64(pct) / 100), Label: fmt.Sprintf("%d%%", pct)})
	}
	dist := chartSeries{Name: "Mean edit distance", Color: "#b91c1c"}
	clean := chartSeries{Name: "Approved without edit", Color: "#047857"}
	for i, s := range []*chartSeries{&dist, &clean} {
		s.LegendX, s.LegendY = c.Left+float64(i)*220, 20
		s.LegendLineEnd, s.LegendDot, s.LegendText = s.LegendX+24, s.LegendX+12, s.LegendX+32
	}
	for _, pt := range points {
		when := fmt.Sprintf("Reviews %d–%d", pt.Reviews-pt.Count+1, pt.Reviews)
		dist.Dots = append(dist.Dots, chartDot{X: x(pt.Reviews), Y: y(pt.MeanDistance),
			Label: fmt.Sprintf("%s: mean edit distance %d%%", when, percent(pt.MeanDistance))})
		clean.Dots = append(clean.Dots, chartDot{X: x(pt.Reviews), Y: y(pt.CleanRate),
			Label: fmt.Sprintf("%s: %d%% approved without edit", when, percent(pt.CleanRate))})
	}
	for _, s := range []*chartSeries{&dist, &clean} {
		xy := make([]string, len(s.Dots))
		for i, d := range s.Dots {
			xy[i] = fmt.Sprintf("%g,%g", d.X, d.Y)
		}
		s.Points = strings.Join(xy, " ")
	}
	c.Series = []chartSeries{dist, clean}
	return c
}

// niceStep is a tick step (1, 2 or 5 times a power of ten) giving at most
// about six ticks from 0 to n.
func niceStep(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if n <= m*p*6 {
				return m * p
			}
		}
	}
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }
