package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// The metrics live in VictoriaMetrics/metrics' default set, registered by
// the package that owns each one. That library writes TYPE lines but empty
// HELP lines, so the text of every HELP line is here, in one table, and
// writeMetrics fills it in. A medianest_* family missing from help is a
// test failure (TestMetricFamiliesHaveHelp).
var help = map[string]string{
	"medianest_build_info":                            "Always 1; the labels say which MediaNest version and Go release are running.",
	"medianest_ready":                                 "1 while /health/ready would answer ready or degraded, 0 while it answers not_ready (database or schema unusable).",
	"medianest_db_open_connections":                   "Open SQLite connections, readers and the writer together.",
	"medianest_http_requests_total":                   "HTTP requests answered, by mux route pattern, method and status code.",
	"medianest_http_request_duration_seconds":         "Time to answer an HTTP request, by mux route pattern.",
	"medianest_session_cache_hits_total":              "Session lookups answered from the in-process cache.",
	"medianest_session_cache_misses_total":            "Session lookups that had to read the database.",
	"medianest_upstream_requests_total":               "Requests to an upstream service (plex, plex_tv, overseerr, uptime_kuma, tmdb), by outcome.",
	"medianest_upstream_request_duration_seconds":     "Time an upstream service took to answer, by service.",
	"medianest_service_up":                            "1 while the status poller sees the service up or degraded, 0 while it is down; absent while disabled.",
	"medianest_media_requests_total":                  "Media requests entering a status (on creation and on every change), by status.",
	"medianest_downloads":                             "Downloads waiting or running now, by status (pending_approval, queued, downloading, processing).",
	"medianest_download_attempts_total":               "Download runs started (each item of a playlist is a run; a retry is a new run).",
	"medianest_download_bytes_total":                  "Bytes of finished download files written to the download folder.",
	"medianest_download_failures_total":               "Failed download runs, by kind: transient (tried again), permanent, cancelled.",
	"medianest_ytdlp_processes":                       "yt-dlp processes running now (downloads and metadata lookups).",
	"medianest_plex_scan_failures_total":              "Plex library scans of a finished download that failed (they are retried).",
	"medianest_backup_last_success_timestamp_seconds": "Unix time of the newest backup in backup.dir; 0 when there is none.",
	"medianest_backup_last_size_bytes":                "Size of the newest backup in backup.dir; 0 when there is none.",
	"medianest_backup_interval_seconds":               "backup.interval, the time between scheduled backups; 0 when the schedule is off.",
	"medianest_backup_failures_total":                 "Scheduled backups that failed.",
	"medianest_signin_failures_total":                 "Refused sign-ins, by provider (local, plex) and reason.",
	"medianest_event_streams_open":                    "Server-Sent Event streams (/events) open now.",
	"go_gc_duration_seconds":                          "Go garbage collection pause durations.",
	"go_goroutines":                                   "Goroutines that currently exist.",
	"go_threads":                                      "OS threads the Go runtime created.",
	"go_info":                                         "Always 1; the label says which Go release built the binary.",
	"go_info_ext":                                     "Always 1; the labels say how the binary was built.",
	"go_gomaxprocs":                                   "GOMAXPROCS, the CPUs the Go scheduler uses.",
	"go_memlimit_bytes":                               "The Go runtime's soft memory limit (GOMEMLIMIT).",
	"go_memstats_alloc_bytes":                         "Bytes of heap objects allocated and still in use.",
	"go_memstats_alloc_bytes_total":                   "Bytes allocated for heap objects, ever.",
	"go_memstats_heap_inuse_bytes":                    "Bytes in in-use heap spans.",
	"go_memstats_sys_bytes":                           "Bytes of memory obtained from the OS by the Go runtime.",
	"go_memstats_last_gc_time_seconds":                "Unix time of the last garbage collection.",
	"go_sched_latencies_seconds":                      "Time goroutines waited to be scheduled after becoming runnable.",
	"process_cpu_seconds_total":                       "CPU time the process used, user and system.",
	"process_resident_memory_bytes":                   "Resident memory of the process.",
	"process_virtual_memory_bytes":                    "Virtual memory of the process.",
	"process_start_time_seconds":                      "Unix time the process started.",
	"process_open_fds":                                "Open file descriptors.",
	"process_max_fds":                                 "Maximum open file descriptors.",
	"process_num_threads":                             "OS threads of the process.",
	"process_cgroup_cpu_throttled_seconds_total":      "Time the process's cgroup was throttled for CPU.",
	"process_pressure_memory_stalled_seconds_total":   "Time all tasks of the process's cgroup stalled on memory (PSI).",
	"process_io_storage_written_bytes_total":          "Bytes the process wrote to storage.",
	"process_io_storage_read_bytes_total":             "Bytes the process read from storage.",
	"go_memstats_heap_objects":                        "Heap objects allocated and still in use.",
	"go_memstats_next_gc_bytes":                       "Heap size at which the next garbage collection starts.",
	"go_gc_cpu_seconds_total":                         "CPU time spent in garbage collection.",
	"go_mutex_wait_seconds_total":                     "Time goroutines spent blocked on mutexes.",
	"process_resident_memory_peak_bytes":              "Peak resident memory of the process.",
	"process_virtual_memory_peak_bytes":               "Peak virtual memory of the process.",
	"process_major_pagefaults_total":                  "Major page faults of the process.",
	"process_minor_pagefaults_total":                  "Minor page faults of the process.",
	"go_scavenge_cpu_seconds_total":                   "CPU time the Go runtime spent returning memory to the OS.",
	"go_gc_mark_assist_cpu_seconds_total":             "CPU time goroutines spent assisting garbage collection.",
	"go_memstats_gc_cpu_fraction":                     "Fraction of CPU time used by garbage collection since the process started.",
	"go_gc_pauses_seconds":                            "Go garbage collection stop-the-world pauses.",
	"process_pressure_cpu_waiting_seconds_total":      "Time some tasks of the process's cgroup waited for CPU (PSI).",
	"process_pressure_cpu_stalled_seconds_total":      "Time all tasks of the process's cgroup stalled on CPU (PSI).",
	"process_pressure_io_waiting_seconds_total":       "Time some tasks of the process's cgroup waited on IO (PSI).",
	"process_pressure_io_stalled_seconds_total":       "Time all tasks of the process's cgroup stalled on IO (PSI).",
	"process_pressure_memory_waiting_seconds_total":   "Time some tasks of the process's cgroup waited on memory (PSI).",
}

