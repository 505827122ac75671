package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"medianest/app/httpx"
)

// BenchmarkSessionOverHTTP measures GET /api/v1/auth/session (cached
// session, Bearer token) over loopback HTTP; BenchmarkBareOverHTTP is a bare
// net/http handler answering a JSON body of similar size, measured the same
// way, for the throughput ratio the design targets (>= 50%).
func BenchmarkSessionOverHTTP(b *testing.B) {
	ts := newAPIServer(b)
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	loadHTTP(b, srv.URL+"/api/v1/auth/session", "Bearer "+ts.user)
}

func BenchmarkBareOverHTTP(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.OK(w, map[string]any{"user": map[string]any{"id": 2, "username": "plain", "role": "user"}, "session": map[string]any{"id": 1, "via": "token"}})
	}))
	defer srv.Close()
	loadHTTP(b, srv.URL+"/api/v1/auth/session", "Bearer x")
}

func loadHTTP(b *testing.B, url, authz string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", authz)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
