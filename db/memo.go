package db

import (
	"sync"
	"time"
)

// Memo remembers values read from the database, counts mostly: counting is
// the costly part of a page (SQLite walks every matching index entry,
// milliseconds at 100k rows) while the page itself is an index range of
// 20. The store that owns the tables calls Invalidate after each of its
// writes, which forgets every value at once; writes made behind its back
// (another process, a cascade from a deleted user) are picked up within
// MemoTTL. The zero Memo is ready to use.
type Memo[V any] struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]memoEntry[V]
}

type memoEntry[V any] struct {
	v   V
	gen uint64
	at  time.Time
}

const (
	// MemoTTL bounds how stale a value can be after a write the owning
	// store did not see.
	MemoTTL   = 10 * time.Second
	memoLimit = 4096
)

// Get returns the value remembered under key, or calls load and remembers
// what it returns. A value loaded while a write happened is returned but
// not kept: it may predate the write.
func (m *Memo[V]) Get(key string, load func() (V, error)) (V, error) {
	now := time.Now()
	m.mu.Lock()
	e, ok := m.entries[key]
	gen := m.gen
	m.mu.Unlock()
	if ok && e.gen == gen && now.Sub(e.at) <= MemoTTL && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if gen == m.gen {
		if m.entries == nil || len(m.entries) >= memoLimit {
			m.entries = map[string]memoEntry[V]{}
		}
		m.entries[key] = memoEntry[V]{v: v, gen: gen, at: now}
	}
	return v, nil
}

// Invalidate forgets every value; call it after any write to the tables
// the values are read from.
func (m *Memo[V]) Invalidate() {
	m.mu.Lock()
	m.gen++
	m.entries = nil
	m.mu.Unlock()
}
