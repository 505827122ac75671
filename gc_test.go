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
		setGC, setML bool
	}{
		{map[string]string{}, true, true},
		{map[string]string{"GOGC": "off"}, false, true},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, true, false},
		{map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}, false, false},
	}
	for _, c := range cases {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(1 << 40)
		tuneGC(func(k string) string { return c.env[k] })
		nowGC, nowML := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
		if (nowGC == serverGCPercent) != c.setGC || (nowML == serverMemoryLimit) != c.setML {
			t.Errorf("%v: runtime at GOGC %d, limit %d", c.env, nowGC, nowML)
		}
	}
}
