package web

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
)

type invitationPage struct {
	basePage
	Token       string
	AccountName string
	Invitation  *account.Invitation
	// SignedInAs is the signed-in user's email ("" when signed out).
	SignedInAs string
	// WrongUser is true when the signed-in user is not the one invited.
	WrongUser    bool
	LoginURL     string
	Name         string
	AgeConfirmed bool
	Errors       formErrors
}

// invitationToken reads the token from the form or the query
// (/invitations/accept?token=...).
func invitationToken(r *http.Request) string {
	if t := r.PostFormValue("token"); t != "" {
		return t
	}
	return r.URL.Query().Get("token")
}

func (s *Server) invitationPage(r *http.Request) (*invitationPage, error) {
	tok := invitationToken(r)
	name, inv, err := s.accounts.InvitationByToken(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	p := &invitationPage{basePage: basePage{Title: "Join " + name}, Token: tok, AccountName: name, Invitation: inv,
		LoginURL: loginURL("/invitations/accept?token=" + tok)}
	if sess := sessionFrom(r.Context()); sess != nil {
		p.SignedInAs = sess.User.Email
		p.WrongUser = sess.User.Email != inv.Email
	}
	return p, nil
}

func (s *Server) handleInvitation(w http.ResponseWriter, r *http.Request) {
	p, err := s.invitationPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "invitation", p)
}

// handleInvitationAccept accepts as the signed-in user, or signs a new user
// up through the invitation.
func (s *Server) handleInvitationAccept(w http.ResponseWriter, r *http.Request) {
	p, err := s.invitationPage(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if sess := sessionFrom(r.Context()); sess != nil {
		sc, err := s.accounts.AcceptInvitation(r.Context(), p.Token, sess.User.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if err := s.accounts.SwitchAccount(r.Context(), sessionTokenFrom(r.Context()), sess.User.ID, sc.AccountID); err != nil {
			s.renderError(w, r, err)
			return
		}
		redirect(w, r, "/dashboard?notice=joined")
		return
	}
	in := account.SignUpInput{
		Name:         r.PostForm.Get("name"),
		Password:     r.PostForm.Get("password"),
		AgeConfirmed: r.PostForm.Get("age_confirmed") != "",
	}
	p.Name, p.AgeConfirmed = in.Name, in.AgeConfirmed
	if !in.AgeConfirmed {
		p.Errors = formErrors{Error: "Please fix the marked field.", Fields: map[string]string{
			"age_confirmed": "PlutoPro is only for people aged 16 or older; please confirm your age."}}
		s.render(w, r, http.StatusBadRequest, "invitation", p)
		return
	}
	u, sc, err := s.accounts.SignUpInvited(r.Context(), p.Token, in)
	if err != nil {
		if apperr.HTTPStatus(err) >= 500 {
			s.renderError(w, r, err)
			return
		}
		p.Errors = formErrors{Error: apperr.MessageOf(err)}
		s.render(w, r, apperr.HTTPStatus(err), "invitation", p)
		return
	}
	if err := s.startSession(w, r, u.ID, sc.AccountID); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard?notice=joined", http.StatusSeeOther)
}
