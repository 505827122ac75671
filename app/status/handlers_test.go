package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"medianest/app/events"
	"medianest/app/kuma"
	"medianest/app/kuma/kumatest"
	"medianest/app/services"
	"medianest/app/status"
)

func TestDashboardStatus(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour})
	for _, n := range status.Names {
		e.poller.CheckNow(context.Background(), n)
	}
	var list []map[string]any
	if code, body := e.call("GET", "/api/v1/dashboard/status", "", &list); code != 200 {
		t.Fatal(body)
	}
	if len(list) != 4 {
		t.Fatalf("%d services", len(list))
	}
	for i, st := range list {
		if st["name"] != status.Names[i] || st["status"] != "up" {
			t.Errorf("%d: %v", i, st)
		}
		for _, k := range []string{"name", "displayName", "status", "responseTimeMs", "uptime24h", "lastCheckAt", "message"} {
			if _, ok := st[k]; !ok {
				t.Errorf("%v lacks %s", st["name"], k)
			}
		}
		if ts, _ := st["lastCheckAt"].(string); !strings.HasSuffix(ts, "Z") {
			t.Errorf("lastCheckAt %q is not UTC", ts)
		}
	}
	var one status.ServiceStatus
	if code, body := e.call("GET", "/api/v1/dashboard/status/overseerr", "", &one); code != 200 || one.Name != "overseerr" || one.DisplayName != "Overseerr" {
		t.Fatal(code, body)
	}
	if code, body := e.call("GET", "/api/v1/dashboard/status/sonarr", "", nil); code != 404 || !strings.Contains(body, "NOT_FOUND") {
		t.Fatal(code, body)
	}
	// Before any check, uptime is null.
	e2 := newEnv(t, envOptions{interval: time.Hour, noServices: true})
	_, body := e2.call("GET", "/api/v1/dashboard/status/plex", "", nil)
	if !strings.Contains(body, `"uptime24h":null`) || !strings.Contains(body, `"status":"unknown"`) {
		t.Fatal(body)
	}
}

func TestMonitors(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour})
	var list []status.MonitorView
	if code, body := e.call("GET", "/api/v1/dashboard/monitors", "", &list); code != 200 {
		t.Fatal(body)
	}
	if len(list) != 3 {
		t.Fatalf("%+v", list)
	}
	plexMon := list[0]
	if plexMon.ID != 3 || plexMon.Name != "Plex" || plexMon.Group != "Media" || plexMon.Status != "up" ||
		plexMon.PingMs == nil || *plexMon.PingMs != 39 || plexMon.Uptime24h == nil || *plexMon.Uptime24h != 99.93 ||
		plexMon.LastBeatAt == nil {
		t.Errorf("plex monitor %+v", plexMon)
	}
	if list[1].Status != "down" || list[1].PingMs != nil || list[2].Status != "maintenance" || list[2].Group != "Infra" {
		t.Errorf("monitors %+v", list)
	}
	_, body := e.call("GET", "/api/v1/dashboard/monitors", "", nil)
	for _, k := range []string{`"id":`, `"name":`, `"group":`, `"status":`, `"uptime24h":`, `"pingMs":`, `"lastBeatAt":`} {
		if !strings.Contains(body, k) {
			t.Errorf("no %s in %s", k, body)
		}
	}
	// A second look within the cache time does not ask Uptime Kuma again.
	before := len(e.kuma.Calls())
	e.call("GET", "/api/v1/dashboard/monitors", "", nil)
	if len(e.kuma.Calls()) != before {
		t.Errorf("monitors were fetched again within the cache time")
	}

	e.kuma.SetMonitorStatus(3, kuma.StatusDown, nil)
	e2 := newEnv(t, envOptions{interval: time.Hour, noServices: true})
	if code, body := e2.call("GET", "/api/v1/dashboard/monitors", "", nil); code != 503 || !strings.Contains(body, "SERVICE_UNAVAILABLE") {
		t.Fatal(code, body)
	}
	// Disabled counts as not configured.
	if _, err := e2.store.Put(context.Background(), services.Service{Name: services.UptimeKuma, URL: e.kuma.URL, Enabled: false,
		Options: map[string]string{"statusPage": kumatest.DefaultSlug}}, false); err != nil {
		t.Fatal(err)
	}
	if code, _ := e2.call("GET", "/api/v1/dashboard/monitors", "", nil); code != 503 {
		t.Fatal(code)
	}
}

