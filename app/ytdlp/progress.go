package ytdlp

import (
	"math"
	"strconv"
	"strings"
)

// progressTemplate makes yt-dlp print one machine-readable line per
// progress tick: PROG status downloaded_bytes total_bytes
// total_bytes_estimate eta speed. Any numeric field may be "NA" (the first
// ticks have no eta or speed; chunked responses have no total).
const progressTemplate = "download:PROG %(progress.status)s %(progress.downloaded_bytes)s" +
	" %(progress.total_bytes)s %(progress.total_bytes_estimate)s %(progress.eta)s %(progress.speed)s"

// ParseProgress parses a line printed by progressTemplate. It reports false
// for any other line. Numbers that are "NA", negative, not finite or too
// large for an int64 count as unknown rather than spoiling the line.
func ParseProgress(line string) (Progress, bool) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "PROG ")
	if !ok {
		return Progress{}, false
	}
	var f [6]string
	for i := range f {
		if i == len(f)-1 {
			f[i] = rest
			break
		}
		var found bool
		f[i], rest, found = strings.Cut(rest, " ")
		if !found {
			return Progress{}, false
		}
	}
	if f[0] != "downloading" && f[0] != "finished" || strings.Contains(f[5], " ") {
		return Progress{}, false
	}
	var n [5]int64
	var known [5]bool
	for i := range n {
		if n[i], known[i], ok = number(f[i+1]); !ok {
			return Progress{}, false
		}
	}
	p := Progress{Status: f[0], Downloaded: n[0], Total: n[1], SpeedBps: n[4], ETASeconds: -1}
	if p.Total == 0 {
		p.Total = n[2]
	}
	if known[3] {
		p.ETASeconds = n[3]
	}
	return p, true
}

// number parses one numeric field (yt-dlp prints ints and floats such as
// 20413.536706622686). "NA", negative, non-finite and out-of-range values
// are unknown (0, known false); ok is false only for text that is not a
// number at all, which means the line is not ours.
func number(s string) (n int64, known, ok bool) {
	if s == "NA" {
		return 0, false, true
	}
	if integer(s) {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			return max(v, 0), v >= 0, true
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); !isNum || ne.Err != strconv.ErrRange {
			return 0, false, false
		}
	}
	if math.IsNaN(v) || v < 0 || v >= math.MaxInt64 {
		return 0, false, true
	}
	return int64(v), true, true
}

// integer reports whether s is a plain decimal integer, so the common
// case skips ParseFloat and ParseInt never fails (and allocates) on "1.5".
func integer(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
