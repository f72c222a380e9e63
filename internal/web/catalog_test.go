package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/tenant"
)

// sampleDir holds real Shopify product exports (20 products each).
const sampleDir = "../../../shared/data/shopify-csvs"

func sampleFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sampleDir, name))
	if err != nil {
		t.Skipf("sample data not found (%v): these tests need ../shared beside the checkout", err)
	}
	return b
}

// newBrand creates a brand through the form and returns its id.
func (b *browser) newBrand(name string) string {
	b.t.Helper()
	p := b.submit("/brands/new", "/brands", brandForm(name))
	mustStatus(b.t, "create brand", p, http.StatusOK)
	return strings.TrimPrefix(p.path, "/brands/")
}

var importPath = regexp.MustCompile(`^/brands/[^/]+/imports/([^/]+)$`)

// importFile uploads a file through the import form and returns the import
// id from the page the browser lands on.
func (b *browser) importFile(brandID, filename string, content []byte, fields ...[2]string) string {
	b.t.Helper()
	if p := b.get("/brands/" + brandID + "/imports"); p.status != http.StatusOK {
		b.t.Fatalf("import page = %d", p.status)
	}
	p := b.upload("/brands/"+brandID+"/imports", fields, filename, content, nil)
	mustStatus(b.t, "upload "+filename, p, http.StatusOK)
	m := importPath.FindStringSubmatch(p.path)
	if m == nil {
		b.t.Fatalf("upload of %s ended at %s, want the import's page\n%s", filename, p.path, excerpt(p.text))
	}
	mustSee(b.t, "import page", p, "Import of "+filename)
	return m[1]
}

// wait waits for an import to finish and returns it.
func (e *testEnv) wait(email, brandID, importID string) *transfer.Import {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	im, err := e.transfer.Wait(ctx, e.scopeOf(email), brandID, importID, nil)
	if err != nil {
		e.t.Fatalf("import %s did not finish: %v\nlogs:\n%s", importID, err, e.logs.String())
	}
	return im
}

var productLink = regexp.MustCompile(`href="/brands/[^/"]+/products/([0-9a-f-]{36})"`)

