package overseerr

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"medianest/app/apperr"
	"medianest/app/upstream"
)

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

// alreadyRequested is the ALREADY_REQUESTED error for Overseerr's answer msg.
func alreadyRequested(msg string, cause error) error {
	text := "This title has already been requested."
	if strings.Contains(strings.ToLower(msg), strings.ToLower(msgNoSeasons)) {
		text = "Every season asked for has already been requested or is available."
	}
	if cause == nil {
		return apperr.New(apperr.AlreadyRequested, "%s", text)
	}
	return apperr.Wrap(apperr.AlreadyRequested, cause, "%s", text)
}

// IsUnknownTitle reports Overseerr's answer to an unknown TMDB id: a 500
// "Unable to retrieve movie." (or series), not a 404. It is an answer, not
// Overseerr failing, so the server passes it to upstream.Options.Answer to
// keep it from opening the circuit breaker.
func IsUnknownTitle(se *upstream.StatusError) bool {
	if se.Status != http.StatusInternalServerError {
		return false
	}
	msg := strings.ToLower(bodyMessage(se.Body))
	return strings.HasPrefix(msg, "unable to retrieve movie") || strings.HasPrefix(msg, "unable to retrieve series")
}

// mapError turns an upstream failure into the apperr kind callers act on.
// Transport failures (timeouts, refused connections, open breaker) are
// already mapped by the upstream client and pass through unchanged.
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
			return apperr.Wrap(apperr.UpstreamError, err,
				"Overseerr refused the API key or the Overseerr user it acts as.")
		}
		return apperr.Wrap(apperr.UpstreamError, err, "Overseerr refused the API key.")
	case (se.Status == http.StatusForbidden || se.Status == http.StatusTooManyRequests) && strings.Contains(lower, "quota"):
		// Overseerr does not say when its quota frees; an hour is a hint
		// that neither hammers it nor gives up for long.
		e := apperr.Wrap(apperr.QuotaExceeded, err, "Your Overseerr request quota is used up.")
		e.RetryAfter = time.Hour
		return e
	case IsUnknownTitle(se):
		return apperr.Wrap(apperr.NotFound, err, "TMDB has no such title.")
	case se.Status == http.StatusForbidden || se.Status == http.StatusUnauthorized:
		return apperr.Wrap(apperr.Forbidden, err, "Overseerr does not allow this: %s", orDefault(msg, "permission denied."))
	case se.Status == http.StatusNotFound && cl.notFound != "":
		return apperr.Wrap(apperr.NotFound, err, "%s", cl.notFound)
	case se.Status == http.StatusConflict || (se.Status < 500 && isAlreadyRequested(msg)):
		return alreadyRequested(msg, err)
	case se.Status == http.StatusBadRequest && msg != "":
		return apperr.Wrap(apperr.UpstreamError, err, "Overseerr rejected the call: %s", msg)
	}
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
