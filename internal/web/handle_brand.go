package web

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/tenant"
)

type brandListPage struct {
	basePage
	Brands []*brand.Brand
}

type brandPage struct {
	basePage
	Brand *brand.Brand
}

// brandForm is the brand profile as the form holds it: word lists as one
// entry per line.
type brandForm struct {
	Name, Description, Voice, Audience, Guidelines string
	WordsAvoid, WordsPrefer                        string
	Language, DefaultChannel                       string
}

type option struct{ Value, Label string }

type brandFormPage struct {
	basePage
	// Brand is nil when creating.
	Brand     *brand.Brand
	Form      brandForm
	Errors    formErrors
	Languages []option
	Channels  []option
}

type brandDeletePage struct {
	basePage
	Brand *brand.Brand
}

func formOf(b *brand.Brand) brandForm {
	return brandForm{
		Name: b.Name, Description: b.Description, Voice: b.Voice, Audience: b.Audience, Guidelines: b.Guidelines,
		WordsAvoid: strings.Join(b.WordsAvoid, "\n"), WordsPrefer: strings.Join(b.WordsPrefer, "\n"),
		Language: b.Language, DefaultChannel: b.DefaultChannel,
	}
}

func brandFormFrom(r *http.Request) brandForm {
	f := r.PostForm
	return brandForm{
		Name: f.Get("name"), Description: f.Get("description"), Voice: f.Get("voice"), Audience: f.Get("audience"),
		Guidelines: f.Get("guidelines"), WordsAvoid: f.Get("words_avoid"), WordsPrefer: f.Get("words_prefer"),
		Language: f.Get("language"), DefaultChannel: f.Get("default_channel"),
	}
}

func (f brandForm) input() brand.Input {
	avoid, prefer := splitLines(f.WordsAvoid), splitLines(f.WordsPrefer)
	return brand.Input{
		Name: &f.Name, Description: &f.Description, Voice: &f.Voice, Audience: &f.Audience, Guidelines: &f.Guidelines,
		WordsAvoid: &avoid, WordsPrefer: &prefer, Language: &f.Language, DefaultChannel: &f.DefaultChannel,
	}
}

func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

var languageOptions = func() []option {
	out := make([]option, 0, len(brand.Languages))
	for tag, name := range brand.Languages {
		out = append(out, option{tag, name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}()

var channelOptions = func() []option {
	labels := map[string]string{"shopify": "Shopify", "etsy": "Etsy", "amazon": "Amazon", "google": "Google Shopping"}
	out := make([]option, 0, len(brand.Channels))
	for _, c := range brand.Channels {
		l := labels[c]
		if l == "" {
			l = c
		}
		out = append(out, option{c, l})
	}
	return out
}()

func (s *Server) formPage(title string, b *brand.Brand, f brandForm) *brandFormPage {
	return &brandFormPage{basePage: basePage{Title: title, Nav: "brands"}, Brand: b, Form: f,
		Languages: languageOptions, Channels: channelOptions}
}

// brandErrors turns a brand.ValidationError into messages by field.
func brandErrors(err error) (formErrors, bool) {
	var ve *brand.ValidationError
	if !errors.As(err, &ve) {
		return formErrors{}, false
	}
	fe := formErrors{Error: "Please fix the marked fields.", Fields: map[string]string{}}
	for _, f := range ve.Fields {
		if fe.Fields[f.Field] == "" {
			fe.Fields[f.Field] = f.Message
		}
	}
	return fe, true
}

func (s *Server) handleBrandList(w http.ResponseWriter, r *http.Request) {
	brands, err := s.brands.List(r.Context(), sessionFrom(r.Context()).Scope)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "brands", &brandListPage{basePage: basePage{Title: "Brands", Nav: "brands"}, Brands: brands})
}

func (s *Server) handleBrandNew(w http.ResponseWriter, r *http.Request) {
	if err := sessionFrom(r.Context()).Scope.Require(tenant.ManageBrands); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "brand_form", s.formPage("New brand", nil, formOf(&brand.Brand{Language: "en", DefaultChannel: "shopify"})))
}

func (s *Server) handleBrandCreate(w http.ResponseWriter, r *http.Request) {
	f := brandFormFrom(r)
	b, err := s.brands.Create(r.Context(), sessionFrom(r.Context()).Scope, f.input())
	if err != nil {
		if fe, ok := brandErrors(err); ok {
			p := s.formPage("New brand", nil, f)
			p.Errors = fe
			s.render(w, r, http.StatusBadRequest, "brand_form", p)
			return
		}
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/brands/"+b.ID+"?notice=brand-created")
}

func (s *Server) brand(w http.ResponseWriter, r *http.Request) (*brand.Brand, bool) {
	b, err := s.brands.Get(r.Context(), sessionFrom(r.Context()).Scope, r.PathValue("id"))
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	return b, true
}

func (s *Server) handleBrandShow(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brand(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "brand", &brandPage{basePage: basePage{Title: b.Name, Nav: "brands"}, Brand: b})
}

func (s *Server) handleBrandEdit(w http.ResponseWriter, r *http.Request) {
	b, ok := s.brand(w, r)
	if !ok {
		return
	}
	if err := sessionFrom(r.Context()).Scope.Require(tenant.EditContent); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "brand_form", s.formPage("Edit "+b.Name, b, formOf(b)))
}

func (s *Server) handleBrandUpdate(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	f := brandFormFrom(r)
	b, err := s.brands.Update(r.Context(), sc, r.PathValue("id"), f.input())
	if err != nil {
		if fe, ok := brandErrors(err); ok {
			old, gerr := s.brands.Get(r.Context(), sc, r.PathValue("id"))
			if gerr != nil {
				s.renderError(w, r, gerr)
				return
			}
			p := s.formPage("Edit "+old.Name, old, f)
			p.Errors = fe
			s.render(w, r, http.StatusBadRequest, "brand_form", p)
			return
		}
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/brands/"+b.ID+"?notice=brand-saved")
}

// handleBrandDelete deletes when the form says confirm=yes (the confirm
// page's button, or htmx after hx-confirm); otherwise it shows the confirm page.
func (s *Server) handleBrandDelete(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	if r.PostForm.Get("confirm") != "yes" {
		b, ok := s.brand(w, r)
		if !ok {
			return
		}
		if err := sc.Require(tenant.ManageBrands); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "brand_delete", &brandDeletePage{basePage: basePage{Title: "Delete " + b.Name, Nav: "brands"}, Brand: b})
		return
	}
	if err := s.brands.Delete(r.Context(), sc, r.PathValue("id")); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/brands?notice=brand-deleted")
}
