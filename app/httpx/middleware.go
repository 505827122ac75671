package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/apperr"
)

// Options configure the middleware chain.
type Options struct {
	Logger *slog.Logger
	// TrustedProxies are the peers whose X-Forwarded-For and
	// X-Forwarded-Proto are believed.
	TrustedProxies []netip.Prefix
	// CORSOrigins may call the API from other origins with a Bearer token.
	CORSOrigins []string
	// Probes are paths whose loopback traffic is logged at debug, not info.
	Probes []string
	// Access, when set, has the access log write its lines itself rather
	// than through Logger (whose level still decides what is written).
	Access AccessOutput
}

// Wrap puts the middleware chain around mux. Order, outermost first: request
// id, client address and the base security headers, access log, panic
// recovery, CORS, body limit, then metrics right around the mux (it reads
// r.Pattern, which the mux sets on the request it is given).
func Wrap(mux http.Handler, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = discard
	}
	h := metricsMiddleware(mux)
	h = bodyLimit(h)
	h = cors(h, o.CORSOrigins)
	h = recoverer(h)
	h = accessLog(h, o.Probes, o.Access)
	return requestContext(h, o)
}

type ctxKey struct{}

// info is the per-request state shared by the middleware, created once.
type info struct {
	id      string
	ip      netip.Addr
	https   bool
	pattern string
	// sw is the response writer of the access log, which the recoverer
	// and the metrics read the status from instead of wrapping their own.
	sw *statusWriter
	// base is the server's logger; logger, base with the request id, is
	// built on first use (most requests log only their access line).
	base       *slog.Logger
	loggerOnce sync.Once
	logger     *slog.Logger
}

func (i *info) log() *slog.Logger {
	i.loggerOnce.Do(func() {
		if i.logger == nil {
			i.logger = i.base.With("request_id", i.id)
		}
	})
	return i.logger
}

func infoFrom(ctx context.Context) *info {
	i, _ := ctx.Value(ctxKey{}).(*info)
	return i
}

// RequestID is the id of the request being served.
func RequestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// Logger is the request's logger (it carries the request id).
func Logger(ctx context.Context) *slog.Logger {
	if i := infoFrom(ctx); i != nil {
		return i.log()
	}
	return discard
}

// ClientIP is the client's address as trusted_proxies allow us to know it.
func ClientIP(r *http.Request) netip.Addr {
	if i := infoFrom(r.Context()); i != nil {
		return i.ip
	}
	return remoteAddr(r)
}

// HTTPS reports whether the client reached us over TLS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto (nginx's
// $scheme, which Caddy and Traefik set too). Cookies are Secure then.
func HTTPS(r *http.Request) bool {
	if i := infoFrom(r.Context()); i != nil {
		return i.https
	}
	return r.TLS != nil
}

// WithInfo returns ctx carrying a request id and logger, for work done
// outside a request that calls request-scoped helpers (tests, jobs).
func WithInfo(ctx context.Context, id string, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, &info{id: id, logger: logger})
}

func validID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// idPrefix is random per process and idSeq counts its requests: an id is
// unique across restarts and costs an atomic add, not a read of the
// system's random source.
var (
	idPrefix = func() string {
		var b [8]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}()
	idSeq atomic.Uint64
)

func newID() string {
	var b [32]byte
	n := copy(b[:], idPrefix)
	return string(strconv.AppendUint(b[:n], idSeq.Add(1), 36))
}

func requestContext(next http.Handler, o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validID(id) {
			id = newID()
		}
		c := &reqContext{Context: r.Context()}
		peer := remoteAddr(r)
		c.info = info{id: id, ip: clientIP(r, peer, o.TrustedProxies), https: https(r, peer, o.TrustedProxies), base: o.Logger}
		h := w.Header()
		c.idHeader[0] = id
		h["X-Request-Id"] = c.idHeader[:]
		for i, kv := range baseHeaders {
			c.base[i] = kv[1]
			h[kv[0]] = c.base[i : i+1 : i+1]
		}
		next.ServeHTTP(w, r.WithContext(c))
	})
}

