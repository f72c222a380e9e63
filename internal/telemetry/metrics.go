package telemetry

import (
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds PlutoPro's Prometheus metrics in a registry of its own (not
// the global one), so tests and processes can build as many as they like.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	jobs      *prometheus.CounterVec
	buildInfo *prometheus.GaugeVec
}

// NewMetrics returns Metrics with the Go runtime and process collectors and
// plutopro_http_requests_total{method,route,status},
// plutopro_http_request_duration_seconds{method,route},
// plutopro_jobs_total{kind,outcome} and plutopro_build_info{version}
// registered. build_info starts with the module version from the binary's
// build information; SetVersion replaces it.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plutopro_http_requests_total",
			Help: "HTTP requests served, by method, route pattern and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "plutopro_http_request_duration_seconds",
			Help:    "HTTP request duration in seconds, by method and route pattern.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plutopro_jobs_total",
			Help: "Background jobs finished, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "plutopro_build_info",
			Help: "Always 1; the version label names the running build.",
		}, []string{"version"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.jobs, m.buildInfo,
	)
	version := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	m.SetVersion(version)
	return m
}

// SetVersion sets the version label of plutopro_build_info, replacing the
// previous one.
func (m *Metrics) SetVersion(version string) {
	m.buildInfo.Reset()
	m.buildInfo.WithLabelValues(version).Set(1)
}

// Registry returns the registry behind Handler, for packages that register
// collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler returns the /metrics handler in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Middleware counts and times requests by method, route and status. The
// route is r.Pattern, the ServeMux pattern that matched (for example
// "GET /api/v1/products/{id}"), or "unmatched", so label cardinality stays
// bounded whatever paths clients send; methods outside the standard set are
// counted as "OTHER". A request whose handler panics before writing is
// counted as a 500.
//
// ServeMux sets r.Pattern on the request it is given, so Middleware must
// wrap the ServeMux directly: a middleware between them that replaces the
// request (r.WithContext) hides the pattern.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		completed := false
		defer func() {
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
				if !completed {
					status = http.StatusInternalServerError // panicked
				}
			}
			method := metricMethod(r.Method)
			m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
		completed = true
	})
}

// JobDone counts one finished background job of kind with outcome (for
// example "ok", "retry", "failed", "cancelled").
func (m *Metrics) JobDone(kind, outcome string) {
	m.jobs.WithLabelValues(kind, outcome).Inc()
}

func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}
