package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/telemetry"
	"github.com/plutopro/plutopro/internal/tenant"
)

type brandJSON = brand.Brand

func TestAuthentication(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	ctx := context.Background()
	_, sc, valid := f.user(t, "ann@example.com", "Ann")
	tok, revoked, err := f.accounts.CreateToken(ctx, sc, "to revoke")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.accounts.RevokeToken(ctx, sc, tok.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		authorization string
		want          int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"other scheme", "Basic " + valid, http.StatusUnauthorized},
		{"token without scheme", valid, http.StatusUnauthorized},
		{"unknown token", "Bearer ppt_" + strings.Repeat("x", 43), http.StatusUnauthorized},
		{"not a token", "Bearer hello", http.StatusUnauthorized},
		{"overlong token", "Bearer ppt_" + strings.Repeat("x", 500), http.StatusUnauthorized},
		{"revoked token", "Bearer " + revoked, http.StatusUnauthorized},
		{"valid token", "Bearer " + valid, http.StatusOK},
		{"scheme in lower case", "bearer " + valid, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/me", "/api/v1/brands"} {
				r := newRequest("GET", path, "", "")
				if tt.authorization != "" {
					r.Header.Set("Authorization", tt.authorization)
				}
				rec := f.serve(r)
				if tt.want == http.StatusOK {
					wantStatus(t, rec, http.StatusOK)
					continue
				}
				wantError(t, rec, tt.want, "unauthenticated")
				if got, want := rec.Header().Get("WWW-Authenticate"), `Bearer realm="plutopro"`; got != want {
					t.Errorf("GET %s: WWW-Authenticate = %q, want %q", path, got, want)
				}
			}
		})
	}
}

