package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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

// Serve serves on ln until ctx is done, then shuts down gracefully: it stops
// accepting, runs onShutdown (which ends open event streams), and lets
// in-flight requests finish within timeout. Requests still running then are
// cut off and ErrShutdownTimeout is returned.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, timeout time.Duration, onShutdown func()) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("httpx: serve: %w", err)
	case <-ctx.Done():
	}
	if onShutdown != nil {
		srv.RegisterOnShutdown(onShutdown)
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc
	if errors.Is(err, context.DeadlineExceeded) {
		srv.Close()
		return ErrShutdownTimeout
	}
	return err
}
