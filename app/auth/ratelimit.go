package auth

import (
	"math"
	"net/netip"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
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

// limiter keeps one token bucket (a rate.Limiter) per client (see
// clientKey) in a bounded LRU, so a flood of addresses costs at most
// limiterSize buckets. A bucket computes its tokens when asked, so one left
// alone is simply full when next used, and a forgotten bucket (pushed out by
// limiterSize busier clients) was most likely full anyway.
//
// A token is taken before the work it guards and may be given back
// afterwards (grant.refund), so concurrent requests cannot all pass a check
// made before any of them counted.
type limiter struct {
	// mu makes "is there a token? then take it" one step, and the
	// get-or-create of a client's bucket.
	mu    sync.Mutex
	lru   *lru.Cache[netip.Prefix, *rate.Limiter]
	rate  rate.Limit
	burst int
}

const limiterSize = 50_000

func newLimiter(perSecond rate.Limit, burst int) *limiter {
	c, err := lru.New[netip.Prefix, *rate.Limiter](limiterSize)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &limiter{lru: c, rate: perSecond, burst: burst}
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

// grant is a token taken from a client's bucket.
type grant struct {
	r  *rate.Reservation
	at time.Time
}

// refund gives the token back, for an attempt that turned out not to count
// (a correct password). A bucket never rises past its burst.
func (g grant) refund() {
	if g.r != nil {
		// Cancelled as of when it was taken: a reservation already acted on
		// by the time given is not restored.
		g.r.CancelAt(g.at)
	}
}

// take takes one token for ip's client; when there is none it takes nothing
// and says how long until there is one.
func (l *limiter) take(ip netip.Addr, now time.Time) (grant, time.Duration, bool) {
	k := clientKey(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.lru.Get(k)
	if !ok {
		b = rate.NewLimiter(l.rate, l.burst)
		l.lru.Add(k, b)
	}
	if tokens := b.TokensAt(now); tokens < 1 {
		return grant{}, wait(1-tokens, float64(l.rate)), false
	}
	return grant{r: b.ReserveN(now, 1), at: now}, 0, true
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
