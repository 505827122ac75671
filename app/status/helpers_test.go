package status_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/principal"

	"medianest/app/audit"
	"medianest/app/config"
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/kuma"
	"medianest/app/kuma/kumatest"
	"medianest/app/overseerr"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/plex"
	"medianest/app/plex/plextest"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/app/status"
	"medianest/app/upstream"
	"medianest/db"
	"medianest/db/dbtest"
)

// env is a poller wired to the upstream fakes, a real database and a real
// events hub served over HTTP.
type env struct {
	t      *testing.T
	db     *db.DB
	store  *services.Store
	pms    *plextest.PMS
	ovr    *overseerrtest.Server
	kuma   *kumatest.Server
	plexC  *upstream.Client
	pmsC   *plex.PMS
	ovrC   *overseerr.Client
	kumaC  *kuma.Client
	hub    *events.Hub
	hubURL string
	audit  *audit.Recorder
	poller *status.Poller
	api    http.Handler

	// changed is signalled by every service.status event the poller
	// publishes; plexDone by every Plex check's call that returned;
	// ovrEnter and ovrDone when an Overseerr check's call starts and ends.
	changed   chan struct{}
	published *lastPublished
	plexDone  chan struct{}
	ovrEnter  chan struct{}
	ovrDone   chan struct{}
}

type envOptions struct {
	interval, degradedAfter time.Duration
	checkTimeout            time.Duration // 0: the poller's default
	ytdlp                   string        // path; "" = a fake that prints a version
	youtubeOff              bool
	noServices              bool // leave every service unset
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	if o.interval == 0 {
		o.interval = 300 * time.Millisecond
	}
	if o.degradedAfter == 0 {
		o.degradedAfter = 2 * time.Second
	}
	if o.ytdlp == "" {
		o.ytdlp = fakeYtdlp(t, "#!/bin/sh\necho 2023.03.04\n")
	}
	e := &env{t: t, db: dbtest.New(t), changed: make(chan struct{}, 1), published: &lastPublished{},
		plexDone: make(chan struct{}, 1024), ovrEnter: make(chan struct{}, 1024), ovrDone: make(chan struct{}, 1024)}
	box, err := secret.NewBox(bytes.Repeat([]byte{1}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e.store = services.NewStore(e.db, box, nil)
	e.pms = plextest.NewPMS(t)
	e.ovr = overseerrtest.New(t)
	e.kuma = kumatest.New(t)
	// No retries and a breaker that opens after two failures, held open
	// for an hour: the poller must not depend on either.
	opts := upstream.Options{Timeout: 2 * time.Second, Retries: -1, FailuresToOpen: 2, OpenFor: time.Hour}
	e.plexC = upstream.New("plex", "Plex", opts)
	e.pmsC = plex.NewPMS(e.plexC, plex.Identity{ClientID: "status-test", Product: "MediaNest"})
	e.ovrC = overseerr.New(opts)
	e.kumaC = kuma.New(upstream.New("uptime_kuma", "Uptime Kuma", opts))

	ctx := context.Background()
	if !o.noServices {
		for _, s := range []services.Service{
			{Name: services.Plex, URL: e.pms.URL, APIKey: e.pms.OwnerToken(), Enabled: true},
			{Name: services.Overseerr, URL: e.ovr.URL, APIKey: e.ovr.APIKey(), Enabled: true},
			{Name: services.UptimeKuma, URL: e.kuma.URL, Enabled: true, Options: map[string]string{"statusPage": kumatest.DefaultSlug}},
		} {
			if _, err := e.store.Put(ctx, s, false); err != nil {
				t.Fatal(err)
			}
		}
	}

	e.hub = events.NewHub(nil)
	hs := httptest.NewServer(asUser(e.hub, principal.User{ID: 1, Username: "ann", Role: principal.RoleUser, Status: principal.StatusActive}))
	t.Cleanup(func() { e.hub.Close(); hs.Close() })
	e.hubURL = hs.URL
	e.audit = audit.New(e.db, nil)

	e.poller = status.New(status.Deps{
		Services:       e.store,
		Plex:           signalPlex{PlexProber: e.pmsC, done: e.plexDone},
		Overseerr:      signalOverseerr{OverseerrProber: e.ovrC, enter: e.ovrEnter, done: e.ovrDone},
		Kuma:           e.kumaC,
		YtdlpPath:      o.ytdlp,
		YouTubeEnabled: !o.youtubeOff,
		Config: config.Status{Interval: config.Duration(o.interval), DegradedAfter: config.Duration(o.degradedAfter),
			HistoryDays: 30},
		CheckTimeout: o.checkTimeout,
		Events:       signalPublisher{next: e.hub, ch: e.changed, last: e.published},
		DB:           e.db,
	})
	mux := http.NewServeMux()
	e.poller.Routes(mux, admit{})
	e.api = httpx.Wrap(mux, httpx.Options{})
	return e
}

// run starts the poller; it stops when the test ends.
func (e *env) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.poller.Run(ctx)
	}()
	e.t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			e.t.Error("the poller did not stop")
		}
	})
}

// waitStatus waits until the poller has published a service.status event
// saying name has status want, and returns that status. Waiting for the
// event rather than the poller's state means a stream opened afterwards
// cannot receive it.
func (e *env) waitStatus(name, want string, within time.Duration) status.ServiceStatus {
	e.t.Helper()
	timeout := time.After(within)
	for {
		st := e.published.get(name)
		if st.Status == want {
			return st
		}
		select {
		case <-e.changed:
		case <-timeout:
			e.t.Fatalf("%s is %q (%s), want %q after %s", name, st.Status, st.Message, want, within)
		}
	}
}

