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
// that Serve can wait for them, and name them when they do not return.
type inflight struct {
	next    http.Handler
	mu      sync.Mutex
	running map[*http.Request]time.Time
	idle    chan struct{} // closed when running empties, while wait waits
}

func track(next http.Handler) *inflight {
	if next == nil {
		next = http.DefaultServeMux
	}
	return &inflight{next: next, running: map[*http.Request]time.Time{}}
}

func (f *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.running[r] = time.Now()
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.running, r)
		if len(f.running) == 0 && f.idle != nil {
			close(f.idle)
			f.idle = nil
		}
		f.mu.Unlock()
	}()
	f.next.ServeHTTP(w, r)
}

// wait waits up to d for every handler to return and lists those that did
// not.
func (f *inflight) wait(d time.Duration) []string {
	f.mu.Lock()
	if len(f.running) == 0 {
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
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.running))
	for r, start := range f.running {
		out = append(out, fmt.Sprintf("%s %s (running %s)", knownMethod(r.Method), r.URL.Path, time.Since(start).Round(time.Millisecond)))
	}
	slices.Sort(out)
	return out
}
