package youtube_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/events"
	"medianest/app/youtube"
	"medianest/app/ytdlp"
)

func path(id int64, rest string) string {
	return "/youtube/downloads/" + strconv.FormatInt(id, 10) + rest
}

func TestSubmitRunsToCompletion(t *testing.T) {
	e := newEnv(t, nil)
	d := e.submit(alice, "https://youtu.be/abc")
	if d.Status != youtube.StatusQueued || d.Kind != "video" || d.Title != "Video abc" || d.Quality != "1080p" || d.Format != "mp4" || d.Username != "alice" {
		t.Fatalf("submitted %+v", d)
	}
	if r := e.do(bob, "GET", path(d.ID, ""), nil); r.Code != http.StatusNotFound {
		t.Fatalf("someone else's download: %d", r.Code)
	}
	e.start()
	done := e.waitStatus(d.ID, youtube.StatusCompleted)
	it := done.Items[0]
	if it.Status != "completed" || it.FilePath != "Chan/abc [abc].mp4" || it.SizeBytes != int64(len("video bytes abc")) || done.Progress != 100 {
		t.Fatalf("completed %+v item %+v", done, it)
	}
	if left, err := os.ReadDir(filepath.Join(e.dir, ".incomplete")); err != nil || len(left) != 0 {
		t.Fatalf("partial files left behind: %v %v", left, err)
	}
	if len(e.lib.scans) != 1 || e.lib.scans[0] != filepath.Join(e.dir, "Chan", "abc [abc].mp4") || done.PlexPending {
		t.Fatalf("scans %v pending %v", e.lib.scans, done.PlexPending)
	}
	notes := e.rec.waitNotes(t, 1)
	if len(notes) != 1 || notes[0].Type != "download.completed" {
		t.Fatalf("notifications %+v", notes)
	}
	for _, ev := range e.rec.eventsOf(events.DownloadUpdated) {
		if ev.UserID != alice.ID || !ev.Admins {
			t.Fatalf("event to %d admins %v", ev.UserID, ev.Admins)
		}
	}

	r := e.do(alice, "GET", "/youtube/downloads?status=completed", nil)
	if r.Code != 200 || r.Body.Meta["total"] != float64(1) || r.Body.Meta["page"] != float64(1) {
		t.Fatalf("list: %d %v", r.Code, r.Body.Meta)
	}
	if r := e.do(bob, "GET", "/youtube/downloads", nil); r.Body.Meta["total"] != float64(0) {
		t.Fatalf("bob sees %v", r.Body.Meta)
	}
	if r := e.do(alice, "GET", "/youtube/downloads?status=bogus", nil); r.Code != 400 {
		t.Fatalf("bad status filter: %d", r.Code)
	}
	if r := e.do(alice, "POST", path(d.ID, "/cancel"), nil); r.Code != http.StatusConflict {
		t.Fatalf("cancel a completed download: %d", r.Code)
	}
	if r := e.do(alice, "POST", path(d.ID, "/retry"), nil); r.Code != http.StatusConflict {
		t.Fatalf("retry a completed download: %d", r.Code)
	}
	q := e.do(alice, "GET", "/youtube/quota", nil)
	if q.Code != 200 || !strings.Contains(string(q.Body.Data), `"used":1,"limit":5,"windowSeconds":3600,"resetAt":"2026-03-01T11:00:00Z","bytesUsed":15,"bytesLimit":10737418240,"canDownload":true`) {
		t.Fatalf("quota %d %s", q.Code, q.Body.Data)
	}
}

