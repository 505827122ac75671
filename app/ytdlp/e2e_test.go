package ytdlp_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medianest/app/ytdlp"
	"medianest/app/ytdlp/ytdlptest"
)

// These tests run Debian's real yt-dlp (and ffmpeg, where it matters)
// against ytdlptest's media server on 127.0.0.1. A missing tool skips
// them, unless MEDIANEST_E2E=1 (CI), where it fails them.

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("MEDIANEST_E2E") == "1" {
		t.Fatalf("%s is not installed, and MEDIANEST_E2E=1 requires it", name)
	}
	t.Skipf("%s is not installed; install it (apt-get install yt-dlp ffmpeg) or set MEDIANEST_E2E=1 to make this a failure", name)
	return ""
}

// realRunner is the runner for the installed yt-dlp, with the machine's
// ffmpeg when withFFmpeg is set and none otherwise.
func realRunner(t *testing.T, withFFmpeg bool) *ytdlp.Runner {
	t.Helper()
	cfg := ytdlp.Config{Path: tool(t, "yt-dlp"), FFmpegPath: noFFmpeg}
	if withFFmpeg {
		cfg.FFmpegPath = tool(t, "ffmpeg")
	}
	// A proxy from the environment must not stand between yt-dlp and the
	// loopback server (Python ignores empty proxy variables).
	for _, v := range []string{"http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"} {
		t.Setenv(v, "")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return ytdlp.New(cfg)
}

func realJob(t *testing.T, url string) ytdlp.Job {
	j := job(t)
	j.URL = url
	return j
}

func TestRealDownload(t *testing.T) {
	for _, withFFmpeg := range []bool{false, true} {
		name := map[bool]string{false: "without ffmpeg", true: "with ffmpeg"}[withFFmpeg]
		t.Run(name, func(t *testing.T) {
			r := realRunner(t, withFFmpeg)
			srv := ytdlptest.NewMediaServer(t)
			j := realJob(t, srv.URL+"/clip.mp4")
			var mu sync.Mutex
			var last ytdlp.Progress
			j.Progress = func(p ytdlp.Progress) { mu.Lock(); last = p; mu.Unlock() }
			res, err := r.Download(context.Background(), j)
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(j.Dir, "clip", "clip [clip].mp4")
			if !slices.Equal(res.Files, []string{want}) {
				t.Fatalf("Files = %q, want %q", res.Files, want)
			}
			if last.Status != "finished" || last.Total != int64(len(ytdlptest.Clip)) || last.Percent() != 100 {
				t.Errorf("last progress = %+v", last)
			}
			if got := files(t, j.TempDir); len(got) != 0 {
				t.Errorf("left in TempDir: %q", got)
			}
			st, err := os.Stat(want)
			if err != nil {
				t.Fatal(err)
			}
			// --no-mtime: dated when it arrived, not by Last-Modified.
			if st.ModTime().Before(time.Now().Add(-time.Hour)) {
				t.Errorf("mtime %v is the server's Last-Modified", st.ModTime())
			}
			if !withFFmpeg {
				if st.Size() != int64(len(ytdlptest.Clip)) {
					t.Errorf("size %d, want %d", st.Size(), len(ytdlptest.Clip))
				}
				return
			}
			out, err := exec.Command(tool(t, "ffprobe"), "-v", "error", "-show_entries", "format_tags=title", "-of", "default=nw=1:nk=1", want).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(out)); got != "clip" {
				t.Errorf("embedded title = %q, want clip", got)
			}
		})
	}
}

func TestRealPlaylistItemByItem(t *testing.T) {
	r := realRunner(t, false)
	srv := ytdlptest.NewMediaServer(t)
	j := realJob(t, srv.URL+"/playlist.html")
	for i := 1; i <= 2; i++ {
		j.Item = i
		res, err := r.Download(context.Background(), j)
		if err != nil {
			t.Fatal(err)
		}
		n := strconv.Itoa(i)
		want := filepath.Join(j.Dir, "Holiday_Clips", "Holiday_Clips_"+n+" [playlist-"+n+"].mp4")
		if !slices.Equal(res.Files, []string{want}) {
			t.Fatalf("item %d: Files = %q, want %q", i, res.Files, want)
		}
		if i == 1 && srv.Requests("/clip2.mp4") != 0 {
			t.Errorf("item 1 fetched the second clip %d times", srv.Requests("/clip2.mp4"))
		}
	}
	if got := files(t, j.Dir); len(got) != 2 {
		t.Errorf("Dir = %q", got)
	}
}

