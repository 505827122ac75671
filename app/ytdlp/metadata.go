package ytdlp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// maxMetadata bounds the JSON yt-dlp may print for one URL; a flat
// playlist of thousands of entries stays well under it.
const maxMetadata = 16 << 20

// Metadata describes a URL without downloading it (`yt-dlp -J
// --flat-playlist`): a playlist's entries are listed, not resolved. ctx
// bounds the time it may take.
func (r *Runner) Metadata(ctx context.Context, url string) (Info, error) {
	if url == "" {
		return Info{}, fmt.Errorf("ytdlp: metadata needs a URL")
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	g := r.command(ctx, []string{"--ignore-config", "--no-colors", "-J", "--flat-playlist", "--", url})
	cmd := g.cmd
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return Info{}, fmt.Errorf("ytdlp: %w", err)
	}
	stderr := &tailBuffer{max: stderrTail}
	cmd.Stderr = stderr
	if err := g.start(); err != nil {
		return Info{}, r.startError(ctx, err)
	}
	defer g.exited()
	out, rerr := io.ReadAll(io.LimitReader(stdout, maxMetadata+1))
	tooBig := len(out) > maxMetadata
	if tooBig {
		stop(errTooMuchMetadata)
	}
	_, _ = io.Copy(io.Discard, stdout)
	werr := cmd.Wait()
	switch {
	case tooBig:
		g.reap()
		return Info{}, &Error{Kind: Permanent, Msg: "The playlist is too large to list.", Detail: fmt.Sprintf("yt-dlp printed more than %s of metadata", humanSize(maxMetadata)), ExitCode: -1}
	case ctx.Err() != nil:
		g.reap()
		e := cancelled(ctx)
		e.Msg = "Looking the video up took too long or was stopped."
		return Info{}, e
	case werr != nil:
		return Info{}, exitError(werr, stderr.String())
	case rerr != nil:
		return Info{}, fmt.Errorf("ytdlp: reading metadata: %w", rerr)
	}
	info, err := parseInfo(out)
	if err != nil {
		return Info{}, &Error{Kind: Permanent, Msg: "yt-dlp described the video in a form MediaNest does not understand.", Detail: detail(err.Error())}
	}
	return info, nil
}

var errTooMuchMetadata = errors.New("ytdlp: metadata over the size limit")

// rawInfo is the part of yt-dlp's info dict MediaNest reads. Any field may
// be missing or null, flat entries especially.
type rawInfo struct {
	Type      string     `json:"_type"`
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Channel   string     `json:"channel"`
	Uploader  string     `json:"uploader"`
	Duration  *float64   `json:"duration"`
	Thumbnail string     `json:"thumbnail"`
	Entries   []rawEntry `json:"entries"`
}

type rawEntry struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	URL           string   `json:"url"`
	WebpageURL    string   `json:"webpage_url"`
	Duration      *float64 `json:"duration"`
	PlaylistIndex *int     `json:"playlist_index"`
}

func parseInfo(b []byte) (Info, error) {
	var raw rawInfo
	if err := json.Unmarshal(b, &raw); err != nil {
		return Info{}, fmt.Errorf("ytdlp: decoding -J output: %w", err)
	}
	info := Info{Kind: "video", ID: raw.ID, Title: raw.Title, Channel: raw.Channel, ThumbnailURL: raw.Thumbnail}
	if info.Channel == "" {
		info.Channel = raw.Uploader
	}
	if raw.Type != "playlist" && raw.Type != "multi_video" {
		info.DurationSeconds = seconds(raw.Duration)
		return info, nil
	}
	info.Kind = "playlist"
	info.Entries = make([]Entry, 0, len(raw.Entries))
	for i, e := range raw.Entries {
		en := Entry{Index: i + 1, ID: e.ID, Title: e.Title, URL: e.URL, DurationSeconds: seconds(e.Duration)}
		if e.PlaylistIndex != nil && *e.PlaylistIndex > 0 {
			en.Index = *e.PlaylistIndex
		}
		if en.URL == "" {
			en.URL = e.WebpageURL
		}
		info.DurationSeconds += en.DurationSeconds
		info.Entries = append(info.Entries, en)
	}
	return info, nil
}

// seconds rounds yt-dlp's float duration; unknown or nonsense is 0.
func seconds(d *float64) int64 {
	if d == nil || math.IsNaN(*d) || *d <= 0 || *d > math.MaxInt32 {
		return 0
	}
	return int64(math.Round(*d))
}
