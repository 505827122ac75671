// Package status watches the upstream services MediaNest depends on (Plex,
// Overseerr, Uptime Kuma, yt-dlp): a poller checks each one on its own
// schedule, keeps the results in service_checks, computes the 24-hour uptime
// from that history, pushes a service.status event when a status changes,
// and feeds the readiness probe. The package also serves the dashboard's
// status and Uptime Kuma monitor views.
package status

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"medianest/app/config"
	"medianest/app/events"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/services"
	"medianest/db"
)

// Names of the watched services, in display order.
const (
	Plex       = services.Plex
	Overseerr  = services.Overseerr
	UptimeKuma = services.UptimeKuma
	Ytdlp      = "ytdlp"
)

// Names lists the watched services in display order.
var Names = []string{Plex, Overseerr, UptimeKuma, Ytdlp}

var displayNames = map[string]string{
	Plex:       "Plex Media Server",
	Overseerr:  "Overseerr",
	UptimeKuma: "Uptime Kuma",
	Ytdlp:      "yt-dlp",
}

// Statuses a service can be in.
const (
	StatusUp       = "up"
	StatusDegraded = "degraded"
	StatusDown     = "down"
	StatusDisabled = "disabled"
	StatusUnknown  = "unknown"
)

// ServiceStatus is one service's latest known state, as the API shows it.
type ServiceStatus struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
	Status      string `json:"status"`
	// ResponseTimeMs is how long the last check took; null when the service
	// was not called (disabled, never checked).
	ResponseTimeMs *int64 `json:"responseTimeMs"`
	// Uptime24h is the share (0–100) of the last 24 hours' checks that found
	// the service up or degraded; null before the first check.
	Uptime24h   *float64   `json:"uptime24h"`
	LastCheckAt *time.Time `json:"lastCheckAt"`
	Message     string     `json:"message"`
}

// Settings is what the poller needs of the services store.
type Settings interface {
	Get(ctx context.Context, name string) (services.Service, error)
	OnChange(func(name string))
}

// PlexProber asks a Plex Media Server who it is (no token needed).
type PlexProber interface {
	Identity(ctx context.Context, conn plex.Conn) (plex.ServerIdentity, error)
}

// OverseerrProber reads Overseerr's public status.
type OverseerrProber interface {
	Status(ctx context.Context, conn overseerr.Conn) (overseerr.Status, error)
}

// Publisher sends events to connected browsers (the events hub).
type Publisher interface {
	Publish(events.Event)
}

// Deps are the poller's dependencies.
type Deps struct {
	Services  Settings
	Plex      PlexProber
	Overseerr OverseerrProber
	Kuma      KumaClient
	// YtdlpPath is the yt-dlp executable (config youtube.ytdlp_path);
	// YouTubeEnabled false shows yt-dlp as disabled.
	YtdlpPath      string
	YouTubeEnabled bool
	// Config is the [status] section: interval, degraded_after, history_days.
	Config config.Status
	// CheckTimeout bounds one check; 0 means the interval, at most 10 s.
	CheckTimeout time.Duration
	Events       Publisher
	DB           *db.DB
	Logger       *slog.Logger
	Now          func() time.Time
}

// Poller checks the services and serves what it found.
type Poller struct {
	settings     Settings
	plex         PlexProber
	overseerr    OverseerrProber
	kuma         KumaClient
	ytdlp        *ytdlpProbe
	ytEnabled    bool
	interval     time.Duration
	degraded     time.Duration
	historyDays  int
	checkTimeout time.Duration
	pub          Publisher
	db           *db.DB
	log          *slog.Logger
	now          func() time.Time

	// kick asks a service's loop to check again at once (settings changed).
	kick map[string]chan struct{}

	mu      sync.RWMutex
	current map[string]ServiceStatus
	checked map[string]bool // a check has finished since start
	// windows hold the last 24 hours of checks per service for uptime24h;
	// loaded says a window was read from the history.
	windows  map[string]*window
	loaded   map[string]bool
	lastPrun time.Time

	monitors monitorCache
}

// New returns a poller; call Run to start checking.
func New(d Deps) *Poller {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	interval := d.Config.Interval.D()
	if interval <= 0 {
		interval = 30 * time.Second
	}
	degraded := d.Config.DegradedAfter.D()
	if degraded <= 0 {
		degraded = 2 * time.Second
	}
	days := d.Config.HistoryDays
	if days < 1 {
		days = 30
	}
	timeout := d.CheckTimeout
	if timeout <= 0 || timeout > interval {
		timeout = min(interval, 10*time.Second)
	}
	if d.Events == nil {
		d.Events = nopPublisher{}
	}
	p := &Poller{
		settings:     d.Services,
		plex:         d.Plex,
		overseerr:    d.Overseerr,
		kuma:         d.Kuma,
		ytdlp:        &ytdlpProbe{path: d.YtdlpPath},
		ytEnabled:    d.YouTubeEnabled,
		interval:     interval,
		degraded:     degraded,
		historyDays:  days,
		checkTimeout: timeout,
		pub:          d.Events,
		db:           d.DB,
		log:          d.Logger,
		now:          d.Now,
		kick:         map[string]chan struct{}{},
		current:      map[string]ServiceStatus{},
		checked:      map[string]bool{},
		windows:      map[string]*window{},
		loaded:       map[string]bool{},
	}
	for _, n := range Names {
		p.kick[n] = make(chan struct{}, 1)
		p.windows[n] = newWindow()
		p.current[n] = ServiceStatus{Name: n, DisplayName: displayNames[n], Status: StatusUnknown,
			Message: "Not checked yet."}
	}
	if d.Services != nil {
		d.Services.OnChange(p.Recheck)
	}
	return p
}

type nopPublisher struct{}

func (nopPublisher) Publish(events.Event) {}

// Recheck makes the poller check name again at once (its settings changed).
// It never blocks; unknown names are ignored.
func (p *Poller) Recheck(name string) {
	ch, ok := p.kick[name]
	if !ok {
		return
	}
	select {
	case ch <- struct{}{}:
	default: // a re-check is already pending
	}
}
