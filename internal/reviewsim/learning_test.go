package reviewsim

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// csvDir holds the sample Shopify catalog (60 products in three files).
const csvDir = "../../../shared/data/shopify-csvs"

// testPersonas are reviewers for tests only, deliberately unlike the
// benchmark's (bench/learning): American spellings, other words removed,
// other sign-offs, lower word caps, no title casing.
func testPersonas() []Persona {
	return []Persona{
		{Name: "Workshop", Rules: []Rule{
			Replace("grey", "gray"), Replace("colour", "color"),
			Remove("stylish", "classic"),
			SignOff("Packed by hand in our Porto workshop."),
			MaxWords("description", 30),
		}},
		{Name: "Quiet", Rules: []Rule{
			Replace("womens", "women's"),
			Remove("comfortable", "soft", "chic"),
			NoExclamation(),
			SignOff("Questions about sizing are always welcome."),
			MaxWords("description", 35),
		}},
	}
}

// TestLearningThroughAPI runs each test persona for 5 rounds of 10 new
// products on its own brand, only through the API, and checks that the
// drafts come to read as the persona wants; then that nothing it taught
// reaches a brand in another account or another brand of its own account.
func TestLearningThroughAPI(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(csvDir, "*.csv"))
	if len(files) == 0 {
		t.Skipf("no sample catalog: %s/*.csv is missing (the sample Shopify CSVs live in the shared data dir beside the repo)", csvDir)
	}
	if testing.Short() {
		t.Skip("-short: runs 5 rounds of generation and review per persona")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv, err := StartServer(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	tokA, err := srv.NewAccount(ctx, "ada@example.com", "Ada")
	if err != nil {
		t.Fatal(err)
	}
	tokB, err := srv.NewAccount(ctx, "bea@example.com", "Bea")
	if err != nil {
		t.Fatal(err)
	}
	clientA := &Client{BaseURL: srv.URL, Token: tokA}
	clientB := &Client{BaseURL: srv.URL, Token: tokB}

	newBrand := func(c *Client, name string) (*Brand, []Product) {
		t.Helper()
		b, err := c.CreateBrand(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if _, err := c.Import(ctx, b.ID, f); err != nil {
				t.Fatal(err)
			}
		}
		ps, err := c.Products(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		return b, Order(ps, 1)
	}

	// What brand A's personas taught, for the isolation checks below.
	var removed, replaced, signOffs []string
	reviewed := map[string]bool{} // handles
	for _, p := range testPersonas() {
		b, products := newBrand(clientA, "A "+p.Name)
		run := &Runner{Client: clientA, BrandID: b.ID, Brand: b.Name, Persona: p, Rounds: 5, PerRound: 10, Products: products, Samples: 1000}
		rounds, err := run.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s", p)
		t.Logf("%s", Table(rounds))
		for _, r := range rounds {
			for _, rf := range r.Refusals {
				t.Logf("round %d refused: %s", r.Round, rf)
			}
			if r.Round == 1 {
				continue
			}
			// What the memory did not yet cover after round 1.
			for _, e := range r.Edits {
				t.Logf("round %d, %s %s (distance %.3f):\n  draft: %q\n  ideal: %q", r.Round, e.Product, e.Field, e.Distance, e.Draft, e.Ideal)
			}
		}
		mem, err := clientA.Memory(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range mem.Items {
			t.Logf("memory: %-8s %-9s support %d confidence %.2f %-30q %s", it.Kind, it.Status, it.Support, it.Confidence, it.Scope, it.Line)
		}
		if len(rounds) != 5 {
			t.Fatalf("%s: %d rounds, want 5", p.Name, len(rounds))
		}
		first, last := rounds[0], rounds[4]
		if first.Distance == 0 {
			t.Fatalf("%s: round 1 drafts already read as the persona wants; the persona tests nothing", p.Name)
		}
		if last.Distance > 0.25*first.Distance || last.Clean < 0.7 {
			t.Errorf("%s: round 5 distance %.4f (round 1 %.4f, ratio %.2f, want <= 0.25), clean approvals %.0f%% (want >= 70%%)",
				p.Name, last.Distance, first.Distance, last.Distance/first.Distance, 100*last.Clean)
		}
		for _, ps := range products[:50] {
			reviewed[ps.Handle] = true
		}
		// Only words the writer actually used count for the checks below.
		for _, r := range rounds {
			for _, e := range r.Edits {
				for _, w := range p.Removes() {
					if ContainsWord(e.Draft, w) && !slices.Contains(removed, strings.ToLower(w)) {
						removed = append(removed, strings.ToLower(w))
					}
				}
				for _, rule := range p.Rules {
					if rp, ok := rule.(replace); ok && ContainsWord(e.Draft, rp.from) && !slices.Contains(replaced, rp.from) {
						replaced = append(replaced, rp.from)
					}
				}
			}
		}
		signOffs = append(signOffs, p.SignOff())
	}
	if len(removed) == 0 {
		t.Fatal("the personas removed no word the writer used; the isolation check would check nothing")
	}
	t.Logf("brand A's personas removed %v and replaced %v where the writer used them", removed, replaced)

	// Another account's brand, and another brand of A's own account, write
	// for the same products as if nobody had reviewed anything.
	for _, other := range []struct {
		who string
		c   *Client
	}{{"B (another account)", clientB}, {"A2 (A's own account)", clientA}} {
		t.Run(strings.Fields(other.who)[0], func(t *testing.T) {
			b, products := newBrand(other.c, "Other "+other.who)
			var ids []string
			for _, p := range products {
				if reviewed[p.Handle] {
					ids = append(ids, p.ID)
				}
			}
			if _, err := other.c.Generate(ctx, b.ID, "etsy", []string{"title", "description"}, ids); err != nil {
				t.Fatal(err)
			}
			mem, err := other.c.Memory(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(mem.Items) != 0 || len(mem.History) != 0 {
				t.Errorf("brand %s memory = %d items, %d history entries, want none: %+v", other.who, len(mem.Items), len(mem.History), mem.Items)
			}
			seen := map[string]int{}
			for _, id := range ids {
				ds, err := other.c.Drafts(ctx, b.ID, id, "etsy")
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range ds {
					for _, s := range signOffs {
						if strings.Contains(d.Body, s) {
							t.Errorf("brand %s %s draft holds A's sign-off %q: %q", other.who, d.Field, s, d.Body)
						}
					}
					for _, w := range append(append([]string{}, removed...), replaced...) {
						if ContainsWord(d.Body, w) {
							seen[w]++
						}
					}
				}
			}
			for _, w := range append(append([]string{}, removed...), replaced...) {
				if seen[w] == 0 {
					t.Errorf("brand %s: no draft uses %q, which A's reviewers removed or replaced (learned across brands?)", other.who, w)
				}
			}
			t.Logf("brand %s: empty memory, no sign-off of A's, and A's removed or replaced words still used: %v", other.who, fmtCounts(seen))
		})
	}
}

func fmtCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
