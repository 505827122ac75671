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

	service := func(name string) func(ctx context.Context) Result {
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
				return fail("%s", res.Message)
			}
			return pass("%s (%d ms)", res.Message, res.LatencyMs)
		}
	}
	return []Check{
		{"plex", "Plex Media Server answers and the token is valid", service(services.Plex)},
		{"plex_tv", "plex.tv answers (Plex sign-in)", func(ctx context.Context) Result { return checkPlexTV(ctx, cfg) }},
		{"overseerr", "Overseerr answers and the API key is valid", service(services.Overseerr)},
		{"uptime_kuma", "the Uptime Kuma status page exists", service(services.UptimeKuma)},
		{"ytdlp", "yt-dlp is found and runs", func(ctx context.Context) Result {
			return checkTool(ctx, cfg, cfg.YouTube.YtdlpPath, "yt-dlp", "--version")
		}},
		{"ffmpeg", "ffmpeg is found (yt-dlp merges video and audio with it)", func(ctx context.Context) Result {
			return checkTool(ctx, cfg, cfg.YouTube.FfmpegPath, "ffmpeg", "-version")
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

func checkPlexTV(ctx context.Context, cfg config.Config) Result {
	if !cfg.Auth.PlexLogin {
		return skip("Plex sign-in is off (auth.plex_login = false)")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Plex.Timeout.D())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Plex.PlexTVURL, nil)
	if err != nil {
		return fail("plex.plex_tv_url: %v", err)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fail("%s cannot be reached: %v; Plex sign-in will not work", cfg.Plex.PlexTVURL, err)
	}
	resp.Body.Close()
	return pass("%s answered HTTP %d (%d ms)", cfg.Plex.PlexTVURL, resp.StatusCode, time.Since(start).Milliseconds())
}

func checkTool(ctx context.Context, cfg config.Config, path, name, versionFlag string) Result {
	if !cfg.YouTube.Enabled {
		return skip("YouTube downloads are off (youtube.enabled = false)")
	}
	if path == "" {
		path = name
	}
	file, err := exec.LookPath(path)
	if err != nil {
		return fail("%s was not found (%q); install it, e.g. `apt-get install %s`", name, path, name)
	}
	v, err := ytdlp.Run(ctx, file, versionFlag)
	if err != nil {
		return fail("%s %v", file, err)
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
			return fail("%s does not exist and cannot be created: %s", dir, r.Message)
		}
		return warn("%s does not exist yet; it is created on the first download", dir)
	} else if err != nil || !st.IsDir() {
		return fail("%s is not a usable directory", dir)
	}
	if r := checkDataDir(dir); r.Status == Fail {
		return r
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
