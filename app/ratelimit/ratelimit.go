// Package ratelimit keeps one token bucket (a rate.Limiter) per key — a
// client address, an account name — in a bounded LRU, for the limits that
// slow down guessing: sign-ins, Plex PINs, webhook secrets.
//
// A token is taken before the work it guards and may be given back
// afterwards (Grant.Refund, for an attempt that turned out not to count),
// so concurrent attempts cannot all pass a check made before any of them
// counted.
package ratelimit

import (
	"math"
	"net/netip"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Keyed is a set of token buckets, one per key. A flood of keys costs at
// most size buckets: a bucket computes its tokens when asked, so one pushed
// out by busier keys was most likely full again anyway.
type Keyed[K comparable] struct {
	// mu makes "is there a token? then take it" one step, and the
	// get-or-create of a key's bucket.
	mu    sync.Mutex
	lru   *lru.Cache[K, *rate.Limiter]
	rate  rate.Limit
	burst int
}

// New returns buckets that refill at perSecond tokens a second up to burst,
// keeping at most size of them.
func New[K comparable](perSecond rate.Limit, burst, size int) *Keyed[K] {
	c, err := lru.New[K, *rate.Limiter](size)
	if err != nil {
		panic(err) // only for a size <= 0, a constant at every caller
	}
	return &Keyed[K]{lru: c, rate: perSecond, burst: burst}
}

// PerMinute is n tokens a minute, refilled evenly.
func PerMinute(n int) rate.Limit { return rate.Limit(float64(n) / 60) }

// Grant is a token taken from a key's bucket; the zero Grant is none.
type Grant struct {
	r  *rate.Reservation
	at time.Time
}

// Refund gives the token back. A bucket never rises past its burst.
func (g Grant) Refund() {
	if g.r != nil {
		// Cancelled as of when it was taken: a reservation already acted on
		// by the time given is not restored.
		g.r.CancelAt(g.at)
	}
}

// Take takes one token for k at now. When there is none it takes nothing
// and says how long until there is one, in whole seconds (at least 1), as
// a Retry-After header wants it.
func (l *Keyed[K]) Take(k K, now time.Time) (g Grant, retry time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.lru.Get(k)
	if !found {
		b = rate.NewLimiter(l.rate, l.burst)
		l.lru.Add(k, b)
	}
	if tokens := b.TokensAt(now); tokens < 1 {
		secs := math.Ceil((1 - tokens) / float64(l.rate))
		return Grant{}, time.Duration(max(secs, 1)) * time.Second, false
	}
	return Grant{r: b.ReserveN(now, 1), at: now}, 0, true
}

// Len is how many buckets are kept.
func (l *Keyed[K]) Len() int { return l.lru.Len() }

// ClientKey is what per-address limits count by: an IPv4 address itself,
// an IPv6 address by the /64 it is in. A single host or subscriber usually
// holds a whole /64, so counting IPv6 addresses one by one would give it a
// practically unlimited number of buckets.
func ClientKey(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked()
	}
	return netip.PrefixFrom(ip, ip.BitLen())
}
