package youtube_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/youtube"
	"medianest/app/ytdlp"
)

// TestDownloadMetrics: every run started, every finished file's bytes,
// each failure by its kind and a failed Plex scan are counted.
func TestDownloadMetrics(t *testing.T) {
	names := []string{
		`medianest_download_attempts_total`,
		`medianest_download_bytes_total`,
		`medianest_download_failures_total{kind="transient"}`,
		`medianest_download_failures_total{kind="permanent"}`,
		`medianest_download_failures_total{kind="cancelled"}`,
		`medianest_plex_scan_failures_total`,
	}
	before := map[string]uint64{}
	for _, n := range names {
		before[n] = metrics.GetOrCreateCounter(n).Get()
	}

	e := newEnv(t, func(c *youtube.Config) { c.MaxAttempts = 1 })
	e.lib.scanErrs = []error{errors.New("plex: connection refused")}
	e.dl.setRun(func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
		switch job.URL {
		case "https://youtu.be/flaky":
			return ytdlp.Result{}, &ytdlp.Error{Kind: ytdlp.Transient, Msg: "YouTube is throttling downloads."}
		case "https://youtu.be/private":
			return ytdlp.Result{}, &ytdlp.Error{Kind: ytdlp.Permanent, Msg: "The video is private."}
		case "https://youtu.be/slow":
			<-ctx.Done()
			return ytdlp.Result{}, &ytdlp.Error{Kind: ytdlp.Cancelled, Msg: "Stopped."}
		}
		return writeFile(job)
	})
	e.start()
	ok := e.submit(alice, "https://youtu.be/ok")
	e.waitStatus(ok.ID, youtube.StatusCompleted)
	for _, u := range []string{"https://youtu.be/flaky", "https://youtu.be/private"} {
		e.waitStatus(e.submit(alice, u).ID, youtube.StatusFailed)
	}
	slow := e.submit(alice, "https://youtu.be/slow")
	e.waitStatus(slow.ID, youtube.StatusDownloading)
	if r := e.do(alice, "POST", path(slow.ID, "/cancel"), nil); r.Code != 200 {
		t.Fatalf("cancel: %d %s", r.Code, r.Body.Error.Message)
	}

	want := map[string]uint64{
		names[0]: 4,
		names[1]: uint64(len("video bytes ok")),
		names[2]: 1, names[3]: 1, names[4]: 1, names[5]: 1,
	}
	// The worker counts a run's end after the status the test waited for
	// (the cancelled run ends after the cancel answered): wait for the
	// counts, then hold them to exactly what was done.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var off []string
		for _, n := range names {
			if got := metrics.GetOrCreateCounter(n).Get() - before[n]; got != want[n] {
				off = append(off, fmt.Sprintf("%s went up by %d, want %d", n, got, want[n]))
			}
		}
		if len(off) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(strings.Join(off, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
