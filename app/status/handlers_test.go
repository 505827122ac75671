package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
