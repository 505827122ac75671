package events_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/principal"

	"medianest/app/events"
)

// as mounts h behind a stand-in for RequireUser that signs every request in
// as the user named by the X-Test-User header ("7" or "7admin").
func as(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var id int64
		var role string
		fmt.Sscanf(r.Header.Get("X-Test-User"), "%d%s", &id, &role)
		if id == 0 {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		if role == "" {
			role = principal.RoleUser
		}
		u := principal.User{ID: id, Username: fmt.Sprintf("u%d", id), Role: role, Status: principal.StatusActive}
		h.ServeHTTP(w, r.WithContext(principal.WithUser(r.Context(), u)))
	})
}

// message is one parsed SSE block.
type message struct {
	event, data, comment string
}

// stream is a connected test client.
type stream struct {
	resp *http.Response
	msgs chan message
}

func connect(t *testing.T, url, user string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("X-Test-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	s := &stream{resp: resp, msgs: make(chan message, 1000)}
	go func() {
		defer close(s.msgs)
		sc := bufio.NewScanner(resp.Body)
		var m message
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m != (message{}) {
					s.msgs <- m
				}
				m = message{}
			case strings.HasPrefix(line, "event: "):
				m.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if m.data != "" {
					t.Errorf("more than one data line: %q", line)
				}
				m.data = strings.TrimPrefix(line, "data: ")
			case strings.HasPrefix(line, ":"):
				m.comment = strings.TrimSpace(strings.TrimPrefix(line, ":"))
			}
		}
	}()
	// The first block is the connection comment; once it arrives the
	// client is subscribed.
	s.next(t, func(m message) bool { return m.comment != "" })
	return s
}

// next returns the next message matching ok, skipping others.
func (s *stream) next(t *testing.T, ok func(message) bool) message {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, open := <-s.msgs:
			if !open {
				t.Fatal("stream ended")
			}
			if ok(m) {
				return m
			}
		case <-timeout:
			t.Fatal("timed out waiting for a message")
		}
	}
}

// events collects the events (not comments) that arrive within d.
func (s *stream) events(d time.Duration) []message {
	var out []message
	timeout := time.After(d)
	for {
		select {
		case m, open := <-s.msgs:
			if !open {
				return out
			}
			if m.event != "" {
				out = append(out, m)
			}
		case <-timeout:
			return out
		}
	}
}

func isEvent(m message) bool { return m.event != "" }

func waitClients(t *testing.T, h *events.Hub, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.Clients() != n {
		if time.Now().After(deadline) {
			t.Fatalf("clients = %d, want %d", h.Clients(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFiltering(t *testing.T) {
	hub := events.NewHub(nil)
	srv := httptest.NewServer(as(hub))
	defer srv.Close()
	defer hub.Close()

	a := connect(t, srv.URL, "1")
	b := connect(t, srv.URL, "2")
	admin := connect(t, srv.URL, "3admin")
	waitClients(t, hub, 3)

	hub.Publish(events.Event{Type: events.DownloadUpdated, Data: map[string]any{"id": 10, "owner": "b"}, UserID: 2, Admins: true})
	hub.Publish(events.Event{Type: events.Notification, Data: map[string]any{"id": 11, "to": "a"}, UserID: 1})
	hub.Publish(events.Event{Type: events.ServiceStatus, Data: map[string]any{"name": "plex", "status": "down"}})
	hub.Publish(events.Event{Type: events.Notice, Data: nil})

	got := func(s *stream) []string {
		var out []string
		for _, m := range s.events(300 * time.Millisecond) {
			out = append(out, m.event+" "+m.data)
		}
		return out
	}
	want := map[string][]string{
		"a": {`notification {"id":11,"to":"a"}`, `service.status {"name":"plex","status":"down"}`, `notice null`},
		"b": {`download.updated {"id":10,"owner":"b"}`, `service.status {"name":"plex","status":"down"}`, `notice null`},
		"admin": {`download.updated {"id":10,"owner":"b"}`, `service.status {"name":"plex","status":"down"}`,
			`notice null`},
	}
	for name, s := range map[string]*stream{"a": a, "b": b, "admin": admin} {
		if g := got(s); strings.Join(g, "\n") != strings.Join(want[name], "\n") {
			t.Errorf("%s got\n%s\nwant\n%s", name, strings.Join(g, "\n"), strings.Join(want[name], "\n"))
		}
	}
}

func TestHeartbeat(t *testing.T) {
	hub := events.NewHub(nil, events.WithPing(30*time.Millisecond))
	srv := httptest.NewServer(as(hub))
	defer srv.Close()
	defer hub.Close()
	s := connect(t, srv.URL, "1")
	for range 3 {
		m := s.next(t, func(m message) bool { return m.comment != "" })
		if m.comment != "ping" {
			t.Fatalf("comment %q, want ping", m.comment)
		}
	}
}

// TestWriteTimeoutLifted runs the hub behind a server whose WriteTimeout is
// shorter than the stream: events sent after it must still arrive.
func TestWriteTimeoutLifted(t *testing.T) {
	hub := events.NewHub(nil)
	srv := httptest.NewUnstartedServer(as(hub))
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	defer hub.Close()
	s := connect(t, srv.URL, "1")
	time.Sleep(400 * time.Millisecond)
	hub.Publish(events.Event{Type: events.ServiceStatus, Data: "late"})
	if m := s.next(t, isEvent); m.data != `"late"` {
		t.Fatalf("got %+v", m)
	}
}

// TestSlowClientDropped connects a client that never reads and floods the
// hub: publishing must stay prompt, the slow client must be dropped, and a
// reading client must keep its stream.
func TestSlowClientDropped(t *testing.T) {
	// A publisher that waited for the stalled client would wait out the
	// write timeout at least once; a minute makes that impossible to miss,
	// and the dropped stream must end long before it.
	hub := events.NewHub(nil, events.WithBuffer(8), events.WithWriteTimeout(time.Minute))
	srv := httptest.NewServer(as(hub))
	defer srv.Close()
	defer hub.Close()

	// The slow client: subscribed, then never reads its body.
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("X-Test-User", "1")
	slow, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Body.Close()
	waitClients(t, hub, 1)

	good := connect(t, srv.URL, "2")
	waitClients(t, hub, 2)
	var received sync.WaitGroup
	received.Add(1)
	go func() {
		defer received.Done()
		// Drain the good client while the flood goes on.
		for m := range good.msgs {
			if m.data == `"last"` {
				return
			}
		}
	}()

	// 1000 × 16 KiB is more than the socket buffers between the two ends
	// hold, so the server's writes to the slow client stall.
	payload := json.RawMessage(`"` + strings.Repeat("x", 16<<10) + `"`)
	start := time.Now()
	for i := 0; i < 1000; i++ {
		hub.Publish(events.Event{Type: events.DownloadProgress, Data: payload, UserID: 1})
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("publishing took %s; a slow client held publishers back", d)
	}
	waitClients(t, hub, 1) // the slow one is gone, the good one stays

	hub.Publish(events.Event{Type: events.ServiceStatus, Data: "last"})
	done := make(chan struct{})
	go func() { received.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the reading client did not get the event after the flood")
	}

	// The dropped client's connection ends: reading drains what was
	// buffered and then stops.
	end := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, slow.Body)
		end <- err
	}()
	select {
	case <-end:
	case <-time.After(10 * time.Second):
		t.Fatal("the dropped client's stream did not end")
	}
}

func TestCloseEndsStreams(t *testing.T) {
	hub := events.NewHub(nil)
	srv := httptest.NewServer(as(hub))
	defer srv.Close()
	s := connect(t, srv.URL, "1")
	waitClients(t, hub, 1)
	hub.Close()
	timeout := time.After(2 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-s.msgs:
		case <-timeout:
			t.Fatal("stream still open after Close")
		}
	}
	if hub.Clients() != 0 {
		t.Fatalf("clients = %d after Close", hub.Clients())
	}
	// New streams are refused once closed.
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("X-Test-User", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status after Close = %d", resp.StatusCode)
	}
}

func TestAnonymousRefused(t *testing.T) {
	hub := events.NewHub(nil)
	defer hub.Close()
	rec := httptest.NewRecorder()
	hub.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/events", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", rec.Code)
	}
}

