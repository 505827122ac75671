package server

import (
	"strings"
	"testing"
)

// TestAnnotate: the library's empty HELP lines get their text, the
// families it types wrongly are retyped, the *_count gauges and counters
// are left out, and the rest passes through unchanged.
func TestAnnotate(t *testing.T) {
	in := strings.Join([]string{
		"# HELP medianest_ready",
		"# TYPE medianest_ready gauge",
		"medianest_ready 1",
		"# HELP go_cpu_count",
		"# TYPE go_cpu_count gauge",
		"go_cpu_count 2",
		"# HELP process_io_read_bytes_total",
		"# TYPE process_io_read_bytes_total gauge",
		"process_io_read_bytes_total 10",
		"# HELP go_memstats_frees_total",
		"# TYPE go_memstats_frees_total counter",
		`go_memstats_frees_total{a="b"} 3`,
	}, "\n") + "\n"
	var out strings.Builder
	annotate(&out, strings.NewReader(in))
	want := strings.Join([]string{
		"# HELP medianest_ready " + help["medianest_ready"],
		"# TYPE medianest_ready gauge",
		"medianest_ready 1",
		"# HELP process_io_read_bytes_total Process: io read bytes total.",
		"# TYPE process_io_read_bytes_total counter",
		"process_io_read_bytes_total 10",
		"# HELP go_memstats_frees_total Go runtime: memstats frees total.",
		"# TYPE go_memstats_frees_total counter",
		`go_memstats_frees_total{a="b"} 3`,
	}, "\n") + "\n"
	if out.String() != want {
		t.Fatalf("annotate:\n%s\nwant:\n%s", out.String(), want)
	}
}
