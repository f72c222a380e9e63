package web

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
)

type tokensPage struct {
	basePage
	Tokens []account.APIToken
	// NewToken is the raw token just created, shown on this response only.
	NewToken  string
	NewName   string
	TokenName string
	Errors    formErrors
}

// tokenRow is one row of the token list (also the htmx swap after revoking).
type tokenRow struct {
	Token account.APIToken
	CSRF  string
}

func (s *Server) tokensData(r *http.Request) (*tokensPage, error) {
	toks, err := s.accounts.Tokens(r.Context(), sessionFrom(r.Context()).Scope)
	if err != nil {
		return nil, err
	}
	return &tokensPage{basePage: basePage{Title: "API tokens", Nav: "tokens"}, Tokens: toks}, nil
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) {
	p, err := s.tokensData(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tokens", p)
}

// handleTokenCreate shows the new raw token once, on this response; the
// server keeps only its hash, and the list shows only its prefix.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	name := r.PostForm.Get("name")
	t, raw, err := s.accounts.CreateToken(r.Context(), sessionFrom(r.Context()).Scope, name)
	if err != nil && apperr.HTTPStatus(err) >= 500 {
		s.renderError(w, r, err)
		return
	}
	p, perr := s.tokensData(r)
	if perr != nil {
		s.renderError(w, r, perr)
		return
	}
	if err != nil {
		p.TokenName = name
		p.Errors = formErrors{Fields: map[string]string{"name": apperr.MessageOf(err)}}
		s.render(w, r, apperr.HTTPStatus(err), "tokens", p)
		return
	}
	p.NewToken, p.NewName = raw, t.Name
	s.render(w, r, http.StatusCreated, "tokens", p)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.accounts.RevokeToken(r.Context(), sessionFrom(r.Context()).Scope, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	if isHTMX(r) {
		p, err := s.tokensData(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, t := range p.Tokens {
			if t.ID == id {
				s.renderFragment(w, r, "tokens", "token_row", tokenRow{Token: t, CSRF: s.csrfToken(w, r)})
				return
			}
		}
	}
	redirect(w, r, "/tokens?notice=token-revoked")
}
