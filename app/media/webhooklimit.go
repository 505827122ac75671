package media

import (
	"math"
	"net/netip"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"medianest/app/apperr"
)

// webhookFailures is how many wrong webhook secrets an address may send per
// minute (as a burst, refilled evenly over the minute), like the sign-in
// limit. Overseerr sends the right secret, which never counts, so only
// someone guessing it is slowed down.
const webhookFailures = 10

// failLimitSize bounds the buckets kept: a flood of addresses costs at most
// this many, and a bucket pushed out was most likely full again anyway.
const failLimitSize = 10_000

// failLimiter counts failed attempts per client (an IPv4 address, or the
// IPv6 /64 a host usually holds) in token buckets behind a bounded LRU. An
// attempt takes a token before it is judged and gives it back when it
// succeeds, so concurrent guesses cannot all slip past one check.
type failLimiter struct {
	mu  sync.Mutex // makes get-or-create and check-then-take one step
	lru *lru.Cache[netip.Prefix, *rate.Limiter]
	per rate.Limit
	n   int
}

func newFailLimiter(perMinute int) *failLimiter {
	c, err := lru.New[netip.Prefix, *rate.Limiter](failLimitSize)
	if err != nil {
		panic(err) // only for a size <= 0, a constant here
	}
	return &failLimiter{lru: c, per: rate.Limit(float64(perMinute) / 60), n: perMinute}
}

func clientPrefix(ip netip.Addr) netip.Prefix {
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return netip.PrefixFrom(ip, 64).Masked()
	}
	return netip.PrefixFrom(ip, ip.BitLen())
}

// take takes a token for ip at now. Without one it returns a RATE_LIMITED
// error carrying Retry-After; otherwise refund gives the token back (call
// it when the attempt succeeded).
func (l *failLimiter) take(ip netip.Addr, now time.Time) (refund func(), err error) {
	k := clientPrefix(ip)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.lru.Get(k)
	if !ok {
		b = rate.NewLimiter(l.per, l.n)
		l.lru.Add(k, b)
	}
	if tokens := b.TokensAt(now); tokens < 1 {
		retry := time.Duration(max(math.Ceil((1-tokens)/float64(l.per)), 1)) * time.Second
		e := apperr.New(apperr.RateLimited, "Too many failed webhook authentications from your address; try again in %d seconds.", int(retry/time.Second))
		e.RetryAfter = retry
		return nil, e
	}
	r := b.ReserveN(now, 1)
	return func() { r.CancelAt(now) }, nil
}
