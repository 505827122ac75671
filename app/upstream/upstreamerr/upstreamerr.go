// Package upstreamerr maps the upstream client's transport failures to the
// API's error kinds. It is the shared tail of each domain's one mapping
// function (media, status, auth, doctor, services): the domain first turns
// its clients' own errors (not found, already requested …) into kinds, and
// hands what is left here. upstream itself knows nothing of HTTP answers.
package upstreamerr

import (
	"errors"

	"medianest/app/apperr"
	"medianest/app/upstream"
)

// ToAPI returns err as an *apperr.Error when it is a transport failure: a
// timeout is UPSTREAM_TIMEOUT, an open breaker SERVICE_UNAVAILABLE, and a
// refused connection, an unreachable or unreadable upstream or a non-2xx
// answer UPSTREAM_ERROR, each with a message that names the service. Any
// other error (nil, an *apperr.Error, a cancelled caller) is returned as is.
func ToAPI(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if ue, ok := errors.AsType[*upstream.Error](err); ok {
		return apperr.Wrap(Kind(err), err, "%s", ue.Message())
	}
	if se, ok := errors.AsType[*upstream.StatusError](err); ok {
		return apperr.Wrap(apperr.UpstreamError, err, "%s", se.Message())
	}
	return err
}

// Kind is the API kind of a transport failure, and Internal for anything
// else.
func Kind(err error) apperr.Kind {
	switch {
	case errors.Is(err, upstream.ErrTimeout):
		return apperr.UpstreamTimeout
	case errors.Is(err, upstream.ErrUnavailable):
		return apperr.Unavailable
	case errors.Is(err, upstream.ErrRefused), errors.Is(err, upstream.ErrUnreachable),
		errors.Is(err, upstream.ErrUnreadable), errors.As(err, new(*upstream.StatusError)):
		return apperr.UpstreamError
	}
	return apperr.Internal
}