func TestMe(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	u, sc, owner := f.user(t, "ann@example.com", "Ann")
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	type me struct {
		User struct {
			ID    string `json:"id"`
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"user"`
		Account struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"account"`
		Role string `json:"role"`
	}
	rec := f.do("GET", "/api/v1/me", owner, "")
	wantStatus(t, rec, http.StatusOK)
	got := decodeBody[me](t, rec)
	if got.User.ID != u.ID || got.User.Email != "ann@example.com" || got.User.Name != "Ann" ||
		got.Account.ID != sc.AccountID || got.Account.Name != "Ann" || got.Role != "owner" {
		t.Errorf("GET /me as owner = %+v", got)
	}
	rec = f.do("GET", "/api/v1/me", viewer, "")
	wantStatus(t, rec, http.StatusOK)
	got = decodeBody[me](t, rec)
	if got.User.Email != "vic@example.com" || got.Account.ID != sc.AccountID || got.Role != "viewer" {
		t.Errorf("GET /me as viewer = %+v, want vic in account %s as viewer", got, sc.AccountID)
	}
}

// TestTelemetryUserID checks that the access log names the token's user.
func TestTelemetryUserID(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	u, _, tok := f.user(t, "ann@example.com", "Ann")
	var access syncBuffer
	h := telemetry.AccessLog(slog.New(slog.NewJSONHandler(&access, nil)), nil)(f.h)
	f.h = h
	wantStatus(t, f.do("GET", "/api/v1/me", tok, ""), http.StatusOK)
	if want := `"user_id":"` + u.ID + `"`; !strings.Contains(access.String(), want) {
		t.Errorf("access log lacks %s:\n%s", want, access.String())
	}
}

func TestBrandLifecycle(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	_, sc, tok := f.user(t, "ann@example.com", "Ann")

	rec := f.do("GET", "/api/v1/brands", tok, "")
	wantStatus(t, rec, http.StatusOK)
	if got := decodeBody[struct{ Brands []brandJSON }](t, rec).Brands; got == nil || len(got) != 0 {
		t.Fatalf("brands of a new account = %#v, want []", got)
	}
	if !strings.Contains(rec.Body.String(), `"brands":[]`) {
		t.Errorf("empty list body = %s, want brands: []", rec.Body.String())
	}

	rec = f.do("POST", "/api/v1/brands", tok, `{"name":" Acme ","voice":"Warm","words_avoid":["cheap","Cheap",""],"language":"de","default_channel":"etsy"}`)
	wantStatus(t, rec, http.StatusCreated)
	created := decodeBody[brandJSON](t, rec)
	if created.Name != "Acme" || created.Voice != "Warm" || created.Language != "de" || created.DefaultChannel != "etsy" ||
		created.AccountID != sc.AccountID || len(created.WordsAvoid) != 1 || created.WordsPrefer == nil {
		t.Errorf("created brand = %+v", created)
	}
	loc := rec.Header().Get("Location")
	if want := "/api/v1/brands/" + created.ID; loc != want {
		t.Fatalf("Location = %q, want %q", loc, want)
	}

	rec = f.do("GET", loc, tok, "")
	wantStatus(t, rec, http.StatusOK)
	if got := decodeBody[brandJSON](t, rec); got.ID != created.ID || got.Name != "Acme" {
		t.Errorf("GET %s = %+v", loc, got)
	}

	rec = f.do("GET", "/api/v1/brands", tok, "")
	wantStatus(t, rec, http.StatusOK)
	list := decodeBody[struct{ Brands []brandJSON }](t, rec).Brands
	if len(list) != 1 || list[0].ID != created.ID {
		t.Fatalf("list after create = %+v, want the created brand", list)
	}

	rec = f.do("PATCH", loc, tok, `{"audience":"Cyclists","words_prefer":["handmade"]}`)
	wantStatus(t, rec, http.StatusOK)
	updated := decodeBody[brandJSON](t, rec)
	if updated.Audience != "Cyclists" || updated.Name != "Acme" || updated.Voice != "Warm" || len(updated.WordsPrefer) != 1 {
		t.Errorf("patched brand = %+v, want audience set and the rest kept", updated)
	}
	if !updated.UpdatedAt.After(created.UpdatedAt) && !updated.UpdatedAt.Equal(created.UpdatedAt) {
		t.Errorf("updated_at went back: %v < %v", updated.UpdatedAt, created.UpdatedAt)
	}

	rec = f.do("POST", "/api/v1/brands", tok, `{"name":"acme2"}`)
	wantStatus(t, rec, http.StatusCreated)
	rec = f.do("PATCH", loc, tok, `{"name":"acme2"}`)
	e := wantError(t, rec, http.StatusBadRequest, "invalid")
	if len(e.Error.Fields) != 1 || e.Error.Fields[0].Field != "name" {
		t.Errorf("duplicate name fields = %+v, want one on name", e.Error.Fields)
	}

	rec = f.do("DELETE", loc, tok, "")
	wantStatus(t, rec, http.StatusNoContent)
	if rec.Body.Len() != 0 {
		t.Errorf("DELETE body = %q, want empty", rec.Body.String())
	}
	wantError(t, f.do("GET", loc, tok, ""), http.StatusNotFound, "not_found")
	wantError(t, f.do("DELETE", loc, tok, ""), http.StatusNotFound, "not_found")
}

// TestRoles checks role rights end to end: viewers only read, editors also
// edit, admins and owners also create and delete.
func TestRoles(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	tokens := map[tenant.Role]string{
		tenant.Owner:  owner,
		tenant.Admin:  f.member(t, sc, "adam@example.com", tenant.Admin),
		tenant.Editor: f.member(t, sc, "eddie@example.com", tenant.Editor),
		tenant.Viewer: f.member(t, sc, "vic@example.com", tenant.Viewer),
	}
	tests := []struct {
		role                             tenant.Role
		list, get, create, patch, delete int
	}{
		{tenant.Viewer, 200, 200, 403, 403, 403},
		{tenant.Editor, 200, 200, 403, 200, 403},
		{tenant.Admin, 200, 200, 201, 200, 204},
		{tenant.Owner, 200, 200, 201, 200, 204},
	}
	for _, tt := range tests {
		t.Run(string(tt.role), func(t *testing.T) {
			tok := tokens[tt.role]
			b := f.brand(t, sc, "Brand for "+string(tt.role))
			before := f.checksum(t, b.ID)
			path := "/api/v1/brands/" + b.ID
			check := func(method, path, body string, want int) {
				t.Helper()
				rec := f.do(method, path, tok, body)
				if want == http.StatusForbidden {
					wantError(t, rec, want, "forbidden")
					return
				}
				wantStatus(t, rec, want)
			}
			check("GET", "/api/v1/brands", "", tt.list)
			check("GET", path, "", tt.get)
			check("POST", "/api/v1/brands", `{"name":"New by `+string(tt.role)+`"}`, tt.create)
			check("PATCH", path, `{"voice":"Bold"}`, tt.patch)
			if tt.patch == http.StatusForbidden {
				if after := f.checksum(t, b.ID); after != before {
					t.Errorf("brand changed by a refused PATCH")
				}
			}
			check("DELETE", path, "", tt.delete)
			if tt.delete == http.StatusForbidden {
				f.checksum(t, b.ID) // still there
			}
		})
	}
}

// TestRequestBody covers decode: content type, size, strictness.
func TestRequestBody(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	_, sc, tok := f.user(t, "ann@example.com", "Ann")
	b := f.brand(t, sc, "Existing")
	path := "/api/v1/brands/" + b.ID
	huge := `{"name":"Big","description":"` + strings.Repeat("a", 1<<20) + `"}`
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		status      int
		code        string
		mention     string // the message must mention this
		field       string // the error must list this field
	}{
		{"unknown field", "POST", "application/json", `{"name":"X","colour":"red"}`, 400, "invalid", `"colour"`, ""},
		{"unknown field on patch", "PATCH", "application/json", `{"colour":"red"}`, 400, "invalid", `"colour"`, ""},
		{"oversized", "POST", "application/json", huge, 413, "too_large", "1 MiB", ""},
		{"oversized patch", "PATCH", "application/json", huge, 413, "too_large", "1 MiB", ""},
		{"truncated JSON", "POST", "application/json", `{"name":`, 400, "invalid", "JSON", ""},
		{"syntax error", "POST", "application/json", `{"name" "X"}`, 400, "invalid", "JSON", ""},
		{"two values", "POST", "application/json", `{"name":"A"}{"name":"B"}`, 400, "invalid", "one JSON value", ""},
		{"trailing garbage", "POST", "application/json", `{"name":"A"} x`, 400, "invalid", "", ""},
		{"empty body", "POST", "application/json", ``, 400, "invalid", "empty", ""},
		{"null", "POST", "application/json", `null`, 400, "invalid", "object", ""},
		{"array", "POST", "application/json", `[]`, 400, "invalid", "object", ""},
		{"wrong field type", "POST", "application/json", `{"name":5}`, 400, "invalid", `"name"`, ""},
		{"wrong list type", "PATCH", "application/json", `{"words_avoid":"cheap"}`, 400, "invalid", `"words_avoid"`, ""},
		{"text/plain", "POST", "text/plain", `{"name":"X"}`, 415, "unsupported_media_type", "application/json", ""},
		{"form", "PATCH", "application/x-www-form-urlencoded", `name=X`, 415, "unsupported_media_type", "application/json", ""},
		{"no content type", "POST", "", `{"name":"X"}`, 415, "unsupported_media_type", "application/json", ""},
		{"missing name", "POST", "application/json", `{}`, 400, "invalid", "name", "name"},
		{"unknown language", "POST", "application/json", `{"name":"X","language":"xx"}`, 400, "invalid", "", "language"},
		{"unknown channel", "PATCH", "application/json", `{"default_channel":"ebay"}`, 400, "invalid", "", "default_channel"},
		{"charset parameter is fine", "POST", "application/json; charset=utf-8", `{"name":"Charset"}`, 201, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/api/v1/brands"
			if tt.method == "PATCH" {
				target = path
			}
			before := f.checksum(t, b.ID)
			r := newRequest(tt.method, target, tok, tt.body)
			r.Header.Del("Content-Type")
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			rec := f.serve(r)
			if tt.code == "" {
				wantStatus(t, rec, tt.status)
				return
			}
			e := wantError(t, rec, tt.status, tt.code)
			if !strings.Contains(e.Error.Message, tt.mention) {
				t.Errorf("message %q does not mention %s", e.Error.Message, tt.mention)
			}
			if tt.field != "" && (len(e.Error.Fields) == 0 || e.Error.Fields[0].Field != tt.field || e.Error.Fields[0].Message == "") {
				t.Errorf("fields = %+v, want one on %s", e.Error.Fields, tt.field)
			}
			if tt.field == "" && len(e.Error.Fields) > 0 {
				t.Errorf("fields = %+v, want none", e.Error.Fields)
			}
			if after := f.checksum(t, b.ID); after != before {
				t.Errorf("a refused request changed the brand")
			}
		})
	}
	rec := f.do("GET", "/api/v1/brands", tok, "")
	if n := len(decodeBody[struct{ Brands []brandJSON }](t, rec).Brands); n != 2 {
		t.Errorf("after the refused requests the account has %d brands, want 2 (Existing, Charset)", n)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	_, _, tok := f.user(t, "ann@example.com", "Ann")
	tests := []struct {
		method, path string
		token        string
		status       int
		code         string
		allow        string
	}{
		{"GET", "/api/v1/nope", "", 404, "not_found", ""},
		{"GET", "/api/v1/nope", tok, 404, "not_found", ""},
		{"GET", "/api/v1/", tok, 404, "not_found", ""},
		{"GET", "/api/v1/brands/x/y", tok, 404, "not_found", ""},
		{"GET", "/api/v1/brands/", tok, 404, "not_found", ""},
		{"PUT", "/api/v1/brands", tok, 405, "method_not_allowed", "GET, HEAD, POST"},
		{"DELETE", "/api/v1/me", "", 405, "method_not_allowed", "GET, HEAD"},
		{"POST", "/api/v1/openapi.json", "", 405, "method_not_allowed", "GET, HEAD"},
		{"PUT", "/api/v1/brands/0190c0de-0000-7000-8000-000000000000", tok, 405, "method_not_allowed", "DELETE, GET, HEAD, PATCH"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := f.do(tt.method, tt.path, tt.token, "")
			wantError(t, rec, tt.status, tt.code)
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
	if rec := f.do("HEAD", "/api/v1/openapi.json", "", ""); rec.Code != http.StatusOK {
		t.Errorf("HEAD /api/v1/openapi.json = %d, want 200", rec.Code)
	}
}

// TestErrorLogging checks that internal errors answer a generic message and
// are logged with their cause, and that nothing else is logged as an error.
func TestErrorLogging(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	_, _, tok := f.user(t, "ann@example.com", "Ann")
	for _, r := range []struct{ method, path, token, body string }{
		{"GET", "/api/v1/me", "", ""},
		{"GET", "/api/v1/brands/nope", tok, ""},
		{"POST", "/api/v1/brands", tok, `{"bad":1}`},
		{"POST", "/api/v1/brands", tok, `{}`},
		{"PUT", "/api/v1/me", tok, ""},
	} {
		if rec := f.do(r.method, r.path, r.token, r.body); rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("%s %s = %d, want a 4xx", r.method, r.path, rec.Code)
		}
	}
	for _, rec := range f.log.records(t) {
		if rec["level"] == "ERROR" {
			t.Errorf("a client error was logged as an error: %v", rec)
		}
	}

	f.db.Close() // every query fails from now on
	rec := f.do("GET", "/api/v1/me", tok, "")
	e := wantError(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(strings.ToLower(rec.Body.String()), "closed") || strings.Contains(rec.Body.String(), "sql") {
		t.Errorf("internal error body leaks the cause: %s", rec.Body.String())
	}
	if !strings.Contains(e.Error.Message, "Something went wrong") {
		t.Errorf("internal error message = %q, want the generic one", e.Error.Message)
	}
	var logged bool
	for _, r := range f.log.records(t) {
		if r["level"] == "ERROR" && strings.Contains(r["err"].(string), "closed") && r["path"] == "/api/v1/me" {
			logged = true
		}
	}
	if !logged {
		t.Errorf("internal error not logged with its cause:\n%s", f.log.String())
	}
}

func TestNewRequiresServices(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("New without services did not panic")
		}
	}()
	api.New(api.Config{})
}
