package api

import (
	"net/http"
	"slices"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/tenant"
)

// The store endpoints: a brand's connections and their syncs, and the
// publications that write approved drafts to the stores (publish, retry,
// revert). Any role may read; acting needs one that edits content
// (Forbidden otherwise, checked before any body is read). Another
// account's brand, connection, sync, publication or product is NotFound.
// Connecting a store (OAuth) stays in the web UI. Without
// Config.Connect every one of these answers 404.

// connectionJSON is a connection with its latest sync (null when it never
// synced). A connection never holds tokens.
type connectionJSON struct {
	*connect.Connection
	LastSync *connect.Sync `json:"last_sync"`
}

// connectionList answers GET connections.
type connectionList struct {
	Connections []connectionJSON `json:"connections"`
}

// publicationList answers GET publications and POST publish.
type publicationList struct {
	Publications []*connect.Publication `json:"publications"`
}

// publishInput is the body of POST publish; every field is optional.
type publishInput struct {
	Platform   string   `json:"platform"`
	ProductIDs []string `json:"product_ids"`
}

// revertInput is the body of POST products/{productID}/revert. To is a
// pointer so a request without it is told so, not taken for version 0.
type revertInput struct {
	To *int `json:"to"`
}

// withConnect answers 404 when the app runs without the connect service.
func withConnect(cs *connect.Service, h func(cs *connect.Service) handler) handler {
	if cs == nil {
		return func(w http.ResponseWriter, r *http.Request) error {
			return apperr.E(apperr.NotFound, "No such API endpoint: %s.", truncate(r.URL.Path, 200))
		}
	}
	return h(cs)
}

// actOnBrand checks, before any body is read, that the request may act on
// the brand named in the path: a role that edits content and a brand of the
// scope's account.
func actOnBrand(brands *brand.Service, r *http.Request) (tenant.Scope, string, error) {
	sc, brandID := scopeOf(r), r.PathValue("brandID")
	if err := sc.Require(tenant.EditContent); err != nil {
		return sc, brandID, err
	}
	_, err := brands.Get(r.Context(), sc, brandID)
	return sc, brandID, err
}

// handleConnectionList returns the brand's connections, each with its
// latest sync.
func handleConnectionList(cs *connect.Service) handler {
	return withConnect(cs, func(cs *connect.Service) handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			conns, err := cs.List(r.Context(), scopeOf(r), r.PathValue("brandID"))
			if err != nil {
				return err
			}
			out := connectionList{Connections: make([]connectionJSON, len(conns))}
			for i, c := range conns {
				sy, err := cs.LastSync(r.Context(), c.ID)
				if err != nil {
					return err
				}
				out.Connections[i] = connectionJSON{Connection: c, LastSync: sy}
			}
			return encode(w, http.StatusOK, out)
		}
	})
}

// handleSyncStart starts a sync of a connection (or returns the one already
// queued or running). It answers 202 with the sync and its Location. It
// reads no body.
func handleSyncStart(cs *connect.Service) handler {
	return withConnect(cs, func(cs *connect.Service) handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			brandID := r.PathValue("brandID")
			sy, err := cs.StartSync(r.Context(), scopeOf(r), brandID, r.PathValue("connectionID"))
			if err != nil {
				return err
			}
			w.Header().Set("Location", "/api/v1/brands/"+brandID+"/syncs/"+sy.ID)
			return encode(w, http.StatusAccepted, sy)
		}
	})
}

// handleSyncGet returns one sync.
func handleSyncGet(cs *connect.Service) handler {
	return withConnect(cs, func(cs *connect.Service) handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			sy, err := cs.GetSync(r.Context(), scopeOf(r), r.PathValue("brandID"), r.PathValue("syncID"))
			if err != nil {
				return err
			}
			return encode(w, http.StatusOK, sy)
		}
	})
}

// handlePublish queues the brand's approved drafts for its stores (one
// platform, some products, or all) and answers 202 with the queued
// publications (none when there was nothing new to publish).
func handlePublish(brands *brand.Service, cs *connect.Service) handler {
	return withConnect(cs, func(cs *connect.Service) handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			sc, brandID, err := actOnBrand(brands, r)
			if err != nil {
				return err
			}
			in, err := decode[publishInput](w, r)
			if err != nil {
				return err
			}
			p := connect.Platform(in.Platform)
			if in.Platform != "" && !slices.Contains(connect.Platforms, p) {
				return apperr.E(apperr.Invalid, "platform must be shopify, etsy or amazon.")
			}
			pubs, err := cs.Publish(r.Context(), sc, brandID, connect.PublishInput{Platform: p, ProductIDs: in.ProductIDs})
			if err != nil {
				return err
			}
			if pubs == nil {
				pubs = []*connect.Publication{}
			}
			return encode(w, http.StatusAccepted, publicationList{Publications: pubs})
		}
	})
}

// handlePublicationList returns the brand's publications (of one product
// with ?product_id=), newest first.
func handlePublicationList(cs *connect.Service) handler {
	return withConnect(cs, func(cs *connect.Service) handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			pubs, err := cs.Publications(r.Context(), scopeOf(r), r.PathValue("brandID"), r.URL.Query().Get("product_id"), 0)
			if err != nil {
				return err
			}
			if pubs == nil {
				pubs = []*connect.Publication{}
			}
			return encode(w, http.StatusOK, publicationList{Publications: pubs})
		}
	})
}

// handlePublicationRetry queues a failed publication again and answers 202
// with it. It reads no body.
func handlePublicationRetry(cs *connect.Service) handler {
	return withConnect(cs, func(cs *connect.Service) handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			p, err := cs.Retry(r.Context(), scopeOf(r), r.PathValue("brandID"), r.PathValue("publicationID"))
			if err != nil {
				return err
			}
			return encode(w, http.StatusAccepted, p)
		}
	})
}

// handleProductRevert writes a product's fields back to an earlier
// published version (0: what the store had before PlutoPro) and answers
// 202 with the revert's publication.
func handleProductRevert(brands *brand.Service, cat *catalog.Service, cs *connect.Service) handler {
	return withConnect(cs, func(cs *connect.Service) handler {
		return func(w http.ResponseWriter, r *http.Request) error {
			sc, brandID, err := actOnBrand(brands, r)
			if err != nil {
				return err
			}
			productID := r.PathValue("productID")
			if _, err := cat.Get(r.Context(), sc, brandID, productID); err != nil {
				return err
			}
			in, err := decode[revertInput](w, r)
			if err != nil {
				return err
			}
			if in.To == nil {
				return apperr.E(apperr.Invalid, "Send the version to go back to as to (0 is what the store had before PlutoPro).")
			}
			p, err := cs.Revert(r.Context(), sc, brandID, productID, *in.To)
			if err != nil {
				return err
			}
			return encode(w, http.StatusAccepted, p)
		}
	})
}
