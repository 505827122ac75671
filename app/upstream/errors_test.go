package upstream_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"medianest/app/upstream"
)

func TestTransient(t *testing.T) {
	status := func(code int) error { return &upstream.StatusError{Service: "Test", Status: code} }
	kind := func(k error) error {
		return fmt.Errorf("plex: list sections: %w", &upstream.Error{Service: "Test", Kind: k, Err: errors.New("cause")})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"timeout", kind(upstream.ErrTimeout), true},
		{"breaker open", kind(upstream.ErrUnavailable), true},
		{"refused", kind(upstream.ErrRefused), true},
		{"unreachable", kind(upstream.ErrUnreachable), true},
		{"unreadable", kind(upstream.ErrUnreadable), false},
		{"unreadable with reason", upstream.Unreadable("Test", "Test sent nonsense.", nil), false},
		{"500", status(500), true},
		{"502 wrapped", fmt.Errorf("overseerr: search: %w", status(502)), true},
		{"503", status(503), true},
		{"429", status(429), true},
		{"400", status(400), false},
		{"401", status(401), false},
		{"404", status(404), false},
		{"409", status(409), false},
		{"cancelled caller", fmt.Errorf("upstream: t: %w", context.Canceled), false},
		{"plain error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := upstream.Transient(tt.err); got != tt.want {
				t.Errorf("Transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorIsKindAndCause(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	err := fmt.Errorf("kuma: page: %w", &upstream.Error{Service: "Uptime Kuma", Kind: upstream.ErrRefused, Err: cause})
	if !errors.Is(err, upstream.ErrRefused) || !errors.Is(err, cause) || errors.Is(err, upstream.ErrTimeout) {
		t.Fatalf("errors.Is does not see the kind and the cause of %v", err)
	}
	msgs := map[error]string{
		upstream.ErrTimeout:     "Uptime Kuma did not answer in time.",
		upstream.ErrUnavailable: "Uptime Kuma is unavailable after repeated failures; trying again shortly.",
		upstream.ErrRefused:     "Uptime Kuma refused the connection; is it running?",
		upstream.ErrUnreachable: "Uptime Kuma could not be reached.",
		upstream.ErrUnreadable:  "Uptime Kuma sent an answer MediaNest could not read.",
	}
	for k, want := range msgs {
		e := &upstream.Error{Service: "Uptime Kuma", Kind: k}
		if e.Message() != want {
			t.Errorf("%v: message %q, want %q", k, e.Message(), want)
		}
	}
}
