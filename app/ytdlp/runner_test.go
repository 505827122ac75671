package ytdlp_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/ytdlp"
	"medianest/app/ytdlp/ytdlptest"
)

// noFFmpeg keeps the machine's ffmpeg out of tests that are about yt-dlp.
const noFFmpeg = "/nonexistent/ffmpeg"

func job(t *testing.T) ytdlp.Job {
	t.Helper()
	root := t.TempDir()
	return ytdlp.Job{URL: "https://www.youtube.com/watch?v=clip", Dir: filepath.Join(root, "media"), TempDir: filepath.Join(root, "incomplete"), Quality: "1080p", Format: "mp4"}
}

func fakeRunner(t *testing.T, scenario string) *ytdlp.Runner {
	return ytdlp.New(ytdlp.Config{Path: ytdlptest.Path(t, scenario), FFmpegPath: noFFmpeg})
}

func asError(t *testing.T, err error) *ytdlp.Error {
	t.Helper()
	var e *ytdlp.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *ytdlp.Error", err, err)
	}
	return e
}

// files lists every file under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestDownloadVideo(t *testing.T) {
	r := fakeRunner(t, "ok")
	j := job(t)
	var mu sync.Mutex
	var prog []ytdlp.Progress
	j.Progress = func(p ytdlp.Progress) { mu.Lock(); prog = append(prog, p); mu.Unlock() }
	res, err := r.Download(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(j.Dir, "Family_Videos", "clip [clip].mp4")
	if !slices.Equal(res.Files, []string{want}) {
		t.Fatalf("Files = %q, want %q", res.Files, want)
	}
	b, err := os.ReadFile(want)
	if err != nil || !bytes.Equal(b, ytdlptest.Clip) {
		t.Fatalf("downloaded file: %d bytes, %v", len(b), err)
	}
	if got := files(t, j.TempDir); len(got) != 0 {
		t.Errorf("left in TempDir: %q", got)
	}
	if len(prog) != 5 || prog[0].ETASeconds != -1 || prog[4].Status != "finished" || prog[4].Percent() != 100 {
		t.Errorf("progress = %+v", prog)
	}
	calls := ytdlptest.Calls(t)
	if len(calls) != 1 || !slices.Equal(calls[0], r.Args(j)) {
		t.Errorf("yt-dlp ran with %q, want %q", calls, r.Args(j))
	}
}

func TestDownloadPlaylistItemByItem(t *testing.T) {
	r := fakeRunner(t, "playlist")
	j := job(t)
	for i, name := range []string{"Holiday_Clips_1 [page-1].mp4", "Holiday_Clips_2 [page-2].mp4"} {
		j.Item = i + 1
		res, err := r.Download(context.Background(), j)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(j.Dir, "Holiday_Clips", name)
		if !slices.Equal(res.Files, []string{want}) {
			t.Fatalf("item %d: Files = %q, want %q", j.Item, res.Files, want)
		}
	}
	if got := files(t, j.Dir); len(got) != 2 {
		t.Errorf("Dir holds %q", got)
	}
}

func TestDownloadWholePlaylist(t *testing.T) {
	j := job(t)
	res, err := fakeRunner(t, "playlist").Download(context.Background(), j)
	if err != nil || len(res.Files) != 2 {
		t.Fatalf("Download = %q, %v; want two files", res.Files, err)
	}
}