// retyped are library families written with a TYPE that breaks the
// exposition rules: cumulative /proc/self/io counters written as gauges.
var retyped = map[string]string{
	"process_io_read_bytes_total":            "counter",
	"process_io_written_bytes_total":         "counter",
	"process_io_read_syscalls_total":         "counter",
	"process_io_write_syscalls_total":        "counter",
	"process_io_storage_read_bytes_total":    "counter",
	"process_io_storage_written_bytes_total": "counter",
}

// dropped are library families left out: counters and gauges named *_count,
// which Prometheus reserves for histograms and summaries. go_gomaxprocs
// says what go_cpu_count would; a CGO-free binary makes no cgo calls worth
// counting.
var dropped = map[string]bool{
	"go_cgo_calls_count": true,
	"go_cpu_count":       true,
	"go_gc_forced_count": true,
}

func init() { metrics.ExposeMetadata(true) }

// registerBuildInfo sets medianest_build_info for this version. Servers of
// different versions in one process (tests) each get their own series.
func registerBuildInfo(version string) {
	metrics.GetOrCreateGauge(fmt.Sprintf(`medianest_build_info{version=%q,go_version=%q}`, version, runtime.Version()), func() float64 { return 1 })
}

// scrapeTimeout bounds the database reads a scrape makes.
const scrapeTimeout = 2 * time.Second

// writeMetrics brings the gauges that are read at scrape time up to date
// and writes every metric with its HELP and TYPE.
func (s *Server) writeMetrics(ctx context.Context, w http.ResponseWriter) {
	ctx, cancel := context.WithTimeout(ctx, scrapeTimeout)
	defer cancel()
	st := s.db.W.Stats()
	rs := s.db.R.Stats()
	metrics.GetOrCreateGauge(`medianest_db_open_connections`, nil).Set(float64(st.OpenConnections + rs.OpenConnections))
	ready := 0.0
	if _, ok := s.coreChecks(ctx); ok {
		ready = 1
	}
	metrics.GetOrCreateGauge(`medianest_ready`, nil).Set(ready)
	for _, refresh := range s.scrapers {
		if err := refresh(ctx); err != nil {
			s.log.Warn("metrics: scrape-time gauge", "err", err)
		}
	}
	var buf bytes.Buffer
	metrics.WritePrometheus(&buf, true)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	annotate(w, &buf)
}

// annotate copies the library's exposition from r to w with the HELP text
// filled in, the retyped families' TYPE corrected and the dropped families
// left out.
func annotate(w io.Writer, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for sc.Scan() {
		line := sc.Text()
		if fam, ok := strings.CutPrefix(line, "# HELP "); ok {
			fam, _, _ = strings.Cut(fam, " ")
			if dropped[fam] {
				continue
			}
			fmt.Fprintf(bw, "# HELP %s %s\n", fam, helpFor(fam))
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			fam, _, _ := strings.Cut(rest, " ")
			if dropped[fam] {
				continue
			}
			if t, ok := retyped[fam]; ok {
				fmt.Fprintf(bw, "# TYPE %s %s\n", fam, t)
				continue
			}
		} else if name, _, _ := strings.Cut(strings.SplitN(line, "{", 2)[0], " "); dropped[name] {
			continue
		}
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
}

// helpFor is fam's HELP text. A library family this table does not know
// (the Go and process metrics differ between releases and hosts) gets its
// name in words rather than an empty line.
func helpFor(fam string) string {
	if h, ok := help[fam]; ok {
		return h
	}
	words := strings.ReplaceAll(fam, "_", " ")
	switch {
	case strings.HasPrefix(fam, "go_"):
		return "Go runtime: " + strings.TrimPrefix(words, "go ") + "."
	case strings.HasPrefix(fam, "process_"):
		return "Process: " + strings.TrimPrefix(words, "process ") + "."
	}
	return words + "."
}
