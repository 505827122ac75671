package server

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"medianest/app/httpx"
	"medianest/db"
)

// Check is one line of the readiness answer.
type Check struct {
	Status    string   `json:"status"`
	LatencyMs *float64 `json:"latencyMs,omitempty"`
	Version   *int64   `json:"version,omitempty"`
	Message   string   `json:"message,omitempty"`
}

// UpstreamChecks reports the last known state of each upstream
// ("pass", "warn", "fail", "disabled"). Upstreams never make the instance
// not ready, only degraded.
type UpstreamChecks interface {
	ReadyChecks() map[string]Check
}

// health answers {"status":"ok","uptimeSeconds":…,"version":…}, appended
// by hand (the version encoded once): it is the probe polled most often.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 0, 64+len(s.versionJSON))
	b = append(b, `{"status":"ok","uptimeSeconds":`...)
	b = strconv.AppendInt(b, int64(time.Since(s.started).Seconds()), 10)
	b = append(b, `,"version":`...)
	b = append(b, s.versionJSON...)
	httpx.RawEncoded(w, http.StatusOK, append(b, "}\n"...))
}

// writeCheckTimeout bounds readiness's wait for the write lock: a healthy
// writer takes it in microseconds, a stuck one never.
const writeCheckTimeout = time.Second

// ready answers 503 not_ready when the database or its schema is not usable
// (reads fail, or the write lock cannot be had within writeCheckTimeout),
// and degraded (still 200) when an upstream fails.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks, ok := s.coreChecks(ctx)
	status, code := "ready", http.StatusOK
	if !ok {
		status, code = "not_ready", http.StatusServiceUnavailable
	}

	if s.upstreams != nil {
		for name, c := range s.upstreams.ReadyChecks() {
			checks[name] = c
			if (c.Status == "fail" || c.Status == "warn") && status == "ready" {
				status = "degraded"
			}
		}
	}
	httpx.Raw(w, code, map[string]any{"status": status, "checks": checks})
}

// coreChecks are the checks that make the instance not ready: the
// database answers reads and takes the write lock within
// writeCheckTimeout, and its schema is current. ok is false when one fails.
// The readiness answer and medianest_ready both come from here.
func (s *Server) coreChecks(ctx context.Context) (checks map[string]Check, ok bool) {
	checks = map[string]Check{}
	ok = true
	start := time.Now()
	var one int
	err := s.db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	msg := "the database does not answer"
	if err == nil {
		// Reads answer beside a stuck writer (WAL): try the write lock too.
		err = s.db.CanWrite(ctx, writeCheckTimeout)
		msg = "the database does not take writes (its write lock is held)"
	}
	lat := float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		checks["database"] = Check{Status: "fail", Message: msg}
		httpx.Logger(ctx).Error("readiness: database", "err", err)
		ok = false
	} else {
		checks["database"] = Check{Status: "pass", LatencyMs: &lat}
	}

	v, err := db.SchemaVersion(ctx, s.db.R)
	switch {
	case err != nil:
		checks["migrations"] = Check{Status: "fail", Message: "the schema version could not be read"}
		ok = false
	case v != db.LatestVersion():
		checks["migrations"] = Check{Status: "fail", Version: &v, Message: "the schema is not current; run `medianest migrate up`"}
		ok = false
	default:
		checks["migrations"] = Check{Status: "pass", Version: &v}
	}
	return checks, ok
}

// metricsHandler serves Prometheus text to allowed networks or the bearer
// token. A request that came through a proxy is judged by the address it was
// forwarded for, never by the proxy's own (loopback) address: otherwise a
// reverse proxy on the same host would publish the metrics to everyone.
func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.Metrics.Enabled {
		http.Error(w, "404 metrics are disabled (metrics.enabled = false)", http.StatusNotFound)
		return
	}
	if !s.metricsAllowed(r) {
		http.Error(w, "403 forbidden: /metrics is limited to metrics.allowed_networks or the metrics.token bearer", http.StatusForbidden)
		return
	}
	s.writeMetrics(r.Context(), w)
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	if tok := s.cfg.Metrics.Token; tok != "" &&
		subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+tok)) == 1 {
		return true
	}
	if forwarded(r) {
		// A proxy we do not trust proves nothing about its client. A
		// trusted one is believed through X-Forwarded-For (httpx.ClientIP);
		// one that names its client only in another header leaves the
		// client unknown.
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !inAny(peer.Addr().Unmap(), s.trusted) || len(r.Header.Values("X-Forwarded-For")) == 0 {
			return false
		}
	}
	return inAny(httpx.ClientIP(r), s.metricsNets)
}

// forwardingHeaders are the headers proxies write to say whom, or for which
// site, they forward a request; all are treated alike.
var forwardingHeaders = []string{
	"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
	"X-Real-IP", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP",
}

// forwarded reports whether r carries any forwarding header, even empty.
func forwarded(r *http.Request) bool {
	for _, h := range forwardingHeaders {
		if len(r.Header.Values(h)) > 0 {
			return true
		}
	}
	return false
}

func inAny(a netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