func TestSubmitRefusals(t *testing.T) {
	e := newEnv(t, nil)
	e.dl.infos["https://youtu.be/long"] = ytdlp.Info{Kind: "video", ID: "long", Title: "Long", DurationSeconds: 5*3600 + 12*60}
	e.dl.infos["https://youtu.be/pl"] = ytdlp.Info{Kind: "playlist", ID: "pl", Title: "PL", Entries: []ytdlp.Entry{
		{Index: 1, ID: "a", Title: "Short", DurationSeconds: 60}, {Index: 2, ID: "b", Title: "Marathon", DurationSeconds: 5 * 3600}}}
	for _, c := range []struct {
		name string
		body map[string]string
		code int
		err  string
		msg  string
	}{
		{"bad quality", map[string]string{"url": "https://youtu.be/x", "quality": "8k"}, 400, "VALIDATION_ERROR", "quality"},
		{"bad format", map[string]string{"url": "https://youtu.be/x", "format": "avi"}, 400, "VALIDATION_ERROR", "format"},
		{"no url", map[string]string{}, 400, "VALIDATION_ERROR", "url"},
		{"not youtube", map[string]string{"url": "file:///etc/passwd"}, 400, "INVALID_URL", "Only YouTube"},
		{"too long", map[string]string{"url": "https://youtu.be/long"}, 400, "VALIDATION_ERROR", "5h 12m long; this server allows at most 4h"},
		{"playlist entry too long", map[string]string{"url": "https://youtu.be/pl"}, 400, "VALIDATION_ERROR", `"Marathon" (video 2 of the playlist) is 5h long`},
	} {
		r := e.do(alice, "POST", "/youtube/downloads", c.body)
		if r.Code != c.code || r.Body.Error.Code != c.err || !strings.Contains(r.Body.Error.Message, c.msg) {
			t.Errorf("%s: %d %+v", c.name, r.Code, r.Body.Error)
		}
	}
	e.dl.metaErr = &ytdlp.Error{Kind: ytdlp.Permanent, Msg: "The video is private."}
	if r := e.do(alice, "GET", "/youtube/metadata?url=https://youtu.be/p", nil); r.Code != 400 || r.Body.Error.Code != "INVALID_URL" || r.Body.Error.Message != "The video is private." {
		t.Fatalf("private video: %d %+v", r.Code, r.Body.Error)
	}
	e.dl.metaErr = &ytdlp.Error{Kind: ytdlp.Transient, Msg: "YouTube could not be reached."}
	if r := e.do(alice, "GET", "/youtube/metadata?url=https://youtu.be/q", nil); r.Code != 502 || r.Body.Error.Code != "UPSTREAM_ERROR" {
		t.Fatalf("transient: %d %+v", r.Code, r.Body.Error)
	}
	e.dl.metaErr = nil
	e.dl.infos["https://youtu.be/pl3"] = playlist("pl3", 3)
	r := e.do(alice, "GET", "/youtube/metadata?url=https://youtu.be/pl3", nil)
	if r.Code != 200 || !strings.Contains(string(r.Body.Data), `"kind":"playlist"`) || !strings.Contains(string(r.Body.Data), `"entryCount":3`) {
		t.Fatalf("metadata %d %s", r.Code, r.Body.Data)
	}
	calls := e.dl.metaCalls
	e.submit(alice, "https://youtu.be/pl3")
	if e.dl.metaCalls != calls {
		t.Fatal("submit right after the preview ran yt-dlp again instead of using the cache")
	}
	if n := e.do(alice, "GET", "/youtube/quota", nil); !strings.Contains(string(n.Body.Data), `"used":1,`) {
		t.Fatalf("refused submissions counted: %s", n.Body.Data)
	}
}

func TestDoubleSubmitRacingItself(t *testing.T) {
	e := newEnv(t, nil)
	codes := make(chan int, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			codes <- e.do(alice, "POST", "/youtube/downloads", map[string]string{"url": "https://youtu.be/same"}).Code
		})
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if got[201] != 1 || got[409] != 1 {
		t.Fatalf("codes %v, want one 201 and one 409", got)
	}
	r := e.do(alice, "POST", "/youtube/downloads", map[string]string{"url": "https://youtu.be/same"})
	if r.Code != 409 || r.Body.Error.Code != "DUPLICATE_DOWNLOAD" {
		t.Fatalf("again: %d %+v", r.Code, r.Body.Error)
	}
	// Another user may download the same URL.
	e.submit(bob, "https://youtu.be/same")
}

