package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/plutopro/plutopro/internal/account"
	"github.com/plutopro/plutopro/internal/api"
	"github.com/plutopro/plutopro/internal/brand"
	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/catalog/transfer"
	"github.com/plutopro/plutopro/internal/connect"
	"github.com/plutopro/plutopro/internal/drafts"
	"github.com/plutopro/plutopro/internal/generate"
	"github.com/plutopro/plutopro/internal/generate/offline"
	"github.com/plutopro/plutopro/internal/jobs"
	"github.com/plutopro/plutopro/internal/learn"
	"github.com/plutopro/plutopro/internal/mail"
	"github.com/plutopro/plutopro/internal/secrets"
	"github.com/plutopro/plutopro/internal/store"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

// fixture is a running API on a real database, with helpers to make users,
// members, tokens and brands. Its database has River's tables (use
// storetest with jobs.Migrate); imports and generations stay queued until
// startWorkers. Drafts are written by testWriter. Review signals go to
// learn, which schedules no job: tests call Learn when they need memory.
type fixture struct {
	db       *store.DB
	accounts *account.Service
	brands   *brand.Service
	catalog  *catalog.Service
	transfer *transfer.Service
	drafts   *drafts.Service
	learn    *learn.Service
	connect  *connect.Service
	jobs     *jobs.Client
	outbox   *mail.Outbox
	h        http.Handler
	log      *syncBuffer // the API's logger output, JSON lines
}

// newFixture serves the API on db, with no store platforms: connections
// are made by hand (addConnection).
func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	return newFixtureWith(t, db, nil)
}

// newFixtureWith serves the API on db, connecting stores with connectors
// (sandbox.Connectors for the fake stores).
func newFixtureWith(t *testing.T, db *store.DB, connectors map[connect.Platform]connect.Connector) *fixture {
	t.Helper()
	f := &fixture{db: db, outbox: mail.NewOutbox(db, nil, nil), brands: brand.NewService(db), log: &syncBuffer{}}
	f.accounts = account.NewService(db, f.outbox, "http://127.0.0.1")
	f.catalog = catalog.NewService(db, f.brands)
	f.transfer = transfer.NewService(db, f.brands, f.catalog)
	f.drafts = drafts.NewService(db, f.brands, f.catalog, testWriter{})
	f.learn = learn.NewService(db, f.brands)
	f.drafts.SetLearn(f.learn)
	keys, err := secrets.ParseKeys("1:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	f.connect = connect.NewService(db, f.brands, f.catalog, secrets.NewVault(db, keys), connectors, "http://127.0.0.1")
	workers := river.NewWorkers()
	river.AddWorker(workers, &transfer.ImportWorker{Service: f.transfer, Logger: slog.New(slog.NewJSONHandler(f.log, nil))})
	river.AddWorker(workers, &drafts.Worker{Service: f.drafts, Logger: slog.New(slog.NewJSONHandler(f.log, nil))})
	river.AddWorker(workers, &connect.SyncWorker{Service: f.connect})
	river.AddWorker(workers, &connect.PublishWorker{Service: f.connect})
	jc, err := jobs.New(db, jobs.Options{Workers: workers, Work: true, Queues: map[string]int{drafts.Queue: 4}})
	if err != nil {
		t.Fatalf("jobs.New: %v", err)
	}
	f.jobs = jc
	f.transfer.SetJobs(jc)
	f.drafts.SetJobs(jc)
	f.connect.SetJobs(jc)
	f.h = api.New(api.Config{
		Accounts: f.accounts,
		Brands:   f.brands,
		Catalog:  f.catalog,
		Transfer: f.transfer,
		Drafts:   f.drafts,
		Learn:    f.learn,
		Connect:  f.connect,
		Logger:   slog.New(slog.NewJSONHandler(f.log, nil)),
		Version:  "test",
	})
	return f
}

// sqliteFixture serves the API on a fresh SQLite database.
func sqliteFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixture(t, storetest.SQLite(t, jobs.Migrate))
}

// startWorkers starts working jobs (imports, generations) until the test ends.
func (f *fixture) startWorkers(t *testing.T) {
	t.Helper()
	if err := f.jobs.Start(context.Background()); err != nil {
		t.Fatalf("start workers: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = f.jobs.Stop(ctx)
	})
}

// importFile starts an import through the service and waits for it.
func (f *fixture) importFile(t *testing.T, sc tenant.Scope, brandID, name string, content []byte) *transfer.Import {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	im, err := f.transfer.Start(ctx, sc, brandID, transfer.Input{Filename: name, Body: bytes.NewReader(content)})
	if err != nil {
		t.Fatalf("Start(%s) = %v", name, err)
	}
	if im, err = f.transfer.Wait(ctx, sc, brandID, im.ID, nil); err != nil {
		t.Fatalf("Wait(%s) = %v\n%s", name, err, f.log.String())
	}
	return im
}

// uploadRequest builds a multipart import request: the fields in order,
// then the file part (none when filename is "").
func uploadRequest(t *testing.T, path, token string, fields [][2]string, filename string, content []byte) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// user adds a user with an account of their own and returns the owner scope
// and an API token for it.
func (f *fixture) user(t *testing.T, email, name string) (*account.User, tenant.Scope, string) {
	t.Helper()
	ctx := context.Background()
	u, _, err := f.accounts.AddUser(ctx, email, name, "")
	if err != nil {
		t.Fatalf("AddUser(%s) = %v", email, err)
	}
	sc, err := f.accounts.DefaultScope(ctx, u.ID)
	if err != nil {
		t.Fatalf("DefaultScope(%s) = %v", email, err)
	}
	_, raw, err := f.accounts.CreateToken(ctx, sc, "test")
	if err != nil {
		t.Fatalf("CreateToken(%s) = %v", email, err)
	}
	return u, sc, raw
}