func TestRealMaxFilesize(t *testing.T) {
	r := realRunner(t, false)
	srv := ytdlptest.NewMediaServer(t)
	j := realJob(t, srv.URL+"/clip.mp4")
	j.MaxFilesize = 10 << 10
	_, err := r.Download(context.Background(), j)
	if e := asError(t, err); e.Kind != ytdlp.TooLarge || e.Msg != "The file is larger than the 10 KiB limit." {
		t.Fatalf("got %v %q, want TooLarge", e.Kind, e.Msg)
	}
	if got := files(t, j.Dir); len(got) != 0 {
		t.Errorf("Dir = %q", got)
	}
}

func TestRealNotFound(t *testing.T) {
	r := realRunner(t, false)
	srv := ytdlptest.NewMediaServer(t)
	_, err := r.Download(context.Background(), realJob(t, srv.URL+"/missing.mp4"))
	if e := asError(t, err); e.Kind != ytdlp.Permanent || e.Msg != "The video was not found at that address." || !strings.Contains(e.Detail, "404") {
		t.Fatalf("got %v %q %q", e.Kind, e.Msg, e.Detail)
	}
}

func TestRealMetadata(t *testing.T) {
	r := realRunner(t, false)
	srv := ytdlptest.NewMediaServer(t)
	info, err := r.Metadata(context.Background(), srv.URL+"/clip.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if want := (ytdlp.Info{Kind: "video", ID: "clip", Title: "clip"}); !reflect.DeepEqual(info, want) {
		t.Errorf("clip: %+v, want %+v", info, want)
	}
	info, err = r.Metadata(context.Background(), srv.URL+"/playlist.html")
	if err != nil {
		t.Fatal(err)
	}
	want := ytdlp.Info{Kind: "playlist", ID: "playlist", Title: ytdlptest.PlaylistTitle, Entries: []ytdlp.Entry{
		{Index: 1, ID: "playlist-1", Title: "Holiday Clips (1)", URL: srv.URL + "/clip.mp4"},
		{Index: 2, ID: "playlist-2", Title: "Holiday Clips (2)", URL: srv.URL + "/clip2.mp4"},
	}}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("playlist: %+v, want %+v", info, want)
	}
}

func TestRealCancel(t *testing.T) {
	r := realRunner(t, false)
	srv := ytdlptest.NewMediaServer(t)
	j := realJob(t, srv.URL+"/slow/clip.mp4")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var once sync.Once
	var stopped time.Time
	j.Progress = func(p ytdlp.Progress) {
		if p.Downloaded > 0 {
			once.Do(func() { stopped = time.Now(); cancel(errShutdown) })
		}
	}
	_, err := r.Download(ctx, j)
	took := time.Since(stopped)
	if e := asError(t, err); e.Kind != ytdlp.Cancelled || !errors.Is(err, errShutdown) {
		t.Fatalf("err = %v, want Cancelled", err)
	}
	if took > 5*time.Second {
		t.Errorf("returned %v after the cancel", took)
	}
	if got := files(t, j.TempDir); len(got) != 1 || !strings.HasSuffix(got[0], ".part") {
		t.Errorf("TempDir = %q, want the partial file", got)
	}
	if pids := processesWith(t, j.TempDir); len(pids) != 0 {
		t.Errorf("processes still running for the job: %v", pids)
	}
	if err := os.RemoveAll(j.TempDir); err != nil {
		t.Fatal(err)
	}
	if got := files(t, j.Dir); len(got) != 0 {
		t.Errorf("Dir = %q after a cancel", got)
	}
}

// processesWith lists live processes whose command line mentions s.
func processesWith(t *testing.T, s string) []string {
	t.Helper()
	ents, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range ents {
		b, err := os.ReadFile(f)
		pid := filepath.Base(filepath.Dir(f))
		if err == nil && strings.Contains(string(b), s) && pid != "self" && running(mustAtoi(t, pid)) {
			out = append(out, pid+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
