package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/sandbox"
	"github.com/plutopro/plutopro/internal/secrets"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
	"github.com/plutopro/plutopro/internal/web"
)

// testEnv is a real server (SQLite, real services) on a loopback port.
type testEnv struct {
	t        *testing.T
	url      string
	handler  http.Handler
	db       *store.DB
	accounts *account.Service
	brands   *brand.Service
	catalog  *catalog.Service
	transfer *transfer.Service
	drafts   *drafts.Service
	learn    *learn.Service
	jobs     *jobs.Client
	outbox   *mail.Outbox
	logs     *syncBuffer
	// connect and sandbox are set by newStoresEnv: the connect service
	// talks to the sandbox's fake stores.
	connect *connect.Service
	sandbox *sandbox.Sandbox
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnvWith(t, func(*web.Config) {})
}

func newEnvWith(t *testing.T, configure func(*web.Config)) *testEnv {
	t.Helper()
	return newEnvOpts(t, envOptions{configure: configure})
}

// envOptions say how to build a test server.
type envOptions struct {
	configure func(*web.Config)
	// stores, when set, gives the server a connect service whose
	// connectors point at these fake stores, with its sync and publish
	// workers.
	stores *sandbox.Sandbox
}

// newStoresEnv is a server connected to fake Shopify, Etsy and Amazon
// stores seeded with the sample catalog (60 products each). It skips the
// test when the catalog is missing.
func newStoresEnv(t *testing.T, configure func(*web.Config)) *testEnv {
	t.Helper()
	if _, err := sandbox.LoadCatalog(sampleDir); err != nil {
		t.Skipf("store tests skipped: the sample catalog %s is missing (%v); they need ../shared beside the checkout", sampleDir, err)
	}
	sb, err := sandbox.Start(context.Background(), t.TempDir(), sandbox.Options{CatalogDir: sampleDir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("sandbox.Start: %v", err)
	}
	t.Cleanup(sb.Close)
	return newEnvOpts(t, envOptions{configure: configure, stores: sb})
}

func newEnvOpts(t *testing.T, o envOptions) *testEnv {
	t.Helper()
	db := storetest.SQLite(t, jobs.Migrate)
	env := &testEnv{t: t, db: db, logs: &syncBuffer{}}
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	env.url = srv.URL
	env.outbox = mail.NewOutbox(db, nil, nil)
	env.accounts = account.NewService(db, env.outbox, srv.URL)
	env.brands = brand.NewService(db)
	env.catalog = catalog.NewService(db, env.brands)
	env.transfer = transfer.NewService(db, env.brands, env.catalog)
	env.drafts = drafts.NewService(db, env.brands, env.catalog, testWriter{})
	env.learn = learn.NewService(db, env.brands)
	env.drafts.SetLearn(env.learn)
	workers := river.NewWorkers()
	river.AddWorker(workers, &transfer.ImportWorker{Service: env.transfer, Logger: slog.New(slog.NewTextHandler(env.logs, nil))})
	river.AddWorker(workers, &drafts.Worker{Service: env.drafts, Logger: slog.New(slog.NewTextHandler(env.logs, nil))})
	river.AddWorker(workers, &learn.Worker{Service: env.learn})
	if o.stores != nil {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		keys, err := secrets.ParseKeys("1:" + base64.StdEncoding.EncodeToString(key))
		if err != nil {
			t.Fatal(err)
		}
		env.sandbox = o.stores
		env.connect = connect.NewService(db, env.brands, env.catalog, secrets.NewVault(db, keys), sandbox.Connectors(o.stores.Info), srv.URL)
		env.connect.Logger = slog.New(slog.NewTextHandler(env.logs, nil))
		river.AddWorker(workers, &connect.SyncWorker{Service: env.connect})
		river.AddWorker(workers, &connect.PublishWorker{Service: env.connect})
	}
	jc, err := jobs.New(db, jobs.Options{Workers: workers, Work: true, Queues: map[string]int{drafts.Queue: 4}})
	if err != nil {
		t.Fatalf("jobs.New: %v", err)
	}
	env.jobs = jc
	env.transfer.SetJobs(jc)
	env.drafts.SetJobs(jc)
	env.learn.SetJobs(jc)
	if env.connect != nil {
		env.connect.SetJobs(jc)
	}
	cfg := web.Config{
		Accounts: env.accounts,
		Brands:   env.brands,
		Catalog:  env.catalog,
		Transfer: env.transfer,
		Drafts:   env.drafts,
		Learn:    env.learn,
		Outbox:   env.outbox,
		Logger:   slog.New(slog.NewTextHandler(env.logs, nil)),
		BaseURL:  srv.URL,
		Version:  "test",
	}
	if env.connect != nil {
		cfg.Connect = env.connect
	}
	if o.configure != nil {
		o.configure(&cfg)
	}
	s, err := web.New(cfg)
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	env.handler = s.Handler()
	h = env.handler
	return env
}

// startWorkers starts working jobs (imports, generations); until then an
// import or a generation stays queued. They stop at cleanup.
func (e *testEnv) startWorkers() {
	e.t.Helper()
	if err := e.jobs.Start(context.Background()); err != nil {
		e.t.Fatalf("start workers: %v", err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.jobs.Stop(ctx)
	})
}

// scopeOf returns the user's default scope.
func (e *testEnv) scopeOf(email string) tenant.Scope {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.accounts.UserByEmail(ctx, email)
	if err != nil {
		e.t.Fatalf("UserByEmail(%s): %v", email, err)
	}
	sc, err := e.accounts.DefaultScope(ctx, u.ID)
	if err != nil {
		e.t.Fatalf("DefaultScope: %v", err)
	}
	return sc
}

// lastMailLink returns the first link in the newest outbox message to email.
func (e *testEnv) lastMailLink(to string) string {
	e.t.Helper()
	msgs, err := e.outbox.Recent(context.Background(), 20)
	if err != nil {
		e.t.Fatalf("Recent: %v", err)
	}
	for _, m := range msgs {
		if m.To == to {
			link := regexp.MustCompile(`https?://\S+`).FindString(m.Body)
			if link == "" {
				e.t.Fatalf("no link in mail %q", m.Body)
			}
			return link
		}
	}
	e.t.Fatalf("no mail to %s", to)
	return ""
}

// browser is a cookie-keeping client that, like a person, submits the
// forms of the page it last loaded (so it sends that page's CSRF token).
type browser struct {
	t      *testing.T
	env    *testEnv
	c      *http.Client
	csrf   string
	follow bool
}

func (e *testEnv) newBrowser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	b := &browser{t: e.t, env: e, follow: true}
	b.c = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		if b.follow {
			return nil
		}
		return http.ErrUseLastResponse
	}}
	return b
}

