package status_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/services"
	"medianest/app/status"
)

func gauge(name string) float64 {
	return metrics.GetOrCreateGauge(`medianest_service_up{service="`+name+`"}`, nil).Get()
}

// TestDownAndBack takes Plex down and back while a browser listens: the
// change shows within an interval, reaches the events stream, and a
// breaker opened meanwhile by other traffic does not hold the poller back.
func TestDownAndBack(t *testing.T) {
	const interval = 300 * time.Millisecond
	e := newEnv(t, envOptions{interval: interval})
	e.run()
	for _, n := range status.Names {
		e.waitStatus(n, status.StatusUp, 5*time.Second)
	}
	st := e.poller.Status(status.Plex)
	if st.DisplayName != "Plex Media Server" || st.ResponseTimeMs == nil || st.LastCheckAt == nil ||
		st.Uptime24h == nil || *st.Uptime24h != 100 || !strings.Contains(st.Message, "1.41.3") {
		t.Fatalf("plex status %+v", st)
	}
	if gauge(status.Plex) != 1 {
		t.Fatalf("medianest_service_up{plex} = %v", gauge(status.Plex))
	}
	stream := e.listen()

	e.pms.SetDown(http.StatusServiceUnavailable)
	start := time.Now()
	ev := stream.nextStatus(t, status.Plex, 5*time.Second)
	if ev.Status != status.StatusDown || ev.Message == "" || ev.LastCheckAt == nil {
		t.Fatalf("event %+v", ev)
	}
	// One interval to the next check, plus scheduling slack.
	if d := time.Since(start); d > interval+500*time.Millisecond {
		t.Errorf("down shown after %s (interval %s)", d, interval)
	}
	if e.poller.Status(status.Plex).Status != status.StatusDown || gauge(status.Plex) != 0 {
		t.Fatalf("after the event: %+v, gauge %v", e.poller.Status(status.Plex), gauge(status.Plex))
	}
	if c := e.poller.ReadyChecks()[status.Plex]; c.Status != "fail" {
		t.Fatalf("ready check %+v", c)
	}

	// Ordinary traffic fails meanwhile and opens the breaker.
	for range 3 {
		e.pmsC.Identity(context.Background(), e.conn())
	}
	if !e.plexC.Open() {
		t.Fatal("the breaker did not open")
	}

	e.pms.SetDown(0)
	start = time.Now()
	ev = stream.nextStatus(t, status.Plex, 5*time.Second)
	if ev.Status != status.StatusUp {
		t.Fatalf("event %+v", ev)
	}
	if d := time.Since(start); d > 2*interval+500*time.Millisecond {
		t.Errorf("up shown after %s (interval %s)", d, interval)
	}
	if !e.plexC.Open() {
		t.Fatal("the breaker closed; the test proves nothing")
	}
	if up := *ev.Uptime24h; up <= 0 || up >= 100 {
		t.Errorf("uptime after an outage = %v", up)
	}
	// No event while nothing changes: after two more checks that find Plex
	// up, the next event about Plex is the one for taking it down again.
	drain(e.plexDone)
	e.waitSignals(e.plexDone, 2, "plex checks", 5*time.Second)
	e.pms.SetDown(http.StatusServiceUnavailable)
	if ev := stream.nextStatus(t, status.Plex, 5*time.Second); ev.Status != status.StatusDown {
		t.Errorf("service.status event %+v for an unchanged status", ev)
	}

	var rows int
	e.db.R.QueryRow(`SELECT COUNT(*) FROM service_checks WHERE service = 'plex' AND status = 'down'`).Scan(&rows)
	if rows == 0 {
		t.Fatal("no down check recorded")
	}
}

func (e *env) conn() plexConn { return plexConn{URL: e.pms.URL, Token: e.pms.OwnerToken()} }

// TestSlowUpstreamDelaysNoOne hangs Overseerr: while its check hangs, Plex
// is checked again and again, and Overseerr goes down when its check times
// out.
func TestSlowUpstreamDelaysNoOne(t *testing.T) {
	// Checks run when asked for (Recheck), not on a schedule.
	e := newEnv(t, envOptions{interval: time.Hour, checkTimeout: 1500 * time.Millisecond})
	e.run()
	e.waitStatus(status.Overseerr, status.StatusUp, 5*time.Second)
	e.waitStatus(status.Plex, status.StatusUp, 5*time.Second)
	e.ovr.SetHang(true)
	drain(e.ovrEnter)
	drain(e.ovrDone)
	e.poller.Recheck(status.Overseerr)
	e.waitSignals(e.ovrEnter, 1, "hanging Overseerr checks", 5*time.Second)
	drain(e.plexDone)
	for range 3 {
		e.poller.Recheck(status.Plex)
		e.waitSignals(e.plexDone, 1, "plex checks while Overseerr hangs", time.Second)
	}
	select {
	case <-e.ovrDone:
		t.Fatal("the Overseerr check ended before the Plex checks did; the test proves nothing")
	default:
	}
	st := e.waitStatus(status.Overseerr, status.StatusDown, 5*time.Second)
	if !strings.Contains(st.Message, "in time") {
		t.Errorf("timeout message %q", st.Message)
	}
}

