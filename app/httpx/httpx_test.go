package httpx_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

type errBody struct {
	Success bool `json:"success"`
	Error   struct {
		Code      string              `json:"code"`
		Message   string              `json:"message"`
		RequestID string              `json:"requestId"`
		Details   []apperr.FieldError `json:"details"`
	} `json:"error"`
}

func newHandler(t *testing.T, logs *bytes.Buffer, o httpx.Options) http.Handler {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("POST /things", httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Name  string `json:"name"`
			Count int    `json:"count"`
		}
		if err := httpx.Decode(r, &in); err != nil {
			return err
		}
		httpx.Created(w, in)
		return nil
	}))
	mux.Handle("GET /things/{id}", httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		id, err := httpx.PathID(r, "id")
		if err != nil {
			return err
		}
		if id == 7 {
			return apperr.New(apperr.Conflict, "seven is taken")
		}
		if id == 8 {
			return &apperr.Error{Kind: apperr.RateLimited, Message: "slow down", RetryAfter: 1500e6}
		}
		httpx.OK(w, map[string]int64{"id": id})
		return nil
	}))
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) { panic("kaboom") })
	mux.Handle("GET /secret-failure", httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		return errorString("db: password=hunter2 leaked")
	}))
	mux.HandleFunc("GET /ip", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(httpx.ClientIP(r).String())) })
	o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return httpx.Wrap(mux, o)
}

type errorString string

func (e errorString) Error() string { return string(e) }

func do(h http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func decodeErr(t *testing.T, w *httptest.ResponseRecorder) errBody {
	t.Helper()
	var e errBody
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control = %q", w.Header().Get("Cache-Control"))
	}
	if e.Success || e.Error.Code == "" || e.Error.RequestID == "" {
		t.Fatalf("not an error envelope: %s", w.Body)
	}
	if e.Error.RequestID != w.Header().Get("X-Request-Id") {
		t.Fatalf("requestId %q != header %q", e.Error.RequestID, w.Header().Get("X-Request-Id"))
	}
	return e
}

