package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"medianest/app/plex/plextest"
	"medianest/app/ytdlp/ytdlptest"
)

// The downloads end-to-end test drives YouTube downloads through the HTTP
// API with Debian's real yt-dlp and ffmpeg, against media served on
// 127.0.0.1 and the Plex Media Server fake, which "scans" the download
// folder it is told about.

// e2eDownload is the part of a Download the tests read.
type e2eDownload struct {
	ID             int64
	Status         string
	Kind           string
	Title          string
	Progress       float64
	Error          string
	Attempts       int
	PlexCollection *struct{ RatingKey, Title string }
	Items          []struct {
		Index     int
		Status    string
		FilePath  string
		SizeBytes int64
		Error     string
	}
}

type e2eQuota struct {
	Used, Limit   int
	WindowSeconds int
	ResetAt       *time.Time
	BytesUsed     int64
	BytesLimit    int64
	CanDownload   bool
}

// needDownloadTools skips the test when yt-dlp, ffmpeg or ffprobe is
// missing, unless MEDIANEST_E2E=1 asks for the tools, which makes a missing
// one a failure.
func needDownloadTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"yt-dlp", "ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("MEDIANEST_E2E") == "1" {
				t.Fatalf("MEDIANEST_E2E=1 but %s is not installed: %v", tool, err)
			}
			t.Skipf("%s is not installed (set MEDIANEST_E2E=1 to make this a failure)", tool)
		}
	}
}

// downloadsConfig writes a config for a server whose downloads go to
// downloadDir, which Plex sees as /plex/youtube.
func downloadsConfig(t *testing.T, dir, addr string, pms *plextest.PMS, tv *plextest.TV) (cfgPath, downloadDir string) {
	t.Helper()
	downloadDir = filepath.Join(dir, "downloads")
	cfgPath = filepath.Join(dir, "medianest.toml")
	cfg := e2eConfig(addr, filepath.Join(dir, "data"), pms, tv) + fmt.Sprintf(`
[youtube]
allowed_hosts = ["127.0.0.1"]
download_dir = %q
plex_path = "/plex/youtube"
quota_per_hour = 5
concurrency = 2
`, downloadDir)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// yt-dlp must reach 127.0.0.1 directly, whatever proxy the machine has.
	for _, v := range []string{"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"} {
		t.Setenv(v, "")
	}
	return cfgPath, downloadDir
}

// downloadsScenario is a server's config with the tools checked, media on
// 127.0.0.1, and a PMS fake whose scans find the downloaded files.
type downloadsScenario struct {
	media                           *ytdlptest.MediaServer
	pms                             *plextest.PMS
	dir, addr, cfgPath, downloadDir string
}

func newDownloadsScenario(t *testing.T) downloadsScenario {
	t.Helper()
	needDownloadTools(t)
	sc := downloadsScenario{media: ytdlptest.NewMediaServer(t), pms: youtubePMS(t), dir: t.TempDir(), addr: freeAddr(t)}
	sc.cfgPath, sc.downloadDir = downloadsConfig(t, sc.dir, sc.addr, sc.pms, plextest.NewTV(t))
	sc.pms.MapDisk("/plex/youtube", sc.downloadDir)
	return sc
}

// youtubePMS is a PMS fake with a YouTube library at /plex/youtube whose
// scans find the files in downloadDir.
func youtubePMS(t *testing.T) *plextest.PMS {
	pms := plextest.NewPMS(t)
	pms.Seed()
	pms.AddSection(plextest.Section{Key: "9", Title: "YouTube", Type: "movie", Locations: []string{"/plex/youtube"}})
	return pms
}

func localUser(t *testing.T, cfgPath, base, name, password string, admin bool) *e2eBrowser {
	t.Helper()
	args := []string{"user", "add", "--config", cfgPath, "--password-stdin"}
	if admin {
		args = append(args, "--admin")
	}
	if code, out, errs := runCLIWithStdin(t, password+"\n", append(args, name)...); code != 0 {
		t.Fatalf("user add %s: %d %s %s", name, code, out, errs)
	}
	b := newBrowser(t, base)
	b.expect(t, "POST", "/api/v1/auth/login", map[string]any{"username": name, "password": password}, 200)
	return b
}

func getDownload(t *testing.T, b *e2eBrowser, id int64) e2eDownload {
	t.Helper()
	return decode[e2eDownload](t, b.expect(t, "GET", "/api/v1/youtube/downloads/"+strconv.FormatInt(id, 10), nil, 200).Data)
}

