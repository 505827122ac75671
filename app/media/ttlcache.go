package media

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ttlCache is a size-bounded LRU whose entries expire after ttl. Expiry is
// checked on read: an expired entry is removed and is a miss. Unlike the
// expirable LRU it starts no sweeper goroutine, which would outlive the
// service (and every test that builds one); an expired entry nobody asks
// for again simply waits for the LRU to push it out.
type ttlCache[K comparable, V any] struct {
	lru *lru.Cache[K, ttlEntry[V]]
	ttl time.Duration
	now func() time.Time
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

// newTTLCache returns a cache of at most size entries (size > 0) that
// expire ttl after they are added, by the clock now.
func newTTLCache[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *ttlCache[K, V] {
	l, err := lru.New[K, ttlEntry[V]](size)
	if err != nil {
		panic(err) // only for size <= 0, a constant here
	}
	return &ttlCache[K, V]{lru: l, ttl: ttl, now: now}
}

// Get returns the live value filed under k.
func (c *ttlCache[K, V]) Get(k K) (V, bool) {
	e, ok := c.lru.Get(k)
	if !ok {
		var zero V
		return zero, false
	}
	if !c.now().Before(e.expires) {
		// A fresh value added meanwhile may go too; that costs a refetch.
		c.lru.Remove(k)
		var zero V
		return zero, false
	}
	return e.v, true
}

// Add files v under k for the cache's ttl from now.
func (c *ttlCache[K, V]) Add(k K, v V) {
	c.lru.Add(k, ttlEntry[V]{v: v, expires: c.now().Add(c.ttl)})
}

// Purge empties the cache.
func (c *ttlCache[K, V]) Purge() { c.lru.Purge() }

// Len is how many entries are held, expired ones included.
func (c *ttlCache[K, V]) Len() int { return c.lru.Len() }
