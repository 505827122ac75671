package auth

import (
	"fmt"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/apperr"
)

// signInReasons names, for medianest_signin_failures_total, why a sign-in
// was refused. The label values are this fixed set, never the user's input.
var signInReasons = map[apperr.Kind]string{
	apperr.InvalidCredentials: "invalid_credentials",
	apperr.RateLimited:        "rate_limited",
	apperr.AccountDisabled:    "account_disabled",
	apperr.NoServerAccess:     "no_server_access",
	apperr.PinExpired:         "pin_expired",
	apperr.Invalid:            "invalid_request",
	apperr.Forbidden:          "unavailable",
	apperr.Unavailable:        "unavailable",
	apperr.UpstreamError:      "upstream_error",
	apperr.UpstreamTimeout:    "upstream_error",
}

// signInFailures holds a counter per provider and reason, all created at
// start so that a rate of each is defined before the first failure.
var signInFailures = func() map[[2]string]*metrics.Counter {
	m := map[[2]string]*metrics.Counter{}
	for _, provider := range []string{"local", "plex"} {
		for _, reason := range append(mapValues(signInReasons), "error") {
			k := [2]string{provider, reason}
			if m[k] == nil {
				m[k] = metrics.NewCounter(fmt.Sprintf(`medianest_signin_failures_total{provider=%q,reason=%q}`, provider, reason))
			}
		}
	}
	return m
}()

func mapValues(m map[apperr.Kind]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// countSignInFailure counts err, when there is one, as a refused sign-in
// through provider ("local" or "plex").
func countSignInFailure(provider string, err error) {
	if err == nil {
		return
	}
	reason, ok := signInReasons[apperr.KindOf(err)]
	if !ok {
		reason = "error"
	}
	signInFailures[[2]string{provider, reason}].Inc()
}
