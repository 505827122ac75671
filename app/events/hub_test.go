package events_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
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
	// err is how reading the body ended (nil for a complete response),
	// set before msgs closes.
	err error
}

func connect(t *testing.T, url, user string) *stream {
	t.Helper()
	return connectWith(t, http.DefaultClient, url, user)
}

// connectOver connects through a pipeNet's client.
func connectOver(t *testing.T, c *http.Client, user string) *stream {
	t.Helper()
	return connectWith(t, c, "http://pipe/", user)
}

func connectWith(t *testing.T, c *http.Client, url, user string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("X-Test-User", user)
	resp, err := c.Do(req)
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
		defer func() { s.err = sc.Err() }()
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
	// Every client gets this last; what arrived before it is all it got.
	hub.Publish(events.Event{Type: events.Notice, Data: "end"})

	got := func(s *stream) []string {
		var out []string
		for {
			m := s.next(t, isEvent)
			if m.data == `"end"` {
				return out
			}
			out = append(out, m.event+" "+m.data)
		}
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
	synctest.Test(t, func(t *testing.T) {
		hub := events.NewHub(nil)
		defer hub.Close()
		n := newPipeNet(t, as(hub), func(s *http.Server) { s.WriteTimeout = 200 * time.Millisecond })
		s := connectOver(t, n.client, "1")
		time.Sleep(400 * time.Millisecond) // fake time: past the WriteTimeout
		hub.Publish(events.Event{Type: events.ServiceStatus, Data: "late"})
		if m := s.next(t, isEvent); m.data != `"late"` {
			t.Fatalf("got %+v", m)
		}
	})
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
// subscribers' queues are emptied outside the timed part, so the figure is
// the publisher's cost: one encoding and 100 non-blocking sends.
func BenchmarkPublish100(b *testing.B) {
	benchmarkPublish(b, func(int) string { return "" })
}

// BenchmarkPublishKeyed100 is BenchmarkPublish100 with download progress:
// keyed events for 20 downloads, most of them replacing the undelivered
// one of their key.
func BenchmarkPublishKeyed100(b *testing.B) {
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s:%d", events.DownloadProgress, i+1)
	}
	benchmarkPublish(b, func(i int) string { return keys[i%len(keys)] })
}

func benchmarkPublish(b *testing.B, key func(i int) string) {
	hub := events.NewHub(nil, events.WithBuffer(256))
	defer hub.Close()
	subs := make([]func() [][]byte, 100)
	for i := range subs {
		subs[i] = events.Subscribe(hub, int64(i+1), i == 0)
	}
	data := map[string]any{"name": "plex", "displayName": "Plex Media Server", "status": "up",
		"responseTimeMs": 41, "uptime24h": 99.5, "lastCheckAt": "2026-03-01T10:05:00Z", "message": "Version 1.41.3."}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hub.Publish(events.Event{Type: events.ServiceStatus, Data: data, Key: key(i)})
		if i%200 == 199 {
			b.StopTimer()
			for _, take := range subs {
				take()
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	if hub.Clients() != 100 {
		b.Fatalf("clients dropped during the benchmark: %d left", hub.Clients())
	}
}

// A client that reads slowly is never dropped for keyed events, however
// many arrive: each replaces the undelivered one of its key, so what waits
// stays at one per key, and the client ends up with the latest value of
// every key.
func TestKeyedEventsCoalesce(t *testing.T) {
	hub := events.NewHub(nil, events.WithBuffer(8))
	defer hub.Close()
	take := events.Subscribe(hub, 1, false)
	latest := map[string]string{}
	seen := map[string]string{}
	read := func() int {
		msgs := take()
		for _, m := range msgs {
			ev, data := parse(t, m)
			if ev != events.DownloadProgress {
				t.Fatalf("unexpected event %q", ev)
			}
			var p struct {
				ID      int `json:"id"`
				Percent int `json:"percent"`
			}
			if err := json.Unmarshal([]byte(data), &p); err != nil {
				t.Fatal(err)
			}
			seen[strconv.Itoa(p.ID)] = data
		}
		return len(msgs)
	}
	for i := range 200 {
		id := i%50 + 1
		data := fmt.Sprintf(`{"id":%d,"percent":%d}`, id, i/50*25+25)
		hub.Publish(events.Event{Type: events.DownloadProgress, Data: json.RawMessage(data),
			UserID: 1, Key: fmt.Sprintf("%s:%d", events.DownloadProgress, id)})
		latest[strconv.Itoa(id)] = data
		if i == 120 { // the client reads once, in the middle of the flood
			if n := read(); n != 50 {
				t.Fatalf("%d messages waiting after 121 updates of 50 keys, want one per key", n)
			}
		}
	}
	if hub.Clients() != 1 {
		t.Fatal("the slow client was dropped for keyed events")
	}
	if n := read(); n != 50 {
		t.Fatalf("%d messages waiting at the end, want one per key (50)", n)
	}
	if len(seen) != 50 {
		t.Fatalf("saw %d keys, want 50", len(seen))
	}
	for k, want := range latest {
		if seen[k] != want {
			t.Errorf("download %s: last saw %s, want %s", k, seen[k], want)
		}
	}
}

// A keyed event replaces the undelivered one of its key where it stands,
// so it keeps its place among the un-keyed events around it, and keyed
// events take no room from un-keyed ones.
func TestKeyedEventKeepsItsPlace(t *testing.T) {
	hub := events.NewHub(nil, events.WithBuffer(2))
	defer hub.Close()
	take := events.Subscribe(hub, 1, false)
	hub.Publish(events.Event{Type: events.DownloadProgress, Data: 10, Key: "download.progress:1"})
	hub.Publish(events.Event{Type: events.DownloadUpdated, Data: "a"})
	hub.Publish(events.Event{Type: events.DownloadProgress, Data: 20, Key: "download.progress:1"})
	hub.Publish(events.Event{Type: events.DownloadProgress, Data: 5, Key: "download.progress:2"})
	hub.Publish(events.Event{Type: events.DownloadUpdated, Data: "b"})
	var got []string
	for _, m := range take() {
		ev, data := parse(t, m)
		got = append(got, ev+" "+data)
	}
	want := []string{"download.progress 20", `download.updated "a"`, "download.progress 5", `download.updated "b"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if hub.Clients() != 1 {
		t.Fatal("the client was dropped")
	}
	// Once delivered, the same key takes a new place.
	hub.Publish(events.Event{Type: events.DownloadProgress, Data: 30, Key: "download.progress:1"})
	if msgs := take(); len(msgs) != 1 {
		t.Fatalf("%d messages, want the one new update", len(msgs))
	}
}

// Un-keyed events still drop a client whose buffer is full.
func TestUnkeyedOverflowDrops(t *testing.T) {
	hub := events.NewHub(nil, events.WithBuffer(8))
	defer hub.Close()
	take := events.Subscribe(hub, 1, false)
	for i := range 8 {
		hub.Publish(events.Event{Type: events.DownloadUpdated, Data: i})
		hub.Publish(events.Event{Type: events.DownloadProgress, Data: i, Key: "download.progress:1"})
	}
	if hub.Clients() != 1 {
		t.Fatal("dropped with a full buffer that did not overflow")
	}
	hub.Publish(events.Event{Type: events.DownloadUpdated, Data: 8})
	if hub.Clients() != 0 {
		t.Fatal("a client whose buffer overflowed with un-keyed events was kept")
	}
	if n := len(take()); n != 9 {
		t.Fatalf("%d messages queued, want the 8 un-keyed and one keyed", n)
	}
}

// parse splits one encoded SSE message into its event name and data.
func parse(t *testing.T, m []byte) (event, data string) {
	t.Helper()
	for line := range strings.SplitSeq(strings.TrimSpace(string(m)), "\n") {
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("unexpected line %q in %q", line, m)
		}
	}
	return event, data
}

// TestCloseEndsStalledStreams: at shutdown a stream whose socket is full
// ends at once, not when its write deadline passes, so it cannot hold up
// the server's graceful shutdown.
func TestCloseEndsStalledStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hub := events.NewHub(nil, events.WithWriteTimeout(time.Minute))
		n := newPipeNet(t, as(hub), nil)
		// The client never reads the body; a pipe holds nothing, so the
		// handler's first event write blocks.
		req, _ := http.NewRequest(http.MethodGet, "http://pipe/", nil)
		req.Header.Set("X-Test-User", "1")
		resp, err := n.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		payload := json.RawMessage(`"` + strings.Repeat("y", 16<<10) + `"`)
		hub.Publish(events.Event{Type: events.DownloadProgress, Data: payload})
		synctest.Wait() // the handler is now stuck writing
		if hub.Clients() != 1 {
			t.Fatalf("clients = %d; the client ended before the test could stall it", hub.Clients())
		}
		// As at shutdown: the server stops accepting but leaves running
		// handlers alone; ending the streams is the hub's job.
		start := time.Now()
		hub.Close()
		synctest.Wait() // the handler has returned, or is still stuck
		if n.active() != 0 {
			t.Fatal("the stalled stream's handler is still running after Close")
		}
		if d := time.Since(start); d != 0 {
			t.Fatalf("the stalled stream held shutdown for %s", d)
		}
	})
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
	// The stream ends as a response, not as a cut connection: a browser
	// would log a cut one as an error.
	if a.err != nil {
		t.Fatalf("user 1's stream ended with %v, want a complete response", a.err)
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

// A stream that was idle for longer than the write timeout still ends as a
// complete response: the last write's deadline has passed by then, and the
// closing chunk needs one of its own.
func TestDropUserEndsIdleStreamCleanly(t *testing.T) {
	hub := events.NewHub(nil, events.WithWriteTimeout(50*time.Millisecond), events.WithPing(time.Hour))
	srv := httptest.NewServer(as(hub))
	defer srv.Close()
	a := connect(t, srv.URL, "1")
	waitClients(t, hub, 1)
	time.Sleep(150 * time.Millisecond) // idle past the write timeout: the condition under test
	hub.DropUser(1)
	a.ended(t)
	if a.err != nil {
		t.Fatalf("an idle stream ended with %v, want a complete response", a.err)
	}
}