// waitStatus waits until download id has status want, failing at once when
// it reaches another final status.
func waitStatus(t *testing.T, b *e2eBrowser, id int64, want string, within time.Duration) e2eDownload {
	t.Helper()
	var d e2eDownload
	eventually(t, within, "download "+strconv.FormatInt(id, 10)+" "+want, func() (bool, string) {
		d = getDownload(t, b, id)
		if d.Status != want && (d.Status == "failed" || d.Status == "completed" || d.Status == "cancelled") {
			t.Fatalf("download %d ended %s (want %s): %+v", id, d.Status, want, d)
		}
		return d.Status == want, d.Status
	})
	return d
}

func submit(t *testing.T, b *e2eBrowser, url string, status int) e2eReply {
	t.Helper()
	return b.expect(t, "POST", "/api/v1/youtube/downloads", map[string]any{"url": url, "quality": "720p", "format": "mp4"}, status)
}

// ffprobeTitle checks that file plays (ffprobe reads a duration) and
// returns its embedded title tag.
func ffprobeTitle(t *testing.T, file string) string {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration:format_tags=title", "-of", "json", file).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", file, err)
	}
	var probe struct {
		Format struct {
			Duration string
			Tags     map[string]string
		}
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatalf("ffprobe %s: %v: %s", file, err, out)
	}
	if d, _ := strconv.ParseFloat(probe.Format.Duration, 64); d <= 0 {
		t.Fatalf("%s does not play: %s", file, out)
	}
	return probe.Format.Tags["title"]
}

