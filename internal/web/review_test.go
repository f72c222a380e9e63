package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/tenant"
)

// reviewCSV is a small catalog: a mug with every source value, a plate
// with none, and the product testWriter writes a refusal for.
const reviewCSV = "Handle,Title,Body (HTML),Tags,SEO Title,Image Src,Image Alt Text\n" +
	"blue-mug,Blue Mug,<p>A blue stoneware mug. Holds 350 ml.</p>,\"kitchen, mugs\",Blue mug,https://cdn.example.com/mug.jpg,A blue mug\n" +
	"plate,Plate,,,,,\n" +
	refusedHandle + ",Refused Mug,,,,https://cdn.example.com/refused.jpg,\n"

// reviewFixture is an owner's brand with Shopify drafts for reviewCSV's
// three products, written by the running workers.
type reviewFixture struct {
	env                   *testEnv
	b                     *browser
	email                 string
	brand                 string
	mug, plate, refused   string
	queue                 string // the queue's path
	mugSlot, refusedTitle string
}

func newReviewFixture(t *testing.T) *reviewFixture {
	t.Helper()
	env := newEnv(t)
	env.startWorkers()
	f := &reviewFixture{env: env, b: env.newBrowser(), email: "rae@example.com"}
	f.b.signUp("Rae", f.email)
	f.brand = f.b.newBrand("Rae Ceramics")
	env.addProducts(f.brand, []byte(reviewCSV))
	f.mug, f.plate, f.refused = f.b.productID(f.brand, "blue"), f.b.productID(f.brand, "plate"), f.b.productID(f.brand, "refused")
	g, err := env.drafts.Start(context.Background(), env.scopeOf(f.email), f.brand, drafts.StartInput{Channel: "shopify"})
	if err != nil {
		t.Fatal(err)
	}
	if g = env.waitGeneration(f.email, f.brand, g.ID); g.Drafts != 18 {
		t.Fatalf("generation = %+v, want 18 drafts", g)
	}
	f.queue = "/brands/" + f.brand + "/review"
	return f
}

// draft is the current draft of a product's Shopify field.
func (f *reviewFixture) draft(productID, field string) *drafts.Draft {
	f.env.t.Helper()
	d, err := f.env.drafts.CurrentDraft(context.Background(), f.env.scopeOf(f.email), f.brand, productID, "shopify", field)
	if err != nil {
		f.env.t.Fatalf("current %s of %s: %v", field, productID, err)
	}
	return d
}

func slot(productID, field string) string { return "r-" + productID + "-shopify-" + field }

var reviewItem = regexp.MustCompile(`<article class="review-item[^"]*" id="(r-[^"]+)"`)

// reviewSlots lists the drafts a queue page shows, by anchor.
func reviewSlots(p page) []string {
	var out []string
	for _, m := range reviewItem.FindAllStringSubmatch(p.raw, -1) {
		out = append(out, m[1])
	}
	return out
}

// act posts a form without following the redirect and checks it is a
// 303 to want (the queue with query and anchor).
func (b *browser) act(t *testing.T, what, path string, form url.Values, want string) {
	t.Helper()
	b.follow = false
	defer func() { b.follow = true }()
	p := b.post(path, form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("%s: status %d, want 303\n%s", what, p.status, excerpt(p.text))
	}
	if got := p.header.Get("Location"); got != want {
		t.Fatalf("%s: redirected to %s, want %s", what, got, want)
	}
}

