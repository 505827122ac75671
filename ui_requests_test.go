package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medianest/app/overseerr/overseerrtest"
)

// TestUIRequestFlow is a request as jane makes it: she searches a title,
// requests it through the dialog, sees it pending on My requests, and the
// row turns Available, without a reload, when Overseerr's webhook says so;
// the bell counts the notification, which the Notifications page lists and
// "Mark all as read" clears. Then a show's seasons, and a cancel.
func TestUIRequestFlow(t *testing.T) {
	s := newUIServer(t)
	p := s.open(t, 1280, 800, false)
	// The posters come through the server's TMDB proxy, which has no TMDB
	// to ask in the tests; the page shows the title in their place.
	p.allowStatus("/api/v1/media/image", 502)
	p.allowStatus("/api/v1/media/image", 504)
	p.allowStatus("/api/v1/media/image", 503)
	p.signIn("jane", uiJanePassword)

	p.click("link", "Search")
	p.fill("Search movies and shows", "Sintel")
	p.click("button", "Request Sintel")
	p.waitRole("dialog", "Request Sintel")
	p.click("button", "Send request")
	p.waitGone("dialog", "Request Sintel")
	p.waitText("Requested Sintel")
	if got := p.url(); got != "/search?q=Sintel" {
		t.Errorf("the search is not in the address: %s", got)
	}

	p.click("link", "Requests")
	p.waitRole("heading", "My requests")
	p.waitRole("cell", "Pending")
	p.waitRole("button", "Cancel request for Sintel")
	var marker string
	p.eval(`(window.__same = "requests", window.__same)`, &marker)

	// jane has no Overseerr account, so her request waits for an admin,
	// whose approval sends it on.
	reqs := decode[[]e2eRequest](t, s.Jane.expect(t, "GET", "/api/v1/media/requests", nil, 200).Data)
	if len(reqs) != 1 || reqs[0].Title != "Sintel" {
		t.Fatalf("jane's requests: %+v", reqs)
	}
	approved := decode[e2eRequest](t, s.Admin.expect(t, "POST", fmt.Sprintf("/api/v1/admin/requests/%d/approve", reqs[0].ID), nil, 200).Data)
	if approved.OverseerrRequestID == nil {
		t.Fatalf("approved request: %+v", approved)
	}
	// Overseerr starts on an approved movie at once; jane is told it
	// was approved.
	p.waitRole("cell", "Processing")
	p.waitRole("link", "Notifications, 1 unread")
	p.waitGone("button", "Cancel request for Sintel")
	body := s.Ovr.WebhookFor("MEDIA_AVAILABLE", *approved.OverseerrRequestID)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if code, err := overseerrtest.PostWebhook(ctx, s.Base+"/api/v1/webhooks/overseerr", s.HookSecret, body); err != nil || code != 204 {
		t.Fatalf("webhook: %d %v", code, err)
	}
	p.waitRole("cell", "Available")
	p.waitRole("link", "Notifications, 2 unread")
	var still string
	p.eval(`window.__same || ""`, &still)
	if still != "requests" {
		t.Errorf("My requests was reloaded to show the new status")
	}

	p.click("link", "Notifications, 2 unread")
	p.waitRole("heading", "Notifications")
	p.waitText("Sintel (2010) is now available on Plex.")
	p.waitRole("button", "Mark all as read")
	p.click("button", "Mark all as read")
	p.waitRole("link", "Notifications")
	p.waitText("All read")
	if n := len(decode[[]struct{ ID int64 }](t, s.Jane.expect(t, "GET", "/api/v1/notifications?unread=true", nil, 200).Data)); n != 0 {
		t.Errorf("%d notifications still unread", n)
	}

	// A show asks for seasons; asking for the same season again is refused
	// in words.
	p.allowStatus("/api/v1/media/requests", 409)
	p.click("link", "Search")
	p.fill("Search movies and shows", "Example Show")
	for _, want := range []string{"Requested Example Show", "Every season asked for has already been requested."} {
		p.click("button", "Request Example Show")
		p.waitRole("dialog", "Request Example Show")
		p.click("checkbox", "Season 1 (10 episodes)")
		p.click("button", "Send request")
		p.waitText(want)
	}
	p.waitRole("alert", "")
	p.click("button", "Cancel")
	p.waitGone("dialog", "Request Example Show")
	shows := decode[[]e2eRequest](t, s.Jane.expect(t, "GET", "/api/v1/media/requests?mediaType=tv", nil, 200).Data)
	if len(shows) != 1 || shows[0].Title != "Example Show" {
		t.Fatalf("jane's show requests: %+v", shows)
	}

	// A pending request can be cancelled, after a confirmation.
	p.click("link", "Requests")
	p.click("button", "Cancel request for Example Show")
	p.waitRole("dialog", "Cancel the request for Example Show?")
	p.click("button", "Cancel request")
	p.waitGone("button", "Cancel request for Example Show")
	p.waitText("Request for Example Show cancelled")
	s.Jane.expect(t, "GET", fmt.Sprintf("/api/v1/media/requests/%d", shows[0].ID), nil, 404)
}

