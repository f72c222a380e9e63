package amazon

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding/htmlindex"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
)

// listingsReport is the report type that lists every SKU of a seller.
const listingsReport = "GET_MERCHANT_LISTINGS_ALL_DATA"

// cursor is where a listing stands: the report being processed, or the
// report document and the offset of the next SKU.
type cursor struct {
	V      int    `json:"v"`
	Report string `json:"r,omitempty"`
	Doc    string `json:"d,omitempty"`
	Offset int    `json:"o,omitempty"`
}

func (cu cursor) encode() string {
	cu.V = 1
	b, _ := json.Marshal(cu)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = errors.New("amazon: the listing cursor is not valid")

func decodeCursor(s string) (cursor, error) {
	var cu cursor
	if s == "" {
		return cu, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &cu) != nil || cu.V != 1 || cu.Offset < 0 || (cu.Report == "" && cu.Doc == "") {
		return cursor{}, errBadCursor
	}
	return cu, nil
}

// ListProducts returns one page of the seller's listings (see the package
// documentation for the report and the cursor).
func (c *Client) ListProducts(ctx context.Context, cr *connect.Credentials, cursorText string) (*connect.Page, error) {
	if err := c.checkCredentials(cr); err != nil {
		return nil, err
	}
	cu, err := decodeCursor(cursorText)
	if err != nil {
		return nil, err
	}
	if cu.Doc == "" {
		if cu.Report == "" {
			if cu.Report, err = c.createReport(ctx, cr); err != nil {
				return nil, err
			}
		}
		doc, err := c.waitReport(ctx, cr, cu.Report)
		if err != nil {
			return nil, err
		}
		if doc == noListings {
			return &connect.Page{Products: nil, Total: 0}, nil
		}
		if doc == "" { // still processing: come back later
			return &connect.Page{Next: cursor{Report: cu.Report}.encode(), Total: -1}, nil
		}
		cu = cursor{Doc: doc}
	}
	skus, err := c.reportSKUs(ctx, cr, cu.Doc)
	if err != nil {
		return nil, err
	}
	if cu.Offset > len(skus) {
		return nil, errBadCursor
	}
	end := min(cu.Offset+c.o.PageSize, len(skus))
	products, err := c.fetchMany(ctx, cr, skus[cu.Offset:end])
	if err != nil {
		return nil, err
	}
	page := &connect.Page{Products: products, Total: len(skus)}
	if end < len(skus) {
		page.Next = cursor{Doc: cu.Doc, Offset: end}.encode()
	}
	return page, nil
}

// createReport asks for the listings report of the marketplace.
func (c *Client) createReport(ctx context.Context, cr *connect.Credentials) (string, error) {
	var out struct {
		ReportID string `json:"reportId"`
	}
	err := c.do(ctx, cr, request{op: "createReport", method: http.MethodPost, path: "/reports/2021-06-30/reports",
		body: map[string]any{"reportType": listingsReport, "marketplaceIds": []string{c.marketplace(cr)}}}, &out)
	if err != nil {
		return "", err
	}
	if out.ReportID == "" {
		return "", &connect.StoreError{Platform: connect.Amazon, Status: http.StatusAccepted, Message: "createReport answered no reportId"}
	}
	return out.ReportID, nil
}

// waitReport polls getReport until the report is DONE (its document id),
// for at most ReportWait ("" when it is still processing then).
func (c *Client) waitReport(ctx context.Context, cr *connect.Credentials, id string) (string, error) {
	polls := max(1, int(c.o.ReportWait/c.o.ReportPollInterval))
	for i := 0; ; i++ {
		var rep struct {
			ProcessingStatus string `json:"processingStatus"`
			ReportDocumentID string `json:"reportDocumentId"`
		}
		err := c.do(ctx, cr, request{op: "getReport", method: http.MethodGet, path: "/reports/2021-06-30/reports/" + url.PathEscape(id)}, &rep)
		var se *connect.StoreError
		if errors.As(err, &se) && se.Status == http.StatusNotFound {
			return "", &connect.StoreError{Platform: connect.Amazon, Status: se.Status, Code: se.Code,
				Message: "the listings report is no longer available; start the listing again"}
		}
		if err != nil {
			return "", err
		}
		switch rep.ProcessingStatus {
		case "DONE":
			if rep.ReportDocumentID == "" {
				return "", &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Code: "DONE", Message: "the listings report is done but has no document"}
			}
			return rep.ReportDocumentID, nil
		case "CANCELLED":
			// Amazon cancels a listings report when there is nothing to
			// report: a seller with no listings yet.
			return noListings, nil
		case "FATAL":
			return "", &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Code: rep.ProcessingStatus,
				Message: fmt.Sprintf("Amazon could not make the listings report (%s)", rep.ProcessingStatus), Retryable: rep.ProcessingStatus == "FATAL"}
		case "IN_QUEUE", "IN_PROGRESS":
		default:
			return "", &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Message: fmt.Sprintf("unknown report status %q", rep.ProcessingStatus)}
		}
		if i+1 >= polls {
			return "", nil
		}
		t := time.NewTimer(c.o.ReportPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

// noListings stands for a report Amazon cancelled for want of data.
const noListings = "\x00no-listings"

// reportSKUs returns the SKUs of a report document, from the cache or by
// downloading it.
func (c *Client) reportSKUs(ctx context.Context, cr *connect.Credentials, doc string) ([]string, error) {
	key := cr.Account + "\x00" + doc
	if skus, ok := c.skus.get(key, c.now()); ok {
		return skus, nil
	}
	var d struct {
		URL                  string `json:"url"`
		CompressionAlgorithm string `json:"compressionAlgorithm"`
	}
	err := c.do(ctx, cr, request{op: "getReportDocument", method: http.MethodGet, path: "/reports/2021-06-30/documents/" + url.PathEscape(doc)}, &d)
	var se *connect.StoreError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil, &connect.StoreError{Platform: connect.Amazon, Status: se.Status, Code: se.Code,
			Message: "the listings report is no longer available; start the listing again"}
	}
	if err != nil {
		return nil, err
	}
	if d.URL == "" {
		return nil, &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Message: "getReportDocument answered no url"}
	}
	skus, err := c.download(ctx, d.URL, d.CompressionAlgorithm)
	if err != nil {
		return nil, err
	}
	c.skus.put(key, skus, c.now())
	return skus, nil
}

