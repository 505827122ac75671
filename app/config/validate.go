package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Validate checks the settings together and returns every problem at once,
// each naming the key and saying what to write instead.
func (c *Config) Validate() error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	if err := checkListen(c.Server.Listen); err != nil {
		add("server.listen %q %v, e.g. \"127.0.0.1:8080\" or \":8080\"", c.Server.Listen, err)
	}
	if c.Server.BaseURL != "" {
		if u, err := url.Parse(c.Server.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("server.base_url %q must be an absolute http(s) URL such as \"https://media.example.com\" or \"https://example.com/medianest\"", c.Server.BaseURL)
		} else if u.RawQuery != "" || u.Fragment != "" {
			add("server.base_url %q must not have a query or fragment", c.Server.BaseURL)
		} else if !plainPath(u.Path) || u.RawPath != "" {
			add("server.base_url %q: its path may hold only letters, digits, '-', '_', '.', '~' and '/'", c.Server.BaseURL)
		}
	}
	for _, p := range c.Server.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			add("server.trusted_proxies: %q is not an IP address or CIDR range", p)
		}
	}
	for _, o := range c.Server.CORSAllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			add("server.cors_allowed_origins: %q must be an origin like \"https://app.example.com\"", o)
		}
	}
	if c.Server.ShutdownTimeout <= 0 {
		add("server.shutdown_timeout must be positive, e.g. \"10s\"")
	}
	if c.Server.MaxEventStreams < 1 {
		add("server.max_event_streams must be at least 1, e.g. 1000")
	}
	if c.Server.ReadHeaderTimeout <= 0 {
		add("server.read_header_timeout must be positive, e.g. \"5s\"")
	}
	if strings.TrimSpace(c.Data.Dir) == "" {
		add("data.dir must not be empty")
	}
	if c.Security.SecretKey != "" && c.Security.SecretKeyFile != "" {
		add("security.secret_key and security.secret_key_file are both set; keep one")
	}
	if c.Auth.SessionTTL.D() < 60e9 {
		add("auth.session_ttl must be at least \"1m\"")
	}
	if c.Auth.RememberTTL < c.Auth.SessionTTL {
		add("auth.remember_ttl must be at least auth.session_ttl")
	}
	if c.Auth.SessionCacheSize < 1 {
		add("auth.session_cache_size must be at least 1")
	}
	if c.Auth.SessionCacheTTL <= 0 {
		add("auth.session_cache_ttl must be positive, e.g. \"5m\"")
	}
	if c.Auth.LoginRateLimit < 1 {
		add("auth.login_rate_limit must be at least 1 (failed sign-ins per minute per address)")
	}
	if c.Auth.MaxSessionsPerUser < 1 {
		add("auth.max_sessions_per_user must be at least 1")
	}
	if !c.Auth.PlexLogin && !c.Auth.LocalLogin {
		add("auth.plex_login and auth.local_login are both false; nobody could sign in")
	}
	for _, u := range []struct{ key, val string }{
		{"plex.url", c.Plex.URL}, {"plex.plex_tv_url", c.Plex.PlexTVURL}, {"plex.auth_app_url", c.Plex.AuthAppURL},
		{"overseerr.url", c.Overseerr.URL}, {"uptime_kuma.url", c.UptimeKuma.URL},
	} {
		if u.val == "" {
			continue
		}
		if err := CheckServiceURL(u.val); err != nil {
			add("%s: %v", u.key, err)
		}
	}
	if c.Plex.PlexTVURL == "" {
		add("plex.plex_tv_url must not be empty (default \"https://plex.tv\")")
	}
	if c.UptimeKuma.URL != "" && c.UptimeKuma.StatusPage == "" {
		add("uptime_kuma.status_page must name the status page slug when uptime_kuma.url is set")
	}
	for _, d := range []struct {
		key string
		v   Duration
	}{{"plex.timeout", c.Plex.Timeout}, {"overseerr.timeout", c.Overseerr.Timeout}, {"uptime_kuma.timeout", c.UptimeKuma.Timeout},
		{"overseerr.reconcile_interval", c.Overseerr.ReconcileInterval}, {"status.interval", c.Status.Interval},
		{"status.degraded_after", c.Status.DegradedAfter}, {"youtube.timeout", c.YouTube.Timeout}} {
		if d.v <= 0 {
			add("%s must be positive", d.key)
		}
	}
	if c.Status.HistoryDays < 1 {
		add("status.history_days must be at least 1")
	}
	if c.Overseerr.RequestQuota < 0 || c.Overseerr.RequestQuotaDays < 1 {
		add("overseerr.request_quota must be 0 (unlimited) or more and overseerr.request_quota_days at least 1")
	}
	if c.Overseerr.FallbackUserID < 0 {
		add("overseerr.fallback_user_id must be an Overseerr user id, or 0 to hold requests of people without one for an admin")
	}
	if c.YouTube.Concurrency < 1 || c.YouTube.Concurrency > 16 {
		add("youtube.concurrency must be between 1 and 16")
	}
	if c.YouTube.MaxAttempts < 1 {
		add("youtube.max_attempts must be at least 1")
	}
	if c.YouTube.QuotaPerHour < 0 {
		add("youtube.quota_per_hour must be 0 (unlimited) or more")
	}
	if c.YouTube.MaxBytesPerUser < 0 || c.YouTube.MaxFilesize < 0 {
		add("youtube.max_bytes_per_user and youtube.max_filesize must not be negative")
	}
	if d := c.YouTube.MaxDuration.D(); d != 0 && d < time.Minute {
		add("youtube.max_duration must be at least \"1m\", or \"0\" for no limit")
	}
	if c.YouTube.Enabled && c.YouTube.YtdlpPath == "" {
		add("youtube.ytdlp_path must not be empty while youtube.enabled is true")
	}
	for _, h := range c.YouTube.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/:@ ") && net.ParseIP(strings.Trim(h, "[]")) == nil {
			add("youtube.allowed_hosts: %q must be a host name such as \"youtube.com\" or \".example.com\", without scheme or port", h)
		}
	}
	for _, n := range c.Metrics.AllowedNetworks {
		if _, err := parsePrefix(n); err != nil {
			add("metrics.allowed_networks: %q is not an IP address or CIDR range", n)
		}
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		add("log.level %q must be debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "", "text", "json":
	default:
		add("log.format %q must be text or json", c.Log.Format)
	}
	if c.Backup.Keep < 1 {
		add("backup.keep must be at least 1")
	}
	// Old rows are pruned once a day, so a shorter retention would mean
	// "delete almost at once", which is never what was meant.
	for _, r := range []struct {
		key string
		v   Duration
	}{{"audit.retention", c.Audit.Retention}, {"notifications.retention", c.Notifications.Retention}} {
		if r.v != 0 && r.v.D() < 24*time.Hour {
			add("%s must be \"0\" (keep forever) or at least \"24h\", e.g. \"2160h\" for 90 days", r.key)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New("invalid configuration: " + strings.Join(errs, "; "))
}

// CheckServiceURL accepts an absolute http(s) base URL without credentials,
// query or fragment. It is shared with the admin API's service settings.
func CheckServiceURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an http(s) URL such as \"http://192.168.1.10:32400\"", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not contain a user name or password", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", s)
	}
	return nil
}

// ParsePrefixes parses IP addresses and CIDR ranges; a bare address is a
// single-host range.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// plainPath reports whether p needs no escaping and means nothing to the
// router (no spaces, braces or percent signs).
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0) {
			return false
		}
	}
	return !strings.Contains(p, "//") && !strings.Contains(p, "/./") && !strings.Contains(p, "/../") && !strings.HasSuffix(p, "/..")
}

// checkListen accepts host:port with a port from 1 to 65535 and a host that
// is empty (every address), an IP address or a host name. Caught here, a
// wrong address is a configuration error before anything is created, not a
// failure to listen after the database was opened.
func checkListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return errors.New("must end in a port number from 1 to 65535")
	}
	if host == "" || net.ParseIP(host) != nil {
		return nil
	}
	if strings.Count(host, ".") == 3 && strings.Trim(host, "0123456789.") == "" {
		return errors.New("has no valid IP address")
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			return errors.New("must have an IP address or a host name before the port")
		}
	}
	return nil
}
