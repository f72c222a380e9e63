package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
)

type errorPage struct {
	basePage
	Status  int
	Heading string
	Message string
}

// renderError shows err as an error page with the status its code maps to.
// Only internal errors are logged (with their cause); users see the public
// message. htmx requests get the message as plain text, which app.js shows.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	status := apperr.HTTPStatus(err)
	if status >= 500 {
		s.logger.ErrorContext(r.Context(), "web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusUnauthorized && sessionFrom(r.Context()) == nil {
		redirect(w, r, "/login")
		return
	}
	var te *account.ThrottledError
	if errors.As(err, &te) {
		w.Header().Set("Retry-After", retryAfter(te))
	}
	msg := apperr.MessageOf(err)
	if isHTMX(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(msg))
		return
	}
	p := &errorPage{Status: status, Message: msg, Heading: headings[status]}
	if p.Heading == "" {
		p.Heading = http.StatusText(status)
	}
	p.Title = p.Heading
	s.render(w, r, status, "error", p)
}

var headings = map[int]string{
	http.StatusBadRequest:            "That did not work",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Page not found",
	http.StatusConflict:              "That did not work",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusTooManyRequests:       "Slow down",
	http.StatusInternalServerError:   "Something went wrong",
}

// notFound is the 404 page for unknown paths.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, apperr.E(apperr.NotFound, "There is no page at this address."))
}

// serverError answers 500 for an unexpected error, logged with the request
// context. It writes a minimal page without templates, since rendering may be
// what failed.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.logger.ErrorContext(r.Context(), "web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong · PlutoPro</title>` +
		`<link rel="stylesheet" href="/static/app.css"></head><body><main class="narrow"><h1>Something went wrong</h1>` +
		`<p>Something went wrong on our side. Please try again.</p><p><a href="/">Go to the start page</a></p></main></body></html>`))
}

// retryAfter is the Retry-After value: whole seconds, rounded up.
func retryAfter(te *account.ThrottledError) string {
	return strconv.Itoa(max(1, int(math.Ceil(te.RetryAfter.Seconds()))))
}
