package ytdlp

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// outputTemplate puts every video in a folder named for its playlist (or,
// for a single video, its channel, else its title), which is how Plex's
// "Other Videos" libraries show them. An alternate field rather than
// "%(playlist_title|)s" keeps a single video from landing at the
// filesystem root.
const outputTemplate = "%(playlist_title,channel,uploader,title)s/%(title)s [%(id)s].%(ext)s"

// donePrint names every finished file. It is written to /dev/stdout with
// --print-to-file rather than with --print, because --print switches yt-dlp
// into quiet mode, which also silences the "File is larger than
// max-filesize" line the runner needs to see (checked on 2023.03.04).
const donePrint = "after_move:DONE %(filepath)s"

// validate checks the job's choices against the fixed sets, so nothing a
// user typed reaches yt-dlp's options.
func validate(j Job) error {
	switch {
	case j.URL == "":
		return fmt.Errorf("ytdlp: a job needs a URL")
	case j.Dir == "" || j.TempDir == "":
		return fmt.Errorf("ytdlp: a job needs a download and a temporary folder")
	case !slices.Contains(Qualities, j.Quality):
		return fmt.Errorf("ytdlp: unknown quality %q", j.Quality)
	case !slices.Contains(Formats, j.Format):
		return fmt.Errorf("ytdlp: unknown format %q", j.Format)
	case j.Item < 0 || j.MaxFilesize < 0:
		return fmt.Errorf("ytdlp: negative playlist item or size limit")
	}
	return nil
}

// Args is yt-dlp's command line for a job (without the executable). The
// job must be valid (Download checks); only the URL comes from a user, and
// it comes last, after "--".
//
// --no-mtime: a finished file is dated when it arrived, not when the site
// last changed it, so Plex lists it under "Recently Added" and the date a
// user sees is the upload date embedded in the file's metadata.
func (r *Runner) Args(j Job) []string {
	a := []string{
		"--ignore-config", "--no-colors", "--newline", "--progress",
		"--progress-template", progressTemplate,
		"--print-to-file", donePrint, "/dev/stdout",
		"-P", "home:" + j.Dir, "-P", "temp:" + j.TempDir,
		"-o", outputTemplate, "--restrict-filenames", "--no-mtime",
	}
	if j.MaxFilesize > 0 {
		a = append(a, "--max-filesize", strconv.FormatInt(j.MaxFilesize, 10))
	}
	sel, sort := formatSelection(j.Quality, j.Format, r.ffmpeg != "")
	a = append(a, "-f", sel, "-S", sort)
	if r.ffmpeg != "" {
		if r.cfg.FFmpegPath != "" {
			a = append(a, "--ffmpeg-location", r.ffmpeg)
		}
		if j.Quality == "audio" {
			a = append(a, "-x", "--audio-format", audioFormat(j.Format))
		} else {
			a = append(a, "--merge-output-format", mergeFormat(j.Format))
		}
		a = append(a, "--embed-metadata")
		// yt-dlp 2023.03.04 cannot embed a cover into webm and fails the
		// whole download when it tries; keep the poster beside it instead.
		if j.Format == "webm" && j.Quality != "audio" {
			a = append(a, "--write-thumbnail")
		} else {
			a = append(a, "--embed-thumbnail")
		}
	} else {
		// Without ffmpeg nothing can be embedded (--embed-metadata runs
		// ffmpeg); Plex takes a same-named image beside a video as poster.
		a = append(a, "--write-thumbnail")
	}
	if j.Item > 0 {
		a = append(a, "--playlist-items", strconv.Itoa(j.Item))
	}
	return append(a, "--", j.URL)
}

// formatSelection returns -f and -S for a quality and container. Every
// selector ends in "/b" so a direct link, whose codecs and height yt-dlp
// does not know, still matches, and heights use "<=?" for the same reason.
// Without ffmpeg nothing can be merged, so only single-file formats qualify.
func formatSelection(quality, format string, ffmpeg bool) (sel, sort string) {
	sel, sort = selection(quality, format, ffmpeg)
	// Without a height bound the last two alternatives are the same "b".
	if s, ok := strings.CutSuffix(sel, "/b/b"); ok {
		sel = s + "/b"
	}
	return sel, sort
}

func selection(quality, format string, ffmpeg bool) (sel, sort string) {
	if quality == "audio" {
		ext := map[string]string{"mp4": "m4a", "mkv": "webm", "webm": "webm"}[format]
		return "ba[ext=" + ext + "]/ba/b", "acodec:" + map[string]string{"m4a": "aac", "webm": "opus"}[ext]
	}
	h, res := "", "res"
	if quality != "best" {
		n := quality[:len(quality)-1] // "1080p" → "1080"
		h, res = "[height<=?"+n+"]", "res:"+n
	}
	switch format {
	case "mp4":
		// H.264 + AAC in mp4 is what Plex direct-plays on nearly every client.
		sort = "vcodec:h264," + res + ",acodec:aac"
		if ffmpeg {
			return "bv*" + h + "[vcodec^=avc1][ext=mp4]+ba[ext=m4a]/b" + h + "[ext=mp4]/bv*" + h + "+ba/b" + h + "/b", sort
		}
		return "b" + h + "[vcodec^=avc1][ext=mp4]/b" + h + "[ext=mp4]/b" + h + "/b", sort
	case "webm":
		sort = res + ",vcodec:vp9,acodec:opus"
		if ffmpeg {
			return "bv*" + h + "[ext=webm]+ba[ext=webm]/b" + h + "[ext=webm]/bv*" + h + "+ba/b" + h + "/b", sort
		}
		return "b" + h + "[ext=webm]/b" + h + "/b", sort
	default: // mkv holds anything; prefer resolution, then H.264 for direct play.
		sort = res + ",vcodec:h264,acodec:aac"
		if ffmpeg {
			return "bv*" + h + "+ba/b" + h + "/b", sort
		}
		return "b" + h + "/b", sort
	}
}

// mergeFormat is --merge-output-format: webm cannot hold every codec the
// fallbacks may pick, so mkv stands in then.
func mergeFormat(format string) string {
	if format == "webm" {
		return "webm/mkv"
	}
	return format
}

// audioFormat is the -x target: AAC in m4a next to mp4, else opus.
func audioFormat(format string) string {
	if format == "mp4" {
		return "m4a"
	}
	return "opus"
}
