package youtube

import (
	"context"
	"time"

	"medianest/app/apperr"
	"medianest/app/ytdlp"
)

// metaTTL is how long yt-dlp's description of a URL is reused: the preview
// a user looks at before pressing Download, and the submit right after,
// cost one yt-dlp run.
const metaTTL = 2 * time.Minute

// Metadata is the answer of GET /youtube/metadata.
type Metadata struct {
	Kind            string `json:"kind"`
	ID              string `json:"id"`
	Title           string `json:"title"`
	Channel         string `json:"channel"`
	DurationSeconds int64  `json:"durationSeconds"`
	ThumbnailURL    string `json:"thumbnailUrl"`
	EntryCount      int    `json:"entryCount"`
}

// info checks raw against the URL policy and describes it through yt-dlp
// (cached briefly). It returns the URL in its stored form.
func (s *Service) info(ctx context.Context, raw string) (string, ytdlp.Info, error) {
	url, err := s.urls.Check(ctx, raw)
	if err != nil {
		return "", ytdlp.Info{}, err
	}
	if info, ok := s.meta.Get(url); ok {
		return url, info, nil
	}
	info, err := s.dl.Metadata(ctx, url)
	if err != nil {
		return "", ytdlp.Info{}, metadataError(err)
	}
	s.meta.Add(url, info)
	return url, info, nil
}

// Metadata describes a URL before it is downloaded.
func (s *Service) Metadata(ctx context.Context, raw string) (Metadata, error) {
	if err := s.enabled(); err != nil {
		return Metadata{}, err
	}
	_, info, err := s.info(ctx, raw)
	if err != nil {
		return Metadata{}, err
	}
	return Metadata{Kind: info.Kind, ID: info.ID, Title: info.Title, Channel: info.Channel,
		DurationSeconds: info.DurationSeconds, ThumbnailURL: info.ThumbnailURL, EntryCount: info.EntryCount()}, nil
}

// enabled refuses everything while youtube.enabled is false.
func (s *Service) enabled() error {
	if !s.cfg.Enabled {
		return apperr.New(apperr.Unavailable, "YouTube downloads are turned off on this server (youtube.enabled = false).")
	}
	return nil
}
