package events_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"medianest/app/events"
)

// ended waits for s to end and fails the test if it does not.
func (s *stream) ended(t *testing.T) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case _, open := <-s.msgs:
			if !open {
				return
			}
		case <-timeout:
			t.Fatal("the stream is still open")
		}
	}
}

// close hangs up s as a browser closing its tab would.
func (s *stream) close() { s.resp.Body.Close() }

// TestStreamsPerUserCapped opens one stream more than a user may hold: the
// user's oldest ends, the others (and other users' streams) keep working.
func TestStreamsPerUserCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := events.NewHub(nil, events.WithMaxStreamsPerUser(2))
		defer hub.Close()
		n := newPipeNet(t, as(hub), nil)
		oldest := connectOver(t, n.client, "7")
		second := connectOver(t, n.client, "7")
		other := connectOver(t, n.client, "8")
		newest := connectOver(t, n.client, "7")
		oldest.ended(t)
		synctest.Wait()
		if got := hub.Clients(); got != 3 {
			t.Fatalf("clients = %d, want 3", got)
		}
		hub.Publish(events.Event{Type: events.Notice, Data: "still here"})
		for name, s := range map[string]*stream{"second": second, "other": other, "newest": newest} {
			if m := s.next(t, isEvent); m.data != `"still here"` {
				t.Errorf("%s got %+v", name, m)
			}
		}

		// Closed streams stop counting: user 7 may open two again without
		// losing one.
		second.close()
		newest.close()
		synctest.Wait()
		if got := hub.Clients(); got != 1 {
			t.Fatalf("clients after closing = %d, want 1", got)
		}
		if got := events.Users(hub); got != 1 {
			t.Fatalf("users tracked after closing = %d, want 1: a user with no stream must be forgotten", got)
		}
		a := connectOver(t, n.client, "7")
		b := connectOver(t, n.client, "7")
		synctest.Wait()
		hub.Publish(events.Event{Type: events.Notice, Data: "again"})
		for _, s := range []*stream{a, b, other} {
			if m := s.next(t, isEvent); m.data != `"again"` {
				t.Errorf("got %+v", m)
			}
		}
	})
}

// TestStreamsTotalCapped fills the hub: the next stream is refused with
// the error envelope, and a closed stream frees its place.
func TestStreamsTotalCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := events.NewHub(nil, events.WithMaxStreams(2))
		defer hub.Close()
		n := newPipeNet(t, as(hub), nil)
		first := connectOver(t, n.client, "1")
		connectOver(t, n.client, "2")

		req, _ := http.NewRequest(http.MethodGet, "http://pipe/", nil)
		req.Header.Set("X-Test-User", "3")
		resp, err := n.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == http.StatusOK {
			resp.Body.Close()
			t.Fatal("a stream beyond the cap was accepted")
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &env) != nil ||
			env.Error.Code != "SERVICE_UNAVAILABLE" || env.Error.Message == "" {
			t.Fatalf("a stream beyond the cap: %d %s, want 503 SERVICE_UNAVAILABLE with a message", resp.StatusCode, body)
		}
		if got := hub.Clients(); got != 2 {
			t.Fatalf("clients = %d, want 2", got)
		}

		first.close()
		synctest.Wait()
		if got := hub.Clients(); got != 1 {
			t.Fatalf("clients after closing one = %d, want 1", got)
		}
		connectOver(t, n.client, "3")
	})
}
