package ytdlp

import (
	"fmt"
	"strings"
)

// rule maps a phrase of a yt-dlp ERROR line (lower-cased) to what a user is
// told and whether trying again can help. Order matters: the first match
// wins, so specific phrases come before general ones.
type rule struct {
	phrases []string
	kind    Kind
	msg     string
}

var rules = []rule{
	{[]string{"private video", "video is private"}, Permanent, "The video is private."},
	{[]string{"sign in to confirm your age", "age-restricted", "age restricted"}, Permanent, "The video is age-restricted and cannot be downloaded."},
	{[]string{"members-only", "join this channel"}, Permanent, "The video is for channel members only."},
	{[]string{"unsupported url"}, Permanent, "This address is not a video yt-dlp can download."},
	{[]string{"requested format is not available"}, Permanent, "The chosen quality or format is not available for this video."},
	{[]string{"ffmpeg is not installed", "ffmpeg not found"}, Permanent, "This format needs ffmpeg, which is not installed."},
	{[]string{"video unavailable", "has been removed", "no longer available", "is not available", "account has been terminated", "does not exist"}, Permanent, "The video is unavailable or has been removed."},
	{[]string{"http error 404", "http error 410"}, Permanent, "The video was not found at that address."},
	{[]string{"http error 429", "too many requests", "rate-limit", "rate limit", "throttl"}, Transient, "The video site is limiting downloads; it will be tried again later."},
	{[]string{"http error 5"}, Transient, "The video site had a server error; it will be tried again later."},
	{[]string{"connection refused", "connection reset", "errno 111", "errno 104", "remote end closed", "network is unreachable"}, Transient, "The video site could not be reached; it will be tried again later."},
	{[]string{"timed out", "timeout"}, Transient, "The connection to the video site timed out; it will be tried again later."},
	{[]string{"name or service not known", "temporary failure in name resolution", "name resolution", "nodename nor servname", "getaddrinfo failed", "no address associated"}, Transient, "The video site's address could not be resolved; it will be tried again later."},
}

const maxDetail = 300

// classify turns a failed run (exit code, the tail of stderr) into an
// *Error. yt-dlp exits 1 for every reported error, so the ERROR: lines
// decide; exit 2 means our own command line was wrong.
func classify(exit int, stderr string) *Error {
	lines := errorLines(stderr)
	if exit == 2 {
		return &Error{Kind: Permanent, Msg: "yt-dlp did not accept its command line.", Detail: detail(lastLine(stderr)), ExitCode: exit}
	}
	for _, l := range lines {
		low := strings.ToLower(l)
		for _, r := range rules {
			for _, p := range r.phrases {
				if strings.Contains(low, p) {
					return &Error{Kind: r.kind, Msg: r.msg, Detail: detail(l), ExitCode: exit}
				}
			}
		}
	}
	d := lastLine(stderr)
	if len(lines) > 0 {
		d = lines[len(lines)-1]
	}
	return &Error{Kind: Transient, Msg: fmt.Sprintf("The download failed (yt-dlp exit status %d).", exit), Detail: detail(d), ExitCode: exit}
}

func errorLines(stderr string) []string {
	var out []string
	for l := range strings.Lines(stderr) {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "ERROR:") {
			out = append(out, l)
		}
	}
	return out
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

// detail trims a line for the log: at most maxDetail bytes, cut on a rune
// boundary.
func detail(l string) string {
	l = strings.TrimSpace(l)
	if len(l) <= maxDetail {
		return l
	}
	cut := maxDetail - len("…")
	for cut > 0 && !utf8RuneStart(l[cut]) {
		cut--
	}
	return l[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// humanSize formats a byte count in binary units for a user ("4 GiB",
// "1.5 MiB", "900 bytes").
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}[i]
}