// page is a response as the user sees it.
type page struct {
	status int
	path   string // the final URL's path (after redirects)
	query  url.Values
	header http.Header
	raw    string // HTML as sent
	text   string // HTML with entities decoded
}

func (p page) has(s string) bool { return strings.Contains(p.text, s) }

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := page{status: resp.StatusCode, path: resp.Request.URL.Path, query: resp.Request.URL.Query(),
		header: resp.Header, raw: string(body), text: html.UnescapeString(string(body))}
	if m := csrfRE.FindStringSubmatch(p.raw); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.url(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.env.url + path
}

// post sends a form with the CSRF token of the last page (unless vals sets csrf_token).
func (b *browser) post(path string, vals url.Values) page {
	b.t.Helper()
	if vals == nil {
		vals = url.Values{}
	}
	if _, ok := vals["csrf_token"]; !ok {
		vals.Set("csrf_token", b.csrf)
	}
	return b.postRaw(path, vals, nil)
}

func (b *browser) postRaw(path string, vals url.Values, header http.Header) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url(path), strings.NewReader(vals.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, vs := range header {
		req.Header[k] = vs
	}
	return b.do(req)
}

// upload posts a multipart form: the fields in order (csrf_token first,
// from the last page, unless fields set it), then the file part, as a
// browser sends the import form.
func (b *browser) upload(path string, fields [][2]string, filename string, content []byte, header http.Header) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	hasToken := false
	for _, f := range fields {
		hasToken = hasToken || f[0] == "csrf_token"
	}
	if !hasToken {
		_ = mw.WriteField("csrf_token", b.csrf)
	}
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.url(path), &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, vs := range header {
		req.Header[k] = vs
	}
	return b.do(req)
}

// submit loads formPage, then posts vals to action with that page's token.
func (b *browser) submit(formPage, action string, vals url.Values) page {
	b.t.Helper()
	if p := b.get(formPage); p.status != http.StatusOK {
		b.t.Fatalf("GET %s = %d, want 200", formPage, p.status)
	}
	return b.post(action, vals)
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.env.url)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

const testPassword = "correct horse battery"

// signUp creates a user and account through the sign-up form and leaves b signed in.
func (b *browser) signUp(name, email string) {
	b.t.Helper()
	p := b.submit("/signup", "/signup", url.Values{
		"name": {name}, "email": {email}, "password": {testPassword}, "age_confirmed": {"yes"},
		"account_name": {name + "'s shop"},
	})
	if p.status != http.StatusOK || p.path != "/dashboard" {
		b.t.Fatalf("sign-up of %s ended at %s with %d:\n%s", email, p.path, p.status, p.text)
	}
}

func (b *browser) signIn(email, password string) page {
	b.t.Helper()
	return b.submit("/login", "/login", url.Values{"email": {email}, "password": {password}})
}

func mustStatus(t *testing.T, what string, p page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("%s: status %d, want %d (at %s)\n%s", what, p.status, want, p.path, excerpt(p.text))
	}
}

func mustSee(t *testing.T, what string, p page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !p.has(s) {
			t.Fatalf("%s: page %s does not show %q\n%s", what, p.path, s, excerpt(p.text))
		}
	}
}

func mustNotSee(t *testing.T, what string, p page, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if p.has(s) {
			t.Fatalf("%s: page %s shows %q but should not", what, p.path, s)
		}
	}
}

// excerpt is the <main> of a page, to keep failure output short.
func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
		if j := strings.Index(s, "</main>"); j >= 0 {
			s = s[:j]
		}
	}
	if len(s) > 3000 {
		s = s[:3000] + "…"
	}
	return s
}
