package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/tenant"
)

// teach reviews the fixture's drafts through the services: six plain
// approvals, two edits and two rejections for the same reason, so the
// history has two stretches and the memory a rule with enough support.
func (f *reviewFixture) teach(t *testing.T) {
	t.Helper()
	ctx, sc := context.Background(), f.env.scopeOf(f.email)
	for _, d := range []struct{ product, field string }{
		{f.mug, "title"}, {f.mug, "image_alt"}, {f.plate, "title"}, {f.plate, "description"}, {f.plate, "seo_title"}, {f.plate, "seo_description"},
	} {
		if _, err := f.env.drafts.Approve(ctx, sc, f.draft(d.product, d.field).ID); err != nil {
			t.Fatalf("approve %s: %v", d.field, err)
		}
	}
	for _, field := range []string{"seo_title", "seo_description"} {
		d := f.draft(f.mug, field)
		if _, err := f.env.drafts.Edit(ctx, sc, d.ID, d.Body+" Made by hand.", false); err != nil {
			t.Fatalf("edit %s: %v", field, err)
		}
	}
	for _, d := range []struct{ product, field string }{{f.mug, "description"}, {f.refused, "description"}} {
		if _, err := f.env.drafts.Reject(ctx, sc, f.draft(d.product, d.field).ID, "too long"); err != nil {
			t.Fatalf("reject: %v", err)
		}
	}
}

// memoryItem finds a brand's memory item by its line.
func (f *reviewFixture) memoryItem(t *testing.T, line string) *learn.Item {
	t.Helper()
	items, err := f.env.learn.List(context.Background(), f.env.scopeOf(f.email), f.brand)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Line == line || it.LearnedLine == line {
			return it
		}
	}
	return nil
}

const tooLong = "Write shorter; reviewers rejected drafts as too long."

