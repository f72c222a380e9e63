package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/tenant"
)

// The review endpoints: one draft by id, its versions, and what a reviewer
// does to it (approve, reject, edit, regenerate, restore, bulk approve).
// Any role may read; acting needs one that edits content (Forbidden
// otherwise). Another account's draft is NotFound (the drafts service
// checks the scope). A review acts on the current version of a field; an
// older one is a Conflict (restore it instead).

// defaultRegenerateWait is how long regenerate?wait=true waits for the
// writer when Config.RegenerateWait is zero.
const defaultRegenerateWait = 2 * time.Minute

// rejectInput is the body of POST drafts/{id}/reject.
type rejectInput struct {
	Reason string `json:"reason"`
}

// editInput is the body of POST drafts/{id}/edit. Body is a pointer so a
// request without it is told so, not taken for an empty text.
type editInput struct {
	Body    *string `json:"body"`
	Approve bool    `json:"approve"`
}

// regenerateInput is the body of POST drafts/{id}/regenerate.
type regenerateInput struct {
	Instruction string `json:"instruction"`
}

// bulkApproveInput is the body of POST brands/{brandID}/drafts/approve.
type bulkApproveInput struct {
	IDs []string `json:"ids"`
}

// bulkApproveResult answers a bulk approval.
type bulkApproveResult struct {
	Approved int `json:"approved"`
}

// draftVersions answers GET drafts/{id}/versions.
type draftVersions struct {
	Versions []draftJSON `json:"versions"`
}

// actOn checks, before any body is read, that the request may act on the
// draft named in the path: a role that edits content and a draft of the
// scope's account.
func actOn(ds *drafts.Service, r *http.Request) (*drafts.Draft, error) {
	sc := scopeOf(r)
	if err := sc.Require(tenant.EditContent); err != nil {
		return nil, err
	}
	return ds.Draft(r.Context(), sc, r.PathValue("id"))
}

// handleDraftGet returns one draft, any version.
func handleDraftGet(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := ds.Draft(r.Context(), scopeOf(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, newDraftJSON(d))
	}
}

// handleDraftVersions returns every version of a draft's field, newest first.
func handleDraftVersions(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		vs, err := ds.Versions(r.Context(), scopeOf(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		out := draftVersions{Versions: make([]draftJSON, len(vs))}
		for i, d := range vs {
			out.Versions[i] = newDraftJSON(d)
		}
		return encode(w, http.StatusOK, out)
	}
}

// handleDraftApprove approves the current version of a field. It reads no
// body.
func handleDraftApprove(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := ds.Approve(r.Context(), scopeOf(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, newDraftJSON(d))
	}
}

// handleDraftReject rejects the current version of a field with a reason.
func handleDraftReject(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := actOn(ds, r); err != nil {
			return err
		}
		in, err := decode[rejectInput](w, r)
		if err != nil {
			return err
		}
		d, err := ds.Reject(r.Context(), scopeOf(r), r.PathValue("id"), in.Reason)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, newDraftJSON(d))
	}
}

// handleDraftEdit stores the reviewer's text as a new version of the field
// (approved when asked) and returns that version.
func handleDraftEdit(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := actOn(ds, r); err != nil {
			return err
		}
		in, err := decode[editInput](w, r)
		if err != nil {
			return err
		}
		if in.Body == nil {
			return apperr.E(apperr.Invalid, "Send the new text as body (for a list field, one item per line).")
		}
		d, err := ds.Edit(r.Context(), scopeOf(r), r.PathValue("id"), *in.Body, in.Approve)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, newDraftJSON(d))
	}
}

// handleDraftRegenerate asks the writer for a new version of the field. It
// answers 202 with the queued generation and its Location, as POST
// generations does. With ?wait=true it waits (at most maxWait) for the
// writer and answers 200 with the field's new current draft; when the
// wait ends first, or the generation wrote nothing (canceled, or the
// writer failed), it answers 202 with the generation as it stands.
func handleDraftRegenerate(ds *drafts.Service, maxWait time.Duration) handler {
	if maxWait <= 0 {
		maxWait = defaultRegenerateWait
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		sc := scopeOf(r)
		d, err := actOn(ds, r)
		if err != nil {
			return err
		}
		wait := false
		if s := r.URL.Query().Get("wait"); s != "" {
			if wait, err = strconv.ParseBool(s); err != nil {
				return apperr.E(apperr.Invalid, "wait must be true or false.")
			}
		}
		in, err := decode[regenerateInput](w, r)
		if err != nil {
			return err
		}
		g, err := ds.Regenerate(r.Context(), sc, d.ID, in.Instruction)
		if err != nil {
			return err
		}
		if wait {
			ctx, cancel := context.WithTimeout(r.Context(), maxWait)
			done, err := ds.Wait(ctx, sc, g.BrandID, g.ID, nil)
			timedOut := ctx.Err() != nil
			cancel()
			switch {
			case err == nil:
				g = done
			case r.Context().Err() != nil:
				return nil // the client went away: nobody to answer
			case timedOut:
				// Waited long enough: answer as without wait, with the
				// progress so far.
				if g, err = ds.Get(r.Context(), sc, g.BrandID, g.ID); err != nil {
					return err
				}
			default:
				return err
			}
			if g.Finished() && g.Drafts > 0 {
				cur, err := ds.CurrentDraft(r.Context(), sc, d.BrandID, d.ProductID, d.Channel, d.Field)
				if err != nil {
					return err
				}
				return encode(w, http.StatusOK, newDraftJSON(cur))
			}
		}
		w.Header().Set("Location", "/api/v1/brands/"+g.BrandID+"/generations/"+g.ID)
		return encode(w, http.StatusAccepted, newGenerationJSON(g))
	}
}

// handleDraftRestore makes an earlier version of a field current again, as
// a new version to review, and returns it. Restoring the current version
// changes nothing. It reads no body.
func handleDraftRestore(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := ds.Restore(r.Context(), scopeOf(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, newDraftJSON(d))
	}
}

// handleDraftBulkApprove approves the brand's current drafts named in the
// body, all or none, and answers how many it approved (drafts already
// approved are not counted again).
func handleDraftBulkApprove(brands *brand.Service, ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, brandID := scopeOf(r), r.PathValue("brandID")
		// Rights and tenancy first, so a refused request reads no body.
		if err := sc.Require(tenant.EditContent); err != nil {
			return err
		}
		if _, err := brands.Get(r.Context(), sc, brandID); err != nil {
			return err
		}
		in, err := decode[bulkApproveInput](w, r)
		if err != nil {
			return err
		}
		n, err := ds.BulkApprove(r.Context(), sc, brandID, in.IDs)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, bulkApproveResult{Approved: n})
	}
}
