package overseerr_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
)

const defaultTemplateApproved = `{
  "notification_type": "MEDIA_APPROVED",
  "event": "Movie Request Approved",
  "subject": "Big Buck Bunny (2008)",
  "message": "A giant rabbit takes revenge on three bullies.",
  "image": "https://image.tmdb.org/t/p/w600_and_h900_bestv2/p1.jpg",
  "media": {"media_type": "movie", "tmdbId": "10378", "tvdbId": "", "status": "PROCESSING", "status4k": "UNKNOWN"},
  "request": {"request_id": "42", "requestedBy_email": "jane@example.com", "requestedBy_username": "jane.doe",
              "requestedBy_avatar": "https://plex.tv/users/a4f43c1ebfde43a5/avatar?c=1700000000",
              "requestedBy_settings_discordId": "", "requestedBy_settings_telegramChatId": ""},
  "issue": null,
  "comment": null,
  "extra": []
}`

func TestParseWebhook(t *testing.T) {
	type want struct {
		typ     string
		tmdb    int64
		mtype   string
		mstatus overseerr.MediaStatus
		reqID   int64
		email   string
		seasons []int
		is4k    bool
	}
	tests := []struct {
		name string
		body string
		want want
	}{
		{"default template, all strings", defaultTemplateApproved,
			want{typ: "MEDIA_APPROVED", tmdb: 10378, mtype: "movie",
				mstatus: overseerr.MediaProcessing, reqID: 42, email: "jane@example.com"}},
		{"test notification: null media and request",
			`{"notification_type":"TEST_NOTIFICATION","event":"","subject":"Test Notification","message":"Check check, 1, 2, 3. Are we coming in clear?","image":"","media":null,"request":null,"issue":null,"comment":null,"extra":[]}`,
			want{typ: "TEST_NOTIFICATION"}},
		{"numbers as numbers", `{"notification_type":"MEDIA_AVAILABLE","media":{"media_type":"tv","tmdbId":1399,"status":5},"request":{"request_id":41},"extra":[{"name":"Requested Seasons","value":"1, 2"}]}`,
			want{typ: "MEDIA_AVAILABLE", tmdb: 1399, mtype: "tv", mstatus: overseerr.MediaAvailable, reqID: 41, seasons: []int{1, 2}}},
		{"custom template missing keys", `{"notification_type":"MEDIA_DECLINED","request":{"request_id":"7"}}`,
			want{typ: "MEDIA_DECLINED", reqID: 7}},
		{"flat template variables", `{"type":"x","notification_type":"MEDIA_FAILED","media_tmdbid":"45745","media_type":"movie","media_status":"PROCESSING","request_id":"9","requestedBy_email":"jane@example.com"}`,
			want{typ: "MEDIA_FAILED", tmdb: 45745, mtype: "movie", mstatus: overseerr.MediaProcessing, reqID: 9, email: "jane@example.com"}},
		{"type inferred from event", `{"event":"New Series Request","media":{"media_type":"tv","tmdbId":"1399"},"request":{"request_id":"3"}}`,
			want{typ: "MEDIA_PENDING", tmdb: 1399, mtype: "tv", mstatus: overseerr.MediaUnknown, reqID: 3}},
		{"auto-approved 4K", `{"notification_type":"MEDIA_AUTO_APPROVED","event":"4K Movie Request Automatically Approved","media":{"media_type":"movie","tmdbId":"10378","status":"UNKNOWN","status4k":"PROCESSING"},"request":{"request_id":"5"}}`,
			want{typ: "MEDIA_AUTO_APPROVED", tmdb: 10378, mtype: "movie", mstatus: overseerr.MediaUnknown, reqID: 5, is4k: true}},
		{"type as its bit value", `{"notification_type":"64","request":{"request_id":"11"}}`,
			want{typ: "MEDIA_DECLINED", reqID: 11}},
		{"empty strings for missing values", `{"notification_type":"MEDIA_PENDING","media":{"media_type":"","tmdbId":"","tvdbId":"","status":"","status4k":""},"request":{"request_id":""},"extra":""}`,
			want{typ: "MEDIA_PENDING"}},
		{"media as a string", `{"notification_type":"MEDIA_AVAILABLE","media":"","request":"{{request}}"}`,
			want{typ: "MEDIA_AVAILABLE"}},
		{"garbage values are dropped", `{"notification_type":"MEDIA_APPROVED","media":{"tmdbId":"abc","media_type":"movie"},"request":{"request_id":{"x":1}}}`,
			want{typ: "MEDIA_APPROVED", mtype: "movie", mstatus: overseerr.MediaUnknown}},
		{"unknown type", `{"notification_type":"SOMETHING_NEW","request":{"request_id":"1"}}`,
			want{typ: "SOMETHING_NEW", reqID: 1}},
		{"issue created", `{"notification_type":"ISSUE_CREATED","media":{"media_type":"movie","tmdbId":"10378","status":"AVAILABLE"},"request":null,"issue":{"issue_id":"1"}}`,
			want{typ: "ISSUE_CREATED", tmdb: 10378, mtype: "movie", mstatus: overseerr.MediaAvailable}},
		{"auto requested", `{"notification_type":"MEDIA_AUTO_REQUESTED","request":{"request_id":"2"}}`,
			want{typ: "MEDIA_AUTO_REQUESTED", reqID: 2}},
		{"empty object", `{}`, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := overseerr.ParseWebhook([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			got := want{typ: w.NotificationType, tmdb: w.Media.TmdbID, mtype: w.Media.MediaType,
				mstatus: w.Media.Status, reqID: w.Request.RequestID, email: w.Request.RequestedByEmail,
				seasons: w.RequestedSeasons(), is4k: w.Is4K}
			if got.typ != tt.want.typ || got.tmdb != tt.want.tmdb ||
				got.mtype != tt.want.mtype || got.mstatus != tt.want.mstatus || got.reqID != tt.want.reqID ||
				got.email != tt.want.email || !slices.Equal(got.seasons, tt.want.seasons) || got.is4k != tt.want.is4k {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseWebhookGarbage(t *testing.T) {
	for _, body := range []string{"", "   ", "not json", "[1,2]", `"MEDIA_APPROVED"`, `{"notification_type":`, "null", "42"} {
		_, err := overseerr.ParseWebhook([]byte(body))
		if err == nil {
			t.Errorf("ParseWebhook(%q) = nil error", body)
			continue
		}
		if !errors.Is(err, overseerr.ErrInvalidPayload) {
			t.Errorf("ParseWebhook(%q) = %v", body, err)
		}
	}
}

func TestWebhookDetails(t *testing.T) {
	w, err := overseerr.ParseWebhook([]byte(defaultTemplateApproved))
	if err != nil {
		t.Fatal(err)
	}
	if w.Event != "Movie Request Approved" || w.Subject != "Big Buck Bunny (2008)" || w.Image == "" || w.IsTest() ||
		w.Request.RequestedByUsername != "jane.doe" || w.Media.Status4k != overseerr.MediaUnknown {
		t.Fatalf("webhook = %+v", w)
	}
	tw, err := overseerr.ParseWebhook(overseerrtest.WebhookTestBody())
	if err != nil || !tw.IsTest() || tw.Media != (overseerr.WebhookMedia{}) || tw.Request != (overseerr.WebhookRequest{}) {
		t.Fatalf("test webhook = %+v, %v", tw, err)
	}
}

// The fake's webhook builder and its own deliveries parse back.
func TestFakeWebhooks(t *testing.T) {
	c, fake := setup(t)
	ctx := context.Background()

	var mu sync.Mutex
	var got []overseerr.Webhook
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "s3cret" || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body)
		wh, err := overseerr.ParseWebhook(b)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, wh)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	fake.SetWebhook(recv.URL, "s3cret")

	r, err := c.CreateRequest(ctx, fake.Conn(), overseerrtest.JaneID, "tv", 1399, []int{1, 2}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Approve(ctx, fake.Conn(), r.ID); err != nil {
		t.Fatal(err)
	}
	fake.FlushWebhooks()
	fake.SetMediaStatus(1399, overseerr.MediaAvailable)
	deliveries := fake.FlushWebhooks()
	if len(deliveries) != 3 {
		t.Fatalf("%d deliveries", len(deliveries))
	}
	for _, d := range deliveries {
		if d.Err != nil || d.Status != http.StatusNoContent {
			t.Fatalf("delivery %+v", d)
		}
	}
	wantTypes := []string{"MEDIA_PENDING", "MEDIA_APPROVED", "MEDIA_AVAILABLE"}
	for i, wh := range got {
		if wh.NotificationType != wantTypes[i] || wh.Request.RequestID != r.ID ||
			wh.Media.TmdbID != 1399 || wh.Media.MediaType != "tv" || wh.Request.RequestedByEmail != "jane@example.com" ||
			!slices.Equal(wh.RequestedSeasons(), []int{1, 2}) || wh.Subject != "Example Show (2011)" {
			t.Errorf("webhook %d = %+v", i, wh)
		}
	}
	if got[0].Event != "New Series Request" || got[1].Media.Status != overseerr.MediaProcessing {
		t.Errorf("events: %q, %v", got[0].Event, got[1].Media.Status)
	}

	body := fake.WebhookFor(overseerr.NotifyMediaDeclined, r.ID)
	status, err := overseerrtest.PostWebhook(ctx, recv.URL, "wrong", body)
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("post with wrong secret: %d, %v", status, err)
	}
	wh, err := overseerr.ParseWebhook(body)
	if err != nil || wh.NotificationType != "MEDIA_DECLINED" || wh.Event != "Series Request Declined" {
		t.Fatalf("declined webhook = %+v, %v", wh, err)
	}
	if fake.WebhookFor(overseerr.NotifyMediaDeclined, 999) != nil {
		t.Fatal("webhook for a missing request")
	}
}
