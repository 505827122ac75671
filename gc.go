package main

import (
	"runtime/debug"
)

// Garbage collection for the binary (main applies it; tests calling run
// keep the test process's own). Its live heap is about a megabyte, so
// at Go's default (GOGC=100) the 4 MB floor of the heap goal has it collect
// every two and a half megabytes allocated, some 800 requests, and every
// collection stops the world twice: a third of the CPU of a cached request
// went to the collector. At 200 the floor is 8 MB and it collects a third
// as often, for about 4 MB more RSS under load (measured: idle 21.6 MB
// either way, 27.5 → 31.9 MB after a load). The soft limit keeps a burst
// (password hashing takes 19 MiB a sign-in) from letting garbage pile up to
// three times the live heap: near it the collector works harder instead.
const (
	serverGCPercent   = 200
	serverMemoryLimit = 64 << 20
)

// tuneGC applies the collector settings unless the environment (GOGC,
// GOMEMLIMIT, which the runtime reads itself) chose its own.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serverMemoryLimit)
	}
}
