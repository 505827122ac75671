package server_test

import (
	"context"
	"crypto/rand"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"medianest/app/config"
	"medianest/app/secret"
	"medianest/app/server"
	"medianest/db"
	"medianest/db/dbtest"
)

// systemd is the service manager's end of the notify protocol: a unixgram
// socket whose datagrams the test reads in order.
type systemd struct {
	msgs chan []string
}

// listenNotify binds name (a path, or "@name" for the abstract namespace),
// points NOTIFY_SOCKET at it and asks for a watchdog ping every 50 ms.
func listenNotify(t *testing.T, name string) *systemd {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	sd := &systemd{msgs: make(chan []string, 1000)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			sd.msgs <- strings.Split(string(buf[:n]), "\n")
		}
	}()
	t.Cleanup(func() { c.Close(); <-done })
	t.Setenv("NOTIFY_SOCKET", name)
	t.Setenv("WATCHDOG_USEC", "100000")
	t.Setenv("WATCHDOG_PID", "")
	return sd
}

// next is the next datagram, as its lines.
func (sd *systemd) next(t *testing.T) []string {
	t.Helper()
	select {
	case m := <-sd.msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("systemd heard nothing for 5s")
		return nil
	}
}

// waitFor reads datagrams until one has the line want, and returns the
// ones read before it.
func (sd *systemd) waitFor(t *testing.T, want string) [][]string {
	t.Helper()
	var before [][]string
	for {
		m := sd.next(t)
		if slices.Contains(m, want) {
			return before
		}
		before = append(before, m)
	}
}

// runServer runs a whole server over a migrated database until the
// returned stop is called; stop returns Run's result.
func runServer(t *testing.T, d *db.DB) (stop func() error) {
	t.Helper()
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	box, _ := secret.NewBox(make([]byte, 32))
	s, err := server.New(context.Background(), cfg, d, server.Options{Version: "test", Box: box})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := start(ctx, s, ln)
	stopped := false
	stop = func() error {
		stopped = true
		cancel()
		select {
		case err := <-res:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("the server did not stop within 15s")
			return nil
		}
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return stop
}

// Under systemd the server says READY=1 first (nothing before it), pings
// the watchdog while it serves, and says STOPPING=1 when it is stopped.
func TestSystemdNotifyReadyWatchdogStopping(t *testing.T) {
	for _, c := range []struct{ name, socket string }{
		{"path", filepath.Join(t.TempDir(), "notify.sock")},
		{"abstract", "@medianest-test-" + rand.Text()},
	} {
		t.Run(c.name, func(t *testing.T) {
			sd := listenNotify(t, c.socket)
			stop := runServer(t, dbtest.New(t))
			first := sd.next(t)
			if !slices.Contains(first, "READY=1") {
				t.Fatalf("first notification %q, want READY=1", first)
			}
			if before := sd.waitFor(t, "WATCHDOG=1"); len(before) > 0 {
				t.Fatalf("before the first watchdog ping: %q", before)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			for _, m := range sd.waitFor(t, "STOPPING=1") {
				if !slices.Equal(m, []string{"WATCHDOG=1"}) {
					t.Fatalf("between the pings and STOPPING=1: %q", m)
				}
			}
		})
	}
}

// When the database stops answering, every watchdog tick says so in STATUS
// instead of pinging, so systemd restarts the service after WatchdogSec.
func TestWatchdogPingsStopWhenTheDatabaseFails(t *testing.T) {
	sd := listenNotify(t, filepath.Join(t.TempDir(), "notify.sock"))
	d := dbtest.New(t)
	stop := runServer(t, d)
	sd.waitFor(t, "READY=1")
	sd.waitFor(t, "WATCHDOG=1")

	d.R.Close()
	var failing []string
	for range 50 {
		m := sd.next(t)
		if strings.HasPrefix(m[0], "STATUS=the database does not answer") {
			failing = m
			break
		}
		if !slices.Equal(m, []string{"WATCHDOG=1"}) {
			t.Fatalf("before the failure was noticed: %q", m)
		}
	}
	if failing == nil {
		t.Fatal("50 ticks after the database closed, the watchdog is still pinged")
	}
	// Each tick sends one datagram: the next ticks all report the failure.
	for range 3 {
		if m := sd.next(t); slices.Contains(m, "WATCHDOG=1") || !strings.HasPrefix(m[0], "STATUS=the database does not answer") {
			t.Fatalf("a tick after the failure sent %q", m)
		}
	}
	stop()
}