// reqContext is the request's context carrying its info, with the info,
// its status writer and the values of X-Request-Id and the base headers in
// the same allocation: one per request instead of five.
type reqContext struct {
	context.Context
	info     info
	sw       statusWriter
	idHeader [1]string
	base     [len(baseHeaders)]string // the values of the base headers
}

func (c *reqContext) Value(key any) any {
	if key == (ctxKey{}) {
		return &c.info
	}
	return c.Context.Value(key)
}

func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// clientIP believes the X-Forwarded-For of a request from peer only when
// peer is a trusted proxy, and then takes the right-most hop that is not
// itself a trusted proxy: hops to its left were written by whoever sent
// the request and prove nothing.
func clientIP(r *http.Request, peer netip.Addr, trusted []netip.Prefix) netip.Addr {
	if !inAny(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer
		}
		a = a.Unmap()
		if !inAny(a, trusted) {
			return a
		}
	}
	return peer
}

// https believes X-Forwarded-Proto only from a trusted peer, and only as
// the one value "https": a list means proxies disagree, and the cookie is
// then not marked Secure (server.secure_cookies still forces it).
func https(r *http.Request, peer netip.Addr, trusted []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	if !inAny(peer, trusted) {
		return false
	}
	v := r.Header.Values("X-Forwarded-Proto")
	return len(v) == 1 && strings.EqualFold(strings.TrimSpace(v[0]), "https")
}

func inAny(a netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// statusWriter records the status. It unwraps so that
// http.ResponseController (flush, write deadlines) reaches the real writer.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// writerOf is the access log's status writer when w is it, else a new one
// around w: one wrapper per request records the status for everyone.
func writerOf(w http.ResponseWriter, r *http.Request) *statusWriter {
	if i := infoFrom(r.Context()); i != nil && i.sw != nil && i.sw == w {
		return i.sw
	}
	return &statusWriter{ResponseWriter: w}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush lets streaming handlers flush through the wrapper directly.
func (s *statusWriter) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	http.NewResponseController(s.ResponseWriter).Flush()
}

func accessLog(next http.Handler, probes []string, out AccessOutput) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var sw *statusWriter
		c, _ := r.Context().(*reqContext)
		if c != nil {
			sw = &c.sw
			sw.ResponseWriter = w
		} else {
			sw = &statusWriter{ResponseWriter: w}
		}
		i := infoFrom(r.Context())
		i.sw = sw
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		if i.ip.IsLoopback() && isProbe(r.URL.Path, probes) {
			level = slog.LevelDebug
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		if !i.base.Enabled(r.Context(), level) {
			return
		}
		now := time.Now()
		a := access{
			at:       now,
			level:    level,
			id:       i.id,
			method:   knownMethod(r.Method),
			path:     r.URL.Path,
			route:    i.pattern,
			status:   sw.status,
			bytes:    sw.bytes,
			duration: now.Sub(start),
			ip:       i.ip,
		}
		a.log(r.Context(), i.base, out)
	})
}

func isProbe(path string, probes []string) bool {
	for _, p := range probes {
		if path == p {
			return true
		}
	}
	return false
}

