// Package upstream is the HTTP plumbing every upstream client shares: one
// http.Client per service with its timeout, bounded retries for idempotent
// requests, a circuit breaker, metrics, and the mapping of transport failures
// to the API's UPSTREAM_* error kinds. It knows nothing of Plex or Overseerr.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/sony/gobreaker/v2"
)

// MaxBody bounds what is read from an upstream answer; a misbehaving server
// must not make us buffer gigabytes.
const MaxBody = 16 << 20

// Options configure a Client.
type Options struct {
	// Timeout bounds one attempt, headers and body included.
	Timeout time.Duration
	// Retries is how many times an idempotent request is tried again after a
	// transport error or a 502/503/504. Default 2.
	Retries int
	// FailuresToOpen consecutive failures open the breaker. Default 5.
	FailuresToOpen uint32
	// OpenFor is how long the breaker stays open before a half-open probe.
	// Default 30s.
	OpenFor time.Duration
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
	// Answer, when set, names error answers that are the upstream speaking
	// rather than failing (Overseerr answers an unknown TMDB id with a 500):
	// they do not count against the circuit breaker.
	Answer func(se *StatusError) bool
}

// Client sends requests to one upstream service.
type Client struct {
	name     string
	display  string
	http     *http.Client
	retries  int
	breaker  *gobreaker.CircuitBreaker[*http.Response]
	duration *metrics.PrometheusHistogram
}

// New returns a client for the service called name (the metrics label, e.g.
// "plex"); display is how errors name it to users ("Plex").
func New(name, display string, o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 2
	}
	if o.FailuresToOpen == 0 {
		o.FailuresToOpen = 5
	}
	if o.OpenFor <= 0 {
		o.OpenFor = 30 * time.Second
	}
	tr := o.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 8
		t.ResponseHeaderTimeout = o.Timeout
		tr = t
	}
	c := &Client{
		name:     name,
		display:  display,
		http:     &http.Client{Timeout: o.Timeout, Transport: tr, CheckRedirect: limitRedirects},
		retries:  o.Retries,
		duration: metrics.GetOrCreatePrometheusHistogram(fmt.Sprintf(`medianest_upstream_request_duration_seconds{service=%q}`, name)),
	}
	// Every outcome's series exists from the start, so an error rate is
	// defined (0) before the first error.
	for _, o := range outcomes {
		metrics.GetOrCreateCounter(fmt.Sprintf(`medianest_upstream_requests_total{service=%q,outcome=%q}`, name, o))
	}
	c.breaker = gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:    name,
		Timeout: o.OpenFor,
		ReadyToTrip: func(n gobreaker.Counts) bool {
			return n.ConsecutiveFailures >= o.FailuresToOpen
		},
		// Only the service being unwell counts against it: a 404 or a 401
		// is an answer, and a cancelled caller says nothing about the upstream.
		IsSuccessful: func(err error) bool {
			var se *StatusError
			if errors.As(err, &se) {
				return se.Status < 500 || (o.Answer != nil && o.Answer(se))
			}
			return err == nil
		},
		// A caller that gave up (cancelled, or its own deadline passed)
		// says nothing about the upstream.
		IsExcluded: func(err error) bool {
			var cg callerGone
			return errors.Is(err, context.Canceled) || errors.As(err, &cg)
		},
	})
	return c
}

// limitRedirects follows at most five redirects, and only within the
// scheme, host and port the request was sent to. Anywhere else the request
// does not go at all: an upstream (or whoever answers in its place) must not
// point MediaNest at another machine, such as a cloud metadata address,
// even with its credentials stripped.
func limitRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if !sameOrigin(via[0].URL, req.URL) {
		return offHostRedirect{to: req.URL.Redacted()}
	}
	return nil
}

// sameOrigin reports whether a and b share scheme, host and port, the
// scheme's default port standing for an empty one.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// offHostRedirect is a redirect limitRedirects refused to follow.
type offHostRedirect struct{ to string }

func (e offHostRedirect) Error() string { return "redirected to another host: " + e.to }

