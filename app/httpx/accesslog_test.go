package httpx

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"
)

// The access log's own lines are the bytes slog's handlers write for the
// same record, in both formats; entries it cannot write as they are go
// through the logger.
func TestAccessLineIsSlogs(t *testing.T) {
	at := time.Date(2026, 12, 3, 16, 4, 5, 123456789, time.UTC)
	base := access{
		at: at, level: slog.LevelInfo, id: "c0262ad1de832893sa00", method: "GET",
		path: "/api/v1/auth/session", route: "/api/v1/auth/session",
		status: 200, bytes: 312, duration: 38512 * time.Nanosecond, ip: netip.MustParseAddr("127.0.0.1"),
	}
	cases := map[string]func(a *access){
		"plain":           func(a *access) {},
		"debug":           func(a *access) { a.level = slog.LevelDebug },
		"whole second":    func(a *access) { a.at = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		"one millisecond": func(a *access) { a.at = time.Date(2026, 1, 2, 3, 4, 5, 1e6, time.UTC) },
		"zone":            func(a *access) { a.at = at.In(time.FixedZone("x", -5*3600-1800)) },
		"monotonic":       func(a *access) { a.at = time.Now() },
		"ipv6":            func(a *access) { a.ip = netip.MustParseAddr("2001:db8::1") },
		"ipv6 zone":       func(a *access) { a.ip = netip.MustParseAddr("fe80::1%eth0") },
		"no address":      func(a *access) { a.ip = netip.Addr{} },
		"no route":        func(a *access) { a.route = "" },
		"html":            func(a *access) { a.path = "/a<b>&c" },
		"query-ish":       func(a *access) { a.path = "/a?b=c d" },
		"quote":           func(a *access) { a.path = `/a"b` },
		"backslash":       func(a *access) { a.path = `/a\b` },
		"control":         func(a *access) { a.path = "/a\tb\x7f" },
		"unicode":         func(a *access) { a.path = "/café/\u2028" },
		"invalid utf-8":   func(a *access) { a.path = "/a\xffb" },
		"long duration":   func(a *access) { a.duration = 3*time.Minute + 7*time.Millisecond },
		"zero":            func(a *access) { a.duration, a.bytes, a.status = 0, 0, 0 },
		"big":             func(a *access) { a.bytes, a.status = 1<<40, 599 },
	}
	for name, change := range cases {
		a := base
		change(&a)
		for _, format := range []string{"json", "text"} {
			var want bytes.Buffer
			var h slog.Handler = slog.NewJSONHandler(&want, &slog.HandlerOptions{Level: slog.LevelDebug})
			if format == "text" {
				h = slog.NewTextHandler(&want, &slog.HandlerOptions{Level: slog.LevelDebug})
			}
			a.log(context.Background(), slog.New(h), AccessOutput{}) // through slog

			var own, via bytes.Buffer
			a.log(context.Background(), slog.New(slog.NewJSONHandler(&via, nil)), AccessOutput{Format: format, W: &own})
			if a.plain(format == "text") {
				if got := a.appendLine(nil, format == "json"); string(got) != want.String() {
					t.Errorf("%s, %s:\n got %s\nwant %s", name, format, got, want.String())
				}
				if own.String() != want.String() || via.Len() != 0 {
					t.Errorf("%s, %s: wrote %q itself and %q through the logger, want %q itself", name, format, own.String(), via.String(), want.String())
				}
			} else if own.Len() != 0 || via.Len() == 0 {
				t.Errorf("%s, %s: wrote %q itself, %q through the logger; want the logger's line only", name, format, own.String(), via.String())
			}
		}
	}
	// The common line is written by the access log itself in both formats.
	for _, text := range []bool{false, true} {
		if !base.plain(text) {
			t.Errorf("the plain entry is not plain (text %v)", text)
		}
	}
}

// The access line as the access log writes it, and as slog's JSON handler
// would.
func BenchmarkAccessLine(b *testing.B) {
	a := access{
		at: time.Now(), level: slog.LevelInfo, id: "c0262ad1de832893sa00", method: "GET",
		path: "/api/v1/auth/session", route: "/api/v1/auth/session",
		status: 200, bytes: 312, duration: 38512 * time.Nanosecond, ip: netip.MustParseAddr("127.0.0.1"),
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	b.Run("own", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.log(context.Background(), logger, AccessOutput{Format: "json", W: io.Discard})
		}
	})
	b.Run("slog", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.log(context.Background(), logger, AccessOutput{})
		}
	})
}