func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := writerOf(w, r)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			Logger(r.Context()).Error("panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw.status == 0 {
				Error(sw, r, apperr.New(apperr.Internal, "panic"))
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// CSP is the web UI's Content-Security-Policy: nothing inline, nothing
// from other origins.
const CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

// apiCSP is the policy of every other response (JSON, images, files): were
// one ever rendered as a page, nothing could load in it and nothing could
// frame it.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// baseHeaders are set on every response (by requestContext, their values
// in its one allocation), documentHeaders (DocumentHeaders) on the web
// UI's as well: the rest only mean something to a page. The
// split keeps an API response within eight header fields, the size of
// which net/http's header map and its copy at WriteHeader stay one small
// table; the six page headers on every response cost a quarter of the CPU
// of a cached GET /auth/session. Keys are canonical and values built once.
var (
	baseHeaders = [...][2]string{
		{"Content-Security-Policy", apiCSP},
		{"X-Content-Type-Options", "nosniff"},
	}
	documentHeaders = [...][2]string{
		{"Content-Security-Policy", CSP},
		{"Referrer-Policy", "same-origin"},
		{"X-Frame-Options", "DENY"},
		{"Cross-Origin-Opener-Policy", "same-origin"},
		{"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
	}
)

// DocumentHeaders sets the headers of a page (and of what a page loads):
// the UI's policy in place of the API's, no referrer to other origins, no
// framing, no opener from other origins, no camera, microphone or location.
func DocumentHeaders(h http.Header) {
	var vals [len(documentHeaders)]string
	for i, kv := range documentHeaders {
		vals[i] = kv[1]
		h[kv[0]] = vals[i : i+1 : i+1]
	}
}

// cors answers only the listed origins, and never with credentials: other
// origins may use the API with a Bearer token, never with the cookie.
func cors(next http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return next
	}
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[strings.TrimRight(strings.ToLower(o), "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || !allowed[strings.ToLower(origin)] {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func bodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == http.NoBody {
			next.ServeHTTP(w, r) // nothing to limit (a GET, mostly)
			return
		}
		if r.ContentLength > MaxBody {
			Error(w, r, apperr.New(apperr.PayloadTooLarge, "The request body is larger than %d bytes.", MaxBody))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		next.ServeHTTP(w, r)
	})
}

// routeStats are the metrics of one route: its latency histogram and a
// request counter per method and status. last is the counter the route
// used most recently, which a run of the same answer finds without a map
// lookup.
type routeStats struct {
	route  string // the label
	hist   *metrics.PrometheusHistogram
	counts sync.Map // codeKey -> *codeCounter
	last   atomic.Pointer[codeCounter]
}

type codeKey struct {
	method string
	code   int
}

type codeCounter struct {
	codeKey
	c *metrics.Counter
}

var routes sync.Map // route label -> *routeStats

func statsOf(route string) *routeStats {
	if s, ok := routes.Load(route); ok {
		return s.(*routeStats)
	}
	s, _ := routes.LoadOrStore(route, &routeStats{route: route, hist: metrics.GetOrCreatePrometheusHistogram(fmt.Sprintf(
		`medianest_http_request_duration_seconds{route=%q}`, route))})
	return s.(*routeStats)
}

func (s *routeStats) counter(method string, code int) *metrics.Counter {
	k := codeKey{method, code}
	if c := s.last.Load(); c != nil && c.codeKey == k {
		return c.c
	}
	v, ok := s.counts.Load(k)
	if !ok {
		v, _ = s.counts.LoadOrStore(k, &codeCounter{k, metrics.GetOrCreateCounter(fmt.Sprintf(
			`medianest_http_requests_total{route=%q,method=%q,code="%s"}`, s.route, method, strconv.Itoa(code)))})
	}
	c := v.(*codeCounter)
	s.last.Store(c)
	return c.c
}

// Routed records the pattern of the mux that served r for the access log and
// the metrics. Only needed for a mux mounted behind http.StripPrefix, whose
// copy of the request is the one that carries the pattern.
func Routed(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if i := infoFrom(r.Context()); i != nil && r.Pattern != "" {
			i.pattern = r.Pattern
		}
	})
}

// knownMethod bounds the method label: a client may send any token as a
// method, and each new label value would be a new series kept forever.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

func metricsMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := writerOf(w, r)
		next.ServeHTTP(sw, r)
		route := r.Pattern
		i := infoFrom(r.Context())
		if i != nil && i.pattern != "" {
			route = i.pattern
		}
		if j := strings.IndexByte(route, ' '); j >= 0 {
			route = route[j+1:] // "GET /x/{id}" -> "/x/{id}"; the method is its own label
		}
		if route == "" {
			route = "unmatched"
		}
		if i != nil {
			i.pattern = route
		}
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		st := statsOf(route)
		st.counter(knownMethod(r.Method), code).Inc()
		st.hist.UpdateDuration(start)
	})
}
