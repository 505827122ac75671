package media

import (
	"fmt"
	"sync"
	"time"
)

// countCache remembers the totals of request listings. Counting is the
// costly part of a page (SQLite walks every matching index entry: several
// milliseconds at 100k rows), while the page itself is an index range of
// 20. Every write made through this package invalidates all totals at
// once; writes made elsewhere (a deleted user's requests going with it) are
// picked up within countTTL.
type countCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]countEntry
}

type countEntry struct {
	n   int64
	gen uint64
	at  time.Time
}

const (
	countTTL        = 10 * time.Second
	countCacheLimit = 4096
)

func countKey(where string, args []any) string {
	return where + fmt.Sprint(args...)
}

func (c *countCache) get(key string, now time.Time) (int64, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || e.gen != c.gen || now.Sub(e.at) > countTTL || now.Before(e.at) {
		return 0, c.gen, false
	}
	return e.n, c.gen, true
}

// put files n as counted at generation gen; a write since then makes it
// worthless, so it is dropped.
func (c *countCache) put(key string, n int64, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= countCacheLimit {
		c.entries = map[string]countEntry{}
	}
	c.entries[key] = countEntry{n: n, gen: gen, at: now}
}

// invalidate forgets every total; call it after any change to
// media_requests.
func (c *countCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.entries = nil
	c.mu.Unlock()
}
