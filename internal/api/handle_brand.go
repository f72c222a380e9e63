package api

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/brand"
)

// The brand endpoints. Tenancy and role rights are the service's: it filters
// by the scope's account (another account's id is NotFound) and refuses
// writes the role does not allow (Forbidden).

// handleBrandList lists the account's brands.
func handleBrandList(brands *brand.Service) handler {
	type response struct {
		Brands []*brand.Brand `json:"brands"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		bs, err := brands.List(r.Context(), scopeOf(r))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, response{Brands: bs})
	}
}

// handleBrandCreate creates a brand and answers 201 with it and its Location.
func handleBrandCreate(brands *brand.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := decode[brand.Input](w, r)
		if err != nil {
			return err
		}
		b, err := brands.Create(r.Context(), scopeOf(r), in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/brands/"+b.ID)
		return encode(w, http.StatusCreated, b)
	}
}

// handleBrandGet returns one brand.
func handleBrandGet(brands *brand.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, err := brands.Get(r.Context(), scopeOf(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, b)
	}
}

// handleBrandUpdate changes the fields present in the body and returns the brand.
func handleBrandUpdate(brands *brand.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := decode[brand.Input](w, r)
		if err != nil {
			return err
		}
		b, err := brands.Update(r.Context(), scopeOf(r), r.PathValue("id"), in)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, b)
	}
}

// handleBrandDelete deletes a brand and everything below it.
func handleBrandDelete(brands *brand.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := brands.Delete(r.Context(), scopeOf(r), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
