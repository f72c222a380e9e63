package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/telemetry"
)

const (
	sessionCookie = "plutopro_session"
	csrfCookie    = "plutopro_csrf"
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
	// maxFormBytes bounds a form body.
	maxFormBytes = 1 << 20
)

// contentSecurityPolicy allows only this origin's scripts and styles, so
// templates hold no inline script or style.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type ctxKey int

const (
	sessionKey ctxKey = iota
	sessionTokenKey
)

func sessionFrom(ctx context.Context) *account.Session {
	s, _ := ctx.Value(sessionKey).(*account.Session)
	return s
}

func sessionTokenFrom(ctx context.Context) string {
	t, _ := ctx.Value(sessionTokenKey).(string)
	return t
}

// withSession looks up the session cookie and, when it names a live
// session, puts the session in the request context. A dead cookie is
// cleared.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.accounts.SessionByToken(r.Context(), c.Value)
		switch {
		case err == nil:
			telemetry.SetUserID(r.Context(), sess.User.ID)
			ctx := context.WithValue(r.Context(), sessionKey, sess)
			ctx = context.WithValue(ctx, sessionTokenKey, c.Value)
			r = r.WithContext(ctx)
		case apperr.Is(err, apperr.Unauthenticated):
			clearCookie(w, sessionCookie)
		default:
			s.serverError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireSession sends visitors without a session to /login?next=<path>.
func requireSession(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if sessionFrom(r.Context()) == nil {
			to := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			redirect(w, r, to)
			return
		}
		next(w, r)
	}
}

// protect wraps a state-changing handler: it bounds the body, reads the
// form and checks the CSRF token (double submit: the cookie must equal the
// form field or the X-CSRF-Token header). A multipart form is read only up
// to its first file part (see readMultipartFields), so the CSRF check never
// needs the file in memory; the handler streams the file with uploadFrom.
func (s *Server) protect(next http.HandlerFunc) http.HandlerFunc {
	return s.protectBody(func() bodyLimit { return bodyLimit{maxFormBytes, "This form is too large."} }, next)
}

// protectUpload is protect for a form that carries a file: the body may be
// as large as the upload cap plus maxFormBytes for the other fields.
func (s *Server) protectUpload(next http.HandlerFunc) http.HandlerFunc {
	return s.protectBody(func() bodyLimit {
		return bodyLimit{s.transfer.MaxUploadBytes + maxFormBytes, uploadTooLarge(s.transfer.MaxUploadBytes)}
	}, next)
}

// bodyLimit is the largest body a route reads and what to say when a
// request sends more.
type bodyLimit struct {
	bytes    int64
	tooLarge string
}

func (s *Server) protectBody(limit func() bodyLimit, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lim := limit()
		if r.ContentLength > lim.bytes {
			s.renderError(w, r, apperr.E(apperr.TooLarge, "%s", lim.tooLarge))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, lim.bytes)
		var err error
		if isMultipart(r) {
			r, err = readMultipartFields(r, lim.tooLarge)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				s.renderError(w, r, apperr.E(apperr.TooLarge, "%s", lim.tooLarge))
			case apperr.CodeOf(err) != apperr.Internal:
				s.renderError(w, r, err)
			default:
				s.renderError(w, r, apperr.E(apperr.Invalid, "This form could not be read."))
			}
			return
		}
		sent := r.Header.Get(csrfHeader)
		if sent == "" {
			sent = r.PostForm.Get(csrfField)
		}
		c, err := r.Cookie(csrfCookie)
		if err != nil || !validCSRF(c.Value) || subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
			s.renderError(w, r, apperr.E(apperr.Forbidden, "This form expired; reload the page and try again."))
			return
		}
		next(w, r)
	}
}

// csrfToken returns the browser's CSRF token, setting the cookie when the
// browser has none yet.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && validCSRF(c.Value) {
		return c.Value
	}
	for _, line := range w.Header().Values("Set-Cookie") {
		// Already set earlier in this response.
		if c, err := http.ParseSetCookie(line); err == nil && c.Name == csrfCookie && validCSRF(c.Value) {
			return c.Value
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: tok, Path: "/",
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	return tok
}

func validCSRF(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == 32
}

func setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		MaxAge:   int(account.SessionMax.Seconds()),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
}

func clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
}

// clientIP is the address the access log resolved, or the peer address
// when no access log ran.
func clientIP(r *http.Request) string {
	if ip := telemetry.ClientIPFrom(r.Context()); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func isLoopback(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap().IsLoopback()
}

// localPath returns next when it is a path on this site, else fallback.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	return next
}
