package portal

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus collectors, on a registry of its own so
// several servers (tests) can live in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	jobs     jobMetrics
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portal_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5},
		}, []string{"route", "method"}),
	}
	m.jobs = newJobMetrics(reg)
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		route := c.Path() // the pattern, not the raw path: bounded label values
		if route == "" {
			route = "unmatched"
		}
		method := methodLabel(c.Request().Method)
		m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
		m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return err
	}
}

// methodLabel bounds the method label: anyone can send any method name, and
// each one was a new series (20,000 requests with random methods grew the
// process by 100 MB and a scrape to 28 MB).
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// jobMetrics follow the background jobs (portal/jobs) this process ran.
type jobMetrics struct {
	runs        *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
}

func newJobMetrics(reg *prometheus.Registry) jobMetrics {
	j := jobMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_job_runs_total", Help: "Background job attempts by kind and outcome (completed, retryable, discarded, cancelled).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portal_job_duration_seconds", Help: "Background job attempt duration by kind.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800},
		}, []string{"kind"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "portal_job_last_success_timestamp_seconds", Help: "Unix time of the kind's last successful run in this process.",
		}, []string{"kind"}),
	}
	reg.MustRegister(j.runs, j.duration, j.lastSuccess)
	return j
}

func (m *metrics) observeJob(kind, outcome string, took time.Duration, at time.Time) {
	m.jobs.runs.WithLabelValues(kind, outcome).Inc()
	m.jobs.duration.WithLabelValues(kind).Observe(took.Seconds())
	if outcome == "completed" {
		m.jobs.lastSuccess.WithLabelValues(kind).Set(float64(at.Unix()))
	}
}
