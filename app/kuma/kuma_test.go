package kuma_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"medianest/app/kuma"
	"medianest/app/kuma/kumatest"
	"medianest/app/upstream"
)

func newClient(t *testing.T, o upstream.Options) *kuma.Client {
	t.Helper()
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	return kuma.New(upstream.New("uptime_kuma", "Uptime Kuma", o))
}

// errStatus stands for "a *upstream.StatusError" in wantKind.
var errStatus = errors.New("an upstream status error")

// wantKind fails unless err matches target (a kuma or upstream sentinel, or
// errStatus); it returns the sentence users would see.
func wantKind(t *testing.T, err error, target error) string {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", target)
	}
	if target == errStatus {
		if !errors.As(err, new(*upstream.StatusError)) {
			t.Fatalf("error %v has no *upstream.StatusError", err)
		}
	} else if !errors.Is(err, target) {
		t.Fatalf("error %v is not %v", err, target)
	}
	if !strings.HasPrefix(err.Error(), "kuma: ") {
		t.Errorf("error %q lacks the kuma: prefix", err)
	}
	var m interface{ Message() string }
	if errors.As(err, &m) {
		return m.Message()
	}
	return ""
}

func TestStatusPage(t *testing.T) {
	c := newClient(t, upstream.Options{})
	fake := kumatest.New(t)
	ctx := context.Background()

	p, err := c.StatusPage(ctx, fake.URL, "home")
	if err != nil {
		t.Fatal(err)
	}
	if call := fake.LastCall(); call.Path != "/api/status-page/home" || call.Header.Get("Authorization") != "" {
		t.Fatalf("call = %+v", call)
	}
	if p.Slug != "home" || p.Title != "Home Services" || p.Icon != "/icon.svg" || !p.Published ||
		p.AutoRefreshInterval != 300 || len(p.Incidents) != 0 || p.Incidents == nil || len(p.Maintenance) != 0 {
		t.Fatalf("page = %+v", p)
	}
	if len(p.Groups) != 2 || p.Groups[0].Name != "Media" || len(p.Groups[0].Monitors) != 2 || p.Groups[1].Weight != 2 {
		t.Fatalf("groups = %+v", p.Groups)
	}
	if m := p.Groups[0].Monitors; m[0].URL != "" || m[1].URL != "https://requests.example.com" || m[1].Type != "http" {
		t.Fatalf("monitors = %+v", m)
	}

	// Slugs are case-insensitive, trailing slashes on the base are fine.
	if _, err := c.StatusPage(ctx, fake.URL+"/", " HOME "); err != nil {
		t.Fatal(err)
	}

	fake.SetMaintenance("home", kumatest.Maintenance{ID: 1, Title: "NAS disks", Status: "under-maintenance", Strategy: "manual", Active: true})
	p, err = c.StatusPage(ctx, fake.URL, "home")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Maintenance) != 1 || p.Maintenance[0].Status != "under-maintenance" || !p.Maintenance[0].Active {
		t.Fatalf("maintenance = %+v", p.Maintenance)
	}
}

func TestIncidentShapes(t *testing.T) {
	c := newClient(t, upstream.Options{})
	ctx := context.Background()
	created := time.Date(2026, 3, 1, 8, 30, 0, 250e6, time.UTC)
	tests := []struct {
		version   string
		incidents []kumatest.Incident
		want      int
	}{
		{kumatest.V1_23, nil, 0},
		{kumatest.V1_23, []kumatest.Incident{{ID: 1, Title: "Plex is down", Style: "danger", Pin: true, Created: created}}, 1},
		{kumatest.V2_0, []kumatest.Incident{{ID: 1, Title: "Plex is down", Style: "danger", Pin: true, Created: created}}, 1},
		{kumatest.V2_1, nil, 0},
		{kumatest.V2_1, []kumatest.Incident{
			{ID: 1, Title: "Plex is down", Style: "danger", Pin: true, Created: created},
			{ID: 2, Title: "Slow disks", Style: "warning", Created: created},
		}, 2},
	}
	for _, tt := range tests {
		fake := kumatest.New(t)
		fake.SetVersion(tt.version)
		fake.SetIncidents("home", tt.incidents...)
		p, err := c.StatusPage(ctx, fake.URL, "home")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Incidents) != tt.want {
			t.Fatalf("%s: %d incidents, want %d", tt.version, len(p.Incidents), tt.want)
		}
		if tt.want > 0 {
			in := p.Incidents[0]
			if in.Title != "Plex is down" || in.Style != "danger" || !in.Pin || !in.CreatedAt.Equal(created) || !in.UpdatedAt.IsZero() {
				t.Fatalf("%s: incident = %+v", tt.version, in)
			}
		}
		if tt.version == kumatest.V1_23 && p.AutoRefreshInterval != 0 {
			t.Fatalf("1.23 has no autoRefreshInterval: %d", p.AutoRefreshInterval)
		}
	}
}

