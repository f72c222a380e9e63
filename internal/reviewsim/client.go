package reviewsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Client calls PlutoPro's JSON API (/api/v1) with one bearer token. It
// knows only the wire format: nothing here reads the app's packages.
type Client struct {
	HTTP    *http.Client // nil: http.DefaultClient
	BaseURL string       // e.g. http://127.0.0.1:8080
	Token   string
	// Poll is how often Wait* look again (default 50 ms).
	Poll time.Duration
}

// APIError is an answer other than 2xx.
type APIError struct {
	Method, Path string
	Status       int
	Code         string
	Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// Brand is a brand as the API shows it (the fields the simulation reads).
type Brand struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Language string `json:"language"`
}

// Import is a catalog import's progress.
type Import struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Created  int    `json:"created"`
	Updated  int    `json:"updated"`
	Rejected int    `json:"rejected"`
	Error    string `json:"error"`
}

// Product is one product of a list.
type Product struct {
	ID          string   `json:"id"`
	Handle      string   `json:"handle"`
	Title       string   `json:"title"`
	Vendor      string   `json:"vendor"`
	ProductType string   `json:"product_type"`
	Tags        []string `json:"tags"`
}

// Generation is a generation's progress.
type Generation struct {
	ID       string   `json:"id"`
	Channel  string   `json:"channel"`
	Fields   []string `json:"fields"`
	Status   string   `json:"status"`
	Products int      `json:"products"`
	Done     int      `json:"done"`
	Failed   int      `json:"failed"`
	Drafts   int      `json:"drafts"`
	Invalid  int      `json:"invalid"`
	Error    string   `json:"error"`
}

// Violation is a channel rule a draft breaks.
type Violation struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Draft is one version of one field of one product.
type Draft struct {
	ID           string      `json:"id"`
	ProductID    string      `json:"product_id"`
	GenerationID string      `json:"generation_id"`
	Channel      string      `json:"channel"`
	Field        string      `json:"field"`
	Version      int         `json:"version"`
	Current      bool        `json:"current"`
	Body         string      `json:"body"`
	Status       string      `json:"status"`
	Provider     string      `json:"provider"`
	Violations   []Violation `json:"violations"`
}

// MemoryItem is one thing a brand's reviews taught.
type MemoryItem struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	Scope      string  `json:"scope"`
	Line       string  `json:"line"`
	Support    int     `json:"support"`
	Against    int     `json:"against"`
	Confidence float64 `json:"confidence"`
	Status     string  `json:"status"`
	Applies    bool    `json:"applies"`
}

// Memory is a brand's memory.
type Memory struct {
	Items   []MemoryItem      `json:"items"`
	History []json.RawMessage `json:"history"`
}

// Applied counts the items that apply to new drafts.
func (m *Memory) Applied() int {
	n := 0
	for _, it := range m.Items {
		if it.Applies {
			n++
		}
	}
	return n
}

func (c *Client) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
			e.Error.Message = strings.TrimSpace(string(data))
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode %.200q: %w", method, path, data, err)
	}
	return nil
}

func (c *Client) doJSON(ctx context.Context, method, path string, in, out any) error {
	if in == nil {
		return c.do(ctx, method, path, "", nil, out)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.do(ctx, method, path, "application/json", bytes.NewReader(b), out)
}

func (c *Client) poll() time.Duration {
	if c.Poll > 0 {
		return c.Poll
	}
	return 50 * time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CreateBrand creates a brand. fields are extra brand fields (voice,
// language, …); may be nil.
func (c *Client) CreateBrand(ctx context.Context, name string, fields map[string]any) (*Brand, error) {
	in := map[string]any{"name": name}
	for k, v := range fields {
		in[k] = v
	}
	var b Brand
	if err := c.doJSON(ctx, "POST", "/api/v1/brands", in, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Import uploads a product CSV file and waits for the import to end.
func (c *Client) Import(ctx context.Context, brandID, path string) (*Import, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", filepath.Base(path))
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(part, f); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	var im Import
	base := "/api/v1/brands/" + url.PathEscape(brandID) + "/imports"
	if err := c.do(ctx, "POST", base, mw.FormDataContentType(), &buf, &im); err != nil {
		return nil, err
	}
	for im.Status != "done" && im.Status != "failed" {
		if err := sleep(ctx, c.poll()); err != nil {
			return nil, err
		}
		if err := c.doJSON(ctx, "GET", base+"/"+url.PathEscape(im.ID), nil, &im); err != nil {
			return nil, err
		}
	}
	if im.Status == "failed" {
		return &im, fmt.Errorf("import of %s failed: %s", filepath.Base(path), im.Error)
	}
	return &im, nil
}

// Products lists every product of a brand, in the API's order.
func (c *Client) Products(ctx context.Context, brandID string) ([]Product, error) {
	var all []Product
	cursor := ""
	for {
		q := url.Values{"limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Products   []Product `json:"products"`
			NextCursor string    `json:"next_cursor"`
		}
		if err := c.doJSON(ctx, "GET", "/api/v1/brands/"+url.PathEscape(brandID)+"/products?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Products...)
		if page.NextCursor == "" {
			return all, nil
		}
		cursor = page.NextCursor
	}
}

// Generate starts a generation for some products and fields of a channel
// and waits for it to finish.
func (c *Client) Generate(ctx context.Context, brandID, channel string, fields, productIDs []string) (*Generation, error) {
	in := map[string]any{"channel": channel, "fields": fields, "product_ids": productIDs}
	var g Generation
	base := "/api/v1/brands/" + url.PathEscape(brandID) + "/generations"
	if err := c.doJSON(ctx, "POST", base, in, &g); err != nil {
		return nil, err
	}
	for g.Status != "done" && g.Status != "canceled" {
		if err := sleep(ctx, c.poll()); err != nil {
			return nil, err
		}
		if err := c.doJSON(ctx, "GET", base+"/"+url.PathEscape(g.ID), nil, &g); err != nil {
			return nil, err
		}
	}
	if g.Status != "done" {
		return &g, fmt.Errorf("generation %s ended %s", g.ID, g.Status)
	}
	return &g, nil
}

// Drafts returns a product's current drafts for a channel.
func (c *Client) Drafts(ctx context.Context, brandID, productID, channel string) ([]Draft, error) {
	q := url.Values{"product_id": {productID}, "channel": {channel}}
	var out struct {
		Drafts []Draft `json:"drafts"`
	}
	if err := c.doJSON(ctx, "GET", "/api/v1/brands/"+url.PathEscape(brandID)+"/drafts?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return out.Drafts, nil
}

// Approve approves a draft as it is.
func (c *Client) Approve(ctx context.Context, draftID string) (*Draft, error) {
	var d Draft
	if err := c.doJSON(ctx, "POST", "/api/v1/drafts/"+url.PathEscape(draftID)+"/approve", nil, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Edit saves the reviewer's text as a new version, approved when asked,
// and returns that version.
func (c *Client) Edit(ctx context.Context, draftID, body string, approve bool) (*Draft, error) {
	var d Draft
	in := map[string]any{"body": body, "approve": approve}
	if err := c.doJSON(ctx, "POST", "/api/v1/drafts/"+url.PathEscape(draftID)+"/edit", in, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Memory returns a brand's memory.
func (c *Client) Memory(ctx context.Context, brandID string) (*Memory, error) {
	var m Memory
	if err := c.doJSON(ctx, "GET", "/api/v1/brands/"+url.PathEscape(brandID)+"/memory", nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}
