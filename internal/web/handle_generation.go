package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/tenant"
)

// generationPage is a generation's progress.
type generationPage struct {
	basePage
	Brand        *brand.Brand
	Generation   *drafts.Generation
	ChannelLabel string
	// FieldLabels are the fields asked for, as the channel names them.
	FieldLabels []string
}

// Percent is how much of the generation is done, 0 to 100.
func (p *generationPage) Percent() int {
	g := p.Generation
	if g.Products == 0 {
		return 100
	}
	return min(100, g.Done*100/g.Products)
}

// Tokens is every token the generation used.
func (p *generationPage) Tokens() int {
	g := p.Generation
	return g.InputTokens + g.CachedInputTokens + g.CacheWriteTokens + g.OutputTokens
}

// Cost is the generation's cost in US dollars.
func (p *generationPage) Cost() string { return fmt.Sprintf("$%.4f", p.Generation.CostUSD) }

// DraftsURL lists the drafts of the generation's channel.
func (p *generationPage) DraftsURL() string { return draftsURL(p.Brand.ID, p.Generation.Channel) }

// ReviewURL is the review queue of the generation's channel.
func (p *generationPage) ReviewURL() string {
	return reviewURL(p.Brand.ID, reviewFilter{Status: drafts.DraftPending, Channel: p.Generation.Channel}, nil, "")
}

// generateForm is the product page's "Write drafts" form: a channel, and
// optionally some of its fields.
type generateForm struct {
	Default  string
	Channels []option
	Fields   []channelFields
}

type channelFields struct {
	Channel string
	Label   string
	Fields  []generate.FieldSpec
}

func newGenerateForm(b *brand.Brand) generateForm {
	f := generateForm{Default: b.DefaultChannel, Channels: channelOptions}
	for _, ch := range generate.Channels {
		f.Fields = append(f.Fields, channelFields{Channel: string(ch), Label: channelLabel(string(ch)), Fields: generate.Fields(ch)})
	}
	return f
}

// productDrafts is the drafts section of a product page, and the fragment
// htmx polls while a generation for the product runs.
type productDrafts struct {
	BrandID   string
	ProductID string
	// Generation is the one the page follows (?generation=), or nil.
	Generation *drafts.Generation
	Channels   []channelDrafts
}

// Polling reports whether the section is still waiting for its generation.
func (p productDrafts) Polling() bool { return p.Generation != nil && !p.Generation.Finished() }

// PollURL is the fragment's own address.
func (p productDrafts) PollURL() string {
	return "/brands/" + p.BrandID + "/products/" + p.ProductID + "/drafts?" + url.Values{"generation": {p.Generation.ID}}.Encode()
}

// productDraftsData loads a product's current drafts and the generation
// named by ?generation=, if it is the brand's.
func (s *Server) productDraftsData(r *http.Request, b *brand.Brand, prod *catalog.Product) (productDrafts, error) {
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	out := productDrafts{BrandID: b.ID, ProductID: prod.ID}
	if id := r.URL.Query().Get("generation"); id != "" {
		g, err := s.drafts.Get(ctx, sc, b.ID, id)
		switch {
		case err == nil:
			out.Generation = g
		case !apperr.Is(err, apperr.NotFound):
			return out, err
		}
	}
	ds, err := s.drafts.List(ctx, sc, b.ID, drafts.ListParams{ProductID: prod.ID, Limit: draftsRead})
	if err != nil {
		return out, err
	}
	out.Channels = groupDrafts(ds, len(prod.Images))
	return out, nil
}

