package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

// TestTenancy checks that another account's token, and ids that are not
// the account's, get 404 (never 403) and change nothing, on both engines.
func TestTenancy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
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
// path parameter.
func TestRouteWalk(t *testing.T) {
	t.Parallel()
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		userA, scA, tokA := f.user(t, "ann@example.com", "Ann")
		_, _, tokB := f.user(t, "bob@example.com", "Bob")
		brandA := f.brand(t, scA, "Ann's brand")
		before := f.checksum(t, brandA.ID)
		ids := map[string]string{"id": brandA.ID}
		secrets := []string{brandA.ID, scA.AccountID, userA.ID, userA.Email, tokA}

		for _, rt := range api.Routes() {
			t.Run(rt.Method+" "+rt.Pattern, func(t *testing.T) {
				hasParam := false
				path := patternParam.ReplaceAllStringFunc(rt.Pattern, func(m string) string {
					hasParam = true
					name := strings.Trim(m, "{}")
					id, ok := ids[name]
					if !ok {
						t.Fatalf("route %s %s: no id of the other tenant for {%s}; add one to the walk", rt.Method, rt.Pattern, name)
					}
					return id
				})
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
			})
		}
		if after := f.checksum(t, brandA.ID); after != before {
			t.Errorf("the walk changed the first tenant's brand")
		}
	})
}