// TestRefusedIsDownAndSlowIsDegraded: a closed port is down (never
// degraded); a slow answer is degraded.
func TestRefusedIsDownAndSlowIsDegraded(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour, degradedAfter: 100 * time.Millisecond})
	ctx := context.Background()
	e.pms.SetDelay(250 * time.Millisecond)
	st := e.poller.CheckNow(ctx, status.Plex)
	if st.Status != status.StatusDegraded || *st.ResponseTimeMs < 250 || !strings.Contains(st.Message, "Slow") {
		t.Fatalf("slow plex %+v", st)
	}
	if c := e.poller.ReadyChecks()[status.Plex]; c.Status != "warn" {
		t.Fatalf("ready check %+v", c)
	}

	if _, err := e.store.Put(ctx, services.Service{Name: services.Overseerr, URL: "http://" + closedPort(t), APIKey: "k", Enabled: true}, false); err != nil {
		t.Fatal(err)
	}
	st = e.poller.CheckNow(ctx, status.Overseerr)
	if st.Status != status.StatusDown || !strings.Contains(st.Message, "refused") {
		t.Fatalf("refused overseerr %+v", st)
	}

	// A 500 answer is down too, however fast.
	e.kuma.SetDown(http.StatusInternalServerError)
	if st := e.poller.CheckNow(ctx, status.UptimeKuma); st.Status != status.StatusDown {
		t.Fatalf("kuma answering 500: %+v", st)
	}
	// Uptime Kuma without the configured page answers, but is degraded.
	e.kuma.SetDown(0)
	if _, err := e.store.Put(ctx, services.Service{Name: services.UptimeKuma, URL: e.kuma.URL, Enabled: true,
		Options: map[string]string{"statusPage": "nope"}}, false); err != nil {
		t.Fatal(err)
	}
	if st := e.poller.CheckNow(ctx, status.UptimeKuma); st.Status != status.StatusDegraded || !strings.Contains(st.Message, "nope") {
		t.Fatalf("kuma without the page: %+v", st)
	}
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestRecheckOnSettingsChange: with an hour between rounds, a change made
// through the services store is checked at once.
func TestRecheckOnSettingsChange(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour})
	e.run()
	e.waitStatus(status.Overseerr, status.StatusUp, 5*time.Second)
	stream := e.listen()
	if _, err := e.store.Put(context.Background(), services.Service{Name: services.Overseerr, URL: "http://" + closedPort(t),
		APIKey: "k", Enabled: true}, false); err != nil {
		t.Fatal(err)
	}
	if ev := stream.nextStatus(t, status.Overseerr, 3*time.Second); ev.Status != status.StatusDown {
		t.Fatalf("event %+v", ev)
	}
	if _, err := e.store.Put(context.Background(), services.Service{Name: services.Overseerr, URL: e.ovr.URL,
		APIKey: "k", Enabled: false}, false); err != nil {
		t.Fatal(err)
	}
	ev := stream.nextStatus(t, status.Overseerr, 3*time.Second)
	if ev.Status != status.StatusDisabled || ev.ResponseTimeMs != nil {
		t.Fatalf("event %+v", ev)
	}
	if c := e.poller.ReadyChecks()[status.Overseerr]; c.Status != "disabled" {
		t.Fatalf("ready check %+v", c)
	}
}

func TestDisabledAndUnconfigured(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour, noServices: true, youtubeOff: true})
	checks := e.poller.ReadyChecks()
	for _, n := range status.Names {
		if st := e.poller.Status(n); st.Status != status.StatusUnknown || st.Uptime24h != nil || st.LastCheckAt != nil {
			t.Errorf("%s before the first check: %+v", n, st)
		}
		if checks[n].Status != "pass" {
			t.Errorf("%s ready before the first check: %+v", n, checks[n])
		}
	}
	e.run()
	for _, n := range status.Names {
		st := e.waitStatus(n, status.StatusDisabled, 5*time.Second)
		if st.Uptime24h != nil || st.ResponseTimeMs != nil {
			t.Errorf("%s disabled: %+v", n, st)
		}
	}
	if len(e.pms.Requests())+len(e.ovr.Calls())+len(e.kuma.Calls()) != 0 {
		t.Fatal("an unconfigured service was called")
	}
}

