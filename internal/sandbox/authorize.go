package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Authorize opens a sandbox store's authorization URL as a seller's
// browser would, consents (the fakes consent at once), and returns the
// query the store sends back to PlutoPro's callback, without following the
// redirect. Only loopback URLs are opened: this never reaches a real store.
func Authorize(ctx context.Context, authURL string) (url.Values, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return nil, fmt.Errorf("sandbox: authorization URL: %w", err)
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return nil, fmt.Errorf("sandbox: %s is not a sandbox store (loopback only)", u.Host)
	}
	client := &http.Client{
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sandbox: the sandbox store is not answering (is `plutopro serve --sandbox` running?): %w", errors.Unwrap(err))
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		return nil, fmt.Errorf("sandbox: the store answered %s instead of sending the seller back", resp.Status)
	}
	back, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("sandbox: the store's redirect: %w", err)
	}
	return back.Query(), nil
}
