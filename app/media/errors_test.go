package media

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"medianest/app/apperr"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/upstream"
)

func TestUpstreamErrorMapping(t *testing.T) {
	status := func(code int) error { return &upstream.StatusError{Service: "Overseerr", Status: code} }
	transport := func(k error) error {
		return fmt.Errorf("overseerr: search: %w", &upstream.Error{Service: "Overseerr", Kind: k, Err: errors.New("cause")})
	}
	quota := fmt.Errorf("overseerr: create request: %w", &overseerr.Error{Kind: overseerr.ErrQuotaExceeded,
		Msg: "Your Overseerr request quota is used up.", RetryAfter: time.Hour, Err: status(403)})
	tests := []struct {
		name  string
		err   error
		kind  apperr.Kind
		msg   string
		retry time.Duration
	}{
		{"already requested", &overseerr.Error{Kind: overseerr.ErrAlreadyRequested, Msg: "This title has already been requested.", Err: status(409)},
			apperr.AlreadyRequested, "This title has already been requested.", 0},
		{"quota", quota, apperr.QuotaExceeded, "Your Overseerr request quota is used up.", time.Hour},
		{"unknown title", &overseerr.Error{Kind: overseerr.ErrUnknownTitle, Msg: "TMDB has no such title.", Err: status(500)},
			apperr.NotFound, "TMDB has no such title.", 0},
		{"overseerr not found", &overseerr.Error{Kind: overseerr.ErrNotFound, Msg: "Overseerr has no request 1."}, apperr.NotFound, "Overseerr has no request 1.", 0},
		{"forbidden", &overseerr.Error{Kind: overseerr.ErrForbidden, Msg: "Overseerr does not allow this: no."}, apperr.Forbidden, "Overseerr does not allow this: no.", 0},
		{"key refused", &overseerr.Error{Kind: overseerr.ErrInvalidKey, Msg: "Overseerr refused the API key."}, apperr.UpstreamError, "Overseerr refused the API key.", 0},
		{"overseerr not configured", &overseerr.Error{Kind: overseerr.ErrNotConfigured, Msg: "Overseerr is not configured."}, apperr.Unavailable, "Overseerr is not configured.", 0},
		{"bad webhook", &overseerr.Error{Kind: overseerr.ErrInvalidPayload, Msg: "The webhook body is not valid JSON."}, apperr.Invalid, "The webhook body is not valid JSON.", 0},
		{"overseerr argument", &overseerr.Error{Kind: overseerr.ErrInvalidArgument, Field: "tmdbId", Msg: "must be a positive number"}, apperr.Invalid, apperr.Field("tmdbId", "must be a positive number").Message, 0},
		{"plex not found", fmt.Errorf("plex: metadata: %w", &plex.Error{Kind: plex.ErrNotFound, Msg: "The item was not found on Plex.", Err: status(403)}),
			apperr.NotFound, "The item was not found on Plex.", 0},
		{"plex not configured", &plex.Error{Kind: plex.ErrNotConfigured, Msg: "No Plex server is configured."}, apperr.Unavailable, "No Plex server is configured.", 0},
		{"plex bad url", &plex.Error{Kind: plex.ErrInvalidURL, Msg: "The Plex server URL is not a valid http(s) URL."}, apperr.InvalidURL, "The Plex server URL is not a valid http(s) URL.", 0},
		{"timeout", transport(upstream.ErrTimeout), apperr.UpstreamTimeout, "Overseerr did not answer in time.", 0},
		{"breaker", transport(upstream.ErrUnavailable), apperr.Unavailable, "Overseerr is unavailable after repeated failures; trying again shortly.", 0},
		{"refused", transport(upstream.ErrRefused), apperr.UpstreamError, "Overseerr refused the connection; is it running?", 0},
		{"5xx", status(500), apperr.UpstreamError, "Overseerr answered with an error (HTTP 500).", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := apperr.As(upstreamError(tt.err))
			if !ok || e.Kind != tt.kind || e.Message != tt.msg || e.RetryAfter != tt.retry {
				t.Fatalf("upstreamError(%v) = %+v, want %s %q retry %v", tt.err, e, tt.kind.Code(), tt.msg, tt.retry)
			}
		})
	}
	if err := upstreamError(context.Canceled); err != context.Canceled {
		t.Errorf("a cancelled caller became %v", err)
	}
	// Every sentinel has a kind: none may fall through to INTERNAL.
	for k := range overseerrKinds {
		if overseerrKinds[k] == apperr.Internal {
			t.Errorf("%v maps to INTERNAL", k)
		}
	}
}

func TestOverseerrDown(t *testing.T) {
	tests := []struct {
		name string
		err  error
		kind apperr.Kind
	}{
		{"refused", &upstream.Error{Service: "Overseerr", Kind: upstream.ErrRefused}, apperr.Unavailable},
		{"proxy 502", &upstream.StatusError{Service: "Overseerr", Status: 502}, apperr.Unavailable},
		{"500 from overseerr", &upstream.StatusError{Service: "Overseerr", Status: 500}, apperr.UpstreamError},
		{"timeout", &upstream.Error{Service: "Overseerr", Kind: upstream.ErrTimeout}, apperr.UpstreamTimeout},
		{"key refused", &overseerr.Error{Kind: overseerr.ErrInvalidKey, Msg: "Overseerr refused the API key.", Err: &upstream.StatusError{Status: 403}}, apperr.UpstreamError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := apperr.KindOf(overseerrDown(tt.err)); got != tt.kind {
				t.Fatalf("overseerrDown(%v) kind %s, want %s", tt.err, got.Code(), tt.kind.Code())
			}
		})
	}
}
