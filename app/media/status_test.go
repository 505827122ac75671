package media

import (
	"net/http"
	"strconv"
	"testing"

	"medianest/app/events"
	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/principal"
)

func TestTransitionAllowed(t *testing.T) {
	tests := []struct {
		from, to      string
		authoritative bool
		want          bool
	}{
		{StatusPending, StatusPending, false, false},
		{StatusPending, StatusApproved, false, true},
		{StatusPending, StatusProcessing, false, true},
		{StatusPending, StatusAvailable, false, true},
		{StatusPending, StatusDeclined, false, true},
		{StatusPending, StatusFailed, false, true},
		{StatusApproved, StatusPending, false, false},
		{StatusApproved, StatusProcessing, false, true},
		{StatusApproved, StatusDeclined, false, true},
		{StatusProcessing, StatusApproved, false, false},
		{StatusProcessing, StatusPending, false, false},
		{StatusProcessing, StatusAvailable, false, true},
		{StatusProcessing, StatusFailed, false, true},
		// Final stays final for a notification...
		{StatusDeclined, StatusApproved, false, false},
		{StatusDeclined, StatusPending, false, false},
		{StatusDeclined, StatusDeclined, false, false},
		{StatusFailed, StatusApproved, false, false},
		{StatusAvailable, StatusDeclined, false, false},
		{StatusAvailable, StatusPending, false, false},
		// ...but Overseerr's own answer (reconcile, an admin's decision)
		// may reopen it: an admin approving a declined request.
		{StatusDeclined, StatusApproved, true, true},
		{StatusFailed, StatusProcessing, true, true},
		{StatusAvailable, StatusAvailable, true, false},
		// Progress never goes back among the open statuses.
		{StatusProcessing, StatusApproved, true, false},
		{StatusApproved, StatusPending, true, false},
		{StatusPending, "nonsense", true, false},
	}
	for _, tt := range tests {
		if got := transitionAllowed(tt.from, tt.to, tt.authoritative); got != tt.want {
			t.Errorf("transitionAllowed(%s, %s, %v) = %v, want %v", tt.from, tt.to, tt.authoritative, got, tt.want)
		}
	}
}

// A declined request stays declined whatever the webhook says next, and
// the owner hears of the decline once.
func TestWebhookLeavesFinalStatus(t *testing.T) {
	e := newEnv(t)
	mr := e.create(alice, map[string]any{"mediaType": "movie", "tmdbId": 45745})
	hook := func(typ string) {
		t.Helper()
		body := overseerrtest.WebhookBody(overseerrtest.WebhookParams{
			NotificationType: typ, MediaType: "movie", TmdbID: 45745, RequestID: *mr.OverseerrRequestID,
		})
		e.want(e.do(principal.User{}, "POST", "/api/v1/webhooks/overseerr", body, "Authorization", secret), http.StatusNoContent, "")
	}
	hook(overseerr.NotifyMediaDeclined)
	for _, typ := range []string{overseerr.NotifyMediaApproved, overseerr.NotifyMediaPending, overseerr.NotifyMediaAutoApproved,
		overseerr.NotifyMediaFailed, overseerr.NotifyMediaDeclined, overseerr.NotifyMediaAvailable} {
		hook(typ)
	}
	var got MediaRequest
	e.do(alice, "GET", "/api/v1/media/requests/"+strconv.FormatInt(mr.ID, 10), nil).data(t, &got)
	if got.Status != StatusDeclined || got.CompletedAt == nil {
		t.Fatalf("after replayed notifications: %+v", got)
	}
	if ns := e.rec.eventsOf(events.Notification); len(ns) != 1 {
		t.Fatalf("%d notifications, want the decline only", len(ns))
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = ?`, alice.ID); n != 1 {
		t.Fatalf("%d stored notifications, want 1", n)
	}
}
