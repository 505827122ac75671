package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medianest/app/config"
	"medianest/app/overseerr/overseerrtest"
	"medianest/app/plex/plextest"
)

func find(rs []Result, name string) Result {
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	return Result{}
}

func TestUpstreamChecks(t *testing.T) {
	pms := plextest.NewPMS(t)
	pms.Seed()
	ovr := overseerrtest.New(t)

	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	cfg.Plex.URL, cfg.Plex.Token = pms.URL, pms.OwnerToken()
	cfg.Overseerr.URL, cfg.Overseerr.APIKey = ovr.URL, ovr.Conn().APIKey
	cfg.YouTube.Enabled = true
	cfg.YouTube.YtdlpPath = filepath.Join(t.TempDir(), "no-yt-dlp")
	cfg.YouTube.PlexPath = "/data/movies/YouTube"
	os.MkdirAll(cfg.DownloadDir(), 0o755)

	rs := Run(context.Background(), upstreamChecks(Deps{Config: cfg, Version: "test"}))
	if r := find(rs, "plex"); r.Status != Pass {
		t.Errorf("plex: %s %s", r.Status, r.Message)
	}
	if r := find(rs, "overseerr"); r.Status != Pass {
		t.Errorf("overseerr: %s %s", r.Status, r.Message)
	}
	if r := find(rs, "uptime_kuma"); r.Status != Skip {
		t.Errorf("unconfigured uptime_kuma: %s %s", r.Status, r.Message)
	}
	if r := find(rs, "ytdlp"); r.Status != Warn || !strings.Contains(r.Message, "not found") || !strings.Contains(r.Message, "youtube.ytdlp_path") {
		t.Errorf("missing yt-dlp: %s %s", r.Status, r.Message)
	}
	if r := find(rs, "download_dir"); r.Status != Pass || !strings.Contains(r.Message, "Movies") {
		t.Errorf("download_dir inside a library: %s %s", r.Status, r.Message)
	}

	cfg.Overseerr.APIKey = "wrong"
	cfg.YouTube.PlexPath = "/elsewhere"
	rs = Run(context.Background(), upstreamChecks(Deps{Config: cfg}))
	if r := find(rs, "overseerr"); r.Status != Fail || !strings.Contains(r.Message, "API key") {
		t.Errorf("wrong key: %s %s", r.Status, r.Message)
	}
	if r := find(rs, "download_dir"); r.Status != Fail {
		t.Errorf("plex_path outside every library: %s %s", r.Status, r.Message)
	}
	cfg.YouTube.Enabled = false
	if r := find(Run(context.Background(), upstreamChecks(Deps{Config: cfg})), "ytdlp"); r.Status != Skip {
		t.Errorf("disabled youtube: %s", r.Status)
	}
}

// plex_tv matters only for Plex sign-in, which needs a Plex server: without
// one the check is skipped, so a fresh install offline passes.
func TestPlexTVSkippedWithoutAPlexServer(t *testing.T) {
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	cfg.Plex.PlexTVURL = "http://127.0.0.1:1" // nothing listens there
	if r := find(Run(context.Background(), upstreamChecks(Deps{Config: cfg})), "plex_tv"); r.Status != Skip || !strings.Contains(r.Message, "plex.url") {
		t.Fatalf("no Plex server: %s %q", r.Status, r.Message)
	}
	cfg.Plex.URL = "http://127.0.0.1:1"
	if r := find(Run(context.Background(), upstreamChecks(Deps{Config: cfg})), "plex_tv"); r.Status != Fail || !strings.Contains(r.Message, "auth.plex_login") {
		t.Fatalf("a Plex server and plex.tv unreachable: %s %q", r.Status, r.Message)
	}
}