func TestQuotas(t *testing.T) {
	e := newEnv(t, func(c *youtube.Config) { c.QuotaPerHour = 2; c.MaxBytesPerUser = 20 })
	first := e.submit(alice, "https://youtu.be/q1")
	e.clock.Add(10 * time.Minute)
	e.submit(alice, "https://youtu.be/q2")
	r := e.do(alice, "POST", "/youtube/downloads", map[string]string{"url": "https://youtu.be/q3"})
	if r.Code != 429 || r.Body.Error.Code != "QUOTA_EXCEEDED" || r.Header.Get("Retry-After") != "3000" {
		t.Fatalf("over the hourly quota: %d %q %+v", r.Code, r.Header.Get("Retry-After"), r.Body.Error)
	}
	// A cancelled download still counts; a retry is not a new one.
	if r := e.do(alice, "POST", path(first.ID, "/cancel"), nil); r.Code != 200 {
		t.Fatalf("cancel %d", r.Code)
	}
	if r := e.do(alice, "POST", path(first.ID, "/retry"), nil); r.Code != 200 || r.download(t).Status != "queued" {
		t.Fatalf("retry over quota: %d %+v", r.Code, r.Body.Error)
	}
	if q := e.do(alice, "GET", "/youtube/quota", nil); !strings.Contains(string(q.Body.Data), `"used":2,"limit":2`) || !strings.Contains(string(q.Body.Data), `"canDownload":false`) {
		t.Fatalf("quota %s", q.Body.Data)
	}
	// The admin's override wins: 0 is unlimited.
	zero := 0
	a := alice
	a.DownloadQuota = &zero
	e.guard.mu.Lock()
	e.guard.users[alice.ID] = a
	e.guard.mu.Unlock()
	e.submit(alice, "https://youtu.be/q3")

	// The byte budget counts completed files on disk.
	if _, err := e.db.W.Exec(`UPDATE download_items SET status = 'completed', file_path = 'x.mp4', size_bytes = 25 WHERE download_id = ?`, first.ID); err != nil {
		t.Fatal(err)
	}
	r = e.do(alice, "POST", "/youtube/downloads", map[string]string{"url": "https://youtu.be/q4"})
	if r.Code != 429 || !strings.Contains(r.Body.Error.Message, "disk space") || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the byte budget: %d %+v", r.Code, r.Body.Error)
	}
}

func TestApprovalFlow(t *testing.T) {
	e := newEnv(t, func(c *youtube.Config) { c.RequireApproval = true })
	e.start()
	d := e.submit(alice, "https://youtu.be/ok")
	no := e.submit(alice, "https://youtu.be/no")
	if d.Status != youtube.StatusPendingApproval {
		t.Fatalf("status %s", d.Status)
	}
	if r := e.do(alice, "POST", "/admin/downloads/"+strconv.FormatInt(d.ID, 10)+"/approve", nil); r.Code != 403 {
		t.Fatalf("a user approving: %d", r.Code)
	}
	r := e.do(admin, "GET", "/admin/downloads?status=pending_approval&userId=1", nil)
	if r.Code != 200 || r.Body.Meta["total"] != float64(2) {
		t.Fatalf("admin list %d %v", r.Code, r.Body.Meta)
	}
	if r := e.do(admin, "GET", "/admin/downloads?userId=2", nil); r.Body.Meta["total"] != float64(0) {
		t.Fatalf("userId filter %v", r.Body.Meta)
	}
	if r := e.do(admin, "POST", "/admin/downloads/"+strconv.FormatInt(d.ID, 10)+"/approve", nil); r.Code != 200 || r.download(t).Status == youtube.StatusPendingApproval {
		t.Fatalf("approve %d %+v", r.Code, r.Body.Error)
	}
	e.waitStatus(d.ID, youtube.StatusCompleted)
	e.rec.waitNotes(t, 2) // approved, then completed (sent just after the status)
	if r := e.do(admin, "POST", "/admin/downloads/"+strconv.FormatInt(no.ID, 10)+"/decline", nil); r.Code != 200 || r.download(t).Status != youtube.StatusDeclined {
		t.Fatalf("decline %d", r.Code)
	}
	if r := e.do(admin, "POST", "/admin/downloads/"+strconv.FormatInt(no.ID, 10)+"/approve", nil); r.Code != 409 {
		t.Fatalf("approve a declined download: %d", r.Code)
	}
	if got := e.get(admin, no.ID); got.Status != youtube.StatusDeclined || len(e.dl.items()) != 1 {
		t.Fatalf("declined download ran: %+v %v", got, e.dl.items())
	}
	e.rec.mu.Lock()
	var actions, types []string
	for _, a := range e.rec.audits {
		actions = append(actions, a.Action)
	}
	for _, n := range e.rec.notes {
		types = append(types, n.Type)
	}
	e.rec.mu.Unlock()
	if strings.Join(actions, ",") != "download.approve,download.decline" {
		t.Fatalf("audit %v", actions)
	}
	if strings.Join(types, ",") != "download.approved,download.completed,download.declined" {
		t.Fatalf("notifications %v", types)
	}
	// The user's own setting wins over youtube.require_approval.
	no2 := false
	b := bob
	b.DownloadApproval = &no2
	e.guard.mu.Lock()
	e.guard.users[bob.ID] = b
	e.guard.mu.Unlock()
	if d := e.submit(bob, "https://youtu.be/bob"); d.Status != youtube.StatusQueued {
		t.Fatalf("bob's override: %s", d.Status)
	}
}

