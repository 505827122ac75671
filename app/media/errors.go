package media

import (
	"errors"
	"net/http"

	"medianest/app/apperr"
	"medianest/app/httpx"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/upstream"
	"medianest/app/upstream/upstreamerr"
)

// upstreamError is the one place media turns what its clients (Plex,
// Overseerr, TMDB) return into the API's errors: an unknown title or item is
// NOT_FOUND, a title asked for twice ALREADY_REQUESTED, a used-up Overseerr
// quota QUOTA_EXCEEDED with Retry-After, a service that is not configured
// SERVICE_UNAVAILABLE; transport failures keep upstream's kinds (timeouts
// UPSTREAM_TIMEOUT, an open breaker SERVICE_UNAVAILABLE, the rest
// UPSTREAM_ERROR). The message is the client's sentence. Errors that are
// already API errors, or none of these, pass through.
func upstreamError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if oe, ok := errors.AsType[*overseerr.Error](err); ok {
		switch oe.Kind {
		case overseerr.ErrInvalidArgument:
			return apperr.Field(oe.Field, oe.Msg)
		case overseerr.ErrQuotaExceeded:
			e := apperr.Wrap(apperr.QuotaExceeded, err, "%s", oe.Msg)
			e.RetryAfter = oe.RetryAfter
			return e
		}
		return apperr.Wrap(overseerrKinds[oe.Kind], err, "%s", oe.Msg)
	}
	if pe, ok := errors.AsType[*plex.Error](err); ok {
		if pe.Kind == plex.ErrInvalidArgument {
			return apperr.Field(pe.Field, pe.Msg)
		}
		return apperr.Wrap(plexKinds[pe.Kind], err, "%s", pe.Msg)
	}
	return upstreamerr.ToAPI(err)
}

// overseerrKinds and plexKinds give each client error its API kind; a kind
// missing here would be INTERNAL, which TestUpstreamErrorMapping rules out.
var overseerrKinds = map[error]apperr.Kind{
	overseerr.ErrNotConfigured:    apperr.Unavailable,
	overseerr.ErrInvalidURL:       apperr.InvalidURL,
	overseerr.ErrInvalidKey:       apperr.UpstreamError,
	overseerr.ErrUnknownTitle:     apperr.NotFound,
	overseerr.ErrForbidden:        apperr.Forbidden,
	overseerr.ErrNotFound:         apperr.NotFound,
	overseerr.ErrAlreadyRequested: apperr.AlreadyRequested,
	overseerr.ErrRejected:         apperr.UpstreamError,
	overseerr.ErrInvalidPayload:   apperr.Invalid,
}

var plexKinds = map[error]apperr.Kind{
	plex.ErrNotConfigured: apperr.Unavailable,
	plex.ErrInvalidURL:    apperr.InvalidURL,
	plex.ErrNotFound:      apperr.NotFound,
	plex.ErrInvalidToken:  apperr.Unauthorized,
	plex.ErrPINExpired:    apperr.PinExpired,
}

// overseerrDown maps an Overseerr failure and then turns "Overseerr could not
// be reached" — a transport failure, or a 502/503/504 from a proxy in front
// of it — into SERVICE_UNAVAILABLE, as the API promises for a service that
// is down. Answers from Overseerr itself keep their kind.
func overseerrDown(err error) error {
	err = upstreamError(err)
	if err == nil || apperr.KindOf(err) != apperr.UpstreamError || errors.As(err, new(*overseerr.Error)) {
		return err
	}
	if se, ok := errors.AsType[*upstream.StatusError](err); ok && se.Status != 502 && se.Status != 503 && se.Status != 504 {
		return err
	}
	return apperr.Wrap(apperr.Unavailable, err, "Overseerr is unavailable right now; try again later.")
}

// mapped makes h's errors API errors (see upstreamError).
func mapped(h httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return upstreamError(h(w, r))
	}
}
