package httpx_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"medianest/app/httpx"
)

func serveSlow(t *testing.T, handlerTime, shutdownTimeout time.Duration) (status int, serveErr error) {
	t.Helper()
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(handlerTime)
		io.WriteString(w, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpx.NewServer(h, time.Second, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	shutdownHook := make(chan struct{})
	go func() {
		done <- httpx.Serve(ctx, srv, ln, shutdownTimeout, func() { close(shutdownHook) })
	}()
	resc := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			resc <- 0
			return
		}
		resp.Body.Close()
		resc <- resp.StatusCode
	}()
	<-started
	cancel()
	select {
	case <-shutdownHook:
	case <-time.After(2 * time.Second):
		t.Fatal("shutdown hook did not run")
	}
	// New connections are refused once shutdown began.
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond); err == nil {
		c.Close()
		t.Error("listener still accepting after shutdown began")
	}
	serveErr = <-done
	return <-resc, serveErr
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	status, err := serveSlow(t, 300*time.Millisecond, 5*time.Second)
	if err != nil || status != 200 {
		t.Fatalf("in-flight request: status %d, Serve() = %v", status, err)
	}
}

func TestShutdownDeadlineCutsOff(t *testing.T) {
	start := time.Now()
	_, err := serveSlow(t, 3*time.Second, 200*time.Millisecond)
	if !errors.Is(err, httpx.ErrShutdownTimeout) {
		t.Fatalf("Serve() = %v, want ErrShutdownTimeout", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("shutdown took %v with a 200ms deadline", time.Since(start))
	}
}