func TestReviewQueue(t *testing.T) {
	f := newReviewFixture(t)
	env, b, ctx := f.env, f.b, context.Background()
	sc := env.scopeOf(f.email)

	p := b.get(f.queue)
	mustStatus(t, "queue", p, http.StatusOK)
	if got := reviewSlots(p); len(got) != 18 {
		t.Fatalf("queue shows %d drafts, want 18", len(got))
	}
	mustSee(t, "queue", p, "Blue Mug", "Plate", "Refused Mug", "18 drafts shown.", "Approve selected",
		// The product's own value beside the draft, and the word diff.
		`<p class="source-text">A blue stoneware mug. Holds 350 ml.</p>`, `<del class="diff-del">mug</del>`, `<ins class="diff-ins">`,
		"None: the product data has no SEO description.",
		// Flags.
		`The title is a refusal from the writer ("I cannot"), not product copy; it must be written again.`,
		"“It is 30 cm wide.” — not in the product data: 30 cm",
		// Rejection reasons, the editor and its counter's rules.
		`<option value="too long">too long</option>`, `name="body"`, `data-max-len="70" data-min-items="0"`,
		`data-kind="list" data-unit="chars" data-max-len="255" data-min-items="1" data-max-items="250"`,
		"Keyboard shortcuts", `src="/static/review.js?v=`)
	mustNotSee(t, "queue", p, "History:", "Restore version")
	// Every text draft is counted, on the page and in its editor.
	for _, field := range []string{"title", "seo_title", "seo_description", "description"} {
		d := f.draft(f.mug, field)
		spec, _ := generate.Field(generate.Shopify, field)
		want := fmt.Sprintf("%d / %d characters", utf8.RuneCountInString(d.Body), spec.MaxLen)
		mustSee(t, field+" counter", p, `<span class="counter">`+want+`</span>`, `<span class="counter" data-count="main">`+want+`</span>`)
	}
	tags := f.draft(f.mug, "tags")
	mustSee(t, "tags counter", p, fmt.Sprintf("%d / 250 tags", len(tags.Value.Items)), "<p class=\"source-text\">kitchen · mugs</p>",
		"longest tag: ")

	// Filters narrow the queue as the service does.
	for _, tt := range []struct {
		query string
		list  drafts.ListParams
	}{
		{"field=title", drafts.ListParams{Status: "draft", Field: "title"}},
		{"flagged=1", drafts.ListParams{Status: "draft", Flagged: true}},
		{"channel=shopify&field=tags", drafts.ListParams{Status: "draft", Channel: "shopify", Field: "tags"}},
	} {
		want, err := env.drafts.List(ctx, sc, f.brand, tt.list)
		if err != nil {
			t.Fatal(err)
		}
		p := b.get(f.queue + "?" + tt.query)
		if got := reviewSlots(p); len(got) != len(want) || len(want) == 0 {
			t.Errorf("?%s shows %d drafts, want %d", tt.query, len(got), len(want))
		}
		mustSee(t, tt.query, p, "Back to the drafts to review")
	}
	p = b.get(f.queue + "?flagged=1")
	mustSee(t, "flagged", p, "Refused Mug", `<input id="f-flagged" name="flagged" type="checkbox" value="1" checked>`)
	mustNotSee(t, "flagged", p, `id="`+slot(f.plate, "title")+`"`)
	p = b.get(f.queue + "?channel=etsy")
	mustSee(t, "etsy", p, "No drafts match these filters.")
	if got := reviewSlots(b.get(f.queue + "?status=bogus&field=nonsense")); len(got) != 18 {
		t.Errorf("unknown filter values: %d drafts shown, want the default queue's 18", len(got))
	}

	// Approve: back to the same filter, at the next draft (the approved one
	// has left the "to review" queue).
	title := f.draft(f.mug, "title")
	b.get(f.queue + "?field=title")
	b.act(t, "approve", f.queue+"/"+title.ID+"/approve", url.Values{"back": {"field=title"}, "next": {slot(f.plate, "title")}},
		f.queue+"?field=title&notice=draft-approved#"+slot(f.plate, "title"))
	if d := f.draft(f.mug, "title"); d.Status != drafts.DraftApproved || d.ID != title.ID {
		t.Fatalf("approved title = %+v", d)
	}
	p = b.get(f.queue + "?field=title&notice=draft-approved")
	mustSee(t, "after approve", p, "Draft approved.")
	if got := reviewSlots(p); len(got) != 2 {
		t.Errorf("title queue after approving one shows %d drafts, want 2", len(got))
	}
	p = b.get(f.queue + "?status=approved")
	mustSee(t, "approved queue", p, `<span class="badge status-approved">approved</span>`)

	// A draft breaking a rule cannot be approved: the queue says why.
	refused := f.draft(f.refused, "title")
	p = b.post(f.queue+"/"+refused.ID+"/approve", url.Values{"back": {""}, "next": {""}})
	mustStatus(t, "approve a broken draft", p, http.StatusBadRequest)
	mustSee(t, "approve a broken draft", p, `id="review-error"`, "This draft breaks the channel's rules (The title is a refusal",
		"edit it before approving.", "Refused Mug")
	if d := f.draft(f.refused, "title"); d.Status != drafts.DraftPending {
		t.Fatalf("broken draft status = %s", d.Status)
	}

	// Reject needs a reason: a preset, or the reviewer's own words.
	seoDesc := f.draft(f.plate, "seo_description")
	p = b.post(f.queue+"/"+seoDesc.ID+"/reject", url.Values{"back": {""}, "preset": {""}, "reason": {"  "}})
	mustStatus(t, "reject without reason", p, http.StatusBadRequest)
	mustSee(t, "reject without reason", p, "Give a reason for rejecting")
	b.act(t, "reject", f.queue+"/"+seoDesc.ID+"/reject", url.Values{"back": {""}, "preset": {"too long"}, "next": {"r-x"}},
		f.queue+"?notice=draft-rejected#r-x")
	plateTags := f.draft(f.plate, "tags")
	b.act(t, "reject in own words", f.queue+"/"+plateTags.ID+"/reject",
		url.Values{"back": {"status=any"}, "preset": {"too long"}, "reason": {"Sounds like a robot"}},
		f.queue+"?notice=draft-rejected&status=any#"+slot(f.plate, "tags"))
	for id, want := range map[string]string{seoDesc.ID: "too long", plateTags.ID: "Sounds like a robot"} {
		var reason string
		if err := env.db.QueryRow(ctx, `SELECT reason FROM signals WHERE draft_id = ? AND kind = 'reject'`, id).Scan(&reason); err != nil || reason != want {
			t.Errorf("rejection reason = %q, %v; want %q", reason, err, want)
		}
	}
	if d := f.draft(f.plate, "seo_description"); d.Status != drafts.DraftRejected {
		t.Errorf("rejected draft status = %s", d.Status)
	}

	// Edit and save: a new version a person wrote, still to review, at the
	// same place in the queue.
	seo := f.draft(f.mug, "seo_title")
	b.get(f.queue)
	b.act(t, "edit", f.queue+"/"+seo.ID+"/edit", url.Values{"back": {""}, "body": {"Blue stoneware mug, 350 ml"}, "approve": {"no"}},
		f.queue+"?notice=draft-saved#"+slot(f.mug, "seo_title"))
	edited := f.draft(f.mug, "seo_title")
	if edited.Version != 2 || edited.Provider != drafts.ProviderHuman || edited.Status != drafts.DraftPending || edited.Body != "Blue stoneware mug, 350 ml" {
		t.Fatalf("edited = %+v", edited)
	}
	p = b.get(f.queue + "?notice=draft-saved")
	mustSee(t, "after edit", p, "Your edit is saved as a new version", "Version 2, edited by a person", "History: 1 earlier version",
		"Restore version 1", "Version 1, written by the offline writer", `<span class="counter">26 / 70 characters</span>`,
		`<p class="diff">Blue <ins class="diff-ins">stoneware</ins> mug<ins class="diff-ins">, 350 ml</ins></p>`)

	// Edit and approve breaking a rule: refused, with the text kept and counted.
	long := strings.Repeat("Blue mug ", 9) // 80 characters once trimmed, over 70
	p = b.post(f.queue+"/"+edited.ID+"/edit", url.Values{"back": {""}, "body": {long}, "approve": {"yes"}})
	mustStatus(t, "edit and approve over the limit", p, http.StatusBadRequest)
	mustSee(t, "edit and approve over the limit", p, "This text breaks the channel's rules", ">"+long+"</textarea>",
		`<span class="counter counter-over" data-count="main">80 / 70 characters</span>`, `<details class="review-more review-edit" open>`)
	b.act(t, "edit and approve", f.queue+"/"+edited.ID+"/edit",
		url.Values{"back": {""}, "body": {"Blue mug, 350 ml"}, "approve": {"yes"}, "next": {slot(f.mug, "tags")}},
		f.queue+"?notice=draft-saved-approved#"+slot(f.mug, "tags"))
	if d := f.draft(f.mug, "seo_title"); d.Version != 3 || d.Status != drafts.DraftApproved || d.Provider != drafts.ProviderHuman {
		t.Fatalf("edited and approved = %+v", d)
	}
	// An old version cannot be acted on; it can be restored, as a new
	// version to review.
	p = b.post(f.queue+"/"+seo.ID+"/approve", url.Values{"back": {""}})
	mustStatus(t, "approve an old version", p, http.StatusConflict)
	mustSee(t, "approve an old version", p, "A newer version of this field exists")
	b.act(t, "restore", f.queue+"/"+seo.ID+"/restore", url.Values{"back": {""}, "next": {"r-x"}},
		f.queue+"?notice=draft-restored#"+slot(f.mug, "seo_title"))
	if d := f.draft(f.mug, "seo_title"); d.Version != 4 || d.Status != drafts.DraftPending || d.Body != seo.Body {
		t.Fatalf("restored = %+v, want version 4 with %q", d, seo.Body)
	}
	p = b.get(f.queue)
	mustSee(t, "after restore", p, "History: 3 earlier versions", "Restore version 3", "Restore version 2", "Restore version 1")

	// Regenerate with an instruction: the quick offline writer is done
	// before the redirect, so the queue shows the new version at once.
	desc := f.draft(f.mug, "description")
	p = b.post(f.queue+"/"+desc.ID+"/regenerate", url.Values{"back": {"field=description"}, "instruction": {"  Mention the   handle "}})
	mustStatus(t, "regenerate", p, http.StatusOK)
	gen := p.query.Get("generation")
	if p.path != f.queue || p.query.Get("field") != "description" || gen == "" {
		t.Fatalf("regenerate ended at %s?%s", p.path, p.query.Encode())
	}
	mustSee(t, "regenerated", p, "A new Description is written; it waits for review below.", "Instruction: “Mention the handle”",
		"Version 2, written by the offline writer", "History: 1 earlier version")
	mustNotSee(t, "regenerated", p, "hx-trigger")
	if g := env.waitGeneration(f.email, f.brand, gen); g.Instruction != "Mention the handle" || g.Drafts != 1 {
		t.Fatalf("regeneration = %+v", g)
	}
	if d := f.draft(f.mug, "description"); d.Version != 2 || d.Provider != "offline" || d.GenerationID != gen {
		t.Fatalf("regenerated description = %+v", d)
	}
	// The status htmx polls asks for a reload once the generation is done.
	req, _ := http.NewRequest(http.MethodGet, b.url(f.queue+"/generations/"+gen+"?field=description"), nil)
	req.Header.Set("HX-Request", "true")
	p = b.do(req)
	mustStatus(t, "poll", p, http.StatusOK)
	if p.header.Get("HX-Refresh") != "true" || !p.has(`id="review-generation"`) || p.has("<html") {
		t.Fatalf("finished poll: HX-Refresh %q\n%s", p.header.Get("HX-Refresh"), p.raw)
	}

	// Bulk approve: all or none.
	b.get(f.queue)
	plateTitle, plateDesc := f.draft(f.plate, "title"), f.draft(f.plate, "description")
	p = b.post(f.queue+"/approve", url.Values{"back": {""}, "draft_id": {plateTitle.ID, refused.ID}})
	mustStatus(t, "bulk with a broken draft", p, http.StatusBadRequest)
	mustSee(t, "bulk with a broken draft", p, "The title draft of a product breaks the channel's rules")
	if d := f.draft(f.plate, "title"); d.Status != drafts.DraftPending {
		t.Fatal("a refused bulk approval approved a draft")
	}
	p = b.post(f.queue+"/approve", url.Values{"back": {""}})
	mustStatus(t, "bulk without selection", p, http.StatusBadRequest)
	mustSee(t, "bulk without selection", p, "Select at least one draft to approve.")
	b.act(t, "bulk approve", f.queue+"/approve", url.Values{"back": {"channel=shopify"}, "draft_id": {plateTitle.ID, plateDesc.ID}},
		f.queue+"?channel=shopify&n=2&notice=bulk-approved")
	for _, field := range []string{"title", "description"} {
		if d := f.draft(f.plate, field); d.Status != drafts.DraftApproved {
			t.Errorf("bulk-approved %s = %s", field, d.Status)
		}
	}
	p = b.get(f.queue + "?channel=shopify&n=2&notice=bulk-approved")
	mustSee(t, "after bulk", p, "2 drafts approved.")

	// Every action is a protected form.
	plateSEO := f.draft(f.plate, "seo_title")
	for _, action := range []string{"approve", "reject", "edit", "regenerate", "restore"} {
		p := b.postRaw(f.queue+"/"+plateSEO.ID+"/"+action, url.Values{"reason": {"too long"}, "body": {"x"}}, nil)
		checkForbidden(t, p)
	}
	checkForbidden(t, b.postRaw(f.queue+"/approve", url.Values{"draft_id": {plateSEO.ID}}, nil))
	if d := f.draft(f.plate, "seo_title"); d.ID != plateSEO.ID || d.Status != drafts.DraftPending {
		t.Fatalf("a post without a CSRF token changed the draft: %+v", d)
	}
}