var invitationLink = regexp.MustCompile(`/invitations/\S*?([A-Za-z0-9_-]{43})\b`) // the raw token is 32 random bytes, base64url

// member invites email into the owner's account with role, has them accept
// (as a user who also has an account of their own) and returns a token that
// acts in the owner's account.
func (f *fixture) member(t *testing.T, owner tenant.Scope, email string, role tenant.Role) string {
	t.Helper()
	ctx := context.Background()
	if _, err := f.accounts.Invite(ctx, owner, email, role); err != nil {
		t.Fatalf("Invite(%s, %s) = %v", email, role, err)
	}
	msgs, err := f.outbox.Recent(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	raw := ""
	for _, m := range msgs {
		if m.To == email && m.Kind == "invitation" {
			if mm := invitationLink.FindStringSubmatch(m.Body); mm != nil {
				raw = mm[1]
				break
			}
		}
	}
	if raw == "" {
		t.Fatalf("no invitation link for %s in the outbox", email)
	}
	u, _, err := f.accounts.AddUser(ctx, email, "Member "+string(role), "")
	if err != nil {
		t.Fatalf("AddUser(%s) = %v", email, err)
	}
	sc, err := f.accounts.AcceptInvitation(ctx, raw, u.ID)
	if err != nil {
		t.Fatalf("AcceptInvitation(%s) = %v", email, err)
	}
	if sc.AccountID != owner.AccountID || sc.Role != role {
		t.Fatalf("AcceptInvitation(%s) scope = %+v, want account %s role %s", email, sc, owner.AccountID, role)
	}
	_, tok, err := f.accounts.CreateToken(ctx, sc, "test")
	if err != nil {
		t.Fatalf("CreateToken(%s) = %v", email, err)
	}
	return tok
}

// brand creates a brand through the service.
func (f *fixture) brand(t *testing.T, sc tenant.Scope, name string) *brand.Brand {
	t.Helper()
	b, err := f.brands.Create(context.Background(), sc, brand.Input{Name: &name, WordsAvoid: &[]string{"cheap"}})
	if err != nil {
		t.Fatalf("brands.Create(%q) = %v", name, err)
	}
	return b
}

// checksum hashes the brand's row as stored ("" when there is no row), to
// prove a request changed nothing.
func (f *fixture) checksum(t *testing.T, id string) string {
	t.Helper()
	var s [11]string
	var created, updated time.Time
	err := f.db.QueryRow(context.Background(), `SELECT id, account_id, name, description, voice, audience, guidelines,
		words_avoid, words_prefer, language, default_channel, created_at, updated_at FROM brands WHERE id = ?`, id).
		Scan(&s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6], &s[7], &s[8], &s[9], &s[10], &created, &updated)
	if err != nil {
		t.Fatalf("load brand %s: %v", id, err)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%q %s %s", s, created.UTC().Format(time.RFC3339Nano), updated.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:])
}

// newRequest builds a request; a non-empty body is sent as application/json.
func newRequest(method, path, token, body string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, path, nil)
	} else {
		r = httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// serve runs r through the API.
func (f *fixture) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, r)
	return rec
}

// do sends a request (see newRequest) through the API.
func (f *fixture) do(method, path, token, body string) *httptest.ResponseRecorder {
	return f.serve(newRequest(method, path, token, body))
}

// apiError is the body of an error response.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Fields  []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"fields"`
	} `json:"error"`
}

// decodeBody decodes a JSON response body into a T, failing the test on
// anything else.
func decodeBody[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json (body %q)", ct, rec.Body.String())
	}
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, rec.Body.String(), err)
	}
	return v
}

// wantError checks that rec is an error response with status and code.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) apiError {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d (body %s)", rec.Code, status, rec.Body.String())
	}
	e := decodeBody[apiError](t, rec)
	if e.Error.Code != code {
		t.Fatalf("error code = %q, want %q (body %s)", e.Error.Code, code, rec.Body.String())
	}
	if e.Error.Message == "" {
		t.Fatalf("error without message: %s", rec.Body.String())
	}
	return e
}

// wantStatus checks the status of rec.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d (body %s)", rec.Code, status, rec.Body.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (the logger).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// records parses the JSON log lines.
func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(strings.NewReader(b.String()))
	for {
		var m map[string]any
		if err := dec.Decode(&m); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("log is not JSON lines: %v\n%s", err, b.String())
		}
		out = append(out, m)
	}
}

// refusedHandle names the product testWriter refuses to write a title for.
const refusedHandle = "refused-mug"

// testWriter is the offline writer, except for the product whose handle is
// refusedHandle: its title is a refusal, which no repair can fix, and its
// descriptions state facts the product's data does not hold.
type testWriter struct{}

var _ generate.Provider = testWriter{}

func (testWriter) Name() string { return "offline" }

func (testWriter) Generate(ctx context.Context, req generate.Request) (*generate.Result, error) {
	res, err := offline.New().Generate(ctx, req)
	if err != nil || req.Product.Handle != refusedHandle {
		return res, err
	}
	for _, f := range req.Fields {
		switch f.Name {
		case "title", "item_name":
			res.Values[f.Name] = generate.Value{Text: "I cannot help with that."}
		case "description", "product_description":
			res.Values[f.Name] = generate.Value{Text: "A mug made of organic cotton. It is 30 cm wide."}
		}
	}
	return res, nil
}
