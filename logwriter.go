package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logFlushEvery is how long a log line may wait in the buffer.
const logFlushEvery = 100 * time.Millisecond

// logWriter buffers the server's log so that the access log does not cost
// one write system call per request: lines are flushed every
// logFlushEvery, when the buffer fills, at once for a warning or an error
// (logHandler), and on Close, so nothing is lost on shutdown.
//
// A flush swaps the buffer for a spare one and writes the full one out with
// only outMu held: lines logged meanwhile go into the fresh buffer and do
// not wait for a slow pipe. outMu keeps the write-outs in order.
type logWriter struct {
	out   io.Writer // what the buffer writes to
	mu    sync.Mutex
	buf   []byte // guarded by mu
	outMu sync.Mutex
	spare []byte // guarded by outMu
	stop  chan struct{}
	done  chan struct{}
}

// logBufSize is the size at which a writer flushes the buffer itself.
const logBufSize = 64 << 10

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{out: w, buf: make([]byte, 0, logBufSize), spare: make([]byte, 0, logBufSize), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(logFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.Flush()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	full := len(l.buf) >= logBufSize
	l.mu.Unlock()
	if full {
		return len(p), l.Flush()
	}
	return len(p), nil
}

// Flush writes out what is buffered.
func (l *logWriter) Flush() error {
	l.outMu.Lock()
	defer l.outMu.Unlock()
	l.mu.Lock()
	b := l.buf
	l.buf = l.spare[:0]
	l.mu.Unlock()
	var err error
	if len(b) > 0 {
		_, err = l.out.Write(b)
	}
	if cap(b) > 4*logBufSize {
		b = make([]byte, 0, logBufSize) // a burst's buffer is not kept
	}
	l.spare = b[:0]
	return err
}

// Close stops the flusher and writes out the rest.
func (l *logWriter) Close() error {
	close(l.stop)
	<-l.done
	return l.Flush()
}

// logHandler flushes the log writer after each warning or error, which
// someone may be waiting to read (and which may come just before a crash).
type logHandler struct {
	slog.Handler
	w *logWriter
}

func (h logHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.w.Flush()
	}
	return err
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{h.Handler.WithAttrs(as), h.w}
}

func (h logHandler) WithGroup(name string) slog.Handler {
	return logHandler{h.Handler.WithGroup(name), h.w}
}
