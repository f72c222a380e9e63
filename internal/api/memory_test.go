package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

func TestMemoryThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.startWorkers(t)
		_, sc, owner := f.user(t, "ann@example.com", "Ann")
		editor := f.member(t, sc, "ed@example.com", tenant.Editor)
		viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
		b := f.brand(t, sc, "Memory")
		f.addProducts(t, b.ID, "mug", "plate")
		f.generate(t, sc, b.ID, drafts.StartInput{Channel: "shopify", Fields: []string{"title"}})
		memory := "/api/v1/brands/" + b.ID + "/memory"

		// Before any review the memory is empty, as lists.
		rec := f.do("GET", memory, viewer, "")
		wantStatus(t, rec, http.StatusOK)
		if body := rec.Body.String(); !strings.Contains(body, `"items":[]`) || !strings.Contains(body, `"history":[]`) {
			t.Errorf("empty memory = %s, want empty lists", body)
		}

		ds := f.currentDrafts(t, sc, b.ID)
		items := f.teach(t, sc, b.ID, [2]string{ds["mug"]["title"].ID, ds["plate"]["title"].ID}, "truly", "super")
		truly, super := items["avoid: truly"], items["avoid: super"]

		// The list: what applies first, and the review history.
		rec = f.do("GET", memory, viewer, "")
		wantStatus(t, rec, http.StatusOK)
		mem := decodeBody[api.MemoryJSON](t, rec)
		var lines []string
		for _, it := range mem.Items {
			lines = append(lines, it.Line)
			if it.BrandID != b.ID {
				t.Errorf("item %q of brand %s", it.Line, it.BrandID)
			}
		}
		if len(mem.Items) < 2 || !mem.Items[0].Applies || !slices.Contains(lines, "avoid: truly") || !slices.Contains(lines, "avoid: super") {
			t.Fatalf("memory items = %v", lines)
		}
		if len(mem.History) != 1 || mem.History[0].Reviews != 4 || mem.History[0].Count != 4 || mem.History[0].CleanRate != 0 || mem.History[0].MeanDistance <= 0 {
			t.Errorf("history = %+v, want one stretch of the 4 edits", mem.History)
		}

		// One item with the signals behind it.
		item := "/api/v1/brands/" + b.ID + "/memory/" + truly.ID
		rec = f.do("GET", item, viewer, "")
		wantStatus(t, rec, http.StatusOK)
		detail := decodeBody[api.MemoryItemJSON](t, rec)
		if detail.ID != truly.ID || detail.Kind != learn.KindAvoid || detail.Scope != "" || detail.Support != 2 || detail.Status != learn.StatusActive ||
			!detail.Applies || len(detail.Evidence) != 2 {
			t.Fatalf("memory item = %+v", detail)
		}
		for i, sg := range detail.Evidence {
			if sg.ID != truly.Evidence[i] || sg.Kind != learn.SignalEdit || sg.BrandID != b.ID || sg.Field != "title" || sg.Channel != "shopify" ||
				!strings.Contains(sg.Before, "truly") || strings.Contains(sg.After, "truly") || sg.UserID != sc.UserID {
				t.Errorf("evidence %d = %+v", i, sg)
			}
		}
		if !detail.Evidence[0].CreatedAt.After(detail.Evidence[1].CreatedAt) && !detail.Evidence[0].CreatedAt.Equal(detail.Evidence[1].CreatedAt) {
			t.Errorf("evidence is not newest first")
		}

		// Reword it, switch it off, on again: learning keeps the seller's changes.
		patch := func(body string) learn.Item {
			t.Helper()
			rec := f.do("PATCH", item, editor, body)
			wantStatus(t, rec, http.StatusOK)
			return decodeBody[learn.Item](t, rec)
		}
		if it := patch(`{"line":"  Never   write truly "}`); it.Line != "Never write truly" || !it.Edited || it.LearnedLine != "avoid: truly" || !it.Applies {
			t.Fatalf("reworded = %+v", it)
		}
		if it := patch(`{"enabled":false}`); it.Status != learn.StatusDisabled || it.Applies || it.Line != "Never write truly" {
			t.Fatalf("switched off = %+v", it)
		}
		if err := f.learn.Learn(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		rec = f.do("GET", item, owner, "")
		wantStatus(t, rec, http.StatusOK)
		if got := decodeBody[api.MemoryItemJSON](t, rec); got.Status != learn.StatusDisabled || got.Line != "Never write truly" || !got.Edited {
			t.Fatalf("after learning again = %+v", got.Item)
		}
		if it := patch(`{}`); it.Status != learn.StatusDisabled || it.Line != "Never write truly" {
			t.Fatalf("an empty patch changed %+v", it)
		}
		if it := patch(`{"enabled":true,"line":""}`); it.Status != learn.StatusActive || !it.Applies || it.Line != "avoid: truly" || it.Edited {
			t.Fatalf("switched on with the learned line = %+v", it)
		}

		// Forget one: gone, even after learning again, until new evidence.
		superPath := "/api/v1/brands/" + b.ID + "/memory/" + super.ID
		rec = f.do("DELETE", superPath, editor, "")
		wantStatus(t, rec, http.StatusNoContent)
		if rec.Body.Len() != 0 {
			t.Errorf("DELETE body = %q, want empty", rec.Body.String())
		}
		if err := f.learn.Learn(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		wantError(t, f.do("GET", superPath, owner, ""), http.StatusNotFound, "not_found")
		wantError(t, f.do("PATCH", superPath, owner, `{"enabled":true}`), http.StatusNotFound, "not_found")
		wantError(t, f.do("DELETE", superPath, owner, ""), http.StatusNotFound, "not_found")
		rec = f.do("GET", memory, owner, "")
		wantStatus(t, rec, http.StatusOK)
		for _, it := range decodeBody[api.MemoryJSON](t, rec).Items {
			if it.ID == super.ID {
				t.Errorf("a forgotten item is listed: %+v", it)
			}
		}
	})
}

