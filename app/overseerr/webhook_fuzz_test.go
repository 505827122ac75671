package overseerr_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"medianest/app/overseerr"
)

// FuzzParseWebhook: operators edit the webhook template, so anything may
// arrive. Parsing never panics, is deterministic, refuses only bodies that
// are not a JSON object (as VALIDATION_ERROR), and yields ids that are
// never negative and normalised names.
func FuzzParseWebhook(f *testing.F) {
	for _, s := range []string{
		defaultTemplateApproved,
		`{"notification_type":"TEST_NOTIFICATION","subject":"Test Notification","media":null,"request":null,"extra":[]}`,
		`{"notification_type":"MEDIA_AVAILABLE","media":{"media_type":"tv","tmdbId":1399,"status":5},"request":{"request_id":41},"extra":[{"name":"Requested Seasons","value":"1, 2"}]}`,
		`{"notification_type":8,"media_tmdbid":"45745","media_type":"MOVIE","request_id":"9"}`,
		`{"event":"4K Movie Request Automatically Approved","media":{"mediaType":"movie","tmdbId":"1e3"}}`,
		`{"media":{"tmdbId":-5},"request":{"id":1.5,"requestId":"NaN","request_id":1e300}}`,
		`{"media":"x","request":[],"extra":{"name":1}}`, `{"extra":[{"name":"Requested Seasons","value":"x,,-1, 99999999999999999999"}]}`,
		`{}`, `[]`, `null`, ``, `{`, `{"a":}`, "{\"subject\":\"\xff\"}", `  {"message": true}  `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w, err := overseerr.ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, overseerr.ErrInvalidPayload) {
				t.Fatalf("ParseWebhook(%q) = %v, want ErrInvalidPayload", body, err)
			}
			if trimmed := bytes.TrimSpace(body); json.Valid(trimmed) && len(trimmed) > 0 && trimmed[0] == '{' {
				t.Fatalf("ParseWebhook refused a JSON object %q: %v", body, err)
			}
			return
		}
		again, _ := overseerr.ParseWebhook(body)
		if !reflect.DeepEqual(w, again) {
			t.Fatalf("ParseWebhook(%q) is not deterministic: %+v then %+v", body, w, again)
		}
		if w.Media.TmdbID < 0 || w.Media.TvdbID < 0 || w.Request.RequestID < 0 {
			t.Fatalf("ParseWebhook(%q): negative id: tmdb %d tvdb %d request %d", body, w.Media.TmdbID, w.Media.TvdbID, w.Request.RequestID)
		}
		if w.Media.MediaType != strings.ToLower(w.Media.MediaType) || w.NotificationType != strings.ToUpper(w.NotificationType) {
			t.Fatalf("ParseWebhook(%q): media type %q, notification type %q not normalised", body, w.Media.MediaType, w.NotificationType)
		}
		w.RequestedSeasons()
	})
}
