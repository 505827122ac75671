package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/config"
	"medianest/app/secret"
	"medianest/app/server"
	"medianest/db/dbtest"
)

func newServer(t testing.TB, mod func(*config.Config)) (*server.Server, func()) {
	t.Helper()
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	if mod != nil {
		mod(&cfg)
	}
	d := dbtest.New(t)
	box, _ := secret.NewBox(make([]byte, 32))
	s, err := server.New(context.Background(), cfg, d, server.Options{Version: "test", Box: box})
	if err != nil {
		t.Fatal(err)
	}
	return s, func() { d.Close() }
}

func get(h http.Handler, path string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	r.RemoteAddr = "127.0.0.1:4000"
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "RemoteAddr" {
			r.RemoteAddr = hdr[i+1]
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestProbes(t *testing.T) {
	s, closeDB := newServer(t, nil)
	h := s.Handler()
	w := get(h, "/health")
	var health struct {
		Status  string `json:"status"`
		Version string `json:"version"`
		Uptime  *int64 `json:"uptimeSeconds"`
	}
	if json.Unmarshal(w.Body.Bytes(), &health); w.Code != 200 || health.Status != "ok" || health.Version != "test" || health.Uptime == nil {
		t.Fatalf("/health: %d %s", w.Code, w.Body)
	}
	w = get(h, "/health/ready")
	var ready struct {
		Status string                    `json:"status"`
		Checks map[string]map[string]any `json:"checks"`
	}
	json.Unmarshal(w.Body.Bytes(), &ready)
	if w.Code != 200 || ready.Status != "ready" || ready.Checks["database"]["status"] != "pass" || ready.Checks["migrations"]["status"] != "pass" {
		t.Fatalf("/health/ready: %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), `"success"`) {
		t.Fatal("probes must not be enveloped")
	}

	closeDB()
	w = get(h, "/health/ready")
	json.Unmarshal(w.Body.Bytes(), &ready)
	if w.Code != 503 || ready.Status != "not_ready" || ready.Checks["database"]["status"] != "fail" {
		t.Fatalf("/health/ready with the database gone: %d %s", w.Code, w.Body)
	}
	if get(h, "/health").Code != 200 {
		t.Fatal("/health must answer while the process serves")
	}
}

func TestMetricsAccess(t *testing.T) {
	s, _ := newServer(t, func(c *config.Config) { c.Metrics.Token = "scrape-token" })
	h := s.Handler()
	w := get(h, "/metrics")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "medianest_build_info") || !strings.Contains(w.Body.String(), "go_goroutines") {
		t.Fatalf("loopback /metrics: %d", w.Code)
	}
	if w := get(h, "/metrics", "RemoteAddr", "203.0.113.9:1"); w.Code != 403 {
		t.Fatalf("remote /metrics without token: %d", w.Code)
	}
	if w := get(h, "/metrics", "RemoteAddr", "203.0.113.9:1", "Authorization", "Bearer scrape-token"); w.Code != 200 {
		t.Fatalf("remote /metrics with token: %d", w.Code)
	}
	if w := get(h, "/metrics", "RemoteAddr", "203.0.113.9:1", "Authorization", "Bearer wrong"); w.Code != 403 {
		t.Fatalf("remote /metrics with a wrong token: %d", w.Code)
	}
	// A reverse proxy on the same host must not turn every client into loopback.
	if w := get(h, "/metrics", "X-Forwarded-For", "203.0.113.9"); w.Code != 403 {
		t.Fatalf("proxied /metrics from an untrusted proxy: %d", w.Code)
	}
	off, _ := newServer(t, func(c *config.Config) { c.Metrics.Enabled = false })
	if w := get(off.Handler(), "/metrics"); w.Code != 404 || strings.Contains(w.Body.String(), "go_goroutines") {
		t.Fatalf("metrics while disabled: %d", w.Code)
	}
}

func TestBasePathAndSPA(t *testing.T) {
	s, _ := newServer(t, func(c *config.Config) { c.Server.BaseURL = "https://media.example.com/medianest/" })
	h := s.Handler()
	for _, p := range []string{"/health", "/medianest/health", "/health/ready", "/medianest/health/ready"} {
		if w := get(h, p); w.Code != 200 {
			t.Errorf("%s: %d", p, w.Code)
		}
	}
	w := get(h, "/medianest/requests/42")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<base href="/medianest/">`) {
		t.Fatalf("SPA fallback under the base path: %d %s", w.Code, w.Body)
	}
	etag := w.Header().Get("ETag")
	if etag == "" || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("index headers: %v", w.Header())
	}
	if w := get(h, "/medianest/", "If-None-Match", etag); w.Code != 304 {
		t.Fatalf("revalidation: %d", w.Code)
	}
	// The page loads its modules from the versioned path under the base.
	entry := regexp.MustCompile(`src="(/medianest/assets/[0-9a-f]{12}/js/main\.js)"`).FindStringSubmatch(w.Body.String())
	if entry == nil {
		t.Fatalf("index.html names no versioned entry module: %s", w.Body)
	}
	if w := get(h, entry[1]); w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") ||
		!strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("%s: %d %v", entry[1], w.Code, w.Header())
	}
	if w := get(h, "/medianest/missing.js"); w.Code != 404 {
		t.Fatalf("missing asset: %d", w.Code)
	}
	w = get(h, "/medianest/api/v1/nothing-here")
	if w.Code == 200 || !strings.Contains(w.Body.String(), `"success":false`) {
		t.Fatalf("unknown API path: %d %s", w.Code, w.Body)
	}
	if w := get(h, "/elsewhere"); w.Code != 404 {
		t.Fatalf("path outside the base: %d", w.Code)
	}
	get(h, "/medianest/api/v1/auth/providers")
	var buf strings.Builder
	metrics.WritePrometheus(&buf, false)
	if !strings.Contains(buf.String(), `medianest_http_requests_total{route="/api/v1/auth/providers",method="GET",code="200"}`) {
		t.Fatal("the route label under a base path is not the mux pattern")
	}
}

func TestGzipAssets(t *testing.T) {
	s, _ := newServer(t, nil)
	w := get(s.Handler(), "/app.css", "Accept-Encoding", "gzip")
	body, _ := io.ReadAll(w.Body)
	if w.Code != 200 || len(body) == 0 {
		t.Fatalf("app.css: %d", w.Code)
	}
	if w.Header().Get("Vary") == "" {
		t.Fatal("no Vary header on a compressible asset")
	}
}

// /health, appended by hand, is what encoding/json writes for the same
// answer, a version with characters to escape included.
func TestHealthBodyIsEncodingJSON(t *testing.T) {
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	d := dbtest.New(t)
	box, _ := secret.NewBox(make([]byte, 32))
	version := `1.2 "dev" <&> é`
	s, err := server.New(context.Background(), cfg, d, server.Options{Version: version, Box: box})
	if err != nil {
		t.Fatal(err)
	}
	// Through a real server: net/http writes the Content-Length of a short
	// answer itself.
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]any{"status": "ok", "version": version, "uptimeSeconds": got["uptimeSeconds"]})
	if res.StatusCode != 200 || string(body) != string(want)+"\n" || res.ContentLength != int64(len(want)+1) {
		t.Errorf("/health: %d %q (Content-Length %d), want %q", res.StatusCode, body, res.ContentLength, want)
	}
}