func productIDs(p page) []string {
	var ids []string
	for _, m := range productLink.FindAllStringSubmatch(p.raw, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var nextLink = regexp.MustCompile(`<a class="button button-quiet" href="([^"]+)" rel="next">Next page</a>`)

func TestImportSampleFilesAndBrowse(t *testing.T) {
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Ines", "ines@example.com")
	id := b.newBrand("Partners Demo")

	// Empty state explains how to import; the brand page and dashboard link here.
	p := b.get("/brands/" + id + "/products")
	mustStatus(t, "empty list", p, http.StatusOK)
	mustSee(t, "empty list", p, "No products yet.", "Products come in from a CSV file", `href="/brands/`+id+`/imports"`, "0 products")
	mustSee(t, "brand page", b.get("/brands/"+id), `href="/brands/`+id+`/products"`, `href="/brands/`+id+`/imports"`)
	mustSee(t, "dashboard", b.get("/dashboard"), `href="/brands/`+id+`/products"`)

	// Before the workers run the import is queued and its page polls.
	imp := b.importFile(id, "apparel.csv", sampleFile(t, "apparel.csv"))
	p = b.get("/brands/" + id + "/imports/" + imp)
	mustSee(t, "queued import", p, "queued", `hx-trigger="every 1s"`, `hx-get="/brands/`+id+`/imports/`+imp+`/progress"`, `<progress`, `value="0"`)
	p = b.get("/brands/" + id + "/imports/" + imp + "/progress")
	mustStatus(t, "progress fragment", p, http.StatusOK)
	mustSee(t, "running fragment", p, `hx-trigger="every 1s"`, `id="import-progress"`)
	mustNotSee(t, "fragment", p, "<html", "<body")

	env.startWorkers()
	im := env.wait("ines@example.com", id, imp)
	if im.Status != transfer.StatusDone || im.Created != 20 {
		t.Fatalf("apparel import = %+v, want done with 20 products created", im)
	}
	p = b.get("/brands/" + id + "/imports/" + imp + "/progress")
	mustSee(t, "finished fragment", p, `value="100"`, "100%", "done", "View products", "Products created")
	mustNotSee(t, "finished fragment", p, "hx-trigger", "hx-get")

	p = b.get("/brands/" + id + "/products")
	mustSee(t, "after apparel", p, "20 products in Partners Demo", "Ocean Blue Shirt", "ocean-blue-shirt", "partners-demo")
	if n := len(productIDs(p)); n != 20 {
		t.Fatalf("apparel list shows %d products, want 20", n)
	}

	for _, name := range []string{"home-and-garden.csv", "jewelery.csv"} {
		imp := b.importFile(id, name, sampleFile(t, name))
		if im := env.wait("ines@example.com", id, imp); im.Status != transfer.StatusDone || im.Created != 20 {
			t.Fatalf("%s import = %+v, want 20 products created", name, im)
		}
	}
	p = b.get("/brands/" + id + "/products")
	mustSee(t, "all three", p, "60 products in Partners Demo", "Next page")
	mustNotSee(t, "first page", p, "First page")
	ids := productIDs(p)
	m := nextLink.FindStringSubmatch(p.raw)
	if m == nil {
		t.Fatal("no Next page link on page 1")
	}
	p = b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	mustSee(t, "page 2", p, "First page")
	mustNotSee(t, "last page", p, "Next page")
	ids = append(ids, productIDs(p)...)
	if len(ids) != 60 || len(uniq(ids)) != 60 {
		t.Fatalf("pages list %d products (%d distinct), want 60", len(ids), len(uniq(ids)))
	}

	// The imports page lists the three, newest first, with their counts.
	p = b.get("/brands/" + id + "/imports")
	mustSee(t, "imports list", p, "apparel.csv", "home-and-garden.csv", "jewelery.csv", "Upload a CSV file", `enctype="multipart/form-data"`)
	if strings.Index(p.raw, "jewelery.csv") > strings.Index(p.raw, "apparel.csv") {
		t.Error("imports are not listed newest first")
	}
	// The form sends the token before the file.
	if strings.Index(p.raw, `name="csrf_token"`) > strings.Index(p.raw, `type="file"`) {
		t.Error("the CSRF field comes after the file input")
	}

	// A re-import changes nothing.
	imp = b.importFile(id, "apparel.csv", sampleFile(t, "apparel.csv"), [2]string{"format", "shopify"})
	if im := env.wait("ines@example.com", id, imp); im.Unchanged != 20 || im.Created+im.Updated != 0 {
		t.Fatalf("re-import = %+v, want 20 unchanged", im)
	}

	// A product page: variants, images as links (never <img>), source values.
	p = b.get("/brands/" + id + "/products?q=ocean")
	ids = productIDs(p)
	if len(ids) != 1 {
		t.Fatalf("search ocean found %d products, want 1", len(ids))
	}
	p = b.get("/brands/" + id + "/products/" + ids[0])
	mustStatus(t, "product page", p, http.StatusOK)
	mustSee(t, "product page", p, "Ocean Blue Shirt", "Ocean blue cotton shirt", "partners-demo", "Variants", "50.00",
		`<a href="https://burst.shopifycdn.com/photos/young-man-in-bright-fashion_925x.jpg" rel="noopener noreferrer nofollow">`,
		"Source values", "file", "Default Title")
	if strings.Contains(p.raw, "<img") {
		t.Errorf("the product page has an <img>: PlutoPro must not load remote images\n%s", excerpt(p.raw))
	}
}

func uniq(xs []string) []string {
	s := slices.Clone(xs)
	slices.Sort(s)
	return slices.Compact(s)
}

// catalogCSV builds a Shopify CSV of n plain products plus special ones:
// one with a hostile body, one with a distinctive SKU.
func catalogCSV(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Status", "Option1 Name", "Option1 Value",
		"Variant SKU", "Variant Price", "Variant Compare At Price", "Variant Inventory Qty", "Image Src", "Image Position", "Image Alt Text"}
	_ = w.Write(header)
	for i := 1; i <= n; i++ {
		typ, vendor, status, tags := "Mug", "Acme", "active", "kitchen"
		if i%2 == 0 {
			typ, vendor = "Plate", "Bolt"
		}
		if i%5 == 0 {
			status, tags = "draft", "kitchen, sale"
		}
		_ = w.Write([]string{fmt.Sprintf("item-%03d", i), fmt.Sprintf("Item %03d", i), "<p>Plain stoneware.</p>", vendor, typ, tags, status,
			"Title", "Default Title", fmt.Sprintf("ITM-%03d", i), "12.5", "", "3", "", "", ""})
	}
	_ = w.Write([]string{"zephyr-teapot", "Zephyr Teapot", `<p>Brews <b>well</b>.</p><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><p onclick="alert(2)">Safe words</p>`,
		"Acme", "Teapot", "kitchen", "active", "Size", "Large", "QK-7731-BLU", "40", "55.00", "0",
		"https://cdn.example.com/teapot.jpg", "1", "A round teapot"})
	_ = w.Write([]string{"zephyr-teapot", "", "", "", "", "", "", "", "Small", "QK-7731-SML", "30", "", "", "https://cdn.example.com/teapot-2.jpg", "2", ""})
	w.Flush()
	return buf.Bytes()
}

func TestProductSearchFiltersPaginationAndSanitising(t *testing.T) {
	env := newEnv(t)
	env.startWorkers()
	b := env.newBrowser()
	b.signUp("Pia", "pia@example.com")
	id := b.newBrand("Pottery")
	imp := b.importFile(id, "catalog.csv", catalogCSV(t, 55))
	if im := env.wait("pia@example.com", id, imp); im.Created != 56 || im.Rejected != 0 {
		t.Fatalf("import = %+v, want 56 created", im)
	}
	list := "/brands/" + id + "/products"

	// Pagination: 50 per page, every product exactly once.
	var all []string
	p := b.get(list)
	mustSee(t, "page 1", p, "56 products")
	for pages := 1; ; pages++ {
		ids := productIDs(p)
		if pages == 1 && len(ids) != 50 {
			t.Fatalf("page 1 lists %d products, want 50", len(ids))
		}
		all = append(all, ids...)
		m := nextLink.FindStringSubmatch(p.raw)
		if m == nil {
			break
		}
		if pages > 3 {
			t.Fatal("more pages than expected")
		}
		p = b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		mustSee(t, "later page", p, "First page")
	}
	if len(all) != 56 || len(uniq(all)) != 56 {
		t.Fatalf("pagination listed %d products (%d distinct), want 56 each once", len(all), len(uniq(all)))
	}

	tests := []struct {
		name  string
		query url.Values
		want  int
		see   []string
	}{
		{"title word", url.Values{"q": {"zephyr"}}, 1, []string{"Zephyr Teapot"}},
		{"title prefix", url.Values{"q": {"Zeph"}}, 1, []string{"Zephyr Teapot"}},
		{"SKU prefix", url.Values{"q": {"QK-77"}}, 1, []string{"Zephyr Teapot"}},
		{"whole SKU", url.Values{"q": {"ITM-007"}}, 1, []string{"Item 007"}},
		{"no match", url.Values{"q": {"nothing-like-this"}}, 0, []string{"No products match this search"}},
		{"type", url.Values{"type": {"Teapot"}}, 1, []string{"Zephyr Teapot"}},
		{"type Mug", url.Values{"type": {"Mug"}}, 28, nil},
		{"vendor", url.Values{"vendor": {"Bolt"}}, 27, nil},
		{"status", url.Values{"status": {"draft"}}, 11, nil},
		{"tag", url.Values{"tag": {"sale"}}, 11, nil},
		{"vendor and search", url.Values{"vendor": {"Acme"}, "q": {"teapot"}}, 1, nil},
		{"search and filter excluding it", url.Values{"vendor": {"Bolt"}, "q": {"teapot"}}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.get(list + "?" + tt.query.Encode())
			mustStatus(t, tt.name, p, http.StatusOK)
			if got := len(productIDs(p)); got != tt.want {
				t.Fatalf("%v lists %d products, want %d\n%s", tt.query, got, tt.want, excerpt(p.text))
			}
			mustSee(t, tt.name, p, tt.see...)
			mustSee(t, tt.name, p, "Clear search and filters", "56 products")
		})
	}
	// The filter menus offer the brand's values.
	p = b.get(list)
	mustSee(t, "facets", p, `<option value="Teapot">`, `<option value="Bolt">`, `<option value="draft">`)
	// Filters survive paging: 28 Mugs fit on one page, 50 of 56 do not.
	p = b.get(list + "?" + url.Values{"status": {"active"}}.Encode())
	m := nextLink.FindStringSubmatch(p.raw)
	if len(productIDs(p)) != 45 || m != nil {
		t.Fatalf("active: %d products, next %v; want 45 on one page", len(productIDs(p)), m)
	}
	// A cursor that is not one is a clear error.
	p = b.get(list + "?cursor=%21%21")
	mustStatus(t, "bad cursor", p, http.StatusBadRequest)
	mustSee(t, "bad cursor", p, "The page cursor is not valid")

	// The hostile body is shown sanitised; images are links, never <img>.
	p = b.get(list + "?q=zephyr")
	pid := productIDs(p)[0]
	p = b.get(list + "/" + pid)
	mustStatus(t, "product page", p, http.StatusOK)
	mustSee(t, "product page", p, "Brews", "<b>well</b>", "Safe words", "QK-7731-BLU", "QK-7731-SML", "Size: Large", "Size: Small",
		"40.00", "55.00", "A round teapot", `href="https://cdn.example.com/teapot-2.jpg"`, "Source values")
	for _, bad := range []string{"<script>alert", "onerror", "javascript:", "onclick", "<img"} {
		if strings.Contains(p.raw, bad) {
			t.Errorf("the product page holds %q:\n%s", bad, excerpt(p.raw))
		}
	}
	// The stored body is kept as given.
	prod, err := env.catalog.Get(context.Background(), env.scopeOf("pia@example.com"), id, pid)
	if err != nil || !strings.Contains(prod.BodyHTML, "<script>alert(1)</script>") {
		t.Fatalf("stored body = %q, %v; want it as imported", prod.BodyHTML, err)
	}
	// Inventory 0 is shown as 0, not as unknown.
	if !regexp.MustCompile(`<td>0</td>`).MatchString(p.raw) {
		t.Errorf("inventory 0 not shown")
	}
}

