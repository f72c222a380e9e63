// Package config reads PlutoPro's settings from flags and the environment
// and checks them at start, so a bad value stops the process with one clear
// line instead of failing later.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plutopro/plutopro/internal/store"
)

// Config is every setting.
type Config struct {
	// DataDir holds the SQLite file and the generated key file.
	DataDir string
	// DatabaseURL is a postgres URL; empty means SQLite in DataDir.
	DatabaseURL string
	// Addr is where serve listens.
	Addr string
	// BaseURL is the public URL used in emailed links.
	BaseURL string
	// EncryptionKeys is PLUTOPRO_ENCRYPTION_KEYS (empty: a key file in DataDir).
	EncryptionKeys string
	// SMTPURL sends email when set; otherwise emails are listed at /dev/outbox.
	SMTPURL  string
	MailFrom string
	// LogFormat is json or text; LogLevel debug, info, warn or error.
	LogFormat string
	LogLevel  slog.Level
	// TrustedProxies may set X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Workers is how many jobs run at once in this process.
	Workers int
	// MaxUploadBytes caps an uploaded catalog file.
	MaxUploadBytes int64
	// LLM picks the writer: offline, anthropic or openai.
	LLM string
	// AnthropicAPIKey and AnthropicBaseURL configure the anthropic writer.
	AnthropicAPIKey  string
	AnthropicBaseURL string
	// OpenAIBaseURL and OpenAIAPIKey configure the openai writer (any
	// OpenAI-compatible server: Ollama, llama.cpp, vLLM).
	OpenAIBaseURL string
	OpenAIAPIKey  string
	// LLMModel overrides the provider's default model.
	LLMModel string
	// LLMPrices, when set, are the model's USD prices per million tokens:
	// input, output, cache write, cache read (PLUTOPRO_LLM_PRICES).
	LLMPrices []float64
	// LLMConcurrency is how many generation jobs run at once per process.
	LLMConcurrency int
	// LLMRequestsPerMinute paces provider calls per process.
	LLMRequestsPerMinute int
	// LLMInputTokensPerMinute paces input tokens per process (0: learned
	// from the provider's headers only).
	LLMInputTokensPerMinute int
	// ShutdownTimeout bounds how long running requests and jobs may take to finish on SIGTERM.
	ShutdownTimeout time.Duration
	// Stores are the store apps' credentials; a platform is offered only
	// when its app is configured (or in the sandbox).
	Stores Stores
}

// Stores holds each store platform's app credentials.
type Stores struct {
	ShopifyClientID, ShopifyClientSecret, ShopifyAPIVersion string
	EtsyKeystring, EtsySharedSecret                         string
	AmazonApplicationID, AmazonClientID, AmazonClientSecret string
	AmazonRegion, AmazonMarketplaceID                       string
	// SyncInterval is how often every connected store is synced (polling
	// catches what webhooks do not report).
	SyncInterval time.Duration
}

// Getenv reads an environment variable (os.Getenv in production, a map in tests).
type Getenv func(string) string

// Defaults returns the settings before flags and environment.
func Defaults() Config {
	return Config{
		DataDir:              "./plutopro-data",
		Addr:                 "127.0.0.1:8080",
		MailFrom:             "plutopro@localhost",
		LogFormat:            "text",
		LogLevel:             slog.LevelInfo,
		Workers:              4,
		MaxUploadBytes:       100 << 20,
		LLMConcurrency:       4,
		LLMRequestsPerMinute: 50,
		ShutdownTimeout:      30 * time.Second,
		Stores:               Stores{ShopifyAPIVersion: "2025-01", AmazonRegion: "na", AmazonMarketplaceID: "ATVPDKIKX0DER", SyncInterval: time.Hour},
	}
}