// TestUIRequestPagesCheck puts search (with results and the season
// picker of a show), My requests and Notifications through the quality gate
// on a phone and a desktop, light and dark.
func TestUIRequestPagesCheck(t *testing.T) {
	s := newUIServer(t)
	s.Jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "movie", "tmdbId": 45745}, 201)
	show := decode[e2eRequest](t, s.Jane.expect(t, "POST", "/api/v1/media/requests", map[string]any{"mediaType": "tv", "tmdbId": 1399, "seasons": []int{1, 2}}, 201).Data)
	// Approving the show tells jane so: a notification to list.
	s.Admin.expect(t, "POST", fmt.Sprintf("/api/v1/admin/requests/%d/approve", show.ID), nil, 200)
	for _, v := range uiViewports {
		// One browser at a time: each closes with its subtest, so
		// jane's event streams stay under the per-user cap.
		t.Run(v.String(), func(t *testing.T) {
			p := s.open(t, v.w, v.h, v.dark)
			p.allowStatus("/api/v1/media/image", 502)
			p.allowStatus("/api/v1/media/image", 504)
			p.allowStatus("/api/v1/media/image", 503)
			p.signIn("jane", uiJanePassword)

			p.goTo("/search?q=e")
			p.waitRole("button", "Request Example Show")
			p.check("search")
			p.click("button", "Request Example Show")
			p.waitRole("dialog", "Request Example Show")
			p.waitRole("checkbox", "All seasons")
			p.check("search-dialog")
			p.click("button", "Close")
			p.waitGone("dialog", "Request Example Show")

			p.goTo("/requests")
			p.waitRole("button", "Cancel request for Sintel")
			p.check("requests")
			p.selectOption("Status", "available")
			p.waitText("No available requests.")
			if got := p.url(); got != "/requests?status=available" {
				t.Errorf("the filter is not in the address: %s", got)
			}

			p.goTo("/notifications")
			p.waitRole("checkbox", "Unread only")
			p.waitRole("heading", "Request approved")
			p.check("notifications")
		})
	}
}

// TestUISearchWithoutOverseerr: with no Overseerr the search page says
// requests are not set up, and asks nothing that would answer 503.
func TestUISearchWithoutOverseerr(t *testing.T) {
	s := newUIServer(t, withEnv("MEDIANEST_OVERSEERR_URL", ""), withEnv("MEDIANEST_OVERSEERR_API_KEY", ""))
	p := s.open(t, 390, 844, true)
	p.signIn("jane", uiJanePassword)
	p.goTo("/search?q=Sintel")
	p.waitText("Requests are not set up on this server")
	p.check("search-no-overseerr")
	var asked bool
	p.eval(`performance.getEntriesByType("resource").some((e) => e.name.includes("/media/search"))`, &asked)
	if asked {
		t.Error("the search page searched an Overseerr that is not set up")
	}
}
