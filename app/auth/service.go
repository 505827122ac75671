// Package auth is MediaNest's accounts and sign-in: users, sessions (an
// in-process LRU in front of SQLite), API tokens, passwords, Plex PIN
// sign-in, the middleware every other package puts in front of its handlers
// (RequireUser, RequireAdmin, Identify), the /api/v1/auth handlers, and the
// user operations the admin API and the CLI run.
//
// Revocation: every change that must end sessions (logout everywhere,
// password, role or status change, deletion) deletes the rows first and
// then evicts the user's entries from this process's cache, so the very
// next request re-reads the database. Another process (`medianest user
// disable` while the server runs) cannot reach this cache; it bumps the
// auth_epoch setting in the same transaction, and Run, polling it every
// EpochPoll (5 s), drops the whole cache when it moves. Independently, a
// cached copy never outlives auth.session_cache_ttl (a read of an older
// entry drops it and goes to the database), and a session whose row is gone ends at its next activity
// write (at most a minute of use later).
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"medianest/app/principal"
	"medianest/app/ratelimit"

	lru "github.com/hashicorp/golang-lru/v2"

	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/config"
	"medianest/app/httpx"
	"medianest/app/plex"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/db"
)

// PlexTV is the part of the plex.tv client sign-in uses (*plex.TV).
type PlexTV interface {
	CreatePIN(ctx context.Context) (plex.PIN, error)
	CheckPIN(ctx context.Context, id int64) (plex.PIN, error)
	AuthURL(authAppURL string, pin plex.PIN, forwardURL string) string
	User(ctx context.Context, token string) (plex.Account, error)
	Resources(ctx context.Context, token string) ([]plex.Resource, error)
}

// PlexServer is the part of the Plex Media Server client sign-in uses
// (*plex.PMS): the configured server's machine identifier.
type PlexServer interface {
	Identity(ctx context.Context, conn plex.Conn) (plex.ServerIdentity, error)
}

// Deps are what the auth service is built from. DB, Box and Config are
// required. Services, TV and PMS are needed only for Plex sign-in and Audit
// only to record; a CLI process leaves them nil (an interface field must then
// be a true nil, not a typed nil pointer).
type Deps struct {
	DB       *db.DB
	Box      *secret.Box
	Config   config.Config
	Services *services.Store
	TV       PlexTV
	PMS      PlexServer
	Audit    *audit.Recorder
	Logger   *slog.Logger
	Now      func() time.Time
	// EpochPoll is how often Run looks for revocations made by other
	// processes (the CLI); default 5s.
	EpochPoll time.Duration
	// Streams, when set, is told whose sessions just ended, so that live
	// event streams opened with them end too (the event hub).
	Streams Streams
}

// Streams ends live connections opened with sessions that no longer exist
// (*events.Hub).
type Streams interface {
	// DropUser ends userID's streams; 0 ends everyone's (another process
	// revoked sessions, and which ones is not known).
	DropUser(userID int64)
}

// Service is the auth service. Build it once per process with New.
type Service struct {
	db *db.DB
	// userCounts are the admin user list's totals by filter (and the
	// unfiltered one, which decides how a search pages), forgotten on each
	// write to users (writeUsers).
	userCounts db.Memo[int64]
	box        *secret.Box
	cfg        config.Auth
	plexCfg    config.Plex
	srvCfg     config.Server
	services   *services.Store
	tv         PlexTV
	pms        PlexServer
	audit      *audit.Recorder
	log        *slog.Logger
	now        func() time.Time

	hasher *hasher

	// cache maps the SHA-256 of a session or API token to what it proves.
	// fillMu orders cache fills after a database read against revocations,
	// and gen (guarded by fillMu) changes on every revocation, so a fill that
	// raced a revocation is dropped instead of resurrecting the session.
	// Entries expire cacheTTL after they were filled; expiry is checked on
	// read, so the cache needs no sweeper goroutine.
	cache    *lru.Cache[[32]byte, *entry]
	cacheTTL time.Duration
	fillMu   sync.Mutex
	gen      uint64

	epochMu   sync.Mutex
	epoch     int64 // the auth_epoch this process's cache is in step with
	epochPoll time.Duration

	pins         *pinStore
	loginLimit   *ratelimit.Keyed[netip.Prefix]
	accountLimit *ratelimit.Keyed[string]
	pinLimit     *ratelimit.Keyed[netip.Prefix]

	cop        *http.CrossOriginProtection
	deny       http.Handler
	cookiePath string

	streams Streams

	machineMu  sync.Mutex
	machineIDs map[string]string // Plex server URL -> last known machine identifier
}

