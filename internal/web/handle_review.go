package web

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/textdiff"
)

const (
	// queueShown is how many drafts the review queue shows at once.
	queueShown = 100
	// regenerateWait is how long a regeneration's form post waits for the
	// writer before redirecting, so a quick writer's new version is on the
	// page it lands on (a slow one's progress is, and htmx follows it).
	regenerateWait = 3 * time.Second
)

// reviewFilter is the review queue's filter. Status "" means any status;
// a queue opened without one shows the drafts still to review.
type reviewFilter struct {
	Status  string
	Channel string
	Field   string
	Flagged bool
}

// reviewStatuses are the status filter's choices; "any" stands for "".
var reviewStatuses = []option{
	{drafts.DraftPending, "To review"},
	{drafts.DraftApproved, "Approved"},
	{drafts.DraftRejected, "Rejected"},
	{drafts.DraftPublished, "Published"},
	{"any", "Any status"},
}

// fieldOptions are every channel's fields by name, for the field filter.
// A name several channels share ("title") is one choice.
var fieldOptions = func() []option {
	var out []option
	seen := map[string]bool{}
	for _, ch := range generate.Channels {
		for _, f := range generate.Fields(ch) {
			if !seen[f.Name] {
				seen[f.Name] = true
				out = append(out, option{f.Name, f.Label})
			}
		}
	}
	return out
}()

func reviewFilterFrom(q url.Values) reviewFilter {
	f := reviewFilter{Status: drafts.DraftPending, Channel: q.Get("channel"), Field: q.Get("field"), Flagged: q.Get("flagged") != ""}
	switch st := q.Get("status"); st {
	case "any":
		f.Status = ""
	case drafts.DraftPending, drafts.DraftApproved, drafts.DraftRejected, drafts.DraftPublished:
		f.Status = st
	}
	if _, ok := channelLabels[f.Channel]; !ok {
		f.Channel = ""
	}
	if !slices.ContainsFunc(fieldOptions, func(o option) bool { return o.Value == f.Field }) {
		f.Field = ""
	}
	return f
}

// StatusValue is the status filter's form value.
func (f reviewFilter) StatusValue() string {
	if f.Status == "" {
		return "any"
	}
	return f.Status
}

// Default reports whether the filter is the queue's default (drafts to review).
func (f reviewFilter) Default() bool { return f == reviewFilter{Status: drafts.DraftPending} }

// Query is the filter as a URL query ("" for the default).
func (f reviewFilter) Query() string {
	v := url.Values{}
	if f.Status != drafts.DraftPending {
		v.Set("status", f.StatusValue())
	}
	if f.Channel != "" {
		v.Set("channel", f.Channel)
	}
	if f.Field != "" {
		v.Set("field", f.Field)
	}
	if f.Flagged {
		v.Set("flagged", "1")
	}
	return v.Encode()
}

// matches reports whether the queue with this filter shows d.
func (f reviewFilter) matches(d *drafts.Draft) bool {
	return d.Current && (f.Status == "" || d.Status == f.Status) && (f.Channel == "" || d.Channel == f.Channel) &&
		(f.Field == "" || d.Field == f.Field) && (!f.Flagged || len(d.Violations) > 0 || len(d.Ungrounded) > 0)
}

