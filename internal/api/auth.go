package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/telemetry"
	"github.com/plutopro/plutopro/internal/tenant"
)

type scopeKey struct{}

// requireToken authenticates the bearer token and runs next with the token's
// scope in the context (see scopeOf); without a valid token it answers 401.
func (s *server) requireToken(accounts *account.Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := bearerToken(r)
		if !ok {
			s.writeError(w, r, apperr.E(apperr.Unauthenticated, "A valid API token is required (Authorization: Bearer ppt_...)."))
			return
		}
		sc, err := accounts.ScopeByToken(r.Context(), raw)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		telemetry.SetUserID(r.Context(), sc.UserID)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), scopeKey{}, sc)))
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>" header
// (the scheme is case-insensitive, RFC 9110).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// scopeOf returns the scope requireToken authenticated. Outside it, the zero
// Scope, which every service refuses.
func scopeOf(r *http.Request) tenant.Scope {
	sc, _ := r.Context().Value(scopeKey{}).(tenant.Scope)
	return sc
}
