package web

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/tenant"
)

type settingsPage struct {
	basePage
	Name        string
	AccountName string
	Memberships []account.Membership
	// CurrentAccountID marks the account this session acts in.
	CurrentAccountID string
	ProfileErrors    formErrors
	PasswordErrors   formErrors
	AccountErrors    formErrors
}

func (s *Server) settingsData(r *http.Request) (*settingsPage, error) {
	sess := sessionFrom(r.Context())
	ms, err := s.accounts.Memberships(r.Context(), sess.User.ID)
	if err != nil {
		return nil, err
	}
	acct, err := s.accounts.AccountByID(r.Context(), sess.Scope)
	if err != nil {
		return nil, err
	}
	return &settingsPage{basePage: basePage{Title: "Settings", Nav: "settings"}, Name: sess.User.Name,
		AccountName: acct.Name, Memberships: ms, CurrentAccountID: sess.Scope.AccountID}, nil
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	p, err := s.settingsData(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "settings", p)
}

// settingsResult redirects on success, or re-renders the settings page with
// the error beside the form that failed.
func (s *Server) settingsResult(w http.ResponseWriter, r *http.Request, err error, notice string, set func(p *settingsPage, fe formErrors)) {
	if err == nil {
		redirect(w, r, "/settings?notice="+notice)
		return
	}
	if apperr.HTTPStatus(err) >= 500 || apperr.Is(err, apperr.Forbidden) {
		s.renderError(w, r, err)
		return
	}
	p, perr := s.settingsData(r)
	if perr != nil {
		s.renderError(w, r, perr)
		return
	}
	set(p, formErrors{Error: apperr.MessageOf(err)})
	s.render(w, r, apperr.HTTPStatus(err), "settings", p)
}

func (s *Server) handleSettingsProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PostForm.Get("name")
	err := s.accounts.UpdateProfile(r.Context(), sessionFrom(r.Context()).User.ID, name)
	s.settingsResult(w, r, err, "profile-saved", func(p *settingsPage, fe formErrors) {
		p.Name, p.ProfileErrors = name, fe
	})
}

// handleSettingsPassword changes the password; every other session ends.
func (s *Server) handleSettingsPassword(w http.ResponseWriter, r *http.Request) {
	err := s.accounts.ChangePassword(r.Context(), sessionFrom(r.Context()).User.ID,
		r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), sessionTokenFrom(r.Context()))
	s.settingsResult(w, r, err, "password-changed", func(p *settingsPage, fe formErrors) { p.PasswordErrors = fe })
}

func (s *Server) handleSettingsAccount(w http.ResponseWriter, r *http.Request) {
	sc := sessionFrom(r.Context()).Scope
	if err := sc.Require(tenant.ManageAccount); err != nil {
		s.renderError(w, r, err)
		return
	}
	name := r.PostForm.Get("account_name")
	err := s.accounts.RenameAccount(r.Context(), sc, name)
	s.settingsResult(w, r, err, "account-saved", func(p *settingsPage, fe formErrors) {
		p.AccountName, p.AccountErrors = name, fe
	})
}

func (s *Server) handleAccountSwitch(w http.ResponseWriter, r *http.Request) {
	sess := sessionFrom(r.Context())
	if err := s.accounts.SwitchAccount(r.Context(), sessionTokenFrom(r.Context()), sess.User.ID, r.PostForm.Get("account_id")); err != nil {
		s.renderError(w, r, err)
		return
	}
	redirect(w, r, "/dashboard?notice=account-switched")
}
