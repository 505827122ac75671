package server_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medianest/app/config"
	"medianest/app/server"
	"medianest/db"
)

func openConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Data.Dir = filepath.Join(t.TempDir(), "nested", "data")
	return cfg
}

func TestOpenFirstRunCreatesEverything(t *testing.T) {
	ctx := context.Background()
	cfg := openConfig(t)
	data, err := server.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !data.KeyCreated {
		t.Error("KeyCreated is false on the first run")
	}
	if _, err := os.Stat(cfg.SecretKeyPath()); err != nil {
		t.Errorf("no secret key file: %v", err)
	}
	if v, err := db.SchemaVersion(ctx, data.DB.R); err != nil || v != db.LatestVersion() {
		t.Errorf("schema version %d (%v), want %d", v, err, db.LatestVersion())
	}
	sealed := data.Box.Seal("s3cret")
	if err := data.Close(); err != nil {
		t.Fatal(err)
	}

	// The second run finds the same key and the same database.
	again, err := server.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.KeyCreated {
		t.Error("KeyCreated is true on the second run")
	}
	if got, err := again.Box.Open(sealed); err != nil || got != "s3cret" {
		t.Errorf("the second run's box opens %q, %v", got, err)
	}
}

func TestOpenRefusesAnOldSchemaWithoutAutoMigrate(t *testing.T) {
	cfg := openConfig(t)
	cfg.Database.AutoMigrate = false
	_, err := server.Open(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "medianest migrate up") {
		t.Fatalf("err = %v, want one that says to run medianest migrate up", err)
	}
}

func TestOpenRefusesANewerSchema(t *testing.T) {
	ctx := context.Background()
	cfg := openConfig(t)
	data, err := server.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := data.DB.W.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, db.LatestVersion()+1); err != nil {
		t.Fatal(err)
	}
	data.Close()
	_, err = server.Open(ctx, cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "newer than this MediaNest knows") {
		t.Fatalf("err = %v, want a refusal of the newer schema", err)
	}
}

func TestOpenReportsAnUnusableDataDir(t *testing.T) {
	cfg := openConfig(t)
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	cfg.Data.Dir = filepath.Join(file, "data")
	_, err := server.Open(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot create the data directory") {
		t.Fatalf("err = %v", err)
	}
}

// A data directory or secret file that others can read is reported when the
// server opens its data, not only by doctor.
func TestOpenWarnsAboutLoosePermissions(t *testing.T) {
	cfg := openConfig(t)
	if err := os.MkdirAll(cfg.Data.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(cfg.Data.Dir, 0o755)
	tok := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tok, []byte("t\n"), 0o644)
	cfg.Plex.TokenFile = tok
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	data, err := server.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	out := logs.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, cfg.Data.Dir) || !strings.Contains(out, tok) {
		t.Fatalf("no permission warnings:\n%s", out)
	}
}
