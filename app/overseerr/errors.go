package overseerr

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"medianest/app/upstream"
)

// Overseerr's own failures, matched with errors.Is on an *Error. Transport
// failures are the upstream client's (*upstream.Error, *upstream.StatusError)
// and stay reachable through the chain; mapping any of them to an HTTP
// answer is the caller's business.
var (
	// ErrNotConfigured: no Overseerr URL is set.
	ErrNotConfigured = errors.New("overseerr is not configured")
	// ErrInvalidURL: the Overseerr URL cannot be turned into a request.
	ErrInvalidURL = errors.New("invalid overseerr url")
	// ErrInvalidKey: Overseerr refused the API key (or the user it acts as).
	ErrInvalidKey = errors.New("api key refused")
	// ErrQuotaExceeded: the user's Overseerr request quota is used up;
	// Error.RetryAfter hints when to try again.
	ErrQuotaExceeded = errors.New("request quota exceeded")
	// ErrUnknownTitle: TMDB has no title with that id.
	ErrUnknownTitle = errors.New("unknown title")
	// ErrForbidden: the key's user lacks the permission for the call.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: the request (or other object) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyRequested: the title, or every season asked for, is
	// already requested or available.
	ErrAlreadyRequested = errors.New("already requested")
	// ErrRejected: Overseerr refused the call and said why.
	ErrRejected = errors.New("rejected")
	// ErrInvalidArgument: a caller's value cannot be sent; Field names it.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrInvalidPayload: a webhook body is not a JSON object.
	ErrInvalidPayload = errors.New("invalid webhook payload")
)

// Error is an Overseerr failure: Kind is one of the Err* sentinels, Msg the
// sentence users see, Field the argument an ErrInvalidArgument is about,
// RetryAfter a hint for ErrQuotaExceeded, and Err the cause.
type Error struct {
	Kind       error
	Msg        string
	Field      string
	RetryAfter time.Duration
	Err        error
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

func fail(kind, cause error, msg string) *Error {
	return &Error{Kind: kind, Msg: msg, Err: cause}
}

func invalid(field, msg string) *Error {
	return &Error{Kind: ErrInvalidArgument, Field: field, Msg: msg}
}

// Messages Overseerr answers with, matched to recognise a condition.
const (
	// msgNoAccess is the body of a 403 from the auth middleware: a missing or
	// wrong API key, an X-API-User that does not exist, or a user without the
	// route's permission.
	msgNoAccess = "You do not have permission to access this endpoint"
	// msgNoSeasons is the 202 (!) when every asked season is already
	// requested or available.
	msgNoSeasons = "No seasons available to request"
)

// errorBody is Overseerr's error shape: route errors use "message", the
// auth middleware uses "error".
type errorBody struct {
	Message string `json:"message"`
	Error   string `json:"error"`
}

// bodyMessage returns the human text of an error body, or "".
func bodyMessage(b []byte) string {
	var e errorBody
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	if e.Message != "" {
		return e.Message
	}
	return e.Error
}

// isAlreadyRequested reports whether msg is one of Overseerr's "this was
// already asked for" answers.
func isAlreadyRequested(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "already requested") ||
		strings.Contains(m, "already exists") ||
		strings.Contains(m, strings.ToLower(msgNoSeasons))
}

// alreadyRequested is the ErrAlreadyRequested error for Overseerr's answer msg.
func alreadyRequested(msg string, cause error) error {
	text := "This title has already been requested."
	if strings.Contains(strings.ToLower(msg), strings.ToLower(msgNoSeasons)) {
		text = "Every season asked for has already been requested or is available."
	}
	return fail(ErrAlreadyRequested, cause, text)
}

// isUnknownTitle reports Overseerr's answer to an unknown TMDB id: a 500
// "Unable to retrieve movie." (or series), not a 404. It is an answer, not
// Overseerr failing, so New passes it to upstream.Options.Answer to keep it
// from opening the circuit breaker.
func isUnknownTitle(se *upstream.StatusError) bool {
	if se.Status != http.StatusInternalServerError {
		return false
	}
	msg := strings.ToLower(bodyMessage(se.Body))
	return strings.HasPrefix(msg, "unable to retrieve movie") || strings.HasPrefix(msg, "unable to retrieve series")
}

// mapError turns Overseerr's error answers into an *Error callers act on.
// Transport failures (timeouts, refused connections, open breaker) and
// answers without a meaning of their own pass through unchanged.
func mapError(err error, cl call) error {
	var se *upstream.StatusError
	if !errors.As(err, &se) {
		return err
	}
	msg := bodyMessage(se.Body)
	lower := strings.ToLower(msg)
	switch {
	case se.Status == http.StatusForbidden && (msg == "" || strings.EqualFold(msg, msgNoAccess)):
		if cl.asUser > 0 {
			return fail(ErrInvalidKey, err, "Overseerr refused the API key or the Overseerr user it acts as.")
		}
		return fail(ErrInvalidKey, err, "Overseerr refused the API key.")
	case (se.Status == http.StatusForbidden || se.Status == http.StatusTooManyRequests) && strings.Contains(lower, "quota"):
		// Overseerr does not say when its quota frees; an hour is a hint
		// that neither hammers it nor gives up for long.
		e := fail(ErrQuotaExceeded, err, "Your Overseerr request quota is used up.")
		e.RetryAfter = time.Hour
		return e
	case isUnknownTitle(se):
		return fail(ErrUnknownTitle, err, "TMDB has no such title.")
	case se.Status == http.StatusForbidden || se.Status == http.StatusUnauthorized:
		return fail(ErrForbidden, err, "Overseerr does not allow this: "+orDefault(msg, "permission denied."))
	case se.Status == http.StatusNotFound && cl.notFound != "":
		return fail(ErrNotFound, err, cl.notFound)
	case se.Status == http.StatusConflict || (se.Status < 500 && isAlreadyRequested(msg)):
		return alreadyRequested(msg, err)
	case se.Status == http.StatusBadRequest && msg != "":
		return fail(ErrRejected, err, "Overseerr rejected the call: "+msg)
	}
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
