package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/plutopro/plutopro/internal/catalog"
	"github.com/plutopro/plutopro/internal/connect"
)

// bulkOperation is what the client reads of a BulkOperation.
type bulkOperation struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	ErrorCode       *string `json:"errorCode"`
	ObjectCount     string  `json:"objectCount"` // UnsignedInt64, a string on the wire
	RootObjectCount string  `json:"rootObjectCount"`
	URL             *string `json:"url"`
	PartialDataURL  *string `json:"partialDataUrl"`
}

// ListAllBulk reads every product of the store with a bulk operation:
// it starts bulkOperationRunQuery on the products query, polls
// currentBulkOperation every BulkPollInterval until it completes, then
// downloads the JSONL result (variants and media come as their own lines
// with __parentId, after their product) and assembles the products, in
// the store's order, each once.
//
// Shopify runs one bulk query per app and shop at a time: if one is
// already running, the client adopts it when it is this same query and
// otherwise waits for it to end and starts its own.
func (c *Client) ListAllBulk(ctx context.Context, cr *connect.Credentials) ([]*catalog.Product, error) {
	op, err := c.startBulk(ctx, cr)
	if err != nil {
		return nil, err
	}
	done, err := c.waitBulk(ctx, cr, op.ID)
	if err != nil {
		return nil, err
	}
	if done.URL == nil || *done.URL == "" { // no objects
		return []*catalog.Product{}, nil
	}
	return c.downloadBulk(ctx, *done.URL)
}

func (c *Client) startBulk(ctx context.Context, cr *connect.Credentials) (*bulkOperation, error) {
	const op = "PlutoProBulkRun"
	for try := 0; ; try++ {
		var data struct {
			Run struct {
				BulkOperation *bulkOperation `json:"bulkOperation"`
				UserErrors    []userError    `json:"userErrors"`
			} `json:"bulkOperationRunQuery"`
		}
		if err := c.graphql(ctx, cr, op, bulkRunMutation, map[string]any{"query": bulkProductsQuery}, &data); err != nil {
			return nil, err
		}
		ue := data.Run.UserErrors
		if len(ue) == 0 && data.Run.BulkOperation != nil {
			return data.Run.BulkOperation, nil
		}
		if len(ue) == 0 || ue[0].Code != "OPERATION_IN_PROGRESS" || try >= 2 {
			if err := userErrorsErr(op, ue); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("shopify: %s: no bulk operation in the answer", op)
		}
		// Another bulk query is running: ours, if a retried start went
		// through after all, or someone else's.
		cur, err := c.currentBulk(ctx, cr)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			continue
		}
		if cur.query == bulkProductsQuery {
			return &cur.bulkOperation, nil
		}
		if _, err := c.waitBulk(ctx, cr, cur.ID); err != nil && !errors.Is(err, errBulkEnded) {
			return nil, err
		}
	}
}

type currentBulk struct {
	bulkOperation
	query string
}

func (c *Client) currentBulk(ctx context.Context, cr *connect.Credentials) (*currentBulk, error) {
	var data struct {
		Current *struct {
			bulkOperation
			Query string `json:"query"`
		} `json:"currentBulkOperation"`
	}
	if err := c.graphql(ctx, cr, "PlutoProBulkCurrent", bulkCurrentQuery, nil, &data); err != nil {
		return nil, err
	}
	if data.Current == nil {
		return nil, nil
	}
	return &currentBulk{bulkOperation: data.Current.bulkOperation, query: data.Current.Query}, nil
}

// errBulkEnded: the bulk operation ended without completing.
var errBulkEnded = errors.New("shopify: the bulk operation did not complete")

// waitBulk polls until the bulk operation id is no longer running.
func (c *Client) waitBulk(ctx context.Context, cr *connect.Credentials, id string) (*bulkOperation, error) {
	for {
		cur, err := c.currentBulk(ctx, cr)
		if err != nil {
			return nil, err
		}
		if cur == nil || cur.ID != id {
			return nil, fmt.Errorf("shopify: bulk operation %s is no longer the current one: %w", id, errBulkEnded)
		}
		switch cur.Status {
		case "COMPLETED":
			return &cur.bulkOperation, nil
		case "FAILED", "CANCELED", "EXPIRED":
			code := ""
			if cur.ErrorCode != nil {
				code = *cur.ErrorCode
			}
			return nil, fmt.Errorf("shopify: bulk operation %s: %w", id, errors.Join(errBulkEnded, &connect.StoreError{
				Platform: connect.Shopify, Status: http.StatusOK, Code: code,
				Message:   "bulk operation " + strings.ToLower(cur.Status),
				Retryable: code == "INTERNAL_SERVER_ERROR" || code == "TIMEOUT",
			}))
		}
		if err := c.sleep(ctx, c.opts.BulkPollInterval); err != nil {
			return nil, fmt.Errorf("shopify: bulk operation %s: %w", id, err)
		}
	}
}

// downloadBulk reads a bulk result. The URL is signed: no token is sent
// with it and it never appears in errors. A download cut short is started
// again, up to MaxAttempts times.
func (c *Client) downloadBulk(ctx context.Context, url string) ([]*catalog.Product, error) {
	const op = "bulk result"
	var lastErr error
	for attempt := 1; attempt <= c.opts.MaxAttempts; attempt++ {
		if attempt > 1 {
			if err := c.sleep(ctx, backoff(attempt-1, 0)); err != nil {
				return nil, fmt.Errorf("shopify: %s: %w", op, err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, fmt.Errorf("shopify: %s: bad URL", op)
		}
		req.Header.Set("User-Agent", c.opts.UserAgent)
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("shopify: %s: %w", op, ctx.Err())
			}
			lastErr = redactURL(err)
			continue
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			lastErr = &connect.StoreError{Platform: connect.Shopify, Status: resp.StatusCode,
				Message: "bulk result download: " + http.StatusText(resp.StatusCode), Retryable: resp.StatusCode >= 500}
			if resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
				break
			}
			continue
		}
		products, err := assembleBulk(resp.Body)
		resp.Body.Close()
		if err == nil {
			return products, nil
		}
		var bad *badBulkLine
		if errors.As(err, &bad) {
			return nil, fmt.Errorf("shopify: %s: %w", op, err)
		}
		lastErr = err
	}
	return nil, fmt.Errorf("shopify: %s: %w", op, lastErr)
}

// badBulkLine is a result that cannot be read (as opposed to a download
// cut short).
type badBulkLine struct {
	line int
	why  string
}

func (e *badBulkLine) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.why) }

// assembleBulk reads JSONL: product lines, then (after each product) its
// variant and media lines carrying __parentId.
func assembleBulk(r io.Reader) ([]*catalog.Product, error) {
	dec := json.NewDecoder(r)
	var (
		order []*wireProduct
		byID  = map[string]*wireProduct{}
	)
	for n := 1; ; n++ {
		var line json.RawMessage
		if err := dec.Decode(&line); err == io.EOF {
			break
		} else if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return nil, &badBulkLine{line: n, why: err.Error()}
			}
			return nil, err // a read error: the download was cut short
		}
		var head struct {
			ID               string `json:"id"`
			ParentID         string `json:"__parentId"`
			MediaContentType string `json:"mediaContentType"`
		}
		if err := json.Unmarshal(line, &head); err != nil || head.ID == "" {
			return nil, &badBulkLine{line: n, why: "no id"}
		}
		if head.ParentID == "" {
			if byID[head.ID] != nil {
				continue // each product once
			}
			p, err := decodeProduct(line)
			if err != nil {
				return nil, &badBulkLine{line: n, why: err.Error()}
			}
			byID[p.ID] = p
			order = append(order, p)
			continue
		}
		parent := byID[head.ParentID]
		if parent == nil {
			return nil, &badBulkLine{line: n, why: "child of unknown parent " + head.ParentID}
		}
		switch {
		case head.MediaContentType != "":
			var m wireMedia
			if err := json.Unmarshal(line, &m); err != nil {
				return nil, &badBulkLine{line: n, why: err.Error()}
			}
			parent.Media.Nodes = append(parent.Media.Nodes, m)
		case strings.Contains(head.ID, "/ProductVariant/"):
			var v wireVariant
			if err := json.Unmarshal(line, &v); err != nil {
				return nil, &badBulkLine{line: n, why: err.Error()}
			}
			parent.Variants.Nodes = append(parent.Variants.Nodes, v)
		}
	}
	out := make([]*catalog.Product, len(order))
	for i, p := range order {
		out[i] = p.catalog()
	}
	return out, nil
}
