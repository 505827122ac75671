package youtube

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"medianest/app/audit"
	"medianest/app/events"
	"medianest/app/notify"
	"medianest/app/ttlcache"
	"medianest/app/ytdlp"
	"medianest/db"
)

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

// Usernames gives the usernames of accounts by id (*auth.Service): the
// users table is auth's, and listings show each download's owner.
type Usernames interface {
	Usernames(ctx context.Context, ids []int64) (map[int64]string, error)
}

// Guard is the authentication middleware (*auth.Service).
type Guard interface {
	RequireUser(http.Handler) http.Handler
	RequireAdmin(http.Handler) http.Handler
}

// Config is the [youtube] settings the downloader needs.
type Config struct {
	// Enabled false answers every /youtube route 503 and runs nothing.
	Enabled bool
	// DownloadDir is the absolute folder downloads land in.
	DownloadDir       string
	Concurrency       int
	MaxAttempts       int
	QuotaPerHour      int
	MaxBytesPerUser   int64
	MaxFilesize       int64
	Timeout           time.Duration
	MaxDuration       time.Duration // 0: no limit
	CreateCollections bool
	RequireApproval   bool

	// Backoff is the wait after the first passing failure, doubled for
	// each further one (30 s when 0, at most 30 min).
	Backoff time.Duration
	// Poll is how often idle workers look for work that became runnable
	// by the clock (a backoff ending) rather than by a submit (5 s when 0).
	Poll time.Duration
	// PlexRetry is how often a failed Plex scan or collection is tried
	// again (1 min when 0).
	PlexRetry time.Duration
}

// Deps are what the service is built from. DB, Downloader and URLs are
// required; the others may be nil (Library nil: no Plex to tell).
type Deps struct {
	DB         *db.DB
	Downloader Downloader
	URLs       URLChecker
	Library    Library
	Users      Usernames
	Notifier   Notifier
	Events     Publisher
	Audit      Auditor
	Config     Config
	Logger     *slog.Logger
	Now        func() time.Time
	// ImageTransport carries thumbnail fetches (nil: the default
	// transport); the timeout and the check of each redirect are the
	// service's own.
	ImageTransport http.RoundTripper
}

// Service is the YouTube downloader: submissions, the durable queue with
// its workers, and the Plex follow-up.
type Service struct {
	*Store
	dl       Downloader
	urls     URLChecker
	lib      Library
	users    Usernames
	notifier Notifier
	pub      Publisher
	audit    Auditor
	cfg      Config
	log      *slog.Logger
	now      func() time.Time

	meta   *ttlcache.Cache[string, ytdlp.Info]
	images *http.Client

	runs atomic.Int64 // numbers each run's folder of partial files

	mu   sync.Mutex
	jobs map[int64]*job // running downloads by id
	wake chan struct{}  // closed (and replaced) to wake idle workers
}

// Errors a running job is stopped with, to tell the worker why.
var (
	errCancelled = errors.New("youtube: download cancelled")
	errDeleted   = errors.New("youtube: download deleted")
)

// New builds the service.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Downloader == nil || d.URLs == nil {
		return nil, errors.New("youtube: DB, Downloader and URLs are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	c := &d.Config
	c.Concurrency = max(c.Concurrency, 1)
	c.MaxAttempts = max(c.MaxAttempts, 1)
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Hour
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
	if c.PlexRetry <= 0 {
		c.PlexRetry = time.Minute
	}
	s := &Service{
		Store: NewStore(d.DB),
		dl:    d.Downloader, urls: d.URLs, lib: d.Library, users: d.Users,
		notifier: d.Notifier, pub: d.Events, audit: d.Audit,
		cfg: d.Config, log: d.Logger, now: d.Now,
		meta: ttlcache.New[string, ytdlp.Info](256, metaTTL, d.Now),
		jobs: map[int64]*job{},
		wake: make(chan struct{}),
	}
	s.images = newImageClient(d.ImageTransport, s.thumbnailAllowed)
	return s, nil
}

// publish sends an event when a publisher is wired.
func (s *Service) publish(e events.Event) {
	if s.pub != nil {
		s.pub.Publish(e)
	}
}

// announce publishes download.updated for id (to its owner and admins),
// read fresh from the database.
func (s *Service) announce(ctx context.Context, id int64) {
	d, err := s.get(context.WithoutCancel(ctx), id)
	if err != nil {
		s.log.Warn("youtube: announce download", "download", id, "err", err)
		return
	}
	s.publishUpdated(d)
}

func (s *Service) publishUpdated(d Download) {
	s.publish(events.Event{Type: events.DownloadUpdated, Data: d, UserID: d.UserID, Admins: true})
}

// notify tells the owner of d something, logging a failure.
func (s *Service) notify(ctx context.Context, d Download, typ, title, msg string) {
	if s.notifier == nil {
		return
	}
	n := notify.Notification{Type: typ, Title: title, Message: msg, Link: "/downloads"}
	if _, err := s.notifier.Notify(context.WithoutCancel(ctx), d.UserID, n); err != nil {
		s.log.Warn("youtube: notify", "download", d.ID, "type", typ, "err", err)
	}
}

// get loads download id with its items and its owner's name.
func (s *Service) get(ctx context.Context, id int64) (Download, error) {
	d, err := getDownload(ctx, s.db.R, id)
	if err != nil {
		return Download{}, err
	}
	s.withNames(ctx, []*Download{&d})
	return d, nil
}

// withNames fills in the owners' usernames.
func (s *Service) withNames(ctx context.Context, ds []*Download) {
	if s.users == nil || len(ds) == 0 {
		return
	}
	ids := make([]int64, 0, len(ds))
	for _, d := range ds {
		ids = append(ids, d.UserID)
	}
	names, err := s.users.Usernames(ctx, ids)
	if err != nil {
		s.log.Warn("youtube: usernames", "err", err)
		return
	}
	for _, d := range ds {
		d.Username = names[d.UserID]
	}
}

// kick wakes the idle workers: there may be work.
func (s *Service) kick() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *Service) woken() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake
}

// backoff is the wait before attempt n+1 after n passing failures.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < n && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}
