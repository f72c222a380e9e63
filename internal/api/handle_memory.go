package api

import (
	"net/http"

	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/tenant"
)

// The brand memory endpoints: what a brand's reviews taught, and the
// seller's changes to it. Any role may read; changing needs one that edits
// content (Forbidden otherwise). Another account's brand or memory item is
// NotFound (the learn service checks the scope).

// memoryJSON is a brand's memory with its review history.
type memoryJSON struct {
	Items   []*learn.Item `json:"items"`
	History []learn.Point `json:"history"`
}

// memoryItemJSON is one memory item with the review signals behind it in
// place of their ids (the outer evidence field hides the item's own).
type memoryItemJSON struct {
	*learn.Item
	Evidence []*learn.Signal `json:"evidence"`
}

// handleMemoryList returns the brand's memory items (those that apply
// first) and how its reviews went over time.
func handleMemoryList(ls *learn.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, brandID := scopeOf(r), r.PathValue("brandID")
		items, err := ls.List(r.Context(), sc, brandID)
		if err != nil {
			return err
		}
		history, err := ls.History(r.Context(), sc, brandID)
		if err != nil {
			return err
		}
		if items == nil {
			items = []*learn.Item{}
		}
		if history == nil {
			history = []learn.Point{}
		}
		return encode(w, http.StatusOK, memoryJSON{Items: items, History: history})
	}
}

// handleMemoryGet returns one memory item with its evidence.
func handleMemoryGet(ls *learn.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, brandID, id := scopeOf(r), r.PathValue("brandID"), r.PathValue("id")
		it, err := ls.Get(r.Context(), sc, brandID, id)
		if err != nil {
			return err
		}
		ev, err := ls.Evidence(r.Context(), sc, brandID, id)
		if err != nil {
			return err
		}
		if ev == nil {
			ev = []*learn.Signal{}
		}
		return encode(w, http.StatusOK, memoryItemJSON{Item: it, Evidence: ev})
	}
}

// handleMemoryUpdate changes a memory item's wording or switches it on or
// off, and returns it.
func handleMemoryUpdate(ls *learn.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, brandID, id := scopeOf(r), r.PathValue("brandID"), r.PathValue("id")
		// Rights and tenancy first, so a refused request reads no body.
		if err := sc.Require(tenant.EditContent); err != nil {
			return err
		}
		if _, err := ls.Get(r.Context(), sc, brandID, id); err != nil {
			return err
		}
		p, err := decode[learn.Patch](w, r)
		if err != nil {
			return err
		}
		it, err := ls.Update(r.Context(), sc, brandID, id, p)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, it)
	}
}

// handleMemoryDelete forgets a memory item.
func handleMemoryDelete(ls *learn.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := ls.Delete(r.Context(), scopeOf(r), r.PathValue("brandID"), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
