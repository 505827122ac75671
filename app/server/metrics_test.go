package server_test

import (
	"testing"

	"medianest/app/config"
)

// TestMetricsForwardedHeaders: a request that says, in any of the headers
// proxies use, that it is forwarded for someone is judged by that someone,
// so a reverse proxy on the same host never makes its clients loopback. An
// untrusted proxy is not believed at all; a trusted one is believed through
// X-Forwarded-For only, the header MediaNest reads the client from.
func TestMetricsForwardedHeaders(t *testing.T) {
	s, _ := newServer(t, func(c *config.Config) { c.Server.TrustedProxies = []string{"10.0.0.2", "::1"} })
	h := s.Handler()
	cases := []struct {
		name string
		hdr  []string
		want int
	}{
		{"direct loopback", nil, 200},
		{"X-Real-IP", []string{"X-Real-IP", "203.0.113.9"}, 403},
		{"X-Real-IP loopback", []string{"X-Real-IP", "127.0.0.1"}, 403},
		{"X-Forwarded-For", []string{"X-Forwarded-For", "203.0.113.9"}, 403},
		{"X-Forwarded-For loopback", []string{"X-Forwarded-For", "127.0.0.1"}, 403},
		{"Forwarded", []string{"Forwarded", "for=203.0.113.9"}, 403},
		{"X-Forwarded-Host", []string{"X-Forwarded-Host", "media.example.com"}, 403},
		{"trusted proxy for loopback", []string{"RemoteAddr", "10.0.0.2:1", "X-Forwarded-For", "127.0.0.1"}, 200},
		{"trusted proxy for a remote client", []string{"RemoteAddr", "10.0.0.2:1", "X-Forwarded-For", "203.0.113.9"}, 403},
		{"trusted loopback proxy", []string{"RemoteAddr", "[::1]:1", "X-Forwarded-For", "203.0.113.9"}, 403},
		{"trusted loopback proxy with only X-Real-IP", []string{"RemoteAddr", "[::1]:1", "X-Real-IP", "203.0.113.9"}, 403},
		{"trusted loopback proxy with only Forwarded", []string{"RemoteAddr", "[::1]:1", "Forwarded", "for=203.0.113.9"}, 403},
		{"trusted loopback proxy itself", []string{"RemoteAddr", "[::1]:1"}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if w := get(h, "/metrics", c.hdr...); w.Code != c.want {
				t.Fatalf("/metrics with %v: %d, want %d", c.hdr, w.Code, c.want)
			}
		})
	}
}
