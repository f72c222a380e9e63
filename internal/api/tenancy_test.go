package api_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

// TestTenancy checks that another account's token, and ids that are not
// the account's, get 404 (never 403) and change nothing, on both engines.
func TestTenancy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, scA, tokA := f.user(t, "ann@example.com", "Ann")
		_, _, tokB := f.user(t, "bob@example.com", "Bob")
		b := f.brand(t, scA, "Ann's brand")
		before := f.checksum(t, b.ID)

		tests := []struct {
			name, token, id string
		}{
			{"another account's brand", tokB, b.ID},
			{"unknown id", tokA, store.NewID()},
			{"malformed id", tokA, "not-an-id"},
			{"malformed id of another account's user", tokB, "'; DROP TABLE brands; --"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, req := range []struct{ method, body string }{
					{"GET", ""},
					{"PATCH", `{"name":"Hijacked","voice":"Evil"}`},
					{"DELETE", ""},
				} {
					rec := f.do(req.method, "/api/v1/brands/"+url.PathEscape(tt.id), tt.token, req.body)
					e := wantError(t, rec, http.StatusNotFound, "not_found")
					if strings.Contains(e.Error.Message, b.ID) {
						t.Errorf("%s: 404 message names the brand id: %q", req.method, e.Error.Message)
					}
				}
				if after := f.checksum(t, b.ID); after != before {
					t.Errorf("the brand's row changed")
				}
			})
		}

		rec := f.do("GET", "/api/v1/brands", tokB, "")
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), b.ID) {
			t.Errorf("Bob's list shows Ann's brand: %s", rec.Body.String())
		}
		rec = f.do("GET", "/api/v1/brands/"+b.ID, tokA, "")
		wantStatus(t, rec, http.StatusOK)
		if got := decodeBody[brandJSON](t, rec); got.Name != "Ann's brand" {
			t.Errorf("Ann's brand = %+v", got)
		}
	})
}

var patternParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestRouteWalk walks every route in the route table with another tenant's
// ids: without a token every non-public route answers 401; with the other
// tenant's token every route naming an id answers 404, and the others show
// none of the first tenant's data. Add an id below when a route gains a new
// path parameter: ids are keyed by the segment before the parameter and its
// name ("products/{id}").
func TestRouteWalk(t *testing.T) {
	t.Parallel()
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.startWorkers(t)
		userA, scA, tokA := f.user(t, "ann@example.com", "Ann")
		_, _, tokB := f.user(t, "bob@example.com", "Bob")
		brandA := f.brand(t, scA, "Ann's brand")
		imA := f.importFile(t, scA, brandA.ID, "ann.csv", []byte("Handle,Title\nsecret-mug,Secret Mug\n,No handle\n"))
		if imA.Created != 1 || imA.Rejected != 1 {
			t.Fatalf("Ann's import = %+v, want 1 created, 1 rejected", imA)
		}
		res, err := f.catalog.List(ctx, scA, brandA.ID, catalog.ListParams{})
		if err != nil || len(res.Products) != 1 {
			t.Fatalf("Ann's products = %v, %v", res, err)
		}
		productA := res.Products[0].ID
		// A second product, so that memory can learn from two.
		f.addProducts(t, brandA.ID, "secret-plate")
		genA := f.generate(t, scA, brandA.ID, drafts.StartInput{Channel: "etsy"})
		if genA.Status != drafts.StatusDone || genA.Drafts != 8 {
			t.Fatalf("Ann's generation = %+v, want done with 8 drafts", genA)
		}
		draftsA, err := f.drafts.List(ctx, scA, brandA.ID, drafts.ListParams{})
		if err != nil || len(draftsA) != 8 {
			t.Fatalf("Ann's drafts = %v, %v", draftsA, err)
		}
		// Brand memory, taught by edits of the two products' titles.
		var titles []string
		for _, d := range draftsA {
			if d.Field == "title" {
				titles = append(titles, d.ID)
			}
		}
		memA := f.teach(t, scA, brandA.ID, [2]string{titles[0], titles[1]}, "truly")["avoid: truly"]
		before := f.checksum(t, brandA.ID)
		beforeReview := f.reviewState(t, brandA.ID)
		ids := map[string]string{
			"brands/{id}":      brandA.ID,
			"brands/{brandID}": brandA.ID,
			"products/{id}":    productA,
			"imports/{id}":     imA.ID,
			"generations/{id}": genA.ID,
			"drafts/{id}":      titles[0],
			"memory/{id}":      memA.ID,
			// The store ids: the brand is another account's, so any id
			// must answer 404.
			"products/{productID}":         productA,
			"connections/{connectionID}":   store.NewID(),
			"syncs/{syncID}":               store.NewID(),
			"publications/{publicationID}": store.NewID(),
		}
		secrets := []string{brandA.ID, scA.AccountID, userA.ID, userA.Email, tokA, productA, imA.ID, "Secret Mug", "secret-mug", "ann.csv",
			"secret-plate", "Secret-plate", genA.ID, draftsA[0].ID, titles[0], titles[1], memA.ID, "truly"}

		for _, rt := range api.Routes() {
			t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
				hasParam := false
				segments := strings.Split(rt.Pattern, "/")
				for i, seg := range segments {
					if !patternParam.MatchString(seg) {
						continue
					}
					hasParam = true
					id, ok := ids[segments[i-1]+"/"+seg]
					if !ok {
						t.Fatalf("route %s %s: no id of the other tenant for %s/%s; add one to the walk", rt.Method, rt.Pattern, segments[i-1], seg)
					}
					segments[i] = url.PathEscape(id)
				}
				path := strings.Join(segments, "/")
				body := ""
				if rt.Method == "POST" || rt.Method == "PUT" || rt.Method == "PATCH" {
					body = `{"name":"Walker"}`
				}

				rec := f.do(rt.Method, path, "", body)
				if rt.Public {
					if rec.Code >= 400 {
						t.Errorf("public route without token = %d, want success", rec.Code)
					}
				} else {
					wantError(t, rec, http.StatusUnauthorized, "unauthenticated")
				}

				rec = f.do(rt.Method, path, tokB, body)
				if hasParam {
					wantError(t, rec, http.StatusNotFound, "not_found")
				} else if rec.Code >= 400 {
					t.Errorf("with the other tenant's token = %d, want success (body %s)", rec.Code, rec.Body.String())
				}
				for _, s := range secrets {
					if strings.Contains(rec.Body.String(), s) || strings.Contains(rec.Header().Get("Location"), s) {
						t.Errorf("response to the other tenant holds %q: %s", s, rec.Body.String())
					}
				}
				// An upload into the first tenant's brand is refused before
				// its body is read, whatever the body.
				if rt.Method == "POST" && strings.HasSuffix(rt.Pattern, "/imports") {
					req := uploadRequest(t, path, tokB, nil, "walk.csv", []byte("Handle,Title\nwalker,Walker\n"))
					wantError(t, f.serve(req), http.StatusNotFound, "not_found")
				}
			})
		}
		if after := f.checksum(t, brandA.ID); after != before {
			t.Errorf("the walk changed the first tenant's brand")
		}
		if after := f.reviewState(t, brandA.ID); after != beforeReview {
			t.Errorf("the walk changed the first tenant's drafts, memory, signals or generations")
		}
		ims, err := f.transfer.List(ctx, scA, brandA.ID, 10)
		if err != nil || len(ims) != 1 {
			t.Errorf("the first tenant's imports after the walk = %d, %v; want 1", len(ims), err)
		}
		if n, err := f.catalog.Count(ctx, scA, brandA.ID); err != nil || n != 2 {
			t.Errorf("the first tenant's products after the walk = %d, %v; want 2", n, err)
		}
		if g, err := f.drafts.Get(ctx, scA, brandA.ID, genA.ID); err != nil || g.Status != drafts.StatusDone {
			t.Errorf("the first tenant's generation after the walk = %+v, %v; want it done, not canceled", g, err)
		}
		var gens int
		if err := f.db.QueryRow(ctx, `SELECT COUNT(*) FROM generations`).Scan(&gens); err != nil || gens != 1 {
			t.Errorf("generations after the walk = %d, %v; want only the first tenant's", gens, err)
		}
	})
}
