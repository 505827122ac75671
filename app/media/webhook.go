package media

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"

	"medianest/app/apperr"
	"medianest/app/httpx"
	"medianest/app/overseerr"
)

// handleWebhook takes Overseerr's notifications. It is off (404, as if the
// route did not exist) until overseerr.webhook_secret is set; then the
// Authorization header must equal the secret, and an address that sent
// webhookFailures wrong ones in a minute gets 429 until its allowance
// refills (whatever it sends, so the answer tells a guesser nothing). Anything it cannot use — a
// test notification, an issue, a title nobody here requested — is
// acknowledged with 204 so Overseerr does not log failures.
func (s *Requests) handleWebhook(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.WebhookSecret == "" {
		return apperr.New(apperr.NotFound, "No API route %s %s.", r.Method, r.URL.Path)
	}
	refund, err := takeWebhookAttempt(s.hookFails, httpx.ClientIP(r), s.now())
	if err != nil {
		return err
	}
	if !secretMatches(r.Header.Get("Authorization"), s.cfg.WebhookSecret) {
		return apperr.New(apperr.Unauthorized, "The webhook's Authorization header does not match overseerr.webhook_secret.")
	}
	refund()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err // PAYLOAD_TOO_LARGE
		}
		return apperr.Wrap(apperr.Invalid, err, "The webhook body could not be read.")
	}
	hook, err := overseerr.ParseWebhook(body)
	if err != nil {
		return err
	}
	n, err := s.ApplyWebhook(r.Context(), hook)
	if err != nil {
		return err
	}
	httpx.Logger(r.Context()).Debug("overseerr webhook", "type", hook.NotificationType,
		"request", hook.Request.RequestID, "tmdb", hook.Media.TmdbID, "updated", n)
	httpx.NoContent(w)
	return nil
}

// secretMatches compares in constant time. Hashing first makes the time
// independent of the lengths too.
func secretMatches(got, want string) bool {
	g := sha256.Sum256([]byte(got))
	h := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], h[:]) == 1
}

// ApplyWebhook moves the requests a notification is about to the status it
// implies and returns how many changed. The request is found by Overseerr's
// request id; when the payload has none (a customised template), or for a
// movie's "available" notification about a request made elsewhere (a
// movie that is there is there for everyone who asked), the open requests
// for the title (tmdbId and media type) are used.
func (s *Requests) ApplyWebhook(ctx context.Context, hook overseerr.Webhook) (int, error) {
	status, ok := webhookStatus(hook)
	if !ok {
		return 0, nil
	}
	var ids []int64
	var err error
	if oid := hook.Request.RequestID; oid > 0 {
		if ids, err = s.requestsByOverseerrID(ctx, oid); err != nil {
			return 0, err
		}
	}
	titleLevel := hook.Request.RequestID == 0 || (status == StatusAvailable && hook.Media.MediaType == "movie")
	if len(ids) == 0 && titleLevel && !hook.Is4K && hook.Media.TmdbID > 0 &&
		(hook.Media.MediaType == "movie" || hook.Media.MediaType == "tv") {
		if ids, err = s.openRequestsForTitle(ctx, hook.Media.MediaType, hook.Media.TmdbID); err != nil {
			return 0, err
		}
	}
	changed := 0
	for _, id := range ids {
		_, ch, err := s.setStatus(ctx, id, status, fromNotification)
		if apperr.Is(err, apperr.NotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return changed, err
		}
		if ch {
			changed++
		}
	}
	return changed, nil
}
