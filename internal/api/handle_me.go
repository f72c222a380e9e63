package api

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/tenant"
)

// handleMe answers who the token acts as: its user, account and role.
func handleMe(accounts *account.Service) handler {
	type user struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	type acct struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type response struct {
		User    user        `json:"user"`
		Account acct        `json:"account"`
		Role    tenant.Role `json:"role"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		sc := scopeOf(r)
		u, err := accounts.UserByID(r.Context(), sc.UserID)
		if err != nil {
			return err
		}
		a, err := accounts.AccountByID(r.Context(), sc)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, response{
			User:    user{ID: u.ID, Email: u.Email, Name: u.Name},
			Account: acct{ID: a.ID, Name: a.Name},
			Role:    sc.Role,
		})
	}
}
