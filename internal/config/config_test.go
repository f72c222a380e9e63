package config_test

import (
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plutopro/plutopro/internal/config"
)

// load is what the CLI does: defaults, then flags, then the environment.
func load(flags func(*config.Config), env map[string]string) (config.Config, error) {
	c := config.Defaults()
	if flags != nil {
		flags(&c)
	}
	err := c.FromEnv(func(k string) string { return env[k] })
	return c, err
}

func TestDefaults(t *testing.T) {
	c, err := load(nil, nil)
	if err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if c.DatabaseURL != "" || c.DataDir == "" {
		t.Errorf("default database: URL %q, data dir %q; want SQLite in a data dir", c.DatabaseURL, c.DataDir)
	}
	if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("Addr %q, BaseURL %q", c.Addr, c.BaseURL)
	}
	if c.LogLevel != slog.LevelInfo || c.LogFormat != "text" || c.Workers != 4 || c.ShutdownTimeout != 30*time.Second {
		t.Errorf("defaults: %+v", c)
	}
	if c.SMTPURL != "" || len(c.TrustedProxies) != 0 {
		t.Errorf("SMTP %q, trusted proxies %v; want none", c.SMTPURL, c.TrustedProxies)
	}
	if got := c.StoreOptions(); got.URL != "" || got.DataDir != c.DataDir {
		t.Errorf("StoreOptions = %+v", got)
	}
}

func TestValid(t *testing.T) {
	cases := []struct {
		name  string
		flags func(*config.Config)
		env   map[string]string
		check func(t *testing.T, c config.Config)
	}{
		{"postgres url", func(c *config.Config) { c.DatabaseURL = "postgres://u:p@db:5432/plutopro?sslmode=require" }, nil,
			func(t *testing.T, c config.Config) {
				if o := c.StoreOptions(); o.URL != c.DatabaseURL {
					t.Errorf("StoreOptions URL = %q", o.URL)
				}
			}},
		{"postgresql url", func(c *config.Config) { c.DatabaseURL = "postgresql://db/plutopro"; c.DataDir = "" }, nil, nil},
		{"log level debug", nil, map[string]string{"PLUTOPRO_LOG_LEVEL": "debug"},
			func(t *testing.T, c config.Config) { want(t, "LogLevel", c.LogLevel, slog.LevelDebug) }},
		{"log level upper case", nil, map[string]string{"PLUTOPRO_LOG_LEVEL": "WARN"},
			func(t *testing.T, c config.Config) { want(t, "LogLevel", c.LogLevel, slog.LevelWarn) }},
		{"log level error", nil, map[string]string{"PLUTOPRO_LOG_LEVEL": "error"},
			func(t *testing.T, c config.Config) { want(t, "LogLevel", c.LogLevel, slog.LevelError) }},
		{"log format json", nil, map[string]string{"PLUTOPRO_LOG_FORMAT": "json"},
			func(t *testing.T, c config.Config) { want(t, "LogFormat", c.LogFormat, "json") }},
		{"trusted proxies", nil, map[string]string{"PLUTOPRO_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,,fd00::/8 , ::1"},
			func(t *testing.T, c config.Config) {
				wantP := []netip.Prefix{
					netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
					netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("::1/128"),
				}
				if !slices.Equal(c.TrustedProxies, wantP) {
					t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, wantP)
				}
				if !c.TrustedProxies[0].Contains(netip.MustParseAddr("10.1.2.3")) || c.TrustedProxies[1].Contains(netip.MustParseAddr("192.168.1.8")) {
					t.Error("prefixes match the wrong addresses")
				}
			}},
		{"workers", nil, map[string]string{"PLUTOPRO_WORKERS": "16"},
			func(t *testing.T, c config.Config) { want(t, "Workers", c.Workers, 16) }},
		{"workers bounds", nil, map[string]string{"PLUTOPRO_WORKERS": "256"},
			func(t *testing.T, c config.Config) { want(t, "Workers", c.Workers, 256) }},
		{"shutdown timeout", nil, map[string]string{"PLUTOPRO_SHUTDOWN_TIMEOUT": "1m30s"},
			func(t *testing.T, c config.Config) { want(t, "ShutdownTimeout", c.ShutdownTimeout, 90*time.Second) }},
		{"base url trailing slash trimmed", nil, map[string]string{"PLUTOPRO_BASE_URL": "https://plutopro.example.com/"},
			func(t *testing.T, c config.Config) { want(t, "BaseURL", c.BaseURL, "https://plutopro.example.com") }},
		{"base url wins over addr", func(c *config.Config) { c.Addr = "0.0.0.0:9000" }, map[string]string{"PLUTOPRO_BASE_URL": "https://app.example.com"},
			func(t *testing.T, c config.Config) { want(t, "BaseURL", c.BaseURL, "https://app.example.com") }},
		{"smtp", nil, map[string]string{"SMTP_URL": "smtp://user:pass@mail.example.com:587"},
			func(t *testing.T, c config.Config) {
				want(t, "SMTPURL", c.SMTPURL, "smtp://user:pass@mail.example.com:587")
			}},
		{"smtps", nil, map[string]string{"SMTP_URL": "smtps://mail.example.com"}, nil},
		{"mail from", nil, map[string]string{"PLUTOPRO_MAIL_FROM": "noreply@example.com"},
			func(t *testing.T, c config.Config) { want(t, "MailFrom", c.MailFrom, "noreply@example.com") }},
		{"encryption keys passed through", nil, map[string]string{"PLUTOPRO_ENCRYPTION_KEYS": "k1:abc"},
			func(t *testing.T, c config.Config) { want(t, "EncryptionKeys", c.EncryptionKeys, "k1:abc") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := load(c.flags, c.env)
			if err != nil {
				t.Fatalf("FromEnv = %v, want nil", err)
			}
			if c.check != nil {
				c.check(t, got)
			}
		})
	}
}