func TestLearningPage(t *testing.T) {
	f := newReviewFixture(t)
	env, b := f.env, f.b
	learning := "/brands/" + f.brand + "/learning"

	// Before any review: friendly empty states, no chart.
	p := b.get(learning)
	mustStatus(t, "empty learning page", p, http.StatusOK)
	mustSee(t, "empty learning page", p, "What reviews taught", "No review history yet.", "Nothing learned yet.")
	mustNotSee(t, "empty learning page", p, "<svg", "<polyline")

	f.teach(t)
	points, err := env.learn.History(context.Background(), env.scopeOf(f.email), f.brand)
	if err != nil || len(points) != 2 || points[1].Reviews != 8 {
		t.Fatalf("History = %+v, %v; want two stretches of 8 decisions", points, err)
	}
	p = b.get(learning)
	mustStatus(t, "learning page", p, http.StatusOK)
	// The chart: inline SVG, no style attribute, two series with a dot
	// per stretch, axes with labels, and a legend.
	svg := p.raw[strings.Index(p.raw, "<svg"):strings.Index(p.raw, "</svg>")]
	if strings.Contains(svg, "style") {
		t.Errorf("the chart uses a style attribute or element, which the CSP blocks")
	}
	if n := strings.Count(svg, "<polyline points="); n != 2 {
		t.Errorf("%d polylines, want 2", n)
	}
	if n := strings.Count(svg, `<circle cx=`); n != 2*2+2 {
		t.Errorf("%d circles, want a dot per stretch per series and one per legend entry", n)
	}
	for _, pt := range points {
		first := pt.Reviews - pt.Count + 1
		mustSee(t, "chart points", p,
			fmt.Sprintf("<title>Reviews %d–%d: mean edit distance %d%%</title>", first, pt.Reviews, pctOf(pt.MeanDistance)),
			fmt.Sprintf("<title>Reviews %d–%d: %d%% approved without edit</title>", first, pt.Reviews, pctOf(pt.CleanRate)),
			fmt.Sprintf("<tr><td>%d</td><td>%d</td><td>%d%%</td><td>%d%%</td>", pt.Reviews, pt.Count, pctOf(pt.MeanDistance), pctOf(pt.CleanRate)))
	}
	if points[0].CleanRate != 1 || points[1].CleanRate >= 1 || points[1].MeanDistance <= 0 {
		t.Errorf("points = %+v, want the first stretch all clean, the second with edits", points)
	}
	mustSee(t, "chart", p, `role="img"`, `class="chart-svg"`, "Mean edit distance", "Approved without edit",
		"Reviews (approvals and edits, oldest first)", "Share of the drafts (%)", ">0%</text>", ">50%</text>", ">100%</text>",
		">0</text>", `stroke="#b91c1c"`, `stroke="#047857"`)
	// The clean-rate line starts at the top of the plot (100 %), the
	// distance line at the bottom (0 %).
	polylines := regexp.MustCompile(`<polyline points="([^"]+)"`).FindAllStringSubmatch(svg, -1)
	dist, clean := strings.Fields(polylines[0][1]), strings.Fields(polylines[1][1])
	if len(dist) != 2 || len(clean) != 2 || !strings.HasSuffix(dist[0], ",264") || !strings.HasSuffix(clean[0], ",48") {
		t.Errorf("polylines = %q, %q; want the distance line from y 264 (0 %%), the clean one from y 48 (100 %%)", dist, clean)
	}

	// The memory: the repeated rejection reason became a rule that applies.
	it := f.memoryItem(t, tooLong)
	if it == nil || !it.Applies || it.Support != 2 {
		t.Fatalf("memory item = %+v, want an active rule seen twice", it)
	}
	anchor := `id="m-` + it.ID + `"`
	mustSee(t, "memory", p, anchor, tooLong, "Guidance", "Every channel and field", "2 reviews", "67%", "active",
		"Applies to new drafts", "Evidence: 2 review actions", "Rejected · Shopify description", "Reason: “too long”", "Save wording",
		"Switch off", "Delete")

	// Reword it.
	itemPath := learning + "/" + it.ID
	b.follow = false
	p = b.post(itemPath+"/line", url.Values{"line": {"  Keep it short.  "}})
	b.follow = true
	if p.status != http.StatusSeeOther || p.header.Get("Location") != learning+"?notice=memory-saved#m-"+it.ID {
		t.Fatalf("save line = %d to %q", p.status, p.header.Get("Location"))
	}
	p = b.get(learning + "?notice=memory-saved")
	mustSee(t, "reworded", p, "Memory line saved.", "Keep it short.", "Reworded by you; learned as: “"+tooLong+"”")
	long := strings.Repeat("x", learn.MaxLine+1)
	p = b.post(itemPath+"/line", url.Values{"line": {long}})
	mustStatus(t, "too long a line", p, http.StatusBadRequest)
	mustSee(t, "too long a line", p, "The line is longer than 300 characters.", `value="`+long+`"`)

	// Switch it off and on again.
	p = b.post(itemPath+"/status", url.Values{"enabled": {"off"}})
	mustStatus(t, "switch off", p, http.StatusOK)
	mustSee(t, "switched off", p, "Memory item switched off", "no: switched off", "Switch on")
	if it := f.memoryItem(t, tooLong); it == nil || it.Applies || it.Status != learn.StatusDisabled {
		t.Fatalf("switched-off item = %+v", it)
	}
	p = b.post(itemPath+"/status", url.Values{"enabled": {"on"}})
	mustSee(t, "switched on", p, "Memory item switched on.")
	if it := f.memoryItem(t, tooLong); it == nil || !it.Applies {
		t.Fatalf("switched-on item = %+v", it)
	}
	mustStatus(t, "bad switch", b.post(itemPath+"/status", url.Values{"enabled": {"maybe"}}), http.StatusBadRequest)

	// The forms are protected.
	checkForbidden(t, b.postRaw(itemPath+"/line", url.Values{"line": {"forged"}}, nil))
	checkForbidden(t, b.postRaw(itemPath+"/delete", nil, nil))

	// A viewer reads the memory but cannot change it.
	vic := env.newBrowser()
	env.join(vic, f.email, "Vic", "vic@example.com", tenant.Viewer)
	p = vic.get(learning)
	mustStatus(t, "viewer learning page", p, http.StatusOK)
	mustSee(t, "viewer learning page", p, "Keep it short.", "<svg", "Reason: “too long”")
	mustNotSee(t, "viewer learning page", p, "Save wording", "Switch off", ">Delete<", itemPath)
	for _, action := range []string{"line", "status", "delete"} {
		vic.get(learning)
		p := vic.post(itemPath+"/"+action, url.Values{"line": {"viewer"}, "enabled": {"off"}})
		mustStatus(t, "viewer "+action, p, http.StatusForbidden)
	}

	// Another account finds nothing, and has its own empty page.
	bob := env.newBrowser()
	bob.signUp("Bob", "bob@example.com")
	bobBrand := bob.newBrand("Bob Goods")
	bobLearning := "/brands/" + bobBrand + "/learning"
	mustStatus(t, "another account's learning page", bob.get(learning), http.StatusNotFound)
	p = bob.get(bobLearning)
	mustSee(t, "own learning page", p, "No review history yet.", "Nothing learned yet.")
	mustNotSee(t, "own learning page", p, "Keep it short.", "<svg")
	for _, path := range []string{itemPath + "/line", bobLearning + "/" + it.ID + "/line", bobLearning + "/" + it.ID + "/status",
		bobLearning + "/" + it.ID + "/delete", itemPath + "/delete"} {
		bob.get(bobLearning)
		p := bob.post(path, url.Values{"line": {"Bob's"}, "enabled": {"off"}})
		mustStatus(t, "other account POST "+path, p, http.StatusNotFound)
	}

	// Delete it.
	b.get(learning)
	p = b.post(itemPath+"/delete", nil)
	mustStatus(t, "delete", p, http.StatusOK)
	mustSee(t, "deleted", p, "Memory item deleted.")
	mustNotSee(t, "deleted", p, anchor, "Keep it short.")
	if it := f.memoryItem(t, tooLong); it != nil {
		t.Fatalf("deleted item still listed: %+v", it)
	}
}

func pctOf(f float64) int { return int(f*100 + 0.5) }
