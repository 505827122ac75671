package overseerrtest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"medianest/app/overseerr"
)

// WebhookParams describe one notification for WebhookBody. Zero fields are
// rendered the way Overseerr renders a missing value: "".
type WebhookParams struct {
	NotificationType string // e.g. overseerr.NotifyMediaApproved
	// Event defaults to Overseerr's text for the type and media type
	// ("Movie Request Approved", "New Series Request", ...).
	Event   string
	Subject string // "Title (YYYY)"
	Message string
	Image   string
	// The media block is null when MediaType and TmdbID are both zero.
	MediaType string
	TmdbID    int64
	TvdbID    int64
	// MediaStatus defaults to what Overseerr reports with the type
	// (PENDING, PROCESSING, AVAILABLE, ...).
	MediaStatus   string
	MediaStatus4k string
	// The request block is null when RequestID is zero.
	RequestID           int64
	RequestedByEmail    string
	RequestedByUsername string
	RequestedByAvatar   string
	// Seasons become the "Requested Seasons" extra of a TV notification.
	Seasons []int
	Is4K    bool
}

// kv and object keep keys in the template's order.
type kv struct {
	k string
	v any
}

type object []kv

// MarshalJSON writes the pairs in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.k)
		v, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func str(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// WebhookBody renders p in Overseerr's default webhook template: every
// value a string, media/request null when not applicable, issue and
// comment null, extra a list.
func WebhookBody(p WebhookParams) []byte {
	if p.Event == "" {
		p.Event = EventText(p.NotificationType, p.MediaType, p.Is4K)
	}
	if p.MediaStatus == "" {
		p.MediaStatus = defaultMediaStatus(p.NotificationType)
	}
	if p.MediaStatus4k == "" {
		p.MediaStatus4k = "UNKNOWN"
	}
	var media, request any
	if p.MediaType != "" || p.TmdbID != 0 {
		media = object{
			{"media_type", p.MediaType}, {"tmdbId", str(p.TmdbID)}, {"tvdbId", str(p.TvdbID)},
			{"status", p.MediaStatus}, {"status4k", p.MediaStatus4k},
		}
	}
	if p.RequestID != 0 {
		request = object{
			{"request_id", str(p.RequestID)}, {"requestedBy_email", p.RequestedByEmail},
			{"requestedBy_username", p.RequestedByUsername}, {"requestedBy_avatar", p.RequestedByAvatar},
			{"requestedBy_settings_discordId", ""}, {"requestedBy_settings_telegramChatId", ""},
		}
	}
	extra := []object{}
	if len(p.Seasons) > 0 {
		parts := make([]string, len(p.Seasons))
		for i, n := range p.Seasons {
			parts[i] = strconv.Itoa(n)
		}
		extra = append(extra, object{{"name", "Requested Seasons"}, {"value", strings.Join(parts, ", ")}})
	}
	body := object{
		{"notification_type", p.NotificationType}, {"event", p.Event}, {"subject", p.Subject},
		{"message", p.Message}, {"image", p.Image},
		{"media", media}, {"request", request}, {"issue", nil}, {"comment", nil}, {"extra", extra},
	}
	b, _ := json.MarshalIndent(body, "", "  ")
	return b
}

// WebhookTestBody is the body of the settings page's "Test" button.
func WebhookTestBody() []byte {
	return WebhookBody(WebhookParams{
		NotificationType: overseerr.NotifyTest,
		Subject:          "Test Notification",
		Message:          "Check check, 1, 2, 3. Are we coming in clear?",
	})
}

// EventText is Overseerr's event text for a notification type.
func EventText(notificationType, mediaType string, is4k bool) string {
	kind := "Movie"
	if mediaType == "tv" {
		kind = "Series"
	}
	if is4k {
		kind = "4K " + kind
	}
	switch notificationType {
	case overseerr.NotifyMediaPending:
		return "New " + kind + " Request"
	case overseerr.NotifyMediaApproved:
		return kind + " Request Approved"
	case overseerr.NotifyMediaAutoApproved:
		return kind + " Request Automatically Approved"
	case overseerr.NotifyMediaAvailable:
		return kind + " Request Now Available"
	case overseerr.NotifyMediaDeclined:
		return kind + " Request Declined"
	case overseerr.NotifyMediaFailed:
		return kind + " Request Failed"
	case overseerr.NotifyMediaAutoRequested:
		return kind + " Request Automatically Submitted"
	}
	return ""
}

func defaultMediaStatus(notificationType string) string {
	switch notificationType {
	case overseerr.NotifyMediaPending:
		return "PENDING"
	case overseerr.NotifyMediaApproved, overseerr.NotifyMediaAutoApproved, overseerr.NotifyMediaFailed:
		return "PROCESSING"
	case overseerr.NotifyMediaAvailable:
		return "AVAILABLE"
	case overseerr.NotifyMediaDeclined:
		return "UNKNOWN"
	}
	return ""
}

// PostWebhook sends body to url as Overseerr's webhook agent does (POST,
// JSON, the configured Authorization header when not empty) and returns the
// answer's status.
func PostWebhook(ctx context.Context, url, authorization string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Delivery is one webhook the fake sent on its own.
type Delivery struct {
	Body   []byte
	Status int // 0 when sending failed
	Err    error
}

type hookTarget struct {
	url        string
	auth       string
	queue      []hookJob
	sending    bool
	deliveries []Delivery
}

// SetWebhook makes the fake notify url like Overseerr would: MEDIA_PENDING
// or MEDIA_AUTO_APPROVED on a new request, MEDIA_APPROVED and
// MEDIA_DECLINED on approve/decline, MEDIA_AVAILABLE when SetMediaStatus
// makes a requested title available. Sends are asynchronous (the answer to
// the API call does not wait); FlushWebhooks waits for them. "" turns it off.
func (s *Server) SetWebhook(url, authorization string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook.url, s.hook.auth = url, authorization
}

// FlushWebhooks waits for pending webhook sends and returns every delivery
// so far.
func (s *Server) FlushWebhooks() []Delivery {
	s.hooks.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.hook.deliveries...)
}

// WebhookFor renders the notification Overseerr would send about request
// id in its current state; nil if there is no such request.
func (s *Server) WebhookFor(notificationType string, id int64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.requests[id]
	if !ok {
		return nil
	}
	return WebhookBody(s.paramsLocked(notificationType, r))
}

func (s *Server) paramsLocked(notificationType string, r *fakeRequest) WebhookParams {
	title, date, poster := s.titleLocked(r.typ, r.media.tmdb)
	p := WebhookParams{
		NotificationType: notificationType,
		Subject:          title,
		MediaType:        r.typ,
		TmdbID:           r.media.tmdb,
		TvdbID:           r.media.tvdb,
		MediaStatus:      r.media.status.String(),
		MediaStatus4k:    r.media.status4k.String(),
		RequestID:        r.id,
		Is4K:             r.is4k,
	}
	if len(date) >= 4 {
		p.Subject += " (" + date[:4] + ")"
	}
	if poster != "" {
		p.Image = "https://image.tmdb.org/t/p/w600_and_h900_bestv2" + poster
	}
	if u := s.userLocked(r.userID); u != nil {
		p.RequestedByEmail = u.Email
		p.RequestedByUsername = u.displayName()
		p.RequestedByAvatar = "https://plex.tv/users/" + strconv.FormatInt(u.ID, 16) + "/avatar?c=1700000000"
	}
	for _, se := range r.seasons {
		p.Seasons = append(p.Seasons, se.number)
	}
	return p
}

// notifyLocked queues a notification about r when a webhook is set. One
// sender delivers the queue in order, so a test sees events in the order
// they happened.
func (s *Server) notifyLocked(notificationType string, r *fakeRequest) {
	if s.hook.url == "" || s.closed {
		return
	}
	s.hooks.Add(1)
	s.hook.queue = append(s.hook.queue, hookJob{url: s.hook.url, auth: s.hook.auth,
		body: WebhookBody(s.paramsLocked(notificationType, r))})
	if !s.hook.sending {
		s.hook.sending = true
		go s.deliver()
	}
}

type hookJob struct {
	url, auth string
	body      []byte
}

// deliver sends queued notifications until the queue is empty.
func (s *Server) deliver() {
	for {
		s.mu.Lock()
		if len(s.hook.queue) == 0 {
			s.hook.sending = false
			s.mu.Unlock()
			return
		}
		j := s.hook.queue[0]
		s.hook.queue = s.hook.queue[1:]
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		status, err := PostWebhook(ctx, j.url, j.auth, j.body)
		cancel()
		s.mu.Lock()
		s.hook.deliveries = append(s.hook.deliveries, Delivery{Body: j.body, Status: status, Err: err})
		s.mu.Unlock()
		s.hooks.Done()
	}
}