// FromEnv fills the settings that only come from the environment and
// validates all of them. Flags (data dir, database URL, addr) are set by the
// caller first; their environment fallbacks are applied by the CLI parser.
func (c *Config) FromEnv(getenv Getenv) error {
	if v := getenv("PLUTOPRO_BASE_URL"); v != "" {
		c.BaseURL = v
	}
	c.EncryptionKeys = getenv("PLUTOPRO_ENCRYPTION_KEYS")
	st := &c.Stores
	for _, v := range []struct {
		name string
		dst  *string
	}{{"SHOPIFY_CLIENT_ID", &st.ShopifyClientID}, {"SHOPIFY_CLIENT_SECRET", &st.ShopifyClientSecret}, {"SHOPIFY_API_VERSION", &st.ShopifyAPIVersion},
		{"ETSY_KEYSTRING", &st.EtsyKeystring}, {"ETSY_SHARED_SECRET", &st.EtsySharedSecret},
		{"AMAZON_SP_APPLICATION_ID", &st.AmazonApplicationID}, {"AMAZON_LWA_CLIENT_ID", &st.AmazonClientID},
		{"AMAZON_LWA_CLIENT_SECRET", &st.AmazonClientSecret}, {"AMAZON_SP_REGION", &st.AmazonRegion},
		{"AMAZON_MARKETPLACE_ID", &st.AmazonMarketplaceID}} {
		if x := getenv(v.name); x != "" {
			*v.dst = x
		}
	}
	if v := getenv("PLUTOPRO_SYNC_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return fmt.Errorf("PLUTOPRO_SYNC_INTERVAL=%q: use a duration of at least 1m, e.g. 1h", v)
		}
		st.SyncInterval = d
	}
	switch st.AmazonRegion {
	case "na", "eu", "fe":
	default:
		return fmt.Errorf("AMAZON_SP_REGION=%q: use na, eu or fe", st.AmazonRegion)
	}
	if (st.ShopifyClientID == "") != (st.ShopifyClientSecret == "") {
		return fmt.Errorf("set both SHOPIFY_CLIENT_ID and SHOPIFY_CLIENT_SECRET, or neither")
	}
	if (st.EtsyKeystring == "") != (st.EtsySharedSecret == "") {
		return fmt.Errorf("set both ETSY_KEYSTRING and ETSY_SHARED_SECRET, or neither")
	}
	if n := countSet(st.AmazonApplicationID, st.AmazonClientID, st.AmazonClientSecret); n != 0 && n != 3 {
		return fmt.Errorf("set AMAZON_SP_APPLICATION_ID, AMAZON_LWA_CLIENT_ID and AMAZON_LWA_CLIENT_SECRET together, or none")
	}
	c.SMTPURL = getenv("SMTP_URL")
	if v := getenv("PLUTOPRO_MAIL_FROM"); v != "" {
		c.MailFrom = v
	}
	if v := getenv("PLUTOPRO_LOG_FORMAT"); v != "" {
		c.LogFormat = v
	}
	if v := getenv("PLUTOPRO_LOG_LEVEL"); v != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(v)); err != nil {
			return fmt.Errorf("PLUTOPRO_LOG_LEVEL: %q is not one of debug, info, warn, error", v)
		}
		c.LogLevel = l
	}
	if v := getenv("PLUTOPRO_TRUSTED_PROXIES"); v != "" {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				a, aerr := netip.ParseAddr(s)
				if aerr != nil {
					return fmt.Errorf("PLUTOPRO_TRUSTED_PROXIES: %q is not an IP address or CIDR prefix", s)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if v := getenv("PLUTOPRO_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return fmt.Errorf("PLUTOPRO_WORKERS: %q must be a whole number from 1 to 256", v)
		}
		c.Workers = n
	}
	if v := getenv("PLUTOPRO_MAX_UPLOAD_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10240 {
			return fmt.Errorf("PLUTOPRO_MAX_UPLOAD_MB: %q must be a whole number of megabytes from 1 to 10240", v)
		}
		c.MaxUploadBytes = int64(n) << 20
	}
	c.AnthropicAPIKey = getenv("ANTHROPIC_API_KEY")
	c.AnthropicBaseURL = getenv("ANTHROPIC_BASE_URL")
	c.OpenAIBaseURL = getenv("OPENAI_BASE_URL")
	c.OpenAIAPIKey = getenv("OPENAI_API_KEY")
	c.LLMModel = getenv("PLUTOPRO_LLM_MODEL")
	c.LLM = getenv("PLUTOPRO_LLM")
	if v := getenv("PLUTOPRO_LLM_PRICES"); v != "" {
		parts := strings.Split(v, ",")
		if len(parts) != 4 {
			return errors.New("PLUTOPRO_LLM_PRICES: give four USD prices per million tokens: input,output,cache_write,cache_read (e.g. 1,5,1.25,0.1)")
		}
		c.LLMPrices = nil
		for _, part := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
			if err != nil || f < 0 || f > 10000 {
				return fmt.Errorf("PLUTOPRO_LLM_PRICES: %q is not a price in USD per million tokens", strings.TrimSpace(part))
			}
			c.LLMPrices = append(c.LLMPrices, f)
		}
	}
	if c.LLM == "" {
		c.LLM = "offline"
		if c.AnthropicAPIKey != "" {
			c.LLM = "anthropic"
		}
	}
	for _, n := range []struct {
		env string
		dst *int
		max int
	}{{"PLUTOPRO_LLM_CONCURRENCY", &c.LLMConcurrency, 256}, {"PLUTOPRO_LLM_RPM", &c.LLMRequestsPerMinute, 1000000},
		{"PLUTOPRO_LLM_ITPM", &c.LLMInputTokensPerMinute, 1000000000}} {
		if v := getenv(n.env); v != "" {
			x, err := strconv.Atoi(v)
			if err != nil || x < 1 || x > n.max {
				return fmt.Errorf("%s: %q must be a whole number from 1 to %d", n.env, v, n.max)
			}
			*n.dst = x
		}
	}
	if v := getenv("PLUTOPRO_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("PLUTOPRO_SHUTDOWN_TIMEOUT: %q is not a duration like 30s", v)
		}
		c.ShutdownTimeout = d
	}
	return c.Validate()
}

