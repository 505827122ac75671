package status_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"medianest/app/secret"
	"medianest/app/services"
	"medianest/app/status"
)

// After the secret key changes, readiness names the services whose stored
// key cannot be opened as failing, with the reason; the others still work.
func TestReadinessReportsUnreadableKeys(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour})
	other, _ := secret.NewBox(bytes.Repeat([]byte{2}, secret.KeySize))
	store := services.NewStore(e.db, other, nil)
	p := status.New(status.Deps{Services: store, Plex: e.pmsC, Overseerr: e.ovrC, Kuma: e.kumaC,
		YtdlpPath: fakeYtdlp(t, "#!/bin/sh\necho 1\n"), YouTubeEnabled: true, Events: newRecorder(), DB: e.db})
	ctx := context.Background()
	for _, n := range status.Names {
		p.CheckNow(ctx, n)
	}
	checks := p.ReadyChecks()
	for _, n := range []string{status.Plex, status.Overseerr} {
		c := checks[n]
		if c.Status != "fail" || !strings.Contains(c.Message, "another secret key") || !strings.Contains(c.Message, "Admin → Services") {
			t.Errorf("%s: %+v, want fail naming the secret key", n, c)
		}
	}
	// Uptime Kuma has no key stored: it is checked as before.
	if c := checks[status.UptimeKuma]; c.Status != "pass" {
		t.Errorf("uptime_kuma: %+v", c)
	}
}
