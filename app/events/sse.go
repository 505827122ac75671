package events

import (
	"net/http"
	"sync"
	"time"

	"medianest/app/principal"

	"medianest/app/apperr"
	"medianest/app/httpx"
)

// Guard is the authentication middleware the stream is mounted behind.
type Guard interface {
	RequireUser(http.Handler) http.Handler
}

// Routes registers GET /api/v1/events (signed-in users).
func (h *Hub) Routes(mux *http.ServeMux, guard Guard) {
	mux.Handle("GET /api/v1/events", guard.RequireUser(h))
}

// ServeHTTP streams the events the signed-in caller may see until the
// client goes away, the client is dropped as too slow, or the hub closes.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, ok := principal.UserFrom(r.Context())
	if !ok {
		httpx.Error(w, r, apperr.New(apperr.Unauthorized, "Sign in to receive events."))
		return
	}
	rc := http.NewResponseController(w)
	// Dropping the client moves the write deadline to now, which ends a
	// write that a stalled socket would otherwise hold until its deadline.
	// The mutex orders that against the handler's own deadline changes, so
	// a cut is never undone.
	var (
		dmu    sync.Mutex
		cutOff bool
	)
	cut := func() {
		dmu.Lock()
		defer dmu.Unlock()
		cutOff = true
		rc.SetWriteDeadline(time.Now())
	}
	deadline := func(t time.Time) (bool, error) {
		dmu.Lock()
		defer dmu.Unlock()
		if cutOff {
			return false, nil
		}
		return true, rc.SetWriteDeadline(t)
	}
	c, err := h.subscribe(u.ID, u.IsAdmin(), cut)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	defer h.remove(c)

	// The server's WriteTimeout is meant for ordinary responses and would
	// cut the stream; each write below gets its own deadline instead.
	if _, err := deadline(time.Time{}); err != nil {
		httpx.Logger(r.Context()).Debug("events: cannot lift the write deadline", "err", err)
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	// nginx buffers proxied responses unless told not to.
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	// write writes b; with flush it also flushes.
	write := func(b []byte, flush bool) bool {
		if live, _ := deadline(time.Now().Add(h.writeTimeout)); !live {
			return false
		}
		if _, err := w.Write(b); err != nil {
			return false
		}
		return !flush || rc.Flush() == nil
	}
	// The retry hint and a first comment get the headers through any proxy
	// at once, so the browser sees the stream open.
	if !write([]byte("retry: 5000\n: connected\n\n"), true) {
		return
	}
	ping := time.NewTicker(h.ping)
	defer ping.Stop()
	var batch []entry
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.gone:
			// Ended rather than cut (a cut already set a deadline of now,
			// which this leaves alone): the last write's deadline may have
			// passed while the stream was idle, and net/http's closing
			// chunk needs one of its own, or the browser sees a broken
			// response.
			deadline(time.Now().Add(h.writeTimeout))
			return
		case <-ping.C:
			if !write([]byte(": ping\n\n"), true) {
				return
			}
		case <-c.ready:
			// Everything queued goes out in one flush.
			batch = c.take(batch)
			for i, e := range batch {
				if !write(e.msg, i == len(batch)-1) {
					return
				}
			}
		}
	}
}
