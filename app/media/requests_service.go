package media

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/notify"
	"medianest/app/overseerr"
	"medianest/app/principal"
	"medianest/app/ratelimit"
	"medianest/app/services"
	"medianest/app/ttlcache"
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

// Usernames gives the usernames of accounts by id (*auth.Service): the
// users table is auth's, and request listings show their owners' names.
// An id without an account is absent from the answer.
type Usernames interface {
	Usernames(ctx context.Context, ids []int64) (map[int64]string, error)
}

// Recent gives the newest items of the libraries a user can see
// (*Library); the dashboard shows them beside the user's numbers.
type Recent interface {
	RecentlyAdded(ctx context.Context, u principal.User, limit int) ([]PlexItem, error)
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
	// FallbackUserID is the Overseerr user that requests are made as for
	// someone with no Overseerr user of their own (overseerr.fallback_user_id).
	// 0 holds such requests here, pending, until an admin approves them:
	// made with the API key alone they would be its owner's and approve
	// themselves.
	FallbackUserID int64
}

// RequestsDeps are what the requests are built from. DB, Services,
// Overseerr and Users are required; the others may be nil in tests.
type RequestsDeps struct {
	DB        *db.DB
	Services  ServiceStore
	Overseerr Overseerr
	Users     Usernames
	Notifier  Notifier
	Events    Publisher
	Audit     Auditor
	Downloads Downloads
	// Library gives the dashboard its recently added items; nil leaves
	// them empty.
	Library Recent
	Config  Config
	// BasePath is the path of server.base_url ("" or "/medianest"); poster
	// URLs handed to browsers start with it.
	BasePath string
	// Logger is for background work (reconcile); request handlers log
	// through the request's logger.
	Logger *slog.Logger
	Now    func() time.Time
}

// Requests serves the media search, the requests (with the Overseerr
// webhook and reconcile) and the dashboard numbers.
type Requests struct {
	links
	db        *db.DB
	svcs      ServiceStore
	os        Overseerr
	users     Usernames
	notifier  Notifier
	pub       Publisher
	audit     Auditor
	downloads Downloads
	library   Recent
	cfg       Config
	log       *slog.Logger
	now       func() time.Time

	searches   *ttlcache.Cache[searchKey, overseerr.SearchPage]
	userMap    *ttlcache.Cache[int64, int64]
	createLock keyedMutex
	// counts, statusCounts and userCounts remember request counts until
	// this package next writes media_requests (forget).
	counts       db.Memo[int64]
	statusCounts db.Memo[map[string]int64]
	userCounts   db.Memo[map[int64]int64]
	hookFails    *ratelimit.Keyed[netip.Prefix]
}

// Cache lifetimes. Search pages change little in seconds and a user
// paging back and forth should not wait on TMDB; the Overseerr user mapping
// changes only when an admin imports users.
const (
	searchTTL  = 10 * time.Second
	userMapTTL = 5 * time.Minute
)

func newSearchCache(now func() time.Time) *ttlcache.Cache[searchKey, overseerr.SearchPage] {
	return ttlcache.New[searchKey, overseerr.SearchPage](512, searchTTL, now)
}

// NewRequests builds the requests service.
func NewRequests(d RequestsDeps) (*Requests, error) {
	if d.DB == nil || d.Services == nil || d.Overseerr == nil || d.Users == nil {
		return nil, errors.New("media: DB, Services, Overseerr and Users are required")
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
	return &Requests{
		links: newLinks(d.BasePath),
		db:    d.DB, svcs: d.Services, os: d.Overseerr, users: d.Users,
		notifier: d.Notifier, pub: d.Events, audit: d.Audit, downloads: d.Downloads, library: d.Library,
		cfg: d.Config, log: d.Logger, now: d.Now,
		searches:  newSearchCache(d.Now),
		userMap:   ttlcache.New[int64, int64](4096, userMapTTL, d.Now),
		hookFails: ratelimit.New[netip.Prefix](ratelimit.PerMinute(webhookFailures), webhookFailures, failLimitSize),
	}, nil
}

// publish sends an event when a publisher is wired.
func (s *Requests) publish(e events.Event) {
	if s.pub != nil {
		s.pub.Publish(e)
	}
}

// OnServiceChange drops the search pages and the Overseerr user mapping
// when an admin changes the Overseerr settings (register it with
// services.Store.OnChange).
func (s *Requests) OnServiceChange(name string) {
	if name == services.Overseerr {
		s.searches.Purge()
		s.userMap.Purge()
	}
}
