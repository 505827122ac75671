package auth

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"medianest/app/apperr"
)

// PIN endpoints are polled (every pollIntervalMs by the UI), so their limit
// is looser than the sign-in one: 2 requests a second per address on
// average, with room for a burst of 60.
const (
	pinRate  = 2
	pinBurst = 60
)

// limiter keeps one token bucket per client address in a bounded LRU, so a
// flood of addresses costs at most limiterSize buckets. An entry expires a
// while after it was created (expire-after-write); by then its bucket has
// refilled anyway, so forgetting it loses nothing.
type limiter struct {
	mu    sync.Mutex
	lru   *expirable.LRU[netip.Addr, *rate.Limiter]
	limit rate.Limit
	burst int
}

const limiterSize = 50_000

func newLimiter(perSecond float64, burst int) *limiter {
	// Long enough for an empty bucket to fill up again.
	ttl := time.Duration(float64(burst)/perSecond*float64(time.Second)) + time.Minute
	return &limiter{
		lru:   expirable.NewLRU[netip.Addr, *rate.Limiter](limiterSize, nil, ttl),
		limit: rate.Limit(perSecond),
		burst: burst,
	}
}

func (l *limiter) get(ip netip.Addr) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.lru.Get(ip)
	if !ok {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.lru.Add(ip, lim)
	}
	return lim
}

// blocked reports whether ip has used up its bucket, without taking from it,
// and if so how long until it may try again.
func (l *limiter) blocked(ip netip.Addr, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	lim, ok := l.lru.Peek(ip)
	l.mu.Unlock()
	if !ok {
		return 0, false
	}
	if tokens := lim.TokensAt(now); tokens < 1 {
		return wait(1-tokens, l.limit), true
	}
	return 0, false
}

// take takes one token for ip (a failed sign-in).
func (l *limiter) take(ip netip.Addr, now time.Time) {
	l.get(ip).AllowN(now, 1)
}

// allow takes one token for ip and reports whether there was one; when not,
// how long until there is.
func (l *limiter) allow(ip netip.Addr, now time.Time) (time.Duration, bool) {
	lim := l.get(ip)
	if lim.AllowN(now, 1) {
		return 0, true
	}
	return wait(1-lim.TokensAt(now), l.limit), false
}

func wait(tokens float64, limit rate.Limit) time.Duration {
	secs := math.Ceil(tokens / float64(limit))
	return time.Duration(max(secs, 1)) * time.Second
}

func rateLimited(retry time.Duration, what string) error {
	e := apperr.New(apperr.RateLimited, "Too many %s from your address; try again in %d seconds.", what, int(retry/time.Second))
	e.RetryAfter = retry
	return e
}
