package ytdlp_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"medianest/app/ytdlp"
)

func fakeFFmpeg(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestArgs(t *testing.T) {
	ffmpeg := fakeFFmpeg(t)
	j := ytdlp.Job{URL: "https://www.youtube.com/watch?v=abc", Dir: "/media/youtube", TempDir: "/media/.incomplete/7",
		Quality: "1080p", Format: "mp4", MaxFilesize: 4 << 30, Item: 2}
	common := []string{"--ignore-config", "--no-colors", "--newline", "--progress",
		"--progress-template", "download:PROG %(progress.status)s %(progress.downloaded_bytes)s %(progress.total_bytes)s %(progress.total_bytes_estimate)s %(progress.eta)s %(progress.speed)s",
		"--print-to-file", "after_move:DONE %(filepath)s", "/dev/stdout",
		"-P", "home:/media/youtube", "-P", "temp:/media/.incomplete/7",
		"-o", "%(playlist_title,channel,uploader,title)s/%(title)s [%(id)s].%(ext)s", "--restrict-filenames", "--no-mtime",
		"--max-filesize", "4294967296"}
	tests := []struct {
		name   string
		ffmpeg string
		mod    func(*ytdlp.Job)
		want   []string
	}{
		{"1080p mp4 with ffmpeg", ffmpeg, nil, slices.Concat(common, []string{
			"-f", "bv*[height<=?1080][vcodec^=avc1][ext=mp4]+ba[ext=m4a]/b[height<=?1080][ext=mp4]/bv*[height<=?1080]+ba/b[height<=?1080]/b",
			"-S", "vcodec:h264,res:1080,acodec:aac",
			"--ffmpeg-location", ffmpeg, "--merge-output-format", "mp4", "--embed-metadata", "--embed-thumbnail",
			"--playlist-items", "2", "--", "https://www.youtube.com/watch?v=abc"})},
		{"1080p mp4 without ffmpeg", noFFmpeg, nil, slices.Concat(common, []string{
			"-f", "b[height<=?1080][vcodec^=avc1][ext=mp4]/b[height<=?1080][ext=mp4]/b[height<=?1080]/b",
			"-S", "vcodec:h264,res:1080,acodec:aac",
			"--write-thumbnail",
			"--playlist-items", "2", "--", "https://www.youtube.com/watch?v=abc"})},
		{"best webm", ffmpeg, func(j *ytdlp.Job) { j.Quality, j.Format, j.Item, j.MaxFilesize = "best", "webm", 0, 0 }, slices.Concat(common[:len(common)-2], []string{
			"-f", "bv*[ext=webm]+ba[ext=webm]/b[ext=webm]/bv*+ba/b",
			"-S", "res,vcodec:vp9,acodec:opus",
			"--ffmpeg-location", ffmpeg, "--merge-output-format", "webm/mkv", "--embed-metadata", "--write-thumbnail",
			"--", "https://www.youtube.com/watch?v=abc"})},
		{"audio for mp4", ffmpeg, func(j *ytdlp.Job) { j.Quality, j.Item, j.MaxFilesize = "audio", 0, 0 }, slices.Concat(common[:len(common)-2], []string{
			"-f", "ba[ext=m4a]/ba/b", "-S", "acodec:aac",
			"--ffmpeg-location", ffmpeg, "-x", "--audio-format", "m4a", "--embed-metadata", "--embed-thumbnail",
			"--", "https://www.youtube.com/watch?v=abc"})},
		{"audio without ffmpeg", noFFmpeg, func(j *ytdlp.Job) { j.Quality, j.Format, j.Item, j.MaxFilesize = "audio", "mkv", 0, 0 }, slices.Concat(common[:len(common)-2], []string{
			"-f", "ba[ext=webm]/ba/b", "-S", "acodec:opus", "--write-thumbnail",
			"--", "https://www.youtube.com/watch?v=abc"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := j
			if tt.mod != nil {
				tt.mod(&j)
			}
			got := ytdlp.New(ytdlp.Config{Path: "yt-dlp", FFmpegPath: tt.ffmpeg}).Args(j)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Args =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestArgsEveryChoice checks every quality and format: a "/b" fallback,
// optional heights, and nothing a user typed before "--".
func TestArgsEveryChoice(t *testing.T) {
	url := "--exec=touch /tmp/pwned"
	for _, ff := range []string{fakeFFmpeg(t), noFFmpeg} {
		r := ytdlp.New(ytdlp.Config{FFmpegPath: ff})
		for _, q := range ytdlp.Qualities {
			for _, f := range ytdlp.Formats {
				a := r.Args(ytdlp.Job{URL: url, Dir: "/d", TempDir: "/t", Quality: q, Format: f})
				sel := a[slices.Index(a, "-f")+1]
				if !strings.HasSuffix(sel, "/b") {
					t.Errorf("%s %s: selector %q has no /b fallback", q, f, sel)
				}
				if q != "best" && q != "audio" && !strings.Contains(sel, "[height<=?"+strings.TrimSuffix(q, "p")+"]") {
					t.Errorf("%s %s: selector %q does not bound the height", q, f, sel)
				}
				if i := slices.Index(a, "--"); i != len(a)-2 || a[len(a)-1] != url || slices.Contains(a[:i], url) {
					t.Errorf("%s %s: URL not alone after --: %q", q, f, a)
				}
			}
		}
	}
}

func TestHasFFmpeg(t *testing.T) {
	if !ytdlp.New(ytdlp.Config{FFmpegPath: fakeFFmpeg(t)}).HasFFmpeg() {
		t.Error("configured ffmpeg not found")
	}
	if ytdlp.New(ytdlp.Config{FFmpegPath: noFFmpeg}).HasFFmpeg() {
		t.Error("missing ffmpeg found")
	}
	t.Setenv("PATH", t.TempDir())
	if ytdlp.New(ytdlp.Config{}).HasFFmpeg() {
		t.Error("ffmpeg found on an empty PATH")
	}
}
