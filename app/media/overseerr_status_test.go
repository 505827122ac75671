package media

import (
	"testing"

	"medianest/app/overseerr"
)

func TestRequestStatus(t *testing.T) {
	seasons := func(n ...int) []overseerr.SeasonRequest {
		var out []overseerr.SeasonRequest
		for _, x := range n {
			out = append(out, overseerr.SeasonRequest{SeasonNumber: x})
		}
		return out
	}
	mediaSeasons := func(st ...overseerr.MediaStatus) []overseerr.SeasonStatus {
		var out []overseerr.SeasonStatus
		for i, s := range st {
			out = append(out, overseerr.SeasonStatus{SeasonNumber: i + 1, Status: s})
		}
		return out
	}
	const (
		pending  = overseerr.RequestPending
		approved = overseerr.RequestApproved
		declined = overseerr.RequestDeclined
		failed   = overseerr.RequestFailed
	)
	tests := []struct {
		name string
		req  overseerr.Request
		want string
	}{
		{"pending, media pending", overseerr.Request{Status: pending, Media: overseerr.Media{Status: overseerr.MediaPending}}, "pending"},
		{"pending, media null", overseerr.Request{Status: pending}, "pending"},
		{"approved, not yet sent", overseerr.Request{Status: approved, Media: overseerr.Media{Status: overseerr.MediaPending}}, "approved"},
		{"approved, media unknown", overseerr.Request{Status: approved, Media: overseerr.Media{Status: overseerr.MediaUnknown}}, "approved"},
		{"approved, processing", overseerr.Request{Status: approved, Media: overseerr.Media{Status: overseerr.MediaProcessing}}, "processing"},
		{"approved, partially available", overseerr.Request{Status: approved, Media: overseerr.Media{Status: overseerr.MediaPartiallyAvailable}}, "processing"},
		{"approved, available", overseerr.Request{Status: approved, Media: overseerr.Media{Status: overseerr.MediaAvailable}}, "available"},
		{"pending, but available anyway", overseerr.Request{Status: pending, Media: overseerr.Media{Status: overseerr.MediaAvailable}}, "available"},
		{"declined stays declined", overseerr.Request{Status: declined, Media: overseerr.Media{Status: overseerr.MediaAvailable}}, "declined"},
		{"failed", overseerr.Request{Status: failed, Media: overseerr.Media{Status: overseerr.MediaProcessing}}, "failed"},
		{"jellyseerr completed", overseerr.Request{Status: overseerr.RequestCompleted}, "available"},
		{"4K uses status4k", overseerr.Request{Status: approved, Is4K: true,
			Media: overseerr.Media{Status: overseerr.MediaAvailable, Status4k: overseerr.MediaProcessing}}, "processing"},
		{"4K available", overseerr.Request{Status: approved, Is4K: true,
			Media: overseerr.Media{Status: overseerr.MediaUnknown, Status4k: overseerr.MediaAvailable}}, "available"},
		{"tv: requested seasons all available", overseerr.Request{Status: approved, Seasons: seasons(1, 2),
			Media: overseerr.Media{Status: overseerr.MediaPartiallyAvailable, Seasons: mediaSeasons(overseerr.MediaAvailable, overseerr.MediaAvailable, overseerr.MediaUnknown)}}, "available"},
		{"tv: one requested season missing", overseerr.Request{Status: approved, Seasons: seasons(2, 3),
			Media: overseerr.Media{Status: overseerr.MediaPartiallyAvailable, Seasons: mediaSeasons(overseerr.MediaAvailable, overseerr.MediaAvailable, overseerr.MediaProcessing)}}, "processing"},
		{"tv: old seasons there, new ones processing", overseerr.Request{Status: approved, Seasons: seasons(1),
			Media: overseerr.Media{Status: overseerr.MediaProcessing, Seasons: mediaSeasons(overseerr.MediaAvailable, overseerr.MediaProcessing)}}, "available"},
		{"unknown approval status", overseerr.Request{Status: 0}, "pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := requestStatus(tt.req); got != tt.want {
				t.Fatalf("requestStatus = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMediaStatus(t *testing.T) {
	tests := []struct {
		in    string
		want  overseerr.MediaStatus
		avail string
	}{
		{"UNKNOWN", overseerr.MediaUnknown, "unknown"},
		{"PENDING", overseerr.MediaPending, "pending"},
		{"processing", overseerr.MediaProcessing, "processing"},
		{"PARTIALLY_AVAILABLE", overseerr.MediaPartiallyAvailable, "partially_available"},
		{"Partially Available", overseerr.MediaPartiallyAvailable, "partially_available"},
		{"AVAILABLE", overseerr.MediaAvailable, "available"},
		{"5", overseerr.MediaAvailable, "available"},
		{"BLACKLISTED", overseerr.MediaBlacklisted, "unknown"},
		{"DELETED", overseerr.MediaDeleted, "unknown"},
		{"", overseerr.MediaUnknown, "unknown"},
		{"42", overseerr.MediaUnknown, "unknown"},
		{"weird", overseerr.MediaUnknown, "unknown"},
	}
	for _, tt := range tests {
		got := overseerr.ParseMediaStatus(tt.in)
		if got != tt.want || availability(got) != tt.avail {
			t.Errorf("ParseMediaStatus(%q) = %v (%s), want %v (%s)", tt.in, got, availability(got), tt.want, tt.avail)
		}
	}
	if overseerr.MediaPartiallyAvailable.String() != "PARTIALLY_AVAILABLE" || availability(overseerr.MediaStatus(0)) != "unknown" {
		t.Fatal("names")
	}
	var none *overseerr.Media
	if mediaAvailability(none) != "unknown" || none.Requested() {
		t.Fatal("nil media")
	}
}

func TestWebhookStatus(t *testing.T) {
	tests := []struct {
		typ  string
		want string
		ok   bool
	}{
		{overseerr.NotifyMediaPending, StatusPending, true},
		{overseerr.NotifyMediaApproved, StatusApproved, true},
		{overseerr.NotifyMediaAutoApproved, StatusApproved, true},
		{overseerr.NotifyMediaAvailable, StatusAvailable, true},
		{overseerr.NotifyMediaDeclined, StatusDeclined, true},
		{overseerr.NotifyMediaFailed, StatusFailed, true},
		{overseerr.NotifyTest, "", false},
		{"MEDIA_AUTO_REQUESTED", "", false},
		{"ISSUE_CREATED", "", false},
		{"SOMETHING_NEW", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := webhookStatus(overseerr.Webhook{NotificationType: tt.typ})
		if got != tt.want || ok != tt.ok {
			t.Errorf("webhookStatus(%q) = %q, %v; want %q, %v", tt.typ, got, ok, tt.want, tt.ok)
		}
	}
}