func TestNotice(t *testing.T) {
	e := newEnv(t, envOptions{interval: time.Hour, noServices: true})
	// The audit log refers to the acting admin's row.
	if _, err := e.db.W.Exec(`INSERT INTO users (id, username, role, provider, created_at, updated_at)
		VALUES (9, 'root', 'admin', 'local', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	stream := e.listen()
	if code, body := e.call("GET", "/api/v1/notice", "", nil); code != 200 || !strings.Contains(body, `"data":null`) {
		t.Fatal(code, body)
	}
	bad := []struct{ body, field string }{
		{`{"message":"","level":"info"}`, "message"},
		{`{"message":"   ","level":"info"}`, "message"},
		{`{"message":"` + strings.Repeat("é", 501) + `","level":"info"}`, "message"},
		{`{"message":"hi","level":"urgent"}`, "level"},
		{`{"message":"hi"}`, "level"},
		{`{"message":"hi","level":"info","extra":1}`, "extra"},
	}
	for _, b := range bad {
		code, body := e.call("PUT", "/api/v1/admin/notice", b.body, nil)
		if code != 400 || !strings.Contains(body, `"field":"`+b.field+`"`) {
			t.Errorf("%s: %d %s", b.body, code, body)
		}
	}
	var n status.Notice
	msg := strings.Repeat("é", 500)
	if code, body := e.call("PUT", "/api/v1/admin/notice", `{"message":"`+msg+`","level":"critical"}`, &n); code != 200 {
		t.Fatal(body)
	}
	if n.Message != msg || n.Level != "critical" || n.UpdatedAt.IsZero() {
		t.Fatalf("%+v", n)
	}
	if code, body := e.call("PUT", "/api/v1/admin/notice", `{"message":"Plex is down until 20:00","level":"warning"}`, &n); code != 200 {
		t.Fatal(body)
	}
	var got status.Notice
	e.call("GET", "/api/v1/notice", "", &got)
	if got.Message != "Plex is down until 20:00" || got.Level != "warning" {
		t.Fatalf("%+v", got)
	}
	// A fresh poller over the same database reads it back.
	p2 := status.New(status.Deps{DB: e.db})
	if n2, err := p2.Notice(context.Background()); err != nil || n2 == nil || n2.Message != got.Message || !n2.UpdatedAt.Equal(got.UpdatedAt) {
		t.Fatalf("stored notice %+v %v", n2, err)
	}
	waitEvent(t, stream, events.Notice, `"Plex is down until 20:00"`)

	if code, body := e.call("DELETE", "/api/v1/admin/notice", "", nil); code != 204 {
		t.Fatal(code, body)
	}
	waitEvent(t, stream, events.Notice, "null")
	if code, body := e.call("GET", "/api/v1/notice", "", nil); code != 200 || !strings.Contains(body, `"data":null`) {
		t.Fatal(code, body)
	}
	recs, _, err := e.audit.List(context.Background(), 1, 10, "notice.update")
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d audit entries, %v", len(recs), err)
	}
	if recs[0].ActorName != "root" || recs[0].Target != "notice" {
		t.Errorf("audit %+v", recs[0])
	}
}

func waitEvent(t *testing.T, s *sse, typ, contains string) {
	t.Helper()
	timeout := time.After(3 * time.Second)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				t.Fatal("stream ended")
			}
			if m[0] == typ && strings.Contains(m[1], contains) {
				return
			}
		case <-timeout:
			t.Fatalf("no %s event with %s", typ, contains)
		}
	}
}
