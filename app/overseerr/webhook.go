package overseerr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Overseerr's notification types (the webhook's notification_type).
const (
	NotifyMediaPending       = "MEDIA_PENDING"
	NotifyMediaApproved      = "MEDIA_APPROVED"
	NotifyMediaAvailable     = "MEDIA_AVAILABLE"
	NotifyMediaFailed        = "MEDIA_FAILED"
	NotifyTest               = "TEST_NOTIFICATION"
	NotifyMediaDeclined      = "MEDIA_DECLINED"
	NotifyMediaAutoApproved  = "MEDIA_AUTO_APPROVED"
	NotifyIssueCreated       = "ISSUE_CREATED"
	NotifyIssueComment       = "ISSUE_COMMENT"
	NotifyIssueResolved      = "ISSUE_RESOLVED"
	NotifyIssueReopened      = "ISSUE_REOPENED"
	NotifyMediaAutoRequested = "MEDIA_AUTO_REQUESTED"
)

// notifyBits maps the bit values (which some templates send instead of the
// name) to the names.
var notifyBits = map[int64]string{
	2: NotifyMediaPending, 4: NotifyMediaApproved, 8: NotifyMediaAvailable, 16: NotifyMediaFailed,
	32: NotifyTest, 64: NotifyMediaDeclined, 128: NotifyMediaAutoApproved, 256: NotifyIssueCreated,
	512: NotifyIssueComment, 1024: NotifyIssueResolved, 2048: NotifyIssueReopened, 4096: NotifyMediaAutoRequested,
}

// Webhook is an Overseerr webhook notification.
type Webhook struct {
	NotificationType string // e.g. "MEDIA_APPROVED"; "" when neither sent nor inferable
	Event            string // e.g. "Movie Request Approved"
	Subject          string // "Title (YYYY)"
	Message          string
	Image            string
	Is4K             bool
	// Media is zero when the payload's media was null or missing.
	Media WebhookMedia
	// Request is zero when the payload's request was null or missing.
	Request WebhookRequest
	Extra   []WebhookExtra
}

// WebhookMedia is the payload's media block.
type WebhookMedia struct {
	MediaType string // "movie" or "tv"
	TmdbID    int64
	TvdbID    int64
	Status    MediaStatus
	Status4k  MediaStatus
}

// WebhookRequest is the payload's request block.
type WebhookRequest struct {
	RequestID           int64
	RequestedByEmail    string
	RequestedByUsername string
	RequestedByAvatar   string
}

// WebhookExtra is one {name, value} pair of the payload's extra list, e.g.
// "Requested Seasons" = "1, 2".
type WebhookExtra struct {
	Name  string
	Value string
}

// looseString takes a string, a number or a bool; anything else is "".
type looseString string

// UnmarshalJSON never fails: a value of the wrong shape is dropped.
func (s *looseString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var v any
	if json.Unmarshal(b, &v) != nil {
		*s = ""
		return nil
	}
	switch x := v.(type) {
	case string:
		*s = looseString(strings.TrimSpace(x))
	case float64, bool:
		*s = looseString(string(b))
	default:
		*s = ""
	}
	return nil
}

// looseInt takes an id: a whole number, or a string holding one. Anything
// else — negative, fractional, NaN, out of int64's range — is 0, "no id",
// rather than a value that depends on how the CPU converts floats.
type looseInt int64

// UnmarshalJSON never fails: a value that is not an id is 0.
func (n *looseInt) UnmarshalJSON(b []byte) error {
	var s looseString
	_ = s.UnmarshalJSON(b)
	*n = 0
	if v, err := strconv.ParseInt(string(s), 10, 64); err == nil {
		*n = looseInt(max(v, 0))
		return nil
	}
	v, err := strconv.ParseFloat(string(s), 64)
	// float64(math.MaxInt64) is 2^63, the first value that does not fit.
	if err == nil && v >= 0 && v < float64(math.MaxInt64) && v == math.Trunc(v) {
		*n = looseInt(v)
	}
	return nil
}

type wireWebhook struct {
	NotificationType    looseString     `json:"notification_type"`
	NotificationTypeAlt looseString     `json:"notificationType"`
	Event               looseString     `json:"event"`
	Subject             looseString     `json:"subject"`
	Message             looseString     `json:"message"`
	Image               looseString     `json:"image"`
	Media               json.RawMessage `json:"media"`
	Request             json.RawMessage `json:"request"`
	Extra               json.RawMessage `json:"extra"`
	// Flat keys of customised templates that skip the {{media}} and
	// {{request}} blocks.
	MediaType           looseString `json:"media_type"`
	MediaTmdbID         looseInt    `json:"media_tmdbid"`
	MediaTvdbID         looseInt    `json:"media_tvdbid"`
	MediaStatus         looseString `json:"media_status"`
	MediaStatus4k       looseString `json:"media_status4k"`
	RequestID           looseInt    `json:"request_id"`
	RequestedByEmail    looseString `json:"requestedBy_email"`
	RequestedByUsername looseString `json:"requestedBy_username"`
}

type wireWebhookMedia struct {
	MediaType    looseString `json:"media_type"`
	MediaTypeAlt looseString `json:"mediaType"`
	TmdbID       looseInt    `json:"tmdbId"`
	TvdbID       looseInt    `json:"tvdbId"`
	Status       looseString `json:"status"`
	Status4k     looseString `json:"status4k"`
}

