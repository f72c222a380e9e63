package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	nethtml "golang.org/x/net/html"

	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
)

// productsPerPage is the length of a product list page.
const productsPerPage = 50

type productListPage struct {
	basePage
	Brand  *brand.Brand
	Filter catalog.ListParams
	Facets *catalog.Facets
	// Total counts every product of the brand, whatever the filter.
	Total    int
	Products []catalog.Summary
	// Filtered is true when a search or filter narrows the list.
	Filtered bool
	// NextURL is "" on the last page, FirstURL "" on the first.
	NextURL, FirstURL string
	// Channels and DefaultChannel fill the bulk "Write drafts" form.
	Channels       []option
	DefaultChannel string
}

type productPage struct {
	basePage
	Brand   *brand.Brand
	Product *catalog.Product
	// Body is the product's body HTML after sanitising; the stored body is
	// never put in a page as it is.
	Body     template.HTML
	Variants []variantRow
	// Drafts is the product's current drafts; Generate the form that
	// writes new ones (shown to roles that edit content).
	Drafts   productDrafts
	Generate generateForm
}

// variantRow is a variant with its option values named ("Size: M").
type variantRow struct {
	catalog.Variant
	Options []string
}

// brandOf loads the brand named by the {brandID} path value.
func (s *Server) brandOf(w http.ResponseWriter, r *http.Request) (*brand.Brand, bool) {
	b, err := s.brands.Get(r.Context(), sessionFrom(r.Context()).Scope, r.PathValue("brandID"))
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	return b, true
}

func (s *Server) handleProductList(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	ctx, sc := r.Context(), sessionFrom(r.Context()).Scope
	q := r.URL.Query()
	f := catalog.ListParams{
		Query:  strings.TrimSpace(q.Get("q")),
		Type:   q.Get("type"),
		Vendor: q.Get("vendor"),
		Tag:    strings.TrimSpace(q.Get("tag")),
		Status: q.Get("status"),
		Limit:  productsPerPage,
		Cursor: q.Get("cursor"),
	}
	res, err := s.catalog.List(ctx, sc, b.ID, f)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	facets, err := s.catalog.Facets(ctx, sc, b.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	total, err := s.catalog.Count(ctx, sc, b.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	p := &productListPage{
		basePage: basePage{Title: "Products · " + b.Name, Nav: "brands"},
		Brand:    b, Filter: f, Facets: facets, Total: total, Products: res.Products,
		Filtered: f.Query != "" || f.Type != "" || f.Vendor != "" || f.Tag != "" || f.Status != "",
		Channels: channelOptions, DefaultChannel: b.DefaultChannel,
	}
	base := "/brands/" + b.ID + "/products"
	if res.NextCursor != "" {
		p.NextURL = listURL(base, f, res.NextCursor)
	}
	if f.Cursor != "" {
		p.FirstURL = listURL(base, f, "")
	}
	s.render(w, r, http.StatusOK, "products", p)
}

// listURL is the product list with the same search and filters, at cursor.
func listURL(base string, f catalog.ListParams, cursor string) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Query}, {"type", f.Type}, {"vendor", f.Vendor}, {"tag", f.Tag}, {"status", f.Status}, {"cursor", cursor}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

func (s *Server) handleProductShow(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	b, ok := s.brandOf(w, r)
	if !ok {
		return
	}
	prod, err := s.catalog.Get(r.Context(), sc, b.ID, r.PathValue("productID"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	title := prod.Title
	if title == "" {
		title = prod.Handle
	}
	p := &productPage{
		basePage: basePage{Title: title + " · " + b.Name, Nav: "brands"},
		Brand:    b,
		Product:  prod,
		Body:     bodyHTML(prod.BodyHTML),
		Generate: newGenerateForm(b),
	}
	if p.Drafts, err = s.productDraftsData(r, b, prod); err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, v := range prod.Variants {
		row := variantRow{Variant: v}
		for i, val := range v.OptionValues {
			if val == "" {
				continue
			}
			if i < len(prod.Options) && prod.Options[i].Name != "" {
				val = prod.Options[i].Name + ": " + val
			}
			row.Options = append(row.Options, val)
		}
		p.Variants = append(p.Variants, row)
	}
	s.render(w, r, http.StatusOK, "product", p)
}

// bodyHTML is a product body as a page shows it: sanitised by the catalog's
// policy (no script, no event handlers, no javascript: URLs), then with
// every <img> turned into a link to the image (or, inside a link, its
// address as text), so the page never loads an image from another site.
func bodyHTML(stored string) template.HTML {
	clean := catalog.SanitizeHTML(stored)
	if !strings.Contains(clean, "<img") {
		return template.HTML(clean) //nolint:gosec // sanitised above
	}
	var b strings.Builder
	z := nethtml.NewTokenizer(strings.NewReader(clean))
	inLink := 0
	for {
		tt := z.Next()
		if tt == nethtml.ErrorToken {
			return template.HTML(b.String()) //nolint:gosec // sanitised, images replaced by escaped text
		}
		// Token may rewrite the tokenizer's buffer, so keep the raw text first.
		raw := append([]byte(nil), z.Raw()...)
		tok := z.Token()
		switch {
		case tok.Data == "a" && tt == nethtml.StartTagToken:
			inLink++
		case tok.Data == "a" && tt == nethtml.EndTagToken:
			inLink = max(0, inLink-1)
		case tok.Data == "img" && (tt == nethtml.StartTagToken || tt == nethtml.SelfClosingTagToken):
			var src, alt string
			for _, a := range tok.Attr {
				switch a.Key {
				case "src":
					src = a.Val
				case "alt":
					alt = a.Val
				}
			}
			label := "Image"
			if alt != "" {
				label += ": " + alt
			}
			if src == "" || inLink > 0 {
				fmt.Fprintf(&b, `<span class="body-image">[%s]</span>`, html.EscapeString(label))
			} else {
				fmt.Fprintf(&b, `<a class="body-image" href="%s" rel="noopener noreferrer nofollow">[%s]</a>`,
					html.EscapeString(src), html.EscapeString(label))
			}
			continue
		}
		b.Write(raw)
	}
}

// plural writes a count with its noun: "1 product", "3 products".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// money writes an amount with two decimals and its currency, or "—".
func money(m *catalog.Money) string {
	if m == nil || m.Amount == "" {
		return "—"
	}
	s := catalog.FormatAmount(m.Amount)
	if m.Currency != "" {
		s += " " + m.Currency
	}
	return s
}
