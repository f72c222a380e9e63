package learn_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/fakes/anthropicfake"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/anthropic"
	"github.com/plutopro/plutopro/internal/generate/offline"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

// world is one database with the drafts and learning services and a job
// client working their jobs.
type world struct {
	db       *store.DB
	accounts *account.Service
	brands   *brand.Service
	catalog  *catalog.Service
	drafts   *drafts.Service
	learn    *learn.Service
}

func newWorld(t *testing.T, provider generate.Provider) *world {
	t.Helper()
	return newWorldOn(t, storetest.SQLite(t, jobs.Migrate), provider)
}

func newWorldOn(t *testing.T, db *store.DB, provider generate.Provider) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, accounts: account.NewService(db, mail.NewOutbox(db, nil, nil), "http://x"), brands: brand.NewService(db)}
	w.catalog = catalog.NewService(db, w.brands)
	w.drafts = drafts.NewService(db, w.brands, w.catalog, provider)
	w.learn = learn.NewService(db, w.brands)
	w.drafts.SetLearn(w.learn)
	workers := river.NewWorkers()
	river.AddWorker(workers, &drafts.Worker{Service: w.drafts})
	river.AddWorker(workers, &learn.Worker{Service: w.learn})
	jc, err := jobs.New(db, jobs.Options{Workers: workers, Work: true, Queues: map[string]int{drafts.Queue: 2}})
	if err != nil {
		t.Fatal(err)
	}
	w.drafts.SetJobs(jc)
	w.learn.SetJobs(jc)
	if err := jc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jc.Stop(sctx)
	})
	return w
}

// account adds a user with their own account.
func (w *world) account(t *testing.T, name string) tenant.Scope {
	t.Helper()
	u, a, err := w.accounts.AddUser(context.Background(), strings.ToLower(name)+"-"+store.NewID()[30:]+"@example.com", name, "")
	if err != nil {
		t.Fatal(err)
	}
	return tenant.Scope{AccountID: a.ID, UserID: u.ID, Role: tenant.Owner}
}

