package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func brandForm(name string) url.Values {
	return url.Values{
		"name":            {name},
		"description":     {"Hand-thrown stoneware for everyday use."},
		"voice":           {"Warm, plain-spoken, a little playful."},
		"audience":        {"People who cook at home."},
		"guidelines":      {"Always mention the glaze."},
		"words_avoid":     {"cheap\r\nbest ever\r\n\r\n"},
		"words_prefer":    {"handmade\nsmall batch"},
		"language":        {"en-GB"},
		"default_channel": {"etsy"},
	}
}

func TestBrandCreateEditListDelete(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Mo", "mo@example.com")

	p := b.get("/brands")
	mustSee(t, "empty list", p, "No brands yet.")

	// A field error is shown next to its field, with the typed values kept.
	bad := brandForm("")
	p = b.submit("/brands/new", "/brands", bad)
	mustStatus(t, "brand without name", p, http.StatusBadRequest)
	mustSee(t, "brand without name", p, "Enter a name.", `aria-describedby="f-name-error"`, `id="f-name-error"`, "Always mention the glaze.")

	p = b.submit("/brands/new", "/brands", brandForm("Clay & Co"))
	mustStatus(t, "create brand", p, http.StatusOK)
	if !strings.HasPrefix(p.path, "/brands/") {
		t.Fatalf("create ended at %s, want /brands/{id}", p.path)
	}
	id := strings.TrimPrefix(p.path, "/brands/")
	mustSee(t, "brand page", p, "Brand created.", "Clay & Co", "Warm, plain-spoken", "best ever", "small batch", "English (UK)", "etsy")

	// Duplicate names are a field error.
	p = b.submit("/brands/new", "/brands", brandForm("Clay & Co"))
	mustStatus(t, "duplicate brand", p, http.StatusBadRequest)
	mustSee(t, "duplicate brand", p, `A brand named "Clay & Co" already exists in this account.`)

	p = b.get("/brands")
	mustSee(t, "list", p, "Clay & Co", "/brands/"+id)
	p = b.get("/dashboard")
	mustSee(t, "dashboard", p, "Clay & Co")

	// Edit: the form shows the word lists one per line.
	p = b.get("/brands/" + id + "/edit")
	mustStatus(t, "edit form", p, http.StatusOK)
	mustSee(t, "edit form", p, "cheap\nbest ever</textarea>", `<option value="etsy" selected>`)

	edit := brandForm("Clay and Co")
	edit.Set("words_avoid", "cheap")
	edit.Set("language", "de")
	p = b.post("/brands/"+id, edit)
	mustStatus(t, "update", p, http.StatusOK)
	mustSee(t, "updated brand", p, "Brand saved.", "Clay and Co", "German")
	mustNotSee(t, "updated brand", p, "best ever")

	edit.Set("language", "xx")
	edit.Set("default_channel", "ebay")
	p = b.submit("/brands/"+id+"/edit", "/brands/"+id, edit)
	mustStatus(t, "invalid update", p, http.StatusBadRequest)
	mustSee(t, "invalid update", p, `Unknown language "xx".`, `id="f-default_channel-error"`)

	// Delete asks first (no JavaScript: a confirm page), then deletes.
	p = b.submit("/brands/"+id, "/brands/"+id+"/delete", nil)
	mustStatus(t, "delete without confirm", p, http.StatusOK)
	mustSee(t, "confirm page", p, "Delete Clay and Co?", "cannot be undone")
	if _, err := env.brands.Get(context.Background(), env.scopeOf("mo@example.com"), id); err != nil {
		t.Fatalf("brand gone before confirming: %v", err)
	}
	p = b.post("/brands/"+id+"/delete", url.Values{"confirm": {"yes"}})
	mustStatus(t, "delete", p, http.StatusOK)
	if p.path != "/brands" {
		t.Fatalf("delete ended at %s, want /brands", p.path)
	}
	mustSee(t, "after delete", p, "Brand deleted.", "No brands yet.")
	mustStatus(t, "deleted brand", b.get("/brands/"+id), http.StatusNotFound)
}

func TestBrandDeleteWithHTMX(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Hx", "hx@example.com")
	p := b.submit("/brands/new", "/brands", brandForm("Quick"))
	id := strings.TrimPrefix(p.path, "/brands/")
	b.follow = false
	p = b.postRaw("/brands/"+id+"/delete", url.Values{"confirm": {"yes"}}, http.Header{
		"Hx-Request": {"true"}, "X-Csrf-Token": {b.csrf},
	})
	if p.status != http.StatusNoContent || p.header.Get("HX-Redirect") != "/brands?notice=brand-deleted" {
		t.Fatalf("htmx delete = %d HX-Redirect %q, want 204 to /brands", p.status, p.header.Get("HX-Redirect"))
	}
}

func TestOtherAccountsBrandIsNotFound(t *testing.T) {
	env := newEnv(t)
	alice := env.newBrowser()
	alice.signUp("Alice", "alice@example.com")
	p := alice.submit("/brands/new", "/brands", brandForm("Alice Goods"))
	id := strings.TrimPrefix(p.path, "/brands/")

	bob := env.newBrowser()
	bob.signUp("Bob", "bob@example.com")
	tests := []struct {
		method, path string
		form         url.Values
	}{
		{"GET", "/brands/" + id, nil},
		{"GET", "/brands/" + id + "/edit", nil},
		{"POST", "/brands/" + id, brandForm("Taken over")},
		{"POST", "/brands/" + id + "/delete", nil},
		{"POST", "/brands/" + id + "/delete", url.Values{"confirm": {"yes"}}},
		{"GET", "/brands/not-an-id", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var p page
			if tt.method == "GET" {
				p = bob.get(tt.path)
			} else {
				bob.get("/brands")
				p = bob.post(tt.path, tt.form)
			}
			mustStatus(t, tt.method+" "+tt.path, p, http.StatusNotFound)
			mustSee(t, "404 page", p, "Page not found", "Brand not found.")
			mustNotSee(t, "404 page", p, "Alice Goods")
		})
	}
	got, err := env.brands.Get(context.Background(), env.scopeOf("alice@example.com"), id)
	if err != nil || got.Name != "Alice Goods" {
		t.Fatalf("Alice's brand after Bob's attempts: %+v, %v", got, err)
	}
}
