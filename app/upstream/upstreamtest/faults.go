// Package upstreamtest holds what every upstream fake (plextest,
// overseerrtest, kumatest) needs besides its own routes: the switches that
// make it fail the ways real services fail.
package upstreamtest

import (
	"net/http"
	"sync"
	"time"
)

// Faults makes a fake answer errors, stall, or answer slowly. Embed it in a
// fake to give it SetDown, SetHang, SetDelay and Hang. Its methods are safe
// for concurrent use.
type Faults struct {
	mu    sync.Mutex
	down  int
	delay time.Duration
	once  sync.Once
	done  chan struct{}
}

// NewFaults returns switches that are all off.
func NewFaults() *Faults { return &Faults{done: make(chan struct{})} }

// SetDown makes every request answer status (e.g. 500, 503) until
// SetDown(0) brings the fake back.
func (f *Faults) SetDown(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = status
}

// SetDelay makes every request wait d before it is answered (0: no delay).
// A client that gives up earlier sees a timeout.
func (f *Faults) SetDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// SetHang makes every request stall until the client gives up or the test
// ends (false: answer again).
func (f *Faults) SetHang(hang bool) {
	var d time.Duration
	if hang {
		d = 24 * time.Hour
	}
	f.SetDelay(d)
}

// Hang is SetHang(true).
func (f *Faults) Hang() { f.SetHang(true) }

// Release lets every stalled request go, for good; call it before closing
// the httptest server, whose Close waits for running handlers.
func (f *Faults) Release() { f.once.Do(func() { close(f.done) }) }

// Wrap applies the switches in front of h. downBody writes a downed fake's
// answer in the upstream's own style.
func (f *Faults) Wrap(h http.Handler, downBody func(w http.ResponseWriter, status int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		down, delay := f.down, f.delay
		f.mu.Unlock()
		if delay > 0 {
			timer := time.NewTimer(delay)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-r.Context().Done():
				return
			case <-f.done:
				return
			}
		}
		if down != 0 {
			downBody(w, down)
			return
		}
		h.ServeHTTP(w, r)
	})
}
