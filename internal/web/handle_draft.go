package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
)

const (
	// draftsRead is how many current drafts the draft list reads to filter;
	// the drafts service returns at most this many.
	draftsRead = 1000
	// draftsShown is how many the draft list shows.
	draftsShown = 200
	// previewRunes is the length of a draft's preview in the draft list.
	previewRunes = 120
)

// channelLabels are the channels' names as pages show them (as the brand
// form's channelOptions do).
var channelLabels = map[string]string{
	string(generate.Shopify): "Shopify",
	string(generate.Etsy):    "Etsy",
	string(generate.Amazon):  "Amazon",
	string(generate.Google):  "Google Shopping",
}

func channelLabel(ch string) string {
	if l, ok := channelLabels[ch]; ok {
		return l
	}
	return ch
}

// counter is a length or count against its limit: "123 / 140 characters".
type counter struct {
	Text string
	// Over is true when the limit is broken.
	Over bool
}

// draftItem is one item of a list draft, with its own counter when the
// field limits each item.
type draftItem struct {
	Text  string
	Count *counter
}

// draftView is a draft as a page shows it: its value in the field's shape
// and its counters against the field's rules.
type draftView struct {
	*drafts.Draft
	Label string
	Kind  generate.Kind
	// HTML is an HTML field's value, sanitised; Text a text field's.
	HTML  template.HTML
	Text  string
	Items []draftItem
	// Count is the value's length (text) or item count (list) against the
	// limit; Total is a list's joined length when the field bounds it.
	Count counter
	Total *counter
}

// Flagged reports whether the draft breaks a rule or states facts the
// product's data does not hold.
func (d draftView) Flagged() bool { return len(d.Violations) > 0 || len(d.Ungrounded) > 0 }

// UngroundedTerms counts the facts the draft states that the product's data
// does not hold.
func (d draftView) UngroundedTerms() int {
	n := 0
	for _, u := range d.Ungrounded {
		n += len(u.Terms)
	}
	return n
}

// newDraftView shapes d for a page. images is the product's image count,
// the limit of per-image fields.
func newDraftView(d *drafts.Draft, images int) draftView {
	v := draftView{Draft: d, Label: d.Field, Kind: generate.KindText}
	spec, ok := generate.Field(generate.Channel(d.Channel), d.Field)
	if !ok {
		// A field the rules no longer know: show its text as it is.
		v.Text = d.Body
		v.Count = counter{Text: amountOf(utf8.RuneCountInString(d.Body), generate.Chars)}
		return v
	}
	v.Label, v.Kind = spec.Label, spec.Kind
	if spec.Kind == generate.KindList {
		items := d.Value.Items
		v.Count = listCounter(spec, len(items), images)
		for _, it := range items {
			item := draftItem{Text: it}
			if spec.MaxLen > 0 {
				n := measure(it, spec.Unit)
				item.Count = &counter{Text: fmt.Sprintf("%d / %s", n, amountOf(spec.MaxLen, spec.Unit)), Over: n > spec.MaxLen}
			}
			v.Items = append(v.Items, item)
		}
		if spec.MaxTotal > 0 {
			n := measure(joinItems(items), spec.Unit)
			v.Total = &counter{Text: fmt.Sprintf("%d / %s in all", n, amountOf(spec.MaxTotal, spec.Unit)), Over: n > spec.MaxTotal}
		}
		return v
	}
	if spec.Kind == generate.KindHTML || len(spec.AllowedTags) > 0 {
		v.Kind = generate.KindHTML
		v.HTML = bodyHTML(d.Value.Text)
	} else {
		v.Text = d.Value.Text
	}
	// Counted on the value as written, markup included, as the channel
	// counts it.
	n := measure(d.Value.Text, spec.Unit)
	if spec.MaxLen > 0 {
		v.Count = counter{Text: fmt.Sprintf("%d / %s", n, amountOf(spec.MaxLen, spec.Unit)), Over: n > spec.MaxLen}
	} else {
		v.Count = counter{Text: amountOf(n, spec.Unit)}
	}
	return v
}

// listCounter counts a list's items against the field's bounds: "9 / 13
// tags", or against the product's images for a per-image field.
func listCounter(spec generate.FieldSpec, n, images int) counter {
	label := itemLabel(spec)
	switch {
	case spec.PerImage:
		return counter{Text: fmt.Sprintf("%d / %d %s (one per image)", n, images, pluralWord(label)), Over: n != images}
	case spec.MaxItems > 0:
		return counter{Text: fmt.Sprintf("%d / %d %s", n, spec.MaxItems, pluralWord(label)), Over: n > spec.MaxItems || n < spec.MinItems}
	}
	return counter{Text: plural(n, label, pluralWord(label)), Over: n < spec.MinItems}
}

