package telemetry

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics status = %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	_ = NewMetrics() // a second instance must not clash (own registry)
	logger := slog.New(slog.DiscardHandler)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "product "+r.PathValue("id"))
	})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	h := AccessLog(logger, nil)(Recoverer(logger)(m.Middleware(mux)))

	for _, req := range []struct{ method, path string }{
		{"GET", "/products/42"},
		{"GET", "/products/43?secret=x"},
		{"GET", "/no/such/page"},
		{"BREW", "/products/1"},
		{"GET", "/boom"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(req.method, req.path, nil))
	}
	m.JobDone("generate", "ok")
	m.JobDone("generate", "ok")
	m.JobDone("import", "failed")

	body := scrape(t, m)
	for _, want := range []string{
		`plutopro_http_requests_total{method="GET",route="GET /products/{id}",status="200"} 2`,
		`plutopro_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`plutopro_http_requests_total{method="OTHER",route="unmatched",status="405"} 1`,
		`plutopro_http_requests_total{method="GET",route="GET /boom",status="500"} 1`,
		`plutopro_http_request_duration_seconds_count{method="GET",route="GET /products/{id}"} 2`,
		`plutopro_http_request_duration_seconds_bucket{method="GET",route="GET /products/{id}",le="+Inf"} 2`,
		`plutopro_jobs_total{kind="generate",outcome="ok"} 2`,
		`plutopro_jobs_total{kind="import",outcome="failed"} 1`,
		`plutopro_build_info{version=`,
		`go_goroutines `,
		`process_`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, leak := range []string{"/products/42", "/no/such/page", "secret", "BREW"} {
		if strings.Contains(body, leak) {
			t.Errorf("/metrics contains %q (unbounded label)", leak)
		}
	}
}

func TestMetricsSetVersion(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	m.SetVersion("v1.2.3")
	body := scrape(t, m)
	if !strings.Contains(body, `plutopro_build_info{version="v1.2.3"} 1`) {
		t.Errorf("build_info not set:\n%s", body)
	}
	if strings.Count(body, "plutopro_build_info{") != 1 {
		t.Error("old build_info series kept")
	}
	if m.Registry() == nil {
		t.Error("Registry() = nil")
	}
}
