package doctor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medianest/app/config"
)

func TestLoosePermissions(t *testing.T) {
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	os.Chmod(cfg.Data.Dir, 0o700)
	tok := filepath.Join(t.TempDir(), "plex-token")
	os.WriteFile(tok, []byte("t\n"), 0o600)
	cfg.Plex.TokenFile = tok
	os.WriteFile(cfg.SecretKeyPath(), []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	os.WriteFile(cfg.DatabasePath(), nil, 0o600)
	if got := LoosePermissions(cfg); len(got) != 0 {
		t.Fatalf("private files: %q", got)
	}
	if r := checkPermissions(cfg); r.Status != Pass {
		t.Fatalf("private files: %s %s", r.Status, r.Message)
	}

	os.Chmod(cfg.Data.Dir, 0o755)
	os.Chmod(tok, 0o640)
	os.Chmod(cfg.SecretKeyPath(), 0o644)
	os.Chmod(cfg.DatabasePath(), 0o644)
	got := LoosePermissions(cfg)
	if len(got) != 4 {
		t.Fatalf("want 4 problems, got %q", got)
	}
	for i, want := range []string{cfg.Data.Dir, cfg.DatabasePath(), cfg.SecretKeyPath(), tok} {
		if !strings.Contains(got[i], want) || !strings.Contains(got[i], "chmod") {
			t.Errorf("problem %d = %q, want one about %s with the fix", i, got[i], want)
		}
	}
	if r := checkPermissions(cfg); r.Status != Warn || !strings.Contains(r.Message, tok) {
		t.Fatalf("loose files: %s %s", r.Status, r.Message)
	}
}