func want[T comparable](t *testing.T, field string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", field, got, want)
	}
}

func TestBaseURLFromAddr(t *testing.T) {
	cases := []struct {
		addr, want string
	}{
		{"127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080"},
		{":9000", "http://127.0.0.1:9000"},
		{"[::]:8080", "http://127.0.0.1:8080"},
		{"[::1]:8080", "http://[::1]:8080"},
		{"localhost:3000", "http://localhost:3000"},
		{"192.168.1.10:80", "http://192.168.1.10:80"},
	}
	for _, c := range cases {
		t.Run(c.addr, func(t *testing.T) {
			got, err := load(func(cfg *config.Config) { cfg.Addr = c.addr }, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.BaseURL != c.want {
				t.Errorf("Addr %q: BaseURL = %q, want %q", c.addr, got.BaseURL, c.want)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	const pw = "pa55-canary"
	cases := []struct {
		name  string
		flags func(*config.Config)
		env   map[string]string
		want  string // the variable or flag the error names
	}{
		{"mysql database url", func(c *config.Config) { c.DatabaseURL = "mysql://u:" + pw + "@db/x" }, nil, "DATABASE_URL"},
		{"sqlite path as database url", func(c *config.Config) { c.DatabaseURL = "/var/lib/plutopro.db" }, nil, "DATABASE_URL"},
		{"unparsable postgres url", func(c *config.Config) { c.DatabaseURL = "postgres://u:" + pw + "@db:port/x" }, nil, "DATABASE_URL"},
		{"empty data dir", func(c *config.Config) { c.DataDir = " " }, nil, "PLUTOPRO_DATA_DIR"},
		{"addr without port", func(c *config.Config) { c.Addr = "localhost" }, nil, "--addr"},
		{"addr port not a number", func(c *config.Config) { c.Addr = "localhost:http" }, nil, "--addr"},
		{"addr port too big", func(c *config.Config) { c.Addr = "127.0.0.1:70000" }, nil, "--addr"},
		{"log level", nil, map[string]string{"PLUTOPRO_LOG_LEVEL": "verbose"}, "PLUTOPRO_LOG_LEVEL"},
		{"log format", nil, map[string]string{"PLUTOPRO_LOG_FORMAT": "yaml"}, "PLUTOPRO_LOG_FORMAT"},
		{"trusted proxy name", nil, map[string]string{"PLUTOPRO_TRUSTED_PROXIES": "10.0.0.1,proxy.internal"}, "PLUTOPRO_TRUSTED_PROXIES"},
		{"trusted proxy bad prefix", nil, map[string]string{"PLUTOPRO_TRUSTED_PROXIES": "10.0.0.0/33"}, "PLUTOPRO_TRUSTED_PROXIES"},
		{"workers zero", nil, map[string]string{"PLUTOPRO_WORKERS": "0"}, "PLUTOPRO_WORKERS"},
		{"workers too many", nil, map[string]string{"PLUTOPRO_WORKERS": "257"}, "PLUTOPRO_WORKERS"},
		{"workers not a number", nil, map[string]string{"PLUTOPRO_WORKERS": "four"}, "PLUTOPRO_WORKERS"},
		{"shutdown timeout unitless", nil, map[string]string{"PLUTOPRO_SHUTDOWN_TIMEOUT": "30"}, "PLUTOPRO_SHUTDOWN_TIMEOUT"},
		{"shutdown timeout negative", nil, map[string]string{"PLUTOPRO_SHUTDOWN_TIMEOUT": "-5s"}, "PLUTOPRO_SHUTDOWN_TIMEOUT"},
		{"shutdown timeout zero", nil, map[string]string{"PLUTOPRO_SHUTDOWN_TIMEOUT": "0s"}, "PLUTOPRO_SHUTDOWN_TIMEOUT"},
		{"base url no scheme", nil, map[string]string{"PLUTOPRO_BASE_URL": "plutopro.example.com"}, "PLUTOPRO_BASE_URL"},
		{"base url ftp", nil, map[string]string{"PLUTOPRO_BASE_URL": "ftp://plutopro.example.com"}, "PLUTOPRO_BASE_URL"},
		{"base url no host", nil, map[string]string{"PLUTOPRO_BASE_URL": "https://"}, "PLUTOPRO_BASE_URL"},
		{"smtp http scheme", nil, map[string]string{"SMTP_URL": "http://u:" + pw + "@mail.example.com"}, "SMTP_URL"},
		{"smtp no host", nil, map[string]string{"SMTP_URL": "smtp://u:" + pw + "@"}, "SMTP_URL"},
		{"smtp bad port", nil, map[string]string{"SMTP_URL": "smtp://u:" + pw + "@mail.example.com:port"}, "SMTP_URL"},
		{"smtp bare host", nil, map[string]string{"SMTP_URL": "mail.example.com:587"}, "SMTP_URL"},
		{"mail from", nil, map[string]string{"PLUTOPRO_MAIL_FROM": "not an address"}, "PLUTOPRO_MAIL_FROM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(c.flags, c.env)
			if err == nil {
				t.Fatal("FromEnv = nil, want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q does not name %s", msg, c.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if strings.Contains(msg, pw) {
				t.Errorf("error shows the password: %q", msg)
			}
		})
	}
}

func TestLLMPrices(t *testing.T) {
	cfg := config.Defaults()
	if err := cfg.FromEnv(func(k string) string {
		return map[string]string{"PLUTOPRO_LLM_PRICES": "1, 5, 1.25, 0.1"}[k]
	}); err != nil || len(cfg.LLMPrices) != 4 || cfg.LLMPrices[2] != 1.25 {
		t.Fatalf("prices = %v, %v", cfg.LLMPrices, err)
	}
	for _, bad := range []string{"1,2,3", "a,b,c,d", "-1,1,1,1"} {
		cfg := config.Defaults()
		err := cfg.FromEnv(func(k string) string { return map[string]string{"PLUTOPRO_LLM_PRICES": bad}[k] })
		if err == nil || !strings.Contains(err.Error(), "PLUTOPRO_LLM_PRICES") {
			t.Errorf("PLUTOPRO_LLM_PRICES=%q: %v", bad, err)
		}
	}
}