func itemLabel(spec generate.FieldSpec) string {
	if spec.ItemLabel != "" {
		return spec.ItemLabel
	}
	return "item"
}

func pluralWord(w string) string { return w + "s" }

// measure counts s as the channel does: Unicode characters or UTF-8 bytes.
func measure(s string, u generate.Unit) int {
	if u == generate.Bytes {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

// amountOf writes n with the unit's word: "140 characters", "249 bytes".
func amountOf(n int, u generate.Unit) string {
	if u == generate.Bytes {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d characters", n)
}

// joinItems joins a list's trimmed, non-empty items by single spaces, as a
// channel that takes them as one line counts them.
func joinItems(items []string) string {
	var parts []string
	for _, it := range items {
		if it = strings.Join(strings.Fields(it), " "); it != "" {
			parts = append(parts, it)
		}
	}
	return strings.Join(parts, " ")
}

// channelDrafts is one channel's current drafts of a product, in the order
// of the channel's fields.
type channelDrafts struct {
	Channel string
	Label   string
	Drafts  []draftView
}

// groupDrafts orders a product's drafts by channel and field.
func groupDrafts(ds []*drafts.Draft, images int) []channelDrafts {
	var out []channelDrafts
	for _, ch := range generate.Channels {
		group := channelDrafts{Channel: string(ch), Label: channelLabel(string(ch))}
		for _, spec := range generate.Fields(ch) {
			for _, d := range ds {
				if d.Channel == string(ch) && d.Field == spec.Name {
					group.Drafts = append(group.Drafts, newDraftView(d, images))
				}
			}
		}
		if len(group.Drafts) > 0 {
			out = append(out, group)
		}
	}
	return out
}

// draftListPage is the brand's current drafts with filters.
type draftListPage struct {
	basePage
	Brand    *brand.Brand
	Channels []option
	Filter   draftFilter
	Rows     []draftRow
	// More is true when more drafts match than the page shows.
	More bool
	// Filtered is true when a filter narrows the list.
	Filtered bool
}

type draftFilter struct {
	Channel string
	Status  string
	Flagged bool
}

// draftRow is one line of the draft list.
type draftRow struct {
	draftView
	ProductTitle string
	Preview      string
}

func (s *Server) handleDraftList(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	q := r.URL.Query()
	f := draftFilter{Channel: q.Get("channel"), Status: strings.TrimSpace(q.Get("status")), Flagged: q.Get("flagged") != ""}
	if _, ok := channelLabels[f.Channel]; !ok {
		f.Channel = ""
	}
	list, err := s.drafts.List(ctx, sc, b.ID, drafts.ListParams{Channel: f.Channel, Status: f.Status, Limit: draftsRead})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p := &draftListPage{
		basePage: basePage{Title: "Drafts · " + b.Name, Nav: "brands"},
		Brand:    b, Channels: channelOptions, Filter: f,
		Filtered: f.Channel != "" || f.Status != "" || f.Flagged,
	}
	products := map[string]*catalog.Product{}
	for _, d := range list {
		if len(p.Rows) == draftsShown {
			p.More = true
			break
		}
		prod, ok := products[d.ProductID]
		if !ok {
			prod, err = s.catalog.Get(ctx, sc, b.ID, d.ProductID)
			if apperr.Is(err, apperr.NotFound) {
				continue // deleted since the list was read
			}
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			products[d.ProductID] = prod
		}
		v := newDraftView(d, len(prod.Images))
		if f.Flagged && !v.Flagged() {
			continue
		}
		p.Rows = append(p.Rows, draftRow{draftView: v, ProductTitle: or(prod.Title, prod.Handle), Preview: preview(d.Body)})
	}
	p.More = p.More || len(list) == draftsRead
	s.render(w, r, http.StatusOK, "drafts", p)
}

// draftsURL is the brand's draft list with a filter.
func draftsURL(brandID, channel string) string {
	if channel == "" {
		return "/brands/" + brandID + "/drafts"
	}
	return "/brands/" + brandID + "/drafts?" + url.Values{"channel": {channel}}.Encode()
}

// preview is a draft's first words as plain text, on one line.
func preview(body string) string {
	text := body
	if strings.Contains(text, "<") {
		text = catalog.PlainText(text)
	}
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= previewRunes {
		return text
	}
	return string([]rune(text)[:previewRunes]) + "…"
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
