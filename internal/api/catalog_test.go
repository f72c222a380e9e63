package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/csvfile"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

// sampleDir holds real Shopify product exports (20 products each).
const sampleDir = "../../../shared/data/shopify-csvs"

type importJSON struct {
	transfer.Import
	RejectedRows []csvfile.Reject `json:"rejected_rows"`
}

// uploadAndWait imports a file through the API and polls the import's
// Location until it finishes.
func (f *fixture) uploadAndWait(t *testing.T, brandID, token, name string, content []byte, fields ...[2]string) importJSON {
	t.Helper()
	rec := f.serve(uploadRequest(t, "/api/v1/brands/"+brandID+"/imports", token, fields, name, content))
	wantStatus(t, rec, http.StatusAccepted)
	im := decodeBody[transfer.Import](t, rec)
	loc := rec.Header().Get("Location")
	if im.Status != transfer.StatusQueued || im.Filename != name || loc != "/api/v1/brands/"+brandID+"/imports/"+im.ID {
		t.Fatalf("POST imports = %+v at %q", im, loc)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		rec := f.do("GET", loc, token, "")
		wantStatus(t, rec, http.StatusOK)
		got := decodeBody[importJSON](t, rec)
		if got.Finished() {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s did not finish: %+v\n%s", im.ID, got, f.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listAll pages through the product list with query and returns every
// product in order.
func (f *fixture) listAll(t *testing.T, brandID, token string, query url.Values) []catalog.Summary {
	t.Helper()
	var all []catalog.Summary
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("the list does not end")
		}
		rec := f.do("GET", "/api/v1/brands/"+brandID+"/products?"+query.Encode(), token, "")
		wantStatus(t, rec, http.StatusOK)
		page := decodeBody[catalog.ListResult](t, rec)
		all = append(all, page.Products...)
		if page.NextCursor == "" {
			return all
		}
		query.Set("cursor", page.NextCursor)
	}
}

func ids(ps []catalog.Summary) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestImportAndBrowseThroughTheAPI(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	f.startWorkers(t)
	_, sc, tok := f.user(t, "ann@example.com", "Ann")
	b := f.brand(t, sc, "Partners Demo")

	rec := f.do("GET", "/api/v1/brands/"+b.ID+"/imports", tok, "")
	wantStatus(t, rec, http.StatusOK)
	if got := decodeBody[struct{ Imports []transfer.Import }](t, rec).Imports; got == nil || len(got) != 0 {
		t.Fatalf("imports before any = %v, want []", got)
	}

	for i, name := range []string{"apparel.csv", "home-and-garden.csv", "jewelery.csv"} {
		content, err := os.ReadFile(filepath.Join(sampleDir, name))
		if err != nil {
			t.Skipf("sample data not found (%v): this test needs ../shared beside the checkout", err)
		}
		im := f.uploadAndWait(t, b.ID, tok, name, content)
		if im.Status != transfer.StatusDone || im.Created != 20 || im.Format != "shopify" || im.RejectedRows == nil {
			t.Fatalf("%s = %+v, want done with 20 created", name, im)
		}
		if got := len(f.listAll(t, b.ID, tok, url.Values{})); got != 20*(i+1) {
			t.Fatalf("after %s the brand has %d products, want %d", name, got, 20*(i+1))
		}
	}

	// Every product exactly once, whatever the page length.
	for _, limit := range []string{"1", "7", "50", "200"} {
		all := f.listAll(t, b.ID, tok, url.Values{"limit": {limit}})
		got := ids(all)
		slices.Sort(got)
		if len(all) != 60 || len(slices.Compact(got)) != 60 {
			t.Errorf("limit %s: %d products (%d distinct), want 60", limit, len(all), len(slices.Compact(got)))
		}
	}
	rec = f.do("GET", "/api/v1/brands/"+b.ID+"/products", tok, "")
	if page := decodeBody[catalog.ListResult](t, rec); len(page.Products) != 50 || page.NextCursor == "" {
		t.Errorf("default page = %d products, next %q; want 50 and a cursor", len(page.Products), page.NextCursor)
	}

	search := func(q url.Values) []catalog.Summary {
		t.Helper()
		return f.listAll(t, b.ID, tok, q)
	}
	if got := search(url.Values{"q": {"ocean"}}); len(got) != 1 || got[0].Title != "Ocean Blue Shirt" {
		t.Errorf("q=ocean = %+v", got)
	}
	for _, p := range search(url.Values{"type": {"Outdoor"}}) {
		if p.ProductType != "Outdoor" {
			t.Errorf("type=Outdoor lists %+v", p)
		}
	}
	if got := search(url.Values{"vendor": {"partners-demo"}}); len(got) != 20 {
		t.Errorf("vendor=partners-demo lists %d, want 20", len(got))
	}
	if got := search(url.Values{"tag": {"women"}}); len(got) == 0 || len(got) >= 20 {
		t.Errorf("tag=women lists %d", len(got))
	}

	// The product itself.
	p := search(url.Values{"q": {"ocean"}})[0]
	rec = f.do("GET", "/api/v1/brands/"+b.ID+"/products/"+p.ID, tok, "")
	wantStatus(t, rec, http.StatusOK)
	prod := decodeBody[catalog.Product](t, rec)
	if prod.Handle != "ocean-blue-shirt" || len(prod.Variants) != 1 || prod.Variants[0].Price == nil || prod.Variants[0].Price.Amount != "50" ||
		len(prod.Images) != 1 || !strings.HasPrefix(prod.Images[0].Src, "https://burst.shopifycdn.com/") {
		t.Errorf("product = %+v", prod)
	}

	// Imports, newest first.
	rec = f.do("GET", "/api/v1/brands/"+b.ID+"/imports", tok, "")
	list := decodeBody[struct{ Imports []transfer.Import }](t, rec).Imports
	if len(list) != 3 || list[0].Filename != "jewelery.csv" || list[2].Filename != "apparel.csv" {
		t.Errorf("imports = %+v, want the three newest first", list)
	}
}

func TestAPIProductSearchBySKUAndMap(t *testing.T) {
	t.Parallel()
	storetest.Each(t, jobs.Migrate, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.startWorkers(t)
		_, sc, tok := f.user(t, "ann@example.com", "Ann")
		b := f.brand(t, sc, "Generic")
		var buf bytes.Buffer
		buf.WriteString("Product name,Code,Cost,Kind\n")
		for i := 1; i <= 60; i++ {
			kind := "Cup"
			if i%3 == 0 {
				kind = "Saucer"
			}
			fmt.Fprintf(&buf, "Item %d,AB-%04d,%d.50,%s\n", i, i, i, kind)
		}
		buf.WriteString("Zephyr Teapot,QK-7731-BLU,40,Teapot\n")
		im := f.uploadAndWait(t, b.ID, tok, "generic.csv", buf.Bytes(), [2]string{"format", "generic"},
			[2]string{"map", "Product name=title"}, [2]string{"map", "Code=sku"}, [2]string{"map", "Cost=price"}, [2]string{"map", "Kind=type"})
		if im.Status != transfer.StatusDone || im.Format != "generic" || im.Created != 61 || im.Rejected != 0 {
			t.Fatalf("import = %+v, want 61 created", im)
		}
		queries := map[string]string{"zeph": "Zephyr Teapot", "zephyr teapot": "Zephyr Teapot", "teapot": "Zephyr Teapot"}
		// SKUs are split on punctuation on both engines (PostgreSQL's own
		// parser would read "-7731" as a signed number).
		maps.Copy(queries, map[string]string{"QK-77": "Zephyr Teapot", "qk 7731": "Zephyr Teapot", "AB-0042": "Item 42"})
		if got := f.listAll(t, b.ID, tok, url.Values{"q": {"AB-00"}, "limit": {"7"}}); len(got) != 60 {
			t.Errorf("q=AB-00 lists %d, want 60 (all AB SKUs)", len(got))
		}
		for q, want := range queries {
			got := f.listAll(t, b.ID, tok, url.Values{"q": {q}})
			if len(got) != 1 || got[0].Title != want {
				t.Errorf("q=%q = %+v, want %s", q, got, want)
			}
		}
		// Filters page like the whole list: every match exactly once.
		got := f.listAll(t, b.ID, tok, url.Values{"type": {"Cup"}, "limit": {"9"}})
		distinct := ids(got)
		slices.Sort(distinct)
		if len(got) != 40 || len(slices.Compact(distinct)) != 40 {
			t.Errorf("type=Cup lists %d (%d distinct), want 40", len(got), len(slices.Compact(distinct)))
		}
		if got := f.listAll(t, b.ID, tok, url.Values{"type": {"Saucer"}, "q": {"item"}, "limit": {"3"}}); len(got) != 20 {
			t.Errorf("type=Saucer&q=item lists %d, want 20", len(got))
		}
	})
}