// New builds the service and reads the current auth epoch. It starts no
// goroutine: background work happens only in Run.
func New(d Deps) (*Service, error) {
	if d.DB == nil || d.Box == nil {
		return nil, errors.New("auth: a database and a secret box are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.EpochPoll <= 0 {
		d.EpochPoll = 5 * time.Second
	}
	a := d.Config.Auth
	if a.SessionTTL <= 0 {
		a.SessionTTL = config.Duration(24 * time.Hour)
	}
	if a.RememberTTL < a.SessionTTL {
		a.RememberTTL = a.SessionTTL
	}
	if a.SessionCacheSize <= 0 {
		a.SessionCacheSize = 10000
	}
	if a.SessionCacheTTL <= 0 {
		a.SessionCacheTTL = config.Duration(5 * time.Minute)
	}
	if a.LoginRateLimit <= 0 {
		a.LoginRateLimit = 10
	}
	if a.MaxSessionsPerUser <= 0 {
		a.MaxSessionsPerUser = 20
	}
	cache, err := lru.New[[32]byte, *entry](a.SessionCacheSize)
	if err != nil {
		return nil, fmt.Errorf("auth: session cache: %w", err)
	}
	s := &Service{
		db: d.DB, box: d.Box, cfg: a, plexCfg: d.Config.Plex, srvCfg: d.Config.Server,
		services: d.Services, tv: d.TV, pms: d.PMS, audit: d.Audit, log: d.Logger, now: d.Now,
		hasher:       newHasher(),
		cache:        cache,
		cacheTTL:     a.SessionCacheTTL.D(),
		epochPoll:    d.EpochPoll,
		pins:         newPinStore(),
		loginLimit:   ratelimit.New[netip.Prefix](ratelimit.PerMinute(a.LoginRateLimit), a.LoginRateLimit, limiterSize),
		accountLimit: ratelimit.New[string](ratelimit.PerMinute(a.LoginRateLimit), accountBurst*a.LoginRateLimit, limiterSize),
		pinLimit:     ratelimit.New[netip.Prefix](pinRate, pinBurst, limiterSize),
		machineIDs:   map[string]string{},

		streams: d.Streams,
	}
	base, err := url.Parse(s.srvCfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("auth: server.base_url: %w", err)
	}
	s.cookiePath = strings.TrimRight(base.Path, "/")
	if s.cookiePath == "" {
		s.cookiePath = "/"
	}
	s.cop = http.NewCrossOriginProtection()
	if base.Scheme != "" && base.Host != "" {
		if err := s.cop.AddTrustedOrigin(base.Scheme + "://" + base.Host); err != nil {
			return nil, fmt.Errorf("auth: trust server.base_url: %w", err)
		}
	}
	s.deny = httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		return apperr.New(apperr.CrossOrigin, "Cross-origin requests with the session cookie are refused; use an API token.")
	})
	s.cop.SetDenyHandler(s.deny)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.epoch, err = readEpoch(ctx, s.db.R); err != nil {
		return nil, err
	}
	return s, nil
}