func TestE2EDownloads(t *testing.T) {
	sc := newDownloadsScenario(t)
	media, pms, addr, cfgPath, downloadDir := sc.media, sc.pms, sc.addr, sc.cfgPath, sc.downloadDir

	stop := startServer(t, addr, "--config", cfgPath)
	t.Cleanup(func() { stop() })
	base := "http://" + addr
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	admin := localUser(t, cfgPath, base, "admin", "admin-password-e2e-1", true)
	kid := localUser(t, cfgPath, base, "kid", "kid-password-e2e-2", false)
	events := kid.openEvents(t)
	t.Cleanup(events.close)

	var clip e2eDownload
	step("a clip, with progress over SSE, lands in Plex", func(t *testing.T) {
		meta := decode[struct {
			Kind, Title string
			EntryCount  int
		}](t, kid.expect(t, "GET", "/api/v1/youtube/metadata?url="+media.URL+"/clip.mp4", nil, 200).Data)
		if meta.Kind != "video" || meta.Title != "clip" || meta.EntryCount != 1 {
			t.Fatalf("metadata: %+v", meta)
		}
		d := decode[e2eDownload](t, submit(t, kid, media.URL+"/clip.mp4", 201).Data)
		if d.Status != "queued" {
			t.Fatalf("new download: %+v", d)
		}
		events.waitFor(t, "download.progress", 30*time.Second, func(raw json.RawMessage) bool {
			return decode[struct{ ID int64 }](t, raw).ID == d.ID
		})
		events.waitFor(t, "download.updated", 30*time.Second, func(raw json.RawMessage) bool {
			u := decode[e2eDownload](t, raw)
			return u.ID == d.ID && u.Status == "completed"
		})
		clip = getDownload(t, kid, d.ID)
		if len(clip.Items) != 1 || clip.Items[0].FilePath != "clip/clip [clip].mp4" || clip.Items[0].SizeBytes <= 0 || clip.Progress != 100 {
			t.Fatalf("completed clip: %+v", clip)
		}
		if title := ffprobeTitle(t, filepath.Join(downloadDir, clip.Items[0].FilePath)); title != "clip" {
			t.Errorf("embedded title %q, want clip", title)
		}
		eventually(t, 10*time.Second, "the scan of the clip's folder", func() (bool, string) {
			for _, r := range pms.Refreshes() {
				if r.SectionKey == "9" && r.Path == "/plex/youtube/clip" && r.InsideLocation {
					return true, ""
				}
			}
			return false, fmt.Sprint(pms.Refreshes())
		})
	})

	step("a two-clip playlist becomes a Plex collection", func(t *testing.T) {
		d := decode[e2eDownload](t, submit(t, kid, media.URL+"/playlist.html", 201).Data)
		if d.Kind != "playlist" || len(d.Items) != 2 {
			t.Fatalf("playlist: %+v", d)
		}
		d = waitStatus(t, kid, d.ID, "completed", 60*time.Second)
		for _, it := range d.Items {
			if it.Status != "completed" || !strings.HasPrefix(it.FilePath, "Holiday_Clips/") {
				t.Fatalf("playlist item: %+v", it)
			}
			ffprobeTitle(t, filepath.Join(downloadDir, it.FilePath))
		}
		eventually(t, 30*time.Second, "the collection", func() (bool, string) {
			d = getDownload(t, kid, d.ID)
			return d.PlexCollection != nil && d.PlexCollection.Title == "Holiday Clips", fmt.Sprint(d.PlexCollection)
		})
		c, ok := pms.Item(d.PlexCollection.RatingKey)
		if !ok || c.Type != "collection" || len(c.Members) != 2 {
			t.Fatalf("collection in Plex: %+v %v", c, ok)
		}
	})

	var slow e2eDownload
	step("a throttled download is cancelled within 5 s with nothing left", func(t *testing.T) {
		slow = decode[e2eDownload](t, submit(t, kid, media.URL+"/slow/trickle.mp4", 201).Data)
		// The same URL again while it is active is refused.
		if r := submit(t, kid, media.URL+"/slow/trickle.mp4", 409); r.Error.Code != "DUPLICATE_DOWNLOAD" {
			t.Fatalf("duplicate: %s", r.Body)
		}
		waitStatus(t, kid, slow.ID, "downloading", 30*time.Second)
		eventually(t, 30*time.Second, "progress of the throttled download", func() (bool, string) {
			d := getDownload(t, kid, slow.ID)
			return d.Progress > 0, fmt.Sprintf("%+v", d)
		})
		start := time.Now()
		d := decode[e2eDownload](t, kid.expect(t, "POST", fmt.Sprintf("/api/v1/youtube/downloads/%d/cancel", slow.ID), nil, 200).Data)
		if d.Status != "cancelled" {
			t.Fatalf("cancel: %+v", d)
		}
		eventually(t, 5*time.Second-time.Since(start), "no partial file", func() (bool, string) {
			left := partialFiles(t, downloadDir)
			return len(left) == 0, strings.Join(left, ", ")
		})
		kid.expect(t, "POST", fmt.Sprintf("/api/v1/youtube/downloads/%d/cancel", slow.ID), nil, 409)
	})

	step("the quota counts what was created, not retries", func(t *testing.T) {
		q := decode[e2eQuota](t, kid.expect(t, "GET", "/api/v1/youtube/quota", nil, 200).Data)
		if q.Used != 3 || q.Limit != 5 || q.WindowSeconds != 3600 || q.ResetAt == nil || !q.CanDownload {
			t.Fatalf("quota: %+v", q)
		}
		var want int64
		for _, id := range []int64{clip.ID} {
			for _, it := range getDownload(t, kid, id).Items {
				want += it.SizeBytes
			}
		}
		if q.BytesUsed < want || q.BytesLimit != 10<<30 {
			t.Fatalf("bytes: used %d, want at least %d; limit %d", q.BytesUsed, want, q.BytesLimit)
		}
		// A retry is not a new download.
		d := decode[e2eDownload](t, kid.expect(t, "POST", fmt.Sprintf("/api/v1/youtube/downloads/%d/retry", slow.ID), nil, 200).Data)
		if d.Status != "queued" {
			t.Fatalf("retry: %+v", d)
		}
		kid.expect(t, "POST", fmt.Sprintf("/api/v1/youtube/downloads/%d/cancel", slow.ID), nil, 200)
		submit(t, kid, media.URL+"/clip2.mp4", 201)
		submit(t, kid, media.URL+"/v/fifth.mp4", 201)
		q = decode[e2eQuota](t, kid.expect(t, "GET", "/api/v1/youtube/quota", nil, 200).Data)
		if q.Used != 5 || q.CanDownload {
			t.Fatalf("quota after five: %+v", q)
		}
		r := kid.call(t, "POST", "/api/v1/youtube/downloads", map[string]any{"url": media.URL + "/v/sixth.mp4"})
		if r.Status != 429 || r.Error.Code != "QUOTA_EXCEEDED" {
			t.Fatalf("sixth: %d %s", r.Status, r.Body)
		}
		if s, _ := strconv.Atoi(r.Header.Get("Retry-After")); s <= 0 || s > 3600 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
	})

	step("the admin sees everyone's downloads and deletes one with its files", func(t *testing.T) {
		r := admin.expect(t, "GET", "/api/v1/admin/downloads?status=completed", nil, 200)
		if metaInt(r, "total") < 2 {
			t.Fatalf("admin list: %s", r.Body)
		}
		kid.expect(t, "GET", "/api/v1/admin/downloads", nil, 403)
		file := filepath.Join(downloadDir, clip.Items[0].FilePath)
		admin.expect(t, "DELETE", fmt.Sprintf("/api/v1/youtube/downloads/%d?deleteFiles=true", clip.ID), nil, 204)
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Fatalf("the clip's file is still there: %v", err)
		}
		kid.expect(t, "GET", fmt.Sprintf("/api/v1/youtube/downloads/%d", clip.ID), nil, 404)
		audit := admin.expect(t, "GET", "/api/v1/admin/audit?action=download.delete", nil, 200)
		if metaInt(audit, "total") != 1 {
			t.Fatalf("audit: %s", audit.Body)
		}
	})
}