// handleProductDrafts is the drafts section of a product page, the fragment
// htmx polls while a generation runs; once it has finished the fragment
// carries no trigger, so polling stops.
func (s *Server) handleProductDrafts(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	prod, err := s.catalog.Get(r.Context(), sessionFrom(r.Context()).Scope, b.ID, r.PathValue("productID"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d, err := s.productDraftsData(r, b, prod)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderFragment(w, r, "product", "product_drafts", d)
}

// handleProductGenerate starts a generation for one product and sends the
// browser to the product's drafts, which follow it.
func (s *Server) handleProductGenerate(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	sc := sessionFrom(r.Context()).Scope
	if err := sc.Require(tenant.EditContent); err != nil {
		s.renderError(w, r, err)
		return
	}
	ch := r.PostForm.Get("channel")
	if ch == "" {
		ch = b.DefaultChannel
	}
	// The form offers every channel's fields as channel:field; only the
	// chosen channel's count. None checked means every field.
	var fields []string
	for _, v := range r.PostForm["field"] {
		if name, ok := strings.CutPrefix(v, ch+":"); ok {
			fields = append(fields, name)
		}
	}
	pid := r.PathValue("productID")
	g, err := s.drafts.Start(r.Context(), sc, b.ID, drafts.StartInput{Channel: ch, Fields: fields, ProductIDs: []string{pid}})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/brands/"+b.ID+"/products/"+url.PathEscape(pid)+"?"+url.Values{"generation": {g.ID}}.Encode()+"#drafts")
}

// handleGenerationCreate starts a generation from the product list: the
// selected products, or (mode=missing) every product's missing fields.
func (s *Server) handleGenerationCreate(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	sc := sessionFrom(r.Context()).Scope
	if err := sc.Require(tenant.EditContent); err != nil {
		s.renderError(w, r, err)
		return
	}
	in := drafts.StartInput{Channel: r.PostForm.Get("channel")}
	if r.PostForm.Get("mode") == "missing" {
		in.OnlyMissing = true
	} else {
		in.ProductIDs = r.PostForm["product_id"]
		if len(in.ProductIDs) == 0 {
			s.renderError(w, r, apperr.E(apperr.Invalid, "Select at least one product, or choose “Fill missing fields for all”."))
			return
		}
	}
	g, err := s.drafts.Start(r.Context(), sc, b.ID, in)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/brands/"+b.ID+"/generations/"+g.ID)
}

// generationData loads the generation named by the path.
func (s *Server) generationData(w http.ResponseWriter, r *http.Request) (*generationPage, bool) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return nil, false
	}
	g, err := s.drafts.Get(r.Context(), sessionFrom(r.Context()).Scope, b.ID, r.PathValue("generationID"))
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	p := &generationPage{basePage: basePage{Title: channelLabel(g.Channel) + " drafts · " + b.Name, Nav: "brands"},
		Brand: b, Generation: g, ChannelLabel: channelLabel(g.Channel)}
	for _, name := range g.Fields {
		label := name
		if spec, ok := generate.Field(generate.Channel(g.Channel), name); ok {
			label = spec.Label
		}
		p.FieldLabels = append(p.FieldLabels, label)
	}
	return p, true
}

func (s *Server) handleGenerationShow(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.generationData(w, r); ok {
		s.render(w, r, http.StatusOK, "generation", p)
	}
}

// handleGenerationProgress is the fragment htmx polls while the generation
// runs; once it has finished the fragment carries no trigger, so polling
// stops. It holds the cancel form, so it needs the page's token and rights.
func (s *Server) handleGenerationProgress(w http.ResponseWriter, r *http.Request) {
	p, ok := s.generationData(w, r)
	if !ok {
		return
	}
	if err := s.fillBase(w, r, &p.basePage); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.renderFragment(w, r, "generation", "generation_progress", p)
}

// handleGenerationCancel stops a generation; drafts already written stay.
// A generation that finished meanwhile stays as it is, without a notice.
func (s *Server) handleGenerationCancel(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	ctx, sc, id := r.Context(), sessionFrom(r.Context()).Scope, r.PathValue("generationID")
	if err := s.drafts.Cancel(ctx, sc, b.ID, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	g, err := s.drafts.Get(ctx, sc, b.ID, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	to := "/brands/" + b.ID + "/generations/" + g.ID
	if g.Status == drafts.StatusCanceled {
		to += "?notice=canceled"
	}
	redirect(w, r, to)
}