// Run does the service's background work until ctx ends: it deletes expired
// sessions hourly and, every EpochPoll, drops the session cache when another
// process (the CLI) has revoked sessions behind it. The server runs it in a
// goroutine; it returns nil when ctx ends.
func (s *Service) Run(ctx context.Context) error {
	cleanup := time.NewTicker(time.Hour)
	defer cleanup.Stop()
	poll := time.NewTicker(s.epochPoll)
	defer poll.Stop()
	s.cleanupLogged(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-cleanup.C:
			s.cleanupLogged(ctx)
		case <-poll.C:
			if _, err := s.SyncEpoch(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("auth: could not check for revoked sessions", "err", err)
			}
		}
	}
}

func (s *Service) cleanupLogged(ctx context.Context) {
	n, err := s.CleanupExpired(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("auth: could not delete expired sessions", "err", err)
	case n > 0:
		s.log.Debug("auth: deleted expired sessions and tokens", "count", n)
	}
}

// SyncEpoch reads the auth epoch and, when another process bumped it, drops
// every cached session so the next request of each re-reads the database.
// It reports whether the cache was dropped. Run calls it periodically.
func (s *Service) SyncEpoch(ctx context.Context) (bool, error) {
	v, err := readEpoch(ctx, s.db.R)
	if err != nil {
		return false, err
	}
	s.epochMu.Lock()
	changed := v != s.epoch
	s.epoch = v
	s.epochMu.Unlock()
	if changed {
		s.purgeCache()
		s.endStreams(0)
	}
	return changed, nil
}

// noteEpoch records an epoch this process bumped itself. Only the direct
// successor of what we knew is taken as ours: a gap means another process
// bumped in between, and the next poll must still purge.
func (s *Service) noteEpoch(v int64) {
	s.epochMu.Lock()
	if v == s.epoch+1 {
		s.epoch = v
	}
	s.epochMu.Unlock()
}

// SessionsCached is how many sessions and tokens the cache holds (expired
// ones not read since included), for the admin system page.
func (s *Service) SessionsCached() int { return s.cache.Len() }

// Providers is what GET /auth/providers answers.
type Providers struct {
	Plex bool `json:"plex"`
	// PlexConfigured tells the UI whether the Plex button can work: Plex
	// sign-in needs a configured Plex server.
	PlexConfigured bool `json:"plexConfigured"`
	Local          bool `json:"local"`
	SetupRequired  bool `json:"setupRequired"`
}

// Providers reports the sign-in methods and whether setup is still needed.
func (s *Service) Providers(ctx context.Context) (Providers, error) {
	p := Providers{Plex: s.cfg.PlexLogin, Local: s.cfg.LocalLogin}
	if s.services != nil {
		svc, err := s.services.Get(ctx, services.Plex)
		if err != nil {
			return Providers{}, err
		}
		p.PlexConfigured = svc.Configured()
	}
	admin, err := hasActiveAdmin(ctx, s.db.R)
	if err != nil {
		return Providers{}, err
	}
	p.SetupRequired = !admin
	return p, nil
}

// SetupHint returns the message the server logs at start while no active
// admin exists; ok is false once one does.
func (s *Service) SetupHint(ctx context.Context) (string, bool) {
	admin, err := hasActiveAdmin(ctx, s.db.R)
	if err != nil || admin {
		return "", false
	}
	return "No admin account exists yet: run `medianest user add --admin NAME`, or sign in with the Plex account that owns the server.", true
}

// record writes an audit entry; a nil recorder records nothing.
func (s *Service) record(ctx context.Context, e audit.Entry) {
	s.audit.Record(ctx, e)
}

func actorEntry(r *http.Request, u *principal.User, action, target, details string) audit.Entry {
	e := audit.Entry{Action: action, Target: target, Details: details, IP: httpx.ClientIP(r).String()}
	if u != nil {
		e.ActorID, e.ActorName = u.ID, u.Username
	}
	return e
}

// writeUsers is db.Write for writes that add, remove or change accounts:
// the remembered user counts are forgotten once it commits.
func (s *Service) writeUsers(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer s.userCounts.Invalidate()
	return s.db.Write(ctx, fn)
}