func TestDownloadFailures(t *testing.T) {
	tests := []struct {
		scenario string
		kind     ytdlp.Kind
		msg      string
		detail   string
	}{
		{"private", ytdlp.Permanent, "The video is private.", "ERROR: [youtube] xXprivXx0: Private video."},
		{"unavailable", ytdlp.Permanent, "The video is unavailable or has been removed.", "ERROR: [youtube] xXgoneXx0: Video unavailable."},
		{"unsupported", ytdlp.Permanent, "This address is not a video yt-dlp can download.", "ERROR: Unsupported URL: https://www.youtube.com/watch?v=clip"},
		{"format", ytdlp.Permanent, "The chosen quality or format is not available for this video.", "ERROR: [generic] clip: Requested format"},
		{"http500", ytdlp.Transient, "The video site had a server error; it will be tried again later.", "ERROR: [generic] None: Unable to download webpage: HTTP Error 500"},
		{"badargs", ytdlp.Permanent, "yt-dlp did not accept its command line.", "yt-dlp: error: no such option: --bogus-flag"},
		{"toolarge", ytdlp.TooLarge, "The file is larger than the 10 KiB limit.", "[download] File is larger than max-filesize (15321 bytes > 10240 bytes). Aborting."},
		{"nofile", ytdlp.Permanent, "yt-dlp finished without producing a file.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			j := job(t)
			j.MaxFilesize = 10 << 10
			res, err := fakeRunner(t, tt.scenario).Download(context.Background(), j)
			e := asError(t, err)
			if e.Kind != tt.kind || e.Msg != tt.msg || !strings.HasPrefix(e.Detail, tt.detail) {
				t.Errorf("got %v %q %q; want %v %q %q…", e.Kind, e.Msg, e.Detail, tt.kind, tt.msg, tt.detail)
			}
			if len(e.Detail) > 300 || strings.Contains(e.Msg, "Traceback") || strings.Contains(e.Detail, "Traceback") {
				t.Errorf("detail too long or a stack: %q", e.Detail)
			}
			if len(res.Files) != 0 || len(files(t, j.Dir)) != 0 {
				t.Errorf("files after a failure: %q, %q", res.Files, files(t, j.Dir))
			}
		})
	}
}

// TestClassify runs the fake with the ERROR lines yt-dlp prints for each
// failure a user or the queue must tell apart.
func TestClassify(t *testing.T) {
	long := "ERROR: [youtube] x: " + strings.Repeat("é", 400)
	tests := []struct {
		exit   int
		stderr string
		kind   ytdlp.Kind
		msg    string
	}{
		{1, "ERROR: [generic] None: Unable to download webpage: HTTP Error 404: File not found (caused by <HTTPError 404: 'File not found'>)", ytdlp.Permanent, "The video was not found at that address."},
		{1, "ERROR: [generic] None: Unable to download webpage: HTTP Error 410: Gone", ytdlp.Permanent, "The video was not found at that address."},
		{1, "WARNING: [youtube] retrying\nERROR: [youtube] abc: HTTP Error 429: Too Many Requests", ytdlp.Transient, "The video site is limiting downloads; it will be tried again later."},
		{1, "ERROR: unable to download video data: HTTP Error 503: Service Unavailable", ytdlp.Transient, "The video site had a server error; it will be tried again later."},
		{1, "ERROR: [generic] Unable to download webpage: <urlopen error [Errno 111] Connection refused> (caused by URLError(ConnectionRefusedError(111, 'Connection refused')))", ytdlp.Transient, "The video site could not be reached; it will be tried again later."},
		{1, "ERROR: [generic] Unable to download webpage: [Errno 104] Connection reset by peer", ytdlp.Transient, "The video site could not be reached; it will be tried again later."},
		{1, "ERROR: [youtube] abc: Unable to download API page: The read operation timed out", ytdlp.Transient, "The connection to the video site timed out; it will be tried again later."},
		{1, "ERROR: [generic] Unable to download webpage: <urlopen error [Errno -3] Temporary failure in name resolution>", ytdlp.Transient, "The video site's address could not be resolved; it will be tried again later."},
		{1, "ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate for some users.", ytdlp.Permanent, "The video is age-restricted and cannot be downloaded."},
		{1, "ERROR: You have requested merging of multiple formats but ffmpeg is not installed. Aborting due to --abort-on-error", ytdlp.Permanent, "This format needs ffmpeg, which is not installed."},
		{1, "Traceback (most recent call last):\n  File \"x.py\"\nERROR: something new went wrong", ytdlp.Transient, "The download failed (yt-dlp exit status 1)."},
		{1, long, ytdlp.Transient, "The download failed (yt-dlp exit status 1)."},
		{101, "", ytdlp.Transient, "The download failed (yt-dlp exit status 101)."},
	}
	for i, tt := range tests {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			r := ytdlp.New(ytdlp.Config{Path: ytdlptest.Fail(t, tt.exit, tt.stderr), FFmpegPath: noFFmpeg})
			e := asError(t, func() error { _, err := r.Download(context.Background(), job(t)); return err }())
			if e.Kind != tt.kind || e.Msg != tt.msg || e.ExitCode != tt.exit {
				t.Errorf("got %v %q exit %d; want %v %q exit %d", e.Kind, e.Msg, e.ExitCode, tt.kind, tt.msg, tt.exit)
			}
			if len(e.Detail) > 300 || strings.Contains(e.Detail, "Traceback") || (strings.Contains(tt.stderr, "ERROR:") && !strings.HasPrefix(e.Detail, "ERROR:")) {
				t.Errorf("Detail = %q", e.Detail)
			}
		})
	}
}

