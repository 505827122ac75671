package ttlcache_test

import (
	"testing"
	"time"

	"medianest/app/ttlcache"
)

func TestTTLCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := ttlcache.New[string, int](2, 10*time.Second, func() time.Time { return now })

	if _, ok := c.Get("a"); ok {
		t.Fatal("hit in an empty cache")
	}
	c.Add("a", 1)
	now = now.Add(9 * time.Second)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("before expiry: %v %v", v, ok)
	}
	now = now.Add(time.Second) // exactly ttl after the add: expired
	if _, ok := c.Get("a"); ok {
		t.Fatal("an expired entry was a hit")
	}
	if c.Len() != 0 {
		t.Fatalf("the expired entry was not removed: %d left", c.Len())
	}

	// Adding again starts a new lifetime.
	c.Add("a", 2)
	now = now.Add(5 * time.Second)
	if v, ok := c.Get("a"); !ok || v != 2 {
		t.Fatalf("re-added: %v %v", v, ok)
	}

	// Bounded: the least recently used goes.
	c.Add("b", 3)
	c.Get("a")
	c.Add("c", 4)
	if _, ok := c.Get("b"); ok {
		t.Fatal("b survived eviction")
	}
	if _, ok := c.Get("a"); !ok {
		t.Fatal("a, the most recently used, was evicted")
	}

	c.Purge()
	if c.Len() != 0 {
		t.Fatal("purge left entries")
	}
}
