package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

// currentDrafts returns a brand's current drafts by product handle and
// field (of whichever channel wrote them last).
func (f *fixture) currentDrafts(t *testing.T, sc tenant.Scope, brandID string) map[string]map[string]*drafts.Draft {
	t.Helper()
	ctx := context.Background()
	res, err := f.catalog.List(ctx, sc, brandID, catalog.ListParams{Limit: 200})
	if err != nil {
		t.Fatalf("list products: %v", err)
	}
	handles := map[string]string{}
	for _, p := range res.Products {
		handles[p.ID] = p.Handle
	}
	list, err := f.drafts.List(ctx, sc, brandID, drafts.ListParams{Limit: 1000})
	if err != nil {
		t.Fatalf("list drafts: %v", err)
	}
	out := map[string]map[string]*drafts.Draft{}
	for _, d := range list {
		h := handles[d.ProductID]
		if out[h] == nil {
			out[h] = map[string]*drafts.Draft{}
		}
		out[h][d.Field] = d
	}
	return out
}

// teach makes the brand's memory learn to avoid each phrase (at most
// four): on each of two drafts, of two products (learning counts support
// by product), an edit that puts the phrases in and one that takes them
// out, then learning. It returns the brand's memory items by line
// ("avoid: truly"); each phrase's item applies.
func (f *fixture) teach(t *testing.T, sc tenant.Scope, brandID string, draftIDs [2]string, phrases ...string) map[string]*learn.Item {
	t.Helper()
	ctx := context.Background()
	fillers := []string{"blue", "mug", "for", "tea"}
	with, without := []string{"Sturdy"}, []string{"Sturdy"}
	for i, p := range phrases {
		with = append(with, p, fillers[i])
		without = append(without, fillers[i])
	}
	for _, id := range draftIDs {
		d, err := f.drafts.Edit(ctx, sc, id, strings.Join(with, " "), false)
		if err != nil {
			t.Fatalf("Edit(%s) = %v", id, err)
		}
		if _, err := f.drafts.Edit(ctx, sc, d.ID, strings.Join(without, " "), false); err != nil {
			t.Fatalf("Edit(%s) = %v", d.ID, err)
		}
	}
	if err := f.learn.Learn(ctx, brandID); err != nil {
		t.Fatalf("Learn = %v", err)
	}
	items, err := f.learn.List(ctx, sc, brandID)
	if err != nil {
		t.Fatalf("memory List = %v", err)
	}
	out := map[string]*learn.Item{}
	for _, it := range items {
		out[it.Line] = it
	}
	for _, p := range phrases {
		if it := out["avoid: "+p]; it == nil || !it.Applies || it.Support != 2 {
			t.Fatalf("memory item for %q = %+v, want one that applies with support 2 (memory: %v)", p, it, sortedKeys(out))
		}
	}
	return out
}