func TestYtdlp(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, script, path string
		status, message    string
	}{
		{"version", "#!/bin/sh\necho 2026.08.19\n", "", status.StatusUp, "2026.08.19"},
		{"fails", "#!/bin/sh\necho 'Traceback: broken' >&2\nexit 1\n", "", status.StatusDown, "broken"},
		{"silent", "#!/bin/sh\nexit 0\n", "", status.StatusDown, "nothing"},
		{"hangs", "#!/bin/sh\nexec sleep 30\n", "", status.StatusDown, "in time"},
		{"missing", "", "/nonexistent/yt-dlp", status.StatusDown, "not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if path == "" {
				path = fakeYtdlp(t, c.script)
			}
			e := newEnv(t, envOptions{interval: 500 * time.Millisecond, ytdlp: path, noServices: true})
			start := time.Now()
			st := e.poller.CheckNow(ctx, status.Ytdlp)
			if st.Status != c.status || !strings.Contains(st.Message, c.message) {
				t.Fatalf("%+v", st)
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("the check took %s", time.Since(start))
			}
		})
	}
	e := newEnv(t, envOptions{interval: time.Hour, youtubeOff: true, noServices: true})
	if st := e.poller.CheckNow(ctx, status.Ytdlp); st.Status != status.StatusDisabled {
		t.Fatalf("youtube off: %+v", st)
	}
}

// TestRestartKeepsLastState: a new poller over the same database starts
// from the recorded checks and does not announce an unchanged status. Each
// service's loop checks twice: the first check finds what was recorded, the
// second (asked for at once) a change, whose event must be the first and
// only one about that service.
func TestRestartKeepsLastState(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour})
	ctx := context.Background()
	for _, n := range status.Names {
		e.poller.CheckNow(ctx, n)
	}
	rec := newRecorder()
	settings := &secondCallDisabled{Settings: e.store, calls: map[string]int{}}
	// yt-dlp answers its first call only: it replaces itself with one that
	// fails (a new file, which the poller runs again rather than trusting
	// the version it read).
	ytdlp := fakeYtdlp(t, "#!/bin/sh\nprintf '#!/bin/sh\\nexit 1\\n' > \"$0.new\" && chmod +x \"$0.new\" && mv \"$0.new\" \"$0\"\necho 1\n")
	p2 := status.New(status.Deps{Services: settings, Plex: e.pmsC, Overseerr: e.ovrC, Kuma: e.kumaC,
		YtdlpPath: ytdlp, YouTubeEnabled: true, Events: rec, DB: e.db})
	settings.p = p2
	for _, n := range status.Names {
		p2.Recheck(n)
	}
	ctx2, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { p2.Run(ctx2); close(done) }()
	want := map[string]string{status.Plex: status.StatusDisabled, status.Overseerr: status.StatusDisabled,
		status.UptimeKuma: status.StatusDisabled, status.Ytdlp: status.StatusDown}
	timeout := time.After(10 * time.Second)
	for len(rec.statuses()) < len(want) {
		select {
		case <-rec.ch:
		case <-timeout:
			t.Fatalf("events %+v", rec.statuses())
		}
	}
	cancel()
	<-done // no event can come after this
	for name, evs := range rec.statuses() {
		if len(evs) != 1 || evs[0].Status != want[name] {
			t.Errorf("%s: events %+v, want only the change to %s", name, evs, want[name])
		}
	}
	if st := settings.first(status.Plex); st.Status != status.StatusUp || st.Uptime24h == nil {
		t.Fatalf("after the first check since the restart %+v", st)
	}
}

// secondCallDisabled passes the settings of each service's first check on
// and shows the service disabled from its second on; it keeps the status
// the poller held when the second began.
type secondCallDisabled struct {
	status.Settings
	p *status.Poller

	mu     sync.Mutex
	calls  map[string]int
	before map[string]status.ServiceStatus
}

func (s *secondCallDisabled) Get(ctx context.Context, name string) (services.Service, error) {
	svc, err := s.Settings.Get(ctx, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[name]++
	if s.calls[name] == 2 {
		if s.before == nil {
			s.before = map[string]status.ServiceStatus{}
		}
		s.before[name] = s.p.Status(name)
	}
	if s.calls[name] >= 2 {
		svc.Enabled = false
	}
	return svc, err
}

// first is name's status after its first check.
func (s *secondCallDisabled) first(name string) status.ServiceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.before[name]
}

// TestRealYtdlp checks the real yt-dlp where it is installed; CI installs it
// and sets MEDIANEST_E2E=1, which makes a missing yt-dlp a failure.
func TestRealYtdlp(t *testing.T) {
	path, err := exec.LookPath("yt-dlp")
	if err != nil {
		if os.Getenv("MEDIANEST_E2E") == "1" {
			t.Fatal("MEDIANEST_E2E=1 but yt-dlp is not installed (apt-get install yt-dlp)")
		}
		t.Skip("yt-dlp is not installed; install it (apt-get install yt-dlp) or run with MEDIANEST_E2E=1 in CI")
	}
	e := newEnv(t, envOptions{interval: time.Hour, ytdlp: path, noServices: true})
	st := e.poller.CheckNow(context.Background(), status.Ytdlp)
	if st.Status != status.StatusUp || !regexp.MustCompile(`\d{4}\.\d{2}\.\d{2}`).MatchString(st.Message) {
		t.Fatalf("real yt-dlp: %+v", st)
	}
}