func TestImportRefusals(t *testing.T) {
	env := newEnv(t)
	env.transfer.MaxUploadBytes = 1 << 20
	b := env.newBrowser()
	b.signUp("Rae", "rae@example.com")
	id := b.newBrand("Refusals")
	form := "/brands/" + id + "/imports"
	noImports := func(what string) {
		t.Helper()
		ims, err := env.transfer.List(context.Background(), env.scopeOf("rae@example.com"), id, 10)
		if err != nil || len(ims) != 0 {
			t.Fatalf("%s: imports = %v, %v; want none", what, ims, err)
		}
		var chunks int
		if err := env.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM import_chunks`).Scan(&chunks); err != nil || chunks != 0 {
			t.Fatalf("%s: %d stored chunks, %v; want none", what, chunks, err)
		}
	}
	bigCSV := func(size int) []byte {
		var buf bytes.Buffer
		buf.WriteString("Handle,Title\n")
		for i := 0; buf.Len() < size; i++ {
			fmt.Fprintf(&buf, "h-%d,%s\n", i, strings.Repeat("x", 100))
		}
		return buf.Bytes()
	}

	// Over the cap, within the body limit: the service stops at the cap.
	b.get(form)
	p := b.upload(form, nil, "big.csv", bigCSV(1<<20+300<<10), nil)
	mustStatus(t, "1.3 MB upload", p, http.StatusRequestEntityTooLarge)
	mustSee(t, "1.3 MB upload", p, "The file is larger than the 1 MB upload limit.", "Upload a CSV file")
	noImports("1.3 MB upload")
	// Far over: refused from its Content-Length, before reading.
	p = b.upload(form, nil, "huge.csv", bigCSV(3<<20), nil)
	mustStatus(t, "3 MB upload", p, http.StatusRequestEntityTooLarge)
	mustSee(t, "3 MB upload", p, "The file is larger than the 1 MB upload limit.")
	noImports("3 MB upload")

	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 64)...)
	b.get(form)
	p = b.upload(form, nil, "photo.png", png, nil)
	mustStatus(t, "PNG", p, http.StatusBadRequest)
	mustSee(t, "PNG", p, "This file cannot be imported")
	noImports("PNG")

	tests := []struct {
		name   string
		fields [][2]string
		file   string
		header http.Header
		status int
		see    string
	}{
		{"no file", nil, "", nil, http.StatusBadRequest, "Choose a CSV file to import."},
		{"empty file", nil, "empty.csv", nil, http.StatusBadRequest, "The file is empty."},
		{"bad column map", [][2]string{{"map", "Name=title\nno equals sign"}}, "a.csv", nil, http.StatusBadRequest, "Line 2 of the column map is not column=field."},
		{"unknown format", [][2]string{{"format", "xml"}}, "a.csv", nil, http.StatusBadRequest, `Unknown format "xml"`},
		{"no token", [][2]string{{"csrf_token", ""}}, "a.csv", nil, http.StatusForbidden, "This form expired"},
		{"wrong token", [][2]string{{"csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}, "a.csv", nil, http.StatusForbidden, "This form expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get(form)
			content := []byte("Handle,Title\nmug,Mug\n")
			if tt.file == "empty.csv" {
				content = nil
			}
			p := b.upload(form, tt.fields, tt.file, content, tt.header)
			mustStatus(t, tt.name, p, tt.status)
			mustSee(t, tt.name, p, tt.see)
			noImports(tt.name)
		})
	}

	// A field after the file is refused whole, with nothing stored.
	b.get(form)
	var buf bytes.Buffer
	body := "--XX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + b.csrf + "\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\nHandle,Title\nmug,Mug\n\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nshopify\r\n--XX--\r\n"
	buf.WriteString(body)
	req, _ := http.NewRequest(http.MethodPost, b.url(form), &buf)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	p = b.do(req)
	mustStatus(t, "field after file", p, http.StatusBadRequest)
	mustSee(t, "field after file", p, "must come before the file")
	noImports("field after file")

	// A body cut short (the connection dropped mid-file) is not taken for
	// a whole file.
	b.get(form)
	body = "--XX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + b.csrf + "\r\n" +
		"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nHandle,Title\nmug,Mug\n"
	req, _ = http.NewRequest(http.MethodPost, b.url(form), strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	p = b.do(req)
	mustStatus(t, "cut short", p, http.StatusBadRequest)
	mustSee(t, "cut short", p, "did not arrive whole")
	noImports("cut short")

	// The token may come in the header instead (htmx, scripts); the form
	// then needs no token field. This one is accepted.
	b.get(form)
	tok := b.csrf
	b.follow = false
	p = b.upload(form, [][2]string{{"csrf_token", ""}, {"format", "shopify"}}, "ok.csv", []byte("Handle,Title\nmug,Mug\n"), http.Header{"X-Csrf-Token": {tok}})
	b.follow = true
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/brands/"+id+"/imports/") {
		t.Fatalf("upload with header token = %d to %q, want 303 to the import", p.status, p.header.Get("Location"))
	}

	// The 1 MiB limit of ordinary forms does not apply to the upload.
	env.transfer.MaxUploadBytes = 4 << 20
	b.get(form)
	p = b.upload(form, nil, "three-mb.csv", bigCSV(3<<20), nil)
	mustStatus(t, "3 MB upload under a 4 MB cap", p, http.StatusOK)
	mustSee(t, "3 MB upload under a 4 MB cap", p, "Import of three-mb.csv")
}

func TestImportRolesAndReport(t *testing.T) {
	env := newEnv(t)
	env.startWorkers()
	owner := env.newBrowser()
	owner.signUp("Olga", "olga@example.com")
	id := owner.newBrand("Roles")
	csvText := "Handle,Title,Variant Price\n" +
		"mug,Mug,5\n" +
		",No handle,3\n" +
		"plate,Plate,4,extra,values\n" +
		"bowl,Bowl,6\n"
	imp := owner.importFile(id, "report.csv", []byte(csvText))
	im := env.wait("olga@example.com", id, imp)
	if im.Created != 2 || im.Rejected != 2 {
		t.Fatalf("import = %+v, want 2 created and 2 rejected", im)
	}
	// A reason that a spreadsheet would run as a formula is escaped.
	if _, err := env.db.Exec(context.Background(), `INSERT INTO import_rejects (import_id, line, reason) VALUES (?, ?, ?)`,
		imp, 99, `=HYPERLINK("http://evil.example","x")`); err != nil {
		t.Fatal(err)
	}
	p := owner.get("/brands/" + id + "/imports/" + imp)
	mustSee(t, "import page", p, "Rejected rows", "<td>3</td>", "<td>4</td>", "report.csv", "100%")
	p = owner.get("/brands/" + id + "/imports/" + imp + "/report.csv")
	mustStatus(t, "report", p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("report Content-Type = %q", ct)
	}
	if cd := p.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "report-rejected-rows.csv") {
		t.Errorf("report Content-Disposition = %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(p.raw)).ReadAll()
	if err != nil {
		t.Fatalf("report is not CSV: %v\n%s", err, p.raw)
	}
	if len(rows) != 4 || rows[0][0] != "line" || rows[0][1] != "reason" || rows[1][0] != "3" || rows[2][0] != "4" || rows[3][0] != "99" {
		t.Fatalf("report rows = %q", rows)
	}
	if rows[3][1] != `'=HYPERLINK("http://evil.example","x")` {
		t.Errorf("formula not escaped: %q", rows[3][1])
	}

	// A viewer browses but cannot import; the form is not shown.
	vic := env.newBrowser()
	vic.signUp("Vic", "vic@example.com")
	if _, err := env.accounts.Invite(context.Background(), env.scopeOf("olga@example.com"), "vic@example.com", tenant.Viewer); err != nil {
		t.Fatal(err)
	}
	link := env.lastMailLink("vic@example.com")
	vic.get(link)
	p = vic.post("/invitations/accept", url.Values{"token": {tokenOf(link)}})
	mustSee(t, "accept invitation", p, "You joined the account.", "viewer")
	p = vic.get("/brands/" + id + "/products")
	mustStatus(t, "viewer list", p, http.StatusOK)
	mustSee(t, "viewer list", p, "2 products", "Mug")
	p = vic.get("/brands/" + id + "/imports")
	mustSee(t, "viewer imports", p, "report.csv", "an editor, admin or owner imports files")
	mustNotSee(t, "viewer imports", p, `type="file"`)
	p = vic.upload("/brands/"+id+"/imports", nil, "v.csv", []byte("Handle,Title\nv,V\n"), nil)
	mustStatus(t, "viewer upload", p, http.StatusForbidden)
	ims, _ := env.transfer.List(context.Background(), env.scopeOf("olga@example.com"), id, 10)
	if len(ims) != 1 {
		t.Fatalf("imports after the viewer's attempt = %d, want 1", len(ims))
	}
	mustStatus(t, "viewer report", vic.get("/brands/"+id+"/imports/"+imp+"/report.csv"), http.StatusOK)
}

