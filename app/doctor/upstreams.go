package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"medianest/app/config"
	"medianest/app/kuma"
	"medianest/app/overseerr"
	"medianest/app/plex"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/app/upstream"
	"medianest/app/ytdlp"
	"medianest/db"
)

// upstreamChecks test the services with the settings the server would use:
// the config file's, else those an admin saved (read-only, with the
// existing secret key; nothing is created).
func upstreamChecks(d Deps) []Check {
	cfg := d.Config
	id := plex.Identity{ClientID: "medianest-doctor", Product: cfg.Plex.Product, Version: d.Version}
	opts := func(t config.Duration) upstream.Options { return upstream.Options{Timeout: t.D(), Retries: -1} }
	pms := plex.NewPMS(upstream.New("plex", "Plex", opts(cfg.Plex.Timeout)), id)
	ovr := overseerr.New(opts(cfg.Overseerr.Timeout))
	kc := kuma.New(upstream.New("uptime_kuma", "Uptime Kuma", opts(cfg.UptimeKuma.Timeout)))
	tester := services.NewConnTester(services.ConnTesterDeps{Plex: pms, Overseerr: ovr, Kuma: kc})

	service := func(name, fileKeys string) func(ctx context.Context) Result {
		return func(ctx context.Context) Result {
			svc, err := settings(ctx, cfg, name)
			if err != nil {
				return warn("%v", err)
			}
			if !svc.Configured() {
				return skip("not configured")
			}
			res := tester.Test(ctx, svc)
			if !res.OK {
				return fail("%s; %s", strings.TrimSuffix(res.Message, "."), fixService(cfg, name, fileKeys))
			}
			return pass("%s (%d ms)", res.Message, res.LatencyMs)
		}
	}
	return []Check{
		{"plex", "Plex Media Server answers and the token is valid", service(services.Plex, "plex.url and plex.token")},
		{"plex_tv", "plex.tv answers (Plex sign-in)", func(ctx context.Context) Result {
			if !cfg.Auth.PlexLogin {
				return skip("Plex sign-in is off (auth.plex_login = false)")
			}
			// Plex sign-in lets in the people the server's owner shares it
			// with: without a Plex server nobody could sign in that way.
			if svc, err := settings(ctx, cfg, services.Plex); err == nil && !svc.Configured() {
				return skip("no Plex server is configured (plex.url or Admin → Services), so Plex sign-in is not in use yet")
			}
			return checkPlexTV(ctx, cfg)
		}},
		{"overseerr", "Overseerr answers and the API key is valid", service(services.Overseerr, "overseerr.url and overseerr.api_key")},
		{"uptime_kuma", "the Uptime Kuma status page exists", service(services.UptimeKuma, "uptime_kuma.url and uptime_kuma.status_page")},
		{"ytdlp", "yt-dlp is found and runs", func(ctx context.Context) Result {
			return checkTool(ctx, cfg, cfg.YouTube.YtdlpPath, "yt-dlp", "ytdlp_path", "--version")
		}},
		{"ffmpeg", "ffmpeg is found (yt-dlp merges video and audio with it)", func(ctx context.Context) Result {
			return checkTool(ctx, cfg, cfg.YouTube.FfmpegPath, "ffmpeg", "ffmpeg_path", "-version")
		}},
		{"download_dir", "the download directory is writable and inside a Plex library", func(ctx context.Context) Result {
			return checkDownloadDir(ctx, cfg, pms)
		}},
	}
}

