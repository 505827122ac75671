package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"medianest/app/plex"
	"medianest/app/services"
	"medianest/app/ttlcache"
)

// PMS is the part of *plex.PMS the library browsing uses.
type PMS interface {
	ServerInfo(ctx context.Context, conn plex.Conn) (plex.ServerInfo, error)
	Sections(ctx context.Context, conn plex.Conn) ([]plex.Section, error)
	SectionCount(ctx context.Context, conn plex.Conn, key string) (int, error)
	SectionItems(ctx context.Context, conn plex.Conn, key string, offset, limit int, sort string) ([]plex.Item, int, error)
	RecentlyAdded(ctx context.Context, conn plex.Conn, limit int) ([]plex.Item, error)
	Search(ctx context.Context, conn plex.Conn, query string, limit int) ([]plex.Item, error)
	Metadata(ctx context.Context, conn plex.Conn, ratingKey string) (plex.Item, error)
	Collections(ctx context.Context, conn plex.Conn, sectionKey string) ([]plex.Item, error)
	CollectionItems(ctx context.Context, conn plex.Conn, ratingKey string) ([]plex.Item, error)
	Image(ctx context.Context, conn plex.Conn, path string, width, height int) ([]byte, string, error)
}

// TokenSource gives a Plex user's own server access token (*auth.Service);
// "" for accounts that have none (local accounts).
type TokenSource interface {
	PlexServerToken(ctx context.Context, userID int64) (string, error)
}

// LibraryDeps are what the library is built from. Services and PMS are
// required; the others may be nil in tests.
type LibraryDeps struct {
	Services ServiceStore
	PMS      PMS
	Tokens   TokenSource
	// BasePath is the path of server.base_url ("" or "/medianest"); image
	// URLs handed to browsers start with it.
	BasePath string
	// ImageDir caches Plex images and TMDB posters on disk;
	// ImageCacheBytes bounds it (DefaultImageCacheBytes when 0).
	ImageDir        string
	ImageCacheBytes int64
	// TMDBImageBase is where posters and backdrops are fetched from
	// (DefaultTMDBImageBase when empty); browsers load them through
	// GET /api/v1/media/image, never from TMDB directly.
	TMDBImageBase string
	// TMDB fetches them: an *upstream.Client named "tmdb"; nil gets one
	// with the default options.
	TMDB ImageFetcher
	Now  func() time.Time
}

// Library serves the Plex library (browsed with each caller's own access),
// Plex images and TMDB posters.
type Library struct {
	links
	svcs   ServiceStore
	pms    PMS
	tokens TokenSource
	now    func() time.Time

	plexCache *ttlcache.Cache[string, any]
	images    *imageCache
	tmdb      ImageFetcher
	tmdbBase  string
}

// plexTTL is how long Plex listings are cached: short, so new items show
// up quickly.
const plexTTL = 30 * time.Second

// NewLibrary builds the library. It creates ImageDir when missing.
func NewLibrary(d LibraryDeps) (*Library, error) {
	if d.Services == nil || d.PMS == nil {
		return nil, errors.New("media: Services and PMS are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	base, err := tmdbBase(d.TMDBImageBase)
	if err != nil {
		return nil, err
	}
	if d.TMDB == nil {
		d.TMDB = newTMDBClient()
	}
	l := &Library{
		links: newLinks(d.BasePath),
		svcs:  d.Services, pms: d.PMS, tokens: d.Tokens, now: d.Now,
		plexCache: ttlcache.New[string, any](2048, plexTTL, d.Now),
		tmdb:      d.TMDB, tmdbBase: base,
	}
	if d.ImageDir != "" {
		ic, err := newImageCache(d.ImageDir, d.ImageCacheBytes, d.Now)
		if err != nil {
			return nil, fmt.Errorf("media: image cache: %w", err)
		}
		l.images = ic
	}
	return l, nil
}

// OnServiceChange drops the cached library answers when an admin changes
// the Plex settings (register it with services.Store.OnChange). They are
// filed by server URL and token anyway; this only makes a change show at
// once.
func (s *Library) OnServiceChange(name string) {
	if name == services.Plex {
		s.plexCache.Purge()
	}
}
