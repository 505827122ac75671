package kumatest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"medianest/app/kuma/kumatest"
)

func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return resp.StatusCode, m
}

func TestVersionShapes(t *testing.T) {
	s := kumatest.New(t)
	tests := []struct {
		version           string
		hasIncident       bool
		hasIncidents      bool
		configKey, notKey string
	}{
		{kumatest.V1_23, true, false, "googleAnalyticsId", "autoRefreshInterval"},
		{kumatest.V2_0, true, false, "autoRefreshInterval", "analyticsId"},
		{kumatest.V2_1, false, true, "analyticsId", "googleAnalyticsId"},
	}
	for _, tt := range tests {
		s.SetVersion(tt.version)
		status, m := get(t, s.URL+"/api/status-page/home")
		if status != 200 {
			t.Fatalf("%s: %d", tt.version, status)
		}
		_, inc := m["incident"]
		_, incs := m["incidents"]
		cfg := m["config"].(map[string]any)
		_, has := cfg[tt.configKey]
		_, hasNot := cfg[tt.notKey]
		if inc != tt.hasIncident || incs != tt.hasIncidents || !has || hasNot {
			t.Errorf("%s: incident %v incidents %v %s %v %s %v", tt.version, inc, incs, tt.configKey, has, tt.notKey, hasNot)
		}
		if tt.hasIncident && m["incident"] != nil {
			t.Errorf("%s: incident = %v, want null", tt.version, m["incident"])
		}
	}
}

func TestHeartbeatWire(t *testing.T) {
	s := kumatest.New(t)
	_, m := get(t, s.URL+"/api/status-page/heartbeat/home")
	beats := m["heartbeatList"].(map[string]any)
	down := beats["4"].([]any)[0].(map[string]any)
	if down["ping"] != nil || down["status"] != float64(0) || down["msg"] != "" || down["time"] != "2026-03-01 09:59:02.501" {
		t.Fatalf("beat = %v", down)
	}
	if u := m["uptimeList"].(map[string]any); u["3_24"] != 0.9993 || len(u) != 3 {
		t.Fatalf("uptime = %v", u)
	}
	status, m := get(t, s.URL+"/api/status-page/missing")
	if status != 404 || m["status"] != "fail" || m["msg"] != "Status Page Not Found" {
		t.Fatalf("404 = %d %v", status, m)
	}
	status, m = get(t, s.URL+"/api/status-page/heartbeat/missing")
	if status != 200 || len(m["heartbeatList"].(map[string]any)) != 0 {
		t.Fatalf("unknown heartbeat slug = %d %v", status, m)
	}
	if !strings.HasSuffix(s.LastCall().Path, "/missing") {
		t.Fatalf("last call = %+v", s.LastCall())
	}
}
