// Package events is MediaNest's push channel to browsers: a hub that fans
// events out to Server-Sent Events streams, one per open page. Producers
// (the status poller, the download workers, request tracking,
// notifications) publish; the hub filters by recipient and never lets a slow
// browser hold a producer back: a client whose buffer is full is dropped and
// its EventSource reconnects. Events that only say the latest state of
// something (download progress) carry a key and replace the undelivered
// one with the same key, so a flood of them never fills a buffer.
package events

import (
	"encoding/json"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/apperr"
)

// Event types sent to browsers.
const (
	ServiceStatus    = "service.status"
	RequestUpdated   = "request.updated"
	DownloadUpdated  = "download.updated"
	DownloadProgress = "download.progress"
	Notification     = "notification"
	Notice           = "notice"
)

// Event is one message for connected clients.
type Event struct {
	// Type is the SSE event name, e.g. "service.status".
	Type string
	// Data is encoded as the JSON data line (nil becomes null).
	Data any
	// UserID is the recipient; 0 means everyone.
	UserID int64
	// Admins makes a user-addressed event reach every admin too.
	Admins bool
	// Key, when set, makes the event latest-wins: it replaces, in its
	// place in the queue, a client's undelivered event with the same key
	// (e.g. "download.progress:42"), and it never counts against the
	// client's buffer. Use it only for events that are superseded by the
	// next one of their key; a client holds at most one per key.
	Key string
}

// Defaults of a hub; see the options to change them.
const (
	DefaultPing         = 15 * time.Second
	DefaultBuffer       = 64
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxStreams is server.max_event_streams' default.
	DefaultMaxStreams = 1000
	// DefaultMaxStreamsPerUser is a few tabs and devices; one page holds
	// one stream, so a sixth page closes the oldest.
	DefaultMaxStreamsPerUser = 5
)

// clientsGauge counts open streams across hubs (one per process in
// practice); it is moved by subscribe and remove, never by a callback, so
// several hubs in one test binary do not fight over its registration.
var clientsGauge = metrics.NewGauge(`medianest_event_streams_open`, nil)

// Hub fans events out to subscribed clients. It is safe for concurrent use.
type Hub struct {
	logger       *slog.Logger
	ping         time.Duration
	buffer       int
	writeTimeout time.Duration
	maxStreams   int
	maxPerUser   int

	mu      sync.RWMutex
	clients map[*client]struct{}
	// byUser is each user's open streams, oldest first; a user without
	// one has no entry.
	byUser map[int64][]*client
	closed bool
}

// client is one open stream.
type client struct {
	userID int64
	admin  bool
	// ready holds a token while queue may be non-empty, to wake the stream.
	ready chan struct{}
	// limit is how many un-keyed messages may wait before the client is
	// dropped as too slow.
	limit int

	mu sync.Mutex
	// queue is the undelivered messages, oldest first: at most limit
	// un-keyed ones and one per key.
	queue []entry
	// at is the index in queue of each key's undelivered message.
	at map[string]int
	// unkeyed counts the un-keyed messages in queue.
	unkeyed int

	// gone is closed when the hub drops the client (slow, or hub closed).
	gone chan struct{}
	once sync.Once
	// cut, when set, makes a write the handler is stuck in fail at once,
	// so a dropped client's connection ends now rather than at its write
	// deadline (and shutdown is not held up by a stalled socket).
	cut func()
}

// entry is one queued message; key is "" for an un-keyed event.
type entry struct {
	key string
	msg []byte
}

// offer queues msg, replacing the undelivered message of the same key. It
// reports false when an un-keyed message finds the buffer full: the client
// is too slow and must be dropped.
func (c *client) offer(key string, msg []byte) bool {
	c.mu.Lock()
	if key != "" {
		if i, ok := c.at[key]; ok {
			c.queue[i].msg = msg
			c.mu.Unlock()
			return true
		}
		if c.at == nil {
			c.at = map[string]int{}
		}
		c.at[key] = len(c.queue)
	} else {
		if c.unkeyed >= c.limit {
			c.mu.Unlock()
			return false
		}
		c.unkeyed++
	}
	c.queue = append(c.queue, entry{key: key, msg: msg})
	c.mu.Unlock()
	select {
	case c.ready <- struct{}{}:
	default: // a token is already waiting
	}
	return true
}

// take hands over every queued message, oldest first, and keeps spare
// (emptied) as the next queue, so a stream reuses two slices for good.
func (c *client) take(spare []entry) []entry {
	clear(spare)
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = spare[:0]
	clear(c.at)
	c.unkeyed = 0
	return q
}

func (c *client) drop() {
	c.once.Do(func() {
		close(c.gone)
		if c.cut != nil {
			c.cut()
		}
	})
}

// wants reports whether the client may see e.
func (c *client) wants(e *Event) bool {
	return e.UserID == 0 || e.UserID == c.userID || (e.Admins && c.admin)
}

// Option changes a hub's defaults.
type Option func(*Hub)

// WithPing sets how often a ": ping" comment keeps idle streams (and the
// proxies in front of them) alive.
func WithPing(d time.Duration) Option {
	return func(h *Hub) {
		if d > 0 {
			h.ping = d
		}
	}
}

// WithBuffer sets how many un-keyed messages may wait for one client before
// it is dropped.
func WithBuffer(n int) Option {
	return func(h *Hub) {
		if n > 0 {
			h.buffer = n
		}
	}
}

