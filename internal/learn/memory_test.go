package learn_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/apperr"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/offline"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

// edited are the products removeWord has edited: evidence counts products.
var edited = map[string]bool{}

// removeWord edits the description drafts of n products not edited before
// so a word the offline writer uses ("cold", from the product bodies) is gone.
func removeWord(t *testing.T, w *world, sc tenant.Scope, ds []*drafts.Draft, n int) {
	t.Helper()
	done := 0
	for _, d := range ds {
		if d.Field != "description" || done == n || !strings.Contains(d.Body, "cold") || edited[d.ProductID] {
			continue
		}
		edited[d.ProductID] = true
		if _, err := w.drafts.Edit(context.Background(), sc, d.ID, strings.ReplaceAll(d.Body, "cold ", ""), true); err != nil {
			t.Fatal(err)
		}
		done++
	}
	if done < n {
		t.Fatalf("only %d drafts to edit", done)
	}
}

func find(t *testing.T, w *world, sc tenant.Scope, brandID, key string) *learn.Item {
	t.Helper()
	its, err := w.learn.List(context.Background(), sc, brandID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range its {
		if it.Line == key || it.LearnedLine == key {
			return it
		}
	}
	return nil
}

func TestSellerControlsMemory(t *testing.T) {
	w := newWorld(t, offline.New())
	ctx := context.Background()
	sc := w.account(t, "Dana")
	brandID := w.brand(t, sc, "Dogwood")

	removeWord(t, w, sc, w.generate(t, sc, brandID), 1)
	it := find(t, w, sc, brandID, "avoid: cold")
	if it == nil || it.Applies || it.Status != learn.StatusLearning || it.Support != 1 || len(it.Evidence) != 1 {
		t.Fatalf("after one edit: %+v, want a learning item with one piece of evidence", it)
	}
	ev, err := w.learn.Evidence(ctx, sc, brandID, it.ID)
	if err != nil || len(ev) != 1 || !strings.Contains(ev[0].Before, "cold") || strings.Contains(ev[0].After, "cold") {
		t.Fatalf("evidence = %+v, %v", ev, err)
	}
	removeWord(t, w, sc, w.generate(t, sc, brandID), 1)
	if it = find(t, w, sc, brandID, "avoid: cold"); it == nil || !it.Applies || it.Support != 2 {
		t.Fatalf("after two edits: %+v, want it to apply", it)
	}
	lines, _ := w.learn.Lines(ctx, brandID, generate.Etsy)
	if !slices.Contains(lines, "avoid: cold") {
		t.Fatalf("lines = %q", lines)
	}

	// The seller rewords it: the new wording is what the writer reads, and
	// relearning keeps it.
	line := "avoid: cold, chilly"
	if _, err := w.learn.Update(ctx, sc, brandID, it.ID, learn.Patch{Line: &line}); err != nil {
		t.Fatal(err)
	}
	if err := w.learn.Learn(ctx, brandID); err != nil {
		t.Fatal(err)
	}
	if lines, _ = w.learn.Lines(ctx, brandID, generate.Etsy); !slices.Contains(lines, line) {
		t.Fatalf("after rewording, lines = %q", lines)
	}

	// Switched off, it stays off however much evidence comes.
	off := false
	if _, err := w.learn.Update(ctx, sc, brandID, it.ID, learn.Patch{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	if err := w.learn.Learn(ctx, brandID); err != nil {
		t.Fatal(err)
	}
	if lines, _ = w.learn.Lines(ctx, brandID, generate.Etsy); slices.Contains(lines, line) {
		t.Fatalf("a disabled item still applies: %q", lines)
	}
	for _, d := range w.generate(t, sc, brandID) {
		if d.Field == "description" && d.Status == drafts.DraftPending && !strings.Contains(d.Body, "cold") {
			t.Fatalf("a disabled rule still shaped a draft: %q", d.Body)
		}
	}

	// Deleted, it is gone, and the old evidence no longer counts: one new
	// edit is not enough to bring it back.
	if err := w.learn.Delete(ctx, sc, brandID, it.ID); err != nil {
		t.Fatal(err)
	}
	if got := find(t, w, sc, brandID, "avoid: cold"); got != nil {
		t.Fatalf("deleted item listed: %+v", got)
	}
	if _, err := w.learn.Get(ctx, sc, brandID, it.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Get deleted = %v", err)
	}
	id := it.ID
	removeWord(t, w, sc, w.generate(t, sc, brandID), 1)
	if it = find(t, w, sc, brandID, "avoid: cold"); it != nil && it.Applies {
		t.Fatalf("one edit after deletion brought it back: %+v", it)
	}

	// A viewer reads but cannot change memory.
	viewer := tenant.Scope{AccountID: sc.AccountID, UserID: sc.UserID, Role: tenant.Viewer}
	if _, err := w.learn.List(ctx, viewer, brandID); err != nil {
		t.Fatal(err)
	}
	if err := w.learn.Delete(ctx, viewer, brandID, id); apperr.CodeOf(err) != apperr.Forbidden {
		t.Fatalf("viewer delete = %v", err)
	}
}

func TestSignalsAreAppendOnly(t *testing.T) {
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := &world{db: db, accounts: account.NewService(db, mail.NewOutbox(db, nil, nil), "http://x"), brands: brand.NewService(db)}
		w.catalog = catalog.NewService(db, w.brands)
		w.learn = learn.NewService(db, w.brands)
		sc := w.account(t, "Eve")
		brandID := w.brand(t, sc, "Elm")
		err := db.Tx(ctx, func(tx *store.Tx) error {
			return w.learn.RecordTx(ctx, tx, learn.Signal{BrandID: brandID, DraftID: "d", ProductID: "p", Channel: "etsy", Field: "title",
				Kind: learn.SignalEdit, Before: "a", After: "b", UserID: sc.UserID})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `UPDATE signals SET after_value = 'c'`); err == nil {
			t.Error("a signal was rewritten")
		}
		if _, err := db.Exec(ctx, `DELETE FROM signals WHERE kind = 'nothing'`); err != nil {
			t.Error(err)
		}
		// Forgetting who acted is the one change allowed (account deletion).
		if _, err := db.Exec(ctx, `UPDATE signals SET user_id = NULL`); err != nil {
			t.Errorf("blanking the user: %v", err)
		}
		var after string
		if err := db.QueryRow(ctx, `SELECT after_value FROM signals`).Scan(&after); err != nil || after != "b" {
			t.Errorf("after = %q, %v", after, err)
		}
	})
}
