package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/config"
	"github.com/plutopro/plutopro/internal/store/storetest"
	"github.com/plutopro/plutopro/internal/tenant"
)

const testKeys = "1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func testConfig(t *testing.T, dbURL string) config.Config {
	t.Helper()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dbURL
	cfg.EncryptionKeys = testKeys
	cfg.ShutdownTimeout = 10 * time.Second
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// running is one started app and its base URL.
type running struct {
	app  *App
	url  string
	stop func() error
}

func start(t *testing.T, cfg config.Config, wrap func(http.Handler) http.Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := Open(ctx, cfg, slog.New(slog.DiscardHandler), Options{Work: true, Migrate: true})
	if err != nil {
		cancel()
		t.Fatalf("Open: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	if wrap != nil {
		h = wrap(h)
	}
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln, h) }()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				t.Error("serve did not stop within 30s")
			}
			a.Close()
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return &running{app: a, url: "http://" + ln.Addr().String(), stop: stop}
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestTwoServersOnePostgres starts two servers on one fresh PostgreSQL
// database at the same moment (both migrate: the advisory locks serialise
// them) and shows that what one writes the other serves.
func TestTwoServersOnePostgres(t *testing.T) {
	cfg := testConfig(t, storetest.PostgresURL(t))
	var a, b *running
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = start(t, cfg, nil) }()
	go func() { defer wg.Done(); b = start(t, cfg, nil) }()
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow()
	}
	ctx := context.Background()
	u, acct, err := a.app.Accounts.AddUser(ctx, "ada@example.com", "Ada", "")
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := a.app.Accounts.CreateToken(ctx, tenant.Scope{AccountID: acct.ID, UserID: u.ID, Role: tenant.Owner}, "t")
	if err != nil {
		t.Fatal(err)
	}
	code, body := call(t, "POST", a.url+"/api/v1/brands", tok, `{"name":"Made on A"}`)
	if code != 201 {
		t.Fatalf("POST on A = %d %s", code, body)
	}
	var created struct{ ID string }
	_ = json.Unmarshal([]byte(body), &created)
	for _, r := range []*running{a, b} {
		if code, body := call(t, "GET", r.url+"/api/v1/brands/"+created.ID, tok, ""); code != 200 || !strings.Contains(body, "Made on A") {
			t.Fatalf("GET on %s = %d %s", r.url, code, body)
		}
		if code, _ := call(t, "GET", r.url+"/healthz", "", ""); code != 200 {
			t.Fatalf("/healthz on %s = %d", r.url, code)
		}
	}
}

// TestGracefulShutdown shows a request in flight when the signal comes is
// answered before the server stops.
func TestGracefulShutdown(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.EncryptionKeys = ""
	inFlight := make(chan struct{})
	r := start(t, cfg, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.URL.Path == "/slow" {
				close(inFlight)
				time.Sleep(300 * time.Millisecond)
				_, _ = io.WriteString(w, "finished")
				return
			}
			next.ServeHTTP(w, req)
		})
	})
	type result struct {
		code int
		body string
	}
	res := make(chan result, 1)
	go func() {
		code, body := call(t, "GET", r.url+"/slow", "", "")
		res <- result{code, body}
	}()
	<-inFlight
	if err := r.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	got := <-res
	if got.code != 200 || got.body != "finished" {
		t.Fatalf("in-flight request = %d %q, want 200 finished", got.code, got.body)
	}
	if _, err := http.Get(r.url + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

// TestPostgresNeedsKeys: a shared database must not rely on one machine's key file.
func TestPostgresNeedsKeys(t *testing.T) {
	cfg := testConfig(t, storetest.PostgresURL(t))
	cfg.EncryptionKeys = ""
	_, err := Open(context.Background(), cfg, slog.New(slog.DiscardHandler), Options{Migrate: true})
	if err == nil || !strings.Contains(err.Error(), "PLUTOPRO_ENCRYPTION_KEYS") {
		t.Fatalf("Open without keys on PostgreSQL = %v", err)
	}
}