type wireWebhookRequest struct {
	RequestID           looseInt    `json:"request_id"`
	RequestIDAlt        looseInt    `json:"requestId"`
	ID                  looseInt    `json:"id"`
	RequestedByEmail    looseString `json:"requestedBy_email"`
	RequestedByUsername looseString `json:"requestedBy_username"`
	RequestedByAvatar   looseString `json:"requestedBy_avatar"`
}

// ParseWebhook reads a webhook body. It is lenient, as it must be with
// operator-editable templates: every value may be a string or a number,
// media/request/extra may be null or missing, and the flat template
// variables (media_tmdbid, request_id, ...) are understood too. When
// notification_type is missing it is inferred from the event text. Only a
// body that is not a JSON object is an error (ErrInvalidPayload).
func ParseWebhook(body []byte) (Webhook, error) {
	body = bytes.TrimSpace(body)
	var w wireWebhook
	if len(body) == 0 || body[0] != '{' {
		return Webhook{}, fmt.Errorf("overseerr: parse webhook: %w",
			fail(ErrInvalidPayload, nil, "The webhook body is not a JSON object."))
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return Webhook{}, fmt.Errorf("overseerr: parse webhook: %w",
			fail(ErrInvalidPayload, err, "The webhook body is not valid JSON."))
	}
	out := Webhook{
		Event:   string(w.Event),
		Subject: string(w.Subject),
		Message: string(w.Message),
		Image:   string(w.Image),
	}
	var m wireWebhookMedia
	decodeObject(w.Media, &m)
	out.Media = WebhookMedia{
		MediaType: strings.ToLower(firstNonEmpty(string(m.MediaType), string(m.MediaTypeAlt), string(w.MediaType))),
		TmdbID:    firstNonZero(int64(m.TmdbID), int64(w.MediaTmdbID)),
		TvdbID:    firstNonZero(int64(m.TvdbID), int64(w.MediaTvdbID)),
		Status:    ParseMediaStatus(firstNonEmpty(string(m.Status), string(w.MediaStatus))),
		Status4k:  ParseMediaStatus(firstNonEmpty(string(m.Status4k), string(w.MediaStatus4k))),
	}
	if out.Media.MediaType == "" && out.Media.TmdbID == 0 {
		out.Media = WebhookMedia{}
	}
	var r wireWebhookRequest
	decodeObject(w.Request, &r)
	out.Request = WebhookRequest{
		RequestID:           firstNonZero(int64(r.RequestID), int64(r.RequestIDAlt), int64(r.ID), int64(w.RequestID)),
		RequestedByEmail:    firstNonEmpty(string(r.RequestedByEmail), string(w.RequestedByEmail)),
		RequestedByUsername: firstNonEmpty(string(r.RequestedByUsername), string(w.RequestedByUsername)),
		RequestedByAvatar:   string(r.RequestedByAvatar),
	}
	var extra []struct {
		Name  looseString `json:"name"`
		Value looseString `json:"value"`
	}
	if bytes.HasPrefix(bytes.TrimSpace(w.Extra), []byte("[")) {
		_ = json.Unmarshal(w.Extra, &extra)
	}
	for _, e := range extra {
		out.Extra = append(out.Extra, WebhookExtra{Name: string(e.Name), Value: string(e.Value)})
	}
	out.NotificationType = notificationType(firstNonEmpty(string(w.NotificationType), string(w.NotificationTypeAlt)), out.Event, out.Subject)
	out.Is4K = strings.HasPrefix(strings.ToUpper(out.Event), "4K ")
	return out, nil
}

// decodeObject decodes raw into v when it is a JSON object; null, strings
// and other shapes leave v zero.
func decodeObject(raw json.RawMessage, v any) {
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		_ = json.Unmarshal(raw, v)
	}
}

func firstNonZero(v ...int64) int64 {
	for _, n := range v {
		if n != 0 {
			return n
		}
	}
	return 0
}

// notificationType normalises the sent type (a name or its bit value), or
// infers it from the event text when none was sent.
func notificationType(sent, event, subject string) string {
	sent = strings.ToUpper(strings.TrimSpace(sent))
	if n, err := strconv.ParseInt(sent, 10, 64); err == nil {
		return notifyBits[n]
	}
	if sent != "" {
		return sent
	}
	e := strings.ToLower(event)
	switch {
	case strings.Contains(e, "test notification") || strings.EqualFold(strings.TrimSpace(subject), "Test Notification"):
		return NotifyTest
	case strings.Contains(e, "now available"):
		return NotifyMediaAvailable
	case strings.Contains(e, "automatically approved"):
		return NotifyMediaAutoApproved
	case strings.Contains(e, "automatically submitted"), strings.Contains(e, "automatically requested"):
		return NotifyMediaAutoRequested
	case strings.Contains(e, "approved"):
		return NotifyMediaApproved
	case strings.Contains(e, "declined"):
		return NotifyMediaDeclined
	case strings.Contains(e, "failed"):
		return NotifyMediaFailed
	case strings.Contains(e, "new ") && strings.Contains(e, "request"):
		return NotifyMediaPending
	}
	return ""
}

// IsTest reports whether this is the settings page's test notification.
func (w Webhook) IsTest() bool { return w.NotificationType == NotifyTest }

// RequestedSeasons parses the "Requested Seasons" extra ("1, 2") of a TV
// notification; nil when absent.
func (w Webhook) RequestedSeasons() []int {
	var out []int
	for _, e := range w.Extra {
		if !strings.EqualFold(e.Name, "Requested Seasons") {
			continue
		}
		for _, f := range strings.Split(e.Value, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}