// reviewState hashes what reviews change in a brand (its drafts' statuses
// and versions, memory items, signals) and the generations of every
// brand, to prove a request changed nothing.
func (f *fixture) reviewState(t *testing.T, brandID string) string {
	t.Helper()
	ctx := context.Background()
	h := sha256.New()
	for _, q := range []string{
		`SELECT id, status, is_current, version FROM drafts WHERE brand_id = ? ORDER BY id`,
		`SELECT id, line, status, edited, support, updated_at FROM memory_items WHERE brand_id = ? ORDER BY id`,
		`SELECT id, kind FROM signals WHERE brand_id = ? ORDER BY id`,
		`SELECT id, status FROM generations WHERE brand_id = ? OR brand_id <> ? ORDER BY id`,
	} {
		args := []any{brandID}
		if strings.Count(q, "?") == 2 {
			args = append(args, brandID)
		}
		rows, err := f.db.Query(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%v\n", vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		fmt.Fprintln(h, "--")
	}
	return hex.EncodeToString(h.Sum(nil))
}

// waitGeneration polls a generation's Location until it finishes.
func (f *fixture) waitGeneration(t *testing.T, loc, token string) api.GenerationJSON {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec := f.do("GET", loc, token, "")
		wantStatus(t, rec, http.StatusOK)
		g := decodeBody[api.GenerationJSON](t, rec)
		if g.Finished() {
			return g
		}
		if time.Now().After(deadline) {
			t.Fatalf("generation %s did not finish: %+v\n%s", loc, g.Generation, f.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// review sends a review request and decodes the draft it answers with.
func (f *fixture) review(t *testing.T, method, path, token, body string) api.DraftJSON {
	t.Helper()
	rec := f.do(method, path, token, body)
	wantStatus(t, rec, http.StatusOK)
	return decodeBody[api.DraftJSON](t, rec)
}

func TestReviewThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.startWorkers(t)
		_, sc, owner := f.user(t, "ann@example.com", "Ann")
		editor := f.member(t, sc, "ed@example.com", tenant.Editor)
		viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
		b := f.brand(t, sc, "Review")
		f.addProducts(t, b.ID, "mug", "plate", "bowl", refusedHandle)
		if g := f.generate(t, sc, b.ID, drafts.StartInput{Channel: "shopify"}); g.Drafts != 24 || g.Invalid != 1 {
			t.Fatalf("generation = %+v, want 24 drafts, 1 invalid", g)
		}
		ds := f.currentDrafts(t, sc, b.ID)
		draft := func(d *drafts.Draft) string { return "/api/v1/drafts/" + d.ID }
		signals := func(draftID, kind string) int {
			t.Helper()
			var n int
			if err := f.db.QueryRow(ctx, `SELECT COUNT(*) FROM signals WHERE draft_id = ? AND kind = ?`, draftID, kind).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// Any role reads a draft.
		mugTitle := ds["mug"]["title"]
		if got := f.review(t, "GET", draft(mugTitle), viewer, ""); got.ID != mugTitle.ID || got.Body != mugTitle.Body ||
			got.Status != drafts.DraftPending || !got.Current || got.Version != 1 || got.BrandID != b.ID {
			t.Fatalf("GET draft = %+v, want %+v", got.Draft, mugTitle)
		}

		// Approving twice approves once.
		for range 2 {
			got := f.review(t, "POST", draft(mugTitle)+"/approve", editor, "")
			if got.ID != mugTitle.ID || got.Status != drafts.DraftApproved || !got.Current || got.Body != mugTitle.Body {
				t.Fatalf("approved = %+v", got.Draft)
			}
		}
		if n := signals(mugTitle.ID, learn.SignalApprove); n != 1 {
			t.Errorf("approve signals = %d, want 1", n)
		}

		// Rejecting takes a reason, spaces collapsed.
		plateTitle := ds["plate"]["title"]
		if got := f.review(t, "POST", draft(plateTitle)+"/reject", owner, `{"reason":"  too   long "}`); got.Status != drafts.DraftRejected || got.ID != plateTitle.ID {
			t.Fatalf("rejected = %+v", got.Draft)
		}
		var reason string
		if err := f.db.QueryRow(ctx, `SELECT reason FROM signals WHERE draft_id = ? AND kind = ?`, plateTitle.ID, learn.SignalReject).Scan(&reason); err != nil || reason != "too long" {
			t.Errorf("reject signal reason = %q, %v", reason, err)
		}

		// Editing makes a new version; the old one stays, no longer current.
		mugDesc := ds["mug"]["description"]
		v2 := f.review(t, "POST", draft(mugDesc)+"/edit", editor, `{"body":"<p>A sturdy mug.</p>"}`)
		if v2.ID == mugDesc.ID || v2.Version != 2 || v2.Body != "<p>A sturdy mug.</p>" || v2.Status != drafts.DraftPending || !v2.Current ||
			v2.Provider != drafts.ProviderHuman || v2.GenerationID != "" {
			t.Fatalf("edited = %+v", v2.Draft)
		}
		if got := f.review(t, "GET", draft(mugDesc), owner, ""); got.Current {
			t.Errorf("the edited version is still current")
		}
		// Editing and approving at once.
		v3 := f.review(t, "POST", "/api/v1/drafts/"+v2.ID+"/edit", owner, `{"body":"<p>A sturdy stoneware mug.</p>","approve":true}`)
		if v3.Version != 3 || v3.Status != drafts.DraftApproved || !v3.Current {
			t.Fatalf("edited and approved = %+v", v3.Draft)
		}
		// The same text again stores nothing.
		if got := f.review(t, "POST", "/api/v1/drafts/"+v3.ID+"/edit", owner, `{"body":"<p>A sturdy stoneware mug.</p>"}`); got.ID != v3.ID {
			t.Errorf("an unchanged edit made version %d", got.Version)
		}
		// A text breaking a rule is kept as a draft with its violations,
		// and cannot be approved.
		bowlTitle := ds["bowl"]["title"]
		long := strings.TrimSpace(strings.Repeat("Bowl ", 60))
		broken := f.review(t, "POST", draft(bowlTitle)+"/edit", owner, `{"body":"`+long+`"}`)
		if broken.Status != drafts.DraftPending || len(broken.Violations) == 0 || broken.Violations[0].Rule != "max_length" {
			t.Fatalf("edited past the limit = %+v", broken.Draft)
		}
		e := wantError(t, f.do("POST", "/api/v1/drafts/"+broken.ID+"/approve", owner, ""), http.StatusBadRequest, "invalid")
		if !strings.Contains(e.Error.Message, "breaks the channel's rules") || !strings.Contains(e.Error.Message, "255") {
			t.Errorf("approve a broken draft: %q", e.Error.Message)
		}

		// Versions, newest first, from any of them.
		rec := f.do("GET", draft(mugDesc)+"/versions", viewer, "")
		wantStatus(t, rec, http.StatusOK)
		versions := decodeBody[api.DraftVersions](t, rec).Versions
		var got []string
		for _, v := range versions {
			got = append(got, v.ID)
		}
		if want := []string{v3.ID, v2.ID, mugDesc.ID}; !slices.Equal(got, want) || !versions[0].Current || versions[1].Current || versions[2].Current {
			t.Fatalf("versions = %v, want %v with only the first current", got, want)
		}

		// Restoring the writer's version makes it current again, as a new
		// version to review; restoring the current one changes nothing.
		restored := f.review(t, "POST", draft(mugDesc)+"/restore", editor, "")
		if restored.Version != 4 || restored.Body != mugDesc.Body || restored.Status != drafts.DraftPending || !restored.Current ||
			restored.Provider != mugDesc.Provider {
			t.Fatalf("restored = %+v", restored.Draft)
		}
		if again := f.review(t, "POST", "/api/v1/drafts/"+restored.ID+"/restore", editor, ""); again.ID != restored.ID || again.Version != 4 {
			t.Errorf("restoring the current version = %+v", again.Draft)
		}

		// Regenerating answers 202 with the generation to poll.
		plateDesc := ds["plate"]["description"]
		rec = f.do("POST", draft(plateDesc)+"/regenerate", editor, `{"instruction":"Shorter,   please"}`)
		wantStatus(t, rec, http.StatusAccepted)
		g := decodeBody[api.GenerationJSON](t, rec)
		loc := rec.Header().Get("Location")
		if g.Status != drafts.StatusQueued || g.Instruction != "Shorter, please" || g.Channel != "shopify" || !slices.Equal(g.Fields, []string{"description"}) ||
			g.Products != 1 || loc != "/api/v1/brands/"+b.ID+"/generations/"+g.ID {
			t.Fatalf("regeneration = %+v at %q", g.Generation, loc)
		}
		if g = f.waitGeneration(t, loc, viewer); g.Status != drafts.StatusDone || g.Drafts != 1 {
			t.Fatalf("regeneration = %+v, want done with 1 draft", g.Generation)
		}
		list := f.listDrafts(t, b.ID, owner, url.Values{"product_id": {plateDesc.ProductID}, "field": {"description"}})
		if len(list) != 1 || list[0].GenerationID != g.ID || list[0].Version != 2 || !list[0].Current {
			t.Fatalf("plate descriptions after the regeneration = %+v", list)
		}
		// With wait=true it answers with the new draft.
		plateSEO := ds["plate"]["seo_title"]
		fresh := f.review(t, "POST", draft(plateSEO)+"/regenerate?wait=true", editor, `{}`)
		if fresh.ProductID != plateSEO.ProductID || fresh.Field != "seo_title" || fresh.Version != 2 || !fresh.Current ||
			fresh.GenerationID == "" || fresh.GenerationID == plateSEO.GenerationID || fresh.Status != drafts.DraftPending {
			t.Fatalf("regenerated and waited = %+v", fresh.Draft)
		}

		// Bulk approval: all or none; approved drafts are not counted again.
		bowl := ds["bowl"]
		refusedTitle := ds[refusedHandle]["title"]
		bulk := "/api/v1/brands/" + b.ID + "/drafts/approve"
		e = wantError(t, f.do("POST", bulk, editor, `{"ids":["`+bowl["tags"].ID+`","`+refusedTitle.ID+`"]}`), http.StatusBadRequest, "invalid")
		if !strings.Contains(e.Error.Message, "title") || !strings.Contains(e.Error.Message, "rules") {
			t.Errorf("bulk approve with a broken draft: %q", e.Error.Message)
		}
		if got := f.review(t, "GET", draft(bowl["tags"]), owner, ""); got.Status != drafts.DraftPending {
			t.Fatalf("a refused bulk approval approved %s", got.Field)
		}
		rec = f.do("POST", bulk, editor, `{"ids":["`+bowl["tags"].ID+`","`+bowl["description"].ID+`","`+bowl["seo_title"].ID+`","`+mugTitle.ID+`"]}`)
		wantStatus(t, rec, http.StatusOK)
		if got := decodeBody[api.BulkApproveResult](t, rec); got.Approved != 3 {
			t.Errorf("bulk approved = %d, want 3", got.Approved)
		}
		if got := f.listDrafts(t, b.ID, owner, url.Values{"status": {"approved"}, "product_id": {bowl["tags"].ProductID}}); len(got) != 3 {
			t.Errorf("approved bowl drafts = %d, want 3", len(got))
		}
		if got := len(f.listDrafts(t, b.ID, owner, url.Values{"status": {"approved"}})); got != 4 {
			t.Errorf("approved current drafts = %d, want 4 (the mug's title, 3 of the bowl's; its description was restored)", got)
		}

		// Filters: field, flagged.
		titles := f.listDrafts(t, b.ID, viewer, url.Values{"field": {"title"}})
		if len(titles) != 4 {
			t.Errorf("title drafts = %d, want 4", len(titles))
		}
		for _, d := range titles {
			if d.Field != "title" {
				t.Errorf("field=title lists %s", d.Field)
			}
		}
		flagged := f.listDrafts(t, b.ID, viewer, url.Values{"flagged": {"true"}})
		var flaggedIDs []string
		for _, d := range flagged {
			if len(d.Violations) == 0 && len(d.Ungrounded) == 0 {
				t.Errorf("flagged lists %s, which has neither violations nor ungrounded facts", d.Field)
			}
			flaggedIDs = append(flaggedIDs, d.ID)
		}
		if !slices.Contains(flaggedIDs, refusedTitle.ID) || !slices.Contains(flaggedIDs, broken.ID) {
			t.Errorf("flagged = %v, want the refused title %s and the broken edit %s", flaggedIDs, refusedTitle.ID, broken.ID)
		}
		if got := f.listDrafts(t, b.ID, viewer, url.Values{"flagged": {"true"}, "field": {"title"}, "channel": {"shopify"}}); len(got) != 2 {
			t.Errorf("flagged titles = %d, want 2 (refused, broken)", len(got))
		}
		if got := f.listDrafts(t, b.ID, viewer, url.Values{"flagged": {"false"}}); len(got) != 24 {
			t.Errorf("flagged=false lists %d drafts, want all 24", len(got))
		}
	})
}

// TestReviewRefusals checks that viewers, other accounts, older versions
// and invalid bodies are refused with a clear error, and change nothing.
func TestReviewRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := sqliteFixture(t)
	f.startWorkers(t)
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	_, scB, bob := f.user(t, "bob@example.com", "Bob")
	b := f.brand(t, sc, "Refusals")
	other := f.brand(t, sc, "Other")
	bobBrand := f.brand(t, scB, "Bob's")
	f.addProducts(t, b.ID, "mug", "plate")
	f.addProducts(t, other.ID, "cup")
	f.generate(t, sc, b.ID, drafts.StartInput{Channel: "shopify"})
	f.generate(t, sc, other.ID, drafts.StartInput{Channel: "shopify"})
	ds, od := f.currentDrafts(t, sc, b.ID), f.currentDrafts(t, sc, other.ID)
	// An older version, for the conflicts.
	old := ds["plate"]["title"]
	if _, err := f.drafts.Edit(ctx, sc, old.ID, "Stoneware plate", false); err != nil {
		t.Fatal(err)
	}
	before, beforeOther := f.reviewState(t, b.ID), f.reviewState(t, other.ID)

	mug := "/api/v1/drafts/" + ds["mug"]["title"].ID
	older := "/api/v1/drafts/" + old.ID
	bulk := "/api/v1/brands/" + b.ID + "/drafts/approve"
	ids := func(ids ...string) string { return `{"ids":["` + strings.Join(ids, `","`) + `"]}` }
	var many []string
	for range 1001 {
		many = append(many, store.NewID())
	}
	huge := `{"reason":"` + strings.Repeat("a", 1<<20) + `"}`
	long := strings.Repeat("Mug ", 70)
	tests := []struct {
		name, method, path, token, body string
		status                          int
		code, message                   string
	}{
		// Viewers read but never act, whatever the body.
		{"viewer approves", "POST", mug + "/approve", viewer, "", 403, "forbidden", "viewer"},
		{"viewer rejects", "POST", mug + "/reject", viewer, `{"reason":"too long"}`, 403, "forbidden", "viewer"},
		{"viewer with a bad body", "POST", mug + "/reject", viewer, `{`, 403, "forbidden", "viewer"},
		{"viewer edits", "POST", mug + "/edit", viewer, `{"body":"Mug"}`, 403, "forbidden", "viewer"},
		{"viewer regenerates", "POST", mug + "/regenerate", viewer, `{}`, 403, "forbidden", "viewer"},
		{"viewer regenerates and waits", "POST", mug + "/regenerate?wait=true", viewer, `{}`, 403, "forbidden", "viewer"},
		{"viewer restores", "POST", older + "/restore", viewer, "", 403, "forbidden", "viewer"},
		{"viewer approves in bulk", "POST", bulk, viewer, ids(ds["mug"]["title"].ID), 403, "forbidden", "viewer"},
		// Another account's drafts are not found.
		{"another account reads", "GET", mug, bob, "", 404, "not_found", "Draft not found."},
		{"another account reads versions", "GET", mug + "/versions", bob, "", 404, "not_found", "Draft not found."},
		{"another account approves", "POST", mug + "/approve", bob, "", 404, "not_found", "Draft not found."},
		{"another account rejects", "POST", mug + "/reject", bob, `{"reason":"too long"}`, 404, "not_found", "Draft not found."},
		{"another account rejects with a bad body", "POST", mug + "/reject", bob, `{`, 404, "not_found", "Draft not found."},
		{"another account edits", "POST", mug + "/edit", bob, `{"body":"Hijacked"}`, 404, "not_found", "Draft not found."},
		{"another account regenerates", "POST", mug + "/regenerate?wait=true", bob, `{}`, 404, "not_found", "Draft not found."},
		{"another account restores", "POST", older + "/restore", bob, "", 404, "not_found", "Draft not found."},
		{"another account approves in bulk", "POST", "/api/v1/brands/" + bobBrand.ID + "/drafts/approve", bob, ids(ds["mug"]["title"].ID), 404, "not_found", "Draft not found."},
		{"another account's brand in bulk", "POST", bulk, bob, ids(), 404, "not_found", "Brand not found"},
		{"another brand's draft in bulk", "POST", bulk, owner, ids(od["cup"]["title"].ID), 404, "not_found", "Draft not found."},
		{"unknown draft", "GET", "/api/v1/drafts/" + store.NewID(), owner, "", 404, "not_found", "Draft not found."},
		{"malformed draft id", "POST", "/api/v1/drafts/not-an-id/approve", owner, "", 404, "not_found", "Draft not found."},
		// Invalid bodies.
		{"blank reason", "POST", mug + "/reject", owner, `{"reason":"   "}`, 400, "invalid", "Give a reason for rejecting: pick one (wrong facts, off-brand tone"},
		{"no reason", "POST", mug + "/reject", owner, `{}`, 400, "invalid", "Give a reason"},
		{"reason too long", "POST", mug + "/reject", owner, `{"reason":"` + strings.Repeat("a", 501) + `"}`, 400, "invalid", "longer than 500 characters"},
		{"invalid JSON", "POST", mug + "/reject", owner, `{"reason":`, 400, "invalid", "not valid JSON"},
		{"unknown field", "POST", mug + "/reject", owner, `{"why":"too long"}`, 400, "invalid", `Unknown field "why"`},
		{"reason not a string", "POST", mug + "/reject", owner, `{"reason":5}`, 400, "invalid", `The field "reason" must be a string`},
		{"body too large", "POST", mug + "/reject", owner, huge, 413, "too_large", "1 MiB"},
		{"no JSON content type", "POST", mug + "/regenerate", owner, "", 415, "unsupported_media_type", "application/json"},
		{"edit without body", "POST", mug + "/edit", owner, `{"approve":true}`, 400, "invalid", "Send the new text as body"},
		{"edit to nothing", "POST", mug + "/edit", owner, `{"body":"  "}`, 400, "invalid", "The text is empty"},
		{"edit approved past a rule", "POST", mug + "/edit", owner, `{"body":"` + long + `","approve":true}`, 400, "invalid", "breaks the channel's rules (The title is 279 characters; Shopify allows 255."},
		{"edit text too large", "POST", mug + "/edit", owner, `{"body":"` + strings.Repeat("a", 65<<10) + `"}`, 413, "too_large", "64 KB"},
		{"instruction too long", "POST", mug + "/regenerate", owner, `{"instruction":"` + strings.Repeat("a", 501) + `"}`, 400, "invalid", "longer than 500 characters"},
		{"wait not a boolean", "POST", mug + "/regenerate?wait=soon", owner, `{}`, 400, "invalid", "wait must be true or false"},
		{"ids not a list", "POST", bulk, owner, `{"ids":"all"}`, 400, "invalid", `The field "ids" must be an array`},
		{"too many ids", "POST", bulk, owner, ids(many...), 400, "invalid", "at most 1,000"},
		{"unknown id in bulk", "POST", bulk, owner, ids(ds["mug"]["title"].ID, store.NewID()), 404, "not_found", "Draft not found."},
		// Older versions are not reviewed.
		{"approve an older version", "POST", older + "/approve", owner, "", 409, "conflict", "A newer version of this field exists"},
		{"reject an older version", "POST", older + "/reject", owner, `{"reason":"too long"}`, 409, "conflict", "A newer version"},
		{"edit an older version", "POST", older + "/edit", owner, `{"body":"Plate"}`, 409, "conflict", "A newer version"},
		{"regenerate an older version", "POST", older + "/regenerate", owner, `{}`, 409, "conflict", "A newer version"},
		{"approve an older version in bulk", "POST", bulk, owner, ids(ds["mug"]["title"].ID, old.ID), 409, "conflict", "A newer version"},
		// Bad draft list queries.
		{"unknown status", "GET", "/api/v1/brands/" + b.ID + "/drafts?status=done", owner, "", 400, "invalid", `Unknown status "done": use draft, approved, rejected or published.`},
		{"unknown field of the channel", "GET", "/api/v1/brands/" + b.ID + "/drafts?channel=shopify&field=bullet_points", owner, "", 400, "invalid",
			`shopify has no field "bullet_points"; its fields are title, description, seo_title, seo_description, tags, image_alt.`},
		{"unknown field", "GET", "/api/v1/brands/" + b.ID + "/drafts?field=colour", owner, "", 400, "invalid", `No channel has a field "colour".`},
		{"flagged not a boolean", "GET", "/api/v1/brands/" + b.ID + "/drafts?flagged=maybe", owner, "", 400, "invalid", "flagged must be true or false"},
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
		t.Errorf("the refused requests changed the brand's drafts, memory, signals or generations")
	}
	if after := f.reviewState(t, other.ID); after != beforeOther {
		t.Errorf("the refused requests changed the other brand")
	}

	// What viewers may do: read.
	wantStatus(t, f.do("GET", mug, viewer, ""), http.StatusOK)
	wantStatus(t, f.do("GET", older+"/versions", viewer, ""), http.StatusOK)
}

// TestRegenerateWaitEnds checks that a regeneration whose writer has not
// answered when the wait ends answers 202 with the generation to poll.
func TestRegenerateWaitEnds(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	f.startWorkers(t)
	_, sc, owner := f.user(t, "ann@example.com", "Ann")
	b := f.brand(t, sc, "Waiting")
	f.addProducts(t, b.ID, "mug")
	f.generate(t, sc, b.ID, drafts.StartInput{Channel: "etsy", Fields: []string{"title"}})
	title := f.currentDrafts(t, sc, b.ID)["mug"]["title"]
	// No worker writes from now on, and the API waits briefly.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.jobs.Stop(ctx); err != nil {
		t.Fatalf("stop workers: %v", err)
	}
	f.h = api.New(api.Config{Accounts: f.accounts, Brands: f.brands, Catalog: f.catalog, Transfer: f.transfer, Drafts: f.drafts,
		Learn: f.learn, RegenerateWait: 100 * time.Millisecond})

	start := time.Now()
	rec := f.do("POST", "/api/v1/drafts/"+title.ID+"/regenerate?wait=true", owner, `{"instruction":"Warmer"}`)
	wantStatus(t, rec, http.StatusAccepted)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the wait took %v, want about 100ms", d)
	}
	g := decodeBody[api.GenerationJSON](t, rec)
	if loc := rec.Header().Get("Location"); g.Status != drafts.StatusQueued || g.Instruction != "Warmer" || loc != "/api/v1/brands/"+b.ID+"/generations/"+g.ID {
		t.Fatalf("regeneration after the wait = %+v at %q", g.Generation, loc)
	}
	if cur := f.review(t, "GET", "/api/v1/drafts/"+title.ID, owner, ""); !cur.Current {
		t.Errorf("the draft is no longer current, but nothing wrote")
	}
}
