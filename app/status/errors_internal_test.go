package status

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"medianest/app/apperr"
	"medianest/app/kuma"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/upstream"
)

func TestUpstreamErrorMapping(t *testing.T) {
	tests := []struct {
		name string
		err  error
		kind apperr.Kind
		msg  string
	}{
		{"kuma not configured", fmt.Errorf("kuma: monitors: %w", &kuma.Error{Kind: kuma.ErrNotConfigured, Msg: "Uptime Kuma is not configured."}),
			apperr.Unavailable, "Uptime Kuma is not configured."},
		{"kuma no page", &kuma.Error{Kind: kuma.ErrNotFound, Msg: `Uptime Kuma has no status page "x".`, Err: &upstream.StatusError{Status: 404}},
			apperr.NotFound, `Uptime Kuma has no status page "x".`},
		{"kuma refused", &kuma.Error{Kind: kuma.ErrRejected, Msg: "Uptime Kuma refused: Forbidden"}, apperr.UpstreamError, "Uptime Kuma refused: Forbidden"},
		{"kuma bad url", &kuma.Error{Kind: kuma.ErrInvalidURL, Msg: "The Uptime Kuma URL is not valid."}, apperr.InvalidURL, "The Uptime Kuma URL is not valid."},
		{"plex not configured", &plex.Error{Kind: plex.ErrNotConfigured, Msg: "No Plex server is configured."}, apperr.Unavailable, "No Plex server is configured."},
		{"overseerr key", &overseerr.Error{Kind: overseerr.ErrInvalidKey, Msg: "Overseerr refused the API key."}, apperr.UpstreamError, "Overseerr refused the API key."},
		{"timeout", &upstream.Error{Service: "Uptime Kuma", Kind: upstream.ErrTimeout}, apperr.UpstreamTimeout, "Uptime Kuma did not answer in time."},
		{"breaker", &upstream.Error{Service: "Plex", Kind: upstream.ErrUnavailable}, apperr.Unavailable, "Plex is unavailable after repeated failures; trying again shortly."},
		{"unreadable", upstream.Unreadable("Overseerr", "The service at this URL does not look like Overseerr.", nil), apperr.UpstreamError, "The service at this URL does not look like Overseerr."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := apperr.As(upstreamError(tt.err))
			if !ok || e.Kind != tt.kind || e.Message != tt.msg {
				t.Fatalf("upstreamError(%v) = %+v, want %s %q", tt.err, e, tt.kind.Code(), tt.msg)
			}
			if got := message(tt.err, "X"); got != tt.msg {
				t.Errorf("message = %q, want %q", got, tt.msg)
			}
		})
	}
	if got := message(context.DeadlineExceeded, "Plex Media Server"); got != "Plex Media Server did not answer in time." {
		t.Errorf("deadline: %q", got)
	}
	if got := message(errors.New("boom"), "Plex Media Server"); got != "Plex Media Server could not be reached." {
		t.Errorf("plain: %q", got)
	}
}
