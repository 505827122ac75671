package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrShutdownTimeout is returned by Serve when requests were still running at
// the shutdown deadline and had to be cut off.
var ErrShutdownTimeout = errors.New("httpx: requests still running at the shutdown deadline were cut off")

// NewServer returns an http.Server with timeouts against slow clients.
// WriteTimeout bounds ordinary responses; streaming handlers (events, file
// downloads) lift it for themselves with http.ResponseController.
func NewServer(h http.Handler, readHeaderTimeout time.Duration, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// DefaultShutdownGrace is how long Serve waits, once requests were cut off at
// the shutdown deadline, for their handlers to return. Cut-off handlers see
// their context end and usually return at once; the bound is for one that
// ignores it.
const DefaultShutdownGrace = 5 * time.Second

// LogWaitingForHandlers is the message Serve logs when, at the shutdown
// deadline, it cuts requests off and starts waiting for their handlers.
const LogWaitingForHandlers = "shutdown deadline passed; cutting off running requests"

// Shutdown says how Serve shuts down.
type Shutdown struct {
	// Timeout is how long in-flight requests may take to finish.
	Timeout time.Duration
	// Grace bounds the wait, after the requests still running at Timeout
	// were cut off, for their handlers to return (DefaultShutdownGrace when
	// zero).
	Grace time.Duration
	// OnShutdown runs as shutdown begins (it ends open event streams).
	OnShutdown func()
	// Logger reports the requests that were cut off (discarded when nil).
	Logger *slog.Logger
}

// Serve serves on ln until ctx is done, then shuts down gracefully: it stops
// accepting, runs OnShutdown, and lets in-flight requests finish within
// Timeout. Requests still running then are cut off (their connections close
// and their contexts end) and ErrShutdownTimeout is returned.
//
// Serve returns only once every handler has returned, so that the caller may
// close what handlers use (the database); only a handler still running Grace
// after the cut-off is given up on, and logged. It wraps srv.Handler to count
// the running handlers.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, o Shutdown) error {
	if o.Grace <= 0 {
		o.Grace = DefaultShutdownGrace
	}
	if o.Logger == nil {
		o.Logger = discard
	}
	running := track(srv.Handler)
	srv.Handler = running
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("httpx: serve: %w", err)
	case <-ctx.Done():
	}
	if o.OnShutdown != nil {
		srv.RegisterOnShutdown(o.OnShutdown)
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	if errors.Is(err, context.DeadlineExceeded) {
		o.Logger.Warn(LogWaitingForHandlers, "requests", running.list(), "grace", o.Grace.String())
		srv.Close()
		err = ErrShutdownTimeout
	}
	// After a clean Shutdown this returns at once: the connections went
	// idle, so their handlers are done.
	if left := running.wait(o.Grace); len(left) > 0 {
		o.Logger.Error("requests still running after the shutdown grace period; giving up on them", "requests", left, "grace", o.Grace.String())
		return ErrShutdownTimeout
	}
	return err
}

// inflight is the handler wrapper that knows which handlers are running, so
// that Serve can wait for them, and name them when they do not return. The
// running requests are kept in shards, each with its own lock, so that
// concurrent requests do not queue on one mutex.
type inflight struct {
	next   http.Handler
	seq    atomic.Uint32
	n      atomic.Int64 // running handlers
	shards [inflightShards]inflightShard
	mu     sync.Mutex
	idle   chan struct{} // closed when n reaches 0, while wait waits; guarded by mu
}

const inflightShards = 8

type inflightShard struct {
	mu      sync.Mutex
	running map[*http.Request]time.Time
	_       [48]byte // a cache line each
}

func track(next http.Handler) *inflight {
	if next == nil {
		next = http.DefaultServeMux
	}
	f := &inflight{next: next}
	for i := range f.shards {
		f.shards[i].running = map[*http.Request]time.Time{}
	}
	return f
}

func (f *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := &f.shards[f.seq.Add(1)%inflightShards]
	s.mu.Lock()
	s.running[r] = time.Now()
	s.mu.Unlock()
	f.n.Add(1)
	defer func() {
		s.mu.Lock()
		delete(s.running, r)
		s.mu.Unlock()
		if f.n.Add(-1) == 0 {
			f.mu.Lock()
			if f.idle != nil {
				close(f.idle)
				f.idle = nil
			}
			f.mu.Unlock()
		}
	}()
	f.next.ServeHTTP(w, r)
}

// wait waits up to d for every handler to return and lists those that did
// not. A handler that returns between the count and the wait closes idle
// under mu, which wait holds while it looks.
func (f *inflight) wait(d time.Duration) []string {
	f.mu.Lock()
	if f.n.Load() == 0 {
		f.mu.Unlock()
		return nil
	}
	idle := make(chan struct{})
	f.idle = idle
	f.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-idle:
		return nil
	case <-t.C:
		return f.list()
	}
}

// list names the running requests, "GET /path (running 12s)".
func (f *inflight) list() []string {
	var out []string
	for i := range f.shards {
		s := &f.shards[i]
		s.mu.Lock()
		for r, start := range s.running {
			out = append(out, fmt.Sprintf("%s %s (running %s)", knownMethod(r.Method), r.URL.Path, time.Since(start).Round(time.Millisecond)))
		}
		s.mu.Unlock()
	}
	slices.Sort(out)
	return out
}
