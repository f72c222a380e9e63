package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/tenant"
)

// The generation and draft endpoints. Any role may read; starting or
// canceling a generation needs one that edits content (Forbidden
// otherwise). Another account's brand, generation or product is NotFound
// (the drafts service checks the scope).

// maxDraftLimit is the most drafts handleDraftList returns at once (the
// drafts service's own cap).
const maxDraftLimit = 1000

// generationInput is the body of POST generations; every field is optional.
type generationInput struct {
	Channel     string   `json:"channel"`
	Fields      []string `json:"fields"`
	ProductIDs  []string `json:"product_ids"`
	OnlyMissing bool     `json:"only_missing"`
}

// generationJSON is a generation as the API shows it: with the total of its
// tokens beside their kinds.
type generationJSON struct {
	*drafts.Generation
	Tokens int `json:"tokens"`
}

func newGenerationJSON(g *drafts.Generation) generationJSON {
	return generationJSON{Generation: g, Tokens: g.InputTokens + g.CachedInputTokens + g.CacheWriteTokens + g.OutputTokens}
}

// draftJSON is a draft as the API shows it: with the total of its tokens.
type draftJSON struct {
	*drafts.Draft
	Tokens int `json:"tokens"`
}

func newDraftJSON(d *drafts.Draft) draftJSON {
	return draftJSON{Draft: d, Tokens: d.InputTokens + d.CachedInputTokens + d.OutputTokens}
}

// handleGenerationCreate starts a generation: some or all products of the
// brand, one channel, some or all of its fields. It answers 202 with the
// queued generation and its Location; GET that to follow the progress.
func handleGenerationCreate(brands *brand.Service, ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		sc, brandID := scopeOf(r), r.PathValue("brandID")
		// Rights and tenancy first, so a refused request reads no body.
		if err := sc.Require(tenant.EditContent); err != nil {
			return err
		}
		if _, err := brands.Get(r.Context(), sc, brandID); err != nil {
			return err
		}
		in, err := decode[generationInput](w, r)
		if err != nil {
			return err
		}
		g, err := ds.Start(r.Context(), sc, brandID, drafts.StartInput{
			Channel: in.Channel, Fields: in.Fields, ProductIDs: in.ProductIDs, OnlyMissing: in.OnlyMissing,
		})
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/brands/"+brandID+"/generations/"+g.ID)
		return encode(w, http.StatusAccepted, newGenerationJSON(g))
	}
}

// handleGenerationGet returns a generation's progress.
func handleGenerationGet(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		g, err := ds.Get(r.Context(), scopeOf(r), r.PathValue("brandID"), r.PathValue("id"))
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, newGenerationJSON(g))
	}
}

// handleGenerationCancel stops a generation: products not yet written are
// skipped. Canceling a finished generation changes nothing.
func handleGenerationCancel(ds *drafts.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := ds.Cancel(r.Context(), scopeOf(r), r.PathValue("brandID"), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// handleDraftList returns a brand's current drafts, by product, channel and
// field, with exact filters on status, channel, product and field, and
// flagged=true for only the drafts breaking a rule or stating facts the
// product's data does not hold.
func handleDraftList(ds *drafts.Service) handler {
	type response struct {
		Drafts []draftJSON `json:"drafts"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p := drafts.ListParams{Status: q.Get("status"), Channel: q.Get("channel"), ProductID: q.Get("product_id"), Field: q.Get("field")}
		switch p.Status {
		case "", drafts.DraftPending, drafts.DraftApproved, drafts.DraftRejected, drafts.DraftPublished:
		default:
			return apperr.E(apperr.Invalid, "Unknown status %q: use %s, %s, %s or %s.", truncate(p.Status, 20),
				drafts.DraftPending, drafts.DraftApproved, drafts.DraftRejected, drafts.DraftPublished)
		}
		if p.Channel != "" && len(generate.Fields(generate.Channel(p.Channel))) == 0 {
			return apperr.E(apperr.Invalid, "Unknown channel %q: use shopify, etsy, amazon or google.", truncate(p.Channel, 20))
		}
		if p.Field != "" {
			if err := checkField(p.Channel, p.Field); err != nil {
				return err
			}
		}
		if s := q.Get("flagged"); s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return apperr.E(apperr.Invalid, "flagged must be true or false.")
			}
			p.Flagged = b
		}
		if s := q.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxDraftLimit {
				return apperr.E(apperr.Invalid, "limit must be a whole number from 1 to %d.", maxDraftLimit)
			}
			p.Limit = n
		}
		list, err := ds.List(r.Context(), scopeOf(r), r.PathValue("brandID"), p)
		if err != nil {
			return err
		}
		out := make([]draftJSON, len(list))
		for i, d := range list {
			out[i] = newDraftJSON(d)
		}
		return encode(w, http.StatusOK, response{Drafts: out})
	}
}

// checkField says whether field is a field of the channel, or of any
// channel when channel is "".
func checkField(channel, field string) error {
	if channel != "" {
		if _, ok := generate.Field(generate.Channel(channel), field); ok {
			return nil
		}
		var names []string
		for _, f := range generate.Fields(generate.Channel(channel)) {
			names = append(names, f.Name)
		}
		return apperr.E(apperr.Invalid, "%s has no field %q; its fields are %s.", channel, truncate(field, 30), strings.Join(names, ", "))
	}
	for _, ch := range generate.Channels {
		if _, ok := generate.Field(ch, field); ok {
			return nil
		}
	}
	return apperr.E(apperr.Invalid, "No channel has a field %q.", truncate(field, 30))
}
