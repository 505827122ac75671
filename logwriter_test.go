package main

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// blockingWriter blocks each Write until released, and says when one began.
type blockingWriter struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	got     bytes.Buffer
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	b.entered <- struct{}{}
	<-b.release
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.got.Write(p)
}

// A log line written while the buffer is being written out must not wait
// for the write out: a slow pipe would otherwise stall every request's
// access line behind each flush.
func TestLogWriterWriteDoesNotWaitForFlush(t *testing.T) {
	out := &blockingWriter{entered: make(chan struct{}, 1), release: make(chan struct{})}
	l := newLogWriter(out)
	l.Write([]byte("first\n"))
	flushed := make(chan struct{})
	go func() { l.Flush(); close(flushed) }()
	<-out.entered // the flush is now inside out.Write

	wrote := make(chan struct{})
	go func() { l.Write([]byte("second\n")); close(wrote) }()
	select {
	case <-wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("Write waited for the flush in progress")
	}
	close(out.release)
	<-flushed
	go func() {
		for range out.entered {
		}
	}()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	close(out.entered)
	if got := out.got.String(); got != "first\nsecond\n" {
		t.Errorf("written %q, want both lines in order", got)
	}
}
