package amazonfake

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report types the fake can make; both list the seller's listings (the
// second only the active ones).
const (
	ReportAllListings    = "GET_MERCHANT_LISTINGS_ALL_DATA"
	ReportActiveListings = "GET_MERCHANT_LISTINGS_DATA"
)

// DocumentURLTTL is how long a report document's download URL works, as
// Amazon's presigned URLs.
const DocumentURLTTL = 5 * time.Minute

type report struct {
	id           string
	typ          string
	marketplaces []string
	created      time.Time
	outcome      string // DONE, FATAL or CANCELLED once processed
	doc          *document
}

type document struct {
	id      string
	content []byte // tab-separated text, before compression
}

// reportColumns are the columns of GET_MERCHANT_LISTINGS_ALL_DATA.
var reportColumns = []string{
	"item-name", "item-description", "listing-id", "seller-sku", "price", "quantity", "open-date", "image-url",
	"item-is-marketplace", "product-id-type", "zshop-shipping-fee", "item-note", "item-condition", "zshop-category1",
	"zshop-browse-path", "zshop-storefront-feature", "asin1", "asin2", "asin3", "will-ship-internationally",
	"expedited-shipping", "zshop-boldface", "product-id", "bid-for-featured-placement", "add-delete",
	"pending-quantity", "fulfillment-channel", "merchant-shipping-group", "status",
}

// FailNextReport makes the next report created end with status (FATAL or
// CANCELLED) instead of DONE.
func (s *Server) FailNextReport(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes = append(s.outcomes, status)
}

// ReportDocument returns the text of a report document (uncompressed).
func (s *Server) ReportDocument(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[id]
	if !ok {
		return "", false
	}
	return string(d.content), true
}

// createReport: POST /reports/2021-06-30/reports. The listings are read
// when the report is created.
func (s *Server) createReport(w http.ResponseWriter, r *http.Request, c *call) {
	body := c.body.(map[string]any)
	typ, _ := body["reportType"].(string)
	if typ != ReportAllListings && typ != ReportActiveListings {
		writeErrors(w, http.StatusBadRequest, "InvalidInput", "Invalid input.", fmt.Sprintf("The reportType %s is not supported.", typ))
		return
	}
	var mps []string
	for _, m := range body["marketplaceIds"].([]any) {
		mps = append(mps, m.(string))
	}
	if !slices.Contains(mps, s.opts.MarketplaceID) {
		writeErrors(w, http.StatusBadRequest, "InvalidInput", "Invalid input.", fmt.Sprintf("The seller does not participate in marketplace(s) %s.", strings.Join(mps, ",")))
		return
	}
	s.mu.Lock()
	s.nextReport++
	rep := &report{id: strconv.FormatInt(s.nextReport, 10), typ: typ, marketplaces: mps, created: s.now().UTC(), outcome: "DONE"}
	if len(s.outcomes) > 0 {
		rep.outcome, s.outcomes = s.outcomes[0], s.outcomes[1:]
	}
	if rep.outcome == "DONE" {
		h := s.randStringLocked(32, hexs)
		rep.doc = &document{
			id:      "amzn1.spdoc.1.4.na." + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:],
			content: s.reportContentLocked(typ == ReportActiveListings),
		}
		s.docs[rep.doc.id] = rep.doc
	}
	s.reports[rep.id] = rep
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]any{"reportId": rep.id})
}