// signal sends on ch without blocking; the channels are buffered well
// beyond what a test uses.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// drain forgets the signals ch holds.
func drain(ch chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// waitSignals waits for n signals on ch.
func (e *env) waitSignals(ch chan struct{}, n int, what string, within time.Duration) {
	e.t.Helper()
	timeout := time.After(within)
	for i := range n {
		select {
		case <-ch:
		case <-timeout:
			e.t.Fatalf("%d of %d %s within %s", i, n, what, within)
		}
	}
}

// signalPublisher passes events on, keeps the last status published for
// each service, and signals each event.
type signalPublisher struct {
	next status.Publisher
	ch   chan struct{}
	last *lastPublished
}

func (p signalPublisher) Publish(ev events.Event) {
	p.next.Publish(ev)
	if st, ok := ev.Data.(status.ServiceStatus); ok && ev.Type == events.ServiceStatus {
		p.last.set(st)
	}
	signal(p.ch)
}

// lastPublished is the last service.status event of each service.
type lastPublished struct {
	mu sync.Mutex
	m  map[string]status.ServiceStatus
}

func (l *lastPublished) set(st status.ServiceStatus) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]status.ServiceStatus{}
	}
	l.m[st.Name] = st
}

func (l *lastPublished) get(name string) status.ServiceStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[name]
}

// signalPlex signals every Plex check's call that returned.
type signalPlex struct {
	status.PlexProber
	done chan struct{}
}

func (p signalPlex) Identity(ctx context.Context, c plex.Conn) (plex.ServerIdentity, error) {
	id, err := p.PlexProber.Identity(ctx, c)
	signal(p.done)
	return id, err
}

// signalOverseerr signals when an Overseerr check's call starts and when it
// returns.
type signalOverseerr struct {
	status.OverseerrProber
	enter, done chan struct{}
}

func (o signalOverseerr) Status(ctx context.Context, c overseerr.Conn) (overseerr.Status, error) {
	signal(o.enter)
	st, err := o.OverseerrProber.Status(ctx, c)
	signal(o.done)
	return st, err
}

func fakeYtdlp(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "yt-dlp")
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// asUser serves h as the signed-in user u.
func asUser(h http.Handler, u principal.User) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(principal.WithUser(r.Context(), u)))
	})
}

// admit stands in for the auth middleware: RequireUser signs the request in
// as a user, RequireAdmin as an admin, unless the test already did.
type admit struct{}

func (admit) RequireUser(h http.Handler) http.Handler {
	return asUser(h, principal.User{ID: 2, Username: "bob", Role: principal.RoleUser, Status: principal.StatusActive})
}

func (admit) RequireAdmin(h http.Handler) http.Handler {
	return asUser(h, principal.User{ID: 9, Username: "root", Role: principal.RoleAdmin, Status: principal.StatusActive})
}

// sse is a client of the events stream.
type sse struct {
	msgs chan [2]string // event, data
}

func (e *env) listen() *sse {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.hubURL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sse{msgs: make(chan [2]string, 100)}
	ready := make(chan struct{})
	go func() {
		defer resp.Body.Close()
		defer close(s.msgs)
		sc := bufio.NewScanner(resp.Body)
		var ev string
		first := true
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				s.msgs <- [2]string{ev, strings.TrimPrefix(line, "data: ")}
			case line == "" && first:
				first = false
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		e.t.Fatal("the events stream did not open")
	}
	return s
}

// nextStatus waits for a service.status event about name.
func (s *sse) nextStatus(t *testing.T, name string, within time.Duration) status.ServiceStatus {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				t.Fatal("the events stream ended")
			}
			if m[0] != events.ServiceStatus {
				continue
			}
			var st status.ServiceStatus
			if err := json.Unmarshal([]byte(m[1]), &st); err != nil {
				t.Fatal(err)
			}
			if st.Name == name {
				return st
			}
		case <-timeout:
			t.Fatalf("no service.status event for %s within %s", name, within)
		}
	}
}

// call sends a request to the status routes and decodes the envelope's data.
func (e *env) call(method, path, body string, out any) (int, string) {
	e.t.Helper()
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	rec := httptest.NewRecorder()
	e.api.ServeHTTP(rec, req)
	if out != nil && rec.Code < 300 {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			e.t.Fatalf("%s %s: %v", method, path, err)
		}
		if err := json.Unmarshal(env.Data, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, env.Data)
		}
	}
	return rec.Code, rec.Body.String()
}

type plexConn = plex.Conn

// recorder is a Publisher that keeps what it is given and signals each
// event on ch.
type recorder struct {
	mu  sync.Mutex
	evs []events.Event
	ch  chan struct{}
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 1)} }

func (r *recorder) Publish(e events.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
	signal(r.ch)
}

// statuses returns the service.status events, by service, in order.
func (r *recorder) statuses() map[string][]status.ServiceStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]status.ServiceStatus{}
	for _, e := range r.evs {
		if st, ok := e.Data.(status.ServiceStatus); ok && e.Type == events.ServiceStatus {
			out[st.Name] = append(out[st.Name], st)
		}
	}
	return out
}
