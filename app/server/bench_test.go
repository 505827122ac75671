package server_test

import (
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

func BenchmarkHealth(b *testing.B) {
	s, _ := newServer(b, nil)
	h := s.Handler()
	b.ReportAllocs()
	reportCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", "/health", nil)
			r.RemoteAddr = "127.0.0.1:1"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
}

// BenchmarkSession is a cached cookie GET /auth/session through the whole
// handler, access log on at info.
func BenchmarkSession(b *testing.B) {
	h, cookie := sessionServer(b)
	b.ReportAllocs()
	b.ResetTimer()
	reportCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", "/api/v1/auth/session", nil)
			r.RemoteAddr = "192.0.2.1:1"
			r.Header.Set("Cookie", cookie)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
}

// reportCPU adds the process's CPU time per operation (user plus system) to
// b's results: on a loaded machine wall time per operation says more about
// the neighbours than about the code. Call it after the setup.
func reportCPU(b *testing.B) {
	start := cpuTime()
	b.Cleanup(func() {
		if b.N > 0 {
			b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
