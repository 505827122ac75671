package upstream

import (
	"errors"
	"fmt"
	"net/http"
)

// Transport failures, matched with errors.Is. They say what went wrong on
// the wire, not what the API answers: the domain that called decides that.
var (
	// ErrTimeout: the upstream did not answer within the client's timeout.
	ErrTimeout = errors.New("timed out")
	// ErrUnavailable: the circuit breaker is open after repeated failures,
	// so the request was not sent.
	ErrUnavailable = errors.New("unavailable after repeated failures")
	// ErrRefused: nothing listens at the address (connection refused).
	ErrRefused = errors.New("connection refused")
	// ErrUnreachable: any other failure to get an answer (DNS, TLS, reset).
	ErrUnreachable = errors.New("unreachable")
	// ErrUnreadable: an answer came but could not be read or decoded.
	ErrUnreadable = errors.New("unreadable answer")
)

// Error is a transport failure of one upstream. errors.Is matches its Kind
// (one of the Err* sentinels) and its cause; Message is a sentence for users
// that names the service but never its URL or credentials.
type Error struct {
	// Service is how users know the upstream ("Plex", "Overseerr").
	Service string
	// Kind is ErrTimeout, ErrUnavailable, ErrRefused, ErrUnreachable or
	// ErrUnreadable.
	Kind error
	// Reason, when set, replaces the default sentence of Message.
	Reason string
	// Err is the cause, for the log.
	Err error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("upstream: %s: %v", e.Service, e.Kind)
	}
	return fmt.Sprintf("upstream: %s: %v: %v", e.Service, e.Kind, e.Err)
}

// Unwrap exposes both the kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Message is the failure in one sentence for users.
func (e *Error) Message() string {
	if e.Reason != "" {
		return e.Reason
	}
	switch e.Kind {
	case ErrTimeout:
		return e.Service + " did not answer in time."
	case ErrUnavailable:
		return e.Service + " is unavailable after repeated failures; trying again shortly."
	case ErrRefused:
		return e.Service + " refused the connection; is it running?"
	case ErrUnreadable:
		return e.Service + " sent an answer MediaNest could not read."
	}
	return e.Service + " could not be reached."
}

// Unreadable is the error of an answer that came but makes no sense, e.g.
// a PIN without an id; reason is the sentence users see.
func Unreadable(service, reason string, cause error) error {
	return &Error{Service: service, Kind: ErrUnreadable, Reason: reason, Err: cause}
}

// StatusError is an upstream's non-2xx answer. Clients inspect it (errors.As)
// to turn well-known statuses into their own errors, e.g. a 404 PIN into an
// expired PIN.
type StatusError struct {
	Service string
	Status  int
	Body    []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered HTTP %d", e.Service, e.Status)
}

// Message is the answer in one sentence for users.
func (e *StatusError) Message() string {
	return fmt.Sprintf("%s answered with an error (HTTP %d).", e.Service, e.Status)
}

// Transient reports whether trying the same request later may succeed: a
// timeout, an open breaker, a refused or dropped connection, a 5xx or a 429.
// Other 4xx answers and unreadable answers are permanent: the upstream will
// say the same again. An error that is not a transport failure (nil, a
// cancelled caller, a domain error without a transport cause) is not
// transient.
func Transient(err error) bool {
	if se, ok := errors.AsType[*StatusError](err); ok {
		return se.Status >= 500 || se.Status == http.StatusTooManyRequests
	}
	if ue, ok := errors.AsType[*Error](err); ok {
		return ue.Kind != ErrUnreadable
	}
	return false
}