func TestEnvelopeAndDecode(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, &logs, httpx.Options{})
	w := do(h, "POST", "/things", `{"name":"a","count":2}`)
	if w.Code != 201 || strings.TrimSpace(w.Body.String()) != `{"success":true,"data":{"name":"a","count":2}}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	cases := []struct {
		name, body, field, code string
		status                  int
	}{
		{"unknown field", `{"name":"a","admin":true}`, "admin", "VALIDATION_ERROR", 400},
		{"wrong type", `{"count":"two"}`, "count", "VALIDATION_ERROR", 400},
		{"malformed", `{"name":`, "body", "VALIDATION_ERROR", 400},
		{"syntax", `{name:1}`, "body", "VALIDATION_ERROR", 400},
		{"two values", `{} {}`, "body", "VALIDATION_ERROR", 400},
		{"trailing brace", `{}}`, "body", "VALIDATION_ERROR", 400},
		{"trailing bracket", `{"name":"a"}]`, "body", "VALIDATION_ERROR", 400},
		{"key in another case", `{"NAME":"a","COUNT":2}`, "NAME", "VALIDATION_ERROR", 400},
		{"duplicate key", `{"name":"a","name":"b"}`, "name", "VALIDATION_ERROR", 400},
		{"too large", `{"name":"` + strings.Repeat("x", httpx.MaxBody) + `"}`, "", "PAYLOAD_TOO_LARGE", 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := do(h, "POST", "/things", c.body)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			e := decodeErr(t, w)
			if e.Error.Code != c.code {
				t.Fatalf("code %s", e.Error.Code)
			}
			if c.field != "" && (len(e.Error.Details) != 1 || e.Error.Details[0].Field != c.field) {
				t.Fatalf("details %+v, want field %q", e.Error.Details, c.field)
			}
		})
	}
}

func TestBodyLimitByContentLength(t *testing.T) {
	h := newHandler(t, &bytes.Buffer{}, httpx.Options{})
	r := httptest.NewRequest("POST", "/things", strings.NewReader("{}"))
	r.ContentLength = httpx.MaxBody + 1
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 413 || decodeErr(t, w).Error.Code != "PAYLOAD_TOO_LARGE" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestErrorMapping(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, &logs, httpx.Options{})
	if w := do(h, "GET", "/things/7", ""); w.Code != 409 || decodeErr(t, w).Error.Code != "CONFLICT" {
		t.Fatalf("conflict: %d %s", w.Code, w.Body)
	}
	if w := do(h, "GET", "/things/abc", ""); w.Code != 404 || decodeErr(t, w).Error.Code != "NOT_FOUND" {
		t.Fatalf("bad id: %d %s", w.Code, w.Body)
	}
	w := do(h, "GET", "/things/8", "")
	if w.Code != 429 || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("retry-after: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	w = do(h, "GET", "/secret-failure", "")
	e := decodeErr(t, w)
	if w.Code != 500 || e.Error.Code != "INTERNAL" || strings.Contains(w.Body.String(), "hunter2") {
		t.Fatalf("internal error leaked or mis-mapped: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "hunter2") || !strings.Contains(logs.String(), e.Error.RequestID) {
		t.Fatal("internal error not logged with its request id")
	}
}

func TestPanicBecomesInternal(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(t, &logs, httpx.Options{})
	w := do(h, "GET", "/boom", "")
	if w.Code != 500 || decodeErr(t, w).Error.Code != "INTERNAL" || strings.Contains(w.Body.String(), "kaboom") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Fatal("panic not logged")
	}
}

func TestRequestID(t *testing.T) {
	h := newHandler(t, &bytes.Buffer{}, httpx.Options{})
	if got := do(h, "GET", "/things/1", "", "X-Request-Id", "abc.DEF_1-2").Header().Get("X-Request-Id"); got != "abc.DEF_1-2" {
		t.Fatalf("valid id not kept: %q", got)
	}
	for _, bad := range []string{"has space", strings.Repeat("a", 65), "semi;colon", "<script>"} {
		got := do(h, "GET", "/things/1", "", "X-Request-Id", bad).Header().Get("X-Request-Id")
		if got == bad || got == "" {
			t.Fatalf("invalid id %q answered with %q", bad, got)
		}
	}
	a := do(h, "GET", "/things/1", "").Header().Get("X-Request-Id")
	b := do(h, "GET", "/things/1", "").Header().Get("X-Request-Id")
	if a == "" || a == b {
		t.Fatalf("generated ids %q %q", a, b)
	}
}

// With an access output the line is written there in its format, not
// through the logger; the logger's level still decides, and a line that
// needs quoting still goes through the logger.
func TestAccessOutput(t *testing.T) {
	var own, via bytes.Buffer
	h := newHandler(t, &via, httpx.Options{Access: httpx.AccessOutput{Format: "text", W: &own}, Probes: []string{"/things/1"}})
	do(h, "GET", "/things/9", "")
	line := own.String()
	if via.Len() != 0 || strings.Count(line, "\n") != 1 || !strings.HasPrefix(line, "time=") ||
		!strings.Contains(line, " level=INFO msg=request ") || !strings.Contains(line, " method=GET path=/things/9 route=/things/{id} status=200 bytes=") {
		t.Fatalf("written %q, through the logger %q", line, via.String())
	}
	own.Reset()
	do(h, "GET", "/things/1", "") // a probe from 192.0.2.1: info
	do(h, "GET", "/things/a=b", "")
	if !strings.Contains(own.String(), "path=/things/1 ") || !strings.Contains(via.String(), `"path":"/things/a=b"`) {
		t.Fatalf("written %q, through the logger %q", own.String(), via.String())
	}

	own.Reset()
	quiet := slog.New(slog.NewJSONHandler(&via, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h = httpx.Wrap(http.NotFoundHandler(), httpx.Options{Logger: quiet, Access: httpx.AccessOutput{Format: "json", W: &own}})
	do(h, "GET", "/x", "")
	if own.Len() != 0 {
		t.Fatalf("an info line written at level warn: %q", own.String())
	}
}

func TestSecurityHeaders(t *testing.T) {
	w := do(newHandler(t, &bytes.Buffer{}, httpx.Options{}), "GET", "/things/1", "")
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// The page headers are the web UI's: an API response does not pay for them.
	if v := w.Header().Get("Referrer-Policy"); v != "" {
		t.Errorf("API response has Referrer-Policy %q", v)
	}

	h := http.Header{}
	h.Set("Content-Security-Policy", "default-src 'none'")
	httpx.DocumentHeaders(h)
	for k, want := range map[string]string{
		"Content-Security-Policy":    httpx.CSP,
		"Referrer-Policy":            "same-origin",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
		"Permissions-Policy":         "camera=(), microphone=(), geolocation=()",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("document %s = %q, want %q", k, got, want)
		}
	}
	for _, bad := range []string{"unsafe", "*", "http:", "https:"} {
		if strings.Contains(httpx.CSP, bad) {
			t.Errorf("CSP allows %q", bad)
		}
	}
}

func TestCORS(t *testing.T) {
	none := newHandler(t, &bytes.Buffer{}, httpx.Options{})
	if v := do(none, "GET", "/things/1", "", "Origin", "https://evil.example").Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("CORS header without configured origins: %q", v)
	}
	h := newHandler(t, &bytes.Buffer{}, httpx.Options{CORSOrigins: []string{"https://app.example"}})
	w := do(h, "OPTIONS", "/things", "", "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", w.Code, w.Header())
	}
	if w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Fatal("credentials allowed cross-origin")
	}
	if v := do(h, "GET", "/things/1", "", "Origin", "https://other.example").Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("unlisted origin allowed: %q", v)
	}
}

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	h := newHandler(t, &bytes.Buffer{}, httpx.Options{TrustedProxies: trusted})
	cases := []struct {
		name, remote, xff, want string
	}{
		{"direct", "203.0.113.5:1234", "", "203.0.113.5"},
		{"untrusted peer ignores xff", "203.0.113.5:1234", "1.2.3.4", "203.0.113.5"},
		{"trusted proxy", "10.0.0.2:1234", "198.51.100.7", "198.51.100.7"},
		{"right-most untrusted hop", "10.0.0.2:1234", "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"},
		{"garbage hop", "10.0.0.2:1234", "not-an-ip", "10.0.0.2"},
		{"ipv6", "[2001:db8::1]:443", "", "2001:db8::1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/ip", nil)
			r.RemoteAddr = c.remote
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Body.String() != c.want {
				t.Fatalf("ClientIP = %q, want %q", w.Body, c.want)
			}
		})
	}
}

func TestMetricsUseRoutePattern(t *testing.T) {
	h := newHandler(t, &bytes.Buffer{}, httpx.Options{})
	do(h, "GET", "/things/12345", "")
	var buf bytes.Buffer
	metrics.WritePrometheus(&buf, false)
	if !strings.Contains(buf.String(), `medianest_http_requests_total{route="/things/{id}",method="GET",code="200"}`) {
		t.Fatalf("no per-route counter:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "12345") {
		t.Fatal("raw path leaked into a metric label")
	}
}

func TestAccessLogQuietForLoopbackProbes(t *testing.T) {
	var logs bytes.Buffer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {})
	h := httpx.Wrap(mux, httpx.Options{
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Probes: []string{"/health"},
	})
	r := httptest.NewRequest("GET", "/health", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if logs.Len() != 0 {
		t.Fatalf("loopback probe logged at info: %s", logs.String())
	}
	r.RemoteAddr = "192.0.2.1:5000"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if !strings.Contains(logs.String(), `"path":"/health"`) {
		t.Fatal("remote probe not logged")
	}
}

func TestPaging(t *testing.T) {
	cases := []struct {
		q          string
		page, size int
		wantErr    bool
	}{
		{"", 1, 20, false},
		{"page=3&pageSize=50", 3, 50, false},
		{"pageSize=1000", 1, 100, false},
		{"page=0", 0, 0, true},
		{"page=9223372036854775807", 0, 0, true},
		{"pageSize=abc", 0, 0, true},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/x?"+c.q, nil)
		p, s, err := httpx.Paging(r)
		if (err != nil) != c.wantErr || p != c.page || s != c.size {
			t.Errorf("Paging(%q) = %d %d %v", c.q, p, s, err)
		}
	}
}

// A request is HTTPS when it came over TLS, or when a trusted proxy says
// (X-Forwarded-Proto) that it did; anyone else saying so proves nothing.
func TestHTTPS(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /https", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, httpx.HTTPS(r)) })
	h := httpx.Wrap(mux, httpx.Options{TrustedProxies: trusted})
	cases := []struct {
		name, remote, proto string
		tls                 bool
		want                string
	}{
		{"plain", "203.0.113.5:1234", "", false, "false"},
		{"tls", "203.0.113.5:1234", "", true, "true"},
		{"untrusted peer claims https", "203.0.113.5:1234", "https", false, "false"},
		{"trusted proxy over https", "10.0.0.2:1234", "https", false, "true"},
		{"trusted proxy, any case", "10.0.0.2:1234", "HTTPS", false, "true"},
		{"trusted proxy over http", "10.0.0.2:1234", "http", false, "false"},
		{"trusted proxy, no header", "10.0.0.2:1234", "", false, "false"},
		{"trusted proxy, a list", "10.0.0.2:1234", "http, https", false, "false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/https", nil)
			r.RemoteAddr = c.remote
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			if c.tls {
				r.TLS = &tls.ConnectionState{}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Body.String() != c.want {
				t.Fatalf("HTTPS = %s, want %s", w.Body, c.want)
			}
		})
	}
}