// brand adds a brand with the same three products every brand gets.
func (w *world) brand(t *testing.T, sc tenant.Scope, name string) string {
	t.Helper()
	ctx := context.Background()
	b, err := w.brands.Create(ctx, sc, brand.Input{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	var ps []*catalog.Product
	for i, title := range []string{"Wool scarf", "Linen scarf", "Cotton scarf", "Silk scarf", "Felt hat"} {
		ps = append(ps, &catalog.Product{Handle: fmt.Sprintf("p%d", i), Title: title, BodyHTML: "<p>A " + strings.ToLower(title) + " for cold days.</p>",
			Vendor: name, ProductType: "Scarves", Tags: []string{"winter"}, Source: "csv"})
	}
	if err := w.db.Tx(ctx, func(tx *store.Tx) error { _, err := w.catalog.UpsertTx(ctx, tx, b.ID, ps); return err }); err != nil {
		t.Fatal(err)
	}
	return b.ID
}

func (w *world) generate(t *testing.T, sc tenant.Scope, brandID string) []*drafts.Draft {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g, err := w.drafts.Start(ctx, sc, brandID, drafts.StartInput{Channel: "etsy", Fields: []string{"title", "description"}})
	if err != nil {
		t.Fatal(err)
	}
	if g, err = w.drafts.Wait(ctx, sc, brandID, g.ID, nil); err != nil || g.Failed > 0 {
		t.Fatalf("generation: %v (failed %d)", err, g.Failed)
	}
	ds, err := w.drafts.List(ctx, sc, brandID, drafts.ListParams{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// teach edits brand A's descriptions the way its reviewer likes them:
// no "premium", "shade" not "color", no exclamation marks, a sign-off.
func (w *world) teach(t *testing.T, sc tenant.Scope, ds []*drafts.Draft) {
	t.Helper()
	for _, d := range ds {
		body := strings.NewReplacer("Premium c", "C", "premium ", "", "color", "shade", "!", ".").Replace(d.Body)
		if d.Field == "description" {
			body += " Packed by hand in Bruges."
		}
		if _, err := w.drafts.Edit(context.Background(), sc, d.ID, body, true); err != nil {
			t.Fatalf("edit: %v", err)
		}
	}
}

// learned are the traces of brand A's lessons.
var learned = []string{"Bruges", "shade", "brand_memory", "approved_examples"}

func TestLearningStaysInItsBrand(t *testing.T) {
	storetest.Each(t, jobs.Migrate, testLearningStaysInItsBrand)
}

func testLearningStaysInItsBrand(t *testing.T, db *store.DB) {
	fake := anthropicfake.New(anthropicfake.Options{APIKey: "k", Responder: func(req anthropicfake.Request) (map[string]any, error) {
		out := map[string]any{}
		props, _ := req.Schema["properties"].(map[string]any)
		for k := range props {
			switch k {
			case "title":
				out[k] = "Premium color scarf"
			case "description":
				out[k] = "A premium scarf in a warm color! Soft on the skin."
			}
		}
		return out, nil
	}})
	t.Cleanup(fake.Close)
	w := newWorldOn(t, db, anthropic.New(anthropic.Options{APIKey: "k", BaseURL: fake.URL()}))
	ctx := context.Background()
	alice := w.account(t, "Alice")
	bob := w.account(t, "Bob")
	brandA := w.brand(t, alice, "Alder")
	brandA2 := w.brand(t, alice, "Aspen") // same account, other brand
	brandB := w.brand(t, bob, "Birch")    // other account

	w.teach(t, alice, w.generate(t, alice, brandA))
	items, err := w.learn.List(ctx, alice, brandA)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		t.Logf("%s %s %q support %d against %d", it.Status, it.Kind, it.Line, it.Support, it.Against)
	}
	applied := 0
	for _, it := range items {
		if it.Applies {
			applied++
		}
	}
	if applied < 3 {
		t.Fatalf("brand A learned %d applied items from 5 edits: %+v", applied, items)
	}

	// Brand A's next drafts follow its memory, from the prompt and the post-pass.
	fake.Reset()
	again := w.generate(t, alice, brandA)
	prompts := ""
	for _, r := range fake.Requests() {
		prompts += string(r.Body)
	}
	for _, want := range []string{"Bruges", "shade", "brand_memory", "approved_examples"} {
		if !strings.Contains(prompts, want) {
			t.Errorf("brand A's prompts lack %q", want)
		}
	}
	for _, d := range again {
		if d.Field == "description" && d.Current && d.Status == drafts.DraftPending {
			if !strings.Contains(d.Body, "Bruges") || strings.Contains(d.Body, "premium") || strings.Contains(d.Body, "!") {
				t.Errorf("brand A's new draft ignores its memory: %q", d.Body)
			}
		}
	}

	for _, other := range []struct {
		name    string
		sc      tenant.Scope
		brandID string
	}{{"same account", alice, brandA2}, {"other account", bob, brandB}} {
		t.Run(other.name, func(t *testing.T) {
			fake.Reset()
			ds := w.generate(t, other.sc, other.brandID)
			for _, r := range fake.Requests() {
				for _, l := range learned {
					if strings.Contains(string(r.Body), l) {
						t.Errorf("a prompt of %s holds brand A's %q", other.name, l)
					}
				}
			}
			for _, d := range ds {
				for _, l := range learned {
					if strings.Contains(d.Body, l) {
						t.Errorf("a draft of %s holds brand A's %q: %q", other.name, l, d.Body)
					}
				}
				if d.Field == "description" && !strings.Contains(d.Body, "premium") {
					t.Errorf("brand A's avoid list reached %s: %q", other.name, d.Body)
				}
			}
			if its, _ := w.learn.List(ctx, other.sc, other.brandID); len(its) != 0 {
				t.Errorf("%s has memory: %+v", other.name, its)
			}
			// Brand A's memory is not even readable from Bob's account.
			if other.sc.AccountID != alice.AccountID {
				if _, err := w.learn.List(ctx, other.sc, brandA); err == nil {
					t.Errorf("Bob read brand A's memory")
				}
			}
		})
	}
}

func TestOfflineWriterFollowsMemory(t *testing.T) {
	w := newWorld(t, offline.New())
	ctx := context.Background()
	sc := w.account(t, "Cleo")
	brandID := w.brand(t, sc, "Cedar")
	first := w.generate(t, sc, brandID)
	for _, d := range first {
		body := d.Body
		if d.Field == "description" {
			body += " Packed by hand in Bruges."
		}
		if _, err := w.drafts.Edit(ctx, sc, d.ID, body, true); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range w.generate(t, sc, brandID) {
		if d.Field == "description" && d.Status == drafts.DraftPending && !strings.Contains(d.Body, "Packed by hand in Bruges.") {
			t.Errorf("offline draft lacks the learned sign-off: %q", d.Body)
		}
	}
}
