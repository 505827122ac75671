// Package apperr defines the kinds of error a user can be shown. Domain code
// returns these kinds for user-facing conditions; httpx maps each kind to its
// HTTP status and API error code in exactly one place. Any other error is an
// internal error: it is logged with the request id and never shown.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Kind classifies an error for the API. The zero value is Internal so that a
// bare error can never be mistaken for a user mistake.
type Kind int

// The kinds, one per error code of the API contract.
const (
	Internal Kind = iota
	Invalid
	InvalidURL
	Unauthorized
	InvalidCredentials
	Forbidden
	AccountDisabled
	NoServerAccess
	CrossOrigin
	NotFound
	AlreadyRequested
	DuplicateDownload
	Conflict
	PinExpired
	PayloadTooLarge
	QuotaExceeded
	RateLimited
	UpstreamError
	Unavailable
	UpstreamTimeout
)

var kinds = [...]struct {
	code   string
	status int
}{
	Internal:           {"INTERNAL", http.StatusInternalServerError},
	Invalid:            {"VALIDATION_ERROR", http.StatusBadRequest},
	InvalidURL:         {"INVALID_URL", http.StatusBadRequest},
	Unauthorized:       {"UNAUTHORIZED", http.StatusUnauthorized},
	InvalidCredentials: {"INVALID_CREDENTIALS", http.StatusUnauthorized},
	Forbidden:          {"FORBIDDEN", http.StatusForbidden},
	AccountDisabled:    {"ACCOUNT_DISABLED", http.StatusForbidden},
	NoServerAccess:     {"NO_SERVER_ACCESS", http.StatusForbidden},
	CrossOrigin:        {"CROSS_ORIGIN", http.StatusForbidden},
	NotFound:           {"NOT_FOUND", http.StatusNotFound},
	AlreadyRequested:   {"ALREADY_REQUESTED", http.StatusConflict},
	DuplicateDownload:  {"DUPLICATE_DOWNLOAD", http.StatusConflict},
	Conflict:           {"CONFLICT", http.StatusConflict},
	PinExpired:         {"PIN_EXPIRED", http.StatusGone},
	PayloadTooLarge:    {"PAYLOAD_TOO_LARGE", http.StatusRequestEntityTooLarge},
	QuotaExceeded:      {"QUOTA_EXCEEDED", http.StatusTooManyRequests},
	RateLimited:        {"RATE_LIMITED", http.StatusTooManyRequests},
	UpstreamError:      {"UPSTREAM_ERROR", http.StatusBadGateway},
	Unavailable:        {"SERVICE_UNAVAILABLE", http.StatusServiceUnavailable},
	UpstreamTimeout:    {"UPSTREAM_TIMEOUT", http.StatusGatewayTimeout},
}

// Code is the API error code of the kind, e.g. "NOT_FOUND".
func (k Kind) Code() string {
	if k < 0 || int(k) >= len(kinds) {
		return kinds[Internal].code
	}
	return kinds[k].code
}

// Status is the HTTP status the kind is answered with.
func (k Kind) Status() int {
	if k < 0 || int(k) >= len(kinds) {
		return kinds[Internal].status
	}
	return kinds[k].status
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error a client may see. Message is written for people; Err, when
// set, is the cause and is only ever logged.
type Error struct {
	Kind    Kind
	Message string
	Details []FieldError
	// RetryAfter, when positive, is sent as the Retry-After header (quota and
	// rate limits).
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with a message for the client.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind k that keeps err as its logged cause.
func Wrap(k Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Err: err}
}

// Validation returns a VALIDATION_ERROR listing the invalid fields.
func Validation(details ...FieldError) *Error {
	msg := "The request is invalid."
	if len(details) == 1 {
		msg = details[0].Field + ": " + details[0].Message
	}
	return &Error{Kind: Invalid, Message: msg, Details: details}
}

// Field is shorthand for a single-field validation error.
func Field(field, message string) *Error {
	return Validation(FieldError{Field: field, Message: message})
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// Is reports whether err carries kind k.
func Is(err error, k Kind) bool {
	return err != nil && KindOf(err) == k
}