// reviewURL is the brand's review queue with a filter, extra query values
// and an anchor.
func reviewURL(brandID string, f reviewFilter, extra url.Values, anchor string) string {
	u := "/brands/" + brandID + "/review"
	q, _ := url.ParseQuery(f.Query())
	for k, vs := range extra {
		q[k] = vs
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

// reviewPage is a brand's review queue.
type reviewPage struct {
	basePage
	Brand    *brand.Brand
	Filter   reviewFilter
	Statuses []option
	Channels []option
	Fields   []option
	Reasons  []string
	Products []reviewProduct
	// Shown counts the drafts on the page; More is true when more match.
	Shown int
	More  bool
	// Generation is the regeneration the page follows (?generation=).
	Generation *reviewGeneration
	// Failed is the action that just failed, shown with its message.
	Failed *reviewFailure
}

// Back is the filter as the forms send it back, so an action returns to
// the same queue.
func (p *reviewPage) Back() string { return p.Filter.Query() }

// reviewFailure is an action the services refused, with what the reviewer
// typed, so nothing typed is lost.
type reviewFailure struct {
	Slot    string // the draft's anchor ("" for a bulk action)
	Action  string // approve, reject, edit, regenerate, restore, bulk
	Message string
	Body    string
	Preset  string
	Reason  string
	Instr   string
}

// reviewProduct is one product's drafts in the queue.
type reviewProduct struct {
	ID     string
	Title  string
	Drafts []*reviewDraft
}

// reviewDraft is one draft in the queue: the draft, the product's own
// value of the field, their word diff, the editor and the field's history.
type reviewDraft struct {
	draftView
	// Slot is the draft's anchor: product, channel and field, so it stays
	// the same across versions.
	Slot string
	// Next is the anchor of the draft after it (before it, for the last),
	// where the queue goes when this one leaves it.
	Next string
	// Source is the product's own value of the field as text ("" when it
	// has none); Diff marks the words the draft removed and added.
	Source string
	Diff   template.HTML
	Same   bool
	Editor editorView
	// History is the field's earlier versions, newest first.
	History []versionView
	Failed  *reviewFailure
	images  int
}

// versionView is an earlier version of a field.
type versionView struct {
	*drafts.Draft
	Text string
}

// Author says who or what wrote a version.
func (v versionView) Author() string { return authorOf(v.Draft) }

func authorOf(d *drafts.Draft) string {
	if d.Provider == drafts.ProviderHuman {
		return "edited by a person"
	}
	s := "written by the " + d.Provider + " writer"
	if d.Model != "" {
		s += " (" + d.Model + ")"
	}
	return s
}

// Author says who or what wrote the current version.
func (d *reviewDraft) Author() string { return authorOf(d.Draft) }

// editorView is the inline editor of a draft: its text and what the
// counter script needs to count it as the server does.
type editorView struct {
	ID   string
	Body string
	// Kind is "list" (one item per line) or "text".
	Kind      string
	Unit      generate.Unit
	MaxLen    int
	MinItems  int
	MaxItems  int
	MaxTotal  int
	Images    int // the product's images, for a per-image field; -1 otherwise
	Item      string
	Items     string
	Count     counter
	Longest   *counter
	Total     *counter
	Multiline bool
}

func newEditor(slot string, v draftView, body string, images int) editorView {
	e := editorView{ID: "edit-" + slot, Body: body, Kind: "text", Unit: generate.Chars, Images: -1, Multiline: true}
	spec, ok := generate.Field(generate.Channel(v.Channel), v.Field)
	if !ok {
		e.Count = counter{Text: amountOf(measure(strings.TrimSpace(body), generate.Chars), generate.Chars)}
		return e
	}
	e.Unit, e.MaxLen = spec.Unit, spec.MaxLen
	value := drafts.ParseBody(spec, body)
	if spec.Kind != generate.KindList {
		n := measure(value.Text, spec.Unit)
		e.Count = counter{Text: amountOf(n, spec.Unit)}
		if spec.MaxLen > 0 {
			e.Count = counter{Text: fmt.Sprintf("%d / %s", n, amountOf(spec.MaxLen, spec.Unit)), Over: n > spec.MaxLen}
		}
		e.Multiline = spec.MaxLen == 0 || spec.MaxLen > 400
		return e
	}
	e.Kind, e.MinItems, e.MaxItems, e.MaxTotal = "list", spec.MinItems, spec.MaxItems, spec.MaxTotal
	if spec.PerImage {
		e.Images = images
	}
	e.Item = itemLabel(spec)
	e.Items = pluralWord(e.Item)
	e.Count = listCounter(spec, len(value.Items), images)
	if spec.MaxLen > 0 {
		longest := 0
		for _, it := range value.Items {
			longest = max(longest, measure(it, spec.Unit))
		}
		e.Longest = &counter{Text: fmt.Sprintf("longest %s: %d / %s", e.Item, longest, amountOf(spec.MaxLen, spec.Unit)), Over: longest > spec.MaxLen}
	}
	if spec.MaxTotal > 0 {
		n := measure(joinItems(value.Items), spec.Unit)
		e.Total = &counter{Text: fmt.Sprintf("%d / %s in all", n, amountOf(spec.MaxTotal, spec.Unit)), Over: n > spec.MaxTotal}
	}
	return e
}

// reviewGeneration is a regeneration the queue follows.
type reviewGeneration struct {
	BrandID    string
	Generation *drafts.Generation
	Field      string
	// Query is the queue's filter, kept by the polling fragment.
	Query string
}

// PollURL is the fragment htmx polls while the regeneration runs.
func (g reviewGeneration) PollURL() string {
	u := "/brands/" + g.BrandID + "/review/generations/" + g.Generation.ID
	if g.Query != "" {
		u += "?" + g.Query
	}
	return u
}

func (s *Server) reviewGenerationOf(ctx context.Context, b *brand.Brand, id string, f reviewFilter) (*reviewGeneration, error) {
	g, err := s.drafts.Get(ctx, sessionFrom(ctx).Scope, b.ID, id)
	if err != nil {
		return nil, err
	}
	rg := &reviewGeneration{BrandID: b.ID, Generation: g, Query: f.Query()}
	if len(g.Fields) == 1 {
		rg.Field = g.Fields[0]
		if spec, ok := generate.Field(generate.Channel(g.Channel), g.Fields[0]); ok {
			rg.Field = spec.Label
		}
	}
	return rg, nil
}

// slotOf is a draft's anchor in the queue.
func slotOf(d *drafts.Draft) string { return "r-" + d.ProductID + "-" + d.Channel + "-" + d.Field }

// validSlot bounds what a form may name as the anchor to return to.
var validSlot = regexp.MustCompile(`^r-[A-Za-z0-9_-]{1,200}$`)

// fieldRank orders drafts as the channels list their fields.
func fieldRank(channel, field string) int {
	for i, ch := range generate.Channels {
		if string(ch) != channel {
			continue
		}
		for j, f := range generate.Fields(ch) {
			if f.Name == field {
				return i*100 + j
			}
		}
		return i*100 + 99
	}
	return len(generate.Channels) * 100
}

// sourceValue is the product's own value of a field as text (list items
// one per line), or "" when it has none: what the catalog imported, which
// PlutoPro never overwrites.
func sourceValue(p *catalog.Product, field string) (text string, items []string) {
	switch field {
	case "title", "item_name":
		return strings.TrimSpace(p.Title), nil
	case "description", "product_description":
		return catalog.PlainText(p.BodyHTML), nil
	case "seo_title":
		return strings.TrimSpace(p.SEOTitle), nil
	case "seo_description":
		return strings.TrimSpace(p.SEODescription), nil
	case "tags":
		return "", p.Tags
	case "image_alt":
		for _, im := range p.Images {
			if a := strings.TrimSpace(im.Alt); a != "" {
				items = append(items, a)
			}
		}
		return "", items
	}
	return "", nil
}

// itemSep joins list items for the diff, so each item stays apart.
const itemSep = " · "

// diffText is a draft's value as the diff compares it: HTML as plain text,
// list items joined by itemSep.
func diffText(d *drafts.Draft) string {
	if len(d.Value.Items) > 0 {
		return strings.Join(d.Value.Items, itemSep)
	}
	if strings.Contains(d.Value.Text, "<") {
		return catalog.PlainText(d.Value.Text)
	}
	return d.Value.Text
}

// diffHTML writes a word diff: removed words in <del>, added ones in
// <ins>, the space before a run outside it. Every text is escaped.
func diffHTML(ops []textdiff.Op) template.HTML {
	var b strings.Builder
	for i, op := range ops {
		if len(op.Tokens) == 0 {
			continue
		}
		// A replacement at the very start has no space between the removed
		// and the added words; give it one, so they do not read as one word.
		if i > 0 && (op.Tokens[0].Space || op.Kind == textdiff.Insert && ops[i-1].Kind == textdiff.Delete) {
			b.WriteByte(' ')
		}
		text := html.EscapeString(op.Text())
		switch op.Kind {
		case textdiff.Delete:
			b.WriteString(`<del class="diff-del">` + text + `</del>`)
		case textdiff.Insert:
			b.WriteString(`<ins class="diff-ins">` + text + `</ins>`)
		default:
			b.WriteString(text)
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every text is escaped above
}

// newReviewDraft shapes a current draft for the queue.
func newReviewDraft(d *drafts.Draft, p *catalog.Product, history []*drafts.Draft) *reviewDraft {
	v := &reviewDraft{draftView: newDraftView(d, len(p.Images)), Slot: slotOf(d), images: len(p.Images)}
	text, items := sourceValue(p, d.Field)
	if len(items) > 0 {
		text = strings.Join(items, itemSep)
	}
	v.Source = text
	if text != "" {
		ops := textdiff.Words(text, diffText(d))
		v.Diff = diffHTML(ops)
		v.Same = !slices.ContainsFunc(ops, func(o textdiff.Op) bool { return o.Kind != textdiff.Equal })
	}
	v.Editor = newEditor(v.Slot, v.draftView, d.Body, len(p.Images))
	for _, old := range history {
		if old.ID == d.ID || old.Current {
			continue
		}
		t := old.Body
		if strings.Contains(t, "<") {
			t = catalog.PlainText(t)
		}
		v.History = append(v.History, versionView{Draft: old, Text: t})
	}
	return v
}

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := reviewFilterFrom(q)
	p, err := s.reviewData(r, b, f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if q.Get("notice") == "bulk-approved" {
		n, _ := strconv.Atoi(q.Get("n"))
		p.Notice = plural(max(n, 0), "draft", "drafts") + " approved."
	}
	if id := q.Get("generation"); id != "" {
		g, err := s.reviewGenerationOf(r.Context(), b, id, f)
		switch {
		case err == nil:
			p.Generation = g
		case !apperr.Is(err, apperr.NotFound):
			s.renderError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "review", p)
}

// reviewData loads the queue: the current drafts the filter matches,
// grouped by product, each with the product's value and the history.
func (s *Server) reviewData(r *http.Request, b *brand.Brand, f reviewFilter) (*reviewPage, error) {
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	list, err := s.drafts.List(ctx, sc, b.ID, drafts.ListParams{Status: f.Status, Channel: f.Channel, Field: f.Field, Flagged: f.Flagged,
		Limit: queueShown + 1})
	if err != nil {
		return nil, err
	}
	p := &reviewPage{
		basePage: basePage{Title: "Review · " + b.Name, Nav: "brands"},
		Brand:    b, Filter: f, Statuses: reviewStatuses, Channels: channelOptions, Fields: fieldOptions, Reasons: learn.PresetReasons,
	}
	if len(list) > queueShown {
		list, p.More = list[:queueShown], true
	}
	byProduct := map[string][]*drafts.Draft{}
	var order []string
	for _, d := range list {
		if _, ok := byProduct[d.ProductID]; !ok {
			order = append(order, d.ProductID)
		}
		byProduct[d.ProductID] = append(byProduct[d.ProductID], d)
	}
	var all []*reviewDraft
	for _, pid := range order {
		prod, err := s.catalog.Get(ctx, sc, b.ID, pid)
		if apperr.Is(err, apperr.NotFound) {
			continue // deleted since the list was read
		}
		if err != nil {
			return nil, err
		}
		versions, err := s.drafts.List(ctx, sc, b.ID, drafts.ListParams{ProductID: pid, All: true, Limit: 1000})
		if err != nil {
			return nil, err
		}
		ds := byProduct[pid]
		slices.SortStableFunc(ds, func(a, c *drafts.Draft) int { return fieldRank(a.Channel, a.Field) - fieldRank(c.Channel, c.Field) })
		rp := reviewProduct{ID: pid, Title: or(prod.Title, prod.Handle)}
		for _, d := range ds {
			var history []*drafts.Draft
			for _, v := range versions {
				if v.Channel == d.Channel && v.Field == d.Field {
					history = append(history, v)
				}
			}
			rd := newReviewDraft(d, prod, history)
			rp.Drafts = append(rp.Drafts, rd)
			all = append(all, rd)
		}
		p.Products = append(p.Products, rp)
	}
	for i, d := range all {
		switch {
		case i+1 < len(all):
			d.Next = all[i+1].Slot
		case i > 0:
			d.Next = all[i-1].Slot
		}
	}
	p.Shown = len(all)
	return p, nil
}

// reviewAction is what an action handler needs: the brand, the draft the
// path names (in that brand), and the filter to return to.
type reviewAction struct {
	brand  *brand.Brand
	draft  *drafts.Draft
	filter reviewFilter
}

// reviewTarget loads the brand and the draft of an action; a draft of
// another brand or account is not found.
func (s *Server) reviewTarget(w http.ResponseWriter, r *http.Request) (reviewAction, bool) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return reviewAction{}, false
	}
	d, err := s.drafts.Draft(r.Context(), sessionFrom(r.Context()).Scope, r.PathValue("draftID"))
	if err == nil && d.BrandID != b.ID {
		err = apperr.E(apperr.NotFound, "Draft not found.")
	}
	if err != nil {
		s.renderError(w, r, err)
		return reviewAction{}, false
	}
	back, _ := url.ParseQuery(r.PostForm.Get("back"))
	return reviewAction{brand: b, draft: d, filter: reviewFilterFrom(back)}, true
}

// reviewDone sends the reviewer back to the queue: to the draft's place
// when the queue still shows it, else to the next draft.
func (s *Server) reviewDone(w http.ResponseWriter, r *http.Request, a reviewAction, d *drafts.Draft, extra url.Values) {
	anchor := ""
	if d != nil && a.filter.matches(d) {
		anchor = slotOf(d)
	} else if next := r.PostForm.Get("next"); validSlot.MatchString(next) {
		anchor = next
	}
	redirect(w, r, reviewURL(a.brand.ID, a.filter, extra, anchor))
}

// reviewFailed shows a refused action on the queue itself, in the
// service's words, keeping what the reviewer typed. Errors that are not
// about the action's input (forbidden, not found) get the error page.
func (s *Server) reviewFailed(w http.ResponseWriter, r *http.Request, b *brand.Brand, f reviewFilter, fail reviewFailure, err error) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict, apperr.TooLarge:
	default:
		s.renderError(w, r, err)
		return
	}
	p, lerr := s.reviewData(r, b, f)
	if lerr != nil {
		s.renderError(w, r, lerr)
		return
	}
	fail.Message = apperr.MessageOf(err)
	p.Failed = &fail
	for _, rp := range p.Products {
		for _, d := range rp.Drafts {
			if d.Slot == fail.Slot {
				d.Failed = &fail
				if fail.Action == "edit" {
					d.Editor = newEditor(d.Slot, d.draftView, fail.Body, d.images)
				}
			}
		}
	}
	s.render(w, r, apperr.HTTPStatus(err), "review", p)
}

func (s *Server) handleReviewApprove(w http.ResponseWriter, r *http.Request) {
	a, ok := s.reviewTarget(w, r)
	if !ok {
		return
	}
	d, err := s.drafts.Approve(r.Context(), sessionFrom(r.Context()).Scope, a.draft.ID)
	if err != nil {
		s.reviewFailed(w, r, a.brand, a.filter, reviewFailure{Slot: slotOf(a.draft), Action: "approve"}, err)
		return
	}
	s.reviewDone(w, r, a, d, url.Values{"notice": {"draft-approved"}})
}

func (s *Server) handleReviewReject(w http.ResponseWriter, r *http.Request) {
	a, ok := s.reviewTarget(w, r)
	if !ok {
		return
	}
	preset, own := r.PostForm.Get("preset"), strings.TrimSpace(r.PostForm.Get("reason"))
	reason := own
	if reason == "" {
		reason = preset
	}
	d, err := s.drafts.Reject(r.Context(), sessionFrom(r.Context()).Scope, a.draft.ID, reason)
	if err != nil {
		s.reviewFailed(w, r, a.brand, a.filter, reviewFailure{Slot: slotOf(a.draft), Action: "reject", Preset: preset, Reason: own}, err)
		return
	}
	s.reviewDone(w, r, a, d, url.Values{"notice": {"draft-rejected"}})
}

func (s *Server) handleReviewEdit(w http.ResponseWriter, r *http.Request) {
	a, ok := s.reviewTarget(w, r)
	if !ok {
		return
	}
	body, approve := r.PostForm.Get("body"), r.PostForm.Get("approve") == "yes"
	d, err := s.drafts.Edit(r.Context(), sessionFrom(r.Context()).Scope, a.draft.ID, body, approve)
	if err != nil {
		s.reviewFailed(w, r, a.brand, a.filter, reviewFailure{Slot: slotOf(a.draft), Action: "edit", Body: body}, err)
		return
	}
	notice := "draft-saved"
	switch {
	case d.ID == a.draft.ID && approve:
		notice = "draft-approved" // the text was the draft's own
	case d.ID == a.draft.ID:
		notice = "draft-unchanged"
	case approve:
		notice = "draft-saved-approved"
	}
	s.reviewDone(w, r, a, d, url.Values{"notice": {notice}})
}

func (s *Server) handleReviewRestore(w http.ResponseWriter, r *http.Request) {
	a, ok := s.reviewTarget(w, r)
	if !ok {
		return
	}
	d, err := s.drafts.Restore(r.Context(), sessionFrom(r.Context()).Scope, a.draft.ID)
	if err != nil {
		s.reviewFailed(w, r, a.brand, a.filter, reviewFailure{Slot: slotOf(a.draft), Action: "restore"}, err)
		return
	}
	s.reviewDone(w, r, a, d, url.Values{"notice": {"draft-restored"}})
}

// handleReviewRegenerate asks the writer for a new version of the draft's
// field, waits a moment for it, and returns to the queue following the
// generation: its new version when done, its progress otherwise.
func (s *Server) handleReviewRegenerate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.reviewTarget(w, r)
	if !ok {
		return
	}
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	instr := r.PostForm.Get("instruction")
	g, err := s.drafts.Regenerate(ctx, sc, a.draft.ID, instr)
	if err != nil {
		s.reviewFailed(w, r, a.brand, a.filter, reviewFailure{Slot: slotOf(a.draft), Action: "regenerate", Instr: instr}, err)
		return
	}
	wctx, cancel := context.WithTimeout(ctx, regenerateWait)
	defer cancel()
	_, _ = s.drafts.Wait(wctx, sc, a.brand.ID, g.ID, nil)
	// The new version sits in the same place as the old one.
	redirect(w, r, reviewURL(a.brand.ID, a.filter, url.Values{"generation": {g.ID}}, slotOf(a.draft)))
}