func TestReviewViewersAndOtherAccounts(t *testing.T) {
	f := newReviewFixture(t)
	env := f.env
	title := f.draft(f.mug, "title")
	old := title.ID
	// A second version, so the history (and its restore button) shows.
	f.b.get(f.queue)
	f.b.act(t, "edit", f.queue+"/"+title.ID+"/edit", url.Values{"back": {""}, "body": {"Blue Stoneware Mug"}},
		f.queue+"?notice=draft-saved#"+slot(f.mug, "title"))
	title = f.draft(f.mug, "title")

	// A viewer reads the queue but has no controls, and is refused.
	vic := env.newBrowser()
	env.join(vic, f.email, "Vic", "vic@example.com", tenant.Viewer)
	p := vic.get(f.queue)
	mustStatus(t, "viewer queue", p, http.StatusOK)
	if got := reviewSlots(p); len(got) != 18 {
		t.Errorf("viewer sees %d drafts, want 18", len(got))
	}
	mustSee(t, "viewer queue", p, "Blue Stoneware Mug", "History: 1 earlier version", "your role cannot decide on drafts")
	mustNotSee(t, "viewer queue", p, "/approve", "/reject", "/edit\"", "/regenerate", "/restore", "Approve selected",
		`name="body"`, `name="draft_id"`, "Restore version", "data-review-approve")
	for _, post := range []struct {
		path string
		form url.Values
	}{
		{f.queue + "/" + title.ID + "/approve", nil},
		{f.queue + "/" + title.ID + "/reject", url.Values{"preset": {"too long"}}},
		{f.queue + "/" + title.ID + "/edit", url.Values{"body": {"Viewer title"}}},
		{f.queue + "/" + title.ID + "/regenerate", url.Values{"instruction": {"shorter"}}},
		{f.queue + "/" + old + "/restore", nil},
		{f.queue + "/approve", url.Values{"draft_id": {title.ID}}},
	} {
		vic.get(f.queue)
		p := vic.post(post.path, post.form)
		mustStatus(t, "viewer POST "+post.path, p, http.StatusForbidden)
		mustSee(t, "viewer POST "+post.path, p, "Not allowed")
	}
	if d := f.draft(f.mug, "title"); d.ID != title.ID || d.Status != drafts.DraftPending {
		t.Fatalf("a viewer changed the draft: %+v", d)
	}

	// Another account finds none of it, under its own brand or the owner's.
	bob := env.newBrowser()
	bob.signUp("Bob", "bob@example.com")
	bobBrand := bob.newBrand("Bob Goods")
	bobQueue := "/brands/" + bobBrand + "/review"
	mustStatus(t, "another account's queue", bob.get(f.queue), http.StatusNotFound)
	p = bob.get(bobQueue)
	mustSee(t, "own empty queue", p, "Nothing to review.")
	for _, path := range []string{
		f.queue + "/" + title.ID + "/approve",
		bobQueue + "/" + title.ID + "/approve",
		bobQueue + "/" + title.ID + "/reject",
		bobQueue + "/" + title.ID + "/edit",
		bobQueue + "/" + title.ID + "/regenerate",
		bobQueue + "/" + old + "/restore",
		bobQueue + "/not-an-id/approve",
		bobQueue + "/approve",
	} {
		bob.get(bobQueue)
		p := bob.post(path, url.Values{"draft_id": {title.ID}, "preset": {"too long"}, "body": {"Bob's"}})
		mustStatus(t, "other account POST "+path, p, http.StatusNotFound)
		mustNotSee(t, path, p, "Blue Mug", "Rae Ceramics")
	}
	// Another brand of the same account does not reach the draft either.
	other := f.b.newBrand("Rae Second")
	f.b.get("/brands/" + other + "/review")
	p = f.b.post("/brands/"+other+"/review/"+title.ID+"/approve", url.Values{"back": {""}})
	mustStatus(t, "draft of another brand", p, http.StatusNotFound)
	if d := f.draft(f.mug, "title"); d.ID != title.ID || d.Status != drafts.DraftPending {
		t.Fatalf("another account changed the draft: %+v", d)
	}
}

