package server

import (
	"testing"
	"time"
)

// What systemd passes in the environment decides whether and how often the
// watchdog is pinged.
func TestNotifierFromEnvironment(t *testing.T) {
	const pid = 4242
	for _, c := range []struct {
		name    string
		env     map[string]string
		socket  string
		every   time.Duration
		wantErr bool
	}{
		{name: "not under systemd", env: map[string]string{"WATCHDOG_USEC": "30000000"}},
		{name: "no watchdog", env: map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify"}, socket: "/run/systemd/notify"},
		{name: "watchdog every half", env: map[string]string{"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000"}, socket: "/run/systemd/notify", every: 15 * time.Second},
		{name: "abstract socket", env: map[string]string{"NOTIFY_SOCKET": "@/org/freedesktop/systemd1/notify", "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "4242"}, socket: "@/org/freedesktop/systemd1/notify", every: time.Second},
		{name: "watchdog for another process", env: map[string]string{"NOTIFY_SOCKET": "/n", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, socket: "/n"},
		{name: "bad watchdog", env: map[string]string{"NOTIFY_SOCKET": "/n", "WATCHDOG_USEC": "30s"}, socket: "/n", wantErr: true},
		{name: "zero watchdog", env: map[string]string{"NOTIFY_SOCKET": "/n", "WATCHDOG_USEC": "0"}, socket: "/n", wantErr: true},
		{name: "relative socket", env: map[string]string{"NOTIFY_SOCKET": "notify"}, wantErr: true},
		{name: "vsock", env: map[string]string{"NOTIFY_SOCKET": "vsock:2:1234"}, wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := newNotifier(func(k string) string { return c.env[k] }, pid)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, c.wantErr)
			}
			socket := ""
			if n.addr != nil {
				socket = n.addr.Name
			}
			if socket != c.socket || n.every != c.every {
				t.Fatalf("socket %q every %v, want %q %v", socket, n.every, c.socket, c.every)
			}
		})
	}
}
