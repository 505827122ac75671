package ytdlp_test

import (
	"context"
	"testing"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/ytdlp"
)

// TestProcessesGauge: medianest_ytdlp_processes counts a yt-dlp while it
// runs (seen from its progress callback) and not after it has exited.
func TestProcessesGauge(t *testing.T) {
	g := metrics.GetOrCreateGauge(`medianest_ytdlp_processes`, nil)
	before := g.Get()
	r := fakeRunner(t, "ok")
	j := job(t)
	during := -1.0
	j.Progress = func(ytdlp.Progress) { during = g.Get() }
	if _, err := r.Download(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if during != before+1 {
		t.Errorf("while yt-dlp ran the gauge was %v, want %v", during, before+1)
	}
	if after := g.Get(); after != before {
		t.Errorf("after yt-dlp exited the gauge is %v, want %v", after, before)
	}
}
