package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/telemetry"
)

type signUpPage struct {
	basePage
	Name, Email, AccountName string
	AgeConfirmed             bool
	Errors                   formErrors
}

func (s *Server) handleSignUpForm(w http.ResponseWriter, r *http.Request) {
	if sessionFrom(r.Context()) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signup", &signUpPage{basePage: basePage{Title: "Create your account"}})
}

func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request) {
	in := account.SignUpInput{
		Name:         r.PostForm.Get("name"),
		Email:        r.PostForm.Get("email"),
		Password:     r.PostForm.Get("password"),
		AgeConfirmed: r.PostForm.Get("age_confirmed") != "",
		AccountName:  r.PostForm.Get("account_name"),
	}
	p := &signUpPage{basePage: basePage{Title: "Create your account"},
		Name: in.Name, Email: in.Email, AccountName: in.AccountName, AgeConfirmed: in.AgeConfirmed}
	if !in.AgeConfirmed {
		p.Errors = formErrors{Error: "Please fix the marked field.", Fields: map[string]string{
			"age_confirmed": "PlutoPro is only for people aged 16 or older; please confirm your age."}}
		s.render(w, r, http.StatusBadRequest, "signup", p)
		return
	}
	u, a, err := s.accounts.SignUp(r.Context(), in)
	if err != nil {
		if apperr.HTTPStatus(err) >= 500 {
			s.renderError(w, r, err)
			return
		}
		p.Errors = formErrors{Error: apperr.MessageOf(err)}
		s.render(w, r, apperr.HTTPStatus(err), "signup", p)
		return
	}
	if err := s.startSession(w, r, u.ID, a.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

// startSession issues a new session (a new token every time, so a token
// planted before sign-in is never promoted) and sets the cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID, accountID string) error {
	if old := sessionTokenFrom(r.Context()); old != "" {
		if err := s.accounts.EndSession(r.Context(), old); err != nil {
			return err
		}
	}
	tok, err := s.accounts.CreateSession(r.Context(), userID, accountID, clientIP(r), r.UserAgent())
	if err != nil {
		return err
	}
	setSessionCookie(w, tok)
	telemetry.SetUserID(r.Context(), userID)
	return nil
}

type loginPage struct {
	basePage
	Email  string
	Next   string
	Errors formErrors
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"), "")
	if sessionFrom(r.Context()) != nil {
		http.Redirect(w, r, localPath(next, "/dashboard"), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", &loginPage{basePage: basePage{Title: "Sign in"}, Next: next})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	email := r.PostForm.Get("email")
	next := localPath(r.PostForm.Get("next"), "")
	p := &loginPage{basePage: basePage{Title: "Sign in"}, Email: email, Next: next}
	u, err := s.accounts.Login(r.Context(), email, r.PostForm.Get("password"), clientIP(r))
	if err != nil {
		status := apperr.HTTPStatus(err)
		if status >= 500 {
			s.renderError(w, r, err)
			return
		}
		var te *account.ThrottledError
		if errors.As(err, &te) {
			w.Header().Set("Retry-After", retryAfter(te))
			status = http.StatusTooManyRequests
		}
		p.Errors = formErrors{Error: apperr.MessageOf(err)}
		s.render(w, r, status, "login", p)
		return
	}
	if err := s.startSession(w, r, u.ID, ""); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(next, "/dashboard"), http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if tok := sessionTokenFrom(r.Context()); tok != "" {
		if err := s.accounts.EndSession(r.Context(), tok); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	clearCookie(w, sessionCookie)
	redirect(w, r, "/login?notice=signed-out")
}

type forgotPage struct {
	basePage
	Email string
	Sent  bool
	// Outbox is true when mail is not sent over SMTP, so the operator reads it at /dev/outbox.
	Outbox bool
	Errors formErrors
}

func (s *Server) handleForgotForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "forgot", &forgotPage{basePage: basePage{Title: "Reset your password"}})
}

// handleForgot answers the same whether or not the email has an account.
func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) {
	p := &forgotPage{basePage: basePage{Title: "Reset your password"}, Email: r.PostForm.Get("email")}
	err := s.accounts.RequestPasswordReset(r.Context(), p.Email)
	switch {
	case err == nil:
		p.Sent, p.Outbox = true, !s.outbox.Sends()
		s.render(w, r, http.StatusOK, "forgot", p)
	case apperr.HTTPStatus(err) < 500:
		p.Errors = formErrors{Error: apperr.MessageOf(err)}
		s.render(w, r, apperr.HTTPStatus(err), "forgot", p)
	default:
		s.renderError(w, r, err)
	}
}

type resetPage struct {
	basePage
	Token  string
	Valid  bool
	Errors formErrors
}

// resetToken reads the token from the form or the query (/reset?token=...).
func resetToken(r *http.Request) string {
	if t := r.PostFormValue("token"); t != "" {
		return t
	}
	return r.URL.Query().Get("token")
}

func (s *Server) handleResetForm(w http.ResponseWriter, r *http.Request) {
	tok := resetToken(r)
	p := &resetPage{basePage: basePage{Title: "Choose a new password"}, Token: tok, Valid: tok != "" && s.accounts.ResetTokenValid(r.Context(), tok)}
	status := http.StatusOK
	if !p.Valid {
		status = http.StatusNotFound
	}
	s.render(w, r, status, "reset", p)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	tok := resetToken(r)
	p := &resetPage{basePage: basePage{Title: "Choose a new password"}, Token: tok, Valid: true}
	_, err := s.accounts.ResetPassword(r.Context(), tok, r.PostForm.Get("password"))
	if err != nil {
		if apperr.HTTPStatus(err) >= 500 {
			s.renderError(w, r, err)
			return
		}
		p.Valid = s.accounts.ResetTokenValid(r.Context(), tok)
		p.Errors = formErrors{Fields: map[string]string{"password": apperr.MessageOf(err)}}
		s.render(w, r, apperr.HTTPStatus(err), "reset", p)
		return
	}
	// Every session of the user ended; they sign in with the new password.
	if sessionFrom(r.Context()) != nil {
		clearCookie(w, sessionCookie)
	}
	http.Redirect(w, r, "/login?notice=password-reset", http.StatusSeeOther)
}

type outboxPage struct {
	basePage
	Messages []mail.Message
}

// handleOutbox lists mail for the operator when mail is not sent, to
// loopback clients only; everyone else gets 404. A request that came through
// a proxy (forwarding headers) is refused even from loopback: behind a
// reverse proxy on the same machine every visitor looks local, and the
// outbox holds password reset links.
func (s *Server) handleOutbox(w http.ResponseWriter, r *http.Request) {
	proxied := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != ""
	if s.outbox.Sends() || proxied || !isLoopback(clientIP(r)) {
		s.notFound(w, r)
		return
	}
	msgs, err := s.outbox.Recent(r.Context(), 50)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "outbox", &outboxPage{basePage: basePage{Title: "Outbox"}, Messages: msgs})
}

// loginURL is the sign-in page that returns to next afterwards.
func loginURL(next string) string {
	if next == "" || strings.HasPrefix(next, "/login") {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}
