package main

import (
	"runtime/debug"
	"testing"
)

// The binary's collector settings apply unless GOGC or GOMEMLIMIT say
// otherwise, each on its own.
func TestTuneGC(t *testing.T) {
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })
	cases := []struct {
		env          map[string]string
		gc           int
		limit        int64
		setGC, setML bool
	}{
		{map[string]string{}, serverGCPercent, serverMemoryLimit, true, true},
		{map[string]string{"GOGC": "off"}, -2, serverMemoryLimit, false, true},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, serverGCPercent, -1, true, false},
		{map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}, -2, -1, false, false},
	}
	for _, c := range cases {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(1 << 40)
		g, l := tuneGC(func(k string) string { return c.env[k] })
		nowGC, nowML := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
		if g != c.gc || l != c.limit || (nowGC == serverGCPercent) != c.setGC || (nowML == serverMemoryLimit) != c.setML {
			t.Errorf("%v: returned %d, %d; runtime at GOGC %d, limit %d", c.env, g, l, nowGC, nowML)
		}
	}
}
