package doctor

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medianest/app/config"
	"medianest/app/secret"
	"medianest/app/services"
	"medianest/db"
)

func TestServiceKeysSealedWithAnotherKeyFail(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	if r := checkServiceKeys(ctx, cfg); r.Status != Skip {
		t.Fatalf("no database: %s %s", r.Status, r.Message)
	}
	d, err := db.Open(ctx, cfg.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	m, _ := db.NewMigrator(d)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	oldKey := bytes.Repeat([]byte{1}, secret.KeySize)
	oldBox, _ := secret.NewBox(oldKey)
	if _, err := services.NewStore(d, oldBox, nil).Put(ctx, services.Service{Name: services.Overseerr, URL: "http://ovr:5055", APIKey: "k", Enabled: true}, false); err != nil {
		t.Fatal(err)
	}
	d.Close()

	os.WriteFile(cfg.SecretKeyPath(), []byte(hex.EncodeToString(oldKey)), 0o600)
	if r := checkServiceKeys(ctx, cfg); r.Status != Pass {
		t.Fatalf("the right key: %s %s", r.Status, r.Message)
	}
	os.WriteFile(cfg.SecretKeyPath(), []byte(strings.Repeat("cd", 32)), 0o600)
	r := checkServiceKeys(ctx, cfg)
	if r.Status != Fail || !strings.Contains(r.Message, "the stored keys were sealed with another secret key: restore the old key or re-enter the keys in Admin → Services") || !strings.Contains(r.Message, "overseerr") {
		t.Fatalf("another key: %s %q", r.Status, r.Message)
	}
}

func TestBackupCheck(t *testing.T) {
	cfg := config.Default()
	cfg.Data.Dir = t.TempDir()
	// The generated key lies in the data directory: backups lack it.
	if r := checkBackup(cfg); r.Status != Warn || !strings.Contains(r.Message, "only inside the data directory") || !strings.Contains(r.Message, "no backup yet") {
		t.Fatalf("key in the data dir: %s %q", r.Status, r.Message)
	}
	cfg.Security.SecretKeyFile = filepath.Join(t.TempDir(), "secret.key")
	if r := checkBackup(cfg); r.Status != Pass || !strings.Contains(r.Message, "24h0m0s") {
		t.Fatalf("key elsewhere: %s %q", r.Status, r.Message)
	}
	cfg.Backup.Interval = 0
	if r := checkBackup(cfg); r.Status != Warn || !strings.Contains(r.Message, "backup.interval") {
		t.Fatalf("schedule off: %s %q", r.Status, r.Message)
	}
}
