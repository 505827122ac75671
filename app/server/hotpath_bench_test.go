package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/httpx"
	"medianest/app/httpx/httpxtest"
	"medianest/app/principal"
	"medianest/app/secret"
	"medianest/app/server"
	"medianest/db"
	"medianest/db/dbtest"
)

// BenchmarkHotPath serves /health and a cached cookie GET /auth/session
// through a real http.Server on 127.0.0.1 (httpx.Serve, as the binary runs
// it) to keep-alive clients, with the access log on at info, next to a bare
// net/http handler answering the same JSON (testdata/barehttp). Compare the
// two with -cpuprofile; the clients' share of the CPU is the same for both.
func BenchmarkHotPath(b *testing.B) {
	h, cookie := sessionServer(b)
	for _, target := range []struct {
		name string
		h    http.Handler
	}{{"bare", httpxtest.BareHandler()}, {"medianest", h}} {
		base := serveBench(b, target.h)
		for _, path := range []string{"/health", "/api/v1/auth/session"} {
			b.Run(target.name+"/"+strings.ReplaceAll(strings.TrimPrefix(path, "/"), "/", "_"), func(b *testing.B) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}
				defer client.CloseIdleConnections()
				b.ReportAllocs()
				b.ResetTimer()
				reportCPU(b)
				b.RunParallel(func(pb *testing.PB) {
					req, _ := http.NewRequest("GET", base+path, nil)
					req.Header.Set("Cookie", cookie)
					for pb.Next() {
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != 200 {
							b.Errorf("%s: %d", path, res.StatusCode)
							return
						}
					}
				})
			})
		}
	}
}

// serveBench serves h with httpx.Serve until the benchmark ends.
func serveBench(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpx.Serve(ctx, httpx.NewServer(h, 0, slog.Default()), ln, httpx.Shutdown{}) }()
	b.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// benchDeps are what the benchmarks' servers start from: the default
// configuration, a migrated database, a key and the auth service.
func benchDeps(b *testing.B) (config.Config, *db.DB, *secret.Box, *auth.Service) {
	cfg := config.Default()
	cfg.Data.Dir = b.TempDir()
	d := dbtest.New(b)
	box, _ := secret.NewBox(make([]byte, 32))
	a, err := auth.New(auth.Deps{DB: d, Box: box, Config: cfg})
	if err != nil {
		b.Fatal(err)
	}
	return cfg, d, box, a
}

// sessionServer is a server with the access log on at info (formatted as
// the binary does, then discarded) and a signed-in user's cookie.
func sessionServer(b *testing.B) (http.Handler, string) {
	cfg, d, box, a := benchDeps(b)
	if _, err := a.CreateLocalUser(context.Background(), "ann", "a long enough password", "", principal.RoleUser); err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := server.New(context.Background(), cfg, d, server.Options{Version: "test", Box: box, Logger: logger,
		Access: httpx.AccessOutput{Format: "json", W: io.Discard}})
	if err != nil {
		b.Fatal(err)
	}
	login := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"ann","password":"a long enough password"}`))
	login.Header.Set("Content-Type", "application/json")
	lw := httptest.NewRecorder()
	s.Handler().ServeHTTP(lw, login)
	var cookie string
	for _, c := range lw.Result().Cookies() {
		if c.Name == auth.CookieName {
			cookie = c.Name + "=" + c.Value
		}
	}
	if cookie == "" {
		b.Fatalf("login: %d %s", lw.Code, lw.Body)
	}
	return s.Handler(), cookie
}
