package auth

import (
	"math"
	"net/netip"
	"strings"
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

// limiter keeps one token bucket (a rate.Limiter) per key (a client, see
// clientKey, or an account name) in a bounded LRU, so a flood of addresses
// or names costs at most limiterSize buckets. A bucket computes its tokens when asked, so one left
// alone is simply full when next used, and a forgotten bucket (pushed out by
// limiterSize busier clients) was most likely full anyway.
//
// A token is taken before the work it guards and may be given back
// afterwards (grant.refund), so concurrent requests cannot all pass a check
// made before any of them counted.
type limiter[K comparable] struct {
	// mu makes "is there a token? then take it" one step, and the
	// get-or-create of a client's bucket.
	mu    sync.Mutex
	lru   *lru.Cache[K, *rate.Limiter]
	rate  rate.Limit
	burst int
}

const limiterSize = 50_000

func newLimiter[K comparable](perSecond rate.Limit, burst int) *limiter[K] {
	c, err := lru.New[K, *rate.Limiter](limiterSize)
	if err != nil {
		panic(err) // only for a size <= 0
	}
	return &limiter[K]{lru: c, rate: perSecond, burst: burst}
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

// take takes one token for k; when there is none it takes nothing and says
// how long until there is one.
func (l *limiter[K]) take(k K, now time.Time) (grant, time.Duration, bool) {
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
	return limited(retry, "Too many %s from your address; try again in %d seconds.", what)
}

func limited(retry time.Duration, format, what string) error {
	e := apperr.New(apperr.RateLimited, format, what, int(retry/time.Second))
	e.RetryAfter = retry
	return e
}

// accountKey is what the per-account sign-in limit counts by: the name as
// typed, case-folded (names are matched without case) and cut, whether or
// not such an account exists, so that the limit tells nobody which do.
func accountKey(username string) string {
	return strings.ToLower(cutUTF8(username, 128))
}

// An account may take accountBurst × auth.login_rate_limit failed sign-ins
// at once, from any number of addresses, then auth.login_rate_limit a
// minute. It is looser than the per-address limit so that a guesser has to
// work to keep the real user out, and only failures count: a correct
// password gives its attempt back.
const accountBurst = 3
