package auth

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"medianest/app/apperr"
)

// PIN endpoints are polled (every pollIntervalMs by the UI), so their limit
// is looser than the sign-in one: 2 requests a second per address on
// average, with room for a burst of 60.
const (
	pinRate  = 2
	pinBurst = 60
)

// limiter keeps one token bucket per client (see clientKey) in a bounded
// LRU, so a flood of addresses costs at most limiterSize buckets. Every use
// of an entry renews its expiry, so an entry is forgotten only after it went
// unused for ttl, which is longer than an empty bucket takes to fill up
// again: a forgotten bucket was full anyway, and the sustained rate of a
// busy client is the configured one.
//
// A bucket is taken from before the work it guards and may be given back
// afterwards (refund), so concurrent requests cannot all pass a check made
// before any of them counted.
type limiter struct {
	mu    sync.Mutex // guards every bucket
	lru   *expirable.LRU[netip.Prefix, *bucket]
	rate  float64 // tokens added a second
	burst float64
}

// bucket is a token bucket: tokens as of last.
type bucket struct {
	tokens float64
	last   time.Time
}

const limiterSize = 50_000

func newLimiter(perSecond float64, burst int) *limiter {
	// Longer than an empty bucket takes to fill up again.
	ttl := time.Duration(float64(burst)/perSecond*float64(time.Second)) + time.Minute
	return newLimiterTTL(perSecond, burst, ttl)
}

func newLimiterTTL(perSecond float64, burst int, ttl time.Duration) *limiter {
	return &limiter{
		lru:   expirable.NewLRU[netip.Prefix, *bucket](limiterSize, nil, ttl),
		rate:  perSecond,
		burst: float64(burst),
	}
}

// clientKey is what per-address limits count by: an IPv4 address itself,
// an IPv6 address by the /64 it is in. A single host or subscriber usually
// holds a whole /64, so counting IPv6 addresses one by one would give it a
// practically unlimited number of buckets.
func clientKey(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked()
	}
	return netip.PrefixFrom(ip, ip.BitLen())
}

// fill adds the tokens earned since b.last.
func (b *bucket) fill(now time.Time, rate, burst float64) {
	if now.After(b.last) {
		b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
		b.last = now
	}
}

// allow takes one token for ip's client and reports whether there was one;
// when not, how long until there is.
func (l *limiter) allow(ip netip.Addr, now time.Time) (time.Duration, bool) {
	k := clientKey(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.lru.Get(k)
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
	}
	// Adding an existing key renews its expiry.
	l.lru.Add(k, b)
	b.fill(now, l.rate, l.burst)
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return wait(1-b.tokens, l.rate), false
}

// refund gives back a token allow took, for an attempt that turned out not
// to count (a correct password).
func (l *limiter) refund(ip netip.Addr, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.lru.Peek(clientKey(ip)); ok {
		b.fill(now, l.rate, l.burst)
		b.tokens = min(l.burst, b.tokens+1)
	}
}

func wait(tokens, rate float64) time.Duration {
	secs := math.Ceil(tokens / rate)
	return time.Duration(max(secs, 1)) * time.Second
}

func rateLimited(retry time.Duration, what string) error {
	e := apperr.New(apperr.RateLimited, "Too many %s from your address; try again in %d seconds.", what, int(retry/time.Second))
	e.RetryAfter = retry
	return e
}
