package youtube

import (
	"context"
	"errors"

	"medianest/app/ytdlp"
)

// The downloader's dependencies, each declared by what it needs here so
// tests can stand in for them and the server wires the real ones.

// Downloader runs yt-dlp (*ytdlp.Runner).
type Downloader interface {
	// Metadata describes a URL without downloading it.
	Metadata(ctx context.Context, url string) (ytdlp.Info, error)
	// Download runs one job to its end; a failure is a *ytdlp.Error.
	Download(ctx context.Context, job ytdlp.Job) (ytdlp.Result, error)
}

// URLChecker decides whether a user may download from a URL (*URLPolicy).
type URLChecker interface {
	// Check returns the URL in the form stored and passed to yt-dlp, or an
	// apperr.InvalidURL error whose message tells the user why not.
	Check(ctx context.Context, raw string) (string, error)
}

// Library is the Plex side of a finished download (*PlexLibrary).
type Library interface {
	// Scan asks Plex to scan the folder holding file, an absolute path
	// under youtube.download_dir.
	Scan(ctx context.Context, file string) error
	// Collect creates the collection named title, or extends the one that
	// exists, with the Plex items of files (absolute paths under
	// youtube.download_dir).
	Collect(ctx context.Context, title string, files []string) (Collection, error)
}

// Collection is a Plex collection a playlist was gathered into.
type Collection struct {
	RatingKey string `json:"ratingKey"`
	Title     string `json:"title"`
}

var (
	// ErrPlexNotConfigured: there is no Plex server (or no section to scan)
	// to tell; the download is complete without it and nothing is retried.
	ErrPlexNotConfigured = errors.New("youtube: plex is not configured for downloads")
	// ErrNotInPlexYet: Plex has not finished scanning the files, so they
	// cannot be put into a collection yet; try again later.
	ErrNotInPlexYet = errors.New("youtube: plex has not picked up the files yet")
)