// Validate checks every setting.
func (c *Config) Validate() error {
	if c.DatabaseURL != "" && !store.IsPostgresURL(c.DatabaseURL) {
		return errors.New("--database-url/DATABASE_URL: must be a postgres:// or postgresql:// URL, or empty for SQLite")
	}
	if c.DatabaseURL != "" {
		if _, err := url.Parse(c.DatabaseURL); err != nil {
			return errors.New("--database-url/DATABASE_URL: not a valid URL")
		}
	}
	if c.DatabaseURL == "" && strings.TrimSpace(c.DataDir) == "" {
		return errors.New("--data-dir/PLUTOPRO_DATA_DIR: must not be empty")
	}
	if c.Addr != "" {
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return fmt.Errorf("--addr: %q is not host:port (e.g. 127.0.0.1:8080)", c.Addr)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return fmt.Errorf("--addr: port %q is not a number from 0 to 65535", port)
		}
		if c.BaseURL == "" {
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "127.0.0.1"
			}
			c.BaseURL = "http://" + net.JoinHostPort(host, port)
		}
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("PLUTOPRO_BASE_URL: %q must be an http(s) URL like https://plutopro.example.com", c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			return errors.New("SMTP_URL: must look like smtp://user:pass@host:587 or smtps://user:pass@host:465")
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		return fmt.Errorf("PLUTOPRO_MAIL_FROM: %q is not an email address", c.MailFrom)
	}
	switch c.LLM {
	case "", "offline":
	case "anthropic":
		if c.AnthropicAPIKey == "" {
			return errors.New("PLUTOPRO_LLM=anthropic needs ANTHROPIC_API_KEY")
		}
	case "openai":
		if c.OpenAIBaseURL == "" {
			return errors.New("PLUTOPRO_LLM=openai needs OPENAI_BASE_URL (e.g. http://127.0.0.1:11434/v1 for Ollama)")
		}
	default:
		return fmt.Errorf("PLUTOPRO_LLM: %q must be offline, anthropic or openai", c.LLM)
	}
	for _, u := range []struct{ env, val string }{{"ANTHROPIC_BASE_URL", c.AnthropicBaseURL}, {"OPENAI_BASE_URL", c.OpenAIBaseURL}} {
		if u.val == "" {
			continue
		}
		pu, err := url.Parse(u.val)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return fmt.Errorf("%s: must be an http(s) URL", u.env)
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("PLUTOPRO_LOG_FORMAT: %q must be json or text", c.LogFormat)
	}
	return nil
}

// StoreOptions says which database to open.
func (c *Config) StoreOptions() store.Options {
	return store.Options{URL: c.DatabaseURL, DataDir: c.DataDir}
}

func countSet(vs ...string) int {
	n := 0
	for _, v := range vs {
		if v != "" {
			n++
		}
	}
	return n
}
