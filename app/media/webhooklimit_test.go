package media

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"medianest/app/overseerr/overseerrtest"
)

// Guessing the webhook secret is throttled per address: after
// webhookFailures wrong secrets in a minute the address gets 429 with
// Retry-After, even with the right secret; other addresses are unaffected,
// and right secrets never count.
func TestWebhookFailuresAreRateLimited(t *testing.T) {
	e := newEnv(t)
	hook := func(addr, auth string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("POST", "/api/v1/webhooks/overseerr", bytes.NewReader(overseerrtest.WebhookTestBody()))
		req.RemoteAddr = addr
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		return w
	}
	const attacker, overseerr = "203.0.113.7:4000", "192.0.2.10:5055"
	// Right secrets do not use up the allowance.
	for range webhookFailures + 5 {
		if w := hook(attacker, secret); w.Code != http.StatusNoContent {
			t.Fatalf("right secret: %d %s", w.Code, w.Body)
		}
	}
	for i := range webhookFailures {
		if w := hook(attacker, "guess-"+strconv.Itoa(i)); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i, w.Code, w.Body)
		}
	}
	w := hook(attacker, "one-more-guess")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("guess past the limit: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if r := (resp{status: w.Code, body: w.Body.Bytes()}); r.code(t) != "RATE_LIMITED" {
		t.Fatalf("code %s", r.code(t))
	}
	// Once limited, the answer says nothing about whether a secret is right.
	if w := hook(attacker, secret); w.Code != http.StatusTooManyRequests {
		t.Fatalf("right secret while limited: %d", w.Code)
	}
	if w := hook(overseerr, secret); w.Code != http.StatusNoContent {
		t.Fatalf("another address: %d %s", w.Code, w.Body)
	}
}
