package ytdlp

import "fmt"

// Info is what yt-dlp says about a URL before anything is downloaded
// (`yt-dlp -J --flat-playlist`).
type Info struct {
	// Kind is "video" or "playlist".
	Kind    string
	ID      string
	Title   string
	Channel string // channel, else uploader, else "" (direct links have none)
	// DurationSeconds is the video's length, or for a playlist the sum of
	// the entries' known lengths; 0 when unknown (direct links).
	DurationSeconds int64
	ThumbnailURL    string
	// Entries are a playlist's videos in playlist order (Index from 1);
	// a video has none.
	Entries []Entry
}

// EntryCount is the number of videos the URL stands for: 1 for a video.
func (i Info) EntryCount() int {
	if i.Kind == "playlist" {
		return len(i.Entries)
	}
	return 1
}

// Entry is one video of a playlist.
type Entry struct {
	Index           int // playlist_index, from 1
	ID              string
	Title           string
	URL             string
	DurationSeconds int64 // 0 when unknown
}

// Job is one yt-dlp download: one video, or one item of a playlist.
type Job struct {
	URL string
	// Item, when > 0, downloads only that playlist item (--playlist-items),
	// so a playlist runs item by item and resumes from the one it reached.
	Item int
	// Dir is where finished files go (youtube.download_dir); TempDir holds
	// the partial files until yt-dlp moves them into Dir complete, so a
	// library scanner never sees a partial file. Removing TempDir removes
	// every partial file of the job.
	Dir     string
	TempDir string
	// Quality is one of Qualities, Format one of Formats.
	Quality string
	Format  string
	// MaxFilesize in bytes; 0 is no limit.
	MaxFilesize int64
	// Progress, when set, is called for every progress line, from the
	// goroutine reading yt-dlp's output (keep it quick).
	Progress func(Progress)
}

// Qualities and Formats are the only choices a user makes; everything else on
// yt-dlp's command line is fixed.
var (
	Qualities = []string{"best", "2160p", "1440p", "1080p", "720p", "480p", "360p", "audio"}
	Formats   = []string{"mp4", "mkv", "webm"}
)

// Progress is one parsed progress line.
type Progress struct {
	// Status is "downloading" or "finished".
	Status string
	// Downloaded and Total are bytes; Total is total_bytes, else
	// total_bytes_estimate, else 0 (unknown).
	Downloaded int64
	Total      int64
	// SpeedBps is bytes per second, 0 when unknown.
	SpeedBps int64
	// ETASeconds is -1 when unknown.
	ETASeconds int64
}

// Percent is Downloaded over Total in percent (0–100), 0 when the total is
// unknown. The Debian build of yt-dlp has no numeric _percent field, so it
// is computed here.
func (p Progress) Percent() float64 {
	if p.Total <= 0 {
		return 0
	}
	v := float64(p.Downloaded) * 100 / float64(p.Total)
	return min(max(v, 0), 100)
}

// Result is what a finished (exit 0) download produced.
type Result struct {
	// Files are the absolute paths of the finished files (the after_move
	// print), in order. Empty means yt-dlp produced nothing, which the
	// runner reports as an error, not as a Result.
	Files []string
}

// Kind classifies a failed run, which decides whether the queue tries again.
type Kind int

const (
	// Transient failures (network, HTTP 5xx, throttling, a timeout) may work
	// on a later attempt.
	Transient Kind = iota
	// Permanent failures (private or removed video, unsupported URL, no such
	// format, bad arguments) will fail the same way again.
	Permanent
	// TooLarge: the file is over Job.MaxFilesize (permanent).
	TooLarge
	// Cancelled: the job's context ended and the process was stopped.
	Cancelled
)

// Error is a failed yt-dlp run. Msg is one sentence a user understands
// ("The video is private."); Detail is yt-dlp's own ERROR line, trimmed, for
// the log.
type Error struct {
	Kind     Kind
	Msg      string
	Detail   string
	ExitCode int // -1 when the process did not exit normally
	// Cause is context.Cause of the job's context for a Cancelled run.
	Cause error
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return "yt-dlp: " + e.Msg
	}
	return fmt.Sprintf("yt-dlp: %s (%s)", e.Msg, e.Detail)
}

// Unwrap returns the cause a cancelled run was stopped with
// (context.Cause of the job's context), so a caller can tell a shutdown
// from a user's cancel with errors.Is.
func (e *Error) Unwrap() error { return e.Cause }