// download fetches a report document from its presigned URL (no access
// token goes there) and reads its SKUs, retrying failed and dropped
// downloads.
func (c *Client) download(ctx context.Context, u, compression string) ([]string, error) {
	for attempt := 0; ; attempt++ {
		skus, retry, err := c.downloadOnce(ctx, u, compression)
		if err == nil {
			return skus, nil
		}
		if !retry || attempt >= c.o.MaxRetries || ctx.Err() != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if err := c.backoff(ctx, attempt, 0); err != nil {
			return nil, err
		}
	}
}

func (c *Client) downloadOnce(ctx context.Context, u, compression string) (skus []string, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, fmt.Errorf("amazon: report download: %w", sanitize(err))
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("amazon: report download: %w", sanitize(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil, resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests,
			&connect.StoreError{Platform: connect.Amazon, Status: resp.StatusCode, Message: "the listings report could not be downloaded",
				Retryable: resp.StatusCode >= 500}
	}
	var r io.Reader = resp.Body
	if strings.EqualFold(compression, "GZIP") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, true, fmt.Errorf("amazon: report download: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	skus, err = parseReport(r, resp.Header.Get("Content-Type"))
	if err != nil {
		var se *connect.StoreError
		return nil, !errors.As(err, &se), err
	}
	return skus, false, nil
}

// parseReport reads the seller-sku column of a tab-separated listings
// report, in order and without repeats. Text in another charset than
// UTF-8 (Amazon's NA reports are Cp1252, JP ones Shift_JIS) is decoded by
// the charset of contentType.
func parseReport(r io.Reader, contentType string) ([]string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var dec func(string) string
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
			if enc, err := htmlindex.Get(cs); err == nil {
				d := enc.NewDecoder()
				dec = func(s string) string {
					if isASCII(s) {
						return s
					}
					if out, err := d.String(s); err == nil {
						return out
					}
					return s
				}
			}
		}
	}
	col := -1
	var skus []string
	seen := map[string]bool{}
	for line := 0; ; line++ {
		text, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("amazon: report download: %w", err)
		}
		text = strings.TrimRight(text, "\r\n")
		if line == 0 {
			text = strings.TrimPrefix(text, "\ufeff")
			for i, h := range strings.Split(text, "\t") {
				switch strings.ToLower(strings.TrimSpace(h)) {
				case "seller-sku", "sku":
					if col < 0 {
						col = i
					}
				}
			}
			if col < 0 {
				return nil, &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Message: "the listings report has no seller-sku column"}
			}
		} else if text != "" {
			fields := strings.Split(text, "\t")
			if col < len(fields) {
				sku := strings.TrimSpace(fields[col])
				if dec != nil {
					sku = dec(sku)
				}
				if sku != "" && !seen[sku] {
					seen[sku] = true
					skus = append(skus, sku)
				}
			}
		}
		if err == io.EOF {
			break
		}
	}
	if col < 0 {
		return nil, &connect.StoreError{Platform: connect.Amazon, Status: http.StatusOK, Message: "the listings report is empty"}
	}
	return skus, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fetchMany reads SKUs, Concurrency at a time, in order; SKUs gone since
// the report are left out.
func (c *Client) fetchMany(ctx context.Context, cr *connect.Credentials, skus []string) ([]*catalog.Product, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([]*catalog.Product, len(skus))
	sem := make(chan struct{}, c.o.Concurrency)
	var wg sync.WaitGroup
	for i, sku := range skus {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p, err := c.FetchProduct(ctx, cr, sku)
			switch {
			case errors.Is(err, connect.ErrNotFound):
			case err != nil:
				cancel(err)
			default:
				out[i] = p
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	products := out[:0]
	for _, p := range out {
		if p != nil {
			products = append(products, p)
		}
	}
	return products, nil
}

// skuCache keeps the SKUs of recent report documents, so the pages of one
// listing download the report once.
type skuCache struct {
	mu sync.Mutex
	m  map[string]skuEntry
}

type skuEntry struct {
	skus []string
	at   time.Time
}

const (
	skuCacheSize = 16
	skuCacheTTL  = 6 * time.Hour
)

func newSKUCache() *skuCache { return &skuCache{m: map[string]skuEntry{}} }

func (sc *skuCache) get(key string, now time.Time) ([]string, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, ok := sc.m[key]
	if !ok || now.Sub(e.at) > skuCacheTTL {
		return nil, false
	}
	return e.skus, true
}

func (sc *skuCache) put(key string, skus []string, now time.Time) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.m) >= skuCacheSize {
		oldest := ""
		for k, e := range sc.m {
			if oldest == "" || e.at.Before(sc.m[oldest].at) {
				oldest = k
			}
		}
		delete(sc.m, oldest)
	}
	sc.m[key] = skuEntry{skus: skus, at: now}
}
