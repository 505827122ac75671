package plex

import (
	"errors"
	"fmt"

	"medianest/app/upstream"
)

// Plex's own failures, matched with errors.Is on an *Error. Transport
// failures are the upstream client's (*upstream.Error, *upstream.StatusError)
// and stay reachable through the chain.
var (
	// ErrNotConfigured: no Plex server URL is set.
	ErrNotConfigured = errors.New("no plex server is configured")
	// ErrInvalidURL: the Plex server URL is not an http(s) URL.
	ErrInvalidURL = errors.New("invalid plex server url")
	// ErrNotFound: the object does not exist, or the token may not see it.
	ErrNotFound = errors.New("not found")
	// ErrInvalidToken: plex.tv did not accept the token, or none was given.
	ErrInvalidToken = errors.New("invalid plex token")
	// ErrPINExpired: plex.tv forgot the PIN, or it lapsed unapproved.
	ErrPINExpired = errors.New("pin expired")
	// ErrInvalidArgument: a caller's value cannot be sent to Plex; Field
	// names it.
	ErrInvalidArgument = errors.New("invalid argument")
)

// Error is a Plex failure: Kind is one of the Err* sentinels, Msg the
// sentence users see, Field the argument an ErrInvalidArgument is about, and
// Err the upstream cause when there is one.
type Error struct {
	Kind  error
	Msg   string
	Field string
	Err   error
}

func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Field != "" {
		s += ": " + e.Field + " " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Message is the sentence users see.
func (e *Error) Message() string { return e.Msg }

func fail(kind error, cause error, msg string) *Error {
	return &Error{Kind: kind, Msg: msg, Err: cause}
}

func invalid(field, msg string) *Error {
	return &Error{Kind: ErrInvalidArgument, Field: field, Msg: msg}
}

// wrap prefixes an error leaving an exported method with "plex: <op>: ", so
// a log line says which call failed; the *Error and any upstream error stay
// reachable through the chain.
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
// to ErrNotFound. A section, item or image outside the token's shares is
// refused with 401 or 403 rather than 404, and one that does not exist is
// 404; the API contract treats both the same so that a user cannot probe for
// libraries they were not given. The upstream error stays in the chain.
func hidden(err error, what string) error {
	switch StatusCode(err) {
	case 401, 403, 404:
		return fail(ErrNotFound, err, what+" was not found on Plex.")
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