func TestCatalogOfAnotherAccountIsNotFound(t *testing.T) {
	env := newEnv(t)
	env.startWorkers()
	alice := env.newBrowser()
	alice.signUp("Alice", "alice@example.com")
	id := alice.newBrand("Alice Goods")
	imp := alice.importFile(id, "apparel.csv", sampleFile(t, "apparel.csv"))
	env.wait("alice@example.com", id, imp)
	pid := productIDs(alice.get("/brands/" + id + "/products"))[0]

	bob := env.newBrowser()
	bob.signUp("Bob", "bob@example.com")
	bobBrand := bob.newBrand("Bob Goods")
	for _, path := range []string{
		"/brands/" + id + "/products",
		"/brands/" + id + "/products?q=shirt",
		"/brands/" + id + "/products/" + pid,
		"/brands/" + bobBrand + "/products/" + pid, // Alice's product under Bob's brand
		"/brands/" + id + "/imports",
		"/brands/" + id + "/imports/" + imp,
		"/brands/" + bobBrand + "/imports/" + imp,
		"/brands/" + id + "/imports/" + imp + "/progress",
		"/brands/" + id + "/imports/" + imp + "/report.csv",
		"/brands/" + bobBrand + "/imports/" + imp + "/report.csv",
		"/brands/not-an-id/products",
		"/brands/" + bobBrand + "/products/not-an-id",
	} {
		t.Run(path, func(t *testing.T) {
			p := bob.get(path)
			mustStatus(t, path, p, http.StatusNotFound)
			mustNotSee(t, path, p, "Alice Goods", "Ocean Blue Shirt", "apparel.csv")
		})
	}
	bob.get("/brands/" + bobBrand + "/imports")
	p := bob.upload("/brands/"+id+"/imports", nil, "take.csv", []byte("Handle,Title\nx,X\n"), nil)
	mustStatus(t, "upload into Alice's brand", p, http.StatusNotFound)
	ims, _ := env.transfer.List(context.Background(), env.scopeOf("alice@example.com"), id, 10)
	if len(ims) != 1 {
		t.Fatalf("Alice's imports = %d, want 1", len(ims))
	}
}