// callerGone marks a failure that happened because the caller's context
// ended, not because the upstream failed.
type callerGone struct{ err error }

func (c callerGone) Error() string { return c.err.Error() }
func (c callerGone) Unwrap() error { return c.err }

// Name is the service's metric label.
func (c *Client) Name() string { return c.name }

// Open reports whether the breaker is open, so callers can fail fast.
func (c *Client) Open() bool { return c.breaker.State() == gobreaker.StateOpen }

type probeKey struct{}

// Probe marks ctx so requests made with it bypass the circuit breaker: the
// status poller must see a service come back even while its breaker is open.
func Probe(ctx context.Context) context.Context {
	return context.WithValue(ctx, probeKey{}, true)
}

// Do sends req and returns the response of a 2xx answer with its body still
// to be read (and closed) by the caller. Any other answer is a *StatusError;
// a failure to get an answer is an *Error (ErrTimeout, ErrUnavailable,
// ErrRefused, ErrUnreachable). Requests with a body are sent once;
// GETs and HEADs are retried.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil && req.GetBody == nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("upstream: read request body: %w", err)
		}
		body = b
	}
	attempts := 1
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		attempts += c.retries
	}
	var resp *http.Response
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, c.mapErr(ctx.Err())
			case <-time.After(time.Duration(i*i) * 150 * time.Millisecond):
			}
		}
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		} else if req.GetBody != nil {
			r.Body, _ = req.GetBody()
		}
		resp, err = c.once(r)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, c.mapErr(err)
	}
	return resp, nil
}

func (c *Client) once(req *http.Request) (*http.Response, error) {
	start := time.Now()
	send := func() (*http.Response, error) {
		resp, err := c.http.Do(req)
		if err != nil {
			if req.Context().Err() != nil {
				return nil, callerGone{err}
			}
			return nil, err
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			return nil, &StatusError{Service: c.display, Status: resp.StatusCode, Body: b}
		}
		return resp, nil
	}
	var resp *http.Response
	var err error
	if probe, _ := req.Context().Value(probeKey{}).(bool); probe {
		resp, err = send()
	} else {
		resp, err = c.breaker.Execute(send)
	}
	c.duration.UpdateDuration(start)
	metrics.GetOrCreateCounter(fmt.Sprintf(`medianest_upstream_requests_total{service=%q,outcome=%q}`, c.name, outcome(err))).Inc()
	return resp, err
}

// outcomes are the values outcome returns.
var outcomes = []string{"ok", "open", "timeout", "client_error", "server_error", "error"}

func outcome(err error) string {
	var se *StatusError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return "open"
	case isTimeout(err):
		return "timeout"
	case errors.As(err, &se):
		if se.Status < 500 {
			return "client_error"
		}
		return "server_error"
	default:
		return "error"
	}
}

func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == 502 || se.Status == 503 || se.Status == 504
	}
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return !isOffHost(err)
}

func isOffHost(err error) bool {
	_, ok := errors.AsType[offHostRedirect](err)
	return ok
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// mapErr turns a transport-level failure into an *Error of this service;
// a *StatusError and a cancelled caller pass through.
func (c *Client) mapErr(err error) error {
	var kind error
	switch {
	case errors.As(err, new(*StatusError)):
		return err
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		kind = ErrUnavailable
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("upstream: %s: %w", c.name, err)
	case isTimeout(err):
		kind = ErrTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = ErrRefused
	case isOffHost(err):
		return &Error{Service: c.display, Kind: ErrUnreachable, Err: err,
			Reason: c.display + " redirected to another host; MediaNest does not follow it. Use the address it redirects to."}
	default:
		kind = ErrUnreachable
	}
	return &Error{Service: c.display, Kind: kind, Err: err}
}

// ReadBody reads a response body up to MaxBody and closes it.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxBody {
		return nil, errors.New("upstream: answer too large")
	}
	return b, nil
}

// JoinURL appends path (and an optional encoded query) to a base URL,
// tolerating a trailing slash on the base.
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + path
}