func TestHeartbeats(t *testing.T) {
	c := newClient(t, upstream.Options{})
	fake := kumatest.New(t)
	hb, err := c.Heartbeats(context.Background(), fake.URL, "home")
	if err != nil {
		t.Fatal(err)
	}
	if p := fake.LastCall().Path; p != "/api/status-page/heartbeat/home" {
		t.Fatalf("path = %s", p)
	}
	plex := hb.Beats[3]
	if len(plex) != 2 || plex[1].Status != kuma.StatusUp || plex[1].Ping == nil || *plex[1].Ping != 39 ||
		!plex[1].Time.Equal(time.Date(2026, 3, 1, 9, 59, 0, 118e6, time.UTC)) {
		t.Fatalf("plex beats = %+v", plex)
	}
	if b := hb.Beats[4]; len(b) != 1 || b[0].Status != kuma.StatusDown || b[0].Ping != nil {
		t.Fatalf("overseerr beats = %+v", b)
	}
	if hb.Uptime24h[3] != 0.9993 || hb.Uptime24h[4] != 0.9712 || hb.Uptime24h[7] != 1 {
		t.Fatalf("uptime = %v", hb.Uptime24h)
	}

	// 1.23 only publishes the last 50 beats.
	fake.SetVersion(kumatest.V1_23)
	for i := 0; i < 60; i++ {
		fake.SetMonitorStatus(3, kuma.StatusUp, kumatest.Ping(float64(i)))
	}
	hb, err = c.Heartbeats(context.Background(), fake.URL, "home")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(hb.Beats[3]); n != 50 {
		t.Fatalf("%d beats on 1.23, want 50", n)
	}

	// The heartbeat route has no 404: an unknown slug is empty.
	hb, err = c.Heartbeats(context.Background(), fake.URL, "nope")
	if err != nil || len(hb.Beats) != 0 || len(hb.Uptime24h) != 0 {
		t.Fatalf("unknown slug: %+v, %v", hb, err)
	}
}

func TestMonitors(t *testing.T) {
	c := newClient(t, upstream.Options{})
	fake := kumatest.New(t)
	ctx := context.Background()
	fake.SetGroups("home",
		kumatest.Group{ID: 1, Name: "Media", Weight: 1, Monitors: []kumatest.Monitor{{ID: 3, Name: "Plex"}, {ID: 4, Name: "Overseerr"}}},
		kumatest.Group{ID: 2, Name: "Infra", Weight: 2, Monitors: []kumatest.Monitor{{ID: 7, Name: "NAS ping", Type: "ping"}, {ID: 9, Name: "Backup", Type: "push"}}},
	)
	ms, err := c.Monitors(ctx, fake.URL, "home")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 4 {
		t.Fatalf("%d monitors", len(ms))
	}
	type row struct {
		id     int64
		name   string
		group  string
		status string
		uptime float64 // -1 for nil
		ping   float64 // -1 for nil
	}
	val := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	want := []row{
		{3, "Plex", "Media", "up", 99.93, 39},
		{4, "Overseerr", "Media", "down", 97.12, -1},
		{7, "NAS ping", "Infra", "maintenance", 100, -1},
		{9, "Backup", "Infra", "pending", -1, -1},
	}
	for i, w := range want {
		m := ms[i]
		got := row{m.ID, m.Name, m.Group, m.Status, val(m.Uptime24h), val(m.PingMs)}
		if got != w {
			t.Errorf("monitor %d = %+v, want %+v", i, got, w)
		}
	}
	if !ms[0].LastBeatAt.Equal(time.Date(2026, 3, 1, 9, 59, 0, 118e6, time.UTC)) || !ms[3].LastBeatAt.IsZero() {
		t.Fatalf("last beats: %v, %v", ms[0].LastBeatAt, ms[3].LastBeatAt)
	}

	// Statuses follow the latest beat.
	fake.SetMonitorStatus(4, kuma.StatusUp, kumatest.Ping(12.5))
	fake.SetMonitorStatus(3, kuma.StatusPending, nil)
	fake.SetUptime(9, 0.5)
	ms, err = c.Monitors(ctx, fake.URL, "home")
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Status != "pending" || ms[0].PingMs != nil || ms[1].Status != "up" || val(ms[1].PingMs) != 12.5 || val(ms[3].Uptime24h) != 50 {
		t.Fatalf("after changes: %+v", ms)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("unknown slug", func(t *testing.T) {
		c := newClient(t, upstream.Options{})
		fake := kumatest.New(t)
		_, err := c.Monitors(ctx, fake.URL, "Nope")
		if msg := wantKind(t, err, kuma.ErrNotFound); msg != `Uptime Kuma has no status page "nope".` {
			t.Fatalf("message = %q", msg)
		}
		var se *upstream.StatusError
		if !errors.As(err, &se) || !strings.Contains(string(se.Body), "Status Page Not Found") {
			t.Fatalf("status error = %+v", se)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		c := newClient(t, upstream.Options{})
		_, err := c.StatusPage(ctx, "", "home")
		wantKind(t, err, kuma.ErrNotConfigured)
		_, err = c.Heartbeats(ctx, "http://kuma:3001", "")
		wantKind(t, err, kuma.ErrNotConfigured)
	})
	t.Run("server error", func(t *testing.T) {
		c := newClient(t, upstream.Options{})
		fake := kumatest.New(t)
		fake.SetDown(http.StatusInternalServerError)
		_, err := c.Monitors(ctx, fake.URL, "home")
		wantKind(t, err, errStatus)
		fake.SetDown(http.StatusForbidden)
		_, err = c.StatusPage(ctx, fake.URL, "home")
		if msg := wantKind(t, err, kuma.ErrRejected); !strings.Contains(msg, "Forbidden") {
			t.Fatalf("message = %q", msg)
		}
		fake.SetDown(0)
		if _, err := c.Monitors(ctx, fake.URL, "home"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		c := newClient(t, upstream.Options{Timeout: 200 * time.Millisecond})
		fake := kumatest.New(t)
		fake.SetHang(true)
		start := time.Now()
		_, err := c.Monitors(ctx, fake.URL, "home")
		wantKind(t, err, upstream.ErrTimeout)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	t.Run("not json", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("<!doctype html><title>Uptime Kuma</title>"))
		}))
		defer srv.Close()
		c := newClient(t, upstream.Options{})
		_, err := c.StatusPage(ctx, srv.URL, "home")
		wantKind(t, err, upstream.ErrUnreadable)
	})
}