// WithWriteTimeout bounds one write to a client; a client whose socket
// accepts nothing for that long is cut off.
func WithWriteTimeout(d time.Duration) Option {
	return func(h *Hub) {
		if d > 0 {
			h.writeTimeout = d
		}
	}
}

// WithMaxStreams caps the open streams of the whole hub; a stream beyond
// it is refused.
func WithMaxStreams(n int) Option {
	return func(h *Hub) {
		if n > 0 {
			h.maxStreams = n
		}
	}
}

// WithMaxStreamsPerUser caps the open streams of one user; a new stream
// beyond it ends that user's oldest.
func WithMaxStreamsPerUser(n int) Option {
	return func(h *Hub) {
		if n > 0 {
			h.maxPerUser = n
		}
	}
}

// NewHub returns an empty hub.
func NewHub(logger *slog.Logger, opts ...Option) *Hub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Hub{
		logger:       logger,
		ping:         DefaultPing,
		buffer:       DefaultBuffer,
		writeTimeout: DefaultWriteTimeout,
		maxStreams:   DefaultMaxStreams,
		maxPerUser:   DefaultMaxStreamsPerUser,
		clients:      map[*client]struct{}{},
		byUser:       map[int64][]*client{},
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

// encode renders e as one SSE message: an event line and one JSON data line
// (encoding/json never emits a raw newline, so one line always suffices).
func encode(e *Event) ([]byte, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(e.Type)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, e.Type...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return b, nil
}

// Publish sends e to every client allowed to see it. It never blocks: the
// message is encoded once, and a client whose buffer is full is dropped
// (its browser reconnects) instead of being waited for. A keyed event
// replaces the client's undelivered one of the same key instead of taking
// a place in the buffer, so it never gets a client dropped.
func (h *Hub) Publish(e Event) {
	msg, err := encode(&e)
	if err != nil {
		h.logger.Error("events: encode", "type", e.Type, "err", err)
		return
	}
	var slow []*client
	h.mu.RLock()
	for c := range h.clients {
		if !c.wants(&e) {
			continue
		}
		if !c.offer(e.Key, msg) {
			slow = append(slow, c)
		}
	}
	h.mu.RUnlock()
	if len(slow) == 0 {
		return
	}
	h.mu.Lock()
	for _, c := range slow {
		h.removeLocked(c)
	}
	h.mu.Unlock()
	for _, c := range slow {
		c.drop()
	}
	h.logger.Warn("events: dropped slow clients", "count", len(slow), "type", e.Type)
}

// errFull refuses a stream beyond the hub's cap.
var errFull = apperr.New(apperr.Unavailable, "Too many live update streams are open; try again in a minute.")

// subscribe adds a client; cut (may be nil) interrupts the client's stream
// when it is dropped. A user at the per-user cap loses their oldest stream
// (a page left open somewhere; its EventSource reconnects when it is still
// wanted), so one user can never hold more than a handful; beyond the total
// cap a new stream is refused.
func (h *Hub) subscribe(userID int64, admin bool, cut func()) (*client, error) {
	c := &client{userID: userID, admin: admin, ready: make(chan struct{}, 1), limit: h.buffer, gone: make(chan struct{}), cut: cut}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, apperr.New(apperr.Unavailable, "The server is shutting down.")
	}
	var evicted []*client
	for len(h.byUser[userID]) >= h.maxPerUser {
		old := h.byUser[userID][0]
		h.removeLocked(old)
		evicted = append(evicted, old)
	}
	full := len(h.clients) >= h.maxStreams
	if !full {
		h.clients[c] = struct{}{}
		h.byUser[userID] = append(h.byUser[userID], c)
		clientsGauge.Inc()
	}
	h.mu.Unlock()
	for _, old := range evicted {
		old.drop()
	}
	if full {
		return nil, errFull
	}
	return c, nil
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	h.removeLocked(c)
	h.mu.Unlock()
	c.drop()
}

// removeLocked forgets c; the caller drops it after unlocking, so that
// interrupting its stream never happens under the hub's lock.
func (h *Hub) removeLocked(c *client) {
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	clientsGauge.Dec()
	mine := h.byUser[c.userID]
	if i := slices.Index(mine, c); i >= 0 {
		mine = slices.Delete(mine, i, i+1) // zeroes the freed slot: nothing keeps c alive
	}
	if len(mine) == 0 {
		delete(h.byUser, c.userID)
	} else {
		h.byUser[c.userID] = mine
	}
}

// Clients is the number of open streams.
func (h *Hub) Clients() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

// Close ends every open stream at once and refuses new ones (shutdown:
// http.Server.Shutdown does not interrupt running handlers, so streams must
// be told to end).
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	all := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		all = append(all, c)
		h.removeLocked(c)
	}
	h.mu.Unlock()
	for _, c := range all {
		c.drop()
	}
}

// DropUser ends the open streams of one user, or of everyone when userID is
// 0, without closing the hub. Auth calls it when it ends sessions (sign-out,
// a password, role or status change, a deleted account): a stream opened
// with a session must not outlive it, and the browser's EventSource then
// reconnects with whatever credential it still has.
func (h *Hub) DropUser(userID int64) {
	h.mu.Lock()
	var gone []*client
	for c := range h.clients {
		if userID == 0 || c.userID == userID {
			gone = append(gone, c)
			h.removeLocked(c)
		}
	}
	h.mu.Unlock()
	for _, c := range gone {
		c.drop()
	}
}