// reportContentLocked writes the listings as a tab-separated report.
func (s *Server) reportContentLocked(activeOnly bool) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(reportColumns, "\t"))
	b.WriteString("\n")
	clean := strings.NewReplacer("\t", " ", "\r", " ", "\n", " ")
	for i, sku := range s.order {
		l := s.listings[sku]
		active := slices.Contains(l.Status, "BUYABLE")
		if activeOnly && !active {
			continue
		}
		status := "Inactive"
		if active {
			status = "Active"
		}
		image := ""
		if l.MainImage != nil {
			image = l.MainImage.Link
		}
		row := map[string]string{
			"item-name":           l.Text("item_name"),
			"item-description":    cut(l.Text("product_description"), 500),
			"listing-id":          fmt.Sprintf("%04d%s", i+1, strings.ToUpper(l.ASIN[2:])),
			"seller-sku":          l.SKU,
			"price":               l.Price,
			"quantity":            strconv.Itoa(l.Quantity),
			"open-date":           l.CreatedAt.UTC().Format("2006-01-02 15:04:05 MST"),
			"image-url":           image,
			"item-is-marketplace": "y",
			"product-id-type":     "1",
			"item-condition":      "11",
			"asin1":               l.ASIN,
			"product-id":          l.ASIN,
			"fulfillment-channel": "DEFAULT",
			"status":              status,
		}
		vals := make([]string, len(reportColumns))
		for j, col := range reportColumns {
			vals[j] = clean.Replace(row[col])
		}
		b.WriteString(strings.Join(vals, "\t"))
		b.WriteString("\n")
	}
	return b.Bytes()
}

// processingStatus is where a report stands at now.
func (s *Server) processingStatus(rep *report, now time.Time) string {
	age := now.Sub(rep.created)
	switch d := s.opts.ReportDelay; {
	case age >= d:
		return rep.outcome
	case age < d/2:
		return "IN_QUEUE"
	default:
		return "IN_PROGRESS"
	}
}

// getReport: GET /reports/2021-06-30/reports/{reportId}.
func (s *Server) getReport(w http.ResponseWriter, r *http.Request, c *call) {
	s.mu.Lock()
	rep, ok := s.reports[r.PathValue("reportId")]
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, "NotFound", "The report does not exist.", "")
		return
	}
	now := s.now().UTC()
	status := s.processingStatus(rep, now)
	out := map[string]any{
		"reportId":         rep.id,
		"reportType":       rep.typ,
		"marketplaceIds":   rep.marketplaces,
		"createdTime":      rep.created.Format(time.RFC3339),
		"processingStatus": status,
	}
	if status != "IN_QUEUE" {
		out["processingStartTime"] = rep.created.Add(s.opts.ReportDelay / 2).Format(time.RFC3339)
	}
	if status != "IN_QUEUE" && status != "IN_PROGRESS" {
		out["processingEndTime"] = rep.created.Add(s.opts.ReportDelay).Format(time.RFC3339)
	}
	if status == "DONE" && rep.doc != nil {
		out["reportDocumentId"] = rep.doc.id
	}
	writeJSON(w, http.StatusOK, out)
}

// getReportDocument: GET /reports/2021-06-30/documents/{reportDocumentId}:
// a download URL valid DocumentURLTTL.
func (s *Server) getReportDocument(w http.ResponseWriter, r *http.Request, c *call) {
	id := r.PathValue("reportDocumentId")
	s.mu.Lock()
	_, ok := s.docs[id]
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, "NotFound", "The report document does not exist.", "")
		return
	}
	expires := s.now().Add(DocumentURLTTL).Unix()
	q := url.Values{}
	q.Set("expires", strconv.FormatInt(expires, 10))
	q.Set("signature", s.sign(id, expires))
	out := map[string]any{
		"reportDocumentId": id,
		"url":              s.baseURL(r) + "/download/" + url.PathEscape(id) + "?" + q.Encode(),
	}
	if s.opts.GzipReports {
		out["compressionAlgorithm"] = "GZIP"
	}
	writeJSON(w, http.StatusOK, out)
}

// handleDownload serves a report document at its presigned URL (no
// access token, as S3).
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("doc")
	q := r.URL.Query()
	expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	denied := func(msg string) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>AccessDenied</Code><Message>%s</Message></Error>", msg)
	}
	if err != nil || !equal(q.Get("signature"), s.sign(id, expires)) {
		denied("Request signature does not match")
		return
	}
	if s.now().Unix() > expires {
		denied("Request has expired")
		return
	}
	s.mu.Lock()
	d, ok := s.docs[id]
	s.mu.Unlock()
	if !ok {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
		return
	}
	content := d.content
	if s.opts.GzipReports {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(content)
		zw.Close()
		content = b.Bytes()
		w.Header().Set("Content-Type", "application/octet-stream")
	} else {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content)
}
