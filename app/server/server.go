// Package server is the composition root: it builds every service from the
// configuration, registers every package's routes on one mux, runs the
// background workers and shuts everything down in order.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"medianest/app/auth"
	"medianest/app/config"
	"medianest/app/httpx"
	"medianest/app/secret"
	"medianest/app/web"
	"medianest/assets"
	"medianest/db"
)

// Server is a configured MediaNest instance.
type Server struct {
	cfg         config.Config
	db          *db.DB
	log         *slog.Logger
	version     string
	versionJSON []byte // version encoded, for /health
	started     time.Time
	basePath    string
	trusted     []netip.Prefix
	metricsNets []netip.Prefix
	upstreams   UpstreamChecks
	auth        *auth.Service

	handler http.Handler
	// workers are the background jobs, in registration order: initialised
	// in it, stopped in reverse.
	workers []Worker
	// closers run at shutdown, before the database closes (event streams).
	onShutdown []func()
	// scrapers bring the gauges read at scrape time (queue depth, the
	// newest backup) up to date before /metrics is written.
	scrapers []func(context.Context) error
}

// Options are what the CLI hands the server besides the configuration.
type Options struct {
	Version string
	Logger  *slog.Logger
	// Box seals secrets at rest with the instance's key.
	Box *secret.Box
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
	// Access is where the access log writes its lines itself (through
	// Logger when unset).
	Access httpx.AccessOutput
}

// BasePath is the path of server.base_url without a trailing slash ("" at
// the root).
func BasePath(baseURL string) string {
	if baseURL == "" {
		return ""
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// New builds the instance over an open, migrated database.
func New(ctx context.Context, cfg config.Config, d *db.DB, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	trusted, err := config.ParsePrefixes(cfg.Server.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("server: server.trusted_proxies: %w", err)
	}
	nets, err := config.ParsePrefixes(cfg.Metrics.AllowedNetworks)
	if err != nil {
		return nil, fmt.Errorf("server: metrics.allowed_networks: %w", err)
	}
	s := &Server{
		cfg:         cfg,
		db:          d,
		log:         o.Logger,
		version:     o.Version,
		versionJSON: encodeString(o.Version),
		started:     o.Now(),
		basePath:    BasePath(cfg.Server.BaseURL),
		trusted:     trusted,
		metricsNets: nets,
	}
	registerBuildInfo(o.Version)

	mux := http.NewServeMux()
	if err := s.routes(ctx, mux, o); err != nil {
		return nil, err
	}

	root := mux
	if s.basePath != "" {
		// Everything answers under the base path; the probes also at the root.
		root = http.NewServeMux()
		root.Handle(s.basePath+"/", http.StripPrefix(s.basePath, httpx.Routed(mux)))
		root.Handle("GET "+s.basePath, http.RedirectHandler(s.basePath+"/", http.StatusMovedPermanently))
		s.probeRoutes(root)
	}
	s.handler = httpx.Wrap(root, httpx.Options{
		Logger:         o.Logger,
		Access:         o.Access,
		TrustedProxies: trusted,
		CORSOrigins:    cfg.Server.CORSAllowedOrigins,
		Probes:         []string{"/health", "/health/ready", "/metrics", s.basePath + "/health", s.basePath + "/health/ready", s.basePath + "/metrics"},
	})
	return s, nil
}

func (s *Server) probeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /health/ready", s.ready)
	// Registered even when disabled, so a scraper gets a plain 404 rather
	// than the web UI.
	mux.HandleFunc("GET /metrics", s.metricsHandler)
}

// routes registers every package's routes on mux (paths without the base).
func (s *Server) routes(ctx context.Context, mux *http.ServeMux, o Options) error {
	s.probeRoutes(mux)
	ui, err := web.New(assets.FS, s.basePath)
	if err != nil {
		return err
	}
	mux.Handle("/", ui)
	mux.HandleFunc("GET /api/v1/openapi.json", serveOpenAPI)
	return s.domains(ctx, mux, o)
}

// Handler is the whole HTTP surface with its middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Run initialises the workers, then serves on ln and runs them until ctx
// ends, then shuts down: stop accepting, end event streams, let requests
// finish within server.shutdown_timeout, stop the workers in reverse order
// with what is left of it. A worker whose Init fails stops the server from
// starting. It returns httpx.ErrShutdownTimeout when requests had to be cut
// off. It returns only once every handler and worker has returned (a
// handler that ignores the cut-off is given up on after
// httpx.DefaultShutdownGrace), so the caller may close the database.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	if err := s.initWorkers(ctx); err != nil {
		ln.Close()
		return err
	}
	workers := s.startWorkers(ctx)
	// The shutdown budget starts when ctx ends, not when the HTTP server
	// is done with it.
	began := make(chan time.Time, 1)
	stopClock := context.AfterFunc(ctx, func() { began <- time.Now() })
	srv := httpx.NewServer(s.handler, s.cfg.Server.ReadHeaderTimeout.D(), s.log)
	s.log.Info("listening", "addr", ln.Addr().String(), "url", s.URL(ln.Addr()))
	// Under systemd (Type=notify): ready now that the database is migrated,
	// the workers initialised and the listener bound; the watchdog pinged
	// while the database answers; stopping as soon as shutdown begins.
	n, nerr := newNotifier(os.Getenv, os.Getpid())
	if nerr != nil {
		s.log.Warn(nerr.Error())
	}
	s.notify(n, "READY=1\nSTATUS=serving on "+s.URL(ln.Addr()))
	dogCtx, stopDog := context.WithCancel(ctx)
	dogDone := make(chan struct{})
	go func() {
		defer close(dogDone)
		n.watchdog(dogCtx, s.databaseAnswers, func(err error) { s.log.Error(err.Error()) })
	}()
	stopping := context.AfterFunc(ctx, func() { s.notify(n, "STOPPING=1") })
	err := httpx.Serve(ctx, srv, ln, httpx.Shutdown{
		Timeout: s.cfg.Server.ShutdownTimeout.D(),
		OnShutdown: func() {
			for _, f := range s.onShutdown {
				f()
			}
		},
		Logger: s.log,
	})
	stopDog()
	<-dogDone
	if stopping() {
		// Serve failed on its own: the server stops all the same.
		s.notify(n, "STOPPING=1")
	}
	start := time.Now()
	if !stopClock() {
		start = <-began
	}
	budget, cancel := context.WithDeadline(context.Background(), start.Add(s.cfg.Server.ShutdownTimeout.D()))
	defer cancel()
	s.stopWorkers(budget, workers)
	return err
}

// notify tells systemd the server's state; a failure is logged, never
// fatal: the server serves whether or not systemd hears it.
func (s *Server) notify(n notifier, state string) {
	if err := n.send(state); err != nil {
		s.log.Warn(err.Error())
	}
}

// URL is where a person reaches the instance.
func (s *Server) URL(addr net.Addr) string {
	if s.cfg.Server.BaseURL != "" {
		return s.cfg.Server.BaseURL
	}
	return "http://" + addr.String() + s.basePath + "/"
}

// encodeString is s as a JSON string (encoding a string cannot fail).
func encodeString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
