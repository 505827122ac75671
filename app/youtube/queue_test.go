package youtube_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"medianest/app/events"
	"medianest/app/youtube"
	"medianest/app/ytdlp"
)

func TestCrashResumesFromTheItemReached(t *testing.T) {
	e := newEnv(t, nil)
	e.dl.infos["https://youtu.be/pl"] = playlist("pl", 2)
	d := e.submit(alice, "https://youtu.be/pl")
	// As a crash leaves it: downloading, item 1 done, item 2 half way.
	os.MkdirAll(filepath.Join(e.dir, "Chan"), 0o755)
	os.WriteFile(filepath.Join(e.dir, "Chan", "one.mp4"), []byte("12345"), 0o644)
	os.MkdirAll(filepath.Join(e.dir, ".incomplete", "1"), 0o755)
	for _, q := range []string{
		`UPDATE downloads SET status = 'downloading', attempts = 1, item_index = 2 WHERE id = 1`,
		`UPDATE download_items SET status = 'completed', file_path = 'Chan/one.mp4', size_bytes = 5, progress = 100 WHERE idx = 1`,
		`UPDATE download_items SET status = 'downloading', progress = 40 WHERE idx = 2`,
	} {
		if _, err := e.db.W.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.get(alice, d.ID); got.Status != youtube.StatusQueued || got.Items[1].Status != "queued" {
		t.Fatalf("after Init: %+v", got)
	}
	if _, err := os.Stat(filepath.Join(e.dir, ".incomplete", "1")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("Init left the interrupted run's partial files")
	}
	e.start()
	done := e.waitStatus(d.ID, youtube.StatusCompleted)
	if got := e.dl.items(); !slices.Equal(got, []int{2}) {
		t.Fatalf("downloaded items %v, want only [2]", got)
	}
	if done.Items[0].FilePath != "Chan/one.mp4" || done.Items[1].Status != "completed" || e.lib.colls[0] != "List pl" || done.PlexCollection == nil || done.PlexCollection.RatingKey != "900" {
		t.Fatalf("resumed %+v", done)
	}
}

func TestShutdownLeavesRunningJobsQueued(t *testing.T) {
	e := newEnv(t, nil)
	started := make(chan ytdlp.Job, 1)
	e.dl.setRun(blockingRun(started))
	e.start()
	d := e.submit(alice, "https://youtu.be/slow")
	job := <-started
	e.stop()
	got := e.get(alice, d.ID)
	if got.Status != youtube.StatusQueued || got.Attempts != 0 || got.Error != "" || got.Items[0].Status != "queued" {
		t.Fatalf("after shutdown: %+v", got)
	}
	if _, err := os.Stat(job.TempDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("partial files left after shutdown")
	}
	// The next start takes it up again.
	e.dl.setRun(nil)
	e.start()
	e.waitStatus(d.ID, youtube.StatusCompleted)
}

func TestTransientFailuresBackOffThenFail(t *testing.T) {
	e := newEnv(t, func(c *youtube.Config) { c.MaxAttempts = 2 })
	e.dl.setRun(func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
		return ytdlp.Result{}, &ytdlp.Error{Kind: ytdlp.Transient, Msg: "YouTube is throttling downloads."}
	})
	e.start()
	d := e.submit(alice, "https://youtu.be/flaky")
	first := e.waitFor(d.ID, "backing off", func(d youtube.Download) bool { return d.NextAttemptAt != nil })
	want := e.clock.Now().Add(30 * time.Second)
	if first.Status != youtube.StatusQueued || first.Attempts != 1 || first.Error != "YouTube is throttling downloads." || !first.NextAttemptAt.Equal(want) {
		t.Fatalf("after one failure: %+v (want next attempt at %v)", first, want)
	}
	// Nothing runs it before its time; the clock moving on does.
	e.clock.Add(31 * time.Second)
	last := e.waitStatus(d.ID, youtube.StatusFailed)
	if last.Attempts != 2 || last.Error != "YouTube is throttling downloads." || len(e.dl.items()) != 2 {
		t.Fatalf("after max attempts: %+v, %d runs", last, len(e.dl.items()))
	}
}

func TestPermanentFailureFailsAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.dl.setRun(func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
		if job.URL == "https://youtu.be/big" {
			return ytdlp.Result{}, &ytdlp.Error{Kind: ytdlp.TooLarge, Msg: "The file is larger than 4GiB."}
		}
		return ytdlp.Result{}, &ytdlp.Error{Kind: ytdlp.Permanent, Msg: "The video is private.", Detail: "ERROR: [youtube] x: Private video"}
	})
	e.start()
	d := e.submit(alice, "https://youtu.be/private")
	big := e.submit(alice, "https://youtu.be/big")
	if got := e.waitStatus(d.ID, youtube.StatusFailed); got.Attempts != 1 || got.Error != "The video is private." {
		t.Fatalf("permanent: %+v", got)
	}
	if got := e.waitStatus(big.ID, youtube.StatusFailed); got.Error != "The file is larger than 4GiB." {
		t.Fatalf("too large: %+v", got)
	}
	if notes := e.rec.waitNotes(t, 2); len(notes) != 2 || notes[0].Type != "download.failed" || notes[1].Type != "download.failed" {
		t.Fatalf("notes %+v", notes)
	}
}

func TestPlaylistDoesNotStarveOtherUsers(t *testing.T) {
	e := newEnv(t, nil) // one worker
	e.dl.infos["https://youtu.be/list"] = playlist("list", 5)
	gate := make(chan struct{})
	e.dl.setRun(func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
		if job.Item == 1 {
			<-gate // B submits while A's first item runs
		}
		return writeFile(job)
	})
	e.start()
	a := e.submit(alice, "https://youtu.be/list")
	e.waitFor(a.ID, "downloading", func(d youtube.Download) bool { return d.Status == youtube.StatusDownloading })
	b := e.submit(bob, "https://youtu.be/bee")
	close(gate)
	e.waitStatus(a.ID, youtube.StatusCompleted)
	e.waitStatus(b.ID, youtube.StatusCompleted)
	e.dl.mu.Lock()
	var order []string
	for _, j := range e.dl.jobs {
		order = append(order, j.URL[len("https://youtu.be/"):]+string(rune('0'+j.Item)))
	}
	e.dl.mu.Unlock()
	if i := slices.Index(order, "bee0"); i != 1 {
		t.Fatalf("run order %v: bob's video should run right after alice's first item", order)
	}
}

func TestProgressIsThrottled(t *testing.T) {
	e := newEnv(t, nil)
	e.dl.setRun(func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
		for i := range 50 { // 5 s of lines, one every 100 ms
			job.Progress(ytdlp.Progress{Status: "downloading", Downloaded: int64(i+1) * 1000, Total: 50000, SpeedBps: 10000, ETASeconds: int64(49 - i)})
			e.clock.Add(100 * time.Millisecond)
		}
		return writeFile(job)
	})
	e.start()
	d := e.submit(alice, "https://youtu.be/prog")
	e.waitStatus(d.ID, youtube.StatusCompleted)
	evs := e.rec.eventsOf(events.DownloadProgress)
	if len(evs) < 9 || len(evs) > 11 {
		t.Fatalf("%d progress events for 5 s of progress, want about 10 (two a second)", len(evs))
	}
	for _, ev := range evs {
		if ev.Key != "download.progress:1" || ev.UserID != alice.ID || !ev.Admins {
			t.Fatalf("progress event %+v", ev)
		}
	}
}

func TestPlexFailuresArePendingAndRetried(t *testing.T) {
	e := newEnv(t, nil)
	e.lib.scanErrs = []error{errors.New("plex: connection refused")}
	e.lib.collErrs = []error{youtube.ErrNotInPlexYet}
	e.dl.infos["https://youtu.be/pl"] = playlist("pl", 1)
	e.start()
	d := e.submit(alice, "https://youtu.be/pl")
	got := e.waitStatus(d.ID, youtube.StatusCompleted)
	if !got.PlexPending || got.PlexCollection != nil {
		t.Fatalf("after a failed scan: %+v", got)
	}
	e.clock.Add(time.Hour) // the collection's backoff ends
	got = e.waitFor(d.ID, "done with Plex", func(d youtube.Download) bool { return !d.PlexPending })
	if got.PlexCollection == nil || got.PlexCollection.Title != "List pl" || len(e.lib.scans) < 2 {
		t.Fatalf("after the retry: %+v, scans %v", got, e.lib.scans)
	}
}

func TestPlexNotConfiguredIsNotPending(t *testing.T) {
	e := newEnv(t, nil)
	e.lib.scanErrs = []error{youtube.ErrPlexNotConfigured}
	e.start()
	d := e.submit(alice, "https://youtu.be/v")
	if got := e.waitStatus(d.ID, youtube.StatusCompleted); got.PlexPending {
		t.Fatalf("pending without Plex: %+v", got)
	}
}
