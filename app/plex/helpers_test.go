package plex_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/upstream"
)

var testID = plex.Identity{
	ClientID: "5f1c2a9e-7d3b-4c11-9a0e-2b8f6d4e1a77", Product: "MediaNest", Version: "1.0.0",
	Platform: "Linux", PlatformVersion: "6.1.0", Device: "Server", DeviceName: "MediaNest Test",
}

// client returns an upstream client without retries (so failure tests are
// fast) unless opts ask otherwise.
func client(t *testing.T, opts ...func(*upstream.Options)) *upstream.Client {
	t.Helper()
	o := upstream.Options{Timeout: 2 * time.Second, Retries: -1}
	for _, f := range opts {
		f(&o)
	}
	return upstream.New("plex", "Plex", o)
}

func timeout(d time.Duration) func(*upstream.Options) {
	return func(o *upstream.Options) { o.Timeout = d }
}

func retries(n int) func(*upstream.Options) {
	return func(o *upstream.Options) { o.Retries = n }
}

// newTV starts a plex.tv fake and a client pointed at it.
func newTV(t *testing.T, opts ...func(*upstream.Options)) (*plextest.TV, *plex.TV) {
	t.Helper()
	f := plextest.NewTV(t)
	return f, plex.NewTV(f.URL, testID, client(t, opts...))
}

// newPMS starts a seeded PMS fake and a client; conn carries the owner token.
func newPMS(t *testing.T, opts ...func(*upstream.Options)) (*plextest.PMS, *plex.PMS, plex.Conn) {
	t.Helper()
	f := plextest.NewPMS(t)
	f.Seed()
	return f, plex.NewPMS(client(t, opts...), testID), plex.Conn{URL: f.URL, Token: f.OwnerToken()}
}

// errStatus stands for "a *upstream.StatusError" in wantKind.
var errStatus = errors.New("an upstream status error")

// wantKind checks that err matches target (a plex or upstream sentinel, or
// errStatus) and carries the "plex: " prefix.
func wantKind(t *testing.T, err error, target error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", target)
	}
	if target == errStatus {
		if !errors.As(err, new(*upstream.StatusError)) {
			t.Fatalf("error %v has no *upstream.StatusError", err)
		}
	} else if !errors.Is(err, target) {
		t.Fatalf("error %v is not %v", err, target)
	}
	wantPrefix(t, err)
}

func wantPrefix(t *testing.T, err error) {
	t.Helper()
	if err != nil && !strings.HasPrefix(err.Error(), "plex: ") {
		t.Errorf("error %q lacks the plex: prefix", err)
	}
}

func noToken(t *testing.T, err error, tokens ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, tok := range tokens {
		if tok != "" && strings.Contains(err.Error(), tok) {
			t.Errorf("error leaks token %q: %v", tok, err)
		}
	}
}
