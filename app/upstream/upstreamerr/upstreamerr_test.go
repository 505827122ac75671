package upstreamerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"medianest/app/apperr"
	"medianest/app/upstream"
	"medianest/app/upstream/upstreamerr"
)

func TestToAPI(t *testing.T) {
	ue := func(k error) error {
		return fmt.Errorf("plex: sections: %w", &upstream.Error{Service: "Plex", Kind: k, Err: errors.New("cause")})
	}
	tests := []struct {
		name string
		err  error
		kind apperr.Kind
		msg  string
	}{
		{"timeout", ue(upstream.ErrTimeout), apperr.UpstreamTimeout, "Plex did not answer in time."},
		{"breaker open", ue(upstream.ErrUnavailable), apperr.Unavailable, "Plex is unavailable after repeated failures; trying again shortly."},
		{"refused", ue(upstream.ErrRefused), apperr.UpstreamError, "Plex refused the connection; is it running?"},
		{"unreachable", ue(upstream.ErrUnreachable), apperr.UpstreamError, "Plex could not be reached."},
		{"unreadable", ue(upstream.ErrUnreadable), apperr.UpstreamError, "Plex sent an answer MediaNest could not read."},
		{"unreadable with reason", upstream.Unreadable("plex.tv", "plex.tv sent a sign-in code MediaNest could not read.", nil), apperr.UpstreamError, "plex.tv sent a sign-in code MediaNest could not read."},
		{"status", fmt.Errorf("x: %w", &upstream.StatusError{Service: "Overseerr", Status: 500}), apperr.UpstreamError, "Overseerr answered with an error (HTTP 500)."},
		{"already an API error", apperr.New(apperr.NotFound, "No such thing."), apperr.NotFound, "No such thing."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := upstreamerr.ToAPI(tt.err)
			e, ok := apperr.As(got)
			if !ok || e.Kind != tt.kind || e.Message != tt.msg {
				t.Fatalf("ToAPI(%v) = %#v, want %s %q", tt.err, got, tt.kind.Code(), tt.msg)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("the cause left the chain")
			}
		})
	}
	for _, err := range []error{nil, context.Canceled, errors.New("plain")} {
		if got := upstreamerr.ToAPI(err); got != err {
			t.Errorf("ToAPI(%v) = %v, want it unchanged", err, got)
		}
	}
}