// Odd but possible answers: numbers as strings, -1 pings, unknown keys and
// windows, beats out of order, a null heartbeat list.
func TestTolerantDecoding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(r.URL.Path, "/heartbeat/") {
			_, _ = w.Write([]byte(`{"heartbeatList":{
				"3":[{"status":"1","time":"2026-03-01 10:00:00","msg":"","ping":"17"},
				     {"status":0,"time":"2026-03-01 09:00:00.000","msg":"","ping":-1}],
				"4":null,
				"x":[{"status":1}]},
			  "uptimeList":{"3_24":"0.5","3_720":0.1,"x_24":1,"4_24":1.5}}`))
			return
		}
		_, _ = w.Write([]byte(`{"config":{"slug":"home","title":"T","published":1,"autoRefreshInterval":"60"},
			"incident":null,"incidents":null,
			"publicGroupList":[{"id":"1","name":"G","weight":1,"monitorList":[{"id":"3","name":"A","sendUrl":0,"type":"http"},{"id":4,"name":"B"}]}]}`))
	}))
	defer srv.Close()
	c := newClient(t, upstream.Options{})
	ms, err := c.Monitors(context.Background(), srv.URL, "home")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("monitors = %+v", ms)
	}
	a, b := ms[0], ms[1]
	// The latest beat by time wins even though it came first.
	if a.Status != "up" || a.PingMs == nil || *a.PingMs != 17 || a.Uptime24h == nil || *a.Uptime24h != 50 ||
		!a.LastBeatAt.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) {
		t.Fatalf("a = %+v", a)
	}
	if b.Status != "pending" || b.Uptime24h == nil || *b.Uptime24h != 100 {
		t.Fatalf("b = %+v", b)
	}
}

func TestBeatStatusAndLatest(t *testing.T) {
	for st, want := range map[kuma.BeatStatus]string{0: "down", 1: "up", 2: "pending", 3: "maintenance", 9: "pending"} {
		if st.String() != want {
			t.Errorf("%d = %s, want %s", st, st, want)
		}
	}
	if _, ok := kuma.Latest(nil); ok {
		t.Fatal("latest of none")
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b, _ := kuma.Latest([]kuma.Beat{{Status: 1, Time: t0}, {Status: 0, Time: t0}})
	if b.Status != 0 {
		t.Fatal("a tie should pick the last beat")
	}
}
