package plex

import (
	"errors"
	"fmt"

	"medianest/app/apperr"
	"medianest/app/upstream"
)

// wrap prefixes an error leaving an exported method with "plex: <op>: ", so
// a log line says which call failed; the apperr kind and any
// *upstream.StatusError stay reachable through the chain.
func wrap(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf("plex: "+format+": %w", append(args, *err)...)
	}
}

// StatusCode returns the HTTP status Plex answered with when err came from a
// non-2xx answer, and 0 otherwise (timeouts, refused connections, decoding
// failures). Handlers use it to tell "Plex refused this token" (401) from
// "Plex is broken" (5xx) without depending on upstream's types.
func StatusCode(err error) int {
	if se, ok := errors.AsType[*upstream.StatusError](err); ok {
		return se.Status
	}
	return 0
}

// hidden maps the statuses PMS uses for "this token may not see that object"
// to NOT_FOUND. A section, item or image outside the token's shares is
// refused with 401 or 403 rather than 404, and one that does not exist is
// 404; the API contract treats both the same so that a user cannot probe for
// libraries they were not given. The upstream error stays in the chain.
func hidden(err error, what string) error {
	switch StatusCode(err) {
	case 401, 403, 404:
		return apperr.Wrap(apperr.NotFound, err, "%s was not found on Plex.", what)
	}
	return err
}

// invalidKey reports whether a section key or rating key is unfit to be put
// in a URL path. Plex keys are short and numeric; anything else (slashes,
// dots, escapes) could steer the request to another endpoint.
func invalidKey(k string) bool {
	if k == "" || len(k) > 64 {
		return true
	}
	for _, r := range k {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_':
		default:
			return true
		}
	}
	return false
}
