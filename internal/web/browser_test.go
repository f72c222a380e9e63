package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromiumPath finds a Chromium: $PLUTOPRO_CHROMIUM, /usr/bin/chromium, or
// one on PATH.
func chromiumPath() string {
	if p := os.Getenv("PLUTOPRO_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser starts a headless Chromium for the test and returns its tab
// and a function listing the errors its pages logged (a CSP violation, a
// script exception).
func startBrowser(t *testing.T, bin string) (context.Context, func() []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	var mu sync.Mutex
	var pageErrors []string
	listen := func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError && !strings.Contains(ev.Entry.URL, "favicon") {
				pageErrors = append(pageErrors, ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			pageErrors = append(pageErrors, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
		}
	}
	bctx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf), chromedp.WithListener(listen))
	t.Cleanup(cancelBrowser)
	return bctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(pageErrors)
	}
}

// TestBrowserSignUpCreateBrand drives a real Chromium: sign up, create a
// brand, see it listed. It runs the page's real CSP, cookies and scripts.
func TestBrowserSignUpCreateBrand(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("browser test skipped: no Chromium found; apt-get install -y chromium")
	}
	env := newEnv(t)
	if !strings.HasPrefix(env.url, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want a 127.0.0.1 address", env.url)
	}

	bctx, pageErrors := startBrowser(t, bin)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("browser: %s: %v\nserver log:\n%s", step, err, env.logs.String())
	}
	text := func(step, css string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(css)))
		if err != nil {
			fail(step, err)
		}
		return s
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			fail(step, err)
		}
	}

	do("sign up",
		chromedp.Navigate(env.url+"/signup"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Browser Bea"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "bea@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), testPassword),
		chromedp.SendKeys(chromedp.CSS(`#f-account_name`), "Bea's Boutique"),
		chromedp.Click(chromedp.CSS(`#f-age_confirmed`)),
		chromedp.Submit(chromedp.CSS(`#f-name`)),
		chromedp.WaitVisible(chromedp.CSS(`.whoami`)),
	)
	dashboard := text("dashboard", "main")

	// The cookie notice is dismissed by app.js (localStorage, no cookie).
	do("dismiss cookie notice",
		chromedp.Click(chromedp.CSS(`[data-dismiss-cookie-notice]`)),
		chromedp.WaitNotVisible(chromedp.CSS(`.cookie-notice`)),
	)

	do("create brand",
		chromedp.Navigate(env.url+"/brands/new"),
		chromedp.WaitVisible(chromedp.CSS(`#f-name`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Sunny Socks"),
		chromedp.SendKeys(chromedp.CSS(`#f-voice`), "Cheerful and warm."),
		chromedp.SendKeys(chromedp.CSS(`#f-words_avoid`), "cheap\nbest ever"),
		chromedp.SetValue(chromedp.CSS(`#f-default_channel`), "etsy"),
		chromedp.Submit(chromedp.CSS(`#f-name`)),
		chromedp.WaitVisible(chromedp.CSS(`.details`)),
	)
	brandPage := text("brand page", "main")

	do("list brands",
		chromedp.Navigate(env.url+"/brands"),
		chromedp.WaitVisible(chromedp.CSS(`table.table`)),
	)
	list := text("brand list", "main")
	// htmx loaded under the CSP (no inline scripts or styles).
	htmxOK, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`typeof htmx === "object" && htmx.config.includeIndicatorStyles === false`))
	if err != nil || !htmxOK {
		t.Errorf("htmx not loaded and configured: %v, %v", htmxOK, err)
	}

	// Only the essential cookies exist, and the page's script cannot read them.
	cookies, err := chromedp.Run(bctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	}))
	if err != nil {
		fail("cookies", err)
	}
	var names []string
	for _, c := range cookies {
		names = append(names, c.Name)
		if !c.HTTPOnly || !c.Secure || c.SameSite != network.CookieSameSiteLax {
			t.Errorf("cookie %s: HttpOnly=%v Secure=%v SameSite=%v", c.Name, c.HTTPOnly, c.Secure, c.SameSite)
		}
	}
	sort.Strings(names)
	if got := strings.Join(names, ","); got != "plutopro_csrf,plutopro_session" {
		t.Errorf("browser cookies = %s, want plutopro_csrf,plutopro_session", got)
	}
	cookieNotice, err := chromedp.Run(bctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.cookie-notice')).display`))
	if err != nil {
		fail("cookie notice", err)
	}
	for _, want := range []string{"Bea's Boutique", "Signed in as Browser Bea"} {
		if !strings.Contains(dashboard, want) {
			t.Errorf("dashboard does not show %q:\n%s", want, dashboard)
		}
	}
	for _, want := range []string{"Brand created.", "Sunny Socks", "Cheerful and warm.", "best ever", "etsy"} {
		if !strings.Contains(brandPage, want) {
			t.Errorf("brand page does not show %q:\n%s", want, brandPage)
		}
	}
	if !strings.Contains(list, "Sunny Socks") {
		t.Errorf("/brands does not list the brand:\n%s", list)
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
	if cookieNotice != "none" {
		t.Errorf("cookie notice display after dismissal and reload = %q, want none", cookieNotice)
	}
}

// TestBrowserImportProgress uploads a sample file through the import form
// in a real Chromium and watches htmx poll the progress to 100%.
func TestBrowserImportProgress(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("browser test skipped: no Chromium found; apt-get install -y chromium")
	}
	file, err := filepath.Abs(filepath.Join(sampleDir, "apparel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Skipf("sample data not found (%v): this test needs ../shared beside the checkout", err)
	}
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Ivy", "ivy@example.com")
	id := b.newBrand("Ivy Apparel")
	bctx, pageErrors := startBrowser(t, bin)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("browser: %s: %v\nserver log:\n%s", step, err, env.logs.String())
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			fail(step, err)
		}
	}
	do("sign in",
		chromedp.Navigate(env.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ivy@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), testPassword),
		chromedp.Submit(chromedp.CSS(`#f-email`)),
		chromedp.WaitVisible(chromedp.CSS(`.whoami`)),
	)
	// No worker runs yet, so the import page starts queued and polling.
	do("upload",
		chromedp.Navigate(env.url+"/brands/"+id+"/imports"),
		chromedp.WaitVisible(chromedp.CSS(`#f-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{file}),
		chromedp.Submit(chromedp.CSS(`#f-file`)),
		chromedp.WaitVisible(chromedp.CSS(`#import-progress`)),
	)
	trigger, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.querySelector('#import-progress').getAttribute('hx-trigger') || ""`))
	if err != nil || trigger != "every 1s" {
		t.Fatalf("queued import's hx-trigger = %q, %v; want every 1s", trigger, err)
	}
	env.startWorkers()
	do("progress reaches 100%",
		chromedp.WaitVisible(chromedp.CSS(`#import-progress a[href="/brands/`+id+`/products"]`)),
	)
	percent, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`.progress-percent`)))
	if err != nil || percent != "100%" {
		t.Errorf("progress = %q, %v; want 100%%", percent, err)
	}
	value, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`document.querySelector('#import-bar').value`))
	if err != nil || value != 100 {
		t.Errorf("<progress> value = %v, %v; want 100", value, err)
	}
	stats, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`.stats`)))
	if err != nil || !strings.Contains(stats, "Products created\n20") && !strings.Contains(stats, "Products created 20") {
		t.Errorf("stats = %q, %v; want 20 products created", stats, err)
	}
	stopped, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`!document.querySelector('#import-progress').hasAttribute('hx-trigger')`))
	if err != nil || !stopped {
		t.Errorf("the finished fragment still polls: %v", err)
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserGenerateDrafts writes drafts from a product page in a real
// Chromium: the form shows only the chosen channel's fields, and htmx polls
// the drafts section until the generation is done.
func TestBrowserGenerateDrafts(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("browser test skipped: no Chromium found; apt-get install -y chromium")
	}
	env := newEnv(t)
	b := env.newBrowser()
	b.signUp("Dora", "dora@example.com")
	id := b.newBrand("Dora Apparel") // default channel: Etsy
	env.addProducts(id, sampleFile(t, "apparel.csv"))
	productPath := "/brands/" + id + "/products/" + b.productID(id, "ocean")
	bctx, pageErrors := startBrowser(t, bin)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("browser: %s: %v\nserver log:\n%s", step, err, env.logs.String())
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			fail(step, err)
		}
	}
	eval := func(step, js string) bool {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[bool](js))
		if err != nil {
			fail(step, err)
		}
		return v
	}
	do("sign in",
		chromedp.Navigate(env.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "dora@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), testPassword),
		chromedp.Submit(chromedp.CSS(`#f-email`)),
		chromedp.WaitVisible(chromedp.CSS(`.whoami`)),
	)
	do("product page",
		chromedp.Navigate(env.url+productPath),
		chromedp.WaitVisible(chromedp.CSS(`#f-channel`)),
		chromedp.Click(chromedp.CSS(`.field-choice summary`)),
	)
	shown := `Array.from(document.querySelectorAll('[data-channel-fields]')).filter(f => !f.hidden).map(f => f.dataset.channelFields).join()`
	if v, err := chromedp.Run(bctx, chromedp.Evaluate[string](shown)); err != nil || v != "etsy" {
		t.Errorf("field lists shown = %q, %v; want only etsy's", v, err)
	}
	eval("choose shopify", `(() => { const s = document.querySelector('#f-channel'); s.value = 'shopify';
		s.dispatchEvent(new Event('change', {bubbles: true})); return true })()`)
	if v, err := chromedp.Run(bctx, chromedp.Evaluate[string](shown)); err != nil || v != "shopify" {
		t.Errorf("field lists shown after choosing Shopify = %q, %v; want only shopify's", v, err)
	}
	// No worker runs yet: the drafts section polls.
	do("write drafts",
		chromedp.Click(chromedp.CSS(`.generate-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#drafts[hx-trigger]`)),
	)
	env.startWorkers()
	do("drafts appear",
		chromedp.WaitVisible(chromedp.CSS(`#draft-shopify-image_alt`)),
	)
	if !eval("polling stopped", `!document.querySelector('#drafts').hasAttribute('hx-trigger')`) {
		t.Error("the finished drafts section still polls")
	}
	if n := eval("six drafts", `document.querySelectorAll('#drafts li.draft').length === 6`); !n {
		t.Error("the drafts section does not show 6 drafts")
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestBrowserReviewKeyboard reviews drafts with the keyboard in a real
// Chromium: j selects the first draft, a approves it (the queue comes back
// at the next draft), e and typing count live, ? shows the help.
func TestBrowserReviewKeyboard(t *testing.T) {
	bin := chromiumPath()
	if bin == "" {
		t.Skip("browser test skipped: no Chromium found; apt-get install -y chromium")
	}
	f := newReviewFixture(t)
	env := f.env
	bctx, pageErrors := startBrowser(t, bin)
	fail := func(step string, err error) {
		t.Helper()
		t.Fatalf("browser: %s: %v\nserver log:\n%s", step, err, env.logs.String())
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			fail(step, err)
		}
	}
	str := func(step, js string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		if err != nil {
			fail(step, err)
		}
		return v
	}
	selected := `(document.querySelector('[data-review-item].is-selected') || {}).id || ""`
	do("sign in",
		chromedp.Navigate(env.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), f.email),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), testPassword),
		chromedp.Submit(chromedp.CSS(`#f-email`)),
		chromedp.WaitVisible(chromedp.CSS(`.whoami`)),
	)
	do("open the queue",
		chromedp.Navigate(env.url+f.queue),
		chromedp.WaitVisible(chromedp.CSS(`[data-review-item]`)),
	)
	first, second := slot(f.mug, "title"), slot(f.mug, "description")
	if got := str("nothing selected", selected); got != "" {
		t.Errorf("selected on load = %q, want none", got)
	}
	do("j", chromedp.KeyEvent("j"))
	if got := str("j", selected); got != first {
		t.Fatalf("after j the selected draft is %q, want %q", got, first)
	}
	if got := str("focus", `document.activeElement.id`); got != first {
		t.Errorf("after j the focus is on %q, want the selected draft", got)
	}
	do("a approves",
		chromedp.KeyEvent("a"),
		chromedp.WaitVisible(chromedp.CSS(`.alert-success`)),
	)
	if got := str("notice", `document.querySelector('.alert-success').textContent`); !strings.Contains(got, "Draft approved.") {
		t.Errorf("notice = %q, want Draft approved.", got)
	}
	if d := f.draft(f.mug, "title"); d.Status != "approved" {
		t.Fatalf("title status after a = %s, want approved", d.Status)
	}
	// The approved draft left the "to review" queue; the next one is selected.
	if got := str("next selected", selected); got != second {
		t.Errorf("after approving, the selected draft is %q, want %q", got, second)
	}
	if n := str("count", `String(document.querySelectorAll('[data-review-item]').length)`); n != "17" {
		t.Errorf("queue shows %s drafts after approving one, want 17", n)
	}

	// e opens the editor; keys typed there are text, and the counter follows.
	before := str("counter", `document.getElementById('edit-`+second+`-count').querySelector('[data-count="main"]').textContent`)
	do("e edits", chromedp.KeyEvent("e"))
	if got := str("editor focus", `document.activeElement.id`); got != "edit-"+second {
		t.Fatalf("after e the focus is on %q, want the editor", got)
	}
	do("type j", chromedp.KeyEvent("j"))
	if got := str("still selected", selected); got != second {
		t.Errorf("typing j in the editor moved the selection to %q", got)
	}
	after := str("counter", `document.getElementById('edit-`+second+`-count').querySelector('[data-count="main"]').textContent`)
	var n, m, limit int
	if _, err := fmt.Sscanf(before, "%d / %d", &n, &limit); err != nil {
		t.Fatalf("counter %q: %v", before, err)
	}
	if _, err := fmt.Sscanf(after, "%d / %d", &m, &limit); err != nil || m != n+1 {
		t.Errorf("counter after typing = %q, want %d / %d characters", after, n+1, limit)
	}
	// Esc leaves the field; then ? shows the help.
	do("esc", chromedp.KeyEvent(kb.Escape))
	do("? shows the help",
		chromedp.KeyEvent("?"),
		chromedp.WaitVisible(chromedp.CSS(`#review-help`)),
	)
	help := str("help", `document.getElementById('review-help').open ? document.getElementById('review-help').textContent : ""`)
	for _, want := range []string{"Keyboard shortcuts", "Next draft", "Approve the selected draft", "Regenerate"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not say %q: %q", want, help)
		}
	}

	// A regeneration still queued: htmx polls its status, and once the
	// writer is done the queue reloads with the new version.
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.jobs.Stop(stop); err != nil {
		t.Fatal(err)
	}
	seo := f.draft(f.mug, "seo_title")
	g, err := env.drafts.Regenerate(context.Background(), env.scopeOf(f.email), seo.ID, "shorter")
	if err != nil {
		t.Fatal(err)
	}
	do("follow the regeneration",
		chromedp.Navigate(env.url+f.queue+"?generation="+g.ID+"#"+slot(f.mug, "seo_title")),
		chromedp.WaitVisible(chromedp.CSS(`#review-generation[hx-trigger]`)),
	)
	if err := env.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	env.waitGeneration(f.email, f.brand, g.ID)
	do("the page reloads with the new version",
		chromedp.WaitVisible(chromedp.CSS(`#review-generation:not([hx-trigger])`)),
	)
	if got := str("status", `document.getElementById('review-generation').textContent`); !strings.Contains(got, "A new SEO title is written") {
		t.Errorf("finished regeneration says %q", got)
	}
	if got := str("new version", `document.getElementById('`+slot(f.mug, "seo_title")+`').querySelector('.draft-meta').textContent`); !strings.Contains(got, "Version 2, written by the offline writer") {
		t.Errorf("after the regeneration the SEO title says %q, want version 2", got)
	}
	if errs := pageErrors(); len(errs) > 0 {
		t.Errorf("the pages logged errors:\n%s", strings.Join(errs, "\n"))
	}
}