// TestMemoryRefusals checks that viewers, other accounts and invalid
// bodies are refused with a clear error, and change nothing.
func TestMemoryRefusals(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	f.startWorkers(t)
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	_, scB, bob := f.user(t, "bob@example.com", "Bob")
	b := f.brand(t, sc, "Memory")
	other := f.brand(t, sc, "Other")
	bobBrand := f.brand(t, scB, "Bob's")
	f.addProducts(t, b.ID, "mug", "plate")
	f.generate(t, sc, b.ID, drafts.StartInput{Channel: "etsy", Fields: []string{"title"}})
	ds := f.currentDrafts(t, sc, b.ID)
	truly := f.teach(t, sc, b.ID, [2]string{ds["mug"]["title"].ID, ds["plate"]["title"].ID}, "truly")["avoid: truly"]
	before := f.reviewState(t, b.ID)

	item := "/api/v1/brands/" + b.ID + "/memory/" + truly.ID
	tests := []struct {
		name, method, path, token, body string
		status                          int
		code, message                   string
	}{
		{"viewer rewords", "PATCH", item, viewer, `{"line":"Never truly"}`, 403, "forbidden", "viewer"},
		{"viewer with a bad body", "PATCH", item, viewer, `{`, 403, "forbidden", "viewer"},
		{"viewer forgets", "DELETE", item, viewer, "", 403, "forbidden", "viewer"},
		{"another account reads the memory", "GET", "/api/v1/brands/" + b.ID + "/memory", bob, "", 404, "not_found", "Brand not found"},
		{"another account reads", "GET", item, bob, "", 404, "not_found", "Brand not found"},
		{"another account rewords", "PATCH", item, bob, `{"line":"Hijacked"}`, 404, "not_found", "Brand not found"},
		{"another account with a bad body", "PATCH", item, bob, `{`, 404, "not_found", "Brand not found"},
		{"another account forgets", "DELETE", item, bob, "", 404, "not_found", "Brand not found"},
		{"another account, through its own brand", "PATCH", "/api/v1/brands/" + bobBrand.ID + "/memory/" + truly.ID, bob, `{"enabled":false}`, 404, "not_found", "Memory item not found."},
		{"another brand of the account", "DELETE", "/api/v1/brands/" + other.ID + "/memory/" + truly.ID, owner, "", 404, "not_found", "Memory item not found."},
		{"unknown item", "GET", "/api/v1/brands/" + b.ID + "/memory/" + store.NewID(), owner, "", 404, "not_found", "Memory item not found."},
		{"malformed item id", "PATCH", "/api/v1/brands/" + b.ID + "/memory/nope", owner, `{}`, 404, "not_found", "Memory item not found."},
		{"line too long", "PATCH", item, owner, `{"line":"` + strings.Repeat("a", 301) + `"}`, 400, "invalid", "longer than 300 characters"},
		{"enabled not a boolean", "PATCH", item, owner, `{"enabled":"no"}`, 400, "invalid", `The field "enabled" must be true or false`},
		{"unknown field", "PATCH", item, owner, `{"status":"active"}`, 400, "invalid", `Unknown field "status"`},
		{"invalid JSON", "PATCH", item, owner, `{"line":"x"`, 400, "invalid", "not valid JSON"},
		{"body too large", "PATCH", item, owner, `{"line":"` + strings.Repeat("a", 1<<20) + `"}`, 413, "too_large", "1 MiB"},
		{"no body", "PATCH", item, owner, "", 415, "unsupported_media_type", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, f.do(tt.method, tt.path, tt.token, tt.body), tt.status, tt.code)
			if !strings.Contains(e.Error.Message, tt.message) {
				t.Errorf("message %q does not contain %q", e.Error.Message, tt.message)
			}
		})
	}
	if after := f.reviewState(t, b.ID); after != before {
		t.Errorf("the refused requests changed the brand's memory")
	}
	wantStatus(t, f.do("GET", item, viewer, ""), http.StatusOK)
	wantStatus(t, f.do("GET", "/api/v1/brands/"+b.ID+"/memory", viewer, ""), http.StatusOK)
}