// blockingRun downloads nothing until its context ends, then reports a
// cancelled run as the runner does; started says it began.
func blockingRun(started chan<- ytdlp.Job) func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
	return func(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error) {
		os.WriteFile(filepath.Join(job.TempDir, "partial.mp4.part"), []byte("half"), 0o644)
		started <- job
		<-ctx.Done()
		return ytdlp.Result{}, &ytdlp.Error{Kind: ytdlp.Cancelled, Msg: "Stopped.", ExitCode: -1}
	}
}

func TestCancelRetryDelete(t *testing.T) {
	e := newEnv(t, nil)
	started := make(chan ytdlp.Job, 1)
	e.dl.setRun(blockingRun(started))
	e.start()
	d := e.submit(alice, "https://youtu.be/slow")
	job := <-started
	t0 := time.Now()
	r := e.do(alice, "POST", path(d.ID, "/cancel"), nil)
	if r.Code != 200 || r.download(t).Status != youtube.StatusCancelled {
		t.Fatalf("cancel: %d %+v", r.Code, r.Body.Error)
	}
	if time.Since(t0) > 5*time.Second {
		t.Fatal("cancel took over 5 s")
	}
	if _, err := os.Stat(job.TempDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partial files left: %v", err)
	}
	if r := e.do(alice, "POST", path(d.ID, "/cancel"), nil); r.Code != 409 || r.Body.Error.Code != "CONFLICT" {
		t.Fatalf("cancel twice: %d", r.Code)
	}
	e.dl.setRun(nil)
	r = e.do(alice, "POST", path(d.ID, "/retry"), nil)
	if got := r.download(t); r.Code != 200 || got.Status != youtube.StatusQueued || got.Attempts != 0 {
		t.Fatalf("retry: %d %+v", r.Code, got)
	}
	done := e.waitStatus(d.ID, youtube.StatusCompleted)
	file := filepath.Join(e.dir, filepath.FromSlash(done.Items[0].FilePath))

	// Deleting keeps the files unless asked; admins may delete anyone's.
	other := e.submit(bob, "https://youtu.be/other")
	e.waitStatus(other.ID, youtube.StatusCompleted)
	if r := e.do(admin, "DELETE", path(other.ID, ""), nil); r.Code != 204 {
		t.Fatalf("admin delete: %d", r.Code)
	}
	if r := e.do(bob, "GET", path(other.ID, ""), nil); r.Code != 404 {
		t.Fatalf("deleted download still there: %d", r.Code)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "Chan", "other [other].mp4")); err != nil {
		t.Fatalf("file removed without deleteFiles: %v", err)
	}
	if r := e.do(bob, "DELETE", path(d.ID, "?deleteFiles=true"), nil); r.Code != 404 {
		t.Fatalf("bob deleting alice's: %d", r.Code)
	}
	if r := e.do(alice, "DELETE", path(d.ID, "?deleteFiles=true"), nil); r.Code != 204 {
		t.Fatalf("delete with files: %d", r.Code)
	}
	for _, f := range []string{file, strings.TrimSuffix(file, ".mp4") + ".jpg"} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s survived deleteFiles: %v", f, err)
		}
	}
	e.rec.mu.Lock()
	n := 0
	for _, a := range e.rec.audits {
		if a.Action == "download.delete" {
			n++
		}
	}
	e.rec.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d download.delete audit entries, want 2", n)
	}
}

