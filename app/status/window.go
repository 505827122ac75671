package status

import "time"

// window is one service's checks of the last 24 hours, kept in memory so
// that each new check updates uptime24h in constant time instead of
// re-reading 2 880 rows (a day at 30 s). It is loaded from service_checks at
// start and then fed every check the poller records.
type window struct {
	at    []int64 // unix ms, oldest first
	up    []bool
	ups   int
	start int // index of the oldest live entry
	span  time.Duration
}

func newWindow() *window { return &window{span: 24 * time.Hour} }

// counts reports whether a status takes part in uptime: a disabled or
// unknown service is not down.
func counts(status string) bool {
	return status == StatusUp || status == StatusDegraded || status == StatusDown
}

// add appends a check; checks must come in time order.
func (w *window) add(at time.Time, status string) {
	if !counts(status) {
		return
	}
	up := status != StatusDown
	w.at = append(w.at, at.UnixMilli())
	w.up = append(w.up, up)
	if up {
		w.ups++
	}
}

// expire forgets checks older than the span before now.
func (w *window) expire(now time.Time) {
	cutoff := now.Add(-w.span).UnixMilli()
	for w.start < len(w.at) && w.at[w.start] < cutoff {
		if w.up[w.start] {
			w.ups--
		}
		w.start++
	}
	// Reuse the arrays once the dead prefix is at least half of them.
	if w.start > 0 && w.start*2 >= len(w.at) {
		n := copy(w.at, w.at[w.start:])
		copy(w.up, w.up[w.start:])
		w.at, w.up = w.at[:n], w.up[:n]
		w.start = 0
	}
}

// uptime is the percentage of live checks that were up or degraded, two
// decimals rounded down (so a failure never shows as 100); nil when empty.
func (w *window) uptime(now time.Time) *float64 {
	w.expire(now)
	total := len(w.at) - w.start
	if total == 0 {
		return nil
	}
	v := float64(int64(w.ups)*10000/int64(total)) / 100
	return &v
}
