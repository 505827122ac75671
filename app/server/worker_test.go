package server_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"medianest/app/server"
)

// journal records what happened, in order, across goroutines.
type journal struct {
	mu  sync.Mutex
	log []string
}

func (j *journal) add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.log = append(j.log, fmt.Sprintf(format, args...))
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.log)
}

// listener accepts nothing: Accept blocks until Close, and the first call
// is written to the journal, which shows when the server began serving.
type listener struct {
	j      *journal
	first  sync.Once
	once   sync.Once
	closed chan struct{}
}

func newListener(j *journal) *listener { return &listener{j: j, closed: make(chan struct{})} }

func (l *listener) Accept() (net.Conn, error) {
	l.first.Do(func() { l.j.add("accept") })
	<-l.closed
	return nil, net.ErrClosed
}

func (l *listener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *listener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }

// waiting is a worker that journals its phases and runs until its context
// ends.
func waiting(j *journal, name string) server.Worker {
	return server.Worker{
		Name: name,
		Init: func(context.Context) error { j.add("init %s", name); return nil },
		Run: func(ctx context.Context) error {
			j.add("run %s", name)
			<-ctx.Done()
			j.add("end %s", name)
			return ctx.Err()
		},
		Stop: func(context.Context) error { j.add("stop %s", name); return nil },
	}
}

// start runs s on ln in the background; the channel yields Run's result.
func start(ctx context.Context, s *server.Server, ln net.Listener) <-chan error {
	res := make(chan error, 1)
	go func() { res <- s.Run(ctx, ln) }()
	return res
}

// Every Init runs, in registration order, before the listener accepts and
// before any worker runs.
func TestWorkersInitInOrderBeforeAnythingRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		s := server.WorkersOnly(nil, waiting(j, "a"), waiting(j, "b"), waiting(j, "c"))
		ctx, cancel := context.WithCancel(t.Context())
		res := start(ctx, s, newListener(j))
		synctest.Wait()
		got := j.list()
		if len(got) != 7 || !slices.Equal(got[:3], []string{"init a", "init b", "init c"}) {
			t.Fatalf("journal %q: want the three inits in order first, then accept and the runs", got)
		}
		rest := slices.Sorted(slices.Values(got[3:]))
		if !slices.Equal(rest, []string{"accept", "run a", "run b", "run c"}) {
			t.Fatalf("after the inits: %q", got[3:])
		}
		cancel()
		if err := <-res; err != nil {
			t.Fatal(err)
		}
	})
}

// A failing Init stops the start: the error names the worker, later
// workers are not initialised, nothing runs or is served, and the workers
// already initialised are stopped.
func TestWorkerInitFailureStopsStart(t *testing.T) {
	j := &journal{}
	failing := waiting(j, "download queue")
	failing.Init = func(context.Context) error { return errors.New("database is locked") }
	s := server.WorkersOnly(nil, waiting(j, "a"), failing, waiting(j, "c"))
	ln := newListener(j)
	err := s.Run(t.Context(), ln)
	if err == nil || !strings.Contains(err.Error(), "download queue") || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("Run = %v, want an error naming the download queue and its cause", err)
	}
	if got := j.list(); !slices.Equal(got, []string{"init a", "stop a"}) {
		t.Fatalf("journal %q, want only a's init and stop", got)
	}
	select {
	case <-ln.closed:
	default:
		t.Fatal("the listener was left open")
	}
}

// A Run that fails, or returns while the server runs, is logged at ERROR
// with the worker's name; one that ends with its context at shutdown is
// not.
func TestWorkerRunFailureIsLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &server.Records{}
		j := &journal{}
		s := server.WorkersOnly(slog.New(logs),
			server.Worker{Name: "poller", Run: func(context.Context) error { return errors.New("boom") }},
			server.Worker{Name: "quitter", Run: func(context.Context) error { return nil }},
			waiting(j, "steady"),
		)
		ctx, cancel := context.WithCancel(t.Context())
		res := start(ctx, s, newListener(j))
		synctest.Wait()
		if got := logs.Matching("ERROR", "worker=poller", "err=boom"); len(got) != 1 {
			t.Errorf("poller's failure: %q in %q", got, logs.Matching())
		}
		if got := logs.Matching("ERROR", "worker=quitter", "early"); len(got) != 1 {
			t.Errorf("quitter's early return: %q in %q", got, logs.Matching())
		}
		cancel()
		if err := <-res; err != nil {
			t.Fatal(err)
		}
		if got := logs.Matching("worker=steady"); len(got) != 0 {
			t.Errorf("a worker that ended with its context was logged: %q", got)
		}
	})
}

// At shutdown the workers stop in reverse registration order, each Run
// ending before its Stop, and every Stop gets what is left of
// server.shutdown_timeout, counted from the moment the server was told to
// stop.
func TestWorkersStopInReverseOrderWithinTheBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j := &journal{}
		ws := []server.Worker{waiting(j, "a"), waiting(j, "b"), waiting(j, "c")}
		left := map[string]time.Duration{}
		for i := range ws {
			name := ws[i].Name
			ws[i].Stop = func(ctx context.Context) error {
				j.add("stop %s", name)
				d, ok := ctx.Deadline()
				if !ok {
					t.Errorf("%s: Stop has no deadline", name)
				}
				left[name] = time.Until(d)
				time.Sleep(3 * time.Second) // a slow stop uses up budget
				return nil
			}
		}
		s := server.WorkersOnly(nil, ws...)
		ctx, cancel := context.WithCancel(t.Context())
		res := start(ctx, s, newListener(j))
		synctest.Wait()
		cancel()
		if err := <-res; err != nil {
			t.Fatal(err)
		}
		got := j.list()[7:]
		want := []string{"end c", "stop c", "end b", "stop b", "end a", "stop a"}
		if !slices.Equal(got, want) {
			t.Fatalf("shutdown %q, want %q", got, want)
		}
		// The default server.shutdown_timeout is 10 s.
		wantLeft := map[string]time.Duration{"c": 10 * time.Second, "b": 7 * time.Second, "a": 4 * time.Second}
		for name, d := range wantLeft {
			if left[name] != d {
				t.Errorf("%s's Stop had %s left, want %s", name, left[name], d)
			}
		}
	})
}

// Run returns only after every worker's Run has returned, even one that
// outlasts the shutdown budget (which is logged).
func TestRunWaitsForWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &server.Records{}
		release := make(chan struct{})
		stuck := server.Worker{Name: "stubborn", Run: func(ctx context.Context) error {
			<-release // ignores ctx
			return nil
		}}
		j := &journal{}
		s := server.WorkersOnly(slog.New(logs), stuck, waiting(j, "a"))
		ctx, cancel := context.WithCancel(t.Context())
		res := start(ctx, s, newListener(j))
		synctest.Wait()
		cancel()
		synctest.Wait()
		select {
		case err := <-res:
			t.Fatalf("Run returned (%v) while a worker was still running", err)
		default:
		}
		time.Sleep(11 * time.Second) // past server.shutdown_timeout
		synctest.Wait()
		select {
		case err := <-res:
			t.Fatalf("Run returned (%v) after the budget while a worker was still running", err)
		default:
		}
		if got := logs.Matching("WARN", "worker=stubborn", "shutdown_timeout"); len(got) != 1 {
			t.Errorf("the overdue worker was not logged: %q", logs.Matching())
		}
		if got := j.list(); !slices.Contains(got, "stop a") {
			t.Errorf("the other worker was not stopped while waiting: %q", got)
		}
		close(release)
		if err := <-res; err != nil {
			t.Fatal(err)
		}
	})
}
