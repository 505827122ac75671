// Package media is what users do with movies and shows: search and request
// them through Overseerr (with the status of each request tracked back by
// the Overseerr webhook and a periodic reconcile), browse what is already
// on the Plex server with their own server access token, and see their
// numbers on the dashboard.
package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/notify"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/services"
	"medianest/db"
)

// Overseerr is the part of *overseerr.Client the requests use.
type Overseerr interface {
	Search(ctx context.Context, conn overseerr.Conn, query string, page int) (overseerr.SearchPage, error)
	Movie(ctx context.Context, conn overseerr.Conn, tmdbID int64) (overseerr.Details, error)
	TV(ctx context.Context, conn overseerr.Conn, tmdbID int64) (overseerr.Details, error)
	CreateRequest(ctx context.Context, conn overseerr.Conn, asUserID int64, mediaType string, tmdbID int64, seasons []int, allSeasons bool) (overseerr.Request, error)
	Request(ctx context.Context, conn overseerr.Conn, id int64) (overseerr.Request, error)
	DeleteRequest(ctx context.Context, conn overseerr.Conn, id int64) error
	Approve(ctx context.Context, conn overseerr.Conn, id int64) (overseerr.Request, error)
	Decline(ctx context.Context, conn overseerr.Conn, id int64) (overseerr.Request, error)
	Users(ctx context.Context, conn overseerr.Conn) ([]overseerr.User, error)
}

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

// ServiceStore reads the current upstream settings (*services.Store); they
// can change while the server runs, so they are read on every call.
type ServiceStore interface {
	Get(ctx context.Context, name string) (services.Service, error)
}

// TokenSource gives a Plex user's own server access token (*auth.Service);
// "" for accounts that have none (local accounts).
type TokenSource interface {
	PlexServerToken(ctx context.Context, userID int64) (string, error)
}

// Notifier creates in-app notifications (*notify.Service).
type Notifier interface {
	Notify(ctx context.Context, userID int64, n notify.Notification) (notify.Notification, error)
}

// Publisher pushes events to browsers without blocking (*events.Hub).
type Publisher interface {
	Publish(events.Event)
}

// Auditor records admin actions (*audit.Recorder).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry)
}

// Downloads counts a user's downloads by status (*youtube.Store); the
// dashboard shows them beside the requests.
type Downloads interface {
	StatusCounts(ctx context.Context, userID int64) (map[string]int64, error)
}

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireUser(http.Handler) http.Handler
	RequireAdmin(http.Handler) http.Handler
}

// Config is the [overseerr] settings the requests need.
type Config struct {
	// WebhookSecret is what Overseerr sends as Authorization; empty turns
	// the webhook off (404).
	WebhookSecret string
	// ReconcileInterval is how often non-final requests are refreshed from
	// Overseerr; 0 turns the reconcile off.
	ReconcileInterval time.Duration
	// RequestQuota is how many requests a user may make per
	// RequestQuotaDays unless the user has an override; 0 is unlimited.
	RequestQuota     int
	RequestQuotaDays int
}

// Deps are what the service is built from. DB, Services, Overseerr and PMS
// are required; the others may be nil in tests.
type Deps struct {
	DB        *db.DB
	Services  ServiceStore
	Overseerr Overseerr
	PMS       PMS
	Tokens    TokenSource
	Notifier  Notifier
	Events    Publisher
	Audit     Auditor
	Downloads Downloads
	Config    Config
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
	// Logger is for background work (reconcile); request handlers log
	// through the request's logger.
	Logger *slog.Logger
	Now    func() time.Time
}

// Service serves the media requests, the Plex library and the dashboard
// numbers.
type Service struct {
	db        *db.DB
	svcs      ServiceStore
	os        Overseerr
	pms       PMS
	tokens    TokenSource
	notifier  Notifier
	pub       Publisher
	audit     Auditor
	downloads Downloads
	cfg       Config
	basePath  string
	log       *slog.Logger
	now       func() time.Time

	searches   *expirable.LRU[searchKey, overseerr.SearchPage]
	userMap    *expirable.LRU[int64, int64]
	plexCache  *expirable.LRU[string, any]
	images     *imageCache
	tmdb       ImageFetcher
	tmdbBase   string
	createLock keyedMutex
	counts     countCache
}

// Cache lifetimes. Search pages change little in seconds and a user
// paging back and forth should not wait on TMDB; the Overseerr user mapping
// changes only when an admin imports users; Plex listings are short-lived
// so new items show up quickly.
const (
	searchTTL  = 10 * time.Second
	userMapTTL = 5 * time.Minute
	plexTTL    = 30 * time.Second
)

func newSearchCache() *expirable.LRU[searchKey, overseerr.SearchPage] {
	return expirable.NewLRU[searchKey, overseerr.SearchPage](512, nil, searchTTL)
}

// New builds the service. It creates ImageDir when missing.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Services == nil || d.Overseerr == nil || d.PMS == nil {
		return nil, errors.New("media: DB, Services, Overseerr and PMS are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Config.RequestQuotaDays < 1 {
		d.Config.RequestQuotaDays = 7
	}
	base, err := tmdbBase(d.TMDBImageBase)
	if err != nil {
		return nil, err
	}
	if d.TMDB == nil {
		d.TMDB = newTMDBClient()
	}
	s := &Service{
		db: d.DB, svcs: d.Services, os: d.Overseerr, pms: d.PMS, tokens: d.Tokens,
		notifier: d.Notifier, pub: d.Events, audit: d.Audit, downloads: d.Downloads, cfg: d.Config,
		basePath: trimBase(d.BasePath), log: d.Logger, now: d.Now,
		searches:  newSearchCache(),
		userMap:   expirable.NewLRU[int64, int64](4096, nil, userMapTTL),
		plexCache: expirable.NewLRU[string, any](2048, nil, plexTTL),
		tmdb:      d.TMDB, tmdbBase: base,
	}
	if d.ImageDir != "" {
		ic, err := newImageCache(d.ImageDir, d.ImageCacheBytes)
		if err != nil {
			return nil, fmt.Errorf("media: image cache: %w", err)
		}
		s.images = ic
	}
	return s, nil
}

func trimBase(p string) string {
	for len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

// publish sends an event when a publisher is wired.
func (s *Service) publish(e events.Event) {
	if s.pub != nil {
		s.pub.Publish(e)
	}
}

// OnServiceChange drops what was cached about a service whose settings an
// admin just changed (register it with services.Store.OnChange): search
// pages and the Overseerr user mapping for overseerr, library answers for
// plex. Plex answers are filed by server URL and token anyway; this only
// makes a change show at once.
func (s *Service) OnServiceChange(name string) {
	switch name {
	case services.Overseerr:
		s.searches.Purge()
		s.userMap.Purge()
	case services.Plex:
		s.plexCache.Purge()
	}
}
