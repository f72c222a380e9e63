package telemetry

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// records decodes every JSON line written to b.
func records(t *testing.T, b *syncBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		out = append(out, m)
	}
	return out
}

// record returns the only record with message msg.
func record(t *testing.T, b *syncBuffer, msg string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, r := range records(t, b) {
		if r["msg"] == msg {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d records %q, want 1; log:\n%s", len(found), msg, b.String())
	}
	return found[0]
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    slog.Level
		wantErr bool
	}{
		{"debug", slog.LevelDebug, false},
		{"INFO", slog.LevelInfo, false},
		{" warn ", slog.LevelWarn, false},
		{"warning", slog.LevelWarn, false},
		{"error", slog.LevelError, false},
		{"info+2", slog.LevelInfo + 2, false},
		{"", 0, true},
		{"verbose", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseLevel(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"json", FormatJSON, false},
		{"JSON", FormatJSON, false},
		{" text", FormatText, false},
		{"", "", true},
		{"logfmt", "", true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNewLoggerLevelAndFormat(t *testing.T) {
	t.Parallel()
	var b syncBuffer
	l := NewLogger(&b, FormatText, slog.LevelWarn)
	l.Info("hidden")
	l.Warn("shown", "k", "v")
	out := b.String()
	if strings.Contains(out, "hidden") || !strings.Contains(out, "msg=shown k=v") {
		t.Errorf("text logger at warn wrote:\n%s", out)
	}
}

func TestSecretKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key  string
		want bool
	}{
		{"password", true},
		{"Password", true},
		{"password_hash", true},
		{"new_passwd", true},
		{"token", true},
		{"access_token", true},
		{"accessToken", true},
		{"csrftoken", true},
		{"X-Auth-Token", true},
		{"secret", true},
		{"client_secret", true},
		{"Authorization", true},
		{"Proxy-Authorization", true},
		{"cookie", true},
		{"Set-Cookie", true},
		{"api_key", true},
		{"apiKey", true},
		{"APIKey", true},
		{"apikey", true},
		{"key", true},
		{"private_key", true},
		{"jwt", true},
		{"credentials", true},
		{"key_id", false},
		{"key_version", false},
		{"input_tokens", false},
		{"user_id", false},
		{"email", false},
		{"path", false},
		{"monkey", false},
		{"status", false},
	}
	for _, tt := range tests {
		if got := secretKey(tt.key); got != tt.want {
			t.Errorf("secretKey(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-s3cr3t"
	var b syncBuffer
	l := NewLogger(&b, FormatJSON, slog.LevelDebug)

	h := http.Header{}
	h.Set("Authorization", "Bearer "+secret)
	h.Set("Cookie", "session="+secret)
	h.Set("Accept", "text/html")
	u, _ := url.Parse("https://user:" + secret + "@example.com/cb?code=abc&access_token=" + secret)

	l.Info("attempt",
		"password", secret,
		"api_key", secret,
		"accessToken", secret,
		"key", secret,
		"email", "a@example.com",
		slog.Group("oauth", "refresh_token", secret, "scope", "read"),
		slog.Group("client_secret", "value", secret),
		"headers", h,
		"query", url.Values{"token": {secret}, "page": {"2"}},
		"url", u,
	)
	l.With("authorization", secret).Warn("with")

	out := b.String()
	if strings.Contains(out, secret) {
		t.Fatalf("secret reached the log:\n%s", out)
	}
	r := record(t, &b, "attempt")
	for _, k := range []string{"password", "api_key", "accessToken", "key"} {
		if r[k] != Redacted {
			t.Errorf("%s = %v, want %q", k, r[k], Redacted)
		}
	}
	if r["email"] != "a@example.com" {
		t.Errorf("email = %v, want it kept", r["email"])
	}
	oauth, _ := r["oauth"].(map[string]any)
	if oauth["refresh_token"] != Redacted || oauth["scope"] != "read" {
		t.Errorf("oauth group = %v", oauth)
	}
	hdr, _ := r["headers"].(map[string]any)
	if got, _ := hdr["Accept"].([]any); len(got) != 1 || got[0] != "text/html" {
		t.Errorf("headers.Accept = %v, want it kept", hdr["Accept"])
	}
	if got, _ := hdr["Authorization"].([]any); len(got) != 1 || got[0] != Redacted {
		t.Errorf("headers.Authorization = %v, want redacted", hdr["Authorization"])
	}
	if s, _ := r["url"].(string); !strings.Contains(s, "code=abc") || !strings.Contains(s, "example.com/cb") {
		t.Errorf("url = %v, want non-secret parts kept", r["url"])
	}
	if w := record(t, &b, "with"); w["authorization"] != Redacted {
		t.Errorf("With attr authorization = %v, want redacted", w["authorization"])
	}
}

func TestLogInjectionIsEscaped(t *testing.T) {
	t.Parallel()
	evil := "ok\n{\"level\":\"ERROR\",\"msg\":\"forged\"}\r\n\x1b[31mred\x1b[0m\x07"
	for _, format := range []string{FormatJSON, FormatText} {
		var b syncBuffer
		l := NewLogger(&b, format, slog.LevelInfo)
		l.Info("login failed", "email", evil)
		out := b.String()
		if n := strings.Count(out, "\n"); n != 1 || !strings.HasSuffix(out, "\n") {
			t.Errorf("%s: want exactly one line, got %d newlines:\n%q", format, n, out)
		}
		if strings.ContainsAny(out, "\x1b\r\x07") {
			t.Errorf("%s: raw control characters in output: %q", format, out)
		}
		if format == FormatJSON {
			rs := records(t, &b)
			if len(rs) != 1 {
				t.Fatalf("json: got %d records, want 1", len(rs))
			}
			if rs[0]["email"] != evil || rs[0]["msg"] != "login failed" {
				t.Errorf("json: record = %v, want the value round-tripped", rs[0])
			}
		}
	}
}

// Not parallel: it changes time.Local.
func TestLoggerTimeIsUTC(t *testing.T) {
	old := time.Local
	time.Local = time.FixedZone("UTC+5", 5*3600)
	t.Cleanup(func() { time.Local = old })

	var b syncBuffer
	NewLogger(&b, FormatJSON, slog.LevelInfo).Info("tick")
	s, _ := record(t, &b, "tick")["time"].(string)
	if !strings.HasSuffix(s, "Z") {
		t.Errorf("time = %q, want UTC (Z suffix)", s)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc…"},
		{"héllo", 2, "h…"}, // é is two bytes; do not split it
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