func TestReviewRegenerationProgress(t *testing.T) {
	f := newReviewFixture(t)
	env, ctx := f.env, context.Background()
	// With no worker running, a regeneration stays queued: the queue
	// follows it with htmx, and says to reload without JavaScript.
	stop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := env.jobs.Stop(stop); err != nil {
		t.Fatal(err)
	}
	title := f.draft(f.mug, "title")
	g, err := env.drafts.Regenerate(ctx, env.scopeOf(f.email), title.ID, "shorter")
	if err != nil {
		t.Fatal(err)
	}
	poll := f.queue + "/generations/" + g.ID
	p := f.b.get(f.queue + "?generation=" + g.ID + "&field=title")
	mustStatus(t, "queue following a regeneration", p, http.StatusOK)
	mustSee(t, "queue following a regeneration", p, "Waiting for a worker to write a new Title…", `hx-trigger="every 1s"`,
		`hx-get="`+poll+`?field=title"`, "without JavaScript, reload the page", "Instruction: “shorter”")
	req, _ := http.NewRequest(http.MethodGet, f.b.url(poll+"?field=title"), nil)
	req.Header.Set("HX-Request", "true")
	p = f.b.do(req)
	mustStatus(t, "poll", p, http.StatusOK)
	if p.header.Get("HX-Refresh") != "" || !p.has(`hx-trigger="every 1s"`) || p.has("<html") {
		t.Fatalf("queued poll: HX-Refresh %q\n%s", p.header.Get("HX-Refresh"), p.raw)
	}
	// Another account cannot follow it.
	bob := env.newBrowser()
	bob.signUp("Bob", "bob@example.com")
	bobBrand := bob.newBrand("Bob Goods")
	mustStatus(t, "other account's poll", bob.get(poll), http.StatusNotFound)
	mustStatus(t, "other account's poll, own brand", bob.get("/brands/"+bobBrand+"/review/generations/"+g.ID), http.StatusNotFound)
	p = bob.get("/brands/" + bobBrand + "/review?generation=" + g.ID)
	mustStatus(t, "foreign generation id", p, http.StatusOK)
	mustNotSee(t, "foreign generation id", p, "hx-trigger", "Waiting for a worker")
}
