package api

import (
	"net/http"
	"strconv"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/catalog"
)

// The product endpoints. Any role may read; another account's brand or
// product is NotFound (the catalog service checks the scope).

// maxListLimit is the largest page handleProductList serves.
const maxListLimit = 200

// handleProductList pages through a brand's products: full-text search (q),
// exact filters (type, vendor, tag, status), keyset pagination (cursor from
// the previous page's next_cursor, "" on the last page).
func handleProductList(cat *catalog.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p := catalog.ListParams{
			Query: q.Get("q"), Type: q.Get("type"), Vendor: q.Get("vendor"), Tag: q.Get("tag"), Status: q.Get("status"),
			Cursor: q.Get("cursor"),
		}
		if s := q.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxListLimit {
				return apperr.E(apperr.Invalid, "limit must be a whole number from 1 to %d.", maxListLimit)
			}
			p.Limit = n
		}
		res, err := cat.List(r.Context(), scopeOf(r), r.PathValue("brandID"), p)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, res)
	}
}

// handleProductGet returns one product with its variants, images and
// source values. body_html is as imported: sanitise it before showing it.
func handleProductGet(cat *catalog.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := cat.Get(r.Context(), scopeOf(r), r.PathValue("brandID"), r.PathValue("id"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, p)
	}
}