// BenchmarkPublish100 publishes one event to 100 subscribers. The
// subscribers' buffers are emptied outside the timed part, so the figure is
// the publisher's cost: one encoding and 100 non-blocking sends.
func BenchmarkPublish100(b *testing.B) {
	hub := events.NewHub(nil, events.WithBuffer(256))
	defer hub.Close()
	subs := make([]<-chan []byte, 100)
	for i := range subs {
		subs[i] = events.Subscribe(hub, int64(i+1), i == 0)
	}
	data := map[string]any{"name": "plex", "displayName": "Plex Media Server", "status": "up",
		"responseTimeMs": 41, "uptime24h": 99.5, "lastCheckAt": "2026-03-01T10:05:00Z", "message": "Version 1.41.3."}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hub.Publish(events.Event{Type: events.ServiceStatus, Data: data})
		if i%200 == 199 {
			b.StopTimer()
			for _, c := range subs {
				for len(c) > 0 {
					<-c
				}
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	if hub.Clients() != 100 {
		b.Fatalf("clients dropped during the benchmark: %d left", hub.Clients())
	}
}

// TestCloseEndsStalledStreams: at shutdown a stream whose socket is full
// ends at once, not when its write deadline passes, so it cannot hold up
// the server's graceful shutdown.
func TestCloseEndsStalledStreams(t *testing.T) {
	hub := events.NewHub(nil, events.WithBuffer(1<<16), events.WithWriteTimeout(time.Minute))
	srv := httptest.NewServer(as(hub))
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("X-Test-User", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	waitClients(t, hub, 1)
	// Far more than the socket buffers hold; the big buffer keeps the
	// client from being dropped, so its handler is stuck writing.
	payload := json.RawMessage(`"` + strings.Repeat("y", 16<<10) + `"`)
	for range 2000 {
		hub.Publish(events.Event{Type: events.DownloadProgress, Data: payload})
	}
	time.Sleep(200 * time.Millisecond)
	if hub.Clients() != 1 {
		t.Fatalf("clients = %d; the client was dropped before the test could stall it", hub.Clients())
	}
	start := time.Now()
	hub.Close()
	srv.Close() // waits for the handlers to return
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the stalled stream held shutdown for %s", d)
	}
}

func TestDropUserEndsOnlyTheirStreams(t *testing.T) {
	hub := events.NewHub(nil)
	srv := httptest.NewServer(as(hub))
	defer srv.Close()
	a := connect(t, srv.URL, "1")
	b := connect(t, srv.URL, "2")
	waitClients(t, hub, 2)
	hub.DropUser(1)
	timeout := time.After(2 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-a.msgs:
		case <-timeout:
			t.Fatal("user 1's stream still open after DropUser(1)")
		}
	}
	waitClients(t, hub, 1)
	hub.Publish(events.Event{Type: events.Notification, Data: "x", UserID: 2})
	if m := b.next(t, isEvent); m.event != events.Notification {
		t.Fatalf("user 2 got %+v", m)
	}
	// The hub still takes new streams.
	connect(t, srv.URL, "1")
	waitClients(t, hub, 2)
	hub.DropUser(0)
	waitClients(t, hub, 0)
}
