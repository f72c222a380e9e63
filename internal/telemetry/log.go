// Package telemetry holds PlutoPro's observability plumbing: structured
// logging with secret redaction, the HTTP access log, panic recovery,
// Prometheus metrics and the health endpoint.
//
// It is a leaf package: it imports no domain package.
package telemetry

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// Log formats accepted by NewLogger and ParseFormat.
const (
	FormatJSON = "json" // one JSON object per line; the production default
	FormatText = "text" // slog's key=value text format, for terminals
)

// Redacted replaces the value of any attribute whose key looks secret.
const Redacted = "[redacted]"

// NewLogger returns a logger writing records at level or above to w in the
// given format (FormatJSON or FormatText; anything else means JSON). Times
// are written in UTC, and attributes whose key looks secret (password, token,
// secret, authorization, cookie, api_key, key, ...) are replaced by Redacted,
// as are secret-looking entries of logged http.Header, url.Values and
// *url.URL values.
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: replaceAttr}
	if strings.EqualFold(strings.TrimSpace(format), FormatText) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// ParseLevel parses a log level name: debug, info, warn (or warning) or
// error, case-insensitive, optionally with an offset such as "info+2".
func ParseLevel(s string) (slog.Level, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "warning") {
		return slog.LevelWarn, nil
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("telemetry: unknown log level %q (want debug, info, warn or error)", s)
	}
	return l, nil
}

// ParseFormat parses a log format name, case-insensitive, and returns
// FormatJSON or FormatText.
func ParseFormat(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case FormatJSON:
		return FormatJSON, nil
	case FormatText:
		return FormatText, nil
	}
	return "", fmt.Errorf("telemetry: unknown log format %q (want json or text)", s)
}

// replaceAttr is the HandlerOptions.ReplaceAttr of every logger built by
// NewLogger.
func replaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
		a.Value = slog.TimeValue(a.Value.Time().UTC())
		return a
	}
	if len(groups) == 0 && (a.Key == slog.LevelKey || a.Key == slog.MessageKey || a.Key == slog.SourceKey) {
		return a
	}
	if secretKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	for _, g := range groups {
		if secretKey(g) {
			return slog.String(a.Key, Redacted)
		}
	}
	if a.Value.Kind() == slog.KindAny {
		switch v := a.Value.Any().(type) {
		case http.Header:
			a.Value = slog.AnyValue(redactHeader(v))
		case url.Values:
			a.Value = slog.AnyValue(redactValues(v))
		case *url.URL:
			if v != nil {
				a.Value = slog.StringValue(redactURL(v))
			}
		case url.URL:
			a.Value = slog.StringValue(redactURL(&v))
		}
	}
	return a
}

// secretKey reports whether an attribute key, header name or query
// parameter looks like it names a secret. The key is split into words at
// punctuation and camelCase boundaries. Any word containing password,
// passwd, passphrase, secret, cookie, authorization or credential makes
// it secret, and so does a last word of key, apikey, token (or any word
// ending in token), jwt or bearer. So "api_key", "accessToken", "Set-Cookie"
// and "password_hash" are secret, while "key_id" and "input_tokens" are not.
func secretKey(key string) bool {
	words := keyWords(key)
	for _, w := range words {
		for _, s := range [...]string{"password", "passwd", "passphrase", "secret", "cookie", "authorization", "credential"} {
			if strings.Contains(w, s) {
				return true
			}
		}
	}
	if len(words) == 0 {
		return false
	}
	switch last := words[len(words)-1]; {
	case last == "key", last == "apikey", last == "privatekey", last == "jwt", last == "bearer":
		return true
	case strings.HasSuffix(last, "token"):
		return true
	}
	return false
}

// keyWords splits key into lower-case words at non-alphanumeric runes and
// at lower-to-upper case transitions.
func keyWords(key string) []string {
	var words []string
	var b strings.Builder
	prevLower := false
	flush := func() {
		if b.Len() > 0 {
			words = append(words, strings.ToLower(b.String()))
			b.Reset()
		}
	}
	for _, r := range key {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		b.WriteRune(r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return words
}

func redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		if secretKey(k) || strings.EqualFold(k, "Proxy-Authorization") {
			out[k] = []string{Redacted}
			continue
		}
		out[k] = v
	}
	return out
}

func redactValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		if secretKey(k) {
			out[k] = []string{Redacted}
			continue
		}
		out[k] = v
	}
	return out
}

func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), Redacted)
		}
	}
	if c.RawQuery != "" {
		c.RawQuery = redactValues(c.Query()).Encode()
	}
	return c.String()
}