// partialFiles lists the partial files (.part, .ytdl, temporary folders'
// contents) under dir.
func partialFiles(t *testing.T, dir string) []string {
	t.Helper()
	var left []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if strings.HasSuffix(p, ".part") || strings.HasSuffix(p, ".ytdl") || strings.Contains(p, string(filepath.Separator)+".incomplete"+string(filepath.Separator)) {
			left = append(left, p)
		}
		return nil
	})
	return left
}

// TestE2EDownloadSurvivesSIGKILL kills the real binary mid-download and
// starts it again: the job finishes by itself and the file plays.
func TestE2EDownloadSurvivesSIGKILL(t *testing.T) {
	sc := newDownloadsScenario(t)
	media, dir, addr, cfgPath, downloadDir := sc.media, sc.dir, sc.addr, sc.cfgPath, sc.downloadDir

	bin := filepath.Join(dir, "medianest")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "server", "--config", cfgPath)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		eventually(t, 10*time.Second, "the server answers", func() (bool, string) {
			resp, err := http.Get("http://" + addr + "/health")
			if err != nil {
				return false, err.Error()
			}
			resp.Body.Close()
			return true, ""
		})
		return cmd
	}
	base := "http://" + addr
	srv := start()
	kid := localUser(t, cfgPath, base, "kid", "kid-password-e2e-2", false)

	// A download finished before the kill must survive it.
	done := decode[e2eDownload](t, submit(t, kid, media.URL+"/clip.mp4", 201).Data)
	done = waitStatus(t, kid, done.ID, "completed", 60*time.Second)

	d := decode[e2eDownload](t, submit(t, kid, media.URL+"/slow/trickle.mp4", 201).Data)
	eventually(t, 30*time.Second, "progress before the kill", func() (bool, string) {
		d = getDownload(t, kid, d.ID)
		return d.Status == "downloading" && d.Progress > 0, fmt.Sprintf("%s %.1f", d.Status, d.Progress)
	})
	if err := srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()

	start()
	kid = newBrowser(t, base)
	kid.expect(t, "POST", "/api/v1/auth/login", map[string]any{"username": "kid", "password": "kid-password-e2e-2"}, 200)
	d = waitStatus(t, kid, d.ID, "completed", 90*time.Second)
	if len(d.Items) != 1 || d.Items[0].Status != "completed" {
		t.Fatalf("after the restart: %+v", d)
	}
	ffprobeTitle(t, filepath.Join(downloadDir, d.Items[0].FilePath))
	if media.Requests("/slow/trickle.mp4") < 2 {
		t.Errorf("the restarted server did not download again: %d requests", media.Requests("/slow/trickle.mp4"))
	}
	if again := getDownload(t, kid, done.ID); again.Status != "completed" || len(again.Items) != 1 || again.Items[0].FilePath != done.Items[0].FilePath {
		t.Errorf("the download completed before the kill changed: %+v", again)
	}
	ffprobeTitle(t, filepath.Join(downloadDir, done.Items[0].FilePath))
	if left := partialFiles(t, downloadDir); len(left) != 0 {
		t.Fatalf("partial files left: %v", left)
	}
}
