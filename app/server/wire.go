package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medianest/app/notice"
	"medianest/app/principal"
	"medianest/app/youtube"
	"medianest/app/ytdlp"

	"medianest/app/admin"
	"medianest/app/apperr"
	"medianest/app/audit"
	"medianest/app/auth"
	"medianest/app/backup"
	"medianest/app/config"
	"medianest/app/events"
	"medianest/app/httpx"
	"medianest/app/kuma"
	"medianest/app/media"
	"medianest/app/notify"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/services"
	"medianest/app/status"
	"medianest/app/upstream"
)

// domains builds every domain service and registers its routes on mux.
func (s *Server) domains(ctx context.Context, mux *http.ServeMux, o Options) error {
	cfg := s.cfg
	now := o.Now
	if o.Box == nil {
		return fmt.Errorf("server: no secret box")
	}

	store := services.NewStore(s.db, o.Box, now)
	if err := store.Seed(ctx, cfg); err != nil {
		return err
	}
	cid, err := auth.ClientIdentifier(ctx, s.db, cfg.Plex.ClientIdentifier, now())
	if err != nil {
		return err
	}
	identity := plex.Identity{
		ClientID:   cid,
		Product:    cfg.Plex.Product,
		Version:    s.version,
		Platform:   "MediaNest",
		Device:     "MediaNest",
		DeviceName: cfg.Plex.Product,
	}
	plexTimeout := upstream.Options{Timeout: cfg.Plex.Timeout.D()}
	tv := plex.NewTV(cfg.Plex.PlexTVURL, identity, upstream.New("plex_tv", "plex.tv", plexTimeout))
	pms := plex.NewPMS(upstream.New("plex", "Plex", plexTimeout), identity)
	ovr := overseerr.New(upstream.Options{Timeout: cfg.Overseerr.Timeout.D()})

	rec := audit.New(s.db, now).WithLogger(s.log)
	hub := events.NewHub(s.log, events.WithMaxStreams(cfg.Server.MaxEventStreams))
	s.onShutdown = append(s.onShutdown, hub.Close)

	authSvc, err := auth.New(auth.Deps{
		DB: s.db, Box: o.Box, Config: cfg, Services: store,
		TV: tv, PMS: pms, Audit: rec, Logger: s.log, Now: now,
		Streams: hub,
	})
	if err != nil {
		return err
	}
	s.auth = authSvc
	authSvc.Routes(mux)
	s.workers = append(s.workers, Worker{Name: "session upkeep", Run: authSvc.Run})
	hub.Routes(mux, authSvc)

	ntf := notify.New(s.db, hub, now)
	ntf.Routes(mux, authSvc)

	lib, err := media.NewLibrary(media.LibraryDeps{
		Services: store, PMS: pms, Tokens: authSvc,
		TMDB:     upstream.New("tmdb", "TMDB", upstream.Options{Timeout: cfg.Overseerr.Timeout.D()}),
		BasePath: s.basePath,
		ImageDir: filepath.Join(cfg.Data.Dir, "cache", "images"),
		Now:      now,
	})
	if err != nil {
		return err
	}
	lib.Routes(mux, authSvc)
	store.OnChange(lib.OnServiceChange)
	dlDir, err := filepath.Abs(cfg.DownloadDir())
	if err != nil {
		return fmt.Errorf("server: youtube.download_dir: %w", err)
	}
	runner, urls, plexLib := downloadPorts(cfg, store, pms, dlDir, s.log, now)
	yt, err := youtube.New(youtube.Deps{
		DB: s.db, Downloader: runner, URLs: urls, Library: plexLib,
		Users: authSvc, Notifier: ntf, Events: hub, Audit: rec,
		Config: youtube.Config{
			Enabled:           cfg.YouTube.Enabled,
			DownloadDir:       dlDir,
			Concurrency:       cfg.YouTube.Concurrency,
			MaxAttempts:       cfg.YouTube.MaxAttempts,
			QuotaPerHour:      cfg.YouTube.QuotaPerHour,
			MaxBytesPerUser:   int64(cfg.YouTube.MaxBytesPerUser),
			MaxFilesize:       int64(cfg.YouTube.MaxFilesize),
			Timeout:           cfg.YouTube.Timeout.D(),
			MaxDuration:       cfg.YouTube.MaxDuration.D(),
			CreateCollections: cfg.YouTube.CreateCollections,
			RequireApproval:   cfg.YouTube.RequireApproval,
		},
		Logger: s.log, Now: now,
	})
	if err != nil {
		return err
	}
	yt.Routes(mux, authSvc)
	s.workers = append(s.workers, Worker{Name: "download queue", Init: yt.Init, Run: yt.Run})

	reqs, err := media.NewRequests(media.RequestsDeps{
		DB: s.db, Services: store, Overseerr: ovr, Users: authSvc, Library: lib,
		Notifier: ntf, Events: hub, Audit: rec, Downloads: yt,
		Config: media.Config{
			WebhookSecret:     cfg.Overseerr.WebhookSecret,
			ReconcileInterval: cfg.Overseerr.ReconcileInterval.D(),
			RequestQuota:      cfg.Overseerr.RequestQuota,
			RequestQuotaDays:  cfg.Overseerr.RequestQuotaDays,
			FallbackUserID:    cfg.Overseerr.FallbackUserID,
		},
		BasePath: s.basePath,
		Logger:   s.log,
		Now:      now,
	})
	if err != nil {
		return err
	}
	reqs.Routes(mux, authSvc)
	store.OnChange(reqs.OnServiceChange)
	s.workers = append(s.workers, Worker{Name: "request reconciler", Run: loop(reqs.RunReconcile)})

	backups := backup.New(s.db, cfg.BackupDir(), cfg.Backup.Keep, now, s.log)
	metrics.GetOrCreateGauge(`medianest_backup_interval_seconds`, nil).Set(cfg.Backup.Interval.D().Seconds())
	s.scrapers = append(s.scrapers, yt.RefreshQueueMetrics, backups.RefreshMetrics)
	if every := cfg.Backup.Interval.D(); every > 0 {
		s.workers = append(s.workers, Worker{Name: "backup schedule", Run: func(ctx context.Context) error {
			t := time.NewTicker(every)
			defer t.Stop()
			return backups.Run(ctx, t.C)
		}})
	}
	keyPath := ""
	if cfg.Security.SecretKey == "" {
		keyPath, _ = filepath.Abs(cfg.SecretKeyPath())
	}
	admin.New(admin.Deps{
		Users: authSvc, Requests: reqs, Downloads: yt, Audit: rec,
		Backups: backups, SecretKeyPath: keyPath,
		DB: s.db, Version: s.version, Started: s.started, Now: now,
	}).Routes(mux, authSvc)

	kumaClient := kuma.New(upstream.New("uptime_kuma", "Uptime Kuma", upstream.Options{Timeout: cfg.UptimeKuma.Timeout.D()}))
	poller := status.New(status.Deps{
		Services: store, Plex: pms, Overseerr: ovr, Kuma: kumaClient,
		YtdlpPath: cfg.YouTube.YtdlpPath, YouTubeEnabled: cfg.YouTube.Enabled,
		Config: cfg.Status, Events: hub, DB: s.db, Logger: s.log, Now: now,
	})
	poller.Routes(mux, authSvc)
	notice.New(notice.Deps{DB: s.db, Events: hub, Audit: rec, Now: now}).Routes(mux, authSvc)
	s.workers = append(s.workers, Worker{Name: "status poller", Run: loop(poller.Run)})
	s.workers = append(s.workers, retention{log: s.log, now: now, jobs: []retentionJob{
		{table: "audit_log", keep: cfg.Audit.Retention.D(), p: rec},
		{table: "notifications", keep: cfg.Notifications.Retention.D(), p: ntf},
	}}.worker())
	s.upstreams = readiness{poller}

	services.NewHandlers(services.HandlerDeps{
		Store:  store,
		Audit:  rec,
		Tester: services.NewConnTester(services.ConnTesterDeps{Plex: pms, Overseerr: ovr, Kuma: kumaClient}),
	}).Routes(mux, authSvc)

	// An unknown API path is 404 to a signed-in caller and 401 to anyone
	// else, so the API's shape is not mapped out anonymously.
	mux.Handle("/api/v1/", authSvc.Identify(httpx.Handler(func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := principal.UserFrom(r.Context()); !ok {
			return apperr.New(apperr.Unauthorized, "Sign in first.")
		}
		return apperr.New(apperr.NotFound, "No API route %s %s.", r.Method, r.URL.Path)
	})))

	if hint, ok := authSvc.SetupHint(ctx); ok {
		s.log.Warn(hint)
	}
	return nil
}

