package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/cli"
	"github.com/plutopro/plutopro/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
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

type runner struct {
	t   *testing.T
	env map[string]string
}

func (r *runner) getenv(k string) string { return r.env[k] }

// run runs the CLI and returns stdout, stderr and the exit code.
func (r *runner) run(stdin string, args ...string) (string, string, int) {
	r.t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, r.getenv, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func (r *runner) mustJSON(stdin string, args ...string) map[string]any {
	r.t.Helper()
	out, errs, code := r.run(stdin, append(args, "--json")...)
	if code != 0 {
		r.t.Fatalf("plutopro %v: exit %d: %s", args, code, errs)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		r.t.Fatalf("plutopro %v --json printed %q: %v", args, out, err)
	}
	return v
}

// serve starts `plutopro serve` on a free port and returns its base URL.
func (r *runner) serve() string {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, r.getenv, strings.NewReader(""), io.Discard, &stderr)
	}()
	r.t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				r.t.Errorf("serve exited %d on shutdown: %s", code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			r.t.Error("serve did not shut down within 30s")
		}
	})
	re := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			r.t.Fatalf("serve exited %d: %s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	r.t.Fatalf("serve did not start: %s", stderr.String())
	return ""
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestCLIAndAPI walks the path: user add, brand add --json, token add
// --json, then the API over a running serve, on SQLite and on PostgreSQL.
func TestCLIAndAPI(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env := map[string]string{"PLUTOPRO_DATA_DIR": t.TempDir(), "PLUTOPRO_LOG_FORMAT": "text"}
			if engine == "postgres" {
				env["DATABASE_URL"] = storetest.PostgresURL(t)
				env["PLUTOPRO_ENCRYPTION_KEYS"] = "1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
			}
			r := &runner{t: t, env: env}

			if _, errs, code := r.run("", "user", "add", "--email", "ada@example.com", "--name", "Ada", "--password-stdin"); code == 0 {
				t.Fatalf("user add with empty stdin succeeded; stderr %q", errs)
			}
			user := r.mustJSON("a long enough password\n", "user", "add", "--email", "ada@example.com", "--name", "Ada Lovelace", "--password-stdin")
			if user["email"] != "ada@example.com" || user["id"] == "" {
				t.Fatalf("user add --json = %v", user)
			}
			_, errs, code := r.run("", "user", "add", "--email", "ada@example.com", "--name", "Ada")
			if code != 1 || !strings.Contains(errs, "already exists") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Fatalf("duplicate user add: exit %d, stderr %q; want exit 1 and one line", code, errs)
			}
			r.mustJSON("", "user", "add", "--email", "bob@example.com", "--name", "Bob")

			b := r.mustJSON("", "brand", "add", "--owner", "ada@example.com", "--name", "Northwind Candles")
			brandID, _ := b["id"].(string)
			if brandID == "" || b["name"] != "Northwind Candles" {
				t.Fatalf("brand add --json = %v", b)
			}
			tok := r.mustJSON("", "token", "add", "--email", "ada@example.com")["token"].(string)
			bobTok := r.mustJSON("", "token", "add", "--email", "bob@example.com")["token"].(string)
			if !strings.HasPrefix(tok, "ppt_") {
				t.Fatalf("token = %q", tok)
			}

			base := r.serve()
			if code, body := get(t, base+"/healthz", ""); code != 200 {
				t.Fatalf("/healthz = %d %s", code, body)
			}
			if code, body := get(t, base+"/signup", ""); code != 200 || !strings.Contains(body, "16") {
				t.Fatalf("/signup = %d, want the sign-up form", code)
			}
			code, body := get(t, base+"/api/v1/brands", tok)
			if code != 200 || !strings.Contains(body, brandID) {
				t.Fatalf("GET /api/v1/brands = %d %s; want the brand", code, body)
			}
			if code, _ := get(t, base+"/api/v1/brands/"+brandID, bobTok); code != 404 {
				t.Fatalf("another user's GET /api/v1/brands/{id} = %d, want 404", code)
			}
			if code, _ := get(t, base+"/api/v1/brands", ""); code != 401 {
				t.Fatalf("no token = %d, want 401", code)
			}
			rot := r.mustJSON("", "keys", "rotate")
			if fmt.Sprint(rot["reencrypted"]) != "0" {
				t.Fatalf("keys rotate = %v", rot)
			}
		})
	}
}

func TestBadConfigIsOneLine(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"DATABASE_URL": "mysql://x"}, []string{"migrate"}, "postgres://"},
		{nil, []string{"serve", "--addr", "nonsense"}, "host:port"},
		{map[string]string{"PLUTOPRO_LOG_FORMAT": "xml"}, []string{"migrate"}, "json or text"},
		{map[string]string{"PLUTOPRO_ENCRYPTION_KEYS": "1:c2hvcnQ="}, []string{"migrate"}, "PLUTOPRO_ENCRYPTION_KEYS"},
		{nil, []string{"brand", "add", "--owner", "nobody@example.com", "--name", "X"}, "no such user"},
		{nil, []string{"frobnicate"}, "unexpected argument"},
	}
	for _, c := range cases {
		env := map[string]string{"PLUTOPRO_DATA_DIR": t.TempDir()}
		for k, v := range c.env {
			env[k] = v
		}
		r := &runner{t: t, env: env}
		_, errs, code := r.run("", c.args...)
		if code == 0 || !strings.Contains(errs, c.want) || !strings.HasPrefix(errs, "plutopro: ") {
			t.Errorf("%v with %v: exit %d, stderr %q; want non-zero and %q", c.args, c.env, code, errs, c.want)
		}
	}
}
