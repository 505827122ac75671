package youtube

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

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

// metaCache is a bounded LRU of yt-dlp answers that expire after a ttl,
// checked on read (no sweeper goroutine to outlive the service).
type metaCache struct {
	lru *lru.Cache[string, metaEntry]
	ttl time.Duration
	now func() time.Time
}

type metaEntry struct {
	info    ytdlp.Info
	expires time.Time
}

func newMetaCache(size int, ttl time.Duration, now func() time.Time) *metaCache {
	l, err := lru.New[string, metaEntry](size)
	if err != nil {
		panic(err) // only for size <= 0, a constant here
	}
	return &metaCache{lru: l, ttl: ttl, now: now}
}

func (c *metaCache) get(url string) (ytdlp.Info, bool) {
	e, ok := c.lru.Get(url)
	if !ok {
		return ytdlp.Info{}, false
	}
	if !c.now().Before(e.expires) {
		c.lru.Remove(url)
		return ytdlp.Info{}, false
	}
	return e.info, true
}

func (c *metaCache) add(url string, info ytdlp.Info) {
	c.lru.Add(url, metaEntry{info: info, expires: c.now().Add(c.ttl)})
}

// info checks raw against the URL policy and describes it through yt-dlp
// (cached briefly). It returns the URL in its stored form.
func (s *Service) info(ctx context.Context, raw string) (string, ytdlp.Info, error) {
	url, err := s.urls.Check(ctx, raw)
	if err != nil {
		return "", ytdlp.Info{}, err
	}
	if info, ok := s.meta.get(url); ok {
		return url, info, nil
	}
	info, err := s.dl.Metadata(ctx, url)
	if err != nil {
		return "", ytdlp.Info{}, metadataError(err)
	}
	s.meta.add(url, info)
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
