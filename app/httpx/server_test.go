package httpx_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/httpx"
)

type serveRun struct {
	addr     string
	cancel   context.CancelFunc
	done     chan error
	hookRan  chan struct{}
	response chan int // status of the one request, 0 when it failed
}

// startServe serves h with the given shutdown, sends one request and
// returns once the handler has started (it closes started).
func startServe(t *testing.T, h http.Handler, started <-chan struct{}, o httpx.Shutdown) *serveRun {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpx.NewServer(h, time.Second, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	run := &serveRun{addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1), hookRan: make(chan struct{}), response: make(chan int, 1)}
	o.OnShutdown = func() { close(run.hookRan) }
	go func() { run.done <- httpx.Serve(ctx, srv, ln, o) }()
	go func() {
		resp, err := http.Get("http://" + run.addr + "/")
		if err != nil {
			run.response <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		run.response <- resp.StatusCode
	}()
	<-started
	return run
}

// wait is the answer of Serve, with a bound far above any the tests expect.
func (run *serveRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-run.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "done")
	})
	run := startServe(t, h, started, httpx.Shutdown{Timeout: 30 * time.Second})
	run.cancel()
	<-run.hookRan
	// New connections are refused once shutdown began.
	if c, err := net.DialTimeout("tcp", run.addr, time.Second); err == nil {
		c.Close()
		t.Error("listener still accepting after shutdown began")
	}
	close(release)
	if err := run.wait(t); err != nil {
		t.Fatalf("Serve() = %v", err)
	}
	if status := <-run.response; status != 200 {
		t.Fatalf("in-flight request: status %d", status)
	}
}

// resource stands for the database: closed once Serve returned, and a
// handler that touches it afterwards has used a closed database.
type resource struct {
	mu     sync.Mutex
	closed bool
	late   bool
}

func (r *resource) use() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.late = r.late || r.closed
}

func (r *resource) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

// A request still running at the deadline is cut off (its context ends),
// and Serve returns only after its handler has returned: what the caller
// closes next (the database) is not closed under it.
func TestShutdownDeadlineWaitsForCutOffHandlers(t *testing.T) {
	var db resource
	started, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // only the cut-off ends it
		<-release
		db.use() // the write a handler does on its way out
		close(finished)
	})
	waiting := make(chan struct{})
	log := slog.New(&signal{msg: httpx.LogWaitingForHandlers, ch: waiting})
	run := startServe(t, h, started, httpx.Shutdown{Timeout: 50 * time.Millisecond, Grace: 20 * time.Second, Logger: log})
	run.cancel()
	select {
	case err := <-run.done:
		close(release)
		t.Fatalf("Serve returned (%v) while a cut-off handler was still running", err)
	case <-waiting:
	}
	close(release)
	err := run.wait(t)
	select {
	case <-finished:
	default:
		t.Error("Serve returned while a handler was still running")
	}
	db.close()
	if !errors.Is(err, httpx.ErrShutdownTimeout) {
		t.Fatalf("Serve() = %v, want ErrShutdownTimeout", err)
	}
	<-finished
	if db.late {
		t.Fatal("a handler used the resource after it was closed")
	}
}

// signal is a log handler that closes ch at the first record whose message
// is msg.
type signal struct {
	msg  string
	ch   chan struct{}
	once sync.Once
}

func (s *signal) Enabled(context.Context, slog.Level) bool { return true }
func (s *signal) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *signal) WithGroup(string) slog.Handler            { return s }
func (s *signal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == s.msg {
		s.once.Do(func() { close(s.ch) })
	}
	return nil
}

// A handler that ignores the cut-off cannot hold the process for ever:
// Serve gives up after the grace period and names it in the log.
func TestShutdownGivesUpOnStuckHandler(t *testing.T) {
	var logs lockedBuffer
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	const timeout, grace = 50 * time.Millisecond, 300 * time.Millisecond
	log := slog.New(slog.NewTextHandler(&logs, nil))
	run := startServe(t, h, started, httpx.Shutdown{Timeout: timeout, Grace: grace, Logger: log})
	begin := time.Now()
	run.cancel()
	err := run.wait(t)
	if !errors.Is(err, httpx.ErrShutdownTimeout) {
		t.Fatalf("Serve() = %v, want ErrShutdownTimeout", err)
	}
	if el := time.Since(begin); el < timeout+grace {
		t.Fatalf("Serve returned after %v, before the deadline and the grace period (%v)", el, timeout+grace)
	}
	if s := logs.String(); !strings.Contains(s, "GET /") {
		t.Fatalf("the stuck request is not named in the log: %q", s)
	}
}
