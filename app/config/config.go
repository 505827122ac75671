// Package config holds MediaNest's configuration: the typed settings, their
// defaults, strict TOML decoding, the MEDIANEST_* environment overlay and
// validation. Command-line flags are applied by the CLI on top of Load's
// result, so precedence is flags > environment > file > defaults.
package config

import (
	"path/filepath"
	"time"
)

// Config is every setting of MediaNest. The TOML key of each field is its
// `toml` tag; the environment variable is MEDIANEST_<SECTION>_<KEY>.
type Config struct {
	Server        Server        `toml:"server"`
	Data          Data          `toml:"data"`
	Database      Database      `toml:"database"`
	Security      Security      `toml:"security"`
	Auth          Auth          `toml:"auth"`
	Plex          Plex          `toml:"plex"`
	Overseerr     Overseerr     `toml:"overseerr"`
	UptimeKuma    UptimeKuma    `toml:"uptime_kuma"`
	Status        Status        `toml:"status"`
	YouTube       YouTube       `toml:"youtube"`
	Metrics       Metrics       `toml:"metrics"`
	Log           Log           `toml:"log"`
	Backup        Backup        `toml:"backup"`
	Audit         Audit         `toml:"audit"`
	Notifications Notifications `toml:"notifications"`

	// Path is the file the configuration was read from, "" when none.
	Path string `toml:"-"`
}

// Server is the HTTP listener.
type Server struct {
	Listen             string   `toml:"listen"`
	BaseURL            string   `toml:"base_url"`
	TrustedProxies     []string `toml:"trusted_proxies"`
	SecureCookies      bool     `toml:"secure_cookies"`
	CORSAllowedOrigins []string `toml:"cors_allowed_origins"`
	ReadHeaderTimeout  Duration `toml:"read_header_timeout"`
	ShutdownTimeout    Duration `toml:"shutdown_timeout"`
	// MaxEventStreams caps the open /events streams of all users together,
	// so that streams cannot exhaust memory or file descriptors.
	MaxEventStreams int `toml:"max_event_streams"`
}

// Data is where MediaNest keeps its files.
type Data struct {
	Dir string `toml:"dir"`
}

// Database is the SQLite database.
type Database struct {
	Path        string `toml:"path"`
	AutoMigrate bool   `toml:"auto_migrate"`
}

// Security holds the key that seals secrets at rest.
type Security struct {
	SecretKey     string `toml:"secret_key"`
	SecretKeyFile string `toml:"secret_key_file"`
}

// Auth is sign-in and sessions.
type Auth struct {
	SessionTTL       Duration `toml:"session_ttl"`
	RememberTTL      Duration `toml:"remember_ttl"`
	SessionCacheSize int      `toml:"session_cache_size"`
	SessionCacheTTL  Duration `toml:"session_cache_ttl"`
	PlexLogin        bool     `toml:"plex_login"`
	LocalLogin       bool     `toml:"local_login"`
	LoginRateLimit   int      `toml:"login_rate_limit"`
	// MaxSessionsPerUser caps a user's live sessions; a sign-in beyond it
	// ends the least recently used one.
	MaxSessionsPerUser int `toml:"max_sessions_per_user"`
}

// Plex is the Plex Media Server and plex.tv.
type Plex struct {
	URL              string   `toml:"url"`
	Token            string   `toml:"token"`
	TokenFile        string   `toml:"token_file"`
	ClientIdentifier string   `toml:"client_identifier"`
	Product          string   `toml:"product"`
	PlexTVURL        string   `toml:"plex_tv_url"`
	AuthAppURL       string   `toml:"auth_app_url"`
	Timeout          Duration `toml:"timeout"`
}

// Overseerr is the request manager.
type Overseerr struct {
	URL               string   `toml:"url"`
	APIKey            string   `toml:"api_key"`
	APIKeyFile        string   `toml:"api_key_file"`
	WebhookSecret     string   `toml:"webhook_secret"`
	WebhookSecretFile string   `toml:"webhook_secret_file"`
	ReconcileInterval Duration `toml:"reconcile_interval"`
	RequestQuota      int      `toml:"request_quota"`
	RequestQuotaDays  int      `toml:"request_quota_days"`
	// FallbackUserID is the Overseerr user to request as for someone with
	// no Overseerr user of their own; 0 holds their requests for an admin.
	FallbackUserID int64    `toml:"fallback_user_id"`
	Timeout        Duration `toml:"timeout"`
}

// UptimeKuma is the optional status page.
type UptimeKuma struct {
	URL        string   `toml:"url"`
	StatusPage string   `toml:"status_page"`
	APIKey     string   `toml:"api_key"`
	APIKeyFile string   `toml:"api_key_file"`
	Timeout    Duration `toml:"timeout"`
}

// Status is the service poller.
type Status struct {
	Interval      Duration `toml:"interval"`
	DegradedAfter Duration `toml:"degraded_after"`
	HistoryDays   int      `toml:"history_days"`
}