func TestAPIImportRefusals(t *testing.T) {
	t.Parallel()
	f := sqliteFixture(t)
	f.transfer.MaxUploadBytes = 1 << 20
	_, sc, tok := f.user(t, "ann@example.com", "Ann")
	editor := f.member(t, sc, "ed@example.com", tenant.Editor)
	viewer := f.member(t, sc, "vic@example.com", tenant.Viewer)
	b := f.brand(t, sc, "Refusals")
	path := "/api/v1/brands/" + b.ID + "/imports"
	noImports := func(what string) {
		t.Helper()
		ims, err := f.transfer.List(context.Background(), sc, b.ID, 10)
		if err != nil || len(ims) != 0 {
			t.Fatalf("%s: imports = %v, %v; want none", what, ims, err)
		}
	}
	csvOf := func(size int) []byte {
		var buf bytes.Buffer
		buf.WriteString("Handle,Title\n")
		for i := 0; buf.Len() < size; i++ {
			fmt.Fprintf(&buf, "h-%d,%s\n", i, strings.Repeat("x", 100))
		}
		return buf.Bytes()
	}
	good := []byte("Handle,Title\nmug,Mug\n")
	fieldAfterFile := func() *http.Request {
		body := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nHandle,Title\nmug,Mug\n\r\n" +
			"--XX\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nshopify\r\n--XX--\r\n"
		r := newRequest("POST", path, tok, "")
		r.Body = ioNopCloser(body)
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		return r
	}
	truncated := func() *http.Request {
		body := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nHandle,Title\nmug,Mug\n"
		r := newRequest("POST", path, tok, "")
		r.Body = ioNopCloser(body)
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		return r
	}
	chunked := uploadRequest(t, path, tok, nil, "big.csv", csvOf(3<<20))
	chunked.ContentLength = -1 // no Content-Length: the body limit stops it
	tests := []struct {
		name    string
		req     *http.Request
		status  int
		code    string
		mention string
	}{
		{"over the cap", uploadRequest(t, path, tok, nil, "big.csv", csvOf(1<<20+300<<10)), 413, "too_large", "larger than the 1 MB upload limit"},
		{"far over the cap", uploadRequest(t, path, tok, nil, "huge.csv", csvOf(3<<20)), 413, "too_large", "larger than the 1 MB upload limit"},
		{"over the cap, no length", chunked, 413, "too_large", "larger than the 1 MB upload limit"},
		{"PNG", uploadRequest(t, path, tok, nil, "photo.png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 0xff}, 50)...)), 400, "invalid", "cannot be imported"},
		{"no file", uploadRequest(t, path, tok, [][2]string{{"format", "shopify"}}, "", nil), 400, "invalid", "part named file"},
		{"file under another name", func() *http.Request {
			r := uploadRequest(t, path, tok, nil, "", nil)
			var buf bytes.Buffer
			buf.WriteString("--XX\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.csv\"\r\n\r\nHandle,Title\n\r\n--XX--\r\n")
			r.Body = ioNopCloser(buf.String())
			r.ContentLength = int64(buf.Len())
			r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
			return r
		}(), 400, "invalid", `not "upload"`},
		{"unknown field", uploadRequest(t, path, tok, [][2]string{{"colour", "red"}}, "a.csv", good), 400, "invalid", `"colour"`},
		{"two formats", uploadRequest(t, path, tok, [][2]string{{"format", "shopify"}, {"format", "etsy"}}, "a.csv", good), 400, "invalid", "format once"},
		{"bad map", uploadRequest(t, path, tok, [][2]string{{"map", "title"}}, "a.csv", good), 400, "invalid", "column=field"},
		{"field after the file", fieldAfterFile(), 400, "invalid", "before the file"},
		{"cut short", truncated(), 400, "invalid", "cut short"},
		{"two files", func() *http.Request {
			body := "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nHandle,Title\nmug,Mug\n\r\n" +
				"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.csv\"\r\n\r\nHandle,Title\n\r\n--XX--\r\n"
			r := newRequest("POST", path, tok, "")
			r.Body = ioNopCloser(body)
			r.ContentLength = int64(len(body))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
			return r
		}(), 400, "invalid", "one file"},
		{"JSON", newRequest("POST", path, tok, `{"file":"x"}`), 415, "unsupported_media_type", "multipart/form-data"},
		{"viewer", uploadRequest(t, path, viewer, nil, "a.csv", good), 403, "forbidden", "viewer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, f.serve(tt.req), tt.status, tt.code)
			if !strings.Contains(e.Error.Message, tt.mention) {
				t.Errorf("message %q does not mention %q", e.Error.Message, tt.mention)
			}
			noImports(tt.name)
		})
	}
	var chunks int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM import_chunks`).Scan(&chunks); err != nil || chunks != 0 {
		t.Fatalf("stored chunks after refusals = %d, %v", chunks, err)
	}
	// An editor may import; a file just under the cap is taken.
	rec := f.serve(uploadRequest(t, path, editor, [][2]string{{"format", "shopify"}}, "ok.csv", csvOf(1<<20-200)))
	wantStatus(t, rec, http.StatusAccepted)
	// The 1 MiB limit of JSON bodies does not apply to uploads.
	f.transfer.MaxUploadBytes = 4 << 20
	rec = f.serve(uploadRequest(t, path, tok, nil, "three-mb.csv", csvOf(3<<20)))
	wantStatus(t, rec, http.StatusAccepted)
	if im := decodeBody[transfer.Import](t, rec); im.SizeBytes < 3<<20 {
		t.Errorf("3 MB upload stored %d bytes", im.SizeBytes)
	}
}

func ioNopCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
