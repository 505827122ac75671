package status

import (
	"context"
	"errors"

	"medianest/app/apperr"
	"medianest/app/kuma"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/upstream/upstreamerr"
)

// upstreamError is the one place status turns its clients' failures into
// API errors: a service that is not configured is SERVICE_UNAVAILABLE, a
// missing status page NOT_FOUND, a bad URL INVALID_URL, a refusal with a
// reason UPSTREAM_ERROR; transport failures keep upstream's kinds. The
// message is the client's sentence, which names the service but never its
// URL or key.
func upstreamError(err error) error {
	var kind apperr.Kind
	switch {
	case err == nil:
		return nil
	case errors.Is(err, plex.ErrNotConfigured), errors.Is(err, overseerr.ErrNotConfigured), errors.Is(err, kuma.ErrNotConfigured):
		kind = apperr.Unavailable
	case errors.Is(err, plex.ErrInvalidURL), errors.Is(err, overseerr.ErrInvalidURL), errors.Is(err, kuma.ErrInvalidURL):
		kind = apperr.InvalidURL
	case errors.Is(err, kuma.ErrNotFound):
		kind = apperr.NotFound
	case errors.Is(err, kuma.ErrRejected), errors.Is(err, overseerr.ErrInvalidKey), errors.Is(err, overseerr.ErrRejected):
		kind = apperr.UpstreamError
	default:
		return upstreamerr.ToAPI(err)
	}
	var m interface{ Message() string }
	errors.As(err, &m)
	return apperr.Wrap(kind, err, "%s", m.Message())
}

// message is the text shown for a failed check: the message of the mapped
// error, or a generic sentence naming display for anything else.
func message(err error, display string) string {
	if e, ok := apperr.As(upstreamError(err)); ok && e.Kind != apperr.Internal && e.Message != "" {
		return e.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return display + " did not answer in time."
	}
	return display + " could not be reached."
}
