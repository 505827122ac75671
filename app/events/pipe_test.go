package events_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// pipeNet serves a handler over in-memory connections (net.Pipe), so a
// test can run in a synctest bubble: no sockets, fake time, and a write
// that nobody reads blocks at once (a pipe buffers nothing).
type pipeNet struct {
	srv    *http.Server
	client *http.Client
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
	// running counts handlers that have not returned.
	running atomic.Int64
}

// newPipeNet starts serving h; configure (may be nil) adjusts the server
// first. Everything is closed when the test ends.
func newPipeNet(t *testing.T, h http.Handler, configure func(*http.Server)) *pipeNet {
	n := &pipeNet{conns: make(chan net.Conn), closed: make(chan struct{})}
	n.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.running.Add(1)
		defer n.running.Add(-1)
		h.ServeHTTP(w, r)
	})}
	if configure != nil {
		configure(n.srv)
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		server, client := net.Pipe()
		select {
		case n.conns <- server:
			return client, nil
		case <-n.closed:
			return nil, net.ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	n.client = &http.Client{Transport: tr}
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.srv.Serve(n)
	}()
	t.Cleanup(func() {
		n.srv.Close()
		tr.CloseIdleConnections()
		<-done
	})
	return n
}

// active is the number of handlers still running.
func (n *pipeNet) active() int64 { return n.running.Load() }

func (n *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-n.conns:
		return c, nil
	case <-n.closed:
		return nil, net.ErrClosed
	}
}

func (n *pipeNet) Close() error {
	n.once.Do(func() { close(n.closed) })
	return nil
}

func (n *pipeNet) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }
