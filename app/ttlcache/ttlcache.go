// Package ttlcache is a size-bounded LRU whose entries expire, shared by the
// domains that cache upstream answers (Plex, Overseerr, yt-dlp).
package ttlcache

import (
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Cache is a size-bounded LRU whose entries expire after ttl. Expiry is
// checked on read: an expired entry is removed and is a miss. Unlike the
// expirable LRU it starts no sweeper goroutine, which would outlive the
// service (and every test that builds one); an expired entry nobody asks
// for again simply waits for the LRU to push it out.
type Cache[K comparable, V any] struct {
	lru *lru.Cache[K, entry[V]]
	ttl time.Duration
	now func() time.Time
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache of at most size entries (size > 0) that
// expire ttl after they are added, by the clock now.
func New[K comparable, V any](size int, ttl time.Duration, now func() time.Time) *Cache[K, V] {
	l, err := lru.New[K, entry[V]](size)
	if err != nil {
		panic(err) // only for size <= 0, a constant here
	}
	return &Cache[K, V]{lru: l, ttl: ttl, now: now}
}

// Get returns the live value filed under k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
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
func (c *Cache[K, V]) Add(k K, v V) {
	c.lru.Add(k, entry[V]{v: v, expires: c.now().Add(c.ttl)})
}

// Purge empties the cache.
func (c *Cache[K, V]) Purge() { c.lru.Purge() }

// Len is how many entries are held, expired ones included.
func (c *Cache[K, V]) Len() int { return c.lru.Len() }
