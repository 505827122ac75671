package youtube_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"medianest/app/youtube"
	"medianest/app/ytdlp"
	"medianest/app/ytdlp/ytdlptest"
)

// These tests run the queue with the real yt-dlp runner against the fake
// yt-dlp process, which prints yt-dlp's real output lines: the state
// changes, retries, cancel and crash-resume paths see what they will see
// in production, down to the process group being stopped.

// runnerEnv is an env whose downloads go through ytdlp.Runner to the
// fake yt-dlp playing scenario.
func runnerEnv(t *testing.T, scenario string) *env {
	t.Helper()
	r := ytdlp.New(ytdlp.Config{Path: ytdlptest.Path(t, scenario), FFmpegPath: "/nonexistent/ffmpeg"})
	return newEnvWith(t, r, nil)
}

// queued stores a download of alice's as a submit would have, with items
// (status per item), bypassing the metadata step.
func queued(t *testing.T, e *env, kind, status string, items ...string) int64 {
	t.Helper()
	res, err := e.db.W.Exec(`INSERT INTO downloads (user_id, url, kind, title, quality, format, status, created_at, updated_at)
		VALUES (?, 'https://youtu.be/clip', ?, 'clip', '720p', 'mp4', ?, 0, 0)`, alice.ID, kind, status)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	for i, st := range items {
		if _, err := e.db.W.Exec(`INSERT INTO download_items (download_id, idx, title, status) VALUES (?, ?, ?, ?)`,
			id, i+1, "item", st); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// downloadCalls are the fake's runs that downloaded (not -J).
func downloadCalls(t *testing.T) [][]string {
	var out [][]string
	for _, c := range ytdlptest.Calls(t) {
		if !slices.Contains(c, "-J") {
			out = append(out, c)
		}
	}
	return out
}

func TestRunnerTransientFailureIsRetried(t *testing.T) {
	e := runnerEnv(t, "flaky:1")
	id := queued(t, e, "video", "queued", "queued")
	e.start()
	// The first run fails with a connection reset: queued again, later.
	d := e.waitFor(id, "queued again after a reset", func(d youtube.Download) bool {
		return d.Status == youtube.StatusQueued && d.Attempts == 1 && d.Error != ""
	})
	if strings.Contains(d.Error, "Traceback") || strings.Contains(d.Error, "ERROR:") {
		t.Fatalf("raw yt-dlp output shown to the user: %q", d.Error)
	}
	e.clock.Add(time.Hour) // past any backoff
	d = e.waitStatus(id, youtube.StatusCompleted)
	if d.Attempts != 2 || len(d.Items) != 1 || d.Items[0].FilePath != "Family_Videos/clip [clip].mp4" || d.Items[0].SizeBytes != int64(len(ytdlptest.Clip)) {
		t.Fatalf("after the retry: %+v", d)
	}
	if len(downloadCalls(t)) != 2 {
		t.Fatalf("runs: %v", downloadCalls(t))
	}
	if _, err := os.Stat(filepath.Join(e.dir, filepath.FromSlash(d.Items[0].FilePath))); err != nil {
		t.Fatal(err)
	}
}

func TestRunnerPermanentFailureFailsAtOnce(t *testing.T) {
	e := runnerEnv(t, "private")
	id := queued(t, e, "video", "queued", "queued")
	e.start()
	d := e.waitStatus(id, youtube.StatusFailed)
	if d.Attempts != 1 || !strings.Contains(strings.ToLower(d.Error), "private") || strings.Contains(d.Error, "Traceback") {
		t.Fatalf("failed: %+v", d)
	}
}

func TestRunnerCancelStopsTheProcessGroup(t *testing.T) {
	e := runnerEnv(t, "slow")
	id := queued(t, e, "video", "queued", "queued")
	e.start()
	e.waitFor(id, "progress", func(d youtube.Download) bool { return d.Status == youtube.StatusDownloading && d.BytesDownloaded > 0 })
	pids := ytdlptest.Pids(t)
	if len(pids) < 2 {
		t.Fatalf("pids %v", pids)
	}
	start := time.Now()
	if r := e.do(alice, "POST", path(id, "/cancel"), nil); r.Code != 200 || r.download(t).Status != youtube.StatusCancelled {
		t.Fatalf("cancel: %d", r.Code)
	}
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("process %d still running 5 s after the cancel", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(e.dir, ".incomplete")); len(left) != 0 {
		t.Fatalf("partial files left: %v", left)
	}
}

// A crash left a playlist downloading with its first item done: the next
// start queues it again and downloads the second item only.
func TestRunnerResumesFromTheItemReached(t *testing.T) {
	e := runnerEnv(t, "playlist")
	id := queued(t, e, "playlist", "downloading", "completed", "downloading")
	e.start()
	d := e.waitStatus(id, youtube.StatusCompleted)
	calls := downloadCalls(t)
	if len(calls) != 1 {
		t.Fatalf("runs after the restart: %v", calls)
	}
	if i := slices.Index(calls[0], "--playlist-items"); i < 0 || calls[0][i+1] != "2" {
		t.Fatalf("the resumed run: %v", calls[0])
	}
	if d.Items[1].Status != youtube.StatusCompleted || !strings.HasPrefix(d.Items[1].FilePath, "Holiday_Clips/") {
		t.Fatalf("items: %+v", d.Items)
	}
}
