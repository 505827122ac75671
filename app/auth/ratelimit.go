package auth

import (
	"strings"
	"time"

	"medianest/app/apperr"
)

// PIN endpoints are polled (every pollIntervalMs by the UI), so their limit
// is looser than the sign-in one: 2 requests a second per address on
// average, with room for a burst of 60.
const (
	pinRate  = 2
	pinBurst = 60
)

// limiterSize bounds the buckets of each sign-in limit.
const limiterSize = 50_000

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
