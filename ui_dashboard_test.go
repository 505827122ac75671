package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestUIDashboardLive watches the dashboard of jane without reloading it:
// Plex's card turns Down when the Plex Media Server fails and Up when it is
// back, her request's badge follows its approval, and the admin's notice
// appears and goes away.
func TestUIDashboardLive(t *testing.T) {
	s := newUIServer(t)
	req := decode[e2eRequest](t, s.Jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}, 201).Data)
	p := s.open(t, 1280, 800, false)
	p.signIn("jane", uiJanePassword)
	p.goTo("/")
	p.waitRole("heading", "Dashboard")
	p.waitRole("listitem", "Plex Media Server Up")
	p.waitRole("heading", "My recent requests")
	p.waitRole("link", "Sintel (2010)")
	var marker string
	p.eval(`(window.__same = "dashboard", window.__same)`, &marker)

	t.Run("service down and back", func(t *testing.T) {
		p := p.with(t)
		s.PMS.SetDown(500)
		p.waitRole("listitem", "Plex Media Server Down")
		s.PMS.SetDown(0)
		p.waitRole("listitem", "Plex Media Server Up")
	})

	t.Run("request badge", func(t *testing.T) {
		p := p.with(t)
		s.Admin.expect(t, "POST", fmt.Sprintf("/api/v1/admin/requests/%d/approve", req.ID), nil, 200)
		p.waitText("Processing")
		p.waitRole("link", "Notifications, 1 unread")
	})

	t.Run("notice", func(t *testing.T) {
		p := p.with(t)
		const msg = "Plex restarts at 20:00 for an update"
		s.Admin.expect(t, "PUT", "/api/v1/admin/notice", map[string]any{"message": msg, "level": "warning"}, 200)
		p.waitText(msg)
		s.Admin.expect(t, "DELETE", "/api/v1/admin/notice", nil, 204)
		eventually(t, uiWait, "the notice goes away", func() (bool, string) {
			txt := p.text()
			return !strings.Contains(txt, msg), txt
		})
	})

	var still string
	p.eval(`window.__same || ""`, &still)
	if still != "dashboard" {
		t.Errorf("the page was reloaded during the live updates")
	}
}

// TestUIDashboardCheck puts the dashboard through the quality gate on a
// phone and a desktop, light and dark, with Uptime Kuma set up and not.
func TestUIDashboardCheck(t *testing.T) {
	s := newUIServer(t)
	s.Jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}, 201)
	for _, v := range uiViewports {
		// One browser at a time: each closes with its subtest, so
		// jane's event streams stay under the per-user cap.
		t.Run(v.String(), func(t *testing.T) {
			p := s.open(t, v.w, v.h, v.dark)
			p.signIn("jane", uiJanePassword)
			p.goTo("/")
			p.waitRole("listitem", "Plex Media Server Up")
			p.waitRole("heading", "Monitors")
			p.waitRole("columnheader", "Monitor")
			p.waitRole("heading", "Recently added")
			p.waitRole("link", "Sintel (2010)")
			p.check("dashboard")
		})
	}
}

// TestUIDashboardWithoutKuma: without Uptime Kuma the dashboard says it is
// not set up and does not ask for the monitors, which would answer 503.
func TestUIDashboardWithoutKuma(t *testing.T) {
	s := newUIServer(t, withEnv("MEDIANEST_UPTIME_KUMA_URL", ""))
	p := s.open(t, 390, 844, false)
	p.signIn("jane", uiJanePassword)
	p.goTo("/")
	p.waitRole("listitem", "Uptime Kuma Disabled")
	p.waitText("Uptime Kuma is not set up.")
	var asked bool
	p.eval(`performance.getEntriesByType("resource").some((e) => e.name.includes("/dashboard/monitors"))`, &asked)
	if asked {
		t.Error("the dashboard asked for the monitors of an Uptime Kuma that is not set up")
	}
}