// settings returns a service as the server would use it.
func settings(ctx context.Context, cfg config.Config, name string) (services.Service, error) {
	switch {
	case name == services.Plex && cfg.Plex.URL != "":
		return services.Service{Name: name, URL: cfg.Plex.URL, APIKey: cfg.Plex.Token, Enabled: true}, nil
	case name == services.Overseerr && cfg.Overseerr.URL != "":
		return services.Service{Name: name, URL: cfg.Overseerr.URL, APIKey: cfg.Overseerr.APIKey, Enabled: true}, nil
	case name == services.UptimeKuma && cfg.UptimeKuma.URL != "":
		return services.Service{Name: name, URL: cfg.UptimeKuma.URL, Enabled: true,
			Options: map[string]string{"statusPage": cfg.UptimeKuma.StatusPage}}, nil
	}
	if _, err := os.Stat(cfg.DatabasePath()); err != nil {
		return services.Service{Name: name}, nil
	}
	raw := cfg.Security.SecretKey
	if raw == "" {
		b, err := os.ReadFile(cfg.SecretKeyPath())
		if errors.Is(err, fs.ErrNotExist) {
			return services.Service{Name: name}, nil
		}
		if err != nil {
			return services.Service{}, fmt.Errorf("the secret key cannot be read: %v", err)
		}
		raw = string(b)
	}
	key, err := secret.ParseKey(raw)
	if err != nil {
		return services.Service{}, fmt.Errorf("the secret key cannot be used: %w", err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return services.Service{}, err
	}
	d, err := db.OpenReadOnly(ctx, cfg.DatabasePath())
	if err != nil {
		return services.Service{}, err
	}
	defer d.Close()
	svc, err := services.NewStore(d, box, nil).Get(ctx, name)
	if err != nil {
		return services.Service{}, fmt.Errorf("the %s settings saved in the database cannot be read: %v", name, err)
	}
	return svc, nil
}

// fixService says where a failing service is fixed: in the file when the
// file manages it, else in the admin UI.
func fixService(cfg config.Config, name, fileKeys string) string {
	managed := name == services.Plex && cfg.Plex.URL != "" || name == services.Overseerr && cfg.Overseerr.URL != "" ||
		name == services.UptimeKuma && cfg.UptimeKuma.URL != ""
	if managed {
		return "check " + fileKeys + " in the configuration"
	}
	return "check its settings in Admin → Services (stored in the database)"
}

func checkPlexTV(ctx context.Context, cfg config.Config) Result {
	ctx, cancel := context.WithTimeout(ctx, cfg.Plex.Timeout.D())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Plex.PlexTVURL, nil)
	if err != nil {
		return fail("plex.plex_tv_url %q: %v", cfg.Plex.PlexTVURL, err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail("%s cannot be reached: %v; Plex sign-in will not work: check this machine's internet access and plex.plex_tv_url, or set auth.plex_login = false", cfg.Plex.PlexTVURL, err)
	}
	resp.Body.Close()
	return pass("%s answered HTTP %d (%d ms)", cfg.Plex.PlexTVURL, resp.StatusCode, time.Since(start).Milliseconds())
}

// checkTool finds and runs yt-dlp or ffmpeg. A tool that is missing is a
// WARN, as the server runs without it (readiness says degraded); one that is
// there but does not run is a FAIL.
func checkTool(ctx context.Context, cfg config.Config, path, name, key, versionFlag string) Result {
	if !cfg.YouTube.Enabled {
		return skip("YouTube downloads are off (youtube.enabled = false)")
	}
	if path == "" {
		path = name
	}
	file, err := exec.LookPath(path)
	if err != nil {
		return warn("%s was not found (%q), so YouTube downloads will fail; install it (`apt-get install %s`), set youtube.%s, or set youtube.enabled = false", name, path, name, key)
	}
	v, err := ytdlp.Run(ctx, file, versionFlag)
	if err != nil {
		return fail("%s does not run: %v; reinstall it or set youtube.%s to a working %s", file, err, key, name)
	}
	return pass("%s: %s", file, v)
}

func checkDownloadDir(ctx context.Context, cfg config.Config, pms *plex.PMS) Result {
	if !cfg.YouTube.Enabled {
		return skip("YouTube downloads are off (youtube.enabled = false)")
	}
	dir := cfg.DownloadDir()
	if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if r := checkDataDir(filepath.Dir(dir)); r.Status == Fail {
			return fail("%s does not exist and cannot be created: %s; create it or set youtube.download_dir", dir, r.Message)
		}
		return warn("%s does not exist yet; `medianest server` creates it when it starts", dir)
	} else if err != nil || !st.IsDir() {
		return fail("%s is not a usable directory; set youtube.download_dir to a directory", dir)
	}
	if r := checkDataDir(dir); r.Status == Fail {
		return fail("%s (youtube.download_dir)", strings.Replace(r.Message, "change data.dir", "change youtube.download_dir", 1))
	}
	if cfg.YouTube.PlexPath == "" {
		return pass("%s is writable; youtube.plex_path is not set, so a finished download scans the whole library", dir)
	}
	svc, err := settings(ctx, cfg, services.Plex)
	if err != nil || !svc.Configured() {
		return warn("%s is writable; Plex is not configured, so youtube.plex_path %q cannot be checked", dir, cfg.YouTube.PlexPath)
	}
	sections, err := pms.Sections(ctx, plex.Conn{URL: svc.URL, Token: svc.APIKey})
	if err != nil {
		return warn("%s is writable; Plex's libraries could not be read to check youtube.plex_path: %s", dir, upstreamMessage(err, "Plex"))
	}
	if s, ok := plex.SectionForPath(sections, cfg.YouTube.PlexPath); ok {
		return pass("%s is writable; youtube.plex_path is inside the Plex library %q", dir, s.Title)
	}
	return fail("youtube.plex_path %q is inside no Plex library folder; add it to a library in Plex or fix the path", cfg.YouTube.PlexPath)
}

// upstreamMessage is the one place the doctor turns a client's failure into
// words: the sentence of the plex or upstream error, which names the service
// but never its URL or token, or a generic one naming display.
func upstreamMessage(err error, display string) string {
	var m interface{ Message() string }
	if errors.As(err, &m) && m.Message() != "" {
		return m.Message()
	}
	return display + " could not be reached."
}