// downloadPorts builds what the download queue drives: the yt-dlp runner,
// the URL policy and the Plex side of a finished download, which scans and
// edits collections with the owner's token (the configured Plex service).
func downloadPorts(cfg config.Config, svcs *services.Store, pms *plex.PMS, dir string, log *slog.Logger, now func() time.Time) (youtube.Downloader, youtube.URLChecker, youtube.Library) {
	owner := func(ctx context.Context) (plex.Conn, bool, error) {
		svc, err := svcs.Get(ctx, services.Plex)
		if err != nil {
			return plex.Conn{}, false, err
		}
		if !svc.Configured() || svc.APIKey == "" {
			return plex.Conn{}, false, nil
		}
		return plex.Conn{URL: svc.URL, Token: svc.APIKey}, true, nil
	}
	return ytdlp.New(ytdlp.Config{Path: cfg.YouTube.YtdlpPath, FFmpegPath: cfg.YouTube.FfmpegPath}),
		youtube.NewURLPolicy(cfg.YouTube.AllowedHosts, nil),
		youtube.NewPlexLibrary(youtube.PlexLibraryDeps{
			PMS: pms, Owner: owner, DownloadDir: dir,
			PlexPath: cfg.YouTube.PlexPath, PlexLibrary: cfg.YouTube.PlexLibrary,
			Logger: log, Now: now,
		})
}

// readiness adapts the poller's last results to the readiness answer.
type readiness struct{ p *status.Poller }

func (r readiness) ReadyChecks() map[string]Check {
	out := map[string]Check{}
	for name, c := range r.p.ReadyChecks() {
		out[name] = Check{Status: c.Status, Message: c.Message}
	}
	return out
}