func TestDeleteRunningCancelsIt(t *testing.T) {
	e := newEnv(t, nil)
	started := make(chan ytdlp.Job, 1)
	e.dl.setRun(blockingRun(started))
	e.start()
	d := e.submit(alice, "https://youtu.be/slow")
	job := <-started
	if r := e.do(alice, "DELETE", path(d.ID, ""), nil); r.Code != 204 {
		t.Fatalf("delete running: %d", r.Code)
	}
	if _, err := os.Stat(job.TempDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partial files left: %v", err)
	}
}

func TestDeleteFilesStaysInsideDownloadDir(t *testing.T) {
	e := newEnv(t, nil)
	e.start()
	d := e.submit(alice, "https://youtu.be/abc")
	e.waitStatus(d.ID, youtube.StatusCompleted)
	e.stop()
	// Chan becomes a symlink to a folder outside download_dir that holds
	// a file of the same name.
	outside := t.TempDir()
	victim := filepath.Join(outside, "abc [abc].mp4")
	if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(e.dir, "Chan")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(e.dir, "Chan")); err != nil {
		t.Fatal(err)
	}
	if r := e.do(alice, "DELETE", path(d.ID, "?deleteFiles=true"), nil); r.Code != 204 {
		t.Fatalf("delete: %d %+v", r.Code, r.Body.Error)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("a file outside download_dir was deleted through a symlink: %v", err)
	}
}

func TestDisabled(t *testing.T) {
	e := newEnv(t, func(c *youtube.Config) { c.Enabled = false })
	for _, p := range []string{"/youtube/downloads", "/youtube/quota", "/youtube/metadata?url=https://youtu.be/x"} {
		if r := e.do(alice, "GET", p, nil); r.Code != 503 || r.Body.Error.Code != "SERVICE_UNAVAILABLE" || !strings.Contains(r.Body.Error.Message, "turned off") {
			t.Errorf("%s: %d %+v", p, r.Code, r.Body.Error)
		}
	}
}

// Two users who download the same video share its file (yt-dlp finds it
// already there): one of them deleting with deleteFiles must not take the
// file from the other.
func TestDeleteFilesKeepsAFileAnotherDownloadHas(t *testing.T) {
	e := newEnv(t, nil)
	e.start()
	a := e.waitStatus(e.submit(alice, "https://youtu.be/same").ID, youtube.StatusCompleted)
	b := e.waitStatus(e.submit(bob, "https://youtu.be/same").ID, youtube.StatusCompleted)
	if a.Items[0].FilePath != b.Items[0].FilePath {
		t.Fatalf("the two downloads have different files: %q %q", a.Items[0].FilePath, b.Items[0].FilePath)
	}
	file := filepath.Join(e.dir, filepath.FromSlash(a.Items[0].FilePath))
	if r := e.do(alice, "DELETE", path(a.ID, "?deleteFiles=true"), nil); r.Code != 204 {
		t.Fatalf("alice's delete: %d", r.Code)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("bob's file went with alice's download: %v", err)
	}
	if r := e.do(bob, "DELETE", path(b.ID, "?deleteFiles=true"), nil); r.Code != 204 {
		t.Fatalf("bob's delete: %d", r.Code)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the file survived its last download: %v", err)
	}
}
