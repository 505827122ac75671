package media

import (
	"net/netip"
	"time"

	"medianest/app/apperr"
	"medianest/app/ratelimit"
)

// webhookFailures is how many wrong webhook secrets an address may send per
// minute (as a burst, refilled evenly over the minute), like the sign-in
// limit. Overseerr sends the right secret, which never counts, so only
// someone guessing it is slowed down.
const webhookFailures = 10

// failLimitSize bounds the buckets kept: a flood of addresses costs at most
// this many.
const failLimitSize = 10_000

// takeWebhookAttempt takes a token for ip at now. Without one it returns a
// RATE_LIMITED error carrying Retry-After; otherwise refund gives the token
// back (call it when the attempt succeeded).
func takeWebhookAttempt(l *ratelimit.Keyed[netip.Prefix], ip netip.Addr, now time.Time) (refund func(), err error) {
	g, retry, ok := l.Take(ratelimit.ClientKey(ip), now)
	if !ok {
		e := apperr.New(apperr.RateLimited, "Too many failed webhook authentications from your address; try again in %d seconds.", int(retry/time.Second))
		e.RetryAfter = retry
		return nil, e
	}
	return g.Refund, nil
}