// YouTube is the downloader.
type YouTube struct {
	Enabled           bool     `toml:"enabled"`
	YtdlpPath         string   `toml:"ytdlp_path"`
	FfmpegPath        string   `toml:"ffmpeg_path"`
	DownloadDir       string   `toml:"download_dir"`
	PlexPath          string   `toml:"plex_path"`
	PlexLibrary       string   `toml:"plex_library"`
	AllowedHosts      []string `toml:"allowed_hosts"`
	Concurrency       int      `toml:"concurrency"`
	MaxAttempts       int      `toml:"max_attempts"`
	QuotaPerHour      int      `toml:"quota_per_hour"`
	MaxBytesPerUser   Size     `toml:"max_bytes_per_user"`
	MaxFilesize       Size     `toml:"max_filesize"`
	Timeout           Duration `toml:"timeout"`
	CreateCollections bool     `toml:"create_collections"`
	// RequireApproval makes downloads wait for an admin unless the user's
	// own setting says otherwise.
	RequireApproval bool `toml:"require_approval"`
	// MaxDuration refuses longer videos at submit; 0 is no limit.
	MaxDuration Duration `toml:"max_duration"`
}

// Metrics is the Prometheus endpoint.
type Metrics struct {
	Enabled         bool     `toml:"enabled"`
	AllowedNetworks []string `toml:"allowed_networks"`
	Token           string   `toml:"token"`
	TokenFile       string   `toml:"token_file"`
}

// Log is the process log.
type Log struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// Backup is the scheduled database backup.
type Backup struct {
	Dir      string   `toml:"dir"`
	Interval Duration `toml:"interval"`
	Keep     int      `toml:"keep"`
}

// Audit is the admin audit log.
type Audit struct {
	// Retention is how long entries are kept; 0 keeps them forever.
	Retention Duration `toml:"retention"`
}

// Notifications are the users' in-app notifications.
type Notifications struct {
	// Retention is how long notifications are kept, read or not; 0 keeps
	// them forever.
	Retention Duration `toml:"retention"`
}

// Default returns the configuration used when nothing is set: a working
// instance on 127.0.0.1:8080 keeping its data in ./data.
func Default() Config {
	return Config{
		Server: Server{
			Listen:             "127.0.0.1:8080",
			TrustedProxies:     []string{},
			CORSAllowedOrigins: []string{},
			ReadHeaderTimeout:  Duration(5 * time.Second),
			ShutdownTimeout:    Duration(10 * time.Second),
			MaxEventStreams:    1000,
		},
		Data:     Data{Dir: "./data"},
		Database: Database{AutoMigrate: true},
		Auth: Auth{
			SessionTTL:         Duration(24 * time.Hour),
			RememberTTL:        Duration(720 * time.Hour),
			SessionCacheSize:   10000,
			SessionCacheTTL:    Duration(5 * time.Minute),
			PlexLogin:          true,
			LocalLogin:         true,
			LoginRateLimit:     10,
			MaxSessionsPerUser: 20,
		},
		Plex: Plex{
			Product:    "MediaNest",
			PlexTVURL:  "https://plex.tv",
			AuthAppURL: "https://app.plex.tv/auth",
			Timeout:    Duration(10 * time.Second),
		},
		Overseerr: Overseerr{
			ReconcileInterval: Duration(5 * time.Minute),
			RequestQuota:      10,
			RequestQuotaDays:  7,
			Timeout:           Duration(10 * time.Second),
		},
		UptimeKuma: UptimeKuma{Timeout: Duration(10 * time.Second)},
		Status: Status{
			Interval:      Duration(30 * time.Second),
			DegradedAfter: Duration(2 * time.Second),
			HistoryDays:   30,
		},
		YouTube: YouTube{
			Enabled:           true,
			YtdlpPath:         "yt-dlp",
			AllowedHosts:      []string{"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"},
			Concurrency:       2,
			MaxAttempts:       3,
			QuotaPerHour:      5,
			MaxBytesPerUser:   10 << 30,
			MaxFilesize:       4 << 30,
			Timeout:           Duration(2 * time.Hour),
			CreateCollections: true,
			MaxDuration:       Duration(4 * time.Hour),
		},
		Metrics: Metrics{
			Enabled:         true,
			AllowedNetworks: []string{"127.0.0.0/8", "::1/128"},
		},
		Log:    Log{Level: "info"},
		Backup: Backup{Interval: Duration(24 * time.Hour), Keep: 7},
		// A year of audit log and 90 days of notifications.
		Audit:         Audit{Retention: Duration(8760 * time.Hour)},
		Notifications: Notifications{Retention: Duration(2160 * time.Hour)},
	}
}

// DatabasePath is the SQLite file: database.path, else <data_dir>/medianest.db.
func (c *Config) DatabasePath() string {
	if c.Database.Path != "" {
		return c.Database.Path
	}
	return filepath.Join(c.Data.Dir, "medianest.db")
}

// DownloadDir is youtube.download_dir, else <data_dir>/downloads.
func (c *Config) DownloadDir() string {
	if c.YouTube.DownloadDir != "" {
		return c.YouTube.DownloadDir
	}
	return filepath.Join(c.Data.Dir, "downloads")
}

// BackupDir is backup.dir, else <data_dir>/backups.
func (c *Config) BackupDir() string {
	if c.Backup.Dir != "" {
		return c.Backup.Dir
	}
	return filepath.Join(c.Data.Dir, "backups")
}

// SecretKeyPath is where a generated secret key lives when none is configured.
func (c *Config) SecretKeyPath() string {
	if c.Security.SecretKeyFile != "" {
		return c.Security.SecretKeyFile
	}
	return filepath.Join(c.Data.Dir, "secret.key")
}