// handleReviewGeneration is the regeneration status htmx polls; once the
// generation has finished it asks htmx to reload the queue, which then
// shows the new version.
func (s *Server) handleReviewGeneration(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	g, err := s.reviewGenerationOf(r.Context(), b, r.PathValue("generationID"), reviewFilterFrom(r.URL.Query()))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if g.Generation.Finished() && isHTMX(r) {
		w.Header().Set("HX-Refresh", "true")
	}
	s.renderFragment(w, r, "review", "review_generation", g)
}

// handleReviewBulkApprove approves the checked drafts, all or none.
func (s *Server) handleReviewBulkApprove(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	back, _ := url.ParseQuery(r.PostForm.Get("back"))
	f := reviewFilterFrom(back)
	ids := r.PostForm["draft_id"]
	var err error
	n := 0
	if len(ids) == 0 {
		err = apperr.E(apperr.Invalid, "Select at least one draft to approve.")
	} else {
		n, err = s.drafts.BulkApprove(r.Context(), sessionFrom(r.Context()).Scope, b.ID, ids)
	}
	if err != nil {
		s.reviewFailed(w, r, b, f, reviewFailure{Action: "bulk"}, err)
		return
	}
	redirect(w, r, reviewURL(b.ID, f, url.Values{"notice": {"bulk-approved"}, "n": {strconv.Itoa(n)}}, ""))
}