func TestDownloadFlaky(t *testing.T) {
	r := fakeRunner(t, "flaky:2")
	j := job(t)
	for i := range 2 {
		_, err := r.Download(context.Background(), j)
		if e := asError(t, err); e.Kind != ytdlp.Transient {
			t.Fatalf("attempt %d: %v, want a transient failure", i+1, e)
		}
	}
	if res, err := r.Download(context.Background(), j); err != nil || len(res.Files) != 1 {
		t.Fatalf("third attempt: %q, %v", res.Files, err)
	}
}

func TestDownloadRejectsBadJobs(t *testing.T) {
	r := fakeRunner(t, "ok")
	for _, mod := range []func(*ytdlp.Job){
		func(j *ytdlp.Job) { j.Quality = "4k" },
		func(j *ytdlp.Job) { j.Quality = "--exec=rm -rf /" },
		func(j *ytdlp.Job) { j.Format = "avi" },
		func(j *ytdlp.Job) { j.URL = "" },
		func(j *ytdlp.Job) { j.Dir = "" },
		func(j *ytdlp.Job) { j.Item = -1 },
	} {
		j := job(t)
		mod(&j)
		if _, err := r.Download(context.Background(), j); err == nil {
			t.Errorf("Download(%+v) succeeded", j)
		}
	}
	if calls := ytdlptest.Calls(t); len(calls) != 0 {
		t.Errorf("yt-dlp ran for a bad job: %q", calls)
	}
}

func TestDownloadMissingExecutable(t *testing.T) {
	r := ytdlp.New(ytdlp.Config{Path: "/nonexistent/yt-dlp"})
	_, err := r.Download(context.Background(), job(t))
	if e := asError(t, err); e.Kind != ytdlp.Permanent || e.Msg != "yt-dlp is not installed at /nonexistent/yt-dlp." {
		t.Fatalf("got %v %q", e.Kind, e.Msg)
	}
	_, err = r.Metadata(context.Background(), "https://example.com/v")
	if e := asError(t, err); e.Kind != ytdlp.Permanent {
		t.Fatalf("Metadata: %v", e)
	}
}

var errShutdown = errors.New("server shutting down")

// TestDownloadCancel stops the slow scenario once it is downloading: the
// process group (yt-dlp and its child) is gone within 5 s, with SIGKILL for
// the one that ignores SIGTERM, and the cause reaches the caller.
func TestDownloadCancel(t *testing.T) {
	for _, scenario := range []string{"slow", "slow-stubborn"} {
		t.Run(scenario, func(t *testing.T) {
			r := fakeRunner(t, scenario)
			j := job(t)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			var once sync.Once
			var stopped time.Time
			j.Progress = func(ytdlp.Progress) {
				once.Do(func() { stopped = time.Now(); cancel(errShutdown) })
			}
			_, err := r.Download(ctx, j)
			took := time.Since(stopped)
			e := asError(t, err)
			if e.Kind != ytdlp.Cancelled || !errors.Is(err, errShutdown) {
				t.Fatalf("err = %v, want Cancelled by %v", err, errShutdown)
			}
			if took > 5*time.Second {
				t.Errorf("Download returned %v after the cancel", took)
			}
			pids := ytdlptest.Pids(t)
			if len(pids) != 2 {
				t.Fatalf("pids = %v", pids)
			}
			for _, pid := range pids {
				if running(pid) {
					t.Errorf("process %d still running", pid)
				}
			}
			if got := files(t, j.TempDir); len(got) != 1 || !strings.HasSuffix(got[0], ".part") {
				t.Errorf("TempDir = %q, want the .part", got)
			}
			if got := files(t, j.Dir); len(got) != 0 {
				t.Errorf("Dir = %q after a cancel", got)
			}
		})
	}
}

// running reports whether pid is a live process (a zombie is not).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || len(s) < i+3 || s[i+2] != 'Z'
}

func TestDownloadCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errShutdown)
	_, err := fakeRunner(t, "ok").Download(ctx, job(t))
	if e := asError(t, err); e.Kind != ytdlp.Cancelled || !errors.Is(err, errShutdown) {
		t.Fatalf("err = %v, want Cancelled by %v", err, errShutdown)
	}
}
