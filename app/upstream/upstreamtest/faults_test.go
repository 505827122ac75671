package upstreamtest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"medianest/app/upstream/upstreamtest"
)

func TestFaults(t *testing.T) {
	f := upstreamtest.NewFaults()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewServer(f.Wrap(ok, func(w http.ResponseWriter, status int) { http.Error(w, "down", status) }))
	defer func() { f.Release(); srv.Close() }()

	get := func(timeout time.Duration) (int, error) {
		c := &http.Client{Timeout: timeout}
		resp, err := c.Get(srv.URL)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get(time.Second); code != 200 || err != nil {
		t.Fatalf("healthy: %d %v", code, err)
	}
	f.SetDown(503)
	if code, _ := get(time.Second); code != 503 {
		t.Fatalf("down: %d", code)
	}
	f.SetDown(0)
	f.SetHang(true)
	if _, err := get(100 * time.Millisecond); err == nil {
		t.Fatal("a hung fake answered")
	}
	f.SetHang(false)
	f.SetDelay(50 * time.Millisecond)
	start := time.Now()
	if code, _ := get(time.Second); code != 200 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("delayed: %d after %v", code, time.Since(start))
	}
}
