package server

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// notifier speaks systemd's notify protocol (sd_notify(3)): one datagram
// per state change on the unix socket named by $NOTIFY_SOCKET. A unit with
// Type=notify is "active" only after READY=1, and with WatchdogSec= systemd
// kills and restarts the service when WATCHDOG=1 stops arriving. Outside
// systemd the variable is unset and the notifier does nothing, so it costs a
// self-hoster running the binary by hand nothing; it needs no library.
type notifier struct {
	// addr is the socket; nil when not started by systemd.
	addr *net.UnixAddr
	// every is how often to ping the watchdog: half of WATCHDOG_USEC, as
	// sd_watchdog_enabled(3) advises; zero when no watchdog is asked for.
	every time.Duration
}

// newNotifier reads the environment systemd passes: NOTIFY_SOCKET (a path,
// or "@name" for the abstract namespace, which Go's net package maps to the
// leading NUL byte itself), WATCHDOG_USEC, and WATCHDOG_PID, which, when
// set, names the process the watchdog is meant for (not a child that
// inherited the variables).
func newNotifier(getenv func(string) string, pid int) (notifier, error) {
	var n notifier
	sock := getenv("NOTIFY_SOCKET")
	if sock == "" {
		return n, nil
	}
	if !strings.HasPrefix(sock, "/") && !strings.HasPrefix(sock, "@") {
		return n, fmt.Errorf("server: NOTIFY_SOCKET %q is neither a path nor an abstract socket name; systemd will not hear that the server is ready", sock)
	}
	n.addr = &net.UnixAddr{Name: sock, Net: "unixgram"}
	usec := getenv("WATCHDOG_USEC")
	if usec == "" {
		return n, nil
	}
	if p := getenv("WATCHDOG_PID"); p != "" && p != strconv.Itoa(pid) {
		return n, nil
	}
	v, err := strconv.ParseInt(usec, 10, 64)
	if err != nil || v <= 0 {
		return n, fmt.Errorf("server: WATCHDOG_USEC %q is not a positive number of microseconds; the watchdog is not pinged", usec)
	}
	n.every = time.Duration(v) * time.Microsecond / 2
	return n, nil
}

// send writes one notification, e.g. "READY=1\nSTATUS=serving". A fresh
// socket per message, as libsystemd does: it costs nothing at these rates
// and survives systemd re-executing itself.
func (n notifier) send(state string) error {
	if n.addr == nil {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("server: notify systemd: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("server: notify systemd: %w", err)
	}
	return nil
}

// watchdog pings systemd every n.every until ctx ends, but only while
// healthy answers: when it fails, the ping is replaced by a STATUS line
// saying why (shown by `systemctl status`), so that a wedged server is
// restarted by systemd instead of staying up and answering nothing. It
// returns at once when no watchdog is asked for.
func (n notifier) watchdog(ctx context.Context, healthy func(context.Context) error, report func(error)) {
	if n.addr == nil || n.every <= 0 {
		return
	}
	t := time.NewTicker(n.every)
	defer t.Stop()
	failing, unheard := false, false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, n.every)
		err := healthy(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			if !failing {
				report(err)
			}
			failing = true
			err = n.send("STATUS=the database does not answer; not pinging the watchdog")
		case failing:
			failing = false
			err = n.send("STATUS=serving\nWATCHDOG=1")
		default:
			err = n.send("WATCHDOG=1")
		}
		// A socket that cannot be reached is said once, not every tick.
		if err != nil && !unheard {
			report(err)
		}
		unheard = err != nil
	}
}

// databaseAnswers is the watchdog's health check: a trivial read, which
// answers in microseconds unless the database is wedged (a hung disk, a
// pool that never frees a connection).
func (s *Server) databaseAnswers(ctx context.Context) error {
	var one int
	if err := s.db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("server: watchdog: the database does not answer: %w", err)
	}
	return nil
}
